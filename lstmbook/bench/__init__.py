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

Layout: :mod:`~lstmbook.bench.core` (problems, runners, rows, timing, tables; no
backend), :mod:`~lstmbook.bench.cpu` and :mod:`~lstmbook.bench.gpu` (the runners; each
imports the core, never the other way), :mod:`~lstmbook.bench.cli` (the command line, ``main``).
Adding a backend: append a :class:`Runner` to :data:`RUNNERS` (or pass ``runners=`` to
:func:`run_benchmark`); its ``prepare`` gets the problem and returns two callables.
"""

from .core import (
    BASELINE,
    DEFAULT_SIZES,
    QUICK_SIZES,
    Problem,
    Row,
    Runner,
    Timing,
    blas_threads,
    compare,
    environment_notes,
    fastest_of,
    fit_exponent,
    gemm_ceiling,
    machine_description,
    make_problem,
    median_rows,
    median_time,
    one_thread,
    parse_size,
    round_timings,
    summary_table,
    time_rounds,
    word_comparison,
)
from .cpu import COMPILED_RUNNER, RUNNERS, run_benchmark

__all__ = [
    "BASELINE",
    "DEFAULT_SIZES",
    "QUICK_SIZES",
    "Problem",
    "Runner",
    "Row",
    "RUNNERS",
    "COMPILED_RUNNER",
    "make_problem",
    "machine_description",
    "blas_threads",
    "environment_notes",
    "gemm_ceiling",
    "fastest_of",
    "fit_exponent",
    "summary_table",
    "median_time",
    "Timing",
    "time_rounds",
    "compare",
    "word_comparison",
    "one_thread",
    "median_rows",
    "round_timings",
    "parse_size",
    "run_benchmark",
]
