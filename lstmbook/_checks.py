"""Small input checks that fail early with a message saying what was expected and what came.

Every public entry point of :mod:`lstmbook` validates its arguments with these helpers, so
that a wrong shape or dtype is reported where the user made the mistake, not as a BLAS
error three calls deeper. The helpers are generic (no LSTM knowledge) and work with any
array module that has NumPy's interface (NumPy, CuPy): they only read ``.shape``,
``.ndim``, ``.dtype`` and call ``.sum()``.

Conventions: a wrong *type or dtype* raises ``TypeError``, a wrong *value or shape* raises
``ValueError``; ``name`` is the human name of the argument and starts the message.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "check_positive_int",
    "check_float_dtype",
    "check_supported_dtype",
    "check_dtype_matches",
    "check_ndim",
    "check_shape",
    "check_finite",
    "check_array",
    "format_shape",
]

#: dtypes the LSTMs compute in.
SUPPORTED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def format_shape(shape: Sequence[int | None]) -> str:
    """``(5, 3, 7)`` style text for a shape; ``None`` entries (any size) print as ``*``."""
    parts = ["*" if s is None else str(s) for s in shape]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def check_positive_int(value: Any, name: str) -> int:
    """Return ``value`` as an ``int`` if it is an integer ≥ 1, else raise.

    ``bool`` is refused (``True`` is an ``int`` in Python, but ``hidden_size=True`` is a
    mistake), and so are floats, even integral ones.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be a positive integer, got {value!r} ({type(value).__name__})"
        )
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return int(value)


def check_float_dtype(x: Any, name: str) -> None:
    """Raise ``TypeError`` unless ``x.dtype`` is a real floating dtype.

    Integer, boolean, complex and object arrays are refused rather than cast: casting
    an integer array silently is how token ids end up fed to a network as features.
    """
    dtype = np.dtype(x.dtype)
    if dtype.kind != "f":
        kind = {
            "i": "an integer",
            "u": "an unsigned integer",
            "b": "a boolean",
            "c": "a complex",
            "O": "an object",
        }.get(dtype.kind, "a non-floating")
        raise TypeError(
            f"{name}: expected a real floating dtype (float32 or float64), got {kind} dtype {dtype}"
        )


def check_supported_dtype(dtype: Any, name: str) -> np.dtype:
    """Return ``np.dtype(dtype)`` if it is float32 or float64, else raise ``TypeError``."""
    try:
        dt = np.dtype(dtype)
    except TypeError as err:
        raise TypeError(f"{name}: {dtype!r} is not a dtype") from err
    if dt not in SUPPORTED_DTYPES:
        raise TypeError(f"{name}: expected float32 or float64, got {dt}")
    return dt


def check_dtype_matches(x: Any, dtype: Any, name: str, what: str = "the weights") -> None:
    """Raise ``TypeError`` if ``x.dtype`` differs from ``dtype`` (no silent casting).

    ``what`` names the thing whose dtype ``x`` must match, for the message.
    """
    if np.dtype(x.dtype) != np.dtype(dtype):
        raise TypeError(
            f"{name}: dtype {np.dtype(x.dtype)} does not match {what} ({np.dtype(dtype)}); "
            f"cast it first, e.g. x.astype({np.dtype(dtype).name})"
        )


def check_ndim(x: Any, ndim: int | Sequence[int], name: str, layout: str = "") -> None:
    """Raise ``ValueError`` unless ``x.ndim`` is ``ndim`` (or one of them).

    ``layout`` (e.g. ``"(T, B, I)"``) is added to the message to say what the axes mean.
    """
    allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if x.ndim not in allowed:
        want = " or ".join(f"{d}-D" for d in allowed)
        extra = f" {layout}" if layout else ""
        raise ValueError(
            f"{name}: expected {want}{extra}, got {x.ndim}-D array of shape {format_shape(x.shape)}"
        )


def check_shape(x: Any, expected: Sequence[int | None], name: str, layout: str = "") -> None:
    """Raise ``ValueError`` unless ``x.shape`` matches ``expected`` (``None`` = any size)."""
    shape = tuple(x.shape)
    ok = len(shape) == len(expected) and all(
        e is None or s == e for s, e in zip(shape, expected, strict=False)
    )
    if not ok:
        extra = f" {layout}" if layout else ""
        raise ValueError(
            f"{name}: expected shape {format_shape(expected)}{extra}, got {format_shape(shape)}"
        )


def check_finite(x: Any, name: str) -> None:
    """Raise ``ValueError`` if ``x`` holds a NaN or an infinity.

    Fast path: one reduction, ``x.sum()``, is finite exactly when no entry is NaN or ±inf
    *and* the sum does not overflow; only if it is not finite do we look entry by entry,
    so huge-but-finite values are not refused.
    """
    if x.size == 0:
        return
    with np.errstate(over="ignore", invalid="ignore"):  # an overflowing sum is not an error
        total = x.sum()
    if bool(np.isfinite(total)):
        return
    bad = ~np.isfinite(x)
    n_bad = int(bad.sum())
    if n_bad == 0:  # the sum overflowed, the entries are fine
        return
    n_nan = int(np.isnan(x).sum())
    raise ValueError(
        f"{name}: contains {n_nan} NaN and {n_bad - n_nan} infinite value(s) "
        f"out of {x.size}; check the data (or an earlier step) for overflow or missing values"
    )


def check_array(
    x: Any,
    name: str,
    *,
    ndim: int | Sequence[int] | None = None,
    dtype: Any = None,
    floating: bool = True,
    finite: bool = False,
    xp: Any = np,
) -> Any:
    """Convert ``x`` with ``xp.asarray`` and check it; return the array.

    Parameters
    ----------
    x : array-like
    name : str
        Human name of the argument, first word of any error message.
    ndim : int or sequence of int, optional
        Allowed numbers of dimensions.
    dtype : dtype, optional
        Required dtype; a different dtype raises ``TypeError`` (never cast silently).
    floating : bool
        When ``dtype`` is not given, require a real floating dtype (the default); pass
        ``False`` for index arrays such as class labels.
    finite : bool
        Also refuse NaN and infinity.
    xp : module
        Array module (``numpy`` or ``cupy``).
    """
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name}: expected an array, got {type(x).__name__}")
    arr = xp.asarray(x)
    if dtype is not None:
        if np.dtype(dtype).kind == "f":
            check_float_dtype(arr, name)
        check_dtype_matches(arr, dtype, name, what=f"the required {np.dtype(dtype)}")
    elif floating:
        check_float_dtype(arr, name)
    if ndim is not None:
        check_ndim(arr, ndim, name)
    if finite:
        check_finite(arr, name)
    return arr
