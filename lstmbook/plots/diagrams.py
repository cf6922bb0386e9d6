"""Diagrams drawn by code: the unrolled recurrent network and the LSTM cell.

Both take ``highlight=`` to draw one part in colour and the rest in grey, so a page can
reuse one picture to point at one idea at a time (Background and Gates chapters,
``book/background``, ``book/gates``).

Conventions, the same in every diagram (:func:`draw_lstm_cell` draws them as a legend):

* a thick line carries the cell state, a thin line any other vector;
* a dot where lines meet means they join: a vector is copied to several places;
* a small arc (a "hop") where lines cross means they do not join;
* the gates are drawn left to right in PyTorch's order i, f, g, o, as the text reads them.

Every label is at least :data:`MIN_FONT` points and every box label fits inside its box at
the figure sizes the functions choose (about 7.5 inches wide, the book's column).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from lstmbook.plots import GATE_COLOURS

__all__ = [
    "RNN_PARTS",
    "LSTM_PARTS",
    "GATE_ORDER",
    "MIN_FONT",
    "WALK",
    "draw_unrolled_rnn",
    "draw_lstm_cell",
    "draw_memory_line",
    "draw_lstm_frames",
]

GREY = "0.78"
MUTED = "0.45"                                   # grey text that stays legible
INK = "0.15"
#: The smallest font size, in points, of any label in these diagrams.
MIN_FONT = 9
#: The gates, left to right in every cell diagram (PyTorch's order).
GATE_ORDER = ("i", "f", "g", "o")

#: What ``highlight`` may name in :func:`draw_unrolled_rnn`.
RNN_PARTS = ("recurrence", "gradient")

#: What ``highlight`` may name in :func:`draw_lstm_cell`, with the colour of each part.
LSTM_PARTS = {
    "cell": "tab:purple",
    "input": GATE_COLOURS["i"],
    "forget": GATE_COLOURS["f"],
    "candidate": GATE_COLOURS["g"],
    "output": GATE_COLOURS["o"],
}

#: The walk through the cell of the Gates chapter: (highlight, name, its one equation).
#: "input" colours the candidate too: the input gate only scales what the candidate offers.
WALK = (
    ("input", "Input gate 输入门 and candidate 候选值: what to write",
     r"$i_t = \sigma(W_i z_t + b_i),\quad g_t = \tanh(W_g z_t + b_g)$"),
    ("forget", "Forget gate 遗忘门: what to keep",
     r"$f_t = \sigma(W_f z_t + b_f)$"),
    ("cell", "Cell state 细胞状态: keep, then add",
     r"$c_t = f_t \odot c_{t-1} + i_t \odot g_t$"),
    ("output", "Output gate 输出门: what to show",
     r"$o_t = \sigma(W_o z_t + b_o),\quad h_t = o_t \odot \tanh(c_t)$"),
)


def _canvas(ax: Axes | None, size: tuple[float, float], xlim, ylim) -> tuple[Figure, Axes]:
    if ax is None:
        fig, ax = plt.subplots(figsize=size)
        fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.9)
    else:
        fig = ax.figure
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def _arrow(ax, start, end, colour, *, lw=1.6, style="-|>", rad=0.0, z=2) -> None:
    ax.add_patch(
        FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=12, color=colour, lw=lw,
                        connectionstyle=f"arc3,rad={rad}", shrinkA=0, shrinkB=0, zorder=z)
    )


def _path(ax, points, colour, *, lw=1.6, arrow=False, hops=(), z=2) -> None:
    """A polyline through ``points``; at each point of ``hops`` that lies on one of its
    segments it jumps over the crossing line with a small half circle. With ``arrow``
    the last segment ends in an arrowhead."""
    pts = np.asarray(points, dtype=float)
    out = [pts[0]]
    r = 0.16
    for a, b in zip(pts[:-1], pts[1:], strict=True):
        length = np.linalg.norm(b - a)
        d = (b - a) / length
        normal = np.array([-d[1], d[0]])
        if normal[1] < 0 or (normal[1] == 0 and normal[0] < 0):
            normal = -normal                      # hop upwards, or to the right
        on = []
        for h in hops:
            v = np.asarray(h, dtype=float) - a
            if abs(d[0] * v[1] - d[1] * v[0]) < 1e-9 and r < v @ d < length - r:
                on.append(v @ d)
        for s in sorted(on):
            h = a + s * d
            out += [h - r * np.cos(t) * d + r * np.sin(t) * normal
                    for t in np.linspace(0, np.pi, 13)]
        out.append(b)
    out = np.array(out)
    if arrow:
        ax.plot(out[:-1, 0], out[:-1, 1], color=colour, lw=lw, solid_capstyle="round",
                solid_joinstyle="round", zorder=z)
        _arrow(ax, out[-2], out[-1], colour, lw=lw, z=z)
    else:
        ax.plot(out[:, 0], out[:, 1], color=colour, lw=lw, solid_capstyle="round",
                solid_joinstyle="round", zorder=z)


def _dot(ax, centre, colour) -> None:
    """A junction: the lines that meet here join (a vector is copied)."""
    ax.add_patch(Circle(centre, 0.09, ec="none", fc=colour, zorder=5, gid="junction"))


def _box(ax, centre, text, colour, *, w=0.8, h=0.55, fill="white", fontsize=11,
         gid=None) -> None:
    x, y = centre
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.04",
                                ec=colour, fc=fill, lw=1.8, zorder=3, gid=gid))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, color=colour, zorder=4,
            gid=gid)


def _op(ax, centre, symbol, colour, r=0.24) -> None:
    ax.add_patch(Circle(centre, r, ec=colour, fc="white", lw=1.8, zorder=3, gid="op"))
    ax.text(*centre, symbol, ha="center", va="center", fontsize=13, color=colour, zorder=4)


def draw_unrolled_rnn(
    n_steps: int = 4, *, highlight: str | None = None, ax: Axes | None = None
) -> Figure:
    """A recurrent network folded (left) and unrolled over ``n_steps`` drawn steps (right).

    With 4 or more steps the last two are steps T − 1 and T, and an ellipsis between
    them and the others stands for the steps not drawn.

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
    gap = n_steps >= 4                            # an ellipsis before step T - 1
    width = 4.0 + 1.9 * n_steps + (1.2 if gap else 0.0)
    fig, ax = _canvas(ax, (min(7.5, 0.62 * width), 2.7), (0.2, width), (-0.7, 3.5))
    rec = {"recurrence": "tab:blue", "gradient": MUTED, None: INK}[highlight]
    base = MUTED if highlight else INK            # in the background, still legible
    # folded
    _box(ax, (0.9, 1.5), "RNN", base, w=1.0, h=0.7, fontsize=12)
    _arrow(ax, (0.9, 0.1), (0.9, 1.13), base)
    _arrow(ax, (0.9, 1.87), (0.9, 2.9), base)
    ax.text(0.9, -0.15, "$x_t$", ha="center", va="top", color=base, fontsize=12)
    ax.text(0.9, 3.0, "$h_t$", ha="center", va="bottom", color=base, fontsize=12)
    _arrow(ax, (1.42, 1.7), (1.42, 1.3), rec, rad=-2.2)
    ax.text(1.95, 1.5, "$W_{hh}$", ha="left", va="center", color=rec, fontsize=10)
    ax.text(2.75, 1.5, "=", ha="center", va="center", fontsize=16, color=INK)
    # unrolled
    xs = [4.4 + 1.9 * k + (1.2 if gap and k >= n_steps - 2 else 0.0) for k in range(n_steps)]
    labels = [str(k + 1) for k in range(n_steps - 1)] + ["T"]
    if gap:
        labels[-2] = "T-1"
    for x, lab in zip(xs, labels, strict=True):
        _box(ax, (x, 1.5), "cell", base, w=1.0, h=0.7, fontsize=12)
        _arrow(ax, (x, 0.1), (x, 1.13), base)
        _arrow(ax, (x, 1.87), (x, 2.9), base)
        ax.text(x, -0.15, f"$x_{{{lab}}}$", ha="center", va="top", color=base, fontsize=12)
        ax.text(x, 3.0, f"$h_{{{lab}}}$", ha="center", va="bottom", color=base, fontsize=12)
    _arrow(ax, (xs[0] - 1.1, 1.5), (xs[0] - 0.52, 1.5), rec)
    ax.text(xs[0] - 0.8, 1.62, "$h_0$", ha="center", va="bottom", color=rec, fontsize=10)
    for k, (a, b) in enumerate(zip(xs[:-1], xs[1:], strict=True)):
        if gap and k == n_steps - 3:              # the steps not drawn
            mid = (a + b) / 2
            ax.text(mid, 1.5, "⋯", ha="center", va="center", fontsize=16, color=rec,
                    gid="ellipsis")
            _arrow(ax, (a + 0.52, 1.5), (mid - 0.45, 1.5), rec)
            _arrow(ax, (mid + 0.45, 1.5), (b - 0.52, 1.5), rec)
            continue
        _arrow(ax, (a + 0.52, 1.5), (b - 0.52, 1.5), rec)
        ax.text((a + b) / 2, 1.62, "$W_{hh}$", ha="center", va="bottom", color=rec,
                fontsize=10)
    if highlight == "gradient":
        red = "tab:red"
        _arrow(ax, (xs[-1] + 0.15, 2.85), (xs[-1] + 0.15, 1.9), red, lw=2.2)
        ax.text(xs[-1] + 0.25, 2.4, "$\\partial L/\\partial h_T$", color=red, fontsize=10)
        for a, b in zip(xs[:-1], xs[1:], strict=True):
            _arrow(ax, (b - 0.52, 1.32), (a + 0.52, 1.32), red, lw=2.2)
        _arrow(ax, (xs[0] + 0.15, 1.1), (xs[0] + 0.15, 0.15), red, lw=2.2)
        ax.text(xs[0] + 0.25, 0.55, "$\\partial L/\\partial x_1$", color=red, fontsize=10)
    title = {
        None: "A recurrent network, folded and unrolled in time",
        "recurrence": "One set of weights $W_{hh}$ carries the state from step to step",
        "gradient": "Backpropagation through time: the gradient walks back through every step",
    }[highlight]
    ax.set_title(title, fontsize=11)
    return fig


