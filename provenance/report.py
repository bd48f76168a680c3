"""Report: result objects → terminal view (rich) and JSON. No decisions here."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import IO

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.text import Text

from provenance.align import diff_words
from provenance.models import Passage, Report

EXCERPT_CHARS = 240
KIND_STYLE = {
    "verbatim": "bold red",
    "near-verbatim": "red",
    "derivative": "yellow",
    "boilerplate": "dim",
}


def to_json(report: Report, fh: IO[str]) -> None:
    """Write the JSON report (schema ``provenance-report/1``) with a final newline."""
    json.dump(report.to_dict(), fh, ensure_ascii=False, indent=2)
    fh.write("\n")


def summary(report: Report) -> str:
    """One line: documents, passages and the reused share of all text."""
    chars = sum(len(d.text) for d in report.documents)
    reused = sum(report.reused_chars(d.id) for d in report.documents)
    share = reused / chars if chars else 0.0
    with_reuse = len({p.document for p in report.passages if p.kind != "boilerplate"})
    skipped = f", {len(report.skipped)} skipped" if report.skipped else ""
    return (
        f"{len(report.documents)} documents, {len(report.passages)} passages, "
        f"{with_reuse} documents with reuse, {share:.1%} of text reused{skipped}"
    )


def render(report: Report, console: Console, *, quiet: bool = False) -> None:
    """Print the terminal report: the summary, then each document's passages."""
    console.print(Text(summary(report), style="bold"))
    if quiet:
        return
    texts = {d.id: d.text for d in report.documents}
    by_doc: dict[str, list[Passage]] = defaultdict(list)
    for p in report.passages:
        by_doc[p.document].append(p)
    for doc in report.documents:
        passages = by_doc.get(doc.id)
        if not passages:
            continue
        reused = report.reused_chars(doc.id)
        title = f"[bold]{escape(doc.id)}[/] · {reused / max(1, len(doc.text)):.0%} reused"
        if doc.url:
            title += f" · {escape(doc.url)}"
        by_other: dict[str, list[tuple[Passage, int]]] = defaultdict(list)
        for p in passages:
            for i, m in enumerate(p.matches):
                by_other[m.document].append((p, i))
        body = []
        for other in sorted(by_other):
            body.append(Text(f"shared with {other}", style="bold cyan"))
            for p, i in by_other[other]:
                m = p.matches[i]
                body.append(_passage_line(p, m.start, m.end, m.similarity, texts[other]))
        console.print(Panel(Group(*body), title=title, title_align="left", expand=True))


def _passage_line(p: Passage, other_start: int, other_end: int, similarity: float, other_text: str) -> Text:
    kind = p.kind
    head = Text(f"  {kind} ", style=KIND_STYLE.get(kind, ""))
    head.append(f"{similarity:.2f} · chars {p.start}-{p.end} ↔ {other_start}-{other_end}\n", style="dim")
    excerpt = p.text[:EXCERPT_CHARS]
    body = Text("    ")
    if kind in ("near-verbatim", "derivative"):
        counterpart = other_text[other_start:other_end]
        for segment, same in diff_words(p.text, counterpart):
            if not excerpt:
                break
            piece, excerpt = segment[: len(excerpt)], excerpt[len(segment) :]
            body.append(piece.replace("\n", " "), style="" if same else "bold black on yellow")
    else:
        body.append(excerpt.replace("\n", " "))
    if len(p.text) > EXCERPT_CHARS:
        body.append("…", style="dim")
    return Text.assemble(head, body)
