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

    q = sub.add_parser("query", help="run a named query, SPARQL text or a .rq file against a store")
    q.add_argument("query", nargs="?", metavar="NAME_OR_QUERY_OR_FILE",
                   help="a named query (see --list), SPARQL text, or the path of a .rq file")
    q.add_argument("--store", type=Path, metavar="OUT", help="the folder given to kg build -o")
    q.add_argument("--format", choices=("table", "csv", "json"), default="table")
    q.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="bind ?NAME to VALUE (repeatable); a named query converts it by the parameter's kind")
    q.add_argument("--list", action="store_true", help="list the named queries and exit")
    q.add_argument("--show", metavar="NAME", help="print a named query (its documentation and SPARQL) and exit")
    q.set_defaults(usage_error=q.error)

    s = sub.add_parser("serve", help="serve a store read-only over the SPARQL 1.1 Protocol")
    s.add_argument("--store", type=Path, required=True, metavar="OUT", help="the folder given to kg build -o")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, this machine only)")
    s.add_argument("--port", type=int, default=7878, help="port to listen on (default 7878; 0 picks a free one)")

    e = sub.add_parser("eval", help="score extraction against gold annotation files")
    e.add_argument("docs", type=Path, metavar="DOCS", help="folder of readouts")
    e.add_argument("gold", type=Path, metavar="GOLD", help="folder of gold JSON files (annotation guide format)")
    e.add_argument("--detail", action="store_true", help="list every miss and extra, per readout")
    e.add_argument("--json", type=Path, metavar="FILE", help="also write the scores as JSON")
    _analysis_parsers(sub)
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
    from kg.named_queries import catalog_text, get_query
    from kg.query import format_result, run_query
    from kg.store import GraphStore

    if args.list:
        print(catalog_text())
        return 0
    if args.show:
        print(get_query(args.show).text.rstrip("\n"))
        return 0
    if args.query is None or args.store is None:
        args.usage_error("give a named query, SPARQL text or a .rq file, and --store OUT "
                         "(or --list to see the named queries)")
    with GraphStore.open(args.store, read_only=True) as store:
        result = run_query(store, args.query, _params(args.param))
    text = format_result(result, args.format)
    print(text, end="" if text.endswith("\n") else "\n")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from kg.server import serve

    serve(args.store, host=args.host, port=args.port,
          announce=lambda line: print(line, file=sys.stderr, flush=True))
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


# --------------------------------------------------------------------------- analyze, map

import typing

if typing.TYPE_CHECKING:  # the annotations below; imported lazily at run time (slow imports)
    from datetime import date

    import pandas

    from kg.analysis import EngagementData, Filters

_EXPORT_FORMATS = ("graphml", "gexf", "json")  # kg.analysis.EXPORT_FORMATS (not imported: slow)
_SIZE_BY = ("engagements", "degree", "weighted_degree", "pagerank", "betweenness", "eigenvector")


def _iso_date(text: str) -> date:
    from datetime import date as day

    try:
        return day.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (use YYYY-MM-DD)") from None


def _analysis_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    def filters(p: argparse.ArgumentParser) -> None:
        p.add_argument("--store", type=Path, required=True, metavar="OUT", help="the folder given to kg build -o")
        p.add_argument("--from", dest="date_from", type=_iso_date, metavar="DATE", help="first day, YYYY-MM-DD (inclusive; leaves out undated engagements)")
        p.add_argument("--to", dest="date_to", type=_iso_date, metavar="DATE", help="last day, YYYY-MM-DD (inclusive)")
        p.add_argument("--type", metavar="TYPE", help="one engagement type: Meeting, Talks, VideoCall, PhoneCall, Correspondence, Visit, Forum")
        p.add_argument("--topic", metavar="LABEL", help='one topic, by label (e.g. "Belt and Road Initiative")')
        p.add_argument("--ego", metavar="NAME", help="the ego network of one entity (label, alias or IRI)")

    a = sub.add_parser("analyze", help="network metrics: top entities per metric, CSV tables, GraphML/GEXF/JSON exports")
    filters(a)
    a.add_argument("-o", "--out", type=Path, metavar="DIR", help="write the tables as CSV (and the exports) into DIR")
    a.add_argument("--format", nargs="+", action="extend", choices=_EXPORT_FORMATS, default=[], metavar="FORMAT",
                   help="also export the graphs as graphml, gexf and/or json (needs -o)")
    a.set_defaults(usage_error=a.error)

    m = sub.add_parser("map", help="draw the network as one offline HTML page")
    filters(m)
    m.add_argument("-o", "--out", type=Path, required=True, metavar="FILE", help="the HTML file to write (e.g. map.html)")
    m.add_argument("--size-by", choices=_SIZE_BY, default="weighted_degree", help="node size (default weighted_degree)")
    m.add_argument("--max-nodes", type=int, default=2000, metavar="N", help="draw at most N nodes, the strongest (default 2000)")
    m.set_defaults(usage_error=m.error)


