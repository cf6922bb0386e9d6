"""Training a NumPy model: one update written out (forward, loss, backward, clip, step).

::

    model = SequenceRegressor(1, 32, seed=0)
    history = fit(model, batch_iterator(x_train, y_train, 64, seed=0),
                  loss_fn=MSELoss(), optimizer=Adam(model, lr=1e-2),
                  epochs=20, clip_norm=1.0, val_data=(x_test, y_test))
    plt.plot(history.loss)

:func:`train_step` is the update; the schedule (epochs or steps, evaluation, early
stopping) and the :class:`~lstmbook.training.History` are :func:`lstmbook.training.run_loop`,
the loop :func:`lstmbook.torch.train.fit` uses too.

``model`` is anything with ``model(x)``, ``model.backward(grad)`` and either
``modules()`` or ``params``/``grads`` (see :mod:`lstmbook.numpy.optim`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..training import Batches, BatchGenerator, History, batch_iterator, run_loop
from .optim import clip_grad_norm_, collect_modules

__all__ = ["History", "Batches", "batch_iterator", "train_step", "fit", "evaluate"]


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
    norm = clip_grad_norm_(collect_modules(model), clip_norm if clip_norm else math.inf)
    optimizer.step()
    return loss, norm


def evaluate(model: Any, loss_fn: Any, x: np.ndarray, y: np.ndarray) -> float:
    """Loss of ``model`` on ``(x, y)`` in one forward pass; changes no parameter."""
    return float(loss_fn(model(x), y))


def fit(
    model: Any,
    data: Iterable[tuple[np.ndarray, np.ndarray]] | BatchGenerator,
    *,
    loss_fn: Any,
    optimizer: Any,
    steps: int | None = None,
    epochs: int | None = None,
    clip_norm: float | None = None,
    val_data: tuple[np.ndarray, np.ndarray] | None = None,
    eval_every: int | None = None,
    patience: int | None = None,
    progress: bool | None = None,
) -> History:
    """Train a NumPy model by epochs or steps on :func:`lstmbook.training.run_loop`.

    Parameters
    ----------
    model : model or module
        ``model(x)`` gives predictions, ``model.backward(grad)`` fills the gradients.
    data : re-iterable of (x, y) batches (:func:`batch_iterator`), or a batch generator
        ``make_batch(update) -> (x, y)`` for fresh data each update (then ``steps=``).
    loss_fn : MSELoss, CrossEntropyLoss, ...
    optimizer : SGD, Adam, ...
        Built on the same model (``Adam(model, lr=...)``).
    steps, epochs : int or None
        The budget (at least one).
    clip_norm : float or None
        If given, gradients are rescaled to this global norm before each step
        (:func:`~lstmbook.numpy.optim.clip_grad_norm_`).
    val_data : (x, y) or None
        Its loss (:func:`evaluate`) is the validation metric: after every epoch, or every
        ``eval_every`` updates.
    patience : int or None
        Stop after this many evaluations without a lower validation loss (the final
        weights stay: a NumPy model has no snapshot).
    progress : bool or None
        A tqdm bar; None shows it only in a terminal.

    Returns
    -------
    History

    Raises
    ------
    FloatingPointError
        If the loss becomes NaN or infinite.
    """
    check_clip_norm(clip_norm)
    return run_loop(
        lambda x, y: train_step(model, loss_fn, optimizer, x, y, clip_norm=clip_norm),
        data,
        steps=steps,
        epochs=epochs,
        evaluate=None if val_data is None else lambda: evaluate(model, loss_fn, *val_data),
        eval_every=eval_every,
        patience=patience,
        progress=progress,
    )


def check_clip_norm(clip_norm: float | None) -> None:
    if clip_norm is not None and not clip_norm > 0:
        raise ValueError(f"clip_norm must be positive or None, got {clip_norm}")
