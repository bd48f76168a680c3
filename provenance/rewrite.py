"""Rewritten reuse: sentence seeds → extended passages → resolved detections, for one document pair.

The exact alignment (:mod:`provenance.align`) needs runs of equal words, so a
passage whose words were swapped, replaced or condensed comes out in pieces
or not at all. This stage compares the two documents' sentences as bags of
stems (:mod:`provenance.sentences`), the method the best PAN text-alignment
systems share (Sanchez-Perez et al. 2014):

1. **Seed**: sentence pairs whose tf-isf cosine and weighted Dice
   coefficient (inverse sentence frequency over both texts, so words common
   to most sentences weigh little, in any language) both reach
   :data:`SEED_SIMILARITY`.
2. **Extend**: seeds group into passage pairs, splitting on one side then
   the other wherever neighbouring seeds are more than :data:`MAX_GAP`
   sentences apart; a group whose two passages, taken whole, are less than
   :data:`PASSAGE_SIMILARITY` similar is split again with a smaller gap.
   A *summary* (a short passage condensing a long one) spreads its seeds
   far apart on the long side: groups formed with :data:`SUMMARY_GAP` on one
   side, whose long side is at least :data:`SUMMARY_RATIO` times the short
   one, are kept when they pass :data:`SUMMARY_SIMILARITY`. One setting is
   chosen per document pair (:func:`_rewrite_pair`): a pair that shares a
   passage of about equal length on both sides outside every summary box
   keeps no summary box.
3. **Resolve**: passages shorter than the evidence rule asks
   (:func:`enough_evidence`) are dropped, and so are those that a
   (near-)verbatim passage almost fills on their short side (a copy is
   delimited word by word already); the rest and the exact alignment's
   passages that overlap in both documents merge into one.

The result keeps the exact passages' form (:class:`provenance.align.Aligned`,
word offsets, similarity = aligned words over passage length), so a
rewritten passage is classified ``derivative`` by its similarity.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rapidfuzz.distance import Indel

from provenance.align import Aligned
from provenance.config import Config
from provenance.sentences import Sentences

SEED_SIMILARITY = 0.33
PASSAGE_SIMILARITY = 0.34
MAX_GAP = 4
SUMMARY_GAP = 40
"""Sentences a summary's seeds may lie apart on its long side: a summary
draws on a whole article (24, Sanchez-Perez et al.'s setting, found 0.48
plagdet on every 5th PAN13 05 pair, 40 found 0.56; 02 lost 0.004)."""
SUMMARY_RATIO = 3.0
SUMMARY_SIMILARITY = 0.3
COPY_SHARE = 0.8
MIN_WINDOWS = 4
SMALL_WORDS = 1000
SHORT_WORDS = 30
"""Fewest words on the shorter side of a passage found by sentence similarity
alone (see :func:`enough_evidence`): two sentences' worth, the length of
PAN's shortest rewritten cases (40 lost a tenth of them on PAN13 03 and 04
while unrelated pairs stayed unflagged)."""
_DENSE_CELLS = 1 << 22  # sentence pairs up to which seeds are summed in a dense grid


class _Vectors:
    """tf-isf vectors of the sentences of two texts over their joint stems.

    Inverse sentence frequency counts over the sentences of both texts, so
    a stem in most sentences (a function word, in any language) weighs
    little. Kept as (sentence, stem, weight) entries sorted by sentence, not
    as matrices: pairs of texts are many and small.
    """

    def __init__(self, sa: Sentences, sb: Sentences) -> None:
        self.n_a, self.n_b = len(sa), len(sb)
        n = self.n_a + self.n_b
        stems = np.concatenate((sa.stems, sb.stems))
        vocab, ids = np.unique(stems, return_inverse=True)
        ids = ids.ravel()
        self.vocab = len(vocab)
        rows = np.concatenate((sa.sentence_of_word, self.n_a + sb.sentence_of_word))
        # Distinct (sentence, stem) entries with their counts.
        keys, counts = np.unique(rows.astype(np.int64) * self.vocab + ids, return_counts=True)
        self.rows, self.stems = keys // self.vocab, keys % self.vocab
        sentence_freq = np.bincount(self.stems, minlength=self.vocab)
        self.isf = np.log(n / np.maximum(sentence_freq, 1))
        self.weights = counts * self.isf[self.stems]
        self.norms = np.sqrt(np.bincount(self.rows, weights=self.weights**2, minlength=n))
        self.mass = np.bincount(self.rows, weights=self.isf[self.stems], minlength=n)
        self.row_start = np.searchsorted(self.rows, np.arange(n + 1))

    def seeds(self) -> np.ndarray:
        """``(k, 2)`` sentence pairs (a, b) similar enough to seed a passage."""
        n_a, n_b = self.n_a, self.n_b
        # Stems in half the sentences or more weigh under log 2 and cannot
        # make a seed alone; leaving them out keeps the join small.
        useful = self.isf[self.stems] > np.log(2.0)
        in_a = useful & (self.rows < n_a)
        in_b = useful & (self.rows >= n_a)
        a_rows, a_stems, a_w = self.rows[in_a], self.stems[in_a], self.weights[in_a]
        b_rows, b_stems, b_w = self.rows[in_b] - n_a, self.stems[in_b], self.weights[in_b]
        order = np.argsort(b_stems, kind="stable")
        b_rows, b_stems, b_w = b_rows[order], b_stems[order], b_w[order]
        lo = np.searchsorted(b_stems, a_stems, side="left")
        hi = np.searchsorted(b_stems, a_stems, side="right")
        reps = hi - lo
        if not reps.sum():
            return np.zeros((0, 2), dtype=np.int64)
        left = np.repeat(np.arange(len(a_stems)), reps)
        right = np.repeat(lo - np.cumsum(np.concatenate(([0], reps[:-1]))), reps) + np.arange(int(reps.sum()))
        pair = a_rows[left] * n_b + b_rows[right]
        dot = a_w[left] * b_w[right]
        shared = self.isf[a_stems[left]]
        if n_a * n_b <= _DENSE_CELLS:  # most pairs: sum into the full grid, no sort
            dot = np.bincount(pair, weights=dot, minlength=n_a * n_b)
            shared = np.bincount(pair, weights=shared, minlength=n_a * n_b)
            keys = np.flatnonzero(dot)
            dot, shared = dot[keys], shared[keys]
        else:
            keys, inverse = np.unique(pair, return_inverse=True)
            dot = np.bincount(inverse.ravel(), weights=dot)
            shared = np.bincount(inverse.ravel(), weights=shared)
        i, j = keys // n_b, keys % n_b
        cos = dot / np.maximum(self.norms[i] * self.norms[n_a + j], 1e-12)
        dice = 2.0 * shared / np.maximum(self.mass[i] + self.mass[n_a + j], 1e-12)
        keep = (cos >= SEED_SIMILARITY) & (dice >= SEED_SIMILARITY)
        return np.stack([i[keep], j[keep]], axis=1)

    def _vector(self, first: int, last: int) -> np.ndarray:
        lo, hi = self.row_start[first], self.row_start[last + 1]
        return np.bincount(self.stems[lo:hi], weights=self.weights[lo:hi], minlength=self.vocab)

    def similarity(self, a0: int, a1: int, b0: int, b1: int) -> float:
        """Cosine of the passages made of sentences ``[a0, a1]`` and ``[b0, b1]`` (inclusive)."""
        va = self._vector(a0, a1)
        vb = self._vector(self.n_a + b0, self.n_a + b1)
        norm = float(np.linalg.norm(va) * np.linalg.norm(vb))
        return float(va @ vb) / norm if norm else 0.0


def _split(seeds: np.ndarray, side: int, gap: int) -> list[np.ndarray]:
    """Seeds sorted on one side, cut wherever neighbours are more than ``gap`` sentences apart."""
    order = np.argsort(seeds[:, side], kind="stable")
    s = seeds[order]
    cuts = np.flatnonzero(np.diff(s[:, side]) > gap) + 1
    return np.split(s, cuts)


def _groups(seeds: np.ndarray, gaps: tuple[int, int], side: int = 0, other_done: bool = False) -> list[np.ndarray]:
    """Seeds grouped so that no side has a gap wider than its ``gaps`` entry."""
    parts = _split(seeds, side, gaps[side])
    if len(parts) == 1:
        return [parts[0]] if other_done else _groups(parts[0], gaps, 1 - side, True)
    out: list[np.ndarray] = []
    for part in parts:
        out.extend(_groups(part, gaps, 1 - side, False))
    return out


class _Fragment:
    __slots__ = ("a0", "a1", "b0", "b1", "similarity")

    def __init__(self, group: np.ndarray, similarity: float) -> None:
        self.a0, self.a1 = int(group[:, 0].min()), int(group[:, 0].max())
        self.b0, self.b1 = int(group[:, 1].min()), int(group[:, 1].max())
        self.similarity = similarity


def _extend(vectors: _Vectors, seeds: np.ndarray, gaps: tuple[int, int], floor: float) -> list[_Fragment]:
    """Groups of seeds whose whole passages stay at least ``floor`` similar,
    splitting a failing group again with gaps one sentence narrower."""
    out: list[_Fragment] = []
    for group in _groups(seeds, gaps):
        a0, a1, b0, b1 = group[:, 0].min(), group[:, 0].max(), group[:, 1].min(), group[:, 1].max()
        sim = vectors.similarity(int(a0), int(a1), int(b0), int(b1))
        if sim >= floor:
            out.append(_Fragment(group, sim))
        elif len(group) > 1 and min(gaps) > 0:
            out.extend(_extend(vectors, group, (max(0, gaps[0] - 1), max(0, gaps[1] - 1)), floor))
    return out


def enough_evidence(short_side_words: int) -> bool:
    """The short-passage rule for rewritten reuse: a passage found only by
    sentence similarity needs :data:`SHORT_WORDS` words on its shorter side.
    Two texts on one topic share a sentence's worth of vocabulary by chance;
    shorter reuse must show in the wording (the exact channel).

    >>> enough_evidence(120), enough_evidence(25)
    (True, False)
    """
    return short_side_words >= SHORT_WORDS


def rewritten_passages(
    sa: Sentences,
    sb: Sentences,
    exact: Sequence[tuple[int, int, int, int]] = (),
    *,
    max_sentences: int = 20_000,
) -> list[tuple[int, int, int, int]]:
    """Passages of two texts that share rewritten content, as word ranges
    ``(a_start, a_end, b_start, b_end)``; sorted, not overlapping on both sides.

    Args:
        exact: passages already aligned word by word (same form): a summary
            is never read into a stretch that a passage of about its own
            length already explains.
        max_sentences: texts with more sentences on either side are left to
            the exact channel (the comparison grows with the product).
    """
    if not len(sa) or not len(sb) or max(len(sa), len(sb)) > max_sentences:
        return []
    vectors = _Vectors(sa, sb)
    seeds = vectors.seeds()
    if not len(seeds):
        return []

    def box(f: _Fragment) -> tuple[int, int, int, int]:
        return int(sa.starts[f.a0]), int(sa.ends[f.a1]), int(sb.starts[f.b0]), int(sb.ends[f.b1])

    boxes = []
    for f in _extend(vectors, seeds, (MAX_GAP, MAX_GAP), PASSAGE_SIMILARITY):
        _trim(vectors, f)
        if _evident(box(f)):
            boxes.append(box(f))
    summaries = []
    for gaps in ((MAX_GAP, SUMMARY_GAP), (SUMMARY_GAP, MAX_GAP)):
        long_side = 1 if gaps[1] > gaps[0] else 0
        for f in _extend(vectors, seeds, gaps, SUMMARY_SIMILARITY):
            _trim(vectors, f)
            b = box(f)
            if _ratio(b) >= SUMMARY_RATIO and _longer(b) == long_side and not _copied(b, exact) and _evident(b):
                summaries.append(b)
    if _rewrite_pair(summaries, [*exact, *boxes]):
        summaries = []
    return _merge(boxes + summaries)


def _rewrite_pair(summaries: Sequence[tuple[int, int, int, int]], passages: Sequence[tuple[int, int, int, int]]) -> bool:
    """The adaptive choice between summary and rewrite (Sanchez-Perez et al.
    2014 choose one setting per document pair): a pair that shares a
    passage of about its own length on both sides (ratio under
    :data:`SUMMARY_RATIO`) outside every summary box is one where text was
    copied or rewritten, and a summary box there only stretches one side
    over neighbouring sentences on the same topic.

    >>> _rewrite_pair([(0, 40, 0, 400)], [(10, 30, 100, 120)]), _rewrite_pair([(0, 40, 0, 400)], [(500, 540, 600, 640)])
    (False, True)
    """
    def inside(q: tuple[int, int, int, int]) -> bool:
        return any(_overlap(q, s) for s in summaries)

    return any(_ratio(q) < SUMMARY_RATIO and not inside(q) for q in passages)


def _trim(vectors: _Vectors, f: _Fragment) -> None:
    """Drop edge sentences while that raises the passages' similarity: an
    extension stops where the two texts stop sharing content."""
    while True:
        options = []
        if f.a1 > f.a0:
            options += [(f.a0 + 1, f.a1, f.b0, f.b1), (f.a0, f.a1 - 1, f.b0, f.b1)]
        if f.b1 > f.b0:
            options += [(f.a0, f.a1, f.b0 + 1, f.b1), (f.a0, f.a1, f.b0, f.b1 - 1)]
        best, best_sim = None, f.similarity
        for o in options:
            sim = vectors.similarity(*o)
            if sim > best_sim + 1e-9:
                best, best_sim = o, sim
        if best is None:
            return
        f.a0, f.a1, f.b0, f.b1 = best
        f.similarity = best_sim


def _copied(box: tuple[int, int, int, int], exact: Sequence[tuple[int, int, int, int]], share: float = 0.5) -> bool:
    """Whether word-by-word passages of about equal length cover ``share`` of
    the box's short side: then it is a copy, not a summary, unless they
    cover less than :data:`COPY_SHARE` of it and lie spread over a stretch of
    the other text :data:`SUMMARY_RATIO` times their length (a summary's
    quotes of its source).

    >>> _copied((0, 40, 0, 400), [(0, 30, 0, 30)]), _copied((0, 40, 0, 400), [(0, 12, 0, 12), (12, 24, 300, 312)])
    (True, False)
    """
    short = (box[0], box[1]) if _longer(box) == 1 else (box[2], box[3])
    side = 0 if _longer(box) == 1 else 2
    covering = [q for q in exact if _ratio(q) < SUMMARY_RATIO and min(short[1], q[side + 1]) > max(short[0], q[side])]
    covered = sum(min(short[1], q[side + 1]) - max(short[0], q[side]) for q in covering)
    if covered < share * (short[1] - short[0]):
        return False
    if covered >= COPY_SHARE * (short[1] - short[0]):
        return True
    # A summary quotes its source here and there: copied pieces spread over
    # a stretch of the other text several times their own length.
    spread = (min(q[0] for q in covering), max(q[1] for q in covering), min(q[2] for q in covering), max(q[3] for q in covering))
    return _ratio(spread) < SUMMARY_RATIO


def _ratio(box: tuple[int, int, int, int]) -> float:
    """Longer side over shorter side, in words."""
    a, b = box[1] - box[0], box[3] - box[2]
    return max(a, b) / max(1, min(a, b))


def _longer(box: tuple[int, int, int, int]) -> int:
    return 0 if box[1] - box[0] > box[3] - box[2] else 1


def _evident(box: tuple[int, int, int, int]) -> bool:
    return enough_evidence(min(box[1] - box[0], box[3] - box[2]))


def _merge(boxes: Sequence[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Boxes that overlap in both texts, merged into their bounding box until none do."""
    out = sorted(boxes)
    changed = True
    while changed:
        changed = False
        merged: list[tuple[int, int, int, int]] = []
        for box in out:
            for k, other in enumerate(merged):
                if _overlap(box, other):
                    merged[k] = (min(box[0], other[0]), max(box[1], other[1]), min(box[2], other[2]), max(box[3], other[3]))
                    changed = True
                    break
            else:
                merged.append(box)
        out = sorted(merged)
    return out


