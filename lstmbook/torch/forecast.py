"""LSTM and GRU forecasters for real series: relative windows, recursive and direct forecasts.

Book page ``applications/forecasting``. A network sees the last ``window`` values of the
series *relative to the last one* and divided by the training scale of one-step changes,
and predicts the future values relative to the last one in the same unit::

    x_rel = (x - x[-1]) / scale,     ŷ = x[-1] + scale · network(x_rel)

so a network that outputs 0 is exactly the persistence forecast, and a trending level
(CO₂) never leaves the range the network was trained on. Two multi-step strategies:

* **recursive** (递归预测): a one-output network applied ``H`` times, each forecast fed back
  as the newest input;
* **direct** (直接预测): one network with ``H`` outputs, one per horizon.

Training uses :func:`lstmbook.torch.train.train` one epoch at a time, with early
stopping (早停) on the validation loss: the weights of the best epoch are kept.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from lstmbook._checks import check_positive_int, format_shape
from lstmbook.evaluation import Standardizer, TimeSplit, make_windows
from lstmbook.numpy.train import batch_iterator
from lstmbook.torch.train import train

__all__ = [
    "CELLS",
    "DEFAULT_HPARAMS",
    "RecurrentForecaster",
    "NeuralForecaster",
    "FitResult",
    "relative_windows",
    "fit_forecaster",
]

#: The recurrent layers a forecaster can use.
CELLS = {"lstm": nn.LSTM, "gru": nn.GRU}

#: Hyper-parameters of the chapter's forecasters (the training script uses them too).
DEFAULT_HPARAMS = dict(hidden_size=16, lr=1e-2, epochs=150, patience=20, batch_size=32)


class RecurrentForecaster(nn.Module):
    """One recurrent layer (``torch.nn.LSTM`` or ``torch.nn.GRU``) and a linear read-out.

    Parameters
    ----------
    cell : {"lstm", "gru"}
    hidden_size : int
    outputs : int
        1 for a recursive forecaster, ``H`` for a direct one.

    Shapes: ``forward(x)`` takes ``x`` (B, T) relative inputs and returns (B, outputs).
    """

    def __init__(self, cell: str = "lstm", hidden_size: int = 16, outputs: int = 1) -> None:
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
        self.cell = cell
        self.hidden_size = check_positive_int(hidden_size, "hidden_size")
        self.outputs = check_positive_int(outputs, "outputs")
        self.rnn = CELLS[cell](1, self.hidden_size, batch_first=True)
        self.head = nn.Linear(self.hidden_size, self.outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 2:
            raise ValueError(f"x: expected (B, T) windows, got shape {format_shape(x.shape)}")
        out, _ = self.rnn(x.unsqueeze(-1))
        return self.head(out[:, -1])


def relative_windows(x: np.ndarray, scale: float, y: np.ndarray | None = None):
    """``(x - x[:, -1:]) / scale`` and, if given, ``(y - x[:, -1:]) / scale``.

    Parameters
    ----------
    x : ndarray (N, window)
    y : ndarray (N, H), optional
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"x: expected (N, window), got shape {format_shape(x.shape)}")
    last = x[:, -1:]
    xr = (x - last) / scale
    return xr if y is None else (xr, (np.asarray(y, dtype=float) - last) / scale)


