"""Synthetic corpus with planted reprints, and its ground truth.

The text is English-like: about 200 common English words take the top ranks
of a Zipf (Zipf-Mandelbrot) vocabulary of 50,000 synthetic syllable words;
sentences have 8-30 words (a comma, a capitalised name or a number here and
there), paragraphs 3-8 sentences, documents 300-3000 words under a title
line. Everything comes from one seeded ``random.Random``, so a size and seed
always give the same corpus, byte for byte.

Planted reuse, drawn per document:

* ~10% reprint a whole original document under a new title (sometimes with a
  "Reprinted from" line), half of them verbatim and half with 1-5 word
  substitutions;
* ~10% are new documents that embed 1-3 passages of 40-300 words copied from
  other originals, half verbatim and half edited (word substitutions,
  insertions and deletions at 5-15% of the words), mostly sentence-aligned,
  sometimes starting mid-sentence, either as a paragraph of their own or
  inside a paragraph.

Sources are always original documents, so every planted passage has exactly
one source. Documents are ``docs/txt/NNN/doc-NNNNNN.txt`` files, and every
tenth one is instead a line of ``docs/feeds/feed-NNN.jsonl``; a scan of
``docs/`` gives them the ids recorded in ``truth.json``.
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
import os
import random
import re
import shutil
import time
from array import array
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

GENERATOR_VERSION = 1
"""Bump when the generated text changes: cached corpora are then regenerated."""

MB = 1_000_000
"""Bytes in a megabyte, for corpus sizes and MB/s (decimal, like disk sizes)."""

_COMMON_TEXT = (
    "the of and to a in that is was he for it with as his on be at by i this had not are but "
    "from or have an they which one you were her all she there would their we him been has when "
    "who will more no if out so said what up its about into than them can only other new some "
    "could time these two may then do first any my now such like our over man me even most made "
    "after also did many before must through back years where much your way well down should "
    "because each just those people how too little state good very make world still own see men "
    "work long get here between both life being under never day same another know while last "
    "might us great old year off come since against go came right used take three city report "
    "government minister country public market police during week group company according told"
)
_COMMON = tuple(_COMMON_TEXT.split())
_ONSETS = (
    "", "", "", "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w",
    "z", "br", "cr", "dr", "fr", "gr", "pr", "tr", "bl", "cl", "fl", "gl", "pl", "sl", "st", "sp",
    "sc", "sh", "ch", "th", "wh",
)
_NUCLEI = ("a", "e", "i", "o", "u", "a", "e", "i", "o", "ai", "ea", "ee", "io", "ou", "oo", "y")
_CODAS = ("", "", "", "", "", "", "n", "r", "s", "t", "l", "m", "nd", "st", "ng", "ck", "rt", "ll", "ss", "x")
_SYNTHETIC_WORDS = 50_000
_WORD_RE = re.compile(r"([A-Za-z0-9]+)(.*)", re.S)


@dataclass(frozen=True)
class Corpus:
    """A generated corpus on disk.

    Attributes:
        root: ``corpus-<size>mb`` folder.
        docs: the folder to scan (document ids are relative to it).
        truth: ``truth.json``, the planted passages.
        documents: number of documents.
        bytes: UTF-8 bytes of all document texts.
        files: number of files (``.txt`` and ``.jsonl``).
        generated: whether this call generated it (False: reused from disk).
        seconds: generation time (0 when reused).
    """

    root: Path
    docs: Path
    truth: Path
    documents: int
    bytes: int
    files: int
    generated: bool
    seconds: float


class _Vocabulary:
    """Zipf-distributed words: common English words first, then syllable words."""

    def __init__(self, rng: random.Random) -> None:
        words = list(_COMMON)
        seen = set(words)
        while len(words) < len(_COMMON) + _SYNTHETIC_WORDS:
            syllables = rng.choices((1, 2, 3, 4), weights=(30, 45, 20, 5))[0]
            word = "".join(rng.choice(_ONSETS) + rng.choice(_NUCLEI) + rng.choice(_CODAS) for _ in range(syllables))
            if len(word) > 1 and word not in seen:
                seen.add(word)
                words.append(word)
        # Shorter words are more frequent (Zipf's law of abbreviation); then
        # Zipf-Mandelbrot ranks: weight 1 / (rank + 2.7) ** 1.05.
        words[len(_COMMON) :] = sorted(words[len(_COMMON) :], key=lambda w: len(w) + 20 * rng.random())
        self.words = words
        self.cum = list(itertools.accumulate(1.0 / (r + 2.7) ** 1.05 for r in range(len(words))))

    def draw(self, rng: random.Random, k: int) -> list[str]:
        """``k`` words drawn independently by frequency."""
        return rng.choices(self.words, cum_weights=self.cum, k=k)

    def one(self, rng: random.Random) -> str:
        """One word drawn by frequency."""
        return self.words[bisect.bisect(self.cum, rng.random() * self.cum[-1])]


@dataclass
class _Chunk:
    """Copied text placed into a new document, with its ground-truth record."""

    text: str
    record: dict[str, Any]


_Piece = str | _Chunk


@dataclass
class _Original:
    """An original document kept as a possible source: its text and sentence spans."""

    id: str
    text: str
    body_start: int
    starts: array[int]
    ends: array[int]
    words: array[int]


def _sentence(vocab: _Vocabulary, rng: random.Random) -> tuple[str, int]:
    n = rng.randint(8, 30)
    ws = vocab.draw(rng, n)
    if rng.random() < 0.1:
        ws[rng.randrange(1, n)] = str(rng.randint(2, 2024))
    if rng.random() < 0.3:
        i = rng.randrange(1, n)
        ws[i] = ws[i].capitalize()
    if rng.random() < 0.35:
        i = rng.randrange(2, n - 2)
        ws[i] += ","
    ws[0] = ws[0].capitalize()
    r = rng.random()
    end = "." if r < 0.9 else ("?" if r < 0.95 else "!")
    return " ".join(ws) + end, n


def _title(vocab: _Vocabulary, rng: random.Random) -> str:
    return " ".join(w.capitalize() for w in vocab.draw(rng, rng.randint(4, 9)))


def _body(vocab: _Vocabulary, rng: random.Random) -> list[list[str]]:
    """Paragraphs of sentences, 300-3000 words (log-uniform)."""
    target = int(math.exp(rng.uniform(math.log(300), math.log(3000))))
    paragraphs: list[list[str]] = []
    total = 0
    while total < target:
        paragraph = []
        for _ in range(rng.randint(3, 8)):
            text, n = _sentence(vocab, rng)
            paragraph.append(text)
            total += n
        paragraphs.append(paragraph)
    return paragraphs


def _render(head: list[str], paragraphs: list[list[_Piece]]) -> tuple[str, int, list[tuple[int, int, _Piece]]]:
    """Join head lines and paragraphs; return text, body start and each piece's span."""
    parts: list[str] = []
    pos = 0
    for line in head:
        parts.append(line + "\n\n")
        pos += len(line) + 2
    body_start = pos
    spans: list[tuple[int, int, _Piece]] = []
    for pi, paragraph in enumerate(paragraphs):
        if pi:
            parts.append("\n\n")
            pos += 2
        for si, piece in enumerate(paragraph):
            if si:
                parts.append(" ")
                pos += 1
            text = piece.text if isinstance(piece, _Chunk) else piece
            parts.append(text)
            spans.append((pos, pos + len(text), piece))
            pos += len(text)
    return "".join(parts), body_start, spans


