"""Attributions (归因) for sequence models: which inputs made this output?

Every method here explains one scalar, ``f(x) = model(x)[b, k]`` (output ``k`` of example
``b``: a regression output, or the logit of a class), by a score per input value. They work
on any NumPy model with ``forward(x) -> (B, O)`` and ``backward(grad_y) -> ∂/∂x``, such as
:class:`lstmbook.numpy.SequenceRegressor`: the hand-written backward pass of
:mod:`lstmbook.numpy` gives the input gradient directly, no autograd needed. A trained
PyTorch :class:`~lstmbook.torch.models.RecurrentNet` becomes one with
:func:`lstmbook.torch.convert.recurrent_net_to_numpy`.

* :func:`gradient_x_input` -- ``x ⊙ ∂f/∂x`` (one backward pass);
* :func:`integrated_gradients` -- Sundararajan et al. (2017): ``(x - x') ⊙`` the gradient
  averaged on the straight path from a baseline ``x'`` to ``x``; the scores add up to
  ``f(x) - f(x')`` (completeness), up to the error of the Riemann sum;
* :func:`occlusion` -- the drop ``f(x) - f(x with step t replaced by the baseline)``, one
  forward pass per step, no gradient at all;
* :func:`randomized_copy` -- a copy of a model with some parameters redrawn: the model
  randomisation test of Adebayo et al. (2018). An attribution method that gives (nearly)
  the same map for the trained and the randomised model explains the input, not the model.
* :class:`TorchModel`, :func:`embedding_space` -- a PyTorch model seen through the same
  ``forward``/``backward`` interface (autograd gives the input gradient); a model that
  reads ids through an embedding is explained in its embedding space, one vector per
  token, so every method above gives a score per token (``book/applications/sentiment``).

Shapes: ``x`` is (B, T, I), batch-first, like the models' input. Shown in
``book/challenges/interpretation``.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numpy as np

from lstmbook._checks import check_finite, check_float_dtype, check_positive_int

__all__ = [
    "input_gradient",
    "gradient_x_input",
    "integrated_gradients",
    "occlusion",
    "per_step",
    "rank_correlation",
    "top_k_overlap",
    "randomized_copy",
    "TorchModel",
    "embedding_space",
]


def _check_x(x: Any, name: str = "x") -> np.ndarray:
    check_float_dtype(np.asarray(x), name)
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"{name}: expected a batch of sequences (B, T, I), got shape {x.shape}")
    check_finite(x, name)
    return x


def _output_mask(y: np.ndarray, output: int | Sequence[int] | np.ndarray) -> np.ndarray:
    """One-hot (B, O) selecting output ``output`` (an int, or one index per example)."""
    B, O = y.shape
    idx = np.broadcast_to(np.asarray(output), (B,))
    if idx.dtype.kind not in "iu" or np.any(idx < 0) or np.any(idx >= O):
        raise ValueError(f"output: expected integer indices in [0, {O}), got {output!r}")
    mask = np.zeros_like(y)
    mask[np.arange(B), idx] = 1.0
    return mask


def _selected(model: Any, x: np.ndarray, output: Any) -> np.ndarray:
    y = model.forward(x)
    return (y * _output_mask(y, output)).sum(axis=1)


def input_gradient(model: Any, x: Any, output: Any = 0) -> np.ndarray:
    """``∂f/∂x`` with ``f = model(x)[b, output_b]``, by the model's own backward pass.

    Parameters
    ----------
    model
        ``forward(x) -> (B, O)`` and ``backward(grad_y) -> (B, T, I)``.
    x : ndarray (B, T, I)
    output : int or sequence of B ints
        Which output to explain (e.g. the predicted class of each example).

    Returns
    -------
    ndarray (B, T, I)
    """
    x = _check_x(x)
    y = model.forward(x)
    return np.asarray(model.backward(_output_mask(y, output)))


def gradient_x_input(model: Any, x: Any, output: Any = 0) -> np.ndarray:
    """``x ⊙ ∂f/∂x`` (B, T, I): the first-order Taylor share of each input value."""
    x = _check_x(x)
    return x * input_gradient(model, x, output)


def integrated_gradients(
    model: Any, x: Any, output: Any = 0, *, baseline: Any = None, steps: int = 32
) -> np.ndarray:
    """Integrated gradients, midpoint rule with ``steps`` points on the path.

    Parameters
    ----------
    model, x, output
        As in :func:`input_gradient`.
    baseline : ndarray (B, T, I), broadcastable, or None
        The reference input ``x'``; zeros if None.
    steps : int
        Points ``α_k = (k + ½)/steps`` on the path ``x' + α (x - x')``.

    Returns
    -------
    ndarray (B, T, I)
        ``(x - x') ⊙ mean_k ∂f/∂x (x' + α_k (x - x'))``; sums to ``≈ f(x) - f(x')``.
    """
    x = _check_x(x)
    steps = check_positive_int(steps, "steps")
    base = np.zeros_like(x) if baseline is None else np.broadcast_to(baseline, x.shape)
    alphas = (np.arange(steps) + 0.5) / steps
    path = base[None] + alphas[:, None, None, None] * (x - base)[None]  # (S, B, T, I)
    B = x.shape[0]
    flat = path.reshape((steps * B,) + x.shape[1:]).astype(x.dtype)
    idx = np.tile(np.broadcast_to(np.asarray(output), (B,)), steps)
    grads = input_gradient(model, flat, idx).reshape(path.shape)
    return (x - base) * grads.mean(axis=0)


def occlusion(model: Any, x: Any, output: Any = 0, *, baseline: Any = None) -> np.ndarray:
    """Drop of the output when one time step is replaced by the baseline.

    Returns
    -------
    ndarray (B, T)
        Entry ``[b, t]`` is ``f(x) - f(x with x[b, t, :] := x'[b, t, :])``.
    """
    x = _check_x(x)
    base = np.zeros_like(x) if baseline is None else np.broadcast_to(baseline, x.shape)
    B, T, _ = x.shape
    occluded = np.repeat(x[None], T, axis=0)  # (T, B, T, I): copy t has step t occluded
    occluded[np.arange(T), :, np.arange(T)] = base.transpose(1, 0, 2)
    f_x = _selected(model, x, output)
    f_occ = _selected(model, occluded.reshape((T * B,) + x.shape[1:]), np.tile(
        np.broadcast_to(np.asarray(output), (B,)), T))
    return (f_x[None] - f_occ.reshape(T, B)).T


def per_step(attr: Any) -> np.ndarray:
    """Sum a (B, T, I) attribution over the features: (B, T). A (B, T) one is returned as is."""
    attr = np.asarray(attr)
    if attr.ndim == 2:
        return attr
    if attr.ndim != 3:
        raise ValueError(f"per_step: expected (B, T, I) or (B, T), got shape {attr.shape}")
    return attr.sum(axis=-1)


def _ranks(a: np.ndarray) -> np.ndarray:
    return np.argsort(np.argsort(a, axis=-1), axis=-1).astype(float)


def rank_correlation(a: Any, b: Any) -> np.ndarray:
    """Spearman correlation of two attributions, example by example.

    Parameters
    ----------
    a, b : ndarray (B, ...)
        Flattened per example (e.g. (B, T) per-step scores); ties are broken by position.

    Returns
    -------
    ndarray (B,)
    """
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"rank_correlation: shapes differ, {a.shape} vs {b.shape}")
    ra, rb = _ranks(a.reshape(len(a), -1)), _ranks(b.reshape(len(b), -1))
    ra -= ra.mean(axis=1, keepdims=True)
    rb -= rb.mean(axis=1, keepdims=True)
    return (ra * rb).sum(1) / np.sqrt((ra**2).sum(1) * (rb**2).sum(1))


def top_k_overlap(attr: Any, truth: Any, k: int) -> np.ndarray:
    """Fraction of the ``k`` largest ``|attr|`` positions that are ``True`` in ``truth``.

    Parameters
    ----------
    attr : ndarray (B, T)
    truth : bool ndarray (B, T)
        Where the answer really comes from (e.g. the two marked steps of the adding problem).

    Returns
    -------
    ndarray (B,)
    """
    attr, truth = np.abs(np.asarray(attr)), np.asarray(truth, bool)
    if attr.shape != truth.shape:
        raise ValueError(f"top_k_overlap: shapes differ, {attr.shape} vs {truth.shape}")
    k = check_positive_int(k, "k")
    top = np.argsort(-attr, axis=1)[:, :k]
    return np.take_along_axis(truth, top, axis=1).mean(axis=1)


def randomized_copy(model: Any, modules: Sequence[str], *, seed: int = 0) -> Any:
    """A deep copy of ``model`` with the parameters of the named sub-modules redrawn.

    Each parameter is replaced by Gaussian noise of the same shape and the same standard
    deviation as the trained values (so the scale of the activations stays comparable).

    Parameters
    ----------
    model
        An object whose attributes ``modules`` (e.g. ``["head", "lstm"]``) have a ``params``
        dict, like :class:`lstmbook.numpy.SequenceRegressor`.
    modules : sequence of str
        Attribute names; the cascading test of Adebayo et al. randomises from the top
        (``["head"]``, then ``["head", "lstm"]``).
    seed : int
    """
    rng = np.random.default_rng(seed)
    out = copy.deepcopy(model)
    for name in modules:
        sub = getattr(out, name, None)
        if sub is None or not hasattr(sub, "params"):
            raise ValueError(f"randomized_copy: model has no sub-module {name!r} with params")
        for p in sub.params.values():
            p[...] = rng.normal(0.0, float(p.std()) or 1.0, p.shape).astype(p.dtype)
    return out


class TorchModel:
    """A PyTorch function of float inputs seen as a model of this module.

    ``forward(x)`` returns ``fn(x)`` as an array (B, O); ``backward(grad_y)`` returns
    ``∂(grad_y · y)/∂x`` of the last forward pass, by autograd. ``lengths`` (B0,), if
    given, are passed as ``fn(x, lengths)``, repeated for the batches of B0 * k inputs
    that :func:`occlusion` and :func:`integrated_gradients` build from B0 examples.
    """

    def __init__(self, fn: Any, lengths: Any = None) -> None:
        self.fn = fn
        self.lengths = None if lengths is None else np.asarray(lengths).reshape(-1)
        self._x = self._y = None

    def forward(self, x: Any) -> np.ndarray:
        import torch

        x = np.asarray(x)
        xt = torch.tensor(x, dtype=torch.float32, requires_grad=True)
        with torch.enable_grad():
            if self.lengths is None:
                y = self.fn(xt)
            else:
                if len(x) % len(self.lengths):
                    raise ValueError(f"TorchModel: a batch of {len(x)} is not a multiple "
                                     f"of the {len(self.lengths)} lengths given")
                reps = len(x) // len(self.lengths)
                y = self.fn(xt, torch.as_tensor(np.tile(self.lengths, reps)))
        self._x, self._y = xt, y
        return y.detach().numpy().astype(x.dtype)

    def backward(self, grad_y: Any) -> np.ndarray:
        import torch

        if self._y is None:
            raise RuntimeError("TorchModel.backward: call forward first")
        g = torch.as_tensor(np.asarray(grad_y), dtype=self._y.dtype)
        (grad,) = torch.autograd.grad(self._y, self._x, g)
        return grad.numpy().astype(np.float64)


def embedding_space(model: Any, ids: Any, lengths: Any = None) -> tuple[TorchModel, np.ndarray]:
    """A :class:`~lstmbook.torch.models.RecurrentNet` that reads ids, as a model of its
    embedded inputs: attribute to the token vectors, then sum per token (:func:`per_step`).

    Parameters
    ----------
    model : RecurrentNet with ``embedding``
        Not changed; put it in eval mode first (``model.eval()``).
    ids : int array (B, T)
    lengths : array (B,) or None
        True lengths of padded rows (the padding is then never read, and scores 0).

    Returns
    -------
    wrapped : TorchModel
        ``forward(e)`` for embedded inputs ``e`` (B, T, E).
    x : ndarray (B, T, E) float32
        The embedded ids, the input to explain. A baseline such as zeros, or the
        embedding of an "unknown" token, stands for a token removed.
    """
    import torch

    if getattr(model, "embedding", None) is None:
        raise ValueError("embedding_space: the model has no embedding (it reads vectors, "
                         "not ids): use TorchModel(model) directly")
    inner = copy.copy(model)
    inner._modules = dict(model._modules)  # the copy's own table: the model keeps its layer
    inner.embedding = None
    inner.input_size = model.embedding.embedding_dim
    with torch.no_grad():
        x = model.embedding(torch.as_tensor(np.asarray(ids), dtype=torch.int64)).numpy()
    return TorchModel(inner, lengths), x
