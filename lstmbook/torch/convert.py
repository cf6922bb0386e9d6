"""Moving LSTM weights between NumPy and PyTorch.

All three LSTMs of the book -- :class:`lstmbook.numpy.LSTM`, :class:`lstmbook.torch.LSTM`
and ``torch.nn.LSTM`` -- name and lay out their parameters the same way
(``weight_ih_l{k}`` (4H, I), ``weight_hh_l{k}`` (4H, H), ``bias_ih_l{k}``,
``bias_hh_l{k}`` (4H,), gates i, f, g, o), so a state dict is the only thing that needs
converting: NumPy arrays to tensors and back. Every conversion *copies*: the two models
never share memory, and training one leaves the other alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from torch import nn

from lstmbook.torch.lstm import LSTM

__all__ = [
    "to_torch_state_dict",
    "to_numpy_state_dict",
    "numpy_lstm_to_torch",
    "torch_lstm_to_numpy",
    "recurrent_net_to_numpy",
]

_NUMPY_TO_TORCH_DTYPE = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}


def to_torch_state_dict(
    np_state_dict: Mapping[str, Any],
    device: torch.device | str | None = None,
    dtype: torch.dtype | None = None,
) -> dict[str, torch.Tensor]:
    """NumPy arrays -> tensors (copies), same keys.

    Parameters
    ----------
    np_state_dict : mapping str -> ndarray
        For example ``lstmbook.numpy.LSTM(...).state_dict()``.
    device : torch device, optional
        Where to put the tensors (CPU by default).
    dtype : torch dtype, optional
        Cast to this dtype; by default each array keeps its own (float64 -> torch.float64).

    Returns
    -------
    dict str -> Tensor, ready for ``module.load_state_dict``.
    """
    out = {}
    for key, value in np_state_dict.items():
        if isinstance(value, torch.Tensor):
            tensor = value.detach().clone()
        else:
            array = np.asarray(value)
            if array.dtype.kind != "f":
                raise TypeError(
                    f"to_torch_state_dict[{key!r}]: expected a floating array, "
                    f"got dtype {array.dtype}"
                )
            tensor = torch.tensor(array)  # a copy
        out[key] = tensor.to(device=device, dtype=dtype)
    return out


def to_numpy_state_dict(torch_state_dict: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Tensors (on any device) -> NumPy arrays (copies), same keys and dtypes.

    Parameters
    ----------
    torch_state_dict : mapping str -> Tensor
        For example ``torch.nn.LSTM(...).state_dict()``.

    Returns
    -------
    dict str -> ndarray, ready for ``lstmbook.numpy.LSTM.load_state_dict``.
    """
    out = {}
    for key, value in torch_state_dict.items():
        if isinstance(value, torch.Tensor):
            out[key] = value.detach().cpu().numpy().copy()
        else:
            out[key] = np.array(value, copy=True)
    return out


def numpy_lstm_to_torch(
    np_lstm: Any,
    *,
    explicit: bool = False,
    device: torch.device | str | None = None,
) -> nn.Module:
    """A PyTorch LSTM with the same configuration and weights as a NumPy one.

    Parameters
    ----------
    np_lstm : lstmbook.numpy.LSTM
    explicit : bool
        Return :class:`lstmbook.torch.LSTM` (explicit gates) instead of ``torch.nn.LSTM``.
    device : torch device, optional

    Returns
    -------
    torch.nn.LSTM or lstmbook.torch.LSTM
        Same ``input_size``, ``hidden_size``, ``num_layers``, ``bias``, ``batch_first``
        and dtype; the weights are copies.
    """
    dtype = _NUMPY_TO_TORCH_DTYPE[np.dtype(np_lstm.dtype)]
    cls = LSTM if explicit else nn.LSTM
    module = cls(
        np_lstm.input_size,
        np_lstm.hidden_size,
        np_lstm.num_layers,
        bias=np_lstm.bias,
        batch_first=np_lstm.batch_first,
        device=device,
        dtype=dtype,
    )
    module.load_state_dict(to_torch_state_dict(np_lstm.state_dict(), device=device))
    return module


def torch_lstm_to_numpy(module: nn.Module) -> Any:
    """A :class:`lstmbook.numpy.LSTM` with the same configuration and weights.

    Parameters
    ----------
    module : torch.nn.LSTM or lstmbook.torch.LSTM
        On any device, float32 or float64. ``torch.nn.LSTM`` options the NumPy LSTM does
        not have (``bidirectional``, ``proj_size``) are refused; ``dropout`` only acts
        in training and is dropped.

    Returns
    -------
    lstmbook.numpy.LSTM
        The weights are copies.
    """
    from lstmbook.numpy import LSTM as NumpyLSTM

    if not isinstance(module, (nn.LSTM, LSTM)):
        raise TypeError(
            f"torch_lstm_to_numpy: expected torch.nn.LSTM or lstmbook.torch.LSTM, "
            f"got {type(module).__name__}"
        )
    if getattr(module, "bidirectional", False) or getattr(module, "proj_size", 0):
        raise ValueError(
            "torch_lstm_to_numpy: the NumPy LSTM has no bidirectional or proj_size option; "
            f"got bidirectional={module.bidirectional}, proj_size={module.proj_size}"
        )
    state = to_numpy_state_dict(module.state_dict())
    np_lstm = NumpyLSTM(
        module.input_size,
        module.hidden_size,
        module.num_layers,
        bias=module.bias,
        batch_first=module.batch_first,
        dtype=state["weight_ih_l0"].dtype,
    )
    np_lstm.load_state_dict(state)
    return np_lstm


def recurrent_net_to_numpy(model: nn.Module) -> Any:
    """A float64 :class:`lstmbook.numpy.SequenceRegressor` computing the same as ``model``.

    The NumPy model's hand-written ``backward`` gives input gradients without autograd,
    which is what :mod:`lstmbook.attribution` explains a model with.

    Parameters
    ----------
    model : lstmbook.torch.models.RecurrentNet
        An LSTM read out on its last step (``readout="last"``), one direction, no
        embedding or projection: the networks a ``SequenceRegressor`` can be.

    Returns
    -------
    lstmbook.numpy.SequenceRegressor
        The weights are float64 copies.
    """
    from lstmbook.numpy import SequenceRegressor
    from lstmbook.torch.models import RecurrentNet

    if not isinstance(model, RecurrentNet):
        raise ValueError(
            f"recurrent_net_to_numpy: expected a RecurrentNet, got {type(model).__name__}"
        )
    differs = [f"{k}={v!r}" for k, v, ok in (
        ("cell", model.cell, "lstm"), ("readout", model.readout, "last"),
        ("bidirectional", model.directions == 2, False),
        ("embedding", model.embedding is not None, False),
        ("projection", model.project is not None, False)) if v != ok]
    if differs:
        raise ValueError(
            "recurrent_net_to_numpy: a SequenceRegressor is a one-direction LSTM read out on "
            f"its last step, with no input layer; this RecurrentNet has {', '.join(differs)}"
        )
    out = SequenceRegressor(model.input_size, model.hidden_size, model.output_size,
                            model.rnn.num_layers)
    out.lstm.load_state_dict({k: v.detach().cpu().double().numpy()
                              for k, v in model.rnn.state_dict().items()})
    for name in ("weight", "bias"):
        out.head.params[name][...] = getattr(model.head, name).detach().cpu().double().numpy()
    return out
