"""Reading a user's CSV for forecasting: columns, dates, frequency, duplicates and gaps.

:func:`read_table` turns a CSV file (or a DataFrame) into one regular series per
``--series`` value -- a time index with one step between rows, the target and the
feature columns as floats, no missing value -- and a record of everything it found and
did. What it cannot repair without a decision of the user (a duplicate timestamp, a gap,
an irregular step) it refuses with an :class:`InputError` whose message is one line and
names the option that would accept it.
"""

from __future__ import annotations

import os
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["InputError", "Table", "read_table", "season_of", "FILLS", "DUPLICATES"]

#: Default share of the points in each of the validation and test blocks.
SPLIT_FRACTION = 0.15

#: What ``fill=`` may say about missing steps and values.
FILLS = ("refuse", "interpolate", "ffill")
#: What ``duplicates=`` may say about two rows with the same timestamp.
DUPLICATES = ("refuse", "mean")


class InputError(ValueError):
    """The data cannot be forecast as given; the message is one line for the user."""


@dataclass
class Table:
    """Regular, complete series ready to window, and what reading them found.

    Attributes
    ----------
    frames : dict name -> DataFrame
        One per series (the single series is named ``"all"``), indexed by time, columns
        ``[target, *features]`` as float, one row per step, no NaN.
    freq : str
        The pandas frequency (``"QE-DEC"``, ``"MS"``, ``"D"``) or ``"step=k"`` for an
        integer time column.
    season : int
        Season length used by the seasonal naive forecast and MASE (1: none).
    notes : dict
        Rows read, duplicates, missing steps and values per series, fills made.
    """

    frames: dict[str, pd.DataFrame]
    time: str
    target: str
    features: tuple[str, ...]
    series: str | None
    freq: str
    season: int
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        """``[target, *features]``: the columns of every frame, in the model's input order."""
        return [self.target, *self.features]


def season_of(freq: str) -> int:
    """Season length of a pandas frequency: M 12, Q 4, W 52, D 7, B 5, H 24; else 1."""
    if freq.startswith("step="):
        return 1
    code = freq.split("-")[0]
    if code[:1].isdigit():  # "2h", "15min": a multiple has no calendar season we know
        return 1
    table = [(("Q", "BQ"), 4), (("M", "BM", "SM"), 12), (("W",), 52), (("D",), 7),
             (("B",), 5), (("h", "H", "bh", "BH"), 24)]
    base = code.rstrip("SE") or code  # "MS", "ME", "QS", "QE" -> "M", "Q"
    for codes, m in table:
        if base in codes:
            return m
    return 1


def read_table(source: Any, *, time: str, target: str, features=(), series: str | None = None,
               fill: str = "refuse", duplicates: str = "refuse",
               season: int | None = None) -> Table:
    """Read and check a table for forecasting ``target``.

    Parameters
    ----------
    source : path of a CSV file, or a DataFrame
    time, target : str
        Column names: the timestamps (dates, or integer steps) and the series to forecast.
    features : sequence of str
        Extra input columns (their past values only are used).
    series : str, optional
        A column naming several series stacked in one file.
    fill : {"refuse", "interpolate", "ffill"}
        Missing steps (timestamps absent from the regular grid) and missing values:
        refuse them, interpolate linearly in time (uses the value after the gap), or
        carry the last value forward (uses the past only).
    duplicates : {"refuse", "mean"}
        Rows sharing a timestamp: refuse them, or average them.
    season : int, optional
        Override the season length detected from the frequency.

    Raises
    ------
    InputError
        With one line saying what is wrong and, where there is one, which option helps.
    """
    if fill not in FILLS:
        raise InputError(f"fill must be one of {', '.join(FILLS)}, got {fill!r}")
    if duplicates not in DUPLICATES:
        raise InputError(f"duplicates must be one of {', '.join(DUPLICATES)}, got {duplicates!r}")
    features = tuple(features)
    df, name, where = _read(source)
    _check_columns(df, name, [time, target, *features] + ([series] if series else []))
    if target in features or time in (target, *features):
        raise InputError("the time, target and feature columns must be different columns")
    stamps, is_int = _parse_time(df[time], time, where)
    values = pd.DataFrame({c: _numeric(df[c], c, "target" if c == target else "feature",
                                       where) for c in (target, *features)})
    values.index = stamps
    if fill == "refuse":
        _refuse_missing_values(values, source, where)
    groups = ({"all": values} if series is None else
              {str(k): g for k, g in values.groupby(df[series].astype(str).to_numpy(),
                                                     sort=True)})
    freq = _infer_freq([g.index for g in groups.values()], time, is_int)
    notes: dict[str, Any] = {"source": name, "rows": int(len(df)), "series": {}}
    frames = {}
    for key, g in groups.items():
        label = "" if series is None else f" of series {key!r}"
        g, dup = _dedupe(g.sort_index(), duplicates, label)
        g, gaps = _regularise(g, freq, is_int, label, fill)
        g, filled = _fill(g, fill, label)
        _check_constant(g[target], target, label)
        frames[key] = g
        notes["series"][key] = dict(rows=int(len(g)), start=when(g.index[0]),
                                    end=when(g.index[-1]), duplicates=dup,
                                    missing_steps=gaps, filled=filled)
    m = season_of(freq) if season is None else int(season)
    notes["season_source"] = "detected from the frequency" if season is None else "given"
    return Table(frames, time, target, features, series, freq, m, notes)


