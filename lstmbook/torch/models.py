"""The book's one recurrent model: an optional input layer, a recurrent layer, a read-out.

::

    x (B, T, I) --[embedding or projection]--> (B, T, E) --[RNN / LSTM / GRU]--> h
        readout="last":  h of the last step (both directions)  --Linear--> (B, O)
        readout="all":   h of every step                        --Linear--> (B, T, O)

Every page and script builds its network with :class:`RecurrentNet` -- the memory tasks,
the forecasters, the digit classifiers, the character language model, the FAQ's runs --
so one class carries the choices a comparison varies: the cell, layers, direction, the
read-out, and the initialisation of the gates (a forget-gate bias, or chrono
initialisation). The recurrent layers are PyTorch's own (``nn.RNN``, ``nn.LSTM``,
``nn.GRU``, fused and fast); :class:`lstmbook.torch.LSTM` and :class:`lstmbook.numpy.LSTM`
compute the same LSTM, and their tests check it.

The sub-modules keep fixed names, so saved weights (:func:`lstmbook.io.load_into`) have
fixed keys: ``embedding`` or ``project``, ``rnn``, ``head``.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from lstmbook._checks import check_positive_int, format_shape

__all__ = [
    "CELLS",
    "GATES",
    "INITS",
    "RecurrentNet",
    "parameter_count",
    "hidden_size_for",
    "forget_bias_",
    "chrono_bias_",
]

#: The recurrent layers by name (one table for the whole library).
CELLS: dict[str, type[nn.RNNBase]] = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
#: Gate blocks per cell: the recurrent weights are (gates * H, ...).
GATES = {"rnn": 1, "lstm": 4, "gru": 3}
#: Initialisations of the gate biases: PyTorch's default, or chrono (LSTM only).
INITS = ("default", "chrono")


def parameter_count(model: nn.Module) -> int:
    """Number of trainable numbers in ``model``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _lstm_biases(rnn: nn.LSTM) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """``(bias_ih, bias_hh)`` of every layer and direction."""
    names = [n for n, _ in rnn.named_parameters() if n.startswith("bias_ih")]
    return [(getattr(rnn, n), getattr(rnn, n.replace("bias_ih", "bias_hh"))) for n in names]


@torch.no_grad()
def forget_bias_(rnn: nn.LSTM, value: float) -> None:
    """Set ``b_f`` (``bias_ih + bias_hh`` of the forget block) to ``value`` in every layer."""
    H = rnn.hidden_size
    for b_ih, b_hh in _lstm_biases(rnn):
        b_ih[H : 2 * H] = float(value)
        b_hh[H : 2 * H] = 0.0


@torch.no_grad()
def chrono_bias_(rnn: nn.LSTM, t_max: float, generator: torch.Generator | None = None) -> None:
    """Chrono initialisation (Tallec & Ollivier 2018): ``b_f = log U(1, T_max - 1)``,
    ``b_i = -b_f``.

    A unit whose forget gate sits at ``σ(b_f)`` forgets with a time constant of about
    ``1 / (1 - σ(b_f)) ≈ e^{b_f}`` steps, so the units' memories are spread over 1 to
    ``T_max`` steps, the range of dependencies the task is expected to have.
    """
    if not t_max > 2:
        raise ValueError(f"chrono initialisation needs t_max > 2, got {t_max}")
    H = rnn.hidden_size
    for b_ih, b_hh in _lstm_biases(rnn):
        u = torch.rand(H, generator=generator) * (t_max - 2) + 1  # U(1, T_max - 1)
        b_f = torch.log(u)
        b_ih[H : 2 * H], b_hh[H : 2 * H] = b_f, 0.0
        b_ih[:H], b_hh[:H] = -b_f, 0.0


