"""Knowledge distillation (知识蒸馏) into a smaller LSTM, and the classifier it is shown on.

Hinton, Vinyals & Dean (2015): a small *student* is trained to match the softened class
probabilities of a large *teacher*, ``softmax(z / τ)``, as well as the labels. The soft
targets say which wrong classes the teacher finds plausible ("this 7 looks a bit like a
1"), information a one-hot label does not carry. Shown in ``book/challenges/distillation``
on handwritten digits read row by row, the sequence task of source 004 (MNIST-like images),
with scikit-learn's ``load_digits`` (shipped with the package, nothing downloaded).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from lstmbook._checks import check_positive_int
from lstmbook.torch.train import History, train

__all__ = [
    "SequenceClassifier",
    "distillation_loss",
    "fit_classifier",
    "accuracy",
    "logits_of",
]


class SequenceClassifier(nn.Module):
    """``torch.nn.LSTM`` over (B, T, I), a linear layer on the last hidden state: logits (B, C).

    Parameters
    ----------
    input_size, hidden_size, num_classes : int
    """

    def __init__(self, input_size: int, hidden_size: int, num_classes: int) -> None:
        super().__init__()
        self.lstm = nn.LSTM(
            check_positive_int(input_size, "input_size"),
            check_positive_int(hidden_size, "hidden_size"),
            batch_first=True,
        )
        self.head = nn.Linear(hidden_size, check_positive_int(num_classes, "num_classes"))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 3:
            raise ValueError(f"SequenceClassifier expects (B, T, I), got shape {tuple(x.shape)}")
        return self.head(self.lstm(x)[0][:, -1])


def distillation_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    target: torch.Tensor,
    *,
    temperature: float = 4.0,
    alpha: float = 0.7,
) -> torch.Tensor:
    """``α τ² KL(softmax(t/τ) ‖ softmax(s/τ)) + (1 - α) CE(s, y)``.

    The ``τ²`` keeps the soft term's gradient on the scale of the hard one (its gradient
    shrinks like ``1/τ²``).

    Parameters
    ----------
    student_logits, teacher_logits : tensor (B, C)
    target : tensor (B,) int64
    temperature : float > 0
    alpha : float in [0, 1]
        Weight of the soft targets; 0 is ordinary training on the labels.
    """
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    if student_logits.shape != teacher_logits.shape:
        raise ValueError(
            f"student logits {tuple(student_logits.shape)} and teacher logits "
            f"{tuple(teacher_logits.shape)} differ in shape"
        )
    soft = F.kl_div(
        F.log_softmax(student_logits / temperature, dim=-1),
        F.log_softmax(teacher_logits / temperature, dim=-1),
        log_target=True,
        reduction="batchmean",
    )
    return alpha * temperature**2 * soft + (1 - alpha) * F.cross_entropy(student_logits, target)


def _batches(n: int, batch_size: int, seed: int, *arrays: torch.Tensor):
    def make():
        order = torch.randperm(n, generator=torch.Generator().manual_seed(make.epoch))
        make.epoch += 1
        for k in range(0, n, batch_size):
            idx = order[k : k + batch_size]
            x, *rest = (a[idx] for a in arrays)
            yield x, tuple(rest) if len(rest) > 1 else rest[0]

    make.epoch = seed
    return make


def fit_classifier(
    model: nn.Module,
    x: Any,
    y: Any,
    *,
    epochs: int,
    batch_size: int = 64,
    lr: float = 1e-2,
    seed: int = 0,
    teacher_logits: Any = None,
    temperature: float = 4.0,
    alpha: float = 0.7,
) -> History:
    """Train ``model`` with Adam on cross-entropy, or on :func:`distillation_loss` when
    ``teacher_logits`` (N, C) are given. Reshuffled each epoch from ``seed``; CPU."""
    x, y = torch.as_tensor(x), torch.as_tensor(y)
    n = len(x)
    if teacher_logits is None:
        loss_fn, batches = nn.CrossEntropyLoss(), _batches(n, batch_size, seed, x, y)
    else:
        t = torch.as_tensor(teacher_logits, dtype=x.dtype)
        if t.shape != (n, t.shape[-1]):
            raise ValueError(f"teacher_logits: expected ({n}, C), got {tuple(t.shape)}")

        def loss_fn(s, yt):
            return distillation_loss(s, yt[1], yt[0], temperature=temperature, alpha=alpha)

        batches = _batches(n, batch_size, seed, x, y, t)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    return train(model, loss_fn, opt, batches, epochs=epochs, device="cpu", progress=False)


@torch.no_grad()
def logits_of(model: nn.Module, x: Any) -> torch.Tensor:
    """The model's logits (N, C) in eval mode."""
    model.eval()
    return model(torch.as_tensor(x))


def accuracy(model: nn.Module, x: Any, y: Any) -> float:
    """Fraction of examples whose largest logit is the label."""
    return float((logits_of(model, x).argmax(-1) == torch.as_tensor(y)).float().mean())
