"""Right answers written another way: the Gates, Background and Equations pages
(gates, background, index, notation, bptt, variants, sources)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def _typed(exercise_id: str, figures: int) -> str:
    """The reference as a learner types it: a string with ``figures`` significant figures."""
    from lstmbook.exercises import solution

    return f"{float(solution(exercise_id)):.{figures}g}"


def _state_dict() -> dict[str, np.ndarray]:
    from lstmbook.numpy import LSTM

    return LSTM(3, 4, seed=0).state_dict()


# --- gates ---------------------------------------------------------------------------


def _kept_torch():
    """σ(1)^50 as a 0-d float64 tensor."""
    import torch

    return torch.sigmoid(torch.tensor(1.0, dtype=torch.float64)) ** 50


def _step_stacked(x, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    """One matrix product of [x, h] with the stacked [W_ih, W_hh], gates by index."""
    H = h_prev.shape[-1]
    W = np.concatenate([W_ih, W_hh], axis=1)              # (4H, I + H)
    a = np.concatenate([x, h_prev], axis=1) @ W.T + (b_ih + b_hh)
    gate = {name: a[:, k * H:(k + 1) * H] for k, name in enumerate("ifgo")}
    sig = {k: 0.5 * (1 + np.tanh(0.5 * gate[k])) for k in "ifo"}
    c = sig["f"] * c_prev + sig["i"] * np.tanh(gate["g"])
    return sig["o"] * np.tanh(c), c


# --- background ----------------------------------------------------------------------


def _lstm_count_torch():
    import torch

    model = [torch.nn.LSTM(2, 16), torch.nn.Linear(16, 1)]
    return np.int64(sum(p.numel() for m in model for p in m.parameters()))


def _rnn_step_torch(x, h_prev, W_ih, W_hh, b_ih, b_hh):
    """torch.nn.functional.linear, returning a float64 tensor."""
    import torch
    from torch.nn.functional import linear

    t = lambda a: torch.as_tensor(a, dtype=torch.float64)  # noqa: E731
    return torch.tanh(linear(t(x), t(W_ih), t(b_ih)) + linear(t(h_prev), t(W_hh), t(b_hh)))


# --- equations/index, notation ------------------------------------------------------


def _two_layer_count_torch():
    import torch

    lstm = torch.nn.LSTM(input_size=10, hidden_size=20, num_layers=2)
    return torch.tensor(sum(p.numel() for p in lstm.parameters()))


def _count_loop() -> float:
    """c_50 by iterating c = f c + i g in plain Python floats."""
    import math

    s, g = 1 / (1 + math.exp(-4.0)), math.tanh(4.0)
    c = 0.0
    for _ in range(50):
        c = s * c + s * g
    return round(c, 4)


def _forget_rows_list():
    W = _state_dict()["weight_ih_l0"]
    return W.reshape(4, 4, 3)[1].tolist()                   # (gate, unit, input)


def _concat_torch():
    import torch

    sd = _state_dict()
    rows = slice(4, 8)
    return torch.cat([torch.from_numpy(sd["weight_hh_l0"][rows]),
                      torch.from_numpy(sd["weight_ih_l0"][rows])], dim=1)


def _onnx_fancy_index():
    import torch

    W = _state_dict()["weight_ih_l0"]
    return torch.from_numpy(W[np.r_[0:4, 12:16, 4:8, 8:12]])  # i, o, f, g


def _keras_list():
    W = _state_dict()["weight_ih_l0"]
    return np.einsum("ij->ji", W).tolist()


# --- equations/bptt ------------------------------------------------------------------


def _step_backward_autograd(dh, dc, i, f, g, o, c_prev, c):
    """δa by torch autograd: rebuild a from the gates, run the step forward, backpropagate
    L = Σ dh·h + Σ dc·c."""
    import torch

    t = lambda a: torch.as_tensor(a, dtype=torch.float64)  # noqa: E731
    logit = lambda p: torch.log(t(p) / (1 - t(p)))          # noqa: E731
    a = torch.cat([logit(i), logit(f), torch.atanh(t(g)), logit(o)], dim=-1).requires_grad_()
    cp = t(c_prev).clone().requires_grad_()
    a_i, a_f, a_g, a_o = a.chunk(4, dim=-1)
    c_new = torch.sigmoid(a_f) * cp + torch.sigmoid(a_i) * torch.tanh(a_g)
    h_new = torch.sigmoid(a_o) * torch.tanh(c_new)
    ((t(dh) * h_new).sum() + (t(dc) * c_new).sum()).backward()
    return a.grad.numpy(), cp.grad.numpy()


def _grad_W_hh_loop(da, h_prev):
    out = np.zeros((da.shape[-1], h_prev.shape[-1]))
    for t in range(len(da)):
        out += da[t].T @ h_prev[t]
    return out


# --- equations/variants --------------------------------------------------------------


def _gru_step_torch(x, h_prev, W_ih, W_hh, b_ih, b_hh):
    """torch.nn.GRUCell with the given weights, in float64."""
    import torch

    cell = torch.nn.GRUCell(x.shape[-1], h_prev.shape[-1]).double()
    with torch.no_grad():
        for name, value in (("weight_ih", W_ih), ("weight_hh", W_hh), ("bias_ih", b_ih),
                            ("bias_hh", b_hh)):
            getattr(cell, name).copy_(torch.from_numpy(np.asarray(value)))
        return cell(torch.from_numpy(x), torch.from_numpy(h_prev)).numpy()


def _gru_count_torch():
    import torch

    return sum(p.numel() for p in torch.nn.GRU(10, 20).parameters())


def _cifg_backward_autograd(dh, dc, f, g, o, c_prev, c):
    import torch

    t = lambda a: torch.as_tensor(a, dtype=torch.float64)  # noqa: E731
    logit = lambda p: torch.log(t(p) / (1 - t(p)))          # noqa: E731
    a = torch.cat([logit(f), torch.atanh(t(g)), logit(o)], dim=-1).requires_grad_()
    cp = t(c_prev).clone().requires_grad_()
    a_f, a_g, a_o = a.chunk(3, dim=-1)
    f_ = torch.sigmoid(a_f)
    c_new = f_ * cp + (1 - f_) * torch.tanh(a_g)
    h_new = torch.sigmoid(a_o) * torch.tanh(c_new)
    ((t(dh) * h_new).sum() + (t(dc) * c_new).sum()).backward()
    return a.grad.numpy(), cp.grad.numpy()


ALTERNATIVES: dict[str, Callable[[], Any]] = {
    "gates-1": _kept_torch,
    "gates-2": lambda: _step_stacked,
    "gates-3": lambda: _typed("gates-3", 4),
    "background-1": lambda: "40%",
    "background-2": _lstm_count_torch,
    "background-3": lambda: _rnn_step_torch,
    "index-1": _two_layer_count_torch,
    "index-2": _count_loop,
    "index-3": _forget_rows_list,
    "notation-1": _concat_torch,
    "notation-2": _onnx_fancy_index,
    "notation-3": _keras_list,
    "bptt-1": lambda: __import__("torch").sigmoid(__import__("torch").tensor(2.0)),
    "bptt-2": lambda: _step_backward_autograd,
    "bptt-3": lambda: _grad_W_hh_loop,
    "variants-1": lambda: _gru_step_torch,
    "variants-2": _gru_count_torch,
    "variants-3": lambda: _cifg_backward_autograd,
    "sources-1": lambda: "0.500",
    "sources-2": lambda: " H_T ",
    "sources-3": lambda: _typed("sources-3", 4),
}
