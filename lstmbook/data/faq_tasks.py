"""The tasks of the FAQ chapter (``book/faq/``): one short and one long dependency, and the
short one spoiled by missing values or by outliers.

* :func:`faq_task` -- ``(x_train, y_train, x_test, y_test)`` of a named task
  (:data:`FAQ_TASKS`): ``"sine"``, ``"adding"``, ``"missing-<method>"``,
  ``"outlier-<method>"``. Every split is rebuilt from fixed seeds, so the pages evaluate
  the shipped models on exactly the data ``scripts/train_faq.py`` held out.
* :func:`spiky_sine` -- the sine task with sensor glitches in its inputs.
* :func:`recall_at_lag` -- a task whose dependency length is a knob: output the value seen
  ``lag`` steps before the end of a noise sequence (a regression; not the symbol-recall
  task :func:`lstmbook.data.memory.delayed_recall`).

Arrays are batch-first, as everywhere in :mod:`lstmbook.data`: ``x`` (N, T, I), ``y`` (N, O).
"""

from __future__ import annotations

import numpy as np

from lstmbook._checks import check_positive_int

from . import adding_problem, sine_windows, split_in_time

__all__ = [
    "SINE_NOISE",
    "MISSING_RATE",
    "SPIKE_RATE",
    "SPIKE_SIZE",
    "MISSING_METHODS",
    "OUTLIER_METHODS",
    "FAQ_TASKS",
    "faq_task",
    "spiky_sine",
    "recall_at_lag",
]

#: Standard deviation of the noise on every value of the sine task (inputs and target):
#: its square is the lowest test MSE any forecast can reach on it.
SINE_NOISE = 0.1
#: Fraction of input values knocked out in the missing-value tasks.
MISSING_RATE = 0.3
#: Fraction of input values replaced by a spike in the outlier tasks, and the spike size.
SPIKE_RATE, SPIKE_SIZE = 0.02, 30.0
#: How the missing-value tasks fill the holes (:mod:`lstmbook.imputation`): zero, the
#: training mean, forward fill, zero plus an indicator channel, forward fill plus one.
MISSING_METHODS = ("zero", "mean", "ffill", "indicator", "ffill-indicator")
#: How the outlier tasks scale the spiky inputs (:mod:`lstmbook.scaling`).
OUTLIER_METHODS = ("standard", "robust", "robust-clip")
#: Every task name :func:`faq_task` knows.
FAQ_TASKS = (
    "sine",
    "adding",
    *(f"missing-{m}" for m in MISSING_METHODS),
    *(f"outlier-{m}" for m in OUTLIER_METHODS),
)


def _sine() -> tuple[np.ndarray, ...]:
    """Next value of a noisy sine (period 25, noise σ = 0.1) from 20 values; the last
    quarter of the windows, in time, is the test split."""
    x, y = sine_windows(1500, 20, period=25.0, noise=SINE_NOISE, seed=0,
                        dtype=np.float32)
    return split_in_time(x, y, 0.25)


def _with_missing(method: str) -> tuple[np.ndarray, ...]:
    from lstmbook import imputation as imp

    x_tr, y_tr, x_te, y_te = _sine()
    holed_tr = imp.knock_out(x_tr, MISSING_RATE, seed=1)
    holed_te = imp.knock_out(x_te, MISSING_RATE, seed=2)
    train_mean = np.nanmean(holed_tr, axis=(0, 1))
    fills = {
        "zero": imp.impute_zero,
        "mean": lambda h: imp.impute_mean(h, train_mean),
        "ffill": imp.impute_forward_fill,
        "indicator": lambda h: imp.add_missing_indicator(h, imp.impute_zero(h)),
        "ffill-indicator": lambda h: imp.add_missing_indicator(h, imp.impute_forward_fill(h)),
    }
    fill = fills[method]
    return fill(holed_tr).astype(np.float32), y_tr, fill(holed_te).astype(np.float32), y_te


def spiky_sine() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The sine task with sensor glitches: ``SPIKE_RATE`` of the *input* values jump by
    ``± SPIKE_SIZE``; the targets stay the clean next values. Unscaled.

    Returns
    -------
    x_train, y_train, x_test, y_test : float32 arrays, ``x`` (N, 20, 1), ``y`` (N, 1)
    """
    x_tr, y_tr, x_te, y_te = _sine()
    out = []
    for x, seed in ((x_tr, 3), (x_te, 4)):
        rng = np.random.default_rng(seed)
        spikes = (rng.random(x.shape) < SPIKE_RATE) * rng.choice([-1.0, 1.0], x.shape)
        out.append((x + SPIKE_SIZE * spikes).astype(np.float32))
    return out[0], y_tr, out[1], y_te


def _with_outliers(method: str) -> tuple[np.ndarray, ...]:
    from lstmbook import scaling

    x_tr, y_tr, x_te, y_te = spiky_sine()
    scaler = scaling.fit_standard(x_tr) if method == "standard" else scaling.fit_robust(x_tr)
    z_tr, z_te = scaler.transform(x_tr), scaler.transform(x_te)
    if method == "robust-clip":
        z_tr, z_te = scaling.clip(z_tr, 3.0), scaling.clip(z_te, 3.0)
    # only the inputs are scaled: the targets stay in the units of the clean signal
    return z_tr.astype(np.float32), y_tr, z_te.astype(np.float32), y_te


def faq_task(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(x_train, y_train, x_test, y_test)`` of a named task of the FAQ chapter.

    ``"sine"``: next value of a noisy sine from 20 values (a short-term dependency);
    ``"adding"``: the adding problem with T = 50 (a long-term one), 3,000 training and
    1,000 test sequences;
    ``"missing-<method>"``: the sine task with :data:`MISSING_RATE` of the inputs missing,
    filled by one of :data:`MISSING_METHODS`;
    ``"outlier-<method>"``: :func:`spiky_sine` scaled by one of :data:`OUTLIER_METHODS`.

    Raises
    ------
    ValueError
        For a name not in :data:`FAQ_TASKS`.
    """
    if name not in FAQ_TASKS:
        raise ValueError(f"unknown FAQ task {name!r}; the tasks are {', '.join(FAQ_TASKS)}")
    if name == "sine":
        return _sine()
    if name == "adding":
        x, y = adding_problem(4000, 50, seed=0, dtype=np.float32)
        return x[:3000], y[:3000], x[3000:], y[3000:]
    if name.startswith("missing-"):
        return _with_missing(name.removeprefix("missing-"))
    return _with_outliers(name.removeprefix("outlier-"))


def recall_at_lag(
    n_samples: int, seq_len: int, lag: int, *, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Sequences of N(0, 1) noise; the target is the value ``lag`` steps before the end.

    Predicting the mean, 0, gives an MSE of 1 (the variance of the target): a model must
    beat 1 to have remembered anything. The value to recall is ``x[:, T - lag, 0]``, so
    the model has to carry it over ``lag - 1`` further steps.

    Parameters
    ----------
    n_samples, seq_len : int
        N and T.
    lag : int
        1 <= lag <= T. 1: recall the last input; T: recall the first.
    seed : int or None

    Returns
    -------
    x : ndarray (N, T, 1), float32
    y : ndarray (N, 1), float32
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    seq_len = check_positive_int(seq_len, "seq_len")
    lag = check_positive_int(lag, "lag")
    if lag > seq_len:
        raise ValueError(f"lag ({lag}) must be at most seq_len ({seq_len})")
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_samples, seq_len, 1)).astype(np.float32)
    return x, x[:, seq_len - lag, :].copy()
