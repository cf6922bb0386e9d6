"""The LSTM on an NVIDIA GPU: :mod:`lstmbook.numpy`'s code running on CuPy, with fused kernels.

* :class:`LSTM`, :class:`LSTMCell` -- the NumPy classes with ``xp = cupy``: the same API,
  parameters on the device, ``fused=True`` for one kernel per time step each way;
  ``to_numpy()`` / ``from_numpy()`` move a model between host and device.
* :mod:`lstmbook.cupy.kernels` -- the fused step kernels, generated from one table of
  formulas that is also evaluated with NumPy (so their maths is tested without a GPU).
Timings against cuDNN are in :mod:`lstmbook.bench.gpu` (``python -m lstmbook.bench.gpu``).

``import lstmbook.cupy`` works without CuPy; making a model needs CuPy and a GPU
(``pip install -e ".[gpu]"``) and otherwise raises
:class:`lstmbook.backends.BackendUnavailableError` saying what is missing.
"""

from . import kernels
from .lstm import LSTM, LSTMCell

__all__ = ["LSTM", "LSTMCell", "kernels"]
