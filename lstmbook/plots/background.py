"""Figures of the way-in chapters: Background (``book/background``) and Gates (``book/gates``).

* :func:`plot_success_rates` -- accuracy against sequence length, one line per model;
* :func:`plot_accuracy_by_lag` -- accuracy against the distance to what must be recalled;
* :func:`plot_gate_traces` -- gates and cell state of chosen units over a piece of text,
  with the characters written under them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from lstmbook.plots import GATE_TITLES

__all__ = ["MODEL_STYLES", "plot_success_rates", "plot_accuracy_by_lag", "plot_gate_traces"]

#: One colour and marker per model across the chapters' figures.
MODEL_STYLES = {
    "rnn": dict(color="tab:gray", marker="s", label="RNN (tanh)"),
    "lstm": dict(color="tab:blue", marker="o", label="LSTM, forget bias 1"),
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
    chance : mapping task -> accuracy of guessing, optional (a dotted line)
    title : str

    Returns
    -------
    Figure, one Axes per task; each legend entry gives the seeds solved per length.
    """
    if not records:
        raise ValueError("plot_success_rates: no records")
    fig, axes = plt.subplots(
        len(tasks), 1, figsize=(7.5, 3.3 * len(tasks)), squeeze=False, sharex=True
    )
    for ax, (task, name) in zip(axes[:, 0], tasks.items(), strict=True):
        rows = [r for r in records if r["task"] == task]
        lengths = sorted({r["T"] for r in rows})
        for kind, style in MODEL_STYLES.items():
            mine = [r for r in rows if r["model"] == kind]
            if not mine:
                continue
            acc = [[r["accuracy"] for r in mine if r["T"] == T] for T in lengths]
            solved = [sum(r["solved"] for r in mine if r["T"] == T) for T in lengths]
            n = len(acc[0])
            ax.plot(
                lengths,
                [np.mean(a) for a in acc],
                color=style["color"],
                marker=style["marker"],
                label=f"{style['label']}:\nsolved " + "/".join(str(s) for s in solved) + f" of {n}",
            )
            for T, a in zip(lengths, acc, strict=True):
                ax.scatter([T] * len(a), a, color=style["color"], s=14, alpha=0.45, lw=0)
        if chance and task in chance:
            ax.axhline(
                chance[task], color="0.3", ls=":", lw=1.2, label=f"guessing ({chance[task]:.2f})"
            )
        ax.set_xscale("log")
        ax.set_xticks(lengths, [str(T) for T in lengths])
        ax.minorticks_off()
        ax.set_title(name, fontsize=10)
        ax.set_ylabel("held-out accuracy", fontsize=9)
        ax.set_ylim(-0.03, 1.03)
        ax.tick_params(labelsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=9, loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False)
    axes[-1, 0].set_xlabel("sequence length T", fontsize=9)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def plot_accuracy_by_lag(
    lags: Any,
    correct: Mapping[str, Any],
    *,
    window: int | None = None,
    chance: float | None = None,
    title: str = "Recall accuracy against the distance to the target",
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

    Returns
    -------
    Figure
    """
    lags = np.asarray(lags)
    values = np.unique(lags)
    fig, ax = plt.subplots(figsize=(7.0, 4.6))
    for label, ok in correct.items():
        ok = np.asarray(ok, dtype=float)
        ax.plot(values, [ok[lags == v].mean() for v in values], marker=".", label=label)
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
        xlabel="lag: steps between the target and the answer",
        ylabel="test accuracy",
        ylim=(0, 1.05),
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False)
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
    Figure. Gate strips (keys ending in "gate i/f/o") share one absolute colour scale,
    0 to 1; every other strip is coloured symmetrically around 0 up to its own largest
    absolute value. Each strip's actual range is printed at its right.
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
        lo, hi = (0.0, 1.0) if gate else (-np.abs(v).max(), np.abs(v).max())
        ax.imshow(
            v[None, :],
            aspect="auto",
            cmap="RdBu_r" if not gate else "viridis",
            vmin=lo,
            vmax=hi or 1.0,
        )
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
