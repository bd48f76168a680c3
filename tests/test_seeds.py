"""The seed corpus: what must be true of a scan of samples/ (issue: scan a folder)."""

from __future__ import annotations

import re

SPUTNIK = "003_9ba1684f5d8b9a0c.txt"
BLOG = "000_cc87db15589df885.txt"
ESSAY = "001_32baf823c7bf33c7.txt"
VALDAI = "002_86555b22ab1b9068.txt"
MOSCOW_TIMES = "004_91d0b6fe3586614c.txt"


def covered(passages, start: int, end: int) -> int:
    spans = sorted((max(p.start, start), min(p.end, end)) for p in passages if p.end > start and p.start < end)
    total, cur = 0, start
    for s, e in spans:
        s = max(s, cur)
        if e > s:
            total += e - s
            cur = e
    return total


def test_003_reprints_the_sputnik_interview_of_000(samples_report):
    doc = samples_report.document(SPUTNIK)
    start = doc.text.index("In an interview with Sputnik")
    end = re.search(r"in\sdeveloping bilateral ties", doc.text).end()
    linked = [
        p for p in samples_report.passages_of(SPUTNIK)
        if p.kind in ("verbatim", "near-verbatim") and any(m.document == BLOG for m in p.matches)
    ]
    assert covered(linked, start, end) >= 0.95 * (end - start)


def test_001_reuses_one_edited_sentence_of_the_diplomat_essay(samples_report):
    essay = samples_report.document(ESSAY).text
    start = essay.index("The 2014 Agreement, ratified shortly after")
    end = essay.index("strategic partnerships.", start) + len("strategic partnerships")
    blog = samples_report.document(BLOG).text
    b_start = blog.index("The 2014 Strategic Partnership, ratified")
    b_end = blog.index("strategic partnerships.", b_start) + len("strategic partnerships")
    hits = [
        p for p in samples_report.passages_of(ESSAY)
        if p.kind in ("derivative", "near-verbatim") and p.start <= start and p.end >= end
    ]
    assert hits, [(p.start, p.end, p.kind) for p in samples_report.passages_of(ESSAY)]
    match = [m for p in hits for m in p.matches if m.document == BLOG]
    assert match and match[0].start <= b_start and match[0].end >= b_end
    # Only that sentence: not the whole essay.
    assert sum(p.end - p.start for p in samples_report.passages_of(ESSAY)) < 2 * (end - start)


def test_002_and_004_are_not_linked_to_anything(samples_report):
    for doc_id in (VALDAI, MOSCOW_TIMES):
        assert samples_report.passages_of(doc_id) == []
        assert not [p for p in samples_report.passages for m in p.matches if m.document == doc_id]


def test_002_self_repetition_is_not_reported(samples_report):
    text = samples_report.document(VALDAI).text
    opening = text.split("\n\n")[1]  # the line after the title
    assert text.count(opening) == 2  # the seed does repeat its opening sentence
    assert samples_report.passages_of(VALDAI) == []


def test_every_shared_region_appears_from_both_sides(samples_report):
    for p in samples_report.passages:
        for m in p.matches:
            back = [q for q in samples_report.passages_of(m.document) if any(n.document == p.document for n in q.matches)]
            assert any(q.start <= m.start and q.end >= m.end for q in back)


def test_offsets_point_at_the_same_words_on_both_sides(samples_report):
    """Offsets are exact: a passage starts and ends on a word, and the words
    its offsets and its match's offsets cut from the two extracted texts (what
    `provenance extract` prints) align with the similarity the report gives:
    matched words over passage length, LCS Dice."""
    from rapidfuzz.distance import Indel

    from provenance.normalize import WORD_RE, normalize_word

    def words(text: str) -> list[str]:
        return [normalize_word(w) for w in WORD_RE.findall(text)]

    checked = 0
    for p in samples_report.passages:
        text = samples_report.document(p.document).text
        first = WORD_RE.search(text, p.start)
        assert first and first.start() == p.start
        assert text[p.end - 1].isalnum() and not text[p.end : p.end + 1].isalnum()
        if len(p.matches) == 1:  # a passage of several matches spans their union
            m = p.matches[0]
            other = samples_report.document(m.document).text
            dice = Indel.normalized_similarity(words(text[p.start : p.end]), words(other[m.start : m.end]))
            assert abs(dice - m.similarity) <= 1e-4, (p.document, m.document, dice, m.similarity)  # reported to 4 decimals
            checked += 1
    assert checked >= 4
