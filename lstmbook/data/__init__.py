"""Synthetic data sets, generated from a seed (nothing is downloaded).

* :func:`sine_windows` -- predict the next value of a sine wave from a window of past
  values; the "hello world" of sequence regression. Split it with :func:`split_in_time`.
* :func:`adding_problem` -- the long-range memory benchmark of Hochreiter & Schmidhuber
  (1997): add the two marked numbers of a long sequence.

All arrays are batch-first: ``x`` is (N, T, features), ``y`` is (N, outputs).
"""

from __future__ import annotations

import numpy as np

from lstmbook._checks import check_positive_int, check_supported_dtype

__all__ = ["sine_windows", "split_in_time", "adding_problem", "ADDING_BASELINE_MSE"]

#: MSE of always predicting 1 on the adding problem: the target is a sum of two
#: independent U(0, 1) values, with mean 1 and variance 2 * 1/12 = 1/6.
ADDING_BASELINE_MSE = 1.0 / 6.0


def _int_at_least(value: int, name: str, minimum: int) -> int:
    value = check_positive_int(value, name)
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return value


def sine_windows(
    n_points: int = 1000,
    window: int = 20,
    *,
    period: float = 50.0,
    amplitude: float = 1.0,
    noise: float = 0.0,
    seed: int | None = None,
    dtype=np.float64,
) -> tuple[np.ndarray, np.ndarray]:
    """Sliding windows over a sine series, each labelled with the value that follows it.

    The series is ``s_t = amplitude * sin(2 pi t / period + phase) + noise * eps_t`` for
    ``t = 0 .. n_points-1``, with a random ``phase`` and ``eps_t ~ N(0, 1)`` drawn from
    ``seed``. Window ``k`` is ``s_k .. s_{k+window-1}`` and its target is ``s_{k+window}``.

    Parameters
    ----------
    n_points : int
        Length of the series; gives ``N = n_points - window`` examples.
    window : int
        Number of past values the model sees (the sequence length T).
    period : float
        Samples per oscillation.
    amplitude, noise : float
        Height of the wave and standard deviation of the added Gaussian noise.
    seed : int or None
        Seed for the phase and the noise.
    dtype : floating dtype

    Returns
    -------
    x : ndarray (N, window, 1)
    y : ndarray (N, 1)
        Ordered in time: example ``k + 1`` is example ``k`` shifted by one step.
    """
    n_points = _int_at_least(n_points, "n_points", 2)
    window = check_positive_int(window, "window")
    if window >= n_points:
        raise ValueError(f"window ({window}) must be smaller than n_points ({n_points})")
    if not period > 0:
        raise ValueError(f"period must be positive, got {period}")
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    dtype = check_supported_dtype(dtype, "dtype")
    rng = np.random.default_rng(seed)
    phase = rng.uniform(0.0, 2 * np.pi)
    t = np.arange(n_points)
    series = amplitude * np.sin(2 * np.pi * t / period + phase)
    series = series + noise * rng.standard_normal(n_points)
    n = n_points - window
    idx = np.arange(n)[:, None] + np.arange(window)[None, :]  # (N, window)
    x = series[idx][..., None].astype(dtype)
    y = series[window:][:, None].astype(dtype)
    return x, y


def split_in_time(
    x: np.ndarray, y: np.ndarray, test_fraction: float = 0.2
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split time-ordered examples into an earlier training part and a later test part.

    Not shuffled, on purpose: neighbouring windows of a series overlap in all but one
    value, so a random split would put near-copies of every test window into the
    training set and the test error would measure memorisation, not forecasting.
    Keeping the test set strictly *after* the training set is what forecasting means:
    the model is judged on a future it has not seen.

    Parameters
    ----------
    x, y : ndarray, same length N on axis 0, in time order
    test_fraction : float in (0, 1)

    Returns
    -------
    x_train, y_train, x_test, y_test
    """
    if len(x) != len(y):
        raise ValueError(f"x and y differ in length: {len(x)} and {len(y)}")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    n_test = int(round(len(x) * test_fraction))
    if n_test == 0 or n_test == len(x):
        raise ValueError(f"test_fraction {test_fraction} leaves an empty split of {len(x)}")
    cut = len(x) - n_test
    return x[:cut], y[:cut], x[cut:], y[cut:]


def adding_problem(
    n_samples: int, seq_len: int, *, seed: int | None = None, dtype=np.float64
) -> tuple[np.ndarray, np.ndarray]:
    """The adding problem (Hochreiter & Schmidhuber, 1997).

    Each sequence has two channels: a value ``u_t ~ U(0, 1)`` and a marker that is 1 at
    exactly two steps -- one in the first half, one in the second -- and 0 elsewhere. The
    target is the sum of the two marked values. To solve it the network must store the
    first marked value for up to ``seq_len`` steps; predicting the mean, 1, gives an MSE
    of 1/6 (:data:`ADDING_BASELINE_MSE`), the number any learning has to beat.

    Parameters
    ----------
    n_samples : int
        N, number of sequences.
    seq_len : int
        T >= 2, length of each sequence.
    seed : int or None
    dtype : floating dtype

    Returns
    -------
    x : ndarray (N, T, 2)
        ``x[..., 0]`` the values, ``x[..., 1]`` the markers.
    y : ndarray (N, 1)
        The sum of the two marked values.
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    seq_len = _int_at_least(seq_len, "seq_len", 2)
    dtype = check_supported_dtype(dtype, "dtype")
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.0, 1.0, (n_samples, seq_len))
    half = seq_len // 2
    first = rng.integers(0, half, n_samples)  # in [0, T/2)
    second = rng.integers(half, seq_len, n_samples)  # in [T/2, T)
    rows = np.arange(n_samples)
    markers = np.zeros((n_samples, seq_len))
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = np.stack([values, markers], axis=-1).astype(dtype)
    y = (values[rows, first] + values[rows, second])[:, None].astype(dtype)
    return x, y
