"""Spilled signatures: a scan whose signatures live in temporary files reports what an in-memory scan does."""

from __future__ import annotations

import gc
import io
import json
import random
import sys
from pathlib import Path

import numpy as np
import pytest

import provenance
from provenance import lsh
from provenance import report as render_report
from provenance.config import Config
from provenance.spill import WordsReader, spill, spill_words
from tests.conftest import random_text


def _corpus(corpus):
    rng = random.Random(11)
    stock = random_text(random.Random(5), 50)
    shared = [random_text(rng, 90) for _ in range(4)]
    files: dict[str, str | bytes] = {}
    for i in range(24):
        parts = [random_text(rng, 80), shared[i % 4], random_text(rng, 40)]
        if i % 3 == 0:
            parts.append(stock)  # in more documents than the bucket cap below
        files[f"d/{i:02d}.txt"] = " ".join(parts)
    files["feed.jsonl"] = "\n".join(json.dumps({"id": i, "text": random_text(rng, 60) + " " + shared[i]}) for i in range(4))
    return corpus(files)


def test_a_scan_with_spilled_signatures_and_words_reports_as_one_in_memory(corpus, tmp_path_factory, monkeypatch):
    root = _corpus(corpus)
    in_memory = provenance.scan([root], max_bucket_docs=4, workers=1)
    assert not in_memory.stats["spilled"]
    scratch = tmp_path_factory.mktemp("scratch")
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr("tempfile.tempdir", None)  # read TMPDIR again
    spilled = provenance.scan([root], max_bucket_docs=4, workers=1, spill_mb=0)
    assert spilled.stats["spilled"]
    assert spilled.to_dict() == in_memory.to_dict()
    # The texts are not held: each document reads its own back from the scan's text file.
    assert all(d.stored is not None and not in_memory.document(d.id).stored for d in spilled.documents)
    assert not any(isinstance(vars(p)["_text"], str) for p in spilled.passages)  # passages read their part of it
    assert [d.text for d in spilled.documents] == [d.text for d in in_memory.documents]
    assert spilled == in_memory
    # Worker processes write the files (read) and read them back (candidates, align).
    monkeypatch.setattr(sys.modules["provenance.scan"], "_PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr("provenance.compare._PARALLEL_MIN_PAIRS", 0)
    monkeypatch.setattr(lsh, "_PARALLEL_MIN_WINDOWS", 0)
    in_workers = provenance.scan([root], max_bucket_docs=4, workers=2, spill_mb=0)
    assert in_workers.to_dict() == in_memory.to_dict()
    assert len(in_memory.passages) > 20
    # The signatures and words are gone with the scan; the texts with the last document reading them.
    assert [p.name.startswith("provenance-texts-") for p in scratch.iterdir()] == [True, True]
    del spilled, in_workers
    gc.collect()
    assert list(scratch.iterdir()) == []


def test_forked_band_workers_read_spilled_parts(tmp_path, monkeypatch):
    rng = np.random.default_rng(3)
    sigs = rng.integers(0, 50, size=(400, 48), dtype=np.uint32)  # few values: many shared buckets
    doc_of = np.repeat(np.arange(40), 10)
    parts = [sigs[:150], sigs[150:]]
    config = Config(threshold=0.15)
    expected = lsh.candidate_pairs(parts, doc_of, config)
    monkeypatch.setattr(lsh, "_PARALLEL_MIN_WINDOWS", 0)
    on_disk = [spill(p, str(tmp_path)) for p in parts]
    found = lsh.candidate_pairs(on_disk, doc_of, config, workers=2)
    assert len(expected) > 100
    assert found.tolist() == expected.tolist()


def test_band_pairs_merged_as_they_come_are_the_pairs_merged_at_the_end(monkeypatch):
    rng = np.random.default_rng(4)
    sigs = rng.integers(0, 30, size=(300, 48), dtype=np.uint32)
    doc_of = np.repeat(np.arange(30), 10)
    config = Config(threshold=0.15)
    at_the_end = lsh.candidate_pairs(sigs, doc_of, config)
    monkeypatch.setattr(lsh, "_MERGE_MIN_PAIRS", 0)  # merge after every band
    assert len(at_the_end) > 100
    assert lsh.candidate_pairs(sigs, doc_of, config).tolist() == at_the_end.tolist()


def test_a_spilled_scan_of_a_generated_corpus_writes_the_report_of_an_in_memory_one(tmp_path, monkeypatch):
    from bench.corpus import generate

    generate(tmp_path / "corpus", 0.3, seed=2)
    docs = tmp_path / "corpus" / "docs"
    in_memory = provenance.scan([docs], workers=1)
    monkeypatch.setattr(sys.modules["provenance.scan"], "_PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr("provenance.compare._PARALLEL_MIN_PAIRS", 0)
    monkeypatch.setattr(lsh, "_PARALLEL_MIN_WINDOWS", 0)
    spilled = provenance.scan([docs], workers=2, spill_mb=0)
    assert spilled.stats["spilled"] and all(d.stored is not None for d in spilled.documents)
    assert len(in_memory.passages) > 10
    for with_text in (False, True):
        written = {}
        for name, report in (("in memory", in_memory), ("spilled", spilled)):
            out = io.StringIO()
            render_report.to_jsonl(report, out, with_text=with_text)
            written[name] = out.getvalue()
        assert written["spilled"] == written["in memory"]
    assert json.dumps(spilled.to_dict()) == json.dumps(in_memory.to_dict())


def test_words_reader_keeps_the_recent_files_open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(WordsReader, "_MAX_OPEN", 2)
    parts = [spill_words([np.array([k, k + 1], np.uint32)], str(tmp_path))[0] for k in range(5)]
    with WordsReader() as read:
        for order in ([0, 1, 2, 3, 4], [4, 0, 4, 2, 1, 1, 3]):
            assert [read(parts[k]).tolist() for k in order] == [[k, k + 1] for k in order]
            assert len(read._files) == 2
    assert not read._files
