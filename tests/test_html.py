"""The HTML report without a browser: escaping, self-containment, the graph, round trips."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import random
import re
import subprocess
import sys
from html import escape as escape_html
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

import provenance
from provenance import html as html_report
from provenance import report as render_report
from provenance.cli import cli
from provenance.errors import InputError
from provenance.html import build_graph, render_html, script_json
from provenance.models import Document, Match, Origin, Passage, Report
from tests.conftest import ROOT, SAMPLES, random_text

ESSAY, BLOG, INTERVIEW, MOSCOW_TIMES = (
    "001_32baf823c7bf33c7.txt",
    "000_cc87db15589df885.txt",
    "003_9ba1684f5d8b9a0c.txt",
    "004_91d0b6fe3586614c.txt",
)
SPUTNIK = "url:https://sputniknews.com/world/201705121053539022-russia-china-relations-alliance/"
DIPLOMAT = "url:http://thediplomat.com/2016/12/behind-china-and-russias-special-relationship/"

# Every way a text could try to run script in the page; `window.__pwned` is set if any runs.
PAYLOAD = (
    '<script>window.__pwned = 1</script> and <img src=x onerror="window.__pwned = 2"> then '
    '<a href="javascript:window.__pwned = 3">click me</a> or </script><script>window.__pwned = 4</script> '
    '<!-- <svg onload="window.__pwned = 5"> --> </textarea></template></dialog><style>body{display:none}</style>'
)
SHARED = (
    "The harbour council met on Tuesday to discuss the winter budget for the museum and the library, "
    f"and the minutes record this remark in full: {PAYLOAD} The council then voted to keep the station open "
    "through the season, to repair the bridge over the river before the spring floods, and to publish "
    "the full accounts of the market hall in the village newsletter every quarter from now on."
)
HOSTILE = {
    "a.txt": "Morning notes from the valley.\n\n" + SHARED + "\n\nSource: https://example.org/minutes</script><script>window.__pwned=8</script>\n",
    "b.txt": "An unrelated opening about glaciers and deserts, tundra and prairie.\n\n"
    + SHARED.replace("Tuesday", "Wednesday").replace("every quarter", "each quarter")
    + "\n\nClosing words about the lagoon.\n",
    "c.jsonl": json.dumps(
        {
            "id": '<b id="x">rec</b>',
            "title": "<img src=x onerror=window.__pwned=6>",
            "url": "javascript:window.__pwned=7",
            "text": "A third page quotes it. " + SHARED,
        }
    )
    + "\n",
}


class _Collector(HTMLParser):
    """Tags and the text inside each div.text, as the browser will parse them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[str] = []
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if self._depth:
            self._depth += tag == "div"
        elif tag == "div" and dict(attrs).get("class") == "text":
            self._depth = 1
            self.texts.append("")

    def handle_endtag(self, tag: str) -> None:
        if self._depth and tag == "div":
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.texts[-1] += data


def parse(page: str) -> _Collector:
    collector = _Collector()
    collector.feed(page)
    return collector


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    for name, text in HOSTILE.items():
        (root / name).write_text(text, encoding="utf-8")
    return provenance.scan([root])


def test_hostile_corpus_finds_the_payload_passages(hostile_report):
    assert {p.document for p in hostile_report.passages} >= {"a.txt", "b.txt"}
    assert any("</script>" in p.text for p in hostile_report.passages)


def test_document_text_is_escaped_and_nothing_can_run(hostile_report):
    page = render_html(hostile_report)
    tags = parse(page).tags
    assert [t for t, _ in tags if t == "script"] == ["script", "script"]  # the JSON data and ours
    assert not [t for t, _ in tags if t in ("img", "iframe", "object", "embed", "textarea")]
    assert [t for t, _ in tags if t == "style"] == ["style"]  # ours
    assert [a for t, a in tags if t == "link"] == [{"rel": "icon", "href": "data:,"}]
    for _, attrs in tags:
        assert not any(k.startswith("on") for k in attrs), attrs
        assert not any(v and v.strip().lower().startswith("javascript:") for v in attrs.values()), attrs
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page


