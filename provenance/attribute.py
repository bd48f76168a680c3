"""Attribute: which of the witnesses of a passage is its origin, and why.

Pure functions over plain data. The input is a group of *witnesses*, the
documents that carry the same passage, each with its own URL, site, date and
the credits whose scope covers the passage there; the output is an ``Origin``
with its evidence, short sentences a reader can check.

The rules, strongest first (the first that decides wins):

1. **credit** — a witness credits a URL for the passage (``Source: https://…``).
   The origin is that URL; ``document`` is the corpus document whose own URL
   it is (compared scheme-less, without ``www.`` or a trailing slash).
   **credit-name** — the credit names an outlet but no URL (``This comment
   appeared in Vedomosti``) and no witness is on that outlet: the origin is
   the name.
2. **pointed-to** — a credit names an outlet (by name or by its home page)
   and a witness is on that outlet's site: that witness is the origin (the
   crediting witness itself when it is on that site: a page that says
   "originally published on <its own site>" claims the text).
3. **earliest-date** — no credit: the witness dated a day or more before every
   other dated witness, when its date is stated (not an htmldate guess:
   ``GUESSED_DATE_SOURCES``). Same-day dates never decide; a guessed date may
   not win but counts against the winner (lower confidence), as do undated
   witnesses (they might be older). A crawl date (a web archive's page that
   states none: ``date_source="crawl"``) is weaker than a stated one: it only
   says the page was online by then, so it lowers the confidence when it is
   the winner's date and when it is another witness's (that page may be older).
4. **only-dated** — no credit, and one witness states a date while every
   other states none (a dated news page against an undated copy, issue 13):
   that witness, at a lower confidence than a date ordering (the undated
   copies might be older). It is a little higher when the dated witness also
   states its own URL and none of the undated ones does: it presents itself as
   the publication, they do not. A guessed or crawl date never decides alone.
5. **none** — nothing decides: url, name and document are None and the
   evidence lists each witness's date and credits.

Credits are followed along a chain: if the credited document is itself a
witness that credits another source, the origin is that source. When
witnesses credit different sources, the one credited by most witnesses wins
(URL before name, then text order of witnesses), at lower confidence.

``CONFIDENCE`` holds the documented values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date as _date

from provenance.credits import credited_site, name_key, names_outlet
from provenance.metadata import CRAWL_DATE_SOURCE, GUESSED_DATE_SOURCES
from provenance.models import Credit, Meta, Origin
from provenance.urls import is_home_page, normalize_url, site_of

RULES: tuple[str, ...] = ("credit", "credit-name", "pointed-to", "earliest-date", "only-dated", "none")
"""Every value ``Origin.rule`` takes, strongest first."""

CONFIDENCE: dict[str, float] = {
    "credit": 0.95,  # the publisher names the original's URL
    "credit-name": 0.85,  # names the outlet, not the article
    "pointed-to": 0.8,  # a witness sits on the credited outlet: the name-to-site match can err
    "earliest-date": 0.6,  # dates order copies but a reprint can predate a late-dated original
    "only-dated": 0.4,  # one stated date, the other witnesses undated: they might be older
    "none": 0.1,
}
"""Confidence of each rule when nothing weakens it."""

CONFLICT_PENALTY = 0.15
"""Subtracted when witnesses credit different sources."""
DATE_PENALTY = 0.1
"""Subtracted from an earliest-date verdict for undated witnesses, again for
guessed dates, and again for each side of the verdict that has a crawl date only."""
OWN_URL_BONUS = 0.05
"""Added to an only-dated verdict whose witness states its own URL when no undated one does."""


@dataclass(frozen=True)
class Witness:
    """A document that carries the passage, and what it says about itself and its sources.

    ``meta`` is the document's own metadata record (``Document.meta``: its
    URL, site, date and the date's source). ``credits_covering`` are the
    credits whose scope covers the passage in this document (see
    ``Credit.covers``); any sequence is accepted and kept as a tuple.
    """

    doc_id: str
    meta: Meta = Meta()
    credits_covering: tuple[Credit, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "credits_covering", tuple(self.credits_covering))


@dataclass(frozen=True)
class _Claim:
    """One witness's credit, resolved against the corpus."""

    witness: Witness
    credit: Credit
    document: str | None  # the corpus document at the credited URL, or the witness on the credited outlet
    pointed: bool  # resolved by outlet (name or home page), not by exact URL

    @property
    def key(self) -> str:
        if self.document is not None:
            return "doc:" + self.document
        if self.credit.url:
            return "url:" + normalize_url(self.credit.url)
        return "name:" + name_key(self.credit.name or "")


