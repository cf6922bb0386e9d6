"""Right answers written another way: the speech-commands page."""

import numpy as np


def _rising_loop(p, threshold):
    frames, before = [], False
    for t, value in enumerate(p):
        now = value > threshold
        if now and not before:
            frames.append(t)
        before = now
    return frames


ALTERNATIVES = {
    "speech_commands-1": lambda: np.int64(101),
    "speech_commands-2": lambda: "0.0316",
    "speech_commands-3": lambda: _rising_loop,
}
