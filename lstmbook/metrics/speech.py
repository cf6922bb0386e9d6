"""Speech recognition (语音识别) metrics: word and character error rate, with jiwer.

Both are corpus-level edit distances over the reference length, as fractions (0 is
perfect; they can exceed 1 when the hypotheses insert much):
``(substitutions + deletions + insertions) / reference words`` (or characters). They are
computed with `jiwer <https://github.com/jitsi/jiwer>`_, the field's library. For
Chinese, which has no spaces between words, use :func:`character_error_rate` with
``ignore_spaces=True`` (each Chinese character is one unit; any spaces are dropped).

Argument order is jiwer's: ``references`` first, then ``hypotheses`` (the translation
metrics in :mod:`lstmbook.metrics.translation` take hypotheses first; pass keywords when in
doubt). Each is one string or a list of strings, one per utterance. Defined for the speech
page (``book/applications/speech``).
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["word_error_rate", "character_error_rate", "word_error_counts"]


def _as_lists(references: str | Sequence[str],
              hypotheses: str | Sequence[str]) -> tuple[list[str], list[str]]:
    """Both as lists of strings, one per utterance, of equal length; refs not all empty."""
    refs, hyps = ([x] if isinstance(x, str) else list(x) for x in (references, hypotheses))
    for name, seq in (("references", refs), ("hypotheses", hyps)):
        bad = next((s for s in seq if not isinstance(s, str)), None)
        if bad is not None:
            raise TypeError(f"{name}: expected strings, got {type(bad).__name__} {bad!r}")
    if len(refs) != len(hyps):
        raise ValueError(f"{len(refs)} references but {len(hyps)} hypotheses; "
                         "one each per utterance")
    if not any(r.strip() for r in refs):
        raise ValueError("the references are empty: an error rate needs reference words")
    return refs, hyps


def _no_spaces(texts: list[str]) -> list[str]:
    return ["".join(t.split()) for t in texts]


def word_error_rate(references: str | Sequence[str], hypotheses: str | Sequence[str]) -> float:
    """Corpus WER: word edits (S + D + I) over reference words, with ``jiwer.wer``.

    Parameters
    ----------
    references, hypotheses : str or sequence of str
        The true and the recognised transcripts, one string per utterance; words are
        separated by whitespace.

    Returns
    -------
    float
    """
    import jiwer

    refs, hyps = _as_lists(references, hypotheses)
    return float(jiwer.wer(refs, hyps))


def character_error_rate(references: str | Sequence[str], hypotheses: str | Sequence[str],
                         ignore_spaces: bool = False) -> float:
    """Corpus CER: character edits over reference characters, with ``jiwer.cer``.

    Parameters
    ----------
    references, hypotheses : str or sequence of str
        One string per utterance.
    ignore_spaces : bool
        Drop all whitespace first (for Chinese: the units are the characters). Otherwise
        spaces between words count as characters, as in jiwer.

    Returns
    -------
    float
    """
    import jiwer

    refs, hyps = _as_lists(references, hypotheses)
    if ignore_spaces:
        refs, hyps = _no_spaces(refs), _no_spaces(hyps)
        if not any(refs):
            raise ValueError("the references are empty: an error rate needs reference characters")
    return float(jiwer.cer(refs, hyps))


def word_error_counts(references: str | Sequence[str],
                      hypotheses: str | Sequence[str]) -> dict[str, int]:
    """The counts behind the WER: ``hits``, ``substitutions``, ``deletions``,
    ``insertions`` and reference ``words`` (``hits + substitutions + deletions``)."""
    import jiwer

    refs, hyps = _as_lists(references, hypotheses)
    out = jiwer.process_words(refs, hyps)
    counts = {k: int(getattr(out, k)) for k in ("hits", "substitutions", "deletions",
                                                   "insertions")}
    counts["words"] = counts["hits"] + counts["substitutions"] + counts["deletions"]
    return counts
