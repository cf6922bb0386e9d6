"""``LSTMCell`` and ``LSTM`` in NumPy, with hand-written backpropagation through time.

Parameter names, shapes, gate order (i, f, g, o) and initialisation follow
``torch.nn.LSTMCell`` / ``torch.nn.LSTM``, so ``state_dict()`` moves weights between the
two in both directions.

How the time loop is organised (the part that makes it fast)::

    forward   P = W_ih X + b            the input projection of all T steps, one call
              for t:  A[t] = P[t] + W_hh h_{t-1}           (4H, H) x (H, B)
                      elementwise step  -> i, f, g, o, c_t, tanh(c_t), h_t
    backward  for t = T-1 .. 0:
                      elementwise step  -> dA[t], dc_{t-1}
                      dh_{t-1} = W_hh^T dA[t]                 (H, 4H) x (4H, B)
              dW_ih = dA X^T,  dW_hh = dA [h_0 .. h_{T-1}]^T,  dX = W_ih^T dA
                                        one matrix product each, over all T*B columns

Only the recurrent products are inside the loop; everything else is batched over time.
Inside, :class:`LSTM` works *feature-major*: a state is an (H, B) matrix, so the
recurrent product has the shape BLAS runs fastest here (4H rows, B columns) and its
(4H, B) result is already four contiguous gate blocks (4, H, B), the layout of the
elementwise steps (see :mod:`.functional`). Inputs, outputs and states keep PyTorch's
layouts at the interface.

Extending to another array library (CuPy): every array is made through ``self.xp`` and
the elementwise work of a step goes through two methods a subclass may override with
fused kernels: :meth:`_cell_step_forward_` and :meth:`_cell_step_backward_`. Whole layers
go through :meth:`LSTM._layer_forward` / :meth:`LSTM._layer_backward`, and device to
host copies through :meth:`_to_numpy`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from .._checks import (
    check_dtype_matches,
    check_finite,
    check_float_dtype,
    check_positive_int,
    check_supported_dtype,
    format_shape,
)
from . import functional as lf

__all__ = ["LSTM", "LSTMCell"]

Array = Any  # an xp.ndarray


class _RecurrentBase:
    """What :class:`LSTMCell` and :class:`LSTM` share: parameters, hooks, state dicts.

    Attributes
    ----------
    xp : module
        Array module every array is created with (``numpy`` here).
    params : dict[str, ndarray]
        The parameters, PyTorch names and layout. Updated in place by
        :meth:`load_state_dict`, so references to these arrays stay valid.
    grads : dict[str, ndarray]
        Same keys and shapes as ``params``. Each ``backward`` call *overwrites* them (in
        place): gradients are not accumulated across calls, unlike PyTorch's ``.grad``.
    """

    xp: ModuleType = np
    _name = "module"

    hidden_size: int
    dtype: np.dtype
    params: dict[str, Array]
    grads: dict[str, Array]

    # ---------------------------------------------------------------- construction
    def _init_params(self, shapes: Mapping[str, tuple[int, ...]], seed: int | None) -> None:
        """``U(-1/√H, 1/√H)`` for every parameter, drawn in ``shapes`` order from one
        ``np.random.default_rng(seed)`` (in float64, then cast: float32 and float64
        models with the same seed hold the same numbers up to rounding)."""
        rng = np.random.default_rng(seed)
        bound = 1.0 / math.sqrt(self.hidden_size)
        self.params = {}
        for name, shape in shapes.items():
            w = rng.uniform(-bound, bound, size=shape).astype(self.dtype)
            self.params[name] = self.xp.asarray(w)
        self.grads = {k: self.xp.zeros_like(v) for k, v in self.params.items()}
        self._gate_shape: tuple[int, ...] | None = None  # see _use_state_shape
        self._step_work: Array | None = None  # see _cell_step_backward_

    def _set_forget_bias(self, bias_ih: str, bias_hh: str, value: float) -> None:
        """Forget-gate slice of ``bias_ih`` := ``value``, of ``bias_hh`` := 0, so that the
        forget gate starts near σ(value) (Jozefowicz et al., 2015, suggest 1.0)."""
        if not self.bias:
            raise ValueError("forget_bias needs bias=True (there is no bias to set)")
        s_f = lf.gate_slices(self.hidden_size)[1]
        self.params[bias_ih][s_f] = value
        self.params[bias_hh][s_f] = 0.0

    def _use_state_shape(self, state_shape: tuple[int, ...]) -> None:
        """Make the step constants (σ and tanh of all four gates in one tanh call, see
        :func:`functional.gate_activation_constants`) those for states of this shape."""
        if state_shape != self._gate_shape:
            self._gate_scale, self._gate_shift = lf.gate_activation_constants(
                self.dtype, state_shape, xp=self.xp
            )
            self._gate_shape = state_shape

    # ---------------------------------------------------------- overridable hooks
    def _cell_step_forward_(
        self, gates: Array, c_prev: Array, c: Array, tanh_c: Array, h: Array
    ) -> None:
        """Elementwise forward of one step; see :func:`functional.lstm_step_forward_`.

        The contract a GPU subclass's fused kernel must keep:

        - ``gates`` is gate-major, (4, *S) with ``S`` the state shape -- (H, B) in
          :class:`LSTM`, (B, H) in :class:`LSTMCell` -- C-contiguous, so gate k of state
          element e sits at flat index ``k * n + e`` (n = B*H); pre-activations in (both
          products and biases added), gate values i, f, g, o out.
        - ``c_prev`` is read; ``c``, ``tanh_c``, ``h`` (shape S) are written. ``h`` may be
          a strided view (in :class:`LSTM` it is a column of the (H, T+1, B) buffer).
        """
        lf.lstm_step_forward_(
            gates, c_prev, c, tanh_c, h, self._gate_scale, self._gate_shift, xp=self.xp
        )

    def _cell_step_backward_(
        self,
        dh: Array,
        dc: Array,
        gates: Array,
        c_prev: Array,
        tanh_c: Array,
        dgates: Array,
    ) -> None:
        """Elementwise backward of one step; see :func:`functional.lstm_step_backward_`.

        Reads ``dh`` (then scratch), updates ``dc`` from ∂L/∂c_t to ∂L/∂c_{t-1}, writes
        ``dgates`` (4, *S), gate-major like ``gates``. A GPU subclass replaces this with
        one fused kernel.
        """
        work = self._step_work  # scratch and constant, kept between steps
        if work is None or work.shape != gates.shape:
            work = self._step_work = self.xp.empty_like(gates)
            self._step_g_offset = lf.gate_derivative_offset(self.dtype, gates.shape[1:], xp=self.xp)
        lf.lstm_step_backward_(
            dh, dc, gates, c_prev, tanh_c, dgates, work, g_offset=self._step_g_offset, xp=self.xp
        )

    def _to_numpy(self, a: Array) -> np.ndarray:
        """A NumPy copy of ``a`` (a GPU subclass copies device to host here)."""
        return np.array(a, copy=True)

    # ----------------------------------------------------------------- state dicts
    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of the parameters as NumPy arrays, keyed like ``torch``'s ``state_dict()``.

        ``torch_module.load_state_dict({k: torch.from_numpy(v) for k, v in d.items()})``
        loads them into the matching torch module.
        """
        return {k: self._to_numpy(v) for k, v in self.params.items()}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Copy parameters in from NumPy arrays or torch tensors (e.g. ``torch_lstm.state_dict()``).

        Keys must match :attr:`params` exactly and every shape must agree; otherwise
        ``ValueError`` names the missing, unexpected or mis-shaped entries and nothing is
        changed. Values are copied *into* the existing arrays (references stay valid) and
        cast to the model's dtype (float32 <-> float64); non-floating values are refused.
        """
        expected = set(self.params)
        given = set(state_dict)
        missing, extra = sorted(expected - given), sorted(given - expected)
        if missing or extra:
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: "
                + (f"missing keys {missing}" if missing else "")
                + ("; " if missing and extra else "")
                + (f"unexpected keys {extra}" if extra else "")
                + f" (expected exactly {sorted(expected)})"
            )
        arrays = {k: _as_numpy(v) for k, v in state_dict.items()}
        for k, v in arrays.items():
            check_float_dtype(v, f"{type(self).__name__}.load_state_dict[{k!r}]")
            want = tuple(self.params[k].shape)
            if v.shape != want:
                raise ValueError(
                    f"{type(self).__name__}.load_state_dict[{k!r}]: expected shape "
                    f"{format_shape(want)}, got {format_shape(v.shape)}"
                )
        for k, v in arrays.items():
            self.params[k][...] = self.xp.asarray(v, dtype=self.dtype)

    def save(self, path: Any) -> None:
        """Save the parameters to an ``.npz`` file (see :func:`lstmbook.io.save_weights`)."""
        from ..io import save_weights

        save_weights(path, self.state_dict())

    def load(self, path: Any):
        """Load parameters saved by :meth:`save` into this model (same sizes); returns ``self``."""
        from ..io import load_weights

        self.load_state_dict(load_weights(path, expected=self.params))
        return self

    # ------------------------------------------------------------------- helpers
    def _check_input_dtype(self, x: Array, name: str) -> None:
        check_float_dtype(x, name)
        check_dtype_matches(x, self.dtype, name, what=f"the {self._name} weights")

    # ------------------------------------------------ sequence layouts and checks
    # Shared by the sequence layers (LSTM, ElmanRNN): they need ``input_size`` and
    # ``batch_first``; every message starts with the layer's name, ``self._name``.
    batch_first: bool = False

    def _input_layout(self, batched: bool) -> str:
        if not batched:
            return "(T, I)"
        return "(B, T, I)" if self.batch_first else "(T, B, I)"

    def _check_input(self, x: Array) -> tuple[Array, bool]:
        """Validate ``x``; return it time-major (T, B, I), C-contiguous, and whether batched."""
        xp, who = self.xp, self._name
        if x is None or isinstance(x, (str, bytes)):
            raise TypeError(f"{who} input: expected an array, got {type(x).__name__}")
        x = xp.asarray(x)
        check_float_dtype(x, f"{who} input")
        I = self.input_size
        if x.ndim not in (2, 3) or x.shape[-1] != I:
            raise ValueError(
                f"{who} input: expected 3-D {self._input_layout(True)} with I={I} "
                f"(batch_first={self.batch_first}) or 2-D (T, I) unbatched, "
                f"got shape {format_shape(x.shape)}"
            )
        batched = x.ndim == 3
        T = x.shape[1] if batched and self.batch_first else x.shape[0]
        B = (x.shape[0] if self.batch_first else x.shape[1]) if batched else 1
        for letter, size, what in (("T", T, "the sequence length"), ("B", B, "the batch size")):
            if size == 0:
                raise ValueError(
                    f"{who} input: {what} {letter} must be at least 1, got {letter}=0 "
                    f"(shape {format_shape(x.shape)}, layout {self._input_layout(batched)})"
                )
        check_dtype_matches(x, self.dtype, f"{who} input", what=f"the {who} weights")
        check_finite(x, f"{who} input")
        return self._to_time_major(x, batched), batched

    def _check_state_array(
        self, s: Any, name: str, want: tuple[int, ...], layout: str
    ) -> Array:
        """One state tensor (``h_0``, ``c_0``) checked: an array of floats, shape ``want``,
        the weights' dtype, finite."""
        label = f"{self._name} state {name}"
        if s is None or isinstance(s, (str, bytes)):
            raise TypeError(f"{label}: expected an array, got {type(s).__name__}")
        s = self.xp.asarray(s)
        check_float_dtype(s, label)
        if tuple(s.shape) != want:
            raise ValueError(
                f"{label}: expected shape {format_shape(want)} {layout}, "
                f"got {format_shape(s.shape)}"
            )
        check_dtype_matches(s, self.dtype, label, what=f"the {self._name} weights")
        check_finite(s, label)
        return s

    def _check_grad(
        self, grad: Array | None, shape: tuple[int, ...], name: str, of: str
    ) -> Array | None:
        """An incoming gradient checked against the shape of what it differentiates."""
        if grad is None:
            return None
        grad = self.xp.asarray(grad)
        check_float_dtype(grad, name)
        if tuple(grad.shape) != shape:
            raise ValueError(
                f"{name}: expected shape {format_shape(shape)} (the shape of {of}), "
                f"got {format_shape(grad.shape)}"
            )
        check_dtype_matches(grad, self.dtype, name, what=f"the {self._name} weights")
        check_finite(grad, name)
        return grad

    def _to_time_major(self, a: Array, batched: bool) -> Array:
        """(T, B, ·) C-contiguous from the user's layout (a view when already so)."""
        if not batched:
            a = a[:, None, :]
        elif self.batch_first:
            a = a.transpose(1, 0, 2)
        return self.xp.ascontiguousarray(a)

    def _from_time_major(self, a: Array, batched: bool, copy: bool = False) -> Array:
        """The user's layout, C-contiguous, from a time-major (T, B, ·) array or view;
        a fresh array if ``copy`` (even where ``a`` happens to be laid out already)."""
        if not batched:
            a = a[:, 0, :]
        elif self.batch_first:
            a = a.transpose(1, 0, 2)
        if copy:
            return self.xp.array(a, order="C", copy=True)
        return self.xp.ascontiguousarray(a)


