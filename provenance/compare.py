"""Compare: fingerprinted documents → candidates → aligned halves → attributed passages.

One pipeline for a scan (documents with each other) and for a check against
a persistent index (incoming documents with each other and with the indexed
ones), as one loop: candidates found within the batch and candidates found in
the index go through the same alignment, passage building and attribution.

Each stage is a function of its inputs only, so that other engines can run
the same stages and get the same passages:

* ``fingerprint_documents``: documents → word hashes and window signatures;
* ``batch_candidates``: signatures → window pairs of different documents
  (``provenance.lsh``), grouped by document pair (``Candidates``);
* ``align_candidates``: candidate document pairs → aligned ``Half`` s, both
  sides of each passage (``align_documents`` for one pair);
* ``attributed_passages``: halves → classified passages with their origin.

``compare`` chains them; ``against`` is any ``Against`` (``Index`` is one).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np

from provenance.align import align_pair, seed_regions_many
from provenance.coarse import coarse_pairs
from provenance.config import Config
from provenance.evidence import Shared, convincing
from provenance.fingerprint import window_signatures
from provenance.lsh import candidate_pairs
from provenance.models import Document, Passage, Report, Skipped
from provenance.normalize import word_hashes, word_offsets
from provenance.origins import attribute_passages
from provenance.passages import Half, build_passages
from provenance.rewrite import align_rewritten, worth_rewriting
from provenance.sentences import sentences_of
from provenance.spill import SpilledPart, SpilledWords, WordsReader, load, remove_later
from provenance.workers import pool

Progress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)`` while a stage runs. Stages and
what they count: ``read`` bytes of input files read (and fingerprinted),
``align`` document pairs aligned, ``index`` documents added to an index."""

_PARALLEL_MIN_PAIRS = 100_000  # window pairs below which one process aligns faster
_SLICE_PAIRS = 1 << 17  # window pairs an alignment slice takes at most


@dataclass
class Fingerprinted:
    """Documents with what the comparison needs of them.

    ``words`` holds each document's word hashes (32 bits: alignment only
    compares words for equality, and a collision would align two distinct
    words once in billions of pairs), ``sigs`` the window signatures of all
    documents in consecutive parts (``(n, num_perm)`` arrays, kept apart so
    that merging batches never copies the largest data of a scan, or the
    same spilled to disk: ``provenance.spill``), and
    ``counts`` the number of windows of each document.
    """

    docs: list[Document] = field(default_factory=list)
    words: list[np.ndarray | SpilledWords] = field(default_factory=list)
    sigs: list[np.ndarray | SpilledPart] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)

    def extend(self, other: Fingerprinted) -> None:
        """Append another batch's documents after these."""
        self.docs.extend(other.docs)
        self.words.extend(other.words)
        self.sigs.extend(other.sigs)
        self.counts.extend(other.counts)

    def first_window(self) -> np.ndarray:
        """Number of each document's first window, then the total: ``(n_docs + 1,)``."""
        return np.concatenate(([0], np.cumsum(np.array(self.counts, dtype=np.int64)))).astype(np.int64)

    def doc_of(self) -> np.ndarray:
        """Document number of each window (int32 while documents fit it: a
        big scan's largest array after the signatures)."""
        dtype = np.int32 if len(self.docs) < 2**31 else np.int64
        return np.repeat(np.arange(len(self.docs), dtype=dtype), np.array(self.counts, dtype=np.int64))

    def signatures(self) -> np.ndarray:
        """All signatures as one array (a copy when held in several parts or spilled)."""
        if len(self.sigs) == 1:
            return load(self.sigs[0])
        return np.concatenate([load(p) for p in self.sigs]) if self.sigs else np.zeros((0, 0), dtype=np.uint32)


def fingerprint_documents(docs: Sequence[Document], config: Config) -> Fingerprinted:
    """Word hashes and window signatures of documents (one signature part)."""
    words = [word_hashes(d.text) for d in docs]
    sigs, counts = window_signatures(words, config)
    return Fingerprinted(list(docs), [w.astype(np.uint32) for w in words], [sigs], counts.tolist())


