"""lstmbook.gradient_flow: the gradient measurements."""

from __future__ import annotations

import numpy as np
import pytest

from lstmbook.gradient_flow import (
    autograd_input_gradient_norms,
    cell_path_gain,
    input_gradient_norms,
    per_step_factor,
)
from lstmbook.numpy import LSTM
from lstmbook.numpy.rnn import ElmanRNN


def test_input_gradient_norms_agree_with_autograd():
    torch = pytest.importorskip("torch")
    from lstmbook.torch.lstm import lstm_step

    lstm = LSTM(3, 5, seed=0, forget_bias=1.0)
    x = np.random.default_rng(0).normal(size=(12, 4, 3))
    ours = input_gradient_norms(lstm, x)
    p = {k: torch.from_numpy(v) for k, v in lstm.state_dict().items()}

    def step(x_t, state):
        h, c = state
        h, c = lstm_step(
            x_t @ p["weight_ih_l0"].T + p["bias_ih_l0"], h, c, p["weight_hh_l0"], p["bias_hh_l0"]
        )
        return h, (h, c)

    zeros = torch.zeros(4, 5, dtype=torch.float64)
    theirs = autograd_input_gradient_norms(step, x, (zeros, zeros))
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)
    assert ours.shape == (12,)


def test_autograd_norms_zero_when_unused():
    torch = pytest.importorskip("torch")

    def step(x_t, state):
        return state * 2, state

    norms = autograd_input_gradient_norms(step, np.ones((3, 1, 2)), torch.ones(1, 2))
    np.testing.assert_array_equal(norms, np.zeros(3))


def test_cell_path_gain_is_the_product_of_forget_gates():
    f = np.full((4, 2, 3), 0.5)
    np.testing.assert_allclose(cell_path_gain(f), [1, 0.5, 0.25, 0.125, 0.0625])
    np.testing.assert_allclose(cell_path_gain(f[:, 0]), cell_path_gain(f))
    with pytest.raises(ValueError):
        cell_path_gain(np.ones(3))


def test_per_step_factor():
    d = np.arange(20)
    assert per_step_factor(3.0 * 0.8**d) == pytest.approx(0.8)
    assert per_step_factor(1.1**d, 5, 15) == pytest.approx(1.1)
    with pytest.raises(ValueError):
        per_step_factor([1.0])
    with pytest.raises(ValueError):
        per_step_factor([1.0, 0.0])


def test_plain_rnn_gradient_vanishes_faster_than_lstm_with_forget_bias():
    x = np.random.default_rng(0).normal(size=(40, 8, 4))
    rnn = input_gradient_norms(ElmanRNN(4, 16, seed=0), x)[::-1]
    lstm = input_gradient_norms(LSTM(4, 16, seed=0, forget_bias=3.0), x)[::-1]
    assert per_step_factor(rnn, 0, 20) < per_step_factor(lstm, 0, 20)
    assert lstm[30] > 1e3 * rnn[30]
