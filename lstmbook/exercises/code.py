"""Exercises of the Code chapter (book/code/*.ipynb): NumPy, PyTorch, GPU, speed, Keras.

Every reference answer is computed with :mod:`lstmbook` when asked for; every checker
compares with an independent computation (usually :class:`lstmbook.numpy.LSTM`) and, when
an answer is wrong, tries the typical mistakes of that exercise (a stale state, a transposed
kernel, a bias counted twice, a gate block taken from the wrong place) to say which one it
is. Torch is imported inside the functions that need it.
"""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._core import NotAttempted, WrongAnswer, not_attempted, register
from .compare import GATE_NAMES, compare_array, compare_number

__all__ = ["gradient_problem", "sequence_problem", "torch_lstm_problem", "CIFG_TEMPLATE"]


# =============================================================================== helpers
def _which(value: Any, candidates: Sequence[tuple[Any, str]], rtol: float = 1e-6) -> str | None:
    """The message of the first candidate mistake that ``value`` equals, if any."""
    for wrong, message in candidates:
        try:
            a, b = np.asarray(value, dtype=float), np.asarray(wrong, dtype=float)
        except (TypeError, ValueError):
            continue
        if a.shape == b.shape and np.allclose(a, b, rtol=rtol, atol=1e-12):
            return message
    return None


def _number(answer: Any, expected: float, mistakes: Sequence[tuple[float, str]], *,
            rtol: float = 1e-6, hint: str = "") -> tuple[bool, str]:
    """:func:`compare_number`, but a known mistake is named before the generic message."""
    ok, msg = compare_number(answer, expected, rtol=rtol, hint=hint)
    if ok:
        return ok, msg
    named = _which(answer, mistakes, rtol=rtol) if isinstance(answer, numbers.Real) else None
    return False, f"{named} {msg}" if named else msg


def _call(fn: Any, *args: Any) -> Any:
    if not callable(fn):
        raise TypeError(f"expected a function, got {type(fn).__name__}")
    result = fn(*args)
    if not_attempted(result):
        raise NotAttempted
    return result


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


def _forward_reference():
    from lstmbook.numpy.reference import lstm_step

    def lstm_forward(x, h0, c0, W_ih, W_hh, b_ih, b_hh):
        h, c, outputs = h0, c0, []
        for x_t in x:                                   # one step per time step
            h, c = lstm_step(x_t, h, c, W_ih, W_hh, b_ih, b_hh)
            outputs.append(h)
        return np.stack(outputs), (h, c)

    return lstm_forward


def _check_forward(fn: Any) -> tuple[bool, str]:
    for seed, (T, B) in [(0, (6, 2)), (1, (5, 3))]:
        p = sequence_problem(seed, T=T, B=B)
        result = _call(fn, *(p[k] for k in _FORWARD_ARGS))
        try:
            out, (h_T, c_T) = result
        except (TypeError, ValueError):
            return False, ("Return `output, (h_T, c_T)` as torch.nn.LSTM does; got "
                           f"{type(result).__name__}.")
        want_out, want_h, want_c = _lstm_reference(p)
        ok, msg = compare_array(out, want_out, rtol=1e-10, time_axis=0, name="output")
        if not ok:
            if np.shape(out) == (T + 1, B, want_out.shape[-1]):
                msg += " It has one step too many: is h_0 in it? output holds h_1 … h_T."
            elif "wrong from step 1" in msg:
                msg += (" Step 0 is right, so the step is right: is the new state (h, c) "
                        "passed on to the next step?")
            return False, msg
        for got, want, name in [(h_T, want_h, "h_T"), (c_T, want_c, "c_T")]:
            ok, msg = compare_array(got, want, rtol=1e-10, name=name)
            if not ok:
                return False, msg
    return True, "Correct: your loop over lstm_step reproduces lstmbook.numpy.LSTM."


