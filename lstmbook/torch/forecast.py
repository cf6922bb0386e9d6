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

The network is :class:`lstmbook.torch.models.RecurrentNet` with one input feature
(``RecurrentNet(cell, 1, hidden_size, outputs)``; :class:`NeuralForecaster` adds the feature
axis). It trains with :func:`lstmbook.torch.train.fit`, epoch by epoch, with early stopping
(早停) on the validation loss: the weights of the best epoch are kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from lstmbook._checks import format_shape
from lstmbook.evaluation import Standardizer, TimeSplit, make_windows
from lstmbook.metrics.forecast import mase
from lstmbook.torch.models import RecurrentNet
from lstmbook.torch.train import fit
from lstmbook.training import History

__all__ = [
    "DEFAULT_HPARAMS",
    "NeuralForecaster",
    "FitResult",
    "relative_windows",
    "fit_forecaster",
    "save_forecasters",
    "load_forecasters",
    "LEAKAGE_PROTOCOLS",
    "LEVEL_MODEL",
    "level_windows",
    "level_model_mase",
]

#: Hyper-parameters of the chapter's forecasters (the training script uses them too).
DEFAULT_HPARAMS = dict(hidden_size=16, lr=1e-2, epochs=150, patience=20, batch_size=32)


def relative_windows(x: np.ndarray, scale: float, y: np.ndarray | None = None):
    """``(x - x[:, -1:]) / scale`` and, if given, ``(y - x[:, -1:]) / scale``.

    Parameters
    ----------
    x : ndarray (N, window)
    y : ndarray (N, H), optional
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 2:
        raise ValueError(
            f"x: expected (N, window), got shape {format_shape(x.shape)}"
        )
    last = x[:, -1:]
    xr = (x - last) / scale
    if y is None:
        return xr
    return xr, (np.asarray(y, dtype=float) - last) / scale


@dataclass
class NeuralForecaster:
    """A trained :class:`~lstmbook.torch.models.RecurrentNet` with what it needs to forecast
    raw values.

    Attributes
    ----------
    model : RecurrentNet
        One input feature (``input_size=1``), read-out on the last step; it is given the
        relative windows as (N, window, 1).
    window : int
    scale : float
        Standard deviation of one-step changes in the training block.
    horizon : int
        Steps forecast by :meth:`__call__` / :meth:`predict`.
    strategy : {"recursive", "direct"}
        ``"direct"`` needs ``model.output_size == horizon``; ``"recursive"`` needs 1 output.
    """

    model: RecurrentNet
    window: int
    scale: float
    horizon: int = 1
    strategy: str = "recursive"

    def __post_init__(self) -> None:
        if self.strategy not in ("recursive", "direct"):
            raise ValueError(f"strategy must be 'recursive' or 'direct', got {self.strategy!r}")
        if self.model.input_size != 1 or self.model.readout != "last":
            raise ValueError("a forecaster's model reads one value per step "
                             "(input_size=1) and reads out the last step (readout='last')")
        want = 1 if self.strategy == "recursive" else self.horizon
        if self.model.output_size != want:
            raise ValueError(
                f"a {self.strategy} forecaster of horizon {self.horizon} needs a model with "
                f"{want} output(s), got {self.model.output_size}"
            )

    @torch.no_grad()
    def _step(self, x: np.ndarray) -> np.ndarray:
        self.model.eval()
        dtype = next(self.model.parameters()).dtype
        xr = torch.as_tensor(relative_windows(x, self.scale), dtype=dtype)
        return x[:, -1:] + self.scale * self.model(xr[..., None]).double().numpy()

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
    """What :func:`fit_forecaster` returns: the forecaster and the run's
    :class:`~lstmbook.training.History` (one evaluation per epoch)."""

    forecaster: NeuralForecaster
    history: History

    @property
    def train_loss(self) -> list[float]:
        """Mean training loss of each epoch run."""
        return self.history.epoch_loss

    @property
    def val_loss(self) -> list[float]:
        """Validation loss after each epoch run."""
        return self.history.val_metric

    @property
    def best_epoch(self) -> int:
        """The epoch whose weights were kept, counted from 1 (``val_loss[best_epoch - 1]``
        is the lowest)."""
        return self.history.eval_updates.index(self.history.best_update) + 1


def _fit_mse(model: nn.Module, train: tuple, val: tuple, *, lr: float, epochs: int,
             patience: int, batch_size: int, seed: int) -> History:
    """Adam on the MSE by epochs, early-stopped on ``val`` (best weights restored); the
    mini-batches are shuffled in an order drawn from ``seed``."""
    return fit(model, train, loss_fn=nn.MSELoss(), lr=lr, epochs=epochs,
               batch_size=batch_size, seed=seed, val_data=val, patience=patience,
               restore_best=True, progress=False)


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
    train = _relative_pair(s, window, outputs, split.train, scale)
    val = _relative_pair(s, window, outputs, split.val, scale)
    torch.manual_seed(seed)
    model = RecurrentNet(cell, 1, hidden_size, outputs)
    forecaster = NeuralForecaster(model, window, scale, horizon, strategy)
    history = _fit_mse(model, train, val, lr=lr, epochs=epochs, patience=patience,
                       batch_size=batch_size, seed=seed)
    return FitResult(forecaster, history)


def _relative_pair(s, window, outputs, block: slice, scale: float):
    """Relative windows (N, window, 1) and targets (N, outputs) of one block, as tensors."""
    x, y, _ = make_windows(s, window, outputs, start=block.start, stop=block.stop)
    xr, yr = relative_windows(x, scale, y)
    return (torch.as_tensor(xr[..., None], dtype=torch.float32),
            torch.as_tensor(yr, dtype=torch.float32))


def save_forecasters(name: str, forecasters: list[NeuralForecaster], **record: Any):
    """Ship several forecasters (one per seed) in one weights file of the registry.

    Arrays are named ``seed<k>.<parameter>`` (``k`` = position in the list), plus
    ``seed<k>.scale``. ``name`` and ``record`` (``script=``, ``command=``, ``updates=``,
    ``cpu_seconds=``, ``metrics=``, ...) go to :func:`lstmbook.artifacts.save`.

    Returns
    -------
    Path of the written file.
    """
    from lstmbook import artifacts
    from lstmbook.io import state_arrays

    arrays = {}
    for k, f in enumerate(forecasters):
        arrays.update(state_arrays(f.model, prefix=f"seed{k}."))
        arrays[f"seed{k}.scale"] = np.array(f.scale)
    return artifacts.save(name, arrays, **record)


def load_forecasters(
    source: Any, *, cell: str, window: int, horizon: int, strategy: str, n_seeds: int,
    hidden_size: int = DEFAULT_HPARAMS["hidden_size"],
) -> list[NeuralForecaster]:
    """Load what :func:`save_forecasters` wrote; it must fit the described models exactly.

    Parameters
    ----------
    source : mapping name -> array (``lstmbook.artifacts.load(name)``) or an ``.npz`` path

    Raises
    ------
    ValueError
        A missing, extra or mis-shaped array (named).
    """
    from lstmbook.io import load_into, load_weights

    arrays = dict(source) if isinstance(source, Mapping) else load_weights(source)
    prefixes = [f"seed{k}." for k in range(n_seeds)]
    missing = [p + "scale" for p in prefixes if p + "scale" not in arrays]
    extra = sorted(n for n in arrays if not n.startswith(tuple(prefixes)))
    if missing or extra:
        raise ValueError(
            f"load_forecasters: the arrays do not match {n_seeds} forecasters: "
            f"missing {missing}, unexpected {extra}"
        )
    scales = {p: float(arrays.pop(p + "scale")) for p in prefixes}
    outputs = horizon if strategy == "direct" else 1
    return [
        NeuralForecaster(load_into(RecurrentNet(cell, 1, hidden_size, outputs), arrays,
                                   prefix=p), window, scales[p], horizon, strategy)
        for p in prefixes
    ]


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


def level_model_mase(y, window: int, split: TimeSplit, protocol: str, seed: int = 0, *,
                     with_history: bool = False) -> float | tuple[float, History]:
    """One-step test MASE of an LSTM on standardised *levels* under a leakage ``protocol``.

    The model reads ``window`` standardised values and predicts the next one (no relative
    windows), with :data:`LEVEL_MODEL` settings; see :func:`level_windows`. With
    ``with_history`` it returns ``(mase, history)``, the training run's record too.
    """
    train, val, test, scaler = level_windows(y, window, split, protocol, seed)

    def scaled(pair):  # inputs (N, window, 1), targets (N, 1)
        x, t = (torch.as_tensor(scaler.transform(a), dtype=torch.float32) for a in pair)
        return x[..., None], t

    torch.manual_seed(seed)
    model = RecurrentNet("lstm", 1, LEVEL_MODEL["hidden_size"], 1)
    history = _fit_mse(model, scaled(train), scaled(val), lr=DEFAULT_HPARAMS["lr"],
                       epochs=LEVEL_MODEL["epochs"], patience=LEVEL_MODEL["patience"],
                       batch_size=DEFAULT_HPARAMS["batch_size"], seed=seed)
    with torch.no_grad():
        pred = scaler.inverse_transform(model(scaled(test)[0]).numpy())
    score = mase(test[1], pred, y[split.train])
    return (score, history) if with_history else score
