"""Exercises of the Equations chapter (``book/equations/*.ipynb``).

Every reference answer is computed with the library (an LSTM, its backward pass, a
layout conversion), never typed in; the test inputs are fixed by seeds.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._core import WrongAnswer, register
from .compare import compare_array, compare_choice, compare_function, compare_number

# --- small shared pieces ------------------------------------------------------------------


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


def _lstm(I: int = 3, H: int = 4, seed: int = 0, **kw):
    from lstmbook.numpy import LSTM

    return LSTM(I, H, seed=seed, **kw)


def _state_dict(I: int = 3, H: int = 4, seed: int = 0) -> dict[str, np.ndarray]:
    return _lstm(I, H, seed).state_dict()


def _blocks(W: np.ndarray, axis: int = 0) -> dict[str, np.ndarray]:
    return dict(zip("ifgo", np.split(W, 4, axis=axis), strict=True))


# --- equations/index ---------------------------------------------------------------------


def _lstm_parameters() -> int:
    from lstmbook.numpy.variants import parameter_count

    return parameter_count(_lstm(10, 20, num_layers=2))


register(
    "index-1",
    title="Parameters of a two-layer LSTM",
    page="equations/index",
    kind="number",
    checker=lambda a: compare_number(
        a, _lstm_parameters(), rtol=0, atol=0.5,
        hint="Per layer 4H(I + H) weights and two biases of 4H; layer 2's input is h of "
        "layer 1, of size H.",
    ),
    reference=_lstm_parameters,
    wrong_answers=lambda: [
        WrongAnswer(2 * (4 * 20 * (10 + 20) + 8 * 20), "too small", "layer 2 input taken as I"),
        WrongAnswer(_lstm_parameters() - 2 * 4 * 20, "too small", "one bias per layer"),
        WrongAnswer(2 * _lstm_parameters(), "twice", "counted twice"),
    ],
)


#: Saturating biases of the counting exercise: i, f, g, o all driven by their bias alone.
_COUNT_BIAS, _COUNT_T = 4.0, 50


def _count_after_steps() -> float:
    """c_T of a one-unit LSTM with zero weights and biases (i, f, g, o) = 4, from c_0 = 0."""
    lstm = _lstm(1, 1, seed=0)
    for name in ("weight_ih_l0", "weight_hh_l0", "bias_hh_l0"):
        lstm.params[name][...] = 0.0
    lstm.params["bias_ih_l0"][...] = _COUNT_BIAS
    _, (_, c_T) = lstm.forward(np.zeros((_COUNT_T, 1, 1)))
    return float(c_T.ravel()[0])


register(
    "index-2",
    title="How far can the cell state count?",
    page="equations/index",
    kind="number",
    checker=lambda a: compare_number(
        a, _count_after_steps(), rtol=1e-6,
        hint="c_t = f c_{t-1} + i g is a geometric series: with f < 1 it levels off at "
        "i g / (1 - f).",
    ),
    reference=_count_after_steps,
    wrong_answers=lambda: [
        WrongAnswer(
            _COUNT_T * _sigmoid(_COUNT_BIAS) * np.tanh(_COUNT_BIAS), "too large", "f taken as 1"
        ),
        WrongAnswer(np.tanh(_COUNT_BIAS), "too small", "c bounded like h"),
    ],
)


def _forget_rows() -> np.ndarray:
    return _blocks(_state_dict()["weight_ih_l0"])["f"]


def _check_forget_rows(answer) -> tuple[bool, str]:
    W = _state_dict()["weight_ih_l0"]
    value = np.asarray(answer, dtype=float) if not callable(answer) else None
    if value is not None and value.shape == _forget_rows().shape:
        for name, block in _blocks(W).items():
            if name != "f" and np.allclose(value, block):
                words = {"i": "input gate", "g": "candidate", "o": "output gate"}[name]
                return False, (
                    f"These are the rows of the {words}. In PyTorch's layout the blocks are "
                    "i, f, g, o, so the forget gate is the second block, rows H to 2H."
                )
    return compare_array(answer, _forget_rows(), name="your block")


register(
    "index-3",
    title="The forget gate's rows of the stacked weights",
    page="equations/index",
    kind="array",
    checker=_check_forget_rows,
    reference=_forget_rows,
    wrong_answers=lambda: [
        WrongAnswer(_blocks(_state_dict()["weight_ih_l0"])["i"], "input gate", "first block"),
        WrongAnswer(_forget_rows().T, "transpose", "transposed"),
        WrongAnswer(_blocks(_state_dict()["weight_ih_l0"])["o"], "output gate", "last block"),
    ],
)

# --- equations/notation --------------------------------------------------------------------


def _concat_W_f() -> np.ndarray:
    from lstmbook import notation

    return notation.torch_to_concat(_state_dict())["W_f"]


def _check_concat(answer) -> tuple[bool, str]:
    sd = _state_dict()
    w_if, w_hf = _blocks(sd["weight_ih_l0"])["f"], _blocks(sd["weight_hh_l0"])["f"]
    value = np.asarray(answer, dtype=float)
    if value.shape == _concat_W_f().shape and np.allclose(value, np.hstack([w_if, w_hf])):
        return False, (
            "The column blocks are in the order [x, h]; the sources concatenate "
            "[h_{t-1}, x_t], so W_hf comes first."
        )
    return compare_array(answer, _concat_W_f(), name="your W_f")


register(
    "notation-1",
    title="The concatenated forget-gate matrix W_f",
    page="equations/notation",
    kind="array",
    checker=_check_concat,
    reference=_concat_W_f,
    wrong_answers=lambda: [
        WrongAnswer(
            np.hstack([_blocks(_state_dict()["weight_ih_l0"])["f"],
                       _blocks(_state_dict()["weight_hh_l0"])["f"]]),
            "order [x, h]", "x first",
        ),
        WrongAnswer(_concat_W_f()[:, :4], "shape", "W_hf only"),
    ],
)

_ONNX_ORDER = ("i", "o", "f", "g")


def _onnx_W() -> np.ndarray:
    from lstmbook import notation

    return notation.torch_to_onnx(_state_dict())["W"][0]


register(
    "notation-2",
    title="PyTorch's weight_ih in ONNX's gate order",
    page="equations/notation",
    kind="array",
    checker=lambda a: compare_array(
        a, _onnx_W(), gate_axis=0, gate_names=_ONNX_ORDER, name="your W",
        hint="ONNX stacks input, output, forget, cell (i, o, f, c).",
    ),
    reference=_onnx_W,
    wrong_answers=lambda: [
        WrongAnswer(_state_dict()["weight_ih_l0"], "expected i, o, f, g", "left in PyTorch order"),
        WrongAnswer(_onnx_W().T, "transpose", "transposed"),
        WrongAnswer(_onnx_W()[None], "shape", "with ONNX's leading direction axis"),
    ],
)


def _keras_kernel() -> np.ndarray:
    from lstmbook import notation

    return notation.torch_to_keras(_state_dict())["kernel"]


register(
    "notation-3",
    title="A Keras kernel from PyTorch's weight_ih",
    page="equations/notation",
    kind="array",
    checker=lambda a: compare_array(
        a, _keras_kernel(), gate_axis=1, name="your kernel",
        hint="Keras multiplies row vectors, x @ kernel, with the gates in the columns.",
    ),
    reference=_keras_kernel,
    wrong_answers=lambda: [
        WrongAnswer(_state_dict()["weight_ih_l0"], "transpose", "not transposed"),
        WrongAnswer(
            np.hstack([_blocks(_keras_kernel(), axis=1)[k] for k in "ifog"]),
            "order i, f, o, g", "c and o swapped",
        ),
    ],
)

# --- equations/bptt ------------------------------------------------------------------------


def _cell_path_factor(bias: float = 2.0) -> float:
    """Per-step factor of the cell-state path for an LSTM whose forget gate sees only its bias."""
    from lstmbook.gradient_flow import cell_path_gain

    lstm = _lstm(2, 3, seed=0, forget_bias=bias)
    for name in ("weight_ih_l0", "weight_hh_l0"):
        lstm.params[name][...] = 0.0
    lstm.params["bias_ih_l0"][3:6] = bias   # the f block; b_hh's f block is 0 (forget_bias
    lstm.params["bias_hh_l0"][3:6] = 0.0    # may have set it), so a_f = bias exactly
    lstm.forward(np.zeros((10, 1, 2)))
    gain = cell_path_gain(lstm.activations()["f"])
    return float(gain[1])


register(
    "bptt-1",
    title="The per-step gradient factor for forget bias 2",
    page="equations/bptt",
    kind="number",
    checker=lambda a: compare_number(
        a, _cell_path_factor(), rtol=1e-6,
        hint="Along the cell path the gradient is multiplied by f_t = σ(a_f) and nothing else.",
    ),
    reference=_cell_path_factor,
    wrong_answers=lambda: [
        WrongAnswer(float(np.tanh(2.0)), "too large", "tanh instead of σ"),
        WrongAnswer(float(_sigmoid(2.0) * (1 - _sigmoid(2.0))), "too small", "σ' instead of σ"),
        WrongAnswer(1.0, "too large", "the carousel always passes 1"),
    ],
)


def _step_case(seed: int, B: int = 2, H: int = 3) -> tuple[tuple, tuple]:
    """Inputs ``(dh, dc, i, f, g, o, c_prev)`` of one backward step, and the library's answer."""
    lstm = _lstm(2, H, seed=seed)
    rng = np.random.default_rng(seed + 100)
    x = rng.normal(size=(1, B, 2))
    h0, c0 = rng.normal(size=(1, B, H)), rng.normal(size=(1, B, H))
    dh, dc = rng.normal(size=(B, H)), rng.normal(size=(B, H))
    lstm.forward(x, (h0, c0))
    act = {k: v[0] for k, v in lstm.activations().items()}
    lstm.forward(x, (h0, c0))
    lstm.backward(dh[None], grad_c_n=dc[None])
    dc_prev = lstm.grad_c_0[0].copy()
    # one step: dL/db_ih is δa itself (summed over nothing but the batch, so B = 1 per row)
    da = np.stack([_one_row_da(lstm, x[:, b:b + 1], h0[:, b:b + 1], c0[:, b:b + 1],
                               dh[b:b + 1], dc[b:b + 1]) for b in range(B)])
    args = (dh, dc, act["i"], act["f"], act["g"], act["o"], c0[0], act["c"])
    return args, (da, dc_prev)


