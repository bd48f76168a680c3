"""Candidates: which window pairs the LSH stage lets through to alignment."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from provenance import lsh, scan
from provenance.config import Config
from provenance.fingerprint import permutations, signatures, unpermute
from provenance.lsh import (
    _agree_by_column,
    agree,
    band_pairs,
    candidate_pairs,
    one_shingle,
    stock_shingles,
    with_evidence,
    witnessed,
)
from provenance.normalize import word_hashes
from provenance.spill import spill

CONFIG = Config()


def _values(shingles: np.ndarray) -> np.ndarray:
    """Signature rows whose value at each position is set by the shingle given there."""
    a, b = permutations(CONFIG.num_perm, CONFIG.seed)
    with np.errstate(over="ignore"):
        return shingles.astype(np.uint32) * a + b


def test_unpermute_recovers_the_shingle_behind_every_value():
    rng = np.random.default_rng(3)
    shingles = rng.integers(0, 2**32, size=(5, CONFIG.num_perm), dtype=np.uint64).astype(np.uint32)
    assert (unpermute(_values(shingles), CONFIG) == shingles).all()
    assert (unpermute(_values(shingles)[:, 7:9], CONFIG, start=7) == shingles[:, 7:9]).all()


def test_values_set_by_one_shared_shingle_are_chance_two_are_not():
    rng = np.random.default_rng(1)
    a = rng.integers(1, 2**31, size=(3, CONFIG.num_perm), dtype=np.uint64)
    b = a + 2**31  # no value in common
    b[0, :12] = a[0, :12] = 77  # a quarter of the values agree, all set by one shingle
    b[1, :6], b[1, 6:12] = 77, 78  # the same share, set by two shingles
    a[1, :6], a[1, 6:12] = 77, 78
    b[2, :2] = a[2, :2] = [77, 78]  # two shingles, but too few values
    sigs_a, sigs_b = _values(a), _values(b)
    assert agree(sigs_a, sigs_b, CONFIG).tolist() == [False, True, False]


def _stock(sigs: np.ndarray, max_windows: int) -> np.ndarray:
    config = replace(CONFIG, max_bucket_docs=max_windows)
    return np.unique(np.concatenate([stock_shingles(j, sigs[:, j].copy(), config) for j in range(sigs.shape[1])]))


def test_stock_shingles_are_the_minima_of_more_windows_than_a_bucket_holds():
    rng = np.random.default_rng(6)
    shingles = rng.integers(0, 2**32, size=(50_000, CONFIG.num_perm), dtype=np.uint64)
    shingles[:300, 5], shingles[300:365, 5], shingles[365:429, 5] = 17, 18, 19  # 300, 65 and 64 windows
    values = _values(shingles)[:, 5].copy()
    assert stock_shingles(5, values, CONFIG).tolist() == [17, 18]
    assert _stock(_values(shingles), 64).tolist() == [17, 18]


def test_a_bucket_of_one_documents_windows_pairs_nothing_others_pair_across_documents():
    # Buckets 5 (two windows of document 0), 6 (documents 0 and 1), 7 (0, 1, 1, 2), 9 (one window).
    keys = np.array([5, 5, 6, 7, 6, 7, 7, 9, 7], dtype=np.uint64) << np.uint64(8)
    doc_of = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2])
    assert sorted(band_pairs(keys, doc_of, 4, 64).tolist()) == [[2, 4], [3, 5], [3, 6], [3, 8], [5, 8], [6, 8]]
    assert band_pairs(keys[:2], doc_of[:2], 4, 64).shape == (0, 2)


def _two_phrase_windows() -> np.ndarray:
    """400 windows: the first 200 share two stock phrases (each the minimum
    of a few columns in all of them), the other 200 are pairs sharing two
    phrases of their own; nothing else in common. The two phrases set the
    two rows of the same bands (0 and 10)."""
    rng = np.random.default_rng(4)
    shingles = rng.integers(10**6, 2**32, size=(400, CONFIG.num_perm), dtype=np.uint64)
    shingles[:200, 0:21:20], shingles[:200, 1:22:20] = 7, 8
    pair = np.arange(100).repeat(2)
    shingles[200:, 0:21:20], shingles[200:, 1:22:20] = (1000 + pair)[:, None], (5000 + pair)[:, None]
    return _values(shingles)


def test_two_stock_phrases_are_chance_two_phrases_of_a_pair_are_not():
    sigs = _two_phrase_windows()
    stock = _stock(sigs, CONFIG.max_bucket_docs)
    pairs = np.array([[0, 1], [5, 199], [200, 201], [398, 399]])
    keep, stock_only = witnessed(sigs[pairs[:, 0]], sigs[pairs[:, 1]], CONFIG, stock)
    assert keep.all()  # each pair agrees on two shingles
    assert stock_only.tolist() == [True, True, False, False]
    # Alone in their document pair they go; beside a better witnessed pair they stay.
    assert with_evidence(pairs, stock_only).tolist() == [False, False, True, True]
    assert with_evidence(np.array([[0, 1], [0, 1]]), np.array([True, False])).all()
    found = {tuple(p) for p in candidate_pairs(sigs, np.arange(400), replace(CONFIG, stock_windows=0)).tolist()}
    assert len(candidate_pairs(sigs, np.arange(400), CONFIG)) > len(found)  # a scan this small counts every shingle
    assert found == {(200 + 2 * k, 201 + 2 * k) for k in range(100)}


def test_in_a_big_scan_a_band_set_by_one_shared_phrase_pairs_nothing():
    # Pairs of windows sharing two phrases: in pairs 0-99 one phrase sets
    # both rows of band 0 and the other both rows of band 10; in pairs
    # 100-199 each of those bands has a row of each phrase.
    rng = np.random.default_rng(6)
    shingles = rng.integers(10**6, 2**32, size=(400, CONFIG.num_perm), dtype=np.uint64)
    pair = np.arange(200).repeat(2)
    one, two = (1000 + pair)[:, None], (5000 + pair)[:, None]
    shingles[:200, 0:2], shingles[:200, 20:22] = one[:200], two[:200]
    shingles[200:, 0:21:20], shingles[200:, 1:22:20] = one[200:], two[200:]
    sigs = _values(shingles)
    assert one_shingle([sigs[:, 0], sigs[:, 1]], 0, CONFIG).tolist() == [True] * 200 + [False] * 200
    everything = {(2 * k, 2 * k + 1) for k in range(200)}
    assert {tuple(p) for p in candidate_pairs(sigs, np.arange(400), CONFIG).tolist()} == everything  # a small scan
    big = {tuple(p) for p in candidate_pairs(sigs, np.arange(400), replace(CONFIG, stock_windows=0)).tolist()}
    assert big == {(2 * k, 2 * k + 1) for k in range(100, 200)}


def test_the_column_by_column_rule_of_spilled_signatures_is_the_same(tmp_path):
    rng = np.random.default_rng(2)
    shingles = rng.integers(0, 6, size=(400, CONFIG.num_perm), dtype=np.uint64)  # few shingles: many agreements
    sigs = np.concatenate([_values(shingles), _two_phrase_windows()])
    pairs = np.stack([rng.integers(0, 800, 6000), rng.integers(0, 800, 6000)], axis=1)
    pairs = np.concatenate([pairs, [[400, 401], [600, 601]]])
    parts = [spill(sigs[:150], str(tmp_path)), sigs[150:500], spill(sigs[500:], str(tmp_path))]
    for stock in (np.zeros(0, dtype=np.uint32), _stock(sigs, 100)):
        keep, stock_only = witnessed(sigs[pairs[:, 0]], sigs[pairs[:, 1]], CONFIG, stock)
        assert 0 < keep.sum() < len(keep)
        by_column = _agree_by_column(parts, pairs, CONFIG, stock)
        assert (by_column[0] == keep).all() and (by_column[1] == stock_only).all()
        assert stock_only.any() == bool(len(stock))


def test_windows_sharing_only_a_stock_phrase_are_not_candidates():
    # Unrelated windows with one three-word phrase in common: among many,
    # pairs where the phrase happens to set enough values alike to pass the
    # share alone.
    rng = np.random.default_rng(5)
    words = rng.integers(1, 2**63, size=(100_000, 34), dtype=np.uint64)
    words[:, 15:18] = word_hashes("one of the")
    sigs = np.concatenate(signatures(list(words), CONFIG))
    one, other = sigs[0::2], sigs[1::2]
    lucky = (one == other).mean(axis=1) >= CONFIG.threshold / 2
    assert lucky.sum() >= 3
    assert not agree(one[lucky], other[lucky], CONFIG).any()
    assert agree(one, one, CONFIG).all()


def test_a_short_edited_passage_is_still_found(tmp_path):
    rng = np.random.default_rng(9)
    vocab = [f"w{i}" for i in range(3000)]
    passage = list(rng.choice(vocab, 40))
    edited = passage.copy()
    for k in (5, 14, 23, 32):  # every ninth word replaced
        edited[k] = "changed"
    (tmp_path / "a.txt").write_text(" ".join(list(rng.choice(vocab, 200)) + passage + list(rng.choice(vocab, 200))))
    (tmp_path / "b.txt").write_text(" ".join(list(rng.choice(vocab, 150)) + edited + list(rng.choice(vocab, 150))))
    report = scan([tmp_path], workers=1)
    assert sorted(p.document for p in report.passages) == ["a.txt", "b.txt"]


@pytest.mark.parametrize("stock_windows", [10**9, 0])  # a small scan, and a big one (stock discounted)
def test_workers_judging_ranges_of_documents_find_the_pairs_of_one_process(monkeypatch, stock_windows):
    rng = np.random.default_rng(5)
    sigs = rng.integers(0, 40, size=(600, 48), dtype=np.uint32)  # few values: many shared buckets
    doc_of = np.repeat(np.arange(60), 10)
    config = replace(CONFIG, threshold=0.15, stock_windows=stock_windows)
    alone = candidate_pairs(sigs, doc_of, config)
    monkeypatch.setattr(lsh, "_PARALLEL_MIN_WINDOWS", 0)
    monkeypatch.setattr(lsh, "_SAMPLE", 1)
    monkeypatch.setattr(lsh, "_RUN_PAIRS", 0)  # a run written after every band
    monkeypatch.setattr(lsh, "_RANGE_PAIRS", 200)  # many ranges, cut at documents
    shared_out = candidate_pairs(sigs, doc_of, config, workers=2)
    assert len(alone) > 100
    assert shared_out.tolist() == alone.tolist()
    key = doc_of[alone[:, 0]] * 60 + doc_of[alone[:, 1]]
    assert (np.diff(key) >= 0).all() and (alone[:, 0] < alone[:, 1]).all()  # grouped by document pair
    assert candidate_pairs(np.arange(96, dtype=np.uint32).reshape(2, 48), np.array([0, 1]), config, workers=2).shape == (0, 2)


@pytest.mark.parametrize("stock_windows", [10**9, 0])
def test_bands_read_in_chunks_and_bucketed_in_passes_pair_as_one_go(monkeypatch, tmp_path, stock_windows):
    rng = np.random.default_rng(6)
    sigs = rng.integers(0, 40, size=(600, 48), dtype=np.uint32)
    sigs[:200] = sigs[0]  # one window repeated in 20 documents: stock values, an oversized bucket
    doc_of = np.repeat(np.arange(60), 10)
    config = replace(CONFIG, threshold=0.15, stock_windows=stock_windows)
    one_go = candidate_pairs(sigs, doc_of, config)
    monkeypatch.setattr(lsh, "_CHUNK_WINDOWS", 37)
    monkeypatch.setattr(lsh, "_PASS_WINDOWS", 100)  # six passes over ranges of keys
    assert len(one_go) > 100
    assert candidate_pairs(sigs, doc_of, config).tolist() == one_go.tolist()
    spilled = [spill(sigs[lo : lo + 50], str(tmp_path)) for lo in range(0, 600, 50)]
    assert candidate_pairs(spilled, doc_of, config).tolist() == one_go.tolist()
