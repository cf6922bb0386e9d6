"""Exercises of the challenges chapter (book/challenges/*.ipynb)."""

from __future__ import annotations

import numpy as np

from ._core import WrongAnswer, register
from .compare import compare_array, compare_choice, compare_number

# --------------------------------------------------------------------------- cost


def _layer_params(I: int, H: int) -> int:
    return 4 * (H * I + H * H + 2 * H)


def _stacked_params(I: int = 16, H: int = 32, layers: int = 2) -> int:
    from lstmbook.numpy import LSTM, parameter_count

    return parameter_count(LSTM(I, H, num_layers=layers, seed=0))


register(
    "cost-1",
    title="Parameters of a two-layer LSTM with I = 16 inputs and H = 32 units per layer",
    page="challenges/cost",
    kind="number",
    checker=lambda a: compare_number(
        a, _stacked_params(),
        hint="Layer 1 reads the I inputs; layer 2 reads layer 1's h, of size H.",
    ),
    reference=_stacked_params,
    wrong_answers=lambda: [
        WrongAnswer(_layer_params(16, 32), says="too small", label="one layer only"),
        WrongAnswer(2 * _layer_params(16, 32), says="too small",
                    label="layer 2 counted with I inputs"),
        WrongAnswer(2 * _layer_params(32, 32), says="too large",
                    label="layer 1 counted with H inputs"),
    ],
)


def _forward_flops(T: int = 100, B: int = 8, I: int = 32, H: int = 64) -> int:
    from lstmbook.numpy import flops_per_step

    return T * flops_per_step("lstm", I, H, B)


register(
    "cost-2",
    title="Matrix-product FLOPs of a forward pass, T = 100, B = 8, I = 32, H = 64",
    page="challenges/cost",
    kind="number",
    checker=lambda a: compare_number(
        a, _forward_flops(), hint="A multiply-add is two FLOPs; there are 4H(I + H) weights."
    ),
    reference=_forward_flops,
    wrong_answers=lambda: [
        WrongAnswer(_forward_flops() / 2, says="half", label="multiply-adds, not FLOPs"),
        WrongAnswer(_forward_flops() / 100, says="too small", label="one step only"),
    ],
)


def _cache_bytes(T: int = 50, B: int = 4, I: int = 3, H: int = 16) -> int:
    return 4 * (T * B * I + T * 4 * H * B + 2 * (T + 1) * H * B + T * H * B)


register(
    "cost-3",
    title="Bytes lstmbook.numpy.LSTM keeps for BPTT, float32, T = 50, B = 4, I = 3, H = 16",
    page="challenges/cost",
    kind="number",
    checker=lambda a: compare_number(
        a, _cache_bytes(),
        hint="Input rows, four gates, h and c at T + 1 times, tanh(c): four bytes each.",
    ),
    reference=_cache_bytes,
    wrong_answers=lambda: [
        WrongAnswer(_cache_bytes() * 2, says="twice", label="float64"),
        WrongAnswer(_cache_bytes() - 4 * 2 * 16 * 4, says="too small", label="T, not T + 1 states"),
    ],
)

# --------------------------------------------------------------------------- compression


def _half_step(absmax: float = 0.8) -> float:
    from lstmbook.quantize import quantize_per_row

    qt = quantize_per_row(np.array([[absmax, -0.1, 0.3]], np.float32))
    return float(qt.scale[0, 0]) / 2


register(
    "compression-1",
    title="Worst rounding error of an int8 row whose largest |weight| is 0.8",
    page="challenges/compression",
    kind="number",
    checker=lambda a: compare_number(
        a, _half_step(), rtol=1e-4, hint="The step is max|w| / 127; rounding errs by half a step."
    ),
    reference=_half_step,
    wrong_answers=lambda: [
        WrongAnswer(0.8 / 127, says="twice", label="a whole step"),
        WrongAnswer(0.8 / 128 / 2, says="too small", label="128 levels instead of 127"),
    ],
)


