"""``python -m bench.warclib``: FastWARC against warcio on a generated archive.

    python -m bench.warclib                 # 100 MB of HTML pages, gzip per record
    python -m bench.warclib --mb 10

Writes ``--out``/crawl-<MB>mb.warc.gz (once; a request and a response record
per page, one gzip member each, as crawlers write them), then reads it with
each library the way ``provenance.warc`` needs: every response record's HTTP
payload, decoded. Each library runs in a fresh process, best of ``--repeat``;
the figures go to ``bench/results-warclib.json``. warcio is not a dependency:
``pip install warcio`` to measure it (it is skipped, and says so, otherwise).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

_SYLLABLES = ["ka", "lo", "mi", "ren", "tas", "vo", "du", "pe", "shi", "gan", "ber", "ol", "ix", "tor", "ne", "ma"]


def generate(path: Path, megabytes: int, seed: int = 1) -> int:
    """Write an archive of about ``megabytes`` MB of HTML; return the page count."""
    rng = random.Random(seed)
    words = ["".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 3))) for _ in range(20000)]
    target, size, n = megabytes * 1024 * 1024, 0, 0
    tmp = path.with_suffix(".part")
    with open(tmp, "wb") as out:
        while size < target:
            paragraphs = "".join("<p>" + " ".join(rng.choices(words, k=rng.randint(40, 120))) + ".</p>\n" for _ in range(rng.randint(4, 14)))
            body = f"<html><head><title>Story {n}</title></head><body><nav>Home News</nav><article>{paragraphs}</article></body></html>".encode()
            uri = f"https://site{n % 40}.example/story/{n}"
            http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + body
            for rtype, block in (("request", f"GET /story/{n} HTTP/1.1\r\nHost: site{n % 40}.example\r\n\r\n".encode()), ("response", http)):
                head = (f"WARC/1.0\r\nWARC-Type: {rtype}\r\nWARC-Record-ID: <urn:uuid:{rtype}-{n:08d}>\r\n"
                        f"WARC-Date: 2024-01-02T03:04:05Z\r\nWARC-Target-URI: {uri}\r\n"
                        f"Content-Type: application/http; msgtype={rtype}\r\nContent-Length: {len(block)}\r\n\r\n").encode()
                out.write(gzip.compress(head + block + b"\r\n\r\n", compresslevel=6, mtime=0))
            size += len(body)
            n += 1
    tmp.rename(path)
    return n


def _read(library: str, path: str) -> dict[str, float | int]:
    t0, c0 = time.perf_counter(), time.process_time()
    pages = payload = 0
    if library == "fastwarc":
        from provenance.warc import Page, iter_pages

        for item in iter_pages(path, max_bytes=64 * 1024 * 1024):
            if isinstance(item, Page):
                pages += 1
                payload += len(item.html)
    else:
        from warcio.archiveiterator import ArchiveIterator

        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response":
                    pages += 1
                    payload += len(record.content_stream().read())
    return {"pages": pages, "payload_bytes": payload, "seconds": time.perf_counter() - t0, "cpu_seconds": time.process_time() - c0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.warclib", description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("/tmp/provenance-bench"))
    parser.add_argument("--child", nargs=2, metavar=("LIBRARY", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_read(*args.child)))
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"crawl-{args.mb}mb.warc.gz"
    if not path.exists():
        print(f"writing {path} …", file=sys.stderr)
        generate(path, args.mb)
    results: dict[str, object] = {"archive": {"path": str(path), "bytes": path.stat().st_size, "payload_mb": args.mb}}
    for library in ("fastwarc", "warcio"):
        runs = []
        for _ in range(args.repeat):
            done = subprocess.run([sys.executable, "-m", "bench.warclib", "--child", library, str(path)], capture_output=True, text=True, cwd=HERE.parent)
            if done.returncode:
                runs = []
                print(f"{library}: not measured ({done.stderr.strip().splitlines()[-1]})", file=sys.stderr)
                break
            runs.append(json.loads(done.stdout))
        if runs:
            best = min(runs, key=lambda r: r["cpu_seconds"])
            results[library] = best
            print(f"{library:9} {best['pages']:>7,} pages  {best['seconds']:6.2f} s  {best['cpu_seconds']:6.2f} s CPU  {args.mb / best['cpu_seconds']:6.1f} MB/s per core")
    if "fastwarc" in results and "warcio" in results:
        results["warcio_over_fastwarc_cpu"] = round(results["warcio"]["cpu_seconds"] / results["fastwarc"]["cpu_seconds"], 2)  # type: ignore[index]
        print(f"warcio needs {results['warcio_over_fastwarc_cpu']}x the CPU time of FastWARC")
    (HERE / "results-warclib.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
