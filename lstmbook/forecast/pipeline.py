"""The forecasting protocol the command runs, step by step, on a checked :class:`Table`.

1. **Split in time** (:func:`lstmbook.evaluation.time_split`) every series into train /
   validation / test; scaling statistics come from the training block only.
2. **Baselines** (:mod:`lstmbook.baselines.forecast`): persistence, seasonal naive with the
   detected season, SARIMAX (differencing by an augmented Dickey-Fuller test, then the
   order by AIC among AR(0-2), MA(1) and a seasonal AR(1), on the training block) and ETS
   (trend and season by AIC too),
   fitted on train for the validation block and refitted on train + validation for the
   test block; a failed fit is reported and skipped, never fatal.
3. **LSTM** (:mod:`lstmbook.forecast.model`): ``seeds`` runs early-stopped on the
   validation block, then each refitted on train + validation for its best epoch count.
   With several series, one global model across them against one model per series.
4. **Rolling-origin evaluation** (:func:`lstmbook.evaluation.walk_forward`) at every
   origin (the last point seen) whose ``H`` targets lie in the validation block (to
   choose the best baseline and to collect the residuals of the intervals), and in the
   test block (the scores): the first origin is the block's previous point; a paired
   test of the LSTM against the baseline that was best *on validation*.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from tqdm import tqdm

from lstmbook import evaluation as ev
from lstmbook.baselines.forecast import (
    EtsForecaster,
    Persistence,
    SarimaxForecaster,
    SeasonalNaive,
)
from lstmbook.forecast.model import Ensemble, Scaling, best_epoch, supervised, train_lstm
from lstmbook.forecast.table import SPLIT_FRACTION, InputError, Table
from lstmbook.metrics.forecast import mae, naive_scale, rmse
from lstmbook.training import show_progress

__all__ = ["Settings", "QUICK", "SPLIT_FRACTION", "Sizes", "choose_sizes", "Results",
           "evaluate"]

#: What ``--quick`` changes: a smaller, shorter LSTM; one SARIMAX order and no seasonal ETS.
QUICK = dict(hidden_size=8, epochs=40, patience=8)


@dataclass
class Settings:
    """Every choice of the protocol that a user may change (``None``: chosen from the data)."""

    horizon: int
    window: int | None = None
    n_val: int | None = None
    n_test: int | None = None
    seeds: int = 3
    hidden_size: int = 16
    lr: float = 1e-2
    epochs: int = 150
    patience: int = 20
    batch_size: int = 32
    level: float = 0.9
    quick: bool = False

    def __post_init__(self) -> None:
        if self.quick:
            for k, v in QUICK.items():
                setattr(self, k, min(getattr(self, k), v))
        for name in ("horizon", "seeds", "hidden_size", "epochs", "patience", "batch_size"):
            if not getattr(self, name) >= 1:
                raise InputError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.seeds < 2:
            raise InputError("seeds must be at least 2 (a spread over seeds needs two); "
                             "3 or more is the book's rule")


@dataclass
class Sizes:
    """Window and split sizes, shared by every series, and how each size was chosen."""

    window: int
    n_val: int
    n_test: int
    rule: dict = field(default_factory=dict)


def choose_sizes(n: int, horizon: int, season: int, settings: Settings,
                 where: str = "") -> Sizes:
    """Window ``max(8, 2H, season)`` and validation / test blocks of
    ``max(H + 4, round(SPLIT_FRACTION * n))`` points each, unless given; checks that the
    shortest series (``n`` points) holds them. ``Sizes.rule`` records which rule chose
    each size (for the report).

    Every block must give at least 3 forecast origins (a paired test needs 3 losses) and
    the training block at least 8 windows.
    """
    h = horizon
    window = settings.window or max(8, 2 * h, season if season <= 60 else 0)
    need_train = window + h + 7
    default = max(h + 4, round(SPLIT_FRACTION * n))
    chosen = (f"default: max(H + 4, round({SPLIT_FRACTION:g} n)) = max({h + 4}, "
              f"{round(SPLIT_FRACTION * n)}) with n = {n}")
    if n - 2 * default < need_train:
        default = h + 2
        chosen = f"default shrunk to H + 2 = {h + 2}: the series is too short for more"
    n_val = settings.n_val or default
    n_test = settings.n_test or default
    rule = dict(fraction=SPLIT_FRACTION, n=n,
                validation="given" if settings.n_val else chosen,
                test="given" if settings.n_test else chosen)
    for name, size in (("validation", n_val), ("test", n_test)):
        if size < h + 2:
            raise InputError(f"the {name} block ({size}) must hold at least horizon + 2 = "
                             f"{h + 2} points (3 forecast origins)")
    need = need_train + n_val + n_test
    if n < need:
        raise InputError(
            f"too few points{where}: {n}, but horizon {h} with window {window} needs at "
            f"least {need} ({need_train} to train, {n_val} to validate, {n_test} to test); "
            "lower --horizon or --window, or give more data")
    return Sizes(window, n_val, n_test, rule)


@dataclass
class Results:
    """Everything :func:`evaluate` measured, for :mod:`lstmbook.forecast.report`."""

    sizes: Sizes
    splits: dict[str, ev.TimeSplit]
    scalings: dict[str, Scaling]
    scores: list[dict]  # one row per series and model: MAE, RMSE, MASE (test block)
    tests: list[dict]  # one row per series: LSTM vs best baseline
    baselines: dict[str, dict]  # per series: specs, failures, validation MAE, best
    lstm: dict[str, dict]  # per LSTM variant: seeds' epochs and validation losses
    final: str  # the LSTM variant that makes the forecast
    ensemble: Ensemble  # its refitted seeds
    intervals: dict[str, dict]  # per series: residual quantiles, coverage
    test_forecasts: dict[str, dict]  # per series: origins, truth, forecasts, interval
    future: dict[str, np.ndarray]  # per series: (H,) forecast of the final ensemble
    notes: list[str] = field(default_factory=list)


def _origins(split_block: slice, horizon: int) -> np.ndarray:
    """walk_forward's ``t`` for every forecast whose targets lie in the block: ``t``
    counts the points seen, so the origin (the last point seen) is row ``t - 1``."""
    return np.arange(split_block.start, split_block.stop - horizon + 1)


# -- baselines ----------------------------------------------------------------------------

def _sarimax_candidates(y_train: np.ndarray, season: int, quick: bool) -> list[dict]:
    from statsmodels.tsa.stattools import adfuller

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            d = int(adfuller(y_train, autolag="AIC")[1] > 0.05)
    except (ValueError, np.linalg.LinAlgError):
        d = 1
    trend = "c" if d == 0 else None
    orders = [(1, d, 0)] if quick else [(0, d, 0), (1, d, 0), (2, d, 0), (0, d, 1)]
    out = [dict(order=o, seasonal_order=(0, 0, 0, 0), trend=trend) for o in orders]
    if not quick and season in (4, 7, 12) and len(y_train) >= 3 * season:
        out.append(dict(order=(1, d, 0), seasonal_order=(1, 0, 0, season), trend=trend))
    return out


def _ets_candidates(y_train: np.ndarray, season: int, quick: bool) -> list[dict]:
    ok = 1 < season <= 24 and len(y_train) >= 3 * season and not quick
    seasonal = [None] + (["add"] if ok else [])
    return [dict(trend=t, damped_trend=t is not None, seasonal=s,
                 seasonal_periods=season if s else None)
            for t in (None, "add") for s in seasonal]


def _fit_by_aic(cls, candidates: list[dict], y: np.ndarray, horizon: int):
    """The candidate with the lowest AIC on ``y`` and its spec; failures counted."""
    best, best_spec, failed = None, None, []
    for spec in candidates:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                f = cls(**spec, horizon=horizon).fit(y)
        except Exception as err:  # noqa: BLE001 -- a baseline that fails is reported
            failed.append(f"{spec}: {type(err).__name__}: {str(err).splitlines()[0][:80]}")
            continue
        if best is None or f.results.aic < best.results.aic:
            best, best_spec = f, spec
    return best, best_spec, failed


def _refit(cls, spec: dict, y: np.ndarray, horizon: int):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cls(**spec, horizon=horizon).fit(y)


def _baselines(y: np.ndarray, split: ev.TimeSplit, horizon: int, season: int,
               quick: bool) -> tuple[dict, dict, dict]:
    """Validation and test forecasts (N, H) of every baseline that fitted, and a record."""
    y_train, y_trval = y[split.train], y[:split.val.stop]
    val_o, test_o = _origins(split.val, horizon), _origins(split.test, horizon)
    on_val = {"persistence": Persistence(horizon)}
    on_test = dict(on_val)
    record: dict[str, Any] = {"specs": {}, "failed": {}}
    if 1 < season <= len(y_train):
        on_val["seasonal naive"] = on_test["seasonal naive"] = SeasonalNaive(horizon, season)
    for name, cls, cands in (
            ("SARIMAX", SarimaxForecaster, _sarimax_candidates(y_train, season, quick)),
            ("ETS", EtsForecaster, _ets_candidates(y_train, season, quick))):
        f, spec, failed = _fit_by_aic(cls, cands, y_train, horizon)
        if failed:
            record["failed"][name] = failed
        if f is None:
            continue
        try:
            on_test[name] = _refit(cls, spec, y_trval, horizon)
        except Exception as err:  # noqa: BLE001
            record["failed"].setdefault(name, []).append(
                f"refit on train + validation: {type(err).__name__}: {err}")
            continue
        on_val[name] = f
        record["specs"][name] = {k: (list(v) if isinstance(v, tuple) else v)
                                 for k, v in spec.items()}
    val, test = {}, {}
    for k in on_val:
        try:
            v = ev.walk_forward(y, on_val[k], val_o, horizon)[1]
            t = ev.walk_forward(y, on_test[k], test_o, horizon)[1]
        except Exception as err:  # noqa: BLE001 -- a baseline that fails is reported
            record["failed"].setdefault(k, []).append(
                f"forecasting: {type(err).__name__}: {str(err).splitlines()[0][:80]}")
            record["specs"].pop(k, None)
            continue
        val[k], test[k] = v, t
    return val, test, record


# -- LSTM ---------------------------------------------------------------------------------

def _stack(values: dict, scalings: dict, splits: dict, keys, window: int, horizon: int,
           stop_of) -> tuple[np.ndarray, np.ndarray]:
    parts = [supervised(values[k], scalings[k], window, horizon, *stop_of(splits[k]))
             for k in keys]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _train_variant(keys, values, scalings, splits, sizes, s: Settings, bar) -> tuple:
    """Seeds early-stopped on validation, and their refits on train + validation."""
    w, h = sizes.window, s.horizon
    train = _stack(values, scalings, splits, keys, w, h, lambda sp: (0, sp.train.stop))
    val = _stack(values, scalings, splits, keys, w, h, lambda sp: (sp.val.start, sp.val.stop))
    trval = _stack(values, scalings, splits, keys, w, h, lambda sp: (0, sp.val.stop))
    kw = dict(input_size=train[0].shape[-1], horizon=h, hidden_size=s.hidden_size, lr=s.lr,
              patience=s.patience, batch_size=s.batch_size)
    early, refits, runs = [], [], []
    for seed in range(s.seeds):
        model, hist = train_lstm(train, val, epochs=s.epochs, seed=seed, **kw)
        epochs = best_epoch(hist)
        refit, _ = train_lstm(trval, None, epochs=epochs, seed=seed, **kw)
        early.append(model)
        refits.append(refit)
        runs.append(dict(seed=seed, best_epoch=epochs, epochs_run=len(hist.val_metric),
                         best_val_loss=float(min(hist.val_metric)),
                         val_loss=[float(v) for v in hist.val_metric],
                         refit_epochs=epochs))
        bar.update(1)
    sub = {k: scalings[k] for k in keys}
    return (Ensemble({k: early for k in keys}, sub, w, h),
            Ensemble({k: refits for k in keys}, sub, w, h),
            dict(series=list(keys), train_windows=len(train[1]), val_windows=len(val[1]),
                 refit_windows=len(trval[1]), runs=runs))


def _walk(ens: Ensemble, values: np.ndarray, key: str, origins, horizon: int):
    seeds: list = []
    _, pred = ev.walk_forward(values[:, 0], ens.forecaster(values, key, seeds), origins,
                              horizon)
    return pred, np.stack(seeds, axis=1)  # (N, H), (S, N, H)


# -- scores -------------------------------------------------------------------------------

def _score(y_true, pred, scale) -> dict:
    return dict(MAE=mae(y_true, pred), RMSE=rmse(y_true, pred), MASE=mae(y_true, pred) / scale)


def _paired(y_true, a, b, horizon: int) -> dict:
    la = np.abs(y_true - a).mean(axis=1)  # one loss per origin: mean |error| over horizons
    lb = np.abs(y_true - b).mean(axis=1)
    out = {}
    for name, fn in (("dm", lambda: ev.diebold_mariano(la, lb, horizon, kernel="bartlett")),
                     ("bootstrap", lambda: ev.paired_bootstrap(la, lb, seed=0))):
        try:
            t = fn()
            out[name] = dict(difference=t.difference, statistic=t.statistic,
                             p_value=t.p_value, low=t.low, high=t.high)
        except ValueError as err:
            out[name] = dict(error=str(err))
    return out


def evaluate(table: Table, settings: Settings, *, progress: bool | None = None) -> Results:
    """Run the protocol on every series of ``table``; see the module's docstring."""
    s, h, m = settings, settings.horizon, table.season
    keys = list(table.frames)
    values = {k: table.frames[k][table.columns].to_numpy(dtype=float) for k in keys}
    n_min = min(len(v) for v in values.values())
    shortest = min(keys, key=lambda k: len(values[k]))
    sizes = choose_sizes(n_min, h, m, s, "" if len(keys) == 1 else f" in series {shortest!r}")
    splits = {k: ev.time_split(len(values[k]), sizes.n_val, sizes.n_test) for k in keys}
    scalings = {}
    for k in keys:
        try:
            scalings[k] = Scaling.fit(values[k][splits[k].train])
        except ValueError as err:
            where = "" if len(keys) == 1 else f" of series {k!r}"
            raise InputError(f"the training block{where} cannot be scaled: {err}") from err
    lag = m if m < sizes_train(sizes, n_min) else 1  # MASE's seasonal lag, if it fits
    scales = {}
    for k in keys:
        try:
            scales[k] = naive_scale(values[k][splits[k].train, 0], lag)
        except ValueError as err:
            raise InputError(f"MASE has no scale for series {k!r}: {err}") from err
    show = show_progress() if progress is None else progress
    notes: list[str] = []

    base_val, base_test, base_rec = {}, {}, {}
    for k in tqdm(keys, desc="baselines", disable=not show, leave=False):
        base_val[k], base_test[k], base_rec[k] = _baselines(values[k][:, 0], splits[k], h, m,
                                                            s.quick)
    variants = {"LSTM": keys} if len(keys) == 1 else {
        "LSTM global": keys, **{f"LSTM per series [{k}]": [k] for k in keys}}
    trained = {}
    with tqdm(total=s.seeds * len(variants), desc="LSTM seeds", disable=not show,
              leave=False) as bar:
        for name, ks in variants.items():
            trained[name] = _train_variant(ks, values, scalings, splits, sizes, s, bar)

    def variant_of(kind: str, k: str) -> str:
        return kind if kind in variants else f"LSTM per series [{k}]"

    kinds = ["LSTM"] if len(keys) == 1 else ["LSTM global", "LSTM per series"]
    val_pred, test_pred = {}, {}
    for kind in kinds:
        for k in keys:
            early, refit, _ = trained[variant_of(kind, k)]
            val_pred[kind, k] = _walk(early, values[k], k, _origins(splits[k].val, h), h)
            test_pred[kind, k] = _walk(refit, values[k], k, _origins(splits[k].test, h), h)
    # the LSTM that forecasts: the kind with the lower mean validation MASE over the series
    val_mase = {kind: float(np.mean([
        mae(_truth(values[k], splits[k].val, h), val_pred[kind, k][0]) / scales[k]
        for k in keys])) for kind in kinds}
    final = min(kinds, key=val_mase.get)
    lstm_val_mae: dict[str, dict] = {kind: {} for kind in kinds}
    for kind in kinds:
        for k in keys:
            yv = _truth(values[k], splits[k].val, h)
            ens, seeds = val_pred[kind, k]
            lstm_val_mae[kind][k] = dict(ensemble=mae(yv, ens),
                                         seeds=[mae(yv, p) for p in seeds])
    if len(kinds) > 1:
        notes.append("validation MASE: " + ", ".join(f"{k} {v:.3f}" for k, v in
                                                      val_mase.items()) + f"; {final} forecasts")

    scores, tests, intervals, test_fc, future, base_info = [], [], {}, {}, {}, {}
    for k in keys:
        yv, yt = _truth(values[k], splits[k].val, h), _truth(values[k], splits[k].test, h)
        val_mae = {name: mae(yv, p) for name, p in base_val[k].items()}
        best = min(val_mae, key=val_mae.get)
        base_info[k] = dict(base_rec[k], validation_MAE=val_mae, best_on_validation=best,
                            mase_lag=lag, mase_scale=scales[k])
        for name, p in base_test[k].items():
            scores.append(dict(series=k, model=name, **_score(yt, p, scales[k])))
        for kind in kinds:
            ens, seeds = test_pred[kind, k]
            per_seed = [_score(yt, p, scales[k]) for p in seeds]
            row = dict(series=k, model=f"{kind} (seeds)")
            for metric in ("MAE", "RMSE", "MASE"):
                mean, sd = ev.mean_and_spread([r[metric] for r in per_seed])
                row[metric], row[metric + "_sd"] = mean, sd
            scores.append(row)
            scores.append(dict(series=k, model=f"{kind} ensemble", **_score(yt, ens, scales[k])))
        ens = test_pred[final, k][0]
        tests.append(dict(series=k, model=f"{final} ensemble", baseline=best,
                          **_paired(yt, ens, base_test[k][best], h)))
        resid = yv - val_pred[final, k][0]
        lo, hi = ev.residual_interval(ens, resid, s.level)
        offsets = np.quantile(resid, [(1 - s.level) / 2, (1 + s.level) / 2], axis=0)
        intervals[k] = dict(level=s.level, lower_offset=offsets[0].tolist(),
                            upper_offset=offsets[1].tolist(),
                            coverage=float(ev.coverage(yt, lo, hi)),
                            coverage_by_horizon=ev.coverage(yt, lo, hi, axis=0).tolist(),
                            validation_origins=int(len(resid)))
        test_fc[k] = dict(origins=_origins(splits[k].test, h), truth=yt, lstm=ens,
                          lower=lo, upper=hi, baseline=base_test[k][best], baseline_name=best)
        refit = trained[variant_of(final, k)][1]
        future[k] = refit.predict(values[k][None, -sizes.window:], k)[:, 0].mean(0)
    refits = [trained[variant_of(final, k)][1] for k in keys]
    final_ens = Ensemble({k: e.models[k] for k, e in zip(keys, refits, strict=True)},
                         dict(scalings), sizes.window, h)
    lstm = {name: dict(t[2], validation_MASE=val_mase.get(name.split(" [")[0]),
                       validation_MAE=lstm_val_mae.get(name.split(" [")[0]))
            for name, t in trained.items()}
    return Results(sizes, splits, scalings, scores, tests, base_info, lstm, final, final_ens,
                   intervals, test_fc, future, notes)


def sizes_train(sizes: Sizes, n: int) -> int:
    """Length of the training block of a series of ``n`` points."""
    return n - sizes.n_val - sizes.n_test


def _truth(values: np.ndarray, block: slice, horizon: int) -> np.ndarray:
    return np.stack([values[t:t + horizon, 0] for t in _origins(block, horizon)])


def settings_record(s: Settings) -> dict:
    """The settings as JSON-ready values."""
    return asdict(s)
