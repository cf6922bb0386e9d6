"""The repository's own bookkeeping: the table of contents, committed notebooks and the
two dependency files agree with each other."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import tomllib
import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"

# PyPI name -> conda-forge name, where they differ
CONDA_NAMES = {"matplotlib": "matplotlib-base"}
# PyPI packages installed by the pip section of environment.yml
PIP_ONLY = {"torch", "django-static-mathjax", "playwright", "keras"}


def toc_files() -> list[str]:
    """Every ``file:`` entry of ``_toc.yml``, without extension, plus the root."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc.get("parts", toc.get("chapters", [])))
    return files


def resolve_page(entry: str) -> Path | None:
    for suffix in (".ipynb", ".md"):
        path = ROOT / (entry + suffix)
        if path.is_file():
            return path
    return None


def book_notebooks() -> list[Path]:
    return sorted(p for p in BOOK.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def test_every_toc_entry_names_an_existing_page():
    missing = [entry for entry in toc_files() if resolve_page(entry) is None]
    assert not missing, f"_toc.yml names pages that do not exist: {missing}"


def test_every_notebook_under_book_is_listed_in_the_toc():
    listed = {str(ROOT / entry) for entry in toc_files()}
    unlisted = [
        str(nb.relative_to(ROOT))
        for nb in book_notebooks()
        if str(nb.with_suffix("")) not in listed
    ]
    assert not unlisted, f"notebooks under book/ missing from _toc.yml: {unlisted}"


@pytest.mark.parametrize("notebook", book_notebooks(), ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_is_committed_without_outputs(notebook: Path):
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    dirty = [
        i
        for i, cell in enumerate(nb["cells"])
        if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count"))
    ]
    assert not dirty, f"{notebook.name}: cells {dirty} have outputs or execution counts; clear them"


def split_requirement(req: str) -> tuple[str, str]:
    """``"numpy>=1.26"`` -> ``("numpy", ">=1.26")``; names normalised to lower-case, ``-``."""
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(\[[^\]]*\])?\s*(.*)$", req)
    assert match, f"cannot parse requirement {req!r}"
    name = re.sub(r"[_.]+", "-", match.group(1)).lower()
    return name, match.group(3).replace(" ", "")


def pyproject_requirements(extras: tuple[str, ...]) -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    optional = project["optional-dependencies"]
    reqs: dict[str, str] = {}

    def add(req: str):
        name, spec = split_requirement(req)
        if name == project["name"]:  # self-reference like lstmbook[torch,book]
            for extra in re.search(r"\[(.*)\]", req).group(1).split(","):
                for r in optional[extra.strip()]:
                    add(r)
        else:
            reqs[name] = spec

    for req in project["dependencies"]:
        add(req)
    for extra in extras:
        for req in optional[extra]:
            add(req)
    return reqs


def environment_requirements() -> tuple[dict[str, str], dict[str, str]]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda, pip = {}, {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for line in dep["pip"]:
                if line.startswith("-"):
                    continue
                name, spec = split_requirement(line)
                pip[name] = spec
        else:
            name, spec = split_requirement(
                dep.replace("=", "==", 1) if re.match(r"^[\w.-]+=[^=]", dep) else dep
            )
            conda[name] = spec
    return conda, pip


def test_environment_yml_matches_pyproject_dev_extra():
    wanted = pyproject_requirements(("dev",))
    conda, pip = environment_requirements()
    problems = []
    for name, spec in wanted.items():
        if name in PIP_ONLY:
            where, have = "pip section", pip.get(name)
        else:
            where, have = "conda dependencies", conda.get(CONDA_NAMES.get(name, name))
        if have is None:
            problems.append(f"{name}{spec} is in pyproject.toml but not in the {where}")
        elif have != spec:
            problems.append(f"{name}: pyproject.toml says {spec!r}, environment.yml {have!r}")
    known = {CONDA_NAMES.get(n, n) for n in wanted} | {"python", "pip"}
    extra = sorted(set(conda) - known) + sorted(set(pip) - set(wanted))
    if extra:
        problems.append(f"environment.yml has packages pyproject.toml does not: {extra}")
    assert not problems, "\n".join(problems)


def test_torch_is_pinned_to_the_local_cpu_build_everywhere():
    # an unpinned torch pulls gigabytes of CUDA wheels
    assert pyproject_requirements(("torch",))["torch"] == "==2.13.0"
    assert environment_requirements()[1]["torch"] == "==2.13.0"


def test_gpu_extra_is_not_part_of_dev():
    assert "cupy-cuda12x" not in pyproject_requirements(("dev",))


def readme_command(label: str) -> str:
    """The command in the README's three-command table for ``label`` ("set up", ...)."""
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith(f"| **{label}** |"):
            return re.search(r"`([^`]+)`", line).group(1)
    raise AssertionError(f"README has no '{label}' row")


def test_ci_runs_the_readme_set_up_and_test_commands():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    for label in ("set up", "run the tests"):
        assert readme_command(label) in ci, f"README's {label!r} command is not a line of .ci/run"


def test_library_and_tests_are_ruff_clean():
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.fail("ruff is not installed: python -m pip install -e '.[dev]'")
    result = subprocess.run(
        [ruff, "check", "lstmbook", "tests", "book/_ext"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-4000:]