def _parts(highlight: str | Iterable[str] | None) -> set[str] | None:
    """The parts drawn in colour: None (all), or a set. "input" brings the candidate."""
    if highlight is None:
        return None
    names = {highlight} if isinstance(highlight, str) else set(highlight)
    unknown = names - set(LSTM_PARTS)
    if unknown:
        raise ValueError(f"highlight must be None or among {tuple(LSTM_PARTS)}, got "
                         f"{sorted(unknown)!r}")
    if "input" in names:
        names.add("candidate")
    return names


def draw_lstm_cell(
    *,
    highlight: str | Iterable[str] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    equation: str | None = None,
    legend: bool = True,
    width: float = 7.5,
) -> Figure:
    """The LSTM cell: the cell-state line on top, the gates i, f, g, o below, left to right.

    The inputs: ``h_{t-1}`` from the left and ``x_t`` from below are concatenated into one
    vector ``z_t = [h_{t-1}, x_t]``, which each gate reads (a dot where the line branches:
    the same vector goes to each). Where two lines only cross, one hops over the other.

    Parameters
    ----------
    highlight : None, one of :data:`LSTM_PARTS`, or several
        ``"cell"`` (the line ``c_{t-1} -> ×f -> +i⊙g -> c_t``), ``"input"`` (the input gate
        *and* the candidate it scales, the write ``i⊙g``), ``"forget"``, ``"candidate"``,
        ``"output"`` (the output gate and ``h_t = o ⊙ tanh(c_t)``); ``None`` colours every
        part. The others are grey.
    ax : Axes, optional
        Draw into it; it should be about 6 inches wide or more, so that the labels
        (:data:`MIN_FONT` points and more) stay inside their boxes.
    title, equation : str, optional
        A title above the cell (default: the name of the highlighted part), and an equation
        written under the title in the highlighted colour.
    legend : bool
        Draw the key of line styles under the cell.
    width : float, 5.5 to 7.5
        The figure's width in inches (without ``ax``); labels keep their size in points,
        and still fit their boxes at 5.5.

    Returns
    -------
    Figure
    """
    parts = _parts(highlight)
    if not 5.5 <= width <= 7.5:
        raise ValueError(f"width must be between 5.5 and 7.5 inches, got {width}")
    fig, ax = _canvas(ax, (width, width / 7.5 * (4.8 if legend else 4.3)), (-2.0, 11.4),
                      (-1.25 if legend else -0.55, 6.1))

    def col(part: str) -> str:
        if parts is None:
            return INK if part == "cell" else LSTM_PARTS[part]
        return LSTM_PARTS[part] if part in parts else GREY

    def either(*names: str) -> str:          # a shared element: coloured if any part is lit
        for n in names:
            if parts is None or n in parts:
                return col(n)
        return GREY

    ax.add_patch(FancyBboxPatch((0.35, 0.35), 9.55, 4.85, boxstyle="round,pad=0.1",
                                ec="0.6", fc="0.97", lw=1, zorder=0))
    cell, inputs = col("cell"), INK if parts is None else "0.45"
    Y_C, Y_G, Y_W, Y_Z = 4.6, 2.2, 3.6, 1.0    # heights: cell line, gates, write, inputs
    X = dict(zip(GATE_ORDER, (2.2, 3.4, 4.6, 6.8), strict=True))
    X_TANH, X_H = 8.2, 9.3
    # the inputs: h_{t-1} and x_t concatenated into z_t, which feeds the four gates
    _path(ax, [(-0.7, Y_Z), (0.78, Y_Z)], inputs)
    _path(ax, [(0.9, -0.3), (0.9, Y_Z - 0.2)], inputs)
    ax.add_patch(FancyBboxPatch((0.84, Y_Z - 0.22), 0.12, 0.44, boxstyle="square,pad=0",
                                ec=inputs, fc=inputs, zorder=4, gid="concat"))
    _path(ax, [(0.96, Y_Z), (X["o"], Y_Z)], inputs)
    ax.text(-0.8, Y_Z, "$h_{t-1}$", ha="right", va="center", fontsize=13, color=INK)
    ax.text(0.9, -0.4, "$x_t$", ha="center", va="top", fontsize=13, color=INK)
    # one line, clear of the z_t line above it and of the cell's border below it
    ax.text(1.08, Y_Z - 0.2, "$z_t = [h_{t-1}, x_t]$", ha="left", va="top", fontsize=12,
            color=inputs, gid="concat-label")
    ax.text(3.75, Y_Z - 0.22, "concatenated 拼接", ha="left", va="top", fontsize=11,
            color=inputs)
    for g in ("i", "f", "g"):
        _dot(ax, (X[g], Y_Z), inputs)
    # the gates: one box each, order i, f, g, o
    part_of = {"i": "input", "f": "forget", "g": "candidate", "o": "output"}
    for g in GATE_ORDER:
        c = col(part_of[g])
        _path(ax, [(X[g], Y_Z), (X[g], Y_G - 0.3)], c)
        _box(ax, (X[g], Y_G), "tanh" if g == "g" else "σ", c, w=1.0 if g == "g" else 0.7,
             h=0.6, fontsize=11 if g == "g" else 13, gid=f"gate:{g}")
        ax.text(X[g] - 0.12, Y_G + 0.72, f"${g}_t$", ha="right", va="center", fontsize=13,
                color=c, gid=f"name:{g}")
    # the cell-state line: × f, then + i ⊙ g
    _path(ax, [(-0.7, Y_C), (X["f"] - 0.24, Y_C)], cell, lw=3.0)
    _path(ax, [(X["f"] + 0.24, Y_C), (X["g"] - 0.24, Y_C)], cell, lw=3.0)
    _path(ax, [(X["g"] + 0.24, Y_C), (10.7, Y_C)], cell, lw=3.0, arrow=True)
    ax.text(-0.8, Y_C, "$c_{t-1}$", ha="right", va="center", fontsize=13, color=cell)
    ax.text(10.8, Y_C, "$c_t$", ha="left", va="center", fontsize=13, color=cell)
    _op(ax, (X["f"], Y_C), "×", either("forget", "cell"))
    _op(ax, (X["g"], Y_C), "+", either("input", "cell"))
    # forget: f up to the × on the line
    _path(ax, [(X["f"], Y_G + 0.3), (X["f"], Y_C - 0.24)], col("forget"), arrow=True)
    # write: i over to the × beside g (hopping over f's line), g up, i ⊙ g up to the +
    _path(ax, [(X["i"], Y_G + 0.3), (X["i"], Y_W), (X["g"] - 0.24, Y_W)], col("input"),
          arrow=True, hops=[(X["f"], Y_W)])
    _path(ax, [(X["g"], Y_G + 0.3), (X["g"], Y_W - 0.24)], col("candidate"), arrow=True)
    _op(ax, (X["g"], Y_W), "×", either("input", "candidate"))
    _path(ax, [(X["g"], Y_W + 0.24), (X["g"], Y_C - 0.24)], either("input", "candidate"),
          arrow=True)
    # output: c copied down through tanh, times o, gives h_t
    out = col("output")
    _dot(ax, (X_TANH, Y_C), either("output", "cell"))
    _path(ax, [(X_TANH, Y_C), (X_TANH, Y_W + 0.27)], out, arrow=True)
    _box(ax, (X_TANH, Y_W), "tanh", out, w=1.0, h=0.54, fontsize=11, gid="tanh:c")
    _path(ax, [(X_TANH, Y_W - 0.27), (X_TANH, Y_G + 0.24)], out, arrow=True)
    _path(ax, [(X["o"] + 0.35, Y_G), (X_TANH - 0.24, Y_G)], out, arrow=True)
    _op(ax, (X_TANH, Y_G), "×", out)
    _path(ax, [(X_TANH + 0.24, Y_G), (X_H, Y_G), (X_H, Y_Z), (10.7, Y_Z)], out, arrow=True)
    _dot(ax, (X_H, Y_G), out)
    _path(ax, [(X_H, Y_G), (X_H, 5.8)], out, arrow=True, hops=[(X_H, Y_C)])
    ax.text(10.8, Y_Z, "$h_t$", ha="left", va="center", fontsize=13, color=out)
    ax.text(X_H + 0.15, 5.8, "$h_t$", ha="left", va="top", fontsize=13, color=out)
    if legend:
        _legend(ax, y=-0.95)
    if title is None and parts is not None:
        lit = [w for w in WALK if w[0] == highlight]
        title = lit[0][1] if lit else None
    if title is None:
        title = "The LSTM cell (LSTM 单元)"
    ax.set_title(title, fontsize=12, pad=20 if equation else 6)
    if equation:
        main = next(iter(parts)) if parts and len(parts) == 1 else None
        colour = LSTM_PARTS[main] if main else INK
        if parts is not None and "input" in parts:
            colour = LSTM_PARTS["input"]
        ax.text(0.5, 1.0, equation, transform=ax.transAxes, ha="center", va="bottom",
                fontsize=12, color=colour, gid="equation")
    return fig


