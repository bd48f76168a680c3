"""The Spark engine: the scan of ``provenance.scan`` run on Apache Spark.

``pyspark`` is imported in this module only (the ``[spark]`` extra). The
stages are the library's own functions, run where Spark puts them, so a
Spark scan reports the same passages and origins as a local one:

1. **Read + fingerprint.** The driver lists the files (``read.find_sources``:
   the same ids, manifests and skipped entries) and assigns batches of them
   to partitions; the executors read them (``read.read_source``) and
   fingerprint a batch at a time (``compare.fingerprint_documents``). The
   records stay on their partition, persisted: documents never move to meet
   their pairs. Parquet inputs (a ``text`` column and optional ``id``,
   ``url``, ``date``, ``title``, ``site``) are read by Spark itself; each row
   becomes a document as a JSON lines record does, sent to partition
   ``number % partitions``.
2. **Candidates.** Two shuffles of numpy arrays, one record per pair of
   partitions (never one per window): every window's LSH band keys
   (``lsh.band_key``) go to the partition of their (band, bucket), where
   ``lsh.band_pairs`` pairs each band's windows exactly as a local scan does
   (oversized buckets capped alike); the distinct window pairs go on to the
   partition of their first document. In a big scan, the stock shingles
   that ``lsh.with_evidence`` discounts are counted where the documents
   are, in two light jobs (``_stock``: the values frequent in some
   partition, then their counts in all).
3. **Align.** On the first document's partition, the pairs pick up their
   first windows' signature rows and, once per other partition they go to,
   the first documents (text and word hashes); on the second document's
   partition, ``lsh.witnessed`` and ``lsh.with_evidence`` filter them (as
   ``lsh.candidate_pairs`` does) and ``compare.align_documents`` aligns
   each document pair. Both steps merge the pairs with the
   partition's own persisted records (a union under one partitioner, no
   shuffle of the documents).
4. **Passages and origins.** The aligned halves, and the documents, come
   back to the driver in document-pair order, where
   ``compare.attributed_passages`` groups the witnesses and decides the
   origins.

Windows are numbered as a local scan numbers them (files in id order,
documents in file order, windows in text order), packed into one 64-bit
number: the document number in the high bits, the window in the low ones.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from provenance.align import seed_regions_many
from provenance.compare import Progress, align_documents, attributed_passages, fingerprint_documents
from provenance.config import Config, make_config
from provenance.errors import ConfigError, InputError
from provenance.fingerprint import unpermute
from provenance.lsh import (
    band_key,
    band_pairs,
    bucket_bits,
    counts_stock,
    lsh_params,
    one_shingle,
    with_evidence,
    witnessed,
)
from provenance.models import Document, Report, Skipped
from provenance.passages import Half
from provenance.read import Piped, Source, find_sources, prefetch, read_source, record_document
from provenance.scan import _BATCH_BYTES, _MIN_BATCH_BYTES, _batches

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

PARQUET_SUFFIX = ".parquet"
_DOC, _SKIP, _WARN = 0, 1, 2


def is_table(path: str | os.PathLike[str]) -> bool:
    """Whether Spark reads this input itself: a Parquet file or folder, or a
    URL of a Spark filesystem (``hdfs://``, ``s3a://``, ``file://``).

    >>> is_table("crawl/part.parquet"), is_table("hdfs://nn/crawl"), is_table("docs/")
    (True, True, False)
    """
    name = os.fspath(path)
    return name.rstrip("/").lower().endswith(PARQUET_SUFFIX) or "://" in name


def session(master: str | None = None, *, workers: int = 0) -> SparkSession:
    """A Spark session for scans: ``master`` (``spark://host:7077``, ``yarn``,
    ``local[4]``...), or local mode with one executor thread per worker.

    On a cluster the ``provenance`` package is shipped to the executors with
    the job; its dependencies must be installed there (the
    ``text-provenance[spark]`` distribution on every node).
    """
    from pyspark.sql import SparkSession

    # Executors run the interpreter that runs this, so they import the same packages.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    threads = workers or os.cpu_count() or 1
    builder = SparkSession.builder.appName("provenance").config("spark.ui.showConsoleProgress", "false")
    # Under spark-submit the JVM is already running with the master and
    # options given there; only a session started here is configured here.
    submitted = master is None and "PYSPARK_GATEWAY_PORT" in os.environ
    if not submitted:
        target = master or f"local[{threads}]"
        if target.startswith("local"):
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # one machine: no network interface to guess
            builder = builder.config("spark.sql.shuffle.partitions", str(max(4, 4 * threads)))
        log_config = Path(__file__).resolve().parent / "spark-log4j2.properties"
        builder = (
            builder.master(target)
            .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={log_config.as_uri()}")
            .config("spark.ui.enabled", "false")
        )
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    if not spark.sparkContext.master.startswith("local"):
        spark.sparkContext.addPyFile(_package_zip())
    return spark


def _package_zip() -> str:
    """This package as a zip file, for executors that do not have it installed."""
    root = Path(__file__).resolve().parent
    out = Path(tempfile.mkdtemp(prefix="provenance-spark-")) / "provenance.zip"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for file in sorted(root.rglob("*.py")) + [root / "py.typed", root / "spark-log4j2.properties"]:
            zf.write(file, Path("provenance") / file.relative_to(root))
    return str(out)


def scan(
    paths: Iterable[str | os.PathLike[str] | Piped],
    config: Config | None = None,
    *,
    master: str | None = None,
    spark: SparkSession | None = None,
    progress: Progress | None = None,
    parquet: str | None = None,
    **overrides: Any,
) -> Report:
    """``provenance.scan`` on Spark: the same report, computed by executors.

    Args:
        paths: files, folders and piped content as for ``provenance.scan``, plus Parquet
            files or folders (any Spark URL) with a ``text`` column.
        config: settings; keyword ``overrides`` change single ones.
        master: the Spark master URL; local mode without one.
        spark: a running session to use (then ``master`` is ignored and the
            session is left running).
        progress: optional callback ``(stage, done, total)``.
        parquet: a folder (any Spark URL) to write the report into as
            Parquet tables as well (``write_parquet``).

    Raises:
        InputError: a path does not exist, or a table has no ``text`` column.
        ConfigError: a setting is invalid, or ``sensitivity`` is not ``"normal"``.
    """
    config = make_config(config, **overrides).dated()  # one day for the whole scan, on every executor
    if config.sensitivity != "normal":
        # It would align only the exact channel's pairs: fewer passages than a local scan, silently.
        raise ConfigError(f"sensitivity {config.sensitivity!r} needs the local engine: the Spark engine has no coarse channel for rewritten reuse yet")
    names = [p if isinstance(p, Piped) else os.fspath(p) for p in paths]
    if not names:
        raise InputError("no path given: name a folder or file to scan")
    from pyspark.sql import SparkSession

    # A session this call starts is stopped at the end; a running one (the
    # caller's, or one getOrCreate finds) is left running.
    own = spark is None and SparkSession.getActiveSession() is None
    active = spark if spark is not None else session(master, workers=config.workers)
    try:
        report = _scan(active, names, config, progress)
        if parquet is not None:
            write_parquet(active, report, parquet)
        return report
    finally:
        if own:
            active.stop()


def _scan(spark: SparkSession, names: list[str | Piped], config: Config, progress: Progress | None) -> Report:
    from pyspark import StorageLevel

    sc = spark.sparkContext
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    files = [n for n in names if isinstance(n, Piped) or not is_table(n)]
    tables = [n for n in names if not isinstance(n, Piped) and is_table(n)]
    sources, skipped = find_sources(files, follow_links=config.follow_links) if files else ([], [])

    # Each batch of files is read on the partition its documents then stay
    # on (``Layout.part_of``): documents never move to meet their pairs.
    total_bytes = sum(s.size for s in sources)
    n_parts = max(2 * sc.defaultParallelism, -(-total_bytes // _PART_BYTES))
    batches = _batches(sources, min(_BATCH_BYTES, max(_MIN_BATCH_BYTES, total_bytes // (4 * n_parts))))
    numbered, first, part_sources = [], 0, [len(sources)] * (n_parts + 1)
    for k, batch in enumerate(batches):
        part = k * n_parts // len(batches)  # contiguous batches of about equal size
        part_sources[part] = min(part_sources[part], first)
        numbered.append((part, (first, batch)))
        first += len(batch)
    for part in range(n_parts - 1, -1, -1):
        part_sources[part] = min(part_sources[part], part_sources[part + 1])  # the first source of each partition
    cwd = os.getcwd()
    in_files = sc.parallelize(numbered, n_parts).partitionBy(n_parts, _by_number)
    raw_files = in_files.mapPartitions(lambda it: _read_files(it, config, cwd), preservesPartitioning=True).persist(StorageLevel.MEMORY_AND_DISK)
    table_parts = [_read_table(spark, table, number, config) for number, table in enumerate(tables, start=len(sources))]
    raw_tables = (sc.union(table_parts) if len(table_parts) > 1 else table_parts[0]).persist(StorageLevel.MEMORY_AND_DISK) if table_parts else None

    # Document numbers in the order a local scan gives them: sources in
    # order, then documents in file order (Parquet rows: in id order, with
    # gaps where a row is no document). Only each source's last position,
    # longest document and windows come to the driver, with the problems.
    per_source: dict[int, tuple[int, int, int]] = {}
    problems = []
    summaries = raw_files.values().mapPartitions(_summary)
    if raw_tables is not None:
        summaries = summaries.union(raw_tables.mapPartitions(_summary))
    for kind, value in summaries.collect():
        if kind != _DOC:
            problems.append((kind, value))
            continue
        src, *counts = value
        old = per_source.get(src, (0, 0, 0))
        per_source[src] = (max(old[0], counts[0]), max(old[1], counts[1]), old[2] + counts[2])
    skipped = skipped + [s for kind, s in problems if kind == _SKIP]
    warnings = [s for kind, s in problems if kind == _WARN]
    starts = [0]  # the number of each source's first document
    for src in range(len(sources) + len(tables)):
        starts.append(starts[-1] + per_source.get(src, (0, 0, 0))[0])
    total = starts[-1]
    max_windows = max((w for _, w, _ in per_source.values()), default=0)
    n_windows = sum(n for _, _, n in per_source.values())
    wbits = max(1, int(max_windows).bit_length())
    if max(1, total).bit_length() + wbits > 62:
        raise ConfigError(f"{total} documents with up to {max_windows} windows each do not fit the Spark engine's 62-bit window numbers")
    layout = _Layout(wbits, bucket_bits(n_windows), n_parts, tuple(starts[p] for p in part_sources), starts[len(sources)])
    known = sc.broadcast(np.array(starts, dtype=np.int64))
    # The read records on their partitions: a file's documents where they
    # were read, a table's sent to partition ``number % parts``. Documents
    # are numbered where they are used (``_documents``), so that the
    # persisted records are read as they were written.
    docs = raw_files
    if raw_tables is not None:
        tabled = raw_tables.filter(lambda r: r[0] == _DOC).map(lambda r: (int(known.value[r[1][0]] + r[1][1]) % n_parts, r))
        docs = docs.union(tabled.partitionBy(n_parts, _by_number))
    timings["read+fingerprint"] = time.perf_counter() - t0
    if progress:
        progress("read", 1, 1)

    t1 = time.perf_counter()
    grouped = None
    if n_windows > 1:
        grouped = _candidates(docs, known, config, layout, n_windows).persist(StorageLevel.MEMORY_AND_DISK)
        grouped.count()
        stock = sc.broadcast(_stock(docs, known, config) if counts_stock(n_windows, config) else None)
    timings["candidates"] = time.perf_counter() - t1

    t2 = time.perf_counter()
    found: list[tuple[tuple[int, int], int, list[Half]]] = []
    if grouped is not None:
        found = _aligned(grouped, docs, known, config, layout, stock).collect()
        grouped.unpersist()
    # In document-pair order, as a local scan aligns them.
    found.sort(key=lambda f: f[0])
    halves = [h for _, _, hs in found for h in hs]
    timings["align"] = time.perf_counter() - t2
    if progress:
        progress("align", 1, 1)

    t3 = time.perf_counter()
    # A partition at a time: few, large partitions make large task results.
    numbered = docs.mapPartitions(lambda it: ((n, d[0]) for n, d in _documents(it, known.value)))
    ordered_docs = [d for _, d in sorted(numbered.toLocalIterator(), key=lambda r: r[0])]
    raw_files.unpersist()
    if raw_tables is not None:
        raw_tables.unpersist()
    by_id = {d.id: d for d in ordered_docs}
    passages = attributed_passages(halves, by_id, config)
    timings["passages"] = time.perf_counter() - t3

    stats = {
        "timings": timings,
        "bytes": sum(d.size for d in ordered_docs),
        "windows": n_windows,
        "candidate_window_pairs": sum(n for _, n, _ in found),
        "engine": "spark",
        "spark_master": sc.master,
    }
    return Report(
        tuple(sorted(ordered_docs, key=lambda d: d.id)),
        tuple(passages),
        tuple(sorted(skipped, key=lambda s: (s.path, s.reason))),
        tuple(sorted(warnings, key=lambda s: (s.path, s.reason))),
        stats,
    )


PARQUET_TABLES = {"documents": "documents.parquet", "passages": "passages.parquet", "skipped": "skipped.parquet", "warnings": "warnings.parquet"}
"""The tables ``write_parquet`` writes, by list of the JSON report."""


def write_parquet(spark: SparkSession, report: Report, folder: str) -> None:
    """Write the JSON report's four lists as Parquet tables into ``folder``,
    for the next Spark job: one row per object, nested fields as structs and
    arrays (the schema Spark infers from the objects). An empty list writes
    no table."""
    data = report.to_dict()
    sc = spark.sparkContext
    for key, name in PARQUET_TABLES.items():
        rows = [json.dumps(entry, ensure_ascii=False) for entry in data[key]]
        if rows:
            spark.read.json(sc.parallelize(rows, max(1, len(rows) // 50_000))).write.mode("overwrite").parquet(f"{folder.rstrip('/')}/{name}")


def _read_files(batches_in: Iterator[tuple[int, tuple[int, list[Source]]]], config: Config, cwd: str) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """Executor side: read and fingerprint batches of files, ``(partition,
    (first, batch))`` with ``first`` the number of a batch's first source;
    the records keep the batch's partition."""
    if os.path.isdir(cwd):
        os.chdir(cwd)  # relative paths as the driver named them (a shared filesystem on a cluster)
    for part, (first, batch) in batches_in:
        yield from ((part, r) for r in _read_batch(first, batch, config))


def _read_batch(first: int, batch: list[Source], config: Config) -> Iterator[tuple[Any, ...]]:
    prefetch(batch)  # the batch's files are asked for at once, as a local scan's
    docs: list[Document] = []
    keys: list[tuple[int, int]] = []
    for number, source in enumerate(batch, start=first):
        found, skipped, warnings = read_source(source, max_bytes=config.max_file_bytes, today=config.today)
        docs.extend(found)
        keys.extend((number, position) for position in range(len(found)))
        yield from ((_SKIP, s) for s in skipped)
        yield from ((_WARN, w) for w in warnings)
    yield from _fingerprinted(keys, docs, config)  # a batch at a time, as a local scan


def _documents(rows: Iterator[tuple[int, tuple[Any, ...]]], starts: np.ndarray) -> Iterator[tuple[int, Any]]:
    """Executor side: ``(document number, (document, words, signatures))`` of
    the documents among ``(partition, read record)`` rows, ``starts`` giving
    each source's first number."""
    for _, row in rows:
        if row[0] == _DOC:
            (src, position), data = row[1], row[2]
            yield int(starts[src]) + position, data


def _fingerprinted(keys: list[tuple[int, int]], docs: list[Document], config: Config) -> Iterator[tuple[Any, ...]]:
    """``(_DOC, (source, position), (document, word hashes, signatures))`` per
    document, ``keys`` giving each one's (source, position)."""
    found = fingerprint_documents(docs, config)
    first = found.first_window()
    sigs = found.signatures()
    for k, (key, doc) in enumerate(zip(keys, found.docs, strict=True)):
        yield _DOC, key, (doc, found.words[k], sigs[first[k] : first[k + 1]])


_TABLE_FIELDS = ("id", "url", "date", "title", "site")


def _read_table(spark: SparkSession, table: str, number: int, config: Config) -> Any:
    """A Parquet table's rows as documents, read by Spark (any filesystem it knows).

    Ids are ``NAME#id`` (``NAME#row`` without an id) with NAME the table's
    last path part. Rows are numbered in the order of their id, then their
    fields, so the numbering does not depend on how the table was written;
    of rows repeating an id, the first in that order is kept.
    """
    from pyspark.sql import functions as F  # noqa: N812 - Spark's own convention

    try:
        frame = spark.read.parquet(table)
    except Exception as e:  # noqa: BLE001 - Spark raises its own analysis errors
        raise InputError(f"{table}: cannot be read as Parquet: {str(e).strip().splitlines()[0]}") from e
    if "text" not in frame.columns:
        raise InputError(f"{table}: a Parquet table needs a 'text' column (found: {', '.join(frame.columns) or 'none'})")
    columns = [F.col(c).cast("string").alias(c) for c in _TABLE_FIELDS if c in frame.columns]
    rows = frame.select(*columns, F.col("text").cast("string").alias("text")).rdd.map(lambda r: r.asDict())
    indexed = rows.map(lambda r: (_row_key(r), r)).sortByKey().values().zipWithIndex()
    firsts = (
        indexed.filter(lambda x: x[0].get("id") is not None)
        .map(lambda x: (x[0]["id"], (x[1], 1)))
        .reduceByKey(lambda a, b: (min(a[0], b[0]), a[1] + b[1]))
        .filter(lambda kv: kv[1][1] > 1)
        .map(lambda kv: (kv[0], kv[1][0]))
        .collectAsMap()
    )
    repeated = spark.sparkContext.broadcast(firsts)
    source = Source(table, table.rstrip("/").rsplit("/", 1)[-1])
    return indexed.mapPartitions(lambda it: _table_documents(it, source, number, repeated.value, config))


def _row_key(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row.get("id") is None, row.get("id") or "", row.get("text") or "") + tuple(row.get(f) or "" for f in _TABLE_FIELDS[1:])


def _table_documents(rows: Iterator[tuple[dict[str, Any], int]], source: Source, number: int, firsts: dict[str, int], config: Config) -> Iterator[tuple[Any, ...]]:
    """Executor side: rows (with their number in table order) as fingerprinted documents."""
    docs: list[Document] = []
    positions: list[int] = []
    for record, index in rows:
        rid = record.get("id")
        if rid is not None and firsts.get(rid, index) != index:
            yield _SKIP, Skipped(f"{source.path}:{index + 1}", f"row {index + 1} repeats id {rid!r}")
            continue
        doc, problem, warning = record_document(source, record, index + 1)
        if warning:
            yield _WARN, warning
        if doc is None:
            yield _SKIP, problem
            continue
        docs.append(doc)
        positions.append(index)
    # Positions are row numbers: skipped rows leave gaps, which keep the order.
    yield from _fingerprinted([(number, p) for p in positions], docs, config)




def _by_number(key: int) -> int:
    """The partition function of every keyed shuffle here: documents by
    number, and records already keyed by their partition."""
    return key


def _summary(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """Executor side: the problems of a partition of read records, and for each
    source ``(source, documents, most windows, windows)``."""
    per: dict[int, list[int]] = {}
    for row in rows:
        if row[0] != _DOC:
            yield row
            continue
        (src, position), windows = row[1], len(row[2][2])
        entry = per.setdefault(src, [0, 0, 0])
        entry[0] = max(entry[0], position + 1)
        entry[1] = max(entry[1], windows)
        entry[2] += windows
    for src, (count, most, windows) in per.items():
        yield _DOC, (src, count, most, windows)


@dataclass(frozen=True)
class _Layout:
    """How the candidate stage numbers and spreads its data: window numbers
    are ``document << wbits | window``; band keys drop ``index_bits`` low
    bits (``lsh.bucket_bits`` of the scan's windows, as a local scan);
    documents live in ``parts`` partitions: the files' documents in ranges
    (partition p from number ``firsts[p]``), the ones after ``files_end``
    (tables') in partition ``number % parts``."""

    wbits: int
    index_bits: int
    parts: int
    firsts: tuple[int, ...]
    files_end: int

    def part_of(self, numbers: np.ndarray) -> np.ndarray:
        """The partition of each document number.

        >>> _Layout(8, 8, 3, (0, 0, 5), 9).part_of(np.array([0, 4, 5, 8, 9, 10]))
        array([1, 1, 2, 2, 0, 1])
        """
        ranged = np.searchsorted(np.array(self.firsts, dtype=np.int64), numbers, side="right") - 1
        return np.where(numbers < self.files_end, ranged, numbers % self.parts)


_PART_BYTES = 96 * 1024 * 1024  # input of a document partition, about
_MIX = np.uint64(0x9E3779B97F4A7C15)  # spreads (band, bucket) over the shuffle's partitions
_BAND_SHUFFLE_BYTES = 64 * 1024 * 1024  # band records per shuffle partition, about


def _candidates(docs: Any, starts: Any, config: Config, layout: _Layout, n_windows: int) -> Any:
    """Candidate window pairs on the partition of their first document:
    ``(partition, (k, 2) window numbers)`` records, distinct within each.

    Two shuffles, each moving numpy arrays in one record per pair of
    partitions: every window's band keys go to the partition of their
    (band, bucket), where ``lsh.band_pairs`` pairs each band's windows as a
    local scan does; the pairs go on to the partition of their first document.
    """
    bands, _ = lsh_params(config.threshold, config.num_perm)
    big = counts_stock(n_windows, config)
    band_parts = max(2 * docs.context.defaultParallelism, -(-n_windows * bands * 17 // _BAND_SHUFFLE_BYTES))
    return (
        docs.mapPartitions(lambda it: _band_chunks(_documents(it, starts.value), config, bands, layout, band_parts, big))
        .partitionBy(band_parts, _by_number)
        .mapPartitions(lambda it: _band_pairs(it, layout, config.max_bucket_docs))
        .partitionBy(layout.parts, _by_number)
    )


def _band_chunks(docs: Iterator[tuple[int, tuple[Document, np.ndarray, np.ndarray]]], config: Config, bands: int, layout: _Layout, parts: int, big: bool) -> Iterator[tuple[int, list[tuple[np.ndarray, np.ndarray]]]]:
    """Executor side: ``(partition, [(band keys, window numbers) of each band])``,
    one record per partition of (band, bucket), for a partition of documents
    (in a big scan, ``lsh.counts_stock``, without the windows whose band
    ``lsh.one_shingle`` leaves out, as a local scan)."""
    numbers, sigs = [], []
    for number, (_, _, doc_sigs) in docs:
        if len(doc_sigs):
            numbers.append((number << layout.wbits) + np.arange(len(doc_sigs), dtype=np.int64))
            sigs.append(doc_sigs)
    if not sigs:
        return
    windows = np.concatenate(numbers)
    all_sigs = np.concatenate(sigs)
    del numbers, sigs
    n = len(windows)
    keys = np.empty(n * bands, dtype=np.uint64)
    spread = np.empty(n * bands, dtype=np.uint64)
    left_out = np.zeros(n * bands, dtype=bool)
    _, rows = lsh_params(config.threshold, config.num_perm)
    with np.errstate(over="ignore"):
        for band in range(bands):
            if big:
                one_shingle([all_sigs[:, j] for j in range(band * rows, (band + 1) * rows)], band * rows, config, left_out[band * n : (band + 1) * n])
            keys[band * n : (band + 1) * n] = band_key(all_sigs, band, config)
            np.right_shift(keys[band * n : (band + 1) * n], np.uint64(layout.index_bits), out=spread[band * n : (band + 1) * n])
            spread[band * n : (band + 1) * n] += np.uint64(band)
        spread *= _MIX
    target = ((spread >> np.uint64(33)) % np.uint64(parts)).astype(np.min_scalar_type(parts))
    target[left_out] = parts  # past the last partition: sent nowhere
    del spread, left_out
    # Stable: each band's windows stay in window order within a record.
    order = np.argsort(target, kind="stable")  # a radix sort on small numbers
    bounds = np.searchsorted(target[order], np.arange(parts + 1))
    for part in range(parts):
        take = order[bounds[part] : bounds[part + 1]]
        if not len(take):
            continue
        band_bounds = np.searchsorted(take, np.arange(bands + 1) * n)  # take is ascending: band by band
        yield part, [(keys[take[lo:hi]], windows[take[lo:hi] - band * n]) for band, (lo, hi) in enumerate(zip(band_bounds[:-1], band_bounds[1:], strict=True))]


def _band_pairs(chunks: Iterator[tuple[int, list[tuple[np.ndarray, np.ndarray]]]], layout: _Layout, max_docs: int) -> Iterator[tuple[int, np.ndarray]]:
    """Executor side: the distinct candidate window pairs of a partition of
    (band, bucket)s, as ``(document partition, (k, 2) window numbers)``
    records keyed by the partition of each pair's first document."""
    got = [c for _, c in chunks]
    if not got:
        return
    found = []
    for band in range(len(got[0])):
        keys = np.concatenate([c[band][0] for c in got])
        windows = np.concatenate([c[band][1] for c in got])
        # In window order, as band_pairs wants them: sorted runs, one per record.
        order = np.argsort(windows, kind="stable")
        members = windows[order]
        positions = band_pairs(keys[order], members >> layout.wbits, layout.index_bits, max_docs)
        found.append(members[positions])
    del got
    yield from _by_partition(_distinct_pairs(np.concatenate(found)), 0, layout)


def _stock(docs: Any, starts: Any, config: Config) -> np.ndarray:
    """The scan's ``lsh.stock_shingles`` (sorted), counted where the documents are.

    A value that more than ``max_bucket_docs`` windows have in a column is
    had by more than ``max_bucket_docs // partitions`` windows of some
    partition (else all of them together have at most ``max_bucket_docs``):
    those values are gathered first, then counted in every partition.
    """
    floor = config.max_bucket_docs // docs.getNumPartitions()
    num_perm = config.num_perm
    bands, rows = lsh_params(config.threshold, num_perm)
    columns = bands * rows  # the columns of the LSH bands, as a local scan counts them
    frequent = docs.mapPartitions(lambda it: [_frequent_values(_documents(it, starts.value), num_perm, columns, floor)]).collect()
    candidates = [np.unique(np.concatenate([f[j] for f in frequent])) for j in range(columns)]
    if not any(len(c) for c in candidates):
        return np.zeros(0, dtype=np.uint32)
    wanted = docs.context.broadcast(candidates)
    counts = docs.mapPartitions(lambda it: [_value_counts(_documents(it, starts.value), wanted.value)]).reduce(lambda x, y: [a + b for a, b in zip(x, y, strict=True)])
    wanted.unpersist()
    stock = [unpermute(c[n > config.max_bucket_docs, None], config, start=j)[:, 0] for j, (c, n) in enumerate(zip(candidates, counts, strict=True))]
    return np.unique(np.concatenate(stock))


def _partition_sigs(docs: Iterator[tuple[int, tuple[Document, np.ndarray, np.ndarray]]], num_perm: int) -> np.ndarray:
    sigs = [doc_sigs for _, (_, _, doc_sigs) in docs if len(doc_sigs)]
    return np.concatenate(sigs) if sigs else np.zeros((0, num_perm), dtype=np.uint32)


def _frequent_values(docs: Iterator[tuple[int, tuple[Document, np.ndarray, np.ndarray]]], num_perm: int, columns: int, floor: int) -> list[np.ndarray]:
    """Executor side: per signature column (the first ``columns``), the values more than ``floor`` windows of this partition have."""
    sigs = _partition_sigs(docs, num_perm)
    out = []
    for j in range(columns):
        values, counts = np.unique(sigs[:, j], return_counts=True)
        out.append(values[counts > floor])
    return out


def _value_counts(docs: Iterator[tuple[int, tuple[Document, np.ndarray, np.ndarray]]], wanted: list[np.ndarray]) -> list[np.ndarray]:
    """Executor side: per signature column, how many windows of this partition have each wanted (sorted) value."""
    sigs = _partition_sigs(docs, len(wanted))  # (0, columns) when empty: only those are read
    out = []
    for j, values in enumerate(wanted):
        at = np.minimum(np.searchsorted(values, sigs[:, j]), max(0, len(values) - 1))
        hit = values[at] == sigs[:, j] if len(values) else np.zeros(len(sigs), dtype=bool)
        out.append(np.bincount(at[hit], minlength=len(values)).astype(np.int64))
    return out


def _breaks(values: np.ndarray) -> np.ndarray:
    """Where runs of equal values start, and the end: ``[0, ..., len]``.

    >>> _breaks(np.array([4, 4, 7, 9, 9])).tolist(), _breaks(np.zeros(0)).tolist()
    ([0, 2, 3, 5], [0])
    """
    if not len(values):
        return np.zeros(1, dtype=np.int64)
    return np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1], [True])))


