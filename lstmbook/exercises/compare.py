"""Comparisons that say *what* is wrong with an answer, for the exercise checkers.

Every checker of the book is built from these functions, so every exercise recognises the
same mistakes in the same words. Each returns a :class:`~lstmbook.exercises.Feedback`-
compatible pair ``(passed, message)``.

Numbers (:func:`compare_number`)
    NumPy scalars, 0-d tensors and numeric strings count as numbers. A number typed with
    k >= 3 significant figures passes when it is the answer rounded to k figures; with fewer
    the message says "right to 2 figures: give at least 3". A percentage is accepted as a
    fraction or in per cent (``percent=True``). Known mistakes (``mistakes``) are named; then
    a named constant factor or a flipped sign; otherwise the direction and the relative error,
    printed with enough digits that it is never "0%".

Arrays (:func:`compare_array`)
    In this order: not numbers, NaN, a named mistake, wrong shape (and whether it is the
    transpose), the gate blocks in another order, one step late or early in time, a constant
    factor, and otherwise where (the first wrong element or time step) and by how much.

Functions (:func:`compare_function`, :func:`call_answer`)
    The function is called on copies of the arguments. A skeleton that still raises
    ``NotImplementedError`` is "not attempted"; a function that returns ``None`` is told so
    (and which argument it changed in place instead); a matrix product with mismatched shapes
    is explained. A wrong result is diagnosed by the shared detectors, each of which computes
    the output a mistake would give and compares it with the answer:

    * outputs returned in another order (``(c, h)`` for ``(h, c)``);
    * the exercise's own known mistakes (:class:`Mistake`);
    * with a ``reference`` and argument ``roles``: the gate blocks read in another order,
      a bias left out or counted twice, two states swapped or a state ignored;
    * then, per output, the array detectors above (which output is wrong, and how).

A hint is only ever part of the message of the detector that fired.
"""

from __future__ import annotations

import copy
import itertools
import math
import numbers
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._core import NotAttempted, ReturnedNone

__all__ = [
    "GATE_NAMES",
    "Mistake",
    "as_number",
    "call_answer",
    "compare_array",
    "compare_choice",
    "compare_function",
    "compare_number",
    "compare_outputs",
    "significant_figures",
]

#: PyTorch's gate order, the book's.
GATE_NAMES = ("i", "f", "g", "o")

#: Constant factors worth naming when an answer is off by one of them.
_NAMED_FACTORS = {
    -1.0: "the expected value with its sign flipped",
    2.0: "twice the expected value",
    0.5: "half the expected value",
    4.0: "four times the expected value",
    0.25: "a quarter of the expected value",
    10.0: "ten times the expected value",
    0.1: "a tenth of the expected value",
    100.0: "a hundred times the expected value",
    0.01: "a hundredth of the expected value",
}


# ====================================================================== formatting
def _fmt(x: float) -> str:
    """Four significant digits; whole numbers as whole numbers (12,352, not 1.235e+04)."""
    x = float(x)
    if x.is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    return f"{x:.4g}"


def _percent(rel: float) -> str:
    """A relative error as a percentage with two significant figures: never "0%"."""
    pct = 100 * rel
    if pct >= 10:
        return f"{pct:.0f}%"
    return f"{pct:.2g}%"


def _shown(value: float, answer: Any) -> str:
    """The reader's number as they typed it (all its figures), else four figures."""
    if isinstance(answer, str):
        return answer.strip()
    figures = significant_figures(answer)
    if value.is_integer() or figures is None or figures <= 4:
        return _fmt(value)
    return repr(value)


def _sentence(text: str) -> str:
    """``text`` with its first letter upper-cased and the rest untouched (torch.Size stays)."""
    return text[:1].upper() + text[1:]


# ========================================================================= numbers
def _to_numpy(answer: Any) -> Any:
    """A torch tensor or a CuPy array as a NumPy array; anything else unchanged."""
    if hasattr(answer, "detach") and hasattr(answer, "cpu"):  # a torch tensor
        return answer.detach().cpu().numpy()
    if type(answer).__module__.startswith("cupy") and hasattr(answer, "get"):
        return answer.get()
    return answer


