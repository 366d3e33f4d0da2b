"""Build: readout files -> extracted facts -> the store, ``graph.ttl`` and ``map.html``.

One bad readout never stops a batch: its :class:`~kg.ingest.Failure` is
collected and the rest are built. Unchanged readouts (same content hash,
same extractor and vocabularies) are skipped.

Faults and repeated runs:

* Each readout's facts replace its named graph in one store transaction
  (:meth:`~kg.store.GraphStore.replace_graphs`, a batch of readouts at a
  time), so a build killed at any
  moment (``kill -9`` included) leaves every readout fully in or fully out;
  a readout whose content hash was not yet recorded is built again by the
  next run, which completes the job. Labels (of the entities that changed
  readouts name; of all, on a first build or after a killed one) and topics
  are derived again at the end of every build.
* ``graph.ttl`` and ``map.html`` are written to a temporary file in the same
  folder, flushed, then renamed over the old file: a reader sees the old
  file or the new one, never a part. ``graph.ttl`` is written from parts kept
  in ``OUT/.graph-parts.sqlite`` (:mod:`kg.graphfile`): a rebuild makes the
  parts of the readouts that changed and of the entities they name, and
  copies the rest.
* ``OUT/.summary.sqlite`` (:mod:`kg.summary`) keeps every engagement's date,
  types, sides and topics, written with each batch of readouts, and the
  aggregates the summarized named queries answer from, brought up to date
  at the end of a build that changed them (by the rows it wrote and
  removed). It is sealed with the store's content stamp once
  the store is closed; a summary that does not match the store (a build
  killed half-way, a write by another program) is not used, and the next
  build reads the readouts it misses from the store.
* The store's writer lock admits one build at a time: a second ``kg build``
  on the same ``-o`` waits ``wait`` seconds (default: none) and then refuses
  with a :class:`~kg.errors.StoreError` naming the process that holds it.
* Building the same inputs again gives the same graph; a changed readout's
  old facts are replaced, not kept beside the new ones; with ``prune`` the
  facts of readouts whose files are no longer among the inputs are removed.

Scale: files are streamed in batches of ``batch_size`` readouts (one
``nlp.pipe`` call each; the store is written :data:`STORE_BATCH` readouts at
a time, or ``batch_size`` if larger, or fewer when their text comes to
:data:`STORE_BATCH_CHARS`, in a thread beside the one collecting results), extracted in this process, in
``jobs`` worker processes or on a Dask cluster (``dask``; see
:mod:`kg.parallel` and :mod:`kg.distributed`), and written as they come back,
in input order; memory does not grow with the number of readouts (only
their ids and content hashes are kept). ``on_progress`` receives a
:class:`BuildProgress` after every batch and at each later phase.

Example:
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> src = out / "in"; src.mkdir(); _ = (src / "a.txt").write_text(
    ...     "Talks\\n ( 2024.03.12 )\\n\\nKunming, March 11th--Tang Wenbo, Vice-minister of the IDCPC, "
    ...     "held talks here today with Ana Lima, President of the Workers' Party of Brazil.")
    >>> report = build([src], out / "kg", write_map=False)
    >>> report.readouts, report.engagements, report.failures
    (1, 1, [])
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Generator, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from rdflib import Graph

from kg.errors import StoreError
from kg.extract import extract_doc
from kg.graphfile import (
    GraphPart,
    PartsRecorder,
    engagement_data,
    parts_reusable,
    update_parts,
    write_graph_file,
)
from kg.ingest import DEFAULT_MAX_BYTES, MAX_CHARS, Failure, Stream, format_of, iter_paths
from kg.lexicon import Lexicon, load_lexicon
from kg.namespaces import ID
from kg.nlp import make_nlp
from kg.records import Readout, ReadoutFacts
from kg.resources import ontology_dir
from kg.store import GRAPH_BASE, GraphData, GraphStore
from kg.summary import SUMMARY_FILE, Summary
from kg.triples import counted_label_triples, graph_iri, readout_triples

if TYPE_CHECKING:
    from spacy.language import Language

    from kg.analysis import EngagementData
    from kg.parallel import Extracted

EXTRACTOR_VERSION = "0.1.0"
LABELS_GRAPH = str(ID["graph/_labels"])
TOPICS_GRAPH = str(ID["graph/_topics"])


@dataclass
class BuildReport:
    """What a build did: counts, warnings and failures, per input.

    ``removed`` counts the readouts pruned; ``seconds`` times the phases
    (``read``: reading, extracting and storing; ``labels``; ``graph``;
    ``map``; ``total``).
    """

    readouts: int = 0
    built: int = 0
    skipped: int = 0
    engagements: int = 0
    people: int = 0
    organizations: int = 0
    triples: int = 0
    warnings: list[tuple[str, str]] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    graph_path: Path | None = None
    map_path: Path | None = None
    removed: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures


@dataclass(frozen=True, slots=True)
class BuildProgress:
    """Where a build stands, for a progress display.

    ``phase`` is ``"read"`` while readouts are read, extracted and stored
    (``done`` of ``total`` inputs: files, and the records of a ``.jsonl``
    file once it is opened, which adds them to ``total``), then ``"labels"``, ``"graph"`` (writing
    ``graph.ttl``), ``"map"`` and ``"done"``. ``elapsed`` is in seconds since
    the build started.
    """

    phase: str
    done: int
    total: int
    built: int
    skipped: int
    failed: int
    elapsed: float

    @property
    def rate(self) -> float:
        """Files per second so far (0 before the first)."""
        return self.done / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds until every file is read at the rate so far (None when unknown).

        Example:
            >>> BuildProgress("read", 50, 200, 50, 0, 0, 10.0).eta
            30.0
        """
        if self.phase != "read" or self.done == 0 or self.elapsed <= 0:
            return None
        return (self.total - self.done) / self.rate


