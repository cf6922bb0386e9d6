"""LSTM/GRU forecasters: shapes, relative windows, strategies, early stopping, shipped weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lstmbook import artifacts
from lstmbook.data.series import FORECAST_TASKS
from lstmbook.evaluation import make_windows, time_split
from lstmbook.torch.forecast import (
    NeuralForecaster,
    fit_forecaster,
    level_windows,
    load_forecasters,
    relative_windows,
    save_forecasters,
)
from lstmbook.torch.models import RecurrentNet


def net(cell="lstm", hidden_size=4, outputs=1):
    """The forecasters' network: one value per step in, ``outputs`` values out."""
    return RecurrentNet(cell, 1, hidden_size, outputs)


def zero_model(cell="lstm", outputs=1):
    m = net(cell, 4, outputs)
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
    f = NeuralForecaster(net("gru", 4, 1), window=5, scale=1.0, horizon=3)
    h = np.linspace(0, 1, 12)
    three = f(h)
    one = NeuralForecaster(f.model, 5, 1.0, horizon=1)
    np.testing.assert_allclose(three[0], one(h)[0])
    np.testing.assert_allclose(three[1], one(np.r_[h, three[0]])[0], rtol=1e-6)


def test_forecaster_checks_model_outputs_and_window_shape():
    with pytest.raises(ValueError, match="needs a model with 4 output"):
        NeuralForecaster(net("lstm", 4, 1), 5, 1.0, horizon=4, strategy="direct")
    with pytest.raises(ValueError, match="input_size=1"):
        NeuralForecaster(RecurrentNet("lstm", 2, 4, 1), 5, 1.0)
    f = NeuralForecaster(net("lstm", 4, 1), 5, 1.0)
    with pytest.raises(ValueError, match=r"expected windows \(N, 5\)"):
        f.predict(np.zeros((2, 4)))
    split = time_split(60, 10, 10)
    with pytest.raises(ValueError, match="cell must be one of"):
        fit_forecaster(np.sin(np.arange(60.0)), split, cell="transformer", window=5)


def test_fit_keeps_the_weights_of_the_best_validation_epoch():
    y = np.sin(np.arange(200) / 5.0) + 0.05 * np.random.default_rng(0).standard_normal(200)
    split = time_split(200, 40, 40)
    r = fit_forecaster(y, split, cell="gru", window=10, hidden_size=4, epochs=15, patience=3)
    assert r.val_loss[r.best_epoch - 1] == min(r.val_loss)  # epochs counted from 1
    assert len(r.val_loss) == len(r.train_loss) <= 15
    assert r.history.stopped == "patience" or len(r.val_loss) == 15
    x, target, _ = make_windows(y, 10, 1, start=split.val.start, stop=split.val.stop)
    xr, yr = relative_windows(x, r.forecaster.scale, target)
    with torch.no_grad():  # the kept weights are the best epoch's: they give its loss
        pred = r.forecaster.model(torch.as_tensor(xr[..., None], dtype=torch.float32))
    loss = torch.nn.functional.mse_loss(pred, torch.as_tensor(yr, dtype=torch.float32))
    assert float(loss) == pytest.approx(min(r.val_loss), rel=1e-6)


def test_shuffled_protocol_mixes_test_windows_into_the_training_period():
    y = np.arange(100.0)
    split = time_split(100, 20, 20)
    train, _, test, _ = level_windows(y, 5, split, "shuffled", seed=0)
    assert test[1].min() < train[1].max()  # some test target precedes some training target
    train, _, test, scaler = level_windows(y, 5, split, "honest")
    assert test[1].min() > train[1].max() and scaler.mean == pytest.approx(np.mean(y[:60]))


def test_saved_forecasters_load_back_identically(tmp_path, monkeypatch):
    monkeypatch.setattr(artifacts, "ROOT", tmp_path)
    torch.manual_seed(0)
    fs = [NeuralForecaster(net("lstm", 16, 3), 6, 0.5 + k, 3, "direct") for k in range(2)]
    path = save_forecasters("demo/f", fs, script="scripts/x.py", seed=[0, 1], updates=7)
    assert path == tmp_path / "demo" / "f.npz" and artifacts.record("demo/f")["updates"] == 7
    h = np.linspace(0, 1, 20)
    for source in (artifacts.load("demo/f"), path):
        back = load_forecasters(source, cell="lstm", window=6, horizon=3, strategy="direct",
                                n_seeds=2)
        for a, b in zip(fs, back, strict=True):
            assert a.scale == b.scale
            np.testing.assert_allclose(a(h), b(h))
    with pytest.raises(ValueError, match="does not match"):
        load_forecasters(path, cell="gru", window=6, horizon=3, strategy="direct", n_seeds=2)
    with pytest.raises(ValueError, match="unexpected"):
        load_forecasters(path, cell="lstm", window=6, horizon=3, strategy="direct", n_seeds=1)


@pytest.mark.parametrize("task", sorted(FORECAST_TASKS))
@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("strategy", ["recursive", "direct"])
def test_shipped_weights_fit_the_training_scripts_models(task, cell, strategy):
    setup = FORECAST_TASKS[task]
    fs = load_forecasters(artifacts.load(f"forecast/{task}_{cell}_{strategy}"), cell=cell,
                          window=setup["window"], horizon=setup["horizon"], strategy=strategy,
                          n_seeds=5)
    out = fs[0](np.linspace(300.0, 310.0, setup["window"]))
    assert out.shape == (setup["horizon"],) and np.isfinite(out).all()
