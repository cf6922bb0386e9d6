"""Measures of a binary classifier that outputs P(positive): accuracy, F1, ROC-AUC, and
calibration (reliability bins, expected calibration error).

Every function takes the true labels ``y`` (0/1) and the predicted probabilities ``p`` of
class 1, arrays of the same length. Defined for ``book/applications/sentiment.ipynb``
(scikit-learn's ``f1_score`` and ``roc_auc_score`` give the same numbers; the tests check).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "confusion_counts",
    "accuracy",
    "f1_score",
    "roc_auc",
    "calibration_bins",
    "expected_calibration_error",
]


def _pair(y, p) -> tuple[np.ndarray, np.ndarray]:
    y, p = np.asarray(y).reshape(-1), np.asarray(p, dtype=float).reshape(-1)
    if y.shape != p.shape:
        raise ValueError(f"y has {y.size} labels but p has {p.size} probabilities")
    if y.size == 0:
        raise ValueError("no examples")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("y must hold 0/1 labels")
    return y.astype(int), p


def confusion_counts(y, p, threshold: float = 0.5) -> dict[str, int]:
    """``{"tp", "fp", "fn", "tn"}`` with class 1 predicted where ``p > threshold``."""
    y, p = _pair(y, p)
    pred = p > threshold
    return {"tp": int(np.sum(pred & (y == 1))), "fp": int(np.sum(pred & (y == 0))),
            "fn": int(np.sum(~pred & (y == 1))), "tn": int(np.sum(~pred & (y == 0)))}


def accuracy(y, p, threshold: float = 0.5) -> float:
    """Share of examples whose predicted class (``p > threshold``) is the true one."""
    y, p = _pair(y, p)
    return float(np.mean((p > threshold) == (y == 1)))


def f1_score(y, p, threshold: float = 0.5) -> float:
    """F1 of class 1: ``2 TP / (2 TP + FP + FN)``, the harmonic mean of precision and
    recall (0 when there is no true or predicted positive)."""
    c = confusion_counts(y, p, threshold)
    den = 2 * c["tp"] + c["fp"] + c["fn"]
    return 2 * c["tp"] / den if den else 0.0


def roc_auc(y, p) -> float:
    """Area under the ROC curve: the chance that a random positive gets a higher ``p`` than
    a random negative (ties count one half), from the ranks (Mann-Whitney U)."""
    from scipy.stats import rankdata

    y, p = _pair(y, p)
    n_pos, n_neg = int(y.sum()), int((1 - y).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError("roc_auc needs both classes in y")
    ranks = rankdata(p)
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def calibration_bins(y, p, n_bins: int = 10) -> dict[str, np.ndarray]:
    """Reliability diagram data: ``p`` cut into ``n_bins`` equal-width bins on [0, 1].

    Returns
    -------
    dict of arrays (n_bins,)
        ``mean_p`` (mean predicted probability in the bin), ``frac_pos`` (share of true
        positives in it), ``count``; empty bins hold NaN and count 0.
    """
    y, p = _pair(y, p)
    edges = np.linspace(0, 1, n_bins + 1)
    idx = np.clip(np.digitize(p, edges[1:-1], right=True), 0, n_bins - 1)
    count = np.bincount(idx, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_p = np.bincount(idx, weights=p, minlength=n_bins) / count
        frac = np.bincount(idx, weights=y, minlength=n_bins) / count
    return {"mean_p": mean_p, "frac_pos": frac, "count": count, "edges": edges}


def expected_calibration_error(y, p, n_bins: int = 10) -> float:
    """ECE: the mean over examples of ``|frac_pos - mean_p|`` of their bin (Naeini et al.,
    2015; Guo et al., 2017); 0 for a perfectly calibrated model."""
    b = calibration_bins(y, p, n_bins)
    keep = b["count"] > 0
    gap = np.abs(b["frac_pos"][keep] - b["mean_p"][keep])
    return float(np.sum(b["count"][keep] * gap) / np.sum(b["count"]))
