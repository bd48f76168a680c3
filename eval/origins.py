"""Origin accuracy on planted reprint scenarios built from real news pages.

Data: ``ROOT/news-html`` (181 real pages from 126 sites with their gold
``articleBody`` and URL). Each *scenario* takes one real page, the
*original*, kept byte for byte, and plants one or two *copies*: pages of
another (made-up) site, ``https://reprinter-N.example/…``, with their own
canonical link, ``og:site_name``, header, navigation, "most read" box,
footer and headline, whose article is the original's gold ``articleBody``
(half of them after the reprinter's own one-line intro). All scenarios go
into one corpus laid out as a crawl (``<host>/<name>.html``, random names
that do not tell the original from a copy) that is scanned once: ten
reprinter sites share their templates across many copies, and real pages
of different scenarios that share a quote or a wire paragraph meet in the
same scan, as they would in a real crawl. Everything is drawn from a seeded
``random.Random`` (:data:`SEED`): the same data gives the same corpus.
Pages give their own URL and date only through their HTML (no manifest):
a page without a stated date stays undated, one without canonical link or
``og:site_name`` has no URL or site.

Variants, and the expected origin of the copy's reprinted passage:

``credit-url``
    The copy credits the original's gold URL (``Source: <url>``,
    ``Originally published at <a href=url>Outlet</a>`` or an ``<a>`` "Read
    the original article"), at its end or in its header, and is dated 1-21
    days after the original. Expected: the original (``origin.document`` is
    the original, or ``origin.url`` is its gold or own URL).
``credit-name``
    The copy credits the original's outlet by name only ("This article first
    appeared in WSJ."), the name being what the original page calls its site
    (``og:site_name`` when it reads as a name, else the host of its gold
    URL); dated later. Expected: the original document. When the original
    states neither URL nor site, nothing ties the name to it: the outlet's
    name alone (``named``) is right too.
``later-date``
    No credit; the copy is dated later. Expected: the original when the
    original states its date (any source but an htmldate guess). When it does
    not, nothing decides: "unknown" is right, the original is accepted too.
``no-date``
    No credit, no date anywhere on the copy (no meta, no ``<time>``, no date
    in the URL). Dates cannot order an undated witness, so this is never
    decidable: "unknown" or the original are right.
``three-witness``
    The original and two copies on two reprinter sites. The first credits
    the original (by URL or by name) and is dated the *same day* (syndication),
    the second has no credit and is dated later. Expected: the original for
    both copies (the credit decides the whole group; dates alone cannot). A
    credit by name to an original stating neither URL nor site decides
    nothing more than in ``credit-name``.
``distractor``
    A copy carrying the body of a *different* page (one in no other
    scenario), dated later. Expected: no passage links it to the scenario's
    original (a link is a false link).

A copy's *outcome* is read from the longest passage of the copy that
matches its original: ``original``; ``upstream`` (a source that the
original itself credits: the original is a reprint too and the origin
follows its credit; counted correct, but not by the strict
``origin_accuracy``); ``unknown`` (no origin
decided); ``named`` (the original's outlet by name, no document or URL);
``copy`` (the origin is a copy); ``other`` (another document, URL or name);
``unlinked`` (no passage links the copy and its original).

Figures:

* ``link_recall``: share of copies (all but distractors) linked to their
  original;
* ``origin_accuracy``: share of *decidable* copies (credited by URL;
  credited by name when the original states its URL or site; later-date
  when the original states its date) whose outcome is ``original``
  (strict: ``upstream`` does not count); unlinked copies are failures.
  Aim ≥ 0.9;
* ``correct``: share of all non-distractor copies whose outcome is an
  expected one (``upstream`` counts), ``accuracy.<variant>`` the same per
  variant;
* ``distractor_false_links``: distractors linked to their scenario's
  original (aim 0);
* ``confidence.right`` / ``confidence.wrong``: mean origin confidence of
  ``original``/``upstream`` outcomes and of ``copy``/``other`` outcomes;
* ``credited_accuracy``: share of decidable crediting copies whose outcome
  is ``original``; ``credit_found``: share of crediting copies in which the
  scan found any credit.

The copies above use the credit forms the code was written for. The same
scenarios are scanned again with credit lines held out from the code
(:data:`HELD_OUT_URL_CREDITS`, :data:`HELD_OUT_NAME_CREDITS`, in several
languages), reported as ``held_out_phrasings``, with ``held_out_phrasings.lines``
(:func:`recognised_lines`): the share of every held-out form, filled with a
few outlets, that the credit reader recognises, per language. The credit
reader was improved after the first held-out set was measured (0.32 of its
lines recognised before, 1.0 after), so a second set, written afterwards and
never used to change the code, gives the unbiased figure
(``held_out_later_phrasings``).

The anchor is ``origin_accuracy`` of "earliest date wins" without credits,
on the same links: the witness of a scenario (original and copies) dated
strictly before every other dated one, stated or guessed, is the origin,
else none.
"""

from __future__ import annotations

