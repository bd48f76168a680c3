"""Fingerprint: word hashes → MinHash signatures of overlapping word windows.

A window is ``config.window`` consecutive word shingles; windows start every
``window // 2`` shingles, so neighbouring windows overlap by half. Each window
gets a MinHash in datasketch's default ``affine32`` scheme, computed for all
windows at once with numpy: every shingle is hashed and permuted once, the
per-block minima are taken with ``np.minimum.reduceat``, and a window is the
minimum of its two blocks. The result equals ``datasketch.MinHash`` (same
``num_perm`` and ``seed``) updated with the window's shingle hashes through an
identity hash function.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from provenance.config import Config

if TYPE_CHECKING:
    pass

SCHEME = "affine32"
_SHINGLE_MULT = np.uint64(0x9E3779B97F4A7C15)
_CHUNK = 1 << 16  # shingles per vectorised batch: bounds memory to _CHUNK * num_perm * 4 bytes


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The (a, b) permutation parameters of ``datasketch.MinHash(num_perm, seed)``
    in its affine32 scheme, drawn the way datasketch draws them (the tests check
    they are equal), without importing datasketch on every start."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def shingle_hashes(words: np.ndarray, size: int) -> np.ndarray:
    """32-bit hash of every run of ``size`` consecutive word hashes.

    >>> w = np.arange(1, 6, dtype=np.uint64)
    >>> len(shingle_hashes(w, 3)), len(shingle_hashes(w[:2], 3))
    (3, 0)
    """
    n = len(words) - size + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint32)
    acc = words[:n].copy()
    with np.errstate(over="ignore"):
        for i in range(1, size):
            acc = acc * _SHINGLE_MULT + words[i : i + n]
    return ((acc ^ (acc >> np.uint64(32))) & np.uint64(0xFFFFFFFF)).astype(np.uint32)


def _fmix32(h: np.ndarray) -> np.ndarray:
    # MurmurHash3's finalizer: datasketch's affine32 scheme pre-mixes inputs with it.
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def window_span(index: int, n_words: int, config: Config) -> tuple[int, int]:
    """Word range [start, end) that window ``index`` covers."""
    block = _block(config)
    start = index * block
    end = min(n_words, start + 2 * block + config.shingle_size - 1)
    return start, end


def _block(config: Config) -> int:
    return max(1, config.window // 2)


def signatures(docs_words: Sequence[np.ndarray], config: Config) -> list[np.ndarray]:
    """MinHash signature of every window of every document.

    Args:
        docs_words: per document, its word hashes (from ``normalize.word_hashes``).
        config: shingle size, window, num_perm and seed.

    Returns:
        Per document, a ``(windows, num_perm)`` uint32 array.
    """
    a, b = permutations(config.num_perm, config.seed)
    block = _block(config)
    shingles = [shingle_hashes(w, config.shingle_size) for w in docs_words]
    # Per document, the minima of its blocks of ``block`` shingles, filled chunk by chunk.
    blocks = [np.empty((-(-len(sh) // block), config.num_perm), dtype=np.uint32) for sh in shingles]
    filled = [0] * len(shingles)

    # Pieces of whole blocks, packed into chunks of about _CHUNK shingles.
    piece = max(block, (_CHUNK // block) * block)
    pending: list[tuple[int, np.ndarray]] = []
    pending_size = 0

    def flush() -> None:
        nonlocal pending, pending_size
        if not pending:
            return
        values = np.concatenate([p for _, p in pending])
        starts, offset = [], 0
        for _, p in pending:
            starts.append(np.arange(offset, offset + len(p), block))
            offset += len(p)
        with np.errstate(over="ignore"):
            permuted = _fmix32(values)[:, None] * a[None, :] + b[None, :]
        mins = np.minimum.reduceat(permuted, np.concatenate(starts), axis=0)
        row = 0
        for (doc, _), s in zip(pending, starts, strict=True):
            blocks[doc][filled[doc] : filled[doc] + len(s)] = mins[row : row + len(s)]
            filled[doc] += len(s)
            row += len(s)
        pending, pending_size = [], 0

    for doc, sh in enumerate(shingles):
        for start in range(0, len(sh), piece):
            part = sh[start : start + piece]
            pending.append((doc, part))
            pending_size += len(part)
            if pending_size >= _CHUNK:
                flush()
    flush()

    out = []
    for doc_blocks in blocks:
        if len(doc_blocks) > 1:  # window i = blocks i and i + 1, computed in place
            np.minimum(doc_blocks[:-1], doc_blocks[1:], out=doc_blocks[:-1])
            doc_blocks = doc_blocks[:-1]
        out.append(doc_blocks)
    return out
