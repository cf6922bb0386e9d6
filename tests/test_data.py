"""The synthetic data sets: shapes, definitions, seeds, the adding-problem baseline."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmbook.data import ADDING_BASELINE_MSE, adding_problem, sine_windows, split_in_time


@settings(max_examples=25, deadline=None)
@given(n_points=st.integers(3, 200), window=st.integers(1, 30), seed=st.integers(0, 2**16))
def test_sine_windows_are_shifted_copies_of_one_series(n_points, window, seed):
    if window >= n_points:
        with pytest.raises(ValueError, match="window"):
            sine_windows(n_points, window, seed=seed)
        return
    x, y = sine_windows(n_points, window, seed=seed, noise=0.1)
    n = n_points - window
    assert x.shape == (n, window, 1) and y.shape == (n, 1)
    series = np.concatenate([x[0, :, 0], y[:, 0]])  # first window, then every target
    assert series.shape == (n_points,)
    for k in range(n):
        np.testing.assert_array_equal(x[k, :, 0], series[k : k + window])
        assert y[k, 0] == series[k + window]


def test_sine_windows_is_a_sine_and_is_seeded():
    x, y = sine_windows(200, 10, period=25.0, seed=3)
    series = np.concatenate([x[0, :, 0], y[:, 0]])
    np.testing.assert_allclose(series[25:], series[:-25], atol=1e-12)  # period 25
    assert np.abs(series).max() <= 1.0
    np.testing.assert_array_equal(
        sine_windows(200, 10, seed=3)[0], sine_windows(200, 10, seed=3)[0]
    )
    assert not np.array_equal(sine_windows(200, 10, seed=3)[0], sine_windows(200, 10, seed=4)[0])
    assert sine_windows(50, 5, dtype=np.float32)[0].dtype == np.float32


def test_split_in_time_keeps_order():
    x, y = sine_windows(110, 10, seed=0)
    x_tr, y_tr, x_te, y_te = split_in_time(x, y, 0.25)
    assert len(x_tr) == 75 and len(x_te) == 25
    np.testing.assert_array_equal(np.concatenate([x_tr, x_te]), x)
    np.testing.assert_array_equal(np.concatenate([y_tr, y_te]), y)
    with pytest.raises(ValueError, match="test_fraction"):
        split_in_time(x, y, 1.0)
    with pytest.raises(ValueError, match="length"):
        split_in_time(x, y[:-1])
    with pytest.raises(ValueError, match="empty"):
        split_in_time(x[:2], y[:2], 0.1)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 40), seq_len=st.integers(2, 60), seed=st.integers(0, 2**16))
def test_adding_problem_definition(n, seq_len, seed):
    x, y = adding_problem(n, seq_len, seed=seed)
    assert x.shape == (n, seq_len, 2) and y.shape == (n, 1)
    values, markers = x[..., 0], x[..., 1]
    assert np.all((values >= 0) & (values < 1))
    assert set(np.unique(markers)) <= {0.0, 1.0}
    np.testing.assert_array_equal(markers.sum(axis=1), 2)
    half = seq_len // 2
    np.testing.assert_array_equal(markers[:, :half].sum(axis=1), 1)  # one in the first half
    np.testing.assert_array_equal(markers[:, half:].sum(axis=1), 1)  # one in the second
    np.testing.assert_allclose(y[:, 0], (values * markers).sum(axis=1), rtol=1e-15)


def test_adding_problem_baseline_is_one_sixth():
    """Predicting 1 always: empirical MSE on 100 000 sequences is 1/6 within sampling error."""
    _, y = adding_problem(100_000, 10, seed=0)
    mse = np.mean((y - 1.0) ** 2)
    assert ADDING_BASELINE_MSE == pytest.approx(0.1667, abs=1e-4)
    assert mse == pytest.approx(ADDING_BASELINE_MSE, abs=0.003)  # std error ~ 0.0006
    assert y.mean() == pytest.approx(1.0, abs=0.01)


def test_adding_problem_seeded():
    a, b, c = (adding_problem(5, 8, seed=s) for s in (1, 1, 2))
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])


def test_bad_arguments():
    with pytest.raises(ValueError, match="seq_len must be at least 2"):
        adding_problem(10, 1)
    with pytest.raises(ValueError, match="n_samples"):
        adding_problem(0, 10)
    with pytest.raises(TypeError, match="seq_len"):
        adding_problem(10, 5.0)
    with pytest.raises(TypeError, match="dtype"):
        adding_problem(10, 5, dtype=np.int64)
    with pytest.raises(ValueError, match="n_points"):
        sine_windows(1, 1)
    with pytest.raises(ValueError, match="period"):
        sine_windows(100, 10, period=0.0)
    with pytest.raises(ValueError, match="noise"):
        sine_windows(100, 10, noise=-1.0)
