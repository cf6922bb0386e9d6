"""Exercises of the your-own-data page (book/applications/your_data.ipynb)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._core import WrongAnswer, register
from .compare import Mistake, compare_function, compare_number

PAGE = "applications/your_data"

# ------------------------------------------------------------------ 1: rolling origins
N_TEST, HORIZON = 40, 6


def origins(n_test: int = N_TEST, horizon: int = HORIZON) -> int:
    """Reference: origins t (the last point seen; targets y_{t+1} .. y_{t+H}) whose H
    targets all lie inside the test block: from the point before the block to the
    block's point ``n_test - horizon``."""
    return n_test - horizon + 1


def _check_origins(answer: Any) -> tuple[bool, str]:
    return compare_number(answer, origins(), rtol=0, atol=0, mistakes=[
        (N_TEST, f"{N_TEST} gives a forecast to every origin from the point before the "
                 f"block on, but from the block's point {N_TEST - HORIZON + 1} on the "
                 f"{HORIZON} targets would run past the end of the data."),
        (N_TEST - HORIZON, f"{N_TEST - HORIZON} = {N_TEST} − {HORIZON} is one too few: the "
                           "first origin is the last point before the block (its targets "
                           "start at the block's first point), and the last is the block's "
                           f"point {N_TEST - HORIZON}, whose targets are exactly the block's "
                           f"last {HORIZON} points."),
        (N_TEST // HORIZON, f"{N_TEST // HORIZON} cuts the block into non-overlapping "
                            "stretches; rolling origins move one step at a time, so their "
                            "targets overlap."),
    ])


register(
    "your_data-1",
    title="How many rolling origins fit in the test block",
    page=PAGE,
    kind="number",
    checker=_check_origins,
    reference=origins,
    wrong_answers=lambda: [
        WrongAnswer(N_TEST, says="run past the end", label="every point"),
        WrongAnswer(N_TEST - HORIZON, says="one too few", label="n - H"),
        WrongAnswer(N_TEST // HORIZON, says="non-overlapping", label="blocks"),
    ],
)

# ------------------------------------------------------------------ 2: MASE by hand
MASE_TRAIN = (10.0, 12.0, 11.0, 13.0, 15.0, 14.0)
MASE_ERRORS = (1.0, -3.0, 2.0)


def mase_by_hand() -> float:
    """Reference: test MAE over the training block's mean absolute one-step change."""
    scale = np.mean(np.abs(np.diff(MASE_TRAIN)))
    return float(np.mean(np.abs(MASE_ERRORS)) / scale)


def _check_mase(answer: Any) -> tuple[bool, str]:
    mae = float(np.mean(np.abs(MASE_ERRORS)))
    diffs = np.diff(MASE_TRAIN)
    return compare_number(answer, mase_by_hand(), rtol=1e-3, atol=0.0, mistakes=[
        (float(np.mean(MASE_ERRORS)) / np.mean(np.abs(diffs)),
         "You averaged the signed errors, so +1, −3 and +2 cancelled; MAE averages their "
         "absolute values."),
        (mae / (np.sum(np.abs(diffs)) / len(MASE_TRAIN)),
         "You divided the summed changes by the 6 training values; there are 5 one-step "
         "changes between 6 values."),
        (mae / np.mean(diffs ** 2), "You scaled by the mean squared change; MASE scales by "
                                    "the mean absolute one-step change."),
        (mae / np.mean(MASE_TRAIN), "You divided by the mean level of the series; MASE "
                                    "divides by the error of the naive forecast, the mean "
                                    "absolute one-step change."),
    ])


register(
    "your_data-2",
    title="MASE by hand",
    page=PAGE,
    kind="number",
    checker=_check_mase,
    reference=mase_by_hand,
    wrong_answers=lambda: [
        WrongAnswer(0.0 / 1.6, says="cancelled", label="signed errors"),
        WrongAnswer(2 / (8 / 6), says="5 one-step", label="divided by 6"),
        WrongAnswer(2 / 2.8, says="squared change", label="squared scale"),
        WrongAnswer(2 / 12.5, says="mean level", label="level scale"),
    ],
)

# ------------------------------------------------------------------ 3: scale without peeking


def scale_with_train(series, n_train):
    """Reference: standardise the whole series with the mean and standard deviation
    (``np.std``, ddof 0) of its first ``n_train`` values only."""
    s = np.asarray(series, dtype=float)
    train = s[:n_train]
    return (s - train.mean()) / train.std()


def _scale_cases() -> list[tuple[tuple, Any]]:
    rng = np.random.default_rng(23)
    trend = np.cumsum(rng.normal(0.3, 1.0, 40)) + 50
    seasonal = 10 + 3 * np.sin(np.arange(24) / 2) + rng.normal(0, 0.2, 24)
    return [((s, n), scale_with_train(s, n)) for s, n in ((trend, 28), (seasonal, 16))]


_SCALE_MISTAKES = [
    Mistake(lambda s, n: (np.asarray(s) - np.mean(s)) / np.std(s),
            "You used the mean and spread of the whole series, test block included: that "
            "is leakage, the future tells the scaler where the series goes. Use the "
            "first n_train values only."),
    Mistake(lambda s, n: (np.asarray(s) - np.mean(s[:n])) / np.std(s[:n], ddof=1),
            "You used the sample standard deviation (ddof=1); the question asks for "
            "np.std's default, ddof=0, as the library's scaler uses."),
    Mistake(lambda s, n: (np.asarray(s)[:n] - np.mean(s[:n])) / np.std(s[:n]),
            "You returned only the training block; return the whole series, scaled with "
            "the training statistics."),
    Mistake(lambda s, n: (np.asarray(s) - np.mean(s[-n:])) / np.std(s[-n:]),
            "You took the statistics of the last n_train values: the training block is "
            "the first one, in time."),
]


register(
    "your_data-3",
    title="Scale with the training block only",
    page=PAGE,
    kind="function",
    checker=lambda fn: compare_function(fn, _scale_cases(), names=("scaled",),
                                        mistakes=_SCALE_MISTAKES,
                                        reference=scale_with_train),
    reference=lambda: scale_with_train,
    wrong_answers=lambda: [
        WrongAnswer(_SCALE_MISTAKES[0].make, says="leakage", label="whole series"),
        WrongAnswer(_SCALE_MISTAKES[1].make, says="ddof=1", label="sample std"),
        WrongAnswer(_SCALE_MISTAKES[2].make, says="only the training block",
                    label="train only"),
        WrongAnswer(_SCALE_MISTAKES[3].make, says="last n_train", label="last block"),
    ],
)
