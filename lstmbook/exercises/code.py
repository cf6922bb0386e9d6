"""Exercises of the Code chapter (book/code/*.ipynb): NumPy, PyTorch, GPU, speed, Keras.

Every reference answer is computed with :mod:`lstmbook` when asked for; every checker
compares with an independent computation (usually :class:`lstmbook.numpy.LSTM`) and, when
an answer is wrong, names the typical mistake of that exercise (a state not carried on, a
transposed kernel, a bias counted twice, a gate block taken from the wrong place) with the
shared detectors of :mod:`lstmbook.exercises.compare`. Torch is imported inside the
functions that need it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._core import NotAttempted, WrongAnswer, register
from .compare import (
    GATE_NAMES,
    Mistake,
    call_answer,
    compare_array,
    compare_function,
    compare_number,
    compare_outputs,
)

__all__ = ["gradient_problem", "sequence_problem", "torch_lstm_problem", "CIFG_TEMPLATE"]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


# ================================================================== page code/numpy
def sequence_problem(seed: int = 0, T: int = 6, B: int = 2, I: int = 3, H: int = 4) -> dict:
    """Weights (PyTorch layout, float64), an input (T, B, I) and an initial state (B, H)."""
    from lstmbook.numpy import LSTM

    rng = np.random.default_rng(seed)
    sd = LSTM(I, H, seed=seed).state_dict()
    return {
        "x": rng.standard_normal((T, B, I)),
        "h0": rng.standard_normal((B, H)),
        "c0": rng.standard_normal((B, H)),
        "W_ih": sd["weight_ih_l0"], "W_hh": sd["weight_hh_l0"],
        "b_ih": sd["bias_ih_l0"], "b_hh": sd["bias_hh_l0"],
    }


def _lstm_reference(p: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``output, h_T, c_T`` of :class:`lstmbook.numpy.LSTM` on a :func:`sequence_problem`."""
    from lstmbook.numpy import LSTM

    I, H = p["W_ih"].shape[1], p["W_hh"].shape[1]
    lstm = LSTM(I, H)
    lstm.load_state_dict({"weight_ih_l0": p["W_ih"], "weight_hh_l0": p["W_hh"],
                          "bias_ih_l0": p["b_ih"], "bias_hh_l0": p["b_hh"]})
    out, (h_n, c_n) = lstm(p["x"], (p["h0"][None], p["c0"][None]))
    return out, h_n[0], c_n[0]


_FORWARD_ARGS = ("x", "h0", "c0", "W_ih", "W_hh", "b_ih", "b_hh")
#: What the arguments of ``lstm_forward`` are, for the shared detectors (gate order, a
#: missing bias, an ignored or swapped initial state).
_FORWARD_ROLES = {1: "state", 2: "state", 3: "gates", 4: "gates", 5: ("gates", "bias"),
                  6: ("gates", "bias")}


def _forward_reference():
    from lstmbook.numpy.reference import lstm_step

    def lstm_forward(x, h0, c0, W_ih, W_hh, b_ih, b_hh):
        h, c, outputs = h0, c0, []
        for x_t in x:                                   # one step per time step
            h, c = lstm_step(x_t, h, c, W_ih, W_hh, b_ih, b_hh)
            outputs.append(h)
        return np.stack(outputs), (h, c)

    return lstm_forward


def _forward_variant(*, carry_h: bool = True, carry_c: bool = True, with_h0: bool = False,
                     late: bool = False):
    """``lstm_forward`` with one of the typical mistakes of numpy-1."""
    from lstmbook.numpy.reference import lstm_step

    def lstm_forward(x, h0, c0, W_ih, W_hh, b_ih, b_hh):
        h, c, outputs = h0, c0, [h0] if with_h0 else []
        for x_t in x:
            if late:
                outputs.append(h)                       # appended before the step
            h_new, c_new = lstm_step(x_t, h, c, W_ih, W_hh, b_ih, b_hh)
            h = h_new if carry_h else h0
            c = c_new if carry_c else c0
            if not late:
                outputs.append(h_new)
        return np.stack(outputs), (h_new, c_new)

    return lstm_forward


def _flat(result: Any) -> Any:
    """``output, (h_T, c_T)`` as the triple ``(output, h_T, c_T)``; anything else unchanged."""
    if (isinstance(result, tuple | list) and len(result) == 2
            and isinstance(result[1], tuple | list) and len(result[1]) == 2):
        return (result[0], *result[1])
    return result


def _flat_forward(fn):
    def lstm_forward(x, h0, c0, W_ih, W_hh, b_ih, b_hh):
        return _flat(fn(x, h0, c0, W_ih, W_hh, b_ih, b_hh))

    return lstm_forward


_FORWARD_MISTAKES = [
    Mistake(_flat_forward(_forward_variant(carry_c=False)), (
        "The cell state is not carried on: every step starts from c0. Pass both new "
        "states to the next step: h, c = lstm_step(x_t, h, c, …).")),
    Mistake(_flat_forward(_forward_variant(carry_h=False)), (
        "The hidden state is not carried on: every step starts from h0. Pass both new "
        "states to the next step: h, c = lstm_step(x_t, h, c, …).")),
    Mistake(_flat_forward(_forward_variant(with_h0=True)), (
        "Your output has T + 1 steps: it starts with h0. output holds h_1 … h_T, the "
        "hidden state after each step, as torch.nn.LSTM returns it.")),
    Mistake(_flat_forward(_forward_variant(late=True)), (
        "Your output is one step late: you appended h before lstm_step updated it, so it "
        "holds h_0 … h_{T-1}. Append the new h after the step.")),
    Mistake(lambda *a: (lambda out, h, c: (out.transpose(1, 0, 2), h, c))(
        *_flat(_forward_reference()(*a))), (
        "Your output is (B, T, H), batch first; torch.nn.LSTM's default layout, and the "
        "exercise's, is (T, B, H): stack the steps along axis 0.")),
]


def _check_forward(fn: Any) -> tuple[bool, str]:
    if not callable(fn):
        return False, f"Expected a function, got {type(fn).__name__}."
    raw: list[Any] = []

    def flat(x, h0, c0, W_ih, W_hh, b_ih, b_hh):
        raw[:] = [fn(x, h0, c0, W_ih, W_hh, b_ih, b_hh)]
        return _flat(raw[0])

    cases = []
    for seed, (T, B) in [(0, (6, 2)), (1, (5, 3))]:
        p = sequence_problem(seed, T=T, B=B)
        cases.append((tuple(p[k] for k in _FORWARD_ARGS), _lstm_reference(p)))
    ok, msg = compare_function(
        flat, cases, rtol=1e-10, names=("output", "h_T", "c_T"), mistakes=_FORWARD_MISTAKES,
        reference=_flat_forward(_forward_reference()), roles=_FORWARD_ROLES)
    if ok:
        return True, "Correct: your loop over lstm_step reproduces lstmbook.numpy.LSTM."
    if raw and raw[0] is not None and _flat(raw[0]) is raw[0]:
        return False, ("Return `output, (h_T, c_T)` as torch.nn.LSTM does: a pair whose "
                       f"second item is the pair (h_T, c_T); got {type(raw[0]).__name__}"
                       + (f" of length {len(raw[0])}" if isinstance(raw[0], tuple | list)
                          else "") + ".")
    if "elements differ" in msg and raw:
        # No named mistake: say from which time step on the output goes wrong.
        k = next(j for j, (args, _) in enumerate(cases)
                 if len(args[0]) == len(np.asarray(_flat(raw[0])[0])))
        got, want = np.asarray(_flat(raw[0])[0]), cases[k][1][0]
        ok_out, msg_out = compare_array(got, want, rtol=1e-10, time_axis=0, name="output")
        if not ok_out:
            msg = msg_out
            if "wrong from step 1" in msg:
                msg += (" Step 0 is right, so the step itself is right: check what your "
                        "loop passes on to the next step.")
    return False, msg


