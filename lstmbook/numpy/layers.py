"""Two small layers with hand-written backward passes: ``Linear`` and ``Embedding``.

Every module in :mod:`lstmbook.numpy` follows one protocol, which the optimisers in
:mod:`lstmbook.numpy.optim` rely on:

* ``params`` -- dict name -> ndarray, the trainable arrays (updated in place by optimisers);
* ``grads`` -- dict with the same keys and shapes, overwritten by every ``backward``;
* ``forward(x)`` (also ``module(x)``) caches what ``backward`` needs;
* ``backward(grad_out)`` returns the gradient with respect to the input.

Parameter names, shapes and initialisation follow ``torch.nn.Linear`` and
``torch.nn.Embedding``, so weights can be copied between the two libraries.
"""

from __future__ import annotations

import numpy as np

from lstmbook._checks import check_array, check_positive_int, check_supported_dtype

__all__ = ["Linear", "Embedding"]


class Linear:
    """Affine map ``y = x W^T + b`` over the last axis of ``x``.

    Parameters
    ----------
    in_features, out_features : int
        Sizes of the last axis of the input and of the output.
    bias : bool
        Whether to add the bias ``b``.
    dtype : floating dtype
        Dtype of the parameters.
    seed : int or None
        Seed of the initialisation. Like ``torch.nn.Linear``, weight and bias are drawn
        from ``U(-k, k)`` with ``k = 1 / sqrt(in_features)``.

    Attributes
    ----------
    params : dict
        ``"weight"`` (out_features, in_features) and, if ``bias``, ``"bias"`` (out_features,).
    grads : dict
        Same keys and shapes, written by :meth:`backward`.

    Notes
    -----
    Any number of leading axes is allowed: (B, I) -> (B, O), and a whole sequence
    (T, B, I) -> (T, B, O) in one call. With ``x`` flattened to rows ``X`` (N, I) and the
    upstream gradient to ``G`` (N, O)::

        dW = G^T X,    db = sum_rows G,    dX = G W
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        bias: bool = True,
        dtype=np.float64,
        seed: int | None = None,
    ) -> None:
        self.in_features = check_positive_int(in_features, "in_features")
        self.out_features = check_positive_int(out_features, "out_features")
        dtype = check_supported_dtype(dtype, "dtype")
        rng = np.random.default_rng(seed)
        k = 1.0 / np.sqrt(self.in_features)
        self.params: dict[str, np.ndarray] = {
            "weight": rng.uniform(-k, k, (self.out_features, self.in_features)).astype(dtype)
        }
        if bias:
            self.params["bias"] = rng.uniform(-k, k, self.out_features).astype(dtype)
        self.grads: dict[str, np.ndarray] = {n: np.zeros_like(p) for n, p in self.params.items()}
        self._x: np.ndarray | None = None

    def __repr__(self) -> str:
        return (
            f"Linear(in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={'bias' in self.params}, dtype={self.params['weight'].dtype})"
        )

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """(..., in_features) -> (..., out_features)."""
        x = check_array(x, "Linear input", dtype=self.params["weight"].dtype)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(
                f"Linear expects input of shape (..., {self.in_features}), got {x.shape}"
            )
        self._x = x
        y = x @ self.params["weight"].T
        if "bias" in self.params:
            y = y + self.params["bias"]
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Gradient w.r.t. the input, (..., in_features); fills ``grads``."""
        if self._x is None:
            raise RuntimeError("Linear.backward called before forward")
        expected = self._x.shape[:-1] + (self.out_features,)
        grad_out = np.asarray(grad_out)
        if grad_out.shape != expected:
            raise ValueError(f"grad_out has shape {grad_out.shape}, expected {expected}")
        x_rows = self._x.reshape(-1, self.in_features)
        g_rows = grad_out.reshape(-1, self.out_features)
        self.grads["weight"][...] = g_rows.T @ x_rows
        if "bias" in self.params:
            self.grads["bias"][...] = g_rows.sum(axis=0)
        return grad_out @ self.params["weight"]


class Embedding:
    """Lookup table: integer token ids -> learned vectors, ``y = W[idx]``.

    Parameters
    ----------
    num_embeddings : int
        Vocabulary size V; valid ids are ``0 .. V-1``.
    embedding_dim : int
        Size E of each vector.
    dtype : floating dtype
        Dtype of the table.
    seed : int or None
        Seed of the initialisation, ``N(0, 1)`` like ``torch.nn.Embedding``.

    Attributes
    ----------
    params : dict
        ``"weight"`` (V, E).
    grads : dict
        ``"weight"`` (V, E), written by :meth:`backward`.

    Notes
    -----
    The backward pass scatters the upstream gradient back into the rows that were read.
    A token that occurs several times receives the *sum* of its gradients, which is why
    it uses ``np.add.at`` (unbuffered) and not ``dW[idx] += g`` (which would keep only
    one of the repeated writes).
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        *,
        dtype=np.float64,
        seed: int | None = None,
    ) -> None:
        self.num_embeddings = check_positive_int(num_embeddings, "num_embeddings")
        self.embedding_dim = check_positive_int(embedding_dim, "embedding_dim")
        dtype = check_supported_dtype(dtype, "dtype")
        rng = np.random.default_rng(seed)
        shape = (self.num_embeddings, self.embedding_dim)
        self.params: dict[str, np.ndarray] = {"weight": rng.standard_normal(shape).astype(dtype)}
        self.grads: dict[str, np.ndarray] = {"weight": np.zeros(shape, dtype=dtype)}
        self._idx: np.ndarray | None = None

    def __repr__(self) -> str:
        return f"Embedding({self.num_embeddings}, {self.embedding_dim})"

    def __call__(self, idx: np.ndarray) -> np.ndarray:
        return self.forward(idx)

    def forward(self, idx: np.ndarray) -> np.ndarray:
        """Integer ids of any shape (...) -> vectors (..., embedding_dim)."""
        idx = check_array(idx, "Embedding input", floating=False)
        if not np.issubdtype(idx.dtype, np.integer):
            raise TypeError(f"Embedding needs integer token ids, got dtype {idx.dtype}")
        if idx.size and (idx.min() < 0 or idx.max() >= self.num_embeddings):
            bad = idx[(idx < 0) | (idx >= self.num_embeddings)].flat[0]
            raise ValueError(
                f"token id {bad} is out of range for an Embedding of "
                f"{self.num_embeddings} rows (valid ids: 0..{self.num_embeddings - 1})"
            )
        self._idx = idx
        return self.params["weight"][idx]

    def backward(self, grad_out: np.ndarray) -> None:
        """Fill ``grads["weight"]``; returns ``None`` (ids have no gradient)."""
        if self._idx is None:
            raise RuntimeError("Embedding.backward called before forward")
        expected = self._idx.shape + (self.embedding_dim,)
        grad_out = np.asarray(grad_out)
        if grad_out.shape != expected:
            raise ValueError(f"grad_out has shape {grad_out.shape}, expected {expected}")
        dW = self.grads["weight"]
        dW[...] = 0.0
        np.add.at(dW, self._idx, grad_out)
        return None
