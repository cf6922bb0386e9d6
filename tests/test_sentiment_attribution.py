"""Attributions of a model that reads ids: TorchModel and embedding_space."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lstmbook import attribution as A
from lstmbook.torch.models import RecurrentNet


@pytest.fixture
def net():
    torch.manual_seed(0)
    return RecurrentNet("lstm", 20, 8, 2, embedding=5).eval()


IDS = np.array([[3, 4, 5, 6, 0], [7, 8, 9, 0, 0]])
LENGTHS = np.array([4, 3])


def test_the_embedding_space_model_computes_what_the_net_computes(net):
    wrapped, x = A.embedding_space(net, IDS, LENGTHS)
    assert x.shape == (2, 5, 5)
    want = net(torch.as_tensor(IDS), torch.as_tensor(LENGTHS)).detach().numpy()
    np.testing.assert_allclose(wrapped.forward(x), want, atol=1e-6)
    assert net.embedding is not None  # the net itself keeps its embedding


def test_integrated_gradients_in_embedding_space_are_complete(net):
    wrapped, x = A.embedding_space(net, IDS, LENGTHS)
    ig = A.per_step(A.integrated_gradients(wrapped, x, 1, steps=64))
    base = np.zeros_like(x)
    gap = wrapped.forward(x)[:, 1] - wrapped.forward(base)[:, 1]
    np.testing.assert_allclose(ig.sum(1), gap, atol=2e-4)


def test_padding_gets_no_attribution(net):
    wrapped, x = A.embedding_space(net, IDS, LENGTHS)
    occ = A.occlusion(wrapped, x, 1)
    assert occ.shape == (2, 5)
    np.testing.assert_allclose(occ[1, 3:], 0, atol=1e-6)
    assert np.abs(occ[0, :4]).max() > 0


def test_torch_model_gradient_matches_autograd():
    lin = torch.nn.Linear(3, 2)
    model = A.TorchModel(lambda x: lin(x).sum(1))
    x = np.random.default_rng(0).normal(size=(4, 6, 3))
    g = A.input_gradient(model, x, 0)
    np.testing.assert_allclose(g, np.broadcast_to(lin.weight[0].detach().numpy(), x.shape),
                               rtol=1e-6)


def test_a_model_without_embedding_is_refused():
    with pytest.raises(ValueError, match="no embedding"):
        A.embedding_space(RecurrentNet("lstm", 3, 4, 2), IDS)
