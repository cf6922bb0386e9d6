"""Exercises of the sentiment-analysis page (book/applications/sentiment.ipynb)."""

from __future__ import annotations

import numpy as np

from ._core import WrongAnswer, register
from .compare import Mistake, compare_choice, compare_function, compare_number

PAGE = "applications/sentiment"

# ------------------------------------------------------ 1: F1 from a confusion matrix
TN, FP, FN, TP = 801, 102, 121, 712


def _f1() -> float:
    return 2 * TP / (2 * TP + FP + FN)


_F1_MISTAKES = [
    ((TP + TN) / (TP + TN + FP + FN), "That is the accuracy, (TP + TN) / N: F1 leaves the "
                                      "true negatives out and weighs the two kinds of error."),
    (TP / (TP + FP), "That is the precision alone, TP / (TP + FP); F1 is its harmonic mean "
                     "with the recall, 2PR / (P + R)."),
    (TP / (TP + FN), "That is the recall alone, TP / (TP + FN); F1 is its harmonic mean "
                     "with the precision, 2PR / (P + R)."),
    (2 * TN / (2 * TN + FP + FN), "That is F1 of the negative class (negative reviews taken "
                                  "as the ones to find); the question asks for the positive "
                                  "class, 2TP / (2TP + FP + FN)."),
    (TP / (TP + FP + FN), "That is TP / (TP + FP + FN), the Jaccard index (the overlap of "
                          "the predicted and true positives); F1 counts TP twice: "
                          "2TP / (2TP + FP + FN)."),
]

register(
    "sentiment-1",
    title="F1 of the positive class from a confusion matrix",
    page=PAGE,
    kind="number",
    checker=lambda a: compare_number(a, _f1(), rtol=1e-6, mistakes=_F1_MISTAKES),
    reference=_f1,
    wrong_answers=lambda: [
        WrongAnswer(_F1_MISTAKES[0][0], says="accuracy", label="accuracy"),
        WrongAnswer(_F1_MISTAKES[1][0], says="precision alone", label="precision"),
        WrongAnswer(_F1_MISTAKES[2][0], says="recall alone", label="recall"),
        WrongAnswer(_F1_MISTAKES[3][0], says="negative class", label="F1 of negatives"),
        WrongAnswer(_F1_MISTAKES[4][0], says="jaccard", label="TP / (TP + FP + FN)"),
    ],
)

# ----------------------------------------------------------- 2: a negation probe


def _flip_rate(p_plain, p_negated):
    p_plain, p_negated = np.asarray(p_plain, float), np.asarray(p_negated, float)
    read_positive = p_plain > 0.5
    return float(np.mean(p_negated[read_positive] < 0.5))


def _over_all_pairs(p_plain, p_negated):
    p_plain, p_negated = np.asarray(p_plain, float), np.asarray(p_negated, float)
    return float(np.mean((p_plain > 0.5) & (p_negated < 0.5)))


def _negated_only(p_plain, p_negated):
    return float(np.mean(np.asarray(p_negated, float) < 0.5))


def _count(p_plain, p_negated):
    p_plain, p_negated = np.asarray(p_plain, float), np.asarray(p_negated, float)
    return float(np.sum(p_negated[p_plain > 0.5] < 0.5))


def _mean_drop(p_plain, p_negated):
    return float(np.mean(np.asarray(p_plain, float) - np.asarray(p_negated, float)))


def _flip_cases() -> list:
    rng = np.random.default_rng(21)
    cases = []
    for n in (12, 40):
        plain = rng.uniform(0.05, 0.99, n)
        negated = np.clip(plain - rng.uniform(-0.2, 0.9, n), 0.01, 0.99)
        cases.append(((plain, negated), _flip_rate(plain, negated)))
    return cases


_FLIP_MISTAKES = [
    Mistake(_over_all_pairs, "You divided by every pair; divide only by the pairs whose "
                             "plain phrase the model reads as positive (p_plain > 0.5): a "
                             "phrase it already calls negative cannot be flipped."),
    Mistake(_negated_only, "You looked at the negated phrases only; count a flip only where "
                           "the plain phrase was read as positive first (p_plain > 0.5)."),
    Mistake(_count, "You returned how many pairs flip (a count); return the fraction of the "
                    "positive-read pairs that flip, between 0 and 1."),
    Mistake(_mean_drop, "You returned the mean fall in P(positive); the probe asks how often "
                        "the decision crosses 0.5, a fraction of pairs."),
]

