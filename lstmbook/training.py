"""The training loop every backend shares, and the :class:`History` it returns.

A backend supplies one function, ``step(x, y) -> (loss, grad_norm)``, that makes one update
on one mini-batch (:func:`lstmbook.torch.train.fit` and :func:`lstmbook.numpy.train.fit`
write it for you); :func:`run_loop` decides which batches to feed it, when to evaluate, when
to stop, and keeps the record. The record says what a run cost -- updates, sequences seen,
CPU seconds -- so that a trained result on a page can carry its budget.

Three kinds of data feed the loop:

* a re-iterable of ``(x, y)`` batches (a list, :func:`lstmbook.numpy.train.batch_iterator`,
  a ``DataLoader``): one pass is one epoch;
* a *batch generator*, ``make_batch(update) -> (x, y)``, called with 0, 1, 2, ... for a
  fresh batch each update (tasks with unlimited data); train it by ``steps``;
* (in the backends' ``fit``) arrays ``(x, y)``, cut into shuffled mini-batches.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from tqdm import tqdm  # not tqdm.auto: it warns on import in Jupyter without ipywidgets

from lstmbook._checks import check_positive_int

__all__ = [
    "History", "Batches", "LengthBatches", "batch_iterator", "BatchGenerator", "run_loop",
    "show_progress", "format_budget",
]

Batch = tuple[Any, Any]
#: ``make_batch(update) -> (x, y)``: a fresh batch for every update.
BatchGenerator = Callable[[int], Batch]


@dataclass
class History:
    """What one training run did and cost, ready to plot and to record.

    Attributes
    ----------
    loss, grad_norm : list of float
        Training loss (before the update) and global gradient norm (before clipping) of
        every update, in order.
    epoch_loss : list of float
        Mean of ``loss`` over each completed epoch (empty for a batch generator).
    eval_updates, val_metric : list
        After how many updates each evaluation ran, and the validation metric it gave.
    best_update, best_metric
        The evaluation with the best metric (``None`` without evaluations); with
        ``restore_best`` the model holds its weights at the end.
    stopped : str
        Why the run ended: ``"steps"``, ``"epochs"``, ``"patience"`` or ``"target"``
        (``"diverged"`` on the history a ``FloatingPointError`` carries).
    updates, sequences : int
        Updates made, and training sequences (examples) seen.
    cpu_seconds, seconds : float
        CPU time of this process and wall-clock time of the whole run, evaluations included.
    """

    loss: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    epoch_loss: list[float] = field(default_factory=list)
    eval_updates: list[int] = field(default_factory=list)
    val_metric: list[float] = field(default_factory=list)
    best_update: int | None = None
    best_metric: float | None = None
    stopped: str = ""
    updates: int = 0
    sequences: int = 0
    cpu_seconds: float = 0.0
    seconds: float = 0.0

    @property
    def val_loss(self) -> list[float]:
        """``val_metric`` under the name it has when the metric is the validation loss."""
        return self.val_metric

    @property
    def epochs(self) -> int:
        """Completed epochs."""
        return len(self.epoch_loss)

    def budget(self) -> dict[str, Any]:
        """The run's cost, as recorded beside shipped results: updates, sequences, CPU s."""
        return {
            "updates": self.updates,
            "sequences": self.sequences,
            "cpu_seconds": round(self.cpu_seconds, 3),
        }

    def to_dict(self) -> dict[str, Any]:
        """Every field as plain Python (for JSON)."""
        return asdict(self)


def format_budget(*runs: History | dict[str, Any]) -> str:
    """What one run, or several together, cost, as a page prints it.

    Each run is a :class:`History` or a dict with ``updates``, ``cpu_seconds`` and,
    optionally, ``sequences`` (a :meth:`History.budget` or an :func:`lstmbook.artifacts.record`);
    several runs are summed. ``format_budget(h)`` -> ``"550 updates, 35,200 sequences,
    4.1 CPU-s"``; the sequences are left out when a record does not have them.
    """
    if not runs:
        raise ValueError("format_budget: give at least one run")
    budgets = [r.budget() if isinstance(r, History) else r for r in runs]
    updates = sum(int(b["updates"]) for b in budgets)
    cpu = sum(float(b["cpu_seconds"]) for b in budgets)
    parts = [f"{updates:,} updates"]
    if all(b.get("sequences") is not None for b in budgets):
        parts.append(f"{sum(int(b['sequences']) for b in budgets):,} sequences")
    parts.append(f"{cpu:.1f} CPU-s")
    return ", ".join(parts)


