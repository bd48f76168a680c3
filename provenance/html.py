"""HTML report: result objects → one self-contained HTML page. No decisions here.

The page needs no network: styles and a small script (package data,
``assets/report.css`` and ``assets/report.js``) are inlined, the graph is
inline SVG laid out here in Python, and a Content-Security-Policy meta forbids
every load (``default-src 'none'``; the script is allowed by its hash).

At size the page stays usable: documents are named by distinct titles
(``provenance.labels``), a list of origins and their copies reads on any
screen, a filter narrows it, and past ``LARGE_REPORT`` documents the graph,
the long tail of the table and the texts open on demand.

Every piece of text that comes from a document (text, titles, URLs, credits,
evidence) is untrusted: it goes through ``html.escape`` into markup, and the
embedded JSON data is escaped for a ``<script>`` context (``<``, ``>`` and
``&`` as ``\\u003c`` …), so ``</script>`` or ``<!--`` in a text cannot break out.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from html import escape
from importlib.resources import files
from typing import Any
from urllib.parse import urlsplit

from provenance.align import diff_words
from provenance.labels import document_labels, shorten
from provenance.models import KIND_ORDER, Credit, Document, Origin, Passage, Report, origin_label
from provenance.urls import normalize_url, site_of

EDGE_KINDS: tuple[str, ...] = ("verbatim", "near-verbatim", "derivative", "credited", "shared")
"""Edge styles of the graph, strongest first: the passage kinds, then
``credited`` (a document credits a source for its whole text, no passage
shows it in the corpus) and ``shared`` (passages in common, origin unknown)."""

# Highlight (light) and ink (dark) colour per origin; cycled beyond twelve origins.
PALETTE: tuple[tuple[str, str], ...] = (
    ("#fde68a", "#b45309"),
    ("#bfdbfe", "#1d4ed8"),
    ("#bbf7d0", "#15803d"),
    ("#fbcfe8", "#be185d"),
    ("#ddd6fe", "#6d28d9"),
    ("#fed7aa", "#c2410c"),
    ("#a5f3fc", "#0e7490"),
    ("#d9f99d", "#4d7c0f"),
    ("#fecaca", "#b91c1c"),
    ("#e9d5ff", "#7e22ce"),
    ("#99f6e4", "#0f766e"),
    ("#f5d0fe", "#a21caf"),
)
EDGE_STYLE: dict[str, tuple[str, str, float]] = {  # colour, dash pattern, width
    "verbatim": ("#b91c1c", "", 2.6),
    "near-verbatim": ("#ea580c", "", 2.0),
    "derivative": ("#ca8a04", "6 4", 1.8),
    "credited": ("#2563eb", "2 4", 1.6),
    "shared": ("#6b7280", "1 3", 1.4),
}
_EDGE_WORDS = {
    "verbatim": "verbatim",
    "near-verbatim": "near-verbatim",
    "derivative": "derivative (edited)",
    "credited": "credited for the whole text",
    "shared": "shared, origin unknown",
}
UNKNOWN = "origin unknown"
GRAPH_WIDTH = 1000
_LEFT, _RIGHT = 250.0, 740.0  # x of the leftmost (reprints) and rightmost (origins) columns
LABEL_CHARS = 30
LARGE_REPORT = 60
"""Past this many documents the page opens on the list of origins and the
table (first ``TABLE_ROWS`` rows) with a filter; the graph and the texts are
drawn on demand."""
TABLE_ROWS = 50
GROUPS_SHOWN = 20
MEMBERS_SHOWN = 8


@dataclass(frozen=True)
class Node:
    """A graph node: a corpus document (``doc:<id>``) or an origin outside the
    corpus (``url:<url>`` or ``name:<name>``)."""

    key: str
    label: str
    tooltip: str
    external: bool
    chars: int = 0
    colour: int | None = None  # index into PALETTE when the node is an origin


@dataclass(frozen=True)
class Edge:
    """From a reprinting document to the origin its passages were traced to
    (``shared``: between two documents, no direction known)."""

    source: str
    target: str
    kind: str
    passages: int
    chars: int


@dataclass(frozen=True)
class Graph:
    """Who copied whom: nodes, edges and their layout (SVG user units)."""

    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    positions: dict[str, tuple[float, float, float]]  # key → x, y, radius
    columns: int
    height: float
    bands: dict[str, str]  # key → "column" (origins and their copies), "shared" (origin unknown) or "alone"


def render_html(report: Report, *, title: str = "Provenance report") -> str:
    """Render the report as one self-contained HTML page.

    Args:
        report: a scan result, with the documents' texts.
        title: the page title.

    Returns:
        The page, a complete HTML document that loads nothing from anywhere.

    >>> from provenance.models import Document, Report
    >>> page = render_html(Report((Document("a<b>.txt", "Hi <script>x</script>", "a"),), ()))
    >>> "<script>x" in page, "&lt;script&gt;x" in page
    (False, True)
    """
    colours = origin_colours(report)
    graph = build_graph(report, colours)
    labels = document_labels(report.documents)
    page = _Page(report, colours, labels, {d.id: i for i, d in enumerate(report.documents)}, len(report.documents) > LARGE_REPORT)
    body = "\n".join(
        [
            f"<header><h1>{escape(title)}</h1>{_counts(report, graph)}</header>",
            "<main>",
            _filter(page),
            _graph_section(graph, page),
            _groups_section(graph, page),
            _table_section(page),
            *(_document_section(page, doc) for doc in report.documents),
            "</main>",
            _dialog(),
            _templates(page),
            f'<script type="application/json" id="provenance-report">{script_json(report.to_dict())}</script>',
        ]
    )
    body_class = ' class="large"' if page.large else ""
    script, css = asset("report.js"), asset("report.css")
    script_hash = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    csp = (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        f"script-src 'sha256-{script_hash}'; base-uri 'none'; form-action 'none'"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<link rel="icon" href="data:,">\n'
        f"<title>{escape(title)}</title>\n<style>{css}{_colour_css(colours)}</style>\n</head>\n"
        f"<body{body_class}>\n{body}\n<script>{script}</script>\n</body></html>\n"
    )


@cache
def asset(name: str) -> str:
    """A file of ``provenance/assets`` (package data, shipped in the wheel).

    >>> asset("report.js").startswith("(function(){")
    True
    """
    return files("provenance").joinpath("assets", name).read_text(encoding="utf-8")


def script_json(data: Any) -> str:
    """JSON that is safe inside a ``<script>`` element: no ``<``, ``>`` or ``&``
    appears literally, so neither ``</script>`` nor ``<!--`` can end it.

    >>> script_json({"t": "</script><!--"})
    '{"t": "\\\\u003c/script\\\\u003e\\\\u003c!--"}'
    """
    text = json.dumps(data, ensure_ascii=False)
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, code)
    return text


# --------------------------------------------------------------------------- origins


def origin_key(origin: Origin | None) -> str | None:
    """The graph key of an origin: its corpus document, else its URL, else its
    name; None when nothing decided it.

    >>> origin_key(Origin("https://x.org/a", "x.org", None, 0.95, ()))
    'url:https://x.org/a'
    """
    if origin is None:
        return None
    if origin.document:
        return "doc:" + origin.document
    if origin.url:
        return "url:" + origin.url
    if origin.name:
        return "name:" + origin.name
    return None


def origin_colours(report: Report) -> dict[str, int]:
    """A palette index per origin key, in the order origins first appear."""
    colours: dict[str, int] = {}
    for p in report.passages:
        key = origin_key(p.origin)
        if key is not None and key not in colours:
            colours[key] = len(colours) % len(PALETTE)
    for doc in report.documents:
        credit = doc.whole_credit()
        if credit is not None:
            key = _credit_key(report, credit)
            if key not in colours:
                colours[key] = len(colours) % len(PALETTE)
    return colours


def _credit_key(report: Report, credit: Credit) -> str:
    if credit.url:
        wanted = normalize_url(credit.url)
        for doc in report.documents:
            if doc.url and normalize_url(doc.url) == wanted:
                return "doc:" + doc.id
        return "url:" + credit.url
    return "name:" + (credit.name or "?")


def _origin_label(origin: Origin | None, labels: dict[str, str] | None = None) -> str:
    """An origin's label (``models.origin_label``), corpus documents by their
    readable label when ``labels`` (``document_labels``) are given."""
    return origin_label(origin, labels) or UNKNOWN


# --------------------------------------------------------------------------- graph


def build_graph(report: Report, colours: dict[str, int] | None = None) -> Graph:
    """Nodes, edges and a layered layout: origins in the right column, the
    documents that reprint them to their left, documents without reuse in a
    band below.

    An edge runs from each document to each origin its passages were traced to
    (its kind is the strongest of those passages), or to the source a document
    credits for its whole text (``credited``); passages whose origin is unknown
    join the documents that share them (``shared``). Boilerplate is left out.
    """
    colours = colours if colours is not None else origin_colours(report)
    labels = document_labels(report.documents, LABEL_CHARS)
    nodes: dict[str, Node] = {}
    for doc in report.documents:
        key = "doc:" + doc.id
        tooltip = "\n".join(x for x in (doc.id, doc.title, doc.url, doc.date) if x)
        nodes[key] = Node(key, labels[doc.id], tooltip, False, doc.chars, colours.get(key))
    found: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
    for p in report.passages:
        if p.kind == "boilerplate":
            continue
        source = "doc:" + p.document
        target = origin_key(p.origin)
        if target is None:
            for m in p.matches:
                pair = tuple(sorted((source, "doc:" + m.document)))
                found[(pair[0], pair[1])].append(("shared", p.end - p.start))
            continue
        if target == source:
            continue  # this document is the origin
        if target not in nodes:
            assert p.origin is not None
            label = _origin_label(p.origin)
            nodes[target] = Node(target, shorten(label, LABEL_CHARS), p.origin.url or label, True, 0, colours.get(target))
        found[(source, target)].append((p.kind, p.end - p.start))
    for doc in report.documents:
        credit = doc.whole_credit()
        if credit is None:
            continue
        source, target = "doc:" + doc.id, _credit_key(report, credit)
        if target == source or any(s == source and t == target for s, t in found):
            continue
        if target not in nodes:
            label = credit.name or site_of(credit.url) or credit.url or "?"
            nodes[target] = Node(target, shorten(label, LABEL_CHARS), credit.url or label, True, 0, colours.get(target))
        found[(source, target)].append(("credited", 0))
    edges = tuple(
        Edge(s, t, min((k for k, _ in hits), key=EDGE_KINDS.index), sum(1 for k, _ in hits if k != "credited"), sum(c for _, c in hits))
        for (s, t), hits in sorted(found.items())
    )
    # Shared pairs are found from both sides: count each passage once.
    edges = tuple(Edge(e.source, e.target, e.kind, (e.passages + 1) // 2, e.chars // 2) if e.kind == "shared" else e for e in edges)
    return _layout(tuple(nodes.values()), edges)


def _layout(nodes: tuple[Node, ...], edges: tuple[Edge, ...]) -> Graph:
    """Three bands, top to bottom: origins (right column) and the documents
    that copy them (to their left, deeper copies further left); documents
    that share text whose origin is unknown, one row per group; documents
    without reuse."""
    out: dict[str, set[str]] = defaultdict(set)
    directed: set[str] = set()
    shared: dict[str, set[str]] = defaultdict(set)
    for e in edges:
        if e.kind == "shared":
            shared[e.source].add(e.target)
            shared[e.target].add(e.source)
        else:
            directed.update((e.source, e.target))
            out[e.source].add(e.target)
    depth: dict[str, int] = {}

    def depth_of(key: str, seen: frozenset[str]) -> int:
        if key not in depth:
            # Sorted: on a cyclic graph the first path taken decides the depths,
            # and a set's order changes with PYTHONHASHSEED.
            targets = [t for t in sorted(out[key]) if t not in seen]
            depth[key] = 1 + max((depth_of(t, seen | {key}) for t in targets), default=-1)
        return depth[key]

    keys = [n.key for n in nodes]
    columns: dict[int, list[str]] = defaultdict(list)
    for key in keys:
        if key in directed:
            columns[depth_of(key, frozenset())].append(key)
    n_cols = max(columns, default=-1) + 1
    # Barycentre ordering, a few sweeps each way, to cut crossings.
    neighbours: dict[str, set[str]] = defaultdict(set)
    for e in edges:
        neighbours[e.source].add(e.target)
        neighbours[e.target].add(e.source)
    order = {key: i for col in columns.values() for i, key in enumerate(col)}
    for sweep in range(6):
        cols = range(n_cols) if sweep % 2 else reversed(range(n_cols))
        for c in cols:
            col = columns[c]

            def centre(key: str) -> float:
                near = [order[n] for n in neighbours[key] if n in order]
                return sum(near) / len(near) if near else order[key]

            col.sort(key=lambda k: (centre(k), k))
            order.update({k: i for i, k in enumerate(col)})
    biggest = max((n.chars for n in nodes if not n.external), default=1) or 1
    radius = {n.key: 9.0 if n.external else 5 + 13 * (n.chars / biggest) ** 0.5 for n in nodes}
    row = 46.0
    top = 48.0
    positions: dict[str, tuple[float, float, float]] = {}
    bands: dict[str, str] = {}
    left, right = _LEFT, _RIGHT
    tallest = max((len(col) for col in columns.values()), default=0)
    for c, col in columns.items():
        # Column 0 (origins) on the right; deeper reprints further left.
        x = right if n_cols == 1 else right - (right - left) * c / (n_cols - 1)
        offset = (tallest - len(col)) * row / 2
        for i, key in enumerate(col):
            positions[key] = (x, top + offset + i * row, radius[key])
            bands[key] = "column"
    y = top + (tallest - 1) * row + 30.0 if tallest else 0.0
    # Groups of documents sharing text of unknown origin: a row each (wrapped
    # every few documents), largest group first, labels under the nodes.
    groups = _components([k for k in keys if k in shared and k not in directed], shared)
    per_row, step = 4, (GRAPH_WIDTH - 80) / 4
    if groups:
        y += 64.0
    for group in groups:
        for i, key in enumerate(group):
            if i and i % per_row == 0:
                y += 54.0
            positions[key] = (70.0 + (i % per_row) * step, y, radius[key])
            bands[key] = "shared"
        y += 62.0
    if groups:
        y -= 32.0
    alone = [k for k in keys if k not in bands]
    per_line = 3
    if alone:
        y += 50.0
    for i, key in enumerate(alone):
        positions[key] = (30.0 + (i % per_line) * (GRAPH_WIDTH - 60) / per_line, y + (i // per_line) * 34.0, radius[key])
        bands[key] = "alone"
    height = y + ((len(alone) - 1) // per_line) * 34.0 + 30.0 if alone else y + 30.0
    return Graph(nodes, edges, positions, n_cols, height, bands)


def _components(keys: list[str], links: dict[str, set[str]]) -> list[list[str]]:
    """Connected groups among ``keys`` (in their order), largest first."""
    position = {k: i for i, k in enumerate(keys)}
    seen: set[str] = set()
    groups: list[list[str]] = []
    for key in keys:
        if key in seen:
            continue
        group, todo = [], [key]
        seen.add(key)
        while todo:
            k = todo.pop()
            group.append(k)
            for n in sorted(links[k] & position.keys() - seen):
                seen.add(n)
                todo.append(n)
        groups.append(sorted(group, key=position.__getitem__))
    return sorted(groups, key=lambda g: (-len(g), position[g[0]]))


def _svg(graph: Graph, colours: dict[str, int], doc_index: dict[str, int]) -> str:
    by_key = {n.key: n for n in graph.nodes}
    parts = [
        f'<svg id="graph" viewBox="0 0 {GRAPH_WIDTH} {graph.height:.0f}" role="img" aria-label="Graph of documents and the origins of their passages" xmlns="http://www.w3.org/2000/svg">',
        "<defs>",
        *(
            f'<marker id="arrow-{k}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
            f'<path d="M0,0 L10,5 L0,10 z" fill="{EDGE_STYLE[k][0]}"/></marker>'
            for k in EDGE_KINDS
        ),
        "</defs>",
    ]
    band = graph.bands
    in_columns = [k for k, b in band.items() if b == "column"]
    if graph.columns > 1:
        head_y = min(graph.positions[k][1] - graph.positions[k][2] for k in in_columns) - 14
        parts.append(f'<text class="colhead" x="{_RIGHT - 12:.0f}" y="{head_y:.0f}">origins</text>')
        parts.append(f'<text class="colhead" x="{_LEFT + 12:.0f}" y="{head_y:.0f}" text-anchor="end">reprinted or reused in</text>')
    for name, heading in (("shared", "shared text, origin unknown"), ("alone", "no reuse found")):
        members = [k for k, b in band.items() if b == name]
        if members:
            y0 = min(graph.positions[k][1] - graph.positions[k][2] for k in members) - 16
            parts.append(f'<text class="colhead" x="30" y="{y0:.0f}">{heading}</text>')
    lefts = {k for k in in_columns if graph.columns > 1 and graph.positions[k][0] < _LEFT + 1}
    for e in graph.edges:
        x1, y1, r1 = graph.positions[e.source]
        x2, y2, r2 = graph.positions[e.target]
        colour, dash, width = EDGE_STYLE[e.kind]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        marker = "" if e.kind == "shared" else f' marker-end="url(#arrow-{e.kind})"'
        if abs(y1 - y2) < 1 and band[e.source] == band[e.target] == "shared":  # a group's row: straight
            toward = 1 if x2 > x1 else -1
            path = f"M{x1 + toward * r1:.1f},{y1:.1f} L{x2 - toward * r2:.1f},{y2:.1f}"
        elif abs(x1 - x2) < 1:  # same column: an arc on the side away from the labels
            side = 1 if e.source in lefts else -1
            bulge = side * (40 + abs(y2 - y1) * 0.25)
            sx, ex = x1 + side * r1, x2 + side * (r2 + 3)
            path = f"M{sx:.1f},{y1:.1f} C{x1 + bulge:.1f},{y1:.1f} {x2 + bulge:.1f},{y2:.1f} {ex:.1f},{y2:.1f}"
        else:
            toward = 1 if x2 > x1 else -1
            sx, ex = x1 + toward * r1, x2 - toward * (r2 + 3)
            mid = (sx + ex) / 2
            path = f"M{sx:.1f},{y1:.1f} C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} {ex:.1f},{y2:.1f}"
        what = f"{e.passages} passage{'s' * (e.passages != 1)}, {e.chars:,} chars" if e.kind != "credited" else "credits it for its whole text"
        tip = f"{by_key[e.source].label} → {by_key[e.target].label}: {e.kind}, {what}"
        parts.append(
            f'<path class="edge" data-source="{escape(e.source)}" data-target="{escape(e.target)}" data-kind="{e.kind}" d="{path}" '
            f'fill="none" stroke="{colour}" stroke-width="{width}"{dash_attr}{marker}><title>{escape(tip)}</title></path>'
        )
    for n in graph.nodes:
        x, y, r = graph.positions[n.key]
        fill, ink = PALETTE[n.colour] if n.colour is not None else ("#e2e8f0", "#475569")
        if n.external:
            shape = f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r:.1f}" height="{2 * r:.1f}" rx="3" fill="{fill}" stroke="{ink}" stroke-width="1.5" stroke-dasharray="3 2"/>'
        else:
            shape = f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{fill}" stroke="{ink}" stroke-width="1.5"/>'
        lines = _label_lines(n.label)
        if n.key in lefts:
            anchor, tx, ty = "end", x - r - 6, y + 4 - 7 * (len(lines) - 1)
        elif band[n.key] == "shared":
            anchor, tx, ty = "middle", x, y + r + 14
        elif band[n.key] == "column" and _LEFT < x < _RIGHT:
            anchor, tx, ty = "middle", x, y - r - 5 - 15 * (len(lines) - 1)
        else:
            anchor, tx, ty = "start", x + r + 6, y + 4 - 7 * (len(lines) - 1)
        spans = "".join(f'<tspan x="{tx:.1f}" dy="{15 * (i > 0)}">{escape(line)}</tspan>' for i, line in enumerate(lines))
        label = f'<text x="{tx:.1f}" y="{ty:.1f}" text-anchor="{anchor}">{spans}</text>'
        inner = f"<title>{escape(n.tooltip)}</title>{shape}{label}"
        cls = "node external" if n.external else "node"
        attrs = f'class="{cls}" data-key="{escape(n.key)}"'
        if not n.external and n.key[4:] in doc_index:
            parts.append(f'<a href="#doc-{doc_index[n.key[4:]]}" {attrs}>{inner}</a>')
        else:
            parts.append(f"<g {attrs}>{inner}</g>")
    parts.append("</svg>")
    return "".join(parts)


def _label_lines(label: str) -> list[str]:
    """A node's label on one line, or two (cut at a space) when it is long.

    >>> _label_lines("Attorney General opens an… (b4a1c2d0….html)")
    ['Attorney General opens an…', '(b4a1c2d0….html)']
    """
    if len(label) <= LABEL_CHARS + 2 or " " not in label:
        return [label]
    cut = label.rfind(" ", 0, LABEL_CHARS + 2)
    cut = cut if cut > 0 else label.find(" ")
    return [label[:cut], shorten(label[cut + 1 :], LABEL_CHARS + 2)]


# --------------------------------------------------------------------------- sections


@dataclass(frozen=True)
class _Page:
    """What every section of the page needs: the report, a colour per origin,
    a readable distinct label and an anchor number per document."""

    report: Report
    colours: dict[str, int]
    labels: dict[str, str]
    index: dict[str, int]
    large: bool

    def doc_link(self, doc_id: str, *, cls: str = "") -> str:
        """A link to a document's section, named by its label (its id as a tooltip)."""
        attr = f' class="{cls}"' if cls else ""
        return f'<a{attr} href="#doc-{self.index[doc_id]}" title="{escape(doc_id)}">{escape(self.labels[doc_id])}</a>'

    def origin_label(self, origin: Origin | None) -> str:
        return _origin_label(origin, self.labels)

    def colour_class(self, p: Passage) -> str:
        key = origin_key(p.origin)
        return "ob" if p.kind == "boilerplate" else (f"o{self.colours[key]}" if key in self.colours else "ou")


