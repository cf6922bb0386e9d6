"""Exercises of the digits page (book/applications/digits.ipynb)."""

from __future__ import annotations

import numpy as np

from ._core import WrongAnswer, register
from .compare import Mistake, compare_function, compare_number

PAGE = "applications/digits"


def _all_no_binary_accuracy() -> float:
    """Keras's binary accuracy of answering "no" to all ten classes, on the test split."""
    from lstmbook.data.digits import digit_split

    y = digit_split()[3]
    one_hot = np.eye(10)[y]
    return float((one_hot == 0).mean())


def _check_all_no(answer):
    return compare_number(answer, _all_no_binary_accuracy(), rtol=1e-6, percent=True, mistakes=[
        (0.1, "0.1 is the share of outputs the model gets wrong: the one 'yes' target of each "
              "image. Keras's binary accuracy counts each of the ten outputs of each image as "
              "its own yes/no answer, and 'no' is right for nine of them."),
        (0.0, "0 is the categorical accuracy (the arg-max class is never the true one). With "
              "binary_crossentropy, Keras's 'accuracy' compares each of the ten outputs with "
              "its one-hot target at threshold 0.5."),
        (1.0, "1 would mean every output is right, but the one-hot 1 of each image is "
              "answered 'no' (0 < 0.5): one output in ten is wrong."),
    ])


register(
    "digits-1",
    title="Source 004's accuracy of a model that says 'no' to every class",
    page=PAGE,
    kind="number",
    checker=_check_all_no,
    reference=_all_no_binary_accuracy,
    wrong_answers=lambda: [
        WrongAnswer(0.1, says="gets wrong", label="the share of images of one class"),
        WrongAnswer(0.0, says="categorical accuracy", label="no image is classified"),
        WrongAnswer(1.0, says="one output in ten", label="every output right"),
    ],
)


def _bidirectional_pixel_parameters() -> float:
    from lstmbook.torch.digit_models import build_classifier
    from lstmbook.torch.models import parameter_count

    return float(parameter_count(build_classifier("bidirectional", 1, 64)))


H_2, I_2, C_2 = 64, 1, 10


def _without_hh_bias() -> float:
    return _bidirectional_pixel_parameters() - 2 * 4 * H_2


def _check_parameters(answer):
    ref = _bidirectional_pixel_parameters()
    per_direction = 4 * H_2 * I_2 + 4 * H_2 * H_2 + 2 * 4 * H_2
    return compare_number(answer, ref, rtol=1e-9, mistakes=[
        (_without_hh_bias(), "That counts one bias vector per gate block; PyTorch keeps two, "
                             "b_ih and b_hh (4H each), in each direction."),
        (ref - H_2 * C_2, "The head reads both directions' final states, 2H = 128 numbers: "
                          "its weight is (10, 2H)."),
        (ref - per_direction, "That counts the LSTM of one direction; a bidirectional layer "
                              "has two, each with its own W_ih, W_hh, b_ih and b_hh."),
        (ref - C_2, "The head's bias (10 numbers, one per class) is missing."),
    ])


register(
    "digits-2",
    title="Parameters of a bidirectional LSTM reading pixel by pixel",
    page=PAGE,
    kind="number",
    checker=_check_parameters,
    reference=_bidirectional_pixel_parameters,
    wrong_answers=lambda: [
        WrongAnswer(_without_hh_bias(), says="one bias vector per gate",
                    label="one bias vector per gate"),
        WrongAnswer(_bidirectional_pixel_parameters() - H_2 * C_2, says="both directions'",
                    label="the head reads only one direction"),
        WrongAnswer(_bidirectional_pixel_parameters() - (4 * H_2 * I_2 + 4 * H_2 * H_2
                                                         + 2 * 4 * H_2),
                    says="each with its own", label="one direction's LSTM"),
        WrongAnswer(_bidirectional_pixel_parameters() - C_2, says="head's bias",
                    label="head without bias"),
    ],
)


def _recall(counts):
    m = np.asarray(counts, dtype=float)
    return np.diag(m) / m.sum(axis=1)


def _precision(counts):
    m = np.asarray(counts, dtype=float)
    return np.diag(m) / m.sum(axis=0)


def _over_all(counts):
    m = np.asarray(counts, dtype=float)
    return np.diag(m) / m.sum()


def _accuracy(counts):
    m = np.asarray(counts, dtype=float)
    return np.trace(m) / m.sum()


_CASES_3 = [
    ((np.array([[8, 2], [1, 9]]),), _recall([[8, 2], [1, 9]])),
    ((np.array([[5, 0, 1], [3, 3, 0], [0, 2, 6]]),), _recall([[5, 0, 1], [3, 3, 0], [0, 2, 6]])),
]

_MISTAKES_3 = [
    Mistake(_precision, "You divided by the column sums: that is each class's precision (the "
            "share of the predictions of class i that are right). Row i holds the images whose "
            "true class is i: divide by the row sums, m.sum(axis=1)."),
    Mistake(_over_all, "You divided the diagonal by the number of all images; recall divides "
            "by each class's own count of images, the sum of its row."),
    Mistake(_accuracy, "That is the overall accuracy, one number; the exercise asks for one "
            "recall per class (a vector with one entry per row)."),
]

register(
    "digits-3",
    title="Per-class accuracy from a confusion matrix",
    page=PAGE,
    kind="function",
    checker=lambda fn: compare_function(fn, _CASES_3, names=("recall",),
                                        mistakes=_MISTAKES_3),
    reference=lambda: _recall,
    wrong_answers=lambda: [
        WrongAnswer(_precision, says="precision", label="columns: precision, not recall"),
        WrongAnswer(_over_all, says="number of all images", label="divided by all images"),
        WrongAnswer(_accuracy, says="overall accuracy", label="trace over the sum"),
    ],
)
