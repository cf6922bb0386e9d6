"""Exercises of the FAQ chapter (book/faq/basics, training and data .ipynb)."""

from __future__ import annotations

import numpy as np

from ._core import WrongAnswer, register
from .compare import Mistake, compare_function, compare_number


# ------------------------------------------------------------------ faq/basics
def _lstm_params(I: int = 10, H: int = 20) -> int:
    from lstmbook.numpy import LSTM, parameter_count

    return parameter_count(LSTM(I, H, seed=0))


_BASICS1_MISTAKES = [
    (_lstm_params() - 4 * 20, "That counts one bias vector; PyTorch keeps two, b_ih and "
                              "b_hh, each of 4H = 80."),
    (20 * 10 + 20 * 20 + 2 * 20, "That is one gate block; an LSTM has four (i, f, g, o), "
                                 "each with its own weights and biases."),
    (4 * (20 * 10 + 20 * 20), "That leaves out the biases: b_ih and b_hh add 2 × 4H = 160."),
    (4 * (20 * 10 + 2 * 20), "That leaves out the recurrent weights W_hh, (4H, H) = "
                             "(80, 20)."),
]

register(
    "faq-basics-1",
    title="Parameters of an LSTM layer with I = 10 inputs and H = 20 units",
    page="faq/basics",
    kind="number",
    checker=lambda a: compare_number(a, _lstm_params(), mistakes=_BASICS1_MISTAKES),
    reference=_lstm_params,
    wrong_answers=lambda: [
        WrongAnswer(_lstm_params() - 4 * 20, says="one bias vector", label="one bias per gate"),
        WrongAnswer(20 * 10 + 20 * 20 + 2 * 20, says="one gate block",
                    label="one gate block only"),
        WrongAnswer(4 * (20 * 10 + 20 * 20), says="leaves out the biases", label="no biases"),
        WrongAnswer(4 * (20 * 10 + 2 * 20), says="recurrent weights", label="W_hh forgotten"),
    ],
)


def _h_n_floats() -> int:
    import torch

    lstm = torch.nn.LSTM(5, 16, num_layers=2, batch_first=True)
    _, (h_n, _) = lstm(torch.zeros(8, 30, 5))
    return int(h_n.numel())


_BASICS2_MISTAKES = [
    (8 * 16, "That is one layer's h; h_n keeps the last step of every layer, shape "
             "(num_layers, B, H) = (2, 8, 16)."),
    (8 * 30 * 16, "That is the output sequence, (B, T, H); h_n holds only the final step of "
                  "each layer."),
    (2 * 2 * 8 * 16, "That counts h_n and c_n together; h_n alone is (2, 8, 16)."),
    (2 * 16, "That leaves out the batch: h_n has a row for each of the 8 sequences."),
]

register(
    "faq-basics-2",
    title="How many numbers h_n holds for torch.nn.LSTM(5, 16, num_layers=2), batch 8, T = 30",
    page="faq/basics",
    kind="number",
    checker=lambda a: compare_number(a, _h_n_floats(), mistakes=_BASICS2_MISTAKES),
    reference=_h_n_floats,
    wrong_answers=lambda: [
        WrongAnswer(8 * 16, says="one layer's h", label="the last layer only"),
        WrongAnswer(8 * 30 * 16, says="output sequence", label="the output sequence instead"),
        WrongAnswer(2 * 2 * 8 * 16, says="c_n", label="h_n and c_n"),
        WrongAnswer(2 * 16, says="leaves out the batch", label="batch forgotten"),
    ],
)


def _gru_params(I: int, H: int) -> int:
    return 3 * (H * I + H * H + 2 * H)


def _matching_gru_width(I: int = 64, H: int = 64) -> int:
    """Smallest GRU hidden size with at least as many parameters as LSTM(I, H)."""
    target = 4 * (H * I + H * H + 2 * H)
    return next(h for h in range(1, 10 * H) if _gru_params(I, h) >= target)


_BASICS3_MISTAKES = [
    (64, "That is the LSTM's width; at H = 64 a GRU has only 3/4 of the LSTM's parameters "
         "(three gate blocks instead of four)."),
    (round(64 * 4 / 3), "That scales the width by 4/3, as if the count grew like H; it grows "
                        "like H² (W_hh is H × H), so a smaller width suffices."),
    (_matching_gru_width() - 1, "That rounds down: that GRU has fewer parameters than "
                                "LSTM(64, 64). Take the smallest H_GRU with at least as many."),
    (round(64 * (4 / 3) ** 0.5), "That scales the width by √(4/3), as if every parameter grew "
                                 "like H²; the input weights and biases grow only like H."),
]

