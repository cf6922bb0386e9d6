"""The report folder of ``python -m lstmbook.forecast``, and reading it back.

::

    OUT/
      report.md          the tables below, the choices made, the notes
      scores.csv         MAE / RMSE / MASE per series and model on the test block
      paired_tests.csv   the forecasting LSTM against the best baseline (chosen on validation)
      forecast.png       the future forecast with its interval, and the test block (one per
                         series with several: forecast_<series>.png), 150 dpi
      forecast.csv       the future values in the original units, with the interval
      model.npz          the refitted seeds' weights (lstmbook.io: no pickle)
      record.json        every choice: columns, frequency, fills, split sizes, scaling
                         statistics, window, horizon, hyper-parameters, seeds, epochs,
                         library versions; with model.npz it rebuilds the forecaster

:func:`load` rebuilds the forecaster from ``model.npz`` and ``record.json`` alone, and its
:meth:`SavedForecaster.forecast` reproduces ``forecast.csv``.
"""

from __future__ import annotations

import json
import platform
import re
import textwrap
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lstmbook.forecast.model import Ensemble, Scaling
from lstmbook.forecast.pipeline import Results, Settings
from lstmbook.forecast.table import InputError, Table, when

__all__ = ["Report", "write_report", "SavedForecaster", "load", "future_times"]


@dataclass
class Report:
    """What :func:`lstmbook.forecast.run` returns: the folder and its main tables."""

    out: Path
    scores: pd.DataFrame
    tests: pd.DataFrame
    forecast: pd.DataFrame
    record: dict

    def markdown(self) -> str:
        """The report's tables as Markdown (what ``report.md`` holds)."""
        return (self.out / "report.md").read_text(encoding="utf-8")

    def _repr_markdown_(self) -> str:
        return self.markdown()


def _versions() -> dict[str, str]:
    import statsmodels
    import torch

    import lstmbook

    return dict(python=platform.python_version(), lstmbook=lstmbook.__version__,
                numpy=np.__version__, pandas=pd.__version__, torch=torch.__version__,
                statsmodels=statsmodels.__version__)


def future_times(last: Any, freq: str, horizon: int) -> list:
    """The ``horizon`` timestamps after ``last`` on the series' grid."""
    if freq.startswith("step="):
        step = int(freq.split("=")[1])
        return [int(last) + step * k for k in range(1, horizon + 1)]
    return list(pd.date_range(pd.Timestamp(last), periods=horizon + 1, freq=freq)[1:])


def _forecast_frame(keys: list[str], several: bool, times: dict, preds: dict,
                    offsets: dict) -> pd.DataFrame:
    rows = []
    for k in keys:
        lo, hi = (np.asarray(offsets[k][side]) for side in ("lower_offset", "upper_offset"))
        for h, (t, p) in enumerate(zip(times[k], preds[k], strict=True)):
            row = {"series": k} if several else {}
            row.update(time=when(t), horizon=h + 1, forecast=float(p),
                       lower=float(p + lo[h]), upper=float(p + hi[h]))
            rows.append(row)
    return pd.DataFrame(rows)


def _fmt(row: pd.Series, metric: str) -> str:
    sd = row.get(metric + "_sd")
    return f"{row[metric]:.3f}" if sd is None or pd.isna(sd) else \
        f"{row[metric]:.3f} ± {sd:.3f}"


def scores_markdown(scores: pd.DataFrame, several: bool) -> str:
    """The MAE / RMSE / MASE table, seeds' rows as mean ± sd."""
    head = ("| series " if several else "") + "| model | MAE | RMSE | MASE |"
    lines = [head, "|---" * (4 + several) + "|"]
    for _, r in scores.iterrows():
        first = f"| {r['series']} " if several else ""
        lines.append(first + f"| {r['model']} | " + " | ".join(
            _fmt(r, m) for m in ("MAE", "RMSE", "MASE")) + " |")
    return "\n".join(lines)


def tests_markdown(tests: pd.DataFrame, several: bool) -> str:
    """The paired tests: mean |error| difference (negative: the LSTM is better)."""
    head = ("| series " if several else "") + \
        "| model | against | difference of MAE | 95% interval | DM p | bootstrap p |"
    lines = [head, "|---" * (6 + several) + "|"]
    for _, r in tests.iterrows():
        first = f"| {r['series']} " if several else ""
        if pd.isna(r.get("dm_p_value")):
            lines.append(first + f"| {r['model']} | {r['baseline']} | "
                         f"{r['difference']:+.3f} | — | — | {r['bootstrap_p_value']:.3f} |")
            continue
        lines.append(first + f"| {r['model']} | {r['baseline']} | {r['difference']:+.3f} | "
                     f"[{r['dm_low']:+.3f}, {r['dm_high']:+.3f}] | {r['dm_p_value']:.3f} | "
                     f"{r['bootstrap_p_value']:.3f} |")
    return "\n".join(lines)


