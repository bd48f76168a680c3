"""Issue 14: documents written by strangers never command the CI runner, the
terminal or the file system. Every hostile input is written by the test."""

from __future__ import annotations

import functools
import html
import json
import os
import random
import re
import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provenance import escape, formats, gate, index
from provenance.cli import cli
from provenance.escape import line
from tests.conftest import random_text

FORGED_ID = "x\n::error file=README.md,line=1::forged\n::stop-commands::tok\n"
FORGED_NAME = "e\n::warning::forged.txt"
# Each of these does something to a terminal that prints it raw: write the
# clipboard, hide a link, clear the screen, set the window title; and a bidi
# override that reverses what follows.
TERMINAL_ATTACKS = ["\x1b]52;c;aGVsbG8=\x07", "\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07", "\x1b[2J", "\x1b]0;pwned\x07", "\u202eevil", "\x9b31m"]
SGR = re.compile("\x1b\\[[0-9;]*m")  # rich's own colours


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def command_lines(output: str) -> list[str]:
    """The lines GitHub's runner would take as workflow commands."""
    return [line for line in re.split("\r\n|\r|\n", output) if SGR.sub("", line).lstrip().startswith("::") or "##[" in line]


@pytest.fixture
def hostile(tmp_path, monkeypatch):
    """An index holding a text, and an incoming folder with the issue's forged
    record id and file name, and a file whose name and text carry terminal
    escape sequences, all reprinting the indexed text."""
    monkeypatch.chdir(tmp_path)
    text = random_text(random.Random(1), 300)
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "a.txt").write_text(text)
    incoming = tmp_path / "in"
    incoming.mkdir()
    records = [
        {"id": FORGED_ID, "text": text},
        {"id": "<details open><summary>x</summary><img src=x onerror=alert(1)> | `y` ##[stop-commands]t", "text": "Preface. " + text},
    ]
    (incoming / "feed.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (incoming / FORGED_NAME).write_text("")
    words = text.split(" ")
    attacks = " ".join(words[:8] + TERMINAL_ATTACKS + ["[bold red]markup[/]"] + words[8:150])
    (incoming / "t\x1b]0;title\x07.txt").write_text(attacks)
    index.add(str(tmp_path / "c.db"), ["corpus"])
    return tmp_path


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit"])
def test_check_under_github_actions_runs_only_its_own_commands(hostile, fmt):
    summary = hostile / "summary.md"
    result = run("check", "in", "--db", "c.db", "--format", fmt, env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)})
    assert result.exit_code == 1
    commands = command_lines(result.stdout) + command_lines(result.stderr)
    # Only the tool's annotations: one per failing finding, on real files.
    assert commands and all(re.match(r"::error file=in/(feed\.jsonl|t\\x1b\]0;title\\x07\.txt),line=\d+,.*title=provenance reused-[a-z-]+::", c) for c in commands), commands
    assert len(commands) == 3
    assert "\x1b" not in SGR.sub("", result.stdout + result.stderr)
    if fmt == "json":
        assert FORGED_ID in [v["document"].removeprefix("in/feed.jsonl#") for v in json.loads(result.stdout)["verdicts"]]


def test_skipped_lines_are_one_line_each(hostile):
    result = run("check", "in", "--db", "c.db", env={"GITHUB_ACTIONS": "true"})
    assert "skipped: in/e\\n::warning::forged.txt: empty file\n" in result.stderr


def test_step_summary_escapes_markdown_and_html(hostile):
    summary = hostile / "summary.md"
    run("check", "in", "--db", "c.db", env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)})
    text = summary.read_text()
    assert "<" not in text.replace("<code>", "").replace("</code>", "")
    rows = [line for line in text.splitlines() if line.startswith("|")]
    assert len(rows) == 2 + 3 and all(line.endswith("|") and line.count("|") - line.count("\\|") == 5 for line in rows)
    cells = [html.unescape(row.split(" | ")[0].removeprefix("| ")) for row in rows[2:]]
    assert "<code>in/feed.jsonl#x\\n::error file=README.md,line=1::forged\\n::stop-commands::tok\\n</code>" in cells
    assert any("<img src=x onerror=alert(1)> | `y`" in cell for cell in cells)


