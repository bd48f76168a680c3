"""Shared by the corpus modules: timed scans, settings, aims and result layout."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import provenance
from eval.scoring import meets
from provenance.config import current_day


def today() -> date:
    """The day an evaluation reads dates as of: a scan's default (``Config.dated``)."""
    return date.fromisoformat(current_day())


def timed_scan(paths: Iterable[Path], config: provenance.Config | None) -> tuple[provenance.Report, float]:
    """Scan the paths and return the report with the scan's wall time in seconds."""
    t0 = time.perf_counter()
    report = provenance.scan(list(paths), config or provenance.Config())
    return report, time.perf_counter() - t0


def scan_details(report: provenance.Report, seconds: float) -> dict[str, Any]:
    """What every corpus records about its scan: sizes and the scan's time."""
    return {
        "documents": len(report.documents),
        "skipped": len(report.skipped),
        "passages": len(report.passages),
        "bytes": report.stats["bytes"],
        "scan_seconds": round(seconds, 3),
    }


def settings(config: provenance.Config | None) -> dict[str, Any]:
    """Every setting of the scan, defaults included.

    >>> settings(None)["shingle_size"] == provenance.Config().shingle_size
    True
    """
    return dataclasses.asdict(config or provenance.Config())


def mb_per_s(n_bytes: int, seconds: float) -> float | None:
    """Throughput in MB (10^6 bytes) per second, None for a zero time.

    >>> mb_per_s(3_000_000, 1.5), mb_per_s(10, 0.0)
    (2.0, None)
    """
    return round(n_bytes / seconds / 1e6, 2) if seconds > 0 else None


def rounded(value: Any, digits: int = 4) -> Any:
    """Floats rounded (recursively in dicts and lists) so results.json stays readable and stable.

    >>> rounded({"a": [0.123456, 2], "b": None})
    {'a': [0.1235, 2], 'b': None}
    """
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, Mapping):
        return {k: rounded(v, digits) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [rounded(v, digits) for v in value]
    return value


def result(
    corpus: str,
    figures: Mapping[str, Any],
    *,
    totals: Mapping[str, int] | None = None,
    anchors: Mapping[str, float] | None = None,
    anchor_source: str | None = None,
    aims: Mapping[str, str] | None = None,
    details: Mapping[str, Any] | None = None,
    settings: Mapping[str, Any] | None = None,
    timings: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """The result of one corpus, in the layout ``python -m eval`` prints and saves.

    ``figures`` are the headline numbers; ``totals`` give "found / total" for
    counts; ``anchors`` the same figures from a reference method; ``aims``
    the targets (``">= 17"``), checked into ``meets_aims``.
    """
    aims = dict(aims or {})
    return {
        "corpus": corpus,
        "figures": rounded(dict(figures)),
        "totals": dict(totals or {}),
        "anchors": dict(anchors or {}),
        "anchor_source": anchor_source,
        "aims": aims,
        "meets_aims": {name: meets(figures.get(name), aim) for name, aim in aims.items()},
        "details": rounded(dict(details or {})),
        "settings": dict(settings or {}),
        "timings": rounded(dict(timings or {}), 3),
    }
