"""Bidirectional layers and padding masks in lstmbook.numpy.LSTM (and lstmbook.torch.LSTM),
against torch.nn.LSTM in float64, central differences, and each sequence run alone."""

import numpy as np
import pytest
import torch

from lstmbook.gradcheck import gradcheck
from lstmbook.numpy import LSTM


def _pair(I, H, L, *, bidirectional=True, batch_first=False, seed=0):
    ours = LSTM(I, H, L, bidirectional=bidirectional, batch_first=batch_first, seed=seed)
    ref = torch.nn.LSTM(I, H, L, bidirectional=bidirectional, batch_first=batch_first,
                        dtype=torch.float64)
    ref.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    return ours, ref


def _torch_grads(ref, x, h0, c0, g_out, g_h, g_c):
    xt = torch.tensor(x, requires_grad=True)
    h0t, c0t = torch.tensor(h0, requires_grad=True), torch.tensor(c0, requires_grad=True)
    out, (h_n, c_n) = ref(xt, (h0t, c0t))
    loss = (out * torch.from_numpy(g_out)).sum() + (h_n * torch.from_numpy(g_h)).sum() + (
        c_n * torch.from_numpy(g_c)
    ).sum()
    loss.backward()
    grads = {k: p.grad.numpy() for k, p in ref.named_parameters()}
    return out.detach().numpy(), h_n.detach().numpy(), c_n.detach().numpy(), xt.grad.numpy(), (
        h0t.grad.numpy(), c0t.grad.numpy(), grads)


@pytest.mark.parametrize("layers,batch_first", [(1, False), (2, False), (3, True)])
def test_bidirectional_matches_torch_forward_and_backward(layers, batch_first):
    T, B, I, H = 6, 3, 4, 5
    rng = np.random.default_rng(1)
    ours, ref = _pair(I, H, layers, batch_first=batch_first)
    x = rng.standard_normal((B, T, I) if batch_first else (T, B, I))
    h0, c0 = rng.standard_normal((2, 2 * layers, B, H))
    out, (h_n, c_n) = ours(x, (h0, c0))
    g_out, g_h, g_c = rng.standard_normal(out.shape), *rng.standard_normal((2,) + h_n.shape)
    grad_x = ours.backward(g_out, g_h, g_c)
    r_out, r_h, r_c, r_gx, (r_gh0, r_gc0, r_grads) = _torch_grads(ref, x, h0, c0, g_out, g_h, g_c)
    assert out.shape[-1] == 2 * H
    for a, b in [(out, r_out), (h_n, r_h), (c_n, r_c), (grad_x, r_gx),
                 (ours.grad_h_0, r_gh0), (ours.grad_c_0, r_gc0)]:
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert set(ours.grads) == set(r_grads)
    for k in r_grads:
        np.testing.assert_allclose(ours.grads[k], r_grads[k], rtol=1e-10, atol=1e-12, err_msg=k)


def test_bidirectional_gradients_pass_central_differences():
    rng = np.random.default_rng(2)
    lstm = LSTM(2, 3, 2, bidirectional=True, seed=3)
    x = rng.standard_normal((4, 2, 2))
    w = rng.standard_normal((4, 2, 6))
    lengths = np.array([4, 2])

    def loss():
        return float((w * lstm(x, lengths=lengths)[0]).sum())

    loss()
    grad_x = lstm.backward(w)
    analytic = dict(lstm.grads, x=grad_x)
    assert gradcheck(loss, dict(lstm.params, x=x), analytic) < 1e-6


