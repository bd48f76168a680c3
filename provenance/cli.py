"""Command line: parse, call one library function, render."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date
from typing import IO, Any

import click
from rich import filesize
from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TaskID, TextColumn
from rich.text import Text

from provenance import escape, formats, gate
from provenance import index as corpus_index
from provenance import report as render_report
from provenance.config import (
    MAX_FILE_BYTES,
    MAX_WORKERS_PER_CORE,
    SENSITIVITIES,
    Config,
    max_workers,
)
from provenance.errors import ConfigError, InputError, ProvenanceError
from provenance.extract import THIRD_PARTY_LOGGERS
from provenance.html import render_html
from provenance.models import Report, Skipped
from provenance.read import Piped, choose_record, nothing_read, read_path, unsupported_summary
from provenance.scan import explain as explain_document
from provenance.scan import scan as scan_paths

PROGRESS_AFTER_SECONDS = 2.0
DISTRIBUTION = "text-provenance"  # the name on the package index; the command is `provenance`

def _html_target(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    # Checked before the scan: a typo in the folder should not cost a whole scan.
    if value is not None and not os.path.isdir(os.path.dirname(os.path.abspath(value))):
        raise click.BadParameter(f"folder {os.path.dirname(value) or '.'} does not exist", ctx=ctx, param=param)
    return value


def _workers(ctx: click.Context, param: click.Parameter, value: int) -> int:
    # More processes than this only cost memory and start-up time (issue 14).
    if value > max_workers():
        click.echo(f"warning: --workers {value} is more than {MAX_WORKERS_PER_CORE} per core; using {max_workers()}", err=True)
        return max_workers()
    return value


def _day(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        try:
            date.fromisoformat(value)
        except ValueError:
            raise click.BadParameter(f"{value!r} is not a day as YYYY-MM-DD", ctx=ctx, param=param) from None
    return value


MAX_FILE_MB = MAX_FILE_BYTES // (1024 * 1024)
today_option = click.option("--today", metavar="YYYY-MM-DD", callback=_day, help="Read dates as of this day: a stated date after the next year is implausible, and no guessed date is later. Default: the current UTC date, taken once per run; give it for a report that never changes with the day.")
follow_links_option = click.option("--follow-links", is_flag=True, help="Read symbolic links that lead outside the given paths (skipped by default: a document folder should not make the tool read other files).")
html_option = click.option("--html", type=click.Path(dir_okay=False, writable=True), callback=_html_target, metavar="FILE", help="Write the report as one self-contained HTML page to FILE (no network needed to view it).")
progress_option = click.option("--no-progress", is_flag=True, help="No progress bars on stderr (shown only on a terminal, for work that takes over 2 seconds).")
color_option = click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True, help="Colour in the terminal report (auto: on a terminal, unless NO_COLOR is set).")


# Extraction hiccups on odd pages are not our users' problem: keep them off stderr.
for _name in THIRD_PARTY_LOGGERS:
    logging.getLogger(_name).setLevel(logging.CRITICAL)


class _Group(click.Group):
    """Error messages name paths and ids that strangers chose: one visible
    line each, whatever they hold (issue 14)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.ClickException as e:
            e.message = escape.line(e.message)
            raise
        except ProvenanceError as e:  # one a command did not expect (workers that cannot start)
            raise _InputFailure(escape.line(str(e))) from e


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name=DISTRIBUTION)
def cli() -> None:
    """Find where text came from: passages reprinted or reused across documents."""


