"""Paired tests of "A beats B" on one test sample: Diebold-Mariano and the paired bootstrap."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmbook.evaluation import diebold_mariano, paired_bootstrap


def test_diebold_mariano_h1_is_the_paired_t_test_with_the_hln_correction():
    from scipy import stats

    rng = np.random.default_rng(0)
    a, b = rng.random(50), rng.random(50) + 0.1
    r = diebold_mariano(a, b)
    d = a - b
    t = d.mean() / np.sqrt(d.var() / d.size) * np.sqrt((d.size - 1) / d.size)
    assert r.statistic == pytest.approx(t)
    assert r.statistic == pytest.approx(stats.ttest_rel(a, b).statistic)
    assert r.p_value == pytest.approx(stats.ttest_rel(a, b).pvalue)
    assert r.low < r.difference < r.high


def test_diebold_mariano_finds_a_clear_difference_and_not_a_null_one():
    rng = np.random.default_rng(1)
    noise = rng.normal(size=400)
    assert diebold_mariano(noise**2, (noise + 1.0) ** 2).p_value < 1e-6
    assert diebold_mariano(rng.normal(size=400) ** 2, rng.normal(size=400) ** 2).p_value > 0.01


def test_diebold_mariano_widens_for_overlapping_multi_step_errors():
    rng = np.random.default_rng(2)
    e = np.convolve(rng.normal(size=300), np.ones(5), mode="valid")  # MA(4): h = 5 overlap
    a, b = (e + 0.3) ** 2, e**2
    assert abs(diebold_mariano(a, b, horizon=5).statistic) < abs(diebold_mariano(a, b).statistic)


def test_paired_bootstrap_interval_covers_the_difference_and_is_signed():
    rng = np.random.default_rng(3)
    a = rng.integers(0, 2, 500).astype(float)
    b = np.where(rng.random(500) < 0.2, 1 - a, a) * 0 + (rng.random(500) < 0.3)
    r = paired_bootstrap(a, b, seed=1)
    assert r.low <= r.difference <= r.high
    assert r.difference == pytest.approx(a.mean() - b.mean())
    assert r.p_value < 0.01


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_swapping_the_models_flips_the_sign_not_the_p_value(seed):
    rng = np.random.default_rng(seed)
    a, b = rng.random(40), rng.random(40)
    for kernel in ("rectangular", "bartlett"):
        try:
            ab = diebold_mariano(a, b, horizon=2, kernel=kernel)
        except ValueError:  # a rectangular-kernel variance estimate can be negative
            assert kernel == "rectangular"
            with pytest.raises(ValueError, match="bartlett"):
                diebold_mariano(b, a, horizon=2, kernel=kernel)
            continue
        ba = diebold_mariano(b, a, horizon=2, kernel=kernel)
        assert ab.statistic == pytest.approx(-ba.statistic)
        assert ab.p_value == pytest.approx(ba.p_value)


def test_a_negative_rectangular_variance_estimate_is_named_and_bartlett_works():
    rng = np.random.default_rng(6216)  # a draw whose rectangular estimate is negative
    a, b = rng.random(40), rng.random(40)
    with pytest.raises(ValueError, match="not positive.*bartlett"):
        diebold_mariano(a, b, horizon=2)
    assert 0 <= diebold_mariano(a, b, horizon=2, kernel="bartlett").p_value <= 1


def test_paired_tests_name_bad_input():
    with pytest.raises(ValueError, match="paired"):
        diebold_mariano(np.ones(5), np.ones(6))
    with pytest.raises(ValueError, match="NaN"):
        paired_bootstrap([1.0, np.nan, 2.0], [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="no variance"):
        diebold_mariano(np.ones(5), np.zeros(5))
