"""Build the book and read it as a reader would: in a real (headless) Chromium.

Checks, on every page in ``_toc.yml``: math is typeset by the local MathJax (no raw TeX
left, no MathJax error), no MyST role or directive is left raw, every image loaded, nothing
is cut off at the right (a displayed equation fits its column; every line of code and of
printed output fits the column, see :data:`COLUMNS`; only a wider table scrolls, with a
visible scrollbar), figures are at 150 dpi or more, Chinese text is drawn with a CJK font,
no request left the build folder, no page names a folder of the machine that built it,
and no Chinese gloss is doubled. Uses Debian's
``chromium`` driven by Playwright through ``executable_path`` -- it never downloads a
browser. Set ``LSTMBOOK_SKIP_BROWSER=1`` to skip where no Chromium can be installed, and
``LSTMBOOK_REUSE_BUILD=1`` to read the pages of the last build instead of building.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from test_project_files import ROOT, toc_files

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("LSTMBOOK_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
HTML = ROOT / "_build" / "html"

#: The widest line of code or printed output, in columns (a CJK character takes two), that
#: fits the text column. The rule: every line a reader sees in a code cell -- the source,
#: what it prints, a library function a page shows -- fits without scrolling. A scrollbar
#: is not enough: a reader of a long line sees its start, not that it goes on, and the
#: part that matters (the end of a message, the last items of a list) is the part hidden.
#: 80 columns of the book's code font fit the column of a 1280-pixel-wide window (and any
#: wider one); book/_static/lstmbook.css sizes the font for it and wraps printed output
#: that is still too long on a narrower screen.
COLUMNS = 80

#: Read the last build instead of building (pages added to _toc.yml since are skipped).
REUSE = os.environ.get("LSTMBOOK_REUSE_BUILD") == "1"

#: The window the pages are read in: a laptop's.
VIEWPORT = {"width": 1280, "height": 800}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if os.environ.get("LSTMBOOK_SKIP_BROWSER") == "1":
    pytest.skip("LSTMBOOK_SKIP_BROWSER=1", allow_module_level=True)


@pytest.fixture(scope="module")
def built_book() -> Path:
    """Run the README's build command; warnings are errors, so a clean exit means a clean book.

    With ``LSTMBOOK_REUSE_BUILD=1`` the pages already in ``_build/html`` are read as they
    are, without building (to check a build just made, while notebooks are being edited).
    """
    if REUSE and (HTML / "index.html").is_file():
        return HTML
    cmd = [sys.executable, "-m", "jupyter_book", "build", str(ROOT), "-W", "-n", "--keep-going"]
    if shutil.which("jupyter-book"):
        cmd = ["jupyter-book", "build", str(ROOT), "-W", "-n", "--keep-going"]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1500)
    assert result.returncode == 0, (
        f"book build failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}"
    )
    return HTML


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install Debian's package (apt-get install -y "
            "chromium) or set LSTMBOOK_CHROMIUM; set LSTMBOOK_SKIP_BROWSER=1 to skip"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def page_paths() -> list[str]:
    pages = [entry + ".html" for entry in toc_files()]
    if REUSE and (HTML / "index.html").is_file():
        pages = [rel for rel in pages if (HTML / rel).is_file()]
    return pages


WAIT_FOR_MATHJAX = """
async () => {
  if (!window.MathJax || !MathJax.startup || !MathJax.startup.promise) return 'absent';
  await MathJax.startup.promise;
  return 'done';
}
"""

INSPECT_PAGE = """
() => {
  const maths = [...document.querySelectorAll('.math')];
  const untypeset = maths.filter(m => !m.querySelector('mjx-container'))
                         .map(m => m.textContent.slice(0, 80));
  const clone = document.body.cloneNode(true);
  clone.querySelectorAll('pre, code, script, mjx-container, mjx-assistive-mml')
       .forEach(e => e.remove());
  const text = clone.textContent;
  const rawTex = ['$$', '\\\\(', '\\\\[', '\\\\begin{'].filter(s => text.includes(s));
  const rawMyst = (text.match(
      /\\{(term|doc|ref|numref|eq|glue|math|cite)\\}`|```\\{|:::\\{/g) || []);
  const merror = document.querySelectorAll('mjx-merror').length;
  const article = document.querySelector('.bd-article') || document.body;
  const column = article.getBoundingClientRect();
  const wide = [];
  for (const m of document.querySelectorAll('mjx-container[display="true"]')) {
    const inner = m.querySelector('mjx-math') || m;
    const w = inner.getBoundingClientRect().width;
    if (w > column.width + 1) wide.push({kind: 'equation', width: Math.round(w),
        column: Math.round(column.width), text: m.textContent.slice(0, 60)});
  }
  const overflowing = [];
  for (const e of article.querySelectorAll('table, pre')) {
    const r = e.getBoundingClientRect();
    const style = getComputedStyle(e);
    const scrolls = ['auto', 'scroll'].includes(style.overflowX) && style.scrollbarWidth !== 'none';
    if (r.right > column.right + 1 || (e.scrollWidth > e.clientWidth + 1 && !scrolls))
      wide.push({kind: e.tagName.toLowerCase(), width: e.scrollWidth,
                 column: Math.round(column.width), text: e.textContent.slice(0, 60)});
    if (e.tagName === 'PRE' && e.scrollWidth > e.clientWidth + 1)
      overflowing.push({width: e.scrollWidth, box: e.clientWidth,
                        text: e.textContent.split('\\n').reduce(
                          (a, b) => (b.length > a.length ? b : a), '').slice(0, 100)});
  }
  const images = [...document.images].map(img => ({src: img.getAttribute('src'),
      ok: img.complete && img.naturalWidth > 0}));
  return {nMath: maths.length, nTypeset: document.querySelectorAll('mjx-container').length,
          untypeset, rawTex, rawMyst, merror, wide, overflowing, images};
}
"""


def outside_build(url: str, html_dir: Path) -> bool:
    parsed = urlparse(url)
    if parsed.scheme in ("data", "blob", "about"):
        return False
    if parsed.scheme != "file":
        return True
    return not Path(unquote(parsed.path)).resolve().is_relative_to(html_dir.resolve())


@pytest.fixture(scope="module")
def rendered_pages(built_book, browser) -> dict[str, dict]:
    """Open every page once; record what it requested and what it shows."""
    results = {}
    for rel in page_paths():
        path = built_book / rel
        if REUSE and not path.is_file():
            continue  # added to _toc.yml after the build that is read
        assert path.is_file(), f"{rel} missing from the build"
        page = browser.new_page(viewport=VIEWPORT)
        requests, failed = [], []
        page.on("request", lambda r, requests=requests: requests.append(r.url))
        page.on("requestfailed", lambda r, failed=failed: failed.append(r.url))
        page.set_default_timeout(120_000)  # a loaded CI machine can be slow
        page.goto(path.as_uri(), wait_until="load")  # "load" waits for every image
        mathjax = page.evaluate(WAIT_FOR_MATHJAX)  # resolves once all math is typeset
        info = page.evaluate(INSPECT_PAGE)
        info.update(mathjax=mathjax, requests=requests, failed=failed)
        results[rel] = info
        page.close()
    return results


@pytest.mark.parametrize("rel", page_paths())
def test_page_math_is_typeset_offline(rendered_pages, rel):
    info = rendered_pages[rel]
    if info["nMath"]:
        assert info["mathjax"] == "done", f"{rel} has math but MathJax did not load"
    assert not info["untypeset"], f"{rel}: math left as raw TeX: {info['untypeset'][:5]}"
    assert not info["rawTex"], f"{rel}: raw TeX delimiters {info['rawTex']} in the page text"
    assert not info["merror"], f"{rel}: {info['merror']} MathJax errors (mjx-merror)"


@pytest.mark.parametrize("rel", page_paths())
def test_page_shows_no_raw_myst_markup(rendered_pages, rel):
    raw = rendered_pages[rel]["rawMyst"]
    assert not raw, f"{rel}: MyST markup left raw in the page text: {raw[:5]}"


@pytest.mark.parametrize("rel", page_paths())
def test_nothing_is_cut_off_at_the_right(rendered_pages, rel):
    """Displayed equations fit the text column; wider tables scroll visibly."""
    wide = rendered_pages[rel]["wide"]
    assert not wide, f"{rel}: wider than the text column and not scrolling: {wide[:4]}"


def columns(line: str) -> int:
    """Width of a line in a monospaced font: a CJK (wide) character takes two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def code_lines(html_file: Path) -> list[tuple[str, str]]:
    """(kind, line) of every line a reader sees in a code block of a built page: kind is
    "code" for a cell's source, "output" for what it printed or showed, "block" for a
    code block in the prose."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html_file.read_text(encoding="utf-8"), "html.parser")
    article = soup.select_one(".bd-article") or soup
    found = []
    for pre in article.find_all("pre"):
        if pre.find_parent(class_="cell_input"):
            kind = "code"
        elif pre.find_parent(class_="cell_output"):
            kind = "output"
        else:
            kind = "block"
        found += [(kind, line.rstrip()) for line in pre.get_text().split("\n")]
    return found


@pytest.mark.parametrize("rel", page_paths())
def test_every_code_and_output_line_fits_the_column(built_book, rel):
    """No line of a code cell, of what it printed, or of a code block in the prose is
    wider than :data:`COLUMNS` (the reason is at :data:`COLUMNS`)."""
    path = built_book / rel
    if REUSE and not path.is_file():
        pytest.skip(f"{rel} is not in the build that is read")
    wide = [(kind, columns(line), line) for kind, line in code_lines(path)
            if columns(line) > COLUMNS]
    assert not wide, (
        f"{rel}: {len(wide)} line(s) wider than {COLUMNS} columns, e.g. "
        + "; ".join(f"{kind} ({n}): {line[:90]!r}" for kind, n, line in wide[:4])
    )


@pytest.mark.parametrize("rel", page_paths())
def test_no_code_block_needs_a_scrollbar(rendered_pages, rel):
    """In a laptop's window every code and output block shows its whole width: what
    fits in :data:`COLUMNS` columns must fit the box the page draws around it."""
    over = rendered_pages[rel]["overflowing"]
    assert not over, f"{rel}: code blocks wider than their box: {over[:3]}"


def test_the_line_check_counts_a_chinese_character_as_two_columns():
    """The column count the line check uses: a wide (CJK) character counts twice."""
    assert columns("遗忘门 f") == 8 and columns("x" * 81) == 81


#: Folders of the machine that built the book, as they would appear in a traceback or a
#: printed path: the checkout, installed packages, home folders.
BUILD_PATHS = re.compile(
    re.escape(str(ROOT)) + r"|/(?:site|dist)-packages/|/work/|/root/|/home/\w+/|/tmp/"
    r"|/usr/lib/python|\.pyenv/"
)


def test_no_built_page_names_a_folder_of_the_build_machine(built_book):
    """An error shown as a lesson is one line, ``Type: message``, with no traceback, so no
    page prints the absolute path of a file on the machine that built it."""
    found = {}
    for path in sorted(built_book.rglob("*.html")):
        text = path.read_text(encoding="utf-8", errors="replace")
        hits = sorted({m.group(0) for m in BUILD_PATHS.finditer(text)})
        if hits:
            found[str(path.relative_to(built_book))] = hits
    assert not found, f"pages naming folders of the build machine: {found}"


def test_no_built_page_shows_a_traceback(built_book):
    """Cells that demonstrate an error print one line through lstmbook.display.shows_error
    instead of failing with a traceback (a cell tagged raises-exception)."""
    pages = [str(p.relative_to(built_book)) for p in sorted(built_book.rglob("*.html"))
             if "Traceback (most recent call last)" in p.read_text(encoding="utf-8")
             or 'class="ansi-red-fg"' in p.read_text(encoding="utf-8")]
    assert not pages, f"pages showing a traceback: {pages}"


#: A parenthesised gloss with Chinese in it ("(模型评估)"), and what may stand between two
#: glosses that are one doubled: white space and markup.
GLOSS = re.compile(r"\([^()<>]{0,120}\)")
CHINESE = re.compile(r"[\u4e00-\u9fff]")
BETWEEN = re.compile(r"(?:\s|<[^<>]*>)*")


def doubled_glosses(text: str) -> list[str]:
    """Glosses written twice in a row: "Evaluating a forecaster (模型评估) (模型评估)"."""
    glosses = [m for m in GLOSS.finditer(text) if CHINESE.search(m.group(0))]
    return [b.group(0) for a, b in zip(glosses, glosses[1:], strict=False)
            if a.group(0) == b.group(0) and BETWEEN.fullmatch(text, a.end(), b.start())]


def test_a_doubled_gloss_is_found():
    assert doubled_glosses("Evaluating a forecaster (模型评估) <em>(模型评估)</em>")
    assert not doubled_glosses("forecasting (预测), then (预测) later in the sentence")


def test_no_chinese_gloss_is_doubled(built_book):
    doubled = {}
    for path in sorted(built_book.rglob("*.html")):
        hits = doubled_glosses(path.read_text(encoding="utf-8", errors="replace"))
        if hits:
            doubled[str(path.relative_to(built_book))] = hits[:5]
    assert not doubled, f"glosses written twice: {doubled}"


def test_figures_are_at_least_150_dpi(built_book):
    from PIL import Image

    pngs = sorted((built_book / "_images").glob("*.png"))
    assert pngs, "no figures in the build"
    low = []
    for png in pngs:
        with Image.open(png) as im:
            dpi = im.info.get("dpi", (72, 72))[0]
        if dpi < 149.5:
            low.append(f"{png.name} ({dpi:.0f} dpi)")
    assert not low, f"figures below 150 dpi: {low[:10]}"


def test_chinese_text_is_drawn_with_a_cjk_font(rendered_pages, browser, built_book):
    """The glossary's Chinese terms render in an installed CJK font, not as missing glyphs."""
    page = browser.new_page()
    page.goto((built_book / "book" / "glossary.html").as_uri(), wait_until="load")
    fonts = page.evaluate(
        "() => document.fonts.check('16px \"Noto Sans CJK SC\"', '遗忘门')"
    )
    page.close()
    has_cjk = subprocess.run(
        ["fc-list", ":lang=zh"], capture_output=True, text=True
    ).stdout.strip()
    assert has_cjk, "no CJK font installed (Debian: apt-get install -y fonts-noto-cjk)"
    assert fonts, "Chromium cannot draw 遗忘门 with Noto Sans CJK"


@pytest.mark.parametrize("rel", page_paths())
def test_page_images_all_load(rendered_pages, rel):
    broken = [img["src"] for img in rendered_pages[rel]["images"] if not img["ok"]]
    assert not broken, f"{rel}: images that did not load: {broken}"


@pytest.mark.parametrize("rel", page_paths())
def test_page_makes_no_request_outside_the_build_folder(rendered_pages, built_book, rel):
    info = rendered_pages[rel]
    outside = [u for u in info["requests"] if outside_build(u, built_book)]
    assert not outside, f"{rel} requested {outside}"
    assert not info["failed"], f"{rel}: failed requests {info['failed']}"


EXTERNAL_IN_HTML = re.compile(
    r'<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)="(?:https?:)?//', re.I
)
EXTERNAL_IN_CSS = re.compile(r"(?:url\(\s*[\"']?|@import\s+[\"'])(?:https?:)?//", re.I)


def test_built_html_and_css_reference_nothing_outside(built_book):
    """Static scan: no page or stylesheet names an external script, stylesheet, font or
    image, including ones a browser would only fetch later (a font used by one glyph)."""
    offenders = []
    for path in built_book.rglob("*.html"):
        if EXTERNAL_IN_HTML.search(path.read_text(encoding="utf-8", errors="replace")):
            offenders.append(str(path.relative_to(built_book)))
    for path in built_book.rglob("*.css"):
        if EXTERNAL_IN_CSS.search(path.read_text(encoding="utf-8", errors="replace")):
            offenders.append(str(path.relative_to(built_book)))
    assert not offenders, f"external references in {offenders}"


def test_the_book_exercises_math_and_figures(rendered_pages):
    """Guard against the checks above passing vacuously."""
    assert sum(p["nTypeset"] for p in rendered_pages.values()) > 10
    assert sum(len(p["images"]) for p in rendered_pages.values()) >= 1
    glossary = rendered_pages["book/glossary.html"]
    assert glossary["nMath"] > 0 and glossary["nTypeset"] >= glossary["nMath"]


def test_the_exercises_index_links_every_exercise_to_its_anchor(built_book):
    """book/exercises.html lists every registered exercise, and each link lands on the
    anchor above that exercise on its page."""
    from lstmbook.exercises import EXERCISES

    index = built_book / "book" / "exercises.html"
    text = index.read_text(encoding="utf-8")
    links = re.findall(r'href="([\w/]+\.html)#(exercise-[\w-]+)"', text)
    assert {anchor[len("exercise-"):] for _, anchor in links} == set(EXERCISES)
    for page, anchor in links:
        target = (index.parent / page).read_text(encoding="utf-8")
        assert f'id="{anchor}"' in target, f"{page} has no anchor {anchor}"