def _counts(report: Report, graph: Graph) -> str:
    chars = sum(d.chars for d in report.documents)
    reused = sum(report.reused_chars(d.id) for d in report.documents)
    with_reuse = len({p.document for p in report.passages if p.kind != "boilerplate"})
    external = sum(1 for n in graph.nodes if n.external)
    items = [
        (f"{len(report.documents):,}", "documents"),
        (f"{with_reuse:,}", "with reuse"),
        (f"{len(report.passages):,}", "passages"),
        (f"{reused / chars:.1%}" if chars else "0%", "of all text reused"),
        (f"{external:,}", "origins outside the corpus"),
    ]
    unusable = sum(1 for s in report.skipped if not s.unsupported)
    other_types = len(report.skipped) - unusable  # types no reader takes: counted apart, as on the terminal
    if unusable:
        items.append((f"{unusable:,}", "file skipped" if unusable == 1 else "files skipped"))
    if other_types:
        items.append((f"{other_types:,}", "file of an unsupported type" if other_types == 1 else "files of unsupported types"))
    cards = "".join(f'<div class="count"><b>{v}</b><span>{escape(k)}</span></div>' for v, k in items)
    return f'<div class="counts" id="counts">{cards}</div>'


def _filter(page: _Page) -> str:
    n = len(page.report.documents)
    return (
        '<div class="filter" role="search"><label for="filter">Filter</label>'
        '<input type="search" id="filter" placeholder="title, site, id, URL or origin" autocomplete="off">'
        f'<span id="filter-count" aria-live="polite">{n:,} document{"s" * (n != 1)}</span></div>'
    )