class RecurrentNet(nn.Module):
    """A recurrent layer between an optional input layer and a linear read-out.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"}
        ``nn.RNN`` (tanh), ``nn.LSTM`` or ``nn.GRU`` (:data:`CELLS`).
    input_size : int
        I, features per step; with ``embedding`` the vocabulary size (inputs are ids).
    hidden_size : int
        H, units per layer and direction.
    output_size : int
        O, outputs of the read-out (classes, targets, vocabulary).
    num_layers : int
        Stacked layers (堆叠): layer k reads the hidden states of layer k - 1.
    bidirectional : bool
        A second layer reads the sequence backwards; the read-out sees both (2H).
    readout : {"last", "all"}
        ``"last"``: one output per sequence, from the final state of the last layer (of
        each direction: the forward one after step T, the backward one after step 1);
        ``"all"``: an output at every step.
    embedding : int or None
        Inputs are ids (B, T) into a learned table of vectors of this size.
    projection : int or None
        A linear map of the inputs to this many features comes first (for one-hot or
        high-dimensional inputs it acts as an embedding).
    dropout : float
        Dropout between stacked layers (``nn.LSTM``'s ``dropout``).
    forget_bias : float or None
        LSTM only: ``b_f`` of every layer set to this (PyTorch draws it near 0).
    init : {"default", "chrono"}
        ``"chrono"`` (LSTM only): :func:`chrono_bias_` with ``t_max``.
    t_max : float or None
        The longest dependency expected, for chrono initialisation.

    Forward: ``x`` (B, T, I) -- or ids (B, T) with ``embedding`` -- and optional
    ``lengths`` (B,) of padded sequences, which are then packed so that the padding is
    never read; returns (B, O) or (B, T, O). :meth:`run` also takes and returns the state.
    """

    def __init__(
        self,
        cell: str,
        input_size: int,
        hidden_size: int,
        output_size: int,
        *,
        num_layers: int = 1,
        bidirectional: bool = False,
        readout: str = "last",
        embedding: int | None = None,
        projection: int | None = None,
        dropout: float = 0.0,
        forget_bias: float | None = None,
        init: str = "default",
        t_max: float | None = None,
    ) -> None:
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
        if readout not in ("last", "all"):
            raise ValueError(f"readout must be 'last' or 'all', got {readout!r}")
        if init not in INITS:
            raise ValueError(f"init must be one of {INITS}, got {init!r}")
        if embedding is not None and projection is not None:
            raise ValueError("give embedding= (ids as inputs) or projection=, not both")
        if cell != "lstm" and (forget_bias is not None or init == "chrono"):
            raise ValueError(
                f"forget_bias and chrono initialisation set an LSTM's forget gate; "
                f"cell={cell!r} has none"
            )
        if init == "chrono" and forget_bias is not None:
            raise ValueError("chrono initialisation sets b_f itself: drop forget_bias")
        if init == "chrono" and t_max is None:
            raise ValueError("chrono initialisation needs t_max, the longest lag expected")
        self.cell, self.readout = cell, readout
        self.input_size = check_positive_int(input_size, "input_size")
        self.hidden_size = H = check_positive_int(hidden_size, "hidden_size")
        self.output_size = check_positive_int(output_size, "output_size")
        num_layers = check_positive_int(num_layers, "num_layers")
        width = self.input_size
        self.embedding = self.project = None
        if embedding is not None:
            width = check_positive_int(embedding, "embedding")
            self.embedding = nn.Embedding(self.input_size, width)
        if projection is not None:
            width = check_positive_int(projection, "projection")
            self.project = nn.Linear(self.input_size, width)
        self.rnn = CELLS[cell](width, H, num_layers, batch_first=True, dropout=dropout,
                               bidirectional=bool(bidirectional))
        self.head = nn.Linear(H * self.directions, self.output_size)
        if forget_bias is not None:
            forget_bias_(self.rnn, forget_bias)
        if init == "chrono":
            chrono_bias_(self.rnn, float(t_max))

    @property
    def directions(self) -> int:
        return 2 if self.rnn.bidirectional else 1

    def _check_input(self, x: torch.Tensor) -> None:
        if self.embedding is not None:
            if x.ndim != 2 or x.dtype not in (torch.int64, torch.int32):
                raise ValueError(
                    f"RecurrentNet with an embedding expects integer ids (B, T), got "
                    f"{x.dtype} of shape {format_shape(tuple(x.shape))}"
                )
        elif x.ndim != 3 or x.shape[-1] != self.input_size:
            raise ValueError(
                f"RecurrentNet expects x of shape (B, T, {self.input_size}), got "
                f"{format_shape(tuple(x.shape))}"
            )

    def _inputs(self, x: torch.Tensor) -> torch.Tensor:
        """Check ``x``, then embed or project it if the model has that layer."""
        self._check_input(x)
        if self.embedding is not None:
            return self.embedding(x)
        return x if self.project is None else self.project(x)

    def run(
        self, x: torch.Tensor, state: Any = None, lengths: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, Any]:
        """The read-out and the recurrent layer's final state.

        Parameters
        ----------
        x : tensor (B, T, I), or ids (B, T) with an embedding
        state : the state to start from (``(h, c)`` for the LSTM, ``h`` otherwise), or None
        lengths : tensor (B,) or None
            True lengths of right-padded sequences.

        Returns
        -------
        out : tensor (B, O) or (B, T, O)
        state : the state after the last (true) step, as ``nn.LSTM`` returns it
        """
        T = x.shape[1]
        x = self._inputs(x)
        if lengths is not None:
            x = pack_padded_sequence(x, torch.as_tensor(lengths).cpu(), batch_first=True,
                                     enforce_sorted=False)
        hs, state = self.rnn(x, state)
        if self.readout == "all":
            if isinstance(hs, PackedSequence):
                hs, _ = pad_packed_sequence(hs, batch_first=True, total_length=T)
            return self.head(hs), state
        h_n = state[0] if isinstance(state, tuple) else state  # (layers * D, B, H)
        D = self.directions
        last = torch.cat([h_n[d - D] for d in range(D)], dim=-1)  # last layer, every direction
        return self.head(last), state

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """The read-out only: (B, O), or (B, T, O) with ``readout="all"``."""
        return self.run(x, None, lengths)[0]

    def extra_repr(self) -> str:
        return f"cell={self.cell!r}, readout={self.readout!r}"

    def hidden_states(self, x: torch.Tensor) -> torch.Tensor:
        """The last layer's hidden states at every step, (B, T, D·H), before the read-out."""
        return self.rnn(self._inputs(x))[0]


def hidden_size_for(
    cell: str, n_params: int, input_size: int, output_size: int, *, embedding: int | None = None
) -> int:
    """The hidden size whose one-layer :class:`RecurrentNet` has the parameter count closest
    to ``n_params`` (for comparing cells at equal size)."""
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
    n_params = check_positive_int(n_params, "n_params")
    width = input_size if embedding is None else embedding
    fixed = 0 if embedding is None else input_size * embedding

    def count(H: int) -> int:
        return fixed + GATES[cell] * H * (width + H + 2) + H * output_size + output_size

    # the count grows like G H^2: solve for H, then look at the integers around it
    G = GATES[cell]
    guess = (-(G * (width + 2) + output_size) + math.sqrt(
        (G * (width + 2) + output_size) ** 2 + 4 * G * max(n_params - fixed - output_size, 0))
    ) / (2 * G)
    candidates = range(max(1, int(guess) - 2), int(guess) + 3)
    return min(candidates, key=lambda H: (abs(count(H) - n_params), H))