def when(t: Any) -> str:
    """A timestamp as the user wrote it: ``2015-06-01``, not ``2015-06-01 00:00:00``."""
    if isinstance(t, pd.Timestamp) and t == t.normalize():
        return t.strftime("%Y-%m-%d")
    return str(t)


def _read(source: Any) -> tuple[pd.DataFrame, str, Any]:
    """The table, its name for messages, and ``where(i)``: where data row ``i`` is, in
    the user's terms (a line of the file, or an index label of the DataFrame)."""
    if isinstance(source, pd.DataFrame):
        labels = source.index
        return (source.reset_index(drop=True).copy(), "the DataFrame",
                lambda i: f"index {labels[i]!r} of the DataFrame")
    path = os.fspath(source)
    if not os.path.isfile(path):
        raise InputError(f"no such file: {path}")
    try:
        df = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read {path} as CSV: {str(err).splitlines()[0]}") from err
    if df.empty:
        raise InputError(f"{path} has no data rows")
    name = os.path.basename(path)
    lines = _record_lines(path, len(df))
    if lines is None:  # a layout the line count cannot follow: count data rows instead
        return df, name, lambda i: f"data row {i + 1} of {name} (the header not counted)"
    return df, name, lambda i: f"line {lines[i]} of {name} (line 1 is the header)"


def _record_lines(path: str, n_rows: int) -> list[int] | None:
    """The line of the file (1-based) on which each of the ``n_rows`` data records
    starts -- blank lines skipped and quoted line breaks followed, as ``pd.read_csv``
    does -- or None where the count disagrees with pandas' rows."""
    import csv

    starts: list[int] = []
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            before = 0
            for record in reader:
                if record:
                    starts.append(before + 1)
                before = reader.line_num
    except (csv.Error, UnicodeDecodeError):
        return None
    return starts[1:] if len(starts) == n_rows + 1 else None


def _check_columns(df: pd.DataFrame, name: str, wanted: list[str]) -> None:
    missing = [c for c in wanted if c not in df.columns]
    if missing:
        have = ", ".join(map(str, df.columns))
        raise InputError(f"column {missing[0]!r} is not in {name}; its columns are: {have}")


def _parse_time(col: pd.Series, name: str, where) -> tuple[pd.Index, bool]:
    """Timestamps as a DatetimeIndex, or integer steps (``is_int``) for an integer column."""
    if col.isna().any():
        row = int(np.flatnonzero(col.isna().to_numpy())[0])
        raise InputError(f"time column {name!r} is empty at {where(row)}")
    if pd.api.types.is_integer_dtype(col):
        return pd.Index(col.to_numpy(dtype=np.int64)), True
    if pd.api.types.is_float_dtype(col):
        raise InputError(f"time column {name!r} holds numbers with decimals; give dates "
                         "(2020-01-31) or whole step numbers")
    parsed = pd.to_datetime(col.astype(str), errors="coerce", format="mixed")
    bad = parsed.isna().to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InputError(f"cannot read {int(bad.sum())} value(s) of time column {name!r} as "
                         f"dates, first {col.iloc[row]!r} at {where(row)}")
    if parsed.dt.tz is not None:
        parsed = parsed.dt.tz_convert(None)
    return pd.DatetimeIndex(parsed), False


def _numeric(col: pd.Series, name: str, role: str, where) -> np.ndarray:
    values = pd.to_numeric(col, errors="coerce")
    bad = values.isna().to_numpy() & col.notna().to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InputError(f"{role} column {name!r} is not numeric: {col.iloc[row]!r} at "
                         f"{where(row)}")
    return values.to_numpy(dtype=float)


def _refuse_missing_values(values: pd.DataFrame, source: Any, where) -> None:
    """Refuse empty or ``n/a`` cells, naming the first as it was written and where."""
    missing = values.isna().to_numpy()
    if not missing.any():
        return
    row = int(np.flatnonzero(missing.any(axis=1))[0])
    col = values.columns[int(np.flatnonzero(missing[row])[0])]
    counts = dict(zip(values.columns, missing.sum(axis=0).tolist(), strict=True))
    others = sum(counts.values()) - counts[col]
    more = f" and {others} in other columns" if others else ""
    raise InputError(
        f"{counts[col]} missing value(s) in column {col!r}{more}, first "
        f"{_as_written(source, col, row)}, for {when(values.index[row])}, at {where(row)}; "
        "pass --fill interpolate or --fill ffill")


