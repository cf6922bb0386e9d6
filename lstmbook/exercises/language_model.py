"""Exercises of the language-model page (book/applications/language_model.ipynb)."""

from __future__ import annotations

import functools
import math

import numpy as np

from ._core import WrongAnswer, register
from .compare import Mistake, compare_choice, compare_function, compare_number

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


def _add_one_p():
    from lstmbook.data.text import VOCAB, encode

    counts = np.bincount(encode(TRAIN_1), minlength=len(VOCAB)) + 1.0
    return counts / counts.sum(), encode(TEST_1)


def _unigram_variant(variant: str) -> float:
    """``"all"``: the first character predicted too; ``"sum"``: the total, not the mean."""
    p, ids = _add_one_p()
    bits = -np.log2(p[ids])
    return float(bits.mean() if variant == "all" else bits[1:].sum())


def _check_unigram(answer):
    from lstmbook.data.text import VOCAB

    ref = _unigram_bits()
    return compare_number(answer, ref, rtol=1e-4, mistakes=[
        (_unsmoothed_bits(), "You used the raw counts of 'abracadabra' (no add-one): each of "
         f"the {len(VOCAB)} symbols' counts gets +1, so p(a) = (5 + 1) / (11 + {len(VOCAB)})."),
        (ref * math.log(2), "That is in nats (natural log); bits use log2: divide by ln 2."),
        (_unigram_variant("all"), "You scored all four characters of 'abba'; the first has no "
         "preceding character to be predicted from, so only the 2nd, 3rd and 4th count."),
        (_unigram_variant("sum"), "That is the sum over the three predicted characters; bits "
         "per character is their mean."),
        (math.log2(len(VOCAB)), f"log2 {len(VOCAB)} is the uniform model's cost; the add-one "
         "counts make a, b and r more likely than the unseen symbols."),
    ])


register(
    "language_model-1",
    title="Bits per character of an add-one unigram",
    page=PAGE,
    kind="number",
    checker=_check_unigram,
    reference=_unigram_bits,
    wrong_answers=lambda: [
        WrongAnswer(_unsmoothed_bits(), says="raw counts", label="no add-one smoothing"),
        WrongAnswer(_unigram_bits() * math.log(2), says="nats", label="nats, not bits"),
        WrongAnswer(_unigram_variant("all"), says="all four characters",
                    label="the first character scored too"),
        WrongAnswer(_unigram_variant("sum"), says="is their mean", label="sum, not mean"),
        WrongAnswer(math.log2(97), says="uniform", label="log2 97"),
    ],
)


# ------------------------------------------------------- 2: temperature, implemented
def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _tempered(logits: np.ndarray, temperature: float) -> np.ndarray:
    return _softmax(np.asarray(logits, dtype=float) / temperature)


def _cases_2() -> list:
    logits = np.random.default_rng(11).normal(0.0, 2.0, size=(3, 97))
    cases = [((logits[k], t), _tempered(logits[k], t)) for k, t in enumerate((0.5, 1.0, 2.0))]
    big = 4 * logits[0]  # at τ = 0.02 the largest z / τ is over 1000: exp overflows
    return cases + [((big, 0.02), _tempered(big, 0.02))]


def _no_max(z, t):
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(np.asarray(z, dtype=float) / t)
        return e / e.sum()


def _no_softmax(z, t):
    return np.asarray(z, dtype=float) / t


def _multiplied(z, t):
    return _softmax(np.asarray(z, dtype=float) * t)


def _after_softmax(z, t):
    return _softmax(np.asarray(z, dtype=float)) / t


def _after_softmax_power(z, t):
    return _softmax(np.asarray(z, dtype=float)) ** (1 / t)


def _ignored(z, t):
    return _softmax(np.asarray(z, dtype=float))


def _not_normalised(z, t):
    z = np.asarray(z, dtype=float) / t
    return np.exp(z - z.max())


def _not_normalised_raw(z, t):
    return np.exp(np.asarray(z, dtype=float) / t)


_NOT_NORMALISED = ("Your values are exp(z / τ) without the division by their sum: "
                   "probabilities must add up to 1.")
_AFTER = ("You applied the temperature after the softmax. Divide the logits by τ before "
          "it: p_τ = softmax(z / τ).")

_MISTAKES_2 = [
    Mistake(_no_softmax, "You returned the scaled logits z / τ: they are not probabilities "
            "(some are negative). Apply the softmax to them: exp, then divide by the sum."),
    Mistake(_multiplied, "You multiplied the logits by τ; the temperature divides them, "
            "p_τ = softmax(z / τ), so that τ < 1 sharpens the distribution."),
    Mistake(_after_softmax, _AFTER),
    Mistake(_after_softmax_power, _AFTER + " (Raising p to 1/τ works only if you "
            "normalise again.)"),
    Mistake(_ignored, "Your result is the softmax at τ = 1: the temperature is not used."),
    Mistake(_no_max, "exp(z / τ) overflowed to infinity at τ = 0.02 and the result is NaN: "
            "subtract the largest z / τ before np.exp (it cancels in the ratio)."),
    Mistake(_not_normalised, _NOT_NORMALISED),
    Mistake(_not_normalised_raw, _NOT_NORMALISED),
]

register(
    "language_model-2",
    title="The next-character distribution at temperature τ",
    page=PAGE,
    kind="function",
    checker=lambda fn: compare_function(
        fn, _cases_2(), rtol=1e-6, atol=1e-12, names=("p",), mistakes=_MISTAKES_2),
    reference=lambda: _tempered,
    wrong_answers=lambda: [
        WrongAnswer(_no_softmax, says="scaled logits", label="no softmax"),
        WrongAnswer(_multiplied, says="multiplied", label="multiplied by the temperature"),
        WrongAnswer(_after_softmax, says="after the softmax", label="p / τ after the softmax"),
        WrongAnswer(_ignored, says="not used", label="temperature ignored"),
        WrongAnswer(_not_normalised, says="add up to 1", label="exp without the sum"),
        WrongAnswer(_no_max, says="overflowed", label="no max subtracted"),
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


def _check_bracket(answer):
    r = np.asarray(_bracket_correlations())
    best = _best_r()
    mistakes = [
        (abs(best), "That is |r|; give r with its sign: the best cell's activation falls "
                    "as the bracket depth rises (r < 0)."),
        (int(np.argmax(np.abs(r))), "That is the cell's number (its position in r); the "
                                    "answer is its correlation r."),
        (best**2, "That is r², the share of variance explained; give r itself."),
    ]
    if float(r.max()) != best:
        mistakes.insert(1, (float(r.max()), "That is the largest positive r (np.argmax(r)); "
                            "the cell asked for has the largest |r|, "
                            "np.argmax(np.abs(r)), and its r is negative."))
    return compare_number(answer, best, rtol=1e-3, mistakes=mistakes)


register(
    "language_model-3",
    title="The cell that tracks bracket depth",
    page=PAGE,
    kind="number",
    checker=_check_bracket,
    reference=_best_r,
    wrong_answers=lambda: [
        WrongAnswer(abs(_best_r()), says="with its sign", label="|r| instead of r"),
        WrongAnswer(max(_bracket_correlations()), says="largest positive",
                    label="the largest r, not |r|"),
        WrongAnswer(float(np.argmax(np.abs(_bracket_correlations()))), says="cell's number",
                    label="the index of the cell"),
        WrongAnswer(_best_r() ** 2, says="variance explained", label="r squared"),
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
        WrongAnswer("c", says="flows on", label="thinks both are cut"),
    ],
)