def _one_row_da(lstm, x, h0, c0, dh, dc) -> np.ndarray:
    """δa of one sequence, read off the library's bias gradient (∂L/∂b_ih = Σ δa)."""
    lstm.forward(x, (h0, c0))
    lstm.backward(dh[None], grad_c_n=dc[None])
    return lstm.grads["bias_ih_l0"].copy()


def step_backward_solution(dh, dc, i, f, g, o, c_prev, c):
    """Backward through one LSTM step: ``(da (B, 4H) in order i, f, g, o, dc_prev (B, H))``."""
    tanh_c = np.tanh(c)
    dc = dc + dh * o * (1 - tanh_c**2)
    da_i = dc * g * i * (1 - i)
    da_f = dc * c_prev * f * (1 - f)
    da_g = dc * i * (1 - g**2)
    da_o = dh * tanh_c * o * (1 - o)
    return np.concatenate([da_i, da_f, da_g, da_o], axis=-1), dc * f


def _wrong_gate_order(dh, dc, i, f, g, o, c_prev, c):
    da, dcp = step_backward_solution(dh, dc, i, f, g, o, c_prev, c)
    blocks = _blocks(da, axis=-1)
    return np.concatenate([blocks[k] for k in "figo"], axis=-1), dcp


def _wrong_no_h_path(dh, dc, i, f, g, o, c_prev, c):
    return step_backward_solution(dh, dc - dh * o * (1 - np.tanh(c) ** 2), i, f, g, o, c_prev, c)


