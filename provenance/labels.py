"""Short, distinct names for documents, for reports that people read.

Ids are paths, often with a 64-character content hash in them; titles repeat
across the copies of one article. The terminal and HTML reports name each
document by its title (or a shortened id), cut at a word, and make sure no
two documents of a report read the same. The full id is still shown once
where the document itself is presented.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from provenance.models import Document

HASH_RUN = re.compile(r"[0-9a-fA-F]{12,}")
"""A run of hex digits long enough to be a hash, not a word or a number."""
ID_CHARS = 28
LABEL_CHARS = 40


def shorten(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, cut at a word when one ends
    in the second half, with "…" where it was cut; whitespace collapsed.

    >>> shorten("New York State Attorney General opens inquiry", 30)
    'New York State Attorney…'
    >>> shorten("short", 30)
    'short'
    """
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    space = cut.rfind(" ")
    if space >= width // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + "…"


def shorten_middle(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, its middle elided (for ids
    and URLs, whose both ends matter).

    >>> shorten_middle("https://example.com/2019/11/18/a-long-story-slug/", 32)
    'https://example.com/…story-slug/'
    """
    if len(text) <= width:
        return text
    head = (width - 1) * 2 // 3
    return text[:head] + "…" + text[len(text) - (width - 1 - head) :]


def short_ids(ids: Iterable[str], width: int = ID_CHARS) -> dict[str, str]:
    """A short form of each id, distinct within ``ids``: in an id longer than
    ``width``, hash-like runs of hex cut to their first 8 characters (more when two ids would read the
    same), then the middle of what is still longer than ``width`` elided.
    An id that cannot be shortened without a clash stays whole.

    >>> short_ids(["0dd1357045727799a447563fd8851f4e.html.gz", "0dd13570f0000000000000000000000a.html.gz", "000_cc87db15589df885.txt"])
    {'000_cc87db15589df885.txt': '000_cc87db15589df885.txt', '0dd1357045727799a447563fd8851f4e.html.gz': '0dd135704572….html.gz', '0dd13570f0000000000000000000000a.html.gz': '0dd13570f000….html.gz'}
    """
    ids = sorted(set(ids))
    for keep in (8, 12, 16, 24, 32):
        short = {i: i if len(i) <= width else shorten_middle(_cut_hashes(i, keep), width) for i in ids}
        clashes = _clashes(short)
        if not clashes:
            return short
    for i in clashes:
        short[i] = i
    return short


def _cut_hashes(text: str, keep: int) -> str:
    return HASH_RUN.sub(lambda m: m.group()[:keep] + "…" if len(m.group()) > keep + 1 else m.group(), text)


def _clashes(labels: dict[str, str]) -> set[str]:
    seen: dict[str, list[str]] = defaultdict(list)
    for key, label in labels.items():
        seen[label].append(key)
    return {k for keys in seen.values() if len(keys) > 1 for k in keys}


def document_labels(documents: Iterable[Document], width: int = LABEL_CHARS) -> dict[str, str]:
    """A readable name per document id, distinct within ``documents``: its
    title cut to ``width`` at a word, else its shortened id. Documents that
    would read the same get a longer cut, then their shortened id added.

    >>> docs = [Document("a.html", "", "a.html", title="Attorney General opens an inquiry into WeWork"),
    ...         Document("b.html", "", "b.html", title="Attorney General opens an inquiry into Uber"),
    ...         Document("c.html", "", "c.html", title="Attorney General opens an inquiry into Uber")]
    >>> for doc_id, label in sorted(document_labels(docs, 30).items()):
    ...     print(doc_id, "→", label)
    a.html → Attorney General opens an inquiry into WeWork
    b.html → Attorney General opens an… (b.html)
    c.html → Attorney General opens an… (c.html)
    """
    docs = {d.id: d for d in documents}
    ids = short_ids(docs)
    labels = {i: shorten(d.title, width) if d.title and d.title.strip() else ids[i] for i, d in docs.items()}
    clashes = _clashes(labels)
    if clashes:
        # Same title: a longer cut may tell them apart; else say where each is.
        for i in clashes:
            labels[i] = shorten(docs[i].title or ids[i], width * 2)
        for i in _clashes({i: labels[i] for i in clashes}):
            labels[i] = f"{shorten(docs[i].title or '', width)} ({ids[i]})"
    return labels
