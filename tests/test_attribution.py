"""Attribution methods: gradient x input from the hand-written backward, integrated
gradients' completeness, occlusion, rank agreement and the randomisation test."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lstmbook import attribution as A
from lstmbook.numpy import SequenceRegressor


@pytest.fixture
def model():
    return SequenceRegressor(3, 8, 2, seed=0)


@pytest.fixture
def x():
    return np.random.default_rng(0).normal(size=(4, 7, 3))


def _torch_model_grad(model, x, k):
    sd = model.lstm.state_dict()
    lstm = torch.nn.LSTM(3, 8, batch_first=True, dtype=torch.float64)
    lstm.load_state_dict({n: torch.as_tensor(v) for n, v in sd.items()})
    W, b = (torch.as_tensor(model.head.params[n]) for n in ("weight", "bias"))
    xt = torch.as_tensor(x).requires_grad_()
    y = lstm(xt)[0][:, -1] @ W.T + b
    y[:, k].sum().backward()
    return xt.grad.numpy()


def test_input_gradient_of_the_hand_written_backward_matches_autograd(model, x):
    np.testing.assert_allclose(A.input_gradient(model, x, 1), _torch_model_grad(model, x, 1),
                               rtol=1e-9, atol=1e-12)


def test_gradient_x_input_is_input_times_gradient(model, x):
    np.testing.assert_allclose(A.gradient_x_input(model, x, 0), x * A.input_gradient(model, x, 0))


def test_integrated_gradients_add_up_to_the_output_difference(model, x):
    ig = A.integrated_gradients(model, x, 1, steps=64)
    f = model.forward(x)[:, 1] - model.forward(np.zeros_like(x))[:, 1]
    np.testing.assert_allclose(ig.sum(axis=(1, 2)), f, rtol=1e-3, atol=1e-6)


def test_integrated_gradients_are_exact_for_a_linear_model():
    class Linear:
        w = np.arange(12.0).reshape(1, 4, 3)

        def forward(self, x):
            return (x * self.w).sum(axis=(1, 2))[:, None]

        def backward(self, g):
            return g[:, :1, None] * self.w * np.ones((g.shape[0], 4, 3))

    x = np.random.default_rng(1).normal(size=(2, 4, 3))
    np.testing.assert_allclose(A.integrated_gradients(Linear(), x, 0, steps=3), x * Linear.w)


def test_occlusion_is_the_drop_when_one_step_is_zeroed(model, x):
    occ = A.occlusion(model, x, [0, 1, 0, 1])
    x2 = x.copy()
    x2[:, 3] = 0
    y, y2 = model.forward(x), model.forward(x2)
    np.testing.assert_allclose(occ[:, 3], (y - y2)[np.arange(4), [0, 1, 0, 1]])
    assert occ.shape == (4, 7)


def test_rank_correlation_is_one_for_monotone_maps_and_minus_one_reversed():
    a = np.random.default_rng(2).normal(size=(3, 10))
    np.testing.assert_allclose(A.rank_correlation(a, a**3), 1.0)
    np.testing.assert_allclose(A.rank_correlation(a, -a), -1.0)


def test_top_k_overlap_counts_true_positions_among_the_largest():
    attr = np.array([[0.1, -5.0, 0.2, 3.0]])
    truth = np.array([[False, True, False, False]])
    np.testing.assert_allclose(A.top_k_overlap(attr, truth, 2), 0.5)


def test_randomized_copy_changes_the_named_modules_only(model):
    r = A.randomized_copy(model, ["head"], seed=1)
    for k, v in model.lstm.params.items():
        np.testing.assert_array_equal(r.lstm.params[k], v)
    assert not np.allclose(r.head.params["weight"], model.head.params["weight"])
    assert np.isclose(r.head.params["weight"].std(), model.head.params["weight"].std(), rtol=0.6)


def test_bad_input_is_refused_with_a_reason(model, x):
    with pytest.raises(ValueError, match=r"\(B, T, I\)"):
        A.gradient_x_input(model, x[0])
    with pytest.raises(ValueError, match="output"):
        A.input_gradient(model, x, 5)
    with pytest.raises(ValueError, match="no sub-module"):
        A.randomized_copy(model, ["decoder"])
    with pytest.raises(ValueError, match="shapes differ"):
        A.rank_correlation(np.ones((2, 3)), np.ones((2, 4)))


def test_a_recurrent_net_becomes_a_numpy_model_with_the_same_outputs_and_input_gradients(x):
    from lstmbook.torch.convert import recurrent_net_to_numpy
    from lstmbook.torch.models import RecurrentNet

    torch.manual_seed(0)
    net = RecurrentNet("lstm", 3, 8, 2).double()
    numpy_model = recurrent_net_to_numpy(net)
    xt = torch.as_tensor(x).requires_grad_()
    out = net(xt)
    np.testing.assert_allclose(numpy_model.forward(x), out.detach().numpy(), rtol=1e-9,
                               atol=1e-12)
    out[:, 1].sum().backward()
    np.testing.assert_allclose(A.input_gradient(numpy_model, x, 1), xt.grad.numpy(),
                               rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError, match="bidirectional=True"):
        recurrent_net_to_numpy(RecurrentNet("lstm", 3, 8, 2, bidirectional=True))