def _legend(ax, y: float) -> None:
    """The key of line styles, one row under the cell."""
    x = -1.1
    _path(ax, [(x, y), (x + 0.8, y)], INK, lw=3.0)
    ax.text(x + 0.95, y, "cell state", va="center", fontsize=11, color=INK)
    x = 1.7
    _path(ax, [(x, y), (x + 0.8, y)], INK)
    ax.text(x + 0.95, y, "other vector", va="center", fontsize=11, color=INK)
    x = 4.9
    _path(ax, [(x, y), (x + 0.8, y)], INK)
    _path(ax, [(x + 0.4, y - 0.3), (x + 0.4, y)], INK)
    _dot(ax, (x + 0.4, y), INK)
    ax.text(x + 0.95, y, "joined (copied)", va="center", fontsize=11, color=INK)
    x = 8.3
    _path(ax, [(x, y), (x + 0.8, y)], INK, hops=[(x + 0.4, y)])
    _path(ax, [(x + 0.4, y - 0.3), (x + 0.4, y + 0.3)], INK)
    ax.text(x + 0.95, y, "crossing only", va="center", fontsize=11, color=INK)


def draw_memory_line(ax: Axes | None = None) -> Figure:
    """A first, simple picture of an LSTM cell: a memory line the network can keep, add
    to, and read (Background chapter); the gates are only named, not yet drawn."""
    fig, ax = _canvas(ax, (7.5, 2.9), (-1.9, 11.2), (-0.8, 3.4))
    y, keep, add, read = 2.0, 2.6, 5.6, 8.4
    orange, blue, red = LSTM_PARTS["forget"], LSTM_PARTS["input"], LSTM_PARTS["output"]
    _path(ax, [(0.0, y), (keep - 0.24, y)], INK, lw=3.0)
    _path(ax, [(keep + 0.24, y), (add - 0.24, y)], INK, lw=3.0)
    _path(ax, [(add + 0.24, y), (10.4, y)], INK, lw=3.0, arrow=True)
    ax.text(-0.1, y, "memory\n$c_{t-1}$", ha="right", va="center", fontsize=12, color=INK)
    ax.text(10.5, y, "$c_t$", ha="left", va="center", fontsize=13, color=INK)
    _op(ax, (keep, y), "×", orange)
    _op(ax, (add, y), "+", blue)
    _dot(ax, (read, y), red)
    _path(ax, [(read, y), (read, 0.55)], red, arrow=True)
    _arrow(ax, (keep, 0.55), (keep, y - 0.24), orange)
    _arrow(ax, (add, 0.55), (add, y - 0.24), blue)
    for x, word, note, colour in ((keep, "keep", "a fraction\nbetween 0 and 1", orange),
                                  (add, "add", "something new,\nfrom the input", blue),
                                  (read, "read", "$h_t$: what the\nnetwork shows", red)):
        ax.text(x, 2.45, word, ha="center", va="bottom", fontsize=13, weight="bold",
                color=colour)
        ax.text(x, 0.45, note, ha="center", va="top", fontsize=11, color=colour)
    ax.set_title("An LSTM cell, simply: a memory line the network can keep, add to, and read",
                 fontsize=11)
    return fig


