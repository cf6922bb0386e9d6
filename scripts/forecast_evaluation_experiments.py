"""The five-seed versions of the experiments of book/applications/evaluation.ipynb.

    OMP_NUM_THREADS=1 python scripts/forecast_evaluation_experiments.py   # a few minutes

The page trains one model of each experiment live; this script repeats them over seeds
0-4 and ships the results file ``evaluation/experiments`` through
:func:`lstmbook.artifacts.save` (with its budget):

* ``leakage`` -- an LSTM on *standardised levels* of monthly CO₂, one-step test MASE for
  three protocols: ``honest`` (time split, scaler fitted on the training block),
  ``scaler_on_all`` (time split, scaler fitted on the whole series) and ``shuffled``
  (windows assigned to train / validation / test at random, scaler on everything);
* ``random_walk`` -- for five simulated random walks (seeds 0-4), the one-step test MASE
  of an LSTM (relative windows) and of persistence, and the LSTM's directional accuracy.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from lstmbook import artifacts
from lstmbook.baselines.forecast import persistence
from lstmbook.data.series import load_task, random_walk
from lstmbook.evaluation import time_split, walk_forward
from lstmbook.metrics.forecast import directional_accuracy, mase
from lstmbook.torch.forecast import LEVEL_MODEL, fit_forecaster, level_model_mase

SCRIPT = "scripts/forecast_evaluation_experiments.py"
SEEDS = range(5)
#: Random-walk experiment: length, split sizes, window.
RW = dict(n=1000, n_val=150, n_test=150, window=20)


def random_walk_trap(seed):
    p = random_walk(RW["n"], seed=seed)
    split = time_split(RW["n"], RW["n_val"], RW["n_test"])
    r = fit_forecaster(p, split, cell="lstm", window=RW["window"], seed=seed)
    origins = np.arange(split.test.start, RW["n"])
    y_true, y_lstm = walk_forward(p, r.forecaster, origins)
    _, y_naive = walk_forward(p, persistence, origins)
    train = p[split.train]
    return dict(seed=seed, lstm=mase(y_true, y_lstm, train),
                persistence=mase(y_true, y_naive, train),
                direction=directional_accuracy(y_true, y_lstm, y_naive),
                updates=r.history.updates)


def main() -> None:
    torch.set_num_threads(1)
    t0 = time.process_time()
    series, setup = load_task("co2")
    y = series.to_numpy()
    split = time_split(len(y), setup["n_val"], setup["n_test"])
    record = {"level_model": LEVEL_MODEL, "random_walk_setup": RW, "leakage": {}}
    updates = 0
    for protocol in ("honest", "scaler_on_all", "shuffled"):
        runs = [level_model_mase(y, setup["window"], split, protocol, s, with_history=True)
                for s in SEEDS]
        record["leakage"][protocol] = [score for score, _ in runs]
        updates += sum(h.updates for _, h in runs)
        print(protocol, np.round(record["leakage"][protocol], 3), flush=True)
    record["random_walk"] = [random_walk_trap(s) for s in SEEDS]
    print(record["random_walk"], flush=True)
    record["process_seconds"] = time.process_time() - t0
    rw = record["random_walk"]
    artifacts.save(
        "evaluation/experiments", record, script=SCRIPT,
        command=f"OMP_NUM_THREADS=1 python {SCRIPT}", seed=list(SEEDS),
        updates=updates + sum(r["updates"] for r in rw), cpu_seconds=record["process_seconds"],
        metrics={"leakage_mase_mean": {p: float(np.mean(v))
                                       for p, v in record["leakage"].items()},
                 "random_walk_mase_ratio_mean": float(np.mean(
                     [r["lstm"] / r["persistence"] for r in rw]))},
    )


if __name__ == "__main__":
    main()
