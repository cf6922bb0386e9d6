"""Evaluating forecasters honestly: splits in time, walk-forward, train-only scaling, intervals.

Book page ``applications/evaluation``. The rules these functions enforce:

* :func:`time_split` cuts a series into train / validation / test blocks in time order,
  never shuffled, never overlapping;
* :func:`make_windows` builds supervised examples (past ``window`` values -> next
  ``horizon`` values) whose *targets* all lie inside one block (inputs may look back);
* :func:`walk_forward` (rolling-origin evaluation, 滚动预测) gives the forecaster, at each
  origin ``t``, a read-only copy of ``series[:t]`` and nothing else;
* :class:`Standardizer` learns its mean and scale from the training block only;
* :func:`residual_interval` turns validation residuals into prediction intervals, and
  :func:`coverage` measures how often the truth falls inside them;
* :func:`diebold_mariano` and :func:`paired_bootstrap` test, on the test sample, whether
  one model's loss is lower than another's (the book's rule for "A beats B").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from lstmbook._checks import check_positive_int, format_shape

__all__ = [
    "TimeSplit",
    "time_split",
    "make_windows",
    "walk_forward",
    "Standardizer",
    "residual_interval",
    "coverage",
    "mean_and_spread",
    "PairedTest",
    "diebold_mariano",
    "paired_bootstrap",
]


@dataclass(frozen=True)
class TimeSplit:
    """Index ranges of three consecutive blocks of a series: train, then val, then test."""

    train: slice
    val: slice
    test: slice

    @property
    def n(self) -> int:
        """Length of the series the split was made for."""
        return self.test.stop

    def blocks(self, series: Sequence | np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(series[train], series[val], series[test])`` as arrays."""
        arr = np.asarray(series)
        if len(arr) != self.n:
            raise ValueError(f"series has length {len(arr)}, the split was made for {self.n}")
        return arr[self.train], arr[self.val], arr[self.test]


def time_split(n: int, n_val: int, n_test: int) -> TimeSplit:
    """Train = first ``n - n_val - n_test`` points, then ``n_val`` validation, ``n_test`` test.

    Raises
    ------
    ValueError
        If the training block would be empty.
    """
    n = check_positive_int(n, "n")
    n_val = check_positive_int(n_val, "n_val")
    n_test = check_positive_int(n_test, "n_test")
    n_train = n - n_val - n_test
    if n_train < 1:
        raise ValueError(
            f"n_val ({n_val}) + n_test ({n_test}) leave no training data in a series of {n}"
        )
    return TimeSplit(slice(0, n_train), slice(n_train, n_train + n_val), slice(n_train + n_val, n))


