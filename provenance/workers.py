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
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any


def start_method() -> str:
    """``fork`` where forking is safe, else ``spawn`` (see the module docstring)."""
    if sys.platform != "darwin" and "fork" in multiprocessing.get_all_start_methods():
        return "fork"
    return "spawn"


def pool(workers: int, initializer: Callable[..., None] | None = None, initargs: tuple[Any, ...] = (), *, method: str | None = None) -> ProcessPoolExecutor:
    """A process pool whose workers call ``initializer(*initargs)`` once.

    Args:
        workers: processes.
        method: start method; default ``start_method()``.
    """
    method = method or start_method()
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context(method),
        initializer=_start,
        initargs=(method, initializer, initargs),
    )


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
