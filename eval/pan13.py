"""PAN 2013 text alignment, training corpus: are the reused passages found, character by character?

All suspicious and source documents are scanned together with the given
settings, as a user would scan one folder. Each sub-corpus is then scored on
its own listed (suspicious, source) pairs only, PAN's way
(:func:`eval.scoring.plagdet_scores`): a detection is a passage of a
suspicious document with its match in a source document. ``01`` has no
reuse: its figure is the share of its pairs with any detection. ``05`` is
scored on the pairs that have a case (most of its label files hold none).
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import provenance
from eval import pan
from eval.common import mb_per_s, result, scan_details, settings, timed_scan
from eval.scoring import Case, Pair, detections_of, plagdet_scores, ratio

FOLDER = "pan13-train"
SUBCORPORA = {
    "01": "01-no-plagiarism",
    "02": "02-no-obfuscation",
    "03": "03-random-obfuscation",
    "04": "04-translation-obfuscation",
    "05": "05-summary-obfuscation",
}
MEASURES = ("plagdet", "precision", "recall", "granularity")

ANCHOR_SOURCE = "best published on PAN 2013 (Sanchez-Perez et al., PAN 2014: sentence tf-idf seeds, recursive extension)"
ANCHORS = {"02_plagdet": 0.90, "03_plagdet": 0.88, "04_plagdet": 0.89, "05_plagdet": 0.56}
AIMS = {
    "01_flagged_share": "<= 0.01",
    "02_plagdet": ">= 0.93",
    "03_plagdet": ">= 0.85",
    "04_plagdet": ">= 0.85",
    "05_plagdet": ">= 0.5",
}
LISTED = 20  # longest list of flagged 01 pairs kept in the results


def load_pairs(subcorpus: Path) -> list[Pair]:
    """The (suspicious, source) file-name pairs listed in a sub-corpus, sorted."""
    return sorted(pan.load_pairs(subcorpus))  # the same ``pairs`` file layout as PAN13-02


def load_cases(subcorpus: Path, pair: Pair) -> list[Case]:
    """The labelled reuse cases of one pair (``<susp>-<src>.xml``), in character offsets."""
    susp, src = pair
    label = subcorpus / f"{Path(susp).stem}-{Path(src).stem}.xml"
    cases = []
    for feature in ET.parse(label).getroot().iter("feature"):
        if feature.get("name") != "plagiarism":
            continue
        this, source = int(feature.get("this_offset", 0)), int(feature.get("source_offset", 0))
        this_len, source_len = int(feature.get("this_length", 0)), int(feature.get("source_length", 0))
        cases.append(Case(susp, feature.get("source_reference") or src, (this, this + this_len), (source, source + source_len)))
    return cases


def score_subcorpus(key: str, pairs: Collection[Pair], cases: list[Case], detections: list[Case]) -> dict[str, Any]:
    """Figures of one sub-corpus from its pairs, their cases and the scan's detections."""
    listed = set(pairs)
    mine = [d for d in detections if (d.susp, d.src) in listed]
    if key == "01":
        flagged = sorted({(d.susp, d.src) for d in mine})
        return {"flagged": len(flagged), "pairs": len(listed), "flagged_share": ratio(len(flagged), len(listed)), "flagged_pairs": flagged}
    with_cases = {(c.susp, c.src) for c in cases}
    mine = [d for d in mine if (d.susp, d.src) in with_cases]
    return {"pairs": len(with_cases), **plagdet_scores(cases, mine)}


def evaluate(
    folder: Path,
    susp: Collection[str] | None = None,
    src: Collection[str] | None = None,
    config: provenance.Config | None = None,
) -> dict[str, Any]:
    """Scan ``susp/`` and ``src/`` (or only the named files of each) and score every sub-corpus.

    With named files, a sub-corpus keeps only the pairs whose two files are scanned.
    """
    t0 = time.perf_counter()
    if susp is None or src is None:
        paths = [folder / "susp", folder / "src"]
    else:
        paths = [folder / "susp" / s for s in sorted(susp)] + [folder / "src" / s for s in sorted(src)]
    report, seconds = timed_scan(paths, config)
    detections = detections_of(report.to_dict())
    figures: dict[str, Any] = {}
    details: dict[str, Any] = {}
    for key, name in SUBCORPORA.items():
        sub = folder / name
        pairs = [p for p in load_pairs(sub) if susp is None or src is None or (p[0] in susp and p[1] in src)]
        cases = [c for p in pairs for c in load_cases(sub, p)]
        scores = score_subcorpus(key, pairs, cases, detections)
        if key == "01":
            figures["01_flagged_share"] = scores["flagged_share"]
            details["01"] = {"flagged": scores["flagged"], "pairs": scores["pairs"], "flagged_pairs": [" ".join(p) for p in scores["flagged_pairs"][:LISTED]]}
            continue
        for measure in MEASURES:
            figures[f"{key}_{measure}"] = scores[measure]
        details[key] = {k: scores[k] for k in ("pairs", "cases", "detections", "detected_cases")}
    figures["wall_seconds"] = round(time.perf_counter() - t0, 2)
    figures["mb_per_s"] = mb_per_s(report.stats["bytes"], seconds)
    details |= scan_details(report, seconds)
    details["offset_mismatches"] = _offset_mismatches(report, paths)
    return result(
        FOLDER,
        figures,
        anchors=ANCHORS,
        anchor_source=ANCHOR_SOURCE,
        aims=AIMS,
        details=details,
        settings=settings(config),
        timings=report.stats.get("timings", {}),
    )


def run(root: Path, config: provenance.Config | None = None) -> dict[str, Any]:
    """Evaluate the whole training corpus under ``root / FOLDER``."""
    return evaluate(root / FOLDER, config=config)


def _offset_mismatches(report: provenance.Report, paths: list[Path]) -> int:
    """Documents whose scanned text is not the file's text (labels count
    characters of the file as decoded from UTF-8): their scores would be off."""
    texts: Mapping[str, str] = {Path(d.path).resolve().as_posix(): d.text for d in report.documents}
    files = [f for p in paths for f in (sorted(p.iterdir()) if p.is_dir() else [p])]
    return sum(texts.get(f.resolve().as_posix()) != f.read_text(encoding="utf-8", errors="replace") for f in files)
