"""Memory tasks: sequences whose answer depends on something seen long ago.

* :func:`lstmbook.data.adding_problem` (not redefined here) -- add two marked numbers;
  :func:`adding_accuracy` scores it by the criterion of Hochreiter & Schmidhuber (1997).
* :func:`delayed_recall` -- name the one target symbol shown ``lag`` steps ago, among
  random distractor symbols (a classification version of the copy task).
* :func:`temporal_order` -- Hochreiter & Schmidhuber's temporal-order task: say in which
  order two widely separated symbols X and Y came (XX, XY, YX or YY).
* :func:`bracket_text` -- generated text with brackets and full stops, labelled at every
  character with the number of brackets still open in the sentence: a counter that must
  be increased, decreased and reset, for reading an LSTM's gates.
* :data:`TASKS`, :func:`task_batch`, :func:`task_accuracy` -- the two memory tasks of the
  Background chapter's sweep by name, a batch of either, and the accuracy that scores it
  (:func:`lstmbook.torch.memory.train_memory_task` trains on them).

Used by the Background and Gates chapters (``book/background``, ``book/gates``).
"""

from __future__ import annotations

import numpy as np

from lstmbook._checks import check_positive_int, check_supported_dtype

__all__ = [
    "ADDING_TOLERANCE",
    "HS_SCALED_TOLERANCE",
    "hs_scaled_target",
    "adding_accuracy",
    "delayed_recall",
    "temporal_order",
    "TASKS",
    "task_batch",
    "task_accuracy",
    "BRACKET_ALPHABET",
    "bracket_text",
    "encode_text",
    "one_hot",
    "ORDER_SYMBOLS",
]

#: Hochreiter & Schmidhuber (1997, experiment 4) count an answer right when it is within
#: 0.04 of their *scaled* target ``0.5 + (X1 + X2) / 4``, with values X drawn from [-1, 1].
HS_SCALED_TOLERANCE = 0.04

#: The same criterion on the sum that :func:`lstmbook.data.adding_problem` asks for (values
#: in [0, 1], i.e. X' = (X + 1) / 2): an error e on their scaled target is an error 4e on
#: X1 + X2 and 2e on X1' + X2', so their 0.04 is 0.08 here.
ADDING_TOLERANCE = 2 * HS_SCALED_TOLERANCE


def hs_scaled_target(total):
    """Hochreiter & Schmidhuber's target ``0.5 + (X1 + X2) / 4`` from our sum of two values
    in [0, 1] (``X = 2 X' - 1``): ``0.5 + (2 * total - 2) / 4 = total / 2``."""
    return np.asarray(total, dtype=np.float64) / 2


