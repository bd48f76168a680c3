"""Extract: bytes of a file → decoded text, and HTML → main text plus metadata.

The only module that parses HTML (trafilatura, with BeautifulSoup as fallback).
"""

from __future__ import annotations

import codecs
import re
import warnings
from dataclasses import dataclass, replace
from datetime import date

from provenance.credits import html_credits
from provenance.metadata import html_metadata
from provenance.models import Meta
from provenance.urls import site_of

_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING_RE = re.compile(rb"""^<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""")
_BINARY_CONTROL = bytes(range(0, 9)) + bytes(range(14, 32))

THIRD_PARTY_LOGGERS = ("trafilatura", "htmldate", "justext", "readability")
"""Loggers of the extraction libraries, which log hiccups on odd pages; the
command line silences them (a library leaves logging to its application)."""


class ExtractError(ValueError):
    """A file's content cannot be turned into text (binary, undecodable, empty)."""


@dataclass(frozen=True)
class Decoded:
    """Decoded text and the encoding that produced it."""

    text: str
    encoding: str
    detected: bool = False


def normalize_newlines(text: str) -> str:
    r"""Make every line ending ``\n`` and change nothing else.

    >>> normalize_newlines("a\r\nb\rc\n")
    'a\nb\nc\n'
    """
    return text.replace("\r\n", "\n").replace("\r", "\n")


def looks_binary(data: bytes) -> bool:
    """True when bytes are not text: more than a stray NUL byte (1% of the
    start), or many control characters. Text corpora carry the odd NUL or
    control byte from old conversions; binary formats are full of them.

    >>> looks_binary(b"hello\\n"), looks_binary(b"\\x00\\x01PNG"), looks_binary(b"a long text " * 20 + b"\\x00")
    (False, True, False)
    """
    head = data[:8192]
    if not head:
        return False
    controls = len(head) - len(head.translate(None, _BINARY_CONTROL))
    return head.count(b"\x00") / len(head) > 0.01 or controls / len(head) > 0.05


def decode(data: bytes, *, html: bool = False, charset: str | None = None) -> Decoded:
    """Decode bytes: BOM, then ``charset`` (the one an HTTP header declares),
    then UTF-8, then a charset the page declares, then a detected one.

    >>> decode("café".encode("cp1252"), charset="windows-1252").text
    'café'

    Raises:
        ExtractError: the bytes are binary or no charset decodes them.
    """
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return Decoded(data.decode(name), name)
            except UnicodeDecodeError as e:
                raise ExtractError(f"has a {name} byte-order mark but does not decode: {e.reason}") from e
    if looks_binary(data):
        raise ExtractError("binary file (NUL or control bytes), not text")
    if charset:
        try:
            name = codecs.lookup(charset).name
            return Decoded(data.decode(name), name)
        except (UnicodeDecodeError, LookupError):
            pass  # a wrong or unknown header charset: what the page says next
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    declared = _declared_charset(data) if html else None
    if declared:
        try:
            return Decoded(data.decode(declared), declared)
        except (UnicodeDecodeError, LookupError):
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[: 1 << 20]).best()
    if best is not None:
        try:
            return Decoded(data.decode(best.encoding), best.encoding, detected=True)
        except (UnicodeDecodeError, LookupError):
            pass
    raise ExtractError("not valid UTF-8, and no declared or detectable charset decodes it")


def _declared_charset(data: bytes) -> str | None:
    head = data[:4096]
    match = _CHARSET_RE.search(head) or _XML_ENCODING_RE.search(head)
    if not match:
        return None
    name = match.group(1).decode("ascii", "replace")
    try:
        found = codecs.lookup(name).name
    except LookupError:
        return None
    # A page that is not UTF-8 cannot be UTF-16/32 either when its <meta> is
    # readable as ASCII: browsers ignore such declarations (WHATWG), and so do we.
    return None if found.startswith(("utf-16", "utf-32")) else found


@dataclass(frozen=True)
class HtmlContent:
    """Main text of an HTML page and what the page says about itself."""

    text: str
    meta: Meta = Meta()
    links: tuple[tuple[str, str | None], ...] = ()  # attribution links to other sites: (url, name)


def extract_html(html: str, *, today: date, url: str | None = None) -> HtmlContent:
    """Return the main text of an HTML page, without navigation, menus and
    footers, and what the page says about itself (``metadata.html_metadata``,
    its dates read as of ``today``).

    trafilatura finds the article body (the measured leader on news pages:
    F1 0.964 on ``../shared/eval/news-html`` with ``favor_precision``); when it
    finds none, BeautifulSoup's visible text of the page is used.

    Raises:
        ExtractError: the page holds no text at all, or the HTML parsers
            (trafilatura, BeautifulSoup) fail on it. Errors of our own
            metadata and credit parsing are bugs and propagate.
    """
    import trafilatura

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            text = trafilatura.extract(html, url=url, include_comments=False, include_tables=True, favor_precision=True) or ""
        title = None
        if not text.strip():
            text, title = _soup_text(html)
    except Exception as e:  # noqa: BLE001 - the parsers' crash on one hostile page must not stop the scan
        raise ExtractError(f"HTML could not be parsed: {type(e).__name__}: {e}") from e
    text = normalize_newlines(text).strip("\n")
    if not text.strip():
        raise ExtractError("HTML page has no text")
    meta = html_metadata(html, url=url, today=today)
    own = meta.url or url
    meta = replace(meta, url=own, title=meta.title or title, site=meta.site or site_of(own))
    return HtmlContent(text, meta, tuple(html_credits(html, own)))


def _soup_text(html: str) -> tuple[str, str | None]:
    from bs4 import BeautifulSoup

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        soup = BeautifulSoup(html, "lxml")
    for tag in soup(["script", "style", "noscript", "template", "nav", "header", "footer", "form"]):
        tag.decompose()
    title = soup.title.get_text(strip=True) if soup.title else None
    lines = [line.strip() for line in soup.get_text("\n").splitlines()]
    return "\n".join(line for line in lines if line), title or None
