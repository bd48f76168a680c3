"""The terminal report at size: 64-character ids, long URLs and titles on an
80-column terminal."""

from __future__ import annotations

import io
import re

from rich.console import Console

from provenance import report as render_report
from provenance.models import Origin, Passage, Report
from tests.test_html import corpus_report

LONG_URL = "https://www.example-news-site.com/world/2019/11/18/new-york-state-attorney-general-investigating-wework-and-former-ceo-adam-neumann/"


def _long_report() -> Report:
    """Hash ids, titles longer than a line, and origins with long URLs."""
    report = corpus_report(14, seed=3)
    passages = tuple(
        Passage(p.document, p.start, p.end, p.text, p.kind, p.similarity, p.matches, Origin(LONG_URL + str(i % 3), None, None, 0.95, (f"{p.document} credits {LONG_URL}{i % 3} for this passage", ), "credit"))
        if p.origin.rule == "credit"
        else p
        for i, p in enumerate(report.passages)
    )
    return Report(report.documents, passages)


def _render(report: Report, width: int = 80) -> str:
    out = io.StringIO()
    render_report.render(report, Console(file=out, width=width, color_system=None, no_color=True))
    return out.getvalue()


def test_ids_and_urls_are_never_cut_across_lines():
    report = _long_report()
    shown = _render(report)
    # A hash run shorter than a whole id would be an id broken over two lines.
    for run in re.findall(r"[0-9a-f]{16,}", shown):
        assert len(run) == 64, run
    urls = {p.origin.url for p in report.passages if p.origin.url}
    for token in re.findall(r"https?://\S+", shown):
        token = token.rstrip("│ )")
        assert token in urls or "…" in token, token  # whole, or visibly shortened on one line
    with_reuse = {p.document for p in report.passages}
    for doc_id in with_reuse:
        assert shown.count(doc_id) == 1  # the full id once, in its own panel; elsewhere its name


def test_panel_titles_keep_their_figures():
    report = _long_report()
    shown = _render(report)
    tops = [line for line in shown.splitlines() if line.startswith("╭─")]
    docs = [d for d in report.documents if report.passages_of(d.id)]
    assert len(tops) == len(docs)
    for doc, top in zip(docs, tops, strict=True):
        share = report.reused_chars(doc.id) / len(doc.text)
        assert f"· {share:.0%} reused · {doc.date} ─" in top, top
        assert "New York State Attorney" in top  # the title, not the hash id


def test_documents_are_named_by_title_or_short_id_in_the_tree():
    report = _long_report()
    shown = _render(report)
    assert "shared with New York State Attorney General" in shown
    assert re.search(r"\([0-9a-f]{8}….html\)", shown)  # the short id beside a title
