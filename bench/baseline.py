"""The yardstick: plain per-document ``datasketch.MinHash`` fingerprinting.

    python -m bench.baseline bench/out/corpus-10mb --workers 1

Each document's text is lowercased and split on whitespace; its 5-word
shingles go to one ``MinHash(num_perm=128)`` (datasketch's default SHA-1
hash) through ``update_batch``. That is what a document-level dedup tool
does per document, and the scan should beat it while doing much more.

Texts are read (with provenance's own reader, so they are the very texts the
scan sees) before the clock starts: only fingerprinting is timed. With
``--workers N > 1`` the documents are split over N forked processes, forked
after reading and before the clock starts, so neither reading nor process
start-up counts against the yardstick.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from pathlib import Path
from typing import Any

from datasketch import MinHash

NUM_PERM = 128
SHINGLE = 5

_TEXTS: list[str] = []  # filled before forking, so workers inherit it


def fingerprint(text: str) -> MinHash:
    """Plain datasketch fingerprint of one document.

    >>> m = fingerprint("a b c d e f")
    >>> len(m.hashvalues), round(m.jaccard(fingerprint("a b c d e f")), 2)
    (128, 1.0)
    """
    ws = text.lower().split()
    m = MinHash(num_perm=NUM_PERM)
    m.update_batch([" ".join(ws[i : i + SHINGLE]).encode() for i in range(len(ws) - SHINGLE + 1)])
    return m


def _fingerprint_range(bounds: tuple[int, int]) -> tuple[int, float]:
    """Fingerprint ``_TEXTS[start:end]``; return the count and the CPU seconds used."""
    cpu = time.process_time()
    for text in _TEXTS[bounds[0] : bounds[1]]:
        fingerprint(text)
    return bounds[1] - bounds[0], time.process_time() - cpu


def load_texts(docs: Path) -> list[str]:
    """Every document text under ``docs``, as ``provenance.scan`` reads them."""
    from provenance.config import current_day
    from provenance.read import find_sources, read_source

    sources, _ = find_sources([docs])
    today = current_day()
    texts: list[str] = []
    for source in sources:
        found, _, _ = read_source(source, max_bytes=1 << 40, today=today)
        texts.extend(d.text for d in found)
    return texts


def run(corpus: Path, *, workers: int = 1) -> dict[str, Any]:
    """Time plain fingerprinting of every document of ``corpus/docs``.

    Returns:
        ``{"seconds", "cpu_seconds", "bytes", "documents", "workers"}``:
        wall and CPU time of the fingerprinting alone.
    """
    global _TEXTS
    _TEXTS = load_texts(corpus / "docs")
    n_bytes = sum(len(t.encode("utf-8")) for t in _TEXTS)
    if workers <= 1:
        t0 = time.perf_counter()
        done, cpu = _fingerprint_range((0, len(_TEXTS)))
        seconds = time.perf_counter() - t0
    else:
        # Many small ranges keep both processes busy to the end.
        step = max(1, len(_TEXTS) // (workers * 32))
        ranges = [(i, min(i + step, len(_TEXTS))) for i in range(0, len(_TEXTS), step)]
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            pool.map(int, range(workers))  # workers are up before the clock starts
            t0 = time.perf_counter()
            parts = list(pool.imap_unordered(_fingerprint_range, ranges))
            seconds = time.perf_counter() - t0
        done, cpu = sum(n for n, _ in parts), sum(c for _, c in parts)
    assert done == len(_TEXTS)
    return {"seconds": seconds, "cpu_seconds": cpu, "bytes": n_bytes, "documents": len(_TEXTS), "workers": max(1, workers)}


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m bench.baseline CORPUS [--workers N]``."""
    parser = argparse.ArgumentParser(prog="python -m bench.baseline", description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path, help="a corpus-<size>mb folder (with docs/)")
    parser.add_argument("--workers", type=int, default=1, help="processes (default 1)")
    args = parser.parse_args(argv)
    sys.stdout.write(json.dumps(run(args.corpus, workers=args.workers)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
