"""``python -m eval [clough|pan|news|dates|origins|pan13|gate ...]``: run the evaluations, print a table,
and update ``eval/results.json``.

Each corpus is a module ``eval.<name>`` with ``run(root: Path) -> dict``; a
corpus whose folder or module is missing is skipped with a note.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import inspect
import json
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

import provenance
from eval import ENV_VAR, eval_dir

CORPORA = {"clough": "clough-stevenson", "pan": "pan13-02", "pan13": "pan13-train", "pan13_high": "pan13-train", "news": "news-html", "dates": "dates-html", "origins": "news-html", "gate": "news-html"}
RESULTS = Path(__file__).resolve().parent / "results.json"
SCHEMA = "provenance-eval/1"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m eval", description=__doc__.split("\n\n")[0])
    parser.add_argument("corpora", nargs="*", metavar="CORPUS", help=f"any of {', '.join(CORPORA)} (default: all available)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="NAME=VALUE", help="change a scan setting (results are then not saved unless --output is given)")
    parser.add_argument("--output", type=Path, help=f"results file (default {RESULTS.relative_to(RESULTS.parents[1])})")
    parser.add_argument("--no-write", action="store_true", help="print only, do not update the results file")
    args = parser.parse_args(argv)
    unknown = [c for c in args.corpora if c not in CORPORA]
    if unknown:
        parser.error(f"unknown corpus {', '.join(unknown)}; choose from {', '.join(CORPORA)}")
    return args


def parse_overrides(items: Sequence[str]) -> dict[str, Any]:
    """``["threshold=0.3", "window=16"]`` → typed Config overrides.

    >>> parse_overrides(["threshold=0.3", "window=16"])
    {'threshold': 0.3, 'window': 16}
    """
    types = {f.name: type(f.default) for f in dataclasses.fields(provenance.Config)}
    overrides: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or name not in types:
            raise SystemExit(f"--set {item!r}: expected NAME=VALUE with NAME one of {', '.join(types)}")
        overrides[name] = types[name](value)
    return overrides


def run_corpus(key: str, root: Path, config: provenance.Config | None) -> dict[str, Any] | str:
    """Run one corpus; a string says why it was skipped."""
    folder = root / CORPORA[key]
    if not folder.is_dir():
        return f"{folder} not found"
    try:
        module = importlib.import_module(f"eval.{key}")
    except ModuleNotFoundError as e:
        if e.name == f"eval.{key}":
            return f"module eval.{key} not written yet"
        raise
    kwargs = {"config": config} if config is not None and "config" in inspect.signature(module.run).parameters else {}
    t0 = time.perf_counter()
    out = dict(module.run(root, **kwargs))
    wall = round(time.perf_counter() - t0, 2)
    out.get("figures", out).setdefault("wall_seconds", wall)  # modules without a figures block get it at top level
    out["provenance"] = {"version": _version("text-provenance"), "commit": _commit()}
    return out


def render(key: str, out: Mapping[str, Any], console: Console) -> None:
    """Print one corpus: figure, value (found/total), anchor, aim and whether it is met."""
    table = Table(title=f"{key} · {out.get('corpus', CORPORA[key])}", title_justify="left")
    for column in ("figure", "value", "anchor", "aim", ""):
        table.add_column(column, justify="left" if column == "figure" else "right")
    totals, anchors, aims, met = (out.get(k) or {} for k in ("totals", "anchors", "aims", "meets_aims"))
    for name, value in _flat(out.get("figures") or _figures_of(out)).items():
        shown = _fmt(value) + (f"/{totals[name]}" if name in totals else "")
        mark = {True: "[green]ok[/]", False: "[red]below aim[/]"}.get(met.get(name), "")
        table.add_row(name, shown, _fmt(anchors.get(name, "")), aims.get(name, ""), mark)
    console.print(table)
    if out.get("anchor_source"):
        console.print(f"  anchor: {out['anchor_source']}", style="dim")


def save(path: Path, results: Mapping[str, Any]) -> None:
    """Merge these corpora's results into the file (others kept), stable key order."""
    data: dict[str, Any] = {"schema": SCHEMA, "corpora": {}}
    if path.exists():
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
            if old.get("schema") == SCHEMA:
                data = old
        except json.JSONDecodeError:
            pass
    data["corpora"].update(results)
    path.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    overrides = parse_overrides(args.overrides)
    config = provenance.Config().with_overrides(**overrides) if overrides else None
    root = eval_dir()
    console = Console()
    if not root.is_dir():
        console.print(f"[red]corpora not found at {root}[/] (set {ENV_VAR})")
        return 1
    results: dict[str, Any] = {}
    for key in args.corpora or list(CORPORA):
        with console.status(f"evaluating {key}…"):
            out = run_corpus(key, root, config)
        if isinstance(out, str):
            console.print(f"[yellow]skipped {key}[/]: {out}")
            continue
        results[key] = out
        render(key, out, console)
    write = not args.no_write and (args.output is not None or not overrides)
    if results and write:
        target = args.output or RESULTS
        save(target, results)
        console.print(f"results saved to {target}")
    return 0


def _figures_of(out: Mapping[str, Any]) -> dict[str, Any]:
    """Headline figures of a result without a ``figures`` block: its scalar entries."""
    return {k: v for k, v in out.items() if k not in ("settings", "provenance")}


def _flat(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts as dotted names; lists are left out of the table.

    >>> _flat({"a": 1, "b": {"c": 2.5, "d": [1]}})
    {'a': 1, 'b.c': 2.5}
    """
    flat: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, Mapping):
            flat |= _flat(value, f"{prefix}{name}.")
        elif not isinstance(value, list | tuple):
            flat[f"{prefix}{name}"] = value
    return flat


def _fmt(value: Any) -> str:
    """A figure as the table shows it.

    >>> _fmt(0.123456), _fmt(17), _fmt(None), _fmt(1.0), _fmt(123.456)
    ('0.123', '17', '—', '1.000', '123.5')
    """
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 100 else f"{value:.1f}"
    return str(value)


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def _commit() -> str | None:
    """The repository's HEAD commit, or None outside a git checkout."""
    try:
        done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=RESULTS.parent, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


if __name__ == "__main__":
    sys.exit(main())
