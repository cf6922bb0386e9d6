"""Exercises of the padding page (book/applications/padding.ipynb)."""

from __future__ import annotations

import numpy as np

from ._core import WrongAnswer, register
from .compare import compare_choice, compare_function, compare_number

PAGE = "applications/padding"
LENGTHS_1 = (3, 9, 4, 9, 1)


def _padding_fraction() -> float:
    from lstmbook.numpy.masking import length_mask

    n = np.asarray(LENGTHS_1)
    return float(1.0 - length_mask(n, int(n.max())).mean())


register(
    "padding-1",
    title="How much of a post-padded batch is padding?",
    page=PAGE,
    kind="number",
    checker=lambda a: compare_number(a, _padding_fraction(), rtol=1e-6,
                                     hint="Padding fills every sequence up to the longest."),
    reference=_padding_fraction,
    wrong_answers=lambda: [
        WrongAnswer(1.0 - _padding_fraction(), says="too large", label="the real fraction"),
        WrongAnswer(0.0, says="too small", label="forgot the padding"),
    ],
)


def _mask(lengths, T):
    return (np.arange(T)[None, :] < np.asarray(lengths)[:, None]).astype(float)


_CASES_2 = [((np.array([2, 4, 1]), 4), _mask([2, 4, 1], 4)),
            ((np.array([5]), 6), _mask([5], 6))]

register(
    "padding-2",
    title="The mask of real steps",
    page=PAGE,
    kind="function",
    checker=lambda fn: compare_function(fn, _CASES_2,
                                        hint="Entry (b, t) is 1 when t < lengths[b]."),
    reference=lambda: _mask,
    wrong_answers=lambda: [
        WrongAnswer(lambda n, T: _mask(n, T).T, says="shape", label="transposed"),
        WrongAnswer(lambda n, T: (np.arange(T)[None, :] <= np.asarray(n)[:, None]).astype(float),
                    says="Test case 1", label="off by one"),
    ],
)

register(
    "padding-3",
    title="Which padding hurts an unmasked LSTM on the last-values task?",
    page=PAGE,
    kind="choice",
    checker=lambda a: compare_choice(a, "post", ("post", "pre", "neither"), explain={
        "pre": "Zeros before the real steps are read first; the last real value is still "
               "the last thing the LSTM sees.",
        "neither": "Without a mask the zeros are input like any other: after the real steps "
                   "they move the state the classifier reads."}),
    reference=lambda: "post",
    wrong_answers=lambda: [WrongAnswer("pre", says="last real value", label="pre"),
                           WrongAnswer("neither", says="move the state", label="neither")],
)
