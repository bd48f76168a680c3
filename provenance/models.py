"""Result types: frozen dataclasses shared by every stage and every rendering."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Literal, Protocol

from provenance.urls import site_of

Kind = Literal["verbatim", "near-verbatim", "derivative", "boilerplate"]
KIND_ORDER: tuple[Kind, ...] = ("verbatim", "near-verbatim", "derivative", "boilerplate")

SCHEMA = "provenance-report/1"


@dataclass(frozen=True)
class Credit:
    """A credit line: who a stretch of text is credited to, and which stretch.

    ``start``/``end`` is the span of the credit itself in the text;
    ``scope`` is the stretch of text it covers (``start <= end``).
    """

    url: str | None
    name: str | None
    cue: str
    start: int
    end: int
    scope: tuple[int, int]

    def covers(self, start: int, end: int, *, share: float = 0.5) -> bool:
        """Whether the credit's scope covers at least ``share`` of the span ``start:end``.

        >>> Credit(None, "X", "via", 90, 95, (0, 90)).covers(10, 50)
        True
        >>> Credit(None, "X", "via", 90, 95, (0, 90)).covers(80, 200)
        False
        """
        if end <= start:
            return self.scope[0] <= start <= self.scope[1]
        overlap = min(end, self.scope[1]) - max(start, self.scope[0])
        return overlap > 0 and overlap >= share * (end - start)

    def to_dict(self) -> dict[str, Any]:
        """The credit as JSON (in a report and in an index).

        >>> c = Credit("https://x.org/a", "X", "Source:", 5, 9, (0, 5))
        >>> Credit.from_dict(c.to_dict()) == c
        True
        """
        return {"url": self.url, "name": self.name, "cue": self.cue, "start": self.start, "end": self.end, "scope": list(self.scope)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Credit:
        """The credit ``to_dict`` wrote."""
        return cls(data["url"], data["name"], data["cue"], int(data["start"]), int(data["end"]), (int(data["scope"][0]), int(data["scope"][1])))


@dataclass(frozen=True)
class Origin:
    """Where a passage comes from, how sure that is, and why.

    ``evidence[0]`` states the deciding fact; ``verdict_from_evidence`` reads
    the verdict back from it.
    """

    url: str | None
    name: str | None
    document: str | None
    confidence: float
    evidence: tuple[str, ...]
    rule: str = "none"

    def to_dict(self) -> dict[str, Any]:
        """The origin as JSON (in a report)."""
        return {"url": self.url, "name": self.name, "document": self.document, "confidence": self.confidence, "evidence": list(self.evidence), "rule": self.rule}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Origin:
        """The origin ``to_dict`` wrote (reports before rules were named have none)."""
        return cls(data["url"], data["name"], data["document"], data["confidence"], tuple(data["evidence"]), data.get("rule", "none"))


def origin_label(origin: Origin | None, labels: Mapping[str, str] | None = None) -> str | None:
    """What a passage's origin is called wherever users read it: its corpus
    document (by its readable label from ``labels``, else its id), else the
    outlet's name, else the site of its URL, else the URL; None when nothing
    decided it (each rendering words that its own way).

    >>> origin_label(Origin("https://www.x.org/a", None, None, 0.95, ())), origin_label(Origin("https://x.org/a", "X", "a.txt", 0.95, ()))
    ('x.org', 'a.txt')
    """
    if origin is None:
        return None
    if origin.document:
        return labels.get(origin.document, origin.document) if labels else origin.document
    return origin.name or site_of(origin.url) or origin.url


@dataclass(frozen=True)
class Meta:
    """What a document says about itself: its own URL, title, publication
    day (``YYYY-MM-DD``) and where that day came from, and its site. One
    record from the page (``metadata.html_metadata``) through reading
    (``read``) to the document (``Document.meta``).
    """

    url: str | None = None
    title: str | None = None
    date: str | None = None
    date_source: str | None = None
    site: str | None = None

    def overridden(self, given: Mapping[str, str], date_source: str) -> Meta:
        """These values with ``given``'s (a sidecar's or manifest's) in their place;
        a given date has ``date_source``.

        >>> Meta("https://a.org/x", date="2020-01-01", date_source="url").overridden({"date": "2019-05-01"}, "sidecar")
        Meta(url='https://a.org/x', title=None, date='2019-05-01', date_source='sidecar', site=None)
        """
        date, source = (given["date"], date_source) if given.get("date") else (self.date, self.date_source)
        return Meta(given.get("url") or self.url, given.get("title") or self.title, date, source, given.get("site") or self.site)


class TextSource(Protocol):
    """Where a text not held in memory is read from, on each use."""

    def read(self) -> str: ...


class StoredText(TextSource, Protocol):
    """A document's text kept outside memory (``provenance.spill.SpilledText``),
    with its size known without reading it."""

    size: int  # bytes in UTF-8
    chars: int
    stripped_chars: int


@dataclass(frozen=True)
class TextSlice:
    """Characters ``start:end`` of a stored text: a passage's text in a big scan."""

    of: TextSource
    start: int
    end: int

    def read(self) -> str:
        """The characters."""
        return self.of.read()[self.start : self.end]


