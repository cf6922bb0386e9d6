"""Colours of the way-in figures: sequential maps for values in [0, 1], diverging only for
signed values; one colour per model across Background and Gates; published budgets named
in the legend, not written over the curves."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from lstmbook.plots.background import (  # noqa: E402
    MODEL_STYLES,
    plot_gate_traces,
    plot_success_against_budget,
)
from lstmbook.plots.gates import plot_success_by_updates  # noqa: E402

DIVERGING = {"RdBu_r", "RdBu", "coolwarm", "bwr", "seismic", "PuOr", "PiYG", "BrBG"}


def test_gate_traces_use_a_sequential_map_for_gates_and_counts_and_diverging_for_signs():
    rng = np.random.default_rng(0)
    acts = {"i": rng.uniform(size=(6, 2)), "f": rng.uniform(size=(6, 2)),
            "o": rng.uniform(size=(6, 2)), "c": rng.normal(size=(6, 2)),
            "h": np.tanh(rng.normal(size=(6, 2)))}
    fig = plot_gate_traces(acts, "ab(c).", 0, extra={"count": np.array([0, 1, 2, 1, 0, 0])})
    maps = {ax.get_yticklabels()[0].get_text(): ax.images[0].get_cmap().name
            for ax in fig.axes}
    assert maps["count"] not in DIVERGING
    for name, cmap in maps.items():
        signed = name.endswith("c") or name.endswith("h")
        assert (cmap in DIVERGING) == signed, (name, cmap)
    plt.close(fig)


def _sweep():
    records = [{"task": "recall", "T": 25, "model": m, "seed": s, "solved": s < 2,
                "updates": 400 + 100 * s, "val_accuracy": [[100, 0.3], [400 + 100 * s, 0.96]]}
               for m in ("rnn", "lstm-b0", "lstm", "lstm-chrono") for s in range(3)]
    return {"settings": {"thresholds": {"recall": 0.95}, "steps": 1000, "eval_every": 100},
            "records": records}


def test_the_gates_figure_gives_each_model_the_colour_it_has_in_background():
    fig = plot_success_by_updates(_sweep(), "recall", ["rnn", "lstm-b0", "lstm", "lstm-chrono"])
    steps = fig.axes[1].lines                     # the bottom panel: one step curve per model
    colours = [to_hex(line.get_color()) for line in steps]
    assert colours == [to_hex(MODEL_STYLES[m]["color"])
                       for m in ("rnn", "lstm-b0", "lstm", "lstm-chrono")]
    plt.close(fig)


def test_published_budgets_are_named_in_the_legend_and_not_written_on_the_plot():
    records = [{"task": "adding", "T": 100, "model": "lstm", "seed": 0, "solved": True,
                "updates": 500}]
    fig = plot_success_against_budget(
        records, lengths={"adding": 100}, batch_size=32, max_updates=2000,
        anchors={"adding": [(74_000, "H&S 1997"), (256_000, "modern\nreproduction")]})
    ax = fig.axes[0]
    assert len(ax.texts) == 0
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "modern reproduction: 256,000 sequences" in legend
    styles = {line.get_label(): line.get_linestyle() for line in ax.lines}
    assert styles["H&S 1997: 74,000 sequences"] != styles["modern reproduction: 256,000 sequences"]
    plt.close(fig)


def test_accuracy_by_lag_takes_one_colour_per_model():
    from lstmbook.plots.background import plot_accuracy_by_lag

    lags = np.array([0, 1, 0, 1])
    ok = {"a": np.ones(4, bool), "b": np.zeros(4, bool)}
    fig = plot_accuracy_by_lag(lags, ok, colors=[None, MODEL_STYLES["rnn"]["color"]])
    assert to_hex(fig.axes[0].lines[1].get_color()) == to_hex(MODEL_STYLES["rnn"]["color"])
    plt.close(fig)
    import pytest

    with pytest.raises(ValueError, match="1 colours for 2 models"):
        plot_accuracy_by_lag(lags, ok, colors=["red"])


def test_the_sweep_figure_keeps_the_column_width_however_many_lengths():
    sweep = _sweep()
    sweep["records"] += [dict(r, T=T) for r in sweep["records"] for T in (50, 100, 200, 400)]
    fig = plot_success_by_updates(sweep, "recall", ["rnn", "lstm"])
    assert fig.get_size_inches()[0] <= 7.5
    assert min(t.get_fontsize() for ax in fig.axes for t in ax.texts + [ax.title]) >= 9
    plt.close(fig)
