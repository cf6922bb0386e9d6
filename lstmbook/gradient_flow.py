"""How far back does the gradient reach? Tools to measure it.

The claim "an LSTM keeps gradients alive where a plain RNN loses them" is a statement
about ``∂L/∂x_t`` as the distance ``T - t`` between the input and the loss grows. This
module measures it:

- :class:`ElmanRNN`, the plain ``tanh`` recurrent network (Elman, 1990) with a
  hand-written backward pass, laid out like ``torch.nn.RNN`` -- the baseline;
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

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ._checks import check_positive_int, check_supported_dtype

__all__ = [
    "ElmanRNN",
    "input_gradient_norms",
    "autograd_input_gradient_norms",
    "cell_path_gain",
    "per_step_factor",
]


class ElmanRNN:
    """A one-layer ``tanh`` RNN in NumPy, like ``torch.nn.RNN``, with hand-written BPTT.

    .. code-block:: text

        h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)

    Parameters
    ----------
    input_size, hidden_size : int
        ``I`` and ``H``.
    nonlinearity : {"tanh", "relu"}
    dtype : float32 or float64
    seed : int, optional
        Seed for ``np.random.default_rng``; every parameter is U(-1/√H, 1/√H), as in
        PyTorch.

    Attributes
    ----------
    params : dict
        ``weight_ih_l0`` (H, I), ``weight_hh_l0`` (H, H), ``bias_ih_l0``, ``bias_hh_l0``
        (H,): the names of ``torch.nn.RNN``, so ``state_dict()`` loads into it.
    grads : dict
        Same keys; overwritten by :meth:`backward`.
    grad_h_0 : ndarray (1, B, H)
        ∂L/∂h_0 after :meth:`backward`.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        *,
        nonlinearity: str = "tanh",
        dtype: Any = np.float64,
        seed: int | None = None,
    ) -> None:
        self.input_size = check_positive_int(input_size, "ElmanRNN input_size")
        self.hidden_size = check_positive_int(hidden_size, "ElmanRNN hidden_size")
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        self.dtype = check_supported_dtype(dtype, "ElmanRNN dtype")
        I, H = self.input_size, self.hidden_size
        rng = np.random.default_rng(seed)
        k = 1.0 / math.sqrt(H)
        shapes = {
            "weight_ih_l0": (H, I),
            "weight_hh_l0": (H, H),
            "bias_ih_l0": (H,),
            "bias_hh_l0": (H,),
        }
        self.params = {n: rng.uniform(-k, k, size=s).astype(self.dtype) for n, s in shapes.items()}
        self.grads = {n: np.zeros_like(v) for n, v in self.params.items()}
        self.grad_h_0: np.ndarray | None = None
        self._cache: dict[str, np.ndarray] | None = None

    def __repr__(self) -> str:
        return (
            f"ElmanRNN({self.input_size}, {self.hidden_size}, "
            f"nonlinearity={self.nonlinearity!r}, dtype={self.dtype.name})"
        )

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of the parameters (``torch.nn.RNN`` names)."""
        return {k: v.copy() for k, v in self.params.items()}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Copy parameters in (arrays or tensors, same keys and shapes)."""
        if set(state_dict) != set(self.params):
            raise KeyError(
                f"ElmanRNN.load_state_dict: expected keys {sorted(self.params)}, "
                f"got {sorted(state_dict)}"
            )
        values = {}
        for k, v in state_dict.items():
            v = v.detach().cpu().numpy() if hasattr(v, "detach") else np.asarray(v)
            if v.shape != self.params[k].shape:
                raise ValueError(
                    f"ElmanRNN.load_state_dict[{k!r}]: expected shape "
                    f"{self.params[k].shape}, got {v.shape}"
                )
            values[k] = v
        for k, v in values.items():
            self.params[k][...] = v

    def _act(self, a: np.ndarray) -> np.ndarray:
        return np.tanh(a) if self.nonlinearity == "tanh" else np.maximum(a, 0.0)

    def _act_grad(self, h: np.ndarray) -> np.ndarray:
        return 1.0 - h * h if self.nonlinearity == "tanh" else (h > 0).astype(h.dtype)

    def forward(self, x: Any, h0: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """Run the sequence.

        Parameters
        ----------
        x : ndarray (T, B, I), time-major
        h0 : ndarray (1, B, H), optional (zeros)

        Returns
        -------
        output : ndarray (T, B, H)
        h_n : ndarray (1, B, H)
        """
        x = np.asarray(x)
        if x.ndim != 3 or x.shape[-1] != self.input_size or 0 in x.shape:
            raise ValueError(
                f"ElmanRNN input: expected (T, B, I) with I={self.input_size}, got {x.shape}"
            )
        if x.dtype != self.dtype:
            raise TypeError(
                f"ElmanRNN input: dtype {x.dtype} differs from the weights' {self.dtype}"
            )
        T, B, _ = x.shape
        H, p = self.hidden_size, self.params
        h_prev = np.zeros((B, H), self.dtype) if h0 is None else np.asarray(h0)[0]
        if h_prev.shape != (B, H):
            raise ValueError(f"ElmanRNN h0: expected (1, {B}, {H}), got {np.shape(h0)}")
        pre = x @ p["weight_ih_l0"].T + p["bias_ih_l0"] + p["bias_hh_l0"]  # (T, B, H)
        hs = np.empty((T + 1, B, H), self.dtype)
        hs[0] = h_prev
        for t in range(T):
            hs[t + 1] = self._act(pre[t] + hs[t] @ p["weight_hh_l0"].T)
        self._cache = {"x": x, "hs": hs}
        return hs[1:].copy(), hs[-1:].copy()

    __call__ = forward

    def backward(self, grad_output: Any, grad_h_n: Any = None) -> np.ndarray:
        """Backpropagation through time.

        Parameters
        ----------
        grad_output : ndarray (T, B, H)
        grad_h_n : ndarray (1, B, H), optional

        Returns
        -------
        grad_x : ndarray (T, B, I)
            Also fills :attr:`grads` and :attr:`grad_h_0`.
        """
        if self._cache is None:
            raise RuntimeError("ElmanRNN.backward called before forward")
        x, hs = self._cache["x"], self._cache["hs"]
        T, B, _ = x.shape
        dout = np.asarray(grad_output)
        if dout.shape != (T, B, self.hidden_size):
            raise ValueError(
                f"ElmanRNN grad_output: expected {(T, B, self.hidden_size)}, got {dout.shape}"
            )
        w_hh = self.params["weight_hh_l0"]
        dh_next = np.zeros((B, self.hidden_size), self.dtype)
        if grad_h_n is not None:
            dh_next = dh_next + np.asarray(grad_h_n)[0]
        da = np.empty((T, B, self.hidden_size), self.dtype)
        for t in reversed(range(T)):
            da[t] = (dout[t] + dh_next) * self._act_grad(hs[t + 1])  # through the non-linearity
            dh_next = da[t] @ w_hh  # to h_{t-1}: the recurrent Jacobian
        da2 = da.reshape(T * B, -1)
        self.grads["weight_ih_l0"] = da2.T @ x.reshape(T * B, -1)
        self.grads["weight_hh_l0"] = da2.T @ hs[:-1].reshape(T * B, -1)
        self.grads["bias_ih_l0"] = da2.sum(axis=0)
        self.grads["bias_hh_l0"] = self.grads["bias_ih_l0"].copy()
        self.grad_h_0 = dh_next[None]
        return da @ self.params["weight_ih_l0"]


def input_gradient_norms(model: Any, x: Any, state: Any = None) -> np.ndarray:
    """``‖∂L/∂x_t‖`` for every step, where ``L = Σ_j h_T[j]`` is read off the last step.

    Parameters
    ----------
    model
        A time-major layer with ``forward(x[, state])`` returning ``(output, ...)`` and
        ``backward(grad_output)`` returning ``∂L/∂x``: :class:`lstmbook.numpy.LSTM`,
        :class:`ElmanRNN`, and the layers of :mod:`lstmbook.numpy.variants`.
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
