"""Linear and Embedding: gradient checks, agreement with torch.nn, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmbook.gradcheck import gradcheck
from lstmbook.numpy.layers import Embedding, Linear

TOL = 1e-6

lead_shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)


def weighted_sum_loss(y: np.ndarray, w: np.ndarray) -> float:
    """A scalar whose gradient w.r.t. ``y`` is ``w``: L = sum(w * y)."""
    return float(np.sum(w * y))


@settings(max_examples=25, deadline=None)
@given(lead=lead_shapes, n_in=st.integers(1, 5), n_out=st.integers(1, 5), bias=st.booleans())
def test_linear_gradcheck_any_rank(lead, n_in, n_out, bias):
    rng = np.random.default_rng(0)
    layer = Linear(n_in, n_out, bias=bias, seed=1)
    x = rng.standard_normal(lead + (n_in,))
    w = rng.standard_normal(lead + (n_out,))  # random upstream gradient

    def loss() -> float:
        return weighted_sum_loss(layer(x), w)

    loss()
    grad_x = layer.backward(w)
    wrt = {"x": x, **layer.params}
    analytic = {"x": grad_x, **layer.grads}
    assert gradcheck(loss, wrt, analytic) < TOL


def test_linear_sequence_input_matches_per_step():
    """A (T, B, I) call equals T separate (B, I) calls."""
    rng = np.random.default_rng(2)
    layer = Linear(3, 4, seed=0)
    x = rng.standard_normal((5, 2, 3))
    y = layer(x)
    assert y.shape == (5, 2, 4)
    for t in range(5):
        np.testing.assert_allclose(y[t], layer(x[t]), rtol=0, atol=1e-15)


def test_linear_init_bounds_and_seed():
    a, b, c = Linear(16, 8, seed=3), Linear(16, 8, seed=3), Linear(16, 8, seed=4)
    np.testing.assert_array_equal(a.params["weight"], b.params["weight"])
    assert not np.array_equal(a.params["weight"], c.params["weight"])
    assert np.abs(a.params["weight"]).max() <= 1 / 4 and np.abs(a.params["bias"]).max() <= 1 / 4
    assert a.params["weight"].shape == (8, 16) and a.params["bias"].shape == (8,)
    assert set(a.grads) == set(a.params)
    assert "bias" not in Linear(2, 2, bias=False).params


def test_linear_float32():
    layer = Linear(3, 2, dtype=np.float32, seed=0)
    y = layer(np.ones((4, 3), dtype=np.float32))
    assert y.dtype == np.float32
    assert layer.backward(np.ones_like(y)).dtype == np.float32


@pytest.mark.parametrize("shape", [(4, 3), (5, 2, 3)])
def test_linear_matches_torch(shape):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    layer = Linear(3, 4, seed=0)
    ref = torch.nn.Linear(3, 4, dtype=torch.float64)
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(layer.params["weight"]))
        ref.bias.copy_(torch.from_numpy(layer.params["bias"]))
    x = rng.standard_normal(shape)
    g = rng.standard_normal(shape[:-1] + (4,))
    xt = torch.tensor(x, requires_grad=True)
    yt = ref(xt)
    yt.backward(torch.from_numpy(g))
    y = layer(x)
    gx = layer.backward(g)
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=0, atol=1e-13)
    np.testing.assert_allclose(gx, xt.grad.numpy(), rtol=0, atol=1e-13)
    np.testing.assert_allclose(layer.grads["weight"], ref.weight.grad.numpy(), rtol=0, atol=1e-13)
    np.testing.assert_allclose(layer.grads["bias"], ref.bias.grad.numpy(), rtol=0, atol=1e-13)


def test_linear_grads_are_overwritten_not_accumulated():
    layer = Linear(2, 2, seed=0)
    x = np.ones((3, 2))
    layer(x)
    layer.backward(np.ones((3, 2)))
    first = {k: v.copy() for k, v in layer.grads.items()}
    layer(x)
    layer.backward(np.ones((3, 2)))
    for k in first:
        np.testing.assert_array_equal(layer.grads[k], first[k])


def test_linear_bad_inputs():
    layer = Linear(3, 2, seed=0)
    with pytest.raises(ValueError, match=r"\(\.\.\., 3\)"):
        layer(np.ones((4, 5)))
    with pytest.raises(TypeError, match="floating"):
        layer(np.ones((4, 3), dtype=np.int64))
    with pytest.raises(TypeError, match="float32"):
        layer(np.ones((4, 3), dtype=np.float32))
    with pytest.raises(RuntimeError, match="before forward"):
        Linear(3, 2).backward(np.ones((1, 2)))
    layer(np.ones((4, 3)))
    with pytest.raises(ValueError, match="grad_out"):
        layer.backward(np.ones((4, 3)))
    with pytest.raises(ValueError):
        Linear(0, 2)
    with pytest.raises(TypeError):
        Linear(2.0, 2)
    with pytest.raises(TypeError):
        Linear(2, 2, dtype=np.int32)


@settings(max_examples=25, deadline=None)
@given(
    idx_shape=lead_shapes,
    vocab=st.integers(1, 6),
    dim=st.integers(1, 4),
    seed=st.integers(0, 2**16),
)
def test_embedding_gradcheck(idx_shape, vocab, dim, seed):
    rng = np.random.default_rng(seed)
    emb = Embedding(vocab, dim, seed=seed)
    idx = rng.integers(0, vocab, idx_shape)
    w = rng.standard_normal(idx_shape + (dim,))

    def loss() -> float:
        return weighted_sum_loss(emb(idx), w)

    loss()
    assert emb.backward(w) is None
    assert gradcheck(loss, emb.params, emb.grads) < TOL


def test_embedding_repeated_indices_accumulate():
    """Token 1 read three times gets the sum of its three gradients."""
    emb = Embedding(4, 2, seed=0)
    idx = np.array([[1, 1], [3, 1]])
    g = np.arange(8.0).reshape(2, 2, 2)
    out = emb(idx)
    np.testing.assert_array_equal(out[0, 0], emb.params["weight"][1])
    emb.backward(g)
    np.testing.assert_array_equal(emb.grads["weight"][1], g[0, 0] + g[0, 1] + g[1, 1])
    np.testing.assert_array_equal(emb.grads["weight"][3], g[1, 0])
    np.testing.assert_array_equal(emb.grads["weight"][[0, 2]], 0.0)

    def loss() -> float:
        return weighted_sum_loss(emb(idx), g)

    assert gradcheck(loss, emb.params, emb.grads) < TOL


def test_embedding_matches_torch():
    torch = pytest.importorskip("torch")
    emb = Embedding(5, 3, seed=0)
    ref = torch.nn.Embedding(5, 3, dtype=torch.float64)
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(emb.params["weight"]))
    idx = np.array([[0, 4, 4], [2, 0, 1]])
    g = np.random.default_rng(1).standard_normal((2, 3, 3))
    ref(torch.from_numpy(idx)).backward(torch.from_numpy(g))
    emb(idx)
    emb.backward(g)
    np.testing.assert_allclose(emb.grads["weight"], ref.weight.grad.numpy(), rtol=0, atol=1e-14)


def test_embedding_bad_inputs():
    emb = Embedding(5, 3, seed=0)
    with pytest.raises(ValueError, match="token id 5 is out of range"):
        emb(np.array([0, 5]))
    with pytest.raises(ValueError, match="token id -1"):
        emb(np.array([-1, 2]))
    with pytest.raises(TypeError, match="integer"):
        emb(np.array([0.0, 1.0]))
    emb(np.array([0, 1]))
    with pytest.raises(ValueError, match="grad_out"):
        emb.backward(np.ones((2, 4)))
