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

from lstmbook.plots.background import MODEL_STYLES, updates_to_solve

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
    short_labels: Mapping[str, str] | None = None,
    ncols: int = 3,
) -> Figure:
    """Validation accuracy (top) and the fraction of seeds solved (bottom) against updates,
    log x, one pair of panels per sequence length T (``ncols`` pairs to a row, so that the
    figure keeps the column's 7.5 inches), one colour per model.

    ``colors`` default to :data:`lstmbook.plots.background.MODEL_STYLES`, so a model has
    the same colour here as in the Background chapter's figures.

    A model that the sweep did not run at a length (its ``skipped`` list: it solved no seed
    at a shorter one) is named under that length's panels, by its ``short_labels`` entry
    (default: its label).
    """
    import matplotlib.pyplot as plt

    settings = result["settings"]
    threshold, budget = settings["thresholds"][task], settings["steps"]
    labels, colors = labels or {}, colors or {}
    short_labels = {**labels, **(short_labels or {})}
    records = [r for r in result["records"] if r["task"] == task and r["model"] in models]
    if not records:
        raise ValueError(f"plot_success_by_updates: no records of {task!r} for {models}")
    lengths = sorted({r["T"] for r in records}
                     | {s["T"] for s in result.get("skipped", []) if s["task"] == task})
    grid = np.unique(np.r_[np.geomspace(settings.get("eval_every", 100), budget, 60), budget])
    ticks = [t for t in (100, 300, 1000, 3000, 10000) if grid[0] * 0.9 <= t <= budget * 1.1]
    ncols = min(ncols, len(lengths))
    blocks = -(-len(lengths) // ncols)
    fig, axes = plt.subplots(2 * blocks, ncols, figsize=(7.5, 3.6 * blocks + 0.8),
                             sharex=True, sharey="row", squeeze=False, layout="constrained")
    for k, T in enumerate(lengths):
        top, bottom = axes[2 * (k // ncols), k % ncols], axes[2 * (k // ncols) + 1, k % ncols]
        not_run = []
        for j, model in enumerate(models):
            color = colors.get(model, MODEL_STYLES.get(model, {}).get("color", f"C{j}"))
            ours = [r for r in records if (r["T"], r["model"]) == (T, model)]
            if not ours:
                not_run.append(short_labels.get(model, model))
                continue
            for r in ours:
                u, a = np.array(r["val_accuracy"], dtype=float).T
                top.plot(u, a, color=color, lw=1, alpha=0.8)
                if updates_to_solve(r) is not None:     # solved; the run stopped here
                    # nested: the first model's dot largest, so that dots at the same
                    # place (several models solved at one evaluation) all show
                    top.plot(u[-1], a[-1], "o", color=color, ms=4 + 2.5 * (len(models) - 1 - j),
                             mec="white", mew=0.6, zorder=3 + j, clip_on=False)
            # wider lines first, so that curves that coincide stay visible as nested bands
            bottom.step(grid, solved_fraction(ours, grid), where="post", color=color,
                        lw=1.2 + 1.2 * (len(models) - 1 - j), alpha=0.85,
                        label=labels.get(model, model) if k == 0 else None)
        top.axhline(threshold, color="0.4", ls=":", lw=1)
        top.set_title(f"T = {T}", fontsize=10)
        if not_run:
            bottom.text(0.0, -0.32, "not run: " + ",\n".join(not_run),
                        transform=bottom.transAxes, va="top", ha="left", fontsize=9,
                        color="0.3")
        for ax in (top, bottom):
            ax.set_xscale("log")
            ax.set_xlim(grid[0] * 0.9, budget * 1.1)
            ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
            ax.xaxis.set_minor_formatter(NullFormatter())
            ax.grid(alpha=0.3, which="both")
            ax.tick_params(labelsize=9)
        bottom.set_ylim(-0.05, 1.05)
        bottom.set_xlabel("updates", fontsize=9)
        bottom.xaxis.set_tick_params(labelbottom=True)
    for k in range(len(lengths), blocks * ncols):  # empty places in the last row
        axes[2 * (k // ncols), k % ncols].set_visible(False)
        axes[2 * (k // ncols) + 1, k % ncols].set_visible(False)
    for b in range(blocks):
        axes[2 * b, 0].set_ylabel("validation\naccuracy", fontsize=9)
        axes[2 * b + 1, 0].set_ylabel(f"share of seeds\nat ≥ {threshold:g}", fontsize=9)
    fig.legend(loc="outside lower center", ncols=min(len(models), 2), fontsize=9)
    return fig
