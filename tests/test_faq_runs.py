"""The FAQ chapter's cell comparison: tasks, models, training runs and the shipped weights."""

import numpy as np
import pytest
import torch

from lstmbook import cell_comparison as cc
from lstmbook.data import ADDING_BASELINE_MSE


def test_delayed_recall_targets_the_value_lag_steps_before_the_end():
    x, y = cc.delayed_recall(5, 10, 3, seed=0)
    assert x.shape == (5, 10, 1) and y.shape == (5, 1)
    np.testing.assert_array_equal(y[:, 0], x[:, 7, 0])
    with pytest.raises(ValueError, match="lag"):
        cc.delayed_recall(5, 10, 11)


@pytest.mark.parametrize("kind, blocks", [("rnn", 1), ("gru", 3), ("lstm", 4)])
def test_regressor_has_the_parameters_of_its_cell_plus_a_head(kind, blocks):
    I, H = 3, 8
    model = cc.RecurrentRegressor(kind, I, H, 2)
    expected = blocks * (H * I + H * H + 2 * H) + (H * 2 + 2)
    assert sum(p.numel() for p in model.parameters()) == expected
    assert model(torch.zeros(4, 6, I)).shape == (4, 2)


def test_regressor_refuses_wrong_inputs_and_settings():
    with pytest.raises(ValueError, match="kind"):
        cc.RecurrentRegressor("transformer", 1, 4)
    with pytest.raises(ValueError, match="forget gate"):
        cc.RecurrentRegressor("gru", 1, 4, forget_bias=1.0)
    with pytest.raises(ValueError, match=r"\(B, T, 3\)"):
        cc.RecurrentRegressor("lstm", 3, 4)(torch.zeros(2, 5, 4))


def test_forget_bias_sets_the_sum_of_the_forget_biases():
    model = cc.RecurrentRegressor("lstm", 1, 4, forget_bias=2.5)
    b = model.rnn.bias_ih_l0 + model.rnn.bias_hh_l0
    torch.testing.assert_close(b[4:8], torch.full((4,), 2.5))


def test_fit_regressor_learns_a_one_step_recall():
    torch.set_num_threads(1)
    x, y = cc.delayed_recall(400, 5, 1, seed=0)
    result = cc.fit_regressor("lstm", (x[:300], y[:300], x[300:], y[300:]), hidden_size=8,
                              steps=150, seed=0)
    assert result.test_mse < 0.2  # predicting the mean gives 1
    assert result.parameters == sum(p.numel() for p in result.model.parameters())


def test_fit_regressor_names_a_nan_in_the_data():
    x, y = cc.delayed_recall(20, 5, 1, seed=0)
    x[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="x_train.*NaN"):
        cc.fit_regressor("rnn", (x, y, x, y), steps=1)


def test_mean_and_spread():
    assert cc.mean_and_spread([1.0, 3.0]) == (2.0, pytest.approx(np.sqrt(2)))
    assert cc.mean_and_spread([5.0]) == (5.0, 0.0)


def test_every_shipped_weight_file_fits_the_model_the_script_trains():
    for run in cc.FAQ_RUNS:
        model = cc.load_run(run)  # raises, naming the array, on any mismatch
        assert not model.training


def test_the_shipped_adding_lstm_solved_the_task_and_the_rnn_did_not():
    lstm = cc.held_out_mse(cc.load_run(cc.runs_of("adding", "lstm")[0]), "adding")
    rnn = cc.held_out_mse(cc.load_run(cc.runs_of("adding", "rnn")[0]), "adding")
    assert lstm < 0.1 * ADDING_BASELINE_MSE < rnn