def _int8_bytes(I: int = 256, H: int = 256, C: int = 10) -> int:
    from lstmbook.quantize import quantize_state_dict, state_dict_nbytes
    from lstmbook.torch.models import RecurrentNet

    return state_dict_nbytes(quantize_state_dict(RecurrentNet("lstm", I, H, C).state_dict()))


def _float_bytes(I: int = 256, H: int = 256, C: int = 10) -> int:
    return 4 * (4 * H * (I + H + 2) + C * H + C)


def _scale_bytes(H: int = 256, C: int = 10) -> int:
    return 4 * (4 * H + 4 * H + C)  # one float32 scale per row of W_ih, W_hh and the head


register(
    "compression-2",
    title='Bytes of RecurrentNet("lstm", 256, 256, 10) with int8 per-row weights',
    page="challenges/compression",
    kind="number",
    checker=lambda a: compare_number(
        a, _int8_bytes(),
        hint="One byte per weight, four per row scale; biases stay float32.",
    ),
    reference=_int8_bytes,
    wrong_answers=lambda: [
        WrongAnswer(_int8_bytes() - _scale_bytes(), says="too small", label="no scales"),
        WrongAnswer(_float_bytes(), says="too large", label="float32 size"),
    ],
)

_WHY = ("speed", "precision", "size")
_WHY_EXPLAIN = {
    "speed": "int8 storage saves memory, but the speed needs int8 kernels; NumPy has none.",
    "size": "Scales cost four bytes per row; they do not shrink anything.",
}

register(
    "compression-3",
    title="Why one scale per row?",
    page="challenges/compression",
    kind="choice",
    checker=lambda a: compare_choice(a, "precision", _WHY, explain=_WHY_EXPLAIN),
    reference=lambda: "precision",
    wrong_answers=lambda: [
        WrongAnswer("speed", says="kernels", label="speed"),
        WrongAnswer("size", says="four bytes", label="size"),
    ],
)

# --------------------------------------------------------------------------- distillation


_LOGITS = np.array([4.0, 1.0, 0.5, -2.0])


def _soft(temperature: float = 4.0) -> np.ndarray:
    import torch

    return torch.softmax(torch.as_tensor(_LOGITS) / temperature, dim=0).numpy()


register(
    "distillation-1",
    title="Soft targets of the logits (4, 1, 0.5, -2) at temperature 4",
    page="challenges/distillation",
    kind="array",
    checker=lambda a: compare_array(
        a, _soft(), rtol=1e-4, atol=1e-6, hint="Divide the logits by the temperature first."
    ),
    reference=_soft,
    wrong_answers=lambda: [
        WrongAnswer(_soft(1.0), says="index", label="temperature 1"),
        WrongAnswer(_soft()[:3], says="shape", label="a class dropped"),
    ],
)


def _kd_at_alpha_zero() -> float:
    import torch

    from lstmbook.torch.distill import distillation_loss

    s = torch.tensor([[2.0, 0.0, -1.0], [0.5, 1.5, 0.0]])
    t = torch.tensor([[3.0, 1.0, 0.0], [0.0, 2.0, 1.0]])
    y = torch.tensor([0, 2])
    return float(distillation_loss(s, t, y, temperature=3.0, alpha=0.0))


def _kd_soft_only() -> float:
    import torch

    from lstmbook.torch.distill import distillation_loss

    s = torch.tensor([[2.0, 0.0, -1.0], [0.5, 1.5, 0.0]])
    t = torch.tensor([[3.0, 1.0, 0.0], [0.0, 2.0, 1.0]])
    return float(distillation_loss(s, t, torch.tensor([0, 2]), temperature=3.0, alpha=1.0))


