"""Forecast metrics: hand-computed values, MASE of persistence is 1, clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lstmbook.metrics.forecast import (
    directional_accuracy,
    error_by_horizon,
    mae,
    mase,
    naive_scale,
    rmse,
)


def test_mae_and_rmse_match_hand_computed_values():
    y, p = [1.0, 2.0, 3.0, 4.0], [2.0, 2.0, 1.0, 4.0]  # errors 1, 0, 2, 0
    assert mae(y, p) == pytest.approx(3 / 4)
    assert rmse(y, p) == pytest.approx(np.sqrt(5 / 4))


def test_naive_scale_and_mase_match_hand_computed_values():
    train = [1.0, 2.0, 4.0, 7.0]  # changes 1, 2, 3 -> scale 2; lag-2 changes 3, 5 -> 4
    assert naive_scale(train) == pytest.approx(2.0)
    assert naive_scale(train, m=2) == pytest.approx(4.0)
    assert mase([8.0, 9.0], [7.0, 7.0], train) == pytest.approx(1.5 / 2.0)
    assert mase([8.0, 9.0], [7.0, 7.0], train, m=2) == pytest.approx(1.5 / 4.0)


finite = st.floats(-1e3, 1e3, allow_nan=False, allow_subnormal=False)  # a mean of subnormals is 0


@settings(max_examples=50, deadline=None)
@given(arrays(float, st.integers(3, 60), elements=finite), st.integers(1, 2))
def test_mase_of_persistence_is_one_on_the_training_series(train, m):
    if np.all(train[m:] == train[:-m]):
        return
    assert mase(train[m:], train[:-m], train, m=m) == pytest.approx(1.0)


@settings(max_examples=50, deadline=None)
@given(arrays(float, st.integers(1, 40), elements=finite), arrays(float, 40, elements=finite))
def test_rmse_is_at_least_mae(y, noise):
    p = y + noise[: y.size]
    assert rmse(y, p) >= mae(y, p) - 1e-9


def test_error_by_horizon_scores_each_column():
    y = np.array([[1.0, 2.0], [3.0, 4.0]])
    p = np.array([[1.0, 0.0], [3.0, 8.0]])
    np.testing.assert_allclose(error_by_horizon(y, p), [0.0, 3.0])
    np.testing.assert_allclose(error_by_horizon(y, p, rmse), [0.0, np.sqrt(10.0)])


def test_directional_accuracy_counts_correct_signs():
    last = np.array([0.0, 0.0, 0.0, 0.0])
    assert directional_accuracy([1.0, -1.0, 1.0, 0.0], [2.0, -3.0, -1.0, 1.0], last) == 0.5


def test_metrics_refuse_nan_and_shape_mismatch_with_a_clear_message():
    with pytest.raises(ValueError, match="NaN"):
        mae([1.0, np.nan], [1.0, 2.0])
    with pytest.raises(ValueError, match="differ in shape"):
        rmse([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="NaN"):
        naive_scale([1.0, np.nan, 3.0])
    with pytest.raises(ValueError, match="constant"):
        mase([1.0], [1.0], [2.0, 2.0, 2.0])
    with pytest.raises(ValueError, match="more than m"):
        naive_scale([1.0, 2.0], m=2)
