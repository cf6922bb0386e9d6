"""The CPU runners: ``lstmbook.numpy.LSTM``, ``lstmbook.torch.LSTM`` and ``torch.nn.LSTM``.

:data:`RUNNERS` in table order, :data:`COMPILED_RUNNER` (opt-in ``torch.compile``), and
:func:`run_benchmark`, which times them and prints the wide table of
``python -m lstmbook.bench`` (its columns are described in :mod:`lstmbook.bench`).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence

import numpy as np

from .core import (
    BASELINE,
    DEFAULT_SIZES,
    Problem,
    Row,
    Runner,
    blas_threads,
    environment_notes,
    gemm_ceiling,
    make_problem,
    median_time,
    torch_available,
    torch_dtype,
)

__all__ = ["RUNNERS", "COMPILED_RUNNER", "run_benchmark"]


def _numpy_prepare(p: Problem):
    from lstmbook.numpy import LSTM

    lstm = LSTM(p.I, p.H, p.num_layers, dtype=p.dtype)
    lstm.load_state_dict(p.state_dict)

    def forward():
        return lstm(p.x)[0]

    def forward_backward():
        out = lstm(p.x)[0]
        lstm.backward(p.grad_output)
        return out

    return forward, forward_backward


def _torch_prepare(p: Problem):
    import torch

    dtype = torch_dtype(p.dtype)
    lstm = torch.nn.LSTM(p.I, p.H, p.num_layers, dtype=dtype)
    lstm.load_state_dict({k: torch.from_numpy(v) for k, v in p.state_dict.items()})
    x = torch.from_numpy(p.x)
    grad_output = torch.from_numpy(p.grad_output)

    def forward():
        with torch.no_grad():
            return lstm(x)[0].numpy()

    def forward_backward():
        for q in lstm.parameters():
            q.grad = None
        xg = x.detach().requires_grad_(True)
        out = lstm(xg)[0]
        out.backward(grad_output)
        return out.detach().numpy()

    return forward, forward_backward


def _lstmbook_torch_runner(compiled: bool):
    """``lstmbook.torch.LSTM`` (explicit gates, autograd backward), eager or compiled."""

    def prepare(p: Problem):
        import torch

        from lstmbook.torch import LSTM

        dtype = torch_dtype(p.dtype)
        lstm = LSTM(p.I, p.H, p.num_layers, dtype=dtype)
        lstm.load_state_dict({k: torch.from_numpy(v) for k, v in p.state_dict.items()})
        run = torch.compile(lstm) if compiled else lstm
        x = torch.from_numpy(p.x)
        grad_output = torch.from_numpy(p.grad_output)

        def forward():
            with torch.no_grad():
                return run(x)[0].numpy()

        def forward_backward():
            for q in lstm.parameters():
                q.grad = None
            out = run(x.detach().requires_grad_(True))[0]
            out.backward(grad_output)
            return out.detach().numpy()

        return forward, forward_backward

    return prepare


def _torch_threads() -> str:
    import torch

    return f"torch threads {torch.get_num_threads()}"


#: Backends in table order; the first is the reference for the ratio column if it is
#: not ``BASELINE``. Other backends (lstmbook.torch, lstmbook.cupy) append here.
RUNNERS: list[Runner] = [
    Runner("lstmbook.numpy", _numpy_prepare),
    Runner("lstmbook.torch", _lstmbook_torch_runner(False), torch_available),
    Runner("torch", _torch_prepare, torch_available, _torch_threads),
]

#: ``torch.compile`` of ``lstmbook.torch.LSTM``: opt-in (``--compile``), since the Python
#: loop over time steps is unrolled when traced, and compiling takes long for large T.
COMPILED_RUNNER = Runner("lstmbook.torch compiled", _lstmbook_torch_runner(True), torch_available)


def run_benchmark(
    sizes: Sequence[tuple[int, int, int, int]] = DEFAULT_SIZES,
    *,
    num_layers: int = 1,
    dtype=np.float32,
    repeats: int = 7,
    runners: Sequence[Runner] | None = None,
    out=None,
    warmup: int = 2,
    clock: Callable[[], float] = time.perf_counter,
) -> list[Row]:
    """Time every available runner at every size; print the table to ``out`` (default:
    the current ``sys.stdout``); return its rows.

    Each time is the median of ``repeats`` runs after ``warmup`` runs, on ``clock`` (the
    wall clock; ``time.thread_time`` counts the calling thread's CPU time, for runs on
    one thread, see :func:`~lstmbook.bench.core.one_thread`)."""
    out = sys.stdout if out is None else out
    runners = [r for r in (RUNNERS if runners is None else runners) if r.available()]
    threads = blas_threads()
    if torch_available():
        import torch

        torch.set_num_threads(threads)
    print(
        f"CPU, {np.dtype(dtype).name}, num_layers={num_layers}, median of {repeats} runs", file=out
    )
    info = [f"NumPy {np.__version__} BLAS threads {threads}"]
    info += [r.threads() for r in runners if r.threads()]
    print("; ".join(info), file=out)
    for note in environment_notes():
        print(note, file=out)

    header = (
        f"{'T,B,I,H':>16} {'backend':>23} {'fwd ms':>9} {'f+b ms':>9} {'fwd/ref':>7} "
        f"{'f+b/ref':>7} {'fwd GF/s':>8} {'f+b GF/s':>8} {'gemm_all':>8} {'gemm_step':>9} "
        f"{'max rel diff':>12}"
    )
    print(header, file=out)
    print("-" * len(header), file=out)
    rows = []
    for size in sizes:
        T, B, I, H = size
        p = make_problem(T, B, I, H, num_layers, dtype)
        ceiling_all = gemm_ceiling(T * B, I + H, 4 * H, dtype, repeats, clock)
        ceiling_step = gemm_ceiling(4 * H, H, B, dtype, repeats, clock)
        timed, outputs = [], {}
        for r in runners:
            forward, forward_backward = r.prepare(p)
            outputs[r.name] = np.asarray(forward(), dtype=np.float64)
            t_f = median_time(forward, repeats, warmup, clock)
            t_fb = median_time(forward_backward, repeats, warmup, clock)
            timed.append((r.name, t_f, t_fb))
        ref_name = BASELINE if BASELINE in outputs else runners[0].name
        ref_out = outputs[ref_name]
        size_rows = [
            Row(
                size,
                name,
                t_f,
                t_fb,
                p.forward_flops / t_f / 1e9,
                p.forward_backward_flops / t_fb / 1e9,
                float(np.linalg.norm(outputs[name] - ref_out) / np.linalg.norm(ref_out)),
            )
            for name, t_f, t_fb in timed
        ]
        ref = next(row for row in size_rows if row.backend == ref_name)
        for row in size_rows:
            print(
                f"{','.join(map(str, size)):>16} {row.backend:>23} {row.forward_s * 1e3:9.2f} "
                f"{row.forward_backward_s * 1e3:9.2f} {row.forward_s / ref.forward_s:7.2f} "
                f"{row.forward_backward_s / ref.forward_backward_s:7.2f} "
                f"{row.forward_gflops:8.1f} {row.forward_backward_gflops:8.1f} "
                f"{ceiling_all:8.1f} {ceiling_step:9.1f} {row.max_rel_diff:12.1e}",
                file=out,
            )
            out.flush()
        rows += size_rows
    return rows
