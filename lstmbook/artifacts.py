"""THE registry of shipped results: every trained weight file and precomputed result the
book loads, with the script and the exact command that regenerates it, and a record of
what it cost.

Shipped files live inside the package (``lstmbook/shipped/<group>/``, installed as package
data), so :func:`load` works whether lstmbook is installed editable or not, and never
builds a path into ``book/``. Each group folder has a ``registry.json``: artifact name ->
entry, one schema for all (:data:`RECORD_KEYS`)::

    {"file": "faq/sine-lstm-s0.npz", "kind": "weights", "precision": "float32",
     "script": "scripts/train_faq.py", "command": "python scripts/train_faq.py",
     "seed": 0, "updates": 300, "cpu_seconds": 2.1,
     "versions": {"python": "3.11.7", "numpy": "...", "torch": "..."},
     "commit": "822cbda", "date": "2026-12-07", "metrics": {"test_mse": 0.012}}

From the command line::

    python -m lstmbook.artifacts list            # the table
    python -m lstmbook.artifacts rebuild NAME    # run NAME's command (from a source checkout)

Scripts write with :func:`save` (the file and its entry at once); pages read with
:func:`load` (arrays of a weights file, or the dict of a results file) and load weights
into a model with :func:`lstmbook.io.load_into`.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import platform
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from lstmbook.io import load_weights, save_weights

__all__ = [
    "ROOT",
    "RECORD_KEYS",
    "records",
    "record",
    "path",
    "load",
    "save",
    "versions",
    "main",
]

#: Where the shipped files live (package data).
ROOT = Path(__file__).resolve().parent / "shipped"
#: The keys of every registry entry.
RECORD_KEYS = (
    "file", "kind", "precision", "script", "command",
    "seed", "updates", "cpu_seconds", "versions", "commit", "date", "metrics",
)
_KINDS = ("weights", "results")


def _registry_files() -> list[Path]:
    return sorted(ROOT.glob("*/registry.json"))


def records() -> dict[str, dict[str, Any]]:
    """Every registered artifact: name -> entry (see :data:`RECORD_KEYS`)."""
    out: dict[str, dict[str, Any]] = {}
    for reg in _registry_files():
        for name, entry in json.loads(reg.read_text(encoding="utf-8")).items():
            out[name] = entry
    return dict(sorted(out.items()))


def record(name: str) -> dict[str, Any]:
    """The registry entry of one artifact.

    Raises
    ------
    ValueError
        If no artifact has that name (the message lists the names that come closest).
    """
    known = records()
    if name not in known:
        import difflib

        close = difflib.get_close_matches(name, list(known), n=5, cutoff=0.4)
        hint = f"; did you mean {close}?" if close else ""
        raise ValueError(
            f"no shipped artifact named {name!r}{hint} "
            f"(python -m lstmbook.artifacts list shows all {len(known)})"
        )
    return known[name]


def path(name: str) -> Path:
    """Where the file of artifact ``name`` is."""
    return ROOT / record(name)["file"]


def load(name: str) -> Any:
    """The content of a shipped artifact: ``{name: array}`` of a weights file (read without
    unpickling), or the parsed JSON of a results file."""
    entry = record(name)
    file = ROOT / entry["file"]
    if entry["kind"] == "weights":
        return load_weights(file)
    return json.loads(file.read_text(encoding="utf-8"))


def versions() -> dict[str, str]:
    """Versions of Python and the libraries that decide a trained result's numbers."""
    out = {"python": platform.python_version(), "numpy": np.__version__}
    try:
        import torch

        out["torch"] = torch.__version__
    except ImportError:
        pass
    return out


