"""THE PyTorch training loop of the book: :func:`fit`. Every page and script trains with it.

::

    model = RecurrentNet("lstm", 1, 32, 1)
    history = fit(model, (x_train, y_train), loss_fn=nn.MSELoss(), lr=1e-2, epochs=20,
                  batch_size=64, clip_norm=1.0, val_data=(x_val, y_val), patience=3)
    plt.plot(history.loss)

One update is :func:`train_step` (forward, loss, backward, clip, step); the schedule --
epochs or steps, evaluation, early stopping with the best weights restored, the record of
updates, sequences and CPU seconds -- is :func:`lstmbook.training.run_loop`, shared with
:func:`lstmbook.numpy.train.fit`, so the chapters plot NumPy and PyTorch runs alike.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import torch
from torch import nn

from lstmbook.backends import BackendUnavailableError, backend_status
from lstmbook.training import Batches, BatchGenerator, History, run_loop

__all__ = [
    "History",
    "resolve_device",
    "to_device",
    "as_tensors",
    "call_model",
    "train_step",
    "evaluate",
    "fit",
]

Batch = tuple[Any, Any]


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


def call_model(model: nn.Module, x: Any) -> Any:
    """``model(x)``, or ``model(*x)`` when ``x`` is a tuple such as ``(x, lengths)``."""
    return model(*x) if isinstance(x, tuple) else model(x)


def as_tensors(x: Any) -> Any:
    """NumPy arrays as tensors: floats as float32, integers as int64; tuples element-wise."""
    if isinstance(x, tuple):
        return tuple(as_tensors(v) for v in x)
    if isinstance(x, np.ndarray):
        if x.dtype.kind == "f":
            return torch.as_tensor(x, dtype=torch.float32)
        if x.dtype.kind in "iub":
            return torch.as_tensor(x, dtype=torch.int64)
        raise ValueError(f"cannot train on an array of dtype {x.dtype}")
    return x


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
    loss = loss_fn(call_model(model, x), y)
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
            total += float(loss_fn(call_model(model, x), y)) * n
            count += n
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError("evaluate: data holds no examples")
    return total / count


def _as_batches(data: Batch | Iterable[Batch]) -> Iterable[Batch]:
    """A single ``(x, y)`` pair of arrays becomes a one-batch list; anything else is batches."""
    return [tuple(as_tensors(d) for d in data)] if _is_pair_of_arrays(data) else data


def _check_finite(pair: tuple[Any, Any], what: str) -> None:
    """Refuse NaN or infinity in floating inputs or targets, naming where (before training
    turns them into a 'diverged' loss)."""
    for part, v in zip(("x", "y"), pair, strict=True):
        for k, arr in enumerate(v if isinstance(v, tuple) else (v,)):
            t = torch.as_tensor(arr)
            if t.is_floating_point() and not bool(torch.isfinite(t).all()):
                bad = int((~torch.isfinite(t)).sum())
                where = part if not isinstance(v, tuple) else f"{part}[{k}]"
                raise ValueError(
                    f"{what}: {where} holds {bad} NaN or infinite values of {t.numel()}; "
                    "fill or drop them before training (see lstmbook.imputation)"
                )


def _is_pair_of_arrays(data: Any) -> bool:
    return (isinstance(data, tuple) and len(data) == 2 and all(
        isinstance(d, (np.ndarray, torch.Tensor)) or (
            isinstance(d, tuple) and all(isinstance(e, (np.ndarray, torch.Tensor)) for e in d))
        for d in data))


def fit(
    model: nn.Module,
    data: tuple[Any, Any] | Iterable[Batch] | BatchGenerator,
    *,
    loss_fn: Callable[[Any, Any], torch.Tensor] | None = None,
    optimizer: torch.optim.Optimizer | None = None,
    lr: float = 1e-3,
    steps: int | None = None,
    epochs: int | None = None,
    batch_size: int = 64,
    shuffle: bool = True,
    seed: int | None = 0,
    clip_norm: float | None = None,
    val_data: Any = None,
    metric: Callable[[nn.Module, Any], float] | None = None,
    mode: str = "min",
    eval_every: int | None = None,
    patience: int | None = None,
    min_delta: float = 0.0,
    target: float | None = None,
    restore_best: bool = True,
    step_fn: Callable[[Any, Any], tuple[float, float]] | None = None,
    schedule: Callable[[int], float] | None = None,
    device: str | torch.device = "cpu",
    progress: bool | None = None,
) -> History:
    """Train ``model`` -- by steps or by epochs, with evaluation and early stopping.

    Parameters
    ----------
    model : nn.Module
        Called as ``model(x)``, or ``model(*x)`` when a batch's ``x`` is a tuple such as
        ``(x, lengths)``. Moved to ``device`` in place.
    data : (x, y) arrays or tensors, an iterable of (x, y) batches, or a batch generator
        Arrays are cut into shuffled mini-batches of ``batch_size`` (order drawn from
        ``seed``; float arrays become float32, integer ones int64). An iterable (a list,
        a ``DataLoader``) is one epoch per pass. A batch generator ``make_batch(update)``
        gives a fresh batch for each update (train it by ``steps``).
    loss_fn : callable (prediction, target) -> scalar tensor
        e.g. ``nn.MSELoss()``, ``nn.CrossEntropyLoss()``. Needed unless ``step_fn`` is given.
    optimizer : torch.optim.Optimizer, optional
        Default: Adam on ``model.parameters()`` with learning rate ``lr``.
    steps, epochs : int or None
        The budget: at most ``steps`` updates, at most ``epochs`` passes.
    clip_norm : float or None
        Rescale the gradients to at most this global norm before each update.
    val_data : (x, y), an iterable of batches, or None
        Held-out data for ``metric``.
    metric : callable (model, val_data) -> float, optional
        Default: the loss on ``val_data`` (:func:`evaluate`). Called with the model in
        eval mode and without gradients.
    mode : {"min", "max"}
        A lower (loss) or higher (accuracy) metric is better.
    eval_every : int or None
        Evaluate every this many updates; None: after every epoch (and after the last
        update).
    patience : int or None
        Early stopping: stop after this many evaluations without improvement.
    target : float or None
        Stop once the metric reaches this value (the task is solved).
    restore_best : bool
        Load the weights of the best evaluation at the end (with ``val_data``).
    step_fn : callable (x, y) -> (loss, grad_norm), optional
        Replaces :func:`train_step` for models whose update is not ``loss_fn(model(x), y)``
        (a sequence-to-sequence model with teacher forcing; a data-parallel process).
    schedule : callable (updates done) -> float, optional
        The learning rate after k updates is ``schedule(k)`` times the optimiser's initial
        one (``torch.optim.lr_scheduler.LambdaLR``, stepped after every update); e.g.
        ``lambda k: 0.5 ** (k // 1500)`` halves it every 1,500 updates.
    device : "cpu", "auto", "cuda", torch.device
        ``"auto"``: the GPU if torch can use one, else the CPU.
    progress : bool or None
        A tqdm bar; None shows it only in a terminal, never in the book's build.

    Returns
    -------
    History
        Per update ``loss`` and ``grad_norm``; per evaluation ``eval_updates`` and
        ``val_metric``; ``best_update``, ``stopped``, and the budget: ``updates``,
        ``sequences``, ``cpu_seconds``.

    Raises
    ------
    ValueError
        A budget, a mode or data that make no sense, or no loss function.
    FloatingPointError
        If the loss becomes NaN or infinite.
    """
    if clip_norm is not None and not clip_norm > 0:
        raise ValueError(f"clip_norm must be positive or None, got {clip_norm}")
    if step_fn is None and loss_fn is None:
        raise ValueError("fit needs loss_fn= (or a step_fn= that computes its own loss)")
    device = resolve_device(device)
    model.to(device)
    if optimizer is None and step_fn is None:
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    if _is_pair_of_arrays(data):
        _check_finite(data, "the training data")
        data = Batches(as_tensors(data[0]), as_tensors(data[1]), batch_size, shuffle=shuffle,
                       seed=seed)
    if val_data is not None and _is_pair_of_arrays(val_data):
        _check_finite(val_data, "val_data")
    if schedule is not None and optimizer is None:
        raise ValueError("schedule= needs an optimiser: pass optimizer= along with step_fn=")
    scheduler = (torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
                 if schedule is not None else None)

    def step(x: Any, y: Any) -> tuple[float, float]:
        x, y = to_device(x, device), to_device(y, device)
        if step_fn is not None:
            out = step_fn(x, y)
            out = out if isinstance(out, tuple) else (float(out), math.nan)
        else:
            out = train_step(model, loss_fn, optimizer, x, y, clip_norm=clip_norm)
        if scheduler is not None:
            scheduler.step()
        return out

    evaluate_fn = None
    if val_data is not None:
        val = tuple(as_tensors(v) for v in val_data) if _is_pair_of_arrays(val_data) \
            else val_data

        @torch.no_grad()
        def evaluate_fn() -> float:
            was_training = model.training
            model.eval()
            try:
                if metric is not None:
                    return float(metric(model, val))
                return evaluate(model, loss_fn, val)
            finally:
                model.train(was_training)

    def snapshot() -> dict[str, torch.Tensor]:
        return {k: v.detach().clone() for k, v in model.state_dict().items()}

    return run_loop(
        step,
        data,
        steps=steps,
        epochs=epochs,
        evaluate=evaluate_fn,
        eval_every=eval_every,
        mode=mode,
        patience=patience,
        min_delta=min_delta,
        target=target,
        snapshot=snapshot if (restore_best and val_data is not None) else None,
        restore=model.load_state_dict,
        before_epoch=model.train,
        progress=progress,
    )
