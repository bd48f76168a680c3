"""Tracing passages to their origin (issue: trace each passage back to its source URL)."""

from __future__ import annotations

import json
import random

import provenance
from provenance.cli import cli
from tests.test_properties import random_words, sentences, vocabulary
from tests.test_seeds import BLOG, ESSAY, MOSCOW_TIMES, SPUTNIK

SPUTNIK_URL = "https://sputniknews.com/world/201705121053539022-russia-china-relations-alliance/"
DIPLOMAT_URL = "http://thediplomat.com/2016/12/behind-china-and-russias-special-relationship/"


def test_sputnik_passages_trace_to_sputnik(samples_report):
    for doc in (SPUTNIK, BLOG):
        linked = [p for p in samples_report.passages_of(doc) if any(m.document in (SPUTNIK, BLOG) for m in p.matches)]
        assert linked and all(p.origin.url == SPUTNIK_URL for p in linked)
        assert all(p.origin.confidence >= 0.9 for p in linked)


def test_diplomat_sentence_traces_to_the_diplomat(samples_report):
    for doc, other in ((ESSAY, BLOG), (BLOG, ESSAY)):
        linked = [p for p in samples_report.passages_of(doc) if any(m.document == other for m in p.matches)]
        assert linked and all(p.origin.url == DIPLOMAT_URL for p in linked)
        assert any("credits" in e and DIPLOMAT_URL in e for e in linked[0].origin.evidence)


def test_seed_credits_dates_and_reprints(samples_report):
    blog = samples_report.document(BLOG)
    assert [c.url for c in blog.credits] == [SPUTNIK_URL, DIPLOMAT_URL]
    sputnik_scope, diplomat_scope = (c.scope for c in blog.credits)
    interview = blog.text.index("In an interview with Sputnik")
    essay = blog.text.index("The 2014 Strategic Partnership")
    assert sputnik_scope[0] <= interview < sputnik_scope[1] <= diplomat_scope[0] <= essay < diplomat_scope[1]
    moscow = samples_report.document(MOSCOW_TIMES)
    assert [c.name for c in moscow.credits] == ["Vedomosti"]
    assert moscow.whole_credit().name == "Vedomosti"
    assert samples_report.document(SPUTNIK).date == "2017-05-12"
    assert samples_report.document(SPUTNIK).date_source == "dateline"


def _three_witnesses(corpus, credit_line: str | None, dates: tuple[str | None, str | None, str | None]):
    rng = __import__("random").Random(11)
    vocab = vocabulary(rng)
    article = sentences(rng, random_words(rng, vocab, 120))
    files = {}
    for name, date in zip("abc", dates, strict=True):
        intro = sentences(rng, random_words(rng, vocab, 80))
        body = f"{intro}\n\n{article}"
        if name == "b" and credit_line:
            body += f"\n\n{credit_line}"
        files[f"{name}.txt"] = body
        if date:
            files[f"{name}.txt.meta.json"] = json.dumps({"date": date, "url": f"https://{name}.example/story"})
    return provenance.scan([corpus(files)])


def test_three_witnesses_one_credit_all_agree(corpus):
    report = _three_witnesses(corpus, "Source: https://origin.example/article-1", (None, None, None))
    origins = {p.origin for p in report.passages}
    assert len(origins) == 1
    (origin,) = origins
    assert origin.url == "https://origin.example/article-1" and origin.rule == "credit"
    assert len(report.passages) == 3 and all(len(p.matches) == 2 for p in report.passages)


def test_earliest_stated_date_wins_without_credits(corpus):
    report = _three_witnesses(corpus, None, ("2020-03-05", "2020-03-01", "2020-03-09"))
    (origin,) = {p.origin for p in report.passages}
    assert origin.document == "b.txt" and origin.rule == "earliest-date"
    assert origin.url == "https://b.example/story"
    assert any("2020-03-01" in e for e in origin.evidence)


def test_same_day_dates_decide_nothing(corpus):
    report = _three_witnesses(corpus, None, ("2020-03-05", "2020-03-05", None))
    (origin,) = {p.origin for p in report.passages}
    assert origin.url is None and origin.name is None and origin.confidence <= 0.2
    assert origin.evidence


def test_manifest_metadata_is_not_a_document_and_wins(corpus):
    root = corpus({"a.txt": "Plain text.", "manifest.csv": "path,url,date,title,site\na.txt,https://x.example/a,2019-01-02T10:00:00Z,A title,X News\n"})
    report = provenance.scan([root])
    assert [d.id for d in report.documents] == ["a.txt"]
    doc = report.documents[0]
    assert (doc.url, doc.date, doc.date_source, doc.title, doc.site) == ("https://x.example/a", "2019-01-02", "manifest", "A title", "X News")


def test_json_report_has_origin_and_document_fields(samples_report):
    data = samples_report.to_dict()
    passage = data["passages"][0]
    assert set(passage["origin"]) >= {"url", "name", "document", "confidence", "evidence"}
    doc = next(d for d in data["documents"] if d["id"] == MOSCOW_TIMES)
    assert doc["credits"][0]["name"] == "Vedomosti" and doc["reprint_of"]["name"] == "Vedomosti"
    assert set(doc["credits"][0]) == {"url", "name", "cue", "start", "end", "scope"}


def test_explain_command_shows_evidence():
    from click.testing import CliRunner

    from tests.conftest import SAMPLES

    result = CliRunner().invoke(cli, ["explain", str(SAMPLES / ESSAY)], catch_exceptions=False)
    assert result.exit_code == 0
    assert "thediplomat.com" in result.stdout and "confidence 0.95" in result.stdout
    result = CliRunner().invoke(cli, ["explain", str(SAMPLES / MOSCOW_TIMES)], catch_exceptions=False)
    assert "a reprint of Vedomosti" in result.stdout


def test_terminal_report_lists_credited_reprints():
    from click.testing import CliRunner

    from tests.conftest import SAMPLES

    out = CliRunner().invoke(cli, ["scan", str(SAMPLES)], catch_exceptions=False).stdout
    assert "Reprints credited to a source" in out and "reprints Vedomosti" in out
    assert "origin" in out and "sputniknews.com" in out


def test_explain_reads_a_file_the_walk_passes_over(tmp_path):
    from click.testing import CliRunner

    from tests.conftest import SAMPLES

    for name in (BLOG, SPUTNIK):
        target = tmp_path / (name if name == BLOG else ".hidden-copy.txt")
        target.write_text((SAMPLES / name).read_text(encoding="utf-8"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["explain", str(tmp_path / ".hidden-copy.txt")], catch_exceptions=False)
    assert result.exit_code == 0 and "sputniknews.com" in result.stdout


def test_a_dated_news_page_is_the_origin_of_its_undated_copy(corpus):
    # issue 13: was "origin unknown: fewer than two witnesses are dated"
    rng = random.Random(7)
    body = sentences(rng, random_words(rng, vocabulary(rng), 300))
    page = (
        '<html><head><link rel="canonical" href="https://news.example/2019/11/18/story">'
        '<meta property="article:published_time" content="2019-11-18T09:00:00Z">'
        f'<meta property="og:site_name" content="News Example"></head><body><article><h1>Story</h1><p>{body}</p></article></body></html>'
    )
    folder = corpus({"news.html": page, "copy.txt": "Our correspondent writes.\n\n" + body})
    report = provenance.scan([folder])
    (origin,) = {p.origin for p in report.passages}
    assert (origin.rule, origin.document, origin.url) == ("only-dated", "news.html", "https://news.example/2019/11/18/story")
    assert origin.confidence == 0.45 and "copy.txt might be older" in origin.evidence[2]
