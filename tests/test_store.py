"""Storage backends: one interface on SQLite and Redis, LeanMinHash bytes, refusals that write nothing."""

from __future__ import annotations

import os
import sqlite3

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash

from provenance.config import Config
from provenance.errors import StoreError
from provenance.fingerprint import SCHEME, signatures
from provenance.index import keys_of, settings_of
from provenance.models import Meta
from provenance.normalize import word_hashes
from provenance.store import (
    DocumentRecord,
    deserialize_signatures,
    open_store,
    serialize_signatures,
)
from tests.conftest import random_text
from tests.servers import RedisServer

CONFIG = Config()


def _sigs(seed: int, words: int = 300) -> tuple[str, np.ndarray]:
    import random

    text = random_text(random.Random(seed), words)
    return text, signatures([word_hashes(text)], CONFIG)[0]


def test_signatures_are_leanminhash_bytes():
    _, sigs = _sigs(1)
    blobs = serialize_signatures(sigs, CONFIG.seed)
    for sig, blob in zip(sigs, blobs, strict=True):
        lean = LeanMinHash(MinHash(num_perm=CONFIG.num_perm, seed=CONFIG.seed, hashvalues=sig, scheme=SCHEME))
        buf = bytearray(lean.bytesize(byteorder="<"))
        lean.serialize(buf, byteorder="<")
        assert blob == bytes(buf)
        assert LeanMinHash.deserialize(blob, byteorder="<") == lean
    assert (deserialize_signatures(blobs, CONFIG.num_perm) == sigs).all()


def _put(store, doc_id: str, seed: int) -> tuple[str, np.ndarray]:
    text, sigs = _sigs(seed)
    record = DocumentRecord(doc_id, f"hash-{seed}", len(text), 300, len(sigs), Meta(url=f"https://x.example/{doc_id}"))
    keys = keys_of(sigs, CONFIG)
    assert store.put(record, text, sigs, keys, CONFIG.seed) in {"added", "replaced"}
    return text, sigs


def test_backend_round_trip(db_url):
    with open_store(db_url, create=True) as store:
        assert store.read_settings() is None
        store.write_settings(settings_of(CONFIG))
        store.write_settings({**settings_of(CONFIG), "seed": 99})  # a second creator does not overwrite
        assert store.read_settings() == settings_of(CONFIG)
        text_a, sigs_a = _put(store, "a.txt", 1)
        _put(store, "b.txt", 2)
        assert [r.id for r in store.records()] == ["a.txt", "b.txt"]
        assert store.record("a.txt").meta.url == "https://x.example/a.txt"
        keys = keys_of(sigs_a[:1], CONFIG)
        found = store.lookup(keys, 10)
        numbers = sorted({p for ps in found.values() for p in ps})
        doc_ids, windows, sigs = store.windows(numbers, CONFIG.num_perm)
        assert "a.txt" in doc_ids
        row = [i for i, (d, w) in enumerate(zip(doc_ids, windows, strict=True)) if d == "a.txt" and w == 0][0]
        assert (sigs[row] == sigs_a[0]).all()
        [doc] = store.documents(["a.txt"])
        assert doc.text == text_a and doc.url == "https://x.example/a.txt"
        size = store.size()
        assert size["documents"] == 2 and size["windows"] == len(sigs_a) + store.record("b.txt").windows and size["bytes"] > 0
        # Same hash: nothing written.
        record = store.record("a.txt")
        assert store.put(record, text_a, sigs_a, keys_of(sigs_a, CONFIG), CONFIG.seed) == "unchanged"
        assert store.remove("a.txt")
        assert not store.remove("a.txt")
        assert all("a.txt" not in store.windows(ps, CONFIG.num_perm)[0] for ps in store.lookup(keys_of(sigs_a, CONFIG), 10).values())
        assert [r.id for r in store.records()] == ["b.txt"]


def test_lookup_caps_each_bucket(db_url):
    with open_store(db_url, create=True) as store:
        store.write_settings(settings_of(CONFIG))
        text, sigs = _sigs(5)
        for n in range(6):  # six documents with the same windows
            record = DocumentRecord(f"d{n}", f"h{n}", len(text), 300, len(sigs))
            store.put(record, text, sigs, keys_of(sigs, CONFIG), CONFIG.seed)
        found = store.lookup(keys_of(sigs[:1], CONFIG), 3)
        assert found and all(len(v) == 3 and v == sorted(v) for v in found.values())


def test_unknown_scheme_and_missing_index(tmp_path):
    with pytest.raises(StoreError, match="unknown index URL scheme 'postgres'"):
        open_store("postgres://x/y")
    with pytest.raises(StoreError, match="no index there"):
        open_store(tmp_path / "none.db")
    assert not (tmp_path / "none.db").exists()
    with pytest.raises(StoreError, match="does not exist"):
        open_store(tmp_path / "no" / "such" / "x.db", create=True)


