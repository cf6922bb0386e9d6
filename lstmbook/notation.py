"""One LSTM, many notations: converting weights between the layouts the literature uses.

Every LSTM with a forget gate computes, for one step with input ``x`` (I,) and state
``h_prev``, ``c_prev`` (H,),

.. code-block:: text

    i = σ(·)   f = σ(·)   g = tanh(·)   o = σ(·)      four affine maps of (x, h_prev)
    c = f ⊙ c_prev + i ⊙ g
    h = o ⊙ tanh(c)

The layouts differ only in how the four affine maps are stored:

``pytorch``
    ``weight_ih`` (4H, I), ``weight_hh`` (4H, H), ``bias_ih``, ``bias_hh`` (4H,), the gate
    blocks stacked in the order **i, f, g, o**; pre-activation
    ``W_ih x + b_ih + W_hh h + b_hh``. ``torch.nn.LSTM`` (names with ``_l0``),
    ``torch.nn.LSTMCell`` and :class:`lstmbook.numpy.LSTM` use it.
``concat``
    One matrix per gate acting on the concatenation ``[h_prev, x]`` (hidden state first),
    ``W_i, W_f, W_C, W_o`` (H, H + I) and one bias per gate ``b_i, b_f, b_C, b_o`` (H,):
    ``i = σ(W_i · [h_prev, x] + b_i)``. The notation of Olah's blog post and of most
    tutorials (the candidate ``g`` is written ``C̃``, hence ``W_C``).
``wrh``
    ``W x + R h + Wb + Rb``: input weights ``W`` (4H, I), recurrent weights ``R`` (4H, H)
    and two biases, in a gate order given by the caller. cuDNN uses it with the order
    i, f, g, o (so it is PyTorch's layout renamed); ONNX with the order **i, o, f, c**.
``onnx``
    The ``LSTM`` operator's inputs for one direction: ``W`` (1, 4H, I), ``R`` (1, 4H, H),
    ``B`` (1, 8H) = ``[Wb, Rb]``, gate order **i, o, f, c** (``c`` is the candidate ``g``).
``keras``
    ``kernel`` (I, 4H), ``recurrent_kernel`` (H, 4H), one ``bias`` (4H,), gate order
    i, f, c, o, acting on *row* vectors: ``x @ kernel + h @ recurrent_kernel + bias``.

Gate orders are written as strings of the letters ``i, f, g, o`` (``g`` is the candidate,
called ``c`` by ONNX and Keras): PyTorch ``"ifgo"``, ONNX ``"iofg"``.

Each ``a_to_b`` has an inverse ``b_to_a``. Layouts with one bias per gate cannot tell how a
sum of two biases was split: converting *to* them adds ``b_ih + b_hh``, converting back
puts the sum in ``bias_ih`` and zeros in ``bias_hh``. The function the LSTM computes
depends only on the sum, so it is unchanged.

The ``lstm_step_*`` functions compute one step in each layout, for rows of a batch
(``x`` (B, I), states (B, H)); :func:`lstm_step_in_order` evaluates the six equations in
an order the caller chooses and refuses an order that uses a value before computing it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

__all__ = [
    "GATE_ORDERS",
    "reorder_gates",
    "split_gates",
    "torch_to_concat",
    "concat_to_torch",
    "torch_to_wrh",
    "wrh_to_torch",
    "torch_to_onnx",
    "onnx_to_torch",
    "torch_to_keras",
    "keras_to_torch",
    "lstm_step_torch",
    "lstm_step_concat",
    "lstm_step_wrh",
    "lstm_step_onnx",
    "lstm_step_keras",
    "run_steps",
    "STEP_EQUATIONS",
    "OrderError",
    "lstm_step_in_order",
]

#: Gate order of each layout, as a string over ``i, f, g, o`` (``g``: the candidate).
GATE_ORDERS: dict[str, str] = {
    "pytorch": "ifgo",
    "cudnn": "ifgo",
    "keras": "ifgo",
    "onnx": "iofg",
    "concat": "ifgo",
}

_CONCAT_NAMES = {"i": "i", "f": "f", "g": "C", "o": "o"}


# ------------------------------------------------------------------------------ helpers
def _as_numpy(v: Any) -> np.ndarray:
    """A NumPy array from an array or a torch tensor (without importing torch)."""
    if hasattr(v, "detach"):
        v = v.detach().cpu().numpy()
    return np.asarray(v)


def _require(p: Mapping[str, Any], names: Sequence[str], layout: str) -> None:
    """``ValueError`` naming what is missing, unless ``p`` holds every key of ``names``."""
    missing = [k for k in names if k not in p]
    if missing:
        raise ValueError(
            f"expected the {layout} weights {list(names)}, missing {missing}; got keys {sorted(p)}"
        )


_CONCAT_KEYS = tuple(f"{w}_{n}" for w in "Wb" for n in _CONCAT_NAMES.values())


def _check_order(order: str) -> str:
    if not isinstance(order, str) or sorted(order) != sorted("ifgo"):
        raise ValueError(
            f"a gate order is a permutation of the letters 'ifgo' (g = candidate), got {order!r}"
        )
    return order


def _get(sd: Mapping[str, Any], name: str, layer: int) -> np.ndarray | None:
    """``sd[name + '_l{layer}']`` or ``sd[name]`` as a NumPy array; ``None`` if absent."""
    for key in (f"{name}_l{layer}", name):
        if key in sd:
            return _as_numpy(sd[key])
    return None


def _torch_arrays(
    sd: Mapping[str, Any], layer: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``weight_ih, weight_hh, bias_ih, bias_hh`` of one layer (zero biases if absent)."""
    w_ih, w_hh = _get(sd, "weight_ih", layer), _get(sd, "weight_hh", layer)
    if w_ih is None or w_hh is None:
        raise ValueError(
            f"expected PyTorch LSTM weights 'weight_ih[_l{layer}]' and 'weight_hh[_l{layer}]', "
            f"got keys {sorted(sd)}"
        )
    if w_ih.ndim != 2 or w_hh.ndim != 2 or w_hh.shape[0] != 4 * w_hh.shape[1]:
        raise ValueError(
            f"expected weight_ih (4H, I) and weight_hh (4H, H), got {w_ih.shape} and {w_hh.shape}"
        )
    if w_ih.shape[0] != w_hh.shape[0]:
        raise ValueError(
            f"weight_ih has {w_ih.shape[0]} rows but weight_hh {w_hh.shape[0]}; both must be 4H"
        )
    zeros = np.zeros(w_hh.shape[0], dtype=w_hh.dtype)
    b_ih, b_hh = _get(sd, "bias_ih", layer), _get(sd, "bias_hh", layer)
    return w_ih, w_hh, zeros if b_ih is None else b_ih, zeros if b_hh is None else b_hh


