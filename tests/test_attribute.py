"""Attribute: the origin of a passage from credits, outlets and dates, with evidence that reproduces it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.attribute import (
    CONFIDENCE,
    DATE_PENALTY,
    RULES,
    Witness,
    attribute,
    verdict_from_evidence,
    winner_of,
)
from provenance.credits import find_credits
from provenance.metadata import dateline_date
from provenance.models import Credit, Meta, Origin

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
TODAY = date(2026, 12, 2)

SPUTNIK = "https://sputniknews.com/world/201705121053539022-russia-china-relations-alliance/"
DIPLOMAT = "http://thediplomat.com/2016/12/behind-china-and-russias-special-relationship/"


def credit(url: str | None = None, name: str | None = None, cue: str = "Source:") -> Credit:
    return Credit(url, name, cue, 1000, 1050, (0, 1000))


def check(origin: Origin) -> Origin:
    """Every origin's evidence states its verdict."""
    assert origin.rule in RULES
    assert verdict_from_evidence(origin.evidence) == (origin.rule, winner_of(origin))
    assert 0.0 <= origin.confidence <= 1.0
    return origin


# --------------------------------------------------------------------------- rule 1: credits


def test_three_witnesses_only_one_credits_the_source():
    witnesses = [
        Witness("000", Meta(url="https://blog.wordpress.com/2017/05/15/partnership/", date="2017-05-15", date_source="html-meta"), credits_covering=[credit(SPUTNIK)]),
        Witness("003", Meta(date="2017-05-12", date_source="dateline")),
        Witness("005", Meta(url="https://other.org/copy", date="2017-05-13", date_source="json-ld")),
    ]
    origin = check(attribute(witnesses))
    assert (origin.url, origin.name, origin.document, origin.rule) == (SPUTNIK, "sputniknews.com", None, "credit")
    assert origin.confidence == CONFIDENCE["credit"] == 0.95
    assert origin.evidence[0] == f'000 credits {SPUTNIK} for this passage ("Source: …")'
    # The original in the corpus is found by its own URL, compared without scheme, www or trailing slash.
    origin = check(attribute(witnesses, {"http://www.sputniknews.com/world/201705121053539022-russia-china-relations-alliance": "sputnik.html"}))
    assert origin.document == "sputnik.html"
    assert origin.evidence[1] == f"{SPUTNIK} is the own URL of sputnik.html"


def test_credited_witness_is_the_document():
    witnesses = [
        Witness("blog", credits_covering=[credit(DIPLOMAT)]),
        Witness("diplomat", Meta(url="https://thediplomat.com/2016/12/behind-china-and-russias-special-relationship", site="The Diplomat", date="2016-12-01", date_source="html-meta")),
    ]
    origin = check(attribute(witnesses))
    assert (origin.url, origin.document, origin.name) == (DIPLOMAT, "diplomat", "The Diplomat")


def test_credit_beats_an_earlier_date():
    witnesses = [
        Witness("a", Meta(date="2010-01-01", date_source="html-meta")),
        Witness("b", Meta(date="2017-05-12", date_source="html-meta"), credits_covering=[credit(SPUTNIK)]),
    ]
    assert check(attribute(witnesses)).rule == "credit"


def test_credit_by_name_only():
    origin = check(attribute([Witness("004", Meta(url="https://www.themoscowtimes.com/2014/06/01/a"), credits_covering=[credit(name="Vedomosti", cue="This comment appeared in")]), Witness("x")]))
    assert (origin.url, origin.name, origin.document, origin.rule) == (None, "Vedomosti", None, "credit-name")
    assert origin.confidence == 0.85
    assert origin.evidence[0] == '004 credits Vedomosti by name for this passage ("This comment appeared in …")'


# --------------------------------------------------------------------------- rule 2: pointed to


