"""Print pip constraints that pin every dependency in pyproject.toml to its declared floor.

``make test-min`` installs with them (``pip install -c``) into ``.venv-min``
and runs the tests: the floors we declare are versions we have tested.
A dependency without a ``>=`` floor is an error.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]
requirements = [*project["dependencies"], *(r for extra in project.get("optional-dependencies", {}).values() for r in extra)]
for requirement in requirements:
    found = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*>=\s*([0-9][0-9A-Za-z.]*)\s*(?:,.*)?", requirement)
    if not found:
        sys.exit(f"pyproject.toml: {requirement!r} declares no >= floor to test against")
    print(f"{found[1]}=={found[2]}")
