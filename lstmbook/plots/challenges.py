"""Figures of the challenges chapter (book/challenges): memory and time of BPTT,
attributions over time, LSTM against Transformer time per sequence length, test error
against bits per weight (compression), learning curves of teacher and students
(distillation), and the per-parameter differences and the loss curves of training runs
(distributed).

Every function titles and labels its axes and returns the figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

import lstmbook.plots  # noqa: F401  (the book's figure style)

__all__ = [
    "plot_memory_and_time",
    "plot_attributions",
    "plot_time_vs_length",
    "plot_error_against_bits",
    "plot_learning_curves",
    "plot_parameter_differences",
    "plot_loss_agreement",
]


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


def plot_error_against_bits(
    bits: Sequence[int],
    errors: Mapping[str, Sequence[float]],
    *,
    reference: tuple[str, float] | None = None,
    title: str = "Test error against bits per weight",
    ylabel: str = "test error rate",
) -> Figure:
    """Test error (y, logarithmic) against the bits stored per weight (x), one line per
    quantization scheme (name -> one error per entry of ``bits``).

    ``reference`` = (label, error): the unquantized model, drawn as a dashed line.
    """
    fig, ax = plt.subplots(figsize=(6.4, 3.6), layout="constrained")
    for (name, values), marker in zip(errors.items(), "osD^v", strict=False):
        ax.plot(bits, values, marker=marker, label=name)
    if reference is not None:
        ax.axhline(reference[1], color="k", ls="--", lw=1, label=reference[0])
    ax.set_yscale("log")
    shown = [v for vs in errors.values() for v in vs if v > 0]
    if reference is not None and reference[1] > 0:
        shown.append(reference[1])
    ticks = [t for t in (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
             if min(shown) / 1.5 <= t <= max(shown) * 1.5]
    ax.set_yticks(ticks, [f"{t:g}" for t in ticks])
    ax.yaxis.set_minor_formatter(plt.NullFormatter())
    ax.set_xticks(list(bits), [str(b) for b in bits])
    ax.set(xlabel="bits per weight code (the scales not counted)", ylabel=ylabel,
           title=title)
    ax.legend(fontsize=9)
    ax.grid(alpha=0.3, which="both")
    return fig


def plot_learning_curves(
    epochs: Sequence[int],
    curves: Mapping[str, Any],
    *,
    title: str = "Learning curves",
    ylabel: str = "test accuracy",
    xlabel: str = "epoch",
) -> Figure:
    """One colour per model: every run (seed) as a thin line, their mean as a thick one.

    Parameters
    ----------
    epochs : sequence (E,)
        The x values, shared by every run.
    curves : mapping name -> array (runs, E) or (E,)
        A 1-D array is one run.
    """
    fig, ax = plt.subplots(figsize=(6.4, 3.6), layout="constrained")
    for k, (name, values) in enumerate(curves.items()):
        runs = np.atleast_2d(np.asarray(values, dtype=float))
        if runs.shape[1] != len(epochs):
            raise ValueError(
                f"plot_learning_curves: {name!r} has {runs.shape[1]} points, "
                f"epochs has {len(epochs)}"
            )
        colour = f"C{k}"
        if len(runs) > 1:
            for run in runs:
                ax.plot(epochs, run, color=colour, lw=0.8, alpha=0.45)
        label = name if len(runs) == 1 else f"{name} (mean of {len(runs)} seeds)"
        ax.plot(epochs, runs.mean(axis=0), color=colour, lw=2.2, label=label)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.legend(fontsize=9)
    ax.grid(alpha=0.3)
    return fig


def plot_parameter_differences(
    differences: Mapping[str, Any],
    *,
    tolerance: float | None = None,
    eps: float | None = None,
    title: str = "Per-parameter difference from the one-process run",
) -> Figure:
    """Histograms of ``|difference|`` per parameter on a logarithmic x axis, one per
    comparison (name -> array of differences, any shape).

    Exact zeros cannot sit on a log axis: they are counted in the legend instead.
    ``tolerance`` and ``eps`` (float32's machine epsilon) are drawn as vertical lines.
    """
    arrays = {k: np.abs(np.asarray(v, dtype=float)).ravel() for k, v in differences.items()}
    nonzero = np.concatenate([a[a > 0] for a in arrays.values()])
    if nonzero.size == 0:
        raise ValueError("plot_parameter_differences: every difference is exactly zero")
    marks = [m for m in (tolerance, eps) if m is not None]
    lo = np.log10(min(nonzero.min(), *marks)) - 0.5
    hi = np.log10(max(nonzero.max(), *marks)) + 0.5
    edges = np.logspace(lo, hi, 40)
    fig, ax = plt.subplots(figsize=(6.4, 4.0), layout="constrained")
    for name, a in arrays.items():
        zeros = int((a == 0).sum())
        label = name if zeros == 0 else f"{name} ({zeros:,} exactly 0)"
        ax.hist(a[a > 0], bins=edges, alpha=0.6, label=label)
    if tolerance is not None:
        ax.axvline(tolerance, color="k", ls="--", lw=1, label=f"tolerance {tolerance:g}")
    if eps is not None:
        ax.axvline(eps, color="k", ls=":", lw=1, label=f"float32 ε = {eps:.1e}")
    ax.set_xscale("log")
    ax.set(xlabel="|difference| per parameter", ylabel="number of parameters", title=title)
    fig.legend(loc="outside lower center", ncols=2, fontsize=9)
    ax.grid(alpha=0.3, which="major")
    return fig


def plot_loss_agreement(
    losses: Mapping[str, Any],
    reference: str,
    *,
    title: str = "Training loss, one process and two",
) -> Figure:
    """Loss curves of several runs (top) and each run's distance from ``reference``
    (bottom), both on logarithmic y axes.

    Parameters
    ----------
    losses : mapping name -> array (U,)
        The loss at every update; all of the same length.
    reference : str
        The name of the run the others are compared with.
    """
    curves = {k: np.asarray(v, dtype=float).ravel() for k, v in losses.items()}
    if reference not in curves:
        raise ValueError(
            f"plot_loss_agreement: reference {reference!r} is not one of "
            f"{sorted(curves)}"
        )
    lengths = {len(v) for v in curves.values()}
    if len(lengths) != 1:
        raise ValueError(
            f"plot_loss_agreement: runs of different lengths {sorted(lengths)}"
        )
    updates = np.arange(1, lengths.pop() + 1)
    ref = curves[reference]
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(6.4, 5.2), sharex=True, layout="constrained",
        height_ratios=(3, 2),
    )
    styles = ["-", "--", "-."]
    for k, (name, loss) in enumerate(curves.items()):
        top.plot(updates, loss, color=f"C{k}", ls=styles[k % 3], lw=1.6,
                 label=name)
        if name != reference:
            gap = np.abs(loss - ref)
            shown = np.where(gap > 0, gap, np.nan)  # exact zeros: not on a log axis
            bottom.plot(updates, shown, color=f"C{k}", ls=styles[k % 3],
                        lw=1.4, label=name)
    top.set(yscale="log", ylabel="loss (MSE)", title=title)
    top.legend(fontsize=9)
    bottom.set(yscale="log", xlabel="update",
               ylabel=f"|loss − {reference}|")
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
    return fig
