"""Credits: where a document says that (part of) its text comes from another source.

A credit is a line such as ``Source: https://…``, ``This comment appeared in
Vedomosti.`` or ``Originally published by The Diplomat``. ``find_credits``
finds them in plain text, names the outlet and/or URL, and works out which
stretch of the text each one covers (its *scope*):

* a credit at the end of a section covers the section: back to the end of
  the previous credit, or to the start of the text;
* a credit in the header of a text (nothing but a title before it) covers
  forward, to the next credit or the end of the text;
* a credit right after another one (nothing but blank lines between them)
  shares that credit's scope.

Text after the last trailing credit (comment forms, donation appeals) is
covered by none. Matching is conservative: a cue must open a sentence or a
line (``via`` only a whole line or a closing ``(via X)``), and a name must
look like an outlet (capitalised, short, not a date).

``html_credits`` finds attribution links in HTML, whose position in the text
the caller maps.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin

import ahocorasick_rs

from provenance.models import Credit
from provenance.urls import is_home_page, normalize_url, site_of

# --------------------------------------------------------------------------- outlets

_GENERIC_LABELS = {"www", "m", "amp", "com", "org", "net", "co", "uk", "ru", "de", "fr", "info", "news", "edu", "gov", "io"}
_NAME_SUFFIXES = ("news", "online", "com", "media")


def name_key(name: str) -> str:
    """A name reduced for comparison: letters and digits, no leading 'the'.

    >>> name_key("The Moscow Times"), name_key("moscowtimes")
    ('moscowtimes', 'moscowtimes')
    """
    name = name.strip().lower()
    if name.startswith("the "):
        name = name[4:]
    return re.sub(r"[\W_]+", "", name)


def outlet_keys(url: str | None = None, site: str | None = None) -> set[str]:
    """The name keys an outlet goes by: its site, the host's main label (not
    ``co`` or ``uk``), the host without its last label, each also with a
    suffix outlets add to their name ("Al Jazeera News" on aljazeera.com).

    >>> keys = outlet_keys(site="bbc.co.uk")
    >>> {"bbc", "bbcnews", "bbccouk"} <= keys, "co" in keys
    (True, False)
    """
    keys: set[str] = set()
    for value in (site, site_of(url)):
        if not value:
            continue
        keys.add(name_key(value))
        host = value.lower()
        if "." in host and " " not in host:
            labels = [label for label in host.split(".") if label not in _GENERIC_LABELS]
            keys.update(name_key(label) for label in labels[-1:])
            keys.add(name_key(host.rsplit(".", 1)[0]))
    keys.discard("")
    return keys | {key + suffix for key in keys for suffix in _NAME_SUFFIXES}


def credited_site(credit: Credit) -> str | None:
    """The outlet a credit names as a site: a home page's host, or a domain-like name.

    >>> credited_site(Credit("https://www.bbc.co.uk/", None, "via", 0, 0, (0, 0)))
    'bbc.co.uk'
    """
    if credit.url:
        return site_of(credit.url) if is_home_page(credit.url) else None
    if credit.name and re.fullmatch(r"[\w-]+(?:\.[\w-]+)+", credit.name.strip()):
        return site_of("http://" + credit.name.strip())
    return None


def names_outlet(credit: Credit, *, url: str | None = None, site: str | None = None, name: str | None = None) -> bool:
    """Whether a credit names the outlet of a document at ``url`` on ``site``
    (an outlet also called ``name``): by URL (that document's, or any page of
    its site), by a domain-like name, or by one of its names (``outlet_keys``).
    Attribution and the gate both ask this question.

    >>> bbc = Credit(None, "BBC", "via", 0, 3, (0, 0))
    >>> names_outlet(bbc, site="bbc.co.uk"), names_outlet(bbc, url="https://www.cnn.com/a")
    (True, False)
    """
    sites = {s.casefold() for s in (site, site_of(url)) if s}
    if credit.url:
        if url and normalize_url(credit.url) == normalize_url(url):
            return True
        if (site_of(credit.url) or "").casefold() in sites:
            return True
    elif (named := credited_site(credit)) and named.casefold() in sites:
        return True
    if not credit.name:
        return False
    key = name_key(credit.name)
    return key in outlet_keys(url, site) or (name is not None and key == name_key(name))


# --------------------------------------------------------------------------- patterns

_URL = r"(?:https?://|www\.)[^\s<>\"'\]\[)]+(?:\([^\s<>()]*\)[^\s<>\"'\]\[)]*)?"
_URL_RE = re.compile(_URL, re.I)
_URL_LINE_RE = re.compile(rf"^\s*(?:<\s*)?(?:\[[^\]]*\]\(\s*)?(?P<url>{_URL})\s*(?:\)|>)?\s*$", re.I)
_NOUN = (
    r"(?:article|story|comment(?:ary)?|piece|post|blog\s+post|essay|op-?ed|column|interview|report|"
    r"analysis|editorial|text|feature|review|letter|version|content|material|transcript|"
    r"translation|item|news|dispatch|note|entry|opinion)"
)
_VERB = r"(?:published|appeared|ran|posted|printed|featured|released)"
_PREP = r"(?:in|on|at|by|with|from|for|via)"
# "Reprinted from X" names the source, but "this article was reprinted on X" names a copy.
_COPY_VERB = r"(?:reprinted|republished|reproduced|syndicated|cross-?posted|adapted|excerpted)"
# Where a cue may begin: a line's start, a sentence's start, or after an opening bracket or a dash.
_OPEN = r"(?:^|(?<=[.!?])[\"”’')\]]?\s+|(?<=[(\[])|(?<=[—–-])\s*|(?<=\s[—–-])\s+)[\s*_]*"

# "Originally published in" in German, Spanish, Portuguese, French, Italian and Russian.
_FIRST_PUBLISHED = (
    r"(?:"
    r"(?:(?:zuerst|ursprünglich|erstmals)\s+(?:erschienen|veröffentlicht|publiziert)|erschien\s+(?:zuerst|ursprünglich|erstmals))"
    r"\s+(?:in|im|bei|auf|von)"
    r"|(?:(?:originalmente|originariamente|inicialmente)\s+publicad[oa]|publicad[oa]\s+(?:originalmente|originariamente|inicialmente"
    r"|por\s+primera\s+vez|pela\s+primeira\s+vez))\s+(?:en|em|por|no|na|el|la)"
    r"|(?:(?:initialement|originellement|originalement|d['’]abord|pour\s+la\s+première\s+fois|précédemment)\s+(?:été\s+)?publiée?s?"
    r"|publiée?s?\s+(?:initialement|originellement|d['’]abord|pour\s+la\s+première\s+fois))\s+(?:sur|dans|par|chez)"
    r"|(?:(?:originariamente|originalmente|inizialmente|precedentemente)\s+pubblicat[oaie]|pubblicat[oaie]\s+(?:originariamente"
    r"|originalmente|per\s+la\s+prima\s+volta))\s+(?:su|in|da|sul|sulla|nel|nella)"
    r"|(?:(?:впервые|первоначально|изначально)\s+опубликован[оаы]?|опубликован[оаы]?\s+(?:впервые|первоначально|изначально))\s+(?:в|на)"
    r")"
)

_SENTENCE_CUES = (
    # This comment appeared in X / A version of this article was originally published on X
    re.compile(
        rf"{_OPEN}(?P<cue>(?:(?:a|an)\s+(?:\w+\s+){{0,2}}version\s+of\s+)?(?:this|the|that|which)\s+"
        rf"(?:\w+\s+){{0,2}}?{_NOUN}\s+(?:(?:was|is|has\s+been|had\s+been|were|have\s+been)\s+)?"
        rf"(?:(?:originally|first|previously|initially)\s+)?(?:{_VERB}\s+{_PREP}|{_COPY_VERB}\s+"
        rf"(?:here\s+)?(?:(?:with|by)\s+(?:the\s+)?(?:kind\s+)?permission\s+)?from))\s+(?P<rest>.*)$",
        re.I,
    ),
    # Originally published in X / First published by X / It was first published on X
    re.compile(
        rf"{_OPEN}(?P<cue>(?:(?:it|this)\s+(?:was|is)\s+)?(?:originally|first|previously|initially)\s+"
        rf"(?:{_VERB})\s+(?:here\s+)?{_PREP})\s+(?P<rest>.*)$",
        re.I,
    ),
    # Reprinted (with permission) from X / Republished from X / Cross-posted from X
    re.compile(
        rf"{_OPEN}(?P<cue>{_COPY_VERB}\s+"
        r"(?:here\s+)?(?:(?:(?:with|by)\s+(?:the\s+)?(?:kind\s+)?permission\s+)?(?:from|of)|from))\s+(?P<rest>.*)$",
        re.I,
    ),
    # Distributed by X / Provided by X / Syndicated by X: the agency that supplies the text
    re.compile(rf"{_OPEN}(?P<cue>(?:{_NOUN}\s+)?(?:distributed|provided|supplied|syndicated)\s+by)\s+(?P<rest>.*)$", re.I),
    # Story by <person> for X / Written by <person> for X: written for another outlet
    re.compile(
        rf"{_OPEN}(?P<cue>(?i:{_NOUN}|written|words|reporting|text)\s+by\s+[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){{0,3}}\s+for)\s+(?P<rest>.*)$"
    ),
    # The same statement in other languages: "<this article> first appeared / was first published in X"
    re.compile(rf"{_OPEN}(?P<cue>(?:\w+\s+){{0,3}}?{_FIRST_PUBLISHED})\s+(?P<rest>.*)$", re.I),
)
# "Source" in other languages (German, Spanish/Italian/Portuguese, Dutch, Polish,
# Turkish, Scandinavian, Finnish, Russian/Ukrainian, Chinese, Japanese, Korean)
_SOURCE_WORDS = r"(?:quelle|fuente|fonte|bron|źródło|kaynak|kilde|källa|lähde|источник|джерело|来源|來源|出典|出处|출처)"
# Words without which the newer sentence cues cannot match (checked before searching them).
_CUE_NEEDS: dict[re.Pattern[str], tuple[str, ...]] = {
    _SENTENCE_CUES[3]: (" by",),
    _SENTENCE_CUES[4]: (" by ",),
    _SENTENCE_CUES[5]: ("erschien", "veröffentlicht", "publiziert", "publicad", "publié", "pubblicat", "опубликован"),
}
# Source: X (URL on the same line, or on the next non-empty line)
_SOURCE_RE = re.compile(
    r"^[\s*_(\[]*(?P<cue>(?:(?:original\s+|news\s+|article\s+)?sources?(?:\s+(?:link|url|article))?|" + _SOURCE_WORDS + r")\s*[:：]"
    r"|source\b(?=\s+(?:https?://|www\.)))\s*(?P<rest>.*)$",
    re.I,
)
# A label and a URL, alone on a line: "Original article: <url>", "Read the full story at <url>"
_URL_LABEL_RE = re.compile(
    rf"^[\s*_(\[]*(?P<cue>(?:read\s+(?:the\s+)?(?:full|original|whole|complete|entire)\s+{_NOUN}\s+(?:at|on|here)"
    rf"|(?:the\s+)?original(?:\s+{_NOUN}|\s+(?:link|url|version))?|full\s+{_NOUN}|credits?|originally\s+(?:at|on))\s*[:：]?)"
    rf"\s*(?P<rest>(?:[^\s].{{0,80}}?[\s,(]+)?(?:https?://|www\.)\S+\s*\)?\.?)\s*$",
    re.I,
)
# (c) 2019 X. Reprinted with permission. / Copyright X, used by arrangement: the holder is the source
_COPYRIGHT_RE = re.compile(
    r"^[\s*_(\[]*(?P<cue>\(c\)|©|copyright(?:\s+(?:\(c\)|©))?)\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?[,.]?\s+)?(?P<rest>.+)$",
    re.I,
)
_PERMISSION_RE = re.compile(
    r"\b(?:reprinted|republished|reproduced|used|published|shared|distributed)\s+(?:here\s+)?(?:with|by|under)\s+"
    r"(?:the\s+)?(?:kind\s+)?(?:permission|arrangement|licen[cs]e|agreement)",
    re.I,
)
# (Source: X) closing a paragraph
_PAREN_SOURCE_RE = re.compile(r"\((?P<cue>sources?\s*:)\s*(?P<rest>[^()]+)\)\s*\.?\s*$", re.I)
# via X as a line of its own, or (via X) closing a paragraph
_VIA_LINE_RE = re.compile(r"^[\s*_(\[]*(?P<cue>via|h/t|hat\s+tip)\b\s*:?\s*(?P<rest>.+)$", re.I)
_VIA_PAREN_RE = re.compile(r"\((?P<cue>via|h/t)\s*:?\s+(?P<rest>[^()]+)\)\s*\.?\s*$", re.I)
# Courtesy of X as a line of its own (not "Photo courtesy of …")
_COURTESY_RE = re.compile(r"^[\s*_(\[]*(?P<cue>courtesy\s+of|courtesy:)\s*(?P<rest>.+)$", re.I)

# Every cue above needs one of these words: lines without any are skipped
# before the costlier patterns run (most lines of most texts).
# Searched as plain substrings, all at once (an Aho-Corasick automaton: one
# pass over the text, 4x faster than a str.find per word and far faster than
# a regex alternation), each a whole word: a superset of the cues' first words.
_CUE_WORDS = (
    "source", "sources", "via", "h/t", "hat", "courtesy", "published", "appeared", "ran", "posted",
    "printed", "featured", "released", "reprinted", "republished", "reproduced", "syndicated",
    "cross", "crossposted", "adapted", "excerpted", "distributed", "provided", "supplied",
)
# Cues of credits that are a short line of their own ("Original article: <url>",
# "(c) 2019 X. Reprinted with permission."): a hit counts only in such a line.
_SHORT_LINE_CUE_WORDS = ("http", "https", "www", "copyright", "(c)")
# Cues in other languages (and ©), looked for only in texts with letters beyond
# ASCII: German, Spanish, French, Italian, Portuguese and Russian text nearly
# always has some, and English text pays nothing for them.
_NON_ASCII_CUE_WORDS = (
    "©", "quelle", "fuente", "fonte", "bron", "kaynak", "kilde", "źródło", "källa", "lähde", "источник",
    "джерело", "来源", "來源", "出典", "出处", "출처",
    "erschienen", "erschien", "veröffentlicht", "publiziert", "publicado", "publicada", "publié", "publiée",
    "publiés", "publiées", "pubblicato", "pubblicata", "pubblicati", "pubblicate", "опубликовано",
    "опубликован", "опубликована", "опубликованы",
)
_CUE_HINT_I_RE = re.compile(rf"\b(?:{'|'.join(re.escape(w) for w in _CUE_WORDS + _NON_ASCII_CUE_WORDS)})\b", re.I)
_BYLINE_FOR = 120  # "Story by <person> for X": " for " within this many characters after " by "


def _cue_positions(text: str) -> list[int]:
    """Where a cue word starts in ``text`` (a superset of where credits start).

    >>> _cue_positions("Sourced. Source: x; via Y")
    [9, 20]
    """
    lower = text.lower()
    if len(lower) != len(text):  # a few characters change length when lower-cased
        return [m.start() for m in _CUE_HINT_I_RE.finditer(text)]
    found = []
    n = len(lower)

    def short_line(i: int) -> bool:
        end = lower.find("\n", i)
        return (end if end >= 0 else n) - lower.rfind("\n", 0, i) <= _MAX_VIA_LINE

    words, short_from, automaton = _cue_automaton(lower.isascii())
    # Every occurrence of every cue, overlapping ones too, in one pass.
    for k, i, end in automaton.find_matches_as_indexes(lower, overlapping=True):
        if k == len(words) - 1:  # "Story by <person> for X", a short line of its own
            if " for " in lower[i : i + _BYLINE_FOR] and short_line(i):
                found.append(i)
            continue
        before = lower[i - 1] if i else " "
        after = lower[end] if end < n else " "
        if not (before.isalnum() or before == "_" or after.isalnum() or after == "_") and (k < short_from or short_line(i)):
            found.append(i)
    return sorted(found)


@lru_cache(maxsize=2)
def _cue_automaton(ascii_only: bool) -> tuple[tuple[str, ...], int, ahocorasick_rs.AhoCorasick]:
    """The cue words to look for (the other languages' only in text beyond
    ASCII), where the short-line ones start among them, and their automaton;
    the last word is the byline's " by "."""
    words = _CUE_WORDS if ascii_only else _CUE_WORDS + _NON_ASCII_CUE_WORDS
    everything = (*words, *_SHORT_LINE_CUE_WORDS, " by ")
    return everything, len(words), ahocorasick_rs.AhoCorasick(everything)

