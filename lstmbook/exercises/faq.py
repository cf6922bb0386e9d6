"""Exercises of the FAQ chapter (book/faq/basics, training and data .ipynb)."""

from __future__ import annotations

import numpy as np

from ._core import WrongAnswer, register
from .compare import compare_function, compare_number


# ------------------------------------------------------------------ faq/basics
def _lstm_params(I: int = 10, H: int = 20) -> int:
    from lstmbook.numpy import LSTM, parameter_count

    return parameter_count(LSTM(I, H, seed=0))


register(
    "faq-basics-1",
    title="Parameters of an LSTM layer with I = 10 inputs and H = 20 units",
    page="faq/basics",
    kind="number",
    checker=lambda a: compare_number(
        a, _lstm_params(), hint="Four gate blocks, each with W_ih (H, I), W_hh (H, H) and "
        "two biases in PyTorch's convention."
    ),
    reference=_lstm_params,
    wrong_answers=lambda: [
        WrongAnswer(_lstm_params() - 4 * 20, says="too small", label="one bias per gate"),
        WrongAnswer(20 * 10 + 20 * 20 + 2 * 20, says="a quarter", label="one gate block only"),
    ],
)


def _h_n_floats() -> int:
    import torch

    lstm = torch.nn.LSTM(5, 16, num_layers=2, batch_first=True)
    _, (h_n, _) = lstm(torch.zeros(8, 30, 5))
    return int(h_n.numel())


register(
    "faq-basics-2",
    title="How many numbers h_n holds for torch.nn.LSTM(5, 16, num_layers=2), batch 8, T = 30",
    page="faq/basics",
    kind="number",
    checker=lambda a: compare_number(
        a, _h_n_floats(), hint="h_n is (num_layers, B, H): the last step of every layer."
    ),
    reference=_h_n_floats,
    wrong_answers=lambda: [
        WrongAnswer(8 * 16, says="half", label="the last layer only"),
        WrongAnswer(8 * 30 * 16, says="too large", label="the output sequence instead"),
    ],
)


def _gru_params(I: int, H: int) -> int:
    return 3 * (H * I + H * H + 2 * H)


def _matching_gru_width(I: int = 64, H: int = 64) -> int:
    """Smallest GRU hidden size with at least as many parameters as LSTM(I, H)."""
    target = 4 * (H * I + H * H + 2 * H)
    return next(h for h in range(1, 10 * H) if _gru_params(I, h) >= target)


register(
    "faq-basics-3",
    title="The smallest GRU(64, H) with as many parameters as LSTM(64, 64)",
    page="faq/basics",
    kind="number",
    checker=lambda a: compare_number(
        a, _matching_gru_width(), hint="A GRU layer has 3·(H·I + H·H + 2·H) parameters, an "
        "LSTM 4·(…): solve 3H² + 198H ≥ 33,280 and round up."
    ),
    reference=_matching_gru_width,
    wrong_answers=lambda: [
        WrongAnswer(64, says="too small", label="the same width"),
        WrongAnswer(round(64 * 4 / 3), says="too large", label="width scaled by 4/3"),
    ],
)


# ------------------------------------------------------------------ faq/training
def _cell_gain(bias: float = 2.0, steps: int = 50) -> float:
    from lstmbook.gradient_flow import cell_path_gain

    f = np.full((steps, 1), 1 / (1 + np.exp(-bias)))
    return float(cell_path_gain(f)[steps])


