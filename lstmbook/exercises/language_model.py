"""Exercises of the language-model page (book/applications/language_model.ipynb)."""

from __future__ import annotations

import functools
import math

import numpy as np

from ._core import WrongAnswer, register
from .compare import compare_choice, compare_function, compare_number

PAGE = "applications/language_model"

# ------------------------------------------------------------ 1: a unigram by hand
TRAIN_1, TEST_1 = "abracadabra", "abba"


def _unigram_bits() -> float:
    from lstmbook.baselines.ngram import NGram
    from lstmbook.data.text import VOCAB, encode

    return NGram(1, len(VOCAB)).fit(encode(TRAIN_1)).bits_per_char(encode(TEST_1))


def _unsmoothed_bits() -> float:
    counts = {ch: TRAIN_1.count(ch) for ch in set(TRAIN_1)}
    return -sum(math.log2(counts[ch] / len(TRAIN_1)) for ch in TEST_1[1:]) / (len(TEST_1) - 1)


register(
    "language_model-1",
    title="Bits per character of an add-one unigram",
    page=PAGE,
    kind="number",
    checker=lambda a: compare_number(
        a, _unigram_bits(), rtol=1e-4,
        hint="Add one to the count of each of the 97 symbols, predict the 2nd, 3rd and 4th "
             "characters of 'abba', and average -log2 p.",
    ),
    reference=_unigram_bits,
    wrong_answers=lambda: [
        WrongAnswer(_unsmoothed_bits(), says="too small", label="no add-one smoothing"),
        WrongAnswer(_unigram_bits() * math.log(2), says="too small", label="nats, not bits"),
    ],
)


# ------------------------------------------------------- 2: temperature, implemented
def _tempered(logits: np.ndarray, temperature: float) -> np.ndarray:
    z = np.asarray(logits, dtype=float) / temperature
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _cases_2() -> list:
    logits = np.random.default_rng(11).normal(0.0, 2.0, size=(3, 97))
    return [((logits[k], t), _tempered(logits[k], t)) for k, t in enumerate((0.5, 1.0, 2.0))]


register(
    "language_model-2",
    title="The next-character distribution at temperature τ",
    page=PAGE,
    kind="function",
    checker=lambda fn: compare_function(
        fn, _cases_2(), rtol=1e-6, atol=1e-12,
        hint="Divide the logits by the temperature, then take the softmax.",
    ),
    reference=lambda: _tempered,
    wrong_answers=lambda: [
        WrongAnswer(lambda z, t: _tempered(np.asarray(z) * t * t, t), says="Test case 1",
                    label="multiplied by the temperature"),
        WrongAnswer(lambda z, t: _tempered(z, 1.0), says="Test case 1",
                    label="temperature ignored"),
    ],
)


# ----------------------------------------------- 3: the bracket-depth cell, measured
#: Characters of the test split read (the page's ``CELL_CHARS``).
CELL_CHARS = 20_000


@functools.lru_cache(maxsize=1)
def _bracket_correlations() -> tuple[float, ...]:
    from lstmbook.cells import correlations
    from lstmbook.data.text import stdlib_corpus, text_properties
    from lstmbook.torch.charlm import cell_states, load_model

    model = load_model("lstm")  # the shipped charlm/lstm
    test = stdlib_corpus().test
    acts = cell_states(model, test[:CELL_CHARS])
    depth = text_properties(test)["bracket_depth"][:CELL_CHARS]
    return tuple(float(r) for r in correlations(acts, depth))


def _best_r() -> float:
    r = np.asarray(_bracket_correlations())
    return float(r[np.argmax(np.abs(r))])


register(
    "language_model-3",
    title="The cell that tracks bracket depth",
    page=PAGE,
    kind="number",
    checker=lambda a: compare_number(
        a, _best_r(), rtol=1e-3,
        hint="Correlate each of the cell states with bracket depth, take the cell with the "
             "largest |r|, and report its r with its sign.",
    ),
    reference=_best_r,
    wrong_answers=lambda: [
        WrongAnswer(abs(_best_r()), says="sign", label="|r| instead of r"),
        WrongAnswer(sorted(_bracket_correlations(), key=abs)[-2], says="too",
                    label="the second-best cell"),
    ],
)

# ------------------------------------------------------ 4: what truncation cuts
OPTIONS_4 = ("a", "b", "c")
EXPLAIN_4 = {
    "a": "The state is carried from window to window (only detached), so information from "
         "50 characters back can reach the prediction.",
    "c": "Truncation cuts the gradient, not the forward pass: the state still flows on.",
}

register(
    "language_model-4",
    title="What does truncation at 5 steps cut?",
    page=PAGE,
    kind="choice",
    checker=lambda a: compare_choice(a, "b", OPTIONS_4, explain=EXPLAIN_4),
    reference=lambda: "b",
    wrong_answers=lambda: [
        WrongAnswer("a", says="carried", label="thinks the state is reset"),
        WrongAnswer("c", says="gradient", label="thinks both are cut"),
    ],
)
