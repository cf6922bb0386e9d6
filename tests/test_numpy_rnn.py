"""lstmbook.numpy.rnn: the plain RNN's forward and backward pass, and its input checks."""

from __future__ import annotations

import numpy as np
import pytest

from lstmbook.gradcheck import gradcheck
from lstmbook.numpy import LSTM
from lstmbook.numpy.rnn import ElmanRNN


def test_elman_rnn_gradcheck():
    rnn = ElmanRNN(3, 4, seed=0)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(5, 2, 3))
    h0 = rng.normal(size=(1, 2, 4))
    w = rng.normal(size=(5, 2, 4))

    def loss():
        out, _ = rnn.forward(x, h0)
        return float((out * w).sum())

    loss()
    dx = rnn.backward(w)
    analytic = dict(rnn.grads, x=dx, h0=rnn.grad_h_0)
    assert gradcheck(loss, dict(rnn.params, x=x, h0=h0), analytic) < 1e-7


def test_elman_rnn_matches_torch():
    torch = pytest.importorskip("torch")
    rnn = ElmanRNN(3, 4, seed=0)
    ref = torch.nn.RNN(3, 4).double()
    ref.load_state_dict({k: torch.from_numpy(v) for k, v in rnn.state_dict().items()})
    x = np.random.default_rng(2).normal(size=(6, 2, 3))
    out, h_n = rnn(x)
    xt = torch.from_numpy(x).requires_grad_(True)
    y, hn = ref(xt)
    np.testing.assert_allclose(out, y.detach().numpy(), rtol=1e-12, atol=1e-14)
    y.sum().backward()
    dx = rnn.backward(np.ones_like(out))
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-12, atol=1e-14)
    for k, p in ref.named_parameters():
        np.testing.assert_allclose(rnn.grads[k], p.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_relu_rnn_and_errors():
    rnn = ElmanRNN(2, 3, nonlinearity="relu", seed=0)
    out, _ = rnn(np.ones((4, 1, 2)))
    assert (out >= 0).all()
    with pytest.raises(ValueError):
        ElmanRNN(2, 3, nonlinearity="sigmoid")
    with pytest.raises(ValueError):
        rnn(np.ones((4, 1, 3)))
    with pytest.raises(TypeError):
        rnn(np.ones((4, 1, 2), dtype=np.float32))
    with pytest.raises(RuntimeError):
        ElmanRNN(2, 3).backward(np.ones((1, 1, 3)))
    with pytest.raises(ValueError, match="missing keys"):
        rnn.load_state_dict({})


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (np.ones((5,)), r"input: expected 3-D \(T, B, I\) with I=3.*got shape \(5,\)"),
        (np.ones((0, 2, 3)), "input: the sequence length T must be at least 1, got T=0"),
        (np.ones((4, 0, 3)), "input: the batch size B must be at least 1, got B=0"),
        (np.full((4, 2, 3), np.nan), "input: contains 24 NaN and 0 infinite"),
    ],
)
def test_elman_rnn_refuses_bad_input_with_the_lstm_messages(bad, message):
    for layer in (ElmanRNN(3, 4), LSTM(3, 4)):
        with pytest.raises(ValueError, match=f"{layer._name} {message}"):
            layer(bad)
    with pytest.raises(TypeError, match="ElmanRNN input: dtype float32 does not match"):
        ElmanRNN(3, 4)(np.ones((4, 2, 3), dtype=np.float32))
    with pytest.raises(ValueError, match=r"ElmanRNN state h_0: expected shape \(1, 2, 4\)"):
        ElmanRNN(3, 4)(np.ones((4, 2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"ElmanRNN\.load_state_dict: missing keys"):
        ElmanRNN(3, 4).load_state_dict({"weight_ih_l0": np.zeros((4, 3))})


def test_elman_rnn_unbatched_and_batch_first_match_time_major():
    rnn = ElmanRNN(3, 4, seed=0)
    x = np.random.default_rng(3).normal(size=(5, 2, 3))
    out, h_n = rnn(x)
    dx = rnn.backward(np.ones_like(out))
    one, h_one = rnn(x[:, 0])
    np.testing.assert_allclose(one, out[:, 0])
    np.testing.assert_allclose(h_one, h_n[:, 0])
    np.testing.assert_allclose(rnn.backward(np.ones_like(one)), dx[:, 0])
    bf = ElmanRNN(3, 4, seed=0, batch_first=True)
    out_bf, _ = bf(x.transpose(1, 0, 2))
    np.testing.assert_allclose(out_bf, out.transpose(1, 0, 2))
    np.testing.assert_allclose(bf.backward(np.ones_like(out_bf)), dx.transpose(1, 0, 2))
