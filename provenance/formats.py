"""Formats: a check's verdicts → terminal text, SARIF, JUnit XML, GitHub annotations and summary.

Renderings only: every decision is made in ``provenance.gate``.

Regions (SARIF, annotations) are lines and columns of the file: exact for
``.txt`` and ``.md`` files, whose extracted text is the file with line endings
made ``\\n``; for HTML and JSON lines, whose offsets count into extracted
text, they point at the file's first line and the message carries the
character offsets.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree as ET

from provenance import escape
from provenance.gate import RULES, CheckResult, Finding, Verdict
from provenance.models import Document
from provenance.read import cwd_path, reader_of
from provenance.report import plural

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("text-provenance")
    except PackageNotFoundError:  # running from a source tree
        return "0"


def file_of(doc: Document) -> str:
    """The document's file as a path relative to the current folder, with ``/``.

    >>> file_of(Document("a", "x", "a.txt"))
    'a.txt'
    """
    return cwd_path(doc.path)


def _uri(path: str) -> str:
    """A SARIF artifact URI: percent-encoded, ``file://`` when absolute.

    >>> _uri("inc/new c#1.txt"), _uri("/tmp/a b.txt")
    ('inc/new%20c%231.txt', 'file:///tmp/a%20b.txt')
    """
    return Path(path).as_uri() if path.startswith("/") else quote(path, safe="/,;=@:!$&'()*+~", errors="surrogateescape")


def region(doc: Document, start: int, end: int) -> dict[str, int]:
    """1-based line and column of a span (columns in code points, end exclusive).

    >>> region(Document("a", "ab\\ncd", "a.txt"), 3, 5)
    {'startLine': 2, 'startColumn': 1, 'endLine': 2, 'endColumn': 3}
    >>> region(Document("a", "ab\\ncd", "a.html"), 3, 5)
    {'startLine': 1}
    """
    if reader_of(doc.path) != "text" or "#" in doc.id:
        return {"startLine": 1}
    text = doc.text

    def line_col(offset: int) -> tuple[int, int]:
        return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1

    (l0, c0), (l1, c1) = line_col(start), line_col(end)
    return {"startLine": l0, "startColumn": c0, "endLine": l1, "endColumn": c1}


def _failing(result: CheckResult) -> list[tuple[Verdict, Finding]]:
    return [(v, f) for v in result.verdicts for f in v.failures]


def text(result: CheckResult, *, quiet: bool = False) -> str:
    """The terminal report: one line per document, then each failing finding
    with where it is, what it matches, its origin and its rule (``quiet``:
    the summary line only). Ids, messages and excerpts are escaped
    (``escape.line``/``prose``) and the whole is safe for a CI log
    (``escape.log``)."""
    return escape.log("".join(line + "\n" for line, _ in text_lines(result, quiet=quiet)))


def text_lines(result: CheckResult, *, quiet: bool = False) -> list[tuple[str, str]]:
    """The lines of ``text``, each with what it shows: ``summary``, ``pass``,
    ``fail``, ``finding`` or ``excerpt`` (the terminal colours them)."""
    failed = [v for v in result.verdicts if not v.passed]
    lines = [(
        f"{plural(len(result.verdicts), 'document')} checked against {result.db}: "
        f"{len(result.verdicts) - len(failed)} passed, {len(failed)} failed"
        + (f", {len(result.added)} added to the index" if result.added else ""),
        "summary",
    )]
    if quiet:
        return lines
    for v in result.verdicts:
        doc = result.report.document(v.document)
        status = "PASS" if v.passed else "FAIL"
        allowed = sum(1 for f in v.findings if f.allowed is not None)
        note = f" ({allowed} allowed by the allowlist)" if allowed else ""
        lines.append((f"{status} {escape.line(v.document)} · {v.reused_share:.0%} reused{note}" + (f" · {', '.join(v.rules)}" if v.rules else ""), status.lower()))
        for f in v.failures:
            where = region(doc, f.start, f.end)
            at = f"line {where['startLine']}" if "startColumn" in where else "line 1"
            lines.append((f"  [{f.rule}] chars {f.start}-{f.end} ({at}): {escape.line(f.message)}", "finding"))
            if f.rule != "max-reused-share":
                lines.append((f"    {escape.prose(_excerpt(doc.text[f.start : f.end]))}", "excerpt"))
    return lines


def _excerpt(value: str, words: int = 16) -> str:
    parts = value.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def sarif(result: CheckResult) -> dict[str, Any]:
    """SARIF 2.1.0: one result per failing finding, with its file region and rule."""
    rules = [{"id": rule, "shortDescription": {"text": text_}, "defaultConfiguration": {"level": "error"}} for rule, text_ in RULES.items()]
    results = []
    for v, f in _failing(result):
        doc = result.report.document(v.document)
        results.append({
            "ruleId": f.rule,
            "ruleIndex": list(RULES).index(f.rule),
            "level": "error",
            "message": {"text": f"{f.message} (chars {f.start}-{f.end})"},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(file_of(doc))},
                    "region": {**region(doc, f.start, f.end), "charOffset": f.start, "charLength": f.end - f.start},
                },
                "logicalLocations": [{"name": v.document, "kind": "document"}],
            }],
            "partialFingerprints": {"provenance/v1": f.fingerprint},
            "properties": {"kind": f.kind, "similarity": f.similarity, "matches": list(f.matches), "origin": f.origin},
        })
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "provenance", "version": _version(), "rules": rules}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def sarif_json(result: CheckResult) -> str:
    return escape.json_dumps(sarif(result)) + "\n"


def junit(result: CheckResult) -> str:
    """JUnit XML: one test case per document; a failing one lists its findings."""
    suite = ET.Element("testsuite", {
        "name": "provenance check",
        "tests": str(len(result.verdicts)),
        "failures": str(sum(not v.passed for v in result.verdicts)),
        "errors": "0",
        "skipped": "0",
    })
    for v in result.verdicts:
        case = ET.SubElement(suite, "testcase", {"classname": "provenance.check", "name": escape.line(v.document), "file": escape.line(file_of(result.report.document(v.document)))})
        if not v.passed:
            failure = ET.SubElement(case, "failure", {"type": ", ".join(v.rules), "message": f"{len(v.failures)} finding(s): {', '.join(v.rules)}"})
            failure.text = "\n".join(f"[{f.rule}] chars {f.start}-{f.end}: {escape.line(f.message)}" for f in v.failures)
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + escape.xml(ET.tostring(root, encoding="unicode")) + "\n"


def github_annotations(result: CheckResult) -> list[str]:
    """``::error file=…,line=…::message`` workflow commands, one per failing finding.

    See GitHub's "Workflow commands" documentation for the escaping rules.
    """
    out = []
    for v, f in _failing(result):
        doc = result.report.document(v.document)
        where = region(doc, f.start, f.end)
        props = {"file": file_of(doc), "line": where["startLine"]}
        if "startColumn" in where:
            props.update(col=where["startColumn"], endLine=where["endLine"], endColumn=where["endColumn"])
        props["title"] = f"provenance {f.rule}"
        head = ",".join(f"{k}={escape.workflow_property(str(val))}" for k, val in props.items())
        out.append(f"::error {head}::{escape.workflow_data(f.message)}")
    return out


def github_summary(result: CheckResult) -> str:
    """A Markdown summary for ``$GITHUB_STEP_SUMMARY``; GitHub renders HTML
    in it too, so every untrusted value goes through ``escape.markdown``."""
    failed = [v for v in result.verdicts if not v.passed]
    lines = [
        "## provenance check",
        "",
        f"{plural(len(result.verdicts), 'document')} checked against <code>{escape.markdown(result.db)}</code>: **{len(result.verdicts) - len(failed)} passed, {len(failed)} failed**.",
        "",
    ]
    if result.verdicts:
        lines += ["| document | result | reused | rules |", "| --- | --- | --- | --- |"]
        for v in result.verdicts:
            lines.append(f"| <code>{escape.markdown(v.document)}</code> | {'✅ pass' if v.passed else '❌ fail'} | {v.reused_share:.0%} | {', '.join(v.rules) or '–'} |")
    for v in failed:
        doc = result.report.document(v.document)
        lines += ["", f"### <code>{escape.markdown(v.document)}</code>", ""]
        for f in v.failures:
            where = region(doc, f.start, f.end)
            lines.append(f"- **{f.rule}** at line {where['startLine']} (chars {f.start}-{f.end}): {escape.markdown(f.message)}")
    return "\n".join(lines) + "\n"

