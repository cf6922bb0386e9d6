"""The measurements behind the Gates and BPTT pages' claims about gradient paths."""

import numpy as np
import pytest
import torch
from torch import nn

from lstmbook.numpy import LSTM
from lstmbook.torch.gradient_paths import cell_path_input_gradients, hidden_state_gradient_norms
from lstmbook.torch.models import RecurrentNet


def _library_input_gradient(lstm, x):
    out, _ = lstm.forward(x)
    grad = np.zeros_like(out)
    grad[-1] = 1.0
    return lstm.backward(grad)


def test_the_two_paths_add_up_to_the_library_backward():
    x = np.random.default_rng(0).normal(size=(12, 3, 4))
    lstm = LSTM(4, 5, seed=0, forget_bias=1.0)
    parts = cell_path_input_gradients(lstm.params, x)
    np.testing.assert_allclose(parts["total"], _library_input_gradient(lstm, x), atol=1e-12)
    np.testing.assert_allclose(parts["cell path"] + parts["through h"], parts["total"],
                               atol=1e-15)


def test_without_recurrent_weights_everything_goes_along_the_cell():
    x = np.random.default_rng(1).normal(size=(8, 2, 3))
    lstm = LSTM(3, 4, seed=1)
    lstm.params["weight_hh_l0"][...] = 0.0
    parts = cell_path_input_gradients(lstm.params, x)
    assert np.abs(parts["through h"]).max() == 0.0
    assert np.abs(parts["cell path"]).max() > 0.0


def test_the_cell_path_decays_like_the_product_of_forget_gates_when_only_biases_act():
    # f = sigma(2) at every step, nothing read from h: the cell path's gain over d steps is f^d
    lstm = LSTM(1, 1, seed=0)
    for name in ("weight_hh_l0", "bias_hh_l0"):
        lstm.params[name][...] = 0.0
    lstm.params["weight_ih_l0"][...] = [[1.0], [0.0], [1.0], [0.0]]   # i, g read x; f, o do not
    lstm.params["bias_ih_l0"][...] = [0.0, 2.0, 0.0, 0.0]
    x = np.ones((6, 1, 1))
    g = cell_path_input_gradients(lstm.params, x)["cell path"][:, 0, 0]
    f = 1 / (1 + np.exp(-2.0))
    np.testing.assert_allclose(g[:-1] / g[1:], f, rtol=1e-12)        # each step back: times f


def test_hidden_state_gradients_follow_the_rnn_recursion():
    torch.manual_seed(0)
    net = RecurrentNet("rnn", 3, 4, 1).double()
    x = torch.randn(1, 6, 3, dtype=torch.float64)
    y = torch.randn(1, 1, dtype=torch.float64)
    norms = hidden_state_gradient_norms(net, x, y, nn.MSELoss())
    # by hand: dL/dh_T = head^T dL/dout, dL/dh_{t-1} = W_hh^T ((1 - h_t^2) dL/dh_t)
    with torch.no_grad():
        hs = net.hidden_states(x)[0]                                   # (T, H)
        out = net.head(hs[-1])
        d = net.head.weight.T @ (2 * (out - y[0]))
        expected = [d.norm().item()]
        for t in range(hs.shape[0] - 1, 0, -1):
            d = net.rnn.weight_hh_l0.T @ ((1 - hs[t] ** 2) * d)
            expected.append(d.norm().item())
    np.testing.assert_allclose(norms[::-1], expected, rtol=1e-10)
    assert all(p.grad is None or p.grad.abs().max() == 0 for p in net.parameters())


def test_hidden_state_gradients_refuse_a_per_step_readout():
    net = RecurrentNet("lstm", 2, 3, 1, readout="all")
    with pytest.raises(ValueError, match="readout='last'"):
        hidden_state_gradient_norms(net, np.zeros((1, 4, 2), np.float32),
                                    np.zeros((1, 4, 1), np.float32), nn.MSELoss())


def _sweep():
    def rec(T, model, seed, curve, solved):
        return {"task": "recall", "T": T, "model": model, "seed": seed, "solved": solved,
                "updates": curve[-1][0], "val_accuracy": curve}
    return {
        "settings": {"steps": 1000, "eval_every": 250, "thresholds": {"recall": 0.95}},
        "records": [rec(10, "a", 0, [[250, 0.5], [500, 0.97]], True),
                    rec(10, "a", 1, [[250, 0.96]], True),
                    rec(10, "b", 0, [[250, 0.3], [500, 0.3], [750, 0.2], [1000, 0.3]], False),
                    rec(25, "a", 0, [[250, 0.3], [1000, 0.4]], False)],
        "skipped": [{"task": "recall", "T": 25, "model": "b", "failed_at": 10}],
    }


def test_solved_fraction_counts_runs_solved_within_each_budget():
    from lstmbook.plots.gates import solved_fraction
    records = [r for r in _sweep()["records"] if r["model"] == "a" and r["T"] == 10]
    np.testing.assert_allclose(solved_fraction(records, [100, 250, 499, 500, 1000]),
                               [0, 0.5, 0.5, 1, 1])
    with pytest.raises(ValueError, match="no records"):
        solved_fraction([], [1])


def test_the_success_figure_has_a_column_per_length_and_names_models_not_run():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from lstmbook.plots.gates import plot_success_by_updates
    fig = plot_success_by_updates(_sweep(), "recall", ["a", "b"], labels={"b": "model B"})
    axes = fig.axes
    assert [ax.get_title() for ax in axes[:2]] == ["T = 10", "T = 25"]
    texts = [t.get_text() for ax in axes for t in ax.texts]
    assert any("model B" in t and "not run" in t for t in texts)
    plt.close(fig)
