"""Train every model of the FAQ chapter (book/faq/) and save its weights.

    python scripts/train_faq.py                # all runs of lstmbook.cell_comparison.FAQ_RUNS
    python scripts/train_faq.py --only adding  # the runs whose name starts with "adding"

Deterministic: each run seeds torch and its mini-batch order from its seed, on one CPU
thread. Weights go to book/faq/weights/<name>.npz (lstmbook.io.save_weights); the pages
rebuild the held-out data with lstmbook.cell_comparison.task_data and evaluate them.
A summary (name, test MSE, seconds) is printed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from lstmbook.cell_comparison import FAQ_RUNS, fit_regressor, run_settings, task_data
from lstmbook.io import save_weights

OUT = Path(__file__).resolve().parents[1] / "book" / "faq" / "weights"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="train only runs whose name starts so")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    OUT.mkdir(parents=True, exist_ok=True)
    for run in FAQ_RUNS:
        if not run["name"].startswith(args.only):
            continue
        result = fit_regressor(run["kind"], task_data(run["task"]), **run_settings(run))
        save_weights(OUT / f"{run['name']}.npz", result.model.state_dict())
        print(f"{run['name']:40s} test MSE {result.test_mse:.4f}  {result.seconds:6.1f} s",
              flush=True)


if __name__ == "__main__":
    main()