_MAX_CREDIT_LINE = 400  # a longer line is a paragraph: only its first and last sentences are looked at
_WINDOW = 300
_MAX_VIA_LINE = 150
_HEADER_CHARS = 300
_HEADER_LINES = 4

# Where an outlet's name ends inside the rest of a sentence.
_NAME_STOP_RES = (
    re.compile(
        r"(?<!\b[A-Z])(?<!\bInc)(?<!\bLtd)(?<!\bCo)(?<!\bSt)(?<!\bMr)(?<!\bDr)(?<!\bJr)(?<!\bNo)"
        r"[.!?;](?=[\s\"”’')\]]|$)"
    ),
    re.compile(r",?\s+(?:and|which|where|who|but|so)\s+(?=[a-z])"),
    re.compile(r",\s+(?=[a-z])"),
    re.compile(r",\s+(?:on|in)\s+(?=\d|[A-Z][a-z]+\s+\d)"),
    re.compile(
        r"\s+(?:on|in)\s+(?=\d{1,4}\b|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d|"
        r"(?:mon|tues|wednes|thurs|fri|satur|sun)day)",
        re.I,
    ),
    re.compile(
        r"\s+(?:under|here|with\s+(?:the\s+)?(?:kind\s+)?permission|by\s+permission|as\s+part|as\s+an?|"
        r"and\s+is|and\s+was|and\s+has|and\s+are|and\s+it|and\s+appears|republished|reprinted|reproduced)\b",
    ),
    re.compile(r"\s+[—–]\s+|\s+-\s+|\s*\((?!\s*(?:https?://|www\.))|\s*\|"),
)
_NOT_NAMES = re.compile(
    r"^(?:it|this|that|these|those|here|there|them|him|her|us|our|my|your|his|its|their|print|full|"
    r"part|a|an|the|photo|photos|image|images|picture|author|the author|permission|publisher|editor|staff|"
    r"wire|wires|agencies|internet|web|online|unknown|n/a|none|january|february|march|april|may|june|july|august|september|october|november|december)$",
    re.I,
)
_DATE_START_RE = re.compile(
    r"(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d|\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day\b)",
    re.I,
)
# "Source: News agencies" credits nobody in particular.
_GENERIC_SOURCES = re.compile(
    r"^(?:news\s+)?(?:agencies|agency|wires?|wire\s+services?|staff\s+and\s+agencies|agencies\s+and\s+staff)$", re.I
)
_DOMAIN_RE = re.compile(r"^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?:/\S*)?$", re.I)


