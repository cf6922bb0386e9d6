"""The benchmark's core: problems, runners, rows, timing, the machine, and tables.

Backend-neutral: nothing here knows a backend. The runners live beside it --
:mod:`lstmbook.bench.cpu` (``lstmbook.numpy``, ``lstmbook.torch``, ``torch.nn.LSTM``) and
:mod:`lstmbook.bench.gpu` (``lstmbook.cupy`` and cuDNN) -- and import this module; the
command line (``python -m lstmbook.bench``) is :mod:`lstmbook.bench.cli`.

A :class:`Runner` is a backend in the table: ``prepare(problem)`` returns two callables
(one forward; one forward and backward). Every backend gets the same :class:`Problem`
(weights through the state dict, the same input); each measurement is the median of
``repeats`` timed runs after warm-up (:func:`median_time`), and becomes a :class:`Row`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "BASELINE",
    "DEFAULT_SIZES",
    "QUICK_SIZES",
    "Problem",
    "Runner",
    "Row",
    "make_problem",
    "torch_available",
    "torch_dtype",
    "median_time",
    "gemm_ceiling",
    "blas_threads",
    "machine_description",
    "environment_notes",
    "fastest_of",
    "fit_exponent",
    "summary_table",
    "parse_size",
]

DEFAULT_SIZES = [(100, 32, 64, 128), (50, 64, 256, 256), (35, 128, 512, 512), (1000, 1, 32, 64)]
QUICK_SIZES = [(20, 4, 8, 16), (50, 1, 4, 8)]
BASELINE = "torch"


@dataclass
class Problem:
    """One benchmark case: sizes, the weights (a state dict) and the arrays, time-major."""

    T: int
    B: int
    I: int
    H: int
    num_layers: int
    dtype: np.dtype
    state_dict: dict[str, np.ndarray]
    x: np.ndarray  # (T, B, I)
    grad_output: np.ndarray  # (T, B, H)

    @property
    def forward_flops(self) -> float:
        """Matrix-product FLOPs of the forward pass: 2·T·B·4H·(I_k+H) summed over layers."""
        T, B, H = self.T, self.B, self.H
        return sum(
            2.0 * T * B * 4 * H * ((self.I if k == 0 else H) + H) for k in range(self.num_layers)
        )

    @property
    def forward_backward_flops(self) -> float:
        """Forward plus backward (≈ 2× forward: dX/dh products and weight gradients)."""
        return 3.0 * self.forward_flops


def make_problem(T, B, I, H, num_layers=1, dtype=np.float32, seed=0) -> Problem:
    """Sizes, weights of a seeded ``lstmbook.numpy.LSTM`` and a random input and upstream
    gradient: the same problem for every backend."""
    from lstmbook.numpy import LSTM

    rng = np.random.default_rng(seed)
    lstm = LSTM(I, H, num_layers, dtype=dtype, seed=seed)
    x = rng.standard_normal((T, B, I)).astype(dtype)
    g = rng.standard_normal((T, B, H)).astype(dtype)
    return Problem(T, B, I, H, num_layers, np.dtype(dtype), lstm.state_dict(), x, g)


@dataclass
class Runner:
    """A backend in the table.

    ``prepare(problem)`` returns ``(forward, forward_backward)``: callables taking no
    arguments that run one forward, or one forward and backward, and return the output
    as a NumPy array (used once, untimed, to check the backends agree). ``available()``
    says whether the backend can run here.
    """

    name: str
    prepare: Callable[[Problem], tuple[Callable[[], object], Callable[[], object]]]
    available: Callable[[], bool] = field(default=lambda: True)
    threads: Callable[[], str] = field(default=lambda: "")


@dataclass
class Row:
    size: tuple[int, int, int, int]
    backend: str
    forward_s: float
    forward_backward_s: float
    forward_gflops: float
    forward_backward_gflops: float
    max_rel_diff: float


def torch_available() -> bool:
    """Whether ``import torch`` works here."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def torch_dtype(dtype: Any) -> Any:
    """The torch dtype of a NumPy float32 or float64 dtype (``ValueError`` for others)."""
    import torch

    dt = np.dtype(dtype)
    table = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}
    if dt not in table:
        raise ValueError(f"the benchmark runs float32 or float64, got {dt}")
    return table[dt]


