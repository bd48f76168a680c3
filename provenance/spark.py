"""The Spark engine: the scan of ``provenance.scan`` run on Apache Spark.

``pyspark`` is imported in this module only (the ``[spark]`` extra). The
stages are the library's own functions, run where Spark puts them, so a
Spark scan reports the same passages and origins as a local one:

1. **Read + fingerprint.** The driver lists the files (``read.find_sources``:
   the same ids, manifests and skipped entries) and the executors read them
   in batches (``mapPartitions``): ``read.read_source`` and
   ``compare.fingerprint_documents``. Parquet inputs (a ``text`` column and
   optional ``id``, ``url``, ``date``, ``title``, ``site``) are read by Spark
   itself; each row becomes a document as a JSON lines record does.
2. **Candidates.** Every window's LSH band keys (``lsh.band_key``) are
   exploded into rows and grouped by (band, key): a shuffle in the JVM. Each
   bucket's pairs follow ``lsh.bucket_pairs`` (oversized buckets capped as in
   a local scan); distinct window pairs are grouped by document pair.
3. **Align.** Each document pair is joined back to both documents' words and
   signatures, filtered by ``lsh.agree`` and aligned by
   ``compare.align_documents``, in the executors.
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

from provenance.compare import Progress, align_documents, attributed_passages, fingerprint_documents
from provenance.config import Config, make_config
from provenance.errors import ConfigError, InputError
from provenance.lsh import agree, band_key, band_pairs, bucket_bits, lsh_params
from provenance.models import Document, Report, Skipped
from provenance.passages import Half
from provenance.read import Piped, Source, find_sources, read_source, record_document
from provenance.scan import _batches

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
        ConfigError: a setting is invalid.
    """
    config = make_config(config, **overrides).dated()  # one day for the whole scan, on every executor
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

    parts = []
    if sources:
        numbered, first = [], 0
        for batch in _batches(sources):
            numbered.append((first, batch))
            first += len(batch)
        cwd = os.getcwd()
        parts.append(sc.parallelize(numbered, len(numbered)).mapPartitions(lambda it: _read_files(it, config, cwd)))
    for number, table in enumerate(tables, start=len(sources)):
        parts.append(_read_table(spark, table, number, config))
    raw = sc.union(parts) if len(parts) > 1 else (parts[0] if parts else sc.emptyRDD())
    raw = raw.persist(StorageLevel.MEMORY_AND_DISK)

    # Document numbers in the order a local scan gives them: sources in
    # order, then documents in file order (Parquet rows: in id order, with
    # gaps where a row is no document). Only each source's last position,
    # longest document and windows come to the driver, with the problems.
    per_source: dict[int, tuple[int, int, int]] = {}
    problems = []
    for kind, value in raw.mapPartitions(_summary).collect():
        if kind != _DOC:
            problems.append((kind, value))
            continue
        src, *counts = value
        old = per_source.get(src, (0, 0, 0))
        per_source[src] = (max(old[0], counts[0]), max(old[1], counts[1]), old[2] + counts[2])
    skipped = skipped + [s for kind, s in problems if kind == _SKIP]
    warnings = [s for kind, s in problems if kind == _WARN]
    offsets: dict[int, int] = {}
    total = 0
    for src in sorted(per_source):
        offsets[src] = total
        total += per_source[src][0]
    max_windows = max((w for _, w, _ in per_source.values()), default=0)
    n_windows = sum(n for _, _, n in per_source.values())
    wbits = max(1, int(max_windows).bit_length())
    if max(1, total).bit_length() + wbits > 62:
        raise ConfigError(f"{total} documents with up to {max_windows} windows each do not fit the Spark engine's 62-bit window numbers")
    known = sc.broadcast(offsets)
    # Documents go to partition ``number % parts`` (one shuffle), which is
    # where the candidate pairs of each go too: both joins below then read
    # the documents where they are.
    parts_docs = max(2 * sc.defaultParallelism, raw.getNumPartitions())
    docs = (
        raw.filter(lambda r: r[0] == _DOC)
        .map(lambda r: (known.value[r[1][0]] + r[1][1], r[2]))
        .partitionBy(parts_docs, _by_number)
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    timings["read+fingerprint"] = time.perf_counter() - t0
    if progress:
        progress("read", 1, 1)

    t1 = time.perf_counter()
    grouped = None
    if n_windows > 1:
        grouped = _candidates(docs, config, _Layout(wbits, bucket_bits(n_windows), parts_docs), n_windows).persist(StorageLevel.MEMORY_AND_DISK)
        grouped.count()
    raw.unpersist()
    timings["candidates"] = time.perf_counter() - t1

    t2 = time.perf_counter()
    found: list[tuple[tuple[int, int], int, list[Half]]] = []
    if grouped is not None:
        found = _aligned(grouped, docs, config).collect()
        grouped.unpersist()
    # In document-pair order, as a local scan aligns them.
    found.sort(key=lambda f: f[0])
    halves = [h for _, _, hs in found for h in hs]
    timings["align"] = time.perf_counter() - t2
    if progress:
        progress("align", 1, 1)

    t3 = time.perf_counter()
    ordered_docs = [d for _, d in sorted(docs.map(lambda r: (r[0], r[1][0])).collect(), key=lambda r: r[0])]
    docs.unpersist()
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


def _read_files(batches_in: Iterator[tuple[int, list[Source]]], config: Config, cwd: str) -> Iterator[tuple[Any, ...]]:
    """Executor side: read and fingerprint batches of files; ``first`` is
    the number of a batch's first source."""
    if os.path.isdir(cwd):
        os.chdir(cwd)  # relative paths as the driver named them (a shared filesystem on a cluster)
    for first, batch in batches_in:
        for number, source in enumerate(batch, start=first):
            docs, skipped, warnings = read_source(source, max_bytes=config.max_file_bytes, today=config.today)
            yield from _fingerprinted(number, docs, config)
            yield from ((_SKIP, s) for s in skipped)
            yield from ((_WARN, w) for w in warnings)


def _fingerprinted(source: int, docs: list[Document], config: Config) -> Iterator[tuple[Any, ...]]:
    """``(_DOC, (source, position), (document, word hashes, signatures))`` per document."""
    found = fingerprint_documents(docs, config)
    first = found.first_window()
    sigs = found.signatures()
    for position, doc in enumerate(found.docs):
        yield _DOC, (source, position), (doc, found.words[position], sigs[first[position] : first[position + 1]])


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
    for (_, (_, k), data) in _fingerprinted(number, docs, config):
        yield _DOC, (number, positions[k]), data




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
    documents live in partition ``number % doc_parts``."""

    wbits: int
    index_bits: int
    doc_parts: int


_MIX = np.uint64(0x9E3779B97F4A7C15)  # spreads (band, bucket) over the shuffle's partitions
_BAND_SHUFFLE_BYTES = 64 * 1024 * 1024  # band records per shuffle partition, about


def _candidates(docs: Any, config: Config, layout: _Layout, n_windows: int) -> Any:
    """Window pairs grouped by document pair, on the second document's
    partition: ``(b, (a, (k, 2) window pairs within a and b))``.

    Two shuffles, each moving numpy arrays: every window's band keys, in one
    record per input partition and bucket partition, to the partition of
    their (band, bucket), where ``lsh.band_pairs`` pairs each band's windows
    as a local scan does; then those pairs to the partition of their second
    document, where they are made distinct and grouped.
    """
    bands, _ = lsh_params(config.threshold, config.num_perm)
    sc = docs.context
    band_parts = max(2 * sc.defaultParallelism, -(-n_windows * bands * 17 // _BAND_SHUFFLE_BYTES))
    return (
        docs.mapPartitions(lambda it: _band_chunks(it, config, bands, layout, band_parts))
        .partitionBy(band_parts, _by_number)
        .mapPartitions(lambda it: _band_pairs(it, layout, config.max_bucket_docs))
        .partitionBy(layout.doc_parts, _by_number)
        .mapPartitions(lambda it: _document_pairs(it, layout), preservesPartitioning=True)
    )


def _band_chunks(docs: Iterator[tuple[int, tuple[Document, np.ndarray, np.ndarray]]], config: Config, bands: int, layout: _Layout, parts: int) -> Iterator[tuple[int, tuple[np.ndarray, np.ndarray, np.ndarray]]]:
    """Executor side: ``(partition, (bands, band keys, window numbers))``, one
    record per partition of (band, bucket), for a partition of documents."""
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
    band_of = np.repeat(np.arange(bands, dtype=np.min_scalar_type(bands)), len(windows))
    keys = np.concatenate([band_key(all_sigs, band, config) for band in range(bands)])
    with np.errstate(over="ignore"):
        spread = ((keys >> np.uint64(layout.index_bits)) + band_of.astype(np.uint64)) * _MIX
    target = ((spread >> np.uint64(33)) % np.uint64(parts)).astype(np.int64)
    order = np.argsort(target, kind="stable")
    bounds = np.searchsorted(target[order], np.arange(parts + 1))
    windows = np.tile(windows, bands)
    for part in range(parts):
        take = order[bounds[part] : bounds[part + 1]]
        if len(take):
            yield part, (band_of[take], keys[take], windows[take])


def _band_pairs(chunks: Iterator[tuple[int, tuple[np.ndarray, np.ndarray, np.ndarray]]], layout: _Layout, max_docs: int) -> Iterator[tuple[int, np.ndarray]]:
    """Executor side: the distinct candidate window pairs of a partition of
    (band, bucket)s, as ``(document partition, (k, 2) window numbers)``
    records keyed by the partition of each pair's second document."""
    got = [c for _, c in chunks]
    if not got:
        return
    band_of = np.concatenate([c[0] for c in got])
    keys = np.concatenate([c[1] for c in got])
    windows = np.concatenate([c[2] for c in got])
    del got
    # Each band's windows in window order, as band_pairs wants them.
    order = np.lexsort((windows, band_of))
    band_of, keys, windows = band_of[order], keys[order], windows[order]
    del order
    starts = np.flatnonzero(np.concatenate(([True], band_of[1:] != band_of[:-1], [True])))
    found = []
    for lo, hi in zip(starts[:-1].tolist(), starts[1:].tolist(), strict=True):
        members = windows[lo:hi]
        positions = band_pairs(keys[lo:hi].copy(), members >> layout.wbits, layout.index_bits, max_docs)
        found.append(members[positions])
    pairs = _distinct_pairs(np.concatenate(found))
    target = (pairs[:, 1] >> layout.wbits) % layout.doc_parts
    order = np.argsort(target, kind="stable")
    pairs, target = pairs[order], target[order]
    bounds = np.flatnonzero(np.concatenate(([True], target[1:] != target[:-1], [True])))
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


def _document_pairs(chunks: Iterator[tuple[int, np.ndarray]], layout: _Layout) -> Iterator[tuple[int, tuple[int, np.ndarray]]]:
    """Executor side: window pairs → ``(b, (a, (k, 2) windows within a and b))``,
    distinct and in window order, per document pair."""
    got = [c for _, c in chunks]
    if not got:
        return
    pairs = _distinct_pairs(np.concatenate(got))
    del got
    doc_a, doc_b = pairs[:, 0] >> layout.wbits, pairs[:, 1] >> layout.wbits
    order = np.lexsort((doc_a, doc_b))  # stable: window order within each document pair
    pairs, doc_a, doc_b = pairs[order], doc_a[order], doc_b[order]
    local = pairs & ((1 << layout.wbits) - 1)
    bounds = np.flatnonzero(np.concatenate(([True], (doc_a[1:] != doc_a[:-1]) | (doc_b[1:] != doc_b[:-1]), [True])))
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        yield int(doc_b[lo]), (int(doc_a[lo]), local[lo:hi])


_DOC_TAG, _PAIRS_TAG = 0, 1


def _aligned(grouped: Any, docs: Any, config: Config) -> Any:
    """``((a, b), agreeing window pairs, halves)`` of every candidate document pair.

    Two joins with the documents, where they are (both sides share the
    documents' partitioning, so only the pairs move): by the second document,
    which then travels (its text, words and the signature rows the pairs
    use) to the first, where all of its pairs are aligned in turn.
    """
    parts = docs.getNumPartitions()
    tagged = docs.mapValues(lambda d: (_DOC_TAG, d))
    with_b = grouped.mapValues(lambda v: (_PAIRS_TAG, v)).union(tagged).groupByKey(parts, _by_number)
    to_a = with_b.mapPartitions(_second_halves).partitionBy(parts, _by_number)
    with_a = to_a.mapValues(lambda v: (_PAIRS_TAG, v)).union(tagged).groupByKey(parts, _by_number)
    return with_a.mapPartitions(lambda it: _align(it, config))


def _second_halves(groups: Iterator[tuple[int, Iterable[tuple[int, Any]]]]) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """Executor side: for each pair of a document b, ``(a, (b, pairs, b,
    its words, window numbers and signatures of the rows the pairs use))``."""
    for b, values in groups:
        doc = None
        pairs = []
        for tag, value in values:
            if tag == _DOC_TAG:
                doc = value
            else:
                pairs.append(value)
        if doc is None or not pairs:
            continue
        document, words, sigs = doc
        for a, window_pairs in pairs:
            used = np.unique(window_pairs[:, 1])
            yield a, (b, window_pairs, document, words, used, sigs[used])


def _align(groups: Iterator[tuple[int, Iterable[tuple[int, Any]]]], config: Config) -> Iterator[tuple[tuple[int, int], int, list[Half]]]:
    """Executor side: the halves of each candidate document pair of a
    document a, with the number of its window pairs that pass the agreement
    filter (``lsh.agree``, as a local scan filters them)."""
    offsets: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for a, values in groups:
        doc = None
        partners = []
        for tag, value in values:
            if tag == _DOC_TAG:
                doc = value
            else:
                partners.append(value)
        if doc is None or not partners:
            continue
        doc_a, words_a, sigs_a = doc
        partners.sort(key=lambda p: p[0])
        for b, pairs, doc_b, words_b, used, rows_b in partners:
            pairs = pairs[agree(sigs_a[pairs[:, 0]], rows_b[np.searchsorted(used, pairs[:, 1])], config)]
            if not len(pairs):
                continue
            yield (a, b), len(pairs), align_documents(doc_a, words_a, doc_b, words_b, pairs, config, offsets=offsets)
        offsets.clear()  # pairs come grouped by their first document


__all__ = ["is_table", "scan", "session", "write_parquet"]
