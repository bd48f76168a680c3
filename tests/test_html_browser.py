"""The HTML report in a real browser (Debian's chromium, driven by Playwright).

Skipped only off CI when chromium or playwright is missing; on CI (CI=true)
they must run (`.ci/run` installs chromium). Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import provenance
from provenance.html import render_html
from tests.conftest import ROOT
from tests.test_html import (
    BLOG,
    DIPLOMAT,
    ESSAY,
    HOSTILE,
    INTERVIEW,
    MOSCOW_TIMES,
    SPUTNIK,
    corpus_report,
)

ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ON_CI = os.environ.get("CI") == "true"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]

if not ON_CI:
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install -e '.[test]'")
    if CHROMIUM is None:
        pytest.skip("chromium is not installed: apt-get install chromium (CI installs it)", allow_module_level=True)

from playwright.sync_api import Page, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM is not None, "chromium is not installed; .ci/run installs it with apt-get"
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


class Opened:
    """A report page and everything it did: console messages, errors, requests, dialogs."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.alerts: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("dialog", lambda d: (self.alerts.append(d.message), d.dismiss()))

    def assert_clean(self, path: Path) -> None:
        assert self.errors == []
        assert self.requests == [path.as_uri()]  # the file itself, nothing else
        assert self.alerts == []
        assert self.page.evaluate("window.__pwned") is None


def open_report(browser, report, name: str) -> tuple[Opened, Path]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.html"
    path.write_text(render_html(report), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    opened = Opened(page)
    page.goto(path.as_uri())
    return opened, path


@pytest.fixture(scope="module")
def samples(browser, samples_report):
    opened, path = open_report(browser, samples_report, "samples")
    yield opened, path
    opened.page.close()


def test_samples_graph_has_the_expected_nodes_and_edges(samples):
    opened, path = samples
    page = opened.page
    page.screenshot(path=str(ARTIFACTS / "samples-overview.png"))
    keys = page.eval_on_selector_all("#graph .node", "els => els.map(e => e.dataset.key)")
    assert set(keys) == {f"doc:{n}" for n in (BLOG, ESSAY, "002_86555b22ab1b9068.txt", INTERVIEW, MOSCOW_TIMES)} | {SPUTNIK, DIPLOMAT, "name:Vedomosti"}
    edges = page.eval_on_selector_all("#graph .edge", "els => els.map(e => [e.dataset.source, e.dataset.target, e.dataset.kind])")
    assert sorted(map(tuple, edges)) == sorted(
        [
            (f"doc:{BLOG}", SPUTNIK, "near-verbatim"),
            (f"doc:{INTERVIEW}", SPUTNIK, "near-verbatim"),
            (f"doc:{BLOG}", DIPLOMAT, "near-verbatim"),
            (f"doc:{ESSAY}", DIPLOMAT, "near-verbatim"),
            (f"doc:{MOSCOW_TIMES}", "name:Vedomosti", "credited"),
        ]
    )
    assert page.locator("#graph .node.external text").all_text_contents() == ["sputniknews.com", "thediplomat.com", "Vedomosti"]
    opened.assert_clean(path)


def test_clicking_a_passage_shows_its_counterpart_with_a_word_diff(samples):
    opened, path = samples
    page = opened.page
    page.locator(f'section.doc[data-doc="{ESSAY}"] mark.p').first.click()
    dialog = page.locator("dialog#detail")
    assert dialog.is_visible()
    counterpart = dialog.locator(".counterpart")
    assert counterpart.get_attribute("data-document") == BLOG
    assert "The 2014 Strategic Partnership, ratified" in counterpart.inner_text()
    assert dialog.locator("mark.d.mine").all_inner_texts()[:2] == ["Agreement", "reunification"]
    assert "Strategic Partnership" in dialog.locator("mark.d.theirs").all_inner_texts()
    assert "confidence 0.95" in dialog.locator(".origin").inner_text()
    page.screenshot(path=str(ARTIFACTS / "samples-passage.png"))
    # The counterpart's link jumps to that passage in the other document.
    counterpart.locator("a.jump").click()
    assert not dialog.is_visible()
    assert page.evaluate("location.hash") == "#p-1"
    opened.assert_clean(path)


def test_the_document_table_sorts(samples):
    opened, path = samples
    page = opened.page
    reused = page.locator("#doctable th", has_text="Reused").locator("button")
    reused.click()
    reused.click()  # descending
    first = page.locator("#doctable tbody tr").first.locator("td").first.inner_text()
    assert first == INTERVIEW
    opened.assert_clean(path)


def test_hostile_text_renders_as_text_and_never_runs(browser, tmp_path):
    for name, text in HOSTILE.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    report = provenance.scan([tmp_path])
    opened, path = open_report(browser, report, "hostile")
    page = opened.page
    try:
        body = page.locator("body").inner_text()
        assert '<script>window.__pwned = 1</script> and <img src=x onerror="window.__pwned = 2">' in body
        assert "<img src=x onerror=window.__pwned=6>" in body  # a title, in the graph and table
        assert page.locator("a[href^='javascript' i]").count() == 0
        assert page.locator("img, iframe, object, embed").count() == 0
        assert page.locator("body").is_visible()  # the injected <style> did not hide it
        marks = page.locator("mark.p")
        assert marks.count() >= 3
        for i in range(marks.count()):
            marks.nth(i).click()
            assert "</script><script>window.__pwned = 4</script>" in page.locator("dialog#detail").inner_text()
            page.keyboard.press("Escape")
        page.locator("text=click me").first.click()  # a javascript: link in the text is only text
        page.screenshot(path=str(ARTIFACTS / "hostile.png"), full_page=False)
        opened.assert_clean(path)
    finally:
        page.close()


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def _smallest_text_px(page: Page, selector: str) -> float:
    return page.eval_on_selector_all(selector, "els => Math.min(...els.filter(e => e.getClientRects().length).map(e => e.getBoundingClientRect().height))")


def test_on_a_phone_the_page_fits_and_the_graph_reads(browser, samples_report):
    path = ARTIFACTS / "samples-phone.html"
    path.write_text(render_html(samples_report), encoding="utf-8")
    page = browser.new_page(viewport={"width": 420, "height": 860}, device_scale_factor=2, is_mobile=True, has_touch=True)
    opened = Opened(page)
    try:
        page.goto(path.as_uri())
        _no_sideways_scroll(page)  # nothing pushes the page wider than the phone
        assert _smallest_text_px(page, "#graph text") >= 12  # drawn at its own size, scrolled sideways in its box
        assert page.locator("#origins .group").count() == 3  # the same story as a list that wraps
        assert page.locator("#origins").inner_text().count("near-verbatim") == 4
        page.screenshot(path=str(ARTIFACTS / "phone-overview.png"))
        page.locator("#origins").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "phone-origins.png"))
        page.locator(f'section.doc[data-doc="{ESSAY}"] mark.p').first.click()
        dialog = page.locator("dialog#detail")
        assert dialog.is_visible()
        box = dialog.bounding_box()
        assert box is not None and box["width"] <= 420
        page.screenshot(path=str(ARTIFACTS / "phone-passage.png"))
        page.keyboard.press("Escape")
        _no_sideways_scroll(page)
        opened.assert_clean(path)
    finally:
        page.close()