class _Text:
    """``Document.text`` and ``Passage.text``: the text itself, or a
    ``TextSource`` read back on each access (a big scan keeps its documents'
    texts in a temporary file: ``provenance.spill``)."""

    def __get__(self, obj: Any, objtype: Any = None) -> str:
        if obj is None:
            raise AttributeError("text")  # a field without a default
        held = obj.__dict__["_text"]
        return held if isinstance(held, str) else held.read()

    def __set__(self, obj: Any, value: str | TextSource) -> None:
        obj.__dict__["_text"] = value


@dataclass(frozen=True)
class Document:
    """One text and what it says about itself.

    ``text`` is the extracted text that every offset in a report counts into.
    In a scan that spills (``Config.spill_mb``) it is not held: each access
    reads it back from the scan's temporary text file (``stored`` says so),
    and ``chars`` gives its length without reading it.
    """

    id: str
    text: str = _Text()  # type: ignore[assignment]
    path: str
    url: str | None = None
    title: str | None = None
    date: str | None = None
    site: str | None = None
    date_source: str | None = None
    credits: tuple[Credit, ...] = ()
    record: str | None = None  # in a JSON lines file: the record's id, or its line number

    def __post_init__(self) -> None:
        # A crawl repeats a few sites and dates across many documents, whose
        # metadata a big scan holds in memory: one string each (and a batch
        # of documents sent between processes carries each once).
        for name in ("site", "date", "date_source"):
            value = self.__dict__[name]
            if type(value) is str:  # intern takes exact strings only
                object.__setattr__(self, name, sys.intern(value))

    @classmethod
    def of(cls, id: str, text: str, path: str, meta: Meta, **rest: Any) -> Document:
        """A document with the metadata ``meta`` (its site, when absent, from its URL)."""
        return cls(
            id, text, path, url=meta.url, title=meta.title, date=meta.date, site=meta.site or site_of(meta.url),
            date_source=meta.date_source if meta.date else None, **rest,
        )

    @property
    def chars(self) -> int:
        """Length of the text in characters (read from the text only when it is held)."""
        held = self.__dict__["_text"]
        return len(held) if isinstance(held, str) else held.chars

    @property
    def size(self) -> int:
        """Size of the text in UTF-8 bytes (read from the text only when it is held)."""
        held = self.__dict__["_text"]
        return len(held.encode("utf-8")) if isinstance(held, str) else held.size

    @property
    def stored(self) -> StoredText | None:
        """Where the text is kept when it is not held (read back on each access), else None."""
        held = self.__dict__["_text"]
        return None if isinstance(held, str) else held

    def with_stored_text(self, stored: StoredText) -> Document:
        """This document with its text kept in ``stored`` instead of memory."""
        return replace(self, text=stored)  # type: ignore[arg-type]

    def _stripped_chars(self) -> int:
        held = self.__dict__["_text"]
        return len(held.rstrip()) if isinstance(held, str) else held.stripped_chars

    @property
    def meta(self) -> Meta:
        """What the document says about itself."""
        return Meta(self.url, self.title, self.date, self.date_source, self.site)

    def whole_credit(self, share: float = 0.6) -> Credit | None:
        """The credit that covers most of this document's text, when one
        covers at least ``share`` of it: the document is a reprint."""
        if not self.credits:
            return None
        size = self._stripped_chars()
        covering = [c for c in self.credits if c.covers(0, size, share=share)]
        return covering[0] if covering else None


@dataclass(frozen=True)
class Skipped:
    """A file (or a line or record of one) that could not be used, and why.

    ``offset`` is the byte offset of a web archive's record in its file;
    ``unsupported`` the file's type (``.rtf``) when it was passed over because
    no reader takes that type (users see those in one summary line).
    """

    path: str
    reason: str
    offset: int | None = None
    unsupported: str | None = None


@dataclass(frozen=True, slots=True)
class Match:
    """Where a passage appears in another document.

    ``this_start``/``this_end`` is the part of the passage's own document that
    this match was aligned with: a passage matched by several documents spans
    all their parts, and each match names its own (None in reports written
    before the field existed).
    """

    document: str
    start: int
    end: int
    similarity: float
    this_start: int | None = None
    this_end: int | None = None