import gzip
import html
import random
import re
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date as _date
from datetime import timedelta
from pathlib import Path
from typing import Any

import provenance
from eval.common import result, rounded, settings, timed_scan, today
from eval.news import load_truth
from eval.scoring import ratio
from provenance.extract import decode
from provenance.metadata import GUESSED_DATE_SOURCES, html_metadata
from provenance.urls import normalize_url, site_of

FOLDER = "news-html"
SEED = 20191119
SCENARIOS = 60  # single-copy scenarios, spread evenly over VARIANTS
TRIPLES = 12  # three-witness scenarios
MIN_WORDS = 40  # gold bodies shorter than this are not used
FALLBACK_DAY = "2019-11-20"  # the benchmark's crawl: base day for copies of pages without any date
LISTED = 40  # longest list of failures kept in the results

PageFacts = tuple[str | None, str | None, str | None, str | None]  # own url, date, date_source, site

VARIANTS = ("credit-url", "credit-name", "later-date", "no-date", "distractor")
TRIPLE = "three-witness"
OUTCOMES = ("original", "upstream", "unknown", "named", "copy", "other", "unlinked")
RIGHT = frozenset({"original", "upstream"})

AIMS = {"origin_accuracy": ">= 0.9", "link_recall": ">= 0.95", "distractor_false_links": "<= 0"}
ANCHOR_SOURCE = "earliest date wins (stated or guessed), no credits, on the scan's links"

REPRINTERS = (
    "The Morning Ledger",
    "Coastal Courier",
    "Metro Digest",
    "Valley Tribune",
    "Northern Dispatch",
    "Harbor Times Online",
    "The Weekly Roundup",
    "Civic Wire",
    "Prairie Post",
    "Lakeside Gazette",
)
_SECTIONS = ("World", "Politics", "Business", "Tech", "Science", "Health", "Sports", "Culture", "Opinion", "Local")
_TOPICS = ("school board", "bus routes", "farmers market", "city budget", "library hours", "bridge repairs", "food bank", "high school football", "park cleanup", "water rates", "county fair", "new clinic")
_HEADLINE_FORMS = ("What the {t} vote means", "Readers weigh in on {t}", "A closer look at the {t}", "Five questions about the {t}", "Why the {t} matters this winter", "Inside the fight over {t}")
_INTROS = (
    "{site} shares this story from a partner outlet.",
    "From our partners, for {site} readers.",
    "We think {site} readers will want to see this.",
    "Editor's pick for {site} readers this week.",
)
_URL_CREDITS = (
    '<p>Source: {url}</p>',
    '<p><em>Originally published at <a href="{url}">{outlet}</a>.</em></p>',
    '<p class="credit"><a href="{url}">Read the original article</a></p>',
)
_NAME_CREDITS = (
    "<p><em>This article first appeared in {outlet}.</em></p>",
    "<p>Originally published by {outlet}.</p>",
    "<p>(This story was first published on {outlet} and is republished here with permission.)</p>",
)

PLANTED = "planted"
HELD_OUT = "held-out"

