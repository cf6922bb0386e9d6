"""Comparisons that say *what* is wrong with an answer, for the exercise checkers.

Each function returns a :class:`~lstmbook.exercises.Feedback`-compatible pair
``(passed, message)``. A wrong answer is diagnosed in this order: not a number/array, NaN
or infinity, wrong shape (and whether the transpose would fit), gate blocks in the wrong
order, off by a constant factor or sign, wrong from a certain time step on, and otherwise
where and by how much it differs.
"""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._core import NotAttempted, not_attempted

__all__ = [
    "compare_number",
    "compare_array",
    "compare_choice",
    "compare_function",
    "GATE_NAMES",
]

#: PyTorch's gate order, the book's.
GATE_NAMES = ("i", "f", "g", "o")

#: Constant factors worth naming when an answer is off by one of them.
_NAMED_FACTORS = {
    -1.0: "the sign is flipped",
    2.0: "twice the expected value",
    0.5: "half the expected value",
    4.0: "four times the expected value",
    0.25: "a quarter of the expected value",
    10.0: "ten times the expected value",
    0.1: "a tenth of the expected value",
}


def _fmt(x: float) -> str:
    """Four significant digits; whole numbers as whole numbers (12,352, not 1.235e+04)."""
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    return f"{x:.4g}"


def _as_float(answer: Any, what: str) -> float:
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real | np.ndarray):
        raise TypeError(f"expected {what}, got {type(answer).__name__} {answer!r}")
    arr = np.asarray(answer)
    if arr.size != 1:
        raise TypeError(f"expected {what}, got an array of shape {arr.shape}")
    return float(arr.reshape(()))


def _factor_message(ratio: float, rtol: float) -> str | None:
    for factor, words in _NAMED_FACTORS.items():
        if abs(ratio - factor) <= max(rtol, 1e-9) * abs(factor) * 10:
            return f"your answer is {words} (off by a constant factor {factor:g})"
    return None


def compare_number(
    answer: Any,
    expected: float,
    *,
    rtol: float = 1e-6,
    atol: float = 0.0,
    hint: str = "",
    what: str = "a number",
) -> tuple[bool, str]:
    """Is ``answer`` a real number within ``atol + rtol·|expected|`` of ``expected``?"""
    try:
        value = _as_float(answer, what)
    except TypeError as err:
        return False, str(err).capitalize() + "."
    if not np.isfinite(value):
        return False, f"Your answer is {value}; expected a finite number. {hint}".strip()
    if abs(value - expected) <= atol + rtol * abs(expected):
        return True, f"Correct: {_fmt(value)}."
    parts = []
    if expected != 0 and value != 0:
        factor = _factor_message(value / expected, rtol)
        if factor:
            parts.append(factor.capitalize() + ".")
    if not parts:
        direction = "too large" if value > expected else "too small"
        rel = abs(value - expected) / max(abs(expected), 1e-300)
        parts.append(
            f"{_fmt(value)} is {direction}"
            + (f" by {rel:.0%}." if expected != 0 and rel < 100 else ".")
        )
    if hint:
        parts.append(hint)
    return False, " ".join(parts)


def _first_bad_index(bad: np.ndarray) -> tuple[int, ...]:
    return tuple(int(i) for i in np.argwhere(bad)[0])


def _gate_permutation(
    value: np.ndarray,
    expected: np.ndarray,
    axis: int,
    names: Sequence[str],
    rtol: float,
    atol: float,
) -> tuple[str, ...] | None:
    """The block order under which ``value`` equals ``expected``, if a non-identity one does.

    ``expected`` holds ``len(names)`` equal blocks along ``axis``, named ``names``.
    """
    k = len(names)
    if expected.shape[axis] % k:
        return None
    blocks = np.split(expected, k, axis=axis)
    for perm in itertools.permutations(range(k)):
        if perm == tuple(range(k)):
            continue
        candidate = np.concatenate([blocks[p] for p in perm], axis=axis)
        if np.allclose(value, candidate, rtol=rtol, atol=atol):
            return tuple(names[p] for p in perm)
    return None


