"""Comparing recurrent cells on equal terms: same task, same budget, several seeds.

Used by the FAQ chapter (``book/faq/``) to answer "LSTM or RNN?", "LSTM or GRU?" and "which
hyper-parameters matter?" with measurements instead of adjectives.

* :func:`delayed_recall` -- a task whose dependency length is a knob: output the value
  seen ``lag`` steps before the end of a noise sequence. ``lag = 1`` is a short-term
  dependency, ``lag = T`` a long-term one.
* :class:`RecurrentRegressor` -- a PyTorch ``nn.RNN`` / ``nn.GRU`` / ``nn.LSTM`` (optionally
  behind a linear input projection) read out by a linear map of its last hidden state.
* :func:`fit_regressor` -- trains one with Adam on mini-batches for a fixed number of
  updates and returns the held-out MSE, the parameter count and the seconds it took.
* :func:`mean_and_spread` -- a summary of several seeds.

Shapes are batch-first, as in :mod:`lstmbook.data`: ``x`` (N, T, I), ``y`` (N, O).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._checks import check_array, check_positive_int

__all__ = [
    "KINDS",
    "FAQ_RUNS",
    "task_data",
    "spiky_sine",
    "run_settings",
    "model_for",
    "load_run",
    "runs_of",
    "FAQ_WEIGHTS",
    "held_out_mse",
    "delayed_recall",
    "RecurrentRegressor",
    "FitResult",
    "fit_regressor",
    "mean_and_spread",
    "mse",
]

#: The cells :class:`RecurrentRegressor` can use.
KINDS = ("rnn", "gru", "lstm")


def delayed_recall(
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


def _torch():
    import torch

    return torch


def RecurrentRegressor(  # noqa: N802 -- a factory that reads like the class it returns
    kind: str,
    input_size: int,
    hidden_size: int,
    output_size: int = 1,
    *,
    projection: int | None = None,
    forget_bias: float | None = None,
) -> Any:
    """``x (B, T, I) -> [Linear(I, P)] -> RNN/GRU/LSTM(H) -> h_T -> Linear(H, O)``.

    Parameters
    ----------
    kind : {"rnn", "gru", "lstm"}
        ``torch.nn.RNN`` (tanh), ``torch.nn.GRU`` or ``torch.nn.LSTM``.
    input_size, hidden_size, output_size : int
    projection : int or None
        If given, a linear map to this many features comes first: the usual answer to
        high-dimensional inputs (for one-hot inputs it is an embedding).
    forget_bias : float or None
        LSTM only: set ``b_f`` (``bias_ih + bias_hh`` of the forget block) to this value.

    Returns
    -------
    torch.nn.Module
    """
    torch = _torch()
    nn = torch.nn
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    I = check_positive_int(input_size, "input_size")
    H = check_positive_int(hidden_size, "hidden_size")
    O = check_positive_int(output_size, "output_size")
    if forget_bias is not None and kind != "lstm":
        raise ValueError(f"forget_bias is an LSTM setting; kind={kind!r} has no forget gate")

    class _Model(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            width = I
            self.project = None
            if projection is not None:
                width = check_positive_int(projection, "projection")
                self.project = nn.Linear(I, width)
            cell = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[kind]
            self.rnn = cell(width, H, batch_first=True)
            self.head = nn.Linear(H, O)
            if forget_bias is not None:
                with torch.no_grad():
                    self.rnn.bias_ih_l0[H : 2 * H] = forget_bias
                    self.rnn.bias_hh_l0[H : 2 * H] = 0.0

        def forward(self, x):
            if x.ndim != 3 or x.shape[-1] != I:
                raise ValueError(
                    f"{kind} regressor: expected x of shape (B, T, {I}), got {tuple(x.shape)}"
                )
            if self.project is not None:
                x = self.project(x)
            out, _ = self.rnn(x)
            return self.head(out[:, -1])

        def extra_repr(self) -> str:
            return f"kind={kind!r}"

    return _Model()


@dataclass
class FitResult:
    """What one training run of :func:`fit_regressor` measured."""

    kind: str
    seed: int
    test_mse: float
    train_mse: float
    parameters: int
    seconds: float
    model: Any


def fit_regressor(
    kind: str,
    data: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    *,
    hidden_size: int = 32,
    steps: int = 300,
    batch_size: int = 64,
    lr: float = 1e-2,
    clip_norm: float | None = 1.0,
    seed: int = 0,
    **model_kwargs: Any,
) -> FitResult:
    """Train a :class:`RecurrentRegressor` for ``steps`` Adam updates; score it on held-out data.

    Parameters
    ----------
    kind : {"rnn", "gru", "lstm"}
    data : (x_train, y_train, x_test, y_test)
        Batch-first float arrays, ``x`` (N, T, I), ``y`` (N, O).
    hidden_size, steps, batch_size : int
    lr : float
        Adam's learning rate.
    clip_norm : float or None
        Global gradient-norm clipping before each update.
    seed : int
        Seeds the weights and the order of the mini-batches.
    **model_kwargs
        Passed to :class:`RecurrentRegressor` (``projection``, ``forget_bias``).

    Returns
    -------
    FitResult
        MSE on the test and training data after training, parameters, wall seconds.
    """
    torch = _torch()
    x_tr, y_tr, x_te, y_te = (
        check_array(a, name, ndim=nd, finite=True)
        for a, name, nd in zip(
            data, ("x_train", "y_train", "x_test", "y_test"), (3, 2, 3, 2), strict=True
        )
    )
    if len(x_tr) != len(y_tr) or len(x_te) != len(y_te):
        raise ValueError("x and y of a split must have the same number of examples")
    steps = check_positive_int(steps, "steps")
    batch_size = check_positive_int(batch_size, "batch_size")
    torch.manual_seed(seed)
    model = RecurrentRegressor(kind, x_tr.shape[-1], hidden_size, y_tr.shape[-1], **model_kwargs)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    xt, yt = torch.as_tensor(x_tr, dtype=torch.float32), torch.as_tensor(y_tr, dtype=torch.float32)
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    for _ in range(steps):
        idx = torch.as_tensor(rng.integers(0, len(xt), batch_size))
        loss = torch.nn.functional.mse_loss(model(xt[idx]), yt[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if clip_norm is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip_norm)
        opt.step()
    seconds = time.perf_counter() - start
    return FitResult(
        kind=kind,
        seed=seed,
        test_mse=mse(model, x_te, y_te),
        train_mse=mse(model, x_tr, y_tr),
        parameters=sum(p.numel() for p in model.parameters()),
        seconds=seconds,
        model=model,
    )


def mse(model: Any, x: np.ndarray, y: np.ndarray) -> float:
    torch = _torch()
    with torch.no_grad():
        pred = model(torch.as_tensor(x, dtype=torch.float32)).numpy()
    return float(np.mean((pred - y) ** 2))


def mean_and_spread(values: Any) -> tuple[float, float]:
    """Mean and sample standard deviation (``ddof=1``; 0 for a single value) of some runs."""
    v = np.asarray(values, dtype=np.float64).ravel()
    if v.size == 0:
        raise ValueError("mean_and_spread: no values")
    return float(v.mean()), float(v.std(ddof=1)) if v.size > 1 else 0.0


# ---------------------------------------------------------------------------------------
# The FAQ chapter's trained runs: tasks, the list of runs, and loading their weights.
# scripts/train_faq.py trains every run of FAQ_RUNS and saves its weights; the pages
# rebuild the same held-out data with task_data and evaluate the loaded models.
# ---------------------------------------------------------------------------------------

#: Where scripts/train_faq.py saves the weights of FAQ_RUNS (in a source checkout).
FAQ_WEIGHTS = __import__("pathlib").Path(__file__).resolve().parents[1] / "book" / "faq" / "weights"

#: Fraction of input values knocked out in the missing-value tasks.
MISSING_RATE = 0.3
#: Fraction of observed values replaced by a spike in the outlier tasks, and the spike size.
SPIKE_RATE, SPIKE_SIZE = 0.02, 30.0


def _sine(seed: int = 0) -> tuple[np.ndarray, ...]:
    from .data import sine_windows, split_in_time

    x, y = sine_windows(1500, 20, period=25.0, noise=0.1, seed=seed, dtype=np.float32)
    return split_in_time(x, y, 0.25)


def _with_missing(method: str) -> tuple[np.ndarray, ...]:
    from . import imputation as imp

    x_tr, y_tr, x_te, y_te = _sine()
    holed_tr = imp.knock_out(x_tr, MISSING_RATE, seed=1)
    holed_te = imp.knock_out(x_te, MISSING_RATE, seed=2)
    train_mean = np.nanmean(holed_tr, axis=(0, 1))

    def fill(holed: np.ndarray) -> np.ndarray:
        if method == "zero":
            return imp.impute_zero(holed)
        if method == "mean":
            return imp.impute_mean(holed, train_mean)
        if method == "ffill":
            return imp.impute_forward_fill(holed)
        if method == "indicator":
            return imp.add_missing_indicator(holed, imp.impute_zero(holed))
        if method == "ffill-indicator":
            return imp.add_missing_indicator(holed, imp.impute_forward_fill(holed))
        raise ValueError(f"unknown missing-value method {method!r}")

    return fill(holed_tr).astype(np.float32), y_tr, fill(holed_te).astype(np.float32), y_te


def spiky_sine() -> tuple[np.ndarray, ...]:
    """The sine task with sensor glitches: ``SPIKE_RATE`` of the *input* values jump by
    ``± SPIKE_SIZE``; the targets stay the clean next values. Unscaled."""
    x_tr, y_tr, x_te, y_te = _sine()
    out = []
    for x, seed in ((x_tr, 3), (x_te, 4)):
        rng = np.random.default_rng(seed)
        spikes = (rng.random(x.shape) < SPIKE_RATE) * rng.choice([-1.0, 1.0], x.shape)
        out.append((x + SPIKE_SIZE * spikes).astype(np.float32))
    return out[0], y_tr, out[1], y_te


def _with_outliers(method: str) -> tuple[np.ndarray, ...]:
    from . import scaling

    x_tr, y_tr, x_te, y_te = spiky_sine()
    if method == "standard":
        scaler = scaling.fit_standard(x_tr)
    elif method in ("robust", "robust-clip"):
        scaler = scaling.fit_robust(x_tr)
    else:
        raise ValueError(f"unknown outlier method {method!r}")
    z_tr, z_te = scaler.transform(x_tr), scaler.transform(x_te)
    if method == "robust-clip":
        z_tr, z_te = scaling.clip(z_tr, 3.0), scaling.clip(z_te, 3.0)
    # only the inputs are scaled: the targets stay in the units of the clean signal
    return z_tr.astype(np.float32), y_tr, z_te.astype(np.float32), y_te


def task_data(task: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(x_train, y_train, x_test, y_test)`` of a named task of the FAQ chapter.

    ``"sine"``: next value of a noisy sine from 20 values (a short-term dependency);
    ``"adding"``: the adding problem with T = 50 (a long-term one);
    ``"missing-<method>"``: the sine task with 30 % of the inputs missing, filled by
    ``zero``, ``mean``, ``ffill``, ``indicator`` (zero + indicator) or ``ffill-indicator``;
    ``"outlier-<method>"``: :func:`spiky_sine` scaled by ``standard``, ``robust`` or
    ``robust-clip``.
    """
    if task == "sine":
        return _sine()
    if task == "adding":
        from .data import adding_problem

        x, y = adding_problem(4000, 50, seed=0, dtype=np.float32)
        return x[:3000], y[:3000], x[3000:], y[3000:]
    if task.startswith("missing-"):
        return _with_missing(task.removeprefix("missing-"))
    if task.startswith("outlier-"):
        return _with_outliers(task.removeprefix("outlier-"))
    raise ValueError(f"unknown task {task!r}")


