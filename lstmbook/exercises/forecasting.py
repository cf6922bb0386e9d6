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


def _ensemble_variant(variant: str) -> float:
    """The MASE a typical mistake gives: ``"seeds"`` (mean of the seeds' MASE), ``"all"``
    (all horizons), ``"val"`` (validation windows)."""
    from lstmbook import artifacts
    from lstmbook.metrics.forecast import mase
    from lstmbook.torch.forecast import load_forecasters

    if variant == "all":
        yt, p, train = _ensemble("sunspots")
        return mase(yt, p, train)
    if variant == "val":
        yt, p, train = _ensemble("sunspots", "val")
        return mase(yt[:, 0], p[:, 0], train)
    y, st, split, make_windows = _task("sunspots")
    x, yt, _ = make_windows(y, st["window"], st["horizon"], start=split.test.start,
                            stop=split.test.stop)
    fs = load_forecasters(artifacts.load("forecast/sunspots_lstm_recursive"), cell="lstm",
                          window=st["window"], horizon=st["horizon"], strategy="recursive",
                          n_seeds=5)
    return float(np.mean([mase(yt[:, 0], f.predict(x)[:, 0], y[split.train]) for f in fs]))


def _check_ensemble(answer):
    return compare_number(answer, _ensemble_mase(), rtol=1e-4, mistakes=[
        (_ensemble_mae(), "That is the MAE in sunspot numbers; divide it by "
                          "naive_scale(train), the persistence error of the training block."),
        (_ensemble_variant("seeds"), "That is the mean of the five seeds' MASE. The ensemble "
         "averages the five forecasts first, then scores that one average forecast."),
        (_ensemble_variant("all"), "You scored all ten horizons; the one-step MASE uses only "
         "the first column of the forecasts and of the targets ([:, 0])."),
        (_ensemble_variant("val"), "You scored the validation windows; the question asks for "
         "the test windows."),
    ])


register(
    "forecasting-1",
    title="One-step MASE of the five-seed LSTM ensemble on sunspots",
    page=PAGE,
    kind="number",
    checker=_check_ensemble,
    reference=_ensemble_mase,
    wrong_answers=lambda: [
        WrongAnswer(_ensemble_mae(), says="sunspot numbers", label="MAE, not scaled"),
        WrongAnswer(_ensemble_variant("seeds"), says="forecasts first",
                    label="mean of the seeds' MASE"),
        WrongAnswer(_ensemble_variant("all"), says="first column", label="all horizons"),
        WrongAnswer(_ensemble_variant("val"), says="validation windows",
                    label="validation block"),
    ],
)


def _coverage(level=0.8, residuals="val", flip=False, one_step=False) -> float:
    from lstmbook.evaluation import coverage, residual_interval

    yt, pt, _ = _ensemble("co2")
    yv, pv, _ = _ensemble("co2", "val")
    res = (yv - pv) if residuals == "val" else (yt - pt)
    lo, hi = residual_interval(pt, -res if flip else res, level=level)
    if one_step:
        return coverage(yt[:, 0], lo[:, 0], hi[:, 0])
    return coverage(yt, lo, hi)


def _check_coverage(answer):
    ref = _coverage()
    return compare_number(answer, ref, rtol=1e-9, percent=True, mistakes=[
        (0.8, "0.8 is the nominal level, what the interval should cover; measure how many "
              "test values fall inside it."),
        (1 - ref, "That is the share of test values outside the interval; coverage counts "
                  "those inside."),
        (_coverage(0.9), "That is the coverage of the 90 % interval (the default of "
                         "residual_interval); pass level=0.8."),
        (_coverage(residuals="test"), "You took the quantiles of the test residuals: the "
         "interval then knows the block it is scored on. Use the validation residuals."),
        (_coverage(flip=True), "Your residuals have the wrong sign: they are y_true - y_pred, "
                               "so that the interval is y_pred plus their quantiles."),
        (_coverage(one_step=True), "That is the coverage of the one-step forecasts only; the "
         "question asks for all twelve horizons together."),
    ])


register(
    "forecasting-2",
    title="Coverage of an 80 % residual-quantile interval on CO₂",
    page=PAGE,
    kind="number",
    checker=_check_coverage,
    reference=_coverage,
    wrong_answers=lambda: [
        WrongAnswer(0.8, says="nominal", label="the nominal level"),
        WrongAnswer(1 - _coverage(), says="outside", label="the share outside"),
        WrongAnswer(_coverage(0.9), says="level=0.8", label="the 90 % interval"),
        WrongAnswer(_coverage(residuals="test"), says="test residuals",
                    label="quantiles of the test residuals"),
        WrongAnswer(_coverage(flip=True), says="wrong sign", label="residuals flipped"),
        WrongAnswer(_coverage(one_step=True), says="one-step forecasts only",
                    label="first horizon only"),
    ],
)


def _hit_probability(n_trials: int = 9, fraction: float = 0.05) -> float:
    """P(at least one of n independent uniform draws falls in a given fraction of the range)."""
    return 1.0 - (1.0 - fraction) ** n_trials


def _check_hit(answer):
    return compare_number(answer, _hit_probability(), rtol=1e-3, percent=True, mistakes=[
        (9 * 0.05, "Probabilities of overlapping events do not add: compute the chance that "
                   "all 9 trials miss, and take its complement."),
        (0.95**9, "That is the chance that every trial misses; the question asks for at least "
                  "one hit, 1 minus it."),
        (3 * 0.05, "That counts the grid's 3 learning rates; random search draws 9 different "
                   "ones, one per trial, each missing with probability 0.95."),
        (0.05, "0.05 is the chance of a single draw; with 9 independent draws the chance "
               "that at least one is good is larger."),
    ])


register(
    "forecasting-3",
    title="Chance that 9 random trials reach the best 5 % of the learning rate",
    page=PAGE,
    kind="number",
    checker=_check_hit,
    reference=_hit_probability,
    wrong_answers=lambda: [
        WrongAnswer(9 * 0.05, says="do not add", label="adds the probabilities"),
        WrongAnswer(0.95**9, says="every trial misses", label="all trials miss"),
        WrongAnswer(3 * 0.05, says="grid's 3", label="counts the grid's 3 values"),
        WrongAnswer(0.05, says="single draw", label="one trial"),
    ],
)
