"""Processor quirks that change how fast numpy runs, worked around before numpy loads.

On AMD Zen 4 processors (family 25 with AVX-512), numpy's AVX-512 sort
(x86-simd-sort) is several times slower than its AVX2 sort: it stores with
``vpcompress`` to memory, which Zen 4 runs in microcode (numpy/x86-simd-sort
issue 6; OpenJDK turned its AVX-512 sort off on Zen 4 for the same reason).
The candidate stage sorts every LSH band's keys, so there a scan spends half
its time: measured here, 10.9 million keys sort in 0.76 s with AVX-512 and in
0.17 s with AVX2. Zen 4 runs AVX-512 on 256-bit units, so numpy's AVX2 code
is as fast elsewhere.

numpy chooses its code paths once, when it is imported, from
``NPY_DISABLE_CPU_FEATURES``. :func:`tune_numpy` sets that variable on such a
processor, only when numpy is not imported yet (``import provenance`` comes
first, as in the command line tool and its worker processes) and only when
the user has not set it: ``NPY_DISABLE_CPU_FEATURES=""`` keeps every path.
Results never change, only speed: a sort is a sort.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Container, MutableMapping
from importlib import metadata
from pathlib import Path

NUMPY_FEATURES_ENV = "NPY_DISABLE_CPU_FEATURES"


def avx512_features(numpy_version: str) -> str:
    """numpy's AVX-512 dispatch targets, named as that numpy version names
    them (it warns of names it does not dispatch on).

    >>> avx512_features("2.4.6"), avx512_features("2.2.0")
    ('X86_V4 AVX512_ICL AVX512_SPR', 'AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL AVX512_SPR')
    """
    major, minor = (int(x) for x in re.findall(r"\d+", numpy_version)[:2])
    if (major, minor) >= (2, 4):
        return "X86_V4 AVX512_ICL AVX512_SPR"
    return "AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL AVX512_SPR"


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
    try:
        features = avx512_features(metadata.version("numpy"))
    except (metadata.PackageNotFoundError, ValueError):
        return False
    environ[NUMPY_FEATURES_ENV] = features
    return True
