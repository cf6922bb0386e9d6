"""Attention heat maps (注意力热图) of the translation page (``book/applications/translation``)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["plot_attention", "plot_attention_grid"]


def plot_attention(
    weights: np.ndarray,
    source: Sequence[str],
    target: Sequence[str],
    *,
    title: str,
    ax: Axes | None = None,
) -> Figure:
    """One heat map: row t is the attention of output token t over the source words.

    Parameters
    ----------
    weights : array (T, S)
        Attention weights, each row summing to 1 (the ``<eos>`` row included if T is one
        more than ``len(target)``).
    source : S source tokens (columns)
    target : T or T - 1 output tokens (rows; a missing last label is ``<eos>``)
    title : str
    ax : Axes, optional
    """
    weights = np.asarray(weights, dtype=float)
    rows = list(target) + ["<eos>"] * (weights.shape[0] - len(target))
    if weights.ndim != 2 or weights.shape != (len(rows), len(source)):
        raise ValueError(
            f"plot_attention: weights of shape {weights.shape} do not fit "
            f"{len(target)} target and {len(source)} source tokens"
        )
    if ax is None:
        fig, ax = plt.subplots(figsize=(0.38 * len(source) + 2.0, 0.3 * len(rows) + 1.6))
    else:
        fig = ax.figure
    image = ax.imshow(weights, cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto")
    ax.set_xticks(range(len(source)), source, rotation=45, ha="right",
                  rotation_mode="anchor", fontsize=9)
    ax.set_yticks(range(len(rows)), rows, fontsize=9)
    ax.set_xlabel("source word (English)")
    ax.set_ylabel("output character (中文)")
    ax.set_title(title, fontsize=10)
    fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02, label="attention weight")
    return fig


def plot_attention_grid(
    maps: Sequence[np.ndarray],
    sources: Sequence[Sequence[str]],
    targets: Sequence[Sequence[str]],
    *,
    titles: Sequence[str],
    suptitle: str,
    width: float = 7.0,
) -> Figure:
    """Several :func:`plot_attention` maps, one per row, in a figure ``width`` inches wide.

    One map per row keeps a long sentence's word labels legible at a book's ~700 px
    column (7 inches at 150 dpi is shown at about two thirds of its size); each map's
    height follows its number of output characters.
    """
    if not len(maps) == len(sources) == len(targets) == len(titles) > 0:
        raise ValueError("plot_attention_grid: give as many maps, sources, targets and titles")
    heights = [m.shape[0] + 6 for m in maps]  # rows plus room for rotated word labels
    fig, axes = plt.subplots(len(maps), 1, figsize=(width, 0.2 * sum(heights) + 0.6),
                             gridspec_kw={"height_ratios": heights}, squeeze=False)
    for ax, w, s, t, title in zip(axes[:, 0], maps, sources, targets, titles, strict=True):
        plot_attention(w, s, t, title=title, ax=ax)
    fig.suptitle(suptitle)
    fig.tight_layout()
    return fig
