"""The LSTM from scratch in NumPy: forward, hand-written backpropagation through time,
and the layers, losses and optimisers to train whole models without a framework.

Gate order and parameter layout follow ``torch.nn.LSTM`` (i, f, g, o; weights (4H, I)).
"""

from .lstm import LSTM, LSTMCell  # noqa: E402,F401
from .variants import CIFGLSTM, GRU, PeepholeLSTM, flops_per_step, parameter_count  # noqa: E402,F401
