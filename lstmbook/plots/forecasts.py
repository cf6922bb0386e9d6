"""Figures of the forecasting pages (book/applications/evaluation and forecasting).

Every function titles and labels its axes and returns the figure; ``ax=`` draws into an
existing one where a single axes is drawn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

import lstmbook.plots  # noqa: F401  (the book's figure style)
from lstmbook.evaluation import TimeSplit

__all__ = [
    "BLOCK_COLOURS",
    "plot_split",
    "plot_fills",
    "plot_forecasts",
    "plot_error_by_horizon",
    "plot_learning_curves",
    "plot_search",
]

#: Background colours of the train / validation / test blocks.
BLOCK_COLOURS = {"train": "tab:blue", "validation": "tab:orange", "test": "tab:red"}


def _axes(ax: Axes | None, figsize=(7.0, 3.2)) -> tuple[Figure, Axes]:
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
        return fig, ax
    return ax.figure, ax


def plot_split(
    index, values, split: TimeSplit, *, title: str, ylabel: str, ax: Axes | None = None
) -> Figure:
    """The series with its train / validation / test blocks shaded in time order."""
    fig, ax = _axes(ax)
    index = np.asarray(index)
    ax.plot(index, values, color="black", lw=0.8)
    for (name, colour), block in zip(BLOCK_COLOURS.items(), (split.train, split.val, split.test),
                                     strict=True):
        ax.axvspan(index[block.start], index[block.stop - 1], color=colour, alpha=0.15,
                   label=f"{name} ({block.stop - block.start})")
    ax.set(title=title, xlabel="time", ylabel=ylabel)
    ax.legend(loc="upper left", fontsize="small")
    return fig


def plot_fills(index, original, fills: Mapping[str, np.ndarray], *, title: str, ylabel: str,
               ax: Axes | None = None) -> Figure:
    """Observed values (dots) and each filling method's values over the gaps (lines)."""
    fig, ax = _axes(ax)
    ax.plot(index, original, "o", ms=3, color="black", label="observed")
    for name, filled in fills.items():
        ax.plot(index, filled, lw=1.2, label=name)
    ax.set(title=title, xlabel="time", ylabel=ylabel)
    ax.legend(fontsize="small")
    return fig


def plot_forecasts(
    index, truth, forecasts: Mapping[str, np.ndarray], *, title: str, ylabel: str,
    interval: tuple[np.ndarray, np.ndarray] | None = None, interval_label: str = "interval",
    ax: Axes | None = None,
) -> Figure:
    """The truth and one line per forecast; an optional shaded prediction interval."""
    fig, ax = _axes(ax)
    ax.plot(index, truth, color="black", lw=1.6, label="truth")
    if interval is not None:
        ax.fill_between(index, interval[0], interval[1], color="tab:blue", alpha=0.2,
                        label=interval_label)
    for name, pred in forecasts.items():
        ax.plot(index, pred, lw=1.1, label=name)
    ax.set(title=title, xlabel="time", ylabel=ylabel)
    ax.legend(fontsize="small")
    return fig


def plot_error_by_horizon(
    curves: Mapping[str, np.ndarray], *, title: str, ylabel: str = "MASE",
    spreads: Mapping[str, np.ndarray] | None = None, ax: Axes | None = None,
    legend: bool = True,
) -> Figure:
    """Error against forecast horizon, one line per model; ± spread bands where given.

    ``legend=False`` leaves the legend out (for panels that share one ``fig.legend``).
    """
    fig, ax = _axes(ax, (6.0, 3.4))
    for name, curve in curves.items():
        h = np.arange(1, len(curve) + 1)
        (line,) = ax.plot(h, curve, marker="o", ms=3, label=name)
        if spreads and name in spreads:
            ax.fill_between(h, curve - spreads[name], curve + spreads[name],
                            color=line.get_color(), alpha=0.2)
    ax.set(title=title, xlabel="horizon h (steps ahead)", ylabel=ylabel)
    if legend:
        ax.legend(fontsize="small")
    return fig


def plot_learning_curves(train_loss: Sequence[float], val_loss: Sequence[float],
                         best_epoch: int, *, title: str, ax: Axes | None = None) -> Figure:
    """Training and validation loss per epoch, with the early-stopping epoch marked.

    Epochs are counted from 1, ``best_epoch`` too, as
    :attr:`lstmbook.torch.forecast.FitResult.best_epoch` counts it.
    """
    fig, ax = _axes(ax, (6.0, 3.4))
    epochs = np.arange(1, len(train_loss) + 1)
    ax.plot(epochs, train_loss, label="train")
    ax.plot(epochs, val_loss, label="validation")
    ax.axvline(best_epoch, color="grey", ls="--", label=f"best epoch ({best_epoch})")
    ax.set(title=title, xlabel="epoch", ylabel="MSE (scaled)", yscale="log")
    ax.legend(fontsize="small")
    return fig


def plot_search(grid: Sequence[Mapping], randoms: Sequence[Sequence[Mapping]], *,
                title: str) -> Figure:
    """Grid vs random search: tried configurations (left), best loss so far (right).

    7.2 in wide (legible in a ~700 px column); legends sit below the panels, outside the
    data, and the hidden-size axis is labelled at 4, 16 and 64.
    """
    fig, (a, b) = plt.subplots(1, 2, figsize=(7.2, 3.6), layout="constrained")
    everything = [t["val_loss"] for t in grid] + [t["val_loss"] for r in randoms for t in r]
    vmin, vmax = min(everything), np.quantile(everything, 0.9)
    kw = dict(cmap="viridis_r", vmin=vmin, vmax=vmax, edgecolor="black", s=45)
    a.scatter([t["lr"] for t in grid], [t["hidden_size"] for t in grid],
              c=[t["val_loss"] for t in grid], marker="s", label="grid", **kw)
    sc = a.scatter([t["lr"] for t in randoms[0]], [t["hidden_size"] for t in randoms[0]],
                   c=[t["val_loss"] for t in randoms[0]], marker="o", label="random (run 1)",
                   **kw)
    fig.colorbar(sc, ax=a, label="validation loss")
    a.set(xscale="log", yscale="log", xlabel="learning rate", ylabel="hidden size",
          title="configurations tried")
    a.set_ylim(1.6, 90)  # sizes are drawn from [2, 64]: keep the markers inside
    a.set_yticks([4, 16, 64], labels=["4", "16", "64"])
    a.yaxis.set_minor_locator(plt.NullLocator())
    _legend_below(a, ncols=2)
    trials = np.arange(1, len(grid) + 1)
    b.plot(trials, np.minimum.accumulate([t["val_loss"] for t in grid]), marker="s",
           label="grid", color="black")
    for k, run in enumerate(randoms):
        b.plot(np.arange(1, len(run) + 1), np.minimum.accumulate([t["val_loss"] for t in run]),
               marker="o", alpha=0.8, label=f"random, run {k + 1}")
    b.set(xlabel="trials", ylabel="best validation loss so far", title="same budget")
    _legend_below(b, ncols=2)
    fig.suptitle(title)
    return fig


def _legend_below(ax: Axes, ncols: int) -> None:
    """A legend under the axes' x label, where it cannot cover data."""
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncols=ncols, fontsize="small",
              frameon=False)
