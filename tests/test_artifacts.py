"""The registry of shipped results: every shipped file registered, every registered file
present and loadable, one record schema, and loadable from a non-editable install."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import numpy as np
import pytest

from lstmbook import artifacts

ROOT = Path(__file__).resolve().parents[1]


def shipped_files() -> set[str]:
    return {
        p.relative_to(artifacts.ROOT).as_posix()
        for p in artifacts.ROOT.glob("*/*")
        if p.name != "registry.json" and not p.name.startswith(".")  # not the save lock
    }


def test_every_shipped_file_is_registered():
    registered = {e["file"] for e in artifacts.records().values()}
    assert shipped_files() - registered == set()


def test_every_registered_file_exists():
    missing = [n for n, e in artifacts.records().items()
               if not (artifacts.ROOT / e["file"]).is_file()]
    assert not missing


def test_every_record_has_the_one_schema():
    for name, entry in artifacts.records().items():
        assert tuple(entry) == artifacts.RECORD_KEYS, name
        assert entry["kind"] in ("weights", "results"), name
        assert name.split("/")[0] == entry["file"].split("/")[0], name
        assert (ROOT / entry["script"]).is_file(), f"{name}: no script {entry['script']}"
        assert entry["script"] in entry["command"], name


@pytest.mark.parametrize("name", sorted(artifacts.records()))
def test_every_artifact_loads(name):
    content = artifacts.load(name)
    if artifacts.record(name)["kind"] == "weights":
        assert content and all(isinstance(v, np.ndarray) for v in content.values())
        assert all(np.isfinite(v).all() for v in content.values())
    else:
        assert isinstance(content, (dict, list)) and content


def test_no_shipped_file_sits_outside_the_registry_folder():
    strays = [p for p in (ROOT / "book").rglob("*") if p.suffix in (".npz", ".pt", ".pkl")]
    assert not strays, f"shipped files belong in lstmbook/shipped/: {strays}"


def test_unknown_name_is_a_value_error_with_suggestions():
    name = next(iter(artifacts.records()))
    with pytest.raises(ValueError, match="did you mean"):
        artifacts.record(name + "x")


def test_save_writes_file_and_entry(tmp_path, monkeypatch):
    monkeypatch.setattr(artifacts, "ROOT", tmp_path)
    artifacts.save("demo/w", {"a": np.ones((2, 3), np.float16)}, script="scripts/x.py",
                   seed=1, updates=10, cpu_seconds=1.234, metrics={"acc": np.float32(0.5)})
    artifacts.save("demo/r", {"rows": [1, 2]}, script="scripts/x.py", command="python x --q")
    entry = artifacts.record("demo/w")
    assert tuple(entry) == artifacts.RECORD_KEYS
    assert entry["precision"] == "float16" and entry["updates"] == 10
    assert entry["metrics"] == {"acc": 0.5} and "numpy" in entry["versions"]
    assert artifacts.load("demo/w")["a"].dtype == np.float16
    assert artifacts.load("demo/r") == {"rows": [1, 2]}
    assert json.loads((tmp_path / "demo" / "registry.json").read_text())["demo/r"]["command"] \
        == "python x --q"


def test_cli_lists_every_artifact():
    out = subprocess.run([sys.executable, "-m", "lstmbook.artifacts", "list"],
                         capture_output=True, text=True, check=True).stdout
    assert all(name in out for name in artifacts.records())


@pytest.mark.slow
def test_a_non_editable_install_loads_the_shipped_files(tmp_path):
    """``pip install .`` into a fresh environment (no dependencies fetched: it sees this
    environment's packages) and load every artifact from there, far from the checkout."""
    src = tmp_path / "src"  # a copy, so the build leaves nothing in the checkout
    shutil.copytree(ROOT / "lstmbook", src / "lstmbook",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    # pip run by the new environment's python installs there, and leaves the checkout's
    # own (editable) install alone: "outside environment", it is not uninstalled
    build = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-build-isolation",
         "--no-index", "--quiet", str(src)],
        capture_output=True, text=True, env={**os.environ, "PIP_NO_INPUT": "1"},
    )
    assert build.returncode == 0, build.stderr[-2000:]
    check = (
        "import lstmbook, lstmbook.artifacts as a\n"
        "assert 'site-packages' in lstmbook.__file__, lstmbook.__file__\n"
        "names = list(a.records())\n"
        "[a.load(n) for n in names]\n"
        "print(len(names))\n"
    )
    run = subprocess.run([str(python), "-c", check], cwd=tmp_path, capture_output=True,
                         text=True, env={k: v for k, v in os.environ.items()
                                         if k != "PYTHONPATH"})
    assert run.returncode == 0, run.stderr[-2000:]
    assert int(run.stdout) == len(artifacts.records())
    import lstmbook as here

    assert Path(here.__file__).resolve().parent == ROOT / "lstmbook"  # still the checkout's


def test_saves_from_two_processes_into_one_group_keep_both_entries(tmp_path):
    import subprocess
    import sys

    code = ("import sys; from lstmbook import artifacts; from pathlib import Path; "
            "artifacts.ROOT = Path(sys.argv[1]); "
            "[artifacts.save(f'g/{sys.argv[2]}{k}', {'k': k}, script='s', command='c') "
            "for k in range(30)]")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path), tag])
             for tag in ("a", "b")]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    entries = json.loads((tmp_path / "g" / "registry.json").read_text())
    assert len(entries) == 60
