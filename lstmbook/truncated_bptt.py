"""Truncated backpropagation through time, and what full BPTT costs in memory.

Full BPTT keeps every step's activations until the backward pass, so its memory grows
linearly with the sequence length T. Truncated BPTT runs the sequence in windows of k
steps and *detaches* the state between windows: the forward pass still carries the
state over the whole sequence, but gradients stop at the window boundary, so memory is
bounded by k -- and no gradient connects an output to an input more than k steps back.
The FAQ chapter (``book/faq/training.ipynb``) measures both.

* :func:`run_truncated` -- a PyTorch recurrent layer over a sequence, state detached every
  ``window`` steps;
* :func:`saved_tensor_bytes` -- the bytes autograd saves for the backward pass of a
  computation (the activation memory of BPTT), counted with saved-tensor hooks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._checks import check_positive_int

__all__ = ["run_truncated", "saved_tensor_bytes", "detach_state"]


def detach_state(state: Any) -> Any:
    """Detach a tensor or a tuple of tensors (the ``(h, c)`` of an LSTM) from the graph;
    ``None`` (no state yet: the zero state) stays ``None``."""
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()


def run_truncated(rnn: Any, x: Any, window: int | None, state: Any = None) -> tuple[Any, Any]:
    """Run ``rnn`` over ``x`` in windows of ``window`` steps, detaching the state between them.

    Parameters
    ----------
    rnn : torch.nn.RNN, GRU or LSTM with ``batch_first=True``
    x : Tensor (B, T, I)
    window : int or None
        Truncation length k; ``None`` is full BPTT (one window of T steps).
    state : optional
        Initial state, as ``rnn`` takes it.

    Returns
    -------
    output : Tensor (B, T, H)
        Identical in value to ``rnn(x)``; only the gradient paths differ.
    state : the final state
    """
    if not getattr(rnn, "batch_first", False):
        raise ValueError("run_truncated expects a batch-first layer (batch_first=True)")
    if x.ndim != 3:
        raise ValueError(f"x: expected (B, T, I), got shape {tuple(x.shape)}")
    T = x.shape[1]
    k = T if window is None else check_positive_int(window, "window")
    import torch

    outputs = []
    for start in range(0, T, k):
        if start > 0:
            state = detach_state(state)
        out, state = rnn(x[:, start : start + k], state)
        outputs.append(out)
    return torch.cat(outputs, dim=1), state


def saved_tensor_bytes(fn: Callable[[], Any]) -> tuple[Any, int]:
    """Call ``fn()`` and count the bytes of the tensors autograd saves for backward.

    Each distinct storage is counted once (a tensor saved by two operations is one
    buffer in memory). Parameters are counted too if an operation saves them; they do
    not grow with T.

    Returns
    -------
    result : whatever ``fn`` returns
    nbytes : int
    """
    import torch

    seen: dict[tuple[int, int], int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        storage = t.untyped_storage()
        seen[(storage.data_ptr(), t.device.index or 0)] = storage.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        result = fn()
    return result, int(sum(seen.values()))