def _torch_dict(
    w_ih: np.ndarray, w_hh: np.ndarray, b_ih: np.ndarray, b_hh: np.ndarray, suffix: str
) -> dict[str, np.ndarray]:
    return {
        f"weight_ih{suffix}": np.ascontiguousarray(w_ih),
        f"weight_hh{suffix}": np.ascontiguousarray(w_hh),
        f"bias_ih{suffix}": np.ascontiguousarray(b_ih),
        f"bias_hh{suffix}": np.ascontiguousarray(b_hh),
    }


# ---------------------------------------------------------------------------- gate blocks
def split_gates(a: Any, order: str = "ifgo", axis: int = 0) -> dict[str, np.ndarray]:
    """Split a stacked array into its four gate blocks.

    Parameters
    ----------
    a : array, size 4H along ``axis``
        For example ``weight_ih`` (4H, I) or a bias (4H,).
    order : str
        The order of the blocks in ``a`` (``"ifgo"`` for PyTorch, ``"iofg"`` for ONNX).
    axis : int
        The stacked axis (0 for PyTorch and ONNX, 1 or -1 for Keras's (I, 4H)).

    Returns
    -------
    dict ``{'i': ..., 'f': ..., 'g': ..., 'o': ...}``, each of size H along ``axis`` (views).
    """
    order = _check_order(order)
    a = _as_numpy(a)
    if a.shape[axis] % 4:
        raise ValueError(f"axis {axis} of shape {a.shape} is not a multiple of 4 (4H)")
    return dict(zip(order, np.split(a, 4, axis=axis), strict=True))


