"""Variants of the LSTM in NumPy, with hand-written backpropagation through time.

Three recurrent layers that the "Equations" chapter sets beside the standard LSTM
(``B`` batch, ``H`` hidden size, ``σ`` the logistic sigmoid, ``⊙`` elementwise product):

**Peephole LSTM** (Gers & Schmidhuber, 2000). The gates also look at the cell state,
through diagonal weights ``w_ci, w_cf, w_co`` (H,); the output gate sees the *new* cell::

    i = σ(W_ii x + W_hi h_prev + b_i + w_ci ⊙ c_prev)
    f = σ(W_if x + W_hf h_prev + b_f + w_cf ⊙ c_prev)
    g = tanh(W_ig x + W_hg h_prev + b_g)
    c = f ⊙ c_prev + i ⊙ g
    o = σ(W_io x + W_ho h_prev + b_o + w_co ⊙ c)
    h = o ⊙ tanh(c)

With ``w_ci = w_cf = w_co = 0`` this is exactly ``torch.nn.LSTM``.

**CIFG LSTM**, the coupled input-forget gate (Greff et al., 2017): the input gate is not
learnt but tied to the forget gate, ``i = 1 - f``, so that what is forgotten is replaced::

    f = σ(W_if x + W_hf h_prev + b_f)
    g = tanh(W_ig x + W_hg h_prev + b_g)
    o = σ(W_io x + W_ho h_prev + b_o)
    c = f ⊙ c_prev + (1 - f) ⊙ g
    h = o ⊙ tanh(c)

Only three gate blocks remain, stored in the order **f, g, o** (weights (3H, ·)), so the
layer has 3/4 of the LSTM's parameters. (Greff et al. couple the gates of their peephole
"vanilla" LSTM; here the coupling is applied to the plain LSTM, to isolate its effect.)

**GRU** (Cho et al., 2014), with exactly the equations, parameter names and layout of
``torch.nn.GRU`` (gate order r, z, n; weights (3H, ·))::

    r = σ(W_ir x + b_ir + W_hr h_prev + b_hr)
    z = σ(W_iz x + b_iz + W_hz h_prev + b_hz)
    n = tanh(W_in x + b_in + r ⊙ (W_hn h_prev + b_hn))
    h = (1 - z) ⊙ n + z ⊙ h_prev

There is no cell state; ``z`` interpolates between keeping ``h_prev`` and writing ``n``.

All three layers share one protocol with the standard LSTM of :mod:`lstmbook.numpy`:
``forward(x, state=None)`` on a whole sequence (the input projection of all steps in one
matrix product), ``backward(grad_output, grad_h_n=None[, grad_c_n=None])`` returning
∂L/∂x and overwriting ``.grads`` (weight gradients summed over time in one product each)
and ``.grad_h_0`` (and ``.grad_c_0``), the gradient of the initial state;
``state_dict()`` / ``load_state_dict()`` / ``save()`` / ``load()`` (shared with
:class:`lstmbook.numpy.LSTM`), and :meth:`activations` for plots. Inputs are batched,
(T, B, I) or (B, T, I); states (1, B, H) as in PyTorch with one layer.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lstmbook._checks import (
    check_array,
    check_dtype_matches,
    check_positive_int,
    check_shape,
    check_supported_dtype,
)
from lstmbook.numpy.functional import sigmoid
from lstmbook.numpy.lstm import _RecurrentBase

__all__ = [
    "PeepholeLSTM",
    "CIFGLSTM",
    "GRU",
    "peephole_lstm_step",
    "peephole_lstm_step_backward",
    "cifg_lstm_step",
    "cifg_lstm_step_backward",
    "gru_step",
    "gru_step_backward",
    "parameter_count",
    "flops_per_step",
]


# ---------------------------------------------------------------------------------------
# One time step, forward and backward: the equations of the module docstring.
# Pre-activations ``a`` already hold both matrix products and both biases.
# ---------------------------------------------------------------------------------------


def _split(a: np.ndarray, n: int) -> list[np.ndarray]:
    """Split the last axis of ``a`` into ``n`` equal gate blocks (views)."""
    return np.split(a, n, axis=-1)


def _sigmoid_grad(s: np.ndarray) -> np.ndarray:
    """dσ/da expressed through ``s = σ(a)``: ``s (1 - s)``."""
    return s * (1.0 - s)


def _tanh_grad(t: np.ndarray) -> np.ndarray:
    """d tanh/da expressed through ``t = tanh(a)``: ``1 - t²``."""
    return 1.0 - t * t


def peephole_lstm_step(
    a: np.ndarray, c_prev: np.ndarray, w_ci: np.ndarray, w_cf: np.ndarray, w_co: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One step of the peephole LSTM.

    Parameters
    ----------
    a : ndarray (B, 4H)
        Pre-activations without the peephole terms, gate order i, f, g, o.
    c_prev : ndarray (B, H)
    w_ci, w_cf, w_co : ndarray (H,)
        Peephole weights.

    Returns
    -------
    gates : ndarray (B, 4H)
        Gate values ``[i, f, g, o]``.
    c, h : ndarray (B, H)
        New cell and hidden state.
    """
    a_i, a_f, a_g, a_o = _split(a, 4)
    i = sigmoid(a_i + w_ci * c_prev)
    f = sigmoid(a_f + w_cf * c_prev)
    g = np.tanh(a_g)
    c = f * c_prev + i * g
    o = sigmoid(a_o + w_co * c)  # the output gate peeks at the *new* cell
    h = o * np.tanh(c)
    return np.concatenate([i, f, g, o], axis=-1), c, h


