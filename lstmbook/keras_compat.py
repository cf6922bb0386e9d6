"""Running the source articles' Keras code offline: an MNIST stand-in.

Source 004 of the book trains on ``tf.keras.datasets.mnist.load_data()``, which downloads
11 MB -- and nothing in this book may download anything. :func:`load_mnist_like` returns
digits 0-9 in exactly MNIST's shapes, dtypes and value range, typeset in the fonts that
ship with Matplotlib and distorted at random, so that code written against MNIST runs on
it unchanged (and fails on it in the same way).

Moving weights between a Keras ``LSTM`` layer and the book's LSTMs is
:func:`lstmbook.notation.torch_to_keras` / :func:`lstmbook.notation.keras_to_torch`.
The source snippets fail when run, and the book shows each failure: :func:`shows_error`
and :func:`shows_warnings` print the one line that matters, ``Type: message``, in place of
a forty-line traceback through Keras's and PyTorch's internals.

Nothing here imports Keras.
"""

from __future__ import annotations

import math
import os

import numpy as np

from ._checks import check_positive_int
from .display import Caught, one_line, shows_error, shows_warnings  # noqa: F401

__all__ = ["load_mnist_like", "MNIST_FONTS", "shows_error", "shows_warnings",
           "one_line"]


# ------------------------------------------------------------------------ MNIST stand-in
#: Fonts that ship with Matplotlib (``mpl-data/fonts/ttf``), one "handwriting" each.
MNIST_FONTS = (
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSans-Oblique.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSerif-Bold.ttf",
    "DejaVuSansMono.ttf",
    "STIXGeneral.ttf",
    "cmss10.ttf",
)

_GLYPHS: dict[int, np.ndarray] = {}


def _glyph_bitmaps(res: int = 64, oversample: int = 4) -> np.ndarray:
    """(n_fonts, 10, res, res) grey levels in [0, 1]: each digit of each font, centred, its
    height 0.7 of the box. Rasterised by point-in-polygon tests on an ``oversample``-times
    finer grid (even-odd rule, so the holes of 0, 4, 6, 8, 9 stay open), then averaged."""
    if res in _GLYPHS:
        return _GLYPHS[res]
    import matplotlib
    from matplotlib.font_manager import FontProperties
    from matplotlib.path import Path
    from matplotlib.textpath import TextPath
    from matplotlib.transforms import Affine2D

    font_dir = os.path.join(matplotlib.get_data_path(), "fonts", "ttf")
    n = res * oversample
    rows, cols = np.mgrid[0:n, 0:n]
    points = np.column_stack([(cols.ravel() + 0.5) / n, 1.0 - (rows.ravel() + 0.5) / n])
    out = np.zeros((len(MNIST_FONTS), 10, res, res))
    for f, name in enumerate(MNIST_FONTS):
        prop = FontProperties(fname=os.path.join(font_dir, name))
        for digit in range(10):
            path = TextPath((0, 0), str(digit), size=1, prop=prop)
            lo, hi = path.vertices.min(axis=0), path.vertices.max(axis=0)
            centre = (lo + hi) / 2
            to_box = Affine2D().translate(-centre[0], -centre[1]).scale(0.7 / (hi[1] - lo[1]))
            path = to_box.translate(0.5, 0.5).transform_path(path)
            inside = np.zeros(len(points), dtype=bool)
            for polygon in path.to_polygons(closed_only=True):
                inside ^= Path(polygon).contains_points(points)
            out[f, digit] = inside.reshape(res, oversample, res, oversample).mean(axis=(1, 3))
    _GLYPHS[res] = out
    return out


