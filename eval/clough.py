"""Clough & Stevenson plagiarised short answers: is each answer linked to its source?

The 95 answers and the 5 Wikipedia sources are scanned as one corpus. An
answer counts as found when a passage of it matches its task's source
``orig_task{Z}.txt``; ``non`` answers linked to any source are false positives.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Collection
from pathlib import Path
from typing import Any

import provenance
from eval.common import mb_per_s, result, scan_details, settings, timed_scan
from eval.scoring import (
    ANSWER_CATEGORIES,
    REUSE_CATEGORIES,
    Answer,
    clough_scores,
    links_of,
    origins_of,
)

FOLDER = "clough-stevenson"
LABELS = "file_information.csv"

ANCHOR_SOURCE = "document-level MinHash LSH"
ANCHORS = {"cut_found": 16, "light_found": 14, "heavy_found": 9, "non_linked_to_any_source": 0}
AIMS = {"cut_found": ">= 17", "light_found": ">= 19", "heavy_found": ">= 15", "non_linked_to_any_source": "<= 0"}


def load_answers(folder: Path) -> list[Answer]:
    """The labelled answers of ``file_information.csv`` (source rows left out)."""
    with (folder / LABELS).open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [Answer(r["File"], r["Task"], r["Category"]) for r in rows if r["Category"] in ANSWER_CATEGORIES]


def evaluate(folder: Path, files: Collection[str] | None = None, config: provenance.Config | None = None) -> dict[str, Any]:
    """Scan the folder (or only ``files`` of it) and score the answers scanned.

    Args:
        folder: holds the answers, the ``orig_task*.txt`` sources and the labels.
        files: file names to scan instead of the whole folder (a test slice);
            answers outside it are not scored.
        config: scan settings (defaults when None).
    """
    t0 = time.perf_counter()
    answers = load_answers(folder)
    if files is None:
        report, seconds = timed_scan([folder], config)
    else:
        report, seconds = timed_scan([folder / f for f in sorted(files)], config)
        answers = [a for a in answers if a.file in files]
    data = report.to_dict()
    scores = clough_scores(answers, links_of(data), origins_of(data))
    wall = time.perf_counter() - t0
    return _result(scores, report, seconds, wall, config)


def run(root: Path, config: provenance.Config | None = None) -> dict[str, Any]:
    """Evaluate the whole corpus under ``root / FOLDER``."""
    return evaluate(root / FOLDER, config=config)


def _result(scores: dict[str, Any], report: provenance.Report, seconds: float, wall: float, config: provenance.Config | None) -> dict[str, Any]:
    cats, non, reuse = scores["categories"], scores["non"], scores["reuse"]
    origin = scores["source_as_origin"]
    figures: dict[str, Any] = {f"{c}_found": cats[c]["found"] for c in REUSE_CATEGORIES}
    figures |= {
        "non_linked_to_own_source": non["linked_to_own_source"],
        "non_linked_to_any_source": non["linked_to_any_source"],
        "precision": reuse["precision"],
        "recall": reuse["recall"],
        "f1": reuse["f1"],
        "source_as_origin": None if origin is None else origin["total"],
        "wall_seconds": round(wall, 2),
        "mb_per_s": mb_per_s(report.stats["bytes"], seconds),
    }
    totals = {f"{c}_found": cats[c]["total"] for c in REUSE_CATEGORIES}
    totals |= {"non_linked_to_own_source": non["total"], "non_linked_to_any_source": non["total"]}
    if origin is not None:
        totals["source_as_origin"] = sum(cats[c]["total"] for c in REUSE_CATEGORIES)
    details = {
        "missed": {c: cats[c]["missed"] for c in REUSE_CATEGORIES},
        "false_positives": non["false_positives"],
        "non_linked_to_other_answers": non["linked_to_other_answers"],
        "answer_pairs_linked": scores["answer_pairs_linked"],
        "confusion": {k: reuse[k] for k in ("tp", "fp", "fn", "tn")},
        "source_as_origin": origin,
        **scan_details(report, seconds),
    }
    return result(
        FOLDER,
        figures,
        totals=totals,
        anchors=ANCHORS,
        anchor_source=ANCHOR_SOURCE,
        aims=AIMS,
        details=details,
        settings=settings(config),
        timings=report.stats.get("timings", {}),
    )
