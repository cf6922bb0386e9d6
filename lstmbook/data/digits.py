"""scikit-learn's 8×8 handwritten digits as sequences: rows, pixels, or intensity levels.

The 1797 images of ``sklearn.datasets.load_digits`` ship with scikit-learn (nothing is
downloaded). Each pixel is an integer 0–16 (the count of "on" pixels in a 4×4 block of
the original 32×32 bitmap). Shown in ``book/applications/digits.ipynb``; the one loader
of the book's digit pages.

* :func:`digit_split` -- the fixed, stratified train / test split, images in [0, 1]
  (also used by the Challenges chapter's compression and distillation pages);
  :func:`validation_split` holds out part of the training split for early stopping;
* :func:`as_rows` (N, 8, 8): eight steps of one row each; :func:`as_pixels` (N, 64, 1):
  sixty-four steps of one pixel each; :func:`as_flat` (N, 64) for a feed-forward network;
* :func:`to_levels` / :func:`from_levels`: the 17 integer intensities a generator predicts.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lstmbook._checks import check_finite

__all__ = [
    "LEVELS",
    "SIDE",
    "N_CLASSES",
    "digit_images",
    "digit_split",
    "validation_split",
    "as_rows",
    "as_pixels",
    "as_flat",
    "to_levels",
    "from_levels",
]

#: Number of intensity levels of a pixel (0, 1, ..., 16).
LEVELS = 17
#: Height and width of an image.
SIDE = 8
#: The ten digits.
N_CLASSES = 10


def digit_images() -> tuple[np.ndarray, np.ndarray]:
    """All 1797 images scaled to [0, 1] (float32, (N, 8, 8)) and their labels (int64, (N,))."""
    from sklearn.datasets import load_digits

    d = load_digits()
    return (d.images / 16.0).astype(np.float32), d.target.astype(np.int64)


def digit_split(
    test_fraction: float = 0.25, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The fixed, stratified train / test split (same ``seed``, same split).

    Parameters
    ----------
    test_fraction : float in (0, 1)
        0.25 gives 1347 training and 450 test images, each digit in proportion (43–46).
    seed : int
        Seed of the split only (not of any training).

    Returns
    -------
    x_train (N, 8, 8) float32 in [0, 1], y_train (N,) int64, x_test, y_test
    """
    from sklearn.model_selection import train_test_split

    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    x, y = digit_images()
    xtr, xte, ytr, yte = train_test_split(
        x, y, test_size=test_fraction, random_state=seed, stratify=y
    )
    return xtr, ytr, xte, yte


def validation_split(
    x: Any, y: Any, fraction: float = 0.15, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hold out a stratified ``fraction`` of a training split for model selection.

    Returns
    -------
    x_fit, y_fit, x_val, y_val
    """
    from sklearn.model_selection import train_test_split

    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must be in (0, 1), got {fraction}")
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"x and y differ in length: {len(x)} and {len(y)}")
    xf, xv, yf, yv = train_test_split(x, y, test_size=fraction, random_state=seed, stratify=y)
    return xf, yf, xv, yv


def _images(images: Any, name: str = "images") -> np.ndarray:
    x = np.asarray(images)
    if x.ndim != 3 or x.shape[1:] != (SIDE, SIDE):
        raise ValueError(f"{name}: expected (N, {SIDE}, {SIDE}) images, got shape {x.shape}")
    check_finite(x, name)
    return x


def as_rows(images: Any) -> np.ndarray:
    """Read row by row: (N, 8, 8) -> (N, T=8, I=8), step t is row t (top to bottom)."""
    return np.ascontiguousarray(_images(images))


def as_pixels(images: Any) -> np.ndarray:
    """Read pixel by pixel in raster order: (N, 8, 8) -> (N, T=64, I=1)."""
    x = _images(images)
    return np.ascontiguousarray(x.reshape(len(x), SIDE * SIDE, 1))


def as_flat(images: Any) -> np.ndarray:
    """All 64 pixels at once, for a feed-forward network: (N, 8, 8) -> (N, 64)."""
    x = _images(images)
    return np.ascontiguousarray(x.reshape(len(x), SIDE * SIDE))


def to_levels(images: Any) -> np.ndarray:
    """Images in [0, 1] -> the integer intensities 0..16 (int64, same shape)."""
    x = np.asarray(images, dtype=np.float64)
    check_finite(x, "images")
    if x.size and (x.min() < 0 or x.max() > 1):
        raise ValueError(f"images must lie in [0, 1], got [{x.min():.3g}, {x.max():.3g}]")
    return np.rint(x * (LEVELS - 1)).astype(np.int64)


def from_levels(levels: Any) -> np.ndarray:
    """Integer intensities 0..16 -> images in [0, 1] (float32, same shape)."""
    k = np.asarray(levels)
    if k.dtype.kind not in "iu":
        raise TypeError(f"levels must be integers, got dtype {k.dtype}")
    if k.size and (k.min() < 0 or k.max() >= LEVELS):
        raise ValueError(f"levels must lie in 0..{LEVELS - 1}, got [{k.min()}, {k.max()}]")
    return (k / (LEVELS - 1)).astype(np.float32)
