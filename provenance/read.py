"""Read: files and folders → documents, and one ``Skipped`` entry per bad input.

Nothing here raises for a single bad file: the scan goes on without it.
"""

from __future__ import annotations

import errno
import gzip
import json
import os
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from provenance import warc
from provenance.config import current_day
from provenance.credits import find_credits
from provenance.errors import InputError
from provenance.extract import ExtractError, HtmlContent, decode, extract_html, normalize_newlines
from provenance.metadata import (
    CRAWL_DATE_SOURCE,
    MANIFEST_NAMES,
    SIDECAR_SUFFIX,
    dateline_date,
    iso_day,
    load_manifests,
    load_sidecar,
    path_key,
    sidecar_path,
)
from provenance.models import Credit, Document, Meta, Skipped
from provenance.urls import site_of

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
JSONL_SUFFIXES = (".jsonl",)


@dataclass(frozen=True)
class Source:
    """A file to read, and the id its documents get."""

    path: str
    id: str
    size: int = 0
    meta: tuple[tuple[str, str], ...] = ()  # from a manifest: url, date, title, site
    sidecar: bool = True  # False: it has no NAME.meta.json, or one that links outside the scanned folders
    data: bytes | None = None  # the content, when it comes from no file (``Piped``)


@dataclass(frozen=True)
class Piped:
    """Content given instead of a file: what the command line's ``-`` reads
    from standard input. Its document id is ``name``; its type is told from
    the content (``sniff``), and it has no sidecar or manifest."""

    data: bytes
    name: str = "-"


def sniff(data: bytes) -> str:
    """The reader for content without a file name: 'html', 'jsonl' or 'text'.

    >>> sniff(b"  <!DOCTYPE html><p>x"), sniff(b'{"text": "a"}\\n{"text": "b"}\\n'), sniff(b"Plain words.")
    ('html', 'jsonl', 'text')
    """
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] == b"<":
        return "html"
    first = head.split(b"\n", 1)[0].strip()
    if first.startswith(b"{"):
        try:
            if isinstance(json.loads(first), dict):
                return "jsonl"
        except (json.JSONDecodeError, UnicodeDecodeError):
            pass
    return "text"


def reader_of(name: str) -> str | None:
    """The reader for a file name: 'text', 'html', 'jsonl', 'warc' or None.

    >>> reader_of("a/b.HTML.gz"), reader_of("notes.md"), reader_of("x.pdf"), reader_of("crawl.warc.gz")
    ('html', 'text', None, 'warc')
    """
    lower = name.lower()
    if lower.endswith(".gz"):
        lower = lower[:-3]
    if lower.endswith(SIDECAR_SUFFIX):
        return None
    for suffixes, kind in ((TEXT_SUFFIXES, "text"), (HTML_SUFFIXES, "html"), (JSONL_SUFFIXES, "jsonl"), (warc.SUFFIXES, "warc")):
        if lower.endswith(suffixes):
            return kind
    return None


def is_sidecar(name: str) -> bool:
    """Whether a file name is a metadata sidecar (``NAME.meta.json``), never a document.

    >>> is_sidecar("a.txt.meta.json"), is_sidecar("a.json")
    (True, False)
    """
    return name.lower().endswith(SIDECAR_SUFFIX)


def type_of(name: str) -> str:
    """A file's type as users name it: its suffix, with ``.gz`` kept as a second one.

    >>> type_of("notes.RTF"), type_of("a.pdf.gz"), type_of("README")
    ('.rtf', '.pdf.gz', '(no suffix)')
    """
    suffixes = [x.lower() for x in Path(name).suffixes]
    if not suffixes:
        return "(no suffix)"
    return "".join(suffixes[-2:]) if suffixes[-1] == ".gz" and len(suffixes) > 1 else suffixes[-1]


