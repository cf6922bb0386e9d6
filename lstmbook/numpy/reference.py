"""The LSTM and GRU steps written as the equations read: plain NumPy, no tricks.

This is the version to read first (the Gates chapter, ``book/gates/index.ipynb``, starts
from it). :class:`lstmbook.numpy.LSTMCell` computes the same numbers faster -- gate-major
buffers, output arguments, no temporaries -- and the tests check that the two agree
with each other and with ``torch.nn.LSTMCell`` in float64.

Shapes: ``x`` (B, I), states (B, H); PyTorch's layout: ``W_ih`` (4H, I), ``W_hh`` (4H, H),
biases (4H,), gate blocks in the order i, f, g, o (GRU: (3H, ·), order r, z, n).
"""

from __future__ import annotations

import numpy as np

from lstmbook._checks import check_array, check_shape

__all__ = ["sigmoid", "lstm_step", "lstm_step_with_gates", "lstm_sequence", "gru_step"]


def sigmoid(a: np.ndarray) -> np.ndarray:
    """σ(a) = 1 / (1 + e^{-a}), written overflow-free as (1 + tanh(a/2)) / 2."""
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def lstm_step(x, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    """One LSTM step, the equations as written.

    Parameters
    ----------
    x : ndarray (B, I)
    h_prev, c_prev : ndarray (B, H)
    W_ih : ndarray (4H, I)
    W_hh : ndarray (4H, H)
    b_ih, b_hh : ndarray (4H,)

    Returns
    -------
    h, c : ndarray (B, H)
    """
    _check_step(x, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh, n_gates=4)
    a = x @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh  # pre-activations (B, 4H)
    a_i, a_f, a_g, a_o = np.split(a, 4, axis=-1)
    i = sigmoid(a_i)  # input gate: how much of the candidate to write
    f = sigmoid(a_f)  # forget gate: how much of the old cell to keep
    g = np.tanh(a_g)  # candidate values
    o = sigmoid(a_o)  # output gate: how much of the cell to show
    c = f * c_prev + i * g  # the cell state: keep some, add some
    h = o * np.tanh(c)  # the hidden state: a squashed, gated view of c
    return h, c


def lstm_step_with_gates(x, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh) -> dict[str, np.ndarray]:
    """:func:`lstm_step` that also returns its gates: dict ``i, f, g, o, c, h`` (B, H)."""
    _check_step(x, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh, n_gates=4)
    a = x @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh
    a_i, a_f, a_g, a_o = np.split(a, 4, axis=-1)
    i, f, g, o = sigmoid(a_i), sigmoid(a_f), np.tanh(a_g), sigmoid(a_o)
    c = f * c_prev + i * g
    return {"i": i, "f": f, "g": g, "o": o, "c": c, "h": o * np.tanh(c)}


def lstm_sequence(x, W_ih, W_hh, b_ih, b_hh, state=None) -> dict[str, np.ndarray]:
    """Run :func:`lstm_step_with_gates` over a sequence and keep every gate.

    Parameters
    ----------
    x : ndarray (T, B, I)
    W_ih, W_hh, b_ih, b_hh : as in :func:`lstm_step`
    state : (h_0, c_0), each (B, H), optional
        Zeros if not given.

    Returns
    -------
    dict with keys ``i, f, g, o, c, h``, each (T, B, H) (time-major, as
    :meth:`lstmbook.numpy.LSTM.activations`).
    """
    x = check_array(x, "lstm_sequence x", ndim=3)
    H = np.shape(W_hh)[1]
    if state is None:
        state = (np.zeros((x.shape[1], H), x.dtype), np.zeros((x.shape[1], H), x.dtype))
    h, c = state
    steps = []
    for x_t in x:
        gates = lstm_step_with_gates(x_t, h, c, W_ih, W_hh, b_ih, b_hh)
        h, c = gates["h"], gates["c"]
        steps.append(gates)
    return {k: np.stack([s[k] for s in steps]) for k in steps[0]}


def gru_step(x, h_prev, W_ih, W_hh, b_ih, b_hh):
    """One GRU step (Cho et al. 2014), ``torch.nn.GRUCell``'s equations.

    Parameters
    ----------
    x : ndarray (B, I)
    h_prev : ndarray (B, H)
    W_ih : ndarray (3H, I)
    W_hh : ndarray (3H, H)
    b_ih, b_hh : ndarray (3H,)
        Gate blocks in the order r, z, n.

    Returns
    -------
    h : ndarray (B, H)
    """
    _check_step(x, h_prev, h_prev, W_ih, W_hh, b_ih, b_hh, n_gates=3)
    x_r, x_z, x_n = np.split(x @ W_ih.T + b_ih, 3, axis=-1)
    h_r, h_z, h_n = np.split(h_prev @ W_hh.T + b_hh, 3, axis=-1)
    r = sigmoid(x_r + h_r)  # reset gate: how much of h_prev the candidate sees
    z = sigmoid(x_z + h_z)  # update gate: how much of h_prev to keep
    n = np.tanh(x_n + r * h_n)  # candidate
    return (1.0 - z) * n + z * h_prev


def _check_step(x, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh, *, n_gates: int) -> None:
    """Shapes of one step's arguments, with a message naming the one that is wrong."""
    W_hh = check_array(W_hh, "W_hh", ndim=2)
    G, H = W_hh.shape
    if G != n_gates * H:
        raise ValueError(f"W_hh: expected shape ({n_gates}H, H), got {W_hh.shape}")
    x = check_array(x, "x", ndim=2)
    B, I = x.shape
    check_shape(check_array(W_ih, "W_ih", ndim=2), (G, I), "W_ih", "(gates * H, I)")
    check_shape(check_array(h_prev, "h_prev", ndim=2), (B, H), "h_prev", "(B, H)")
    check_shape(check_array(c_prev, "c_prev", ndim=2), (B, H), "c_prev", "(B, H)")
    check_shape(check_array(b_ih, "b_ih", ndim=1), (G,), "b_ih")
    check_shape(check_array(b_hh, "b_hh", ndim=1), (G,), "b_hh")
