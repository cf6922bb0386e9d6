"""The LSTM's maths, one time step at a time, written against an array module ``xp``.

Everything here takes ``xp`` (``numpy`` by default, ``cupy`` on the GPU) and works in place
through output arguments, so the same code runs on both backends. The two step functions,
:func:`lstm_step_forward_` and :func:`lstm_step_backward_`, are the *elementwise* part of one
time step -- everything except the matrix products -- and are the unit a GPU backend
replaces with one fused kernel each way.

Notation (PyTorch's gate order i, f, g, o; ``B`` batch, ``H`` hidden size)::

    a = x W_ih^T + b_ih + h_prev W_hh^T + b_hh          pre-activations, (B, 4H)
    i = σ(a_i)   f = σ(a_f)   g = tanh(a_g)   o = σ(a_o)
    c = f ⊙ c_prev + i ⊙ g
    h = o ⊙ tanh(c)

and, for the backward pass, with ``dh = ∂L/∂h`` and ``dc = ∂L/∂c`` arriving from above::

    dc_total = dc + dh ⊙ o ⊙ (1 - tanh²(c))
    da_i = dc_total ⊙ g       ⊙ i (1 - i)
    da_f = dc_total ⊙ c_prev  ⊙ f (1 - f)
    da_g = dc_total ⊙ i       ⊙ (1 - g²)
    da_o = dh ⊙ tanh(c)       ⊙ o (1 - o)
    dc_prev = dc_total ⊙ f

(the matrix products ``dh_prev = da W_hh`` and the weight gradients are left to the caller,
who batches them over time).

Layout. The step functions take the gates in either of two layouts (:func:`gate_views`):
*batch-major* (B, 4H), each row ``[a_i | a_f | a_g | a_o]`` as ``x W^T`` produces it, or
*gate-major* (4, *S), whose ``gates[0..3]`` are the i, f, g, o blocks, each shaped like
the states. NumPy is several times faster on the contiguous gate-major blocks than on the
strided column slices of a batch-major array, so the library uses gate-major: the maths is
elementwise, so the block shape is free: :class:`~lstmbook.numpy.LSTMCell` uses (4, B, H)
(:func:`gate_major` gives that view of a (B, 4H) array), :class:`~lstmbook.numpy.LSTM`
uses (4, H, B), the layout its matrix products produce.

Speed. On small arrays NumPy's cost is per call (≈ 0.2 µs), not per element, so the step
functions make as few calls as they can: all four non-linearities in one ``tanh`` over
the whole (4, *S) block (σ(a) = ½ + ½ tanh(a/2), see :func:`gate_activation_constants`),
outputs passed positionally, and no Python scalars as operands (each costs a
conversion) except one, where accuracy needs it (see :func:`lstm_step_backward_`).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

__all__ = [
    "sigmoid",
    "gate_slices",
    "gate_views",
    "gate_major",
    "gate_activation_constants",
    "gate_derivative_offset",
    "gate_nonlinearities_",
    "lstm_step_forward_",
    "lstm_step_backward_",
]

Array = Any  # an xp.ndarray: numpy.ndarray or cupy.ndarray


def sigmoid(x: Array, out: Array | None = None, *, xp: ModuleType = np) -> Array:
    """Logistic function σ(x) = 1 / (1 + e^{-x}), computed as ``0.5 * (1 + tanh(x / 2))``.

    The tanh form never overflows (``exp(1e4)`` would) and needs no branch on the sign of
    ``x``; it keeps the dtype (float32 stays float32). The two forms are equal:
    ``1 / (1 + e^{-x}) = e^{x/2} / (e^{x/2} + e^{-x/2}) = (1 + tanh(x/2)) / 2``.

    Parameters
    ----------
    x : array, any shape, floating
    out : array, same shape as ``x``, optional
        Where to write the result; may be ``x`` itself (in place).
    xp : module
        ``numpy`` or ``cupy``.

    Returns
    -------
    array, same shape and dtype as ``x`` (``out`` if given); a NumPy scalar for a
    Python or NumPy scalar ``x``
    """
    if out is None and xp.ndim(x) == 0:  # a scalar: no buffer to write into
        a = xp.asarray(x)
        a = a if a.dtype.kind == "f" else a.astype(float)
        return (0.5 * (1 + xp.tanh(0.5 * a)))[()]
    out = xp.multiply(x, 0.5, out=out)
    xp.tanh(out, out=out)
    xp.multiply(out, 0.5, out=out)
    xp.add(out, 0.5, out=out)
    return out


def gate_slices(hidden_size: int) -> tuple[slice, slice, slice, slice]:
    """Column slices of the four gates in a batch-major (B, 4H) array: i, f, g, o."""
    h = hidden_size
    return slice(0, h), slice(h, 2 * h), slice(2 * h, 3 * h), slice(3 * h, 4 * h)


def gate_major(a: Array, *, xp: ModuleType = np) -> Array:
    """The gate-major view (..., 4, B, H) of a batch-major (..., B, 4H) array (no copy).

    ``gate_major(a)[..., k, b, :]`` is ``a[..., b, k*H:(k+1)*H]``; writing to the view
    writes to ``a``.
    """
    *lead, B, four_h = a.shape
    return xp.swapaxes(a.reshape(*lead, B, 4, four_h // 4), -3, -2)


def gate_views(gates: Array) -> tuple[Array, Array, Array, Array]:
    """The i, f, g, o blocks of a gate array, as views.

    A 3-D ``gates`` is gate-major, (4, *S): the blocks are ``gates[0..3]``. A 2-D one is
    batch-major, (B, 4H) as ``x W^T`` produces it: the blocks are its column slices
    (strided, so NumPy is slower on them; the step functions accept both layouts).
    """
    if gates.ndim == 3:
        return gates[0], gates[1], gates[2], gates[3]  # (indexing beats unpacking)
    s_i, s_f, s_g, s_o = gate_slices(gates.shape[-1] // 4)
    return gates[:, s_i], gates[:, s_f], gates[:, s_g], gates[:, s_o]


def _per_gate_constant(values: list[float], gates: Array, xp: ModuleType) -> Array:
    """``values[k]`` on every entry of gate k, shaped like ``gates`` (or, batch-major,
    as a (4H,) row that broadcasts against it)."""
    v = np.array(values, dtype=gates.dtype)
    if gates.ndim == 3:
        const = np.broadcast_to(v[:, None, None], gates.shape)
    else:
        const = np.repeat(v, gates.shape[-1] // 4)
    return xp.asarray(np.ascontiguousarray(const))


def gate_activation_constants(
    dtype: Any, state_shape: tuple[int, ...] = (1, 1), *, xp: ModuleType = np
) -> tuple[Array, Array]:
    """``(scale, shift)``, each (4, *S), with ``scale ⊙ tanh(scale ⊙ a) + shift`` = i, f, g, o.

    On the σ gates (i, f, o) ``scale = shift = ½``, which gives ½ tanh(a/2) + ½ = σ(a)
    exactly as :func:`sigmoid` computes it; on g ``scale = 1, shift = 0``, which gives
    tanh(a). One ``tanh`` call then serves all four gates of a (4, *S) block.

    ``state_shape`` ``S`` defaults to (1, 1), which broadcasts against any 2-D state
    shape; passing the real one gives full-size arrays, and NumPy multiplies those
    2-4 times faster than it broadcasts.
    """
    per_gate_scale = np.array([0.5, 0.5, 1.0, 0.5], dtype=dtype)
    per_gate_shift = np.array([0.5, 0.5, 0.0, 0.5], dtype=dtype)
    shape = (4, *state_shape)
    expand = (slice(None),) + (None,) * len(state_shape)
    scale = np.broadcast_to(per_gate_scale[expand], shape)
    shift = np.broadcast_to(per_gate_shift[expand], shape)
    return xp.asarray(np.ascontiguousarray(scale)), xp.asarray(np.ascontiguousarray(shift))


def gate_derivative_offset(
    dtype: Any, state_shape: tuple[int, ...] = (1, 1), *, xp: ModuleType = np
) -> Array:
    """``K``, (4, *S): 0 on the σ blocks (i, f, o), 1 on the g block.

    With it one expression gives every gate's derivative from its value A:
    ``(1 - A)(A + K)`` is σ' = s (1 - s) where K = 0 and tanh' = (1 - g)(1 + g) where K = 1.
    """
    per_gate = np.array([0.0, 0.0, 1.0, 0.0], dtype=dtype)
    expand = (slice(None),) + (None,) * len(state_shape)
    k = np.broadcast_to(per_gate[expand], (4, *state_shape))
    return xp.asarray(np.ascontiguousarray(k))


def gate_nonlinearities_(
    gates: Array,
    scale: Array | None = None,
    shift: Array | None = None,
    *,
    xp: ModuleType = np,
) -> Array:
    """Turn pre-activations into gate values, in place: σ on i, f, o; tanh on g.

    Parameters
    ----------
    gates : array (4, *S), gate-major, or (B, 4H), batch-major
        (see :func:`gate_views`).
        Pre-activations ``[a_i, a_f, a_g, a_o]`` on entry, ``[i, f, g, o]`` on
        return.
    scale, shift : array (4, *S), optional
        From :func:`gate_activation_constants`, for gate-major gates (made
        here if not given, for either layout; pass them in a loop to avoid
        remaking them each step).

    Returns
    -------
    gates (the same array)
    """
    if scale is None or shift is None:
        scale = _per_gate_constant([0.5, 0.5, 1.0, 0.5], gates, xp)
        shift = _per_gate_constant([0.5, 0.5, 0.0, 0.5], gates, xp)
    xp.multiply(gates, scale, gates)
    xp.tanh(gates, gates)
    xp.multiply(gates, scale, gates)
    xp.add(gates, shift, gates)
    return gates


def lstm_step_forward_(
    gates: Array,
    c_prev: Array,
    c: Array,
    tanh_c: Array,
    h: Array,
    scale: Array | None = None,
    shift: Array | None = None,
    *,
    xp: ModuleType = np,
) -> None:
    """Elementwise part of one LSTM step: gates, new cell and hidden state.

    Everything is written into the given arrays; nothing is allocated.

    Parameters
    ----------
    gates : array (4, *S), gate-major, or (B, 4H), batch-major
        (see :func:`gate_views`).
        In: pre-activations ``[a_i, a_f, a_g, a_o]`` (both matrix products and
        both biases already added). Out: gate values ``[i, f, g, o]`` (kept for
        the backward pass and for plots).
    c_prev : array S
        Previous cell state (read only). ``S`` is the state shape, (B, H) or
        (H, B): all state-shaped arguments share it, and ``gates[k]`` has it.
    c : array S
        Out: new cell state ``f ⊙ c_prev + i ⊙ g``.
    tanh_c : array S
        Out: ``tanh(c)`` (kept for the backward pass).
    h : array S
        Out: new hidden state ``o ⊙ tanh(c)``.
    scale, shift : array (4, *S), optional
        From :func:`gate_activation_constants`, to save remaking them each step.
    xp : module
    """
    mul, add = xp.multiply, xp.add
    gate_nonlinearities_(gates, scale, shift, xp=xp)
    i, f, g, o = gate_views(gates)
    # tanh_c is scratch for i g (h may be a strided view: write it once)
    mul(i, g, tanh_c)
    mul(f, c_prev, c)
    add(c, tanh_c, c)  # c = f c_prev + i g
    xp.tanh(c, tanh_c)
    mul(o, tanh_c, h)  # h = o tanh(c)


def lstm_step_backward_(
    dh: Array,
    dc: Array,
    gates: Array,
    c_prev: Array,
    tanh_c: Array,
    dgates: Array,
    work: Array | None = None,
    *,
    g_offset: Array | None = None,
    xp: ModuleType = np,
) -> None:
    """Elementwise part of one backward step: ∂L/∂h, ∂L/∂c to ∂L/∂a, ∂L/∂c_prev.

    Parameters
    ----------
    dh : array S
        ∂L/∂h_t in total (from the output at t and from step t+1). Read, then
        used as scratch: its contents are undefined on return. ``S`` is the
        state shape, as in :func:`lstm_step_forward_`.
    dc : array S
        In: ∂L/∂c_t arriving from step t+1 (not yet including the path through
        h_t). Out: ∂L/∂c_{t-1}.
    gates : array (4, *S), gate-major, or (B, 4H), batch-major
        (see :func:`gate_views`).
        Gate values ``[i, f, g, o]`` of step t (from
        :func:`lstm_step_forward_`).
    c_prev : array S
        Cell state c_{t-1}.
    tanh_c : array S
        ``tanh(c_t)``.
    dgates : array, the layout and shape of ``gates``
        Out: ∂L/∂a_t, the gradient of the pre-activations
        ``[da_i, da_f, da_g, da_o]``.
    work : array shaped like ``gates``, optional
        Scratch space (allocated here if not given; pass it in a loop).
    g_offset : array (4, *S), optional
        From :func:`gate_derivative_offset`, for gate-major gates (made here if
        not given, for either layout; pass it in a loop).
    xp : module
    """
    mul, add, sub = xp.multiply, xp.add, xp.subtract
    i, f, g, o = gate_views(gates)
    da_i, da_f, da_g, da_o = gate_views(dgates)
    if work is None:
        work = xp.empty_like(gates)
    if g_offset is None:
        g_offset = _per_gate_constant([0.0, 0.0, 1.0, 0.0], gates, xp)

    # 1. Into the gate values. do = dh tanh(c); dc += dh o (1 - tanh²(c)).
    mul(dh, tanh_c, da_o)  # do
    mul(dh, o, dh)
    add(dc, dh, dc)  # dc + dh o
    mul(dh, tanh_c, dh)
    mul(dh, tanh_c, dh)
    sub(dc, dh, dc)  # dc + dh o - dh o tanh²(c): the full ∂L/∂c_t
    mul(dc, g, da_i)  # di = dc g
    mul(dc, c_prev, da_f)  # df = dc c_prev
    mul(dc, i, da_g)  # dg = dc i
    mul(dc, f, dc)  # dc_prev = dc f

    # 2. Through the non-linearities: σ' = s (1 - s) on i, f, o; tanh' = 1 - g²
    # on g. Both are (1 - A)(A + K) with K = 0 on the σ blocks and K = 1 on g:
    # four calls for all four blocks. (1 - A is exact in floating point for
    # A ≥ ½, so no digits are lost as A -> 1, as they would be in s - s² or
    # 1 - g².)
    sub(1.0, gates, work)
    mul(dgates, work, dgates)  # U (1 - A)
    add(gates, g_offset, work)
    mul(dgates, work, dgates)  # U (1 - A)(A + K)
