"""Scaling sequences whose values contain outliers: standard vs robust scaling, and clipping.

A gate is a sigmoid of a weighted sum of the inputs; if one input is 50 standard
deviations out, that sum saturates every gate it reaches. Standard scaling (subtract the
mean, divide by the standard deviation) is itself pulled by the outliers: a few spikes
inflate the standard deviation and squash the ordinary values towards 0. Robust scaling
uses the median and the interquartile range instead, which a few spikes barely move;
clipping then bounds what is left. The FAQ chapter (``book/faq/data.ipynb``) measures
the three.

Fit the scaler on the training split only, then apply it to every split.
Arrays are ``(..., F)``: statistics are taken per feature over all other axes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._checks import check_array

__all__ = ["Scaler", "fit_standard", "fit_robust", "clip"]


@dataclass(frozen=True)
class Scaler:
    """``(x - center) / scale`` per feature, and its inverse.

    Attributes
    ----------
    center, scale : ndarray (F,)
    """

    center: np.ndarray
    scale: np.ndarray

    def transform(self, x: Any) -> np.ndarray:
        x = check_array(x, "x")
        self._check_features(x)
        return (x - self.center) / self.scale

    def inverse(self, z: Any) -> np.ndarray:
        z = check_array(z, "z")
        self._check_features(z)
        return z * self.scale + self.center

    def _check_features(self, x: np.ndarray) -> None:
        if x.ndim == 0 or x.shape[-1] != self.center.shape[0]:
            raise ValueError(
                f"expected the last axis to hold {self.center.shape[0]} feature(s), "
                f"got shape {x.shape}"
            )


def _features(x: Any) -> np.ndarray:
    x = check_array(x, "x", finite=True)
    if x.ndim < 1 or x.size == 0:
        raise ValueError(f"x: expected a non-empty array (..., F), got shape {x.shape}")
    return x.reshape(-1, x.shape[-1])


def _safe(scale: np.ndarray) -> np.ndarray:
    return np.where(scale > 0, scale, 1.0)  # a constant feature is only centred


def fit_standard(x: Any) -> Scaler:
    """Center = mean, scale = standard deviation, per feature."""
    flat = _features(x)
    return Scaler(flat.mean(axis=0), _safe(flat.std(axis=0)))


def fit_robust(x: Any, quantiles: tuple[float, float] = (25.0, 75.0)) -> Scaler:
    """Center = median, scale = the interquartile range divided by 1.349.

    For Gaussian data the IQR is 1.349 standard deviations, so on clean data both
    scalers agree; the median and the IQR ignore up to a quarter of the values being
    arbitrarily wrong.
    """
    lo, hi = quantiles
    if not 0.0 <= lo < hi <= 100.0:
        raise ValueError(f"quantiles must satisfy 0 <= low < high <= 100, got {quantiles}")
    flat = _features(x)
    q_lo, median, q_hi = np.percentile(flat, [lo, 50.0, hi], axis=0)
    from scipy.stats import norm

    gaussian_width = norm.ppf(hi / 100) - norm.ppf(lo / 100)  # 1.349 for the quartiles
    return Scaler(median, _safe((q_hi - q_lo) / gaussian_width))


def clip(z: Any, limit: float = 3.0) -> np.ndarray:
    """Bound scaled values to ``[-limit, limit]`` (winsorising)."""
    if not limit > 0:
        raise ValueError(f"limit must be positive, got {limit}")
    return np.clip(check_array(z, "z"), -limit, limit)
