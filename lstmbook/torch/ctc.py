"""Connectionist temporal classification (连接时序分类, CTC): decoding and alignment.

A network trained with ``torch.nn.CTCLoss`` (Graves et al., 2006) emits, at every frame,
a distribution over the C labels plus a *blank*. A label sequence is read off a frame-by-
frame path by collapsing repeats and then dropping blanks (``a a - b b -> a b``); its
probability is the sum over all the paths that collapse to it. This module turns such a
table into text and shows where each label fired:

* :func:`greedy_decode` -- the best path, collapsed (fast, not always the best sequence);
* :func:`prefix_beam_search` -- the standard CTC prefix beam search (Graves 2012, §7.5;
  Hannun et al., 2014), which sums the paths of each prefix and so can beat greedy;
* :func:`ctc_log_prob` -- the forward algorithm: ``log p(target | table)``, the negative
  of ``torch.nn.CTCLoss(reduction="sum")``;
* :func:`ctc_alignment` -- the most likely path that collapses to a given target
  (Viterbi over the same lattice), for drawing the "spikes";
* :func:`log_posteriors` and :func:`decode` -- a trained model's tables of a list of
  utterances, and their label sequences by either decoder.

Everything here is NumPy (importing this module does not import torch;
:func:`log_posteriors` imports it when called); the functions
accept NumPy arrays or CPU torch tensors. Shapes: T frames, B batch, C labels including
the blank (torch's ``(T, N, C)`` layout for a batch); L target length. A table may hold
probabilities (entries in [0, 1]) or log-probabilities (entries ≤ 0, e.g. the output of
``log_softmax``); the decoders tell them apart by their values. Defined for the speech
page (``book/applications/speech``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from lstmbook._checks import check_positive_int, format_shape

__all__ = [
    "collapse",
    "greedy_decode",
    "greedy_decode_batch",
    "prefix_beam_search",
    "ctc_log_prob",
    "ctc_alignment",
    "decode",
    "log_posteriors",
]


# ----------------------------------------------------------------------------- checks

def _to_numpy(x: Any) -> np.ndarray:
    """A float64 NumPy copy of ``x`` (a NumPy array, a list, or a torch tensor)."""
    if hasattr(x, "detach"):  # a torch tensor, possibly on a GPU or needing grad
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=np.float64)


def _check_table(table: Any, ndim: int, layout: str, name: str = "log_probs") -> np.ndarray:
    """The table as float64, with its dimensions, size and values checked."""
    x = _to_numpy(table)
    if x.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-D array {layout}, "
                         f"got {x.ndim}-D array of shape {format_shape(x.shape)}")
    if x.shape[-1] < 1 or x.size == 0:
        raise ValueError(f"{name}: expected a non-empty array {layout}, "
                         f"got shape {format_shape(x.shape)}")
    if np.isnan(x).any():
        raise ValueError(f"{name} contains NaN")
    if np.isposinf(x).any():
        raise ValueError(f"{name} contains +inf; expected probabilities or log-probabilities")
    return x


def _check_blank(blank: int, num_classes: int) -> int:
    if isinstance(blank, bool) or not isinstance(blank, (int, np.integer)):
        raise TypeError(f"blank must be an integer label, got {blank!r}")
    if not 0 <= blank < num_classes:
        raise ValueError(f"blank={blank} is out of range for C={num_classes} classes "
                         f"(expected 0 <= blank < {num_classes})")
    return int(blank)


def _as_log(x: np.ndarray) -> np.ndarray:
    """Log-probabilities from a table of probabilities or log-probabilities.

    Entries all in [0, 1] are read as probabilities (``log 0 = -inf``); entries all ≤ 0 as
    log-probabilities. Anything else (logits, say) is refused: apply ``log_softmax`` first.
    """
    if np.all((x >= 0) & (x <= 1)):
        with np.errstate(divide="ignore"):
            return np.log(x)
    if np.all(x <= 0):
        return x
    raise ValueError(
        "log_probs must hold probabilities (all in [0, 1]) or log-probabilities (all <= 0); "
        f"got values from {x.min():.3g} to {x.max():.3g} -- apply log_softmax to logits first"
    )


def _check_target(target: Sequence[int], num_frames: int, num_classes: int,
                  blank: int) -> np.ndarray:
    """The target as an int array; it must fit in ``num_frames`` frames."""
    y = np.asarray(target)
    if y.ndim != 1 or (y.size and not np.issubdtype(y.dtype, np.integer)):
        raise ValueError(f"target must be a 1-D sequence of integer labels, got {target!r}")
    y = y.astype(np.int64)
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"target labels must be in [0, {num_classes}), got {y.tolist()}")
    if np.any(y == blank):
        raise ValueError(f"target contains the blank label {blank}; blanks are not labels")
    needed = y.size + int(np.sum(y[1:] == y[:-1]))  # a repeat needs a blank between
    if needed > num_frames:
        raise ValueError(
            f"target of length {y.size} needs at least {needed} frames "
            f"(one per label, plus a blank between repeats), but log_probs has T={num_frames}"
        )
    return y


# ----------------------------------------------------------------------------- greedy

def collapse(path: Sequence[int], blank: int = 0) -> list[int]:
    """Merge runs of equal labels, then drop blanks.

    ``[1, 1, 0, 1, 2, 2] -> [1, 1, 2]``: the blank (0) separates the two 1s.
    """
    out: list[int] = []
    previous = None
    for label in path:
        label = int(label)
        if label != previous and label != blank:
            out.append(label)
        previous = label
    return out


def greedy_decode(log_probs: Any, blank: int = 0) -> list[int]:
    """Best-path decoding of one sequence: the most likely label per frame, collapsed.

    Parameters
    ----------
    log_probs : array of shape (T, C)
        Per-frame probabilities or log-probabilities (argmax is the same for both).
    blank : int
        The blank label.

    Returns
    -------
    list of int
        The label sequence, without blanks or the repeats of one run.
    """
    x = _check_table(log_probs, 2, "(T, C)")
    blank = _check_blank(blank, x.shape[1])
    return collapse(np.argmax(x, axis=1), blank)


def greedy_decode_batch(log_probs: Any, lengths: Sequence[int] | None = None,
                        blank: int = 0) -> list[list[int]]:
    """:func:`greedy_decode` for a padded batch in torch's CTC layout.

    Parameters
    ----------
    log_probs : array of shape (T, B, C)
        As passed to ``torch.nn.CTCLoss``.
    lengths : sequence of B ints, optional
        Valid frames of each sequence (the rest is padding); all T when omitted.
    blank : int
        The blank label.

    Returns
    -------
    list of B lists of int
    """
    x = _check_table(log_probs, 3, "(T, B, C)")
    blank = _check_blank(blank, x.shape[2])
    T, B, _ = x.shape
    lengths = _check_lengths(lengths, T, B)
    best = np.argmax(x, axis=2)  # (T, B)
    return [collapse(best[:n, b], blank) for b, n in enumerate(lengths)]


def _check_lengths(lengths: Sequence[int] | None, T: int, B: int) -> list[int]:
    if lengths is None:
        return [T] * B
    n = np.asarray(lengths.detach().cpu() if hasattr(lengths, "detach") else lengths)
    if n.shape != (B,):
        raise ValueError(f"lengths: expected {B} lengths (one per sequence), "
                         f"got shape {format_shape(n.shape)}")
    if n.size and (n.min() < 0 or n.max() > T):
        raise ValueError(f"lengths must be in [0, T={T}], got {n.tolist()}")
    return [int(v) for v in n]


# ----------------------------------------------------------------------------- beam search

def _extend(beams: dict, frame: np.ndarray, blank: int) -> dict:
    """One frame of prefix beam search: every prefix's (log p_blank, log p_label) updated."""
    out: dict[tuple[int, ...], list[float]] = {}

    def add(prefix, which, value):
        if value == -np.inf:  # no path: do not grow the beam with impossible prefixes
            return
        entry = out.setdefault(prefix, [-np.inf, -np.inf])
        entry[which] = np.logaddexp(entry[which], value)

    for prefix, (p_b, p_nb) in beams.items():
        total = np.logaddexp(p_b, p_nb)
        add(prefix, 0, total + frame[blank])  # a blank: the prefix ends in blank
        for c in range(frame.size):
            if c == blank or frame[c] == -np.inf:
                continue
            if prefix and c == prefix[-1]:
                add(prefix, 1, p_nb + frame[c])  # repeat of a run: collapses, same prefix
                add(prefix + (c,), 1, p_b + frame[c])  # after a blank: a new label
            else:
                add(prefix + (c,), 1, total + frame[c])
    return out


