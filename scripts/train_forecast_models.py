"""Train the LSTM and GRU forecasters of book/applications/forecasting.ipynb.

    OMP_NUM_THREADS=1 python scripts/train_forecast_models.py     # a few minutes on one core

Deterministic (seeds 0-4, one thread, CPU). For each task of
:data:`lstmbook.data.series.FORECAST_TASKS` (monthly CO₂, yearly sunspots), each cell
(LSTM, GRU) and each multi-step strategy (recursive, direct) it trains five forecasters
with :func:`lstmbook.torch.forecast.fit_forecaster` (train block, early stopping on the
validation block, :data:`~lstmbook.torch.forecast.DEFAULT_HPARAMS`) and writes to
``book/applications/weights/``:

* ``forecast_<task>_<cell>_<strategy>.npz`` -- the five seeds' weights;
* ``forecast.json`` -- per model: epochs run, best epoch, best validation loss, seconds;
  and the hyper-parameter search (``--search``): grid vs random search over hidden size
  and learning rate with the same budget of trials, on the sunspot LSTM.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from lstmbook.data.series import FORECAST_TASKS, load_task
from lstmbook.evaluation import time_split
from lstmbook.torch.forecast import DEFAULT_HPARAMS, fit_forecaster, save_forecasters

OUT = Path(__file__).resolve().parents[1] / "book" / "applications" / "weights"
SEEDS = range(5)
CELLS = ("lstm", "gru")
STRATEGIES = ("recursive", "direct")
#: The search space: hidden size 2..64 and learning rate 1e-3..1e-1, both on a log scale.
SEARCH_SPACE = dict(hidden_size=(2, 64), lr=(1e-3, 1e-1))
GRID = dict(hidden_size=[4, 16, 64], lr=[1e-3, 1e-2, 1e-1])
SEARCH_BUDGET = 9
RANDOM_REPEATS = 3


def task_split(name: str):
    series, setup = load_task(name)
    y = series.to_numpy()
    return y, setup, time_split(len(y), setup["n_val"], setup["n_test"])


def train_models(record: dict) -> None:
    for name in FORECAST_TASKS:
        y, setup, split = task_split(name)
        for cell in CELLS:
            for strategy in STRATEGIES:
                runs, forecasters = [], []
                for seed in SEEDS:
                    t0 = time.process_time()
                    r = fit_forecaster(y, split, cell=cell, window=setup["window"],
                                       horizon=setup["horizon"], strategy=strategy, seed=seed)
                    runs.append(dict(seed=seed, epochs=len(r.val_loss), best_epoch=r.best_epoch,
                                     best_val_loss=min(r.val_loss),
                                     seconds=time.process_time() - t0))
                    forecasters.append(r.forecaster)
                key = f"{name}_{cell}_{strategy}"
                save_forecasters(OUT / f"forecast_{key}.npz", forecasters)
                record["models"][key] = runs
                print(key, [round(r["best_val_loss"], 4) for r in runs], flush=True)


def sample_random(rng: np.random.Generator) -> dict:
    lo, hi = SEARCH_SPACE["hidden_size"]
    hidden = int(round(np.exp(rng.uniform(np.log(lo), np.log(hi)))))
    lo, hi = SEARCH_SPACE["lr"]
    return dict(hidden_size=hidden, lr=float(np.exp(rng.uniform(np.log(lo), np.log(hi)))))


def search(record: dict) -> None:
    y, setup, split = task_split("sunspots")

    def trial(cfg):
        r = fit_forecaster(y, split, cell="lstm", window=setup["window"], horizon=1, seed=0, **cfg)
        return dict(cfg, val_loss=min(r.val_loss), best_epoch=r.best_epoch)

    grid = [dict(hidden_size=h, lr=lr) for h in GRID["hidden_size"] for lr in GRID["lr"]]
    out = {"space": SEARCH_SPACE, "budget": SEARCH_BUDGET, "grid": [trial(c) for c in grid]}
    print("grid", [round(t["val_loss"], 3) for t in out["grid"]], flush=True)
    out["random"] = []
    for rep in range(RANDOM_REPEATS):
        rng = np.random.default_rng(100 + rep)
        out["random"].append([trial(sample_random(rng)) for _ in range(SEARCH_BUDGET)])
        print("random", rep, [round(t["val_loss"], 3) for t in out["random"][-1]], flush=True)
    record["search"] = out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--search", action="store_true", help="also run the grid/random search")
    args = parser.parse_args()
    torch.set_num_threads(1)
    OUT.mkdir(parents=True, exist_ok=True)
    record = {"hparams": DEFAULT_HPARAMS, "seeds": list(SEEDS), "torch": torch.__version__,
              "models": {}}
    t0 = time.process_time()
    train_models(record)
    if args.search:
        search(record)
    record["process_seconds"] = time.process_time() - t0
    (OUT / "forecast.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
