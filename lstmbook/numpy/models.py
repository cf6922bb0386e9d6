"""Whole models assembled from the NumPy blocks: an LSTM plus a read-out layer.

* :class:`SequenceRegressor` -- sequence in, numbers out (sine forecasting, adding problem).
* :class:`CharLSTM` -- a character-level language model: a distribution over the next
  token at every step, and :meth:`CharLSTM.generate` to sample text from it.

A model has the same ``forward`` / ``backward`` protocol as its parts, and ``modules()``
lists the parts for an optimiser: ``Adam(model.modules(), lr=1e-2)`` (or just ``Adam(model)``).
Everything is batch-first, like the data sets in :mod:`lstmbook.data`.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_positive_int
from .layers import Embedding, Linear
from .losses import softmax
from .lstm import LSTM

__all__ = ["SequenceRegressor", "CharLSTM"]


def _child_seeds(seed: int | None, n: int) -> list[int | None]:
    """``n`` independent seeds derived from one (``None`` stays ``None``)."""
    if seed is None:
        return [None] * n
    return [int(s) for s in np.random.SeedSequence(seed).generate_state(n)]


class SequenceRegressor:
    """LSTM over the sequence, then a linear map of the *last* hidden state::

        h_1 .. h_T = LSTM(x_1 .. x_T),    y = W h_T + b

    Parameters
    ----------
    input_size, hidden_size : int
    output_size : int
        Number of values predicted per sequence.
    num_layers : int
    dtype : float32 or float64
    seed : int or None
    forget_bias : float or None
        Passed to :class:`~lstmbook.numpy.lstm.LSTM`; 1.0 helps long sequences.

    Notes
    -----
    Input (B, T, input_size) -> output (B, output_size). Only ``h_T`` reaches the loss,
    so backward feeds the head's gradient into the last step and zeros elsewhere; BPTT
    carries it back to every earlier step.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        output_size: int = 1,
        num_layers: int = 1,
        *,
        dtype=np.float64,
        seed: int | None = None,
        forget_bias: float | None = None,
    ) -> None:
        lstm_seed, head_seed = _child_seeds(seed, 2)
        self.lstm = LSTM(
            input_size,
            hidden_size,
            num_layers,
            batch_first=True,
            dtype=dtype,
            seed=lstm_seed,
            forget_bias=forget_bias,
        )
        self.head = Linear(hidden_size, output_size, dtype=dtype, seed=head_seed)
        self._out_shape: tuple[int, ...] | None = None

    def __repr__(self) -> str:
        return f"SequenceRegressor({self.lstm!r}, {self.head!r})"

    def modules(self) -> list:
        return [self.lstm, self.head]

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """(B, T, input_size) -> (B, output_size)."""
        if np.ndim(x) != 3:
            raise ValueError(
                f"SequenceRegressor expects a batch of sequences (B, T, I), got shape {np.shape(x)}"
            )
        out, _ = self.lstm(x)  # (B, T, H)
        self._out_shape = out.shape
        return self.head(out[:, -1])

    def backward(self, grad_y: np.ndarray) -> np.ndarray:
        """(B, output_size) -> gradient w.r.t. the input, (B, T, input_size)."""
        if self._out_shape is None:
            raise RuntimeError("SequenceRegressor.backward called before forward")
        grad_out = np.zeros(self._out_shape, dtype=self.lstm.dtype)
        grad_out[:, -1] = self.head.backward(grad_y)
        return self.lstm.backward(grad_out)