register(
    "faq-basics-3",
    title="The smallest GRU(64, H) with as many parameters as LSTM(64, 64)",
    page="faq/basics",
    kind="number",
    checker=lambda a: compare_number(a, _matching_gru_width(), mistakes=_BASICS3_MISTAKES),
    reference=_matching_gru_width,
    wrong_answers=lambda: [
        WrongAnswer(64, says="lstm's width", label="the same width"),
        WrongAnswer(round(64 * 4 / 3), says="width by 4/3", label="width scaled by 4/3"),
        WrongAnswer(_matching_gru_width() - 1, says="rounds down", label="rounded down"),
        WrongAnswer(round(64 * (4 / 3) ** 0.5), says="√(4/3)", label="width scaled by √(4/3)"),
    ],
)


# ------------------------------------------------------------------ faq/training
def _sigma(a: float) -> float:
    return 1 / (1 + np.exp(-a))


def _cell_gain(bias: float = 2.0, steps: int = 50) -> float:
    from lstmbook.gradient_flow import cell_path_gain

    f = np.full((steps, 1), _sigma(bias))
    return float(cell_path_gain(f)[steps])


_TRAINING1_MISTAKES = [
    (_sigma(2.0), "That is σ(2), what one step keeps: the gradient is multiplied by f at each "
                  "of the 50 steps, σ(2)^50."),
    (0.88**50, "That uses σ(2) rounded to 0.88; raised to the 50th power the rounding error "
               "grows to 4%. Use σ(2) = 0.880797…"),
    (_sigma(2.0) ** 49, "That is 49 factors; from c_T back to c_(T−50) the gradient passes 50 "
                        "forget gates."),
    (50 * _sigma(2.0), "That multiplies σ(2) by 50; the gain is a product of 50 factors, "
                       "σ(2)^50, not a sum."),
]

register(
    "faq-training-1",
    title="Cell-path gain over 50 steps with every forget gate at σ(2)",
    page="faq/training",
    kind="number",
    checker=lambda a: compare_number(a, _cell_gain(), rtol=1e-3, mistakes=_TRAINING1_MISTAKES),
    reference=_cell_gain,
    wrong_answers=lambda: [
        WrongAnswer(float(_sigma(2.0)), says="one step keeps", label="one step only"),
        WrongAnswer(0.88**50, says="rounded to 0.88", label="σ(2) rounded"),
        WrongAnswer(float(_sigma(2.0) ** 49), says="49 factors", label="49 steps"),
        WrongAnswer(float(50 * _sigma(2.0)), says="not a sum", label="a sum, not a product"),
    ],
)


def _clip_factor(norm: float = 40.0, max_norm: float = 5.0) -> float:
    import torch

    g = torch.zeros(16)
    g[0] = norm
    p = torch.nn.Parameter(torch.zeros(16))
    p.grad = g.clone()
    torch.nn.utils.clip_grad_norm_([p], max_norm)
    return float(p.grad.norm() / norm)


_TRAINING2_MISTAKES = [
    (8.0, "That is norm / max_norm = 40 / 5; clipping multiplies by its inverse, "
          "max_norm / norm, to shrink the gradient."),
    (1.0, "Clipping does change this gradient: its norm 40 exceeds max_norm = 5, so it is "
          "rescaled to norm 5."),
    (5.0, "That is max_norm, the norm after clipping; the factor is that norm over the old "
          "one."),
]

register(
    "faq-training-2",
    title="The factor clip_grad_norm_(max_norm=5) multiplies a gradient of norm 40 by",
    page="faq/training",
    kind="number",
    checker=lambda a: compare_number(a, _clip_factor(), rtol=1e-3, mistakes=_TRAINING2_MISTAKES),
    reference=_clip_factor,
    wrong_answers=lambda: [
        WrongAnswer(8.0, says="40 / 5", label="norm / max_norm"),
        WrongAnswer(1.0, says="exceeds max_norm", label="no change"),
        WrongAnswer(5.0, says="norm after clipping", label="the new norm"),
    ],
)


