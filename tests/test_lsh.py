"""Candidates: which window pairs the LSH stage lets through to alignment."""

from __future__ import annotations

import numpy as np

from provenance import scan
from provenance.config import Config
from provenance.fingerprint import permutations, signatures, unpermute
from provenance.lsh import _agree_by_column, agree
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


def test_the_column_by_column_rule_of_spilled_signatures_is_the_same(tmp_path):
    rng = np.random.default_rng(2)
    shingles = rng.integers(0, 6, size=(400, CONFIG.num_perm), dtype=np.uint64)  # few shingles: many agreements
    sigs = _values(shingles)
    pairs = np.stack([rng.integers(0, 400, 3000), rng.integers(0, 400, 3000)], axis=1)
    expected = agree(sigs[pairs[:, 0]], sigs[pairs[:, 1]], CONFIG)
    assert 0 < expected.sum() < len(expected)
    parts = [spill(sigs[:150], str(tmp_path)), sigs[150:]]
    assert (_agree_by_column(parts, pairs, CONFIG) == expected).all()


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
