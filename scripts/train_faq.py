"""Train every model of the FAQ chapter (book/faq/) and ship its weights.

    OMP_NUM_THREADS=1 python scripts/train_faq.py                 # every run of FAQ_RUNS
    OMP_NUM_THREADS=1 python scripts/train_faq.py --only adding   # runs whose name starts so

A run is a :class:`lstmbook.torch.models.RecurrentNet` (hidden size 32 unless the run says
otherwise) trained by :func:`lstmbook.torch.train.fit` for a fixed number of Adam updates
(mini-batches of 64, gradient norm clipped at 1) on a task of
:mod:`lstmbook.data.faq_tasks`, three seeds per setting. Each run seeds its initial
weights and the order of its mini-batches from its seed, on one CPU thread.

The learning-rate x hidden-size sweep runs 3,000 updates and records the held-out MSE
every 100 updates (``eval_every``; recorded only -- nothing is chosen on it and the final
weights are kept), so that the page can read the effect of the learning rate at several
budgets instead of at one.

What it writes, through :func:`lstmbook.artifacts.save`:

* ``faq/<name>``: the weights, with the run's budget and held-out MSE in its record;
* ``faq/runs``: this run list -- name -> task, study, seed, the model's and fit's
  settings -- which the pages read to rebuild each model before loading its weights;
* ``faq/sweep``: for each sweep run, its learning rate, hidden size, seed and held-out MSE
  against updates (``eval_updates``, ``test_mse``), and its CPU seconds.

A summary line per run (name, test MSE, CPU seconds) is printed.
"""

from __future__ import annotations

import argparse
from typing import Any

import torch
from torch import nn

from lstmbook import artifacts
from lstmbook.data.faq_tasks import faq_task
from lstmbook.io import state_arrays
from lstmbook.torch.models import RecurrentNet
from lstmbook.torch.train import evaluate, fit

SCRIPT = "scripts/train_faq.py"
SEEDS = (0, 1, 2)
CELLS = ("rnn", "gru", "lstm")
#: Settings every run shares unless it says otherwise.
DEFAULTS = {"hidden_size": 32, "lr": 1e-2, "batch_size": 64, "clip_norm": 1.0}


#: The sweep's budget, and how often it records the held-out MSE on the way.
SWEEP_STEPS, SWEEP_EVAL_EVERY = 3000, 100
SWEEP_LRS, SWEEP_SIZES = (1e-4, 1e-3, 1e-2, 1e-1, 1.0), (4, 32)


def _run(name: str, task: str, study: str, cell: str, seed: int, steps: int,
         eval_every: int | None = None, **settings: Any) -> dict[str, Any]:
    s = {**DEFAULTS, **settings}
    fit_settings = {"steps": steps, "lr": s["lr"], "batch_size": s["batch_size"],
                    "clip_norm": s["clip_norm"]}
    if eval_every is not None:
        fit_settings["eval_every"] = eval_every
    return {
        "name": name, "task": task, "study": study, "seed": seed,
        "model": {"cell": cell, "hidden_size": s["hidden_size"]},
        "fit": fit_settings,
    }


#: Every trained run of the FAQ chapter. ``study`` says which comparison it belongs to:
#: the three cells on a short and a long dependency (basics), the learning-rate and
#: hidden-size grid (training), missing values and outliers (data).
FAQ_RUNS: list[dict[str, Any]] = (
    [_run(f"sine-{c}-s{s}", "sine", "cells", c, s, steps=300) for c in CELLS for s in SEEDS]
    + [_run(f"adding-{c}-s{s}", "adding", "cells", c, s, steps=1500)
       for c in CELLS for s in SEEDS]
    + [_run(f"sweep-lr{lr:g}-h{h}-s{s}", "sine", "sweep", "lstm", s, steps=SWEEP_STEPS,
            eval_every=SWEEP_EVAL_EVERY, lr=lr, hidden_size=h)
       for lr in SWEEP_LRS for h in SWEEP_SIZES for s in SEEDS]
    + [_run(f"missing-{m}-lstm-s{s}", f"missing-{m}", "missing", "lstm", s, steps=300)
       for m in ("zero", "mean", "ffill", "indicator") for s in SEEDS]
    + [_run(f"outlier-{m}-lstm-s{s}", f"outlier-{m}", "outliers", "lstm", s, steps=300)
       for m in ("standard", "robust", "robust-clip") for s in SEEDS]
)


