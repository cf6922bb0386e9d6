"""Diebold-Mariano with Bartlett weights: defined where the rectangular variance is not."""

import numpy as np
import pytest

from lstmbook.evaluation import diebold_mariano


def test_bartlett_and_rectangular_agree_at_horizon_one():
    rng = np.random.default_rng(0)
    a, b = rng.random(30), rng.random(30)
    assert diebold_mariano(a, b, kernel="bartlett") == pytest.approx(diebold_mariano(a, b))


def test_bartlett_gives_a_test_where_the_rectangular_variance_is_negative():
    d = np.tile([1.0, -1.0], 15)  # alternating differences: negative lag-1 autocovariance
    with pytest.raises(ValueError, match="not positive.*bartlett"):
        diebold_mariano(d, np.zeros_like(d), horizon=2)
    r = diebold_mariano(d, np.zeros_like(d), horizon=2, kernel="bartlett")
    assert np.isfinite(r.statistic) and 0 <= r.p_value <= 1


def test_unknown_kernel_is_named():
    with pytest.raises(ValueError, match="kernel"):
        diebold_mariano(np.arange(5.0), np.zeros(5), kernel="parzen")
