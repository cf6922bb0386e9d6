"""The LSTM in PyTorch, gate by gate, with autograd doing the backward pass.

The same equations as :mod:`lstmbook.numpy.lstm`, written with tensors. For one time
step, with input ``x`` (B, I) and state ``h``, ``c`` (B, H)::

    i  = σ(W_ii x + b_ii + W_hi h + b_hi)      input gate
    f  = σ(W_if x + b_if + W_hf h + b_hf)      forget gate
    g  = tanh(W_ig x + b_ig + W_hg h + b_hg)   candidate cell
    o  = σ(W_io x + b_io + W_ho h + b_ho)      output gate
    c' = f ⊙ c + i ⊙ g
    h' = o ⊙ tanh(c')

The four input weights are stacked in one matrix ``weight_ih`` (4H, I) in the order
i, f, g, o, the four recurrent ones in ``weight_hh`` (4H, H): exactly the parameter names,
shapes and layout of ``torch.nn.LSTM`` and ``torch.nn.LSTMCell``, so a ``state_dict``
loads into either class from the other. Since ``W_ih x_t`` does not depend on the
recurrence, it is computed for all time steps in one matrix product before the loop.

There is no hand-written backward here: autograd differentiates the loop, and the tests
check that it agrees with ``torch.nn.LSTM`` (cuDNN/ATen kernels) and with the NumPy LSTM's
hand-written backpropagation through time.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from lstmbook._checks import check_positive_int

__all__ = ["LSTM", "LSTMCell", "lstm_layer", "lstm_step", "project_inputs"]

State = tuple[Tensor, Tensor]


# ----------------------------------------------------------------------------------------
# the equations, as functions of tensors


def project_inputs(x: Tensor, weight_ih: Tensor, bias_ih: Tensor | None) -> Tensor:
    """``W_ih x_t + b_ih`` for every time step at once.

    Parameters
    ----------
    x : Tensor (T, B, I) or (B, I)
    weight_ih : Tensor (4H, I)
    bias_ih : Tensor (4H,) or None

    Returns
    -------
    Tensor (T, B, 4H) or (B, 4H)
        One matrix product over all ``T * B`` rows.
    """
    a = x @ weight_ih.T
    return a if bias_ih is None else a + bias_ih


def lstm_step(
    x_proj: Tensor,
    h: Tensor,
    c: Tensor,
    weight_hh: Tensor,
    bias_hh: Tensor | None,
) -> State:
    """One LSTM time step, given the already projected input.

    Parameters
    ----------
    x_proj : Tensor (B, 4H)
        ``W_ih x_t + b_ih`` (see :func:`project_inputs`).
    h, c : Tensor (B, H)
        Hidden and cell state after the previous step.
    weight_hh : Tensor (4H, H)
    bias_hh : Tensor (4H,) or None

    Returns
    -------
    h_next, c_next : Tensor (B, H)
    """
    a = x_proj + h @ weight_hh.T  # pre-activations (B, 4H)
    if bias_hh is not None:
        a = a + bias_hh
    a_i, a_f, a_g, a_o = a.chunk(4, dim=-1)
    i = torch.sigmoid(a_i)  # input gate: how much of the candidate to write
    f = torch.sigmoid(a_f)  # forget gate: how much of the old cell to keep
    g = torch.tanh(a_g)  # candidate cell values
    o = torch.sigmoid(a_o)  # output gate: how much of the cell to show
    c_next = f * c + i * g
    h_next = o * torch.tanh(c_next)
    return h_next, c_next


def lstm_layer(
    x: Tensor,
    h0: Tensor,
    c0: Tensor,
    weight_ih: Tensor,
    weight_hh: Tensor,
    bias_ih: Tensor | None = None,
    bias_hh: Tensor | None = None,
    mask: Tensor | None = None,
) -> tuple[Tensor, Tensor, Tensor]:
    """Run one LSTM layer over a whole sequence.

    Parameters
    ----------
    x : Tensor (T, B, I)
    h0, c0 : Tensor (B, H)
    weight_ih : Tensor (4H, I)
    weight_hh : Tensor (4H, H)
    bias_ih, bias_hh : Tensor (4H,) or None
    mask : bool Tensor (T, B, 1), optional
        False at padded steps: there the state is kept and the output is 0.

    Returns
    -------
    output : Tensor (T, B, H)
        The hidden state after every step.
    h_T, c_T : Tensor (B, H)
        The state after the last step (the last real step of each sequence,
        if masked).
    """
    x_proj = project_inputs(x, weight_ih, bias_ih)  # (T, B, 4H), one matmul
    h, c = h0, c0
    outputs = []
    for t in range(x.shape[0]):
        h_new, c_new = lstm_step(x_proj[t], h, c, weight_hh, bias_hh)
        if mask is None:
            h, c = h_new, c_new
            outputs.append(h)
        else:
            h = torch.where(mask[t], h_new, h)
            c = torch.where(mask[t], c_new, c)
            outputs.append(h * mask[t])
    return torch.stack(outputs), h, c


# ----------------------------------------------------------------------------------------
# input checks shared by the two modules


def _floating_dtype(dtype: torch.dtype | None) -> torch.dtype:
    dtype = torch.get_default_dtype() if dtype is None else dtype
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"dtype must be a floating torch dtype such as torch.float32, got {dtype}")
    return dtype


def _check_tensor(x: object, name: str, like: Tensor) -> Tensor:
    """``x`` must be a finite tensor with the dtype and device of the parameter ``like``."""
    if not isinstance(x, Tensor):
        raise TypeError(
            f"{name}: expected a torch.Tensor, got {type(x).__name__}; "
            "convert it with torch.as_tensor(...)"
        )
    if x.dtype != like.dtype:
        raise TypeError(
            f"{name}: dtype {x.dtype} does not match the weights ({like.dtype}); "
            f"cast it first, e.g. x.to({like.dtype})"
        )
    if x.device != like.device:
        raise ValueError(
            f"{name}: is on {x.device} but the weights are on {like.device}; "
            f"move it with x.to({str(like.device)!r})"
        )
    if x.numel() > 0 and not bool(torch.isfinite(x).all()):
        n_nan = int(torch.isnan(x).sum())
        n_inf = int(torch.isinf(x).sum())
        raise ValueError(
            f"{name}: contains {n_nan} NaN and {n_inf} infinite value(s) out of {x.numel()}; "
            "check the data (or an earlier step) for overflow or missing values"
        )
    return x


def _check_state(state: object, shape: tuple[int, ...], like: Tensor, layout: str) -> State:
    """``state`` must be a pair ``(h_0, c_0)`` of tensors of the given shape."""
    if not isinstance(state, (tuple, list)) or len(state) != 2:
        raise TypeError(
            f"state: expected a tuple (h_0, c_0) of two tensors, got {type(state).__name__}"
            + (f" of length {len(state)}" if isinstance(state, (tuple, list)) else "")
        )
    h0, c0 = state
    for name, s in (("h_0", h0), ("c_0", c0)):
        _check_tensor(s, name, like)
        if tuple(s.shape) != shape:
            raise ValueError(
                f"{name}: expected shape {tuple(shape)} {layout}, got {tuple(s.shape)}"
            )
    return h0, c0


def _check_input(x: object, input_size: int, like: Tensor, ndims: tuple[int, ...]) -> Tensor:
    x = _check_tensor(x, "input", like)
    if x.ndim not in ndims:
        want = " or ".join(f"{d}-D" for d in ndims)
        raise ValueError(
            f"input: expected a {want} tensor, got {x.ndim}-D of shape {tuple(x.shape)}"
        )
    if x.shape[-1] != input_size:
        raise ValueError(
            f"input: the last axis has size {x.shape[-1]}, but input_size is {input_size}"
        )
    return x


def _uniform_(params: list[Tensor], hidden_size: int) -> None:
    """``U(-1/√H, 1/√H)`` for every weight and bias, as ``torch.nn.LSTM`` does."""
    bound = 1.0 / math.sqrt(hidden_size)
    with torch.no_grad():
        for p in params:
            p.uniform_(-bound, bound)


def _forget_bias_(bias_ih: Tensor, bias_hh: Tensor, hidden_size: int, value: float) -> None:
    """Make the forget gate's total bias ``b_if + b_hf`` equal to ``value``.

    ``b_if`` gets ``value`` and ``b_hf`` gets 0 (the gate order is i, f, g, o, so the
    forget slice is rows ``H:2H``).
    """
    with torch.no_grad():
        bias_ih[hidden_size : 2 * hidden_size] = value
        bias_hh[hidden_size : 2 * hidden_size] = 0.0


# ----------------------------------------------------------------------------------------
# modules


class LSTMCell(nn.Module):
    """One LSTM step as a module; a drop-in for ``torch.nn.LSTMCell``.

    Parameters
    ----------
    input_size, hidden_size : int
    bias : bool
        Whether to use the biases ``bias_ih`` and ``bias_hh``.
    device, dtype
        Where and in which floating dtype to create the parameters.
    forget_bias : float or None
        If given, the forget gate's bias ``b_if + b_hf`` starts at this value (``b_if``
        set to it, ``b_hf`` to 0) instead of random, so the cell starts by remembering.

    Attributes
    ----------
    weight_ih : Parameter (4H, I)
    weight_hh : Parameter (4H, H)
    bias_ih, bias_hh : Parameter (4H,)
        Gates stacked in the order i, f, g, o.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        *,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
        forget_bias: float | None = None,
    ) -> None:
        super().__init__()
        self.input_size = check_positive_int(input_size, "input_size")
        self.hidden_size = check_positive_int(hidden_size, "hidden_size")
        self.bias = bool(bias)
        if forget_bias is not None and not self.bias:
            raise ValueError("forget_bias needs bias=True")
        factory = {"device": device, "dtype": _floating_dtype(dtype)}
        H, I = self.hidden_size, self.input_size
        self.weight_ih = nn.Parameter(torch.empty(4 * H, I, **factory))
        self.weight_hh = nn.Parameter(torch.empty(4 * H, H, **factory))
        if self.bias:
            self.bias_ih = nn.Parameter(torch.empty(4 * H, **factory))
            self.bias_hh = nn.Parameter(torch.empty(4 * H, **factory))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.forget_bias = forget_bias
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw the parameters again (``U(-1/√H, 1/√H)``, then ``forget_bias`` if set)."""
        _uniform_(list(self.parameters()), self.hidden_size)
        if self.forget_bias is not None:
            _forget_bias_(self.bias_ih, self.bias_hh, self.hidden_size, self.forget_bias)

    def forward(self, input: Tensor, state: State | None = None) -> State:
        """One step.

        Parameters
        ----------
        input : Tensor (B, I), or (I,) for a single unbatched example
        state : tuple (h, c) of Tensor (B, H) (or (H,) unbatched), optional
            The previous state (``torch.nn.LSTMCell`` calls it ``hx``; pass it second);
            zeros when omitted.

        Returns
        -------
        h_next, c_next : Tensor (B, H), or (H,) unbatched
        """
        x = _check_input(input, self.input_size, self.weight_ih, ndims=(1, 2))
        unbatched = x.ndim == 1
        if unbatched:
            x = x.unsqueeze(0)
        B, H = x.shape[0], self.hidden_size
        if state is None:
            h = c = x.new_zeros(B, H)
        else:
            shape, layout = ((H,), "(H,)") if unbatched else ((B, H), "(B, H)")
            h, c = _check_state(state, shape, self.weight_ih, layout)
            if unbatched:
                h, c = h.unsqueeze(0), c.unsqueeze(0)
        x_proj = project_inputs(x, self.weight_ih, self.bias_ih)
        h, c = lstm_step(x_proj, h, c, self.weight_hh, self.bias_hh)
        return (h.squeeze(0), c.squeeze(0)) if unbatched else (h, c)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        if self.forget_bias is not None:
            s += f", forget_bias={self.forget_bias}"
        return s


class LSTM(nn.Module):
    """A stack of LSTM layers over whole sequences; a drop-in for ``torch.nn.LSTM``.

    Layer ``k`` reads the hidden states of layer ``k - 1`` (layer 0 reads the input).
    ``dropout``, ``proj_size`` and ``PackedSequence`` inputs of ``torch.nn.LSTM`` are
    not implemented (padded batches take ``lengths``, see :meth:`forward`); everything
    else -- constructor, parameter names and shapes, ``bidirectional``, the ``forward``
    signature and the shapes it returns -- is the same, so ``state_dict``\\ s move freely
    between the two classes.

    Parameters
    ----------
    input_size, hidden_size : int
    num_layers : int
    bias : bool
        Whether the layers have biases.
    batch_first : bool
        If True, ``input`` and ``output`` are (B, T, ·) instead of (T, B, ·); the state
        ``(h, c)`` is (num_layers, B, H) either way.
    device, dtype
        Where and in which floating dtype to create the parameters.
    forget_bias : float or None
        If given, every layer's forget-gate bias ``b_if + b_hf`` starts at this value
        (``b_if`` set to it, ``b_hf`` to 0) instead of random.
    bidirectional : bool
        A second LSTM per layer reads the sequence backwards (parameters with the suffix
        ``_reverse``); outputs are (…, 2H), states (2 * num_layers, B, H).

    Attributes
    ----------
    weight_ih_l{k} : Parameter (4H, I) for k = 0, (4H, D*H) above
    weight_hh_l{k} : Parameter (4H, H)
    bias_ih_l{k}, bias_hh_l{k} : Parameter (4H,)
        Gates stacked in the order i, f, g, o.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        *,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
        forget_bias: float | None = None,
        bidirectional: bool = False,
    ) -> None:
        super().__init__()
        self.bidirectional = bool(bidirectional)
        self.num_directions = 2 if self.bidirectional else 1
        self.input_size = check_positive_int(input_size, "input_size")
        self.hidden_size = check_positive_int(hidden_size, "hidden_size")
        self.num_layers = check_positive_int(num_layers, "num_layers")
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        if forget_bias is not None and not self.bias:
            raise ValueError("forget_bias needs bias=True")
        self.forget_bias = forget_bias
        factory = {"device": device, "dtype": _floating_dtype(dtype)}
        H = self.hidden_size
        for k in range(self.num_layers):
            layer_in = self.input_size if k == 0 else self.num_directions * H
            for sfx in ("", "_reverse")[: self.num_directions]:
                w_ih = nn.Parameter(torch.empty(4 * H, layer_in, **factory))
                setattr(self, f"weight_ih_l{k}{sfx}", w_ih)
                w_hh = nn.Parameter(torch.empty(4 * H, H, **factory))
                setattr(self, f"weight_hh_l{k}{sfx}", w_hh)
                if self.bias:
                    setattr(self, f"bias_ih_l{k}{sfx}", nn.Parameter(torch.empty(4 * H, **factory)))
                    setattr(self, f"bias_hh_l{k}{sfx}", nn.Parameter(torch.empty(4 * H, **factory)))
        self.reset_parameters()

    def layer_parameters(
        self, k: int, direction: int = 0
    ) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
        """``(weight_ih, weight_hh, bias_ih, bias_hh)`` of layer ``k`` (biases None if off)
        in ``direction`` 0 (forward) or 1 (backward, bidirectional only)."""
        if not 0 <= k < self.num_layers:
            raise IndexError(f"layer {k} does not exist; this LSTM has {self.num_layers}")
        if direction not in range(self.num_directions):
            raise IndexError(
                f"direction {direction} does not exist; this LSTM has {self.num_directions}"
            )
        sfx = "_reverse" if direction else ""
        w_ih, w_hh = getattr(self, f"weight_ih_l{k}{sfx}"), getattr(self, f"weight_hh_l{k}{sfx}")
        if not self.bias:
            return w_ih, w_hh, None, None
        return w_ih, w_hh, getattr(self, f"bias_ih_l{k}{sfx}"), getattr(self, f"bias_hh_l{k}{sfx}")

    def reset_parameters(self) -> None:
        """Draw the parameters again (``U(-1/√H, 1/√H)``, then ``forget_bias`` if set)."""
        _uniform_(list(self.parameters()), self.hidden_size)
        if self.forget_bias is not None:
            for k in range(self.num_layers):
                for d in range(self.num_directions):
                    _, _, b_ih, b_hh = self.layer_parameters(k, d)
                    _forget_bias_(b_ih, b_hh, self.hidden_size, self.forget_bias)

    def forward(
        self, input: Tensor, state: State | None = None, lengths: object = None
    ) -> tuple[Tensor, State]:
        """Run the whole stack over a sequence.

        Parameters
        ----------
        input : Tensor (T, B, I), or (B, T, I) if ``batch_first``, or (T, I) unbatched
        state : tuple (h_0, c_0), optional
            Initial state, each (D * num_layers, B, H), or (D * num_layers, H) unbatched;
            zeros when omitted (``torch.nn.LSTM`` calls it ``hx``; pass it second).
        lengths : sequence of B ints in [1, T], optional
            True lengths of a padded batch: steps ``t >= lengths[b]`` keep the state and
            output 0 (the numbers of ``pack_padded_sequence``).

        Returns
        -------
        output : Tensor (T, B, D*H), or (B, T, D*H) if ``batch_first``, or (T, D*H) unbatched
            The last layer's hidden state at every step (forward direction first).
        (h_n, c_n) : Tensors shaped like ``h_0``
            Every layer's state after the last (real) step.
        """
        x = _check_input(input, self.input_size, self.weight_ih_l0, ndims=(2, 3))
        unbatched = x.ndim == 2
        if unbatched:
            x = x.unsqueeze(1)  # (T, 1, I)
        elif self.batch_first:
            x = x.transpose(0, 1)  # (B, T, I) -> (T, B, I)
        T, B = x.shape[0], x.shape[1]
        if T == 0:
            raise ValueError("input: the sequence is empty (length 0); an LSTM needs T >= 1")
        h0, c0 = self._initial_state(state, B, unbatched)
        mask = self._mask(lengths, T, B, unbatched, x)
        h_n, c_n = [], []
        D = self.num_directions
        for k in range(self.num_layers):
            outs = []
            for d in range(D):
                params = self.layer_parameters(k, d)
                j = k * D + d
                if d == 0:
                    out, h, c = lstm_layer(x, h0[j], c0[j], *params, mask=mask)
                else:  # the time-reversed sequence, and its outputs reversed back
                    m = None if mask is None else mask.flip(0)
                    out, h, c = lstm_layer(x.flip(0), h0[j], c0[j], *params, mask=m)
                    out = out.flip(0)
                outs.append(out)
                h_n.append(h)
                c_n.append(c)
            x = torch.cat(outs, dim=-1)
        h_n, c_n = torch.stack(h_n), torch.stack(c_n)  # (D*L, B, H)
        if unbatched:
            return x.squeeze(1), (h_n.squeeze(1), c_n.squeeze(1))
        if self.batch_first:
            x = x.transpose(0, 1)
        return x, (h_n, c_n)

    def _mask(self, lengths: object, T: int, B: int, unbatched: bool, like: Tensor):
        """(T, B, 1) bool mask of real steps from ``lengths``, or None."""
        if lengths is None:
            return None
        if unbatched:
            raise ValueError("lengths: only for batched input")
        n = torch.as_tensor(lengths)
        if n.dtype.is_floating_point or n.dtype == torch.bool or tuple(n.shape) != (B,):
            raise ValueError(
                f"lengths: expected {B} integers (one per sequence), got "
                f"shape {tuple(n.shape)} dtype {n.dtype}"
            )
        if int(n.min()) < 1 or int(n.max()) > T:
            raise ValueError(
                f"lengths: each length must be in [1, T={T}], got range "
                f"[{int(n.min())}, {int(n.max())}]"
            )
        return (torch.arange(T)[:, None] < n.cpu()[None, :]).to(like.device)[..., None]

    def _initial_state(self, state: State | None, B: int, unbatched: bool) -> State:
        """``(h_0, c_0)`` as (D*L, B, H) tensors: checked ``state``, or zeros."""
        L, H = self.num_layers * self.num_directions, self.hidden_size
        d = "2 * " if self.bidirectional else ""
        if state is None:
            zeros = self.weight_ih_l0.new_zeros(L, B, H)
            return zeros, zeros
        if unbatched:
            h0, c0 = _check_state(state, (L, H), self.weight_ih_l0, f"({d}num_layers, H)")
            return h0.unsqueeze(1), c0.unsqueeze(1)
        return _check_state(state, (L, B, H), self.weight_ih_l0, f"({d}num_layers, B, H)")

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.bidirectional:
            s += ", bidirectional=True"
        if self.forget_bias is not None:
            s += f", forget_bias={self.forget_bias}"
        return s