@dataclass(frozen=True)
class _Line:
    start: int
    end: int
    text: str


def _lines(text: str) -> list[_Line]:
    out: list[_Line] = []
    pos = 0
    for raw in text.split("\n"):
        out.append(_Line(pos, pos + len(raw), raw))
        pos += len(raw) + 1
    return out


def _strip_url(url: str) -> str:
    url = url.rstrip(".,;:!?'\"”’»>")
    while url.endswith(")") and url.count("(") < url.count(")"):
        url = url[:-1]
    return url


def clean_name(rest: str) -> str | None:
    """The outlet's name at the start of what follows a cue, or None when it is not a name.

    Cuts at the end of the sentence and at clauses that follow a name (``, and is
    republished…``, ``on May 12``); drops a lower-case leading ``the`` (prose)
    but keeps a capital one (part of names like *The Diplomat*).

    >>> clean_name("Vedomosti."), clean_name("the Financial Times on May 12, 2017.")
    ('Vedomosti', 'Financial Times')
    >>> clean_name("The Conversation, and is republished under a Creative Commons license.")
    'The Conversation'
    >>> clean_name("U.S. News & World Report."), clean_name("2016."), clean_name("it later")
    ('U.S. News & World Report', None, None)
    """
    name = rest.strip()
    for pattern in _NAME_STOP_RES:
        match = pattern.search(name)
        if match:
            name = name[: match.start()]
    name = name.strip(" \t*_\"'“”‘’«»:,;.[]()<>").strip()
    if name.lower().startswith("the ") and name[0] == "t":
        name = name[4:].strip()
    if not name or len(name) > 80 or len(name.split()) > 10:
        return None
    if _NOT_NAMES.match(name) or _GENERIC_SOURCES.match(name) or re.fullmatch(r"[\d\s/.,:-]+", name) or _DATE_START_RE.match(name):
        return None
    first = name[0]
    if not (first.isupper() or first.isdigit() or _DOMAIN_RE.match(name)):
        return None
    if first.isdigit() and not _DOMAIN_RE.match(name) and not re.search(r"[A-Za-z]{2}", name):
        return None
    return name


