"""The book's three LSTMs agree on the CPU: lstmbook.numpy.LSTM (hand-written BPTT),
lstmbook.torch.LSTM (explicit gates, autograd) and torch.nn.LSTM (ATen kernels).

Weights travel only through state dicts (NumPy -> torch and torch -> NumPy), so these
tests also pin down that the three share parameter names, shapes and gate order.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import lstmbook.numpy as lnp  # noqa: E402
import lstmbook.torch as lt  # noqa: E402
from lstmbook.torch.convert import (  # noqa: E402
    numpy_lstm_to_torch,
    to_numpy_state_dict,
    to_torch_state_dict,
    torch_lstm_to_numpy,
)

TOL = 1e-10
NAMES = ("output", "h_n", "c_n", "grad_x", "grad_h_0", "grad_c_0")


def upstream_grads(out_shape, state_shape, seed):
    """Random ∂L/∂output, ∂L/∂h_n, ∂L/∂c_n: the loss is a random linear function."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal(out_shape), *rng.standard_normal((2, *state_shape))


def run_numpy(lstm, x, state, grads):
    out, (h_n, c_n) = lstm.forward(x, state)
    grad_x = lstm.backward(*grads)
    result = dict(zip(NAMES, (out, h_n, c_n, grad_x, lstm.grad_h_0, lstm.grad_c_0), strict=True))
    result.update({f"grad_{k}": v for k, v in lstm.grads.items()})
    return result


def run_torch(module, x, state, grads):
    x = torch.tensor(x, requires_grad=True)
    h0, c0 = (torch.tensor(s, requires_grad=True) for s in state)
    module.zero_grad(set_to_none=True)
    out, (h_n, c_n) = module(x, (h0, c0))
    loss = sum((t * torch.from_numpy(g)).sum() for t, g in zip((out, h_n, c_n), grads, strict=True))
    loss.backward()
    tensors = (out, h_n, c_n, x.grad, h0.grad, c0.grad)
    result = {k: t.detach().numpy() for k, t in zip(NAMES, tensors, strict=True)}
    result.update({f"grad_{k}": p.grad.numpy() for k, p in module.named_parameters()})
    return result


def assert_agree(a: dict, b: dict, what: str) -> None:
    assert a.keys() == b.keys(), what
    for key in a:
        assert a[key].shape == b[key].shape, f"{what}, {key}"
        err = float(np.max(np.abs(a[key] - b[key]), initial=0.0))
        assert err <= TOL, f"{what}, {key}: max abs difference {err:.3g} > {TOL:g}"


def three_lstms_from_numpy(I, H, L, bias, batch_first, seed):
    """NumPy LSTM with its own init; its state dict loaded into both torch LSTMs."""
    np_lstm = lnp.LSTM(
        I, H, L, bias=bias, batch_first=batch_first, seed=seed, forget_bias=1.0 if bias else None
    )
    ours = lt.LSTM(I, H, L, bias=bias, batch_first=batch_first, dtype=torch.float64)
    ref = torch.nn.LSTM(I, H, L, bias=bias, batch_first=batch_first, dtype=torch.float64)
    state = to_torch_state_dict(np_lstm.state_dict())
    ours.load_state_dict(state, strict=True)
    ref.load_state_dict(state, strict=True)
    return np_lstm, ours, ref


def three_lstms_from_torch(I, H, L, bias, batch_first, seed):
    """torch.nn.LSTM with torch's init; its state dict loaded into the other two."""
    torch.manual_seed(seed)
    ref = torch.nn.LSTM(I, H, L, bias=bias, batch_first=batch_first, dtype=torch.float64)
    ours = lt.LSTM(I, H, L, bias=bias, batch_first=batch_first, dtype=torch.float64)
    ours.load_state_dict(ref.state_dict(), strict=True)
    np_lstm = lnp.LSTM(I, H, L, bias=bias, batch_first=batch_first, seed=seed + 1)
    np_lstm.load_state_dict(to_numpy_state_dict(ref.state_dict()))
    return np_lstm, ours, ref


def check_three_way(make, I, H, L, T, B, bias, batch_first, unbatched, seed):
    np_lstm, ours, ref = make(I, H, L, bias, batch_first, seed)
    rng = np.random.default_rng(seed + 7)
    x_shape = (T, I) if unbatched else (B, T, I) if batch_first else (T, B, I)
    state_shape = (L, H) if unbatched else (L, B, H)
    out_shape = (*x_shape[:-1], H)
    x = rng.standard_normal(x_shape)
    state = tuple(0.5 * rng.standard_normal(state_shape) for _ in range(2))
    grads = upstream_grads(out_shape, state_shape, seed + 8)
    from_numpy = run_numpy(np_lstm, x, state, grads)
    assert_agree(from_numpy, run_torch(ours, x, state, grads), "numpy vs lstmbook.torch")
    assert_agree(from_numpy, run_torch(ref, x, state, grads), "numpy vs torch.nn.LSTM")


