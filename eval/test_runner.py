"""The runner (``eval/__main__.py``, which pytest's doctest collection skips)."""

from __future__ import annotations

import doctest
import io
import json
import sys
import types

import pytest
from rich.console import Console

import eval.__main__ as runner


def test_runner_doctests_pass():
    failed, attempted = doctest.testmod(runner)
    assert attempted > 0 and failed == 0


def test_unknown_setting_or_corpus_is_refused():
    with pytest.raises(SystemExit):
        runner.parse_overrides(["no_such_setting=1"])
    with pytest.raises(SystemExit):
        runner.parse_args(["clough", "nonsense"])


def test_missing_corpus_folder_and_module_are_skipped_with_a_reason(tmp_path, monkeypatch):
    assert "not found" in runner.run_corpus("clough", tmp_path, None)
    (tmp_path / "dates-html").mkdir()
    monkeypatch.setitem(runner.CORPORA, "nomodule", "dates-html")
    assert "not written yet" in runner.run_corpus("nomodule", tmp_path, None)


def test_save_merges_corpora_and_keeps_key_order_stable(tmp_path):
    path = tmp_path / "results.json"
    runner.save(path, {"pan": {"figures": {"recall": 1.0}}})
    runner.save(path, {"clough": {"figures": {"f1": 0.9, "cut_found": 17}}})
    data = json.loads(path.read_text())
    assert set(data["corpora"]) == {"clough", "pan"}
    assert list(data["corpora"]["clough"]["figures"]) == ["cut_found", "f1"]
    first = path.read_text()
    runner.save(path, {"pan": {"figures": {"recall": 1.0}}})
    assert path.read_text() == first


def test_a_plain_result_without_figures_block_is_run_and_rendered(tmp_path, monkeypatch):
    fake = types.ModuleType("eval.dates")
    fake.run = lambda root: {"accuracy": 0.875, "by_source": {"meta": 12}, "misses": ["x"]}
    monkeypatch.setitem(sys.modules, "eval.dates", fake)
    (tmp_path / "dates-html").mkdir()
    out = runner.run_corpus("dates", tmp_path, None)
    assert out["accuracy"] == 0.875 and "wall_seconds" in out
    buffer = io.StringIO()
    runner.render("dates", out, Console(file=buffer, width=120))
    shown = buffer.getvalue()
    assert "accuracy" in shown and "0.875" in shown and "by_source.meta" in shown
