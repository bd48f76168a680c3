"""Classification and grouping of passages."""

from __future__ import annotations

import json
import random

import provenance
from tests.test_properties import random_words, sentences, vocabulary


def _records(rng, vocab, n, shared: str, site: str):
    out = []
    for i in range(n):
        body = sentences(rng, random_words(rng, vocab, 300))
        out.append({"id": f"{site}-{i}", "url": f"https://www.{site}/story/{i}", "text": f"{body}\n\n{shared}"})
    return out


def test_text_a_site_repeats_on_its_pages_is_boilerplate(corpus):
    rng = random.Random(7)
    vocab = vocabulary(rng)
    appeal = sentences(rng, random_words(rng, vocab, 60))
    records = _records(rng, vocab, 3, appeal, "example.org")
    root = corpus({"site.jsonl": "\n".join(json.dumps(r) for r in records) + "\n"})
    report = provenance.scan([root])
    assert report.passages and {p.kind for p in report.passages} == {"boilerplate"}
    assert all(len(p.matches) == 2 for p in report.passages)
    assert all(d["reused_chars"] == 0 for d in report.to_dict()["documents"])


def test_the_same_text_across_sites_is_reuse_not_boilerplate(corpus):
    rng = random.Random(8)
    vocab = vocabulary(rng)
    article = sentences(rng, random_words(rng, vocab, 80))
    records = _records(rng, vocab, 1, article, "a.org") + _records(rng, vocab, 1, article, "b.org") + _records(rng, vocab, 1, article, "c.org")
    root = corpus({"sites.jsonl": "\n".join(json.dumps(r) for r in records) + "\n"})
    report = provenance.scan([root])
    assert {p.kind for p in report.passages} == {"verbatim"}
    # One passage per document, matched by both other witnesses.
    assert sorted((p.document, len(p.matches)) for p in report.passages) == [
        ("sites.jsonl#a.org-0", 2), ("sites.jsonl#b.org-0", 2), ("sites.jsonl#c.org-0", 2)
    ]


def test_short_common_phrases_are_not_passages(corpus):
    rng = random.Random(9)
    vocab = vocabulary(rng)
    phrase = "the two countries signed the agreement on"
    texts = {f"{n}.txt": sentences(rng, random_words(rng, vocab, 200)) + f" {phrase} " + sentences(rng, random_words(rng, vocab, 200)) for n in "ab"}
    assert provenance.scan([corpus(texts)]).passages == ()


def test_identical_documents_with_a_long_refrain_are_wholly_reused(corpus):
    rng = random.Random(10)
    vocab = vocabulary(rng)
    refrain = " ".join(random_words(rng, vocab, 25)) + ". "
    text = sentences(rng, random_words(rng, vocab, 300)) + "\n" + refrain * 60 + "\n" + sentences(rng, random_words(rng, vocab, 300))
    report = provenance.scan([corpus({"a.txt": text, "b.txt": text})])
    for doc in report.to_dict()["documents"]:
        assert doc["reused_chars"] >= len(text.rstrip(". \n")) - 2


def test_a_phrase_in_many_documents_links_them_without_all_pairs(corpus):
    rng = random.Random(12)
    vocab = vocabulary(rng)
    shared = sentences(rng, random_words(rng, vocab, 60))
    files = {f"{i:02}.txt": sentences(rng, random_words(rng, vocab, 150)) + " " + shared for i in range(20)}
    report = provenance.scan([corpus(files)], max_bucket_docs=8)
    linked = {p.document for p in report.passages}
    assert linked == set(files)  # every copy is found, each linked to a few hubs


def test_an_oversized_bucket_links_each_document_to_the_hubs_only(corpus):
    """The rule (lsh.HUB_LINKS): in a bucket of more than max_bucket_docs
    documents, every window is paired with the first HUB_LINKS windows only, so
    twenty copies of one text make 4 * 19 - 6 document pairs, not 190."""
    from provenance.lsh import HUB_LINKS

    rng = random.Random(12)
    vocab = vocabulary(rng)
    text = sentences(rng, random_words(rng, vocab, 200))
    files = {f"{i:02}.txt": text for i in range(20)}
    report = provenance.scan([corpus(files)], max_bucket_docs=8)
    pairs = {frozenset((p.document, m.document)) for p in report.passages for m in p.matches}
    hubs = sorted(files)[:HUB_LINKS]  # windows are numbered in reading order
    assert pairs == {frozenset((h, d)) for h in hubs for d in files if d != h}
    assert len(pairs) == HUB_LINKS * (len(files) - 1) - HUB_LINKS * (HUB_LINKS - 1) // 2


def test_a_template_block_on_only_two_pages_of_a_site_is_boilerplate(corpus):
    # Two press releases of one site: different stories, the same closing
    # "About the company" paragraph (issue 11).
    rng = random.Random(11)
    vocab = vocabulary(rng)
    about = sentences(rng, random_words(rng, vocab, 60))
    records = _records(rng, vocab, 2, about, "acme.example")
    root = corpus({"site.jsonl": "\n".join(json.dumps(r) for r in records) + "\n"})
    report = provenance.scan([root])
    assert report.passages and {p.kind for p in report.passages} == {"boilerplate"}
    assert all(d["reused_chars"] == 0 for d in report.to_dict()["documents"])


def test_a_site_republishing_its_own_article_is_reuse(corpus):
    # Same site, two pages: the second republishes the first article whole
    # (with a new first line). Most of each page is shared: reuse, not template.
    rng = random.Random(12)
    vocab = vocabulary(rng)
    article = sentences(rng, random_words(rng, vocab, 250))
    records = [
        {"id": "first", "url": "https://www.acme.example/2024/story", "text": article},
        {"id": "again", "url": "https://www.acme.example/2025/story-again", "text": "Republished from our archive.\n\n" + article},
    ]
    root = corpus({"site.jsonl": "\n".join(json.dumps(r) for r in records) + "\n"})
    report = provenance.scan([root])
    assert report.passages and {p.kind for p in report.passages} == {"verbatim"}


def test_a_paragraph_quoted_inside_a_new_article_of_the_same_site_is_reuse(corpus):
    # Shared text in the middle of a page is not the site's template.
    rng = random.Random(13)
    vocab = vocabulary(rng)
    paragraph = sentences(rng, random_words(rng, vocab, 60))
    texts = [sentences(rng, random_words(rng, vocab, 200)) + "\n\n" + paragraph + "\n\n" + sentences(rng, random_words(rng, vocab, 200)) for _ in range(2)]
    records = [{"id": f"p{i}", "url": f"https://www.acme.example/p{i}", "text": t} for i, t in enumerate(texts)]
    root = corpus({"site.jsonl": "\n".join(json.dumps(r) for r in records) + "\n"})
    report = provenance.scan([root])
    assert report.passages and "boilerplate" not in {p.kind for p in report.passages}