def show_progress() -> bool:
    """Whether a progress bar is worth drawing: in a terminal, not in the book's build.

    ``LSTMBOOK_PROGRESS=0`` or ``1`` overrides the guess.
    """
    forced = os.environ.get("LSTMBOOK_PROGRESS")
    if forced is not None:
        return forced not in ("0", "", "false", "no")
    return sys.stderr.isatty()


def _batch_size_of(x: Any) -> int:
    """Examples in a batch: the length of ``x`` (its first element when ``x`` is a tuple)."""
    while isinstance(x, (tuple, list)) and x and not np.isscalar(x[0]):
        x = x[0]
    try:
        return len(x)
    except TypeError:
        return 1


class Batches:
    """Mini-batches of ``(x, y)`` along axis 0; iterate it once per epoch.

    Each iteration walks through all ``N`` examples in batches of ``batch_size`` (the
    last one may be smaller), in a fresh random order if ``shuffle``. ``len()`` is the
    number of batches per epoch. ``x`` and ``y`` are NumPy arrays or torch tensors (or
    tuples of them sharing axis 0, e.g. ``(x, lengths)``): anything indexed by an array
    of positions.
    """

    def __init__(
        self,
        x: np.ndarray,
        y: np.ndarray,
        batch_size: int,
        *,
        shuffle: bool = True,
        seed: int | None = None,
    ) -> None:
        n = _batch_size_of(x)
        if n != _batch_size_of(y):
            raise ValueError(f"x and y differ in length on axis 0: {n} and {_batch_size_of(y)}")
        if n == 0:
            raise ValueError("no examples to batch")
        self.x, self.y = x, y
        self.batch_size = check_positive_int(batch_size, "batch_size")
        self.shuffle = shuffle
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return math.ceil(_batch_size_of(self.x) / self.batch_size)

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        n = _batch_size_of(self.x)
        order = self.rng.permutation(n) if self.shuffle else np.arange(n)
        for start in range(0, n, self.batch_size):
            idx = order[start : start + self.batch_size]
            yield _take(self.x, idx), _take(self.y, idx)


class LengthBatches:
    """Batches of padded sequences of similar length, ``((ids, lengths), y)``; iterate
    it once per epoch.

    Sorting by length (ties broken at random) and cutting into batches keeps the
    padding -- and so the steps a packed or masked LSTM walks through -- short; each
    batch is cut to its longest sequence. The order of the batches is shuffled every
    epoch (``shuffle=False``: one fixed order, for evaluation).

    Parameters
    ----------
    ids : array or tensor (N, T)
        Right-padded sequences.
    lengths : array or tensor (N,)
        Real length of each.
    y : array or tensor (N, ...)
    batch_size : int
    shuffle : bool
    seed : int
    """

    def __init__(self, ids: Any, lengths: Any, y: Any, batch_size: int, *,
                 shuffle: bool = True, seed: int | None = 0) -> None:
        n = _batch_size_of(ids)
        if not n == _batch_size_of(lengths) == _batch_size_of(y):
            raise ValueError(
                f"LengthBatches: ids, lengths and y differ in length: {n}, "
                f"{_batch_size_of(lengths)} and {_batch_size_of(y)}"
            )
        self.ids, self.lengths, self.y = ids, lengths, y
        self.batch_size = check_positive_int(batch_size, "batch_size")
        self.shuffle, self.rng = shuffle, np.random.default_rng(seed)

    def __len__(self) -> int:
        return math.ceil(_batch_size_of(self.y) / self.batch_size)

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        n, size = _batch_size_of(self.y), self.batch_size
        noise = self.rng.random(n) if self.shuffle else np.arange(n) / n
        order = np.lexsort((noise, np.asarray(self.lengths)))
        batches = [order[k:k + size] for k in range(0, n, size)]
        if self.shuffle:
            batches = [batches[k] for k in self.rng.permutation(len(batches))]
        for idx in batches:
            lengths = self.lengths[idx]
            longest = int(lengths.max())
            yield (self.ids[idx][:, :longest], lengths), self.y[idx]


