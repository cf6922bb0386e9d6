"""Character-level language models (字符级语言模型) in PyTorch: LSTM, GRU or plain RNN.

::

    model = build_model("lstm", 118)     # RecurrentNet: embedding -> LSTM -> linear, every step
    windows, step = tbptt_training(model, train_ids, batch_size=32, seq_len=100, lr=4e-3,
                                   steps=700)
    history = fit(model, windows, step_fn=step, steps=700)    # lstmbook.torch.train.fit
    bpc = bits_per_char(model, test_ids)  # bits per character on held-out text
    print(sample(model, "def ", 200, temperature=0.8, seed=0))

The model is the book's :class:`~lstmbook.torch.models.RecurrentNet` with an embedding and
a read-out at every step; the loop is :func:`~lstmbook.torch.train.fit`. What truncated
backpropagation through time adds is the step function of :func:`tbptt_training` (the
book's one update, :func:`~lstmbook.torch.train.train_step`, and a learning-rate schedule): the
text is cut into parallel streams (:func:`lstmbook.data.text.stream_batches`), each
window starts from the state the previous window ended in, and that state is *detached*
(:func:`lstmbook.truncated_bptt.detach_state`), so gradients flow back at most
``seq_len`` steps while the state itself carries information across windows.

Trained by ``scripts/train_charlm.py`` (shipped as ``charlm/<name>`` in
:mod:`lstmbook.artifacts`); shown in ``book/applications/language_model.ipynb``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import torch
from torch import nn

from lstmbook._checks import check_positive_int
from lstmbook.data.text import VOCAB, decode, encode, stream_batches
from lstmbook.torch.models import GATES, RecurrentNet
from lstmbook.torch.train import train_step
from lstmbook.truncated_bptt import detach_state

__all__ = [
    "EMBEDDING",
    "build_model",
    "load_model",
    "tbptt_training",
    "bits_per_char",
    "char_bits",
    "bits_with_context",
    "sample",
    "to_numpy_lstm",
    "cell_states",
]

#: E, the size of the learned character vectors of the book's models.
EMBEDDING = 32


def build_model(cell: str, hidden_size: int, *, embedding: int = EMBEDDING,
                forget_bias: float | None = None) -> RecurrentNet:
    """A character language model: embedding, one ``cell`` layer, a linear read-out to
    next-character logits at every step (:data:`lstmbook.data.text.VOCAB` in and out).
    ``forget_bias`` (LSTM only) sets the forget gate's bias at initialisation.

    ``model(ids)`` gives logits (B, T, V); ``model.run(ids, state)`` also takes and returns
    the recurrent state (``(h, c)`` for the LSTM, ``h`` otherwise).
    """
    V = len(VOCAB)
    return RecurrentNet(cell, V, hidden_size, V, embedding=embedding, readout="all",
                        forget_bias=forget_bias)


def load_model(name: str) -> RecurrentNet:
    """The shipped model ``charlm/<name>`` (``"lstm"``, ``"gru"``, ``"rnn"``, ``"tbptt5"``,
    ...), in eval mode; cell and sizes are read from the saved arrays' shapes."""
    from lstmbook import artifacts
    from lstmbook.io import load_into

    arrays = artifacts.load(f"charlm/{name}")
    H = arrays["head.weight"].shape[1]
    gates = arrays["rnn.weight_hh_l0"].shape[0] // H
    cell = next((c for c, g in GATES.items() if g == gates), None)
    if cell is None:
        raise ValueError(f"charlm/{name}: {gates} gate blocks fit no cell of {GATES}")
    model = build_model(cell, H, embedding=arrays["embedding.weight"].shape[1])
    return load_into(model, arrays)


class _CarriedState(nn.Module):
    """Runs each window of ``model`` from the state the previous window left, detached:
    the truncation of truncated BPTT. :meth:`reset` starts from the zero state again."""

    def __init__(self, model: RecurrentNet) -> None:
        super().__init__()
        self.model, self.state = model, None

    def reset(self) -> None:
        self.state = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits, self.state = self.model.run(x, detach_state(self.state))
        return logits


