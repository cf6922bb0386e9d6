"""The FAQ chapter's shipped runs, loaded: the models ``scripts/train_faq.py`` trained.

The script records every run (task, seed, ``RecurrentNet`` settings, ``fit`` settings) in
the results artifact ``faq/runs`` and the weights as ``faq/<name>``; the three FAQ pages
(``book/faq/basics.ipynb``, ``data.ipynb``, ``training.ipynb``) read them through these
functions. Nothing here trains: the model is :class:`~lstmbook.torch.models.RecurrentNet`,
the loader :func:`lstmbook.io.load_into`, the loss :func:`lstmbook.torch.train.evaluate`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from torch import nn

from lstmbook import artifacts
from lstmbook.data.faq_tasks import faq_task
from lstmbook.io import load_into
from lstmbook.torch.models import RecurrentNet
from lstmbook.torch.train import evaluate

__all__ = ["runs", "trained", "seeds_of", "mse", "test_mse"]


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


def mse(model: nn.Module, x: Any, y: Any) -> float:
    """Mean squared error of ``model`` on ``(x, y)``, in eval mode, without gradients."""
    return evaluate(model, nn.MSELoss(), (x, y))


def test_mse(name: str) -> float:
    """MSE of a shipped model on the held-out split of the task it was trained on."""
    _, _, x_te, y_te = faq_task(_run(name)["task"])
    return mse(trained(name), x_te, y_te)


test_mse.__test__ = False  # a measurement, not a pytest test