def unsupported_summary(skipped: Iterable[Skipped]) -> str | None:
    """One line for the files passed over for their type, or None.

    >>> unsupported_summary([Skipped("a.rtf", "", unsupported=".rtf"), Skipped("b.text", "", unsupported=".text"), Skipped("c.rtf", "", unsupported=".rtf")])
    'skipped 3 files with unsupported types: .rtf, .text'
    >>> unsupported_summary([Skipped("README", "", unsupported="(no suffix)")])
    'skipped 1 file with an unsupported type: (no suffix)'
    """
    types = [s.unsupported for s in skipped if s.unsupported]
    if not types:
        return None
    kinds = sorted(set(types))
    files = "1 file" if len(types) == 1 else f"{len(types):,} files"
    which = "unsupported types" if len(kinds) > 1 else "an unsupported type"
    return f"skipped {files} with {which}: {', '.join(kinds)}"


def nothing_read(paths: Iterable[str | os.PathLike[str]], skipped: Sequence[Skipped]) -> str:
    """Why a read found no document, for a one-line message.

    >>> nothing_read(["in"], [])
    'no document was read from in: it holds no .txt, .md, .html, .htm, .jsonl or .warc file'
    """
    names = ", ".join(str(p) for p in paths)
    unsupported = unsupported_summary(skipped)
    bad = [s for s in skipped if not s.unsupported]
    if bad:
        why = f"{len(bad)} file{'s' * (len(bad) != 1)} could not be used (first: {bad[0].path}: {bad[0].reason})" + (f"; {unsupported}" if unsupported else "")
    else:
        readable = [*TEXT_SUFFIXES, *HTML_SUFFIXES, *JSONL_SUFFIXES, *warc.SUFFIXES]
        why = f"it holds no {', '.join(readable[:-1])} or {readable[-1]} file" + (f" ({unsupported})" if unsupported else "")
    return f"no document was read from {names}: {why}"


OUTSIDE_LINK = "links outside the scanned folder; give --follow-links to read it"