@dataclass(frozen=True)
class Candidates:
    """Candidate window pairs, grouped by document pair.

    Row ``i`` pairs window ``windows[i, 0]`` of document ``docs[i, 0]`` with
    window ``windows[i, 1]`` of document ``docs[i, 1]`` (window numbers count
    within each document). The rows of one document pair are contiguous and
    sorted; ``groups`` finds them.
    """

    docs: np.ndarray
    windows: np.ndarray
    linked: frozenset[tuple[int, int]] = frozenset()
    """Document pairs the coarse channel of rewritten reuse links too
    (:mod:`provenance.coarse`, ``--sensitivity high``)."""

    @classmethod
    def empty(cls) -> Candidates:
        return cls(np.zeros((0, 2), dtype=np.int64), np.zeros((0, 2), dtype=np.int64))

    @classmethod
    def of_window_pairs(cls, pairs: np.ndarray, doc_of: np.ndarray, first_window: np.ndarray) -> Candidates:
        """From ``(k, 2)`` pairs of global window numbers, grouped by
        document pair as ``lsh.candidate_pairs`` gives them (sorted here
        when they are not). Document numbers keep ``doc_of``'s type, and
        the pairs' array becomes the window numbers in place: a big scan
        holds millions of pairs."""
        if not len(pairs):
            return cls.empty()
        docs = doc_of[pairs]
        key = docs[:, 0].astype(np.int64) * len(first_window) + docs[:, 1]
        if not bool((key[1:] >= key[:-1]).all()):
            order = np.lexsort((pairs[:, 1], pairs[:, 0], key))
            pairs, docs = pairs[order], docs[order]
        del key
        for side in (0, 1):
            pairs[:, side] -= first_window[docs[:, side]].astype(pairs.dtype)
        return cls(docs, pairs)

    @classmethod
    def of_groups(cls, groups: dict[tuple[int, int], np.ndarray]) -> Candidates:
        """From ``(document a, document b) → (k, 2)`` local window pairs."""
        keys = sorted(groups)
        if not keys:
            return cls.empty()
        docs = np.concatenate([np.tile(np.array(k, dtype=np.int64), (len(groups[k]), 1)) for k in keys])
        windows = np.concatenate([np.asarray(groups[k], dtype=np.int64).reshape(-1, 2) for k in keys])
        return cls(docs, windows)

    def __len__(self) -> int:
        return len(self.docs)

    def __add__(self, other: Candidates) -> Candidates:
        """Both sets of rows (their document pairs must differ)."""
        return Candidates(np.concatenate([self.docs, other.docs]), np.concatenate([self.windows, other.windows]), self.linked | other.linked)

    def groups(self) -> tuple[np.ndarray, np.ndarray]:
        """Start and end rows of each document pair, in order."""
        if not len(self.docs):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        breaks = np.flatnonzero(np.any(self.docs[1:] != self.docs[:-1], axis=1)) + 1
        return np.concatenate(([0], breaks)), np.concatenate((breaks, [len(self.docs)]))


def batch_candidates(batch: Fingerprinted, config: Config) -> Candidates:
    """Candidate window pairs between the documents of one batch (LSH)."""
    doc_of = batch.doc_of()
    pairs = candidate_pairs(batch.sigs, doc_of, config, workers=config.processes)
    return Candidates.of_window_pairs(pairs, doc_of, batch.first_window())


def with_coarse(candidates: Candidates, coarse: dict[tuple[int, int], np.ndarray]) -> Candidates:
    """The exact channel's candidates, and the coarse channel's document pairs
    that it did not pair; every pair the coarse channel found is ``linked``."""
    known = {tuple(row) for row in np.unique(candidates.docs, axis=0).tolist()} if len(candidates) else set()
    new = Candidates.of_groups({k: v for k, v in coarse.items() if k not in known})
    return replace(candidates + new, linked=frozenset(coarse))