def _by_partition(pairs: np.ndarray, side: int, layout: _Layout) -> Iterator[tuple[int, np.ndarray]]:
    """``(partition, pairs)`` for the partitions of the pairs' ``side`` (0: first, 1: second) document."""
    target = layout.part_of(pairs[:, side] >> layout.wbits)
    order = np.argsort(target, kind="stable")
    pairs, target = pairs[order], target[order]
    bounds = _breaks(target)
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        yield int(target[lo]), pairs[lo:hi]


def _distinct_pairs(pairs: np.ndarray) -> np.ndarray:
    """Distinct rows of ``(k, 2)`` window numbers, sorted by first then second.

    >>> _distinct_pairs(np.array([[3, 4], [1, 9], [3, 4], [1, 2]])).tolist()
    [[1, 2], [1, 9], [3, 4]]
    """
    pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
    keep = np.concatenate(([True], np.any(pairs[1:] != pairs[:-1], axis=1))) if len(pairs) else np.zeros(0, dtype=bool)
    return pairs[keep]


_PAIRS = 3  # the tag of other records merged with the read ones (_DOC, _SKIP, _WARN)


def _aligned(pairs: Any, docs: Any, starts: Any, config: Config, layout: _Layout, stock: Any) -> Any:
    """``((a, b), agreeing window pairs, halves)`` of every candidate document pair.

    Two merges with the documents where they are (records keyed by their
    partition meet the documents' partitions, with no shuffle of the
    documents): on the first document's partition, the pairs pick up the
    first windows' signature rows and, for each other partition they go to,
    the first documents once (text and words); on the second document's
    partition, ``lsh.witnessed`` and ``lsh.with_evidence`` filter them and
    ``compare.align_documents`` aligns each document pair.
    """

    def meet(records: Any) -> Any:
        # A no-op when the union kept the shared partitioning, else a shuffle to it.
        return docs.union(records.mapValues(lambda v: (_PAIRS, v))).partitionBy(layout.parts, _by_number)

    shipped = meet(pairs).mapPartitionsWithIndex(lambda part, it: _with_first_documents(part, _split(it, starts.value), layout)).partitionBy(layout.parts, _by_number)
    return meet(shipped).mapPartitions(lambda it: _align(_split(it, starts.value), config, layout, stock.value))