def prefix_beam_search(log_probs: Any, beam_width: int = 8,
                       blank: int = 0) -> list[tuple[list[int], float]]:
    """CTC prefix beam search: the most probable label sequences, summed over their paths.

    Each prefix keeps two log-probabilities -- of the paths so far that collapse to it
    and end in a blank, and of those ending in its last label -- so that paths merging
    into the same prefix add up (``logaddexp``). After every frame the ``beam_width``
    most probable prefixes are kept. With a beam at least as wide as the number of
    reachable prefixes the scores are exact: ``log p(prefix)`` as :func:`ctc_log_prob`.
    ``beam_width=1`` is not always :func:`greedy_decode`: it keeps the best *prefix*,
    which sums paths, while greedy keeps the best single path.

    Parameters
    ----------
    log_probs : array of shape (T, C)
        Per-frame probabilities or log-probabilities.
    beam_width : int
        Prefixes kept after each frame.
    blank : int
        The blank label.

    Returns
    -------
    list of (list of int, float)
        Up to ``beam_width`` label sequences with their log-probabilities, best first.
    """
    x = _as_log(_check_table(log_probs, 2, "(T, C)"))
    blank = _check_blank(blank, x.shape[1])
    beam_width = check_positive_int(beam_width, "beam_width")
    beams: dict[tuple[int, ...], list[float]] = {(): [0.0, -np.inf]}
    for frame in x:
        beams = _prune(_extend(beams, frame, blank), beam_width)
    scored = [(list(prefix), float(np.logaddexp(*p))) for prefix, p in beams.items()]
    return sorted(scored, key=lambda item: -item[1])


