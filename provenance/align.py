"""Align: a candidate document pair and its matching windows → aligned passages.

Matching windows are grouped into seed regions; each region (plus a margin)
is aligned word by word with an LCS alignment (rapidfuzz ``Indel`` on word
hashes). Runs of at least ``shingle_size`` equal words anchor a passage;
anchors separated by at most ``max_gap`` differing words join into one
passage; the passage is the stretch from its first to its last anchor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rapidfuzz.distance import Indel

from provenance.config import Config
from provenance.fingerprint import window_span


@dataclass(frozen=True)
class Aligned:
    """One passage shared by two documents, in word offsets [start, end)."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    matched: int  # words aligned as equal

    @property
    def similarity(self) -> float:
        """Aligned words over passage length (Dice: symmetric in a and b)."""
        return 2.0 * self.matched / ((self.a_end - self.a_start) + (self.b_end - self.b_start))

    @property
    def verbatim(self) -> bool:
        """The two passages are the same words in the same order."""
        return self.matched == self.a_end - self.a_start == self.b_end - self.b_start


def seed_regions(window_pairs: np.ndarray, n_a: int, n_b: int, config: Config) -> list[tuple[int, int, int, int]]:
    """Group matching windows into word regions worth aligning.

    Args:
        window_pairs: ``(k, 2)`` window numbers in a and in b.
        n_a, n_b: word counts of the two documents.

    Returns:
        Regions ``(a_start, a_end, b_start, b_end)`` with a margin added.
    """
    return seed_regions_many(np.asarray(window_pairs).reshape(-1, 2), np.array([len(window_pairs)]), np.array([n_a]), np.array([n_b]), config)[0]


def seed_regions_many(windows: np.ndarray, counts: np.ndarray, n_a: np.ndarray, n_b: np.ndarray, config: Config) -> list[list[tuple[int, int, int, int]]]:
    """``seed_regions`` of many document pairs at once (the same regions).

    Args:
        windows: ``(m, 2)`` window pairs of all the document pairs, each
            pair's rows contiguous and in order.
        counts: rows of each document pair (they sum to ``m``).
        n_a, n_b: word counts of each pair's two documents.

    Returns:
        Per document pair, its regions.

    >>> from provenance.config import Config
    >>> w = np.array([[0, 0], [1, 1], [9, 2], [3, 4]])
    >>> many = seed_regions_many(w, np.array([3, 1]), np.array([400, 300]), np.array([500, 200]), Config())
    >>> [len(regions) for regions in many], many[1]
    ([2, 1], [(13, 117, 29, 133)])
    """
    k = len(counts)
    if not k:
        return []
    margin = config.window + config.shingle_size
    group = np.repeat(np.arange(k), counts)
    wa, wb = windows[:, 0], windows[:, 1]
    # Collapse runs of windows along one diagonal (a reprint matches window i
    # with j, i+1 with j+1, ...) into one seed before the merging loop.
    order = np.lexsort((wa, wb - wa, group))
    wa, wb, group = wa[order], wb[order], group[order]
    breaks = np.flatnonzero((wa[1:] - wa[:-1] != 1) | (wb[1:] - wb[:-1] != 1) | (group[1:] != group[:-1])) + 1
    first = np.concatenate(([0], breaks))
    last = np.concatenate((breaks - 1, [len(wa) - 1]))
    sg = group[first]
    na, nb = n_a[sg], n_b[sg]
    a0, a1 = window_span(wa[first], na, config)[0], window_span(wa[last], na, config)[1]
    b0, b1 = window_span(wb[first], nb, config)[0], window_span(wb[last], nb, config)[1]
    order = np.lexsort((b1, b0, a1, a0, sg))
    sg, na, nb, a0, a1, b0, b1 = (x[order] for x in (sg, na, nb, a0, a1, b0, b1))
    # A pair with one seed has one region: the seed with its margin.
    alone = np.column_stack((np.maximum(0, a0 - margin), np.minimum(na, a1 + margin), np.maximum(0, b0 - margin), np.minimum(nb, b1 + margin))).tolist()
    seeds_of = np.bincount(sg, minlength=k).tolist()
    seeds = np.column_stack((a0, a1, b0, b1)).tolist()
    out: list[list[tuple[int, int, int, int]]] = []
    at = 0
    for g, size in enumerate(seeds_of):
        if size == 1:
            out.append([tuple(alone[at])])
        else:
            out.append(_merge_seeds(seeds[at : at + size], int(n_a[g]), int(n_b[g]), margin))
        at += size
    return out


