"""Right answers of the Code chapter's exercises, written another way than the references."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def _lstm_forward_one_matmul():
    """numpy-1 without lstm_step: one product of [x, h] with the stacked weights per step,
    and the output preallocated."""

    def lstm_forward(x, h0, c0, W_ih, W_hh, b_ih, b_hh):
        W = np.concatenate([W_ih, W_hh], axis=1)           # (4H, I + H)
        b = b_ih + b_hh
        H = h0.shape[-1]
        out = np.empty((len(x), *h0.shape))
        h, c = h0, c0
        for t in range(len(x)):
            a = np.concatenate([x[t], h], axis=1) @ W.T + b
            i, f, o = (1 / (1 + np.exp(-a[:, k * H:(k + 1) * H])) for k in (0, 1, 3))
            g = np.tanh(a[:, 2 * H:3 * H])
            c = f * c + i * g
            h = o * np.tanh(c)
            out[t] = h
        return out, [h, c]                                  # a list is a pair too

    return lstm_forward


def _gate_major_by_stacking():
    def to_gate_major(a):
        return np.stack(np.split(a, 4, axis=1))            # four (B, H) column blocks

    return to_gate_major


def _gradient_as_tensor():
    import torch

    from lstmbook.exercises.code import gradient_problem

    lstm, x, w = gradient_problem()
    weight, eps = lstm.params["weight_hh_l0"], 1e-5
    weight[4, 0] += eps
    up = (lstm(x)[0] * w).sum()
    weight[4, 0] -= 2 * eps
    down = (lstm(x)[0] * w).sum()
    weight[4, 0] += eps
    return torch.tensor((up - down) / (2 * eps))           # a 0-d tensor


def _forget_bias_in_hh():
    def set_forget_bias(lstm, value):
        for name, p in lstm.named_parameters():            # the bias in b_hh, b_ih at 0
            if name.startswith("bias_"):
                H = p.shape[0] // 4
                p.data[H:2 * H] = value if name.startswith("bias_hh") else 0.0
        return lstm

    return set_forget_bias


def _autograd_by_torch_autograd_grad():
    import torch

    from lstmbook.exercises.code import gradient_problem
    from lstmbook.torch import numpy_lstm_to_torch

    lstm, x, w = gradient_problem()
    module = numpy_lstm_to_torch(lstm)
    out, _ = module(torch.from_numpy(x))
    loss = torch.einsum("tbh,tbh->", out, torch.from_numpy(w))
    (grad,) = torch.autograd.grad(loss, module.weight_hh_l0)
    return grad                                            # a tensor, not an array


def _concat_as_list():
    from lstmbook.exercises.code import torch_lstm_problem

    sd = torch_lstm_problem(num_layers=1).state_dict()
    H = 4
    w_ih, w_hh = sd["weight_ih_l0"][H:2 * H], sd["weight_hh_l0"][H:2 * H]
    return [list(map(float, w_hh[r])) + list(map(float, w_ih[r])) for r in range(H)]


def _xp_step_with_tanh_sigmoid():
    def step_forward(gates, c_prev, xp):
        sig = 0.5 * (1 + xp.tanh(0.5 * gates))             # σ(a) = (1 + tanh(a/2)) / 2
        i, f, _, o = sig
        c = f * c_prev + i * xp.tanh(gates[2])
        return (c, o * xp.tanh(c))

    return step_forward


def _cifg_as_lists():
    return [["f", "0.5 + 0.5 * tanh(0.5 * a_f)"], ["i", "1 - f"], ["o", "sigmoid(a_o)"],
            ["g", "tanh(a_g)"], ["c", "c_prev * f + g * i"], ["tanh_c", "tanh(c)"],
            ["h", "tanh_c * o"]]


def _predict_with_lstsq():
    def predict_time(lengths, seconds, T_new):
        A = np.stack([np.log2(lengths), np.ones(len(lengths))], axis=1)
        (p, log2_a), *_ = np.linalg.lstsq(A, np.log2(seconds), rcond=None)
        return np.float64(2.0 ** (log2_a + p * np.log2(T_new)))

    return predict_time


def _to_keras_with_stack():
    def torch_to_keras_by_hand(sd):
        return [np.ascontiguousarray(np.transpose(sd["weight_ih_l0"])),
                np.transpose(sd["weight_hh_l0"]),
                np.sum([sd["bias_ih_l0"], sd["bias_hh_l0"]], axis=0)]

    return torch_to_keras_by_hand


def _to_torch_split_bias():
    def keras_to_torch_by_hand(kernel, recurrent_kernel, bias):
        return kernel.T.copy(), recurrent_kernel.T.copy(), bias / 2, bias / 2

    return keras_to_torch_by_hand


def _count_by_formula():
    def lstm(I, H):
        return 4 * H * (I + H + 1)

    return np.int64(lstm(28, 96) + lstm(96, 48) + 48 * 10 + 10)


ALTERNATIVES: dict[str, Callable[[], Any]] = {
    "numpy-1": _lstm_forward_one_matmul,
    "numpy-2": _gate_major_by_stacking,
    "numpy-3": _gradient_as_tensor,
    "pytorch-1": _forget_bias_in_hh,
    "pytorch-2": _autograd_by_torch_autograd_grad,
    "pytorch-3": _concat_as_list,
    "gpu-1": _xp_step_with_tanh_sigmoid,
    "gpu-2": lambda: "786,432",
    "gpu-3": _cifg_as_lists,
    "speed-1": lambda: 2 * 32 * (4 * 128) * (32 + 128) * 1.0,
    "speed-2": lambda: np.float32(3.778),
    "speed-3": _predict_with_lstsq,
    "keras-1": _to_keras_with_stack,
    "keras-2": _to_torch_split_bias,
    "keras-3": _count_by_formula,
}
