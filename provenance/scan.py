"""The pipeline: paths → read → fingerprint → candidates → align → passages → report."""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_all_start_methods, get_context
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any

import numpy as np

from provenance.align import align_pair
from provenance.config import Config, make_config
from provenance.errors import InputError
from provenance.fingerprint import signatures
from provenance.lsh import candidate_pairs
from provenance.models import Document, Report, Skipped
from provenance.normalize import word_hashes, word_offsets
from provenance.origins import attribute_passages
from provenance.passages import Half, build_passages
from provenance.read import Source, choose_record, find_sources, read_source

Progress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)`` while a scan runs."""

_PARALLEL_MIN_BYTES = 4 * 1024 * 1024  # below this, starting processes costs more than it saves
_BATCH_BYTES = 2 * 1024 * 1024


class _Read:
    """What the read-and-fingerprint stage returns for one batch of files.

    ``sigs`` holds one array per batch (the windows of its documents, in
    order), ``counts`` the number of windows of each document and ``words``
    each document's word hashes.
    """

    __slots__ = ("docs", "skipped", "warnings", "sigs", "counts", "words")

    def __init__(self) -> None:
        self.docs: list[Document] = []
        self.skipped: list[Skipped] = []
        self.warnings: list[Skipped] = []
        self.sigs: list[np.ndarray] = []
        self.counts: list[int] = []
        self.words: list[np.ndarray] = []


def _read_batch(sources: Sequence[Source], config: Config) -> _Read:
    out = _Read()
    for source in sources:
        docs, skipped, warnings = read_source(source, max_bytes=config.max_file_bytes)
        out.docs.extend(docs)
        out.skipped.extend(skipped)
        out.warnings.extend(warnings)
    words = [word_hashes(d.text) for d in out.docs]
    per_doc = signatures(words, config)
    # Kept for the alignment, which only compares words for equality: 32 bits
    # of each hash halve the memory (a collision would align two words wrongly
    # once in billions of pairs of distinct words).
    out.words = [w.astype(np.uint32) for w in words]
    out.counts = [len(s) for s in per_doc]
    out.sigs = [np.concatenate(per_doc) if per_doc else np.zeros((0, config.num_perm), dtype=np.uint32)]
    return out


def _batches(sources: list[Source]) -> list[list[Source]]:
    batches: list[list[Source]] = [[]]
    size = 0
    for s in sources:
        if batches[-1] and size + s.size > _BATCH_BYTES:
            batches.append([])
            size = 0
        batches[-1].append(s)
        size += s.size
    return [b for b in batches if b]


def scan(
    paths: Iterable[str | os.PathLike[str]],
    config: Config | None = None,
    *,
    progress: Progress | None = None,
    **overrides: Any,
) -> Report:
    """Find every passage reused between the documents under ``paths``.

    Args:
        paths: files and folders, read recursively (.txt, .md, .html, .htm,
            .jsonl, .warc, each optionally .gz).
        config: settings; keyword ``overrides`` change single ones.
        progress: optional callback ``(stage, done, total)``.

    Returns:
        The report: documents, passages (both sides of every shared region)
        and skipped inputs, each sorted.

    Raises:
        InputError: a path does not exist.
        ConfigError: a setting is invalid.

    Example:
        >>> report = scan(["samples"])  # doctest: +SKIP
        >>> report.passages[0].kind  # doctest: +SKIP
        'verbatim'
    """
    config = make_config(config, **overrides)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    sources, skipped = find_sources(paths)
    read = _read_all(sources, config, progress)
    timings["read+fingerprint"] = time.perf_counter() - t0

    # Documents stay in reading order (sorted paths, then lines): already
    # deterministic; the report sorts what users see.
    docs = read.docs

    t1 = time.perf_counter()
    counts = np.array(read.counts, dtype=np.int64)
    first_window = np.concatenate(([0], np.cumsum(counts)))
    doc_of = np.repeat(np.arange(len(docs)), counts)
    # The signatures stay in their batches' arrays: joining them would hold
    # a second copy of the largest data of the scan.
    pairs = candidate_pairs(read.sigs, doc_of, config, workers=config.processes)
    n_windows = int(first_window[-1])
    read.sigs.clear()  # alignment works on words; the signatures are done
    timings["candidates"] = time.perf_counter() - t1

    t2 = time.perf_counter()
    halves = _align_all(pairs, doc_of, first_window, docs, read.words, config, progress)
    timings["align"] = time.perf_counter() - t2

    t3 = time.perf_counter()
    by_id = {d.id: d for d in docs}
    passages = attribute_passages(build_passages(halves, by_id, config), by_id)
    timings["passages"] = time.perf_counter() - t3

    all_skipped = sorted(skipped + read.skipped, key=lambda s: (s.path, s.reason))
    warnings = sorted(read.warnings, key=lambda s: (s.path, s.reason))
    stats = {
        "timings": timings,
        "bytes": sum(len(d.text.encode("utf-8")) for d in docs),
        "windows": int(n_windows),
        "candidate_window_pairs": int(len(pairs)),
    }
    ordered = tuple(sorted(docs, key=lambda d: d.id))
    return Report(ordered, tuple(passages), tuple(all_skipped), tuple(warnings), stats)


def _read_all(sources: list[Source], config: Config, progress: Progress | None) -> _Read:
    total = sum(s.size for s in sources)
    workers = config.processes
    batches = _batches(sources)
    merged = _Read()
    done = 0

    def take(part: _Read) -> None:
        nonlocal done
        merged.docs.extend(part.docs)
        merged.skipped.extend(part.skipped)
        merged.warnings.extend(part.warnings)
        merged.sigs.extend(part.sigs)
        merged.counts.extend(part.counts)
        merged.words.extend(part.words)
        done += 1
        if progress:
            progress("read", done, len(batches))

    if workers == 1 or total < _PARALLEL_MIN_BYTES or len(batches) < 2:
        for batch in batches:
            take(_read_batch(batch, config))
        return merged
    with ProcessPoolExecutor(max_workers=workers, mp_context=_context()) as pool:
        for part in pool.map(_read_batch, batches, [config] * len(batches)):
            take(part)
    return merged


def _context() -> BaseContext:
    # fork where there is one: forkserver and spawn re-import the caller's
    # __main__, which breaks scripts that call scan() without a main guard.
    return get_context("fork" if "fork" in get_all_start_methods() else "spawn")


def _align_all(
    pairs: np.ndarray,
    doc_of: np.ndarray,
    first_window: np.ndarray,
    docs: list[Document],
    words: list[np.ndarray],
    config: Config,
    progress: Progress | None,
) -> list[Half]:
    if not len(pairs):
        return []
    doc_pairs = np.stack([doc_of[pairs[:, 0]], doc_of[pairs[:, 1]]], axis=1)
    order = np.lexsort((pairs[:, 1], pairs[:, 0], doc_pairs[:, 1], doc_pairs[:, 0]))
    pairs, doc_pairs = pairs[order], doc_pairs[order]
    breaks = np.flatnonzero(np.any(doc_pairs[1:] != doc_pairs[:-1], axis=1)) + 1
    starts = np.concatenate(([0], breaks))
    ends = np.concatenate((breaks, [len(pairs)]))
    _ALIGN_STATE.update(pairs=pairs, doc_pairs=doc_pairs, first_window=first_window, docs=docs, words=words, config=config)
    try:
        workers = config.processes
        # Contiguous slices of document pairs, several per worker for balance;
        # results come back in slice order, so the output never depends on workers.
        n_slices = 1 if workers == 1 or len(pairs) < _PARALLEL_MIN_PAIRS or "fork" not in get_all_start_methods() else workers * 8
        bounds = np.linspace(0, len(starts), n_slices + 1).astype(int)
        slices = [(starts[lo:hi], ends[lo:hi]) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True) if hi > lo]
        halves: list[Half] = []
        if len(slices) == 1:
            halves = _align_slice(slices[0])
            if progress:
                progress("align", 1, 1)
            return halves
        # Forked workers inherit the state above instead of receiving copies;
        # frozen, the garbage collector of a worker leaves the inherited
        # objects alone, so their memory pages stay shared with this process.
        gc.freeze()
        try:
            with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
                for n, part in enumerate(pool.map(_align_slice, slices), start=1):
                    halves.extend(part)
                    if progress:
                        progress("align", n, len(slices))
        finally:
            gc.unfreeze()
        return halves
    finally:
        _ALIGN_STATE.clear()


_ALIGN_STATE: dict[str, Any] = {}
_PARALLEL_MIN_PAIRS = 100_000  # window pairs below which one process aligns faster


def _align_slice(bounds: tuple[np.ndarray, np.ndarray]) -> list[Half]:
    state = _ALIGN_STATE
    pairs, doc_pairs, first_window = state["pairs"], state["doc_pairs"], state["first_window"]
    docs, config = state["docs"], state["config"]
    words = state["words"]
    offsets: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    halves: list[Half] = []
    for s, e in zip(bounds[0].tolist(), bounds[1].tolist(), strict=True):
        a, b = int(doc_pairs[s, 0]), int(doc_pairs[s, 1])
        local = pairs[s:e] - np.array([first_window[a], first_window[b]])
        halves.extend(align_documents(docs[a], words[a], docs[b], words[b], local, config, offsets=offsets))
    return halves


def align_documents(
    a: Document,
    words_a: np.ndarray,
    b: Document,
    words_b: np.ndarray,
    window_pairs: np.ndarray,
    config: Config,
    *,
    offsets: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
) -> list[Half]:
    """Both halves (one per side) of every passage two documents share.

    Args:
        a, b: the documents; ``words_a``/``words_b`` their word hashes.
        window_pairs: ``(k, 2)`` candidate window numbers in a and in b.
        offsets: a cache of ``word_offsets`` by document id, filled as needed.

    Returns:
        Halves in character offsets, a's before b's for each passage.
    """
    cache = offsets if offsets is not None else {}

    def offsets_of(doc: Document) -> tuple[np.ndarray, np.ndarray]:
        if doc.id not in cache:
            cache[doc.id] = word_offsets(doc.text)
        return cache[doc.id]

    halves: list[Half] = []
    for p in align_pair(words_a, words_b, window_pairs, config):
        a_starts, a_ends = offsets_of(a)
        b_starts, b_ends = offsets_of(b)
        ca0, ca1 = int(a_starts[p.a_start]), int(a_ends[p.a_end - 1])
        cb0, cb1 = int(b_starts[p.b_start]), int(b_ends[p.b_end - 1])
        sim, verbatim = p.similarity, p.verbatim
        halves.append(Half(a.id, ca0, ca1, b.id, cb0, cb1, sim, verbatim))
        halves.append(Half(b.id, cb0, cb1, a.id, ca0, ca1, sim, verbatim))
    return halves


@dataclass(frozen=True)
class Explanation:
    """A scan of a corpus and the document in it to explain."""

    report: Report
    document: str


def explain(
    path: str | os.PathLike[str],
    corpus: str | os.PathLike[str] | None = None,
    config: Config | None = None,
    *,
    record: str | None = None,
    **overrides: Any,
) -> Explanation:
    """Scan ``corpus`` (default: the file's folder) with ``path`` in it, for
    the trace of that one document.

    Args:
        path: the document's file.
        corpus: the folder to compare it with; the file is added when it is
            not inside.
        record: for a JSON lines file, the record's id or line number.

    Raises:
        InputError: the file cannot be read, or holds no such record.
    """
    file = Path(path)
    folder = Path(corpus) if corpus is not None else file.parent
    inside = file.resolve().is_relative_to(folder.resolve())
    report = scan([folder] if inside else [folder, file], config, **overrides)
    target = file.resolve()
    candidates = [d for d in report.documents if Path(d.path).resolve() == target]
    if not candidates and inside and not _skip_reason(report, target):
        # The walk passes over hidden files and unknown suffixes; named, a file is read.
        report = scan([folder, file], config, **overrides)
        candidates = [d for d in report.documents if Path(d.path).resolve() == target]
    if not candidates:
        raise InputError(f"{file}: {_skip_reason(report, target) or 'not a document'}")
    return Explanation(report, choose_record(candidates, record, str(file)).id)


def _skip_reason(report: Report, target: Path) -> str | None:
    """Why the scan skipped this file, if it did (JSON lines skips are named "path:line")."""
    for s in report.skipped:
        if target in {Path(s.path).resolve(), Path(s.path.rsplit(":", 1)[0]).resolve()}:
            return s.reason
    return None
