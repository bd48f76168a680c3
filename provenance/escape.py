"""Escape: untrusted text → safe for the channel it is printed on.

Every document is written by a stranger: its text, id, title, URL and file
name are data wherever they are printed, never a command to the terminal,
to a CI runner or to a page (issue 14). One function per channel:

* ``line``: one visible line for a terminal or a CI log. Control characters
  (C0, DEL, C1: ESC starts the terminal's escape sequences), line breaks and
  bidi overrides are spelled out (``\\x1b``, ``\\n``, ``\\u202e``), and
  GitHub's mid-line command marker ``##[`` is broken.
* ``prose``: the same for an excerpt of document text, whose line breaks and
  tabs become spaces; ``lines`` keeps them (a whole text on a terminal).
* ``log``: a whole block of output bound for a CI log: a line that would
  begin with ``::`` (wrapped text can put any word first) or holds ``##[`` gets
  the marker spelled out, so GitHub runs only the commands the tool writes.
* ``markdown``: ``line``, then every Markdown and HTML metacharacter as a
  character reference (GitHub's step summary renders both).
* ``workflow_data``, ``workflow_property``: the ``%`` escapes of GitHub
  workflow commands (``::error file=…::message``).
* ``json_dumps``, ``xml``: JSON and XML documents whose values stay exact but
  whose text carries no raw control character, bidi override or ``##[``.
"""

from __future__ import annotations

import json
import re
import string
from typing import Any

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_PROSE_SPACE = re.compile("[\t\n\r\x0b\x0c\x1c-\x1f\x85\u2028\u2029]+")
_GITHUB_MARKER = "##["
_BROKEN_MARKER = "#\\x23["


def _spell(match: re.Match[str]) -> str:
    char = match[0]
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte of a file name that is not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def line(text: str) -> str:
    """Untrusted text as one line that shows every character it holds.

    >>> line("a\\nb\\x1b]0;title\\x07 \\u202eevil ##[stop-commands]")
    'a\\\\nb\\\\x1b]0;title\\\\x07 \\\\u202eevil #\\\\x23[stop-commands]'
    """
    return _CONTROL.sub(_spell, text).replace(_GITHUB_MARKER, _BROKEN_MARKER)


def prose(text: str) -> str:
    """An excerpt of document text as one line: breaks and tabs become one
    space, other control characters are spelled out as in ``line``.

    >>> prose("one\\n\\ttwo\\x1b[2J")
    'one two\\\\x1b[2J'
    """
    return line(_PROSE_SPACE.sub(" ", text))


_KEPT = re.compile("[^\n\t]+")


def lines(text: str) -> str:
    """Untrusted text that keeps its line breaks and tabs, every other
    control character spelled out as in ``line``.

    >>> lines("a\\n\\tb\\x1b[2J\\r")
    'a\\n\\tb\\\\x1b[2J\\\\r'
    """
    return _KEPT.sub(lambda m: line(m[0]), text)


_SGR = re.compile("\x1b\\[[0-9;]*m")


def log(text: str) -> str:
    """Output bound for a CI log, made unable to command the runner.

    GitHub runs a line as a workflow command when, leading whitespace
    stripped, it begins with ``::``, or when it holds ``##[`` anywhere. The
    tool's own text never does either, so such a line carries untrusted text
    (rich may wrap any word of it to the start of a line): its marker is
    spelled out. Colour codes (SGR) are looked through.

    >>> log("ok\\n   ::error::x\\n\\x1b[1m::warning::y\\x1b[0m\\na ##[debug]b\\n")
    'ok\\n   \\\\x3a:error::x\\n\\x1b[1m\\\\x3a:warning::y\\x1b[0m\\na #\\\\x23[debug]b\\n'
    """
    out = []
    for part in text.splitlines(keepends=True):
        if _SGR.sub("", part).lstrip().startswith("::"):
            part = part.replace("::", "\\x3a:", 1)
        out.append(part.replace(_GITHUB_MARKER, _BROKEN_MARKER))
    return "".join(out)


# Character references are literal text in CommonMark and GitHub's HTML
# sanitiser, never markup; '/', ',' and '-' cannot start anything mid-line.
_MARKDOWN_SPECIAL = frozenset(string.punctuation) - set("/,-")


def markdown(text: str) -> str:
    """Untrusted text for a Markdown page that also renders HTML (GitHub's
    step summary): one line, each metacharacter a character reference.

    >>> markdown("a|b <img src=x> *c*")
    'a&#124;b &#60;img src&#61;x&#62; &#42;c&#42;'
    """
    return "".join(f"&#{ord(c)};" if c in _MARKDOWN_SPECIAL else c for c in line(text))


def workflow_data(text: str) -> str:
    """The message of a workflow command (after its second ``::``): one
    visible line, with ``%`` escaped as GitHub unescapes it.

    >>> workflow_data("50% of x\\ny")
    '50%25 of x\\\\ny'
    """
    return line(text).replace("%", "%25")


def workflow_property(value: str) -> str:
    """A property of a workflow command (``file=…``): exact where GitHub can
    unescape it (``%25``, ``%0D``, ``%0A``, ``%3A``, ``%2C``), other control
    characters spelled out as in ``line``.

    >>> workflow_property("in/a, b:c\\n\\x1b.txt")
    'in/a%2C b%3Ac%0A\\\\x1b.txt'
    """
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return line(value.replace(":", "%3A").replace(",", "%2C"))


# Raw in JSON text, these would reach a terminal that prints the file.
_JSON_RAW = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def json_dumps(data: Any, *, indent: int | None = 2) -> str:
    """JSON text (UTF-8, indented) whose parsed values are exactly ``data``,
    written so that printing it cannot command a terminal or a CI runner:
    C1 controls, line separators, bidi overrides and lone surrogates as
    ``\\uXXXX`` escapes, and ``##[`` as ``#\\u0023[``. ``indent=None``
    writes one line (JSON lines).

    >>> json_dumps({"id": "a\\x9b##[x\\udcff"})
    '{\\n  "id": "a\\\\u009b#\\\\u0023[x\\\\udcff"\\n}'
    >>> json.loads(json_dumps({"id": "a\\x9b##[x"}))["id"] == "a\\x9b##[x"
    True
    """
    text = json.dumps(data, ensure_ascii=False, indent=indent)
    # '#' and these characters occur only inside JSON strings, where a \\u
    # escape stands for the same character.
    text = _JSON_RAW.sub(lambda m: f"\\u{ord(m[0]):04x}", text)
    return text.replace(_GITHUB_MARKER, "#\\u0023[")


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml(document: str) -> str:
    """A serialised XML document made safe to print: characters XML 1.0
    cannot carry become U+FFFD, and ``##[`` (only ever in text or attribute
    values) is written ``#&#35;[``.

    >>> xml('<a b="x\\x01##[y"/>')
    '<a b="x\\ufffd#&#35;[y"/>'
    """
    return _XML_ILLEGAL.sub("\ufffd", document).replace(_GITHUB_MARKER, "#&#35;[")