def as_number(answer: Any, what: str = "a number") -> float:
    """``answer`` as a float: a Python or NumPy real, a one-element array or tensor (0-d
    included), or a numeric string. Raises ``TypeError`` naming what was given instead."""
    if isinstance(answer, bool | np.bool_):
        raise TypeError(f"expected {what}, got the bool {answer!r}")
    if isinstance(answer, str):
        text = _number_text(answer)
        try:
            return float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
        except ValueError:
            raise TypeError(f"expected {what}, got the string {answer!r}") from None
    value = _to_numpy(answer)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, np.ndarray | np.generic):
        if value.dtype.kind not in "biuf":
            raise TypeError(f"expected {what}, got an array of dtype {value.dtype}")
        if value.size != 1:
            raise TypeError(f"expected {what}, got an array of shape {tuple(value.shape)}")
        return float(value.reshape(()))
    if callable(answer):
        raise TypeError(f"expected {what}, got a function")
    shown = repr(answer)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    raise TypeError(f"expected {what}, got {type(answer).__name__} {shown}")


_THOUSANDS = re.compile(r"^[+-]?[1-9]\d{0,2}(,\d{3})+(\.\d*)?([eE][+-]?\d+)?%?$")


def _number_text(text: str) -> str:
    """A typed number without spaces, underscores and thousands separators; a single
    decimal comma (``"1,58e-7"``, ``"0,607"``) read as a decimal point."""
    text = text.strip().replace("_", "").replace(" ", "")
    if _THOUSANDS.match(text):
        return text.replace(",", "")
    if text.count(",") == 1 and "." not in text:
        return text.replace(",", ".")
    return text


def significant_figures(answer: Any) -> int | None:
    """How many significant figures the reader gave: counted in the shortest text that
    reproduces the number (``0.607`` -> 3), or in the string they typed (``"0.600"`` -> 3).
    ``None`` for a computed value with the full 15-17 figures of a float."""
    if isinstance(answer, str):
        text = _number_text(answer).rstrip("%").lower()
        mantissa = text.split("e")[0].lstrip("+-")
        digits = mantissa.replace(".", "").lstrip("0")
        if "." not in mantissa:
            digits = digits.rstrip("0") or digits
        return max(len(digits), 1)
    try:
        value = as_number(answer)
    except TypeError:
        return None
    if value == 0 or not math.isfinite(value):
        return None
    mantissa = repr(value).lower().split("e")[0].lstrip("+-")
    digits = mantissa.replace(".", "").lstrip("0").rstrip("0")
    return len(digits) if len(digits) < 15 else None


def _rounded_match(value: float, target: float, figures: int) -> bool:
    """Is ``value`` the ``target`` rounded to ``figures`` significant figures? (Or, in the
    same decade, within half a unit of ``value``'s last figure, whatever the rounding.)"""
    if value == 0 or target == 0:
        return False
    rounded = float(f"{target:.{max(figures, 1) - 1}e}")
    if abs(rounded - value) <= 1e-9 * abs(value):
        return True
    decade = math.floor(math.log10(abs(value)))
    last_digit = 10.0 ** (decade - figures + 1)
    return (decade == math.floor(math.log10(abs(target)))
            and abs(value - target) < 0.5 * last_digit * (1 - 1e-9))


@dataclass(frozen=True)
class _Match:
    passed: bool
    figures: int | None = None  # significant figures, when the value was typed
    short: bool = False  # right, but to fewer than 3 figures


def _match(answer: Any, value: float, target: float, rtol: float, atol: float,
           whole: bool) -> _Match:
    """``whole``: ``target`` is a count, right only when exact -- or, from a million up,
    when typed rounded to 3 figures or more (39,321,600 as 3.93e7)."""
    figures = significant_figures(answer)
    if whole:
        if abs(value - target) <= max(1e-9 * abs(target), 1e-6):
            return _Match(True, figures)
        digits = len(str(int(abs(target))))
        if abs(target) < 1e6 or figures is None or figures >= digits:
            return _Match(False, figures)
    elif abs(value - target) <= atol + rtol * abs(target):
        return _Match(True, figures)
    if figures is None:
        return _Match(False, figures)
    if _rounded_match(value, target, figures):
        return _Match(figures >= 3, figures, short=figures < 3)
    return _Match(False, figures)


def _factor_message(ratio: float, rtol: float) -> str | None:
    for factor, words in _NAMED_FACTORS.items():
        if abs(ratio - factor) <= max(rtol * 10, 1e-3) * abs(factor):
            return f"your answer is {words} (off by a constant factor {factor:g})"
    return None


