"""Train the character-level language models of book/applications/language_model.ipynb.

    OMP_NUM_THREADS=1 python scripts/train_charlm.py               # everything, ~1 CPU-hour
    OMP_NUM_THREADS=1 python scripts/train_charlm.py --part main   # lr grid, 3 cells x 3 seeds
    OMP_NUM_THREADS=1 python scripts/train_charlm.py --part tbptt  # truncation, equal chars
    OMP_NUM_THREADS=1 python scripts/train_charlm.py --part tbptt-batch  # equal updates
    python scripts/train_charlm.py --quick                         # try the script, save nothing

Deterministic (fixed seeds, one thread, CPU). Trains on the training split of
:func:`lstmbook.data.text.stdlib_corpus` (the Python standard library's source, split by
file) with :func:`lstmbook.torch.train.fit` and the truncated-BPTT step of
:func:`lstmbook.torch.charlm.tbptt_training`, and writes through
:func:`lstmbook.artifacts.save` (file and registry entry, with budget and metrics):

* ``charlm/lr_grid`` -- each cell's learning rate, chosen on the validation split from
  :data:`LR_GRID` after :data:`TUNE_STEPS` updates (seed 0; cosine schedule over them);
* ``charlm/lstm``, ``charlm/gru``, ``charlm/rnn`` (seed 0) and ``charlm/<cell>_s1``,
  ``_s2`` -- one recurrent layer each, hidden sizes chosen for about the same number of
  parameters, the LSTM with forget-gate bias 1, each at its own learning rate, all with the
  same updates and characters (:data:`MAIN`); every run is scored on the whole test split
  (read as :data:`TEST_STREAMS` parallel streams), with the bits of every block of
  :data:`BLOCK` characters kept for paired tests, and the seed-0 runs keep text sampled at
  several budgets (:data:`SAMPLE_AT`);
* ``charlm/tbptt{5,20,100}`` -- the LSTM trained with truncation lengths 5, 20 and 100
  on the same number of characters with the same batch size (so the short windows make
  more updates; a shorter budget than the main models);
* ``charlm/tbptt{5,20}_b{640,160}`` -- the LSTM with truncation lengths 5 and 20 and
  the same updates and characters per update as the 700-update LSTM the page first shipped
  (length 100, batch 32, seed 0): batch size 3200 / length, so only how far back the
  gradient reaches differs (``charlm/tbptt100_b32`` is that LSTM);
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
import time

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
MAIN = dict(steps=3000, batch_size=32, seq_len=100)  # + each cell's lr from the grid
SEEDS = (0, 1, 2)
FORGET_BIAS = {"lstm": 1.0}  # main runs; the others have no forget gate (the truncation
# runs keep PyTorch's default initialisation, as when they were first trained)
LR_GRID = (3e-3, 6e-3, 1.2e-2, 2.4e-2)
TUNE_STEPS = 500
TBPTT_BATCH_BASE = dict(steps=700, batch_size=32, seq_len=100, lr=4e-3)
TEST_STREAMS = 16  # the test split read as 16 streams (each from the zero state)
BLOCK = 2_000  # characters per block of the paired test
SAMPLE_AT = (150, 600, 3000)  # updates at which the seed-0 runs sample text
SAMPLE_PROMPT = "    def __init__(self"
TBPTT_CHARS = 200 * 32 * 100  # characters seen by each truncation-length run
TBPTT_LENGTHS = (5, 20, 100)
BATCH_LENGTHS = (5, 20, 100)  # batch 3200 // length, TBPTT_BATCH_BASE steps and seed
VAL_CHARS = 40_000  # validation characters scored during training (as VAL_STREAMS streams)
SCORE_CHARS = 100_000  # validation characters of the recorded final scores (same streams)
VAL_STREAMS = 16


def hidden_for(cell: str) -> int:
    """The hidden size of ``cell`` for about :data:`TARGET_PARAMS` parameters."""
    return hidden_size_for(cell, TARGET_PARAMS, V, V, embedding=charlm.EMBEDDING)


def train_one(name: str, cell: str, hidden: int, ids: dict, cfg: dict, seed: int,
              save: bool, *, test: bool = True, samples: bool = False,
              forget_bias: float | None = None) -> dict:
    """Train one model with truncated BPTT; with ``test``, also score the whole test split
    (and keep its per-block bits); with ``samples``, keep text sampled at SAMPLE_AT."""
    torch.manual_seed(seed)
    model = charlm.build_model(cell, hidden, forget_bias=forget_bias)
    windows, step = charlm.tbptt_training(model, ids["train"], **cfg)
    every = max(cfg["steps"] // 20, 1)
    start, cpu_at, sampled = time.process_time(), [], {}

    def validation_bpc(model, val) -> float:
        # fit calls this after every `every` updates: note the CPU time, maybe sample
        cpu_at.append(time.process_time() - start)
        done = len(cpu_at) * every
        if samples and done in SAMPLE_AT:
            sampled[done] = charlm.sample(model, SAMPLE_PROMPT, 300, temperature=0.7, seed=1)
        return charlm.bits_per_char(model, val, streams=VAL_STREAMS)

    history = fit(model, windows, step_fn=step, steps=cfg["steps"],
                  val_data=ids["val"][:VAL_CHARS], metric=validation_bpc,
                  eval_every=every, restore_best=False, progress=False)
    weights = state_arrays(model, dtype=np.float16)
    shipped = load_into(charlm.build_model(cell, hidden), weights)
    val32 = charlm.bits_per_char(model, ids["val"][:SCORE_CHARS], streams=VAL_STREAMS)
    val16 = charlm.bits_per_char(shipped, ids["val"][:SCORE_CHARS], streams=VAL_STREAMS)
    scores = {"val_bpc_float32": val32, "val_bpc_float16": val16}
    blocks = None
    if test:  # the shipped (float16) weights on the whole test split
        bits = charlm.char_bits(shipped, ids["test"], streams=TEST_STREAMS)
        n = bits.shape[1] // BLOCK * BLOCK
        blocks = bits[:, :n].reshape(-1, BLOCK).mean(axis=1).round(5).tolist()
        scores["test_bpc"] = float(bits.mean())
    print(f"{name}: {cell} H={hidden} params={parameter_count(model)} lr={cfg['lr']} "
          f"val bpc {val32:.4f} (float16 {val16:.4f})"
          + (f", test {scores['test_bpc']:.4f}" if test else "")
          + f" in {history.cpu_seconds:.0f} s", flush=True)
    if save:
        artifacts.save(f"charlm/{name}", weights, script=SCRIPT, command=COMMAND, seed=seed,
                       updates=history.updates, cpu_seconds=history.cpu_seconds,
                       metrics=scores)
    losses = np.asarray(history.loss) / math.log(2)
    curves = dict(step=history.eval_updates,
                  train_bpc=[float(np.mean(losses[max(0, u - every) : u]))
                             for u in history.eval_updates],
                  val_bpc=history.val_metric, cpu_seconds=[round(c, 2) for c in cpu_at])
    return dict(kind=cell, hidden_size=hidden, parameters=parameter_count(model), seed=seed,
                config=cfg, forget_bias=forget_bias, history=curves,
                seconds=history.cpu_seconds, updates=history.updates,
                sequences=history.sequences, test_blocks=blocks,
                samples={str(k): v for k, v in sampled.items()}, **scores)


def tune(ids: dict, quick: bool, save: bool) -> dict:
    """Each cell's learning rate: the grid value with the lowest validation bpc after
    TUNE_STEPS updates (seed 0, the main runs' batch and window, cosine over TUNE_STEPS)."""
    steps = 20 if quick else TUNE_STEPS
    result = {"grid": list(LR_GRID), "steps": steps, "seed": 0, "val_chars": VAL_CHARS,
              "val_bpc": {}, "chosen": {}, "cpu_seconds": 0.0}
    for cell in ("lstm", "gru", "rnn"):
        result["val_bpc"][cell] = {}
        for lr in LR_GRID:
            cfg = dict(MAIN, steps=steps, lr=lr)
            run = train_one(f"tune-{cell}-{lr}", cell, hidden_for(cell), ids, cfg, 0, False,
                            test=False, forget_bias=FORGET_BIAS.get(cell))
            result["val_bpc"][cell][str(lr)] = run["history"]["val_bpc"][-1]
            result["cpu_seconds"] += run["seconds"]
        grid = result["val_bpc"][cell]
        result["chosen"][cell] = float(min(grid, key=grid.get))
    if save:
        artifacts.save("charlm/lr_grid", result, script=SCRIPT, command=COMMAND + " --part main",
                       seed=0, updates=steps * len(LR_GRID) * 3,
                       cpu_seconds=result["cpu_seconds"], metrics={"chosen": result["chosen"]})
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="tiny runs (20 updates) to test the script; nothing is saved")
    parser.add_argument("--part", choices=("all", "main", "tbptt", "tbptt-batch"),
                        default="all",
                        help="train everything, only the learning-rate grid and the "
                             "LSTM/GRU/RNN runs, or only one set of truncation-length runs "
                             "(each part is merged into the shipped charlm/runs)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    save = not args.quick
    corpus = stdlib_corpus()
    ids = {k: encode(corpus.text(k)) for k in ("train", "val", "test")}
    names = artifacts.records()
    old = artifacts.load("charlm/runs") if "charlm/runs" in names else {}
    if old and old.get("sha256") != corpus.sha256 and args.part != "all":
        raise SystemExit("charlm/runs was made from another corpus: rerun with --part all")
    report: dict = dict(python_version=corpus.python_version, sha256=corpus.sha256,
                        files=corpus.files, chars={k: int(len(v)) for k, v in ids.items()},
                        models=old.get("models", {}) if args.part != "all" else {})
    if args.part in ("all", "main"):
        grid = tune(ids, args.quick, save)
        # the grid is its own artifact, charlm/lr_grid
        for seed in SEEDS:
            for cell in ("lstm", "gru", "rnn"):
                cfg = dict(MAIN, lr=grid["chosen"][cell])
                if args.quick:
                    cfg["steps"] = 20
                name = cell if seed == 0 else f"{cell}_s{seed}"
                report["models"][name] = train_one(name, cell, hidden_for(cell), ids, cfg,
                                                   seed, save, samples=seed == 0,
                                                   forget_bias=FORGET_BIAS.get(cell))
                if save:  # after every run, so that a long run's progress is kept
                    artifacts.save("charlm/runs", report, script=SCRIPT, command=COMMAND)
    if args.part in ("all", "tbptt"):
        for length in TBPTT_LENGTHS:
            steps = (TBPTT_CHARS // (32 * length)) if not args.quick else 20
            cfg = dict(steps=steps, batch_size=32, seq_len=length, lr=4e-3)
            report["models"][f"tbptt{length}"] = train_one(
                f"tbptt{length}", "lstm", hidden_for("lstm"), ids, cfg, 10, save)
    if args.part in ("all", "tbptt-batch"):
        base = dict(TBPTT_BATCH_BASE, steps=20) if args.quick else TBPTT_BATCH_BASE
        for length in BATCH_LENGTHS:
            batch = base["batch_size"] * base["seq_len"] // length
            cfg = dict(base, batch_size=batch, seq_len=length)
            report["models"][f"tbptt{length}_b{batch}"] = train_one(
                f"tbptt{length}_b{batch}", "lstm", hidden_for("lstm"), ids, cfg, 0, save)
    if save:
        artifacts.save("charlm/runs", report, script=SCRIPT, command=COMMAND)


if __name__ == "__main__":
    main()
