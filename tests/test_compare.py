"""One compare pipeline for a scan and for a check against an index, on any process start method."""

from __future__ import annotations

import gc
import multiprocessing
import random
import sys

import pytest

import provenance
import provenance.compare
import provenance.lsh
import provenance.workers
from provenance import index
from provenance.compare import align_candidates, batch_candidates, fingerprint_documents
from provenance.config import Config
from provenance.index import Index, read_documents
from provenance.models import Document
from tests.conftest import random_text


def _texts(n: int, seed: int, words: int = 300) -> list[str]:
    rng = random.Random(seed)
    return [random_text(random.Random(rng.random()), words) for _ in range(n)]


def test_a_check_is_the_scan_of_the_index_and_the_batch(tmp_path, monkeypatch):
    """In-batch and against-index reuse come out of one loop, as a scan of all of them finds them."""
    monkeypatch.chdir(tmp_path)
    a, b, c = _texts(3, seed=2)
    b = b + " " + " ".join(a.split()[50:150])  # b reprints part of the indexed a
    c = " ".join(b.split()[:80]) + " " + c  # c reprints part of b, in the same batch
    for name, text in {"a.txt": a, "b.txt": b, "c.txt": c}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    db = str(tmp_path / "ix.db")
    index.add(db, ["a.txt"])
    with Index.open(db) as ix:
        docs, _, _ = read_documents(["b.txt", "c.txt"], ix.config)
        checked = ix.compare(docs)
    scanned = provenance.scan(["a.txt", "b.txt", "c.txt"])
    pairs = {(p.document, m.document) for p in checked.passages for m in p.matches}
    assert {("b.txt", "a.txt"), ("b.txt", "c.txt")} <= pairs
    assert checked.passages == scanned.passages
    assert checked.stats["indexed"] == ["a.txt"] and checked.stats["checked"] == ["b.txt", "c.txt"]


def _parallel_everywhere(monkeypatch) -> None:
    """Every stage takes its parallel path, even on a small input."""
    scan_module = sys.modules["provenance.scan"]  # the package's `scan` is the function
    monkeypatch.setattr(scan_module, "_PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(scan_module, "_BATCH_BYTES", 4096)
    monkeypatch.setattr(provenance.compare, "_PARALLEL_MIN_PAIRS", 0)
    monkeypatch.setattr(provenance.lsh, "_PARALLEL_MIN_WINDOWS", 0)


def test_spawned_workers_give_the_same_report(tmp_path, monkeypatch):
    """Where fork is unsafe (macOS) the stages run in spawned workers: same report as one process."""
    rng = random.Random(11)
    texts = _texts(12, seed=11, words=250)
    for i, text in enumerate(texts):
        if i % 3 == 0:
            text += " " + " ".join(texts[(i + 5) % 12].split()[rng.randint(0, 60) :][:90])
        (tmp_path / f"d{i:02}.txt").write_text(text, encoding="utf-8")
    serial = provenance.scan([tmp_path], workers=1)
    pools: list[str] = []

    def spawn() -> str:
        pools.append("spawn")
        return "spawn"

    monkeypatch.setattr(provenance.workers, "start_method", spawn)
    _parallel_everywhere(monkeypatch)
    spawned = provenance.scan([tmp_path], workers=2)
    assert pools == ["spawn"] * 3  # read, candidates, align
    assert serial.passages and spawned.to_dict() == serial.to_dict()


def test_workers_leave_the_hosts_frozen_objects_alone(tmp_path, monkeypatch):
    """A host application's gc.freeze() survives a parallel scan."""
    for i, text in enumerate(_texts(6, seed=3)):
        (tmp_path / f"d{i}.txt").write_text(text + " " + _texts(1, seed=9)[0], encoding="utf-8")
    _parallel_everywhere(monkeypatch)
    held = [object() for _ in range(1000)]
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        report = provenance.scan([tmp_path], workers=2)
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
    assert held and report.passages


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_alignment_in_workers_equals_one_process(method, monkeypatch):
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} on this system")
    texts = _texts(6, seed=4)
    docs = [Document(f"d{i}", t + " " + texts[(i + 1) % 6][:900], f"d{i}") for i, t in enumerate(texts)]
    batch = fingerprint_documents(docs, Config())
    cands = batch_candidates(batch, Config())
    one = align_candidates(cands, docs, batch.words, Config(workers=1))
    monkeypatch.setattr(provenance.compare, "_PARALLEL_MIN_PAIRS", 0)
    many = align_candidates(cands, docs, batch.words, Config(workers=2), method=method)
    assert one and many == one


@pytest.mark.parametrize("workers", [1, 2])
def test_alignment_in_many_small_slices_equals_one_slice(workers, monkeypatch):
    # A big scan aligns its pairs a bounded slice at a time, in one process or many.
    texts = _texts(8, seed=5)
    docs = [Document(f"d{i}", t + " " + texts[(i + 3) % 8][:1200], f"d{i}") for i, t in enumerate(texts)]
    batch = fingerprint_documents(docs, Config())
    cands = batch_candidates(batch, Config())
    one = align_candidates(cands, docs, batch.words, Config(workers=1))
    assert len(cands.groups()[0]) > 4
    monkeypatch.setattr(provenance.compare, "_PARALLEL_MIN_PAIRS", 0)
    monkeypatch.setattr(provenance.compare, "_SLICE_PAIRS", 3)
    sliced: list[int] = []
    original = provenance.compare._align_slice
    monkeypatch.setattr(provenance.compare, "_align_slice", lambda job, bounds, *rest: sliced.append(len(bounds[0])) or original(job, bounds, *rest))
    assert align_candidates(cands, docs, batch.words, Config(workers=workers), method="fork") == one
    if workers == 1:  # the forked workers' calls are not seen here
        assert len(sliced) > 1 and sum(sliced) == len(cands.groups()[0])
