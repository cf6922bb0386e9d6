"""Train the LSTM and GRU forecasters of book/applications/forecasting.ipynb.

    OMP_NUM_THREADS=1 python scripts/train_forecast_models.py --part models   # ~2 min CPU
    OMP_NUM_THREADS=1 python scripts/train_forecast_models.py --part search   # ~2 min CPU

(``--part all``, the default, runs both in one process; the two parts may also run one
after the other: each merges its keys into the results file ``forecast/runs``.)

Deterministic (seeds 0-4, one thread, CPU). For each task of
:data:`lstmbook.data.series.FORECAST_TASKS` (monthly CO₂, yearly sunspots), each cell
(LSTM, GRU) and each multi-step strategy (recursive, direct) it trains five forecasters
with :func:`lstmbook.torch.forecast.fit_forecaster` (train block, early stopping on the
validation block, :data:`~lstmbook.torch.forecast.DEFAULT_HPARAMS`) and ships, through
:func:`lstmbook.artifacts.save` (file and registry entry with its budget):

* ``forecast/<task>_<cell>_<strategy>`` -- the five seeds' weights;
* ``forecast/runs`` -- per model and seed: epochs run, best epoch (counted from 1), best
  validation loss, updates, CPU seconds;
  and the hyper-parameter search: grid vs random search over hidden size and learning
  rate with the same budget of trials, on the sunspot LSTM (each trial capped at
  :data:`SEARCH_EPOCHS` epochs, patience :data:`SEARCH_PATIENCE`, to keep it cheap).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from lstmbook import artifacts
from lstmbook.data.series import FORECAST_TASKS, load_task
from lstmbook.evaluation import time_split
from lstmbook.torch.forecast import DEFAULT_HPARAMS, fit_forecaster, save_forecasters

SCRIPT = "scripts/train_forecast_models.py"
COMMAND = f"OMP_NUM_THREADS=1 python {SCRIPT}"
SEEDS = range(5)
CELLS = ("lstm", "gru")
STRATEGIES = ("recursive", "direct")
#: The search space: hidden size 2..64 and learning rate 1e-3..1e-1, both on a log scale.
SEARCH_SPACE = dict(hidden_size=(2, 64), lr=(1e-3, 1e-1))
GRID = dict(hidden_size=[4, 16, 64], lr=[1e-3, 1e-2, 1e-1])
SEARCH_BUDGET = 9
RANDOM_REPEATS = 3
#: Shorter training per search trial than DEFAULT_HPARAMS (the same for grid and random).
SEARCH_EPOCHS = 60
SEARCH_PATIENCE = 10


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
                    r = fit_forecaster(y, split, cell=cell, window=setup["window"],
                                       horizon=setup["horizon"], strategy=strategy, seed=seed)
                    runs.append(dict(seed=seed, epochs=r.history.epochs, best_epoch=r.best_epoch,
                                     best_val_loss=r.history.best_metric,
                                     updates=r.history.updates,
                                     seconds=r.history.cpu_seconds))
                    forecasters.append(r.forecaster)
                key = f"{name}_{cell}_{strategy}"
                save_forecasters(
                    f"forecast/{key}", forecasters, script=SCRIPT,
                    command=f"{COMMAND} --part models", seed=list(SEEDS),
                    updates=sum(r["updates"] for r in runs),
                    cpu_seconds=sum(r["seconds"] for r in runs),
                    metrics={"best_val_loss": [r["best_val_loss"] for r in runs]})
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
        r = fit_forecaster(y, split, cell="lstm", window=setup["window"], horizon=1, seed=0,
                           epochs=SEARCH_EPOCHS, patience=SEARCH_PATIENCE, **cfg)
        return dict(cfg, val_loss=r.history.best_metric, best_epoch=r.best_epoch,
                    updates=r.history.updates)

    t0 = time.process_time()
    grid = [dict(hidden_size=h, lr=lr) for h in GRID["hidden_size"] for lr in GRID["lr"]]
    out = {"space": SEARCH_SPACE, "budget": SEARCH_BUDGET, "epochs": SEARCH_EPOCHS,
           "patience": SEARCH_PATIENCE, "grid": [trial(c) for c in grid]}
    print("grid", [round(t["val_loss"], 3) for t in out["grid"]], flush=True)
    out["random"] = []
    for rep in range(RANDOM_REPEATS):
        rng = np.random.default_rng(100 + rep)
        out["random"].append([trial(sample_random(rng)) for _ in range(SEARCH_BUDGET)])
        print("random", rep, [round(t["val_loss"], 3) for t in out["random"][-1]], flush=True)
    out["process_seconds"] = time.process_time() - t0
    out["updates"] = sum(t["updates"] for t in out["grid"] + sum(out["random"], []))
    record["search"] = out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("all", "models", "search"), default="all",
                        help="train the five-seed models, run the search, or both")
    args = parser.parse_args()
    torch.set_num_threads(1)
    record = {}
    if args.part in ("all", "models"):
        t0 = time.process_time()
        record.update(hparams=DEFAULT_HPARAMS, seeds=list(SEEDS), torch=torch.__version__,
                      models={})
        train_models(record)
        record["models_process_seconds"] = time.process_time() - t0
    if args.part in ("all", "search"):
        search(record)
    save_runs(record)


def save_runs(record: dict) -> None:
    """Merge ``record``'s keys into ``forecast/runs`` (keeping the other part's) and ship it."""
    try:
        runs = artifacts.load("forecast/runs")
    except ValueError:  # not registered yet
        runs = {}
    runs.update(record)
    models = [r for rs in runs.get("models", {}).values() for r in rs]
    search = runs.get("search", {})
    artifacts.save(
        "forecast/runs", runs, script=SCRIPT, command=COMMAND, seed=list(SEEDS),
        updates=sum(r.get("updates", 0) for r in models) + search.get("updates", 0),
        cpu_seconds=runs.get("models_process_seconds", 0) + search.get("process_seconds", 0),
        metrics={"best_grid_val_loss": min((t["val_loss"] for t in search.get("grid", [])),
                                           default=None)},
    )


if __name__ == "__main__":
    main()
