"""Memory of a process tree: exact peaks from ``getrusage`` and a sampled
total over the process and its live children (worker processes).

``getrusage`` gives the peak resident set of this process (``RUSAGE_SELF``)
and of its largest finished child (``RUSAGE_CHILDREN``), but not the peak of
their sum while workers run side by side. :class:`TreeSampler` fills that gap
by reading ``/proc`` every few milliseconds: the proportional set size (PSS,
shared pages split between the processes that map them, so forked workers
are not counted twice) of the process and all its descendants, summed.
"""

from __future__ import annotations

import os
import resource
import threading
import time
from pathlib import Path

KIB = 1024
MB = 1_000_000  # decimal megabytes, like the corpus sizes


def rusage_peaks_mb() -> tuple[float, float]:
    """Peak RSS of this process and of its largest waited-for child, in MB."""
    self_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    children_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return self_kib * KIB / MB, children_kib * KIB / MB


def current_rss_mb(pid: int | str = "self") -> float:
    """Resident set size now, in MB (0 if the process is gone)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MB
    except (OSError, ValueError, IndexError):
        return 0.0


def _pss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * KIB / MB
    except (OSError, ValueError):
        pass
    return current_rss_mb(pid)


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        try:
            out.extend(int(c) for c in Path(f"/proc/{pid}/task/{tid}/children").read_text().split())
        except (OSError, ValueError):
            continue
    return out


def tree_pss_mb(pid: int) -> float:
    """PSS of ``pid`` and all its descendants, summed, in MB."""
    total, stack, seen = 0.0, [pid], set()
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        total += _pss_mb(p)
        stack.extend(_children(p))
    return total


_COST_SHARE = 10


class TreeSampler(threading.Thread):
    """Background thread sampling :func:`tree_pss_mb` of this process.

    Use as a context manager; ``samples`` holds ``(perf_counter time, MB)``.
    """

    def __init__(self, interval: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.samples: list[tuple[float, float]] = []
        self._stop_event = threading.Event()
        self._pid = os.getpid()

    def run(self) -> None:
        """Sample until stopped.

        Reading a process's PSS walks its page tables: a few milliseconds
        of CPU for a few hundred MB, and more as memory grows. The wait
        after each sample is at least ``_COST_SHARE`` times what the sample
        cost this thread, so that sampling takes under a tenth of one core
        at any size instead of a share that grows with the corpus (which
        would slow the scan it measures, the more so the larger the corpus).
        """
        while not self._stop_event.is_set():
            cpu = time.thread_time()
            self.samples.append((time.perf_counter(), tree_pss_mb(self._pid)))
            self._stop_event.wait(max(self.interval, _COST_SHARE * (time.thread_time() - cpu)))

    def __enter__(self) -> TreeSampler:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop_event.set()
        self.join()
        self.samples.append((time.perf_counter(), tree_pss_mb(self._pid)))

    def peak(self, start: float = float("-inf"), end: float = float("inf")) -> float:
        """Largest sample taken in ``[start, end]``; without one, the sample
        nearest to the middle of the interval."""
        inside = [mb for t, mb in self.samples if start <= t <= end]
        if inside:
            return max(inside)
        if not self.samples:
            return 0.0
        middle = (max(start, self.samples[0][0]) + min(end, self.samples[-1][0])) / 2
        return min(self.samples, key=lambda s: abs(s[0] - middle))[1]
