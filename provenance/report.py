"""Report: result objects → terminal view (rich) and JSON. No decisions here."""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.text import Text
from rich.tree import Tree

from provenance import escape as esc
from provenance.align import diff_words
from provenance.errors import InputError
from provenance.labels import document_labels, short_ids, shorten, shorten_middle
from provenance.models import (
    SCHEMA,
    Credit,
    Document,
    Match,
    Origin,
    Passage,
    Report,
    Skipped,
    origin_label,
)
from provenance.urls import site_of

EXCERPT_CHARS = 240
KIND_STYLE = {
    "verbatim": "bold red",
    "near-verbatim": "red",
    "derivative": "yellow",
    "boilerplate": "dim",
}


def to_json(report: Report, fh: IO[str], *, with_text: bool = False) -> None:
    """Write the JSON report (schema ``provenance-report/1``) with a final newline.

    ``with_text`` adds each document's extracted text as ``documents[].text``,
    which ``from_json`` needs to rebuild the report.
    """
    data = report.to_dict()
    if with_text:
        for entry, doc in zip(data["documents"], report.documents, strict=True):
            entry["text"] = doc.text
    fh.write(esc.json_dumps(data) + "\n")


JSONL_FILES = {"document": "documents.jsonl", "passage": "passages.jsonl", "skipped": "skipped.jsonl", "warning": "warnings.jsonl"}
"""The files ``write_jsonl_folder`` writes, by record kind."""


def jsonl_records(report: Report, *, with_text: bool = False) -> Iterator[tuple[str, dict[str, Any]]]:
    """The report's entries as ``(kind, object)``: the objects of the JSON
    report's lists (``documents``, ``passages``, ``skipped``, ``warnings``),
    one at a time, for reports too large for one JSON document."""
    for key, kind in (("documents", "document"), ("passages", "passage"), ("skipped", "skipped"), ("warnings", "warning")):
        for n, entry in enumerate(report.entries(key)):
            if with_text and kind == "document":
                entry["text"] = report.documents[n].text
            yield kind, entry


def to_jsonl(report: Report, fh: IO[str], *, with_text: bool = False) -> None:
    """Write the report as JSON lines: first ``{"record": "report", "schema": ...}``,
    then one object per document, passage, skipped input and warning, each
    the JSON report's object plus ``"record"``: its kind."""
    fh.write(esc.json_dumps({"record": "report", "schema": SCHEMA}, indent=None) + "\n")
    for kind, entry in jsonl_records(report, with_text=with_text):
        fh.write(esc.json_dumps({"record": kind, **entry}, indent=None) + "\n")


