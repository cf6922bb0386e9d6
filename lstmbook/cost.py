"""What training and running a recurrent network costs: memory of BPTT, recomputation
(checkpointing), and the arithmetic of a Transformer layer to set beside the LSTM's.

The LSTM's own counts are in :mod:`lstmbook.numpy.variants`
(:func:`~lstmbook.numpy.variants.parameter_count`,
:func:`~lstmbook.numpy.variants.flops_per_step`) and timing in :mod:`lstmbook.bench`
(:func:`~lstmbook.bench.median_time`); this module adds what ``book/challenges/cost`` and
``book/challenges/transformers`` measure beyond them. Torch is imported inside the
functions that need it.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from lstmbook._checks import check_positive_int

__all__ = [
    "median_cpu_time",
    "numpy_cache_bytes",
    "saved_tensor_bytes",
    "peak_allocated_bytes",
    "operators_run",
    "checkpointed_lstm",
    "transformer_layer_flops",
]


def median_cpu_time(fn: Callable[[], object], repeats: int = 5, warmup: int = 1) -> float:
    """Median CPU seconds of the calling thread for ``fn()``, after ``warmup`` calls.

    Like :func:`lstmbook.bench.median_time`, but counts the thread's CPU time
    (``time.thread_time``) instead of the wall clock, so that other programs sharing the
    cores do not inflate it. Meaningful for single-threaded work (NumPy with one BLAS
    thread, ``torch.set_num_threads(1)``), which runs in the calling thread.
    """
    from lstmbook.bench import median_time

    repeats = check_positive_int(repeats, "repeats")
    return median_time(fn, repeats, warmup, clock=time.thread_time)


def numpy_cache_bytes(lstm: Any) -> int:
    """Bytes a :class:`lstmbook.numpy.LSTM` keeps from its last forward for the backward.

    The stored activations of BPTT: per layer the gates (T, 4, H, B), states ``h`` and ``c``
    (T+1 each), ``tanh(c)`` (T) and, for layer 0, the input rows (T·B, I). Grows linearly
    in T.
    """
    caches = getattr(lstm, "_caches", None)
    if caches is None:
        raise RuntimeError("numpy_cache_bytes: run lstm.forward(x) first")
    total = 0
    for c in caches:
        for name in ("x_rows", "gates", "hs", "cs", "tanh_cs"):
            arr = getattr(c, name)
            if arr is not None:
                total += int(arr.nbytes)
    return total


def saved_tensor_bytes(fn: Callable[[], Any]) -> tuple[Any, int]:
    """Run ``fn()`` and count the bytes autograd saves for the backward pass.

    Every tensor packed by autograd during ``fn`` is counted once per distinct storage
    (the parameters, also saved, are counted too, but do not grow with T).

    Returns
    -------
    (result of fn, bytes)
    """
    import torch

    seen: dict[Any, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        storage = t.untyped_storage()
        seen[(storage.data_ptr(), storage.nbytes())] = storage.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = fn()
    return out, int(sum(seen.values()))


def peak_allocated_bytes(fn: Callable[[], Any]) -> tuple[Any, int]:
    """Run ``fn()`` and measure the peak of PyTorch's CPU allocations during it.

    Every allocation and release of a tensor's memory during ``fn`` is recorded with the
    profiler (``profile_memory=True``); the peak is the largest running total, counted
    from zero at the start: memory already held before ``fn`` (parameters, the input) is
    not in it, everything allocated during it is (saved activations, temporaries,
    gradients), as long as it is live at the same moment. Unlike
    :func:`saved_tensor_bytes`, which adds up what autograd keeps, this is a peak.

    Returns
    -------
    (result of fn, bytes)
    """
    from torch.profiler import ProfilerActivity, profile

    with _quiet_stderr(), profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        out = fn()
    events = [e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"]
    events.sort(key=lambda e: e.start_ns())
    running = np.cumsum([0] + [e.nbytes() for e in events])
    return out, int(running.max())


def operators_run(fn: Callable[[], Any]) -> set[str]:
    """Names of the PyTorch operators (``aten::...``) that ``fn()`` runs, from the profiler.

    E.g. ``"aten::mkldnn_rnn_layer" in operators_run(lambda: lstm(x))`` says whether a
    CPU ``nn.LSTM`` ran oneDNN's fused kernel.
    """
    from torch.profiler import ProfilerActivity, profile

    with _quiet_stderr(), profile(activities=[ProfilerActivity.CPU]) as prof:
        fn()
    return {e.name for e in prof.events()}


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence file descriptor 2 inside the block: the profiler's C++ side logs a line
    when it starts and stops, which would land in a page's output."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def checkpointed_lstm(lstm: Any, x: Any, segments: int) -> Any:
    """Run a batch-first ``torch.nn.LSTM`` in ``segments`` chunks of time, each checkpointed.

    Only the state between chunks is kept; the inside of a chunk is recomputed during the
    backward pass (Chen et al., 2016: with ``√T`` segments, memory ``O(√T)`` for one
    more forward pass).

    Parameters
    ----------
    lstm : torch.nn.LSTM with ``batch_first=True``
    x : tensor (B, T, I)
    segments : int
        1 <= segments <= T.

    Returns
    -------
    tensor (B, T, H), the same values as ``lstm(x)[0]``.
    """
    import torch
    from torch.utils.checkpoint import checkpoint

    segments = check_positive_int(segments, "segments")
    if not getattr(lstm, "batch_first", False):
        raise ValueError("checkpointed_lstm: expects an nn.LSTM with batch_first=True")
    T = x.shape[1]
    if segments > T:
        raise ValueError(f"checkpointed_lstm: segments ({segments}) must be at most T ({T})")

    def chunk(xc, h, c):
        out, (h, c) = lstm(xc, (h, c))
        return out, h, c

    B, H = x.shape[0], lstm.hidden_size
    h = x.new_zeros(lstm.num_layers, B, H)
    c = x.new_zeros(lstm.num_layers, B, H)
    outs = []
    for piece in torch.tensor_split(x, segments, dim=1):
        out, h, c = checkpoint(chunk, piece, h, c, use_reentrant=False)
        outs.append(out)
    return torch.cat(outs, dim=1)


def transformer_layer_flops(T: int, d_model: int, d_ff: int, batch_size: int = 1) -> dict:
    """Matrix-product FLOPs of one Transformer encoder layer on a length-T sequence.

    Returns
    -------
    dict with
        ``projections``: ``2·T·4d²`` (queries, keys, values, output);
        ``attention``: ``2·2·T²·d`` (the scores ``QKᵀ`` and their weighted sum ``AV``);
        ``feed_forward``: ``2·2·T·d·d_ff``;
        ``total`` — all times ``batch_size``. Only ``attention`` grows like T².
    """
    T = check_positive_int(T, "T")
    d = check_positive_int(d_model, "d_model")
    f = check_positive_int(d_ff, "d_ff")
    B = check_positive_int(batch_size, "batch_size")
    parts = {
        "projections": 2 * T * 4 * d * d * B,
        "attention": 4 * T * T * d * B,
        "feed_forward": 4 * T * d * f * B,
    }
    parts["total"] = int(np.sum(list(parts.values())))
    return parts