def _merge_seeds(seeds: list[list[int]], n_a: int, n_b: int, margin: int) -> list[tuple[int, int, int, int]]:
    """Seeds (sorted) that lie close together in both texts → regions with a margin."""
    regions: list[list[int]] = []
    for a0, a1, b0, b1 in seeds:
        for region in reversed(regions[-4:]):
            if a0 <= region[1] + margin and b0 <= region[3] + margin and b1 >= region[2] - margin:
                region[1] = max(region[1], a1)
                region[2] = min(region[2], b0)
                region[3] = max(region[3], b1)
                break
        else:
            regions.append([a0, a1, b0, b1])
    return [
        (max(0, r[0] - margin), min(n_a, r[1] + margin), max(0, r[2] - margin), min(n_b, r[3] + margin))
        for r in regions
    ]


def align_region(a: np.ndarray, b: np.ndarray, config: Config, *, a_offset: int = 0, b_offset: int = 0) -> list[Aligned]:
    """Aligned passages between two word-hash sequences.

    >>> from provenance.normalize import word_hashes
    >>> from provenance.config import Config
    >>> x = word_hashes("one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen")
    >>> y = word_hashes("zero one two three four five six seven eight nine TEN eleven twelve thirteen fourteen fifteen sixteen end")
    >>> [(p.a_start, p.a_end, p.b_start, p.b_end, p.verbatim) for p in align_region(x, y, Config())]
    [(0, 16, 1, 17, True)]
    """
    words_a, words_b = a.tolist(), b.tolist()
    blocks = [
        (op.src_start, op.dest_start, op.src_end - op.src_start)
        for op in Indel.opcodes(words_a, words_b)
        if op.tag == "equal"
    ]
    pieces: list[Aligned] = []
    previous_end = -1  # last block index taken by the previous passage
    for i, j in _chains(blocks, config.shingle_size, config.max_gap):
        i, j = _extend(blocks, i, j, floor=previous_end + 1)
        previous_end = j
        kept = blocks[i : j + 1]
        piece = Aligned(kept[0][0], kept[-1][0] + kept[-1][2], kept[0][1], kept[-1][1] + kept[-1][2], sum(blk[2] for blk in kept))
        # LCS ties may align an edge word elsewhere; equal neighbours belong to the passage.
        pieces.append(_widen(words_a, words_b, piece, replaced=0))
    out = []
    for p in _join(pieces, config):
        if min(p.a_end - p.a_start, p.b_end - p.b_start) >= config.min_tokens and p.similarity >= config.min_similarity:
            p = _widen(words_a, words_b, p, replaced=_EDGE_GAP, min_run=config.shingle_size)
            out.append(Aligned(p.a_start + a_offset, p.a_end + a_offset, p.b_start + b_offset, p.b_end + b_offset, p.matched))
    return out


def _join(pieces: list[Aligned], config: Config) -> list[Aligned]:
    """Join neighbouring pieces across a longer rewrite (up to ``join_gap``
    words) when the joined passage stays at least ``min_similarity`` similar:
    a paraphrased sentence between two copied ones belongs to one passage."""
    joined: list[Aligned] = []
    for p in pieces:
        if joined:
            q = joined[-1]
            gap = max(p.a_start - q.a_end, p.b_start - q.b_end)
            both = Aligned(q.a_start, p.a_end, q.b_start, p.b_end, q.matched + p.matched)
            if gap <= config.join_gap and both.similarity >= config.min_similarity:
                joined[-1] = both
                continue
        joined.append(p)
    return joined


def _chains(blocks: list[tuple[int, int, int]], anchor: int, max_gap: int) -> list[tuple[int, int]]:
    """Index ranges [i, j] of blocks that form passages: each starts and ends
    with an anchor (a block of at least ``anchor`` words), and consecutive
    anchors are at most ``max_gap`` words apart in both texts."""
    chains: list[tuple[int, int]] = []
    first = last = -1
    for k, (sa, sb, length) in enumerate(blocks):
        if length < anchor:
            continue
        if last >= 0:
            pa, pb, pl = blocks[last]
            if sa - (pa + pl) > max_gap or sb - (pb + pl) > max_gap:
                chains.append((first, last))
                first = -1
        if first < 0:
            first = k
        last = k
    if first >= 0:
        chains.append((first, last))
    return chains


_EDGE_GAP = 3  # a short match this close to a passage's edge belongs to it ("The 2014 [Agreement]")


def _extend(blocks: list[tuple[int, int, int]], i: int, j: int, *, floor: int) -> tuple[int, int]:
    """Widen a chain by neighbouring matches of two or more words that sit
    within a few words of its edges (an edit next to the passage's start or end)."""
    def close(left: tuple[int, int, int], right: tuple[int, int, int]) -> bool:
        return right[0] - (left[0] + left[2]) <= _EDGE_GAP and right[1] - (left[1] + left[2]) <= _EDGE_GAP

    while i > floor and blocks[i - 1][2] >= 2 and close(blocks[i - 1], blocks[i]):
        i -= 1
    while j + 1 < len(blocks) and blocks[j + 1][2] >= 2 and close(blocks[j], blocks[j + 1]):
        j += 1
    return i, j