def _graph_section(graph: Graph, page: _Page) -> str:
    key = "".join(
        f'<span class="ekey"><svg width="34" height="10"><line x1="1" y1="5" x2="33" y2="5" stroke="{c}" stroke-width="{w}"'
        f' stroke-dasharray="{d or "none"}"/></svg>{_EDGE_WORDS[k]}</span>'
        for k, (c, d, w) in EDGE_STYLE.items()
        if any(e.kind == k for e in graph.edges)
    )
    shapes = '<span class="ekey"><svg width="14" height="14"><circle cx="7" cy="7" r="6" fill="#e2e8f0" stroke="#475569"/></svg>document (size: length)</span>'
    if any(n.external for n in graph.nodes):
        shapes += '<span class="ekey"><svg width="14" height="14"><rect x="1" y="1" width="12" height="12" rx="2" fill="#fde68a" stroke="#b45309" stroke-dasharray="3 2"/></svg>origin outside the corpus</span>'
    documents = sum(1 for n in graph.nodes if not n.external)
    origins = len(graph.nodes) - documents
    summary = f"Graph of {documents:,} document{'s' * (documents != 1)}" + (f" and {origins:,} outside origin{'s' * (origins != 1)}" if origins else "")
    return (
        f'<section id="overview"><details id="graphbox"{"" if page.large else " open"}><summary><h2>Who copied whom</h2> <small>{summary}</small></summary>'
        "<p class=\"hint\">Arrows run from each document to the origin its passages were traced to. Click a document to read it.</p>"
        f'<div class="graphkey">{shapes}{key}</div><div class="graphscroll">{_svg(graph, page.colours, page.index)}</div></details></section>'
    )


