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


def _cost1_mistakes() -> list[tuple[float, str]]:
    return [
        (_layer_params(16, 32), (
            "That is one layer, nn.LSTM(16, 32): num_layers=2 stacks a second layer on top, "
            "with weights of its own.")),
        (2 * _layer_params(16, 32), (
            "That counts layer 2 as reading the I = 16 inputs; it reads layer 1's h, of size "
            "H = 32, so its W_ih is (4H, H).")),
        (2 * _layer_params(32, 32), (
            "That counts layer 1 as reading H = 32 numbers; the first layer reads the "
            "I = 16 inputs, only layer 2 reads an h.")),
        (_stacked_params() - 2 * 4 * 32, (
            "That counts a single bias vector per layer; PyTorch keeps two, b_ih and b_hh, "
            "each of 4H.")),
    ]


register(
    "cost-1",
    title="Parameters of a two-layer LSTM with I = 16 inputs and H = 32 units per layer",
    page="challenges/cost",
    kind="number",
    checker=lambda a: compare_number(a, _stacked_params(), mistakes=_cost1_mistakes()),
    reference=_stacked_params,
    wrong_answers=lambda: [
        WrongAnswer(_layer_params(16, 32), says="that is one layer", label="one layer only"),
        WrongAnswer(2 * _layer_params(16, 32), says="reads layer 1's h",
                    label="layer 2 counted with I inputs"),
        WrongAnswer(2 * _layer_params(32, 32), says="first layer reads",
                    label="layer 1 counted with H inputs"),
        WrongAnswer(_stacked_params() - 2 * 4 * 32, says="single bias vector",
                    label="one bias per gate"),
    ],
)


def _forward_flops(T: int = 100, B: int = 8, I: int = 32, H: int = 64) -> int:
    from lstmbook.numpy import flops_per_step

    return T * flops_per_step("lstm", I, H, B)


def _cost2_mistakes() -> list[tuple[float, str]]:
    f = _forward_flops()
    return [
        (f / 2, "That counts multiply-adds; each is two FLOPs, a multiply and an add."),
        (f / 100, "That is one time step; the forward pass runs T = 100 of them."),
        (f / 8, "That is for one sequence; the batch holds B = 8, each with its own products."),
        (f / 4, "That is one gate block, 2·H·(I + H)·B per step; an LSTM has four of them."),
    ]


register(
    "cost-2",
    title="Matrix-product FLOPs of a forward pass, T = 100, B = 8, I = 32, H = 64",
    page="challenges/cost",
    kind="number",
    checker=lambda a: compare_number(a, _forward_flops(), mistakes=_cost2_mistakes()),
    reference=_forward_flops,
    wrong_answers=lambda: [
        WrongAnswer(_forward_flops() / 2, says="multiply-adds", label="multiply-adds, not FLOPs"),
        WrongAnswer(_forward_flops() / 100, says="one time step", label="one step only"),
        WrongAnswer(_forward_flops() / 8, says="one sequence", label="batch forgotten"),
        WrongAnswer(_forward_flops() / 4, says="one gate block", label="one gate only"),
    ],
)


def _cache_bytes(T: int = 50, B: int = 4, I: int = 3, H: int = 16) -> int:
    return 4 * (T * B * I + T * 4 * H * B + 2 * (T + 1) * H * B + T * H * B)


def _cost3_mistakes() -> list[tuple[float, str]]:
    n = _cache_bytes()
    return [
        (2 * n, "That is float64, eight bytes a number; this LSTM was built with "
                "dtype=np.float32, four bytes."),
        (n - 4 * 2 * 16 * 4, "That keeps h and c at T = 50 times; the cache holds them at "
                             "T + 1 = 51, the initial state included."),
        (n - 4 * 50 * 16 * 4, "That leaves out tanh(c_t), which the cache keeps for the "
                              "backward pass (T·B·H numbers)."),
        (n / 4, "That is the count of numbers; each float32 takes four bytes."),
    ]


