"""Exercises of the CTC speech page (book/applications/speech_ctc.ipynb)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._core import WrongAnswer, register
from .compare import call_answer, compare_number

PAGE = "applications/speech_ctc"


# ------------------------------------------------------------------ 1: a greedy CTC decoder
def greedy_ctc(probs: np.ndarray) -> list[int]:
    """Reference: the most likely label of every frame, repeats merged, then blanks (0)
    dropped."""
    best = np.argmax(np.asarray(probs), axis=1)
    out, previous = [], None
    for label in best.tolist():
        if label != previous and label != 0:
            out.append(int(label))
        previous = label
    return out


def _table(path: list[int], C: int, rng: np.random.Generator) -> np.ndarray:
    """A (T, C) probability table whose best label at frame t is ``path[t]``."""
    logits = rng.normal(0.0, 0.5, size=(len(path), C))
    logits[np.arange(len(path)), path] += 3.0
    p = np.exp(logits)
    return p / p.sum(axis=1, keepdims=True)


def _decoder_cases() -> list[tuple[np.ndarray, list[int]]]:
    rng = np.random.default_rng(20)
    paths = ([0, 3, 3, 0, 3, 5, 5, 0, 0, 2],  # a label repeated across a blank
             [4, 4, 0, 0, 1, 1, 1, 0, 1, 0, 7],  # a run, then the same label again
             [0, 0, 6, 0, 6, 6, 2, 2, 0])
    tables = [_table(p, 11, rng) for p in paths]
    return [(t, greedy_ctc(t)) for t in tables]


def _blanks_first(probs):
    best = [int(k) for k in np.argmax(probs, axis=1) if k != 0]
    return [k for i, k in enumerate(best) if i == 0 or k != best[i - 1]]


def _no_merge(probs):
    return [int(k) for k in np.argmax(probs, axis=1) if k != 0]


def _blanks_kept(probs):
    best = np.argmax(probs, axis=1).tolist()
    return [int(k) for i, k in enumerate(best) if i == 0 or k != best[i - 1]]


def _over_frames(probs):
    return greedy_ctc(np.asarray(probs).T)


_DECODER_MISTAKES = [
    (_blanks_first, "You dropped the blanks before merging repeats, so 3 - 3 became one 3. "
                    "Merge runs of the same label first, then drop the blanks: a blank "
                    "between two equal labels is what lets CTC spell a double digit."),
    (_no_merge, "You dropped the blanks but did not merge runs: 5 5 over two frames is one "
                "5 held for two frames. Keep a label only where it differs from the frame "
                "before."),
    (_blanks_kept, "You merged runs but kept the blanks (label 0): the blank is no output, "
                   "drop it after merging."),
    (_over_frames, "You took the argmax over the frames (axis 0), the best frame of each "
                   "label; the path is the best label of each frame, argmax over axis 1."),
]


def _as_labels(result: Any) -> list[int] | str:
    if hasattr(result, "detach"):
        result = result.detach().cpu().numpy()
    try:
        arr = np.asarray(result)
    except Exception:  # noqa: BLE001 -- any object that is not a sequence
        return f"Expected a list of labels, got {type(result).__name__}."
    if arr.ndim != 1 or (arr.size and not np.all(np.equal(np.mod(arr, 1), 0))):
        return f"Expected a flat list of whole-number labels, got {result!r}."
    return [int(v) for v in arr]


def _check_decoder(fn: Any) -> tuple[bool, str]:
    if not callable(fn):
        return False, f"Expected a function, got {type(fn).__name__}."
    cases = _decoder_cases()
    for k, (table, expected) in enumerate(cases):
        try:
            got = _as_labels(call_answer(fn, table.copy(), names=["probs"]))
        except (NotImplementedError, AssertionError):
            raise
        except Exception as err:  # noqa: BLE001 -- the learner's function failed
            return False, f"Test case {k + 1}: your function raised {type(err).__name__}: {err}"
        if isinstance(got, str):
            return False, f"Test case {k + 1}: {got}"
        if got == expected:
            continue
        path = np.argmax(table, axis=1).tolist()
        for make, message in _DECODER_MISTAKES:
            if got == make(table):
                return False, f"Test case {k + 1} (best path {path}): {message}"
        return False, (f"Test case {k + 1}: best path {path} should give {expected}, "
                       f"your function returned {got}.")
    return True, f"Correct on all {len(cases)} test cases."


register(
    "speech_ctc-1",
    title="A greedy CTC decoder",
    page=PAGE,
    kind="function",
    checker=_check_decoder,
    reference=lambda: greedy_ctc,
    wrong_answers=lambda: [
        WrongAnswer(_blanks_first, says="before merging", label="blanks dropped first"),
        WrongAnswer(_no_merge, says="did not merge", label="runs not merged"),
        WrongAnswer(_blanks_kept, says="kept the blanks", label="blanks kept"),
        WrongAnswer(_over_frames, says="best frame of each", label="argmax over axis 0"),
    ],
)


# ------------------------------------------------------------------ 2: WER by hand
WER_REF = "five two eight zero three"
WER_HYP = "five two two eight zero six"


def _wer() -> float:
    from lstmbook.metrics.speech import word_error_rate

    return word_error_rate(WER_REF, WER_HYP)


def _check_wer(answer: Any) -> tuple[bool, str]:
    return compare_number(answer, _wer(), rtol=1e-3, atol=0.0, percent=True, mistakes=[
        (2 / 6, "2/6: you divided the 2 edits by the 6 words of the hypothesis; the WER "
                "divides by the words of the reference (5)."),
        (1 / 5, "1/5 counts only the substitution (three → six); the extra 'two' is an "
                "insertion and counts as an edit too."),
        (4 / 5, "4/5 compares the words position by position, so one inserted word shifts "
                "all that follow; the WER counts the fewest edits of an alignment."),
        (3 / 5, "3/5 compares position by position and ignores the extra word; align the "
                "two first: one insertion ('two') and one substitution (three → six)."),
    ])


register(
    "speech_ctc-2",
    title="A word error rate by hand",
    page=PAGE,
    kind="number",
    checker=_check_wer,
    reference=_wer,
    wrong_answers=lambda: [
        WrongAnswer(2 / 6, says="words of the hypothesis", label="divided by hypothesis"),
        WrongAnswer(0.2, says="only the substitution", label="insertion not counted"),
        WrongAnswer(0.8, says="shifts all that follow", label="position by position"),
        WrongAnswer(0.6, says="ignores the extra word", label="positions, extra ignored"),
    ],
)


# ------------------------------------------------------------------ 3: frames a target needs
FRAMES_TARGET = (5, 5, 5, 0, 1, 1, 9)


def min_frames(target) -> int:
    """Reference: one frame per label, plus a blank between every two equal neighbours."""
    t = list(target)
    return len(t) + sum(a == b for a, b in zip(t[:-1], t[1:], strict=True))


def _check_frames(answer: Any) -> tuple[bool, str]:
    L = len(FRAMES_TARGET)
    return compare_number(answer, min_frames(FRAMES_TARGET), rtol=0, atol=0, mistakes=[
        (L, f"{L} is one frame per digit, but the path 5 5 5 collapses to a single 5: "
            "equal neighbours need a blank between them."),
        (2 * L + 1, f"{2 * L + 1} = 2L + 1 puts a blank before, between and after every "
                    "digit; blanks are needed only between equal neighbours."),
        (2 * L - 1, f"{2 * L - 1} = 2L − 1 puts a blank between every two digits; only "
                    "equal neighbours (5 5, 5 5, 1 1) need one."),
        (L + 2, f"{L + 2} gives each run of repeats one blank, but the three 5s need two: "
                "5 - 5 - 5."),
    ])


register(
    "speech_ctc-3",
    title="The fewest frames a digit string needs",
    page=PAGE,
    kind="number",
    checker=_check_frames,
    reference=lambda: min_frames(FRAMES_TARGET),
    wrong_answers=lambda: [
        WrongAnswer(7, says="one frame per digit", label="no blanks"),
        WrongAnswer(15, says="before, between and after", label="2L + 1"),
        WrongAnswer(13, says="between every two digits", label="2L - 1"),
        WrongAnswer(9, says="each run of repeats one blank", label="one blank per run"),
    ],
)
