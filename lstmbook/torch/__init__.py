"""The LSTM in PyTorch: explicit gates, autograd doing the backward pass.

:class:`LSTM` and :class:`LSTMCell` have ``torch.nn.LSTM``'s and ``torch.nn.LSTMCell``'s
parameter names, shapes and ``forward`` signatures; :mod:`lstmbook.torch.convert` moves
weights between them and :class:`lstmbook.numpy.LSTM`; :mod:`lstmbook.torch.train` is the
training loop the application chapters use.

Importing this package imports torch (``pip install -e ".[torch]"``).
"""

from lstmbook.torch.convert import (
    numpy_lstm_to_torch,
    to_numpy_state_dict,
    to_torch_state_dict,
    torch_lstm_to_numpy,
)
from lstmbook.torch.lstm import LSTM, LSTMCell, lstm_layer, lstm_step, project_inputs

__all__ = [
    "LSTM",
    "LSTMCell",
    "lstm_layer",
    "lstm_step",
    "project_inputs",
    "numpy_lstm_to_torch",
    "to_numpy_state_dict",
    "to_torch_state_dict",
    "torch_lstm_to_numpy",
]
