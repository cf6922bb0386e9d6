"""lstmbook.torch.LSTM / LSTMCell against torch.nn.LSTM / LSTMCell with shared weights."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from lstmbook.backends import BackendUnavailableError  # noqa: E402
from lstmbook.torch import LSTM, LSTMCell, lstm_step  # noqa: E402
from lstmbook.torch.train import evaluate, fit, resolve_device, train_step  # noqa: E402
from lstmbook.training import History  # noqa: E402

TOL = {torch.float64: 1e-10, torch.float32: 1e-5}


def lstm_pair(I, H, L=1, *, bias=True, batch_first=False, dtype=torch.float64, seed=0):
    """``(ours, reference)`` with the same weights, copied through a state dict."""
    torch.manual_seed(seed)
    ref = torch.nn.LSTM(I, H, L, bias=bias, batch_first=batch_first, dtype=dtype)
    ours = LSTM(I, H, L, bias=bias, batch_first=batch_first, dtype=dtype)
    ours.load_state_dict(ref.state_dict())
    return ours, ref


def run_with_grads(module, x, state=None, seed=1):
    """Forward, then backward of a random linear function of (output, h_n, c_n).

    Returns the forward results and the gradients of that loss with respect to the
    input, the initial state (if given) and every parameter, as a dict of tensors.
    """
    x = x.detach().clone().requires_grad_(True)
    if state is not None:
        state = tuple(s.detach().clone().requires_grad_(True) for s in state)
    module.zero_grad(set_to_none=True)
    out, (h_n, c_n) = module(x, state)
    gen = torch.Generator().manual_seed(seed)
    weights = [
        torch.randn(t.shape, generator=gen, dtype=t.dtype).to(t.device) for t in (out, h_n, c_n)
    ]
    loss = sum((t * w).sum() for t, w in zip((out, h_n, c_n), weights, strict=True))
    loss.backward()
    result = {"output": out, "h_n": h_n, "c_n": c_n, "grad_x": x.grad}
    if state is not None:
        result["grad_h_0"], result["grad_c_0"] = state[0].grad, state[1].grad
    for name, p in module.named_parameters():
        result[f"grad_{name}"] = p.grad
    return result


def assert_all_close(a: dict, b: dict, tol: float) -> None:
    assert a.keys() == b.keys()
    for key in a:
        assert a[key].shape == b[key].shape, key
        err = (a[key].detach() - b[key].detach()).abs().max().item()
        assert err <= tol, f"{key}: max abs difference {err:.3g} > {tol:g}"


def random_input(T, B, I, *, batch_first=False, unbatched=False, dtype=torch.float64, seed=2):
    gen = torch.Generator().manual_seed(seed)
    shape = (T, I) if unbatched else (B, T, I) if batch_first else (T, B, I)
    return torch.randn(shape, generator=gen, dtype=dtype)


def random_state(L, B, H, *, unbatched=False, dtype=torch.float64, seed=3):
    gen = torch.Generator().manual_seed(seed)
    shape = (L, H) if unbatched else (L, B, H)
    return tuple(0.5 * torch.randn(shape, generator=gen, dtype=dtype) for _ in range(2))


# ----------------------------------------------------------------------------------------
# agreement with torch.nn.LSTM


@settings(max_examples=30, deadline=None)
@given(
    I=st.integers(1, 6),
    H=st.integers(1, 6),
    L=st.integers(1, 3),
    T=st.integers(1, 5),
    B=st.integers(1, 4),
    bias=st.booleans(),
    batch_first=st.booleans(),
    unbatched=st.booleans(),
    with_state=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_matches_torch_lstm_float64(I, H, L, T, B, bias, batch_first, unbatched, with_state, seed):
    ours, ref = lstm_pair(I, H, L, bias=bias, batch_first=batch_first, seed=seed)
    x = random_input(T, B, I, batch_first=batch_first, unbatched=unbatched, seed=seed + 1)
    state = random_state(L, B, H, unbatched=unbatched, seed=seed + 2) if with_state else None
    assert_all_close(
        run_with_grads(ours, x, state), run_with_grads(ref, x, state), TOL[torch.float64]
    )


@pytest.mark.parametrize("L", [1, 2, 3])
@pytest.mark.parametrize("batch_first", [False, True])
def test_matches_torch_lstm_float32(L, batch_first):
    ours, ref = lstm_pair(5, 7, L, batch_first=batch_first, dtype=torch.float32)
    x = random_input(9, 4, 5, batch_first=batch_first, dtype=torch.float32)
    state = random_state(L, 4, 7, dtype=torch.float32)
    assert_all_close(
        run_with_grads(ours, x, state), run_with_grads(ref, x, state), TOL[torch.float32]
    )


def test_output_shapes():
    T, B, I, H, L = 6, 3, 4, 5, 2
    for batch_first, x_shape, out_shape in [
        (False, (T, B, I), (T, B, H)),
        (True, (B, T, I), (B, T, H)),
    ]:
        out, (h, c) = LSTM(I, H, L, batch_first=batch_first)(torch.randn(x_shape))
        assert out.shape == out_shape
        assert h.shape == c.shape == (L, B, H)
    out, (h, c) = LSTM(I, H, L)(torch.randn(T, I))
    assert out.shape == (T, H) and h.shape == c.shape == (L, H)


def test_state_is_used_and_chains_like_one_long_sequence():
    ours, _ = lstm_pair(3, 4, 2)
    x = random_input(8, 2, 3)
    out_full, (h_full, c_full) = ours(x)
    out_a, state_a = ours(x[:5])
    out_b, (h_b, c_b) = ours(x[5:], state_a)
    torch.testing.assert_close(torch.cat([out_a, out_b]), out_full, rtol=0, atol=1e-12)
    torch.testing.assert_close(h_b, h_full, rtol=0, atol=1e-12)
    torch.testing.assert_close(c_b, c_full, rtol=0, atol=1e-12)
    out_zero_state, _ = ours(x[5:])
    assert (out_zero_state - out_b).abs().max() > 1e-3


def test_autograd_gradcheck():
    ours, _ = lstm_pair(2, 3, 2, seed=5)
    x = random_input(3, 2, 2).requires_grad_(True)
    h0, c0 = (s.requires_grad_(True) for s in random_state(2, 2, 3))

    def f(x, h0, c0, *params):
        state = dict(zip([n for n, _ in ours.named_parameters()], params, strict=True))
        out, (h, c) = torch.func.functional_call(ours, state, (x, (h0, c0)))
        return out, h, c

    params = [p.detach().clone().requires_grad_(True) for p in ours.parameters()]
    assert torch.autograd.gradcheck(f, (x, h0, c0, *params))


# ----------------------------------------------------------------------------------------
# the equations, gate by gate


def test_step_is_the_lstm_equations():
    """One step against the textbook form with a separate matrix per gate."""
    gen = torch.Generator().manual_seed(0)
    B, I, H = 3, 4, 5
    x, h, c = (torch.randn(B, n, generator=gen, dtype=torch.float64) for n in (I, H, H))
    W_ih = torch.randn(4 * H, I, generator=gen, dtype=torch.float64)
    W_hh = torch.randn(4 * H, H, generator=gen, dtype=torch.float64)
    b_ih, b_hh = (torch.randn(4 * H, generator=gen, dtype=torch.float64) for _ in range(2))

    def gate(k, act):
        rows = slice(k * H, (k + 1) * H)
        return act(x @ W_ih[rows].T + b_ih[rows] + h @ W_hh[rows].T + b_hh[rows])

    i, f, g, o = (
        gate(k, a) for k, a in enumerate([torch.sigmoid] * 2 + [torch.tanh, torch.sigmoid])
    )
    c_expected = f * c + i * g
    h_expected = o * torch.tanh(c_expected)
    h_next, c_next = lstm_step(x @ W_ih.T + b_ih, h, c, W_hh, b_hh)
    torch.testing.assert_close(c_next, c_expected, rtol=0, atol=1e-14)
    torch.testing.assert_close(h_next, h_expected, rtol=0, atol=1e-14)


# ----------------------------------------------------------------------------------------
# LSTMCell


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("unbatched", [False, True])
def test_cell_matches_torch_lstm_cell(bias, unbatched):
    torch.manual_seed(0)
    ref = torch.nn.LSTMCell(4, 6, bias=bias, dtype=torch.float64)
    ours = LSTMCell(4, 6, bias=bias, dtype=torch.float64)
    ours.load_state_dict(ref.state_dict())
    shape = (4,) if unbatched else (3, 4)
    state_shape = (6,) if unbatched else (3, 6)
    x = torch.randn(shape, dtype=torch.float64)
    h0, c0 = (
        torch.randn(state_shape, dtype=torch.float64),
        torch.randn(state_shape, dtype=torch.float64),
    )

    def run(module):
        xs = [t.clone().requires_grad_(True) for t in (x, h0, c0)]
        module.zero_grad(set_to_none=True)
        h, c = module(xs[0], (xs[1], xs[2]))
        (h.sin().sum() + (c * c).sum()).backward()
        grads = [t.grad for t in xs] + [p.grad for p in module.parameters()]
        return [h, c, *grads]

    for a, b in zip(run(ours), run(ref), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-12)
    h, c = ours(x)  # zero state when omitted
    h_ref, c_ref = ref(x)
    torch.testing.assert_close(h, h_ref, rtol=0, atol=1e-12)


# ----------------------------------------------------------------------------------------
# parameters and state dicts


@pytest.mark.parametrize("bias", [True, False])
def test_state_dicts_load_both_ways(bias):
    ref = torch.nn.LSTM(3, 4, 3, bias=bias)
    ours = LSTM(3, 4, 3, bias=bias)
    assert {k: v.shape for k, v in ours.state_dict().items()} == {
        k: v.shape for k, v in ref.state_dict().items()
    }
    ours.load_state_dict(ref.state_dict(), strict=True)
    ref2 = torch.nn.LSTM(3, 4, 3, bias=bias)
    ref2.load_state_dict(ours.state_dict(), strict=True)
    for k, v in ref.state_dict().items():
        assert torch.equal(ref2.state_dict()[k], v)


def test_default_init_is_torch_uniform():
    torch.manual_seed(0)
    H = 16
    m = LSTM(8, H, 2)
    bound = 1 / H**0.5
    for p in m.parameters():
        assert p.abs().max() <= bound
        assert p.abs().max() > 0.8 * bound  # actually spread over the range, not zeros
    assert m.weight_ih_l0.dtype == torch.get_default_dtype()


def test_forget_bias_sets_the_forget_gate_bias():
    H = 5
    m = LSTM(3, H, 2, forget_bias=1.0, dtype=torch.float64)
    for k in range(2):
        b_ih, b_hh = getattr(m, f"bias_ih_l{k}"), getattr(m, f"bias_hh_l{k}")
        torch.testing.assert_close(
            b_ih[H : 2 * H] + b_hh[H : 2 * H], torch.ones(H, dtype=torch.float64)
        )
        assert b_ih[:H].abs().max() > 0  # the other gates stay random
    cell = LSTMCell(3, H, forget_bias=2.0)
    assert torch.all(cell.bias_ih[H : 2 * H] + cell.bias_hh[H : 2 * H] == 2.0)
    with pytest.raises(ValueError, match="forget_bias needs bias=True"):
        LSTM(3, H, bias=False, forget_bias=1.0)


def test_repr_mentions_the_configuration():
    assert repr(LSTM(3, 4, 2, batch_first=True)) == "LSTM(3, 4, num_layers=2, batch_first=True)"


# ----------------------------------------------------------------------------------------
# errors


@pytest.fixture
def lstm():
    return LSTM(3, 4, 2, dtype=torch.float64)


@pytest.mark.parametrize(
    "x, exc, match",
    [
        (
            torch.zeros(2, 3, 4, 3, dtype=torch.float64),
            ValueError,
            "expected a 2-D or 3-D tensor, got 4-D",
        ),
        (torch.zeros(3, dtype=torch.float64), ValueError, "got 1-D"),
        (
            torch.zeros(5, 2, 7, dtype=torch.float64),
            ValueError,
            "last axis has size 7, but input_size is 3",
        ),
        (
            torch.zeros(5, 2, 3, dtype=torch.float32),
            TypeError,
            "dtype torch.float32 does not match",
        ),
        (torch.zeros(5, 2, 3, dtype=torch.int64), TypeError, "dtype torch.int64 does not match"),
        (torch.zeros(0, 2, 3, dtype=torch.float64), ValueError, "sequence is empty"),
        ([[0.0, 1.0, 2.0]], TypeError, "expected a torch.Tensor, got list"),
    ],
)
def test_bad_input_raises(lstm, x, exc, match):
    with pytest.raises(exc, match=match):
        lstm(x)


def test_nan_input_raises(lstm):
    x = torch.zeros(5, 2, 3, dtype=torch.float64)
    x[1, 0, 2] = float("nan")
    x[3, 1, 0] = float("inf")
    with pytest.raises(ValueError, match=r"input: contains 1 NaN and 1 infinite"):
        lstm(x)


@pytest.mark.parametrize(
    "state, exc, match",
    [
        (torch.zeros(2, 2, 4, dtype=torch.float64), TypeError, "expected a tuple"),
        ((torch.zeros(2, 2, 4, dtype=torch.float64),), TypeError, "of length 1"),
        ((torch.zeros(1, 2, 4), torch.zeros(1, 2, 4)), TypeError, "h_0: dtype torch.float32"),
        (
            (torch.zeros(1, 2, 4, dtype=torch.float64), torch.zeros(2, 2, 4, dtype=torch.float64)),
            ValueError,
            r"h_0: expected shape \(2, 2, 4\) \(num_layers, B, H\), got \(1, 2, 4\)",
        ),
        (
            (
                torch.zeros(2, 2, 4, dtype=torch.float64),
                torch.full((2, 2, 4), float("nan"), dtype=torch.float64),
            ),
            ValueError,
            "c_0: contains 16 NaN",
        ),
    ],
)
def test_bad_state_raises(lstm, state, exc, match):
    with pytest.raises(exc, match=match):
        lstm(torch.zeros(5, 2, 3, dtype=torch.float64), state)


def test_the_state_is_the_second_argument_or_state_as_in_numpy():
    """torch.nn.LSTM's call ``lstm(x, hx)`` works; the keyword is ``state``, as in NumPy."""
    ours, ref = lstm_pair(3, 4, 2)
    x, state = random_input(5, 2, 3), random_state(2, 2, 4)
    by_position, (h_p, c_p) = ours(x, state)
    by_keyword, (h_k, c_k) = ours(x, state=state)
    expected, _ = ref(x, state)
    assert torch.equal(by_position, by_keyword) and torch.equal(c_p, c_k)
    torch.testing.assert_close(by_position, expected)
    cell = LSTMCell(3, 4, dtype=torch.float64)
    assert torch.equal(cell(x[0], (h_p[0], c_p[0]))[0], cell(x[0], state=(h_p[0], c_p[0]))[0])


