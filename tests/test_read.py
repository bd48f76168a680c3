"""Reading files: formats, ids, decoding, and bad input that must not stop a scan."""

from __future__ import annotations

import gzip
import json
import os

import pytest

import provenance
from provenance.read import find_sources, read_path


def test_formats_and_ids(corpus):
    root = corpus(
        {
            "a.txt": "plain text\r\nwith windows line endings\r\n",
            "sub/b.md": "# markdown\n",
            "c.txt.gz": b"",
            "d.jsonl": json.dumps({"id": "x1", "text": "first", "url": "https://www.example.org/x1", "date": "2020-01-02T10:00:00Z"}) + "\n" + json.dumps({"text": "second"}) + "\n",
            "e.html": "<html><head><title>T</title></head><body><article><p>" + "An article paragraph of some length. " * 20 + "</p></article></body></html>",
            "ignored.pdf": b"%PDF",
        }
    )
    (root / "c.txt.gz").write_bytes(gzip.compress(b"compressed text"))
    report = provenance.scan([root])
    ids = [d.id for d in report.documents]
    assert ids == ["a.txt", "c.txt.gz", "d.jsonl#2", "d.jsonl#x1", "e.html", "sub/b.md"]
    assert report.document("a.txt").text == "plain text\nwith windows line endings\n"
    x1 = report.document("d.jsonl#x1")
    assert (x1.url, x1.date, x1.site) == ("https://www.example.org/x1", "2020-01-02", "example.org")
    assert "An article paragraph" in report.document("e.html").text
    assert "<p>" not in report.document("e.html").text


def test_html_main_text_drops_navigation_and_footer(corpus):
    body = "".join(f"<p>Paragraph {i} of the story tells what happened in the city council on Monday evening.</p>" for i in range(8))
    page = f"""<html><head><title>Story</title><script>var x = 1;</script></head><body>
    <nav><ul><li><a href="/">Home</a></li><li><a href="/world">World news menu</a></li></ul></nav>
    <article><h1>Story</h1>{body}</article>
    <footer>Copyright footer text, all rights reserved. Subscribe to our newsletter.</footer></body></html>"""
    root = corpus({"page.html": page})
    text = provenance.scan([root]).document("page.html").text
    assert "Paragraph 7 of the story" in text
    assert "World news menu" not in text and "Copyright footer" not in text and "var x" not in text


def test_decoding_declared_and_detected_charsets(corpus):
    root = corpus({})
    (root / "latin.html").write_bytes('<html><head><meta charset="iso-8859-1"></head><body><p>Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e, a long paragraph about food and drink in the old town square.</p></body></html>'.encode("latin-1"))
    (root / "cp.txt").write_bytes("Na\u00efve fa\u00e7ade \u2014 \u201cquoted\u201d text that is long enough to detect its charset reliably, we hope.".encode("cp1252"))
    report = provenance.scan([root])
    assert "Café crème" in report.document("latin.html").text
    assert "façade" in report.document("cp.txt").text
    assert [w.path.endswith("cp.txt") for w in report.warnings] == [True]



def test_a_text_with_a_stray_nul_byte_is_read_whole(corpus):
    # Old corpora (PAN's among them) carry the odd NUL from a conversion: still text.
    text = "A long plain text about the harbour and its ships. " * 40
    root = corpus({"stray.txt": text[:300].encode() + b"\x00" + text[300:].encode()})
    report = provenance.scan([root])
    assert not report.skipped
    assert report.document("stray.txt").text == text[:300] + "\x00" + text[300:]

BAD = {
    "empty.txt": b"",
    "binary.txt": bytes(range(256)) * 4,
    "broken.txt.gz": b"\x1f\x8b\x08\x00garbage",
    "notags.html": b"<html><head></head><body>   </body></html>",
}


def test_bad_files_are_skipped_with_one_line_each_and_the_scan_goes_on(corpus):
    root = corpus({**BAD, "good.txt": "A good document that is read normally."})
    (root / "lines.jsonl").write_text('{"id": "ok", "text": "fine"}\n{broken json\n{"id": 3}\n')
    report = provenance.scan([root])
    assert [d.id for d in report.documents] == ["good.txt", "lines.jsonl#ok"]
    reasons = {os.path.basename(s.path).split(":")[0]: s.reason for s in report.skipped}
    assert set(reasons) == {"empty.txt", "binary.txt", "broken.txt.gz", "notags.html", "lines.jsonl"}
    assert "empty" in reasons["empty.txt"]
    assert "binary" in reasons["binary.txt"]
    assert "gzip" in reasons["broken.txt.gz"]
    assert all("\n" not in s.reason for s in report.skipped)
    jsonl = sorted(s.reason for s in report.skipped if "lines.jsonl" in s.path)
    assert jsonl == ["line 2 is not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)", "line 3 has no string field 'text'"]


def test_symlink_loop_and_broken_link(corpus):
    root = corpus({"a/doc.txt": "text"})
    os.symlink(root / "a", root / "a" / "loop")
    os.symlink(root / "missing.txt", root / "dangling.txt")
    sources, skipped = find_sources([root])
    assert [s.id for s in sources] == ["a/doc.txt"]
    reasons = sorted(s.reason for s in skipped)
    assert reasons == ["broken symbolic link", "symbolic link loop (folder already scanned)"]


def test_large_file_limit_and_a_long_single_line(corpus):
    root = corpus({"big.txt": "word " * 300_000})
    report = provenance.scan([root], max_file_bytes=4 * 1024 * 1024)
    assert report.documents[0].id == "big.txt"
    report = provenance.scan([root], max_file_bytes=1024)
    assert report.documents == () and "limit" in report.skipped[0].reason


