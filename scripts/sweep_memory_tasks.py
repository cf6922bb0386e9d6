"""Success rate of an RNN, LSTMs and a GRU on three memory tasks against sequence length.

For the Background chapter (book/background/index.ipynb), which loads the result
(``lstmbook.artifacts.load("background/memory_sweep")``) and plots it. Every (task, T,
model, seed) is trained by lstmbook.torch.memory.train_memory_task (a RecurrentNet trained
by lstmbook.torch.train.fit on fresh batches), stops early once the validation accuracy
reaches the threshold, and is scored on a held-out test set. PyTorch on one CPU thread,
deterministic seeds.

The budget is meant to reach the answer, not to ration it: Adam at 5e-3 halved every
1,500 updates (so after 8,000 updates the step is 1/32 of the first), clipping at norm 1,
32 sequences per update, as in small modern reproductions of Hochreiter & Schmidhuber
(1997). One economy, stated in the result: a (task, model) that solved 0 of its seeds at
two lengths in a row is not run at the longer ones (recorded as ``skipped``).

    python scripts/sweep_memory_tasks.py            # the book's run: writes the artifact
    # or one process per task and model (each with --out), then: --merge part1.json ...
    python scripts/sweep_memory_tasks.py --lengths 10 20 --seeds 0 --steps 200 --out /tmp/x.json

The result is a JSON file: the settings, one record per run (task, T, model, seed,
accuracy, solved, updates, cpu_seconds) and the total CPU time. Without --out it is the
shipped artifact ``background/memory_sweep``, written with its registry entry.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import time
from pathlib import Path

import torch

from lstmbook import artifacts
from lstmbook.torch.memory import train_memory_task

ARTIFACT = "background/memory_sweep"
SCRIPT = "scripts/sweep_memory_tasks.py"
#: The command that regenerates the shipped artifact (the script sets one thread itself).
COMMAND = f"python {SCRIPT}"

#: Test accuracy that counts as solving each task (adding: the fraction of answers within
#: lstmbook.data.memory.ADDING_TOLERANCE = 0.08 of the sum, which is Hochreiter &
#: Schmidhuber's 0.04 on their scaled target).
THRESHOLDS = {"adding": 0.95, "recall": 0.95, "order": 0.95}

#: Lengths per task: recall goes further, since the LSTM holds a symbol longest there;
#: temporal order up to Hochreiter & Schmidhuber's own length (100 to 110).
LENGTHS = {"adding": [10, 25, 50, 100, 200], "recall": [10, 25, 50, 100, 200, 400],
           "order": [10, 25, 50, 100]}

#: Lengths run only for some models: how far the LSTM goes, not a comparison.
ONLY = {("recall", 400): ("lstm", "lstm-chrono")}


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tasks", nargs="+", default=["adding", "recall", "order"])
    p.add_argument(
        "--kinds",
        nargs="+",
        default=["rnn", "lstm-b0", "lstm", "lstm-chrono", "gru"],
        help="rnn, lstm (forget bias --forget-bias), lstm-b<bias> (that forget bias), "
        "lstm-chrono (chrono initialisation for T), gru",
    )
    p.add_argument("--lengths", nargs="+", type=int, default=None,
                   help="the same lengths for every task (default: LENGTHS per task)")
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--steps", type=int, default=8000, help="most updates per run")
    p.add_argument("--forget-bias", type=float, default=1.0, help="forget bias of 'lstm'")
    p.add_argument("--hidden", type=int, default=16)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=5e-3)
    p.add_argument("--halve-every", type=int, default=1500)
    p.add_argument("--clip", type=float, default=1.0)
    p.add_argument("--eval-every", type=int, default=250)
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"write the result here instead of the shipped artifact {ARTIFACT!r}",
    )
    p.add_argument(
        "--merge",
        nargs="+",
        type=Path,
        default=None,
        help="instead of training, merge these partial results (into --out, or the artifact)",
    )
    p.add_argument("--resume", action="store_true", help="skip runs already in --out")
    return p.parse_args(argv)


def model_of(name: str, default_bias: float) -> tuple[str, float | None, str]:
    """Cell, forget bias and initialisation of a model name: ``"lstm-b3"`` -> ("lstm", 3.0,
    "default"); ``"lstm"`` -> ("lstm", default_bias, "default"); ``"lstm-b0"`` keeps
    PyTorch's own draw (bias None); ``"lstm-chrono"`` -> ("lstm", None, "chrono")."""
    if name == "lstm-chrono":
        return "lstm", None, "chrono"
    if name == "lstm-b0":
        return "lstm", None, "default"
    if name.startswith("lstm-b"):
        return "lstm", float(name[len("lstm-b") :]), "default"
    return name, (default_bias if name == "lstm" else None), "default"


def run_one(args: argparse.Namespace, task: str, name: str, T: int, seed: int) -> dict:
    start = time.process_time()
    cell, forget_bias, init = model_of(name, args.forget_bias)
    r = train_memory_task(
        task,
        cell,
        T,
        seed=seed,
        hidden_size=args.hidden,
        steps=args.steps,
        batch_size=args.batch,
        lr=args.lr,
        halve_every=args.halve_every,
        clip_norm=args.clip,
        eval_every=args.eval_every,
        threshold=THRESHOLDS[task],
        forget_bias=forget_bias,
        init=init,
    )
    return {
        "task": task,
        "T": T,
        "model": name,
        "seed": seed,
        "accuracy": round(r.accuracy, 4),
        "solved": bool(r.solved),
        "updates": r.history.updates,
        "sequences": r.history.sequences,
        "cpu_seconds": round(time.process_time() - start, 2),
        "val_accuracy": [
            [s, round(a, 4)]
            for s, a in zip(r.history.eval_updates, r.history.val_metric, strict=True)
        ],
    }


