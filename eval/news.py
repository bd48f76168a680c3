"""Main-text extraction on news pages, scored as the Article Extraction Benchmark.

Each page is decoded and extracted exactly as a scan reads an ``.html`` file
(``decode(data, html=True)`` then ``extract_html`` without a URL, like the
benchmark's extractors) and compared with the gold ``articleBody`` by 4-word
shingles (:func:`eval.scoring.shingle_match`).
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Collection
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from eval.common import mb_per_s, result, today
from eval.scoring import extraction_scores, shingle_match
from provenance.extract import decode, extract_html

FOLDER = "news-html"
WORST = 10  # pages with the lowest F1 listed in the results

ANCHOR_SOURCE = "trafilatura 2.0 on the benchmark (plain BeautifulSoup 0.665, best extractor 0.970)"
ANCHORS = {"f1": 0.958}
AIMS = {"f1": ">= 0.96"}


def load_truth(folder: Path) -> dict[str, dict[str, str]]:
    """Gold ``{id: {"articleBody", "url"}}``."""
    return json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))


def extract_page(path: Path) -> tuple[str, int, float, str | None]:
    """Main text of one ``.html.gz`` page as a scan would read it.

    Returns:
        (text, HTML bytes, seconds spent decoding and extracting, error or None);
        a page that fails gives empty text and the error.
    """
    data = gzip.decompress(path.read_bytes())
    t0 = time.perf_counter()
    try:
        text, error = extract_html(decode(data, html=True).text, today=today()).text, None
    except Exception as e:  # noqa: BLE001 - a failed page scores as an empty prediction
        text, error = "", f"{type(e).__name__}: {e}"
    return text, len(data), time.perf_counter() - t0, error


def evaluate(folder: Path, ids: Collection[str] | None = None) -> dict[str, Any]:
    """Extract every page (or only ``ids``) and score against the gold text."""
    t0 = time.perf_counter()
    truth = load_truth(folder)
    chosen = sorted(truth if ids is None else ids)
    pages, worst, errors = [], [], {}
    n_bytes, seconds = 0, 0.0
    for page_id in chosen:
        text, size, spent, error = extract_page(folder / "html" / f"{page_id}.html.gz")
        n_bytes, seconds = n_bytes + size, seconds + spent
        if error:
            errors[page_id] = error
        match = shingle_match(truth[page_id].get("articleBody", ""), text)
        pages.append(match)
        worst.append((_page_f1(*match), page_id, truth[page_id].get("url"), len(text)))
    scores = extraction_scores(pages)
    wall = time.perf_counter() - t0
    figures = {
        **scores,
        "pages": len(pages),
        "empty_predictions": sum(1 for tp, fp, _ in pages if tp + fp == 0),
        "wall_seconds": round(wall, 2),
        "mb_per_s": mb_per_s(n_bytes, seconds),
    }
    details = {
        "worst_pages": [{"id": i, "url": u, "f1": f, "chars": n} for f, i, u, n in sorted(worst)[:WORST]],
        "errors": errors,
        "html_bytes": n_bytes,
        "extract_seconds": round(seconds, 3),
    }
    return result(
        FOLDER,
        figures,
        anchors=ANCHORS,
        anchor_source=ANCHOR_SOURCE,
        aims=AIMS,
        details=details,
        settings={"extractor": "provenance.extract.extract_html", "trafilatura": _version("trafilatura")},
    )


def run(root: Path) -> dict[str, Any]:
    """Evaluate every page under ``root / FOLDER``."""
    return evaluate(root / FOLDER)


def _page_f1(tp: float, fp: float, fn: float) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None
