"""The PyTorch training loop of the application chapters: forward, loss, backward, clip, step.

::

    model = nn.Sequential(...)            # any nn.Module
    history = train(model, nn.MSELoss(), torch.optim.Adam(model.parameters(), lr=1e-2),
                    batches, epochs=20, clip_norm=1.0, device="auto", val_data=(x_val, y_val))
    plt.plot(history.loss)

The same shape as :func:`lstmbook.numpy.train.train`, and it returns the same
:class:`~lstmbook.numpy.train.History`, so the chapters plot NumPy and PyTorch runs alike.
``device="auto"`` trains on the GPU when torch can use one, else on the CPU.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import torch
from torch import nn

from lstmbook._checks import check_positive_int
from lstmbook.backends import BackendUnavailableError, backend_status
from lstmbook.numpy.train import History, check_clip_norm, run_epochs

__all__ = ["History", "resolve_device", "to_device", "train_step", "evaluate", "train"]

Batch = tuple[Any, Any]
Batches = Iterable[Batch] | Callable[[], Iterable[Batch]]


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` -> ``cuda`` if torch can use a GPU, else ``cpu``; check any other choice.

    Raises
    ------
    BackendUnavailableError
        If a CUDA device is asked for and torch cannot use one (the message says why).
    """
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(device)
    if device.type == "cuda":
        if not torch.cuda.is_available():
            reason = backend_status("torch-cuda").reason
            raise BackendUnavailableError(
                f"device={str(device)!r} was asked for, but PyTorch cannot use CUDA here: "
                f"{reason}. Use device='cpu', or device='auto' to take the GPU only when "
                "there is one"
            )
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise ValueError(
                f"device={str(device)!r}: there are only {torch.cuda.device_count()} CUDA devices"
            )
    return device


def to_device(obj: Any, device: torch.device) -> Any:
    """Move a tensor, a NumPy array (made a tensor), or a tuple/list/dict of them to ``device``."""
    if isinstance(obj, torch.Tensor):
        return obj.to(device)
    if isinstance(obj, np.ndarray):
        return torch.as_tensor(obj, device=device)
    if isinstance(obj, (tuple, list)):
        return type(obj)(to_device(o, device) for o in obj)
    if isinstance(obj, dict):
        return {k: to_device(v, device) for k, v in obj.items()}
    return obj


def train_step(
    model: nn.Module,
    loss_fn: Callable[[Any, Any], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    x: Any,
    y: Any,
    *,
    clip_norm: float | None = None,
) -> tuple[float, float]:
    """One update on one mini-batch (already on the model's device).

    Returns
    -------
    loss : float
        The loss *before* the update.
    grad_norm : float
        Global gradient norm before clipping.

    Raises
    ------
    FloatingPointError
        If the loss is NaN or infinite (no update is made).
    """
    optimizer.zero_grad(set_to_none=True)
    loss = loss_fn(model(x), y)
    value = float(loss.detach())
    if not math.isfinite(value):
        raise FloatingPointError(
            f"the loss is {value}: training diverged; lower the learning rate or pass clip_norm"
        )
    loss.backward()
    max_norm = clip_norm if clip_norm is not None else math.inf
    norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm)  # the norm before clipping
    optimizer.step()
    return value, float(norm)


@torch.no_grad()
def evaluate(
    model: nn.Module,
    loss_fn: Callable[[Any, Any], torch.Tensor],
    data: Batch | Iterable[Batch],
) -> float:
    """Loss of ``model`` on ``data`` in eval mode, without gradients; changes no parameter.

    Parameters
    ----------
    model : nn.Module
        Evaluated where its parameters are; the data are moved there.
    loss_fn : callable (prediction, target) -> scalar tensor
        With mean reduction (the default of ``nn.MSELoss``, ``nn.CrossEntropyLoss``).
    data : (x, y), or an iterable of (x, y) batches
        For several batches the result is their mean weighted by ``y.numel()``: the
        loss over the whole data set when ``loss_fn`` averages over the targets.

    Returns
    -------
    float
    """
    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    was_training = model.training
    model.eval()
    try:
        total, count = 0.0, 0
        for x, y in _as_batches(data):
            x, y = to_device(x, device), to_device(y, device)
            n = y.numel() if isinstance(y, torch.Tensor) else len(y)
            total += float(loss_fn(model(x), y)) * n
            count += n
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError("evaluate: data holds no examples")
    return total / count


def _as_batches(data: Batch | Iterable[Batch]) -> Iterable[Batch]:
    """A single ``(x, y)`` pair of arrays becomes a one-batch list; anything else is batches."""
    is_pair = (
        isinstance(data, (tuple, list))
        and len(data) == 2
        and all(isinstance(d, (torch.Tensor, np.ndarray)) for d in data)
    )
    return [tuple(data)] if is_pair else data


def train(
    model: nn.Module,
    loss_fn: Callable[[Any, Any], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    batches: Batches,
    *,
    epochs: int = 1,
    clip_norm: float | None = None,
    device: str | torch.device = "auto",
    progress: bool = True,
    val_data: Batch | Iterable[Batch] | None = None,
) -> History:
    """Train ``model`` for ``epochs`` passes over ``batches``.

    Parameters
    ----------
    model : nn.Module
        Moved to ``device`` (in place, so ``optimizer`` still holds its parameters).
    loss_fn : callable (prediction, target) -> scalar tensor
        e.g. ``nn.MSELoss()``, ``nn.CrossEntropyLoss()``; called as ``loss_fn(model(x), y)``.
    optimizer : torch.optim.Optimizer
        Built on ``model.parameters()``.
    batches : iterable of (x, y), or a callable returning one
        Tensors or NumPy arrays, moved to ``device`` batch by batch. Iterated once per
        epoch, so it must be re-iterable (a list, a ``DataLoader``) or a callable making
        a fresh iterable each time; a one-shot generator lasts one epoch only.
    epochs : int
    clip_norm : float or None
        If given, gradients are rescaled to at most this global norm before each step.
    device : "auto", "cpu", "cuda", "cuda:1", torch.device
        ``"auto"``: the GPU if torch can use one, else the CPU.
    progress : bool
        Show a tqdm progress bar with the running loss.
    val_data : (x, y), iterable of (x, y), or None
        Evaluated with :func:`evaluate` after every epoch.

    Returns
    -------
    History
        ``loss`` and ``grad_norm`` per step, ``epoch_loss`` and ``val_loss`` per epoch,
        ``seconds``.

    Raises
    ------
    BackendUnavailableError
        ``device="cuda"`` without a GPU torch can use.
    FloatingPointError
        If the loss becomes NaN or infinite.
    """
    epochs = check_positive_int(epochs, "epochs")
    check_clip_norm(clip_norm)
    device = resolve_device(device)
    model.to(device)

    def step(x, y):
        x, y = to_device(x, device), to_device(y, device)
        return train_step(model, loss_fn, optimizer, x, y, clip_norm=clip_norm)

    return run_epochs(
        step,
        batches,
        epochs=epochs,
        progress=progress,
        validate=None if val_data is None else lambda: evaluate(model, loss_fn, val_data),
        before_epoch=model.train,
    )
