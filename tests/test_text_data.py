"""The stdlib text corpus, the fixed vocabulary, TBPTT streams and per-character labels."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lstmbook.data import text as T
from lstmbook.metrics.text import bits_per_char, perplexity, uniform_bits


@given(st.text(alphabet=st.characters(min_codepoint=10, max_codepoint=126), max_size=50))
def test_encode_decode_round_trips_ascii_text(s):
    s = s.replace("\r", "").replace("\x0b", "").replace("\x0c", "")
    s = "".join(ch for ch in s if ch == "\n" or 32 <= ord(ch) < 127)
    assert T.decode(T.encode(s)) == s


def test_characters_outside_the_vocabulary_become_other():
    assert T.decode(T.encode("a\tbé")) == "a" + T.OTHER + "b" + T.OTHER
    assert len(T.VOCAB) == 97


def test_split_is_by_whole_file_and_fixed():
    corpus = T.stdlib_corpus()
    names = sum(corpus.files.values(), [])
    assert sorted(names) == sorted(set(names))  # no file in two splits
    assert all(T.split_of(m) == s for s, ms in corpus.files.items() for m in ms)
    assert len(corpus.train) > 3 * len(corpus.test) > 0
    assert corpus.python_version and len(corpus.sha256) == 64


def test_stream_batches_continue_each_row_across_windows():
    ids = np.arange(101)
    wins = list(T.stream_batches(ids, batch_size=2, seq_len=10))
    assert len(wins) == 5
    x0, y0 = wins[0]
    x1, _ = wins[1]
    np.testing.assert_array_equal(x1[:, 0], x0[:, -1] + 1)
    np.testing.assert_array_equal(y0, x0 + 1)
    with pytest.raises(ValueError, match="shorter than"):
        list(T.stream_batches(ids, batch_size=50, seq_len=10))


def test_text_properties_label_strings_comments_brackets_and_indentation():
    src = 'def f(a):\n    x = "hi"  # c\n    return (a, [x])\n'
    p = T.text_properties(src)
    assert p["in_string"][src.index('"hi"') : src.index('"hi"') + 4].all()
    assert p["in_string"].sum() == 4
    assert p["in_comment"][src.index("# c")] == 1
    assert p["bracket_depth"][src.index("x])")] == 2
    assert p["indent"][src.index("return")] == 4 and p["indent"][0] == 0
    assert p["column"][src.index("return")] == 4


def test_bits_per_char_of_uniform_guess_is_log2_v():
    V = 8
    probs = np.full((5, V), 1 / V)
    assert bits_per_char(probs, np.arange(5)) == pytest.approx(uniform_bits(V)) == pytest.approx(3)
    assert perplexity(3.0) == pytest.approx(8.0)
    with pytest.raises(ValueError, match="sum to 1"):
        bits_per_char(np.ones((2, 2)), np.array([0, 1]))


def test_shipped_charlm_weights_fit_the_training_script_models():
    import importlib.util
    from pathlib import Path

    from lstmbook import artifacts
    from lstmbook.torch.charlm import load_model
    from lstmbook.torch.models import parameter_count

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("train_charlm", root / "scripts/train_charlm.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    for kind in ("lstm", "gru", "rnn"):
        model = load_model(kind)
        assert model.cell == kind and model.hidden_size == script.hidden_for(kind)
    report = artifacts.load("charlm/runs")
    base = script.TBPTT_BATCH_BASE
    mains = [c if s == 0 else f"{c}_s{s}" for c in ("lstm", "gru", "rnn") for s in script.SEEDS]
    names = mains + [f"tbptt{n}" for n in script.TBPTT_LENGTHS] + [
        f"tbptt{n}_b{base['batch_size'] * base['seq_len'] // n}" for n in script.BATCH_LENGTHS]
    assert sorted(report["models"]) == sorted(names)
    for name in mains:  # every main run was scored on the whole test split, in blocks
        rec = report["models"][name]
        assert rec["test_bpc"] == artifacts.record(f"charlm/{name}")["metrics"]["test_bpc"]
        assert len(rec["test_blocks"]) > 100 and rec["updates"] == script.MAIN["steps"]
    for name in names:
        rec = report["models"][name]
        model = load_model(name)
        assert (model.cell, model.hidden_size) == (rec["kind"], rec["hidden_size"])
        assert rec["parameters"] == parameter_count(model)