def edit(text: str, rng: random.Random, vocab: _Vocabulary, *, rate: float = 0.0, substitutions: int = 0) -> tuple[str, int]:
    """Edit the words of ``text``; the first and last words are never touched.

    Args:
        rate: each inner word is substituted, deleted or preceded by an
            inserted word with this probability.
        substitutions: exactly this many inner words (at most all) are
            replaced by other words.

    Returns:
        The edited text and the number of edits made.
    """
    tokens = re.split(r"(\s+)", text)  # words at even positions, separators between
    inner = list(range(2, len(tokens) - 2, 2))
    ops: dict[int, str] = {}
    if substitutions:
        for i in rng.sample(inner, min(substitutions, len(inner))):
            ops[i] = "sub"
    if rate:
        for i in inner:
            if rng.random() < rate:
                ops[i] = rng.choice(("sub", "sub", "ins", "del"))
    out: list[str] = []
    skip_separator = False
    for i, token in enumerate(tokens):
        if skip_separator:
            skip_separator = False
            continue
        op = ops.get(i)
        if op == "del":
            skip_separator = True
            continue
        if op == "ins":
            out.append(vocab.one(rng) + " ")
        elif op == "sub":
            m = _WORD_RE.fullmatch(token)
            core, rest = (m.group(1), m.group(2)) if m else (token, "")
            new = vocab.one(rng)
            while new == core.lower():
                new = vocab.one(rng)
            token = (new.capitalize() if core[:1].isupper() else new) + rest
        out.append(token)
    return "".join(out), len(ops)


