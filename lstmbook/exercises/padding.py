"""Exercises of the padding page (book/applications/padding.ipynb)."""

from __future__ import annotations

import numpy as np

from ._core import WrongAnswer, register
from .compare import Mistake, compare_choice, compare_function, compare_number

PAGE = "applications/padding"
LENGTHS_1 = (3, 9, 4, 9, 1)


def _padding_fraction() -> float:
    from lstmbook.numpy.masking import length_mask

    n = np.asarray(LENGTHS_1)
    return float(1.0 - length_mask(n, int(n.max())).mean())


def _check_fraction(answer):
    n = np.asarray(LENGTHS_1)
    total, real = len(n) * int(n.max()), int(n.sum())
    pad = total - real
    return compare_number(answer, _padding_fraction(), rtol=1e-6, percent=True, mistakes=[
        (real / total, f"That is the share of real steps ({real} of {total}); the padding is "
                       f"the rest, {pad} of {total}."),
        (pad / real, f"You divided the padding steps by the real steps ({pad}/{real}); the "
                     f"fraction is of all {len(n)} × {n.max()} = {total} steps of the batch."),
        (float(pad), f"{pad} is the number of padding steps; divide it by the {total} steps "
                     "of the batch."),
    ])


register(
    "padding-1",
    title="How much of a post-padded batch is padding?",
    page=PAGE,
    kind="number",
    checker=_check_fraction,
    reference=_padding_fraction,
    wrong_answers=lambda: [
        WrongAnswer(1.0 - _padding_fraction(), says="share of real steps",
                    label="the real fraction"),
        WrongAnswer(19 / 26, says="by the real steps", label="padding over real steps"),
        WrongAnswer(19, says="number of padding steps", label="a count, not a fraction"),
    ],
)


def _mask(lengths, T):
    return (np.arange(T)[None, :] < np.asarray(lengths)[:, None]).astype(float)


def _mask_one_longer(lengths, T):
    return (np.arange(T)[None, :] <= np.asarray(lengths)[:, None]).astype(float)


def _mask_pre(lengths, T):
    return (np.arange(T)[None, :] >= T - np.asarray(lengths)[:, None]).astype(float)


def _mask_one_shorter(lengths, T):
    return (np.arange(1, T + 1)[None, :] < np.asarray(lengths)[:, None]).astype(float)


_CASES_2 = [((np.array([2, 4, 1]), 4), _mask([2, 4, 1], 4)),
            ((np.array([5]), 6), _mask([5], 6))]

_MISTAKES_2 = [
    Mistake(_mask_one_longer, "Your mask is 1 at step t = lengths[b] too: steps are counted "
            "from 0, so the real steps are t = 0, …, lengths[b] - 1 (t < lengths[b])."),
    Mistake(_mask_pre, "Your mask marks the last lengths[b] steps as real: that is "
            "pre-padding. Post-padded sequences start at step 0, so the real steps come first."),
]

register(
    "padding-2",
    title="The mask of real steps",
    page=PAGE,
    kind="function",
    checker=lambda fn: compare_function(fn, _CASES_2, names=("mask",), mistakes=_MISTAKES_2,
                                        time_axis=1),
    reference=lambda: _mask,
    wrong_answers=lambda: [
        WrongAnswer(lambda n, T: _mask(n, T).T, says="transpose", label="transposed"),
        WrongAnswer(_mask_one_longer, says="counted from 0", label="t <= lengths[b]"),
        WrongAnswer(_mask_pre, says="pre-padding", label="pre-padded mask"),
        WrongAnswer(_mask_one_shorter, says="one step early", label="steps from 1"),
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