def _as_numpy(v: Any) -> np.ndarray:
    """NumPy view of an array, or of a torch tensor (without importing torch)."""
    if hasattr(v, "detach"):  # a torch.Tensor
        v = v.detach().cpu()
    if hasattr(v, "get") and not isinstance(v, (np.ndarray, dict)):  # a cupy.ndarray
        v = v.get()
    return np.asarray(v)


# =============================================================================== LSTMCell
class LSTMCell(_RecurrentBase):
    """One LSTM step, like ``torch.nn.LSTMCell``, with a hand-written backward.

    Parameters
    ----------
    input_size, hidden_size : int
        ``I`` and ``H``.
    bias : bool
        Whether ``bias_ih`` and ``bias_hh`` exist.
    dtype : float32 or float64
    seed : int, optional
        Seed for ``np.random.default_rng``; weights are U(-1/√H, 1/√H).
    forget_bias : float, optional
        If given (and ``bias``), the forget-gate slice of ``bias_ih`` is set to it and that
        of ``bias_hh`` to 0.

    Attributes
    ----------
    params : dict
        ``weight_ih`` (4H, I), ``weight_hh`` (4H, H), ``bias_ih`` (4H,), ``bias_hh`` (4H,).
    grads : dict
        Same keys; overwritten by each :meth:`backward`.
    grad_h_0, grad_c_0 : ndarray
        ∂L/∂h_0 and ∂L/∂c_0 for the state passed to the last forward (zeros state if none
        was passed), same shape as ``h``; set by :meth:`backward`.

    Notes
    -----
    The cell caches one step: :meth:`backward` differentiates the most recent
    :meth:`forward`. For sequences use :class:`LSTM`, which keeps every step.
    """

    _name = "LSTMCell"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        *,
        bias: bool = True,
        dtype: Any = np.float64,
        seed: int | None = None,
        forget_bias: float | None = None,
    ) -> None:
        self.input_size = check_positive_int(input_size, "LSTMCell input_size")
        self.hidden_size = check_positive_int(hidden_size, "LSTMCell hidden_size")
        self.bias = bool(bias)
        self.dtype = check_supported_dtype(dtype, "LSTMCell dtype")
        I, H = self.input_size, self.hidden_size
        shapes = {"weight_ih": (4 * H, I), "weight_hh": (4 * H, H)}
        if self.bias:
            shapes |= {"bias_ih": (4 * H,), "bias_hh": (4 * H,)}
        self._init_params(shapes, seed)
        if forget_bias is not None:
            self._set_forget_bias("bias_ih", "bias_hh", float(forget_bias))
        self._cache: dict[str, Any] | None = None
        self.grad_h_0: Array | None = None
        self.grad_c_0: Array | None = None

    def __repr__(self) -> str:
        return (
            f"LSTMCell({self.input_size}, {self.hidden_size}, bias={self.bias}, "
            f"dtype={self.dtype.name})"
        )

    def forward(self, x: Array, state: tuple[Array, Array] | None = None) -> tuple[Array, Array]:
        """One step: ``(h, c) = cell(x, (h_0, c_0))``.

        Parameters
        ----------
        x : ndarray (B, I), or (I,) unbatched
        state : (h_0, c_0), each (B, H) (or (H,) unbatched), optional
            Zeros if not given.

        Returns
        -------
        h, c : ndarray (B, H) (or (H,) unbatched)
        """
        xp = self.xp
        x = xp.asarray(x)
        self._check_input_dtype(x, "LSTMCell input")
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ValueError(
                f"LSTMCell input: expected 2-D (B, I) or 1-D (I,) with I={self.input_size}, "
                f"got shape {format_shape(x.shape)}"
            )
        batched = x.ndim == 2
        x2 = x if batched else x[None, :]
        B, H = x2.shape[0], self.hidden_size
        if B == 0:
            raise ValueError("LSTMCell input: batch size B must be at least 1, got B=0")
        check_finite(x2, "LSTMCell input")
        h0, c0 = self._check_state(state, B, batched)

        p = self.params
        a = xp.matmul(x2, p["weight_ih"].T)  # (B, 4H)
        xp.add(a, xp.matmul(h0, p["weight_hh"].T), out=a)
        if self.bias:
            xp.add(a, p["bias_ih"], out=a)
            xp.add(a, p["bias_hh"], out=a)
        gates = xp.ascontiguousarray(lf.gate_major(a, xp=xp))  # (4, B, H)
        c = xp.empty((B, H), dtype=self.dtype)
        tanh_c = xp.empty_like(c)
        h = xp.empty_like(c)
        self._use_state_shape((B, H))
        self._cell_step_forward_(gates, c0, c, tanh_c, h)
        self._cache = dict(x=x2, h0=h0, c0=c0, gates=gates, tanh_c=tanh_c, batched=batched)
        if not batched:
            return h[0], c[0]
        return h, c

    __call__ = forward

    def _check_state(
        self, state: tuple[Array, Array] | None, B: int, batched: bool
    ) -> tuple[Array, Array]:
        """Validate ``(h_0, c_0)``; return both as (B, H) arrays (zeros if ``None``)."""
        xp, H = self.xp, self.hidden_size
        if state is None:
            z = xp.zeros((B, H), dtype=self.dtype)
            return z, z
        h0, c0 = _unpack_state(state, "LSTMCell")
        want = (B, H) if batched else (H,)
        layout = "(B, H)" if batched else "(H,) for unbatched input"
        out = []
        for name, s in (("h_0", h0), ("c_0", c0)):
            s = xp.asarray(s)
            label = f"LSTMCell state {name}"
            self._check_input_dtype(s, label)
            if tuple(s.shape) != want:
                raise ValueError(
                    f"{label}: expected shape {format_shape(want)} {layout}, "
                    f"got {format_shape(s.shape)}"
                )
            check_finite(s, label)
            out.append(s if batched else s[None, :])
        return out[0], out[1]

    def backward(self, grad_h: Array, grad_c: Array | None = None) -> Array:
        """Gradients of the last :meth:`forward`, given ∂L/∂h (and ∂L/∂c).

        Fills :attr:`grads` (overwriting), :attr:`grad_h_0` and :attr:`grad_c_0`.

        Parameters
        ----------
        grad_h : ndarray, shape of ``h``
        grad_c : ndarray, shape of ``c``, optional (zeros)

        Returns
        -------
        grad_x : ndarray, shape of ``x``
        """
        if self._cache is None:
            raise RuntimeError("LSTMCell.backward called before forward: nothing to differentiate")
        xp, cache = self.xp, self._cache
        x, h0, c0, gates = cache["x"], cache["h0"], cache["c0"], cache["gates"]
        B, H = h0.shape
        shape = (B, H) if cache["batched"] else (H,)
        dh = self._check_step_grad(grad_h, shape, "LSTMCell grad_h")
        dc = (
            xp.zeros((B, H), dtype=self.dtype)
            if grad_c is None
            else self._check_step_grad(grad_c, shape, "LSTMCell grad_c")
        )
        dgates = xp.empty_like(gates)
        self._cell_step_backward_(dh, dc, gates, c0, cache["tanh_c"], dgates)

        da = xp.empty((B, 4 * H), dtype=self.dtype)  # batch-major, for the products
        lf.gate_major(da, xp=xp)[...] = dgates
        p, g = self.params, self.grads
        xp.matmul(da.T, x, out=g["weight_ih"])
        xp.matmul(da.T, h0, out=g["weight_hh"])
        if self.bias:
            xp.sum(da, axis=0, out=g["bias_ih"])
            g["bias_hh"][...] = g["bias_ih"]
        grad_x = xp.matmul(da, p["weight_ih"])
        grad_h0 = xp.matmul(da, p["weight_hh"])
        if not cache["batched"]:
            grad_x, grad_h0, dc = grad_x[0], grad_h0[0], dc[0]
        self.grad_h_0, self.grad_c_0 = grad_h0, dc
        return grad_x

    def _check_step_grad(self, grad: Array, shape: tuple[int, ...], name: str) -> Array:
        """A (B, H) working copy of an incoming gradient, after checking it."""
        grad = self.xp.asarray(grad)
        self._check_input_dtype(grad, name)
        if tuple(grad.shape) != shape:
            raise ValueError(
                f"{name}: expected shape {format_shape(shape)} (the shape of the output), "
                f"got {format_shape(grad.shape)}"
            )
        check_finite(grad, name)
        return self.xp.array(grad.reshape(-1, self.hidden_size), copy=True)


