"""``ElmanRNN``: the plain recurrent network in NumPy, with hand-written BPTT.

The baseline the book holds the LSTM to (Elman, 1990): one ``tanh`` (or ``relu``) layer,
laid out like ``torch.nn.RNN`` (one layer), so ``state_dict()`` moves weights between the
two. It shares initialisation, state dicts and input checks with :class:`~.lstm.LSTM`
(:class:`~.lstm._RecurrentBase`), so a wrong input gets the same message from both.
Shapes and layouts as in :mod:`lstmbook.numpy`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import check_positive_int, check_supported_dtype
from .lstm import _RecurrentBase

__all__ = ["ElmanRNN"]

NONLINEARITIES = ("tanh", "relu")


class ElmanRNN(_RecurrentBase):
    """A one-layer ``tanh`` RNN, like ``torch.nn.RNN``, with hand-written BPTT.

    .. code-block:: text

        h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)

    Shown on the pages "Backpropagation through time" and "LSTM variants".

    Parameters
    ----------
    input_size, hidden_size : int
        ``I`` and ``H``.
    nonlinearity : {"tanh", "relu"}
    batch_first : bool
        Input and output are (B, T, ·) instead of (T, B, ·); the state stays (1, B, H).
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
    grad_h_0 : ndarray (1, B, H), or (1, H) unbatched
        ∂L/∂h_0 after :meth:`backward`.
    """

    _name = "ElmanRNN"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        *,
        nonlinearity: str = "tanh",
        batch_first: bool = False,
        dtype: Any = np.float64,
        seed: int | None = None,
    ) -> None:
        self.input_size = check_positive_int(input_size, "ElmanRNN input_size")
        self.hidden_size = check_positive_int(hidden_size, "ElmanRNN hidden_size")
        if nonlinearity not in NONLINEARITIES:
            raise ValueError(
                f"ElmanRNN nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}"
            )
        self.nonlinearity = nonlinearity
        self.batch_first = bool(batch_first)
        self.bias = True
        self.dtype = check_supported_dtype(dtype, "ElmanRNN dtype")
        I, H = self.input_size, self.hidden_size
        shapes = {
            "weight_ih_l0": (H, I),
            "weight_hh_l0": (H, H),
            "bias_ih_l0": (H,),
            "bias_hh_l0": (H,),
        }
        self._init_params(shapes, seed)
        self.grad_h_0: np.ndarray | None = None
        self._cache: dict[str, Any] | None = None

    def __repr__(self) -> str:
        bf = ", batch_first=True" if self.batch_first else ""
        return (
            f"ElmanRNN({self.input_size}, {self.hidden_size}, "
            f"nonlinearity={self.nonlinearity!r}{bf}, dtype={self.dtype.name})"
        )

    def _act(self, a: np.ndarray) -> np.ndarray:
        return np.tanh(a) if self.nonlinearity == "tanh" else np.maximum(a, 0.0)

    def _act_grad(self, h: np.ndarray) -> np.ndarray:
        """The non-linearity's derivative, from its output ``h``."""
        return 1.0 - h * h if self.nonlinearity == "tanh" else (h > 0).astype(h.dtype)

    def forward(self, x: Any, state: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """Run the sequence.

        Parameters
        ----------
        x : ndarray (T, B, I); (B, T, I) if ``batch_first``; or (T, I) unbatched
        state : ndarray (1, B, H), or (1, H) unbatched, optional
            h_0; zeros if not given.

        Returns
        -------
        output : ndarray (T, B, H), in the layout of ``x``
        h_n : ndarray (1, B, H), or (1, H) unbatched
        """
        x, batched = self._check_input(x)  # time-major (T, B, I)
        T, B, _ = x.shape
        H, p = self.hidden_size, self.params
        if state is None:
            h_prev = np.zeros((B, H), self.dtype)
        else:
            want, layout = ((1, B, H), "(num_layers=1, B, H)") if batched else ((1, H), "(1, H)")
            h_prev = self._check_state_array(state, "h_0", want, layout).reshape(B, H)
        a_in = x @ p["weight_ih_l0"].T + p["bias_ih_l0"] + p["bias_hh_l0"]  # (T, B, H)
        hs = np.empty((T + 1, B, H), self.dtype)
        hs[0] = h_prev
        for t in range(T):
            hs[t + 1] = self._act(a_in[t] + hs[t] @ p["weight_hh_l0"].T)
        self._cache = {"x": x, "hs": hs, "batched": batched}
        h_n = hs[-1:].copy() if batched else hs[-1].copy()
        return self._from_time_major(hs[1:], batched, copy=True), h_n

    __call__ = forward

    def backward(self, grad_output: Any, grad_h_n: Any = None) -> np.ndarray:
        """Backpropagation through time for the last :meth:`forward`.

        Parameters
        ----------
        grad_output : ndarray, shape of ``output``
        grad_h_n : ndarray, shape of ``h_n``, optional

        Returns
        -------
        grad_x : ndarray, shape of ``x``
            Also fills :attr:`grads` and :attr:`grad_h_0`.
        """
        if self._cache is None:
            raise RuntimeError("ElmanRNN.backward called before forward: nothing to differentiate")
        x, hs, batched = self._cache["x"], self._cache["hs"], self._cache["batched"]
        T, B, _ = x.shape
        H = self.hidden_size
        out_shape = (B, T, H) if self.batch_first else (T, B, H)
        if not batched:
            out_shape = (T, H)
        state_shape = (1, B, H) if batched else (1, H)
        d_out = self._check_grad(grad_output, out_shape, "ElmanRNN grad_output", "output")
        d_out = self._to_time_major(d_out, batched)
        dh_n = self._check_grad(grad_h_n, state_shape, "ElmanRNN grad_h_n", "h_n")
        w_hh = self.params["weight_hh_l0"]
        dh_next = np.zeros((B, H), self.dtype) if dh_n is None else dh_n.reshape(B, H).copy()
        da = np.empty((T, B, H), self.dtype)  # ∂L/∂a_t, a_t the pre-activation
        for t in reversed(range(T)):
            da[t] = (d_out[t] + dh_next) * self._act_grad(hs[t + 1])  # through the non-linearity
            dh_next = da[t] @ w_hh  # to h_{t-1}: the recurrent Jacobian
        da2 = da.reshape(T * B, H)
        self.grads["weight_ih_l0"][...] = da2.T @ x.reshape(T * B, -1)
        self.grads["weight_hh_l0"][...] = da2.T @ hs[:-1].reshape(T * B, H)
        self.grads["bias_ih_l0"][...] = da2.sum(axis=0)
        self.grads["bias_hh_l0"][...] = self.grads["bias_ih_l0"]
        self.grad_h_0 = dh_next[None] if batched else dh_next
        return self._from_time_major(da @ self.params["weight_ih_l0"], batched)