def _groups_section(graph: Graph, page: _Page) -> str:
    """The graph as a list that reads on any screen and at any size: each
    origin with the documents that copy it, then each group of documents
    that share text whose origin is unknown."""
    report = page.report
    by_key = {n.key: n for n in graph.nodes}
    docs = {d.id: d for d in report.documents}
    copies: dict[str, list[Edge]] = defaultdict(list)
    shared: dict[str, set[str]] = defaultdict(set)
    for e in graph.edges:
        if e.kind == "shared":
            shared[e.source].add(e.target)
            shared[e.target].add(e.source)
        else:
            copies[e.target].append(e)

    def search(*texts: str | None) -> str:
        return escape(" ".join(t for t in texts if t).lower())

    def doc_words(key: str) -> tuple[str | None, ...]:
        d = docs[key[4:]]
        return (d.id, d.title, d.site, d.url, page.labels[d.id])

    items: list[tuple[int, str, str, str, str]] = []  # sort keys, class, search words, content
    for target, edges in copies.items():
        node = by_key[target]
        if node.external:
            colour = f"o{node.colour}" if node.colour is not None else "ou"
            url = node.tooltip if node.tooltip != node.label else ""
            head = f"<b>{escape(node.label)}</b> <small>outside the corpus{' · ' + _link(url) if url else ''}</small>"
            words = search(node.label, url)
        else:
            doc = docs[target[4:]]
            colour = f"o{node.colour}" if node.colour is not None else "ou"
            facts = " · ".join(escape(x) for x in (doc.site, doc.date) if x)
            head = f"<b>{page.doc_link(doc.id)}</b> <small>in this corpus{' · ' + facts if facts else ''}</small>"
            words = search(*doc_words(target))
        members = []
        for e in sorted(edges, key=lambda e: (EDGE_KINDS.index(e.kind), -e.chars, page.labels[e.source[4:]])):
            what = "credits it for its whole text" if e.kind == "credited" else f"{e.passages} passage{'s' * (e.passages != 1)} · {e.chars:,} characters"
            members.append(
                f'<li><span class="kind k-{e.kind}">{escape(e.kind)}</span> {page.doc_link(e.source[4:])} <small>{what}</small></li>'
            )
            words += " " + search(*doc_words(e.source))
        n = len(edges)
        label = by_key[target].label.lower()
        items.append(
            (
                -n,
                label,
                "group",
                words,
                f'<div class="ghead"><span class="swatch {colour}"></span>{head}'
                f' <span class="gcount">{n} cop{"ies" if n != 1 else "y"}</span></div>{_members(members)}',
            )
        )
    unknown = _components([n.key for n in graph.nodes if n.key in shared], shared)
    for group in unknown:
        members, words = [], ""
        for key in group:
            d = docs[key[4:]]
            facts = " · ".join(escape(x) for x in (d.site, d.date) if x)
            members.append(f"<li>{page.doc_link(d.id)} <small>{facts}</small></li>")
            words += " " + search(*doc_words(key))
        items.append(
            (
                -len(group),
                "\uffff" + page.labels[group[0][4:]].lower(),  # after the origins of the same size
                "group unknown",
                words.strip(),
                '<div class="ghead"><span class="swatch ou"></span>'
                "<b>Shared text, origin unknown</b> <small>no credit and no earlier date decides which came first</small>"
                f' <span class="gcount">{len(group)} documents</span></div>{_members(members)}',
            )
        )
    if not items:
        return ""
    folded = page.large and len(items) > GROUPS_SHOWN
    listing = "".join(
        f'<li class="{cls}{" more" if folded and n >= GROUPS_SHOWN else ""}" data-search="{words}">{content}</li>'
        for n, (*_, cls, words, content) in enumerate(sorted(items))
    )
    more = f'<p><button type="button" id="showgroups">Show all {len(items):,} groups</button> <small>(the {GROUPS_SHOWN} largest are shown)</small></p>' if folded else ""
    return f'<section id="origins"><h2>Origins and their copies</h2><ol class="groups" id="groups">{listing}</ol>{more}</section>'


