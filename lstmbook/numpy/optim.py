"""Optimisers and gradient clipping for modules that follow the ``params``/``grads`` protocol.

An optimiser is given the modules once and, on every ``step()``, reads each module's
``grads[name]`` and updates ``params[name]`` *in place*, so anything holding a reference
to a parameter array sees the new values. The update rules are those of
``torch.optim.SGD`` and ``torch.optim.Adam`` (with ``weight_decay`` as the L2 term
``g + wd * p``), and agree with them to rounding error.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = ["SGD", "Adam", "clip_grad_norm_", "collect_modules"]


def collect_modules(modules: Any) -> list[Any]:
    """Normalise what the user passed into a list of objects with ``params`` and ``grads``.

    Accepts one module, a model with a ``modules()`` method, or an iterable of either.
    Duplicates (the same object twice) are dropped, so a parameter is never updated twice.
    """
    if hasattr(modules, "params"):
        found = [modules]
    elif callable(getattr(modules, "modules", None)):
        found = list(modules.modules())
    elif isinstance(modules, Iterable):
        found = [m for item in modules for m in collect_modules(item)]
    else:
        raise TypeError(
            f"expected modules with .params and .grads (or a model with .modules()), "
            f"got {type(modules).__name__}"
        )
    unique, seen = [], set()
    for m in found:
        if not hasattr(m, "grads"):
            raise TypeError(f"{type(m).__name__} has .params but no .grads")
        if id(m) not in seen:
            seen.add(id(m))
            unique.append(m)
    return unique


def _param_slots(modules: Any) -> list[tuple[Any, str]]:
    """(module, name) of every parameter; arrays are looked up afresh at each step."""
    slots = [(m, name) for m in collect_modules(modules) for name in m.params]
    if not slots:
        raise ValueError("the optimiser was given no parameters")
    return slots


def _check_hyper(name: str, value: float, *, low: float = 0.0, high: float = np.inf) -> float:
    value = float(value)
    if not (low <= value < high):
        raise ValueError(f"{name} must be in [{low}, {high}), got {value}")
    return value


class SGD:
    """Stochastic gradient descent, optionally with momentum::

        g = grad + weight_decay * p
        v = g                  (first step)
        v = momentum * v + g   (later steps)
        p = p - lr * v         (v = g when momentum == 0)

    Parameters
    ----------
    modules : module, model or list of modules
        What to train (see :func:`collect_modules`).
    lr : float
        Learning rate, > 0.
    momentum, weight_decay : float
        ``>= 0``; momentum ``< 1``.
    """

    def __init__(
        self, modules: Any, lr: float, momentum: float = 0.0, weight_decay: float = 0.0
    ) -> None:
        self.slots = _param_slots(modules)
        self.lr = _check_hyper("lr", lr)
        if self.lr == 0.0:
            raise ValueError("lr must be positive")
        self.momentum = _check_hyper("momentum", momentum, high=1.0)
        self.weight_decay = _check_hyper("weight_decay", weight_decay)
        self.velocity: dict[tuple[int, str], np.ndarray] = {}

    def __repr__(self) -> str:
        return f"SGD(lr={self.lr}, momentum={self.momentum}, weight_decay={self.weight_decay})"

    def step(self) -> None:
        """Update every parameter in place from its current gradient."""
        for module, name in self.slots:
            p, g = module.params[name], module.grads[name]
            if self.weight_decay:
                g = g + self.weight_decay * p
            if self.momentum:
                key = (id(module), name)
                if key not in self.velocity:
                    self.velocity[key] = np.array(g, copy=True)
                else:
                    self.velocity[key] = self.momentum * self.velocity[key] + g
                g = self.velocity[key]
            p -= self.lr * g


class Adam:
    """Adam (Kingma & Ba, 2015): per-parameter step sizes from running moments::

        g = grad + weight_decay * p
        m = beta1 * m + (1 - beta1) * g          (mean of the gradient)
        v = beta2 * v + (1 - beta2) * g^2        (mean of its square)
        p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    The factors ``1 - beta^t`` undo the bias of ``m`` and ``v`` towards their zero start.

    Parameters
    ----------
    modules : module, model or list of modules
        What to train (see :func:`collect_modules`).
    lr : float
        Learning rate, > 0.
    betas : (float, float)
        Decay rates of the two moments, each in [0, 1).
    eps : float
        Added to the denominator, > 0.
    weight_decay : float
        L2 penalty ``>= 0`` (as ``torch.optim.Adam``, not the decoupled AdamW).
    """

    def __init__(
        self,
        modules: Any,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        self.slots = _param_slots(modules)
        self.lr = _check_hyper("lr", lr)
        if self.lr == 0.0:
            raise ValueError("lr must be positive")
        beta1, beta2 = betas
        self.betas = (
            _check_hyper("beta1", beta1, high=1.0),
            _check_hyper("beta2", beta2, high=1.0),
        )
        self.eps = _check_hyper("eps", eps)
        self.weight_decay = _check_hyper("weight_decay", weight_decay)
        self.t = 0
        self.m = {(id(mod), n): np.zeros_like(mod.params[n]) for mod, n in self.slots}
        self.v = {(id(mod), n): np.zeros_like(mod.params[n]) for mod, n in self.slots}

    def __repr__(self) -> str:
        return (
            f"Adam(lr={self.lr}, betas={self.betas}, eps={self.eps}, "
            f"weight_decay={self.weight_decay})"
        )

    def step(self) -> None:
        """Update every parameter in place from its current gradient."""
        self.t += 1
        beta1, beta2 = self.betas
        step_size = self.lr / (1 - beta1**self.t)
        sqrt_bias2 = np.sqrt(1 - beta2**self.t)
        for module, name in self.slots:
            key = (id(module), name)
            p, g = module.params[name], module.grads[name]
            if self.weight_decay:
                g = g + self.weight_decay * p
            m, v = self.m[key], self.v[key]
            m += (1 - beta1) * (g - m)  # = beta1 * m + (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * g * g
            p -= step_size * m / (np.sqrt(v) / sqrt_bias2 + self.eps)


def clip_grad_norm_(modules: Any, max_norm: float) -> float:
    """Rescale all gradients together so that their global L2 norm is at most ``max_norm``.

    The norm is taken over every gradient array of every module as if they were one
    vector, ``||g|| = sqrt(sum_k ||g_k||^2)``; if it exceeds ``max_norm`` each gradient is
    multiplied by ``max_norm / (||g|| + 1e-6)``, so the *direction* is kept. Same rule as
    ``torch.nn.utils.clip_grad_norm_``.

    Returns
    -------
    float
        The norm before clipping (useful to watch for exploding gradients).
    """
    max_norm = float(max_norm)
    if not max_norm > 0:
        raise ValueError(f"max_norm must be positive, got {max_norm}")
    grads = [m.grads[n] for m in collect_modules(modules) for n in m.grads]
    total_norm = float(np.sqrt(sum(float(np.sum(g * g)) for g in grads)))
    scale = max_norm / (total_norm + 1e-6)
    if scale < 1.0:
        for g in grads:
            g *= scale
    return total_norm
