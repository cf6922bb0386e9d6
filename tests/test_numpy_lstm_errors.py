"""Bad input to lstmbook.numpy.LSTM / LSTMCell fails at once with a message that says why."""

from __future__ import annotations

import numpy as np
import pytest

from lstmbook.numpy import LSTM, LSTMCell


@pytest.fixture
def lstm():
    return LSTM(8, 4, num_layers=2, seed=0)


def x_ok(T=5, B=3, I=8, dtype=np.float64):
    return np.zeros((T, B, I), dtype=dtype)


def test_input_of_wrong_rank_is_refused(lstm):
    with pytest.raises(ValueError, match=r"expected 3-D \(T, B, I\) with I=8.*got shape \(5,\)"):
        lstm(np.zeros(5))


def test_input_with_wrong_feature_size_is_refused(lstm):
    with pytest.raises(
        ValueError,
        match=r"LSTM input: expected 3-D \(T, B, I\) with I=8 \(batch_first=False\).*"
        r"got shape \(5, 3, 7\)",
    ):
        lstm(np.zeros((5, 3, 7)))


def test_batch_first_layout_is_named_in_the_message():
    lstm = LSTM(8, 4, batch_first=True)
    with pytest.raises(ValueError, match=r"\(B, T, I\) with I=8 \(batch_first=True\)"):
        lstm(np.zeros((3, 5, 6)))


def test_state_of_wrong_shape_is_refused(lstm):
    h0 = np.zeros((2, 4, 4))  # batch 4, input has batch 3
    c0 = np.zeros((2, 3, 4))
    with pytest.raises(
        ValueError,
        match=r"state h_0: expected shape \(2, 3, 4\) \(num_layers, B, H\), got \(2, 4, 4\)",
    ):
        lstm(x_ok(), (h0, c0))


def test_state_that_is_not_a_pair_is_refused(lstm):
    with pytest.raises(TypeError, match=r"expected a pair \(h_0, c_0\)"):
        lstm(x_ok(), np.zeros((2, 3, 4)))


def test_integer_input_is_refused(lstm):
    with pytest.raises(TypeError, match="expected a real floating dtype.*integer dtype int64"):
        lstm(np.zeros((5, 3, 8), dtype=np.int64))


def test_complex_input_is_refused(lstm):
    with pytest.raises(TypeError, match="expected a real floating dtype.*complex dtype complex128"):
        lstm(np.zeros((5, 3, 8), dtype=np.complex128))


def test_nan_in_input_is_refused(lstm):
    x = x_ok()
    x[2, 1, 3] = np.nan
    with pytest.raises(ValueError, match="LSTM input: contains 1 NaN and 0 infinite"):
        lstm(x)


def test_inf_in_input_is_refused(lstm):
    x = x_ok()
    x[0, 0, 0] = -np.inf
    with pytest.raises(ValueError, match="LSTM input: contains 0 NaN and 1 infinite"):
        lstm(x)


def test_nan_in_state_is_refused(lstm):
    h0, c0 = np.zeros((2, 3, 4)), np.zeros((2, 3, 4))
    c0[1, 2, 3] = np.nan
    with pytest.raises(ValueError, match="LSTM state c_0: contains 1 NaN"):
        lstm(x_ok(), (h0, c0))


def test_huge_finite_input_is_not_mistaken_for_inf():
    lstm = LSTM(8, 4, dtype=np.float32)
    x = np.full((5, 3, 8), 1e37, dtype=np.float32)  # the float32 sum overflows, no entry does
    with np.errstate(all="raise"):
        out, _ = lstm(x)
    assert np.isfinite(out).all()


def test_empty_sequence_is_refused(lstm):
    with pytest.raises(ValueError, match="sequence length T must be at least 1, got T=0"):
        lstm(np.zeros((0, 3, 8)))


def test_empty_batch_is_refused(lstm):
    with pytest.raises(ValueError, match="batch size B must be at least 1, got B=0"):
        lstm(np.zeros((5, 0, 8)))


@pytest.mark.parametrize("bad", [0, -3])
@pytest.mark.parametrize("arg", ["input_size", "hidden_size", "num_layers"])
def test_non_positive_sizes_are_refused(arg, bad):
    sizes = {"input_size": 3, "hidden_size": 4, "num_layers": 1} | {arg: bad}
    with pytest.raises(ValueError, match=f"LSTM {arg} must be a positive integer, got {bad}"):
        LSTM(**sizes)


@pytest.mark.parametrize("bad", [2.0, True, "3"])
def test_non_integer_sizes_are_refused(bad):
    with pytest.raises(TypeError, match="LSTM hidden_size must be a positive integer"):
        LSTM(3, bad)


