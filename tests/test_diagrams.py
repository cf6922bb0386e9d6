"""The code-drawn diagrams (lstmbook.plots.diagrams) and the way-in figures
(lstmbook.plots.background)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from lstmbook.plots.background import (  # noqa: E402
    plot_accuracy_by_lag,
    plot_gate_traces,
    plot_success_against_budget,
    plot_success_rates,
    updates_to_solve,
)
from lstmbook.plots.diagrams import (  # noqa: E402
    GATE_ORDER,
    LSTM_PARTS,
    MIN_FONT,
    WALK,
    draw_lstm_cell,
    draw_lstm_frames,
    draw_memory_line,
    draw_unrolled_rnn,
    smallest_font,
    text_outside_boxes,
)


def _colours(fig) -> set[tuple]:
    ax = fig.axes[0]
    found = {to_rgba(p.get_edgecolor()) for p in ax.patches}
    found |= {to_rgba(line.get_color()) for line in ax.lines}
    return {tuple(np.round(c, 3)) for c in found}


@pytest.mark.parametrize("part", list(LSTM_PARTS))
def test_a_highlighted_lstm_part_is_the_only_coloured_one(part):
    fig = draw_lstm_cell(highlight=part)
    colours = _colours(fig)
    lit = {part, "candidate"} if part == "input" else {part}
    for name in lit:
        assert tuple(np.round(to_rgba(LSTM_PARTS[name]), 3)) in colours, name
    for other, colour in LSTM_PARTS.items():
        if other not in lit:
            assert tuple(np.round(to_rgba(colour), 3)) not in colours, other
    plt.close(fig)


def test_the_input_gate_picture_lights_the_candidate_it_scales_too():
    colours = _colours(draw_lstm_cell(highlight="input"))
    assert tuple(np.round(to_rgba(LSTM_PARTS["candidate"]), 3)) in colours
    plt.close("all")


def test_the_gates_are_drawn_left_to_right_in_the_order_i_f_g_o():
    fig = draw_lstm_cell()
    xs = {t.get_gid().split(":")[1]: t.get_position()[0] for t in fig.axes[0].texts
          if (t.get_gid() or "").startswith("gate:")}
    assert sorted(xs, key=xs.get) == list(GATE_ORDER) == ["i", "f", "g", "o"]
    plt.close(fig)


@pytest.mark.parametrize("width", [7.5, 5.5])
@pytest.mark.parametrize("step", [None, *WALK], ids=["plain"] + [w[0] for w in WALK])
def test_every_box_label_stays_inside_its_box_and_no_label_is_below_9_points(step, width):
    fig = (draw_lstm_cell(width=width) if step is None
           else draw_lstm_cell(highlight=step[0], equation=step[2], legend=False, width=width))
    assert text_outside_boxes(fig) == []
    assert smallest_font(fig) >= MIN_FONT == 9
    plt.close(fig)


def test_the_concatenation_of_the_inputs_is_drawn_and_named_and_branches_are_marked():
    fig = draw_lstm_cell()
    ax = fig.axes[0]
    assert any(t.get_gid() == "concat-label" and "[h_{t-1}, x_t]" in t.get_text()
               for t in ax.texts)
    assert any(p.get_gid() == "concat" for p in ax.patches)
    # z_t to i, f, g; c_t to the tanh; h_t to the right and up; and the legend's dot
    assert sum(p.get_gid() == "junction" for p in ax.patches) == 3 + 1 + 1 + 1
    assert {"cell state", "joined (copied)", "crossing only"} <= {t.get_text() for t in ax.texts}
    plt.close(fig)


def test_the_other_diagrams_keep_labels_at_9_points_or_more_and_fit_the_column():
    frames = draw_lstm_frames({k: [0.5, 0.2] for k in "ifgoch"}, ["a", "b"])
    for fig in (draw_unrolled_rnn(4), draw_unrolled_rnn(8, highlight="gradient"),
                draw_memory_line(), frames):
        assert smallest_font(fig) >= MIN_FONT
        assert text_outside_boxes(fig) == []
        assert fig.get_size_inches()[0] <= 7.5
    plt.close("all")


def test_frames_refuse_values_that_do_not_match_the_tokens():
    with pytest.raises(ValueError, match="'c' has 1 values"):
        draw_lstm_frames({**{k: [0.5, 0.2] for k in "ifgoh"}, "c": [0.1]}, ["a", "b"])


def test_the_plain_lstm_cell_shows_every_gate_in_colour_and_names_them():
    fig = draw_lstm_cell()
    colours = _colours(fig)
    for part in ("forget", "input", "candidate", "output"):
        assert tuple(np.round(to_rgba(LSTM_PARTS[part]), 3)) in colours
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {"$f_t$", "$i_t$", "$g_t$", "$o_t$", "$c_{t-1}$", "$c_t$"} <= texts
    plt.close(fig)


def test_unknown_parts_are_refused_with_the_options():
    with pytest.raises(ValueError, match="forget"):
        draw_lstm_cell(highlight="reset")
    with pytest.raises(ValueError, match="gradient"):
        draw_unrolled_rnn(highlight="cell")
    with pytest.raises(ValueError, match="n_steps"):
        draw_unrolled_rnn(12)


@pytest.mark.parametrize("n_steps", [2, 3, 4, 6])
def test_the_unrolled_rnn_has_one_cell_per_step_plus_the_folded_one(n_steps):
    fig = draw_unrolled_rnn(n_steps, highlight="gradient")
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert labels.count("cell") == n_steps and labels.count("RNN") == 1
    assert "$x_{T}$" in labels and "$h_{T}$" in labels
    ellipsis = [t for t in fig.axes[0].texts if t.get_gid() == "ellipsis"]
    assert len(ellipsis) == (1 if n_steps >= 4 else 0)
    if ellipsis:                  # between step 2 (or later) and step T - 1
        xs = {t.get_text(): t.get_position()[0] for t in fig.axes[0].texts}
        assert xs["$x_{2}$"] < ellipsis[0].get_position()[0] < xs["$x_{T-1}$"]
    plt.close(fig)


def test_success_rates_panel_per_task_with_solved_counts_in_the_legend():
    records = [
        {"task": t, "T": T, "model": m, "seed": s, "accuracy": a, "solved": a > 0.9}
        for t in ("adding", "recall")
        for T, a in ((10, 1.0), (100, 0.3))
        for m in ("rnn", "lstm")
        for s in range(3)
    ]
    fig = plot_success_rates(records, tasks={"adding": "A", "recall": "R"}, chance={"recall": 0.25})
    assert [ax.get_title() for ax in fig.axes] == ["A", "R"]
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any("solved 3/0 of 3" in t for t in legend)
    plt.close(fig)


def test_success_against_budget_counts_seeds_solved_by_each_budget():
    def run(model, seed, solved_at):
        return {"task": "adding", "T": 100, "model": model, "seed": seed,
                "solved": solved_at is not None, "updates": solved_at or 2000}

    records = [run("lstm", 0, 500), run("lstm", 1, 1500), run("lstm", 2, None),
               run("rnn", 0, None), run("rnn", 1, None), run("rnn", 2, None)]
    assert updates_to_solve(records[1]) == 1500
    assert updates_to_solve(records[2]) is None
    fig = plot_success_against_budget(records, lengths={"adding": 100}, batch_size=32,
                                      max_updates=2000, anchors={"adding": [(74_000, "H&S")]})
    lines = {line.get_label().split(" (")[0]: line for line in fig.axes[0].lines}
    lstm, rnn = lines["LSTM, forget bias 1"], lines["RNN"]
    x, y = np.asarray(lstm.get_xdata()), np.asarray(lstm.get_ydata())
    def at(seqs):  # the step curve's value at `seqs` sequences seen
        return y[np.flatnonzero(x <= seqs)[-1]]

    assert at(499 * 32) == 0 and at(500 * 32) == pytest.approx(1 / 3)
    assert at(1499 * 32) == pytest.approx(1 / 3) and at(1500 * 32) == pytest.approx(2 / 3)
    assert y[-1] == pytest.approx(2 / 3) and max(rnn.get_ydata()) == 0
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any("(2/3)" in t for t in legend)
    plt.close(fig)


def test_success_rates_mark_a_model_that_was_not_run_at_longer_lengths():
    records = [{"task": "recall", "T": T, "model": m, "seed": s, "accuracy": a,
                "solved": a > 0.9}
               for m, runs in (("rnn", ((10, 1.0), (50, 0.25))),
                               ("lstm", ((10, 1.0), (50, 1.0), (200, 1.0))))
               for T, a in runs for s in range(3)]
    fig = plot_success_rates(records, tasks={"recall": "R"})
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any("solved 3/0 of 3 (not run longer)" in t for t in legend)
    assert any("solved 3/3/3 of 3" in t and "not run" not in t for t in legend)
    plt.close(fig)


def test_accuracy_by_lag_averages_within_each_lag():
    lags = np.array([0, 0, 1, 1])
    fig = plot_accuracy_by_lag(lags, {"m": np.array([1, 0, 1, 1], bool)})
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), [0.5, 1.0])
    plt.close(fig)


def test_gate_traces_refuse_text_of_the_wrong_length():
    acts = {k: np.zeros((5, 2)) for k in "ifoch"}
    fig = plot_gate_traces(acts, "a(b).", 1)
    assert len(fig.axes) == 5
    plt.close(fig)
    with pytest.raises(ValueError, match="5 characters"):
        plot_gate_traces({k: np.zeros((4, 2)) for k in "ifoch"}, "a(b).", 1)


def test_a_reference_line_can_be_named_other_than_guessing():
    records = [{"task": "adding", "T": 10, "model": "lstm", "seed": 0, "accuracy": 0.9,
                "solved": False}]
    fig = plot_success_rates(records, tasks={"adding": "A"},
                             chance={"adding": (0.15, "always answering 1")})
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "always answering 1 (0.15)" in legend and not any("guessing" in t for t in legend)
    plt.close(fig)


def test_models_with_equal_values_are_drawn_apart_while_their_data_stay_exact():
    lags = np.array([0, 1, 0, 1])
    fig = plot_accuracy_by_lag(lags, {"a": np.ones(4, bool), "b": np.ones(4, bool)})
    a, b = fig.axes[0].lines[:2]
    np.testing.assert_array_equal(a.get_ydata(), b.get_ydata())       # the data: equal
    fig.canvas.draw()
    ya = a.get_transform().transform(np.c_[a.get_xdata(), a.get_ydata()])[:, 1]
    yb = b.get_transform().transform(np.c_[b.get_xdata(), b.get_ydata()])[:, 1]
    assert np.all(np.abs(ya - yb) >= 2)                                 # drawn: pixels apart
    plt.close(fig)


def test_the_frames_carry_a_colour_key_for_gates_and_the_candidate():
    fig = draw_lstm_frames({k: [0.5, 0.2] for k in "ifgoch"}, ["a", "b"])
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {"gates i, f, o:", "candidate g:", "−1", "+1", "0", "1"} <= texts
    plt.close(fig)


def test_each_seed_is_drawn_as_a_small_dot_at_its_value_a_few_points_aside():
    records = [{"task": "recall", "T": T, "model": m, "seed": s, "accuracy": acc,
                "solved": acc >= 0.95}
               for m in ("rnn", "lstm") for T in (10, 25)
               for s, acc in enumerate((0.3, 0.6, 0.9))]
    fig = plot_success_rates(records, tasks={"recall": "R"})
    ax = fig.axes[0]
    fig.canvas.draw()
    dots = [c for c in ax.collections if len(c.get_offsets())]
    assert len(dots) == 4  # one scatter per model and length
    for c in dots:
        data = np.asarray(c.get_offsets(), dtype=float)
        drawn = c.get_offset_transform().transform(data)
        exact = ax.transData.transform(data)
        points = np.abs(drawn - exact) * 72 / fig.dpi
        assert np.all(points[:, 1] < 0.01) and np.all(points[:, 0] <= 5)  # beside, not moved
        size = c.get_paths()[0].get_extents().transformed(c.get_transform())
        assert size.width * 72 / fig.dpi < 10  # a marker of a few points, not data-sized
    plt.close(fig)
