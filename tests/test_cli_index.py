"""`provenance index …` and `provenance check`: exit codes, outputs, one-line errors that write nothing."""

from __future__ import annotations

import json
import random
import sqlite3

import pytest
from click.testing import CliRunner

from provenance.cli import cli
from tests.conftest import random_text
from tests.servers import RedisServer, free_port


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, env=env)


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a = random_text(random.Random(11), 400)
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "a.txt").write_text(a)
    (tmp_path / "corpus" / "b.txt").write_text(random_text(random.Random(12), 300))
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "copy.txt").write_text(" ".join(a.split()[:150]) + "\n\n" + random_text(random.Random(13), 200))
    (tmp_path / "in" / "fine.txt").write_text(random_text(random.Random(14), 200))
    return tmp_path


def test_index_commands(files, db_url):
    result = run("index", "add", "corpus", "--db", db_url)
    assert result.exit_code == 0
    assert result.stdout.startswith("2 added, 0 replaced, 0 unchanged; ")
    assert run("index", "add", "corpus", "--db", db_url).stdout.startswith("0 added, 0 replaced, 2 unchanged; ")
    listed = run("index", "list", "--db", db_url)
    assert [line.split("\t")[0] for line in listed.stdout.splitlines()] == ["corpus/a.txt", "corpus/b.txt"]
    rows = json.loads(run("index", "list", "--db", db_url, "--format", "json").stdout)
    assert rows[0]["id"] == "corpus/a.txt" and rows[0]["passages"] > 0
    stats = json.loads(run("index", "stats", "--db", db_url, "--format", "json").stdout)
    assert stats["documents"] == 2 and stats["settings"]["scheme"] == "affine32"
    assert "settings: bands=24" in run("index", "stats", "--db", db_url).stdout
    result = run("index", "remove", "corpus/b.txt", "nope", "--db", db_url)
    assert result.stdout == "removed corpus/b.txt\n" and result.stderr.startswith("not in the index: nope\n")