def _passage(source: _Original, rng: random.Random) -> tuple[int, int, int]:
    """A run of sentences of ``source`` with 40-300 words: (start, end, words)."""
    n = len(source.starts)
    target = rng.randint(40, 300)
    i = j = rng.randrange(n)
    total = 0
    while j < n and total < target:
        total += source.words[j]
        j += 1
    while total < 40 and i > 0:
        i -= 1
        total += source.words[i]
    start, end = source.starts[i], source.ends[j - 1]
    skip = rng.randint(1, max(1, source.words[i] - 2))
    if rng.random() < 0.3 and total - skip >= 40:  # start mid-sentence
        for _ in range(skip):
            start = source.text.index(" ", start, end) + 1
        total -= skip
    return start, end, total


def _doc_id(i: int) -> tuple[str, str | None]:
    """Document id and, for a JSON lines record, its file name."""
    if i % 10 == 7:
        feed = f"feeds/feed-{i // 1000:03d}.jsonl"
        return f"{feed}#doc-{i:06d}", feed
    return f"txt/{i // 500:03d}/doc-{i:06d}.txt", None


def corpus_dir(out: Path, size_mb: float) -> Path:
    """The folder of the corpus of this size under ``out``."""
    return out / f"corpus-{size_mb:g}mb"


def ensure_corpus(out: Path, size_mb: float, *, seed: int = 1) -> Corpus:
    """Generate the corpus unless an identical one (same generator version,
    size and seed) is already on disk.

    Args:
        out: parent folder (``bench/out``).
        size_mb: size of the document texts, in decimal megabytes.
        seed: seed of the generator.

    Returns:
        Where the corpus is and what it holds.
    """
    root = corpus_dir(out, size_mb)
    truth = root / "truth.json"
    if truth.exists():
        try:
            meta = json.loads(truth.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = {}
        if meta.get("generator") == GENERATOR_VERSION and meta.get("seed") == seed and meta.get("size_mb") == size_mb:
            return Corpus(root, root / "docs", truth, meta["documents"], meta["bytes"], meta["files"], False, 0.0)
    t0 = time.perf_counter()
    meta = generate(root, size_mb, seed=seed)
    return Corpus(root, root / "docs", truth, meta["documents"], meta["bytes"], meta["files"], True, time.perf_counter() - t0)


def warm(folder: Path, *, threads: int = 16) -> int:
    """Read every file under ``folder`` once, so that a timed scan finds them
    in the page cache; returns the number of files.

    Each size is then timed alike: without it, a corpus read a moment before
    (by the plain MinHash runs) is still cached and one read minutes before
    is not, wherever the kernel reclaims idle page cache (this machine
    pages out file pages left untouched for a minute). Threads keep many
    reads in flight, which a disk of small files needs to go fast.
    """
    paths = sorted(p for p in folder.rglob("*") if p.is_file())

    def read(path: Path) -> None:
        with path.open("rb") as fh:
            while fh.read(1 << 20):
                pass

    with ThreadPoolExecutor(threads) as executor:
        for _ in executor.map(read, paths, chunksize=64):
            pass
    return len(paths)


def generate(root: Path, size_mb: float, *, seed: int = 1) -> dict[str, Any]:
    """Write a fresh corpus of at least ``size_mb`` MB of text into ``root``.

    Returns:
        The ``truth.json`` content: settings, counts and the planted passages,
        each ``{document, start, end, source, source_start, source_end, kind,
        words, edits, edit_rate}`` in character offsets of the document texts.
    """
    if root.exists():
        shutil.rmtree(root)
    docs_dir = root / "docs"
    docs_dir.mkdir(parents=True)
    rng = random.Random(seed)
    vocab = _Vocabulary(rng)
    limit = int(size_mb * MB)
    originals: list[_Original] = []
    planted: list[dict[str, Any]] = []
    total = files = i = 0
    feed_name: str | None = None
    feed: TextIO | None = None
    try:
        while total < limit:
            doc_id, feed_of_doc = _doc_id(i)
            r = rng.random()
            role = "original" if i < 20 or r >= 0.2 else ("reprint" if r < 0.1 else "embed")
            if role == "reprint":
                text, records = _reprint(doc_id, rng.choice(originals), vocab, rng)
            else:
                title = _title(vocab, rng)
                paragraphs: list[list[_Piece]] = list(_body(vocab, rng))
                records = []
                if role == "embed":
                    for _ in range(rng.randint(1, 3)):
                        chunk = _embedded(doc_id, rng.choice(originals), vocab, rng)
                        records.append(chunk.record)
                        p = rng.randrange(len(paragraphs) + 1)
                        if rng.random() < 0.7 or p == len(paragraphs):
                            paragraphs.insert(p, [chunk])
                        else:
                            paragraphs[p].insert(rng.randrange(len(paragraphs[p]) + 1), chunk)
                text, body_start, spans = _render([title], paragraphs)
                for start, end, piece in spans:
                    if isinstance(piece, _Chunk):
                        piece.record["start"], piece.record["end"] = start, end
                if role == "original":
                    originals.append(_original(doc_id, text, body_start, spans))
            planted.extend(records)
            if feed_of_doc is None:
                path = docs_dir / doc_id
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
                files += 1
            else:
                if feed_of_doc != feed_name:
                    if feed is not None:
                        feed.close()
                    feed_name = feed_of_doc
                    (docs_dir / feed_name).parent.mkdir(parents=True, exist_ok=True)
                    feed = open(docs_dir / feed_name, "w", encoding="utf-8")  # noqa: SIM115 - closed on the next feed or in finally
                    files += 1
                record = {
                    "id": doc_id.rsplit("#", 1)[1],
                    "url": f"https://feed{i // 1000}.example.org/{i:06d}",
                    "date": f"20{rng.randint(10, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    "title": text.split("\n", 1)[0],
                    "text": text,
                }
                assert feed is not None
                feed.write(json.dumps(record) + "\n")
            total += len(text.encode("utf-8"))
            i += 1
    finally:
        if feed is not None:
            feed.close()
    planted.sort(key=lambda p: (p["document"], p["start"]))
    meta = {
        "generator": GENERATOR_VERSION,
        "seed": seed,
        "size_mb": size_mb,
        "documents": i,
        "bytes": total,
        "files": files,
        "originals": len(originals),
        "planted": planted,
    }
    tmp = root / "truth.json.tmp"
    tmp.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, root / "truth.json")
    return meta