sizes = {
    "I": st.integers(1, 5),
    "H": st.integers(1, 5),
    "L": st.integers(1, 3),
    "T": st.integers(1, 5),
    "B": st.integers(1, 3),
    "bias": st.booleans(),
    "batch_first": st.booleans(),
    "unbatched": st.booleans(),
    "seed": st.integers(0, 2**16),
}


@settings(max_examples=20, deadline=None)
@given(**sizes)
def test_weights_from_numpy_agree(I, H, L, T, B, bias, batch_first, unbatched, seed):
    check_three_way(three_lstms_from_numpy, I, H, L, T, B, bias, batch_first, unbatched, seed)


@settings(max_examples=20, deadline=None)
@given(**sizes)
def test_weights_from_torch_agree(I, H, L, T, B, bias, batch_first, unbatched, seed):
    check_three_way(three_lstms_from_torch, I, H, L, T, B, bias, batch_first, unbatched, seed)


@pytest.mark.parametrize("L", [1, 2, 3])
@pytest.mark.parametrize("batch_first", [False, True])
def test_longer_sequences_agree(L, batch_first):
    """Thirty steps: errors that grow along the recurrence would show here."""
    check_three_way(three_lstms_from_numpy, 4, 6, L, 30, 3, True, batch_first, False, seed=L)


# ----------------------------------------------------------------------------------------
# the conversion helpers


@pytest.mark.parametrize("explicit", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numpy_lstm_to_torch(explicit, dtype):
    np_lstm = lnp.LSTM(3, 4, 2, batch_first=True, dtype=dtype, seed=0)
    module = numpy_lstm_to_torch(np_lstm, explicit=explicit)
    assert isinstance(module, lt.LSTM if explicit else torch.nn.LSTM)
    assert module.batch_first and module.num_layers == 2
    assert (
        module.weight_ih_l0.dtype == {np.float32: torch.float32, np.float64: torch.float64}[dtype]
    )
    x = np.random.default_rng(1).standard_normal((2, 5, 3)).astype(dtype)
    out_np, _ = np_lstm.forward(x)
    out_t, _ = module(torch.from_numpy(x))
    np.testing.assert_allclose(
        out_t.detach().numpy(), out_np, rtol=0, atol=1e-6 if dtype == np.float32 else 1e-12
    )


@pytest.mark.parametrize("module_cls", [torch.nn.LSTM, lt.LSTM])
def test_torch_lstm_to_numpy(module_cls):
    module = module_cls(3, 4, 2, bias=False, batch_first=True, dtype=torch.float64)
    np_lstm = torch_lstm_to_numpy(module)
    assert isinstance(np_lstm, lnp.LSTM)
    assert (np_lstm.num_layers, np_lstm.bias, np_lstm.batch_first) == (2, False, True)
    assert np_lstm.dtype == np.float64
    x = np.random.default_rng(1).standard_normal((2, 5, 3))
    out_t, _ = module(torch.from_numpy(x))
    np.testing.assert_allclose(np_lstm.forward(x)[0], out_t.detach().numpy(), rtol=0, atol=1e-12)


def test_torch_lstm_to_numpy_refuses_what_numpy_lacks():
    with pytest.raises(ValueError, match="bidirectional"):
        torch_lstm_to_numpy(torch.nn.LSTM(3, 4, bidirectional=True))
    with pytest.raises(TypeError, match="got GRU"):
        torch_lstm_to_numpy(torch.nn.GRU(3, 4))


def test_conversions_copy():
    np_lstm = lnp.LSTM(2, 3, seed=0)
    state = to_torch_state_dict(np_lstm.state_dict())
    state["weight_ih_l0"].add_(1.0)
    assert not np.allclose(np_lstm.params["weight_ih_l0"], state["weight_ih_l0"].numpy())
    module = torch.nn.LSTM(2, 3)
    arrays = to_numpy_state_dict(module.state_dict())
    arrays["weight_hh_l0"] += 1.0
    assert not np.allclose(module.weight_hh_l0.detach().numpy(), arrays["weight_hh_l0"])


def test_state_dict_dtype_and_device_options():
    np_state = lnp.LSTM(2, 3, seed=0).state_dict()
    state = to_torch_state_dict(np_state, device="cpu", dtype=torch.float32)
    assert all(v.dtype == torch.float32 and v.device.type == "cpu" for v in state.values())
    assert set(state) == set(np_state)
    with pytest.raises(TypeError, match="expected a floating array"):
        to_torch_state_dict({"weight_ih_l0": np.zeros((4, 2), dtype=np.int64)})
