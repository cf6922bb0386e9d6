"""lstmbook: the library behind the LSTM book.

The LSTM written three ways -- :mod:`lstmbook.numpy` (from scratch, with hand-written
backpropagation through time), :mod:`lstmbook.cupy` (the same code on the GPU) and
:mod:`lstmbook.torch` (explicit gates, autograd backward) -- plus the data sets,
training loop, metrics and plots the chapters use.

``import lstmbook`` never needs torch, CuPy or a GPU; the backends are imported on use.

Every page of the book starts with the same cell (:data:`PAGE_PREAMBLE`)::

    import matplotlib.pyplot as plt
    import numpy as np

    import lstmbook
    import lstmbook.numpy as lnp
    from lstmbook import data, plots

    lstmbook.setup_page()
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

__all__ = ["PAGE_PREAMBLE", "setup_page"]

#: The first code cell of every page (a test checks that each notebook starts with it).
PAGE_PREAMBLE = """\
import matplotlib.pyplot as plt
import numpy as np

import lstmbook
import lstmbook.numpy as lnp
from lstmbook import data, plots

lstmbook.setup_page()"""


def setup_page(seed: int = 0, threads: int = 1) -> None:
    """What every page does first: one thread, fixed seeds, the book's figure style.

    * ``threads``: PyTorch (when installed) and the BLAS and OpenMP pools behind NumPy and
      scikit-learn (through threadpoolctl, when installed) compute on this many CPU
      threads, so timings and results do not depend on the reader's core count, and two
      notebooks built side by side do not fight over cores (a BLAS thread that waits for a
      busy core spins and burns CPU);
    * ``seed``: NumPy's global generator and PyTorch's are seeded, so a page's numbers are
      the built book's (pages also pass their own seeds to what they call);
    * the figure style :data:`lstmbook.plots.BOOK_RC` (150 dpi, a CJK font for Chinese).
    """
    import numpy as np

    from lstmbook import plots  # noqa: F401 -- importing it applies BOOK_RC

    if not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be a positive int, got {threads!r}")
    np.random.seed(seed)  # noqa: NPY002 -- for code that draws from the global generator
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # an optional dependency: without it, the pools keep their size
        pass
    else:
        threadpool_limits(threads)
    try:
        import torch
    except ImportError:  # the NumPy pages need no torch
        return
    torch.set_num_threads(threads)
    torch.manual_seed(seed)


def __getattr__(name: str):
    """``lstmbook.backends`` (and other submodules) after ``import lstmbook``, on first use."""
    if name in ("backends", "artifacts", "training", "io"):
        return importlib.import_module(f"lstmbook.{name}")
    raise AttributeError(f"module 'lstmbook' has no attribute {name!r}")
