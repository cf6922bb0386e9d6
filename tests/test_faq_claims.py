"""Claims the FAQ pages (book/faq/) rest on, checked so that a new release of PyTorch
or a change to the book's model and loop cannot silently make a page wrong."""

import numpy as np
import torch
from torch import nn

from lstmbook.data.faq_tasks import faq_task
from lstmbook.torch.faq import mse
from lstmbook.torch.models import RecurrentNet
from lstmbook.torch.train import fit


def test_torch_lstm_is_time_first_by_default_and_takes_a_batch_first_array_silently():
    B, T, I, H = 4, 7, 3, 5
    layer = torch.nn.LSTM(I, H)
    assert layer.batch_first is False
    x = torch.zeros(B, T, I)
    out, (h_n, c_n) = layer(x.transpose(0, 1))
    assert out.shape == (T, B, H) and h_n.shape == c_n.shape == (1, B, H)
    swapped, (h_swapped, _) = layer(x)          # no error: B read as T, T as B
    assert swapped.shape == (B, T, H) and h_swapped.shape == (1, T, H)


def test_batch_first_changes_the_output_layout_but_not_the_states():
    layer = torch.nn.LSTM(3, 5, batch_first=True)
    out, (h_n, c_n) = layer(torch.zeros(4, 7, 3))
    assert out.shape == (4, 7, 5) and h_n.shape == c_n.shape == (1, 4, 5)


def test_the_huber_loss_bounds_the_pull_of_a_target_far_off_and_the_squared_error_does_not():
    prediction = torch.zeros(2, requires_grad=True)
    target = torch.tensor([0.5, 30.0])           # one ordinary error, one outlier
    pulls = {}
    for name, loss_fn in (("mse", nn.MSELoss()), ("huber", nn.HuberLoss(delta=1.0))):
        prediction.grad = None
        loss_fn(prediction, target).backward()
        pulls[name] = prediction.grad.abs().numpy() * len(target)
    np.testing.assert_allclose(pulls["mse"], [1.0, 60.0])      # 2|e|: grows with the error
    np.testing.assert_allclose(pulls["huber"], [0.5, 1.0])     # |e| up to δ, then δ


def test_the_book_model_and_fit_memorise_eight_sine_windows():
    torch.set_num_threads(1)
    x, y, _, _ = faq_task("sine")
    x8, y8 = x[:8], y[:8]
    torch.manual_seed(0)
    model = RecurrentNet("lstm", 1, 32, 1)
    history = fit(model, (x8, y8), loss_fn=nn.MSELoss(), lr=1e-2, steps=500,
                  batch_size=8, seed=0)
    assert history.updates == 500
    assert mse(model, x8, y8) < 1e-3 * float(np.var(y8))


def test_the_sine_task_targets_are_the_next_value_not_the_last_input():
    x, y, x_te, y_te = faq_task("sine")
    assert not np.any(y[:, 0] == x[:, -1, 0]) and not np.any(y_te[:, 0] == x_te[:, -1, 0])
    # each window's target is the next window's last input: one step ahead
    np.testing.assert_array_equal(y[:-1, 0], x[1:, -1, 0])
