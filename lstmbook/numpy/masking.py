"""Batches of sequences of different lengths: padding (填充) and its mask (掩码).

``pad_sequences`` stacks sequences into one (B, T, I) array, adding ``value`` after
(``side="post"``) or before (``side="pre"``) the real steps; the returned lengths go to
``LSTM.forward(x, lengths=...)``, which then leaves padded steps out of the state, the
output and the gradients. Defined for ``book/applications/padding.ipynb``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["pad_sequences", "length_mask", "last_values_task"]


def pad_sequences(
    seqs: Sequence[np.ndarray], *, side: str = "post", value: float = 0.0, length: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Stack sequences of shapes (T_b, I) into one batch-first array.

    Parameters
    ----------
    seqs : sequence of ndarray (T_b, I), same I and dtype
    side : {'post', 'pre'}
        Padding after the real steps (the real steps start at t = 0) or before them.
    value : float
        What padded steps hold.
    length : int, optional
        T; the longest sequence by default.

    Returns
    -------
    x : ndarray (B, T, I)
    lengths : ndarray (B,) int64
    """
    if side not in ("post", "pre"):
        raise ValueError(f"side must be 'post' or 'pre', got {side!r}")
    if len(seqs) == 0:
        raise ValueError("pad_sequences: no sequences given")
    arrs = [np.asarray(s) for s in seqs]
    if any(a.ndim != 2 for a in arrs) or len({a.shape[1] for a in arrs}) != 1:
        raise ValueError("pad_sequences: every sequence must be 2-D (T_b, I) with the same I, "
                         f"got shapes {[a.shape for a in arrs][:5]}")
    lengths = np.array([len(a) for a in arrs], dtype=np.int64)
    if lengths.min() < 1:
        raise ValueError("pad_sequences: a sequence is empty")
    T = int(lengths.max()) if length is None else int(length)
    if T < lengths.max():
        raise ValueError(f"pad_sequences: length {T} is shorter than the longest sequence "
                         f"({lengths.max()})")
    x = np.full((len(arrs), T, arrs[0].shape[1]), value, dtype=arrs[0].dtype)
    for b, a in enumerate(arrs):
        if side == "post":
            x[b, : len(a)] = a
        else:
            x[b, T - len(a) :] = a
    return x, lengths


def length_mask(lengths: np.ndarray, T: int) -> np.ndarray:
    """(B, T) bool, True at the real steps ``t < lengths[b]`` of post-padded sequences."""
    lengths = np.asarray(lengths)
    return np.arange(T)[None, :] < lengths[:, None]


def last_values_task(
    n: int, *, min_len: int = 5, max_len: int = 40, seed: int = 0
) -> tuple[list[np.ndarray], np.ndarray]:
    """Sequences of different lengths whose class lives at their *end*.

    Each sequence has a length drawn from [min_len, max_len] and values ~ U(-1, 1); its
    class is 1 when the mean of its last three values is positive. An LSTM that reads
    post-padding zeros after the real steps must carry the answer across them.

    Returns
    -------
    seqs : list of n arrays (T_b, 1) float32
    y : ndarray (n,) int64
    """
    rng = np.random.default_rng(seed)
    lengths = rng.integers(min_len, max_len + 1, n)
    seqs = [rng.uniform(-1, 1, (int(t), 1)).astype(np.float32) for t in lengths]
    y = np.array([int(s[-3:].mean() > 0) for s in seqs], dtype=np.int64)
    return seqs, y
