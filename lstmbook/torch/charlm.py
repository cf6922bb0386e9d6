"""Character-level language models (字符级语言模型) in PyTorch: LSTM, GRU or plain RNN.

::

    model = CharRNN("lstm", hidden_size=160)          # embedding -> recurrent -> linear
    history = train_tbptt(model, train_ids, steps=500, batch_size=64, seq_len=128)
    bpc = bits_per_char(model, test_ids)              # bits per character on held-out text
    print(sample(model, "def ", 200, temperature=0.8, seed=0))

:func:`train_tbptt` is truncated backpropagation through time: the text is cut into
parallel streams (:func:`lstmbook.data.text.stream_batches`), each window starts from the
state the previous window ended in, and that state is *detached*, so gradients flow back
at most ``seq_len`` steps while the state itself carries information across windows.

Trained by ``scripts/train_charlm.py``; shown in ``book/applications/language_model.ipynb``.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import torch
from torch import nn

from lstmbook._checks import check_positive_int
from lstmbook.data.text import VOCAB, decode, encode, stream_batches

__all__ = [
    "CharRNN",
    "KINDS",
    "parameter_count",
    "hidden_size_for",
    "train_tbptt",
    "bits_per_char",
    "sample",
    "to_numpy_lstm",
    "cell_states",
]

KINDS = ("lstm", "gru", "rnn")
_MODULES = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}
_GATES = {"lstm": 4, "gru": 3, "rnn": 1}


class CharRNN(nn.Module):
    """Embedding, one recurrent layer, and a linear read-out to next-character logits.

    Parameters
    ----------
    kind : {'lstm', 'gru', 'rnn'}
        The recurrent layer (``torch.nn.LSTM``, ``GRU`` or tanh ``RNN``).
    hidden_size : int
    vocab_size : int
        V, :data:`lstmbook.data.text.VOCAB` by default.
    embedding_dim : int
        E, size of the learned character vectors.
    """

    def __init__(
        self, kind: str, hidden_size: int, vocab_size: int = len(VOCAB), embedding_dim: int = 32
    ) -> None:
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"CharRNN kind must be one of {KINDS}, got {kind!r}")
        self.kind = kind
        self.hidden_size = check_positive_int(hidden_size, "hidden_size")
        self.vocab_size = check_positive_int(vocab_size, "vocab_size")
        embedding_dim = check_positive_int(embedding_dim, "embedding_dim")
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.rnn = _MODULES[kind](embedding_dim, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, ids: torch.Tensor, state: Any = None) -> tuple[torch.Tensor, Any]:
        """Logits of the next character.

        Parameters
        ----------
        ids : LongTensor (B, T)
        state : the recurrent layer's state, optional

        Returns
        -------
        logits : Tensor (B, T, V)
        state : the state after the last step (``(h, c)`` for the LSTM, ``h`` otherwise)
        """
        out, state = self.rnn(self.embedding(ids), state)
        return self.head(out), state

    def extra_repr(self) -> str:
        return f"kind={self.kind!r}, parameters={parameter_count(self)}"


def parameter_count(model: nn.Module) -> int:
    """Number of trainable numbers in ``model``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _count(kind: str, H: int, V: int, E: int) -> int:
    return V * E + _GATES[kind] * H * (E + H + 2) + H * V + V


