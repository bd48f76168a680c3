"""PAN 2013 text alignment, no obfuscation: are the gold (suspicious, source) pairs linked?

All 153 suspicious and 1,949 source documents are scanned together. A gold
pair is found when some passage links the two documents. Pairs found beyond
gold are *confirmed* when the two texts share a run of
:data:`CONFIRM_WORDS` identical (normalised) words, else *unconfirmed*.
Passage offsets are not scored here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

import numpy as np

import provenance
from eval.common import mb_per_s, result, scan_details, settings, timed_scan
from eval.scoring import Pair, links_of, pair_scores, shares_ngram, split_links
from provenance.normalize import word_hashes

FOLDER = "pan13-02"
CONFIRM_WORDS = 10
LISTED = 50  # longest list of missed or unconfirmed pairs kept in the results

ANCHOR_SOURCE = "document-level MinHash LSH"
ANCHORS = {"recall": 0.57, "found_pairs": 889}
AIMS = {"recall": ">= 0.99", "unconfirmed_share": "<= 0.02", "wall_seconds": "< 60", "spark_differences": "<= 0"}


def load_pairs(folder: Path) -> set[Pair]:
    """Gold (suspicious, source) file-name pairs of the ``pairs`` file."""
    pairs = set()
    for line in (folder / "pairs").read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 2:
            pairs.add((parts[0], parts[1]))
    return pairs


def evaluate(
    folder: Path,
    susp: Collection[str] | None = None,
    src: Collection[str] | None = None,
    config: provenance.Config | None = None,
    *,
    spark: bool = False,
) -> dict[str, Any]:
    """Scan ``susp/`` and ``src/`` (or only the named files of each) and score the pairs.

    Gold pairs whose two files are not both scanned are left out. With
    ``spark``, the Spark engine (local mode) scans the same paths too, and
    ``spark_differences`` counts the documents and passages (with their
    origins) that its report does not share with the local one.
    """
    t0 = time.perf_counter()
    gold = load_pairs(folder)
    if susp is None or src is None:
        paths = [folder / "susp", folder / "src"]
    else:
        paths = [folder / "susp" / s for s in sorted(susp)] + [folder / "src" / s for s in sorted(src)]
        gold = {p for p in gold if p[0] in susp and p[1] in src}
    report, seconds = timed_scan(paths, config)
    found, susp_susp, src_src = split_links(links_of(report.to_dict()))
    scores = pair_scores(gold, found, _confirmer(report))
    wall = time.perf_counter() - t0
    out = _result(scores, susp_susp, src_src, report, seconds, wall, config)
    if spark:
        out["figures"]["spark_differences"], out["details"]["spark_seconds"] = _spark_differences(paths, config, report)
        out["meets_aims"]["spark_differences"] = out["figures"]["spark_differences"] == 0
    return out


def run(root: Path, config: provenance.Config | None = None) -> dict[str, Any]:
    """Evaluate the whole sub-corpus under ``root / FOLDER``, on both engines."""
    return evaluate(root / FOLDER, config=config, spark=True)


def _spark_differences(paths: list[Path], config: provenance.Config | None, local: provenance.Report) -> tuple[int, float]:
    """Documents and passages in one engine's report but not the other's, and the Spark scan's seconds."""
    from provenance import spark

    t0 = time.perf_counter()
    other = spark.scan(paths, config or provenance.Config()).to_dict()
    seconds = round(time.perf_counter() - t0, 2)
    mine = local.to_dict()
    differences = 0
    for key in ("documents", "passages", "skipped"):
        a = {json.dumps(x, sort_keys=True) for x in mine[key]}
        b = {json.dumps(x, sort_keys=True) for x in other[key]}
        differences += len(a ^ b)
    return differences, seconds


def _confirmer(report: provenance.Report) -> Callable[[Pair], bool]:
    """``confirmed((susp, src))``: the two documents share a run of CONFIRM_WORDS words."""
    texts = {d.id: d.text for d in report.documents}
    cache: dict[str, np.ndarray] = {}

    def words(doc_id: str) -> np.ndarray:
        if doc_id not in cache:
            cache[doc_id] = word_hashes(texts[doc_id])
        return cache[doc_id]

    def confirmed(pair: Pair) -> bool:
        return shares_ngram(words(f"susp/{pair[0]}"), words(f"src/{pair[1]}"), CONFIRM_WORDS)

    return confirmed


def _result(
    scores: dict[str, Any],
    susp_susp: int,
    src_src: int,
    report: provenance.Report,
    seconds: float,
    wall: float,
    config: provenance.Config | None,
) -> dict[str, Any]:
    figures = {
        "recall": scores["recall"],
        "found_gold": scores["found_gold"],
        "found_pairs": scores["found"],
        "confirmed_extra": scores["confirmed_extra"],
        "unconfirmed_extra": scores["unconfirmed_extra"],
        "unconfirmed_share": scores["unconfirmed_share"],
        "susp_susp_links": susp_susp,
        "src_src_links": src_src,
        "wall_seconds": round(wall, 2),
        "mb_per_s": mb_per_s(report.stats["bytes"], seconds),
    }
    details = {
        "gold_pairs": scores["gold"],
        "missed": [" ".join(p) for p in scores["missed"][:LISTED]],
        "unconfirmed": [" ".join(p) for p in scores["unconfirmed"][:LISTED]],
        **scan_details(report, seconds),
    }
    return result(
        FOLDER,
        figures,
        totals={"found_gold": scores["gold"]},
        anchors=ANCHORS,
        anchor_source=ANCHOR_SOURCE,
        aims=AIMS,
        details=details,
        settings=settings(config),
        timings=report.stats.get("timings", {}),
    )
