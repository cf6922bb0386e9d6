"""Right answers written a second, different way, one per exercise, for the tests.

Each module ``alt_<chapter>.py`` here defines ``ALTERNATIVES: dict[str, Callable[[], Any]]``
mapping an exercise id to a function that builds an answer which is right but is not the
reference solution: another algorithm for a function (one matrix product on [x, h] instead
of two, a loop instead of a vectorised form), another type or precision for a number (a
0-d tensor, a NumPy float32, the value typed to 3 or 4 significant figures), a list or a
tensor for an array, another spelling for a choice.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any


def all_alternatives() -> dict[str, Callable[[], Any]]:
    out: dict[str, Callable[[], Any]] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("alt_"):
            module = importlib.import_module(f"{__name__}.{info.name}")
            for key, fn in module.ALTERNATIVES.items():
                assert key not in out, f"{key} has two alternatives"
                out[key] = fn
    return out
