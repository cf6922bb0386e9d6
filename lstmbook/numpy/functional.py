"""The LSTM's maths, one time step at a time, written against an array module ``xp``.

Everything here takes ``xp`` (``numpy`` by default, ``cupy`` on the GPU) and works in place
through ``out=`` arguments, so the same code runs on both backends. The two step functions,
:func:`lstm_step_forward` and :func:`lstm_step_backward`, are the *elementwise* part of one
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
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

__all__ = [
    "sigmoid",
    "gate_slices",
    "gate_nonlinearities_",
    "lstm_step_forward",
    "lstm_step_backward",
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
    array, same shape and dtype as ``x`` (``out`` if given)
    """
    out = xp.multiply(x, 0.5, out=out)
    xp.tanh(out, out=out)
    xp.multiply(out, 0.5, out=out)
    xp.add(out, 0.5, out=out)
    return out


def gate_slices(hidden_size: int) -> tuple[slice, slice, slice, slice]:
    """Column slices of the four gates in a (B, 4H) gate array: i, f, g, o (PyTorch order)."""
    h = hidden_size
    return slice(0, h), slice(h, 2 * h), slice(2 * h, 3 * h), slice(3 * h, 4 * h)


def gate_nonlinearities_(gates: Array, *, xp: ModuleType = np) -> Array:
    """Turn pre-activations into gate values, in place: σ on i, f, o; tanh on g.

    Parameters
    ----------
    gates : array (B, 4H)
        Pre-activations ``a`` on entry, ``[i, f, g, o]`` on return.

    Returns
    -------
    gates (the same array)
    """
    h = gates.shape[-1] // 4
    i_f = gates[..., : 2 * h]  # i and f are adjacent: one call for both
    g = gates[..., 2 * h : 3 * h]
    o = gates[..., 3 * h :]
    sigmoid(i_f, out=i_f, xp=xp)
    xp.tanh(g, out=g)
    sigmoid(o, out=o, xp=xp)
    return gates


def lstm_step_forward(
    gates: Array,
    c_prev: Array,
    c: Array,
    tanh_c: Array,
    h: Array,
    *,
    xp: ModuleType = np,
) -> None:
    """Elementwise part of one LSTM step: gate non-linearities, new cell and hidden state.

    Everything is written into the given arrays; nothing is allocated.

    Parameters
    ----------
    gates : array (B, 4H)
        In: pre-activations ``a`` (both matrix products and both biases already added).
        Out: gate values ``[i, f, g, o]`` (kept for the backward pass and for plots).
    c_prev : array (B, H)
        Previous cell state (read only).
    c : array (B, H)
        Out: new cell state ``f ⊙ c_prev + i ⊙ g``.
    tanh_c : array (B, H)
        Out: ``tanh(c)`` (kept for the backward pass).
    h : array (B, H)
        Out: new hidden state ``o ⊙ tanh(c)``.
    xp : module
    """
    s_i, s_f, s_g, s_o = gate_slices(c.shape[-1])
    gate_nonlinearities_(gates, xp=xp)
    i, f, g, o = gates[..., s_i], gates[..., s_f], gates[..., s_g], gates[..., s_o]
    xp.multiply(i, g, out=h)  # h is scratch until its last line
    xp.multiply(f, c_prev, out=c)
    xp.add(c, h, out=c)  # c = f*c_prev + i*g
    xp.tanh(c, out=tanh_c)
    xp.multiply(o, tanh_c, out=h)  # h = o*tanh(c)


def lstm_step_backward(
    dh: Array,
    dc: Array,
    gates: Array,
    c_prev: Array,
    tanh_c: Array,
    dgates: Array,
    *,
    xp: ModuleType = np,
) -> None:
    """Elementwise part of one backward step: from ∂L/∂h, ∂L/∂c to ∂L/∂a and ∂L/∂c_prev.

    Parameters
    ----------
    dh : array (B, H)
        ∂L/∂h_t in total (from the output at t and from step t+1). Read, then used as
        scratch: its contents are undefined on return.
    dc : array (B, H)
        In: ∂L/∂c_t arriving from step t+1 (not yet including the path through h_t).
        Out: ∂L/∂c_{t-1}.
    gates : array (B, 4H)
        Gate values ``[i, f, g, o]`` of step t (from :func:`lstm_step_forward`).
    c_prev : array (B, H)
        Cell state c_{t-1}.
    tanh_c : array (B, H)
        ``tanh(c_t)``.
    dgates : array (B, 4H)
        Out: ∂L/∂a_t, the gradient of the pre-activations, in gate order i, f, g, o.
    xp : module
    """
    s_i, s_f, s_g, s_o = gate_slices(dc.shape[-1])
    i, f, g, o = gates[..., s_i], gates[..., s_f], gates[..., s_g], gates[..., s_o]
    da_i, da_f, da_g, da_o = dgates[..., s_i], dgates[..., s_f], dgates[..., s_g], dgates[..., s_o]

    # 1. Gradients of the gate values (written where their pre-activation gradients go).
    xp.multiply(dh, tanh_c, out=da_o)  # do = dh * tanh(c)
    xp.multiply(tanh_c, tanh_c, out=da_i)  # da_i as scratch: tanh(c)^2
    xp.subtract(1.0, da_i, out=da_i)  # 1 - tanh(c)^2
    xp.multiply(dh, o, out=dh)
    xp.multiply(dh, da_i, out=dh)
    xp.add(dc, dh, out=dc)  # dc += dh * o * (1 - tanh(c)^2): the full dL/dc_t
    xp.multiply(dc, g, out=da_i)  # di = dc * g
    xp.multiply(dc, c_prev, out=da_f)  # df = dc * c_prev
    xp.multiply(dc, i, out=da_g)  # dg = dc * i
    xp.multiply(dc, f, out=dc)  # dc_prev = dc * f

    # 2. Through the non-linearities (dh is free now: scratch).
    _times_sigmoid_grad_(da_i, i, dh, xp)  # da_i = di * i(1 - i)
    _times_sigmoid_grad_(da_f, f, dh, xp)  # da_f = df * f(1 - f)
    _times_sigmoid_grad_(da_o, o, dh, xp)  # da_o = do * o(1 - o)
    xp.multiply(g, g, out=dh)
    xp.subtract(1.0, dh, out=dh)
    xp.multiply(da_g, dh, out=da_g)  # da_g = dg * (1 - g^2)


def _times_sigmoid_grad_(grad: Array, s: Array, scratch: Array, xp: ModuleType) -> None:
    """``grad *= s * (1 - s)`` in place, for ``s = σ(a)``; ``scratch`` same shape as ``s``."""
    xp.subtract(1.0, s, out=scratch)
    xp.multiply(scratch, s, out=scratch)
    xp.multiply(grad, scratch, out=grad)
