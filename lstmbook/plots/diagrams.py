"""Diagrams drawn by code: the unrolled recurrent network and the LSTM cell.

Both take ``highlight=`` to draw one part in colour and the rest in grey, so a page can
reuse one picture to point at one idea at a time (Background and Gates chapters,
``book/background``, ``book/gates``).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from lstmbook.plots import GATE_COLOURS

__all__ = ["RNN_PARTS", "LSTM_PARTS", "draw_unrolled_rnn", "draw_lstm_cell"]

GREY = "0.78"
INK = "0.15"

#: What ``highlight`` may name in :func:`draw_unrolled_rnn`.
RNN_PARTS = ("recurrence", "gradient")

#: What ``highlight`` may name in :func:`draw_lstm_cell`, with the colour of each part.
LSTM_PARTS = {
    "cell": "tab:purple",
    "forget": GATE_COLOURS["f"],
    "input": GATE_COLOURS["i"],
    "candidate": GATE_COLOURS["g"],
    "output": GATE_COLOURS["o"],
}


def _canvas(ax: Axes | None, size: tuple[float, float], xlim, ylim) -> tuple[Figure, Axes]:
    if ax is None:
        fig, ax = plt.subplots(figsize=size)
    else:
        fig = ax.figure
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def _arrow(ax, start, end, colour, *, lw=1.6, style="-|>", rad=0.0, z=1) -> None:
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle=style,
            mutation_scale=12,
            color=colour,
            lw=lw,
            connectionstyle=f"arc3,rad={rad}",
            shrinkA=0,
            shrinkB=0,
            zorder=z,
        )
    )


def _line(ax, xs, ys, colour, lw=1.6, z=1) -> None:
    ax.plot(xs, ys, color=colour, lw=lw, solid_capstyle="round", zorder=z)


def _box(ax, centre, text, colour, *, w=0.8, h=0.55, fill="white", fontsize=10) -> None:
    x, y = centre
    ax.add_patch(
        FancyBboxPatch(
            (x - w / 2, y - h / 2),
            w,
            h,
            boxstyle="round,pad=0.04",
            ec=colour,
            fc=fill,
            lw=1.8,
            zorder=3,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, color=colour, zorder=4)


def _op(ax, centre, symbol, colour, r=0.22) -> None:
    ax.add_patch(Circle(centre, r, ec=colour, fc="white", lw=1.8, zorder=3))
    ax.text(*centre, symbol, ha="center", va="center", fontsize=11, color=colour, zorder=4)


def draw_unrolled_rnn(
    n_steps: int = 4, *, highlight: str | None = None, ax: Axes | None = None
) -> Figure:
    """A recurrent network folded (left) and unrolled over ``n_steps`` steps (right).

    Parameters
    ----------
    n_steps : int, 2..8
    highlight : None, "recurrence" or "gradient"
        ``"recurrence"``: the state passed from step to step, with the one shared
        ``W_hh``; ``"gradient"``: the path backpropagation through time takes from the
        last output back to the first input.
    ax : Axes, optional

    Returns
    -------
    Figure
    """
    if not 2 <= n_steps <= 8:
        raise ValueError(f"n_steps must be between 2 and 8, got {n_steps}")
    if highlight not in (None, *RNN_PARTS):
        raise ValueError(f"highlight must be None or one of {RNN_PARTS}, got {highlight!r}")
    width = 4.0 + 1.9 * n_steps
    fig, ax = _canvas(ax, (0.72 * width, 2.6), (0.2, width), (-0.6, 3.4))
    rec = {"recurrence": "tab:blue", "gradient": GREY, None: INK}[highlight]
    base = GREY if highlight else INK
    # folded
    _box(ax, (0.9, 1.5), "RNN", base, w=1.0, h=0.7)
    _arrow(ax, (0.9, 0.1), (0.9, 1.13), base)
    _arrow(ax, (0.9, 1.87), (0.9, 2.9), base)
    ax.text(0.9, -0.15, "$x_t$", ha="center", va="top", color=base)
    ax.text(0.9, 3.0, "$h_t$", ha="center", va="bottom", color=base)
    _arrow(ax, (1.42, 1.7), (1.42, 1.3), rec, rad=-2.2)
    ax.text(1.95, 1.5, "$W_{hh}$", ha="left", va="center", color=rec, fontsize=9)
    ax.text(2.75, 1.5, "=", ha="center", va="center", fontsize=16, color=INK)
    # unrolled
    xs = [4.4 + 1.9 * k for k in range(n_steps)]
    labels = [str(k + 1) for k in range(n_steps - 1)] + ["T"]
    if n_steps > 3:
        labels[-2] = "T-1"
    for x, lab in zip(xs, labels, strict=True):
        _box(ax, (x, 1.5), "cell", base, w=1.0, h=0.7)
        _arrow(ax, (x, 0.1), (x, 1.13), base)
        _arrow(ax, (x, 1.87), (x, 2.9), base)
        ax.text(x, -0.15, f"$x_{{{lab}}}$", ha="center", va="top", color=base)
        ax.text(x, 3.0, f"$h_{{{lab}}}$", ha="center", va="bottom", color=base)
    _arrow(ax, (xs[0] - 1.1, 1.5), (xs[0] - 0.52, 1.5), rec)
    ax.text(xs[0] - 0.8, 1.62, "$h_0$", ha="center", va="bottom", color=rec, fontsize=9)
    for a, b in zip(xs[:-1], xs[1:], strict=True):
        _arrow(ax, (a + 0.52, 1.5), (b - 0.52, 1.5), rec)
        ax.text((a + b) / 2, 1.62, "$W_{hh}$", ha="center", va="bottom", color=rec, fontsize=8)
    if highlight == "gradient":
        red = "tab:red"
        _arrow(ax, (xs[-1] + 0.15, 2.85), (xs[-1] + 0.15, 1.9), red, lw=2.2)
        ax.text(xs[-1] + 0.25, 2.4, "$\\partial L/\\partial h_T$", color=red, fontsize=8)
        for a, b in zip(xs[:-1], xs[1:], strict=True):
            _arrow(ax, (b - 0.52, 1.32), (a + 0.52, 1.32), red, lw=2.2)
        _arrow(ax, (xs[0] + 0.15, 1.1), (xs[0] + 0.15, 0.15), red, lw=2.2)
        ax.text(xs[0] + 0.25, 0.55, "$\\partial L/\\partial x_1$", color=red, fontsize=8)
    title = {
        None: "A recurrent network, folded and unrolled in time",
        "recurrence": "One set of weights $W_{hh}$ carries the state from step to step",
        "gradient": "Backpropagation through time: the gradient walks back through every step",
    }[highlight]
    ax.set_title(title, fontsize=10)
    return fig


def draw_lstm_cell(*, highlight: str | None = None, ax: Axes | None = None) -> Figure:
    """The LSTM cell: the cell-state path on top, the gates below, one part in colour.

    Parameters
    ----------
    highlight : None or one of :data:`LSTM_PARTS`
        ``"cell"`` (the path ``c_{t-1} -> ×f -> +i⊙g -> c_t``), ``"forget"``,
        ``"input"``, ``"candidate"``, ``"output"``; ``None`` colours every part.
    ax : Axes, optional

    Returns
    -------
    Figure
    """
    if highlight is not None and highlight not in LSTM_PARTS:
        raise ValueError(f"highlight must be None or one of {tuple(LSTM_PARTS)}, got {highlight!r}")
    fig, ax = _canvas(ax, (7.6, 4.6), (-0.9, 10.9), (-0.7, 5.9))

    def col(part: str) -> str:
        if highlight is None:
            return INK if part == "cell" else LSTM_PARTS[part]
        return LSTM_PARTS[part] if part == highlight else GREY

    ax.add_patch(
        FancyBboxPatch((1.0, 0.6), 8.2, 4.5, boxstyle="round,pad=0.1", ec="0.6", fc="0.97", lw=1)
    )
    cell = col("cell")
    # the cell-state path
    _line(ax, [-0.4, 2.78], [4.5, 4.5], cell, lw=2.6)
    _line(ax, [3.22, 5.28], [4.5, 4.5], cell, lw=2.6)
    _arrow(ax, (5.72, 4.5), (10.4, 4.5), cell, lw=2.6)
    ax.text(-0.5, 4.5, "$c_{t-1}$", ha="right", va="center", color=cell)
    ax.text(10.5, 4.5, "$c_t$", ha="left", va="center", color=cell)
    _op(ax, (3.0, 4.5), "×", col("forget") if highlight == "forget" else cell)
    _op(ax, (5.5, 4.5), "+", col("input") if highlight in ("input", "candidate") else cell)
    # the inputs: [h_{t-1}, x_t] along the bottom
    _line(ax, [-0.4, 7.3], [1.1, 1.1], INK if highlight is None else "0.55")
    _line(ax, [1.6, 1.6], [-0.3, 1.1], INK if highlight is None else "0.55")
    ax.text(-0.5, 1.1, "$h_{t-1}$", ha="right", va="center")
    ax.text(1.6, -0.4, "$x_t$", ha="center", va="top")
    # gates
    gates = [
        ("forget", 3.0, "σ", "$f_t$"),
        ("input", 4.3, "σ", "$i_t$"),
        ("candidate", 5.5, "tanh", "$g_t$"),
        ("output", 7.3, "σ", "$o_t$"),
    ]
    for part, x, fn, name in gates:
        c = col(part)
        _line(ax, [x, x], [1.1, 1.95], c)
        _box(ax, (x, 2.25), fn, c, w=0.8 if fn == "σ" else 1.0, fontsize=10 if fn == "σ" else 8)
        ax.text(x - 0.5, 2.75, name, ha="right", va="bottom", color=c, fontsize=9)
    _arrow(ax, (3.0, 2.55), (3.0, 4.28), col("forget"))
    # i ⊙ g
    ig = col("input") if highlight != "candidate" else col("candidate")
    _line(ax, [4.3, 4.3], [2.55, 3.5], col("input"))
    _arrow(ax, (4.3, 3.5), (5.28, 3.5), col("input"))
    _arrow(ax, (5.5, 2.55), (5.5, 3.28), col("candidate"))
    _op(ax, (5.5, 3.5), "×", ig)
    _arrow(ax, (5.5, 3.72), (5.5, 4.28), ig)
    # output: o ⊙ tanh(c)
    out = col("output")
    _line(ax, [8.3, 8.3], [4.5, 3.9], out)
    _box(ax, (8.3, 3.6), "tanh", out, w=1.0, h=0.45, fontsize=8)
    _arrow(ax, (8.3, 3.37), (8.3, 2.47), out)
    _arrow(ax, (7.3, 2.55), (7.3, 2.25), out, style="-")
    _arrow(ax, (7.7, 2.25), (8.08, 2.25), out)
    _op(ax, (8.3, 2.25), "×", out)
    _line(ax, [8.52, 9.6], [2.25, 2.25], out)
    _line(ax, [9.6, 9.6], [2.25, 1.1], out)
    _arrow(ax, (9.6, 1.1), (10.4, 1.1), out)
    _arrow(ax, (9.6, 2.25), (9.6, 5.6), out)
    ax.text(10.5, 1.1, "$h_t$", ha="left", va="center", color=out)
    ax.text(9.7, 5.6, "$h_t$", ha="left", va="top", color=out)
    name, formula = {
        None: ("The LSTM cell (LSTM 单元)", ""),
        "cell": ("Cell state 细胞状态", "$c_t = f_t \\odot c_{t-1} + i_t \\odot g_t$"),
        "forget": ("Forget gate 遗忘门", "$f_t$ scales what the cell keeps"),
        "input": ("Input gate 输入门", "$i_t$ scales what is written"),
        "candidate": ("Candidate 候选值", "$g_t$, the values that could be written"),
        "output": ("Output gate 输出门", "$h_t = o_t \\odot \\tanh(c_t)$"),
    }[highlight]
    title = f"{name}: " if formula else name
    if formula:
        ax.text(
            0.5,
            1.0,
            formula,
            transform=ax.transAxes,
            ha="left",
            va="bottom",
            fontsize=10,
            color=LSTM_PARTS[highlight],
        )
        ax.text(0.5, 1.0, title, transform=ax.transAxes, ha="right", va="bottom", fontsize=10)
        title = ""
    ax.set_title(title, fontsize=10)
    return fig