def _tests_frame(tests: list[dict]) -> pd.DataFrame:
    rows = []
    for t in tests:
        row = {k: t[k] for k in ("series", "model", "baseline")}
        dm, bs = t["dm"], t["bootstrap"]
        row["difference"] = bs.get("difference", dm.get("difference"))
        for name, res in (("dm", dm), ("bootstrap", bs)):
            for key in ("statistic", "p_value", "low", "high"):
                row[f"{name}_{key}"] = res.get(key, np.nan)
        rows.append(row)
    return pd.DataFrame(rows)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:60] or "series"


def _plot(path: Path, table: Table, res: Results, key: str, future_t: list,
          offsets: dict) -> None:
    import matplotlib.pyplot as plt

    from lstmbook.plots.forecasts import plot_forecasts

    frame, fc = table.frames[key], res.test_forecasts[key]
    sp = res.splits[key]
    fig, (a, b) = plt.subplots(2, 1, figsize=(7.2, 6.0), layout="constrained")
    start = max(0, sp.test.start - 3 * (sp.test.stop - sp.test.start))
    y = frame[table.target]
    a.plot(y.index[start:], y.to_numpy()[start:], color="black", lw=1.2, label="observed")
    a.axvspan(y.index[sp.test.start], y.index[-1], color="tab:red", alpha=0.1,
              label="test block")
    p = res.future[key]
    lo, hi = p + np.asarray(offsets["lower_offset"]), p + np.asarray(offsets["upper_offset"])
    a.fill_between(future_t, lo, hi, color="tab:blue", alpha=0.2,
                   label=f"{offsets['level']:.0%} interval")
    a.plot(future_t, p, color="tab:blue", marker="o", ms=3, label=f"{res.final} forecast")
    a.set(title="the future forecast", xlabel=table.time, ylabel=table.target)
    a.legend(fontsize="small", loc="upper left")
    idx = y.index[fc["origins"]]
    level, by_h = offsets["level"], offsets["coverage_by_horizon"]
    plot_forecasts(idx, fc["truth"][:, 0],
                   {f"{res.final} ensemble": fc["lstm"][:, 0],
                    f"{fc['baseline_name']} (best on validation)": fc["baseline"][:, 0]},
                   interval=(fc["lower"][:, 0], fc["upper"][:, 0]),
                   interval_label=f"{level:.0%} interval at h = 1 (covered {by_h[0]:.0%})",
                   title="", ylabel=table.target, ax=b)
    _last_origin(b, y, fc, sp.test.stop)
    b.set_title("test block, rolling origin: one-step-ahead forecasts at every origin,\n"
                f"then the last origin's h = 1..{len(by_h)}; {level:.0%} intervals covered "
                f"{_coverages(by_h)}", fontsize="medium")
    b.set_xlabel(table.time)
    if len(table.frames) > 1:
        fig.suptitle(f"series {key}")
    fig.savefig(path, dpi=150)
    plt.close(fig)


def _coverages(by_h: list[float]) -> str:
    """Coverage per horizon in a few words: every value up to H = 6, else the range."""
    if len(by_h) <= 6:
        return ", ".join(f"{c:.0%}" for c in by_h) + f" at h = 1..{len(by_h)}"
    return f"{min(by_h):.0%} to {max(by_h):.0%} over h = 1..{len(by_h)}"


def _last_origin(ax, y: pd.Series, fc: dict, stop: int) -> None:
    """Continue the test panel to the block's end: the truth, and the last origin's
    forecasts at every horizon (dashed) with their interval."""
    t0 = int(fc["origins"][-1])
    h = fc["truth"].shape[1]
    when_ = y.index[t0:t0 + h]
    ax.plot(y.index[t0:stop], y.to_numpy()[t0:stop], color="black", lw=1.6)
    ax.fill_between(when_, fc["lower"][-1], fc["upper"][-1], color="tab:blue", alpha=0.1)
    lines = ax.get_lines()
    for line, key in zip(lines[1:3], ("lstm", "baseline"), strict=True):
        ax.plot(when_, fc[key][-1], color=line.get_color(), ls="--", lw=1.1, marker=".",
                label=f"last origin, h = 1..{h}" if key == "lstm" else None)
    ax.legend(fontsize="small", loc="best")