def test_unbatched_state_must_be_2d(lstm):
    bad = (torch.zeros(2, 1, 4, dtype=torch.float64),) * 2
    with pytest.raises(ValueError, match=r"h_0: expected shape \(2, 4\) \(num_layers, H\)"):
        lstm(torch.zeros(5, 3, dtype=torch.float64), bad)


@pytest.mark.parametrize(
    "kwargs, exc",
    [
        ({"hidden_size": 0}, ValueError),
        ({"num_layers": 0}, ValueError),
        ({"hidden_size": 2.0}, TypeError),
        ({"dtype": torch.int32}, TypeError),
    ],
)
def test_bad_constructor_args_raise(kwargs, exc):
    args = {"input_size": 3, "hidden_size": 4, **kwargs}
    with pytest.raises(exc):
        LSTM(**args)


# ----------------------------------------------------------------------------------------
# the training helper


class LastStepRegressor(torch.nn.Module):
    """LSTM over (B, T, 1), a linear read-out of the last hidden state: (B, 1)."""

    def __init__(self, hidden_size=8):
        super().__init__()
        self.lstm = LSTM(1, hidden_size, batch_first=True)
        self.head = torch.nn.Linear(hidden_size, 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


def sum_task(n_batches=4, batch_size=16, T=5, seed=0):
    """Batches of (x, y) with y the sum of the sequence x: learnable by a small LSTM."""
    gen = torch.Generator().manual_seed(seed)
    xs = [torch.rand(batch_size, T, 1, generator=gen) for _ in range(n_batches)]
    return [(x, x.sum(dim=1)) for x in xs]


def test_train_decreases_the_loss():
    torch.manual_seed(0)
    model = LastStepRegressor()
    batches = sum_task()
    val = sum_task(n_batches=1, seed=1)[0]
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-2)
    history = fit(
        model,
        batches,
        loss_fn=torch.nn.MSELoss(),
        optimizer=optimizer,
        epochs=8,
        device="cpu",
        progress=False,
        val_data=val,
        restore_best=False,
    )
    assert isinstance(history, History)
    assert len(history.loss) == len(history.grad_norm) == 8 * 4
    assert len(history.epoch_loss) == len(history.val_loss) == 8
    assert history.epoch_loss[-1] < 0.2 * history.epoch_loss[0]
    assert history.val_loss[-1] < 0.2 * history.val_loss[0]
    assert all(n > 0 for n in history.grad_norm) and history.seconds > 0
    assert history.val_loss[-1] == pytest.approx(evaluate(model, torch.nn.MSELoss(), val))


