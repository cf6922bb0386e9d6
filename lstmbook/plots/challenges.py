"""Figures of the challenges chapter (book/challenges): memory and time of BPTT,
attributions over time, and LSTM against Transformer time per sequence length.

Every function titles and labels its axes and returns the figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

import lstmbook.plots  # noqa: F401  (the book's figure style)

__all__ = ["plot_memory_and_time", "plot_attributions", "plot_time_vs_length"]


def _ticks_at(ax, T: Sequence[int]) -> None:
    """Log-scale x axis labelled exactly at the measured lengths (16, 64, …), no minor labels."""
    ax.set_xscale("log")
    ax.set_xticks(list(T), [str(t) for t in T])
    ax.xaxis.set_minor_locator(plt.NullLocator())


def plot_memory_and_time(
    T: Sequence[int],
    memory: Mapping[str, Sequence[float]],
    time_s: Mapping[str, Sequence[float]],
    *,
    title: str = "BPTT: stored activations and time against T",
    memory_label: str = "memory kept for backward (MiB)",
) -> Figure:
    """Two panels sharing the T axis: memory (MiB) and time (ms) per curve (name -> values).

    ``memory_label`` names what the memory curves measure (the left panel's y axis).

    Seven inches wide, so that its labels stay legible in the book's column; both axes
    logarithmic (a straight line of slope 1 is linear growth, 1/2 is √T), a tick at each
    measured length.
    """
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(7.0, 3.2), layout="constrained")
    for name, values in memory.items():
        ax1.plot(T, np.asarray(values) / 2**20, "o-", label=name)
    for name, values in time_s.items():
        ax2.plot(T, 1e3 * np.asarray(values), "o-", label=name)
    ax1.set(xlabel="sequence length T", ylabel=memory_label, title="memory 内存")
    ax2.set(xlabel="sequence length T", ylabel="forward + backward (ms)", title="time 时间")
    for ax in (ax1, ax2):
        ax.set_yscale("log")
        _ticks_at(ax, T)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3, which="both")
    fig.suptitle(title)
    return fig


def plot_attributions(
    x: np.ndarray,
    maps: Mapping[str, np.ndarray],
    marked: np.ndarray | None = None,
    *,
    title: str = "Attribution per time step",
) -> Figure:
    """One row per method: the per-step attribution (T,) of one example as bars.

    Parameters
    ----------
    x : ndarray (T, I)
        The example; channel 0 is drawn as a grey line on the first panel.
    maps : mapping name -> ndarray (T,)
    marked : bool ndarray (T,), optional
        Steps that carry the answer; their bars are drawn in red.
    """
    T = len(x)
    fig, axes = plt.subplots(len(maps) + 1, 1, figsize=(7.0, 1.3 * (len(maps) + 1)),
                             sharex=True, layout="constrained")
    steps = np.arange(T)
    colours = np.where(np.zeros(T, bool) if marked is None else marked, "tab:red", "tab:blue")
    axes[0].bar(steps, x[:, 0], color=colours)
    axes[0].set_ylabel("input", fontsize=8)
    axes[0].set_title(title)
    for ax, (name, values) in zip(axes[1:], maps.items(), strict=True):
        ax.bar(steps, values, color=colours)
        ax.axhline(0, color="k", lw=0.5)
        ax.set_ylabel(name, fontsize=8)
    axes[-1].set_xlabel("time step t (red: marked steps)")
    return fig


def plot_time_vs_length(
    T: Sequence[int],
    times: Mapping[str, Sequence[float]],
    *,
    title: str = "Time of one forward pass against sequence length",
) -> Figure:
    """Log-log time (ms) against T, one line per model."""
    fig, ax = plt.subplots(figsize=(6.0, 3.6), layout="constrained")
    for name, values in times.items():
        ax.loglog(T, 1e3 * np.asarray(values), "o-", label=name)
    ax.set(xlabel="sequence length T", ylabel="time (ms)", title=title)
    _ticks_at(ax, T)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    return fig
