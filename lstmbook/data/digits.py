"""scikit-learn's 8×8 handwritten digits as sequences: rows, pixels, or intensity levels.

The 1797 images of ``sklearn.datasets.load_digits`` ship with scikit-learn (nothing is
downloaded). Each pixel is an integer 0–16 (the count of "on" pixels in a 4×4 block of
the original 32×32 bitmap). Shown in ``book/applications/digits.ipynb``; the one loader
of the book's digit pages.

* :func:`digit_split` -- the fixed, stratified train / test split, images in [0, 1]
  (also used by the Challenges chapter's compression and distillation pages), or, with
  ``by="writer_blocks"``, a split by contiguous blocks of the file (see below);
  :func:`validation_split` holds out part of the training split for early stopping;
* :func:`as_rows` (N, 8, 8): eight steps of one row each; :func:`as_pixels` (N, 64, 1):
  sixty-four steps of one pixel each; :func:`as_flat` (N, 64) for a feed-forward network;
* :func:`to_levels` / :func:`from_levels`: the 17 integer intensities a generator predicts.

Writers. scikit-learn's 1797 images are the *test* file of UCI's optdigits, written by 13
people (the 43 writers of optdigits are 30 for its training file and 13 for its test file).
The file gives no writer labels. A random split puts images of every writer on both sides,
so a test score measures new images of familiar hands. ``by="writer_blocks"`` cuts the file
into :data:`WRITER_BLOCKS` contiguous blocks of equal size and keeps whole blocks apart -- a
*proxy* for a split by writer (it is exact only if the file is ordered by writer and the
writers wrote equally many digits, neither of which the file documents).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lstmbook._checks import check_finite

__all__ = [
    "LEVELS",
    "SIDE",
    "N_CLASSES",
    "WRITER_BLOCKS",
    "SPLITS",
    "writer_block_edges",
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
#: Contiguous blocks the file is cut into for ``by="writer_blocks"``: one per writer of
#: scikit-learn's file (a proxy; the writer of each image is not recorded).
WRITER_BLOCKS = 13
#: The ways :func:`digit_split` and :func:`validation_split` can split.
SPLITS = ("random", "writer_blocks")


def writer_block_edges(n: int = 1797, blocks: int = WRITER_BLOCKS) -> np.ndarray:
    """Start of each of ``blocks`` equal contiguous blocks of ``n`` images, and ``n``.

    Returns
    -------
    ndarray (blocks + 1,) int: block ``k`` is ``images[edges[k]:edges[k + 1]]``.
    """
    return np.linspace(0, n, blocks + 1).round().astype(np.int64)


def _check_by(by: str) -> None:
    if by not in SPLITS:
        raise ValueError(f"by must be one of {SPLITS}, got {by!r}")


def _last_blocks(fraction: float, blocks: int) -> int:
    """How many whole blocks of ``blocks`` make about ``fraction`` (at least 1)."""
    return int(min(blocks - 1, max(1, round(fraction * blocks))))


def digit_images() -> tuple[np.ndarray, np.ndarray]:
    """All 1797 images scaled to [0, 1] (float32, (N, 8, 8)) and their labels (int64, (N,))."""
    from sklearn.datasets import load_digits

    d = load_digits()
    return (d.images / 16.0).astype(np.float32), d.target.astype(np.int64)


def digit_split(
    test_fraction: float = 0.25, seed: int = 0, by: str = "random"
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The fixed train / test split (same arguments, same split).

    Parameters
    ----------
    test_fraction : float in (0, 1)
        ``by="random"``: 0.25 gives 1347 training and 450 test images, each digit in
        proportion (43–46). ``by="writer_blocks"``: the test split is the last
        ``round(13 * test_fraction)`` of the :data:`WRITER_BLOCKS` blocks (0.25: 3 blocks,
        415 images), the training split the blocks before them, both in file order.
    seed : int
        Seed of the random split only (not of any training); blocks need none.
    by : {"random", "writer_blocks"}
        Stratified at random (writers on both sides), or by whole blocks of the file (a
        proxy for whole writers; see the module's docstring).

    Returns
    -------
    x_train (N, 8, 8) float32 in [0, 1], y_train (N,) int64, x_test, y_test
    """
    from sklearn.model_selection import train_test_split

    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    _check_by(by)
    x, y = digit_images()
    if by == "writer_blocks":
        cut = writer_block_edges(len(x))[-1 - _last_blocks(test_fraction, WRITER_BLOCKS)]
        return x[:cut], y[:cut], x[cut:], y[cut:]
    xtr, xte, ytr, yte = train_test_split(
        x, y, test_size=test_fraction, random_state=seed, stratify=y
    )
    return xtr, ytr, xte, yte


def validation_split(
    x: Any, y: Any, fraction: float = 0.15, seed: int = 0, by: str = "random"
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hold out a stratified ``fraction`` of a training split for model selection.

    With ``by="writer_blocks"``, ``x`` must be the training split of
    ``digit_split(by="writer_blocks")`` (the first blocks of the file, in order); the
    validation split is its last ``round(fraction * blocks)`` whole blocks (at least one).

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
    _check_by(by)
    if by == "writer_blocks":
        edges = list(writer_block_edges())
        if len(x) not in edges[2:]:
            raise ValueError(f"by='writer_blocks': {len(x)} images are not the first whole "
                             "blocks of the file (use digit_split(by='writer_blocks'))")
        blocks = edges.index(len(x))
        cut = edges[blocks - _last_blocks(fraction, blocks)]
        return x[:cut], y[:cut], x[cut:], y[cut:]
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