class _ScanPath(click.Path):
    """An existing path, or a URL that Spark reads (``hdfs://``, ``s3a://``)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and "://" in value:
            return value
        return super().convert(value, param, ctx)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=_ScanPath(exists=True, allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "jsonl"]), default="text", show_default=True, help="Report format; json is the provenance-report/1 contract on stdout, jsonl the same one object per line.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, writable=True), metavar="DIR", help="Write the report into DIR as JSON lines files (documents, passages, skipped, warnings), with --engine spark also as Parquet tables; the terminal then shows the summary line.")
@click.option("--quiet", "-q", is_flag=True, help="Print the summary line only.")
@click.option("--threshold", type=click.FloatRange(0, 1, min_open=True), default=Config.threshold, show_default=True, help="Window similarity (Jaccard) at which candidates are aligned.")
@click.option("--min-words", type=click.IntRange(1), default=Config.min_tokens, show_default=True, help="Shortest passage reported, in words.")
@click.option("--workers", type=click.IntRange(0), default=0, callback=_workers, help=f"Processes for reading and fingerprinting (0: one per core; at most {MAX_WORKERS_PER_CORE} per core).")
@click.option("--max-file-mb", type=click.IntRange(1, MAX_FILE_MB), default=Config.max_file_bytes // (1024 * 1024), show_default=True, help="Skip files larger than this (after decompression).")
@follow_links_option
@today_option
@click.option("--sensitivity", type=click.Choice(SENSITIVITIES), default=Config.sensitivity, show_default=True, help="high: also find reworded, reordered and summarised reuse by sentence similarity (slower).")
@click.option("--with-text", is_flag=True, help="With --format json: add each document's text (documents[].text), which `provenance report` needs.")
@click.option("--spill-mb", type=click.IntRange(0), default=Config.spill_mb, show_default=True, help="Above this many MB of input, keep the window signatures in temporary files instead of memory (0: always).")
@click.option("--engine", type=click.Choice(["local", "spark"]), default="local", show_default=True, help="Where the scan runs: this machine's processes, or Apache Spark (needs the [spark] extra and Java 17).")
@click.option("--spark-master", metavar="URL", help="With --engine spark: the cluster's master (spark://host:7077, yarn, k8s://...); Spark's local mode without it.")
@html_option
@color_option
@progress_option
def scan(
    paths: tuple[str, ...], fmt: str, out_dir: str | None, quiet: bool, threshold: float, min_words: int, workers: int, max_file_mb: int, follow_links: bool, today: str | None, sensitivity: str,
    with_text: bool, spill_mb: int, engine: str, spark_master: str | None, html: str | None, color: str, no_progress: bool,
) -> None:
    """Find every passage of the documents under PATHS that another one reprints or reuses.

    Reads .txt, .md, .html, .htm, .jsonl and .warc files (also
    gzip-compressed), recursively; with --engine spark also Parquet tables
    (a text column, and optional id, url, date, title, site). Exit status 0
    after a scan, whatever it found; 2 for usage errors.

    \b
        provenance scan samples/
        provenance scan articles/ --format json > report.json
        provenance scan crawl/ --out report/
        provenance scan samples/ --html report.html
        provenance scan --engine spark --spark-master spark://head:7077 /mnt/crawl/
        curl -s https://example.org/story | provenance scan - sources/

    '-' reads one document (HTML, JSON lines or text, told from its content)
    from standard input; its id is '-'.
    """
    if engine != "spark" and (spark_master or any("://" in p for p in paths)):
        raise click.UsageError("--spark-master and URL paths need --engine spark")
    if engine == "spark" and "-" in paths:
        raise click.UsageError("'-' (standard input) needs --engine local")
    if engine == "spark" and sensitivity != "normal":
        raise click.UsageError(f"--sensitivity {sensitivity} needs --engine local: the Spark engine has no coarse channel for rewritten reuse yet")
    try:
        config = Config(threshold=threshold, min_tokens=min_words, workers=workers, max_file_bytes=max_file_mb * 1024 * 1024, follow_links=follow_links, sensitivity=sensitivity, spill_mb=spill_mb, today=today)
    except ConfigError as e:
        raise click.UsageError(str(e)) from e
    err = Console(stderr=True)
    with _progress(err, enabled=not (quiet or no_progress)) as progress:
        try:
            result = _run_scan(_inputs(paths), config, engine, spark_master, progress, out_dir)
        except InputError as e:
            raise click.UsageError(str(e)) from e
    _warn(result, err)
    if not result.documents:
        _say(err, escape.line(nothing_read(paths, result.skipped)))
    if html:
        _write_html(result, html)
    if out_dir:
        try:
            render_report.write_jsonl_folder(result, out_dir, with_text=with_text)
        except OSError as e:
            raise click.ClickException(f"cannot write {out_dir}: {e.strerror or e}") from e
    if fmt == "json":
        render_report.to_json(result, sys.stdout, with_text=with_text)
    elif fmt == "jsonl":
        render_report.to_jsonl(result, sys.stdout, with_text=with_text)
    else:
        _show(color, lambda console: render_report.render(result, console, quiet=quiet or bool(out_dir)))


def _run_scan(paths: Sequence[str | Piped], config: Config, engine: str, master: str | None, progress: Any, out_dir: str | None = None) -> Report:
    if engine == "local":
        return scan_paths(paths, config, progress=progress)
    try:
        from provenance import spark
    except ImportError as e:  # pyspark is the optional [spark] extra
        raise click.UsageError(f"--engine spark needs pyspark: install the spark extra, text-provenance[spark] ({e})") from e
    return spark.scan(paths, config, master=master, progress=progress, parquet=out_dir)


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--in", "corpus", type=click.Path(exists=True, file_okay=False), help="Folder to compare FILE with (default: FILE's folder).")
@click.option("--record", help="For a JSON lines file: the record's id (or line number); for a web archive: its WARC-Record-ID (or URL).")
@follow_links_option
@today_option
@color_option
@progress_option
def explain(file: str, corpus: str | None, record: str | None, follow_links: bool, today: str | None, color: str, no_progress: bool) -> None:
    """Trace one document, passage by passage: where each came from, and why.

    \b
        provenance explain samples/003_9ba1684f5d8b9a0c.txt
        provenance explain essay.txt --in sources/
    """
    err = Console(stderr=True)
    with _progress(err, enabled=not no_progress) as progress:
        try:
            result = explain_document(file, corpus, record=record, progress=progress, follow_links=follow_links, today=today)
        except InputError as e:
            raise click.UsageError(str(e)) from e
    _warn(result.report, err)
    _show(color, lambda console: render_report.render_explanation(result.report, result.document, console))


@cli.command()
@click.argument("report_file", metavar="REPORT", type=click.File("r", encoding="utf-8"))
@html_option
@click.option("--quiet", "-q", is_flag=True, help="Print the summary line only.")
@color_option
def report(report_file: IO[str], html: str | None, quiet: bool, color: str) -> None:
    """Render a saved JSON report again: as HTML with --html, else in the terminal.

    REPORT comes from `provenance scan --format json --with-text` ('-' reads stdin).

    \b
        provenance scan samples/ --format json --with-text > report.json
        provenance report report.json --html report.html
    """
    try:
        result = render_report.from_json(report_file)
    except InputError as e:
        raise _InputFailure(str(e)) from e  # exit 2, like every input error
    if html:
        _write_html(result, html)
    else:
        _show(color, lambda console: render_report.render(result, console, quiet=quiet))


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--record", help="For a JSON lines file: the record's id (or line number) to print; for a web archive: its WARC-Record-ID (or URL).")
def extract(file: str, record: str | None) -> None:
    """Print FILE's extracted text exactly as report offsets count it.

    \b
        provenance extract samples/000_cc87db15589df885.txt
        provenance extract page.html > page.txt
        provenance extract feed.jsonl --record 7
        curl -s https://example.org/story | provenance extract -

    '-' reads standard input (HTML, JSON lines or text, told from its content).

    On a terminal, control characters (escape sequences) are shown as
    \\x1b and the like, never sent; with GITHUB_ACTIONS set, a line GitHub
    would run as a workflow command has its '::' or '##[' spelled out.
    """
    (source,) = _inputs((file,))
    docs, skipped, _ = read_path(source)
    if skipped and not docs:
        raise click.UsageError(f"{skipped[0].path}: {skipped[0].reason}")  # exit 2, as explain
    try:
        doc = choose_record(docs, record, file)
    except InputError as e:
        raise click.UsageError(str(e)) from e
    text = doc.text
    if sys.stdout.isatty():
        text = escape.lines(text)
    if os.environ.get("GITHUB_ACTIONS"):
        text = escape.log(text)
    click.echo(text, nl=False)


class _InputFailure(click.ClickException):
    """An input that cannot be used: one line on stderr, exit 2 (1 means a
    policy failed, in `check`)."""

    exit_code = 2


class _IndexFailure(_InputFailure):
    """An index or input that cannot be used: one line on stderr, exit 2."""


def _need_db(ctx: click.Context, param: click.Parameter, value: str | None) -> str:
    if not value:
        raise click.UsageError("no index given: pass --db URL or set PROVENANCE_DB", ctx=ctx)
    return value


def _db(made: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option("--db", envvar="PROVENANCE_DB", show_envvar=True, callback=_need_db, metavar="URL", help=f"The index: a file path or sqlite:///path{made}, or redis://[:password@]host:port/N.")


db_option = _db("")
"""--db for commands that need an existing index."""
new_db_option = _db(" (made on first use)")
_INDEX_ERRORS = (ProvenanceError,)  # anything else is a bug: it crashes with its traceback


def _fingerprint_overrides(threshold: float | None, min_words: int | None, max_file_mb: int | None, follow_links: bool = False, today: str | None = None) -> dict[str, Any]:
    given = {"threshold": threshold, "min_tokens": min_words, "max_file_bytes": max_file_mb * 1024 * 1024 if max_file_mb else None, "follow_links": follow_links or None, "today": today}
    return {k: v for k, v in given.items() if v is not None}


@cli.group()
def index() -> None:
    """A persistent index of a corpus (SQLite file or Redis), for `provenance check`.

    \b
        provenance index add corpus/ --db corpus.db
        provenance index stats --db corpus.db
        provenance index verify --db corpus.db
    """


@index.command("add")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@new_db_option
@click.option("--threshold", type=click.FloatRange(0, 1, min_open=True), help="Window similarity for candidates; a new index records it (default 0.15).")
@click.option("--min-words", type=click.IntRange(1), help="Shortest passage, in words; a new index records it (default 15).")
@click.option("--max-file-mb", type=click.IntRange(1, MAX_FILE_MB), help="Skip files larger than this after decompression (default 64).")
@follow_links_option
@today_option
@click.option("--batch", type=click.IntRange(1), default=corpus_index.BATCH_WINDOWS, show_default=True, help="Windows written per transaction; an interrupted add keeps every batch written before.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format.")
@progress_option
def index_add(paths: tuple[str, ...], db: str, threshold: float | None, min_words: int | None, max_file_mb: int | None, follow_links: bool, today: str | None, batch: int, fmt: str, no_progress: bool) -> None:
    """Add the documents under PATHS to the index; ids are paths relative to
    the current folder. An unchanged document is left alone, a changed one
    replaced.

    \b
        provenance index add corpus/ --db corpus.db
        provenance index add feeds/ --db redis://ci-redis:6379/0
    """
    err = Console(stderr=True)
    with _progress(err, enabled=not no_progress) as progress:
        try:
            result = corpus_index.add(db, paths, progress=progress, batch_windows=batch, **_fingerprint_overrides(threshold, min_words, max_file_mb, follow_links, today))
        except _INDEX_ERRORS as e:
            raise _IndexFailure(str(e)) from e
    _skips(result.skipped, err)
    if not (result.added or result.replaced or result.unchanged):
        _say(err, escape.line(nothing_read(paths, result.skipped)))
    if fmt == "json":
        click.echo(escape.json_dumps(result.to_dict()))
        return
    click.echo(f"{len(result.added)} added, {len(result.replaced)} replaced, {len(result.unchanged)} unchanged; {result.db} holds {render_report.plural(result.windows, 'window')}")


@index.command("remove")
@click.argument("ids", nargs=-1, required=True)
@db_option
@click.option("--missing-ok", is_flag=True, help="An id that is not in the index is no error (exit 0).")
def index_remove(ids: tuple[str, ...], db: str, missing_ok: bool) -> None:
    """Remove documents (by id, as `index list` shows them) from the index.

    The ids that are there are removed either way; an id that is not makes
    the exit status 2 (a typo should not pass silently), unless --missing-ok.

    \b
        provenance index remove corpus/old.txt --db corpus.db
        provenance index remove corpus/feed.jsonl#7 --db corpus.db --missing-ok
    """
    try:
        result = corpus_index.remove(db, ids)
    except _INDEX_ERRORS as e:
        raise _IndexFailure(str(e)) from e
    for doc_id in result.removed:
        click.echo(f"removed {escape.line(doc_id)}")
    for doc_id in result.missing:
        click.echo(f"not in the index: {escape.line(doc_id)}", err=True)
    if result.missing and not missing_ok:
        raise _IndexFailure(f"{render_report.plural(len(result.missing), 'id')} not in {result.db}; see `provenance index list`, or pass --missing-ok")


@index.command("list")
@db_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format.")
def index_list(db: str, fmt: str) -> None:
    """List the indexed documents: id, characters, fingerprinted windows, date, URL.

    \b
        provenance index list --db corpus.db
        provenance index list --db corpus.db --format json
    """
    try:
        records = corpus_index.documents(db)
    except _INDEX_ERRORS as e:
        raise _IndexFailure(str(e)) from e
    if fmt == "json":
        rows = [
            {"id": r.id, "chars": r.chars, "words": r.words, "windows": r.windows, "passages": r.windows,  # "passages": deprecated alias
             "date": r.meta.date, "url": r.meta.url, "site": r.meta.site, "title": r.meta.title, "hash": r.hash}
            for r in records
        ]
        click.echo(escape.json_dumps(rows))
        return
    for r in records:
        click.echo("\t".join([escape.line(r.id), f"{r.chars} chars", f"{r.windows} windows", escape.line(r.meta.date or "-"), escape.line(r.meta.url or "-")]))


@index.command("stats")
@db_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format.")
def index_stats(db: str, fmt: str) -> None:
    """Documents, fingerprinted windows, size and fingerprint settings of the index.

    Size is the file's on disk, or in Redis the memory of this index's keys
    (MEMORY USAGE of each, read with SCAN: it takes a while on a big index).

    \b
        provenance index stats --db corpus.db
        PROVENANCE_DB=redis://ci-redis:6379/0 provenance index stats
    """
    try:
        result = corpus_index.stats(db)
    except _INDEX_ERRORS as e:
        raise _IndexFailure(str(e)) from e
    if fmt == "json":
        click.echo(escape.json_dumps(result.to_dict()))
        return
    per = result.bytes / result.windows if result.windows else 0
    click.echo(f"{result.db}: {render_report.plural(result.documents, 'document')}, {render_report.plural(result.windows, 'window')}, {render_report.plural(result.bytes, 'byte')} ({per:.0f} per window)")
    click.echo("settings: " + ", ".join(f"{corpus_index.OPTION_NAMES.get(k, k).lstrip('-')}={v}" for k, v in sorted(result.settings.items())))


@index.command("verify")
@db_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format.")
def index_verify(db: str, fmt: str) -> None:
    """Read the whole index and say whether it must be rebuilt.

    Checks SQLite's integrity_check, that every entry can be read back, that
    every window has its bucket entry in every band and that no row or
    bucket entry is left without its document.

    Exit status: 0 the index is sound; 1 it is damaged (rebuild it: a new
    index from the corpus with `provenance index add`); 2 it cannot be
    checked (no index there, not an index, server down).

    \b
        provenance index verify --db corpus.db
        provenance index verify --db redis://ci-redis:6379/0 --format json
    """
    try:
        result = corpus_index.verify(db)
    except _INDEX_ERRORS as e:
        raise _IndexFailure(str(e)) from e
    if fmt == "json":
        click.echo(escape.json_dumps(result.to_dict()))
    elif result.sound:
        click.echo(f"{result.db}: sound: {render_report.plural(result.documents, 'document')}, {render_report.plural(result.windows, 'window')}")
    else:
        for problem in result.problems:
            click.echo(f"  {escape.line(problem)}")
        click.echo(f"{result.db}: damaged ({render_report.plural(len(result.problems), 'problem')}): rebuild the index (`provenance index add` from the corpus into a new --db)")
    if not result.sound:
        sys.exit(1)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, allow_dash=True))
@_db(" (made by --add-on-pass when there is none)")
@click.option("--fail-on", type=click.Choice(list(gate.FAIL_ON)), default="near-verbatim", show_default=True, help="The weakest kind of reused passage that always fails a document.")
@click.option("--edited-share", type=click.FloatRange(0, 1), default=gate.EDITED_SHARE, show_default=True, help="Passages of a kind weaker than --fail-on (edited reuse) fail too when reused passages cover more than this share of the document (1: never).")
@click.option("--max-reused-share", type=click.FloatRange(0, 1), help="Fail a document when more than this share of its text is reused.")
@click.option("--require-credit", is_flag=True, help="Reused passages pass when the document credits their origin.")
@click.option("--allow", "allow_file", type=click.Path(dir_okay=False), help="Allowlist file: reviewed document or passage fingerprints, each with a reason.")
@click.option("--write-allowlist", type=click.Path(dir_okay=False), help="Write today's failing findings to this allowlist file (a baseline) and pass.")
@click.option("--add-on-pass", is_flag=True, help="Add the documents that pass to the index.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif", "junit"]), default="text", show_default=True, help="Output: terminal text, JSON report with verdicts, SARIF 2.1.0 or JUnit XML.")
@click.option("--max-file-mb", type=click.IntRange(1, MAX_FILE_MB), help="Skip files larger than this after decompression (default 64).")
@follow_links_option
@today_option
@click.option("--allow-empty", is_flag=True, help="Pass when no document can be read under PATHS (else exit 2: a mistyped path must not pass the gate).")
@click.option("--quiet", "-q", is_flag=True, help="With --format text: print the summary line only.")
@color_option
@progress_option
def check(paths: tuple[str, ...], db: str, fail_on: str, edited_share: float, max_reused_share: float | None, require_credit: bool, allow_file: str | None, write_allowlist: str | None, add_on_pass: bool, fmt: str, max_file_mb: int | None, follow_links: bool, today: str | None, allow_empty: bool, quiet: bool, color: str, no_progress: bool) -> None:
    """Check incoming documents against the index and each other; fail those
    that reuse indexed text against the policy.

    Exit status: 0 all documents pass; 1 a document fails the policy; 2 usage
    or input error (bad option, unreadable index or allowlist, server down).
    In GitHub Actions (GITHUB_ACTIONS set) it also prints ::error annotations
    and appends a Markdown summary to $GITHUB_STEP_SUMMARY.

    \b
        provenance check incoming/ --db corpus.db
        provenance check new.txt --db corpus.db --require-credit --allow allow.json
        provenance check incoming/ --db corpus.db --format sarif > provenance.sarif
        provenance check - --db corpus.db < draft.txt

    '-' reads one document from standard input (id '-'; not with --add-on-pass).
    """
    if "-" in paths and add_on_pass:
        raise click.UsageError("--add-on-pass cannot add '-' (standard input): it has no path to be indexed under")
    try:
        allowlist = gate.load_allowlist(allow_file) if allow_file else gate.Allowlist()
        policy = gate.Policy(fail_on, max_reused_share, require_credit, allowlist, edited_share)  # type: ignore[arg-type]
        with _progress(Console(stderr=True), enabled=not (quiet or no_progress)) as progress:
            result = gate.check(_inputs(paths), db, policy, add_on_pass=add_on_pass, allow_empty=allow_empty, progress=progress, **_fingerprint_overrides(None, None, max_file_mb, follow_links, today))
        if write_allowlist:
            gate.write_allowlist(allowlist.merged(result.baseline()), write_allowlist)
    except _INDEX_ERRORS as e:
        raise _IndexFailure(str(e)) from e
    _warn(result.report, Console(stderr=True))
    if fmt == "json":
        click.echo(escape.json_dumps(result.to_dict()))
    elif fmt == "sarif":
        click.echo(formats.sarif_json(result), nl=False)
    elif fmt == "junit":
        click.echo(formats.junit(result), nl=False)
    elif _console(color).is_terminal or color == "always":
        _show(color, lambda console: _print_check(result, console, quiet=quiet))
    else:
        click.echo(formats.text(result, quiet=quiet), nl=False)
    if os.environ.get("GITHUB_ACTIONS"):
        for line in formats.github_annotations(result):
            click.echo(line, err=fmt != "text")  # keep machine-readable stdout clean
        summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary_path:
            with open(summary_path, "a", encoding="utf-8") as fh:
                fh.write(formats.github_summary(result))
    if write_allowlist:
        click.echo(f"wrote {write_allowlist}", err=True)
        return
    if not result.passed:
        sys.exit(1)


_CHECK_STYLES = {"summary": "bold", "pass": "green", "fail": "bold red", "finding": "", "excerpt": "dim"}
"""How the terminal colours each kind of line of `check`'s text report."""


