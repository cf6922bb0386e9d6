"""From a CSV file to a forecast you can trust: ``python -m lstmbook.forecast`` and :func:`run`.

Book page ``applications/your_data``. ::

    python -m lstmbook.forecast sales.csv --time date --target sales \\
        --features price promo --horizon 4 --out report/

    report = lstmbook.forecast.run("sales.csv", time="date", target="sales",
                                   features=["price", "promo"], horizon=4, out="report")
    lstmbook.forecast.load("report").forecast()     # forecast.csv again, from the files

The steps, each in its own module: :mod:`~lstmbook.forecast.table` reads and checks the
file (dates, frequency, duplicates, gaps); :mod:`~lstmbook.forecast.pipeline` splits in
time, fits the baselines and the LSTM (:mod:`~lstmbook.forecast.model`) and scores them
by rolling origin; :mod:`~lstmbook.forecast.report` writes the folder and reads it back.
"""

from __future__ import annotations

import time as _time
from pathlib import Path
from typing import Any

from lstmbook.forecast.table import InputError, read_table

__all__ = ["run", "load", "InputError", "read_table"]


def run(source: Any, *, time: str, target: str, horizon: int, features=(),
        series: str | None = None, out: Any = "forecast_report", fill: str = "refuse",
        duplicates: str = "refuse", season: int | None = None, window: int | None = None,
        val: int | None = None, test: int | None = None, seeds: int = 3,
        quick: bool = False, level: float = 0.9, progress: bool | None = None,
        command: str | None = None, echo=None, **hparams: Any):
    """Read ``source``, evaluate the baselines and the LSTM, write the report folder ``out``.

    Parameters
    ----------
    source : CSV path or DataFrame
    time, target, features, series, fill, duplicates, season
        See :func:`lstmbook.forecast.table.read_table`.
    horizon : int
        Steps to forecast (H); the LSTM outputs all H at once (direct strategy).
    window, val, test : int, optional
        Input window and validation / test block sizes (default: from the data).
    seeds : int
        LSTM runs with seeds 0 .. seeds-1 (at least 2; 3 by default).
    quick : bool
        A smaller, shorter LSTM and one SARIMAX order (:data:`pipeline.QUICK`).
    level : float
        Nominal coverage of the prediction intervals.
    echo : callable, optional
        Called with each line of the summary (the command prints them).
    **hparams
        ``hidden_size``, ``lr``, ``epochs``, ``patience``, ``batch_size`` of the LSTM.

    Returns
    -------
    lstmbook.forecast.report.Report

    Raises
    ------
    InputError
        Data or options that cannot be forecast as given (one-line message).
    """
    from lstmbook.forecast.pipeline import Settings, evaluate
    from lstmbook.forecast.report import write_report

    start = _time.perf_counter()
    say = echo or (lambda line: None)
    table = read_table(source, time=time, target=target, features=features, series=series,
                       fill=fill, duplicates=duplicates, season=season)
    for line in _describe(table):
        say(line)
    settings = Settings(horizon=horizon, window=window, n_val=val, n_test=test, seeds=seeds,
                        quick=quick, level=level, **hparams)
    results = evaluate(table, settings, progress=progress)
    sz = results.sizes
    say(f"split: train {len(table.frames[next(iter(table.frames))]) - sz.n_val - sz.n_test}"
        f" / validation {sz.n_val} / test {sz.n_test} steps; window {sz.window}, "
        f"horizon {horizon}")
    if command is None:
        command = f"lstmbook.forecast.run({source!r}, ...)" if not hasattr(source, "columns") \
            else "lstmbook.forecast.run(<DataFrame>, ...)"
    report = write_report(Path(out), table, settings, results, command=command, fill=fill,
                          duplicates=duplicates, seconds=_time.perf_counter() - start)
    return report


def _describe(table) -> list[str]:
    n = table.notes
    given = " (given)" if n["season_source"] == "given" else ""
    lines = [f"read {n['rows']} rows of {n['source']}: {len(table.frames)} series, "
             f"frequency {table.freq}, season {table.season}{given}"]
    for k, s in n["series"].items():
        what = [f"{s['rows']} steps {s['start']} .. {s['end']}"]
        if s["duplicates"]:
            what.append(f"{s['duplicates']} duplicate rows averaged")
        if s["missing_steps"]:
            what.append(f"{s['missing_steps']} missing steps")
        if s["filled"]:
            what.append("filled " + ", ".join(f"{c}: {v}" for c, v in s["filled"].items()))
        lines.append(("  " if len(table.frames) == 1 else f"  {k}: ") + "; ".join(what))
    return lines


def load(folder: Any):
    """Rebuild the forecaster of a report folder; ``.forecast()`` reproduces forecast.csv.

    See :func:`lstmbook.forecast.report.load`.
    """
    from lstmbook.forecast.report import load as _load

    return _load(folder)
