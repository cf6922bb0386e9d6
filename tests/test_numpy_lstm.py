"""lstmbook.numpy.LSTM / LSTMCell agree with torch.nn.LSTM / LSTMCell: values and gradients."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from lstmbook.gradcheck import relative_error
from lstmbook.numpy import LSTM, LSTMCell

torch = pytest.importorskip("torch")

TORCH_DTYPE = {np.float32: torch.float32, np.float64: torch.float64}
TOL = {np.float64: 1e-10, np.float32: 1e-5}


def torch_twin(lstm: LSTM) -> torch.nn.LSTM:
    """A torch.nn.LSTM with the same sizes and the same weights (via the state dict)."""
    twin = torch.nn.LSTM(
        lstm.input_size,
        lstm.hidden_size,
        lstm.num_layers,
        bias=lstm.bias,
        batch_first=lstm.batch_first,
        dtype=TORCH_DTYPE[lstm.dtype.type],
    )
    twin.load_state_dict({k: torch.from_numpy(v) for k, v in lstm.state_dict().items()})
    return twin


def run_both(lstm: LSTM, x, state, grad_output, grad_h_n, grad_c_n):
    """Forward and backward through the NumPy LSTM and its torch twin.

    Returns ``(ours, theirs)``: dicts of output, h_n, c_n, grad_x, grad_h_0, grad_c_0 and
    the parameter gradients (keys ``grad:<name>``).
    """
    out, (h_n, c_n) = lstm(x, state)
    grad_x = lstm.backward(grad_output, grad_h_n, grad_c_n)
    ours = {"output": out, "h_n": h_n, "c_n": c_n, "grad_x": grad_x}
    if state is not None:
        ours |= {"grad_h_0": lstm.grad_h_0, "grad_c_0": lstm.grad_c_0}
    ours |= {f"grad:{k}": v for k, v in lstm.grads.items()}

    twin = torch_twin(lstm)
    xt = torch.tensor(x, requires_grad=True)
    st_t = None
    if state is not None:
        st_t = tuple(torch.tensor(s, requires_grad=True) for s in state)
    out_t, (h_t, c_t) = twin(xt, st_t)
    loss = (out_t * torch.from_numpy(grad_output)).sum()
    loss = (
        loss + (h_t * torch.from_numpy(grad_h_n)).sum() + (c_t * torch.from_numpy(grad_c_n)).sum()
    )
    loss.backward()
    theirs = {"output": out_t, "h_n": h_t, "c_n": c_t, "grad_x": xt.grad}
    if state is not None:
        theirs |= {"grad_h_0": st_t[0].grad, "grad_c_0": st_t[1].grad}
    theirs |= {f"grad:{k}": p.grad for k, p in twin.named_parameters()}
    theirs = {k: v.detach().numpy() for k, v in theirs.items()}
    return ours, theirs


def make_problem(T, B, I, H, L, batch_first, unbatched, with_state, dtype, seed=0):
    """An LSTM, an input, optionally a state, and random upstream gradients."""
    rng = np.random.default_rng(seed)
    lstm = LSTM(I, H, L, batch_first=batch_first, dtype=dtype, seed=seed)
    if unbatched:
        x_shape, s_shape, o_shape = (T, I), (L, H), (T, H)
    elif batch_first:
        x_shape, s_shape, o_shape = (B, T, I), (L, B, H), (B, T, H)
    else:
        x_shape, s_shape, o_shape = (T, B, I), (L, B, H), (T, B, H)

    def draw(shape):
        return rng.standard_normal(shape).astype(dtype)

    state = (draw(s_shape), draw(s_shape)) if with_state else None
    return lstm, draw(x_shape), state, draw(o_shape), draw(s_shape), draw(s_shape)


NORM_FLOOR = 1e-3


def relative_difference(ours, theirs):
    """``||ours - theirs|| / max(||theirs||, NORM_FLOOR)``.

    The floor matters only for arrays that come out tiny because O(1) terms nearly
    cancel (hypothesis found T=3, B=1, I=4, H=1 with grad_h_0 = 1.8e-7): there both
    libraries carry rounding errors of the size of the terms, not of the result (torch
    itself is 7e-11 relative away from a long-double reference in that case), so they
    are compared relative to 1e-3 instead. Every array with norm above 1e-3 is compared
    purely relatively.
    """
    ours, theirs = np.asarray(ours, np.float64), np.asarray(theirs, np.float64)
    return np.linalg.norm(ours - theirs) / max(np.linalg.norm(theirs), NORM_FLOOR)


def assert_all_close(ours, theirs, tol):
    assert ours.keys() == theirs.keys()
    for k in ours:
        assert ours[k].shape == theirs[k].shape, k
        err = relative_difference(ours[k], theirs[k])
        assert err <= tol, f"{k}: relative error {err:.2e} > {tol:.0e}"


problem_sizes = dict(
    T=st.sampled_from([1, 2, 3, 9, 30]),
    B=st.integers(1, 4),
    I=st.integers(1, 6),
    H=st.integers(1, 6),
    L=st.integers(1, 3),
    batch_first=st.booleans(),
    unbatched=st.booleans(),
    with_state=st.booleans(),
)


@settings(max_examples=25, deadline=None)
@given(**problem_sizes)
@example(T=1, B=1, I=1, H=1, L=1, batch_first=False, unbatched=False, with_state=False)
@example(T=3, B=1, I=4, H=1, L=1, batch_first=False, unbatched=False, with_state=True)
@example(T=200, B=3, I=4, H=5, L=3, batch_first=True, unbatched=False, with_state=True)
@example(T=200, B=1, I=2, H=3, L=2, batch_first=False, unbatched=True, with_state=True)
def test_forward_and_every_gradient_match_torch_float64(
    T, B, I, H, L, batch_first, unbatched, with_state
):
    problem = make_problem(T, B, I, H, L, batch_first, unbatched, with_state, np.float64)
    ours, theirs = run_both(*problem)
    assert_all_close(ours, theirs, TOL[np.float64])


@settings(max_examples=10, deadline=None)
@given(**problem_sizes)
@example(T=200, B=2, I=3, H=4, L=2, batch_first=False, unbatched=False, with_state=True)
def test_forward_and_every_gradient_match_torch_float32(
    T, B, I, H, L, batch_first, unbatched, with_state
):
    problem = make_problem(T, B, I, H, L, batch_first, unbatched, with_state, np.float32)
    ours, theirs = run_both(*problem)
    for v in ours.values():
        assert v.dtype == np.float32
    assert_all_close(ours, theirs, TOL[np.float32])


def test_wider_layers_match_torch_float64():
    # Sizes where the BLAS takes its blocked paths rather than small-matrix ones.
    problem = make_problem(20, 8, 33, 40, 2, False, False, True, np.float64, seed=3)
    ours, theirs = run_both(*problem)
    assert_all_close(ours, theirs, TOL[np.float64])


def test_passed_in_state_is_used_and_matches_torch():
    lstm, x, state, *_ = make_problem(5, 2, 3, 4, 2, False, False, True, np.float64)
    out_zero, _ = lstm(x)
    out_state, (h_n, c_n) = lstm(x, state)
    assert relative_error(out_state, out_zero) > 1e-3
    twin = torch_twin(lstm)
    out_t, (h_t, c_t) = twin(torch.from_numpy(x), tuple(torch.from_numpy(s) for s in state))
    assert relative_error(out_state, out_t.detach().numpy()) <= 1e-10
    assert relative_error(c_n, c_t.detach().numpy()) <= 1e-10
    # An explicit zero state is the same as no state.
    zeros = (np.zeros_like(state[0]), np.zeros_like(state[1]))
    np.testing.assert_array_equal(lstm(x, zeros)[0], out_zero)


def test_float32_in_gives_float32_out_everywhere():
    lstm, x, state, go, gh, gc = make_problem(4, 2, 3, 5, 2, True, False, True, np.float32)
    out, (h_n, c_n) = lstm(x, state)
    grad_x = lstm.backward(go, gh, gc)
    arrays = [out, h_n, c_n, grad_x, lstm.grad_h_0, lstm.grad_c_0]
    arrays += list(lstm.params.values()) + list(lstm.grads.values())
    arrays += list(lstm.activations(1).values())
    assert all(a.dtype == np.float32 for a in arrays)


def test_huge_preactivations_give_finite_saturated_gates_without_warnings():
    lstm = LSTM(2, 3, dtype=np.float32, seed=0)
    for name in lstm.params:
        lstm.params[name][...] = 0.0
    s_i, s_f, s_g, s_o = slice(0, 3), slice(3, 6), slice(6, 9), slice(9, 12)
    w = lstm.params["weight_ih_l0"]
    w[s_i, 0], w[s_f, 0], w[s_g, 0], w[s_o, 0] = 1.0, -1.0, 1.0, 1.0
    x = np.array([[1e4, 0.0], [-1e4, 0.0]], dtype=np.float32)[:, None, :]  # pre-acts ±1e4
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        out, (h_n, c_n) = lstm(x)
        grad_x = lstm.backward(np.ones_like(out), np.ones_like(h_n), np.ones_like(c_n))
    acts = lstm.activations(0)
    assert all(np.isfinite(a).all() for a in [out, h_n, c_n, grad_x, *lstm.grads.values()])
    np.testing.assert_array_equal(acts["i"][0], 1.0)
    np.testing.assert_array_equal(acts["f"][0], 0.0)
    np.testing.assert_array_equal(acts["i"][1], 0.0)
    np.testing.assert_array_equal(acts["g"][1], -1.0)


def test_state_dict_has_torch_keys_and_round_trips_both_ways():
    for bias in (True, False):
        lstm = LSTM(3, 4, 3, bias=bias, seed=1)
        twin = torch.nn.LSTM(3, 4, 3, bias=bias, dtype=torch.float64)
        assert list(lstm.state_dict()) == list(twin.state_dict())
        # torch -> numpy, passing tensors directly
        lstm.load_state_dict(twin.state_dict())
        for k, v in twin.state_dict().items():
            np.testing.assert_array_equal(lstm.params[k], v.numpy())
        # numpy -> torch
        fresh = LSTM(3, 4, 3, bias=bias, seed=2)
        twin.load_state_dict({k: torch.from_numpy(v) for k, v in fresh.state_dict().items()})
        for k, v in twin.state_dict().items():
            np.testing.assert_array_equal(fresh.params[k], v.numpy())


def test_state_dict_returns_copies_and_load_keeps_param_arrays():
    lstm = LSTM(2, 3, seed=0)
    sd = lstm.state_dict()
    sd["weight_hh_l0"][...] = 7.0
    assert not (lstm.params["weight_hh_l0"] == 7.0).any()
    w = lstm.params["weight_hh_l0"]
    lstm.load_state_dict(sd)
    assert lstm.params["weight_hh_l0"] is w and (w == 7.0).all()


def test_init_is_uniform_within_one_over_sqrt_h_and_seeded():
    a, b, c = LSTM(5, 16, 2, seed=4), LSTM(5, 16, 2, seed=4), LSTM(5, 16, 2, seed=5)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
        assert not np.array_equal(a.params[k], c.params[k])
        assert np.abs(a.params[k]).max() <= 1 / 4
        assert np.abs(a.params[k]).max() > 0.2  # fills the interval, not a narrower one


def test_forget_bias_sets_forget_slice_of_bias_ih_and_zeroes_bias_hh_slice():
    lstm = LSTM(3, 4, 2, forget_bias=1.0, seed=0)
    for k in range(2):
        np.testing.assert_array_equal(lstm.params[f"bias_ih_l{k}"][4:8], 1.0)
        np.testing.assert_array_equal(lstm.params[f"bias_hh_l{k}"][4:8], 0.0)
        assert not (lstm.params[f"bias_ih_l{k}"][:4] == 1.0).any()


def test_activations_are_time_major_and_consistent_with_outputs():
    lstm, x, state, *_ = make_problem(6, 3, 2, 4, 2, True, False, True, np.float64)
    out, (h_n, c_n) = lstm(x, state)
    for layer in (0, 1):
        acts = lstm.activations(layer)
        assert set(acts) == {"i", "f", "g", "o", "c", "h"}
        assert all(a.shape == (6, 3, 4) for a in acts.values())
        np.testing.assert_allclose(acts["h"], acts["o"] * np.tanh(acts["c"]), rtol=1e-12)
        np.testing.assert_array_equal(acts["c"][-1], c_n[layer])
        np.testing.assert_array_equal(acts["h"][-1], h_n[layer])
        for gate in "ifo":
            assert ((acts[gate] > 0) & (acts[gate] < 1)).all()
    np.testing.assert_array_equal(lstm.activations(1)["h"], out.transpose(1, 0, 2))
    # c_t = f c_{t-1} + i g, with c_0 from the state
    acts = lstm.activations(0)
    c_prev = np.concatenate([state[1][:1], acts["c"][:-1]])
    np.testing.assert_allclose(acts["c"], acts["f"] * c_prev + acts["i"] * acts["g"], rtol=1e-12)


def test_activations_of_unbatched_input_are_t_by_h():
    lstm = LSTM(2, 3, seed=0)
    lstm(np.ones((5, 2)))
    assert all(a.shape == (5, 3) for a in lstm.activations().values())


def test_grads_are_overwritten_not_accumulated_and_backward_can_repeat():
    lstm, x, state, go, gh, gc = make_problem(4, 2, 3, 3, 2, False, False, True, np.float64)
    lstm(x, state)
    lstm.backward(go, gh, gc)
    first = {k: v.copy() for k, v in lstm.grads.items()}
    arrays = {k: v for k, v in lstm.grads.items()}
    lstm.backward(go, gh, gc)
    for k in first:
        np.testing.assert_array_equal(lstm.grads[k], first[k])
        assert lstm.grads[k] is arrays[k]  # filled in place
    lstm.backward(2 * go, 2 * gh, 2 * gc)  # linear in the upstream gradient
    for k in first:
        np.testing.assert_allclose(lstm.grads[k], 2 * first[k], rtol=1e-12)


@pytest.mark.parametrize(("B", "H", "unbatched"), [(2, 3, False), (1, 1, False), (1, 1, True)])
def test_changing_returned_arrays_does_not_change_backward_or_activations(B, H, unbatched):
    lstm, x, _, go, *_ = make_problem(5, B, 3, H, 1, False, unbatched, False, np.float64)
    out, (h_n, c_n) = lstm(x)
    gx = lstm.backward(go)
    grads = {k: v.copy() for k, v in lstm.grads.items()}
    acts = lstm.activations()
    out[...] = 123.0
    h_n[...] = 123.0
    c_n[...] = 123.0
    np.testing.assert_array_equal(lstm.backward(go), gx)
    for k, v in grads.items():
        np.testing.assert_array_equal(lstm.grads[k], v)
    for k, v in lstm.activations().items():
        np.testing.assert_array_equal(v, acts[k])


def test_grad_h_0_and_grad_c_0_exist_with_zero_state():
    lstm, x, _, go, gh, gc = make_problem(3, 2, 3, 4, 2, False, False, False, np.float64)
    lstm(x)
    lstm.backward(go, gh, gc)
    assert lstm.grad_h_0.shape == lstm.grad_c_0.shape == (2, 2, 4)
    assert np.abs(lstm.grad_h_0).sum() > 0


# ------------------------------------------------------------------------------- LSTMCell
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("batched", [True, False])
def test_lstm_cell_matches_torch_lstm_cell(dtype, batched):
    rng = np.random.default_rng(0)
    cell = LSTMCell(3, 4, dtype=dtype, seed=0)
    twin = torch.nn.LSTMCell(3, 4, dtype=TORCH_DTYPE[dtype])
    twin.load_state_dict({k: torch.from_numpy(v) for k, v in cell.state_dict().items()})
    shape_x, shape_s = ((5, 3), (5, 4)) if batched else ((3,), (4,))
    x, h0, c0, gh, gc = (
        rng.standard_normal(s).astype(dtype) for s in (shape_x, shape_s, shape_s, shape_s, shape_s)
    )
    h, c = cell(x, (h0, c0))
    grad_x = cell.backward(gh, gc)

    xt, h0t, c0t = (torch.tensor(a, requires_grad=True) for a in (x, h0, c0))
    ht, ct = twin(xt, (h0t, c0t))
    ((ht * torch.from_numpy(gh)).sum() + (ct * torch.from_numpy(gc)).sum()).backward()
    tol = TOL[dtype]
    pairs = [
        (h, ht),
        (c, ct),
        (grad_x, xt.grad),
        (cell.grad_h_0, h0t.grad),
        (cell.grad_c_0, c0t.grad),
    ]
    pairs += [(cell.grads[k], p.grad) for k, p in twin.named_parameters()]
    for ours, theirs in pairs:
        assert ours.dtype == dtype and ours.shape == tuple(theirs.shape)
        assert relative_error(ours, theirs.detach().numpy()) <= tol


def test_lstm_cell_step_equals_one_step_of_lstm():
    lstm = LSTM(3, 4, seed=0)
    cell = LSTMCell(3, 4, seed=1)
    cell.load_state_dict({k[:-3]: v for k, v in lstm.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((1, 2, 3))
    out, (h_n, c_n) = lstm(x)
    h, c = cell(x[0])
    np.testing.assert_allclose(h, out[0], rtol=1e-13)  # bias summation order may differ
    np.testing.assert_allclose(c, c_n[0], rtol=1e-13)


def test_numpy_backend_imports_no_torch():
    code = "import sys, lstmbook.numpy; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_benchmark_runs_every_backend_and_reports_agreement(capsys):
    from lstmbook.bench.cli import main

    rows = main(["--sizes", "3,2,4,5", "--repeats", "1", "--compile"])
    names = ["lstmbook.numpy", "lstmbook.torch", "torch", "lstmbook.torch compiled"]
    assert [r.backend for r in rows] == names
    assert all(r.forward_s > 0 and r.forward_backward_s > 0 for r in rows)
    assert all(r.max_rel_diff < 1e-5 for r in rows)  # float32 outputs agree with torch
    out = capsys.readouterr().out
    assert "lstmbook.numpy" in out
    # without a usable GPU the GPU table is skipped with the reason, not silently
    from lstmbook.backends import backend_status

    if not backend_status("cupy").usable:
        assert "GPU table skipped: " in out


def _row(size, backend, t):
    from lstmbook.bench import Row

    return Row(size, backend, t / 2, t, 1.0, 1.0, 0.0)


def test_benchmark_fastest_of_keeps_each_rows_minimum_and_refuses_mismatched_runs():
    from lstmbook.bench import fastest_of

    a = [_row((1, 1, 1, 1), "x", 3.0), _row((2, 1, 1, 1), "x", 1.0)]
    b = [_row((1, 1, 1, 1), "x", 2.0), _row((2, 1, 1, 1), "x", 5.0)]
    assert [r.forward_backward_s for r in fastest_of([a, b])] == [2.0, 1.0]
    with pytest.raises(ValueError, match="different sizes or backends"):
        fastest_of([a, b[::-1]])


def test_benchmark_fit_exponent_recovers_a_power_law():
    from lstmbook.bench import fit_exponent

    rows = [_row((T, 1, 1, 1), "x", 1e-3 * T**1.5) for T in (10, 20, 40, 80)]
    assert fit_exponent(rows, "x", axis=0) == pytest.approx(1.5, abs=1e-12)
    with pytest.raises(ValueError, match="at least two sizes"):
        fit_exponent(rows[:1], "x", axis=0)


def test_machine_description_names_cpu_and_blas():
    from lstmbook.bench import machine_description

    text = machine_description()
    assert "CPU" in text and "BLAS" in text and "NumPy" in text