def _alone(lstm, x, lengths, h0=None, c0=None):
    """Each sequence of a padded (T, B, I) batch run on its own, without padding."""
    outs, hs, cs = [], [], []
    for b, n in enumerate(lengths):
        state = None if h0 is None else (h0[:, b : b + 1], c0[:, b : b + 1])
        out, (h, c) = lstm(x[:n, b : b + 1], state)
        outs.append(out[:, 0])
        hs.append(h[:, 0])
        cs.append(c[:, 0])
    return outs, np.stack(hs, axis=1), np.stack(cs, axis=1)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_masked_batch_equals_each_sequence_run_alone(bidirectional):
    T, B, I, H, L = 7, 4, 3, 5, 2
    rng = np.random.default_rng(4)
    lstm = LSTM(I, H, L, bidirectional=bidirectional, seed=5)
    D = 2 if bidirectional else 1
    lengths = np.array([7, 3, 1, 5])
    x = rng.standard_normal((T, B, I))
    h0, c0 = rng.standard_normal((2, D * L, B, H))
    out, (h_n, c_n) = lstm(x, (h0, c0), lengths=lengths)
    g_out = rng.standard_normal(out.shape)
    g_h, g_c = rng.standard_normal((2,) + h_n.shape)
    grad_x = lstm.backward(g_out, g_h, g_c)
    batch = dict(grads={k: v.copy() for k, v in lstm.grads.items()}, gx=grad_x,
                 gh0=lstm.grad_h_0.copy(), gc0=lstm.grad_c_0.copy())

    outs, hs, cs = _alone(lstm, x, lengths, h0, c0)
    np.testing.assert_allclose(h_n, hs, atol=1e-12)
    np.testing.assert_allclose(c_n, cs, atol=1e-12)
    summed = {k: np.zeros_like(v) for k, v in lstm.grads.items()}
    for b, n in enumerate(lengths):
        np.testing.assert_allclose(out[:n, b], outs[b], atol=1e-12)
        assert np.all(out[n:, b] == 0.0)
        lstm(x[:n, b : b + 1], (h0[:, b : b + 1], c0[:, b : b + 1]))
        gx = lstm.backward(g_out[:n, b : b + 1], g_h[:, b : b + 1], g_c[:, b : b + 1])
        np.testing.assert_allclose(batch["gx"][:n, b], gx[:, 0], atol=1e-12)
        assert np.all(batch["gx"][n:, b] == 0.0)
        np.testing.assert_allclose(batch["gh0"][:, b], lstm.grad_h_0[:, 0], atol=1e-12)
        np.testing.assert_allclose(batch["gc0"][:, b], lstm.grad_c_0[:, 0], atol=1e-12)
        for k in summed:
            summed[k] += lstm.grads[k]
    for k in summed:
        np.testing.assert_allclose(batch["grads"][k], summed[k], atol=1e-11, err_msg=k)


def test_padded_values_change_nothing():
    rng = np.random.default_rng(6)
    lstm = LSTM(3, 4, 2, bidirectional=True, batch_first=True, seed=7)
    x = rng.standard_normal((3, 6, 3))
    lengths = [6, 2, 4]
    noisy = x.copy()
    for b, n in enumerate(lengths):
        noisy[b, n:] = 100 * rng.standard_normal((6 - n, 3))
    g = rng.standard_normal((3, 6, 8))
    out_a, (h_a, _) = lstm(x, lengths=lengths)
    gx_a = lstm.backward(g)
    grads_a = {k: v.copy() for k, v in lstm.grads.items()}
    out_b, (h_b, _) = lstm(noisy, lengths=lengths)
    gx_b = lstm.backward(g)
    np.testing.assert_array_equal(out_a, out_b)
    np.testing.assert_array_equal(h_a, h_b)
    np.testing.assert_array_equal(gx_a, gx_b)
    for k in grads_a:
        np.testing.assert_allclose(grads_a[k], lstm.grads[k], atol=1e-13)


