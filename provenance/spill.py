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

Files are read with plain reads, not mapped, so what was read once is the
page cache's, not the scan's memory.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass

import numpy as np

_ITEM = np.dtype(np.uint32).itemsize


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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

    _MAX_OPEN = 64  # files kept open at once

    def __init__(self) -> None:
        self._files: dict[str, int] = {}

    def __call__(self, part: np.ndarray | SpilledWords) -> np.ndarray:
        if not isinstance(part, SpilledWords):
            return part
        fd = self._files.get(part.path)
        if fd is None:
            if len(self._files) >= self._MAX_OPEN:
                self.close()
            fd = self._files[part.path] = os.open(part.path, os.O_RDONLY)
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
    with os.fdopen(fd, "wb") as fh:
        for w in words:
            np.ascontiguousarray(w, dtype=np.uint32).tofile(fh)
            out.append(SpilledWords(path, offset, len(w)))
            offset += len(w) * _ITEM
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


def columns(part: np.ndarray | SpilledPart, lo: int, hi: int) -> np.ndarray:
    """Columns ``lo:hi`` of signatures held in memory or spilled."""
    return part.columns(lo, hi) if isinstance(part, SpilledPart) else part[:, lo:hi]


def load(part: np.ndarray | SpilledPart | SpilledWords) -> np.ndarray:
    """Signatures or word hashes held in memory or spilled, as an array."""
    return part.load() if isinstance(part, SpilledPart | SpilledWords) else part