register(
    "sentiment-2",
    title="How often does negation flip the decision?",
    page=PAGE,
    kind="function",
    checker=lambda fn: compare_function(fn, _flip_cases(), names=("rate",),
                                        mistakes=_FLIP_MISTAKES, reference=_flip_rate),
    reference=lambda: _flip_rate,
    wrong_answers=lambda: [
        WrongAnswer(_over_all_pairs, says="divided by every pair", label="all pairs"),
        WrongAnswer(_negated_only, says="negated phrases only", label="no condition"),
        WrongAnswer(_count, says="(a count)", label="a count"),
        WrongAnswer(_mean_drop, says="mean fall", label="mean difference"),
    ],
)

# ------------------------------------------------------------- 3: the leakage question
_WHY = ("leakage", "segmentation", "length", "chance")
_WHY_EXPLAIN = {
    "segmentation": "SnowNLP's own tokeniser changes what it can learn, not whether its "
                    "score on these reviews can be trusted.",
    "length": "It read the whole review, not the first 150 characters; that can help it a "
              "little, but it does not explain a score measured on reviews it was fit to.",
    "chance": "On 1,736 reviews the sampling spread (standard error) of an accuracy near "
              "86% is about 0.8 points: a reason for the paired test, not for "
              "distrusting the number itself.",
}

register(
    "sentiment-3",
    title="Why is SnowNLP's score on our test set not comparable?",
    page=PAGE,
    kind="choice",
    checker=lambda a: compare_choice(a, "leakage", _WHY, explain=_WHY_EXPLAIN),
    reference=lambda: "leakage",
    wrong_answers=lambda: [
        WrongAnswer("segmentation", says="tokeniser", label="segmentation"),
        WrongAnswer("length", says="whole review", label="length"),
        WrongAnswer("chance", says="sampling spread", label="chance"),
    ],
)

# ------------------------------------------------------- 4: word ids with jieba (分词)
_VOCAB = {"<pad>": 0, "<unk>": 1, "这": 2, "本书": 3, "的": 4, "内容": 5, "很": 6,
          "精彩": 7, "屏幕": 8, "清楚": 9, "，": 10, "但是": 11, "电池": 12, "不": 13,
          "物流": 14, "房间": 15}
_TEXTS = ("这本书的内容很精彩", "屏幕很清楚，但是 电池不耐用", "物流 很快，房间不大")


def _jieba_words(text):
    import jieba

    jieba.setLogLevel(60)
    return jieba.lcut(text)


def _word_ids(text, vocab):
    return [vocab.get(w, vocab["<unk>"]) for w in _jieba_words(text) if w.strip()]


def _char_ids(text, vocab):
    return [vocab.get(ch, vocab["<unk>"]) for ch in text if ch.strip()]


def _unknown_as_pad(text, vocab):
    return [vocab.get(w, vocab["<pad>"]) for w in _jieba_words(text) if w.strip()]


def _unknown_dropped(text, vocab):
    return [vocab[w] for w in _jieba_words(text) if w.strip() and w in vocab]


def _spaces_kept(text, vocab):
    return [vocab.get(w, vocab["<unk>"]) for w in _jieba_words(text)]


def _word_cases() -> list:
    return [((t, dict(_VOCAB)), np.array(_word_ids(t, _VOCAB))) for t in _TEXTS]


_WORD_MISTAKES = [
    Mistake(_char_ids, "You looked up single characters; segment the text into words "
                       "first with jieba.lcut (内容 is one word, one id)."),
    Mistake(_unknown_as_pad, "You gave words outside the vocabulary id 0, which is <pad>: "
                             "the network would skip them as padding; use <unk>, id 1."),
    Mistake(_unknown_dropped, "You left out the words that are not in the vocabulary; keep "
                              "each as <unk> (id 1), so the review keeps its length."),
    Mistake(_spaces_kept, "You kept the white space jieba returns as a word of its own; drop "
                          "tokens that are only spaces (w.strip() is empty)."),
]

register(
    "sentiment-4",
    title="Word ids of a review, segmented by jieba (分词)",
    page=PAGE,
    kind="function",
    checker=lambda fn: compare_function(fn, _word_cases(), names=("ids",),
                                        mistakes=_WORD_MISTAKES, reference=_word_ids),
    reference=lambda: _word_ids,
    wrong_answers=lambda: [
        WrongAnswer(_char_ids, says="single characters", label="characters"),
        WrongAnswer(_unknown_as_pad, says="skip them as padding", label="unknown -> 0"),
        WrongAnswer(_unknown_dropped, says="left out the words", label="unknown dropped"),
        WrongAnswer(_spaces_kept, says="white space", label="spaces kept"),
    ],
)
