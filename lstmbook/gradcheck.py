"""Central-difference gradient checks.

The book's promise that "the backward pass is right" rests on this module: every
hand-written gradient in :mod:`lstmbook` is compared with

    dL/dw  ≈  (L(w + ε) - L(w - ε)) / (2ε)

Relative error of one array is ``||analytic - numeric|| / (||analytic|| + ||numeric||)``
(Euclidean norms), which stays meaningful when individual entries are near zero; a check
returns the largest relative error over all arrays checked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

__all__ = ["numerical_gradient", "relative_error", "gradcheck", "gradcheck_layer"]


def numerical_gradient(f: Callable[[], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of the scalar ``f()`` with respect to ``x``.

    ``x`` is perturbed in place, one entry at a time, and restored; ``f`` must read it by
    reference (for example a parameter array of a module).

    Parameters
    ----------
    f : callable
        Takes no arguments, returns a scalar loss computed from the current ``x``.
    x : ndarray, any shape, floating dtype
        The array to differentiate with respect to.
    eps : float
        Step size.

    Returns
    -------
    ndarray, same shape as ``x``, float64
    """
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise TypeError(
            f"numerical_gradient needs a floating NumPy array, got {type(x).__name__}"
            + (f" of dtype {x.dtype}" if isinstance(x, np.ndarray) else "")
        )
    grad = np.zeros(x.shape, dtype=np.float64)
    flat_x = x.reshape(-1)  # a view: writes reach x
    if not np.shares_memory(flat_x, x):
        raise ValueError("numerical_gradient needs a contiguous array it can perturb in place")
    flat_g = grad.reshape(-1)
    for k in range(flat_x.size):
        old = flat_x[k]
        flat_x[k] = old + eps
        f_plus = float(f())
        flat_x[k] = old - eps
        f_minus = float(f())
        flat_x[k] = old
        flat_g[k] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """``||a - n|| / (||a|| + ||n||)``; 0.0 when both are zero.

    Raises ``ValueError`` when the shapes differ.
    """
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    if a.shape != n.shape:
        raise ValueError(f"analytic gradient has shape {a.shape}, numeric has {n.shape}")
    denom = np.linalg.norm(a) + np.linalg.norm(n)
    if denom == 0.0:
        return 0.0
    return float(np.linalg.norm(a - n) / denom)


def gradcheck(
    f: Callable[[], float],
    wrt: Mapping[str, np.ndarray],
    analytic: Mapping[str, np.ndarray],
    eps: float = 1e-6,
    *,
    return_all: bool = False,
) -> float | dict[str, float]:
    """Compare analytic gradients with central differences.

    Parameters
    ----------
    f : callable
        ``f()`` recomputes the scalar loss from the arrays in ``wrt``.
    wrt : mapping name -> ndarray
        Arrays to perturb in place (parameters, inputs).
    analytic : mapping name -> ndarray
        The hand-written gradients, same keys and shapes as ``wrt``.
    eps : float
        Central-difference step.
    return_all : bool
        If true, return ``{name: relative error}`` instead of the maximum.

    Returns
    -------
    float
        The largest relative error over ``wrt`` (see module docstring).

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([1.0, -2.0, 3.0])
    >>> gradcheck(lambda: float((w ** 2).sum()), {"w": w}, {"w": 2 * w}) < 1e-8
    True
    """
    missing = set(wrt) - set(analytic)
    if missing:
        raise ValueError(f"no analytic gradient given for {sorted(missing)}")
    errors = {}
    for name, x in wrt.items():
        numeric = numerical_gradient(f, x, eps)
        errors[name] = relative_error(analytic[name], numeric)
    if return_all:
        return errors
    return max(errors.values(), default=0.0)


def gradcheck_layer(layer, x: np.ndarray, *, seed: int = 1, eps: float = 1e-6) -> float:
    """Gradient check of a recurrent layer's ``backward`` against central differences.

    The loss is ``L = sum(W * output)`` for a fixed random ``W`` (so every output entry
    matters), differentiated with respect to every parameter and the input.

    Parameters
    ----------
    layer : LSTM, GRU, PeepholeLSTM, ... (float64)
        ``forward(x)`` returning ``(output, state)``, ``backward(grad_output) -> grad_x``,
        ``params`` and ``grads`` dicts.
    x : ndarray, float64
        Input in the layer's layout.
    seed : int
        Seed of ``W``.

    Returns
    -------
    float
        The largest relative error over the parameters and ``x``.
    """
    output = layer.forward(x)[0]
    weights = np.random.default_rng(seed).standard_normal(output.shape)

    def loss() -> float:
        return float((weights * layer.forward(x)[0]).sum())

    loss()
    grad_x = layer.backward(weights)
    analytic = {name: np.array(g) for name, g in layer.grads.items()} | {"x": grad_x}
    return gradcheck(loss, dict(layer.params, x=x), analytic, eps)
