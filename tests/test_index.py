"""The persistent index: add, replace, remove, settings, queries that agree with a scan, and reliability."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import provenance
from provenance import index
from provenance.config import Config
from provenance.errors import SettingsMismatch
from provenance.fingerprint import signatures
from provenance.index import Index, keys_of, read_documents
from provenance.lsh import band_key, lsh_params
from provenance.normalize import word_hashes
from tests.conftest import ROOT, random_text


def _texts(n: int, seed: int = 0, words: int = 400) -> list[str]:
    rng = random.Random(seed)
    return [random_text(random.Random(rng.random()), words) for _ in range(n)]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A fresh current folder: index ids are paths relative to it."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_keys_come_from_the_scans_band_keys():
    config = Config()
    sigs = signatures([word_hashes(t) for t in _texts(2)], config)
    both = np.concatenate(sigs)
    bands, _ = lsh_params(config.threshold, config.num_perm)
    keys = keys_of(both, config)
    for band in range(bands):
        scan_keys = band_key(both, band, config)
        # Same scan bucket <=> same index key, band by band.
        same_scan = scan_keys[:, None] == scan_keys[None, :]
        same_index = keys[:, band][:, None] == keys[:, band][None, :]
        assert (same_scan == same_index).all()
    assert len(set(keys[:, 0].tolist()) & set(keys[:, 1].tolist())) == 0  # bands never share a key


def test_compare_finds_what_a_scan_finds(workdir, db_url):
    a, b, c = _texts(3, seed=1)
    copy = " ".join(c.split()[:40]) + " " + " ".join(a.split()[100:220]) + " " + " ".join(c.split()[40:120])
    _write(workdir, {"corpus/a.txt": a, "corpus/b.txt": b, "new/copy.txt": copy})
    added = index.add(db_url, ["corpus"])
    assert added.added == ("corpus/a.txt", "corpus/b.txt")
    with Index.open(db_url) as ix:
        docs, _, _ = read_documents(["new"], ix.config)
        report = ix.compare(docs)
    scan = provenance.scan([workdir / "corpus", workdir / "new"])
    assert [(p.start, p.end, p.kind, p.similarity) for p in report.passages_of("new/copy.txt")] == [
        (p.start, p.end, p.kind, p.similarity) for p in scan.passages_of("new/copy.txt")
    ]
    [p] = report.passages_of("new/copy.txt")
    assert p.kind == "verbatim" and [m.document for m in p.matches] == ["corpus/a.txt"]
    assert report.stats["checked"] == ["new/copy.txt"] and report.stats["indexed"] == ["corpus/a.txt"]
    assert [d.id for d in report.documents] == ["corpus/a.txt", "new/copy.txt"]


def test_incoming_documents_are_compared_with_each_other(workdir, db_url):
    a, b = _texts(2, seed=2)
    _write(workdir, {"new/a.txt": a, "new/a-copy.txt": " ".join(a.split()[:200]), "corpus/b.txt": b})
    index.add(db_url, ["corpus"])
    with Index.open(db_url) as ix:
        docs, _, _ = read_documents(["new"], ix.config)
        report = ix.compare(docs)
    assert {p.document for p in report.passages} == {"new/a.txt", "new/a-copy.txt"}


def test_readd_unchanged_does_nothing_and_changed_replaces(workdir, db_url):
    a, b, c = _texts(3, seed=3)
    _write(workdir, {"corpus/a.txt": a})
    assert index.add(db_url, ["corpus"]).added == ("corpus/a.txt",)
    before = index.stats(db_url)
    result = index.add(db_url, ["corpus"])
    assert result.unchanged == ("corpus/a.txt",) and not result.added and not result.replaced
    assert index.stats(db_url).windows == before.windows
    _write(workdir, {"corpus/a.txt": b, "new/x.txt": a, "new/y.txt": b})
    assert index.add(db_url, ["corpus"]).replaced == ("corpus/a.txt",)
    with Index.open(db_url) as ix:
        docs, _, _ = read_documents(["new/x.txt"], ix.config)
        assert ix.compare(docs).passages == ()  # the old text's passages are gone
        docs, _, _ = read_documents(["new/y.txt"], ix.config)
        assert ix.compare(docs).passages_of("new/y.txt")
    assert index.stats(db_url).documents == 1


def test_a_document_is_not_compared_with_its_own_indexed_version(workdir, db_url):
    a, _ = _texts(2, seed=4)
    _write(workdir, {"corpus/a.txt": a})
    index.add(db_url, ["corpus"])
    with Index.open(db_url) as ix:
        docs, _, _ = read_documents(["corpus"], ix.config)
        assert ix.compare(docs).passages == ()


def test_remove_list_stats(workdir, db_url):
    a, b = _texts(2, seed=5)
    _write(workdir, {"corpus/a.txt": a, "corpus/b.txt": b})
    index.add(db_url, ["corpus"])
    assert [r.id for r in index.documents(db_url)] == ["corpus/a.txt", "corpus/b.txt"]
    result = index.remove(db_url, ["corpus/a.txt", "nope"])
    assert result.removed == ("corpus/a.txt",) and result.missing == ("nope",)
    stats = index.stats(db_url)
    assert stats.documents == 1 and stats.windows == index.documents(db_url)[0].windows > 0
    assert stats.settings["scheme"] == "affine32" and stats.settings["num_perm"] == 48


def test_other_settings_are_a_clear_error(workdir, db_url):
    _write(workdir, {"corpus/a.txt": _texts(1)[0]})
    index.add(db_url, ["corpus"], threshold=0.3)
    with pytest.raises(SettingsMismatch, match=r"built with --threshold 0\.3 \(asked 0\.2\); drop those options"):
        index.add(db_url, ["corpus"], threshold=0.2)
    with Index.open(db_url) as ix:  # no settings asked: the stored ones
        assert ix.config.threshold == 0.3
    with pytest.raises(SettingsMismatch, match="num_perm"):
        Index.open(db_url, Config(threshold=0.3, num_perm=64))


# --------------------------------------------------------------------------- reliability

def _add_cmd(db: str, folder: str) -> list[str]:
    return [sys.executable, "-m", "provenance", "index", "add", folder, "--db", db]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def test_two_concurrent_adds_keep_every_document(workdir, db_url):
    texts = _texts(24, seed=7, words=300)
    _write(workdir, {f"one/{n:02d}.txt": t for n, t in enumerate(texts[:12])})
    _write(workdir, {f"two/{n:02d}.txt": t for n, t in enumerate(texts[12:])})
    db = db_url
    procs = [subprocess.Popen(_add_cmd(db, folder), cwd=workdir, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE) for folder in ("one", "two")]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    ids = [r.id for r in index.documents(db)]
    assert ids == sorted(f"{f}/{n:02d}.txt" for f in ("one", "two") for n in range(12))
    # Every document is queryable: its own text, under another name, finds it.
    _write(workdir, {f"probe/{n:02d}.txt": t for n, t in enumerate(texts)})
    with Index.open(db) as ix:
        docs, _, _ = read_documents(["probe"], ix.config)
        report = ix.compare(docs)
    for n in range(24):
        expected = f"{'one' if n < 12 else 'two'}/{n % 12:02d}.txt"
        assert expected in {m.document for p in report.passages_of(f"probe/{n:02d}.txt") for m in p.matches}


def test_killed_add_leaves_a_consistent_index(workdir, db_url):
    texts = _texts(400, seed=8, words=250)
    _write(workdir, {f"big/{n:03d}.txt": t for n, t in enumerate(texts)})
    db = db_url
    proc = subprocess.Popen([*_add_cmd(db, "big"), "--batch", "20"], cwd=workdir, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    # Kill it once some documents are in, well before all are.
    while time.monotonic() < deadline:
        time.sleep(0.05)
        try:
            if 20 <= len(index.documents(db)) < 300:
                break
        except provenance.ProvenanceError:
            continue  # not created yet
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    records = index.documents(db)
    assert 20 <= len(records) < 400
    stats = index.stats(db)
    assert stats.windows == sum(r.windows for r in records)
    assert index.verify(db).problems == ()
    # Every finished document is whole and queryable.
    by_name = {r.id: r for r in records}
    probe = sorted(by_name)[:: max(1, len(by_name) // 10)]
    _write(workdir, {f"probe/{Path(i).name}": texts[int(Path(i).stem)] for i in probe})
    with Index.open(db) as ix:
        docs, _, _ = read_documents(["probe"], ix.config)
        report = ix.compare(docs)
        for doc_id in probe:
            [p] = [p for p in report.passages_of(f"probe/{Path(doc_id).name}") if doc_id in {m.document for m in p.matches}]
            assert p.kind == "verbatim"
    # And the add can simply be run again to finish.
    subprocess.run(_add_cmd(db, "big"), cwd=workdir, env=_env(), check=True, capture_output=True)
    assert len(index.documents(db)) == 400
