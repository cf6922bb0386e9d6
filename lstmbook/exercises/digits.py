"""Exercises of the digits page (book/applications/digits.ipynb)."""

from __future__ import annotations

import numpy as np

from ._core import WrongAnswer, register
from .compare import compare_function, compare_number

PAGE = "applications/digits"


def _all_no_binary_accuracy() -> float:
    """Keras's binary accuracy of answering "no" to all ten classes, on the test split."""
    from lstmbook.data.digits import digit_split

    y = digit_split()[3]
    one_hot = np.eye(10)[y]
    return float((one_hot == 0).mean())


register(
    "digits-1",
    title="Source 004's accuracy of a model that says 'no' to every class",
    page=PAGE,
    kind="number",
    checker=lambda a: compare_number(
        a, _all_no_binary_accuracy(), rtol=1e-6,
        hint="With binary cross-entropy Keras's 'accuracy' counts each of the ten outputs "
             "of each image as its own yes/no answer."),
    reference=_all_no_binary_accuracy,
    wrong_answers=lambda: [
        WrongAnswer(0.1, says="too small", label="the share of images of one class"),
        WrongAnswer(0.0, says="too small", label="no image is classified"),
    ],
)


def _bidirectional_pixel_parameters() -> float:
    from lstmbook.torch.digit_models import build_classifier
    from lstmbook.torch.models import parameter_count

    return float(parameter_count(build_classifier("bidirectional", 1, 64)))


def _without_hh_bias() -> float:
    return _bidirectional_pixel_parameters() - 2 * 4 * 64


register(
    "digits-2",
    title="Parameters of a bidirectional LSTM reading pixel by pixel",
    page=PAGE,
    kind="number",
    checker=lambda a: compare_number(
        a, _bidirectional_pixel_parameters(), rtol=1e-9,
        hint="Per direction: W_ih (4H, I), W_hh (4H, H), b_ih and b_hh (4H each); the head "
             "reads both directions' final states (2H) and gives 10 logits."),
    reference=_bidirectional_pixel_parameters,
    wrong_answers=lambda: [
        WrongAnswer(_without_hh_bias(), says="too small", label="one bias vector per gate"),
        WrongAnswer(_bidirectional_pixel_parameters() - 2 * 64 * 10, says="too small",
                    label="the head reads only one direction"),
    ],
)


def _recall(counts):
    m = np.asarray(counts, dtype=float)
    return np.diag(m) / m.sum(axis=1)


_CASES_3 = [
    ((np.array([[8, 2], [1, 9]]),), _recall([[8, 2], [1, 9]])),
    ((np.array([[5, 0, 1], [3, 3, 0], [0, 2, 6]]),), _recall([[5, 0, 1], [3, 3, 0], [0, 2, 6]])),
]

register(
    "digits-3",
    title="Per-class accuracy from a confusion matrix",
    page=PAGE,
    kind="function",
    checker=lambda fn: compare_function(
        fn, _CASES_3, hint="Row i holds the images whose true class is i."),
    reference=lambda: _recall,
    wrong_answers=lambda: [
        WrongAnswer(lambda m: np.diag(np.asarray(m, float)) / np.asarray(m, float).sum(0),
                    says="Test case 1", label="columns: precision, not recall"),
        WrongAnswer(lambda m: np.diag(np.asarray(m, float)) / np.asarray(m, float).sum(),
                    says="Test case 1", label="divided by all images"),
    ],
)
