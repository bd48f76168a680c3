"""What a new user trips on (issue 13): exit codes, option names in messages,
--quiet/--color on check, plurals, help texts."""

from __future__ import annotations

import random

import pytest
from click.testing import CliRunner

from provenance.cli import cli
from tests.conftest import SAMPLES, random_text


def run(*args: str, input: str | bytes | None = None, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), input=input, env=env, catch_exceptions=False)


@pytest.fixture
def indexed(tmp_path, monkeypatch):
    """An index of one document, and a copy of it in in/."""
    monkeypatch.chdir(tmp_path)
    a = random_text(random.Random(31), 400)
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "a.txt").write_text(a)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "copy.txt").write_text(a)
    assert run("index", "add", "corpus", "--db", "c.db").exit_code == 0
    return tmp_path


@pytest.mark.parametrize("content", ["garbage", "{}", '{"schema": "provenance-report/1", "documents": [{"id": "a"}], "passages": []}'])
def test_report_on_garbage_or_without_texts_exits_2(content):
    result = run("report", "-", input=content)
    assert result.exit_code == 2 and result.stderr.startswith("Error: ") and len(result.stderr.splitlines()) == 1


def test_report_saved_without_texts_exits_2_and_says_how(tmp_path):
    saved = run("scan", str(SAMPLES), "--format", "json").stdout
    result = run("report", "-", input=saved)
    assert result.exit_code == 2 and "--with-text" in result.stderr


def test_index_remove_of_an_unknown_id_exits_2_unless_missing_ok(indexed):
    result = run("index", "remove", "corpus/nope.txt", "--db", "c.db")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == ["not in the index: corpus/nope.txt", "Error: 1 id not in c.db; see `provenance index list`, or pass --missing-ok"]
    result = run("index", "remove", "corpus/nope.txt", "--db", "c.db", "--missing-ok")
    assert result.exit_code == 0 and result.stderr == "not in the index: corpus/nope.txt\n"
    result = run("index", "remove", "corpus/a.txt", "--db", "c.db")
    assert result.exit_code == 0 and result.stdout == "removed corpus/a.txt\n"


def test_settings_mismatch_names_the_users_option(indexed):
    result = run("index", "add", "corpus", "--db", "c.db", "--min-words", "20")
    assert result.exit_code == 2
    assert "--min-words 15 (asked 20)" in result.stderr and "min_tokens" not in result.stderr
    assert "min-words=15" in run("index", "stats", "--db", "c.db").stdout


def test_check_quiet_prints_the_summary_line_only(indexed):
    result = run("check", "in", "--db", "c.db", "-q")
    assert result.exit_code == 1
    assert result.stdout == "1 document checked against c.db: 0 passed, 1 failed\n"
    assert run("check", "in", "--db", "c.db", "--quiet", "--format", "json").stdout.startswith("{")


def test_check_color(indexed):
    coloured = run("check", "in", "--db", "c.db", "--color", "always").stdout
    assert "\x1b[" in coloured and "FAIL in/copy.txt" in coloured
    plain = run("check", "in", "--db", "c.db", "--color", "never").stdout
    assert "\x1b[" not in plain and plain.splitlines()[1].startswith("FAIL in/copy.txt · 100% reused")
    assert "\x1b[" not in run("check", "in", "--db", "c.db").stdout  # not a terminal


def test_counts_are_pluralised(indexed):
    stats = run("index", "stats", "--db", "c.db").stdout
    assert stats.startswith("c.db: 1 document, ")
    one = run("scan", "corpus", "-q").stdout
    assert one.startswith("1 document, 0 passages, 0 documents with reuse")


def test_db_help_is_not_both_required_and_defaulted():
    for command in (["check"], ["index", "add"], ["index", "list"], ["index", "stats"], ["index", "remove"]):
        text = " ".join(run(*command, "--help").stdout.split())
        assert "[required]" not in text and "Default: $PROVENANCE_DB" not in text and "[env var: PROVENANCE_DB]" in text, command
    for command in (["index", "list"], ["index", "stats"], ["index", "remove"]):
        assert "made on first use" not in " ".join(run(*command, "--help").stdout.split()), command
    assert "made on first use" in " ".join(run("index", "add", "--help").stdout.split())


def test_missing_db_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.delenv("PROVENANCE_DB", raising=False)
    result = run("index", "list")
    assert result.exit_code == 2 and "no index given: pass --db URL or set PROVENANCE_DB" in result.stderr


def test_every_command_has_an_example_in_its_help():
    def walk(group, prefix):
        for name, command in group.commands.items():
            if hasattr(command, "commands"):
                yield from walk(command, [*prefix, name])
            else:
                yield [*prefix, name]

    for command in walk(cli, []):
        assert f"provenance {' '.join(command)} " in run(*command, "--help").stdout, command
