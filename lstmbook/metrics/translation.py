"""Translation metrics: exact match, character error rate, and sacrebleu's BLEU and chrF.

Hypotheses and references are strings, one per sentence. For Chinese output BLEU uses
sacrebleu's ``tokenize="zh"`` (each Chinese character a token); chrF compares character
n-grams and needs no tokeniser. All scores are corpus-level, on a 0–100 scale for BLEU and
chrF (sacrebleu's), and as fractions for exact match and CER. Defined in the translation
page (``book/applications/translation``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["exact_match", "edit_distance", "character_error_rate", "bleu", "chrf",
           "translation_scores"]


def _check_pairs(hypotheses: Sequence[str], references: Sequence[str]) -> None:
    if isinstance(hypotheses, str) or isinstance(references, str):
        raise TypeError("hypotheses and references must be sequences of strings, not one string")
    if len(hypotheses) != len(references):
        raise ValueError(
            f"{len(hypotheses)} hypotheses but {len(references)} references; one each per sentence"
        )
    if len(references) == 0:
        raise ValueError("no sentences to score")
    for name, seq in (("hypotheses", hypotheses), ("references", references)):
        bad = next((s for s in seq if not isinstance(s, str)), None)
        if bad is not None:
            raise TypeError(f"{name}: expected strings, got {type(bad).__name__} {bad!r}")


def exact_match(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """Share of sentences translated exactly (0 to 1)."""
    _check_pairs(hypotheses, references)
    return float(np.mean([h == r for h, r in zip(hypotheses, references, strict=True)]))


def edit_distance(a: Sequence, b: Sequence) -> int:
    """Levenshtein distance: fewest insertions, deletions and substitutions turning a into b."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def character_error_rate(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """Corpus CER: total character edit distance over total reference characters (computed
    by :func:`lstmbook.metrics.speech.character_error_rate`, with jiwer; note the argument
    order here, hypotheses first, as the other translation scores).

    0 is perfect; it can exceed 1 when hypotheses are much longer than references.
    """
    from lstmbook.metrics.speech import character_error_rate as jiwer_cer

    _check_pairs(hypotheses, references)
    if not any(references):
        return float(sum(len(h) for h in hypotheses))
    return jiwer_cer(list(references), list(hypotheses))


def bleu(hypotheses: Sequence[str], references: Sequence[str], tokenize: str = "zh") -> float:
    """Corpus BLEU (0–100) with sacrebleu; ``tokenize="zh"`` splits Chinese into characters."""
    import sacrebleu

    _check_pairs(hypotheses, references)
    return float(sacrebleu.corpus_bleu(list(hypotheses), [list(references)],
                                       tokenize=tokenize).score)


def chrf(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """Corpus chrF (0–100) with sacrebleu: F-score of character n-grams (n ≤ 6, β = 2)."""
    import sacrebleu

    _check_pairs(hypotheses, references)
    return float(sacrebleu.corpus_chrf(list(hypotheses), [list(references)]).score)


def translation_scores(hypotheses: Sequence[str], references: Sequence[str]) -> dict[str, float]:
    """All four: ``exact match`` and ``CER`` as fractions, ``BLEU`` and ``chrF`` 0–100."""
    return {
        "exact match": exact_match(hypotheses, references),
        "CER": character_error_rate(hypotheses, references),
        "BLEU": bleu(hypotheses, references),
        "chrF": chrf(hypotheses, references),
    }
