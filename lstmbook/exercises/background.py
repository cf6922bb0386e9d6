"""Exercises of the Background chapter (book/background/index.ipynb)."""

from __future__ import annotations

import numpy as np

from ._core import WrongAnswer, register
from .compare import compare_function, compare_number

# --------------------------------------------------------------------------- background-1


def _window_accuracy(window: int = 8, max_lag: int = 39, n_symbols: int = 4) -> float:
    """Best accuracy of a model that sees only the last ``window`` steps, lags uniform in
    0..max_lag: right when the target is in view, a guess otherwise."""
    lags = np.arange(max_lag + 1)
    return float(np.mean(np.where(lags < window, 1.0, 1.0 / n_symbols)))


register(
    "background-1",
    title="The best a window of 8 steps can do",
    page="background/index",
    kind="number",
    checker=lambda a: compare_number(
        a, _window_accuracy(), rtol=1e-3,
        hint="Lags 0..39 are equally likely; inside the window the answer is seen, "
        "outside it is a guess among 4 symbols.",
    ),
    reference=_window_accuracy,
    wrong_answers=lambda: [
        WrongAnswer(8 / 40, says="half", label="forgot the guesses"),
        WrongAnswer(0.25, says="too small", label="chance only"),
    ],
)

# --------------------------------------------------------------------------- background-2


def _lstm_parameters(I: int = 2, H: int = 16, O: int = 1) -> int:
    from lstmbook.torch.models import RecurrentNet, parameter_count

    return parameter_count(RecurrentNet("lstm", I, H, O))


register(
    "background-2",
    title="Count the parameters of the adding-problem LSTM",
    page="background/index",
    kind="number",
    checker=lambda a: compare_number(
        a, _lstm_parameters(), rtol=0, atol=0.5,
        hint="Four gate blocks, each with W_ih (H, I), W_hh (H, H) and two biases (PyTorch "
        "keeps b_ih and b_hh), plus the linear read-out.",
    ),
    reference=_lstm_parameters,
    wrong_answers=lambda: [
        WrongAnswer(4 * 16 * (2 + 16) + 4 * 16 + 17, says="too small", label="one bias"),
        WrongAnswer(16 * (2 + 16) + 2 * 16 + 17, says="too small", label="a plain RNN"),
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


register(
    "background-3",
    title="Write one step of the recurrent network",
    page="background/index",
    kind="function",
    checker=lambda fn: compare_function(
        fn, [_rnn_case(0), _rnn_case(1)],
        hint="h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh).",
    ),
    reference=lambda: _rnn_step,
    wrong_answers=lambda: [
        WrongAnswer(lambda x, h, Wi, Wh, bi, bh: np.tanh(x @ Wi.T + bi + bh), says="differ",
                    label="forgot the recurrence"),
        WrongAnswer(lambda x, h, Wi, Wh, bi, bh: x @ Wi.T + bi + h @ Wh.T + bh, says="differ",
                    label="no tanh"),
    ],
)
