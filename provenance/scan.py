"""Scan: paths → read and fingerprint (``provenance.read``) → compare (``provenance.compare``) → report."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from provenance.compare import Fingerprinted, Progress, compare, fingerprint_documents
from provenance.config import Config, make_config
from provenance.errors import InputError
from provenance.models import Document, Report, Skipped
from provenance.read import Piped, Source, choose_record, find_sources, prefetch, read_source
from provenance.spill import own_texts, spill, spill_texts, spill_words
from provenance.workers import pool

_PARALLEL_MIN_BYTES = 4 * 1024 * 1024  # below this, starting processes costs more than it saves
_MB = 1024 * 1024
_BATCH_BYTES = 2 * 1024 * 1024
_MIN_BATCH_BYTES = 64 * 1024


@dataclass
class _Read:
    """What the read-and-fingerprint stage returns for one batch of files."""

    found: Fingerprinted = field(default_factory=Fingerprinted)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[Skipped] = field(default_factory=list)

    def extend(self, other: _Read) -> None:
        self.found.extend(other.found)
        self.skipped.extend(other.skipped)
        self.warnings.extend(other.warnings)


def _read_batch(
    sources: Sequence[Source],
    config: Config,
    ahead: Sequence[Source] = (),
    on_file: Callable[[int], None] | None = None,
    *,
    spill_to: str | None = None,
    texts_to: str | None = None,
) -> _Read:
    # This batch's files are asked for at once (the first arrives while the
    # rest are still on their way), and so are those of a batch to come
    # (``ahead``), so that its reads overlap this batch's work.
    prefetch(sources)
    prefetch(ahead)
    out = _Read()
    docs: list[Document] = []
    for source in sources:
        found, skipped, warnings = read_source(source, max_bytes=config.max_file_bytes, today=config.today)
        docs.extend(found)
        out.skipped.extend(skipped)
        out.warnings.extend(warnings)
        if on_file is not None:
            on_file(source.size)
    out.found = fingerprint_documents(docs, config)
    if spill_to is not None:
        # Written here, in the worker: signatures and words never travel to the main process.
        out.found.sigs = [spill(part, spill_to) for part in out.found.sigs]
        out.found.words = spill_words(out.found.words, spill_to)
    if texts_to is not None:
        # The texts too: the main process receives each document's metadata
        # and where its text is, and reads a text back only when it is needed.
        stored = spill_texts([d.text for d in out.found.docs], texts_to)
        out.found.docs = [d.with_stored_text(t) for d, t in zip(out.found.docs, stored, strict=True)]
    return out


def _batches(sources: list[Source], limit: int = _BATCH_BYTES) -> list[list[Source]]:
    batches: list[list[Source]] = [[]]
    size = 0
    for s in sources:
        if batches[-1] and size + s.size > limit:
            batches.append([])
            size = 0
        batches[-1].append(s)
        size += s.size
    return [b for b in batches if b]


def scan(
    paths: Iterable[str | os.PathLike[str] | Piped],
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
    config = make_config(config, **overrides).dated()  # one day for the whole scan
    t0 = time.perf_counter()
    sources, skipped = find_sources(paths, follow_links=config.follow_links)
    total = sum(s.size for s in sources)
    spilled = total > config.spill_mb * _MB
    spill_to = tempfile.mkdtemp(prefix="provenance-") if spilled else None
    # The texts outlive the scan (the report reads them back), in a folder
    # of their own that goes with the last document naming it.
    texts_to = tempfile.mkdtemp(prefix="provenance-texts-") if spilled else None
    try:
        read = _read_all(sources, config, progress, spill_to, texts_to)
        if texts_to is not None:
            own_texts(d.stored for d in read.found.docs)
            if not read.found.docs:
                os.rmdir(texts_to)
        seconds = time.perf_counter() - t0
        # Documents stay in reading order (sorted paths, then lines): already
        # deterministic; the report sorts what users see.
        report = compare(read.found, config, skipped=skipped + read.skipped, warnings=read.warnings, progress=progress)
    except BaseException:
        if texts_to is not None:
            shutil.rmtree(texts_to, ignore_errors=True)
        raise
    finally:
        if spill_to is not None:
            shutil.rmtree(spill_to, ignore_errors=True)
    report.stats["timings"] = {"read+fingerprint": seconds, **report.stats["timings"]}
    report.stats["spilled"] = spill_to is not None
    return report


def _read_all(sources: list[Source], config: Config, progress: Progress | None, spill_to: str | None = None, texts_to: str | None = None) -> _Read:
    total = sum(s.size for s in sources)
    workers = config.processes
    # Enough batches for progress to move (and the workers to share the
    # work evenly) on a few megabytes, never more than _BATCH_BYTES each.
    batches = _batches(sources, min(_BATCH_BYTES, max(_MIN_BATCH_BYTES, total // (16 * workers))))
    merged = _Read()
    done = 0

    def count(size: int) -> None:
        nonlocal done
        done += size
        if progress:
            progress("read", done, total)

    parallel = not (workers == 1 or total < _PARALLEL_MIN_BYTES or len(batches) < 2)
    # Each batch announces the one a round ahead: the one this process (or
    # the next free worker) takes after it.
    step = workers if parallel else 1
    ahead = [batches[k + step] if k + step < len(batches) else [] for k in range(len(batches))]
    if not parallel:
        for batch, next_batch in zip(batches, ahead, strict=True):
            merged.extend(_read_batch(batch, config, next_batch, count, spill_to=spill_to, texts_to=texts_to))
        return merged
    with pool(workers) as executor:
        read_batch = partial(_read_batch, spill_to=spill_to, texts_to=texts_to)
        for batch, part in zip(batches, executor.map(read_batch, batches, [config] * len(batches), ahead), strict=True):
            merged.extend(part)
            count(sum(s.size for s in batch))
    return merged


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