def batch_iterator(
    x: np.ndarray,
    y: np.ndarray,
    batch_size: int,
    *,
    shuffle: bool = True,
    seed: int | None = None,
) -> Batches:
    """Re-iterable mini-batches of ``(x[idx], y[idx])``; see :class:`Batches`."""
    return Batches(x, y, batch_size, shuffle=shuffle, seed=seed)


def _take(v: Any, idx: np.ndarray) -> Any:
    return tuple(_take(u, idx) for u in v) if isinstance(v, tuple) else v[idx]


def _stream(data: Iterable[Batch] | BatchGenerator, epochs: int | None) -> Iterator[Batch | None]:
    """Batches in order, ``None`` after each completed epoch."""
    if callable(data) and not hasattr(data, "__iter__"):
        update = 0
        while True:
            yield data(update)
            update += 1
    epoch = 0
    while epochs is None or epoch < epochs:
        empty = True
        for batch in data:
            empty = False
            yield batch
        if empty:
            raise ValueError(
                f"the training data yielded no batch in epoch {epoch + 1}; pass a list, "
                "batch_iterator(...), a DataLoader, or a batch generator with steps="
            )
        epoch += 1
        yield None


def _check_budget(data: Any, steps: int | None, epochs: int | None) -> None:
    for name, value in (("steps", steps), ("epochs", epochs)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 1):
            raise ValueError(f"{name} must be a positive int or None, got {value!r}")
    if steps is None and epochs is None:
        raise ValueError("give the budget: steps= (updates), epochs= (passes), or both")
    if callable(data) and not hasattr(data, "__iter__"):
        if steps is None:
            raise ValueError("a batch generator has no epochs: train it by steps=")
        if epochs is not None:
            raise ValueError("a batch generator has no epochs: pass steps= only")
    elif isinstance(data, Iterator):
        raise ValueError(
            "the training data is a one-shot iterator, which would last one epoch only; "
            "pass a list, batch_iterator(...), a DataLoader, or a batch generator"
        )


def _is_better(value: float, best: float | None, mode: str, min_delta: float) -> bool:
    if best is None:
        return not math.isnan(value)
    return value < best - min_delta if mode == "min" else value > best + min_delta


def _reached(value: float, target: float | None, mode: str) -> bool:
    return target is not None and (value <= target if mode == "min" else value >= target)


