"""Real time series shipped with statsmodels (no download), and a random-walk "stock".

* :func:`load_co2` -- weekly atmospheric CO₂ at Mauna Loa, March 1958 -- December 2001
  (ppm), with 59 missing weeks; :func:`co2_monthly` fills them and averages to months.
* :func:`load_sunspots` -- yearly mean sunspot numbers, 1700 -- 2008.
* :func:`random_walk` -- a simulated price whose changes are unpredictable, the trap of
  the sources' stock example (book page ``applications/evaluation``).

Missing values are handled explicitly: :func:`missing_summary` counts them and the gaps
they form, :func:`fill_missing` fills them by a named method, and :func:`fill_error`
measures how well a method would have restored values that are known.
Both statsmodels data sets are public domain.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from lstmbook._checks import check_positive_int

__all__ = [
    "FILL_METHODS",
    "load_co2",
    "co2_monthly",
    "load_sunspots",
    "missing_summary",
    "fill_missing",
    "fill_error",
    "random_walk",
    "FORECAST_TASKS",
    "load_task",
    "validation_start",
]

#: The ways :func:`fill_missing` fills a gap.
FILL_METHODS = ("linear", "ffill", "seasonal")


def load_co2() -> pd.Series:
    """Weekly CO₂ (ppm) at Mauna Loa from statsmodels, missing weeks as NaN.

    Returns
    -------
    pd.Series
        2284 weeks (Saturdays) from 1958-03-29 to 2001-12-29, name ``"co2"``.
    """
    from statsmodels.datasets import co2

    series = co2.load_pandas().data["co2"].astype(float)
    series.index = pd.DatetimeIndex(series.index, freq="W-SAT")
    return series.rename("co2")


def load_sunspots() -> pd.Series:
    """Yearly mean sunspot number (Wolf number) 1700--2008 from statsmodels.

    Returns
    -------
    pd.Series
        309 values indexed by the year (int), name ``"sunspots"``.
    """
    from statsmodels.datasets import sunspots

    df = sunspots.load_pandas().data
    return pd.Series(
        df["SUNACTIVITY"].to_numpy(float), index=df["YEAR"].astype(int), name="sunspots"
    )


def missing_summary(series: pd.Series) -> dict[str, float | int]:
    """Count the missing values of ``series`` and the gaps (runs of NaN) they form.

    Returns
    -------
    dict
        ``n`` (length), ``missing`` (count), ``fraction``, ``gaps`` (number of runs),
        ``longest_gap`` (length of the longest run, 0 if none).
    """
    isna = np.asarray(pd.isna(series), dtype=bool)
    starts = np.flatnonzero(isna & ~np.r_[False, isna[:-1]])
    ends = np.flatnonzero(isna & ~np.r_[isna[1:], False])
    lengths = ends - starts + 1
    return {
        "n": int(isna.size),
        "missing": int(isna.sum()),
        "fraction": float(isna.mean()) if isna.size else 0.0,
        "gaps": int(lengths.size),
        "longest_gap": int(lengths.max()) if lengths.size else 0,
    }


def fill_missing(
    series: pd.Series, method: str = "linear", *, period: int = 52, profile_before=None
) -> pd.Series:
    """Fill the NaN of ``series`` using past and neighbouring values.

    Parameters
    ----------
    series : pd.Series
    method : {"linear", "ffill", "seasonal"}
        ``"linear"``: straight line between the neighbours of the gap (uses the value
        *after* the gap); ``"ffill"``: repeat the last known value (uses the past only);
        ``"seasonal"``: linear interpolation of the series minus its mean seasonal profile
        (by calendar position for a date index, else by position modulo ``period``),
        profile added back -- follows the annual cycle across long gaps.
    period : int
        Season length for ``"seasonal"`` (52 weeks).
    profile_before : index label, optional
        For ``"seasonal"``: estimate the seasonal profile (moving average included) from
        the values strictly before this label only -- e.g. the first label of the
        validation block, see :func:`validation_start` -- so that no later value shapes
        the fill. Default: the whole series.

    Returns
    -------
    pd.Series
        Same index, no NaN (a NaN at the very start is filled from the first value).
    """
    if method not in FILL_METHODS:
        raise ValueError(f"method must be one of {FILL_METHODS}, got {method!r}")
    if method == "ffill":
        return series.ffill().bfill()
    if method == "linear":
        return series.interpolate("linear", limit_direction="both")
    period = check_positive_int(period, "period")
    if isinstance(series.index, pd.DatetimeIndex):  # calendar position: a year is 52.18 weeks
        phase = np.minimum((series.index.day_of_year.to_numpy() - 1) * period // 365, period - 1)
    else:
        phase = np.arange(len(series)) % period
    # profile of the series minus its one-period moving average (removes the trend, which
    # would otherwise bias the mean of a position observed in fewer early or late periods)
    past = np.ones(len(series), bool) if profile_before is None else series.index < profile_before
    fit = series[past]
    detrended = fit - fit.rolling(period, center=True, min_periods=period // 2).mean()
    means = detrended.groupby(phase[past]).mean()
    profile = pd.Series(means.reindex(phase).to_numpy(), index=series.index)
    if profile.isna().any():
        raise ValueError("some seasonal positions have no observed value; use method='linear'")
    return (series - profile).interpolate("linear", limit_direction="both") + profile


def fill_error(
    series: pd.Series, method: str, *, n_hidden: int = 200, seed: int = 0, **kw
) -> float:
    """Mean absolute error of ``method`` on known values hidden with the gaps' own lengths.

    Gaps of the lengths found in ``series`` are cut at random places among known values
    (``n_hidden`` values in total), filled with :func:`fill_missing`, and compared with
    the truth. This measures what a filling choice does where the answer is known.
    """
    rng = np.random.default_rng(seed)
    values = series.to_numpy(dtype=float)
    isna = np.isnan(values)
    lengths = _gap_lengths(isna)
    if lengths.size == 0:
        lengths = np.array([1])
    hidden = np.zeros_like(isna)
    while hidden.sum() < n_hidden:
        length = int(rng.choice(lengths))
        start = int(rng.integers(1, len(values) - length - 1))
        block = slice(start, start + length)
        if not (isna[start - 1 : start + length + 1].any() or hidden[block].any()):
            hidden[block] = True
    damaged = series.copy()
    damaged[hidden] = np.nan
    filled = fill_missing(damaged, method, **kw).to_numpy()
    return float(np.mean(np.abs(filled[hidden] - values[hidden])))


def _gap_lengths(isna: np.ndarray) -> np.ndarray:
    starts = np.flatnonzero(isna & ~np.r_[False, isna[:-1]])
    ends = np.flatnonzero(isna & ~np.r_[isna[1:], False])
    return ends - starts + 1


def co2_monthly(fill: str = "linear", *, profile_before=None) -> pd.Series:
    """Monthly mean CO₂ (ppm), 1958-03 -- 2001-12 (526 months): weeks filled, then averaged.

    Five months have no observed week at all, so the weekly gaps must be filled first
    (``fill``, see :func:`fill_missing`; ``profile_before`` is passed on for
    ``"seasonal"``); each month is the mean of its weeks.
    """
    kw = {"profile_before": profile_before} if fill == "seasonal" else {}
    weekly = fill_missing(load_co2(), fill, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        monthly = weekly.resample("MS").mean()
    return monthly.rename("co2")


def random_walk(
    n: int = 1000, *, start: float = 100.0, volatility: float = 0.01, seed: int | None = 0
) -> np.ndarray:
    """A geometric random walk: ``p_t = p_{t-1} exp(sigma eps_t)``, ``eps_t ~ N(0, 1)``.

    Daily log-returns are independent, so nothing in the past predicts the next change:
    the best forecast of ``p_{t+1}`` in absolute error is (almost exactly) ``p_t``.

    Returns
    -------
    ndarray (n,)
    """
    n = check_positive_int(n, "n")
    if not volatility > 0:
        raise ValueError(f"volatility must be positive, got {volatility}")
    rng = np.random.default_rng(seed)
    steps = np.r_[0.0, volatility * rng.standard_normal(n - 1)]
    return start * np.exp(np.cumsum(steps))


#: The forecasting tasks of the applications chapter: series, split sizes (in steps),
#: input window, forecast horizon and season length of the seasonal-naive baseline.
FORECAST_TASKS = {
    "co2": dict(n_val=60, n_test=72, window=24, horizon=12, season=12, unit="ppm",
                sarimax=dict(order=(1, 1, 1), seasonal_order=(0, 1, 1, 12))),
    "sunspots": dict(n_val=30, n_test=40, window=20, horizon=10, season=11, unit="sunspots",
                     sarimax=dict(order=(9, 0, 0), trend="c")),
}


def load_task(name: str) -> tuple[pd.Series, dict]:
    """The series of forecasting task ``name`` (``"co2"`` monthly, ``"sunspots"``) and its setup.

    Returns
    -------
    series : pd.Series
        No missing values (CO₂ weeks filled linearly, then monthly means).
    setup : dict
        A copy of ``FORECAST_TASKS[name]``.
    """
    if name not in FORECAST_TASKS:
        raise ValueError(f"unknown task {name!r}; choose one of {sorted(FORECAST_TASKS)}")
    series = co2_monthly() if name == "co2" else load_sunspots()
    return series, dict(FORECAST_TASKS[name])


def validation_start(name: str):
    """The index label of the first validation step of task ``name`` (train ends before it).

    Anything fitted "on the training block only" uses the values with labels before this
    one, e.g. ``fill_missing(..., "seasonal", profile_before=validation_start("co2"))``.
    """
    series, setup = load_task(name)
    return series.index[len(series) - setup["n_val"] - setup["n_test"]]