# Credit lines as readers and editors write them, held out from the code:
# written without reading credits.py's patterns, and never to be copied into
# it. ``make eval`` reports origin accuracy on them separately
# (``held_out_phrasings``), and how many of them the credit reader recognises
# line by line (``held_out_lines``), per language. Each entry: (language, HTML).
HELD_OUT_URL_CREDITS = (
    ("en", "<p>First appeared at {url}</p>"),
    ("en", "<p>This story first ran at {url} and is reproduced here with permission.</p>"),
    ("en", "<p>Read the full story at {url}</p>"),
    ("en", "<p><em>Adapted from an article at {url}.</em></p>"),
    ("en", "<p>Original article: {url}</p>"),
    ("en", "<p>Republished with permission of {outlet} ({url}).</p>"),
    ("en", "<p>Credit: {outlet}, {url}</p>"),
    ("de", "<p>Quelle: {url}</p>"),
    ("es", "<p>Fuente: {url}</p>"),
    ("fr", "<p>Article initialement publié sur {url}</p>"),
    ("ru", "<p>Источник: {url}</p>"),
)
HELD_OUT_NAME_CREDITS = (
    ("en", "<p>First appeared at {outlet}.</p>"),
    ("en", "<p>Republished with permission of {outlet}.</p>"),
    ("en", "<p>(c) 2019 {outlet}. Reprinted with permission.</p>"),
    ("en", "<p>© {outlet} 2019, reprinted by arrangement.</p>"),
    ("en", "<p>Story by Dana Whitfield for {outlet}.</p>"),
    ("en", "<p>A version of this story ran in {outlet}.</p>"),
    ("en", "<p>Copyright {outlet}. Used with permission.</p>"),
    ("en", "<p>This article is republished from {outlet} under a Creative Commons license.</p>"),
    ("en", "<p>Distributed by {outlet}.</p>"),
    ("de", "<p>Dieser Artikel erschien zuerst bei {outlet}.</p>"),
    ("es", "<p>Este artículo fue publicado originalmente en {outlet}.</p>"),
    ("fr", "<p>Cet article a d'abord été publié par {outlet}.</p>"),
    ("it", "<p>Originariamente pubblicato su {outlet}.</p>"),
    ("ru", "<p>Впервые опубликовано в {outlet}.</p>"),
)
# A second held-out set, written after credits.py was improved on the first
# and never used to change it: the honest figure for phrasings nobody tuned for.
HELD_OUT_LATER = "held-out-later"
LATER_URL_CREDITS = (
    ("en", "<p>This piece originally ran on {url}</p>"),
    ("en", "<p>See the original at {url}</p>"),
    ("en", "<p>Link to the original story: {url}</p>"),
    ("en", "<p>Reposted from {url}</p>"),
    ("es", "<p>Artículo original: {url}</p>"),
    ("de", "<p>Originalartikel: {url}</p>"),
    ("fr", "<p>Article original : {url}</p>"),
    ("ru", "<p>Оригинал статьи: {url}</p>"),
)
LATER_NAME_CREDITS = (
    ("en", "<p>Reposted with permission from {outlet}.</p>"),
    ("en", "<p>This post originally appeared on {outlet}.</p>"),
    ("en", "<p>Published in partnership with {outlet}.</p>"),
    ("en", "<p>Content courtesy of {outlet}.</p>"),
    ("en", "<p>Reproduced by kind permission of {outlet}.</p>"),
    ("de", "<p>Mit freundlicher Genehmigung von {outlet}.</p>"),
    ("pt", "<p>Publicado originalmente por {outlet}.</p>"),
    ("fr", "<p>Paru initialement dans {outlet}.</p>"),
    ("ru", "<p>Перепечатано с разрешения {outlet}.</p>"),
)
PHRASINGS = {
    PLANTED: (tuple(("en", form) for form in _URL_CREDITS), tuple(("en", form) for form in _NAME_CREDITS)),
    HELD_OUT: (HELD_OUT_URL_CREDITS, HELD_OUT_NAME_CREDITS),
    HELD_OUT_LATER: (LATER_URL_CREDITS, LATER_NAME_CREDITS),
}
"""Credit forms by set: (by URL, by name), each form with its language."""


# --------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class Original:
    """A real page as the planted corpus holds it, and what it says about itself."""

    page: str  # id in ground-truth.json
    doc: str  # document id in the planted corpus
    gold_url: str
    url: str | None  # its own URL as the page states it
    date: str | None
    date_source: str | None
    outlet: str  # the name a reprinter credits


@dataclass(frozen=True)
class Copy:
    """A planted reprint page."""

    doc: str
    site: str  # host
    site_name: str
    url: str
    body_of: str  # page id whose gold body it carries
    date: str | None
    credit: str | None  # "url", "name" or None
    credit_html: str | None
    placement: str  # "end" or "top"
    intro: bool


@dataclass(frozen=True)
class Scenario:
    """One original and its planted copies."""

    key: str
    variant: str
    original: Original
    copies: tuple[Copy, ...] = field(default=())


def plan(
    truth: Mapping[str, Mapping[str, str]],
    meta_of: Callable[[str], PageFacts],
    *,
    scenarios: int = SCENARIOS,
    triples: int = TRIPLES,
    seed: int = SEED,
    pages: Sequence[str] = (),
    phrasings: str = PLANTED,
) -> list[Scenario]:
    """Draw the scenarios: which pages, which variant, which reprinter, which credit form.

    ``phrasings`` names the set of credit forms (:data:`PHRASINGS`); the
    draws are the same for every set, so only the credit lines differ.

    ``meta_of(page)`` gives a page's own (url, date, date_source, site) as a
    scan reads them. The usable pages are shuffled once (sorted ids, then
    ``seed``), after the ``pages`` given first (full or leading parts of ids):
    the first ``scenarios`` take the variants in turn (credit-url,
    credit-name, later-date, no-date, distractor), the next ``triples`` are
    three-witness scenarios, and distractor bodies come from the rest.
    """
    rng = random.Random(seed)
    usable = sorted(p for p in truth if len(truth[p].get("articleBody", "").split()) >= MIN_WORDS)
    rng.shuffle(usable)
    first = [next(p for p in usable if p.startswith(prefix)) for prefix in pages]
    order = first + [p for p in usable if p not in first]
    if scenarios + triples + scenarios // len(VARIANTS) > len(order):
        raise ValueError(f"{scenarios} + {triples} scenarios need more than the {len(order)} usable pages")
    spare = iter(order[scenarios + triples :])
    chosen = [(p, VARIANTS[i % len(VARIANTS)]) for i, p in enumerate(order[:scenarios])]
    chosen += [(p, TRIPLE) for p in order[scenarios : scenarios + triples]]
    out = []
    for n, (page, variant) in enumerate(chosen):
        url, day, source, site = meta_of(page)
        gold_url = truth[page]["url"]
        host = site_of(gold_url) or "unknown.example"
        original = Original(page, f"{host}/{_name(rng)}.html", gold_url, url, day, source, _outlet(site, gold_url))
        base = day or FALLBACK_DAY
        if variant == TRIPLE:
            crediting, uncredited = rng.sample(range(len(REPRINTERS)), 2)
            kind: str | None = rng.choice(("url", "name"))
            copies: tuple[Copy, ...] = (
                _copy(rng, crediting, page, original, base, kind, dated=True, days=(0, 0), phrasings=phrasings),  # syndicated the same day
                _copy(rng, uncredited, page, original, base, None, dated=True, phrasings=phrasings),
            )
        else:
            body_of = next(spare) if variant == "distractor" else page
            kind = {"credit-url": "url", "credit-name": "name"}.get(variant)
            copies = (_copy(rng, rng.randrange(len(REPRINTERS)), body_of, original, base, kind, dated=variant != "no-date", phrasings=phrasings),)
        out.append(Scenario(f"s{n:02d}", variant, original, copies))
    return out