def run_loop(
    step: Callable[[Any, Any], tuple[float, float]],
    data: Iterable[Batch] | BatchGenerator,
    *,
    steps: int | None = None,
    epochs: int | None = None,
    evaluate: Callable[[], float] | None = None,
    eval_every: int | None = None,
    mode: str = "min",
    patience: int | None = None,
    min_delta: float = 0.0,
    target: float | None = None,
    snapshot: Callable[[], Any] | None = None,
    restore: Callable[[Any], None] | None = None,
    before_epoch: Callable[[], object] | None = None,
    progress: bool | None = None,
) -> History:
    """Train until the budget is spent or the validation metric says stop.

    Parameters
    ----------
    step : callable (x, y) -> (loss, grad_norm)
        One update on one batch.
    data : re-iterable of (x, y) batches, or a batch generator ``make_batch(update)``
    steps, epochs : int or None
        The budget: at most ``steps`` updates and at most ``epochs`` passes (at least one
        of them; a batch generator takes ``steps`` only).
    evaluate : callable () -> float, optional
        The validation metric. Called every ``eval_every`` updates, or after every epoch
        when ``eval_every`` is None, and always after the last update.
    mode : {"min", "max"}
        Whether a lower (a loss) or a higher (an accuracy) metric is better.
    patience : int or None
        Stop after this many evaluations in a row without a better metric (early stopping).
    min_delta : float
        An improvement smaller than this does not count as one.
    target : float or None
        Stop as soon as the metric reaches this value (the task is solved).
    snapshot, restore : callables, optional
        ``snapshot()`` copies the weights when the metric improves; ``restore(copy)`` puts
        the best copy back at the end. Without them the final weights stay.
    before_epoch : callable, optional
        Runs before each epoch and after each evaluation (e.g. ``model.train``).
    progress : bool or None
        A tqdm bar with the running loss; None: only in a terminal (:func:`show_progress`).

    Returns
    -------
    History

    Raises
    ------
    ValueError
        For a budget or ``mode`` that makes no sense, or data that yields no batch.
    FloatingPointError
        Raised by ``step`` when the loss becomes NaN or infinite; its ``history``
        attribute is the record up to the last finite update (``stopped="diverged"``).
    """
    _check_budget(data, steps, epochs)
    if mode not in ("min", "max"):
        raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
    for name, value in (("eval_every", eval_every), ("patience", patience)):
        if value is not None and (not isinstance(value, int) or value < 1):
            raise ValueError(f"{name} must be a positive int or None, got {value!r}")
    if (patience is not None or target is not None) and evaluate is None:
        raise ValueError("early stopping (patience= or target=) needs validation data")
    history = History()
    best_state, waited = None, 0
    total = steps if steps is not None else (
        epochs * len(data) if hasattr(data, "__len__") else None)
    cpu0, wall0 = time.process_time(), time.perf_counter()

    def run_evaluation() -> bool:
        """Evaluate; return True when the run should stop."""
        nonlocal best_state, waited
        value = float(evaluate())
        history.eval_updates.append(history.updates)
        history.val_metric.append(value)
        if before_epoch is not None:
            before_epoch()
        if _is_better(value, history.best_metric, mode, min_delta):
            history.best_metric, history.best_update, waited = value, history.updates, 0
            if snapshot is not None:
                best_state = snapshot()
        else:
            waited += 1
        if _reached(value, target, mode):
            history.stopped = "target"
        elif patience is not None and waited >= patience:
            history.stopped = "patience"
        return bool(history.stopped)

    if before_epoch is not None:
        before_epoch()
    epoch_losses: list[float] = []
    last_eval = -1
    show = show_progress() if progress is None else progress
    with tqdm(total=total, disable=not show, unit="update", leave=False) as bar:
        for batch in _stream(data, epochs):
            if batch is None:  # an epoch ended
                history.epoch_loss.append(float(np.mean(epoch_losses)))
                epoch_losses = []
                if evaluate is not None and eval_every is None:
                    last_eval = history.updates
                    if run_evaluation():
                        break
                if epochs is not None and history.epochs >= epochs:
                    history.stopped = "epochs"
                    break
                if before_epoch is not None:
                    before_epoch()
                continue
            x, y = batch
            try:
                loss, norm = step(x, y)
            except FloatingPointError as err:  # hand the record up to here to the caller
                history.stopped = "diverged"
                history.cpu_seconds = time.process_time() - cpu0
                history.seconds = time.perf_counter() - wall0
                err.history = history
                raise
            history.loss.append(float(loss))
            history.grad_norm.append(float(norm))
            history.updates += 1
            history.sequences += _batch_size_of(x)
            epoch_losses.append(float(loss))
            bar.set_postfix(loss=f"{loss:.4g}", refresh=False)  # drawn by the update
            bar.update()
            if (evaluate is not None and eval_every is not None
                    and history.updates % eval_every == 0):
                last_eval = history.updates
                if run_evaluation():
                    break
            if steps is not None and history.updates >= steps:
                history.stopped = "steps"
                break
    if evaluate is not None and last_eval != history.updates:
        reason = history.stopped  # the budget ran out; a last evaluation does not change that
        run_evaluation()
        history.stopped = reason
    if restore is not None and best_state is not None:
        restore(best_state)
    history.cpu_seconds = time.process_time() - cpu0
    history.seconds = time.perf_counter() - wall0
    return history
