"""Web archives: every command reads .warc and .warc.gz files, record by record.

The archives are built here byte by byte (WARC/1.0 as ISO 28500 lays it out),
so that a test can damage exactly one record.
"""

from __future__ import annotations

import gzip
import json
import random
import zlib

import brotli
import pytest
from click.testing import CliRunner

import provenance
from provenance.cli import cli
from provenance.read import read_path
from tests.conftest import random_text


def http_response(body: bytes, *, ctype: str = "text/html; charset=utf-8", status: str = "200 OK", headers: tuple[str, ...] = ()) -> bytes:
    head = [f"HTTP/1.1 {status}", f"Content-Type: {ctype}", *headers]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def record(block: bytes, *, rid: str, uri: str = "", rtype: str = "response", date: str = "2021-03-04T05:06:07Z", length: int | None = None, extra: tuple[str, ...] = ()) -> bytes:
    """One WARC record; ``length`` overrides the true Content-Length (a broken record)."""
    ctype = {"response": "application/http; msgtype=response", "request": "application/http; msgtype=request"}.get(rtype, "application/warc-fields")
    lines = ["WARC/1.0", f"WARC-Type: {rtype}", f"WARC-Record-ID: <urn:uuid:{rid}>", f"WARC-Date: {date}"]
    if uri:
        lines.append(f"WARC-Target-URI: {uri}")
    lines += [f"Content-Type: {ctype}", *extra, f"Content-Length: {len(block) if length is None else length}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + block + b"\r\n\r\n"


def page(text: str, *, title: str = "A story", head: str = "") -> bytes:
    paragraphs = "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
    return f"<html><head><title>{title}</title>{head}</head><body><article>{paragraphs}</article></body></html>".encode()


def response(rid: str, uri: str, body: bytes, **kw) -> bytes:
    return record(http_response(body, **{k: v for k, v in kw.items() if k in ("ctype", "status", "headers")}), rid=rid, uri=uri, **{k: v for k, v in kw.items() if k in ("date", "length", "extra")})


def gz_members(records: list[bytes]) -> bytes:
    """A .warc.gz as crawlers write it: one gzip member per record."""
    return b"".join(gzip.compress(r, mtime=0) for r in records)


SHARED = random_text(random.Random(7), 120)


def story(n: int, with_shared: bool = True) -> str:
    own = random_text(random.Random(100 + n), 150)
    return f"{own}\n\n{SHARED}" if with_shared else own


def crawl(extra: list[bytes] | None = None) -> list[bytes]:
    """A small crawl: warcinfo, a request, two pages that share a passage, and non-pages."""
    return [
        record(b"software: test\r\n", rid="info", rtype="warcinfo"),
        record(b"GET /a HTTP/1.1\r\nHost: a.example\r\n\r\n", rid="req-a", uri="https://a.example/a", rtype="request"),
        response("page-a", "https://a.example/a", page(story(1))),
        response("img", "https://a.example/logo.png", b"\x89PNG\r\n\x1a\n" + bytes(200), ctype="image/png"),
        record(b"via: https://a.example/\r\n", rid="meta", uri="https://a.example/a", rtype="metadata"),
        response("missing", "https://b.example/gone", page(story(9)), status="404 Not Found"),
        response("page-b", "https://b.example/b", page(story(2))),
        *(extra or []),
    ]


def test_scan_reads_html_responses_of_an_archive_as_documents(tmp_path):
    (tmp_path / "crawl.warc.gz").write_bytes(gz_members(crawl()))
    report = provenance.scan([tmp_path])
    assert [(d.id, d.url, d.site, d.record) for d in report.documents] == [
        ("crawl.warc.gz#urn:uuid:page-a", "https://a.example/a", "a.example", "urn:uuid:page-a"),
        ("crawl.warc.gz#urn:uuid:page-b", "https://b.example/b", "b.example", "urn:uuid:page-b"),
    ]
    assert report.skipped == ()
    shared = {(p.document, p.text) for p in report.passages}
    assert len(shared) == 2 and all(SHARED[:60] in text for _, text in shared)


def test_an_uncompressed_archive_reads_the_same(tmp_path):
    (tmp_path / "crawl.warc").write_bytes(b"".join(crawl()))
    report = provenance.scan([tmp_path])
    assert [d.id for d in report.documents] == ["crawl.warc#urn:uuid:page-a", "crawl.warc#urn:uuid:page-b"]
    assert len(report.passages) == 2


def test_transfer_and_content_encodings_are_undone_and_the_header_charset_wins(tmp_path):
    text = "Grüße aus Köln: un café très spécial, déjà vu. " + story(3, with_shared=False)
    latin = page(text).replace(b"<head>", b"<head>").decode().encode("latin-1")
    utf8_meta = page(text, head='<meta charset="utf-8">')

    def chunked(data: bytes, size: int = 97) -> bytes:
        parts = [f"{len(data[i:i + size]):x}\r\n".encode() + data[i:i + size] + b"\r\n" for i in range(0, len(data), size)]
        return b"".join(parts) + b"0\r\n\r\n"

    records = [
        response("plain", "https://x.example/plain", latin, ctype="text/html; charset=ISO-8859-1"),
        response("gzip", "https://x.example/gzip", gzip.compress(latin), ctype="text/html; charset=iso-8859-1", headers=("Content-Encoding: gzip",)),
        response("deflate", "https://x.example/deflate", zlib.compress(latin), ctype="text/html; charset=iso-8859-1", headers=("Content-Encoding: deflate",)),
        response("raw-deflate", "https://x.example/raw", zlib.compress(latin)[2:-4], ctype="text/html; charset=iso-8859-1", headers=("Content-Encoding: deflate",)),
        response("br", "https://x.example/br", brotli.compress(latin), ctype="text/html; charset=iso-8859-1", headers=("Content-Encoding: br",)),
        response("chunked", "https://x.example/chunked", chunked(gzip.compress(latin)), ctype="text/html; charset=iso-8859-1", headers=("Transfer-Encoding: chunked", "Content-Encoding: gzip")),
        response("page-charset", "https://x.example/meta", utf8_meta, ctype="text/html"),
    ]
    path = tmp_path / "enc.warc.gz"
    path.write_bytes(gz_members(records))
    docs, skipped, warnings = read_path(path)
    assert skipped == [] and warnings == []
    assert [d.record for d in docs] == ["urn:uuid:" + r for r in ("plain", "gzip", "deflate", "raw-deflate", "br", "chunked", "page-charset")]
    assert all(d.text.startswith("Grüße aus Köln: un café très spécial") for d in docs), [d.text[:40] for d in docs]


def test_a_damaged_gzip_member_is_one_skipped_line_and_its_neighbours_are_read(tmp_path):
    records = crawl(extra=[response("page-c", "https://c.example/c", page(story(3)))])
    members = [gzip.compress(r, mtime=0) for r in records]
    broken = bytearray(members[2])  # page-a
    broken[40:80] = bytes(40)
    members[2] = bytes(broken)
    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(b"".join(members))
    offset = sum(len(m) for m in members[:2])
    report = provenance.scan([tmp_path])
    assert [d.record for d in report.documents] == ["urn:uuid:page-b", "urn:uuid:page-c"]
    assert [(s.path, s.offset) for s in report.skipped] == [(str(path), offset)]
    assert report.skipped[0].reason.startswith(f"record at offset {offset}")
    assert report.to_dict()["skipped"][0]["offset"] == offset
    assert len(report.passages) == 2  # b and c still share the passage


def test_consecutive_damaged_members_each_one_line_and_reading_goes_on(tmp_path):
    records = crawl(extra=[response("page-c", "https://c.example/c", page(story(3)))])
    members = [gzip.compress(r, mtime=0) for r in records]
    for i in (2, 3):  # page-a and the image after it
        broken = bytearray(members[i])
        broken[30:60] = bytes(30)  # the first bytes still inflate to "WARC/1.": each looks like a record start
        members[i] = bytes(broken)
    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(b"".join(members))
    docs, skipped, _ = read_path(path)
    assert [d.record for d in docs] == ["urn:uuid:page-b", "urn:uuid:page-c"]
    assert [s.offset for s in skipped] == [sum(len(m) for m in members[:2]), sum(len(m) for m in members[:3])]


@pytest.mark.parametrize("delta", [60, -60])
def test_a_wrong_content_length_skips_that_record_only(tmp_path, delta):
    good = crawl(extra=[response("page-c", "https://c.example/c", page(story(3)))])
    body = http_response(page(story(2)))
    bad = record(body, rid="page-b", uri="https://b.example/b", length=len(body) + delta)
    records = [bad if b"urn:uuid:page-b" in r else r for r in good]
    path = tmp_path / "crawl.warc"
    path.write_bytes(b"".join(records))
    offset = sum(len(r) for r in records[: records.index(bad)])
    docs, skipped, _ = read_path(path)
    assert [d.record for d in docs] == ["urn:uuid:page-a", "urn:uuid:page-c"]
    assert [(s.offset, "Content-Length" in s.reason) for s in skipped] == [(offset, True)]


def test_garbage_between_records_and_a_truncated_last_record(tmp_path):
    records = crawl(extra=[response("page-c", "https://c.example/c", page(story(3)))])
    data = b"".join(records[:3]) + b"\x00\x17 not a record \xff" * 20 + b"".join(records[3:])
    path = tmp_path / "crawl.warc"
    path.write_bytes(data[:-200])  # the archive ends inside page-c
    docs, skipped, _ = read_path(path)
    assert [d.record for d in docs] == ["urn:uuid:page-a", "urn:uuid:page-b"]
    assert len(skipped) == 2
    assert skipped[0].offset == len(b"".join(records[:3])) and skipped[1].offset == len(data) - len(records[-1])
    assert "truncated" in skipped[1].reason


def test_max_file_mb_applies_to_each_record_not_to_the_archive(tmp_path):
    big = story(4, with_shared=False) * 1500  # about 1.5 MB of text
    records = crawl(extra=[response("big", "https://big.example/", page(big))])
    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(gz_members(records))
    docs, skipped, _ = read_path(path, max_bytes=1024 * 1024)
    assert [d.record for d in docs] == ["urn:uuid:page-a", "urn:uuid:page-b"]
    assert len(skipped) == 1 and "limit" in skipped[0].reason and "urn:uuid:big" in skipped[0].reason
    small = tmp_path / "small"
    small.mkdir()
    (small / "crawl.warc.gz").write_bytes(gz_members(crawl() * 40))  # repeated ids: later copies skipped
    docs, skipped, _ = read_path(small / "crawl.warc.gz", max_bytes=(small / "crawl.warc.gz").stat().st_size // 2)
    assert len(docs) == 2 and all("repeats its WARC-Record-ID" in s.reason for s in skipped)


def test_the_page_date_wins_and_the_crawl_date_is_the_fallback(tmp_path):
    stated = page(story(1), head='<meta property="article:published_time" content="2019-05-06T10:00:00Z">')
    records = [response("stated", "https://a.example/x", stated, date="2021-01-01T00:00:00Z"), response("crawled", "https://b.example/y", page(story(2)), date="2020-02-03T04:05:06Z")]
    (tmp_path / "c.warc").write_bytes(b"".join(records))
    report = provenance.scan([tmp_path])
    assert [(d.record, d.date, d.date_source) for d in report.documents] == [("urn:uuid:crawled", "2020-02-03", "crawl"), ("urn:uuid:stated", "2019-05-06", "html-meta")]
    origin = report.passages[0].origin
    # The stated date is earlier: it wins, but the other page's crawl day only bounds its publication.
    assert origin.rule == "earliest-date" and origin.document == "c.warc#urn:uuid:stated"
    assert origin.confidence == 0.5 and any("crawl days only" in e for e in origin.evidence)


def test_an_archive_without_pages_and_a_file_that_is_no_archive(tmp_path):
    (tmp_path / "empty.warc").write_bytes(b"".join(crawl()[:2]))
    (tmp_path / "fake.warc.gz").write_bytes(gzip.compress(b"<html>not an archive</html>"))
    report = provenance.scan([tmp_path])
    assert report.documents == ()
    assert [(s.path.rsplit("/", 1)[1], s.reason.split(":")[0]) for s in report.skipped] == [("empty.warc", "no HTML response records"), ("fake.warc.gz", "record at offset 0")]


def test_explain_extract_and_html_report_take_a_warc_record(tmp_path):
    (tmp_path / "crawl.warc.gz").write_bytes(gz_members(crawl()))
    archive = str(tmp_path / "crawl.warc.gz")
    runner = CliRunner()
    result = runner.invoke(cli, ["extract", archive, "--record", "urn:uuid:page-b"], catch_exceptions=False)
    assert result.exit_code == 0 and result.stdout.split() == story(2).split()
    result = runner.invoke(cli, ["extract", archive, "--record", "<urn:uuid:page-a>"], catch_exceptions=False)
    assert result.exit_code == 0 and result.stdout.split() == story(1).split()
    result = runner.invoke(cli, ["extract", archive])
    assert result.exit_code == 2 and "holds 2 records; choose one with --record" in result.stderr
    result = runner.invoke(cli, ["explain", archive, "--record", "urn:uuid:page-a", "--color", "never"], catch_exceptions=False)
    assert result.exit_code == 0 and "crawl.warc.gz#urn:uuid:page-b" in result.stdout and "https://a.example/a" in result.stdout
    html = tmp_path / "report.html"
    result = runner.invoke(cli, ["scan", str(tmp_path), "--html", str(html), "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0 and {d["id"] for d in json.loads(result.stdout)["documents"]} == {"crawl.warc.gz#urn:uuid:page-a", "crawl.warc.gz#urn:uuid:page-b"}
    assert "crawl.warc.gz#urn:uuid:page-b" in html.read_text(encoding="utf-8")


def test_index_add_and_check_read_archives(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "corpus").mkdir()
    (tmp_path / "incoming").mkdir()
    (tmp_path / "corpus" / "crawl.warc.gz").write_bytes(gz_members(crawl()[:3]))
    (tmp_path / "incoming" / "new.warc").write_bytes(response("copy", "https://c.example/copy", page(story(5))))
    runner = CliRunner()
    result = runner.invoke(cli, ["index", "add", "corpus", "--db", "corpus.db"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["index", "list", "--db", "corpus.db", "--format", "json"], catch_exceptions=False)
    assert [r["id"] for r in json.loads(result.stdout)] == ["corpus/crawl.warc.gz#urn:uuid:page-a"]
    result = runner.invoke(cli, ["check", "incoming", "--db", "corpus.db", "--format", "json"])
    assert result.exit_code == 1
    verdicts = json.loads(result.stdout)["verdicts"]
    assert [(v["document"], v["passed"]) for v in verdicts] == [("incoming/new.warc#urn:uuid:copy", False)]