def _as_written(source: Any, col: str, row: int) -> str:
    """A missing cell as the user wrote it: ``'n/a'``, ``'NaN'``, or an empty cell."""
    if isinstance(source, pd.DataFrame):
        value = source[col].iloc[row]
        return "None" if value is None else "NaN" if isinstance(value, float) else str(value)
    try:
        text = pd.read_csv(source, usecols=[col], dtype=str, keep_default_na=False)[col]
        raw = text.iloc[row].strip()
    except (ValueError, IndexError, pd.errors.ParserError):
        return "a missing value"
    return repr(raw) if raw else "an empty cell"


def _infer_freq(indexes: list[pd.Index], time: str, is_int: bool) -> str:
    """The step most windows of 5 consecutive timestamps agree on (gaps and a few
    irregular rows do not hide it)."""
    votes: Counter = Counter()
    for idx in indexes:
        idx = idx.unique().sort_values()
        if is_int:
            votes.update(np.diff(idx.to_numpy()).tolist())
            continue
        starts = np.arange(0, max(len(idx) - 4, 0))
        if starts.size > 400:
            starts = starts[np.linspace(0, starts.size - 1, 400).astype(int)]
        with warnings.catch_warnings():  # pandas 3 warns that a later one returns offsets
            warnings.simplefilter("ignore")
            found = [pd.infer_freq(idx[s:s + 5]) for s in starts]
        votes.update(getattr(f, "freqstr", f) for f in found if f is not None)
    if not votes:
        raise InputError(f"cannot infer a frequency from time column {time!r}: no 5 "
                         "consecutive timestamps are evenly spaced")
    best = votes.most_common(1)[0][0]
    if is_int:
        if best <= 0:
            raise InputError(f"time column {time!r}: steps must increase")
        return f"step={best}"
    return best


def _grid(index: pd.Index, freq: str, is_int: bool) -> pd.Index:
    if is_int:
        step = int(freq.split("=")[1])
        return pd.Index(np.arange(index[0], index[-1] + 1, step))
    return pd.date_range(index[0], index[-1], freq=freq)


def _dedupe(g: pd.DataFrame, how: str, label: str) -> tuple[pd.DataFrame, int]:
    dup = g.index.duplicated()
    if not dup.any():
        return g, 0
    if how == "refuse":
        first = when(g.index[dup][0])
        raise InputError(f"{int(dup.sum())} duplicate timestamp(s){label}, first {first}; "
                         "pass --duplicates mean to average rows that share a timestamp")
    return g.groupby(level=0).mean(), int(dup.sum())


def _regularise(g: pd.DataFrame, freq: str, is_int: bool, label: str, fill: str):
    grid = _grid(g.index, freq, is_int)
    off = ~g.index.isin(grid)
    if off.any():
        shown = ", ".join(when(t) for t in g.index[off][:3])
        raise InputError(f"irregular time steps{label}: {shown} are off the {freq} grid "
                         f"that starts at {when(g.index[0])}")
    absent = grid[~grid.isin(g.index)]
    if len(absent) and fill == "refuse":
        first = absent[0]
        before = g.index[g.index < first][-1]
        raise InputError(
            f"{len(absent)} missing time step(s){label}: no row for {when(first)}, one "
            f"step ({freq}) after {when(before)}; pass --fill interpolate or --fill ffill")
    return g.reindex(grid), int(len(absent))


def _fill(g: pd.DataFrame, how: str, label: str) -> tuple[pd.DataFrame, dict[str, int]]:
    missing = {c: int(n) for c, n in g.isna().sum().items() if n}
    if not missing:
        return g, {}
    if how == "refuse":
        col, n = next(iter(missing.items()))
        first = when(g.index[g[col].isna().to_numpy()][0])
        raise InputError(f"{n} missing value(s) in column {col!r}{label}, first at "
                         f"{first}; pass --fill interpolate or --fill ffill")
    filled = (g.interpolate("linear", limit_direction="both") if how == "interpolate"
              else g.ffill().bfill())
    if filled.isna().any().any():
        col = filled.columns[filled.isna().any()][0]
        raise InputError(f"column {col!r}{label} has no value to fill from")
    return filled, missing


def _check_constant(y: pd.Series, name: str, label: str) -> None:
    if np.ptp(y.to_numpy()) == 0:
        raise InputError(f"target column {name!r}{label} is constant ({y.iloc[0]:g}): "
                         "there is nothing to forecast")
