"""Keyword spotting on a stream (关键词检测): a trained classifier run frame by frame.

A :class:`~lstmbook.torch.models.RecurrentNet` trained on one-second clips reads its
last hidden state. On a stream there is no "last": the same LSTM runs on, carrying its
state ``(h, c)`` from one chunk of frames to the next, and its read-out gives a posterior
over the labels at every frame. A keyword is *detected* when its posterior rises above a
threshold; moving the threshold trades detections against false alarms.

* :func:`stream_posteriors` -- per-frame label probabilities, chunk by chunk with the state
  carried (the same numbers as one pass over the whole stream; a test checks it);
* :func:`detect` -- threshold crossings, with a refractory time;
* :func:`score_detections` -- hits, misses and false alarms against the spoken words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["Detection", "StreamScore", "detect", "score_detections", "stream_posteriors"]


@torch.no_grad()
def stream_posteriors(model: torch.nn.Module, frames: np.ndarray, *,
                      chunk: int | None = None) -> np.ndarray:
    """Label probabilities at every frame of a stream.

    Parameters
    ----------
    model : RecurrentNet
        Uses its recurrent layer ``model.rnn`` and read-out ``model.head`` (and its input
        projection, if it has one) at every step.
    frames : (T, I) array
        The stream's features, normalised as in training.
    chunk : int, optional
        Feed this many frames at a time, carrying the state between chunks, as a device
        listening to a microphone would; ``None`` runs the stream in one pass.

    Returns
    -------
    (T, C) array of probabilities
    """
    frames = np.asarray(frames, dtype=np.float32)
    if frames.ndim != 2:
        raise ValueError(f"frames must be (T, I), got shape {frames.shape}")
    if not np.all(np.isfinite(frames)):
        raise ValueError("frames contain NaN or infinity")
    if chunk is not None and chunk < 1:
        raise ValueError(f"chunk must be a positive number of frames, got {chunk}")
    model.eval()
    x = torch.from_numpy(frames)[None]  # (1, T, I)
    step = chunk or x.shape[1]
    state, out = None, []
    for start in range(0, x.shape[1], step):
        part = x[:, start:start + step]
        if getattr(model, "project", None) is not None:
            part = model.project(part)
        hs, state = model.rnn(part, state)
        out.append(torch.softmax(model.head(hs), dim=-1)[0])
    return torch.cat(out).double().numpy()


@dataclass(frozen=True)
class Detection:
    """A keyword detected at ``frame`` (its posterior crossed the threshold)."""

    frame: int
    label: int
    score: float


def detect(posteriors: np.ndarray, threshold: float, labels: Sequence[int], *,
           refractory: int = 50) -> list[Detection]:
    """Frames where the posterior of one of ``labels`` rises above ``threshold``.

    After a detection of a label, that label is not detected again for ``refractory``
    frames (0.5 s at 100 frames per second).
    """
    posteriors = np.asarray(posteriors)
    if posteriors.ndim != 2:
        raise ValueError(f"posteriors must be (T, C), got shape {posteriors.shape}")
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must lie in (0, 1), got {threshold}")
    found: list[Detection] = []
    for label in labels:
        p = posteriors[:, label]
        above = p > threshold
        rising = np.flatnonzero(above & ~np.concatenate([[False], above[:-1]]))
        last = -refractory - 1
        for t in rising:
            if t - last > refractory:
                found.append(Detection(int(t), int(label), float(p[t])))
                last = t
    return sorted(found, key=lambda d: d.frame)


@dataclass(frozen=True)
class StreamScore:
    """Hits, misses and false alarms of a stream, and the rates they make."""

    hits: int
    misses: int
    false_alarms: int
    hours: float

    @property
    def detection_rate(self) -> float:
        return self.hits / max(self.hits + self.misses, 1)

    @property
    def false_alarms_per_hour(self) -> float:
        return self.false_alarms / self.hours


def score_detections(detections: Sequence[Detection],
                     events: Sequence[tuple[int, int, int]], *, n_frames: int,
                     frames_per_second: int = 100, late: int = 80) -> StreamScore:
    """Score detections against the spoken keywords.

    ``events`` holds ``(start_frame, end_frame, label)`` of every keyword spoken. A detection
    of the right label between the word's start and ``late`` frames after its end is a hit
    (each word is hit at most once); every other detection is a false alarm.
    """
    used = [False] * len(events)
    hits = false_alarms = 0
    for d in detections:
        for k, (start, end, label) in enumerate(events):
            if not used[k] and label == d.label and start <= d.frame <= end + late:
                used[k] = True
                hits += 1
                break
        else:
            false_alarms += 1
    return StreamScore(hits, len(events) - hits, false_alarms,
                       n_frames / frames_per_second / 3600)
