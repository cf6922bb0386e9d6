"""Train the translation page's models on its two corpora, under one fair rule.

The models (:data:`lstmbook.torch.seq2seq.BOOK_MODELS`): the encoder–decoder LSTM without
attention, the same model with Luong attention, and a small ``torch.nn.Transformer``. The
corpora: English number words -> Chinese numerals (:func:`number_corpus`) and English dates
-> 年月日 (:func:`date_corpus`). The rule, the same for every model (:data:`RULE`):

* Adam (betas 0.9, 0.98), batches of 64, gradient clipping at norm 1, no dropout in any model;
* the learning rate chosen per model and corpus on the validation split from
  :data:`LR_GRID` (``--grid``: seed 0, :data:`GRID_UPDATES` updates per setting); the
  Transformer warms up linearly over :data:`WARMUP` updates, in the grid and after it;
* evaluation every 100 updates by greedy exact match on the validation split; stop at 100 %,
  after ``patience`` evaluations without improvement, or at the corpus's maximum number of
  updates; the best evaluation's weights are kept.

Each run records its learning curve (validation exact match and loss against updates and
against training CPU seconds, evaluation excluded), its budget, and its greedy test results
per sentence (exact match, character edits) for the page's paired tests. Weights are
rounded to float16 before evaluation, so the records describe the shipped weights. Writes
through :func:`lstmbook.artifacts.save`:

* ``translation/<corpus>-lr_grid`` -- the grid's validation scores and cost;
* ``translation/[dates-]<model>_seed<k>_run`` -- each run's record;
* ``translation/[dates-]<model>_seed0`` -- seed 0's weights (float16).

Run from the repository root, one process per corpus, each on one CPU thread::

    OMP_NUM_THREADS=1 python scripts/train_translation.py --corpus numbers --grid --seeds 0 1 2
    OMP_NUM_THREADS=1 python scripts/train_translation.py --corpus dates --grid --seeds 0 1 2

(about 12 CPU-minutes for the numbers, 7 for the dates); without ``--grid`` the shipped
grid record gives the learning rates; ``--seeds`` can split the runs over processes.
``--quick`` trains for 50 updates and saves nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from lstmbook import artifacts
from lstmbook.data.dates import date_corpus, encoded_dates
from lstmbook.data.parallel import encoded, number_corpus
from lstmbook.io import load_into, state_arrays
from lstmbook.metrics.translation import edit_distance
from lstmbook.torch import seq2seq as s2s
from lstmbook.torch.models import parameter_count
from lstmbook.torch.seq2seq import BOOK_MODELS, artifact_name, build_model
from lstmbook.torch.train import fit

SCRIPT = "scripts/train_translation.py"
#: The corpora the page evaluates on (their test splits) -- keep in step with the page.
CORPUS = {
    "numbers": {"n_train": 12_000, "n_val": 500, "n_test": 1_000, "max_digits": 10, "seed": 0},
    "dates": {"n_train": 6_000, "n_val": 500, "n_test": 1_000, "seed": 0},
}
#: The stopping rule and optimiser, the same for every model.
RULE = {"batch_size": 64, "clip_norm": 1.0, "betas": (0.9, 0.98), "eval_every": 100,
        "patience": 6, "target": 1.0, "max_updates": {"numbers": 1500, "dates": 1500}}
#: Learning rates tried for every model, and the length of a grid run.
LR_GRID = (1e-3, 3e-3, 1e-2)
GRID_UPDATES = 500
#: Linear learning-rate warm-up of the Transformer, in updates (the LSTMs: none).
WARMUP = {"transformer": 200}


def load_corpus(corpus: str, quick: bool = False):
    """Encoded train / val / test id lists and the test references (strings)."""
    sizes = dict(CORPUS[corpus], n_train=1000) if quick else CORPUS[corpus]
    make, enc = (number_corpus, encoded) if corpus == "numbers" else (date_corpus, encoded_dates)
    train, val, test = make(**sizes)
    return {"train": enc(train), "val": enc(val), "test": enc(test)}


def greedy_outputs(model, sources, batch_size: int = 500) -> list[list[int]]:
    """Greedy decoding of id lists, batch by batch."""
    out = []
    for start in range(0, len(sources), batch_size):
        out += s2s.greedy_decode(model, s2s.pad_ids(sources[start:start + batch_size])).tokens
    return out


def exact_match_on(model, split) -> float:
    """Share of sentences greedy decoding gets exactly right."""
    return float(np.mean([o == list(t) for o, t in
                          zip(greedy_outputs(model, split[0]), split[1], strict=True)]))


def round_to_float16(model) -> None:
    """Put the float16-rounded weights (those shipped) into ``model``."""
    load_into(model, state_arrays(model, dtype=np.float16))


def train_one(kind: str, corpus: str, seed: int, data, lr: float, max_updates: int):
    """Train one model under :data:`RULE`; return it and its record."""
    torch.manual_seed(seed)
    model = build_model(kind, corpus)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, betas=RULE["betas"])
    batches = s2s.TeacherForcedBatches(*data["train"], RULE["batch_size"], seed=seed)
    val_batches = list(s2s.TeacherForcedBatches(*data["val"], 500, seed=0))
    curve, clock = [], {"start": time.process_time(), "eval": 0.0}

    def metric(m, _val) -> float:
        start = time.process_time()
        em = exact_match_on(m, data["val"])
        loss = float(np.mean([s2s.sequence_loss(m(*x), y).item() for x, y in val_batches]))
        train_cpu = start - clock["start"] - clock["eval"]
        curve.append([None, round(train_cpu, 2), round(em, 4), round(loss, 4)])
        clock["eval"] += time.process_time() - start
        return em

    schedule = s2s.warmup_schedule(WARMUP[kind]) if kind in WARMUP else None
    history = fit(model, batches, loss_fn=s2s.sequence_loss, optimizer=optimizer,
                  steps=max_updates, clip_norm=RULE["clip_norm"], val_data=val_batches,
                  metric=metric, mode="max", eval_every=RULE["eval_every"],
                  patience=RULE["patience"], target=RULE["target"], restore_best=True,
                  schedule=schedule, progress=False)
    for point, updates in zip(curve, history.eval_updates, strict=True):
        point[0] = updates
    round_to_float16(model)
    record = {
        "model": kind, "corpus": corpus, "seed": seed, "lr": lr,
        "warmup": WARMUP.get(kind, 0), "parameters": parameter_count(model),
        **history.budget(), "train_cpu_seconds": round(history.cpu_seconds - clock["eval"], 1),
        "stopped": history.stopped, "best_update": history.best_update,
        "curve": curve, "curve_columns": ["updates", "train_cpu_seconds", "val_exact_match",
                                          "val_loss"],
        "val_exact_match": exact_match_on(model, data["val"]),
    }
    return model, record


def test_results(model, data) -> dict:
    """Greedy test exact match and CER, and per sentence: right or not, character edits."""
    out = greedy_outputs(model, data["test"][0])
    refs = [list(t) for t in data["test"][1]]
    right = [o == r for o, r in zip(out, refs, strict=True)]
    edits = [edit_distance(o, r) for o, r in zip(out, refs, strict=True)]
    return {"test_exact_match": float(np.mean(right)),
            "test_cer": sum(edits) / sum(map(len, refs)),
            "test_correct": "".join("1" if r else "0" for r in right), "test_edits": edits}


@contextlib.contextmanager
def registry_lock():
    """One writer at a time to the registry (the two corpora train in two processes)."""
    with open(Path(tempfile.gettempdir()) / "lstmbook-translation-registry.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def command_line(argv: list[str]) -> str:
    return "OMP_NUM_THREADS=1 python " + " ".join([SCRIPT, *argv])


def run_grid(corpus: str, models: list[str], data, argv: list[str], quick: bool) -> dict:
    """Each model at each learning rate of :data:`LR_GRID`, seed 0; the best on validation."""
    runs, chosen = [], {}
    for kind in models:
        for lr in LR_GRID:
            _, rec = train_one(kind, corpus, 0, data, lr, 50 if quick else GRID_UPDATES)
            keep = ("model", "lr", "updates", "cpu_seconds", "val_exact_match", "stopped")
            runs.append({k: rec[k] for k in keep} | {"val_loss": rec["curve"][-1][3]})
            print(json.dumps(runs[-1]), flush=True)
        mine = [r for r in runs if r["model"] == kind]
        chosen[kind] = max(mine, key=lambda r: (r["val_exact_match"], -r["updates"],
                                               -r["val_loss"]))["lr"]
    report = {"corpus": corpus, "grid": LR_GRID, "grid_updates": GRID_UPDATES, "seed": 0,
              "warmup": WARMUP, "runs": runs, "chosen": chosen,
              "cpu_seconds": round(sum(r["cpu_seconds"] for r in runs), 1)}
    if not quick:
        with registry_lock():
            artifacts.save(f"translation/{corpus}-lr_grid", report, script=SCRIPT,
                           command=command_line(argv), seed=0, cpu_seconds=report["cpu_seconds"],
                           metrics={"chosen": chosen})
    return chosen


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=sorted(CORPUS), default="numbers")
    parser.add_argument("--grid", action="store_true", help="choose the learning rates first")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--models", nargs="+", default=list(BOOK_MODELS))
    parser.add_argument("--quick", action="store_true", help="a short trial run, nothing saved")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    data = load_corpus(args.corpus, args.quick)
    if args.grid:
        lrs = run_grid(args.corpus, args.models, data, argv, args.quick)
    else:
        lrs = artifacts.load(f"translation/{args.corpus}-lr_grid")["chosen"]
    for seed in args.seeds:
        for kind in args.models:
            max_updates = 50 if args.quick else RULE["max_updates"][args.corpus]
            model, record = train_one(kind, args.corpus, seed, data, lrs[kind], max_updates)
            record |= test_results(model, data)
            print(json.dumps({k: v for k, v in record.items()
                              if k not in ("curve", "test_correct", "test_edits")}), flush=True)
            if not args.quick:
                save_run(model, record, argv)


def save_run(model: torch.nn.Module, record: dict, argv: list[str]) -> None:
    """The run's record (``..._run``), and for seed 0 the float16 weights."""
    kind, corpus, seed = record["model"], record["corpus"], record["seed"]
    name = artifact_name(kind, seed, corpus)
    budget = dict(seed=seed, updates=record["updates"], cpu_seconds=record["cpu_seconds"])
    metrics = {k: round(record[k], 4) for k in ("val_exact_match", "test_exact_match",
                                                 "test_cer")}
    report = dict(record, data=CORPUS[corpus], config=BOOK_MODELS[kind][1],
                  rule=RULE | {"max_updates": RULE["max_updates"][corpus]},
                  torch=torch.__version__)
    with registry_lock():
        if seed == 0:
            artifacts.save(name, state_arrays(model, dtype=np.float16), script=SCRIPT,
                           command=command_line(argv), **budget, metrics=metrics)
        artifacts.save(name + "_run", report, script=SCRIPT, command=command_line(argv),
                       **budget, metrics=metrics)


if __name__ == "__main__":
    main()