def _print_check(result: gate.CheckResult, console: Console, *, quiet: bool) -> None:
    for line, kind in formats.text_lines(result, quiet=quiet):
        console.print(line, style=_CHECK_STYLES[kind], markup=False, highlight=False, soft_wrap=True)


def _inputs(paths: Sequence[str]) -> list[str | Piped]:
    """The paths, with '-' as what standard input holds."""
    if list(paths).count("-") > 1:
        raise click.UsageError("'-' (standard input) can be given once")
    return [Piped(click.open_file("-", "rb").read()) if p == "-" else p for p in paths]


def _console(color: str) -> Console:
    """The stdout console for --color: ``auto`` colours a terminal unless
    NO_COLOR is set (https://no-color.org); ``never`` writes no escape codes."""
    if color == "always":
        return Console(force_terminal=True, no_color=False)
    if color == "never" or os.environ.get("NO_COLOR"):
        return Console(color_system=None, no_color=True)
    return Console()


def _show(color: str, draw: Callable[[Console], None]) -> None:
    """Draw a terminal view on stdout. Untrusted text in it is escaped where
    it is put; wrapping can still move any word of it to the start of a
    line, so the whole goes out through ``escape.log``."""
    console = _console(color)
    with console.capture() as captured:
        draw(console)
    sys.stdout.write(escape.log(captured.get()))
    sys.stdout.flush()