def _target(rest: str) -> tuple[str | None, str | None, int]:
    """(url, name, length of ``rest`` used) for the text after a cue."""
    markdown = re.match(r"\s*\[(?P<name>[^\]]+)\]\(\s*(?P<url>[^)\s]+)\s*\)", rest)
    if markdown:
        url = markdown["url"] if _URL_RE.match(markdown["url"]) else None
        return url, clean_name(markdown["name"]), markdown.end()
    name_part = rest
    url = None
    used = None
    found = _URL_RE.search(rest)
    if found:
        before = rest[: found.start()]
        # A URL belongs to the credit when it opens it or follows a short name ("Sputnik (https://…)").
        if not before.strip() or (len(before) <= 80 and not re.search(r"(?<!\b[A-Z])[.!?](?:\s|$)", before)):
            url = _strip_url(found.group())
            name_part = before
            used = found.start() + len(url)
    name = clean_name(name_part) if name_part.strip() else None
    if name and url and _looks_like_url(name):
        name = None
    if used is None:
        used = _name_extent(rest, name)
    return url, name, used


def _looks_like_url(value: str) -> bool:
    return bool(_URL_RE.match(value)) or value.lower().startswith(("http", "www."))


def _name_extent(rest: str, name: str | None) -> int:
    """How much of ``rest`` the credit sentence takes: up to its end."""
    end = re.search(r"(?<!\b[A-Z])[.!?](?=[\s\"”’')\]]|$)", rest)
    if name:
        at = rest.find(name)
        if at >= 0:
            after = re.search(r"(?<!\b[A-Z])[.!?](?=[\s\"”’')\]]|$)", rest[at + len(name) - 1 :])
            if after:
                return at + len(name) - 1 + after.end()
    return end.end() if end else len(rest.rstrip())