def median_time(
    fn: Callable[[], object],
    repeats: int,
    warmup: int = 2,
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    """Median time of ``fn()`` in seconds over ``repeats`` runs, after ``warmup`` runs.

    ``clock`` is the wall clock by default; ``time.thread_time`` counts the calling
    thread's CPU time instead (see :func:`lstmbook.cost.median_cpu_time`).
    """
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    return statistics.median(times)


def gemm_ceiling(m: int, k: int, n: int, dtype, repeats: int) -> float:
    """GFLOP/s of NumPy's (m, k) x (k, n) matrix product, median of ``repeats``."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k)).astype(dtype)
    b = rng.standard_normal((k, n)).astype(dtype)
    out = np.empty((m, n), dtype=dtype)
    inner = max(1, int(2e8 / (2.0 * m * k * n)))  # batch tiny products to time them

    def run():
        for _ in range(inner):
            np.matmul(a, b, out=out)

    return 2.0 * m * k * n * inner / median_time(run, repeats) / 1e9


def blas_threads() -> int:
    """Threads NumPy's BLAS uses: threadpoolctl if present, else the usual variables."""
    try:
        from threadpoolctl import threadpool_info

        counts = [i["num_threads"] for i in threadpool_info() if i.get("user_api") == "blas"]
        if counts:
            return int(counts[0])
    except ImportError:
        pass
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(var, "").isdigit():
            return int(os.environ[var])
    return os.cpu_count() or 1


def machine_description() -> str:
    """Where timings were taken: platform, CPU model and cores, NumPy's BLAS and threads,
    and torch's version and threads when torch is installed."""
    import platform

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas_name = f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except (TypeError, KeyError):  # NumPy < 1.26 has no mode="dicts"
        blas_name = "?"
    lines = [
        f"machine  {platform.platform()}",
        f"CPU      {cpu}; {os.cpu_count()} logical CPUs, {usable} usable by this process",
        f"NumPy    {np.__version__}, BLAS {blas_name}, {blas_threads()} BLAS threads",
    ]
    if torch_available():
        import torch

        lines.append(f"PyTorch  {torch.__version__}, {torch.get_num_threads()} threads")
    return "\n".join(lines)


def fastest_of(runs: Sequence[Sequence[Row]]) -> list[Row]:
    """Row by row, the fastest (forward+backward) of several runs of the same benchmark.

    Other work on a machine can only slow a measurement down, so on a shared machine the
    minimum over rounds is the best estimate of each time.
    """
    fastest = []
    for same in zip(*runs, strict=True):
        if len({(r.size, r.backend) for r in same}) != 1:
            raise ValueError("the runs measured different sizes or backends")
        fastest.append(min(same, key=lambda row: row.forward_backward_s))
    return fastest


def fit_exponent(rows: Sequence[Row], backend: str, axis: int) -> float:
    """Slope p of log(time) against log(size[axis]) for one backend: time ∝ size^p.

    ``axis`` indexes (T, B, I, H): 0 for sequence length, 3 for hidden size.
    """
    pts = sorted((r.size[axis], r.forward_backward_s) for r in rows if r.backend == backend)
    if len({n for n, _ in pts}) < 2:
        raise ValueError(f"need at least two sizes along axis {axis} for {backend!r}")
    n, t = np.log(np.array(pts, dtype=float)).T
    return float(np.polyfit(n, t, 1)[0])


_SWEEP_AXES = {"T": 0, "B": 1, "I": 2, "H": 3}


def summary_table(
    rows: Sequence[Row],
    sweep: str = "T",
    *,
    labels: dict[str, str] | None = None,
    baseline: str = BASELINE,
) -> str:
    """A narrow table of ``rows`` (e.g. :func:`fastest_of`'s) along one size.

    Columns: the swept size; the backend (renamed by ``labels``); forward and
    forward+backward time in ms; forward+backward time divided by ``baseline``'s at the
    same size; the relative difference of the output from the baseline's.
    """
    if sweep not in _SWEEP_AXES:
        raise ValueError(f"sweep must be one of {sorted(_SWEEP_AXES)}, got {sweep!r}")
    axis, labels = _SWEEP_AXES[sweep], labels or {}
    ref = {r.size: r.forward_backward_s for r in rows if r.backend == baseline}
    width = max(len(labels.get(r.backend, r.backend)) for r in rows)
    ref_name = labels.get(baseline, baseline)
    lines = [
        f"{sweep:>5}  {'backend':<{width}}  {'fwd ms':>8}  {'f+b ms':>8}  "
        f"{'f+b / ' + ref_name:>{len(ref_name) + 6}}  {'out diff':>8}"
    ]
    for r in rows:
        ratio = r.forward_backward_s / ref[r.size] if r.size in ref else float("nan")
        lines.append(
            f"{r.size[axis]:>5}  {labels.get(r.backend, r.backend):<{width}}  "
            f"{r.forward_s * 1e3:8.2f}  {r.forward_backward_s * 1e3:8.2f}  "
            f"{ratio:>{len(ref_name) + 6}.2f}  {r.max_rel_diff:8.1e}"
        )
    return "\n".join(lines)


def environment_notes() -> list[str]:
    notes = []
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if var in os.environ:
            notes.append(f"note: {var}={os.environ[var]} is set")
    if notes:
        notes.append(
            "      OpenBLAS may then choose slower kernels; for representative numbers run\n"
            "      env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m lstmbook.bench"
        )
    return notes


def parse_size(text: str) -> tuple[int, int, int, int]:
    parts = text.split(",")
    if len(parts) != 4 or not all(s.strip().isdigit() and int(s) > 0 for s in parts):
        raise argparse.ArgumentTypeError(f"a size is T,B,I,H with positive integers, got {text!r}")
    return tuple(int(s) for s in parts)  # type: ignore[return-value]
