"""`provenance index …` and `provenance check`: exit codes, outputs, one-line errors that write nothing."""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from provenance.cli import cli
from tests.conftest import ROOT, random_text
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


# --------------------------------------------------------------------------- stored windows, damage, read-only use

def test_index_counts_windows_and_keeps_passages_as_a_deprecated_alias(files, db_url):
    add = run("index", "add", "corpus", "--db", db_url)
    assert add.stdout.endswith(" windows\n") and "passages" not in add.stdout
    added = json.loads(run("index", "add", "corpus", "--db", db_url, "--format", "json").stdout)
    stats = json.loads(run("index", "stats", "--db", db_url, "--format", "json").stdout)
    rows = json.loads(run("index", "list", "--db", db_url, "--format", "json").stdout)
    assert stats["windows"] == stats["passages"] == added["windows"] == added["passages"] == sum(r["windows"] for r in rows) > 0
    assert all(r["passages"] == r["windows"] for r in rows)
    text = run("index", "stats", "--db", db_url).stdout
    assert f"2 documents, {stats['windows']} windows, " in text and " per window)" in text and "passage" not in text
    assert "\t" + f"{rows[0]['windows']} windows\t" in run("index", "list", "--db", db_url).stdout


def test_verify_a_sound_index(files, db_url):
    run("index", "add", "corpus", "--db", db_url)
    result = run("index", "verify", "--db", db_url)
    assert result.exit_code == 0 and result.stdout.endswith(": sound: 2 documents, " + f"{json.loads(run('index', 'stats', '--db', db_url, '--format', 'json').stdout)['windows']} windows\n")
    data = json.loads(run("index", "verify", "--db", db_url, "--format", "json").stdout)
    assert data["sound"] is True and data["problems"] == [] and data["documents"] == 2
    _one_line_exit_2(run("index", "verify", "--db", "none.db"), "Error: none.db: no index there")


def test_verify_finds_missing_and_orphan_bucket_entries_in_sqlite(files):
    run("index", "add", "corpus", "--db", "c.db")
    with sqlite3.connect("c.db") as conn:
        conn.execute("DELETE FROM buckets WHERE (key, win) = (SELECT key, win FROM buckets ORDER BY win LIMIT 1)")
        conn.execute("INSERT INTO buckets VALUES (12345, 99999)")
    conn.close()
    result = run("index", "verify", "--db", "c.db")
    assert result.exit_code == 1
    assert "1 bucket entries name 1 windows no document owns" in result.stdout
    assert "1 windows miss some of their bucket entries" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("c.db: damaged (2 problems): rebuild the index")


def test_verify_finds_missing_and_orphan_bucket_entries_in_redis(files, redis_url):
    import redis

    run("index", "add", "corpus", "--db", redis_url)
    prefix = redis_url.rsplit("prefix=", 1)[1].encode() + b":b:"
    client = redis.Redis.from_url(redis_url.split("?")[0])
    try:
        first = min(client.scan_iter(match=prefix + b"*"))
        members = client.smembers(first)
        client.srem(first, *members)
        client.sadd(prefix + b"\x01\x02\x03\x04\x05\x06", 7 << 24)
    finally:
        client.close()
    result = run("index", "verify", "--db", redis_url)
    assert result.exit_code == 1
    assert f"{len(members)} bucket entries of its windows are missing" in result.stdout
    assert "1 bucket entries name windows no document owns" in result.stdout


def _damage(path, seed: int, depth: float) -> None:
    """64 KB of random bytes written into the file at ``depth`` of its length."""
    size = path.stat().st_size
    assert size > 3 * 65536, size
    offset = min(size - 65536, int(size * depth)) // 512 * 512
    with open(path, "r+b") as fh:
        fh.seek(offset)
        fh.write(random.Random(seed).randbytes(65536))


@pytest.fixture
def big_index(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "corpus").mkdir()
    texts = [random_text(random.Random(100 + n), 500) for n in range(40)]
    for n, text in enumerate(texts):
        (tmp_path / "corpus" / f"{n:02d}.txt").write_text(text)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "copy.txt").write_text(" ".join(texts[20].split()[100:300]))
    (tmp_path / "in" / "fine.txt").write_text(random_text(random.Random(99), 300))
    assert run("index", "add", "corpus", "--db", "c.db").exit_code == 0
    assert not (tmp_path / "c.db-wal").exists()
    return tmp_path / "c.db"


@pytest.mark.parametrize(("seed", "depth"), [(1, 0.15), (2, 0.4), (3, 0.65), (4, 0.9)])
def test_damaged_sqlite_index_is_one_line_exit_2_and_verify_says_rebuild(big_index, seed, depth):
    _damage(big_index, seed, depth)
    for args, fine in (
        (("index", "list"), 0), (("index", "stats"), 0), (("check", "in/fine.txt"), 0), (("check", "in/copy.txt"), 1),
        (("index", "remove", "corpus/07.txt"), 0), (("index", "add", "in"), 0),
    ):
        result = run(*args, "--db", "c.db")  # an uncaught sqlite3 error would raise here
        assert result.exit_code in (fine, 2), (args, result.exit_code, result.output)
        if result.exit_code == 2:
            _one_line_exit_2(result, "Error: c.db: ")
    verify = run("index", "verify", "--db", "c.db")
    assert verify.exit_code == 1, verify.output
    assert verify.stdout.splitlines()[-1].startswith("c.db: damaged (") and "rebuild the index" in verify.stdout


