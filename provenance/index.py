"""Index: a persistent corpus of fingerprinted documents, and queries against it.

``Index.open(url)`` opens (or, with ``create=True``, makes) the index at a
``--db`` URL (see ``provenance.store``). An index records the fingerprint
settings it was built with (``PERSISTED`` plus the MinHash scheme and LSH
layout); opening it with other settings raises ``SettingsMismatch``, because
signatures made with other settings never match.

Adding a document stores its text (zlib), metadata and credits, and the
MinHash signature of every window with its key in every LSH band, computed by
``lsh.band_key`` exactly as a scan buckets windows. Re-adding an unchanged
document writes nothing; a changed one replaces its old windows. ``verify``
reads the whole index and says whether it must be rebuilt.

``Index.compare(documents)`` finds what incoming documents share with the
index and with each other: the index is asked only for the buckets of the
incoming windows, candidates are kept when their signatures agree as a scan
requires, and only the documents they belong to are loaded and aligned. The
result is an ordinary ``Report``.

The module-level ``add``, ``remove``, ``documents``, ``stats`` and ``verify`` are what the
``provenance index`` commands call.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import MISSING, dataclass, field, fields, replace
from typing import Any

import numpy as np

from provenance.compare import Progress, compare, fingerprint_documents
from provenance.config import Config, make_config
from provenance.errors import ConfigError, IndexDamaged, SettingsMismatch, StoreError
from provenance.fingerprint import SCHEME, signatures
from provenance.lsh import HUB_LINKS, agree, band_key, lsh_params
from provenance.models import Document, Report, Skipped
from provenance.normalize import word_hashes
from provenance.read import Piped, Source, cwd_path, find_sources, path_id, read_source
from provenance.store import DocumentRecord, Entry, Store, open_store

PERSISTED: tuple[str, ...] = ("shingle_size", "window", "num_perm", "seed", "threshold", "min_tokens", "max_gap", "join_gap", "min_similarity")
"""Config fields an index is built with; the other fields may differ per query."""
OPTION_NAMES: dict[str, str] = {"threshold": "--threshold", "min_tokens": "--min-words"}
"""The command-line option users give for a persisted setting, named in messages (issue 13)."""

BATCH_WINDOWS = 20_000
"""Windows written per transaction by ``add_documents`` (bulk builds sort and write them together)."""
BATCH_SECONDS = 2.0
"""Longest stretch of work before a batch is written, so that slow inputs still commit often."""

_KEY_MIX = np.uint64(0x9E3779B97F4A7C15)
_KEY_SHIFT = np.uint64(17)  # keys keep 47 bits: 6 bytes in SQLite, collisions ~1e-7 per lookup at 1M windows


def settings_of(config: Config) -> dict[str, Any]:
    """The settings an index records: ``PERSISTED`` fields, scheme and LSH layout.

    >>> s = settings_of(Config())
    >>> s["scheme"], s["bands"], s["rows"], s["num_perm"]
    ('affine32', 24, 2, 48)
    """
    bands, rows = lsh_params(config.threshold, config.num_perm)
    out: dict[str, Any] = {name: getattr(config, name) for name in PERSISTED}
    out.update(scheme=SCHEME, bands=bands, rows=rows)
    return out


def keys_of(sigs: np.ndarray, config: Config) -> np.ndarray:
    """The index's ``(n, bands)`` bucket keys of window signatures: each band's
    ``lsh.band_key`` mixed with the band number, so that one table holds every
    band, and cut to 47 bits (a non-negative int64).

    >>> sigs = np.arange(96, dtype=np.uint32).reshape(2, 48)
    >>> k = keys_of(sigs, Config())
    >>> k.shape, bool((k >= 0).all()), bool(k.max() < 2**47)
    ((2, 24), True, True)
    """
    bands, _ = lsh_params(config.threshold, config.num_perm)
    out = np.empty((len(sigs), bands), dtype=np.int64)
    with np.errstate(over="ignore"):
        for band in range(bands):
            key = band_key(sigs, band, config) ^ (np.uint64(band + 1) * _KEY_MIX)
            key ^= key >> np.uint64(31)
            out[:, band] = (key >> _KEY_SHIFT).astype(np.int64)
    return out


def content_hash(doc: Document) -> str:
    """Hash of everything the index keeps about a document (text and metadata),
    over a canonical JSON: a field added to ``Credit`` with a default leaves
    the hash of every credit that keeps the default unchanged.

    >>> content_hash(Document("a", "x", "a")) == content_hash(Document("a", "x", "b.txt"))
    True
    """
    kept = {
        "text": doc.text, "url": doc.url, "title": doc.title, "date": doc.date, "date_source": doc.date_source,
        "site": doc.site, "credits": [_set_fields(c) for c in doc.credits],
    }
    canonical = json.dumps(kept, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _set_fields(obj: Any) -> dict[str, Any]:
    """A dataclass's fields, leaving out those at their default value."""
    return {
        f.name: getattr(obj, f.name) for f in fields(obj)
        if f.default is MISSING or getattr(obj, f.name) != f.default
    }