def _resolve(witness: Witness, credit: Credit, own: dict[str, str], witnesses: Sequence[Witness]) -> _Claim:
    if credit.url:
        doc = own.get(normalize_url(credit.url))
        if doc is not None:
            return _Claim(witness, credit, doc, pointed=False)
    # A credit to an article that is not in the corpus claims that article;
    # a credit to an outlet (by name or home page) points to a witness on it.
    if not credit.url or is_home_page(credit.url):
        # Another witness on the credited outlet first; then the crediting witness itself
        # ("Originally published on Live Science" on livescience.com claims the text as its own).
        for other in sorted(witnesses, key=lambda w: w.doc_id == witness.doc_id):
            if names_outlet(credit, url=other.meta.url, site=other.meta.site):
                return _Claim(witness, credit, other.doc_id, pointed=True)
    return _Claim(witness, credit, None, pointed=False)


def _cue(credit: Credit) -> str:
    return f'("{credit.cue} …")'


def _follow(claim: _Claim, claims_of: dict[str, list[_Claim]], evidence: list[str]) -> _Claim:
    """Follow a chain of credits: the credited document may itself credit another source."""
    seen = {claim.witness.doc_id}
    while claim.document is not None and claim.document not in seen and claims_of.get(claim.document):
        seen.add(claim.document)
        onward = [c for c in claims_of[claim.document] if c.document != claim.document]
        if not onward:
            break
        evidence.append(f"{claim.document} in turn credits {_target_text(onward[0])} for this passage {_cue(onward[0].credit)}")
        claim = onward[0]
    return claim


def _target_text(claim: _Claim) -> str:
    if claim.credit.url:
        return claim.credit.url
    return f"{claim.credit.name} by name" if claim.credit.name else "an unnamed source"


def attribute(witnesses: Sequence[Witness], own_urls: Mapping[str, str] | None = None) -> Origin:
    """Decide where a passage comes from, with the evidence for the decision.

    Args:
        witnesses: the documents that carry the passage.
        own_urls: own URL → document id for every document of the corpus
            (witnesses' own URLs are added to it).

    Returns:
        The origin: its URL and/or name, the corpus document when it is one,
        a confidence (``CONFIDENCE``) and the evidence, deciding fact first.

    Example:
        >>> credit = Credit("https://a.org/x/", None, "Source:", 500, 520, (0, 500))
        >>> o = attribute([Witness("blog.txt", credits_covering=[credit]), Witness("a.html", Meta(url="https://www.a.org/x"))])
        >>> (o.url, o.document, o.confidence, o.rule)
        ('https://a.org/x/', 'a.html', 0.95, 'credit')
        >>> o.evidence
        ('blog.txt credits https://a.org/x/ for this passage ("Source: …")', 'https://a.org/x/ is the own URL of a.html')
    """
    witnesses = sorted(witnesses, key=lambda w: w.doc_id)
    own: dict[str, str] = {}
    for url, doc in (own_urls or {}).items():
        own.setdefault(normalize_url(url), doc)
    for w in witnesses:
        if w.meta.url:
            own.setdefault(normalize_url(w.meta.url), w.doc_id)

    claims_of: dict[str, list[_Claim]] = {}
    for w in witnesses:
        for credit in w.credits_covering:
            claims_of.setdefault(w.doc_id, []).append(_resolve(w, credit, own, witnesses))
    if claims_of:
        return _by_credit(witnesses, claims_of)
    return _by_date(witnesses)


