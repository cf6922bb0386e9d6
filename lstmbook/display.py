"""Showing the library's own code in the book, so a page never carries a pasted copy."""

from __future__ import annotations

import inspect
from typing import Any

__all__ = ["show_source"]


def show_source(obj: Any) -> Any:
    """The source of a library function, method or class, syntax-highlighted in Jupyter.

    Returns an ``IPython.display.Code`` object when IPython is installed (a notebook
    renders it), else the source as a string.
    """
    source = inspect.getsource(obj)
    try:
        from IPython.display import Code
    except ImportError:
        return source
    return Code(source, language="python")