def reorder_gates(a: Any, src: str, dst: str, axis: int = 0) -> np.ndarray:
    """Permute the four gate blocks of ``a`` from order ``src`` to order ``dst``.

    Parameters
    ----------
    a : array, size 4H along ``axis``
    src, dst : str
        Gate orders, permutations of ``"ifgo"``; e.g. ``reorder_gates(w, "ifgo", "iofg")``
        turns PyTorch's stacking into ONNX's.
    axis : int

    Returns
    -------
    ndarray, same shape as ``a`` (a new array). ``reorder_gates(reorder_gates(a, s, d), d, s)``
    is ``a``.
    """
    blocks = split_gates(a, src, axis)
    return np.concatenate([blocks[k] for k in _check_order(dst)], axis=axis)


# ------------------------------------------------------------------------ concatenated
def torch_to_concat(sd: Mapping[str, Any], *, layer: int = 0) -> dict[str, np.ndarray]:
    """PyTorch layout -> one matrix per gate acting on ``[h_prev, x]``.

    Parameters
    ----------
    sd : mapping
        ``weight_ih`` (4H, I), ``weight_hh`` (4H, H), optional ``bias_ih``, ``bias_hh``
        (4H,); names with or without the ``_l{layer}`` suffix; arrays or tensors.
    layer : int
        Which layer of a stacked ``torch.nn.LSTM`` state dict.

    Returns
    -------
    dict
        ``W_i, W_f, W_C, W_o`` (H, H + I): columns ``[:H]`` multiply ``h_prev``, columns
        ``[H:]`` multiply ``x``; ``b_i, b_f, b_C, b_o`` (H,) = ``b_ih + b_hh`` of that gate.
    """
    w_ih, w_hh, b_ih, b_hh = _torch_arrays(sd, layer)
    wi, wh, b = split_gates(w_ih), split_gates(w_hh), split_gates(b_ih + b_hh)
    out: dict[str, np.ndarray] = {}
    for gate, name in _CONCAT_NAMES.items():
        out[f"W_{name}"] = np.concatenate([wh[gate], wi[gate]], axis=1)
    for gate, name in _CONCAT_NAMES.items():
        out[f"b_{name}"] = b[gate].copy()
    return out


def concat_to_torch(p: Mapping[str, Any], *, suffix: str = "_l0") -> dict[str, np.ndarray]:
    """Inverse of :func:`torch_to_concat`.

    Parameters
    ----------
    p : mapping
        ``W_i, W_f, W_C, W_o`` (H, H + I), ``b_i, b_f, b_C, b_o`` (H,).
    suffix : str
        Appended to the PyTorch names: ``"_l0"`` for ``torch.nn.LSTM`` and
        :class:`lstmbook.numpy.LSTM`, ``""`` for ``torch.nn.LSTMCell``.

    Returns
    -------
    dict
        ``weight_ih`` (4H, I), ``weight_hh`` (4H, H), ``bias_ih`` (4H,) holding the biases,
        ``bias_hh`` (4H,) zeros (the split of the bias is not recoverable; the sum is).
    """
    _require(p, _CONCAT_KEYS, "concatenated")
    mats = {g: _as_numpy(p[f"W_{n}"]) for g, n in _CONCAT_NAMES.items()}
    H = mats["i"].shape[0]
    for g, m in mats.items():
        if m.ndim != 2 or m.shape[0] != H or m.shape[1] <= H or m.shape != mats["i"].shape:
            raise ValueError(
                f"W_{_CONCAT_NAMES[g]}: expected (H, H + I) like W_i {mats['i'].shape}, "
                f"got {m.shape}"
            )
    w_hh = np.concatenate([mats[g][:, :H] for g in "ifgo"])
    w_ih = np.concatenate([mats[g][:, H:] for g in "ifgo"])
    b = np.concatenate([_as_numpy(p[f"b_{_CONCAT_NAMES[g]}"]) for g in "ifgo"])
    return _torch_dict(w_ih, w_hh, b, np.zeros_like(b), suffix)


