"""The command line of :func:`lstmbook.forecast.run`: arguments, the printed summary, and
one line on stderr with exit status 2 for input it cannot forecast (never a traceback)."""

from __future__ import annotations

import argparse
import shlex
import sys

from lstmbook.forecast.table import DUPLICATES, FILLS, SPLIT_FRACTION, InputError

__all__ = ["parser", "main"]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m lstmbook.forecast",
        description="Forecast a column of a CSV file: baselines and an LSTM, split in time, "
                    "scored by rolling origin; writes a report folder.")
    p.add_argument("file", help="CSV file with a header row")
    p.add_argument("--time", required=True, help="column of dates (or whole step numbers)")
    p.add_argument("--target", required=True, help="column to forecast")
    p.add_argument("--features", nargs="*", default=[], metavar="COL",
                   help="extra input columns (their past values only)")
    p.add_argument("--series", metavar="COL", help="column naming several series")
    p.add_argument("--horizon", type=int, required=True, help="steps to forecast")
    p.add_argument("--out", default="forecast_report", help="report folder")
    p.add_argument("--fill", choices=FILLS, default="refuse",
                   help="missing steps and values (default: refuse)")
    p.add_argument("--duplicates", choices=DUPLICATES, default="refuse",
                   help="rows sharing a timestamp (default: refuse)")
    p.add_argument("--season", type=int, help="season length (default: from the frequency)")
    p.add_argument("--window", type=int, help="input window (default: max(8, 2H, season))")
    share = f"max(H+4, {SPLIT_FRACTION:.0%}%)"  # argparse reads %% as %
    p.add_argument("--val", type=int, help=f"validation block size (default: {share})")
    p.add_argument("--test", type=int, help=f"test block size (default: {share})")
    p.add_argument("--seeds", type=int, default=3, help="LSTM seeds (default 3)")
    p.add_argument("--level", type=float, default=0.9, help="interval coverage (0.9)")
    p.add_argument("--hidden-size", type=int, default=16)
    p.add_argument("--epochs", type=int, default=150, help="most epochs (early stopping)")
    p.add_argument("--patience", type=int, default=20)
    p.add_argument("--lr", type=float, default=1e-2)
    p.add_argument("--quick", action="store_true",
                   help="a smaller, shorter LSTM and one SARIMAX order (a first look)")
    p.add_argument("--threads", type=int, default=1, help="CPU threads (default 1)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        import torch
        from threadpoolctl import threadpool_limits

        from lstmbook.forecast import run

        torch.set_num_threads(max(1, args.threads))
        command = "python -m lstmbook.forecast " + shlex.join(
            sys.argv[1:] if argv is None else argv)
        with threadpool_limits(max(1, args.threads)):
            report = run(args.file, time=args.time, target=args.target,
                         features=args.features, series=args.series, horizon=args.horizon,
                         out=args.out, fill=args.fill, duplicates=args.duplicates,
                         season=args.season, window=args.window, val=args.val,
                         test=args.test, seeds=args.seeds, quick=args.quick,
                         level=args.level, hidden_size=args.hidden_size, epochs=args.epochs,
                         patience=args.patience, lr=args.lr, command=command, echo=print)
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # noqa: BLE001 -- one line, never a traceback
        msg = str(err).splitlines()[0] if str(err) else ""
        print(f"error: {type(err).__name__}: {msg} (please report this)", file=sys.stderr)
        return 1
    print()
    print(report.markdown())
    print(f"report folder: {report.out}")
    return 0
