"""Command line: parse, call one library function, render."""

from __future__ import annotations

import sys
import time
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from provenance import report as render_report
from provenance.config import Config
from provenance.errors import ConfigError, InputError
from provenance.models import Report
from provenance.read import read_path
from provenance.scan import explain as explain_document
from provenance.scan import scan as scan_paths

PROGRESS_AFTER_SECONDS = 2.0


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="provenance")
def cli() -> None:
    """Find where text came from: passages reprinted or reused across documents."""


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Report format; json is the provenance-report/1 contract on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="Print the summary line only.")
@click.option("--threshold", type=click.FloatRange(0, 1, min_open=True), default=Config.threshold, show_default=True, help="Window similarity (Jaccard) at which candidates are aligned.")
@click.option("--min-words", type=click.IntRange(1), default=Config.min_tokens, show_default=True, help="Shortest passage reported, in words.")
@click.option("--workers", type=click.IntRange(0), default=0, help="Processes for reading and fingerprinting (0: one per core).")
@click.option("--max-file-mb", type=click.IntRange(1), default=Config.max_file_bytes // (1024 * 1024), show_default=True, help="Skip files larger than this.")
def scan(paths: tuple[str, ...], fmt: str, quiet: bool, threshold: float, min_words: int, workers: int, max_file_mb: int) -> None:
    """Find every passage of the documents under PATHS that another one reprints or reuses.

    Reads .txt, .md, .html, .htm and .jsonl files (also gzip-compressed),
    recursively. Exit status 0 after a scan, whatever it found; 2 for usage
    errors.

    \b
        provenance scan samples/
        provenance scan articles/ --format json > report.json
    """
    try:
        config = Config(threshold=threshold, min_tokens=min_words, workers=workers, max_file_bytes=max_file_mb * 1024 * 1024)
    except ConfigError as e:
        raise click.UsageError(str(e)) from e
    err = Console(stderr=True)
    with _progress(err) as progress:
        try:
            result = scan_paths(paths, config, progress=progress)
        except InputError as e:
            raise click.UsageError(str(e)) from e
    _warn(result, err)
    if fmt == "json":
        render_report.to_json(result, sys.stdout)
    else:
        render_report.render(result, Console(), quiet=quiet)


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--in", "corpus", type=click.Path(exists=True, file_okay=False), help="Folder to compare FILE with (default: FILE's folder).")
@click.option("--record", help="For a JSON lines file: the record's id (or line number).")
def explain(file: str, corpus: str | None, record: str | None) -> None:
    """Trace one document, passage by passage: where each came from, and why.

    \b
        provenance explain samples/003_9ba1684f5d8b9a0c.txt
        provenance explain essay.txt --in sources/
    """
    err = Console(stderr=True)
    with _progress(err) as progress:
        try:
            result = explain_document(file, corpus, record=record, progress=progress)
        except InputError as e:
            raise click.UsageError(str(e)) from e
    _warn(result.report, err)
    render_report.render_explanation(result.report, result.document, Console())


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--record", help="For a JSON lines file: the record's id (or line number) to print.")
def extract(file: str, record: str | None) -> None:
    """Print FILE's extracted text exactly as report offsets count it."""
    docs, skipped, _ = read_path(file)
    if skipped and not docs:
        raise click.ClickException(f"{skipped[0].path}: {skipped[0].reason}")
    if record is not None:
        docs = [d for d in docs if d.id.rsplit("#", 1)[-1] == record]
        if not docs:
            raise click.UsageError(f"{file} has no record {record!r}")
    if len(docs) > 1:
        ids = ", ".join(d.id.rsplit("#", 1)[-1] for d in docs[:5])
        raise click.UsageError(f"{file} holds {len(docs)} records; choose one with --record (e.g. {ids})")
    click.echo(docs[0].text, nl=False)


def _warn(result: Report, err: Console) -> None:
    for s in result.skipped:
        err.print(f"skipped: {s.path}: {s.reason}", markup=False, highlight=False, soft_wrap=True)
    for w in result.warnings:
        err.print(f"warning: {w.path}: {w.reason}", markup=False, highlight=False, soft_wrap=True)


class _progress:
    """A progress bar on stderr, shown only on a terminal and only once a scan
    has run for a few seconds."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.started = time.monotonic()
        self.bar: Progress | None = None
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> _progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.console.is_terminal or time.monotonic() - self.started < PROGRESS_AFTER_SECONDS:
            return
        if self.bar is None:
            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(), console=self.console, transient=True)
            self.bar.start()
        if stage not in self.tasks:
            self.tasks[stage] = self.bar.add_task(stage, total=total)
        self.bar.update(self.tasks[stage], completed=done, total=total)
