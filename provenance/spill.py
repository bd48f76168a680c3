"""Spill: window signatures and word hashes kept in temporary files instead of memory.

A scan's largest data are its window signatures (``num_perm`` 32-bit values
per window, about twice the size of the text), then its word hashes (4 bytes
a word). Above ``Config.spill_mb`` of input, each read batch writes both to
files of its own and hands back small stand-ins that name them:

* :class:`SpilledPart`: the batch's signatures, column by column (all
  windows' first value, then all windows' second value, ...). The candidate
  stage (``provenance.lsh``) reads only the columns it needs at a time: the
  two of one LSH band, or one at a time to count the values two windows share.
* :class:`SpilledWords`: one document's word hashes, read back by the
  alignment only for the documents of a candidate pair.
* :class:`SpilledText`: one document's extracted text (``Document.text``
  reads it back on each access), for the alignment of a candidate pair, the
  passages and the report's renderers. The texts are written once they are
  extracted rather than read again from their sources at the end: HTML and
  web archives would have to be decoded and extracted a second time, and a
  source changed meanwhile would no longer match the report's offsets.

Files are read with plain reads, not mapped, so what was read once is the
page cache's, not the scan's memory.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

_ITEM = np.dtype(np.uint32).itemsize


@dataclass(frozen=True, slots=True)
class SpilledPart:
    """The ``(rows, width)`` uint32 signatures of one batch, column-major in ``path``."""

    path: str
    rows: int
    width: int

    def __len__(self) -> int:
        return self.rows

    @property
    def shape(self) -> tuple[int, int]:
        """As for the array it stands for."""
        return self.rows, self.width

    def columns(self, lo: int, hi: int) -> np.ndarray:
        """Columns ``lo:hi`` as a ``(rows, hi - lo)`` array."""
        if not self.rows or hi <= lo:
            return np.zeros((self.rows, max(0, hi - lo)), dtype=np.uint32)
        with open(self.path, "rb") as fh:
            fh.seek(lo * self.rows * _ITEM)
            flat = np.fromfile(fh, dtype=np.uint32, count=(hi - lo) * self.rows)
        return flat.reshape(hi - lo, self.rows).T

    def load(self) -> np.ndarray:
        """The whole ``(rows, width)`` array in memory."""
        return np.ascontiguousarray(self.columns(0, self.width))

    def read_column(self, j: int, out: np.ndarray) -> None:
        """Column ``j`` into ``out`` (``(rows,)`` uint32, contiguous), with no
        array of its own (and no file object: a big scan reads tens of
        thousands of columns of parts)."""
        view = memoryview(out).cast("B")
        if hasattr(os, "preadv"):
            fd = os.open(self.path, os.O_RDONLY)
            try:
                got = os.preadv(fd, [view], j * self.rows * _ITEM)
            finally:
                os.close(fd)
        else:  # pragma: no cover - platforms without preadv
            with open(self.path, "rb") as fh:
                fh.seek(j * self.rows * _ITEM)
                got = fh.readinto(view)
        if got != len(view):
            raise OSError(f"{self.path}: truncated signature file")


@dataclass(frozen=True, slots=True)
class SpilledWords:
    """One document's uint32 word hashes: ``count`` values at byte ``offset`` of ``path``."""

    path: str
    offset: int
    count: int

    def __len__(self) -> int:
        return self.count

    def load(self) -> np.ndarray:
        """The word hashes in memory."""
        with open(self.path, "rb") as fh:
            fh.seek(self.offset)
            return np.fromfile(fh, dtype=np.uint32, count=self.count)