def _overlap(x: tuple[int, int, int, int], y: tuple[int, int, int, int]) -> bool:
    """Whether two boxes overlap in both texts."""
    return x[0] < y[1] and y[0] < x[1] and x[2] < y[3] and y[2] < x[3]


def combine(
    exact: Sequence[Aligned],
    rewritten: Sequence[tuple[int, int, int, int]],
    words_a: np.ndarray,
    words_b: np.ndarray,
    near_verbatim: float,
) -> list[Aligned]:
    """The exact passages with the rewritten ones merged in: passages that
    overlap in both texts become one, whose similarity is recomputed by
    aligning its words (so it says how much of the wording survived)."""
    # A copy is delimited word by word already: a sentence box whose short
    # side a (near-)verbatim passage almost fills would only stretch the
    # other side over neighbouring sentences on the same topic.
    precise = [(p.a_start, p.a_end, p.b_start, p.b_end) for p in exact if p.similarity >= near_verbatim]
    rewritten = [r for r in rewritten if not _copied(r, precise, COPY_SHARE)]
    if not rewritten:
        return list(exact)
    boxes = _merge([(p.a_start, p.a_end, p.b_start, p.b_end) for p in exact] + list(rewritten))
    kept = {(p.a_start, p.a_end, p.b_start, p.b_end): p for p in exact}
    out = []
    for box in boxes:
        if box in kept:
            out.append(kept[box])
            continue
        a0, a1, b0, b1 = box
        lcs = (a1 - a0 + b1 - b0 - Indel.distance(words_a[a0:a1].tolist(), words_b[b0:b1].tolist())) // 2
        out.append(Aligned(a0, a1, b0, b1, lcs))
    return out


