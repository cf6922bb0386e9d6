"""Post-training int8 weight quantization (量化) with one scale per row.

A weight matrix ``W`` (R, C) is stored as int8 codes ``q`` (R, C) and one float32 scale per
row, ``s_r = max_c |W_rc| / 127``; the weights are read back as ``s_r · q_rc``. The codes are
symmetric (zero maps to zero) and round to nearest, so every weight comes back within half a
step, ``|W_rc - s_r q_rc| <= s_r / 2``. One scale per *row* (per output unit, per gate) keeps
a row of small weights from being flattened by a large weight elsewhere in the matrix, the
weakness of a single scale per tensor (:func:`quantize_per_tensor`, kept for comparison).

Only the storage is int8: NumPy has no int8 matrix product, so :func:`dequantize_state_dict`
gives float weights for the ordinary forward pass. The speed-up of int8 arithmetic needs
kernels that multiply int8 directly (PyTorch's ``quantize_dynamic``; see
``book/challenges/compression``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from lstmbook._checks import check_finite, check_float_dtype

__all__ = [
    "QMAX",
    "QuantizedTensor",
    "quantize_per_row",
    "quantize_per_tensor",
    "dequantize",
    "quantize_state_dict",
    "dequantize_state_dict",
    "state_dict_nbytes",
    "to_arrays",
    "from_arrays",
]

#: Largest int8 code used: symmetric codes in [-127, 127] (-128 is left out so that
#: ``-q`` is always representable and zero is exactly zero).
QMAX = 127


@dataclass(frozen=True)
class QuantizedTensor:
    """int8 codes and their scales; ``dequantize`` reads them back.

    Attributes
    ----------
    q : ndarray int8, (R, C)
    scale : ndarray float32, (R, 1) per row, or (1, 1) per tensor
    """

    q: np.ndarray
    scale: np.ndarray

    @property
    def shape(self) -> tuple[int, ...]:
        return self.q.shape

    @property
    def nbytes(self) -> int:
        """Bytes of storage: one per weight plus four per scale."""
        return int(self.q.nbytes + self.scale.nbytes)


def _check_matrix(w: Any, name: str) -> np.ndarray:
    check_float_dtype(w, name)
    w = np.asarray(w)
    if w.ndim != 2:
        raise ValueError(f"{name}: expected a matrix (R, C), got shape {w.shape}")
    check_finite(w, name)
    return w


def _quantize(w: np.ndarray, absmax: np.ndarray) -> QuantizedTensor:
    scale = (absmax / QMAX).astype(np.float32)
    scale[scale == 0] = 1.0  # an all-zero row: any scale gives codes 0
    q = np.clip(np.rint(w / scale), -QMAX, QMAX).astype(np.int8)
    return QuantizedTensor(q, scale)


def quantize_per_row(w: Any) -> QuantizedTensor:
    """Symmetric int8 codes with one scale per row.

    Parameters
    ----------
    w : ndarray float, (R, C)
        e.g. ``weight_ih_l0`` (4H, I): each row is one gate of one hidden unit.

    Returns
    -------
    QuantizedTensor
        ``q`` (R, C) int8, ``scale`` (R, 1) float32 with ``scale_r = max|w_r| / 127``.
    """
    w = _check_matrix(w, "quantize_per_row: w")
    return _quantize(w, np.abs(w).max(axis=1, keepdims=True))


def quantize_per_tensor(w: Any) -> QuantizedTensor:
    """Symmetric int8 codes with one scale for the whole matrix (the baseline)."""
    w = _check_matrix(w, "quantize_per_tensor: w")
    return _quantize(w, np.abs(w).max(keepdims=True))


def dequantize(qt: QuantizedTensor, dtype: Any = np.float32) -> np.ndarray:
    """``scale * q`` as a float array (R, C)."""
    if not isinstance(qt, QuantizedTensor):
        raise TypeError(f"dequantize: expected a QuantizedTensor, got {type(qt).__name__}")
    return (qt.q.astype(dtype) * qt.scale.astype(dtype)).astype(dtype)


def quantize_state_dict(
    state_dict: Mapping[str, Any], *, per: str = "row"
) -> dict[str, QuantizedTensor | np.ndarray]:
    """Quantize every matrix of a state dict; vectors (biases) stay float.

    Parameters
    ----------
    state_dict : mapping name -> array
        NumPy arrays or torch tensors (converted).
    per : {"row", "tensor"}

    Returns
    -------
    dict name -> QuantizedTensor (matrices) or ndarray (everything else, unchanged)
    """
    if per not in ("row", "tensor"):
        raise ValueError(f"quantize_state_dict: per must be 'row' or 'tensor', got {per!r}")
    fn = quantize_per_row if per == "row" else quantize_per_tensor
    out: dict[str, QuantizedTensor | np.ndarray] = {}
    for name, value in state_dict.items():
        arr = value.detach().cpu().numpy() if hasattr(value, "detach") else np.asarray(value)
        out[name] = fn(arr) if arr.ndim == 2 else arr
    return out


def dequantize_state_dict(qsd: Mapping[str, Any], dtype: Any = np.float32) -> dict:
    """Float weights from :func:`quantize_state_dict`'s output, ready for ``load_state_dict``."""
    return {
        k: dequantize(v, dtype) if isinstance(v, QuantizedTensor) else np.asarray(v, dtype=dtype)
        for k, v in qsd.items()
    }


def state_dict_nbytes(state_dict: Mapping[str, Any]) -> int:
    """Bytes of the arrays of a state dict (quantized or not), without file overhead."""
    total = 0
    for v in state_dict.values():
        if isinstance(v, QuantizedTensor):
            total += v.nbytes
        elif hasattr(v, "element_size"):  # torch tensor
            total += v.numel() * v.element_size()
        else:
            total += np.asarray(v).nbytes
    return int(total)


def to_arrays(qsd: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Flatten for :func:`lstmbook.io.save_weights`: ``name.q`` and ``name.scale`` arrays."""
    out = {}
    for k, v in qsd.items():
        if isinstance(v, QuantizedTensor):
            out[f"{k}.q"], out[f"{k}.scale"] = v.q, v.scale
        else:
            out[k] = np.asarray(v)
    return out


def from_arrays(arrays: Mapping[str, np.ndarray]) -> dict[str, QuantizedTensor | np.ndarray]:
    """Inverse of :func:`to_arrays` (e.g. after :func:`lstmbook.io.load_weights`)."""
    out: dict[str, QuantizedTensor | np.ndarray] = {}
    for k, v in arrays.items():
        if k.endswith(".scale"):
            continue
        if k.endswith(".q"):
            base = k[:-2]
            if f"{base}.scale" not in arrays:
                raise ValueError(
                    f"from_arrays: {k!r} has no matching {base + '.scale'!r}: int8 codes need "
                    "their scales (save both with to_arrays)"
                )
            q = np.asarray(v)
            if q.dtype != np.int8:
                raise TypeError(f"from_arrays: {k!r} must be int8, got {q.dtype}")
            out[base] = QuantizedTensor(q, np.asarray(arrays[f"{base}.scale"], np.float32))
        else:
            out[k] = np.asarray(v)
    return out
