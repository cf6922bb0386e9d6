"""The LSTM from scratch in NumPy: forward, hand-written backpropagation through time,
and the layers, losses and optimisers to train whole models without a framework.

Gate order and parameter layout follow ``torch.nn.LSTM`` (i, f, g, o; weights (4H, I)).
"""

from .layers import Embedding, Linear  # noqa: E402,F401
from .losses import CrossEntropyLoss, MSELoss  # noqa: E402,F401
from .lstm import LSTM, LSTMCell  # noqa: E402,F401
from .models import CharLSTM, SequenceRegressor  # noqa: E402,F401
from .optim import SGD, Adam, clip_grad_norm  # noqa: E402,F401
from .train import batch_iterator, evaluate, fit  # noqa: E402,F401
from ..training import History  # noqa: E402,F401
from .variants import CIFGLSTM, GRU, PeepholeLSTM, flops_per_step, parameter_count  # noqa: E402,F401