def test_train_accepts_numpy_batches_and_batch_generators():
    torch.manual_seed(0)
    model = LastStepRegressor()
    numpy_batches = [(x.numpy(), y.numpy()) for x, y in sum_task()]
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-2)
    mse = torch.nn.MSELoss()
    history = fit(model, numpy_batches, loss_fn=mse, optimizer=optimizer, epochs=2, progress=False)
    assert len(history.loss) == 8
    history = fit(
        model,
        lambda update: numpy_batches[update % 4],
        loss_fn=mse,
        optimizer=optimizer,
        steps=8,
        progress=False,
    )
    assert len(history.loss) == 8


def test_clip_norm_bounds_the_update():
    torch.manual_seed(0)
    model = LastStepRegressor()
    before = torch.cat([p.detach().flatten().clone() for p in model.parameters()])
    x, y = sum_task(n_batches=1)[0]
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
    loss, norm = train_step(model, torch.nn.MSELoss(), optimizer, x, 100 * y, clip_norm=1e-3)
    after = torch.cat([p.detach().flatten() for p in model.parameters()])
    assert norm > 1.0  # the raw gradient was large ...
    assert (after - before).norm() == pytest.approx(1e-3, rel=1e-3)  # ... the step was clipped


def test_train_stops_on_nan_loss():
    model = LastStepRegressor()
    x, y = sum_task(n_batches=1)[0]
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    before = [p.detach().clone() for p in model.parameters()]
    with pytest.raises(FloatingPointError, match="training diverged"):
        fit(
            model,
            [(x, y)],
            loss_fn=lambda pred, y: pred.sum() * float("nan"),
            optimizer=optimizer,
            epochs=1,
            progress=False,
        )
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))