register(
    "faq-training-1",
    title="Cell-path gain over 50 steps with every forget gate at σ(2)",
    page="faq/training",
    kind="number",
    checker=lambda a: compare_number(
        a, _cell_gain(), rtol=1e-3, hint="Along the cell state the gradient is multiplied by "
        "f_t at every step it goes back."
    ),
    reference=_cell_gain,
    wrong_answers=lambda: [
        WrongAnswer(1 / (1 + np.exp(-2.0)), says="too large", label="one step only"),
        WrongAnswer(_cell_gain() * 10, says="ten times", label="a slip of a digit"),
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


register(
    "faq-training-2",
    title="The factor clip_grad_norm_(max_norm=5) multiplies a gradient of norm 40 by",
    page="faq/training",
    kind="number",
    checker=lambda a: compare_number(
        a, _clip_factor(), rtol=1e-3,
        hint="Clipping rescales the whole gradient so that its norm becomes max_norm."
    ),
    reference=_clip_factor,
    wrong_answers=lambda: [
        WrongAnswer(8.0, says="too large", label="norm / max_norm"),
        WrongAnswer(1.0, says="too large", label="no change"),
    ],
)


def _extrapolation_mse() -> float:
    from lstmbook.data.faq_tasks import faq_task

    _, _, x_te, y_te = faq_task("sine")
    return float(np.mean((2 * x_te[:, -1, 0] - x_te[:, -2, 0] - y_te[:, 0]) ** 2))


def _persistence_mse() -> float:
    from lstmbook.data.faq_tasks import faq_task

    _, _, x_te, y_te = faq_task("sine")
    return float(np.mean((x_te[:, -1, 0] - y_te[:, 0]) ** 2))


register(
    "faq-training-3",
    title="Test MSE of linear extrapolation 2·x_T − x_(T−1) on the sine task",
    page="faq/training",
    kind="number",
    checker=lambda a: compare_number(
        a, _extrapolation_mse(), rtol=1e-3,
        hint="Predict y = 2·x[:, -1] − x[:, -2] on the held-out split of faq_task('sine')."
    ),
    reference=_extrapolation_mse,
    wrong_answers=lambda: [
        WrongAnswer(_persistence_mse(), says="too small", label="persistence instead"),
        WrongAnswer(_extrapolation_mse() / 2, says="half", label="a forgotten square"),
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


register(
    "faq-data-1",
    title="Forward fill: replace each NaN by the last observed value (0 before any)",
    page="faq/data",
    kind="function",
    checker=lambda fn: compare_function(
        fn, _ffill_cases(), hint="Walk forward in time per sequence and feature."
    ),
    reference=lambda: _ffill_reference,
    wrong_answers=lambda: [
        WrongAnswer(_ffill_zero_only, says="test case 1", label="zeros instead of the last value"),
        WrongAnswer(_ffill_backward, says="test case 1", label="filled from the future"),
    ],
)


def _outside_three() -> float:
    from lstmbook.data.faq_tasks import spiky_sine
    from lstmbook.scaling import fit_robust

    x = spiky_sine()[0]
    return float(np.mean(np.abs(fit_robust(x).transform(x)) > 3))


register(
    "faq-data-2",
    title="Fraction of the robustly scaled spiky sine inputs outside ±3",
    page="faq/data",
    kind="number",
    checker=lambda a: compare_number(
        a, _outside_three(), rtol=1e-3,
        hint="fit_robust on the training inputs of spiky_sine(), transform them, count |z| > 3."
    ),
    reference=_outside_three,
    wrong_answers=lambda: [
        WrongAnswer(0.0027, says="too small", label="the Gaussian tail beyond 3σ"),
        WrongAnswer(0.0, says="too small", label="spikes forgotten: nothing outside"),
    ],
)


def _embedding_saving(V: int = 20000, E: int = 64, H: int = 128) -> int:
    import torch

    one_hot = torch.nn.LSTM(V, H)
    embedded = [torch.nn.Embedding(V, E), torch.nn.LSTM(E, H)]
    count = sum(p.numel() for p in one_hot.parameters())
    return int(count - sum(p.numel() for m in embedded for p in m.parameters()))


register(
    "faq-data-3",
    title="Parameters saved by an embedding of width 64 before an LSTM(·, 128) on 20000 symbols",
    page="faq/data",
    kind="number",
    checker=lambda a: compare_number(
        a, _embedding_saving(), hint="Count nn.LSTM(20000, 128) against nn.Embedding(20000, 64) "
        "plus nn.LSTM(64, 128)."
    ),
    reference=_embedding_saving,
    wrong_answers=lambda: [
        WrongAnswer(4 * 128 * 20000 - 4 * 128 * 64, says="too large", label="embedding forgotten"),
        WrongAnswer(-_embedding_saving(), says="sign", label="the wrong way round"),
    ],
)
