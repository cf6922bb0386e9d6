"""The real series: what statsmodels ships, missing values counted and filled."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lstmbook.data.series import (
    FORECAST_TASKS,
    co2_monthly,
    fill_error,
    fill_missing,
    load_co2,
    load_sunspots,
    load_task,
    missing_summary,
    random_walk,
    validation_start,
)


def test_co2_is_weekly_with_59_missing_weeks():
    co2 = load_co2()
    assert len(co2) == 2284 and co2.index.freqstr == "W-SAT"
    summary = missing_summary(co2)
    assert summary["missing"] == 59 and summary["longest_gap"] == 18


def test_missing_summary_counts_gaps_by_hand():
    s = pd.Series([1.0, np.nan, np.nan, 2.0, np.nan, 3.0])
    assert missing_summary(s) == dict(n=6, missing=3, fraction=0.5, gaps=2, longest_gap=2)


@pytest.mark.parametrize("method", ["linear", "ffill", "seasonal"])
def test_fill_missing_keeps_known_values_and_leaves_no_nan(method):
    co2 = load_co2()
    filled = fill_missing(co2, method)
    assert not filled.isna().any()
    known = co2.notna()
    np.testing.assert_allclose(filled[known], co2[known])


def test_fill_methods_by_hand():
    s = pd.Series([1.0, np.nan, np.nan, 4.0])
    np.testing.assert_allclose(fill_missing(s, "linear"), [1, 2, 3, 4])
    np.testing.assert_allclose(fill_missing(s, "ffill"), [1, 1, 1, 4])
    with pytest.raises(ValueError, match="method must be one of"):
        fill_missing(s, "mean")


def test_fill_error_is_zero_for_a_straight_line_filled_linearly():
    s = pd.Series(np.arange(100.0))
    s[[10, 50, 51]] = np.nan
    assert fill_error(s, "linear", n_hidden=20) == pytest.approx(0.0, abs=1e-12)
    assert fill_error(s, "ffill", n_hidden=20) > 0


def test_co2_monthly_has_no_gaps_and_sunspots_span_1700_to_2008():
    m = co2_monthly()
    assert len(m) == 526 and not m.isna().any()
    s = load_sunspots()
    assert (s.index[0], s.index[-1], len(s)) == (1700, 2008, 309) and not s.isna().any()


def test_load_task_returns_a_copy_of_the_setup():
    series, setup = load_task("sunspots")
    setup["window"] = -1
    assert FORECAST_TASKS["sunspots"]["window"] != -1
    with pytest.raises(ValueError, match="unknown task"):
        load_task("stocks")


def test_random_walk_has_independent_lognormal_steps():
    p = random_walk(5000, volatility=0.02, seed=1)
    r = np.diff(np.log(p))
    assert p[0] == 100.0 and r.std() == pytest.approx(0.02, rel=0.05)
    assert abs(np.corrcoef(r[1:], r[:-1])[0, 1]) < 0.05
    np.testing.assert_array_equal(p, random_walk(5000, volatility=0.02, seed=1))


def test_seasonal_profile_fitted_before_a_date_ignores_later_values():
    idx = pd.RangeIndex(48)
    base = pd.Series(np.tile([0.0, 1.0, 0.0, -1.0], 12), index=idx)
    s = base.copy()
    s[[5, 6]] = np.nan
    changed = s.copy()
    changed[40:] += np.tile([5.0, -5.0], 4)  # a different season after the cut
    kw = dict(period=4, profile_before=32)
    np.testing.assert_allclose(fill_missing(s, "seasonal", **kw)[[5, 6]],
                               fill_missing(changed, "seasonal", **kw)[[5, 6]])
    assert not np.allclose(fill_missing(s, "seasonal", period=4)[[5, 6]],
                           fill_missing(changed, "seasonal", period=4)[[5, 6]])


def test_validation_start_is_the_first_step_after_the_training_block():
    series, setup = load_task("co2")
    first_val = validation_start("co2")
    n_train = len(series) - setup["n_val"] - setup["n_test"]
    assert series.index.get_loc(first_val) == n_train