def _split(records: Iterator[tuple[int, tuple[Any, ...]]], starts: np.ndarray) -> tuple[dict[int, Any], list[Any]]:
    """A merged partition's documents by number, and its other records."""
    docs: dict[int, Any] = {}
    others = []
    for _, row in records:
        if row[0] == _DOC:
            docs[int(starts[row[1][0]]) + row[1][1]] = row[2]
        elif row[0] == _PAIRS:
            others.append(row[1])
    return docs, others


class _Rows:
    """The signature rows of a partition's documents, by window number."""

    def __init__(self, docs: dict[int, Any], wbits: int) -> None:
        self.numbers = np.array(sorted(docs), dtype=np.int64)
        sigs = [docs[n][2] for n in self.numbers.tolist()]
        self.first = np.concatenate(([0], np.cumsum([len(s) for s in sigs], dtype=np.int64)))
        self.sigs = np.concatenate(sigs) if sigs else np.zeros((0, 0), dtype=np.uint32)
        self.wbits = wbits

    def __call__(self, windows: np.ndarray) -> np.ndarray:
        doc = np.searchsorted(self.numbers, windows >> self.wbits)
        return self.sigs[self.first[doc] + (windows & ((1 << self.wbits) - 1))]


def _with_first_documents(part: int, merged: tuple[dict[int, Any], list[Any]], layout: _Layout) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """Executor side, on a first documents' partition: ``(partition of the
    second documents, (pairs, first windows, their signature rows, {a: (document
    a, its words)}))``; the documents are left out for their own partition."""
    docs, chunks = merged
    if not chunks:
        return
    rows = _Rows(docs, layout.wbits)
    for target, pairs in _by_partition(_distinct_pairs(np.concatenate(chunks)), 1, layout):
        firsts = np.unique(pairs[:, 0])
        shipped = {} if target == part else {a: docs[a][:2] for a in np.unique(firsts >> layout.wbits).tolist()}
        yield target, (pairs, firsts, rows(firsts), shipped)


