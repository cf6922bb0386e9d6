"""``LSTM`` and ``LSTMCell`` on the GPU: the NumPy classes with ``xp = cupy``.

There is no second copy of the algorithm here. :class:`lstmbook.numpy.LSTM` creates every
array through ``self.xp`` and sends the elementwise work of each time step through two
methods; these classes set ``self.xp`` to ``cupy`` and replace the two methods by the
fused kernels of :mod:`lstmbook.cupy.kernels` (or, with ``fused=False``, keep the NumPy
code, which then runs as a dozen small CuPy kernels per step)::

    lstmbook.numpy.LSTM                       lstmbook.cupy.LSTM
    ------------------------------------      ------------------------------------
    A = X W_ih^T + b       (xp.matmul)        the same lines, xp = cupy (cuBLAS)
    for t:
        A[t] += h W_hh^T   (xp.matmul)        the same
        _cell_step_forward_                   ONE fused kernel (kernels.FORWARD)
    backward, for t = T-1 .. 0:
        _cell_step_backward_                  ONE fused kernel (kernels.BACKWARD)
        dh = dA[t] W_hh    (xp.matmul)        the same

Parameters, gradients, outputs and states are CuPy arrays on the current device;
inputs may be CuPy or NumPy arrays (NumPy ones are copied to the device).
``state_dict()`` returns NumPy arrays and ``load_state_dict`` takes NumPy, CuPy or torch,
so weights move freely between this, :mod:`lstmbook.numpy` and ``torch.nn.LSTM``.

Importing this module needs no CuPy; constructing a model does (and a GPU), and raises
:class:`lstmbook.backends.BackendUnavailableError` saying which is missing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backends import require_cupy
from ..numpy import lstm as numpy_lstm
from . import kernels

__all__ = ["LSTM", "LSTMCell"]

Array = Any  # a cupy.ndarray


class _OnDevice:
    """What both CuPy classes add to their NumPy base: ``xp = cupy``, fused steps, copies.

    Mixed in *before* the NumPy class, so ``super()`` reaches the NumPy methods.
    """

    fused: bool
    _numpy_class: type

    def _use_cupy(self, fused: bool) -> None:
        """Called first in ``__init__``: fails early, with the reason, if CuPy cannot run."""
        self.xp = require_cupy()
        self.fused = bool(fused)

    # ------------------------------------------------------- the hooks of the NumPy class
    # The NumPy classes pass the hooks gate-major (4, *S) gate blocks, C-contiguous, and
    # states of shape S ((H, B) in LSTM, (B, H) in LSTMCell; LSTM's h a strided view):
    # the layout the fused kernels index (see lstmbook.cupy.kernels), checked per launch.
    def _cell_step_forward_(
        self, gates: Array, c_prev: Array, c: Array, tanh_c: Array, h: Array
    ) -> None:
        if self.fused:
            kernels.lstm_step_forward_(gates, c_prev, c, tanh_c, h)
        else:
            numpy_step = super()._cell_step_forward_  # type: ignore[misc]
            numpy_step(gates, c_prev, c, tanh_c, h)

    def _cell_step_backward_(
        self,
        dh: Array,
        dc: Array,
        gates: Array,
        c_prev: Array,
        tanh_c: Array,
        dgates: Array,
    ) -> None:
        if self.fused:
            kernels.lstm_step_backward_(dh, dc, gates, c_prev, tanh_c, dgates)
        else:
            super()._cell_step_backward_(dh, dc, gates, c_prev, tanh_c, dgates)  # type: ignore[misc]

    def _to_numpy(self, a: Array) -> np.ndarray:
        """Device to host copy (``cupy.asnumpy``; synchronises)."""
        return self.xp.asnumpy(a)

    # -------------------------------------------------------------- host <-> device
    def to_numpy(self) -> Any:
        """A :mod:`lstmbook.numpy` model of the same configuration with these weights (copies)."""
        model = self._numpy_class(**_config_of(self))
        model.load_state_dict(self.state_dict())  # type: ignore[attr-defined]
        return model

    @classmethod
    def from_numpy(cls, model: Any, *, fused: bool = True) -> Any:
        """A model on the GPU with the configuration and weights of a NumPy one.

        Parameters
        ----------
        model : lstmbook.numpy.LSTM or LSTMCell (whichever matches ``cls``)
        fused : bool
            Use the fused step kernels.
        """
        if not isinstance(model, cls._numpy_class):
            raise TypeError(
                f"{cls.__module__}.{cls.__name__}.from_numpy: expected a "
                f"lstmbook.numpy.{cls._numpy_class.__name__}, got {type(model).__name__}"
            )
        new = cls(**_config_of(model), fused=fused)
        new.load_state_dict(model.state_dict())
        return new


def _config_of(model: Any) -> dict[str, Any]:
    """Constructor arguments of a NumPy ``LSTM`` / ``LSTMCell`` (seed and forget bias aside:
    the weights are copied anyway)."""
    config = {
        "input_size": model.input_size,
        "hidden_size": model.hidden_size,
        "bias": model.bias,
        "dtype": model.dtype,
    }
    if isinstance(model, numpy_lstm.LSTM):
        config |= {"num_layers": model.num_layers, "batch_first": model.batch_first}
    return config


class LSTM(_OnDevice, numpy_lstm.LSTM):
    """A stack of LSTM layers on the GPU, like ``torch.nn.LSTM``; :class:`lstmbook.numpy.LSTM`
    running on CuPy.

    Parameters
    ----------
    input_size, hidden_size, num_layers, bias, batch_first, dtype, seed, forget_bias
        As :class:`lstmbook.numpy.LSTM`; the same ``seed`` gives the same weights.
    fused : bool
        True (default): one fused kernel per step each way (:mod:`lstmbook.cupy.kernels`).
        False: the shared NumPy step code on CuPy arrays (about a dozen kernels per step).
        May be changed at any time.

    Attributes
    ----------
    params, grads : dict[str, cupy.ndarray]
        As :class:`lstmbook.numpy.LSTM`, on the device.
    grad_h_0, grad_c_0 : cupy.ndarray
        After :meth:`backward`.

    Examples
    --------
    >>> lstm = LSTM(3, 5, num_layers=2, seed=0)           # doctest: +SKIP
    >>> out, (h_n, c_n) = lstm(np.ones((7, 2, 3)))        # doctest: +SKIP
    >>> grad_x = lstm.backward(cupy.ones_like(out))       # doctest: +SKIP
    >>> cpu = lstm.to_numpy()                             # doctest: +SKIP

    Raises
    ------
    lstmbook.backends.BackendUnavailableError
        On construction, if CuPy is not installed or finds no usable GPU.
    """

    _numpy_class = numpy_lstm.LSTM

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
        fused: bool = True,
    ) -> None:
        self._use_cupy(fused)
        super().__init__(
            input_size,
            hidden_size,
            num_layers,
            bias=bias,
            batch_first=batch_first,
            dtype=dtype,
            seed=seed,
            forget_bias=forget_bias,
        )

    def __repr__(self) -> str:
        return f"lstmbook.cupy.{super().__repr__()[:-1]}, fused={self.fused})"


class LSTMCell(_OnDevice, numpy_lstm.LSTMCell):
    """One LSTM step on the GPU, like ``torch.nn.LSTMCell``; :class:`lstmbook.numpy.LSTMCell`
    running on CuPy.

    Parameters
    ----------
    input_size, hidden_size, bias, dtype, seed, forget_bias
        As :class:`lstmbook.numpy.LSTMCell`.
    fused : bool
        Use the fused step kernels (default) or the shared NumPy step code.

    Raises
    ------
    lstmbook.backends.BackendUnavailableError
        On construction, if CuPy is not installed or finds no usable GPU.
    """

    _numpy_class = numpy_lstm.LSTMCell

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        *,
        bias: bool = True,
        dtype: Any = np.float64,
        seed: int | None = None,
        forget_bias: float | None = None,
        fused: bool = True,
    ) -> None:
        self._use_cupy(fused)
        super().__init__(
            input_size, hidden_size, bias=bias, dtype=dtype, seed=seed, forget_bias=forget_bias
        )

    def __repr__(self) -> str:
        return f"lstmbook.cupy.{super().__repr__()[:-1]}, fused={self.fused})"