class Against(Protocol):
    """A corpus outside the batch to compare with (``provenance.index.Index``)."""

    url: str

    def candidates(self, sigs: np.ndarray, doc_of: np.ndarray, exclude: set[str]) -> dict[tuple[int, str], np.ndarray]:
        """(batch document, corpus document id) → ``(k, 2)`` local window pairs."""

    def load(self, ids: Sequence[str]) -> list[Document]:
        """The corpus documents with these ids (fewer when some were removed meanwhile)."""


def align_documents(
    a: Document,
    words_a: np.ndarray,
    b: Document,
    words_b: np.ndarray,
    window_pairs: np.ndarray,
    config: Config,
    *,
    offsets: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
    texts: dict[str, str] | None = None,
    regions: list[tuple[int, int, int, int]] | None = None,
    linked: bool = False,
) -> list[Half]:
    """Both halves (one per side) of every passage two documents share.

    Args:
        a, b: the documents; ``words_a``/``words_b`` their word hashes.
        window_pairs: ``(k, 2)`` candidate window numbers in a and in b.
        offsets: a cache of ``word_offsets`` by document id, filled as needed.
        texts: a cache of texts by document id, the same way.
        regions: the window pairs' ``align.seed_regions``, when the caller
            computed them for many pairs at once (``align.seed_regions_many``).
        linked: the coarse channel of rewritten reuse links the two as well
            (with high sensitivity, their sentences are then compared).

    Returns:
        Halves in character offsets, a's before b's for each passage.
    """
    cache = offsets if offsets is not None else {}
    if texts is None:
        texts = {}

    def text_of(doc: Document) -> str:
        # Read only for a pair that aligns: a big scan's texts are read
        # back from disk (``Document.stored``).
        if doc.id not in texts:
            texts[doc.id] = doc.text
        return texts[doc.id]

    def offsets_of(doc: Document) -> tuple[np.ndarray, np.ndarray]:
        if doc.id not in cache:
            cache[doc.id] = word_offsets(text_of(doc))
        return cache[doc.id]

    halves: list[Half] = []
    aligned = align_pair(words_a, words_b, window_pairs, config, regions=regions)
    if config.sensitivity == "high" and worth_rewriting(len(aligned), len(window_pairs), min(len(words_a), len(words_b)), linked):
        aligned = align_rewritten(aligned, sentences_of(text_of(a)), sentences_of(text_of(b)), words_a, words_b, config)
    if not aligned:
        return halves
    a_starts, a_ends = offsets_of(a)
    b_starts, b_ends = offsets_of(b)
    shared = [
        Shared(
            min(p.a_end - p.a_start, p.b_end - p.b_start),
            p.similarity,
            (int(a_starts[p.a_start]), int(a_ends[p.a_end - 1])),
            (int(b_starts[p.b_start]), int(b_ends[p.b_end - 1])),
        )
        for p in aligned
    ]
    for p, s, keep in zip(aligned, shared, convincing(shared, text_of(a), text_of(b), config), strict=True):
        if keep:
            (ca0, ca1), (cb0, cb1) = s.span_a, s.span_b
            halves.append(Half(a.id, ca0, ca1, b.id, cb0, cb1, p.similarity, p.verbatim))
            halves.append(Half(b.id, cb0, cb1, a.id, ca0, ca1, p.similarity, p.verbatim))
    return halves


@dataclass(frozen=True)
class _AlignInput:
    candidates: Candidates
    docs: Sequence[Document]
    words: Sequence[np.ndarray | SpilledWords]
    config: Config
    lengths: np.ndarray  # words of each document


