"""Exercises of the Background chapter (book/background/index.ipynb)."""

from __future__ import annotations

import numpy as np

from ._core import WrongAnswer, register
from .compare import Mistake, compare_function, compare_number

# --------------------------------------------------------------------------- background-1


def _window_accuracy(window: int = 8, max_lag: int = 39, n_symbols: int = 4) -> float:
    """Best accuracy of a model that sees only the last ``window`` steps, lags uniform in
    0..max_lag: right when the target is in view, a guess otherwise."""
    lags = np.arange(max_lag + 1)
    return float(np.mean(np.where(lags < window, 1.0, 1.0 / n_symbols)))


_BACKGROUND_1_MISTAKES = [
    (8 / 40, "0.2 counts only the lags inside the window: outside it the network still "
             "guesses right 1 time in 4, which adds 32/40 × 0.25."),
    (0.25, "0.25 is chance alone: inside the window (8 of the 40 lags) the network sees "
           "the target and is always right."),
    (_window_accuracy(window=9), "That counts 9 lags in view: a window of 8 steps sees "
                                 "lags 0 to 7 (an off-by-one)."),
    (8 / 39 + 31 / 39 * 0.25, "That divides by 39: lags 0 to 39 are 40 equally likely "
                              "values."),
]

register(
    "background-1",
    title="The best a window of 8 steps can do",
    page="background/index",
    kind="number",
    checker=lambda a: compare_number(a, _window_accuracy(), rtol=1e-3, percent=True,
                                     mistakes=_BACKGROUND_1_MISTAKES),
    reference=_window_accuracy,
    wrong_answers=lambda: [
        WrongAnswer(8 / 40, says="1 time in 4", label="forgot the guesses"),
        WrongAnswer(0.25, says="chance alone", label="chance only"),
        WrongAnswer(_window_accuracy(window=9), says="9 lags in view", label="lags 0..8"),
        WrongAnswer("40.4%", says="divides by 39", label="39 lags"),
    ],
)

# --------------------------------------------------------------------------- background-2


def _lstm_parameters(I: int = 2, H: int = 16, O: int = 1) -> int:
    from lstmbook.torch.models import RecurrentNet, parameter_count

    return parameter_count(RecurrentNet("lstm", I, H, O))


_BACKGROUND_2_MISTAKES = [
    (4 * 16 * (2 + 16) + 4 * 16 + 17,
     "That counts one bias vector per gate block: PyTorch's LSTM keeps both b_ih and b_hh "
     "(4H = 64 each)."),
    (16 * (2 + 16) + 2 * 16 + 17,
     "That is a plain RNN's count: an LSTM has four gate blocks i, f, g, o, each with its "
     "own W_ih (H, I), W_hh (H, H) and biases."),
    (4 * 16 * (2 + 16) + 2 * 4 * 16,
     "That is the LSTM alone: add the linear read-out, H·O weights and O biases (17)."),
]

register(
    "background-2",
    title="Count the parameters of the adding-problem LSTM",
    page="background/index",
    kind="number",
    checker=lambda a: compare_number(a, _lstm_parameters(), rtol=0, atol=0.5,
                                     mistakes=_BACKGROUND_2_MISTAKES),
    reference=_lstm_parameters,
    wrong_answers=lambda: [
        WrongAnswer(4 * 16 * (2 + 16) + 4 * 16 + 17, says="one bias vector", label="one bias"),
        WrongAnswer(16 * (2 + 16) + 2 * 16 + 17, says="plain RNN", label="a plain RNN"),
        WrongAnswer(4 * 16 * (2 + 16) + 2 * 4 * 16, says="read-out", label="no read-out"),
    ],
)

# --------------------------------------------------------------------------- background-3


def _rnn_case(seed: int) -> tuple[tuple, np.ndarray]:
    from lstmbook.numpy.rnn import ElmanRNN

    I, H, B = 3, 4, 2
    rnn = ElmanRNN(I, H, seed=seed)
    p = rnn.params
    rng = np.random.default_rng(seed + 10)
    x, h0 = rng.normal(size=(B, I)), rng.normal(size=(B, H))
    out, _ = rnn.forward(x[None], h0[None])
    args = (x, h0, p["weight_ih_l0"], p["weight_hh_l0"], p["bias_ih_l0"], p["bias_hh_l0"])
    return args, out[0]


def _rnn_step(x, h_prev, W_ih, W_hh, b_ih, b_hh):
    return np.tanh(x @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh)


_RNN_MISTAKES = [
    Mistake(lambda x, h, Wi, Wh, bi, bh: x @ Wi.T + bi + h @ Wh.T + bh,
            "Your h_t is the pre-activation without tanh: "
            "h_t = tanh(x W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh)."),
    Mistake(lambda x, h, Wi, Wh, bi, bh: np.tanh(x @ Wi.T + bi + h @ Wh + bh),
            "You multiplied h_prev @ W_hh: PyTorch stores W_hh as (out, in), so multiply "
            "by its transpose, h_prev @ W_hh.T (a square matrix gives no shape error)."),
]

register(
    "background-3",
    title="Write one step of the recurrent network",
    page="background/index",
    kind="function",
    checker=lambda fn: compare_function(
        fn, [_rnn_case(0), _rnn_case(1)], names=("h_t",), mistakes=_RNN_MISTAKES,
        reference=_rnn_step, roles={1: "state", 4: "bias", 5: "bias"},
    ),
    reference=lambda: _rnn_step,
    wrong_answers=lambda: [
        WrongAnswer(lambda x, h, Wi, Wh, bi, bh: np.tanh(x @ Wi.T + bi + bh),
                    says="h_prev is ignored", label="forgot the recurrence"),
        WrongAnswer(lambda x, h, Wi, Wh, bi, bh: x @ Wi.T + bi + h @ Wh.T + bh,
                    says="without tanh", label="no tanh"),
        WrongAnswer(lambda x, h, Wi, Wh, bi, bh: np.tanh(x @ Wi.T + bi + h @ Wh.T),
                    says="b_hh is missing", label="b_hh left out"),
        WrongAnswer(lambda x, h, Wi, Wh, bi, bh: np.tanh(x @ Wi.T + bi + h @ Wh + bh),
                    says="its transpose", label="W_hh not transposed"),
    ],
)
