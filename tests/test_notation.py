"""lstmbook.notation: every layout computes the same LSTM, and each conversion inverts."""

from __future__ import annotations

import itertools
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmbook import notation as N
from lstmbook.numpy import LSTM

RTOL = 1e-12


def make(I=3, H=4, seed=0, T=6, B=2):
    lstm = LSTM(I, H, seed=seed)
    x = np.random.default_rng(seed + 1).normal(size=(T, B, I))
    out, (h_n, c_n) = lstm(x)
    return lstm, lstm.state_dict(), x, out, c_n[0]


LAYOUTS = [
    ("torch", lambda sd: sd, N.lstm_step_torch, {}),
    ("concat", N.torch_to_concat, N.lstm_step_concat, {}),
    ("cudnn", lambda sd: N.torch_to_wrh(sd, "ifgo"), N.lstm_step_wrh, {"order": "ifgo"}),
    ("wrh-onnx-order", lambda sd: N.torch_to_wrh(sd, "iofg"), N.lstm_step_wrh, {"order": "iofg"}),
    ("onnx", N.torch_to_onnx, N.lstm_step_onnx, {}),
    ("keras", N.torch_to_keras, N.lstm_step_keras, {}),
]


@pytest.mark.parametrize("name,convert,step,kw", LAYOUTS, ids=[row[0] for row in LAYOUTS])
def test_every_layout_reproduces_the_numpy_lstm(name, convert, step, kw):
    lstm, sd, x, out, c_n = make()
    out2, (h2, c2) = N.run_steps(step, convert(sd), x, **kw)
    np.testing.assert_allclose(out2, out, rtol=RTOL, atol=1e-14)
    np.testing.assert_allclose(c2, c_n, rtol=RTOL, atol=1e-14)


INVERSES = [
    (N.torch_to_concat, N.concat_to_torch),
    (lambda sd: N.torch_to_wrh(sd, "oigf"), lambda p: N.wrh_to_torch(p, "oigf")),
    (N.torch_to_onnx, N.onnx_to_torch),
    (N.torch_to_keras, N.keras_to_torch),
]


@pytest.mark.parametrize("to,back", INVERSES)
def test_round_trip_keeps_weights_and_bias_sum(to, back):
    _, sd, *_ = make(I=5, H=3)
    sd2 = back(to(sd))
    assert set(sd2) == set(sd)
    for k in ("weight_ih_l0", "weight_hh_l0"):
        np.testing.assert_array_equal(sd2[k], sd[k])
    np.testing.assert_allclose(
        sd2["bias_ih_l0"] + sd2["bias_hh_l0"], sd["bias_ih_l0"] + sd["bias_hh_l0"], rtol=1e-15
    )


def test_wrh_keeps_both_biases_exactly():
    _, sd, *_ = make()
    sd2 = N.wrh_to_torch(N.torch_to_wrh(sd, "iofg"), "iofg")
    for k in sd:
        np.testing.assert_array_equal(sd2[k], sd[k])
    onnx = N.onnx_to_torch(N.torch_to_onnx(sd))
    for k in sd:
        np.testing.assert_array_equal(onnx[k], sd[k])


def test_shapes_of_each_layout():
    I, H = 3, 4
    _, sd, *_ = make(I=I, H=H)
    c = N.torch_to_concat(sd)
    assert c["W_f"].shape == (H, H + I) and c["b_C"].shape == (H,)
    o = N.torch_to_onnx(sd)
    assert o["W"].shape == (1, 4 * H, I) and o["R"].shape == (1, 4 * H, H)
    assert o["B"].shape == (1, 8 * H)
    k = N.torch_to_keras(sd)
    assert k["kernel"].shape == (I, 4 * H) and k["recurrent_kernel"].shape == (H, 4 * H)


def test_onnx_order_is_i_o_f_c():
    _, sd, *_ = make()
    H = 4
    W = N.torch_to_onnx(sd)["W"][0]
    torch_blocks = N.split_gates(sd["weight_ih_l0"], "ifgo")
    for k, gate in enumerate("iofg"):
        np.testing.assert_array_equal(W[k * H : (k + 1) * H], torch_blocks[gate])


def test_concat_columns_put_h_first():
    _, sd, *_ = make(I=3, H=4)
    W_f = N.torch_to_concat(sd)["W_f"]
    np.testing.assert_array_equal(W_f[:, :4], sd["weight_hh_l0"][4:8])
    np.testing.assert_array_equal(W_f[:, 4:], sd["weight_ih_l0"][4:8])


