"""Exercises of the Gates chapter (book/gates/index.ipynb)."""

from __future__ import annotations

import numpy as np

from ._core import WrongAnswer, register
from .compare import Mistake, compare_function, compare_number

# --------------------------------------------------------------------------- gates-1


def _sig(a):
    return 1 / (1 + np.exp(-a))


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


_F1 = float(_sig(1.0))  # σ(1), the forget gate of every step

_GATES_1_MISTAKES = [
    (_F1, "That is σ(1) ≈ 0.731, what ONE step keeps: the cell is multiplied by "
          "f = σ(1) at each of the 50 steps, so c_50 = σ(1)^50."),
    (float(np.exp(-50.0)), "That is e^(-50), as if each step multiplied by e^(-1): the "
                           "forget gate is f = σ(b_f) = σ(1) ≈ 0.731."),
    (1.0, "1 would mean f = 1: the forget gate is σ(b_f) = σ(1) ≈ 0.731, not the bias "
          "itself, so the cell shrinks at every step."),
    (0.5 ** 50, "That is 0.5^50 = σ(0)^50: the forget bias b_f = 1 is left out of a_f."),
    (_F1 ** 49, "That is σ(1)^49, one multiplication too few (an off-by-one in time): "
                "from c_0 to c_50 the cell passes 50 forget gates."),
    (_F1 ** 51, "That is σ(1)^51, one multiplication too many (an off-by-one in time): "
                "from c_0 to c_50 the cell passes 50 forget gates."),
]

