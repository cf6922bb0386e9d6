"""The figures of the Compression, Distillation and Distributed pages
(lstmbook.plots.challenges): each returns a figure with a title and labelled axes."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lstmbook.plots.challenges import (  # noqa: E402
    plot_error_against_bits,
    plot_learning_curves,
    plot_loss_agreement,
    plot_parameter_differences,
)


def labelled(fig):
    ax = fig.axes[0]
    return bool(ax.get_title() and ax.get_xlabel() and ax.get_ylabel())


def test_error_against_bits_draws_one_line_per_scheme_and_the_reference():
    fig = plot_error_against_bits([2, 4, 8], {"per row": [0.5, 0.1, 0.05],
                                              "per tensor": [0.8, 0.2, 0.05]},
                                  reference=("float32", 0.05))
    ax = fig.axes[0]
    assert labelled(fig) and ax.get_yscale() == "log"
    assert len(ax.lines) == 3
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2", "4", "8"]
    assert {t.get_text() for t in ax.get_legend().get_texts()} == \
        {"per row", "per tensor", "float32"}


def test_learning_curves_draw_each_seed_thin_and_their_mean_thick():
    epochs = np.arange(1, 6)
    fig = plot_learning_curves(epochs, {"teacher": np.linspace(0.5, 0.9, 5),
                                        "student": np.random.default_rng(0).random((3, 5))})
    ax = fig.axes[0]
    assert labelled(fig)
    assert len(ax.lines) == 1 + 3 + 1           # the teacher; three seeds and a mean
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["teacher", "student (mean of 3 seeds)"]


def test_learning_curves_refuse_runs_of_another_length():
    with pytest.raises(ValueError, match="'student' has 4 points, epochs has 5"):
        plot_learning_curves(np.arange(5), {"student": np.zeros((2, 4))})


def test_parameter_differences_count_exact_zeros_and_mark_the_tolerance():
    fig = plot_parameter_differences(
        {"two processes": np.array([0.0, 1e-8, 3e-8, 0.0]),
         "other batches": np.array([0.01, 0.2, 0.05])}, tolerance=1e-5, eps=1.2e-7)
    ax = fig.axes[0]
    assert labelled(fig) and ax.get_xscale() == "log"
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "two processes (2 exactly 0)" in labels and "other batches" in labels
    assert any(lab.startswith("tolerance") for lab in labels)
    heights = [sum(p.get_height() for p in c) for c in ax.containers]
    assert heights == [2, 3]                    # the zeros are not in the histogram


def test_parameter_differences_refuse_all_zeros():
    with pytest.raises(ValueError, match="exactly zero"):
        plot_parameter_differences({"same": np.zeros(3)})


def test_loss_agreement_draws_curves_and_distances_from_the_reference():
    u = np.linspace(1.0, 0.1, 20)
    fig = plot_loss_agreement({"one": u, "two": u + 1e-7, "other": u * 1.5}, "one")
    top, bottom = fig.axes
    assert len(top.lines) == 3 and len(bottom.lines) == 2
    assert top.get_yscale() == "log" and bottom.get_yscale() == "log"
    assert np.allclose(bottom.lines[0].get_ydata(), 1e-7)


def test_loss_agreement_names_a_missing_reference_and_unequal_lengths():
    with pytest.raises(ValueError, match="reference 'three'"):
        plot_loss_agreement({"one": np.ones(3)}, "three")
    with pytest.raises(ValueError, match="different lengths"):
        plot_loss_agreement({"one": np.ones(3), "two": np.ones(4)}, "one")
