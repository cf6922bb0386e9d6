"""Training on the memory tasks: :func:`train_memory_task`, one call of :func:`fit`.

The Background chapter (``book/background/index.ipynb``) and its sweep
(``scripts/sweep_memory_tasks.py``) train a :class:`~lstmbook.torch.models.RecurrentNet` on
the adding problem and on delayed recall (:data:`lstmbook.data.memory.TASKS`) over a
range of sequence lengths; the Gates chapter (``book/gates/index.ipynb``) does it for
three forget-gate biases. The tasks have unlimited data, so every update gets a fresh
batch, and a run stops as soon as it has solved the task.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from lstmbook.data.memory import TASKS, task_accuracy, task_batch
from lstmbook.torch.models import RecurrentNet
from lstmbook.torch.train import fit
from lstmbook.training import History

__all__ = ["MemoryRun", "train_memory_task"]


class MemoryRun(NamedTuple):
    """What :func:`train_memory_task` returns."""

    model: RecurrentNet  #: the trained network (its final weights)
    history: History  #: loss per update; validation accuracy every ``eval_every`` updates
    accuracy: float  #: test accuracy of the final model
    solved: bool  #: ``accuracy >= threshold``


def train_memory_task(
    task: str,
    cell: str,
    seq_len: int,
    *,
    seed: int = 0,
    hidden_size: int = 32,
    steps: int = 1000,
    batch_size: int = 64,
    lr: float = 1e-2,
    clip_norm: float | None = 1.0,
    forget_bias: float | None = None,
    init: str = "default",
    halve_every: int | None = None,
    eval_every: int = 100,
    threshold: float = 0.9,
    n_test: int = 1000,
) -> MemoryRun:
    """Train a one-layer :class:`RecurrentNet` on fresh batches of a task until it is solved.

    The initialisation is drawn after ``torch.manual_seed(seed)``; the batch of update k
    (counting from 1) has the seed ``1_000_003 * (seed + 1) + k``, the validation set the
    seed before the first batch's, the test set the one before that. Every ``eval_every``
    updates :func:`fit` measures the validation accuracy and stops once it reaches
    ``threshold`` (``target=``); the final weights (not the best ones) are then scored on
    the test set.

    Parameters
    ----------
    task : {"adding", "recall", "order"}
        :data:`lstmbook.data.memory.TASKS`.
    cell : {"rnn", "lstm", "gru"}
    seq_len : int
    seed : int
    hidden_size, steps, batch_size : int
        Units; the most updates; sequences per update.
    lr : float
        Adam's learning rate.
    clip_norm : float or None
        Global gradient-norm clipping.
    forget_bias : float or None
        LSTM only: ``b_f`` at initialisation (PyTorch's default draws it near 0).
    init : {"default", "chrono"}
        ``"chrono"``: Tallec & Ollivier's initialisation of the gate biases for lags up to
        ``seq_len`` (:class:`RecurrentNet`'s ``init``, with ``t_max=seq_len``).
    halve_every : int or None
        Halve the learning rate every this many updates (None: constant).
    eval_every : int
    threshold : float
        Accuracy that counts as solving the task.
    n_test : int
        Size of the validation and of the test set.

    Returns
    -------
    MemoryRun
        ``model``, ``history`` (``history.updates`` made, ``history.eval_updates`` and
        ``history.val_metric`` the validation accuracies), test ``accuracy``, ``solved``.
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {sorted(TASKS)}, got {task!r}")
    spec = TASKS[task]
    torch.manual_seed(seed)
    model = RecurrentNet(cell, spec["inputs"], hidden_size, spec["outputs"],
                         forget_bias=forget_bias, init=init,
                         t_max=seq_len if init == "chrono" else None)
    base = 1_000_003 * (seed + 1)

    @torch.no_grad()
    def accuracy(model: nn.Module, data: tuple) -> float:
        x, y = data
        return task_accuracy(task, model(torch.as_tensor(x)).numpy(), y)

    history = fit(
        model,
        lambda update: task_batch(task, batch_size, seq_len, seed=base + update + 1),
        loss_fn=nn.MSELoss() if spec["loss"] == "mse" else nn.CrossEntropyLoss(),
        lr=lr,
        steps=steps,
        clip_norm=clip_norm,
        val_data=task_batch(task, n_test, seq_len, seed=base - 1),
        metric=accuracy,
        mode="max",
        eval_every=eval_every,
        target=threshold,
        restore_best=False,
        schedule=(lambda k: 0.5 ** (k // halve_every)) if halve_every else None,
    )
    test = accuracy(model.eval(), task_batch(task, n_test, seq_len, seed=base - 2))
    model.train()
    return MemoryRun(model, history, test, test >= threshold)