register(
    "distillation-2",
    title="The distillation loss with α = 0",
    page="challenges/distillation",
    kind="number",
    checker=lambda a: compare_number(
        a, _kd_at_alpha_zero(), rtol=1e-5,
        hint="With α = 0 only the cross-entropy with the labels is left.",
    ),
    reference=_kd_at_alpha_zero,
    wrong_answers=lambda: [
        WrongAnswer(_kd_soft_only(), says="too", label="the soft term"),
        WrongAnswer(2 * _kd_at_alpha_zero(), says="twice", label="summed over the batch"),
    ],
)


def _param_ratio() -> float:
    from lstmbook.torch.models import RecurrentNet, parameter_count

    return parameter_count(RecurrentNet("lstm", 8, 64, 10)) / parameter_count(
        RecurrentNet("lstm", 8, 8, 10)
    )


register(
    "distillation-3",
    title="How many times more parameters has the teacher (H = 64) than the student (H = 8)?",
    page="challenges/distillation",
    kind="number",
    checker=lambda a: compare_number(
        a, _param_ratio(), rtol=1e-3, hint="Count the LSTM and the linear head of both."
    ),
    reference=_param_ratio,
    wrong_answers=lambda: [
        WrongAnswer(8.0, says="too small", label="the ratio of H"),
        WrongAnswer(64.0, says="too large", label="the ratio of H squared"),
    ],
)

# --------------------------------------------------------------------------- interpretation


def _ig_sum() -> float:
    w = np.array([0.5, -1.0, 2.0])
    x, base = np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 1.0])
    return float(w @ x - w @ base)


register(
    "interpretation-1",
    title="Sum of integrated gradients of f(x) = w·x, w = (0.5, -1, 2), x = (1, 2, 3), "
    "baseline (0, 1, 1)",
    page="challenges/interpretation",
    kind="number",
    checker=lambda a: compare_number(
        a, _ig_sum(), rtol=1e-6, hint="Completeness: the scores add up to f(x) - f(baseline)."
    ),
    reference=_ig_sum,
    wrong_answers=lambda: [
        WrongAnswer(5.0, says="too large", label="f(x), baseline ignored"),
        WrongAnswer(-_ig_sum(), says="sign", label="f(baseline) - f(x)"),
    ],
)


def _occlusion_of_step() -> float:
    from lstmbook.data import adding_problem

    x, y = adding_problem(1, 6, seed=3)
    marked = np.flatnonzero(x[0, :, 1])
    return float(x[0, marked[0], 0])


register(
    "interpretation-2",
    title="Occlusion score of the first marked step for the ideal adding-problem model",
    page="challenges/interpretation",
    kind="number",
    checker=lambda a: compare_number(
        a, _occlusion_of_step(), rtol=1e-6,
        hint="The ideal model outputs the sum of the marked values; zeroing a step removes "
        "its value and its marker.",
    ),
    reference=_occlusion_of_step,
    wrong_answers=lambda: [
        WrongAnswer(1.0, says="too large", label="the marker"),
        WrongAnswer(0.0, says="too small", label="nothing changes"),
    ],
)

_SANITY = ("same", "different")

register(
    "interpretation-3",
    title="A method passes the randomisation test when the maps of the trained and the "
    "randomised model are …",
    page="challenges/interpretation",
    kind="choice",
    checker=lambda a: compare_choice(
        a, "different", _SANITY,
        explain={"same": "Then the map does not depend on what the model learned."},
    ),
    reference=lambda: "different",
    wrong_answers=lambda: [
        WrongAnswer("same", says="learned", label="same"),
        WrongAnswer("similar", says="options", label="not an option"),
    ],
)

# --------------------------------------------------------------------------- distributed


register(
    "distributed-1",
    title="Per-process batch for a global batch of 256 on 2 nodes with 4 GPUs each",
    page="challenges/distributed",
    kind="number",
    checker=lambda a: compare_number(
        a, 256 / (2 * 4), hint="The world size is nodes × processes per node."
    ),
    reference=lambda: 256 // (2 * 4),
    wrong_answers=lambda: [
        WrongAnswer(64, says="twice", label="divided by GPUs per node only"),
        WrongAnswer(128, says="factor", label="divided by nodes only"),
    ],
)