@dataclass(frozen=True)
class Passage:
    """A region of one document that also appears in others.

    ``text`` is that region of the document's text; in a big scan, whose
    texts are not held (``Document.stored``), it is read back when asked.
    """

    document: str
    start: int
    end: int
    text: str = _Text()  # type: ignore[assignment]
    kind: Kind
    similarity: float
    matches: tuple[Match, ...]
    origin: Origin | None = None

    def with_origin(self, origin: Origin | None) -> Passage:
        """This passage with ``origin`` (its text read from where it is kept only when asked)."""
        return Passage(self.document, self.start, self.end, self.__dict__["_text"], self.kind, self.similarity, self.matches, origin)


@dataclass(frozen=True)
class Report:
    """Everything a scan found, in the order users see it."""

    documents: tuple[Document, ...]
    passages: tuple[Passage, ...]
    skipped: tuple[Skipped, ...] = ()
    warnings: tuple[Skipped, ...] = ()
    stats: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def document(self, doc_id: str) -> Document:
        """Return the document with this id (KeyError if absent)."""
        return self._by_id[doc_id]

    @cached_property
    def _by_id(self) -> dict[str, Document]:
        return {d.id: d for d in self.documents}

    def texts(self) -> Mapping[str, str]:
        """The documents' texts by id, each read when asked: a big scan's
        texts are not held (``Document.stored``), so renderers fetch only
        those they show."""
        return _Texts(self._by_id)

    def passages_of(self, doc_id: str) -> list[Passage]:
        """Passages of one document, in text order."""
        return list(self._by_document.get(doc_id, ()))

    @cached_property
    def _by_document(self) -> dict[str, list[Passage]]:
        by_doc: dict[str, list[Passage]] = {}
        for p in self.passages:
            by_doc.setdefault(p.document, []).append(p)
        return by_doc

    def reused_chars(self, doc_id: str) -> int:
        """Characters of a document covered by reused passages (boilerplate excluded)."""
        return covered_chars((p.start, p.end) for p in self.passages_of(doc_id) if p.kind != "boilerplate")

    def to_dict(self) -> dict[str, Any]:
        """The JSON report (schema ``provenance-report/1``): a public contract."""
        return {"schema": SCHEMA, **{key: list(self.entries(key)) for key in REPORT_LISTS}}

    def entries(self, key: str) -> Iterator[dict[str, Any]]:
        """The objects of one of the JSON report's lists (``REPORT_LISTS``),
        made one at a time: a big report is written entry by entry."""
        if key == "documents":
            for d in self.documents:
                yield {
                    "id": d.id,
                    "url": d.url,
                    "title": d.title,
                    "date": d.date,
                    "site": d.site,
                    "chars": d.chars,
                    "reused_chars": self.reused_chars(d.id),
                    "date_source": d.date_source,
                    "credits": [c.to_dict() for c in d.credits],
                    "reprint_of": credit.to_dict() if (credit := d.whole_credit()) else None,
                }
        elif key == "passages":
            for p in self.passages:
                yield {
                    "document": p.document,
                    "start": p.start,
                    "end": p.end,
                    "text": p.text,
                    "kind": p.kind,
                    "similarity": p.similarity,
                    "matches": [
                        {"document": m.document, "start": m.start, "end": m.end, "similarity": m.similarity, "this_start": m.this_start, "this_end": m.this_end}
                        for m in p.matches
                    ],
                    "origin": p.origin.to_dict() if p.origin else None,
                }
        elif key == "skipped":
            for s in self.skipped:
                yield {"path": s.path, "reason": s.reason} | ({"offset": s.offset} if s.offset is not None else {}) | ({"unsupported": s.unsupported} if s.unsupported else {})
        elif key == "warnings":
            for s in self.warnings:
                yield {"path": s.path, "message": s.reason}
        else:
            raise KeyError(key)


REPORT_LISTS = ("documents", "passages", "skipped", "warnings")
"""The JSON report's lists, in order."""


class _Texts(Mapping[str, str]):
    """Texts of documents by id, read on access (the last one is kept: renderers ask for one document's text several times in a row)."""

    def __init__(self, by_id: Mapping[str, Document]) -> None:
        self._by_id = by_id
        self._last: tuple[str, str] | None = None

    def __getitem__(self, doc_id: str) -> str:
        if self._last is None or self._last[0] != doc_id:
            self._last = (doc_id, self._by_id[doc_id].text)
        return self._last[1]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)


def covered_chars(spans: Iterable[tuple[int, int]]) -> int:
    """Characters covered by the union of ``[start, end)`` spans.

    >>> covered_chars([(0, 10), (5, 15), (20, 25)])
    20
    """
    total, cur_start, cur_end = 0, -1, -1
    for start, end in sorted(spans):
        if start > cur_end:
            total += max(0, cur_end - cur_start)
            cur_start, cur_end = start, end
        else:
            cur_end = max(cur_end, end)
    return total + max(0, cur_end - cur_start)