def find_sources(paths: Iterable[str | os.PathLike[str] | Piped], *, follow_links: bool = False) -> tuple[list[Source], list[Skipped]]:
    """Walk the paths and list the readable files in a stable order.

    Ids are paths relative to the scanned folder with ``/`` separators; with
    several paths, relative to their common parent folder.

    The paths are read wherever they point, but a symbolic link found below
    them (a file, a folder, a sidecar or a manifest) whose target lies outside
    every path is skipped (``OUTSIDE_LINK``) unless ``follow_links``: a
    document must not make the scan read ``/etc/passwd`` (issue 14).

    Raises:
        InputError: a path does not exist.
    """
    paths = list(paths)
    piped = [Source(p.name, p.name, len(p.data), sidecar=False, data=p.data) for p in paths if isinstance(p, Piped)]
    roots = [Path(p) for p in paths if not isinstance(p, Piped)]
    if not roots and piped:
        return piped, []
    if not roots:
        raise InputError("no path given: name a folder or file to scan")
    for root in roots:
        if not root.exists() and not root.is_symlink():
            raise InputError(f"{root}: no such file or folder")
    if len(roots) == 1:
        root = roots[0]
        base = root if root.is_dir() else root.parent
    else:
        parents = [str(r.absolute() if r.is_dir() else r.absolute().parent) for r in roots]
        base = Path(os.path.commonpath(parents))
        if base in {r.absolute() for r in roots}:
            base = base.parent
    base_abs = base.absolute()

    sources: dict[str, Source] = {}
    skipped: list[Skipped] = []
    manifest: dict[str, dict[str, str]] = {}
    areas = [os.path.realpath(r) for r in roots]

    def allowed(path: Path | str, *, link: bool | None = None) -> bool:
        """Whether a file or folder met in the walk may be read; if not, say
        why (``link``: whether it is a symbolic link, when already known)."""
        if follow_links or not (os.path.islink(path) if link is None else link):
            return True
        real = os.path.realpath(path)
        if any(real == area or real.startswith(area.rstrip(os.sep) + os.sep) for area in areas):
            return True
        skipped.append(Skipped(str(path), OUTSIDE_LINK))
        return False

    def add(path: str, rel: str, *, has_sidecar: bool) -> None:
        try:
            size = os.stat(path).st_size
        except OSError:
            size = 0  # reading it will report why
        rel = path_id(rel.replace(os.sep, "/"))
        sources.setdefault(rel, Source(path, rel, size, sidecar=has_sidecar and allowed(sidecar_path(path))))

    def read_manifests(folder: str | Path) -> None:
        found, problems = load_manifests(folder, allowed=allowed)
        manifest.update(found)
        skipped.extend(Skipped(str(folder), p) for p in problems)

    for root in roots:
        if root.is_file():
            read_manifests(root.parent)
            add(str(root), os.path.relpath(root.absolute(), base_abs), has_sidecar=sidecar_path(root).exists())
            continue
        if root.is_symlink() and not root.exists():
            skipped.append(Skipped(str(root), _dangling(root)))
            continue
        seen_dirs: set[str] = set()
        for dirpath, dirnames, filenames in os.walk(root, followlinks=True, onerror=lambda e: skipped.append(Skipped(str(e.filename), f"cannot list folder: {e.strerror}"))):
            real = os.path.realpath(dirpath)
            if real in seen_dirs:
                skipped.append(Skipped(dirpath, "symbolic link loop (folder already scanned)"))
                dirnames[:] = []
                continue
            seen_dirs.add(real)
            read_manifests(dirpath)
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and allowed(Path(dirpath) / d))
            # Paths as pathlib writes them, and ids, worked out once per folder:
            # a crawl's folders hold many thousands of files.
            folder = str(Path(dirpath))
            rel_folder = os.path.relpath(os.path.abspath(folder), base_abs)
            names = set(filenames)
            for name in sorted(filenames):
                if name.startswith(".") or name in MANIFEST_NAMES or is_sidecar(name):
                    continue
                path = name if folder == "." else os.path.join(folder, name)
                if reader_of(name) is None:
                    suffix = type_of(name)
                    skipped.append(Skipped(path, f"unsupported file type {suffix}", unsupported=suffix))
                    continue
                link = os.path.islink(path)
                if link and not os.path.exists(path):
                    skipped.append(Skipped(path, _dangling(Path(path))))
                    continue
                if allowed(path, link=link):
                    rel = name if rel_folder == "." else os.path.join(rel_folder, name)
                    add(path, rel, has_sidecar=name + SIDECAR_SUFFIX in names)
    with_meta = [replace(s, meta=tuple(sorted(manifest[path_key(s.path)].items()))) if manifest and path_key(s.path) in manifest else s for s in sources.values()]
    return sorted(with_meta + [s for s in piped if s.id not in sources], key=lambda s: s.id), skipped


def _dangling(path: Path) -> str:
    """Why a symbolic link leads nowhere: a loop of links, or a missing target."""
    try:
        path.resolve(strict=True)
    except RuntimeError:  # Python < 3.13 reports a loop so
        return "symbolic link loop"
    except OSError as e:
        if e.errno == errno.ELOOP:
            return "symbolic link loop"
    return "broken symbolic link"


def read_source(source: Source, *, max_bytes: int, today: str) -> tuple[list[Document], list[Skipped], list[Skipped]]:
    """Read one file into documents; problems become ``Skipped`` entries.

    Args:
        today: the day (``YYYY-MM-DD``) dates are read as of: ``Config.today``
            of a dated config (``Config.dated``), passed down to every date parser.

    Returns:
        (documents, skipped, warnings)
    """
    day = date.fromisoformat(today)
    if source.data is not None:
        kind, data = sniff(source.data), source.data
        if len(data) > max_bytes:
            return [], [Skipped(source.path, f"larger than the {max_bytes // (1024 * 1024)} MB limit; raise --max-file-mb to read it")], []
        return _read_data(source, kind, data, day)
    kind = reader_of(source.path) or "text"
    if kind == "warc":
        return _read_warc(source, max_bytes, day)
    try:
        data = _read_bytes(source.path, max_bytes)
    except OSError as e:
        return [], [Skipped(source.path, f"cannot read: {e.strerror or e}")], []
    except ValueError as e:
        return [], [Skipped(source.path, str(e))], []
    return _read_data(source, kind, data, day)


