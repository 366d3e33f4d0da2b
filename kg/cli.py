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
    b.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                   help="readout files (.txt, saved pages .html/.htm, JSON Lines .jsonl) or folders "
                        "of them (searched recursively); - reads one readout from standard input")
    b.add_argument("--id", metavar="ID", help="with -: the readout id of standard input's readout "
                                              "(default: the JSON record's id, else stdin-<hash of the input>)")
    b.set_defaults(usage_error=b.error)
    b.add_argument("-o", "--out", type=Path, required=True, metavar="OUT", help="output folder (store, graph.ttl, map.html)")
    b.add_argument("--max-bytes", type=int, default=None, metavar="N", help="refuse input files larger than N bytes, and .jsonl lines (default 5,000,000)")
    b.add_argument("--no-map", action="store_true", help="do not write map.html")
    b.add_argument("--no-graph", action="store_true", help="do not write graph.ttl (the store is the graph)")
    b.add_argument("-j", "--jobs", type=int, default=1, metavar="N", help="extract in N worker processes (default 1: this process)")
    b.add_argument("--dask", metavar="ADDRESS", help="extract on the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786); needs partyrel[cluster]")
    b.add_argument("--batch-size", type=int, default=64, metavar="N", help="readouts per nlp.pipe call (default 64); the store is written 4,096 at a time (fewer once their triples come to 48 million characters), or N if larger")
    b.add_argument("--prune", action="store_true", help="remove the facts of readouts whose files are no longer among the PATHs")
    b.add_argument("--reread", action="store_true", help="read every file again, even those whose size and time are unchanged")
    b.add_argument("-q", "--quiet", action="store_true", help="print only failures")

    q = sub.add_parser("query", help="run a named query, SPARQL text or a .rq file against a store")
    q.add_argument("query", nargs="?", metavar="NAME_OR_QUERY_OR_FILE",
                   help="a named query (see --list), SPARQL text, or the path of a .rq file")
    q.add_argument("--store", type=Path, metavar="OUT", help="the folder given to kg build -o")
    q.add_argument("--endpoint", metavar="URL", help="query this SPARQL server instead of a store (e.g. http://127.0.0.1:7878/query)")
    q.add_argument("--timeout", type=float, default=30.0, metavar="S", help="with --endpoint: seconds to wait for the server (default 30)")
    q.add_argument("--format", choices=("table", "csv", "json"), default="table")
    q.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="bind ?NAME to VALUE (repeatable); a named query converts it by the parameter's kind")
    q.add_argument("--list", action="store_true", help="list the named queries and exit")
    q.add_argument("--show", metavar="NAME", help="print a named query (its documentation and SPARQL) and exit")
    q.set_defaults(usage_error=q.error)

    u = sub.add_parser("push", help="copy a store's graphs to a SPARQL server (Graph Store Protocol, or SPARQL Update)")
    u.add_argument("--store", type=Path, required=True, metavar="OUT", help="the folder given to kg build -o")
    u.add_argument("--endpoint", required=True, metavar="URL", help="the server's SPARQL query endpoint (e.g. http://127.0.0.1:7878/query, http://host:8890/sparql)")
    u.add_argument("--graph-store", metavar="URL", help="its Graph Store Protocol URL (default: derived from --endpoint)")
    u.add_argument("--update", metavar="URL", help="its SPARQL Update URL (default: derived from --endpoint)")
    u.add_argument("--method", choices=("auto", "gsp", "update"), default="auto", help="how to write each graph (default auto: Graph Store PUT, else SPARQL Update)")
    u.add_argument("--timeout", type=float, default=30.0, metavar="S", help="seconds to wait for the server per request (default 30)")
    u.add_argument("--user", metavar="NAME", help="HTTP basic auth user (password from $KG_ENDPOINT_PASSWORD)")
    u.add_argument("-q", "--quiet", action="store_true", help="print only errors")

    s = sub.add_parser("serve", help="serve a store read-only over the SPARQL 1.1 Protocol")
    s.add_argument("--store", type=Path, required=True, metavar="OUT", help="the folder given to kg build -o")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, this machine only)")
    s.add_argument("--port", type=int, default=7878, help="port to listen on (default 7878; 0 picks a free one)")

    e = sub.add_parser("eval", help="score extraction against gold annotation files")
    e.add_argument("docs", type=Path, metavar="DOCS", help="folder of readouts")
    e.add_argument("gold", type=Path, metavar="GOLD", help="folder of gold JSON files (annotation guide format)")
    e.add_argument("--detail", action="store_true", help="list every miss and extra, per readout")
    e.add_argument("--json", type=Path, metavar="FILE", help="also write the scores as JSON")

    v = sub.add_parser("validate", help="check a built graph against the SHACL shapes (exit 1 on violations)")
    v.add_argument("--store", type=Path, required=True, metavar="OUT", help="the folder given to kg build -o")
    v.add_argument("--limit", type=int, default=20, metavar="N", help="list at most N violations (0: all; default 20)")
    _analysis_parsers(sub)
    return p


