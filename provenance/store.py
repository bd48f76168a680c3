"""Store: persistence of an index behind one interface, chosen by the ``--db`` URL.

``open_store(url)`` returns a backend:

* ``SQLiteStore`` for a path or ``sqlite:///path`` (the embedded default): one
  file in WAL mode, every document added in one transaction, so that
  concurrent writers wait for each other and a killed process leaves every
  document whose add had committed;
* ``RedisStore`` for ``redis://[:password@]host:port/N``: the same index in
  Redis, its LSH band tables in datasketch's own ``RedisSetStorage`` layout,
  every document added in one MULTI/EXEC transaction.

What a store holds, per document: its metadata (id, url, title, date, site,
credits), a content hash, its extracted text compressed with zlib, and its
*passages*: the fingerprinted windows, each with its MinHash signature
serialised as ``LeanMinHash.serialize(buf, byteorder="<")`` (``SIG_FORMAT``,
never pickle) and its key in every LSH band. A query reads only the buckets
of the keys it asks for.

A store knows nothing about fingerprints: ``provenance.index`` computes the
band keys (``keys_of``) and checks the settings stored with ``write_settings``.
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
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import numpy as np

from provenance.errors import StoreError
from provenance.fingerprint import SCHEME
from provenance.models import Credit, Document

FORMAT = "provenance-index/1"
"""The layout version written into every store; other values are refused."""

SIG_FORMAT = "<qiB{n}I"
"""``struct`` layout of a serialised signature: datasketch's ``LeanMinHash``
affine format in little-endian order (seed, -num_perm, scheme code 1, values)."""

_SCHEME_CODE = 1  # datasketch's code for "affine32"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_CACHE_KIB = 256 * 1024  # SQLite page cache per connection (an upper bound, allocated as used)
_BUSY_TIMEOUT_S = 120.0  # writers wait this long for each other's transactions

Entry = tuple["DocumentRecord", str, np.ndarray, np.ndarray]
"""What ``put_many`` takes per document: record, text, ``(n, num_perm)`` signatures, ``(n, bands)`` keys."""

KeysOf = Callable[[np.ndarray], np.ndarray]
"""``keys_of(sigs)``: the ``(n, bands)`` int64 LSH keys of ``(n, num_perm)`` signatures."""


@dataclass(frozen=True)
class DocumentRecord:
    """What the index keeps about a document besides its text and passages."""

    id: str
    hash: str
    chars: int
    words: int
    passages: int
    url: str | None = None
    title: str | None = None
    date: str | None = None
    date_source: str | None = None
    site: str | None = None
    credits: tuple[Credit, ...] = ()

    def to_json(self) -> str:
        data = asdict(self)
        data["credits"] = [_credit_list(c) for c in self.credits]
        return json.dumps(data, sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | bytes) -> DocumentRecord:
        data = json.loads(raw)
        data["credits"] = tuple(_credit_from(c) for c in data.get("credits", ()))
        return cls(**data)

    def document(self, text: str) -> Document:
        """The ``Document`` this record describes, with its text."""
        return Document(
            self.id, text, self.id, url=self.url, title=self.title, date=self.date, site=self.site,
            date_source=self.date_source, credits=self.credits,
        )


def _credit_list(c: Credit) -> list[Any]:
    return [c.url, c.name, c.cue, c.start, c.end, list(c.scope)]


def _credit_from(raw: list[Any]) -> Credit:
    url, name, cue, start, end, scope = raw
    return Credit(url, name, cue, int(start), int(end), (int(scope[0]), int(scope[1])))


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
        StoreError: a blob is not an affine32 signature of ``num_perm`` values.
    """
    size = struct.calcsize(SIG_FORMAT.format(n=num_perm))
    if any(len(b) != size for b in blobs):
        raise StoreError(f"a stored signature is not {size} bytes: the index is damaged; rebuild it")
    if not blobs:
        return np.zeros((0, num_perm), dtype=np.uint32)
    raw = np.frombuffer(b"".join(blobs), dtype=np.uint8).reshape(len(blobs), size)
    return raw[:, 13:].copy().view("<u4").astype(np.uint32).reshape(len(blobs), num_perm)