def budget_and_metrics(result: dict) -> dict:
    """The registry entry's ``updates``, ``cpu_seconds`` and ``metrics`` of a result."""
    records = result["records"]
    solved = {
        f"{task}/{model}": sum(
            r["solved"] for r in records if (r["task"], r["model"]) == (task, model)
        )
        for task in result["settings"]["tasks"]
        for model in result["settings"]["kinds"]
    }
    return {
        "updates": sum(r["updates"] for r in records),
        "cpu_seconds": result["total_cpu_seconds"],
        "metrics": {"runs": len(records), "complete": result["complete"], "runs_solved": solved},
    }


def save(result: dict, out: Path | None, command: str) -> Path:
    """Write ``result`` to ``out``, or (``out`` None) as the shipped artifact with its entry."""
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=1) + "\n")
        return out
    return artifacts.save(
        ARTIFACT, result, script=SCRIPT, command=command, **budget_and_metrics(result)
    )


def merge(paths: list[Path], out: Path | None) -> None:
    """Join partial results (e.g. one process per model) into one file."""
    parts = [json.loads(p.read_text()) for p in paths]
    result = parts[0]
    defaults = vars(parse_args([]))
    for key in ("tasks", "kinds", "seeds"):  # in the order of the defaults, then as found
        found = [v for p in parts for v in p["settings"][key]]
        order = list(defaults[key]) + found
        result["settings"][key] = sorted(set(found), key=order.index)
    result["settings"]["lengths"] = {
        task: sorted({T for p in parts for T in p["settings"]["lengths"].get(task, [])})
        for task in result["settings"]["tasks"]}
    result["records"] = [r for p in parts for r in p["records"]]
    result["skipped"] = [r for p in parts for r in p.get("skipped", [])]
    result["total_cpu_seconds"] = round(sum(p["total_cpu_seconds"] for p in parts), 1)
    result["complete"] = all(p["complete"] for p in parts)
    written = save(result, out, COMMAND)
    print(f"merged {len(paths)} files into {written} ({len(result['records'])} runs)")


def lengths_of(args: argparse.Namespace) -> dict[str, list[int]]:
    return {task: args.lengths or LENGTHS[task] for task in args.tasks}


def write(
    args: argparse.Namespace, records: list[dict], cpu: float, complete: bool, command: str,
    skipped: list[dict] | None = None,
) -> Path:
    """Write the result file (after every run, so an interrupted sweep can --resume)."""
    from lstmbook.data.memory import ADDING_TOLERANCE, HS_SCALED_TOLERANCE

    settings = {k: v for k, v in vars(args).items() if k not in ("out", "merge", "resume")}
    settings |= {"lengths": lengths_of(args), "thresholds": THRESHOLDS, "optimizer": "Adam",
                 "schedule": f"lr * 0.5 ** (update // {args.halve_every})", "n_test": 1000,
                 "adding_tolerance_on_sum": ADDING_TOLERANCE,
                 "adding_tolerance_on_hs_scaled_target": HS_SCALED_TOLERANCE,
                 "skip_rule": "a (task, model) that solved no seed at two lengths in a row "
                              "is not run at longer lengths",
                 "only": {f"{t} {T}": list(kinds) for (t, T), kinds in ONLY.items()}}
    result = {
        "script": SCRIPT,
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
        "skipped": skipped or [],
    }
    return save(result, args.out, command)


def main(argv=None) -> None:
    args = parse_args(argv)
    given = [a for a in (argv if argv is not None else sys.argv[1:]) if a != "--resume"]
    command = shlex.join(["python", SCRIPT, *given])
    if args.merge:
        return merge(args.merge, args.out)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    records, cpu = [], 0.0
    previous = (args.out or artifacts.path(ARTIFACT)) if args.resume else None
    if previous is not None and previous.exists():
        old = json.loads(previous.read_text())
        records, cpu = old["records"], old["total_cpu_seconds"]
    done = {(r["task"], r["T"], r["model"], r["seed"]) for r in records}
    skipped: list[dict] = []
    for task in args.tasks:
        failed_at: dict[str, list[int]] = {name: [] for name in args.kinds}
        for T in lengths_of(args)[task]:
            for name in args.kinds:
                if len(failed_at[name]) >= 2:
                    skipped.append({"task": task, "T": T, "model": name,
                                    "failed_at": failed_at[name][-2:]})
                    continue
                if name not in ONLY.get((task, T), (name,)):
                    skipped.append({"task": task, "T": T, "model": name, "failed_at": [],
                                    "why": "only " + ", ".join(ONLY[task, T]) + " at this T"})
                    continue
                for seed in args.seeds:
                    if (task, T, name, seed) in done:
                        continue
                    rec = run_one(args, task, name, T, seed)
                    records.append(rec)
                    cpu += rec["cpu_seconds"]
                    write(args, records, cpu, False, command, skipped)
                    print(
                        f"{task:7s} T={T:4d} {name:7s} seed {seed}: accuracy "
                        f"{rec['accuracy']:.3f} after {rec['updates']:5d} updates, "
                        f"{rec['cpu_seconds']:6.1f} s CPU",
                        flush=True,
                    )
                ours = [r for r in records if (r["task"], r["T"], r["model"]) == (task, T, name)]
                failed = bool(ours) and not any(r["solved"] for r in ours)
                failed_at[name] = failed_at[name] + [T] if failed else []
    written = write(args, records, cpu, True, command, skipped)
    print(f"wrote {written} ({len(records)} runs, {cpu:.1f} s CPU)")


if __name__ == "__main__":
    main()
