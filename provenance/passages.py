"""Classify and group: aligned word spans → passages as users see them.

Each aligned pair gives a passage on both sides. Within one document,
passages that cover mostly the same text (matched by several documents) are
merged into one passage with several matches. Kinds: ``verbatim`` (the same
words after normalisation), ``near-verbatim`` (similarity >= near_verbatim),
``derivative`` (edited reuse), ``boilerplate`` (shared only among documents of
one site, by at least ``boilerplate_docs`` of them, or by fewer when it is a
template block at the start or end of each page: :func:`template_block`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from provenance.config import Config
from provenance.models import Document, Kind, Match, Passage, TextSlice, TextSource


@dataclass(frozen=True, slots=True)
class Half:
    """One side of an aligned pair: a span of ``doc`` matching a span of ``other``."""

    doc: str
    start: int
    end: int
    other: str
    other_start: int
    other_end: int
    similarity: float
    verbatim: bool


def kind_of(similarity: float, verbatim: bool, config: Config) -> Kind:
    """The kind of an edited or copied passage.

    >>> from provenance.config import Config
    >>> kind_of(1.0, True, Config()), kind_of(0.95, False, Config()), kind_of(0.7, False, Config())
    ('verbatim', 'near-verbatim', 'derivative')
    """
    if verbatim:
        return "verbatim"
    return "near-verbatim" if similarity >= config.near_verbatim else "derivative"


def build_passages(halves: Iterable[Half], docs: dict[str, Document], config: Config) -> list[Passage]:
    """Merge halves into per-document passages, classified, in a stable order."""
    by_doc: dict[str, list[Half]] = defaultdict(list)
    for h in halves:
        by_doc[h.doc].append(h)
    passages: list[Passage] = []
    for doc_id in sorted(by_doc):
        doc = docs[doc_id]
        # A stored text (a big scan's) is not read here: the passage reads its part when asked.
        text: str | TextSource = doc.stored or doc.text
        for cluster in _clusters(by_doc[doc_id]):
            start = min(h.start for h in cluster)
            end = max(h.end for h in cluster)
            best = max(cluster, key=lambda h: (h.verbatim, h.similarity))
            matches = tuple(
                sorted(
                    {Match(h.other, h.other_start, h.other_end, round(h.similarity, 4), h.start, h.end) for h in cluster},
                    key=lambda m: (m.document, m.start, m.end),
                )
            )
            kind = kind_of(best.similarity, best.verbatim, config)
            if _is_boilerplate(doc_id, start, end, matches, docs, config):
                kind = "boilerplate"
            part = text[start:end] if isinstance(text, str) else TextSlice(text, start, end)
            passages.append(Passage(doc_id, start, end, part, kind, round(best.similarity, 4), matches))
    return passages


def _clusters(halves: list[Half]) -> list[list[Half]]:
    """Group spans that mostly overlap (at least half of the shorter one)."""
    clusters: list[tuple[int, int, list[Half]]] = []
    for h in sorted(halves, key=lambda h: (h.start, -h.end, h.other, h.other_start)):
        for i in range(len(clusters) - 1, max(-1, len(clusters) - 5), -1):
            c_start, c_end, members = clusters[i]
            overlap = min(c_end, h.end) - max(c_start, h.start)
            if overlap > 0 and overlap >= 0.5 * min(c_end - c_start, h.end - h.start):
                members.append(h)
                clusters[i] = (min(c_start, h.start), max(c_end, h.end), members)
                break
        else:
            clusters.append((h.start, h.end, [h]))
    return [members for _, _, members in clusters]


def _is_boilerplate(doc_id: str, start: int, end: int, matches: tuple[Match, ...], docs: dict[str, Document], config: Config) -> bool:
    """Shared only within one site, by ``boilerplate_docs`` pages, or by
    fewer when it is a template block in every one of them."""
    sites = {docs[doc_id].site} | {docs[m.document].site for m in matches}
    if len(sites) != 1 or None in sites:
        return False
    witnesses = {doc_id} | {m.document for m in matches}
    if len(witnesses) >= config.boilerplate_docs:
        return True
    spans = [(docs[doc_id].text, start, end)] + [(docs[m.document].text, m.start, m.end) for m in matches]
    return all(template_block(text, s, e) for text, s, e in spans)


TEMPLATE_SHARE = 0.5
"""A block covering at least this share of a page is its content, not its template."""
TEMPLATE_EDGE = 0.15
"""A template block leaves at most this share of the page before or after it."""


def template_block(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` looks like a block of the page's template:
    a minor part of the page (under :data:`TEMPLATE_SHARE`) at its start or
    end (at most :data:`TEMPLATE_EDGE` of the page before or after it), as
    a newsletter box or the "About the company" paragraph that closes every
    press release. A site republishing its own article shares most of the
    page, and an excerpt quoted inside a new article sits in its middle:
    both stay reuse.

    >>> page = "Article body. " * 50 + "About Acme: Acme makes anvils since 1900."
    >>> template_block(page, 700, len(page)), template_block(page, 0, len(page)), template_block(page, 300, 400)
    (True, False, False)
    """
    size = len(text.rstrip())
    if not size or (end - start) >= TEMPLATE_SHARE * size:
        return False
    return start <= TEMPLATE_EDGE * size or size - end <= TEMPLATE_EDGE * size