def test_witness_on_the_credited_outlet_is_the_origin():
    witnesses = [
        Witness("004", Meta(url="https://www.themoscowtimes.com/2014/06/01/a"), credits_covering=[credit(name="Vedomosti", cue="This comment appeared in")]),
        Witness("ved", Meta(url="https://www.vedomosti.ru/opinion/articles/2014/05/30/x", site="vedomosti.ru", date="2014-05-30", date_source="html-meta")),
    ]
    origin = check(attribute(witnesses))
    assert (origin.rule, origin.document, origin.url, origin.name) == ("pointed-to", "ved", "https://www.vedomosti.ru/opinion/articles/2014/05/30/x", "Vedomosti")
    assert origin.confidence == CONFIDENCE["pointed-to"]
    assert origin.evidence[0] == 'ved is on vedomosti.ru, which 004 credits for this passage ("This comment appeared in …")'


def test_home_page_credit_points_to_the_witness_on_that_site():
    witnesses = [
        Witness("blog", credits_covering=[credit("https://sputniknews.com/", cue="via")]),
        Witness("sp", Meta(url=SPUTNIK, site="Sputnik International")),
    ]
    origin = check(attribute(witnesses))
    assert (origin.rule, origin.document, origin.url) == ("pointed-to", "sp", SPUTNIK)


def test_a_credit_to_its_own_site_claims_the_text():
    # "Originally published on Live Science" on livescience.com, and on a scraper that copied the page.
    own = credit(name="Live Science", cue="Originally published on")
    witnesses = [Witness("ls", Meta(url="https://www.livescience.com/x", site="Live Science"), credits_covering=[own]), Witness("copy", Meta(url="https://scraper.net/x"), credits_covering=[own])]
    origin = check(attribute(witnesses))
    assert (origin.rule, origin.document, origin.url, origin.confidence) == ("pointed-to", "ls", "https://www.livescience.com/x", 0.8)
    assert "copy also credits the same source" in origin.evidence or "ls also credits the same source" in origin.evidence


# --------------------------------------------------------------------------- chains and conflicts


def test_credit_chain_is_followed_to_the_end():
    witnesses = [
        Witness("a", credits_covering=[credit("https://b.org/story")]),
        Witness("b", Meta(url="https://b.org/story"), credits_covering=[credit("https://c.org/original")]),
        Witness("c", Meta(url="https://c.org/original/")),
    ]
    origin = check(attribute(witnesses))
    assert (origin.url, origin.document) == ("https://c.org/original", "c")
    assert "a credits https://b.org/story" in " ".join(origin.evidence)


def test_conflicting_credits_majority_wins_at_lower_confidence():
    witnesses = [
        Witness("a", credits_covering=[credit(SPUTNIK)]),
        Witness("b", credits_covering=[credit(SPUTNIK.replace("https://", "http://www."))]),
        Witness("c", credits_covering=[credit(DIPLOMAT)]),
    ]
    origin = check(attribute(witnesses))
    assert origin.url == SPUTNIK and origin.rule == "credit"
    assert origin.confidence == pytest.approx(0.95 - 0.15)
    assert any(s.startswith(f"c credits {DIPLOMAT} instead") for s in origin.evidence)
    assert "b also credits the same source" in origin.evidence


# --------------------------------------------------------------------------- rule 3: dates


def test_earliest_stated_date_wins():
    witnesses = [
        Witness("000", Meta(date="2017-05-15", date_source="html-meta")),
        Witness("003", Meta(url="https://si.ge/x", site="si.ge", date="2017-05-12", date_source="dateline")),
        Witness("005", Meta(date="2017-05-13", date_source="url")),
    ]
    origin = check(attribute(witnesses))
    assert (origin.rule, origin.document, origin.url, origin.name, origin.confidence) == ("earliest-date", "003", "https://si.ge/x", "si.ge", 0.6)
    assert "003 is the earliest witness: dated 2017-05-12 (dateline)" in origin.evidence[0]
    assert "000 is dated 2017-05-15 (html-meta)" in origin.evidence