def test_texts_render_exactly(hostile_report):
    """With the marks taken out, each document's text is its exact text."""
    page = render_html(hostile_report)
    assert parse(page).texts == [d.text for d in hostile_report.documents]


def test_embedded_json_cannot_end_its_script(hostile_report):
    page = render_html(hostile_report)
    data = page.split('<script type="application/json" id="provenance-report">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data and ">" not in data
    assert json.loads(data) == json.loads(json.dumps(hostile_report.to_dict()))
    assert script_json("</script><!--&") == '"\\u003c/script\\u003e\\u003c!--\\u0026"'


def test_page_loads_nothing(samples_report):
    page = render_html(samples_report)
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert csp is not None and "default-src 'none'" in csp.group(1)
    script = page.rsplit("<script>", 1)[1].split("</script>", 1)[0]
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp.group(1)
    for tag, attrs in parse(page).tags:
        assert "src" not in attrs or tag == "script", (tag, attrs)
        href = attrs.get("href") or ""
        # Links to http(s) origins are for the reader to follow; nothing loads on its own.
        assert tag == "a" or href in ("", "data:,") or href.startswith("#"), (tag, attrs)
    assert "@import" not in page and "url(http" not in page


def test_graph_of_the_samples(samples_report):
    graph = build_graph(samples_report)
    docs = {"doc:" + d.id for d in samples_report.documents}
    assert {n.key for n in graph.nodes} == docs | {SPUTNIK, DIPLOMAT, "name:Vedomosti"}
    assert {(e.source, e.target, e.kind) for e in graph.edges} == {
        ("doc:" + BLOG, SPUTNIK, "near-verbatim"),
        ("doc:" + INTERVIEW, SPUTNIK, "near-verbatim"),
        ("doc:" + BLOG, DIPLOMAT, "near-verbatim"),
        ("doc:" + ESSAY, DIPLOMAT, "near-verbatim"),
        ("doc:" + MOSCOW_TIMES, "name:Vedomosti", "credited"),
    }
    labels = {n.key: n.label for n in graph.nodes}
    assert labels[SPUTNIK] == "sputniknews.com" and labels["name:Vedomosti"] == "Vedomosti"
    # Origins on the right, the documents reprinting them on the left.
    assert graph.positions[SPUTNIK][0] > graph.positions["doc:" + BLOG][0]


def test_unknown_origins_join_the_documents_that_share_text():
    text = "one two three four five six seven eight nine ten"
    docs = (Document("a", text, "a"), Document("b", text, "b"))
    passages = (
        Passage("a", 0, len(text), text, "verbatim", 1.0, (Match("b", 0, len(text), 1.0),)),
        Passage("b", 0, len(text), text, "verbatim", 1.0, (Match("a", 0, len(text), 1.0),)),
    )
    graph = build_graph(Report(docs, passages))
    assert [(e.source, e.target, e.kind, e.passages) for e in graph.edges] == [("doc:a", "doc:b", "shared", 1)]


def test_overlapping_passages_split_the_text():
    text = "alpha beta gamma delta epsilon zeta"
    doc = Document("a", text, "a")
    passages = (
        Passage("a", 0, 16, text[0:16], "verbatim", 1.0, (Match("b", 0, 16, 1.0),)),
        Passage("a", 6, 28, text[6:28], "derivative", 0.7, (Match("c", 0, 22, 0.7),)),
    )
    others = (Document("b", text[0:16], "b"), Document("c", text[6:28], "c"))
    page = render_html(Report((doc, *others), passages))
    assert parse(page).texts[0] == text
    # The shorter passage is on top where both cover the text; a click shows both.
    marks = re.findall(r'<mark[^>]* data-p="([^"]+)"[^>]*>([^<]*)</mark>', page)
    assert marks == [("0", "alpha "), ("0 1", "beta gamma"), ("1", " delta epsil")]


def test_json_with_text_round_trips(samples_report):
    out = io.StringIO()
    render_report.to_json(samples_report, out, with_text=True)
    data = json.loads(out.getvalue())
    assert all(d["text"] == doc.text for d, doc in zip(data["documents"], samples_report.documents, strict=True))
    rebuilt = render_report.from_json(io.StringIO(out.getvalue()))
    assert render_html(rebuilt) == render_html(samples_report)


def test_json_without_text_says_how_to_get_it(samples_report):
    out = io.StringIO()
    render_report.to_json(samples_report, out)
    assert "text" not in json.loads(out.getvalue())["documents"][0]
    fh = io.StringIO(out.getvalue())
    fh.name = "report.json"
    with pytest.raises(InputError, match=r"report.json has no document texts; write it with `provenance scan PATH... --format json --with-text`"):
        render_report.from_json(fh)


def test_cli_scan_html_and_report(tmp_path):
    runner = CliRunner()
    scan_html, again_html, report_json = tmp_path / "scan.html", tmp_path / "again.html", tmp_path / "report.json"
    result = runner.invoke(cli, ["scan", str(SAMPLES), "--html", str(scan_html), "--format", "json", "--with-text"], catch_exceptions=False)
    assert result.exit_code == 0
    report_json.write_text(result.stdout, encoding="utf-8")
    result = runner.invoke(cli, ["report", str(report_json), "--html", str(again_html)], catch_exceptions=False)
    assert result.exit_code == 0 and result.stdout == ""
    assert scan_html.read_text(encoding="utf-8") == again_html.read_text(encoding="utf-8")
    result = runner.invoke(cli, ["report", "-", "--quiet"], input=result.stdout or report_json.read_text(encoding="utf-8"), catch_exceptions=False)
    assert result.stdout.startswith("5 documents, 4 passages, 3 documents with reuse, ") and result.stdout.count("\n") == 1


def test_cli_report_without_texts_is_an_error(tmp_path):
    path = tmp_path / "report.json"
    path.write_text(CliRunner().invoke(cli, ["scan", str(SAMPLES), "--format", "json"]).stdout, encoding="utf-8")
    result = CliRunner().invoke(cli, ["report", str(path), "--html", str(tmp_path / "x.html")])
    assert result.exit_code == 2  # an input error (issue 13)
    assert result.stderr == f"Error: {path} has no document texts; write it with `provenance scan PATH... --format json --with-text` to render it again\n"
    assert not (tmp_path / "x.html").exists()


@pytest.mark.parametrize(
    ("args", "env", "escapes"),
    [(["--color", "always"], {}, True), (["--color", "never"], {}, False), (["--color", "always"], {"NO_COLOR": "1"}, True), ([], {"NO_COLOR": "1"}, False)],
)
def test_color_option_and_no_color(args, env, escapes):
    result = CliRunner(env=env).invoke(cli, ["scan", str(SAMPLES), *args], catch_exceptions=False)
    assert ("\x1b[" in result.stdout) is escapes
    if not escapes:
        # Without colour the words an edited passage changed are still marked.
        assert "The 2014 {+Strategic Partnership+}, ratified" in result.stdout


def test_every_edge_kind_has_a_style():
    assert set(html_report.EDGE_STYLE) == set(html_report.EDGE_KINDS)


def test_report_rejects_inconsistent_json_with_one_line(tmp_path):
    import json as _json

    from click.testing import CliRunner

    from provenance.cli import cli
    from tests.conftest import SAMPLES

    saved = CliRunner().invoke(cli, ["scan", str(SAMPLES), "--format", "json", "--with-text"], catch_exceptions=False).stdout
    data = _json.loads(saved)
    data["passages"][0]["matches"][0]["document"] = "nowhere"
    bad = tmp_path / "bad.json"
    bad.write_text(_json.dumps(data), encoding="utf-8")
    result = CliRunner().invoke(cli, ["report", str(bad)])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "no document 'nowhere'" in result.stderr
    result = CliRunner().invoke(cli, ["report", "-"], input='{"schema": "provenance-report/1"}')
    assert result.exit_code == 2 and "not a valid provenance-report/1 report" in result.stderr


def test_html_into_a_missing_folder_is_a_usage_error_before_the_scan(tmp_path):
    from click.testing import CliRunner

    from provenance.cli import cli
    from tests.conftest import SAMPLES

    result = CliRunner().invoke(cli, ["scan", str(SAMPLES), "--html", str(tmp_path / "no" / "r.html")])
    assert result.exit_code == 2 and "does not exist" in result.stderr


def _cyclic_report() -> Report:
    """Documents whose passages are traced to each other in loops (each names
    the next as its origin): a → b ⇄ c ← a, d → e ⇄ f ← d. Which of b and c
    comes first decides their columns."""
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu"]
    ids = [f"doc-{c}.txt" for c in "abcdef"]
    texts = {d: " ".join(words[i:] + words[:i]) for i, d in enumerate(ids)}
    links = [("a", "b"), ("a", "c"), ("b", "c"), ("c", "b"), ("d", "e"), ("d", "f"), ("e", "f"), ("f", "e")]
    passages = []
    for src, dst in links:
        s, d = f"doc-{src}.txt", f"doc-{dst}.txt"
        origin = Origin(None, None, d, 0.6, (f"{d} is dated earlier",), "date")
        text = texts[s]
        passages.append(Passage(s, 0, len(text), text, "near-verbatim", 0.95, (Match(d, 0, len(texts[d]), 0.95),), origin))
    return Report(tuple(Document(d, texts[d], d, title=f"Title {d}") for d in ids), tuple(passages))


def test_graph_layout_of_a_cyclic_graph_does_not_depend_on_the_hash_seed(tmp_path):
    # Rendered in fresh interpreters with different PYTHONHASHSEEDs: the bytes must not change.
    script = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
        "from tests.test_html import _cyclic_report\n"
        "from provenance.html import render_html\n"
        "sys.stdout.write(render_html(_cyclic_report()))\n"
    )
    # With iteration in set order these two seeds give two different layouts.
    runs = [
        subprocess.Popen([sys.executable, "-c", script], env={**os.environ, "PYTHONHASHSEED": seed}, stdout=subprocess.PIPE, cwd=tmp_path)
        for seed in ("0", "1")
    ]
    pages = {run.communicate()[0] for run in runs}
    assert all(run.returncode == 0 for run in runs)
    assert len(pages) == 1