def test_masked_numpy_lstm_matches_torch_pack_padded_sequence():
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    T, B, I, H, L = 5, 3, 2, 4, 2
    rng = np.random.default_rng(8)
    ours, ref = _pair(I, H, L, batch_first=True)
    lengths = np.array([2, 5, 3])
    x = rng.standard_normal((B, T, I))
    out, (h_n, c_n) = ours(x, lengths=lengths)
    g = rng.standard_normal(out.shape)
    grad_x = ours.backward(g)

    xt = torch.tensor(x, requires_grad=True)
    packed = pack_padded_sequence(xt, torch.from_numpy(lengths), batch_first=True,
                                  enforce_sorted=False)
    p_out, (p_h, p_c) = ref(packed)
    r_out, _ = pad_packed_sequence(p_out, batch_first=True, total_length=T)
    (r_out * torch.from_numpy(g)).sum().backward()
    np.testing.assert_allclose(out, r_out.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(h_n, p_h.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(c_n, p_c.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(grad_x, xt.grad.numpy(), atol=1e-12)
    for k, p in ref.named_parameters():
        np.testing.assert_allclose(ours.grads[k], p.grad.numpy(), atol=1e-11, err_msg=k)


def test_activations_of_the_backward_direction_are_in_time_order():
    lstm = LSTM(2, 3, bidirectional=True, seed=0)
    x = np.random.default_rng(0).standard_normal((5, 1, 2))
    out, _ = lstm(x)
    np.testing.assert_array_equal(lstm.activations(0, direction=1)["h"], out[:, :, 3:])
    np.testing.assert_array_equal(lstm.activations(0, direction=0)["h"], out[:, :, :3])
    with pytest.raises(ValueError, match="direction"):
        lstm.activations(0, direction=2)


def test_state_dict_round_trips_with_torch_bidirectional_names():
    ours = LSTM(3, 4, 2, bidirectional=True)
    names = [k for k, _ in torch.nn.LSTM(3, 4, 2, bidirectional=True).named_parameters()]
    assert list(ours.params) == names
    assert "bidirectional=True" in repr(ours)


@pytest.mark.parametrize(
    "lengths,match",
    [([1, 2], "expected 3 integers"), ([1, 2, 9], r"\[1, T=4\]"), ([0, 1, 1], r"\[1, T=4\]"),
     ([1.0, 2.0, 3.0], "integers")],
)
def test_bad_lengths_are_refused_with_a_clear_message(lengths, match):
    lstm = LSTM(2, 3)
    with pytest.raises(ValueError, match=match):
        lstm(np.zeros((4, 3, 2)), lengths=lengths)


def test_lengths_with_unbatched_input_are_refused():
    with pytest.raises(ValueError, match="batched"):
        LSTM(2, 3)(np.zeros((4, 2)), lengths=[4])


def test_bidirectional_state_has_two_entries_per_layer():
    lstm = LSTM(2, 3, 2, bidirectional=True)
    with pytest.raises(ValueError, match=r"\(2 \* num_layers, B, H\)"):
        lstm(np.zeros((4, 1, 2)), (np.zeros((2, 1, 3)), np.zeros((2, 1, 3))))


@pytest.mark.parametrize("lengths", [None, [3, 5, 1]])
def test_torch_backend_bidirectional_and_lengths_match_torch_nn_lstm(lengths):
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    from lstmbook.torch import LSTM as TorchLSTM

    T, B, I, H = 5, 3, 2, 4
    ours = TorchLSTM(I, H, 2, batch_first=True, bidirectional=True, dtype=torch.float64)
    ref = torch.nn.LSTM(I, H, 2, batch_first=True, bidirectional=True, dtype=torch.float64)
    ref.load_state_dict(ours.state_dict())
    x = torch.randn(B, T, I, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    out, (h, c) = ours(x, lengths=lengths)
    if lengths is None:
        r_out, (r_h, r_c) = ref(x)
    else:
        packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=True,
                                      enforce_sorted=False)
        p_out, (r_h, r_c) = ref(packed)
        r_out, _ = pad_packed_sequence(p_out, batch_first=True, total_length=T)
    torch.testing.assert_close(out, r_out)
    torch.testing.assert_close(h, r_h)
    torch.testing.assert_close(c, r_c)
    out.sum().backward()
    r_out.sum().backward()
    for (k, p), (_, q) in zip(ours.named_parameters(), ref.named_parameters(), strict=True):
        torch.testing.assert_close(p.grad, q.grad, msg=k)
