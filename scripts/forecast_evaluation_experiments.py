"""The five-seed versions of the experiments of book/applications/evaluation.ipynb.

    OMP_NUM_THREADS=1 python scripts/forecast_evaluation_experiments.py   # a few minutes

The page trains one model of each experiment live; this script repeats them over seeds
0-4 and writes ``book/applications/weights/evaluation.json``:

* ``leakage`` -- an LSTM on *standardised levels* of monthly CO₂, one-step test MASE for
  three protocols: ``honest`` (time split, scaler fitted on the training block),
  ``scaler_on_all`` (time split, scaler fitted on the whole series) and ``shuffled``
  (windows assigned to train / validation / test at random, scaler on everything);
* ``random_walk`` -- for five simulated random walks (seeds 0-4), the one-step test MASE
  of an LSTM (relative windows) and of persistence, and the LSTM's directional accuracy.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import torch

from lstmbook.baselines.forecast import persistence
from lstmbook.data.series import load_task, random_walk
from lstmbook.evaluation import time_split, walk_forward
from lstmbook.metrics.forecast import directional_accuracy, mase
from lstmbook.torch.forecast import LEVEL_MODEL, fit_forecaster, level_model_mase

OUT = Path(__file__).resolve().parents[1] / "book" / "applications" / "weights"
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
                direction=directional_accuracy(y_true, y_lstm, y_naive))


def main() -> None:
    torch.set_num_threads(1)
    t0 = time.process_time()
    series, setup = load_task("co2")
    y = series.to_numpy()
    split = time_split(len(y), setup["n_val"], setup["n_test"])
    record = {"level_model": LEVEL_MODEL, "random_walk_setup": RW, "leakage": {}}
    for protocol in ("honest", "scaler_on_all", "shuffled"):
        record["leakage"][protocol] = [
            level_model_mase(y, setup["window"], split, protocol, s) for s in SEEDS]
        print(protocol, np.round(record["leakage"][protocol], 3), flush=True)
    record["random_walk"] = [random_walk_trap(s) for s in SEEDS]
    print(record["random_walk"], flush=True)
    record["process_seconds"] = time.process_time() - t0
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "evaluation.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
