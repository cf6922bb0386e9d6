"""Exercises of the Equations chapter (``book/equations/*.ipynb``).

Every reference answer is computed with the library (an LSTM, its backward pass, a
layout conversion), never typed in; the test inputs are fixed by seeds.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._core import WrongAnswer, register
from .compare import (
    Mistake,
    compare_array,
    compare_choice,
    compare_function,
    compare_number,
)

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


def _index_1_mistakes() -> list[tuple[float, str]]:
    I, H = 10, 20
    return [
        (2 * (4 * H * (I + H) + 8 * H),
         "That gives layer 2 the input size I = 10: layer 2 reads h of layer 1, so its "
         "W_ih is (4H, H) = (80, 20)."),
        (_lstm_parameters() - 2 * 4 * H,
         "That counts one bias vector per layer: PyTorch keeps b_ih and b_hh, 4H each."),
        (4 * H * (I + H) + 8 * H,
         "That is layer 1 alone: num_layers=2 stacks a second layer on top, whose input is "
         "the h of the first (size H)."),
    ]


register(
    "index-1",
    title="Parameters of a two-layer LSTM",
    page="equations/index",
    kind="number",
    checker=lambda a: compare_number(a, _lstm_parameters(), rtol=0, atol=0.5,
                                     mistakes=_index_1_mistakes()),
    reference=_lstm_parameters,
    wrong_answers=lambda: [
        WrongAnswer(2 * (4 * 20 * (10 + 20) + 8 * 20), "layer 2 reads h",
                    "layer 2 input taken as I"),
        WrongAnswer(_lstm_parameters() - 2 * 4 * 20, "one bias vector", "one bias per layer"),
        WrongAnswer(4 * 20 * (10 + 20) + 8 * 20, "layer 1 alone", "one layer"),
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


def _count_series(t: int) -> float:
    """c_t = i g (1 + f + … + f^(t−1)) with i = f = σ(4), g = tanh(4)."""
    s, g = float(_sigmoid(_COUNT_BIAS)), float(np.tanh(_COUNT_BIAS))
    return s * g * (1 - s**t) / (1 - s)


def _index_2_mistakes() -> list[tuple[float, str]]:
    s, g = float(_sigmoid(_COUNT_BIAS)), float(np.tanh(_COUNT_BIAS))
    return [
        (_COUNT_T * s * g,
         "That is 50·i·g, as if f were 1: f = σ(4) ≈ 0.982 shrinks the cell at every step, "
         "so c_t is a geometric series, i·g·(1 − f^t)/(1 − f)."),
        (g, "That is tanh(4), as if c were bounded like h: the cell state is not squashed; "
            "it adds i·g at every step."),
        (s * g / (1 - s),
         "That is the limit i·g/(1 − f), reached only as t → ∞: after 50 steps multiply it "
         "by (1 − f^50)."),
        (_count_series(_COUNT_T - 1),
         "That is c_49, one step short (an off-by-one in time): from c_0 = 0, fifty steps "
         "give i·g·(1 − f^50)/(1 − f)."),
        (_count_series(_COUNT_T + 1),
         "That is c_51, one step too many (an off-by-one in time): from c_0 = 0, fifty "
         "steps give i·g·(1 − f^50)/(1 − f)."),
    ]


register(
    "index-2",
    title="How far can the cell state count?",
    page="equations/index",
    kind="number",
    checker=lambda a: compare_number(a, _count_after_steps(), rtol=1e-6,
                                     mistakes=_index_2_mistakes()),
    reference=_count_after_steps,
    wrong_answers=lambda: [
        WrongAnswer(_COUNT_T * _sigmoid(_COUNT_BIAS) * np.tanh(_COUNT_BIAS), "as if f were 1",
                    "f taken as 1"),
        WrongAnswer(np.tanh(_COUNT_BIAS), "not squashed", "c bounded like h"),
        WrongAnswer(_count_series(10_000), "limit", "the limit"),
        WrongAnswer(_count_series(_COUNT_T - 1), "c_49", "49 steps"),
    ],
)


def _forget_rows() -> np.ndarray:
    return _blocks(_state_dict()["weight_ih_l0"])["f"]


def _check_forget_rows(answer) -> tuple[bool, str]:
    W = _state_dict()["weight_ih_l0"]
    H = W.shape[0] // 4
    words = {"i": "input gate (rows 0:H)", "g": "candidate g (rows 2H:3H)",
             "o": "output gate (rows 3H:4H)"}
    mistakes = [(block, f"These are the rows of the {words[name]}. In PyTorch's layout the "
                        "blocks are i, f, g, o, so the forget gate is the second block, "
                        "rows H:2H.")
                for name, block in _blocks(W).items() if name != "f"]
    mistakes += [
        (W[H - 1:2 * H - 1], "These are rows H−1 to 2H−2, one row too early: the forget "
                             "block is W[H:2H] (Python slices leave out the end)."),
        (W[H + 1:2 * H + 1], "These are rows H+1 to 2H, one row too late: the forget "
                             "block is W[H:2H]."),
        (_blocks(_state_dict()["weight_hh_l0"])["f"],
         "These are the forget rows of weight_hh_l0, W_hf: the question asks for the input "
         "part W_if, in weight_ih_l0."),
    ]
    return compare_array(answer, _forget_rows(), mistakes=mistakes, name="your block")


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
        WrongAnswer(_state_dict()["weight_ih_l0"][3:7], "one row too early", "rows 3:7"),
        WrongAnswer(_blocks(_state_dict()["weight_hh_l0"])["f"], "weight_hh_l0", "W_hf"),
    ],
)

# --- equations/notation --------------------------------------------------------------------


def _concat_W_f() -> np.ndarray:
    from lstmbook import notation

    return notation.torch_to_concat(_state_dict())["W_f"]


def _check_concat(answer) -> tuple[bool, str]:
    sd = _state_dict()
    w_ih, w_hh = _blocks(sd["weight_ih_l0"]), _blocks(sd["weight_hh_l0"])
    mistakes = [
        (np.hstack([w_ih["f"], w_hh["f"]]),
         "The column blocks are in the order [x, h]; the sources concatenate "
         "[h_{t-1}, x_t], so W_hf comes first."),
        (w_hh["f"], "That is W_hf alone, the h-columns: append the x-columns W_if, "
                    "W_f = [W_hf, W_if] of shape (H, H + I)."),
        (w_ih["f"], "That is W_if alone, the x-columns: put W_hf in front of it, "
                    "W_f = [W_hf, W_if] of shape (H, H + I)."),
    ]
    mistakes += [
        (np.hstack([w_hh[k], w_ih[k]]),
         f"Those are the {k} block's rows (block {'ifgo'.index(k)} of i, f, g, o): W_f takes "
         "the second block, rows H:2H, of both matrices.")
        for k in "igo"
    ]
    return compare_array(answer, _concat_W_f(), mistakes=mistakes, name="your W_f")


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
        WrongAnswer(_concat_W_f()[:, :4], "W_hf alone", "W_hf only"),
        WrongAnswer(np.hstack([_blocks(_state_dict()["weight_hh_l0"])["i"],
                               _blocks(_state_dict()["weight_ih_l0"])["i"]]),
                    "i block's rows", "the input gate's rows"),
        WrongAnswer(_concat_W_f().T, "transpose", "transposed"),
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
        mistakes=[
            (_state_dict()["weight_ih_l0"],
             "That is still PyTorch's order i, f, g, o: ONNX stacks input, output, forget, "
             "cell (i, o, f, c), so move the o block up to second place."),
            (_onnx_W()[None],
             "That keeps ONNX's leading direction axis, (1, 4H, I): return the (4H, I) "
             "matrix, W[0]."),
        ],
    ),
    reference=_onnx_W,
    wrong_answers=lambda: [
        WrongAnswer(_state_dict()["weight_ih_l0"], "still PyTorch's order",
                    "left in PyTorch order"),
        WrongAnswer(_onnx_W().T, "transpose", "transposed"),
        WrongAnswer(_onnx_W()[None], "direction axis", "with ONNX's leading direction axis"),
        WrongAnswer(np.concatenate([_blocks(_state_dict()["weight_ih_l0"])[k] for k in "ofig"]),
                    "order o, f, i, g", "i and o swapped"),
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
        mistakes=[(_state_dict()["weight_ih_l0"],
                   "That is PyTorch's weight_ih as it is, (4H, I): Keras multiplies row "
                   "vectors, x @ kernel, with the gates in the columns, so the kernel is its "
                   "transpose (I, 4H).")],
    ),
    reference=_keras_kernel,
    wrong_answers=lambda: [
        WrongAnswer(_state_dict()["weight_ih_l0"], "multiplies row vectors", "not transposed"),
        WrongAnswer(
            np.hstack([_blocks(_keras_kernel(), axis=1)[k] for k in "ifog"]),
            "order i, f, o, g", "c and o swapped",
        ),
        WrongAnswer(
            np.hstack([_blocks(_keras_kernel(), axis=1)[k] for k in "iofg"]),
            "order i, o, f, g", "ONNX's order",
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
    checker=lambda a: compare_number(a, _cell_path_factor(), rtol=1e-6, mistakes=[
        (float(np.tanh(2.0)), "That is tanh(2): the forget gate is a sigmoid, f = σ(a_f), "
                              "and along the cell path the gradient is multiplied by f_t "
                              "and nothing else."),
        (float(_sigmoid(2.0) * (1 - _sigmoid(2.0))),
         "That is σ'(2) = σ(2)(1 − σ(2)): along the cell path ∂c_t/∂c_{t−1} = f_t, the gate "
         "itself; its slope enters only the gradient of a_f."),
        (1.0, "1 is the constant error carousel of the original LSTM without a forget gate: "
              "with one, the cell path multiplies by f_t = σ(2) < 1 at every step."),
        (float(_sigmoid(2.0)) ** 9, "That is σ(2)^9, the gain over 9 steps: the question "
                                    "asks for one step, ∂c_t/∂c_{t−1}."),
        (float(_sigmoid(2.0)) ** 10, "That is σ(2)^10, the gain over all 10 steps: the "
                                     "question asks for one step, ∂c_t/∂c_{t−1}."),
    ]),
    reference=_cell_path_factor,
    wrong_answers=lambda: [
        WrongAnswer(float(np.tanh(2.0)), "is a sigmoid", "tanh instead of σ"),
        WrongAnswer(float(_sigmoid(2.0) * (1 - _sigmoid(2.0))), "σ'(2)", "σ' instead of σ"),
        WrongAnswer(1.0, "without a forget gate", "the carousel always passes 1"),
        WrongAnswer(float(_sigmoid(2.0)) ** 10, "over all 10 steps", "gain[10]"),
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


def _wrong_no_slopes(dh, dc, i, f, g, o, c_prev, c):
    """δ by the gates (step 2) returned as δa: σ' and tanh' (step 3) left out."""
    tanh_c = np.tanh(c)
    dc = dc + dh * o * (1 - tanh_c**2)
    return np.concatenate([dc * g, dc * c_prev, dc * i, dh * tanh_c], axis=-1), dc * f


def _wrong_df_from_c(dh, dc, i, f, g, o, c_prev, c):
    """∂c_t/∂f taken as c_t instead of c_{t-1}."""
    return step_backward_solution(dh, dc, i, f, g, o, c, c)[0], \
        step_backward_solution(dh, dc, i, f, g, o, c_prev, c)[1]


def _wrong_dc_prev_incoming(dh, dc, i, f, g, o, c_prev, c):
    """δc_{t-1} = δc_t(incoming) ⊙ f, without the path through h_t."""
    return step_backward_solution(dh, dc, i, f, g, o, c_prev, c)[0], dc * f


_BPTT_2_MISTAKES = [
    Mistake(_wrong_no_h_path,
            "δc lacks the path through h_t: first add δh_t ⊙ o ⊙ (1 − tanh²c_t) to the "
            "incoming δc_t (step 1), then use that total for the gates and for δc_{t−1}."),
    Mistake(_wrong_no_slopes,
            "That δa holds the derivatives by the gates i, f, g, o, not by their "
            "pre-activations: multiply by σ' = i(1 − i), f(1 − f), o(1 − o) and by "
            "tanh' = 1 − g² (step 3)."),
    Mistake(_wrong_df_from_c,
            "δa_f uses c_t: the forget gate multiplies the old cell, c_t = f ⊙ c_{t−1} + i ⊙ g, "
            "so ∂c_t/∂f = c_{t−1}."),
    Mistake(_wrong_dc_prev_incoming,
            "δa is right, but δc_{t−1} multiplies only the incoming δc_t by f: use the "
            "total δc_t, with δh_t ⊙ o ⊙ (1 − tanh²c_t) added (step 1)."),
]

register(
    "bptt-2",
    title="The backward pass of one step",
    page="equations/bptt",
    kind="function",
    checker=lambda fn: compare_function(
        fn, [_step_case(0), _step_case(1)], gate_axis=(-1, None), names=("da", "dc_prev"),
        mistakes=_BPTT_2_MISTAKES, reference=step_backward_solution,
        roles={6: "state", 7: "state"},
    ),
    reference=lambda: step_backward_solution,
    wrong_answers=lambda: [
        WrongAnswer(_wrong_gate_order, "order f, i, g, o", "gate order swapped"),
        WrongAnswer(_wrong_no_h_path, "lacks the path through h_t", "path through h_t forgotten"),
        WrongAnswer(lambda *args: step_backward_solution(*args)[0], "returned ndarray", "only da"),
        WrongAnswer(_wrong_no_slopes, "not by their pre-activations", "σ' and tanh' left out"),
        WrongAnswer(_wrong_df_from_c, "multiplies the old cell", "∂c/∂f = c_t"),
        WrongAnswer(_wrong_dc_prev_incoming, "only the incoming", "δc_{t-1} without h path"),
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


_DW_HH_MISTAKES = [
    Mistake(lambda da, h: np.einsum("tbk,tbj->kj", da, h) / len(da),
            "That is the mean over time, the sum divided by T: the weights are shared by "
            "every step, so their gradient is the SUM of the steps' contributions."),
    Mistake(lambda da, h: np.einsum("tbk,tbj->kj", da, h) / da.shape[1],
            "That is the mean over the batch: the loss is a sum over the sequences, so "
            "the gradient sums δa_tᵀ h_{t−1} over b too, without dividing by B."),
    Mistake(lambda da, h: da[-1].T @ h[-1],
            "That is the last step's contribution only, δa_Tᵀ h_{T−1}: W_hh acts at every "
            "step, so sum δa_tᵀ h_{t−1} over all t (and b)."),
    Mistake(lambda da, h: np.einsum("tbk,tbj->kj", da[1:], h[1:]),
            "You left out step 0 (the sum starts at t = 1): h_0 is zero in the page's "
            "network, but not in general; sum δa_tᵀ h_{t−1} over every step."),
    Mistake(lambda da, h: np.einsum("tbk,tbj->kj", da[1:], h[:-1]),
            "You paired δa_t with h_prev[t − 1], an off-by-one in time: h_prev[t] already is "
            "the h_{t−1} that multiplied δa_t, so use the two arrays as they are aligned."),
    Mistake(lambda da, h: np.einsum("tbk,tbj->kj", da[:-1], h[1:]),
            "You paired δa_t with h_prev[t + 1], an off-by-one in time: h_prev[t] already "
            "is the h_{t−1} that multiplied δa_t, so use the two arrays as they are aligned."),
]


def _check_dW_hh(fn: Callable) -> tuple[bool, str]:
    da, h_prev, library = _dW_hh_case()
    # a second case whose h_prev[0] is not zero, so that dropping step 0 shows
    rng = np.random.default_rng(5)
    da2, h2 = rng.normal(size=(4, 3, 8)), rng.normal(size=(4, 3, 2))
    cases = [((da, h_prev), library), ((da2, h2), _dW_hh_reference(da2, h2))]
    return compare_function(fn, cases, names=("dW_hh",), mistakes=_DW_HH_MISTAKES)


register(
    "bptt-3",
    title="The recurrent weight gradient, summed over time",
    page="equations/bptt",
    kind="function",
    checker=_check_dW_hh,
    reference=lambda: _dW_hh_reference,
    wrong_answers=lambda: [
        WrongAnswer(lambda da, h: np.einsum("tbk,tbj->jk", da, h), "transpose", "transposed"),
        WrongAnswer(lambda da, h: np.einsum("tbk,tbj->kj", da, h) / len(da), "mean over time",
                    "mean over time"),
        WrongAnswer(lambda da, h: np.einsum("tbk,tbj->kj", da, h) / da.shape[1],
                    "mean over the batch", "mean over the batch"),
        WrongAnswer(lambda da, h: da[-1].T @ h[-1], "last step's contribution", "last step only"),
        WrongAnswer(lambda da, h: np.einsum("tbk,tbj->kj", da[1:], h[1:]), "left out step 0",
                    "step 0 skipped"),
        WrongAnswer(lambda da, h: np.einsum("tbk,tbj->kj", da[1:], h[:-1]), "h_prev[t − 1]",
                    "shifted by one step"),
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


def _gru_b_hn_outside(x, h_prev, W_ih, W_hh, b_ih, b_hh):
    """b_hn added outside the reset gate: n = tanh(W_in x + b_in + r ⊙ (W_hn h) + b_hn)."""
    H = h_prev.shape[-1]
    gi_r, gi_z, gi_n = np.split(x @ W_ih.T + b_ih, 3, axis=-1)
    gh_r, gh_z, _ = np.split(h_prev @ W_hh.T + b_hh, 3, axis=-1)
    r, z = _sigmoid(gi_r + gh_r), _sigmoid(gi_z + gh_z)
    n = np.tanh(gi_n + r * (h_prev @ W_hh[2 * H:].T) + b_hh[2 * H:])
    return (1 - z) * n + z * h_prev


def _gru_r_z_swapped(x, h_prev, W_ih, W_hh, b_ih, b_hh):
    """The blocks read as z, r, n."""
    perm = lambda a: np.concatenate([np.split(a, 3)[k] for k in (1, 0, 2)])  # noqa: E731
    return gru_step_solution(x, h_prev, perm(W_ih), perm(W_hh), perm(b_ih), perm(b_hh))


_GRU_MISTAKES = [
    Mistake(_gru_reset_before_product,
            "Your r multiplies h_prev before the product with W_hn (the GRU of Cho et al. "
            "2014); PyTorch applies it after: n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))."),
    Mistake(_gru_z_swapped,
            "z and 1 − z are swapped: in PyTorch z keeps the OLD state, "
            "h = (1 − z) ⊙ n + z ⊙ h_prev."),
    Mistake(_gru_b_hn_outside,
            "b_hn is added outside r ⊙ (…): PyTorch's reset gate multiplies W_hn h + b_hn, "
            "bias included."),
]

register(
    "variants-1",
    title="Write the GRU step",
    page="equations/variants",
    kind="function",
    checker=lambda fn: compare_function(
        fn, [_gru_case(0), _gru_case(1)], names=("h",), mistakes=_GRU_MISTAKES,
        reference=gru_step_solution, gate_names=("r", "z", "n"),
        roles={2: "gates", 3: "gates", 4: ("gates", "bias"), 5: ("gates", "bias"),
               1: "state"},
    ),
    reference=lambda: gru_step_solution,
    wrong_answers=lambda: [
        WrongAnswer(_gru_reset_before_product, "before the product", "reset before the product"),
        WrongAnswer(_gru_z_swapped, "z and 1 − z are swapped", "z and 1 - z swapped"),
        WrongAnswer(lambda *args: gru_step_solution(*args).T, "transpose", "transposed"),
        WrongAnswer(_gru_b_hn_outside, "outside r", "b_hn outside the reset"),
        WrongAnswer(_gru_r_z_swapped, "gate blocks are in the wrong order", "r and z swapped"),
        WrongAnswer(lambda x, h, Wi, Wh, bi, bh: gru_step_solution(x, h, Wi, Wh, bi, 0 * bh),
                    "b_hh is missing", "b_hh left out"),
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
    checker=lambda a: compare_number(a, _gru_parameters(), rtol=0, atol=0.5, mistakes=[
        (4 * 20 * (10 + 20) + 8 * 20,
         "That is an LSTM's count, four blocks: a GRU has three, r, z and n."),
        (3 * 20 * (10 + 20) + 3 * 20,
         "That counts one bias vector: torch.nn.GRU keeps b_ih and b_hh, 3H each."),
        (3 * 20 * (10 + 20),
         "That leaves out the biases: add b_ih and b_hh, 3H = 60 each."),
    ]),
    reference=_gru_parameters,
    wrong_answers=lambda: [
        WrongAnswer(4 * 20 * (10 + 20) + 8 * 20, "an LSTM's count", "an LSTM's count"),
        WrongAnswer(3 * 20 * (10 + 20) + 3 * 20, "one bias vector", "one bias"),
        WrongAnswer(3 * 20 * (10 + 20), "leaves out the biases", "no biases"),
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


def _cifg_no_h_path(dh, dc, f, g, o, c_prev, c):
    return cifg_backward_solution(dh, dc - dh * o * (1 - np.tanh(c) ** 2), f, g, o, c_prev, c)


def _cifg_g_without_1_minus_f(dh, dc, f, g, o, c_prev, c):
    da, dc_prev = cifg_backward_solution(dh, dc, f, g, o, c_prev, c)
    H = f.shape[-1]
    dc_total = dc + dh * o * (1 - np.tanh(c) ** 2)
    da[:, H:2 * H] = dc_total * (1 - g**2)
    return da, dc_prev


_CIFG_MISTAKES = [
    Mistake(_cifg_forgot_minus_g,
            "δa_f uses ∂c/∂f = c_{t−1} as in the LSTM: with i = 1 − f the forget gate acts "
            "twice, so ∂c_t/∂f = c_{t−1} − g."),
    Mistake(_cifg_no_h_path,
            "δc lacks the path through h_t: first add δh_t ⊙ o ⊙ (1 − tanh²c_t) to the "
            "incoming δc_t, then use that total for the gates and for δc_{t−1}."),
    Mistake(_cifg_g_without_1_minus_f,
            "δa_g leaves out the gate in front of g: g is written with weight 1 − f, so "
            "δa_g = δc ⊙ (1 − f) ⊙ (1 − g²)."),
]

register(
    "variants-3",
    title="Derive and code the CIFG backward step",
    page="equations/variants",
    kind="function",
    checker=lambda fn: compare_function(
        fn, [_cifg_case(0), _cifg_case(1)], gate_axis=(-1, None), gate_names=("f", "g", "o"),
        names=("da", "dc_prev"), mistakes=_CIFG_MISTAKES, reference=cifg_backward_solution,
        roles={5: "state", 6: "state"},
    ),
    reference=lambda: cifg_backward_solution,
    wrong_answers=lambda: [
        WrongAnswer(_cifg_forgot_minus_g, "acts twice", "∂c/∂f = c_prev as in the LSTM"),
        WrongAnswer(_cifg_order_gfo, "order g, f, o", "blocks swapped"),
        WrongAnswer(_cifg_no_h_path, "path through h_t", "path through h_t forgotten"),
        WrongAnswer(_cifg_g_without_1_minus_f, "gate in front of g", "δa_g without 1 − f"),
        WrongAnswer(lambda *args: cifg_backward_solution(*args)[0], "returned ndarray", "only da"),
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
    checker=lambda a: compare_number(a, _squared_gate_ratio(), rtol=1e-9, mistakes=[
        (1.0, "1 would mean no change: i ⊙ i ⊙ g / (i ⊙ g) = i, and i = σ(0) = 0.5, so "
              "the update is halved."),
        (0.25, "0.25 is i², the factor in front of g in source 002's update: divided by "
               "the LSTM's i ⊙ g, the ratio is i itself."),
        (0.0, "0 takes i = a_i = 0: the gate is i = σ(a_i), and σ(0) = 0.5."),
        (2.0, "2 is the ratio the other way round, the LSTM's update over source 002's: "
              "divide i ⊙ i ⊙ g by i ⊙ g."),
    ]),
    reference=_squared_gate_ratio,
    wrong_answers=lambda: [
        WrongAnswer(1.0, "would mean no change", "no change"),
        WrongAnswer(0.25, "is i²", "i squared"),
        WrongAnswer(0.0, "takes i = a_i", "σ forgotten"),
        WrongAnswer(2.0, "other way round", "inverted"),
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
    checker=lambda a: compare_number(a, _peephole_ratio(), rtol=1e-6, mistakes=[
        (128.0, "128 = 4H²/(4H): the peephole LSTM has three diagonal peepholes (for i, f "
                "and o), 3H parameters, not four."),
        (4 * 128 * 128.0, "65,536 is the full matrices' count alone, 4H²: divide it by the "
                          "diagonal peepholes' 3H = 384."),
        (3 * 128 / (4 * 128**2), "That is the ratio the other way round, diagonal over "
                                 "full: divide the full matrices' 4H² by the diagonal 3H."),
    ]),
    reference=_peephole_ratio,
    wrong_answers=lambda: [
        WrongAnswer(128.0, "not four", "H"),
        WrongAnswer(4 * 128 * 128.0, "divide it by", "4H² alone"),
        WrongAnswer(3 * 128 / (4 * 128**2), "other way round", "inverted"),
    ],
)
