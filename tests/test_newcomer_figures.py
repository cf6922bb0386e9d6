"""Figures of the newcomer's path (issue 22): legends that leave the plot its width, values
printed as values, dots that do not hide one another, background labels that stay legible."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from lstmbook.plots.background import plot_success_against_budget  # noqa: E402
from lstmbook.plots.diagrams import draw_lstm_frames, draw_unrolled_rnn  # noqa: E402
from lstmbook.plots.gates import plot_success_by_updates  # noqa: E402


def _run(model, seed, solved_at, task="adding", T=100):
    return {"task": task, "T": T, "model": model, "seed": seed,
            "solved": solved_at is not None, "updates": solved_at or 2000,
            "val_accuracy": [[250, 1.0 if solved_at == 250 else 0.3]]}


def test_the_budget_figure_puts_its_legend_below_the_plot_not_beside_it():
    records = [_run("lstm", 0, 500), _run("rnn", 0, None)]
    fig = plot_success_against_budget(records, lengths={"adding": 100}, batch_size=32,
                                      max_updates=2000)
    fig.canvas.draw()
    ax = fig.axes[0]
    legend = ax.get_legend().get_window_extent()
    plot = ax.get_window_extent()
    assert legend.y1 <= plot.y0                     # below the panel
    assert plot.width > 0.75 * fig.bbox.width       # the plot keeps the width
    plt.close(fig)


def test_the_walk_prints_the_cell_state_as_a_value_without_a_plus_sign():
    values = {k: np.array([0.5, 0.25]) for k in "ifgoh"}
    values["c"] = np.array([0.98, 1.91])
    fig = draw_lstm_frames(values, ["(", "a"])
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "c = 0.98" in texts and "c = 1.91" in texts
    assert not any(t.startswith("+0.98") or t.startswith("+1.91") for t in texts)
    plt.close(fig)


def test_solved_dots_at_the_same_place_are_drawn_nested_so_that_all_show():
    result = {"settings": {"thresholds": {"recall": 0.95}, "steps": 2000, "eval_every": 250},
              "records": [_run(m, 0, 250, task="recall", T=10) for m in ("rnn", "lstm")]}
    fig = plot_success_by_updates(result, "recall", ["rnn", "lstm"])
    dots = [line for line in fig.axes[0].lines if line.get_marker() == "o"]
    assert len(dots) == 2
    big, small = sorted(dots, key=lambda d: -d.get_markersize())
    assert big.get_markersize() > small.get_markersize() and big.get_zorder() < small.get_zorder()
    plt.close(fig)


def test_the_unrolled_rnn_keeps_its_background_labels_dark_enough_to_read():
    fig = draw_unrolled_rnn(4, highlight="gradient")
    for t in fig.axes[0].texts:
        r, g, b, _ = to_rgba(t.get_color())
        luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
        assert luminance <= 0.5, (t.get_text(), t.get_color())
    plt.close(fig)
