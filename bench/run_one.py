"""One scan of one corpus in this (fresh) process; prints its figures as JSON.

    python -m bench.run_one bench/out/corpus-10mb --workers 2
    python -m bench.run_one bench/out/corpus-10mb --workers 2 --engine spark

Run it in a new process per measurement, as ``python -m bench`` does, so that
peak memory (``getrusage``) belongs to this scan alone. Stage timings come
from ``report.stats``; the memory of each stage is the peak of the sampled
PSS of this process and its workers during that stage's time span.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

STAGES = ("read+fingerprint", "candidates", "align", "passages")


def _cpu_seconds() -> float:
    """User + system CPU time of this process and its reaped children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run(corpus: Path, *, workers: int, sample: bool = True, engine: str = "local") -> dict[str, Any]:
    """Scan ``corpus/docs`` and score it against ``corpus/truth.json``.

    With ``engine="spark"`` the scan runs on Spark in local mode with
    ``workers`` executor threads; the session starts before the clock
    (``startup_seconds``), as a cluster would already be up. The sampled
    memory then covers the JVM and Spark's Python workers too (they are
    this process's descendants).

    Returns:
        ``{"seconds", "cpu_seconds", "stages": {name: {"seconds", "peak_mb"}}, "peak_mb":
        {"main", "largest_worker", "tree_pss", "after_import"}, "bytes",
        "documents", "windows", "candidate_window_pairs", "recall": {...}}``.
    """
    import provenance  # imported before measuring: import cost is not scan cost
    from bench.memory import TreeSampler, current_rss_mb, rusage_peaks_mb

    after_import = current_rss_mb()
    cpu0 = _cpu_seconds()
    startup = 0.0
    with TreeSampler() if sample else nullcontext() as sampler:
        if engine == "spark":
            from provenance import spark

            t = time.perf_counter()
            session = spark.session(workers=workers)
            startup = time.perf_counter() - t
        t0 = time.perf_counter()
        if engine == "spark":
            report = spark.scan([corpus / "docs"], spark=session, workers=workers)
        else:
            report = provenance.scan([corpus / "docs"], workers=workers)
        t1 = time.perf_counter()
        if engine == "spark":
            session.stop()
    cpu = _cpu_seconds() - cpu0
    main_peak, worker_peak = rusage_peaks_mb()

    timings: dict[str, float] = report.stats["timings"]
    stages: dict[str, dict[str, float]] = {}
    start = t0
    for name in STAGES:
        seconds = float(timings.get(name, 0.0))
        end = start + seconds if name != STAGES[-1] else t1
        stages[name] = {"seconds": seconds, "peak_mb": sampler.peak(start, end) if sampler else 0.0}
        start += seconds
    stages["other"] = {"seconds": max(0.0, (t1 - t0) - sum(timings.get(n, 0.0) for n in STAGES)), "peak_mb": 0.0}

    from bench.recall import score

    truth = json.loads((corpus / "truth.json").read_text(encoding="utf-8"))
    return {
        "engine": engine,
        "startup_seconds": startup,
        "seconds": t1 - t0,
        "cpu_seconds": cpu,
        "stages": stages,
        "peak_mb": {
            "main": main_peak,
            "largest_worker": worker_peak,
            "tree_pss": sampler.peak() if sampler else 0.0,
            "after_import": after_import,
        },
        "bytes": report.stats["bytes"],
        "documents": len(report.documents),
        "skipped": len(report.skipped),
        "windows": report.stats["windows"],
        "candidate_window_pairs": report.stats["candidate_window_pairs"],
        "recall": score(truth["planted"], report.passages),
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m bench.run_one CORPUS [--workers N] [--no-sample]``."""
    parser = argparse.ArgumentParser(prog="python -m bench.run_one", description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path, help="a corpus-<size>mb folder (with docs/ and truth.json)")
    parser.add_argument("--workers", type=int, default=0, help="scan processes; 0 = one per core")
    parser.add_argument("--no-sample", action="store_true", help="do not sample memory per stage")
    parser.add_argument("--engine", choices=["local", "spark"], default="local", help="local processes, or Spark's local mode with --workers executor threads")
    args = parser.parse_args(argv)
    result = run(args.corpus, workers=args.workers, sample=not args.no_sample, engine=args.engine)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