def _extrapolation_errors() -> np.ndarray:
    from lstmbook.data.faq_tasks import faq_task

    _, _, x_te, y_te = faq_task("sine")
    return 2 * x_te[:, -1, 0] - x_te[:, -2, 0] - y_te[:, 0]


def _extrapolation_mse() -> float:
    return float(np.mean(_extrapolation_errors() ** 2))


def _persistence_mse() -> float:
    from lstmbook.data.faq_tasks import faq_task

    _, _, x_te, y_te = faq_task("sine")
    return float(np.mean((x_te[:, -1, 0] - y_te[:, 0]) ** 2))


def _training3_mistakes() -> list[tuple[float, str]]:
    e = _extrapolation_errors()
    return [
        (_persistence_mse(), "That is persistence's MSE (repeat x_T); the extrapolation "
                             "predicts 2·x_T − x_(T−1)."),
        (float(np.mean(np.abs(e))), "That is the mean absolute error; the MSE averages the "
                                    "squared errors."),
        (float(np.sqrt(np.mean(e**2))), "That is the root of the MSE (the RMSE); the MSE is "
                                        "the mean of the squared errors, without the root."),
    ]


register(
    "faq-training-3",
    title="Test MSE of linear extrapolation 2·x_T − x_(T−1) on the sine task",
    page="faq/training",
    kind="number",
    checker=lambda a: compare_number(a, _extrapolation_mse(), rtol=1e-3,
                                     mistakes=_training3_mistakes()),
    reference=_extrapolation_mse,
    wrong_answers=lambda: [
        WrongAnswer(_persistence_mse(), says="persistence's mse", label="persistence instead"),
        WrongAnswer(float(np.mean(np.abs(_extrapolation_errors()))), says="absolute error",
                    label="mean absolute error"),
        WrongAnswer(float(np.sqrt(_extrapolation_mse())), says="rmse", label="root of the MSE"),
    ],
)


# ------------------------------------------------------------------ faq/data
def _ffill_cases() -> list[tuple[tuple, np.ndarray]]:
    from lstmbook.imputation import impute_forward_fill, knock_out

    cases = []
    for seed in (0, 1):
        x = knock_out(np.random.default_rng(seed).normal(size=(3, 9, 2)), 0.4, seed=seed)
        cases.append(((x,), impute_forward_fill(x)))
    return cases


def _ffill_reference(x: np.ndarray) -> np.ndarray:
    from lstmbook.imputation import impute_forward_fill

    return impute_forward_fill(x)


def _ffill_zero_only(x: np.ndarray) -> np.ndarray:
    return np.nan_to_num(x)


def _ffill_backward(x: np.ndarray) -> np.ndarray:
    from lstmbook.imputation import impute_forward_fill

    return impute_forward_fill(x[:, ::-1])[:, ::-1]


def _ffill_across_sequences(x: np.ndarray) -> np.ndarray:
    """Forward fill with the sequences laid end to end: a sequence's first holes take the
    last value of the sequence before it."""
    from lstmbook.imputation import impute_forward_fill

    N, T, F = x.shape
    flat = np.asarray(x).reshape(1, N * T, F)
    return impute_forward_fill(flat).reshape(N, T, F)


def _ffill_leading_nan(x: np.ndarray) -> np.ndarray:
    from lstmbook.imputation import impute_forward_fill

    return impute_forward_fill(x, initial=np.nan)


_LEADING_NAN = ("Your result keeps NaN where nothing was observed yet (at the start of a "
                "sequence); those holes must become 0.")

_FFILL_MISTAKES = [
    Mistake(_ffill_leading_nan, _LEADING_NAN),
    Mistake(_ffill_zero_only, "That puts 0 in every hole; a hole takes the last observed value "
                              "of its sequence and feature (0 only before any was observed)."),
    Mistake(_ffill_backward, "That fills from the future: each hole takes the next observed "
                             "value. Walk forward in time and carry the last one."),
    Mistake(_ffill_across_sequences, "That carries values from one sequence into the next: "
                                     "the holes at the start of a sequence must become 0, "
                                     "not the previous sequence's last value."),
]



def _check_ffill(fn):
    return compare_function(fn, _ffill_cases(), mistakes=_FFILL_MISTAKES)