def compare_number(
    answer: Any,
    expected: float,
    *,
    rtol: float = 1e-6,
    atol: float = 0.0,
    mistakes: Sequence[tuple[float, str]] = (),
    percent: bool = False,
    what: str = "a number",
) -> tuple[bool, str]:
    """Is ``answer`` the number ``expected``? If not, name the mistake.

    Parameters
    ----------
    answer : number, NumPy scalar, 0-d array or tensor, or numeric string
    expected : float
    rtol, atol : float
        A computed answer passes within ``atol + rtol·|expected|``. A typed answer with
        k >= 3 significant figures also passes when it is ``expected`` rounded to k figures
        A whole-number answer from 10 up is a count: it must be exact, except that from a
        million up it may be typed rounded to 3 or more figures.
    mistakes : sequence of (value, message)
        Known wrong answers; an answer equal to one (by the same rule) gets its message.
    percent : bool
        ``expected`` is a fraction; the answer may be given as a fraction (0.372) or in per
        cent (37.2, or "37.2%"), when the two readings cannot be confused (|expected| >= 0.01).
    """
    try:
        value = as_number(answer, what)
    except TypeError as err:
        return False, _sentence(str(err)) + "."
    if not math.isfinite(value):
        return False, f"Your answer is {value}; expected a finite number."
    expected = float(expected)
    # a count (a whole number from 10 up): exact, or rounded to >= 3 figures from 1e6 up
    whole = expected.is_integer() and abs(expected) >= 10
    targets = [(expected, "")]
    if percent and abs(expected) >= 0.01:
        targets.append((100 * expected, " per cent"))
    short = None
    for target, unit in targets:
        m = _match(answer, value, target, rtol, atol, whole)
        if m.passed:
            return True, f"Correct: {_shown(value, answer)}{unit}."
        if m.short:
            short = m
    short_mistake = None
    for wrong, message in mistakes:
        for target, _ in [(float(wrong), "")] + ([(100 * float(wrong), "")] if percent else []):
            m = _match(answer, value, target, min(max(rtol, 1e-9), 1e-6), 0.0, False)
            if m.passed:
                return False, message
            if m.short and m.figures >= 2 and short_mistake is None:
                short_mistake = message  # the mistake typed to 2 figures
    if short is not None:
        text = (f"{_shown(value, answer)} is right to {short.figures} significant "
                f"figure{'s' if short.figures > 1 else ''}: give at least 3.")
        three = f"{expected:#.3g}"
        if not isinstance(answer, str) and float(three) == value:
            text += (f" (A float drops trailing zeros: to give {three}, type it as a "
                     f'string, "{three}".)')
        return False, text
    if short_mistake is not None:  # and not also the right answer to 2 figures
        return False, short_mistake
    figures = significant_figures(answer)
    if (whole and abs(expected) < 1e6 and figures is not None
            and figures < len(str(int(abs(expected))))
            and _rounded_match(value, expected, figures)):
        return False, (f"{_fmt(value)} is the count rounded to "
                       f"{figures} figures: give all {len(str(int(abs(expected))))} digits "
                       "of the exact count.")
    if expected != 0 and value != 0:
        for target, unit in targets:
            factor = _factor_message(value / target, rtol)
            if factor and not (percent and unit == "" and "hundred" in factor):
                return False, _sentence(factor) + "."
    if whole and value.is_integer() and 0 < abs(value - expected) <= 10:
        return False, (f"{_fmt(value)} is off by {value - expected:+,.0f}: the count must be "
                       "exact.")
    direction = "too large" if value > expected else "too small"
    if expected == 0:
        return False, f"{_shown(value, answer)} is {direction}: expected 0."
    rel = abs(value - expected) / abs(expected)
    if value == 0 or (value / expected > 0 and abs(value) < 0.01 * abs(expected)):
        return False, (f"{_shown(value, answer)} is far too small: less than a hundredth of "
                       "the answer.")
    if rel >= 10:
        return False, (f"{_shown(value, answer)} is {direction}: about "
                       f"{_fmt(float(f'{abs(value / expected):.2g}'))} times the answer.")
    return False, f"{_shown(value, answer)} is {direction} by {_percent(rel)}."


# ========================================================================== arrays
def _first_bad_index(bad: np.ndarray) -> tuple[int, ...]:
    return tuple(int(i) for i in np.argwhere(bad)[0])


