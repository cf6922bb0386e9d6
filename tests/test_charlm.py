"""The character-level language model: bits per character, sampling, cell states."""

import numpy as np
import pytest
import torch

from lstmbook.data.text import encode
from lstmbook.torch import charlm


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return charlm.build_model("lstm", 8).eval()


def test_bits_per_char_of_rows_is_the_mean_over_rows_read_separately(model):
    rows = np.random.default_rng(0).integers(0, 97, size=(3, 12))
    each = [charlm.bits_per_char(model, r) for r in rows]
    assert charlm.bits_per_char(model, rows) == pytest.approx(np.mean(each), rel=1e-5)
    assert charlm.bits_per_char(model, rows.ravel(), streams=3) == pytest.approx(
        np.mean(each), rel=1e-5)


def test_bits_per_char_rejects_a_too_short_text(model):
    with pytest.raises(ValueError, match="streams"):
        charlm.bits_per_char(model, np.array([1, 2, 3]), streams=2)


def test_sampling_at_temperature_zero_takes_the_most_likely_character(model):
    out = charlm.sample(model, "def ", 5, temperature=0)
    with torch.no_grad():
        logits = model(torch.from_numpy(encode("def ").astype(np.int64))[None])
    assert encode(out[0])[0] == int(torch.argmax(logits[0, -1]))
    assert out == charlm.sample(model, "def ", 5, temperature=0, seed=3)


def test_cell_states_match_the_torch_layer(model):
    text = "x = (1, [2])\n"
    c = charlm.cell_states(model, text)
    h = charlm.cell_states(model, text, which="h")
    with torch.no_grad():
        out, (h_n, c_n) = model.rnn(model.embedding(
            torch.from_numpy(encode(text).astype(np.int64))[None]))
    assert c.shape == (len(text), 8)
    np.testing.assert_allclose(h, out[0].numpy(), atol=1e-5)
    np.testing.assert_allclose(c[-1], c_n[0, 0].numpy(), atol=1e-5)


def test_tbptt_carries_the_state_across_windows_and_restarts_it_each_pass():
    from lstmbook.torch.train import fit

    torch.manual_seed(0)
    net = charlm.build_model("gru", 6)
    ids = np.random.default_rng(0).integers(0, 97, size=4 * 20 + 1)
    windows, step = charlm.tbptt_training(net, ids, batch_size=4, seq_len=5, lr=1e-2, steps=6)
    assert len(windows) == len(list(windows)) == 4
    seen = []
    run = net.run

    def spy(x, state=None):
        seen.append(state)
        return run(x, state)

    net.run = spy
    history = fit(net, windows, step_fn=step, steps=6)
    assert history.updates == 6 and len(history.loss) == 6
    assert seen[0] is None and seen[4] is None  # each pass over the text starts afresh
    assert all(s is not None and not s.requires_grad for s in seen[1:4] + seen[5:])


def test_char_bits_are_the_per_character_terms_of_bits_per_char(model):
    ids = np.random.default_rng(1).integers(0, 97, 300)
    bits = charlm.char_bits(model, ids, streams=3)
    assert bits.shape == (3, 99)
    assert bits.mean() == pytest.approx(charlm.bits_per_char(model, ids, streams=3))
    assert (bits > 0).all()


def test_bits_with_context_sees_exactly_k_characters(model):
    ids = np.random.default_rng(2).integers(0, 97, 400)
    full = charlm.char_bits(model, ids)[0]             # column t predicts ids[t + 1]
    positions = np.array([50, 120, 399])
    # k = p: the whole prefix, read from the zero state, as in the full read
    for p in positions:
        assert charlm.bits_with_context(model, ids, [p], p)[0] == pytest.approx(full[p - 1])
    # only the k characters before p matter: changing an earlier one changes nothing
    k = 10
    before = charlm.bits_with_context(model, ids, positions, k)
    changed = ids.copy()
    changed[positions - k - 1] = (changed[positions - k - 1] + 1) % 97
    np.testing.assert_allclose(charlm.bits_with_context(model, changed, positions, k), before)
    with pytest.raises(ValueError, match="positions"):
        charlm.bits_with_context(model, ids, [5], 10)
