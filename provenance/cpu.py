"""Processor quirks that change how fast numpy runs, worked around before numpy loads.

On AMD Zen 4 processors (family 25 with AVX-512), numpy's AVX-512 sort
(x86-simd-sort) is several times slower than its AVX2 sort: it stores with
``vpcompress`` to memory, which Zen 4 runs in microcode (numpy/x86-simd-sort
issue 6; OpenJDK turned its AVX-512 sort off on Zen 4 for the same reason).
The candidate stage sorts every LSH band's keys, and sorting was half its
time: measured here, 10.9 million keys sort in 0.76 s with AVX-512 and in
0.17 s with AVX2. Zen 4 runs AVX-512 on 256-bit units, so numpy's AVX2 code
is as fast elsewhere.

numpy chooses its code paths once, when it is imported, from
``NPY_DISABLE_CPU_FEATURES``. :func:`tune_numpy` sets that variable on such a
processor, only when numpy is not imported yet (``import provenance`` comes
first, as in the command line tool and its worker processes) and only when
the user has not set it: ``NPY_DISABLE_CPU_FEATURES=""`` keeps every path.
It then imports numpy itself, so that the names of targets an older or
newer numpy does not know are not warned of.
Results never change, only speed: a sort is a sort.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Container, MutableMapping
from pathlib import Path

NUMPY_FEATURES_ENV = "NPY_DISABLE_CPU_FEATURES"
AVX512_TARGETS = "X86_V4 AVX512F AVX512CD AVX512_KNL AVX512_KNM AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL AVX512_SPR"
"""numpy's AVX-512 dispatch targets, as numpy 2.4 (``X86_V4``, ``AVX512_*``)
and earlier versions (``AVX512F``...) name them; a build warns of the names
it does not dispatch on, so ``tune_numpy`` imports numpy with that warning ignored."""


def slow_avx512_sort(cpuinfo: str) -> bool:
    """Whether ``/proc/cpuinfo`` describes an AMD Zen 4 processor with AVX-512.

    >>> slow_avx512_sort("vendor_id\\t: AuthenticAMD\\ncpu family\\t: 25\\nflags\\t\\t: sse avx2 avx512f\\n")
    True
    >>> slow_avx512_sort("vendor_id\\t: GenuineIntel\\ncpu family\\t: 6\\nflags\\t\\t: avx2 avx512f\\n")
    False
    """
    fields: dict[str, str] = {}
    for line in cpuinfo.splitlines():
        if not line.strip():
            break  # the first processor describes them all
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    return fields.get("vendor_id") == "AuthenticAMD" and fields.get("cpu family") == "25" and "avx512f" in fields.get("flags", "").split()


def tune_numpy(environ: MutableMapping[str, str] = os.environ, cpuinfo: Path = Path("/proc/cpuinfo"), imported: Container[str] = sys.modules) -> bool:
    """Ask numpy for its AVX2 code paths on a processor where its AVX-512
    sort is slow, when numpy is not imported yet and the user has not chosen
    (see the module docstring). Returns whether it did."""
    if "numpy" in imported or NUMPY_FEATURES_ENV in environ:
        return False
    try:
        info = cpuinfo.read_text(errors="replace")
    except OSError:  # not Linux, or no /proc
        return False
    if not slow_avx512_sort(info):
        return False
    environ[NUMPY_FEATURES_ENV] = AVX512_TARGETS
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImportWarning)
        import numpy  # noqa: F401  (loaded now, while the unknown names' warning is ignored)
    return True