def _members(items: list[str]) -> str:
    """A group's documents; past ``MEMBERS_SHOWN``, the rest behind a toggle."""
    shown = f'<ul class="members">{"".join(items[:MEMBERS_SHOWN])}</ul>'
    if len(items) <= MEMBERS_SHOWN:
        return shown
    rest = len(items) - MEMBERS_SHOWN
    return f'{shown}<details class="moremembers"><summary>{rest:,} more</summary><ul class="members">{"".join(items[MEMBERS_SHOWN:])}</ul></details>'


def _table_section(page: _Page) -> str:
    report = page.report
    rows = []
    order = list(enumerate(report.documents))
    if page.large:  # open on the documents that reuse most
        order.sort(key=lambda item: (-report.reused_chars(item[1].id) / max(1, item[1].chars), item[1].id))
    for n, (i, doc) in enumerate(order):
        passages = [p for p in report.passages_of(doc.id) if p.kind != "boilerplate"]
        share = report.reused_chars(doc.id) / max(1, doc.chars)
        origins = _doc_origins(page, doc, passages)
        swatches = "".join(_swatch(page.colours.get(k), label) for k, label in origins)
        label = page.labels[doc.id]
        sub = f'<div class="sub">{escape(doc.id)}</div>' if label != doc.id else ""
        more = ' class="more"' if page.large and n >= TABLE_ROWS else ""
        words = escape(" ".join(x for x in (doc.id, doc.title, doc.site, doc.url, label, *(lb for _, lb in origins)) if x).lower())
        rows.append(
            f'<tr{more} data-search="{words}"><td data-v="{escape(label.lower())}"><a href="#doc-{i}">{escape(label)}</a>{sub}</td>'
            f'<td class="opt" data-v="{escape(doc.site or "")}">{escape(doc.site or "")}</td>'
            f'<td data-v="{escape(doc.date or "")}">{escape(doc.date or "")}</td>'
            f'<td class="num opt" data-v="{doc.chars}">{doc.chars:,}</td>'
            f'<td data-v="{share:.6f}"><span class="bar"><span style="width:{share:.1%}"></span></span> {share:.0%}</td>'
            f'<td class="num opt" data-v="{len(passages)}">{len(passages)}</td>'
            f'<td data-v="{len(origins)}">{swatches}</td></tr>'
        )
    heads = [("Document", "text", ""), ("Site", "text", "opt"), ("Date", "text", ""), ("Length", "num", "opt"), ("Reused", "num", ""), ("Passages", "num", "opt"), ("Origins", "num", "")]
    th = "".join(
        f'<th data-type="{t}"{f" class={c!r}" if c else ""} aria-sort="{"descending" if page.large and h == "Reused" else "none"}"><button type="button">{h}</button></th>'
        for h, t, c in heads
    )
    more = ""
    if page.large and len(order) > TABLE_ROWS:
        more = f'<p><button type="button" id="showrows">Show all {len(order):,} documents</button> <small>(the {TABLE_ROWS} that reuse most are shown)</small></p>'
    texts = '<p><button type="button" id="showtexts">Show every document\'s text</button> <small>(a document\'s text opens when you follow a link to it)</small></p>' if page.large else ""
    return (
        f'<section id="documents"><h2>Documents</h2><div class="tablescroll"><table id="doctable"><thead><tr>{th}</tr></thead>'
        f'<tbody>{"".join(rows)}</tbody></table></div>{more}{texts}</section>'
    )