def _run(task: str, kind: str, seed: int, **kw: Any) -> dict[str, Any]:
    name = f"{task}-{kind}-s{seed}"
    if "lr" in kw or "hidden_size" in kw:
        name = f"sweep-lr{kw['lr']:g}-h{kw['hidden_size']}-s{seed}"
    return dict(name=name, task=task, kind=kind, seed=seed, **kw)


_SEEDS = (0, 1)
#: Every trained run of the FAQ chapter: name, task, kind, seed and fit_regressor settings.
FAQ_RUNS: list[dict[str, Any]] = (
    [_run("sine", k, s, steps=300) for k in KINDS for s in _SEEDS]
    + [_run("adding", k, s, steps=1500) for k in KINDS for s in _SEEDS]
    + [
        _run("sine", "lstm", s, steps=300, lr=lr, hidden_size=h)
        for lr in (1e-3, 1e-2, 1e-1, 1e-4)
        for h in (4, 32)
        for s in _SEEDS
    ]
    + [
        _run(f"missing-{m}", "lstm", s, steps=300)
        for m in ("zero", "mean", "ffill", "indicator")
        for s in _SEEDS
    ]
    + [
        _run(f"outlier-{m}", "lstm", s, steps=300)
        for m in ("standard", "robust", "robust-clip")
        for s in _SEEDS
    ]
)

