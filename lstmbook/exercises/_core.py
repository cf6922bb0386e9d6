"""The exercise registry, :class:`Feedback`, :func:`check` and :func:`solution`.

An exercise is registered once, by the chapter module it belongs to, with

* a *checker* ``answer -> Feedback`` (usually built from :mod:`lstmbook.exercises.compare`),
* a *reference* ``() -> answer`` computed on demand (never typed in), and
* at least two *typical wrong answers*, each with a word the feedback must contain, so the
  test suite proves the checker names the mistake instead of saying only "wrong".
"""

from __future__ import annotations

import difflib
import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "EXERCISES",
    "KINDS",
    "Exercise",
    "Feedback",
    "NotAttempted",
    "WrongAnswer",
    "check",
    "not_attempted",
    "register",
    "solution",
]

#: The kinds of answer an exercise takes.
KINDS = ("number", "array", "function", "choice", "text")


class NotAttempted(Exception):
    """Raised by a checker (or a reader's skeleton) when there is no answer yet."""


@dataclass(frozen=True)
class Feedback:
    """The result of :func:`check`: truthy exactly when the answer passed.

    Attributes
    ----------
    exercise_id : str
    passed : bool
    message : str
        Why it passed, or what is wrong with it (shape, factor, time step, gate order…).
    attempted : bool
        ``False`` for ``None``, ``...`` or an untouched skeleton.
    """

    exercise_id: str
    passed: bool
    message: str
    attempted: bool = True

    def __bool__(self) -> bool:
        return self.passed

    @property
    def verdict(self) -> str:
        if self.passed:
            return "passed"
        return "not yet" if self.attempted else "not attempted yet"

    def __str__(self) -> str:
        mark = "✓" if self.passed else ("✗" if self.attempted else "…")
        return f"{mark} {self.exercise_id}: {self.verdict}. {self.message}"

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        colour = "#1b7f3b" if self.passed else ("#b3261e" if self.attempted else "#6b6b6b")
        return (
            f'<div class="lstmbook-feedback" style="border-left:4px solid {colour};'
            'padding:0.3em 0.8em;margin:0.3em 0">'
            f'<strong style="color:{colour}">{html.escape(self.exercise_id)}: '
            f"{html.escape(self.verdict)}</strong><br>{html.escape(self.message)}</div>"
        )


@dataclass(frozen=True)
class WrongAnswer:
    """A typical mistake: ``answer`` must fail, with ``says`` (case-insensitive) in the message."""

    answer: Any
    says: str
    label: str = ""


@dataclass(frozen=True)
class Exercise:
    """One exercise of the book.

    Attributes
    ----------
    id : str
        ``"<page>-<n>"``, e.g. ``"bptt-2"``.
    title : str
    page : str
        The notebook it belongs to, relative to ``book/`` without suffix (``"equations/bptt"``).
    kind : str
        One of :data:`KINDS`.
    checker : callable
        ``answer -> Feedback | (passed, message)``.
    reference : callable
        ``() -> answer``: the reference solution, computed when asked for.
    wrong_answers : callable
        ``() -> list[WrongAnswer]``: typical mistakes, for the tests (built lazily: some are
        functions or arrays that need computing).
    """

    id: str
    title: str
    page: str
    kind: str
    checker: Callable[[Any], Any] = field(repr=False)
    reference: Callable[[], Any] = field(repr=False)
    wrong_answers: Callable[[], Sequence[WrongAnswer]] = field(repr=False)


#: Every registered exercise, by id.
EXERCISES: dict[str, Exercise] = {}


def register(
    id: str,
    *,
    title: str,
    page: str,
    kind: str,
    checker: Callable[[Any], Any],
    reference: Callable[[], Any],
    wrong_answers: Callable[[], Sequence[WrongAnswer]],
) -> Exercise:
    """Add an exercise to :data:`EXERCISES` (ids are unique) and return it."""
    if kind not in KINDS:
        raise ValueError(f"exercise {id!r}: kind must be one of {KINDS}, got {kind!r}")
    if id in EXERCISES:
        raise ValueError(f"exercise id {id!r} is registered twice")
    ex = Exercise(id, title, page, kind, checker, reference, wrong_answers)
    EXERCISES[id] = ex
    return ex


def _lookup(exercise_id: str) -> Exercise:
    if not isinstance(exercise_id, str):
        raise TypeError(f"exercise id must be a string like 'bptt-1', got {exercise_id!r}")
    if exercise_id not in EXERCISES:
        near = difflib.get_close_matches(exercise_id, list(EXERCISES), n=3)
        hint = f"; did you mean {', '.join(map(repr, near))}?" if near else ""
        raise ValueError(f"no exercise {exercise_id!r}{hint}")
    return EXERCISES[exercise_id]


def not_attempted(answer: Any) -> bool:
    """``None``, ``...`` and ``NotImplemented`` mean the reader has not answered yet."""
    return answer is None or answer is Ellipsis or answer is NotImplemented


def check(exercise_id: str, answer: Any) -> Feedback:
    """Check a reader's ``answer`` to exercise ``exercise_id``.

    Returns a :class:`Feedback` (truthy when passed). ``None``, ``...`` or a skeleton
    function that raises ``NotImplementedError`` or returns ``None`` give "not attempted
    yet"; an answer that raises while being checked gives a message naming the exception,
    not a traceback.
    """
    ex = _lookup(exercise_id)
    if not_attempted(answer):
        return Feedback(ex.id, False, "Fill in your answer and run the cell again.", False)
    try:
        result = ex.checker(answer)
    except (NotAttempted, NotImplementedError):
        return Feedback(
            ex.id, False, "Your function is still the skeleton: fill in its body.", False
        )
    except Exception as err:  # the reader's code failed inside the checker
        return Feedback(ex.id, False, f"Your answer raised {type(err).__name__}: {err}")
    if isinstance(result, Feedback):
        return Feedback(ex.id, result.passed, result.message, result.attempted)
    passed, message = result
    return Feedback(ex.id, bool(passed), str(message))


def solution(exercise_id: str) -> Any:
    """The reference answer of ``exercise_id``: a value, an array or a function."""
    return _lookup(exercise_id).reference()