@dataclass(frozen=True)
class AddResult:
    """What ``add`` did: document ids by outcome, and inputs that could not be read."""

    db: str
    added: tuple[str, ...] = ()
    replaced: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    warnings: tuple[Skipped, ...] = ()
    windows: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "db": self.db,
            "added": list(self.added),
            "replaced": list(self.replaced),
            "unchanged": list(self.unchanged),
            "windows": self.windows,
            "passages": self.windows,  # deprecated alias of "windows" (the index holds windows, reports hold passages)
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "warnings": [{"path": s.path, "message": s.reason} for s in self.warnings],
        }


@dataclass(frozen=True)
class RemoveResult:
    """Ids removed, and ids the index did not hold."""

    db: str
    removed: tuple[str, ...]
    missing: tuple[str, ...]


@dataclass(frozen=True)
class IndexStats:
    """Size and settings of an index."""

    db: str
    documents: int
    windows: int
    bytes: int
    settings: dict[str, Any] = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "db": self.db, "documents": self.documents, "windows": self.windows, "bytes": self.bytes,
            "passages": self.windows,  # deprecated alias of "windows"
            "settings": dict(self.settings),
        }


@dataclass(frozen=True)
class VerifyResult:
    """What ``verify`` found: no problems means the index is sound; any
    problem means it should be rebuilt."""

    db: str
    problems: tuple[str, ...]
    documents: int = 0
    windows: int = 0

    @property
    def sound(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"db": self.db, "sound": self.sound, "documents": self.documents, "windows": self.windows, "problems": list(self.problems)}


