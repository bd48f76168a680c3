"""Metadata: what a document says about itself (own URL, publication date, title, site).

Sources, strongest first:

* the HTML page's own claims: ``<link rel="canonical">``, ``og:url``, JSON-LD
  ``url`` for the address; ``article:published_time`` and similar ``<meta>``
  tags, JSON-LD ``datePublished`` and ``<time datetime>`` for the date;
* the URL path (``/2017/05/12/``, ``/20170512/``, Sputnik-style ids
  ``201705121053…``);
* htmldate's page-wide search, used only when the page states no date itself
  (its guesses are marked ``date_source="htmldate"`` so that callers can give
  them less weight);
* a dateline near the start of a plain text (``May 12 16:20 2017``);
* a ``NAME.meta.json`` sidecar beside a file, or a ``manifest.csv`` /
  ``manifest.jsonl`` in its folder.

Dates are days (``YYYY-MM-DD``). A day-less date such as the ``/2016/12/`` of a
URL is not a date: ``date`` stays None.

Every date parser takes ``today``, the day dates are read as of
(``Config.today``, passed down from ``read.read_source``): a year after the
next one is implausible, and htmldate guesses no day after it. Nothing here
reads the clock.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date as _date
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from provenance.models import Meta
from provenance.urls import site_of

GUESSED_DATE_SOURCES: frozenset[str] = frozenset({"htmldate"})
"""Date sources that are guesses rather than statements (weak evidence of order)."""

CRAWL_DATE_SOURCE = "crawl"
"""The ``date_source`` of a web archive's page that states no date: the day it
was crawled (WARC-Date), which only bounds its publication from above."""

METADATA_KEYS: tuple[str, ...] = ("url", "date", "title", "site")
"""The keys a sidecar or manifest may set."""

_MIN_YEAR = 1990
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH_RE = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_TIME_RE = r"(?:\d{1,2}[:.]\d{2}(?::\d{2})?(?:\s*[ap]\.?\s?m\.?)?(?:\s*[A-Z]{2,4})?)"

# Textual date patterns, tried in order on a dateline or a meta value.
_TEXT_DATE_RES = (
    # 2017-05-12, 2017/05/12, 2017.05.12 (with an optional time after it)
    re.compile(r"(?<!\d)(?P<year>\d{4})(?P<sep>[-/.])(?P<mnum>\d{1,2})(?P=sep)(?P<day>\d{1,2})(?!\d)"),
    # May 12, 2017 / May 12 16:20 2017 / May 12th, 2017, 4:20 pm
    re.compile(
        rf"\b{_MONTH_RE}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?:{_TIME_RE},?\s+)?(?P<year>\d{{4}})(?!\d)",
        re.I,
    ),
    # 12 May 2017 / 12th of May, 2017 / 12. May 2017
    re.compile(
        rf"(?<!\d)(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\.?\s+(?:of\s+)?{_MONTH_RE},?\s+(?P<year>\d{{4}})(?!\d)",
        re.I,
    ),
    # 12.05.2017 (the European day-first convention; slashes are left alone: 05/12 is ambiguous)
    re.compile(r"(?<![\d.])(?P<day>\d{1,2})\.(?P<mnum>\d{1,2})\.(?P<year>\d{4})(?!\d)"),
)

_DATELINE_LINE = 100  # a line this short is a dateline or byline, not prose
_DATELINE_LEAD = 40  # or the date opens its line: "MOSCOW, 12 May 2017 — …"

_URL_DAY_RES = (
    # /2017/05/12/ or /2017-05-12 or _2017_05_12
    re.compile(r"(?<!\d)(?P<year>(?:19|20)\d{2})[/_-](?P<month>\d{1,2})[/_-](?P<day>\d{1,2})(?!\d)"),
)
_URL_DIGITS_RE = re.compile(r"(?<!\d)(?:19|20)\d{6,}(?!\d)")


# --------------------------------------------------------------------------- dates


def _day(year: int, month: int, day: int, today: _date) -> str | None:
    """The ISO day, or None when it does not exist or is implausible for a web
    page (before 1990, or after the year following ``today``)."""
    if not _MIN_YEAR <= year <= today.year + 1:
        return None
    try:
        return _date(year, month, day).isoformat()
    except ValueError:
        return None


def parse_date(value: str, *, today: _date) -> str | None:
    """The day a date string names, as ``YYYY-MM-DD``; None when it names no full day.

    The local day as written is kept: ``2017-05-12T23:30:00-04:00`` is the 12th.

    >>> day = _date(2026, 12, 2)
    >>> parse_date("2017-05-12T16:20:00+03:00", today=day), parse_date("Fri, 12 May 2017 13:20:00 GMT", today=day)
    ('2017-05-12', '2017-05-12')
    >>> parse_date("May 12th, 2017", today=day), parse_date("12.05.2017", today=day), parse_date("20170512", today=day)
    ('2017-05-12', '2017-05-12', '2017-05-12')
    >>> parse_date("May 2017", today=day) is None, parse_date("2017-13-01", today=day) is None
    (True, True)
    >>> parse_date("2027-05-12", today=day), parse_date("2027-05-12", today=_date(2025, 12, 31))
    ('2027-05-12', None)
    """
    value = value.strip()
    if not value:
        return None
    compact = re.match(r"(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})(?:$|T|\s|\d{4,6}$)", value)
    if compact:
        return _day(int(compact["year"]), int(compact["month"]), int(compact["day"]), today)
    for pattern in _TEXT_DATE_RES:
        match = pattern.search(value)
        if match:
            return _match_day(match, today)
    return None


def _match_day(match: re.Match[str], today: _date) -> str | None:
    groups = match.groupdict()
    month = int(groups["mnum"]) if groups.get("mnum") else _MONTHS[groups["month"].lower().rstrip(".")]
    return _day(int(groups["year"]), month, int(groups["day"]), today)


def date_from_url(url: str | None, *, today: _date) -> str | None:
    """The publication day written in a URL's path, or None.

    Recognises ``/2017/05/12/``, ``2017-05-12`` and digit runs that start with
    ``YYYYMMDD`` (``/20170512/``; Sputnik-style ids ``201705121053539022``,
    where the 4 digits after the day must read as a time ``hhmm``). A URL with
    only a month (``/2016/12/``) has no day.

    >>> day = _date(2026, 12, 2)
    >>> date_from_url("https://sputniknews.com/world/201705121053539022-russia-china/", today=day)
    '2017-05-12'
    >>> date_from_url("https://example.com/news/2020/6/7/story.html", today=day)
    '2020-06-07'
    >>> date_from_url("http://thediplomat.com/2016/12/behind-china/", today=day) is None
    True
    """
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    path = parts.path + ("?" + parts.query if parts.query else "")
    for pattern in _URL_DAY_RES:
        for match in pattern.finditer(path):
            day = _day(int(match["year"]), int(match["month"]), int(match["day"]), today)
            if day:
                return day
    for match in _URL_DIGITS_RE.finditer(path):
        digits = match.group()
        if len(digits) == 8 or (len(digits) >= 12 and int(digits[8:10]) < 24 and int(digits[10:12]) < 60):
            day = _day(int(digits[:4]), int(digits[4:6]), int(digits[6:8]), today)
            if day:
                return day
    return None


_YEAR_RE = re.compile(r"(?<!\d)\d{4}(?!\d)")


def dateline_date(text: str, *, today: _date, within: int = 600) -> str | None:
    """The date of a dateline near the start of a text, as ``YYYY-MM-DD``.

    Looks only at the first ``within`` characters, where a byline or dateline
    sits, and only at dates that stand on a short line of their own or open
    their line (``MOSCOW, 12 May 2017 —``): a date inside a sentence is more
    likely an event the text reports. Numeric dates with slashes
    (``05/12/2017``) are ambiguous and ignored.

    >>> day = _date(2026, 12, 2)
    >>> dateline_date("Title\\nMay 12\\n16:20 2017\\n\\nIn an interview ...", today=day)
    '2017-05-12'
    >>> dateline_date("MOSCOW, 12 May 2017 - ...", today=day), dateline_date("Posted 2017-05-12 by admin", today=day)
    ('2017-05-12', '2017-05-12')
    >>> dateline_date("x" * 700 + "May 12, 2017", today=day) is None
    True
    """
    head = text[:within]
    if not _YEAR_RE.search(head):  # every dateline form names its year
        return None
    best: tuple[int, str] | None = None
    for pattern in _TEXT_DATE_RES:
        for match in pattern.finditer(head):
            if best is not None and match.start() >= best[0]:
                break
            line_start = head.rfind("\n", 0, match.start()) + 1
            line_end = text.find("\n", match.start())
            line_end = len(text) if line_end < 0 else line_end
            if line_end - line_start > _DATELINE_LINE and match.start() - line_start > _DATELINE_LEAD:
                continue
            day = _match_day(match, today)
            if day:
                best = (match.start(), day)
                break
    return best[1] if best else None


# --------------------------------------------------------------------------- HTML

# <meta> keys (property, name or itemprop, lower-cased) that state the publication
# time, most specific first. Modification dates are left out on purpose.
_PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "article:published",
    "published_time",
    "datepublished",
    "rnews:datepublished",
    "article.published",
    "parsely-pub-date",
    "sailthru.date",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "published-date",
    "published_date",
    "publication_date",
    "publication-date",
    "pub_date",
    "date_published",
    "article_date_original",
    "originalpublicationdate",
    "cxenseparse:recs:publishtime",
    "citation_publication_date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date.created",
    "dcterms.created",
    "dc.date",
    "dcterms.date",
    "date",
)
_META_RANK = {key: rank for rank, key in enumerate(_PUBLISHED_META)}
_ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "blogposting",
    "report",
    "scholarlyarticle",
    "liveblogposting",
    "webpage",
    "socialmediaposting",
    "backgroundnewsarticle",
    "techarticle",
    "videoobject",
}


def html_metadata(html: str, *, today: _date, url: str | None = None, htmldate_fallback: bool = True) -> Meta:
    """What an HTML page says about itself.

    Own URL: ``<link rel="canonical">``, else ``og:url``, else the JSON-LD
    article's ``url``, else ``url`` (where the page was fetched from). Date:
    the page's ``<meta>`` publication tags, JSON-LD ``datePublished``,
    ``<time datetime>``, the URL path, and last (when ``htmldate_fallback``)
    htmldate's page-wide search. Title: ``og:title``, JSON-LD ``headline``,
    ``<title>``. Site: ``og:site_name``, else the host without ``www.``.
    Dates are read as of ``today`` (see the module's description).

    Never raises on bad HTML: an unparsable page gives a ``Meta`` with only
    what ``url`` tells.

    Example:
        >>> page = '''<html><head><link rel="canonical" href="https://www.example.org/a/">
        ... <meta property="article:published_time" content="2017-05-12T16:20:00+03:00">
        ... <meta property="og:site_name" content="Example News"></head><body></body></html>'''
        >>> m = html_metadata(page, url="https://example.org/a/?utm_source=feed", today=_date(2026, 12, 2))
        >>> (m.url, m.date, m.date_source, m.site)
        ('https://www.example.org/a/', '2017-05-12', 'html-meta', 'Example News')
    """
    tree = _parse(html)
    if tree is None:
        return _from_url_only(url, today)
    metas = _meta_values(tree)
    articles = list(_jsonld_articles(tree))

    own = _own_url(tree, metas, articles, url)

    title = _first(metas.get("og:title")) or _first(metas.get("twitter:title"))
    if not title:
        title = next((_text(a.get("headline")) for a in articles if _text(a.get("headline"))), None)
    if not title:
        node = tree.find(".//title")
        title = _clean_space(node.text_content()) if node is not None else None
    site = _first(metas.get("og:site_name")) or site_of(own) or site_of(url)

    # A syndicated page's canonical address (another site) usually carries the
    # original's day, which the reprint shares; it is the last URL to ask.
    url_day = date_from_url(url, today=today) or date_from_url(own, today=today) or date_from_url(_canonical(tree, url), today=today)
    found = _stated_date(tree, metas, articles, url_day, today)
    if found is None and url_day:
        found = (url_day, "url")
    if found is None and htmldate_fallback:
        guessed = _htmldate(html, url or own, today)
        if guessed:
            found = (guessed, "htmldate")
    day, source = found if found else (None, None)
    return Meta(url=own or None, date=day, date_source=source, title=title or None, site=site)


def _own_url(tree: Any, metas: dict[str, str], articles: list[dict[str, Any]], url: str | None) -> str | None:
    """The page's own address: canonical, og:url, JSON-LD url, else ``url``.

    A claim that points to another site than ``url`` is not this page's own
    address but the original it syndicates (MSN pages name CNN as canonical):
    then ``url`` stays the address, and ``provenance.credits.html_credits``
    reports the claim as a credit.
    """
    for claim in (_canonical(tree, url), _first(metas.get("og:url")), _jsonld_url(articles, url)):
        if not claim:
            continue
        if not claim.startswith(("http://", "https://")):
            if not url:
                continue
            claim = urljoin(url, claim)
        if url and site_of(claim) != site_of(url):
            return url
        return claim
    return url


def _from_url_only(url: str | None, today: _date) -> Meta:
    day = date_from_url(url, today=today)
    return Meta(url=url, date=day, date_source="url" if day else None, site=site_of(url))


def _parse(html: str) -> Any:
    import lxml.html

    # lxml refuses str input that carries an XML encoding declaration.
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)
    if not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html)
    except (ValueError, TypeError, lxml.etree.ParserError):
        return None


def _clean_space(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    return value or None


def _first(*values: str | None) -> str | None:
    for value in values:
        value = _clean_space(value)
        if value:
            return value
    return None


def _text(value: object) -> str | None:
    if isinstance(value, str):
        return _clean_space(value)
    return None


def _meta_values(tree: Any) -> dict[str, str]:
    """First value of each ``<meta>`` key (property, name, itemprop or http-equiv)."""
    values: dict[str, str] = {}
    for node in tree.iter("meta"):
        content = node.get("content")
        if content is None or not content.strip():
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = node.get(attr)
            if key:
                values.setdefault(key.strip().lower(), content.strip())
    return values


def _canonical(tree: Any, base: str | None) -> str | None:
    for node in tree.iter("link"):
        rel = (node.get("rel") or "").lower().split()
        href = (node.get("href") or "").strip()
        if "canonical" in rel and href:
            return urljoin(base, href) if base else href
    return None


def _jsonld_objects(tree: Any) -> Iterator[dict[str, Any]]:
    for node in tree.iter("script"):
        if (node.get("type") or "").strip().lower() != "application/ld+json":
            continue
        raw = (node.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw, strict=False)
        except json.JSONDecodeError:
            # Some sites end a JSON-LD block with a stray comma or semicolon.
            try:
                data = json.loads(re.sub(r"[;,]\s*$", "", raw), strict=False)
            except json.JSONDecodeError:
                continue
        yield from _walk_jsonld(data)


def _walk_jsonld(data: object, depth: int = 0) -> Iterator[dict[str, Any]]:
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data:
            yield from _walk_jsonld(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        graph = data.get("@graph")
        if graph is not None:
            yield from _walk_jsonld(graph, depth + 1)


def _types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.lower() for k in kinds if isinstance(k, str)}


def _jsonld_articles(tree: Any) -> Iterator[dict[str, Any]]:
    """JSON-LD objects that describe the page's article, articles before web pages."""
    objects = [obj for obj in _jsonld_objects(tree) if _types(obj) & _ARTICLE_TYPES]
    objects.sort(key=lambda obj: "webpage" in _types(obj))
    yield from objects


def _jsonld_url(articles: list[dict[str, Any]], base: str | None) -> str | None:
    for obj in articles:
        for key in ("url", "mainEntityOfPage"):
            value = obj.get(key)
            if isinstance(value, dict):
                value = value.get("@id") or value.get("url")
            if isinstance(value, str) and value.strip().startswith(("http://", "https://", "/")):
                return urljoin(base, value.strip()) if base else value.strip()
    return None


_ZONE_RE = re.compile(r"(?P<hour>\d{1,2}):\d{2}(?::\d{2})?(?:[.,]\d+)?\s*(?P<zone>Z|[+-]\d{2}:?\d{2}|GMT|UTC)?(?:\s|$|\|)", re.I)


@dataclass(frozen=True)
class _Stamp:
    """A publication day a page states, and whether it was written in UTC."""

    day: str
    source: str
    utc: bool
    offset: bool
    hour: int | None = None


def _stamp(value: str | None, source: str, today: _date) -> _Stamp | None:
    if not value:
        return None
    day = parse_date(value, today=today)
    if day is None:
        return None
    zone = _ZONE_RE.search(value)
    name = (zone["zone"] or "").upper().replace(":", "") if zone else ""
    utc = name in {"Z", "+0000", "-0000", "GMT", "UTC"}
    hour = int(zone["hour"]) if zone else None
    return _Stamp(day, source, utc=utc, offset=bool(name) and not utc, hour=hour)


def _day_gap(a: str, b: str) -> int:
    return abs((_date.fromisoformat(a) - _date.fromisoformat(b)).days)


def _local_day_may_be(day: str, stamp: _Stamp) -> bool:
    """Whether a UTC stamp can fall on ``day`` in some publisher's time zone.

    Zones run from UTC-10 (Hawaii) to UTC+14: the day before needs a UTC hour
    before 10, the day after one from 10 on.
    """
    assert stamp.hour is not None
    delta = (_date.fromisoformat(day) - _date.fromisoformat(stamp.day)).days
    return (delta == -1 and stamp.hour < 10) or (delta == 1 and stamp.hour >= 10)


def _stated_date(tree: Any, metas: dict[str, str], articles: list[dict[str, Any]], url_day: str | None, today: _date) -> tuple[str, str] | None:
    """The publication day the page states, with its source.

    The most specific statement wins, with one correction: a time written in
    UTC (``Z``, ``+00:00``) may fall on the day after or before the day in the
    publisher's own time zone (``2020-05-02T02:54Z`` from New York is May 1).
    Then a statement of the same moment with a local offset, or else the day
    in the URL (publishers write their local day there), is taken instead.
    """
    stamps = [s for s in _stamps(tree, metas, articles, today) if s is not None]
    if not stamps:
        return None
    first = stamps[0]
    if first.utc:
        for other in stamps[1:]:
            if other.offset and _day_gap(other.day, first.day) <= 1:
                return other.day, other.source
        if url_day and first.hour is not None and _local_day_may_be(url_day, first):
            return url_day, "url"
    return first.day, first.source


def _stamps(tree: Any, metas: dict[str, str], articles: list[dict[str, Any]], today: _date) -> Iterator[_Stamp | None]:
    for _, value in sorted((_META_RANK[key], value) for key, value in metas.items() if key in _META_RANK):
        yield _stamp(value, "html-meta", today)
    for obj in articles:
        for key in ("datePublished", "dateCreated", "uploadDate"):
            raw = obj.get(key)
            if isinstance(raw, str):
                yield _stamp(raw, "json-ld", today)
    # itemprop="datePublished" on a visible element (microdata), then <time datetime>.
    for node in tree.xpath('//*[@itemprop="datePublished"]'):
        yield _stamp(node.get("datetime") or node.get("content") or node.text_content(), "html-meta", today)
    times = list(tree.iter("time"))
    for node in times:
        if node.get("pubdate") is not None or "publish" in (node.get("class") or "").lower():
            yield _stamp(node.get("datetime"), "time-tag", today)
    for node in times:
        yield _stamp(node.get("datetime"), "time-tag", today)


def _htmldate(html: str, url: str | None, today: _date) -> str | None:
    try:
        import htmldate

        found = htmldate.find_date(html, url=url, original_date=True, extensive_search=True, max_date=today.isoformat())
    except Exception:  # noqa: BLE001 - a date guess must never stop a scan
        return None
    if not isinstance(found, str) or parse_date(found, today=today) != found:
        return None
    # htmldate falls back to January 1st of a copyright year: a year, not a day.
    return None if found.endswith("-01-01") else found


# --------------------------------------------------------------------------- sidecars


def _clean_record(record: dict[str, Any], where: str) -> tuple[dict[str, str], list[str]]:
    """Keep the known keys with string values; dates reduced to ``YYYY-MM-DD``."""
    out: dict[str, str] = {}
    problems: list[str] = []
    for key in METADATA_KEYS:
        value = record.get(key)
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            problems.append(f"{where}: '{key}' should be a string, not {type(value).__name__}; ignored")
            continue
        value = value.strip()
        if key == "date":
            day = iso_day(value)
            if day is None:
                problems.append(f"{where}: date {value!r} is not an ISO 8601 day (YYYY-MM-DD); ignored")
                continue
            value = day
        if value:
            out[key] = value
    if "site" not in out and out.get("url"):
        site = site_of(out["url"])
        if site:
            out["site"] = site
    return out, problems


def iso_day(value: str) -> str | None:
    """``YYYY-MM-DD`` of an ISO 8601 date or date-time.

    >>> iso_day("2017-05-12T16:20:00Z"), iso_day("20170512"), iso_day("12 May 2017")
    ('2017-05-12', '2017-05-12', None)
    """
    match = re.fullmatch(r"(\d{4})-?(\d{2})-?(\d{2})(?:[T ][0-9:.,]+(?:Z|[+-]\d{2}:?\d{2})?)?", value.strip())
    if not match:
        return None
    try:
        return _date(int(match[1]), int(match[2]), int(match[3])).isoformat()
    except ValueError:
        return None


SIDECAR_SUFFIX = ".meta.json"
"""A sidecar's name: its file's name and this."""


def sidecar_path(path: str | os.PathLike[str]) -> Path:
    """Where the sidecar of a file lives: ``NAME.meta.json`` beside ``NAME``.

    >>> sidecar_path("corpus/a.html").as_posix()
    'corpus/a.html.meta.json'
    """
    p = Path(path)
    return p.with_name(p.name + SIDECAR_SUFFIX)


def load_sidecar(path: str | os.PathLike[str]) -> tuple[dict[str, str] | None, list[str]]:
    """Read the ``NAME.meta.json`` sidecar of the file ``path``, if there is one.

    The sidecar is a JSON object with any of ``url``, ``date``, ``title``,
    ``site``; other keys are ignored. Never raises.

    Returns:
        (metadata or None when there is no usable sidecar, problems found) —
        each problem a sentence naming the file, to report as a warning.

    Example:
        >>> load_sidecar("/nonexistent/a.txt")
        (None, [])
    """
    side = sidecar_path(path)
    if not side.is_file():
        return None, []
    try:
        record = json.loads(side.read_text(encoding="utf-8-sig"))
    except OSError as e:
        return None, [f"{side}: cannot read sidecar: {e.strerror or e}"]
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        return None, [f"{side}: sidecar is not valid UTF-8 JSON ({e}); fix or delete it"]
    if not isinstance(record, dict):
        return None, [f"{side}: sidecar must be a JSON object with url, date, title or site"]
    data, problems = _clean_record(record, str(side))
    return (data or None), problems


MANIFEST_NAMES: tuple[str, ...] = ("manifest.csv", "manifest.jsonl")


def path_key(path: str | os.PathLike[str]) -> str:
    """The key ``load_manifests`` files metadata under: the absolute, normalised path.

    >>> path_key("/corpus/sub/../a.txt")
    '/corpus/a.txt'
    """
    return os.path.normpath(os.path.abspath(path))


def load_manifests(folder: str | os.PathLike[str], *, allowed: Callable[[Path], bool] | None = None) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Read ``manifest.csv`` and ``manifest.jsonl`` in ``folder`` (not below it).

    A CSV manifest has a header row with ``path`` and any of ``url``, ``date``,
    ``title``, ``site``; a JSONL manifest has one object with those keys per
    line. ``path`` is relative to the manifest's folder, and a manifest speaks
    only for files at or below it (no ``../``, no absolute paths). Never
    raises: bad rows are skipped and described. A manifest file for which
    ``allowed`` returns False is not read.

    Returns:
        (``path_key(file)`` → metadata, problems found).
    """
    base = Path(folder)
    found: dict[str, dict[str, str]] = {}
    problems: list[str] = []
    for name in MANIFEST_NAMES:
        manifest = base / name
        if not manifest.is_file() or (allowed is not None and not allowed(manifest)):
            continue
        try:
            raw = manifest.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as e:
            problems.append(f"{manifest}: cannot read manifest ({e}); save it as UTF-8")
            continue
        rows = _csv_rows(raw, manifest, problems) if name.endswith(".csv") else _jsonl_rows(raw, manifest, problems)
        for where, record in rows:
            rel = record.get("path")
            if not isinstance(rel, str) or not rel.strip():
                problems.append(f"{where}: no 'path'; row ignored")
                continue
            key = path_key(base / rel.strip())
            if not key.startswith(path_key(base).rstrip(os.sep) + os.sep):
                problems.append(f"{where}: {rel.strip()} is not in the manifest's folder; row ignored")
                continue
            data, row_problems = _clean_record(record, where)
            problems.extend(row_problems)
            if data:
                if key in found and found[key] != data:
                    problems.append(f"{where}: {rel.strip()} is listed again; the later row wins")
                found[key] = data
    return found, problems


def _csv_rows(raw: str, manifest: Path, problems: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    try:
        reader = csv.DictReader(io.StringIO(raw))
        fields = [f.strip().lower() for f in (reader.fieldnames or [])]
        if "path" not in fields:
            problems.append(f"{manifest}: the header row needs a 'path' column (and url, date, title or site)")
            return
        reader.fieldnames = fields
        for number, row in enumerate(reader, start=2):
            yield f"{manifest}:{number}", {k: v for k, v in row.items() if isinstance(k, str)}
    except csv.Error as e:
        problems.append(f"{manifest}: broken CSV ({e}); rows after it ignored")


def _jsonl_rows(raw: str, manifest: Path, problems: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{manifest}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            problems.append(f"{where}: not valid JSON ({e}); line ignored")
            continue
        if not isinstance(record, dict):
            problems.append(f"{where}: not a JSON object; line ignored")
            continue
        yield where, record
