"""Word and character error rate (jiwer) against counts done by hand."""

import pytest

from lstmbook.metrics import translation
from lstmbook.metrics.speech import character_error_rate, word_error_counts, word_error_rate


def test_a_perfect_transcript_has_zero_error():
    assert word_error_rate("three five seven", "three five seven") == 0.0
    assert character_error_rate(["one", "two"], ["one", "two"]) == 0.0


def test_wer_counts_a_substitution():
    assert word_error_rate("three five seven", "three nine seven") == pytest.approx(1 / 3)


def test_wer_counts_an_insertion_and_a_deletion():
    assert word_error_rate("one two", "one two two") == pytest.approx(1 / 2)  # inserted
    assert word_error_rate("one two three four", "one three four") == pytest.approx(1 / 4)


def test_wer_counts_all_three_kinds_and_can_exceed_one():
    # "a b c d" -> "a x c e f": b->x, d->e substituted, f inserted: 3 edits / 4 words
    counts = word_error_counts("a b c d", "a x c e f")
    assert counts == {"hits": 2, "substitutions": 2, "deletions": 0, "insertions": 1,
                      "words": 4}
    assert word_error_rate("a b c d", "a x c e f") == pytest.approx(3 / 4)
    assert word_error_rate("one", "one two three") == pytest.approx(2.0)


def test_wer_of_a_corpus_is_total_edits_over_total_reference_words():
    refs = ["one two three", "four"]  # 4 reference words
    hyps = ["one too three", ""]  # one substitution, one deletion
    assert word_error_rate(refs, hyps) == pytest.approx(2 / 4)  # not the mean (1/3 + 1) / 2


def test_cer_counts_characters_including_the_spaces_between_words():
    # "one two" (7 characters) -> "one to": one deletion
    assert character_error_rate("one two", "one to") == pytest.approx(1 / 7)
    assert character_error_rate("kitten", "sitting") == pytest.approx(3 / 6)


def test_chinese_cer_is_over_characters_without_spaces():
    assert character_error_rate("三五七", "三六七", ignore_spaces=True) == pytest.approx(1 / 3)
    # the same transcript, written with spaces between the digits, scores the same
    assert character_error_rate("三 五 七", "三六七", ignore_spaces=True) == pytest.approx(1 / 3)
    # 零一二 -> 一二九: 零 deleted, 九 inserted: 2 edits over 3 reference characters
    assert character_error_rate(["零一二"], ["一二九"], ignore_spaces=True) == pytest.approx(2 / 3)
    # as one whitespace-free "word", WER would call the whole string wrong
    assert word_error_rate("三五七", "三六七") == 1.0


def test_cer_agrees_with_the_translation_chapters_edit_distance():
    refs, hyps = ["三千零五", "一万"], ["三千五", "一万零"]
    assert character_error_rate(refs, hyps) == pytest.approx(
        translation.character_error_rate(hyps, refs))  # that one takes hypotheses first


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: word_error_rate(["a", "b"], ["a"]), ValueError, "2 references but 1 hypotheses"),
        (lambda: word_error_rate("", "a"), ValueError, "references are empty"),
        (lambda: character_error_rate(" ", "a", ignore_spaces=True), ValueError, "empty"),
        (lambda: word_error_rate(["a", 3], ["a", "b"]), TypeError, "references: expected str"),
    ],
)
def test_bad_input_is_refused_with_a_message(call, error, message):
    with pytest.raises(error, match=message):
        call()