@dataclass(frozen=True)
class _Found:
    url: str | None
    name: str | None
    cue: str
    start: int
    end: int
    line: int


def _find_in_line(lines: list[_Line], index: int, follows_credit: bool = False, line_paragraphs: bool = False) -> _Found | None:
    """The credit in one line, if any (a line holds at most one).

    ``line_paragraphs``: every line is a paragraph (text extracted from HTML),
    so a line-start cue always opens one.
    """
    line = lines[index]
    follows_credit = follows_credit or line_paragraphs
    text = line.text
    if not text.strip():
        return None
    source = _SOURCE_RE.match(text)
    if source:
        if follows_credit or _opens_paragraph(lines, index, source["cue"]):
            return _source_credit(lines, index, source)
        return None
    if len(text.strip()) <= _MAX_VIA_LINE and (follows_credit or _opens_paragraph(lines, index, text.strip())):
        label = _URL_LABEL_RE.match(text)
        if label:
            url, name, used = _target(label["rest"])
            if url:
                return _Found(url, name, label["cue"].strip(), line.start + label.start("cue"), line.start + label.start("rest") + used, index)
        held = _COPYRIGHT_RE.match(text)
        if held and _PERMISSION_RE.search(held["rest"]):
            rest = re.sub(r"\s+\d{4}(?=\s*[,.;]|\s*$)", "", held["rest"], count=1)  # "© X 2019, reprinted …"
            url, name, _ = _target(rest)
            if url or name:
                return _Found(url, name, held["cue"].strip(), line.start + held.start("cue"), line.end, index)
    if len(text.strip()) <= _MAX_CREDIT_LINE:
        for pattern in (_COURTESY_RE,) + ((_VIA_LINE_RE,) if len(text.strip()) <= _MAX_VIA_LINE else ()):
            match = pattern.match(text)
            if match and (follows_credit or _opens_paragraph(lines, index, match["cue"])):
                url, name, used = _target(match["rest"])
                if url or name:
                    return _Found(url, name, match["cue"].strip(), line.start + match.start("cue"), line.start + match.start("rest") + used, index)
    for offset, window in _windows(text):
        lower = window.lower()
        for pattern in _SENTENCE_CUES:
            need = _CUE_NEEDS.get(pattern)
            if need is not None and not any(word in lower for word in need):
                continue  # a cheap test first: these patterns are costly to search
            match = pattern.search(window)
            if match:
                url, name, used = _target(match["rest"])
                if url or name:
                    cue = " ".join(match["cue"].split())
                    start = line.start + offset + match.start("cue")
                    return _Found(url, name, cue, start, line.start + offset + match.start("rest") + used, index)
    for pattern in (_PAREN_SOURCE_RE, _VIA_PAREN_RE):
        match = pattern.search(text)
        if match:
            url, name, _ = _target(match["rest"])
            if url or name:
                return _Found(url, name, match["cue"].strip(), line.start + match.start("cue") - 1, line.start + match.end("rest") + 1, index)
    return None