@pytest.mark.parametrize("color", ["auto", "always", "never"])
def test_terminal_views_show_escape_sequences_never_send_them(hostile, color):
    outputs = [
        run("scan", "in", "corpus", "--color", color),
        run("explain", "in/t\x1b]0;title\x07.txt", "--in", ".", "--color", color),
        run("check", "in", "--db", "c.db"),
    ]
    saved = run("scan", "in", "corpus", "--format", "json", "--with-text")
    (hostile / "r.json").write_text(saved.stdout)
    outputs.append(run("report", "r.json", "--color", color))
    for result in outputs:
        shown = SGR.sub("", result.stdout + result.stderr)
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", shown), repr(shown[:300])
        assert "t\\x1b]0;title\\x07.txt" in shown
    for result in (outputs[0], outputs[1], outputs[3]):
        shown = re.sub("[\\s│├└─╭╮╰╯]+|{\\+|\\+}", "", SGR.sub("", result.stdout))  # the text as wrapped in panels and trees, diff marks dropped
        for attack in TERMINAL_ATTACKS:
            assert re.sub("\\s+", "", line(attack)) in shown
        assert "[boldred]markup[/]" in shown  # rich markup in a text stays literal


def test_extract_on_a_terminal_shows_control_characters(tmp_path):
    from provenance.escape import lines

    assert lines("a\n\x1b[2Jb\tc") == "a\n\\x1b[2Jb\tc"
    path = tmp_path / "t.txt"
    words = random_text(random.Random(5), 100)
    path.write_text(f"{words}\n\x1b]0;t\x07two\n")
    assert run("extract", str(path)).stdout == f"{words}\n\x1b]0;t\x07two\n"  # redirected: exact
    assert run("extract", str(path), env={"GITHUB_ACTIONS": "true"}).stdout == f"{words}\n\x1b]0;t\x07two\n"
    path.write_text(f"{words}\n::stop-commands::x\n")
    assert run("extract", str(path), env={"GITHUB_ACTIONS": "true"}).stdout == f"{words}\n\\x3a:stop-commands::x\n"


def test_error_messages_naming_hostile_paths_are_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["explain", str(tmp_path / "a\n::error::x.txt")])  # no such file
    assert result.exit_code == 2
    assert not command_lines(result.stderr) and "a\\n::error::x.txt" in result.stderr


def test_non_utf8_file_names_are_read_and_shown(tmp_path, monkeypatch):
    import os

    monkeypatch.chdir(tmp_path)
    text = random_text(random.Random(4), 200)
    os.mkdir("in")
    for name in (b"in/caf\xe9.txt", b"in/ok.txt"):
        with open(name, "w") as fh:
            fh.write(text)
    assert run("index", "add", "in", "--db", "c.db").exit_code == 0
    assert run("index", "list", "--db", "c.db").stdout.startswith("in/caf\\xe9.txt\t")
    sarif = json.loads(run("check", "in", "--db", "c.db", "--format", "sarif").stdout)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert "in/caf%E9.txt" in uris
    data = json.loads(run("scan", "in", "--format", "json").stdout)
    assert [d["id"] for d in data["documents"]] == ["caf\\xe9.txt", "ok.txt"]


# --- 2. Symbolic links out of the scanned folder -----------------------------


@pytest.fixture
def linked(tmp_path):
    """folder/ holds a text, a link to a secret file outside, a link to a
    folder outside, a link to a text inside and a sidecar linked outside."""
    text = random_text(random.Random(6), 120)
    outside = tmp_path / "outside"
    (outside / "dir").mkdir(parents=True)
    (outside / "secret.txt").write_text("SECRET " + text)
    (outside / "dir" / "inner.txt").write_text("INNER " + text)
    (outside / "meta.json").write_text(json.dumps({"title": "SECRET TITLE"}))
    folder = tmp_path / "folder"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(text)
    (folder / "sub" / "b.txt").write_text(random_text(random.Random(7), 120))
    (folder / "passwd.txt").symlink_to(outside / "secret.txt")
    (folder / "linked").symlink_to(outside / "dir", target_is_directory=True)
    (folder / "inside.txt").symlink_to(folder / "sub" / "b.txt")
    (folder / "a.txt.meta.json").symlink_to(outside / "meta.json")
    return folder


def test_links_outside_the_scanned_folder_are_skipped_with_a_reason(linked):
    result = run("scan", str(linked), "--format", "json")
    data = json.loads(result.stdout)
    assert sorted(d["id"] for d in data["documents"]) == ["a.txt", "inside.txt", "sub/b.txt"]
    reasons = {s["path"]: s["reason"] for s in data["skipped"]}
    for name in ("passwd.txt", "linked", "a.txt.meta.json"):
        assert reasons[str(linked / name)] == "links outside the scanned folder; give --follow-links to read it"
    assert "SECRET" not in result.stdout and "INNER" not in result.stdout
    assert f"skipped: {linked / 'passwd.txt'}: links outside the scanned folder" in result.stderr


