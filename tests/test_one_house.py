"""One house for the experiments: the library's structure rules, checked on its source.

One preamble on every page; prose-printing cells hidden; no import cycle; no ``KeyError``
for bad arguments; no path into ``book/``; one training loop.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import lstmbook

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "lstmbook"


def notebooks() -> list[Path]:
    return sorted(p for p in (ROOT / "book").rglob("*.ipynb")
                  if ".ipynb_checkpoints" not in p.parts)


def code_cells(path: Path) -> list[dict]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def library_modules() -> dict[str, Path]:
    out = {}
    for path in LIB.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


@pytest.mark.parametrize("notebook", notebooks(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_page_starts_with_the_one_preamble(notebook):
    first = source(code_cells(notebook)[0]).strip()
    assert first == lstmbook.PAGE_PREAMBLE, (
        f"{notebook.name}: the first code cell must be lstmbook.PAGE_PREAMBLE, got\n{first}")


def test_setup_page_sets_one_thread_and_the_seed():
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    try:
        lstmbook.setup_page(seed=3)
        assert torch.get_num_threads() == 1
        a = torch.rand(1)
        lstmbook.setup_page(seed=3)
        assert torch.equal(a, torch.rand(1))
    finally:
        torch.set_num_threads(before)
    with pytest.raises(ValueError, match="threads"):
        lstmbook.setup_page(threads=0)


#: How a page prints prose it generated: ``Markdown(f"...")``, ``display(Markdown(...))``.
_PRINTERS = {"Markdown", "display"}


def _is_text(node: ast.AST) -> bool:
    """A string, an f-string, or strings joined with + / % / .format / .join."""
    if isinstance(node, (ast.JoinedStr,)) or (
            isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return True
    if isinstance(node, ast.BinOp):
        return _is_text(node.left) or _is_text(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in ("format", "join", "strip") and _is_text(node.func.value)
    return False


def _prints_only_prose(code: str) -> bool:
    try:
        body = ast.parse(code).body
    except SyntaxError:
        return False
    if not body:
        return False
    printed = False
    for stmt in body:
        if isinstance(stmt, ast.Assign) and _is_text(stmt.value):
            continue
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and \
                call.func.id in _PRINTERS and call.args:
            arg = call.args[0]
            inner = arg.args[0] if isinstance(arg, ast.Call) and arg.args else arg
            if _is_text(arg) or _is_text(inner) or isinstance(inner, ast.Name):
                printed = True
                continue
        return False
    return printed


@pytest.mark.parametrize("notebook", notebooks(), ids=lambda p: str(p.relative_to(ROOT)))
def test_cells_that_only_print_prose_hide_their_source(notebook):
    shown = []
    for cell in code_cells(notebook):
        meta = cell.get("metadata", {})
        tags = meta.get("tags", [])
        hidden = meta.get("jupyter", {}).get("source_hidden", False)
        if "remove-input" in tags and not hidden:
            shown.append("remove-input without source_hidden: " + source(cell)[:60])
        if _prints_only_prose(source(cell)) and "remove-input" not in tags:
            shown.append("prose cell without remove-input: " + source(cell)[:60])
    assert not shown, "\n".join(shown)


def _imports_at_module_level(path: Path, name: str) -> set[str]:
    """lstmbook modules imported when ``name`` is imported (not inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.add(mod)
            out |= {f"{mod}.{a.name}" for a in node.names}
    return {m for m in out if m.startswith("lstmbook")}


def test_the_library_has_no_import_cycle():
    modules = library_modules()
    graph = {name: {m for m in _imports_at_module_level(path, name) if m in modules and m != name}
             for name, path in modules.items()}
    # a package's submodule importing its own package's __init__ is not a cycle to care about
    for name in graph:
        graph[name] = {m for m in graph[name] if not name.startswith(m + ".")}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for name in sorted(graph):
        if name not in state and (cycle := visit(name)):
            pytest.fail("import cycle: " + " -> ".join(cycle))


def _code_strings(tree: ast.AST) -> list[ast.Constant]:
    """String constants that are not docstrings."""
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [n for n in ast.walk(tree) if isinstance(n, ast.Constant)
            and isinstance(n.value, str) and id(n) not in docstrings]


def test_no_library_module_builds_a_path_into_book():
    found = []
    for name, path in library_modules().items():
        for node in _code_strings(ast.parse(path.read_text(encoding="utf-8"))):
            if node.value == "book" or node.value.startswith(("book/", "book\\")):
                found.append(f"{name}:{node.lineno}: {node.value!r}")
    assert not found, "the library never builds a path into book/:\n" + "\n".join(found)


def test_no_library_module_raises_key_error():
    found = []
    for name, path in library_modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and node.exc is not None:
                exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                if isinstance(exc, ast.Name) and exc.id == "KeyError":
                    found.append(f"{name}:{node.lineno}")
    assert not found, "bad arguments raise ValueError, not KeyError: " + ", ".join(found)


#: The loop itself (step functions handed to ``fit`` update once each, without a loop).
ONE_LOOP = {"lstmbook/torch/train.py", "lstmbook/training.py"}


def _calls(tree: ast.AST, attr: str) -> list[ast.Call]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call)
            and isinstance(n.func, ast.Attribute) and n.func.attr == attr]


def _loops_with_updates(tree: ast.AST) -> list[int]:
    """Line numbers of for/while loops whose body both back-propagates and steps."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.For, ast.While)) and _calls(node, "backward") and \
                _calls(node, "step"):
            out.append(node.lineno)
    return out


def test_one_training_loop_in_library_and_scripts():
    files = [p for p in list(LIB.rglob("*.py")) + list((ROOT / "scripts").glob("*.py"))]
    found = []
    for path in files:
        rel = path.relative_to(ROOT).as_posix()
        if rel in ONE_LOOP or rel.startswith("lstmbook/numpy/"):
            continue
        lines = _loops_with_updates(ast.parse(path.read_text(encoding="utf-8")))
        found += [f"{rel}:{n}" for n in lines]
    assert not found, "a training loop outside lstmbook.torch.train.fit: " + ", ".join(found)


@pytest.mark.parametrize("notebook", notebooks(), ids=lambda p: str(p.relative_to(ROOT)))
def test_pages_train_with_fit_not_a_loop_of_their_own(notebook):
    found = []
    for cell in code_cells(notebook):
        try:
            tree = ast.parse(source(cell))
        except SyntaxError:  # IPython magics
            continue
        found += _loops_with_updates(tree)
    assert not found, f"{notebook.name}: a training loop in a cell; use lstmbook.torch.train.fit"