def test_style_and_script_come_from_package_data_files():
    import tomllib
    from fnmatch import fnmatch

    page = render_html(Report((), ()))
    assets = ROOT / "provenance" / "assets"
    script = (assets / "report.js").read_text(encoding="utf-8")
    assert f"<script>{script}</script>" in page
    assert (assets / "report.css").read_text(encoding="utf-8") in page
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in page
    # Every asset ships in the wheel: pyproject's package-data names it.
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "provenance.assets" in setuptools["packages"]
    for path in assets.iterdir():
        assert any(fnmatch(path.name, p) for p in setuptools["package-data"]["provenance.assets"]), path.name
    assert "_SCRIPT" not in dir(html_report) and "_CSS" not in dir(html_report)


def corpus_report(n: int, seed: int = 5) -> Report:
    """``n`` documents with 64-character hash ids and titles that begin
    alike, in groups of one to six that share a passage: traced to an
    outside origin, to the group's first document, or of unknown origin."""
    rng = random.Random(seed)
    docs: list[Document] = []
    passages: list[Passage] = []
    group = 0
    while len(docs) < n:
        size = min(n - len(docs), rng.choice([1, 2, 2, 3, 3, 4, 6]))
        ids = [hashlib.sha256(f"{seed}-{len(docs) + k}".encode()).hexdigest() + ".html" for k in range(size)]
        shared = random_text(rng, 60)
        texts = [f"{random_text(rng, 30)}\n\n{shared}\n\n{random_text(rng, 30)}" for _ in ids]
        spans = [(t.index(shared), t.index(shared) + len(shared)) for t in texts]
        for k, doc_id in enumerate(ids):
            title = f"New York State Attorney General report on the harbour budget, part {group}.{k}"
            docs.append(Document(doc_id, texts[k], doc_id, title=title, site=f"site{(group + k) % 7}.example", date=f"2019-11-{1 + k:02d}"))
        if size == 1:
            group += 1
            continue
        kind = group % 3
        for k, doc_id in enumerate(ids):
            if kind == 0:
                origin = Origin(f"https://origin{group}.example/story", None, None, 0.95, (f"{doc_id} credits it",), "credit")
            elif kind == 1:
                origin = Origin(None, None, ids[0], 0.6, (f"{ids[0]} is dated earliest",), "date")
            else:
                origin = Origin(None, None, None, 0.1, ("no credit covers this passage",), "none")
            matches = tuple(Match(other, *spans[j], 1.0) for j, other in enumerate(ids) if j != k)
            passages.append(Passage(doc_id, *spans[k], shared, "verbatim", 1.0, matches, origin))
        group += 1
    return Report(tuple(sorted(docs, key=lambda d: d.id)), tuple(sorted(passages, key=lambda p: (p.document, p.start))))