def _forward_wrong_answers():
    from lstmbook.numpy.reference import lstm_step

    def stale_cell(x, h0, c0, W_ih, W_hh, b_ih, b_hh):
        h, outputs = h0, []
        for x_t in x:
            h, _ = lstm_step(x_t, h, c0, W_ih, W_hh, b_ih, b_hh)   # c never carried on
            outputs.append(h)
        return np.stack(outputs), (h, c0)

    def with_h0(x, h0, c0, W_ih, W_hh, b_ih, b_hh):
        h, c, outputs = h0, c0, [h0]
        for x_t in x:
            h, c = lstm_step(x_t, h, c, W_ih, W_hh, b_ih, b_hh)
            outputs.append(h)
        return np.stack(outputs), (h, c)

    def batch_first(x, h0, c0, W_ih, W_hh, b_ih, b_hh):
        out, state = _forward_reference()(x, h0, c0, W_ih, W_hh, b_ih, b_hh)
        return out.transpose(1, 0, 2), state

    return [
        WrongAnswer(stale_cell, says="wrong from step 1", label="cell state not carried"),
        WrongAnswer(with_h0, says="one step too many", label="h_0 in the output"),
        WrongAnswer(batch_first, says="order of the axes", label="(B, T, H) output"),
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


def _check_gate_major(fn: Any) -> tuple[bool, str]:
    from lstmbook.numpy.functional import gate_major

    rng = np.random.default_rng(7)
    for B, H in [(3, 5), (2, 6)]:
        a = rng.standard_normal((B, 4 * H))
        got = _call(fn, a.copy())
        want = gate_major(a)
        ok, msg = compare_array(got, want, name="your block")
        if not ok:
            named = _which(got, [(
                a.reshape(4, B, H),
                "You reshaped (B, 4H) straight to (4, B, H): that cuts the rows apart instead "
                "of the gate columns. Reshape to (B, 4, H) first, then swap the first two axes.",
            )])
            return False, named or msg
    return True, "Correct: the same (4, B, H) block as lstmbook.numpy.functional.gate_major."


register(
    "numpy-2",
    title="The gate-major layout by hand",
    page="code/numpy",
    kind="function",
    checker=_check_gate_major,
    reference=_gate_major_reference,
    wrong_answers=lambda: [
        WrongAnswer(lambda a: a.reshape(4, a.shape[0], a.shape[1] // 4), says="reshaped",
                    label="reshape without swapping axes"),
        WrongAnswer(lambda a: a.reshape(a.shape[0], 4, a.shape[1] // 4), says="axes",
                    label="(B, 4, H), axes not swapped"),
        WrongAnswer(lambda a: a.T.reshape(4, a.shape[1] // 4, a.shape[0]), says="axes",
                    label="(4, H, B)"),
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


def _central_difference(eps: float = 1e-5, *, halve: bool = True, sign: float = 1.0) -> float:
    lstm, x, w = gradient_problem()
    name, idx = _GRAD_ENTRY
    weight = lstm.params[name]
    loss = {}
    for s in (+1, -1):
        weight[idx] += s * eps
        loss[s] = float((lstm(x)[0] * w).sum())
        weight[idx] -= s * eps
    return sign * (loss[+1] - loss[-1]) / ((2 if halve else 1) * eps)


register(
    "numpy-3",
    title="One weight's gradient by central differences",
    page="code/numpy",
    kind="number",
    checker=lambda a: compare_number(
        a, _analytic_gradient(), rtol=1e-6,
        hint="(L(w + ε) − L(w − ε)) / 2ε, with everything else held fixed."),
    reference=_central_difference,
    wrong_answers=lambda: [
        WrongAnswer(_central_difference(halve=False), says="twice", label="forgot the 2"),
        WrongAnswer(_central_difference(sign=-1.0), says="sign", label="L(w-ε) - L(w+ε)"),
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


def _total_biases(lstm) -> list[np.ndarray]:
    return [
        (getattr(lstm, f"bias_ih_l{k}") + getattr(lstm, f"bias_hh_l{k}")).detach().numpy()
        for k in range(lstm.num_layers)
    ]


def _check_forget_bias(fn: Any) -> tuple[bool, str]:
    value = 1.0
    lstm = torch_lstm_problem()
    before = _total_biases(lstm)
    if fn(lstm, value) is NotImplemented:
        raise NotAttempted
    after = _total_biases(lstm)
    H = lstm.hidden_size
    if all(np.allclose(a, b) for a, b in zip(after, before, strict=True)):
        raise NotAttempted
    for k, (new, old) in enumerate(zip(after, before, strict=True)):
        want = old.copy()
        want[H:2 * H] = value
        if np.allclose(new, want):
            continue
        if np.allclose(new, old):
            return False, (f"Layer {k} is unchanged: set the forget bias of every layer "
                           f"(bias_ih_l{k} and bias_hh_l{k} too).")
        f_block = new[H:2 * H]
        if np.allclose(f_block, 2 * value):
            return False, ("The forget gate's total bias is twice the value: you set both "
                           "bias_ih and bias_hh. Only their sum enters the gate; set one and "
                           "zero the other.")
        if np.allclose(f_block, old[H:2 * H]):
            for j, gate in enumerate(GATE_NAMES):
                if np.allclose(new[j * H:(j + 1) * H], value):
                    return False, (f"You set block {j} (gate {gate}); in PyTorch's order "
                                   "i, f, g, o the forget gate is the second block, "
                                   "rows H:2H.")
        return False, (f"Layer {k}: the forget-gate block of bias_ih + bias_hh is "
                       f"{np.round(f_block, 3)}; expected {value} everywhere, other gates "
                       "unchanged. Did bias_hh still add its own value?")
    return True, "Correct: every layer's forget gate now starts with total bias 1."


def _forget_bias_wrong_answers():
    import torch

    def both(lstm, value):
        H = lstm.hidden_size
        with torch.no_grad():
            for k in range(lstm.num_layers):
                getattr(lstm, f"bias_ih_l{k}")[H:2 * H] = value
                getattr(lstm, f"bias_hh_l{k}")[H:2 * H] = value

    def first_block(lstm, value):
        H = lstm.hidden_size
        with torch.no_grad():
            for k in range(lstm.num_layers):
                getattr(lstm, f"bias_ih_l{k}")[:H] = value
                getattr(lstm, f"bias_hh_l{k}")[:H] = 0.0

    def layer_0_only(lstm, value):
        H = lstm.hidden_size
        with torch.no_grad():
            lstm.bias_ih_l0[H:2 * H] = value
            lstm.bias_hh_l0[H:2 * H] = 0.0

    return [
        WrongAnswer(both, says="twice", label="both biases set"),
        WrongAnswer(first_block, says="second block", label="block 0 (the input gate)"),
        WrongAnswer(layer_0_only, says="layer 1", label="first layer only"),
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


def _autograd_grad(reduce: str = "sum", name: str = "weight_hh_l0", transpose: bool = False):
    import torch

    from lstmbook.torch import numpy_lstm_to_torch

    lstm, x, w = gradient_problem()
    module = numpy_lstm_to_torch(lstm)
    out, _ = module(torch.from_numpy(x))
    loss = out * torch.from_numpy(w)
    (loss.sum() if reduce == "sum" else loss.mean()).backward()
    g = getattr(module, name).grad.numpy()
    return g.T if transpose else g


def _hand_written_grad() -> np.ndarray:
    lstm, x, w = gradient_problem()
    lstm(x)
    lstm.backward(w)
    return lstm.grads["weight_hh_l0"]


register(
    "pytorch-2",
    title="The gradient of W_hh by autograd",
    page="code/pytorch",
    kind="array",
    checker=lambda a: compare_array(
        a, _hand_written_grad(), rtol=1e-9, name="your gradient",
        hint="L = sum(output * w); the gradient is module.weight_hh_l0.grad after backward()."),
    reference=_autograd_grad,
    wrong_answers=lambda: [
        WrongAnswer(_autograd_grad(transpose=True), says="transpose", label="transposed"),
        WrongAnswer(_autograd_grad(reduce="mean"), says="factor", label=".mean() not .sum()"),
        WrongAnswer(_autograd_grad(name="weight_ih_l0"), says="shape", label="weight_ih"),
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
            "hidden state first.")]
    for j, gate in enumerate(GATE_NAMES):
        if gate != "f":
            rows = slice(j * H, (j + 1) * H)
            out.append((np.concatenate([w_hh[rows], w_ih[rows]], axis=1),
                        f"These are the rows of gate {gate} (block {j}); in PyTorch's order "
                        "i, f, g, o the forget gate is the second block, rows H:2H."))
    return out


def _check_concat(a: Any) -> tuple[bool, str]:
    if hasattr(a, "detach"):
        a = a.detach().numpy()
    ok, msg = compare_array(a, _concat_forget_reference(), rtol=1e-12, name="your W_f")
    if ok:
        return ok, msg
    return False, _which(a, _concat_candidates()) or msg


register(
    "pytorch-3",
    title="The forget gate's W_f · [h, x] from torch.nn.LSTM",
    page="code/pytorch",
    kind="array",
    checker=_check_concat,
    reference=_concat_forget_reference,
    wrong_answers=lambda: [
        WrongAnswer(_concat_candidates()[0][0], says="[x, h]", label="[x, h] order"),
        WrongAnswer(_concat_candidates()[1][0], says="gate i", label="first block"),
        WrongAnswer(_concat_forget_reference().T, says="transpose", label="transposed"),
    ],
)


# ==================================================================== page code/gpu
class _RecordingXP:
    """Stands in for the array module and records which of its functions were called."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
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


def _check_xp_step(fn: Any) -> tuple[bool, str]:
    gates, c_prev = _gpu_step_case()
    xp = _RecordingXP()
    result = _call(fn, gates.copy(), c_prev.copy(), xp)
    if not isinstance(result, tuple | list) or len(result) != 2:
        return False, "Return the pair (c, h)."
    c, h = result
    want_c, want_h = _library_step(gates, c_prev)
    ok_c, msg_c = compare_array(c, want_c, rtol=1e-10, name="c")
    ok_h, msg_h = compare_array(h, want_h, rtol=1e-10, name="h")
    if not (ok_c and ok_h):
        for perm in itertools.permutations(range(4)):
            if perm != (0, 1, 2, 3):
                pc, ph = _library_step(gates[list(perm)], c_prev)
                if np.allclose(c, pc) and np.allclose(h, ph):
                    order = ", ".join(GATE_NAMES[p] for p in perm)
                    return False, (f"You read the gate blocks in the order {order}; "
                                   "gates[0..3] are i, f, g, o.")
        sig = _sigmoid(gates)
        c_sig = sig[1] * c_prev + sig[0] * sig[2]
        if np.allclose(c, c_sig):
            return False, "The candidate g takes tanh, not the sigmoid: g = tanh(a_g)."
        return False, msg_c if not ok_c else msg_h
    if not {"exp", "tanh"} & set(xp.calls):
        return False, ("Right numbers, but no exp or tanh went through xp: your function "
                       "calls NumPy directly (np.…), which on a GPU would fail on CuPy "
                       "arrays. Write xp.tanh, xp.exp.")
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

    def all_sigmoid(gates, c_prev, xp):
        i, f, g, o = (1 / (1 + xp.exp(-gates[k])) for k in range(4))
        c = f * c_prev + i * g
        return c, o * xp.tanh(c)

    return [
        WrongAnswer(numpy_only, says="xp", label="calls np directly"),
        WrongAnswer(swapped, says="order f, i, g, o", label="i and f swapped"),
        WrongAnswer(all_sigmoid, says="tanh", label="sigmoid on g"),
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
                 gate_reads: bool = True) -> float:
    """Bytes the fused forward kernel reads and writes in one step, from its spec."""
    from lstmbook.cupy import kernels

    spec = kernels.FORWARD
    arrays = len(spec.reads) + len(spec.writes)
    arrays += 4 * gate_reads * (spec.gate_reads is not None) + 4 * gate_writes
    return float(arrays * B * H * itemsize)


register(
    "gpu-2",
    title="Memory traffic of the fused forward kernel",
    page="code/gpu",
    kind="number",
    checker=lambda a: _number(a, _fused_bytes(), [
        (_fused_bytes(gate_writes=False),
         "You counted the gate buffer once; each thread reads its four pre-activations "
         "and writes the four gate values back (kept for the backward pass)."),
    ], hint="Count state-sized arrays read and written (gates count four), times B·H·4 bytes."),
    reference=_fused_bytes,
    wrong_answers=lambda: [
        WrongAnswer(_fused_bytes(itemsize=8), says="twice", label="float64 bytes"),
        WrongAnswer(_fused_bytes(gate_writes=False), says="writes the four gate values",
                    label="gate buffer counted once"),
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
        return False, f"The kernel spec refuses your formulas: {err}"
    B, H = c_prev.shape
    a = np.concatenate([gates[1], gates[2], gates[3]], axis=1)   # CIFG's (B, 3H): f, g, o
    _, want_c, want_h = cifg_lstm_step(a, c_prev)
    ok, msg = compare_array(c, want_c, rtol=1e-10, name="c")
    if ok:
        ok, msg = compare_array(h, want_h, rtol=1e-10, name="h")
    if ok:
        return True, "Correct: your formulas compute the CIFG step of lstmbook.numpy.variants."
    std_c, _ = _library_step(gates, c_prev)
    if np.allclose(c, std_c):
        return False, ("That is the standard LSTM: i still comes from its own block a_i. "
                       "In the CIFG the input gate is coupled to the forget gate, i = 1 - f.")
    if np.allclose(c, (1 - _sigmoid(gates[0])) * c_prev + _sigmoid(gates[0]) * np.tanh(gates[2])):
        return False, ("You coupled the forget gate to the input gate (f = 1 - i); the "
                       "library's CIFG keeps f and sets i = 1 - f.")
    return False, msg


def _cifg_wrong_answers():
    from lstmbook.cupy import kernels

    coupled_f = (("i", "sigmoid(a_i)"), ("f", "1 - i"), ("g", "tanh(a_g)"),
                 ("o", "sigmoid(a_o)"), ("c", "f * c_prev + i * g"), ("tanh_c", "tanh(c)"),
                 ("h", "o * tanh_c"))
    return [
        WrongAnswer(kernels.FORWARD_MATHS, says="standard LSTM", label="unchanged formulas"),
        WrongAnswer(coupled_f, says="f = 1 - i", label="forget coupled to input"),
        WrongAnswer((("i", "1 - f"),) + kernels.FORWARD_MATHS[1:], says="undefined",
                    label="i uses f before f is defined"),
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


register(
    "speed-1",
    title="FLOPs of one time step",
    page="code/speed",
    kind="number",
    checker=lambda a: _number(a, _flops_reference(), [
        (_step_flops(with_input=False),
         "You counted only the recurrent product h W_hh^T; the input product x W_ih^T is "
         "part of every step too."),
    ], hint="Two products, x W_ih^T (B·I·4H weights used) and h W_hh^T (B·H·4H), "
            "each weight used once costs a multiply and an add."),
    reference=_flops_reference,
    wrong_answers=lambda: [
        WrongAnswer(_step_flops(factor=1), says="half", label="no multiply-add factor 2"),
        WrongAnswer(_step_flops(gates=1), says="quarter", label="one gate instead of four"),
        WrongAnswer(_step_flops(with_input=False), says="input product", label="no W_ih"),
    ],
)


def _flops_ratio(with_input: bool = True) -> float:
    from lstmbook.numpy.variants import flops_per_step

    if not with_input:
        return (512 / 256) ** 2
    s = _SPEED_SIZE
    return flops_per_step("lstm", s["I"], 512, s["B"]) / flops_per_step("lstm", s["I"], 256,
                                                                          s["B"])


register(
    "speed-2",
    title="How much more arithmetic from H = 256 to H = 512",
    page="code/speed",
    kind="number",
    checker=lambda a: _number(a, _flops_ratio(), [
        (_flops_ratio(with_input=False),
         "4 = 2² is the limit for H much larger than I; at I = 32 the input product "
         "4H·I grows only linearly."),
        (2.0, "2 would be linear in H; the recurrent product 4H·H grows like H²."),
    ], rtol=1e-3, hint="flops ∝ H (I + H)."),
    reference=_flops_ratio,
    wrong_answers=lambda: [
        WrongAnswer(4.0, says="limit", label="pure H²"),
        WrongAnswer(2.0, says="linear", label="linear in H"),
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


def _check_predict(fn: Any) -> tuple[bool, str]:
    for seed in (0, 1, 2):
        lengths, seconds, T_new, want = _power_law_case(seed)
        got = _call(fn, lengths.copy(), seconds.copy(), T_new)
        ok, msg = compare_number(got, want, rtol=1e-6)
        if not ok:
            linear = float(seconds[-1] * T_new / lengths[-1])
            lin_fit = float(np.polyval(np.polyfit(lengths, seconds, 1), T_new))
            named = _which(got, [
                (linear, "You scaled the last time in proportion to T, i.e. assumed the "
                         "exponent is 1; fit it instead: a straight line on log-log axes."),
                (lin_fit, "You fitted a straight line on linear axes; a power law "
                          "t = a·T^p is a straight line on log-log axes."),
            ])
            return False, f"Case {seed + 1}: " + (named or msg)
    return True, "Correct: a power law fitted on log-log axes, extrapolated to T_new."


register(
    "speed-3",
    title="Predict the time of a longer sequence from the measured ones",
    page="code/speed",
    kind="function",
    checker=_check_predict,
    reference=_predict_reference,
    wrong_answers=lambda: [
        WrongAnswer(lambda T, t, T_new: float(t[-1] * T_new / T[-1]), says="exponent",
                    label="proportional to T"),
        WrongAnswer(lambda T, t, T_new: float(np.polyval(np.polyfit(T, t, 1), T_new)),
                    says="linear axes", label="straight-line fit of t against T"),
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


def _check_to_keras(fn: Any) -> tuple[bool, str]:
    from lstmbook.notation import torch_to_keras

    sd = _torch_state_dict()
    result = _call(fn, {k: v.copy() for k, v in sd.items()})
    if not isinstance(result, tuple | list) or len(result) != 3:
        return False, "Return the three Keras arrays (kernel, recurrent_kernel, bias)."
    want = torch_to_keras(sd)
    for got, name, axis in zip(result, ("kernel", "recurrent_kernel", "bias"), (1, 1, 0),
                               strict=True):
        ok, msg = compare_array(got, want[name], rtol=1e-12, gate_axis=axis, name=name)
        if not ok:
            halves = [(sd["bias_ih_l0"], "one"), (sd["bias_hh_l0"], "one")]
            if name == "bias" and _which(got, halves):
                return False, ("Your bias is only one of PyTorch's two biases; Keras keeps one "
                               "bias, the sum bias_ih + bias_hh.")
            if "order" in msg:
                msg += " Keras's order i, f, c, o is PyTorch's: nothing to reorder."
            return False, msg
    return True, "Correct: the same arrays as lstmbook.notation.torch_to_keras."


def _to_keras_wrong_answers():
    from lstmbook.notation import reorder_gates

    return [
        WrongAnswer(lambda sd: (sd["weight_ih_l0"], sd["weight_hh_l0"].T,
                                sd["bias_ih_l0"] + sd["bias_hh_l0"]),
                    says="transpose", label="kernel not transposed"),
        WrongAnswer(lambda sd: (sd["weight_ih_l0"].T, sd["weight_hh_l0"].T, sd["bias_ih_l0"]),
                    says="sum", label="bias_ih only"),
        WrongAnswer(lambda sd: tuple(
            reorder_gates(a, "ifgo", "iofg", axis=ax) for a, ax in
            [(sd["weight_ih_l0"].T, 1), (sd["weight_hh_l0"].T, 1),
             (sd["bias_ih_l0"] + sd["bias_hh_l0"], 0)]),
            says="nothing to reorder", label="reordered to ONNX's i, o, f, c"),
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
    result = _call(fn, *(p[k].copy() for k in ("kernel", "recurrent_kernel", "bias")))
    if not isinstance(result, tuple | list) or len(result) != 4:
        return False, "Return the four PyTorch arrays (W_ih, W_hh, b_ih, b_hh)."
    W_ih, W_hh, b_ih, b_hh = (np.asarray(a, dtype=float) for a in result)
    for got, shape, name in [(W_ih, (4 * H, I), "W_ih"), (W_hh, (4 * H, H), "W_hh"),
                             (b_ih, (4 * H,), "b_ih"), (b_hh, (4 * H,), "b_hh")]:
        if got.shape != shape:
            ok, msg = compare_array(got, np.zeros(shape), name=name)
            return False, msg
    total = b_ih + b_hh
    if np.allclose(total, 2 * p["bias"]):
        return False, ("b_ih + b_hh is twice Keras's bias: the gate adds both PyTorch biases, "
                       "so put the bias in one of them and zeros in the other.")
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
    ok_w, msg_w = compare_array(W_ih, p["kernel"].T, gate_axis=0, name="W_ih")
    return False, msg if ok_w else msg_w


register(
    "keras-2",
    title="Keras weights into lstmbook.numpy.LSTM, by hand",
    page="code/keras",
    kind="function",
    checker=_check_to_torch,
    reference=_to_torch_reference,
    wrong_answers=lambda: [
        WrongAnswer(lambda k, rk, b: (k, rk.T, b, np.zeros_like(b)), says="transpose",
                    label="kernel not transposed"),
        WrongAnswer(lambda k, rk, b: (k.T, rk.T, b, b), says="twice",
                    label="the bias in both"),
        WrongAnswer(lambda k, rk, b: (k.T, rk, b, np.zeros_like(b)), says="transpose",
                    label="recurrent kernel not transposed"),
    ],
)


def _stacked_counts(I: int = 28, H1: int = 96, H2: int = 48,
                    classes: int = 10) -> tuple[int, int, int]:
    """Parameters of the exercise's stack ``LSTM(H1, return_sequences) -> LSTM(H2) ->
    Dense(classes)`` on inputs of size ``I``, counted from lstmbook's layers:
    (Keras count, PyTorch count with two biases, count with the second LSTM reading I).

    The defaults are a smaller stack than source 003's 128/64, whose count the page prints.
    """
    from lstmbook.numpy import LSTM, Linear

    def lstm_count(inputs: int, hidden: int, biases: int) -> int:
        p = LSTM(inputs, hidden, seed=0).params
        return p["weight_ih_l0"].size + p["weight_hh_l0"].size + biases * p["bias_ih_l0"].size

    head = sum(v.size for v in Linear(H2, classes, seed=0).params.values())
    keras = lstm_count(I, H1, 1) + lstm_count(H1, H2, 1) + head
    torch_like = lstm_count(I, H1, 2) + lstm_count(H1, H2, 2) + head
    wrong_input = lstm_count(I, H1, 1) + lstm_count(I, H2, 1) + head
    return keras, torch_like, wrong_input


register(
    "keras-3",
    title="Parameters of a smaller stack than source 003's (LSTM 96 -> LSTM 48 -> Dense 10)",
    page="code/keras",
    kind="number",
    checker=lambda a: _number(a, _stacked_counts()[0], [
        (_stacked_counts()[1], "That is PyTorch's count, with two biases per gate "
                               "(bias_ih and bias_hh); a Keras LSTM has one."),
        (_stacked_counts()[2], "The second LSTM reads the first one's outputs: its input "
                               "size is 96, not 28."),
    ], hint="Per LSTM layer 4H·(I + H + 1); the Dense layer 48·10 + 10."),
    reference=lambda: _stacked_counts()[0],
    wrong_answers=lambda: [
        WrongAnswer(_stacked_counts()[1], says="two biases", label="PyTorch's two biases"),
        WrongAnswer(_stacked_counts()[2], says="input size is 96",
                    label="second layer reading 28"),
    ],
)