def worth_rewriting(exact_passages: int, window_pairs: int, shorter_words: int, linked: bool = False) -> bool:
    """Whether a candidate document pair is worth comparing sentence by
    sentence: the exact channel found a passage in it, :data:`MIN_WINDOWS`
    of its windows met, one of the two is short (at most
    :data:`SMALL_WORDS` words: cheap to compare, and a few windows are all it
    has), or the coarse channel links the two too (``linked``: they share
    content words, not only a phrase). Most other candidate pairs share a
    stock phrase only (on PAN13, 614 of 620 pairs without an exact passage
    gave nothing), and skipping them saves most of the cost; of the 20,219
    exact-channel pairs of long PAN13 documents with fewer than
    :data:`MIN_WINDOWS` windows, the coarse channel links 1,502, and among
    them 70 of the 77 such pairs with a labelled case.

    >>> worth_rewriting(1, 1, 5000), worth_rewriting(0, 4, 5000), worth_rewriting(0, 2, 5000), worth_rewriting(0, 1, 300)
    (True, True, False, True)
    >>> worth_rewriting(0, 1, 5000, linked=True)
    True
    """
    return exact_passages > 0 or window_pairs >= MIN_WINDOWS or shorter_words <= SMALL_WORDS or linked


def align_rewritten(exact: Sequence[Aligned], sa: Sentences, sb: Sentences, words_a: np.ndarray, words_b: np.ndarray, config: Config) -> list[Aligned]:
    """The passages two documents share: the exact ones, extended and joined
    by rewritten reuse found sentence by sentence."""
    boxes = [(p.a_start, p.a_end, p.b_start, p.b_end) for p in exact]
    return combine(exact, rewritten_passages(sa, sb, boxes), words_a, words_b, config.near_verbatim)
