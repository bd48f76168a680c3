"""What a new user trips on (issue 13): exit codes, option names in messages,
--quiet/--color on check, plurals, help texts."""

from __future__ import annotations

import json
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


def test_check_of_an_empty_folder_exits_2_unless_allow_empty(indexed):
    (indexed / "empty").mkdir()
    result = run("check", "empty", "--db", "c.db")
    assert result.exit_code == 2
    assert result.stderr == "Error: no document was read from empty: it holds no .txt, .md, .html, .htm, .jsonl or .warc file; check the path, or pass --allow-empty if nothing to check is fine\n"
    result = run("check", "empty", "--db", "c.db", "--allow-empty")
    assert result.exit_code == 0 and result.stdout.startswith("0 documents checked against c.db: 0 passed, 0 failed")


def test_check_of_unreadable_documents_exits_2_and_adds_nothing(indexed):
    (indexed / "bad").mkdir()
    (indexed / "bad" / "empty.txt").write_text("")
    (indexed / "bad" / "notes.rtf").write_text("{\\rtf1 hello}")
    result = run("check", "bad", "--db", "c.db", "--add-on-pass")
    assert result.exit_code == 2
    assert "no document was read from bad: 1 file could not be used (first: bad/empty.txt: empty file); skipped 1 file with an unsupported type: .rtf" in result.stderr
    assert [r.split("\t")[0] for r in run("index", "list", "--db", "c.db").stdout.splitlines()] == ["corpus/a.txt"]


def test_scan_of_an_empty_folder_says_nothing_was_read(tmp_path):
    result = run("scan", str(tmp_path))
    assert result.exit_code == 0
    assert result.stderr == f"no document was read from {tmp_path}: it holds no .txt, .md, .html, .htm, .jsonl or .warc file\n"


def test_unsupported_types_are_listed_once(corpus):
    folder = corpus({"a.txt": random_text(random.Random(1), 100), "b.rtf": "x", "c.rtf": "y", "d.TEXT": "z", "e.docx.gz": b"\x1f\x8b", ".hidden": "h", "a.txt.meta.json": "{}", "sub/f.rtf": "w"})
    result = run("scan", str(folder))
    assert result.stderr == "skipped 5 files with unsupported types: .docx.gz, .rtf, .text\n"
    data = json.loads(run("scan", str(folder), "--format", "json").stdout)
    assert [s["path"].removeprefix(str(folder) + "/") for s in data["skipped"]] == ["b.rtf", "c.rtf", "d.TEXT", "e.docx.gz", "sub/f.rtf"]
    assert data["skipped"][0] == {"path": str(folder / "b.rtf"), "reason": "unsupported file type .rtf", "unsupported": ".rtf"}
    assert run("scan", str(folder), "-q").stdout.startswith("1 document, 0 passages, 0 documents with reuse, 0.0% of text reused\n")
    added = run("index", "add", str(folder), "--db", str(folder / "c.db"))
    assert added.stderr == "skipped 5 files with unsupported types: .docx.gz, .rtf, .text\n"


def test_scan_dash_reads_one_document_from_stdin():
    copy = (SAMPLES / "001_32baf823c7bf33c7.txt").read_bytes()
    result = run("scan", "-", str(SAMPLES), "--format", "json", input=copy)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert "-" in [d["id"] for d in data["documents"]]
    assert any(p["document"] == "-" and p["kind"] == "verbatim" for p in data["passages"])
    result = run("scan", "-", "-", input=copy)
    assert result.exit_code == 2 and "can be given once" in result.stderr


@pytest.mark.parametrize(
    ("content", "args", "text"),
    [
        (b"Plain text, kept exactly.\r\nSecond line.", [], "Plain text, kept exactly.\nSecond line."),
        (b'{"id": "x", "text": "alpha beta"}\n{"id": "y", "text": "gamma delta"}\n', ["--record", "y"], "gamma delta"),
        (b"<!doctype html><html><body><article><h1>T</h1><p>" + b"A paragraph of the article that is long enough to be its main text. " * 5 + b"</p></article></body></html>", [], "A paragraph of the article"),
    ],
)
def test_extract_dash_reads_stdin(content, args, text):
    result = run("extract", "-", *args, input=content)
    assert result.exit_code == 0 and text in result.stdout


def test_extract_dash_of_nothing_is_an_input_error():
    result = run("extract", "-", input=b"")
    assert result.exit_code == 2 and "-: empty input" in result.stderr


def test_check_dash_reads_stdin_but_cannot_add_it(indexed):
    copy = (indexed / "corpus" / "a.txt").read_text()
    result = run("check", "-", "--db", "c.db", "-q", input=copy)
    assert result.exit_code == 1 and result.stdout == "1 document checked against c.db: 0 passed, 1 failed\n"
    result = run("check", "-", "--db", "c.db", "--add-on-pass", input=copy)
    assert result.exit_code == 2 and "--add-on-pass cannot add '-'" in result.stderr


def test_html_counts_unsupported_files_apart(corpus):
    from provenance import scan
    from provenance.html import render_html

    folder = corpus({"a.txt": random_text(random.Random(1), 100), "b.rtf": "x", "empty.txt": ""})
    page = render_html(scan([folder]))
    assert "<b>1</b><span>file skipped</span>" in page and "<b>1</b><span>file of an unsupported type</span>" in page
