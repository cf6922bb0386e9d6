"""The training loop, written out: forward, loss, backward, clip, step.

::

    model = SequenceRegressor(1, 32, seed=0)
    history = train(model, MSELoss(), Adam(model, lr=1e-2),
                    batch_iterator(x_train, y_train, 64, seed=0),
                    epochs=20, clip_norm=1.0, val_data=(x_test, y_test))
    plt.plot(history.loss)

``model`` is anything with ``model(x)``, ``model.backward(grad)`` and either
``modules()`` or ``params``/``grads`` (see :mod:`lstmbook.numpy.optim`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from tqdm import tqdm

from .._checks import check_positive_int
from .optim import clip_grad_norm, collect_modules

__all__ = ["History", "Batches", "batch_iterator", "train_step", "train", "evaluate"]


@dataclass
class History:
    """What :func:`train` records, ready to plot.

    Attributes
    ----------
    loss : list of float
        Training loss of every step (mini-batch), in order.
    grad_norm : list of float
        Global gradient norm of every step, *before* clipping.
    epoch_loss : list of float
        Mean of ``loss`` over the steps of each epoch.
    val_loss : list of float
        Loss on ``val_data`` after each epoch (empty if none was given).
    seconds : float
        Wall-clock time of the whole run.
    """

    loss: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    epoch_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    seconds: float = 0.0


class Batches:
    """Mini-batches of ``(x, y)`` along axis 0; iterate it once per epoch.

    Each iteration walks through all ``N`` examples in batches of ``batch_size`` (the
    last one may be smaller), in a fresh random order if ``shuffle``. ``len()`` is the
    number of batches per epoch.
    """

    def __init__(
        self,
        x: np.ndarray,
        y: np.ndarray,
        batch_size: int,
        *,
        shuffle: bool = True,
        seed: int | None = None,
    ) -> None:
        if len(x) != len(y):
            raise ValueError(f"x and y differ in length on axis 0: {len(x)} and {len(y)}")
        if len(x) == 0:
            raise ValueError("no examples to batch")
        self.x, self.y = x, y
        self.batch_size = check_positive_int(batch_size, "batch_size")
        self.shuffle = shuffle
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return math.ceil(len(self.x) / self.batch_size)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        n = len(self.x)
        order = self.rng.permutation(n) if self.shuffle else np.arange(n)
        for start in range(0, n, self.batch_size):
            idx = order[start : start + self.batch_size]
            yield self.x[idx], self.y[idx]


def batch_iterator(
    x: np.ndarray,
    y: np.ndarray,
    batch_size: int,
    *,
    shuffle: bool = True,
    seed: int | None = None,
) -> Batches:
    """Re-iterable mini-batches of ``(x[idx], y[idx])``; see :class:`Batches`."""
    return Batches(x, y, batch_size, shuffle=shuffle, seed=seed)


def train_step(
    model: Any,
    loss_fn: Any,
    optimizer: Any,
    x: np.ndarray,
    y: np.ndarray,
    *,
    clip_norm: float | None = None,
) -> tuple[float, float]:
    """One update on one mini-batch.

    Returns
    -------
    loss : float
        The loss *before* the update.
    grad_norm : float
        Global gradient norm before clipping.
    """
    pred = model(x)
    loss = loss_fn(pred, y)
    if not math.isfinite(loss):
        raise FloatingPointError(
            f"the loss is {loss}: training diverged; lower the learning rate or pass clip_norm"
        )
    model.backward(loss_fn.backward())
    norm = clip_grad_norm(collect_modules(model), clip_norm if clip_norm else math.inf)
    optimizer.step()
    return loss, norm


def evaluate(model: Any, loss_fn: Any, x: np.ndarray, y: np.ndarray) -> float:
    """Loss of ``model`` on ``(x, y)`` in one forward pass; changes no parameter."""
    return float(loss_fn(model(x), y))


def train(
    model: Any,
    loss_fn: Any,
    optimizer: Any,
    batches: Iterable[tuple[np.ndarray, np.ndarray]]
    | Callable[[], Iterable[tuple[np.ndarray, np.ndarray]]],
    *,
    epochs: int = 1,
    clip_norm: float | None = None,
    progress: bool = True,
    val_data: tuple[np.ndarray, np.ndarray] | None = None,
) -> History:
    """Train ``model`` for ``epochs`` passes over ``batches``.

    Parameters
    ----------
    model : model or module
        ``model(x)`` gives predictions, ``model.backward(grad)`` fills the gradients.
    loss_fn : MSELoss, CrossEntropyLoss, ...
    optimizer : SGD, Adam, ...
        Built on the same model (``Adam(model, lr=...)``).
    batches : iterable of (x, y), or a callable returning one
        Iterated once per epoch, so it must be re-iterable (a list, :func:`batch_iterator`)
        or a callable that makes a fresh iterable each time; a one-shot generator only
        lasts one epoch.
    epochs : int
    clip_norm : float or None
        If given, gradients are rescaled to this global norm before each step
        (:func:`~lstmbook.numpy.optim.clip_grad_norm`).
    progress : bool
        Show a tqdm progress bar with the running loss.
    val_data : (x, y) or None
        Evaluated with :func:`evaluate` after every epoch.

    Returns
    -------
    History

    Raises
    ------
    FloatingPointError
        If the loss becomes NaN or infinite.
    """
    epochs = check_positive_int(epochs, "epochs")
    check_clip_norm(clip_norm)
    return run_epochs(
        lambda x, y: train_step(model, loss_fn, optimizer, x, y, clip_norm=clip_norm),
        batches,
        epochs=epochs,
        progress=progress,
        validate=None if val_data is None else lambda: evaluate(model, loss_fn, *val_data),
    )


def check_clip_norm(clip_norm: float | None) -> None:
    if clip_norm is not None and not clip_norm > 0:
        raise ValueError(f"clip_norm must be positive or None, got {clip_norm}")


def run_epochs(
    step: Callable[[Any, Any], tuple[float, float]],
    batches: Iterable | Callable[[], Iterable],
    *,
    epochs: int,
    progress: bool = True,
    validate: Callable[[], float] | None = None,
    before_epoch: Callable[[], object] | None = None,
) -> History:
    """The training loop shared by the NumPy and PyTorch helpers.

    ``step(x, y) -> (loss, grad_norm)`` trains on one batch; ``validate()`` returns the
    validation loss after each epoch; ``before_epoch()`` runs before each (e.g. to put a
    torch model in training mode). A tqdm bar shows the running loss.
    """
    history = History()
    total = epochs * len(batches) if hasattr(batches, "__len__") else None
    start = time.perf_counter()
    with tqdm(total=total, disable=not progress, unit="step") as bar:
        for epoch in range(epochs):
            if before_epoch is not None:
                before_epoch()
            epoch_losses = []
            for x, y in batches() if callable(batches) else batches:
                loss, norm = step(x, y)
                epoch_losses.append(loss)
                history.grad_norm.append(norm)
                bar.update()
                bar.set_postfix(loss=f"{loss:.4g}", refresh=False)
            if not epoch_losses:
                raise ValueError(
                    f"batches yielded nothing in epoch {epoch + 1}; pass a list, "
                    "batch_iterator(...), a DataLoader or a callable returning fresh batches"
                )
            history.loss.extend(epoch_losses)
            history.epoch_loss.append(float(np.mean(epoch_losses)))
            if validate is not None:
                history.val_loss.append(validate())
                bar.set_postfix(loss=f"{loss:.4g}", val=f"{history.val_loss[-1]:.4g}")
    history.seconds = time.perf_counter() - start
    return history
