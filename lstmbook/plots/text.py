"""Figures of the language-model page: text coloured by a cell's activation.

Defined for ``book/applications/language_model.ipynb``.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

__all__ = ["plot_text_heatmap"]


def _draw_panel(ax, text: str, values: np.ndarray, width: int, title: str) -> None:
    lines = text.split("\n")
    n_rows = len(lines)
    v = np.asarray(values, dtype=float)
    lim = max(float(np.max(np.abs(v))), 1e-9)
    if v.min() >= 0:  # a count or a gate: sequential, from 0
        cmap, vmin = "Blues", 0.0
    else:  # signed: diverging, white at 0
        cmap, vmin = "coolwarm", -lim
    grid = np.full((n_rows, width), np.nan)
    k = 0
    for r, line in enumerate(lines):
        for c in range(len(line) + 1):  # + 1: the newline that ends the line
            if k < len(v) and c < width:
                grid[r, c] = v[k]
            k += 1
    ax.imshow(grid, cmap=cmap, vmin=vmin, vmax=lim, aspect="auto",
              interpolation="nearest", extent=(-0.5, width - 0.5, n_rows - 0.5, -0.5))
    for r, line in enumerate(lines):
        for c, ch in enumerate(line[:width]):
            if ch != " ":
                ax.text(c, r, ch, ha="center", va="center", family="DejaVu Sans Mono",
                        fontsize=8)
    ax.set_title(title, fontsize=9, loc="left")
    ax.set_xticks([])
    ax.set_yticks([])


def plot_text_heatmap(
    text: str,
    panels: Sequence[tuple[str, np.ndarray]],
    *,
    title: str,
    width: int = 60,
) -> Figure:
    """The same text once per panel, each character on a cell coloured by a value.

    Parameters
    ----------
    text : str
        A few lines (newlines break rows; columns past ``width`` are cut).
    panels : sequence of (title, values (len(text),))
        Signed values: blue negative, red positive, white zero, on one symmetric
        scale per panel; values that are never negative (a count, a gate): white at
        0 to dark blue at the largest.
    title : str
    width : int
        Characters per row.
    """
    if not panels:
        raise ValueError("plot_text_heatmap: no panels given")
    for name, v in panels:
        if len(v) != len(text):
            raise ValueError(f"plot_text_heatmap: panel {name!r} has {len(v)} values for "
                             f"{len(text)} characters")
    n_rows = text.count("\n") + 1
    fig, axes = plt.subplots(len(panels), 1, figsize=(0.09 * width + 0.4,
                                                      (0.17 * n_rows + 0.35) * len(panels)))
    axes = np.atleast_1d(axes)
    for ax, (name, v) in zip(axes, panels, strict=True):
        _draw_panel(ax, text, v, width, name)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