class Index:
    """An open index: a store plus the settings it was built with."""

    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config
        self.url = store.url

    @classmethod
    def open(cls, url: str | os.PathLike[str], config: Config | None = None, *, create: bool = False, **overrides: Any) -> Index:
        """Open the index at ``url``; ``create`` makes it when absent.

        Settings: those stored in the index, with ``config``/``overrides``
        for the fields that may vary per query. A ``PERSISTED`` field given
        with another value than the stored one raises.

        Raises:
            StoreError: the index cannot be opened (see ``store.open_store``).
            SettingsMismatch: the index was built with other settings.
        """
        store = open_store(url, create=create)
        try:
            return cls(store, _settle(store, config, overrides, create=create))
        except BaseException:
            store.close()
            raise

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _keys(self, sigs: np.ndarray) -> np.ndarray:
        return keys_of(sigs, self.config)

    def add_documents(self, docs: Iterable[Document], *, progress: Progress | None = None, total: int = 0, batch_windows: int = 0) -> dict[str, list[str]]:
        """Add documents; returns ids by outcome ('added', 'replaced', 'unchanged').

        Documents are written in batches of about ``batch_windows``
        windows (default ``BATCH_WINDOWS``; or ``BATCH_SECONDS`` of work),
        each batch in one transaction: a process killed meanwhile leaves
        every batch committed before.
        """
        limit = batch_windows or BATCH_WINDOWS
        outcome: dict[str, list[str]] = {"added": [], "replaced": [], "unchanged": []}
        config = self.config
        batch: list[Entry] = []
        size, started = 0, time.monotonic()

        def flush() -> None:
            nonlocal batch, size, started
            if batch:
                for (record, *_), what in zip(batch, self.store.put_many(batch, config.seed), strict=True):
                    outcome[what].append(record.id)
            batch, size, started = [], 0, time.monotonic()

        for done, doc in enumerate(docs, start=1):
            words = word_hashes(doc.text)
            sigs = signatures([words], config)[0]
            record = DocumentRecord(doc.id, content_hash(doc), len(doc.text), int(len(words)), int(len(sigs)), doc.meta, doc.credits)
            batch.append((record, doc.text, sigs, self._keys(sigs)))
            size += len(sigs)
            if progress:
                progress("index", done, total)
            if size >= limit or time.monotonic() - started >= BATCH_SECONDS:
                flush()
        flush()
        return outcome

    def remove(self, ids: Iterable[str]) -> RemoveResult:
        """Remove documents by id (each in its own transaction)."""
        removed: list[str] = []
        missing: list[str] = []
        for doc_id in sorted(set(ids)):
            (removed if self.store.remove(doc_id) else missing).append(doc_id)
        return RemoveResult(self.url, tuple(removed), tuple(missing))

    def records(self) -> list[DocumentRecord]:
        """Every indexed document's record, sorted by id."""
        return self.store.records()

    def stats(self) -> IndexStats:
        """Documents, windows, size and settings."""
        size = self.store.size()
        return IndexStats(self.url, size["documents"], size["windows"], size["bytes"], self.store.read_settings() or settings_of(self.config))

    def verify(self) -> VerifyResult:
        """Read the whole index: unreadable entries, windows without their
        bucket entries, rows no document owns, band keys this version would
        not compute (and SQLite's own ``integrity_check``)."""
        problems = self.store.verify(self._keys, self.config.num_perm)
        try:
            size = self.store.size()
        except StoreError:
            size = {"documents": 0, "windows": 0}
        return VerifyResult(self.url, tuple(problems), size["documents"], size["windows"])

    def compare(self, docs: Sequence[Document], *, skipped: Sequence[Skipped] = (), warnings: Sequence[Skipped] = ()) -> Report:
        """What the documents share with the index and with each other
        (``provenance.compare.compare`` against this index).

        A document whose id is in the index is compared with the rest of the
        index only (its stored version is itself, or the version it replaces).

        Returns:
            A report over the documents and the indexed documents they share
            text with; ``stats["checked"]`` lists the documents compared,
            ``stats["indexed"]`` the indexed documents matched.
        """
        docs = sorted(docs, key=lambda d: d.id)
        if len({d.id for d in docs}) != len(docs):
            raise ConfigError("two incoming documents have the same id")
        return compare(fingerprint_documents(docs, self.config), self.config, against=self, skipped=skipped, warnings=warnings)

    def load(self, ids: Sequence[str]) -> list[Document]:
        """The indexed documents with these ids, in that order (absent ids are left out)."""
        return self.store.documents(list(ids))

    def candidates(self, sigs: np.ndarray, doc_of: np.ndarray, exclude: set[str]) -> dict[tuple[int, str], np.ndarray]:
        """Indexed windows in the buckets of incoming windows, kept when their
        signatures agree as a scan requires.

        Args:
            sigs: ``(n, num_perm)`` incoming window signatures.
            doc_of: incoming document number of each window (non-decreasing).
            exclude: indexed document ids to leave out.

        Returns:
            (incoming document, indexed document id) → ``(k, 2)`` pairs of
            window numbers (each counted within its document), sorted.
        """
        config = self.config
        if not len(sigs):
            return {}
        keys = self._keys(sigs)
        buckets = self.store.lookup(keys, config.max_bucket_docs + 1)
        windows: list[int] = []
        members: list[int] = []
        # The incoming windows of each key, in order: in an oversized bucket
        # (a block repeated many times) the k-th of them meets the k-th
        # indexed member, as in a scan, besides the first few members.
        seen: dict[int, int] = defaultdict(int)
        for (w, _band), key in np.ndenumerate(keys):
            rank = seen[int(key)]  # windows come in order: w is the rank-th with this key
            seen[int(key)] += 1
            found = buckets.get(int(key))
            if not found:
                continue
            if len(found) > config.max_bucket_docs:
                found = found[:HUB_LINKS] + ([found[rank]] if rank < len(found) else [])
            windows.extend([w] * len(found))
            members.extend(found)
        if not members:
            return {}
        pairs = np.unique(np.array([windows, members], dtype=np.int64).T, axis=0)
        wanted = np.unique(pairs[:, 1])
        doc_ids, other_windows, other_sigs = self.store.windows(wanted.tolist(), config.num_perm)
        row = np.searchsorted(wanted, pairs[:, 1])
        similar = agree(sigs[pairs[:, 0]], other_sigs[row], config)
        out: dict[tuple[int, str], list[tuple[int, int]]] = defaultdict(list)
        first = {}
        for w, r in zip(pairs[similar][:, 0].tolist(), row[similar].tolist(), strict=True):
            other = doc_ids[r]
            if other in exclude:
                continue
            a = int(doc_of[w])
            if a not in first:
                first[a] = int(np.searchsorted(doc_of, a))
            out[(a, other)].append((w - first[a], int(other_windows[r])))
        return {k: np.array(sorted(v), dtype=np.int64) for k, v in out.items()}


