"""Coarse candidates for rewritten reuse (``--sensitivity high``): windows of content stems → document pairs.

The exact channel's windows hash word 3-grams in their order, so a passage
whose words were swapped, replaced or translated there and back may never
meet its source. Here each document becomes the sequence of its *content
stems* (:mod:`provenance.sentences` stems of the words outside the corpus's
most common ones, those in more than :data:`COMMON_SHARE` of its documents),
and windows of :data:`WINDOW` content stems get a MinHash of their stems as a
set, order ignored (:data:`NUM_PERM` permutations). LSH at :data:`THRESHOLD`
pairs windows of different documents. The pairs come back in the exact channel's window numbering, so
the pipeline aligns them like its own candidates (and compares their
sentences).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from provenance.config import Config
from provenance.fingerprint import signatures
from provenance.lsh import candidate_pairs
from provenance.models import Document
from provenance.normalize import stem_hashes
from provenance.sentences import STEM_CHARS

COMMON_SHARE = 0.05
COMMON_MIN_DOCS = 20  # in a small corpus, document frequency cannot tell common words
WINDOW = 16
THRESHOLD = 0.25
NUM_PERM = 128
"""Permutations per coarse window: more than the exact channel's, so that the
lower threshold's estimate of Jaccard similarity stays sharp (at 48, a
threshold of 0.25 let through twice the pairs for the same recall)."""


def content_positions(docs: Sequence[Document]) -> list[np.ndarray]:
    """Per document, the word positions of its content stems, and their stems
    (two rows: positions, stems)."""
    stems = [stem_hashes(d.text, STEM_CHARS) for d in docs]
    distinct = [np.unique(s) for s in stems]
    if not distinct:
        return []
    values, df = np.unique(np.concatenate(distinct), return_counts=True)
    common = values[df > max(COMMON_MIN_DOCS, COMMON_SHARE * len(docs))]
    out = []
    for s in stems:
        keep = np.flatnonzero(~np.isin(s, common))
        out.append(np.stack([keep.astype(np.uint64), s[keep]]))
    return out


def coarse_pairs(docs: Sequence[Document], word_windows: Sequence[int], config: Config) -> dict[tuple[int, int], np.ndarray]:
    """Candidate window pairs of rewritten reuse.

    Args:
        docs: the documents.
        word_windows: each document's number of exact-channel windows.

    Returns:
        ``(document a, document b) → (k, 2)`` exact-channel window pairs,
        ``a < b``, sorted.
    """
    content = content_positions(docs)
    cfg = config.with_overrides(shingle_size=1, window=WINDOW, threshold=THRESHOLD, num_perm=NUM_PERM)
    per_doc = signatures([c[1] for c in content], cfg)
    counts = np.array([len(s) for s in per_doc], dtype=np.int64)
    if counts.sum() < 2:
        return {}
    doc_of = np.repeat(np.arange(len(docs)), counts)
    first = np.concatenate(([0], np.cumsum(counts)))
    pairs = candidate_pairs([np.concatenate(per_doc)], doc_of, cfg, workers=config.processes)
    stride = max(1, WINDOW // 2)
    word_block = max(1, config.window // 2)
    out: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for x, y in pairs.tolist():
        a, b = int(doc_of[x]), int(doc_of[y])
        wa = _word_window(content[a][0], (x - first[a]) * stride, word_block, word_windows[a])
        wb = _word_window(content[b][0], (y - first[b]) * stride, word_block, word_windows[b])
        if wa >= 0 and wb >= 0:
            out.setdefault((a, b), []).append((wa, wb))
    return {k: np.unique(np.array(v, dtype=np.int64), axis=0) for k, v in out.items()}


def _word_window(positions: np.ndarray, content_index: int, word_block: int, n_windows: int) -> int:
    """The exact-channel window holding the content stem at ``content_index``."""
    if not n_windows or content_index >= len(positions):
        return -1
    return min(int(positions[content_index]) // word_block, n_windows - 1)
