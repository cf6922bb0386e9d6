"""GPU benchmark: ``lstmbook.cupy.LSTM`` (fused and unfused) against cuDNN's ``torch.nn.LSTM``.

Run ``python -m lstmbook.bench.gpu`` (``--sizes T,B,I,H ...``, ``--repeats N``,
``--layers L``). Without CuPy or a GPU it prints why and exits with status 0.

Every backend gets the same weights (one state dict) and the same input, float32 by
default, built by :func:`lstmbook.bench.core.make_problem`. A timed run is one call that ends
with a device synchronisation (``cupy.cuda.Device().synchronize()``, which waits for
torch's work too), so the wall time covers the GPU work and the Python that launches it;
each figure is the median of ``repeats`` runs after two warm-up runs (which also compile
the kernels). "forward" is ``lstm(x)`` for lstmbook.cupy (which keeps what its backward
needs) and ``lstm(x)`` under ``torch.no_grad()`` for cuDNN, as in :mod:`lstmbook.bench.cpu`;
"f+b" is a forward and a backward with gradients for the weights and the input.

TF32 is off for torch by default (CuPy does not use it unless ``CUPY_TF32=1``), so both
sides do full float32 matrix products; ``--tf32`` allows it for cuDNN.

The runners are :class:`lstmbook.bench.core.Runner` objects (:data:`GPU_RUNNERS`) and the
rows :class:`lstmbook.bench.core.Row`, so ``python -m lstmbook.bench`` shows them beside the
CPU table. This module imports the core; the core imports no runner.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..backends import BackendUnavailableError, require_cupy
from .core import Problem, Row, Runner, make_problem, median_time, parse_size, torch_dtype

__all__ = ["DEFAULT_GPU_SIZES", "GPU_RUNNERS", "gpu_benchmark", "main"]

#: (T, B, I, H): a mid-sized and a large problem.
DEFAULT_GPU_SIZES = ((100, 64, 512, 512), (50, 256, 1024, 1024))
CUDNN = "cuDNN torch.nn.LSTM"


class DeviceOutput:
    """A device array returned by a timed call, copied to the host only when asked
    (``np.asarray(out)``), so that the timing holds no device-to-host copy."""

    def __init__(self, value: Any, to_numpy: Callable[[Any], np.ndarray]) -> None:
        self.value, self._to_numpy = value, to_numpy

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        a = self._to_numpy(self.value)
        return a if dtype is None else a.astype(dtype)


def _cupy_runner(fused: bool) -> Callable[[Problem], tuple[Callable, Callable]]:
    def prepare(p: Problem) -> tuple[Callable, Callable]:
        from ..cupy.lstm import LSTM

        cupy = require_cupy()
        lstm = LSTM(p.I, p.H, p.num_layers, dtype=p.dtype, fused=fused)
        lstm.load_state_dict(p.state_dict)
        x, grad_output = cupy.asarray(p.x), cupy.asarray(p.grad_output)
        synchronize = cupy.cuda.Device().synchronize

        def forward() -> DeviceOutput:
            out = lstm(x)[0]
            synchronize()
            return DeviceOutput(out, cupy.asnumpy)

        def forward_backward() -> DeviceOutput:
            out = lstm(x)[0]
            lstm.backward(grad_output)
            synchronize()
            return DeviceOutput(out, cupy.asnumpy)

        return forward, forward_backward

    return prepare


def _cudnn_prepare(p: Problem) -> tuple[Callable, Callable]:
    import torch

    dtype = torch_dtype(p.dtype)
    lstm = torch.nn.LSTM(p.I, p.H, p.num_layers, dtype=dtype, device="cuda")
    lstm.load_state_dict({k: torch.from_numpy(v) for k, v in p.state_dict.items()})
    x = torch.from_numpy(p.x).cuda()
    grad_output = torch.from_numpy(p.grad_output).cuda()
    to_numpy = lambda t: t.detach().cpu().numpy()  # noqa: E731

    def forward() -> DeviceOutput:
        with torch.no_grad():
            out = lstm(x)[0]
        torch.cuda.synchronize()
        return DeviceOutput(out, to_numpy)

    def forward_backward() -> DeviceOutput:
        for q in lstm.parameters():
            q.grad = None
        xg = x.detach().requires_grad_(True)
        out = lstm(xg)[0]
        out.backward(grad_output)
        torch.cuda.synchronize()
        return DeviceOutput(out, to_numpy)

    return forward, forward_backward


def _cudnn_unavailable() -> str | None:
    """Why cuDNN cannot be compared here, or None."""
    try:
        import torch
    except ImportError:
        return "torch is not installed"
    if not torch.cuda.is_available():
        return f"torch {torch.__version__} has no CUDA GPU (CUDA build: {torch.version.cuda})"
    return None


def _cupy_available() -> bool:
    try:
        require_cupy()
    except BackendUnavailableError:
        return False
    return True


#: The GPU backends, in table order.
GPU_RUNNERS: list[Runner] = [
    Runner("lstmbook.cupy fused", _cupy_runner(True), _cupy_available),
    Runner("lstmbook.cupy", _cupy_runner(False), _cupy_available),
    Runner(CUDNN, _cudnn_prepare, lambda: _cudnn_unavailable() is None),
]


def gpu_benchmark(
    sizes: Sequence[tuple[int, int, int, int]] = DEFAULT_GPU_SIZES,
    repeats: int = 7,
    *,
    num_layers: int = 1,
    dtype: Any = np.float32,
    allow_tf32: bool = False,
    out: Any = sys.stdout,
) -> list[Row]:
    """Time every GPU runner at every size, print the table and the ratios to cuDNN.

    Parameters
    ----------
    sizes : sequence of (T, B, I, H)
    repeats : int
        Timed runs per median (after 2 warm-up runs).
    num_layers, dtype
        Of every LSTM.
    allow_tf32 : bool
        Let cuDNN use TF32 (off by default: CuPy does full float32).
    out : file
        Where the table goes.

    Returns
    -------
    list of :class:`lstmbook.bench.core.Row`
        One per (size, backend); ``max_rel_diff`` is the output's relative difference
        to the first backend's (``lstmbook.cupy fused``).

    Raises
    ------
    lstmbook.backends.BackendUnavailableError
        If CuPy or a GPU is missing (the message says which).
    """
    cupy = require_cupy()
    runners = [r for r in GPU_RUNNERS if r.available()]
    no_cudnn = _cudnn_unavailable()
    props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
    name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
    print(
        f"GPU {name}, {np.dtype(dtype).name}, num_layers={num_layers}, "
        f"median of {repeats} runs; CuPy {cupy.__version__}",
        file=out,
    )
    if no_cudnn:
        print(f"note: no cuDNN baseline: {no_cudnn}", file=out)
    restore = _set_tf32(allow_tf32) if no_cudnn is None else None
    header = (
        f"{'T,B,I,H':>16} {'backend':>20} {'fwd ms':>9} {'f+b ms':>9} {'fwd/cuDNN':>9} "
        f"{'f+b/cuDNN':>9} {'fwd GF/s':>9} {'f+b GF/s':>9} {'max rel diff':>12}"
    )
    print(header, file=out)
    print("-" * len(header), file=out)
    rows: list[Row] = []
    try:
        for size in sizes:
            rows += _bench_size(size, runners, repeats, num_layers, dtype, out)
    finally:
        if restore is not None:
            restore()
    for size in sizes:
        by_name = {r.backend: r for r in rows if r.size == tuple(size)}
        if CUDNN in by_name:
            ref = by_name[CUDNN]
            ratios = ", ".join(
                f"{r.backend} {r.forward_s / ref.forward_s:.2f}x fwd, "
                f"{r.forward_backward_s / ref.forward_backward_s:.2f}x f+b"
                for r in by_name.values()
                if r.backend != CUDNN
            )
            print(f"{','.join(map(str, size))}: vs cuDNN: {ratios}", file=out)
    return rows


def _bench_size(size, runners, repeats, num_layers, dtype, out) -> list[Row]:
    T, B, I, H = size
    p = make_problem(T, B, I, H, num_layers, dtype)
    rows, outputs = [], []
    for r in runners:
        forward, forward_backward = r.prepare(p)
        outputs.append(np.asarray(forward()))
        t_f = median_time(forward, repeats)
        t_fb = median_time(forward_backward, repeats)
        rel = float(np.linalg.norm(outputs[-1] - outputs[0]) / np.linalg.norm(outputs[0]))
        rows.append(
            Row(
                tuple(size),
                r.name,
                t_f,
                t_fb,
                p.forward_flops / t_f / 1e9,
                p.forward_backward_flops / t_fb / 1e9,
                rel,
            )
        )
    ref = next((row for row in rows if row.backend == CUDNN), None)
    for row in rows:
        f_ratio = f"{row.forward_s / ref.forward_s:9.2f}" if ref else f"{'-':>9}"
        fb_ratio = f"{row.forward_backward_s / ref.forward_backward_s:9.2f}" if ref else f"{'-':>9}"
        print(
            f"{','.join(map(str, size)):>16} {row.backend:>20} {row.forward_s * 1e3:9.2f} "
            f"{row.forward_backward_s * 1e3:9.2f} {f_ratio} {fb_ratio} "
            f"{row.forward_gflops:9.1f} {row.forward_backward_gflops:9.1f} "
            f"{row.max_rel_diff:12.1e}",
            file=out,
        )
        out.flush()
    return rows


def _set_tf32(allow: bool) -> Callable[[], None]:
    """Set torch's TF32 switches; return a function that restores them."""
    import torch

    old = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = allow

    def restore() -> None:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = old

    return restore


def main(argv: Sequence[str] | None = None) -> list[Row]:
    """Command line; without CuPy or a GPU, print why and return no rows (exit status 0)."""
    parser = argparse.ArgumentParser(
        prog="python -m lstmbook.bench.gpu", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--sizes", nargs="+", type=parse_size, metavar="T,B,I,H")
    parser.add_argument("--layers", type=int, default=1, help="num_layers (default 1)")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per median (≥ 1)")
    parser.add_argument("--tf32", action="store_true", help="let cuDNN use TF32")
    args = parser.parse_args(argv)
    try:
        return gpu_benchmark(
            args.sizes or DEFAULT_GPU_SIZES,
            max(1, args.repeats),
            num_layers=args.layers,
            dtype=np.dtype(args.dtype),
            allow_tf32=args.tf32,
        )
    except BackendUnavailableError as err:
        print(f"GPU benchmark skipped: {err}")
        return []


if __name__ == "__main__":
    main()