register(
    "faq-data-1",
    title="Forward fill: replace each NaN by the last observed value (0 before any)",
    page="faq/data",
    kind="function",
    checker=_check_ffill,
    reference=lambda: _ffill_reference,
    wrong_answers=lambda: [
        WrongAnswer(_ffill_zero_only, says="0 in every hole", label="zeros instead of the last "
                    "value"),
        WrongAnswer(_ffill_backward, says="from the future", label="filled from the future"),
        WrongAnswer(_ffill_across_sequences, says="into the next",
                    label="carried across sequences"),
        WrongAnswer(_ffill_leading_nan, says="nothing was observed yet",
                    label="leading holes left NaN"),
    ],
)


def _outside_three(split: int = 0) -> float:
    from lstmbook.data.faq_tasks import spiky_sine
    from lstmbook.scaling import fit_robust

    data = spiky_sine()
    scaler = fit_robust(data[0])
    return float(np.mean(np.abs(scaler.transform(data[split])) > 3))


def _data2_mistakes() -> list[tuple[float, str]]:
    from lstmbook.data.faq_tasks import SPIKE_RATE

    return [
        (0.0027, "That is the Gaussian tail beyond 3σ (0.27%); these inputs are a sine plus "
                 "rare spikes, not Gaussian."),
        (0.0, "Something does lie outside: the spikes of ±30, divided by the interquartile "
              "range, land far beyond ±3."),
        (_outside_three(2), "That is the test split; the question asks about the training "
                            "inputs, spiky_sine()[0]."),
        (SPIKE_RATE, f"That is SPIKE_RATE = {SPIKE_RATE}, the chance that a value spikes; "
                     "count the scaled training inputs outside ±3 for the share that did "
                     "(give 3 figures)."),
    ]


def _check_outside_three(answer):
    return compare_number(answer, _outside_three(), rtol=1e-3, percent=True,
                          mistakes=_data2_mistakes())


register(
    "faq-data-2",
    title="Fraction of the robustly scaled spiky sine inputs outside ±3",
    page="faq/data",
    kind="number",
    checker=_check_outside_three,
    reference=_outside_three,
    wrong_answers=lambda: [
        WrongAnswer(0.0027, says="gaussian tail", label="the Gaussian tail beyond 3σ"),
        WrongAnswer(0.0, says="spikes of ±30", label="spikes forgotten: nothing outside"),
        WrongAnswer(_outside_three(2), says="test split", label="the test inputs"),
        WrongAnswer(0.02, says="spike_rate", label="the spike rate"),
    ],
)


def _embedding_saving(V: int = 20000, E: int = 64, H: int = 128) -> int:
    import torch

    one_hot = torch.nn.LSTM(V, H)
    embedded = [torch.nn.Embedding(V, E), torch.nn.LSTM(E, H)]
    count = sum(p.numel() for p in one_hot.parameters())
    return int(count - sum(p.numel() for m in embedded for p in m.parameters()))


def _data3_mistakes() -> list[tuple[float, str]]:
    saving = _embedding_saving()
    return [
        (4 * 128 * 20000 - 4 * 128 * 64, "That leaves out the embedding table's own "
                                         "20000 × 64 = 1,280,000 parameters."),
        (-saving, "That is the other way round: the one-hot LSTM is the larger model, so the "
                  "saving is positive."),
        (4 * 128 * (20000 + 128 + 2), "That is the size of LSTM(20000, 128) by itself; "
                                      "subtract what Embedding(20000, 64) + LSTM(64, 128) "
                                      "cost."),
    ]


register(
    "faq-data-3",
    title="Parameters saved by an embedding of width 64 before an LSTM(·, 128) on 20000 symbols",
    page="faq/data",
    kind="number",
    checker=lambda a: compare_number(a, _embedding_saving(), mistakes=_data3_mistakes()),
    reference=_embedding_saving,
    wrong_answers=lambda: [
        WrongAnswer(4 * 128 * 20000 - 4 * 128 * 64, says="embedding table",
                    label="embedding forgotten"),
        WrongAnswer(-_embedding_saving(), says="other way round", label="the wrong way round"),
        WrongAnswer(4 * 128 * (20000 + 128 + 2), says="by itself",
                    label="the one-hot LSTM's size"),
    ],
)