def test_unknown_origin_groups_are_drawn_as_groups_not_as_origins():
    report = corpus_report(12, seed=1)
    graph = build_graph(report)
    unknown = {"doc:" + p.document for p in report.passages if p.origin.rule == "none"}
    origins = {e.target for e in graph.edges if e.kind != "shared"}
    assert unknown and origins and not unknown & origins
    column_xs = {graph.positions[k][0] for k in origins}
    for key in unknown:
        x, y, _ = graph.positions[key]
        assert x not in column_xs  # not in the origins' column
        assert y > max(graph.positions[k][1] for k in origins)  # in a band of their own, below
    page = render_html(report)
    assert "shared text, origin unknown" in page  # the band's heading in the graph
    groups = re.findall(r'<li class="group unknown"[^>]*>(.*?)</li></ul>', page)
    for doc_id in (k[4:] for k in unknown):
        assert sum(f'title="{doc_id}"' in g for g in groups) == 1  # in exactly one unknown-origin group


def test_node_labels_are_distinct_and_readable():
    report = corpus_report(60, seed=2)
    graph = build_graph(report)
    labels = [n.label for n in graph.nodes if not n.external]
    assert len(set(labels)) == len(labels) == 60
    for label in labels:
        assert label.startswith("New York State Attorney")  # the title, not the hash id
        assert not re.search(r"[0-9a-f]{20}", label)