def test_check_exit_codes_and_json_verdicts(files, db_url):
    run("index", "add", "corpus", "--db", db_url)
    result = run("check", "in", "--db", db_url, "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["schema"] == "provenance-report/1"
    assert [(v["document"], v["passed"], v["rules"]) for v in data["verdicts"]] == [
        ("in/copy.txt", False, ["reused-verbatim"]),
        ("in/fine.txt", True, []),
    ]
    assert run("check", "in/fine.txt", "--db", db_url).exit_code == 0
    assert run("check", "in", "--db", db_url, "--fail-on", "bogus").exit_code == 2


def test_check_terminal_output_names_document_passage_origin_rule(files):
    run("index", "add", "corpus", "--db", "c.db")
    result = run("check", "in", "--db", "c.db")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "2 documents checked against c.db: 1 passed, 1 failed"
    assert lines[1].startswith("FAIL in/copy.txt · ") and lines[1].endswith(" · reused-verbatim")
    assert lines[2].startswith("  [reused-verbatim] chars 0-") and "verbatim reuse of corpus/a.txt" in lines[2]


def test_check_sarif_and_junit(files):
    run("index", "add", "corpus", "--db", "c.db")
    sarif = json.loads(run("check", "in", "--db", "c.db", "--format", "sarif").stdout)
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["reused-verbatim"]
    junit = run("check", "in", "--db", "c.db", "--format", "junit").stdout
    assert junit.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>') and 'failures="1"' in junit


def test_write_allowlist_then_allow_passes(files):
    run("index", "add", "corpus", "--db", "c.db")
    result = run("check", "in", "--db", "c.db", "--write-allowlist", "allow.json")
    assert result.exit_code == 0 and result.stderr.endswith("wrote allow.json\n")
    entries = json.loads((files / "allow.json").read_text())["entries"]
    assert [e["document"] for e in entries] == ["in/copy.txt"]
    assert run("check", "in", "--db", "c.db", "--allow", "allow.json").exit_code == 0
    (files / "bad.json").write_text("{")
    result = run("check", "in", "--db", "c.db", "--allow", "bad.json")
    assert result.exit_code == 2 and result.stderr.startswith("Error: bad.json: the allowlist is not valid JSON")


def test_add_on_pass(files):
    run("index", "add", "corpus", "--db", "c.db")
    result = run("check", "in", "--db", "c.db", "--add-on-pass")
    assert result.exit_code == 1 and "1 added to the index" in result.stdout
    assert [line.split("\t")[0] for line in run("index", "list", "--db", "c.db").stdout.splitlines()] == ["corpus/a.txt", "corpus/b.txt", "in/fine.txt"]


def test_github_actions_annotations_and_summary(files):
    run("index", "add", "corpus", "--db", "c.db")
    summary = files / "summary.md"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    result = run("check", "in", "--db", "c.db", env=env)
    assert result.exit_code == 1
    assert "::error file=in/copy.txt,line=1,col=1," in result.stdout
    assert summary.read_text().startswith("## provenance check\n")
    # With a machine-readable format, annotations go to stderr and stdout stays JSON.
    result = run("check", "in", "--db", "c.db", "--format", "json", env=env)
    json.loads(result.stdout)
    assert "::error file=in/copy.txt" in result.stderr


def _one_line_exit_2(result, start: str) -> None:
    assert result.exit_code == 2
    assert result.stderr.startswith(start) and result.stderr.count("\n") == 1, result.stderr


def test_corrupt_or_foreign_db_exits_2_and_writes_nothing(files):
    (files / "junk.db").write_bytes(b"not a database at all\n" * 50)
    before = (files / "junk.db").read_bytes()
    for args in (("index", "add", "corpus"), ("check", "in"), ("index", "stats")):
        _one_line_exit_2(run(*args, "--db", "junk.db"), "Error: junk.db: not a provenance index (not a SQLite file)")
    assert (files / "junk.db").read_bytes() == before
    with sqlite3.connect(files / "app.db") as conn:
        conn.execute("CREATE TABLE orders (id INTEGER)")
    before = (files / "app.db").read_bytes()
    _one_line_exit_2(run("index", "add", "corpus", "--db", "app.db"), "Error: app.db: not a provenance index (a SQLite file with other tables: orders)")
    assert (files / "app.db").read_bytes() == before
    assert sorted(p.name for p in files.iterdir() if p.suffix != ".txt" and p.is_file()) == ["app.db", "junk.db"]


def test_missing_index_exits_2_unless_add_on_pass(files):
    _one_line_exit_2(run("check", "in", "--db", "none.db"), "Error: none.db: no index there; create one with `provenance index add")
    assert not (files / "none.db").exists()


def test_settings_mismatch_exits_2(files):
    run("index", "add", "corpus", "--db", "c.db", "--threshold", "0.3")
    _one_line_exit_2(run("index", "add", "corpus", "--db", "c.db", "--threshold", "0.2"), "Error: c.db: the index was built with --threshold 0.3 (asked 0.2)")


def test_redis_down_or_wrong_password_exits_2(files, tmp_path):
    _one_line_exit_2(run("index", "add", "corpus", "--db", f"redis://127.0.0.1:{free_port()}/0"), "Error: redis://127.0.0.1:")
    server = RedisServer(tmp_path, password="s3cret")
    try:
        result = run("check", "in", "--db", server.url(password="wrong"))
        _one_line_exit_2(result, f"Error: redis://127.0.0.1:{server.port}/0: the Redis server refused the password")
        assert "wrong" not in result.stderr
        import redis

        assert redis.Redis(port=server.port, password="s3cret").dbsize() == 0  # nothing written
    finally:
        server.stop()


def test_db_from_the_environment(files):
    env = {"PROVENANCE_DB": "env.db"}
    assert run("index", "add", "corpus", env=env).exit_code == 0
    assert run("check", "in/fine.txt", env=env).exit_code == 0


def test_check_help_documents_exit_codes():
    result = run("check", "--help")
    assert "0 all documents pass; 1 a document fails the policy; 2 usage" in " ".join(result.stdout.split())


def test_index_ids_do_not_depend_on_how_a_path_is_spelled(tmp_path, monkeypatch):
    from provenance.read import cwd_path

    (tmp_path / "work").mkdir()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    assert cwd_path("../a/x.txt") == (tmp_path / "a" / "x.txt").as_posix()
    assert cwd_path("./sub/../y.txt") == "y.txt"
    assert cwd_path(tmp_path / "a" / "x.txt") != cwd_path(tmp_path / "b" / "x.txt")