class CharLSTM:
    """Character-level language model: embed each token, run the LSTM, score every next token::

        e_t = E[x_t],   h_t = LSTM(e_1 .. e_t),   logits_t = W h_t + b

    Trained with :class:`~lstmbook.numpy.losses.CrossEntropyLoss` against the input
    shifted by one (``y_t = x_{t+1}``), it is a per-step tagger whose tags are the next
    characters.

    Parameters
    ----------
    vocab_size : int
        V, number of distinct tokens.
    embed_dim, hidden_size : int
    num_layers : int
    dtype : float32 or float64
    seed : int or None
    forget_bias : float or None

    Attributes
    ----------
    final_state : (h_n, c_n)
        The LSTM state after the last :meth:`forward`, each (num_layers, B, H); pass it back
        as ``state`` to continue a sequence (truncated BPTT, generation).
    """

    def __init__(
        self,
        vocab_size: int,
        embed_dim: int,
        hidden_size: int,
        num_layers: int = 1,
        *,
        dtype=np.float64,
        seed: int | None = None,
        forget_bias: float | None = None,
    ) -> None:
        emb_seed, lstm_seed, head_seed = _child_seeds(seed, 3)
        self.vocab_size = check_positive_int(vocab_size, "vocab_size")
        self.embedding = Embedding(vocab_size, embed_dim, dtype=dtype, seed=emb_seed)
        self.lstm = LSTM(
            embed_dim,
            hidden_size,
            num_layers,
            batch_first=True,
            dtype=dtype,
            seed=lstm_seed,
            forget_bias=forget_bias,
        )
        self.head = Linear(hidden_size, vocab_size, dtype=dtype, seed=head_seed)
        self.final_state: tuple[np.ndarray, np.ndarray] | None = None

    def __repr__(self) -> str:
        return f"CharLSTM({self.embedding!r}, {self.lstm!r}, {self.head!r})"

    def modules(self) -> list:
        return [self.embedding, self.lstm, self.head]

    def __call__(self, ids: np.ndarray, state=None) -> np.ndarray:
        return self.forward(ids, state)

    def forward(self, ids: np.ndarray, state=None) -> np.ndarray:
        """Token ids (B, T) -> next-token logits (B, T, V); sets :attr:`final_state`."""
        if np.ndim(ids) != 2:
            raise ValueError(f"CharLSTM expects token ids (B, T), got shape {np.shape(ids)}")
        out, self.final_state = self.lstm(self.embedding(ids), state)
        return self.head(out)

    def backward(self, grad_logits: np.ndarray) -> None:
        """(B, T, V) -> fills every module's ``grads``; token ids have no gradient."""
        self.embedding.backward(self.lstm.backward(self.head.backward(grad_logits)))

    def generate(
        self,
        prompt,
        length: int,
        *,
        temperature: float = 1.0,
        seed: int | None = None,
    ) -> np.ndarray:
        """Sample ``length`` tokens that continue ``prompt``, one step at a time.

        Parameters
        ----------
        prompt : sequence of int, at least one id
            Read first, to set up the state.
        length : int
            Number of new tokens.
        temperature : float
            Divides the logits before the softmax: < 1 sharpens, > 1 flattens;
            0 means greedy (always the most likely token).
        seed : int or None
            Seed of the sampling.

        Returns
        -------
        ndarray (length,) of int
            The new tokens only (not the prompt).

        Notes
        -----
        Each step calls :meth:`forward` on one token with the carried state, so this
        overwrites what a pending :meth:`backward` would need.
        """
        prompt = np.asarray(prompt)
        if prompt.ndim != 1 or prompt.size == 0:
            raise ValueError(f"prompt must be a non-empty 1-D sequence of ids, got {prompt!r}")
        length = check_positive_int(length, "length")
        if not temperature >= 0:
            raise ValueError(f"temperature must be >= 0, got {temperature}")
        rng = np.random.default_rng(seed)
        logits = self.forward(prompt[None, :])[0, -1]
        new = np.empty(length, dtype=np.int64)
        for k in range(length):
            if temperature == 0:
                new[k] = int(np.argmax(logits))
            else:
                new[k] = rng.choice(
                    self.vocab_size, p=softmax(logits.astype(np.float64) / temperature)
                )
            logits = self.forward(new[None, k : k + 1], self.final_state)[0, -1]
        return new
