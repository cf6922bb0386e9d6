"""Figures of the digits page (``book/applications/digits.ipynb``): a confusion matrix and a
grid of generated digits, one column per class."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from . import _figure

__all__ = ["plot_confusion_matrix", "plot_digit_samples"]


def plot_confusion_matrix(
    counts: Any,
    *,
    title: str,
    class_names: Sequence[str] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """A confusion matrix (混淆矩阵): rows the true class, columns the predicted one.

    Each cell shows its count; the colour is the share of the row (so a class with few
    examples is as visible as one with many). The diagonal holds the correct answers.

    Parameters
    ----------
    counts : array (C, C) of non-negative numbers
        Entry (i, j): examples of class i predicted as j (summed over seeds, if several).
    title : str
    class_names : C strings, optional (default "0" .. "C-1")
    ax : Axes, optional
    """
    m = np.asarray(counts, dtype=float)
    if m.ndim != 2 or m.shape[0] != m.shape[1] or m.size == 0:
        raise ValueError(f"plot_confusion_matrix: expected a square (C, C) array, got {m.shape}")
    if (m < 0).any() or not np.isfinite(m).all():
        raise ValueError("plot_confusion_matrix: counts must be finite and non-negative")
    c = len(m)
    names = [str(k) for k in range(c)] if class_names is None else list(class_names)
    if len(names) != c:
        raise ValueError(f"plot_confusion_matrix: {c} classes but {len(names)} class names")
    share = m / np.maximum(m.sum(1, keepdims=True), 1)
    fig, ax = _figure(ax, (5.2, 4.6))
    im = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for i in range(c):
        for j in range(c):
            if m[i, j]:
                ax.text(j, i, f"{m[i, j]:.0f}", ha="center", va="center", fontsize="small",
                        color="white" if share[i, j] > 0.5 else "black")
    ax.set_xticks(range(c), names)
    ax.set_yticks(range(c), names)
    ax.set(title=title, xlabel="predicted class", ylabel="true class")
    fig.colorbar(im, ax=ax, shrink=0.8, label="share of the true class")
    return fig


def plot_digit_samples(
    images: Any,
    *,
    title: str,
    class_names: Sequence[str] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Generated images in one mosaic: column c holds the samples drawn for class c.

    Parameters
    ----------
    images : array (C, K, height, width)
        K samples for each of C classes, light strokes on dark, values in [0, 1].
    title : str
    class_names : C strings, optional (default "0" .. "C-1"), written above the columns
    ax : Axes, optional
    """
    x = np.asarray(images, dtype=float)
    if x.ndim != 4 or 0 in x.shape:
        raise ValueError(
            f"plot_digit_samples: expected (classes, samples, height, width), got {x.shape}"
        )
    c, k, h, w = x.shape
    names = [str(j) for j in range(c)] if class_names is None else list(class_names)
    if len(names) != c:
        raise ValueError(f"plot_digit_samples: {c} classes but {len(names)} class names")
    gap = 1
    mosaic = np.full((k * (h + gap) - gap, c * (w + gap) - gap), np.nan)
    for j in range(c):
        for i in range(k):
            mosaic[i * (h + gap): i * (h + gap) + h, j * (w + gap): j * (w + gap) + w] = x[j, i]
    fig, ax = _figure(ax, (0.55 * c + 0.6, 0.55 * k + 0.8))
    cmap = plt.get_cmap("gray").with_extremes(bad="white")
    ax.imshow(mosaic, cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([j * (w + gap) + (w - 1) / 2 for j in range(c)], names)
    ax.set_yticks([])
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    ax.set_title(title)
    return fig
