"""Train the character-level language models of book/applications/language_model.ipynb.

    OMP_NUM_THREADS=1 python scripts/train_charlm.py               # everything, ~2.5 min CPU
    OMP_NUM_THREADS=1 python scripts/train_charlm.py --part tbptt  # truncation, equal chars
    OMP_NUM_THREADS=1 python scripts/train_charlm.py --part tbptt-batch  # equal updates
    python scripts/train_charlm.py --quick                         # try the script, save nothing

Deterministic (fixed seeds, one thread, CPU). Trains on the training split of
:func:`lstmbook.data.text.stdlib_corpus` (the Python standard library's source, split by
file) with :func:`lstmbook.torch.train.fit` and the truncated-BPTT step of
:func:`lstmbook.torch.charlm.tbptt_training`, and writes through
:func:`lstmbook.artifacts.save` (file and registry entry, with budget and metrics):

* ``charlm/lstm``, ``charlm/gru``, ``charlm/rnn`` -- one recurrent layer each, hidden
  sizes chosen for about the same number of parameters, same updates and characters;
* ``charlm/tbptt{5,20,100}`` -- the LSTM trained with truncation lengths 5, 20 and 100
  on the same number of characters with the same batch size (so the short windows make
  more updates; a shorter budget than the main models);
* ``charlm/tbptt{5,20}_b{640,160}`` -- the LSTM with truncation lengths 5 and 20 and
  the same updates and characters per update as ``charlm/lstm`` (length 100, batch 32,
  seed 0): batch size 3200 / length, so only how far back the gradient reaches differs;
* ``charlm/runs`` -- configuration, Python version, corpus hash and files, training curves,
  process seconds, and the validation bits per character before and after the float16
  rounding of the saved weights.

The weights are saved in float16 (half the bytes; the validation bpc before and after the
rounding are both recorded). ``--part tbptt`` (or ``tbptt-batch``) trains only those runs
and merges them into ``charlm/runs``; a main model without a record there gets one rebuilt
from its shipped weights (configuration and float16 validation bpc; ``history`` and
``seconds`` are then ``null``, as they exist only while training).
"""

from __future__ import annotations

import argparse
import math

import numpy as np
import torch

from lstmbook import artifacts
from lstmbook.data.text import VOCAB, encode, stdlib_corpus
from lstmbook.io import load_into, state_arrays
from lstmbook.torch import charlm
from lstmbook.torch.models import hidden_size_for, parameter_count
from lstmbook.torch.train import fit

SCRIPT = "scripts/train_charlm.py"
COMMAND = f"OMP_NUM_THREADS=1 python {SCRIPT}"
V = len(VOCAB)
TARGET_PARAMS = 86_000  # about the LSTM with H = 118 and E = 32
MAIN = dict(steps=700, batch_size=32, seq_len=100, lr=4e-3)
TBPTT_CHARS = 200 * 32 * 100  # characters seen by each truncation-length run
TBPTT_LENGTHS = (5, 20, 100)
BATCH_LENGTHS = (5, 20)  # with batch_size = 32 * 100 // length and MAIN's steps and seed
VAL_CHARS = 20_000  # validation characters scored during training
SCORE_CHARS = 100_000  # validation characters of the recorded final scores


def hidden_for(cell: str) -> int:
    """The hidden size of ``cell`` for about :data:`TARGET_PARAMS` parameters."""
    return hidden_size_for(cell, TARGET_PARAMS, V, V, embedding=charlm.EMBEDDING)