# ------------------------------------------------------------------------- W x + R h
def torch_to_wrh(
    sd: Mapping[str, Any], order: str = "ifgo", *, layer: int = 0
) -> dict[str, np.ndarray]:
    """PyTorch layout -> ``W x + R h + Wb + Rb`` with the gate blocks in ``order``.

    Parameters
    ----------
    sd : mapping
        PyTorch names (see :func:`torch_to_concat`).
    order : str
        ``"ifgo"`` (cuDNN: a renaming) or ``"iofg"`` (ONNX), or any permutation.

    Returns
    -------
    dict
        ``W`` (4H, I), ``R`` (4H, H), ``Wb``, ``Rb`` (4H,), blocks in ``order``.
    """
    w_ih, w_hh, b_ih, b_hh = _torch_arrays(sd, layer)
    return {
        "W": reorder_gates(w_ih, "ifgo", order),
        "R": reorder_gates(w_hh, "ifgo", order),
        "Wb": reorder_gates(b_ih, "ifgo", order),
        "Rb": reorder_gates(b_hh, "ifgo", order),
    }


def wrh_to_torch(
    p: Mapping[str, Any], order: str = "ifgo", *, suffix: str = "_l0"
) -> dict[str, np.ndarray]:
    """Inverse of :func:`torch_to_wrh`.

    Parameters
    ----------
    p : mapping
        ``W`` (4H, I), ``R`` (4H, H), optional ``Wb``, ``Rb`` (4H,) (zeros if absent).
    order : str
        Gate order of ``p``.
    suffix : str
        See :func:`concat_to_torch`.

    Returns
    -------
    dict in PyTorch's layout, gate order i, f, g, o.
    """
    _require(p, ("W", "R"), "W x + R h")
    W, R = _as_numpy(p["W"]), _as_numpy(p["R"])
    zeros = np.zeros(R.shape[0], dtype=R.dtype)
    Wb = _as_numpy(p["Wb"]) if "Wb" in p else zeros
    Rb = _as_numpy(p["Rb"]) if "Rb" in p else zeros
    return _torch_dict(
        *(reorder_gates(a, order, "ifgo") for a in (W, R, Wb, Rb)),
        suffix,
    )


def torch_to_onnx(sd: Mapping[str, Any], *, layer: int = 0) -> dict[str, np.ndarray]:
    """PyTorch layout -> the inputs ``W, R, B`` of the ONNX ``LSTM`` operator (one direction).

    Returns
    -------
    dict
        ``W`` (1, 4H, I), ``R`` (1, 4H, H), ``B`` (1, 8H) = ``[Wb, Rb]``; gate order
        i, o, f, c.
    """
    p = torch_to_wrh(sd, GATE_ORDERS["onnx"], layer=layer)
    return {
        "W": p["W"][None],
        "R": p["R"][None],
        "B": np.concatenate([p["Wb"], p["Rb"]])[None],
    }


def onnx_to_torch(p: Mapping[str, Any], *, suffix: str = "_l0") -> dict[str, np.ndarray]:
    """Inverse of :func:`torch_to_onnx`: ``W`` (1, 4H, I), ``R`` (1, 4H, H), optional
    ``B`` (1, 8H) -> PyTorch layout."""
    _require(p, ("W", "R"), "ONNX")
    W, R = _as_numpy(p["W"]), _as_numpy(p["R"])
    if W.ndim != 3 or R.ndim != 3 or W.shape[0] != 1 or R.shape[0] != 1:
        raise ValueError(
            f"expected ONNX W (1, 4H, I) and R (1, 4H, H) for one direction, "
            f"got {W.shape} and {R.shape}"
        )
    wrh = {"W": W[0], "R": R[0]}
    if "B" in p:
        B = _as_numpy(p["B"])
        if B.shape != (1, 2 * R.shape[1]):
            raise ValueError(f"expected ONNX B (1, 8H) = (1, {2 * R.shape[1]}), got {B.shape}")
        wrh["Wb"], wrh["Rb"] = np.split(B[0], 2)
    return wrh_to_torch(wrh, GATE_ORDERS["onnx"], suffix=suffix)