register(
    "bptt-2",
    title="The backward pass of one step",
    page="equations/bptt",
    kind="function",
    checker=lambda fn: compare_function(
        fn, [_step_case(0), _step_case(1)], gate_axis=-1, names=("da", "dc_prev"),
        hint="Steps 1–3 of the derivation: add the path through h_t to dc first.",
    ),
    reference=lambda: step_backward_solution,
    wrong_answers=lambda: [
        WrongAnswer(_wrong_gate_order, "order f, i, g, o", "gate order swapped"),
        WrongAnswer(_wrong_no_h_path, "differ", "path through h_t forgotten"),
        WrongAnswer(lambda *args: step_backward_solution(*args)[0], "tuple of 2", "only da"),
    ],
)


def _dW_hh_case() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(da (T, B, 4H), h_prev (T, B, H), dL/dW_hh from the library)``."""
    T, B, H = 5, 2, 3
    lstm = _lstm(2, H, seed=3)
    rng = np.random.default_rng(4)
    out, _ = lstm.forward(rng.normal(size=(T, B, 2)))
    w = rng.normal(size=out.shape)
    lstm.backward(w)
    # δa_t, recovered from the library's own backward through each step
    from lstmbook.numpy import functional as lf

    act = lstm.activations()
    gates = np.concatenate([act["i"], act["f"], act["g"], act["o"]], axis=-1)
    c_prev = np.concatenate([np.zeros((1, B, H)), act["c"][:-1]])
    h_prev = np.concatenate([np.zeros((1, B, H)), act["h"][:-1]])
    W_hh = lstm.params["weight_hh_l0"]
    da, dh, dc = np.empty_like(gates), np.zeros((B, H)), np.zeros((B, H))
    for t in reversed(range(T)):
        dh = dh + w[t]
        lf.lstm_step_backward_(dh, dc, gates[t], c_prev[t], np.tanh(act["c"][t]), da[t])
        dh = da[t] @ W_hh
    return da, h_prev, lstm.grads["weight_hh_l0"]


def _dW_hh_reference(da: np.ndarray, h_prev: np.ndarray) -> np.ndarray:
    return np.einsum("tbk,tbj->kj", da, h_prev)


def _check_dW_hh(fn: Callable) -> tuple[bool, str]:
    da, h_prev, library = _dW_hh_case()
    return compare_function(
        fn, [((da, h_prev), library)], names=("dW_hh",),
        hint="The weights are shared by every step: their gradient is a sum over t (and b).",
    )


register(
    "bptt-3",
    title="The recurrent weight gradient, summed over time",
    page="equations/bptt",
    kind="function",
    checker=_check_dW_hh,
    reference=lambda: _dW_hh_reference,
    wrong_answers=lambda: [
        WrongAnswer(lambda da, h: np.einsum("tbk,tbj->jk", da, h), "transpose", "transposed"),
        WrongAnswer(lambda da, h: np.einsum("tbk,tbj->kj", da, h) / len(da), "factor",
                    "mean over time"),
        WrongAnswer(lambda da, h: da[-1].T @ h[-1], "differ", "last step only"),
    ],
)

# --- equations/variants --------------------------------------------------------------------


def _gru_case(seed: int) -> tuple[tuple, np.ndarray]:
    from lstmbook.numpy.variants import GRU

    I, H, B = 3, 4, 2
    gru = GRU(I, H, seed=seed)
    p = gru.params
    rng = np.random.default_rng(seed + 10)
    x, h0 = rng.normal(size=(B, I)), rng.normal(size=(B, H))
    out, _ = gru.forward(x[None], h0[None])
    args = (x, h0, p["weight_ih_l0"], p["weight_hh_l0"], p["bias_ih_l0"], p["bias_hh_l0"])
    return args, out[0]


def gru_step_solution(x, h_prev, W_ih, W_hh, b_ih, b_hh):
    """One step of ``torch.nn.GRU``: gate order r, z, n; returns h (B, H)."""
    gi_r, gi_z, gi_n = np.split(x @ W_ih.T + b_ih, 3, axis=-1)
    gh_r, gh_z, gh_n = np.split(h_prev @ W_hh.T + b_hh, 3, axis=-1)
    r, z = _sigmoid(gi_r + gh_r), _sigmoid(gi_z + gh_z)
    n = np.tanh(gi_n + r * gh_n)
    return (1 - z) * n + z * h_prev


def _gru_reset_before_product(x, h_prev, W_ih, W_hh, b_ih, b_hh):
    """The other GRU (Cho et al. 2014): r multiplies h_prev before W_hn."""
    H = h_prev.shape[-1]
    gi_r, gi_z, gi_n = np.split(x @ W_ih.T + b_ih, 3, axis=-1)
    gh_r, gh_z, _ = np.split(h_prev @ W_hh.T + b_hh, 3, axis=-1)
    r, z = _sigmoid(gi_r + gh_r), _sigmoid(gi_z + gh_z)
    n = np.tanh(gi_n + (r * h_prev) @ W_hh[2 * H:].T + b_hh[2 * H:])
    return (1 - z) * n + z * h_prev


def _gru_z_swapped(x, h_prev, W_ih, W_hh, b_ih, b_hh):
    h = gru_step_solution(x, h_prev, W_ih, W_hh, b_ih, b_hh)
    z = _sigmoid(np.split(x @ W_ih.T + b_ih, 3, -1)[1] + np.split(h_prev @ W_hh.T + b_hh, 3, -1)[1])
    n = (h - z * h_prev) / (1 - z)
    return z * n + (1 - z) * h_prev


register(
    "variants-1",
    title="Write the GRU step",
    page="equations/variants",
    kind="function",
    checker=lambda fn: compare_function(
        fn, [_gru_case(0), _gru_case(1)], names=("h",),
        hint="PyTorch's GRU: n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), "
        "h = (1 − z) ⊙ n + z ⊙ h_prev.",
    ),
    reference=lambda: gru_step_solution,
    wrong_answers=lambda: [
        WrongAnswer(_gru_reset_before_product, "differ", "reset before the product"),
        WrongAnswer(_gru_z_swapped, "differ", "z and 1 - z swapped"),
        WrongAnswer(lambda *args: gru_step_solution(*args).T, "transpose", "transposed"),
    ],
)


def _gru_parameters() -> int:
    from lstmbook.numpy.variants import GRU, parameter_count

    return parameter_count(GRU(10, 20, seed=0))


register(
    "variants-2",
    title="Parameters of a GRU",
    page="equations/variants",
    kind="number",
    checker=lambda a: compare_number(
        a, _gru_parameters(), rtol=0, atol=0.5,
        hint="Three blocks (r, z, n) of H rows, each with W_ih, W_hh and two biases.",
    ),
    reference=_gru_parameters,
    wrong_answers=lambda: [
        WrongAnswer(4 * 20 * (10 + 20) + 8 * 20, "too large", "an LSTM's count"),
        WrongAnswer(3 * 20 * (10 + 20) + 3 * 20, "too small", "one bias"),
    ],
)


def _cifg_case(seed: int) -> tuple[tuple, tuple]:
    from lstmbook.numpy.variants import cifg_lstm_step, cifg_lstm_step_backward

    B, H = 2, 3
    rng = np.random.default_rng(seed)
    a, c_prev = rng.normal(size=(B, 3 * H)), rng.normal(size=(B, H))
    dh, dc = rng.normal(size=(B, H)), rng.normal(size=(B, H))
    gates, c, _ = cifg_lstm_step(a, c_prev)
    f, g, o = np.split(gates, 3, axis=-1)
    return (dh, dc, f, g, o, c_prev, c), cifg_lstm_step_backward(dh, dc, gates, c_prev, c)


def cifg_backward_solution(dh, dc, f, g, o, c_prev, c):
    """Backward through one CIFG step (i = 1 − f): ``(da (B, 3H) in order f, g, o, dc_prev)``."""
    tanh_c = np.tanh(c)
    dc = dc + dh * o * (1 - tanh_c**2)
    da_f = dc * (c_prev - g) * f * (1 - f)        # c = f c_prev + (1 - f) g
    da_g = dc * (1 - f) * (1 - g**2)
    da_o = dh * tanh_c * o * (1 - o)
    return np.concatenate([da_f, da_g, da_o], axis=-1), dc * f


def _cifg_forgot_minus_g(dh, dc, f, g, o, c_prev, c):
    """The mistake of copying the LSTM: ∂c/∂f = c_prev, forgetting the −g from i = 1 − f."""
    da, dc_prev = cifg_backward_solution(dh, dc, f, g, o, c_prev, c)
    H = f.shape[-1]
    dc_total = dc + dh * o * (1 - np.tanh(c) ** 2)
    da[:, :H] = dc_total * c_prev * f * (1 - f)
    return da, dc_prev


def _cifg_order_gfo(*args):
    da, dcp = cifg_backward_solution(*args)
    f_, g_, o_ = np.split(da, 3, axis=-1)
    return np.concatenate([g_, f_, o_], axis=-1), dcp


register(
    "variants-3",
    title="Derive and code the CIFG backward step",
    page="equations/variants",
    kind="function",
    checker=lambda fn: compare_function(
        fn, [_cifg_case(0), _cifg_case(1)], gate_axis=-1, gate_names=("f", "g", "o"),
        names=("da", "dc_prev"),
        hint="With i = 1 − f the forget gate acts twice: ∂c/∂f = c_prev − g.",
    ),
    reference=lambda: cifg_backward_solution,
    wrong_answers=lambda: [
        WrongAnswer(_cifg_forgot_minus_g, "differ", "∂c/∂f = c_prev as in the LSTM"),
        WrongAnswer(_cifg_order_gfo, "order g, f, o", "blocks swapped"),
    ],
)

# --- equations/sources ---------------------------------------------------------------------


def _squared_gate_ratio() -> float:
    """Source 002's update i ⊙ i ⊙ g over the LSTM's i ⊙ g, at a_i = 0."""
    i = _sigmoid(np.zeros(1))
    g = np.tanh(np.ones(1))
    return float((i * i * g / (i * g))[0])


register(
    "sources-1",
    title="How much source 002's squared input gate shrinks the update",
    page="equations/sources",
    kind="number",
    checker=lambda a: compare_number(
        a, _squared_gate_ratio(), rtol=1e-9, hint="i ⊙ i ⊙ g against i ⊙ g: the ratio is i."
    ),
    reference=_squared_gate_ratio,
    wrong_answers=lambda: [
        WrongAnswer(1.0, "twice", "no change"),
        WrongAnswer(0.25, "half", "i squared"),
    ],
)

_OUTPUT_GATE_OPTIONS = ("c_t", "h_t", "both")


def _what_the_output_gate_changes() -> str:
    """Perturb the output gate's weights and see which of c_t, h_t moves in one step."""
    lstm = _lstm(2, 3, seed=0)
    rng = np.random.default_rng(0)
    x, state = rng.normal(size=(1, 1, 2)), (rng.normal(size=(1, 1, 3)), rng.normal(size=(1, 1, 3)))
    _, (h1, c1) = lstm.forward(x, state)
    lstm.params["weight_ih_l0"][9:12] += 1.0           # the o block of weight_ih
    _, (h2, c2) = lstm.forward(x, state)
    moved = [name for name, a, b in (("c_t", c1, c2), ("h_t", h1, h2)) if not np.allclose(a, b)]
    return moved[0] if len(moved) == 1 else "both"