def test_missing_path_raises_input_error(tmp_path):
    with pytest.raises(provenance.InputError, match="no such file"):
        provenance.scan([tmp_path / "nope"])


def test_read_path_of_a_single_file(corpus):
    root = corpus({"one.txt": "x\r\ny"})
    docs, skipped, _ = read_path(root / "one.txt")
    assert [d.text for d in docs] == ["x\ny"] and skipped == []


def test_jsonl_lone_surrogates_and_odd_ids(corpus):
    body = "word " * 40
    lines = [
        '{"id": "x", "title": "t\\ud800", "text": "lone \\ud800 surrogate ' + body + '"}',
        '{"id": true, "text": "' + body + '"}',
        '{"id": 7, "date": "20170512", "text": "dated"}',
    ]
    root = corpus({"a.jsonl": "\n".join(lines) + "\n"})
    report = provenance.scan([root])
    assert [d.id for d in report.documents] == ["a.jsonl#2", "a.jsonl#7", "a.jsonl#x"]
    x = report.document("a.jsonl#x")
    assert x.text.startswith("lone ? surrogate") and x.title == "t?"
    assert report.document("a.jsonl#7").date == "2017-05-12"
    assert [w.reason for w in report.warnings] == ["line 1: invalid Unicode (lone surrogates) in 'text' replaced by '?'"]
    json.dumps(report.to_dict(), ensure_ascii=False).encode("utf-8")  # writable as UTF-8


def test_a_declared_utf16_charset_on_an_ascii_readable_page_is_ignored(corpus):
    page = '<html><head><meta charset="utf-16"></head><body><article><p>' + "Caf\u00e9 au lait in the old town square, every morning. " * 10 + "</p></article></body></html>"
    root = corpus({})
    (root / "p.html").write_bytes(page.encode("latin-1"))
    text = provenance.scan([root]).document("p.html").text
    assert "Café au lait" in text


def test_a_loop_of_file_links_is_named_a_loop(corpus):
    root = corpus({"ok.txt": "text"})
    os.symlink(root / "b.txt", root / "a.txt")
    os.symlink(root / "a.txt", root / "b.txt")
    _, skipped = find_sources([root])
    assert sorted(s.reason for s in skipped) == ["symbolic link loop", "symbolic link loop"]


def test_a_parser_crash_skips_the_page_but_our_own_bug_crashes(corpus, monkeypatch):
    """trafilatura failing on a hostile page is a skipped file; a bug in our
    metadata or credit parsing is not hidden as one."""
    import provenance.extract

    root = corpus({"a.html": "<html><body><article><p>" + "Some words of an article. " * 20 + "</p></article></body></html>"})

    def crash(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr("trafilatura.extract", crash)
    report = provenance.scan([root])
    assert [s.reason for s in report.skipped] == ["HTML could not be parsed: RecursionError: maximum recursion depth exceeded"]
    monkeypatch.undo()

    def bug(*args, **kwargs):
        raise KeyError("our own bug")

    monkeypatch.setattr(provenance.extract, "html_metadata", bug)
    with pytest.raises(KeyError, match="our own bug"):
        provenance.scan([root])
    monkeypatch.setattr(provenance.extract, "html_credits", bug)
    monkeypatch.setattr(provenance.extract, "html_metadata", provenance.metadata.html_metadata)
    with pytest.raises(KeyError, match="our own bug"):
        provenance.scan([root])


@pytest.mark.skipif(not hasattr(os, "posix_fadvise") or not os.path.isdir("/proc/self/fd"), reason="no posix_fadvise")
def test_prefetch_announces_files_and_passes_over_what_it_cannot_open(tmp_path, monkeypatch):
    from provenance.read import Source, prefetch

    (tmp_path / "a.txt").write_text("Some words.\n")
    (tmp_path / "a.txt.meta.json").write_text('{"url": "https://example.org/a"}')
    os.mkfifo(tmp_path / "pipe.txt")  # opened without blocking: no writer ever comes
    advised: list[str] = []
    real = os.posix_fadvise

    def spy(fd: int, offset: int, length: int, advice: int) -> None:
        advised.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd, offset, length, advice)

    monkeypatch.setattr(os, "posix_fadvise", spy)
    prefetch([
        Source(str(tmp_path / "a.txt"), "a.txt"),
        Source(str(tmp_path / "missing.txt"), "missing.txt"),
        Source(str(tmp_path / "pipe.txt"), "pipe.txt", sidecar=False),
        Source("-", "-", data=b"piped"),
    ])
    assert sorted(os.path.basename(p) for p in advised) == ["a.txt", "a.txt.meta.json", "pipe.txt"]
    report = provenance.scan([tmp_path / "a.txt"])
    assert [d.url for d in report.documents] == ["https://example.org/a"]


def test_documents_share_one_string_per_site_and_date(tmp_path):
    # A big scan holds every document's metadata: a crawl's repeated sites and dates are kept once.
    lines = [json.dumps({"id": i, "text": f"text {i}", "url": f"https://example.org/{i}", "date": "2020-01-02"}) for i in range(3)]
    (tmp_path / "feed.jsonl").write_text("\n".join(lines) + "\n")
    docs, _, _ = read_path(tmp_path / "feed.jsonl")
    assert len(docs) == 3 and docs[0].site == "example.org"
    assert len({id(d.site) for d in docs}) == 1 and len({id(d.date) for d in docs}) == 1
