"""Metrics of language models: bits per character (比特每字符) and perplexity.

Bits per character is the average number of bits an ideal coder driven by the model
would spend per character: ``-mean(log2 p(x_t | x_<t))``. A uniform guess over V symbols
costs ``log2 V`` (6.6 bits for the book's 97 symbols); a perfect model costs 0.
Defined for ``book/applications/language_model.ipynb``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["bits_per_char", "bits_from_log_probs", "perplexity", "uniform_bits"]


def bits_from_log_probs(log_probs: np.ndarray) -> float:
    """Mean of ``-log2 p`` given natural-log probabilities ``log p`` of the true symbols."""
    lp = np.asarray(log_probs, dtype=float)
    if lp.size == 0:
        raise ValueError("bits_from_log_probs: no log-probabilities given")
    if np.any(lp > 1e-12) or not np.all(np.isfinite(lp)):
        raise ValueError("bits_from_log_probs: log-probabilities must be finite and <= 0")
    return float(-lp.mean() / np.log(2))


def bits_per_char(probs: np.ndarray, targets: np.ndarray) -> float:
    """Bits per character of predicted distributions.

    Parameters
    ----------
    probs : ndarray (N, V)
        Each row a distribution over the vocabulary (rows sum to 1).
    targets : ndarray (N,) of ints
        The characters that came.
    """
    probs, targets = np.asarray(probs, dtype=float), np.asarray(targets)
    if probs.ndim != 2 or targets.shape != probs.shape[:1]:
        raise ValueError(
            f"bits_per_char: expected probs (N, V) and targets (N,), got {probs.shape} and "
            f"{targets.shape}"
        )
    if not np.allclose(probs.sum(axis=1), 1.0, atol=1e-6):
        raise ValueError("bits_per_char: every row of probs must sum to 1")
    p = probs[np.arange(len(targets)), targets]
    if np.any(p <= 0):
        raise ValueError("bits_per_char: a target has probability 0 (infinitely many bits)")
    return bits_from_log_probs(np.log(p))


def perplexity(bits: float) -> float:
    """Per-character perplexity ``2 ** bits``: the number of equally likely choices the
    model is as unsure as."""
    return float(2.0 ** bits)


def uniform_bits(vocab_size: int) -> float:
    """Bits per character of the uniform guess over ``vocab_size`` symbols, ``log2 V``."""
    if vocab_size < 1:
        raise ValueError(f"vocab_size must be >= 1, got {vocab_size}")
    return float(np.log2(vocab_size))