_FIT_DEFAULTS = dict(hidden_size=32, lr=1e-2)


def run_settings(run: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of :func:`fit_regressor` for one entry of :data:`FAQ_RUNS`."""
    keys = ("hidden_size", "steps", "lr", "seed")
    return {**_FIT_DEFAULTS, **{k: run[k] for k in keys if k in run}}


def model_for(run: dict[str, Any]) -> Any:
    """An untrained :class:`RecurrentRegressor` shaped for ``run`` (to load weights into)."""
    x_tr, y_tr, _, _ = task_data(run["task"])
    hidden = run_settings(run)["hidden_size"]
    return RecurrentRegressor(run["kind"], x_tr.shape[-1], hidden, y_tr.shape[-1])


def runs_of(task: str, kind: str = "lstm") -> list[dict[str, Any]]:
    """The entries of :data:`FAQ_RUNS` of one task and cell kind (the sweep excluded)."""
    return [
        r for r in FAQ_RUNS
        if r["task"] == task and r["kind"] == kind and not r["name"].startswith("sweep")
    ]


def load_run(run: dict[str, Any], directory: Any = None) -> Any:
    """The trained model of ``run`` from ``<directory>/<name>.npz``, in eval mode.

    Raises ``ValueError`` naming the array if the file does not fit the model.
    """
    import os

    import torch

    from .io import load_weights

    model = model_for(run)
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    directory = FAQ_WEIGHTS if directory is None else directory
    arrays = load_weights(os.path.join(str(directory), run["name"] + ".npz"), expected=expected)
    model.load_state_dict({k: torch.as_tensor(v) for k, v in arrays.items()})
    return model.eval()


def held_out_mse(model: Any, task: str) -> float:
    """MSE of ``model`` on the held-out split of ``task``."""
    _, _, x_te, y_te = task_data(task)
    return mse(model, x_te, y_te)