def _read_data(source: Source, kind: str, data: bytes, today: date) -> tuple[list[Document], list[Skipped], list[Skipped]]:
    if not data.strip():
        return [], [Skipped(source.path, "empty file" if source.data is None else "empty input")], []
    if kind == "jsonl":
        return _read_jsonl(source, data)
    try:
        decoded = decode(data, html=(kind == "html"))
    except ExtractError as e:
        return [], [Skipped(source.path, str(e))], []
    warnings = []
    if decoded.detected:
        warnings.append(Skipped(source.path, f"not UTF-8; decoded as {decoded.encoding} (detected)"))
    if kind == "html":
        content = _extract(decoded.text, today=today)
        if isinstance(content, str):
            return [], [Skipped(source.path, content)], warnings
        return [_document(source, content.text, content.meta, warnings, links=content.links, html=True)], [], warnings
    text = normalize_newlines(decoded.text)
    if not text.strip():
        return [], [Skipped(source.path, "no text after decoding")], warnings
    day = dateline_date(text, today=today)
    return [_document(source, text, Meta(date=day, date_source="dateline" if day else None), warnings)], [], warnings


def _extract(html: str, *, today: date, url: str | None = None) -> HtmlContent | str:
    """A page's main text and metadata, or why it has none."""
    try:
        return extract_html(html, url=url, today=today)
    except ExtractError as e:
        return str(e)


def _document(source: Source, text: str, own: Meta, warnings: list[Skipped], *, links: tuple[tuple[str, str | None], ...] = (), html: bool = False) -> Document:
    """A document with its metadata: a sidecar wins over the manifest, which
    wins over what the file says about itself."""
    sidecar, problems = load_sidecar(source.path) if source.sidecar else (None, [])
    warnings.extend(Skipped(source.path, p) for p in problems)
    meta = own.overridden(dict(source.meta), "manifest").overridden(sidecar or {}, "sidecar")
    return Document.of(source.id, text, source.path, meta, credits=_credits(text, links, html=html))


def _credits(text: str, links: tuple[tuple[str, str | None], ...], *, html: bool) -> tuple[Credit, ...]:
    """The credits a text states, and a page's attribution links to other sites."""
    credits = find_credits(text, line_paragraphs=html)
    end = len(text)
    for link_url, name in links:
        if not any(c.url == link_url for c in credits):
            at = text.find(name) if name else -1
            span = (at, at + len(name)) if name and at >= 0 else (end, end)
            credits.append(Credit(link_url, name, "attribution link", span[0], span[1], (0, end)))
    return tuple(credits)


def _read_warc(source: Source, max_bytes: int, today: date) -> tuple[list[Document], list[Skipped], list[Skipped]]:
    """A web archive's HTML pages, one document each (``ARCHIVE#<record id>``).

    The page's URL is the record's WARC-Target-URI; its date is the one the
    page states, else the crawl's day (WARC-Date, ``date_source="crawl"``).
    A sidecar or manifest of the archive does not apply to its pages.
    """
    docs: list[Document] = []
    skipped: list[Skipped] = []
    warnings: list[Skipped] = []
    seen: set[str] = set()
    try:
        for item in warc.iter_pages(source.path, max_bytes=max_bytes):
            if isinstance(item, Skipped):
                skipped.append(item)
                continue
            doc_id = f"{source.id}#{item.record}"
            where = f"record at offset {item.offset} ({item.record})"
            if doc_id in seen:
                skipped.append(Skipped(source.path, f"{where}: repeats its WARC-Record-ID", offset=item.offset))
                continue
            try:
                decoded = decode(item.html, html=True, charset=item.charset)
            except ExtractError as e:
                skipped.append(Skipped(source.path, f"{where}: {e}", offset=item.offset))
                continue
            content = _extract(decoded.text, url=item.url, today=today)
            if isinstance(content, str):
                skipped.append(Skipped(source.path, f"{where}: {content}", offset=item.offset))
                continue
            seen.add(doc_id)
            if decoded.detected:
                warnings.append(Skipped(source.path, f"{where}: not UTF-8; decoded as {decoded.encoding} (detected)", offset=item.offset))
            if item.truncated:
                warnings.append(Skipped(source.path, f"{where}: the crawler truncated the page ({item.truncated}); its text may end early", offset=item.offset))
            meta = content.meta
            if meta.date is None and item.crawled:
                meta = replace(meta, date=iso_day(item.crawled), date_source=CRAWL_DATE_SOURCE)
            meta = replace(meta, url=item.url or meta.url, site=content.meta.site or site_of(item.url))
            docs.append(Document.of(doc_id, content.text, source.path, meta, record=item.record, credits=_credits(content.text, content.links, html=True)))
    except OSError as e:
        skipped.append(Skipped(source.path, f"cannot read: {e.strerror or e}"))
    if not docs and not skipped:
        skipped.append(Skipped(source.path, "no HTML response records"))
    return docs, skipped, warnings


