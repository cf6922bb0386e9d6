"""Memory tasks (lstmbook.data.memory), their training (lstmbook.torch.memory, a
RecurrentNet trained by fit), and the sweep script whose results the Background chapter
plots (the shipped artifact background/memory_sweep)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmbook import artifacts
from lstmbook.data.memory import (
    ADDING_TOLERANCE,
    BRACKET_ALPHABET,
    HS_SCALED_TOLERANCE,
    ORDER_SYMBOLS,
    TASKS,
    adding_accuracy,
    bracket_text,
    delayed_recall,
    encode_text,
    hs_scaled_target,
    one_hot,
    task_accuracy,
    task_batch,
    temporal_order,
)
from lstmbook.torch.memory import train_memory_task
from lstmbook.torch.models import RecurrentNet

ROOT = Path(__file__).resolve().parents[1]


@settings(max_examples=25, deadline=None)
@given(T=st.integers(2, 40), seed=st.integers(0, 1000))
def test_delayed_recall_shows_exactly_one_target_at_the_stated_lag(T, seed):
    x, y, lags = delayed_recall(
        16, T, n_symbols=3, n_distractors=2, lag=(0, T - 1), seed=seed, return_lags=True
    )
    assert x.shape == (16, T, 5) and y.shape == (16,)
    np.testing.assert_array_equal(x.sum(-1), 1)  # one symbol per step
    target_steps = x[..., :3].sum(-1)  # (N, T)
    np.testing.assert_array_equal(target_steps.sum(-1), 1)
    np.testing.assert_array_equal(np.argmax(target_steps, -1), T - 1 - lags)
    np.testing.assert_array_equal(x[np.arange(16), T - 1 - lags, :3].argmax(-1), y)


def test_delayed_recall_default_puts_the_target_first():
    x, y = delayed_recall(8, 12, seed=0)
    np.testing.assert_array_equal(x[:, 0, :4].argmax(-1), y)
    assert x[:, 1:, :4].sum() == 0


def test_delayed_recall_refuses_a_lag_longer_than_the_sequence():
    with pytest.raises(ValueError, match="lag"):
        delayed_recall(4, 10, lag=10)


def test_adding_accuracy_counts_answers_within_the_tolerance():
    y = np.array([[1.0], [0.5], [1.5]])
    assert adding_accuracy(y + np.array([[0.07], [0.09], [-0.01]]), y) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="shape"):
        adding_accuracy(y[:, 0], y)


def test_bracket_depth_counts_open_brackets_and_resets_at_a_full_stop():
    text, depth = bracket_text(3000, max_depth=4, seed=1)
    d = 0
    for ch, got in zip(text, depth, strict=True):
        d = {"(": d + 1, ")": d - 1, ".": 0}.get(ch, d)
        assert got == d
    assert depth.min() == 0 and depth.max() == 4
    assert set(text) <= set(BRACKET_ALPHABET)
    assert any(depth[k - 1] > 0 and text[k] == "." for k in range(1, len(text)))


def test_encode_text_names_a_character_outside_the_alphabet():
    assert encode_text("a(b).").tolist() == [4, 2, 5, 3, 1]
    with pytest.raises(ValueError, match="'z'"):
        encode_text("az")
    assert one_hot([0, 2], 3).tolist() == [[1, 0, 0], [0, 0, 1]]


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_the_memory_networks_read_out_last_step_or_every_step(cell):
    x = torch.zeros(3, 7, 2)
    assert RecurrentNet(cell, 2, 5, 4)(x).shape == (3, 4)
    assert RecurrentNet(cell, 2, 5, 4, readout="all")(x).shape == (3, 7, 4)
    with pytest.raises(ValueError, match=r"\(B, T, 2\)"):
        RecurrentNet(cell, 2, 5, 4)(torch.zeros(3, 7, 3))


def test_forget_bias_sets_the_forget_block_and_only_for_an_lstm():
    net = RecurrentNet("lstm", 2, 5, 1, forget_bias=2.0)
    assert torch.all(net.rnn.bias_ih_l0[5:10] == 2.0) and torch.all(net.rnn.bias_hh_l0[5:10] == 0)
    with pytest.raises(ValueError, match="forget"):
        RecurrentNet("gru", 2, 5, 1, forget_bias=1.0)


def test_task_batch_is_reproducible_numpy_and_rejects_unknown_tasks():
    a, b = task_batch("recall", 4, 9, seed=3), task_batch("recall", 4, 9, seed=3)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    for task, (x, y) in {t: task_batch(t, 4, 12, seed=0) for t in TASKS}.items():
        assert isinstance(x, np.ndarray) and x.dtype == np.float32
        assert x.shape == (4, 12, TASKS[task]["inputs"]) and len(y) == 4
    with pytest.raises(ValueError, match="task"):
        task_batch("copy", 4, 9, seed=0)


def test_task_accuracy_scores_sums_within_the_tolerance_and_named_symbols():
    y = np.array([[1.0], [0.5]])
    assert task_accuracy("adding", y + np.array([[0.07], [0.09]]), y) == 0.5
    scores = np.array([[0.1, 0.9, 0.0, 0.0], [0.8, 0.1, 0.1, 0.0], [0.0, 0.0, 0.0, 1.0]])
    assert task_accuracy("recall", scores, np.array([1, 2, 3])) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="task"):
        task_accuracy("copy", scores, np.array([1, 2, 3]))


def test_the_adding_tolerance_is_hochreiter_and_schmidhubers_on_their_scaled_target():
    # Their inputs X in [-1, 1] are ours X' = (X + 1) / 2; their target 0.5 + (X1 + X2) / 4.
    rng = np.random.default_rng(0)
    ours = rng.uniform(0, 1, (1000, 2))
    theirs = 2 * ours - 1
    target = 0.5 + theirs.sum(1) / 4
    assert np.allclose(hs_scaled_target(ours.sum(1)), target)
    # An error of ADDING_TOLERANCE on our sum is HS_SCALED_TOLERANCE on their target.
    shifted = hs_scaled_target(ours.sum(1) + ADDING_TOLERANCE)
    assert np.allclose(shifted - target, HS_SCALED_TOLERANCE)


def test_temporal_order_labels_the_order_of_x_and_y_at_their_windows():
    x, y = temporal_order(500, 100, seed=3)
    sym = x.argmax(-1)
    assert (sym[:, 0] == ORDER_SYMBOLS.index("E")).all()
    assert (sym[:, -1] == ORDER_SYMBOLS.index("B")).all()
    for s, label in zip(sym, y, strict=True):
        where = np.flatnonzero(s >= 6)
        assert len(where) == 2 and 10 <= where[0] <= 20 and 50 <= where[1] <= 60
        assert label == 2 * (s[where[0]] - 6) + (s[where[1]] - 6)
    assert set(np.bincount(y, minlength=4) > 80) == {True}
    with pytest.raises(ValueError, match="seq_len"):
        temporal_order(3, 5)


def test_an_lstm_learns_short_delayed_recall_and_stops_early():
    torch.set_num_threads(1)
    r = train_memory_task(
        "recall",
        "lstm",
        5,
        seed=0,
        hidden_size=8,
        steps=600,
        eval_every=50,
        threshold=0.95,
        n_test=500,
    )
    assert r.solved and r.accuracy >= 0.95
    assert r.history.updates < 600 and len(r.history.loss) == r.history.updates
    assert r.history.stopped == "target" and r.history.val_metric[-1] >= 0.95
    assert r.history.eval_updates == list(range(50, r.history.updates + 1, 50))


def _load_sweep_script():
    spec = importlib.util.spec_from_file_location(
        "sweep", ROOT / "scripts" / "sweep_memory_tasks.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_sweep_script_runs_and_writes_its_records(tmp_path):
    sweep = _load_sweep_script()
    out = tmp_path / "s.json"
    sweep.main(
        [
            "--tasks",
            "recall",
            "--kinds",
            "rnn",
            "--lengths",
            "4",
            "--seeds",
            "0",
            "--steps",
            "20",
            "--out",
            str(out),
        ]
    )
    result = json.loads(out.read_text())
    (rec,) = result["records"]
    assert (rec["task"], rec["T"], rec["model"], rec["seed"]) == ("recall", 4, "rnn", 0)
    assert 0 <= rec["accuracy"] <= 1 and rec["updates"] == 20


def test_without_out_the_sweep_writes_the_artifact_and_its_registry_entry(tmp_path, monkeypatch):
    monkeypatch.setattr(artifacts, "ROOT", tmp_path)  # not the shipped folder
    sweep = _load_sweep_script()
    argv = ["--tasks", "adding", "--kinds", "gru", "--lengths", "4", "--seeds", "1",
            "--steps", "10"]
    sweep.main(argv)
    result = artifacts.load("background/memory_sweep")
    entry = artifacts.record("background/memory_sweep")
    assert (tmp_path / "background" / "memory_sweep.json").exists()
    assert [r["model"] for r in result["records"]] == ["gru"] and result["complete"]
    assert entry["command"] == "python scripts/sweep_memory_tasks.py " + " ".join(argv)
    assert entry["updates"] == 10 and entry["metrics"]["runs"] == 1


def test_the_shipped_sweep_covers_every_task_length_and_model_with_three_seeds():
    result = artifacts.load("background/memory_sweep")
    entry = artifacts.record("background/memory_sweep")
    assert entry["script"] == "scripts/sweep_memory_tasks.py" and result["complete"]
    sweep = _load_sweep_script()
    args = sweep.parse_args([])
    defaults = vars(args)
    for key in ("tasks", "kinds", "seeds", "steps", "hidden", "batch", "lr", "halve_every"):
        assert result["settings"][key] == defaults[key], key
    assert result["settings"]["lengths"] == sweep.lengths_of(args)
    runs = {(r["task"], r["T"], r["model"], r["seed"]) for r in result["records"]}
    skipped = {(r["task"], r["T"], r["model"]) for r in result["skipped"]}
    expected = {
        (t, T, k)
        for t in defaults["tasks"]
        for T in sweep.lengths_of(args)[t]
        for k in defaults["kinds"]
    }
    assert {(t, T, k) for t, T, k, _ in runs} | skipped == expected
    assert not {(t, T, k) for t, T, k, _ in runs} & skipped
    for t, T, k in expected - skipped:
        assert {s for (t2, T2, k2, s) in runs if (t2, T2, k2) == (t, T, k)} == set(args.seeds)
    # A skipped (task, model) failed every seed at the two lengths it was last run at.
    for r in result["skipped"]:
        if r.get("why"):  # a length run only for some models
            assert r["model"] not in sweep.ONLY[r["task"], r["T"]]
            continue
        assert len(r["failed_at"]) == 2 and max(r["failed_at"]) < r["T"]
        for T in r["failed_at"]:
            last = [x for x in result["records"] if (x["task"], x["T"], x["model"]) ==
                    (r["task"], T, r["model"])]
            assert len(last) == len(args.seeds) and not any(x["solved"] for x in last)
    assert len(args.seeds) >= 3
    lengths = sweep.lengths_of(args)
    assert all(min(v) <= 10 for v in lengths.values())
    assert max(lengths["adding"]) >= 200 and max(lengths["recall"]) >= 200
    assert max(lengths["order"]) >= 100
