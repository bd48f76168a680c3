"""The gate's policy: kinds that fail, reused share, credits, allowlists, baselines, add on pass."""

from __future__ import annotations

import json
import random

import pytest

from provenance import index
from provenance.attribute import Witness, attribute
from provenance.credits import find_credits
from provenance.errors import InputError
from provenance.gate import (
    AllowEntry,
    Allowlist,
    Policy,
    check,
    fingerprint,
    judge,
    load_allowlist,
    write_allowlist,
)
from provenance.models import Document, Match, Passage, Report
from tests.conftest import random_text


def _texts(n: int, seed: int) -> list[str]:
    return [random_text(random.Random(seed * 100 + i), 400) for i in range(n)]


def _edit(words: list[str], every: int) -> list[str]:
    return [w if i % every else "changed" for i, w in enumerate(words)]


@pytest.fixture
def setup(tmp_path, monkeypatch):
    """An index of two originals (one with a URL) and incoming documents that reuse them."""
    monkeypatch.chdir(tmp_path)
    a, b, own = _texts(3, seed=1)
    aw = a.split()
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "feed.jsonl").write_text(
        json.dumps({"id": "a", "url": "https://origin.example/a", "text": a}) + "\n" + json.dumps({"id": "b", "text": b}) + "\n",
        encoding="utf-8",
    )
    fillers = [t.split() for t in _texts(4, seed=2)]  # each incoming document has text of its own around the reuse
    incoming = {
        "verbatim.txt": " ".join(fillers[0][:60] + aw[50:150] + fillers[0][60:200]),
        "near.txt": " ".join(fillers[1][:60] + _edit(aw[50:250], 14) + fillers[1][60:200]),
        "derivative.txt": " ".join(fillers[2][:60] + _edit(aw[50:170], 4) + fillers[2][60:200]),
        # issue 13: a lightly edited, uncredited copy of most of an article
        "edited-copy.txt": " ".join(fillers[2][200:230] + _edit(aw[20:380], 6)),
        "credited.txt": " ".join(fillers[3][:60]) + "\n\n" + " ".join(aw[250:350]) + "\n\nSource: https://origin.example/a\n",
        "own.txt": own,
    }
    (tmp_path / "in").mkdir()
    for name, text in incoming.items():
        (tmp_path / "in" / name).write_text(text, encoding="utf-8")
    return tmp_path


def _verdicts(result):
    return {v.document.removeprefix("in/"): v for v in result.verdicts}


def test_default_policy_fails_near_verbatim_and_stronger(setup, db_url):
    index.add(db_url, ["corpus"])
    result = check(["in"], db_url)
    v = _verdicts(result)
    assert not v["verbatim.txt"].passed and v["verbatim.txt"].rules == ("reused-verbatim",)
    assert not v["near.txt"].passed and v["near.txt"].rules == ("reused-near-verbatim",)
    assert v["derivative.txt"].passed and v["own.txt"].passed  # edited reuse of a third of the text
    copy = v["edited-copy.txt"]  # edited reuse of most of it
    assert not copy.passed and copy.rules == ("reused-derivative",) and copy.reused_share > 0.5
    assert "more than the 50% --edited-share allows" in copy.failures[0].message
    assert not v["credited.txt"].passed  # credit helps only with --require-credit
    [f] = v["verbatim.txt"].failures
    assert "corpus/feed.jsonl#a" in f.matches and f.kind == "verbatim"
    assert not result.passed


def test_fail_on_levels(setup, db_url):
    index.add(db_url, ["corpus"])
    v = _verdicts(check(["in"], db_url, Policy(fail_on="verbatim", edited_share=1.0)))
    assert [n for n, x in sorted(v.items()) if not x.passed] == ["credited.txt", "verbatim.txt"]
    v = _verdicts(check(["in"], db_url, Policy(fail_on="verbatim")))  # edited copies of half a document or more fail
    assert [n for n, x in sorted(v.items()) if not x.passed] == ["credited.txt", "edited-copy.txt", "near.txt", "verbatim.txt"]
    v = _verdicts(check(["in"], db_url, Policy(fail_on="derivative")))
    assert v["derivative.txt"].rules == ("reused-derivative",) and v["own.txt"].passed


def test_require_credit_passes_credited_reuse_only(setup, db_url):
    index.add(db_url, ["corpus"])
    v = _verdicts(check(["in"], db_url, Policy(require_credit=True)))
    assert v["credited.txt"].passed and v["credited.txt"].findings == ()
    assert v["verbatim.txt"].rules == ("uncredited-reuse",)
    assert v["edited-copy.txt"].rules == ("uncredited-reuse",) and v["derivative.txt"].passed


def test_edited_copy_is_not_admitted_by_default(setup, db_url):
    index.add(db_url, ["corpus"])
    result = check(["in/edited-copy.txt", "in/credited.txt"], db_url, Policy(require_credit=True), add_on_pass=True)
    assert result.added == ("in/credited.txt",)
    assert "in/edited-copy.txt" not in {d.id for d in index.documents(db_url)}


