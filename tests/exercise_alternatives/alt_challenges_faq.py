"""Right answers written another way: the challenges and FAQ chapters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def _tensor(x: float) -> Any:
    import torch

    return torch.tensor(x, dtype=torch.float64)


def _soft_targets_as_list() -> list[float]:
    # exp(z/τ) normalised by hand, as a plain list
    z = [4.0, 1.0, 0.5, -2.0]
    e = [float(np.exp(v / 4.0)) for v in z]
    return [v / sum(e) for v in e]


def _cross_entropy_by_hand() -> float:
    # α = 0 leaves the cross-entropy with the labels: mean of log-sum-exp minus the true logit
    s = np.array([[2.0, 0.0, -1.0], [0.5, 1.5, 0.0]])
    y = [0, 2]
    return float(np.mean([np.log(np.exp(r).sum()) - r[k] for r, k in zip(s, y, strict=True)]))


def _forward_fill_loop(x):
    # a plain loop over sequences, features and steps, on a copy
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    N, T, F = x.shape
    for n in range(N):
        for f in range(F):
            last = 0.0
            for t in range(T):
                if not np.isnan(x[n, t, f]):
                    last = x[n, t, f]
                out[n, t, f] = last
    return out


def _wavefront_rounds() -> int:
    # the last layer starts in round L and needs T rounds
    T, L = 100, 3
    return L + T - 1


ALTERNATIVES: dict[str, Callable[[], Any]] = {
    # cost
    "cost-1": lambda: np.int64(4 * (32 * 16 + 32 * 32 + 64) + 4 * (32 * 32 + 32 * 32 + 64)),
    "cost-2": lambda: "3.93216e7",  # typed in scientific notation
    "cost-3": lambda: _tensor(4 * 50 * 4 * (3 + 4 * 16 + 16) + 4 * 51 * 4 * 16 * 2),
    # compression
    "compression-1": lambda: np.float32(0.8) / np.float32(254),
    "compression-2": lambda: 1024 * 256 * 2 + 10 * 256 + 4 * (2 * 1024 + 10) * 2,
    "compression-3": lambda: " Precision ",
    # distillation
    "distillation-1": _soft_targets_as_list,
    "distillation-2": _cross_entropy_by_hand,
    "distillation-3": lambda: "29.42",
    # distributed
    "distributed-1": lambda: _tensor(256 / 8),
    "distributed-2": lambda: "6e6",
    "distributed-3": lambda: "'Gradients'",
    # interpretation
    "interpretation-1": lambda: np.float32(0.5 * 1 + (-1.0) * 1 + 2.0 * 2),
    "interpretation-2": lambda: "0.2368",
    "interpretation-3": lambda: "DIFFERENT",
    # transformers
    "transformers-1": lambda: _tensor(2 * 128 + 512),
    "transformers-2": _wavefront_rounds,
    "transformers-3": lambda: "Attention",
    # FAQ
    "faq-basics-1": lambda: np.int32(4 * 20 * (10 + 20 + 2)),
    "faq-basics-2": lambda: _tensor(2 * 8 * 16),
    "faq-basics-3": lambda: int(np.ceil((-198 + np.sqrt(198**2 + 12 * 33280)) / 6)),
    "faq-training-1": lambda: float(np.exp(-50 * np.log1p(np.exp(-2.0)))),
    "faq-training-2": lambda: "12.5%",
    "faq-training-3": lambda: "0.06424",
    "faq-data-1": lambda: _forward_fill_loop,
    "faq-data-2": lambda: 2.117,  # in per cent
    "faq-data-3": lambda: 4 * 128 * (20000 - 64) - 20000 * 64,
}
