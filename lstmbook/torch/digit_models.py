"""The models of ``book/applications/digits.ipynb``: digit classifiers and a digit generator.

* :func:`build_classifier` -- the page's classifiers by name: an LSTM, a stacked LSTM, a
  bidirectional LSTM and a tanh RNN (each a :class:`lstmbook.torch.models.RecurrentNet`
  read out on its final state), and the feed-forward baseline :class:`MLPClassifier`,
  which sees all 64 pixels at once;
* :func:`random_batches` -- the fresh random minibatches they train on (by steps, with
  :func:`lstmbook.torch.train.fit`, early stopping on the validation accuracy of
  :func:`lstmbook.torch.digits.accuracy`);
* :func:`sigmoid_bce` -- source 004's loss (ten independent sigmoids, binary
  cross-entropy on one-hot targets), kept to be compared with softmax + cross-entropy;
* :class:`RowGenerator` -- a class-conditioned LSTM that draws an image row by row, each
  pixel a softmax over the 17 intensities given the class and the rows above (trained
  with ``fit`` on :func:`generator_data` and :func:`pixel_cross_entropy`);
  :class:`IndependentPixels` is its baseline without memory (each pixel drawn on its own
  from its class's histogram).

Shapes: B images, T steps, I inputs per step, H hidden units, C = 10 classes,
W = 8 pixels per row, L = 17 intensity levels.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from lstmbook._checks import check_positive_int
from lstmbook.data.digits import LEVELS, N_CLASSES, SIDE, to_levels
from lstmbook.torch.models import RecurrentNet

__all__ = [
    "CLASSIFIERS",
    "CLASSIFIER_NAMES",
    "MLPClassifier",
    "build_classifier",
    "random_batches",
    "sigmoid_bce",
    "predict",
    "confusion_matrix",
    "RowGenerator",
    "generator_data",
    "pixel_cross_entropy",
    "generator_bits_per_pixel",
    "IndependentPixels",
]

#: The page's classifiers by id: keyword arguments of :class:`RecurrentNet`, or the MLP's
#: hidden size. The MLP has about the single LSTM's parameter count on rows.
CLASSIFIERS: dict[str, dict[str, Any]] = {
    "lstm": {"cell": "lstm", "hidden_size": 64},
    "stacked": {"cell": "lstm", "hidden_size": 64, "num_layers": 2},
    "bidirectional": {"cell": "lstm", "hidden_size": 64, "bidirectional": True},
    "rnn": {"cell": "rnn", "hidden_size": 64},
    "mlp": {"hidden_size": 256},
}
#: How the page names them.
CLASSIFIER_NAMES = {
    "lstm": "LSTM",
    "stacked": "stacked LSTM (2 layers)",
    "bidirectional": "bidirectional LSTM",
    "rnn": "RNN (tanh)",
    "mlp": "MLP (feed-forward)",
}


class MLPClassifier(nn.Module):
    """The feed-forward baseline: flatten (B, T, I) to (B, T·I), one hidden ReLU layer.

    It sees every pixel at once, so it needs no memory; the order of the pixels means
    nothing to it (any fixed permutation gives the same network up to relabelled weights).
    """

    def __init__(self, input_size: int, hidden_size: int, n_classes: int) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(check_positive_int(input_size, "input_size"),
                      check_positive_int(hidden_size, "hidden_size")),
            nn.ReLU(),
            nn.Linear(hidden_size, check_positive_int(n_classes, "n_classes")),
        )
        self.input_size = input_size

    def forward(self, x: torch.Tensor, lengths: Any = None) -> torch.Tensor:
        """Logits (B, C) of ``x`` (B, T, I) with T·I = ``input_size`` (``lengths`` unused)."""
        flat = x.reshape(len(x), -1)
        if flat.shape[1] != self.input_size:
            raise ValueError(
                f"MLPClassifier expects {self.input_size} inputs per example, got "
                f"{tuple(x.shape)}"
            )
        return self.net(flat)


def build_classifier(name: str, input_size: int, seq_len: int, seed: int = 0) -> nn.Module:
    """A fresh classifier of :data:`CLASSIFIERS`, initialised from ``seed``.

    Parameters
    ----------
    name : a key of :data:`CLASSIFIERS` ("lstm", "stacked", "bidirectional", "rnn", "mlp")
    input_size : int
        I, inputs per step: 8 for rows, 1 for pixels.
    seq_len : int
        T, steps per image (the MLP's input is T·I).
    """
    if name not in CLASSIFIERS:
        raise ValueError(f"unknown classifier {name!r}; choose one of {list(CLASSIFIERS)}")
    torch.manual_seed(seed)
    kw = dict(CLASSIFIERS[name])
    if name == "mlp":
        return MLPClassifier(input_size * seq_len, kw["hidden_size"], N_CLASSES)
    return RecurrentNet(kw.pop("cell"), input_size, kw.pop("hidden_size"), N_CLASSES, **kw)


def random_batches(x: Any, y: Any, batch_size: int, seed: int = 0):
    """A batch generator for :func:`lstmbook.torch.train.fit`: ``batch_size`` examples drawn
    uniformly *with replacement* for every update, from a generator seeded with ``seed``.

    ``fit(model, random_batches(x, y, 64, seed), steps=1500, ...)`` is how
    ``scripts/train_digits.py`` trains the classifiers (the draws decide the shipped weights).

    Parameters
    ----------
    x : (N, T, I); y : (N,)
    batch_size : int
    seed : int

    Returns
    -------
    callable update -> (x (B, T, I) float32, y (B,) int64)
        Call it with 0, 1, 2, ... in order, as ``fit`` does.
    """
    x, y = torch.as_tensor(np.asarray(x)), torch.as_tensor(np.asarray(y))
    if len(x) != len(y):
        raise ValueError(f"random_batches: {len(x)} examples but {len(y)} labels")
    batch_size = check_positive_int(batch_size, "batch_size")
    gen = torch.Generator().manual_seed(seed)

    def make_batch(update: int) -> tuple[torch.Tensor, torch.Tensor]:
        idx = torch.randint(len(x), (batch_size,), generator=gen)
        return x[idx], y[idx]

    return make_batch


def sigmoid_bce(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Source 004's loss: a sigmoid on each of the C outputs, binary cross-entropy against
    the one-hot label, averaged over the B·C numbers. Each output is a separate yes/no
    question; nothing makes the C answers add up to one."""
    return F.binary_cross_entropy_with_logits(
        logits, F.one_hot(labels, logits.shape[-1]).to(logits.dtype)
    )


@torch.no_grad()
def predict(model: nn.Module, x: Any, *, probabilities: str = "softmax") -> np.ndarray:
    """Class probabilities (B, C) of ``x`` (B, T, I) in eval mode.

    ``probabilities="softmax"`` normalises the logits over the classes; ``"sigmoid"``
    applies a sigmoid to each (source 004's outputs, which need not sum to one).
    """
    if probabilities not in ("softmax", "sigmoid"):
        raise ValueError(f"probabilities must be 'softmax' or 'sigmoid', got {probabilities!r}")
    was = model.training
    model.eval()
    logits = model(torch.as_tensor(x, dtype=torch.float32))
    model.train(was)
    p = logits.softmax(-1) if probabilities == "softmax" else logits.sigmoid()
    return p.numpy()


def confusion_matrix(y_true: Any, y_pred: Any, n_classes: int = N_CLASSES) -> np.ndarray:
    """Counts (C, C): entry (i, j) is how many examples of class i were predicted j."""
    t, p = np.asarray(y_true).reshape(-1), np.asarray(y_pred).reshape(-1)
    if t.shape != p.shape:
        raise ValueError(f"{t.size} labels but {p.size} predictions")
    for a, name in ((t, "y_true"), (p, "y_pred")):
        if a.size and (a.min() < 0 or a.max() >= n_classes):
            raise ValueError(f"{name} must lie in 0..{n_classes - 1}, got [{a.min()}, {a.max()}]")
    m = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(m, (t, p), 1)
    return m


class RowGenerator(nn.Module):
    """A class-conditioned LSTM that writes a digit row by row (条件生成, conditional generation).

    At step t the LSTM reads the row above, ``x_{t-1}`` (W intensities in [0, 1]; zeros for
    t = 0), and the one-hot class; from its hidden state a linear layer gives, for each
    of the W pixels of row t, logits over the L intensities. So the image's probability is

    ``p(x | c) = Π_t Π_w p(x_{t,w} | x_{<t}, c)``:

    the rows above enter through the LSTM's state; the pixels of one row are drawn
    independently given it. The LSTM and its read-out are a
    :class:`~lstmbook.torch.models.RecurrentNet` with a read-out at every step
    (``self.net``); this class adds the conditioning and the sampling.

    Parameters
    ----------
    hidden_size : int
    n_classes, width, levels : int
        C, W, L.
    """

    def __init__(self, hidden_size: int = 128, n_classes: int = N_CLASSES, width: int = SIDE,
                 levels: int = LEVELS) -> None:
        super().__init__()
        self.n_classes = check_positive_int(n_classes, "n_classes")
        self.width = check_positive_int(width, "width")
        self.levels = check_positive_int(levels, "levels")
        self.net = RecurrentNet("lstm", width + n_classes, hidden_size, width * levels,
                                readout="all")

    def _check(self, rows: torch.Tensor, labels: torch.Tensor) -> None:
        if rows.ndim != 3 or rows.shape[-1] != self.width:
            raise ValueError(f"rows: expected (B, T, {self.width}), got {tuple(rows.shape)}")
        if labels.shape != rows.shape[:1]:
            raise ValueError(f"labels: expected ({rows.shape[0]},), got {tuple(labels.shape)}")
        if labels.numel() and (labels.min() < 0 or labels.max() >= self.n_classes):
            raise ValueError(f"labels must lie in 0..{self.n_classes - 1}")

    def _step_inputs(self, prev_rows: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        cond = F.one_hot(labels, self.n_classes).to(prev_rows.dtype)
        return torch.cat([prev_rows, cond[:, None].expand(-1, prev_rows.shape[1], -1)], -1)

    def forward(self, rows: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Logits (B, T, W, L) of every pixel of ``rows`` (B, T, W) given the rows above.

        Teacher forcing (教师强制): the true rows above are read, shifted down by one.
        """
        self._check(rows, labels)
        prev = torch.cat([torch.zeros_like(rows[:, :1]), rows[:, :-1]], dim=1)
        return self.net(self._step_inputs(prev, labels)).view(*rows.shape, self.levels)

    @torch.no_grad()
    def sample(self, labels: Any, *, rows: int = SIDE, temperature: float = 1.0,
               seed: int = 0) -> np.ndarray:
        """Draw one image per label, row by row: levels (B, rows, W) int64.

        Each row's W pixels are drawn from ``softmax(logits / temperature)``, then fed
        back as the next step's input. ``temperature`` < 1 sharpens the distributions.
        """
        if not temperature > 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        labels = torch.as_tensor(np.asarray(labels), dtype=torch.long).reshape(-1)
        gen = torch.Generator().manual_seed(seed)
        was = self.training
        self.eval()
        prev = torch.zeros(len(labels), 1, self.width)
        state, out_rows = None, []
        for _ in range(check_positive_int(rows, "rows")):
            logits, state = self.net.run(self._step_inputs(prev, labels), state)
            probs = (logits[:, 0].view(-1, self.levels) / temperature).softmax(-1)
            level = torch.multinomial(probs, 1, generator=gen).view(len(labels), self.width)
            out_rows.append(level)
            prev = (level / (self.levels - 1)).float()[:, None]
        self.train(was)
        return torch.stack(out_rows, 1).numpy()


def generator_data(images: Any, labels: Any) -> tuple[tuple[torch.Tensor, torch.Tensor],
                                                    torch.Tensor]:
    """What :class:`RowGenerator` trains on: ``((rows, labels), levels)``.

    ``rows`` (N, 8, 8) float32 are the levels scaled back to [0, 1] (the inputs),
    ``labels`` (N,) int64 the classes, ``levels`` (N, 8, 8) int64 in 0..16 the targets:
    ``fit(generator, generator_data(images, labels), loss_fn=pixel_cross_entropy, ...)``.
    """
    levels = torch.as_tensor(to_levels(images))
    y = torch.as_tensor(np.asarray(labels), dtype=torch.long)
    if len(levels) != len(y):
        raise ValueError(f"{len(levels)} images but {len(y)} labels")
    return (levels.float() / (LEVELS - 1), y), levels


def pixel_cross_entropy(logits: torch.Tensor, levels: torch.Tensor) -> torch.Tensor:
    """Mean −log p(pixel's level) in nats, over every pixel: logits (B, T, W, L), levels
    (B, T, W)."""
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), levels.reshape(-1))


@torch.no_grad()
def generator_bits_per_pixel(model: RowGenerator, images: Any, labels: Any) -> float:
    """Mean −log₂ p(pixel | rows above, class) over all pixels of ``images``."""
    (rows, y), levels = generator_data(images, labels)
    was = model.training
    model.eval()
    nats = pixel_cross_entropy(model(rows, y), levels)
    model.train(was)
    return float(nats) / np.log(2)


class IndependentPixels:
    """The generator without memory: each pixel drawn on its own from its class's histogram.

    ``p(x | c) = Π_pixels p_c,pixel(x_pixel)``, each factor the training frequency of that
    intensity at that pixel among the images of class c, with ``alpha`` added to every
    count (Laplace smoothing, so no test intensity has probability 0).

    Parameters
    ----------
    images : (N, 8, 8) in [0, 1]; labels : (N,)
    alpha : float > 0
    """

    def __init__(self, images: Any, labels: Any, *, alpha: float = 1.0) -> None:
        if not alpha > 0:
            raise ValueError(f"alpha must be positive, got {alpha}")
        levels = to_levels(images).reshape(len(images), -1)
        y = np.asarray(labels)
        if len(levels) != len(y):
            raise ValueError(f"{len(levels)} images but {len(y)} labels")
        counts = np.full((N_CLASSES, levels.shape[1], LEVELS), float(alpha))
        np.add.at(counts, (y[:, None], np.arange(levels.shape[1])[None], levels), 1.0)
        #: (C, 64, L) probabilities.
        self.probs = counts / counts.sum(-1, keepdims=True)

    def bits_per_pixel(self, images: Any, labels: Any) -> float:
        """Mean −log₂ p(pixel | class) over all pixels of ``images``."""
        levels = to_levels(images).reshape(len(images), -1)
        y = np.asarray(labels)
        p = self.probs[y[:, None], np.arange(levels.shape[1])[None], levels]
        return float(-np.log2(p).mean())

    def sample(self, labels: Any, *, seed: int = 0) -> np.ndarray:
        """One image per label: levels (B, 8, 8) int64."""
        rng = np.random.default_rng(seed)
        p = self.probs[np.asarray(labels).reshape(-1)]  # (B, 64, L)
        u = rng.random(p.shape[:2] + (1,))
        levels = (u > p.cumsum(-1)).sum(-1)
        return np.minimum(levels, LEVELS - 1).reshape(-1, SIDE, SIDE)