register(
    "gates-1",
    title="How much of the cell survives 50 steps with forget bias 1?",
    page="gates/index",
    kind="number",
    checker=lambda a: compare_number(a, _kept_after(), rtol=1e-3, mistakes=_GATES_1_MISTAKES),
    reference=_kept_after,
    wrong_answers=lambda: [
        WrongAnswer(_F1, says="ONE step keeps", label="one step only"),
        WrongAnswer(float(np.exp(-50.0)), says="e^(-1)", label="e^{-50}"),
        WrongAnswer(1.0, says="not the bias itself", label="f taken as b_f = 1"),
        WrongAnswer(0.5 ** 50, says="bias b_f = 1 is left out", label="σ(0)^50"),
        WrongAnswer(_F1 ** 49, says="σ(1)^49", label="49 steps"),
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


def _step(x, h, c, W_ih, W_hh, b_ih, b_hh, *, order="ifgo", use_b_hh=True, swap=False,
          stale_h=False, h_tanh=True, g_sigmoid=False, tanh_outside=False):
    """The LSTM step with one of its typical mistakes switched on."""
    a = x @ W_ih.T + b_ih + h @ W_hh.T + (b_hh if use_b_hh else 0)
    blocks = dict(zip(order, np.split(a, 4, axis=-1), strict=True))
    g = _sig(blocks["g"]) if g_sigmoid else np.tanh(blocks["g"])
    c_new = _sig(blocks["f"]) * c + _sig(blocks["i"]) * g
    cell = c if stale_h else c_new
    h_new = _sig(blocks["o"]) * (np.tanh(cell) if h_tanh else cell)
    if tanh_outside:
        h_new = np.tanh(_sig(blocks["o"]) * cell)
    return (c_new, h_new) if swap else (h_new, c_new)


def _wrong_order(*args):
    return _step(*args, order="figo")  # f and i swapped


def _wrong_no_b_hh(*args):
    return _step(*args, use_b_hh=False)


def _wrong_swapped(*args):
    return _step(*args, swap=True)  # returns (c, h)


def _wrong_stale_h(*args):
    return _step(*args, stale_h=True)  # h from c_prev


def _wrong_no_tanh(*args):
    return _step(*args, h_tanh=False)  # h = o * c


def _reference_step():
    from lstmbook.numpy.reference import lstm_step

    return lstm_step


_STEP_ROLES = {3: "gates", 4: "gates", 5: ("gates", "bias"), 6: ("gates", "bias"),
               1: "state", 2: "state"}

_STEP_MISTAKES = [
    Mistake(lambda *a: _step(*a, stale_h=True),
            "h is computed from c_prev: h = o·tanh(c) uses the NEW cell state, so compute "
            "c = f·c_prev + i·g first, then h from it."),
    Mistake(lambda *a: _step(*a, h_tanh=False),
            "h is o·c without the tanh: the hidden state is h = o·tanh(c), the cell "
            "squashed into (−1, 1) and then gated."),
    Mistake(lambda *a: _step(*a, g_sigmoid=True),
            "Your candidate g is a sigmoid: g = tanh(a_g), in (−1, 1), so the cell can be "
            "written down as well as up; i, f and o are the sigmoids."),
    Mistake(lambda *a: _step(*a, tanh_outside=True),
            "You squashed after gating, h = tanh(o·c): gate the squashed cell instead, "
            "h = o·tanh(c)."),
]

register(
    "gates-2",
    title="Write the LSTM step",
    page="gates/index",
    kind="function",
    checker=lambda fn: compare_function(
        fn, [_step_case(0), _step_case(1)], names=("h", "c"), mistakes=_STEP_MISTAKES,
        reference=_reference_step(), roles=_STEP_ROLES,
    ),
    reference=_reference_step,
    wrong_answers=lambda: [
        WrongAnswer(_wrong_order, says="gate blocks are in the wrong order",
                    label="i and f swapped"),
        WrongAnswer(_wrong_no_b_hh, says="b_hh is missing", label="b_hh left out"),
        WrongAnswer(_wrong_swapped, says="outputs are swapped", label="(c, h) returned"),
        WrongAnswer(_wrong_stale_h, says="computed from c_prev", label="h from c_prev"),
        WrongAnswer(_wrong_no_tanh, says="without the tanh", label="h = o * c"),
        WrongAnswer(lambda *a: _step(*a, g_sigmoid=True), says="candidate g is a sigmoid",
                    label="g = σ(a_g)"),
        WrongAnswer(lambda *a: _step(*a, tanh_outside=True), says="squashed after gating",
                    label="h = tanh(o * c)"),
        WrongAnswer(lambda *args: _reference_step()(*args)[0], says="returned ndarray",
                    label="only h"),
    ],
)

# --------------------------------------------------------------------------- gates-3


def _h_at(count: int) -> float:
    """Hidden state of an ideal counter (i = f = g = o = 1) after ``count`` writes of +1."""
    return float(np.tanh(float(count)))


def _counter_h_step() -> float:
    """How far h = o·tanh(c) moves between counts 3 and 4 when c steps by exactly 1."""
    return _h_at(4) - _h_at(3)


_GATES_3_MISTAKES = [
    (_h_at(4), "That is h at the count of 4 itself, tanh(4); the question asks how far h "
               "moves between the counts 3 and 4: tanh(4) − tanh(3)."),
    (1.0, "1 is the step of c, not of h: h = o·tanh(c) flattens out for large c, so "
          "take tanh(4) − tanh(3)."),
    (_h_at(1) - _h_at(0), "That is the move from count 0 to 1, where tanh is steep: the "
                          "question asks for tanh(4) − tanh(3)."),
    (_h_at(3) - _h_at(4), "That is tanh(3) − tanh(4), negative: h grows with the count, "
                          "so take the later value minus the earlier one."),
    (float(_sig(4.0) - _sig(3.0)), "That is σ(4) − σ(3): h squashes the cell with tanh, "
                                   "h = o·tanh(c), not with σ."),
]

register(
    "gates-3",
    title="How far does h_t move when an ideal counter goes from 3 to 4?",
    page="gates/index",
    kind="number",
    checker=lambda a: compare_number(a, _counter_h_step(), rtol=1e-3,
                                     mistakes=_GATES_3_MISTAKES),
    reference=_counter_h_step,
    wrong_answers=lambda: [
        WrongAnswer(1.0, says="step of c, not of h", label="the step of c, not of h"),
        WrongAnswer(_h_at(1) - _h_at(0), says="from count 0 to 1", label="the step from 0 to 1"),
        WrongAnswer(_h_at(3) - _h_at(4), says="h grows with the count", label="3 minus 4"),
        WrongAnswer(float(_sig(4.0) - _sig(3.0)), says="σ(4) − σ(3)", label="σ for tanh"),
        WrongAnswer(_h_at(4), says="count of 4 itself", label="h_4, not the change"),
    ],
)