def test_five_hundred_documents_open_short_and_filter(browser):
    report = corpus_report(500)
    opened, path = open_report(browser, report, "large")
    page = opened.page
    try:
        page.screenshot(path=str(ARTIFACTS / "large-overview.png"))
        # Opens on the origins and the documents that reuse most, not a wall of graph and text.
        assert page.evaluate("document.documentElement.scrollHeight") < 8 * 900
        assert not page.locator("#graph").is_visible()
        assert page.locator("#doctable tbody tr:visible").count() == 50
        assert page.locator("#groups > li:visible").count() == 20
        assert page.locator("section.doc:visible").count() == 0
        # Filtering narrows the groups and the table to what matches.
        title = report.documents[137].title
        part = title.rsplit(" ", 1)[1]  # "12.3": one document's number
        page.fill("#filter", f"part {part}")
        assert page.locator("#doctable tbody tr:visible").count() == 1
        assert page.locator("#groups > li:visible").count() == 1
        assert page.locator("#filter-count").inner_text() == "1 of 500 documents"
        page.screenshot(path=str(ARTIFACTS / "large-filtered.png"))
        # Following the document's link unfolds its text.
        page.locator("#doctable tbody tr:visible a").click()
        section = page.locator(f'section.doc[data-doc="{report.documents[137].id}"]')
        assert section.is_visible() and section.locator("mark.p").first.is_visible()
        page.fill("#filter", "")
        assert page.locator("#doctable tbody tr:visible").count() == 50
        # Everything stays reachable: all rows, all groups, the graph.
        page.click("#showrows")
        assert page.locator("#doctable tbody tr:visible").count() == 500
        page.click("#showgroups")
        assert page.locator("#groups > li:visible").count() == page.locator("#groups > li").count()
        page.click("#graphbox > summary")
        assert page.locator("#graph").is_visible()
        assert _smallest_text_px(page, "#graph text") >= 8
        opened.assert_clean(path)
    finally:
        page.close()
