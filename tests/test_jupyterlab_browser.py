"""Open the book's notebooks in JupyterLab, in a real (headless) Chromium.

The book is also read as notebooks in JupyterLab, where the MyST in the markdown cells is
rendered by the ``jupyterlab-myst`` extension (in the ``dev`` extra). This test starts a
JupyterLab server on the repository (temporary Jupyter config, data, runtime and settings
folders, so no user setting leaks in; a fixed token on a free local port; no update check,
no news feed, no extension manager, no language servers -- nothing that calls the network),
opens every notebook under ``book/`` in one Chromium page and checks, cell by cell, that

* every markdown cell is rendered, and its rendered text shows no raw MyST role
  (``{term}``...), directive (a ``{note}`` fence, ``:::{dropdown}``) or fence;
* the math is typeset: no MathJax error (``mjx-merror``), no KaTeX error (the red TeX that
  an unknown macro such as ``\\R`` produces), no ``$`` math left as text;
* the page made no request outside the local server.

Then it runs all cells of ``book/running.ipynb`` through JupyterLab's "Run All Cells"
command and checks that no cell produced an error. Nothing is saved: autosave is off, the
test never saves (it checks that no save request was sent), and checkpoints go to the
temporary folder. Screenshots of each notebook go to a temporary folder
(``LSTMBOOK_SCREENSHOTS=<dir>`` keeps them). Uses Debian's ``chromium`` through Playwright's
``executable_path``; set ``LSTMBOOK_SKIP_BROWSER=1`` to skip where no Chromium can be installed.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest
from test_project_files import ROOT

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("LSTMBOOK_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
TOKEN = "lstmbook-jupyterlab-test"
RUN_ALL_NOTEBOOK = "book/running.ipynb"
SERVER_START_TIMEOUT_S = 240  # a loaded CI machine can be slow
RENDER_TIMEOUT_MS = 120_000
RUN_ALL_TIMEOUT_MS = 300_000
SETTLE_TIMEOUT_MS = 15_000

# Front-end plugins that would reach the network (news, update check, PyPI extension
# manager) or start language servers; the server side is switched off in SERVER_CONFIG.
DISABLED_LAB_PLUGINS = [
    "@jupyterlab/apputils-extension:announcements",
    "@jupyterlab/extensionmanager-extension",
    "@jupyterlab/lsp-extension",
]
SERVER_CONFIG = {
    "ServerApp": {
        "jpserver_extensions": {"jupyter_lsp": False, "jupyter_server_terminals": False},
        "terminals_enabled": False,
    },
    "LabApp": {
        "news_url": None,
        "check_for_updates_class": "jupyterlab.NeverCheckForUpdate",
        "extension_manager": "readonly",
        "expose_app_in_browser": True,  # window.jupyterapp: run commands, read the models
    },
}
# Autosave off (the test must never write a notebook), every cell attached to the DOM,
# and a closed notebook shuts its kernel down.
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "windowingMode": "none",
        "kernelShutdown": True,
    },
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}

if os.environ.get("LSTMBOOK_SKIP_BROWSER") == "1":
    pytest.skip("LSTMBOOK_SKIP_BROWSER=1", allow_module_level=True)
if not Path(CHROMIUM).exists():
    pytest.skip(
        f"Chromium not found at {CHROMIUM}: install Debian's package (apt-get install -y "
        "chromium) or set LSTMBOOK_CHROMIUM; set LSTMBOOK_SKIP_BROWSER=1 to skip",
        allow_module_level=True,
    )


def notebooks() -> list[str]:
    """Every notebook under book/, found afresh (chapters are being added)."""
    found = []
    for path in sorted((ROOT / "book").rglob("*.ipynb")):
        rel = path.relative_to(ROOT)
        if any(part.startswith((".", "_")) for part in rel.parts):
            continue  # _build, .ipynb_checkpoints, hidden folders
        found.append(rel.as_posix())
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory):
    """A JupyterLab server on the repository, isolated from every user setting."""
    pytest.importorskip("jupyterlab", reason="JupyterLab is in the dev extra: pip install '.[dev]'")
    tmp = tmp_path_factory.mktemp("jupyterlab")
    names = ("config", "data", "runtime", "settings", "workspaces", "checkpoints", "ipython")
    dirs = {name: tmp / name for name in names}
    for d in dirs.values():
        d.mkdir()
    write_json(dirs["config"] / "jupyter_server_config.json", SERVER_CONFIG)
    write_json(
        dirs["config"] / "labconfig" / "page_config.json",
        {"disabledExtensions": {name: True for name in DISABLED_LAB_PLUGINS}},
    )
    for rel, settings in LAB_SETTINGS.items():
        write_json(dirs["settings"] / rel, settings)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "IPYTHON"))}
    env.update(
        JUPYTER_CONFIG_DIR=str(dirs["config"]),
        JUPYTER_DATA_DIR=str(dirs["data"]),
        JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
        JUPYTERLAB_SETTINGS_DIR=str(dirs["settings"]),
        JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]),
        IPYTHONDIR=str(dirs["ipython"]),
        JUPYTER_PLATFORM_DIRS="0",
        OMP_NUM_THREADS="1",  # the kernel shares the CI machine
        MPLBACKEND="module://matplotlib_inline.backend_inline",
    )
    port = free_port()
    cmd = [
        sys.executable, "-m", "jupyterlab",
        "--no-browser",
        "--ServerApp.open_browser=False",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={TOKEN}",
        f"--ServerApp.root_dir={ROOT}",
        f"--FileCheckpoints.root_dir={dirs['checkpoints']}",
    ]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log_path = tmp / "jupyterlab.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited ({proc.returncode}):\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=5) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"JupyterLab did not answer in {SERVER_START_TIMEOUT_S} s:\n"
                    f"{log_path.read_text()}"
                )
            try:
                proc.wait(timeout=0.5)  # returns early only if the server died
            except subprocess.TimeoutExpired:
                pass
        yield {"base": base, "log": log_path, "screenshots": tmp / "screenshots"}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)


# Opens a notebook; without a kernel unless asked (rendering needs none, and starting and
# stopping a kernel per notebook costs seconds of CPU each).
OPEN_NOTEBOOK = """
async ([path, withKernel]) => {
  const app = window.jupyterapp;
  const factory = app.docRegistry.getWidgetFactory('Notebook');
  factory._preferKernel = withKernel;
  factory._canStartKernel = withKernel;
  const panel = await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
  await panel.context.ready;
  app.shell.activateById(panel.id);
  return panel.id;
}
"""

FIND_PANEL = """
const findPanel = (path) => [...window.jupyterapp.shell.widgets('main')]
    .find(w => w.context && w.context.path === path && w.content);
