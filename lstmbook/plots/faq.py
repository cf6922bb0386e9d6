"""Figures of the FAQ chapter (``book/faq/``): runs over seeds, and per-step importance."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from lstmbook.evaluation import mean_and_spread

from . import _figure

__all__ = ["plot_seed_runs", "plot_step_importance"]


def plot_seed_runs(
    runs: Mapping[str, Sequence[float]],
    *,
    title: str,
    ylabel: str,
    baseline: tuple[str, float] | None = None,
    logy: bool = False,
    ax: Axes | None = None,
) -> Figure:
    """One bar per setting at the mean of its seeds, the seeds as dots, ± one sample standard
    deviation (:func:`lstmbook.evaluation.mean_and_spread`) as an error bar; a setting with a
    single seed gets no error bar.

    Parameters
    ----------
    runs : mapping label -> values (one per seed)
    title, ylabel : str
    baseline : (label, value), optional
        Drawn as a dashed horizontal line (e.g. the MSE of predicting the mean).
    logy : bool
    ax : Axes, optional
    """
    if not runs:
        raise ValueError("plot_seed_runs: no runs given")
    fig, ax = _figure(ax, (6.4, 3.6))
    labels = list(runs)
    for k, label in enumerate(labels):
        v = np.asarray(runs[label], dtype=float).ravel()
        mean, spread = mean_and_spread(v) if v.size > 1 else (float(v.mean()), None)
        ax.bar(k, mean, color="tab:blue", alpha=0.55, yerr=spread, capsize=4)
        ax.plot(np.full(v.size, k), v, "o", color="black", ms=3.5)
    if baseline is not None:
        ax.axhline(baseline[1], color="tab:red", ls="--", label=baseline[0])
        ax.legend(fontsize="small")
    ax.set_xticks(range(len(labels)), labels, rotation=15 if len(labels) > 4 else 0)
    if logy:
        ax.set_yscale("log")
        # label 1, 2 and 5 of every decade, as plain numbers: a log axis with labels
        # only at the powers of ten is hard to read when it spans one or two decades
        ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set(title=title, ylabel=ylabel)
    ax.grid(alpha=0.3, axis="y")
    return fig


def plot_step_importance(
    importance: Any,
    marked: Sequence[int] = (),
    *,
    title: str,
    ylabel: str = "change of the prediction",
    ax: Axes | None = None,
) -> Figure:
    """Importance of each input step as bars, the steps in ``marked`` highlighted.

    Parameters
    ----------
    importance : array (T,)
    marked : step indices to colour (e.g. the positions that hold the answer)
    """
    imp = np.asarray(importance, dtype=float)
    if imp.ndim != 1:
        raise ValueError(f"importance: expected shape (T,), got {imp.shape}")
    fig, ax = _figure(ax, (6.4, 3.2))
    colours = ["tab:orange" if t in set(marked) else "tab:blue" for t in range(imp.size)]
    ax.bar(np.arange(imp.size), imp, color=colours)
    ax.set(title=title, xlabel="input step t", ylabel=ylabel)
    ax.grid(alpha=0.3, axis="y")
    return fig