def _original(doc_id: str, text: str, body_start: int, spans: list[tuple[int, int, _Piece]]) -> _Original:
    starts, ends, words = array("l"), array("l"), array("l")
    for start, end, _ in spans:
        starts.append(start)
        ends.append(end)
        words.append(text.count(" ", start, end) + 1)
    return _Original(doc_id, text, body_start, starts, ends, words)


def _reprint(doc_id: str, source: _Original, vocab: _Vocabulary, rng: random.Random) -> tuple[str, list[dict[str, Any]]]:
    body = source.text[source.body_start :]
    edits = 0
    if rng.random() < 0.5:
        body, edits = edit(body, rng, vocab, substitutions=rng.randint(1, 5))
    head = [_title(vocab, rng)]
    if rng.random() < 0.4:
        head.append(f"Reprinted from {source.text.split(chr(10), 1)[0]}.")
    prefix = "".join(line + "\n\n" for line in head)
    text = prefix + body
    record = {
        "document": doc_id,
        "start": len(prefix),
        "end": len(text),
        "source": source.id,
        "source_start": source.body_start,
        "source_end": len(source.text),
        "kind": "reprint",
        "words": body.count(" ") + body.count("\n\n") + 1,
        "edits": edits,
        "edit_rate": 0.0,
    }
    return text, [record]


def _embedded(doc_id: str, source: _Original, vocab: _Vocabulary, rng: random.Random) -> _Chunk:
    start, end, words = _passage(source, rng)
    text = source.text[start:end]
    rate = 0.0
    edits = 0
    if rng.random() < 0.5:
        rate = round(rng.uniform(0.05, 0.15), 3)
        text, edits = edit(text, rng, vocab, rate=rate)
    record = {
        "document": doc_id,
        "start": -1,
        "end": -1,
        "source": source.id,
        "source_start": start,
        "source_end": end,
        "kind": "passage",
        "words": words,
        "edits": edits,
        "edit_rate": rate,
    }
    return _Chunk(text, record)