def _unpack_state(state: Any, who: str) -> tuple[Any, Any]:
    if not isinstance(state, (tuple, list)) or len(state) != 2:
        raise TypeError(f"{who} state: expected a pair (h_0, c_0), got {type(state).__name__}")
    return state[0], state[1]


# =================================================================================== LSTM
@dataclass
class _LayerCache:
    """What one layer's forward keeps for its backward (and for plots).

    The layer works *feature-major*: a state is an (H, B) matrix, so that the recurrent
    product is ``W_hh @ h`` (4H, H) x (H, B), which BLAS runs faster than the
    batch-major ``h @ W_hh^T`` (B, H) x (H, 4H) when B is small next to 4H, and its
    result is already gate-major: (4H, B) = (4, H, B), four contiguous gate blocks.

    ``hs[:, 0]``/``cs[0]`` are h_0/c_0 and ``hs[:, t+1]``/``cs[t+1]`` the states after
    step t. ``hs`` is (H, T+1, B) so that ``hs[:, :-1]`` and ``hs[:, 1:]`` are (H, T*B)
    matrices without copying (the weight gradients need them so).
    """

    x_rows: Array | None  # (T*B, I) the input of layer 0, time-major rows; else None
    gates: Array  # (T, 4, H, B)  gate values i, f, g, o
    hs: Array  # (H, T+1, B)  h_0 .. h_T
    cs: Array  # (T+1, H, B)  c_0 .. c_T
    tanh_cs: Array  # (T, H, B)  tanh(c_1) .. tanh(c_T)
    mask: Array | None = None  # (T, 1, B) bool, False at padded steps; None: no padding


