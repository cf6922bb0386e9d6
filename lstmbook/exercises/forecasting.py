"""Exercises of the forecasting page (book/applications/forecasting.ipynb)."""

from __future__ import annotations

import numpy as np

from ._core import WrongAnswer, register
from .compare import compare_number

PAGE = "applications/forecasting"


def _task(name):
    from lstmbook.data.series import load_task
    from lstmbook.evaluation import make_windows, time_split

    series, st = load_task(name)
    y = series.to_numpy()
    split = time_split(len(y), st["n_val"], st["n_test"])
    return y, st, split, make_windows


def _ensemble(name, block="test"):
    from lstmbook import artifacts
    from lstmbook.torch.forecast import load_forecasters

    y, st, split, make_windows = _task(name)
    b = split.test if block == "test" else split.val
    x, yt, _ = make_windows(y, st["window"], st["horizon"], start=b.start, stop=b.stop)
    fs = load_forecasters(artifacts.load(f"forecast/{name}_lstm_recursive"), cell="lstm",
                          window=st["window"], horizon=st["horizon"], strategy="recursive",
                          n_seeds=5)
    return yt, np.mean([f.predict(x) for f in fs], axis=0), y[split.train]


def _ensemble_mase() -> float:
    from lstmbook.metrics.forecast import mase

    yt, p, train = _ensemble("sunspots")
    return mase(yt[:, 0], p[:, 0], train)


def _ensemble_mae() -> float:
    from lstmbook.metrics.forecast import mae

    yt, p, _ = _ensemble("sunspots")
    return mae(yt[:, 0], p[:, 0])


def _check_ensemble(answer):
    if isinstance(answer, float | int | np.floating) and np.isclose(answer, _ensemble_mae()):
        return False, "That is the MAE in sunspot numbers; divide by naive_scale(train)."
    return compare_number(answer, _ensemble_mase(), rtol=1e-4,
                          hint="Average the five forecasts first, then score the average.")


register(
    "forecasting-1",
    title="One-step MASE of the five-seed LSTM ensemble on sunspots",
    page=PAGE,
    kind="number",
    checker=_check_ensemble,
    reference=_ensemble_mase,
    wrong_answers=lambda: [
        WrongAnswer(_ensemble_mae(), says="MAE", label="not scaled"),
        WrongAnswer(1.5 * _ensemble_mase(), says="average the five", label="other value"),
    ],
)


def _coverage(level=0.8) -> float:
    from lstmbook.evaluation import coverage, residual_interval

    yt, pt, _ = _ensemble("co2")
    yv, pv, _ = _ensemble("co2", "val")
    lo, hi = residual_interval(pt, yv - pv, level=level)
    return coverage(yt, lo, hi)


def _check_coverage(answer):
    if isinstance(answer, float | int | np.floating) and np.isclose(answer, 100 * _coverage()):
        return False, "That is a percentage; give the fraction (between 0 and 1)."
    return compare_number(answer, _coverage(), rtol=1e-9,
                          hint="Validation residuals for the quantiles, level=0.8, coverage "
                               "over every test origin and horizon.")


register(
    "forecasting-2",
    title="Coverage of an 80 % residual-quantile interval on CO₂",
    page=PAGE,
    kind="number",
    checker=_check_coverage,
    reference=_coverage,
    wrong_answers=lambda: [
        WrongAnswer(100 * _coverage(), says="percentage", label="in percent"),
        WrongAnswer(_coverage(0.9), says="level=0.8", label="the 90 % interval"),
    ],
)

def _hit_probability(n_trials: int = 9, fraction: float = 0.05) -> float:
    """P(at least one of n independent uniform draws falls in a given fraction of the range)."""
    return 1.0 - (1.0 - fraction) ** n_trials


def _check_hit(answer):
    if isinstance(answer, float | int | np.floating):
        if np.isclose(answer, 9 * 0.05):
            return False, ("Probabilities of overlapping events do not add; compute the chance "
                           "that all 9 trials miss, and take its complement.")
        if np.isclose(answer, 0.95**9):
            return False, ("That is the chance that every trial misses; the question asks "
                           "for at least one hit (the complement).")
    return compare_number(answer, _hit_probability(), rtol=1e-3,
                          hint="Each trial misses with probability 0.95, independently.")


register(
    "forecasting-3",
    title="Chance that 9 random trials reach the best 5 % of the learning rate",
    page=PAGE,
    kind="number",
    checker=_check_hit,
    reference=_hit_probability,
    wrong_answers=lambda: [
        WrongAnswer(9 * 0.05, says="do not add", label="adds the probabilities"),
        WrongAnswer(0.95**9, says="complement", label="all trials miss"),
        WrongAnswer(3 * 0.05, says="Each trial", label="counts the grid's 3 values"),
    ],
)
