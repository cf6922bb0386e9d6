"""Classifying sequences in PyTorch: the accuracy of a classifier, as a metric for ``fit``.

The classifiers themselves are :class:`lstmbook.torch.models.RecurrentNet` (a recurrent
layer read out on its final state) and they train with :func:`lstmbook.torch.train.fit`;
:func:`accuracy` has the signature of ``fit``'s ``metric``, so early stopping on the
validation accuracy is ``fit(..., val_data=(x_val, y_val), metric=accuracy, mode="max")``.

Used by ``book/applications/padding.ipynb`` (sequences of different lengths, masked by
passing their lengths), ``book/applications/digits.ipynb`` (whose models are in
:mod:`lstmbook.torch.digit_models`) and the challenges chapter's digit classifiers.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from lstmbook.torch.train import as_tensors, call_model

__all__ = ["accuracy"]


@torch.no_grad()
def accuracy(model: nn.Module, data: tuple[Any, Any]) -> float:
    """Fraction of sequences whose largest logit is the label, in eval mode.

    Parameters
    ----------
    model : nn.Module
        Logits (B, C) of ``x``.
    data : (x, y)
        ``x`` (B, T, I) -- or ``(x, lengths)`` for padded sequences, read as
        ``model(x, lengths)`` -- and labels ``y`` (B,); arrays or tensors.

    Returns
    -------
    float
    """
    x, y = data
    y = torch.as_tensor(as_tensors(y))
    was_training = model.training
    model.eval()
    try:
        pred = call_model(model, as_tensors(x)).argmax(-1)
    finally:
        model.train(was_training)
    if pred.shape != y.shape:
        raise ValueError(
            f"accuracy: {tuple(pred.shape)} predictions for labels of shape {tuple(y.shape)}"
        )
    return float((pred.cpu() == y.cpu()).double().mean())
