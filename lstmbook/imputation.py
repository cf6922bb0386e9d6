"""Missing values in sequences: knock them out, then fill them in one of three ways.

An LSTM's matrix products turn one NaN into NaN everywhere, so missing values must be
replaced before the network sees them. The FAQ chapter (``book/faq/data.ipynb``) compares:

* :func:`impute_zero` -- put 0 where a value is missing (what "padding" would do);
* :func:`impute_mean` -- put the training mean of the feature;
* :func:`impute_forward_fill` -- repeat the last observed value (the sample-and-hold of a
  sensor);
* :func:`add_missing_indicator` -- any of the above *plus* one 0/1 channel per feature
  that says "this value was missing", so the network can learn to distrust it.

All functions take batch-first arrays ``x`` (N, T, F) with NaN marking a missing value
and return new arrays; the input is never modified.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import check_array

__all__ = [
    "knock_out",
    "missing_mask",
    "impute_zero",
    "impute_mean",
    "impute_forward_fill",
    "add_missing_indicator",
]


def _sequences(x: Any) -> np.ndarray:
    return check_array(x, "x", ndim=3)


def knock_out(x: Any, rate: float, *, seed: int | None = None) -> np.ndarray:
    """A copy of ``x`` (N, T, F) with each entry replaced by NaN with probability ``rate``.

    Missing completely at random (MCAR): whether a value is missing does not depend on it.
    """
    x = _sequences(x)
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"rate must be in [0, 1), got {rate}")
    rng = np.random.default_rng(seed)
    out = x.copy()
    out[rng.random(x.shape) < rate] = np.nan
    return out


def missing_mask(x: Any) -> np.ndarray:
    """Boolean (N, T, F): True where ``x`` is NaN."""
    return np.isnan(_sequences(x))


def impute_zero(x: Any) -> np.ndarray:
    """NaN -> 0."""
    return np.nan_to_num(_sequences(x), nan=0.0)


def impute_mean(x: Any, mean: Any = None) -> np.ndarray:
    """NaN -> the feature's mean.

    Parameters
    ----------
    x : ndarray (N, T, F)
    mean : array (F,), optional
        Means to use, e.g. computed on the training split; by default the mean of the
        observed values of ``x`` itself (over N and T). A feature with no observed value
        gets 0.
    """
    x = _sequences(x)
    if mean is None:
        observed = ~np.isnan(x)
        counts = observed.sum(axis=(0, 1))
        sums = np.where(observed, x, 0.0).sum(axis=(0, 1))
        mean = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
    mean = np.asarray(mean, dtype=x.dtype)
    if mean.shape != (x.shape[-1],):
        raise ValueError(f"mean: expected shape ({x.shape[-1]},), got {mean.shape}")
    return np.where(np.isnan(x), mean, x)


def impute_forward_fill(x: Any, initial: float = 0.0) -> np.ndarray:
    """NaN -> the last observed value of the same sequence and feature.

    A value missing before anything was observed gets ``initial``. Uses only the past,
    so it is safe for forecasting (no look-ahead).
    """
    x = _sequences(x)
    N, T, F = x.shape
    observed = ~np.isnan(x)
    # index of the last observed step at or before t (-1 if none), by a running maximum
    steps = np.where(observed, np.arange(T)[None, :, None], -1)
    last = np.maximum.accumulate(steps, axis=1)
    filled = np.take_along_axis(np.where(observed, x, initial), np.maximum(last, 0), axis=1)
    return np.where(last >= 0, filled, initial).astype(x.dtype)


def add_missing_indicator(x: Any, filled: Any) -> np.ndarray:
    """Concatenate the filled values with a 0/1 missingness channel per feature.

    Parameters
    ----------
    x : ndarray (N, T, F)
        The data with NaN, which says where values were missing.
    filled : ndarray (N, T, F)
        The same data after any imputation.

    Returns
    -------
    ndarray (N, T, 2F)
        ``[..., :F]`` the filled values, ``[..., F:]`` 1.0 where the value was missing.
    """
    x = _sequences(x)
    filled = check_array(filled, "filled", ndim=3, finite=True)
    if filled.shape != x.shape:
        raise ValueError(f"filled: expected shape {x.shape} (as x), got {filled.shape}")
    return np.concatenate([filled, np.isnan(x).astype(filled.dtype)], axis=-1)
