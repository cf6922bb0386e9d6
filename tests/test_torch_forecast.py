"""LSTM/GRU forecasters: shapes, relative windows, strategies, early stopping, shipped weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from lstmbook.data.series import FORECAST_TASKS
from lstmbook.evaluation import time_split
from lstmbook.torch.forecast import (
    NeuralForecaster,
    RecurrentForecaster,
    fit_forecaster,
    level_windows,
    load_forecasters,
    relative_windows,
    save_forecasters,
)

WEIGHTS = Path(__file__).resolve().parents[1] / "book" / "applications" / "weights"


def zero_model(cell="lstm", outputs=1):
    m = RecurrentForecaster(cell, 4, outputs)
    with torch.no_grad():
        m.head.weight.zero_()
        m.head.bias.zero_()
    return m


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_a_network_that_outputs_zero_is_the_persistence_forecast(cell):
    h = np.cumsum(np.random.default_rng(0).standard_normal(30)) + 50
    for strategy, outputs in (("recursive", 1), ("direct", 5)):
        f = NeuralForecaster(zero_model(cell, outputs), window=8, scale=2.0, horizon=5,
                             strategy=strategy)
        np.testing.assert_allclose(f(h), np.full(5, h[-1]), rtol=1e-6)


def test_relative_windows_subtract_the_last_value_and_divide_by_the_scale():
    x = np.array([[1.0, 3.0, 5.0]])
    xr, yr = relative_windows(x, 2.0, np.array([[9.0]]))
    np.testing.assert_allclose(xr, [[-2.0, -1.0, 0.0]])
    np.testing.assert_allclose(yr, [[2.0]])


def test_recursive_forecasts_feed_each_forecast_back_as_input():
    torch.manual_seed(0)
    f = NeuralForecaster(RecurrentForecaster("gru", 4, 1), window=5, scale=1.0, horizon=3)
    h = np.linspace(0, 1, 12)
    three = f(h)
    one = NeuralForecaster(f.model, 5, 1.0, horizon=1)
    np.testing.assert_allclose(three[0], one(h)[0])
    np.testing.assert_allclose(three[1], one(np.r_[h, three[0]])[0], rtol=1e-6)


def test_forecaster_checks_model_outputs_and_window_shape():
    with pytest.raises(ValueError, match="needs a model with 4 output"):
        NeuralForecaster(RecurrentForecaster("lstm", 4, 1), 5, 1.0, horizon=4, strategy="direct")
    f = NeuralForecaster(RecurrentForecaster("lstm", 4, 1), 5, 1.0)
    with pytest.raises(ValueError, match=r"expected windows \(N, 5\)"):
        f.predict(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="cell must be one of"):
        RecurrentForecaster("rnn")


def test_fit_keeps_the_weights_of_the_best_validation_epoch():
    y = np.sin(np.arange(200) / 5.0) + 0.05 * np.random.default_rng(0).standard_normal(200)
    split = time_split(200, 40, 40)
    r = fit_forecaster(y, split, cell="gru", window=10, hidden_size=4, epochs=15, patience=3)
    assert r.val_loss[r.best_epoch] == min(r.val_loss)
    assert len(r.val_loss) == len(r.train_loss) <= 15


def test_shuffled_protocol_mixes_test_windows_into_the_training_period():
    y = np.arange(100.0)
    split = time_split(100, 20, 20)
    train, _, test, _ = level_windows(y, 5, split, "shuffled", seed=0)
    assert test[1].min() < train[1].max()  # some test target precedes some training target
    train, _, test, scaler = level_windows(y, 5, split, "honest")
    assert test[1].min() > train[1].max() and scaler.mean == pytest.approx(np.mean(y[:60]))


def test_saved_forecasters_load_back_identically(tmp_path):
    torch.manual_seed(0)
    fs = [NeuralForecaster(RecurrentForecaster("lstm", 16, 3), 6, 0.5 + k, 3, "direct")
          for k in range(2)]
    save_forecasters(tmp_path / "f.npz", fs)
    back = load_forecasters(tmp_path / "f.npz", cell="lstm", window=6, horizon=3,
                            strategy="direct", n_seeds=2)
    h = np.linspace(0, 1, 20)
    for a, b in zip(fs, back, strict=True):
        assert a.scale == b.scale
        np.testing.assert_allclose(a(h), b(h))
    with pytest.raises(ValueError, match="does not match"):
        load_forecasters(tmp_path / "f.npz", cell="gru", window=6, horizon=3,
                         strategy="direct", n_seeds=2)


@pytest.mark.parametrize("task", sorted(FORECAST_TASKS))
@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("strategy", ["recursive", "direct"])
def test_shipped_weights_fit_the_training_scripts_models(task, cell, strategy):
    setup = FORECAST_TASKS[task]
    fs = load_forecasters(WEIGHTS / f"forecast_{task}_{cell}_{strategy}.npz", cell=cell,
                          window=setup["window"], horizon=setup["horizon"], strategy=strategy,
                          n_seeds=5)
    out = fs[0](np.linspace(300.0, 310.0, setup["window"]))
    assert out.shape == (setup["horizon"],) and np.isfinite(out).all()