class WordsReader:
    """Reads word hashes held in memory or spilled, as ``load`` does, but
    keeps spilled files open: one ``pread`` a document instead of an open,
    a seek and a read (alignment reads two documents per candidate pair).
    Use it as a context manager, which closes the files.

    >>> import tempfile
    >>> parts = spill_words([np.array([1, 2], np.uint32), np.array([3], np.uint32)], tempfile.mkdtemp())
    >>> with WordsReader() as read:
    ...     [read(p).tolist() for p in parts], read(np.array([4], np.uint32)).tolist()
    ([[1, 2], [3]], [4])
    """

    _MAX_OPEN = 256  # files kept open at once, the most recently read

    def __init__(self) -> None:
        self._files: dict[str, int] = {}  # in order of last use

    def __call__(self, part: np.ndarray | SpilledWords) -> np.ndarray:
        if not isinstance(part, SpilledWords):
            return part
        fd = self._files.pop(part.path, None)
        if fd is None:
            if len(self._files) >= self._MAX_OPEN:
                os.close(self._files.pop(next(iter(self._files))))
            fd = os.open(part.path, os.O_RDONLY)
        self._files[part.path] = fd
        data = os.pread(fd, part.count * _ITEM, part.offset)
        if len(data) != part.count * _ITEM:
            raise OSError(f"{part.path}: {len(data)} bytes at {part.offset}, expected {part.count * _ITEM}")
        return np.frombuffer(data, dtype=np.uint32)

    def close(self) -> None:
        """Close the files opened so far."""
        for fd in self._files.values():
            os.close(fd)
        self._files.clear()

    def __enter__(self) -> WordsReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def spill_words(words: list[np.ndarray], folder: str) -> list[SpilledWords]:
    """Write documents' uint32 word hashes to one new file in ``folder``.

    >>> import tempfile
    >>> parts = spill_words([np.array([1, 2], np.uint32), np.array([3], np.uint32)], tempfile.mkdtemp())
    >>> [p.load().tolist() for p in parts]
    [[1, 2], [3]]
    """
    fd, path = tempfile.mkstemp(suffix=".words", dir=folder)
    out, offset = [], 0
    for w in words:
        out.append(SpilledWords(path, offset, len(w)))
        offset += len(w) * _ITEM
    with os.fdopen(fd, "wb") as fh:  # one write: a write per document costs a system call each
        (np.concatenate(words).astype(np.uint32, copy=False) if words else np.zeros(0, dtype=np.uint32)).tofile(fh)
    return out


def spill(sigs: np.ndarray, folder: str) -> SpilledPart:
    """Write ``(rows, width)`` signatures to a new file in ``folder``.

    >>> import tempfile
    >>> sigs = np.arange(12, dtype=np.uint32).reshape(4, 3)
    >>> part = spill(sigs, tempfile.mkdtemp())
    >>> part.columns(1, 3).tolist() == sigs[:, 1:3].tolist(), bool((part.load() == sigs).all())
    (True, True)
    """
    fd, path = tempfile.mkstemp(suffix=".sig", dir=folder)
    with os.fdopen(fd, "wb") as fh:
        np.ascontiguousarray(sigs.T, dtype=np.uint32).tofile(fh)
    return SpilledPart(path, int(sigs.shape[0]), int(sigs.shape[1]))


def remove_later(parts: Iterable[object]) -> Callable[[], None]:
    """Start removing the files of these spilled signature parts (other
    values are passed over) in a background thread; returns the call that
    waits for it.

    The signatures of a 1 GB scan are 2 GB of files, which take about a
    second to remove on a disk mounted with ``discard``: removed once the
    candidates are found, they go while the workers align instead of at the
    scan's end.

    >>> import tempfile
    >>> part = spill(np.zeros((2, 3), dtype=np.uint32), tempfile.mkdtemp())
    >>> wait = remove_later([part, np.zeros(1)])
    >>> wait(); os.path.exists(part.path)
    False
    """
    paths = [p.path for p in parts if isinstance(p, SpilledPart)]
    if not paths:
        return lambda: None
    thread = threading.Thread(target=_unlink_all, args=(paths,), name="provenance-remove-signatures", daemon=True)
    thread.start()
    return thread.join


def _unlink_all(paths: list[str]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):  # the scan's folder may be going at the same time
            os.remove(path)


