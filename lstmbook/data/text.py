"""Text every reader already has: the Python standard library's own source code.

Karpathy's char-rnn trained on the Linux kernel's source; here the corpus is the ``.py``
files of the standard library of the Python that runs the book -- nothing is downloaded,
and the page records which files and which Python version it read.

* :data:`STDLIB_MODULES` -- the modules read (pure-Python files present in Python
  3.10 to 3.13); :func:`split_of` puts each *whole file* in train, validation or test.
* :func:`stdlib_corpus` -- the three splits as text, with the files and the version.
* :data:`VOCAB`, :func:`encode`, :func:`decode` -- a fixed character vocabulary
  (printable ASCII, newline, and one symbol for everything else), the same on every
  machine, so trained weights fit any corpus.
* :func:`stream_batches` -- B parallel streams cut into consecutive windows, for truncated
  backpropagation through time with the state carried from one window to the next.
* :func:`text_properties` -- per-character labels (column, indentation, bracket depth,
  inside a string or a comment) from Python's own tokenizer, to find readable cells.

Defined for the page ``book/applications/language_model.ipynb``.
"""

from __future__ import annotations

import hashlib
import io
import platform
import sysconfig
import tokenize
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lstmbook._checks import check_positive_int

__all__ = [
    "STDLIB_MODULES",
    "VOCAB",
    "OTHER",
    "Corpus",
    "split_of",
    "stdlib_dir",
    "stdlib_corpus",
    "encode",
    "decode",
    "stream_batches",
    "text_properties",
]

#: Standard-library modules read, each one ``<name>.py`` file present in Python 3.10-3.13.
STDLIB_MODULES: tuple[str, ...] = tuple(
    """argparse ast base64 bisect calendar cmd code codecs colorsys configparser contextlib
    copy csv dataclasses datetime difflib dis doctest enum filecmp fileinput fnmatch fractions
    ftplib functools getopt gettext glob gzip heapq hmac inspect ipaddress keyword linecache
    locale lzma mailbox mimetypes netrc numbers operator optparse os pickle pkgutil platform
    plistlib poplib pprint profile pstats queue quopri random reprlib rlcompleter sched secrets
    selectors shelve shlex shutil smtplib socket socketserver statistics string stringprep
    struct subprocess tabnanny tarfile tempfile textwrap threading timeit token tokenize trace
    traceback tracemalloc types typing uuid warnings wave weakref zipapp""".split()
)

#: The vocabulary: newline, the 95 printable ASCII characters, and :data:`OTHER` last.
OTHER = "\u00bf"  # '¿' stands for any character outside the vocabulary (tab, non-ASCII)
VOCAB: str = "\n" + "".join(chr(c) for c in range(32, 127)) + OTHER
_INDEX = np.full(128, len(VOCAB) - 1, dtype=np.uint8)
for _k, _ch in enumerate(VOCAB[:-1]):
    _INDEX[ord(_ch)] = _k


def split_of(module: str) -> str:
    """``'test'``, ``'val'`` or ``'train'`` for a module name: a fixed function of the
    name (CRC-32 modulo 10: 0 -> test, 1 -> val, else train), so whole files land in one
    split and the split is the same on every machine."""
    r = zlib.crc32(module.encode()) % 10
    return "test" if r == 0 else "val" if r == 1 else "train"


def stdlib_dir() -> Path:
    """The directory holding the running Python's standard library source."""
    return Path(sysconfig.get_paths()["stdlib"])


@dataclass
class Corpus:
    """The three splits of the corpus and where they came from.

    Attributes
    ----------
    train, val, test : str
        The files of each split joined in :data:`STDLIB_MODULES` order, each file
        followed by one blank line.
    files : dict[str, list[str]]
        The modules in each split.
    python_version : str
        ``platform.python_version()`` of the interpreter whose files were read.
    sha256 : str
        Hash of the three texts, to tell whether two machines read the same corpus.
    missing : list[str]
        Modules not found (skipped); empty on an ordinary CPython installation.
    """

    train: str
    val: str
    test: str
    files: dict[str, list[str]] = field(default_factory=dict)
    python_version: str = ""
    sha256: str = ""
    missing: list[str] = field(default_factory=list)

    def text(self, split: str) -> str:
        """The text of ``split`` ('train', 'val' or 'test')."""
        if split not in ("train", "val", "test"):
            raise ValueError(f"split must be 'train', 'val' or 'test', got {split!r}")
        return getattr(self, split)


def stdlib_corpus(root: str | Path | None = None) -> Corpus:
    """Read the modules of :data:`STDLIB_MODULES` and split them by file.

    Parameters
    ----------
    root : path, optional
        Directory to read from; the running Python's standard library by default.

    Returns
    -------
    Corpus
    """
    root = stdlib_dir() if root is None else Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"stdlib_corpus: no such directory {str(root)!r}")
    parts: dict[str, list[str]] = {"train": [], "val": [], "test": []}
    files: dict[str, list[str]] = {"train": [], "val": [], "test": []}
    missing = []
    for name in STDLIB_MODULES:
        path = root / f"{name}.py"
        if not path.is_file():
            missing.append(name)
            continue
        split = split_of(name)
        parts[split].append(path.read_text(encoding="utf-8", errors="replace") + "\n")
        files[split].append(name)
    if not all(files.values()):
        raise FileNotFoundError(
            f"stdlib_corpus: found too few of the modules under {str(root)!r} "
            f"(missing {len(missing)} of {len(STDLIB_MODULES)})"
        )
    texts = {k: "".join(v) for k, v in parts.items()}
    digest = hashlib.sha256("\0".join(texts.values()).encode()).hexdigest()
    return Corpus(
        **texts, files=files, python_version=platform.python_version(), sha256=digest,
        missing=missing,
    )


