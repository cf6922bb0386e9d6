"""Train the character-level language models of book/applications/language_model.ipynb.

    OMP_NUM_THREADS=1 python scripts/train_charlm.py               # everything, ~2.5 min CPU
    OMP_NUM_THREADS=1 python scripts/train_charlm.py --part tbptt  # truncation, equal chars
    OMP_NUM_THREADS=1 python scripts/train_charlm.py --part tbptt-batch  # equal updates

Deterministic (fixed seeds, one thread, CPU). Trains on the training split of
:func:`lstmbook.data.text.stdlib_corpus` (the Python standard library's source, split by
file) and writes to ``book/applications/weights/``:

* ``charlm_lstm.npz``, ``charlm_gru.npz``, ``charlm_rnn.npz`` -- one recurrent layer each,
  hidden sizes chosen for about the same number of parameters, same updates and characters;
* ``charlm_tbptt{5,20,100}.npz`` -- the LSTM trained with truncation lengths 5, 20 and 100
  on the same number of characters with the same batch size (so the short windows make
  more updates; a shorter budget than the main models);
* ``charlm_tbptt{5,20}_b{640,160}.npz`` -- the LSTM with truncation lengths 5 and 20 and
  the same updates and characters per update as ``charlm_lstm`` (length 100, batch 32,
  seed 0): batch size 3200 / length, so only how far back the gradient reaches differs;
* ``charlm.json`` -- configuration, Python version, corpus hash and files, training curves,
  process seconds, and the validation bits per character before and after the float16
  rounding of the saved weights.

``--part tbptt`` (or ``tbptt-batch``) trains only those runs and merges them into
``charlm.json``; a main model without a record there gets one rebuilt from its shipped
weights (configuration and float16 validation bpc; ``history`` and ``seconds`` are then
``null``, as they exist only while training).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from lstmbook.data.text import encode, stdlib_corpus
from lstmbook.torch.charlm import (
    CharRNN,
    bits_per_char,
    hidden_size_for,
    load_charlm,
    parameter_count,
    save_charlm,
    train_tbptt,
)

OUT = Path(__file__).resolve().parents[1] / "book" / "applications" / "weights"
TARGET_PARAMS = 86_000  # about the LSTM with H = 118 and E = 32
MAIN = dict(steps=700, batch_size=32, seq_len=100, lr=4e-3)
TBPTT_CHARS = 200 * 32 * 100  # characters seen by each truncation-length run
TBPTT_LENGTHS = (5, 20, 100)
BATCH_LENGTHS = (5, 20)  # with batch_size = 32 * 100 // length and MAIN's steps and seed


def train_one(name: str, kind: str, hidden: int, corpus_ids: dict, cfg: dict, seed: int) -> dict:
    torch.manual_seed(seed)
    model = CharRNN(kind, hidden)
    t0 = time.process_time()
    hist = train_tbptt(model, corpus_ids["train"], val_ids=corpus_ids["val"], seed=seed,
                       val_every=max(cfg["steps"] // 20, 1), **cfg)
    seconds = time.process_time() - t0
    path = OUT / f"charlm_{name}.npz"
    save_charlm(path, model)
    val32 = bits_per_char(model, corpus_ids["val"][:100_000])
    val16 = bits_per_char(load_charlm(path, kind, hidden), corpus_ids["val"][:100_000])
    print(f"{name}: {kind} H={hidden} params={parameter_count(model)} "
          f"val bpc {val32:.4f} (float16 {val16:.4f}) in {seconds:.0f} s", flush=True)
    return dict(kind=kind, hidden_size=hidden, parameters=parameter_count(model), seed=seed,
                config=cfg, history=hist, seconds=seconds, val_bpc_float32=val32,
                val_bpc_float16=val16)


def record_from_weights(kind: str, ids: dict, seed: int) -> dict:
    """The record of a shipped main model whose training log was not kept."""
    hidden = hidden_size_for(kind, TARGET_PARAMS)
    model = load_charlm(OUT / f"charlm_{kind}.npz", kind, hidden)
    return dict(kind=kind, hidden_size=hidden, parameters=parameter_count(model), seed=seed,
                config=MAIN, history=None, seconds=None, val_bpc_float32=None,
                val_bpc_float16=bits_per_char(model, ids["val"][:100_000]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny run to test the script")
    parser.add_argument("--part", choices=("all", "main", "tbptt", "tbptt-batch"),
                        default="all",
                        help="train everything, only the LSTM/GRU/RNN, or only one set of "
                             "truncation-length runs (merged into an existing charlm.json)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    corpus = stdlib_corpus()
    ids = {k: encode(corpus.text(k)) for k in ("train", "val", "test")}
    main_cfg = dict(MAIN, steps=20) if args.quick else MAIN
    OUT.mkdir(parents=True, exist_ok=True)
    old = json.loads((OUT / "charlm.json").read_text()) if (OUT / "charlm.json").exists() else {}
    if old and old.get("sha256") != corpus.sha256 and args.part != "all":
        raise SystemExit("charlm.json was made from another corpus: rerun with --part all")
    report: dict = dict(python_version=corpus.python_version, sha256=corpus.sha256,
                        files=corpus.files, chars={k: int(len(v)) for k, v in ids.items()},
                        models=old.get("models", {}) if args.part != "all" else {})
    for seed, kind in enumerate(("lstm", "gru", "rnn")):
        if args.part in ("all", "main"):
            hidden = hidden_size_for(kind, TARGET_PARAMS)
            report["models"][kind] = train_one(kind, kind, hidden, ids, main_cfg, seed)
        elif kind not in report["models"]:
            report["models"][kind] = record_from_weights(kind, ids, seed)
    if args.part in ("all", "tbptt"):
        hidden = hidden_size_for("lstm", TARGET_PARAMS)
        for length in TBPTT_LENGTHS:
            steps = (TBPTT_CHARS // (32 * length)) if not args.quick else 20
            cfg = dict(steps=steps, batch_size=32, seq_len=length, lr=4e-3)
            report["models"][f"tbptt{length}"] = train_one(f"tbptt{length}", "lstm", hidden,
                                                           ids, cfg, seed=10)
    if args.part in ("all", "tbptt-batch"):
        hidden = hidden_size_for("lstm", TARGET_PARAMS)
        for length in BATCH_LENGTHS:
            batch = MAIN["batch_size"] * MAIN["seq_len"] // length
            cfg = dict(main_cfg, batch_size=batch, seq_len=length)
            report["models"][f"tbptt{length}_b{batch}"] = train_one(
                f"tbptt{length}_b{batch}", "lstm", hidden, ids, cfg, seed=0)
    (OUT / "charlm.json").write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