def align_candidates(
    candidates: Candidates,
    docs: Sequence[Document],
    words: Sequence[np.ndarray | SpilledWords],
    config: Config,
    *,
    progress: Progress | None = None,
    method: str | None = None,
) -> list[Half]:
    """Align every candidate document pair; halves in candidate order.

    Args:
        docs, words: the documents the candidates number, and their word hashes.
        method: process start method for the parallel path (default
            ``workers.start_method()``).
    """
    if not len(candidates):
        return []
    starts, ends = candidates.groups()
    job = _AlignInput(candidates, docs, words, config, np.fromiter(map(len, words), dtype=np.int64, count=len(words)))
    workers = config.processes
    parallel = workers > 1 and len(candidates) >= _PARALLEL_MIN_PAIRS
    # Contiguous slices of document pairs, of about as many window pairs
    # each: several per worker for balance, and none of more than
    # _SLICE_PAIRS, since a slice's seed regions and halves are held at
    # once. Results come back in slice order, so the output never depends
    # on workers.
    n_slices = max(workers * 8 if parallel else 1, -(-len(candidates) // _SLICE_PAIRS))
    bounds = np.unique(np.searchsorted(starts, np.linspace(0, len(candidates), n_slices + 1)[1:-1]))
    slices = [(starts[lo:hi], ends[lo:hi]) for lo, hi in zip([0, *bounds.tolist()], [*bounds.tolist(), len(starts)], strict=True) if hi > lo]
    total, done = len(starts), 0

    def count(pairs: int) -> None:
        nonlocal done
        done += pairs
        if progress:
            progress("align", done, total)

    halves: list[Half] = []
    if not parallel:
        for piece in slices:
            halves.extend(_align_slice(job, piece, count))
        return halves
    with pool(workers, _set_worker_input, (job,), method=method) as executor:
        for piece, part in zip(slices, executor.map(_align_in_worker, slices), strict=True):
            halves.extend(part)
            count(len(piece[0]))
    return halves


_worker_input: _AlignInput | None = None  # set in align workers only, by the pool initializer


def _set_worker_input(job: _AlignInput) -> None:
    global _worker_input
    _worker_input = job


def _align_in_worker(bounds: tuple[np.ndarray, np.ndarray]) -> list[Half]:
    assert _worker_input is not None, "an align worker starts with _set_worker_input"
    return _align_slice(_worker_input, bounds)


def _align_slice(job: _AlignInput, bounds: tuple[np.ndarray, np.ndarray], on_pair: Callable[[int], None] | None = None) -> list[Half]:
    docs, words, cands = job.docs, job.words, job.candidates
    offsets: dict[str, tuple[np.ndarray, np.ndarray]] = _Recent(_DOCS_KEPT)
    texts: dict[str, str] = _Recent(_DOCS_KEPT)
    halves: list[Half] = []
    starts, ends = bounds
    if not len(starts):
        return halves
    # The pairs of a slice are contiguous rows: their seed regions in one go.
    lo, hi = int(starts[0]), int(ends[-1])
    pair_docs = cands.docs[starts]
    regions = seed_regions_many(cands.windows[lo:hi], ends - starts, job.lengths[pair_docs[:, 0]], job.lengths[pair_docs[:, 1]], job.config)
    last_a, words_a = -1, np.zeros(0, dtype=np.uint32)
    with WordsReader() as read:
        for (s, e), (a, b), pair_regions in zip(zip(starts.tolist(), ends.tolist(), strict=True), pair_docs.tolist(), regions, strict=True):
            if a != last_a:  # pairs come sorted by their first document
                last_a, words_a = a, read(words[a])
            halves.extend(
                align_documents(docs[a], words_a, docs[b], read(words[b]), cands.windows[s:e], job.config, offsets=offsets, texts=texts, regions=pair_regions, linked=(a, b) in cands.linked)
            )
            if on_pair is not None:
                on_pair(1)
    return halves


_DOCS_KEPT = 256
"""Documents whose word offsets and texts an alignment slice keeps (pairs
come grouped by their first document, so it is mostly reused; a slice of a
big scan spans far more documents than memory should hold the offsets of,
and its texts are read back from disk)."""


class _Recent(dict):  # type: ignore[type-arg]
    """A dict that keeps its ``size`` most recently used entries.

    >>> d = _Recent(2)
    >>> d["a"], d["b"] = 1, 2
    >>> _ = d["a"]
    >>> d["c"] = 3
    >>> sorted(d)
    ['a', 'c']
    """

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def __getitem__(self, key: Any) -> Any:
        value = super().pop(key)
        super().__setitem__(key, value)
        return value

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        if len(self) > self.size:
            del self[next(iter(self))]


def attributed_passages(halves: Sequence[Half], docs: dict[str, Document], config: Config) -> list[Passage]:
    """Halves → per-document passages, classified, each with its group's origin."""
    return attribute_passages(build_passages(halves, docs, config), docs)


def compare(
    batch: Fingerprinted,
    config: Config,
    *,
    against: Against | None = None,
    skipped: Sequence[Skipped] = (),
    warnings: Sequence[Skipped] = (),
    progress: Progress | None = None,
) -> Report:
    """What the documents of ``batch`` share with each other and with ``against``.

    The batch's signatures are released (``batch.sigs`` emptied, and the
    files of spilled ones removed) once the candidates are found: alignment
    needs only words, and a large scan's signatures are its largest data.

    Args:
        against: a corpus to compare with as well; a batch document whose
            id the corpus holds is compared with the rest of it only (the
            held version is itself, or the version it replaces).
        skipped, warnings: inputs the caller could not use, for the report.

    Returns:
        A report over the batch's documents, and the corpus documents they
        share text with, each sorted by id; ``stats`` holds ``timings``,
        ``windows``, ``candidate_window_pairs`` and ``bytes`` (of the batch),
        and with ``against``: ``checked`` (the batch's ids) and ``indexed``
        (the corpus documents matched).
    """
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    docs, words = list(batch.docs), list(batch.words)
    n_windows = int(sum(batch.counts))
    candidates = batch_candidates(batch, config)
    if config.sensitivity == "high":
        candidates = with_coarse(candidates, coarse_pairs(docs, batch.counts, config))
    timings["candidates"] = time.perf_counter() - t0
    n_pairs = len(candidates)

    ids = {d.id for d in batch.docs}
    if against is not None:
        t1 = time.perf_counter()
        found = against.candidates(batch.signatures(), batch.doc_of(), ids)
        others = against.load(sorted({other for (_, other) in found}))
        number = {d.id: len(docs) + k for k, d in enumerate(others)}
        docs.extend(others)
        words.extend(word_hashes(d.text).astype(np.uint32) for d in others)
        candidates = candidates + Candidates.of_groups({(a, number[other]): pairs for (a, other), pairs in found.items() if other in number})
        timings["lookup"] = time.perf_counter() - t1
    removed = remove_later(batch.sigs)  # spilled signatures go while the workers align
    batch.sigs.clear()  # alignment works on words; the signatures are done

    t2 = time.perf_counter()
    halves = align_candidates(candidates, docs, words, config, progress=progress)
    timings["align"] = time.perf_counter() - t2
    del candidates, words  # the passages need neither

    t3 = time.perf_counter()
    by_id = {d.id: d for d in docs}
    passages = attributed_passages(halves, by_id, config)
    timings["passages"] = time.perf_counter() - t3

    removed()
    shown = ids | {h.doc for h in halves}
    del halves
    stats: dict[str, Any] = {
        "timings": timings,
        "bytes": sum(d.size for d in batch.docs),
        "windows": n_windows,
        "candidate_window_pairs": n_pairs,
    }
    if against is not None:
        stats.update(checked=sorted(ids), indexed=sorted(shown - ids), db=against.url)
    return Report(
        tuple(sorted((by_id[i] for i in shown), key=lambda d: d.id)),
        tuple(passages),
        tuple(sorted(skipped, key=lambda s: (s.path, s.reason))),
        tuple(sorted(warnings, key=lambda s: (s.path, s.reason))),
        stats,
    )