def _render(
    glyphs: np.ndarray, font: np.ndarray, label: np.ndarray, rng: np.random.Generator, size: int
) -> np.ndarray:
    """Warp each chosen glyph by a random affine map and sample it on a (size, size) grid."""
    n, res = len(label), glyphs.shape[-1]
    angle = np.deg2rad(rng.uniform(-15, 15, n))
    scale = rng.uniform(0.85, 1.1, n)
    shear = rng.uniform(-0.25, 0.25, n)
    shift = rng.uniform(-2.0, 2.0, (n, 2)) / size
    # forward map M = scale * rotation @ shear, applied about the centre; we need M^-1
    cos, sin = np.cos(angle), np.sin(angle)
    m = np.empty((n, 2, 2))
    m[:, 0, 0], m[:, 0, 1] = cos, cos * shear - sin
    m[:, 1, 0], m[:, 1, 1] = sin, sin * shear + cos
    m *= scale[:, None, None]
    inv = np.linalg.inv(m)
    centres = ((np.arange(size) + 0.5) / size - 0.5).astype(np.float32)
    gx = centres[None, None, :] - shift[:, 0, None, None].astype(np.float32)  # (n, 1, size)
    gy = centres[None, :, None] - shift[:, 1, None, None].astype(np.float32)  # (n, size, 1)
    inv = inv.astype(np.float32)[:, :, :, None, None]
    # source point (normalised, x right, y down) -> pixel coordinates of the glyph bitmap
    px = ((inv[:, 0, 0] * gx + inv[:, 0, 1] * gy) + 0.5) * res - 0.5  # (n, size, size)
    py = ((inv[:, 1, 0] * gx + inv[:, 1, 1] * gy) + 0.5) * res - 0.5
    fx, fy = np.floor(px), np.floor(py)
    wx, wy = px - fx, py - fy  # bilinear weights, float32
    x0, y0 = fx.astype(np.int32), fy.astype(np.int32)
    table = glyphs.reshape(-1).astype(np.float32)  # every glyph's pixels, one after another
    # where each image's glyph starts in the table
    base = ((font * 10 + label) * res * res).astype(np.int32)[:, None, None]

    def at(yy: np.ndarray, xx: np.ndarray) -> np.ndarray:
        ok = (xx >= 0) & (xx < res) & (yy >= 0) & (yy < res)
        idx = base + np.clip(yy, 0, res - 1) * res + np.clip(xx, 0, res - 1)
        return np.where(ok, table[idx], np.float32(0.0))

    return (
        at(y0, x0) * (1 - wx) * (1 - wy)
        + at(y0, x0 + 1) * wx * (1 - wy)
        + at(y0 + 1, x0) * (1 - wx) * wy
        + at(y0 + 1, x0 + 1) * wx * wy
    )


def load_mnist_like(
    n_train: int = 6000, n_test: int = 1000, *, seed: int | None = 0, noise: float = 0.05
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Digits shaped like ``keras.datasets.mnist.load_data()``'s, made here, not downloaded.

    Each image is a digit 0-9 typeset in one of the :data:`MNIST_FONTS` (which ship with
    Matplotlib), then rotated (±15°), scaled (0.85-1.1), sheared and shifted (±2 pixels)
    at random, with a little Gaussian noise: light strokes on a dark background, centred
    in a 28 x 28 box like MNIST's. It is easier than MNIST (eight fonts, not thousands of
    hands) but has its shapes, dtypes and value range, so code written for MNIST runs on
    it unchanged -- and fails on it in the same way.

    Parameters
    ----------
    n_train, n_test : int
        Sizes of the two splits (MNIST has 60000 and 10000).
    seed : int or None
        The fonts, labels, distortions and noise are drawn from this seed.
    noise : float
        Standard deviation of the added noise, in units of full brightness.

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        ``x`` uint8 (N, 28, 28) with values 0-255; ``y`` uint8 (N,) with labels 0-9.
    """
    n_train = check_positive_int(n_train, "n_train")
    n_test = check_positive_int(n_test, "n_test")
    if not (isinstance(noise, (int, float)) and math.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")
    rng = np.random.default_rng(seed)
    glyphs = _glyph_bitmaps()
    n = n_train + n_test
    label = rng.integers(0, 10, n)
    font = rng.integers(0, len(MNIST_FONTS), n)
    img = _render(glyphs, font, label, rng, 28)
    img = img + noise * rng.standard_normal(img.shape)
    x = np.clip(np.rint(img * 255.0), 0, 255).astype(np.uint8)
    y = label.astype(np.uint8)
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])


# ------------------------------------------------------------------ errors, in one line
# The book's one helper for errors shown as lessons lives in lstmbook.display.


