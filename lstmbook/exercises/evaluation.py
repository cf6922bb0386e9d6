"""Exercises of the evaluation page (book/applications/evaluation.ipynb)."""

from __future__ import annotations

import numpy as np

from ._core import WrongAnswer, register
from .compare import Mistake, compare_choice, compare_function, compare_number

PAGE = "applications/evaluation"


def _co2_split():
    from lstmbook.data.series import load_task
    from lstmbook.evaluation import time_split

    series, setup = load_task("co2")
    y = series.to_numpy()
    return y, time_split(len(y), setup["n_val"], setup["n_test"])


def _seasonal_naive_mase(block: str = "val", scale_m: int = 1, scaled: bool = True) -> float:
    """One-step MASE (or MAE) of the seasonal naive forecast over a CO₂ block."""
    from lstmbook.baselines.forecast import SeasonalNaive
    from lstmbook.evaluation import walk_forward
    from lstmbook.metrics.forecast import mae, mase

    y, sp = _co2_split()
    b = getattr(sp, block)
    y_true, y_pred = walk_forward(y, SeasonalNaive(1, 12), np.arange(b.start, b.stop))
    if not scaled:
        return mae(y_true, y_pred)
    return mase(y_true, y_pred, y[sp.train], m=scale_m)


def _check_mase(answer):
    return compare_number(answer, _seasonal_naive_mase(), rtol=1e-4, mistakes=[
        (_seasonal_naive_mase("test"), "That is the test block's value from the table; score "
         "the origins of the validation block (split.val)."),
        (_seasonal_naive_mase(scaled=False), "This is the MAE in ppm: divide it by the "
         "training series' mean absolute one-step change (the persistence error)."),
        (1 / _seasonal_naive_mase(), "Your ratio is upside down: MASE is the forecast's "
         "MAE divided by the persistence error of the training block, not the other way."),
        (_seasonal_naive_mase(scale_m=12), "You scaled by the seasonal (m=12) naive error; "
         "the book's MASE divides by the persistence (m=1) error on the training block."),
    ])


register(
    "evaluation-1",
    title="MASE of the seasonal naive forecast of CO₂ on the validation block",
    page=PAGE,
    kind="number",
    checker=_check_mase,
    reference=_seasonal_naive_mase,
    wrong_answers=lambda: [
        WrongAnswer(_seasonal_naive_mase("test"), says="test block", label="the table's value"),
        WrongAnswer(_seasonal_naive_mase(scaled=False), says="ppm", label="MAE, not scaled"),
        WrongAnswer(_seasonal_naive_mase(scale_m=12), says="m=12", label="seasonal scale"),
        WrongAnswer(2 * _seasonal_naive_mase(), says="twice", label="doubled"),
        WrongAnswer(1 / _seasonal_naive_mase(), says="upside down", label="inverted ratio"),
    ],
)


def _drift(history, horizon):
    """Drift method: the line from the first to the last observation, extended."""
    h = np.asarray(history, dtype=float)
    slope = (h[-1] - h[0]) / (len(h) - 1)
    return h[-1] + slope * np.arange(1, horizon + 1)


def _drift_cases():
    rng = np.random.default_rng(3)
    hist = [np.array([1.0, 2.0, 4.0]), np.cumsum(rng.standard_normal(30)), np.array([5.0, 3.0])]
    return [((h, k), _drift(h, k)) for h, k in zip(hist, (4, 3, 2), strict=True)]


def _drift_off_by_one(history, horizon):
    h = np.asarray(history, dtype=float)
    return h[-1] + (h[-1] - h[0]) / len(h) * np.arange(1, horizon + 1)


def _drift_from_zero(history, horizon):
    h = np.asarray(history, dtype=float)
    return h[-1] + (h[-1] - h[0]) / (len(h) - 1) * np.arange(horizon)


def _drift_last_step(history, horizon):
    h = np.asarray(history, dtype=float)
    return h[-1] + (h[-1] - h[-2]) * np.arange(1, horizon + 1)


def _persistence(history, horizon):
    return np.full(horizon, np.asarray(history, dtype=float)[-1])


_DRIFT_MISTAKES = [
    Mistake(_persistence, "Your forecast repeats the last value: that is persistence. Drift "
            "adds a slope, (y_t - y_1) / (t - 1), per step ahead."),
    Mistake(_drift_off_by_one, "Your slope divides by n, the number of values; the line from "
            "the first to the last value rises over n - 1 steps."),
    Mistake(_drift_from_zero, "Your first forecast is y_t itself: the forecast h steps ahead "
            "adds h slopes, for h = 1, …, horizon (np.arange(1, horizon + 1))."),
    Mistake(_drift_last_step, "Your slope is the last change y_t - y_(t-1); drift takes the "
            "average change, the line from the first observation to the last."),
]