def _by_credit(witnesses: Sequence[Witness], claims_of: dict[str, list[_Claim]]) -> Origin:
    chains: list[tuple[_Claim, _Claim, list[str]]] = []
    for w in witnesses:
        for claim in claims_of.get(w.doc_id, []):
            steps: list[str] = []
            chains.append((claim, _follow(claim, claims_of, steps), steps))
    # Votes: distinct witnesses whose credits end at the same source.
    voters: dict[str, set[str]] = {}
    for first, final, _ in chains:
        voters.setdefault(final.key, set()).add(first.witness.doc_id)

    def strength(item: tuple[_Claim, _Claim, list[str]]) -> tuple[int, int, int, int]:
        first, final, _ = item
        located = final.document is not None
        return (len(voters[final.key]), int(bool(final.credit.url) or located), int(located), -chains.index(item))

    first, final, steps = max(chains, key=strength)
    evidence = [f"{final.witness.doc_id} credits {_target_text(final)} for this passage {_cue(final.credit)}"]
    if final is not first:
        evidence = [evidence[0], f"{first.witness.doc_id} credits {_target_text(first)} {_cue(first.credit)}", *steps[:-1]]
    conflicts = sorted({f"{f.witness.doc_id} credits {_target_text(f)} instead {_cue(f.credit)}" for _, f, _ in chains if f.key != final.key})
    others = sorted({c.witness.doc_id for c, f, _ in chains if f.key == final.key} - {first.witness.doc_id, final.witness.doc_id})
    if others:
        evidence.append(f"{', '.join(others)} also credit{'s' if len(others) == 1 else ''} the same source")
    evidence.extend(conflicts)

    credit = final.credit
    doc = final.document
    target = next((w for w in witnesses if w.doc_id == doc), None)
    if final.pointed and doc is not None:
        rule = "pointed-to"
        site = (target.meta.site if target else None) or credited_site(credit) or credit.name
        url = target.meta.url if target else None
        name = credit.name or (target.meta.site if target else None) or site
        evidence[0] = f"{doc} is on {site}, which {final.witness.doc_id} credits for this passage {_cue(credit)}"
    elif credit.url:
        rule = "credit"
        url = credit.url
        name = credit.name or (target.meta.site if target else None) or site_of(url)
        if doc is not None:
            evidence.insert(1, f"{url} is the own URL of {doc}")
    else:
        rule = "credit-name"
        url, name, doc = None, credit.name, None
    confidence = CONFIDENCE[rule] - (CONFLICT_PENALTY if conflicts else 0.0)
    return Origin(url, name, doc, round(confidence, 2), tuple(evidence), rule)


def _dated(w: Witness) -> str:
    return f"{w.doc_id} is dated {w.meta.date} ({w.meta.date_source or 'unknown source'})"


def _by_date(witnesses: Sequence[Witness]) -> Origin:
    dated = sorted((w for w in witnesses if w.meta.date and _valid_day(w.meta.date)), key=lambda w: (w.meta.date, w.doc_id))
    undated = [w.doc_id for w in witnesses if not (w.meta.date and _valid_day(w.meta.date))]
    facts = [_dated(w) for w in dated]
    if undated:
        facts.append(f"{', '.join(undated)} {'has' if len(undated) == 1 else 'have'} no date")
    if len(dated) == 1 and undated:
        return _only_dated(dated[0], [w for w in witnesses if w.doc_id in undated], facts)
    if len(dated) < 2:
        reason = "no credit covers this passage and fewer than two witnesses are dated"
        return Origin(None, None, None, CONFIDENCE["none"], (f"No origin: {reason}", *facts), "none")
    first, second = dated[0], dated[1]
    assert first.meta.date is not None and second.meta.date is not None
    if first.meta.date == second.meta.date:
        tied = [w.doc_id for w in dated if w.meta.date == first.meta.date]
        reason = f"no credit covers this passage and {', '.join(tied)} share the earliest date {first.meta.date}"
        return Origin(None, None, None, CONFIDENCE["none"], (f"No origin: {reason}", *facts), "none")
    if (first.meta.date_source or "") in GUESSED_DATE_SOURCES:
        reason = f"no credit covers this passage and the earliest date, {first.doc_id}'s {first.meta.date}, is a guess ({first.meta.date_source})"
        return Origin(None, None, None, CONFIDENCE["none"], (f"No origin: {reason}", *facts), "none")
    confidence = CONFIDENCE["earliest-date"]
    others = [w for w in dated[1:]]
    lead = f"{first.doc_id} is the earliest witness: dated {first.meta.date} ({first.meta.date_source or 'unknown source'}), a day or more before {', '.join(w.doc_id for w in others)}"
    evidence = [lead, *(_dated(w) for w in others)]
    if undated:
        confidence -= DATE_PENALTY
        evidence.append(f"{', '.join(undated)} {'has' if len(undated) == 1 else 'have'} no date and might be older")
    guessed = [w.doc_id for w in others if (w.meta.date_source or "") in GUESSED_DATE_SOURCES]
    if guessed:
        confidence -= DATE_PENALTY
        evidence.append(f"the dates of {', '.join(guessed)} are guesses (htmldate)")
    if first.meta.date_source == CRAWL_DATE_SOURCE:
        confidence -= DATE_PENALTY
        evidence.append(f"{first.doc_id} states no date: {first.meta.date} is the day it was crawled (weaker than a stated date)")
    crawled = [w.doc_id for w in others if w.meta.date_source == CRAWL_DATE_SOURCE]
    if crawled:
        confidence -= DATE_PENALTY
        evidence.append(f"{', '.join(crawled)} state{'s' if len(crawled) == 1 else ''} no date: crawl days only, and might be older")
    evidence.insert(1, "no credit covers this passage")
    return Origin(first.meta.url, first.meta.site or site_of(first.meta.url), first.doc_id, round(confidence, 2), tuple(evidence), "earliest-date")


