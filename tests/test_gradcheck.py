"""Hand-written BPTT of lstmbook.numpy.LSTM / LSTMCell against central differences."""

from __future__ import annotations

import numpy as np
import pytest

from lstmbook.gradcheck import gradcheck, relative_error
from lstmbook.numpy import LSTM, LSTMCell

TOL = 1e-6


def weighted_sum(arrays, weights):
    return float(sum((a * w).sum() for a, w in zip(arrays, weights, strict=True)))


def test_gradcheck_helper_detects_a_wrong_gradient():
    w = np.array([1.0, -2.0, 3.0])
    assert gradcheck(lambda: float((w**2).sum()), {"w": w}, {"w": 2 * w}) < 1e-8
    assert gradcheck(lambda: float((w**2).sum()), {"w": w}, {"w": 3 * w}) > 0.1
    assert relative_error(np.zeros(2), np.zeros(2)) == 0.0


@pytest.mark.parametrize(
    ("num_layers", "batch_first", "unbatched", "bias"),
    [
        (1, False, False, True),
        (2, True, False, True),
        (3, False, False, False),
        (2, False, True, True),
    ],
)
def test_lstm_gradients_of_params_input_and_state_match_central_differences(
    num_layers, batch_first, unbatched, bias
):
    T, B, I, H, L = 4, 2, 3, 3, num_layers
    rng = np.random.default_rng(num_layers)
    lstm = LSTM(I, H, L, bias=bias, batch_first=batch_first, seed=0)
    if unbatched:
        x_shape, s_shape, o_shape = (T, I), (L, H), (T, H)
    else:
        x_shape = (B, T, I) if batch_first else (T, B, I)
        s_shape, o_shape = (L, B, H), ((B, T, H) if batch_first else (T, B, H))
    x, h0, c0 = (
        rng.standard_normal(x_shape),
        rng.standard_normal(s_shape),
        rng.standard_normal(s_shape),
    )
    w_out, w_h, w_c = (rng.standard_normal(s) for s in (o_shape, s_shape, s_shape))

    def loss():  # L = <w_out, output> + <w_h, h_n> + <w_c, c_n>
        out, (h_n, c_n) = lstm(x, (h0, c0))
        return weighted_sum([out, h_n, c_n], [w_out, w_h, w_c])

    loss()
    grad_x = lstm.backward(w_out, w_h, w_c)
    analytic = {k: v.copy() for k, v in lstm.grads.items()}
    analytic |= {"x": grad_x, "h0": lstm.grad_h_0.copy(), "c0": lstm.grad_c_0.copy()}
    wrt = dict(lstm.params) | {"x": x, "h0": h0, "c0": c0}
    errors = gradcheck(loss, wrt, analytic, return_all=True)
    assert max(errors.values()) <= TOL, errors


@pytest.mark.parametrize("batched", [True, False])
def test_lstm_cell_gradients_match_central_differences(batched):
    rng = np.random.default_rng(1)
    cell = LSTMCell(3, 4, seed=0)
    shape_x, shape_s = ((2, 3), (2, 4)) if batched else ((3,), (4,))
    x, h0, c0 = (
        rng.standard_normal(shape_x),
        rng.standard_normal(shape_s),
        rng.standard_normal(shape_s),
    )
    w_h, w_c = rng.standard_normal(shape_s), rng.standard_normal(shape_s)

    def loss():
        h, c = cell(x, (h0, c0))
        return weighted_sum([h, c], [w_h, w_c])

    loss()
    grad_x = cell.backward(w_h, w_c)
    analytic = {k: v.copy() for k, v in cell.grads.items()}
    analytic |= {"x": grad_x, "h0": cell.grad_h_0, "c0": cell.grad_c_0}
    wrt = dict(cell.params) | {"x": x, "h0": h0, "c0": c0}
    assert gradcheck(loss, wrt, analytic) <= TOL


def test_lstm_gradients_with_only_grad_output_match_central_differences():
    rng = np.random.default_rng(2)
    lstm = LSTM(2, 3, 2, seed=1, forget_bias=1.0)
    x = rng.standard_normal((6, 2, 2))
    w_out = rng.standard_normal((6, 2, 3))

    def loss():
        return weighted_sum([lstm(x)[0]], [w_out])

    loss()
    grad_x = lstm.backward(w_out)
    analytic = {k: v.copy() for k, v in lstm.grads.items()} | {"x": grad_x}
    assert gradcheck(loss, dict(lstm.params) | {"x": x}, analytic) <= TOL


def test_gradcheck_layer_passes_a_correct_backward_and_catches_a_wrong_one():
    from lstmbook.gradcheck import gradcheck_layer
    from lstmbook.numpy import LSTM

    lstm = LSTM(3, 4, seed=0)
    x = np.random.default_rng(0).standard_normal((5, 2, 3))
    assert gradcheck_layer(lstm, x) < 1e-6

    backward = lstm.backward

    def wrong_backward(grad_output):
        grad_x = backward(grad_output)
        lstm.grads["weight_hh_l0"] *= 1.01  # a 1% error in one gradient
        return grad_x

    lstm.backward = wrong_backward
    assert gradcheck_layer(lstm, x) > 1e-3
