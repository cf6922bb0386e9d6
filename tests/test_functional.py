"""lstmbook.numpy.functional: the per-step maths against plain formulas and central differences."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmbook.gradcheck import gradcheck
from lstmbook.numpy.functional import (
    gate_activation_constants,
    gate_derivative_offset,
    gate_major,
    gate_nonlinearities_,
    gate_slices,
    gate_views,
    lstm_step_backward_,
    lstm_step_forward_,
    sigmoid,
)


def reference_step(a, c_prev):
    """The textbook formulas, with fresh arrays everywhere."""
    H = c_prev.shape[-1]
    i = 1 / (1 + np.exp(-a[:, :H]))
    f = 1 / (1 + np.exp(-a[:, H : 2 * H]))
    g = np.tanh(a[:, 2 * H : 3 * H])
    o = 1 / (1 + np.exp(-a[:, 3 * H :]))
    c = f * c_prev + i * g
    return i, f, g, o, c, o * np.tanh(c)


def run_step_forward(a, c_prev):
    """``a`` batch-major (B, 4H); the step works on a gate-major (4, B, H) copy."""
    gates = np.array(gate_major(a), copy=True)  # (a itself is left alone)
    c, tanh_c, h = (np.empty_like(c_prev) for _ in range(3))
    lstm_step_forward_(gates, c_prev, c, tanh_c, h)
    return gates, c, tanh_c, h


def test_sigmoid_matches_the_exponential_formula():
    x = np.linspace(-30, 30, 601)
    np.testing.assert_allclose(sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-13, atol=1e-16)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_keeps_dtype_and_is_finite_and_silent_at_plus_minus_1e4(dtype):
    x = np.array([-1e4, -100.0, 0.0, 100.0, 1e4], dtype=dtype)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        s = sigmoid(x)
    assert s.dtype == dtype
    np.testing.assert_array_equal(s, np.array([0.0, 0.0, 0.5, 1.0, 1.0], dtype=dtype))


def test_sigmoid_of_a_scalar_is_a_scalar_of_the_same_precision():
    assert sigmoid(0) == 0.5 and np.isclose(sigmoid(2.0), 1 / (1 + np.exp(-2.0)))
    assert sigmoid(np.float32(1.0)).dtype == np.float32


def test_sigmoid_writes_in_place_when_out_is_the_input():
    x = np.array([-1.0, 0.0, 2.0])
    expected = 1 / (1 + np.exp(-x))
    result = sigmoid(x, out=x)
    assert result is x
    np.testing.assert_allclose(x, expected, rtol=1e-15)


def test_gate_slices_follow_torch_order_i_f_g_o():
    assert gate_slices(3) == (slice(0, 3), slice(3, 6), slice(6, 9), slice(9, 12))


def test_gate_major_is_a_view_with_gate_blocks_first():
    a = np.arange(2 * 4 * 3, dtype=np.float64).reshape(2, 12)  # (B, 4H), H = 3
    gm = gate_major(a)
    assert gm.shape == (4, 2, 3) and np.shares_memory(gm, a)
    for k, s in enumerate(gate_slices(3)):
        np.testing.assert_array_equal(gm[k], a[:, s])
    assert gate_major(np.zeros((5, 2, 12))).shape == (5, 4, 2, 3)  # leading axes kept


def test_gate_nonlinearities_apply_sigmoid_to_ifo_and_tanh_to_g():
    a = np.random.default_rng(0).standard_normal((4, 2, 3)) * 3  # (4, B, H)
    gates = gate_nonlinearities_(a.copy())
    sig = 1 / (1 + np.exp(-a))
    np.testing.assert_allclose(gates[[0, 1, 3]], sig[[0, 1, 3]], rtol=1e-14)
    np.testing.assert_allclose(gates[2], np.tanh(a[2]), rtol=1e-14)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_one_tanh_form_equals_sigmoid_function_bit_for_bit(dtype):
    a = np.random.default_rng(1).standard_normal((4, 3, 5)).astype(dtype) * 4
    scale, shift = gate_activation_constants(dtype)
    gates = gate_nonlinearities_(a.copy(), scale, shift)
    for k in (0, 1, 3):
        np.testing.assert_array_equal(gates[k], sigmoid(a[k]))
    np.testing.assert_array_equal(gates[2], np.tanh(a[2]))


@settings(max_examples=20, deadline=None)
@given(B=st.integers(1, 5), H=st.integers(1, 7), seed=st.integers(0, 2**16))
def test_step_forward_matches_textbook_formulas(B, H, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((B, 4 * H)) * 2
    c_prev = rng.standard_normal((B, H))
    gates, c, tanh_c, h = run_step_forward(a, c_prev)
    i, f, g, o, c_ref, h_ref = reference_step(a, c_prev)
    # σ computed as 0.5 tanh(a/2) + 0.5 is exact to a few units of 1 in the last
    # place, not of σ(a): for a << 0 the relative error grows as σ(a) shrinks
    # (Hypothesis found a = -8.8, σ = 1.6e-4, relative error 1.7e-13), hence atol
    np.testing.assert_allclose(gates, np.stack([i, f, g, o]), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(c, c_ref, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(tanh_c, np.tanh(c_ref), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(h, h_ref, rtol=1e-13, atol=1e-15)


@settings(max_examples=10, deadline=None)
@given(B=st.integers(1, 3), H=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_step_backward_matches_central_differences(B, H, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((B, 4 * H))
    c_prev = rng.standard_normal((B, H))
    w_h, w_c = rng.standard_normal((B, H)), rng.standard_normal((B, H))

    def loss():  # L = <w_h, h> + <w_c, c>
        _, c, _, h = run_step_forward(a, c_prev)
        return float((w_h * h).sum() + (w_c * c).sum())

    gates, _, tanh_c, _ = run_step_forward(a, c_prev)
    dh, dc, dgates = w_h.copy(), w_c.copy(), np.empty_like(gates)
    lstm_step_backward_(dh, dc, gates, c_prev, tanh_c, dgates)
    da = np.concatenate(list(dgates), axis=1)  # back to batch-major (B, 4H)
    err = gradcheck(loss, {"a": a, "c_prev": c_prev}, {"a": da, "c_prev": dc})
    assert err <= 1e-8


def test_step_functions_keep_float32_and_allocate_nothing_visible():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((2, 12)).astype(np.float32)
    c_prev = rng.standard_normal((2, 3)).astype(np.float32)
    gates, c, tanh_c, h = run_step_forward(a, c_prev)
    dh, dc, dgates = np.ones_like(h), np.ones_like(c), np.empty_like(gates)
    assert lstm_step_backward_(dh, dc, gates, c_prev, tanh_c, dgates) is None
    assert all(x.dtype == np.float32 for x in (gates, c, tanh_c, h, dc, dgates))


def test_one_expression_gives_sigmoid_and_tanh_derivatives():
    a = np.random.default_rng(2).standard_normal((4, 3, 5)) * 3
    gates = gate_nonlinearities_(a.copy())
    k = gate_derivative_offset(np.float64, (3, 5))
    derivative = (1 - gates) * (gates + k)
    s = 1 / (1 + np.exp(-a))
    np.testing.assert_allclose(derivative[[0, 1, 3]], (s * (1 - s))[[0, 1, 3]], rtol=1e-12)
    np.testing.assert_allclose(derivative[2], 1 - np.tanh(a[2]) ** 2, rtol=1e-12)


def test_step_functions_accept_batch_major_gates_with_the_same_results():
    rng = np.random.default_rng(3)
    B, H = 3, 4
    a = rng.standard_normal((B, 4 * H))
    c_prev = rng.standard_normal((B, H))
    gm, c1, tc1, h1 = run_step_forward(a, c_prev)  # gate-major (4, B, H)
    bm = a.copy()  # batch-major (B, 4H), as x W^T gives it
    c2, tc2, h2 = (np.empty_like(c_prev) for _ in range(3))
    lstm_step_forward_(bm, c_prev, c2, tc2, h2)
    np.testing.assert_array_equal(np.stack(gate_views(bm)), gm)
    for x, y in [(c1, c2), (tc1, tc2), (h1, h2)]:
        np.testing.assert_array_equal(x, y)

    dh, dc = rng.standard_normal((B, H)), rng.standard_normal((B, H))
    d_gm, d_bm = np.empty_like(gm), np.empty_like(bm)
    dc1, dc2 = dc.copy(), dc.copy()
    lstm_step_backward_(dh.copy(), dc1, gm, c_prev, tc1, d_gm)
    lstm_step_backward_(dh.copy(), dc2, bm, c_prev, tc2, d_bm)
    np.testing.assert_allclose(np.stack(gate_views(d_bm)), d_gm, rtol=1e-14)
    np.testing.assert_allclose(dc2, dc1, rtol=1e-14)
