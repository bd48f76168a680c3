"""Fingerprint: word hashes → MinHash signatures of overlapping word windows.

A window is ``config.window`` consecutive word shingles; windows start every
``window // 2`` shingles, so neighbouring windows overlap by half. Each window
gets a MinHash in datasketch's default ``affine32`` scheme, computed for all
windows at once with numpy: every shingle is hashed and permuted once, the
per-block minima are taken over whole blocks of the permuted values, and a
window is the minimum of its two blocks. The result equals ``datasketch.MinHash`` (same
``num_perm`` and ``seed``) updated with the window's shingle hashes through an
identity hash function.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from provenance.config import Config

if TYPE_CHECKING:
    pass

SCHEME = "affine32"
_SHINGLE_MULT = np.uint64(0x9E3779B97F4A7C15)
_CHUNK_SHINGLES = 2048  # shingles permuted at a time: (2048, num_perm) uint32 fits the CPU cache


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The (a, b) permutation parameters of ``datasketch.MinHash(num_perm, seed)``
    in its affine32 scheme, drawn the way datasketch draws them (the tests check
    they are equal), without importing datasketch on every start."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


@lru_cache(maxsize=8)
def _inverses(num_perm: int, seed: int) -> np.ndarray:
    """The multiplicative inverses modulo 2**32 of the odd ``a`` of ``permutations``."""
    a, _ = permutations(num_perm, seed)
    inv = a.copy()
    with np.errstate(over="ignore"):
        for _ in range(5):  # Newton's iteration doubles the correct low bits: 3 → 96
            inv *= np.uint32(2) - a * inv
    return inv


def unpermute(sigs: np.ndarray, config: Config, *, start: int = 0) -> np.ndarray:
    """The shingle hash (mixed, as ``window_signatures`` permutes it) behind
    every signature value: each permutation ``a * x + b`` modulo 2**32 has an
    odd ``a``, so it is undone exactly. Two windows' values at the same
    position are equal exactly when the same shingle sets them.

    Args:
        sigs: ``(n, k)`` values of permutations ``start`` to ``start + k``.

    >>> from provenance.config import Config
    >>> config = Config()
    >>> a, b = permutations(config.num_perm, config.seed)
    >>> values = (a * np.uint32(12345) + b)[None, :]
    >>> sorted(set(unpermute(values, config)[0].tolist()))
    [12345]
    """
    a, b = permutations(config.num_perm, config.seed)
    k = sigs.shape[1]
    with np.errstate(over="ignore"):
        return (sigs - b[start : start + k]) * _inverses(config.num_perm, config.seed)[start : start + k]


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


def window_span(index: Any, n_words: Any, config: Config) -> tuple[Any, Any]:
    """Word range [start, end) that window ``index`` covers (ints, or arrays
    of windows and their documents' word counts, element by element)."""
    block = _block(config)
    start = index * block
    end = np.minimum(n_words, start + 2 * block + config.shingle_size - 1)
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
    sigs, counts = window_signatures(docs_words, config)
    return np.split(sigs, np.cumsum(counts)[:-1]) if len(counts) else []


def window_signatures(docs_words: Sequence[np.ndarray], config: Config) -> tuple[np.ndarray, np.ndarray]:
    """The signatures of ``signatures``, as one ``(windows, num_perm)`` array
    of all documents' windows in order, and each document's window count."""
    a, b = permutations(config.num_perm, config.seed)
    block = _block(config)
    size = config.shingle_size
    lengths = np.fromiter(map(len, docs_words), dtype=np.int64, count=len(docs_words))
    n_shingles = np.maximum(lengths - size + 1, 0)
    n_blocks = -(-n_shingles // block)
    total = int(n_blocks.sum())
    if not total:
        return np.zeros((0, config.num_perm), dtype=np.uint32), np.zeros(len(lengths), dtype=np.int64)
    # The shingles of all documents, hashed over their words joined (the
    # shingles that would span two documents are never used). Each
    # document's last block is filled up with copies of its last shingle,
    # which leave the block's minima as they are: then every block is
    # whole, and the minima of all blocks are one reshape and one min.
    joined = shingle_hashes(np.concatenate(docs_words).astype(np.uint64, copy=False), size)
    doc = np.repeat(np.arange(len(lengths)), n_blocks * block)
    first = np.cumsum(lengths) - lengths  # each document's first word
    slot = np.arange(total * block) - np.repeat(np.cumsum(n_blocks * block) - n_blocks * block, n_blocks * block)
    values = _fmix32(joined[first[doc] + np.minimum(slot, n_shingles[doc] - 1)])
    del doc, slot
    mins = np.empty((total, config.num_perm), dtype=np.uint32)
    # A few blocks at a time: the permuted values stay in the CPU cache
    # between the multiply, the add and the min (3x faster than one pass
    # over a large array). The values are laid out (position in block,
    # block, permutation), so that a block's minimum is an element-wise
    # minimum of ``block`` contiguous slabs (2x faster than a reduction
    # over the middle axis of (block, position, permutation)).
    step = max(1, _CHUNK_SHINGLES // block)
    buf = np.empty((block, step, config.num_perm), dtype=np.uint32)
    with np.errstate(over="ignore"):
        for lo in range(0, total, step):
            hi = min(total, lo + step)
            permuted = buf[:, : hi - lo]
            np.multiply(values[lo * block : hi * block].reshape(hi - lo, block).T[:, :, None], a, out=permuted)
            np.add(permuted, b, out=permuted)
            np.minimum.reduce(permuted, axis=0, out=mins[lo:hi])
    # Window i of a document = its blocks i and i + 1; a document of one
    # block has that block as its one window.
    last_block = np.cumsum(n_blocks) - 1
    after = np.arange(1, total + 1)
    after[last_block[n_blocks > 0]] -= 1  # a document's last block pairs with itself
    np.minimum(mins, mins[after], out=mins)
    counts = np.where(n_blocks > 1, n_blocks - 1, n_blocks)
    keep = np.ones(total, dtype=bool)
    keep[last_block[n_blocks > 1]] = False
    return mins[keep], counts
