"""URLs: a page's site, and URLs reduced for comparison. Below every other stage."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit


def site_of(url: str | None) -> str | None:
    """The host of a URL without a leading ``www.``.

    >>> site_of("https://www.example.org/a/b"), site_of(None)
    ('example.org', None)
    """
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


_TRACKING_PARAMS = re.compile(r"^(utm_|fbclid$|gclid$|ref$|ocid$|cmpid$|src$)", re.I)


@lru_cache(maxsize=1 << 16)
def normalize_url(url: str) -> str:
    """A URL reduced for comparison: no scheme, no ``www.``, no trailing slash, no fragment.

    Host is lower-cased and tracking parameters (``utm_*``, ``fbclid`` …) are dropped;
    the rest of the query is kept, since some sites name articles by it.

    >>> normalize_url("https://www.Example.org/a/b/?utm_source=x#top")
    'example.org/a/b'
    >>> normalize_url("http://example.org/show.do?id=7") == normalize_url("example.org/show.do?id=7")
    True
    """
    url = url.strip()
    if "://" not in url:
        url = "http://" + url.lstrip("/")
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return url.lower()
    if host.startswith("www."):
        host = host[4:]
    path = parts.path.rstrip("/")
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING_PARAMS.match(k)]
    return host + path + ("?" + urlencode(query) if query else "")


def is_home_page(url: str) -> bool:
    """Whether a URL is a site's home page (no path).

    >>> is_home_page("https://www.bbc.co.uk/"), is_home_page("bbc.co.uk/news/1")
    (True, False)
    """
    return "/" not in normalize_url(url).split("?")[0]