def _build(args: argparse.Namespace) -> int:
    from kg.ingest import DEFAULT_MAX_BYTES, Stream
    from kg.pipeline import build

    if args.jobs < 1:
        args.usage_error(f"-j must be at least 1, got {args.jobs}")
    if args.batch_size < 1:
        args.usage_error(f"--batch-size must be at least 1, got {args.batch_size}")
    if args.dask and args.jobs > 1:
        args.usage_error("give -j or --dask, not both (the Dask cluster has its own workers)")
    max_bytes = args.max_bytes or DEFAULT_MAX_BYTES
    inputs: list[Path | Stream] = list(args.paths)
    dashes = [i for i, path in enumerate(args.paths) if str(path) == "-"]
    if len(dashes) > 1:
        args.usage_error("- (standard input) can be given once")
    if args.id is not None and not dashes:
        args.usage_error("--id names the readout read from standard input: give - among the paths")
    if args.id is not None and not args.id.strip():
        args.usage_error("--id must not be empty")
    if dashes:
        inputs[dashes[0]] = Stream(sys.stdin.buffer.read(max_bytes + 1), "<stdin>", args.id)
    bar = _ProgressBar(sys.stderr) if sys.stderr.isatty() and not args.quiet else None
    report = build(inputs, args.out, max_bytes=max_bytes,
                   write_map=not args.no_map, write_graph=not args.no_graph, jobs=args.jobs,
                   batch_size=args.batch_size, prune=args.prune, dask=args.dask,
                   reread=args.reread, on_progress=bar)
    if bar is not None:
        bar.clear()
    if not args.quiet:
        print(f"readouts       {report.readouts} ({report.built} built, {report.skipped} unchanged"
              + (f", {report.removed} removed" if args.prune else "") + ")")
        print(f"engagements    {report.engagements}")
        print(f"people         {report.people}")
        print(f"organizations  {report.organizations}")
        print(f"triples        {report.triples}")
        print(f"warnings       {len(report.warnings)}")
        for source, message in report.warnings:
            print(f"  warning: {source}: {message}")
        if report.graph_path:
            print(f"graph          {report.graph_path}")
        if report.map_path:
            print(f"map            {report.map_path}")
    for f in report.failures:
        print(f"error: {f.source}: {f.message}", file=sys.stderr)
    if report.failures:
        print(f"{len(report.failures)} input(s) failed; the others were built.", file=sys.stderr)
        return 1
    return 0


class _TerminalLine:
    """One line of a terminal, written over in place and cleared at the end."""

    def __init__(self, stream: typing.TextIO) -> None:
        self.stream, self.shown = stream, False

    def show(self, line: str) -> None:
        self.stream.write("\r" + line[:100].ljust(100))
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * 100 + "\r")
            self.stream.flush()
            self.shown = False


class _ProgressBar(_TerminalLine):
    """A one-line progress display on a terminal: phase, bar, count, rate, ETA."""

    def __init__(self, stream: typing.TextIO, width: int = 24) -> None:
        super().__init__(stream)
        self.width, self.last = width, 0.0

    def __call__(self, state: BuildProgress) -> None:
        import time

        now = time.monotonic()
        if state.phase == "read" and now - self.last < 0.2 and state.done < state.total:
            return
        self.last = now
        if state.phase == "done":
            self.clear()
            return
        if state.phase != "read":
            words = {"labels": "deriving labels", "graph": "writing graph.ttl",
                     "map": "drawing map.html"}.get(state.phase, state.phase)
            line = f"{words} ({state.done:,} readouts in {_duration(state.elapsed)})"
        else:
            share = state.done / state.total if state.total else 1.0
            filled = int(share * self.width)
            eta = state.eta
            line = (f"[{'#' * filled}{'.' * (self.width - filled)}] {state.done:,}/{state.total:,} "
                    f"readouts  {state.rate:,.0f}/s  ETA {_duration(eta) if eta is not None else '?'}")
        self.show(line)


