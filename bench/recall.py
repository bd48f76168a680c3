"""Score a scan report against the planted ground truth of a corpus.

A planted passage counts as found when one reported passage of the receiving
document overlaps at least half of its characters and lists the source
document among its matches. Reported document pairs that no chain of planted
copies connects are counted as unexplained (a proxy for false positives:
two documents that copy from the same source legitimately match each other).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from provenance import Passage

MIN_OVERLAP = 0.5
"""Share of a planted passage's characters a reported passage must cover."""


def _category(p: dict[str, Any]) -> str:
    return f"{p['kind']}/{'edited' if p['edits'] else 'verbatim'}"


def _overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    return max(0, min(a1, b1) - max(a0, b0))


class _Components:
    """Union-find over document ids."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        root = x
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while x != root:
            self.parent[x], x = root, self.parent.get(x, x)
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def score(planted: Sequence[dict[str, Any]], passages: Iterable[Passage]) -> dict[str, Any]:
    """Recall of the planted passages, overall and per category, and the
    number of reported document pairs not explained by planted copies.

    Args:
        planted: ``truth.json``'s ``planted`` records.
        passages: the report's passages.

    Returns:
        ``{"recall", "found", "planted", "by_category": {name: {"recall",
        "found", "planted"}}, "reported_passages", "reported_pairs",
        "unexplained_pairs", "missed": [first few missed records]}``.

    Example:
        >>> from provenance import Match, Passage
        >>> truth = [{"document": "b", "start": 0, "end": 100, "source": "a", "kind": "passage", "edits": 0}]
        >>> found = Passage("b", 40, 120, "", "verbatim", 1.0, (Match("a", 0, 80, 1.0),))
        >>> score(truth, [found])["recall"]
        1.0
    """
    by_doc: dict[str, list[tuple[int, int, frozenset[str]]]] = defaultdict(list)
    pairs: set[tuple[str, str]] = set()
    n_passages = 0
    for p in passages:
        n_passages += 1
        others = frozenset(m.document for m in p.matches)
        by_doc[p.document].append((p.start, p.end, others))
        for other in others:
            pairs.add((min(p.document, other), max(p.document, other)))

    components = _Components()
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    missed: list[dict[str, Any]] = []
    found = 0
    for rec in planted:
        components.union(rec["document"], rec["source"])
        need = MIN_OVERLAP * (rec["end"] - rec["start"])
        hit = any(
            rec["source"] in others and _overlap(start, end, rec["start"], rec["end"]) >= need
            for start, end, others in by_doc.get(rec["document"], ())
        )
        category = totals[_category(rec)]
        category[1] += 1
        if hit:
            found += 1
            category[0] += 1
        elif len(missed) < 10:
            missed.append(rec)
    unexplained = sum(1 for a, b in pairs if components.find(a) != components.find(b))
    return {
        "recall": round(found / len(planted), 4) if planted else 1.0,
        "found": found,
        "planted": len(planted),
        "by_category": {
            name: {"recall": round(f / n, 4) if n else 1.0, "found": f, "planted": n}
            for name, (f, n) in sorted(totals.items())
        },
        "reported_passages": n_passages,
        "reported_pairs": len(pairs),
        "unexplained_pairs": unexplained,
        "missed": missed,
    }