def prefetch(sources: Iterable[Source]) -> None:
    """Ask the kernel to start reading these files (and their sidecars)
    into its cache now, all at once, before they are read one by one.

    A crawl is many small files; read one at a time from a cold cache, each
    waits for the disk in turn (about 2 ms a file here: 4 MB/s on a disk
    that streams 1 GB/s). Announced together, their reads are queued side
    by side and come back about twenty times faster. Only the first
    ``_PREFETCH_BYTES`` of a file are announced (the kernel's own read-ahead
    streams the rest of a large one). Never raises, and does nothing where
    the platform has no ``posix_fadvise``.

    >>> prefetch([Source("/nonexistent/a.txt", "a.txt")])
    """
    advise = getattr(os, "posix_fadvise", None)
    if advise is None:
        return
    for source in sources:
        if source.data is not None:
            continue
        for path in (source.path, sidecar_path(source.path)) if source.sidecar else (source.path,):
            try:
                fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
            except OSError:
                continue
            try:
                advise(fd, 0, _PREFETCH_BYTES, os.POSIX_FADV_WILLNEED)
            except OSError:
                pass
            finally:
                os.close(fd)


_PREFETCH_BYTES = 4 * 1024 * 1024


def _read_bytes(path: str, max_bytes: int) -> bytes:
    size = os.path.getsize(path)
    if size > max_bytes:
        raise ValueError(f"larger than the {max_bytes // (1024 * 1024)} MB limit ({size // (1024 * 1024)} MB); raise --max-file-mb to read it")
    if path.lower().endswith(".gz"):
        try:
            with gzip.open(path, "rb") as fh:
                data = fh.read(max_bytes + 1)
        except (gzip.BadGzipFile, EOFError, zlib.error) as e:
            raise ValueError(f"broken gzip file: {e}") from e
        if len(data) > max_bytes:
            raise ValueError(f"decompresses to more than the {max_bytes // (1024 * 1024)} MB limit; raise --max-file-mb to read it")
        return data
    with open(path, "rb") as fh:
        return fh.read()


def _read_jsonl(source: Source, data: bytes) -> tuple[list[Document], list[Skipped], list[Skipped]]:
    docs: list[Document] = []
    skipped: list[Skipped] = []
    warnings: list[Skipped] = []
    seen: set[str] = set()
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        where = f"{source.path}:{number}"
        try:
            record = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            skipped.append(Skipped(where, f"line {number} is not valid JSON: {e}"))
            continue
        doc, problem, warning = record_document(source, record, number)
        if warning:
            warnings.append(warning)
        if doc is None:
            skipped.append(problem or Skipped(where, f"line {number} is not a document"))
            continue
        if doc.id in seen:
            skipped.append(Skipped(where, f"line {number} repeats id {record.get('id')!r}"))
            continue
        seen.add(doc.id)
        docs.append(doc)
    if not docs and not skipped:
        skipped.append(Skipped(source.path, "no records"))
    return docs, skipped, warnings