@pytest.mark.parametrize("content", [b"hello, not a database\n" * 10, b"SQLite format 3\x00" + b"\xff" * 200])
def test_corrupt_file_is_refused_and_left_alone(tmp_path, content):
    path = tmp_path / "bad.db"
    path.write_bytes(content)
    with pytest.raises(StoreError, match="not a provenance index"):
        open_store(path, create=True)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.db"]


def test_foreign_sqlite_file_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE users (name TEXT)")
    before = path.read_bytes()
    with pytest.raises(StoreError, match="other tables: users"):
        open_store(path, create=True)
    assert path.read_bytes() == before


def test_sqlite_url_forms(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with open_store("sqlite:///rel.db", create=True) as store:
        store.write_settings(settings_of(CONFIG))
    with open_store(f"sqlite:///{tmp_path}/abs.db", create=True) as store:
        store.write_settings(settings_of(CONFIG))
    assert (tmp_path / "rel.db").exists() and (tmp_path / "abs.db").exists()


def test_redis_down_is_one_clear_error():
    from tests.servers import free_port

    with pytest.raises(StoreError, match=r"cannot reach the Redis server .*is it running\?"):
        open_store(f"redis://127.0.0.1:{free_port()}/0", create=True)


def test_redis_wrong_password_is_refused(tmp_path):
    server = RedisServer(tmp_path, password="right")
    try:
        for url in (server.url(password="wrong"), server.url()):
            with pytest.raises(StoreError, match="refused the password"):
                open_store(url, create=True)
        with open_store(server.url(password="right"), create=True) as store:
            store.write_settings(settings_of(CONFIG))
            assert "right" not in store.url
    finally:
        server.stop()


def test_redis_foreign_key_is_refused(redis_server):
    import redis

    client = redis.Redis(port=redis_server.port, db=3)
    client.set("provenance:meta", "something else")
    try:
        with pytest.raises(StoreError, match="not a provenance index"):
            open_store(redis_server.url(3), create=True)
        assert client.get("provenance:meta") == b"something else"
    finally:
        client.flushdb()


# --------------------------------------------------------------------------- what a store leaves behind

def _keys(sigs: np.ndarray) -> np.ndarray:
    return keys_of(sigs, CONFIG)


def _redis_snapshot(url: str) -> dict[bytes, object]:
    """Every key of the store's prefix with its content (hashes and sets as Python values)."""
    import redis

    prefix = url.rsplit("prefix=", 1)[1].encode() + b":"
    client = redis.Redis.from_url(url.split("?")[0])
    try:
        out: dict[bytes, object] = {}
        for key in client.scan_iter(match=prefix + b"*"):
            kind = client.type(key)
            out[key] = client.hgetall(key) if kind == b"hash" else client.smembers(key) if kind == b"set" else client.get(key)
        return out
    finally:
        client.close()


def _sqlite_snapshot(path: str) -> dict[str, list]:
    with sqlite3.connect(path) as conn:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in ("documents", "windows", "buckets")}


def _snapshot(url: str) -> dict:
    return _redis_snapshot(url) if url.startswith("redis") else _sqlite_snapshot(url)


def test_remove_leaves_no_keys_or_rows_behind(db_url):
    text, sigs = _sigs(21)
    with open_store(db_url, create=True) as store:
        store.write_settings(settings_of(CONFIG))
        _put(store, "a.txt", 20)
        before = _snapshot(db_url)
        # b shares every window of c: their buckets hold both, and emptied ones must go.
        for doc_id in ("b.txt", "c.txt"):
            record = DocumentRecord(doc_id, f"h-{doc_id}", len(text), 300, len(sigs))
            store.put(record, text, sigs, _keys(sigs), CONFIG.seed)
        store.put(DocumentRecord("b.txt", "changed", len(text), 300, len(sigs)), text, sigs, _keys(sigs), CONFIG.seed)
        assert store.remove("b.txt") and store.remove("c.txt")
        after = _snapshot(db_url)
        if db_url.startswith("redis"):
            after = {k: v for k, v in after.items() if not k.endswith(b":next_doc")}
            before = {k: v for k, v in before.items() if not k.endswith(b":next_doc")}
        assert after == before
        assert store.remove("a.txt")
    left = _snapshot(db_url)
    if db_url.startswith("redis"):
        assert sorted(k.rsplit(b":", 1)[1] for k in left) == [b"meta", b"next_doc"]
    else:
        assert left == {"documents": [], "windows": [], "buckets": []}


