"""The LSTM from scratch in NumPy: forward, hand-written backpropagation through time,
and the layers, losses and optimisers to train whole models without a framework.

Shapes and layouts (every docstring of the backends uses these letters)::

    T  sequence length      B  batch size      I  input size      H  hidden size
    S  the shape of one state inside a layer: (B, H) in LSTMCell, (H, B) in LSTM

    x        (T, B, I) time-major; (B, T, I) with batch_first=True; (T, I) unbatched
    output   (T, B, D*H), laid out like x (D = 2 directions if bidirectional, else 1)
    state    (h_0, c_0) for the LSTMs, h_0 for ElmanRNN and GRU: (D*num_layers, B, H)
    weights  PyTorch's names and layout: weight_ih (4H, I), weight_hh (4H, H), bias (4H,),
             the four gate blocks stacked in the order i, f, g, o
    gates    gate-major inside the step functions: (4, *S), gates[k] one block shaped S
    a        pre-activations, W_ih x + b_ih + W_hh h + b_hh, before the non-linearities

Functions whose name ends in ``_`` work in place (write into arrays they are given).
"""

from ..training import History  # noqa: F401
from .layers import Embedding, Linear  # noqa: F401
from .losses import CrossEntropyLoss, MSELoss  # noqa: F401
from .lstm import LSTM, LSTMCell  # noqa: F401
from .models import CharLSTM, SequenceRegressor  # noqa: F401
from .optim import SGD, Adam, clip_grad_norm_  # noqa: F401
from .rnn import ElmanRNN  # noqa: F401
from .train import batch_iterator, evaluate, fit  # noqa: F401
from .variants import CIFGLSTM, GRU, PeepholeLSTM, flops_per_step, parameter_count  # noqa: F401
