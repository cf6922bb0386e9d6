"""Point-forecast metrics: MAE, RMSE, MASE, and errors by horizon.

Definitions (book page ``applications/evaluation``), for targets :math:`y_t` and
forecasts :math:`\\hat y_t` over :math:`n` test points:

* ``MAE  = mean |y_t - ŷ_t|`` (平均绝对误差), in the units of the series;
* ``RMSE = sqrt(mean (y_t - ŷ_t)²)`` (均方根误差), punishes large misses more;
* ``MASE = MAE / mean_{t>m} |y_t - y_{t-m}|`` over the *training* series (Hyndman &
  Koehler, 2006): the MAE divided by the in-sample MAE of the (seasonal, lag ``m``) naive
  forecast. Below 1: better than persistence was on the training data; the persistence
  forecast itself has MASE exactly 1 on the training series.

All functions take arrays of the same shape and refuse NaN with a clear message.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lstmbook._checks import check_positive_int, format_shape

__all__ = [
    "mae",
    "rmse",
    "naive_scale",
    "mase",
    "error_by_horizon",
    "directional_accuracy",
]


def _pair(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred differ in shape: {format_shape(y_true.shape)} and "
            f"{format_shape(y_pred.shape)}"
        )
    if y_true.size == 0:
        raise ValueError("y_true is empty: nothing to score")
    for name, arr in (("y_true", y_true), ("y_pred", y_pred)):
        if not np.isfinite(arr).all():
            raise ValueError(
                f"{name}: contains {int(np.isnan(arr).sum())} NaN / infinite value(s); "
                "fill or drop missing values before scoring"
            )
    return y_true, y_pred


def mae(y_true, y_pred) -> float:
    """Mean absolute error ``mean |y_true - y_pred|`` over all entries."""
    y_true, y_pred = _pair(y_true, y_pred)
    return float(np.mean(np.abs(y_true - y_pred)))


def rmse(y_true, y_pred) -> float:
    """Root mean squared error ``sqrt(mean (y_true - y_pred)²)`` over all entries."""
    y_true, y_pred = _pair(y_true, y_pred)
    return float(np.sqrt(np.mean((y_true - y_pred) ** 2)))


def naive_scale(y_train, m: int = 1) -> float:
    """In-sample MAE of the lag-``m`` naive forecast: ``mean |y_t - y_{t-m}|``, t = m..n-1.

    Parameters
    ----------
    y_train : array (n,)
        The training series, in time order.
    m : int
        1 for persistence, the season length (12 for monthly data) for seasonal naive.
    """
    m = check_positive_int(m, "m")
    y = np.asarray(y_train, dtype=float)
    if y.ndim != 1:
        raise ValueError(f"y_train: expected a 1-D series, got shape {format_shape(y.shape)}")
    if y.size <= m:
        raise ValueError(f"y_train: needs more than m={m} values, got {y.size}")
    if not np.isfinite(y).all():
        raise ValueError("y_train: contains NaN / infinite values; fill missing values first")
    scale = float(np.mean(np.abs(y[m:] - y[:-m])))
    if scale == 0:
        raise ValueError("y_train is constant at lag m: naive forecast exact, MASE undefined")
    return scale


def mase(y_true, y_pred, y_train, m: int = 1) -> float:
    """Mean absolute scaled error: :func:`mae` divided by :func:`naive_scale` of ``y_train``."""
    return mae(y_true, y_pred) / naive_scale(y_train, m)


def error_by_horizon(
    y_true, y_pred, metric: Callable[[np.ndarray, np.ndarray], float] = mae
) -> np.ndarray:
    """``metric`` of each column of ``(N, H)`` multi-step forecasts: error against horizon.

    Returns
    -------
    ndarray (H,)
        Entry ``h - 1`` scores the ``h``-step-ahead forecasts.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    if y_true.ndim != 2:
        raise ValueError(
            f"expected (N, H) forecasts (origins x horizons), got {format_shape(y_true.shape)}"
        )
    return np.array([metric(y_true[:, h], y_pred[:, h]) for h in range(y_true.shape[1])])


def directional_accuracy(y_true, y_pred, y_last) -> float:
    """Fraction of forecasts that get the sign of the change ``y_true - y_last`` right.

    ``y_last`` is the last observed value at each forecast origin. Zero changes count as
    misses. A coin flip scores 0.5 on a random walk.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    _, y_last = _pair(y_true, y_last)
    return float(np.mean(np.sign(y_true - y_last) * np.sign(y_pred - y_last) > 0))
