"""Progress: the library counts bytes, document pairs and documents as it
goes (``provenance.scan.Progress``); the CLI draws them with a rate and the
time left, on a terminal only, and not at all with --no-progress."""

from __future__ import annotations

import importlib
import io
import random

import pytest
from click.testing import CliRunner
from rich.console import Console

import provenance
from provenance import cli as cli_module
from provenance import gate
from provenance import index as corpus_index
from provenance.cli import cli
from tests.conftest import random_text

scan_module = importlib.import_module("provenance.scan")  # the package exports the function under this name


@pytest.fixture
def twelve(corpus):
    """Twelve documents, each pair of neighbours sharing a long passage."""
    rng = random.Random(3)
    shared = [random_text(rng, 120) for _ in range(12)]
    return corpus({f"d{i:02d}.txt": f"{shared[i]}\n\n{random_text(rng, 80)}\n\n{shared[(i + 1) % 12]}\n" for i in range(12)})


def _events(calls, stage):
    return [(done, total) for s, done, total in calls if s == stage]


def _assert_counts_up_to(events, total, at_least):
    assert len(events) >= at_least, events
    dones = [d for d, _ in events]
    assert dones == sorted(dones) and dones[-1] == total
    assert {t for _, t in events} == {total}


def test_scan_counts_bytes_read_per_file_and_document_pairs_aligned(twelve):
    calls = []
    provenance.scan([twelve], progress=lambda *a: calls.append(a))
    size = sum(p.stat().st_size for p in twelve.iterdir())
    _assert_counts_up_to(_events(calls, "read"), size, at_least=12)  # one step per file, not per batch
    _assert_counts_up_to(_events(calls, "align"), 12, at_least=12)  # each neighbouring pair


def test_parallel_read_moves_in_many_steps(twelve, monkeypatch):
    # A few megabytes read in parallel are cut into enough batches for the bar to move.
    monkeypatch.setattr(scan_module, "_PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(scan_module, "_MIN_BATCH_BYTES", 1024)
    calls = []
    report = provenance.scan([twelve], progress=lambda *a: calls.append(a), workers=2)
    assert len(report.documents) == 12
    size = sum(p.stat().st_size for p in twelve.iterdir())
    _assert_counts_up_to(_events(calls, "read"), size, at_least=6)


def test_index_add_and_check_count_bytes_read_and_documents_indexed(twelve, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("index")
    calls = []
    db = str(tmp_path / "corpus.db")
    corpus_index.add(db, [twelve], progress=lambda *a: calls.append(a))
    size = sum(p.stat().st_size for p in twelve.iterdir())
    _assert_counts_up_to(_events(calls, "read"), size, at_least=12)
    _assert_counts_up_to(_events(calls, "index"), 12, at_least=12)  # not 0 → 12 in one jump
    calls.clear()
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "new.txt").write_text("A new text about lanterns and meadows. " * 20)
    gate.check([tmp_path / "in"], db, add_on_pass=True, progress=lambda *a: calls.append(a))
    assert _events(calls, "read")[-1][0] == (tmp_path / "in" / "new.txt").stat().st_size
    assert _events(calls, "index") == [(1, 1)]


def _terminal() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=True, width=100, color_system=None), out


def test_the_bar_shows_the_unit_the_rate_and_the_time_left(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(cli_module.time, "monotonic", lambda: clock[0])
    console, out = _terminal()
    with cli_module._progress(console) as progress:
        assert progress.bar is None
        clock[0] += cli_module.PROGRESS_AFTER_SECONDS
        progress("read", 0, 6_500_000)
        assert progress.bar is not None
        progress.bar.get_time = lambda: clock[0]  # the rate follows the same clock
        for i in range(1, 5):
            clock[0] += 1.0
            progress("read", i * 1_000_000, 6_500_000)
            progress("index", i * 10, 181)
        text = progress.bar.make_tasks_table(progress.bar.tasks)
        console.print(text)
    shown = out.getvalue()
    assert "4.0/6.5 MB" in shown and "1.0 MB/s" in shown and "0:03 left" in shown  # 2.5 MB at 1 MB/s
    assert "40/181 documents" in shown and "10.0 documents/s" in shown and "0:15 left" in shown


@pytest.mark.parametrize("args", [["--no-progress"], ["--quiet"], []])
def test_no_bar_when_silenced_or_not_a_terminal(twelve, args, monkeypatch):
    monkeypatch.setattr(cli_module, "PROGRESS_AFTER_SECONDS", 0.0)
    seen: list[bool] = []
    original = cli_module._progress.__init__

    def spy(self, console, *, enabled=True):
        original(self, console, enabled=enabled)
        seen.append(self.enabled)

    monkeypatch.setattr(cli_module._progress, "__init__", spy)
    monkeypatch.setattr(Console, "is_terminal", property(lambda self: True))
    result = CliRunner().invoke(cli, ["scan", str(twelve), *args], catch_exceptions=False)
    assert result.exit_code == 0
    assert seen == [not args]
    monkeypatch.setattr(Console, "is_terminal", property(lambda self: False))
    seen.clear()
    CliRunner().invoke(cli, ["scan", str(twelve)], catch_exceptions=False)
    assert seen == [False]
