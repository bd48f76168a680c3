"""The command line: exit codes, JSON contract, terminal report, extract."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from provenance.cli import cli
from tests.conftest import SAMPLES


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_scan_samples_terminal_report():
    result = run("scan", str(SAMPLES))
    assert result.exit_code == 0
    first = result.stdout.splitlines()[0]
    assert re.fullmatch(r"5 documents, 4 passages, 3 documents with reuse, 1\d\.\d% of text reused", first)
    assert "shared with 000_cc87db15589df885.txt" in result.stdout
    assert "near-verbatim" in result.stdout


def test_scan_quiet_prints_the_summary_only():
    result = run("scan", str(SAMPLES), "--quiet")
    assert result.exit_code == 0
    assert result.stdout.count("\n") == 1


def test_scan_json_is_the_contract_and_only_json_on_stdout(corpus):
    root = corpus({"a.txt": "x", "empty.txt": ""})
    for name in ("000_cc87db15589df885.txt", "003_9ba1684f5d8b9a0c.txt"):
        (root / name).write_text((SAMPLES / name).read_text(encoding="utf-8"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["scan", str(root), "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["schema"] == "provenance-report/1"
    assert set(data) >= {"documents", "passages", "skipped"}
    assert set(data["documents"][0]) >= {"id", "url", "title", "date", "chars", "reused_chars"}
    passage = data["passages"][0]
    assert set(passage) >= {"document", "start", "end", "text", "kind", "similarity", "matches"}
    assert set(passage["matches"][0]) == {"document", "start", "end", "similarity", "this_start", "this_end"}
    match = passage["matches"][0]
    assert passage["start"] <= match["this_start"] < match["this_end"] <= passage["end"]
    assert data["skipped"] == [{"path": str(root / "empty.txt"), "reason": "empty file"}]
    assert result.stderr == f"skipped: {root / 'empty.txt'}: empty file\n"


def test_usage_errors_exit_2(tmp_path):
    result = CliRunner().invoke(cli, ["scan", str(tmp_path / "missing")])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr
    result = CliRunner().invoke(cli, ["scan", str(tmp_path), "--threshold", "2"])
    assert result.exit_code == 2


def test_extract_prints_text_exactly_as_offsets_count(corpus):
    root = corpus({"a.txt": "line one\r\nline two"})
    result = run("extract", str(root / "a.txt"))
    assert result.exit_code == 0
    assert result.stdout == "line one\nline two"


def test_extract_jsonl_needs_a_record(corpus):
    root = corpus({"r.jsonl": '{"id": "a", "text": "alpha"}\n{"id": "b", "text": "beta"}\n'})
    assert CliRunner().invoke(cli, ["extract", str(root / "r.jsonl")]).exit_code == 2
    assert run("extract", str(root / "r.jsonl"), "--record", "b").stdout == "beta"


def test_every_command_has_help():
    for command in cli.commands:
        result = run(command, "--help")
        assert result.exit_code == 0 and "Usage:" in result.stdout


def test_record_ids_may_contain_a_hash(corpus):
    root = corpus({"r.jsonl": '{"id": "a#b", "text": "alpha"}\n{"id": "b", "text": "beta"}\n{"text": "gamma"}\n'})
    assert run("extract", str(root / "r.jsonl"), "--record", "a#b").stdout == "alpha"
    assert run("extract", str(root / "r.jsonl"), "--record", "b").stdout == "beta"
    assert run("extract", str(root / "r.jsonl"), "--record", "3").stdout == "gamma"
    result = CliRunner().invoke(cli, ["extract", str(root / "r.jsonl")])
    assert result.exit_code == 2 and "(e.g. a#b, b, 3)" in result.stderr
