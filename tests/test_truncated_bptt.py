"""Truncated BPTT: same forward values, no gradient beyond the window, memory bounded by it."""

import torch

from lstmbook.truncated_bptt import detach_state, run_truncated, saved_tensor_bytes


def _lstm():
    torch.manual_seed(0)
    return torch.nn.LSTM(3, 5, batch_first=True)


def test_truncation_changes_no_forward_value():
    rnn, x = _lstm(), torch.randn(2, 12, 3)
    full, _ = rnn(x)
    cut, _ = run_truncated(rnn, x, 4)
    torch.testing.assert_close(full, cut)


def test_no_gradient_reaches_past_the_last_window():
    rnn = _lstm()
    x = torch.randn(2, 12, 3, requires_grad=True)
    out, _ = run_truncated(rnn, x, 5)
    out[:, -1].sum().backward()
    norms = x.grad.norm(dim=(0, 2))
    assert torch.all(norms[:10] == 0)  # windows [0,5), [5,10) are cut off from step 11
    assert torch.all(norms[10:] > 0)


def test_saved_memory_grows_with_length_and_is_capped_by_the_window():
    rnn = _lstm()

    def saved(T, window):
        x = torch.randn(2, T, 3)
        return saved_tensor_bytes(lambda: run_truncated(rnn, x, window)[0].sum())[1]

    per_20_steps = saved(40, None) - saved(20, None)
    assert per_20_steps > 0
    later = saved(60, None) - saved(40, None)
    assert 0.7 < later / per_20_steps < 1.4  # about linear in T (allocator rounding aside)
    x = torch.randn(2, 10, 3)
    one_window = saved_tensor_bytes(lambda: rnn(x)[0].sum())[1]
    assert 0 < one_window < saved(40, None)


def test_detach_state_cuts_the_graph_of_a_state_and_keeps_none():
    rnn = _lstm()
    _, (h, c) = rnn(torch.randn(2, 4, 3))
    h2, c2 = detach_state((h, c))
    assert h.requires_grad and not h2.requires_grad and not c2.requires_grad
    torch.testing.assert_close(h2, h)
    assert detach_state(None) is None
