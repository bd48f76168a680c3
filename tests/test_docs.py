"""Meta-tests: the README documents every command and option; __all__ matches the exports."""

from __future__ import annotations

import inspect

import provenance
from provenance.cli import cli
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_demo_and_test_commands():
    block = README.split("```", 2)[1].strip().splitlines()
    assert block[0].startswith("make demo") and block[1].startswith("make test")


def test_every_command_and_option_is_in_the_readme():
    for name, command in cli.commands.items():
        assert f"provenance {name}" in README, name
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--") and opt != "--help":
                    assert opt in README, f"{name} {opt}"


def test_all_matches_the_public_names():
    public = {n for n, v in vars(provenance).items() if not n.startswith("_") and not inspect.ismodule(v)}
    assert provenance.__all__ == sorted(public)
