"""Right answers written another way: the your-own-data page."""

import numpy as np


def _scale_loop(series, n_train):
    train = [float(v) for v in series[:n_train]]
    mean = sum(train) / len(train)
    sd = (sum((v - mean) ** 2 for v in train) / len(train)) ** 0.5
    return [(float(v) - mean) / sd for v in series]


ALTERNATIVES = {
    "your_data-1": lambda: np.int64(35),
    "your_data-2": lambda: "1.25",
    "your_data-3": lambda: _scale_loop,
}
