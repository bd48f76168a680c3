"""``python -m bench.index``: the persistent index and the ``provenance check`` gate.

    python -m bench.index                 # 10 MB (~100k windows) and 100 MB (~1M windows)
    python -m bench.index --sizes 1       # quick

For each size it builds a SQLite index of the bench corpus with
``provenance index add`` in a fresh process (build rate in windows per
second, bytes on disk per window), then times ``provenance check`` of
1,000-word documents that each reuse 300 words of an indexed document:

* whole process: ``python -m provenance check FILE --db DB --format json``,
  start to exit (``--whole-runs`` runs);
* in-process: ``provenance.gate.check([FILE], DB)`` in a warm process
  (``--runs`` runs, a different document each time);

and reports p50 and p99 of each. Aims: in-process p50 under 30 ms and
whole process under 1 s at 1M windows, and the index under 1 KB per
window. Results go to ``bench/results-index.json``. ``python -m bench``
runs this too (``--index only`` for this part alone).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import results
from bench.corpus import ensure_corpus

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PROBE_WORDS = 1000
REUSED_WORDS = 300
AIM_IN_PROCESS_P50_MS = 30.0
AIM_WHOLE_PROCESS_S = 1.0
AIM_BYTES_PER_WINDOW = 1024


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env.pop("GITHUB_ACTIONS", None)
    return env


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[k]


def make_probes(docs: Path, folder: Path, n: int, *, seed: int = 1) -> list[Path]:
    """``n`` documents of PROBE_WORDS words: REUSED_WORDS copied from one
    indexed document, the rest words of another document in shuffled order
    (same vocabulary, no reuse)."""
    files = sorted(p for p in docs.rglob("*.txt"))
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        source = rng.choice(files).read_text(encoding="utf-8").split()
        filler: list[str] = []
        while len(filler) < PROBE_WORDS:
            words = rng.choice(files).read_text(encoding="utf-8").split()
            rng.shuffle(words)
            filler.extend(words)
        start = rng.randrange(max(1, len(source) - REUSED_WORDS))
        reused = source[start : start + REUSED_WORDS]
        cut = (PROBE_WORDS - len(reused)) // 2
        words = filler[:cut] + reused + filler[cut : PROBE_WORDS - len(reused)]
        path = folder / f"probe-{i:04d}.txt"
        path.write_text(" ".join(words) + "\n", encoding="utf-8")
        out.append(path)
    return out


def build(corpus_docs: Path, db: Path) -> dict[str, Any]:
    """Build the index in a fresh process; its rate and size."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "provenance", "index", "add", "docs", "--db", str(db), "--format", "json"],
        cwd=corpus_docs.parent, env=_env(), capture_output=True, text=True,
    )
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"index add failed (exit {proc.returncode}):\n{proc.stderr}")
    stats = json.loads(subprocess.run(
        [sys.executable, "-m", "provenance", "index", "stats", "--db", str(db), "--format", "json"],
        env=_env(), capture_output=True, text=True, check=True,
    ).stdout)
    return {
        "documents": stats["documents"],
        "windows": stats["windows"],
        "build_seconds": round(seconds, 2),
        "windows_per_second": round(stats["windows"] / seconds),
        "bytes": stats["bytes"],
        "bytes_per_window": round(stats["bytes"] / max(1, stats["windows"]), 1),
    }


def whole_process(db: Path, probes: list[Path], runs: int) -> dict[str, float]:
    times = []
    for probe in probes[:runs]:
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "provenance", "check", str(probe), "--db", str(db), "--format", "json"], env=_env(), capture_output=True, text=True)
        times.append(time.perf_counter() - t0)
        if proc.returncode not in (0, 1):
            raise RuntimeError(f"check failed (exit {proc.returncode}):\n{proc.stderr}")
    return {"p50_s": round(_percentile(times, 0.5), 3), "p99_s": round(_percentile(times, 0.99), 3), "runs": len(times)}


def in_process(db: Path, probes: list[Path], runs: int) -> dict[str, Any]:
    from provenance import gate

    gate.check([probes[0]], db)  # warm: imports, permutations, page cache
    times, failed = [], 0
    for i in range(runs):
        t0 = time.perf_counter()
        result = gate.check([probes[i % len(probes)]], db)
        times.append(time.perf_counter() - t0)
        failed += not result.passed
    return {
        "p50_ms": round(1000 * _percentile(times, 0.5), 1),
        "p99_ms": round(1000 * _percentile(times, 0.99), 1),
        "runs": runs,
        "failed_share": round(failed / runs, 3),  # probes reuse 300 indexed words: most should fail
    }


def run(sizes: list[float], out: Path, *, seed: int = 1, runs: int = 200, whole_runs: int = 20, console: Console | None = None) -> list[dict[str, Any]]:
    """Measure every size; print a table; return the entries."""
    console = console or Console(highlight=False)
    entries = []
    for size in sizes:
        corpus = ensure_corpus(out, size, seed=seed)
        db = corpus.root / "index.db"
        console.print(f"[dim]{size:g} MB: building the index …[/dim]")
        entry: dict[str, Any] = {"size_mb": size, **build(corpus.docs, db)}
        probes = make_probes(corpus.docs, corpus.root / "probes", max(runs, whole_runs), seed=seed)
        console.print(f"[dim]{size:g} MB: timing provenance check …[/dim]")
        entry["check_in_process"] = in_process(db, probes, runs)
        entry["check_whole_process"] = whole_process(db, probes, whole_runs)
        entries.append(entry)
    table = Table(title="persistent index (SQLite) and provenance check of a 1,000-word document")
    for column in ("corpus", "windows", "build windows/s", "bytes/window", "in-process p50 / p99", "whole process p50 / p99"):
        table.add_column(column, justify="right")
    for e in entries:
        ip, wp = e["check_in_process"], e["check_whole_process"]
        table.add_row(
            f"{e['size_mb']:g} MB", f"{e['windows']:,}", f"{e['windows_per_second']:,}", f"{e['bytes_per_window']:.0f}",
            f"{ip['p50_ms']:.1f} / {ip['p99_ms']:.1f} ms", f"{wp['p50_s']:.2f} / {wp['p99_s']:.2f} s",
        )
    console.print(table)
    console.print(
        f"aims: in-process p50 < {AIM_IN_PROCESS_P50_MS:g} ms, whole process < {AIM_WHOLE_PROCESS_S:g} s, "
        f"< {AIM_BYTES_PER_WINDOW} bytes per window (at ~1M windows)"
    )
    return entries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.index", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10,100", help="corpus sizes in MB, comma-separated (default 10,100: ~100k and ~1M windows)")
    parser.add_argument("--out", type=Path, default=HERE / "out", help="where corpora and indexes go (default bench/out)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=200, help="in-process check runs per size (default 200)")
    parser.add_argument("--whole-runs", type=int, default=20, help="whole-process check runs per size (default 20)")
    parser.add_argument("--results", type=Path, default=HERE / "results-index.json")
    args = parser.parse_args(argv)
    sizes = [float(s) for s in args.sizes.split(",") if s.strip()]
    entries = run([int(s) if s.is_integer() else s for s in sizes], args.out, seed=args.seed, runs=args.runs, whole_runs=args.whole_runs)
    write(args.results, entries)
    return 0


def write(path: Path, entries: list[dict[str, Any]]) -> None:
    data = {"schema": "provenance-bench-index/1", "machine": results.machine(), "runs": entries}
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