def test_conflicting_and_weak_dates():
    same_day = [Witness("a", Meta(date="2017-05-12", date_source="html-meta")), Witness("b", Meta(date="2017-05-12", date_source="dateline"))]
    origin = check(attribute(same_day))
    assert origin.rule == "none" and "share the earliest date 2017-05-12" in origin.evidence[0]

    guessed_first = [Witness("a", Meta(date="2017-05-01", date_source="htmldate")), Witness("b", Meta(date="2017-05-12", date_source="html-meta"))]
    origin = check(attribute(guessed_first))
    assert origin.rule == "none" and "is a guess (htmldate)" in origin.evidence[0]

    guessed_later = [Witness("a", Meta(date="2017-05-01", date_source="json-ld")), Witness("b", Meta(date="2017-05-12", date_source="htmldate"))]
    assert check(attribute(guessed_later)).confidence == pytest.approx(0.5)

    undated = [Witness("a", Meta(date="2017-05-01", date_source="json-ld")), Witness("b", Meta(date="2017-05-12", date_source="url")), Witness("c")]
    origin = check(attribute(undated))
    assert origin.document == "a" and origin.confidence == pytest.approx(0.5)
    assert "c has no date and might be older" in origin.evidence


def test_a_crawl_date_is_weaker_than_a_stated_one():
    stated = [Witness("a", Meta(date="2020-01-01", date_source="html-meta")), Witness("b", Meta(date="2020-01-09", date_source="json-ld"))]
    assert check(attribute(stated)).confidence == pytest.approx(0.6)
    # The later page states no date: its crawl day only bounds it, it might be older.
    later_crawled = [Witness("a", Meta(date="2020-01-01", date_source="html-meta")), Witness("b", Meta(date="2020-01-09", date_source="crawl"))]
    origin = check(attribute(later_crawled))
    assert (origin.document, origin.confidence) == ("a", pytest.approx(0.5))
    assert "b states no date: crawl days only, and might be older" in origin.evidence
    # The winner itself is dated by its crawl only.
    first_crawled = [Witness("a", Meta(date="2020-01-01", date_source="crawl")), Witness("b", Meta(date="2020-01-09", date_source="json-ld"))]
    origin = check(attribute(first_crawled))
    assert (origin.document, origin.confidence) == ("a", pytest.approx(0.5))
    assert "a states no date: 2020-01-01 is the day it was crawled (weaker than a stated date)" in origin.evidence
    both_crawled = [Witness("a", Meta(date="2020-01-01", date_source="crawl")), Witness("b", Meta(date="2020-01-09", date_source="crawl"))]
    assert check(attribute(both_crawled)).confidence == pytest.approx(0.4)


def test_nothing_decides():
    origin = check(attribute([Witness("001"), Witness("002")]))
    assert (origin.url, origin.name, origin.document, origin.confidence, origin.rule) == (None, None, None, 0.1, "none")
    assert origin.evidence == ("No origin: no credit covers this passage and fewer than two witnesses are dated", "001, 002 have no date")
    assert check(attribute([])).rule == "none"
    assert check(attribute([Witness("002", Meta(date="2017-05-12", date_source="dateline"))])).rule == "none"


# --------------------------------------------------------------------------- rule 4: one stated date


def test_a_dated_original_against_an_undated_copy_is_weaker_evidence():
    # issue 13: an uncredited copy without a date, of a news page that states its URL and date
    page = Witness("news.html", Meta(url="https://news.example/2019/11/18/story", site="news.example", date="2019-11-18", date_source="meta"))
    origin = check(attribute([Witness("copy.html", Meta(site="reprinter.example")), page]))
    assert (origin.rule, origin.document, origin.url, origin.name) == ("only-dated", "news.html", "https://news.example/2019/11/18/story", "news.example")
    assert origin.confidence == pytest.approx(0.45)
    assert origin.confidence < CONFIDENCE["earliest-date"] - DATE_PENALTY  # weaker than a later date, let alone a credit
    assert origin.evidence == (
        "news.html is the only dated witness: dated 2019-11-18 (meta); copy.html states no date",
        "no credit covers this passage",
        "copy.html might be older: an undated copy is weaker evidence than a later date",
        "news.html states its own URL, https://news.example/2019/11/18/story; copy.html states none",
    )
    # Without its own URL (a dated text file), or when a copy states one too: the date alone.
    assert check(attribute([Witness("copy.txt"), Witness("essay.txt", Meta(date="2017-05-12", date_source="dateline"))])).confidence == pytest.approx(0.4)
    assert check(attribute([Witness("copy.html", Meta(url="https://r.example/x")), page])).confidence == pytest.approx(0.4)


