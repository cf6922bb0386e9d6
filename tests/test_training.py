"""The one recurrent model (lstmbook.torch.models) and the one training loop
(lstmbook.training.run_loop, lstmbook.torch.train.fit)."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from lstmbook.torch.models import (  # noqa: E402
    CELLS,
    RecurrentNet,
    hidden_size_for,
    parameter_count,
)
from lstmbook.torch.train import fit  # noqa: E402
from lstmbook.training import History, run_loop  # noqa: E402


def regression_data(n: int = 256, T: int = 6, seed: int = 0):
    """y = sum of the inputs: learnable by any recurrent cell in a few hundred updates."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, T, 1)).astype(np.float32)
    return x, x.sum(axis=1) / np.sqrt(T)


# ----------------------------------------------------------------------------- model


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_last_step_readout_is_the_head_of_the_last_hidden_state(cell):
    torch.manual_seed(0)
    net = RecurrentNet(cell, 3, 5, 2)
    x = torch.randn(4, 7, 3)
    hs, _ = net.rnn(x)
    torch.testing.assert_close(net(x), net.head(hs[:, -1]))


def test_per_step_readout_gives_one_output_per_step():
    net = RecurrentNet("lstm", 3, 5, 2, readout="all")
    assert net(torch.randn(4, 7, 3)).shape == (4, 7, 2)


def test_bidirectional_last_readout_joins_forward_end_and_backward_start():
    torch.manual_seed(0)
    net = RecurrentNet("gru", 3, 5, 2, bidirectional=True, num_layers=2)
    x = torch.randn(4, 7, 3)
    hs, _ = net.rnn(x)
    joined = torch.cat([hs[:, -1, :5], hs[:, 0, 5:]], dim=-1)
    torch.testing.assert_close(net(x), net.head(joined))


def test_lengths_make_padding_invisible():
    torch.manual_seed(0)
    net = RecurrentNet("lstm", 2, 4, 3, bidirectional=True)
    x = torch.randn(1, 5, 2)
    padded = torch.cat([x, torch.randn(1, 3, 2)], dim=1)
    torch.testing.assert_close(net(padded, torch.tensor([5])), net(x))


def test_embedding_takes_ids_and_run_carries_the_state():
    torch.manual_seed(0)
    net = RecurrentNet("lstm", 11, 6, 11, embedding=4, readout="all")
    ids = torch.randint(0, 11, (2, 8))
    whole, _ = net.run(ids)
    first, state = net.run(ids[:, :5])
    second, _ = net.run(ids[:, 5:], state)
    torch.testing.assert_close(torch.cat([first, second], dim=1), whole)


def test_forget_bias_sets_b_f_in_every_layer_and_leaves_other_gates():
    net = RecurrentNet("lstm", 3, 4, 1, num_layers=2, forget_bias=2.5)
    for layer in range(2):
        b = getattr(net.rnn, f"bias_ih_l{layer}") + getattr(net.rnn, f"bias_hh_l{layer}")
        assert torch.all(b[4:8] == 2.5)
        assert not torch.all(b[:4] == 2.5)


def test_chrono_init_draws_b_f_in_log_range_and_sets_b_i_to_minus_b_f():
    torch.manual_seed(0)
    net = RecurrentNet("lstm", 3, 64, 1, init="chrono", t_max=100)
    b = (net.rnn.bias_ih_l0 + net.rnn.bias_hh_l0).detach()
    b_i, b_f = b[:64], b[64:128]
    assert torch.all(b_f >= 0) and torch.all(b_f <= math.log(99))
    torch.testing.assert_close(b_i, -b_f)
    assert b_f.std() > 0.5  # spread over time scales, not one value


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(cell="lstmx"), "cell must be one of"),
        (dict(cell="gru", forget_bias=1.0), "has none"),
        (dict(cell="lstm", init="chrono"), "t_max"),
        (dict(cell="lstm", readout="first"), "readout"),
        (dict(cell="lstm", embedding=4, projection=4), "not both"),
        (dict(cell="lstm", hidden_size=0), "hidden_size"),
    ],
)
def test_bad_model_arguments_raise_value_error_naming_them(kwargs, words):
    args = dict(cell="lstm", input_size=3, hidden_size=4, output_size=1) | kwargs
    with pytest.raises(ValueError, match=words):
        RecurrentNet(**args)


def test_wrong_input_shape_is_named():
    with pytest.raises(ValueError, match=r"expects x of shape \(B, T, 3\)"):
        RecurrentNet("lstm", 3, 4, 1)(torch.randn(2, 5, 4))


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_hidden_size_for_matches_a_brute_force_search(cell):
    target = 5000
    best = min(range(1, 200), key=lambda h: (
        abs(parameter_count(RecurrentNet(cell, 7, h, 3)) - target), h))
    assert hidden_size_for(cell, target, 7, 3) == best


# ------------------------------------------------------------------------------- loop


def test_fit_by_epochs_records_the_budget():
    torch.manual_seed(0)
    x, y = regression_data()
    net = RecurrentNet("lstm", 1, 8, 1)
    h = fit(net, (x, y), loss_fn=nn.MSELoss(), lr=1e-2, epochs=3, batch_size=64)
    assert isinstance(h, History)
    assert h.updates == 12 and len(h.loss) == 12 and h.epochs == 3
    assert h.sequences == 3 * 256 and h.stopped == "epochs"
    assert h.cpu_seconds > 0 and h.budget()["updates"] == 12


