"""Template matching by dynamic time warping (DTW): the spoken-word baseline before learning.

Isolated-word recognisers of the 1970s and 80s (Sakoe & Chiba, 1978) kept a few recorded
examples of each word, *templates*, and labelled a new recording with the word of the
template it could be warped onto most cheaply. This module does the same over MFCC
frames, with the three steps such a recogniser needs to be fair to it:

1. cut each clip to its **voiced stretch** (frames within ``drop_db`` of the loudest), so
   that silence around the word is not matched;
2. **normalise each clip's coefficients** (cepstral mean and variance normalisation,
   CMVN) and drop c0, the log energy, so that loudness and channel do not count;
3. compare by DTW with steps (1, 1), (1, 0), (0, 1) and divide the accumulated cost by
   ``len(a) + len(b)``, so that short and long templates compete on equal terms.

The warping itself is librosa's (:func:`librosa.sequence.dtw`).

Defined for ``book/applications/speech_commands.ipynb``.
"""

from __future__ import annotations

import numpy as np

from lstmbook._checks import check_positive_int

__all__ = ["voiced_stretch", "cmvn", "dtw_cost", "TemplateMatcher"]


def _check_frames(frames: np.ndarray, name: str = "frames") -> np.ndarray:
    frames = np.asarray(frames, dtype=np.float64)
    if frames.ndim != 2 or len(frames) == 0:
        raise ValueError(f"{name} must be (frames, coefficients), got shape {frames.shape}")
    if not np.all(np.isfinite(frames)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return frames


def voiced_stretch(frames: np.ndarray, drop_db: float = 30.0) -> np.ndarray:
    """The frames from the first to the last whose c0 lies within ``drop_db`` of the
    clip's largest c0 (c0 of librosa's MFCC is log energy in dB): the word without the
    silence around it. ``frames`` is (T, C); returns (T', C) with T' <= T."""
    frames = _check_frames(frames)
    c0 = frames[:, 0]
    loud = np.flatnonzero(c0 >= c0.max() - drop_db)
    return frames[loud[0]: loud[-1] + 1]


def cmvn(frames: np.ndarray) -> np.ndarray:
    """Cepstral mean and variance normalisation: each coefficient of one clip shifted to
    mean 0 and scaled to standard deviation 1 over the clip's frames. (T, C) -> (T, C)."""
    frames = _check_frames(frames)
    return (frames - frames.mean(0)) / (frames.std(0) + 1e-6)


def dtw_cost(a: np.ndarray, b: np.ndarray) -> float:
    """Cost of the cheapest monotone alignment of ``a`` (Ta, C) with ``b``
    (Tb, C): Euclidean frame distances summed along the warping path, divided by
    ``Ta + Tb``."""
    import librosa

    a, b = _check_frames(a, "a"), _check_frames(b, "b")
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"a has {a.shape[1]} coefficients per frame, b has {b.shape[1]}"
        )
    D = librosa.sequence.dtw(X=a.T, Y=b.T, metric="euclidean", backtrack=False)
    return float(D[-1, -1]) / (len(a) + len(b))


class TemplateMatcher:
    """1-nearest-neighbour classification of clips by DTW cost to stored templates.

    Parameters
    ----------
    per_label : int
        Templates kept per label, drawn at random from the training clips.
    drop_db : float
        See :func:`voiced_stretch`.
    seed : int
        Seed of the draw.

    Examples
    --------
    >>> matcher = TemplateMatcher(per_label=32).fit(train_frames, train_labels)
    >>> matcher.predict(test_frames)          # (N,) labels
    """

    def __init__(self, per_label: int = 32, drop_db: float = 30.0, seed: int = 0) -> None:
        self.per_label = check_positive_int(per_label, "per_label")
        self.drop_db = float(drop_db)
        self.seed = seed
        self.templates: list[tuple[int, np.ndarray]] = []

    def features(self, frames: np.ndarray) -> np.ndarray:
        """(T, 13) MFCC of a clip -> its voiced stretch, normalised, no c0."""
        return cmvn(voiced_stretch(frames, self.drop_db))[:, 1:]

    def fit(self, clips: np.ndarray, labels: np.ndarray) -> TemplateMatcher:
        """Keep ``per_label`` random clips of each label. ``clips`` (N, T, 13) MFCC."""
        labels = np.asarray(labels)
        if len(clips) != len(labels):
            raise ValueError(f"{len(clips)} clips but {len(labels)} labels")
        rng = np.random.default_rng(self.seed)
        self.templates = []
        for label in np.unique(labels):
            members = np.flatnonzero(labels == label)
            take = min(self.per_label, len(members))
            for k in rng.choice(members, size=take, replace=False):
                self.templates.append((int(label), self.features(clips[k])))
        return self

    def predict_one(self, frames: np.ndarray) -> int:
        """Label of the template with the lowest DTW cost to one clip (T, 13)."""
        if not self.templates:
            raise RuntimeError("TemplateMatcher has no templates: call fit first")
        query = self.features(frames)
        return min((dtw_cost(tpl, query), label) for label, tpl in self.templates)[1]

    def predict(self, clips: np.ndarray) -> np.ndarray:
        """(N,) labels of clips (N, T, 13)."""
        return np.array([self.predict_one(f) for f in clips])
