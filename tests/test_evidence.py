"""The short-passage rule (issue 11): short shared stretches need stronger evidence."""

from __future__ import annotations

import provenance
from provenance.config import Config
from provenance.evidence import Shared, convincing

STORY_A = (
    "The city council met on Tuesday evening to discuss the new budget for the public library system. "
    "Several members argued that the opening hours should be extended on weekends for students. "
    "Protesters outside the building carried banners and chanted "
    '"our libraries are not for sale and our children deserve every single book on every shelf today" '
    "until the meeting ended late at night. The budget vote was postponed until next month."
)
STORY_B = (
    "Hundreds of farmers drove their tractors into the capital on Friday to protest against new water rules. "
    "Traffic stopped for hours on the ring road while police redirected buses through side streets. "
    "One of the farmers told reporters that the march borrowed its chant from an earlier protest: "
    '"our libraries are not for sale and our children deserve every single book on every shelf today" '
    "was painted on several trailers. The agriculture minister agreed to meet the organisers next week."
)


def _linked(report: provenance.Report, a: str, b: str) -> bool:
    return any(m.document == b for p in report.passages_of(a) for m in p.matches)


def test_two_unrelated_stories_sharing_one_quoted_slogan_are_not_reuse(corpus):
    root = corpus({"a.txt": STORY_A, "b.txt": STORY_B})
    assert not _linked(provenance.scan([root]), "a.txt", "b.txt")


def test_the_same_stretch_lifted_without_quotation_marks_is_reuse(corpus):
    root = corpus({"a.txt": STORY_A, "b.txt": STORY_B.replace('"', "")})
    report = provenance.scan([root])
    assert _linked(report, "a.txt", "b.txt")
    assert _linked(report, "b.txt", "a.txt")


def test_a_fifteen_word_stretch_at_half_similarity_is_not_evidence_alone():
    text = "x" * 200
    loose = Shared(15, 0.5, (0, 90), (0, 90))
    assert convincing([loose], text, text, Config()) == [False]
    # Beside other shared passages it is part of a larger reuse and stays.
    assert convincing([loose, Shared(20, 0.9, (100, 200), (100, 200))], text, text, Config()) == [True, True]
    # Fifteen words of which 12 agree (a lightly edited sentence) are evidence.
    assert convincing([Shared(15, 0.8, (0, 90), (0, 90))], text, text, Config()) == [True]
