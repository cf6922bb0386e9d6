"""What a page shows besides prose: the library's own code (so a page never carries a
pasted copy), and errors as lessons.

An error a page demonstrates is printed as one line, ``Type: message``, by
:func:`shows_error` (and a warning by :func:`shows_warnings`) -- never as a traceback,
which would be forty lines through other libraries' internals and would print the
absolute paths of the machine that built the book. The line is wrapped at :data:`WIDTH`
columns, the width of the book's text column.
"""

from __future__ import annotations

import inspect
import re
import sys
import sysconfig
import textwrap
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["show_source", "one_line", "shows_error", "shows_warnings", "Caught", "WIDTH"]

#: Columns of a code or output line that fit the book's text column.
WIDTH = 80

#: Absolute folders a message may name that mean nothing to a reader (the checkout this
#: package runs from, the Python installation): they are cut from printed errors.
_LOCAL_DIRS = sorted(
    {str(Path(__file__).resolve().parents[1]), sys.prefix, sys.base_prefix,
     *(sysconfig.get_paths().get(k, "") for k in ("purelib", "platlib", "stdlib"))}
    - {""}, key=len, reverse=True)


def show_source(obj: Any) -> Any:
    """The source of a library function, method or class, syntax-highlighted in Jupyter.

    Returns an ``IPython.display.Code`` object when IPython is installed (a notebook
    renders it), else the source as a string. A method is shown dedented, as it would
    read at the left margin.
    """
    source = textwrap.dedent(inspect.getsource(obj))
    try:
        from IPython.display import Code
    except ImportError:
        return source
    return Code(source, language="python")


def _without_local_paths(text: str) -> str:
    """``text`` with this machine's checkout and Python folders cut from every path."""
    for folder in _LOCAL_DIRS:
        text = text.replace(folder.rstrip("/") + "/", "")
    return re.sub(r"/\S*/(?:site|dist)-packages/", "", text)


def one_line(error: BaseException | warnings.WarningMessage, width: int = WIDTH) -> str:
    """``Type: message`` of an exception or a recorded warning, wrapped to ``width``.

    Whitespace is collapsed, terminal colour codes and the paths of this machine are
    removed, and of a Keras layer's report ("Exception encountered when calling ...",
    "Arguments received by ...") only the error's own message is kept.
    """
    if isinstance(error, warnings.WarningMessage):
        kind, text = error.category.__name__, str(error.message)
    else:
        kind, text = type(error).__name__, str(error)
    text = text.split("Arguments received by", 1)[0]
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    text = re.sub(r"Exception encountered when calling \S+\(\)\.\s*", "", text)
    text = _without_local_paths(re.sub(r"\s+", " ", text).strip())
    return textwrap.fill(f"{kind}: {text}", width, subsequent_indent="    ",
                         break_long_words=False, break_on_hyphens=False)


@dataclass
class Caught:
    """What :func:`shows_error` caught: the exception, once the block has run."""

    error: BaseException | None = None


@contextmanager
def shows_error(expected: type[BaseException] | tuple[type[BaseException], ...] = Exception,
                width: int = WIDTH) -> Iterator[Caught]:
    """Run a block that must fail with ``expected``; print ``Type: message`` of the error.

    The book's one way to show an error as a lesson::

        with shows_error(ValueError):
            np.ones((4, 7)) * np.ones(5)

    Parameters
    ----------
    expected : exception type or tuple of types
        The failure the page describes. Any other exception propagates unchanged.
    width : int
        Column at which the printed line is wrapped.

    Yields
    ------
    Caught
        Its ``error`` holds the exception after the block.

    Raises
    ------
    AssertionError
        If the block raised nothing: the page would describe a failure that did not happen.
    """
    caught = Caught()
    try:
        yield caught
    except expected as error:  # the failure the page shows
        caught.error = error
        print(one_line(error, width))
        return
    raise AssertionError(
        f"expected the block to raise {getattr(expected, '__name__', expected)}, "
        "but it ran without an error"
    )


@contextmanager
def shows_warnings(category: type[Warning] = Warning,
                   width: int = WIDTH) -> Iterator[list[warnings.WarningMessage]]:
    """Record the warnings of ``category`` a block emits; print each as ``Type: message``.

    Yields the list of recorded warnings (filled when the block ends). Each distinct
    message is printed once, without the file path and source line a warning normally
    shows.
    """
    with warnings.catch_warnings(record=True) as recorded:
        warnings.simplefilter("always", category)
        yield recorded
    seen = set()
    for w in recorded:
        if issubclass(w.category, category):
            line = one_line(w, width)
            if line not in seen:
                seen.add(line)
                print(line)