register(
    "cost-3",
    title="Bytes lstmbook.numpy.LSTM keeps for BPTT, float32, T = 50, B = 4, I = 3, H = 16",
    page="challenges/cost",
    kind="number",
    checker=lambda a: compare_number(a, _cache_bytes(), mistakes=_cost3_mistakes()),
    reference=_cache_bytes,
    wrong_answers=lambda: [
        WrongAnswer(_cache_bytes() * 2, says="float64", label="float64"),
        WrongAnswer(_cache_bytes() - 4 * 2 * 16 * 4, says="initial state",
                    label="T, not T + 1 states"),
        WrongAnswer(_cache_bytes() - 4 * 50 * 16 * 4, says="tanh(c_t)",
                    label="tanh(c) forgotten"),
        WrongAnswer(_cache_bytes() // 4, says="count of numbers", label="numbers, not bytes"),
    ],
)

# --------------------------------------------------------------------------- compression


def _half_step(absmax: float = 0.8) -> float:
    from lstmbook.quantize import quantize_per_row

    qt = quantize_per_row(np.array([[absmax, -0.1, 0.3]], np.float32))
    return float(qt.scale[0, 0]) / 2


_COMPRESSION1_MISTAKES = [
    (0.8 / 127, "That is a whole step, max|w| / 127; rounding to the nearest level errs by "
                "at most half a step."),
    (0.8 / 128 / 2, "That divides by 128; symmetric int8 uses the levels -127 … 127, so the "
                    "step is max|w| / 127."),
    (0.5, "That is half a step in integer units; multiply by the step max|w| / 127 to get "
          "it in the units of the weights."),
]

register(
    "compression-1",
    title="Worst rounding error of an int8 row whose largest |weight| is 0.8",
    page="challenges/compression",
    kind="number",
    checker=lambda a: compare_number(a, _half_step(), rtol=1e-4,
                                     mistakes=_COMPRESSION1_MISTAKES),
    reference=_half_step,
    wrong_answers=lambda: [
        WrongAnswer(0.8 / 127, says="whole step", label="a whole step"),
        WrongAnswer(0.8 / 128 / 2, says="divides by 128", label="128 levels instead of 127"),
        WrongAnswer(0.5, says="integer units", label="half a level, not scaled"),
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


def _bias_numbers(H: int = 256, C: int = 10) -> int:
    return 4 * H + 4 * H + C  # b_ih, b_hh and the head's bias


def _compression2_mistakes() -> list[tuple[float, str]]:
    n = _int8_bytes()
    return [
        (n - _scale_bytes(), (
            f"That leaves out {_scale_bytes():,} bytes: the scales (one float32 per row of "
            f"W_ih, W_hh and the head) or the float32 biases, which cost as much.")),
        (_float_bytes(), "That is the model in float32, four bytes per weight; int8 stores "
                         "one byte per weight."),
        (_float_bytes() / 4, "That is exactly a quarter of the float32 bytes: right for the "
                             "matrices, but the biases stay float32 and every row adds a "
                             "four-byte scale."),
        (n - 3 * _bias_numbers(), "That stores the biases in int8 too; they stay float32, four "
                                  "bytes each."),
    ]


register(
    "compression-2",
    title='Bytes of RecurrentNet("lstm", 256, 256, 10) with int8 per-row weights',
    page="challenges/compression",
    kind="number",
    checker=lambda a: compare_number(a, _int8_bytes(), mistakes=_compression2_mistakes()),
    reference=_int8_bytes,
    wrong_answers=lambda: [
        WrongAnswer(_int8_bytes() - _scale_bytes(), says="leaves out 8,232 bytes",
                    label="no scales"),
        WrongAnswer(_float_bytes(), says="four bytes per weight", label="float32 size"),
        WrongAnswer(_float_bytes() // 4, says="exactly a quarter", label="a quarter of float32"),
        WrongAnswer(_int8_bytes() - 3 * _bias_numbers(), says="biases in int8",
                    label="biases quantized too"),
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


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


def _soft(temperature: float = 4.0) -> np.ndarray:
    import torch

    return torch.softmax(torch.as_tensor(_LOGITS) / temperature, dim=0).numpy()


def _distillation1_mistakes() -> list[tuple[np.ndarray, str]]:
    return [
        (_soft(1.0), "That is softmax(z) at τ = 1: divide the logits by the temperature "
                     "τ = 4 first, which flattens the distribution."),
        (_softmax(4.0 * _LOGITS), "That is softmax(τ·z), which sharpens the distribution; "
                                  "the temperature divides the logits: softmax(z / τ)."),
        (_LOGITS / 4.0, "Those are the scaled logits z / τ, not probabilities: apply the "
                        "softmax to them."),
        (_soft(1.0) / 4.0, "Those are softmax(z) / τ, which sum to 0.25, not 1: the "
                           "temperature goes inside, softmax(z / τ)."),
    ]


register(
    "distillation-1",
    title="Soft targets of the logits (4, 1, 0.5, -2) at temperature 4",
    page="challenges/distillation",
    kind="array",
    checker=lambda a: compare_array(a, _soft(), rtol=1e-4, atol=1e-6,
                                    mistakes=_distillation1_mistakes(),
                                    name="your soft targets"),
    reference=_soft,
    wrong_answers=lambda: [
        WrongAnswer(_soft(1.0), says="at τ = 1", label="temperature 1"),
        WrongAnswer(_softmax(4.0 * _LOGITS), says="sharpens", label="logits times τ"),
        WrongAnswer(_LOGITS / 4.0, says="not probabilities", label="softmax forgotten"),
        WrongAnswer(_soft(1.0) / 4.0, says="sum to 0.25", label="probabilities divided by τ"),
    ],
)

_KD_STUDENT = [[2.0, 0.0, -1.0], [0.5, 1.5, 0.0]]
_KD_TEACHER = [[3.0, 1.0, 0.0], [0.0, 2.0, 1.0]]
_KD_LABELS = [0, 2]


def _kd(alpha: float) -> float:
    import torch

    from lstmbook.torch.distill import distillation_loss

    s, t = torch.tensor(_KD_STUDENT), torch.tensor(_KD_TEACHER)
    return float(distillation_loss(s, t, torch.tensor(_KD_LABELS), temperature=3.0,
                                   alpha=alpha))


def _kd_at_alpha_zero() -> float:
    return _kd(0.0)


def _kd_soft_only() -> float:
    return _kd(1.0)


def _ce_softened() -> float:
    import torch

    return float(torch.nn.functional.cross_entropy(torch.tensor(_KD_STUDENT) / 3.0,
                                                   torch.tensor(_KD_LABELS)))


def _distillation2_mistakes() -> list[tuple[float, str]]:
    return [
        (_kd_soft_only(), "That is the soft term alone (α = 1); with α = 0 only the "
                          "cross-entropy with the labels is left."),
        (2 * _kd_at_alpha_zero(), "That is summed over the batch of 2; the cross-entropy is "
                                  "the mean over the examples."),
        (_ce_softened(), "That is the cross-entropy of the softened logits s / τ; the label "
                         "term uses the student's logits at temperature 1."),
    ]


register(
    "distillation-2",
    title="The distillation loss with α = 0",
    page="challenges/distillation",
    kind="number",
    checker=lambda a: compare_number(a, _kd_at_alpha_zero(), rtol=1e-5,
                                     mistakes=_distillation2_mistakes()),
    reference=_kd_at_alpha_zero,
    wrong_answers=lambda: [
        WrongAnswer(_kd_soft_only(), says="soft term alone", label="the soft term"),
        WrongAnswer(2 * _kd_at_alpha_zero(), says="summed over the batch",
                    label="summed over the batch"),
        WrongAnswer(_ce_softened(), says="softened logits", label="labels at temperature τ"),
    ],
)


def _param_ratio() -> float:
    from lstmbook.torch.models import RecurrentNet, parameter_count

    return parameter_count(RecurrentNet("lstm", 8, 64, 10)) / parameter_count(
        RecurrentNet("lstm", 8, 8, 10)
    )


def _distillation3_mistakes() -> list[tuple[float, str]]:
    return [
        (8.0, "That is the ratio of the widths, 64 / 8; the count grows faster than H, "
              "because W_hh is H × H."),
        (64.0, "That is (64 / 8)², the ratio of the H² terms alone; the input weights, the "
               "biases and the head grow only like H."),
        (_layer_params(8, 64) / _layer_params(8, 8),
         "That compares the LSTMs alone; both models also have a linear head with 10 outputs "
         "(10·H + 10 parameters)."),
        (1 / _param_ratio(), "That is the student over the teacher; the question asks how "
                             "many times larger the teacher is."),
    ]


register(
    "distillation-3",
    title="How many times more parameters has the teacher (H = 64) than the student (H = 8)?",
    page="challenges/distillation",
    kind="number",
    checker=lambda a: compare_number(a, _param_ratio(), rtol=1e-3,
                                     mistakes=_distillation3_mistakes()),
    reference=_param_ratio,
    wrong_answers=lambda: [
        WrongAnswer(8.0, says="ratio of the widths", label="the ratio of H"),
        WrongAnswer(64.0, says="H² terms alone", label="the ratio of H squared"),
        WrongAnswer(_layer_params(8, 64) / _layer_params(8, 8), says="linear head",
                    label="the heads forgotten"),
        WrongAnswer(1 / _param_ratio(), says="student over the teacher",
                    label="the ratio upside down"),
    ],
)

# --------------------------------------------------------------------------- interpretation

_IG_W, _IG_X, _IG_BASE = np.array([0.5, -1.0, 2.0]), np.array([1.0, 2.0, 3.0]), np.array(
    [0.0, 1.0, 1.0])


def _ig_sum() -> float:
    return float(_IG_W @ _IG_X - _IG_W @ _IG_BASE)


_INTERPRETATION1_MISTAKES = [
    (float(_IG_W @ _IG_X), "That is f(x) = w·x with the baseline ignored; the scores add up "
                           "to f(x) − f(x′)."),
    (-_ig_sum(), "That is f(x′) − f(x), the wrong way round: the scores add up to "
                 "f(x) − f(x′)."),
    (float(_IG_W.sum()), "That is the sum of the gradient w; each score is w_i·(x_i − x′_i), "
                         "the gradient times the step from the baseline."),
    (float(_IG_W @ _IG_BASE), "That is f(x′), the model at the baseline; the scores add up "
                              "to f(x) − f(x′)."),
]

register(
    "interpretation-1",
    title="Sum of integrated gradients of f(x) = w·x, w = (0.5, -1, 2), x = (1, 2, 3), "
    "baseline (0, 1, 1)",
    page="challenges/interpretation",
    kind="number",
    checker=lambda a: compare_number(a, _ig_sum(), rtol=1e-6,
                                     mistakes=_INTERPRETATION1_MISTAKES),
    reference=_ig_sum,
    wrong_answers=lambda: [
        WrongAnswer(4.5, says="baseline ignored", label="f(x), baseline ignored"),
        WrongAnswer(-_ig_sum(), says="wrong way round", label="f(baseline) - f(x)"),
        WrongAnswer(1.5, says="sum of the gradient", label="the gradient summed"),
        WrongAnswer(1.0, says="model at the baseline", label="f(baseline)"),
    ],
)


def _adding_example() -> tuple[np.ndarray, np.ndarray]:
    from lstmbook.data import adding_problem

    x, _ = adding_problem(1, 6, seed=3)
    return x[0], np.flatnonzero(x[0, :, 1])


def _occlusion_of_step() -> float:
    x, marked = _adding_example()
    return float(x[marked[0], 0])


def _interpretation2_mistakes() -> list[tuple[float, str]]:
    x, marked = _adding_example()
    return [
        (1.0, "That is the marker, 1; zeroing the step removes its value from the ideal "
              "model's sum, so the output drops by that value."),
        (0.0, "Zeroing a marked step does change the output: the ideal model loses that "
              "step's value from its sum."),
        (float(x[marked, 0].sum()), "That is the whole output, the sum of both marked "
                                    "values; occluding the first step removes only its "
                                    "value."),
        (float(x[marked[1], 0]), "That is the second marked value; the question asks about "
                                 "the first marked step."),
    ]


register(
    "interpretation-2",
    title="Occlusion score of the first marked step for the ideal adding-problem model",
    page="challenges/interpretation",
    kind="number",
    checker=lambda a: compare_number(a, _occlusion_of_step(), rtol=1e-6,
                                     mistakes=_interpretation2_mistakes()),
    reference=_occlusion_of_step,
    wrong_answers=lambda: [
        WrongAnswer(1.0, says="that is the marker", label="the marker"),
        WrongAnswer(0.0, says="does change the output", label="nothing changes"),
        WrongAnswer(float(_adding_example()[0][_adding_example()[1], 0].sum()),
                    says="whole output", label="both marked values"),
        WrongAnswer(float(_adding_example()[0][_adding_example()[1][1], 0]),
                    says="second marked value", label="the second marked step"),
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

_DISTRIBUTED1_MISTAKES = [
    (64, "That divides by the 4 GPUs of one node; the world size counts every process on "
         "every node, 2 × 4 = 8."),
    (128, "That divides by the 2 nodes only; each GPU runs its own process, 8 in all."),
    (256, "That is the global batch; DDP splits it across the 8 processes."),
    (2048, "That multiplies by the world size; the global batch of 256 is split across the "
           "8 processes, not repeated on each."),
]

register(
    "distributed-1",
    title="Per-process batch for a global batch of 256 on 2 nodes with 4 GPUs each",
    page="challenges/distributed",
    kind="number",
    checker=lambda a: compare_number(a, 256 / (2 * 4), mistakes=_DISTRIBUTED1_MISTAKES),
    reference=lambda: 256 // (2 * 4),
    wrong_answers=lambda: [
        WrongAnswer(64, says="gpus of one node", label="divided by GPUs per node only"),
        WrongAnswer(128, says="nodes only", label="divided by nodes only"),
        WrongAnswer(256, says="that is the global batch", label="not divided"),
        WrongAnswer(2048, says="multiplies by the world size", label="multiplied"),
    ],
)


def _ring_bytes(P: int = 1_000_000, W: int = 4) -> float:
    return 2 * (W - 1) / W * 4 * P


_DISTRIBUTED2_MISTAKES = [
    (4e6, "That is the gradient's bytes sent once; the ring sends 2(W − 1)/W = 1.5 times "
          "them: a reduce-scatter, then an all-gather."),
    (2 * 3 * 4e6, "That sends the whole gradient in each of the 2(W − 1) = 6 messages; each "
                  "message carries 1/W of it."),
    (3e6, "That is the reduce-scatter alone, (W − 1)/W of the bytes; the all-gather sends "
          "as much again."),
    (1.5e6, "That counts float32 numbers, not bytes: each takes four bytes."),
]

register(
    "distributed-2",
    title="Bytes each process sends per step in a ring all-reduce of 10⁶ float32 gradients, "
    "4 processes",
    page="challenges/distributed",
    kind="number",
    checker=lambda a: compare_number(a, _ring_bytes(), rtol=1e-6,
                                     mistakes=_DISTRIBUTED2_MISTAKES),
    reference=_ring_bytes,
    wrong_answers=lambda: [
        WrongAnswer(4e6, says="sent once", label="the gradient once"),
        WrongAnswer(2 * 3 * 4e6, says="whole gradient in each", label="whole gradient each "
                    "message"),
        WrongAnswer(3e6, says="reduce-scatter alone", label="reduce-scatter only"),
        WrongAnswer(1.5e6, says="not bytes", label="numbers, not bytes"),
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


_TRANSFORMERS1_MISTAKES = [
    (128.0, "That is the model width d = 128; attention's 4T²d equals 8Td² + 4Td·d_ff at "
            "T = 2d + d_ff."),
    (2 * _crossover(), "That halves attention's FLOPs (2T²d): both QKᵀ and the weighted sum "
                       "of V cost 2T²d, 4T²d together."),
    (256.0, "That leaves out the feed-forward network's 4Td·d_ff; T = 2d balances attention "
            "against the projections alone."),
    (512.0, "That leaves out the projections' 8Td²; T = d_ff balances attention against the "
            "feed-forward network alone."),
]

register(
    "transformers-1",
    title="Sequence length at which attention's T² FLOPs equal the rest of a layer "
    "(d = 128, d_ff = 512)",
    page="challenges/transformers",
    kind="number",
    checker=lambda a: compare_number(a, _crossover(), rtol=1e-6,
                                     mistakes=_TRANSFORMERS1_MISTAKES),
    reference=_crossover,
    wrong_answers=lambda: [
        WrongAnswer(128.0, says="model width", label="T = d"),
        WrongAnswer(2 * _crossover(), says="halves attention", label="attention counted once"),
        WrongAnswer(256.0, says="leaves out the feed-forward", label="feed-forward forgotten"),
        WrongAnswer(512.0, says="leaves out the projections", label="projections forgotten"),
    ],
)


def _lstm_sequential_steps(T: int = 100, layers: int = 3) -> int:
    return T + layers - 1


_TRANSFORMERS2_MISTAKES = [
    (300, "That runs the layers one after the other (3 × 100); in a wavefront layer k "
          "starts step t as soon as layer k − 1 has done it."),
    (3, "That is one round per layer, as in a Transformer; within a layer the 100 steps "
        "still depend on each other."),
    (100, "That is the first layer's 100 rounds; layers 2 and 3 finish 1 and 2 rounds "
          "after it."),
    (103, "That counts one round too many: layer 3 starts in round 3 and finishes its "
          "100th step in round T + L − 1."),
]

register(
    "transformers-2",
    title="Fewest dependent steps to run a 3-layer LSTM over T = 100 (a wavefront)",
    page="challenges/transformers",
    kind="number",
    checker=lambda a: compare_number(a, _lstm_sequential_steps(),
                                     mistakes=_TRANSFORMERS2_MISTAKES),
    reference=_lstm_sequential_steps,
    wrong_answers=lambda: [
        WrongAnswer(300, says="one after the other", label="layers one after the other"),
        WrongAnswer(3, says="one round per layer", label="one per layer, as a Transformer"),
        WrongAnswer(100, says="first layer's 100 rounds", label="one layer only"),
        WrongAnswer(103, says="one round too many", label="T + L"),
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
        WrongAnswer("projections", says="output projection", label="projections"),
        WrongAnswer("feed_forward", says="feed-forward net", label="feed-forward"),
    ],
)