register(
    "evaluation-2",
    title="The drift forecast, a baseline for trending series",
    page=PAGE,
    kind="function",
    checker=lambda fn: compare_function(fn, _drift_cases(), names=("forecast",),
                                        mistakes=_DRIFT_MISTAKES, reference=_drift,
                                        time_axis=0),
    reference=lambda: _drift,
    wrong_answers=lambda: [
        WrongAnswer(_persistence, says="persistence", label="persistence, no drift"),
        WrongAnswer(_drift_off_by_one, says="n - 1", label="divides by n"),
        WrongAnswer(_drift_from_zero, says="y_t itself", label="steps 0 … horizon - 1"),
        WrongAnswer(_drift_last_step, says="last change", label="slope of the last step"),
    ],
)

_RW_OPTIONS = ("persistence", "LSTM", "mean of the last 20 values", "linear trend of the last 20")

register(
    "evaluation-3",
    title="The best one-step forecast of a random walk",
    page=PAGE,
    kind="choice",
    checker=lambda a: compare_choice(a, "persistence", _RW_OPTIONS, explain={
        "LSTM": "Nothing in the past predicts the next change; a network can at best learn "
                "to output the last value, and its fitting noise makes it slightly worse.",
        "mean of the last 20 values": "The mean lags behind: a random walk does not "
                                      "revert to it, so its error grows with the window.",
        "linear trend of the last 20": "Past trends of a random walk do not continue; "
                                       "extrapolating one adds error.",
    }),
    reference=lambda: "persistence",
    wrong_answers=lambda: [
        WrongAnswer("LSTM", says="next change", label="the network"),
        WrongAnswer("mean of the last 20 values", says="revert", label="moving average"),
        WrongAnswer("linear trend of the last 20", says="do not continue", label="trend"),
    ],
)


def _persistence_interval(residual_block: str = "val", level: float = 0.8,
                          flip: bool = False) -> float:
    """Test coverage of the persistence interval made from one block's residuals."""
    from lstmbook.baselines.forecast import Persistence
    from lstmbook.evaluation import coverage, residual_interval, walk_forward

    y, sp = _co2_split()
    yv, pv = walk_forward(y, Persistence(1), np.arange(sp.val.start, sp.val.stop))
    yt, pt = walk_forward(y, Persistence(1), np.arange(sp.test.start, sp.test.stop))
    res = (yv - pv) if residual_block == "val" else (yt - pt)
    lo, hi = residual_interval(pt, -res if flip else res, level=level)
    return coverage(yt, lo, hi)


def _coverage_80() -> float:
    return _persistence_interval()


def _check_coverage(answer):
    ref = _coverage_80()
    return compare_number(answer, ref, rtol=1e-9, percent=True, mistakes=[
        (0.8, "0.8 is the nominal level: the share the interval should cover, and what it "
              "covers on the validation block whose residuals made it. Measure how many test "
              "values fall inside."),
        (1 - ref, "That is the share of test values outside the interval; coverage counts "
                  "those inside."),
        (_persistence_interval("test"), "You took the quantiles of the test residuals: the "
         "interval then knows the block it is scored on. Use the validation residuals."),
        (_persistence_interval(level=0.9), "That is the coverage of the 90 % interval (the "
         "default of residual_interval); pass level=0.8."),
        (_persistence_interval(flip=True), "Your residuals have the wrong sign: they are "
         "y_true - y_pred (yv - pv), so that the interval is y_pred plus their quantiles."),
    ])


register(
    "evaluation-4",
    title="Coverage of an 80 % interval around persistence",
    page=PAGE,
    kind="number",
    checker=_check_coverage,
    reference=_coverage_80,
    wrong_answers=lambda: [
        WrongAnswer(0.8, says="nominal", label="the nominal level"),
        WrongAnswer(1 - _coverage_80(), says="outside", label="the share outside"),
        WrongAnswer(_persistence_interval("test"), says="test residuals",
                    label="quantiles of the test residuals"),
        WrongAnswer(_persistence_interval(level=0.9), says="level=0.8", label="90 % interval"),
        WrongAnswer(_persistence_interval(flip=True), says="wrong sign",
                    label="residuals y_pred - y_true"),
    ],
)
