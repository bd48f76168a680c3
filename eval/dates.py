"""Publication dates of news pages: ``provenance.metadata.html_metadata`` against gold dates.

Data: ``ROOT/dates-html`` (200 pages from htmldate's evaluation set, many
countries and languages): ``gold.json`` maps each page's URL to its file and
gold day; pages are gzipped HTML in ``html/<file>.gz``, decoded as a scan
decodes them. A few gold dates are missing (``NaN``): there the right answer
is no date.

Figures (exact day):

* ``accuracy``: share of all pages whose date equals the gold one (no date on
  a page without a gold date counts as right);
* ``accuracy_dated``: the same over pages with a gold date;
* ``coverage``: share of pages given any date.

The anchor is htmldate alone, ``htmldate.find_date(html, url=url,
original_date=True)``, on the same pages.
"""

from __future__ import annotations

import gzip
import json
import math
import time
from collections import Counter
from collections.abc import Collection
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from eval.common import result, today
from provenance.extract import decode
from provenance.metadata import html_metadata

FOLDER = "dates-html"
AIMS = {"accuracy": ">= 0.90"}


def gold_day(value: object) -> str | None:
    """The gold day, None for a missing one (``NaN`` in gold.json).

    >>> gold_day("2020-06-07"), gold_day(float("nan")), gold_day(None)
    ('2020-06-07', None, None)
    """
    if isinstance(value, float) and math.isnan(value):
        return None
    return value if isinstance(value, str) and value else None


def load_gold(folder: Path) -> dict[str, dict[str, Any]]:
    """Gold ``{url: {"file", "date"}}``."""
    gold: dict[str, dict[str, Any]] = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
    return gold


def evaluate(folder: Path, urls: Collection[str] | None = None) -> dict[str, Any]:
    """Date every page (or only ``urls``) with ``html_metadata`` and with htmldate alone."""
    import htmldate

    gold = load_gold(folder)
    day = today()
    chosen = [u for u in gold if urls is None or u in urls]
    right = right_dated = dated = found = ref_right = ref_right_dated = ref_found = 0
    sources: Counter[str] = Counter()
    sources_right: Counter[str] = Counter()
    misses: list[dict[str, str | None]] = []
    errors: dict[str, str] = {}
    ours = reference_seconds = 0.0
    for url in chosen:
        expected = gold_day(gold[url].get("date"))
        try:
            html = decode(gzip.decompress((folder / "html" / (gold[url]["file"] + ".gz")).read_bytes()), html=True).text
        except (OSError, ValueError, EOFError) as e:
            errors[url] = f"{type(e).__name__}: {e}"
            html = ""
        t0 = time.perf_counter()
        meta = html_metadata(html, url=url, today=day)
        ours += time.perf_counter() - t0
        t0 = time.perf_counter()
        try:
            reference = htmldate.find_date(html, url=url, original_date=True) if html else None
        except Exception:  # noqa: BLE001 - the reference failing on a page counts as no date
            reference = None
        reference_seconds += time.perf_counter() - t0

        source = meta.date_source or "none"
        ok = meta.date == expected
        sources[source] += 1
        sources_right[source] += ok
        right += ok
        found += meta.date is not None
        ref_right += reference == expected
        ref_found += reference is not None
        if expected is not None:
            dated += 1
            right_dated += ok
            ref_right_dated += reference == expected
        if not ok:
            misses.append({"url": url, "gold": expected, "found": meta.date, "source": meta.date_source})
    pages = len(chosen)

    def share(n: int, total: int) -> float:
        return n / total if total else 0.0

    figures = {
        "accuracy": share(right, pages),
        "accuracy_dated": share(right_dated, dated),
        "coverage": share(found, pages),
        "correct": right,
        "pages": pages,
    }
    return result(
        FOLDER,
        figures,
        totals={"correct": pages},
        anchors={
            "accuracy": round(share(ref_right, pages), 4),
            "accuracy_dated": round(share(ref_right_dated, dated), 4),
            "coverage": round(share(ref_found, pages), 4),
            "correct": ref_right,
        },
        anchor_source=f"htmldate {_version('htmldate')} alone: find_date(html, url=url, original_date=True)",
        aims=AIMS,
        details={
            "by_source": {name: {"pages": n, "correct": sources_right[name]} for name, n in sources.most_common()},
            "misses": misses,
            "errors": errors,
        },
        settings={"function": "provenance.metadata.html_metadata", "htmldate_fallback": True},
        timings={"metadata_seconds": ours, "htmldate_seconds": reference_seconds},
    )


def run(root: Path) -> dict[str, Any]:
    """Evaluate every page under ``root / FOLDER``."""
    return evaluate(Path(root) / FOLDER)


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None