def train_one(name: str, cell: str, hidden: int, ids: dict, cfg: dict, seed: int,
              save: bool) -> dict:
    torch.manual_seed(seed)
    model = charlm.build_model(cell, hidden)
    windows, step = charlm.tbptt_training(model, ids["train"], **cfg)
    every = max(cfg["steps"] // 20, 1)
    history = fit(model, windows, step_fn=step, steps=cfg["steps"],
                  val_data=ids["val"][:VAL_CHARS], metric=charlm.bits_per_char,
                  eval_every=every, restore_best=False, progress=False)
    weights = state_arrays(model, dtype=np.float16)
    val32 = charlm.bits_per_char(model, ids["val"][:SCORE_CHARS])
    val16 = charlm.bits_per_char(load_into(charlm.build_model(cell, hidden), weights),
                                 ids["val"][:SCORE_CHARS])
    print(f"{name}: {cell} H={hidden} params={parameter_count(model)} "
          f"val bpc {val32:.4f} (float16 {val16:.4f}) in {history.cpu_seconds:.0f} s",
          flush=True)
    if save:
        artifacts.save(f"charlm/{name}", weights, script=SCRIPT, command=COMMAND, seed=seed,
                       updates=history.updates, cpu_seconds=history.cpu_seconds,
                       metrics={"val_bpc_float32": val32, "val_bpc_float16": val16})
    losses = np.asarray(history.loss) / math.log(2)
    curves = dict(step=history.eval_updates,
                  train_bpc=[float(np.mean(losses[max(0, u - every) : u]))
                             for u in history.eval_updates],
                  val_bpc=history.val_metric)
    return dict(kind=cell, hidden_size=hidden, parameters=parameter_count(model), seed=seed,
                config=cfg, history=curves, seconds=history.cpu_seconds,
                val_bpc_float32=val32, val_bpc_float16=val16)


def record_from_weights(cell: str, ids: dict, seed: int) -> dict:
    """The record of a shipped main model whose training log was not kept."""
    model = charlm.load_model(cell)
    return dict(kind=cell, hidden_size=model.hidden_size, parameters=parameter_count(model),
                seed=seed, config=MAIN, history=None, seconds=None, val_bpc_float32=None,
                val_bpc_float16=charlm.bits_per_char(model, ids["val"][:SCORE_CHARS]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="tiny runs (20 updates) to test the script; nothing is saved")
    parser.add_argument("--part", choices=("all", "main", "tbptt", "tbptt-batch"),
                        default="all",
                        help="train everything, only the LSTM/GRU/RNN, or only one set of "
                             "truncation-length runs (merged into the shipped charlm/runs)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    save = not args.quick
    corpus = stdlib_corpus()
    ids = {k: encode(corpus.text(k)) for k in ("train", "val", "test")}
    main_cfg = dict(MAIN, steps=20) if args.quick else MAIN
    names = artifacts.records()
    old = artifacts.load("charlm/runs") if "charlm/runs" in names else {}
    if old and old.get("sha256") != corpus.sha256 and args.part != "all":
        raise SystemExit("charlm/runs was made from another corpus: rerun with --part all")
    report: dict = dict(python_version=corpus.python_version, sha256=corpus.sha256,
                        files=corpus.files, chars={k: int(len(v)) for k, v in ids.items()},
                        models=old.get("models", {}) if args.part != "all" else {})
    for seed, cell in enumerate(("lstm", "gru", "rnn")):
        if args.part in ("all", "main"):
            report["models"][cell] = train_one(cell, cell, hidden_for(cell), ids, main_cfg,
                                               seed, save)
        elif cell not in report["models"]:
            report["models"][cell] = record_from_weights(cell, ids, seed)
    if args.part in ("all", "tbptt"):
        for length in TBPTT_LENGTHS:
            steps = (TBPTT_CHARS // (32 * length)) if not args.quick else 20
            cfg = dict(steps=steps, batch_size=32, seq_len=length, lr=4e-3)
            report["models"][f"tbptt{length}"] = train_one(
                f"tbptt{length}", "lstm", hidden_for("lstm"), ids, cfg, 10, save)
    if args.part in ("all", "tbptt-batch"):
        for length in BATCH_LENGTHS:
            batch = MAIN["batch_size"] * MAIN["seq_len"] // length
            cfg = dict(main_cfg, batch_size=batch, seq_len=length)
            report["models"][f"tbptt{length}_b{batch}"] = train_one(
                f"tbptt{length}_b{batch}", "lstm", hidden_for("lstm"), ids, cfg, 0, save)
    if save:
        artifacts.save("charlm/runs", report, script=SCRIPT, command=COMMAND)


if __name__ == "__main__":
    main()