def _prune(beams: dict, beam_width: int) -> dict:
    ranked = sorted(beams.items(), key=lambda item: -np.logaddexp(*item[1]))
    return dict(ranked[:beam_width])


# ----------------------------------------------------------------------------- the lattice

def _lattice(log_probs: Any, target: Sequence[int], blank: int):
    """The checked table (log), and the target with blanks around and between its labels."""
    x = _as_log(_check_table(log_probs, 2, "(T, C)"))
    blank = _check_blank(blank, x.shape[1])
    y = _check_target(target, x.shape[0], x.shape[1], blank)
    extended = np.full(2 * y.size + 1, blank, dtype=np.int64)
    extended[1::2] = y
    return x, extended


def _skip_allowed(extended: np.ndarray, blank: int) -> np.ndarray:
    """Where state s may be entered from s - 2: a label unlike the label two back."""
    skip = np.zeros(extended.size, dtype=bool)
    skip[2:] = (extended[2:] != blank) & (extended[2:] != extended[:-2])
    return skip


def _predecessors(scores: np.ndarray, skip: np.ndarray) -> np.ndarray:
    """(S, 3) scores of coming from s (stay), s - 1 and s - 2 (skip a blank)."""
    came = np.full((scores.size, 3), -np.inf)
    came[:, 0] = scores
    came[1:, 1] = scores[:-1]
    came[2:, 2] = np.where(skip[2:], scores[:-2], -np.inf)
    return came


def _start(x: np.ndarray, extended: np.ndarray) -> np.ndarray:
    """Frame 0: a path starts in the first blank or the first label."""
    scores = np.full(extended.size, -np.inf)
    scores[:2] = x[0, extended[:2]]
    return scores


