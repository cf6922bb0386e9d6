"""Serve MathJax 3 from the built book, so math is typeset with no network.

MathJax comes from the PyPI package ``django-static-mathjax`` (MathJax 3.2.2, Apache-2.0,
installed by the ``book`` extra); nothing is copied into the repository. After a build
its ``es5`` folder -- ``tex-chtml.js`` plus the ``input/tex/extensions`` that
``\\boldsymbol`` and friends load on demand, and the CHTML fonts -- is copied to
``_build/html/_static/mathjax/``.

Jupyter Book 1 injects every ``*.js`` under the *source* ``_static`` folder into every
page, so MathJax is deliberately not placed there: it is copied into the *output* only.
"""

from __future__ import annotations

import shutil
from importlib.util import find_spec
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

MATHJAX_PATH = "mathjax/tex-chtml.js"  # relative to _static, as Sphinx resolves it


def mathjax_source() -> Path:
    """The ``es5`` folder of the installed MathJax package."""
    spec = find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise ExtensionError(
            'MathJax is not installed: run `pip install -e ".[book]"` '
            "(it provides the package django-static-mathjax)"
        )
    es5 = Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax" / "es5"
    if not (es5 / "tex-chtml.js").is_file():
        raise ExtensionError(f"MathJax package found but {es5 / 'tex-chtml.js'} is missing")
    return es5


def use_local_mathjax(app: Sphinx, config) -> None:
    mathjax_source()  # fail early, before any page is written
    config.mathjax_path = MATHJAX_PATH


def copy_mathjax(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    shutil.copytree(mathjax_source(), target, dirs_exist_ok=True)


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", use_local_mathjax)
    app.connect("build-finished", copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
