"""Exercises (练习) that check themselves.

Every content page of the book ends with exercises. In a notebook::

    from lstmbook.exercises import check, solution
    check("bptt-1", my_answer)      # Feedback: passed / not yet, and why

* :data:`EXERCISES` -- every exercise by id (``"bptt-1"``): title, page, kind of answer;
* :func:`check` -- a :class:`Feedback`, truthy exactly when the answer passed; a wrong
  answer gets a message that names the mistake where it can (shape, constant factor,
  gate order, first wrong time step);
* :func:`solution` -- the reference answer, a value or a function;
* :func:`progress` -- which exercises of the page (or of the book) passed in this kernel.

Each chapter registers its exercises in a module of this package named after the chapter
(``equations.py``, ``code.py``, …); all of them are imported here, so importing
:mod:`lstmbook.exercises` registers every exercise. Chapter modules import only NumPy at
module level; what needs torch is imported when an exercise is checked.
"""

from __future__ import annotations

import importlib
import pkgutil

from ._core import (
    EXERCISES,
    KINDS,
    Exercise,
    Feedback,
    NotAttempted,
    Progress,
    ReturnedNone,
    WrongAnswer,
    check,
    progress,
    register,
    solution,
)

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
    "progress",
    "register",
    "solution",
    "for_page",
    "PAGE_ORDER",
]


def for_page(page: str) -> list[Exercise]:
    """The exercises of one page (``"equations/bptt"``), in registration order."""
    return [ex for ex in EXERCISES.values() if ex.page == page]


#: The pages that have exercises, in the book's order (a test checks it against _toc.yml).
PAGE_ORDER = (
    "background/index", "gates/index",
    "equations/index", "equations/notation", "equations/bptt", "equations/variants",
    "equations/sources",
    "code/numpy", "code/pytorch", "code/gpu", "code/speed", "code/keras",
    "applications/evaluation", "applications/forecasting", "applications/language_model",
    "applications/padding", "applications/digits", "applications/translation",
    "applications/speech_commands", "applications/speech_ctc", "applications/sentiment",
    "applications/your_data",
    "faq/basics", "faq/training", "faq/data",
    "challenges/cost", "challenges/compression", "challenges/distillation",
    "challenges/interpretation", "challenges/distributed", "challenges/transformers",
)


def _import_chapter_modules() -> None:
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_") and info.name != "compare":
            importlib.import_module(f"{__name__}.{info.name}")
    # the registry in the book's order: page by page, and within a page as registered
    rank = {page: k for k, page in enumerate(PAGE_ORDER)}
    ordered = sorted(EXERCISES.items(), key=lambda item: rank.get(item[1].page, len(rank)))
    EXERCISES.clear()
    EXERCISES.update(ordered)


_import_chapter_modules()
