"""Right answers written another way: the application pages (digits, evaluation,
forecasting, language model, padding, translation)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def _typed(exercise_id: str, figures: int) -> str:
    """The reference as a learner types it: a string with ``figures`` significant figures."""
    from lstmbook.exercises import solution

    return f"{float(solution(exercise_id)):.{figures}g}"


def _recall_loop(counts):
    """Per-class recall with a Python loop over rows (lists in, a list out)."""
    rows = np.asarray(counts).tolist()
    return [row[i] / sum(row) for i, row in enumerate(rows)]


def _drift_loop(history, horizon):
    """Drift as a loop that extends the line one slope at a time."""
    y = list(np.asarray(history, dtype=float))
    slope = (y[-1] - y[0]) / (len(y) - 1)
    out, last = [], y[-1]
    for _ in range(horizon):
        last += slope
        out.append(last)
    return out


def _tempered_power(logits, temperature):
    """softmax(z)^(1/τ), normalised again: the same distribution as softmax(z/τ)."""
    import torch

    p = torch.softmax(torch.as_tensor(logits, dtype=torch.float64), dim=-1)
    q = p ** (1.0 / temperature)
    return q / q.sum()


def _mask_loop(lengths, T):
    out = np.zeros((len(lengths), T))
    for b, n in enumerate(lengths):
        out[b, :n] = 1
    return out


def _beam_topk(scores, log_probs):
    """torch.topk on the flattened table, beam and token by integer division."""
    import torch

    total = torch.as_tensor(scores)[:, None] + torch.as_tensor(log_probs)
    best, flat = total.flatten().topk(len(scores))
    V = total.shape[1]
    return best, flat // V, flat % V


def _coverage_percent(exercise_id: str) -> float:
    from lstmbook.exercises import solution

    return round(100 * float(solution(exercise_id)), 2)  # "87.5 (per cent)"


def _tensor(exercise_id: str):
    import torch

    from lstmbook.exercises import solution

    return torch.tensor(float(solution(exercise_id)), dtype=torch.float32)


ALTERNATIVES: dict[str, Callable[[], Any]] = {
    "digits-1": lambda: "90%",
    "digits-2": lambda: np.int64(2 * (4 * 64 * 1 + 4 * 64 * 64 + 8 * 64) + 2 * 64 * 10 + 10),
    "digits-3": lambda: _recall_loop,
    "evaluation-1": lambda: _typed("evaluation-1", 3),
    "evaluation-2": lambda: _drift_loop,
    "evaluation-3": lambda: " Persistence ",
    "evaluation-4": lambda: _coverage_percent("evaluation-4"),
    "forecasting-1": lambda: _tensor("forecasting-1"),
    "forecasting-2": lambda: _coverage_percent("forecasting-2"),
    "forecasting-3": lambda: np.float32(1 - 0.95**9),
    "language_model-1": lambda: _typed("language_model-1", 4),
    "language_model-2": lambda: _tempered_power,
    "language_model-3": lambda: "-0.600",
    "language_model-4": lambda: "B",
    "padding-1": lambda: "42.2%",
    "padding-2": lambda: _mask_loop,
    "padding-3": lambda: "'post'",
    "translation-1": lambda: "貳億零肆萬零柒",
    "translation-2": lambda: np.array(3 * 64**2 + 64),
    "translation-3": lambda: _beam_topk,
}