def _name(rng: random.Random) -> str:
    return f"{rng.getrandbits(40):010x}"


def _outlet(site: str | None, gold_url: str) -> str:
    """The name a reprinter would credit: the page's own site name when it reads as one, else its host.

    A site name reads as one when it is short, holds no ``|``, ``/`` or ``:``
    and is capitalised (or a domain): nobody writes "first published on
    cleveland", they write "cleveland.com".

    >>> _outlet("WSJ", "https://www.wsj.com/a"), _outlet("https://www.newsnation.in", "https://www.newsnation.in/x")
    ('WSJ', 'newsnation.in')
    >>> _outlet("Autoracing | F1 | Indy", "https://www.autoracing1.com/x"), _outlet("cleveland", "https://www.cleveland.com/x")
    ('autoracing1.com', 'cleveland.com')
    """
    if site and not re.search(r"[|/:]", site) and len(site) <= 40 and (site[0].isupper() or site[0].isdigit() or "." in site):
        return site
    return site_of(gold_url) or "the original"


def _copy(
    rng: random.Random,
    site_no: int,
    body_of: str,
    original: Original,
    base: str,
    credit: str | None,
    *,
    dated: bool,
    days: tuple[int, int] = (1, 21),
    phrasings: str = PLANTED,
) -> Copy:
    """A copy on reprinter site ``site_no``, dated ``days`` after ``base`` (when ``dated``)."""
    site = f"reprinter-{site_no + 1}.example"
    name = _name(rng)
    day = (_date.fromisoformat(base[:10]) + timedelta(days=rng.randint(*days))).isoformat() if dated else None
    path = f"/{day.replace('-', '/')}/{name}" if day and rng.random() < 1 / 3 else f"/news/{name}"
    credit_html = None
    if credit:
        # The planted form is always drawn, so the rest of the corpus is the
        # same for every set; another set picks its form with a draw of its own.
        form = rng.choice(_URL_CREDITS if credit == "url" else _NAME_CREDITS)
        if phrasings != PLANTED:
            by_url, by_name = PHRASINGS[phrasings]
            form = random.Random(f"{phrasings}/{name}").choice(by_url if credit == "url" else by_name)[1]
        credit_html = form.format(url=html.escape(original.gold_url), outlet=html.escape(original.outlet))
    placement = "top" if credit and rng.random() < 1 / 3 else "end"
    return Copy(f"{site}/{name}.html", site, REPRINTERS[site_no], f"https://{site}{path}", body_of, day, credit, credit_html, placement, rng.random() < 0.5)


# --------------------------------------------------------------------------- build