def _doc_origins(page: _Page, doc: Document, passages: list[Passage]) -> list[tuple[str, str]]:
    """(origin key, label) of a document's passages and whole-text credit, first appearance first."""
    seen: dict[str, str] = {}
    for p in passages:
        key = origin_key(p.origin) or "unknown"
        seen.setdefault(key, page.origin_label(p.origin))
    credit = doc.whole_credit()
    if credit is not None:
        key = _credit_key(page.report, credit)
        seen.setdefault(key, page.labels.get(key[4:], "") if key.startswith("doc:") else credit.name or site_of(credit.url) or credit.url or "?")
    return list(seen.items())


def _swatch(colour: int | None, label: str) -> str:
    cls = f"o{colour}" if colour is not None else "ou"
    return f'<span class="swatch {cls}" title="{escape(label)}"></span>'


def _document_section(page: _Page, doc: Document) -> str:
    report, index = page.report, page.index[doc.id]
    passages = report.passages_of(doc.id)
    share = report.reused_chars(doc.id) / max(1, doc.chars)
    facts = [f"{doc.chars:,} characters", f"{share:.0%} reused"]
    if doc.site:
        facts.append(escape(doc.site))
    if doc.date:
        facts.append(escape(doc.date) + (f" <small>({escape(doc.date_source)})</small>" if doc.date_source else ""))
    if doc.url:
        facts.append(_link(doc.url))
    head = f'<h2 id="doc-{index}">{escape(doc.title or page.labels[doc.id])}</h2>'
    if (doc.title or page.labels[doc.id]) != doc.id:
        head += f'<div class="sub">{escape(doc.id)}</div>'
    lines = [f'<p class="facts">{" · ".join(facts)}</p>']
    for credit in doc.credits:
        lines.append(
            f'<p class="credit">credits {_credit_html(credit)} for characters {credit.scope[0]:,}–{credit.scope[1]:,} '
            f"(“{escape(credit.cue)} …” at {credit.start:,})</p>"
        )
    if (whole := doc.whole_credit()) is not None:
        lines.append(f'<p class="reprint">A reprint of {_credit_html(whole)}: it credits that source for its whole text.</p>')
    legend = _legend(page, passages)
    body = _marked_text(page, doc, passages)
    open_attr = " open" if passages else ""
    summary = "Text, reused passages highlighted (click one to compare)" if passages else "Text (no passage of it appears elsewhere)"
    words = escape(" ".join(x for x in (doc.id, doc.title, doc.site, doc.url, page.labels[doc.id]) if x).lower())
    folded = " folded" if page.large else ""
    return (
        f'<section class="doc{folded}" data-doc="{escape(doc.id)}" data-search="{words}">{head}{"".join(lines)}'
        f'<details{open_attr}><summary>{summary}</summary><div class="docbody"><div class="text">{body}</div>'
        f'<aside>{legend}</aside></div></details></section>'
    )