@dataclass
class NeuralForecaster:
    """A trained :class:`RecurrentForecaster` with what it needs to forecast raw values.

    Attributes
    ----------
    model : RecurrentForecaster
    window : int
    scale : float
        Standard deviation of one-step changes in the training block.
    horizon : int
        Steps forecast by :meth:`__call__` / :meth:`predict`.
    strategy : {"recursive", "direct"}
        ``"direct"`` needs ``model.outputs == horizon``; ``"recursive"`` needs 1 output.
    """

    model: RecurrentForecaster
    window: int
    scale: float
    horizon: int = 1
    strategy: str = "recursive"

    def __post_init__(self) -> None:
        if self.strategy not in ("recursive", "direct"):
            raise ValueError(f"strategy must be 'recursive' or 'direct', got {self.strategy!r}")
        want = 1 if self.strategy == "recursive" else self.horizon
        if self.model.outputs != want:
            raise ValueError(
                f"a {self.strategy} forecaster of horizon {self.horizon} needs a model with "
                f"{want} output(s), got {self.model.outputs}"
            )

    @torch.no_grad()
    def _step(self, x: np.ndarray) -> np.ndarray:
        self.model.eval()
        dtype = next(self.model.parameters()).dtype
        xr = torch.as_tensor(relative_windows(x, self.scale), dtype=dtype)
        return x[:, -1:] + self.scale * self.model(xr).double().numpy()

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Forecasts (N, horizon) from raw input windows ``x`` (N, window)."""
        x = np.asarray(x, dtype=float)
        if x.ndim != 2 or x.shape[1] != self.window:
            raise ValueError(
                f"x: expected windows (N, {self.window}), got shape {format_shape(x.shape)}"
            )
        if self.strategy == "direct":
            return self._step(x)
        preds = []
        for _ in range(self.horizon):
            nxt = self._step(x)
            preds.append(nxt)
            x = np.concatenate([x[:, 1:], nxt], axis=1)
        return np.concatenate(preds, axis=1)

    def __call__(self, history) -> np.ndarray:
        """Forecast (horizon,) from a history (≥ ``window`` values); for ``walk_forward``."""
        h = np.asarray(history, dtype=float)
        if h.ndim != 1 or h.size < self.window:
            raise ValueError(f"history: need a 1-D series of ≥ {self.window} values")
        return self.predict(h[None, -self.window :])[0]


@dataclass
class FitResult:
    """What :func:`fit_forecaster` returns: the forecaster and its learning curves."""

    forecaster: NeuralForecaster
    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    best_epoch: int = 0


def fit_forecaster(
    series,
    split: TimeSplit,
    *,
    cell: str = "lstm",
    window: int = 20,
    horizon: int = 1,
    strategy: str = "recursive",
    seed: int = 0,
    hidden_size: int = DEFAULT_HPARAMS["hidden_size"],
    lr: float = DEFAULT_HPARAMS["lr"],
    epochs: int = DEFAULT_HPARAMS["epochs"],
    patience: int = DEFAULT_HPARAMS["patience"],
    batch_size: int = DEFAULT_HPARAMS["batch_size"],
) -> FitResult:
    """Train a forecaster on ``split.train``, early-stopped on ``split.val``.

    Targets of the training windows lie in the training block, those of the validation
    windows in the validation block; the scale is learnt from the training block only.
    The loss is the MSE of relative targets (``horizon`` of them for ``"direct"``, the
    next value for ``"recursive"``). Training stops after ``patience`` epochs without a
    better validation loss and returns the best epoch's weights.
    """
    s = np.asarray(series, dtype=float)
    outputs = horizon if strategy == "direct" else 1
    scale = Standardizer(diff=True).fit(s[split.train]).scale
    xt, yt = _relative_pair(s, window, outputs, split.train, scale)
    xv, yv = _relative_pair(s, window, outputs, split.val, scale)
    torch.manual_seed(seed)
    model = RecurrentForecaster(cell, hidden_size, outputs)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    batches = batch_iterator(xt, yt, batch_size, seed=seed)
    result = FitResult(NeuralForecaster(model, window, scale, horizon, strategy))
    best, best_state, waited = np.inf, None, 0
    for epoch in range(check_positive_int(epochs, "epochs")):
        hist = train(model, nn.MSELoss(), opt, batches, epochs=1, device="cpu",
                     progress=False, val_data=(xv, yv))
        result.train_loss.append(hist.epoch_loss[-1])
        result.val_loss.append(hist.val_loss[-1])
        if hist.val_loss[-1] < best:
            best, best_state, waited = hist.val_loss[-1], copy.deepcopy(model.state_dict()), 0
            result.best_epoch = epoch
        else:
            waited += 1
            if waited >= patience:
                break
    model.load_state_dict(best_state)
    return result


def _windows(s, window, outputs, block: slice):
    x, y, _ = make_windows(s, window, outputs, start=block.start, stop=block.stop)
    return x, y


def _relative_pair(s, window, outputs, block: slice, scale: float):
    x, y = _windows(s, window, outputs, block)
    xr, yr = relative_windows(x, scale, y)
    return torch.as_tensor(xr, dtype=torch.float32), torch.as_tensor(yr, dtype=torch.float32)