register(
    "sources-2",
    title="Does the output gate control the cell-state update (source 001)?",
    page="equations/sources",
    kind="choice",
    checker=lambda a: compare_choice(
        a, _what_the_output_gate_changes(), _OUTPUT_GATE_OPTIONS,
        explain={
            "c_t": "c_t = f ⊙ c_{t-1} + i ⊙ g has no o in it: change o's weights and "
            "compare c_T.",
            "both": "Within one step only one of them moves when o's weights change — "
            "measure c_t and h_t. (Over several steps o reaches later gates through "
            "h_{t-1}, which is not controlling the update.)",
        },
    ),
    reference=_what_the_output_gate_changes,
    wrong_answers=lambda: [
        WrongAnswer("both", "only one of them", "source 001's claim"),
        WrongAnswer("c_t", "has no o", "the cell state"),
        WrongAnswer("h", "not one of the options", "not an option"),
    ],
)


def _peephole_ratio(H: int = 128) -> float:
    from lstmbook.numpy.variants import PeepholeLSTM

    params = PeepholeLSTM(1, H, seed=0).params
    diagonal = sum(p.size for name, p in params.items() if name.startswith("weight_c"))
    return 4 * H * H / diagonal


register(
    "sources-3",
    title="What source 004's full peephole matrices cost",
    page="equations/sources",
    kind="number",
    checker=lambda a: compare_number(
        a, _peephole_ratio(), rtol=1e-6,
        hint="Four H × H matrices (W_ci, W_cf, W_co, W_cc) against the peephole LSTM's "
        "three vectors of H.",
    ),
    reference=_peephole_ratio,
    wrong_answers=lambda: [
        WrongAnswer(128.0, "too small", "H"),
        WrongAnswer(4 * 128 * 128.0, "too large", "4H² alone"),
    ],
)
