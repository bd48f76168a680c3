"""Pure scoring: report links, labels and gold data → figures. No I/O, no scanning.

Everything here is tested on hand-made predictions with known scores
(:mod:`eval.test_scoring`), so that a scorer that cannot fail would be caught.
"""

from __future__ import annotations

import math
import operator
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

Pair = tuple[str, str]
TpFpFn = tuple[float, float, float]


# --- reading a report -------------------------------------------------------


def links_of(report: Mapping[str, Any]) -> dict[str, set[str]]:
    """Documents each document shares at least one passage with (both ways).

    ``report`` is the JSON contract of ``Report.to_dict()``.

    >>> r = {"passages": [{"document": "a", "matches": [{"document": "b"}]}]}
    >>> sorted(links_of(r).items())
    [('a', {'b'}), ('b', {'a'})]
    """
    links: dict[str, set[str]] = {}
    for passage in report["passages"]:
        for match in passage["matches"]:
            links.setdefault(passage["document"], set()).add(match["document"])
            links.setdefault(match["document"], set()).add(passage["document"])
    return links


def origins_of(report: Mapping[str, Any]) -> dict[str, set[str]] | None:
    """Origin documents named by each document's passages, or None when the
    report has no ``origin`` field at all (the detector does not name origins yet).

    >>> origins_of({"passages": [{"document": "a", "matches": []}]}) is None
    True
    >>> origins_of({"passages": [{"document": "a", "origin": {"document": "s"}}]})
    {'a': {'s'}}
    """
    passages = report["passages"]
    if not any("origin" in p for p in passages):
        return None
    origins: dict[str, set[str]] = {}
    for passage in passages:
        origin = passage.get("origin") or {}
        if origin.get("document"):
            origins.setdefault(passage["document"], set()).add(origin["document"])
    return origins


# --- binary decisions -------------------------------------------------------


def ratio(num: float, den: float) -> float | None:
    """``num / den``, or None when ``den`` is 0 (undefined, not zero).

    >>> ratio(1, 4), ratio(0, 0)
    (0.25, None)
    """
    return num / den if den else None


def prf(tp: int, fp: int, fn: int) -> dict[str, float | None]:
    """Precision, recall and F1; a ratio with an empty denominator is None.

    >>> prf(3, 1, 1), prf(0, 0, 2)
    ({'precision': 0.75, 'recall': 0.75, 'f1': 0.75}, {'precision': None, 'recall': 0.0, 'f1': None})
    """
    precision, recall = ratio(tp, tp + fp), ratio(tp, tp + fn)
    if precision is None or recall is None:
        f1 = None
    else:
        f1 = ratio(2 * precision * recall, precision + recall) or 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


# --- Clough & Stevenson -----------------------------------------------------

REUSE_CATEGORIES = ("cut", "light", "heavy")
ANSWER_CATEGORIES = (*REUSE_CATEGORIES, "non")


class Answer(NamedTuple):
    """One labelled answer of the Clough & Stevenson corpus."""

    file: str
    task: str
    category: str

    @property
    def source(self) -> str:
        """The Wikipedia text the answer was written from: ``orig_task{task}.txt``."""
        return f"orig_task{self.task}.txt"


def clough_scores(
    answers: Sequence[Answer],
    links: Mapping[str, set[str]],
    origins: Mapping[str, set[str]] | None,
) -> dict[str, Any]:
    """Score answer → source links against the labels.

    An answer is *linked* when some passage of it matches its own task's
    source. Positives are ``cut``, ``light`` and ``heavy`` answers.

    >>> a = [Answer("x.txt", "a", "cut"), Answer("y.txt", "a", "non")]
    >>> s = clough_scores(a, {"x.txt": {"orig_taska.txt"}}, None)
    >>> s["categories"]["cut"]["found"], s["non"]["linked_to_own_source"], s["reuse"]["f1"]
    (1, 0, 1.0)
    """
    sources = {a.source for a in answers}
    files = {a.file for a in answers}

    def linked(a: Answer) -> bool:
        return a.source in links.get(a.file, set())

    categories = {}
    for category in REUSE_CATEGORIES:
        group = [a for a in answers if a.category == category]
        found = [a for a in group if linked(a)]
        categories[category] = {
            "found": len(found),
            "total": len(group),
            "recall": ratio(len(found), len(group)),
            "missed": sorted(a.file for a in group if not linked(a)),
        }
    non = [a for a in answers if a.category == "non"]
    positive = [a.category in REUSE_CATEGORIES for a in answers]
    predicted = [linked(a) for a in answers]
    tp = sum(p and q for p, q in zip(positive, predicted, strict=True))
    fp = sum(q and not p for p, q in zip(positive, predicted, strict=True))
    fn = sum(p and not q for p, q in zip(positive, predicted, strict=True))
    return {
        "categories": categories,
        "non": {
            "total": len(non),
            "linked_to_own_source": sum(linked(a) for a in non),
            "linked_to_any_source": sum(bool(links.get(a.file, set()) & sources) for a in non),
            "linked_to_other_answers": sum(bool(links.get(a.file, set()) & files) for a in non),
            "false_positives": sorted(a.file for a in non if links.get(a.file, set()) & sources),
        },
        "reuse": {"tp": tp, "fp": fp, "fn": fn, "tn": len(answers) - tp - fp - fn, **prf(tp, fp, fn)},
        "answer_pairs_linked": len({frozenset((f, g)) for f in files for g in links.get(f, set()) & files}),
        "source_as_origin": _source_as_origin(answers, origins),
    }