def test_unsupported_weight_dtype_is_refused():
    with pytest.raises(TypeError, match="LSTM dtype: expected float32 or float64, got float16"):
        LSTM(3, 4, dtype=np.float16)


def test_input_dtype_different_from_weights_is_refused():
    lstm = LSTM(8, 4, dtype=np.float32)
    with pytest.raises(
        TypeError, match=r"dtype float64 does not match the LSTM weights \(float32\)"
    ):
        lstm(x_ok(dtype=np.float64))


def test_state_dtype_different_from_weights_is_refused():
    lstm = LSTM(8, 4, dtype=np.float64)
    s = np.zeros((1, 3, 4), dtype=np.float32)
    with pytest.raises(TypeError, match=r"state h_0: dtype float32 does not match"):
        lstm(x_ok(), (s, s))


def test_grad_output_of_wrong_shape_is_refused(lstm):
    lstm(x_ok())
    with pytest.raises(
        ValueError,
        match=r"grad_output: expected shape \(5, 3, 4\) \(the shape of output\), got \(5, 3, 5\)",
    ):
        lstm.backward(np.zeros((5, 3, 5)))


def test_grad_h_n_of_wrong_shape_is_refused(lstm):
    lstm(x_ok())
    with pytest.raises(ValueError, match=r"grad_h_n: expected shape \(2, 3, 4\)"):
        lstm.backward(np.zeros((5, 3, 4)), np.zeros((1, 3, 4)))


def test_backward_before_forward_is_refused(lstm):
    with pytest.raises(RuntimeError, match="backward called before forward"):
        lstm.backward(np.zeros((5, 3, 4)))


def test_activations_before_forward_and_of_missing_layer_are_refused(lstm):
    with pytest.raises(RuntimeError, match="run forward first"):
        lstm.activations(0)
    lstm(x_ok())
    with pytest.raises(ValueError, match=r"layer must be in \[0, 2\), got 2"):
        lstm.activations(2)


def test_load_state_dict_with_missing_and_extra_keys_is_refused(lstm):
    sd = lstm.state_dict()
    del sd["bias_hh_l1"]
    sd["bias_hh_l9"] = np.zeros(16)
    with pytest.raises(
        ValueError, match=r"missing keys \['bias_hh_l1'\]; unexpected keys \['bias_hh_l9'\]"
    ):
        lstm.load_state_dict(sd)


def test_load_state_dict_with_wrong_shape_is_refused_and_changes_nothing(lstm):
    before = lstm.state_dict()
    sd = lstm.state_dict()
    sd["weight_ih_l0"] = np.ones((16, 8))
    sd["weight_hh_l1"] = np.zeros((16, 5))
    with pytest.raises(
        ValueError, match=r"\['weight_hh_l1'\]: expected shape \(16, 4\), got \(16, 5\)"
    ):
        lstm.load_state_dict(sd)
    for k, v in before.items():
        np.testing.assert_array_equal(lstm.params[k], v)


def test_cell_input_with_wrong_feature_size_is_refused():
    cell = LSTMCell(3, 4)
    with pytest.raises(
        ValueError, match=r"expected 2-D \(B, I\) or 1-D \(I,\) with I=3, got shape \(2, 5\)"
    ):
        cell(np.zeros((2, 5)))


def test_cell_state_of_wrong_shape_is_refused():
    cell = LSTMCell(3, 4)
    with pytest.raises(
        ValueError, match=r"state c_0: expected shape \(2, 4\) \(B, H\), got \(2, 3\)"
    ):
        cell(np.zeros((2, 3)), (np.zeros((2, 4)), np.zeros((2, 3))))


def test_cell_backward_before_forward_is_refused():
    with pytest.raises(RuntimeError, match="LSTMCell.backward called before forward"):
        LSTMCell(3, 4).backward(np.zeros((2, 4)))


def test_cell_input_dtype_different_from_weights_is_refused():
    cell = LSTMCell(3, 4, dtype=np.float32)
    with pytest.raises(TypeError, match=r"dtype float64 does not match the LSTMCell weights"):
        cell(np.zeros((2, 3)))


@pytest.mark.parametrize(
    "make",
    [
        lambda: LSTM(3, 4, bias=False, forget_bias=1.0),
        lambda: LSTMCell(3, 4, bias=False, forget_bias=1.0),
    ],
)
def test_forget_bias_without_bias_is_refused(make):
    with pytest.raises(ValueError, match="forget_bias needs bias=True"):
        make()
