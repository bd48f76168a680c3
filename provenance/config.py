"""Settings for a scan, with their documented defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from datetime import date as _date
from typing import Any

from provenance.errors import ConfigError

SENSITIVITIES = ("normal", "high")

MAX_FILE_BYTES = 1 << 40
"""Largest ``max_file_bytes`` (1 TiB): beyond any file a scan can hold in memory."""

MAX_WORKERS_PER_CORE = 4
"""``workers`` above this many per core are capped: more processes only add
memory and start-up time (each forks a copy of the pipeline)."""


def max_workers() -> int:
    """The most worker processes a stage starts on this machine."""
    return MAX_WORKERS_PER_CORE * (os.cpu_count() or 1)


@dataclass(frozen=True)
class Config:
    """All tunable settings of the pipeline.

    Attributes:
        shingle_size: words per shingle; fingerprints hash word n-grams.
        window: shingles per fingerprinted window. Windows overlap by half, so
            any reused stretch of ``window * 1.5 + shingle_size`` words contains
            one whole window.
        num_perm: MinHash permutations per window.
        seed: seed of the MinHash permutations (datasketch's generator).
        threshold: Jaccard similarity at which two windows become candidates
            (sets the LSH bands and rows).
        max_bucket_docs: an LSH bucket holding more documents than this is a
            stock phrase or boilerplate block; its documents are linked to the
            first few of them only, which keeps large corpora from exploding
            into pairs.
        min_tokens: shortest passage, in words, on both sides. Shorter
            shared runs ("the two countries", a date line) are not reported.
        max_gap: longest run of differing words that still joins two aligned
            stretches into one passage.
        join_gap: longest rewritten stretch between two passages that still
            joins them, when the joined passage keeps ``min_similarity``.
        min_similarity: passages whose aligned similarity is below this are
            dropped as coincidence.
        near_verbatim: similarity from which an edited passage counts as
            near-verbatim rather than derivative.
        boilerplate_docs: a passage shared by this many documents of one site
            (and nothing outside it) is that site's boilerplate.
        max_file_bytes: larger files are skipped.
        workers: processes for reading and fingerprinting; 0 means one per core.
        spill_mb: above this many MB of input, the window signatures (about
            twice the text's size) are kept in temporary files rather than in
            memory (``provenance.spill``); 0 spills every scan.
        stock_windows: scans of more than this many windows (about 90 MB of
            text) discount weak evidence: a window pair whose agreeing
            MinHash values come from one shingle is chance (``lsh.agree``),
            and so is a document pair whose every window pair is witnessed
            by two stock shingles alone (``lsh.with_evidence``); an LSH band
            whose values one shingle sets pairs nothing (``lsh.one_shingle``).
            Such pairs grow with the square of the corpus and, on a crawl, outnumber the
            reuse; in a smaller scan they are aligned, and now and then one
            is heavily edited reuse. 0 discounts them in every scan.
        follow_links: read symbolic links found under the scanned paths even
            when they lead outside them (by default such links are skipped).
        sensitivity: ``"normal"`` finds reuse that keeps runs of the same
            words; ``"high"`` also compares the sentences of every candidate
            document pair as bags of stems (:mod:`provenance.rewrite`), which
            finds reordered, reworded and summarised reuse at several times
            the alignment cost.
        today: the day (``YYYY-MM-DD``) dates are read as of: a stated date
            after the next year is implausible, and htmldate guesses no day
            after it. None (the default) is the current UTC date, taken once
            when a scan, index add or check starts (``dated``), so that one
            run reads every file as of the same day; set it to make a report
            that never depends on the day it is made.
    """

    shingle_size: int = 3
    window: int = 32
    num_perm: int = 48
    seed: int = 1
    threshold: float = 0.15
    max_bucket_docs: int = 64
    min_tokens: int = 15
    max_gap: int = 12
    join_gap: int = 40
    min_similarity: float = 0.5
    near_verbatim: float = 0.9
    boilerplate_docs: int = 3
    max_file_bytes: int = 64 * 1024 * 1024
    workers: int = 0
    follow_links: bool = False
    sensitivity: str = "normal"
    spill_mb: int = 256
    stock_windows: int = 1_000_000
    today: str | None = None

    def __post_init__(self) -> None:
        positive = ("shingle_size", "window", "num_perm", "max_bucket_docs", "min_tokens", "boilerplate_docs", "max_file_bytes")
        for name in positive:
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, got {getattr(self, name)}")
        for name in ("threshold", "min_similarity", "near_verbatim"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise ConfigError(f"{name} must be in (0, 1], got {value}")
        if self.max_file_bytes > MAX_FILE_BYTES:
            raise ConfigError(f"max_file_bytes must be at most {MAX_FILE_BYTES} (1 TiB), got {self.max_file_bytes}")
        if self.sensitivity not in SENSITIVITIES:
            raise ConfigError(f"sensitivity must be one of {', '.join(SENSITIVITIES)}, got {self.sensitivity!r}")
        if min(self.max_gap, self.join_gap, self.workers, self.spill_mb, self.stock_windows) < 0:
            raise ConfigError("max_gap, join_gap, workers, spill_mb and stock_windows must not be negative")
        if self.today is not None:
            try:
                _date.fromisoformat(self.today)
            except (TypeError, ValueError):
                raise ConfigError(f"today must be a day as YYYY-MM-DD, got {self.today!r}") from None

    def dated(self) -> Config:
        """This config with ``today`` set: the current UTC date when it is None.

        >>> Config(today="2020-02-29").dated().today
        '2020-02-29'
        """
        if self.today is not None:
            return self
        return replace(self, today=current_day())

    @property
    def processes(self) -> int:
        """How many processes a stage may use: ``workers``, or one per core;
        never more than ``max_workers()``."""
        return min(self.workers or os.cpu_count() or 1, max_workers())

    def with_overrides(self, **overrides: Any) -> Config:
        """Return a copy with some settings changed; unknown names raise ConfigError."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return replace(self, **overrides)


def current_day() -> str:
    """The current UTC date as ``YYYY-MM-DD``: what ``Config.today`` defaults
    to, and the one place that reads the clock for it."""
    return datetime.now(UTC).date().isoformat()


def make_config(config: Config | None = None, **overrides: Any) -> Config:
    """Combine an optional Config with keyword overrides."""
    return (config or Config()).with_overrides(**overrides)