def compare_array(
    answer: Any,
    expected: np.ndarray,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    gate_axis: int | None = None,
    gate_names: Sequence[str] = GATE_NAMES,
    time_axis: int | None = None,
    hint: str = "",
    name: str = "your array",
) -> tuple[bool, str]:
    """Compare an array answer with ``expected`` and name the mistake if it differs.

    Parameters
    ----------
    gate_axis : int, optional
        Axis holding the gate blocks (size 4H): a swapped gate order is recognised.
    gate_names : sequence of str
        The names of ``expected``'s blocks along ``gate_axis``, in order (PyTorch's
        ``i, f, g, o`` by default; ``o, f, i, g``-style for other layouts, three names for a
        GRU or CIFG).
    time_axis : int, optional
        Axis of time steps: the message says from which step on the answer is wrong.
    """
    expected = np.asarray(expected)
    if hasattr(answer, "detach"):  # a torch tensor
        answer = answer.detach().cpu().numpy()
    if hasattr(answer, "get") and not isinstance(answer, dict):  # a CuPy array
        answer = answer.get()
    try:
        value = np.asarray(answer)
    except Exception as err:  # ragged lists and the like
        return False, f"{name} is not an array: {err}"
    if value.dtype.kind not in "biuf":
        return False, f"{name} has dtype {value.dtype}; expected numbers."
    value = value.astype(np.float64)
    if value.shape != expected.shape:
        msg = f"{name} has shape {value.shape}; expected {expected.shape}."
        if value.ndim == 2 and value.T.shape == expected.shape:
            if np.allclose(value.T, expected, rtol=rtol, atol=atol):
                msg += " It is the transpose of the right answer."
            else:
                msg += " Is it transposed?"
        elif value.size == expected.size:
            msg += " Same number of elements: check the order of the axes."
        return False, msg + (f" {hint}" if hint else "")
    if not np.all(np.isfinite(value)):
        idx = _first_bad_index(~np.isfinite(value))
        return False, f"{name} contains NaN or infinity (first at index {idx})."
    close = np.isclose(value, expected, rtol=rtol, atol=atol)
    if close.all():
        return True, f"Correct: all {value.size} elements match to rtol={rtol:g}."
    if gate_axis is not None:
        perm = _gate_permutation(value, expected, gate_axis, gate_names, rtol, atol)
        if perm:
            return False, (
                f"The gate blocks are in the order {', '.join(perm)}; "
                f"expected {', '.join(gate_names)}." + (f" {hint}" if hint else "")
            )
    nonzero = np.abs(expected) > atol
    if nonzero.any() and np.all(np.abs(value[nonzero]) > 0):
        ratios = value[nonzero] / expected[nonzero]
        r0 = float(np.median(ratios))
        if np.allclose(value, r0 * expected, rtol=max(rtol, 1e-6), atol=atol):
            words = _factor_message(r0, rtol)
            return False, (
                (words.capitalize() if words else f"Off by a constant factor {r0:.4g}")
                + "." + (f" {hint}" if hint else "")
            )
    n_bad = int((~close).sum())
    if time_axis is not None:
        bad_steps = np.flatnonzero(np.moveaxis(~close, time_axis, 0).reshape(
            value.shape[time_axis], -1).any(axis=1))
        t0 = int(bad_steps[0])
        where = (
            "wrong from step 0"
            if t0 == 0
            else f"correct for steps 0…{t0 - 1}, wrong from step {t0}"
        )
        msg = f"{name} is {where} ({len(bad_steps)} of {value.shape[time_axis]} steps wrong)."
    else:
        idx = _first_bad_index(~close)
        msg = (
            f"{n_bad} of {value.size} elements differ; the first at index {idx}: "
            f"{_fmt(value[idx])} instead of {_fmt(expected[idx])}."
        )
    return False, msg + (f" {hint}" if hint else "")


def compare_choice(
    answer: Any, expected: Any, options: Sequence[Any], *, explain: dict | None = None
) -> tuple[bool, str]:
    """A multiple-choice answer; ``explain`` maps a wrong option to why it is wrong."""
    if isinstance(answer, str):
        answer = answer.strip()
    if answer not in options:
        return False, f"{answer!r} is not one of the options {list(options)}."
    if answer == expected:
        return True, f"Correct: {answer!r}."
    why = (explain or {}).get(answer, "")
    return False, f"{answer!r} is not right. {why}".strip()


def compare_function(
    fn: Any,
    cases: Sequence[tuple[tuple, Any]],
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    gate_axis: int | None = None,
    gate_names: Sequence[str] = GATE_NAMES,
    time_axis: int | None = None,
    hint: str = "",
    names: Sequence[str] | None = None,
) -> tuple[bool, str]:
    """Call ``fn(*args)`` for each ``(args, expected)`` and compare with :func:`compare_array`.

    ``expected`` may be an array or a tuple of arrays (then ``names`` labels them). A
    function that raises ``NotImplementedError`` or returns ``None`` has not been written
    yet (:class:`NotAttempted`).
    """
    if not callable(fn):
        return False, f"Expected a function, got {type(fn).__name__}."
    for k, (args, expected) in enumerate(cases):
        result = fn(*args)
        if not_attempted(result):
            raise NotAttempted
        outputs = expected if isinstance(expected, tuple) else (expected,)
        got = result if isinstance(expected, tuple) else (result,)
        if not isinstance(got, tuple | list) or len(got) != len(outputs):
            return False, (
                f"Your function returned {type(result).__name__}"
                + (f" of length {len(result)}" if isinstance(result, tuple | list) else "")
                + f"; expected a tuple of {len(outputs)} arrays"
                + (f" ({', '.join(names)})." if names else ".")
            )
        for j, (g, e) in enumerate(zip(got, outputs, strict=True)):
            label = names[j] if names else "the result"
            ok, msg = compare_array(
                g, e, rtol=rtol, atol=atol, gate_axis=gate_axis, gate_names=gate_names,
                time_axis=time_axis, name=label,
            )
            if not ok:
                return False, f"Test case {k + 1}: {msg}" + (f" {hint}" if hint else "")
    return True, f"Correct on all {len(cases)} test cases."
