"""Spill: window signatures kept in temporary files instead of memory.

A scan's largest data are its window signatures (``num_perm`` 32-bit values
per window, about twice the size of the text). Above ``Config.spill_mb`` of
text, each read batch writes its signatures to a file of its own, column by
column (all windows' first value, then all windows' second value, ...), and
hands back a :class:`SpilledPart` that names the file. The candidate stage
(``provenance.lsh``) then reads only the columns it needs at a time: the two
of one LSH band, or one at a time to count the values two windows share.
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


def load(part: np.ndarray | SpilledPart) -> np.ndarray:
    """Signatures held in memory or spilled, as an array."""
    return part.load() if isinstance(part, SpilledPart) else part