class _Windows:
    """:func:`stream_batches` as a re-iterable for ``fit``; each pass over the text calls
    ``on_pass`` first (to start the carried state afresh)."""

    def __init__(self, ids: np.ndarray, batch_size: int, seq_len: int,
                 on_pass: Callable[[], None]) -> None:
        self.ids, self.on_pass = np.asarray(ids), on_pass
        self.batch_size = check_positive_int(batch_size, "batch_size")
        self.seq_len = check_positive_int(seq_len, "seq_len")

    def __len__(self) -> int:
        return (len(self.ids) - 1) // self.batch_size // self.seq_len

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        self.on_pass()
        return stream_batches(self.ids, self.batch_size, self.seq_len)


def tbptt_training(
    model: RecurrentNet,
    ids: np.ndarray,
    *,
    batch_size: int,
    seq_len: int,
    lr: float,
    steps: int,
    clip_norm: float = 1.0,
) -> tuple[_Windows, Callable[[Any, Any], tuple[float, float]]]:
    """The data and the ``step_fn`` that make :func:`~lstmbook.torch.train.fit` train with
    truncated BPTT: state carried across windows, detached, Adam, clipping.

    Parameters
    ----------
    model : RecurrentNet
        From :func:`build_model`.
    ids : ndarray (N,)
        Training text as character ids; each pass over it starts from the zero state.
    batch_size, seq_len : int
        Parallel streams and truncation length. Each update sees ``batch_size * seq_len``
        characters.
    lr : float
        Adam's learning rate, cosine-decayed to 0 over ``steps`` updates.
    steps : int
        The updates the schedule spans (pass the same ``steps`` to ``fit``).
    clip_norm : float
        The gradient-norm clip.

    Returns
    -------
    windows : re-iterable of (x, y), ndarray (B, T) each
        ``fit``'s ``data``.
    step : callable (x, y) -> (loss in nats, gradient norm before clipping)
        ``fit``'s ``step_fn``.
    """
    steps = check_positive_int(steps, "steps")
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda k: 0.5 * (1 + math.cos(math.pi * min(k, steps) / steps))
    )
    carrier = _CarriedState(model)

    def next_char_loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return nn.functional.cross_entropy(logits.reshape(-1, model.output_size), y.reshape(-1))

    def step(x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
        # the book's one update (forward, loss, backward, clip, step), then the schedule
        out = train_step(carrier, next_char_loss, optimizer, x, y, clip_norm=clip_norm)
        schedule.step()
        return out

    return _Windows(ids, batch_size, seq_len, on_pass=carrier.reset), step


def _rows(ids: np.ndarray, streams: int, name: str) -> np.ndarray:
    ids = np.asarray(ids)
    if ids.ndim == 2 and streams == 1 and ids.shape[1] >= 2:
        return ids
    if ids.ndim == 1 and len(ids) >= 2 * streams:
        n = len(ids) // streams
        return ids[: n * streams].reshape(streams, n)
    raise ValueError(f"{name}: need a 1-D text of at least 2 ids per stream or "
                     f"(K, W >= 2) rows, got shape {ids.shape} with streams={streams}")


@torch.no_grad()
def char_bits(model: RecurrentNet, ids: np.ndarray, streams: int = 1) -> np.ndarray:
    """-log2 p(next character) at every predicted character of held-out text.

    Parameters
    ----------
    model : RecurrentNet
        From :func:`build_model` or :func:`load_model`.
    ids : ndarray (N,) or (K, W)
        One text, read as ``streams`` parallel contiguous streams each starting from the
        zero state (1: the text read once, front to back); or K separate texts of W
        characters (rows), each read from the zero state (``streams`` must then be 1).
        The first character of each stream or row is not predicted.
    streams : int

    Returns
    -------
    ndarray (rows, W - 1) float64
        Row r, column t: the bits spent on character t + 1 of row (stream) r.
    """
    rows = torch.from_numpy(_rows(ids, streams, "char_bits").astype(np.int64))
    model.eval()
    logits = model(rows[:, :-1])
    nll = nn.functional.cross_entropy(logits.transpose(1, 2), rows[:, 1:], reduction="none")
    return nll.double().numpy() / math.log(2)


def bits_per_char(model: RecurrentNet, ids: np.ndarray, streams: int = 1) -> float:
    """Mean -log2 p(next character) of ``model`` on held-out text: the mean of
    :func:`char_bits` (same arguments)."""
    return float(char_bits(model, ids, streams).mean())


@torch.no_grad()
def bits_with_context(model: RecurrentNet, ids: np.ndarray, positions, k: int) -> np.ndarray:
    """-log2 p(ids[p] | exactly the k characters before p), for each p in ``positions``.

    Every position is predicted by the model reading ``ids[p - k : p]`` from the zero state,
    so it sees exactly ``k`` characters of context -- not fewer (as when a state reset falls
    just before p) and not more.

    Returns
    -------
    ndarray (len(positions),) float64
    """
    k = check_positive_int(k, "k")
    positions = np.asarray(positions, dtype=np.int64)
    if positions.ndim != 1 or positions.size == 0 or positions.min() < k \
            or positions.max() >= len(ids):
        raise ValueError(f"bits_with_context: positions must lie in [k = {k}, {len(ids)}), "
                         f"got {positions.min() if positions.size else 'none'}.."
                         f"{positions.max() if positions.size else ''}")
    windows = np.stack([np.asarray(ids)[p - k : p + 1] for p in positions])
    return char_bits(model, windows)[:, -1]


@torch.no_grad()
def sample(
    model: RecurrentNet, prime: str, n_chars: int, *, temperature: float = 1.0, seed: int = 0
) -> str:
    """Text generated after ``prime``: each character drawn from softmax(logits / temperature).

    Temperature below 1 sharpens the distribution (safer, more repetitive text), above 1
    flattens it (more varied, more mistakes); ``temperature=0`` takes the most likely
    character every time.
    """
    n_chars = check_positive_int(n_chars, "n_chars")
    if not temperature >= 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    if not prime:
        raise ValueError("sample: prime must be a non-empty string")
    model.eval()
    gen = torch.Generator().manual_seed(seed)
    logits, state = model.run(torch.from_numpy(encode(prime).astype(np.int64))[None])
    out = []
    for _ in range(n_chars):
        last = logits[0, -1]
        if temperature == 0:
            nxt = int(torch.argmax(last))
        else:
            probs = torch.softmax(last / temperature, dim=-1)
            nxt = int(torch.multinomial(probs, 1, generator=gen))
        out.append(nxt)
        logits, state = model.run(torch.tensor([[nxt]]), state)
    return decode(np.asarray(out))


def to_numpy_lstm(model: RecurrentNet):
    """The model's recurrent layer as a :class:`lstmbook.numpy.LSTM` (same weights,
    float64), whose ``activations()`` give every gate and cell state at every step."""
    from lstmbook.numpy import LSTM

    if model.cell != "lstm":
        raise ValueError(f"to_numpy_lstm: needs an LSTM model, got cell={model.cell!r}")
    lstm = LSTM(model.rnn.input_size, model.hidden_size, batch_first=True)
    lstm.load_state_dict({k: v.double() for k, v in model.rnn.state_dict().items()})
    return lstm


def cell_states(model: RecurrentNet, text: str, which: str = "c") -> np.ndarray:
    """Every cell state (``which='c'``) or hidden state (``'h'``) of an LSTM model while it
    reads ``text`` from the zero state, computed by :func:`to_numpy_lstm` in float64.

    Returns
    -------
    ndarray (len(text), H)
        Row t is the state after reading character t.
    """
    if which not in ("c", "h"):
        raise ValueError(f"cell_states: which must be 'c' or 'h', got {which!r}")
    lstm = to_numpy_lstm(model)
    table = model.embedding.weight.detach().double().numpy()
    lstm(table[encode(text).astype(np.int64)][None])  # (1, N, E)
    return lstm.activations()[which][:, 0]