def copy_page(copy: Copy, body: str, rng: random.Random) -> str:
    """The HTML of a reprint page: another site's template around ``body`` (gold text, paragraphs by line)."""
    site_name = copy.site_name
    site_rng = random.Random(site_name)  # a site's template is the same on every page
    sections = site_rng.sample(_SECTIONS, 6)
    most_read = [form.format(t=topic) for form, topic in zip(site_rng.sample(_HEADLINE_FORMS, 4), site_rng.sample(_TOPICS, 4), strict=True)]
    lines = [line.strip() for line in body.split("\n") if line.strip()]
    words = re.sub(r"[^\w\s'’-]", "", lines[0]).split()[: rng.randint(6, 10)]
    headline = " ".join(words)[:1].upper() + " ".join(words)[1:]
    paragraphs = [f"<p>{html.escape(line)}</p>" for line in lines]
    if copy.intro:
        paragraphs.insert(0, f"<p><em>{html.escape(rng.choice(_INTROS).format(site=site_name))}</em></p>")
    if copy.credit_html:
        if copy.placement == "top":
            paragraphs.insert(0, copy.credit_html)
        else:
            paragraphs.append(copy.credit_html)
    head = [
        '<meta charset="utf-8">',
        f"<title>{html.escape(headline)} | {html.escape(site_name)}</title>",
        f'<link rel="canonical" href="{copy.url}">',
        f'<meta property="og:site_name" content="{html.escape(site_name)}">',
        f'<meta property="og:title" content="{html.escape(headline)}">',
        f'<meta property="og:url" content="{copy.url}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
    ]
    byline = f'<p class="byline">By {html.escape(site_name)} staff'
    if copy.date:
        stamp = f"{copy.date}T{rng.randint(6, 22):02d}:{rng.randint(0, 59):02d}:00+00:00"
        head.append(f'<meta property="article:published_time" content="{stamp}">')
        byline += f' · <time datetime="{stamp}">{_date.fromisoformat(copy.date).strftime("%B %d, %Y").replace(" 0", " ")}</time>'
    byline += "</p>"
    nav = "".join(f'<li><a href="/{s.lower()}">{s}</a></li>' for s in sections)
    aside = "".join(f'<li><a href="/news/{i}">{html.escape(h)}</a></li>' for i, h in enumerate(most_read))
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n' + "\n".join(head) + "\n</head>\n<body>\n"
        f'<header class="site-header"><a class="logo" href="/">{html.escape(site_name)}</a>'
        f'<nav><ul>{nav}</ul></nav><a href="/subscribe">Subscribe</a></header>\n'
        f'<main>\n<article>\n<h1>{html.escape(headline)}</h1>\n{byline}\n<div class="article-body">\n'
        + "\n".join(paragraphs)
        + "\n</div>\n</article>\n"
        f'<aside class="most-read"><h2>Most read</h2><ul>{aside}</ul></aside>\n</main>\n'
        f'<footer><p>© 2019 {html.escape(site_name)}. All rights reserved.</p>'
        '<p><a href="/about">About us</a> · <a href="/privacy">Privacy</a> · <a href="/contact">Contact</a></p></footer>\n'
        "</body>\n</html>\n"
    )


def build(folder: Path, scenarios: Sequence[Scenario], target: Path, seed: int = SEED) -> None:
    """Write every scenario's original (bytes unchanged) and copies under ``target``."""
    truth = load_truth(folder)
    rng = random.Random(seed + 1)
    for scenario in scenarios:
        original = scenario.original
        path = target / original.doc
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.decompress((folder / "html" / f"{original.page}.html.gz").read_bytes()))
        for copy in scenario.copies:
            path = target / copy.doc
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(copy_page(copy, truth[copy.body_of]["articleBody"], rng), encoding="utf-8")


def page_facts(folder: Path, page: str) -> PageFacts:
    """A page's own (url, date, date_source, site), read as a scan reads an ``.html`` file."""
    text = decode(gzip.decompress((folder / "html" / f"{page}.html.gz").read_bytes()), html=True).text
    meta = html_metadata(text, today=today())
    return meta.url, meta.date, meta.date_source, meta.site


# --------------------------------------------------------------------------- score


@dataclass(frozen=True)
class Target:
    """What counts as the original of a copy: its document, its URLs, its outlet's name,
    and the sources the original itself credits (an origin there is *upstream*)."""

    doc: str
    urls: tuple[str, ...] = ()
    outlet: str | None = None
    upstream_urls: tuple[str, ...] = ()
    upstream_names: tuple[str, ...] = ()


def outcome(origin: Mapping[str, Any] | None, target: Target, copies: Collection[str], copy_urls: Collection[str] = ()) -> str:
    """What an origin says about a copy's reprinted passage (see the module docstring).

    >>> t = Target("o.html", ("http://a.org/x",), "A News", ("https://wire.org/1",), ("News agencies",))
    >>> outcome({"document": "o.html", "url": None}, t, ["c.html"])
    'original'
    >>> outcome({"document": None, "url": "https://www.a.org/x/"}, t, ["c.html"])
    'original'
    >>> outcome({"document": None, "url": None, "name": "A News", "rule": "credit-name"}, t, ["c.html"])
    'named'
    >>> outcome({"document": None, "url": None, "name": "news agencies", "rule": "credit-name"}, t, ["c.html"])
    'upstream'
    >>> outcome({"document": None, "url": None, "name": None, "rule": "none"}, t, ["c.html"])
    'unknown'
    >>> outcome({"document": "c.html", "url": "https://r.example/c"}, t, ["c.html"])
    'copy'
    >>> outcome({"document": None, "url": "https://b.org/y"}, t, ["c.html"])
    'other'
    """
    if origin is None:
        return "unknown"
    doc, url, name = origin.get("document"), origin.get("url"), origin.get("name")
    if doc == target.doc:
        return "original"
    norm = normalize_url(url) if url else None
    if doc is None and norm and norm in {normalize_url(u) for u in target.urls}:
        return "original"
    if (norm and norm in {normalize_url(u) for u in target.upstream_urls}) or (name and _key(name) in {_key(n) for n in target.upstream_names}):
        return "upstream"
    if doc is None and url is None:
        if origin.get("rule") == "none" or not name:
            return "unknown"
        return "named" if target.outlet and _key(name) == _key(target.outlet) else "other"
    if doc in copies or (doc is None and norm and norm in {normalize_url(u) for u in copy_urls}):
        return "copy"
    return "other"