def test_follow_links_reads_them(linked):
    data = json.loads(run("scan", str(linked), "--format", "json", "--follow-links").stdout)
    assert sorted(d["id"] for d in data["documents"]) == ["a.txt", "inside.txt", "linked/inner.txt", "passwd.txt", "sub/b.txt"]
    assert [d["title"] for d in data["documents"] if d["id"] == "a.txt"] == ["SECRET TITLE"]


def test_a_named_link_is_read_and_bounds_what_is_inside(linked, tmp_path):
    # The paths on the command line are what the user asked for, links or not.
    data = json.loads(run("scan", str(linked / "linked"), "--format", "json").stdout)
    assert [d["id"] for d in data["documents"]] == ["inner.txt"]
    data = json.loads(run("scan", str(linked), str(tmp_path / "outside"), "--format", "json").stdout)
    assert "folder/passwd.txt" in [d["id"] for d in data["documents"]]  # its target is in a scanned path


def test_check_add_on_pass_never_stores_a_file_outside(linked, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("check", "folder", "--db", "c.db", "--add-on-pass", "--format", "json")
    assert json.loads(result.stdout)["added"] == ["folder/a.txt"]  # inside.txt and sub/b.txt copy each other
    listed = run("index", "list", "--db", "c.db", "--format", "json").stdout
    assert "passwd" not in listed and "SECRET" not in listed
    added = run("index", "add", "folder", "--db", "c2.db")
    assert added.stdout.startswith("3 added,") and "skipped: folder/passwd.txt: links outside" in added.stderr


def test_a_manifest_speaks_only_for_files_at_or_below_its_folder(corpus):
    root = corpus({
        "a.txt": random_text(random.Random(8), 60),
        "sub/b.txt": random_text(random.Random(9), 60),
        "sub/manifest.csv": "path,title\n../a.txt,FORGED\nb.txt,Fine\n/etc/passwd,FORGED\n",
    })
    data = json.loads(run("scan", str(root), "--format", "json").stdout)
    assert {d["id"]: d["title"] for d in data["documents"]} == {"a.txt": None, "sub/b.txt": "Fine"}
    problems = [s["reason"] for s in data["skipped"]]
    assert any("../a.txt is not in the manifest's folder; row ignored" in p for p in problems)
    assert any("/etc/passwd is not in the manifest's folder" in p for p in problems)


# --- 5. Resource bounds -------------------------------------------------------


def test_workers_are_capped_at_a_multiple_of_the_cores(corpus, monkeypatch):
    from provenance.config import Config

    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert Config(workers=1000).processes == 8 and Config().processes == 2
    root = corpus({"a.txt": random_text(random.Random(10), 50)})
    result = run("scan", str(root), "--workers", "1000", "--quiet")
    assert result.exit_code == 0
    assert result.stderr == "warning: --workers 1000 is more than 4 per core; using 8\n"


def test_max_file_mb_is_range_checked(corpus):
    import gzip

    root = corpus({"a.txt.gz": gzip.compress(b"some words " * 100)})
    result = CliRunner().invoke(cli, ["scan", str(root), "--max-file-mb", "99999999999999999999"])
    assert result.exit_code == 2 and "--max-file-mb" in result.stderr and "1<=x<=1048576" in result.stderr
    result = CliRunner().invoke(cli, ["check", str(root), "--db", str(root / "c.db"), "--max-file-mb", "99999999999999999999"])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_a_worker_that_cannot_start_is_one_error_not_a_hang(tmp_path):
    import subprocess
    import sys

    # Root ignores RLIMIT_NPROC, so process creation is made to fail instead:
    # the third fork raises EAGAIN, as under a process limit.
    folder = tmp_path / "big"
    folder.mkdir()
    for n in range(3):
        (folder / f"{n}.txt").write_text(random_text(random.Random(n), 300_000))  # over the parallel threshold
    script = (
        "import os, sys\n"
        "real, count = os.fork, [0]\n"
        "def fork():\n"
        "    count[0] += 1\n"
        "    if count[0] > 2: raise BlockingIOError(11, 'Resource temporarily unavailable')\n"
        "    return real()\n"
        "os.fork = fork\n"
        "from provenance.cli import cli\n"
        "cli(['scan', sys.argv[1], '--workers', '4', '--quiet'])\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(folder)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr == "Error: cannot start 4 worker processes (Resource temporarily unavailable); ask for fewer with --workers (1 runs in this process)\n"


# --- Fuzz: every output format stays well-formed ------------------------------

# The SARIF 2.1.0 schema as published with @microsoft/jest-sarif (MIT), the
# final (rtm.5) version of the OASIS standard's schema.
SARIF_SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-2.1.0-rtm.5.json").read_text(encoding="utf-8"))
HOSTILE_PIECES = ["::", "::error file=README.md,line=1::forged", "::stop-commands::t", "##[", "##[add-mask]x", "%0A", "\r\n", "\n", "\r", "\x1b[2J", "\x1b]0;t\x07", "\x9b", "\x85", "\u2028", "\u202e", "\u2066", "<img src=x onerror=alert(1)>", "</code>", "|", "`", "*", "[bold]x[/]", "&amp;", "\\", '"', "'", ",", "%", "\ufeff", "\ud800"]
hostile_text = st.lists(st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=4), st.characters(max_codepoint=0x9F)), max_size=8).map("".join)
file_name = st.binary(min_size=1, max_size=40).map(lambda b: b.replace(b"/", b"_").replace(b"\x00", b"_").lstrip(b".") + b".txt")


