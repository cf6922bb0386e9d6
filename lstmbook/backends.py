"""Which backends work on this machine, and why the others do not.

The book runs the same LSTM on four backends:

* ``numpy`` -- always there;
* ``torch`` -- PyTorch on the CPU (``pip install -e ".[torch]"``);
* ``torch-cuda`` -- PyTorch on an NVIDIA GPU (a CUDA build of torch, and the GPU);
* ``cupy`` -- :mod:`lstmbook.cupy`, the NumPy code on an NVIDIA GPU
  (``pip install -e ".[gpu]"``, a CUDA 12 driver, and the GPU).

::

    >>> from lstmbook.backends import describe_backends, pick_backend, get_array_module
    >>> print(describe_backends())          # a table: usable or not, and why
    >>> xp = get_array_module(pick_backend("cupy"))   # CuPy if it works, else NumPy (said aloud)

Nothing here imports torch or CuPy at module import: each probe imports its library when
called, so ``import lstmbook.backends`` is instant and works without either installed.
A probe never raises; it returns a :class:`BackendStatus` whose ``reason`` says what was
found, or what is missing and how to fix it.
"""

from __future__ import annotations

import sys
import textwrap
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

__all__ = [
    "BACKENDS",
    "BackendStatus",
    "BackendUnavailableError",
    "available_backends",
    "backend_status",
    "describe_backends",
    "get_array_module",
    "pick_backend",
    "require_cupy",
]

#: Backend names, in the order the tables list them.
BACKENDS = ("numpy", "torch", "torch-cuda", "cupy")

#: Human names, for messages.
DISPLAY_NAMES = {
    "numpy": "NumPy",
    "torch": "PyTorch",
    "torch-cuda": "PyTorch on CUDA",
    "cupy": "CuPy",
}

INSTALL_TORCH = 'pip install -e ".[torch]"'
INSTALL_CUPY = 'pip install -e ".[gpu]"'
#: Printed reports wrap to this many columns (the book's code column).
LINE_WIDTH = 80


@dataclass(frozen=True)
class BackendStatus:
    """Whether one backend works here.

    Attributes
    ----------
    name : str
        One of :data:`BACKENDS`.
    usable : bool
    reason : str
        If usable, what was found (versions, GPU name); if not, why not and how to fix it.
    """

    name: str
    usable: bool
    reason: str


class BackendUnavailableError(ImportError, RuntimeError):
    """A backend was required but cannot be used here; the message says why and the fix.

    Both an ``ImportError`` (``except ImportError`` fallbacks catch it) and a
    ``RuntimeError`` (the library may be installed, the GPU still missing).
    """


# ----------------------------------------------------------------------------------------
# probes: each imports its library on call and never raises


def _error_text(err: BaseException) -> str:
    return f"{type(err).__name__}: {err}".strip().rstrip(":")


def _probe_numpy() -> BackendStatus:
    return BackendStatus("numpy", True, f"NumPy {np.__version__}")


def _import_torch() -> tuple[ModuleType | None, BackendStatus]:
    """``(torch, status)``; ``torch`` is None when it cannot be imported."""
    try:
        import torch
    except ModuleNotFoundError as err:
        if err.name not in (None, "torch"):  # torch is there, one of its dependencies is not
            return None, BackendStatus("torch", False, _broken_torch(err))
        return None, BackendStatus(
            "torch", False, f"PyTorch is not installed; install it with: {INSTALL_TORCH}"
        )
    except Exception as err:  # a broken install raises all sorts of things
        return None, BackendStatus("torch", False, _broken_torch(err))
    return torch, BackendStatus("torch", True, f"torch {torch.__version__} on the CPU")


def _broken_torch(err: BaseException) -> str:
    return (
        f"PyTorch is installed but fails to import ({_error_text(err)}); "
        f"reinstall it with: {INSTALL_TORCH}"
    )


def _probe_torch() -> BackendStatus:
    return _import_torch()[1]


