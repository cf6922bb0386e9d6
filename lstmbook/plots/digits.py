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
) -> Figure:
    """Generated images in a grid: column c holds the samples drawn for class c.

    Parameters
    ----------
    images : array (C, K, height, width)
        K samples for each of C classes, light strokes on dark, values in [0, 1].
    title : str
    class_names : C strings, optional
    """
    x = np.asarray(images, dtype=float)
    if x.ndim != 4 or 0 in x.shape:
        raise ValueError(
            f"plot_digit_samples: expected (classes, samples, height, width), got {x.shape}"
        )
    c, k = x.shape[:2]
    names = [str(j) for j in range(c)] if class_names is None else list(class_names)
    if len(names) != c:
        raise ValueError(f"plot_digit_samples: {c} classes but {len(names)} class names")
    fig, axes = plt.subplots(k, c, figsize=(0.62 * c + 0.4, 0.62 * k + 0.7),
                             layout="constrained", squeeze=False)
    for j in range(c):
        for i in range(k):
            ax = axes[i, j]
            ax.imshow(x[j, i], cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[0, j].set_title(names[j], fontsize="small")
    fig.suptitle(title)
    return fig