@functools.lru_cache(maxsize=1)
def _fuzz_index() -> tuple[str, str]:
    """An index holding one text, made once for every example."""
    import tempfile

    folder = tempfile.mkdtemp(prefix="provenance-fuzz-")
    text = random_text(random.Random(11), 150)
    os.mkdir(os.path.join(folder, "corpus"))
    with open(os.path.join(folder, "corpus", "a.txt"), "w") as fh:
        fh.write(text)
    cwd = os.getcwd()
    try:
        os.chdir(folder)
        index.add("c.db", ["corpus"])
    finally:
        os.chdir(cwd)
    return folder, text


def _assert_text_output_is_safe(output: str) -> None:
    shown = SGR.sub("", output)
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]", shown), repr(output)
    for command in command_lines(output):
        assert re.match(r"::error file=[^\r\n]*,title=provenance [a-z-]+::", command), command
        assert "##[" not in command


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(record_id=hostile_text, title=hostile_text, url=hostile_text, inserted=hostile_text, raw=st.binary(max_size=12), name=file_name, color=st.sampled_from(["auto", "always", "never"]))
def test_fuzz_every_output_format_stays_well_formed(record_id, title, url, inserted, raw, name, color):
    from jsonschema import Draft4Validator

    folder, text = _fuzz_index()
    words = text.split(" ")
    reused = " ".join(words[:6]) + " " + inserted + " " + " ".join(words[6:])
    incoming = os.path.join(folder, "in")
    shutil.rmtree(incoming, ignore_errors=True)
    os.mkdir(incoming)
    with open(os.path.join(incoming, "feed.jsonl"), "w", encoding="utf-8", errors="surrogatepass") as fh:
        fh.write(json.dumps({"id": record_id or "r", "title": title, "url": url, "text": reused}) + "\n")
    with open(os.path.join(os.fsencode(incoming), name), "wb") as fh:
        fh.write(reused.encode("utf-8", "surrogatepass") + raw)
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": os.path.join(folder, "summary.md")}
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        checked = CliRunner().invoke(cli, ["check", "in", "--db", "c.db"], env=env)
        assert checked.exit_code in (0, 1), checked.output
        _assert_text_output_is_safe(checked.stdout + checked.stderr)
        scanned = CliRunner().invoke(cli, ["scan", "in", "corpus", "--color", color], env=env)
        assert scanned.exit_code == 0, scanned.output
        _assert_text_output_is_safe(scanned.stdout + scanned.stderr)
        scanned_json = CliRunner().invoke(cli, ["scan", "in", "corpus", "--format", "json", "--with-text"], env=env)
        report = json.loads(scanned_json.stdout)
        assert "##[" not in scanned_json.stdout
        if report["documents"]:
            with open("r.json", "w", encoding="utf-8") as fh:
                fh.write(scanned_json.stdout)
            again = CliRunner().invoke(cli, ["report", "r.json", "--color", color], env=env)
            assert again.exit_code == 0, again.output
            _assert_text_output_is_safe(again.stdout)
        result = gate.check(["in"], "c.db", gate.Policy())
    finally:
        os.chdir(cwd)
    data = json.loads(escape.json_dumps(result.to_dict()))
    assert [v["document"] for v in data["verdicts"]] == [v.document for v in result.verdicts]
    sarif = json.loads(formats.sarif_json(result))
    Draft4Validator(SARIF_SCHEMA).validate(sarif)
    assert "##[" not in formats.sarif_json(result)
    suite = ET.fromstring(formats.junit(result)).find("testsuite")
    assert suite is not None and len(suite.findall("testcase")) == len(result.verdicts)
    summary = formats.github_summary(result)
    assert "<" not in summary.replace("<code>", "").replace("</code>", "")
    assert all(row.endswith("|") for row in summary.splitlines() if row.startswith("|"))
    for command in formats.github_annotations(result):
        assert "\n" not in command and "\r" not in command