def _only_dated(first: Witness, undated: Sequence[Witness], facts: list[str]) -> Origin:
    """One witness states a date, the others none: evidence, weaker than a credit or a date order."""
    names = ", ".join(w.doc_id for w in undated)
    if (first.meta.date_source or "") in GUESSED_DATE_SOURCES or first.meta.date_source == CRAWL_DATE_SOURCE:
        kind = "a guess" if first.meta.date_source != CRAWL_DATE_SOURCE else "a crawl day, not a stated date"
        reason = f"no credit covers this passage, {names} {'has' if len(undated) == 1 else 'have'} no date, and {first.doc_id}'s only date, {first.meta.date}, is {kind} ({first.meta.date_source})"
        return Origin(None, None, None, CONFIDENCE["none"], (f"No origin: {reason}", *facts), "none")
    confidence = CONFIDENCE["only-dated"]
    evidence = [
        f"{first.doc_id} is the only dated witness: dated {first.meta.date} ({first.meta.date_source or 'unknown source'}); {names} {'states' if len(undated) == 1 else 'state'} no date",
        "no credit covers this passage",
        f"{names} might be older: an undated copy is weaker evidence than a later date",
    ]
    if first.meta.url and not any(w.meta.url for w in undated):
        confidence += OWN_URL_BONUS
        evidence.append(f"{first.doc_id} states its own URL, {first.meta.url}; {names} {'states' if len(undated) == 1 else 'state'} none")
    return Origin(first.meta.url, first.meta.site or site_of(first.meta.url), first.doc_id, round(confidence, 2), tuple(evidence), "only-dated")


def _valid_day(value: str) -> bool:
    try:
        _date.fromisoformat(value[:10])
    except ValueError:
        return False
    return len(value) >= 10


_VERDICT_RES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("pointed-to", re.compile(r"^(?P<winner>.+?) is on .+, which .+? credits for this passage \(")),
    ("earliest-date", re.compile(r"^(?P<winner>.+?) is the earliest witness: dated ")),
    ("only-dated", re.compile(r"^(?P<winner>.+?) is the only dated witness: dated ")),
    ("none", re.compile(r"^No origin: ")),
    ("credit", re.compile(r"^.+? credits (?P<winner>(?:https?://|www\.)\S+) for this passage \(")),
    ("credit-name", re.compile(r"^.+? credits (?P<winner>.+) by name for this passage \(")),
)


def verdict_from_evidence(evidence: Sequence[str]) -> tuple[str, str | None]:
    """Read the verdict back from an origin's evidence: (rule, winner).

    The winner is the credited URL (``credit``), the credited name
    (``credit-name``), the winning document (``pointed-to``,
    ``earliest-date``, ``only-dated``), or None (``none``). Tests check that this agrees with
    the ``Origin`` the evidence came with, so the evidence always carries the
    verdict.

    >>> verdict_from_evidence(["004 credits Vedomosti by name for this passage (\\"This comment appeared in …\\")"])
    ('credit-name', 'Vedomosti')
    >>> verdict_from_evidence(["003 is the earliest witness: dated 2017-05-12 (dateline), a day or more before 001"])
    ('earliest-date', '003')

    Raises:
        ValueError: the evidence does not start with a deciding sentence.
    """
    if not evidence:
        raise ValueError("no evidence: pass Origin.evidence")
    for rule, pattern in _VERDICT_RES:
        match = pattern.match(evidence[0])
        if match:
            return rule, match.groupdict().get("winner")
    raise ValueError(f"the first evidence sentence states no verdict: {evidence[0]!r}")


def winner_of(origin: Origin) -> str | None:
    """What ``verdict_from_evidence`` names as the winner of this origin's rule.

    >>> winner_of(Origin(None, "Vedomosti", None, 0.85, (), "credit-name"))
    'Vedomosti'
    """
    if origin.rule == "credit":
        return origin.url
    if origin.rule == "credit-name":
        return origin.name
    return origin.document
