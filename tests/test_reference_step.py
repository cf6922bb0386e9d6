"""The readable steps of lstmbook.numpy.reference equal the optimised library and PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmbook.numpy import LSTM, LSTMCell
from lstmbook.numpy.reference import gru_step, lstm_sequence, lstm_step, lstm_step_with_gates


def _random_step(B=3, I=4, H=5, seed=0, gates=4):
    rng = np.random.default_rng(seed)
    return (
        rng.normal(size=(B, I)),
        rng.normal(size=(B, H)),
        rng.normal(size=(B, H)),
        rng.normal(size=(gates * H, I)),
        rng.normal(size=(gates * H, H)),
        rng.normal(size=gates * H),
        rng.normal(size=gates * H),
    )


def test_lstm_step_equals_the_library_lstmcell_in_float64():
    x, h0, c0, W_ih, W_hh, b_ih, b_hh = _random_step()
    cell = LSTMCell(4, 5, seed=1)
    cell.load_state_dict({"weight_ih": W_ih, "weight_hh": W_hh, "bias_ih": b_ih, "bias_hh": b_hh})
    h_ref, c_ref = cell.forward(x, (h0, c0))
    h, c = lstm_step(x, h0, c0, W_ih, W_hh, b_ih, b_hh)
    np.testing.assert_allclose(h, h_ref, rtol=0, atol=1e-14)
    np.testing.assert_allclose(c, c_ref, rtol=0, atol=1e-14)


def test_lstm_step_equals_torch_lstmcell_in_float64():
    x, h0, c0, W_ih, W_hh, b_ih, b_hh = _random_step(seed=2)
    cell = torch.nn.LSTMCell(4, 5).double()
    with torch.no_grad():
        for name, v in zip(
            ("weight_ih", "weight_hh", "bias_ih", "bias_hh"), (W_ih, W_hh, b_ih, b_hh), strict=True
        ):
            getattr(cell, name).copy_(torch.from_numpy(v))
        h_ref, c_ref = cell(torch.from_numpy(x), (torch.from_numpy(h0), torch.from_numpy(c0)))
    h, c = lstm_step(x, h0, c0, W_ih, W_hh, b_ih, b_hh)
    np.testing.assert_allclose(h, h_ref.numpy(), rtol=0, atol=1e-13)
    np.testing.assert_allclose(c, c_ref.numpy(), rtol=0, atol=1e-13)


def test_gru_step_equals_torch_grucell_in_float64():
    x, h0, _, W_ih, W_hh, b_ih, b_hh = _random_step(seed=3, gates=3)
    cell = torch.nn.GRUCell(4, 5).double()
    with torch.no_grad():
        for name, v in zip(
            ("weight_ih", "weight_hh", "bias_ih", "bias_hh"), (W_ih, W_hh, b_ih, b_hh), strict=True
        ):
            getattr(cell, name).copy_(torch.from_numpy(v))
        h_ref = cell(torch.from_numpy(x), torch.from_numpy(h0))
    np.testing.assert_allclose(gru_step(x, h0, W_ih, W_hh, b_ih, b_hh), h_ref.numpy(), atol=1e-13)


def test_lstm_sequence_records_the_same_gates_as_the_library_lstm():
    rng = np.random.default_rng(4)
    lstm = LSTM(3, 6, seed=0, forget_bias=1.0)
    x = rng.normal(size=(7, 2, 3))
    lstm.forward(x)
    p = lstm.params
    acts = lstm_sequence(x, p["weight_ih_l0"], p["weight_hh_l0"], p["bias_ih_l0"], p["bias_hh_l0"])
    for name, ref in lstm.activations().items():
        np.testing.assert_allclose(acts[name], ref, atol=1e-13, err_msg=name)


def test_the_gates_returned_are_the_ones_the_step_used():
    args = _random_step(seed=5)
    gates = lstm_step_with_gates(*args)
    h, c = lstm_step(*args)
    np.testing.assert_array_equal(gates["h"], h)
    np.testing.assert_allclose(gates["c"], gates["f"] * args[2] + gates["i"] * gates["g"])


@settings(max_examples=30, deadline=None)
@given(scale=st.floats(0.1, 30.0), seed=st.integers(0, 10_000))
def test_hidden_state_is_bounded_by_one_whatever_the_cell_state(scale, seed):
    x, h0, c0, W_ih, W_hh, b_ih, b_hh = _random_step(seed=seed)
    h, c = lstm_step(scale * x, h0, scale * c0, W_ih, W_hh, b_ih, b_hh)
    assert np.all(np.abs(h) < 1.0 + 1e-12)
    assert np.all(np.abs(h) <= np.abs(np.tanh(c)) + 1e-12)


def test_an_open_forget_gate_and_closed_input_gate_keep_the_cell_exactly():
    x, h0, c0, W_ih, W_hh, b_ih, b_hh = _random_step(seed=6)
    H = 5
    W_ih, W_hh = 0 * W_ih, 0 * W_hh
    b = np.zeros(4 * H)
    b[:H], b[H : 2 * H] = -60.0, 60.0  # i = σ(-60) ≈ 0, f = σ(60) ≈ 1
    _, c = lstm_step(x, h0, c0, W_ih, W_hh, b, 0 * b_hh)
    np.testing.assert_allclose(c, c0, rtol=1e-12)


def test_a_wrong_shape_is_reported_by_name():
    x, h0, c0, W_ih, W_hh, b_ih, b_hh = _random_step()
    with pytest.raises(ValueError, match="h_prev"):
        lstm_step(x, h0[:, :4], c0, W_ih, W_hh, b_ih, b_hh)
    with pytest.raises(ValueError, match="W_ih"):
        lstm_step(x, h0, c0, W_ih.T, W_hh, b_ih, b_hh)
    with pytest.raises(ValueError, match="W_hh"):
        lstm_step(x, h0, c0, W_ih, W_hh[:15], b_ih, b_hh)
    with pytest.raises(TypeError, match="x"):
        lstm_step(x.astype(int), h0, c0, W_ih, W_hh, b_ih, b_hh)