def encode(text: str) -> np.ndarray:
    """Character ids (uint8) of ``text`` in :data:`VOCAB`; any other character becomes
    :data:`OTHER`.

    Returns
    -------
    ndarray (len(text),) uint8
    """
    if not isinstance(text, str):
        raise TypeError(f"encode: expected a str, got {type(text).__name__}")
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    ids = np.full(codes.shape, len(VOCAB) - 1, dtype=np.uint8)
    ascii_ = codes < 128
    ids[ascii_] = _INDEX[codes[ascii_]]
    return ids


def decode(ids) -> str:
    """The text of character ids (the inverse of :func:`encode` on in-vocabulary text)."""
    ids = np.asarray(ids)
    if ids.size and (ids.min() < 0 or ids.max() >= len(VOCAB)):
        raise ValueError(
            f"decode: ids must be in [0, {len(VOCAB)}), got range [{ids.min()}, {ids.max()}]"
        )
    return "".join(VOCAB[i] for i in ids.ravel())


def stream_batches(
    ids: np.ndarray, batch_size: int, seq_len: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Windows for truncated BPTT: the text cut into ``batch_size`` streams.

    Stream b is the b-th contiguous stretch of ``ids``; window k holds
    characters ``k*seq_len .. (k+1)*seq_len - 1`` of every stream. Row b of
    window k+1 continues row b of window k, so a model may carry its state from
    one window to the next.

    Parameters
    ----------
    ids : ndarray (N,) of ints
    batch_size, seq_len : int
        B and the truncation length T.

    Yields
    ------
    x, y : ndarray (B, T) int64
        Inputs and the next characters (targets).
    """
    batch_size = check_positive_int(batch_size, "batch_size")
    seq_len = check_positive_int(seq_len, "seq_len")
    ids = np.asarray(ids)
    n = (len(ids) - 1) // batch_size
    if n < seq_len:
        raise ValueError(
            f"stream_batches: {len(ids)} characters give streams of {n}, "
            f"shorter than seq_len={seq_len} (use a smaller batch_size or "
            "seq_len)"
        )
    x = ids[: n * batch_size].reshape(batch_size, n).astype(np.int64)
    y = ids[1 : n * batch_size + 1].reshape(batch_size, n).astype(np.int64)
    for start in range(0, n - seq_len + 1, seq_len):
        yield x[:, start : start + seq_len], y[:, start : start + seq_len]


def _line_starts(text: str) -> np.ndarray:
    starts = [0] + [k + 1 for k, ch in enumerate(text) if ch == "\n"]
    return np.asarray(starts)


def text_properties(text: str) -> dict[str, np.ndarray]:
    """Labels of every character of Python source, from :mod:`tokenize`.

    Parameters
    ----------
    text : str
        Complete Python source (it must tokenize).

    Returns
    -------
    dict of ndarray (len(text),)
        ``column`` position in the line (0 at a line's first character); ``indent``
        leading spaces of the character's line; ``bracket_depth`` brackets open before the
        character; ``in_string`` 1 inside a string literal (quotes included, f-strings
        whole); ``in_comment`` 1 inside a ``#`` comment.
    """
    n = len(text)
    starts = _line_starts(text)
    pos = np.arange(n)
    line = np.searchsorted(starts, pos, side="right") - 1
    column = pos - starts[line]
    lines = text.split("\n")
    indents = np.asarray([len(s) - len(s.lstrip(" ")) for s in lines])
    props = {
        "column": column.astype(float),
        "indent": indents[line].astype(float),
        "bracket_depth": np.zeros(n),
        "in_string": np.zeros(n),
        "in_comment": np.zeros(n),
    }
    opened = np.zeros(n + 1)

    def offset(rc: tuple[int, int]) -> int:
        return int(starts[rc[0] - 1] + rc[1])

    fstring_start: list[int] = []
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        name = tokenize.tok_name[tok.type]
        a, b = offset(tok.start), offset(tok.end)
        if name == "STRING":
            props["in_string"][a:b] = 1
        elif name == "FSTRING_START":  # Python 3.12+: f-strings come in pieces
            fstring_start.append(a)
        elif name == "FSTRING_END" and fstring_start:
            props["in_string"][fstring_start.pop() : b] = 1
        elif name == "COMMENT":
            props["in_comment"][a:b] = 1
        elif name == "OP" and tok.string in "([{":
            opened[a + 1] += 1
        elif name == "OP" and tok.string in ")]}":
            opened[a] -= 1
    props["bracket_depth"] = np.cumsum(opened)[:n]
    return props