def adding_accuracy(pred, y, tol: float = ADDING_TOLERANCE) -> float:
    """Fraction of adding-problem answers within ``tol`` of the true sum.

    The default :data:`ADDING_TOLERANCE` (0.08 on the sum) is Hochreiter & Schmidhuber's
    0.04 on their scaled target (:func:`hs_scaled_target`).

    Parameters
    ----------
    pred, y : array-like (N, 1) or (N,)

    Returns
    -------
    float in [0, 1]
    """
    pred, y = np.asarray(pred, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if pred.shape != y.shape:
        raise ValueError(f"adding_accuracy: pred has shape {pred.shape}, y has {y.shape}")
    return float(np.mean(np.abs(pred - y) < tol))


def _lags(n: int, seq_len: int, lag, rng: np.random.Generator) -> np.ndarray:
    if lag is None:
        return np.full(n, seq_len - 1)
    lo, hi = (lag, lag) if np.isscalar(lag) else lag
    lo, hi = int(lo), int(hi)
    if not 0 <= lo <= hi <= seq_len - 1:
        raise ValueError(f"lag must lie in [0, seq_len - 1 = {seq_len - 1}], got {lag!r}")
    return rng.integers(lo, hi + 1, size=n)


def delayed_recall(
    n_samples: int,
    seq_len: int,
    *,
    n_symbols: int = 4,
    n_distractors: int = 4,
    lag=None,
    seed: int | None = None,
    dtype=np.float32,
    return_lags: bool = False,
):
    """Recall, at the end of the sequence, the one symbol that mattered.

    Like experiment 2 of Hochreiter & Schmidhuber (1997): at one step one of
    ``n_symbols`` *target* symbols is shown, at every other step one of ``n_distractors``
    distractor symbols (all one-hot, drawn uniformly). After the last step, ``lag`` steps
    after the target, the network must name the target. Guessing is right with
    probability ``1 / n_symbols``.

    Parameters
    ----------
    n_samples, seq_len : int
        N and T (T >= 2).
    n_symbols, n_distractors : int
        K >= 2 target symbols and D >= 1 distractors.
    lag : None, int, or (low, high)
        Steps between the target and the last step. ``None``: the target is the first
        step (lag T - 1, the hardest); an int: that lag for every sequence; a pair: drawn
        uniformly from ``low .. high`` per sequence.
    seed : int or None
    dtype : floating dtype of ``x``
    return_lags : bool
        Also return the lag of each sequence.

    Returns
    -------
    x : ndarray (N, T, K + D)
        Targets one-hot in channels ``0 .. K-1``, distractors in ``K .. K+D-1``.
    y : ndarray (N,) int64
        The target symbol, ``0 .. K-1``.
    lags : ndarray (N,) int64, only if ``return_lags``
    """
    n = check_positive_int(n_samples, "n_samples")
    T = check_positive_int(seq_len, "seq_len")
    K = check_positive_int(n_symbols, "n_symbols")
    D = check_positive_int(n_distractors, "n_distractors")
    if T < 2 or K < 2:
        raise ValueError(f"delayed_recall needs seq_len >= 2 and n_symbols >= 2, got {T}, {K}")
    dtype = check_supported_dtype(dtype, "dtype")
    rng = np.random.default_rng(seed)
    channels = K + rng.integers(0, D, size=(n, T))
    y = rng.integers(0, K, size=n)
    lags = _lags(n, T, lag, rng)
    channels[np.arange(n), T - 1 - lags] = y
    x = np.zeros((n, T, K + D), dtype=dtype)
    x[np.arange(n)[:, None], np.arange(T)[None, :], channels] = 1
    y = y.astype(np.int64)
    return (x, y, lags.astype(np.int64)) if return_lags else (x, y)


#: Symbols of :func:`temporal_order`, in channel order: start and end markers, the four
#: distractors, and the two symbols whose order is asked.
ORDER_SYMBOLS = "EBabcdXY"


def temporal_order(
    n_samples: int,
    seq_len: int,
    *,
    seed: int | None = None,
    dtype=np.float32,
) -> tuple[np.ndarray, np.ndarray]:
    """Hochreiter & Schmidhuber's (1997) temporal-order task (their experiment 6a).

    A sequence starts with ``E`` and ends with ``B``; between them every symbol is one of
    the distractors ``a b c d`` except at two random steps ``t1`` in ``[0.1 T, 0.2 T]`` and
    ``t2`` in ``[0.5 T, 0.6 T]``, which show ``X`` or ``Y``. The class is the order seen:
    0 = XX, 1 = XY, 2 = YX, 3 = YY (guessing: 1/4). Their sequences had T = 100..110
    (t1 in 10..20, t2 in 50..60); here the positions scale with T, so the first relevant
    symbol must be held for at least 0.8 T steps.

    Parameters
    ----------
    n_samples, seq_len : int
        N and T (T >= 10).
    seed : int or None
    dtype : floating dtype of ``x``

    Returns
    -------
    x : ndarray (N, T, 8)
        One-hot symbols in the order of :data:`ORDER_SYMBOLS`.
    y : ndarray (N,) int64
    """
    n = check_positive_int(n_samples, "n_samples")
    T = check_positive_int(seq_len, "seq_len")
    if T < 10:
        raise ValueError(f"temporal_order needs seq_len >= 10, got {T}")
    dtype = check_supported_dtype(dtype, "dtype")
    rng = np.random.default_rng(seed)
    channels = 2 + rng.integers(0, 4, size=(n, T))
    channels[:, 0], channels[:, -1] = 0, 1
    t1 = rng.integers(max(1, T // 10), max(2, T // 5) + 1, size=n)
    t2 = rng.integers(T // 2, (3 * T) // 5 + 1, size=n)
    first, second = rng.integers(0, 2, size=n), rng.integers(0, 2, size=n)
    rows = np.arange(n)
    channels[rows, t1], channels[rows, t2] = 6 + first, 6 + second
    x = np.zeros((n, T, len(ORDER_SYMBOLS)), dtype=dtype)
    x[rows[:, None], np.arange(T)[None, :], channels] = 1
    return x, (2 * first + second).astype(np.int64)


#: The memory tasks by name: inputs and outputs per step, the accuracy of guessing
#: (None: see :data:`lstmbook.data.ADDING_BASELINE_MSE`), and the loss they train with.
TASKS = {
    "adding": {"inputs": 2, "outputs": 1, "chance": None, "loss": "mse"},
    "recall": {"inputs": 8, "outputs": 4, "chance": 0.25, "loss": "cross-entropy"},
    "order": {"inputs": 8, "outputs": 4, "chance": 0.25, "loss": "cross-entropy"},
}


def _check_task(task: str) -> str:
    if task not in TASKS:
        raise ValueError(f"task must be one of {sorted(TASKS)}, got {task!r}")
    return task


def task_batch(task: str, n: int, seq_len: int, seed: int | None) -> tuple[np.ndarray, np.ndarray]:
    """``n`` sequences of a memory task (:data:`TASKS`).

    ``"adding"``: :func:`lstmbook.data.adding_problem`, x (n, T, 2), y (n, 1) float32;
    ``"recall"``: :func:`delayed_recall` of one of 4 symbols shown at the first step, among
    4 distractors, x (n, T, 8) float32, y (n,) int64; ``"order"``: :func:`temporal_order`,
    x (n, T, 8) float32, y (n,) int64.
    """
    from lstmbook.data import adding_problem

    if _check_task(task) == "adding":
        return adding_problem(n, seq_len, seed=seed, dtype=np.float32)
    if task == "order":
        return temporal_order(n, seq_len, seed=seed)
    return delayed_recall(n, seq_len, n_symbols=4, n_distractors=4, seed=seed)


def task_accuracy(task: str, pred, y) -> float:
    """Adding problem: fraction of answers within :data:`ADDING_TOLERANCE` of the sum
    (``pred`` (N, 1)); recall and temporal order: fraction of sequences whose largest score
    (``pred`` (N, K)) names the target ``y`` (N,)."""
    pred, y = np.asarray(pred), np.asarray(y)
    if _check_task(task) == "adding":
        return adding_accuracy(pred, y)
    if pred.ndim != 2 or pred.shape[0] != y.shape[0]:
        raise ValueError(f"task_accuracy: scores of shape (N, K) expected, got {pred.shape} "
                         f"for {y.shape[0]} targets")
    return float(np.mean(pred.argmax(-1) == y))


#: Characters of :func:`bracket_text`: space, full stop, brackets, then letters.
BRACKET_ALPHABET = " .()" + "abcdefgh"


def bracket_text(
    n_chars: int,
    *,
    max_depth: int = 6,
    p_open: float = 0.15,
    p_close: float = 0.1,
    p_stop: float = 0.03,
    seed: int | None = None,
) -> tuple[str, np.ndarray]:
    """Text with nested brackets, and the number of brackets open at every character.

    Words of letters ``a..h`` separated by spaces, with ``(`` and ``)`` in between; a full
    stop ends a sentence and *resets* the count, closing whatever is still open (so a
    reader, and a network, must forget at the stop). ``(`` is not written at
    ``max_depth``, ``)`` not at depth 0.

    Parameters
    ----------
    n_chars : int
    max_depth : int
    p_open, p_close, p_stop : float
        Probabilities, per character, of ``(``, ``)`` and ``.`` (where allowed).
    seed : int or None

    Returns
    -------
    text : str of length ``n_chars``
    depth : ndarray (n_chars,) int64
        Brackets open *after* reading each character (0 after a full stop).
    """
    n = check_positive_int(n_chars, "n_chars")
    max_depth = check_positive_int(max_depth, "max_depth")
    if not (p_open >= 0 and p_close >= 0 and p_stop >= 0 and p_open + p_close + p_stop < 1):
        raise ValueError("p_open, p_close, p_stop must be >= 0 with a sum below 1")
    rng = np.random.default_rng(seed)
    chars, depth, d = [], np.zeros(n, dtype=np.int64), 0
    for t in range(n):
        u = rng.random()
        if u < p_stop and t > 0 and chars[-1] not in " .":
            ch, d = ".", 0
        elif u < p_stop + p_open and d < max_depth:
            ch, d = "(", d + 1
        elif u < p_stop + p_open + p_close and d > 0:
            ch, d = ")", d - 1
        elif rng.random() < 0.2 and t > 0 and chars[-1] != " ":
            ch = " "
        else:
            ch = BRACKET_ALPHABET[4 + rng.integers(0, 8)]
        chars.append(ch)
        depth[t] = d
    return "".join(chars), depth


def encode_text(text: str, alphabet: str = BRACKET_ALPHABET) -> np.ndarray:
    """Character ids (len(text),) int64; a character outside ``alphabet`` is an error."""
    index = {ch: k for k, ch in enumerate(alphabet)}
    missing = sorted(set(text) - set(index))
    if missing:
        raise ValueError(f"encode_text: characters {missing!r} are not in the alphabet")
    return np.array([index[ch] for ch in text], dtype=np.int64)


def one_hot(ids, n_classes: int, dtype=np.float32) -> np.ndarray:
    """One-hot rows: ids (...) int -> (..., n_classes)."""
    ids = np.asarray(ids)
    if ids.size and (ids.min() < 0 or ids.max() >= n_classes):
        raise ValueError(f"one_hot: ids must lie in [0, {n_classes}), got {ids.min()}..{ids.max()}")
    return np.eye(n_classes, dtype=dtype)[ids]