def test_edited_share(setup, db_url):
    index.add(db_url, ["corpus"])
    v = _verdicts(check(["in"], db_url, Policy(edited_share=1.0)))
    assert v["edited-copy.txt"].passed and v["derivative.txt"].passed
    v = _verdicts(check(["in"], db_url, Policy(edited_share=0.2)))
    assert v["derivative.txt"].rules == ("reused-derivative",) and v["own.txt"].passed
    allow = Allowlist(tuple(AllowEntry(f.fingerprint, "reviewed") for f in v["derivative.txt"].findings))
    assert _verdicts(check(["in"], db_url, Policy(edited_share=0.2, allowlist=allow)))["derivative.txt"].passed


def test_max_reused_share(setup, db_url):
    index.add(db_url, ["corpus"])
    v = _verdicts(check(["in"], db_url, Policy(fail_on="verbatim", max_reused_share=0.2)))
    assert v["derivative.txt"].rules == ("max-reused-share",)
    assert 0.3 < v["derivative.txt"].reused_share < 0.7
    assert v["verbatim.txt"].rules == ("max-reused-share", "reused-verbatim")
    assert v["own.txt"].passed and v["own.txt"].reused_share == 0


def test_allowlist_by_passage_and_by_document(setup, db_url):
    index.add(db_url, ["corpus"])
    first = check(["in"], db_url)
    [f] = _verdicts(first)["verbatim.txt"].failures
    near = _verdicts(first)["near.txt"]
    allow = Allowlist((AllowEntry(f.fingerprint, "licensed from origin.example"), AllowEntry(near.fingerprint, "reviewed: syndicated")))
    v = _verdicts(check(["in"], db_url, Policy(allowlist=allow)))
    assert v["verbatim.txt"].passed and v["verbatim.txt"].findings[0].allowed == "licensed from origin.example"
    assert v["near.txt"].passed and v["near.txt"].failures == ()
    assert not v["credited.txt"].passed


def test_baseline_round_trip(setup, db_url, tmp_path):
    index.add(db_url, ["corpus"])
    first = check(["in"], db_url, Policy(max_reused_share=0.5))
    assert not first.passed
    path = tmp_path / "allow.json"
    write_allowlist(first.baseline(), path)
    loaded = load_allowlist(path)
    assert loaded == first.baseline()
    assert check(["in"], db_url, Policy(max_reused_share=0.5, allowlist=loaded)).passed
    data = json.loads(path.read_text())
    assert data["schema"] == "provenance-allowlist/1" and all(e["reason"] for e in data["entries"])


def test_fingerprints_ignore_formatting_and_position(setup):
    assert fingerprint("A  reprinted, Passage!") == fingerprint("a reprinted passage")
    assert fingerprint("x y", "document").startswith("document:")


@pytest.mark.parametrize(
    "content, message",
    [
        ("{", "not valid JSON"),
        ('{"entries": []}', "not an allowlist"),
        ('{"schema": "provenance-allowlist/1", "entries": [{"fingerprint": "passage:1"}]}', "non-empty 'reason'"),
        ('{"schema": "provenance-allowlist/1", "entries": [{"fingerprint": "x", "reason": "r"}]}', "starts with 'document:'"),
    ],
)
def test_bad_allowlists_are_input_errors(tmp_path, content, message):
    path = tmp_path / "allow.json"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        load_allowlist(path)


def test_add_on_pass_admits_passing_documents_only(setup, db_url):
    index.add(db_url, ["corpus"])
    result = check(["in"], db_url, add_on_pass=True)
    assert result.added == ("in/derivative.txt", "in/own.txt")
    assert {r.id for r in index.documents(db_url)} >= {"in/own.txt", "in/derivative.txt"}
    assert "in/verbatim.txt" not in {r.id for r in index.documents(db_url)}


def test_add_on_pass_creates_the_index(setup, tmp_path):
    db = str(tmp_path / "new.db")
    result = check(["corpus"], db, add_on_pass=True)
    assert result.passed and result.added == ("corpus/feed.jsonl#a", "corpus/feed.jsonl#b")
    assert not _verdicts(check(["in/verbatim.txt"], db))["verbatim.txt"].passed


def test_policy_validates():
    with pytest.raises(ValueError, match="fail_on"):
        Policy(fail_on="boilerplate")
    with pytest.raises(ValueError, match="max_reused_share"):
        Policy(max_reused_share=2)


@pytest.mark.parametrize(("credited", "passes"), [("BBC", True), ("BBC News", True), ("CO", False), ("CNN", False)])
def test_the_gate_reads_outlet_names_as_attribution_does(credited, passes):
    """A credit names bbc.co.uk by "BBC" for the gate as for attribution; "co" is not the outlet."""
    story = " ".join(_texts(1, seed=7)[0].split()[:120])
    text = story + "\n\nOriginally published by " + credited + ".\n"
    [credit] = find_credits(text)
    bbc = Document("bbc", story, "bbc", url="https://www.bbc.co.uk/news/world-1", site="bbc.co.uk")
    reprint = Document("reprint", text, "reprint", credits=(credit,))
    origin = attribute([Witness("bbc", bbc.meta), Witness("reprint", credits_covering=[credit])])
    assert (origin.document == "bbc") is passes
    passage = Passage("reprint", 0, len(story), story, "verbatim", 1.0, (Match("bbc", 0, len(story), 1.0),))  # no origin: the credit alone decides
    [verdict] = judge(Report((bbc, reprint), (passage,)), ["reprint"], Policy(require_credit=True))
    assert verdict.passed is passes