def _as_array(answer: Any, name: str) -> np.ndarray | str:
    """``answer`` as a float64 array, or a message saying why it is not one."""
    value = _to_numpy(answer)
    try:
        value = np.asarray(value)
    except Exception as err:  # ragged lists and the like
        return f"{_sentence(name)} is not an array: {err}"
    if value.dtype.kind in "USO" and value.size:  # typed numbers as strings
        try:
            value = np.vectorize(lambda t: float(_number_text(str(t))))(value)
        except (TypeError, ValueError):
            pass
    if value.dtype.kind not in "biuf":
        return f"{_sentence(name)} has dtype {value.dtype}; expected numbers."
    return value.astype(np.float64)


def _pair(a: float, b: float) -> tuple[str, str]:
    """``a`` and ``b`` with as many significant figures as it takes to tell them apart."""
    for k in range(4, 17):
        x, y = f"{a:.{k}g}", f"{b:.{k}g}"
        if x != y:
            return x, y
    return repr(a), repr(b)


def _typed_figures(value: np.ndarray) -> np.ndarray:
    """Per element, the significant figures it was typed with (0 for a computed value)."""
    return np.array([significant_figures(float(v)) or 0 for v in value.ravel()]).reshape(
        value.shape)


def _close(a: np.ndarray, b: Any, rtol: float, atol: float) -> bool:
    b = _as_array(b, "")
    return not isinstance(b, str) and a.shape == b.shape and bool(
        np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))


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


def _time_shift(value: np.ndarray, expected: np.ndarray, axis: int, rtol: float,
                atol: float) -> str | None:
    """"one step late" / "one step early" when ``value`` is ``expected`` shifted in time."""
    T = value.shape[axis]
    if T < 3:
        return None
    v, e = np.moveaxis(value, axis, 0), np.moveaxis(expected, axis, 0)
    if np.allclose(v[1:], e[:-1], rtol=rtol, atol=atol):
        return ("one step late: its entry at step t is the right value of step t - 1 "
                "(an off-by-one in time)")
    if np.allclose(v[:-1], e[1:], rtol=rtol, atol=atol):
        return ("one step early: its entry at step t is the right value of step t + 1 "
                "(an off-by-one in time)")
    return None


