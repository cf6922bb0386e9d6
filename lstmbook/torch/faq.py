"""The FAQ chapter's shipped runs, loaded: the models ``scripts/train_faq.py`` trained.

The script records every run (task, seed, ``RecurrentNet`` settings, ``fit`` settings) in
the results artifact ``faq/runs`` and the weights as ``faq/<name>``; the three FAQ pages
(``book/faq/basics.ipynb``, ``data.ipynb``, ``training.ipynb``) read them through these
functions. Nothing here trains: the model is :class:`~lstmbook.torch.models.RecurrentNet`,
the loader :func:`lstmbook.io.load_into`, the loss :func:`lstmbook.torch.train.evaluate`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np
import torch
from torch import nn

from lstmbook import artifacts
from lstmbook.data.faq_tasks import faq_task
from lstmbook.evaluation import PairedTest, diebold_mariano, paired_bootstrap
from lstmbook.io import load_into
from lstmbook.torch.models import RecurrentNet
from lstmbook.torch.train import evaluate

__all__ = [
    "runs",
    "trained",
    "seeds_of",
    "sequences_seen",
    "budget",
    "mse",
    "test_mse",
    "squared_errors",
    "test_losses",
    "paired_test",
    "verdict",
]


@cache
def runs() -> dict[str, dict[str, Any]]:
    """The shipped runs: name -> task, study, seed, ``model`` (RecurrentNet's arguments), fit."""
    return artifacts.load("faq/runs")


def _run(name: str) -> dict[str, Any]:
    if name not in runs():
        raise ValueError(f"no FAQ run named {name!r}; the runs are {sorted(runs())}")
    return runs()[name]


def trained(name: str) -> RecurrentNet:
    """A model of scripts/train_faq.py: rebuilt from its settings, its weights loaded."""
    return load_into(RecurrentNet(**_run(name)["model"]), artifacts.path(name))


def seeds_of(task: str, cell: str = "lstm") -> list[str]:
    """The runs of one task and cell, one per seed (the hyper-parameter sweep aside)."""
    return [n for n, r in runs().items()
            if r["task"] == task and r["model"]["cell"] == cell and r["study"] != "sweep"]


def sequences_seen(n: int, batch_size: int, updates: int) -> int:
    """Training sequences that ``updates`` mini-batch updates of
    :func:`~lstmbook.torch.train.fit` see on ``n`` sequences: each epoch is
    ``ceil(n / batch_size)`` mini-batches, the last one short."""
    per_epoch = -(-n // batch_size)
    return (updates // per_epoch) * n + (updates % per_epoch) * batch_size


def budget(name: str) -> dict[str, Any]:
    """What a shipped run cost: ``updates``, ``sequences`` seen (:func:`sequences_seen`)
    and ``cpu_seconds``, from its registry record."""
    run, record = _run(name), artifacts.record(name)
    n = len(faq_task(run["task"])[0])
    k = record["updates"]
    return {"updates": k, "sequences": sequences_seen(n, run["fit"]["batch_size"], k),
            "cpu_seconds": record["cpu_seconds"]}


def mse(model: nn.Module, x: Any, y: Any) -> float:
    """Mean squared error of ``model`` on ``(x, y)``, in eval mode, without gradients."""
    return evaluate(model, nn.MSELoss(), (x, y))


def test_mse(name: str) -> float:
    """MSE of a shipped model on the held-out split of the task it was trained on."""
    _, _, x_te, y_te = faq_task(_run(name)["task"])
    return mse(trained(name), x_te, y_te)


test_mse.__test__ = False  # a measurement, not a pytest test


@torch.no_grad()
def squared_errors(model: nn.Module, x: Any, y: Any) -> np.ndarray:
    """Per-example squared error of ``model`` on ``(x, y)`` (mean over the outputs), in
    eval mode: the paired losses that :func:`lstmbook.evaluation.diebold_mariano` and
    :func:`lstmbook.evaluation.paired_bootstrap` compare. Their mean is :func:`mse`.

    Returns
    -------
    ndarray (N,), float64
    """
    was_training = model.training
    model.eval()
    try:
        pred = model(torch.as_tensor(np.asarray(x), dtype=torch.float32)).double().numpy()
    finally:
        model.train(was_training)
    err = (pred - np.asarray(y, dtype=np.float64)) ** 2
    return err.reshape(len(err), -1).mean(axis=1)


def _check_paired(names: list[str], who: str) -> None:
    """Refuse runs whose test examples differ: their losses cannot be paired."""
    if not names:
        raise ValueError(f"{who}: no runs given")
    targets = {_run(n)["task"]: faq_task(_run(n)["task"])[3] for n in names}
    first = next(iter(targets.values()))
    for task, y in targets.items():
        if not np.array_equal(y, first):
            raise ValueError(f"{who}: the task {task!r} is tested on other examples than "
                             f"{_run(names[0])['task']!r}; their losses are not paired")


def test_losses(names: str | Sequence[str]) -> np.ndarray:
    """Per-example squared error on the test split of shipped runs, averaged over the runs
    (e.g. the seeds of one setting): one paired loss per test example.

    Runs of different tasks may be averaged or compared only when their test targets are
    the same examples (the sine task and its missing-value and outlier variants are).

    Raises
    ------
    ValueError
        For no runs, or runs whose test examples differ (their losses are not paired).
    """
    names = [names] if isinstance(names, str) else list(names)
    _check_paired(names, "test_losses")
    losses = []
    for n in names:
        _, _, x_te, y_te = faq_task(_run(n)["task"])
        losses.append(squared_errors(trained(n), x_te, y_te))
    return np.mean(losses, axis=0)


test_losses.__test__ = False


def paired_test(names_a: str | Sequence[str], names_b: str | Sequence[str]) -> PairedTest:
    """Does setting A have a lower test error than setting B? Paired over their common test
    examples, each setting's squared errors averaged over its seeds.

    The sine-based tasks' test windows are consecutive one-step forecasts, so they get
    :func:`~lstmbook.evaluation.diebold_mariano`; the adding problem's independent
    sequences get :func:`~lstmbook.evaluation.paired_bootstrap`. ``difference`` < 0: A is
    better.

    Raises
    ------
    ValueError
        If the two settings are not tested on the same examples.
    """
    names_a = [names_a] if isinstance(names_a, str) else list(names_a)
    names_b = [names_b] if isinstance(names_b, str) else list(names_b)
    _check_paired(names_a + names_b, "paired_test")
    a, b = test_losses(names_a), test_losses(names_b)
    if _run(names_a[0])["task"] == "adding":
        return paired_bootstrap(a, b)
    return diebold_mariano(a, b)


def verdict(test: PairedTest, a: str, b: str, alpha: float = 0.05) -> str:
    """The sentence a paired test allows: which of ``a`` and ``b`` has the lower error, and
    by how much, or that the test sample does not tell them apart.

    >>> verdict(PairedTest(-0.002, -3.1, 0.002, -0.003, -0.001), "the GRU", "the LSTM")
    'the GRU has the lower test error, by 0.002; paired test, p = 0.002'
    """
    p = "p < 0.001" if test.p_value < 0.001 else f"p = {test.p_value:.2g}"
    if test.p_value < alpha:
        better = a if test.difference < 0 else b
        return (f"{better} has the lower test error, by {abs(test.difference):.2g}; "
                f"paired test, {p}")
    return f"the test sample does not tell {a} and {b} apart; paired test, {p}"