def draw_lstm_frames(
    values: Mapping[str, Sequence[float]],
    tokens: Sequence[str],
    *,
    title: str = "One sequence through a one-unit cell, step by step",
) -> Figure:
    """One unit's gates and states at each step of a short sequence, one column per step:
    the cell state carried along a thick line from column to column (its value after the
    step written after the step's + ), the gates as squares with their values, coloured by
    a sequential map for the gates (in [0, 1]: white 0, dark blue 1) and a diverging one for
    the signed candidate g (in [-1, 1]: blue -1, white 0, red +1); a key under the columns
    gives both scales, and each square's border the gate's colour in the cell diagram.

    Parameters
    ----------
    values : mapping with keys ``i, f, g, o, c, h``, each a sequence of T numbers
    tokens : T strings, what the cell reads at each step (written above each column)
    title : str

    Returns
    -------
    Figure
    """
    T = len(tokens)
    if not 1 <= T <= 8:
        raise ValueError(f"draw_lstm_frames: 1 to 8 steps, got {T}")
    for k in ("i", "f", "g", "o", "c", "h"):
        if len(values[k]) != T:
            raise ValueError(f"draw_lstm_frames: {k!r} has {len(values[k])} values, "
                             f"{T} tokens")
    fig, ax = _canvas(None, (7.5, 4.0), (-2.0, 2.2 * T + 0.2), (-2.1, 4.1))
    seq, div = plt.get_cmap("Blues"), plt.get_cmap("RdBu_r")
    _path(ax, [(-0.9, 3.0), (2.2 * T - 0.1, 3.0)], INK, lw=3.0, arrow=True)
    ax.text(-1.0, 3.0, "$c$", ha="right", va="center", fontsize=13)
    ax.text(-1.0, 1.6, "gates", ha="right", va="center", fontsize=11)
    ax.text(-1.0, 0.2, "$h$", ha="right", va="center", fontsize=13)
    for t in range(T):
        x = 2.2 * t + 1.0
        ax.text(x, 3.8, f"step {t + 1}: {tokens[t]!s}", ha="center", va="center",
                fontsize=11)
        _op(ax, (x - 0.45, 3.0), "×", LSTM_PARTS["forget"], r=0.2)
        _op(ax, (x + 0.1, 3.0), "+", LSTM_PARTS["input"], r=0.2)
        # the cell state after the step (a value, not an increment: no plus sign)
        ax.text(x + 0.1, 3.27, f"c = {values['c'][t]:.2f}", ha="center", va="bottom",
                fontsize=11, color=INK)
        for k, (gate, dx) in enumerate(zip("ifgo", (-0.66, -0.22, 0.22, 0.66), strict=True)):
            v = float(values[gate][t])
            face = div((v + 1) / 2) if gate == "g" else seq(v)   # g is signed

            ax.add_patch(FancyBboxPatch((x + dx - 0.19, 1.4), 0.38, 0.38,
                                        boxstyle="square,pad=0", fc=face,
                                        ec=LSTM_PARTS[("input", "forget", "candidate",
                                                       "output")[k]], lw=1.6, zorder=3))
            ax.text(x + dx, 1.95, f"${gate}$", ha="center", va="bottom", fontsize=11)
            ax.text(x + dx, 1.25, f"{v:.1f}", ha="center", va="top", fontsize=MIN_FONT)
        _arrow(ax, (x, 0.55), (x, 0.05), INK, lw=1.2)
        ax.text(x, -0.05, f"{values['h'][t]:+.2f}", ha="center", va="top", fontsize=12)
    _frames_key(ax, seq, div, right=2.2 * T + 0.1)
    ax.set_title(title, fontsize=11)
    return fig


