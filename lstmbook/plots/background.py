"""Figures of the way-in chapters: Background (``book/background``) and Gates (``book/gates``).

* :func:`plot_success_rates` -- accuracy against sequence length, one line per model;
* :func:`plot_success_against_budget` -- the fraction of seeds that have solved a task
  against the sequences seen (log x), with published budgets marked;
  :func:`updates_to_solve` reads one run's record;
* :func:`plot_accuracy_by_lag` -- accuracy against the distance to what must be recalled;
* :func:`plot_gate_traces` -- gates and cell state of chosen units over a piece of text,
  with the characters written under them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import matplotlib.transforms as mtransforms
import numpy as np
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure

from lstmbook.plots import GATE_TITLES

__all__ = ["MODEL_STYLES", "ANCHOR_STYLES", "plot_success_rates", "plot_success_against_budget",
           "updates_to_solve", "plot_accuracy_by_lag", "plot_gate_traces"]

#: Line styles of the published budgets in :func:`plot_success_against_budget`.
ANCHOR_STYLES = ("--", ":", "-.")

#: Points between the lines of two models drawn a little apart (see :func:`_dodged`).
DODGE_POINTS = 2.5


def _dodged(ax: Any, k: int, n: int, *, axis: str) -> Any:
    """The data transform of ``ax`` shifted by ``(k - (n - 1) / 2) * DODGE_POINTS`` points
    along ``axis`` ("x" or "y"): lines that coincide in value are drawn side by side,
    while their data (``get_xdata``/``get_ydata``) stay exact."""
    shift = (k - (n - 1) / 2) * DODGE_POINTS
    dx, dy = (shift, 0.0) if axis == "x" else (0.0, shift)
    return mtransforms.offset_copy(ax.transData, fig=ax.figure, x=dx, y=dy, units="points")


def _dodge(artists: Any, ax: Any, k: int, n: int, *, axis: str) -> None:
    """Shift already-added artists with :func:`_dodged` (after adding them, so that the
    axes' limits were computed from the exact data). A scatter's dots are placed by its
    *offset* transform (its own transform sizes each marker), so that one is shifted."""
    for artist in artists:
        if isinstance(artist, PathCollection):
            artist.set_offset_transform(_dodged(ax, k, n, axis=axis))
        else:
            artist.set_transform(_dodged(ax, k, n, axis=axis))


#: One colour and marker per model across the chapters' figures (Background and Gates).
MODEL_STYLES = {
    "rnn": dict(color="tab:gray", marker="s", label="RNN (tanh)"),
    "lstm-b0": dict(color="tab:orange", marker="v", label="LSTM, PyTorch's default init"),
    "lstm": dict(color="tab:blue", marker="o", label="LSTM, forget bias 1"),
    "lstm-chrono": dict(color="tab:red", marker="P", label="LSTM, chrono init"),
    "lstm-b3": dict(color="tab:purple", marker="D", label="LSTM, forget bias 3"),
    "gru": dict(color="tab:green", marker="^", label="GRU"),
}


def plot_success_rates(
    records: Sequence[Mapping[str, Any]],
    *,
    tasks: Mapping[str, str],
    chance: Mapping[str, float] | None = None,
    title: str = "Memory tasks: held-out accuracy against sequence length",
) -> Figure:
    """Accuracy against T per model, one panel per task: mean over seeds, each seed a dot.

    Parameters
    ----------
    records : sequence of dicts with ``task, T, model, seed, accuracy, solved``
        As written by ``scripts/sweep_memory_tasks.py``.
    tasks : mapping task -> panel title
    chance : mapping task -> accuracy, or (accuracy, label), optional
        A dotted reference line, labelled "guessing" unless a label is given (e.g.
        "always answering 1" for a regression task).
    title : str

    Returns
    -------
    Figure, one Axes per task; each legend entry gives the seeds solved per length. The
    models are drawn side by side, a few points apart along x (:func:`_dodged`), so that
    lines with equal accuracies do not hide one another; the data stay exact.
    """
    if not records:
        raise ValueError("plot_success_rates: no records")
    fig, axes = plt.subplots(len(tasks), 1, figsize=(7.5, 3.3 * len(tasks)), squeeze=False)
    for ax, (task, name) in zip(axes[:, 0], tasks.items(), strict=True):
        rows = [r for r in records if r["task"] == task]
        all_lengths = sorted({r["T"] for r in rows})
        kinds = [k for k in MODEL_STYLES if any(r["model"] == k for r in rows)]
        for kind in kinds:
            style, mine = MODEL_STYLES[kind], [r for r in rows if r["model"] == kind]
            k_dodge = kinds.index(kind)
            lengths = sorted({r["T"] for r in mine})  # a model may stop (the sweep's skip rule)
            acc = [[r["accuracy"] for r in mine if r["T"] == T] for T in lengths]
            solved = [sum(r["solved"] for r in mine if r["T"] == T) for T in lengths]
            n = len(acc[0])
            more = " (not run longer)" if lengths[-1] < all_lengths[-1] else ""
            drawn = ax.plot(
                lengths,
                [np.mean(a) for a in acc],
                color=style["color"],
                marker=style["marker"],
                label=f"{style['label']}:\nsolved " + "/".join(str(s) for s in solved)
                + f" of {n}{more}",
            )
            for T, a in zip(lengths, acc, strict=True):
                drawn.append(ax.scatter([T] * len(a), a, color=style["color"], s=14,
                                        alpha=0.45, lw=0))
            _dodge(drawn, ax, k_dodge, len(kinds), axis="x")
        lengths = all_lengths
        if chance and task in chance:
            level, ref = (chance[task] if isinstance(chance[task], tuple)
                          else (chance[task], "guessing"))
            ax.axhline(level, color="0.3", ls=":", lw=1.2, label=f"{ref} ({level:.2f})")
        ax.set_xscale("log")
        ax.set_xticks(lengths, [str(T) for T in lengths])
        ax.minorticks_off()
        ax.set_title(name, fontsize=10)
        ax.set_ylabel("held-out accuracy", fontsize=9)
        ax.set_xlabel("sequence length T", fontsize=9)
        ax.set_ylim(-0.03, 1.03)
        ax.tick_params(labelsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=9, loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def updates_to_solve(record: Mapping[str, Any]) -> int | None:
    """The updates a sweep run needed to solve its task, or None if it did not.

    A run stops once its *validation* accuracy reaches the threshold; it counts as solved
    when its *test* accuracy does too (``record["solved"]``), and then needed
    ``record["updates"]``."""
    return int(record["updates"]) if record["solved"] else None


def plot_success_against_budget(
    records: Sequence[Mapping[str, Any]],
    *,
    lengths: Mapping[str, int],
    batch_size: int,
    max_updates: int,
    titles: Mapping[str, str] | None = None,
    anchors: Mapping[str, Sequence[tuple[float, str]]] | None = None,
    title: str = "Share of seeds that solved the task against the training budget",
) -> Figure:
    """For each task (one panel) at one length T: the fraction of seeds that have solved it
    (:func:`updates_to_solve`), against the sequences seen (log x), one step curve per
    model.

    Parameters
    ----------
    records : sweep records with ``task, T, model, seed, solved, updates``
    lengths : task -> the T shown
    batch_size : int
        Sequences per update (to turn updates into sequences seen).
    max_updates : int
        The budget of every run (the x axis ends there).
    titles : task -> panel title, optional
    anchors : task -> [(sequences, label), ...], optional
        Published budgets, drawn as vertical lines (dashed, dotted, ...) and named in the
        legend, so that no label covers a curve.

    The models' curves are drawn a few points apart vertically (:func:`_dodged`), so that
    equal shares (often 0) do not hide one another; the data stay exact.
    """
    tasks = list(lengths)
    if not tasks:
        raise ValueError("plot_success_against_budget: no tasks")
    fig, axes = plt.subplots(len(tasks), 1, figsize=(7.5, 3.5 * len(tasks)), squeeze=False,
                             layout="constrained")
    solved_at = [r["updates"] for r in records]
    grid = np.unique(np.r_[np.geomspace(1, max_updates, 400).round().astype(int), solved_at])
    for ax, task in zip(axes[:, 0], tasks, strict=True):
        T = lengths[task]
        kinds = [k for k in MODEL_STYLES
                 if any((r["task"], r["T"], r["model"]) == (task, T, k) for r in records)]
        for kind in kinds:
            style = MODEL_STYLES[kind]
            mine = [r for r in records if (r["task"], r["T"], r["model"]) == (task, T, kind)]
            done = [updates_to_solve(r) for r in mine]
            share = [np.mean([d is not None and d <= k for d in done]) for k in grid]
            drawn = ax.step(grid * batch_size, share, where="post", color=style["color"],
                            label=f"{style['label']} ({sum(d is not None for d in done)}"
                            f"/{len(done)})")
            _dodge(drawn, ax, kinds.index(kind), len(kinds), axis="y")
        for k, (seqs, label) in enumerate((anchors or {}).get(task, [])):
            # named in the legend, not on the plot, so that no label covers a curve
            ax.axvline(seqs, color="0.25", ls=ANCHOR_STYLES[k % len(ANCHOR_STYLES)], lw=1.2,
                       label=f"{label.replace(chr(10), ' ')}: {seqs:,.0f} sequences")
        ax.set_xscale("log")
        ax.set_xlim(batch_size * 100, batch_size * max_updates * 1.3)
        ax.set_ylim(-0.08, 1.08)  # room for the curves drawn apart at 0 and 1
        ax.set_title(f"{(titles or {}).get(task, task)}, T = {T}", fontsize=10)
        ax.set_ylabel("share of seeds solved", fontsize=9)
        ax.set_xlabel(f"training sequences seen ({batch_size} per update, log scale)",
                      fontsize=9)
        ax.tick_params(labelsize=9)
        ax.grid(alpha=0.3)
        # below the panel, so that the plot keeps the full width
        n_entries = len(ax.get_legend_handles_labels()[1])
        ax.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.28),
                  ncol=3 if n_entries <= 6 else 2, frameon=False)
    fig.suptitle(f"{title}\n(equal curves are drawn a little apart)", fontsize=11)
    return fig


def plot_accuracy_by_lag(
    lags: Any,
    correct: Mapping[str, Any],
    *,
    window: int | None = None,
    chance: float | None = None,
    title: str = "Recall accuracy against the distance to the target",
    colors: Sequence[str | None] | None = None,
) -> Figure:
    """Accuracy at each lag, one line per model.

    Parameters
    ----------
    lags : array (N,) int
        The lag of each test sequence.
    correct : mapping label -> array (N,) bool
        Whether each model answered each sequence right.
    window : int, optional
        A feed-forward model's window: a shaded band marks the lags it can see.
    chance : float, optional
    title : str
    colors : one colour per entry of ``correct`` (None: the next default), optional
        E.g. from :data:`MODEL_STYLES`, so that a model keeps its colour across chapters.

    Returns
    -------
    Figure. The models are drawn a few points apart vertically (:func:`_dodged`), so that
    equal accuracies (often 1) do not hide one another; the data stay exact.
    """
    lags = np.asarray(lags)
    colors = list(colors) if colors is not None else [None] * len(correct)
    if len(colors) != len(correct):
        raise ValueError(f"plot_accuracy_by_lag: {len(colors)} colours for {len(correct)} "
                         "models")
    values = np.unique(lags)
    fig, ax = plt.subplots(figsize=(7.0, 4.6))
    n = len(correct)
    for k, ((label, ok), color) in enumerate(zip(correct.items(), colors, strict=True)):
        ok = np.asarray(ok, dtype=float)
        # a few points apart, so that curves that coincide stay visible side by side
        drawn = ax.plot(values, [ok[lags == v].mean() for v in values], marker=".",
                        label=label, color=color, lw=1.8, ms=5)
        _dodge(drawn, ax, k, n, axis="y")
    if window is not None:
        ax.axvspan(
            values.min() - 0.5,
            window - 0.5,
            color="tab:orange",
            alpha=0.08,
            label=f"inside the window of {window} steps",
        )
    if chance is not None:
        ax.axhline(chance, color="0.4", ls=":", lw=1, label="guessing")
    ax.set(
        title=title,
        xlabel="lag: steps between the target and the answer\n"
               "(equal curves are drawn a little apart)",
        ylabel="test accuracy",
        ylim=(0, 1.05),
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2, frameon=False)
    fig.tight_layout()
    return fig


def plot_gate_traces(
    activations: Mapping[str, Any],
    text: str,
    unit: int,
    *,
    keys: Sequence[str] = ("i", "f", "o", "c", "h"),
    extra: Mapping[str, Any] | None = None,
    title: str | None = None,
) -> Figure:
    """One unit's gates and states over a piece of text, one heat strip per key.

    Parameters
    ----------
    activations : mapping key -> array (T, H)
        Time-major, one sequence (e.g. :func:`lstmbook.numpy.reference.lstm_sequence`
        output with the batch axis taken).
    text : str of length T
        Written under the strips, one character per column.
    unit : int
        Which hidden unit to show.
    keys : keys of ``activations`` to draw
    extra : mapping label -> array (T,), optional
        Further strips drawn first (e.g. the target the network was trained on).
    title : str, optional

    Returns
    -------
    Figure. Gate strips (keys ending in "gate i/f/o") share one sequential colour scale,
    0 to 1; a strip with no negative value (a count) is sequential from 0 to its largest
    value; a signed strip is coloured by a diverging map symmetric around 0 up to its
    largest absolute value. Each strip's actual range is printed at its right.
    """
    T = len(text)
    rows = list((extra or {}).items()) + [
        (GATE_TITLES.get(k, k), np.asarray(activations[k])[:, unit]) for k in keys
    ]
    for name, v in rows:
        if np.shape(v) != (T,):
            raise ValueError(
                f"plot_gate_traces: {name!r} has shape {np.shape(v)}, text has {T} characters"
            )
    fig, axes = plt.subplots(
        len(rows), 1, figsize=(min(0.095 * T + 2.6, 7.5), 0.5 * len(rows) + 1.0), sharex=True
    )
    for ax, (name, v) in zip(axes, rows, strict=True):
        v = np.asarray(v, dtype=float)
        gate = name.endswith("gate i") or name.endswith("gate f") or name.endswith("gate o")
        if gate:                                  # values in [0, 1]: one sequential scale
            cmap, lo, hi = "viridis", 0.0, 1.0
        elif v.min() >= 0:                        # counts and the like: sequential from 0
            cmap, lo, hi = "Greys", 0.0, v.max() or 1.0
        else:                                     # signed values: diverging around 0
            cmap, lo, hi = "RdBu_r", -np.abs(v).max(), np.abs(v).max()
        ax.imshow(v[None, :], aspect="auto", cmap=cmap, vmin=lo, vmax=hi)
        ax.set_yticks([0], [name], fontsize=9)
        ax.text(T - 0.3, 0, f" [{v.min():.2f}, {v.max():.2f}]", va="center", ha="left", fontsize=9)
    axes[-1].set_xticks(
        range(T),
        [repr(ch)[1:-1] if ch != " " else "␣" for ch in text],
        fontsize=9,
        family="monospace",
    )
    axes[-1].tick_params(axis="x", length=0)
    axes[0].set_title(title or f"Unit {unit} over the text (characters below)", fontsize=10)
    fig.tight_layout()
    return fig