def _legend(page: _Page, passages: list[Passage]) -> str:
    if not passages:
        return ""
    groups: dict[str, list[Passage]] = defaultdict(list)
    for p in passages:
        key = "boilerplate" if p.kind == "boilerplate" else origin_key(p.origin) or "unknown"
        groups[key].append(p)
    items = []
    for key, group in groups.items():
        kinds = ", ".join(sorted({p.kind for p in group}, key=KIND_ORDER.index))
        n = f"{len(group)} passage{'s' * (len(group) != 1)}"
        if key == "boilerplate":
            items.append(f'<li><span class="swatch ob"></span>boilerplate of the site · {n}</li>')
            continue
        origin = group[0].origin
        conf = f"confidence {origin.confidence:.2f} · " if origin is not None and key != "unknown" else ""
        url = f"<br><small>{_link(origin.url)}</small>" if origin is not None and origin.url else ""
        name = page.doc_link(origin.document) if origin is not None and origin.document in page.index else escape(page.origin_label(origin))
        items.append(f"<li>{_swatch(page.colours.get(key), page.origin_label(origin))}<b>{name}</b>{url}<br><small>{conf}{kinds} · {n}</small></li>")
    return f'<h4>Origins of its passages</h4><ul class="legend">{"".join(items)}</ul>'