def _clear_plots(out: Path) -> None:
    """Remove the plots an earlier run listed in ``record.json`` (a reused folder keeps
    no stale series), and nothing else."""
    path = out / "record.json"
    try:
        old = json.loads(path.read_text(encoding="utf-8")).get("plots", {})
    except (OSError, ValueError, AttributeError):
        return
    for name in old.values() if isinstance(old, dict) else ():
        target = out / str(name)
        if re.fullmatch(r"forecast(_[A-Za-z0-9_.-]+)?\.png", str(name)) and target.is_file():
            target.unlink()


def write_report(out: Path, table: Table, settings: Settings, res: Results, *,
                 command: str, fill: str, duplicates: str, seconds: float) -> Report:
    """Write the report folder (see the module's docstring) and return its :class:`Report`."""
    from lstmbook.io import save_weights, state_arrays

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    keys, several = list(table.frames), len(table.frames) > 1
    scores = pd.DataFrame(res.scores)
    if not several:
        scores = scores.drop(columns="series")
    tests = _tests_frame(res.tests)
    if not several:
        tests = tests.drop(columns="series")
    times = {k: future_times(table.frames[k].index[-1], table.freq, settings.horizon)
             for k in keys}
    forecast = _forecast_frame(keys, several, times, res.future, res.intervals)
    _clear_plots(out)
    scores.to_csv(out / "scores.csv", index=False)
    tests.to_csv(out / "paired_tests.csv", index=False)
    forecast.to_csv(out / "forecast.csv", index=False)
    plots = {}
    for k in keys:
        name = "forecast.png" if not several else f"forecast_{_safe(k)}.png"
        _plot(out / name, table, res, k, times[k], res.intervals[k])
        plots[k] = name
    arrays, layout = {}, "global" if res.ensemble.is_global else "per series"
    groups = [(keys[0], "")] if layout == "global" else [(k, f"s{j}.") for j, k in
                                                         enumerate(keys)]
    for k, prefix in groups:
        for i, m in enumerate(res.ensemble.models[k]):
            arrays.update(state_arrays(m, prefix=f"{prefix}seed{i}."))
    save_weights(out / "model.npz", arrays)
    record = _record(table, settings, res, command=command, fill=fill, duplicates=duplicates,
                     seconds=seconds, layout=layout, plots=plots)
    (out / "record.json").write_text(json.dumps(record, indent=1, ensure_ascii=False),
                                     encoding="utf-8")
    (out / "report.md").write_text(_markdown(table, res, scores, tests, record, several),
                                   encoding="utf-8")
    return Report(out, scores, tests, forecast, record)


def _block(index: pd.Index, block: slice) -> dict:
    return dict(size=block.stop - block.start, first=when(index[block.start]),
                last=when(index[block.stop - 1]))


def _record(table: Table, s: Settings, res: Results, **extra: Any) -> dict:
    keys = list(table.frames)
    w = res.sizes.window
    return dict(
        command=extra["command"], seconds=round(extra["seconds"], 1), versions=_versions(),
        data=dict(source=table.notes["source"], rows_read=table.notes["rows"], time=table.time,
                  target=table.target, features=list(table.features), series=table.series,
                  series_order=keys, frequency=table.freq, season=table.season,
                  season_source=table.notes["season_source"], fill=extra["fill"],
                  duplicates=extra["duplicates"], per_series=table.notes["series"]),
        split={k: dict(train=_block(table.frames[k].index, sp.train),
                       validation=_block(table.frames[k].index, sp.val),
                       test=_block(table.frames[k].index, sp.test))
               for k, sp in res.splits.items()},
        split_rule=res.sizes.rule, window=w, horizon=s.horizon, settings=asdict(s),
        scaling={k: asdict(v) for k, v in res.scalings.items()},
        baselines=res.baselines,
        lstm=dict(variants=res.lstm, final=res.final, layout=extra["layout"],
                  model_file="model.npz", cell="lstm", input_size=1 + len(table.features),
                  hidden_size=s.hidden_size, outputs=s.horizon, strategy="direct",
                  refit="each seed retrained on train + validation for its best epoch "
                        "count; these weights are in model.npz and make forecast.csv"),
        intervals=res.intervals, scores=res.scores, paired_tests=res.tests, notes=res.notes,
        plots=extra["plots"],
        last_window={k: table.frames[k][table.columns].to_numpy()[-w:].tolist() for k in keys},
        last_time={k: when(table.frames[k].index[-1]) for k in keys},
    )


