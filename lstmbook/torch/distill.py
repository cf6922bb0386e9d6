"""Knowledge distillation (知识蒸馏) into a smaller LSTM.

Hinton, Vinyals & Dean (2015): a small *student* is trained to match the softened class
probabilities of a large *teacher*, ``softmax(z / τ)``, as well as the labels. The soft
targets say which wrong classes the teacher finds plausible ("this 7 looks a bit like a
1"), information a one-hot label does not carry. Shown in ``book/challenges/distillation``
on handwritten digits read row by row, the sequence task of source 004 (MNIST-like images),
with scikit-learn's ``load_digits`` (shipped with the package, nothing downloaded).

Teacher and student are :class:`lstmbook.torch.models.RecurrentNet` classifiers trained with
:func:`lstmbook.torch.train.fit`; the student's targets are the pair ``(labels,
teacher_logits)`` and its loss :func:`distillation_objective`::

    fit(student, (x, (y, teacher_logits)), loss_fn=distillation_objective(2.0, 0.5), ...)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

__all__ = [
    "distillation_loss",
    "distillation_objective",
    "logits_of",
]


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


def distillation_objective(
    temperature: float = 4.0, alpha: float = 0.7
) -> Callable[[torch.Tensor, tuple[torch.Tensor, torch.Tensor]], torch.Tensor]:
    """:func:`distillation_loss` as a ``loss_fn`` for :func:`lstmbook.torch.train.fit`, whose
    targets are the pairs ``(labels (B,), teacher_logits (B, C))``.

    Raises
    ------
    ValueError
        For a temperature that is not positive or an ``alpha`` outside [0, 1] (at once,
        not at the first update).
    """
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")

    def loss_fn(student_logits: torch.Tensor, target: tuple[torch.Tensor, torch.Tensor]):
        labels, teacher_logits = target
        return distillation_loss(student_logits, teacher_logits, labels,
                                 temperature=temperature, alpha=alpha)

    return loss_fn


@torch.no_grad()
def logits_of(model: nn.Module, x: Any) -> torch.Tensor:
    """The model's logits (N, C) in eval mode (the teacher's, for the student's targets)."""
    model.eval()
    return model(torch.as_tensor(x))
