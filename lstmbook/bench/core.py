"""Benchmark: ``lstmbook.numpy.LSTM`` and ``lstmbook.torch.LSTM`` against ``torch.nn.LSTM``
on the CPU, then (where CuPy and a GPU are usable) ``lstmbook.cupy`` against cuDNN.

Run ``python -m lstmbook.bench`` (``--quick`` for a tiny smoke run, ``--sizes T,B,I,H ...``
for other shapes, ``--compile`` to add ``torch.compile``, ``--no-gpu`` to skip the GPU
table). Every backend gets the same weights (through the state dict) and the
same input; each measurement is the median of ``--repeats`` timed runs after warm-up.

Columns: forward and forward+backward times in ms; their ratio to ``torch.nn.LSTM``
(``ref``; its forward runs under ``torch.no_grad()``, as inference would; its
forward+backward computes the gradients of the weights and of the input, as ours does);
achieved GFLOP/s, counting only matrix-product FLOPs (forward ``2·T·B·4H·(I+H)`` per
layer, backward twice that); two NumPy GEMM ceilings measured in the same run: ``gemm_all``
for the all-steps product (T·B, I+H) x (I+H, 4H) and ``gemm_step`` for the per-step
recurrent product (4H, H) x (H, B); and the relative difference of the output from the
reference's.

On machines that set ``OPENBLAS_CORETYPE`` / ``OPENBLAS_L2_SIZE`` OpenBLAS may pick slower
kernels; for representative numbers run::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m lstmbook.bench

Adding a backend: append a :class:`Runner` to :data:`RUNNERS` (or pass ``runners=`` to
:func:`run_benchmark`); its ``prepare`` gets the problem and returns two callables.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "Problem",
    "Runner",
    "Row",
    "RUNNERS",
    "COMPILED_RUNNER",
    "make_problem",
    "machine_description",
    "fastest_of",
    "fit_exponent",
    "summary_table",
    "median_time",
    "parse_size",
    "run_benchmark",
    "gpu_table",
    "main",
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


def _torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def _torch_prepare(p: Problem):
    import torch

    dtype = {np.float32: torch.float32, np.float64: torch.float64}[p.dtype.type]
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

        dtype = {np.float32: torch.float32, np.float64: torch.float64}[p.dtype.type]
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
    Runner("lstmbook.torch", _lstmbook_torch_runner(False), _torch_available),
    Runner("torch", _torch_prepare, _torch_available, _torch_threads),
]

#: ``torch.compile`` of ``lstmbook.torch.LSTM``: opt-in (``--compile``), since the Python
#: loop over time steps is unrolled when traced, and compiling takes long for large T.
COMPILED_RUNNER = Runner("lstmbook.torch compiled", _lstmbook_torch_runner(True), _torch_available)


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
    if _torch_available():
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


@dataclass
class Row:
    size: tuple[int, int, int, int]
    backend: str
    forward_s: float
    forward_backward_s: float
    forward_gflops: float
    forward_backward_gflops: float
    max_rel_diff: float


def run_benchmark(
    sizes: Sequence[tuple[int, int, int, int]] = DEFAULT_SIZES,
    *,
    num_layers: int = 1,
    dtype=np.float32,
    repeats: int = 7,
    runners: Sequence[Runner] | None = None,
    out=None,
) -> list[Row]:
    """Time every available runner at every size; print the table to ``out`` (default:
    the current ``sys.stdout``); return its rows."""
    out = sys.stdout if out is None else out
    runners = [r for r in (RUNNERS if runners is None else runners) if r.available()]
    threads = blas_threads()
    if _torch_available():
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
        ceiling_all = gemm_ceiling(T * B, I + H, 4 * H, dtype, repeats)
        ceiling_step = gemm_ceiling(4 * H, H, B, dtype, repeats)
        timed, outputs = [], {}
        for r in runners:
            forward, forward_backward = r.prepare(p)
            outputs[r.name] = np.asarray(forward(), dtype=np.float64)
            t_f, t_fb = median_time(forward, repeats), median_time(forward_backward, repeats)
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


def parse_size(text: str) -> tuple[int, int, int, int]:
    parts = text.split(",")
    if len(parts) != 4 or not all(s.strip().isdigit() and int(s) > 0 for s in parts):
        raise argparse.ArgumentTypeError(f"a size is T,B,I,H with positive integers, got {text!r}")
    return tuple(int(s) for s in parts)  # type: ignore[return-value]


def main(argv: Sequence[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(
        prog="python -m lstmbook.bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test")
    parser.add_argument("--sizes", nargs="+", type=parse_size, metavar="T,B,I,H")
    parser.add_argument("--layers", type=int, default=1, help="num_layers (default 1)")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per median (≥ 1)")
    parser.add_argument(
        "--compile", action="store_true", help="add torch.compile(lstmbook.torch.LSTM)"
    )
    parser.add_argument(
        "--no-gpu", action="store_true", help="skip the GPU table (lstmbook.cupy vs cuDNN)"
    )
    args = parser.parse_args(argv)
    sizes = args.sizes or (QUICK_SIZES if args.quick else DEFAULT_SIZES)
    print(machine_description())
    runners = RUNNERS + ([COMPILED_RUNNER] if args.compile else [])
    repeats = max(1, args.repeats)
    rows = run_benchmark(
        sizes,
        num_layers=args.layers,
        dtype=np.dtype(args.dtype),
        repeats=repeats,
        runners=runners,
    )
    if not args.no_gpu:
        rows += gpu_table(quick=args.quick, num_layers=args.layers, repeats=repeats)
    return rows


def gpu_table(*, quick: bool, num_layers: int, repeats: int) -> list[Row]:
    """The GPU benchmark (``lstmbook.cupy.bench``) where CuPy and a GPU are usable; else a
    line saying why it was skipped."""
    from lstmbook.backends import backend_status

    status = backend_status("cupy")
    print()
    if not status.usable:
        print(f"GPU table skipped: {status.reason}")
        return []
    from lstmbook.cupy.bench import gpu_benchmark

    sizes = QUICK_SIZES if quick else None
    kwargs = {"sizes": sizes} if sizes else {}
    return gpu_benchmark(num_layers=num_layers, repeats=repeats, **kwargs)


if __name__ == "__main__":
    main()
