"""Installing: the distribution name, the command it installs, and a build without warnings (issue 13)."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import zipfile

import pytest

from tests.conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_installs_the_distribution_from_the_repository():
    name = PYPROJECT["project"]["name"]
    assert name == "text-provenance"  # `provenance` on PyPI is an unrelated project
    lines = [line.strip() for line in README.splitlines() if "pip install" in line]
    assert lines
    for line in lines:
        # Every install line outside a clone names this distribution at the repository;
        # nothing installs a bare name from the package index.
        command = re.search(r"pip install (.+?)(?:`|\s+#|$)", line).group(1).strip()
        assert command in (".", "'.[spark]'") or re.match(rf'"{name}(\[spark\])? @ git\+<repository-url>', command), line
    assert "rev: v0.1.0" not in README and "rev: <commit-sha>" in README


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    [path] = out.glob("*.whl")
    return path, done.stdout + done.stderr


def test_the_wheel_installs_the_provenance_command_and_package(wheel):
    path, _ = wheel
    assert path.name.startswith("text_provenance-")
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        meta = z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        entry_points = z.read(next(n for n in names if n.endswith(".dist-info/entry_points.txt"))).decode()
    assert "Name: text-provenance\n" in meta and "License-Expression: MIT\n" in meta
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "provenance = provenance.cli:cli" in entry_points
    assert "provenance/cli.py" in names and "provenance/py.typed" in names


def test_building_prints_no_deprecation_warning(wheel):
    _, output = wheel
    assert "deprecated" not in output.lower(), output