def _forward_wrong_answers():
    from lstmbook.numpy.reference import lstm_step

    def without_b_hh(x, h0, c0, W_ih, W_hh, b_ih, b_hh):
        return _forward_reference()(x, h0, c0, W_ih, W_hh, b_ih, np.zeros_like(b_hh))

    def c_and_h(x, h0, c0, W_ih, W_hh, b_ih, b_hh):
        out, (h, c) = _forward_reference()(x, h0, c0, W_ih, W_hh, b_ih, b_hh)
        return out, (c, h)

    def f_first(x, h0, c0, W_ih, W_hh, b_ih, b_hh):
        def swap(a):
            i, f, g, o = np.split(a, 4, axis=0)
            return np.concatenate([f, i, g, o], axis=0)

        h, c, outputs = h0, c0, []
        for x_t in x:
            h, c = lstm_step(x_t, h, c, swap(W_ih), swap(W_hh), swap(b_ih), swap(b_hh))
            outputs.append(h)
        return np.stack(outputs), (h, c)

    def batch_first(x, h0, c0, W_ih, W_hh, b_ih, b_hh):
        out, state = _forward_reference()(x, h0, c0, W_ih, W_hh, b_ih, b_hh)
        return out.transpose(1, 0, 2), state

    return [
        WrongAnswer(_forward_variant(carry_c=False), says="cell state is not carried",
                    label="cell state not carried"),
        WrongAnswer(_forward_variant(carry_h=False), says="hidden state is not carried",
                    label="hidden state not carried"),
        WrongAnswer(_forward_variant(with_h0=True), says="starts with h0",
                    label="h_0 in the output"),
        WrongAnswer(_forward_variant(late=True), says="before lstm_step updated it",
                    label="output appended before the step"),
        WrongAnswer(batch_first, says="batch first", label="(B, T, H) output"),
        WrongAnswer(without_b_hh, says="b_hh is missing", label="b_hh left out"),
        WrongAnswer(c_and_h, says="swapped", label="(c_T, h_T) returned"),
        WrongAnswer(f_first, says="as f, i, g, o", label="gate blocks read f, i, g, o"),
    ]


register(
    "numpy-1",
    title="An LSTM over time from the readable step",
    page="code/numpy",
    kind="function",
    checker=_check_forward,
    reference=_forward_reference,
    wrong_answers=_forward_wrong_answers,
)


