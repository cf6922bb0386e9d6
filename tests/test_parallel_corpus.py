"""The English ↔ Chinese number corpus: known pairs, round trips, splits, vocabularies."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmbook.data.parallel import (
    MAX_NUMBER,
    Vocab,
    chinese_number,
    chinese_vocab,
    encoded,
    english_number,
    english_tokens,
    english_vocab,
    number_corpus,
    pad_batch,
    parse_chinese,
    parse_english,
    sample_numbers,
)

KNOWN = [
    (0, "zero", "零"),
    (7, "seven", "七"),
    (10, "ten", "十"),
    (15, "fifteen", "十五"),
    (42, "forty-two", "四十二"),
    (110, "one hundred and ten", "一百一十"),
    (1005, "one thousand and five", "一千零五"),
    (1050, "one thousand and fifty", "一千零五十"),
    (3005, "three thousand and five", "三千零五"),
    (10000, "ten thousand", "一万"),
    (10050, "ten thousand and fifty", "一万零五十"),
    (100000, "one hundred thousand", "十万"),
    (100010, "one hundred thousand and ten", "十万零一十"),
    (1000042, "one million and forty-two", "一百万零四十二"),
    (10001000, "ten million one thousand", "一千万一千"),
    (12345000, "twelve million three hundred and forty-five thousand", "一千二百三十四万五千"),
    (100000000, "one hundred million", "一亿"),
    (100000001, "one hundred million and one", "一亿零一"),
    (100010000, "one hundred million ten thousand", "一亿零一万"),
    (1000000000, "one billion", "十亿"),
]


@pytest.mark.parametrize("n, english, chinese", KNOWN)
def test_known_pairs(n, english, chinese):
    assert english_number(n) == english
    assert chinese_number(n) == chinese
    assert parse_english(english) == n
    assert parse_chinese(chinese) == n


numbers = st.integers(min_value=0, max_value=MAX_NUMBER - 1)


@settings(max_examples=100, deadline=None)
@given(numbers)
def test_both_renderings_round_trip_with_known_tokens(n):
    english, chinese = english_number(n), chinese_number(n)
    assert parse_english(english) == n
    assert parse_chinese(chinese) == n
    english_vocab().encode(english_tokens(english))  # raises on a token outside the vocabulary
    chinese_vocab().encode(list(chinese))


@settings(max_examples=100, deadline=None)
@given(numbers)
def test_chinese_never_doubles_or_ends_with_zero(n):
    text = chinese_number(n)
    assert "零零" not in text
    assert n == 0 or not text.endswith("零")
    assert not text.startswith("一十")


def test_out_of_range_and_non_integers_are_refused():
    with pytest.raises(ValueError, match=r"\[0, 10\*\*12\)"):
        chinese_number(MAX_NUMBER)
    with pytest.raises(ValueError, match="-1"):
        english_number(-1)
    with pytest.raises(TypeError, match="integer"):
        english_number(3.0)
    with pytest.raises(ValueError, match="unknown word 'thousandd'"):
        parse_english("three thousandd")
    with pytest.raises(ValueError, match="unexpected character 'x'"):
        parse_chinese("三x")


def test_splits_are_disjoint_and_deterministic():
    train, val, test = number_corpus(3000, 300, 300, seed=1)
    sets = [set(s.numbers.tolist()) for s in (train, val, test)]
    assert not sets[0] & sets[2] and not sets[0] & sets[1] and not sets[1] & sets[2]
    again = number_corpus(3000, 300, 300, seed=1)[2]
    assert again.source == test.source and again.target == test.target
    assert test.target[0] == chinese_number(int(test.numbers[0]))


def test_digit_counts_cover_every_length():
    digits = np.char.str_len(sample_numbers(2000, seed=0).astype(str))
    assert set(digits.tolist()) == set(range(1, 13))


def test_vocab_encode_decode_and_padding():
    vocab = chinese_vocab()
    ids = vocab.encode(list("三千零五"), bos=True)
    assert ids[0] == Vocab.BOS and ids[-1] == Vocab.EOS
    assert "".join(vocab.decode(ids + [Vocab.PAD, 5])) == "三千零五"
    with pytest.raises(ValueError, match="unknown token 'x'"):
        vocab.encode(["x"])
    batch = pad_batch([[3, 4], [5]])
    assert batch.tolist() == [[3, 4], [5, Vocab.PAD]]
    src, tgt = encoded(number_corpus(10, 2, 2)[0])
    assert len(src) == len(tgt) == 10 and Vocab.EOS not in src[0]
