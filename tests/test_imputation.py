"""Filling missing values: each method fills exactly the NaNs, and only with what it promises."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmbook.imputation import (
    add_missing_indicator,
    impute_forward_fill,
    impute_mean,
    impute_zero,
    knock_out,
    missing_mask,
)

X = np.arange(2 * 5 * 2, dtype=float).reshape(2, 5, 2)


def test_knock_out_removes_about_the_requested_fraction_and_keeps_the_input():
    x = np.ones((50, 40, 3))
    holed = knock_out(x, 0.3, seed=0)
    assert abs(np.isnan(holed).mean() - 0.3) < 0.02
    assert not np.isnan(x).any()


def test_knock_out_refuses_a_rate_of_one():
    with pytest.raises(ValueError, match="rate"):
        knock_out(X, 1.0)


def test_every_filler_leaves_observed_values_alone_and_no_nan():
    holed = knock_out(X, 0.4, seed=1)
    seen = ~missing_mask(holed)
    for filled in (impute_zero(holed), impute_mean(holed), impute_forward_fill(holed)):
        assert not np.isnan(filled).any()
        np.testing.assert_array_equal(filled[seen], X[seen])


def test_forward_fill_repeats_the_last_observed_value_and_uses_initial_before_any():
    x = np.array([np.nan, 1.0, np.nan, np.nan, 4.0, np.nan])[None, :, None]
    got = impute_forward_fill(x, initial=-9.0)[0, :, 0]
    np.testing.assert_array_equal(got, [-9.0, 1.0, 1.0, 1.0, 4.0, 4.0])


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.0, 0.9))
def test_forward_fill_matches_a_plain_loop(seed, rate):
    holed = knock_out(np.random.default_rng(seed).normal(size=(3, 7, 2)), rate, seed=seed)
    expected = holed.copy()
    for n in range(3):
        for f in range(2):
            last = 0.0
            for t in range(7):
                if np.isnan(expected[n, t, f]):
                    expected[n, t, f] = last
                else:
                    last = expected[n, t, f]
    np.testing.assert_array_equal(impute_forward_fill(holed), expected)


def test_mean_imputation_uses_the_mean_of_the_observed_values_or_the_given_one():
    x = np.array([[[1.0], [np.nan], [3.0]]])
    assert impute_mean(x)[0, 1, 0] == 2.0
    assert impute_mean(x, mean=[10.0])[0, 1, 0] == 10.0
    with pytest.raises(ValueError, match="mean"):
        impute_mean(x, mean=[1.0, 2.0])


def test_indicator_doubles_the_features_and_marks_the_holes():
    holed = knock_out(X, 0.5, seed=2)
    out = add_missing_indicator(holed, impute_zero(holed))
    assert out.shape == (2, 5, 4)
    np.testing.assert_array_equal(out[..., 2:], np.isnan(holed))


def test_bad_input_gets_a_clear_error():
    with pytest.raises(ValueError, match=r"x"):
        impute_zero(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="filled"):
        add_missing_indicator(X, np.zeros((2, 5, 3)))
