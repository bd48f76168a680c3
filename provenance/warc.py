"""Web archives: a WARC file (``.warc``, ``.warc.gz``) → its HTML pages.

One HTML ``response`` record with a 2xx status is one page; request,
metadata, warcinfo, revisit and resource records and non-HTML responses are
not pages. The HTTP transfer encoding (chunked) and content encodings (gzip,
deflate, br) are undone by FastWARC (``fastwarc``, the Rust WARC parser of
the Resiliparse toolkit: about 3x less CPU than warcio on a generated 100 MB
archive, and it decodes Brotli itself).

A broken record never ends the archive: a record that is truncated, whose
``Content-Length`` does not match, whose gzip member is damaged or whose
content encoding cannot be undone becomes one ``Skipped`` line with its byte
offset (in the file as stored, compressed or not), and reading goes on at the
next record that starts cleanly. Records are streamed: memory holds one
record at a time, at most ``max_bytes`` of it (``--max-file-mb`` applies to
each record, not to the archive).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from fastwarc.warc import ArchiveIterator, WarcRecord, WarcRecordType

from provenance.models import Skipped

SUFFIXES = (".warc",)
"""A WARC file's suffix, before an optional ``.gz``."""

HTML_TYPES = ("text/html", "application/xhtml+xml")
"""HTTP content types of the records that are pages."""

_GZIP_MAGIC = b"\x1f\x8b\x08"
_RECORD_MAGIC = b"WARC/1."
_SCAN_CHUNK = 1 << 20


@dataclass(frozen=True)
class Page:
    """One HTML response of an archive, decoded from HTTP but not from bytes.

    ``record`` is the WARC-Record-ID without its angle brackets
    (``urn:uuid:…``), or ``@<offset>`` when the record has none; ``crawled``
    is the WARC-Date's day (``YYYY-MM-DD``); ``charset`` the one the HTTP
    header declares.
    """

    record: str
    offset: int
    url: str | None
    crawled: str | None
    html: bytes
    charset: str | None
    truncated: str | None = None  # WARC-Truncated: the crawler cut the payload (length, time, …)


def iter_pages(path: str, *, max_bytes: int) -> Iterator[Page | Skipped]:
    """Stream an archive's HTML pages, and one ``Skipped`` per broken record.

    Args:
        path: a ``.warc`` or ``.warc.gz`` file (gzip per record, or whole).
        max_bytes: the largest record (and decoded page) read; larger ones
            are skipped.

    Yields:
        ``Page`` for each HTML response, ``Skipped`` (path ``path``, reason
        naming the offset) for each record that cannot be read, in file order.

    Raises:
        OSError: the file cannot be opened.
    """
    with open(path, "rb") as stream, open(path, "rb") as raw:
        gz = raw.read(len(_GZIP_MAGIC)) == _GZIP_MAGIC
        start: int | None = 0
        last = -1  # offset of the last record read whole
        while start is not None:
            stream.seek(start)
            began = start
            records = iter(ArchiveIterator(stream, parse_http=False))
            while True:
                current: int | None = None
                try:
                    record = next(records)
                    current = record.stream_pos
                    outcome = _page(record, raw, path, gz=gz, max_bytes=max_bytes)
                except StopIteration:
                    return
                except OSError as e:
                    # Inside a known record, or in whatever follows the last good one.
                    bad = current if current is not None else max(_end_of(raw, last, gz), began)
                    yield Skipped(path, f"record at offset {bad}: {_reason(e)}", offset=bad)
                    # What follows the last good record may be garbage (then the
                    # next clean start is after it) or a record that starts
                    # cleanly and breaks later (then it is passed over).
                    start = _find_start(raw, bad, gz)
                    if start == bad:
                        start = _find_start(raw, bad + 1, gz)
                    yield from _unreadable(raw, path, bad, start, gz)
                    break
                if isinstance(outcome, _Resync):
                    yield outcome.skipped
                    start = _find_start(raw, current + 1, gz)
                    yield from _unreadable(raw, path, current, start, gz)
                    break
                last = current
                if outcome is not None:
                    yield outcome


@dataclass(frozen=True)
class _Resync:
    """A record whose framing is wrong: what follows must be found again."""

    skipped: Skipped


def _page(record: WarcRecord, raw: BinaryIO, path: str, *, gz: bool, max_bytes: int) -> Page | Skipped | _Resync | None:
    offset = record.stream_pos
    if record.record_type != WarcRecordType.response:
        return None
    rid = (record.record_id or "").strip().strip("<>").strip() or f"@{offset}"

    def skip(reason: str) -> Skipped:
        return Skipped(path, f"record at offset {offset} ({rid}): {reason}", offset=offset)

    length = record.content_length
    if length > max_bytes:
        return skip(f"larger than the {max_bytes // (1024 * 1024)} MB limit ({length // (1024 * 1024)} MB); raise --max-file-mb to read it")
    block = record.reader.read()
    if len(block) < length:
        return skip(f"truncated: the archive ends after {len(block)} of its {length} bytes")
    if not gz and not _ends_cleanly(raw, offset, length):
        return _Resync(skip(f"its Content-Length ({length}) does not match the record: no record end after that many bytes"))
    http = _http_of(block)
    try:
        http.parse_http(auto_decode="all")
        if not _is_page(http):
            return None
        body = http.reader.read(max_bytes + 1)
    except OSError as e:
        fallback = _raw_deflate(block, max_bytes)
        if fallback is None:
            encoding = http.http_headers.get("Content-Encoding") if http.is_http_parsed else None
            what = f"cannot undo its Content-Encoding {encoding!r}" if encoding else "broken HTTP response"
            return skip(f"{what}: {_reason(e)}")
        http, body = fallback
        if not _is_page(http):
            return None
    if len(body) > max_bytes:
        return skip(f"decompresses to more than the {max_bytes // (1024 * 1024)} MB limit; raise --max-file-mb to read it")
    date = record.headers.get("WARC-Date")
    return Page(
        record=rid,
        offset=offset,
        url=(record.headers.get("WARC-Target-URI") or "").strip().strip("<>") or None,
        crawled=date[:10] if date and len(date) >= 10 else None,
        html=body,
        charset=http.http_charset,
        truncated=record.headers.get("WARC-Truncated"),
    )


