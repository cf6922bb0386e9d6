"""``python -m lstmbook.bench``: the CPU table, then the GPU table where there is a GPU."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np

from ..backends import backend_status
from . import gpu
from .core import DEFAULT_SIZES, QUICK_SIZES, Row, machine_description, parse_size
from .cpu import COMPILED_RUNNER, RUNNERS, run_benchmark

__all__ = ["main", "gpu_table"]


def main(argv: Sequence[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(
        prog="python -m lstmbook.bench",
        description="Time lstmbook's LSTMs against torch.nn.LSTM (and cuDNN on a GPU).",
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
    """The GPU benchmark (:mod:`lstmbook.bench.gpu`) where CuPy and a GPU are usable; else a
    line saying why it was skipped."""
    status = backend_status("cupy")
    print()
    if not status.usable:
        print(f"GPU table skipped: {status.reason}")
        return []
    sizes = QUICK_SIZES if quick else None
    kwargs = {"sizes": sizes} if sizes else {}
    return gpu.gpu_benchmark(num_layers=num_layers, repeats=repeats, **kwargs)