def test_band_keys_are_kept_with_their_windows(db_url, monkeypatch):
    """Remove deletes the bucket entries the document made, even when the key
    function changed since (a new version's band_key): nothing is orphaned,
    and verify names the change."""
    import provenance.index as index_module
    from provenance import index

    text, sigs = _sigs(22)
    with open_store(db_url, create=True) as store:
        store.write_settings(settings_of(CONFIG))
        store.put(DocumentRecord("a.txt", "h", len(text), 300, len(sigs)), text, sigs, _keys(sigs), CONFIG.seed)
    original = index_module.keys_of
    monkeypatch.setattr(index_module, "keys_of", lambda s, config: original(s, config) ^ 1)
    [problem] = index.verify(db_url).problems
    assert "'a.txt'" in problem and "band keys" in problem
    assert index.remove(db_url, ["a.txt"]).removed == ("a.txt",)
    left = _snapshot(db_url)
    if db_url.startswith("redis"):
        assert sorted(k.rsplit(b":", 1)[1] for k in left) == [b"meta", b"next_doc"]
    else:
        assert left == {"documents": [], "windows": [], "buckets": []}


def _clients(server: RedisServer, db: int, expected: int | None = None) -> int:
    """Clients connected to database ``db`` (waiting up to 2 s for ``expected``:
    the server notices a closed socket a moment after it is closed)."""
    import time

    import redis

    client = redis.Redis(port=server.port, db=15)
    deadline = time.monotonic() + 2
    try:
        while True:
            n = sum(c["db"] == str(db) for c in client.client_list())
            if expected is None or n == expected or time.monotonic() > deadline:
                return n
            time.sleep(0.02)
    finally:
        client.close()
        client.connection_pool.disconnect()  # close() alone keeps it open in redis-py 5.0


def test_redis_store_closes_every_connection(redis_server):
    url = redis_server.url(5) + "?prefix=closing"
    assert _clients(redis_server, 5) == 0
    with open_store(url, create=True) as store:
        store.write_settings(settings_of(CONFIG))
        _put(store, "a.txt", 23)
        _, sigs = _sigs(23)
        assert store.lookup(_keys(sigs[:2]), 5)
        assert store.remove("a.txt")
    assert _clients(redis_server, 5, 0) == 0


def test_refused_redis_store_closes_its_client(redis_server):
    import redis

    client = redis.Redis(port=redis_server.port, db=4)
    client.set("provenance:meta", "something else")
    try:
        with pytest.raises(StoreError, match="not a provenance index") as refused:
            open_store(redis_server.url(4), create=True)
        assert refused.value.__traceback__ is not None  # the refused store is still reachable from here
        assert _clients(redis_server, 4, 1) == 1  # our own client only
    finally:
        client.flushdb()
        client.close()
        client.connection_pool.disconnect()


def _open_fds(path) -> int:
    target = os.path.realpath(path)
    n = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            n += os.path.realpath(f"/proc/self/fd/{fd}") == target
        except OSError:
            continue
    return n


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts open files through /proc")
def test_refused_sqlite_store_closes_its_connection(tmp_path):
    path = tmp_path / "old.db"
    with open_store(path, create=True) as store:
        store.write_settings(settings_of(CONFIG))
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = 'provenance-index/0' WHERE key = 'format'")
    conn.close()
    with pytest.raises(StoreError, match="index format 'provenance-index/0'") as refused:
        open_store(path)
    assert refused.value.__traceback__ is not None
    assert _open_fds(path) == 0


def test_index_of_the_previous_format_asks_for_a_rebuild(tmp_path):
    path = tmp_path / "v1.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT); CREATE TABLE documents (number INTEGER PRIMARY KEY);"
            "CREATE TABLE passages (id INTEGER PRIMARY KEY); CREATE TABLE buckets (key INTEGER, passage INTEGER);"
            "INSERT INTO meta VALUES ('format', 'provenance-index/1');"
        )
    conn.close()
    with pytest.raises(StoreError, match=r"older format \(provenance-index/1\).*rebuild the index"):
        open_store(path)


def test_content_hash_is_canonical_json_of_the_fields():
    """A field added to Credit with a default leaves existing hashes alone (repr() did not)."""
    from dataclasses import dataclass

    from provenance.index import content_hash
    from provenance.models import Credit, Document

    @dataclass(frozen=True)
    class CreditWithLanguage(Credit):
        language: str | None = None

    old = Credit("https://a.example/x", "A", "Source:", 10, 40, (0, 10))
    new = CreditWithLanguage("https://a.example/x", "A", "Source:", 10, 40, (0, 10))
    doc = Document("d", "some text", "d", url="https://b.example/", credits=(old,))
    assert content_hash(doc) == content_hash(Document("d", "some text", "d", url="https://b.example/", credits=(new,)))
    assert content_hash(doc) != content_hash(Document("d", "some text", "d", url="https://b.example/", credits=(CreditWithLanguage(*old.__dict__.values(), language="fr"),)))
    assert content_hash(doc) != content_hash(Document("d", "some text", "d", url="https://b.example/"))