def test_one_shot_generator_is_refused():
    model = LastStepRegressor()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    once = (b for b in sum_task())
    with pytest.raises(ValueError, match="one-shot iterator"):
        fit(model, once, loss_fn=torch.nn.MSELoss(), optimizer=optimizer, epochs=2, progress=False)


def test_evaluate_weights_batches_by_size():
    torch.manual_seed(0)
    model = LastStepRegressor().train()
    x, y = sum_task(n_batches=1, batch_size=10)[0]
    loss_fn = torch.nn.MSELoss()
    whole = evaluate(model, loss_fn, (x, y))
    split = evaluate(model, loss_fn, [(x[:3], y[:3]), (x[3:], y[3:])])
    assert split == pytest.approx(whole, rel=1e-6)
    assert model.training  # the mode is restored
    assert all(p.grad is None for p in model.parameters())


def test_device_cuda_without_cuda_is_a_clear_error():
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    assert resolve_device("auto") == torch.device("cpu")
    model = LastStepRegressor()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(
        BackendUnavailableError, match="device='cuda' was asked for, but PyTorch cannot use CUDA"
    ):
        fit(
            model,
            sum_task(),
            loss_fn=torch.nn.MSELoss(),
            optimizer=optimizer,
            epochs=1,
            device="cuda",
            progress=False,
        )


