"""``python -m bench``: speed, memory and recall of a scan on synthetic corpora.

    python -m bench                       # 100 MB and 1 GB, Spark on the 100 MB corpus
    python -m bench --quick               # 1 MB, to check that it works (Spark too)
    python -m bench --sizes 10,100,1000 --workers 2 --repeat 3 --scan-repeat 3
    python -m bench --sizes 10 --spark-sizes 10 --index off
    python -m bench --index only          # the persistent index and check latency alone

For each size it generates the corpus under ``--out`` (only when missing or
made by another generator version), times plain datasketch fingerprinting of
the same text on 1 process and on ``--workers`` processes, scans it, each in
a fresh process, and prints a table per size plus a summary. On the sizes of
``--spark-sizes`` it also scans with the Spark engine in local mode with 1
and 2 executor threads, as a ratio to the local engine's time. The figures go
to ``bench/results.json`` (``--quick``: ``<out>/results-quick.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from rich.console import Console

from bench import results
from bench.corpus import ensure_corpus, warm

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


class BenchError(Exception):
    """A measurement subprocess failed."""


def _busy_cpu_seconds() -> float:
    """CPU seconds spent by every process on the machine so far (/proc/stat)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _children_cpu_seconds() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def measure(module: str, *args: str) -> dict[str, Any]:
    """Run ``python -m module args`` in a fresh process and return its JSON
    result, plus ``other_load``: the average number of cores that other
    processes on the machine kept busy meanwhile."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    busy0, own0, t0 = _busy_cpu_seconds(), _children_cpu_seconds(), time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    busy, own = _busy_cpu_seconds() - busy0, _children_cpu_seconds() - own0
    if proc.returncode != 0:
        raise BenchError(f"python -m {module} {' '.join(args)} failed (exit {proc.returncode}):\n{proc.stderr}")
    lines = proc.stdout.strip().splitlines()
    if not lines:
        raise BenchError(f"python -m {module} {' '.join(args)} printed nothing:\n{proc.stderr}")
    result: dict[str, Any] = json.loads(lines[-1])
    result["other_load"] = max(0.0, busy - own) / wall if wall > 0 else 0.0
    return result


def wait_until_quiet(max_wait: float, *, threshold: float = 0.3, step: float = 0.5) -> float:
    """Wait (at most ``max_wait`` seconds) until other processes keep fewer
    than ``threshold`` cores busy over ``step`` seconds, so that a shared
    machine's test runs do not land in the figures. Returns the load seen last."""
    deadline = time.perf_counter() + max_wait
    while True:
        busy0, t0 = _busy_cpu_seconds(), time.perf_counter()
        time.sleep(step)
        load = (_busy_cpu_seconds() - busy0) / (time.perf_counter() - t0)
        if load < threshold or time.perf_counter() >= deadline:
            return load


BUSY_RETRIES = 2  # extra runs when other processes disturbed the best one


def best_of(repeat: int, module: str, *args: str, max_wait: float = 0.0, before: Callable[[], object] | None = None) -> dict[str, Any]:
    """The run with the least wall time out of ``repeat`` runs, each started
    once the machine is quiet (or after ``max_wait`` seconds), right after
    ``before()`` when given. While the best run was disturbed by other
    processes (``results.BUSY_LOAD``), up to ``BUSY_RETRIES`` more runs are made."""
    runs: list[dict[str, Any]] = []

    def best() -> dict[str, Any]:
        return min(runs, key=lambda r: r["seconds"])

    while len(runs) < max(1, repeat) or (best()["other_load"] > results.BUSY_LOAD and len(runs) < max(1, repeat) + BUSY_RETRIES):
        if max_wait > 0:
            wait_until_quiet(max_wait)
        if before is not None:
            before()
        runs.append(measure(module, *args))
    return {**best(), "runs": len(runs)}


