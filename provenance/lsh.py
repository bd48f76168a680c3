"""Candidates: window signatures → pairs of windows in different documents.

MinHash LSH with the band/row layout datasketch's ``MinHashLSH`` would choose
for the threshold, done for all windows at once: every band's rows are hashed
to one 64-bit bucket key, windows are sorted by key, and windows sharing a
bucket become candidate pairs. A bucket holding more than
``config.max_bucket_docs`` windows (a stock phrase, a licence, a share bar)
links each of its documents to the first few only, so that pairs grow
linearly, not quadratically, with such text. In a big scan, a window whose
band is set by one shingle alone sits that band out (``one_shingle``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from provenance.config import Config
from provenance.fingerprint import unpermute
from provenance.spill import SpilledPart, column
from provenance.workers import pool

HUB_LINKS = 4
"""Members of an oversized bucket that every other member is linked to
(here and in ``provenance.index``), so pairs grow linearly with stock text."""
_AGREE_CHUNK = 1 << 16


@lru_cache(maxsize=32)
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """Bands and rows that minimise false positives plus false negatives
    around the threshold (the rule of ``datasketch.MinHashLSH``).

    >>> lsh_params(0.5, 128)
    (25, 5)
    """
    xs = np.linspace(0.0, 1.0, 401)
    best, best_err = (1, num_perm), float("inf")
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            p = 1.0 - (1.0 - xs**rows) ** bands
            below, above = xs <= threshold, xs >= threshold
            fp = np.trapezoid(p[below], xs[below])
            fn = np.trapezoid(1.0 - p[above], xs[above])
            err = 0.5 * fp + 0.5 * fn
            if err < best_err:
                best, best_err = (bands, rows), err
    return best


@lru_cache(maxsize=8)
def _band_mults(rows: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(1, 2**63, size=rows, dtype=np.uint64) | np.uint64(1)


def band_key(sigs: np.ndarray | SpilledPart, band: int, config: Config) -> np.ndarray:
    """The 64-bit bucket key of one LSH band of every window: its rows hashed
    into one number. ``candidate_pairs`` and the persistent index
    (``provenance.index``) both bucket windows with it, so they agree.

    Args:
        sigs: ``(n_windows, num_perm)`` signatures, in memory or spilled
            (``provenance.spill``: only the band's columns are read).
        band: the band number, ``0 <= band < bands``.

    Returns:
        ``(n_windows,)`` uint64 keys.

    >>> from provenance.config import Config
    >>> sigs = np.arange(96, dtype=np.uint32).reshape(2, 48)
    >>> keys = band_key(sigs, 0, Config())
    >>> keys.dtype.name, len(keys), bool(keys[0] != keys[1])
    ('uint64', 2, True)
    """
    _, rows = lsh_params(config.threshold, config.num_perm)
    # Only the band's columns are read (of spilled signatures), and never widened to 64 bits whole.
    return _key_of_columns([column([sigs], col) for col in range(band * rows, (band + 1) * rows)], len(sigs), config)


def _key_of_columns(cols: Sequence[np.ndarray], n: int, config: Config, out: np.ndarray | None = None) -> np.ndarray:
    """``band_key`` of a band's columns (``(n,)`` uint32 arrays, in order),
    into ``out`` (``(n,)`` uint64) when given."""
    _, rows = lsh_params(config.threshold, config.num_perm)
    mults = _band_mults(rows, config.seed)
    keys = np.empty(n, dtype=np.uint64) if out is None else out
    value = np.empty(min(n, _PIECE), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for lo, hi in _pieces(n):  # the products stay in the CPU cache
            piece, product = keys[lo:hi], value[: hi - lo]
            piece.fill(0)
            for row, col in enumerate(cols):  # sums wrap modulo 2**64, in any order
                np.multiply(col[lo:hi], mults[row], out=product)
                piece += product
            np.right_shift(piece, np.uint64(29), out=product)
            piece ^= product
    return keys


_PIECE = 1 << 16
"""Values worked on at a time where a band's would need arrays of their own
(a big scan's band is tens of MB a value: such arrays would be mapped anew,
and their memory first touched, on every band, which cost more than the
arithmetic)."""


def _pieces(n: int) -> Iterator[tuple[int, int]]:
    """``(lo, hi)`` bounds of ``range(n)`` cut into pieces of ``_PIECE``.

    >>> list(_pieces(3)), len(list(_pieces(_PIECE + 1)))
    ([(0, 3)], 2)
    """
    for lo in range(0, n, _PIECE):
        yield lo, min(n, lo + _PIECE)


def agree(sigs_a: np.ndarray, sigs_b: np.ndarray, config: Config) -> np.ndarray:
    """Which window pairs (rows of the two arrays) are similar enough to align:
    their signatures agree on at least half the threshold's share of values,
    and the values they agree on come from at least two different shingles.

    LSH buckets let through many pairs below the threshold; this drops the
    ones that are almost surely chance. The commonest chance is one shared
    three-word phrase ("one of the"): where it is the minimum of both windows
    it sets many values alike, however unrelated the rest is, and such pairs
    grow with the square of the corpus. Each signature value is an invertible
    permutation of one shingle's hash (``fingerprint.unpermute``), so the
    agreeing values tell which shingles they witness; windows that share a
    passage, even a heavily edited one, share several.

    >>> from provenance.config import Config
    >>> a = np.arange(96, dtype=np.uint32).reshape(2, 48)
    >>> agree(a, a, Config()).tolist(), agree(a, a[::-1], Config()).tolist()
    ([True, True], [False, False])
    """
    return witnessed(sigs_a, sigs_b, config, np.zeros(0, dtype=np.uint32))[0]


def witnessed(sigs_a: np.ndarray, sigs_b: np.ndarray, config: Config, stock: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Which pairs a scan aligns, and which of those are witnessed by two
    stock shingles alone (``with_evidence`` drops them unless their document
    pair has a better witnessed one).

    A big scan (``stock``: its sorted ``stock_shingles``, ``counts_stock``)
    keeps the pairs that ``agree``; a small one (``stock`` None) every pair
    with the threshold's half share of agreeing values, however few
    shingles set them: there chance pairs are few, and a heavily edited
    passage may leave one shared phrase to find it by.
    """
    same = sigs_a == sigs_b
    enough = same.mean(axis=1) >= config.threshold / 2
    if stock is None:
        return enough, np.zeros(len(enough), dtype=bool)
    shingle = unpermute(sigs_a, config)
    rows = np.arange(len(same))
    first = shingle[rows, same.argmax(axis=1)]  # the shingle of the first agreeing value
    other = same & (shingle != first[:, None])
    keep = enough & other.any(axis=1)
    stock_only = np.zeros(len(keep), dtype=bool)
    if len(stock) and keep.any():
        second = shingle[rows, other.argmax(axis=1)]
        two = keep & ~(other & (shingle != second[:, None])).any(axis=1)
        stock_only = two & _isin_sorted(first, stock) & _isin_sorted(second, stock)
    return keep, stock_only


def with_evidence(docs: np.ndarray, stock_only: np.ndarray) -> np.ndarray:
    """Which window pairs to keep: those of the document pairs (``docs``,
    ``(k, 2)`` document numbers of each) that have at least one window pair
    not witnessed by two stock shingles alone (``witnessed``).

    In a large corpus, two stock phrases in one window are common: a shingle
    that is the minimum of more than ``config.max_bucket_docs`` windows in
    some column (``stock_shingles``, the bound of an oversized LSH bucket) is
    stock text, and two of them are no witness of reuse. Their pairs grew
    with the square of the corpus. A document pair that shares anything more
    keeps all its window pairs, so the passages it has are aligned as before.

    >>> with_evidence(np.array([[0, 1], [0, 1], [0, 2]]), np.array([True, False, True])).tolist()
    [True, True, False]
    """
    if not len(docs) or not stock_only.any():
        return np.ones(len(docs), dtype=bool)
    key = docs[:, 0].astype(np.int64) * (int(docs.max()) + 1) + docs[:, 1]
    _, inverse = np.unique(key, return_inverse=True)
    return np.bincount(inverse.ravel(), weights=~stock_only)[inverse.ravel()] > 0


def _isin_sorted(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """Element-wise membership of ``values`` in a sorted array."""
    if not len(sorted_set):
        return np.zeros(np.shape(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return sorted_set[at] == values


def stock_shingles(column: int, values: np.ndarray, config: Config) -> np.ndarray:
    """The shingles (as ``fingerprint.unpermute`` gives them) that are the
    minimum of more than ``config.max_bucket_docs`` windows in one signature
    column, ``values`` (every window's), sorted: the stock phrases
    ``with_evidence`` discounts. ``_StockCount`` counts the same a piece
    of the column at a time.

    >>> from provenance.config import Config
    >>> from provenance.fingerprint import permutations
    >>> a, b = permutations(48, 1)
    >>> values = (a[3] * np.array([5] * 65 + [7] * 64, dtype=np.uint32) + b[3]).astype(np.uint32)
    >>> stock_shingles(3, values, Config()).tolist()
    [5]
    """
    count = _StockCount(column, len(values), config)
    count.add(values)
    count.full()
    count.gather(values)
    return count.shingles()


class _StockCount:
    """``stock_shingles`` of one column read in pieces, twice: ``add`` every
    piece, ``full()``, ``gather`` every piece again, then ``shingles()``.

    A value that many windows share fills its hash bucket as much: buckets
    are counted first, and only the values of full ones are sorted and
    counted (few; sorting a whole column cost three times as long). With
    16 to 32 values a bucket, chance fills few.
    """

    def __init__(self, column: int, n: int, config: Config) -> None:
        self.column, self.config = column, config
        self.bits = max(1, n.bit_length() - 5)
        self.counts = np.zeros(1 << self.bits, dtype=np.int64)
        self.is_full = np.zeros(0, dtype=bool)
        self.values: list[np.ndarray] = []

    def _buckets(self, values: np.ndarray, out: np.ndarray) -> None:
        """Each value's hash bucket into ``out``, a piece at a time (the
        products stay in the CPU cache)."""
        product = np.empty(min(len(values), _PIECE), dtype=np.uint32)
        for lo, hi in _pieces(len(values)):
            np.multiply(values[lo:hi], np.uint32(_GOLDEN), out=product[: hi - lo])
            np.right_shift(product[: hi - lo], np.uint32(32 - self.bits), out=out[lo:hi])

    def add(self, values: np.ndarray) -> None:
        bucket = np.empty(len(values), dtype=np.intp)  # bincount's own index type: it would convert any other
        self._buckets(values, bucket)
        self.counts += np.bincount(bucket, minlength=len(self.counts))

    def full(self) -> None:
        self.is_full = self.counts > self.config.max_bucket_docs
        del self.counts

    def gather(self, values: np.ndarray) -> None:
        bucket = np.empty(len(values), dtype=np.uint32)
        self._buckets(values, bucket)
        self.values.append(values[self.is_full[bucket]])

    def shingles(self) -> np.ndarray:
        values = np.sort(np.concatenate([np.zeros(0, dtype=np.uint32), *self.values]))
        starts = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))
        counts = np.diff(np.concatenate((starts, [len(values)])))
        return np.sort(unpermute(values[starts[counts > self.config.max_bucket_docs], None], self.config, start=self.column)[:, 0])


_GOLDEN = 0x9E3779B1  # odd: multiplying by it mixes every bit of a value into the top ones


def candidate_pairs(sigs: np.ndarray | Sequence[np.ndarray | SpilledPart], doc_of: np.ndarray, config: Config, *, workers: int = 1) -> np.ndarray:
    """Pairs of windows from different documents that share an LSH bucket.

    Args:
        sigs: ``(n_windows, num_perm)`` signatures of all windows, or
            consecutive parts of them (so a caller need not join them into
            one more copy), each in memory or spilled to disk.
        doc_of: document number of each window.
        workers: processes for the bands on large inputs.

    Returns:
        ``(n_pairs, 2)`` array of window numbers (int32 while they fit
        it, else int64), first < second,
        with an estimated Jaccard similarity of at least half the threshold,
        grouped by document pair: sorted by the first window's document,
        the second's, then the windows.
    """
    parts = [sigs] if isinstance(sigs, np.ndarray) else list(sigs)
    n = sum(len(p) for p in parts)
    if n < 2:
        return _pairs_of(np.zeros(0, dtype=np.int64), n)
    bands, _ = lsh_params(config.threshold, config.num_perm)
    shared = _Bands(parts, doc_of, config)
    if not (workers > 1 and n >= _PARALLEL_MIN_WINDOWS):
        codes, stock = _band_codes(shared, list(range(bands)))
        return _judged(shared, codes, stock)
    # Each worker buckets whole bands (and finds the stock shingles of their
    # columns) and writes their distinct pairs out in sorted runs; then each
    # worker takes a range of first documents, merges that range of every
    # run (a pair turns up in many bands) and judges the distinct pairs
    # with ``agree``. Ranges come back in order. The pairs found before
    # judging (several times those kept) are never all in memory, nor ever
    # in this process, and forked workers share the signatures instead of
    # receiving copies.
    groups = [list(range(bands))[w::workers] for w in range(workers)]
    folder = tempfile.mkdtemp(prefix="provenance-pairs-")
    try:
        with pool(workers, _set_worker_input, (shared,)) as executor:
            found = list(executor.map(_band_codes_in_worker, groups, [os.path.join(folder, str(w)) for w in range(workers)]))
            stock = _distinct(np.concatenate([s for _, s in found]), owned=True) if counts_stock(n, config) else None
            runs = [run for worker_runs, _ in found for run in worker_runs]
            files = [path for path, _, _ in runs]
            count = max(2 * workers, -(-sum(k for _, k, _ in runs) // _RANGE_PAIRS))
            bounds = _ranges(np.concatenate([np.zeros(0, dtype=np.int64), *(sample for _, _, sample in runs)]), doc_of, n, count)
            judged = executor.map(_judged_in_worker, [files] * (len(bounds) - 1), bounds[:-1], bounds[1:], [stock] * (len(bounds) - 1))
            return np.concatenate(list(judged))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _judged(shared: _Bands, codes: np.ndarray, stock: np.ndarray | None) -> np.ndarray:
    """The candidate pairs (distinct codes ``first * n + second``, sorted) that
    ``agree`` and have evidence (``with_evidence``): ``(k, 2)`` window pairs
    grouped by document pair (``_by_document_pair``). The codes must hold
    every pair of their documents' pairs, as a range of first documents does."""
    doc_of = shared.doc_of
    pairs, stock_only = _agreeing(shared, codes, stock)
    del codes
    pairs = pairs[with_evidence(doc_of[pairs], stock_only)]
    return pairs[_by_document_pair(pairs, doc_of)]


def _by_document_pair(pairs: np.ndarray, doc_of: np.ndarray) -> np.ndarray:
    """The order of ``pairs`` (sorted by window) that groups them by document
    pair, keeping window order within each (windows are numbered document
    by document, so first windows' documents are in order already)."""
    return np.argsort(doc_of[pairs[:, 0]].astype(np.int64) * (int(doc_of[-1]) + 1) + doc_of[pairs[:, 1]], kind="stable")


_SAMPLE = 1 << 10
"""One in this many of a worker's distinct pairs is sent back to choose the
ranges that the judging shares out."""


def _ranges(sample: np.ndarray, doc_of: np.ndarray, n: int, count: int) -> list[int]:
    """Bounds of ``count`` ranges of pair codes (``first * n + second``) with
    about as many of the ``sample`` in each, each starting at a document's
    first window: a document pair's pairs all fall in one range.

    >>> _ranges(np.array([0, 5, 9, 14]), np.array([0, 0, 1, 1]), 4, 2)
    [0, 8, 16]
    """
    sample = np.sort(sample)
    cuts = sample[(np.arange(1, count) * len(sample)) // count] // n if len(sample) else np.zeros(0, dtype=np.int64)
    firsts = np.searchsorted(doc_of, doc_of[cuts])  # the first window of each cut's document
    return sorted({0, n * n, *(int(f) * n for f in firsts.tolist())})


def one_shingle(cols: Sequence[np.ndarray], start: int, config: Config, out: np.ndarray | None = None) -> np.ndarray:
    """Which windows have a band whose values one shingle sets alone (the
    band's columns ``cols``, from column ``start``; into ``out`` when given).

    In a big scan (``counts_stock``) such a window is not bucketed in that
    band. Its bucket is one shared phrase, the commonest chance there is:
    half the candidate pairs of the 1 GB bench corpus came from such
    buckets, and ``agree`` rejected 49 in 50 of them (it wants two
    shingles). Windows that share a passage share bands set by two
    shingles, and find each other there.

    >>> from provenance.config import Config
    >>> from provenance.fingerprint import permutations
    >>> a, b = permutations(48, 1)
    >>> cols = [a[j] * np.array(shingles, dtype=np.uint32) + b[j] for j, shingles in ((2, [5, 5]), (3, [5, 6]))]
    >>> one_shingle(cols, 2, Config()).tolist()
    [True, False]
    """
    single = np.empty(len(cols[0]), dtype=bool) if out is None else out
    for lo, hi in _pieces(len(single)):
        piece = single[lo:hi]
        piece.fill(True)
        first = unpermute(cols[0][lo:hi, None], config, start=start)[:, 0]
        for k in range(1, len(cols)):
            piece &= unpermute(cols[k][lo:hi, None], config, start=start + k)[:, 0] == first
    return single


def counts_stock(n_windows: int, config: Config) -> bool:
    """Whether a scan of ``n_windows`` windows is big (``config.stock_windows``):
    its pairs must ``agree``, stock phrases are discounted (``witnessed``),
    and bands set by one shingle bucket nothing (``one_shingle``)."""
    return n_windows > config.stock_windows


def _pairs_of(codes: np.ndarray, n: int) -> np.ndarray:
    """``(k, 2)`` window pairs of codes ``first * n + second`` (int32 while
    window numbers fit it: a big scan holds millions of pairs)."""
    pairs = np.empty((len(codes), 2), dtype=np.int32 if n <= 2**31 else np.int64)
    np.floor_divide(codes, n, out=pairs[:, 0])
    np.remainder(codes, n, out=pairs[:, 1])
    return pairs


def _agreeing(shared: _Bands, codes: np.ndarray, stock: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """The candidate pairs (coded as ``first * n + second``) that ``agree``,
    as ``(k, 2)`` window pairs in order, and which of them are witnessed by
    two stock shingles only (``witnessed``)."""
    parts, config = shared.parts, shared.config
    pairs = _pairs_of(codes, sum(len(p) for p in parts))
    if any(isinstance(p, SpilledPart) for p in parts):
        keep, stock_only = _agree_by_column(parts, pairs, config, stock)
    else:
        keep, stock_only = np.zeros(len(pairs), dtype=bool), np.zeros(len(pairs), dtype=bool)
        for lo in range(0, len(pairs), _AGREE_CHUNK):  # chunks bound the gathered rows' memory
            chunk = pairs[lo : lo + _AGREE_CHUNK]
            keep[lo : lo + len(chunk)], stock_only[lo : lo + len(chunk)] = witnessed(_rows(parts, chunk[:, 0]), _rows(parts, chunk[:, 1]), config, stock)
    return pairs[keep], stock_only[keep]


def _agree_by_column(parts: list[np.ndarray | SpilledPart], pairs: np.ndarray, config: Config, stock: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """``witnessed`` for every pair, one signature column at a time: spilled
    signatures are then read once, a column at a time. Per pair it keeps the
    count of agreeing values, the first two shingles among them and whether
    a third agreed too. Candidate pairs agree on about half the columns, so
    every pair is updated with whole-array operations into buffers kept
    from column to column, rather than the agreeing ones picked out."""
    same = np.zeros(len(pairs), dtype=np.uint16 if config.num_perm < 2**16 else np.int64)  # a count per pair, kept small
    first = np.zeros(len(pairs), dtype=np.uint32)
    second = np.zeros(len(pairs), dtype=np.uint32)
    has_second = np.zeros(len(pairs), dtype=bool)
    third = np.zeros(len(pairs), dtype=bool)
    n = sum(len(p) for p in parts)
    # Whole columns while they are as small as a band's pass; else chunks.
    chunks = [(0, n, list(parts))] if n <= _PASS_WINDOWS else _chunks(parts)
    buffer = np.empty(max(size for _, size, _ in chunks), dtype=np.uint32)
    left, right = _Gather(pairs[:, 0], chunks), _Gather(pairs[:, 1], chunks)
    values, right_values = np.empty(len(pairs), dtype=np.uint32), np.empty(len(pairs), dtype=np.uint32)
    agree, new, other = (np.empty(len(pairs), dtype=bool) for _ in range(3))
    for j in range(config.num_perm):
        for c, (_, size, chunk) in enumerate(chunks):
            col = column(chunk, j, buffer[:size])
            left.fill(values, c, col)
            right.fill(right_values, c, col)
        np.equal(values, right_values, out=agree)
        shingle = unpermute(values[:, None], config, start=j)[:, 0]
        np.equal(same, 0, out=new)
        new &= agree
        np.copyto(first, shingle, where=new)
        np.not_equal(shingle, first, out=other)  # false where the first was just set
        other &= agree
        np.not_equal(shingle, second, out=new)
        new &= other
        new &= has_second
        third |= new
        np.logical_not(has_second, out=new)
        new &= other
        np.copyto(second, shingle, where=new)
        has_second |= other
        same += agree
    enough = same / config.num_perm >= config.threshold / 2
    stock_only = np.zeros(len(pairs), dtype=bool)
    if stock is None:
        return enough, stock_only
    keep = enough & has_second
    if len(stock):
        two = np.flatnonzero(keep & ~third)
        stock_only[two[_isin_sorted(first[two], stock) & _isin_sorted(second[two], stock)]] = True
    return keep, stock_only


class _Gather:
    """Gathers the values of a column at some windows (``positions``, in
    any order) a chunk (``_chunks``) at a time, so that no whole column need
    be read into memory: ``fill(out, c, values)`` with chunk ``c``'s values
    of the column, for every chunk, fills ``out`` as ``column[positions]``."""

    def __init__(self, positions: np.ndarray, chunks: list[tuple[int, int, list[np.ndarray | SpilledPart]]]) -> None:
        in_order = len(chunks) == 1 or len(positions) < 2 or bool((positions[1:] >= positions[:-1]).all())
        order = None if in_order else np.argsort(positions, kind="stable")
        ordered = positions if order is None else positions[order]
        cuts = np.searchsorted(ordered, [start for start, _, _ in chunks[1:]]).tolist()
        bounds = list(zip([0, *cuts], [*cuts, len(positions)], strict=True))
        # Per chunk: the windows' places in it, and where their values go.
        self.local = [ordered[lo:hi] - start for (lo, hi), (start, _, _) in zip(bounds, chunks, strict=True)]
        self.where: list[slice | np.ndarray] = [slice(lo, hi) if order is None else order[lo:hi] for lo, hi in bounds]

    def fill(self, out: np.ndarray, c: int, values: np.ndarray) -> None:
        where = self.where[c]
        if isinstance(where, slice):
            np.take(values, self.local[c], out=out[where])
        else:
            out[where] = values[self.local[c]]


_PARALLEL_MIN_WINDOWS = 200_000  # below this, starting processes costs more than it saves


@dataclass(frozen=True)
class _Bands:
    """What every band's bucketing reads: the signatures (in parts), their documents, the settings."""

    parts: list[np.ndarray]
    doc_of: np.ndarray
    config: Config


_worker_input: _Bands | None = None  # set in candidate workers only, by the pool initializer


def _set_worker_input(shared: _Bands) -> None:
    global _worker_input
    _worker_input = shared


def _band_codes_in_worker(bands: list[int], stem: str) -> tuple[list[tuple[str, int, np.ndarray]], np.ndarray]:
    """``_band_codes`` of some bands, written out in runs (files ``stem.k``);
    returns each run's file, its count and a sample of it (``_SAMPLE``), and the stock shingles."""
    assert _worker_input is not None, "a candidate worker starts with _set_worker_input"
    runs: list[tuple[str, int, np.ndarray]] = []

    def write(codes: np.ndarray) -> None:
        if not len(codes):
            return
        path = f"{stem}.{len(runs)}"
        codes.tofile(path)
        runs.append((path, len(codes), codes[::_SAMPLE].copy()))

    codes, stock = _band_codes(_worker_input, bands, write)
    write(codes)
    return runs, stock if stock is not None else np.zeros(0, dtype=np.uint32)


def _judged_in_worker(files: list[str], lo: int, hi: int, stock: np.ndarray | None) -> np.ndarray:
    """``_judged`` of the distinct codes in ``[lo, hi)`` of all the files."""
    assert _worker_input is not None, "a candidate worker starts with _set_worker_input"
    return _judged(_worker_input, _distinct(np.concatenate([np.zeros(0, dtype=np.int64), *(_read_range(f, lo, hi) for f in files)]), owned=True), stock)


def _read_range(path: str, lo: int, hi: int) -> np.ndarray:
    """The codes in ``[lo, hi)`` of a file of sorted int64 codes (found by
    binary search in a map of it; read, not kept mapped)."""
    mapped = np.memmap(path, dtype=np.int64, mode="r")
    start, end = (int(x) for x in np.searchsorted(mapped, [lo, hi]))
    del mapped
    return np.fromfile(path, dtype=np.int64, count=end - start, offset=8 * start)


def _band_codes(shared: _Bands, bands: list[int], flush: Callable[[np.ndarray], None] | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Distinct candidate pairs of some bands, each coded as ``first * n +
    second``, and the ``stock_shingles`` of the bands' columns (sorted; None
    in a small scan, ``counts_stock``).

    With ``flush``, pairs are handed to it as sorted distinct runs of about
    ``_RUN_PAIRS`` whenever that many are pending, instead of being kept
    (a run may repeat pairs of another); the pairs returned are the rest.

    A band's columns are read a chunk of windows at a time
    (``_CHUNK_WINDOWS``), and its windows are bucketed in ``_passes``
    passes, each over one range of keys: what a worker holds grows with
    the windows of a pass (``_PASS_WINDOWS``), not with the corpus.
    """
    parts, doc_of, config = shared.parts, shared.doc_of, shared.config
    n = sum(len(p) for p in parts)
    index_bits = bucket_bits(n)
    _, rows = lsh_params(config.threshold, config.num_perm)
    # The same pair turns up in many bands: without ``flush`` the distinct
    # ones found so far (``known``) absorb the new ones whenever those
    # outgrow them, so memory holds about twice the distinct pairs, not
    # every band's.
    known, found, pending = np.zeros(0, dtype=np.int64), [], 0
    big = counts_stock(n, config)
    stock = [np.zeros(0, dtype=np.uint32)]
    chunks = _chunks(parts)
    passes = _passes(n)
    # A band of one pass is kept as read, so that counting its stock
    # shingles reads it once (in memory, a band's columns are views).
    whole = passes == 1
    buffers = [np.empty(n if whole else max(size for _, size, _ in chunks), dtype=np.uint32) for _ in range(rows)]
    # Reused from band to band: fresh memory costs more to touch than the
    # arithmetic that fills it. A pass holds about n / passes keys.
    chunk_keys = np.empty(max(size for _, size, _ in chunks), dtype=np.uint64)
    packed = np.empty(n if whole else n // passes + n // (4 * passes), dtype=np.uint64)
    for band in bands:
        band_columns = range(band * rows, (band + 1) * rows)
        counting = [_StockCount(j, n, config) for j in band_columns] if big else []
        kept = []  # each chunk's columns, when whole
        for k in range(passes):
            fill = 0
            for start, size, chunk in chunks:
                cols = [column(chunk, j, out[start : start + size] if whole else out[:size]) for j, out in zip(band_columns, buffers, strict=True)]
                if whole:
                    kept.append(cols)
                if k == 0 and big:
                    for count, col in zip(counting, cols, strict=True):
                        count.add(col)
                keys, keep = _packed_keys(cols, start, band * rows, k, passes, index_bits, big, config, chunk_keys[:size])
                taken = size if keep is None else int(np.count_nonzero(keep))
                if fill + taken > len(packed):  # a pass of more keys than its share
                    packed = np.concatenate([packed[:fill], np.empty(fill + taken, dtype=np.uint64)])
                if keep is None:
                    packed[fill : fill + taken] = keys
                else:
                    np.compress(keep, keys, out=packed[fill : fill + taken])
                fill += taken
            pairs = _bucketed_pairs(packed[:fill], doc_of, index_bits, config.max_bucket_docs)
            found.append(pairs[:, 0] * n + pairs[:, 1])
            pending += len(pairs)
            del pairs
            if flush is not None and pending > _RUN_PAIRS:
                flush(_distinct(np.concatenate(found), owned=True))
                found, pending = [], 0
            elif flush is None and pending > max(len(known), _MERGE_MIN_PAIRS):
                known = np.concatenate([known, *found])
                known, found, pending = _distinct(known, owned=True), [], 0
        if big:
            for count in counting:
                count.full()
            for c, (_, size, chunk) in enumerate(chunks):
                cols = kept[c] if whole else [column(chunk, j, out[:size]) for j, out in zip(band_columns, buffers, strict=True)]
                for count, col in zip(counting, cols, strict=True):
                    count.gather(col)
            stock.extend(count.shingles() for count in counting)
    codes = _distinct(np.concatenate([known, *found]), owned=True)
    return codes, _distinct(np.concatenate(stock), owned=True) if big else None


_CHUNK_WINDOWS = 1 << 22
"""Windows whose band columns a candidate worker reads at a time."""
_PASS_WINDOWS = 1 << 24
"""Windows a candidate worker buckets at a time, at most (128 MB of keys):
a band of more is bucketed in passes over ranges of its keys."""


def _passes(n: int) -> int:
    """Passes over ranges of keys that bucket a band of ``n`` windows.

    >>> _passes(1000), _passes(_PASS_WINDOWS + 1)
    (1, 2)
    """
    return max(1, -(-n // _PASS_WINDOWS))


def _chunks(parts: Sequence[np.ndarray | SpilledPart]) -> list[tuple[int, int, list[np.ndarray | SpilledPart]]]:
    """Consecutive parts grouped into chunks of at most ``_CHUNK_WINDOWS``
    windows (or one bigger spilled part; an array in memory is cut into
    such), each with its first window and its number of windows.

    >>> [(start, size, [len(p) for p in chunk]) for start, size, chunk in _chunks([np.zeros((3, 1)), np.zeros((2, 1))])]
    [(0, 5, [3, 2])]
    """
    pieces: list[np.ndarray | SpilledPart] = []
    for p in parts:
        if isinstance(p, SpilledPart) or len(p) <= _CHUNK_WINDOWS:
            pieces.append(p)
        else:
            pieces.extend(p[lo : lo + _CHUNK_WINDOWS] for lo in range(0, len(p), _CHUNK_WINDOWS))
    chunks: list[tuple[int, int, list[np.ndarray | SpilledPart]]] = []
    at = 0
    for p in pieces:
        if not chunks or chunks[-1][1] + len(p) > _CHUNK_WINDOWS:
            chunks.append((at, 0, []))
        start, size, members = chunks[-1]
        chunks[-1] = (start, size + len(p), [*members, p])
        at += len(p)
    return chunks or [(0, 0, [])]


def _packed_keys(cols: list[np.ndarray], start: int, first_column: int, k: int, passes: int, index_bits: int, big: bool, config: Config, out: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Band keys of a chunk's windows (its band columns ``cols``, the first
    window ``start``), into ``out``, each packed with its window number in
    the low ``index_bits`` (``_bucketed_pairs``), and which of them to bucket
    (None: all): those that fall in pass ``k`` of ``passes`` and, in a big
    scan, not those whose band one shingle sets (``one_shingle``)."""
    keys = _key_of_columns(cols, len(out), config, out)
    keep = None if passes == 1 else (keys >> np.uint64(48)) * np.uint64(passes) >> np.uint64(16) == np.uint64(k)
    if big:
        single = one_shingle(cols, first_column, config)
        keep = ~single if keep is None else keep & ~single
    keys &= ~np.uint64((1 << index_bits) - 1)
    for lo, hi in _pieces(len(keys)):  # no array of all positions
        keys[lo:hi] |= np.arange(start + lo, start + hi, dtype=np.uint64)
    return keys, keep


_MERGE_MIN_PAIRS = 1 << 20
_RUN_PAIRS = 1 << 21
"""Pairs a candidate worker holds before it writes them out as a run (16 MB)."""
_RANGE_PAIRS = 1 << 24
"""Pairs (counted in the runs, repeats and all) a judging range holds at most."""


def _rows(parts: list[np.ndarray], index: np.ndarray) -> np.ndarray:
    """Rows ``index`` of the signatures held as consecutive parts."""
    if len(parts) == 1:
        return parts[0][index]
    bounds = np.cumsum([0] + [len(p) for p in parts])
    which = np.searchsorted(bounds, index, side="right") - 1
    out = np.empty((len(index), parts[0].shape[1]), dtype=parts[0].dtype)
    for k in np.unique(which).tolist():
        mask = which == k
        out[mask] = parts[k][index[mask] - bounds[k]]
    return out


def _distinct(codes: np.ndarray, *, owned: bool = False) -> np.ndarray:
    """Sorted distinct values (np.unique is much slower on millions of codes);
    ``owned``: the caller hands ``codes`` over, and it is sorted in place.

    >>> _distinct(np.array([3, 1, 3, 2])).tolist(), _distinct(np.array([2, 2, 1]), owned=True).tolist()
    ([1, 2, 3], [1, 2])
    """
    if owned:
        codes.sort()
    else:
        codes = np.sort(codes)
    return codes[np.concatenate(([True], codes[1:] != codes[:-1]))] if len(codes) else codes


def _bucket_pairs(sorted_keys: np.ndarray, order: np.ndarray, doc_of: np.ndarray, max_docs: int) -> np.ndarray:
    """Window pairs of different documents sharing a key (keys sorted, and
    ``order`` the windows, ascending within a key: their documents are then
    too, as windows are numbered document by document)."""
    if not len(sorted_keys):
        return np.zeros((0, 2), dtype=np.int64)
    boundaries = np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1
    starts = np.concatenate(([0], boundaries))
    lengths = np.diff(np.concatenate((starts, [len(sorted_keys)])))
    # Half the shared buckets hold overlapping windows of one document only
    # (a big scan's every band): they pair nothing, and go before any pairing.
    multi = (lengths >= 2) & (doc_of[order[starts]] != doc_of[order[starts + lengths - 1]])
    starts, lengths = starts[multi], lengths[multi]
    out: list[np.ndarray] = []
    small = lengths <= max_docs
    for length in np.unique(lengths[small]):
        group_starts = starts[small & (lengths == length)]
        members = order[group_starts[:, None] + np.arange(length)[None, :]]  # (groups, length)
        i, j = np.triu_indices(length, 1)
        out.append(_across(members[:, i].ravel(), members[:, j].ravel(), doc_of))
    for start, length in zip(starts[~small].tolist(), lengths[~small].tolist(), strict=True):
        out.append(_oversized(order[start : start + length], doc_of, max_docs))
    return np.concatenate(out) if out else np.zeros((0, 2), dtype=np.int64)


def bucket_bits(n_windows: int) -> int:
    """The low bits of every band key that ``band_pairs`` ignores, for a scan
    of ``n_windows`` windows: as many as number the windows.

    >>> bucket_bits(1), bucket_bits(1000), bucket_bits(1024)
    (1, 10, 10)
    """
    return max(1, int(n_windows - 1).bit_length())


def band_pairs(keys: np.ndarray, doc_of: np.ndarray, index_bits: int, max_docs: int) -> np.ndarray:
    """Candidate pairs of one LSH band: windows of different documents in one bucket.

    The bucketing of ``candidate_pairs``, also run by engines that gather a
    band's windows themselves (``provenance.spark``, any subset of the
    band's buckets at a time).

    Args:
        keys: ``(k,)`` uint64 band keys (``band_key``) of windows in window
            order (windows numbered document by document); overwritten.
        doc_of: the document of each of these windows.
        index_bits: ``bucket_bits`` of the whole scan's window count, the
            same for every part of one scan (positions must fit in them).
        max_docs: ``config.max_bucket_docs``: larger buckets are capped.

    Returns:
        ``(n_pairs, 2)`` int64 positions among ``keys``, first < second, in no set order.

    >>> keys = np.array([7 << 8, 7 << 8, 9 << 8, 7 << 8], dtype=np.uint64)
    >>> sorted(band_pairs(keys, np.array([0, 1, 1, 2]), 4, 64).tolist())
    [[0, 1], [0, 3], [1, 3]]
    """
    packed = keys
    packed &= ~np.uint64((1 << index_bits) - 1)
    for lo, hi in _pieces(len(packed)):  # no array of all positions
        packed[lo:hi] |= np.arange(lo, hi, dtype=np.uint64)
    return _bucketed_pairs(packed, doc_of, index_bits, max_docs)


def _bucketed_pairs(packed: np.ndarray, doc_of: np.ndarray, index_bits: int, max_docs: int) -> np.ndarray:
    """``band_pairs`` of windows whose keys are packed with their positions
    already: a bucket is a key's high ``64 - index_bits`` bits, and the low
    ones hold the window's position (its index in ``doc_of``), so that one
    plain sort orders windows by bucket, then position. ``packed`` is
    sorted in place."""
    index_mask = np.uint64((1 << index_bits) - 1)
    packed.sort()
    # Most windows are alone in their bucket and pair with none: only the
    # others go on (in the same order), which bounds what the bucketing
    # holds by the shared windows rather than all of them. A window shares
    # the bucket of the one before when their packed keys differ in the
    # position bits only (found a piece at a time, with no array of keys).
    same = np.empty(max(0, len(packed) - 1), dtype=bool)
    differ = np.empty(min(len(same), _PIECE), dtype=np.uint64)
    for lo, hi in _pieces(len(same)):
        np.bitwise_xor(packed[lo + 1 : hi + 1], packed[lo:hi], out=differ[: hi - lo])
        np.less_equal(differ[: hi - lo], index_mask, out=same[lo:hi])
    shared = np.zeros(len(packed), dtype=bool)
    shared[1:] = same
    shared[:-1] |= same
    del same
    packed = packed[shared]
    positions = (packed & index_mask).view(np.int64)
    packed >>= np.uint64(index_bits)
    return _bucket_pairs(packed, positions, doc_of, max_docs)


def _across(left: np.ndarray, right: np.ndarray, doc_of: np.ndarray) -> np.ndarray:
    """The pairs of windows of different documents, first < second."""
    differ = doc_of[left] != doc_of[right]
    left, right = left[differ], right[differ]
    return np.stack([np.minimum(left, right), np.maximum(left, right)], axis=1)


def _oversized(members: np.ndarray, doc_of: np.ndarray, max_docs: int) -> np.ndarray:
    """Pairs from a bucket with more than ``max_docs`` windows.

    Many documents sharing it (a stock phrase, a licence): each window is
    linked to the first few only, so pairs grow linearly. Few documents
    repeating it (a refrain, a repeated block): the k-th repeat in one is
    paired with the k-th in the other, which keeps two copies of the same
    text on their diagonal instead of pairing every repeat with the first.
    """
    members = np.sort(members)  # windows are numbered document by document
    docs, first, counts = np.unique(doc_of[members], return_index=True, return_counts=True)
    if len(docs) > max_docs:
        hubs = min(HUB_LINKS, len(members))
        left = np.concatenate([np.full(len(members) - h - 1, members[h]) for h in range(hubs)])
        right = np.concatenate([members[h + 1 :] for h in range(hubs)])
        return _across(left, right, doc_of)
    # Every two documents x < y: their first k repeats, k the fewer of the two.
    x, y = np.triu_indices(len(docs), 1)
    k = np.minimum(counts[x], counts[y])
    pair = np.repeat(np.arange(len(k)), k)
    nth = np.arange(len(pair)) - np.repeat(np.cumsum(k) - k, k)
    return np.stack([members[first[x][pair] + nth], members[first[y][pair] + nth]], axis=1).astype(np.int64, copy=False)
