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
from lstmbook.metrics.forecast import mase
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
    "train_early_stopping",
    "save_forecasters",
    "load_forecasters",
    "LEAKAGE_PROTOCOLS",
    "LEVEL_MODEL",
    "level_windows",
    "level_model_mase",
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
    result = FitResult(NeuralForecaster(model, window, scale, horizon, strategy))
    result.train_loss, result.val_loss, result.best_epoch = train_early_stopping(
        model, (xt, yt), (xv, yv), lr=lr, epochs=epochs, patience=patience,
        batch_size=batch_size, seed=seed,
    )
    return result


def train_early_stopping(
    model: nn.Module,
    train_data: tuple,
    val_data: tuple,
    *,
    lr: float = DEFAULT_HPARAMS["lr"],
    epochs: int = DEFAULT_HPARAMS["epochs"],
    patience: int = DEFAULT_HPARAMS["patience"],
    batch_size: int = DEFAULT_HPARAMS["batch_size"],
    seed: int = 0,
) -> tuple[list[float], list[float], int]:
    """Adam on the MSE, one :func:`~lstmbook.torch.train.train` epoch at a time, early stopping.

    ``train_data`` and ``val_data`` are ``(x, y)`` tensors already scaled. Stops after
    ``patience`` epochs without a lower validation loss and loads the best epoch's weights
    into ``model``.

    Returns
    -------
    train_loss, val_loss : list of float (one per epoch run)
    best_epoch : int
    """
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    batches = batch_iterator(*train_data, batch_size, seed=seed)
    train_loss, val_loss = [], []
    best, best_state, best_epoch, waited = np.inf, None, 0, 0
    for epoch in range(check_positive_int(epochs, "epochs")):
        hist = train(model, nn.MSELoss(), opt, batches, epochs=1, device="cpu",
                     progress=False, val_data=val_data)
        train_loss.append(hist.epoch_loss[-1])
        val_loss.append(hist.val_loss[-1])
        if val_loss[-1] < best:
            best, best_state, best_epoch, waited = val_loss[-1], copy.deepcopy(
                model.state_dict()), epoch, 0
        else:
            waited += 1
            if waited >= patience:
                break
    model.load_state_dict(best_state)
    return train_loss, val_loss, best_epoch


def _windows(s, window, outputs, block: slice):
    x, y, _ = make_windows(s, window, outputs, start=block.start, stop=block.stop)
    return x, y


def _relative_pair(s, window, outputs, block: slice, scale: float):
    x, y = _windows(s, window, outputs, block)
    xr, yr = relative_windows(x, scale, y)
    return torch.as_tensor(xr, dtype=torch.float32), torch.as_tensor(yr, dtype=torch.float32)


def save_forecasters(path, forecasters: list[NeuralForecaster]) -> None:
    """Save the weights of several forecasters (one per seed) in one ``.npz``.

    Arrays are named ``seed<k>.<parameter>`` (``k`` = position in the list), plus
    ``seed<k>.scale``.
    """
    from lstmbook.io import save_weights

    arrays = {}
    for k, f in enumerate(forecasters):
        for name, value in f.model.state_dict().items():
            arrays[f"seed{k}.{name}"] = value
        arrays[f"seed{k}.scale"] = np.array(f.scale)
    save_weights(path, arrays)


def load_forecasters(
    path, *, cell: str, window: int, horizon: int, strategy: str, n_seeds: int,
    hidden_size: int = DEFAULT_HPARAMS["hidden_size"],
) -> list[NeuralForecaster]:
    """Load what :func:`save_forecasters` wrote; the file must fit the described model exactly."""
    from lstmbook.io import load_weights

    outputs = horizon if strategy == "direct" else 1
    models = [RecurrentForecaster(cell, hidden_size, outputs) for _ in range(n_seeds)]
    expected = {f"seed{k}.scale": () for k in range(n_seeds)}
    for k, m in enumerate(models):
        expected.update({f"seed{k}.{n}": tuple(v.shape) for n, v in m.state_dict().items()})
    arrays = load_weights(path, expected=expected)
    out = []
    for k, m in enumerate(models):
        prefix = f"seed{k}."
        m.load_state_dict({n[len(prefix):]: torch.as_tensor(v) for n, v in arrays.items()
                           if n.startswith(prefix) and not n.endswith(".scale")})
        out.append(NeuralForecaster(m, window, float(arrays[prefix + "scale"]), horizon, strategy))
    return out


#: The protocols of the leakage experiment.
LEAKAGE_PROTOCOLS = ("honest", "scaler_on_all", "shuffled")
#: The level model of the leakage experiment (book page ``applications/evaluation``).
LEVEL_MODEL = dict(hidden_size=8, epochs=80, patience=15)


def level_windows(y, window: int, split: TimeSplit, protocol: str, seed: int = 0):
    """Train / val / test ``(x, y)`` windows and the scaler of one leakage ``protocol``.

    ``"honest"``: windows by time block, scaler fitted on the training block;
    ``"scaler_on_all"``: windows by time block, scaler fitted on the whole series;
    ``"shuffled"``: windows assigned to the blocks at random (same sizes), scaler on all.
    """
    if protocol not in LEAKAGE_PROTOCOLS:
        raise ValueError(f"protocol must be one of {LEAKAGE_PROTOCOLS}, got {protocol!r}")
    if protocol == "shuffled":
        x, t, _ = make_windows(y, window, 1)
        perm = np.random.default_rng(seed).permutation(len(x))
        n_test, n_val = split.test.stop - split.test.start, split.val.stop - split.val.start
        parts = perm[:n_test], perm[n_test:n_test + n_val], perm[n_test + n_val:]
        test, val, train = ((x[p], t[p]) for p in parts)
        return train, val, test, Standardizer().fit(y)
    blocks = [make_windows(y, window, 1, start=b.start, stop=b.stop)[:2]
              for b in (split.train, split.val, split.test)]
    scaler = Standardizer().fit(y if protocol == "scaler_on_all" else y[split.train])
    return (*blocks, scaler)


def level_model_mase(y, window: int, split: TimeSplit, protocol: str, seed: int = 0) -> float:
    """One-step test MASE of an LSTM on standardised *levels* under a leakage ``protocol``.

    The model reads ``window`` standardised values and predicts the next one (no relative
    windows), with :data:`LEVEL_MODEL` settings; see :func:`level_windows`.
    """
    train, val, test, scaler = level_windows(y, window, split, protocol, seed)

    def scaled(pair):
        return tuple(torch.as_tensor(scaler.transform(a), dtype=torch.float32) for a in pair)

    torch.manual_seed(seed)
    model = RecurrentForecaster("lstm", LEVEL_MODEL["hidden_size"], 1)
    train_early_stopping(model, scaled(train), scaled(val), epochs=LEVEL_MODEL["epochs"],
                         patience=LEVEL_MODEL["patience"], seed=seed)
    with torch.no_grad():
        pred = scaler.inverse_transform(model(scaled(test)[0]).numpy())
    return mase(test[1], pred, y[split.train])
