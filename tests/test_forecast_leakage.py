"""No value of the test block reaches the scaling, the validation losses, the chosen
epochs or the refitted weights of :mod:`lstmbook.forecast`; the windows keep their targets
inside their block; the ETS baseline fits once and then only filters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from lstmbook.baselines.forecast import EtsForecaster
from lstmbook.forecast.model import Scaling, supervised, window_index
from lstmbook.forecast.pipeline import Settings, choose_sizes, evaluate
from lstmbook.forecast.table import InputError, read_table

TINY = dict(horizon=2, seeds=2, hidden_size=4, epochs=6, patience=3, quick=True, n_val=8,
            n_test=8)


def frame(n=48, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return pd.DataFrame({"week": pd.date_range("2020-01-05", periods=n, freq="W-SUN"),
                         "y": 50 + np.cumsum(rng.normal(size=n)) + np.sin(t / 3),
                         "x": rng.normal(size=n)})


def run(df):
    torch.set_num_threads(1)
    table = read_table(df, time="week", target="y", features=["x"], season=1)
    return evaluate(table, Settings(**TINY), progress=False)


@pytest.fixture(scope="module")
def honest_and_wild():
    df = frame()
    wild = df.copy()
    wild.loc[40:, "y"] = wild.loc[40:, "y"] * 10 + 1000  # the test block (last 8) goes wild
    wild.loc[40:, "x"] = -wild.loc[40:, "x"] * 50
    return run(df), run(wild)


def test_changing_the_test_block_changes_no_scaling_statistic(honest_and_wild):
    a, b = honest_and_wild
    assert a.scalings == b.scalings


def test_changing_the_test_block_changes_no_validation_loss_nor_chosen_epoch(honest_and_wild):
    a, b = honest_and_wild
    runs_a, runs_b = a.lstm["LSTM"]["runs"], b.lstm["LSTM"]["runs"]
    assert [r["val_loss"] for r in runs_a] == [r["val_loss"] for r in runs_b]
    assert [r["best_epoch"] for r in runs_a] == [r["best_epoch"] for r in runs_b]
    assert a.baselines["all"]["validation_MAE"] == b.baselines["all"]["validation_MAE"]
    assert a.intervals["all"]["lower_offset"] == b.intervals["all"]["lower_offset"]


def test_the_refit_on_train_and_validation_never_sees_the_test_block(honest_and_wild):
    a, b = honest_and_wild
    for ma, mb in zip(a.ensemble.models["all"], b.ensemble.models["all"], strict=True):
        for (name, pa), (_, pb) in zip(ma.state_dict().items(), mb.state_dict().items(),
                                       strict=True):
            assert torch.equal(pa, pb), name


def test_the_test_scores_do_see_the_changed_test_block(honest_and_wild):
    a, b = honest_and_wild  # the check above would pass trivially if nothing were scored
    mae = {r["model"]: r["MAE"] for r in a.scores}, {r["model"]: r["MAE"] for r in b.scores}
    assert mae[0]["persistence"] != mae[1]["persistence"]


def test_windows_keep_their_targets_inside_the_block_and_look_back_for_inputs():
    rows_in, rows_out, origins = window_index(30, window=5, horizon=2, start=20, stop=26)
    assert rows_out.min() == 20 and rows_out.max() == 25
    assert rows_in.min() == 15 and (rows_in.max(axis=1) == origins - 1).all()


def test_inputs_are_relative_to_the_last_value_and_features_standardised_on_train():
    t = np.arange(10.0)
    values = np.c_[t ** 2, t]
    sc = Scaling.fit(values[:6])
    assert sc.scale == pytest.approx(np.std(np.diff(t[:6] ** 2)))
    x, y = supervised(values, sc, window=3, horizon=1, start=6, stop=10)
    np.testing.assert_allclose(x[0, :, 0], [-16 / sc.scale, -9 / sc.scale, 0], rtol=1e-6)
    np.testing.assert_allclose(x[0, :, 1], (np.arange(3, 6) - 2.5) / np.std(np.arange(6)),
                               rtol=1e-6)
    np.testing.assert_allclose(y[0, 0], 11 / sc.scale, rtol=1e-6)


def test_a_training_block_with_no_change_is_refused_with_one_line():
    df = frame(48)
    df.loc[:31, "y"] = 3.0
    with pytest.raises(InputError, match="training block cannot be scaled"):
        run(df)


def test_default_sizes_leave_enough_windows_and_say_what_is_needed():
    sizes = choose_sizes(203, 4, 4, Settings(horizon=4))
    assert (sizes.window, sizes.n_val, sizes.n_test) == (8, 30, 30)
    with pytest.raises(InputError, match=r"needs at least 31 \(19 to train, 6 to "
                                         r"validate, 6 to test\)"):
        choose_sizes(30, 4, 4, Settings(horizon=4))


def test_ets_fits_once_then_only_filters_the_longer_history():
    rng = np.random.default_rng(0)
    y = 20 + np.cumsum(rng.normal(size=80))
    f = EtsForecaster(trend="add", damped_trend=True, horizon=3).fit(y[:60])
    params = f.results.params.copy()
    np.testing.assert_allclose(f(y[:60]), f.results.forecast(3))
    longer = f(y[:70])
    assert longer.shape == (3,) and np.isfinite(longer).all()
    np.testing.assert_array_equal(f.results.params, params)
    assert np.isfinite(f.aic)