@lru_cache(maxsize=1)
def extractor_fingerprint() -> str:
    """Hash of the extractor version and every vocabulary file: a change to
    either makes every readout count as changed."""
    h = hashlib.sha256(EXTRACTOR_VERSION.encode())
    root = ontology_dir()
    for path in sorted([*root.glob("*.ttl"), *(root / "vocab").glob("*.tsv")]):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def content_hash(text: str) -> str:
    return hashlib.sha256((extractor_fingerprint() + "\0" + text).encode()).hexdigest()


def build(
    paths: Iterable[Path | Stream],
    out: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_chars: int = MAX_CHARS,
    write_map: bool = True,
    progress: Callable[[int, str], None] | None = None,
    wait: float = 0.0,
    jobs: int = 1,
    batch_size: int = 64,
    prune: bool = False,
    dask: Any = None,
    write_graph: bool = True,
    on_progress: Callable[[BuildProgress], None] | None = None,
    reread: bool = False,
) -> BuildReport:
    """Build readouts from files and folders into the store under ``out``.

    ``paths`` are files (``.txt``, saved pages ``.html``/``.htm``, JSON Lines
    ``.jsonl`` of one readout per line), folders of them, and
    :class:`~kg.ingest.Stream` (a readout given as bytes: ``kg build -``).

    Writes ``out/graph.ttl`` (unless ``write_graph`` is false) and
    ``out/map.html`` (unless ``write_map`` is false); returns a
    :class:`BuildReport`. Bad inputs are listed in its ``failures`` (see
    :func:`kg.ingest.load_file`), the rest are built. Raises
    :class:`~kg.errors.StoreError` when the store cannot be opened, is being
    written by another build (after ``wait`` seconds), or cannot be written.

    Scale options: ``jobs`` worker processes extract (1: this process);
    ``dask``, the address of a Dask scheduler (``tcp://host:8786``) or a
    ``distributed.Client``, extracts on that cluster instead; ``batch_size``
    readouts go through ``nlp.pipe`` and into the store at a time; ``prune``
    removes the facts of readouts that no input gives any more (a file gone,
    a record gone from a ``.jsonl`` file; refused, with a warning, when an
    input folder could not be read; an input that fails keeps the readouts
    it gave before); ``progress`` is
    called with (number, file) per readout, ``on_progress`` with a
    :class:`BuildProgress` per batch. A file whose size and modification time
    are those recorded when it was last read (and the extractor is the same)
    is skipped without being read, and its warnings are not repeated;
    ``reread`` reads every file again (and skips those whose text is unchanged).

    Like any use of worker processes, a script calling ``build(jobs=2)`` needs
    the ``if __name__ == "__main__":`` guard.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    from kg.parallel import (
        LOCAL_READOUTS,
        ExtractOptions,
        local_results,
        plan_tasks,
        pool_results,
        start_worker_server,
        work_batches,
    )

    started = time.perf_counter()
    report = BuildReport()
    deferred_map: str | None = None  # the state of the store whose map is drawn after closing it
    made: dict[str, dict[str, Any]] = {}
    with _BuildSummary(out, report) as summary, GraphStore.open(out, wait=wait) as store:
        known = store.content_hashes()
        stats = {} if reread else store.source_stats()
        fingerprint = extractor_fingerprint()
        inputs = list(iter_paths(paths))
        readable = [item for item in inputs if not isinstance(item, Failure)]
        files = [item for item in readable if isinstance(item, Path)]
        unlisted = [item for item in inputs if isinstance(item, Failure)]
        if jobs > 1 and dask is None and len(readable) - sum(not _internal(g) for g in known) > LOCAL_READOUTS:
            # more inputs than readouts stored: workers will be needed, and their server
            # loads spaCy and partyrel while the inputs are checked (a rebuild starts it
            # only once it has more readouts to read than it reads itself: pool_results)
            start_worker_server()
        report.failures += unlisted
        tell = _Teller(on_progress, len(readable), started, report)

        def opened(records: int) -> None:  # a .jsonl file holds this many readouts
            tell.total += records - 1

        tasks = plan_tasks(readable, known=known, stats=stats, fingerprint=fingerprint,
                           max_bytes=max_bytes, on_records=opened)
        # labels are derived again for the entities the changed readouts name, or
        # for every entity on a first build (or when too many changed)
        touched = _Touched(enabled=LABELS_GRAPH in known)
        if touched.entities is not None:
            # until this build has refreshed the labels, they are stale: a build
            # killed before that makes the next one derive all of them again
            store.set_content_hash(LABELS_GRAPH, None)
        # into a store holding no readout graph, every form the labels are chosen from
        # passes through this build: counted as it passes, not in the store afterwards
        forms: dict[str, dict[str, int]] | None = None
        if touched.entities is None and all(_internal(graph) for graph in store.graph_iris()):
            forms = {}
        batches = work_batches(tasks, batch_size)
        # the workers make each graph's part of graph.ttl from the triples they render,
        # recorded as the graphs are stored: graph.ttl then only makes the entities' parts
        options = ExtractOptions(max_bytes, max_chars, batch_size, parts=write_graph)
        with ExitStack() as stack:
            recorder = (stack.enter_context(PartsRecorder(out / GRAPH_PARTS, fingerprint))
                        if write_graph else None)
            results: Generator[list[Extracted], None, None]
            if dask is not None:
                from kg.distributed import connect, dask_results

                client = stack.enter_context(connect(dask))
                results = dask_results(batches, options, client)
            elif jobs > 1:
                results = pool_results(batches, options, jobs)
            else:
                results = local_results(batches, options)
            stack.callback(results.close)  # stops the workers on an error or Ctrl-C
            given = _store_results(store, results, report, progress, tell, batch_size, touched,
                                   summary.summary, store.source_stats() if reread else stats, forms,
                                   recorder)
            if recorder is not None and recorder.error is not None:
                report.warnings.append((str(out / GRAPH_PARTS), recorder.error))
        report.seconds["read"] = time.perf_counter() - started
        if prune:
            if unlisted:
                report.warnings.append((str(out), ("not pruned: some inputs could not be read "
                                         "(see the errors); fix them and build again with --prune")))
            else:
                present = given | _kept(store, files, report.failures)
                gone = [iri for iri in store.content_hashes()
                        if iri not in present and not _internal(iri)]
                touched.before_replacing(store, gone)
                report.removed = store.remove_graphs(gone)
        tell("labels")
        mark = time.perf_counter()
        indexed = summary.index_beside()  # the summary's indexes, made beside the labels
        try:
            if touched.entities is None:
                refresh_labels(store, forms=forms)
            else:
                refresh_labels(store, touched.entities)
        finally:
            indexed()
        forms = None  # about 100 MB at 100,000 readouts: not held through graph.ttl and the map
        _count(store, report)
        report.seconds["labels"] = time.perf_counter() - mark
        mark = time.perf_counter()
        summary.update(store, touched.entities)
        report.seconds["summary"] = time.perf_counter() - mark
        state = _outputs_key(store) if (write_graph or write_map) else ""
        made = _read_outputs(out)
        map_path = out / "map.html"
        map_due = write_map and (made.get("map.html", {}).get("state") != state or not map_path.is_file())
        graph_due = write_graph and (made.get("graph.ttl", {}).get("state") != state
                                     or not (out / "graph.ttl").is_file())
        beside = None
        parts_fresh = False
        if (map_due and graph_due and jobs > 1 and report.built > BESIDE_SHARE * report.readouts
                and MAP_BESIDE_ENGAGEMENTS <= report.engagements < MAP_BESIDE_MAX_ENGAGEMENTS):
            # Both outputs only read the store: with more than one process allowed,
            # the map is drawn in another process while this one writes graph.ttl.
            beside = _MapBeside(store, map_path)
            beside.start()
        if write_graph:
            tell("graph")
            mark = time.perf_counter()
            report.graph_path = out / "graph.ttl"
            same = made.get("graph.ttl", {})
            if same.get("state") == state and report.graph_path.is_file():
                report.triples = int(same.get("triples", 0))  # nothing changed since it was written
            else:
                try:
                    # with a core to spare (no map drawn beside), a second process makes
                    # the subjects' parts when all are made anew
                    report.triples = write_graph_file(store, report.graph_path, parts=out / GRAPH_PARTS,
                                                      version=extractor_fingerprint(), state=state,
                                                      helper=jobs > 1 and beside is None).triples
                    parts_fresh = True
                except BaseException:
                    if beside is not None:
                        beside.stop()
                    raise
                made["graph.ttl"] = {"state": state, "triples": report.triples}
                _write_outputs(out, made)
            report.seconds["graph"] = time.perf_counter() - mark
        if write_map:
            from kg.mapviz import render_map

            tell("map")
            mark = time.perf_counter()
            report.map_path = map_path
            if beside is not None:
                beside.wait()  # drawn beside graph.ttl: the phase is the time left waiting for it
            elif map_due and parts_fresh:
                # the parts graph.ttl was just written from hold what the map reads, and are
                # faster to read than the store (10k readouts: 2.4 s against 6.3 s; 100k: 55 s
                # against 100-120 s), read once the store is closed; they are read as they are
                # asked for (the map of 100k readouts peaks at 1.0 GiB that way, 1.8 GiB from
                # the store)
                deferred_map = state
            elif map_due:
                render_map(store, report.map_path)
            if map_due and deferred_map is None:
                made["map.html"] = {"state": state}
                _write_outputs(out, made)
            report.seconds["map"] = time.perf_counter() - mark
    if deferred_map is not None:
        from kg.mapviz import render_map

        mark = time.perf_counter()
        try:
            data = engagement_data(out / GRAPH_PARTS, state=deferred_map)
        except StoreError:  # the parts file went away or was changed meanwhile: read the store
            with GraphStore.open(out, read_only=True, wait=wait) as store:
                data = built_engagement_data(store)
        render_map(data, out / "map.html")
        made["map.html"] = {"state": deferred_map}
        _write_outputs(out, made)
        report.seconds["map"] += time.perf_counter() - mark
    report.seconds["total"] = time.perf_counter() - started
    tell("done")
    return report


_OUTPUTS = ".outputs.json"
#: Readouts written to the store at a time, at most (one
#: :meth:`GraphStore.replace_graphs`, one summary update, by the bulk loader:
#: :data:`kg.store.BULK_BYTES`). Each bulk load adds sorted files that RocksDB
#: merges with those it holds, in threads that take CPU from the workers, and
#: the fewer the loads, the less merging: measured at 100,000 readouts (``-j 2``,
#: store only), 512 at a time gave the merging threads about 190 s of CPU and the
#: build 360 s; 4,096 at a time, about 60 s and 316 s. A build killed half-way
#: extracts at most this many readouts again.
STORE_BATCH = 4096
#: ... or fewer, once their N-Triples come to this many characters (about 4,000
#: readouts of the benchmark corpus, 12,000 characters each): the batch being
#: collected and the one being written are in memory together.
STORE_BATCH_CHARS = 48_000_000
#: The parts graph.ttl is written from, kept for the next build (:mod:`kg.graphfile`).
GRAPH_PARTS = ".graph-parts.sqlite"

#: With ``jobs`` > 1, the map is drawn beside graph.ttl (in a worker process) from
#: this many engagements in the store: below it, drawing it beside gains less than
#: the noise. Measured with the worker forked from the workers' server (graph.ttl
#: and map phases, three builds each in turns): 0.92-0.97 s one after the other,
#: 0.80-0.87 s side by side at 1,300 engagements; 2.23-2.44 s and 1.80-2.20 s at
#: 3,900. Spawned, the worker took about 2 s to load partyrel (at 13,000
#: engagements, side by side: 7.0-7.4 s spawned, 5.5-6.2 s forked), and the
#: threshold was 5,000.
MAP_BESIDE_ENGAGEMENTS = 1_000
#: ... and up to this many: the map's process reads the whole store (1.6 GiB at
#: 130,000 engagements), so beside the build process (0.6 GiB) a build of 100,000
#: readouts would need 2.2 GiB; above it, the map is drawn after graph.ttl, from
#: its parts, once the store is closed (1.0 GiB).
MAP_BESIDE_MAX_ENGAGEMENTS = 100_000
#: ... and only when more than this share of the readouts was built: otherwise
#: graph.ttl is written in a few seconds from the parts it keeps, and the map
#: drawn after it reads those parts instead of the store (faster than a worker).
BESIDE_SHARE = 0.05


def _draw_map(out: str, path: str) -> None:
    """Draw ``map.html`` from the store at ``out``, opened read-only (run in a worker process)."""
    from kg.mapviz import render_map

    with GraphStore.open(out, read_only=True) as store:
        render_map(store, path)


class _MapBeside:
    """Draws the map in one helper process (:class:`kg.parallel.HelperProcess`:
    forked from the workers' server, reading a snapshot of the store, which
    the parent may write meanwhile)."""

    def __init__(self, store: GraphStore, path: Path) -> None:
        self._store, self._path = store, path
        self._helper: Any = None

    def start(self) -> None:
        from kg.parallel import HelperProcess

        self._helper = HelperProcess(self._store, _draw_map, str(self._path))

    def wait(self) -> None:
        """Wait for the map; its error (a PartyrelError, or the process's death) is raised here."""
        from concurrent.futures.process import BrokenProcessPool

        from kg.errors import PartyrelError

        try:
            self._helper.result()
        except BrokenProcessPool as err:
            raise PartyrelError(f"the process drawing {self._path} died ({err}); build again "
                                "(the store is complete: only the map is missing), or use -j 1") from err
        finally:
            self._helper.close()

    def stop(self) -> None:
        """Stop drawing (graph.ttl failed: the build stops with that error)."""
        self._helper.close(terminate=True)


def built_engagement_data(store: GraphStore) -> EngagementData:
    """What :func:`kg.analysis.load` reads of a built store: from the parts its
    last build kept for ``graph.ttl`` when they describe the store as it is
    (2-3x faster: 2.4 s instead of 6.3 s at 10,000 readouts); when the store
    changed since (a build with ``--no-graph``), the parts are brought up to
    date first, making only what changed (:func:`kg.graphfile.update_parts`;
    100,000 readouts, 1% changed: 11 s, then 14 s to read them, against about
    60 s and 1.7 GiB reading the store); else (no parts of this partyrel, or
    a folder that cannot be written) from the store.

    Example:
        >>> from kg.store import GraphStore
        >>> with GraphStore.memory() as store:
        ...     built_engagement_data(store).engagements
        ()
    """
    from kg.analysis import load

    if store.location is not None and (store.location / GRAPH_PARTS).is_file():
        parts, state = store.location / GRAPH_PARTS, _outputs_key(store)
        try:
            return engagement_data(parts, state=state)
        except StoreError:
            pass  # written for another state, by an older partyrel, or unreadable
        version = extractor_fingerprint()
        if parts_reusable(parts, version):
            try:
                update_parts(store, parts, version=version, state=state)
                return engagement_data(parts, state=state)
            except StoreError:
                pass  # a folder that cannot be written, a parts file another program holds
    return load(store)


def _outputs_key(store: GraphStore) -> str:
    """What the store holds, as far as graph.ttl and map.html show it: the
    extractor and every graph's content hash (a rebuild that changed nothing
    leaves it equal, so those files need not be written again)."""
    h = hashlib.sha256(extractor_fingerprint().encode())
    for iri, digest in sorted(store.content_hashes().items()):
        h.update(f"{iri}\0{digest}\n".encode())
    return h.hexdigest()


def _read_outputs(out: Path) -> dict[str, dict[str, Any]]:
    """The record of which store state graph.ttl and map.html were written from
    (empty when missing or unreadable: they are then written again)."""
    try:
        data = json.loads((out / _OUTPUTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_outputs(out: Path, made: dict[str, dict[str, Any]]) -> None:
    tmp = out / (_OUTPUTS + ".tmp")
    try:
        tmp.write_text(json.dumps(made, sort_keys=True), encoding="utf-8")
        os.replace(tmp, out / _OUTPUTS)
    except OSError:
        tmp.unlink(missing_ok=True)  # only an optimisation: the next build writes the files again


class _BuildSummary:
    """The build's side of the engagement summary (:mod:`kg.summary`): open
    beside the store, updated with it, and sealed with the store's content
    stamp once the store is closed (closing changes it). The summary only
    speeds queries up: one that cannot be opened or written is left behind
    with a warning, and the queries run as SPARQL."""

    def __init__(self, out: Path, report: BuildReport) -> None:
        self._out = out
        self._report = report
        self.summary: Summary | None = None
        self._updated = False
        self._untouched = False

    def __enter__(self) -> Self:
        try:
            self.summary = Summary.open(self._out)
            # sealed with the store as it is: nobody wrote since the last build, so only
            # the labels this build derives again need copying
            sealed = self.summary.sealed_with()
            self._untouched = sealed is not None and sealed == GraphStore.stamp_of(self._out)
        except StoreError as err:
            self._give_up(err)
        return self

    def _give_up(self, err: StoreError) -> None:
        self._report.warnings.append((str(self._out / SUMMARY_FILE),
                                      f"{err} (queries run without it, slower)"))
        if self.summary is not None:
            self.summary.close()
        self.summary = None

    def index_beside(self) -> Callable[[], None]:
        """Start making the summary's row indexes (:meth:`Summary.index`) in a
        thread; return the function that waits for it (its error is then the
        summary's warning)."""
        if self.summary is None:
            return lambda: None
        errors: list[StoreError] = []
        summary = self.summary

        def make() -> None:
            try:
                summary.index()
            except StoreError as err:
                errors.append(err)

        thread = threading.Thread(target=make, name="summary-indexes", daemon=True)
        thread.start()

        def wait() -> None:
            thread.join()
            if errors:
                self._give_up(errors[0])

        return wait

    def update(self, store: GraphStore, relabelled: Iterable[str] | None) -> None:
        """Match the summary to the store and derive its aggregates again;
        ``relabelled``: the entities whose labels the build derived again
        (None: all of them)."""
        if self.summary is None:
            return
        try:
            self.summary.sync(store, relabelled=relabelled if self._untouched else None)
            self.summary.finish()
            self._updated = True
        except StoreError as err:
            self._give_up(err)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.summary is None:
            return
        try:
            if exc_type is None and self._updated:
                with GraphStore.open(self._out, read_only=True) as store:
                    self.summary.seal(store.content_stamp())
        except StoreError as err:
            self._give_up(err)
        finally:
            if self.summary is not None:
                self.summary.close()


class _Teller:
    """Sends :class:`BuildProgress` to the caller's callback (if any)."""

    def __init__(self, callback: Callable[[BuildProgress], None] | None, total: int,
                 started: float, report: BuildReport) -> None:
        self.callback, self.total, self.started, self.report = callback, total, started, report
        self.done = 0

    def __call__(self, phase: str) -> None:
        if self.callback is not None:
            r = self.report
            self.callback(BuildProgress(phase, self.done, self.total, r.built, r.skipped,
                                        len(r.failures), time.perf_counter() - self.started))


class _Touched:
    """The entities whose ``rdfs:label`` a rebuild may change: those with an
    ``skos:altLabel`` in a readout graph before or after it is replaced or
    removed. ``entities`` is None when every label must be derived again (a
    first build, or more than :attr:`LIMIT` entities touched)."""

    LIMIT = 20_000

    def __init__(self, *, enabled: bool) -> None:
        self.entities: set[str] | None = set() if enabled else None

    def add(self, iris: Iterable[str]) -> None:
        if self.entities is not None:
            self.entities.update(iris)
            if len(self.entities) > self.LIMIT:
                self.entities = None

    def before_replacing(self, store: GraphStore, graphs: list[str]) -> None:
        """Note the entities the graphs name now (they are about to change)."""
        if self.entities is None or not graphs:
            return
        for start in range(0, len(graphs), 500):
            values = " ".join(f"<{iri}>" for iri in graphs[start:start + 500])
            _, rows = store.iter_values(
                f"SELECT DISTINCT ?e WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ "
                f"?e <http://www.w3.org/2004/02/skos/core#altLabel> ?form }} }}")
            self.add(str(row[0]) for row in rows)


def _internal(graph: str) -> bool:
    """The labels, topics and other bookkeeping graphs (``graph/_...``)."""
    return graph.startswith(GRAPH_BASE + "_") or not graph.startswith(GRAPH_BASE)


def _kept(store: GraphStore, files: list[Path], failures: list[Failure]) -> set[str]:
    """The readout graphs ``--prune`` keeps for inputs that failed: that of a
    file of one readout (its stem), and those a ``.jsonl`` file with a bad line
    (or that cannot be read) gave before."""
    from kg.parallel import source_path

    kept = {graph_iri(path.stem) for path in files if format_of(path) != "jsonl"}
    failed = {f.source for f in failures}
    partial = {str(path) for path in files if format_of(path) == "jsonl"
               and (str(path) in failed or any(s.startswith(f"{path}:") for s in failed))}
    if partial:
        kept.update(giri for giri, key in store.source_stats().items()
                    if source_path(key)[0] in partial)
    return kept


def _duplicate_hint(first: str, second: str) -> str:
    """How to resolve two inputs giving the same readout id."""
    if all(Path(name).suffix.lower() in (".txt", ".html", ".htm") for name in (first, second)):
        return "rename one of the files"
    return "rename the file, or give the record another \"id\"; for standard input, use --id"


def _store_results(store: GraphStore, results: Iterable[list[Extracted]], report: BuildReport,
                   progress: Callable[[int, str], None] | None, tell: _Teller,
                   batch_size: int, touched: _Touched, summary: Summary | None = None,
                   recorded: Mapping[str, str] | None = None,
                   forms: dict[str, dict[str, int]] | None = None,
                   recorder: PartsRecorder | None = None) -> set[str]:
    """Write extracted readouts to the store (and their rows to the summary) in
    batches, in input order; count them and collect warnings and failures (a
    second input giving the same readout id is refused). Return the graphs of
    the readouts given.

    A batch is written by a :class:`_Writer` thread while the next one is
    collected, so the workers' results keep being taken in during a write.
    A file read again and found unchanged gets its new stat key recorded
    (``recorded``: the keys the store holds), so that the next build skips it
    unread. ``forms`` counts the labels of the readouts written (entity IRI
    -> form -> readouts); ``recorder`` records the parts of graph.ttl the
    workers made."""
    seen: dict[str, str] = {}  # graph IRI -> the file that gave it
    pending: list[GraphData] = []
    labelled: list[tuple[str, ...]] = []
    parts: list[tuple[str, str, GraphPart]] = []
    restat: dict[str, str] = {}  # graph IRI -> the stat key of a file found unchanged by its text
    recorded = recorded or {}
    chars = 0
    limit = max(batch_size, STORE_BATCH)
    with _Writer(store, touched, summary, recorder) as writer:
        for batch in results:
            for item in batch:
                tell.done += 1
                if item.failure is not None:
                    report.failures.append(item.failure)
                    continue
                if item.graph in seen:
                    report.failures.append(Failure(
                        item.path, f"same readout id {item.readout_id!r} as {seen[item.graph]} (both "
                                   f"would be stored as {item.graph})",
                        _duplicate_hint(seen[item.graph], item.path)))
                    continue
                seen[item.graph] = item.path
                if progress is not None:
                    progress(tell.done, item.path)
                report.warnings += [(item.path, w) for w in item.warnings]
                report.readouts += 1
                if item.ntriples is None:
                    report.skipped += 1
                    if item.source and recorded.get(item.graph) != item.source:
                        restat[item.graph] = item.source
                    continue
                report.built += 1
                labelled.append(item.labelled)
                if forms is not None:
                    for entity, form in item.forms:
                        counts = forms.get(entity)
                        if counts is None:
                            counts = forms[entity] = {}
                        counts[form] = counts.get(form, 0) + 1
                pending.append(GraphData(item.graph, item.ntriples, item.digest, item.source))
                if recorder is not None and item.part is not None:
                    parts.append((item.graph, item.digest, item.part))
                chars += len(item.ntriples)
                if len(pending) >= limit or chars >= STORE_BATCH_CHARS or len(restat) >= limit:
                    writer.write(pending, labelled, restat, parts)
                    pending, labelled, restat, parts, chars = [], [], {}, [], 0
            tell("read")
        writer.write(pending, labelled, restat, parts)
    return set(seen)


class _Writer:
    """Writes batches of readout graphs to the store and the summary in a
    thread of its own, one batch at a time: :meth:`write` waits for the
    previous batch, re-raises its error if it failed, and starts the next.
    Leaving the ``with`` block waits for the last batch (and re-raises its
    error, unless another is on its way out). Batches are written in the order
    given, each as :meth:`~kg.store.GraphStore.replace_graphs` writes it, so a
    build killed at any moment leaves the store as the same build written
    without the thread would. A batch's summary rows are recorded in a second
    thread while the store loads it (the bulk load runs without Python's
    lock): a summary ahead of or behind the store is made to match it by
    :meth:`~kg.summary.Summary.sync` (content hashes), as after a kill.

    Example:
        >>> from kg.store import GRAPH_BASE
        >>> with GraphStore.memory() as store:
        ...     with _Writer(store, _Touched(enabled=False), None) as w:
        ...         w.write([GraphData(GRAPH_BASE + "r1", "<urn:a> <urn:b> <urn:c> .", "h1")], [()])
        ...     store.content_hashes()
        {'https://w3id.org/partyrel/id/graph/r1': 'h1'}
    """

    def __init__(self, store: GraphStore, touched: _Touched, summary: Summary | None,
                 recorder: PartsRecorder | None = None) -> None:
        self._store, self._touched, self._summary, self._recorder = store, touched, summary, recorder
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="partyrel-writer")
        self._beside = ThreadPoolExecutor(max_workers=1, thread_name_prefix="partyrel-summary")
        self._running: Future[None] | None = None

    def write(self, graphs: list[GraphData], labelled: list[tuple[str, ...]],
              restat: Mapping[str, str] | None = None,
              parts: list[tuple[str, str, GraphPart]] | None = None) -> None:
        """Wait for the batch being written, then start writing ``graphs``
        (``labelled``: the entities with forms each names, as in
        :class:`~kg.parallel.Extracted`), the new stat keys ``restat``
        (:meth:`~kg.store.GraphStore.set_source_stats`) and, once the graphs
        are stored, their parts of graph.ttl (:class:`~kg.graphfile.PartsRecorder`)."""
        self.wait()
        if graphs or restat:
            self._running = self._pool.submit(self._write, graphs, labelled, restat or {}, parts or [])

    def _write(self, graphs: list[GraphData], labelled: list[tuple[str, ...]],
               restat: Mapping[str, str], parts: list[tuple[str, str, GraphPart]]) -> None:
        self._store.set_source_stats(restat)
        if not graphs:
            return
        for entities in labelled:
            self._touched.add(entities)
        self._touched.before_replacing(self._store, [g.iri for g in graphs])
        recording = self._beside.submit(self._summary.record, graphs) if self._summary is not None else None
        try:
            self._store.replace_graphs(graphs)
        finally:
            if recording is not None:
                wait([recording])  # never left writing once this batch is over
        if recording is not None:
            recording.result()
        if self._recorder is not None:
            self._recorder.add(parts)

    def wait(self) -> None:
        """Wait for the batch being written; re-raise its error."""
        running, self._running = self._running, None
        if running is not None:
            running.result()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if exc is None:
                self.wait()
            elif self._running is not None:
                # the build stops: the batch being written is finished (the store
                # is closed after this), its own error dropped for the one raised
                wait([self._running])
        finally:
            self._pool.shutdown(wait=True)
            self._beside.shutdown(wait=True)


def add_readout(store: GraphStore, readout: Readout, digest: str = "", *,
                nlp: Language | None = None, lexicon: Lexicon | None = None) -> ReadoutFacts:
    """Extract one readout and replace its named graph in ``store`` (one
    transaction) with the facts' triples; record ``digest`` as its content hash.

    Call :func:`refresh_labels` after the last one so every entity gets its
    ``rdfs:label``.

    Example:
        >>> from kg.ingest import parse_readout
        >>> r = parse_readout("r1", "Talks\\n ( 2024.03.12 )\\n\\nKunming, March 11th--Tang Wenbo, "
        ...     "Vice-minister of the IDCPC, "
        ...     "held talks here today with Ana Lima, President of the Workers' Party of Brazil.")
        >>> with GraphStore.memory() as store:
        ...     facts = add_readout(store, r)
        ...     refresh_labels(store)
        ...     [e.type for e in facts.engagements], store.graph_iris()[-1].rsplit("/", 1)[1]
        (['Talks'], 'r1')
    """
    nlp = nlp if nlp is not None else make_nlp()
    lexicon = lexicon if lexicon is not None else load_lexicon()
    facts = extract_doc(readout, nlp(readout.text), lexicon)
    store.replace_graph(graph_iri(readout.id), readout_triples(facts), digest)
    return facts


def refresh_labels(store: GraphStore, entities: Iterable[str] | None = None, *,
                   forms: Mapping[str, Mapping[str, int]] | None = None) -> None:
    """Derive the one rdfs:label of every entity from the forms seen in all
    readouts, and (re)load the topic scheme (one transaction).

    With ``entities`` (IRIs), derive only theirs (a rebuild that changed a few
    readouts): an entity no readout names any more loses its label. Without
    them, ``forms`` may give, for each entity IRI, the number of readout
    graphs stating each of its ``skos:altLabel`` forms (a build into an
    empty store counts them as the readouts pass): they are then not counted
    in the store. Labels
    are written 1,000 entities per transaction (memory stays flat however
    many there are); until the last is written the labels graph has no
    content hash, so a build killed meanwhile makes the next one derive them
    all again.
    """
    lexicon = load_lexicon()
    fixed = {str(ID[f"country/{c.slug}"]): c.name for c in lexicon.countries.values()}
    fixed.update({str(ID[f"org/{o.slug}"]): o.name for o in lexicon.orgs.values()})
    topic = str(ID["topic/"])
    alt_label = "<http://www.w3.org/2004/02/skos/core#altLabel>"
    counted_forms = forms if entities is None else None
    if counted_forms is not None:
        chosen = sorted(iri for iri in counted_forms if not iri.startswith("_:"))
        store.remove_graphs([LABELS_GRAPH])  # and its content hash
    elif entities is None:
        rows = store.iter_values(f"SELECT DISTINCT ?e WHERE {{ GRAPH ?g {{ ?e {alt_label} ?form }} }}")[1]
        chosen = sorted({row[0] for row in rows if row[0] and not row[0].startswith("_:")})
        store.remove_graphs([LABELS_GRAPH])  # and its content hash
    else:
        chosen = sorted(set(entities))
        store.set_content_hash(LABELS_GRAPH, None)
    chosen = [iri for iri in chosen if not iri.startswith(topic)]
    for start in range(0, len(chosen), 1000):
        chunk = chosen[start:start + 1000]
        if counted_forms is not None:
            counts = [(iri, form, n) for iri in chunk for form, n in counted_forms[iri].items()]
        else:
            values = " ".join(f"<{iri}>" for iri in chunk)
            # counted inside the store: an entity most readouts name (the CPC) has as many
            # rows as readouts, measured 11x slower to bring into Python one by one
            counted = store.iter_values(
                f"SELECT ?e ?form (COUNT(*) AS ?n) WHERE {{ VALUES ?e {{ {values} }} GRAPH ?g {{ "
                f"?e {alt_label} ?form }} FILTER (?g NOT IN (<{TOPICS_GRAPH}>, <{LABELS_GRAPH}>)) }} "
                "GROUP BY ?e ?form")[1]
            counts = [(str(e), str(form), int(str(n))) for e, form, n in counted]
        replaced = chunk if entities is not None else []  # else the graph is empty: nothing to delete
        store.replace_subjects(LABELS_GRAPH, replaced, counted_label_triples(counts, fixed))
    store.set_content_hash(LABELS_GRAPH, "")
    topics = Graph().parse(ontology_dir() / "topics.ttl")
    store.replace_graph(TOPICS_GRAPH, list(topics), "")


def _count(store: GraphStore, report: BuildReport) -> None:
    q = """PREFIX pr: <https://w3id.org/partyrel/ontology#>
    SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a pr:%s }"""
    def count(cls: str) -> int:
        rows = store.select_rows(q % cls)[1]
        return int(str(rows[0][0])) if rows and rows[0][0] is not None else 0
    report.engagements = count("Engagement")
    report.people = count("Person")
    report.organizations = count("Organization")