def model_settings(run: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of the run's :class:`RecurrentNet` (sizes from its task)."""
    x_tr, y_tr, _, _ = faq_task(run["task"])
    return {**run["model"], "input_size": x_tr.shape[-1], "output_size": y_tr.shape[-1]}


def train(run: dict[str, Any]) -> dict[str, Any]:
    """Train one run, evaluate it on its task's test split, and save it. A run with
    ``eval_every`` records the held-out MSE along the way (the final weights are kept).

    Returns
    -------
    dict : ``eval_updates`` and ``test_mse`` along the run, and its ``cpu_seconds``
    """
    x_tr, y_tr, x_te, y_te = faq_task(run["task"])
    torch.manual_seed(run["seed"])
    model = RecurrentNet(**model_settings(run))
    along = ({"val_data": (x_te, y_te), "restore_best": False}
             if "eval_every" in run["fit"] else {})
    history = fit(model, (x_tr, y_tr), loss_fn=nn.MSELoss(), seed=run["seed"], **run["fit"],
                  **along)
    test_mse = evaluate(model, nn.MSELoss(), (x_te, y_te))
    artifacts.save(
        f"faq/{run['name']}", state_arrays(model), script=SCRIPT,
        command=f"python {SCRIPT} --only {run['name']}", seed=run["seed"],
        updates=history.updates, cpu_seconds=history.cpu_seconds,
        metrics={"test_mse": round(test_mse, 6)},
    )
    print(f"{run['name']:28s} test MSE {test_mse:.4f}  {history.cpu_seconds:6.1f} CPU s",
          flush=True)
    return {"eval_updates": history.eval_updates,
            "test_mse": [round(v, 6) for v in history.val_metric],
            "cpu_seconds": round(history.cpu_seconds, 2)}


def save_sweep(curves: dict[str, dict[str, Any]]) -> None:
    """Add the sweep runs trained now to the results file ``faq/sweep`` (runs trained by an
    earlier call stay), and drop runs no longer in FAQ_RUNS."""
    sweep = {f"faq/{r['name']}": r for r in FAQ_RUNS if r["study"] == "sweep"}
    try:
        shipped = artifacts.load("faq/sweep")
    except ValueError:
        shipped = {}
    merged = {n: v for n, v in shipped.items() if n in sweep}
    for name, curve in curves.items():
        run = sweep[name]
        merged[name] = {"lr": run["fit"]["lr"], "hidden_size": run["model"]["hidden_size"],
                        "seed": run["seed"], **curve}
    artifacts.save("faq/sweep", dict(sorted(merged.items())), script=SCRIPT,
                   command=f"python {SCRIPT} --only sweep",
                   cpu_seconds=sum(v["cpu_seconds"] for v in merged.values()))


def save_run_list() -> None:
    """Ship FAQ_RUNS, with each model's full settings, as the results file ``faq/runs``."""
    runs = {
        f"faq/{r['name']}": {"task": r["task"], "study": r["study"], "seed": r["seed"],
                             "model": model_settings(r), "fit": r["fit"]}
        for r in FAQ_RUNS
    }
    artifacts.save("faq/runs", runs, script=SCRIPT, command=f"python {SCRIPT} --only runs")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", default=[""],
                        help="train only the runs whose name starts with one of these "
                             "('runs': the list only)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    curves = {}
    for run in FAQ_RUNS:
        if run["name"].startswith(tuple(args.only)):
            curve = train(run)
            if run["study"] == "sweep":
                curves[f"faq/{run['name']}"] = curve
    save_run_list()
    if curves:
        save_sweep(curves)


if __name__ == "__main__":
    main()
