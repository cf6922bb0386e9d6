"""Forecasting baselines: persistence, seasonal naive, a fitted SARIMAX and a fitted ETS.

Each baseline is a *forecaster*: called with the history (a 1-D array of the values known
so far) it returns the next ``horizon`` values, so it plugs into
:func:`lstmbook.evaluation.walk_forward` like a neural model does. Book page
``applications/evaluation``.
"""

from __future__ import annotations

import warnings

import numpy as np

from lstmbook._checks import check_positive_int

__all__ = ["persistence", "seasonal_naive", "Persistence", "SeasonalNaive", "SarimaxForecaster",
           "EtsForecaster"]


def _history(history) -> np.ndarray:
    h = np.asarray(history, dtype=float)
    if h.ndim != 1 or h.size == 0:
        raise ValueError(f"history: expected a non-empty 1-D series, got shape {h.shape}")
    return h


def persistence(history, horizon: int = 1) -> np.ndarray:
    """Naive forecast (朴素预测): every future value equals the last observed one.

    Returns
    -------
    ndarray (horizon,)
    """
    h = _history(history)
    return np.full(check_positive_int(horizon, "horizon"), h[-1])


def seasonal_naive(history, horizon: int = 1, m: int = 12) -> np.ndarray:
    """Seasonal naive forecast: ``ŷ_{t+h} = y_{t+h-m k}``, the same point of the last season.

    Returns
    -------
    ndarray (horizon,)
    """
    h = _history(history)
    horizon = check_positive_int(horizon, "horizon")
    m = check_positive_int(m, "m")
    if h.size < m:
        raise ValueError(f"history: seasonal naive with m={m} needs ≥ {m} values, got {h.size}")
    last_season = h[-m:]
    return np.array([last_season[i % m] for i in range(horizon)])


class Persistence:
    """:func:`persistence` as a forecaster object with a fixed ``horizon``."""

    name = "persistence"

    def __init__(self, horizon: int = 1) -> None:
        self.horizon = check_positive_int(horizon, "horizon")

    def __call__(self, history) -> np.ndarray:
        return persistence(history, self.horizon)


class SeasonalNaive:
    """:func:`seasonal_naive` as a forecaster object with a fixed ``horizon`` and season ``m``."""

    name = "seasonal naive"

    def __init__(self, horizon: int = 1, m: int = 12) -> None:
        self.horizon = check_positive_int(horizon, "horizon")
        self.m = check_positive_int(m, "m")

    def __call__(self, history) -> np.ndarray:
        return seasonal_naive(history, self.horizon, self.m)


class SarimaxForecaster:
    """A statsmodels SARIMAX fitted once on the training data, then only *filtered*.

    ``fit(train)`` estimates the parameters; calling the forecaster on a longer history
    re-runs the Kalman filter over it with those fixed parameters
    (``results.apply``) and forecasts ``horizon`` steps -- the same protocol as a trained
    network that is fed new observations but not retrained.

    Parameters
    ----------
    order, seasonal_order, trend
        As in ``statsmodels.tsa.statespace.sarimax.SARIMAX``.
    horizon : int
    """

    name = "SARIMAX"

    def __init__(
        self,
        order: tuple[int, int, int] = (1, 0, 0),
        seasonal_order: tuple[int, int, int, int] = (0, 0, 0, 0),
        trend: str | None = None,
        horizon: int = 1,
    ) -> None:
        self.order, self.seasonal_order, self.trend = order, seasonal_order, trend
        self.horizon = check_positive_int(horizon, "horizon")
        self.results = None

    def _model(self, endog: np.ndarray):
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        return SARIMAX(endog, order=self.order, seasonal_order=self.seasonal_order,
                       trend=self.trend)

    def fit(self, train) -> SarimaxForecaster:
        """Maximum-likelihood fit on ``train``; convergence warnings are raised as errors."""
        from statsmodels.tools.sm_exceptions import ConvergenceWarning

        y = _history(train)
        if not np.isfinite(y).all():
            raise ValueError("train: contains NaN; fill missing values first")
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            warnings.simplefilter("ignore", UserWarning)  # "non-stationary starting params"
            self.results = self._model(y).fit(disp=False, maxiter=200)
        return self

    @property
    def params(self) -> dict[str, float]:
        """The fitted parameters by name."""
        if self.results is None:
            raise RuntimeError("SarimaxForecaster: call fit(train) first")
        names = self.results.model.param_names
        return dict(zip(names, map(float, self.results.params), strict=True))

    def __call__(self, history) -> np.ndarray:
        if self.results is None:
            raise RuntimeError("SarimaxForecaster: call fit(train) first")
        res = self.results.apply(_history(history))
        return np.asarray(res.forecast(self.horizon), dtype=float)

    def one_step(self, series) -> np.ndarray:
        """One-step-ahead forecasts of every point of ``series`` in one filter pass.

        Entry ``t`` uses ``series[:t]`` only (the filter's prediction before seeing
        ``y_t``), so ``one_step(s)[t]`` equals ``self(s[:t])[0]`` for ``horizon=1``.
        """
        if self.results is None:
            raise RuntimeError("SarimaxForecaster: call fit(train) first")
        res = self.results.apply(_history(series))
        return np.asarray(res.predict(), dtype=float)


class EtsForecaster:
    """A statsmodels exponential-smoothing state-space model (``ETSModel``) fitted once on
    the training data, then only *smoothed* with those parameters, like
    :class:`SarimaxForecaster`.

    ``fit(train)`` estimates the smoothing parameters and the initial states; calling the
    forecaster on a longer history runs the same model (same parameters, same initial
    states at the first value) over it and forecasts ``horizon`` steps.

    Parameters
    ----------
    error, trend, seasonal : as in ``statsmodels.tsa.exponential_smoothing.ets.ETSModel``
        e.g. ``trend="add", damped_trend=True, seasonal="add", seasonal_periods=12``.
    horizon : int
    """

    name = "ETS"

    def __init__(self, error: str = "add", trend: str | None = None,
                 damped_trend: bool = False, seasonal: str | None = None,
                 seasonal_periods: int | None = None, horizon: int = 1) -> None:
        self.spec = dict(error=error, trend=trend, damped_trend=damped_trend,
                         seasonal=seasonal, seasonal_periods=seasonal_periods)
        self.horizon = check_positive_int(horizon, "horizon")
        self.results = None

    def _model(self, endog: np.ndarray):
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        return ETSModel(endog, **self.spec)

    def fit(self, train) -> EtsForecaster:
        """Maximum-likelihood fit on ``train``; convergence warnings are raised as errors."""
        from statsmodels.tools.sm_exceptions import ConvergenceWarning

        y = _history(train)
        if not np.isfinite(y).all():
            raise ValueError("train: contains NaN; fill missing values first")
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            self.results = self._model(y).fit(disp=False, maxiter=500)
        return self

    @property
    def aic(self) -> float:
        """Akaike's information criterion of the fit (to choose between specifications)."""
        if self.results is None:
            raise RuntimeError("EtsForecaster: call fit(train) first")
        return float(self.results.aic)

    def __call__(self, history) -> np.ndarray:
        if self.results is None:
            raise RuntimeError("EtsForecaster: call fit(train) first")
        res = self._model(_history(history)).smooth(self.results.params)
        return np.asarray(res.forecast(self.horizon), dtype=float)
