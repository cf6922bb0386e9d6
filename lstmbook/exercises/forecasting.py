"""Exercises of the forecasting page (book/applications/forecasting.ipynb)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._core import WrongAnswer, register
from .compare import compare_number

PAGE = "applications/forecasting"
WEIGHTS = Path(__file__).resolve().parents[2] / "book" / "applications" / "weights"


def _task(name):
    from lstmbook.data.series import load_task
    from lstmbook.evaluation import make_windows, time_split

    series, st = load_task(name)
    y = series.to_numpy()
    split = time_split(len(y), st["n_val"], st["n_test"])
    return y, st, split, make_windows


def _ensemble(name, block="test"):
    from lstmbook.torch.forecast import load_forecasters

    y, st, split, make_windows = _task(name)
    b = split.test if block == "test" else split.val
    x, yt, _ = make_windows(y, st["window"], st["horizon"], start=b.start, stop=b.stop)
    fs = load_forecasters(WEIGHTS / f"forecast_{name}_lstm_recursive.npz", cell="lstm",
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

register(
    "forecasting-3",
    title="Distinct learning rates of a 3 × 3 grid",
    page=PAGE,
    kind="number",
    checker=lambda a: compare_number(
        a, 3.0, hint="A 3 × 3 grid repeats each of its 3 learning rates for 3 hidden sizes."),
    reference=lambda: 3,
    wrong_answers=lambda: [
        WrongAnswer(9, says="repeats", label="counts trials"),
        WrongAnswer(6, says="repeats", label="adds the axes"),
    ],
)
