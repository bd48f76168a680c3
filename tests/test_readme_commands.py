"""Every command the README shows runs as written (issue 13).

The README's fenced blocks (and its inline commands that name real paths) are
run top to bottom in one scratch folder holding what the README assumes a
user has: a clone's ``samples/``, a ``corpus/`` to index (the samples again),
``incoming/`` documents to check (a copy of a sample and a text of its own)
and ``$PROVENANCE_DB`` for the GitHub Actions job. Each runs through the same
click entry point as the ``provenance`` command, with ``> FILE`` redirections
honoured; it must exit 0, or 1 for a ``check`` whose documents fail.
"""

from __future__ import annotations

import random
import re
import shlex
import shutil

import pytest
from click.testing import CliRunner

from provenance.cli import cli
from tests.conftest import ROOT, SAMPLES, random_text

README = (ROOT / "README.md").read_text(encoding="utf-8")

NOT_RUN = {
    "provenance scan --engine spark corpus/": "starts a JVM for Spark's local mode: tests/test_spark.py runs that engine",
    "provenance scan --engine spark --spark-master spark://head:7077 /mnt/crawl/ crawl.parquet --format json > report.json": "needs a Spark cluster",
}
"""Commands that need what a test machine has not, and why."""


def readme_commands() -> list[str]:
    """The README's commands in order: lines of fenced blocks that run
    `provenance` (``$ `` prompts and ``# comments`` dropped, ``run:`` lines of
    the workflow example included), then inline ones that name a path."""
    commands = []
    for block in re.findall(r"```[a-z]*\n(.*?)```", README, flags=re.S):
        for line in block.splitlines():
            line = re.sub(r"\s+#.*$", "", line.strip()).removeprefix("$ ").removeprefix("- ").removeprefix("run: ").strip()
            if line.startswith("provenance "):
                commands.append(line)
    prose = re.sub(r"```.*?```", "", README, flags=re.S).replace("\n", " ")
    for inline in re.findall(r"`(provenance [^`]+)`", prose):
        inline = " ".join(inline.split())
        if re.search(r"[/.]", inline) and not re.search(r"\b[A-Z]{2,}\b|…|\[", inline):
            commands.append(inline)
    return commands


def test_the_readme_shows_every_command_and_index_subcommand():
    shown = {" ".join(c.split()[1:3]) for c in readme_commands()}
    for name, command in cli.commands.items():
        if hasattr(command, "commands"):
            for sub in command.commands:
                assert f"{name} {sub}" in shown, f"no runnable example of provenance {name} {sub} in the README"
        else:
            assert any(s.split()[0] == name for s in shown), f"no runnable example of provenance {name} in the README"
    for command in NOT_RUN:
        assert command in readme_commands(), f"NOT_RUN names a command the README no longer shows: {command}"


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(SAMPLES, tmp_path / "samples")
    shutil.copytree(SAMPLES, tmp_path / "corpus")
    (tmp_path / "incoming").mkdir()
    shutil.copy(SAMPLES / "001_32baf823c7bf33c7.txt", tmp_path / "incoming" / "reprint.txt")
    (tmp_path / "incoming" / "own.txt").write_text(random_text(random.Random(13), 300), encoding="utf-8")
    return tmp_path


def run_as_written(line: str):
    """Run one README command line in-process, honouring ``> FILE``."""
    words = shlex.split(line)
    assert words[0] == "provenance", line
    target = None
    if ">" in words:
        at = words.index(">")
        words, target = words[:at], words[at + 1]
    result = CliRunner().invoke(cli, words[1:], env={"PROVENANCE_DB": "corpus.db", "NO_COLOR": "1", "GITHUB_ACTIONS": None}, catch_exceptions=False)
    if target is not None:
        with open(target, "w", encoding="utf-8") as fh:
            fh.write(result.stdout)
    return result


def test_every_readme_command_runs_as_written(sandbox):
    ran = []
    for line in readme_commands():
        if line in NOT_RUN:
            continue
        result = run_as_written(line)
        allowed = (0, 1) if line.split()[1] == "check" and "--write-allowlist" not in line else (0,)
        assert result.exit_code in allowed, f"{line}\nexit {result.exit_code}\n{result.stderr}"
        ran.append(line)
    assert len(ran) >= 15
    # What the tour leaves behind is what it says.
    assert (sandbox / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert (sandbox / "000.txt").read_text(encoding="utf-8") == run_as_written("provenance extract samples/000_cc87db15589df885.txt").stdout
    assert (sandbox / "provenance.sarif").read_text(encoding="utf-8").lstrip().startswith("{")
    listed = run_as_written("provenance index list --db corpus.db").stdout
    assert "samples/004_91d0b6fe3586614c.txt" not in listed and "incoming/own.txt" in listed