# ------------------------------------------------------------------------------- Keras
def torch_to_keras(sd: Mapping[str, Any], *, layer: int = 0) -> dict[str, np.ndarray]:
    """PyTorch layout -> Keras's ``LSTM`` weights.

    Returns
    -------
    dict
        ``kernel`` (I, 4H) = ``weight_ih.T``, ``recurrent_kernel`` (H, 4H) = ``weight_hh.T``,
        ``bias`` (4H,) = ``bias_ih + bias_hh``; gate order i, f, c, o (the same as
        PyTorch's). ``layer.set_weights([kernel, recurrent_kernel, bias])`` loads them
        into a ``keras.layers.LSTM`` (with its default sigmoid/tanh activations).
    """
    w_ih, w_hh, b_ih, b_hh = _torch_arrays(sd, layer)
    return {
        "kernel": np.ascontiguousarray(w_ih.T),
        "recurrent_kernel": np.ascontiguousarray(w_hh.T),
        "bias": b_ih + b_hh,
    }


def keras_to_torch(p: Mapping[str, Any], *, suffix: str = "_l0") -> dict[str, np.ndarray]:
    """Inverse of :func:`torch_to_keras`; ``p`` holds ``kernel`` (I, 4H),
    ``recurrent_kernel`` (H, 4H) and optionally ``bias`` (4H,), which goes to ``bias_ih``
    (``bias_hh`` is zero)."""
    _require(p, ("kernel", "recurrent_kernel"), "Keras")
    K, RK = _as_numpy(p["kernel"]), _as_numpy(p["recurrent_kernel"])
    if K.ndim != 2 or RK.ndim != 2 or RK.shape[1] != 4 * RK.shape[0] or K.shape[1] != RK.shape[1]:
        raise ValueError(
            f"expected Keras kernel (I, 4H) and recurrent_kernel (H, 4H), got {K.shape} and "
            f"{RK.shape}"
        )
    b = _as_numpy(p["bias"]) if "bias" in p else np.zeros(RK.shape[1], dtype=RK.dtype)
    return _torch_dict(K.T, RK.T, b, np.zeros_like(b), suffix)


# ------------------------------------------------------------------- one step, each way
def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _cell(i, f, g, o, c_prev):
    c = f * c_prev + i * g
    return o * np.tanh(c), c


