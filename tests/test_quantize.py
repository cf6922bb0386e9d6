"""int8 per-row weight quantization: error bounds, storage, round trip, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lstmbook.io import load_weights, save_weights
from lstmbook.numpy import LSTM
from lstmbook.quantize import (
    QMAX,
    dequantize,
    dequantize_state_dict,
    from_arrays,
    quantize_per_row,
    quantize_per_tensor,
    quantize_state_dict,
    state_dict_nbytes,
    to_arrays,
)

matrices = arrays(
    np.float32,
    st.tuples(st.integers(1, 12), st.integers(1, 12)),
    elements=st.floats(-100, 100, width=32),
)


@settings(max_examples=60, deadline=None)
@given(matrices)
def test_every_weight_comes_back_within_half_a_step_of_its_row(w):
    qt = quantize_per_row(w)
    err = np.abs(dequantize(qt) - w)
    assert np.all(err <= qt.scale / 2 * (1 + 1e-5) + 1e-30)
    assert qt.q.dtype == np.int8 and np.abs(qt.q.astype(int)).max() <= QMAX


@settings(max_examples=60, deadline=None)
@given(matrices)
def test_the_largest_weight_of_each_row_is_exact_up_to_float_rounding(w):
    qt = quantize_per_row(w)
    rows = np.arange(w.shape[0])
    j = np.abs(w).argmax(axis=1)
    np.testing.assert_allclose(dequantize(qt)[rows, j], w[rows, j], rtol=1e-6, atol=1e-30)


def test_per_row_beats_per_tensor_when_rows_have_different_ranges():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(8, 16)).astype(np.float32) * np.logspace(-3, 0, 8)[:, None]
    err_row = np.abs(dequantize(quantize_per_row(w)) - w).max(axis=1)
    err_tensor = np.abs(dequantize(quantize_per_tensor(w)) - w).max(axis=1)
    assert err_row[0] < err_tensor[0] / 100  # the small row keeps its precision
    assert np.all(quantize_per_tensor(w).q[0] == 0)  # …which per tensor rounds away


def test_zero_rows_and_zero_matrices_are_exact():
    w = np.zeros((3, 4), np.float32)
    w[1] = [1, -2, 3, 0.5]
    np.testing.assert_array_equal(dequantize(quantize_per_row(w))[[0, 2]], 0.0)
    np.testing.assert_array_equal(dequantize(quantize_per_tensor(np.zeros((2, 2), np.float32))), 0)


def test_state_dict_is_a_quarter_of_the_float32_size_plus_one_scale_per_row():
    lstm = LSTM(8, 32, dtype=np.float32, seed=0)
    sd = lstm.state_dict()
    qsd = quantize_state_dict(sd)
    matrices = [v for v in sd.values() if v.ndim == 2]
    expected = sum(m.size + 4 * m.shape[0] for m in matrices) + sum(
        v.nbytes for v in sd.values() if v.ndim == 1
    )
    assert state_dict_nbytes(qsd) == expected
    assert state_dict_nbytes(qsd) < 0.3 * state_dict_nbytes(sd) + 4 * 4 * 32 * 2


def test_quantized_lstm_stays_close_to_the_float_one():
    rng = np.random.default_rng(1)
    lstm = LSTM(4, 16, dtype=np.float32, seed=0)
    x = rng.normal(size=(10, 3, 4)).astype(np.float32)
    y = lstm(x)[0]
    q = LSTM(4, 16, dtype=np.float32)
    q.load_state_dict(dequantize_state_dict(quantize_state_dict(lstm.state_dict())))
    err = np.abs(q(x)[0] - y).max()
    assert 0 < err < 0.02


def test_save_and_load_through_npz_keeps_int8(tmp_path):
    qsd = quantize_state_dict(LSTM(3, 5, seed=0, dtype=np.float32).state_dict())
    save_weights(tmp_path / "q.npz", to_arrays(qsd))
    back = from_arrays(load_weights(tmp_path / "q.npz"))
    for k, v in qsd.items():
        if hasattr(v, "q"):
            assert back[k].q.dtype == np.int8
            np.testing.assert_array_equal(back[k].q, v.q)
        else:
            np.testing.assert_array_equal(back[k], v)


def test_bad_input_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="matrix"):
        quantize_per_row(np.ones(3, np.float32))
    with pytest.raises(ValueError, match="NaN"):
        quantize_per_row(np.array([[np.nan, 1.0]]))
    with pytest.raises(TypeError, match="floating"):
        quantize_per_row(np.ones((2, 2), np.int64))
    with pytest.raises(ValueError, match="per must be"):
        quantize_state_dict({}, per="channel")
    with pytest.raises(TypeError, match="QuantizedTensor"):
        dequantize(np.ones((2, 2)))
    with pytest.raises(ValueError, match="no matching 'w.scale'"):
        from_arrays({"w.q": np.zeros((2, 2), np.int8)})