@settings(max_examples=30, deadline=None)
@given(
    st.sampled_from(["".join(p) for p in itertools.permutations("ifgo")]),
    st.sampled_from(["".join(p) for p in itertools.permutations("ifgo")]),
    st.integers(1, 4),
    st.integers(0, 1),
)
def test_reorder_gates_is_a_permutation_with_inverse(src, dst, H, axis):
    a = np.arange(4 * H * 3, dtype=float).reshape((4 * H, 3) if axis == 0 else (3, 4 * H))
    b = N.reorder_gates(a, src, dst, axis=axis)
    np.testing.assert_array_equal(N.reorder_gates(b, dst, src, axis=axis), a)
    assert sorted(b.ravel()) == sorted(a.ravel())


def test_accepts_torch_tensors_and_names_without_suffix():
    torch = pytest.importorskip("torch")
    cell = torch.nn.LSTMCell(3, 4)
    p = N.torch_to_concat(cell.state_dict())
    sd = N.concat_to_torch(p, suffix="")
    assert set(sd) == {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}
    x = torch.randn(2, 3)
    h, c = cell(x)
    h2, c2 = N.lstm_step_concat(p, x.numpy(), np.zeros((2, 4)), np.zeros((2, 4)))
    np.testing.assert_allclose(h2, h.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_torch_nn_lstm_agrees_in_float64():
    torch = pytest.importorskip("torch")
    lstm, sd, x, out, _ = make()
    ref = torch.nn.LSTM(3, 4).double()
    ref.load_state_dict(
        {k: torch.from_numpy(v) for k, v in N.wrh_to_torch(N.torch_to_wrh(sd)).items()}
    )
    with torch.no_grad():
        y, _ = ref(torch.from_numpy(x))
    np.testing.assert_allclose(y.numpy(), out, rtol=1e-12, atol=1e-14)


def test_keras_lstm_agrees():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("keras was imported with another backend")
    lstm, sd, x, out, _ = make()
    layer = keras.layers.LSTM(4, return_sequences=True, dtype="float64")
    xb = np.ascontiguousarray(x.transpose(1, 0, 2))  # Keras is batch first
    layer(xb)
    k = N.torch_to_keras(sd)
    layer.set_weights([k["kernel"], k["recurrent_kernel"], k["bias"]])
    y = keras.ops.convert_to_numpy(layer(xb)).transpose(1, 0, 2)
    np.testing.assert_allclose(y, out, rtol=1e-10, atol=1e-12)


def test_order_of_evaluation():
    _, sd, x, out, _ = make()
    p = N.torch_to_concat(sd)
    h0 = c0 = np.zeros((2, 4))
    names = list(N.STEP_EQUATIONS)
    for gates in itertools.permutations(names[:4]):
        r = N.lstm_step_in_order([*gates, "cell state", "hidden state"], p, x[0], h0, c0)
        np.testing.assert_allclose(r["hidden state"], out[0], rtol=1e-12, atol=1e-15)
    with pytest.raises(N.OrderError, match="cell state"):
        N.lstm_step_in_order(
            ["cell state", "input gate", "output gate", "forget gate", "candidate", "hidden state"],
            p,
            x[0],
            h0,
            c0,
        )
    with pytest.raises(ValueError, match="permutation"):
        N.lstm_step_in_order(["input gate"], p, x[0], h0, c0)


def test_errors():
    with pytest.raises(ValueError, match="permutation"):
        N.reorder_gates(np.zeros(8), "ifgx", "ifgo")
    with pytest.raises(ValueError, match="multiple of 4"):
        N.split_gates(np.zeros(6))
    with pytest.raises(ValueError, match="weight_ih"):
        N.torch_to_concat({"W": np.zeros((8, 3))})
    with pytest.raises(ValueError, match="4H"):
        N.torch_to_concat({"weight_ih": np.zeros((8, 3)), "weight_hh": np.zeros((8, 3))})
    with pytest.raises(ValueError, match="ONNX"):
        N.onnx_to_torch({"W": np.zeros((8, 3)), "R": np.zeros((8, 2))})
    with pytest.raises(ValueError, match="Keras"):
        N.keras_to_torch({"kernel": np.zeros((3, 8)), "recurrent_kernel": np.zeros((3, 8))})


@pytest.mark.parametrize(
    ("convert", "given"),
    [
        (N.concat_to_torch, {"W_i": np.zeros((2, 5))}),
        (N.wrh_to_torch, {"W": np.zeros((8, 3))}),
        (N.onnx_to_torch, {"R": np.zeros((1, 8, 2))}),
        (N.keras_to_torch, {"kernel": np.zeros((3, 8))}),
    ],
)
def test_missing_weights_are_named_in_a_value_error(convert, given):
    with pytest.raises(ValueError, match="missing"):
        convert(given)
