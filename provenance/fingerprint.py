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
from typing import TYPE_CHECKING

import numpy as np

from provenance.config import Config

if TYPE_CHECKING:
    pass

SCHEME = "affine32"
_SHINGLE_MULT = np.uint64(0x9E3779B97F4A7C15)
_CHUNK_SHINGLES = 1024  # shingles permuted at a time: (1024, num_perm) uint32 fits the CPU cache


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
    n_blocks = [-(-len(sh) // block) for sh in shingles]
    # Each document's last block is filled up with copies of its last
    # shingle, which leave the block's minima as they are: then every block
    # is whole, and the minima of all blocks are one reshape and one min.
    padded = [np.pad(sh, (0, n * block - len(sh)), mode="edge") for sh, n in zip(shingles, n_blocks, strict=True) if n]
    values = _fmix32(np.concatenate(padded)) if padded else np.zeros(0, dtype=np.uint32)
    total = len(values) // block
    mins = np.empty((total, config.num_perm), dtype=np.uint32)
    # A few blocks at a time: the permuted values stay in the CPU cache
    # between the multiply, the add and the min (3x faster than one pass
    # over a large array).
    step = max(1, _CHUNK_SHINGLES // block)
    buf = np.empty((step * block, config.num_perm), dtype=np.uint32)
    with np.errstate(over="ignore"):
        for lo in range(0, total, step):
            hi = min(total, lo + step)
            permuted = buf[: (hi - lo) * block]
            np.multiply(values[lo * block : hi * block, None], a[None, :], out=permuted)
            np.add(permuted, b[None, :], out=permuted)
            np.min(permuted.reshape(hi - lo, block, config.num_perm), axis=1, out=mins[lo:hi])

    out = []
    first = 0
    for n in n_blocks:
        doc_blocks = mins[first : first + n]
        first += n
        # Window i = blocks i and i + 1; a lone block is copied, not a view
        # that would keep the whole batch's minima alive.
        out.append(np.minimum(doc_blocks[:-1], doc_blocks[1:]) if n > 1 else doc_blocks.copy())
    return out