def _write_html(result: Report, path: str) -> None:
    page = render_html(result)
    try:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(page)
    except OSError as e:
        raise click.ClickException(f"cannot write {path}: {e.strerror}; give another --html path") from e


def _warn(result: Report, err: Console) -> None:
    _skips(result.skipped, err)
    for w in result.warnings:
        _say(err, f"warning: {escape.line(w.path)}: {escape.line(w.reason)}")


def _skips(skipped: Sequence[Skipped], err: Console) -> None:
    """One line per file that could not be used; one for all the files of
    types no reader takes (a folder of images should not flood stderr)."""
    for s in skipped:
        if not s.unsupported:
            _say(err, f"skipped: {escape.line(s.path)}: {escape.line(s.reason)}")
    unsupported = unsupported_summary(skipped)
    if unsupported:
        _say(err, escape.line(unsupported))


def _say(err: Console, line: str) -> None:
    err.print(line, markup=False, highlight=False, soft_wrap=True)


_STAGES = {"read": ("reading", "bytes"), "align": ("aligning", "document pairs"), "index": ("indexing", "documents")}
"""What each library progress stage counts (see ``provenance.compare.Progress``)."""


class _Amount(ProgressColumn):
    """Done and total in the stage's unit: ``2.1/6.5 MB``, ``45/181 documents``."""

    def render(self, task: Task) -> Text:
        unit = task.fields.get("unit", "")
        if unit == "bytes":
            total = int(task.total or 0)
            size, suffix = filesize.pick_unit_and_suffix(total, ["bytes", "kB", "MB", "GB", "TB"], 1000)
            return Text(f"{task.completed / size:,.1f}/{total / size:,.1f} {suffix}")
        return Text(f"{int(task.completed):,}/{int(task.total or 0):,} {unit}")


