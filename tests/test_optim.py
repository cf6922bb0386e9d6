"""SGD, Adam and clip_grad_norm_ agree with torch.optim / torch.nn.utils step by step."""

from __future__ import annotations

import numpy as np
import pytest

from lstmbook.numpy.layers import Linear
from lstmbook.numpy.optim import SGD, Adam, clip_grad_norm_, collect_modules

torch = pytest.importorskip("torch")

N_STEPS = 6


class Params:
    """Bare module: two parameter arrays and their gradients."""

    def __init__(self, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.params = {"a": rng.standard_normal((3, 4)), "b": rng.standard_normal(5)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}


def run_both(make_ours, make_theirs, *, clip: float | None = None):
    """Apply N_STEPS updates with the same random gradients to both libraries.

    Returns the largest absolute difference between parameters after every step (and
    between the pre-clip norms, if ``clip`` is given).
    """
    mods = [Params(0), Params(1)]
    slots = [(m, k) for m in mods for k in m.params]
    tensors = [torch.tensor(m.params[k].copy(), requires_grad=True) for m, k in slots]
    ours, theirs = make_ours(mods), make_theirs(tensors)
    rng = np.random.default_rng(42)
    worst = 0.0
    for _ in range(N_STEPS):
        for (m, k), t in zip(slots, tensors, strict=True):
            g = 3 * rng.standard_normal(m.params[k].shape)
            m.grads[k][...] = g
            t.grad = torch.from_numpy(g.copy())
        if clip is not None:
            n_ours = clip_grad_norm_(mods, clip)
            n_theirs = torch.nn.utils.clip_grad_norm_(tensors, clip).item()
            worst = max(worst, abs(n_ours - n_theirs))
        ours.step()
        theirs.step()
        for (m, k), t in zip(slots, tensors, strict=True):
            worst = max(worst, float(np.abs(m.params[k] - t.detach().numpy()).max()))
    return worst


@pytest.mark.parametrize(
    "kwargs",
    [
        {"lr": 0.1},
        {"lr": 0.05, "momentum": 0.9},
        {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.01},
    ],
)
def test_sgd_matches_torch(kwargs):
    worst = run_both(lambda m: SGD(m, **kwargs), lambda t: torch.optim.SGD(t, **kwargs))
    assert worst <= 1e-12


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6},
        {"lr": 0.003, "weight_decay": 0.1},
    ],
)
def test_adam_matches_torch(kwargs):
    worst = run_both(lambda m: Adam(m, **kwargs), lambda t: torch.optim.Adam(t, **kwargs))
    assert worst <= 1e-12


@pytest.mark.parametrize("max_norm", [0.5, 1e6])  # clipping, and a norm that never clips
def test_clip_grad_norm_matches_torch(max_norm):
    worst = run_both(lambda m: SGD(m, lr=0.1), lambda t: torch.optim.SGD(t, lr=0.1), clip=max_norm)
    assert worst <= 1e-12


def test_clip_grad_norm_keeps_direction_and_returns_old_norm():
    m = Params(0)
    m.grads["a"][...] = 3.0
    m.grads["b"][...] = 4.0
    before = {k: v.copy() for k, v in m.grads.items()}
    expected = np.sqrt(12 * 9 + 5 * 16)
    assert clip_grad_norm_(m, 1.0) == pytest.approx(expected)
    after = np.sqrt(sum((g**2).sum() for g in m.grads.values()))
    assert after == pytest.approx(1.0, rel=1e-5)
    for k in before:
        np.testing.assert_allclose(m.grads[k] * expected / after, before[k], rtol=1e-12)
    with pytest.raises(ValueError, match="max_norm"):
        clip_grad_norm_(m, 0.0)


def test_updates_are_in_place():
    layer = Linear(3, 2, seed=0)
    weight = layer.params["weight"]
    layer.grads["weight"][...] = 1.0
    before = weight.copy()
    for opt in (SGD(layer, lr=0.1, momentum=0.9), Adam(layer, lr=0.1)):
        opt.step()
    assert layer.params["weight"] is weight
    assert not np.array_equal(weight, before)


def test_collect_modules_accepts_models_lists_and_dedups():
    a, b = Linear(2, 2), Linear(2, 2)

    class Model:
        def modules(self):
            return [a, b]

    assert collect_modules(a) == [a]
    assert collect_modules([a, b, a]) == [a, b]
    assert collect_modules(Model()) == [a, b]
    assert collect_modules([Model(), a]) == [a, b]
    with pytest.raises(TypeError, match="params"):
        collect_modules(3)


def test_bad_hyperparameters():
    layer = Linear(2, 2)
    with pytest.raises(ValueError, match="lr"):
        SGD(layer, lr=0.0)
    with pytest.raises(ValueError, match="momentum"):
        SGD(layer, lr=0.1, momentum=1.0)
    with pytest.raises(ValueError, match="beta2"):
        Adam(layer, betas=(0.9, 1.5))
    with pytest.raises(ValueError, match="lr"):
        Adam(layer, lr=-1.0)
    with pytest.raises(ValueError, match="no parameters"):
        Adam([])