def test_train_rejects_bad_arguments():
    model = LastStepRegressor()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    mse = torch.nn.MSELoss()
    with pytest.raises(ValueError, match="epochs must be a positive"):
        fit(model, sum_task(), loss_fn=mse, optimizer=optimizer, epochs=0, progress=False)
    with pytest.raises(ValueError, match="clip_norm must be positive"):
        fit(model, sum_task(), loss_fn=mse, optimizer=optimizer, epochs=1, clip_norm=0.0)


# ----------------------------------------------------------------------------------------
# GPU


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device for torch")
def test_cuda_matches_cpu():
    ours, _ = lstm_pair(4, 8, 2)
    x, state = random_input(6, 3, 4), random_state(2, 3, 8)
    cpu = run_with_grads(ours, x, state)
    gpu = run_with_grads(ours.to("cuda"), x.to("cuda"), tuple(s.to("cuda") for s in state))
    assert_all_close(cpu, {k: v.cpu() for k, v in gpu.items()}, 1e-10)
    with pytest.raises(ValueError, match="is on cpu but the weights are on cuda"):
        ours(x)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device for torch")
def test_train_on_cuda():
    torch.manual_seed(0)
    model = LastStepRegressor()
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-2)
    history = fit(
        model,
        sum_task(),
        loss_fn=torch.nn.MSELoss(),
        optimizer=optimizer,
        epochs=4,
        device="cuda",
        progress=False,
    )
    assert next(model.parameters()).is_cuda
    assert history.epoch_loss[-1] < history.epoch_loss[0]
    assert resolve_device("auto").type == "cuda"


def test_progress_bar_shows_the_loss(capsys):
    import time

    def slow_mse(pred, y):  # the bar redraws at most every 0.1 s
        time.sleep(0.05)
        return torch.nn.functional.mse_loss(pred, y)

    model = LastStepRegressor()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    fit(model, sum_task(), loss_fn=slow_mse, optimizer=optimizer, epochs=2, progress=True)
    err = capsys.readouterr().err
    assert "/8 [" in err and "loss=" in err  # it knows the total and shows the loss
