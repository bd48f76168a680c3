"""Store: persistence of an index behind one interface, chosen by the ``--db`` URL.

``open_store(url)`` returns a backend:

* ``SQLiteStore`` for a path or ``sqlite:///path`` (the embedded default): one
  file in WAL mode, every batch of documents added in one transaction, so
  that concurrent writers wait for each other and a killed process leaves
  every document whose add had committed. A file that cannot be written (or
  whose folder cannot) is opened read-only: reading works, writing is refused.
* ``RedisStore`` for ``redis://[:password@]host:port/N``: the same index in
  Redis, every document added or removed in one MULTI/EXEC transaction.

What a store holds, per document: its metadata (``DocumentRecord``: id, url,
title, date, site, credits), a content hash, its extracted text compressed
with zlib, and its *windows*: the fingerprinted windows, each with its
MinHash signature serialised as ``LeanMinHash.serialize(buf, byteorder="<")``
(``SIG_FORMAT``, never pickle), and each window's key in every LSH band. The
keys of a document's windows are stored with the document (as datasketch's
``MinHashLSH`` keeps key → hashes), so removing a document deletes exactly the
bucket entries it made, whatever computes the keys today. A query reads only
the buckets of the keys it asks for.

A store knows nothing about fingerprints: ``provenance.index`` computes the
band keys and checks the settings stored with ``write_settings``; ``verify``
takes the key function to check that the stored keys are still its keys.
"""

from __future__ import annotations

import json
import os
import sqlite3
import struct
import time
import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit
from urllib.request import pathname2url

import numpy as np

from provenance.errors import IndexDamaged, StoreError
from provenance.fingerprint import SCHEME
from provenance.models import Credit, Document, Meta

FORMAT = "provenance-index/2"
"""The layout version written into every store; other values are refused
(``provenance-index/1`` kept no band keys with its windows: rebuild it)."""

SIG_FORMAT = "<qiB{n}I"
"""``struct`` layout of a serialised signature: datasketch's ``LeanMinHash``
affine format in little-endian order (seed, -num_perm, scheme code 1, values)."""

KEY_BYTES = 6
"""Bytes a band key is stored in (little-endian): keys are in ``[0, 2**48)``."""

_SCHEME_CODE = 1  # datasketch's code for "affine32"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_CACHE_KIB = 256 * 1024  # SQLite page cache per connection (an upper bound, allocated as used)
_BUSY_TIMEOUT_S = 120.0  # writers wait this long for each other's transactions
_STALE_KEYS = "document {doc_id!r}: its stored band keys are not the keys this version computes (an index made by another version?)"
_LISTED = 20  # problems of one kind that verify names one by one before it counts the rest

Entry = tuple["DocumentRecord", str, np.ndarray, np.ndarray]
"""What ``put_many`` takes per document: record, text, ``(n, num_perm)`` signatures, ``(n, bands)`` keys."""

KeysOf = Callable[[np.ndarray], np.ndarray]
"""``keys_of(sigs)``: the ``(n, bands)`` int64 LSH keys of ``(n, num_perm)`` signatures."""