def _commit() -> str | None:
    """The source checkout's commit (with ``+dirty`` if it has changes), if there is one."""
    try:
        run = lambda *a: subprocess.run(  # noqa: E731
            ["git", *a], cwd=ROOT, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        head = run("rev-parse", "--short", "HEAD")
        return head + ("+dirty" if run("status", "--porcelain", "--", ":/lstmbook") else "")
    except (OSError, subprocess.SubprocessError):
        return None


def _precision(content: Any) -> str:
    if isinstance(content, Mapping) and content and all(
            hasattr(v, "dtype") for v in content.values()):
        kinds = sorted({str(np.asarray(v).dtype) for v in content.values()
                        if np.asarray(v).dtype.kind == "f"})
        return "/".join(kinds) or "none"
    return "n/a"


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def save(
    name: str,
    content: Any,
    *,
    script: str,
    command: str | None = None,
    seed: int | None = None,
    updates: int | None = None,
    cpu_seconds: float | None = None,
    metrics: Mapping[str, Any] | None = None,
) -> Path:
    """Write a shipped artifact and its registry entry (from a training script).

    Parameters
    ----------
    name : "<group>/<stem>"
        The group is the folder (``faq``, ``digits``, ...), the stem the file's name.
    content : mapping name -> array (a weights file, ``.npz``), or a JSON-able dict
        (a results file, ``.json``). Arrays keep their dtype (save float16 to halve a file).
    script : str
        The script that made it, relative to the repository root.
    command : str or None
        The exact command that regenerates it; default ``python <script>``.
    seed, updates, cpu_seconds : the run's seed and budget
    metrics : mapping, optional
        Its held-out scores.

    Returns
    -------
    Path of the written file.
    """
    group, _, stem = name.partition("/")
    if not group or not stem or "/" in stem:
        raise ValueError(f"artifact names look like 'group/stem', got {name!r}")
    is_weights = isinstance(content, Mapping) and all(
        hasattr(v, "shape") for v in content.values()) and bool(content)
    file = f"{group}/{stem}.{'npz' if is_weights else 'json'}"
    (ROOT / group).mkdir(parents=True, exist_ok=True)
    if is_weights:
        save_weights(ROOT / file, content)
    else:
        (ROOT / file).write_text(json.dumps(_jsonable(content), indent=1) + "\n",
                                 encoding="utf-8")
    entry = {
        "file": file,
        "kind": "weights" if is_weights else "results",
        "precision": _precision(content),
        "script": script,
        "command": command or f"python {script}",
        "seed": seed,
        "updates": updates,
        "cpu_seconds": None if cpu_seconds is None else round(float(cpu_seconds), 2),
        "versions": versions(),
        "commit": _commit(),
        "date": datetime.date.today().isoformat(),
        "metrics": _jsonable(dict(metrics or {})),
    }
    reg = ROOT / group / "registry.json"
    with _locked(ROOT / group / ".registry.lock"):  # two scripts may save into one group
        entries = json.loads(reg.read_text(encoding="utf-8")) if reg.exists() else {}
        entries[name] = entry
        tmp = reg.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(dict(sorted(entries.items())), indent=1, ensure_ascii=False)
                       + "\n", encoding="utf-8")
        tmp.replace(reg)
    return ROOT / file


@contextlib.contextmanager
def _locked(path: Path):
    """An exclusive lock on ``path`` (POSIX ``flock``; no lock where fcntl is missing)."""
    try:
        import fcntl
    except ImportError:  # Windows: scripts there run one at a time
        yield
        return
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _table() -> str:
    rows = [("name", "kind", "precision", "updates", "cpu s", "script")]
    for name, e in records().items():
        rows.append((name, e["kind"], e["precision"], str(e["updates"] or "-"),
                     str(e["cpu_seconds"] or "-"), e["script"]))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                     for r in rows)


def main(argv: list[str] | None = None) -> int:
    """``list`` prints the registry; ``rebuild NAME`` runs NAME's command."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m lstmbook.artifacts",
                                     description="The book's shipped weights and results.")
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("list", help="print every shipped artifact with its script")
    rebuild = sub.add_parser("rebuild", help="run the command that regenerates an artifact")
    rebuild.add_argument("name")
    args = parser.parse_args(argv)
    if args.action == "list":
        print(_table())
        return 0
    try:
        entry = record(args.name)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    repo = Path.cwd()
    if not (repo / entry["script"]).exists():
        print(f"error: {entry['script']} is not here; run this from a source checkout of "
              "lstmbook (the scripts are not installed with the package)", file=sys.stderr)
        return 2
    print(f"$ {entry['command']}", flush=True)
    # through the shell: commands may set variables first (OMP_NUM_THREADS=1 python ...)
    return subprocess.call(entry["command"], shell=True, cwd=repo)  # noqa: S602


if __name__ == "__main__":
    raise SystemExit(main())