def _key(name: str) -> str:
    """A name reduced for comparison.

    >>> _key("The Wall-Street Journal")
    'wallstreetjournal'
    """
    name = name.strip().lower()
    return re.sub(r"[\W_]+", "", name[4:] if name.startswith("the ") else name)


def linking_passages(report: Mapping[str, Any], a: str, b: str) -> list[Mapping[str, Any]]:
    """Passages of ``a`` that match ``b``, longest first.

    >>> r = {"passages": [{"document": "a", "start": 0, "end": 5, "matches": [{"document": "b"}]},
    ...                   {"document": "a", "start": 9, "end": 90, "matches": [{"document": "b"}]},
    ...                   {"document": "a", "start": 0, "end": 99, "matches": [{"document": "c"}]}]}
    >>> [p["end"] for p in linking_passages(r, "a", "b")]
    [90, 5]
    """
    found = [p for p in report["passages"] if p["document"] == a and any(m["document"] == b for m in p["matches"])]
    return sorted(found, key=lambda p: (p["start"] - p["end"], p["start"]))


def decidable(variant: str, credit: str | None, original: Mapping[str, Any]) -> bool:
    """Whether the planted evidence decides the origin (see the module docstring).

    ``credit`` is how the copy credits the original (``"url"``, ``"name"`` or
    None); ``original`` is the original's entry in the report's ``documents``.

    >>> decidable("later-date", None, {"date": "2019-11-19", "date_source": "html-meta"})
    True
    >>> decidable("later-date", None, {"date": "2019-11-19", "date_source": "htmldate"})
    False
    >>> decidable("credit-name", "name", {"site": "WSJ"}), decidable(TRIPLE, "name", {"url": None, "site": None})
    (True, False)
    >>> decidable("no-date", None, {"date": "2019-11-19", "date_source": "html-meta"})
    False
    """
    if credit == "url":
        return True
    if credit == "name":
        return bool(original.get("url") or original.get("site"))
    if variant == "later-date":
        return original.get("date") is not None and (original.get("date_source") or "") not in GUESSED_DATE_SOURCES
    return False


def expected(variant: str, credit: str | None, decided: bool) -> frozenset[str]:
    """The outcomes that count as correct for one copy.

    >>> sorted(expected("no-date", None, False)), sorted(expected("credit-name", "name", False))
    (['original', 'unknown', 'upstream'], ['named', 'original', 'upstream'])
    """
    if variant == "distractor":
        return frozenset({"unlinked"})
    if decided:
        return RIGHT
    if credit == "name":
        return RIGHT | {"named"}
    return RIGHT | {"unknown"}


def earliest_date_baseline(witnesses: Mapping[str, str | None]) -> str | None:
    """The witness dated strictly before every other dated one, or None.

    >>> earliest_date_baseline({"a": "2019-11-02", "b": "2019-11-09", "c": None})
    'a'
    >>> earliest_date_baseline({"a": "2019-11-02", "b": "2019-11-02"}) is None
    True
    """
    dated = sorted((d[:10], doc) for doc, d in witnesses.items() if d)
    if not dated or (len(dated) > 1 and dated[0][0] == dated[1][0]):
        return None
    return dated[0][1]


def score(scenarios: Sequence[Scenario], report: Mapping[str, Any]) -> dict[str, Any]:
    """Score the scan of a planted corpus: one row per copy, then the figures."""
    docs = {d["id"]: d for d in report["documents"]}
    all_copies = {c.doc for s in scenarios for c in s.copies}
    rows: list[dict[str, Any]] = []
    for s in scenarios:
        o = s.original
        own = docs.get(o.doc, {})
        copy_ids = [c.doc for c in s.copies]
        witnesses = {o.doc: own.get("date"), **{c: docs.get(c, {}).get("date") for c in copy_ids}}
        for i, c in enumerate(s.copies):
            seen = docs.get(c.doc, {})
            passages = linking_passages(report, c.doc, o.doc)
            role = "distractor" if s.variant == "distractor" else ("crediting" if c.credit else "uncredited") if s.variant == TRIPLE else "copy"
            origins = [p.get("origin") or {} for p in passages]
            credits = own.get("credits") or []
            target = Target(
                o.doc,
                tuple(u for u in (o.gold_url, own.get("url")) if u),
                o.outlet,
                tuple(c["url"] for c in credits if c.get("url")),
                tuple(c["name"] for c in credits if c.get("name")),
            )
            kinds = [outcome(g, target, all_copies, [c.url]) for g in origins]
            got = kinds[0] if kinds else "unlinked"
            linked_docs = sorted({m["document"] for p in report["passages"] if p["document"] == c.doc and p["kind"] != "boilerplate" for m in p["matches"]})
            credit = s.copies[0].credit if s.variant == TRIPLE else c.credit  # a triple is decided by its crediting copy
            ok = s.variant != "distractor" and decidable(s.variant, credit, own)
            wanted = expected(s.variant, credit, ok)
            baseline = earliest_date_baseline(witnesses) if passages else None
            rows.append(
                {
                    "scenario": s.key,
                    "variant": s.variant,
                    "role": role,
                    "copy": c.doc,
                    "original": o.doc,
                    "page": o.page,
                    "decidable": ok,
                    "expected": sorted(wanted),
                    "outcome": got,
                    "correct": got in wanted,
                    "mixed": len(set(kinds)) > 1,
                    "rule": origins[0].get("rule") if origins else None,
                    "confidence": origins[0].get("confidence") if origins else None,
                    "evidence": (origins[0].get("evidence") or [None])[0] if origins else None,
                    "origin": {k: origins[0].get(k) for k in ("document", "url", "name")} if origins else None,
                    "original_date": own.get("date"),
                    "original_date_source": own.get("date_source"),
                    "original_url": own.get("url"),
                    "copy_date": seen.get("date"),
                    "copy_date_source": seen.get("date_source"),
                    "credit": c.credit,
                    "credit_found": bool(seen.get("credits")),
                    "placement": c.placement if c.credit else None,
                    "baseline_right": baseline == o.doc,
                    "linked_elsewhere": [d for d in linked_docs if d != o.doc],
                    "index": i,
                }
            )
    return _figures(rows)


