"""MSELoss and CrossEntropyLoss: gradient checks, agreement with torch.nn, clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmbook.gradcheck import gradcheck
from lstmbook.numpy.losses import CrossEntropyLoss, MSELoss, log_softmax, softmax

TOL = 1e-6

shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)


@settings(max_examples=25, deadline=None)
@given(shape=shapes, seed=st.integers(0, 2**16))
def test_mse_gradcheck(shape, seed):
    rng = np.random.default_rng(seed)
    pred, target = rng.standard_normal(shape), rng.standard_normal(shape)
    loss_fn = MSELoss()

    def loss() -> float:
        return loss_fn(pred, target)

    value = loss()
    np.testing.assert_allclose(value, np.mean((pred - target) ** 2), rtol=1e-14)
    assert gradcheck(loss, {"pred": pred}, {"pred": loss_fn.backward()}) < TOL


@settings(max_examples=25, deadline=None)
@given(
    lead=shapes,
    n_classes=st.integers(2, 5),
    scale=st.sampled_from([0.1, 1.0, 3.0]),
    seed=st.integers(0, 2**16),
)
def test_cross_entropy_gradcheck(lead, n_classes, scale, seed):
    """(N, C) with (N,), and sequences (T, B, C) with (T, B).

    Scales stay moderate: with logits of spread ~20 a correct prediction has a loss of
    ~1e-10, whose central differences drown in rounding; that regime is checked against
    the exact gradient in ``test_cross_entropy_gradient_is_exact_for_saturated_logits``.
    """
    rng = np.random.default_rng(seed)
    logits = scale * rng.standard_normal(lead + (n_classes,))
    target = rng.integers(0, n_classes, lead)
    loss_fn = CrossEntropyLoss()

    def loss() -> float:
        return loss_fn(logits, target)

    loss()
    assert gradcheck(loss, {"logits": logits}, {"logits": loss_fn.backward()}) < TOL


@pytest.mark.parametrize("scale", [10.0, 100.0, 1e4])
def test_cross_entropy_gradient_is_exact_for_saturated_logits(scale):
    """(softmax(z) - onehot(y)) / N, finite and accurate even when softmax saturates."""
    rng = np.random.default_rng(1)
    logits = scale * rng.standard_normal((5, 3))
    target = rng.integers(0, 3, 5)
    loss_fn = CrossEntropyLoss()
    value = loss_fn(logits, target)
    grad = loss_fn.backward()
    shifted = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    expected = (probs - np.eye(3)[target]) / 5
    assert np.isfinite(value)
    np.testing.assert_allclose(grad, expected, rtol=1e-12, atol=1e-15)


def test_cross_entropy_ignore_index_gradcheck():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((6, 3, 4))
    target = rng.integers(0, 4, (6, 3))
    target[4:, 1] = -100  # padding at the end of the second sequence
    target[5, 0] = -100
    loss_fn = CrossEntropyLoss(ignore_index=-100)

    def loss() -> float:
        return loss_fn(logits, target)

    loss()
    grad = loss_fn.backward()
    assert gradcheck(loss, {"logits": logits}, {"logits": grad}) < TOL
    np.testing.assert_array_equal(grad[target == -100], 0.0)
    # the loss is the mean over the kept positions only
    keep = target != -100
    logp = log_softmax(logits)[keep]
    expected = -np.mean(logp[np.arange(keep.sum()), target[keep]])
    np.testing.assert_allclose(loss(), expected, rtol=1e-14)


def test_cross_entropy_is_stable_for_huge_logits():
    logits = np.array([[1000.0, 0.0, -1000.0], [-1e4, 1e4, 0.0]])
    target = np.array([0, 1])
    loss_fn = CrossEntropyLoss()
    assert loss_fn(logits, target) == pytest.approx(0.0, abs=1e-12)
    grad = loss_fn.backward()
    assert np.all(np.isfinite(grad))
    np.testing.assert_allclose(softmax(logits).sum(axis=-1), 1.0)


@pytest.mark.parametrize("lead", [(7,), (5, 3)])
@pytest.mark.parametrize("ignore_index", [None, 2])
def test_cross_entropy_matches_torch(lead, ignore_index):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    logits = 3 * rng.standard_normal(lead + (4,))
    target = rng.integers(0, 4, lead)
    target.flat[0] = 0  # at least one target is kept
    loss_fn = CrossEntropyLoss(ignore_index=ignore_index)
    value = loss_fn(logits, target)
    grad = loss_fn.backward()
    kwargs = {} if ignore_index is None else {"ignore_index": ignore_index}
    lt = torch.tensor(logits.reshape(-1, 4), requires_grad=True)
    ref = torch.nn.functional.cross_entropy(lt, torch.from_numpy(target.reshape(-1)), **kwargs)
    ref.backward()
    assert value == pytest.approx(ref.item(), rel=1e-13)
    np.testing.assert_allclose(grad.reshape(-1, 4), lt.grad.numpy(), rtol=0, atol=1e-14)


def test_mse_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    pred, target = rng.standard_normal((6, 2)), rng.standard_normal((6, 2))
    loss_fn = MSELoss()
    value = loss_fn(pred, target)
    pt = torch.tensor(pred, requires_grad=True)
    ref = torch.nn.functional.mse_loss(pt, torch.from_numpy(target))
    ref.backward()
    assert value == pytest.approx(ref.item(), rel=1e-14)
    np.testing.assert_allclose(loss_fn.backward(), pt.grad.numpy(), rtol=0, atol=1e-15)


def test_mse_bad_inputs():
    loss_fn = MSELoss()
    with pytest.raises(ValueError, match="same shape"):
        loss_fn(np.ones((4, 1)), np.ones(4))
    with pytest.raises(ValueError, match="NaN"):
        loss_fn(np.ones(3), np.array([1.0, np.nan, 0.0]))
    with pytest.raises(TypeError, match="integer"):
        loss_fn(np.ones(3, dtype=np.int64), np.ones(3))
    with pytest.raises(TypeError, match="float32"):
        loss_fn(np.ones(3), np.ones(3, dtype=np.float32))
    with pytest.raises(RuntimeError, match="before forward"):
        MSELoss().backward()


def test_cross_entropy_bad_inputs():
    loss_fn = CrossEntropyLoss()
    logits = np.zeros((4, 3))
    with pytest.raises(TypeError, match="integer"):
        loss_fn(np.zeros((4, 3), dtype=np.int64), np.zeros(4, dtype=np.int64))
    with pytest.raises(TypeError, match="class ids"):
        loss_fn(logits, np.zeros(4))
    with pytest.raises(ValueError, match="target class 3 is out of range for 3 classes"):
        loss_fn(logits, np.array([0, 1, 3, 2]))
    with pytest.raises(ValueError, match="out of range"):
        loss_fn(logits, np.array([0, -1, 1, 2]))
    with pytest.raises(ValueError, match="same leading shape"):
        loss_fn(logits, np.zeros(5, dtype=np.int64))
    with pytest.raises(ValueError, match="same leading shape"):
        loss_fn(np.zeros(3), np.zeros((), dtype=np.int64))
    with pytest.raises(ValueError, match="every target"):
        CrossEntropyLoss(ignore_index=-1)(logits, np.full(4, -1))
    with pytest.raises(TypeError, match="ignore_index"):
        CrossEntropyLoss(ignore_index=1.5)