def _sizes(text: str) -> list[float]:
    try:
        sizes = [float(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"sizes must be numbers of MB separated by commas, got {text!r}") from None
    if not sizes or min(sizes) <= 0:
        raise argparse.ArgumentTypeError(f"give at least one positive size in MB, got {text!r}")
    return [int(s) if s.is_integer() else s for s in sizes]


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=_sizes, default=[100, 1000], help="corpus sizes in MB, comma-separated (default 100,1000)")
    parser.add_argument("--spark-sizes", type=_sizes, default=[100], help="sizes also scanned by the Spark engine in local mode, 1 and 2 executor threads (default 100)")
    parser.add_argument("--no-spark", action="store_true", help="skip the Spark engine")
    parser.add_argument("--quick", action="store_true", help="one 1 MB corpus, results to <out>/results-quick.json")
    parser.add_argument("--out", type=Path, default=HERE / "out", help="where corpora go (default bench/out)")
    parser.add_argument("--workers", type=int, default=0, help="scan processes; 0 = one per core (default)")
    parser.add_argument("--seed", type=int, default=1, help="corpus generator seed (default 1)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per plain datasketch measurement; the fastest counts (default 1)")
    parser.add_argument("--scan-repeat", type=int, default=2, help="runs per scan, local or Spark; the fastest counts (default 2: the growth from 100 MB to 1 GB compares two scans, and one slow run on a shared machine would decide it)")
    parser.add_argument("--results", type=Path, default=None, help="results file (default bench/results.json)")
    parser.add_argument("--max-wait", type=float, default=30.0, help="seconds to wait for other processes to go idle before each run (default 30; 0 = never wait)")
    parser.add_argument("--no-plain", action="store_true", help="skip the plain datasketch yardstick")
    parser.add_argument("--index", choices=["on", "off", "only"], default="on", help="the persistent index and check latency (bench/index.py) after the scans; 'only' skips the scans (default on)")
    args = parser.parse_args(argv)

    sizes: list[float] = [1] if args.quick else args.sizes
    workers = args.workers or os.cpu_count() or 1
    out_path: Path = args.results or (args.out / "results-quick.json" if args.quick else HERE / "results.json")
    # Wide enough for the tables and one-line figures when output goes to a file or pipe.
    console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 120)
    entries: list[dict[str, Any]] = []
    if args.index == "only":
        return _index_section(sizes, args, console)
    try:
        for size in sizes:
            console.print(f"[dim]{size:g} MB: preparing corpus …[/dim]")
            corpus = ensure_corpus(args.out, size, seed=args.seed)
            plain: dict[int, dict[str, Any]] = {}
            if not args.no_plain:
                for procs in sorted({1, workers}):
                    console.print(f"[dim]{size:g} MB: plain datasketch MinHash on {procs} process(es) …[/dim]")
                    plain[procs] = best_of(args.repeat, "bench.baseline", str(corpus.root), "--workers", str(procs), max_wait=args.max_wait)
            console.print(f"[dim]{size:g} MB: scan with {workers} worker(s) …[/dim]")
            cached = partial(warm, corpus.docs)  # every scan starts with its corpus in the page cache
            scan = best_of(args.scan_repeat, "bench.run_one", str(corpus.root), "--workers", str(workers), max_wait=args.max_wait, before=cached)
            scan["workers"] = workers
            spark: dict[int, dict[str, Any]] = {}
            if not args.no_spark and (args.quick or size in args.spark_sizes):
                for threads in (1, 2):
                    console.print(f"[dim]{size:g} MB: Spark engine, local mode with {threads} executor thread(s) …[/dim]")
                    spark[threads] = best_of(args.scan_repeat, "bench.run_one", str(corpus.root), "--workers", str(threads), "--engine", "spark", max_wait=args.max_wait, before=cached)
            entry = results.summarize(size, corpus, scan, plain, spark)
            entries.append(entry)
            results.print_size(console, entry, generated=corpus.seconds if corpus.generated else None)
    except BenchError as e:
        console.print(f"[red]error:[/red] {e}")
        return 1
    growth = results.growth(entries)
    results.print_summary(console, entries, growth)
    results.write(
        out_path,
        entries,
        growth=growth,
        machine_info=results.machine(),
        settings_info=results.settings(sizes=sizes, seed=args.seed, workers=workers, repeat=args.repeat, scan_repeat=args.scan_repeat, max_wait=args.max_wait),
    )
    console.print(f"\nresults: {out_path}")
    return _index_section(sizes, args, console) if args.index == "on" else 0


def _index_section(sizes: list[float], args: argparse.Namespace, console: Console) -> int:
    from bench import index as index_bench

    path = args.out / "results-index-quick.json" if args.quick else index_bench.HERE / "results-index.json"
    index_bench.write(path, index_bench.run(sizes, args.out, seed=args.seed, console=console))
    console.print(f"\nindex results: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
