"""Exercises of the translation page (book/applications/translation.ipynb)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._core import WrongAnswer, register
from .compare import Mistake, compare_function, compare_number

PAGE = "applications/translation"

# ------------------------------------------------------------------ 1: write a numeral
NUMBER_1 = 200_040_007


def _numeral() -> str:
    from lstmbook.data.parallel import chinese_number

    return chinese_number(NUMBER_1)


#: Traditional and financial (大写) numeral characters -> the simplified everyday form the
#: corpus uses. Each stands for exactly one simplified character, so an answer written with
#: them is read unambiguously (and, when right, accepted).
TRADITIONAL = {
    "億": "亿", "萬": "万", "兩": "两",
    "壹": "一", "弌": "一", "贰": "二", "貳": "二", "弍": "二", "叁": "三", "參": "三",
    "叄": "三", "肆": "四", "伍": "五", "陆": "六", "陸": "六", "柒": "七", "捌": "八",
    "玖": "九", "拾": "十", "佰": "百", "仟": "千",
}
_NUMERALS = "零一二三四五六七八九十百千万亿"


def _check_numeral(answer: Any) -> tuple[bool, str]:
    from lstmbook.data.parallel import parse_chinese

    if not isinstance(answer, str):
        return False, f"Expected a string of Chinese numerals, got {type(answer).__name__}."
    answer = "".join(answer.split())
    right = _numeral()
    swaps = {ch: TRADITIONAL[ch] for ch in dict.fromkeys(answer) if ch in TRADITIONAL}
    simplified = "".join(TRADITIONAL.get(ch, ch) for ch in answer)
    note = ""
    if swaps:
        listed = ", ".join(f"{a} → {b}" for a, b in swaps.items())
        if simplified == right:
            return True, (f"Correct: {answer} is {NUMBER_1:,} in traditional or financial "
                          f"(大写) characters ({listed}); the corpus writes the simplified "
                          f"everyday form {right}.")
        note = (f" (Read with the simplified everyday characters the exercise asks for, "
                f"{listed}, your answer is {simplified}.)")
    if simplified == right:
        return True, f"Correct: {answer}."
    if "两" in simplified:
        return False, ("Formal numerals write 二 (two) where speech says 两; the corpus uses "
                       "二." + note)
    for ch in simplified:
        if ch in "0123456789０１２３４５６７８９":
            return False, (f"{ch} is an Arabic digit: write every digit with a Chinese "
                           f"numeral ({'、'.join(_NUMERALS[:10])}) and the places 十, 百, 千, "
                           "万, 亿.")
        if ch == "〇":
            return False, ("〇 is the zero of digit-by-digit writing (二〇二六年); a numeral "
                           "with places writes 零.")
        if ch not in _NUMERALS:
            return False, (f"{ch!r} is not a Chinese numeral: write the number with "
                           f"{'、'.join(_NUMERALS)}.")
    try:
        value = parse_chinese(simplified)
    except ValueError as err:  # pragma: no cover -- every character was checked above
        return False, str(err)
    if value == NUMBER_1:
        return False, ("That reads as the right number, but a 零 is missing or extra: one 零 "
                       "stands for each run of skipped places between non-zero digits, and "
                       "a 万 group below 1000 after 亿 starts with 零." + note)
    return False, (f"{simplified} is {value:,}, not {NUMBER_1:,}; group the digits in fours, "
                   f"by 万 and 亿: 2 | 0004 | 0007." + note)


register(
    "translation-1",
    title="Write 200,040,007 in Chinese numerals",
    page=PAGE,
    kind="text",
    checker=_check_numeral,
    reference=_numeral,
    wrong_answers=lambda: [
        WrongAnswer("二亿四万七", says="skipped places", label="zeros dropped"),
        WrongAnswer("两亿零四万零七", says="speech says 两", label="colloquial 两"),
        WrongAnswer("二亿零四千零七", says="in fours", label="grouped by thousands"),
        WrongAnswer("2亿零4万零7", says="arabic digit", label="Arabic digits"),
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


def _check_attention(answer):
    H = _hidden()
    return compare_number(answer, _attention_parameters(), rtol=0, mistakes=[
        (H**2, f"{H**2:,} = H² counts only W_a of the score; the attentional state "
               f"tanh(W_c [h; c]) adds W_c (H × 2H) and its bias (H)."),
        (3 * H**2, f"{3 * H**2:,} = 3H² leaves out the bias of W_c (H = {H} numbers)."),
        (2 * H**2 + H, f"{2 * H**2 + H:,} = 2H² + H counts W_c and its bias but not the "
                       f"score's W_a (H × H) of h_tᵀ W_a h_s."),
        (3 * H**2 + 2 * H, f"{3 * H**2 + 2 * H:,} gives the score a bias too; the score "
                           "h_tᵀ W_a h_s has none."),
    ])


register(
    "translation-2",
    title="How many parameters does attention add?",
    page=PAGE,
    kind="number",
    checker=_check_attention,
    reference=_attention_parameters,
    wrong_answers=lambda: [
        WrongAnswer(_hidden() ** 2, says="counts only w_a", label="only the score matrix W"),
        WrongAnswer(3 * _hidden() ** 2, says="leaves out the bias", label="bias of W_c forgotten"),
        WrongAnswer(2 * _hidden() ** 2 + _hidden(), says="but not the score",
                    label="W_c only"),
        WrongAnswer(3 * _hidden() ** 2 + 2 * _hidden(), says="has none",
                    label="a bias on the score"),
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


def _no_running_scores(scores, log_probs):
    return beam_step(np.zeros_like(scores), log_probs)


def _increasing(scores, log_probs):
    new, beam, token = beam_step(scores, log_probs)
    return new[::-1], beam[::-1], token[::-1]


def _worst(scores, log_probs):
    total = scores[:, None] + log_probs
    flat = np.argsort(total, axis=None, kind="stable")[: len(scores)]
    beam, token = np.unravel_index(flat, total.shape)
    return total[beam, token], beam, token


_BEAM_MISTAKES = [
    Mistake(_no_running_scores, "Your scores leave out the beams' running scores: add "
            "scores[:, None] to log_probs before choosing, so a candidate's score is the "
            "log-probability of its whole prefix."),
    Mistake(_per_beam_best, "You kept each beam's best token. The k best of all k·V "
            "candidates can include two tokens from the same beam (and none from another)."),
    Mistake(_increasing, "Your continuations are the right k, in increasing order of score; "
            "return them best first (decreasing)."),
    Mistake(_worst, "You took the k lowest totals; beam search keeps the k highest "
            "log-probabilities (sort by -total, or take the last k of the sort)."),
]

register(
    "translation-3",
    title="One step of beam search",
    page=PAGE,
    kind="function",
    checker=lambda fn: compare_function(
        fn, _beam_cases(), names=("scores", "beam", "token"), mistakes=_BEAM_MISTAKES,
    ),
    reference=lambda: beam_step,
    wrong_answers=lambda: [
        WrongAnswer(_no_running_scores, says="running scores", label="running scores not added"),
        WrongAnswer(_per_beam_best, says="same beam", label="best token per beam"),
        WrongAnswer(_increasing, says="increasing order", label="worst of the k first"),
        WrongAnswer(_worst, says="k lowest", label="argsort without the minus"),
        WrongAnswer(lambda s, lp: beam_step(s, lp)[::-1], says="swapped",
                    label="(token, beam, scores)"),
    ],
)
