"""Rewritten reuse (issue 11): reworded and summarised passages, found by sentence similarity."""

from __future__ import annotations

import random

import provenance
from provenance.config import Config
from provenance.normalize import word_offsets
from provenance.rewrite import rewritten_passages
from provenance.sentences import sentences_of

REPORT = (
    "The harbour authority of Valmora announced on Monday that the old northern pier will close for repairs next spring. "
    "Engineers found deep cracks in the concrete pillars during an inspection after the winter storms. "
    "The repairs are expected to cost about forty million euros and will take at least eighteen months. "
    "Fishing boats that use the northern pier will move to the southern basin while the work goes on. "
    "Local fishermen complained that the southern basin is too small and too far from the fish market. "
    "The mayor promised a free shuttle between the southern basin and the market for the whole period. "
    "Ferry services to the islands will not be affected because they leave from the western terminal. "
    "The authority said that tenders for the construction work will open in January. "
    "Environmental groups asked the authority to protect the seagrass meadows next to the pier during the repairs. "
    "A public meeting about the plans will be held in the town hall on the first Thursday of next month. "
)
SUMMARY = (
    "Valmora's harbour authority will close the cracked northern pier next spring for repairs costing forty million euros. "
    "Fishing boats move to the small southern basin, and the mayor promised fishermen a free shuttle to the fish market. "
    "Ferries from the western terminal are not affected, and environmental groups want the seagrass meadows protected. "
)
ESSAY = (
    "Gardening in small city flats has become popular among young people who want fresh herbs at hand. "
    "Basil, mint and parsley grow well on a sunny windowsill if they are watered every second day. "
    "Tomatoes need more room and a large pot, but a balcony can give a surprising harvest in August. "
    "Many beginners overwater their plants, which rots the roots faster than any drought could dry them. "
    "A cheap moisture meter tells when the soil is dry enough for the next watering. "
)


def _words(text: str) -> int:
    return len(word_offsets(text)[0])


def test_a_summary_is_aligned_with_the_whole_passage_it_condenses():
    sa, sb = sentences_of(SUMMARY), sentences_of(REPORT)
    boxes = rewritten_passages(sa, sb)
    assert len(boxes) == 1
    a0, a1, b0, b1 = boxes[0]
    assert (a0, a1) == (0, _words(SUMMARY))
    # The source side spans the condensed stretch, first summarised sentence to last.
    assert b0 == 0 and b1 >= sb.ends[-2]


def test_unrelated_texts_share_no_rewritten_passage():
    assert rewritten_passages(sentences_of(ESSAY), sentences_of(REPORT)) == []


def test_scan_reports_a_summary_as_derivative_with_both_spans(corpus):
    # The summary opens a longer article on other matters; it keeps a few of the
    # report's phrases, which is what links the two documents in the first place.
    article = SUMMARY + ESSAY
    root = corpus({"report.txt": REPORT, "article.txt": article})
    normal = provenance.scan([root])
    high = provenance.scan([root], sensitivity="high")
    summary = [p for p in high.passages_of("article.txt") if any(m.document == "report.txt" for m in p.matches)]
    assert len(summary) == 1, high.passages
    passage = summary[0]
    assert passage.kind == "derivative"
    assert passage.start == 0 and passage.end >= len(SUMMARY.rstrip()) - 1
    (match,) = passage.matches
    assert match.start == 0 and match.end - match.start >= 0.8 * len(REPORT.rstrip())
    covered = sum(p.end - p.start for p in normal.passages_of("article.txt"))
    assert covered < passage.end - passage.start  # the exact channel finds pieces at most


def test_sensitivity_is_checked():
    try:
        Config(sensitivity="extreme")
    except provenance.ConfigError as e:
        assert "sensitivity" in str(e)
    else:
        raise AssertionError("an unknown sensitivity was accepted")


def test_high_sensitivity_finds_a_passage_whose_words_were_shuffled(corpus):
    # Every sentence of the report with its words in another order: no run of
    # three words survives, so only the content-stem channel links the two.
    rng = random.Random(3)
    shuffled = []
    for sentence in REPORT.split(". "):
        words = sentence.rstrip(".").split()
        rng.shuffle(words)
        shuffled.append(" ".join(words) + ".")
    text = ESSAY + " ".join(shuffled) + " " + ESSAY
    root = corpus({"report.txt": REPORT, "shuffled.txt": text})
    assert not provenance.scan([root]).passages
    high = provenance.scan([root], sensitivity="high")
    (passage,) = high.passages_of("shuffled.txt")
    assert passage.kind == "derivative"
    start = len(ESSAY)
    assert abs(passage.start - start) < 20 and passage.end - passage.start >= 0.9 * (len(text) - 2 * len(ESSAY))
    (match,) = passage.matches
    assert match.document == "report.txt" and match.end - match.start >= 0.9 * len(REPORT.rstrip())