class Store(ABC):
    """One index's storage. Methods raise ``StoreError`` for any backend failure."""

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

    @abstractmethod
    def put(self, record: DocumentRecord, text: str, sigs: np.ndarray, keys: np.ndarray, seed: int, keys_of: KeysOf) -> str:
        """Add or replace one document atomically: 'added', 'replaced' or
        'unchanged' (same content hash: nothing written)."""

    def put_many(self, entries: Sequence[Entry], seed: int, keys_of: KeysOf) -> list[str]:
        """``put`` for several documents; a backend may write them in one
        transaction (all or none), which makes bulk builds much faster."""
        return [self.put(record, text, sigs, keys, seed, keys_of) for record, text, sigs, keys in entries]

    @abstractmethod
    def remove(self, doc_id: str, keys_of: KeysOf, num_perm: int) -> bool:
        """Remove one document and its passages; False when it is absent."""

    @abstractmethod
    def lookup(self, keys: np.ndarray, limit: int) -> dict[int, list[int]]:
        """Passage numbers in the bucket of each of the ``(n, bands)`` keys,
        ascending, at most ``limit`` per key (keys are mixed with their band,
        so one key never names buckets of two bands)."""

    @abstractmethod
    def passages(self, ids: Sequence[int], num_perm: int) -> tuple[list[str], np.ndarray, np.ndarray]:
        """For passage numbers: their document ids, window numbers and signatures."""

    @abstractmethod
    def documents(self, ids: Iterable[str]) -> list[Document]:
        """Documents with their text, in the order asked (absent ids are left out)."""

    @abstractmethod
    def size(self) -> dict[str, int]:
        """``documents``, ``passages`` and ``bytes`` (on disk, or the server's memory)."""

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
    first_passage INTEGER NOT NULL,
    passages INTEGER NOT NULL,
    text BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS passages (id INTEGER PRIMARY KEY, doc INTEGER NOT NULL, window INTEGER NOT NULL, sig BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS buckets (key INTEGER NOT NULL, passage INTEGER NOT NULL, PRIMARY KEY (key, passage)) WITHOUT ROWID;
"""
_TABLES = {"meta", "documents", "passages", "buckets"}


class SQLiteStore(Store):
    """An index in one SQLite file (WAL mode; one transaction per document)."""

    def __init__(self, path: str, *, create: bool, url: str | None = None) -> None:
        self.path = path
        self.url = url or path
        self._conn: sqlite3.Connection | None = None
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
        elif not p.parent.exists():
            raise StoreError(f"{self.url}: folder {p.parent} does not exist")
        try:
            self._conn = sqlite3.connect(path, timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
            tables = {row[0] for row in self._conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as e:
            self.close()
            raise StoreError(f"{self.url}: not a provenance index ({e}); give another --db path") from e
        if tables and not tables >= _TABLES:
            self.close()
            raise StoreError(f"{self.url}: not a provenance index (a SQLite file with other tables: {', '.join(sorted(tables)[:5])}); give another --db path")
        self._ready = bool(tables)
        if self._ready:
            self._check_format()
        self._tune()  # before any table is made: a new index is WAL from its first write

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"{self.url}: the index is closed")
        return self._conn

    def _check_format(self) -> None:
        row = self._query("SELECT value FROM meta WHERE key = 'format'").fetchone()
        if row is not None and row[0] != FORMAT:
            raise StoreError(f"{self.url}: index format {row[0]!r}, this version reads {FORMAT!r}; rebuild the index")

    def _tune(self) -> None:
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
                    raise StoreError(f"{self.url}: {e}") from e
                time.sleep(0.05)
        self._exec("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: a killed process loses nothing committed
        self._exec(f"PRAGMA cache_size = -{_CACHE_KIB}")  # bulk adds rewrite many B-tree pages per transaction

    def _exec(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        try:
            return self.conn.execute(sql, params)
        except sqlite3.Error as e:
            raise StoreError(f"{self.url}: {e}") from e

    _query = _exec

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed whole, or rolled back on any error."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def read_settings(self) -> dict[str, Any] | None:
        if not self._ready:
            return None
        row = self._query("SELECT value FROM meta WHERE key = 'settings'").fetchone()
        return json.loads(row[0]) if row else None

    def write_settings(self, settings: dict[str, Any]) -> None:
        try:
            with self._write() as conn:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute("INSERT OR IGNORE INTO meta VALUES ('format', ?)", (FORMAT,))
                conn.execute("INSERT OR IGNORE INTO meta VALUES ('settings', ?)", (json.dumps(settings, sort_keys=True),))
        except sqlite3.Error as e:
            raise StoreError(f"{self.url}: cannot create the index: {e}") from e
        self._ready = True

    def record(self, doc_id: str) -> DocumentRecord | None:
        if not self._ready:
            return None
        row = self._query("SELECT record FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return DocumentRecord.from_json(row[0]) if row else None

    def records(self) -> list[DocumentRecord]:
        if not self._ready:
            return []
        return [DocumentRecord.from_json(r[0]) for r in self._query("SELECT record FROM documents ORDER BY id")]

    def put(self, record: DocumentRecord, text: str, sigs: np.ndarray, keys: np.ndarray, seed: int, keys_of: KeysOf) -> str:
        return self.put_many([(record, text, sigs, keys)], seed, keys_of)[0]

    def put_many(self, entries: Sequence[Entry], seed: int, keys_of: KeysOf) -> list[str]:
        outcome: list[str] = []
        rows: list[tuple[int, int]] = []
        try:
            with self._write() as conn:
                for record, text, sigs, keys in entries:
                    old = conn.execute("SELECT number, hash, first_passage, passages FROM documents WHERE id = ?", (record.id,)).fetchone()
                    if old is not None and old[1] == record.hash:
                        outcome.append("unchanged")
                        continue
                    if old is not None:
                        self._delete(old[0], old[2], old[3], keys_of, sigs.shape[1])
                    blobs = serialize_signatures(sigs, seed)
                    packed = zlib.compress(text.encode("utf-8", "surrogatepass"), 6)
                    first = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM passages").fetchone()[0]
                    number = conn.execute(
                        "INSERT INTO documents (id, hash, record, first_passage, passages, text) VALUES (?, ?, ?, ?, ?, ?)",
                        (record.id, record.hash, record.to_json(), first, len(blobs), packed),
                    ).lastrowid
                    conn.executemany("INSERT INTO passages VALUES (?, ?, ?, ?)", ((first + i, number, i, b) for i, b in enumerate(blobs)))
                    ids = np.repeat(np.arange(first, first + len(blobs), dtype=np.int64), keys.shape[1])
                    rows.extend(zip(keys.reshape(-1).tolist(), ids.tolist(), strict=True))
                    outcome.append("replaced" if old is not None else "added")
                # Sorted, the rows of a batch land on neighbouring B-tree pages:
                # far fewer pages written than in arrival order.
                rows.sort()
                conn.executemany("INSERT OR IGNORE INTO buckets VALUES (?, ?)", rows)
        except sqlite3.Error as e:
            names = ", ".join(r.id for r, *_ in entries[:3]) + (" …" if len(entries) > 3 else "")
            raise StoreError(f"{self.url}: cannot add {names}: {e}") from e
        return outcome

    def _delete(self, number: int, first: int, count: int, keys_of: KeysOf, num_perm: int) -> None:
        conn = self.conn
        blobs = [r[0] for r in conn.execute("SELECT sig FROM passages WHERE id BETWEEN ? AND ? ORDER BY id", (first, first + count - 1))]
        if blobs:
            keys = keys_of(deserialize_signatures(blobs, num_perm))
            ids = np.repeat(np.arange(first, first + len(blobs), dtype=np.int64), keys.shape[1])
            conn.executemany("DELETE FROM buckets WHERE key = ? AND passage = ?", zip(keys.reshape(-1).tolist(), ids.tolist(), strict=True))
        conn.execute("DELETE FROM passages WHERE id BETWEEN ? AND ?", (first, first + count - 1))
        conn.execute("DELETE FROM documents WHERE number = ?", (number,))

    def remove(self, doc_id: str, keys_of: KeysOf, num_perm: int) -> bool:
        if not self._ready:
            return False
        try:
            with self._write() as conn:
                old = conn.execute("SELECT number, first_passage, passages FROM documents WHERE id = ?", (doc_id,)).fetchone()
                if old is not None:
                    self._delete(old[0], old[1], old[2], keys_of, num_perm)
        except sqlite3.Error as e:
            raise StoreError(f"{self.url}: cannot remove {doc_id}: {e}") from e
        return old is not None

    def lookup(self, keys: np.ndarray, limit: int) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        if not self._ready or not keys.size:
            return out
        # row_number() caps a huge bucket (a stock phrase) inside SQLite, so
        # that only `limit` of its rows cross into Python.
        rows = self._query(
            "SELECT key, passage FROM (SELECT key, passage, row_number() OVER (PARTITION BY key ORDER BY passage) AS n "
            "FROM buckets WHERE key IN (SELECT value FROM json_each(?))) WHERE n <= ?",
            (json.dumps(sorted(set(keys.reshape(-1).tolist()))), limit),
        )
        for key, passage in rows:
            out.setdefault(key, []).append(passage)
        return out

    def passages(self, ids: Sequence[int], num_perm: int) -> tuple[list[str], np.ndarray, np.ndarray]:
        if not len(ids):
            return [], np.zeros(0, dtype=np.int64), np.zeros((0, num_perm), dtype=np.uint32)
        rows = self._query(
            "SELECT p.id, d.id, p.window, p.sig FROM passages p JOIN documents d ON d.number = p.doc "
            "WHERE p.id IN (SELECT value FROM json_each(?))",
            (json.dumps([int(i) for i in ids]),),
        ).fetchall()
        by_id = {r[0]: r for r in rows}
        found = [by_id[int(i)] for i in ids if int(i) in by_id]
        if len(found) != len(ids):
            raise StoreError(f"{self.url}: a bucket names a passage that is not there: the index is damaged; rebuild it")
        return [r[1] for r in found], np.array([r[2] for r in found], dtype=np.int64), deserialize_signatures([r[3] for r in found], num_perm)

    def documents(self, ids: Iterable[str]) -> list[Document]:
        wanted = list(ids)
        if not self._ready or not wanted:
            return []
        rows = self._query("SELECT id, record, text FROM documents WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(wanted),)).fetchall()
        by_id = {r[0]: DocumentRecord.from_json(r[1]).document(_unpack(r[2], self.url)) for r in rows}
        return [by_id[i] for i in wanted if i in by_id]

    def size(self) -> dict[str, int]:
        if not self._ready:
            return {"documents": 0, "passages": 0, "bytes": 0}
        documents = self._query("SELECT count(*) FROM documents").fetchone()[0]
        passages = self._query("SELECT coalesce(sum(passages), 0) FROM documents").fetchone()[0]
        on_disk = sum(os.path.getsize(p) for p in (self.path, self.path + "-wal") if os.path.exists(p))
        return {"documents": documents, "passages": passages, "bytes": on_disk}


def _unpack(blob: bytes, url: str) -> str:
    try:
        return zlib.decompress(blob).decode("utf-8", "surrogatepass")
    except (zlib.error, UnicodeDecodeError) as e:
        raise StoreError(f"{url}: a stored text cannot be decompressed ({e}): the index is damaged; rebuild it") from e


# --------------------------------------------------------------------------- Redis

_PASSAGE_BITS = 24  # passage number = document number << 24 | window


class RedisStore(Store):
    """An index in a Redis database, shared by many machines.

    Keys live under ``prefix`` (``provenance:`` unless the URL says
    ``?prefix=``): ``meta`` and ``docs`` hashes, ``text`` (zlib) and ``sigs``
    (LeanMinHash bytes by passage number) hashes, and one datasketch
    ``RedisSetStorage`` per LSH band (``bucket_<band>``), as
    ``datasketch.MinHashLSH`` names its tables.
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
            self._params: dict[str, Any] = dict(redis.connection.parse_url(clean))
        except ValueError as e:
            raise StoreError(f"{self.url}: bad Redis URL: {e}") from e
        self._params.update(socket_connect_timeout=5, socket_timeout=30)
        # Fail at once: redis-py's default retries with backoff make a down
        # server or a refused password take seconds to report.
        self._r = redis.Redis(**self._params, retry=Retry(NoBackoff(), 0))
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
        if kind not in (b"none", b"hash") or (meta and meta.get(b"format") != FORMAT.encode()):
            raise StoreError(f"{self.url}: not a provenance index (key {self._k('meta')} holds something else); use another ?prefix= or database number")
        self._meta = meta
        if not meta and not create:
            raise StoreError(f"{self.url}: no index there; create one with `provenance index add PATH --db {self.url}`")
        self._tables: list[Any] = []

    def _k(self, name: str) -> str:
        return self.prefix + name

    def _band_tables(self, bands: int) -> list[Any]:
        from datasketch.storage import unordered_storage

        if len(self._tables) != bands:
            config = {"type": "redis", "redis": {k: v for k, v in self._params.items() if k != "connection_class"}}
            self._tables = [unordered_storage(config, name=self._k(f"bucket_{band}").encode()) for band in range(bands)]
        return self._tables

    def _call(self, what: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except self._errors as e:
            raise StoreError(f"{self.url}: {what}: {e}") from e

    def close(self) -> None:
        self._r.close()

    def read_settings(self) -> dict[str, Any] | None:
        raw = self._call("cannot read the settings", lambda: self._r.hget(self._k("meta"), "settings"))
        return json.loads(raw) if raw else None

    def write_settings(self, settings: dict[str, Any]) -> None:
        def write() -> None:
            pipe = self._r.pipeline(transaction=True)
            pipe.hsetnx(self._k("meta"), "format", FORMAT)
            pipe.hsetnx(self._k("meta"), "settings", json.dumps(settings, sort_keys=True))
            pipe.execute()

        self._call("cannot create the index", write)

    def record(self, doc_id: str) -> DocumentRecord | None:
        raw = self._call("cannot read", lambda: self._r.hget(self._k("docs"), doc_id))
        return DocumentRecord.from_json(json.loads(raw)["record"]) if raw else None

    def records(self) -> list[DocumentRecord]:
        raw = self._call("cannot read", lambda: self._r.hvals(self._k("docs")))
        return sorted((DocumentRecord.from_json(json.loads(r)["record"]) for r in raw), key=lambda r: r.id)

    def put(self, record: DocumentRecord, text: str, sigs: np.ndarray, keys: np.ndarray, seed: int, keys_of: KeysOf) -> str:
        import redis

        blobs = serialize_signatures(sigs, seed)
        packed = zlib.compress(text.encode("utf-8", "surrogatepass"), 6)
        tables = self._band_tables(keys.shape[1])

        def write() -> str:
            number = int(self._r.incr(self._k("next_doc")))
            with self._r.pipeline(transaction=True) as pipe:
                while True:  # optimistic: retry when another writer changed this document meanwhile
                    try:
                        pipe.watch(self._k("docs"))
                        old_raw = pipe.hget(self._k("docs"), record.id)
                        old = json.loads(old_raw) if old_raw else None
                        if old is not None and old["hash"] == record.hash:
                            pipe.reset()
                            return "unchanged"
                        old_blobs = self._old_blobs(pipe, old)
                        pipe.multi()
                        if old is not None:
                            self._queue_delete(pipe, old, old_blobs, keys_of, sigs.shape[1])
                        base = number << _PASSAGE_BITS
                        entry = {"record": record.to_json(), "hash": record.hash, "number": number, "passages": len(blobs)}
                        pipe.hset(self._k("docs"), record.id, json.dumps(entry, sort_keys=True))
                        pipe.hset(self._k("text"), record.id, packed)
                        pipe.hset(self._k("numbers"), number, record.id)
                        if blobs:
                            pipe.hset(self._k("sigs"), mapping={base | i: b for i, b in enumerate(blobs)})
                        for band, table in enumerate(tables):
                            for i, key in enumerate(keys[:, band].tolist()):
                                table._insert(pipe, _key_bytes(key), base | i)  # datasketch's own layout, in our transaction
                        pipe.execute()
                        return "replaced" if old is not None else "added"
                    except redis.exceptions.WatchError:
                        continue

        return str(self._call(f"cannot add {record.id}", write))

    def _old_blobs(self, r: Any, old: dict[str, Any] | None) -> list[bytes]:
        if old is None or not old["passages"]:
            return []
        base = old["number"] << _PASSAGE_BITS
        return list(r.hmget(self._k("sigs"), [base | i for i in range(old["passages"])]))

    def _queue_delete(self, pipe: Any, old: dict[str, Any], blobs: list[bytes], keys_of: KeysOf, num_perm: int) -> None:
        base = old["number"] << _PASSAGE_BITS
        if blobs and all(b is not None for b in blobs):
            keys = keys_of(deserialize_signatures(blobs, num_perm))
            for band, table in enumerate(self._band_tables(keys.shape[1])):
                for i, key in enumerate(keys[:, band].tolist()):
                    pipe.srem(table.redis_key(_key_bytes(key)), base | i)
        if old["passages"]:
            pipe.hdel(self._k("sigs"), *[base | i for i in range(old["passages"])])
        pipe.hdel(self._k("numbers"), old["number"])

    def remove(self, doc_id: str, keys_of: KeysOf, num_perm: int) -> bool:
        import redis

        def delete() -> bool:
            with self._r.pipeline(transaction=True) as pipe:
                while True:
                    try:
                        pipe.watch(self._k("docs"))
                        raw = pipe.hget(self._k("docs"), doc_id)
                        if raw is None:
                            pipe.reset()
                            return False
                        old = json.loads(raw)
                        blobs = self._old_blobs(pipe, old)
                        pipe.multi()
                        self._queue_delete(pipe, old, blobs, keys_of, num_perm)
                        pipe.hdel(self._k("docs"), doc_id)
                        pipe.hdel(self._k("text"), doc_id)
                        pipe.execute()
                        return True
                    except redis.exceptions.WatchError:
                        continue

        return bool(self._call(f"cannot remove {doc_id}", delete))

    def lookup(self, keys: np.ndarray, limit: int) -> dict[int, list[int]]:
        if not keys.size:
            return {}
        tables = self._band_tables(keys.shape[1])
        wanted = sorted({(band, key) for band in range(keys.shape[1]) for key in keys[:, band].tolist()})

        def read() -> list[Any]:
            pipe = self._r.pipeline(transaction=False)  # one round trip for every bucket
            for band, key in wanted:
                pipe.smembers(tables[band].redis_key(_key_bytes(key)))
            return list(pipe.execute())

        found = self._call("cannot read the buckets", read)
        out: dict[int, list[int]] = {}
        for (_, key), members in zip(wanted, found, strict=True):
            if members:
                out[key] = sorted(int(m) for m in members)[:limit]
        return out

    def passages(self, ids: Sequence[int], num_perm: int) -> tuple[list[str], np.ndarray, np.ndarray]:
        if not len(ids):
            return [], np.zeros(0, dtype=np.int64), np.zeros((0, num_perm), dtype=np.uint32)
        blobs = self._call("cannot read signatures", lambda: self._r.hmget(self._k("sigs"), [int(i) for i in ids]))
        numbers = sorted({int(i) >> _PASSAGE_BITS for i in ids})
        names = self._doc_names(numbers)
        if any(b is None for b in blobs) or any(n not in names for n in numbers):
            raise StoreError(f"{self.url}: a bucket names a passage that is not there: the index is damaged; rebuild it")
        doc_ids = [names[int(i) >> _PASSAGE_BITS] for i in ids]
        windows = np.array([int(i) & ((1 << _PASSAGE_BITS) - 1) for i in ids], dtype=np.int64)
        return doc_ids, windows, deserialize_signatures(blobs, num_perm)

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
            DocumentRecord.from_json(json.loads(e)["record"]).document(_unpack(t, self.url))
            for e, t in zip(entries, texts, strict=True)
            if e is not None and t is not None
        ]

    def size(self) -> dict[str, int]:
        def read() -> dict[str, int]:
            entries = self._r.hvals(self._k("docs"))
            memory = int(self._r.info("memory").get("used_memory", 0))
            return {"documents": len(entries), "passages": sum(json.loads(e)["passages"] for e in entries), "bytes": memory}

        return dict(self._call("cannot read", read))


def _key_bytes(key: int) -> bytes:
    return int(key).to_bytes(8, "little", signed=True)


__all__ = ["FORMAT", "SCHEME", "DocumentRecord", "RedisStore", "SQLiteStore", "Store", "open_store"]
