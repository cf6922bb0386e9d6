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
    "Progress",
    "ReturnedNone",
    "WrongAnswer",
    "check",
    "not_attempted",
    "progress",
    "register",
    "solution",
]

#: The kinds of answer an exercise takes.
KINDS = ("number", "array", "function", "choice", "text")


class NotAttempted(Exception):
    """Raised by a checker (or a reader's skeleton) when there is no answer yet."""


class ReturnedNone(Exception):
    """The reader's function returned ``None``; ``changed`` names the arguments it changed
    in place (a forgotten ``return``, or an update written into the input)."""

    def __init__(self, changed: Sequence[str] = ()):
        self.changed = list(changed)
        text = "Your function returned None: end it with `return …`."
        if self.changed:
            args = ", ".join(f"`{n}`" for n in self.changed)
            text += (f" It changed its argument{'s' if len(self.changed) > 1 else ''} "
                     f"{args} in place instead: compute the new value and return it.")
        super().__init__(text)


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


#: The last feedback of every exercise checked in this kernel, by id (see :func:`progress`).
_RESULTS: dict[str, Feedback] = {}
#: The page of the exercise checked last: :func:`progress`'s default page.
_LAST_PAGE: list[str] = []


def check(exercise_id: str, answer: Any, *, record: bool = True) -> Feedback:
    """Check a reader's ``answer`` to exercise ``exercise_id``.

    Returns a :class:`Feedback` (truthy when passed). ``None``, ``...`` or a skeleton
    function that still raises ``NotImplementedError`` give "not attempted yet"; a function
    that returns ``None`` is told so; an answer that raises while being checked gives a
    message naming the exception, not a traceback.

    ``record=False`` keeps the result out of :func:`progress` (the book's own solution
    cells use it, so running them does not count as the reader's pass).
    """
    ex = _lookup(exercise_id)
    feedback = _feedback(ex, answer)
    if record:
        _LAST_PAGE[:] = [ex.page]
        if feedback.attempted or ex.id not in _RESULTS:
            _RESULTS[ex.id] = feedback
    return feedback


def _feedback(ex: Exercise, answer: Any) -> Feedback:
    if not_attempted(answer):
        return Feedback(ex.id, False, "Fill in your answer and run the cell again.", False)
    try:
        result = ex.checker(answer)
    except NotImplementedError:
        return Feedback(ex.id, False, (
            "Your function still raises NotImplementedError, the skeleton's placeholder: "
            "replace that line with your code."), False)
    except NotAttempted:
        return Feedback(ex.id, False, "Fill in your answer and run the cell again.", False)
    except ReturnedNone as err:
        return Feedback(ex.id, False, str(err))
    except Exception as err:  # the reader's code failed inside the checker
        return Feedback(ex.id, False, f"Your answer raised {type(err).__name__}: {err}")
    if isinstance(result, Feedback):
        return Feedback(ex.id, result.passed, result.message, result.attempted)
    passed, message = result
    return Feedback(ex.id, bool(passed), str(message))


@dataclass(frozen=True)
class Progress:
    """Which exercises of a page (or of the book) passed in this kernel: a table."""

    rows: tuple[tuple[str, str, str, str, str], ...]  # (page, id, kind, title, status)
    scope: str

    @property
    def passed(self) -> int:
        return sum(r[4] == "passed" for r in self.rows)

    def _pages(self) -> list[tuple[str, list[tuple[str, str, str, str, str]]]]:
        groups: dict[str, list] = {}
        for row in self.rows:
            groups.setdefault(row[0], []).append(row)
        return list(groups.items())

    def __str__(self) -> str:
        marks = {"passed": "✓", "not yet": "✗", "not attempted yet": "…"}
        lines = [f"Exercises of {self.scope}: {self.passed} of {len(self.rows)} passed"]
        for page, rows in self._pages():
            if len(self._pages()) > 1:
                done = sum(r[4] == "passed" for r in rows)
                lines.append(f"{page}: {done} of {len(rows)}")
            lines += [f"  {marks[r[4]]} {r[1]:<18} {r[2]:<8} {r[3]}" for r in rows]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        colour = {"passed": "#1b7f3b", "not yet": "#b3261e", "not attempted yet": "#6b6b6b"}
        body = ""
        for page, rows in self._pages():
            if len(self._pages()) > 1:
                done = sum(r[4] == "passed" for r in rows)
                body += (f'<tr><th colspan="4" style="text-align:left">{html.escape(page)}: '
                         f"{done} of {len(rows)}</th></tr>")
            body += "".join(
                f'<tr><td style="white-space:nowrap"><code>{html.escape(i)}</code></td>'
                f"<td>{html.escape(k)}</td><td>{html.escape(t)}</td>"
                f'<td style="color:{colour[s]};white-space:nowrap">{s}</td></tr>'
                for _, i, k, t, s in rows
            )
        return (f"<p><strong>Exercises of {html.escape(self.scope)}: {self.passed} of "
                f"{len(self.rows)} passed</strong></p><table><thead><tr><th>exercise</th>"
                f"<th>kind</th><th>title</th><th>status</th></tr></thead><tbody>{body}"
                "</tbody></table>")


def progress(page: str | None = None, *, book: bool = False) -> Progress:
    """Which exercises have passed in this kernel.

    Parameters
    ----------
    page : str, optional
        A page (``"gates/index"``). By default the page of the exercise checked last.
    book : bool
        Every exercise of the book instead, page by page (also before any check).
    """
    if page is None and not book:
        if not _LAST_PAGE:
            book = True
        else:
            page = _LAST_PAGE[0]
    pages = list(dict.fromkeys(ex.page for ex in EXERCISES.values()))
    if not book and page not in pages:
        near = difflib.get_close_matches(str(page), pages, n=3)
        hint = f"; did you mean {', '.join(map(repr, near))}?" if near else ""
        raise ValueError(f"no page {page!r} has exercises{hint} (or pass book=True)")
    rows = []
    for ex in EXERCISES.values():
        if book or ex.page == page:
            fb = _RESULTS.get(ex.id)
            status = fb.verdict if fb is not None else "not attempted yet"
            rows.append((ex.page, ex.id, ex.kind, ex.title, status))
    return Progress(tuple(rows), "all pages" if book else f"page {page}")


def solution(exercise_id: str) -> Any:
    """The reference answer of ``exercise_id``: a value, an array or a function."""
    return _lookup(exercise_id).reference()
