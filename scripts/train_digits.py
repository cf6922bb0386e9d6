"""Train the digits page's models (book/applications/digits.ipynb) on scikit-learn's 8×8 digits.

Four parts, each its own process if wanted (``--parts rows pixels generator rows_random``):

* ``rows`` -- images read row by row (8 steps of 8 pixels): LSTM, stacked LSTM,
  bidirectional LSTM, tanh RNN, the MLP baseline, and the LSTM trained with source 004's
  sigmoid + binary cross-entropy ("sigmoid");
* ``pixels`` -- read pixel by pixel (64 steps of 1 pixel): LSTM and tanh RNN;
* ``generator`` -- the class-conditioned row-by-row generator;
* ``rows_random`` -- the single LSTM and the MLP on rows again, trained and tested on the
  random stratified split instead, to measure what a split by writer blocks costs
  (results only, no weights).

The split (:data:`SPLIT`) is by writer blocks: ``digit_split(by="writer_blocks")`` tests on
the last 3 of 13 contiguous blocks of the file (a proxy for 3 of its 13 writers) and
``validation_split(..., by="writer_blocks")`` validates on the last 2 blocks before them.

Classifiers: ``lstmbook.torch.train.fit`` with Adam on random minibatches of 64 (drawn with
replacement, :func:`random_batches`), gradient norm clipped to 1, the checkpoint with the
best accuracy on the validation split restored; the test split is never used for a choice.
The generator: ``fit`` for a fixed number of epochs on the whole training split.
Seeds 0, 1, 2. One CPU thread. Writes, with
``lstmbook.artifacts.save`` (the file and its registry entry, in ``lstmbook/shipped/digits/``):

* ``digits/<part>`` -- the weights in float16, named ``<reading>.<model>.seed<k>.<parameter>``
  or ``generator.seed<k>.<parameter>`` (load one with
  ``lstmbook.io.load_into(model, arrays, prefix="rows.lstm.seed0.")``);
* ``digits/<part>_runs`` (also ``digits/rows_random_runs``) -- split, configuration,
  parameter counts, CPU seconds, validation curves and the float32 test accuracy (or bits
  per pixel) of each run, for the record.

Run from the repository root: ``OMP_NUM_THREADS=1 python scripts/train_digits.py`` (about 8
minutes of CPU in all, one thread), or one part: ``... --parts rows``; ``--quick`` trains a
few steps of one seed into ``/tmp/digits_quick``, to try the script.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from torch import nn

from lstmbook import artifacts
from lstmbook.data.digits import as_pixels, as_rows, digit_split, validation_split
from lstmbook.io import save_weights, state_arrays
from lstmbook.torch.digit_models import (
    RowGenerator,
    build_classifier,
    generator_bits_per_pixel,
    generator_data,
    pixel_cross_entropy,
    predict,
    random_batches,
    sigmoid_bce,
)
from lstmbook.torch.digits import accuracy
from lstmbook.torch.models import parameter_count
from lstmbook.torch.train import fit

SCRIPT = "scripts/train_digits.py"
SEEDS = (0, 1, 2)
#: The split every shipped model is trained and scored on (``rows_random`` uses "random").
SPLIT = "writer_blocks"
#: Which models each reading trains, and how: (model id, loss, learning rate).
RUNS = {
    "rows": [("lstm", "softmax", 1e-2), ("stacked", "softmax", 1e-2),
             ("bidirectional", "softmax", 1e-2), ("rnn", "softmax", 3e-3),
             ("mlp", "softmax", 3e-3), ("sigmoid", "sigmoid", 1e-2)],
    "pixels": [("lstm", "softmax", 5e-3), ("rnn", "softmax", 5e-3)],
}
RUNS["rows_random"] = [r for r in RUNS["rows"] if r[0] in ("lstm", "mlp")]
STEPS = {"rows": 1500, "pixels": 3000, "rows_random": 1500}
EVAL_EVERY = {"rows": 100, "pixels": 200, "rows_random": 100}
GENERATOR = {"hidden_size": 96, "epochs": 80, "lr": 3e-3, "batch_size": 64}
READINGS = {"rows": (as_rows, 8, 8), "pixels": (as_pixels, 1, 64),
            "rows_random": (as_rows, 8, 8)}
BATCH_SIZE = 64


def classifier_for(model_id: str, reading: str, seed: int) -> torch.nn.Module:
    """The fresh network of a run ("sigmoid" is the LSTM trained with source 004's loss)."""
    _, size, steps = READINGS[reading]
    return build_classifier("lstm" if model_id == "sigmoid" else model_id, size, steps, seed)


def splits(by: str = SPLIT):
    """(x_fit, y_fit, x_val, y_val, x_test, y_test) of the split ``by``."""
    xtr, ytr, xte, yte = digit_split(by=by)
    return (*validation_split(xtr, ytr, by=by), xte, yte)


def train_classifiers(reading: str, seeds, steps: int) -> tuple[dict, dict]:
    """Every model of ``reading`` for every seed: (weights, records)."""
    read = READINGS[reading][0]
    by = "random" if reading == "rows_random" else SPLIT
    xf, yf, xv, yv, xte, yte = splits(by)
    arrays, records = {}, {}
    for model_id, loss, lr in RUNS[reading]:
        for seed in seeds:
            model = classifier_for(model_id, reading, seed)
            hist = fit(model, random_batches(read(xf), yf, BATCH_SIZE, seed),
                       loss_fn=sigmoid_bce if loss == "sigmoid" else nn.CrossEntropyLoss(),
                       lr=lr, steps=steps, clip_norm=1.0, val_data=(read(xv), yv),
                       metric=accuracy, mode="max", eval_every=EVAL_EVERY[reading],
                       restore_best=True)
            name = f"{reading}.{model_id}.seed{seed}"
            acc = float((predict(model, read(xte)).argmax(-1) == yte).mean())
            records[name] = {"split": by, "loss": loss, "lr": lr, "steps": steps,
                             "parameters": parameter_count(model),
                             "cpu_seconds": round(hist.cpu_seconds, 1),
                             "best_step": hist.best_update, "val_step": hist.eval_updates,
                             "val_accuracy": hist.val_metric, "test_accuracy_float32": acc}
            arrays.update(state_arrays(model, prefix=f"{name}.", dtype=np.float16))
            print(f"{name}: best step {hist.best_update}, val {hist.best_metric:.3f}, "
                  f"test {acc:.3f}, {records[name]['cpu_seconds']} s", flush=True)
    return arrays, records


def epoch_means(losses: list[float], n: int, batch_size: int) -> list[float]:
    """Mean loss per example of each epoch, from the loss of every update (the last batch
    of an epoch, with ``n % batch_size`` examples, weighs accordingly)."""
    sizes = [min(batch_size, n - k) for k in range(0, n, batch_size)]
    per_epoch = len(sizes)
    return [float(np.average(losses[e:e + per_epoch], weights=sizes))
            for e in range(0, len(losses), per_epoch)]


def train_generators(seeds, epochs: int) -> tuple[dict, dict]:
    """The class-conditioned generator for every seed: (weights, records)."""
    xtr, ytr, xte, yte = digit_split(by=SPLIT)
    arrays, records = {}, {}
    for seed in seeds:
        torch.manual_seed(seed)
        model = RowGenerator(GENERATOR["hidden_size"])
        hist = fit(model, generator_data(xtr, ytr), loss_fn=pixel_cross_entropy,
                   lr=GENERATOR["lr"], epochs=epochs, batch_size=GENERATOR["batch_size"],
                   seed=seed, clip_norm=1.0)
        curve = epoch_means(hist.loss, len(ytr), GENERATOR["batch_size"])
        name = f"generator.seed{seed}"
        bpp = generator_bits_per_pixel(model, xte, yte)
        records[name] = {**GENERATOR, "split": SPLIT, "epochs": epochs,
                         "parameters": parameter_count(model),
                         "cpu_seconds": round(hist.cpu_seconds, 1),
                         "train_bits_per_pixel": [c / np.log(2) for c in curve],
                         "test_bits_per_pixel_float32": bpp}
        arrays.update(state_arrays(model, prefix=f"{name}.", dtype=np.float16))
        print(f"{name}: test {bpp:.3f} bits per pixel, {records[name]['cpu_seconds']} s",
              flush=True)
    return arrays, records


def summary(part: str, records: dict) -> dict:
    """The registry entry's metrics: per model, the mean test score over the seeds."""
    key = "test_bits_per_pixel_float32" if part == "generator" else "test_accuracy_float32"
    by_model: dict[str, list[float]] = {}
    for name, rec in records.items():
        by_model.setdefault(name.rsplit(".seed", 1)[0], []).append(rec[key])
    return {f"{model}.{key.removesuffix('_float32')}_mean": round(float(np.mean(v)), 4)
            for model, v in by_model.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parts = ["rows", "pixels", "generator", "rows_random"]
    parser.add_argument("--parts", nargs="+", default=parts, choices=parts)
    parser.add_argument("--quick", action="store_true",
                        help="one seed, a few steps, to /tmp/digits_quick")
    args = parser.parse_args()
    torch.set_num_threads(1)
    seeds = SEEDS[:1] if args.quick else SEEDS
    for part in args.parts:
        if part == "generator":
            epochs = 2 if args.quick else GENERATOR["epochs"]
            arrays, records = train_generators(seeds, epochs)
            n_train = len(digit_split(by=SPLIT)[1])
            updates = len(seeds) * epochs * -(-n_train // GENERATOR["batch_size"])
        else:
            steps = 20 if args.quick else STEPS[part]
            arrays, records = train_classifiers(part, seeds, steps)
            updates = len(records) * steps
        if args.quick:
            out = Path("/tmp/digits_quick")
            out.mkdir(parents=True, exist_ok=True)
            save_weights(out / f"digits_{part}.npz", arrays)
            (out / f"digits_{part}.json").write_text(json.dumps(records, indent=1) + "\n")
            print(f"wrote {out / f'digits_{part}.npz'}", flush=True)
            continue
        budget = {"script": SCRIPT, "command": f"OMP_NUM_THREADS=1 python {SCRIPT} --parts {part}",
                  "updates": updates,
                  "cpu_seconds": sum(r["cpu_seconds"] for r in records.values())}
        path = artifacts.save(f"digits/{part}_runs", records, **budget)
        if part != "rows_random":  # the random-split runs ship their results only
            path = artifacts.save(f"digits/{part}", arrays, metrics=summary(part, records),
                                  **budget)
        print(f"wrote {path}", flush=True)


if __name__ == "__main__":
    main()
