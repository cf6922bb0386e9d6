"""Exercises of the evaluation page (book/applications/evaluation.ipynb)."""

from __future__ import annotations

import numpy as np

from ._core import WrongAnswer, register
from .compare import compare_choice, compare_function, compare_number

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
    for wrong, why in (
        (_seasonal_naive_mase("test"), "That is the test block's value from the table; score "
         "the origins of the validation block (split.val)."),
        (_seasonal_naive_mase(scaled=False), "This is the MAE in ppm: divide it by the "
         "training series' mean absolute one-step change (naive_scale)."),
        (_seasonal_naive_mase(scale_m=12), "You scaled by the seasonal (m=12) naive error; "
         "the book's MASE divides by the persistence (m=1) error on the training block."),
    ):
        if isinstance(answer, float | int | np.floating) and np.isclose(answer, wrong, rtol=1e-4):
            return False, why
    return compare_number(answer, _seasonal_naive_mase(), rtol=1e-4,
                          hint="Use walk_forward with SeasonalNaive(1, 12) over the "
                               "validation block.")


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


register(
    "evaluation-2",
    title="The drift forecast, a baseline for trending series",
    page=PAGE,
    kind="function",
    checker=lambda fn: compare_function(
        fn, _drift_cases(),
        hint="The slope is (y_last - y_first) / (n - 1), and step h adds h slopes.",
    ),
    reference=lambda: _drift,
    wrong_answers=lambda: [
        WrongAnswer(lambda h, k: np.full(k, np.asarray(h)[-1]), says="slope",
                    label="persistence, no drift"),
        WrongAnswer(_drift_off_by_one, says="n - 1", label="divides by n"),
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
    ],
)


def _coverage_80() -> float:
    from lstmbook.baselines.forecast import Persistence
    from lstmbook.evaluation import coverage, residual_interval, walk_forward

    y, sp = _co2_split()
    yv, pv = walk_forward(y, Persistence(1), np.arange(sp.val.start, sp.val.stop))
    yt, pt = walk_forward(y, Persistence(1), np.arange(sp.test.start, sp.test.stop))
    lo, hi = residual_interval(pt, yv - pv, level=0.8)
    return coverage(yt, lo, hi)


def _check_coverage(answer):
    ref = _coverage_80()
    if isinstance(answer, float | int | np.floating) and np.isclose(answer, 100 * ref):
        return False, "That is a percentage; give the fraction (between 0 and 1)."
    return compare_number(answer, ref, rtol=1e-9,
                          hint="Quantiles of the validation residuals, coverage on the test block.")


register(
    "evaluation-4",
    title="Coverage of an 80 % interval around persistence",
    page=PAGE,
    kind="number",
    checker=_check_coverage,
    reference=_coverage_80,
    wrong_answers=lambda: [
        WrongAnswer(100 * _coverage_80(), says="percentage", label="in percent"),
        WrongAnswer(0.8, says="validation residuals", label="the nominal level"),
    ],
)