def ctc_log_prob(log_probs: Any, target: Sequence[int], blank: int = 0) -> float:
    """``log p(target)``: the sum over all paths that collapse to ``target`` (forward pass).

    This is ``-torch.nn.CTCLoss(reduction="sum")`` for one sequence.

    Parameters
    ----------
    log_probs : array of shape (T, C)
        Per-frame probabilities or log-probabilities.
    target : sequence of L ints
        Labels, without blanks.
    blank : int
        The blank label.

    Returns
    -------
    float
        ``-inf`` when no path of the table reaches the target.
    """
    x, extended = _lattice(log_probs, target, blank)
    skip = _skip_allowed(extended, blank)
    alpha = _start(x, extended)
    for frame in x[1:]:
        alpha = np.logaddexp.reduce(_predecessors(alpha, skip), axis=1) + frame[extended]
    return float(np.logaddexp.reduce(alpha[-2:]))


def ctc_alignment(log_probs: Any, target: Sequence[int], blank: int = 0) -> list[int]:
    """The most likely path that collapses to ``target``: one label (or blank) per frame.

    Viterbi over the CTC lattice: the forward algorithm with ``max`` in place of the sum,
    then a trace back. The frames where a label (not a blank) is chosen are the "spikes".

    Parameters
    ----------
    log_probs : array of shape (T, C)
        Per-frame probabilities or log-probabilities.
    target : sequence of L ints
        Labels, without blanks; ``L + (number of adjacent repeats) <= T``.
    blank : int
        The blank label.

    Returns
    -------
    list of T ints
        ``collapse(result, blank) == list(target)``.
    """
    x, extended = _lattice(log_probs, target, blank)
    skip = _skip_allowed(extended, blank)
    delta = _start(x, extended)
    back = np.zeros((x.shape[0], extended.size), dtype=np.int64)
    for t in range(1, x.shape[0]):
        came = _predecessors(delta, skip)
        back[t] = np.argmax(came, axis=1)  # 0 stay, 1 from s - 1, 2 from s - 2
        delta = came.max(axis=1) + x[t, extended]
    return _trace_back(delta, back, extended)


def _trace_back(delta: np.ndarray, back: np.ndarray, extended: np.ndarray) -> list[int]:
    ends = [extended.size - 1] if extended.size == 1 else [extended.size - 2, extended.size - 1]
    s = max(ends, key=lambda e: delta[e])
    if delta[s] == -np.inf:
        raise ValueError("no path of log_probs collapses to target: all have probability 0")
    states = [s]
    for t in range(back.shape[0] - 1, 0, -1):
        s -= back[t, s]
        states.append(s)
    return [int(extended[s]) for s in reversed(states)]


def decode(tables: Sequence[Any], method: str = "greedy", *,
           beam_width: int = 8, blank: int = 0) -> list[list[int]]:
    """The label sequence of every table, by :func:`greedy_decode` (``"greedy"``)
    or the best prefix of :func:`prefix_beam_search` (``"beam"``)."""
    if method == "greedy":
        return [greedy_decode(t, blank=blank) for t in tables]
    if method == "beam":
        return [prefix_beam_search(t, beam_width, blank=blank)[0][0]
                for t in tables]
    raise ValueError(f"decode: method must be 'greedy' or 'beam', got {method!r}")


def log_posteriors(model: Any, inputs: Sequence[np.ndarray],
                   batch_size: int = 64) -> list[np.ndarray]:
    """Per-frame log-probabilities (T_i, C) of every input (T_i, F).

    ``model(x, lengths)`` takes a right-padded (B, T, F) float32 batch and its
    lengths (B,) and returns logits (B, T, C), as the book's ``RecurrentNet``
    with ``readout="all"`` does. Run in evaluation mode without gradients, in
    batches of ``batch_size``; the padded frames are cut off again.
    """
    import torch

    from lstmbook.numpy.masking import pad_sequences

    batch_size = check_positive_int(batch_size, "batch_size")
    was_training = model.training
    model.eval()
    tables: list[np.ndarray] = []
    try:
        with torch.no_grad():
            for start in range(0, len(inputs), batch_size):
                chunk = [np.asarray(f, dtype=np.float32)
                         for f in inputs[start:start + batch_size]]
                x, lengths = pad_sequences(chunk)
                logits = model(torch.from_numpy(x), torch.from_numpy(lengths))
                lp = torch.log_softmax(logits, dim=-1).numpy()
                tables += [lp[b, :n] for b, n in enumerate(lengths)]
    finally:
        model.train(was_training)
    return tables