@pytest.mark.parametrize("source", ["htmldate", "crawl"])
def test_a_guessed_or_crawl_date_alone_decides_nothing(source):
    origin = check(attribute([Witness("copy.html"), Witness("page.html", Meta(date="2019-11-18", date_source=source))]))
    assert origin.rule == "none" and origin.evidence[0].startswith("No origin: no credit covers this passage, copy.html has no date, and page.html's only date, 2019-11-18, is ")


# --------------------------------------------------------------------------- the seeds, end to end


def test_seed_passage_traced_to_sputnik():
    texts = {p.name[:3]: p.read_text(encoding="utf-8") for p in SAMPLES.glob("0*.txt")}
    phrase = "unprecedented level"
    witnesses = []
    for doc_id in ("000", "003"):
        text = texts[doc_id]
        start = text.index(phrase)
        covering = [c for c in find_credits(text) if c.covers(start, start + 200)]
        day = dateline_date(text, today=TODAY)
        witnesses.append(Witness(doc_id, Meta(date=day, date_source="dateline" if day else None), credits_covering=covering))
    origin = check(attribute(witnesses))
    assert (origin.url, origin.rule) == (SPUTNIK, "credit")
    assert origin.evidence[0] == f'000 credits {SPUTNIK} for this passage ("Source: …")'

    text = texts["000"]
    start = text.index("carefully curated")
    (diplomat,) = [c for c in find_credits(text) if c.covers(start, start + 100)]
    assert diplomat.url == DIPLOMAT

    text = texts["004"]
    start = text.index("strategic respite")
    origin = check(attribute([Witness("004", credits_covering=[c for c in find_credits(text) if c.covers(start, start + 100)])]))
    assert (origin.name, origin.rule) == ("Vedomosti", "credit-name")


# --------------------------------------------------------------------------- evidence reproduces the verdict

_DAYS = st.sampled_from([None, "2017-05-10", "2017-05-11", "2017-05-12", "2017-05-12"])
_SOURCES = st.sampled_from(["html-meta", "json-ld", "dateline", "url", "htmldate", None])
_URLS = st.sampled_from([None, SPUTNIK, DIPLOMAT, "https://sputniknews.com/", "https://www.vedomosti.ru/a/b", "https://c.org/x"])
_NAMES = st.sampled_from([None, "Vedomosti", "The Diplomat", "sputniknews.com", "Sputnik"])
_SITES = st.sampled_from([None, "vedomosti.ru", "The Diplomat", "sputniknews.com", "Sputnik International"])


@st.composite
def witness_groups(draw):
    n = draw(st.integers(0, 5))
    group = []
    for i in range(n):
        credits = []
        for _ in range(draw(st.integers(0, 2)) if draw(st.booleans()) else 0):
            url, name = draw(_URLS), draw(_NAMES)
            if url or name:
                credits.append(credit(url, name, draw(st.sampled_from(["Source:", "via", "originally published in"]))))
        group.append(Witness(f"d{i}", Meta(url=draw(_URLS), site=draw(_SITES), date=draw(_DAYS), date_source=draw(_SOURCES)), credits_covering=credits))
    return group


@given(witness_groups())
@settings(max_examples=300, deadline=None)
def test_evidence_reproduces_the_verdict(group):
    origin = check(attribute(group))
    assert origin.evidence
    if origin.document is not None and origin.rule != "credit":
        assert origin.document in {w.doc_id for w in group}
    # The verdict does not depend on the order the witnesses come in.
    assert attribute(list(reversed(group))) == origin


def test_verdict_from_evidence_refuses_non_verdicts():
    with pytest.raises(ValueError, match="no evidence"):
        verdict_from_evidence([])
    with pytest.raises(ValueError, match="states no verdict"):
        verdict_from_evidence(["something else"])