def _duration(seconds: float) -> str:
    """'45s', '3m05s', '1h02m'."""
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def _push(args: argparse.Namespace) -> int:
    import os

    from kg.push import Endpoint, push

    endpoint = Endpoint.from_url(args.endpoint, update=args.update, graph_store=args.graph_store,
                                 timeout=args.timeout, user=args.user,
                                 password=os.environ.get("KG_ENDPOINT_PASSWORD"))
    tty = sys.stderr.isatty() and not args.quiet

    def progress(done: int, total: int) -> None:
        if tty and (done % 50 == 0 or done == total):
            print(f"\r  pushed {done:,}/{total:,} graphs", end="", file=sys.stderr, flush=True)

    report = push(args.store, endpoint, method=args.method, progress=progress)
    if tty:
        print("\r" + " " * 40 + "\r", end="", file=sys.stderr)
    if not args.quiet:
        how = "Graph Store Protocol PUT" if report.method == "gsp" else "SPARQL Update"
        print(f"graphs         {report.graphs} (each replaced by {how})")
        print(f"triples        {report.triples}")
        print(f"seconds        {report.seconds:.1f}")
        print(f"endpoint       {endpoint.query}")
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
    if args.query is None or (args.store is None) == (args.endpoint is None):
        args.usage_error("give a named query, SPARQL text or a .rq file, and --store OUT or "
                         "--endpoint URL (or --list to see the named queries)")
    # a whole-store listing can take seconds (100k readouts: up to about 20 s)
    steps = _steps("querying")
    try:
        if steps is not None:
            short = " ".join(args.query.split())
            steps(short if len(short) <= 60 else short[:57] + "...")
        if args.endpoint is not None:
            from kg.push import Endpoint, remote_query

            endpoint = Endpoint.from_url(args.endpoint, timeout=args.timeout)
            result = remote_query(endpoint, args.query, _params(args.param))
        else:
            with GraphStore.open(args.store, read_only=True) as store:
                result = run_query(store, args.query, _params(args.param))
        if steps is not None:
            steps(f"formatting {len(result.rows):,} rows")
        text = format_result(result, args.format)
    finally:
        if steps is not None:
            steps.clear()
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
        print(f"error: {f.source}: {f.message}", file=sys.stderr)
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
    from kg.pipeline import BuildProgress

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


class _Steps(_TerminalLine):
    """What a long command is doing, on one line of a terminal: the time since
    the command started when the step began, and the step
    ("analyzing [1m05s] affiliations: communities (161,198 nodes) ...")."""

    def __init__(self, stream: typing.TextIO, what: str) -> None:
        import time

        super().__init__(stream)
        self.what, self.started = what, time.monotonic()

    def __call__(self, step: str) -> None:
        import time

        self.show(f"{self.what} [{_duration(time.monotonic() - self.started)}] {step} ...")


def _steps(what: str) -> _Steps | None:
    """A :class:`_Steps` on standard error when it is a terminal."""
    return _Steps(sys.stderr, what) if sys.stderr.isatty() else None


def _analysis_input(args: argparse.Namespace, steps: _Steps | None = None
                    ) -> tuple[EngagementData, Filters]:
    from kg.analysis import Filters
    from kg.pipeline import built_engagement_data
    from kg.store import GraphStore

    filters = Filters(date_from=args.date_from, date_to=args.date_to, type=args.type,
                      topic=args.topic, ego=args.ego)
    if steps is not None:
        steps("reading the engagements")
    with GraphStore.open(args.store, read_only=True) as store:
        data = built_engagement_data(store)
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
    steps = _steps("analyzing")
    try:
        data, filters = _analysis_input(args, steps)
        result = analyze(data, filters, progress=steps)
    finally:
        if steps is not None:
            steps.clear()
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
    steps = _steps("mapping")
    try:
        data, filters = _analysis_input(args, steps)
        stats = render_map(data, args.out, filters=filters, size_by=args.size_by,
                           max_nodes=args.max_nodes, progress=steps)
    finally:
        if steps is not None:
            steps.clear()
    print(f"map            {args.out}")
    print(f"nodes          {stats.nodes}" + (f" (the strongest; {stats.omitted_nodes} left out)" if stats.omitted_nodes else ""))
    print(f"edges          {stats.edges}")
    if filters.describe():
        print(f"filters        {filters.describe()}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from kg.validate import validate_store

    report = validate_store(args.store)
    print(report.to_text(limit=args.limit))
    return 0 if report.conforms else 1


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``kg`` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    handlers = {"build": _build, "query": _query, "push": _push, "serve": _serve, "eval": _eval,
                "analyze": _analyze, "map": _map, "validate": _validate}
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