def _source_as_origin(answers: Sequence[Answer], origins: Mapping[str, set[str]] | None) -> dict[str, int] | None:
    """Per reuse category, answers whose passages name their own source as origin."""
    if origins is None:
        return None
    counts = {c: 0 for c in REUSE_CATEGORIES}
    for a in answers:
        if a.category in counts and a.source in origins.get(a.file, set()):
            counts[a.category] += 1
    return {**counts, "total": sum(counts.values())}


# --- PAN text alignment -----------------------------------------------------


def split_links(links: Mapping[str, set[str]], left: str = "susp/", right: str = "src/") -> tuple[set[Pair], int, int]:
    """Split document links into (left, right) file-name pairs and same-side counts.

    Returns:
        (cross pairs as file names, links within ``left``, links within ``right``),
        each same-side link counted once.

    >>> links = links_of({"passages": [
    ...     {"document": "susp/a.txt", "matches": [{"document": "src/b.txt"}, {"document": "susp/c.txt"}]}]})
    >>> split_links(links)
    ({('a.txt', 'b.txt')}, 1, 0)
    """
    cross: set[Pair] = set()
    same = {left: set(), right: set()}
    for doc, others in links.items():
        for other in others:
            if doc.startswith(left) and other.startswith(right):
                cross.add((_name(doc), _name(other)))
            for side in (left, right):
                if doc.startswith(side) and other.startswith(side):
                    same[side].add(frozenset((doc, other)))
    return cross, len(same[left]), len(same[right])


def _name(doc_id: str) -> str:
    return doc_id.rsplit("/", 1)[-1]


def pair_scores(gold: set[Pair], found: set[Pair], confirmed: Callable[[Pair], bool]) -> dict[str, Any]:
    """Recall of gold pairs, and found pairs beyond gold split by ``confirmed``.

    An extra pair is *confirmed* when ``confirmed(pair)`` holds (the two texts
    really share a long run of words: gold is incomplete), else *unconfirmed*
    (a likely false link).

    >>> s = pair_scores({("a", "x"), ("b", "y")}, {("a", "x"), ("c", "z")}, lambda p: False)
    >>> s["recall"], s["unconfirmed_extra"], s["unconfirmed_share"]
    (0.5, 1, 0.5)
    """
    extra = found - gold
    unconfirmed = sorted(p for p in extra if not confirmed(p))
    return {
        "gold": len(gold),
        "found": len(found),
        "found_gold": len(found & gold),
        "recall": ratio(len(found & gold), len(gold)),
        "extra": len(extra),
        "confirmed_extra": len(extra) - len(unconfirmed),
        "unconfirmed_extra": len(unconfirmed),
        "unconfirmed_share": ratio(len(unconfirmed), len(found)),
        "missed": sorted(gold - found),
        "unconfirmed": unconfirmed,
    }


_MULTIPLIERS = np.random.default_rng(20130901).integers(1, 2**63, size=64, dtype=np.uint64) | np.uint64(1)


def _ngram_keys(words: np.ndarray, n: int) -> np.ndarray:
    windows = np.lib.stride_tricks.sliding_window_view(words, n)
    return (windows * _MULTIPLIERS[:n]).sum(axis=1, dtype=np.uint64)


