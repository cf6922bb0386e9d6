"""Exercises of the Gates chapter (book/gates/index.ipynb)."""

from __future__ import annotations

import numpy as np

from ._core import WrongAnswer, register
from .compare import compare_function, compare_number

# --------------------------------------------------------------------------- gates-1


def _kept_after(bias: float = 1.0, steps: int = 50) -> float:
    """Fraction of c_0 left after ``steps`` steps of a cell whose only nonzero parameter
    is the forget bias, run with the readable step (g = tanh(0) = 0 writes nothing)."""
    from lstmbook.numpy.reference import lstm_step

    H, b = 1, np.zeros(4)
    b[1] = bias
    W_ih, W_hh = np.zeros((4 * H, 1)), np.zeros((4 * H, H))
    h, c = np.zeros((1, H)), np.ones((1, H))
    for _ in range(steps):
        h, c = lstm_step(np.zeros((1, 1)), h, c, W_ih, W_hh, b, np.zeros(4))
    return float(c[0, 0])


register(
    "gates-1",
    title="How much of the cell survives 50 steps with forget bias 1?",
    page="gates/index",
    kind="number",
    checker=lambda a: compare_number(
        a, _kept_after(), rtol=1e-3,
        hint="Each step multiplies the cell by f = σ(b_f); nothing is added when g = 0.",
    ),
    reference=_kept_after,
    wrong_answers=lambda: [
        WrongAnswer(float(1 / (1 + np.exp(-1.0))), says="too large", label="one step only"),
        WrongAnswer(float(np.exp(-50.0)), says="too small", label="e^{-50}"),
    ],
)

# --------------------------------------------------------------------------- gates-2


def _step_case(seed: int) -> tuple[tuple, tuple]:
    from lstmbook.numpy.reference import lstm_step

    B, I, H = 2, 3, 4
    rng = np.random.default_rng(seed)
    args = (
        rng.normal(size=(B, I)), rng.normal(size=(B, H)), rng.normal(size=(B, H)),
        rng.normal(size=(4 * H, I)), rng.normal(size=(4 * H, H)),
        rng.normal(size=4 * H), rng.normal(size=4 * H),
    )
    return args, lstm_step(*args)


def _sig(a):
    return 1 / (1 + np.exp(-a))


def _wrong_order(x, h, c, W_ih, W_hh, b_ih, b_hh):
    a = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    f, i, g, o = np.split(a, 4, axis=-1)  # f and i swapped
    c = _sig(f) * c + _sig(i) * np.tanh(g)
    return _sig(o) * np.tanh(c), c


def _wrong_no_tanh(x, h, c, W_ih, W_hh, b_ih, b_hh):
    a = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = np.split(a, 4, axis=-1)
    c = _sig(f) * c + _sig(i) * np.tanh(g)
    return _sig(o) * c, c  # h without tanh


def _reference_step():
    from lstmbook.numpy.reference import lstm_step

    return lstm_step


register(
    "gates-2",
    title="Write the LSTM step",
    page="gates/index",
    kind="function",
    checker=lambda fn: compare_function(
        fn, [_step_case(0), _step_case(1)], names=("h", "c"),
        hint="Gate order i, f, g, o; c = f*c_prev + i*g; h = o*tanh(c).",
    ),
    reference=_reference_step,
    wrong_answers=lambda: [
        WrongAnswer(_wrong_order, says="differ", label="i and f swapped"),
        WrongAnswer(_wrong_no_tanh, says="differ", label="h = o * c"),
        WrongAnswer(lambda *args: _reference_step()(*args)[0], says="tuple of 2", label="only h"),
    ],
)

# --------------------------------------------------------------------------- gates-3



def _h_at(count: int) -> float:
    """Hidden state of an ideal counter (i = f = g = o = 1) after ``count`` writes of +1."""
    return float(np.tanh(float(count)))


def _counter_h_step() -> float:
    """How far h = o·tanh(c) moves between counts 3 and 4 when c steps by exactly 1."""
    return _h_at(4) - _h_at(3)


register(
    "gates-3",
    title="How far does h_t move when an ideal counter goes from 3 to 4?",
    page="gates/index",
    kind="number",
    checker=lambda a: compare_number(
        a, _counter_h_step(), rtol=1e-3,
        hint="c goes from 3 to 4; h = o·tanh(c) with o = 1, so take tanh of both and subtract.",
    ),
    reference=_counter_h_step,
    wrong_answers=lambda: [
        WrongAnswer(1.0, says="too large", label="the step of c, not of h"),
        WrongAnswer(_h_at(1) - _h_at(0), says="too large", label="the step from 0 to 1"),
        WrongAnswer(_h_at(3) - _h_at(4), says="sign is flipped", label="3 minus 4"),
    ],
)
