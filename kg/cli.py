"""The ``kg`` command line: parse arguments, call the library, print, exit.

Exit codes: 0 success; 1 some inputs failed (the rest were built) or the
check failed; 2 a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from kg import __version__
from kg.errors import PartyrelError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="kg",
        description="partyrel: build a knowledge graph of international party relations from readouts.",
    )
    p.add_argument("--version", action="version", version=f"partyrel {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    b = sub.add_parser("build", help="build readouts (files or folders) into a graph, a store and a map")
    b.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="readout files or folders (searched recursively)")
    b.add_argument("-o", "--out", type=Path, required=True, metavar="OUT", help="output folder (store, graph.ttl, map.html)")
    b.add_argument("--max-bytes", type=int, default=None, metavar="N", help="refuse input files larger than N bytes (default 5,000,000)")
    b.add_argument("--no-map", action="store_true", help="do not write map.html")
    b.add_argument("-q", "--quiet", action="store_true", help="print only failures")

    q = sub.add_parser("query", help="run a SPARQL query (text or .rq file) against a store")
    q.add_argument("query", metavar="QUERY_OR_FILE")
    q.add_argument("--store", type=Path, required=True, metavar="OUT", help="the folder given to kg build -o")
    q.add_argument("--format", choices=("table", "csv", "json"), default="table")
    q.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="bind ?NAME to a literal VALUE (repeatable)")

    e = sub.add_parser("eval", help="score extraction against gold annotation files")
    e.add_argument("docs", type=Path, metavar="DOCS", help="folder of readouts")
    e.add_argument("gold", type=Path, metavar="GOLD", help="folder of gold JSON files (annotation guide format)")
    e.add_argument("--detail", action="store_true", help="list every miss and extra, per readout")
    e.add_argument("--json", type=Path, metavar="FILE", help="also write the scores as JSON")
    return p


def _build(args: argparse.Namespace) -> int:
    from kg.ingest import DEFAULT_MAX_BYTES
    from kg.pipeline import build

    tty = sys.stderr.isatty() and not args.quiet

    def progress(n: int, name: str) -> None:
        if tty:
            print(f"\r  reading {n}: {name[-60:]:<60}", end="", file=sys.stderr, flush=True)

    report = build(args.paths, args.out, max_bytes=args.max_bytes or DEFAULT_MAX_BYTES,
                   write_map=not args.no_map, progress=progress)
    if tty:
        print("\r" + " " * 75 + "\r", end="", file=sys.stderr)
    if not args.quiet:
        print(f"readouts       {report.readouts} ({report.built} built, {report.skipped} unchanged)")
        print(f"engagements    {report.engagements}")
        print(f"people         {report.people}")
        print(f"organizations  {report.organizations}")
        print(f"triples        {report.triples}")
        print(f"warnings       {len(report.warnings)}")
        for source, message in report.warnings:
            print(f"  warning: {source}: {message}")
        print(f"graph          {report.graph_path}")
        if report.map_path:
            print(f"map            {report.map_path}")
    for f in report.failures:
        print(f"error: {f.source}: {f.reason}", file=sys.stderr)
    if report.failures:
        print(f"{len(report.failures)} input(s) failed; the others were built.", file=sys.stderr)
        return 1
    return 0


def _params(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise SystemExit(f"kg query: error: --param takes NAME=VALUE, got {pair!r}")
        out[name.lstrip("?$")] = value
    return out


def _query(args: argparse.Namespace) -> int:
    from kg.query import format_result, run_query
    from kg.store import GraphStore

    with GraphStore.open(args.store, read_only=True) as store:
        result = run_query(store, args.query, _params(args.param))
    print(format_result(result, args.format))
    return 0


def _eval(args: argparse.Namespace) -> int:
    from kg.evaluate import evaluate_folder

    with tempfile.TemporaryDirectory(prefix="kg-eval-") as tmp:
        report, build_report = evaluate_folder(args.docs, args.gold, Path(tmp))
    for f in build_report.failures:
        print(f"error: {f.source}: {f.reason}", file=sys.stderr)
    if args.detail:
        print(report.details_text())
        print()
    print(report.to_table())
    if args.json:
        args.json.write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    return 1 if build_report.failures else 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``kg`` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    handlers = {"build": _build, "query": _query, "eval": _eval}
    try:
        return handlers[args.command](args)
    except PartyrelError as exc:
        print(f"kg {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