def compare_array(
    answer: Any,
    expected: Any,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    gate_axis: int | None = None,
    gate_names: Sequence[str] = GATE_NAMES,
    time_axis: int | None = None,
    mistakes: Sequence[tuple[Any, str]] = (),
    name: str = "your array",
) -> tuple[bool, str]:
    """Compare an array answer with ``expected`` and name the mistake if it differs.

    Parameters
    ----------
    answer : array-like, torch tensor or CuPy array
    gate_axis : int, optional
        Axis holding the gate blocks (size 4H): a swapped gate order is recognised.
    gate_names : sequence of str
        The names of ``expected``'s blocks along ``gate_axis``, in order (PyTorch's
        ``i, f, g, o`` by default; other orders for other layouts, three names for a GRU).
    time_axis : int, optional
        Axis of time steps: an off-by-one in time is recognised, and otherwise the message
        says from which step on the answer is wrong.
    mistakes : sequence of (array, message)
        Known wrong answers; an answer equal to one gets its message.
    name : str
        What the answer is called in the message ("c", "your gradient").
    """
    expected = np.asarray(_to_numpy(expected), dtype=np.float64)
    value = _as_array(answer, name)
    if isinstance(value, str):
        return False, value
    if value.shape == expected.shape and np.all(np.isfinite(value)) and np.allclose(
            value, expected, rtol=rtol, atol=atol):
        return True, f"Correct: all {value.size} elements match to rtol={rtol:g}."
    typed = None
    if value.shape == expected.shape and value.size and np.all(np.isfinite(value)):
        figures = _typed_figures(value)
        if figures.all():  # every element typed by hand: judge each at its own figures
            close = np.isclose(value, expected, rtol=rtol, atol=atol)
            rounded = np.array([_rounded_match(v, e, int(k)) for v, e, k in zip(
                value.ravel(), expected.ravel(), figures.ravel(), strict=True)]).reshape(
                value.shape)
            if np.all(close | (rounded & (figures >= 3))):
                return True, (f"Correct: all {value.size} elements match to the figures you "
                              "gave.")
            if np.all(close | rounded):
                typed = int(figures[~close].min())
    for wrong, message in mistakes:
        if _close(value, wrong, rtol, atol):
            return False, message
    Name = _sentence(name) if " " in name else name  # "Your array", but "c_T" stays
    if typed is not None:
        return False, (f"{Name} is right to {typed} significant figure"
                       f"{'s' if typed > 1 else ''}: give at least 3 for every element.")
    if value.shape != expected.shape:
        msg = f"{Name} has shape {value.shape}; expected {expected.shape}."
        if (time_axis is not None and value.ndim == expected.ndim
                and all(a == b for k, (a, b) in enumerate(
                    zip(value.shape, expected.shape, strict=True)) if k != time_axis % value.ndim)):
            extra = value.shape[time_axis] - expected.shape[time_axis]
            if abs(extra) == 1:
                return False, msg + (" One step too few in time: does a loop stop early "
                                     "(range(T - 1))?" if extra < 0 else
                                     " One step too many in time: is the initial state in it?")
        if value.ndim == 2 and value.T.shape == expected.shape:
            if np.allclose(value.T, expected, rtol=rtol, atol=atol):
                msg += " It is the transpose of the right answer."
            else:
                msg += " Is it transposed?"
        elif value.size == expected.size:
            msg += " Same number of elements: check the order of the axes."
        return False, msg
    if not np.all(np.isfinite(value)):
        idx = _first_bad_index(~np.isfinite(value))
        return False, f"{Name} contains NaN or infinity (first at index {idx})."
    if gate_axis is not None:
        perm = _gate_permutation(value, expected, gate_axis, gate_names, rtol, atol)
        if perm:
            return False, (f"{Name} has its gate blocks in the order {', '.join(perm)}; "
                           f"expected {', '.join(gate_names)}.")
    if value.ndim == 2 and value.shape[0] == value.shape[1] and np.allclose(
            value.T, expected, rtol=rtol, atol=atol):
        return False, f"{Name} is the transpose of the right answer."
    if value.ndim == 2 and value.shape[0] != value.shape[1] and np.allclose(
            value, expected.T.reshape(value.shape), rtol=rtol, atol=atol):
        return False, (f"{Name} is the right matrix reshaped instead of transposed: reshape "
                       "keeps the order of the numbers in memory, .T swaps the axes.")
    if rtol < 1e-4 and np.allclose(value, expected, rtol=1e-4, atol=max(atol, 1e-7)):
        return False, (f"{Name} agrees with the answer only to about 4-6 significant "
                       f"figures; this exercise checks to rtol={rtol:g}. Was it computed in "
                       "float32, or rounded? Compute in float64 and keep every digit.")
    if time_axis is not None:
        shift = _time_shift(value, expected, time_axis, rtol, atol)
        if shift:
            return False, f"{Name} is {shift}."
    nonzero = np.abs(expected) > atol
    if nonzero.any() and np.all(np.abs(value[nonzero]) > 0):
        r0 = float(np.median(value[nonzero] / expected[nonzero]))
        if np.allclose(value, r0 * expected, rtol=max(rtol, 1e-6), atol=atol):
            words = _factor_message(r0, rtol)
            return False, (f"{Name}: " + (words if words else
                           f"off by a constant factor {r0:.4g}") + ".")
    close = np.isclose(value, expected, rtol=rtol, atol=atol)
    if time_axis is not None:
        bad_steps = np.flatnonzero(np.moveaxis(~close, time_axis, 0).reshape(
            value.shape[time_axis], -1).any(axis=1))
        t0 = int(bad_steps[0])
        where = ("wrong from step 0" if t0 == 0
                 else f"correct for steps 0…{t0 - 1}, wrong from step {t0}")
        return False, (f"{Name} is {where} ({len(bad_steps)} of "
                       f"{value.shape[time_axis]} steps wrong).")
    idx = _first_bad_index(~close)
    n_bad = int((~close).sum())
    got_text, want_text = _pair(float(value[idx]), float(expected[idx]))
    return False, (f"{Name}: {n_bad} of {value.size} elements differ; the first at index "
                   f"{idx}: {got_text} instead of {want_text}.")


