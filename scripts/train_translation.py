"""Train the translation page's models (English number words -> Chinese numerals).

Trains, for each seed, the encoder–decoder LSTM without attention, the same model with
Luong attention, and a small ``torch.nn.Transformer``, on :func:`number_corpus` (seed 0),
with teacher forcing, Adam and gradient clipping (:func:`lstmbook.torch.train.fit` over
:class:`~lstmbook.torch.seq2seq.TeacherForcedBatches`), on one CPU thread. Writes through
:func:`lstmbook.artifacts.save` (file and registry entry):

* ``translation/<model>_seed<k>`` -- the weights (float32);
* ``translation/<model>_seed<k>_run`` -- the run's configuration, parameter count, CPU
  seconds, loss curves and validation exact match.

Run from the repository root: ``OMP_NUM_THREADS=1 python scripts/train_translation.py``
(about 5 minutes of CPU per seed and model; each model and seed can run in its own process
with ``--models`` and ``--seeds``); ``--quick`` trains one seed for one epoch on 2000
sentences, to try the script, and saves nothing.
"""

from __future__ import annotations

import argparse
import json

import torch

from lstmbook import artifacts
from lstmbook.data.parallel import encoded, number_corpus
from lstmbook.io import state_arrays
from lstmbook.torch import seq2seq as s2s
from lstmbook.torch.models import parameter_count
from lstmbook.torch.seq2seq import BOOK_MODELS, artifact_name, build_model
from lstmbook.torch.train import fit

SCRIPT = "scripts/train_translation.py"
#: The corpus the page evaluates on (its test split) -- keep in step with the page.
CORPUS = {"n_train": 12_000, "n_val": 500, "n_test": 1_000, "max_digits": 10, "seed": 0}
#: Optimisation per model.
TRAINING = {
    "lstm": {"epochs": 10, "batch_size": 64, "lr": 3e-3, "clip_norm": 1.0},
    "attention": {"epochs": 10, "batch_size": 64, "lr": 3e-3, "clip_norm": 1.0},
    "transformer": {"epochs": 5, "batch_size": 64, "lr": 1e-3, "clip_norm": 1.0},  # same CPU
}


def exact_match_on(model, split, batch_size: int = 500) -> float:
    """Share of sentences greedy decoding gets exactly right."""
    correct = 0
    for start in range(0, len(split[0]), batch_size):
        src = s2s.pad_ids(split[0][start : start + batch_size])
        out = s2s.greedy_decode(model, src).tokens
        correct += sum(o == list(t) for o, t in
                       zip(out, split[1][start : start + batch_size], strict=True))
    return correct / len(split[0])


def train_one(kind: str, seed: int, data, epochs: int):
    """Train one model; return it, its record for the JSON file, and its History."""
    torch.manual_seed(seed)
    model = build_model(kind)
    cfg = TRAINING[kind]
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg["lr"], betas=(0.9, 0.98))
    train_batches = s2s.TeacherForcedBatches(*data["train"], cfg["batch_size"], seed=seed)
    val = list(s2s.TeacherForcedBatches(*data["val"], 500, seed=0))
    history = fit(model, train_batches, loss_fn=s2s.sequence_loss, optimizer=optimizer,
                  epochs=epochs, clip_norm=cfg["clip_norm"], val_data=val,
                  restore_best=False, progress=False)
    record = {
        "model": kind, "seed": seed, "epochs": epochs, "parameters": parameter_count(model),
        "cpu_seconds": round(history.cpu_seconds, 1),
        "epoch_loss": [round(v, 4) for v in history.epoch_loss],
        "val_loss": [round(v, 4) for v in history.val_loss],
        "val_exact_match": exact_match_on(model, data["val"]),
    }
    print(json.dumps(record), flush=True)
    return model, record, history


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short trial run, nothing saved")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--models", nargs="+", default=list(BOOK_MODELS))
    parser.add_argument("--epochs", type=int, default=None, help="override every model's")
    args = parser.parse_args()
    torch.set_num_threads(1)
    sizes = dict(CORPUS, n_train=2000) if args.quick else CORPUS
    train_split, val_split, _ = number_corpus(**sizes)
    data = {"train": encoded(train_split), "val": encoded(val_split)}
    for seed in args.seeds[:1] if args.quick else args.seeds:
        for kind in args.models:
            epochs = 1 if args.quick else (args.epochs or TRAINING[kind]["epochs"])
            model, record, history = train_one(kind, seed, data, epochs)
            if not args.quick:
                save_run(model, kind, seed, record, history)


def save_run(model: torch.nn.Module, kind: str, seed: int, record: dict, history) -> None:
    """The weights (``translation/<kind>_seed<k>``) and the run's record (``..._run``)."""
    name = artifact_name(kind, seed)
    command = f"OMP_NUM_THREADS=1 python {SCRIPT} --models {kind} --seeds {seed}"
    budget = dict(seed=seed, updates=history.updates, cpu_seconds=history.cpu_seconds)
    artifacts.save(name, state_arrays(model), script=SCRIPT, command=command, **budget,
                   metrics={"val_exact_match": record["val_exact_match"],
                            "val_loss": record["val_loss"][-1]})
    report = dict(record, corpus=CORPUS, config=BOOK_MODELS[kind][1], training=TRAINING[kind],
                  torch=torch.__version__)
    artifacts.save(name + "_run", report, script=SCRIPT, command=command, **budget)


if __name__ == "__main__":
    main()
