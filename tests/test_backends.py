"""lstmbook.backends: the report of what works here, and the fallbacks.

The "not installed" and "installed but no GPU" cases are simulated: a ``None`` entry in
``sys.modules`` makes ``import cupy`` fail as if CuPy were absent, and small fake modules
stand in for a CuPy without a GPU, with a broken compiler, or with a working GPU.
"""

from __future__ import annotations

import importlib.abc
import subprocess
import sys
import textwrap
import types

import numpy as np
import pytest

import lstmbook.backends as backends
from lstmbook.backends import (
    BACKENDS,
    BackendStatus,
    BackendUnavailableError,
    available_backends,
    backend_status,
    describe_backends,
    get_array_module,
    pick_backend,
    require_cupy,
)

GPU_FIX = 'pip install -e ".[gpu]"'
TORCH_FIX = 'pip install -e ".[torch]"'


def cupy_really_works() -> bool:
    """Ground truth for this machine, found without lstmbook.backends."""
    try:
        import cupy

        return bool(cupy.is_available()) and int(cupy.arange(3).sum()) == 3
    except Exception:
        return False


def fake_cupy(
    *, available: bool, device_error: str = "", kernel_error: str = ""
) -> types.ModuleType:
    """A stand-in for the ``cupy`` module.

    ``available`` is what ``is_available()`` says; ``device_error`` is raised by
    ``cuda.runtime.getDeviceCount()``; ``kernel_error`` by ``arange`` (a kernel that does
    not compile). Otherwise it computes with NumPy and reports a GPU named "Fake GPU".
    """
    cupy = types.ModuleType("cupy")
    cupy.__version__ = "13.9.9"
    cupy.is_available = lambda: available
    cupy.ndarray = type("ndarray", (), {})

    def get_device_count():
        if device_error:
            raise RuntimeError(device_error)
        return 1 if available else 0

    def arange(n):
        if kernel_error:
            raise RuntimeError(kernel_error)
        return np.arange(n)

    cupy.arange = arange
    runtime = types.SimpleNamespace(
        getDeviceCount=get_device_count,
        getDeviceProperties=lambda i: {"name": b"Fake GPU"},
    )
    cupy.cuda = types.SimpleNamespace(runtime=runtime)
    return cupy


@pytest.fixture
def no_cupy(monkeypatch):
    """``import cupy`` fails as if CuPy were not installed."""
    monkeypatch.setitem(sys.modules, "cupy", None)


@pytest.fixture
def no_torch(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)


# ----------------------------------------------------------------------------------------
# the report for this machine


def test_report_matches_this_machine():
    statuses = available_backends()
    assert list(statuses) == list(BACKENDS)
    assert all(isinstance(s, BackendStatus) and s.name == n for n, s in statuses.items())
    assert statuses["numpy"].usable and np.__version__ in statuses["numpy"].reason

    try:
        import torch
    except ImportError:
        torch = None
    assert statuses["torch"].usable == (torch is not None)
    cuda = torch is not None and torch.cuda.is_available()
    assert statuses["torch-cuda"].usable == cuda
    if not cuda:
        reason = statuses["torch-cuda"].reason
        assert any(s in reason for s in ("CPU-only build", "sees no CUDA GPU", TORCH_FIX)), reason

    assert statuses["cupy"].usable == cupy_really_works()
    if not statuses["cupy"].usable:
        reason = statuses["cupy"].reason
        assert GPU_FIX in reason or "needs an NVIDIA GPU with a CUDA 12 driver" in reason, reason


def test_unknown_backend_name():
    with pytest.raises(ValueError, match="unknown backend 'jax'; choose one of numpy, torch"):
        backend_status("jax")


# ----------------------------------------------------------------------------------------
# torch missing


def test_torch_not_installed(no_torch):
    status = backend_status("torch")
    assert not status.usable
    assert "not installed" in status.reason and TORCH_FIX in status.reason
    cuda = backend_status("torch-cuda")
    assert not cuda.usable
    assert cuda.reason.startswith("needs PyTorch") and TORCH_FIX in cuda.reason


def test_torch_cuda_build_without_gpu(monkeypatch):
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(torch.version, "cuda", "12.4")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    status = backend_status("torch-cuda")
    assert not status.usable
    assert "built with CUDA 12.4 but sees no CUDA GPU" in status.reason


def test_torch_cpu_only_build(monkeypatch):
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(torch.version, "cuda", None)
    status = backend_status("torch-cuda")
    assert not status.usable and "is a CPU-only build" in status.reason


# ----------------------------------------------------------------------------------------
# CuPy: missing, broken, no GPU, broken kernels, working


def test_require_cupy_not_installed(no_cupy):
    with pytest.raises(BackendUnavailableError, match=r"CuPy is not installed.*\.\[gpu\]") as info:
        require_cupy()
    assert isinstance(info.value, ImportError) and isinstance(info.value, RuntimeError)
    assert GPU_FIX in str(info.value)


def test_cupy_installed_without_gpu(monkeypatch):
    error = "cudaErrorNoDevice: no CUDA-capable device is detected"
    monkeypatch.setitem(sys.modules, "cupy", fake_cupy(available=False, device_error=error))
    status = backend_status("cupy")
    assert not status.usable
    assert "CuPy 13.9.9 is installed but finds no usable CUDA GPU" in status.reason
    assert error in status.reason  # the driver's own words
    with pytest.raises(BackendUnavailableError, match="no CUDA-capable device is detected"):
        require_cupy()


