"""The "Code" chapter's figures: loss histories, predictions, benchmarks, digits."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from lstmbook import plots  # noqa: E402
from lstmbook.bench import Row  # noqa: E402
from lstmbook.training import History  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def labelled(ax):
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()


def history(n_steps=12, n_epochs=3, scale=1.0):
    h = History()
    h.loss = list(scale * np.geomspace(1.0, 1e-3, n_steps))
    h.val_metric = list(scale * np.geomspace(0.5, 1e-3, n_epochs))
    return h


def test_loss_history_one_run_draws_steps_and_epochs():
    fig = plots.plot_loss_history(history())
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    labelled(ax)
    lines = ax.get_lines()
    assert len(lines) == 2
    steps, val = lines
    assert len(steps.get_xdata()) == 12
    # validation points sit at the ends of the epochs: steps 4, 8, 12
    np.testing.assert_allclose(val.get_xdata(), [4, 8, 12])
    assert ax.get_yscale() == "log"
    h = history()
    h.eval_updates = [2, 6, 12]  # where fit recorded them
    steps, val = plots.plot_loss_history(h).axes[0].get_lines()
    np.testing.assert_allclose(val.get_xdata(), [2, 6, 12])


def test_loss_history_several_runs_stay_distinguishable():
    fig = plots.plot_loss_history({"NumPy": history(), "PyTorch": history(scale=1.0)})
    (ax,) = fig.axes
    lines = ax.get_lines()
    assert len(lines) == 4
    assert lines[0].get_linestyle() != lines[2].get_linestyle()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("NumPy" in t for t in labels) and any("PyTorch" in t for t in labels)


def test_loss_history_without_validation_and_linear_scale():
    h = History()
    h.loss = [3.0, 2.0, 1.0]
    (ax,) = plots.plot_loss_history(h, logy=False).axes
    assert len(ax.get_lines()) == 1 and ax.get_yscale() == "linear"


def test_loss_history_refuses_empty():
    with pytest.raises(ValueError):
        plots.plot_loss_history({})
    with pytest.raises(ValueError, match="no recorded loss"):
        plots.plot_loss_history(History())


def test_prediction_two_panels_and_shaded_test_part():
    t = np.linspace(0, 6, 50)
    fig = plots.plot_prediction(np.sin(t)[:, None], np.sin(t) + 0.01, split=40)
    main, err = fig.axes
    assert main.get_title() and err.get_title()
    assert err.get_xlabel() and err.get_ylabel() and main.get_ylabel()
    np.testing.assert_allclose(err.get_lines()[0].get_ydata(), 0.01)
    assert main.patches and err.patches  # the shaded test span in both panels


def test_prediction_into_given_axes_and_errors():
    fig, ax = plt.subplots()
    assert plots.plot_prediction([1, 2, 3], [1, 2, 4], ax=ax) is fig
    assert len(fig.axes) == 1 and ax.get_xlabel()
    with pytest.raises(ValueError, match="values"):
        plots.plot_prediction([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="split"):
        plots.plot_prediction([1, 2, 3], [1, 2, 3], split=5)


def rows():
    out = []
    for T in (10, 30, 100):
        out.append(Row((T, 4, 8, 16), "lstmbook.numpy", 1e-3 * T, 3e-3 * T, 1.0, 1.0, 0.0))
        out.append(Row((T, 4, 8, 16), "torch", 5e-4 * T, 1e-3 * T, 1.0, 1.0, 1e-7))
    return out


def test_benchmark_one_line_per_backend_in_milliseconds():
    fig = plots.plot_benchmark(rows()[::-1], sweep="T", labels={"torch": "torch.nn.LSTM"})
    (ax,) = fig.axes
    labelled(ax)
    lines = ax.get_lines()
    assert len(lines) == 2
    by_label = {line.get_label(): line for line in lines}
    assert set(by_label) == {"lstmbook.numpy", "torch.nn.LSTM"}
    numpy_line = by_label["lstmbook.numpy"]
    np.testing.assert_allclose(numpy_line.get_xdata(), [10, 30, 100])  # sorted
    np.testing.assert_allclose(numpy_line.get_ydata(), [30, 90, 300])  # ms, forward+backward
    assert "sequence length" in ax.get_xlabel()
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"


def test_benchmark_forward_time_from_mappings_and_bad_sweep():
    as_dicts = [r.__dict__ for r in rows()]
    (ax,) = plots.plot_benchmark(as_dicts, sweep="T", time="forward_s", logx=False).axes
    assert "forward" in ax.get_ylabel() and "backward" not in ax.get_ylabel()
    with pytest.raises(ValueError, match="sweep"):
        plots.plot_benchmark(rows(), sweep="X")
    with pytest.raises(ValueError, match="no rows"):
        plots.plot_benchmark([])


def test_digits_grid_marks_mistakes_in_red():
    images = np.zeros((5, 28, 28), dtype=np.uint8)
    fig = plots.plot_digits(images, [1, 2, 3, 4, 5], [1, 2, 0, 4, 5], columns=3)
    assert fig._suptitle is not None and fig._suptitle.get_text()
    used = [ax for ax in fig.axes if ax.images]
    assert len(used) == 5 and len(fig.axes) == 6
    colours = [ax.title.get_color() for ax in used]
    assert colours.count("tab:red") == 1 and "predicted 0" in used[2].get_title()


def test_digits_errors():
    with pytest.raises(ValueError):
        plots.plot_digits(np.zeros((2, 4)), [1, 2])
    with pytest.raises(ValueError, match="predictions"):
        plots.plot_digits(np.zeros((2, 4, 4)), [1, 2], [1])