def write_jsonl_folder(report: Report, folder: str | os.PathLike[str], *, with_text: bool = False) -> None:
    """Write ``documents.jsonl``, ``passages.jsonl``, ``skipped.jsonl`` and
    ``warnings.jsonl`` into ``folder`` (made when missing): the JSON report's
    lists, one object per line."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    handles = {kind: (out / name).open("w", encoding="utf-8") for kind, name in JSONL_FILES.items()}
    try:
        for kind, entry in jsonl_records(report, with_text=with_text):
            handles[kind].write(esc.json_dumps(entry, indent=None) + "\n")
    finally:
        for fh in handles.values():
            fh.close()


NO_TEXT_ERROR = (
    "{name} has no document texts; write it with "
    "`provenance scan PATH... --format json --with-text` to render it again"
)


def from_json(fh: IO[str]) -> Report:
    """Rebuild a ``Report`` from a JSON report written with ``with_text``.

    Raises:
        InputError: the file is not a ``provenance-report/1`` JSON report or
            lacks the document texts.
    """
    name = getattr(fh, "name", "the report")
    try:
        data = json.load(fh)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"{name} is not JSON ({e}); give a report from `provenance scan --format json`") from e
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise InputError(f"{name} is not a {SCHEMA} report; give one from `provenance scan --format json --with-text`")
    try:
        if any("text" not in d for d in data["documents"]):
            raise InputError(NO_TEXT_ERROR.format(name=name))
        report = _report_from_dict(data)
        _check_consistent(report)
    except (KeyError, TypeError, ValueError, IndexError) as e:
        raise InputError(f"{name} is not a valid {SCHEMA} report ({type(e).__name__}: {e})") from e
    return report


def _check_consistent(report: Report) -> None:
    """What renderers rely on: passages and matches name documents of the
    report, with integer offsets inside their texts, and known kinds."""
    texts = report.texts()
    for p in report.passages:
        if p.kind not in KIND_STYLE:
            raise ValueError(f"passage kind {p.kind!r}")
        for doc, start, end in [(p.document, p.start, p.end)] + [(m.document, m.start, m.end) for m in p.matches]:
            if doc not in texts:
                raise KeyError(f"no document {doc!r}")
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(texts[doc])):
                raise ValueError(f"offsets {start!r}-{end!r} outside {doc!r}")
        if texts[p.document][p.start : p.end] != p.text:
            raise ValueError(f"passage text of {p.document!r} at {p.start}-{p.end} is not the document's text there")


def _report_from_dict(data: dict[str, Any]) -> Report:
    documents = tuple(
        Document(
            id=d["id"], text=d["text"], path=d["id"], url=d.get("url"), title=d.get("title"), date=d.get("date"),
            site=d.get("site"), date_source=d.get("date_source"), credits=tuple(Credit.from_dict(c) for c in d.get("credits") or ()),
        )
        for d in data["documents"]
    )
    passages = tuple(
        Passage(
            document=p["document"], start=p["start"], end=p["end"], text=p["text"], kind=p["kind"],
            similarity=p["similarity"],
            matches=tuple(Match(m["document"], m["start"], m["end"], m["similarity"], m.get("this_start"), m.get("this_end")) for m in p["matches"]),
            origin=Origin.from_dict(o) if (o := p.get("origin")) else None,
        )
        for p in data["passages"]
    )
    skipped = tuple(Skipped(s["path"], s["reason"], s.get("offset"), s.get("unsupported")) for s in data.get("skipped", ()))
    warnings = tuple(Skipped(w["path"], w["message"]) for w in data.get("warnings", ()))
    return Report(documents, passages, skipped, warnings)


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``count noun``, the noun in the plural unless the count is one.

    >>> plural(1, "document"), plural(3, "document"), plural(0, "passage"), plural(2, "match", "matches")
    ('1 document', '3 documents', '0 passages', '2 matches')
    """
    return f"{count:,} {noun if count == 1 else many or noun + 's'}"


def summary(report: Report) -> str:
    """One line: documents, passages and the reused share of all text."""
    chars = sum(d.chars for d in report.documents)
    reused = sum(report.reused_chars(d.id) for d in report.documents)
    share = reused / chars if chars else 0.0
    with_reuse = len({p.document for p in report.passages if p.kind != "boilerplate"})
    unusable = sum(1 for s in report.skipped if not s.unsupported)  # types no reader takes get a line of their own
    skipped = f", {unusable} skipped" if unusable else ""
    return (
        f"{plural(len(report.documents), 'document')}, {plural(len(report.passages), 'passage')}, "
        f"{plural(with_reuse, 'document')} with reuse, {share:.1%} of text reused{skipped}"
    )


def render(report: Report, console: Console, *, quiet: bool = False) -> None:
    """Print the terminal report: the summary, a panel per document with
    reuse (its name and figures, its full id and URL once, then its
    provenance tree: origin → other document → passages), then the documents
    that credit a source for their whole text.

    Documents are named by title (or a shortened id) wherever they are not
    the subject, so nothing long wraps inside the tree; URLs too long for
    their line are shortened in the middle (``explain`` and the JSON report
    give them whole)."""
    console.print(Text(summary(report), style="bold"))
    if quiet:
        return
    texts = report.texts()
    names = _Names(report)
    plain = console.color_system is None
    shown = _shown(report)
    for doc in report.documents:
        passages = report.passages_of(doc.id)
        if passages and doc.id in shown:
            body = Group(*_identity(doc, names, console.width), _provenance_tree(passages, texts, names, console.width, plain=plain))
            console.print(Panel(body, title=_title(report, doc, names, console.width), title_align="left", expand=True))
    with_reuse = sum(1 for d in report.documents if report.passages_of(d.id))
    if with_reuse > len(shown):
        console.print(Text(
            f"… and {with_reuse - len(shown):,} more documents with reuse: shown are the {len(shown)} with the most reused text. "
            "`--format jsonl`, `--out DIR` or `--html FILE` list them all.",
            style="bold",
        ))
    reprints = [(d, c) for d in report.documents if (c := d.whole_credit())]
    if len(reprints) > MAX_PANELS:
        console.print(Text(f"{len(reprints):,} documents credit a source for their whole text (in the JSON report's reprint_of).", style="bold"))
    elif reprints:
        tree = Tree(Text("Reprints credited to a source", style="bold"))
        for doc, credit in reprints:
            label = esc.line(credit.name or site_of(credit.url) or credit.url or "?")
            name = esc.line(names.label[doc.id])
            url = f" {shorten_middle(esc.line(credit.url), max(24, console.width - len(name) - len(label) - 16))}" if credit.url and credit.url != label else ""
            tree.add(Text.assemble((name, "bold"), " reprints ", (label, "cyan"), (url, "cyan"), (f'  ("{esc.line(credit.cue)} …")', "dim")))
        console.print(tree)


