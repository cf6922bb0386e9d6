"""Character n-gram language models: the baselines of the character-level LSTM.

``NGram(order=1)`` is the unigram (character frequencies), ``order=2`` the bigram, and
higher orders condition on the ``order - 1`` previous characters. Every order is
smoothed by *interpolated absolute discounting* (Ney, Essen & Kneser, 1994)::

    p_n(w | h) = max(c(h w) - d, 0) / c(h)  +  d * N1+(h ·) / c(h) * p_{n-1}(w | h')

where ``h'`` drops the oldest character of ``h``, ``N1+(h ·)`` counts the distinct
characters seen after ``h``, and an unseen context falls back to ``p_{n-1}`` entirely.
The recursion ends in the add-one (Laplace) unigram, so no character has probability 0.
Counting and scoring are vectorised with sorted integer keys (base-V digits of the
context), so a 5-gram over two million characters takes about a second.

Defined for ``book/applications/language_model.ipynb``.
"""

from __future__ import annotations

import numpy as np

from lstmbook._checks import check_positive_int

__all__ = ["NGram"]


def _keys(ids: np.ndarray, n: int, V: int) -> np.ndarray:
    """Integer key of every length-n window ``ids[t-n+1 .. t]``, for t = n-1 .. N-1."""
    N = len(ids)
    key = np.zeros(N - n + 1, dtype=np.int64)
    for j in range(n):
        key = key * V + ids[j : N - n + 1 + j]
    return key


class NGram:
    """Character n-gram model with interpolated absolute discounting.

    Parameters
    ----------
    order : int
        n >= 1 (1: unigram, 2: bigram, ...); at most 9 so keys fit in int64 for V <= 97.
    vocab_size : int
        V; ids must be in [0, V).
    discount : float in (0, 1)
        d, subtracted from every seen count and given to the lower order (d = 0 would
        give unseen characters probability 0 after a seen context).
    """

    def __init__(self, order: int, vocab_size: int, discount: float = 0.75) -> None:
        self.order = check_positive_int(order, "order")
        self.vocab_size = check_positive_int(vocab_size, "vocab_size")
        if self.vocab_size ** self.order >= 2**62:
            raise ValueError(f"order {order} with vocab_size {vocab_size} overflows int64 keys")
        if not 0.0 < discount < 1.0:
            raise ValueError(f"discount must be in (0, 1), got {discount}")
        self.discount = float(discount)
        self._tables: list[dict[str, np.ndarray]] = []

    def __repr__(self) -> str:
        return f"NGram(order={self.order}, vocab_size={self.vocab_size}, discount={self.discount})"

    def _check_ids(self, ids) -> np.ndarray:
        ids = np.asarray(ids)
        if ids.ndim != 1 or ids.dtype.kind not in "iu":
            raise ValueError(f"NGram: expected a 1-D array of int ids, got {ids.dtype} {ids.shape}")
        if ids.size and (ids.min() < 0 or ids.max() >= self.vocab_size):
            raise ValueError(f"NGram: ids must be in [0, {self.vocab_size})")
        return ids.astype(np.int64)

    def fit(self, ids) -> NGram:
        """Count every n-gram of order 1 .. ``order`` in the training ids; returns self."""
        ids = self._check_ids(ids)
        V = self.vocab_size
        self._unigram = (np.bincount(ids, minlength=V) + 1.0) / (len(ids) + V)
        self._tables = []
        for n in range(2, self.order + 1):
            full, counts = np.unique(_keys(ids, n, V), return_counts=True)
            ctx = full // V  # the context h of each (h, w)
            ctx_keys, first = np.unique(ctx, return_index=True)
            totals = np.add.reduceat(counts, first)
            followers = np.diff(np.append(first, len(full)))
            self._tables.append(dict(full=full, counts=counts, ctx=ctx_keys, totals=totals,
                                     followers=followers))
        return self

    def with_order(self, order: int) -> NGram:
        """The fitted model cut down to a lower ``order`` (shares the counts: no refit)."""
        if not 1 <= order <= self.order:
            raise ValueError(f"with_order: order must be in [1, {self.order}], got {order}")
        small = NGram(order, self.vocab_size, self.discount)
        small._unigram, small._tables = self._unigram, self._tables[: order - 1]
        return small

    def _lookup(self, table: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pos = np.clip(np.searchsorted(table, keys), 0, len(table) - 1)
        return pos, table[pos] == keys

    def log_probs(self, ids) -> np.ndarray:
        """``log p(x_t | x_{t-n+1} .. x_{t-1})`` for t = 1 .. N-1 (every character but the
        first; near the start, shorter contexts are used), natural log, shape (N-1,)."""
        if not hasattr(self, "_unigram"):
            raise RuntimeError("NGram.log_probs called before fit")
        ids = self._check_ids(ids)
        if len(ids) < 2:
            raise ValueError("NGram.log_probs: need at least 2 ids")
        V, d = self.vocab_size, self.discount
        targets = ids[1:]
        p = self._unigram[targets]
        for n, tab in enumerate(self._tables, start=2):
            if n > len(ids):  # too short for this order: keep the lower one
                break
            # windows ending at t = n-1 .. N-1, i.e. targets index n-2 ..
            full = _keys(ids, n, V)
            pos_c, seen_c = self._lookup(tab["ctx"], full // V)
            pos_f, seen_f = self._lookup(tab["full"], full)
            c_hw = np.where(seen_f, tab["counts"][pos_f], 0)
            c_h = np.where(seen_c, tab["totals"][pos_c], 1)
            n1 = np.where(seen_c, tab["followers"][pos_c], 0)
            lower = p[n - 2 :]
            higher = np.maximum(c_hw - d, 0) / c_h + d * n1 / c_h * lower
            p = np.concatenate([p[: n - 2], np.where(seen_c, higher, lower)])
        return np.log(p)

    def bits_per_char(self, ids) -> float:
        """Mean ``-log2 p`` over every character of ``ids`` but the first."""
        return float(-self.log_probs(ids).mean() / np.log(2))

    def probs(self, context) -> np.ndarray:
        """The distribution (V,) of the character after ``context`` (ids)."""
        ctx = self._check_ids(context)
        if self.order == 1 or len(ctx) == 0:
            return self._unigram.copy()
        ctx = ctx[-(self.order - 1) :]
        out = np.empty(self.vocab_size)
        for w in range(self.vocab_size):
            out[w] = np.exp(self.log_probs(np.append(ctx, w))[-1])
        return out
