"""lstmbook: the library behind the LSTM book.

The LSTM written three ways -- :mod:`lstmbook.numpy` (from scratch, with hand-written
backpropagation through time), :mod:`lstmbook.cupy` (the same code on the GPU) and
:mod:`lstmbook.torch` (explicit gates, autograd backward) -- plus the data sets,
training loops, metrics and plots the chapters use.

``import lstmbook`` never needs torch, CuPy or a GPU; the backends are imported on use.
"""

__version__ = "0.1.0"


def __getattr__(name: str):
    """``lstmbook.backends`` after a plain ``import lstmbook``, imported on first use."""
    if name == "backends":
        import importlib

        return importlib.import_module("lstmbook.backends")
    raise AttributeError(f"module 'lstmbook' has no attribute {name!r}")
