"""numpy's code paths chosen for the processor (provenance.cpu)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from provenance.cpu import NUMPY_FEATURES_ENV, slow_avx512_sort, tune_numpy

ZEN4 = "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 17\nflags\t\t: fpu sse2 avx2 avx512f avx512dq\n\nprocessor\t: 1\n"
ZEN3 = ZEN4.replace(" avx512f avx512dq", "")
ZEN5 = ZEN4.replace("cpu family\t: 25", "cpu family\t: 26")
INTEL = ZEN4.replace("AuthenticAMD", "GenuineIntel").replace("cpu family\t: 25", "cpu family\t: 6")


def test_only_zen4_with_avx512_is_slow() -> None:
    assert slow_avx512_sort(ZEN4)
    assert not slow_avx512_sort(ZEN3)
    assert not slow_avx512_sort(ZEN5)
    assert not slow_avx512_sort(INTEL)
    assert not slow_avx512_sort("")


def test_tuned_on_zen4_before_numpy_loads(tmp_path: Path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text(ZEN4)
    environ: dict[str, str] = {}
    assert tune_numpy(environ, info, imported=set())
    assert "AVX512_ICL" in environ[NUMPY_FEATURES_ENV]


def test_left_alone_when_numpy_loaded_user_chose_or_other_cpu(tmp_path: Path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text(ZEN4)
    assert not tune_numpy({}, info, imported={"numpy"})
    chosen = {NUMPY_FEATURES_ENV: ""}
    assert not tune_numpy(chosen, info, imported=set())
    assert chosen == {NUMPY_FEATURES_ENV: ""}
    info.write_text(INTEL)
    assert not tune_numpy({}, info, imported=set())
    assert not tune_numpy({}, tmp_path / "missing", imported=set())


def test_import_respects_the_users_setting_and_never_warns() -> None:
    env = {**os.environ, NUMPY_FEATURES_ENV: ""}
    code = "import os, provenance, numpy; print(repr(os.environ['NPY_DISABLE_CPU_FEATURES']))"
    out = subprocess.run([sys.executable, "-W", "error", "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "''"
    env.pop(NUMPY_FEATURES_ENV)
    # Whatever this machine is, importing never makes numpy warn (a wrong feature name would).
    subprocess.run([sys.executable, "-W", "error", "-c", "import provenance, numpy"], env=env, check=True)