# ========================================================================= choices
def compare_choice(
    answer: Any, expected: Any, options: Sequence[Any], *, explain: dict | None = None
) -> tuple[bool, str]:
    """A multiple-choice answer; ``explain`` maps a wrong option to why it is wrong.

    A string is matched without regard to case, surrounding spaces and quotes, or a
    plural "s"."""
    if isinstance(answer, str):
        key = " ".join(answer.strip().strip("'\"").split())
        folded = {}
        for o in options:
            if isinstance(o, str):  # "Gradients", "gradient" and " gradients " are one option
                folded.setdefault(o.casefold().removesuffix("s"), o)
        answer = folded.get(key.casefold().removesuffix("s"), key)
    if answer not in options:
        return False, f"{answer!r} is not one of the options {list(options)}."
    if answer == expected:
        return True, f"Correct: {answer!r}."
    why = (explain or {}).get(answer, "")
    return False, f"{answer!r} is not right. {why}".strip()


# ======================================================================= functions
@dataclass(frozen=True)
class Mistake:
    """A known mistake in a function exercise.

    ``make(*args)`` returns what a function with this mistake returns on ``args`` (a value
    or a tuple, like the reference); an answer that returns the same gets ``message``.
    """

    make: Callable[..., Any]
    message: str


_SPLIT_ERROR = "array split does not result in an equal division"
_SHAPE_ERROR = re.compile(r"matmul|shapes? .*not aligned|mismatch in its core dimension|"
                          r"could not be broadcast|size of tensor a|mat1 and mat2|"
                          r"operands could not be broadcast", re.IGNORECASE)


def _arg_names(fn: Callable, n: int) -> list[str]:
    import inspect

    try:
        params = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        params = []
    return [params[k] if k < len(params) else f"argument {k + 1}" for k in range(n)]


def _same(a: Any, b: Any) -> bool:
    """Do two arguments hold the same values (arrays, tensors, or other objects)?"""
    try:
        x, y = np.asarray(_to_numpy(a)), np.asarray(_to_numpy(b))
    except Exception:
        return True
    if x.dtype.kind not in "biufc" or y.dtype.kind not in "biufc":
        return True
    return x.shape == y.shape and bool(np.array_equal(x, y, equal_nan=True))


def call_answer(fn: Any, *args: Any, names: Sequence[str] | None = None) -> Any:
    """Call the reader's ``fn`` on copies of ``args`` and return what it returns.

    Raises
    ------
    NotImplementedError
        The skeleton has not been replaced (``check`` says "not attempted").
    ReturnedNone
        ``fn`` returned ``None``; its message says which argument, if any, the function
        changed in place instead of returning a new value.
    TypeError
        ``fn`` is not a function.
    """
    if not callable(fn):
        raise TypeError(f"expected a function, got {type(fn).__name__}")
    copies = [copy.deepcopy(a) for a in args]
    result = fn(*copies)
    if result is None or result is NotImplemented:
        names = list(names) if names else _arg_names(fn, len(args))
        changed = [n for n, a, c in zip(names, args, copies, strict=True) if not _same(a, c)]
        raise ReturnedNone(changed)
    return result


def _explain_exception(err: Exception) -> str:
    text = f"Your function raised {type(err).__name__}: {err}"
    if _SPLIT_ERROR in str(err):
        return text + (". np.split cut an axis whose size is not a multiple of the number of "
                       "pieces: split the gate axis, the one of size 4H (axis=-1 of a (B, 4H) "
                       "pre-activation).")
    if _SHAPE_ERROR.search(str(err)):
        text += (". A product or sum got arrays of mismatched shapes: check each weight's "
                 "layout. PyTorch stores W_ih as (4H, I) and W_hh as (4H, H), so the step "
                 "multiplies by their transpose (x @ W_ih.T), and a batch is (B, I).")
    return text if text.endswith(".") else text + "."


def _flatten(value: Any, like: Any) -> list[Any] | None:
    """``value`` flattened along the nesting of ``like`` (``output, (h, c)``), or ``None``
    when its nesting differs."""
    if not isinstance(like, tuple):
        return [value]
    if not isinstance(value, tuple | list) or len(value) != len(like):
        return None
    out: list[Any] = []
    for v, e in zip(value, like, strict=True):
        part = _flatten(v, e)
        if part is None:
            return None
        out += part
    return out


def _structure(like: Any, labels: list[str]) -> str:
    """``(output, (h_T, c_T))``: the nesting of ``like`` with its outputs' labels."""
    it = iter(labels)

    def walk(x: Any) -> str:
        return ("(" + ", ".join(walk(y) for y in x) + ")") if isinstance(x, tuple) else next(it)

    return walk(like)


