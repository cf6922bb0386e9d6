"""The English -> Chinese dates corpus: known pairs, round trips, splits, vocabularies."""

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmbook.data.dates import (
    FIRST_DAY,
    LAST_DAY,
    STYLES,
    chinese_date,
    chinese_date_vocab,
    date_corpus,
    date_tokens,
    encoded_dates,
    english_date,
    english_date_vocab,
    parse_chinese_date,
    parse_english_date,
)

MARCH_5 = datetime.date(2021, 3, 5)


@pytest.mark.parametrize("style, english", [("mdy", "March 5, 2021"),
                                            ("dmy", "5 March 2021"),
                                            ("iso", "2021-03-05")])
def test_every_style_of_march_5_becomes_the_same_chinese_date(style, english):
    assert english_date(MARCH_5, style) == english
    assert parse_english_date(english) == MARCH_5
    assert chinese_date(MARCH_5) == "2021年3月5日"


def test_tokens_keep_month_names_whole_and_split_digits():
    assert date_tokens("March 5, 2021") == ["March", "5", ",", "2", "0", "2", "1"]
    assert date_tokens("2021-03-05") == list("2021-03-05")
    assert date_tokens("2021年3月5日") == list("2021年3月5日")


@settings(max_examples=100, deadline=None)
@given(st.dates(FIRST_DAY, LAST_DAY), st.sampled_from(STYLES))
def test_dates_round_trip_in_every_style(day, style):
    assert parse_english_date(english_date(day, style)) == day
    assert parse_chinese_date(chinese_date(day)) == day
    english_date_vocab().encode(date_tokens(english_date(day, style)))  # closed vocabulary
    chinese_date_vocab().encode(date_tokens(chinese_date(day)))


def test_splits_hold_distinct_dates_in_all_styles_and_are_reproducible():
    train, val, test = date_corpus(600, 50, 100, seed=3)
    assert (len(train), len(val), len(test)) == (600, 50, 100)
    days = [set(s.dates) for s in (train, val, test)]
    assert sum(map(len, days)) == 750 and not (days[0] & days[1] or days[0] & days[2]
                                               or days[1] & days[2])
    assert set(train.styles) == set(STYLES)
    assert date_corpus(600, 50, 100, seed=3)[2].source == test.source
    src, tgt = encoded_dates(test)
    assert len(src) == len(tgt) == 100 and min(map(len, tgt)) >= 8


def test_bad_inputs_get_clear_errors():
    with pytest.raises(ValueError, match="unknown style"):
        english_date(MARCH_5, "usa")
    with pytest.raises(ValueError, match="not in any of the styles"):
        parse_english_date("5/3/2021")
    with pytest.raises(ValueError, match="unknown month"):
        parse_english_date("Marc 5, 2021")
    with pytest.raises(ValueError, match="not a 年月日 date"):
        parse_chinese_date("2021-03-05")
    with pytest.raises(ValueError, match="only 73049 exist"):
        date_corpus(80_000, 1, 1)
