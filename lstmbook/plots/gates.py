"""Figures of the Gates chapter (``book/gates/index.ipynb``): what the forget-gate bias
does to learning a lag, read from the memory sweep's records
(``lstmbook.artifacts.load("background/memory_sweep")``, written by
``scripts/sweep_memory_tasks.py``).

A record is one run: ``{task, T, model, seed, solved, updates, val_accuracy: [[update,
accuracy], ...]}``; the sweep's ``settings`` hold the budget (``steps``) and the accuracy
that counts as solving each task (``thresholds``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from lstmbook.plots.background import updates_to_solve

__all__ = ["solved_fraction", "plot_success_by_updates"]


def solved_fraction(records: Sequence[Mapping[str, Any]], updates: Iterable[float]) -> np.ndarray:
    """For every budget ``u`` in ``updates``, the fraction of ``records`` solved within ``u``
    updates (:func:`lstmbook.plots.background.updates_to_solve`: test accuracy at the
    threshold, after the updates the run stopped at)."""
    if not records:
        raise ValueError("solved_fraction: no records")
    firsts = [updates_to_solve(r) for r in records]
    return np.array([np.mean([f is not None and f <= u for f in firsts]) for u in updates])


def plot_success_by_updates(
    result: Mapping[str, Any],
    task: str,
    models: Sequence[str],
    *,
    labels: Mapping[str, str] | None = None,
    colors: Mapping[str, str] | None = None,
) -> Figure:
    """Validation accuracy (top) and the fraction of seeds solved (bottom) against updates,
    log x, one column per sequence length T, one colour per model.

    A model that the sweep did not run at a length (its ``skipped`` list: it solved no seed
    at a shorter one) is named in that column.
    """
    import matplotlib.pyplot as plt

    settings = result["settings"]
    threshold, budget = settings["thresholds"][task], settings["steps"]
    labels, colors = labels or {}, colors or {}
    records = [r for r in result["records"] if r["task"] == task and r["model"] in models]
    if not records:
        raise ValueError(f"plot_success_by_updates: no records of {task!r} for {models}")
    lengths = sorted({r["T"] for r in records}
                     | {s["T"] for s in result.get("skipped", []) if s["task"] == task})
    grid = np.unique(np.r_[np.geomspace(settings.get("eval_every", 100), budget, 60), budget])
    ticks = [t for t in (100, 300, 1000, 3000, 10000) if grid[0] * 0.9 <= t <= budget * 1.1]
    fig, axes = plt.subplots(2, len(lengths), figsize=(1.9 * len(lengths) + 1.2, 4.6),
                             sharex=True, sharey="row", squeeze=False, layout="constrained")
    for col, T in enumerate(lengths):
        top, bottom = axes[0, col], axes[1, col]
        not_run = []
        for k, model in enumerate(models):
            color = colors.get(model, f"C{k}")
            ours = [r for r in records if (r["T"], r["model"]) == (T, model)]
            if not ours:
                not_run.append(labels.get(model, model))
                continue
            for r in ours:
                u, a = np.array(r["val_accuracy"], dtype=float).T
                top.plot(u, a, color=color, lw=1, alpha=0.8)
                first = updates_to_solve(r)
                if first is not None:                  # solved; the run stopped here: mark it
                    top.plot(u[-1], a[-1], "o", color=color, ms=4, alpha=0.8)
            # wider lines first, so that curves that coincide stay visible as nested bands
            bottom.step(grid, solved_fraction(ours, grid), where="post", color=color,
                        lw=1.2 + 1.2 * (len(models) - 1 - k), alpha=0.85,
                        label=labels.get(model, model) if col == 0 else None)
        top.axhline(threshold, color="0.4", ls=":", lw=1)
        top.set_title(f"T = {T}", fontsize=9)
        if not_run:
            bottom.text(0.03, 0.97, "not run:\n" + "\n".join(not_run), transform=bottom.transAxes,
                        va="top", fontsize=7, color="0.3")
        for ax in (top, bottom):
            ax.set_xscale("log")
            ax.set_xlim(grid[0] * 0.9, budget * 1.1)
            ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
            ax.xaxis.set_minor_formatter(NullFormatter())
            ax.grid(alpha=0.3, which="both")
            ax.tick_params(labelsize=8)
        bottom.set_ylim(-0.05, 1.05)
        bottom.set_xlabel("updates", fontsize=8)
    axes[0, 0].set_ylabel("validation accuracy", fontsize=8)
    axes[1, 0].set_ylabel(f"share of seeds at ≥ {threshold:g}", fontsize=8)
    fig.legend(loc="outside lower center", ncols=len(models), fontsize=8)
    return fig