def _probe_torch_cuda() -> BackendStatus:
    torch, status = _import_torch()
    if torch is None:
        return BackendStatus("torch-cuda", False, f"needs PyTorch: {status.reason}")
    version = torch.__version__
    if torch.version.cuda is None:
        return BackendStatus(
            "torch-cuda",
            False,
            f"this torch ({version}) is a CPU-only build, it cannot use a GPU; on a machine "
            "with an NVIDIA GPU install a CUDA build of torch "
            "(https://pytorch.org/get-started/locally/)",
        )
    try:
        n_devices = torch.cuda.device_count() if torch.cuda.is_available() else 0
    except Exception as err:
        return BackendStatus("torch-cuda", False, f"torch cannot query CUDA: {_error_text(err)}")
    if n_devices == 0:
        return BackendStatus(
            "torch-cuda",
            False,
            f"torch {version} is built with CUDA {torch.version.cuda} but sees no CUDA GPU "
            "(no NVIDIA GPU here, or its driver is missing or too old; check nvidia-smi)",
        )
    name = torch.cuda.get_device_name(0)
    return BackendStatus(
        "torch-cuda",
        True,
        f"{name} ({n_devices} GPU(s)), CUDA {torch.version.cuda}, torch {version}",
    )


def _import_cupy() -> tuple[ModuleType | None, BackendStatus]:
    """``(cupy, status)``; ``cupy`` is None unless it imports *and* runs a kernel on a GPU."""
    try:
        import cupy
    except ModuleNotFoundError as err:
        if err.name not in (None, "cupy"):
            return None, _broken_cupy(err)
        return None, BackendStatus(
            "cupy",
            False,
            f"CuPy is not installed; with an NVIDIA GPU and a CUDA 12 driver install it "
            f"with: {INSTALL_CUPY}",
        )
    except Exception as err:
        return None, _broken_cupy(err)
    version = getattr(cupy, "__version__", "?")
    try:
        available = bool(cupy.is_available())
    except Exception:  # the reason comes from _cupy_device_error below
        available = False
    if not available:
        return None, BackendStatus(
            "cupy",
            False,
            f"CuPy {version} is installed but finds no usable CUDA GPU: "
            f"{_cupy_device_error(cupy)}; it needs an NVIDIA GPU with a CUDA 12 driver",
        )
    try:  # a GPU is there: make sure a kernel compiles and runs (NVRTC, driver version)
        ok = int((cupy.arange(4) + 1).sum()) == 10
    except Exception as err:
        return None, BackendStatus(
            "cupy",
            False,
            f"CuPy {version} sees a GPU but cannot run a kernel on it ({_error_text(err)}); "
            f"check the CUDA driver and toolkit, or reinstall with: {INSTALL_CUPY}",
        )
    if not ok:
        return None, BackendStatus("cupy", False, f"CuPy {version} computed 1+2+3+4 wrong")
    return cupy, BackendStatus("cupy", True, f"CuPy {version} on {_cupy_device_name(cupy)}")


def _broken_cupy(err: BaseException) -> BackendStatus:
    return BackendStatus(
        "cupy",
        False,
        f"CuPy is installed but fails to import ({_error_text(err)}); "
        f"check the CUDA driver, or reinstall with: {INSTALL_CUPY}",
    )


def _cupy_device_error(cupy: ModuleType) -> str:
    """The CUDA runtime's own words for why there is no device, e.g. 'no CUDA-capable device'."""
    try:
        n = cupy.cuda.runtime.getDeviceCount()
    except Exception as err:
        return _error_text(err)
    return f"the CUDA runtime reports {n} device(s)"


def _cupy_device_name(cupy: ModuleType) -> str:
    try:
        props = cupy.cuda.runtime.getDeviceProperties(0)
        name = props["name"]
        return name.decode() if isinstance(name, bytes) else str(name)
    except Exception:
        return "a CUDA GPU"


def _probe_cupy() -> BackendStatus:
    return _import_cupy()[1]


_PROBES = {
    "numpy": _probe_numpy,
    "torch": _probe_torch,
    "torch-cuda": _probe_torch_cuda,
    "cupy": _probe_cupy,
}


# ----------------------------------------------------------------------------------------
# public API


def backend_status(name: str) -> BackendStatus:
    """Probe one backend (``"numpy"``, ``"torch"``, ``"torch-cuda"`` or ``"cupy"``)."""
    if name not in _PROBES:
        raise ValueError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
    return _PROBES[name]()


def available_backends() -> dict[str, BackendStatus]:
    """Probe every backend.

    Returns
    -------
    dict name -> BackendStatus
        In the order of :data:`BACKENDS`; ``status.reason`` says why an unusable one
        is unusable and how to fix it.
    """
    return {name: backend_status(name) for name in BACKENDS}