def hidden_size_for(
    kind: str, n_params: int, vocab_size: int = len(VOCAB), embedding_dim: int = 32
) -> int:
    """The hidden size whose :class:`CharRNN` has the parameter count closest to ``n_params``."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    n_params = check_positive_int(n_params, "n_params")
    sizes = np.arange(1, 4096)
    counts = np.array([_count(kind, h, vocab_size, embedding_dim) for h in sizes])
    return int(sizes[np.argmin(np.abs(counts - n_params))])


def _detach(state: Any) -> Any:
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()


def train_tbptt(
    model: CharRNN,
    ids: np.ndarray,
    *,
    steps: int,
    batch_size: int = 64,
    seq_len: int = 128,
    lr: float = 3e-3,
    clip_norm: float = 1.0,
    val_ids: np.ndarray | None = None,
    val_every: int = 100,
    val_chars: int = 20_000,
    seed: int = 0,
) -> dict[str, list[float]]:
    """Train with truncated BPTT: state carried across windows, detached, Adam, clipping.

    Parameters
    ----------
    model : CharRNN
    ids : ndarray (N,)
        Training text as character ids; passes over it repeat until ``steps`` updates.
    steps : int
        Parameter updates. Each sees ``batch_size * seq_len`` characters.
    batch_size, seq_len : int
        Parallel streams and truncation length.
    lr, clip_norm : float
        Adam's learning rate (cosine-decayed to 0) and the gradient-norm clip.
    val_ids : ndarray, optional
        Validation text; bits per character on its first ``val_chars`` characters every
        ``val_every`` steps.
    seed : int
        Seeds torch (the initial weights are the caller's).

    Returns
    -------
    dict
        ``step``, ``train_bpc`` (mean over the last ``val_every`` updates), ``val_bpc``
        and ``seconds`` (process time) at each evaluation.
    """
    steps = check_positive_int(steps, "steps")
    torch.manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda k: 0.5 * (1 + math.cos(math.pi * min(k, steps) / steps))
    )
    history: dict[str, list[float]] = {"step": [], "train_bpc": [], "val_bpc": [], "seconds": []}
    losses: list[float] = []
    start, step = time.process_time(), 0
    while step < steps:
        state = None
        for x, y in stream_batches(ids, batch_size, seq_len):
            model.train()
            logits, state = model(torch.from_numpy(x), _detach(state))
            loss = nn.functional.cross_entropy(logits.reshape(-1, model.vocab_size),
                                               torch.from_numpy(y).reshape(-1))
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), clip_norm)
            opt.step()
            sched.step()
            losses.append(loss.item() / math.log(2))
            step += 1
            if step % val_every == 0 or step == steps:
                history["step"].append(step)
                history["train_bpc"].append(float(np.mean(losses[-val_every:])))
                history["val_bpc"].append(
                    bits_per_char(model, val_ids[:val_chars]) if val_ids is not None else math.nan
                )
                history["seconds"].append(time.process_time() - start)
            if step == steps:
                break
    return history


@torch.no_grad()
def bits_per_char(model: CharRNN, ids: np.ndarray, streams: int = 1) -> float:
    """Mean -log2 p(next character) of ``model`` on held-out text.

    Parameters
    ----------
    model : CharRNN
    ids : ndarray (N,) or (K, W)
        One text, read as ``streams`` parallel contiguous streams each starting from the
        zero state (1: the text read once, front to back); or K separate texts of W
        characters (rows), each read from the zero state (``streams`` must then be 1).
        The first character of each stream or row is not predicted.
    streams : int

    Returns
    -------
    float
    """
    ids = np.asarray(ids)
    if ids.ndim == 2 and streams == 1 and ids.shape[1] >= 2:
        rows = ids
    elif ids.ndim == 1 and len(ids) >= 2 * streams:
        n = len(ids) // streams
        rows = ids[: n * streams].reshape(streams, n)
    else:
        raise ValueError(f"bits_per_char: need a 1-D text of at least 2 ids per stream or "
                         f"(K, W >= 2) rows, got shape {ids.shape} with streams={streams}")
    model.eval()
    rows = torch.from_numpy(rows.astype(np.int64))
    logits, _ = model(rows[:, :-1])
    nll = nn.functional.cross_entropy(logits.reshape(-1, model.vocab_size),
                                      rows[:, 1:].reshape(-1))
    return float(nll) / math.log(2)


@torch.no_grad()
def sample(
    model: CharRNN, prime: str, n_chars: int, *, temperature: float = 1.0, seed: int = 0
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
    logits, state = model(torch.from_numpy(encode(prime).astype(np.int64))[None])
    out = []
    for _ in range(n_chars):
        last = logits[0, -1]
        if temperature == 0:
            nxt = int(torch.argmax(last))
        else:
            probs = torch.softmax(last / temperature, dim=-1)
            nxt = int(torch.multinomial(probs, 1, generator=gen))
        out.append(nxt)
        logits, state = model(torch.tensor([[nxt]]), state)
    return decode(np.asarray(out))


def to_numpy_lstm(model: CharRNN):
    """The model's recurrent layer as a :class:`lstmbook.numpy.LSTM` (same weights,
    float64), whose ``activations()`` give every gate and cell state at every step."""
    from lstmbook.numpy import LSTM

    if model.kind != "lstm":
        raise ValueError(f"to_numpy_lstm: needs an LSTM model, got kind={model.kind!r}")
    lstm = LSTM(model.rnn.input_size, model.hidden_size, batch_first=True)
    lstm.load_state_dict({k: v.double() for k, v in model.rnn.state_dict().items()})
    return lstm


def cell_states(model: CharRNN, text: str, which: str = "c") -> np.ndarray:
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


def save_charlm(path: Any, model: CharRNN) -> None:
    """Save ``model``'s parameters in half precision (float16) with
    :func:`lstmbook.io.save_weights`: half the bytes, and the cast back to float32 changes
    the bits per character by a measured, negligible amount (see the training script)."""
    from lstmbook.io import save_weights

    save_weights(path, {k: v.detach().half() for k, v in model.state_dict().items()})


def load_charlm(path: Any, kind: str, hidden_size: int, embedding_dim: int = 32) -> CharRNN:
    """A :class:`CharRNN` with the weights of ``path`` (written by :func:`save_charlm`),
    checked name by name and shape by shape by :func:`lstmbook.io.load_weights`."""
    from lstmbook.io import load_weights

    model = CharRNN(kind, hidden_size, embedding_dim=embedding_dim)
    arrays = load_weights(path, expected=model.state_dict())
    model.load_state_dict({k: torch.from_numpy(v.astype(np.float32)) for k, v in arrays.items()})
    return model.eval()
