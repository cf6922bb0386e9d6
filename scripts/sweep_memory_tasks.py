"""Success rate of an RNN, an LSTM and a GRU on two memory tasks against sequence length.

For the Background chapter (book/background/index.ipynb), which loads the result and plots
it. Every (task, T, model, seed) is trained by lstmbook.torch.memory.train_memory_task on
fresh batches, stops early once the validation accuracy reaches the threshold, and is
scored on a held-out test set. PyTorch on one CPU thread, deterministic seeds.

    OMP_NUM_THREADS=1 python scripts/sweep_memory_tasks.py            # the book's run
    # or one process per task and model, then: --merge part1.json part2.json ...
    python scripts/sweep_memory_tasks.py --lengths 10 20 --seeds 0 --steps 200 --out /tmp/x.json

The result is a JSON file: the settings, one record per run (task, T, model, seed,
accuracy, solved, updates, cpu_seconds) and the total CPU time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import torch

from lstmbook.torch.memory import train_memory_task

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "book" / "background" / "results" / "memory_sweep.json"

#: Accuracy that counts as solving each task (adding: answers within 0.04 of the sum).
THRESHOLDS = {"adding": 0.8, "recall": 0.9}


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tasks", nargs="+", default=["adding", "recall"])
    p.add_argument(
        "--kinds",
        nargs="+",
        default=["rnn", "lstm", "lstm-b3", "gru"],
        help="rnn, lstm (forget bias --forget-bias), lstm-b<bias> (that forget bias), gru",
    )
    p.add_argument("--lengths", nargs="+", type=int, default=[10, 25, 50, 100, 200])
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--steps", type=int, default=500, help="most updates per run")
    p.add_argument("--forget-bias", type=float, default=1.0, help="forget bias of 'lstm'")
    p.add_argument("--hidden", type=int, default=16)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-2)
    p.add_argument("--clip", type=float, default=1.0)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument(
        "--merge",
        nargs="+",
        type=Path,
        default=None,
        help="instead of training, merge these partial results into --out",
    )
    p.add_argument("--resume", action="store_true", help="skip runs already in --out")
    return p.parse_args(argv)


def model_of(name: str, default_bias: float) -> tuple[str, float | None]:
    """``"lstm-b3"`` -> ("lstm", 3.0); ``"lstm"`` -> ("lstm", default_bias); others no bias."""
    if name.startswith("lstm-b"):
        return "lstm", float(name[len("lstm-b") :])
    return name, (default_bias if name == "lstm" else None)


def run_one(args: argparse.Namespace, task: str, name: str, T: int, seed: int) -> dict:
    start = time.process_time()
    kind, forget_bias = model_of(name, args.forget_bias)
    r = train_memory_task(
        task,
        kind,
        T,
        seed=seed,
        hidden_size=args.hidden,
        steps=args.steps,
        batch_size=args.batch,
        lr=args.lr,
        clip_norm=args.clip,
        threshold=THRESHOLDS[task],
        forget_bias=forget_bias,
    )
    return {
        "task": task,
        "T": T,
        "model": name,
        "seed": seed,
        "accuracy": round(r.accuracy, 4),
        "solved": bool(r.solved),
        "updates": r.steps,
        "cpu_seconds": round(time.process_time() - start, 2),
        "val_accuracy": [[s, round(a, 4)] for s, a in r.val_accuracy],
    }


def merge(paths: list[Path], out: Path) -> None:
    """Join partial results (e.g. one process per model) into one file."""
    parts = [json.loads(p.read_text()) for p in paths]
    result = parts[0]
    for key in ("tasks", "kinds", "lengths", "seeds"):
        result["settings"][key] = sorted(
            {v for p in parts for v in p["settings"][key]},
            key=[v for p in parts for v in p["settings"][key]].index,
        )
    result["records"] = [r for p in parts for r in p["records"]]
    result["total_cpu_seconds"] = round(sum(p["total_cpu_seconds"] for p in parts), 1)
    result["complete"] = all(p["complete"] for p in parts)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"merged {len(paths)} files into {out} ({len(result['records'])} runs)")


def write(args: argparse.Namespace, records: list[dict], cpu: float, complete: bool) -> None:
    """Write the result file (after every run, so an interrupted sweep can --resume)."""
    settings = {k: v for k, v in vars(args).items() if k not in ("out", "merge", "resume")}
    settings |= {"thresholds": THRESHOLDS, "optimizer": "Adam", "eval_every": 100, "n_test": 1000}
    result = {
        "script": "scripts/sweep_memory_tasks.py",
        "settings": settings,
        "machine": {
            "torch": torch.__version__,
            "python": platform.python_version(),
            "threads": torch.get_num_threads(),
            "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
        },
        "complete": complete,
        "total_cpu_seconds": round(cpu, 1),
        "records": records,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.merge:
        return merge(args.merge, args.out)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    records, cpu = [], 0.0
    if args.resume and args.out.exists():
        old = json.loads(args.out.read_text())
        records, cpu = old["records"], old["total_cpu_seconds"]
    done = {(r["task"], r["T"], r["model"], r["seed"]) for r in records}
    for task in args.tasks:
        for T in args.lengths:
            for name in args.kinds:
                for seed in args.seeds:
                    if (task, T, name, seed) in done:
                        continue
                    rec = run_one(args, task, name, T, seed)
                    records.append(rec)
                    cpu += rec["cpu_seconds"]
                    write(args, records, cpu, complete=False)
                    print(
                        f"{task:7s} T={T:4d} {name:7s} seed {seed}: accuracy "
                        f"{rec['accuracy']:.3f} after {rec['updates']:5d} updates, "
                        f"{rec['cpu_seconds']:6.1f} s CPU",
                        flush=True,
                    )
    write(args, records, cpu, complete=True)
    print(f"wrote {args.out} ({len(records)} runs, {cpu:.1f} s CPU)")


if __name__ == "__main__":
    main()
