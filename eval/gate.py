"""The CI gate's default policy on real news pages: what it stops, what it lets through.

Data: ``ROOT/news-html`` (181 real publishers' pages from 126 sites). None
is a reprint of another, but some cover the same story and share a quote, a
statement or a press release (a tour's dates): the hard negatives of a
reprint gate. The positives are *edited copies* planted from pages' gold
``articleBody``: a seeded fifth of the pages, each copy a short text of its
own (the page's words shuffled, so no phrase of it is shared) followed by the
body with every :data:`EDIT_EVERY`-th word changed, the issue's "lightly
edited, uncredited copy" (similarity about 0.85, 80% of the copy).

Method: index every page (``provenance.index.add``), then check every page
against that index (``provenance.gate.check``; a page whose id is indexed is
compared with the rest of the index, so each meets all the others), and the
copies likewise. The reports are judged under each policy with
``gate.judge``, the same function ``check`` uses.

Figures:

* ``pages_failed``: pages the default policy fails, and ``pages_failed_before``
  under the previous default (``--fail-on near-verbatim`` alone, i.e.
  ``edited_share=1``). These fail on a verbatim or near-verbatim shared
  quote of 15 words or more, which both policies treat alike.
* ``new_failures``: pages the default fails and the previous default passed:
  pages that share only edited passages with another page. Aim 0.
* ``max_share_of_passing``: the largest reused share among the pages the
  default passes (how far below ``--edited-share`` the hard negatives stay).
* ``copies_failed``: planted edited copies the default fails; the anchor is
  the previous default. A copy passes when the index holds less than half of
  it: its original's extracted text lost most of the article (the page's
  extraction, not the gate; ``details.copies_missed`` gives their shares).
"""

from __future__ import annotations

import gzip
import random
import tempfile
from pathlib import Path
from typing import Any

from eval.common import result
from eval.news import load_truth
from provenance import index
from provenance.gate import Policy, check, judge

FOLDER = "news-html"
SEED = 13
COPY_SHARE = 5  # one page in this many gets an edited copy
EDIT_EVERY = 7  # every 7th word of a copy's body is changed: similarity about 6/7
MIN_WORDS = 150  # pages with a shorter gold body get no copy
INTRO_SHARE = 0.25  # the copy's own text, relative to the body's length
BEFORE = Policy(edited_share=1.0)
"""The default before issue 13: near-verbatim and verbatim passages only."""


def edited_copy(body: str, rng: random.Random) -> str:
    """A lightly edited copy of ``body`` after a short text of its own.

    >>> text = edited_copy("one two three four five six seven eight", random.Random(1))
    >>> text.split("\\n\\n")[1]
    'one two three four five six edited eight'
    """
    words = body.split()
    intro = rng.sample(words, max(1, int(len(words) * INTRO_SHARE)))
    edited = [w if (i + 1) % EDIT_EVERY else "edited" for i, w in enumerate(words)]
    return " ".join(intro) + "\n\n" + " ".join(edited)


def evaluate(folder: Path, ids: list[str] | None = None, copies: list[str] | None = None) -> dict[str, Any]:
    """Index the pages (all, or ``ids``), check them and edited copies of
    ``copies`` (default: a seeded fifth of the long pages) against the index."""
    truth = load_truth(folder)
    ids = sorted(truth if ids is None else ids)
    if copies is None:
        long = [i for i in ids if len(truth[i].get("articleBody", "").split()) >= MIN_WORDS]
        copies = sorted(random.Random(SEED).sample(long, len(long) // COPY_SHARE))
    rng = random.Random(SEED)
    with tempfile.TemporaryDirectory(prefix="provenance-eval-gate-") as tmp:
        pages = Path(tmp) / "pages"
        pages.mkdir()
        for i in ids:  # only the chosen pages, under names that say nothing
            (pages / f"{i}.html").write_bytes(gzip.decompress((folder / "html" / f"{i}.html.gz").read_bytes()))
        planted = Path(tmp) / "copies"
        planted.mkdir()
        for i in copies:
            (planted / f"copy-of-{i}.txt").write_text(edited_copy(truth[i]["articleBody"], rng), encoding="utf-8")
        db = str(Path(tmp) / "index.db")
        index.add(db, [pages])
        checked = check([pages], db)
        copied = check([planted], db)
    page_ids = [v.document for v in checked.verdicts]
    before = {v.document: v for v in judge(checked.report, page_ids, BEFORE)}
    now = {v.document: v for v in checked.verdicts}
    new_failures = sorted(d for d, v in now.items() if not v.passed and before[d].passed)
    copy_ids = [v.document for v in copied.verdicts]
    copies_before = judge(copied.report, copy_ids, BEFORE)
    passing = [v.reused_share for v in now.values() if v.passed]
    missed = [{"copy": v.document.rsplit("/", 1)[-1], "reused_share": round(v.reused_share, 3)} for v in copied.verdicts if v.passed]
    figures = {
        "pages": len(now),
        "pages_failed": sum(not v.passed for v in now.values()),
        "pages_failed_before": sum(not v.passed for v in before.values()),
        "new_failures": len(new_failures),
        "max_share_of_passing": max(passing, default=0.0),
        "copies_failed": sum(not v.passed for v in copied.verdicts),
    }
    hard = sorted(
        ({"page": _name(v.document), "url": truth[_name(v.document)].get("url"), "reused_share": round(v.reused_share, 3), "passed": v.passed,
          "kinds": sorted({f.kind for f in v.findings if f.kind} | {p.kind for p in checked.report.passages_of(v.document) if p.kind != "boilerplate"})}
         for v in now.values() if v.reused_share > 0),
        key=lambda row: -row["reused_share"],
    )
    return result(
        FOLDER,
        figures,
        totals={"pages_failed": len(now), "pages_failed_before": len(now), "new_failures": len(now), "copies_failed": len(copied.verdicts)},
        anchors={"copies_failed": sum(not v.passed for v in copies_before)},
        anchor_source="the previous default (--fail-on near-verbatim alone)",
        aims={"new_failures": "<= 0"},
        details={"new_failures": [_name(d) for d in new_failures], "copies_missed": missed, "pages_with_reuse": hard},
        settings={"edited_share": Policy().edited_share, "fail_on": Policy().fail_on, "edit_every": EDIT_EVERY, "seed": SEED},
    )


def _name(doc_id: str) -> str:
    return doc_id.rsplit("/", 1)[-1].removesuffix(".html")


def run(root: Path) -> dict[str, Any]:
    """``python -m eval gate``."""
    return evaluate(root / FOLDER)