def test_cupy_fails_to_import(monkeypatch):
    class BrokenCupyFinder(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "cupy":
                raise ImportError("libcudart.so.12: cannot open shared object file")
            return None

    monkeypatch.delitem(sys.modules, "cupy", raising=False)
    monkeypatch.setattr(sys, "meta_path", [BrokenCupyFinder(), *sys.meta_path])
    with pytest.raises(BackendUnavailableError, match="fails to import.*libcudart.so.12") as info:
        require_cupy()
    assert GPU_FIX in str(info.value)


def test_cupy_with_gpu_but_no_working_kernels(monkeypatch):
    fake = fake_cupy(available=True, kernel_error="nvrtc: error: failed to open libnvrtc")
    monkeypatch.setitem(sys.modules, "cupy", fake)
    with pytest.raises(BackendUnavailableError, match="cannot run a kernel.*libnvrtc"):
        require_cupy()


def test_cupy_with_working_gpu(monkeypatch):
    fake = fake_cupy(available=True)
    monkeypatch.setitem(sys.modules, "cupy", fake)
    assert require_cupy() is fake
    status = backend_status("cupy")
    assert status.usable and status.reason == "CuPy 13.9.9 on Fake GPU"
    assert get_array_module("cupy") is fake
    assert get_array_module(fake.ndarray()) is fake
    assert pick_backend("cupy", verbose=False) == "cupy"


# ----------------------------------------------------------------------------------------
# pick_backend


def test_pick_backend_falls_back_aloud(no_cupy, capsys):
    assert pick_backend() == "numpy"
    out = capsys.readouterr().out
    assert out.startswith("CuPy is not usable here (CuPy is not installed")
    assert out.rstrip().endswith("falling back to NumPy")


def test_pick_backend_quiet(no_cupy, capsys):
    assert pick_backend(verbose=False) == "numpy"
    assert capsys.readouterr().out == ""


def test_pick_backend_says_what_it_uses(capsys):
    assert pick_backend("numpy", "cupy") == "numpy"
    assert capsys.readouterr().out == f"Using NumPy: NumPy {np.__version__}\n"


def test_pick_backend_raises_when_nothing_works(no_cupy, no_torch):
    with pytest.raises(BackendUnavailableError, match="neither CuPy .* nor PyTorch .* is usable"):
        pick_backend("cupy", "torch")


# ----------------------------------------------------------------------------------------
# get_array_module


def test_get_array_module_numpy():
    assert get_array_module("numpy") is np
    assert get_array_module(np.zeros(3)) is np
    assert get_array_module(np.float32(1.0)) is np


def test_get_array_module_cupy_unusable(no_cupy):
    with pytest.raises(BackendUnavailableError, match=r"\.\[gpu\]"):
        get_array_module("cupy")


@pytest.mark.parametrize(
    "arg, exc, match",
    [
        ("torch", ValueError, "no NumPy-like array module; use lstmbook.torch"),
        ("jax", ValueError, "unknown backend 'jax'"),
        ([1.0, 2.0], TypeError, "expected 'numpy', 'cupy' or an array, got list"),
    ],
)
def test_get_array_module_refuses(arg, exc, match):
    with pytest.raises(exc, match=match):
        get_array_module(arg)


def test_get_array_module_refuses_tensors():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="got a torch tensor"):
        get_array_module(torch.zeros(2))


# ----------------------------------------------------------------------------------------
# the table


def test_describe_backends_table():
    statuses = {
        "numpy": BackendStatus("numpy", True, "NumPy 2.0"),
        "cupy": BackendStatus("cupy", False, "word " * 30),
    }
    table = describe_backends(statuses).splitlines()
    assert table[0] == "backend  usable  details"
    assert table[1] == "numpy    yes     NumPy 2.0"
    assert table[2].startswith("cupy     no      word word")
    assert table[3].startswith(" " * 17 + "word")  # long reasons wrap under "details"
    assert all(len(line) <= 17 + 80 for line in table)


def test_describe_backends_lists_every_backend():
    lines = describe_backends().splitlines()
    names = [line.split()[0] for line in lines[1:] if not line.startswith(" ")]
    assert names == list(BACKENDS)


# ----------------------------------------------------------------------------------------
# importing never needs torch, CuPy or a GPU


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120
    )


def test_import_works_with_torch_and_cupy_blocked():
    result = run_python(
        """
        import sys
        sys.modules["torch"] = None  # import torch now fails
        sys.modules["cupy"] = None
        import lstmbook
        import lstmbook.backends
        import lstmbook.numpy
        status = lstmbook.backends.available_backends()
        assert status["numpy"].usable
        assert not status["torch"].usable and not status["cupy"].usable
        print(status["torch"].reason)
        """
    )
    assert result.returncode == 0, result.stderr
    assert TORCH_FIX in result.stdout


def test_import_does_not_load_torch_or_cupy():
    result = run_python(
        """
        import sys
        import lstmbook
        import lstmbook.backends
        lstmbook.backends.get_array_module("numpy")
        print(sorted(m for m in ("torch", "cupy") if m in sys.modules))
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_backends_reachable_from_plain_import():
    import lstmbook

    assert lstmbook.backends is backends