def record_document(source: Source, record: object, number: int) -> tuple[Document | None, Skipped | None, Skipped | None]:
    """One record (a JSON lines line, a Parquet row) with a ``text`` field and
    optional ``id``, ``url``, ``date``, ``title``, ``site`` as a document with
    id ``source.id#id`` (``source.id#number`` without an id).

    Returns:
        (document or None, why it is not one, a warning)
    """
    where = f"{source.path}:{number}"
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        return None, Skipped(where, f"line {number} has no string field 'text'"), None
    text = normalize_newlines(record["text"])
    warning = None
    if _LONE_SURROGATE.search(text):
        # JSON can encode half of a surrogate pair, which no UTF-8 output
        # can carry; one '?' each keeps every offset where it was.
        text = _LONE_SURROGATE.sub("?", text)
        warning = Skipped(where, f"line {number}: invalid Unicode (lone surrogates) in 'text' replaced by '?'")
    if not text.strip():
        return None, Skipped(where, f"line {number} has an empty 'text'"), warning
    rid = record.get("id")
    usable = isinstance(rid, (str, int)) and not isinstance(rid, bool) and str(rid) and not _LONE_SURROGATE.search(str(rid))
    doc_id = f"{source.id}#{rid}" if usable else f"{source.id}#{number}"
    url = _str_or_none(record.get("url"))
    date = _str_or_none(record.get("date"))
    day = iso_day(date) if date else None
    doc = Document(
        doc_id, text, source.path, record=str(rid) if usable else str(number), url=url, title=_str_or_none(record.get("title")), date=day,
        site=_str_or_none(record.get("site")) or site_of(url), date_source="record" if day else None,
        credits=tuple(find_credits(text)),
    )
    return doc, None, warning


def _str_or_none(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return _LONE_SURROGATE.sub("?", value)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def choose_record(docs: Sequence[Document], record: str | None, name: str) -> Document:
    """The one document of a file that ``record`` names (a JSON lines id or
    line number, a web archive's WARC-Record-ID with or without its angle
    brackets, or else a document's URL); without ``record``, the file's only
    document.

    Raises:
        InputError: no such record, or several and none chosen.
    """
    if record is not None:
        wanted = record.strip()
        named = [d for d in docs if d.record in (record, wanted.removeprefix("<").removesuffix(">"))]
        docs = named or [d for d in docs if d.url is not None and d.url == wanted]
        if not docs:
            raise InputError(f"{name} has no record {record!r}")
    if len(docs) > 1:
        ids = ", ".join(str(d.record) for d in docs[:5])
        raise InputError(f"{name} holds {len(docs)} records; choose one with --record (e.g. {ids})")
    return docs[0]


def cwd_path(path: str | os.PathLike[str]) -> str:
    """A file's path relative to the current folder with ``/`` separators
    (``..`` resolved), or its absolute path when it lies outside: the same
    file always gets the same name, whichever way it was spelled.

    >>> cwd_path("./a/../b.txt")
    'b.txt'
    """
    absolute = os.path.normpath(os.path.abspath(path))
    here = os.getcwd()
    if absolute == here or absolute.startswith(here.rstrip(os.sep) + os.sep):
        return os.path.relpath(absolute, here).replace(os.sep, "/")
    return Path(absolute).as_posix()


def path_id(path: str) -> str:
    """A path as a document id: the bytes of a file name that is not UTF-8
    are written ``\\xNN``, since no UTF-8 output (JSON, the index) can carry them.

    >>> path_id(os.fsdecode(b"in/caf\\xe9.txt"))
    'in/caf\\\\xe9.txt'
    """
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def read_path(path: str | os.PathLike[str] | Piped, *, max_bytes: int = 64 * 1024 * 1024, today: str | None = None) -> tuple[list[Document], list[Skipped], list[Skipped]]:
    """Read one file (or piped content) as a scan would, with its name as the document id.

    Args:
        today: the day (``YYYY-MM-DD``) dates are read as of; None: as a scan
            takes it (``Config.dated``: the current UTC date).

    Returns:
        (documents, skipped, warnings)
    """
    day = today or current_day()
    if isinstance(path, Piped):
        return read_source(Source(path.name, path.name, len(path.data), sidecar=False, data=path.data), max_bytes=max_bytes, today=day)
    p = Path(path)
    return read_source(Source(str(p), p.name), max_bytes=max_bytes, today=day)