def _per_output(axis: int | Sequence[int | None] | None, n: int) -> list[int | None]:
    if axis is None or isinstance(axis, int):
        return [axis] * n
    if len(axis) != n:
        raise ValueError(f"{len(axis)} axes given for {n} outputs")
    return list(axis)


def compare_outputs(
    got: Any,
    expected: Any,
    *,
    names: Sequence[str] | None = None,
    mistakes: Sequence[tuple[Any, str]] = (),
    rtol: float = 1e-6,
    atol: float = 1e-9,
    gate_axis: int | Sequence[int | None] | None = None,
    gate_names: Sequence[str] = GATE_NAMES,
    time_axis: int | Sequence[int | None] | None = None,
) -> tuple[bool, str]:
    """Compare a function's result (one array, a tuple, or a nested tuple such as
    ``output, (h, c)``) with ``expected``.

    ``names`` labels the outputs in flattened order; ``gate_axis`` and ``time_axis`` are one
    axis for every output or one per output (``None`` where it has none). ``mistakes``
    holds ``(outputs, message)`` pairs, outputs nested like ``expected``. With several
    outputs the message names the wrong one and recognises outputs returned in another
    order.
    """
    several = isinstance(expected, tuple)
    outputs = _flatten(expected, expected)
    labels = list(names) if names else (
        [f"output {k + 1}" for k in range(len(outputs))] if several else ["your result"])
    gate_axes = _per_output(gate_axis, len(outputs))
    time_axes = _per_output(time_axis, len(outputs))
    if not several and isinstance(got, tuple) and len(got) > 1:
        return False, (f"Your function returned a tuple of {len(got)}; expected one array "
                       f"({labels[0]}).")
    flat = _flatten(got, expected)
    if flat is None:
        return False, (
            f"Your function returned {type(got).__name__}"
            + (f" of length {len(got)}" if isinstance(got, tuple | list) else "")
            + f"; expected {_structure(expected, labels)}.")
    got = flat

    def equal(a: Sequence[Any], b: Sequence[Any]) -> bool:
        for x, y in zip(a, b, strict=True):
            xa = _as_array(x, "")
            if isinstance(xa, str) or not _close(xa, y, rtol, atol):
                return False
        return True

    if equal(got, outputs):
        return True, "Correct."
    if several:
        for perm in itertools.permutations(range(len(outputs))):
            if perm != tuple(range(len(outputs))) and equal(got, [outputs[p] for p in perm]):
                return False, (f"You returned ({', '.join(labels[p] for p in perm)}); "
                               f"expected ({', '.join(labels)}): the outputs are swapped.")
    for wrong, message in mistakes:
        wrong_flat = _flatten(wrong, expected)
        if wrong_flat is not None and equal(got, wrong_flat):
            return False, message
    right = [lab for g, e, lab in zip(got, outputs, labels, strict=True)
             if equal([g], [e])]
    for g, e, lab, ga, ta in zip(got, outputs, labels, gate_axes, time_axes, strict=True):
        ok, msg = compare_array(g, e, rtol=rtol, atol=atol, gate_axis=ga,
                                gate_names=gate_names, time_axis=ta, name=lab)
        if not ok:
            if several and right:
                msg = f"{', '.join(right)} {'is' if len(right) == 1 else 'are'} right; " + msg
            return False, msg
    return True, "Correct."  # pragma: no cover -- equal() said otherwise


def _permute_gates(a: np.ndarray, perm: Sequence[int], k: int) -> np.ndarray:
    blocks = np.split(np.asarray(a), k, axis=0)
    return np.concatenate([blocks[p] for p in perm], axis=0)


