"""Scalers: standard and robust agree on clean Gaussian data; only robust ignores spikes."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmbook.scaling import clip, fit_robust, fit_standard


def test_robust_and_standard_scaling_agree_on_gaussian_data():
    x = np.random.default_rng(0).normal(3.0, 2.0, size=(20_000, 1))
    s, r = fit_standard(x), fit_robust(x)
    assert abs(s.center[0] - r.center[0]) < 0.06
    assert abs(s.scale[0] / r.scale[0] - 1) < 0.05


def test_a_few_spikes_inflate_the_standard_scale_but_not_the_robust_one():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(10_000, 1))
    x[rng.random(10_000) < 0.01] = 100.0
    assert fit_standard(x).scale[0] > 5
    assert abs(fit_robust(x).scale[0] - 1) < 0.1


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(["standard", "robust"]))
def test_inverse_undoes_transform(seed, kind):
    x = np.random.default_rng(seed).normal(size=(4, 6, 3)) * [1.0, 10.0, 0.1]
    scaler = fit_standard(x) if kind == "standard" else fit_robust(x)
    np.testing.assert_allclose(scaler.inverse(scaler.transform(x)), x, atol=1e-12)


def test_a_constant_feature_is_centred_not_divided_by_zero():
    z = fit_standard(np.full((5, 2), 7.0)).transform(np.full((5, 2), 7.0))
    np.testing.assert_array_equal(z, 0.0)


def test_clip_bounds_values():
    np.testing.assert_array_equal(clip(np.array([-10.0, 0.5, 10.0]), 3.0), [-3.0, 0.5, 3.0])
    with pytest.raises(ValueError, match="limit"):
        clip(np.zeros(2), 0.0)


def test_wrong_number_of_features_is_named():
    scaler = fit_standard(np.zeros((5, 2)))
    with pytest.raises(ValueError, match="2 feature"):
        scaler.transform(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="NaN"):
        fit_robust(np.array([[np.nan], [1.0]]))