def _widen(a: list[int], b: list[int], piece: Aligned, *, replaced: int, min_run: int = 1) -> Aligned:
    """Widen a passage by the equal words right next to its edges and, past
    up to ``replaced`` replaced words at an edge, by runs of at least
    ``min_run`` equal words.

    Among equally long alignments, the LCS may pair the words before an
    edit with copies of them in the text around (``x y [x y z] EDIT rest``
    aligns ``x``, ``y`` and ``z`` one by one): no block of theirs is an
    anchor, and ``_extend`` cannot see them. ``align_region`` looks for such
    runs (``shingle_size`` words or more past a few replaced words, the same
    number in both texts) in the texts themselves, once a passage is found:
    they widen passages and never make one. Shorter runs, and runs past an
    insertion, are left to the LCS blocks: a chance match of two common
    words is likelier than of three, and trying every insertion finds more.
    """
    a0, a1, b0, b1, matched = piece.a_start, piece.a_end, piece.b_start, piece.b_end, piece.matched
    while True:
        left = _edge_run(a, b, a0, b0, -1, replaced, min_run)
        right = _edge_run(a, b, a1, b1, 1, replaced, min_run)
        if left is None and right is None:
            return Aligned(a0, a1, b0, b1, matched)
        if left is not None:
            a0, b0, matched = left[0], left[1], matched + left[2]
        if right is not None:
            a1, b1, matched = right[0], right[1], matched + right[2]


def _edge_run(a: list[int], b: list[int], at_a: int, at_b: int, step: int, replaced: int, min_run: int) -> tuple[int, int, int] | None:
    """The run of equal words beyond a passage's edge at ``(at_a, at_b)``
    (``step`` -1: before its start; 1: after its end), past the fewest
    replaced words (at most ``replaced``, the same number in both texts):
    the new edge and the run's length, or None. Right at the edge any run
    counts; past replaced words, one of ``min_run`` words or more."""
    for skip in range(replaced + 1):
        i, k = (at_a - 1 - skip, at_b - 1 - skip) if step < 0 else (at_a + skip, at_b + skip)
        run = 0
        while 0 <= i < len(a) and 0 <= k < len(b) and a[i] == b[k]:
            run, i, k = run + 1, i + step, k + step
        if run >= (min_run if skip else 1):
            return (i + 1, k + 1, run) if step < 0 else (i, k, run)
    return None


def align_pair(
    words_a: np.ndarray,
    words_b: np.ndarray,
    window_pairs: np.ndarray,
    config: Config,
    *,
    regions: list[tuple[int, int, int, int]] | None = None,
) -> list[Aligned]:
    """All passages shared by documents a and b, from their matching windows.

    Overlapping results from neighbouring regions are reduced to the longest.
    ``regions``, when given, are ``seed_regions`` of the window pairs,
    computed beforehand (``seed_regions_many``).
    """
    if regions is None:
        regions = seed_regions(window_pairs, len(words_a), len(words_b), config)
    found: list[Aligned] = []
    for a0, a1, b0, b1 in regions:
        found.extend(align_region(words_a[a0:a1], words_b[b0:b1], config, a_offset=a0, b_offset=b0))
    found.sort(key=lambda p: (-p.matched, p.a_start, p.b_start))
    kept: list[Aligned] = []
    for p in found:
        if not any(p.a_start < q.a_end and q.a_start < p.a_end and p.b_start < q.b_end and q.b_start < p.b_end for q in kept):
            kept.append(p)
    return sorted(kept, key=lambda p: (p.a_start, p.b_start))


def diff_words(text: str, other: str) -> list[tuple[str, bool]]:
    """Split ``text`` into segments that ``other`` shares (True) or not (False).

    Words are compared as matching compares them (case, Unicode form and
    punctuation ignored); the segments keep the original characters and
    join back into ``text``.

    >>> diff_words("The 2014 Agreement, ratified", "the 2014 Strategic Partnership, ratified")
    [('The 2014 ', True), ('Agreement', False), (', ratified', True)]
    """
    from provenance.normalize import word_hashes, word_offsets

    starts, ends = word_offsets(text)
    ops = Indel.opcodes(word_hashes(text).tolist(), word_hashes(other).tolist())
    same = np.zeros(len(starts), dtype=bool)
    for op in ops:
        if op.tag == "equal":
            same[op.src_start : op.src_end] = True
    segments: list[tuple[str, bool]] = []
    pos = 0
    for i in range(len(starts)):
        if i and same[i] != same[i - 1]:
            # A changed stretch runs from its first word's start to its last word's end.
            cut = int(starts[i]) if same[i - 1] else int(ends[i - 1])
            segments.append((text[pos:cut], bool(same[i - 1])))
            pos = cut
    if len(starts):
        segments.append((text[pos:], bool(same[-1])))
    elif text:
        segments.append((text, True))
    return [s for s in segments if s[0]]
