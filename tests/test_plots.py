"""lstmbook.plots: every function returns a Figure whose axes have titles and labels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from lstmbook import plots  # noqa: E402
from lstmbook.numpy import LSTM  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def titled(fig):
    assert isinstance(fig, Figure)
    assert fig.axes
    main = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert all(ax.get_title() or ax.get_title(loc="left") for ax in main)
    return main


def test_activation_functions():
    (ax,) = titled(plots.plot_activation_functions())
    assert ax.get_xlabel() and ax.get_ylabel()
    assert len(ax.get_lines()) >= 4


def test_gates_from_an_lstm():
    lstm = LSTM(2, 3, seed=0)
    lstm(np.random.default_rng(0).normal(size=(9, 2, 2)))
    fig = plots.plot_gates(lstm.activations(), sample=1, title="t")
    axes = titled(fig)
    assert len(axes) == 6
    assert axes[-1].get_xlabel() == "time step t"
    assert fig.get_suptitle() == "t"


def test_gates_unbatched_and_subset():
    a = {"f": np.full((5, 3), 0.5), "c": np.zeros((5, 3))}
    axes = titled(plots.plot_gates(a, keys=["f", "c"]))
    assert len(axes) == 2
    with pytest.raises(ValueError, match="not in activations"):
        plots.plot_gates(a, keys=["i"])
    with pytest.raises(ValueError):
        plots.plot_gates({"x": np.zeros((2, 2))})


def test_gradient_norms_log_scale_and_zeros():
    fig = plots.plot_gradient_norms({"a": [1.0, 0.1, 0.0], "b": np.ones(5)}, styles={"b": "C3--"})
    (ax,) = titled(fig)
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() and ax.get_ylabel()
    assert np.all(np.isfinite(ax.get_lines()[0].get_ydata()))
    assert ax.get_lines()[1].get_linestyle() == "--"
    with pytest.raises(ValueError):
        plots.plot_gradient_norms({})


def test_curves_bars_and_layouts():
    (ax,) = titled(
        plots.plot_curves(
            [0, 1], {"y": [1, 2]}, title="T", xlabel="x", ylabel="y", logy=True, styles={"y": "--"}
        )
    )
    assert ax.get_yscale() == "log"
    (ax,) = titled(plots.plot_bars({"LSTM": 100, "GRU": 75.5}, title="P", ylabel="n"))
    assert len(ax.patches) == 2
    (ax,) = titled(plots.plot_gate_layouts({"PyTorch": "ifgo", "ONNX": "iofg"}))
    assert [t.get_text() for t in ax.texts][:4] == list("ifgo")
    with pytest.raises(ValueError):
        plots.plot_gate_layouts({"bad": "ifgx"})


def test_draws_into_given_axes():
    fig, ax = plt.subplots()
    assert plots.plot_activation_functions(ax=ax) is fig
    assert ax.get_title()