def _marked_text(page: _Page, doc: Document, passages: list[Passage]) -> str:
    """The text with each reused stretch in a <mark>; overlapping passages
    split it into pieces covered by the same passages."""
    ids = {id(p): i for i, p in enumerate(page.report.passages)}
    text = doc.text
    cuts = sorted({0, len(text), *(min(len(text), p.start) for p in passages), *(min(len(text), p.end) for p in passages)})
    out: list[str] = []
    first_seen: set[int] = set()
    for a, b in zip(cuts, cuts[1:], strict=False):
        if a >= b:
            continue
        covering = sorted((p for p in passages if p.start <= a and b <= p.end), key=lambda p: (p.end - p.start, p.start))
        piece = escape(text[a:b])
        if not covering:
            out.append(piece)
            continue
        top = covering[0]
        nums = [ids[id(p)] for p in covering]
        anchor = ""
        if nums[0] not in first_seen:
            first_seen.add(nums[0])
            anchor = f' id="p-{nums[0]}"'
        tip = "; ".join(_passage_tip(page, p) for p in covering)
        out.append(
            f'<mark{anchor} class="p {page.colour_class(top)} k-{top.kind}" data-p="{" ".join(map(str, nums))}" tabindex="0" role="button" '
            f'title="{escape(tip)}">{piece}</mark>'
        )
    return "".join(out)


def _passage_tip(page: _Page, p: Passage) -> str:
    others = ", ".join(page.labels.get(m.document, m.document) for m in p.matches)
    return f"{p.kind} {p.similarity:.2f} · origin {page.origin_label(p.origin)} · also in {others}"


def _dialog() -> str:
    return (
        '<dialog id="detail" aria-labelledby="detail-title"><form method="dialog"><button class="close" aria-label="Close">×</button></form>'
        '<div id="detail-body"></div></dialog>'
    )


def _templates(page: _Page) -> str:
    """One inert <template> per passage: its origin, evidence and each
    counterpart side by side with the differing words marked."""
    report, index, labels = page.report, page.index, page.labels
    texts = report.texts()
    at = {(p.document, p.start, p.end): i for i, p in enumerate(report.passages)}
    out = []
    for i, p in enumerate(report.passages):
        head = (
            f'<h3 id="detail-title"><span class="swatch {page.colour_class(p)}"></span>{escape(p.kind)} · similarity {p.similarity:.2f} · '
            f'<a class="jump" href="#doc-{index[p.document]}" title="{escape(p.document)}">{escape(labels[p.document])}</a> characters {p.start:,}–{p.end:,}</h3>'
        )
        origin = _origin_block(page, p.origin)
        pairs = []
        for m in p.matches:
            other = texts.get(m.document, "")[m.start : m.end]
            mine_html = _diff_html(p.text, other, "mine")
            theirs_html = _diff_html(other, p.text, "theirs")
            target = f"#p-{at[(m.document, m.start, m.end)]}" if (m.document, m.start, m.end) in at else f"#doc-{index.get(m.document, 0)}"
            pairs.append(
                '<div class="pair">'
                f'<div class="side"><h4 title="{escape(p.document)}">{escape(labels[p.document])} <small>{p.start:,}–{p.end:,}</small></h4><div class="ptext">{mine_html}</div></div>'
                f'<div class="side counterpart" data-document="{escape(m.document)}"><h4><a class="jump" href="{target}" title="{escape(m.document)}">{escape(labels.get(m.document, m.document))}</a> '
                f"<small>{m.start:,}–{m.end:,} · similarity {m.similarity:.2f}</small></h4>"
                f'<div class="ptext">{theirs_html}</div></div></div>'
            )
        out.append(f'<template id="t-{i}">{head}{origin}{"".join(pairs)}</template>')
    return "\n".join(out)


def _origin_block(page: _Page, origin: Origin | None) -> str:
    if origin is None or origin_key(origin) is None:
        evidence = "".join(f"<li>{escape(e)}</li>" for e in (origin.evidence if origin else ()))
        return f'<div class="origin"><b>Origin unknown</b>: nothing in the documents decides it.<ul>{evidence}</ul></div>'
    where = escape(page.origin_label(origin))
    if origin.url:
        where += f" · {_link(origin.url)}"
    if origin.document:
        where += f' <small>(in this corpus: <span class="url">{escape(origin.document)}</span>)</small>'
    evidence = "".join(f"<li>{escape(e)}</li>" for e in origin.evidence)
    return (
        f'<div class="origin">Origin <b>{where}</b> · confidence {origin.confidence:.2f} · rule <code>{escape(origin.rule)}</code>'
        f"<ul>{evidence}</ul></div>"
    )


def _diff_html(text: str, other: str, side: str) -> str:
    if text == other:
        return escape(text)
    return "".join(escape(seg) if same else f'<mark class="d {side}">{escape(seg)}</mark>' for seg, same in diff_words(text, other))


def _link(url: str) -> str:
    """A link for http(s) URLs only (a ``javascript:`` URL stays text)."""
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        scheme = ""
    if scheme in ("http", "https"):
        return f'<a href="{escape(url)}" rel="noopener noreferrer" target="_blank">{escape(url)}</a>'
    return f"<span class=\"url\">{escape(url)}</span>"


def _credit_html(credit: Credit) -> str:
    if credit.url and credit.name:
        return f"{escape(credit.name)} ({_link(credit.url)})"
    if credit.url:
        return _link(credit.url)
    return f"<b>{escape(credit.name or '?')}</b>"


def _colour_css(colours: dict[str, int]) -> str:
    used = sorted(set(colours.values()))
    rules = [f".o{i}{{--bg:{PALETTE[i][0]};--ink:{PALETTE[i][1]}}}" for i in used]
    return "\n" + "\n".join(rules) + "\n"