def _windows(text: str) -> list[tuple[int, str]]:
    """Where a sentence cue is looked for: the whole line, or a long paragraph's first and last sentences.

    A credit sentence opens or closes its paragraph; the middle of a long one is prose.
    """
    if len(text) <= _MAX_CREDIT_LINE:
        return [(0, text)]
    windows = [(0, text[:_WINDOW])]
    tail_start = len(text) - _WINDOW
    boundary = re.search(r"[.!?][\"”’')\]]?\s+", text[tail_start:])
    if boundary:
        windows.append((tail_start + boundary.end(), text[tail_start + boundary.end() :]))
    return windows


def _source_credit(lines: list[_Line], index: int, source: re.Match[str]) -> _Found | None:
    """A ``Source:`` credit, with its URL on the same line or on the next non-empty one."""
    line = lines[index]
    cue = source["cue"].strip()
    start = line.start + source.start("cue")
    rest = source["rest"]
    if rest.strip():
        url, name, used = _target(rest)
        return _Found(url, name, cue, start, line.start + source.start("rest") + used, index) if url or name else None
    for later in lines[index + 1 : index + 4]:
        if not later.text.strip():
            continue
        match = _URL_LINE_RE.match(later.text)
        if match:
            url = _strip_url(match["url"])
            return _Found(url, None, cue, start, later.start + match.start("url") + len(url), index)
        markdown = re.fullmatch(r"\s*\[(?P<name>[^\]]+)\]\(\s*(?P<url>https?://[^)\s]+)\s*\)\s*", later.text)
        if markdown:
            return _Found(markdown["url"], clean_name(markdown["name"]), cue, start, later.end, index)
        return None
    return None