def _role_mistakes(
    reference: Callable[..., Any],
    args: tuple,
    roles: Mapping[int, str | tuple[str, ...]],
    arg_names: Sequence[str],
    gate_names: Sequence[str],
) -> list[tuple[Any, str]]:
    """The outputs of the shared argument-level mistakes, computed with ``reference``:

    A role is a string or a tuple of them (a bias is ``("gates", "bias")``).

    * ``"gates"`` arguments (stacked gate blocks along axis 0): every other block order;
    * ``"bias"``: left out, or counted twice;
    * ``"state"``: ignored (taken as zero), or two states swapped.
    """
    out: list[tuple[Any, str]] = []
    roles = {j: (r,) if isinstance(r, str) else tuple(r) for j, r in roles.items()}

    def run(new_args: list) -> Any:
        try:
            return reference(*new_args)
        except Exception:
            return None

    gates = [k for k, r in roles.items() if "gates" in r]
    if gates:
        k = len(gate_names)
        for perm in itertools.permutations(range(k)):
            if perm == tuple(range(k)):
                continue
            new = list(args)
            for j in gates:
                new[j] = _permute_gates(args[j], perm, k)
            order = ", ".join(gate_names[p] for p in perm)
            out.append((run(new), (
                f"Your gate blocks are in the wrong order: you read the blocks as "
                f"{order}; the layout stacks them {', '.join(gate_names)} (rows 0:H are "
                f"{gate_names[0]}, H:2H {gate_names[1]}, …).")))
    for j, role in roles.items():
        name = arg_names[j]
        if "bias" in role:
            new = list(args)
            new[j] = np.zeros_like(args[j])
            out.append((run(new), f"The bias {name} is missing: your result equals the one "
                                  f"computed without {name}. Add both biases."))
            new = list(args)
            new[j] = 2 * np.asarray(args[j])
            out.append((run(new), f"The bias {name} is counted twice: your result equals "
                                  f"the one computed with 2·{name}."))
        if "state" in role:
            new = list(args)
            new[j] = np.zeros_like(args[j])
            out.append((run(new), f"The previous state {name} is ignored: your result "
                                  f"equals the one computed with {name} = 0."))
    states = [j for j, r in roles.items() if "state" in r]
    for a, b in itertools.combinations(states, 2):
        if np.shape(args[a]) == np.shape(args[b]):
            new = list(args)
            new[a], new[b] = args[b], args[a]
            out.append((run(new), f"You used the wrong state: {arg_names[a]} where "
                                  f"{arg_names[b]} belongs and the other way round."))
    return [(o, m) for o, m in out if o is not None]


def compare_function(
    fn: Any,
    cases: Sequence[tuple[tuple, Any]],
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    names: Sequence[str] | None = None,
    mistakes: Sequence[Mistake] = (),
    reference: Callable[..., Any] | None = None,
    roles: Mapping[int, str | tuple[str, ...]] | None = None,
    gate_axis: int | Sequence[int | None] | None = None,
    gate_names: Sequence[str] = GATE_NAMES,
    time_axis: int | Sequence[int | None] | None = None,
) -> tuple[bool, str]:
    """Call ``fn(*args)`` for each ``(args, expected)`` and name what is wrong.

    Parameters
    ----------
    cases : sequence of (args, expected)
        ``expected`` is an array, a tuple of arrays or a nested tuple (``output, (h, c)``);
        ``names`` labels the outputs in flattened order.
    mistakes : sequence of Mistake
        The exercise's own known mistakes, each with the function that makes it.
    reference, roles : optional
        The right function and what its arguments are, ``{index: role}`` with role
        ``"gates"``, ``"bias"``, ``"state"`` or a tuple of them (an LSTM bias is
        ``("gates", "bias")``): the shared detectors then recognise a gate order, a
        missing or doubled bias, an ignored or swapped state (see the module docstring).
    gate_axis, gate_names, time_axis
        As in :func:`compare_array`: one axis for every output, or one per output.
    """
    if not callable(fn):
        return False, f"Expected a function, got {type(fn).__name__}."
    for k, (args, expected) in enumerate(cases):
        arg_names = _arg_names(reference or fn, len(args))
        try:
            result = call_answer(fn, *args, names=arg_names)
        except (NotImplementedError, NotAttempted, ReturnedNone):
            raise
        except Exception as err:
            return False, _explain_exception(err)
        ok, msg = compare_outputs(result, expected, names=names, rtol=rtol, atol=atol)
        if ok:
            continue
        known = [(m.make(*args), m.message) for m in mistakes]
        if reference is not None and roles:
            known += _role_mistakes(reference, args, roles, arg_names, gate_names)
        ok, msg = compare_outputs(
            result, expected, names=names, mistakes=known, rtol=rtol, atol=atol,
            gate_axis=gate_axis, gate_names=gate_names, time_axis=time_axis)
        if not ok:
            return False, (f"Test case {k + 1}: {msg}" if len(cases) > 1 else msg)
    return True, ("Correct on the test case." if len(cases) == 1
                  else f"Correct on all {len(cases)} test cases.")

