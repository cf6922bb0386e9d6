"""The FAQ chapter's runs: its tasks, the model and loop they train with, the shipped list
of runs (``faq/runs``) and the shipped weights."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from lstmbook import artifacts
from lstmbook.data import ADDING_BASELINE_MSE
from lstmbook.data.faq_tasks import FAQ_TASKS, faq_task, recall_at_lag, spiky_sine
from lstmbook.evaluation import mean_and_spread
from lstmbook.io import load_into
from lstmbook.torch.models import RecurrentNet, parameter_count
from lstmbook.torch.train import evaluate, fit

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "train_faq.py"


def trained(name: str) -> nn.Module:
    """A shipped FAQ model, rebuilt from the run list, as the pages load it."""
    settings = artifacts.load("faq/runs")[name]["model"]
    return load_into(RecurrentNet(**settings), artifacts.path(name))


def test_recall_at_lag_targets_the_value_lag_steps_before_the_end():
    x, y = recall_at_lag(5, 10, 3, seed=0)
    assert x.shape == (5, 10, 1) and y.shape == (5, 1)
    np.testing.assert_array_equal(y[:, 0], x[:, 7, 0])
    with pytest.raises(ValueError, match="lag"):
        recall_at_lag(5, 10, 11)


@pytest.mark.parametrize("name", FAQ_TASKS)
def test_every_faq_task_is_finite_float32_and_the_same_on_every_call(name):
    first, again = faq_task(name), faq_task(name)
    for a, b in zip(first, again, strict=True):
        assert a.dtype == np.float32 and np.isfinite(a).all()
        np.testing.assert_array_equal(a, b)
    x_tr, y_tr, x_te, y_te = first
    assert len(x_tr) == len(y_tr) and len(x_te) == len(y_te) and x_tr.shape[1:] == x_te.shape[1:]


def test_unknown_task_is_a_value_error_listing_the_tasks():
    with pytest.raises(ValueError, match="outlier-robust-clip"):
        faq_task("missing-median")


def test_spiky_sine_spikes_the_inputs_only():
    x_tr, y_tr, _, _ = spiky_sine()
    clean_x, clean_y, _, _ = faq_task("sine")
    np.testing.assert_array_equal(y_tr, clean_y)
    jumped = np.abs(x_tr - clean_x) > 1
    assert 0.01 < jumped.mean() < 0.03


@pytest.mark.parametrize("cell, blocks", [("rnn", 1), ("gru", 3), ("lstm", 4)])
def test_the_faq_model_has_the_parameters_of_its_cell_plus_a_head(cell, blocks):
    I, H = 3, 8
    model = RecurrentNet(cell, I, H, 2)
    assert parameter_count(model) == blocks * (H * I + H * H + 2 * H) + (H * 2 + 2)
    assert model(torch.zeros(4, 6, I)).shape == (4, 2)


def test_the_faq_model_refuses_wrong_inputs_and_settings():
    with pytest.raises(ValueError, match="cell"):
        RecurrentNet("transformer", 1, 4, 1)
    with pytest.raises(ValueError, match="forget gate"):
        RecurrentNet("gru", 1, 4, 1, forget_bias=1.0)
    with pytest.raises(ValueError, match=r"\(B, T, 3\)"):
        RecurrentNet("lstm", 3, 4, 1)(torch.zeros(2, 5, 4))


def test_forget_bias_sets_the_sum_of_the_forget_biases():
    model = RecurrentNet("lstm", 1, 4, 1, forget_bias=2.5)
    b = model.rnn.bias_ih_l0 + model.rnn.bias_hh_l0
    torch.testing.assert_close(b[4:8], torch.full((4,), 2.5))


def test_fit_by_steps_learns_a_one_step_recall():
    torch.set_num_threads(1)
    x, y = recall_at_lag(400, 5, 1, seed=0)
    torch.manual_seed(0)
    model = RecurrentNet("lstm", 1, 8, 1)
    history = fit(model, (x[:300], y[:300]), loss_fn=nn.MSELoss(), lr=1e-2, steps=150,
                  batch_size=64, clip_norm=1.0, seed=0)
    assert history.updates == 150
    assert evaluate(model, nn.MSELoss(), (x[300:], y[300:])) < 0.2  # the mean gives 1


def test_mean_and_spread_is_the_sample_spread_and_refuses_a_single_value():
    assert mean_and_spread([1.0, 3.0]) == (2.0, pytest.approx(np.sqrt(2)))
    with pytest.raises(ValueError, match="at least 2"):
        mean_and_spread([5.0])


def _script_runs() -> list[dict]:
    spec = importlib.util.spec_from_file_location("train_faq", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FAQ_RUNS


def test_the_shipped_run_list_is_the_scripts_and_every_run_is_shipped():
    runs = artifacts.load("faq/runs")
    script = {f"faq/{r['name']}": r for r in _script_runs()}
    assert set(runs) == set(script)
    for name, run in runs.items():
        assert {k: run[k] for k in ("task", "study", "seed", "fit")} == \
            {k: script[name][k] for k in ("task", "study", "seed", "fit")}, name
        assert run["model"]["cell"] == script[name]["model"]["cell"], name
        record = artifacts.record(name)
        assert record["kind"] == "weights" and record["seed"] == run["seed"], name
        assert record["updates"] == run["fit"]["steps"], name
    weights = {n for n, r in artifacts.records().items()
               if n.startswith("faq/") and r["kind"] == "weights"}
    assert weights == set(runs)


def test_every_shipped_weight_file_fits_the_model_the_script_trains():
    for name in artifacts.load("faq/runs"):
        model = trained(name)  # raises, naming the array, on any mismatch
        assert not model.training


def test_the_shipped_adding_lstm_solved_the_task_and_the_rnn_did_not():
    _, _, x_te, y_te = faq_task("adding")
    lstm = evaluate(trained("faq/adding-lstm-s0"), nn.MSELoss(), (x_te, y_te))
    rnn = evaluate(trained("faq/adding-rnn-s0"), nn.MSELoss(), (x_te, y_te))
    assert lstm < 0.1 * ADDING_BASELINE_MSE < rnn


def test_plot_seed_runs_draws_an_error_bar_only_for_several_seeds():
    import matplotlib

    matplotlib.use("Agg")
    from lstmbook.plots.faq import plot_seed_runs

    fig = plot_seed_runs({"two seeds": [1.0, 3.0], "one seed": [2.0]}, title="t", ylabel="y")
    ax = fig.axes[0]
    assert [p.get_height() for p in ax.patches] == [2.0, 2.0]
    caps = [c for c in ax.containers if getattr(c, "errorbar", None) is not None]
    spans = [seg[1][1] - seg[0][1] for c in caps for seg in c.errorbar.lines[2][0].get_segments()]
    assert spans == [pytest.approx(2 * np.sqrt(2))]


def test_shipped_faq_models_score_what_their_records_say():
    from lstmbook.torch import faq

    name = faq.seeds_of("sine", "gru")[0]
    recorded = artifacts.record(name)["metrics"]["test_mse"]  # rounded to 6 decimals
    assert faq.test_mse(name) == pytest.approx(recorded, abs=1e-6)
    assert faq.trained(name).rnn.__class__.__name__ == "GRU"


def test_unknown_faq_run_is_named():
    from lstmbook.torch import faq

    with pytest.raises(ValueError, match="no FAQ run named 'sine-lstm-s9'"):
        faq.trained("sine-lstm-s9")


def test_sequences_seen_is_what_fit_counts_with_a_short_last_batch():
    from lstmbook.torch.faq import sequences_seen

    torch.set_num_threads(1)
    x, y = recall_at_lag(70, 3, 1, seed=0)                 # 70 = 2 batches of 32 + 6
    for updates in (1, 2, 3, 7):
        history = fit(RecurrentNet("rnn", 1, 2, 1), (x, y), loss_fn=nn.MSELoss(),
                      steps=updates, batch_size=32, seed=0)
        assert history.sequences == sequences_seen(70, 32, updates), updates


def test_squared_errors_are_per_example_and_average_to_the_mse():
    from lstmbook.torch.faq import mse, squared_errors

    x, y = recall_at_lag(20, 4, 2, seed=1)
    model = RecurrentNet("lstm", 1, 3, 1)
    errors = squared_errors(model, x, y)
    assert errors.shape == (20,) and (errors >= 0).all()
    assert errors.mean() == pytest.approx(mse(model, x, y), rel=1e-5)


def test_test_losses_refuse_runs_tested_on_other_examples():
    from lstmbook.torch import faq

    with pytest.raises(ValueError, match="not paired"):
        faq.test_losses(["faq/sine-lstm-s0", "faq/adding-lstm-s0"])
    # the missing-value variants are tested on the sine task's windows: paired
    assert faq.test_losses(["faq/sine-lstm-s0", "faq/missing-zero-lstm-s0"]).shape == (370,)


def test_paired_test_finds_the_rnn_worse_than_the_lstm_on_the_adding_problem():
    from lstmbook.torch import faq

    test = faq.paired_test(faq.seeds_of("adding", "rnn"), faq.seeds_of("adding", "lstm"))
    assert test.difference > 0 and test.p_value < 0.01 and test.low > 0
    assert faq.verdict(test, "the RNN", "the LSTM").startswith("the LSTM has the lower")


def test_verdict_says_only_what_the_test_allows():
    from lstmbook.evaluation import PairedTest
    from lstmbook.torch.faq import verdict

    unclear = PairedTest(-0.01, -1.0, 0.3, -0.03, 0.01)
    assert verdict(unclear, "A", "B") == \
        "the test sample does not tell A and B apart; paired test, p = 0.3"
    assert "p < 0.001" in verdict(PairedTest(0.2, 9.0, 1e-9, 0.1, 0.3), "A", "B")
    assert verdict(PairedTest(0.2, 9.0, 0.01, 0.1, 0.3), "A", "B").startswith(
        "B has the lower test error, by 0.2;")


def test_the_shipped_sweep_curves_end_at_the_shipped_weights_scores():
    runs = artifacts.load("faq/runs")
    sweep = artifacts.load("faq/sweep")
    assert set(sweep) == {n for n, r in runs.items() if r["study"] == "sweep"}
    for name, curve in sweep.items():
        fit_settings = runs[name]["fit"]
        assert curve["lr"] == fit_settings["lr"] and curve["seed"] == runs[name]["seed"]
        assert curve["eval_updates"][-1] == fit_settings["steps"]
        assert curve["eval_updates"][0] == fit_settings["eval_every"]
        recorded = artifacts.record(name)["metrics"]["test_mse"]
        assert curve["test_mse"][-1] == pytest.approx(recorded, abs=2e-6), name


def test_plot_seed_runs_labels_a_log_axis_at_1_2_and_5_of_each_decade():
    import matplotlib

    matplotlib.use("Agg")
    from lstmbook.plots.faq import plot_seed_runs

    fig = plot_seed_runs({"a": [0.012, 0.014], "b": [0.2, 0.3]}, title="t", ylabel="y",
                         logy=True)
    ax = fig.axes[0]
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels()
              if ax.get_ylim()[0] <= t.get_position()[1] <= ax.get_ylim()[1]]
    assert {"0.02", "0.05", "0.1", "0.2"} <= set(labels)
