"""Right answers written another way: the CTC speech page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def _greedy_torch(probs):
    """torch.unique_consecutive on the best path, then the blanks (0) removed; a tensor out."""
    import torch

    runs = torch.unique_consecutive(torch.as_tensor(probs).argmax(dim=1))
    return runs[runs != 0]


def _frames_loop() -> int:
    """Walk the target: a frame per digit, and one more before a digit equal to the last."""
    frames, last = 0, None
    for d in (5, 5, 5, 0, 1, 1, 9):
        frames += 2 if d == last else 1
        last = d
    return frames


ALTERNATIVES: dict[str, Callable[[], Any]] = {
    "speech_ctc-1": lambda: _greedy_torch,
    "speech_ctc-2": lambda: "40%",
    "speech_ctc-3": lambda: np.int32(_frames_loop()),
}
