"""Group and attribute: passages → groups of witnesses of the same text → one origin each.

Passages linked by their matches form a group: every document that carries
the text is a witness. The group gets one origin (``attribute.attribute``),
decided from the witnesses' credits that cover their passage, their own URLs
and their dates, so all witnesses of the same text agree on where it came
from.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from provenance.attribute import Witness, attribute
from provenance.models import Document, Passage
from provenance.urls import normalize_url


def attribute_passages(passages: Sequence[Passage], docs: dict[str, Document]) -> list[Passage]:
    """Every passage with the origin of its group of witnesses."""
    groups = _groups(passages)
    own_urls: dict[str, tuple[str, str]] = {}  # normalised own URL -> (URL, document)
    for d in sorted(docs.values(), key=lambda d: d.id):
        if d.url:
            own_urls.setdefault(normalize_url(d.url), (d.url, d.id))
    out = list(passages)
    for members in groups:
        spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for i in members:
            spans[passages[i].document].append((passages[i].start, passages[i].end))
        witnesses = []
        for doc_id in sorted(spans):
            doc = docs[doc_id]
            covering = [c for c in doc.credits if any(c.covers(s, e) for s, e in spans[doc_id])]
            witnesses.append(Witness(doc_id, doc.meta, covering))
        # Only the corpus URLs the witnesses credit matter; passing just those
        # keeps each decision independent of the corpus size.
        credited = {normalize_url(c.url) for w in witnesses for c in w.credits_covering if c.url}
        origin = attribute(witnesses, dict(own_urls[u] for u in sorted(credited) if u in own_urls))
        for i in members:
            out[i] = passages[i].with_origin(origin)
    return out


def _groups(passages: Sequence[Passage]) -> list[list[int]]:
    """Connected passages: one's match covers most of the other, and is most of itself."""
    parent = list(range(len(passages)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_doc: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(passages):
        by_doc[p.document].append(i)
    for i, p in enumerate(passages):
        for m in p.matches:
            best, best_overlap = -1, 0
            for j in by_doc.get(m.document, ()):
                q = passages[j]
                overlap = min(q.end, m.end) - max(q.start, m.start)
                if overlap > best_overlap:
                    best, best_overlap = j, overlap
            # Only text the two passages mostly share makes them witnesses of
            # each other: a short quote two different articles both carry must
            # not let one article's credit decide the other's origin.
            shared = m.end - m.start
            if best >= 0 and shared >= 0.5 * (p.end - p.start) and shared >= 0.5 * (passages[best].end - passages[best].start):
                parent[find(i)] = find(best)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(passages)):
        groups[find(i)].append(i)
    return sorted(groups.values())
