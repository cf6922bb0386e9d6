"""Sequence classifiers in PyTorch: a recurrent layer reads a sequence, a linear layer names
its class.

Used by ``book/applications/padding.ipynb`` (sequences of different lengths: masked with
``pack_padded_sequence``, or padded and read as they are) and
``book/applications/digits.ipynb`` (handwritten digits read row by row and pixel by pixel;
the models of that page are built in :mod:`lstmbook.torch.digit_models`).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

__all__ = ["SequenceClassifier", "fit_classifier", "accuracy"]


class SequenceClassifier(nn.Module):
    """LSTM (optionally stacked / bidirectional) over (B, T, I), logits from its final state.

    Parameters
    ----------
    input_size, hidden_size, n_classes : int
    num_layers : int
        Stacked layers (堆叠): layer k reads the hidden states of layer k - 1.
    bidirectional : bool
        The final states of both directions are concatenated.
    cell : "lstm", "gru" or "rnn"
        The recurrent layer: ``nn.LSTM``, ``nn.GRU`` or ``nn.RNN`` (tanh), for comparisons.
    """

    def __init__(self, input_size: int, hidden_size: int, n_classes: int, *,
                 num_layers: int = 1, bidirectional: bool = False, cell: str = "lstm") -> None:
        super().__init__()
        layers = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}
        if cell not in layers:
            raise ValueError(f"cell must be one of {sorted(layers)}, got {cell!r}")
        self.rnn = layers[cell](input_size, hidden_size, num_layers, batch_first=True,
                                bidirectional=bidirectional)
        self.head = nn.Linear(hidden_size * (2 if bidirectional else 1), n_classes)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Logits (B, n_classes). With ``lengths`` the padded steps are skipped
        (``pack_padded_sequence``); without, every step of ``x`` is read."""
        if lengths is not None:
            x = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        if not isinstance(x, torch.nn.utils.rnn.PackedSequence) and x.ndim != 3:
            raise ValueError(f"SequenceClassifier expects (B, T, I), got shape {tuple(x.shape)}")
        _, h_n = self.rnn(x)
        if isinstance(h_n, tuple):  # an LSTM's (h_n, c_n)
            h_n = h_n[0]
        D = 2 if self.rnn.bidirectional else 1
        last = torch.cat([h_n[-D + d] for d in range(D)], dim=-1)  # last layer, all directions
        return self.head(last)


def fit_classifier(model: nn.Module, x: np.ndarray, y: np.ndarray, *, lengths=None,
                   steps: int = 200, batch_size: int = 64, lr: float = 1e-2,
                   seed: int = 0, loss_fn=None) -> list[float]:
    """Adam on cross-entropy over random minibatches; returns the loss of every update.

    ``loss_fn(logits, labels)`` replaces the cross-entropy when given (the digits page
    trains source 004's sigmoid + binary cross-entropy with it). Gradients are clipped to
    norm 1."""
    loss_fn = nn.functional.cross_entropy if loss_fn is None else loss_fn
    gen = np.random.default_rng(seed)
    torch.manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    xt, yt = torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y, dtype=torch.long)
    lt = None if lengths is None else torch.as_tensor(lengths)
    losses = []
    for _ in range(steps):
        idx = torch.from_numpy(gen.choice(len(x), batch_size, replace=False))
        logits = model(xt[idx], None if lt is None else lt[idx])
        loss = loss_fn(logits, yt[idx])
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
    return losses


@torch.no_grad()
def accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray, lengths=None) -> float:
    """Fraction of sequences whose most likely class is the true one."""
    model.eval()
    lt = None if lengths is None else torch.as_tensor(lengths)
    pred = model(torch.as_tensor(x, dtype=torch.float32), lt).argmax(-1).numpy()
    model.train()
    return float(np.mean(pred == np.asarray(y)))
