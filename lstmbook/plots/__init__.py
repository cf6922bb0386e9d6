"""Figures the chapters draw, with matplotlib.

Every function titles its axes and labels them, and returns the
:class:`matplotlib.figure.Figure` it drew on, so a notebook cell can end with the call and
show it, and a test can inspect ``fig.axes``. Functions that draw on one set of axes accept
``ax=`` to draw into an existing figure.

Importing this module does not choose a backend; tests and headless builds use ``Agg``.
It does set the book's figure style (:data:`BOOK_RC`): 150 dpi, so figures stay sharp on
high-resolution screens, and a CJK font after DejaVu Sans, so Chinese labels render where
Noto Sans CJK is installed (``.ci/run`` installs it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = [
    "BOOK_RC",
    "GATE_COLOURS",
    "GATE_TITLES",
    "plot_activation_functions",
    "plot_gates",
    "plot_gradient_norms",
    "plot_curves",
    "plot_bars",
    "plot_gate_layouts",
]

#: The book's matplotlib settings, applied when this module is imported.
BOOK_RC = {
    "figure.dpi": 150,
    "savefig.dpi": 150,
    # matplotlib falls back glyph by glyph along font.family (fonts not installed are skipped)
    "font.family": ["DejaVu Sans", "Noto Sans CJK SC"],
    "axes.unicode_minus": False,
}
plt.rcParams.update(BOOK_RC)

#: One colour per gate block, shared by the figures of the equations chapter.
GATE_COLOURS = {"i": "tab:blue", "f": "tab:orange", "g": "tab:green", "o": "tab:red"}

#: Panel titles of :func:`plot_gates`, by key of ``LSTM.activations()``.
GATE_TITLES = {
    "i": "input gate i",
    "f": "forget gate f",
    "g": "candidate g",
    "o": "output gate o",
    "c": "cell state c",
    "h": "hidden state h",
    "r": "reset gate r",
    "z": "update gate z",
    "n": "new gate n",
}


def _figure(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
        return fig, ax
    return ax.figure, ax


def plot_activation_functions(ax: Axes | None = None, *, lim: float = 6.0) -> Figure:
    """The sigmoid σ and tanh, and their derivatives, on ``[-lim, lim]``.

    Shows the ranges that matter for the gates -- σ in (0, 1), tanh in (-1, 1) -- and the
    largest slopes, σ'(0) = 1/4 and tanh'(0) = 1, that bound the gradient of a plain RNN.
    """
    fig, ax = _figure(ax, (6.4, 3.6))
    z = np.linspace(-lim, lim, 401)
    s = 0.5 * (1.0 + np.tanh(0.5 * z))
    t = np.tanh(z)
    ax.plot(z, s, color="tab:blue", label=r"$\sigma(z)$")
    ax.plot(z, t, color="tab:red", label=r"$\tanh(z)$")
    ax.plot(z, s * (1 - s), color="tab:blue", ls="--", label=r"$\sigma'(z)$ (max 1/4)")
    ax.plot(z, 1 - t * t, color="tab:red", ls="--", label=r"$\tanh'(z)$ (max 1)")
    ax.axhline(0, color="0.7", lw=0.8)
    ax.set(
        title="Gate and state non-linearities",
        xlabel="pre-activation z",
        ylabel="value",
        ylim=(-1.1, 1.1),
    )
    ax.legend(loc="lower right", fontsize="small")
    ax.grid(alpha=0.3)
    return fig


def plot_gates(
    activations: Mapping[str, Any],
    *,
    sample: int = 0,
    keys: Sequence[str] | None = None,
    title: str | None = None,
    cmap: str = "viridis",
    signed_cmap: str = "RdBu_r",
) -> Figure:
    """Heat maps of gate values and states over time, one panel per key.

    Parameters
    ----------
    activations : mapping str -> array (T, B, H) or (T, H)
        For example ``lstm.activations()``; keys among ``i, f, g, o, c, h`` (``r, z, n``
        for a GRU).
    sample : int
        Which sequence of the batch to show.
    keys : sequence of str, optional
        Panels to draw, in order; by default every key present in ``i, f, g, o, c, h``
        (then ``r, z, n``).
    title : str, optional
        Figure title.
    cmap : str
        A sequential colour map, for the gates (values in (0, 1), drawn on [0, 1]).
    signed_cmap : str
        A diverging colour map, for the signed values: the candidate and ``h`` on
        [-1, 1], the cell state on a symmetric range around 0.

    Returns
    -------
    Figure, one row per key: x axis time step, y axis hidden unit.
    """
    if keys is None:
        keys = [k for k in ("i", "f", "g", "o", "c", "h", "r", "z", "n") if k in activations]
    keys = list(keys)
    if not keys:
        raise ValueError("plot_gates: nothing to plot (no known keys in activations)")
    missing = [k for k in keys if k not in activations]
    if missing:
        raise ValueError(f"plot_gates: keys {missing} not in activations {sorted(activations)}")
    fig, axes = plt.subplots(
        len(keys), 1, figsize=(7.0, 1.3 + 1.25 * len(keys)), sharex=True, layout="constrained"
    )
    axes = np.atleast_1d(axes)
    for ax, key in zip(axes, keys, strict=True):
        a = np.asarray(activations[key], dtype=np.float64)
        a = a[:, sample, :] if a.ndim == 3 else a
        if a.ndim != 2:
            raise ValueError(f"plot_gates: {key!r} must be (T, B, H) or (T, H), got {a.shape}")
        if key in ("i", "f", "o", "r", "z"):  # gates, in (0, 1): sequential
            vmin, vmax, colours = 0.0, 1.0, cmap
        elif key == "c":  # signed, unbounded: diverging, symmetric around 0
            m = max(float(np.abs(a).max()), 1e-12)
            vmin, vmax, colours = -m, m, signed_cmap
        else:  # g, h, n: signed, in (-1, 1)
            vmin, vmax, colours = -1.0, 1.0, signed_cmap
        im = ax.imshow(
            a.T,
            aspect="auto",
            origin="lower",
            cmap=colours,
            vmin=vmin,
            vmax=vmax,
            interpolation="nearest",
        )
        ax.set_title(GATE_TITLES.get(key, key), fontsize="medium", loc="left")
        ax.set_ylabel("unit")
        fig.colorbar(im, ax=ax, pad=0.01, fraction=0.04)
    axes[-1].set_xlabel("time step t")
    fig.suptitle(title or "Gate values and states over time")
    return fig


def plot_gradient_norms(
    curves: Mapping[str, Any],
    *,
    ax: Axes | None = None,
    title: str = "How far back the gradient reaches",
    ylabel: str = r"$\|\partial L / \partial x_t\|$",
    xlabel: str = "distance T - t (steps)",
    floor: float = 1e-300,
    styles: Mapping[str, str] | None = None,
) -> Figure:
    """Gradient norms against distance, on a log scale, one line per curve.

    Parameters
    ----------
    curves : mapping label -> array (N,)
        Values indexed by distance ``d = 0 .. N-1`` (for :func:`input_gradient_norms`
        output, pass ``norms[::-1]``).
    ax : Axes, optional
    title, ylabel, xlabel : str
    floor : float
        Values below it (exact zeros) are drawn at it, so the log scale stays finite.
    styles : mapping label -> matplotlib format string, optional
        E.g. ``{"LSTM": "C1--"}``, to keep one colour per model across figures.

    Returns
    -------
    Figure
    """
    if not curves:
        raise ValueError("plot_gradient_norms: no curves given")
    fig, ax = _figure(ax, (6.4, 4.0))
    styles = styles or {}
    for label, values in curves.items():
        y = np.maximum(np.asarray(values, dtype=np.float64), floor)
        ax.semilogy(np.arange(y.size), y, styles.get(label, "-"), label=label)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize="small")
    return fig


def plot_curves(
    x: Any,
    curves: Mapping[str, Any],
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    ax: Axes | None = None,
    logy: bool = False,
    styles: Mapping[str, str] | None = None,
) -> Figure:
    """A line plot of several curves over one x axis, titled and labelled.

    Parameters
    ----------
    x : array (N,)
    curves : mapping label -> array (N,)
    title, xlabel, ylabel : str
    ax : Axes, optional
    logy : bool
        Log scale on the y axis.
    styles : mapping label -> matplotlib format string, optional (e.g. ``"--"``)

    Returns
    -------
    Figure
    """
    if not curves:
        raise ValueError("plot_curves: no curves given")
    fig, ax = _figure(ax, (6.4, 3.8))
    x = np.asarray(x)
    styles = styles or {}
    for label, y in curves.items():
        ax.plot(x, np.asarray(y), styles.get(label, "-"), label=label)
    if logy:
        ax.set_yscale("log")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return fig


def plot_bars(
    values: Mapping[str, float],
    *,
    title: str,
    ylabel: str,
    ax: Axes | None = None,
    annotate: bool = True,
) -> Figure:
    """A bar chart of named values, each bar labelled with its number.

    Parameters
    ----------
    values : mapping label -> number
    title, ylabel : str
    ax : Axes, optional
    annotate : bool
        Write each value above its bar.

    Returns
    -------
    Figure
    """
    if not values:
        raise ValueError("plot_bars: no values given")
    fig, ax = _figure(ax, (6.0, 3.6))
    labels = list(values)
    heights = [float(values[k]) for k in labels]
    bars = ax.bar(labels, heights, color="tab:blue", alpha=0.8)
    if annotate:
        ax.bar_label(
            bars,
            labels=[f"{v:,.0f}" if float(v).is_integer() else f"{v:.3g}" for v in heights],
            fontsize="small",
        )
    ax.set(title=title, ylabel=ylabel)
    ax.margins(y=0.15)
    return fig


def plot_gate_layouts(
    layouts: Mapping[str, str],
    *,
    title: str = "Where each gate's rows sit in the stacked weights",
    ax: Axes | None = None,
) -> Figure:
    """The four gate blocks of a stacked weight matrix, in each layout's order.

    Parameters
    ----------
    layouts : mapping name -> gate order
        For example ``{"PyTorch / cuDNN (4H, I)": "ifgo", "ONNX (4H, I)": "iofg"}``;
        orders are strings over ``i, f, g, o`` (g: the candidate).
    title : str
    ax : Axes, optional

    Returns
    -------
    Figure: one horizontal bar per layout, split into four coloured blocks of H rows.
    """
    if not layouts:
        raise ValueError("plot_gate_layouts: no layouts given")
    fig, ax = _figure(ax, (6.8, 0.7 + 0.6 * len(layouts)))
    names = list(layouts)
    for row, name in enumerate(names):
        order = layouts[name]
        if sorted(order) != sorted("ifgo"):
            raise ValueError(f"plot_gate_layouts: {name!r} has order {order!r}, not of 'ifgo'")
        for k, gate in enumerate(order):
            ax.barh(row, 1.0, left=k, color=GATE_COLOURS[gate], edgecolor="white")
            ax.text(k + 0.5, row, gate, ha="center", va="center", color="white", fontweight="bold")
    ax.set_yticks(range(len(names)), names)
    ax.set_xticks([0, 1, 2, 3, 4], ["0", "H", "2H", "3H", "4H"])
    ax.invert_yaxis()
    ax.set(title=title, xlabel="row of the stacked matrix", xlim=(0, 4))
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    return fig


# ========================================================================================
# Figures of the "Code" chapter: training runs, predictions, benchmarks.

#: Axis labels of :func:`plot_benchmark`, by the size it sweeps.
BENCHMARK_AXES = {
    "T": "sequence length T",
    "B": "batch size B",
    "I": "input size I",
    "H": "hidden size H",
}


def plot_loss_history(
    histories: Any,
    *,
    title: str = "Training loss",
    ax: Axes | None = None,
    logy: bool = True,
) -> Figure:
    """Loss at every training step, and the validation loss at every evaluation.

    Parameters
    ----------
    histories : History, or mapping label -> History
        What :func:`lstmbook.numpy.train.fit` or :func:`lstmbook.torch.train.fit` return
        (:class:`lstmbook.training.History`: ``loss``, a list per step; ``val_metric``
        with the updates it was measured after, ``eval_updates``; either possibly
        empty; without ``eval_updates`` the evaluations are taken to close equal
        epochs). Several runs are drawn in different colours and line styles, so that two
        runs that coincide stay visible.
    title : str
    ax : Axes, optional
    logy : bool
        Log scale for the loss (the default: losses fall by orders of magnitude).

    Returns
    -------
    Figure
    """
    if hasattr(histories, "loss"):
        histories = {"": histories}
    if not histories:
        raise ValueError("plot_loss_history: no histories given")
    fig, ax = _figure(ax, (6.4, 3.8))
    styles = ["-", "--", ":", "-."]
    for k, (label, h) in enumerate(histories.items()):
        loss = np.asarray(h.loss, dtype=float)
        if loss.size == 0:
            raise ValueError(f"plot_loss_history: run {label!r} has no recorded loss")
        colour, style = f"C{k}", styles[k % len(styles)]
        prefix = f"{label}: " if label else ""
        steps = np.arange(1, loss.size + 1)
        ax.plot(steps, loss, style, color=colour, lw=1, alpha=0.8, label=f"{prefix}training")
        val = np.asarray(getattr(h, "val_metric", None) or [], dtype=float)
        if val.size:
            at = np.asarray(getattr(h, "eval_updates", None) or [], dtype=float)
            per_epoch = len(getattr(h, "epoch_loss", None) or []) == val.size
            if at.size != val.size:  # no record of when: after each of equal epochs
                at, per_epoch = loss.size / val.size * np.arange(1, val.size + 1), True
            ax.plot(
                at,
                val,
                "o",
                color=colour,
                ms=4,
                mfc="none" if k % 2 else colour,
                label=f"{prefix}validation" + (" (after each epoch)" if per_epoch else ""),
            )
    if logy:
        ax.set_yscale("log")
    ax.set(title=title, xlabel="training step (mini-batch)", ylabel="loss")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize="small")
    return fig


def plot_prediction(
    y_true: Any,
    y_pred: Any,
    *,
    split: int | None = None,
    title: str = "Prediction against truth",
    xlabel: str = "time step",
    ylabel: str = "value",
    labels: tuple[str, str] = ("truth", "prediction"),
    ax: Axes | None = None,
) -> Figure:
    """A series and its prediction, with the error underneath and the test part shaded.

    Parameters
    ----------
    y_true, y_pred : array (N,) or (N, 1)
        In time order.
    split : int, optional
        Index of the first test point: everything from there on is shaded as unseen.
    title, xlabel, ylabel : str
    labels : (str, str)
        Legend entries of the two curves.
    ax : Axes, optional
        Draw only the two curves there (no error panel).

    Returns
    -------
    Figure
        Two panels (curves, and ``prediction - truth``) unless ``ax`` was given.
    """
    y_true = np.asarray(y_true, dtype=float).reshape(-1)
    y_pred = np.asarray(y_pred, dtype=float).reshape(-1)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"plot_prediction: y_true has {y_true.size} values, y_pred {y_pred.size}")
    if split is not None and not 0 <= split <= y_true.size:
        raise ValueError(f"plot_prediction: split must be in [0, {y_true.size}], got {split}")
    t = np.arange(y_true.size)
    if ax is None:
        fig, (ax, ax_err) = plt.subplots(
            2, 1, figsize=(6.8, 4.6), sharex=True, height_ratios=(3, 1), layout="constrained"
        )
    else:
        fig, ax_err = ax.figure, None
    ax.plot(t, y_true, color="0.3", lw=2.2, alpha=0.6, label=labels[0])
    ax.plot(t, y_pred, "--", color="tab:red", lw=1.3, label=labels[1])
    panels = [ax] if ax_err is None else [ax, ax_err]
    if split is not None:
        for a in panels:
            a.axvspan(
                split - 0.5,
                y_true.size - 0.5,
                color="tab:blue",
                alpha=0.08,
                label="test (unseen)" if a is ax else None,
            )
    ax.set(title=title, ylabel=ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    if ax_err is None:
        ax.set_xlabel(xlabel)
    else:
        ax_err.plot(t, y_pred - y_true, color="tab:red", lw=1)
        ax_err.axhline(0.0, color="0.3", lw=0.8)
        ax_err.set(title="Error", xlabel=xlabel, ylabel="prediction - truth")
        ax_err.grid(alpha=0.3)
    return fig


def plot_benchmark(
    rows: Sequence[Any],
    *,
    sweep: str = "T",
    time: str = "forward_backward_s",
    title: str | None = None,
    labels: Mapping[str, str] | None = None,
    ax: Axes | None = None,
    logx: bool = True,
    logy: bool = True,
) -> Figure:
    """Time per call against one size, a line per backend.

    Parameters
    ----------
    rows : sequence of benchmark rows
        :func:`lstmbook.bench.run_benchmark`'s ``Row`` objects (or mappings) with ``size``
        ``(T, B, I, H)``, ``backend``, and the time in seconds under ``time``.
    sweep : "T", "B", "I" or "H"
        The size on the x axis; the other three should be fixed across ``rows``.
    time : str
        ``"forward_s"`` or ``"forward_backward_s"``.
    title : str, optional
    labels : mapping backend -> legend entry, optional
        E.g. ``{"torch": "torch.nn.LSTM"}``; backends not named keep their own name.
    ax : Axes, optional
    logx, logy : bool

    Returns
    -------
    Figure
        Milliseconds on the y axis.
    """
    if sweep not in BENCHMARK_AXES:
        raise ValueError(
            f"plot_benchmark: sweep must be one of {sorted(BENCHMARK_AXES)}, got {sweep!r}"
        )
    if not rows:
        raise ValueError("plot_benchmark: no rows given")

    def get(row: Any, key: str) -> Any:
        return row[key] if isinstance(row, Mapping) else getattr(row, key)

    axis = "TBIH".index(sweep)
    series: dict[str, list[tuple[int, float]]] = {}
    for row in rows:
        series.setdefault(str(get(row, "backend")), []).append(
            (int(get(row, "size")[axis]), 1e3 * float(get(row, time)))
        )
    fig, ax = _figure(ax, (6.4, 3.8))
    markers = "osD^v<>"
    for k, (backend, points) in enumerate(series.items()):
        points.sort()
        xs, ys = zip(*points, strict=True)
        label = (labels or {}).get(backend, backend)
        ax.plot(xs, ys, marker=markers[k % len(markers)], label=label)
    if logx:
        ax.set_xscale("log")
        ticks = sorted({x for points in series.values() for x, _ in points})
        ax.set_xticks(ticks, [str(t) for t in ticks])
        ax.xaxis.set_minor_locator(plt.NullLocator())
    if logy:
        ax.set_yscale("log")
    what = "forward + backward" if time == "forward_backward_s" else "forward"
    ax.set(
        title=title or f"Time of one {what} pass",
        xlabel=BENCHMARK_AXES[sweep],
        ylabel=f"{what} time (ms)",
    )
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize="small")
    return fig


def plot_digits(
    images: Any,
    labels: Any,
    predicted: Any = None,
    *,
    title: str = "Digits",
    columns: int = 10,
) -> Figure:
    """A grid of small grey-scale images, each titled with its label (and a prediction).

    Parameters
    ----------
    images : array (N, height, width)
        Light strokes on a dark background, as MNIST (any numeric dtype).
    labels : array (N,)
        True classes.
    predicted : array (N,), optional
        Predicted classes: a panel reads ``"label 3, predicted 3"``, in red where the
        two differ.
    title : str
    columns : int

    Returns
    -------
    Figure
    """
    images = np.asarray(images)
    labels = np.asarray(labels).reshape(-1)
    if images.ndim != 3 or len(images) != len(labels) or len(images) == 0:
        raise ValueError(
            f"plot_digits: expected images (N, height, width) and N labels, got "
            f"{images.shape} and {labels.shape}"
        )
    if predicted is not None:
        predicted = np.asarray(predicted).reshape(-1)
        if predicted.shape != labels.shape:
            raise ValueError(f"plot_digits: {len(labels)} labels but {predicted.size} predictions")
    n = len(images)
    columns = max(1, min(int(columns), n))
    rows = -(-n // columns)
    fig, axes = plt.subplots(
        rows, columns, figsize=(1.1 * columns, 1.35 * rows + 0.4), layout="constrained"
    )
    axes = np.atleast_1d(axes).reshape(-1)
    for k, ax in enumerate(axes):
        ax.set_axis_off()
        if k >= n:
            continue
        ax.imshow(images[k], cmap="gray")
        text, colour = f"{labels[k]}", "black"
        if predicted is not None:
            text = f"label {labels[k]}\npredicted {predicted[k]}"
            colour = "black" if predicted[k] == labels[k] else "tab:red"
        ax.set_title(text, fontsize="small", color=colour)
    fig.suptitle(title)
    return fig


__all__ += [
    "BENCHMARK_AXES",
    "plot_loss_history",
    "plot_prediction",
    "plot_benchmark",
    "plot_digits",
]
