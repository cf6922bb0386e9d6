"""The offline MNIST stand-in: MNIST's shapes and dtypes, deterministic, and learnable."""

from __future__ import annotations

import numpy as np
import pytest

from lstmbook.keras_compat import MNIST_FONTS, _glyph_bitmaps, load_mnist_like


@pytest.fixture(scope="module")
def digits():
    return load_mnist_like(600, 200, seed=0)


def test_shapes_dtypes_and_ranges_match_keras_mnist(digits):
    (x_train, y_train), (x_test, y_test) = digits
    assert x_train.shape == (600, 28, 28) and x_test.shape == (200, 28, 28)
    assert y_train.shape == (600,) and y_test.shape == (200,)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert set(np.unique(y_train)) == set(range(10))
    assert x_train.max() == 255 and x_train.min() == 0
    # light strokes on a dark background, like MNIST (about a fifth of the pixels are ink)
    ink = (x_train > 128).mean()
    assert 0.05 < ink < 0.35, ink
    # corners are background
    assert x_train[:, :2, :2].mean() < 20


def test_same_seed_same_data_other_seed_other_data(digits):
    (x1, y1), (xt1, yt1) = digits
    (x2, y2), (xt2, yt2) = load_mnist_like(600, 200, seed=0)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    np.testing.assert_array_equal(xt1, xt2)
    (x3, _), _ = load_mnist_like(600, 200, seed=1)
    assert not np.array_equal(x1, x3)


def test_glyph_holes_stay_open():
    """The even-odd rule keeps the inside of 0 open: the centre of a 0 is dark (except in
    the monospaced font, whose 0 has a dot in the middle)."""
    g = _glyph_bitmaps()
    assert g.shape == (len(MNIST_FONTS), 10, 64, 64)
    plain = [k for k, name in enumerate(MNIST_FONTS) if "Mono" not in name]
    centre = g[plain, 0, 30:34, 30:34].mean(axis=(1, 2))
    assert (centre < 0.1).all(), centre
    assert (g[:, 0].mean(axis=(1, 2)) > 0.05).all()  # and there is a 0 around it


def test_digits_are_distinguishable(digits):
    """A nearest-class-mean classifier on raw pixels beats chance (10 %) by far."""
    (x_train, y_train), (x_test, y_test) = digits
    xtr = x_train.reshape(len(x_train), -1) / 255.0
    xte = x_test.reshape(len(x_test), -1) / 255.0
    means = np.stack([xtr[y_train == k].mean(axis=0) for k in range(10)])
    dist = ((xte[:, None, :] - means[None]) ** 2).sum(axis=-1)
    accuracy = (dist.argmin(axis=1) == y_test).mean()
    assert accuracy > 0.5, accuracy


def test_noise_zero_gives_clean_background():
    (x, _), _ = load_mnist_like(50, 1, seed=3, noise=0.0)
    assert (x[:, 0, :] == 0).all()


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), "0.1"])
def test_bad_noise_is_refused(bad):
    with pytest.raises(ValueError, match="noise"):
        load_mnist_like(10, 10, noise=bad)


@pytest.mark.parametrize("kwargs", [{"n_train": 0}, {"n_test": -1}, {"n_train": 2.5}])
def test_bad_sizes_are_refused(kwargs):
    with pytest.raises((ValueError, TypeError)):
        load_mnist_like(**{"n_train": 10, "n_test": 10, **kwargs})


def test_shows_error_prints_type_and_message_in_one_line(capsys):
    from lstmbook.keras_compat import shows_error

    with shows_error(ValueError) as caught:
        raise ValueError("Exception encountered when calling LSTM.call().\n\n"
                         "too many   values\nto unpack\n\nArguments received by LSTM.call(): x")
    assert isinstance(caught.error, ValueError)
    assert capsys.readouterr().out == "ValueError: too many values to unpack\n"


def test_shows_error_fails_when_nothing_is_raised():
    from lstmbook.keras_compat import shows_error

    with pytest.raises(AssertionError, match="expected the block to raise KeyError"):
        with shows_error(KeyError):
            pass


def test_shows_error_lets_other_errors_through():
    from lstmbook.keras_compat import shows_error

    with pytest.raises(TypeError):
        with shows_error(ValueError):
            raise TypeError("not the failure the page describes")


def test_shows_warnings_prints_each_message_once(capsys):
    import warnings

    from lstmbook.keras_compat import shows_warnings

    with shows_warnings(UserWarning) as recorded:
        for _ in range(2):
            warnings.warn("Do not pass an `input_shape`", UserWarning, stacklevel=1)
    assert len(recorded) == 2
    assert capsys.readouterr().out == "UserWarning: Do not pass an `input_shape`\n"
