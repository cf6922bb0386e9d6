"""Exact match, CER, and the sacrebleu wrappers on Chinese numerals."""

import pytest

from lstmbook.metrics.translation import (
    bleu,
    character_error_rate,
    chrf,
    edit_distance,
    exact_match,
    translation_scores,
)

REFS = ["三千零五", "一万", "一亿零一"]


def test_perfect_translations_score_perfectly():
    scores = translation_scores(REFS, REFS)
    assert scores["exact match"] == 1.0 and scores["CER"] == 0.0
    assert scores["BLEU"] == pytest.approx(100.0) and scores["chrF"] == pytest.approx(100.0)


def test_edit_distance_counts_insertions_deletions_substitutions():
    assert edit_distance("三千零五", "三千五") == 1
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("", "一万") == 2


def test_cer_is_total_edits_over_total_reference_characters():
    hyps = ["三千五", "一万", "一亿零二"]  # one deletion, one substitution
    assert character_error_rate(hyps, REFS) == pytest.approx(2 / 10)
    assert exact_match(hyps, REFS) == pytest.approx(1 / 3)


def test_bleu_tokenises_chinese_by_character():
    # with tokenize="zh" a one-character error leaves most n-grams intact; with "13a" the
    # whole unsegmented sentence is one token and any error zeroes it
    hyps = ["三千零六", "一万", "一亿零一"]
    assert 30 < bleu(hyps, REFS) < 100
    assert bleu(hyps, REFS, tokenize="13a") < bleu(hyps, REFS)
    assert 0 < chrf(hyps, REFS) < 100


def test_mismatched_or_wrong_inputs_are_refused():
    with pytest.raises(ValueError, match="2 hypotheses but 3 references"):
        exact_match(REFS[:2], REFS)
    with pytest.raises(TypeError, match="not one string"):
        bleu("三千", "三千")
    with pytest.raises(TypeError, match="expected strings"):
        chrf([3005], ["三千零五"])
    with pytest.raises(ValueError, match="no sentences"):
        character_error_rate([], [])