def make_windows(
    series, window: int, horizon: int = 1, *, start: int | None = None, stop: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Supervised examples from a 1-D series: ``window`` past values -> next ``horizon`` values.

    Parameters
    ----------
    series : array (n,)
    window, horizon : int
    start, stop : int, optional
        Every target index lies in ``[start, stop)`` (default: the whole series); the
        inputs may reach back before ``start`` -- the past is known at forecast time.

    Returns
    -------
    x : ndarray (N, window)
        ``x[k] = series[t_k - window : t_k]``.
    y : ndarray (N, horizon)
        ``y[k] = series[t_k : t_k + horizon]``.
    origins : ndarray (N,) of int
        ``t_k``: the number of values known when forecast ``k`` is made.
    """
    s = np.asarray(series, dtype=float)
    if s.ndim != 1:
        raise ValueError(f"series: expected a 1-D series, got shape {format_shape(s.shape)}")
    window = check_positive_int(window, "window")
    horizon = check_positive_int(horizon, "horizon")
    start = 0 if start is None else start
    stop = len(s) if stop is None else stop
    origins = np.arange(max(window, start), stop - horizon + 1)
    if origins.size == 0:
        raise ValueError(
            f"no window of {window} inputs and {horizon} targets fits with targets in "
            f"[{start}, {stop}) of a series of length {len(s)}"
        )
    x = np.stack([s[t - window : t] for t in origins])
    y = np.stack([s[t : t + horizon] for t in origins])
    return x, y, origins


def walk_forward(
    series,
    forecaster: Callable[[np.ndarray], np.ndarray],
    origins: Sequence[int] | np.ndarray,
    horizon: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Rolling-origin evaluation: at each ``t``, forecast
    ``series[t : t + horizon]``.

    The forecaster is called as ``forecaster(history)`` with ``history`` a
    *read-only copy* of ``series[:t]`` -- it cannot see, or change, anything
    from ``t`` on. Its parameters stay fixed (no refitting); only the data it
    conditions on grow. ``t`` counts the points seen, so in the 1-based notation
    of the glossary and of Hyndman & Athanasopoulos the origin is ``y_t`` (the
    last point seen) and the targets are ``y_{t+1} .. y_{t+h}``.

    Returns
    -------
    y_true, y_pred : ndarray (N, horizon)
    """
    s = np.asarray(series, dtype=float)
    horizon = check_positive_int(horizon, "horizon")
    origins = np.asarray(origins, dtype=int)
    if origins.size == 0:
        raise ValueError("origins is empty")
    if origins.min() < 1 or origins.max() + horizon > len(s):
        raise ValueError(
            f"origins must lie in [1, {len(s) - horizon}] so that {horizon} "
            f"targets exist, got [{origins.min()}, {origins.max()}]"
        )
    preds = []
    for t in origins:
        history = s[:t].copy()
        history.flags.writeable = False
        pred = np.asarray(forecaster(history), dtype=float).reshape(-1)
        if pred.shape != (horizon,):
            raise ValueError(
                f"forecaster returned shape {format_shape(pred.shape)} "
                f"at origin {t}, expected ({horizon},)"
            )
        preds.append(pred)
    y_true = np.stack([s[t : t + horizon] for t in origins])
    return y_true, np.stack(preds)


class Standardizer:
    """``(x - mean) / scale`` with ``mean`` and ``scale`` learnt by :meth:`fit` on training data.

    Fit it on the training block only; applying it to validation and test data then
    uses nothing from their future. ``scale`` is the standard deviation of the training
    values, or, with ``diff=True``, of their one-step changes (the natural unit when a
    model predicts changes).
    """

    def __init__(self, *, diff: bool = False) -> None:
        self.diff = diff
        self.mean: float | None = None
        self.scale: float | None = None

    def fit(self, train) -> Standardizer:
        """Learn ``mean`` and ``scale`` from ``train`` (1-D, finite); returns ``self``."""
        y = np.asarray(train, dtype=float)
        if y.ndim != 1 or y.size < 2:
            raise ValueError(f"train: expected a 1-D series of ≥ 2 values, got {y.shape}")
        if not np.isfinite(y).all():
            raise ValueError("train: contains NaN / infinite values; fill missing values first")
        spread = np.std(np.diff(y)) if self.diff else np.std(y)
        if spread == 0:
            raise ValueError("train: zero spread, cannot scale")
        self.mean, self.scale = float(np.mean(y)), float(spread)
        return self

    def _check_fitted(self) -> None:
        if self.scale is None:
            raise RuntimeError("Standardizer: call fit(train) first")

    def transform(self, x) -> np.ndarray:
        """``(x - mean) / scale``."""
        self._check_fitted()
        return (np.asarray(x, dtype=float) - self.mean) / self.scale

    def inverse_transform(self, z) -> np.ndarray:
        """``z * scale + mean``."""
        self._check_fitted()
        return np.asarray(z, dtype=float) * self.scale + self.mean


def residual_interval(
    y_pred, residuals, level: float = 0.9
) -> tuple[np.ndarray, np.ndarray]:
    """Prediction interval from empirical quantiles of held-out residuals, per horizon.

    Parameters
    ----------
    y_pred : array (N, H) or (N,)
        Point forecasts to put intervals around.
    residuals : array (M, H) or (M,)
        ``y_true - y_pred`` on data the model was *not* trained on (the validation block).
    level : float in (0, 1)
        Nominal coverage; the interval is ``y_pred + [q_{(1-level)/2}, q_{(1+level)/2}]``.

    Returns
    -------
    lower, upper : ndarray, shaped like ``y_pred``
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    y_pred = np.asarray(y_pred, dtype=float)
    r = np.asarray(residuals, dtype=float)
    if r.ndim != y_pred.ndim or r.shape[1:] != y_pred.shape[1:]:
        raise ValueError(
            f"residuals {format_shape(r.shape)} must have the horizons of y_pred "
            f"{format_shape(y_pred.shape)}"
        )
    if not np.isfinite(r).all():
        raise ValueError("residuals: contains NaN / infinite values")
    lo, hi = np.quantile(r, [(1 - level) / 2, (1 + level) / 2], axis=0)
    return y_pred + lo, y_pred + hi


def coverage(y_true, lower, upper, axis: int | None = None) -> float | np.ndarray:
    """Fraction of ``y_true`` inside ``[lower, upper]`` (ends included), optionally per column.

    Raises
    ------
    ValueError
        If shapes differ or some ``lower > upper``.
    """
    y, lo, hi = (np.asarray(a, dtype=float) for a in (y_true, lower, upper))
    if not (y.shape == lo.shape == hi.shape):
        raise ValueError(
            f"y_true {format_shape(y.shape)}, lower {format_shape(lo.shape)} and upper "
            f"{format_shape(hi.shape)} must have the same shape"
        )
    if np.any(lo > hi):
        raise ValueError(f"lower > upper at {int(np.sum(lo > hi))} point(s)")
    inside = (y >= lo) & (y <= hi)
    return float(inside.mean()) if axis is None else inside.mean(axis=axis)


def mean_and_spread(values) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof=1) of results over seeds -- the book's one
    summary of repeated runs (the FAQ and application pages, :mod:`lstmbook.plots.faq`).

    A single value has no spread: it raises ``ValueError`` rather than report 0, which
    would read as "no variation between seeds"; a caller with one run prints it alone.
    """
    v = np.asarray(values, dtype=float).reshape(-1)
    if v.size < 2:
        raise ValueError(f"need at least 2 results for a spread, got {v.size}")
    return float(v.mean()), float(v.std(ddof=1))


class PairedTest(NamedTuple):
    """What :func:`diebold_mariano` and :func:`paired_bootstrap` return."""

    difference: float  #: mean of loss_a - loss_b (negative: A is better)
    statistic: float  #: DM: the t statistic; bootstrap: difference / bootstrap sd
    p_value: float  #: two-sided
    low: float  #: lower end of the 95% interval of the difference
    high: float  #: upper end


def _paired_losses(loss_a, loss_b, name: str) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(loss_a, dtype=np.float64).reshape(-1)
    b = np.asarray(loss_b, dtype=np.float64).reshape(-1)
    if a.shape != b.shape:
        raise ValueError(f"{name}: loss_a has {a.size} values, loss_b {b.size}; they must be "
                         "paired (the same test points)")
    if a.size < 3:
        raise ValueError(f"{name}: need at least 3 paired losses, got {a.size}")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError(f"{name}: the losses contain NaN or infinity")
    return a, b


def diebold_mariano(loss_a, loss_b, horizon: int = 1, *,
                    kernel: str = "rectangular") -> PairedTest:
    """Diebold-Mariano test that two forecasters have the same expected loss on a test block.

    ``d_t = loss_a[t] - loss_b[t]``; the statistic is ``mean(d) / sqrt(V / n)`` with V the
    long-run variance of d (autocovariances up to lag ``horizon - 1``, as h-step forecast
    errors overlap), compared with Student's t on n - 1 degrees of freedom with the
    small-sample correction of Harvey, Leybourne & Newbold (1997).

    Parameters
    ----------
    loss_a, loss_b : array-like (n,)
        Per-point losses (e.g. absolute or squared errors) of A and B on the same points.
    horizon : int
        Forecast horizon h of the errors.
    kernel : {"rectangular", "bartlett"}
        Weights of the autocovariances: 1 (Diebold & Mariano's choice; V can come out
        negative for h > 1 on a short test block, an error here) or ``1 - k / h`` (Newey &
        West's Bartlett weights: V is never negative). The same for h = 1.

    Returns
    -------
    PairedTest
        ``difference`` < 0 when A has the lower mean loss; ``p_value`` two-sided.
    """
    from scipy import stats

    a, b = _paired_losses(loss_a, loss_b, "diebold_mariano")
    h = check_positive_int(horizon, "horizon")
    d = a - b
    n, mean = d.size, d.mean()
    c = d - mean
    if kernel not in ("rectangular", "bartlett"):
        raise ValueError(f"kernel must be 'rectangular' or 'bartlett', got {kernel!r}")
    weight = (lambda k: 1.0) if kernel == "rectangular" else (lambda k: 1.0 - k / h)
    var = c @ c / n + 2 * sum(weight(k) * (c[k:] @ c[:-k]) / n for k in range(1, min(h, n)))
    if not var > 0:
        if not c @ c > 0:
            raise ValueError("diebold_mariano: the loss differences have no variance")
        raise ValueError(
            "diebold_mariano: the rectangular-kernel estimate of the long-run variance is "
            "not positive for these losses (it can be, for short series); use "
            "kernel='bartlett' (Newey-West), which cannot be negative"
        )
    correction = np.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)
    t = correction * mean / np.sqrt(var / n)
    p = 2 * stats.t.sf(abs(t), df=n - 1)
    half = stats.t.ppf(0.975, df=n - 1) * np.sqrt(var / n) / correction
    return PairedTest(float(mean), float(t), float(p), float(mean - half), float(mean + half))


def paired_bootstrap(loss_a, loss_b, *, n_boot: int = 2000, seed: int = 0) -> PairedTest:
    """Paired bootstrap of the mean loss difference A - B on the same test sample.

    Resamples test points (pairs kept together) ``n_boot`` times; the interval is the 2.5%
    and 97.5% percentiles, the p-value twice the smaller tail fraction of differences on the
    other side of 0.

    Parameters
    ----------
    loss_a, loss_b : array-like (n,)
        Per-example losses or 0/1 errors of A and B on the same examples.
    n_boot, seed : int

    Returns
    -------
    PairedTest
    """
    a, b = _paired_losses(loss_a, loss_b, "paired_bootstrap")
    d = a - b
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, d.size, size=(check_positive_int(n_boot, "n_boot"), d.size))
    means = d[idx].mean(axis=1)
    sd = means.std(ddof=1)
    tail = min(np.mean(means <= 0), np.mean(means >= 0))
    return PairedTest(float(d.mean()), float(d.mean() / sd) if sd > 0 else float("inf"),
                      float(min(1.0, 2 * tail)), float(np.percentile(means, 2.5)),
                      float(np.percentile(means, 97.5)))
