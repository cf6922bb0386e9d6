"""Loss functions with hand-written gradients: ``MSELoss`` and ``CrossEntropyLoss``.

A loss turns predictions into one number and starts the backward pass::

    loss = loss_fn.forward(pred, target)   # float (also loss_fn(pred, target))
    grad = loss_fn.backward()              # d loss / d pred, same shape as pred

Both use the mean reduction of their ``torch.nn`` namesakes, so values and gradients
agree with PyTorch.
"""

from __future__ import annotations

import numpy as np

from lstmbook._checks import check_array, check_dtype_matches, check_finite

__all__ = ["MSELoss", "CrossEntropyLoss", "log_softmax", "softmax"]


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """``log softmax`` over the last axis, computed stably.

    ``log p_c = z_c - logsumexp(z)`` with ``logsumexp(z) = m + log sum_c exp(z_c - m)``
    and ``m = max_c z_c``: the largest exponent is ``exp(0) = 1``, so nothing overflows.
    """
    m = logits.max(axis=-1, keepdims=True)
    return logits - (m + np.log(np.exp(logits - m).sum(axis=-1, keepdims=True)))


def softmax(logits: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, ``exp(log_softmax(logits))``."""
    return np.exp(log_softmax(logits))


class MSELoss:
    """Mean squared error, ``L = mean((pred - target)^2)``.

    ``pred`` and ``target`` must have the same shape (no broadcasting: a (N,) target
    against a (N, 1) prediction would silently compare every pair). The gradient is
    ``dL/dpred = 2 (pred - target) / n`` with ``n`` the number of entries.
    """

    def __init__(self) -> None:
        self._diff: np.ndarray | None = None

    def __repr__(self) -> str:
        return "MSELoss()"

    def __call__(self, pred: np.ndarray, target: np.ndarray) -> float:
        return self.forward(pred, target)

    def forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        """pred, target: same shape, floating -> scalar loss."""
        pred = check_array(pred, "MSELoss prediction")
        target = check_array(target, "MSELoss target")
        check_dtype_matches(target, pred.dtype, "MSELoss target", what="the prediction")
        if pred.shape != target.shape:
            raise ValueError(
                f"MSELoss needs prediction and target of the same shape, "
                f"got {pred.shape} and {target.shape}"
            )
        if pred.size == 0:
            raise ValueError("MSELoss got empty arrays")
        check_finite(target, "MSELoss target")
        self._diff = pred - target
        return float(np.mean(self._diff**2))

    def backward(self) -> np.ndarray:
        """d loss / d pred, same shape as ``pred``."""
        if self._diff is None:
            raise RuntimeError("MSELoss.backward called before forward")
        return 2.0 * self._diff / self._diff.size


class CrossEntropyLoss:
    """Softmax cross-entropy from raw scores (logits), mean over the targets.

    ``L = -mean_n log softmax(z_n)[y_n]``, and per row ``dL/dz = (softmax(z) - onehot(y)) / n``.

    Parameters
    ----------
    ignore_index : int or None
        Targets equal to this value (padding) contribute neither to the loss nor to the
        count ``n``, and get zero gradient -- as in ``torch.nn.CrossEntropyLoss``.

    Notes
    -----
    Shapes: logits (N, C) with targets (N,), or a whole sequence (T, B, C) with targets
    (T, B) -- the classes are always the *last* axis (PyTorch puts them on axis 1 for
    more than two dimensions; here the LSTM's output layout is kept).
    """

    def __init__(self, ignore_index: int | None = None) -> None:
        if ignore_index is not None and (
            isinstance(ignore_index, bool) or not isinstance(ignore_index, int | np.integer)
        ):
            raise TypeError(f"ignore_index must be an int or None, got {ignore_index!r}")
        self.ignore_index = ignore_index
        self._cache: tuple[np.ndarray, np.ndarray, np.ndarray, int] | None = None

    def __repr__(self) -> str:
        return f"CrossEntropyLoss(ignore_index={self.ignore_index})"

    def __call__(self, logits: np.ndarray, target: np.ndarray) -> float:
        return self.forward(logits, target)

    def forward(self, logits: np.ndarray, target: np.ndarray) -> float:
        """logits (..., C) floating, target (...) integer class ids -> scalar loss."""
        logits = check_array(logits, "CrossEntropyLoss logits")
        target = check_array(target, "CrossEntropyLoss targets", floating=False)
        self._check(logits, target)
        keep = np.ones(target.shape, dtype=bool)
        if self.ignore_index is not None:
            keep = target != self.ignore_index
        n = int(keep.sum())
        if n == 0:
            raise ValueError("CrossEntropyLoss: every target equals ignore_index")
        safe_target = np.where(keep, target, 0)  # any valid id; masked out below
        logp = log_softmax(logits)
        logp_target = np.take_along_axis(logp, safe_target[..., None], axis=-1)[..., 0]
        self._cache = (logp, safe_target, keep, n)
        return float(-(logp_target * keep).sum() / n)

    def backward(self) -> np.ndarray:
        """d loss / d logits, same shape as ``logits``."""
        if self._cache is None:
            raise RuntimeError("CrossEntropyLoss.backward called before forward")
        logp, target, keep, n = self._cache
        onehot = np.zeros_like(logp)
        np.put_along_axis(onehot, target[..., None], 1.0, axis=-1)
        return (np.exp(logp) - onehot) * keep[..., None] / n

    def _check(self, logits: np.ndarray, target: np.ndarray) -> None:
        if not np.issubdtype(target.dtype, np.integer):
            raise TypeError(
                f"CrossEntropyLoss targets must be integer class ids, got dtype {target.dtype}"
            )
        if logits.ndim < 2 or logits.shape[:-1] != target.shape:
            raise ValueError(
                f"CrossEntropyLoss needs logits (..., C) and targets (...) with the same "
                f"leading shape, got logits {logits.shape} and targets {target.shape}"
            )
        n_classes = logits.shape[-1]
        bad = (target < 0) | (target >= n_classes)
        if self.ignore_index is not None:
            bad &= target != self.ignore_index
        if bad.any():
            raise ValueError(
                f"target class {target[bad].flat[0]} is out of range for {n_classes} classes "
                f"(valid: 0..{n_classes - 1}"
                + (
                    f", or ignore_index={self.ignore_index})"
                    if self.ignore_index is not None
                    else ")"
                )
            )
