#!/usr/bin/env python3
"""Scale benchmark: throughput, build time, memory, store size, incremental
rebuilds, named-query latency and map time for synthetic corpora.

usage: python bench/throughput.py [SIZE ...] [--jobs 1,2] [--workdir DIR]
                                  [--extract-sample N] [--repeat R] [--keep]
                                  [--no-queries | --queries-only OUT]

SIZE is a number of readouts (default: 1000 10000; 100000 takes about an
hour on the machine of record). For each size it generates the corpus with
``bench/generate.py`` (seed 0, reused when already there), then prints:

1. extraction throughput (spaCy pipeline + extractor) in readouts/s and
   words/s next to the spaCy tokenizer alone on the same texts in the same
   run, and their ratio (on the first ``--extract-sample`` readouts,
   default 5,000, in this process);
2. the end-to-end build (what ``kg build CORPUS -o OUT -j J`` does: store,
   graph.ttl, map.html) for each ``--jobs`` value: wall time, readouts/s,
   time per phase, peak RSS of the build's processes (the largest one and the
   sum of all at one moment), the peak of the sum of their PSS (a page shared
   by processes counted once: what the build takes from the machine) with
   when it came, and the ratio of each -j to the first;
3. the store size on disk (and graph.ttl's);
4. an incremental rebuild after changing 1% of the readouts: its time and
   its share of the full build;
5. the median latency of each named query over ``--repeat`` runs (default
   5), without parameters (the whole store) and with typical ones (the CPC, a
   person, 2020, Vietnam, the Belt and Road Initiative, "Communist"): run
   (``cache=False``) and read back from the result cache by a newly opened
   store (a repeated ``kg query``);
6. ``kg map --max-nodes 2000`` wall time (the 2,000 heaviest nodes) and
   ``kg analyze -o DIR`` wall time (every metric of every projection, the
   CSV tables), each with its peak RSS.

Figures are printed, never asserted. Machine of record: 2 cores, 24 GiB.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # bench/generate.py, beside this script

KG = Path(sys.executable).with_name("kg")


# --------------------------------------------------------------------------- measuring

class PeakRss:
    """Samples the memory of a process and its children every 50 ms (psutil):
    the largest RSS, the sum of their RSS (pages shared between processes,
    such as the libraries each maps, counted in each) and the sum of their
    PSS (proportional set size: a shared page counted once over the
    processes sharing it; the memory the build takes from the machine), with
    the processes' sizes when the PSS sum peaked."""

    def __init__(self, pid: int) -> None:
        import psutil

        self.process = psutil.Process(pid)
        self.started = time.perf_counter()
        self.largest = 0
        self.total = 0
        self.pss = 0
        self.pss_at = 0.0  # seconds after the start
        self.pss_parts: list[int] = []  # each process's PSS then, largest first
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                processes = [self.process, *self.process.children(recursive=True)]
                sizes, shares = [], []
                for p in processes:
                    try:
                        info = p.memory_full_info()
                    except psutil.Error:
                        continue
                    sizes.append(info.rss)
                    shares.append(info.pss)
                if sizes:
                    self.largest = max(self.largest, max(sizes))
                    self.total = max(self.total, sum(sizes))
                    if sum(shares) > self.pss:
                        self.pss = sum(shares)
                        self.pss_at = time.perf_counter() - self.started
                        self.pss_parts = sorted(shares, reverse=True)
            except psutil.Error:
                pass
            self._stop.wait(0.05)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def run_measured(argv: list[str]) -> tuple[float, PeakRss, str]:
    """Run a command; return its wall time, peak memory and standard output."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = PeakRss(process.pid)
    out, err = process.communicate()
    seconds = time.perf_counter() - started
    peak.stop()
    if process.returncode not in (0, 1):
        raise RuntimeError(f"{argv[:3]} failed ({process.returncode}): {err[-2000:]}")
    return seconds, peak, out


def mib(n: float) -> str:
    return f"{n / 2**20:,.0f} MiB"


def folder_size(path: Path) -> int:
    return sum(p.stat().st_blocks * 512 for p in path.rglob("*") if p.is_file())  # on disk


# --------------------------------------------------------------------------- steps

def ensure_corpus(root: Path, size: int) -> Path:
    folder = root / f"corpus-{size}"
    marker = folder / ".complete"
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        generate.write_corpus(folder, size, seed=0)
        marker.write_text(str(size))
        print(f"  generated {size:,} readouts in {time.perf_counter() - started:.1f} s")
    return folder


def extraction_throughput(folder: Path, sample: int) -> None:
    """Extraction vs the tokenizer alone, same texts, same process."""
    from kg.extract import extract_doc
    from kg.ingest import load_file
    from kg.lexicon import load_lexicon
    from kg.nlp import make_nlp

    files = sorted(folder.rglob("*.txt"))[:sample]
    readouts = [load_file(path).readout for path in files]
    texts = [r.text for r in readouts]
    nlp, lexicon = make_nlp(), load_lexicon()
    list(nlp.pipe(texts[:50]))  # warm up
    started = time.perf_counter()
    words = sum(len(doc) for doc in nlp.tokenizer.pipe(texts, batch_size=256))
    tokenizer = time.perf_counter() - started
    started = time.perf_counter()
    for readout, doc in zip(readouts, nlp.pipe(texts, batch_size=64)):
        extract_doc(readout, doc, lexicon)
    extraction = time.perf_counter() - started
    n = len(texts)
    print(f"  extraction      {n / extraction:8,.0f} readouts/s {words / extraction:10,.0f} words/s"
          f"   (spaCy pipeline + extractor, {n:,} readouts, {words / n:.0f} tokens each)")
    print(f"  tokenizer only  {n / tokenizer:8,.0f} readouts/s {words / tokenizer:10,.0f} words/s")
    print(f"  ratio           {tokenizer / extraction * 100:7.1f} %   extraction / tokenizer "
          "throughput (target >= 50 %)")


def build_once(folder: Path, out: Path, jobs: int, *, outputs: bool = True) -> dict[str, object]:
    """One build in a child process (``kg build`` through the library, to get
    its phase times); ``outputs`` false builds the store only (``--no-graph
    --no-map``). Returns its figures."""
    argv = [sys.executable, __file__, "--run-build", str(folder), str(out), str(jobs),
            "1" if outputs else "0"]
    seconds, peak, output = run_measured(argv)
    result = json.loads(output.strip().splitlines()[-1])
    result.update(wall=seconds, largest=peak.largest, total=peak.total, pss=peak.pss, pss_at=peak.pss_at,
                  pss_parts=peak.pss_parts)
    return result


def _run_build(folder: str, out: str, jobs: str, outputs: str) -> None:
    from kg.pipeline import build

    report = build([Path(folder)], Path(out), jobs=int(jobs), write_map=outputs == "1",
                   write_graph=outputs == "1")
    print(json.dumps({"readouts": report.readouts, "built": report.built,
                      "skipped": report.skipped, "failures": len(report.failures),
                      "engagements": report.engagements, "triples": report.triples,
                      "seconds": report.seconds}))


def describe_build(label: str, figures: dict[str, object]) -> None:
    seconds = figures["seconds"]
    assert isinstance(seconds, dict)
    wall = float(figures["wall"])  # type: ignore[arg-type]
    readouts = int(figures["readouts"])  # type: ignore[arg-type]
    phases = "  ".join(f"{k} {v:.1f}s" for k, v in seconds.items() if k != "total")
    print(f"  {label:<15} {wall:8.1f} s  {readouts / wall:7,.0f} readouts/s  "
          f"built {figures['built']:,} skipped {figures['skipped']:,} failed {figures['failures']}")
    print(f"  {'':<15} phases: {phases}")
    print(f"  {'':<15} peak RSS {mib(float(figures['largest']))} (largest process), "  # type: ignore[arg-type]
          f"{mib(float(figures['total']))} (all processes)")  # type: ignore[arg-type]
    if figures.get("pss"):
        parts = " + ".join(mib(float(n)) for n in figures["pss_parts"])  # type: ignore[attr-defined]
        print(f"  {'':<15} peak PSS of all processes (a shared page counted once) "
              f"{mib(float(figures['pss']))}: {parts}, {_phase_at(figures)}")  # type: ignore[arg-type]


def _phase_at(figures: dict[str, object]) -> str:
    """When the PSS peaked: seconds after the start, and in which phase of the build."""
    at = float(figures["pss_at"])  # type: ignore[arg-type]
    seconds = figures["seconds"]
    assert isinstance(seconds, dict)
    # the phases run back to back and end with the build; before them, Python starts
    mark = float(figures["wall"]) - float(seconds.get("total", 0.0))  # type: ignore[arg-type]
    for phase in ("read", "labels", "summary", "graph", "map"):
        if phase in seconds:
            mark += float(seconds[phase])
            if at <= mark:
                return f"at {at:.0f} s ({phase} phase)"
    return f"at {at:.0f} s"


def _typical_params(store: object, org: str = "") -> dict[str, str]:
    """Parameter values an analyst would give, existing in the synthetic store:
    the busiest party (the CPC, a side in most engagements: the worst case for
    an ``org`` parameter) or ``org``, a person, a year, a country, a topic."""
    ids = "https://w3id.org/partyrel/id/"
    person = store.select_rows("SELECT ?p WHERE { ?p a pr:Person } LIMIT 1")[1]  # type: ignore[attr-defined]
    return {"org": f"<{org or ids + 'org/communist-party-of-china'}>", "counterpart": "",
            "person": f"<{person[0][0]}>" if person else "", "year": "2020",
            "since": "2020-01-01", "until": "2020-12-31", "type": "Meeting",
            "country": f"<{ids}country/vietnam>", "topic": f"<{ids}topic/belt-and-road-initiative>",
            "name": "Communist"}


def query_latency(out: Path, repeat: int, *, org: str = "", whole: bool = True,
                  summary: bool = True) -> None:
    """Cold: the query runs (``cache=False``), median of ``repeat``; cached: the
    answer read back from ``OUT/query-cache`` by a newly opened store, as a
    repeated ``kg query`` gets it (median of ``repeat``). Both give the same rows.
    ``org`` replaces the CPC as the ``org`` parameter; ``whole`` false
    measures only the queries given parameters; ``summary`` false runs the
    SPARQL of the queries the engagement summary answers. The last column
    says which answered the run: the summary or the SPARQL."""
    from kg.named_queries import bind_parameters, list_queries
    from kg.query import run_query
    from kg.store import GraphStore
    from kg.summary import answer

    shutil.rmtree(out / "query-cache", ignore_errors=True)
    rows = []
    with GraphStore.open(out, read_only=True) as store:
        typical = _typical_params(store, org)
    for query in list_queries():
        figures = []
        given = {p.name: typical[p.name] for p in query.parameters if typical.get(p.name)}
        for params in ([{}] if whole else []) + [given]:
            cold, cached, count = [], [], 0
            with GraphStore.open(out, read_only=True) as store:  # one store, as before the cache
                via = ("summary" if summary and answer(store, query, bind_parameters(store, query, params))
                       is not None else "sparql")
                for _ in range(repeat):
                    started = time.perf_counter()
                    count = len(run_query(store, query.name, params, cache=False,
                                          summary=summary).rows)
                    cold.append(time.perf_counter() - started)
                run_query(store, query.name, params, summary=summary)  # fills the cache
            for _ in range(repeat):
                with GraphStore.open(out, read_only=True) as store:
                    started = time.perf_counter()
                    found = len(run_query(store, query.name, params, summary=summary).rows)
                    cached.append(time.perf_counter() - started)
                    assert found == count
            figures.append((statistics.median(cold) * 1000, statistics.median(cached) * 1000,
                            count, params, via))
        rows.append((query.name, figures))
    columns = ["whole store", "with parameters"] if whole else ["with parameters"]
    print(f"  {'query':<26}" + "".join(f" {c + ': run':>22} {'cached':>9} {'rows':>8}" for c in columns)
          + "  parameters (answered by)")
    for name, figures in rows:
        shown = ", ".join(f"{k}={v.rsplit('/', 1)[-1].rstrip('>')}" for k, v in figures[-1][3].items())
        print(f"  {name:<26}" + "".join(f" {run:19,.1f} ms {hit:6,.1f} ms {count:8,}"
                                        for run, hit, count, _, _ in figures)
              + f"  {shown} ({figures[-1][4]})")
    for column, words in enumerate(columns):
        for index, how in ((0, "run"), (1, "cached")):
            medians = [figures[column][index] for _, figures in rows]
            under = sum(1 for m in medians if m < 100)
            print(f"  {words}, {how}: median over the queries {statistics.median(medians):,.1f} ms; "
                  f"{under} of {len(medians)} under 100 ms")


def map_time(out: Path) -> None:
    seconds, peak, output = run_measured([str(KG), "map", "--store", str(out), "-o",
                                          str(out / "map-2000.html"), "--max-nodes", "2000"])
    nodes = next((line.split(None, 1)[1] for line in output.splitlines()
                  if line.startswith("nodes")), "?")
    print(f"  kg map --max-nodes 2000  {seconds:.1f} s, peak RSS {mib(peak.largest)}; nodes {nodes}")


def analyze_time(out: Path) -> None:
    seconds, peak, output = run_measured([str(KG), "analyze", "--store", str(out), "-o",
                                          str(out / "analysis")])
    nodes = next((line.split(None, 1)[1] for line in output.splitlines()
                  if line.startswith("organizations")), "?")
    persons = sum(1 for _ in (out / "analysis" / "persons.csv").open(encoding="utf-8")) - 1
    print(f"  kg analyze -o DIR        {seconds:.1f} s, peak RSS {mib(peak.largest)}; organizations "
          f"{nodes}; {persons:,} persons ranked")


# --------------------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    args_list = sys.argv[1:] if argv is None else argv
    if args_list[:1] == ["--run-build"]:
        _run_build(*args_list[1:5])
        return 0
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    p.add_argument("--jobs", default="1,2", help="comma-separated -j values to build with")
    p.add_argument("--workdir", type=Path, help="where corpora and stores go (default: a temp dir)")
    p.add_argument("--extract-sample", type=int, default=5000)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--keep", action="store_true", help="keep the stores (corpora are always kept "
                   "in --workdir)")
    p.add_argument("--no-queries", dest="queries", action="store_false",
                   help="skip the named queries (at 100k they take about half an hour)")
    p.add_argument("--queries-only", type=Path, metavar="OUT",
                   help="only measure the named queries on the store built at OUT")
    p.add_argument("--org", default="", metavar="IRI",
                   help="the org parameter of the named queries (default: the CPC, the busiest)")
    p.add_argument("--params-only", action="store_true",
                   help="measure the named queries with parameters only")
    p.add_argument("--no-summary", dest="summary", action="store_false",
                   help="run the SPARQL of the queries the engagement summary answers")
    args = p.parse_args(args_list)
    if args.queries_only:
        print(f"named queries on {args.queries_only} (median of {args.repeat} runs each)")
        query_latency(args.queries_only, args.repeat, org=args.org, whole=not args.params_only,
                      summary=args.summary)
        return 0
    jobs = [int(j) for j in args.jobs.split(",")]
    root = args.workdir or Path(tempfile.mkdtemp(prefix="kg-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    print(f"partyrel scale benchmark; {os.cpu_count()} cores; work folder {root}")
    for size in args.sizes:
        print(f"\n== {size:,} readouts")
        folder = ensure_corpus(root, size)
        words = sum(len(p.read_text(encoding='utf-8').split()) for p in sorted(folder.rglob("*.txt"))[:2000])
        print(f"  corpus: {folder} ({mib(folder_size(folder))}, "
              f"{words / min(size, 2000):.0f} words per readout)")
        print("extraction throughput")
        extraction_throughput(folder, args.extract_sample)
        # the builds read a copy (modification times kept), changed in place later,
        # as a user's own folder would be
        work = root / f"corpus-{size}-work"
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(folder, work)
        print("end-to-end build (kg build: store + graph.ttl + map.html)")
        builds: dict[int, dict[str, object]] = {}
        for j in jobs:
            out = root / f"out-{size}-j{j}"
            shutil.rmtree(out, ignore_errors=True)
            builds[j] = build_once(work, out, j)
            describe_build(f"-j {j}", builds[j])
        if len(jobs) > 1:
            base = float(builds[jobs[0]]["wall"])  # type: ignore[arg-type]
            for j in jobs[1:]:
                print(f"  -j {j} vs -j {jobs[0]}: {base / float(builds[j]['wall']):.2f}x "  # type: ignore[arg-type]
                      f"(end to end), {float(builds[jobs[0]]['seconds']['read']) / float(builds[j]['seconds']['read']):.2f}x "  # type: ignore[index]
                      "(read + extract + store phase)")
        best = min(jobs, key=lambda j: float(builds[j]["wall"]))  # type: ignore[arg-type]
        full = builds[best]
        out = root / f"out-{size}-j{best}"
        store = folder_size(out / "store") + folder_size(out / "store-meta")
        print(f"store on disk   {mib(store)} ({store / size / 1024:.1f} KiB per readout); "
              f"graph.ttl {mib((out / 'graph.ttl').stat().st_size)}; "
              f"{full['triples']:,} triples; engagement summary "
              f"{mib(sum(p.stat().st_size for p in out.glob('.summary.sqlite*')))}")
        phases = full["seconds"]
        assert isinstance(phases, dict)
        store_only = float(full["wall"]) - phases.get("graph", 0) - phases.get("map", 0)  # type: ignore[arg-type]
        for what, outputs, reference in (
                ("store + graph.ttl + map.html", True, float(full["wall"])),  # type: ignore[arg-type]
                ("store only: --no-graph --no-map", False, store_only)):
            print(f"incremental rebuild, {what} (1% of the readouts changed in place)")
            changed = generate.mutate(work, 0.01, seed=len(what))
            incremental = build_once(work, out, best, outputs=outputs)
            describe_build(f"-j {best}", incremental)
            print(f"  {len(changed):,} changed: {float(incremental['wall']):.1f} s = "  # type: ignore[arg-type]
                  f"{float(incremental['wall']) / reference * 100:.1f} % of the full build's "  # type: ignore[arg-type]
                  f"{reference:.1f} s{'' if outputs else ' (its wall time less graph and map)'} "
                  "(target < 5 %)")
        shutil.rmtree(work, ignore_errors=True)
        if args.queries:
            print(f"named queries (median of {args.repeat} runs each)")
            query_latency(out, args.repeat, org=args.org, whole=not args.params_only,
                          summary=args.summary)
        print("map and analysis")
        map_time(out)
        analyze_time(out)
        if not args.keep:
            for j in jobs:
                shutil.rmtree(root / f"out-{size}-j{j}", ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
