"""The command's LSTM: relative target windows plus standardised feature columns, direct
multi-step outputs, several seeds.

The scheme of :mod:`lstmbook.torch.forecast` (book page ``applications/forecasting``),
with extra input columns: at each of the ``W`` steps of a window the network reads

    [ (y - y_last) / s,  (f_1 - mean_1) / sd_1, ..., (f_F - mean_F) / sd_F ]

where ``s`` is the standard deviation of the target's one-step changes and ``mean_j``,
``sd_j`` those of feature ``j``, all on the *training block* only; it outputs the ``H``
future targets as ``y_last + s * net(...)`` (the direct strategy). Only past values of the
features are read, so no future feature value is needed to forecast. The network is
:class:`~lstmbook.torch.models.RecurrentNet` and it trains with
:func:`lstmbook.torch.train.fit`; a forecast is the mean of the seeds' forecasts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from lstmbook.evaluation import Standardizer, make_windows
from lstmbook.torch.models import RecurrentNet
from lstmbook.torch.train import fit
from lstmbook.training import History

__all__ = ["Scaling", "window_index", "supervised", "train_lstm", "best_epoch", "Ensemble"]


@dataclass
class Scaling:
    """The statistics of one series' training block that turn raw windows into inputs."""

    scale: float  #: sd of the target's one-step changes
    feature_mean: list[float]
    feature_scale: list[float]

    @classmethod
    def fit(cls, train: np.ndarray) -> Scaling:
        """From the training rows (n, 1 + F): target first, then the features."""
        scale = Standardizer(diff=True).fit(train[:, 0]).scale
        means, scales = [], []
        for j in range(1, train.shape[1]):
            col = train[:, j]
            sd = float(np.std(col))
            means.append(float(np.mean(col)))
            scales.append(sd if sd > 0 else 1.0)  # a constant feature stays 0, harmless
        return cls(float(scale), means, scales)

    def inputs(self, windows: np.ndarray) -> np.ndarray:
        """Raw windows (N, W, 1 + F) -> network inputs of the same shape."""
        w = np.asarray(windows, dtype=float)
        out = np.empty_like(w)
        out[..., 0] = (w[..., 0] - w[:, -1:, 0]) / self.scale
        out[..., 1:] = (w[..., 1:] - np.asarray(self.feature_mean)) / np.asarray(
            self.feature_scale)
        return out


def window_index(n: int, window: int, horizon: int, start: int, stop: int):
    """Row indices of the windows whose targets lie in ``[start, stop)``:
    :func:`lstmbook.evaluation.make_windows` applied to the positions ``0..n-1``.

    Returns
    -------
    rows_in (N, window), rows_out (N, horizon), origins (N,) : int arrays
    """
    x, y, origins = make_windows(np.arange(n, dtype=float), window, horizon,
                                 start=start, stop=stop)
    return x.astype(int), y.astype(int), origins


def supervised(values: np.ndarray, scaling: Scaling, window: int, horizon: int,
               start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (N, W, 1 + F) and relative targets (N, H) of the windows with targets in
    ``[start, stop)`` of ``values`` (n, 1 + F), as float32."""
    rows_in, rows_out, _ = window_index(len(values), window, horizon, start, stop)
    x = values[rows_in]
    y = (values[rows_out, 0] - x[:, -1:, 0]) / scaling.scale
    return scaling.inputs(x).astype(np.float32), y.astype(np.float32)


def train_lstm(train: tuple, val: tuple | None, *, input_size: int, horizon: int,
               hidden_size: int, lr: float, epochs: int, patience: int, batch_size: int,
               seed: int) -> tuple[RecurrentNet, History]:
    """One seed: Adam on the MSE of relative targets, early-stopped on ``val`` (best
    weights kept); with ``val=None`` it runs exactly ``epochs`` epochs (the refit)."""
    torch.manual_seed(seed)
    model = RecurrentNet("lstm", input_size, hidden_size, horizon)
    history = fit(model, train, loss_fn=nn.MSELoss(), lr=lr, epochs=epochs,
                  batch_size=batch_size, seed=seed, val_data=val,
                  patience=patience if val is not None else None,
                  restore_best=val is not None, progress=False)
    return model.eval(), history


def best_epoch(history: History) -> int:
    """The epoch whose weights early stopping kept, counted from 1."""
    return history.eval_updates.index(history.best_update) + 1


@dataclass
class Ensemble:
    """Seeds of the LSTM of each series, with the series' scaling.

    ``models[name]`` is the list of seeds that forecasts series ``name``: a global model
    is one list shared by every series, per-series models are one list each.
    """

    models: dict[str, list[RecurrentNet]]
    scalings: dict[str, Scaling]
    window: int
    horizon: int

    @torch.no_grad()
    def predict(self, windows: np.ndarray, series: str) -> np.ndarray:
        """Forecasts (seeds, N, H) in original units from raw windows (N, W, 1 + F)."""
        sc = self.scalings[series]
        x = torch.as_tensor(sc.inputs(windows), dtype=torch.float32)
        last = np.asarray(windows, dtype=float)[:, -1:, 0]
        return np.stack([last + sc.scale * m.eval()(x).double().numpy()
                         for m in self.models[series]])

    @property
    def is_global(self) -> bool:
        """Whether one list of seeds serves every series."""
        lists = list(self.models.values())
        return all(m is lists[0] for m in lists)

    def forecaster(self, values: np.ndarray, series: str, seeds: list | None = None):
        """A forecaster for :func:`lstmbook.evaluation.walk_forward` on ``values[:, 0]``:
        given the target's history ``y[:t]`` it reads rows ``t - W .. t - 1`` of
        ``values`` (target and features up to ``t``, nothing later) and returns the
        seeds' mean forecast (H,); each seed's (seeds, H) is appended to ``seeds``."""

        def call(history: np.ndarray) -> np.ndarray:
            t = len(history)
            preds = self.predict(values[None, t - self.window:t], series)[:, 0]
            if seeds is not None:
                seeds.append(preds)
            return preds.mean(0)

        return call
