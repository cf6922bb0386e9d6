"""The speed page's narrow benchmark table: one line per row, sizes and ratios right."""

import pytest

from lstmbook.bench import Row, summary_table


def _rows():
    return [
        Row((10, 32, 32, 128), "lstmbook.numpy", 0.002, 0.006, 0.0, 0.0, 1e-7),
        Row((10, 32, 32, 128), "torch", 0.001, 0.003, 0.0, 0.0, 0.0),
        Row((20, 32, 32, 128), "lstmbook.numpy", 0.004, 0.012, 0.0, 0.0, 2e-7),
        Row((20, 32, 32, 128), "torch", 0.002, 0.004, 0.0, 0.0, 0.0),
    ]


def test_summary_table_prints_each_row_with_its_ratio_to_the_baseline():
    table = summary_table(_rows(), "T", labels={"torch": "torch.nn.LSTM"})
    lines = table.splitlines()
    assert len(lines) == 5 and "f+b / torch.nn.LSTM" in lines[0]
    numpy_20 = lines[3].split()
    assert numpy_20[:4] == ["20", "lstmbook.numpy", "4.00", "12.00"]
    assert numpy_20[4] == "3.00" and numpy_20[5] == "2.0e-07"
    assert max(len(line) for line in lines) < 80


def test_summary_table_reads_the_swept_size_and_refuses_an_unknown_one():
    assert summary_table(_rows(), "H").splitlines()[1].split()[0] == "128"
    with pytest.raises(ValueError, match="sweep"):
        summary_table(_rows(), "X")


def _import_graph(root):
    """Every import of one lstmbook module by another (also inside functions)."""
    import ast

    modules = {}
    for f in root.rglob("*.py"):
        parts = list(f.relative_to(root.parent).with_suffix("").parts)
        package = parts[:-1]
        if parts[-1] == "__init__":
            parts = package = parts[:-1]
        modules[".".join(parts)] = (f, package)

    def resolve(name):
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name

    graph = {}
    for name, (f, package) in modules.items():
        edges = set()
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                edges |= {resolve(a.name) for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = package[: len(package) - node.level + 1] if node.level else []
                prefix = ".".join(base + ([node.module] if node.module else []))
                edges |= {resolve(f"{prefix}.{a.name}") for a in node.names}
        graph[name] = edges - {name, ""}
    return graph


def test_the_library_has_no_import_cycle():
    from pathlib import Path

    import lstmbook

    graph = _import_graph(Path(lstmbook.__file__).parent)
    assert "lstmbook.bench.gpu" in graph["lstmbook.bench.cli"]
    done, on_path = set(), []

    def visit(name):
        if name in on_path:
            cycle = on_path[on_path.index(name) :] + [name]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if name in done:
            return
        on_path.append(name)
        for other in sorted(graph[name]):
            visit(other)
        on_path.pop()
        done.add(name)

    for name in sorted(graph):
        visit(name)


def test_python_m_lstmbook_bench_runs_the_cpu_table():
    import subprocess
    import sys

    args = ["--sizes", "3,2,4,5", "--repeats", "1", "--no-gpu"]
    result = subprocess.run(
        [sys.executable, "-m", "lstmbook.bench", *args], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "lstmbook.numpy" in result.stdout and "3,2,4,5" in result.stdout
