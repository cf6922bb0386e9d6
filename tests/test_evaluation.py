"""Evaluation tools: splits in time, walk-forward without the future, train-only scaling,
interval coverage."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmbook.evaluation import (
    Standardizer,
    coverage,
    make_windows,
    mean_and_spread,
    residual_interval,
    time_split,
    walk_forward,
)


@settings(max_examples=50, deadline=None)
@given(st.integers(3, 500), st.integers(1, 100), st.integers(1, 100))
def test_time_split_blocks_are_consecutive_disjoint_and_cover_the_series(n, n_val, n_test):
    if n_val + n_test >= n:
        with pytest.raises(ValueError, match="no training data"):
            time_split(n, n_val, n_test)
        return
    sp = time_split(n, n_val, n_test)
    idx = [np.arange(n)[b] for b in (sp.train, sp.val, sp.test)]
    np.testing.assert_array_equal(np.concatenate(idx), np.arange(n))  # in order, no gap
    assert idx[0].max() < idx[1].min() and idx[1].max() < idx[2].min()  # never overlap
    assert len(idx[1]) == n_val and len(idx[2]) == n_test


def test_make_windows_keeps_targets_in_the_block_and_inputs_in_the_past():
    s = np.arange(30.0)
    x, y, origins = make_windows(s, 4, 3, start=10, stop=20)
    assert x.shape == (len(origins), 4) and y.shape == (len(origins), 3)
    assert y.min() >= 10 and y.max() < 20
    assert np.all(x.max(axis=1) < origins) and np.all(y[:, 0] == origins)
    np.testing.assert_array_equal(x[0], [6, 7, 8, 9])
    with pytest.raises(ValueError, match="no window"):
        make_windows(s, 4, 12, start=10, stop=20)


def test_walk_forward_never_lets_the_forecaster_see_the_future():
    s = np.arange(50.0)  # value == index, so a peek into the future is visible
    seen = []

    def spy(history):
        seen.append((len(history), history.max()))
        return np.array([history[-1]])

    origins = np.arange(10, 50)
    walk_forward(s, spy, origins)
    for t, (length, largest) in zip(origins, seen, strict=True):
        assert length == t and largest < t


def test_walk_forward_history_is_read_only_and_a_copy():
    s = np.arange(20.0)

    def vandal(history):
        history[-1] = 1e9  # would corrupt the data later origins and the truth use
        return history[-1:]

    with pytest.raises(ValueError, match="read-only"):
        walk_forward(s, vandal, [5])
    assert s[4] == 4.0


def test_walk_forward_of_persistence_is_the_series_shifted_by_one():
    s = np.cumsum(np.random.default_rng(0).standard_normal(40))
    y_true, y_pred = walk_forward(s, lambda h: h[-1:], np.arange(1, 40))
    np.testing.assert_array_equal(y_true[:, 0], s[1:])
    np.testing.assert_array_equal(y_pred[:, 0], s[:-1])


def test_walk_forward_checks_origins_and_forecast_shape():
    s = np.arange(10.0)
    with pytest.raises(ValueError, match="origins must lie"):
        walk_forward(s, lambda h: h[-2:], [9], horizon=2)
    with pytest.raises(ValueError, match="expected \\(2,\\)"):
        walk_forward(s, lambda h: h[-1:], [5], horizon=2)


def test_standardizer_statistics_come_from_the_training_block_only():
    s = np.r_[np.arange(10.0), 1000.0 + np.arange(10.0)]  # a level shift in the test part
    sp = time_split(len(s), 5, 5)
    sc = Standardizer().fit(s[sp.train])
    assert sc.mean == pytest.approx(np.mean(s[:10])) and sc.scale == pytest.approx(np.std(s[:10]))
    s2 = s.copy()
    s2[sp.test] = -5.0  # changing the future changes nothing that was learnt
    assert Standardizer().fit(s2[sp.train]).mean == sc.mean
    np.testing.assert_allclose(sc.inverse_transform(sc.transform(s)), s)
    sq = s[:10] ** 2
    assert Standardizer(diff=True).fit(sq).scale == pytest.approx(np.std(np.diff(sq)))
    with pytest.raises(RuntimeError, match="fit"):
        Standardizer().transform(s)
    with pytest.raises(ValueError, match="NaN"):
        Standardizer().fit([1.0, np.nan, 2.0])


def test_coverage_matches_a_hand_count():
    y = np.array([0.0, 1.0, 2.0, 3.0])
    lo = np.array([-1.0, 1.0, 2.5, 0.0])  # inside, on the edge (counts), below, inside
    hi = np.array([1.0, 2.0, 3.0, 3.0])
    assert coverage(y, lo, hi) == 0.75
    np.testing.assert_allclose(coverage(y.reshape(2, 2), lo.reshape(2, 2), hi.reshape(2, 2),
                                        axis=0), [0.5, 1.0])
    with pytest.raises(ValueError, match="lower > upper"):
        coverage(y, hi, lo)


def test_residual_interval_covers_close_to_its_level_on_exchangeable_errors():
    rng = np.random.default_rng(1)
    val_res, test_res = rng.standard_normal((2000, 2)), rng.standard_normal((4000, 2))
    pred = np.zeros((4000, 2))
    lo, hi = residual_interval(pred, val_res, level=0.8)
    assert coverage(test_res, lo, hi) == pytest.approx(0.8, abs=0.03)
    np.testing.assert_allclose(hi[0], np.quantile(val_res, 0.9, axis=0))
    with pytest.raises(ValueError, match="horizons"):
        residual_interval(pred, val_res[:, :1])


def test_mean_and_spread_is_the_sample_standard_deviation():
    assert mean_and_spread([1.0, 2.0, 3.0]) == pytest.approx((2.0, 1.0))
    with pytest.raises(ValueError, match="at least 2"):
        mean_and_spread([1.0])