def _opens_paragraph(lines: list[_Line], index: int, cue: str) -> bool:
    """Whether a line-start cue opens a paragraph rather than continuing a hard-wrapped sentence.

    A capitalised cue needs the line before to be blank or to end a sentence;
    a lower-case one (``via …``, ``source: …``) needs a blank line before it.
    """
    if index == 0 or not lines[index - 1].text.strip():
        return True
    if not cue[:1].isupper():
        return False
    return bool(re.search(r"[.!?:\"”’)\]]\s*$", lines[index - 1].text))


def find_credits(text: str, *, line_paragraphs: bool = False) -> list[Credit]:
    """Find the credit lines of a text, each with the stretch of text it covers.

    Args:
        text: the document's text (offsets count into it).

    Returns:
        Credits in text order.

    Example:
        >>> text = "Title\\n\\nFirst article body.\\n\\nSource:\\n\\nhttps://a.org/x/\\n\\nSecond body. This comment appeared in Vedomosti.\\n\\nDonate!"
        >>> [(c.url, c.name, c.cue, text[c.scope[0]:c.scope[1]].strip()) for c in find_credits(text)]  # doctest: +NORMALIZE_WHITESPACE
        [('https://a.org/x/', None, 'Source:', 'Title\\n\\nFirst article body.'),
         (None, 'Vedomosti', 'This comment appeared in', 'Second body.')]
    """
    # One pass over the text finds the few lines with a cue word; only they are parsed.
    cues = _cue_positions(text)
    if not cues:
        return []
    lines = _lines(text)
    found: list[_Found] = []
    starts = [line.start for line in lines]
    hinted = sorted({bisect_right(starts, i) - 1 for i in cues})
    for index in hinted:
        if found and lines[index].start < found[-1].end:
            continue  # the URL line of a "Source:" credit
        follows = bool(found) and index > 0 and found[-1].end >= lines[index - 1].start
        item = _find_in_line(lines, index, follows, line_paragraphs)
        if item is not None:
            found.append(item)
    credits: list[Credit] = []
    for i, item in enumerate(found):
        region_start = found[i - 1].end if i else 0
        next_start = found[i + 1].start if i + 1 < len(found) else len(text)
        before = text[region_start : item.start]
        if credits and not re.search(r"\w", before):
            scope = credits[-1].scope  # a credit right after another shares its scope
        elif _is_header(before, text[item.end : next_start]):
            scope = (region_start, next_start)
        else:
            scope = (region_start, item.start)
        credits.append(Credit(item.url, item.name, item.cue, item.start, item.end, scope))
    return credits


def _is_header(before: str, after: str) -> bool:
    """Whether a credit opens its text: before it only a title or byline, after it the body.

    Title and byline lines are short and do not end like sentences; a credit
    after a sentence, or with less text after it than before, closes a section.
    """
    lines = [line.strip() for line in before.split("\n") if line.strip()]
    if len(before.strip()) > _HEADER_CHARS or len(lines) > _HEADER_LINES:
        return False
    if any(len(line) > 150 or re.search(r"[.!?…][\"”’')\]]?$", line) for line in lines):
        return False
    return len(after.strip()) > 2 * len(before.strip())


# --------------------------------------------------------------------------- HTML