MAX_PANELS = 50
"""A terminal report of a big scan shows this many documents (those with the
most reused text) and says how many more there are."""


def _shown(report: Report) -> set[str]:
    """The documents whose panels the terminal report prints."""
    reused = [(report.reused_chars(d.id), d.id) for d in report.documents if report.passages_of(d.id)]
    if len(reused) <= MAX_PANELS:
        return {doc_id for _, doc_id in reused}
    return {doc_id for _, doc_id in sorted(reused, key=lambda r: (-r[0], r[1]))[:MAX_PANELS]}


class _Names:
    """How the terminal report names documents: a distinct readable label
    (title, else shortened id) and a shortened id."""

    def __init__(self, report: Report) -> None:
        self.label = document_labels(report.documents)
        self.short = short_ids(d.id for d in report.documents)

    def readable(self, sentence: str, ids: set[str], width: int) -> str:
        """An evidence sentence with the documents it names shortened and
        its URLs cut to fit a line."""
        for doc_id in sorted(ids & self.short.keys(), key=len, reverse=True):
            sentence = sentence.replace(doc_id, self.short[doc_id])
        return _URL.sub(lambda m: shorten_middle(m.group(), max(24, width // 2)), sentence)


_URL = re.compile(r"https?://\S+")


def render_explanation(report: Report, doc_id: str, console: Console) -> None:
    """One document's trace: what it says about itself, then passage by
    passage its matches and origin with every piece of evidence."""
    doc = report.document(doc_id)
    texts = report.texts()
    head = Tree(Text(esc.line(doc.id), style="bold"))
    for label, value in (("url", doc.url), ("site", doc.site), ("title", doc.title)):
        if value:
            head.add(Text(f"{label}: {esc.line(value)}"))
    if doc.date:
        head.add(Text(f"date: {esc.line(doc.date)} ({esc.line(doc.date_source or 'unknown source')})"))
    for c in doc.credits:
        head.add(Text(f"credits {_credit_label(c)} for chars {c.scope[0]}-{c.scope[1]} (\"{esc.line(c.cue)}\" at {c.start})"))
    if (credit := doc.whole_credit()) is not None:
        head.add(Text(f"a reprint of {_credit_label(credit)}", style="bold cyan"))
    console.print(head)
    passages = report.passages_of(doc_id)
    if not passages:
        console.print("No passage of this document appears in another document of the corpus.")
    for p in passages:
        node = Tree(Text.assemble((f"{p.kind} ", KIND_STYLE[p.kind]), f"chars {p.start}-{p.end}, similarity {p.similarity:.2f}"))
        for m in p.matches:
            node.add(_passage_line(p, m.start, m.end, m.similarity, texts[m.document], other=m.document, plain=console.color_system is None))
        if p.origin is not None:
            origin = node.add(Text.assemble("origin ", (_origin_label(p.origin), "bold cyan"), f"  confidence {p.origin.confidence:.2f} ({esc.line(p.origin.rule)})"))
            for sentence in p.origin.evidence:
                origin.add(Text(esc.line(sentence)))
        console.print(node)


def _title(report: Report, doc: Document, names: _Names, width: int) -> Text:
    """The document's name, cut to leave room for its figures, which are never cut."""
    figures = f" · {report.reused_chars(doc.id) / max(1, doc.chars):.0%} reused"
    if doc.date:
        figures += f" · {esc.line(doc.date)}"
    room = max(12, width - 6 - len(figures))
    return Text.assemble((shorten(esc.line(doc.title or names.label[doc.id]), room), "bold"), figures)


def _identity(doc: Document, names: _Names, width: int) -> list[Text]:
    """The document's full id, once (unless the title line shows it whole;
    folded only if wider than the terminal), and its URL on one line."""
    lines = [Text(esc.line(doc.id), style="dim", overflow="fold")] if names.label[doc.id] != doc.id else []
    if doc.url:
        lines.append(Text(shorten_middle(esc.line(doc.url), width - 4), style="dim", no_wrap=True, overflow="ellipsis"))
    return lines


def _provenance_tree(passages: list[Passage], texts: Mapping[str, str], names: _Names, width: int, *, plain: bool = False) -> Tree:
    tree = Tree(Text("provenance", style="dim"))
    by_origin: dict[tuple[int, str], list[Passage]] = defaultdict(list)
    for p in passages:
        o = p.origin
        key = o.document or o.url or o.name if o is not None else None
        by_origin[(0, key) if key else (1, "")].append(p)
    room = width - 14  # the panel's borders and two levels of tree guides
    for key in sorted(by_origin):
        group = by_origin[key]
        origin = group[0].origin
        if key[0] or origin is None:
            branch = tree.add(Text.assemble(("origin ", "dim"), (_UNKNOWN, "bold cyan")))
        else:
            name = origin_label(origin, names.label) or _UNKNOWN
            where = "  in this corpus" if origin.document in names.label else ""
            branch = tree.add(
                Text.assemble(("origin ", "dim"), (esc.line(name), "bold cyan"), (f"{where}  confidence {origin.confidence:.2f} ({esc.line(origin.rule)})", "dim"))
            )
            if origin.url and origin.url != name:
                branch.add(Text(shorten_middle(esc.line(origin.url), room), style="cyan", no_wrap=True, overflow="ellipsis"))
        if origin and origin.evidence:
            witnesses = {p.document for p in group} | {m.document for p in group for m in p.matches} | {origin.document or ""}
            branch.add(Text(names.readable(esc.line(origin.evidence[0]), witnesses, room), style="dim italic"))
        by_other: dict[str, list[tuple[Passage, int]]] = defaultdict(list)
        for p in group:
            for i, m in enumerate(p.matches):
                by_other[m.document].append((p, i))
        for other in sorted(by_other):
            label, short = names.label.get(other, other), names.short.get(other, other)
            shared = branch.add(
                Text.assemble(("shared with ", "bold"), (esc.line(label), "bold"), (f" ({esc.line(short)})" if short not in label else "", "dim"))
            )
            for p, i in by_other[other]:
                m = p.matches[i]
                shared.add(_passage_line(p, m.start, m.end, m.similarity, texts[other], plain=plain))
    return tree


_UNKNOWN = "unknown"


def _origin_label(origin: Origin | None) -> str:
    """The origin's label (``models.origin_label``), escaped for the terminal."""
    label = origin_label(origin)
    return esc.line(label) if label else _UNKNOWN


def _credit_label(credit: Credit) -> str:
    """What a credit names, escaped for the terminal."""
    if credit.url and credit.name:
        return esc.line(f"{credit.name} ({credit.url})")
    return esc.line(credit.url or credit.name or "?")


def _passage_line(p: Passage, other_start: int, other_end: int, similarity: float, other_text: str, *, other: str | None = None, plain: bool = False) -> Text:
    """A passage's kind, offsets and excerpt; words the counterpart lacks are
    highlighted, or marked ``{+like this+}`` (as wdiff does) without colour."""
    kind = p.kind
    head = Text(f"{kind} ", style=KIND_STYLE.get(kind, ""))
    where = f"{esc.line(other)} " if other else ""
    head.append(f"{similarity:.2f} · chars {p.start}-{p.end} ↔ {where}{other_start}-{other_end}\n", style="dim")
    excerpt = p.text[:EXCERPT_CHARS]
    body = Text("")
    if kind in ("near-verbatim", "derivative"):
        counterpart = other_text[other_start:other_end]
        for segment, same in diff_words(p.text, counterpart):
            if not excerpt:
                break
            piece, excerpt = segment[: len(excerpt)], excerpt[len(segment) :]
            piece = esc.prose(piece)
            if plain and not same:
                piece = f"{{+{piece}+}}"
            body.append(piece, style="" if same else "bold black on yellow")
    else:
        body.append(esc.prose(excerpt))
    if len(p.text) > EXCERPT_CHARS:
        body.append("…", style="dim")
    return Text.assemble(head, body)