def _markdown(table: Table, res: Results, scores, tests, record: dict, several: bool) -> str:
    s = record["split"][next(iter(record["split"]))]
    cover = ", ".join(f"{k} {v['coverage']:.0%}" if several else f"{v['coverage']:.0%}"
                      for k, v in res.intervals.items())
    level = next(iter(res.intervals.values()))["level"]
    by_h = "; ".join((f"{k} " if several else "") + _coverages(v["coverage_by_horizon"])
                     for k, v in res.intervals.items())
    wrap = lambda text: textwrap.fill(text, 78)  # noqa: E731
    parts = [
        f"# Forecast of {table.target} ({record['data']['source']})", "",
        wrap(f"Frequency {table.freq}, season {table.season}; window {res.sizes.window}, "
             f"horizon {record['horizon']}; split train {s['train']['size']} / validation "
             f"{s['validation']['size']} / test {s['test']['size']} steps."), "",
        "## Test block (rolling origin, every origin, all horizons)", "",
        scores_markdown(scores, several), "",
        "## Paired tests against the best baseline on validation", "",
        tests_markdown(tests, several), "",
        wrap(f"Prediction intervals ({level:.0%}, from validation residuals per horizon) "
             f"covered {cover} of the test values; by horizon, {by_h}."),
    ]
    if res.notes:
        parts += ["", wrap("Notes: " + "; ".join(res.notes))]
    return "\n".join(parts) + "\n"


# -- reading it back ----------------------------------------------------------------------

@dataclass
class SavedForecaster:
    """The forecaster of a report folder, rebuilt from ``model.npz`` and ``record.json``."""

    ensemble: Ensemble
    record: dict

    def forecast(self, data: Any = None) -> pd.DataFrame:
        """Future values in the original units with the interval, like ``forecast.csv``.

        Parameters
        ----------
        data : CSV path or DataFrame, optional
            Newer data with the same columns, read with the same options; the last
            ``window`` rows of each series are forecast from. Default: the data the model
            was trained on (reproduces ``forecast.csv``).
        """
        rec, d = self.record, self.record["data"]
        keys = d["series_order"]
        if data is None:
            windows = {k: np.asarray(rec["last_window"][k], dtype=float) for k in keys}
            last = {k: rec["last_time"][k] for k in keys}
            if not d["frequency"].startswith("step="):
                last = {k: pd.Timestamp(t) for k, t in last.items()}
        else:
            from lstmbook.forecast.table import read_table

            table = read_table(data, time=d["time"], target=d["target"],
                               features=d["features"], series=d["series"], fill=d["fill"],
                               duplicates=d["duplicates"], season=d["season"])
            unknown = sorted(set(table.frames) - set(keys))
            if unknown:
                raise InputError(f"series {unknown} were not in the training data")
            keys = list(table.frames)
            windows = {k: table.frames[k][table.columns].to_numpy()[-rec["window"]:]
                       for k in keys}
            last = {k: table.frames[k].index[-1] for k in keys}
        preds = {k: self.ensemble.predict(windows[k][None], k)[:, 0].mean(0) for k in keys}
        times = {k: future_times(last[k], d["frequency"], rec["horizon"]) for k in keys}
        several = len(d["series_order"]) > 1
        return _forecast_frame(keys, several, times, preds, rec["intervals"])


def load(folder: Any) -> SavedForecaster:
    """Rebuild the forecaster of a report folder written by :func:`lstmbook.forecast.run`."""
    from lstmbook.io import load_into, load_weights
    from lstmbook.torch.models import RecurrentNet

    folder = Path(folder)
    path = folder / "record.json"
    if not path.is_file():
        raise FileNotFoundError(f"no record.json in {folder}: not a forecast report folder")
    rec = json.loads(path.read_text(encoding="utf-8"))
    arrays = load_weights(folder / rec["lstm"]["model_file"])
    lstm, keys = rec["lstm"], rec["data"]["series_order"]
    n_seeds = rec["settings"]["seeds"]

    def seeds(prefix: str) -> list:
        return [load_into(RecurrentNet("lstm", lstm["input_size"], lstm["hidden_size"],
                                       lstm["outputs"]), arrays, prefix=f"{prefix}seed{i}.")
                for i in range(n_seeds)]

    if lstm["layout"] == "global":
        shared = seeds("")
        models = {k: shared for k in keys}
    else:
        models = {k: seeds(f"s{j}.") for j, k in enumerate(keys)}
    scalings = {k: Scaling(**v) for k, v in rec["scaling"].items()}
    return SavedForecaster(Ensemble(models, scalings, rec["window"], rec["horizon"]), rec)