def _ring_bytes(P: int = 1_000_000, W: int = 4) -> float:
    return 2 * (W - 1) / W * 4 * P


register(
    "distributed-2",
    title="Bytes each process sends per step in a ring all-reduce of 10⁶ float32 gradients, "
    "4 processes",
    page="challenges/distributed",
    kind="number",
    checker=lambda a: compare_number(
        a, _ring_bytes(), rtol=1e-6,
        hint="Reduce-scatter then all-gather: 2(W-1) messages of 1/W of the gradient.",
    ),
    reference=_ring_bytes,
    wrong_answers=lambda: [
        WrongAnswer(4e6, says="too small", label="the gradient once"),
        WrongAnswer(2 * 3 * 4e6, says="factor", label="whole gradient each message"),
    ],
)

_WHAT = ("gradients", "parameters", "losses")

register(
    "distributed-3",
    title="What does DistributedDataParallel average across processes at every step?",
    page="challenges/distributed",
    kind="choice",
    checker=lambda a: compare_choice(
        a, "gradients", _WHAT,
        explain={
            "parameters": "The parameters stay equal because every process applies the same "
            "averaged gradient; they are broadcast only once, at the start.",
            "losses": "Each process's loss stays local; only its gradient is all-reduced.",
        },
    ),
    reference=lambda: "gradients",
    wrong_answers=lambda: [
        WrongAnswer("parameters", says="broadcast", label="parameters"),
        WrongAnswer("losses", says="local", label="losses"),
    ],
)

# --------------------------------------------------------------------------- transformers


def _crossover(d: int = 128, f: int = 512) -> float:
    return 2 * d + f


register(
    "transformers-1",
    title="Sequence length at which attention's T² FLOPs equal the rest of a layer "
    "(d = 128, d_ff = 512)",
    page="challenges/transformers",
    kind="number",
    checker=lambda a: compare_number(
        a, _crossover(), rtol=1e-6,
        hint="Solve 4T²d = 8Td² + 4Td·d_ff with lstmbook.cost.transformer_layer_flops.",
    ),
    reference=_crossover,
    wrong_answers=lambda: [
        WrongAnswer(128.0, says="too small", label="T = d"),
        WrongAnswer(2 * _crossover(), says="twice", label="attention counted once"),
    ],
)


def _lstm_sequential_steps(T: int = 100, layers: int = 3) -> int:
    return T + layers - 1


register(
    "transformers-2",
    title="Fewest dependent steps to run a 3-layer LSTM over T = 100 (a wavefront)",
    page="challenges/transformers",
    kind="number",
    checker=lambda a: compare_number(
        a, _lstm_sequential_steps(),
        hint="Layer k can run step t once layer k-1 has done step t and layer k step t-1.",
    ),
    reference=_lstm_sequential_steps,
    wrong_answers=lambda: [
        WrongAnswer(300, says="too large", label="layers one after the other"),
        WrongAnswer(3, says="too small", label="one per layer, as a Transformer"),
    ],
)

_GROWS = ("projections", "attention", "feed_forward")

register(
    "transformers-3",
    title="Which part of a Transformer layer grows like T²?",
    page="challenges/transformers",
    kind="choice",
    checker=lambda a: compare_choice(
        a, "attention", _GROWS,
        explain={
            "projections": "Q, K, V and the output projection act on each position: linear in T.",
            "feed_forward": "The feed-forward net acts on each position alone: linear in T.",
        },
    ),
    reference=lambda: "attention",
    wrong_answers=lambda: [
        WrongAnswer("projections", says="linear", label="projections"),
        WrongAnswer("feed_forward", says="linear", label="feed-forward"),
    ],
)
