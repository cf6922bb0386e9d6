"""Exercises of the spoken-commands page (book/applications/speech_commands.ipynb)."""

from __future__ import annotations

import numpy as np

from ._core import WrongAnswer, register
from .compare import Mistake, compare_function, compare_number

PAGE = "applications/speech_commands"

# --------------------------------------------------------- 1: frames in a one-second clip
_FRAMES = 1 + 16_000 // 160  # librosa's centred frames: one at every hop, both ends included

_FRAME_MISTAKES = [
    (100.0, "100 = 16000 / 160 leaves out one frame: with centred frames, frame 0 sits on "
            "sample 0 and frame 100 on sample 16000, so there are 101."),
    (98.0, "98 = 1 + (16000 − 400) // 160 counts only windows that fit inside the clip; "
           "librosa pads half a window at each end (center=True), so every hop gets a frame."),
    (40.0, "40 = 16000 / 400 treats the windows as side by side; they overlap, starting "
           "every 160 samples (10 ms), not every 400."),
]

register(
    "speech_commands-1",
    title="How many MFCC frames does a one-second clip give?",
    page=PAGE,
    kind="number",
    checker=lambda a: compare_number(a, _FRAMES, mistakes=_FRAME_MISTAKES),
    reference=lambda: _FRAMES,
    wrong_answers=lambda: [
        WrongAnswer(100, says="leaves out one frame", label="16000 / 160"),
        WrongAnswer(98, says="fit inside the clip", label="no padding"),
        WrongAnswer(40, says="side by side", label="16000 / 400"),
    ],
)

# ----------------------------------------------------------- 2: noise for a given SNR
_RMS, _SNR = 0.1, 10.0


def _sigma() -> float:
    return _RMS / 10 ** (_SNR / 20)


_SIGMA_MISTAKES = [
    (_RMS / 10 ** (_SNR / 10), "That divides the amplitude by the power ratio 10^(SNR/10); "
                               "amplitudes scale with the square root of power, so divide "
                               "by 10^(SNR/20) = √10."),
    (_RMS ** 2 / 10 ** (_SNR / 10), "That is the noise's power (its variance σ²), "
                                    "0.1² / 10; the standard deviation is its square root."),
    (10 ** (-_SNR / 20), "That is the amplitude ratio 10^(−SNR/20) alone: multiply it by the "
                         "word's RMS, 0.1."),
]

register(
    "speech_commands-2",
    title="The noise's standard deviation for an SNR of 10 dB",
    page=PAGE,
    kind="number",
    checker=lambda a: compare_number(a, _sigma(), rtol=1e-6, mistakes=_SIGMA_MISTAKES),
    reference=_sigma,
    wrong_answers=lambda: [
        WrongAnswer(0.01, says="power ratio 10^(snr/10)", label="divided by 10"),
        WrongAnswer(0.001, says="its variance", label="the variance"),
        WrongAnswer(float(10 ** -0.5), says="ratio 10^(−snr/20) alone", label="ratio only"),
    ],
)

# ------------------------------------------------------------ 3: rising crossings


def _rising(p, threshold):
    above = np.asarray(p, dtype=float) > threshold
    return np.flatnonzero(above & ~np.concatenate([[False], above[:-1]]))


def _cases() -> list:
    rng = np.random.default_rng(3)
    smooth = np.convolve(rng.random(120), np.ones(6) / 6, mode="same")
    starts_high = np.r_[0.9, 0.9, 0.2, 0.7, 0.5, 0.5, 0.8, 0.1]  # above at t = 0; ties at 0.5
    return [((smooth, 0.55), _rising(smooth, 0.55)),
            ((starts_high, 0.5), _rising(starts_high, 0.5))]


def _all_above(p, threshold):
    return np.flatnonzero(np.asarray(p) > threshold)


def _one_early(p, threshold):
    return _rising(p, threshold) - 1


def _at_or_above(p, threshold):
    above = np.asarray(p) >= threshold
    return np.flatnonzero(above & ~np.concatenate([[False], above[:-1]]))


def _not_at_start(p, threshold):
    above = np.asarray(p) > threshold
    return np.flatnonzero(above[1:] & ~above[:-1]) + 1


_RISING_MISTAKES = [
    Mistake(_all_above, "You returned every frame above the threshold; a crossing is a frame "
                        "above it whose previous frame was not."),
    Mistake(_one_early, "Your frames are one early (an off-by-one in time): you returned the "
                        "frame before each crossing; return t where p[t] > threshold."),
    Mistake(_at_or_above, "You counted p == threshold as above it; a crossing needs "
                          "p[t] > threshold (strictly)."),
    Mistake(_not_at_start, "You missed the crossing at t = 0: a posterior that starts above "
                           "the threshold counts, as if p[-1] were below it."),
]

register(
    "speech_commands-3",
    title="The frames where a posterior rises above a threshold",
    page=PAGE,
    kind="function",
    checker=lambda fn: compare_function(fn, _cases(), names=("frames",),
                                        mistakes=_RISING_MISTAKES),
    reference=lambda: _rising,
    wrong_answers=lambda: [
        WrongAnswer(_all_above, says="every frame above", label="all frames above"),
        WrongAnswer(_one_early, says="one early", label="t - 1"),
        WrongAnswer(_at_or_above, says="p == threshold", label=">= instead of >"),
        WrongAnswer(_not_at_start, says="crossing at t = 0", label="t = 0 missed"),
    ],
)
