"""The scorers on hand-made predictions whose scores are worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from eval import scoring
from eval.scoring import (
    Answer,
    Case,
    clough_scores,
    detections_of,
    extraction_scores,
    links_of,
    meets,
    origins_of,
    pair_scores,
    plagdet_scores,
    prf,
    shares_ngram,
    shingle_match,
    split_links,
)


def _report(*links: tuple[str, str], origin: dict[str, str | None] | None = None) -> dict:
    """A report JSON with one passage per (document, other) link, reported from one side."""
    passages = []
    for doc, other in links:
        passage = {"document": doc, "start": 0, "end": 1, "matches": [{"document": other}]}
        if origin is not None:
            passage["origin"] = {"document": origin.get(doc)}
        passages.append(passage)
    return {"passages": passages}


# --- reading reports ---------------------------------------------------------


def test_links_are_symmetric_even_from_one_side():
    links = links_of(_report(("a", "b"), ("a", "c")))
    assert links == {"a": {"b", "c"}, "b": {"a"}, "c": {"a"}}


def test_origins_absent_field_is_none_and_null_origins_are_dropped():
    assert origins_of(_report(("a", "b"))) is None
    origins = origins_of(_report(("a", "s"), ("b", "s"), origin={"a": "s", "b": None}))
    assert origins == {"a": {"s"}}


# --- binary scores -------------------------------------------------------------


def test_prf_known_values_and_undefined_ratios():
    assert prf(2, 1, 2) == pytest.approx({"precision": 2 / 3, "recall": 0.5, "f1": 4 / 7})
    assert prf(0, 0, 3) == {"precision": None, "recall": 0.0, "f1": None}
    assert prf(0, 2, 2) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}


# --- PAN plagdet -------------------------------------------------------------


def test_plagdet_partial_detection_worked_by_hand():
    # Case: 100 chars in susp + 50 in source. Detection covers susp 50..150
    # (50 inside the case) and source 0..50 (all of it): 100 of its 150 chars
    # are reuse, and it covers 100 of the case's 150.
    case = Case("s", "r", (0, 100), (0, 50))
    found = Case("s", "r", (50, 150), (0, 50))
    scores = plagdet_scores([case], [found])
    assert scores["precision"] == pytest.approx(100 / 150)
    assert scores["recall"] == pytest.approx(100 / 150)
    assert scores["granularity"] == 1.0
    assert scores["plagdet"] == pytest.approx(2 / 3)


def test_plagdet_macro_averages_cases_and_detections_not_characters():
    big = Case("s", "r", (0, 1000), (0, 1000))
    small = Case("s", "r", (5000, 5010), (5000, 5010))
    scores = plagdet_scores([big, small], [big])  # finds the big one only
    assert scores["recall"] == pytest.approx(0.5)
    assert scores["precision"] == 1.0
    assert scores["detected_cases"] == 1


def test_plagdet_needs_overlap_on_both_sides_of_the_same_pair():
    case = Case("s", "r", (0, 100), (0, 100))
    wrong_source_span = Case("s", "r", (0, 100), (500, 600))
    other_pair = Case("s", "q", (0, 100), (0, 100))
    scores = plagdet_scores([case], [wrong_source_span, other_pair])
    assert scores["recall"] == 0.0 and scores["precision"] == 0.0 and scores["plagdet"] == 0.0


def test_plagdet_granularity_punishes_split_detections_and_overlaps_count_once():
    case = Case("s", "r", (0, 90), (0, 90))
    parts = [Case("s", "r", (0, 30), (0, 30)), Case("s", "r", (30, 60), (30, 60)), Case("s", "r", (20, 90), (20, 90))]
    scores = plagdet_scores([case], parts)
    assert scores["recall"] == 1.0 and scores["precision"] == 1.0
    assert scores["granularity"] == 3.0
    assert scores["plagdet"] == pytest.approx(1 / np.log2(4)) == 0.5


def test_plagdet_without_detections():
    scores = plagdet_scores([Case("s", "r", (0, 10), (0, 10))], [])
    assert scores["precision"] is None and scores["recall"] == 0.0 and scores["plagdet"] == 0.0
    assert scores["granularity"] == 1.0


def test_detections_of_reads_suspicious_passages_with_source_matches():
    report = {"passages": [
        {"document": "src/b.txt", "start": 0, "end": 4, "matches": [{"document": "susp/a.txt", "start": 5, "end": 9}]},
        {"document": "susp/a.txt", "start": 5, "end": 9, "matches": [{"document": "src/b.txt", "start": 0, "end": 4}]},
    ]}
    assert detections_of(report) == [Case("a.txt", "b.txt", (5, 9), (0, 4))]


# --- Clough --------------------------------------------------------------------

ANSWERS = [
    Answer("cut1.txt", "a", "cut"),
    Answer("cut2.txt", "b", "cut"),
    Answer("light1.txt", "a", "light"),
    Answer("heavy1.txt", "b", "heavy"),
    Answer("non1.txt", "a", "non"),
    Answer("non2.txt", "b", "non"),
    Answer("non3.txt", "b", "non"),
]


def test_clough_counts_recall_false_positives_and_f1():
    report = _report(
        ("cut1.txt", "orig_taska.txt"),  # found
        ("cut2.txt", "orig_taska.txt"),  # linked to the wrong source: not found
        ("light1.txt", "orig_taska.txt"),  # found
        ("heavy1.txt", "cut2.txt"),  # linked to another answer only: not found
        ("non1.txt", "orig_taska.txt"),  # false positive (own source)
        ("non2.txt", "orig_taska.txt"),  # another task's source: any-source only
        ("non3.txt", "heavy1.txt"),  # answer to answer: not a false positive
    )
    s = clough_scores(ANSWERS, links_of(report), origins_of(report))
    cats = s["categories"]
    assert (cats["cut"]["found"], cats["cut"]["total"], cats["cut"]["missed"]) == (1, 2, ["cut2.txt"])
    assert (cats["light"]["found"], cats["light"]["total"]) == (1, 1)
    assert (cats["heavy"]["found"], cats["heavy"]["missed"]) == (0, ["heavy1.txt"])
    assert s["non"] == {
        "total": 3,
        "linked_to_own_source": 1,
        "linked_to_any_source": 2,
        "linked_to_other_answers": 1,
        "false_positives": ["non1.txt", "non2.txt"],
    }
    # tp = cut1, light1; fp = non1; fn = cut2, heavy1; tn = non2, non3
    assert {k: s["reuse"][k] for k in ("tp", "fp", "fn", "tn")} == {"tp": 2, "fp": 1, "fn": 2, "tn": 2}
    assert s["reuse"]["precision"] == pytest.approx(2 / 3)
    assert s["reuse"]["recall"] == pytest.approx(0.5)
    assert s["reuse"]["f1"] == pytest.approx(4 / 7)
    assert s["answer_pairs_linked"] == 2  # heavy1-cut2, non3-heavy1
    assert s["source_as_origin"] is None


def test_clough_perfect_prediction_scores_one_and_no_prediction_scores_zero():
    perfect = _report(*((a.file, a.source) for a in ANSWERS if a.category != "non"))
    s = clough_scores(ANSWERS, links_of(perfect), None)
    assert s["reuse"]["f1"] == 1.0 and s["non"]["linked_to_any_source"] == 0
    nothing = clough_scores(ANSWERS, {}, None)
    assert nothing["reuse"]["recall"] == 0.0 and nothing["reuse"]["precision"] is None
    assert all(c["found"] == 0 for c in nothing["categories"].values())


def test_clough_source_as_origin_counts_own_source_only():
    report = _report(
        ("cut1.txt", "orig_taska.txt"),
        ("light1.txt", "orig_taska.txt"),
        ("heavy1.txt", "orig_taskb.txt"),
        origin={"cut1.txt": "orig_taska.txt", "light1.txt": "cut1.txt", "heavy1.txt": "orig_taskb.txt"},
    )
    s = clough_scores(ANSWERS, links_of(report), origins_of(report))
    assert s["source_as_origin"] == {"cut": 1, "light": 0, "heavy": 1, "total": 2}


# --- PAN ------------------------------------------------------------------------


def test_split_links_names_cross_pairs_and_counts_same_side_links_once():
    report = _report(
        ("susp/s1.txt", "src/a.txt"),
        ("src/a.txt", "susp/s2.txt"),  # reported from the source side
        ("susp/s1.txt", "susp/s2.txt"),
        ("susp/s2.txt", "susp/s1.txt"),  # same link again: counted once
        ("src/a.txt", "src/b.txt"),
    )
    cross, susp_susp, src_src = split_links(links_of(report))
    assert cross == {("s1.txt", "a.txt"), ("s2.txt", "a.txt")}
    assert (susp_susp, src_src) == (1, 1)


def test_pair_scores_recall_and_confirmed_split():
    gold = {("s1", "a"), ("s1", "b"), ("s2", "c"), ("s3", "d")}
    found = {("s1", "a"), ("s2", "c"), ("s2", "x"), ("s3", "y"), ("s3", "z")}
    s = pair_scores(gold, found, lambda pair: pair == ("s2", "x"))
    assert s["recall"] == 0.5 and s["found_gold"] == 2 and s["found"] == 5
    assert (s["extra"], s["confirmed_extra"], s["unconfirmed_extra"]) == (3, 1, 2)
    assert s["unconfirmed_share"] == pytest.approx(2 / 5)
    assert s["missed"] == [("s1", "b"), ("s3", "d")]
    assert s["unconfirmed"] == [("s3", "y"), ("s3", "z")]


def test_shares_ngram_needs_a_full_run_of_n_words():
    a = np.arange(100, 140, dtype=np.uint64)
    b = np.concatenate([np.arange(1, 6, dtype=np.uint64), a[7:17], np.arange(50, 55, dtype=np.uint64)])
    assert shares_ngram(a, b, 10)
    assert not shares_ngram(a, b, 11)
    gapped = np.concatenate([a[0:9], [np.uint64(7)], a[10:19]])  # two runs of 9
    assert not shares_ngram(a, gapped, 10)
    assert not shares_ngram(a[:5], a[:5], 10)  # shorter than n


def test_shares_ngram_does_not_trust_hash_collisions(monkeypatch):
    monkeypatch.setattr(scoring, "_MULTIPLIERS", np.zeros(64, dtype=np.uint64))  # every n-gram collides
    a = np.arange(0, 30, dtype=np.uint64)
    assert not shares_ngram(a, a[::-1].copy(), 10)
    assert shares_ngram(a, a[3:20].copy(), 10)


# --- article extraction -----------------------------------------------------------


def test_shingle_match_counts_multiset_shingles():
    # truth shingles: abcd bcde cdef; prediction: abcd bcdx cdxy → tp 1, fp 2, fn 2
    assert shingle_match("a b c d e f", "a b c d x y") == pytest.approx((0.2, 0.4, 0.4))
    # a repeated shingle counts as often as it appears
    # (abcd twice, bcda, cdab, dabc against abcd once: a set would give 1/4, 3/4)
    assert shingle_match("a b c d a b c d", "a b c d") == pytest.approx((1 / 5, 0.0, 4 / 5))
    # case is kept and punctuation only separates, as in the benchmark
    assert shingle_match("Hello, big wide world", "hello big wide world") == (0.0, 0.5, 0.5)
    assert shingle_match("Hello, big wide world", "Hello big-wide world!") == (1.0, 0.0, 0.0)


def test_extraction_scores_average_pages_and_treat_empty_predictions_as_the_benchmark():
    truth = "one two three four five six seven"
    pages = [
        shingle_match(truth, truth),  # perfect: P 1, R 1
        shingle_match(truth, "one two three four five"),  # P 1, R 2/4
        shingle_match(truth, ""),  # empty prediction: recall 0, left out of precision
        shingle_match(truth, "zero one two three four"),  # tp 1 fp 1 fn 3: P 1/2, R 1/4
    ]
    s = extraction_scores(pages)
    assert s["precision"] == pytest.approx((1 + 1 + 0.5) / 3)
    assert s["recall"] == pytest.approx((1 + 0.5 + 0 + 0.25) / 4)
    p, r = s["precision"], s["recall"]
    assert s["f1"] == pytest.approx(2 * p * r / (p + r))


def test_extraction_scores_perfect_and_all_wrong():
    assert extraction_scores([shingle_match("a b c d e", "a b c d e")] * 3) == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert extraction_scores([shingle_match("a b c d e", "v w x y z")]) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    assert extraction_scores([]) == {"precision": None, "recall": None, "f1": None}


# --- aims -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "aim", "expected"),
    [(17, ">= 17", True), (16, ">= 17", False), (0.02, "<= 0.02", True), (59.9, "< 60", True), (60, "< 60", False), (None, ">= 1", None)],
)
def test_meets(value, aim, expected):
    assert meets(value, aim) is expected