def test_damage_in_the_first_pages_is_one_line_too(big_index):
    with open(big_index, "r+b") as fh:
        fh.seek(100)  # just after the header: the schema page
        fh.write(random.Random(5).randbytes(65536))
    for args in (("index", "list"), ("check", "in/fine.txt")):
        _one_line_exit_2(run(*args, "--db", "c.db"), "Error: c.db: ")
    verify = run("index", "verify", "--db", "c.db")
    assert verify.exit_code == 1 and "rebuild the index" in verify.stdout


def test_corrupted_redis_entry_names_the_document(files, redis_url):
    import redis

    run("index", "add", "corpus", "--db", redis_url)
    prefix = redis_url.rsplit("prefix=", 1)[1]
    client = redis.Redis.from_url(redis_url.split("?")[0])
    try:
        client.hset(f"{prefix}:docs", "corpus/a.txt", b"\x00garbage{")
        for args in (("index", "list"), ("check", "in/copy.txt")):
            result = run(*args, "--db", redis_url)
            _one_line_exit_2(result, f"Error: {redis_url}: the index entry of document 'corpus/a.txt' is damaged (not valid JSON at character 0)")
            assert "Expecting value" not in result.stderr
        verify = run("index", "verify", "--db", redis_url)
        assert verify.exit_code == 1 and "document 'corpus/a.txt' is damaged" in verify.stdout
        # The damaged document can still be removed, leaving nothing of it behind.
        assert run("index", "remove", "corpus/a.txt", "--db", redis_url).stdout == "removed corpus/a.txt\n"
        assert run("index", "verify", "--db", redis_url).exit_code == 0
        assert [line.split("\t")[0] for line in run("index", "list", "--db", redis_url).stdout.splitlines()] == ["corpus/b.txt"]
    finally:
        client.close()


def test_redis_stats_count_this_index_only(files, redis_server):
    import redis

    small, big = redis_server.url() + "?prefix=small", redis_server.url() + "?prefix=small:big"
    run("index", "add", "corpus/b.txt", "--db", small)
    before = json.loads(run("index", "stats", "--db", small, "--format", "json").stdout)["bytes"]
    run("index", "add", "corpus", "in", "--db", big)  # another index, whose prefix starts with ours
    after = json.loads(run("index", "stats", "--db", small, "--format", "json").stdout)["bytes"]
    other = json.loads(run("index", "stats", "--db", big, "--format", "json").stdout)["bytes"]
    client = redis.Redis(port=redis_server.port)
    try:
        server = int(client.info("memory")["used_memory"])
        for key in client.scan_iter(match="small:*"):
            client.delete(key)
    finally:
        client.close()
    assert 0 < before == after < other < server


def _as_reader(args: list[str], cwd) -> subprocess.CompletedProcess:
    """Run the CLI as a user who cannot write the index (root writes anything: drop to nobody)."""
    prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, sys.executable, "-m", "provenance", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)


@pytest.mark.skipif(os.name != "posix" or (os.geteuid() == 0 and shutil.which("setpriv") is None), reason="needs a user who cannot write a folder")
def test_read_only_index_folder_can_be_read(tmp_path):
    work = Path(tempfile.mkdtemp(prefix="provenance-ro-"))  # outside pytest's private tmp, readable by the reader
    try:
        work.chmod(0o755)
        (work / "corpus").mkdir()
        (work / "in").mkdir()
        a = random_text(random.Random(11), 400)
        (work / "corpus" / "a.txt").write_text(a)
        (work / "in" / "copy.txt").write_text(" ".join(a.split()[:150]))
        (work / "in" / "fine.txt").write_text(random_text(random.Random(14), 200))
        (work / "db").mkdir()
        subprocess.run([sys.executable, "-m", "provenance", "index", "add", "corpus", "--db", "db/c.db"], cwd=work, check=True, capture_output=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
        (work / "db" / "c.db").chmod(0o444)
        (work / "db").chmod(0o555)
        stats = _as_reader(["index", "stats", "--db", "db/c.db"], work)
        assert stats.returncode == 0 and stats.stdout.startswith("db/c.db: 1 document, "), stats.stderr
        assert _as_reader(["index", "list", "--db", "db/c.db"], work).stdout.startswith("corpus/a.txt\t")
        assert _as_reader(["index", "verify", "--db", "db/c.db"], work).returncode == 0
        assert _as_reader(["check", "in/fine.txt", "--db", "db/c.db"], work).returncode == 0
        failed = _as_reader(["check", "in/copy.txt", "--db", "db/c.db"], work)
        assert failed.returncode == 1 and "verbatim reuse of corpus/a.txt" in failed.stdout, failed.stderr
        refused = _as_reader(["index", "add", "in", "--db", "db/c.db"], work)
        assert refused.returncode == 2 and refused.stderr.count("\n") == 1 and "the index is read-only" in refused.stderr, refused.stderr
        assert sorted(p.name for p in (work / "db").iterdir()) == ["c.db"]
    finally:
        (work / "db").chmod(0o755)
        shutil.rmtree(work)


def test_a_bug_crashes_with_its_traceback_not_exit_2(files, monkeypatch):
    """Usage and index errors exit 2 with one line; a ValueError of our own is a bug, not a usage error."""
    import provenance.index

    def bug(*args, **kwargs):
        raise ValueError("a bug in the index code")

    monkeypatch.setattr(provenance.index.Index, "add_documents", bug)
    result = CliRunner().invoke(cli, ["index", "add", "corpus", "--db", "x.db"])
    assert result.exit_code == 1 and isinstance(result.exception, ValueError)
    assert run("check", "in", "--db", "missing.db").exit_code == 2