def test_the_sidebar_names_an_origin_document_by_its_title():
    report = corpus_report(12, seed=1)
    copy = next(p for p in report.passages if p.origin.rule == "date" and p.origin.document != p.document)
    original = report.document(copy.origin.document)
    page = render_html(report)
    section = page[page.index(f'data-doc="{copy.document}"') :]
    aside = section[section.index("<aside>") : section.index("</aside>")]
    assert f">{escape_html(original.title)}</a></b>" in aside
    assert f">{original.id}<" not in aside  # the id is only the link's tooltip


def test_a_group_with_many_copies_lists_the_first_few_and_folds_the_rest():
    text = "one two three four five six seven eight nine ten eleven twelve"
    origin = Origin("https://origin.example/story", None, None, 0.95, ("credited",), "credit")
    ids = [f"copy-{i:02d}.txt" for i in range(12)]
    passages = tuple(Passage(d, 0, len(text), text, "verbatim", 1.0, tuple(Match(o, 0, len(text), 1.0) for o in ids if o != d), origin) for d in ids)
    page = render_html(Report(tuple(Document(d, text, d) for d in ids), passages))
    group = page[page.index('<li class="group"') :]
    group = group[: group.index("</li></ol>")]
    shown, folded = group.split('<details class="moremembers">')
    assert shown.count("<li>") == html_report.MEMBERS_SHOWN and "4 more" in folded and folded.count("<li>") == 4
