"""The benchmark's core: problems, runners, rows, timing, the machine, and tables.

Backend-neutral: nothing here knows a backend. The runners live beside it --
:mod:`lstmbook.bench.cpu` (``lstmbook.numpy``, ``lstmbook.torch``, ``torch.nn.LSTM``) and
:mod:`lstmbook.bench.gpu` (``lstmbook.cupy`` and cuDNN) -- and import this module; the
command line (``python -m lstmbook.bench``) is :mod:`lstmbook.bench.cli`.

A :class:`Runner` is a backend in the table: ``prepare(problem)`` returns two callables
(one forward; one forward and backward). Every backend gets the same :class:`Problem`
(weights through the state dict, the same input); each measurement is the median of
``repeats`` timed runs after warm-up (:func:`median_time`), and becomes a :class:`Row`.

Timings on a shared machine change from run to run, so a conclusion drawn from them is
measured in several rounds (:func:`time_rounds`, or :func:`round_timings` of several
benchmark runs) into a :class:`Timing` -- the median and the spread over rounds -- and
worded by :func:`compare` / :func:`word_comparison`, which say "faster" only where the
rounds' ranges, widened by a margin, do not overlap.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
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
    "Timing",
    "time_rounds",
    "compare",
    "word_comparison",
    "one_thread",
    "median_rows",
    "round_timings",
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


@dataclass(frozen=True)
class Timing:
    """A positive quantity (seconds, a ratio, GFLOP/s) measured once in each of several rounds.

    ``median`` is the estimate; ``low`` and ``high`` (the extremes over rounds) are the
    run-to-run spread. Dividing two timings with the same number of rounds pairs them round
    by round (``a / b`` is a :class:`Timing` of the per-round ratios): measured close together
    in time, both members of a pair share the load of the machine at that moment.
    """

    rounds: tuple[float, ...]

    def __post_init__(self) -> None:
        values = tuple(float(v) for v in self.rounds)
        if not values or not all(math.isfinite(v) and v > 0 for v in values):
            raise ValueError(f"Timing: need one or more positive finite values, got {values!r}")
        object.__setattr__(self, "rounds", values)

    @property
    def median(self) -> float:
        return statistics.median(self.rounds)

    @property
    def low(self) -> float:
        return min(self.rounds)

    @property
    def high(self) -> float:
        return max(self.rounds)

    @property
    def spread(self) -> float:
        """``high / low - 1``: how far the slowest round lies above the fastest."""
        return self.high / self.low - 1.0

    def map(self, fn: Callable[[float], float]) -> Timing:
        """The same rounds through ``fn`` (e.g. seconds to GFLOP/s)."""
        return Timing(tuple(fn(v) for v in self.rounds))

    def __truediv__(self, other: Timing | float) -> Timing:
        if isinstance(other, Timing):
            if len(other.rounds) != len(self.rounds):
                raise ValueError(
                    f"Timing: pairing needs the same number of rounds, "
                    f"got {len(self.rounds)} and {len(other.rounds)}"
                )
            return Timing(tuple(a / b for a, b in zip(self.rounds, other.rounds, strict=True)))
        return self.map(lambda v: v / other)

    def __mul__(self, factor: float) -> Timing:
        return self.map(lambda v: v * factor)

    __rmul__ = __mul__

    def format(self, fmt: str = ".2f", scale: float = 1.0) -> str:
        """``"median (low-high)"``, each value times ``scale``, e.g. ``"1.23 (1.10-1.40)"``."""
        m, lo, hi = (scale * v for v in (self.median, self.low, self.high))
        return f"{m:{fmt}} ({lo:{fmt}}–{hi:{fmt}})"


def time_rounds(
    fns: Callable[[], object] | Mapping[str, Callable[[], object]],
    rounds: int = 5,
    repeats: int = 1,
    warmup: int = 1,
    clock: Callable[[], float] = time.perf_counter,
) -> Timing | dict[str, Timing]:
    """Time one callable, or several interleaved, in ``rounds`` rounds.

    Each callable is run ``warmup`` times first; then every round times each callable in
    turn (median of ``repeats`` runs, :func:`median_time` without warm-up), so the callables
    of one round are measured close together and their ratio is paired round by round.
    ``clock`` as in :func:`median_time` (``time.thread_time`` for the calling thread's CPU).

    Returns a :class:`Timing` (one callable) or a dict of them (a mapping of callables).
    """
    if not isinstance(rounds, int) or rounds < 1:
        raise ValueError(f"rounds must be a positive int, got {rounds!r}")
    named = dict(fns) if isinstance(fns, Mapping) else {"": fns}
    for fn in named.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {name: [] for name in named}
    for _ in range(rounds):
        for name, fn in named.items():
            times[name].append(median_time(fn, repeats, warmup=0, clock=clock))
    out = {name: Timing(tuple(ts)) for name, ts in times.items()}
    return out if isinstance(fns, Mapping) else out[""]


def compare(value: Timing, reference: Timing | float = 1.0, margin: float = 0.1) -> str:
    """``"below"``, ``"above"`` or ``"within"``: where ``value`` lies against ``reference``.

    ``"below"`` only if even the highest round, raised by ``margin`` (a fraction), stays
    under the reference (under its lowest round, for a :class:`Timing`); ``"above"`` only if
    the lowest round exceeds the reference's highest by more than ``margin``; otherwise
    ``"within"`` (the run-to-run spread). A build on a busier machine widens the ranges and
    can turn a "below" into "within"; to turn it into "above", every round of the second
    build would have to lie more than ``(1 + margin)²`` times above every round of the first
    (against a number; against a :class:`Timing`, the reference's range must move as well).
    """
    if not margin >= 0:
        raise ValueError(f"margin must be >= 0, got {margin!r}")
    ref_low, ref_high = (
        (reference.low, reference.high) if isinstance(reference, Timing) else (reference,) * 2
    )
    if value.high * (1.0 + margin) < ref_low:
        return "below"
    if value.low > ref_high * (1.0 + margin):
        return "above"
    return "within"


def word_comparison(a: Timing, b: Timing, name_a: str, name_b: str, margin: float = 0.1) -> str:
    """A sentence comparing two times, no stronger than their spread allows.

    Paired round by round when both have the same number of rounds (the ratio ``a / b`` per
    round), else range against range; the ratio of medians is quoted with its range.

    >>> fast, slow = Timing((1.0, 1.1, 1.05)), Timing((2.0, 2.1, 2.3))
    >>> word_comparison(fast, slow, "A", "B")
    'A is faster than B (A / B = 0.50, 0.46–0.52 over 3 rounds)'
    """
    if len(a.rounds) == len(b.rounds):
        ratio = a / b
        where = compare(ratio, 1.0, margin)
        numbers = (
            f"{name_a} / {name_b} = {ratio.median:.2f}, {ratio.low:.2f}–{ratio.high:.2f} "
            f"over {len(a.rounds)} rounds"
        )
    else:
        where = compare(a, b, margin)
        numbers = f"{name_a} / {name_b} = {a.median / b.median:.2f}, medians"
    verdict = {
        "below": f"{name_a} is faster than {name_b}",
        "above": f"{name_a} is slower than {name_b}",
        "within": f"{name_a} and {name_b} are within the run-to-run spread of each other",
    }[where]
    return f"{verdict} ({numbers})"


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Inside the block NumPy's BLAS (through threadpoolctl, when installed) and PyTorch (when
    imported) compute on one thread; the previous settings come back after it.

    One thread makes a timing the same on every machine and build, and lets
    ``time.thread_time`` count all of the work.
    """
    torch = sys.modules.get("torch")
    torch_threads = torch.get_num_threads() if torch is not None else None
    with contextlib.ExitStack() as stack:
        try:
            from threadpoolctl import threadpool_limits

            stack.enter_context(threadpool_limits(1))
        except ImportError:
            pass
        if torch is not None:
            torch.set_num_threads(1)
        try:
            yield
        finally:
            if torch is not None:
                torch.set_num_threads(torch_threads)


def gemm_ceiling(
    m: int, k: int, n: int, dtype, repeats: int, clock: Callable[[], float] = time.perf_counter
) -> float:
    """GFLOP/s of NumPy's (m, k) x (k, n) matrix product, median of ``repeats``, timed on
    ``clock`` (as in :func:`median_time`)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k)).astype(dtype)
    b = rng.standard_normal((k, n)).astype(dtype)
    out = np.empty((m, n), dtype=dtype)
    inner = max(1, int(2e8 / (2.0 * m * k * n)))  # batch tiny products to time them

    def run():
        for _ in range(inner):
            np.matmul(a, b, out=out)

    return 2.0 * m * k * n * inner / median_time(run, repeats, clock=clock) / 1e9


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


def round_timings(
    runs: Sequence[Sequence[Row]], field: str = "forward_backward_s"
) -> dict[tuple[str, tuple[int, int, int, int]], Timing]:
    """One :class:`Timing` per (backend, size) from several runs of the same benchmark:
    round ``k`` is run ``k``'s ``field`` (``"forward_s"`` or ``"forward_backward_s"``)."""
    timings = {}
    for same in zip(*runs, strict=True):
        if len({(r.size, r.backend) for r in same}) != 1:
            raise ValueError("the runs measured different sizes or backends")
        timings[same[0].backend, same[0].size] = Timing(tuple(getattr(r, field) for r in same))
    return timings


def median_rows(runs: Sequence[Sequence[Row]]) -> list[Row]:
    """Row by row, the median over several runs of the same benchmark: forward and
    forward+backward times are each the median of the runs' times, and the GFLOP/s follow."""
    forward, both = round_timings(runs, "forward_s"), round_timings(runs, "forward_backward_s")
    rows = []
    for r in runs[0]:
        key = (r.backend, r.size)
        t_f, t_fb = forward[key].median, both[key].median
        rows.append(
            Row(
                r.size,
                r.backend,
                t_f,
                t_fb,
                r.forward_gflops * r.forward_s / t_f,
                r.forward_backward_gflops * r.forward_backward_s / t_fb,
                max(x.max_rel_diff for x in _runs_for(runs, key)),
            )
        )
    return rows


def _runs_for(runs: Sequence[Sequence[Row]], key: tuple) -> list[Row]:
    """The rows of every run for one (backend, size)."""
    return [r for run in runs for r in run if (r.backend, r.size) == key]


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
    spreads: Mapping[tuple[str, tuple[int, int, int, int]], Timing] | None = None,
) -> str:
    """A narrow table of ``rows`` (e.g. :func:`median_rows`') along one size.

    Columns: the swept size; the backend (renamed by ``labels``); forward and
    forward+backward time in ms; forward+backward time divided by ``baseline``'s at the
    same size; the relative difference of the output from the baseline's. With ``spreads``
    (e.g. :func:`round_timings`), a column ``spread``: the forward+backward rounds'
    ``high / low - 1``.
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
        + (" spread" if spreads is not None else "")
    ]
    for r in rows:
        ratio = r.forward_backward_s / ref[r.size] if r.size in ref else float("nan")
        lines.append(
            f"{r.size[axis]:>5}  {labels.get(r.backend, r.backend):<{width}}  "
            f"{r.forward_s * 1e3:8.2f}  {r.forward_backward_s * 1e3:8.2f}  "
            f"{ratio:>{len(ref_name) + 6}.2f}  {r.max_rel_diff:8.1e}"
            + (f" {spreads[r.backend, r.size].spread:6.0%}" if spreads is not None else "")
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