def _gate_major_reference():
    def to_gate_major(a):
        B, four_h = a.shape
        return a.reshape(B, 4, four_h // 4).transpose(1, 0, 2)

    return to_gate_major


def _rows_cut(a):
    return a.reshape(4, a.shape[0], a.shape[1] // 4)


def _not_swapped(a):
    return a.reshape(a.shape[0], 4, a.shape[1] // 4)


def _blocks_transposed(a):
    return a.T.reshape(4, a.shape[1] // 4, a.shape[0])


def _interleaved(a):
    return a.reshape(a.shape[0], a.shape[1] // 4, 4).transpose(2, 0, 1)


_GATE_MAJOR_MISTAKES = [
    Mistake(_rows_cut, (
        "You reshaped (B, 4H) straight to (4, B, H): that cuts the rows apart instead of "
        "the gate columns. Reshape to (B, 4, H) first, then swap the first two axes.")),
    Mistake(_not_swapped, (
        "Your result is (B, 4, H): the columns are split into the four gates, but the "
        "gate axis is still second. transpose(1, 0, 2) brings it to the front.")),
    Mistake(_blocks_transposed, (
        "Each of your blocks is (H, B), gate k's matrix transposed: you reshaped a.T. "
        "Keep a's rows as the batch: a.reshape(B, 4, H).transpose(1, 0, 2).")),
    Mistake(_interleaved, (
        "You reshaped to (B, H, 4): gate k then gets every fourth column (k, k + 4, …), "
        "but each gate is a contiguous block of H columns. Reshape to (B, 4, H).")),
]


def _check_gate_major(fn: Any) -> tuple[bool, str]:
    from lstmbook.numpy.functional import gate_major

    rng = np.random.default_rng(7)
    cases = []
    for B, H in [(3, 5), (2, 6)]:
        a = rng.standard_normal((B, 4 * H))
        cases.append(((a,), gate_major(a)))
    ok, msg = compare_function(fn, cases, names=None, mistakes=_GATE_MAJOR_MISTAKES,
                               gate_axis=0)
    if ok:
        return True, ("Correct: the same (4, B, H) block as "
                      "lstmbook.numpy.functional.gate_major.")
    return False, msg


register(
    "numpy-2",
    title="The gate-major layout by hand",
    page="code/numpy",
    kind="function",
    checker=_check_gate_major,
    reference=_gate_major_reference,
    wrong_answers=lambda: [
        WrongAnswer(_rows_cut, says="cuts the rows apart", label="reshape without swapping"),
        WrongAnswer(_not_swapped, says="gate axis is still second",
                    label="(B, 4, H), axes not swapped"),
        WrongAnswer(_blocks_transposed, says="matrix transposed", label="(4, H, B)"),
        WrongAnswer(_interleaved, says="every fourth column", label="reshape to (B, H, 4)"),
    ],
)


def gradient_problem(seed: int = 3) -> tuple[Any, np.ndarray, np.ndarray]:
    """``lstm, x, w``: a float64 :class:`lstmbook.numpy.LSTM` (I=3, H=4), an input
    (T=5, B=2, I) and the weights ``w`` of the loss ``L = sum(output * w)``."""
    from lstmbook.numpy import LSTM

    rng = np.random.default_rng(seed)
    lstm = LSTM(3, 4, seed=seed)
    return lstm, rng.standard_normal((5, 2, 3)), rng.standard_normal((5, 2, 4))


#: The weight of numpy-3: the first entry of the forget gate's block of W_hh (H = 4).
_GRAD_ENTRY = ("weight_hh_l0", (4, 0))


def _analytic_gradient() -> float:
    lstm, x, w = gradient_problem()
    lstm(x)
    lstm.backward(w)
    name, idx = _GRAD_ENTRY
    return float(lstm.grads[name][idx])


def _central_difference(eps: float = 1e-5, *, halve: bool = True, sign: float = 1.0,
                        restore: bool = True, one_sided: bool = False) -> float:
    lstm, x, w = gradient_problem()
    name, idx = _GRAD_ENTRY
    weight = lstm.params[name]
    loss = {}
    for s in (+1, 0) if one_sided else (+1, -1):
        weight[idx] += s * eps
        loss[s] = float((lstm(x)[0] * w).sum())
        if restore:
            weight[idx] -= s * eps
    if one_sided:
        return (loss[+1] - loss[0]) / eps
    return sign * (loss[+1] - loss[-1]) / ((2 if halve else 1) * eps)


def _gradient_mistakes() -> list[tuple[float, str]]:
    return [
        (_central_difference(halve=False),
         "That is (L(w + ε) − L(w − ε)) / ε, twice the gradient: the two points are 2ε apart, "
         "so divide by 2ε."),
        (_central_difference(sign=-1.0),
         "That is (L(w − ε) − L(w + ε)) / 2ε: the gradient with its sign flipped. Subtract the "
         "loss at w − ε from the loss at w + ε."),
        (_central_difference(restore=False),
         "That is about half the gradient: the weight was not put back after the + ε step, so "
         "the − ε step landed on w itself, not on w − ε. Undo each change before the next."),
        (_central_difference(one_sided=True),
         "That is the one-sided difference (L(w + ε) − L(w)) / ε, whose error is of order ε; "
         "the central difference (L(w + ε) − L(w − ε)) / 2ε is accurate to order ε²."),
    ]

register(
    "numpy-3",
    title="One weight's gradient by central differences",
    page="code/numpy",
    kind="number",
    checker=lambda a: compare_number(a, _analytic_gradient(), rtol=1e-6,
                                     mistakes=_gradient_mistakes()),
    reference=_central_difference,
    wrong_answers=lambda: [
        WrongAnswer(_central_difference(halve=False), says="divide by 2ε",
                    label="forgot the 2"),
        WrongAnswer(_central_difference(sign=-1.0), says="sign flipped",
                    label="L(w-ε) - L(w+ε)"),
        WrongAnswer(_central_difference(restore=False), says="not put back",
                    label="weight not restored"),
        WrongAnswer(_central_difference(one_sided=True), says="one-sided",
                    label="forward difference"),
    ],
)


# ================================================================ page code/pytorch
def torch_lstm_problem(num_layers: int = 2, seed: int = 4):
    """A ``torch.nn.LSTM`` (I=3, H=4, float64) with the weights of ``lstmbook.numpy.LSTM``."""
    from lstmbook.numpy import LSTM
    from lstmbook.torch import numpy_lstm_to_torch

    return numpy_lstm_to_torch(LSTM(3, 4, num_layers=num_layers, seed=seed))


def _forget_bias_reference():
    import torch

    def set_forget_bias(lstm, value):
        H = lstm.hidden_size
        with torch.no_grad():
            for k in range(lstm.num_layers):
                getattr(lstm, f"bias_ih_l{k}")[H:2 * H] = value   # block 1 of i, f, g, o
                getattr(lstm, f"bias_hh_l{k}")[H:2 * H] = 0.0     # only the sum counts

    return set_forget_bias


def _biases(lstm) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(getattr(lstm, f"bias_ih_l{k}").detach().numpy().copy(),
             getattr(lstm, f"bias_hh_l{k}").detach().numpy().copy())
            for k in range(lstm.num_layers)]


def _check_forget_bias(fn: Any) -> tuple[bool, str]:
    # The function changes the module in place and legitimately returns None, so it is
    # called directly, not through call_answer (whose None check would refuse it).
    if not callable(fn):
        return False, f"Expected a function, got {type(fn).__name__}."
    value = 1.0
    lstm = torch_lstm_problem()
    before = _biases(lstm)
    try:
        returned = fn(lstm, value)
    except RuntimeError as err:
        if "leaf" not in str(err):
            raise
        return False, ("Autograd refused the change: the biases are leaf tensors that "
                       "require gradients. Change them inside `with torch.no_grad():`.")
    if returned is NotImplemented:
        raise NotAttempted
    after = _biases(lstm)
    H = lstm.hidden_size
    if all(np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
           for a, b in zip(after, before, strict=True)):
        if returned is not None and hasattr(returned, "bias_ih_l0"):
            return False, ("Your function returned a changed module but left lstm as it "
                           "was: change lstm's own biases in place (under torch.no_grad()).")
        return False, ("The biases of lstm are unchanged: set them in place, e.g. "
                       "lstm.bias_ih_l0[H:2 * H] = value under torch.no_grad().")
    for k, ((ih, hh), (ih0, hh0)) in enumerate(zip(after, before, strict=True)):
        total, old = ih + hh, ih0 + hh0
        want = old.copy()
        want[H:2 * H] = value
        if np.allclose(total, want):
            continue
        if np.allclose(total, old):
            return False, (f"Layer {k} is unchanged: set the forget bias of every layer, "
                           f"range(lstm.num_layers) (bias_ih_l{k} and bias_hh_l{k} too).")
        f_block, rows = total[H:2 * H], slice(H, 2 * H)
        if np.allclose(f_block, 2 * value):
            return False, ("The forget gate's total bias is twice the value: you set both "
                           "bias_ih and bias_hh. Only their sum enters the gate; set one and "
                           "zero the other.")
        if np.allclose(f_block, value + hh0[rows]) or np.allclose(f_block, value + ih0[rows]):
            return False, ("You set one bias's forget block, but the other one still adds "
                           "its own old value: the gate sees bias_ih + bias_hh. Set it to 0.")
        if np.allclose(f_block, old[rows] + value):
            return False, ("You added the value to the old forget bias (+=); set the block "
                           "to it (=), with the other bias's block at 0.")
        if np.allclose(f_block, old[rows]):
            for j, gate in enumerate(GATE_NAMES):
                if np.allclose(total[j * H:(j + 1) * H], value):
                    return False, (f"You set block {j} (gate {gate}); in PyTorch's order "
                                   "i, f, g, o the forget gate is the second block, "
                                   "rows H:2H.")
        return False, (f"Layer {k}: the forget-gate block of bias_ih + bias_hh is "
                       f"{np.round(f_block, 3)}; expected {value:g} everywhere, the other "
                       "gates unchanged.")
    return True, "Correct: every layer's forget gate now starts with total bias 1."


def _set_forget_bias_wrong(*, ih: float | None = 1.0, hh: float | None = 0.0, rows=(1,),
                           layers: int | None = None, add: bool = False):
    """``set_forget_bias`` with a typical mistake: ``ih``/``hh`` are the values written into
    the chosen gate blocks of each bias (``None``: left alone)."""
    import torch

    def set_forget_bias(lstm, value):
        H = lstm.hidden_size
        with torch.no_grad():
            for k in range(layers or lstm.num_layers):
                for name, v in (("ih", ih), ("hh", hh)):
                    if v is None:
                        continue
                    for j in rows:
                        block = getattr(lstm, f"bias_{name}_l{k}")[j * H:(j + 1) * H]
                        if add:
                            block += v * value
                        else:
                            block[:] = v * value

    return set_forget_bias


def _no_grad_forgotten(lstm, value):
    H = lstm.hidden_size
    for k in range(lstm.num_layers):
        getattr(lstm, f"bias_ih_l{k}")[H:2 * H] = value
        getattr(lstm, f"bias_hh_l{k}")[H:2 * H] = 0.0


def _forget_bias_wrong_answers():
    return [
        WrongAnswer(_set_forget_bias_wrong(hh=1.0), says="twice the value",
                    label="both biases set"),
        WrongAnswer(_set_forget_bias_wrong(rows=(0,)), says="second block",
                    label="block 0 (the input gate)"),
        WrongAnswer(_set_forget_bias_wrong(layers=1), says="every layer",
                    label="first layer only"),
        WrongAnswer(_set_forget_bias_wrong(hh=None), says="still adds its own old value",
                    label="bias_hh left alone"),
        WrongAnswer(_set_forget_bias_wrong(hh=None, add=True), says="(+=)",
                    label="value added"),
        WrongAnswer(_no_grad_forgotten, says="leaf tensors", label="no torch.no_grad()"),
    ]


register(
    "pytorch-1",
    title="Set torch.nn.LSTM's forget-gate bias",
    page="code/pytorch",
    kind="function",
    checker=_check_forget_bias,
    reference=_forget_bias_reference,
    wrong_answers=_forget_bias_wrong_answers,
)


def _autograd_grad(reduce: str = "sum", name: str = "weight_hh_l0", transpose: bool = False,
                   weighted: bool = True, backwards: int = 1):
    import torch

    from lstmbook.torch import numpy_lstm_to_torch

    lstm, x, w = gradient_problem()
    module = numpy_lstm_to_torch(lstm)
    for _ in range(backwards):
        out, _ = module(torch.from_numpy(x))
        loss = out * torch.from_numpy(w) if weighted else out
        (loss.sum() if reduce == "sum" else loss.mean()).backward()
    g = getattr(module, name).grad.numpy()
    return g.T if transpose else g


def _hand_written_grad() -> np.ndarray:
    lstm, x, w = gradient_problem()
    lstm(x)
    lstm.backward(w)
    return lstm.grads["weight_hh_l0"]


def _autograd_mistakes() -> list[tuple[np.ndarray, str]]:
    return [
        (_autograd_grad(transpose=True),
         "That is the gradient transposed, (H, 4H): a gradient has its weight's own shape, "
         "(4H, H) for weight_hh_l0. Take module.weight_hh_l0.grad as it is."),
        (_autograd_grad(reduce="mean"),
         "That is the gradient of the mean of output * w, smaller by the T·B·H = 40 terms "
         "averaged: L is their sum, (out * w).sum()."),
        (_autograd_grad(name="weight_ih_l0"),
         "That is the gradient of weight_ih_l0 (4H, I), the input weights; the exercise asks "
         "for the recurrent weights weight_hh_l0 (4H, H)."),
        (_autograd_grad(weighted=False),
         "That is the gradient of out.sum(): the loss weights w are left out. "
         "L = (out * w).sum()."),
        (_autograd_grad(backwards=2),
         "That is twice the gradient: backward() ran twice and .grad accumulates. Zero it "
         "(module.zero_grad()) or copy the LSTM afresh before the backward pass."),
    ]


register(
    "pytorch-2",
    title="The gradient of W_hh by autograd",
    page="code/pytorch",
    kind="array",
    checker=lambda a: compare_array(a, _hand_written_grad(), rtol=1e-9, name="your gradient",
                                    mistakes=_autograd_mistakes()),
    reference=_autograd_grad,
    wrong_answers=lambda: [
        WrongAnswer(_autograd_grad(transpose=True), says="transposed", label="transposed"),
        WrongAnswer(_autograd_grad(reduce="mean"), says="mean", label=".mean() not .sum()"),
        WrongAnswer(_autograd_grad(name="weight_ih_l0"), says="input weights",
                    label="weight_ih"),
        WrongAnswer(_autograd_grad(weighted=False), says="loss weights w are left out",
                    label="no w in the loss"),
        WrongAnswer(_autograd_grad(backwards=2), says="accumulates", label="backward twice"),
    ],
)


def _concat_forget_reference() -> np.ndarray:
    from lstmbook.notation import torch_to_concat

    return torch_to_concat(torch_lstm_problem(num_layers=1).state_dict())["W_f"]


def _concat_candidates() -> list[tuple[np.ndarray, str]]:
    sd = {k: v.detach().numpy() for k, v in torch_lstm_problem(num_layers=1).state_dict().items()}
    H = 4
    w_ih, w_hh = sd["weight_ih_l0"], sd["weight_hh_l0"]
    out = [(np.concatenate([w_ih[H:2 * H], w_hh[H:2 * H]], axis=1),
            "Your columns are in the order [x, h]; the notation is W_f · [h_{t-1}, x_t], "
            "hidden state first."),
           (_concat_forget_reference().T,
            "Your W_f is (H + I, H), the matrix transposed: W_f has one row per unit of the "
            "gate, (H, H + I), as the rows of weight_hh_l0 and weight_ih_l0 are.")]
    for j, gate in enumerate(GATE_NAMES):
        if gate != "f":
            rows = slice(j * H, (j + 1) * H)
            out.append((np.concatenate([w_hh[rows], w_ih[rows]], axis=1),
                        f"These are the rows of gate {gate} (block {j}); in PyTorch's order "
                        "i, f, g, o the forget gate is the second block, rows H:2H."))
    return out


register(
    "pytorch-3",
    title="The forget gate's W_f · [h, x] from torch.nn.LSTM",
    page="code/pytorch",
    kind="array",
    checker=lambda a: compare_array(a, _concat_forget_reference(), rtol=1e-12,
                                    name="your W_f", mistakes=_concat_candidates()),
    reference=_concat_forget_reference,
    wrong_answers=lambda: [
        WrongAnswer(_concat_candidates()[0][0], says="[x, h]", label="[x, h] order"),
        WrongAnswer(_concat_candidates()[2][0], says="gate i", label="first block"),
        WrongAnswer(_concat_forget_reference().T, says="one row per unit",
                    label="transposed"),
    ],
)


# ==================================================================== page code/gpu
class _RecordingXP:
    """Stands in for the array module and records which of its functions were called."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __deepcopy__(self, memo: dict) -> _RecordingXP:
        return self  # call_answer copies the arguments: keep recording into this one

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        target = getattr(np, name)
        if not callable(target):
            return target

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return target(*args, **kwargs)

        return call


def _xp_step_reference():
    def step_forward(gates, c_prev, xp):
        i = 1 / (1 + xp.exp(-gates[0]))
        f = 1 / (1 + xp.exp(-gates[1]))
        g = xp.tanh(gates[2])
        o = 1 / (1 + xp.exp(-gates[3]))
        c = f * c_prev + i * g
        return c, o * xp.tanh(c)

    return step_forward


def _gpu_step_case(seed: int = 11) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((4, 3, 5)), rng.standard_normal((3, 5))


def _library_step(gates: np.ndarray, c_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from lstmbook.numpy import functional as lf

    g = np.array(gates, dtype=np.float64, order="C", copy=True)
    c, tanh_c, h = (np.empty_like(c_prev) for _ in range(3))
    lf.lstm_step_forward_(g, c_prev, c, tanh_c, h)
    return c, h


def _xp_step_variant(*, g_sigmoid: bool = False, h_from_prev: bool = False):
    def step_forward(gates, c_prev, xp):
        i, f, o = (1 / (1 + xp.exp(-gates[k])) for k in (0, 1, 3))
        g = 1 / (1 + xp.exp(-gates[2])) if g_sigmoid else xp.tanh(gates[2])
        c = f * c_prev + i * g
        return c, o * xp.tanh(c_prev if h_from_prev else c)

    return step_forward


_XP_STEP_MISTAKES = [
    Mistake(lambda gates, c_prev, xp: _xp_step_variant(g_sigmoid=True)(gates, c_prev, np), (
        "The candidate went through the sigmoid: g = tanh(a_g), in (-1, 1), so that a step "
        "can also lower the cell.")),
    Mistake(lambda gates, c_prev, xp: _xp_step_variant(h_from_prev=True)(gates, c_prev, np), (
        "Your h uses c_prev: h = o · tanh(c), with c the cell just computed in this step.")),
]


def _check_xp_step(fn: Any) -> tuple[bool, str]:
    gates, c_prev = _gpu_step_case()
    xp = _RecordingXP()
    ok, msg = compare_function(
        fn, [((gates, c_prev, xp), _library_step(gates, c_prev))], rtol=1e-10,
        names=("c", "h"), mistakes=_XP_STEP_MISTAKES,
        reference=lambda gates, c_prev, xp: _xp_step_reference()(gates, c_prev, np),
        roles={0: "gates", 1: "state"})
    if not ok:
        return False, msg
    if not {"exp", "tanh"} & set(xp.calls):
        return False, ("Right numbers, but no exp or tanh went through xp: your function "
                       "calls NumPy directly (np.…), which on a GPU would fail on CuPy "
                       "arrays. Write xp.exp and xp.tanh.")
    return True, (f"Correct, and portable: {len(xp.calls)} calls went through xp "
                  f"({', '.join(sorted(set(xp.calls)))}).")


def _xp_step_wrong_answers():
    def numpy_only(gates, c_prev, xp):
        i, f, g, o = _sigmoid(gates[0]), _sigmoid(gates[1]), np.tanh(gates[2]), \
            _sigmoid(gates[3])
        c = f * c_prev + i * g
        return c, o * np.tanh(c)

    def swapped(gates, c_prev, xp):
        return _xp_step_reference()(gates[[1, 0, 2, 3]], c_prev, xp)

    def h_and_c(gates, c_prev, xp):
        c, h = _xp_step_reference()(gates, c_prev, xp)
        return h, c

    def no_c_prev(gates, c_prev, xp):
        return _xp_step_reference()(gates, 0 * c_prev, xp)

    return [
        WrongAnswer(numpy_only, says="calls numpy directly", label="calls np directly"),
        WrongAnswer(swapped, says="as f, i, g, o", label="i and f swapped"),
        WrongAnswer(_xp_step_variant(g_sigmoid=True), says="candidate went through the sigmoid",
                    label="sigmoid on g"),
        WrongAnswer(_xp_step_variant(h_from_prev=True), says="h uses c_prev",
                    label="h from c_prev"),
        WrongAnswer(h_and_c, says="swapped", label="(h, c) returned"),
        WrongAnswer(no_c_prev, says="c_prev is ignored", label="the old cell left out"),
    ]


register(
    "gpu-1",
    title="The elementwise step, written for any array module",
    page="code/gpu",
    kind="function",
    checker=_check_xp_step,
    reference=_xp_step_reference,
    wrong_answers=_xp_step_wrong_answers,
)


def _fused_bytes(B: int = 64, H: int = 256, itemsize: int = 4, *, gate_writes: bool = True,
                 gate_reads: bool = True, gate_size: int = 4) -> float:
    """Bytes the fused forward kernel reads and writes in one step, from its spec."""
    from lstmbook.cupy import kernels

    spec = kernels.FORWARD
    arrays = len(spec.reads) + len(spec.writes)
    arrays += gate_size * gate_reads * (spec.gate_reads is not None) + gate_size * gate_writes
    return float(arrays * B * H * itemsize)


def _bytes_mistakes() -> list[tuple[float, str]]:
    return [
        (_fused_bytes(itemsize=8),
         "You counted 8 bytes per number, float64's; the kernel runs in float32, 4 bytes each."),
        (_fused_bytes(gate_writes=False),
         "You counted the gate buffer once; each thread reads its four pre-activations "
         "and writes the four gate values back (kept for the backward pass)."),
        (_fused_bytes(gate_size=1),
         "You counted each gate buffer as one array; it holds four state-sized arrays "
         "(i, f, g, o), each B·H numbers."),
        (_fused_bytes(itemsize=1),
         "That is how many float32 numbers move, not bytes: each number is 4 bytes."),
    ]

register(
    "gpu-2",
    title="Memory traffic of the fused forward kernel",
    page="code/gpu",
    kind="number",
    checker=lambda a: compare_number(a, _fused_bytes(), mistakes=_bytes_mistakes()),
    reference=_fused_bytes,
    wrong_answers=lambda: [
        WrongAnswer(_fused_bytes(itemsize=8), says="float64's", label="float64 bytes"),
        WrongAnswer(_fused_bytes(gate_writes=False), says="counted the gate buffer once",
                    label="gate buffer counted once"),
        WrongAnswer(_fused_bytes(gate_size=1), says="as one array",
                    label="a gate buffer as one array"),
        WrongAnswer(_fused_bytes(itemsize=1), says="not bytes", label="numbers, not bytes"),
    ],
)

#: The kernel spec of gpu-3 without its formulas: reads ``c_prev`` and the four
#: pre-activations ``a_i, a_f, a_g, a_o``; must define ``i, f, g, o, c, tanh_c, h``.
CIFG_TEMPLATE = dict(
    name="cifg_step_forward",
    reads=("c_prev",),
    gate_reads=("gates", ("a_i", "a_f", "a_g", "a_o")),
    writes=(("c", "c"), ("tanh_c", "tanh_c"), ("h", "h")),
    gate_writes=("gates", ("i", "f", "g", "o")),
)


def _cifg_reference() -> tuple[tuple[str, str], ...]:
    from lstmbook.cupy import kernels

    standard = dict(kernels.FORWARD_MATHS)
    standard["i"] = "1 - f"                      # the coupled input gate
    order = ("f", "i", "g", "o", "c", "tanh_c", "h")   # f first: i uses it
    return tuple((name, standard[name]) for name in order)


def _run_formulas(maths: Any, gates: np.ndarray, c_prev: np.ndarray):
    from lstmbook.cupy import kernels

    spec = kernels.StepKernel(maths=tuple(tuple(m) for m in maths), **CIFG_TEMPLATE)
    g = gates.copy()
    c, tanh_c, h = (np.empty_like(c_prev) for _ in range(3))
    kernels.evaluate_step_(spec, {"gates": g, "c_prev": c_prev, "c": c, "tanh_c": tanh_c,
                                 "h": h})
    return c, h


def _cifg_variant(i: str = "1 - f", f: str = "sigmoid(a_f)") -> tuple[tuple[str, str], ...]:
    """The CIFG table with other formulas for i and f, in an order that defines them."""
    first, second = (("i", i), ("f", f)) if "i" in f.replace("sigmoid", "") else (
        ("f", f), ("i", i))
    return (first, second, ("g", "tanh(a_g)"), ("o", "sigmoid(a_o)"),
            ("c", "f * c_prev + i * g"), ("tanh_c", "tanh(c)"), ("h", "o * tanh_c"))


def _cifg_mistakes(gates: np.ndarray, c_prev: np.ndarray) -> list[tuple[Any, str]]:
    from lstmbook.cupy import kernels

    return [
        (_run_formulas(kernels.FORWARD_MATHS, gates, c_prev),
         "That is the standard LSTM: i still comes from its own block a_i. In the CIFG the "
         "input gate is coupled to the forget gate, i = 1 - f."),
        (_run_formulas(_cifg_variant(i="sigmoid(a_i)", f="1 - i"), gates, c_prev),
         "You coupled the forget gate to the input gate (f = 1 - i); the library's CIFG "
         "keeps f = sigmoid(a_f) and sets i = 1 - f."),
        (_run_formulas(_cifg_variant(i="1 - a_f"), gates, c_prev),
         "i = 1 - a_f uses the forget gate's pre-activation; couple it to the gate itself, "
         "i = 1 - f with f = sigmoid(a_f)."),
    ]


def _check_cifg(maths: Any) -> tuple[bool, str]:
    from lstmbook.numpy.variants import cifg_lstm_step

    if not isinstance(maths, tuple | list) or not all(
        isinstance(m, tuple | list) and len(m) == 2 for m in maths
    ):
        return False, "Give the formulas as a tuple of (name, formula) pairs, like FORWARD_MATHS."
    gates, c_prev = _gpu_step_case(12)
    try:
        c, h = _run_formulas(maths, gates, c_prev)
    except ValueError as err:
        later = [str(m[0]) for m in maths if f"'{m[0]}'" in str(err)]
        if "undefined" in str(err) and later:
            return False, (f"The kernel spec refuses your formulas: {err}. The table is "
                           f"computed top to bottom: define {later[0]} before the formula "
                           "that uses it.")
        if "is not allowed" in str(err):
            formula = str(err).split(":")[0]
            return False, (f"The kernel's formula language refuses {formula}: it has names, "
                           "numbers, + - * and the functions tanh and sigmoid (no division, "
                           "no exp), so that every formula compiles for C and CUDA alike. "
                           "Write σ(a) as sigmoid(a).")
        return False, f"The kernel spec refuses your formulas: {err}"
    a = np.concatenate([gates[1], gates[2], gates[3]], axis=1)   # CIFG's (B, 3H): f, g, o
    _, want_c, want_h = cifg_lstm_step(a, c_prev)
    ok, msg = compare_outputs((c, h), (want_c, want_h), names=("c", "h"), rtol=1e-10,
                              mistakes=_cifg_mistakes(gates, c_prev))
    if ok:
        return True, "Correct: your formulas compute the CIFG step of lstmbook.numpy.variants."
    return False, msg


def _cifg_wrong_answers():
    from lstmbook.cupy import kernels

    return [
        WrongAnswer(kernels.FORWARD_MATHS, says="standard LSTM", label="unchanged formulas"),
        WrongAnswer(_cifg_variant(i="sigmoid(a_i)", f="1 - i"), says="f = 1 - i",
                    label="forget coupled to input"),
        WrongAnswer((("i", "1 - f"),) + kernels.FORWARD_MATHS[1:], says="top to bottom",
                    label="i uses f before f is defined"),
        WrongAnswer(_cifg_variant(i="1 - a_f"), says="pre-activation", label="i = 1 - a_f"),
        WrongAnswer(_cifg_variant(f="1 / (1 + exp(-a_f))"), says="no division",
                    label="σ written with exp and a division"),
    ]


register(
    "gpu-3",
    title="A fused kernel for the CIFG variant, as a formula table",
    page="code/gpu",
    kind="function",
    checker=_check_cifg,
    reference=_cifg_reference,
    wrong_answers=_cifg_wrong_answers,
)


# ================================================================== page code/speed
_SPEED_SIZE = dict(I=32, H=128, B=32)


def _step_flops(gates: int = 4, factor: int = 2, with_input: bool = True, **size: int) -> float:
    s = {**_SPEED_SIZE, **size}
    return float(factor * gates * s["H"] * ((s["I"] if with_input else 0) + s["H"]) * s["B"])


def _flops_reference() -> int:
    from lstmbook.numpy.variants import flops_per_step

    s = _SPEED_SIZE
    return flops_per_step("lstm", s["I"], s["H"], s["B"])


def _flops_mistakes() -> list[tuple[float, str]]:
    return [
        (_step_flops(factor=1),
         "That counts one operation per weight used; each use is a multiply and an add, "
         "2 FLOPs."),
        (_step_flops(gates=1),
         "That is one gate's products; W_ih and W_hh stack all four gates, 4H rows."),
        (_step_flops(with_input=False),
         "You counted only the recurrent product h W_hh^T; the input product x W_ih^T is "
         "part of every step too."),
        (_step_flops(B=1),
         "That is the count for a single sequence; the batch has B = 32 rows, each multiplied "
         "by the same weights."),
    ]

register(
    "speed-1",
    title="FLOPs of one time step",
    page="code/speed",
    kind="number",
    checker=lambda a: compare_number(a, _flops_reference(), mistakes=_flops_mistakes()),
    reference=_flops_reference,
    wrong_answers=lambda: [
        WrongAnswer(_step_flops(factor=1), says="one operation per weight",
                    label="no multiply-add factor 2"),
        WrongAnswer(_step_flops(gates=1), says="one gate's", label="one gate instead of four"),
        WrongAnswer(_step_flops(with_input=False), says="input product", label="no W_ih"),
        WrongAnswer(_step_flops(B=1), says="single sequence", label="batch left out"),
    ],
)


def _flops_ratio(with_input: bool = True) -> float:
    from lstmbook.numpy.variants import flops_per_step

    if not with_input:
        return (512 / 256) ** 2
    s = _SPEED_SIZE
    return flops_per_step("lstm", s["I"], 512, s["B"]) / flops_per_step("lstm", s["I"], 256,
                                                                          s["B"])


def _ratio_mistakes() -> list[tuple[float, str]]:
    return [
        (_flops_ratio(with_input=False),
         "4 = 2² counts only the recurrent product, 4H·H per row; the input product 4H·I "
         "(I = 32) only doubles, so the factor is below 4: flops ∝ H (I + H)."),
        (2.0,
         "2 treats all the work as proportional to H; the recurrent product 4H·H quadruples "
         "when H doubles: flops ∝ H (I + H)."),
        (1 / _flops_ratio(),
         "That is the 256 count over the 512 count, the factor the FLOPs shrink by going back; "
         "divide the count at H = 512 by the one at H = 256."),
    ]



def _check_ratio(answer: Any) -> tuple[bool, str]:
    return compare_number(answer, _flops_ratio(), rtol=1e-3, mistakes=_ratio_mistakes())


register(
    "speed-2",
    title="How much more arithmetic from H = 256 to H = 512",
    page="code/speed",
    kind="number",
    checker=_check_ratio,
    reference=_flops_ratio,
    wrong_answers=lambda: [
        WrongAnswer(4.0, says="counts only the recurrent product", label="pure H²"),
        WrongAnswer(2.0, says="proportional to h", label="linear in H"),
        WrongAnswer(1 / _flops_ratio(), says="shrink", label="ratio upside down"),
    ],
)


def _power_law_case(seed: int) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Lengths, times following a power law with noise, a new length and its prediction."""
    from lstmbook import bench

    rng = np.random.default_rng(seed)
    lengths = np.array([10, 30, 100, 200])
    p = 0.7 + 0.3 * rng.random()
    seconds = 1e-4 * lengths**p * np.exp(0.05 * rng.standard_normal(lengths.size))
    rows = [bench.Row((int(T), 32, 32, 128), "x", t, t, 0.0, 0.0, 0.0)
            for T, t in zip(lengths, seconds, strict=True)]
    slope = bench.fit_exponent(rows, "x", axis=0)
    intercept = float(np.mean(np.log(seconds) - slope * np.log(lengths)))
    T_new = 400.0
    return lengths, seconds, T_new, float(np.exp(intercept) * T_new**slope)


def _predict_reference():
    def predict_time(lengths, seconds, T_new):
        slope, intercept = np.polyfit(np.log(lengths), np.log(seconds), 1)
        return float(np.exp(intercept) * T_new**slope)

    return predict_time


def _proportional(T, t, T_new):
    return float(t[-1] * T_new / T[-1])


def _linear_axes(T, t, T_new):
    return float(np.polyval(np.polyfit(T, t, 1), T_new))


def _slope_second(T, t, T_new):
    log_a, p = np.polyfit(np.log(T), np.log(t), 1)
    return float(np.exp(log_a) * T_new**p)


def _mixed_bases(T, t, T_new):
    p, log10_a = np.polyfit(np.log10(T), np.log10(t), 1)
    return float(np.exp(log10_a) * T_new**p)


def _log_time(T, t, T_new):
    p, log_a = np.polyfit(np.log(T), np.log(t), 1)
    return float(log_a + p * np.log(T_new))


_PREDICT_MISTAKES = [
    (_proportional, "You scaled the last time in proportion to T, i.e. assumed the exponent "
                    "is 1; fit it instead: a straight line on log-log axes."),
    (_linear_axes, "You fitted a straight line on linear axes; a power law t = a·T^p is a "
                   "straight line on log-log axes."),
    (_slope_second, "np.polyfit returns the slope first: p, log_a = np.polyfit(log T, "
                    "log t, 1)."),
    (_mixed_bases, "You took log10 but undid it with exp: use the same base both ways "
                   "(np.log with np.exp, or np.log10 with 10**)."),
    (_log_time, "That is log t on the fitted line: exponentiate it, t = exp(log_a)·T^p."),
]


def _check_predict(fn: Any) -> tuple[bool, str]:
    for seed in (0, 1, 2):
        lengths, seconds, T_new, want = _power_law_case(seed)
        got = call_answer(fn, lengths, seconds, T_new)
        mistakes = [(m(lengths, seconds, T_new), text) for m, text in _PREDICT_MISTAKES]
        ok, msg = compare_number(got, want, rtol=1e-6, mistakes=mistakes)
        if not ok:
            return False, f"Case {seed + 1}: {msg}"
    return True, "Correct: a power law fitted on log-log axes, extrapolated to T_new."


register(
    "speed-3",
    title="Predict the time of a longer sequence from the measured ones",
    page="code/speed",
    kind="function",
    checker=_check_predict,
    reference=_predict_reference,
    wrong_answers=lambda: [
        WrongAnswer(_proportional, says="exponent is 1", label="proportional to T"),
        WrongAnswer(_linear_axes, says="linear axes", label="straight-line fit of t against T"),
        WrongAnswer(_slope_second, says="slope first", label="polyfit's outputs swapped"),
        WrongAnswer(_mixed_bases, says="same base", label="log10 undone by exp"),
        WrongAnswer(_log_time, says="exponentiate", label="returned log t"),
    ],
)


# ================================================================== page code/keras
def _torch_state_dict(seed: int = 5, I: int = 3, H: int = 4) -> dict[str, np.ndarray]:
    from lstmbook.numpy import LSTM

    return LSTM(I, H, seed=seed).state_dict()


def _to_keras_reference():
    def torch_to_keras_by_hand(sd):
        return (sd["weight_ih_l0"].T, sd["weight_hh_l0"].T,
                sd["bias_ih_l0"] + sd["bias_hh_l0"])

    return torch_to_keras_by_hand


def _to_keras_variant(*, kernel_t: bool = True, recurrent_t: bool = True,
                      bias: str = "sum", order: str = "ifgo"):
    """``torch_to_keras_by_hand`` with one of the typical mistakes of keras-1."""
    from lstmbook.notation import reorder_gates

    def torch_to_keras_by_hand(sd):
        w_ih, w_hh = sd["weight_ih_l0"], sd["weight_hh_l0"]
        b = {"sum": sd["bias_ih_l0"] + sd["bias_hh_l0"], "ih": sd["bias_ih_l0"],
             "hh": sd["bias_hh_l0"],
             "both": np.concatenate([sd["bias_ih_l0"], sd["bias_hh_l0"]])}[bias]
        kernel = w_ih.T if kernel_t else w_ih
        recurrent = w_hh.T if recurrent_t else w_hh
        if order == "ifgo":
            return kernel, recurrent, b
        return (reorder_gates(kernel, "ifgo", order, axis=-1),
                reorder_gates(recurrent, "ifgo", order, axis=-1),
                reorder_gates(b, "ifgo", order))

    return torch_to_keras_by_hand


_TO_KERAS_MISTAKES = [
    Mistake(_to_keras_variant(kernel_t=False), (
        "Your kernel is weight_ih_l0 as it is, (4H, I); Keras computes x @ kernel, so its "
        "kernel is W_ih transposed, (I, 4H).")),
    Mistake(_to_keras_variant(recurrent_t=False), (
        "Your recurrent_kernel is weight_hh_l0 as it is, (4H, H); Keras computes "
        "h @ recurrent_kernel, so it is W_hh transposed, (H, 4H).")),
    Mistake(_to_keras_variant(bias="ih"), (
        "Your bias is bias_ih_l0 alone; the gate adds both of PyTorch's biases, and Keras "
        "keeps their sum bias_ih + bias_hh.")),
    Mistake(_to_keras_variant(bias="hh"), (
        "Your bias is bias_hh_l0 alone; the gate adds both of PyTorch's biases, and Keras "
        "keeps their sum bias_ih + bias_hh.")),
    Mistake(_to_keras_variant(bias="both"), (
        "Your bias is (8H,), the two biases side by side; Keras has one bias (4H,), "
        "their sum bias_ih + bias_hh.")),
]


def _check_to_keras(fn: Any) -> tuple[bool, str]:
    from lstmbook.notation import torch_to_keras

    sd = _torch_state_dict()
    want = torch_to_keras(sd)
    names = ("kernel", "recurrent_kernel", "bias")
    ok, msg = compare_function(
        fn, [((sd,), tuple(want[n] for n in names))], rtol=1e-12, names=names,
        mistakes=_TO_KERAS_MISTAKES, gate_axis=-1, gate_names=("i", "f", "c", "o"))
    if ok:
        return True, "Correct: the same arrays as lstmbook.notation.torch_to_keras."
    if "gate blocks in the order" in msg:
        msg += (" Keras's order i, f, c, o is PyTorch's i, f, g, o under another name: "
                "nothing to reorder.")
    return False, msg


def _to_keras_wrong_answers():
    return [
        WrongAnswer(_to_keras_variant(kernel_t=False), says="kernel is weight_ih_l0",
                    label="kernel not transposed"),
        WrongAnswer(_to_keras_variant(recurrent_t=False),
                    says="recurrent_kernel is weight_hh_l0",
                    label="recurrent kernel not transposed"),
        WrongAnswer(_to_keras_variant(bias="ih"), says="bias_ih_l0 alone",
                    label="bias_ih only"),
        WrongAnswer(_to_keras_variant(bias="both"), says="side by side",
                    label="both biases concatenated"),
        WrongAnswer(_to_keras_variant(order="iofg"), says="nothing to reorder",
                    label="reordered to ONNX's i, o, f, c"),
    ]


register(
    "keras-1",
    title="PyTorch weights into a Keras LSTM, by hand",
    page="code/keras",
    kind="function",
    checker=_check_to_keras,
    reference=_to_keras_reference,
    wrong_answers=_to_keras_wrong_answers,
)


def _keras_weights(seed: int = 6, I: int = 3, H: int = 4) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"kernel": 0.5 * rng.standard_normal((I, 4 * H)),
            "recurrent_kernel": 0.5 * rng.standard_normal((H, 4 * H)),
            "bias": rng.standard_normal(4 * H)}


def _to_torch_reference():
    def keras_to_torch_by_hand(kernel, recurrent_kernel, bias):
        return kernel.T, recurrent_kernel.T, bias, np.zeros_like(bias)

    return keras_to_torch_by_hand


def _check_to_torch(fn: Any) -> tuple[bool, str]:
    from lstmbook.notation import lstm_step_keras, run_steps
    from lstmbook.numpy import LSTM

    p = _keras_weights()
    I, four_h = p["kernel"].shape
    H = four_h // 4
    result = call_answer(fn, p["kernel"], p["recurrent_kernel"], p["bias"],
                         names=("kernel", "recurrent_kernel", "bias"))
    if not isinstance(result, tuple | list) or len(result) != 4:
        return False, "Return the four PyTorch arrays (W_ih, W_hh, b_ih, b_hh)."
    W_ih, W_hh, b_ih, b_hh = (
        np.asarray(a.detach().cpu().numpy() if hasattr(a, "detach") else a, dtype=float)
        for a in result)
    if W_ih.shape == (I, 4 * H) and W_ih.shape != (4 * H, I):
        return False, ("W_ih is Keras's kernel as it is, (I, 4H): PyTorch stores W_ih as "
                       "(4H, I), the kernel transposed (kernel.T).")
    if W_hh.shape == (H, 4 * H) and W_hh.shape != (4 * H, H):
        return False, ("W_hh is Keras's recurrent_kernel as it is, (H, 4H): PyTorch stores "
                       "W_hh as (4H, H), recurrent_kernel.T.")
    for got, shape, name in [(W_ih, (4 * H, I), "W_ih"), (W_hh, (4 * H, H), "W_hh"),
                             (b_ih, (4 * H,), "b_ih"), (b_hh, (4 * H,), "b_hh")]:
        if got.shape != shape:
            return False, f"{name} has shape {got.shape}; expected {shape}."
    total = b_ih + b_hh
    if np.allclose(total, 2 * p["bias"]):
        return False, ("b_ih + b_hh is twice Keras's bias: the gate adds both PyTorch "
                       "biases, so put the bias in one of them and zeros in the other (or "
                       "split it in two parts that sum to it).")
    x = np.random.default_rng(9).standard_normal((6, 2, I))
    want, _ = run_steps(lstm_step_keras, p, x)
    lstm = LSTM(I, H)
    lstm.load_state_dict({"weight_ih_l0": W_ih, "weight_hh_l0": W_hh,
                          "bias_ih_l0": b_ih, "bias_hh_l0": b_hh})
    got, _ = lstm(x)
    ok, msg = compare_array(got, want, rtol=1e-10, time_axis=0,
                            name="the LSTM output with your weights")
    if ok:
        return True, "Correct: lstmbook.numpy.LSTM with your weights computes the Keras layer."
    for mine, right, name in [(W_ih, p["kernel"].T, "W_ih"),
                              (W_hh, p["recurrent_kernel"].T, "W_hh"),
                              (total, p["bias"], "b_ih + b_hh")]:
        ok_w, msg_w = compare_array(mine, right, gate_axis=0, name=name)
        if not ok_w:
            if "gate blocks in the order" in msg_w:
                msg_w += (" Keras's i, f, c, o is PyTorch's i, f, g, o under another name: "
                          "keep the blocks where they are.")
            return False, msg_w
    return False, msg


def _to_torch_wrong_answers():
    from lstmbook.notation import reorder_gates

    def reordered(k, rk, b):
        return tuple(reorder_gates(a, "ifgo", "figo", axis=0)
                     for a in (k.T, rk.T, b)) + (np.zeros_like(b),)

    return [
        WrongAnswer(lambda k, rk, b: (k, rk.T, b, np.zeros_like(b)),
                    says="w_ih is keras's kernel", label="kernel not transposed"),
        WrongAnswer(lambda k, rk, b: (k.T, rk, b, np.zeros_like(b)),
                    says="w_hh is keras's recurrent_kernel",
                    label="recurrent kernel not transposed"),
        WrongAnswer(lambda k, rk, b: (k.T, rk.T, b, b), says="twice keras's bias",
                    label="the bias in both"),
        WrongAnswer(reordered, says="keep the blocks where they are",
                    label="gates reordered to f, i, g, o"),
    ]


register(
    "keras-2",
    title="Keras weights into lstmbook.numpy.LSTM, by hand",
    page="code/keras",
    kind="function",
    checker=_check_to_torch,
    reference=_to_torch_reference,
    wrong_answers=_to_torch_wrong_answers,
)


def _stacked_counts(I: int = 28, H1: int = 96, H2: int = 48, classes: int = 10, *,
                    biases: int = 1, second_input: int | None = None, gates: int = 4,
                    dense_bias: bool = True) -> int:
    """Parameters of the exercise's stack ``LSTM(H1, return_sequences) -> LSTM(H2) ->
    Dense(classes)`` on inputs of size ``I``, counted from lstmbook's layers; the keywords
    make the typical mistakes (two biases per gate, the second LSTM reading ``I``, one
    gate instead of four, the Dense layer without its bias).

    The defaults are a smaller stack than source 003's 128/64, whose count the page prints.
    """
    from lstmbook.numpy import LSTM, Linear

    def lstm_count(inputs: int, hidden: int) -> int:
        p = LSTM(inputs, hidden, seed=0).params
        four = p["weight_ih_l0"].size + p["weight_hh_l0"].size + biases * p["bias_ih_l0"].size
        return four * gates // 4

    head = Linear(H2, classes, seed=0).params
    head_count = sum(v.size for k, v in head.items() if dense_bias or "bias" not in k)
    return lstm_count(I, H1) + lstm_count(second_input or H1, H2) + head_count


def _count_mistakes() -> list[tuple[float, str]]:
    return [
        (_stacked_counts(biases=2),
         "That is PyTorch's count, with two biases per gate (bias_ih and bias_hh); a Keras "
         "LSTM has one."),
        (_stacked_counts(second_input=28),
         "The second LSTM reads the first one's outputs: its input size is 96, not 28."),
        (_stacked_counts(gates=1),
         "That counts one gate per LSTM layer; each has four (i, f, g, o): "
         "4H·(I + H + 1) parameters."),
        (_stacked_counts(dense_bias=False),
         "The Dense layer has a bias too: 48·10 weights plus 10 biases."),
    ]

register(
    "keras-3",
    title="Parameters of a smaller stack than source 003's (LSTM 96 -> LSTM 48 -> Dense 10)",
    page="code/keras",
    kind="number",
    checker=lambda a: compare_number(a, _stacked_counts(), mistakes=_count_mistakes()),
    reference=_stacked_counts,
    wrong_answers=lambda: [
        WrongAnswer(_stacked_counts(biases=2), says="two biases per gate",
                    label="PyTorch's two biases"),
        WrongAnswer(_stacked_counts(second_input=28), says="input size is 96",
                    label="second layer reading 28"),
        WrongAnswer(_stacked_counts(gates=1), says="one gate per lstm layer",
                    label="one gate instead of four"),
        WrongAnswer(_stacked_counts(dense_bias=False), says="dense layer has a bias",
                    label="Dense without its bias"),
    ],
)
