"""Which way does the gradient go back in time? Two measurements by autograd.

- :func:`cell_path_input_gradients`, ``∂L/∂x_t`` of an LSTM split into the part that flows
  back along the cell state alone (``c_T -> c_{T-1} -> ... -> c_t``, multiplied only by
  forget gates) and the rest, every path that passes through a hidden state ``h`` on its
  way (the gates read ``h_{t-1}``); the two add up to the whole gradient. Used by
  ``book/equations/bptt.ipynb``.
- :func:`hidden_state_gradient_norms`, ``‖∂L/∂h_t‖`` at every step of a
  :class:`~lstmbook.torch.models.RecurrentNet`, the gradient of its training loss per step
  back in time. Used by ``book/gates/index.ipynb``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch

from lstmbook.torch.models import RecurrentNet

__all__ = ["cell_path_input_gradients", "hidden_state_gradient_norms"]


def _lstm_input_gradient(
    params: Mapping[str, Any], x: torch.Tensor, *, cell_path_only: bool
) -> np.ndarray:
    """``∂(Σ_j h_T[j])/∂x`` of a one-layer LSTM, optionally with ``h_{t-1}`` detached."""
    W_ih, W_hh, b_ih, b_hh = (torch.as_tensor(np.asarray(params[k]), dtype=torch.float64)
                              for k in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0",
                                        "bias_hh_l0"))
    x = x.clone().requires_grad_(True)
    H = W_hh.shape[1]
    h = c = torch.zeros(x.shape[1], H, dtype=torch.float64)
    for t in range(x.shape[0]):
        h_in = h.detach() if cell_path_only else h
        a = x[t] @ W_ih.T + b_ih + h_in @ W_hh.T + b_hh
        i, f, g, o = a.split(H, dim=-1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
    (grad,) = torch.autograd.grad(h.sum(), x)
    return grad.numpy()


def cell_path_input_gradients(params: Mapping[str, Any], x: Any) -> dict[str, np.ndarray]:
    """``∂L/∂x_t`` of an LSTM, ``L = Σ_j h_T[j]``, split by the path the gradient takes.

    Parameters
    ----------
    params : mapping
        One layer's weights in PyTorch's layout (``weight_ih_l0``, ``weight_hh_l0``,
        ``bias_ih_l0``, ``bias_hh_l0``), e.g. :attr:`lstmbook.numpy.LSTM.params`.
    x : array (T, B, I)
        The inputs; the state starts at zero.

    Returns
    -------
    dict of ndarray (T, B, I)
        ``"total"``: the whole gradient; ``"cell path"``: the part along the cell state
        alone -- computed with ``h_{t-1}`` detached where the gates read it, so the only way
        from ``x_t`` to ``h_T`` left is ``x_t -> c_t -> c_{t+1} -> ... -> c_T -> h_T``;
        ``"through h"``: the rest (total minus cell path), every path that passes through
        at least one hidden state. Gradients are sums over paths, so the two parts add up
        to the total exactly.
    """
    xt = torch.as_tensor(np.asarray(x), dtype=torch.float64)
    if xt.ndim != 3:
        raise ValueError(f"x: expected (T, B, I), got shape {tuple(xt.shape)}")
    total = _lstm_input_gradient(params, xt, cell_path_only=False)
    cell = _lstm_input_gradient(params, xt, cell_path_only=True)
    return {"total": total, "cell path": cell, "through h": total - cell}


def hidden_state_gradient_norms(
    net: RecurrentNet, x: Any, y: Any, loss_fn: Callable[[torch.Tensor, torch.Tensor], Any]
) -> np.ndarray:
    """``‖∂L/∂h_t‖`` for every step ``t`` of a one-layer :class:`RecurrentNet`.

    The network is run one step at a time (its own recurrent layer, so the numbers are
    those of training) and the loss ``loss_fn(net(x), y)`` is back-propagated; the
    gradient with respect to each step's hidden state is the *total* one, through all
    later steps.

    Parameters
    ----------
    net : RecurrentNet
        One layer, one direction, ``readout="last"``.
    x : array (B, T, I)
    y : array
        Targets for ``loss_fn``.
    loss_fn : callable (output, target) -> scalar tensor

    Returns
    -------
    ndarray (T,)
        Entry ``t`` is the Euclidean norm of ``∂L/∂h_t`` averaged over the batch; the
        distance back from the last step is ``T - 1 - t``, so ``norms[::-1]`` is indexed by
        distance.
    """
    if net.rnn.num_layers != 1 or net.directions != 1 or net.readout != "last":
        raise ValueError("hidden_state_gradient_norms needs one layer, one direction and "
                         "readout='last'")
    x, y = torch.as_tensor(np.asarray(x)), torch.as_tensor(np.asarray(y))
    inputs = net._inputs(x)
    state, hs = None, []
    for t in range(inputs.shape[1]):
        _, state = net.rnn(inputs[:, t : t + 1], state)
        h = state[0] if isinstance(state, tuple) else state
        h.retain_grad()
        hs.append(h)
    loss = loss_fn(net.head(hs[-1][-1]), y)
    net.zero_grad()
    loss.backward()
    net.zero_grad()
    return np.array([h.grad[-1].norm(dim=-1).mean().item() for h in hs])