def _align(merged: tuple[dict[int, Any], list[Any]], config: Config, layout: _Layout, stock: np.ndarray | None) -> Iterator[tuple[tuple[int, int], int, list[Half]]]:
    """Executor side, on a second documents' partition: the halves of each
    candidate document pair, with the number of its window pairs that pass
    the agreement filters (``lsh.witnessed``, ``lsh.with_evidence``, as a
    local scan filters them)."""
    docs, chunks = merged
    if not chunks:
        return
    rows = _Rows(docs, layout.wbits)
    firsts = {n: d[:2] for n, d in docs.items()}
    kept, flags = [], []
    for pairs, windows, sigs, shipped in chunks:
        firsts.update(shipped)
        keep, stock_only = np.zeros(len(pairs), dtype=bool), np.zeros(len(pairs), dtype=bool)
        for lo in range(0, len(pairs), _AGREE_CHUNK):  # chunks bound the gathered rows' memory
            chunk = pairs[lo : lo + _AGREE_CHUNK]
            keep[lo : lo + len(chunk)], stock_only[lo : lo + len(chunk)] = witnessed(sigs[np.searchsorted(windows, chunk[:, 0])], rows(chunk[:, 1]), config, stock)
        kept.append(pairs[keep])
        flags.append(stock_only[keep])
    pairs = np.concatenate(kept)
    pairs = pairs[with_evidence(pairs >> layout.wbits, np.concatenate(flags))]  # a document pair's rows are all on this partition
    doc_a, doc_b = pairs[:, 0] >> layout.wbits, pairs[:, 1] >> layout.wbits
    order = np.lexsort((pairs[:, 1], pairs[:, 0], doc_b, doc_a))  # by document pair, then window pair
    pairs, doc_a, doc_b = pairs[order] & ((1 << layout.wbits) - 1), doc_a[order], doc_b[order]
    bounds = np.flatnonzero(np.concatenate(([True], (doc_a[1:] != doc_a[:-1]) | (doc_b[1:] != doc_b[:-1]), [True]))) if len(pairs) else np.zeros(1, dtype=np.int64)
    starts, ends = bounds[:-1], bounds[1:]
    pair_a, pair_b = doc_a[starts].tolist(), doc_b[starts].tolist()
    # The seed regions of all the partition's document pairs in one go, as a local scan's slices.
    lengths_a = np.array([len(firsts[a][1]) for a in pair_a], dtype=np.int64)
    lengths_b = np.array([len(docs[b][1]) for b in pair_b], dtype=np.int64)
    regions = seed_regions_many(pairs, ends - starts, lengths_a, lengths_b, config)
    offsets: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for lo, hi, a, b, pair_regions in zip(starts.tolist(), ends.tolist(), pair_a, pair_b, regions, strict=True):
        (document_a, words_a), (document_b, words_b, _) = firsts[a], docs[b]
        yield (a, b), hi - lo, align_documents(document_a, words_a, document_b, words_b, pairs[lo:hi], config, offsets=offsets, regions=pair_regions)


_AGREE_CHUNK = 1 << 16


__all__ = ["is_table", "scan", "session", "write_parquet"]
