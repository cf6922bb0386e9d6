"""How far back does the gradient reach? Tools to measure it.

The claim "an LSTM keeps gradients alive where a plain RNN loses them" is a statement
about ``∂L/∂x_t`` as the distance ``T - t`` between the input and the loss grows. This
module measures it:

- :func:`input_gradient_norms`, ``‖∂L/∂x_t‖`` for every ``t`` with ``L`` read off the last
  hidden state, for any layer of :mod:`lstmbook.numpy` (their own backward passes);
- :func:`autograd_input_gradient_norms`, the same for any step function written with
  ``torch`` tensors (used for the sources' equations, which have no hand-written
  backward);
- :func:`cell_path_gain`, the gain ``∂c_T/∂c_t = f_T ⊙ ... ⊙ f_{t+1}`` along the cell-state
  path alone, the "constant error carousel";
- :func:`per_step_factor`, the geometric rate at which a measured curve decays.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = [
    "input_gradient_norms",
    "autograd_input_gradient_norms",
    "cell_path_gain",
    "per_step_factor",
]


def input_gradient_norms(model: Any, x: Any, state: Any = None) -> np.ndarray:
    """``‖∂L/∂x_t‖`` for every step, where ``L = Σ_j h_T[j]`` is read off the last step.

    Parameters
    ----------
    model
        A time-major layer with ``forward(x[, state])`` returning ``(output, ...)`` and
        ``backward(grad_output)`` returning ``∂L/∂x``: :class:`lstmbook.numpy.LSTM`,
        :class:`lstmbook.numpy.ElmanRNN`, and the layers of :mod:`lstmbook.numpy.variants`.
    x : ndarray (T, B, I)
    state : optional
        Passed on to ``forward``.

    Returns
    -------
    ndarray (T,)
        Entry ``t`` is the Euclidean norm of ``∂L/∂x_t`` averaged over the batch; the
        distance from the loss is ``T - 1 - t``, so ``norms[::-1]`` is indexed by distance.
    """
    if getattr(model, "batch_first", False):
        raise ValueError("input_gradient_norms expects a time-major model (batch_first=False)")
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"x: expected (T, B, I), got shape {x.shape}")
    out = model.forward(x) if state is None else model.forward(x, state)
    output = out[0]
    grad = np.zeros_like(output)
    grad[-1] = 1.0
    dx = model.backward(grad)
    return np.linalg.norm(dx, axis=-1).mean(axis=1)


def autograd_input_gradient_norms(
    step: Callable[[Any, Any], tuple[Any, Any]], x: Any, state: Any
) -> np.ndarray:
    """``‖∂L/∂x_t‖`` for a step function written with torch tensors, by autograd.

    Parameters
    ----------
    step : callable
        ``step(x_t, state) -> (h_t, new_state)`` on torch tensors, ``x_t`` (B, I);
        ``state`` is whatever the function carries (a tensor or a tuple of tensors).
    x : array (T, B, I)
        Converted to a float64 tensor.
    state
        Initial state, passed to the first call as is.

    Returns
    -------
    ndarray (T,)
        As :func:`input_gradient_norms`, with ``L = Σ_j h_T[j]``.
    """
    import torch

    xt = torch.as_tensor(np.asarray(x), dtype=torch.float64).clone().requires_grad_(True)
    if xt.ndim != 3:
        raise ValueError(f"x: expected (T, B, I), got shape {tuple(xt.shape)}")
    h = None
    for t in range(xt.shape[0]):
        h, state = step(xt[t], state)
    if h is None or not h.requires_grad:  # the output does not depend on x at all
        return np.zeros(xt.shape[0])
    (grad,) = torch.autograd.grad(h.sum(), xt, allow_unused=True)
    if grad is None:
        return np.zeros(xt.shape[0])
    return grad.norm(dim=-1).mean(dim=1).numpy()


def cell_path_gain(forget_gates: Any) -> np.ndarray:
    """Gain of the cell-state path alone: ``∂c_T/∂c_{T-d}`` along ``c_t = f_t ⊙ c_{t-1} + …``.

    Along the cell path the Jacobian is diagonal, ``∂c_t/∂c_{t-1} = diag(f_t)``, so over
    ``d`` steps it is the product of the last ``d`` forget gates.

    Parameters
    ----------
    forget_gates : array (T, B, H) or (T, H)
        ``f_1 .. f_T``, for example ``lstm.activations()["f"]``.

    Returns
    -------
    ndarray (T + 1,)
        Entry ``d`` is ``f_T ⊙ ... ⊙ f_{T-d+1}`` averaged over batch and units (entry 0 is
        1: ``∂c_T/∂c_T``).
    """
    f = np.asarray(forget_gates, dtype=np.float64)
    if f.ndim == 2:
        f = f[:, None, :]
    if f.ndim != 3:
        raise ValueError(f"forget_gates: expected (T, B, H) or (T, H), got shape {f.shape}")
    prods = np.cumprod(f[::-1], axis=0)  # prods[d-1] = f_T ... f_{T-d+1}
    return np.concatenate([[1.0], prods.mean(axis=(1, 2))])


def per_step_factor(norms: Any, first: int = 0, last: int | None = None) -> float:
    """The factor ``ρ`` with ``norms[d] ≈ C ρ^d``, by least squares on ``log norms``.

    Parameters
    ----------
    norms : array (N,)
        Positive values indexed by distance ``d`` (e.g. ``input_gradient_norms(...)[::-1]``).
    first, last : int
        The range of distances ``[first, last)`` to fit (all by default).

    Returns
    -------
    float
        ``exp(slope)``: below 1 the gradient vanishes geometrically, above 1 it explodes.
    """
    y = np.asarray(norms, dtype=np.float64)[first:last]
    if y.ndim != 1 or y.size < 2:
        raise ValueError("per_step_factor needs at least two values")
    if np.any(y <= 0) or not np.all(np.isfinite(y)):
        raise ValueError("per_step_factor needs positive, finite values")
    d = np.arange(y.size, dtype=np.float64)
    slope = np.polyfit(d, np.log(y), 1)[0]
    return float(np.exp(slope))