def _figures(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    positives = [r for r in rows if r["variant"] != "distractor"]
    distractors = [r for r in rows if r["variant"] == "distractor"]
    decided = [r for r in positives if r["decidable"]]
    crediting = [r for r in positives if r["credit"]]
    credited = [r for r in crediting if r["decidable"]]
    by_variant: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in positives:
        by_variant[r["variant"]].append(r)
    right = [r["confidence"] for r in positives if r["outcome"] in RIGHT]
    wrong = [r["confidence"] for r in positives if r["outcome"] in ("copy", "other")]
    figures: dict[str, Any] = {
        "origin_accuracy": ratio(sum(r["outcome"] == "original" for r in decided), len(decided)),
        "link_recall": ratio(sum(r["outcome"] != "unlinked" for r in positives), len(positives)),
        "correct": ratio(sum(r["correct"] for r in positives), len(positives)),
        "upstream": sum(r["outcome"] == "upstream" for r in positives),
        "accuracy": {v: ratio(sum(r["correct"] for r in by_variant[v]), len(by_variant[v])) for v in (*VARIANTS[:-1], TRIPLE) if by_variant[v]},
        "distractor_false_links": sum(r["outcome"] != "unlinked" for r in distractors),
        "confidence": {"right": ratio(sum(right), len(right)), "wrong": ratio(sum(wrong), len(wrong))},
        "decided_right": sum(r["outcome"] == "original" for r in decided),
        "wrong_origins": sum(r["outcome"] in ("copy", "other") for r in positives),
        # Decided by a credit: the crediting copies the evidence decides.
        "credited_accuracy": ratio(sum(r["outcome"] == "original" for r in credited), len(credited)),
        "credit_found": ratio(sum(r["credit_found"] for r in crediting), len(crediting)),
    }
    counts = {
        "decided_right": len(decided),
        "wrong_origins": len(positives),
        "distractor_false_links": len(distractors),
    }
    table = {
        v: {
            "copies": len(by_variant[v]),
            "decidable": sum(r["decidable"] for r in by_variant[v]),
            "outcomes": dict(Counter(r["outcome"] for r in by_variant[v]).most_common()),
            "rules": dict(Counter(str(r["rule"]) for r in by_variant[v]).most_common()),
        }
        for v in (*VARIANTS[:-1], TRIPLE)
        if by_variant[v]
    }
    baseline = ratio(sum(r["baseline_right"] for r in decided), len(decided))
    failures = [{k: v for k, v in r.items() if k != "index"} for r in rows if not r["correct"]]
    return {
        "figures": figures,
        "totals": counts,
        "anchors": {"origin_accuracy": round(baseline, 4) if baseline is not None else None},
        "details": {
            "by_variant": table,
            "distractors_linked_anywhere": sum(bool(r["linked_elsewhere"]) for r in distractors),
            "mixed_origins": [r["copy"] for r in rows if r["mixed"]],
            "failures": failures[:LISTED],
        },
        "rows": rows,
    }


# --------------------------------------------------------------------------- run


def evaluate(
    folder: Path,
    *,
    scenarios: int = SCENARIOS,
    triples: int = TRIPLES,
    seed: int = SEED,
    pages: Sequence[str] = (),
    keep: Path | None = None,
    config: provenance.Config | None = None,
    phrasings: str = PLANTED,
) -> dict[str, Any]:
    """Plant the scenarios from the pages under ``folder``, scan them as one corpus, score.

    ``pages``: ids (or leading parts) of pages to use first (see :func:`plan`);
    ``keep``: write the corpus there (and leave it) instead of a temporary folder;
    ``phrasings``: the credit forms the copies use (:data:`PHRASINGS`).
    """
    t0 = time.perf_counter()
    truth = load_truth(folder)
    planned = plan(truth, lambda page: page_facts(folder, page), scenarios=scenarios, triples=triples, seed=seed, pages=pages, phrasings=phrasings)
    with tempfile.TemporaryDirectory(prefix="provenance-origins-") as tmp:
        target = keep or Path(tmp)
        build(folder, planned, target, seed)
        t1 = time.perf_counter()
        report, seconds = timed_scan([target], config)
    data = report.to_dict()
    scored = score(planned, data)
    wall = time.perf_counter() - t0
    figures = {**scored["figures"], "scenarios": len(planned), "documents": len(data["documents"]), "wall_seconds": round(wall, 2)}
    return result(
        f"{FOLDER} (planted reprints)",
        figures,
        totals=scored["totals"],
        anchors=scored["anchors"],
        anchor_source=ANCHOR_SOURCE,
        aims=AIMS,
        details={**scored["details"], "skipped": [s["path"] for s in data["skipped"]], "passages": len(data["passages"])},
        settings={**settings(config), "seed": seed, "scenarios": scenarios, "triples": triples, "min_words": MIN_WORDS, "phrasings": phrasings},
        timings={"scan_seconds": seconds, "plan_and_build_seconds": t1 - t0},
    )


def run(root: Path, config: provenance.Config | None = None) -> dict[str, Any]:
    """Plant :data:`SCENARIOS` + :data:`TRIPLES` scenarios from ``root / FOLDER`` and score them,
    once with the planted credit forms and once with the held-out ones
    (``figures.held_out_phrasings``: the same scenarios, other credit lines;
    ``lines`` is :func:`recognised_lines`)."""
    out = evaluate(Path(root) / FOLDER, config=config)
    for phrasings, key in ((HELD_OUT, "held_out_phrasings"), (HELD_OUT_LATER, "held_out_later_phrasings")):
        held = evaluate(Path(root) / FOLDER, config=config, phrasings=phrasings)
        out["figures"][key] = rounded({
            **{k: held["figures"][k] for k in ("credited_accuracy", "credit_found", "origin_accuracy", "correct")},
            "lines": recognised_lines(phrasings),
        })
        out["details"][key.replace("phrasings", "failures")] = [f for f in held["details"]["failures"] if f["credit"]]
    return out


_LINE_OUTLETS = (
    ("WSJ", "https://www.wsj.com/articles/markets-rally-11574178000"),
    ("The Moscow Times", "https://www.themoscowtimes.com/2019/11/19/kremlin-says-a68249"),
    ("Coastal Observer", "https://coastalobserver.com/news/2019/11/19/harbor-plan/"),
    ("cleveland.com", "https://www.cleveland.com/news/2019/11/city-council-votes.html"),
)
_LINE_BODY = (
    "<p>The council voted on Tuesday to extend the harbor plan for another five years, after a long "
    "debate about the cost of dredging and the future of the fishing fleet.</p>\n"
    "<p>Supporters said the plan would protect jobs; critics said it left the small boats behind and "
    "asked for a review of the budget before the next season opens in the spring.</p>"
)


def recognised_lines(phrasings: str = HELD_OUT) -> dict[str, Any]:
    """How many credit lines of a set the reader recognises, line by line.

    Each form is filled with each of a few outlets (name and article URL),
    put after two paragraphs of an article page and read as a scan reads an
    ``.html`` file; a form by URL is recognised when a credit of the page
    carries that URL, a form by name when a credit names that outlet (or
    its URL's site). Returns the share overall, per language and per kind,
    and the forms missed.
    """
    import os

    from provenance.read import read_path

    found: dict[str, list[bool]] = defaultdict(list)
    missed: set[str] = set()
    by_url, by_name = PHRASINGS[phrasings]
    with tempfile.TemporaryDirectory(prefix="provenance-credit-lines-") as tmp:
        for kind, forms in (("url", by_url), ("name", by_name)):
            for n, (language, form) in enumerate(forms):
                for m, (outlet, url) in enumerate(_LINE_OUTLETS):
                    line = form.format(url=html.escape(url), outlet=html.escape(outlet))
                    page = f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>Harbor plan</title></head><body><article><h1>Harbor plan extended</h1>{_LINE_BODY}\n{line}</article></body></html>'
                    path = os.path.join(tmp, f"{kind}-{n}-{m}.html")
                    Path(path).write_text(page, encoding="utf-8")
                    docs, _, _ = read_path(path)
                    credits = docs[0].credits if docs else ()
                    if kind == "url":
                        ok = any(c.url and normalize_url(c.url) == normalize_url(url) for c in credits)
                    else:
                        ok = any((c.name and _key(c.name) == _key(outlet)) or (c.url and site_of(c.url) == site_of("http://" + outlet)) for c in credits)
                    for group in ("all", language, kind):
                        found[group].append(ok)
                    if not ok:
                        missed.add(form)
    return {
        "recognised": {group: ratio(sum(oks), len(oks)) for group, oks in sorted(found.items())},
        "lines": len(found["all"]),
        "forms_missed": sorted(missed),
    }