def _settle(store: Store, config: Config | None, overrides: dict[str, Any], *, create: bool) -> Config:
    """The config to use with a store: its stored settings, checked against what was asked."""
    stored = store.read_settings()
    if stored is None and not create:
        raise StoreError(f"{store.url}: no index there (an empty store); create one with `provenance index add PATH --db {store.url}`")
    if stored is None:
        wanted = make_config(config, **overrides)
        store.write_settings(settings_of(wanted))
        stored = store.read_settings()
        if stored is None:
            raise StoreError(f"{store.url}: the settings just written cannot be read back")
    base = make_config(config, **overrides) if config is not None else None
    asked = {**({n: getattr(base, n) for n in PERSISTED} if base else {}), **{k: v for k, v in overrides.items() if k in PERSISTED}}
    if stored.get("scheme") != SCHEME:
        raise SettingsMismatch(f"{store.url}: the index uses the MinHash scheme {stored.get('scheme')!r}, this version {SCHEME!r}; rebuild the index")
    differ = [f"{OPTION_NAMES.get(n, n)} {stored.get(n)!r} (asked {v!r})" for n, v in sorted(asked.items()) if stored.get(n) != v]
    if differ:
        raise SettingsMismatch(f"{store.url}: the index was built with {', '.join(differ)}; drop those options or use another --db")
    try:
        fixed = {n: stored[n] for n in PERSISTED}
    except KeyError as e:
        raise IndexDamaged(f"{store.url}: the stored settings lack {e.args[0]}: the index is damaged; rebuild it") from e
    return replace(base or make_config(None, **{k: v for k, v in overrides.items() if k not in PERSISTED}), **fixed)


def read_documents(paths: Iterable[str | os.PathLike[str] | Piped], config: Config, progress: Progress | None = None) -> tuple[list[Document], list[Skipped], list[Skipped]]:
    """Read the files under ``paths`` for an index, with ids that do not
    depend on how the paths were named: paths relative to the current folder
    (for files outside it, as a scan names them).

    Raises:
        InputError: a path does not exist.
    """
    config = config.dated()  # one day for every file of the run
    sources, skipped = find_sources(paths, follow_links=config.follow_links)
    docs: list[Document] = []
    warnings: list[Skipped] = []
    total, done = sum(s.size for s in sources), 0
    for source in sources:
        found, bad, warned = read_source(_cwd_relative(source), max_bytes=config.max_file_bytes, today=config.today)
        docs.extend(found)
        skipped.extend(bad)
        warnings.extend(warned)
        done += source.size
        if progress:
            progress("read", done, total)
    seen: set[str] = set()
    unique = []
    for d in sorted(docs, key=lambda d: d.id):
        if d.id in seen:
            skipped.append(Skipped(d.path, f"repeats document id {d.id}"))
            continue
        seen.add(d.id)
        unique.append(d)
    return unique, skipped, warnings


def _cwd_relative(source: Source) -> Source:
    if source.data is not None:  # piped content has no path: its id is its name
        return source
    return replace(source, id=path_id(cwd_path(source.path)))


def add(
    db: str | os.PathLike[str],
    paths: Iterable[str | os.PathLike[str]],
    config: Config | None = None,
    *,
    progress: Progress | None = None,
    batch_windows: int = 0,
    **overrides: Any,
) -> AddResult:
    """Add the documents under ``paths`` to the index at ``db`` (made on first use).

    Example:
        >>> add("corpus.db", ["articles/"]).added  # doctest: +SKIP
        ('articles/a.txt', 'articles/b.txt')

    Raises:
        StoreError, SettingsMismatch, InputError.
    """
    t0 = time.perf_counter()
    wanted = make_config(config, **overrides)
    docs, skipped, warnings = read_documents(paths, wanted, progress)
    with Index.open(db, config, create=True, **overrides) as index:
        outcome = index.add_documents(docs, progress=progress, total=len(docs), batch_windows=batch_windows)
        windows = index.store.size()["windows"]
    return AddResult(
        index.url, tuple(outcome["added"]), tuple(outcome["replaced"]), tuple(outcome["unchanged"]),
        tuple(sorted(skipped, key=lambda s: (s.path, s.reason))), tuple(sorted(warnings, key=lambda s: (s.path, s.reason))),
        windows, time.perf_counter() - t0,
    )


def remove(db: str | os.PathLike[str], ids: Iterable[str]) -> RemoveResult:
    """Remove documents by id from the index at ``db``."""
    with Index.open(db) as index:
        return index.remove(ids)


def documents(db: str | os.PathLike[str]) -> list[DocumentRecord]:
    """Every document of the index at ``db``, sorted by id."""
    with Index.open(db) as index:
        return index.records()


def stats(db: str | os.PathLike[str]) -> IndexStats:
    """Documents, windows, size (on disk; in Redis, this index's memory) and settings of the index at ``db``."""
    with Index.open(db) as index:
        return index.stats()


def verify(db: str | os.PathLike[str]) -> VerifyResult:
    """Check the whole index at ``db``; a damaged one is a result with problems, not an error.

    Raises:
        StoreError: the index cannot be opened at all (missing, not an
            index, server down).
    """
    try:
        store = open_store(db)
    except IndexDamaged as e:  # only a SQLite file gets here: its path holds no password
        return VerifyResult(os.fspath(db), (str(e).removeprefix(f"{os.fspath(db)}: "),))
    with store:
        try:
            index = Index(store, _settle(store, None, {}, create=False))
        except IndexDamaged as e:
            return VerifyResult(store.url, (str(e).removeprefix(f"{store.url}: "),))
        return index.verify()
