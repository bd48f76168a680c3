"""Reports of big scans: JSON lines on stdout or in a folder, and a terminal report that summarises."""

from __future__ import annotations

import json
import random

from click.testing import CliRunner

from provenance import report as render_report
from provenance.cli import cli
from tests.conftest import SAMPLES, random_text


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_jsonl_holds_the_json_reports_objects_one_per_line():
    whole = json.loads(run("scan", str(SAMPLES), "--format", "json").stdout)
    lines = [json.loads(line) for line in run("scan", str(SAMPLES), "--format", "jsonl").stdout.splitlines()]
    assert lines[0] == {"record": "report", "schema": "provenance-report/1"}
    by_kind: dict[str, list] = {}
    for line in lines[1:]:
        by_kind.setdefault(line.pop("record"), []).append(line)
    assert by_kind["document"] == whole["documents"]
    assert by_kind["passage"] == whole["passages"]
    assert by_kind.get("skipped", []) == whole["skipped"]
    assert by_kind.get("warning", []) == whole["warnings"]


def test_out_writes_one_file_per_list_and_prints_the_summary(tmp_path):
    whole = json.loads(run("scan", str(SAMPLES), "--format", "json").stdout)
    result = run("scan", str(SAMPLES), "--out", str(tmp_path / "report"))
    assert result.exit_code == 0
    assert result.stdout.count("\n") == 1 and "4 passages" in result.stdout
    folder = tmp_path / "report"
    for key in ("documents", "passages", "skipped", "warnings"):
        rows = [json.loads(line) for line in (folder / f"{key}.jsonl").read_text(encoding="utf-8").splitlines()]
        assert rows == whole[key]


def test_the_terminal_report_of_a_big_scan_shows_the_most_reused_documents(corpus):
    rng = random.Random(2)
    files = {}
    for i in range(render_report.MAX_PANELS + 6):
        shared = random_text(rng, 40 + i)  # pair i shares more text as i grows
        files[f"{i:03d}a.txt"] = random_text(rng, 30) + " " + shared
        files[f"{i:03d}b.txt"] = shared + " " + random_text(rng, 30)
    result = run("scan", str(corpus(files)), "--color", "never", "--workers", "1")
    with_reuse = 2 * (render_report.MAX_PANELS + 6)
    assert f"… and {with_reuse - render_report.MAX_PANELS} more documents with reuse" in result.stdout
    assert "055a.txt" in result.stdout and "000a.txt ·" not in result.stdout