class _Rate(ProgressColumn):
    """Speed and time left, once there is enough to estimate them."""

    def render(self, task: Task) -> Text:
        speed, left = task.speed, task.time_remaining
        if not speed:
            return Text("")
        unit = task.fields.get("unit", "")
        rate = f"{filesize.decimal(int(speed))}/s" if unit == "bytes" else f"{speed:,.1f} {unit.split()[-1]}/s"
        if left is None or task.finished:
            return Text(rate)
        minutes, seconds = divmod(int(left + 0.5), 60)
        return Text(f"{rate}, {minutes}:{seconds:02d} left")


class _progress:
    """Progress bars on stderr: one per stage, counting what the stage counts
    (bytes read, documents indexed, …) with its rate and the time left.
    Shown only on a terminal, only once the work has run for a few seconds,
    and never when ``enabled`` is false (``--no-progress``, ``--quiet``)."""

    def __init__(self, console: Console, *, enabled: bool = True) -> None:
        self.console = console
        self.enabled = enabled and console.is_terminal
        self.started = time.monotonic()
        self.bar: Progress | None = None
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> _progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled or time.monotonic() - self.started < PROGRESS_AFTER_SECONDS:
            return
        if self.bar is None:
            self.bar = Progress(TextColumn("{task.description:<9}"), BarColumn(), _Amount(), _Rate(), console=self.console, transient=True)
            self.bar.start()
        if stage not in self.tasks:
            label, unit = _STAGES.get(stage, (stage, ""))
            self.tasks[stage] = self.bar.add_task(label, total=total, unit=unit)
        self.bar.update(self.tasks[stage], completed=done, total=total)