def _frames_key(ax: Axes, seq: Any, div: Any, *, right: float) -> None:
    """The colour key of :func:`draw_lstm_frames`: both scales as rows of small squares
    (plain rectangles, so that they are not taken for gates), and what c and h are."""
    from matplotlib.patches import Rectangle

    y, size = -1.25, 0.28
    rows = [("gates i, f, o:", seq, np.linspace(0, 1, 6), "0", "1", 0.0),
            ("candidate g:", div, np.linspace(-1, 1, 7), "−1", "+1", 0.5 * (right + 2.0) - 1.6)]
    for name, cmap, levels, lo, hi, x0 in rows:
        ax.text(x0 - 1.9, y, name, ha="left", va="center", fontsize=MIN_FONT + 1)
        start = x0 + 0.35
        ax.text(start - 0.1, y, lo, ha="right", va="center", fontsize=MIN_FONT + 1)
        for j, v in enumerate(levels):
            shade = cmap((v + 1) / 2) if lo.startswith("−") else cmap(v)
            ax.add_patch(Rectangle((start + j * size, y - size / 2), size, size, fc=shade,
                                   ec="0.5", lw=0.6))
        ax.text(start + len(levels) * size + 0.1, y, hi, ha="left", va="center",
                fontsize=MIN_FONT + 1)
    ax.text(-1.9, y - 0.6, "c: the cell state after each step (above its +);  "
            "h = o · tanh(c);  border colour: which gate", ha="left", va="center",
            fontsize=MIN_FONT + 1)


def text_outside_boxes(fig: Figure) -> list[str]:
    """The box labels whose text reaches outside their box (renderer extents): each gate
    box and the tanh box carry one ``gid``, shared by the box and its text."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    bad = []
    for ax in fig.axes:
        boxes = {p.get_gid(): p for p in ax.patches
                 if isinstance(p, FancyBboxPatch) and p.get_gid()}
        for t in ax.texts:
            box = boxes.get(t.get_gid())
            if box is None:
                continue
            inner, outer = t.get_window_extent(renderer), box.get_window_extent(renderer)
            if not (outer.x0 <= inner.x0 and inner.x1 <= outer.x1
                    and outer.y0 <= inner.y0 and inner.y1 <= outer.y1):
                bad.append(f"{t.get_gid()}: {t.get_text()!r}")
    return bad


def smallest_font(fig: Figure) -> float:
    """The smallest font size, in points, of any text on the figure's axes and titles."""
    sizes: list[Any] = [t.get_fontsize() for ax in fig.axes for t in ax.texts]
    sizes += [ax.title.get_fontsize() for ax in fig.axes if ax.get_title()]
    return float(min(sizes))