def lstm_step_torch(
    sd: Mapping[str, Any], x: Any, h_prev: Any, c_prev: Any, *, layer: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """One step in PyTorch's layout.

    Parameters
    ----------
    sd : mapping
        PyTorch names (with or without ``_l{layer}``).
    x : array (B, I)
    h_prev, c_prev : array (B, H)

    Returns
    -------
    h, c : ndarray (B, H)
    """
    w_ih, w_hh, b_ih, b_hh = _torch_arrays(sd, layer)
    a = _as_numpy(x) @ w_ih.T + b_ih + _as_numpy(h_prev) @ w_hh.T + b_hh
    a_i, a_f, a_g, a_o = np.split(a, 4, axis=-1)
    return _cell(_sigmoid(a_i), _sigmoid(a_f), np.tanh(a_g), _sigmoid(a_o), _as_numpy(c_prev))


def lstm_step_concat(
    p: Mapping[str, Any], x: Any, h_prev: Any, c_prev: Any
) -> tuple[np.ndarray, np.ndarray]:
    """One step as most tutorials write it: ``i = σ(W_i · [h_prev, x] + b_i)``,
    and so on.

    Parameters
    ----------
    p : mapping
        ``W_i, W_f, W_C, W_o`` (H, H + I), ``b_i, b_f, b_C, b_o`` (H,).
    x : array (B, I)
    h_prev, c_prev : array (B, H)

    Returns
    -------
    h, c : ndarray (B, H)
    """
    _require(p, _CONCAT_KEYS, "concatenated")
    # z = [h_{t-1}, x_t]
    z = np.concatenate([_as_numpy(h_prev), _as_numpy(x)], axis=-1)
    i = _sigmoid(z @ p["W_i"].T + p["b_i"])
    f = _sigmoid(z @ p["W_f"].T + p["b_f"])
    g = np.tanh(z @ p["W_C"].T + p["b_C"])
    o = _sigmoid(z @ p["W_o"].T + p["b_o"])
    return _cell(i, f, g, o, _as_numpy(c_prev))


def lstm_step_wrh(
    p: Mapping[str, Any], x: Any, h_prev: Any, c_prev: Any, order: str = "ifgo"
) -> tuple[np.ndarray, np.ndarray]:
    """One step as ``W x + R h + Wb + Rb``, gate blocks in ``order``.

    Parameters
    ----------
    p : mapping
        ``W`` (4H, I), ``R`` (4H, H), optional ``Wb``, ``Rb`` (4H,).
    x : array (B, I)
    h_prev, c_prev : array (B, H)
    order : str
        ``"ifgo"`` (cuDNN) or ``"iofg"`` (ONNX), ...

    Returns
    -------
    h, c : ndarray (B, H)
    """
    _require(p, ("W", "R"), "W x + R h")
    a = _as_numpy(x) @ _as_numpy(p["W"]).T + _as_numpy(h_prev) @ _as_numpy(p["R"]).T
    a = a + (_as_numpy(p["Wb"]) if "Wb" in p else 0.0) + (_as_numpy(p["Rb"]) if "Rb" in p else 0.0)
    blocks = split_gates(a, order, axis=-1)
    i, f, o = (_sigmoid(blocks[k]) for k in "ifo")
    return _cell(i, f, np.tanh(blocks["g"]), o, _as_numpy(c_prev))


def lstm_step_onnx(
    p: Mapping[str, Any], x: Any, h_prev: Any, c_prev: Any
) -> tuple[np.ndarray, np.ndarray]:
    """One step from the ONNX operator's ``W`` (1, 4H, I), ``R`` (1, 4H, H), ``B`` (1, 8H),
    gate order i, o, f, c: ``x`` (B, I), states (B, H) -> ``h, c`` (B, H)."""
    _require(p, ("W", "R"), "ONNX")
    wrh = {"W": _as_numpy(p["W"])[0], "R": _as_numpy(p["R"])[0]}
    if "B" in p:
        wrh["Wb"], wrh["Rb"] = np.split(_as_numpy(p["B"])[0], 2)
    return lstm_step_wrh(wrh, x, h_prev, c_prev, GATE_ORDERS["onnx"])


def lstm_step_keras(
    p: Mapping[str, Any], x: Any, h_prev: Any, c_prev: Any
) -> tuple[np.ndarray, np.ndarray]:
    """One step with Keras's row-vector layout: ``x @ kernel + h @ recurrent_kernel + bias``,
    gate order i, f, c, o: ``x`` (B, I), states (B, H) -> ``h, c`` (B, H)."""
    _require(p, ("kernel", "recurrent_kernel"), "Keras")
    kernel, recurrent_kernel = _as_numpy(p["kernel"]), _as_numpy(p["recurrent_kernel"])
    a = _as_numpy(x) @ kernel + _as_numpy(h_prev) @ recurrent_kernel
    if "bias" in p:
        a = a + _as_numpy(p["bias"])
    blocks = split_gates(a, GATE_ORDERS["keras"], axis=-1)
    i, f, o = (_sigmoid(blocks[k]) for k in "ifo")
    return _cell(i, f, np.tanh(blocks["g"]), o, _as_numpy(c_prev))


def run_steps(
    step: Callable[..., tuple[np.ndarray, np.ndarray]],
    p: Mapping[str, Any],
    x: Any,
    h0: Any = None,
    c0: Any = None,
    **kwargs: Any,
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Run a one-step function over a sequence.

    Parameters
    ----------
    step : callable
        One of the ``lstm_step_*`` functions: ``step(p, x_t, h, c, **kwargs) -> (h, c)``.
    p : mapping
        Its weights.
    x : array (T, B, I)
    h0, c0 : array (B, H), optional
        Zeros if not given.

    Returns
    -------
    output : ndarray (T, B, H)
        ``h_t`` for every step.
    (h_T, c_T) : ndarray (B, H)
    """
    x = _as_numpy(x)
    if x.ndim != 3:
        raise ValueError(f"x: expected (T, B, I), got shape {x.shape}")
    T, B, _ = x.shape
    H = _hidden_size(p)
    h = np.zeros((B, H), dtype=x.dtype) if h0 is None else _as_numpy(h0)
    c = np.zeros((B, H), dtype=x.dtype) if c0 is None else _as_numpy(c0)
    out = np.empty((T, B, H), dtype=np.result_type(x, h))
    for t in range(T):
        h, c = step(p, x[t], h, c, **kwargs)
        out[t] = h
    return out, (h, c)


def _hidden_size(p: Mapping[str, Any]) -> int:
    for key, rows in (("W_i", 1), ("R", 1), ("recurrent_kernel", 1), ("weight_hh", 4)):
        for k in (key, f"{key}_l0"):
            if k in p:
                a = _as_numpy(p[k])
                return a.shape[-1] if key == "R" else a.shape[0] // rows
    raise ValueError(f"cannot tell the hidden size from keys {sorted(p)}")


# --------------------------------------------------------------- the order of evaluation
#: The six equations of one step: name -> (what it reads, how it is computed). The gates
#: read the concatenated weights of :func:`torch_to_concat` as ``p``.
STEP_EQUATIONS: dict[str, tuple[tuple[str, ...], Callable[..., np.ndarray]]] = {
    "input gate": (("x", "h_prev"), lambda p, x, h_prev: _affine(p, "i", h_prev, x, _sigmoid)),
    "forget gate": (("x", "h_prev"), lambda p, x, h_prev: _affine(p, "f", h_prev, x, _sigmoid)),
    "candidate": (("x", "h_prev"), lambda p, x, h_prev: _affine(p, "C", h_prev, x, np.tanh)),
    "output gate": (("x", "h_prev"), lambda p, x, h_prev: _affine(p, "o", h_prev, x, _sigmoid)),
    "cell state": (
        ("forget gate", "c_prev", "input gate", "candidate"),
        lambda p, f, c_prev, i, g: f * c_prev + i * g,
    ),
    "hidden state": (("output gate", "cell state"), lambda p, o, c: o * np.tanh(c)),
}


def _affine(p, name, h_prev, x, act):
    z = np.concatenate([h_prev, x], axis=-1)
    return act(z @ p[f"W_{name}"].T + p[f"b_{name}"])


class OrderError(ValueError):
    """An equation was evaluated before a value it reads had been computed."""


def lstm_step_in_order(
    order: Sequence[str], p: Mapping[str, Any], x: Any, h_prev: Any, c_prev: Any
) -> dict[str, np.ndarray]:
    """Evaluate the six equations of one step in the given order.

    Parameters
    ----------
    order : sequence of str
        A permutation of the keys of :data:`STEP_EQUATIONS` (``"input gate"``,
        ``"forget gate"``, ``"candidate"``, ``"output gate"``, ``"cell state"``,
        ``"hidden state"``).
    p : mapping
        Concatenated weights (:func:`torch_to_concat`).
    x : array (B, I)
    h_prev, c_prev : array (B, H)

    Returns
    -------
    dict name -> ndarray (B, H): every value computed.

    Raises
    ------
    OrderError
        When an equation comes before one whose value it reads: that order cannot be
        computed. Any order that respects the reads gives the same numbers.
    """
    if sorted(order) != sorted(STEP_EQUATIONS):
        raise ValueError(f"order must be a permutation of {list(STEP_EQUATIONS)}, got {order}")
    _require(p, _CONCAT_KEYS, "concatenated")
    values: dict[str, Any] = {
        "x": _as_numpy(x),
        "h_prev": _as_numpy(h_prev),
        "c_prev": _as_numpy(c_prev),
    }
    for name in order:
        reads, fn = STEP_EQUATIONS[name]
        missing = [r for r in reads if r not in values]
        if missing:
            verb = "is" if len(missing) == 1 else "are"
            raise OrderError(
                f"{name!r} reads {missing}, which {verb} not computed yet "
                f"in the order {list(order)}"
            )
        values[name] = fn(p, *(values[r] for r in reads))
    return {k: v for k, v in values.items() if k in STEP_EQUATIONS}
