"""Exercises of the translation page (book/applications/translation.ipynb)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._core import WrongAnswer, register
from .compare import compare_function, compare_number

PAGE = "applications/translation"

# ------------------------------------------------------------------ 1: write a numeral
NUMBER_1 = 200_040_007


def _numeral() -> str:
    from lstmbook.data.parallel import chinese_number

    return chinese_number(NUMBER_1)


def _check_numeral(answer: Any) -> tuple[bool, str]:
    from lstmbook.data.parallel import parse_chinese

    if not isinstance(answer, str):
        return False, f"Expected a string of Chinese numerals, got {type(answer).__name__}."
    answer = answer.strip()
    if answer == _numeral():
        return True, f"Correct: {answer}."
    if "两" in answer:
        return False, "Formal numerals write 二 (two) where speech says 两; the corpus uses 二."
    try:
        value = parse_chinese(answer)
    except ValueError as err:
        return False, str(err)
    if value == NUMBER_1:
        return False, ("That reads as the right number, but a 零 is missing or extra: one 零 "
                       "stands for each run of skipped places between non-zero digits.")
    return False, f"{answer} is {value:,}, not {NUMBER_1:,}; group the digits by 万 and 亿."


register(
    "translation-1",
    title="Write 200,040,007 in Chinese numerals",
    page=PAGE,
    kind="text",
    checker=_check_numeral,
    reference=_numeral,
    wrong_answers=lambda: [
        WrongAnswer("二亿四万七", says="零", label="zeros dropped"),
        WrongAnswer("两亿零四万零七", says="二", label="colloquial 两"),
        WrongAnswer("二亿零四千零七", says="万", label="grouped by thousands"),
    ],
)


# ------------------------------------------------------------------ 2: what attention costs
def _attention_parameters() -> int:
    from lstmbook.torch.models import parameter_count
    from lstmbook.torch.seq2seq import build_model

    return parameter_count(build_model("attention")) - parameter_count(build_model("lstm"))


def _hidden() -> int:
    from lstmbook.torch.seq2seq import BOOK_MODELS

    return BOOK_MODELS["attention"][1]["hidden_size"]


register(
    "translation-2",
    title="How many parameters does attention add?",
    page=PAGE,
    kind="number",
    checker=lambda a: compare_number(
        a, _attention_parameters(), rtol=0,
        hint="Count W of the score and W_c of tanh(W_c [h; c]) with its bias.",
    ),
    reference=_attention_parameters,
    wrong_answers=lambda: [
        WrongAnswer(_hidden() ** 2, says="too small", label="only the score matrix W"),
        WrongAnswer(3 * _hidden() ** 2, says="too small", label="bias of W_c forgotten"),
    ],
)


# ------------------------------------------------------------------ 3: one beam step
def beam_step(scores: np.ndarray, log_probs: np.ndarray) -> tuple[np.ndarray, ...]:
    """Reference: the k best (score, beam, token) of one beam-search step.

    ``scores`` (k,) running log-probabilities, ``log_probs`` (k, V) of the next token ->
    new scores (k,) in decreasing order, the beam each came from (k,), its token (k,).
    """
    total = scores[:, None] + log_probs
    flat = np.argsort(-total, axis=None, kind="stable")[: len(scores)]
    beam, token = np.unravel_index(flat, total.shape)
    return total[beam, token], beam, token


def _per_beam_best(scores, log_probs):
    """A typical mistake: the best token of each beam, not the best k overall."""
    token = log_probs.argmax(1)
    new = scores + log_probs[np.arange(len(scores)), token]
    order = np.argsort(-new, kind="stable")
    return new[order], order, token[order]


def _beam_cases() -> list:
    rng = np.random.default_rng(12)
    cases = []
    for k, V in ((2, 5), (3, 7), (4, 6)):
        scores = np.sort(-rng.random(k) * 3)[::-1].copy()
        logits = rng.normal(size=(k, V)) * 2
        log_probs = logits - np.log(np.exp(logits).sum(1, keepdims=True))
        cases.append(((scores, log_probs), beam_step(scores, log_probs)))
    return cases


register(
    "translation-3",
    title="One step of beam search",
    page=PAGE,
    kind="function",
    checker=lambda fn: compare_function(
        fn, _beam_cases(), names=("scores", "beam", "token"),
        hint="Add each beam's running score to its log-probabilities, then take the k best "
             "of all k·V candidates.",
    ),
    reference=lambda: beam_step,
    wrong_answers=lambda: [
        WrongAnswer(lambda s, lp: beam_step(np.zeros_like(s), lp), says="k·V",
                    label="running scores not added"),
        WrongAnswer(_per_beam_best, says="k·V", label="best token per beam"),
    ],
)