def describe_backends(statuses: dict[str, BackendStatus] | None = None) -> str:
    """A printable table of :func:`available_backends` (or of ``statuses``)."""
    statuses = available_backends() if statuses is None else statuses
    width = max(len("backend"), *(len(n) for n in statuses)) + 2
    lines = [f"{'backend':<{width}}{'usable':<8}details"]
    indent = " " * (width + 8)
    for status in statuses.values():
        wrapped = textwrap.wrap(
            status.reason, max(40, LINE_WIDTH - len(indent)),
            break_long_words=False, break_on_hyphens=False,
        ) or [""]
        usable = "yes" if status.usable else "no"
        lines.append(f"{status.name:<{width}}{usable:<8}{wrapped[0]}")
        lines += [indent + more for more in wrapped[1:]]
    return "\n".join(lines)


def require_cupy() -> ModuleType:
    """The ``cupy`` module, checked to run on a GPU.

    Raises
    ------
    BackendUnavailableError
        If CuPy is not installed, fails to import, or has no usable GPU; the message
        says which, with the underlying error, and how to fix it.
    """
    cupy, status = _import_cupy()
    if cupy is None:
        raise BackendUnavailableError(status.reason)
    return cupy


def get_array_module(name_or_array: Any) -> ModuleType:
    """The NumPy-like module for a backend name or for an array.

    Parameters
    ----------
    name_or_array : ``"numpy"``, ``"cupy"``, a NumPy array or a CuPy array

    Returns
    -------
    module
        ``numpy`` or ``cupy`` (:func:`require_cupy`: raises if CuPy is not usable).
    """
    if isinstance(name_or_array, str):
        if name_or_array == "numpy":
            return np
        if name_or_array == "cupy":
            return require_cupy()
        if name_or_array in ("torch", "torch-cuda"):
            raise ValueError(
                f"{name_or_array!r} has no NumPy-like array module; use lstmbook.torch with "
                "torch tensors (device='cuda' for the GPU)"
            )
        raise ValueError(f"unknown backend {name_or_array!r}; expected 'numpy' or 'cupy'")
    if isinstance(name_or_array, (np.ndarray, np.generic)):
        return np
    cupy = sys.modules.get("cupy")  # a CuPy array means CuPy is imported already
    if cupy is not None and isinstance(name_or_array, cupy.ndarray):
        return cupy
    kind = type(name_or_array)
    if kind.__module__.split(".")[0] == "torch":
        raise TypeError(
            "get_array_module: got a torch tensor; tensors have their own API -- use "
            "lstmbook.torch, or tensor.cpu().numpy() for NumPy"
        )
    raise TypeError(f"get_array_module: expected 'numpy', 'cupy' or an array, got {kind.__name__}")


def pick_backend(preferred: str = "cupy", fallback: str = "numpy", verbose: bool = True) -> str:
    """``preferred`` if it is usable here, else ``fallback``, saying so aloud.

    For notebooks that should run everywhere: ``xp = get_array_module(pick_backend())``.

    Parameters
    ----------
    preferred, fallback : backend names (see :data:`BACKENDS`)
    verbose : bool
        Print one line saying which backend is used; a fallback is always explained
        (``"CuPy is not usable here (...); falling back to NumPy"``) unless ``verbose`` is
        False.

    Returns
    -------
    str
        The name of the backend to use.

    Raises
    ------
    BackendUnavailableError
        If neither is usable.
    """
    first = backend_status(preferred)
    if first.usable:
        if verbose:
            print(textwrap.fill(f"Using {DISPLAY_NAMES[preferred]}: {first.reason}",
                                LINE_WIDTH))
        return preferred
    second = backend_status(fallback)
    if not second.usable:
        raise BackendUnavailableError(
            f"neither {DISPLAY_NAMES[preferred]} ({first.reason}) nor "
            f"{DISPLAY_NAMES[fallback]} ({second.reason}) is usable here"
        )
    if verbose:
        message = (
            f"{DISPLAY_NAMES[preferred]} is not usable here ({first.reason}); "
            f"falling back to {DISPLAY_NAMES[fallback]}"
        )
        print(textwrap.fill(message, LINE_WIDTH, break_long_words=False,
                            break_on_hyphens=False))
    return fallback