def shares_ngram(a: np.ndarray, b: np.ndarray, n: int = 10) -> bool:
    """True when two word-hash arrays share a run of ``n`` equal words.

    Candidate runs are found by a hash of each n-gram and then compared word
    by word, so a hash collision cannot confirm a pair.

    >>> w = np.arange(30, dtype=np.uint64)
    >>> shares_ngram(w, w[5:15]), shares_ngram(w, w[5:14]), shares_ngram(w, w[::-1])
    (True, False, False)
    """
    if not 0 < n <= min(len(a), len(b), len(_MULTIPLIERS)):
        return False
    keys_a, keys_b = _ngram_keys(a, n), _ngram_keys(b, n)
    common = np.intersect1d(keys_a, keys_b)
    if not len(common):
        return False
    at_b: dict[int, list[int]] = {}
    for j in np.flatnonzero(np.isin(keys_b, common)).tolist():
        at_b.setdefault(int(keys_b[j]), []).append(j)
    for i in np.flatnonzero(np.isin(keys_a, common)).tolist():
        if any(np.array_equal(a[i : i + n], b[j : j + n]) for j in at_b[int(keys_a[i])]):
            return True
    return False


# --- PAN text alignment: character-level plagdet ----------------------------


class Case(NamedTuple):
    """A reused passage (gold) or a detection: character spans ``[start, end)``
    in the suspicious document (``this``) and in its source."""

    susp: str
    src: str
    this: tuple[int, int]
    source: tuple[int, int]

    @property
    def size(self) -> int:
        """Characters on both sides."""
        return (self.this[1] - self.this[0]) + (self.source[1] - self.source[0])


def _overlap(x: tuple[int, int], y: tuple[int, int]) -> tuple[int, int] | None:
    start, end = max(x[0], y[0]), min(x[1], y[1])
    return (start, end) if start < end else None


def _covered(spans: Iterable[tuple[int, int]]) -> int:
    """Characters covered by the union of spans.

    >>> _covered([(0, 5), (3, 8), (10, 12)])
    10
    """
    total, reach = 0, None
    for start, end in sorted(spans):
        if reach is None or start > reach:
            total += end - start
            reach = end
        elif end > reach:
            total += end - reach
            reach = end
    return total


def _detects(case: Case, detection: Case) -> bool:
    """A detection detects a case when they overlap in both documents of the same pair."""
    return (
        (case.susp, case.src) == (detection.susp, detection.src)
        and _overlap(case.this, detection.this) is not None
        and _overlap(case.source, detection.source) is not None
    )


def _shared_share(one: Case, others: Iterable[Case]) -> float:
    """Share of ``one``'s characters (both sides) that the ``others`` overlapping it cover."""
    this, source = [], []
    for other in others:
        if _detects(one, other):
            this.append(_overlap(one.this, other.this))
            source.append(_overlap(one.source, other.source))
    if not one.size:
        return 0.0
    return (_covered(s for s in this if s) + _covered(s for s in source if s)) / one.size


def plagdet_scores(cases: Sequence[Case], detections: Sequence[Case]) -> dict[str, Any]:
    """PAN's text-alignment measures (Potthast et al. 2010), written from their definitions.

    Precision averages, over detections, the share of each detection's
    characters (suspicious and source side together) that lie in cases it
    detects; recall averages the same over cases. A detection *detects* a case
    of the same document pair when they overlap on both sides. Granularity is
    the mean number of detections per detected case (1 is best); plagdet is
    F1 / log2(1 + granularity). Precision is None without detections.

    >>> case = Case("s", "r", (0, 100), (0, 100))
    >>> half = Case("s", "r", (0, 50), (0, 50))
    >>> s = plagdet_scores([case], [half, Case("s", "r", (50, 100), (50, 100))])
    >>> s["precision"], s["recall"], s["granularity"], round(s["plagdet"], 3)
    (1.0, 1.0, 2.0, 0.631)
    """
    by_pair: dict[Pair, list[Case]] = {}
    for d in detections:
        by_pair.setdefault((d.susp, d.src), []).append(d)
    cases_by_pair: dict[Pair, list[Case]] = {}
    for c in cases:
        cases_by_pair.setdefault((c.susp, c.src), []).append(c)
    recalls, counts = [], []
    for c in cases:
        near = by_pair.get((c.susp, c.src), [])
        recalls.append(_shared_share(c, near))
        n = sum(_detects(c, d) for d in near)
        if n:
            counts.append(n)
    precisions = [_shared_share(d, cases_by_pair.get((d.susp, d.src), [])) for d in detections]
    precision = sum(precisions) / len(precisions) if precisions else None
    recall = sum(recalls) / len(recalls) if recalls else None
    granularity = sum(counts) / len(counts) if counts else 1.0
    f1 = 0.0
    if precision and recall:
        f1 = 2 * precision * recall / (precision + recall)
    return {
        "plagdet": f1 / math.log2(1 + granularity),
        "precision": precision,
        "recall": recall,
        "granularity": granularity,
        "cases": len(cases),
        "detections": len(detections),
        "detected_cases": len(counts),
    }


