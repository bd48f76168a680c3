"""Storage backends: one interface on SQLite and Redis, LeanMinHash bytes, refusals that write nothing."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash

from provenance.config import Config
from provenance.errors import StoreError
from provenance.fingerprint import SCHEME, signatures
from provenance.index import keys_of, settings_of
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
    record = DocumentRecord(doc_id, f"hash-{seed}", len(text), 300, len(sigs), url=f"https://x.example/{doc_id}")
    keys = keys_of(sigs, CONFIG)
    assert store.put(record, text, sigs, keys, CONFIG.seed, lambda s: keys_of(s, CONFIG)) in {"added", "replaced"}
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
        assert store.record("a.txt").url == "https://x.example/a.txt"
        keys = keys_of(sigs_a[:1], CONFIG)
        found = store.lookup(keys, 10)
        passages = sorted({p for ps in found.values() for p in ps})
        doc_ids, windows, sigs = store.passages(passages, CONFIG.num_perm)
        assert "a.txt" in doc_ids
        row = [i for i, (d, w) in enumerate(zip(doc_ids, windows, strict=True)) if d == "a.txt" and w == 0][0]
        assert (sigs[row] == sigs_a[0]).all()
        [doc] = store.documents(["a.txt"])
        assert doc.text == text_a and doc.url == "https://x.example/a.txt"
        size = store.size()
        assert size["documents"] == 2 and size["passages"] == len(sigs_a) + store.record("b.txt").passages and size["bytes"] > 0
        # Same hash: nothing written.
        record = store.record("a.txt")
        assert store.put(record, text_a, sigs_a, keys_of(sigs_a, CONFIG), CONFIG.seed, lambda s: keys_of(s, CONFIG)) == "unchanged"
        assert store.remove("a.txt", lambda s: keys_of(s, CONFIG), CONFIG.num_perm)
        assert not store.remove("a.txt", lambda s: keys_of(s, CONFIG), CONFIG.num_perm)
        assert all("a.txt" not in store.passages(ps, CONFIG.num_perm)[0] for ps in store.lookup(keys_of(sigs_a, CONFIG), 10).values())
        assert [r.id for r in store.records()] == ["b.txt"]


def test_lookup_caps_each_bucket(db_url):
    with open_store(db_url, create=True) as store:
        store.write_settings(settings_of(CONFIG))
        text, sigs = _sigs(5)
        for n in range(6):  # six documents with the same windows
            record = DocumentRecord(f"d{n}", f"h{n}", len(text), 300, len(sigs))
            store.put(record, text, sigs, keys_of(sigs, CONFIG), CONFIG.seed, lambda s: keys_of(s, CONFIG))
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