const renderedNode = (cell) => {
  const area = cell.node.querySelector('.jp-InputArea');
  if (!area) return null;
  return [...area.children].find(e => !e.matches(
      '.jp-InputArea-editor, .jp-InputPrompt, .jp-Toolbar, jp-toolbar, .jp-cell-toolbar')) || null;
};
const stripCode = (s) => s.replace(/```[\\s\\S]*?```/g, '').replace(/`[^`\\n]*`/g, '');
const hasMath = (source) => /\\$|\\\\begin\\{/.test(stripCode(source));
const mathNodes = 'mjx-container, .katex, .katex-error, mjx-merror, .text-yellow-600[title]';
"""

# True once the notebook is loaded, every markdown cell is rendered and every cell that
# has math in its source shows typeset math (or a math error, reported by INSPECT).
RENDERED = (
    "(path) => {"
    + FIND_PANEL
    + """
  const panel = findPanel(path);
  if (!panel || !panel.context.isReady) return false;
  const nb = panel.content;
  if (!nb.model || nb.widgets.length !== nb.model.cells.length) return false;
  return nb.widgets.filter(c => c.model.type === 'markdown').every(cell => {
    const source = cell.model.sharedModel.getSource();
    const node = renderedNode(cell);
    if (!cell.rendered || !node) return false;
    if (source.trim() && !node.textContent.trim()) return false;
    return !hasMath(source) || node.querySelector(mathNodes) !== null;
  });
}"""
)

INSPECT = (
    "(path) => {"
    + FIND_PANEL
    + """
  const nb = findPanel(path).content;
  const cells = [];
  nb.widgets.forEach((cell, index) => {
    if (cell.model.type !== 'markdown') return;
    const source = cell.model.sharedModel.getSource();
    const node = renderedNode(cell);
    const problems = [];
    if (!cell.rendered || !node) {
      cells.push({index, source, problems: ['not rendered']});
      return;
    }
    // Fenced code rendered as a block whose language is a directive name: a raw directive.
    node.querySelectorAll('code[class*="language-{"], pre[class*="language-{"]').forEach(
        e => problems.push('raw directive rendered as code: ' + e.className));
    // Math errors: MathJax's error element, KaTeX's error span, a TeX macro shown in red.
    node.querySelectorAll('mjx-merror, .katex-error, [data-mjx-error]').forEach(
        e => problems.push('math error: ' + (e.getAttribute('title') ||
                           e.getAttribute('data-mjx-error') || e.textContent).slice(0, 160)));
    node.querySelectorAll('mjx-container *, .katex *').forEach(e => {
      if (e.children.length || !e.textContent.includes('\\\\')) return;
      const m = getComputedStyle(e).color.match(/\\d+/g);
      if (m && +m[0] > 150 && +m[1] < 90 && +m[2] < 90)
        problems.push('TeX macro shown in red: ' + e.textContent.slice(0, 80));
    });
    // jupyterlab-myst's own error marks: a TeX error or an unresolved reference is an
    // orange span whose title says why; an unknown directive becomes a red box.
    node.querySelectorAll('.text-yellow-600[title]').forEach(
        e => problems.push('jupyterlab-myst error "' + e.getAttribute('title').slice(0, 120)
                           + '" at ' + JSON.stringify(e.textContent.slice(0, 60))));
    node.querySelectorAll('summary').forEach(e => {
      if (/Unknown Directive/i.test(e.textContent))
        problems.push('unknown directive: ' + e.textContent.slice(0, 80));
    });
    // A role that jupyterlab-myst does not know is shown as its bare content, in a span
    // with no attribute at all (known roles get a link, a class or a title).
    node.querySelectorAll('span:not([class]):not([title]):not([data-state]):not([style])')
        .forEach(e => {
      if (!e.children.length && e.textContent.trim()
          && !e.closest('pre, code, .katex, mjx-container'))  // highlighted code, math
        problems.push('role rendered as plain text (unknown to jupyterlab-myst?): '
                      + JSON.stringify(e.textContent.slice(0, 60)));
    });
    const glue = stripCode(source).match(/\\{glue(:\\w+)?\\}`[^`]*`/g);
    if (glue) problems.push('glue role (JupyterLab shows the name, not the value): '
                            + glue.join(' '));
    if (hasMath(source) && !node.querySelector(mathNodes))
      problems.push('math in the source, none typeset');
    // The text a reader sees, without code and without the TeX kept for accessibility.
    const clone = node.cloneNode(true);
    clone.querySelectorAll('pre, code, script, style, mjx-container, .katex, annotation, '
                           + 'mjx-assistive-mml, .MathJax_Preview').forEach(e => e.remove());
    const text = clone.textContent;
    const roles = text.match(/\\{[A-Za-z][\\w.:+-]*\\}/g);
    if (roles) problems.push('raw MyST role or directive name: ' + [...new Set(roles)].join(' '));
    for (const fence of ['```', ':::'])
      if (text.includes(fence)) problems.push('raw fence ' + fence);
    const tex = text.match(/\\$\\$|\\$[^$\\n]+\\$|\\\\begin\\{|\\\\\\(|\\\\\\[/g);
    if (tex) problems.push('raw TeX: ' + tex.slice(0, 3).join(' ').slice(0, 160));
    cells.push({index, source, problems, text: text.slice(0, 200)});
  });
  return {nCells: nb.widgets.length, cells};
}"""
)

CLEAN = "(path) => (" + INSPECT + ")(path).cells.every(c => c.problems.length === 0)"

SCROLL_TO_END = (
    "(path) => {"
    + FIND_PANEL
    + """
  const cells = findPanel(path).content.widgets;
  cells[cells.length - 1].node.scrollIntoView({block: 'end'});
}"""
)

CLOSE_NOTEBOOK = (
    "async (path) => {"
    + FIND_PANEL
    + """
  const panel = findPanel(path);
  if (!panel) return;
  if (panel.sessionContext.session) await panel.sessionContext.shutdown();
  panel.context.model.dirty = false;  // never ask to save, never save
  panel.dispose();
}"""
)

RUN_ALL = (
    "async (path) => {"
    + FIND_PANEL
    + """
  const app = window.jupyterapp;
  const panel = findPanel(path);
  app.shell.activateById(panel.id);
  await panel.sessionContext.ready;
  const ok = await app.commands.execute('notebook:run-all-cells');
  return {ok, kernel: panel.sessionContext.session && panel.sessionContext.session.kernel
                      ? panel.sessionContext.session.kernel.name : null};
}"""
)

KERNEL_IDLE = (
    "(path) => {"
    + FIND_PANEL
    + """
  const panel = findPanel(path);
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  return !!kernel && kernel.status === 'idle' &&
         !panel.content.widgets.some(c => c.model.type === 'code' &&
                                          c.model.executionState === 'running');
}"""
)

OUTPUTS = (
    "(path) => {"
    + FIND_PANEL
    + """
  const panel = findPanel(path);
  const cells = [];
  panel.content.widgets.forEach((cell, index) => {
    if (cell.model.type !== 'code') return;
    const outputs = cell.model.outputs.toJSON();
    const stderr = [...cell.node.querySelectorAll(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
        .map(e => e.textContent);
    cells.push({index, source: cell.model.sharedModel.getSource().slice(0, 120),
                executionCount: cell.model.executionCount,
                errors: outputs.filter(o => o.output_type === 'error')
                               .map(o => o.ename + ': ' + o.evalue),
                tracebacks: stderr.filter(t => t.includes('Traceback')),
                nOutputs: outputs.length});
  });
  return cells;
}"""
)

# What a server that tried the network prints (tornado, urllib, socket).
NETWORK_ERRORS = (
    "HTTP 599",
    "gaierror",
    "Name or service not known",
    "Temporary failure in name resolution",
    "Failed to fetch",
    "Network is unreachable",
)


def is_local(url: str, base: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme in ("data", "blob", "about"):
        return True
    return parsed.netloc == urlparse(base).netloc


@pytest.fixture(scope="module")
def lab(lab_server):
    """One Chromium page with JupyterLab loaded; notebooks are opened in it one by one."""
    from playwright.sync_api import sync_playwright

    keep = os.environ.get("LSTMBOOK_SCREENSHOTS")
    shots = Path(keep) if keep else lab_server["screenshots"]
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 1800})
        page.set_default_timeout(RENDER_TIMEOUT_MS)
        requests, failed, page_errors = [], [], []
        page.on("request", lambda r: requests.append((r.method, r.url)))
        page.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})"))
        page.on("pageerror", lambda e: page_errors.append(str(e)))
        page.goto(f"{lab_server['base']}/lab?token={TOKEN}&reset", wait_until="load")
        page.wait_for_function(
            "() => window.jupyterapp && window.jupyterapp.commands.hasCommand('docmanager:open')"
        )
        page.evaluate("async () => { await window.jupyterapp.restored; }")
        page.evaluate("() => window.jupyterapp.shell.collapseLeft()")  # room for the notebook
        yield {
            "page": page,
            "base": lab_server["base"],
            "log": lab_server["log"],
            "shots": shots,
            "requests": requests,
            "failed": failed,
            "page_errors": page_errors,
        }
        browser.close()


def shot_name(path: str) -> str:
    return path.removeprefix("book/").replace("/", "__").removesuffix(".ipynb") + ".png"


def describe(cell: dict) -> str:
    first = cell["source"].strip().splitlines()[0][:70] if cell["source"].strip() else ""
    return f"  cell {cell['index']} ({first!r}): " + "; ".join(cell["problems"])


@pytest.mark.parametrize("path", notebooks())
def test_notebook_markdown_renders_in_jupyterlab(lab, path):
    page = lab["page"]
    page.evaluate(OPEN_NOTEBOOK, [path, False])
    try:
        try:
            page.wait_for_function(RENDERED, arg=path, timeout=RENDER_TIMEOUT_MS)
        except Exception as exc:  # report what is (not) rendered rather than only time out
            if "Timeout" not in type(exc).__name__:
                raise
        info = page.evaluate(INSPECT, path)
        if any(c["problems"] for c in info["cells"]):
            # jupyterlab-myst renders each cell, then re-renders once the whole notebook's
            # references are resolved: fail only on what is still wrong after that.
            try:
                page.wait_for_function(CLEAN, arg=path, timeout=SETTLE_TIMEOUT_MS)
            except Exception as exc:
                if "Timeout" not in type(exc).__name__:
                    raise
            info = page.evaluate(INSPECT, path)
        page.screenshot(path=str(lab["shots"] / shot_name(path)))  # the top of the notebook
        page.evaluate(SCROLL_TO_END, path)
        page.screenshot(path=str(lab["shots"] / shot_name(path).replace(".png", "-end.png")))
    finally:
        page.evaluate(CLOSE_NOTEBOOK, path)
    bad = [c for c in info["cells"] if c["problems"]]
    assert info["cells"], f"{path}: no markdown cell found in JupyterLab"
    assert not bad, (
        f"{path}: {len(bad)} markdown cell(s) not rendered cleanly in JupyterLab "
        "(cell numbers count from 0; is jupyterlab-myst installed and enabled?):\n"
        + "\n".join(describe(c) for c in bad)
    )


def test_run_all_cells_through_the_jupyterlab_ui(lab):
    page = lab["page"]
    path = RUN_ALL_NOTEBOOK
    page.evaluate(OPEN_NOTEBOOK, [path, True])
    try:
        result = page.evaluate(RUN_ALL, path)
        page.wait_for_function(KERNEL_IDLE, arg=path, timeout=RUN_ALL_TIMEOUT_MS)
        cells = page.evaluate(OUTPUTS, path)
        page.evaluate(SCROLL_TO_END, path)  # the last output: the figure
        page.screenshot(path=str(lab["shots"] / ("run-all__" + shot_name(path))))
    finally:
        page.evaluate(CLOSE_NOTEBOOK, path)
    assert result["kernel"], f"{path}: no kernel started"
    errors = [c for c in cells if c["errors"] or c["tracebacks"]]
    assert not errors, f"{path}: cells with errors after Run All: " + json.dumps(errors, indent=1)
    not_run = [c["index"] for c in cells if c["executionCount"] is None]
    assert not not_run, f"{path}: cells not run by Run All: {not_run}"
    assert result["ok"], f"{path}: Run All reported failure"


def test_jupyterlab_stays_offline(lab):
    """Runs after the others: every request the page made went to the local server."""
    outside = [u for _, u in lab["requests"] if not is_local(u, lab["base"])]
    assert not outside, f"JupyterLab requested outside the local server: {outside}"
    writes = [
        (m, u)
        for m, u in lab["requests"]
        if m in ("PUT", "PATCH", "DELETE") and "/api/contents/" in u
    ]
    assert not writes, f"JupyterLab wrote to the repository (it must never save): {writes}"
    failed = [u for u in lab["failed"] if not u.startswith(lab["base"] + "/api/kernels")]
    assert not failed, f"failed requests: {failed}"
    log = lab["log"].read_text(errors="replace")
    network = [line for line in log.splitlines() if any(s in line for s in NETWORK_ERRORS)]
    assert not network, "JupyterLab logged network errors:\n" + "\n".join(network)