def column(parts: Sequence[np.ndarray | SpilledPart], j: int, out: np.ndarray | None = None) -> np.ndarray:
    """Signature column ``j`` of all windows, held in consecutive parts: a
    view when they are one array in memory, else ``out`` (a buffer the
    caller reuses: filling fresh memory costs more than reading the column)
    or a new array.

    >>> import tempfile
    >>> sigs = np.arange(12, dtype=np.uint32).reshape(4, 3)
    >>> column([spill(sigs[:3], tempfile.mkdtemp()), sigs[3:]], 1).tolist()
    [1, 4, 7, 10]
    """
    if _one_array(parts):
        return parts[0][:, j]
    if out is None:
        out = np.empty(sum(len(p) for p in parts), dtype=np.uint32)
    at = 0
    for p in parts:
        if isinstance(p, SpilledPart):
            p.read_column(j, out[at : at + len(p)])
        else:
            out[at : at + len(p)] = p[:, j]
        at += len(p)
    return out


def _one_array(parts: Sequence[np.ndarray | SpilledPart]) -> bool:
    return len(parts) == 1 and not isinstance(parts[0], SpilledPart)


def load(part: np.ndarray | SpilledPart | SpilledWords) -> np.ndarray:
    """Signatures or word hashes held in memory or spilled, as an array."""
    return part.load() if isinstance(part, SpilledPart | SpilledWords) else part


class TextFile:
    """A file of document texts (UTF-8, one after another) written by one read batch.

    Its stand-ins (:class:`SpilledText`) outlive the scan: the report's
    documents read their text back from it when a renderer asks. The process
    that made the scan owns the file (:func:`own_texts`), and removes it
    once no document names it any more, or when the process exits; copies
    of this object in worker processes (pickled or forked) never remove it.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._finalizer: weakref.finalize | None = None

    def __getstate__(self) -> dict[str, object]:
        return {"path": self.path, "_finalizer": None}

    def own(self) -> None:
        """Remove the file (and its folder, once empty) when this object goes, in this process only."""
        if self._finalizer is None:
            self._finalizer = weakref.finalize(self, _remove, self.path, os.getpid())

    def read(self, offset: int, size: int) -> str:
        """``size`` bytes at ``offset``, decoded."""
        fd = os.open(self.path, os.O_RDONLY)
        try:
            data = os.pread(fd, size, offset)
        finally:
            os.close(fd)
        if len(data) != size:
            raise OSError(f"{self.path}: {len(data)} bytes at {offset}, expected {size}")
        return data.decode("utf-8", "surrogatepass")


def _remove(path: str, pid: int) -> None:
    if os.getpid() != pid:
        return
    for remove in (os.remove, os.rmdir):
        try:
            remove(path)
        except OSError:
            return
        path = os.path.dirname(path)


@dataclass(frozen=True, slots=True)
class SpilledText:
    """One document's text: ``size`` UTF-8 bytes at ``offset`` of ``file``,
    and its length in characters (``chars``, and without trailing white
    space: ``stripped_chars``), known without reading it."""

    file: TextFile
    offset: int
    size: int
    chars: int
    stripped_chars: int

    def read(self) -> str:
        """The text."""
        return self.file.read(self.offset, self.size)


def spill_texts(texts: Sequence[str], folder: str) -> list[SpilledText]:
    """Write texts to one new file in ``folder``; their stand-ins, in order.

    >>> import tempfile
    >>> parts = spill_texts(["café ", "x"], tempfile.mkdtemp())
    >>> [(p.read(), p.chars, p.stripped_chars, p.size) for p in parts]
    [('café ', 5, 4, 6), ('x', 1, 1, 1)]
    """
    fd, path = tempfile.mkstemp(suffix=".texts", dir=folder)
    file = TextFile(path)
    out, offset = [], 0
    with os.fdopen(fd, "wb") as fh:
        for text in texts:
            data = text.encode("utf-8", "surrogatepass")
            fh.write(data)
            out.append(SpilledText(file, offset, len(data), len(text), len(text.rstrip())))
            offset += len(data)
    return out


def own_texts(texts: Iterable[object]) -> None:
    """Make this process the owner of the files these texts are in (``TextFile.own``); other values are passed over."""
    for file in {id(t.file): t.file for t in texts if isinstance(t, SpilledText)}.values():
        file.own()