def _analysis_input(args: argparse.Namespace) -> tuple[EngagementData, Filters]:
    from kg.analysis import Filters, load
    from kg.store import GraphStore

    filters = Filters(date_from=args.date_from, date_to=args.date_to, type=args.type,
                      topic=args.topic, ego=args.ego)
    with GraphStore.open(args.store, read_only=True) as store:
        data = load(store)
    return data, filters


def _top(table: pandas.DataFrame, column: str, n: int = 10) -> list[str]:
    ranked = table.sort_values([column, "label"], ascending=[False, True], kind="stable").head(n)
    width = max((len(label) for label in ranked["label"]), default=0)
    lines = []
    for rank, (label, value) in enumerate(zip(ranked["label"], ranked[column]), start=1):
        shown = f"{int(value):,}" if table[column].dtype.kind in "iu" else f"{value:.4f}"
        lines.append(f"  {rank:>2}. {label:<{width}}  {shown}")
    return lines


def _analyze(args: argparse.Namespace) -> int:
    from kg.analysis import analyze, write_analysis

    if args.format and args.out is None:
        args.usage_error("--format needs -o DIR (the folder to write the exports into)")
    data, filters = _analysis_input(args)
    result = analyze(data, filters)
    organizations = result.tables["organizations"]
    graph = result.graphs["organizations"]
    print(f"engagements    {result.engagements}" + (f" ({filters.describe()})" if filters.describe() else ""))
    print(f"organizations  {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges "
          f"(engagement pairs {sum(w for _, _, w in graph.edges(data='weight'))})")
    if organizations.empty:
        print("no organization matches; widen the filters")
    else:
        for column, words in (("weighted_degree", "weighted degree"), ("degree", "degree"),
                              ("pagerank", "PageRank"), ("betweenness", "betweenness"),
                              ("eigenvector", "eigenvector centrality")):
            print(f"\ntop organizations by {words}")
            print("\n".join(_top(organizations, column)))
        sizes = organizations.groupby("community")["label"].agg(list)
        print(f"\ncommunities (Louvain, seed 0): {len(sizes)}")
        for number, labels in sizes.head(5).items():
            more = f" and {len(labels) - 5} more" if len(labels) > 5 else ""
            print(f"  {number}: {len(labels)} - " + "; ".join(labels[:5]) + more)
        top_core = int(organizations["core"].max())
        core = organizations[organizations["core"] == top_core]["label"].tolist()
        print(f"\n{top_core}-core (the densest): {len(core)} - " + "; ".join(core[:10])
              + (f" and {len(core) - 10} more" if len(core) > 10 else ""))
    for name, words in (("persons", "persons"), ("countries", "countries and groups")):
        table = result.tables[name]
        if not table.empty:
            print(f"\ntop {words} by weighted degree")
            print("\n".join(_top(table, "weighted_degree")))
    by_type = result.tables["per_year_type"]
    if not by_type.empty:
        print("\nengagements per year by type" + (f" (counterparts of {filters.ego})" if filters.ego else ""))
        print(by_type.to_string())
    if args.out is not None:
        written = write_analysis(result, args.out, args.format)
        print(f"\nwrote {len(written)} files to {args.out}: " + ", ".join(p.name for p in written))
    return 0


def _map(args: argparse.Namespace) -> int:
    from kg.mapviz import render_map

    if args.max_nodes < 1:
        args.usage_error(f"--max-nodes must be at least 1, got {args.max_nodes}")
    data, filters = _analysis_input(args)
    stats = render_map(data, args.out, filters=filters, size_by=args.size_by,
                       max_nodes=args.max_nodes)
    print(f"map            {args.out}")
    print(f"nodes          {stats.nodes}" + (f" (the strongest; {stats.omitted_nodes} left out)" if stats.omitted_nodes else ""))
    print(f"edges          {stats.edges}")
    if filters.describe():
        print(f"filters        {filters.describe()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``kg`` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    handlers = {"build": _build, "query": _query, "serve": _serve, "eval": _eval,
                "analyze": _analyze, "map": _map}
    try:
        return handlers[args.command](args)
    except PartyrelError as exc:
        print(f"kg {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`kg analyze ... | head`): stop quietly, as Unix tools do.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