def test_fit_learns_and_restores_the_best_weights():
    torch.manual_seed(0)
    x, y = regression_data()
    xv, yv = regression_data(128, seed=1)
    net = RecurrentNet("gru", 1, 8, 1)
    h = fit(net, (x, y), loss_fn=nn.MSELoss(), lr=1e-2, epochs=30, batch_size=32,
            val_data=(xv, yv), patience=3)
    assert h.best_metric < 0.1 * float(np.var(yv))
    with torch.no_grad():
        restored = nn.functional.mse_loss(net(torch.from_numpy(xv)), torch.from_numpy(yv))
    assert float(restored) == pytest.approx(h.best_metric, rel=1e-5)
    assert h.best_metric == min(h.val_metric)


def test_fit_stops_at_the_target_with_a_batch_generator():
    torch.manual_seed(0)
    xv, yv = regression_data(128, seed=1)

    def make_batch(update):
        return regression_data(32, seed=100 + update)

    net = RecurrentNet("lstm", 1, 8, 1)
    h = fit(net, make_batch, loss_fn=nn.MSELoss(), lr=1e-2, steps=2000, eval_every=25,
            val_data=(xv, yv), target=0.05)
    assert h.stopped == "target" and h.updates < 2000
    assert h.val_metric[-1] <= 0.05 and h.updates % 25 == 0


def test_fit_with_a_max_metric_keeps_the_highest():
    values = iter([0.2, 0.9, 0.5, 0.4])
    h = run_loop(lambda x, y: (1.0, 1.0), [(np.zeros((2, 1)), 0)], epochs=4,
                 evaluate=lambda: next(values), mode="max", patience=2)
    assert h.best_metric == 0.9 and h.best_update == 2 and h.stopped == "patience"


def test_step_fn_replaces_the_update():
    calls = []
    net = RecurrentNet("rnn", 1, 2, 1)
    x, y = regression_data(8)
    h = fit(net, (x, y), step_fn=lambda xb, yb: calls.append(len(xb)) or (0.5, 0.0),
            epochs=2, batch_size=4)
    assert calls == [4, 4, 4, 4] and h.loss == [0.5] * 4


def test_same_seed_same_run():
    x, y = regression_data()
    runs = []
    for _ in range(2):
        torch.manual_seed(3)
        net = RecurrentNet("lstm", 1, 4, 1)
        runs.append(fit(net, (x, y), loss_fn=nn.MSELoss(), epochs=2, seed=7).loss)
    assert runs[0] == runs[1]


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(), "give the budget"),
        (dict(steps=0), "steps must be a positive int"),
        (dict(epochs=2, patience=2), "needs validation data"),
        (dict(epochs=1, mode="best"), "mode must be"),
        (dict(epochs=1, clip_norm=0.0), "clip_norm"),
    ],
)
def test_bad_schedules_are_refused_with_a_clear_message(kwargs, words):
    x, y = regression_data(8)
    with pytest.raises(ValueError, match=words):
        fit(RecurrentNet("rnn", 1, 2, 1), (x, y), loss_fn=nn.MSELoss(), **kwargs)


def test_a_batch_generator_has_no_epochs():
    with pytest.raises(ValueError, match="train it by steps"):
        run_loop(lambda x, y: (0.0, 0.0), lambda u: (np.zeros(1), 0), epochs=2)


def test_a_one_shot_iterator_is_refused():
    batches = iter([(np.zeros((1, 1)), 0)])
    with pytest.raises(ValueError, match="one-shot iterator"):
        run_loop(lambda x, y: (0.0, 0.0), batches, epochs=2)


def test_divergence_stops_with_floating_point_error():
    net = RecurrentNet("rnn", 1, 2, 1)
    x, y = regression_data(8)
    sgd = torch.optim.SGD(net.parameters(), lr=1e30)  # the second loss overflows
    with pytest.raises(FloatingPointError, match="diverged"):
        fit(net, (x, y), loss_fn=nn.MSELoss(), optimizer=sgd, epochs=3, batch_size=4)


def test_divergence_hands_the_record_up_to_the_last_finite_update_to_the_caller():
    losses = []

    def step(x, y):
        if len(losses) == 3:
            raise FloatingPointError("the loss is nan: training diverged")
        losses.append(1.0 / (len(losses) + 1))
        return losses[-1], 0.5

    with pytest.raises(FloatingPointError, match="diverged") as err:
        run_loop(step, lambda update: (np.zeros((2, 1)), np.zeros(2)), steps=10)
    history = err.value.history
    assert history.stopped == "diverged" and history.updates == 3
    assert history.loss == losses and history.grad_norm == [0.5] * 3


def test_length_batches_name_inputs_of_different_lengths():
    from lstmbook.training import LengthBatches

    with pytest.raises(ValueError, match="differ in length: 4, 3 and 4"):
        LengthBatches(np.zeros((4, 5)), np.ones(3), np.zeros(4), 2)


def test_length_batches_cut_each_batch_to_its_longest_sequence():
    from lstmbook.training import LengthBatches

    lengths = np.array([5, 1, 2, 5, 1, 2])
    ids = np.arange(6 * 5).reshape(6, 5)
    batches = list(LengthBatches(ids, lengths, np.arange(6), 2, shuffle=False))
    assert [x.shape for (x, _), _ in batches] == [(2, 1), (2, 2), (2, 5)]
    assert sorted(int(v) for _, y in batches for v in y) == list(range(6))