def detections_of(report: Mapping[str, Any], left: str = "susp/", right: str = "src/") -> list[Case]:
    """Detections of a report: each passage of a ``left`` document with each of
    its matches in a ``right`` document, as file names and character spans.

    A match's own span of the passage's document (``this_start``/``this_end``)
    is the detection's when the report has it: a passage matched by several
    documents spans all their parts, and PAN scores each pair on its own.

    >>> r = {"passages": [{"document": "susp/a.txt", "start": 5, "end": 9,
    ...     "matches": [{"document": "src/b.txt", "start": 0, "end": 4}, {"document": "susp/c.txt", "start": 1, "end": 2}]}]}
    >>> detections_of(r)
    [Case(susp='a.txt', src='b.txt', this=(5, 9), source=(0, 4))]
    >>> r["passages"][0]["matches"][0] |= {"this_start": 6, "this_end": 9}
    >>> detections_of(r)
    [Case(susp='a.txt', src='b.txt', this=(6, 9), source=(0, 4))]
    """
    out = []
    for p in report["passages"]:
        if not p["document"].startswith(left):
            continue
        for m in p["matches"]:
            if m["document"].startswith(right):
                this = (m["this_start"], m["this_end"]) if m.get("this_start") is not None else (p["start"], p["end"])
                out.append(Case(_name(p["document"]), _name(m["document"]), this, (m["start"], m["end"])))
    return sorted(out)


# --- article extraction (Article Extraction Benchmark) ----------------------

# As scrapinghub/article-extraction-benchmark evaluate.py: runs of word
# characters, case kept (IGNORECASE there changes nothing for \w).
_TOKEN_RE = re.compile(r"\w+")


def tokenize(text: str | None) -> list[str]:
    """Benchmark tokens: runs of word characters, case kept.

    >>> tokenize("Don't stop-me now."), tokenize(None)
    (['Don', 't', 'stop', 'me', 'now'], [])
    """
    return _TOKEN_RE.findall(text or "")


def shingles(text: str | None, n: int = 4) -> Counter[tuple[str, ...]]:
    """Multiset of word n-grams; a text shorter than ``n`` words is one shingle.

    >>> sorted(shingles("a b c d e", 4).elements())
    [('a', 'b', 'c', 'd'), ('b', 'c', 'd', 'e')]
    >>> shingles("a b", 4), shingles("", 4)
    (Counter({('a', 'b'): 1}), Counter())
    """
    tokens = tokenize(text)
    grams = (tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)))
    return Counter(g for g in grams if g)


def shingle_match(true: str | None, pred: str | None, n: int = 4) -> TpFpFn:
    """True positive, false positive and false negative shingles of one page,
    normalised to sum to 1 (so long pages do not weigh more).

    >>> shingle_match("a b c d e", "a b c d")
    (0.5, 0.0, 0.5)
    >>> shingle_match("", "")
    (0.0, 0.0, 0.0)
    """
    t, p = shingles(true, n), shingles(pred, n)
    tp = float(sum((t & p).values()))
    fp = float(sum((p - t).values()))
    fn = float(sum((t - p).values()))
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (tp, fp, fn)


def _page_precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fp == 0 else tp / (tp + fp)


def _page_recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fn == 0 else tp / (tp + fn)


def extraction_scores(pages: Iterable[TpFpFn]) -> dict[str, float | None]:
    """Mean precision and recall over pages, F1 of the two means (as the benchmark).

    Precision is averaged over pages with a prediction (tp + fp > 0), recall
    over pages with a truth (tp + fn > 0): an empty prediction lowers recall
    only.

    >>> extraction_scores([(0.5, 0.0, 0.5), (0.0, 0.0, 1.0)])
    {'precision': 1.0, 'recall': 0.25, 'f1': 0.4}
    """
    pages = list(pages)
    precisions = [_page_precision(*p) for p in pages if p[0] + p[1] > 0]
    recalls = [_page_recall(*p) for p in pages if p[0] + p[2] > 0]
    precision = sum(precisions) / len(precisions) if precisions else None
    recall = sum(recalls) / len(recalls) if recalls else None
    f1 = None
    if precision is not None and recall is not None:
        f1 = ratio(2 * precision * recall, precision + recall) or 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


# --- aims -------------------------------------------------------------------

_OPS: dict[str, Callable[[Any, Any], bool]] = {">=": operator.ge, "<=": operator.le, "==": operator.eq, ">": operator.gt, "<": operator.lt}


def meets(value: float | None, aim: str) -> bool | None:
    """Whether a figure meets an aim written as ``"<op> <number>"``; None when unknown.

    >>> meets(17, ">= 17"), meets(0.03, "<= 0.02"), meets(None, ">= 1")
    (True, False, None)
    """
    op, bound = aim.split()
    if value is None:
        return None
    return _OPS[op](value, float(bound))
