"""Process pools for the pipeline's parallel stages (read, candidates, align).

A stage hands its shared inputs to ``pool(..., initializer, initargs)``; each
worker receives them once, through the pool's initializer, and keeps them
for the tasks it runs. Nothing is passed through module globals of the
calling process, so two scans in one process (or threads) never see each
other's state.

Start method: ``fork`` where it is safe (Linux and other POSIX systems but
macOS), so workers share the parent's memory pages instead of receiving
copies; ``spawn`` elsewhere (macOS, where forking a process that has loaded
system frameworks can crash, and Windows, which has no fork). Spawned
workers re-import the calling script: like any ``multiprocessing`` user, a
script that scans a large corpus on macOS needs an
``if __name__ == "__main__":`` guard.
"""

from __future__ import annotations

import gc
import multiprocessing
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any

from provenance.errors import WorkerError

WORKERS_FAILED = "cannot start {workers} worker processes ({reason}); ask for fewer with --workers (1 runs in this process)"


def start_method() -> str:
    """``fork`` where forking is safe, else ``spawn`` (see the module docstring)."""
    if sys.platform != "darwin" and "fork" in multiprocessing.get_all_start_methods():
        return "fork"
    return "spawn"


@contextmanager
def pool(workers: int, initializer: Callable[..., None] | None = None, initargs: tuple[Any, ...] = (), *, method: str | None = None) -> Iterator[ProcessPoolExecutor]:
    """A process pool whose workers call ``initializer(*initargs)`` once, as
    a context manager that shuts it down.

    The workers are started on entry. When one cannot be (a process limit,
    no memory: ``fork`` fails), those already started are ended and
    ``WorkerError`` raised: a half-started pool would otherwise wait forever
    for its missing workers (issue 14).

    Args:
        workers: processes.
        method: start method; default ``start_method()``.

    Raises:
        WorkerError: a worker process cannot be started.
    """
    method = method or start_method()
    executor = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context(method),
        initializer=_start,
        initargs=(method, initializer, initargs),
    )
    try:
        executor.submit(_ready).result()  # with fork, starts every worker now
    except (OSError, BrokenProcessPool) as e:  # fork failed (BlockingIOError), or a worker died starting
        _abandon(executor)
        raise WorkerError(WORKERS_FAILED.format(workers=workers, reason=getattr(e, "strerror", None) or e)) from e
    with executor:
        yield executor


def _ready() -> None:
    """A task that only proves a worker runs."""


def _abandon(executor: ProcessPoolExecutor) -> None:
    """End the workers of a pool that could not start them all."""
    processes = list((getattr(executor, "_processes", None) or {}).values())
    for process in processes:
        process.terminate()
    for process in processes:
        process.join()
    executor.shutdown(wait=False, cancel_futures=True)


def _start(method: str, initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    if method == "fork":
        # A forked worker shares the parent's memory pages until it writes to
        # them; its garbage collector would write to every inherited object.
        # Frozen here, in the worker, the inherited objects are left alone,
        # and the parent's (or a host application's) collector state is
        # never touched.
        gc.freeze()
    if initializer is not None:
        initializer(*initargs)