@dataclass(frozen=True)
class DocumentRecord:
    """What the index keeps about a document besides its text and windows."""

    id: str
    hash: str
    chars: int
    words: int
    windows: int
    meta: Meta = Meta()
    credits: tuple[Credit, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The stored JSON: the metadata's fields beside the others (one flat object)."""
        return {
            "id": self.id, "hash": self.hash, "chars": self.chars, "words": self.words, "windows": self.windows,
            **asdict(self.meta), "credits": [c.to_dict() for c in self.credits],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DocumentRecord:
        meta = Meta(**{f.name: data.get(f.name) for f in fields(Meta)})
        credits = tuple(Credit.from_dict(c) for c in data.get("credits", ()))
        return cls(data["id"], data["hash"], data["chars"], data["words"], data["windows"], meta, credits)

    def document(self, text: str) -> Document:
        """The ``Document`` this record describes, with its text."""
        return Document.of(self.id, text, self.id, self.meta, credits=self.credits)


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _reason(e: BaseException) -> str:
    """Why a stored entry cannot be read, in words rather than a parser's message."""
    if isinstance(e, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(e, json.JSONDecodeError):
        return f"not valid JSON at character {e.pos}"
    if isinstance(e, KeyError):
        return f"no {e.args[0]!r} field"
    if isinstance(e, zlib.error):
        return "its compressed text is cut or overwritten"
    return f"a field of the wrong type or value ({e})"


_ENTRY_ERRORS = (ValueError, KeyError, TypeError, AttributeError, IndexError, zlib.error)


def serialize_signatures(sigs: np.ndarray, seed: int) -> list[bytes]:
    """Each window signature as ``LeanMinHash`` bytes (``SIG_FORMAT``), vectorised.

    >>> blobs = serialize_signatures(np.arange(6, dtype=np.uint32).reshape(2, 3), seed=1)
    >>> len(blobs), len(blobs[0])
    (2, 25)
    """
    n, num_perm = sigs.shape
    head = struct.pack("<qiB", seed, -num_perm, _SCHEME_CODE)
    body = np.ascontiguousarray(sigs, dtype="<u4").tobytes()
    width = 4 * num_perm
    return [head + body[i * width : (i + 1) * width] for i in range(n)]


def deserialize_signatures(blobs: Sequence[bytes], num_perm: int) -> np.ndarray:
    """``(n, num_perm)`` uint32 signatures back from ``serialize_signatures`` bytes.

    Raises:
        IndexDamaged: a blob is not an affine32 signature of ``num_perm`` values.
    """
    size = struct.calcsize(SIG_FORMAT.format(n=num_perm))
    if any(not isinstance(b, bytes) or len(b) != size for b in blobs):
        raise IndexDamaged(f"a stored signature is not {size} bytes: the index is damaged; rebuild it")
    if not blobs:
        return np.zeros((0, num_perm), dtype=np.uint32)
    raw = np.frombuffer(b"".join(blobs), dtype=np.uint8).reshape(len(blobs), size)
    return raw[:, 13:].copy().view("<u4").astype(np.uint32).reshape(len(blobs), num_perm)


def pack_keys(keys: np.ndarray) -> bytes:
    """The ``(n, bands)`` band keys of a document's windows, ``KEY_BYTES`` each, row by row.

    >>> unpack_keys(pack_keys(np.array([[1, 2**47], [3, 4]])), 2).tolist()
    [[1, 140737488355328], [3, 4]]
    """
    keys = np.asarray(keys, dtype=np.int64)
    if keys.size and (int(keys.min()) < 0 or int(keys.max()) >= 1 << (8 * KEY_BYTES)):
        raise ValueError(f"band keys must lie in [0, 2**{8 * KEY_BYTES})")
    return keys.astype("<i8").view(np.uint8).reshape(-1, 8)[:, :KEY_BYTES].tobytes()


def unpack_keys(blob: bytes, windows: int) -> np.ndarray:
    """``pack_keys`` bytes of ``windows`` windows back as ``(windows, bands)`` int64.

    Raises:
        IndexDamaged: the bytes are not whole keys for that many windows.
    """
    if not isinstance(blob, bytes) or (windows and (not blob or len(blob) % (windows * KEY_BYTES))) or (not windows and blob):
        raise IndexDamaged(f"stored band keys do not fit {windows} windows: the index is damaged; rebuild it")
    if not windows:
        return np.zeros((0, 0), dtype=np.int64)
    full = np.zeros((len(blob) // KEY_BYTES, 8), dtype=np.uint8)
    full[:, :KEY_BYTES] = np.frombuffer(blob, dtype=np.uint8).reshape(-1, KEY_BYTES)
    return full.view("<i8").reshape(windows, -1).astype(np.int64)


def _bucket_counts(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per window: how many distinct bucket entries its keys make, and their sum."""
    if not keys.size:
        return np.zeros(len(keys), dtype=np.int64), np.zeros(len(keys), dtype=np.int64)
    ordered = np.sort(keys, axis=1)
    distinct = np.ones(ordered.shape, dtype=bool)
    distinct[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    return distinct.sum(axis=1), np.where(distinct, ordered, 0).sum(axis=1)


@dataclass
class _Problems:
    """Problems found by ``verify``: each kind named up to ``_LISTED`` times, then counted."""

    items: list[str]
    counts: dict[str, int]

    def add(self, kind: str, message: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        if self.counts[kind] <= _LISTED:
            self.items.append(message)

    def done(self) -> list[str]:
        more = [f"… and {n - _LISTED} more: {kind}" for kind, n in sorted(self.counts.items()) if n > _LISTED]
        return self.items + more


class Store(ABC):
    """One index's storage. Methods raise ``StoreError`` for any backend
    failure, ``IndexDamaged`` when what is stored cannot be read back."""

    url: str
    """The store's URL as users gave it, without a password."""

    @abstractmethod
    def read_settings(self) -> dict[str, Any] | None:
        """The settings the index was built with, or None for a new, empty store."""

    @abstractmethod
    def write_settings(self, settings: dict[str, Any]) -> None:
        """Create the index with these settings, unless another process just did."""

    @abstractmethod
    def record(self, doc_id: str) -> DocumentRecord | None:
        """The record of one document, or None."""

    @abstractmethod
    def records(self) -> list[DocumentRecord]:
        """Every document's record, sorted by id."""

    def put(self, record: DocumentRecord, text: str, sigs: np.ndarray, keys: np.ndarray, seed: int) -> str:
        """Add or replace one document atomically: 'added', 'replaced' or
        'unchanged' (same content hash: nothing written)."""
        return self.put_many([(record, text, sigs, keys)], seed)[0]

    @abstractmethod
    def put_many(self, entries: Sequence[Entry], seed: int) -> list[str]:
        """``put`` for several documents; a backend may write them in one
        transaction (all or none), which makes bulk builds much faster."""

    @abstractmethod
    def remove(self, doc_id: str) -> bool:
        """Remove one document, its windows and their bucket entries; False when it is absent."""

    @abstractmethod
    def lookup(self, keys: np.ndarray, limit: int) -> dict[int, list[int]]:
        """Window numbers in the bucket of each of the ``(n, bands)`` keys,
        ascending, at most ``limit`` per key (keys are mixed with their band,
        so one key never names buckets of two bands)."""

    @abstractmethod
    def windows(self, ids: Sequence[int], num_perm: int) -> tuple[list[str], np.ndarray, np.ndarray]:
        """For window numbers (from ``lookup``): their document ids, their
        positions in their documents, and their signatures."""

    @abstractmethod
    def documents(self, ids: Iterable[str]) -> list[Document]:
        """Documents with their text, in the order asked (absent ids are left out)."""

    @abstractmethod
    def size(self) -> dict[str, int]:
        """``documents``, ``windows`` and ``bytes`` (on disk, or this index's keys in Redis memory)."""

    @abstractmethod
    def verify(self, keys_of: KeysOf, num_perm: int) -> list[str]:
        """Read the whole index and list what is damaged or inconsistent (empty: sound):
        entries that cannot be read, windows without their bucket entries,
        bucket entries or windows no document owns, stored keys that
        ``keys_of`` no longer computes."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(url: str | os.PathLike[str], *, create: bool = False) -> Store:
    """The store at ``url``: a path or ``sqlite:///path``, or ``redis://host:port/N``.

    Nothing is written when opening: a new SQLite file appears with
    ``write_settings``.

    Raises:
        StoreError: the URL names an unknown scheme, a missing index (and
            ``create`` is false), a file that is not a provenance index, or a
            server that cannot be reached or refuses the password.
        IndexDamaged: the index is there but cannot be read.
    """
    text = os.fspath(url)
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if scheme in ("redis", "rediss", "unix"):
        return RedisStore(text, create=create)
    if scheme == "sqlite":
        path = text.split("://", 1)[1]
        if path.startswith("/") and not path.startswith("//"):
            path = path[1:]  # sqlite:///rel/path is relative, sqlite:////abs/path absolute (SQLAlchemy's rule)
        return SQLiteStore(unquote(path), create=create, url=text)
    if scheme:
        raise StoreError(f"{text}: unknown index URL scheme {scheme!r}; use a file path, sqlite:///path or redis://host:port/N")
    return SQLiteStore(text, create=create, url=text)


# --------------------------------------------------------------------------- SQLite

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS documents (
    number INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    hash TEXT NOT NULL,
    record TEXT NOT NULL,
    first_window INTEGER NOT NULL,
    windows INTEGER NOT NULL,
    text BLOB NOT NULL,
    keys BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS windows (id INTEGER PRIMARY KEY, doc INTEGER NOT NULL, window INTEGER NOT NULL, sig BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS buckets (key INTEGER NOT NULL, win INTEGER NOT NULL, PRIMARY KEY (key, win)) WITHOUT ROWID;
"""
_TABLES = {"meta", "documents", "windows", "buckets"}
_OLD_TABLES = {"meta", "documents", "passages", "buckets"}  # provenance-index/1
_DAMAGE_CODES = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}


class SQLiteStore(Store):
    """An index in one SQLite file (WAL mode; one transaction per batch of documents)."""

    def __init__(self, path: str, *, create: bool, url: str | None = None) -> None:
        self.path = path
        self.url = url or path
        self._conn: sqlite3.Connection | None = None
        self._ready = False  # the index's tables exist
        self.readonly: str | None = None  # why the index cannot be written, when it cannot
        p = Path(path)
        if p.is_dir():
            raise StoreError(f"{self.url}: is a folder, not an index file")
        exists = p.exists()
        if not exists and not create:
            raise StoreError(f"{self.url}: no index there; create one with `provenance index add PATH --db {self.url}`")
        if exists:
            try:
                with open(p, "rb") as fh:
                    head = fh.read(len(_SQLITE_MAGIC))
            except OSError as e:
                raise StoreError(f"{self.url}: cannot read: {e.strerror or e}") from e
            if head and head != _SQLITE_MAGIC:
                raise StoreError(f"{self.url}: not a provenance index (not a SQLite file); give another --db path")
            folder = str(p.parent) or "."
            if not os.access(p, os.W_OK):
                self.readonly = "the file is read-only"
            elif not os.access(folder, os.W_OK):
                self.readonly = f"its folder {folder} is read-only"
        elif not p.parent.exists():
            raise StoreError(f"{self.url}: folder {p.parent} does not exist")
        try:
            self._connect(p)
            tables = {row[0] for row in self._query("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if tables == _OLD_TABLES:
                raise StoreError(f"{self.url}: an index of an older format (provenance-index/1), this version reads {FORMAT!r}; rebuild the index")
            if tables and not tables >= _TABLES:
                raise StoreError(f"{self.url}: not a provenance index (a SQLite file with other tables: {', '.join(sorted(tables)[:5])}); give another --db path")
            self._ready = bool(tables)
            if self._ready:
                self._check_format()
            self._tune()  # before any table is made: a new index is WAL from its first write
        except BaseException:
            self.close()
            raise

    def _connect(self, p: Path) -> None:
        try:
            if self.readonly is None:
                self._conn = sqlite3.connect(p, timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
                return
            # Read-only: SQLite cannot make the -shm file WAL readers need in a
            # folder it cannot write. Without a -wal file there is nothing but
            # the database file to read, and `immutable` reads it as it is.
            immutable = not os.access(str(p.parent) or ".", os.W_OK) and not os.path.exists(f"{p}-wal")
            uri = f"file:{pathname2url(str(p.resolve()))}?mode=ro" + ("&immutable=1" if immutable else "")
            self._conn = sqlite3.connect(uri, uri=True, timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as e:
            raise self._error("cannot open", e) from e

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"{self.url}: the index is closed")
        return self._conn

    def _error(self, what: str, e: sqlite3.Error) -> StoreError:
        """A SQLite error as one line: damage (corrupt pages, undecodable text) is ``IndexDamaged``."""
        code = getattr(e, "sqlite_errorcode", None)
        if not self._ready and code is not None and code & 0xFF == sqlite3.SQLITE_NOTADB:
            return StoreError(f"{self.url}: not a provenance index ({e}); give another --db path")
        undecodable = "decode" in str(e)  # sqlite3 names the bytes it cannot decode: keep them off the terminal
        if (code is not None and code & 0xFF in _DAMAGE_CODES) or undecodable:
            reason = "a stored text is not UTF-8" if undecodable else str(e)
            return IndexDamaged(f"{self.url}: {what}: the index is damaged ({reason}); `provenance index verify` tells what, rebuild the index")
        if self.readonly and code is not None and code & 0xFF == sqlite3.SQLITE_READONLY:
            return StoreError(f"{self.url}: {what}: the index is read-only ({self.readonly})")
        return StoreError(f"{self.url}: {what}: {e}")

    def _check_format(self) -> None:
        row = self._query("SELECT value FROM meta WHERE key = 'format'")
        if row and row[0][0] != FORMAT:
            raise StoreError(f"{self.url}: index format {row[0][0]!r}, this version reads {FORMAT!r}; rebuild the index")

    def _tune(self) -> None:
        if self.readonly is None:
            # Switching to WAL needs a moment alone with the file; SQLite does not
            # always wait for it (the busy handler is skipped for some locks), so
            # a writer starting beside another one retries instead of failing.
            deadline = time.monotonic() + _BUSY_TIMEOUT_S
            while True:
                try:
                    self.conn.execute("PRAGMA journal_mode = WAL")
                    break
                except sqlite3.OperationalError as e:
                    if "locked" not in str(e) or time.monotonic() > deadline:
                        raise self._error("cannot open", e) from e
                    time.sleep(0.05)
                except sqlite3.Error as e:
                    raise self._error("cannot open", e) from e
            self._query("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: a killed process loses nothing committed
        self._query(f"PRAGMA cache_size = -{_CACHE_KIB}")  # bulk adds rewrite many B-tree pages per transaction

    def _query(self, sql: str, params: Sequence[Any] = (), what: str = "cannot read") -> list[Any]:
        """Every row of a statement: read inside the guard, so that a damaged
        page met halfway through is a ``StoreError`` too."""
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.Error as e:
            raise self._error(what, e) from e

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @contextmanager
    def _write(self, what: str) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed whole, or rolled back on any error."""
        if self.readonly:
            raise StoreError(f"{self.url}: {what}: the index is read-only ({self.readonly})")
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as e:
            raise self._error(what, e) from e

    def _entry(self, doc_id: str, raw: str) -> DocumentRecord:
        try:
            return DocumentRecord.from_dict(json.loads(raw))
        except _ENTRY_ERRORS as e:
            raise _damaged_entry(self.url, doc_id, e) from e

    def read_settings(self) -> dict[str, Any] | None:
        if not self._ready:
            return None
        rows = self._query("SELECT value FROM meta WHERE key = 'settings'")
        try:
            return json.loads(rows[0][0]) if rows else None
        except ValueError as e:
            raise IndexDamaged(f"{self.url}: the stored settings are damaged ({_reason(e)}); rebuild the index") from e

    def write_settings(self, settings: dict[str, Any]) -> None:
        with self._write("cannot create the index") as conn:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('format', ?)", (FORMAT,))
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('settings', ?)", (_dumps(settings),))
        self._ready = True

    def record(self, doc_id: str) -> DocumentRecord | None:
        if not self._ready:
            return None
        rows = self._query("SELECT record FROM documents WHERE id = ?", (doc_id,))
        return self._entry(doc_id, rows[0][0]) if rows else None

    def records(self) -> list[DocumentRecord]:
        if not self._ready:
            return []
        return [self._entry(doc_id, raw) for doc_id, raw in self._query("SELECT id, record FROM documents ORDER BY id")]

    def put_many(self, entries: Sequence[Entry], seed: int) -> list[str]:
        outcome: list[str] = []
        rows: list[tuple[int, int]] = []
        names = ", ".join(repr(r.id) for r, *_ in entries[:3]) + (" …" if len(entries) > 3 else "")
        with self._write(f"cannot add {names}") as conn:
            for record, text, sigs, keys in entries:
                old = conn.execute("SELECT number, hash FROM documents WHERE id = ?", (record.id,)).fetchone()
                if old is not None and old[1] == record.hash:
                    outcome.append("unchanged")
                    continue
                if old is not None:
                    self._delete(old[0])
                blobs = serialize_signatures(sigs, seed)
                packed = zlib.compress(text.encode("utf-8", "surrogatepass"), 6)
                first = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM windows").fetchone()[0]
                number = conn.execute(
                    "INSERT INTO documents (id, hash, record, first_window, windows, text, keys) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (record.id, record.hash, _dumps(record.to_dict()), first, len(blobs), packed, pack_keys(keys)),
                ).lastrowid
                conn.executemany("INSERT INTO windows VALUES (?, ?, ?, ?)", ((first + i, number, i, b) for i, b in enumerate(blobs)))
                ids = np.repeat(np.arange(first, first + len(blobs), dtype=np.int64), keys.shape[1])
                rows.extend(zip(keys.reshape(-1).tolist(), ids.tolist(), strict=True))
                outcome.append("replaced" if old is not None else "added")
            # Sorted, the rows of a batch land on neighbouring B-tree pages:
            # far fewer pages written than in arrival order.
            rows.sort()
            conn.executemany("INSERT OR IGNORE INTO buckets VALUES (?, ?)", rows)
        return outcome

    def _delete(self, number: int) -> None:
        """Delete a document and the bucket entries its stored keys made (in a write transaction)."""
        conn = self.conn
        first, count, blob = conn.execute("SELECT first_window, windows, keys FROM documents WHERE number = ?", (number,)).fetchone()
        try:
            keys = unpack_keys(blob, count)
        except IndexDamaged:  # its keys are lost: find its entries the slow way, reading every bucket
            conn.execute("DELETE FROM buckets WHERE win BETWEEN ? AND ?", (first, first + count - 1))
        else:
            ids = np.repeat(np.arange(first, first + count, dtype=np.int64), keys.shape[1])
            conn.executemany("DELETE FROM buckets WHERE key = ? AND win = ?", zip(keys.reshape(-1).tolist(), ids.tolist(), strict=True))
        conn.execute("DELETE FROM windows WHERE id BETWEEN ? AND ?", (first, first + count - 1))
        conn.execute("DELETE FROM documents WHERE number = ?", (number,))

    def remove(self, doc_id: str) -> bool:
        if not self._ready:
            return False
        with self._write(f"cannot remove {doc_id!r}") as conn:
            old = conn.execute("SELECT number FROM documents WHERE id = ?", (doc_id,)).fetchone()
            if old is not None:
                self._delete(old[0])
        return old is not None

    def lookup(self, keys: np.ndarray, limit: int) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        if not self._ready or not keys.size:
            return out
        # row_number() caps a huge bucket (a stock phrase) inside SQLite, so
        # that only `limit` of its rows cross into Python.
        rows = self._query(
            "SELECT key, win FROM (SELECT key, win, row_number() OVER (PARTITION BY key ORDER BY win) AS n "
            "FROM buckets WHERE key IN (SELECT value FROM json_each(?))) WHERE n <= ?",
            (json.dumps(sorted(set(keys.reshape(-1).tolist()))), limit),
        )
        for key, win in rows:
            out.setdefault(key, []).append(win)
        return out

    def windows(self, ids: Sequence[int], num_perm: int) -> tuple[list[str], np.ndarray, np.ndarray]:
        if not len(ids):
            return [], np.zeros(0, dtype=np.int64), np.zeros((0, num_perm), dtype=np.uint32)
        rows = self._query(
            "SELECT w.id, d.id, w.window, w.sig FROM windows w JOIN documents d ON d.number = w.doc "
            "WHERE w.id IN (SELECT value FROM json_each(?))",
            (json.dumps([int(i) for i in ids]),),
        )
        by_id = {r[0]: r for r in rows}
        found = [by_id[int(i)] for i in ids if int(i) in by_id]
        if len(found) != len(ids):
            raise IndexDamaged(f"{self.url}: a bucket names a window that is not there: the index is damaged; rebuild it")
        return [r[1] for r in found], np.array([r[2] for r in found], dtype=np.int64), _signatures(self.url, [r[3] for r in found], num_perm)

    def documents(self, ids: Iterable[str]) -> list[Document]:
        wanted = list(ids)
        if not self._ready or not wanted:
            return []
        rows = self._query("SELECT id, record, text FROM documents WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(wanted),))
        by_id = {r[0]: self._entry(r[0], r[1]).document(_unpack(r[2], self.url, r[0])) for r in rows}
        return [by_id[i] for i in wanted if i in by_id]

    def size(self) -> dict[str, int]:
        if not self._ready:
            return {"documents": 0, "windows": 0, "bytes": 0}
        documents, windows = self._query("SELECT count(*), coalesce(sum(windows), 0) FROM documents")[0]
        on_disk = sum(os.path.getsize(p) for p in (self.path, self.path + "-wal") if os.path.exists(p))
        return {"documents": documents, "windows": windows, "bytes": on_disk}

    def verify(self, keys_of: KeysOf, num_perm: int) -> list[str]:
        found = _Problems([], {})
        try:
            for (line,) in self._query("PRAGMA integrity_check(100)"):
                if line != "ok":
                    found.add("SQLite integrity problems", f"SQLite: {line}")
        except StoreError as e:
            found.add("SQLite", str(e).removeprefix(f"{self.url}: "))
        if not self._ready:
            return found.done()
        expected_ids: list[np.ndarray] = []
        expected_counts: list[np.ndarray] = []
        expected_sums: list[np.ndarray] = []
        total = 0
        try:
            docs = self._query("SELECT number, id, hash, record, first_window, windows, keys FROM documents ORDER BY number")
        except StoreError as e:
            found.add("unreadable tables", f"documents: {str(e).removeprefix(f'{self.url}: ')}")
            docs = []
        for number, doc_id, hash_, raw, first, count, blob in docs:
            try:
                record = self._entry(doc_id, raw)
                if record.id != doc_id or record.hash != hash_ or record.windows != count:
                    raise IndexDamaged(f"document {doc_id!r}: its record disagrees with its row")
                (text,) = self._query("SELECT text FROM documents WHERE number = ?", (number,))[0]
                _unpack(text, self.url, doc_id)
                rows = self._query("SELECT id, doc, window, sig FROM windows WHERE id BETWEEN ? AND ? ORDER BY id", (first, first + count - 1))
                if [(r[0], r[1], r[2]) for r in rows] != [(first + i, number, i) for i in range(count)]:
                    raise IndexDamaged(f"document {doc_id!r}: {count} windows expected, {len(rows)} found in their place")
                keys = unpack_keys(blob, count)
                if count and not np.array_equal(keys, keys_of(_signatures(self.url, [r[3] for r in rows], num_perm))):
                    found.add("stale band keys", _STALE_KEYS.format(doc_id=doc_id))  # its bucket rows are still its stored keys'
            except StoreError as e:
                found.add("damaged documents", str(e).removeprefix(f"{self.url}: "))
                continue
            counts, sums = _bucket_counts(keys)
            expected_ids.append(np.arange(first, first + count, dtype=np.int64))
            expected_counts.append(counts)
            expected_sums.append(sums)
            total += count
        try:
            (orphans,) = self._query("SELECT count(*) FROM windows WHERE doc NOT IN (SELECT number FROM documents)")[0]
            if orphans:
                found.add("orphan windows", f"{orphans} windows belong to no document")
            got = np.array(self._query("SELECT win, count(*), sum(key) FROM buckets GROUP BY win ORDER BY win"), dtype=np.int64).reshape(-1, 3)
        except StoreError as e:
            found.add("unreadable tables", f"windows or buckets: {str(e).removeprefix(f'{self.url}: ')}")
            return found.done()
        _compare_buckets(found, got, expected_ids, expected_counts, expected_sums)
        return found.done()


def _compare_buckets(found: _Problems, got: np.ndarray, ids: list[np.ndarray], counts: list[np.ndarray], sums: list[np.ndarray]) -> None:
    """Bucket entries per window (``got``: window, entries, sum of keys) against what the stored keys say."""
    want = np.stack([np.concatenate(ids), np.concatenate(counts), np.concatenate(sums)], axis=1) if ids else np.zeros((0, 3), np.int64)
    want = want[np.argsort(want[:, 0])]
    orphan = ~np.isin(got[:, 0], want[:, 0])
    if orphan.any():
        found.add("orphan bucket entries", f"{int(got[orphan, 1].sum())} bucket entries name {int(orphan.sum())} windows no document owns")
    got = got[~orphan]
    row = np.searchsorted(got[:, 0], want[:, 0])
    present = (row < len(got)) & (got[np.minimum(row, max(len(got) - 1, 0)), 0] == want[:, 0]) if len(got) else np.zeros(len(want), bool)
    if (~present & (want[:, 1] > 0)).any():
        found.add("windows without bands", f"{int((~present & (want[:, 1] > 0)).sum())} windows have no bucket entries (their bands are missing)")
    both = got[row[present]]
    wrong = (both[:, 1] != want[present, 1]) | (both[:, 2] != want[present, 2])
    if wrong.any():
        found.add("windows with wrong bands", f"{int(wrong.sum())} windows miss some of their bucket entries or have others")


def _signatures(url: str, blobs: Sequence[bytes], num_perm: int) -> np.ndarray:
    try:
        return deserialize_signatures(blobs, num_perm)
    except IndexDamaged as e:
        raise IndexDamaged(f"{url}: {e}") from e


def _unpack(blob: bytes, url: str, doc_id: str) -> str:
    try:
        return zlib.decompress(blob).decode("utf-8", "surrogatepass")
    except (zlib.error, UnicodeDecodeError, TypeError) as e:
        raise IndexDamaged(f"{url}: the stored text of document {doc_id!r} cannot be decompressed ({e}): the index is damaged; rebuild it") from e


def _damaged_entry(url: str, doc_id: str, e: BaseException) -> IndexDamaged:
    return IndexDamaged(
        f"{url}: the index entry of document {doc_id!r} is damaged ({_reason(e)}); "
        f"remove the document (`provenance index remove`) and add it again, or rebuild the index"
    )


# --------------------------------------------------------------------------- Redis

_WINDOW_BITS = 24  # window number = document number << 24 | position in the document
_NAMES = ("meta", "next_doc", "docs", "text", "numbers", "sigs", "keys")
_BUCKET = "b:"


class RedisStore(Store):
    """An index in a Redis database, shared by many machines.

    Keys live under ``prefix`` (``provenance:`` unless the URL says
    ``?prefix=``), all written by this class:

    * ``meta`` (hash: format, settings) and ``next_doc`` (document number counter);
    * ``docs`` (hash: id → JSON ``{"number", "record"}``), ``text`` (id →
      zlib text), ``numbers`` (number → id);
    * ``sigs`` (hash: window number → LeanMinHash bytes) and ``keys``
      (document number → its windows' band keys, ``pack_keys``);
    * ``b:<key>`` (set of window numbers): one LSH bucket per band key, 6
      little-endian bytes after the ``b:``. Redis deletes a set with its last
      member, so a removed document leaves no bucket behind.
    """

    def __init__(self, url: str, *, create: bool) -> None:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        parts = urlsplit(url)
        self.url = urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1]))
        query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
        self.prefix = query.pop("prefix", "provenance") + ":"
        clean = urlunsplit(parts._replace(query="&".join(f"{k}={v}" for k, v in query.items())))
        self._errors: tuple[type[BaseException], ...] = (redis.exceptions.RedisError, OSError)
        try:
            params: dict[str, Any] = dict(redis.connection.parse_url(clean))
        except ValueError as e:
            raise StoreError(f"{self.url}: bad Redis URL: {e}") from e
        params.update(socket_connect_timeout=5, socket_timeout=30)
        # Fail at once: redis-py's default retries with backoff make a down
        # server or a refused password take seconds to report.
        self._r = redis.Redis(**params, retry=Retry(NoBackoff(), 0))
        try:
            self._open(create)
        except BaseException:
            self.close()
            raise

    def _open(self, create: bool) -> None:
        import redis

        try:
            self._r.ping()
            kind = self._r.type(self._k("meta"))
            meta = self._r.hgetall(self._k("meta")) if kind == b"hash" else {}
        except redis.exceptions.AuthenticationError as e:
            raise StoreError(f"{self.url}: the Redis server refused the password ({e}); check the password in --db") from e
        except redis.exceptions.ResponseError as e:
            if "NOAUTH" in str(e) or "WRONGPASS" in str(e):
                raise StoreError(f"{self.url}: the Redis server refused the password ({e}); check the password in --db") from e
            raise StoreError(f"{self.url}: {e}") from e
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError) as e:
            raise StoreError(f"{self.url}: cannot reach the Redis server ({e}); is it running?") from e
        if kind not in (b"none", b"hash") or (meta and not meta.get(b"format", b"").startswith(b"provenance-index/")):
            raise StoreError(f"{self.url}: not a provenance index (key {self._k('meta')} holds something else); use another ?prefix= or database number")
        if meta and meta[b"format"] != FORMAT.encode():
            raise StoreError(f"{self.url}: index format {meta[b'format'].decode(errors='replace')!r}, this version reads {FORMAT!r}; rebuild the index")
        if not meta and not create:
            raise StoreError(f"{self.url}: no index there; create one with `provenance index add PATH --db {self.url}`")

    def _k(self, name: str) -> str:
        return self.prefix + name

    def _bucket(self, key: int) -> bytes:
        return self.prefix.encode() + _BUCKET.encode() + int(key).to_bytes(8, "little")[:KEY_BYTES]

    def _call(self, what: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except self._errors as e:
            raise StoreError(f"{self.url}: {what}: {e}") from e

    def close(self) -> None:
        self._r.close()
        self._r.connection_pool.disconnect()  # older redis-py (5.0.0) leaves the pool's sockets open on close()

    def _entry(self, doc_id: str, raw: bytes) -> tuple[int, DocumentRecord]:
        """A ``docs`` entry: the document's number and record."""
        try:
            data = json.loads(raw.decode("utf-8", "surrogatepass"))
            number = data["number"]
            if not isinstance(number, int) or number <= 0:
                raise ValueError(f"document number {number!r}")
            return number, DocumentRecord.from_dict(data["record"])
        except _ENTRY_ERRORS as e:
            raise _damaged_entry(self.url, doc_id, e) from e

    def read_settings(self) -> dict[str, Any] | None:
        raw = self._call("cannot read the settings", lambda: self._r.hget(self._k("meta"), "settings"))
        try:
            return json.loads(raw) if raw else None
        except ValueError as e:
            raise IndexDamaged(f"{self.url}: the stored settings are damaged ({_reason(e)}); rebuild the index") from e

    def write_settings(self, settings: dict[str, Any]) -> None:
        def write() -> None:
            pipe = self._r.pipeline(transaction=True)
            pipe.hsetnx(self._k("meta"), "format", FORMAT)
            pipe.hsetnx(self._k("meta"), "settings", _dumps(settings))
            pipe.execute()

        self._call("cannot create the index", write)

    def record(self, doc_id: str) -> DocumentRecord | None:
        raw = self._call("cannot read", lambda: self._r.hget(self._k("docs"), doc_id))
        return self._entry(doc_id, raw)[1] if raw else None

    def records(self) -> list[DocumentRecord]:
        raw = self._call("cannot read", lambda: self._r.hgetall(self._k("docs")))
        entries = [self._entry(k.decode("utf-8", "surrogatepass"), v)[1] for k, v in raw.items()]
        return sorted(entries, key=lambda r: r.id)

    def put_many(self, entries: Sequence[Entry], seed: int) -> list[str]:
        return [self._put(record, text, sigs, keys, seed) for record, text, sigs, keys in entries]

    def _put(self, record: DocumentRecord, text: str, sigs: np.ndarray, keys: np.ndarray, seed: int) -> str:
        import redis

        blobs = serialize_signatures(sigs, seed)
        packed = zlib.compress(text.encode("utf-8", "surrogatepass"), 6)
        packed_keys = pack_keys(keys)

        def write() -> str:
            with self._r.pipeline(transaction=True) as pipe:
                while True:  # optimistic: retry when another writer changed this document meanwhile
                    try:
                        pipe.watch(self._k("docs"))
                        old = self._old(pipe, record.id)
                        if old is not None and old[1] is not None and old[1].hash == record.hash:
                            pipe.reset()
                            return "unchanged"
                        number = int(pipe.incr(self._k("next_doc")))
                        pipe.multi()
                        if old is not None:
                            self._queue_delete(pipe, record.id, *old)
                        base = number << _WINDOW_BITS
                        pipe.hset(self._k("docs"), record.id, _dumps({"number": number, "record": record.to_dict()}))
                        pipe.hset(self._k("text"), record.id, packed)
                        pipe.hset(self._k("numbers"), number, record.id)
                        pipe.hset(self._k("keys"), number, packed_keys)
                        if blobs:
                            pipe.hset(self._k("sigs"), mapping={base | i: b for i, b in enumerate(blobs)})
                        for i, row in enumerate(keys.tolist()):
                            for key in row:
                                pipe.sadd(self._bucket(key), base | i)
                        pipe.execute()
                        return "replaced" if old is not None else "added"
                    except redis.exceptions.WatchError:
                        continue

        return str(self._call(f"cannot add {record.id!r}", write))

    def _old(self, r: Any, doc_id: str) -> tuple[int | None, DocumentRecord | None, np.ndarray | None] | None:
        """A stored document's number, record and band keys (None if absent).

        Of a document whose entry is damaged, what can still be found (None
        for the rest), so that it can be removed or replaced."""
        raw = r.hget(self._k("docs"), doc_id)
        if raw is None:
            return None
        try:
            number, record = self._entry(doc_id, raw)
        except IndexDamaged:
            wanted = doc_id.encode("utf-8", "surrogatepass")
            number = next((int(n) for n, v in r.hgetall(self._k("numbers")).items() if v == wanted), None)
            record = None
        blob = r.hget(self._k("keys"), number) if number is not None else None
        keys = None
        if blob is not None:
            bands = (self.read_settings() or {}).get("bands", 0)
            windows = record.windows if record is not None else len(blob) // max(1, bands * KEY_BYTES)
            try:
                keys = unpack_keys(blob, windows)
            except IndexDamaged:
                keys = None
        return number, record, keys

    def _queue_delete(self, pipe: Any, doc_id: str, number: int | None, record: DocumentRecord | None, keys: np.ndarray | None) -> None:
        """Delete a document and what it owns; of a damaged one, what could be found."""
        if number is not None:
            base = number << _WINDOW_BITS
            for i, row in enumerate(keys.tolist() if keys is not None else ()):
                for key in row:
                    pipe.srem(self._bucket(key), base | i)
            windows = record.windows if record is not None else len(keys) if keys is not None else 0
            if windows:
                pipe.hdel(self._k("sigs"), *[base | i for i in range(windows)])
            pipe.hdel(self._k("keys"), number)
            pipe.hdel(self._k("numbers"), number)
        pipe.hdel(self._k("docs"), doc_id)
        pipe.hdel(self._k("text"), doc_id)

    def remove(self, doc_id: str) -> bool:
        import redis

        def delete() -> bool:
            with self._r.pipeline(transaction=True) as pipe:
                while True:
                    try:
                        pipe.watch(self._k("docs"))
                        old = self._old(pipe, doc_id)
                        if old is None:
                            pipe.reset()
                            return False
                        pipe.multi()
                        self._queue_delete(pipe, doc_id, *old)
                        pipe.execute()
                        return True
                    except redis.exceptions.WatchError:
                        continue

        return bool(self._call(f"cannot remove {doc_id!r}", delete))

    def lookup(self, keys: np.ndarray, limit: int) -> dict[int, list[int]]:
        if not keys.size:
            return {}
        wanted = sorted(set(keys.reshape(-1).tolist()))

        def read() -> list[Any]:
            pipe = self._r.pipeline(transaction=False)  # one round trip for every bucket
            for key in wanted:
                pipe.smembers(self._bucket(key))
            return list(pipe.execute())

        found = self._call("cannot read the buckets", read)
        return {key: sorted(int(m) for m in members)[:limit] for key, members in zip(wanted, found, strict=True) if members}

    def windows(self, ids: Sequence[int], num_perm: int) -> tuple[list[str], np.ndarray, np.ndarray]:
        if not len(ids):
            return [], np.zeros(0, dtype=np.int64), np.zeros((0, num_perm), dtype=np.uint32)
        blobs = self._call("cannot read signatures", lambda: self._r.hmget(self._k("sigs"), [int(i) for i in ids]))
        numbers = sorted({int(i) >> _WINDOW_BITS for i in ids})
        names = self._doc_names(numbers)
        if any(b is None for b in blobs) or any(n not in names for n in numbers):
            raise IndexDamaged(f"{self.url}: a bucket names a window that is not there: the index is damaged; rebuild it")
        doc_ids = [names[int(i) >> _WINDOW_BITS] for i in ids]
        positions = np.array([int(i) & ((1 << _WINDOW_BITS) - 1) for i in ids], dtype=np.int64)
        return doc_ids, positions, _signatures(self.url, blobs, num_perm)

    def _doc_names(self, numbers: list[int]) -> dict[int, str]:
        raw = self._call("cannot read", lambda: self._r.hmget(self._k("numbers"), numbers))
        return {n: r.decode("utf-8", "surrogatepass") for n, r in zip(numbers, raw, strict=True) if r is not None}

    def documents(self, ids: Iterable[str]) -> list[Document]:
        wanted = list(ids)
        if not wanted:
            return []

        def read() -> tuple[list[Any], list[Any]]:
            pipe = self._r.pipeline(transaction=True)
            pipe.hmget(self._k("docs"), wanted)
            pipe.hmget(self._k("text"), wanted)
            docs, texts = pipe.execute()
            return docs, texts

        entries, texts = self._call("cannot read documents", read)
        return [
            self._entry(doc_id, e)[1].document(_unpack(t, self.url, doc_id))
            for doc_id, e, t in zip(wanted, entries, texts, strict=True)
            if e is not None and t is not None
        ]

    def _own_keys(self) -> Iterator[list[bytes]]:
        """This index's keys, in batches: ``SCAN`` under the prefix, keeping
        only names this class writes (another index's prefix may start with ours)."""
        prefix = self.prefix.encode()
        pattern = b"".join(b"\\" + bytes([c]) if bytes([c]) in b"*?[]\\" else bytes([c]) for c in prefix) + b"*"
        names = {self._k(n).encode() for n in _NAMES}
        bucket = prefix + _BUCKET.encode()
        cursor = 0
        while True:
            cursor, batch = self._r.scan(cursor, match=pattern, count=1000)
            mine = [k for k in batch if k in names or (k.startswith(bucket) and len(k) == len(bucket) + KEY_BYTES)]
            if mine:
                yield mine
            if cursor == 0:
                return

    def size(self) -> dict[str, int]:
        # Memory: MEMORY USAGE of every key of this index (not the server's
        # used_memory, which counts every other database and index too).
        def read() -> dict[str, int]:
            pipe = self._r.pipeline(transaction=False)
            pipe.hlen(self._k("docs"))
            pipe.hlen(self._k("sigs"))
            documents, windows = pipe.execute()
            used = 0
            for batch in self._own_keys():
                pipe = self._r.pipeline(transaction=False)
                for key in batch:
                    pipe.memory_usage(key, samples=0)
                used += sum(int(n or 0) for n in pipe.execute())
            return {"documents": int(documents), "windows": int(windows), "bytes": used}

        return dict(self._call("cannot read", read))

    def verify(self, keys_of: KeysOf, num_perm: int) -> list[str]:
        return list(self._call("cannot read", lambda: self._verify(keys_of, num_perm)))

    def _verify(self, keys_of: KeysOf, num_perm: int) -> list[str]:
        found = _Problems([], {})
        r = self._r
        entries = r.hgetall(self._k("docs"))
        numbers = {int(n): v.decode("utf-8", "surrogatepass") for n, v in r.hgetall(self._k("numbers")).items()}
        owned: set[int] = set()
        docs: dict[int, tuple[str, DocumentRecord]] = {}
        for raw_id, raw in sorted(entries.items()):
            doc_id = raw_id.decode("utf-8", "surrogatepass")
            try:
                number, record = self._entry(doc_id, raw)
                if record.id != doc_id or numbers.get(number) != doc_id:
                    raise IndexDamaged(f"document {doc_id!r}: its entry disagrees with the number → id table")
            except StoreError as e:
                found.add("damaged documents", str(e).removeprefix(f"{self.url}: "))
                continue
            docs[number] = (doc_id, record)
        for n, doc_id in sorted(numbers.items()):
            if n not in docs and doc_id.encode("utf-8", "surrogatepass") not in entries:
                found.add("orphan numbers", f"document number {n} names {doc_id!r}, which the index does not hold")
        texts = set(r.hkeys(self._k("text")))
        for t in sorted(texts - set(entries)):
            found.add("orphan texts", f"a stored text belongs to no document ({t.decode('utf-8', 'replace')!r})")
        for number, (doc_id, record) in sorted(docs.items()):
            base = number << _WINDOW_BITS
            ids = [base | i for i in range(record.windows)]
            try:
                pipe = r.pipeline(transaction=False)
                pipe.hget(self._k("text"), doc_id)
                pipe.hget(self._k("keys"), number)
                text, blob = pipe.execute()
                blobs = r.hmget(self._k("sigs"), ids) if ids else []
                if text is None:
                    raise IndexDamaged(f"document {doc_id!r}: its text is missing")
                _unpack(text, self.url, doc_id)
                keys = unpack_keys(blob if blob is not None else b"?", record.windows)
                if not ids:
                    continue
                if any(b is None for b in blobs):
                    raise IndexDamaged(f"document {doc_id!r}: {sum(b is None for b in blobs)} of its {len(ids)} window signatures are missing")
                if not np.array_equal(keys, keys_of(_signatures(self.url, blobs, num_perm))):
                    found.add("stale band keys", _STALE_KEYS.format(doc_id=doc_id))
            except StoreError as e:
                found.add("damaged documents", str(e).removeprefix(f"{self.url}: "))
                continue
            owned.update(ids)
            pipe = r.pipeline(transaction=False)
            for i, row in enumerate(keys.tolist()):
                for key in row:
                    pipe.sismember(self._bucket(key), base | i)
            missing = sum(not bool(x) for x in pipe.execute())
            if missing:
                found.add("windows without bands", f"document {doc_id!r}: {missing} bucket entries of its windows are missing")
        stray_sigs = [int(f) for f, _ in r.hscan_iter(self._k("sigs")) if int(f) >> _WINDOW_BITS not in docs]
        if stray_sigs:
            found.add("orphan windows", f"{len(stray_sigs)} window signatures belong to no document")
        stray_keys = [int(f) for f in r.hkeys(self._k("keys")) if int(f) not in docs]
        if stray_keys:
            found.add("orphan windows", f"band keys of {len(stray_keys)} document numbers belong to no document")
        bucket = (self.prefix + _BUCKET).encode()
        stray = 0
        for batch in self._own_keys():
            sets = [k for k in batch if k.startswith(bucket)]
            pipe = r.pipeline(transaction=False)
            for key in sets:
                pipe.smembers(key)
            stray += sum(int(m) not in owned for members in pipe.execute() for m in members)
        if stray:
            found.add("orphan bucket entries", f"{stray} bucket entries name windows no document owns")
        return found.done()


__all__ = ["FORMAT", "SCHEME", "DocumentRecord", "RedisStore", "SQLiteStore", "Store", "open_store"]