def peephole_lstm_step_backward(
    dh: np.ndarray,
    dc: np.ndarray,
    gates: np.ndarray,
    c_prev: np.ndarray,
    c: np.ndarray,
    w_ci: np.ndarray,
    w_cf: np.ndarray,
    w_co: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Backward through one peephole-LSTM step.

    Parameters
    ----------
    dh : ndarray (B, H)
        ∂L/∂h_t in total (from the output at t and from step t+1).
    dc : ndarray (B, H)
        ∂L/∂c_t arriving from step t+1 (not yet through h_t or o_t).
    gates : ndarray (B, 4H)
        ``[i, f, g, o]`` of step t.
    c_prev, c : ndarray (B, H)
        c_{t-1} and c_t.
    w_ci, w_cf, w_co : ndarray (H,)

    Returns
    -------
    da : ndarray (B, 4H)
        ∂L/∂(pre-activations), i, f, g, o; equal to ∂L/∂ of the full gate arguments, so
        ``(da_i * c_prev).sum(0)`` is the step's share of ∂L/∂w_ci.
    dc_prev : ndarray (B, H)
        ∂L/∂c_{t-1}.
    """
    i, f, g, o = _split(gates, 4)
    tanh_c = np.tanh(c)
    da_o = dh * tanh_c * _sigmoid_grad(o)
    dc = dc + dh * o * _tanh_grad(tanh_c) + da_o * w_co  # c_t reaches L through h, o, c_{t+1}
    da_i = dc * g * _sigmoid_grad(i)
    da_f = dc * c_prev * _sigmoid_grad(f)
    da_g = dc * i * _tanh_grad(g)
    dc_prev = dc * f + da_i * w_ci + da_f * w_cf
    return np.concatenate([da_i, da_f, da_g, da_o], axis=-1), dc_prev


def cifg_lstm_step(a: np.ndarray, c_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One step of the coupled input-forget gate LSTM (``i = 1 - f``).

    Parameters
    ----------
    a : ndarray (B, 3H)
        Pre-activations, gate order f, g, o.
    c_prev : ndarray (B, H)

    Returns
    -------
    gates : ndarray (B, 3H)
        Gate values ``[f, g, o]``.
    c, h : ndarray (B, H)
    """
    a_f, a_g, a_o = _split(a, 3)
    f = sigmoid(a_f)
    g = np.tanh(a_g)
    o = sigmoid(a_o)
    c = f * c_prev + (1.0 - f) * g
    h = o * np.tanh(c)
    return np.concatenate([f, g, o], axis=-1), c, h


def cifg_lstm_step_backward(
    dh: np.ndarray, dc: np.ndarray, gates: np.ndarray, c_prev: np.ndarray, c: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Backward through one CIFG step; arguments as :func:`peephole_lstm_step_backward`.

    The forget gate now acts twice, ``c = f ⊙ c_prev + (1 - f) ⊙ g``, so
    ``∂c/∂f = c_prev - g``.

    Returns
    -------
    da : ndarray (B, 3H)
        ∂L/∂(pre-activations), f, g, o.
    dc_prev : ndarray (B, H)
    """
    f, g, o = _split(gates, 3)
    tanh_c = np.tanh(c)
    da_o = dh * tanh_c * _sigmoid_grad(o)
    dc = dc + dh * o * _tanh_grad(tanh_c)
    da_f = dc * (c_prev - g) * _sigmoid_grad(f)
    da_g = dc * (1.0 - f) * _tanh_grad(g)
    return np.concatenate([da_f, da_g, da_o], axis=-1), dc * f


def gru_step(gi: np.ndarray, gh: np.ndarray, h_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One GRU step, ``torch.nn.GRU``'s equations.

    Parameters
    ----------
    gi : ndarray (B, 3H)
        ``x W_ih^T + b_ih``, gate order r, z, n.
    gh : ndarray (B, 3H)
        ``h_prev W_hh^T + b_hh``, same order; kept apart from ``gi`` because the reset
        gate multiplies only the recurrent part of ``n``.
    h_prev : ndarray (B, H)

    Returns
    -------
    gates : ndarray (B, 3H)
        ``[r, z, n]``.
    h : ndarray (B, H)
    """
    gi_r, gi_z, gi_n = _split(gi, 3)
    gh_r, gh_z, gh_n = _split(gh, 3)
    r = sigmoid(gi_r + gh_r)
    z = sigmoid(gi_z + gh_z)
    n = np.tanh(gi_n + r * gh_n)
    h = (1.0 - z) * n + z * h_prev
    return np.concatenate([r, z, n], axis=-1), h


def gru_step_backward(
    dh: np.ndarray, gates: np.ndarray, gh_n: np.ndarray, h_prev: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward through one GRU step.

    Parameters
    ----------
    dh : ndarray (B, H)
        ∂L/∂h_t in total.
    gates : ndarray (B, 3H)
        ``[r, z, n]`` of step t.
    gh_n : ndarray (B, H)
        ``W_hn h_prev + b_hn`` of step t.
    h_prev : ndarray (B, H)

    Returns
    -------
    dgi : ndarray (B, 3H)
        ∂L/∂gi (the input projection).
    dgh : ndarray (B, 3H)
        ∂L/∂gh (the recurrent projection); differs from ``dgi`` in the n block by ``r``.
    dh_prev_direct : ndarray (B, H)
        The part of ∂L/∂h_{t-1} through ``z ⊙ h_prev``; the caller adds ``dgh W_hh``.
    """
    r, z, n = _split(gates, 3)
    da_n = dh * (1.0 - z) * _tanh_grad(n)
    da_z = dh * (h_prev - n) * _sigmoid_grad(z)
    da_r = da_n * gh_n * _sigmoid_grad(r)
    dgi = np.concatenate([da_r, da_z, da_n], axis=-1)
    dgh = np.concatenate([da_r, da_z, da_n * r], axis=-1)
    return dgi, dgh, dh * z


# ---------------------------------------------------------------------------------------
# Layers: the loops over time, parameters, checks.
# ---------------------------------------------------------------------------------------


class _RecurrentLayer(_RecurrentBase):
    """What the three layers share: parameters, input checks, layouts, weight gradients.

    Initialisation, ``state_dict``, ``load_state_dict``, ``save`` and ``load`` come from
    the standard LSTM's base class.

    Subclasses set ``n_gates`` (the number of H-blocks in ``weight_ih``), ``gate_names``
    and ``suffix`` (``"_l0"`` for torch.nn.GRU's names), and implement ``forward`` and
    ``backward``.
    """

    n_gates: int
    gate_names: tuple[str, ...]
    suffix: str = ""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        *,
        bias: bool = True,
        batch_first: bool = False,
        dtype: Any = np.float64,
        seed: int | None = None,
    ) -> None:
        self.input_size = check_positive_int(input_size, "input_size")
        self.hidden_size = check_positive_int(hidden_size, "hidden_size")
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        self.dtype = check_supported_dtype(dtype, "dtype")
        self._name = type(self).__name__
        self._init_params(self._param_shapes(), seed)
        self.grad_h_0: np.ndarray | None = None
        self._cache: dict[str, Any] | None = None

    # -- parameters ---------------------------------------------------------------------

    def _param_shapes(self) -> dict[str, tuple[int, ...]]:
        G, H, I, s = self.n_gates * self.hidden_size, self.hidden_size, self.input_size, self.suffix
        shapes = {f"weight_ih{s}": (G, I), f"weight_hh{s}": (G, H)}
        if self.bias:
            shapes |= {f"bias_ih{s}": (G,), f"bias_hh{s}": (G,)}
        return shapes

    def _p(self, name: str) -> np.ndarray:
        return self.params[name + self.suffix]

    # -- inputs and layouts -------------------------------------------------------------

    @property
    def _layout(self) -> str:
        return "(B, T, I)" if self.batch_first else "(T, B, I)"

    def _time_major_input(self, x: Any) -> np.ndarray:
        """Check ``x`` and return it as (T, B, I)."""
        x = check_array(x, "x", ndim=3, finite=True)
        check_dtype_matches(x, self.dtype, "x")
        check_shape(x, (None, None, self.input_size), "x", self._layout)
        if 0 in x.shape:
            raise ValueError(f"x: needs at least one step and one sequence, got {x.shape}")
        return x.swapaxes(0, 1) if self.batch_first else x

    def _check_state(self, s: Any, name: str, batch: int) -> np.ndarray:
        s = check_array(s, name, ndim=3, finite=True)
        check_dtype_matches(s, self.dtype, name)
        check_shape(s, (1, batch, self.hidden_size), name, "(num_layers=1, B, H)")
        return s[0]

    def _time_major_grad(self, g: Any, name: str) -> np.ndarray:
        """Check ∂L/∂output against the cached forward pass; return it as (T, B, H)."""
        T, B, H = self._cache["h"].shape
        g = check_array(g, name, finite=True)
        check_dtype_matches(g, self.dtype, name)
        shape = (B, T, H) if self.batch_first else (T, B, H)
        check_shape(g, shape, name, "(B, T, H)" if self.batch_first else "(T, B, H)")
        return g.swapaxes(0, 1) if self.batch_first else g

    def _final_grad(self, g: Any, name: str) -> np.ndarray:
        """∂L/∂h_n or ∂L/∂c_n as (B, H); zeros when not given."""
        B, H = self._cache["h"].shape[1:]
        if g is None:
            return np.zeros((B, H), dtype=self.dtype)
        return self._check_state(g, name, B)

    def _user_layout(self, a: np.ndarray, *, copy: bool = False) -> np.ndarray:
        """(T, B, ·) to the user's layout, C-contiguous; a fresh array if ``copy``."""
        a = a.swapaxes(0, 1) if self.batch_first else a
        return np.array(a, order="C", copy=True) if copy else np.ascontiguousarray(a)

    def _require_cache(self) -> dict[str, Any]:
        if self._cache is None:
            raise RuntimeError(
                f"{type(self).__name__}: no forward pass to use; call forward first "
                "(backward and activations need it)"
            )
        return self._cache

    # -- matrix products over the whole sequence ----------------------------------------

    def _input_projection(self, x: np.ndarray, *, both_biases: bool) -> np.ndarray:
        """``x W_ih^T + b_ih (+ b_hh)`` for all T steps in one product: (T, B, G·H)."""
        pre = x @ self._p("weight_ih").T
        if self.bias:
            pre += self._p("bias_ih")
            if both_biases:
                pre += self._p("bias_hh")
        return pre

    def _matrix_grads(
        self, d_in: np.ndarray, d_rec: np.ndarray, x: np.ndarray, h_prev: np.ndarray
    ) -> None:
        """Weight and bias gradients, each summed over time and batch in one product.

        ``d_in`` (T, B, G·H) is ∂L/∂(x W_ih^T + b_ih), ``d_rec`` ∂L/∂(h_prev W_hh^T + b_hh);
        ``x`` (T, B, I), ``h_prev`` (T, B, H) holds h_{t-1} for every step.
        """
        G, g, s = self.n_gates * self.hidden_size, self.grads, self.suffix
        d_in2, d_rec2 = d_in.reshape(-1, G), d_rec.reshape(-1, G)
        g[f"weight_ih{s}"][...] = d_in2.T @ x.reshape(-1, self.input_size)
        g[f"weight_hh{s}"][...] = d_rec2.T @ h_prev.reshape(-1, self.hidden_size)
        if self.bias:
            g[f"bias_ih{s}"][...] = d_in2.sum(axis=0)
            g[f"bias_hh{s}"][...] = d_rec2.sum(axis=0)

    # -- for plots ----------------------------------------------------------------------

    def activations(self) -> dict[str, np.ndarray]:
        """Per-step values of the last forward pass, each (T, B, H), time-major always.

        Gate values under their names (``i, f, g, o`` for the LSTMs, ``i`` derived as
        ``1 - f`` for the CIFG; ``r, z, n`` for the GRU) and the states ``h`` (and ``c``).
        """
        cache = self._require_cache()
        gates = dict(zip(self.gate_names, _split(cache["gates"], self.n_gates), strict=True))
        out = {name: v.copy() for name, v in gates.items()}
        out |= {k: cache[k].copy() for k in ("c", "h") if k in cache}
        return out

    def __call__(self, x: Any, state: Any = None) -> tuple[np.ndarray, Any]:
        return self.forward(x, state)

    def __repr__(self) -> str:
        extra = ", bias=False" if not self.bias else ""
        extra += ", batch_first=True" if self.batch_first else ""
        sizes = f"{self.input_size}, {self.hidden_size}"
        return f"{type(self).__name__}({sizes}{extra}, dtype={self.dtype})"


class _LSTMFamily(_RecurrentLayer):
    """The loop over time of an LSTM with a cell state.

    Subclasses name their step functions: ``step(a, c_prev, *extra) -> (gates, c, h)`` and
    ``step_backward(dh, dc, gates, c_prev, c, *extra) -> (da, dc_prev)``, where ``extra``
    comes from :meth:`_step_params` (the peephole weights, or nothing).
    """

    step: Any
    step_backward: Any
    grad_c_0: np.ndarray | None = None

    def _step_params(self) -> tuple[np.ndarray, ...]:
        return ()

    def _extra_grads(self, da: np.ndarray, c_prev: np.ndarray, c: np.ndarray) -> None:
        """Gradients of parameters beyond the matrices and biases (none by default)."""

    def forward(
        self, x: Any, state: tuple[Any, Any] | None = None
    ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """Run the layer over a sequence.

        Parameters
        ----------
        x : ndarray (T, B, I), or (B, T, I) if ``batch_first``
        state : (h_0, c_0), each (1, B, H), optional
            Initial state; zeros if omitted.

        Returns
        -------
        output : ndarray (T, B, H), or (B, T, H) if ``batch_first``
            h_t for every step.
        (h_n, c_n) : ndarrays (1, B, H)
            The final state.
        """
        x = self._time_major_input(x)
        T, B, _ = x.shape
        H = self.hidden_size
        if state is None:
            h0 = c0 = np.zeros((B, H), dtype=self.dtype)
        else:
            if not isinstance(state, tuple | list) or len(state) != 2:
                raise TypeError("state: expected a pair (h_0, c_0)")
            h0, c0 = self._check_state(state[0], "h_0", B), self._check_state(state[1], "c_0", B)
        pre = self._input_projection(x, both_biases=True)
        w_hh_T = self._p("weight_hh").T
        gates = np.empty_like(pre)
        h = np.empty((T, B, H), dtype=self.dtype)
        c = np.empty((T, B, H), dtype=self.dtype)
        extra = self._step_params()
        h_prev, c_prev = h0, c0
        for t in range(T):
            gates[t], c[t], h[t] = self.step(pre[t] + h_prev @ w_hh_T, c_prev, *extra)
            h_prev, c_prev = h[t], c[t]
        self._cache = {"x": x, "h0": h0, "c0": c0, "gates": gates, "h": h, "c": c}
        return self._user_layout(h, copy=True), (h[-1:].copy(), c[-1:].copy())

    def backward(self, grad_output: Any, grad_h_n: Any = None, grad_c_n: Any = None) -> np.ndarray:
        """Backpropagation through time.

        Parameters
        ----------
        grad_output : ndarray, the shape of ``output``
            ∂L/∂output.
        grad_h_n, grad_c_n : ndarray (1, B, H), optional
            ∂L/∂h_n and ∂L/∂c_n; zero if omitted.

        Returns
        -------
        ndarray, the shape of ``x``
            ∂L/∂x. Also overwrites ``self.grads`` and sets ``self.grad_h_0`` and
            ``self.grad_c_0`` (∂L/∂h_0, ∂L/∂c_0), each (1, B, H).
        """
        cache = self._require_cache()
        dout = self._time_major_grad(grad_output, "grad_output")
        dh_next = self._final_grad(grad_h_n, "grad_h_n")
        dc = self._final_grad(grad_c_n, "grad_c_n")
        x, h, c, gates = cache["x"], cache["h"], cache["c"], cache["gates"]
        h_prev = np.concatenate([cache["h0"][None], h[:-1]])
        c_prev = np.concatenate([cache["c0"][None], c[:-1]])
        w_hh = self._p("weight_hh")
        extra = self._step_params()
        da = np.empty_like(gates)
        for t in reversed(range(len(x))):
            dh = dout[t] + dh_next
            da[t], dc = self.step_backward(dh, dc, gates[t], c_prev[t], c[t], *extra)
            dh_next = da[t] @ w_hh
        self._matrix_grads(da, da, x, h_prev)
        self._extra_grads(da, c_prev, c)
        self.grad_h_0, self.grad_c_0 = dh_next[None], dc[None]
        dx = da @ self._p("weight_ih")
        return self._user_layout(dx)


class PeepholeLSTM(_LSTMFamily):
    """LSTM with peephole connections (Gers & Schmidhuber, 2000); one layer.

    Parameters
    ----------
    input_size, hidden_size : int
    bias : bool
        Whether to use ``bias_ih`` and ``bias_hh``.
    batch_first : bool
        Input and output as (B, T, ·) instead of (T, B, ·).
    dtype : float32 or float64
    seed : int or None
        Seed of the initialisation ``U(-1/sqrt(H), 1/sqrt(H))`` (also for the peepholes).

    Attributes
    ----------
    params : dict
        ``weight_ih`` (4H, I), ``weight_hh`` (4H, H), ``bias_ih``, ``bias_hh`` (4H,), gate
        order i, f, g, o as in ``torch.nn.LSTM``; and the diagonal peephole weights
        ``weight_ci``, ``weight_cf``, ``weight_co`` (H,).
    grads : dict
        Same keys and shapes, overwritten by :meth:`backward`.
    grad_h_0, grad_c_0 : ndarray (1, B, H)
        ∂L/∂h_0 and ∂L/∂c_0, set by :meth:`backward` (also when no state was passed).

    Notes
    -----
    With the three peephole vectors zero this is ``torch.nn.LSTM`` (one layer), and
    ``load_state_dict`` of a torch LSTM's weights (names without ``_l0``) reproduces it.
    """

    n_gates = 4
    gate_names = ("i", "f", "g", "o")
    peephole_names = ("weight_ci", "weight_cf", "weight_co")

    def _param_shapes(self) -> dict[str, tuple[int, ...]]:
        peepholes = {name: (self.hidden_size,) for name in self.peephole_names}
        return super()._param_shapes() | peepholes

    step = staticmethod(peephole_lstm_step)
    step_backward = staticmethod(peephole_lstm_step_backward)

    def _step_params(self) -> tuple[np.ndarray, ...]:
        return tuple(self.params[name] for name in self.peephole_names)

    def _extra_grads(self, da: np.ndarray, c_prev: np.ndarray, c: np.ndarray) -> None:
        """∂L/∂w_ci = Σ_t,b da_i ⊙ c_{t-1}, likewise f; ∂L/∂w_co = Σ da_o ⊙ c_t."""
        da_i, da_f, _, da_o = _split(da, 4)
        self.grads["weight_ci"][...] = (da_i * c_prev).sum(axis=(0, 1))
        self.grads["weight_cf"][...] = (da_f * c_prev).sum(axis=(0, 1))
        self.grads["weight_co"][...] = (da_o * c).sum(axis=(0, 1))


class CIFGLSTM(_LSTMFamily):
    """LSTM with a coupled input-forget gate, ``i = 1 - f`` (Greff et al., 2017); one layer.

    Parameters as :class:`PeepholeLSTM`.

    Attributes
    ----------
    params : dict
        ``weight_ih`` (3H, I), ``weight_hh`` (3H, H), ``bias_ih``, ``bias_hh`` (3H,), with
        the three gate blocks in the order **f, g, o** (the LSTM's order with i removed).
    grads, grad_h_0, grad_c_0
        As in :class:`PeepholeLSTM`.

    Notes
    -----
    :meth:`activations` reports ``i`` as well, computed as ``1 - f``.
    """

    n_gates = 3
    gate_names = ("f", "g", "o")

    step = staticmethod(cifg_lstm_step)
    step_backward = staticmethod(cifg_lstm_step_backward)

    def activations(self) -> dict[str, np.ndarray]:
        acts = super().activations()
        return {"i": 1.0 - acts["f"], **acts}


class GRU(_RecurrentLayer):
    """Gated recurrent unit (Cho et al., 2014), exactly ``torch.nn.GRU`` with one layer.

    Parameters
    ----------
    input_size, hidden_size : int
    bias : bool
        Whether to use ``bias_ih_l0`` and ``bias_hh_l0``.
    batch_first : bool
        Input and output as (B, T, ·) instead of (T, B, ·).
    dtype : float32 or float64
    seed : int or None
        Seed of the initialisation ``U(-1/sqrt(H), 1/sqrt(H))``.

    Attributes
    ----------
    params : dict
        torch.nn.GRU's names and layout: ``weight_ih_l0`` (3H, I), ``weight_hh_l0`` (3H, H),
        ``bias_ih_l0``, ``bias_hh_l0`` (3H,), gate order r, z, n.
    grads : dict
        Same keys and shapes, overwritten by :meth:`backward`.
    grad_h_0 : ndarray (1, B, H)
        ∂L/∂h_0, set by :meth:`backward` (also when no state was passed).
    """

    n_gates = 3
    gate_names = ("r", "z", "n")
    suffix = "_l0"

    def forward(self, x: Any, state: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """Run the GRU over a sequence.

        Parameters
        ----------
        x : ndarray (T, B, I), or (B, T, I) if ``batch_first``
        state : ndarray (1, B, H), optional
            h_0; zeros if omitted.

        Returns
        -------
        output : ndarray (T, B, H), or (B, T, H) if ``batch_first``
        h_n : ndarray (1, B, H)
        """
        x = self._time_major_input(x)
        T, B, _ = x.shape
        H = self.hidden_size
        h0 = np.zeros((B, H), self.dtype) if state is None else self._check_state(state, "h_0", B)
        gi = self._input_projection(x, both_biases=False)
        w_hh_T = self._p("weight_hh").T
        b_hh = self._p("bias_hh") if self.bias else 0.0
        gates = np.empty_like(gi)
        gh_n = np.empty((T, B, H), dtype=self.dtype)
        h = np.empty((T, B, H), dtype=self.dtype)
        h_prev = h0
        for t in range(T):
            gh = h_prev @ w_hh_T + b_hh
            gates[t], h[t] = gru_step(gi[t], gh, h_prev)
            gh_n[t] = gh[:, 2 * H :]
            h_prev = h[t]
        self._cache = {"x": x, "h0": h0, "gates": gates, "gh_n": gh_n, "h": h}
        return self._user_layout(h, copy=True), h[-1:].copy()

    def backward(self, grad_output: Any, grad_h_n: Any = None) -> np.ndarray:
        """Backpropagation through time.

        Parameters
        ----------
        grad_output : ndarray, the shape of ``output``
        grad_h_n : ndarray (1, B, H), optional

        Returns
        -------
        ndarray, the shape of ``x``
            ∂L/∂x. Also overwrites ``self.grads`` and sets ``self.grad_h_0``.
        """
        cache = self._require_cache()
        dout = self._time_major_grad(grad_output, "grad_output")
        dh_next = self._final_grad(grad_h_n, "grad_h_n")
        x, h, gates, gh_n = cache["x"], cache["h"], cache["gates"], cache["gh_n"]
        h_prev = np.concatenate([cache["h0"][None], h[:-1]])
        w_hh = self._p("weight_hh")
        dgi, dgh = np.empty_like(gates), np.empty_like(gates)
        for t in reversed(range(len(x))):
            dgi[t], dgh[t], dh_direct = gru_step_backward(
                dout[t] + dh_next, gates[t], gh_n[t], h_prev[t]
            )
            dh_next = dh_direct + dgh[t] @ w_hh
        self._matrix_grads(dgi, dgh, x, h_prev)
        self.grad_h_0 = dh_next[None]
        return self._user_layout(dgi @ self._p("weight_ih"))


# ---------------------------------------------------------------------------------------
# Sizes, for the chapter's comparisons.
# ---------------------------------------------------------------------------------------

_GATE_BLOCKS = {"lstm": 4, "peephole": 4, "cifg": 3, "gru": 3}


def parameter_count(model: Any) -> int:
    """Number of trainable scalars of a model.

    Works for any module of :mod:`lstmbook.numpy` (anything with a ``params`` dict) and for
    ``torch.nn.Module`` (anything with ``parameters()``), so the book can set its layers
    beside torch's.

    For one layer with biases, an LSTM has ``4(HI + H² + 2H)``, a GRU or CIFG ``3(...)``:
    exactly 3/4; a peephole LSTM has ``3H`` more.
    """
    if hasattr(model, "params"):
        return int(sum(np.size(p) for p in model.params.values()))
    if hasattr(model, "parameters"):
        return int(sum(p.numel() for p in model.parameters()))
    raise TypeError(
        f"parameter_count: expected a module with .params or .parameters(), "
        f"got {type(model).__name__}"
    )


def flops_per_step(kind: str, input_size: int, hidden_size: int, batch_size: int = 1) -> int:
    """Floating-point operations of the matrix products in one time step.

    ``2 · G·H · (I + H) · B``: the products ``x W_ih^T`` and ``h W_hh^T`` with ``G`` gate
    blocks, a multiply and an add per weight. These dominate for all but tiny ``H``; the
    elementwise work (O(B·H): non-linearities, gating, the peepholes' ``3H`` products)
    is not counted.

    Parameters
    ----------
    kind : {"lstm", "peephole", "cifg", "gru"}
        ``G`` = 4 for the first two, 3 for the others.
    input_size, hidden_size, batch_size : int
    """
    if kind not in _GATE_BLOCKS:
        raise ValueError(
            f"flops_per_step: kind must be one of {sorted(_GATE_BLOCKS)}, got {kind!r}"
        )
    I = check_positive_int(input_size, "input_size")
    H = check_positive_int(hidden_size, "hidden_size")
    B = check_positive_int(batch_size, "batch_size")
    return 2 * _GATE_BLOCKS[kind] * H * (I + H) * B
