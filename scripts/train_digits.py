"""Train the digits page's models (book/applications/digits.ipynb) on scikit-learn's 8×8 digits.

Three parts, each its own process if wanted (``--parts rows pixels generator``):

* ``rows`` -- images read row by row (8 steps of 8 pixels): LSTM, stacked LSTM,
  bidirectional LSTM, tanh RNN, the MLP baseline, and the LSTM trained with source 004's
  sigmoid + binary cross-entropy ("sigmoid");
* ``pixels`` -- read pixel by pixel (64 steps of 1 pixel): LSTM and tanh RNN;
* ``generator`` -- the class-conditioned row-by-row generator.

Classifiers: Adam, random minibatches of 64, gradient norm clipped to 1, the checkpoint
with the best accuracy on a stratified validation split (15 % of the training split);
the test split is never used for a choice. The generator: a fixed number of epochs on the
whole training split. Seeds 0, 1, 2. One CPU thread. Writes, under
``book/applications/weights/``:

* ``digits_<part>.npz`` -- the weights in float16 (:func:`weights_to_arrays`), named
  ``<reading>.<model>.seed<k>.<parameter>`` or ``generator.seed<k>.<parameter>``;
* ``digits_<part>.json`` -- configuration, parameter counts, CPU seconds, validation
  curves and the float32 test accuracy (or bits per pixel) of each run, for the record.

Run from the repository root: ``python scripts/train_digits.py`` (about 8 minutes of CPU
in all); ``--quick`` trains a few steps of one seed, to try the script.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from lstmbook.data.digits import as_pixels, as_rows, digit_split, validation_split
from lstmbook.io import save_weights
from lstmbook.torch.digit_models import (
    RowGenerator,
    build_classifier,
    fit_generator,
    fit_with_validation,
    generator_bits_per_pixel,
    parameter_count,
    predict,
    sigmoid_bce,
    weights_to_arrays,
)

SEEDS = (0, 1, 2)
#: Which models each reading trains, and how: (model id, loss, learning rate).
RUNS = {
    "rows": [("lstm", "softmax", 1e-2), ("stacked", "softmax", 1e-2),
             ("bidirectional", "softmax", 1e-2), ("rnn", "softmax", 3e-3),
             ("mlp", "softmax", 3e-3), ("sigmoid", "sigmoid", 1e-2)],
    "pixels": [("lstm", "softmax", 5e-3), ("rnn", "softmax", 5e-3)],
}
STEPS = {"rows": 1500, "pixels": 3000}
EVAL_EVERY = {"rows": 100, "pixels": 200}
GENERATOR = {"hidden_size": 96, "epochs": 80, "lr": 3e-3, "batch_size": 64}
READINGS = {"rows": (as_rows, 8, 8), "pixels": (as_pixels, 1, 64)}

OUT = Path(__file__).resolve().parents[1] / "book" / "applications" / "weights"


def classifier_for(model_id: str, reading: str, seed: int) -> torch.nn.Module:
    """The fresh network of a run ("sigmoid" is the LSTM trained with source 004's loss)."""
    _, size, steps = READINGS[reading]
    return build_classifier("lstm" if model_id == "sigmoid" else model_id, size, steps, seed)


def train_classifiers(reading: str, seeds, steps: int) -> tuple[dict, dict]:
    """Every model of ``reading`` for every seed: (weights, records)."""
    read = READINGS[reading][0]
    xtr, ytr, xte, yte = digit_split()
    xf, yf, xv, yv = validation_split(xtr, ytr)
    arrays, records = {}, {}
    for model_id, loss, lr in RUNS[reading]:
        for seed in seeds:
            model = classifier_for(model_id, reading, seed)
            t0 = time.process_time()
            hist = fit_with_validation(
                model, (read(xf), yf), (read(xv), yv), steps=steps,
                eval_every=EVAL_EVERY[reading], lr=lr, seed=seed,
                loss_fn=sigmoid_bce if loss == "sigmoid" else None)
            name = f"{reading}.{model_id}.seed{seed}"
            acc = float((predict(model, read(xte)).argmax(-1) == yte).mean())
            records[name] = {"loss": loss, "lr": lr, "steps": steps,
                             "parameters": parameter_count(model),
                             "cpu_seconds": round(time.process_time() - t0, 1),
                             "best_step": hist["best_step"], "val_step": hist["val_step"],
                             "val_accuracy": hist["val_accuracy"], "test_accuracy_float32": acc}
            arrays.update(weights_to_arrays(name, model))
            print(f"{name}: best step {hist['best_step']}, val "
                  f"{max(hist['val_accuracy']):.3f}, test {acc:.3f}, "
                  f"{records[name]['cpu_seconds']} s", flush=True)
    return arrays, records


def train_generators(seeds, epochs: int) -> tuple[dict, dict]:
    """The class-conditioned generator for every seed: (weights, records)."""
    xtr, ytr, xte, yte = digit_split()
    arrays, records = {}, {}
    for seed in seeds:
        torch.manual_seed(seed)
        model = RowGenerator(GENERATOR["hidden_size"])
        t0 = time.process_time()
        curve = fit_generator(model, xtr, ytr, epochs=epochs, lr=GENERATOR["lr"],
                              batch_size=GENERATOR["batch_size"], seed=seed)
        name = f"generator.seed{seed}"
        bpp = generator_bits_per_pixel(model, xte, yte)
        records[name] = {**GENERATOR, "epochs": epochs, "parameters": parameter_count(model),
                         "cpu_seconds": round(time.process_time() - t0, 1),
                         "train_bits_per_pixel": [c / np.log(2) for c in curve],
                         "test_bits_per_pixel_float32": bpp}
        arrays.update(weights_to_arrays(name, model))
        print(f"{name}: test {bpp:.3f} bits per pixel, {records[name]['cpu_seconds']} s",
              flush=True)
    return arrays, records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", default=["rows", "pixels", "generator"],
                        choices=["rows", "pixels", "generator"])
    parser.add_argument("--quick", action="store_true", help="one seed, a few steps, to /tmp")
    args = parser.parse_args()
    torch.set_num_threads(1)
    seeds = SEEDS[:1] if args.quick else SEEDS
    out = Path("/tmp/digits_quick") if args.quick else OUT
    out.mkdir(parents=True, exist_ok=True)
    for part in args.parts:
        if part == "generator":
            arrays, records = train_generators(seeds, 2 if args.quick else GENERATOR["epochs"])
        else:
            arrays, records = train_classifiers(part, seeds, 20 if args.quick else STEPS[part])
        save_weights(out / f"digits_{part}.npz", arrays)
        (out / f"digits_{part}.json").write_text(json.dumps(records, indent=1) + "\n")
        print(f"wrote {out / f'digits_{part}.npz'}", flush=True)


if __name__ == "__main__":
    main()
