"""Forecast baselines: naive forecasts by hand, SARIMAX with fixed parameters."""

from __future__ import annotations

import numpy as np
import pytest

from lstmbook.baselines.forecast import (
    Persistence,
    SarimaxForecaster,
    SeasonalNaive,
    persistence,
    seasonal_naive,
)
from lstmbook.evaluation import walk_forward


def test_persistence_repeats_the_last_value():
    np.testing.assert_array_equal(persistence([3.0, 1.0, 4.0], 3), [4.0, 4.0, 4.0])
    np.testing.assert_array_equal(Persistence(2)([5.0]), [5.0, 5.0])


def test_seasonal_naive_repeats_the_last_season():
    h = np.arange(10.0)  # last season (m=4): 6, 7, 8, 9
    np.testing.assert_array_equal(seasonal_naive(h, 6, m=4), [6, 7, 8, 9, 6, 7])
    np.testing.assert_array_equal(SeasonalNaive(1, m=3)(h), [7.0])
    with pytest.raises(ValueError, match="needs ≥ 12"):
        seasonal_naive(h, 1, m=12)


def test_baselines_refuse_empty_history():
    with pytest.raises(ValueError, match="non-empty"):
        persistence([], 1)


@pytest.fixture(scope="module")
def ar1():
    rng = np.random.default_rng(0)
    y = np.zeros(400)
    for t in range(1, 400):
        y[t] = 0.7 * y[t - 1] + rng.standard_normal()
    return y, SarimaxForecaster(order=(1, 0, 0), horizon=3).fit(y[:300])


def test_sarimax_recovers_an_ar1_coefficient(ar1):
    _, f = ar1
    assert f.params["ar.L1"] == pytest.approx(0.7, abs=0.1)


def test_sarimax_forecasts_with_fixed_parameters_from_the_history_it_is_given(ar1):
    y, f = ar1
    phi = f.params["ar.L1"]
    np.testing.assert_allclose(f(y[:350]), y[349] * phi ** np.arange(1, 4), rtol=1e-6)
    one = f.one_step(y)
    f1 = SarimaxForecaster(order=(1, 0, 0), horizon=1)
    f1.results = f.results
    _, wf = walk_forward(y, f1, np.arange(300, 310))
    np.testing.assert_allclose(one[300:310], wf[:, 0], rtol=1e-8)


def test_sarimax_must_be_fitted_first():
    with pytest.raises(RuntimeError, match="fit"):
        SarimaxForecaster()(np.ones(5))