def _is_page(http: WarcRecord) -> bool:
    """A successful (2xx, or status-less) HTTP response with an HTML content type."""
    status = http.http_headers.status_code
    return (status is None or 200 <= status < 300) and (http.http_content_type or "").lower() in HTML_TYPES


def _http_of(block: bytes) -> WarcRecord:
    """A stand-alone record holding a response's block, for its HTTP layer to be
    parsed and decoded on its own: FastWARC's decoding errors break the
    iterator they happen in, never this copy's archive."""
    http = WarcRecord()
    http.init_headers(WarcRecordType.response, content_length=len(block))
    http.set_bytes_content(block)
    http.is_http = True
    return http


def _raw_deflate(block: bytes, max_bytes: int) -> tuple[WarcRecord, bytes] | None:
    """``Content-Encoding: deflate`` sent as a raw deflate stream (no zlib
    header), which browsers accept and FastWARC does not: the parsed HTTP
    response and its decoded body."""
    http = _http_of(block)
    try:
        http.parse_http(auto_decode="transfer")
        if (http.http_headers.get("Content-Encoding") or "").strip().lower() != "deflate":
            return None
        data = http.reader.read(max_bytes + 1)
        return http, zlib.decompressobj(-zlib.MAX_WBITS).decompress(data, max_bytes + 1)
    except (OSError, zlib.error):
        return None


def _ends_cleanly(raw: BinaryIO, offset: int, length: int) -> bool:
    """True when an uncompressed record's block of ``length`` bytes is
    followed by the blank line that ends every record."""
    raw.seek(offset)
    head = raw.read(64 * 1024)
    end = head.find(b"\r\n\r\n")
    if end < 0:
        return False
    raw.seek(offset + end + 4 + length)
    return raw.read(4) == b"\r\n\r\n"


def _find_start(raw: BinaryIO, after: int, gz: bool) -> int | None:
    """Offset of the first record that starts cleanly at or after ``after``:
    a gzip member (in a compressed archive) or a ``WARC/1.`` line, whose
    first bytes really are a WARC record."""
    magic = _GZIP_MAGIC if gz else _RECORD_MAGIC
    pos = max(after, 0)
    while True:
        raw.seek(pos)
        chunk = raw.read(_SCAN_CHUNK + len(magic))
        if len(chunk) < len(magic):
            return None
        at = chunk.find(magic)
        while at >= 0:
            if _starts_record(raw, pos + at, gz):
                return pos + at
            at = chunk.find(magic, at + 1)
        pos += _SCAN_CHUNK


def _unreadable(raw: BinaryIO, path: str, bad: int, resume: int | None, gz: bool) -> Iterator[Skipped]:
    """One line for each record that seems to start between a broken one and
    where reading resumes, but whose first bytes are not a readable record."""
    magic = _GZIP_MAGIC if gz else _RECORD_MAGIC
    pos = bad  # chunks overlap by a byte: a plain record's magic needs the newline before it
    while resume is None or pos < resume:
        raw.seek(pos)
        chunk = raw.read(min(_SCAN_CHUNK, resume - pos) if resume is not None else _SCAN_CHUNK)
        if len(chunk) <= len(magic):
            return
        at = chunk.find(magic, 1)
        while at >= 0:
            if gz or chunk[at - 1 : at] == b"\n":
                where = pos + at
                yield Skipped(path, f"record at offset {where}: damaged, its first bytes are not a readable WARC record", offset=where)
            at = chunk.find(magic, at + 1)
        pos += len(chunk) - len(magic)


def _end_of(raw: BinaryIO, offset: int, gz: bool) -> int:
    """Where the record at ``offset`` ends (0 before the first record): the
    end of its gzip member, or of its block and blank line."""
    if offset < 0:
        return 0
    raw.seek(offset)
    if gz:
        inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        used = 0
        while not inflate.eof and (chunk := raw.read(_SCAN_CHUNK)):
            try:
                inflate.decompress(chunk)
            except zlib.error:
                return offset + 1
            used += len(chunk)
        return offset + used - len(inflate.unused_data)
    head = raw.read(64 * 1024)
    end = head.find(b"\r\n\r\n")
    length = re.search(rb"(?im)^content-length:\s*(\d+)", head[:end])
    if end < 0 or not length:
        return offset + 1
    return offset + end + 4 + int(length.group(1)) + 4


def _starts_record(raw: BinaryIO, offset: int, gz: bool) -> bool:
    raw.seek(max(offset - 1, 0))
    before = raw.read(1) if offset else b"\n"
    head = raw.read(4096)
    if not gz:
        return before == b"\n" and head.startswith(_RECORD_MAGIC)
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 16).startswith(_RECORD_MAGIC)
    except zlib.error:
        return False


def _reason(error: OSError) -> str:
    text = str(error).strip() or type(error).__name__
    return text[:1].lower() + text[1:]
