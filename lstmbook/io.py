"""Saving and loading weights as ``.npz`` files, safely.

An ``.npz`` file is a zip of ``.npy`` arrays, one per parameter name. Loading never
unpickles (``allow_pickle=False``): a file holding object arrays -- which could run code
when unpickled -- is refused. With ``expected`` given, a file with a missing, extra or
mis-shaped array is refused too, with a message that names it.

>>> import numpy as np, tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "w.npz")
>>> save_weights(path, {"weight": np.eye(2)})
>>> load_weights(path, expected={"weight": (2, 2)})["weight"].shape
(2, 2)
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Mapping
from typing import Any

import numpy as np

from ._checks import format_shape

__all__ = ["save_weights", "load_weights", "load_into", "state_arrays"]

PathLike = str | os.PathLike


def _npz_path(path: PathLike) -> str:
    """``path`` as a string ending in ``.npz`` (``np.savez`` would add it anyway)."""
    path = os.fspath(path)
    return path if path.endswith(".npz") else path + ".npz"


def _to_numpy(v: Any) -> np.ndarray:
    if hasattr(v, "detach"):  # torch.Tensor, without importing torch
        v = v.detach().cpu()
    if hasattr(v, "get") and not isinstance(v, (np.ndarray, dict)):  # cupy.ndarray
        v = v.get()
    return np.asarray(v)


def save_weights(path: PathLike, state_dict: Mapping[str, Any]) -> None:
    """Write ``{name: array}`` to ``path`` (``.npz`` is appended if missing).

    Parameters
    ----------
    path : str or PathLike
    state_dict : mapping str -> array
        NumPy arrays (torch tensors and CuPy arrays are converted). Only numeric and
        boolean arrays are accepted: object arrays would need pickling to load.
    """
    arrays = {}
    for name, value in state_dict.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"save_weights: array names must be non-empty strings, got {name!r}")
        arr = _to_numpy(value)
        if arr.dtype.kind not in "biufc":
            raise TypeError(
                f"save_weights: {name!r} has dtype {arr.dtype}; only numeric arrays can be "
                f"saved (loading must not unpickle)"
            )
        arrays[name] = arr
    np.savez(_npz_path(path), **arrays)


def load_weights(
    path: PathLike, expected: Mapping[str, Any] | None = None
) -> dict[str, np.ndarray]:
    """Read a file written by :func:`save_weights`, without unpickling anything.

    Parameters
    ----------
    path : str or PathLike
        ``.npz`` is appended if missing.
    expected : mapping str -> shape or array, optional
        The names the file must hold, each with its shape (a tuple, or an array whose
        ``.shape`` is used -- e.g. a model's ``params``). A missing, extra or mis-shaped
        array raises ``ValueError`` naming it.

    Returns
    -------
    dict[str, ndarray]

    Raises
    ------
    FileNotFoundError
        No such file.
    ValueError
        Not an ``.npz`` file, an array needing pickle (object dtype), or a mismatch with
        ``expected``.
    """
    path = _npz_path(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"load_weights: no such file {path!r}")
    try:
        loaded = np.load(path, allow_pickle=False)
    except ValueError as err:  # a pickle file, or not NumPy data at all
        raise ValueError(
            f"load_weights: {path!r} is not an .npz of numeric arrays ({err}); "
            f"weights are never unpickled"
        ) from err
    except (zipfile.BadZipFile, OSError) as err:
        raise ValueError(f"load_weights: {path!r} is not a readable .npz file ({err})") from err
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        raise ValueError(
            f"load_weights: {path!r} holds a single array, not an .npz of named arrays"
        )
    with loaded as f:
        arrays = {}
        for name in f.files:
            try:
                arrays[name] = f[name]
            except ValueError as err:
                raise ValueError(
                    f"load_weights: {path!r}: array {name!r} is an object array, which could "
                    f"only be read by unpickling it; refusing (weights files hold numeric "
                    f"arrays only)"
                ) from err
    if expected is not None:
        _check_against(arrays, expected, path)
    return arrays


def state_arrays(module: Any, *, prefix: str = "", dtype: Any = None) -> dict[str, np.ndarray]:
    """A torch module's ``state_dict`` as NumPy arrays, names prefixed (to save several
    models in one file), optionally cast (``np.float16`` halves a shipped file)."""
    out = {}
    for name, value in module.state_dict().items():
        arr = _to_numpy(value)
        out[prefix + name] = arr.astype(dtype) if dtype is not None else arr
    return out


def load_into(module: Any, source: PathLike | Mapping[str, np.ndarray], *,
              prefix: str = "") -> Any:
    """Load saved weights into a torch module -- THE npz -> torch loader of the library.

    Parameters
    ----------
    module : torch.nn.Module
        Its ``state_dict`` names and shapes are what the file must hold.
    source : path of an ``.npz`` (never unpickled), or a mapping name -> array
        Arrays saved in another precision (float16) are cast to the module's.
    prefix : str
        Take only the arrays whose names start with ``prefix`` (several models in one
        file), with the prefix removed.

    Returns
    -------
    module
        The same module, in eval mode.

    Raises
    ------
    ValueError
        A missing, extra or mis-shaped array, named.
    """
    import torch

    where = "arrays" if isinstance(source, Mapping) else repr(os.fspath(source))
    arrays = dict(source) if isinstance(source, Mapping) else load_weights(source)
    if prefix:
        arrays = {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)}
        if not arrays:
            raise ValueError(f"load_into: {where} holds no array named {prefix!r}...")
    state = module.state_dict()
    _check_against(arrays, state, where if not prefix else f"{where} [{prefix}]")
    module.load_state_dict({
        k: torch.as_tensor(np.asarray(arrays[k])).to(dtype=v.dtype) for k, v in state.items()
    })
    return module.eval()


def _check_against(arrays: Mapping[str, np.ndarray], expected: Mapping[str, Any], path: str):
    """Raise ``ValueError`` listing missing, extra and mis-shaped arrays."""
    want = {k: tuple(v.shape) if hasattr(v, "shape") else tuple(v) for k, v in expected.items()}
    problems = []
    missing = sorted(set(want) - set(arrays))
    extra = sorted(set(arrays) - set(want))
    if missing:
        problems.append(f"missing arrays {missing}")
    if extra:
        problems.append(f"unexpected arrays {extra}")
    for k in sorted(set(want) & set(arrays)):
        if arrays[k].shape != want[k]:
            problems.append(
                f"{k!r} has shape {format_shape(arrays[k].shape)}, expected {format_shape(want[k])}"
            )
    if problems:
        raise ValueError(f"load_weights: {path!r} does not match the model: " + "; ".join(problems))