def _padded_steps(mask: Array | None) -> frozenset[int]:
    """The steps t at which some sequence of the batch is padding."""
    if mask is None:
        return frozenset()
    return frozenset(np.flatnonzero(~_as_numpy(mask).all(axis=(1, 2))).tolist())


def _reversed_rows(rows: Array, T: int, xp: ModuleType) -> Array:
    """(T*B, I) rows ordered (t, b) -> the same rows with time reversed, contiguous."""
    return xp.ascontiguousarray(rows.reshape(T, -1, rows.shape[-1])[::-1]).reshape(rows.shape)


class LSTM(_RecurrentBase):
    """A stack of LSTM layers over a sequence, like ``torch.nn.LSTM``, in NumPy.

    Parameters
    ----------
    input_size, hidden_size : int
        ``I`` and ``H``.
    num_layers : int
        Stacked layers; layer k > 0 reads the hidden states of layer k-1.
    bias : bool
        Whether the ``bias_ih_l{k}`` / ``bias_hh_l{k}`` parameters exist.
    batch_first : bool
        Input and output are (B, T, ·) instead of (T, B, ·). States are always
        (D * num_layers, B, H), as in PyTorch.
    dtype : float32 or float64
        Dtype of the weights; inputs must have the same dtype (no silent casting).
    seed : int, optional
        Seed for ``np.random.default_rng``; every parameter is U(-1/√H, 1/√H).
    forget_bias : float, optional
        If given (and ``bias``), the forget-gate slice of every ``bias_ih_l{k}`` is set to
        it and that of ``bias_hh_l{k}`` to 0 (Jozefowicz et al., 2015, use 1.0).
    bidirectional : bool
        Add a second LSTM per layer that reads the sequence backwards (``_reverse``
        parameters, as ``torch.nn.LSTM(bidirectional=True)``); D = 2 directions, the
        output concatenates both, (…, 2H), and layer k > 0 reads that 2H-wide output.

    Attributes
    ----------
    params : dict[str, ndarray]
        ``weight_ih_l{k}`` (4H, I if k == 0 else D*H), ``weight_hh_l{k}`` (4H, H),
        ``bias_ih_l{k}``, ``bias_hh_l{k}`` (4H,); gate order i, f, g, o; with
        ``bidirectional`` the same again with the suffix ``_reverse``.
    grads : dict[str, ndarray]
        Same keys and shapes; *overwritten* (not accumulated) by :meth:`backward`.
    grad_h_0, grad_c_0 : ndarray
        After :meth:`backward`: ∂L/∂h_0 and ∂L/∂c_0, shaped like h_0 / c_0
        ((num_layers, B, H), or (num_layers, H) unbatched), also when no state was passed.

    Examples
    --------
    >>> lstm = LSTM(3, 5, num_layers=2, seed=0)
    >>> x = np.ones((7, 2, 3))                      # (T, B, I)
    >>> out, (h_n, c_n) = lstm(x)
    >>> out.shape, h_n.shape
    ((7, 2, 5), (2, 2, 5))
    >>> grad_x = lstm.backward(np.ones_like(out))
    >>> grad_x.shape, lstm.grads["weight_hh_l1"].shape
    ((7, 2, 3), (20, 5))
    """

    _name = "LSTM"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        *,
        bias: bool = True,
        batch_first: bool = False,
        dtype: Any = np.float64,
        seed: int | None = None,
        forget_bias: float | None = None,
        bidirectional: bool = False,
    ) -> None:
        self.input_size = check_positive_int(input_size, "LSTM input_size")
        self.hidden_size = check_positive_int(hidden_size, "LSTM hidden_size")
        self.num_layers = check_positive_int(num_layers, "LSTM num_layers")
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        self.bidirectional = bool(bidirectional)
        self.num_directions = 2 if self.bidirectional else 1
        self.dtype = check_supported_dtype(dtype, "LSTM dtype")
        H, D = self.hidden_size, self.num_directions
        shapes: dict[str, tuple[int, ...]] = {}
        for k in range(self.num_layers):
            in_k = self.input_size if k == 0 else D * H
            for sfx in self._suffixes:
                shapes[f"weight_ih_l{k}{sfx}"] = (4 * H, in_k)
                shapes[f"weight_hh_l{k}{sfx}"] = (4 * H, H)
                if self.bias:
                    shapes[f"bias_ih_l{k}{sfx}"] = (4 * H,)
                    shapes[f"bias_hh_l{k}{sfx}"] = (4 * H,)
        self._init_params(shapes, seed)
        if forget_bias is not None:
            for k in range(self.num_layers):
                for sfx in self._suffixes:
                    self._set_forget_bias(
                        f"bias_ih_l{k}{sfx}", f"bias_hh_l{k}{sfx}", float(forget_bias)
                    )
        self._caches: list[_LayerCache] | None = None
        self._batched = True
        self._valid: Array | None = None
        self.grad_h_0: Array | None = None
        self.grad_c_0: Array | None = None

    @property
    def _suffixes(self) -> tuple[str, ...]:
        """Parameter-name suffix of each direction: ``("",)`` or ``("", "_reverse")``."""
        return ("", "_reverse") if self.bidirectional else ("",)

    def __repr__(self) -> str:
        bi = ", bidirectional=True" if self.bidirectional else ""
        return (
            f"LSTM({self.input_size}, {self.hidden_size}, num_layers={self.num_layers}, "
            f"bias={self.bias}, batch_first={self.batch_first}{bi}, dtype={self.dtype.name})"
        )

    # ----------------------------------------------------------------------- forward
    def forward(
        self, x: Array, state: tuple[Array, Array] | None = None, lengths: Any = None
    ) -> tuple[Array, tuple[Array, Array]]:
        """Run the whole sequence through every layer (both directions if bidirectional).

        Parameters
        ----------
        x : ndarray
            (T, B, I); (B, T, I) if ``batch_first``; or (T, I) unbatched.
        state : (h_0, c_0), optional
            Each (D * num_layers, B, H), or (D * num_layers, H) unbatched; index
            ``k * D + d`` is layer k, direction d (0 forward, 1 backward). Zeros if not given.
        lengths : sequence of B ints in [1, T], optional
            True length of each sequence of a padded batch (batched input only). Steps
            ``t >= lengths[b]`` are *padding* (填充), masked (掩码): there the state is
            carried over unchanged, the output is 0, and in :meth:`backward` they pass
            gradients through untouched and add nothing to the weight gradients -- the
            numbers equal running each sequence alone. The backward direction starts at
            each sequence's own last step. ``None``: every sequence is T long.

        Returns
        -------
        output : ndarray
            Hidden states of the last layer at every step: (T, B, D*H), (B, T, D*H) if
            ``batch_first``, or (T, D*H) unbatched; forward direction first. A fresh array.
        (h_n, c_n) : ndarray
            Final states of every layer and direction, (D * num_layers, B, H) or
            (D * num_layers, H); with ``lengths``, the states after each sequence's last
            real step (forward direction) and after step 0 (backward direction).
        """
        xp, D = self.xp, self.num_directions
        x_tm, batched = self._check_input(x)
        T, B, I = x_tm.shape
        h0, c0 = self._check_state(state, B, batched)
        valid = self._check_lengths(lengths, T, B, batched)  # (T, 1, B) bool or None

        caches = []
        x_rows = x_tm.reshape(T * B, I)  # layer 0 input as rows (t, b)
        x_cols = x_tm.transpose(0, 2, 1)  # (T, I, B) views: one (I, B) matrix per step
        for k in range(self.num_layers):
            outs = []
            for d in range(D):
                j = k * D + d
                h0_j = None if h0 is None else h0[j]
                c0_j = None if c0 is None else c0[j]
                if d == 0:
                    cache = self._layer_forward(k, x_cols, x_rows, h0_j, c0_j, mask=valid)
                    outs.append(cache.hs[:, 1:])  # (H, T, B)
                else:  # the same layer on the time-reversed sequence
                    rows = None if x_rows is None else _reversed_rows(x_rows, T, xp)
                    mask = None if valid is None else valid[::-1]
                    cache = self._layer_forward(
                        k, x_cols[::-1], rows, h0_j, c0_j, suffix="_reverse", mask=mask
                    )
                    outs.append(cache.hs[:, 1:][:, ::-1])  # back in time order
                caches.append(cache)
            if D == 1:
                x_cols, x_rows = outs[0].transpose(1, 0, 2), None  # (T, H, B) views
            else:
                both = xp.concatenate(outs, axis=0)  # (2H, T, B)
                x_cols = both.transpose(1, 0, 2)
                x_rows = xp.ascontiguousarray(both.reshape(2 * self.hidden_size, T * B).T)
        self._caches, self._batched, self._valid = caches, batched, valid

        h_n = xp.stack([c.hs[:, T].T for c in caches])  # (D*L, B, H)
        c_n = xp.stack([c.cs[T].T for c in caches])
        h_last = x_cols.transpose(0, 2, 1)  # (T, B, D*H) view of the caches
        output = self._from_time_major(h_last, batched, copy=True)
        if valid is not None:
            output *= self._from_time_major(valid.transpose(0, 2, 1), batched)
        if not batched:
            h_n, c_n = h_n[:, 0], c_n[:, 0]
        return output, (h_n, c_n)

    __call__ = forward

    def _layer_forward(
        self,
        k: int,
        x_cols: Array,
        x_rows: Array | None,
        h0: Array | None,
        c0: Array | None,
        *,
        suffix: str = "",
        mask: Array | None = None,
    ) -> _LayerCache:
        """Forward of layer ``k`` over all steps (feature-major, see
        :class:`_LayerCache`).

        Parameters
        ----------
        k : int
        x_cols : ndarray (T, I_k, B)
            The layer's input, one (I_k, B) matrix per step (any strides BLAS
            accepts), in the order the direction reads it.
        x_rows : ndarray (T*B, I_k) or None
            The same input as rows, kept for the weight gradient (None: layer k-1's
            states of a one-directional LSTM, read from its cache).
        h0, c0 : ndarray (B, H) or None (zeros)
        suffix : str
            ``""`` or ``"_reverse"``: whose parameters.
        mask : ndarray (T, 1, B) bool, optional
            False at padded steps, which keep the previous state.
        """
        xp, p, H = self.xp, self.params, self.hidden_size
        T, _, B = x_cols.shape
        w_ih, w_hh = p[f"weight_ih_l{k}{suffix}"], p[f"weight_hh_l{k}{suffix}"]

        # Input projection for all steps in one call, both biases added: (T, 4H, B).
        gates = xp.matmul(w_ih, x_cols)
        if self.bias:
            bias = p[f"bias_ih_l{k}{suffix}"] + p[f"bias_hh_l{k}{suffix}"]
            xp.add(gates, bias.reshape(4 * H, 1), out=gates)
        gates = gates.reshape(T, 4, H, B)

        hs = xp.empty((H, T + 1, B), dtype=self.dtype)
        cs = xp.empty((T + 1, H, B), dtype=self.dtype)
        tanh_cs = xp.empty((T, H, B), dtype=self.dtype)
        hs[:, 0] = 0.0 if h0 is None else h0.T
        cs[0] = 0.0 if c0 is None else c0.T
        padded = _padded_steps(mask)

        # The time loop: per step one matrix product and the elementwise step.
        recurrent = xp.empty((4 * H, B), dtype=self.dtype)
        recurrent_gm = recurrent.reshape(4, H, B)
        self._use_state_shape((H, B))
        matmul, add, step = xp.matmul, xp.add, self._cell_step_forward_
        h_steps = hs.transpose(1, 0, 2)  # (T+1, H, B) views of hs
        steps = zip(gates, cs[:-1], cs[1:], tanh_cs, h_steps[:-1], h_steps[1:],
                    strict=True)
        for t, (a_t, c_prev, c_t, tanh_c_t, h_prev, h_t) in enumerate(steps):
            if t > 0 or h0 is not None:  # h_0 = 0 contributes nothing
                matmul(w_hh, h_prev, out=recurrent)  # (4H, H) x (H, B)
                add(a_t, recurrent_gm, a_t)  # a_t = P[t] + W_hh h_{t-1}
            step(a_t, c_prev, c_t, tanh_c_t, h_t)
            if t in padded:  # padding: keep the state
                xp.copyto(c_t, c_prev, where=~mask[t])
                xp.copyto(h_t, h_prev, where=~mask[t])
        return _LayerCache(x_rows=x_rows, gates=gates, hs=hs, cs=cs,
                           tanh_cs=tanh_cs, mask=mask)

    # ---------------------------------------------------------------------- backward
    def backward(
        self,
        grad_output: Array,
        grad_h_n: Array | None = None,
        grad_c_n: Array | None = None,
    ) -> Array:
        """Backpropagation through time for the last :meth:`forward`.

        Parameters
        ----------
        grad_output : ndarray, shape of ``output``
            ∂L/∂output (entries at padded steps are ignored: the output there is a
            constant 0).
        grad_h_n, grad_c_n : ndarray, shape of ``h_n`` / ``c_n``, optional
            ∂L/∂h_n and ∂L/∂c_n (zeros if not given).

        Returns
        -------
        grad_x : ndarray, shape of ``x`` (0 at padded steps)

        Fills :attr:`grads` (overwriting the previous values), :attr:`grad_h_0` and
        :attr:`grad_c_0`. May be called again for the same forward (with other
        upstream gradients).
        """
        if self._caches is None:
            raise RuntimeError("LSTM.backward called before forward: nothing to differentiate")
        xp, H, D = self.xp, self.hidden_size, self.num_directions
        L = self.num_layers * D  # number of (layer, direction) states
        caches, batched = self._caches, self._batched
        T, _, _, B = caches[0].gates.shape

        out_shape = (T, B, D * H) if not self.batch_first else (B, T, D * H)
        state_shape = (L, B, H)
        if not batched:
            out_shape, state_shape = (T, D * H), (L, H)
        d_out = self._check_grad(grad_output, out_shape, "LSTM grad_output", "output")
        dh_n = self._check_grad(grad_h_n, state_shape, "LSTM grad_h_n", "h_n")
        dc_n = self._check_grad(grad_c_n, state_shape, "LSTM grad_c_n", "c_n")
        d_cols = self._to_time_major(d_out, batched).transpose(0, 2, 1)  # (T, D*H, B) views
        if self._valid is not None:
            d_cols = d_cols * self._valid  # padded outputs are constants
        if not batched and dh_n is not None:
            dh_n = dh_n[:, None, :]
        if not batched and dc_n is not None:
            dc_n = dc_n[:, None, :]

        d_gates = xp.empty((4 * H, T, B), dtype=self.dtype)  # ∂L/∂a, shared by the layers
        grad_h0 = xp.empty((L, B, H), dtype=self.dtype)
        grad_c0 = xp.empty((L, B, H), dtype=self.dtype)
        for k in reversed(range(self.num_layers)):
            d_in = None
            for d in range(D):
                j = k * D + d
                d_part = d_cols[:, d * H : (d + 1) * H]
                args = (
                    None if dh_n is None else dh_n[j],
                    None if dc_n is None else dc_n[j],
                    d_gates,
                    grad_h0[j],
                    grad_c0[j],
                )
                if d == 0:
                    dx = self._layer_backward(k, caches[j], d_part, *args)
                else:
                    dx = self._layer_backward(k, caches[j], d_part[::-1], *args, suffix="_reverse")
                    dx = dx[::-1]
                d_in = dx if d_in is None else d_in + dx
            d_cols = d_in
        if not batched:
            grad_h0, grad_c0 = grad_h0[:, 0], grad_c0[:, 0]
        self.grad_h_0, self.grad_c_0 = grad_h0, grad_c0
        return self._from_time_major(d_cols, batched)  # layer 0 returns (T, B, I) rows

    def _layer_backward(
        self,
        k: int,
        cache: _LayerCache,
        d_out: Array,
        dh_n: Array | None,
        dc_n: Array | None,
        d_gates: Array,
        grad_h0: Array,
        grad_c0: Array,
        *,
        suffix: str = "",
    ) -> Array:
        """Backward of layer ``k``: fills the layer's ``grads`` and
        ``grad_h0``, ``grad_c0`` (B, H).

        Parameters
        ----------
        d_out : ndarray (T, H, B)
            ∂L/∂h_t coming from above (the loss or layer k+1), one (H, B)
            block per step, in the order the direction read the sequence.
        dh_n, dc_n : ndarray (B, H) or None
        d_gates : ndarray (4H, T, B)
            Work buffer, overwritten with ∂L/∂a; as a (4H, T*B) matrix it
            meets the layer's inputs and states in one product each.
        suffix : str
            ``""`` or ``"_reverse"``: whose parameters.

        Returns
        -------
        ∂L/∂x for the layer's input, in the direction's order: (T, B, I) rows
        for layer 0, otherwise (T, I_k, B) blocks, the ``d_out`` of the layer
        below.
        """
        xp, p, g, H = self.xp, self.params, self.grads, self.hidden_size
        T, _, _, B = cache.gates.shape
        w_ih, w_hh = p[f"weight_ih_l{k}{suffix}"], p[f"weight_hh_l{k}{suffix}"]
        w_hh_t = xp.ascontiguousarray(w_hh.T)  # (H, 4H)

        dh = xp.empty((H, B), dtype=self.dtype)
        dh_next = xp.zeros((H, B), dtype=self.dtype)  # ∂L/∂h_t through step t+1
        dc = xp.zeros((H, B), dtype=self.dtype)  # ∂L/∂c_t from step t+1
        if dh_n is not None:
            dh_next[...] = dh_n.T
        if dc_n is not None:
            dc[...] = dc_n.T
        # this step's ∂L/∂a, contiguous
        da = xp.empty((4 * H, B), dtype=self.dtype)
        da_gm = da.reshape(4, H, B)
        dot, add, copyto = xp.dot, xp.add, xp.copyto
        step = self._cell_step_backward_
        mask, padded = cache.mask, _padded_steps(cache.mask)
        da_steps = d_gates.transpose(1, 0, 2)  # (T, 4H, B) views of d_gates
        steps = list(zip(d_out, cache.gates, cache.cs[:-1], cache.tanh_cs,
                         da_steps, strict=True))
        for t in reversed(range(T)):
            d_out_t, a_t, c_prev, tanh_c_t, da_t = steps[t]
            add(d_out_t, dh_next, dh)
            if t in padded:  # padding passes dh and dc through untouched
                keep_dh, keep_dc = dh.copy(), dc.copy()
            step(dh, dc, a_t, c_prev, tanh_c_t, da_gm)
            if t in padded:
                da *= mask[t]
            # ∂L/∂h_{t-1} = W_hh^T da: (H, 4H) x (4H, B)
            dot(w_hh_t, da, out=dh_next)
            if t in padded:
                copyto(dh_next, keep_dh, where=~mask[t])
                copyto(dc, keep_dc, where=~mask[t])
            copyto(da_t, da)
        grad_h0[...] = dh_next.T
        grad_c0[...] = dc.T

        # Weight gradients: one product each over all T*B columns.
        dA = d_gates.reshape(4 * H, T * B)
        h_prev = cache.hs[:, :-1].reshape(H, T * B)
        if cache.x_rows is not None:
            xp.matmul(dA, cache.x_rows, out=g[f"weight_ih_l{k}{suffix}"])
        else:
            x_below = self._caches[k - 1].hs[:, 1:].reshape(H, T * B)
            xp.matmul(dA, x_below.T, out=g[f"weight_ih_l{k}{suffix}"])
        xp.matmul(dA, h_prev.T, out=g[f"weight_hh_l{k}{suffix}"])
        if self.bias:
            xp.sum(dA, axis=1, out=g[f"bias_ih_l{k}{suffix}"])
            g[f"bias_hh_l{k}{suffix}"][...] = g[f"bias_ih_l{k}{suffix}"]
        if k == 0:
            return xp.matmul(dA.T, w_ih).reshape(T, B, -1)  # rows (t, b) x I
        return xp.matmul(w_ih.T, dA).reshape(-1, T, B).transpose(1, 0, 2)

    # ------------------------------------------------------------------------ plots
    def activations(self, layer: int = 0, direction: int = 0) -> dict[str, np.ndarray]:
        """Gate values and states of one layer at every step of the last forward.

        Parameters
        ----------
        layer : int
        direction : int
            0 forward, 1 backward (bidirectional only); both returned in time order.

        Returns
        -------
        dict with keys ``'i', 'f', 'g', 'o', 'c', 'h'``, each a NumPy array (T, B, H)
        in **time-major** order whatever ``batch_first`` is ((T, H) for unbatched
        input); ``c`` and ``h`` are c_1..c_T and h_1..h_T. Copies: safe to keep.
        """
        if self._caches is None:
            raise RuntimeError("LSTM.activations: run forward first")
        if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)):
            raise TypeError(f"LSTM.activations: layer must be an int, got {layer!r}")
        if not -self.num_layers <= layer < self.num_layers:
            raise ValueError(
                f"LSTM.activations: layer must be in [0, {self.num_layers}), got {layer}"
            )
        if direction not in range(self.num_directions):
            raise ValueError(
                f"LSTM.activations: direction must be in [0, {self.num_directions}), "
                f"got {direction!r}"
            )
        cache = self._caches[(layer % self.num_layers) * self.num_directions + direction]
        views = {  # each (T, H, B) -> (T, B, H)
            "i": cache.gates[:, 0],
            "f": cache.gates[:, 1],
            "g": cache.gates[:, 2],
            "o": cache.gates[:, 3],
            "c": cache.cs[1:],
            "h": cache.hs[:, 1:].transpose(1, 0, 2),
        }
        out = {}
        for name, v in views.items():
            v = v.transpose(0, 2, 1)
            if direction == 1:
                v = v[::-1]
            out[name] = self._to_numpy(v if self._batched else v[:, 0])
        return out

    def _check_lengths(self, lengths: Any, T: int, B: int, batched: bool) -> Array | None:
        """``lengths`` checked; the (T, 1, B) mask of real (not padded) steps, or None."""
        if lengths is None:
            return None
        if not batched:
            raise ValueError("LSTM lengths: only for batched input (unbatched input is one "
                             "sequence, of length T)")
        arr = np.asarray(self._to_numpy(lengths) if hasattr(lengths, "get") else lengths)
        if arr.dtype.kind not in "iu" or arr.shape != (B,):
            raise ValueError(
                f"LSTM lengths: expected {B} integers (one per sequence), got "
                f"shape {format_shape(arr.shape)} dtype {arr.dtype}"
            )
        if arr.min() < 1 or arr.max() > T:
            raise ValueError(
                f"LSTM lengths: each length must be in [1, T={T}], got range "
                f"[{arr.min()}, {arr.max()}]"
            )
        valid = np.arange(T)[:, None, None] < arr[None, None, :]  # (T, 1, B)
        return self.xp.asarray(valid)

    def _check_state(
        self, state: tuple[Array, Array] | None, B: int, batched: bool
    ) -> tuple[Array | None, Array | None]:
        """Validate ``(h_0, c_0)``; return each as (num_layers, B, H), or ``(None, None)``."""
        if state is None:
            return None, None
        L, H = self.num_layers * self.num_directions, self.hidden_size
        h0, c0 = _unpack_state(state, "LSTM")
        D = "2 * " if self.bidirectional else ""
        if batched:
            want, layout = (L, B, H), f"({D}num_layers, B, H)"
        else:
            want, layout = (L, H), f"({D}num_layers, H) for unbatched input"
        h0 = self._check_state_array(h0, "h_0", want, layout)
        c0 = self._check_state_array(c0, "c_0", want, layout)
        if not batched:
            h0, c0 = h0[:, None, :], c0[:, None, :]
        return h0, c0