# A cue right before a link: it must open the paragraph or a sentence, and end where the link starts.
_HTML_BEFORE_RES = (
    re.compile(r"(?:^|[.!?]\s+|[(\[|]\s*)(?:original\s+|news\s+)?sources?\s*[:：]?\s*$", re.I),
    re.compile(r"^[(\[]?\s*(?:via|h/t|hat\s+tip)\s*:?\s*$", re.I),
    re.compile(r"(?:^|[.!?]\s+|\(\s*)courtesy\s+of\s*$", re.I),
    *(re.compile(pattern.pattern.replace(r"\s+(?P<rest>.*)$", r"\s*$"), re.I) for pattern in _SENTENCE_CUES),
)
# A link whose own text is the credit: "Read the original article", "Source", "Originally published at X".
_HTML_LABEL_RE = re.compile(
    r"^(?:read\s+(?:the\s+)?|see\s+(?:the\s+)?)?(?:original\s+(?:article|story|post|source|version)|sources?)\s*[.:]?$",
    re.I,
)
_SKIP_HREF_RE = re.compile(r"(?:^(?:mailto|javascript|tel):|share|sharer|intent/tweet|/login|/signup|subscribe)", re.I)
_BLOCKS = {"p", "li", "div", "blockquote", "td", "dd", "dt", "footer", "aside", "section", "article", "h1", "h2", "h3", "h4", "h5", "h6", "em", "i", "small", "span", "strong", "b", "cite"}


def html_credits(html: str, own_url: str | None) -> list[tuple[str, str | None]]:
    """Attribution links of an HTML page that point to another site.

    A link counts when its text or the text just before it in its paragraph
    holds a cue (``Source``, ``Originally published``, ``via``, ``Courtesy
    of`` …) and its host differs from ``own_url``'s. A canonical address on
    another site (syndication, e.g. MSN → CNN) counts too, with no name.
    Links in figures and photo credits are left out.

    Returns:
        (url, name) pairs in page order, each URL once; name is the link text
        unless that is itself a URL.

    Example:
        >>> page = '<p>Body.</p><p>Source: <a href="https://sputniknews.com/a/">Sputnik</a></p><p>via <a href="/b">us</a></p>'
        >>> html_credits(page, "https://blog.example.org/post")
        [('https://sputniknews.com/a/', 'Sputnik')]
    """
    import lxml.html

    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)
    if not html.strip():
        return []
    try:
        tree = lxml.html.document_fromstring(html)
    except (ValueError, TypeError, lxml.etree.ParserError):
        return []
    own_site = site_of(own_url)
    out: dict[str, str | None] = {}

    def add(url: str, name: str | None) -> None:
        site = site_of(url)
        if site and site != own_site and url not in out:
            out[url] = name

    for node in tree.iter("link"):
        if "canonical" in (node.get("rel") or "").lower().split() and own_url:
            href = (node.get("href") or "").strip()
            if href.startswith(("http://", "https://")):
                add(href, None)
    for anchor in tree.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or _SKIP_HREF_RE.search(href) or href.startswith("#"):
            continue
        if not href.startswith(("http://", "https://", "//")):
            if not own_url:
                continue
            href = urljoin(own_url, href)
        elif href.startswith("//"):
            href = "https:" + href
        if _in_figure(anchor):
            continue
        label = " ".join(anchor.text_content().split())
        before = _text_before(anchor)
        if not _cued(label, before):
            continue
        add(href, label if label and not _looks_like_url(label) and len(label) <= 100 else None)
    return list(out.items())


def _cued(label: str, before: str) -> bool:
    """Whether a link with text ``label`` after paragraph text ``before`` is a credit."""
    if _HTML_LABEL_RE.match(label):
        return True
    if any(pattern.match(label) for pattern in _SENTENCE_CUES):
        return True
    return any(pattern.search(before) for pattern in _HTML_BEFORE_RES)


def _in_figure(node: Any) -> bool:
    return any(parent.tag in ("figure", "figcaption", "picture") for parent in node.iterancestors())


def _text_before(anchor: Any) -> str:
    """Text of the anchor's paragraph that comes before the anchor (at most 300 characters)."""
    block = anchor.getparent()
    while block is not None and block.tag not in _BLOCKS:
        block = block.getparent()
    if block is None:
        return ""
    parts: list[str] = []
    _collect_until(block, anchor, parts)
    return " ".join("".join(parts).split())[-300:]


def _collect_until(node: Any, anchor: Any, parts: list[str]) -> bool:
    """Append the text of ``node`` in document order until ``anchor``; True once it is reached."""
    if node is anchor:
        return True
    if isinstance(node.tag, str) and node.text:
        parts.append(node.text)
    for child in node:
        if _collect_until(child, anchor, parts):
            return True
        if child.tail:
            parts.append(child.tail)
    return False
