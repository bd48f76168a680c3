"""Renderings of a check: terminal text, SARIF 2.1.0, JUnit XML, GitHub annotations and summary."""

from __future__ import annotations

import json
import random
from xml.etree import ElementTree as ET

import pytest

from provenance import formats, index
from provenance.gate import RULES, Policy, check
from provenance.models import Document
from tests.conftest import random_text


@pytest.fixture
def result(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a = random_text(random.Random(1), 400)
    other = random_text(random.Random(2), 300)
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "a.txt").write_text(a)
    (tmp_path / "in").mkdir()
    words = a.split()
    # The reused stretch starts on line 3 of the file.
    (tmp_path / "in" / "copy, 100%.txt").write_text("Title line\n\n" + " ".join(words[:120]) + "\n\n" + other + "\n")
    (tmp_path / "in" / "fine.txt").write_text(random_text(random.Random(3), 200))
    db = str(tmp_path / "c.db")
    index.add(db, ["corpus"])
    return check(["in"], db, Policy(max_reused_share=0.2))


def test_sarif_has_one_result_per_failing_finding_with_a_region(result):
    data = json.loads(formats.sarif_json(result))
    assert data["version"] == "2.1.0" and data["$schema"].endswith("sarif-2.1.0.json")
    run = data["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == list(RULES)
    failing = [f for v in result.verdicts for f in v.failures]
    assert len(run["results"]) == len(failing) == 2
    by_rule = {r["ruleId"]: r for r in run["results"]}
    reuse = by_rule["reused-verbatim"]
    location = reuse["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "in/copy,%20100%25.txt"  # a URI: percent-encoded
    assert location["region"]["startLine"] == 3 and location["region"]["startColumn"] == 1
    doc = result.report.document("in/copy, 100%.txt")
    start, length = location["region"]["charOffset"], location["region"]["charLength"]
    assert doc.text[start : start + length].split() == doc.text.split("\n")[2].split()[: len(doc.text[start : start + length].split())]
    assert run["tool"]["driver"]["rules"][reuse["ruleIndex"]]["id"] == "reused-verbatim"
    assert by_rule["max-reused-share"]["locations"][0]["physicalLocation"]["region"]["startLine"] == 1


def test_junit_has_one_case_per_document(result):
    root = ET.fromstring(formats.junit(result))
    suite = root.find("testsuite")
    assert suite.get("tests") == "2" and suite.get("failures") == "1"
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert set(cases) == {"in/copy, 100%.txt", "in/fine.txt"}
    assert cases["in/fine.txt"].find("failure") is None
    failure = cases["in/copy, 100%.txt"].find("failure")
    assert "reused-verbatim" in failure.get("message") and "[max-reused-share]" in failure.text


def test_github_annotations_escape_properties_and_data(result):
    lines = formats.github_annotations(result)
    assert len(lines) == 2
    reuse = [line for line in lines if "reused-verbatim" in line][0]
    assert reuse.startswith("::error file=in/copy%2C 100%25.txt,line=3,col=1,endLine=3,")
    assert ",title=provenance reused-verbatim::verbatim reuse of corpus/a.txt" in reuse


def test_github_summary_is_markdown(result):
    summary = formats.github_summary(result)
    assert summary.startswith("## provenance check\n")
    assert "| <code>in/fine&#46;txt</code> | ✅ pass |" in summary and "❌ fail" in summary
    assert "- **reused-verbatim** at line 3" in summary


def test_text_names_document_passage_origin_and_rule(result):
    out = formats.text(result)
    assert out.splitlines()[0].endswith(": 1 passed, 1 failed")
    assert "FAIL in/copy, 100%.txt" in out and "PASS in/fine.txt · 0% reused" in out
    assert "[reused-verbatim] chars 12-" in out and "verbatim reuse of corpus/a.txt" in out


def test_regions_for_html_point_at_the_first_line():
    doc = Document("p.html", "one\ntwo", "p.html")
    assert formats.region(doc, 4, 7) == {"startLine": 1}
    assert formats.region(Document("f.jsonl#3", "one\ntwo", "f.jsonl"), 4, 7) == {"startLine": 1}


def test_junit_stays_well_formed_with_control_characters():
    from xml.dom import minidom

    from provenance.escape import xml

    assert xml("a\x01b\x0bc\td") == "a\ufffdb\ufffdc\td"
    minidom.parseString(xml('<?xml version="1.0"?><a b="x\x01y"/>'))
