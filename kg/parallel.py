"""Extraction in batches: readout files -> rendered named graphs, in this
process, in a pool of worker processes (``kg build -j N``) or on a Dask
cluster (:mod:`kg.distributed`).

The unit of work is a batch of :class:`Task` (one readout: a ``.txt`` or
``.html`` file, a record of a ``.jsonl`` file, standard input; and the
content hash the store holds for it). :func:`plan_tasks` turns the inputs
into tasks, in order: a ``.jsonl`` file is read here, a line at a time, and
becomes one task per record (so a file of many readouts is batched, sent to
workers and stored like as many files). :func:`extract_batch` reads each
file, skips it when its content hash is unchanged, runs the spaCy pipeline
over the rest with ``nlp.pipe`` and returns one small :class:`Extracted`
record per task: the readout's graph already rendered as N-Triples text
(:func:`kg.triples.readout_ox_triples`, written by :func:`kg.store.ox_ntriples`), so what travels back from a worker is a
string, never rdflib objects, and the writer (:mod:`kg.pipeline`) stores it
as is. Results come back in input order, a bounded number of batches in
flight, so memory stays flat however many files there are.

Worker processes are forked from a server process (multiprocessing's
``forkserver``, started by :func:`start_worker_server`: at the start of a
build with more inputs than readouts stored, else half-way through the
readouts :func:`pool_results` reads itself) that loaded spaCy and partyrel
and made the pipeline once (:mod:`kg._preload`): a worker is ready in about
0.1 s, where one started with ``spawn`` took about 2 s of CPU to load them
itself. They are never
forked from the build process itself, which holds an open RocksDB store
with its own threads. Where ``forkserver`` is not available (Windows), they
are spawned.

Example:
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "r1.txt").write_text("Talks\\n ( 2024.03.12 )\\n\\nKunming, March 11th--Tang Wenbo, "
    ...     "Vice-minister of the IDCPC, held talks "
    ...     "here today with Ana Lima, President of the Workers' Party of Brazil.")
    >>> [done] = extract_batch([Task(str(folder / "r1.txt"))])
    >>> done.readout_id, done.skipped, done.ntriples.count("\\n") > 10
    ('r1', False, True)
    >>> [again] = extract_batch([Task(str(folder / "r1.txt"), known_hash=done.digest)])
    >>> again.skipped, again.ntriples
    (True, None)
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.errors import InputError, PartyrelError
from kg.ingest import (
    DEFAULT_MAX_BYTES,
    MAX_CHARS,
    Failure,
    Loaded,
    Stream,
    count_records,
    format_of,
    load_bytes,
    load_record,
    read_bytes,
    read_records,
    sniff_format,
    stream_id,
    stream_record,
)
from kg.sources import Record

if TYPE_CHECKING:
    from kg.graphfile import GraphPart
    from kg.store import GraphStore

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "ExtractOptions",
    "Extracted",
    "HelperProcess",
    "Task",
    "chunked",
    "extract_batch",
    "in_order",
    "local_results",
    "plan_tasks",
    "pool_results",
    "records_key",
    "source_path",
    "start_worker_server",
    "stat_key",
    "warm_up",
    "work_batches",
    "worker_context",
]

#: Readouts per batch: one ``nlp.pipe`` call, one unit of work for a worker.
DEFAULT_BATCH_SIZE = 64


@dataclass(frozen=True, slots=True)
class Task:
    """One readout to extract.

    ``path`` is its file, or what names it in messages (``feed.jsonl:17``,
    ``<stdin>``). ``known_hash`` is the content hash the store holds for the
    readout (None when it holds none): an equal hash means unchanged, skipped.
    ``data`` carries the file's bytes when the worker may not see the file
    (a Dask worker on another machine; standard input); otherwise the worker
    reads ``path``. ``stat`` is the file's stat key (:func:`stat_key`, or
    :func:`records_key` for a record of a ``.jsonl`` file) when it was listed
    and ``known_stat`` the one recorded with ``known_hash``: equal keys mean
    the file is unchanged and it is not even read. ``readout_id`` is the
    readout's id ("": the file's stem) and ``format`` how to read the bytes
    (``txt`` or ``html``; "": by the file's suffix). ``record`` is a record
    already read from a ``.jsonl`` file or standard input; ``failure`` an
    input already found bad while planning (a bad line), passed on in order.
    """

    path: str
    known_hash: str | None = None
    data: bytes | None = None
    stat: str = ""
    known_stat: str | None = None
    readout_id: str = ""
    format: str = ""
    record: Record | None = None
    failure: Failure | None = None

    @property
    def unchanged(self) -> bool:
        """True when the file is known unchanged by its stat key (not to be read)."""
        return bool(self.stat and self.stat == self.known_stat and self.known_hash)

    @property
    def needs_file(self) -> bool:
        """True when a worker would read ``path`` from disk for this task."""
        return not (self.unchanged or self.data is not None or self.record is not None
                    or self.failure is not None)


@dataclass(frozen=True, slots=True)
class ExtractOptions:
    """How workers read and batch: the input limits of :func:`kg.ingest.load_file`
    and the ``nlp.pipe`` batch size; with ``parts``, they also make each
    graph's part of ``graph.ttl`` (:func:`kg.graphfile.graph_part`)."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_chars: int = MAX_CHARS
    batch_size: int = DEFAULT_BATCH_SIZE
    parts: bool = False


@dataclass(frozen=True, slots=True)
class Extracted:
    """What became of one file: its readout's graph rendered as N-Triples, or
    ``ntriples=None`` when unchanged (``skipped``) or failed (``failure``).

    ``labelled`` lists the entities that carry a ``skos:altLabel`` in the
    graph (what a label refresh must look at when this readout changes), and
    ``forms`` those labels: (entity IRI, form) pairs, each once. ``part`` is
    the graph's part of ``graph.ttl`` when :attr:`ExtractOptions.parts` asked for it.
    """

    path: str
    readout_id: str = ""
    graph: str = ""
    digest: str = ""
    ntriples: str | None = None
    warnings: tuple[str, ...] = ()
    failure: Failure | None = None
    source: str = ""
    forms: tuple[tuple[str, str], ...] = ()
    part: GraphPart | None = None

    @property
    def labelled(self) -> tuple[str, ...]:
        """The entities with a ``skos:altLabel`` in the graph, sorted, each once."""
        return tuple(sorted({entity for entity, _ in self.forms}))

    @property
    def skipped(self) -> bool:
        """True when the readout was read and found unchanged."""
        return self.failure is None and self.ntriples is None


def warm_up() -> None:
    """Load the spaCy pipeline, the vocabularies and the extractor's
    fingerprint once in this process (a worker's initializer)."""
    from kg.lexicon import load_lexicon
    from kg.nlp import make_nlp
    from kg.pipeline import extractor_fingerprint

    make_nlp()
    load_lexicon()
    extractor_fingerprint()


def stat_key(path: Path, fingerprint: str) -> str:
    """What a file looked like, for telling it unchanged without reading it: the
    extractor fingerprint, its size, its modification time (ns) and its path
    ("" when it cannot be stat'ed). A file rewritten with other bytes of the
    same size and an unchanged modification time is not noticed: build with
    ``reread=True`` (``kg build --reread``) after such a copy.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "r.txt"; _ = p.write_text("abc")
        >>> stat_key(p, "fp").split("|")[:2]
        ['fp', '3']
    """
    try:
        info = path.stat()
    except OSError:
        return ""
    return f"{fingerprint}|{info.st_size}|{info.st_mtime_ns}|{path}"


def records_key(stat: str, records: int) -> str:
    """The stat key recorded with each readout of a ``.jsonl`` file: the file's
    (:func:`stat_key`) and its number of records. A file is unchanged when
    that many readouts are stored with this key: a build killed half-way
    through a file, or a file with a bad line (never stored), is read again.

    Example:
        >>> records_key("fp|120|1700000000|feed.jsonl", 3)
        'fp|120|1700000000|feed.jsonl|records=3'
    """
    return f"{stat}|records={records}"


def source_path(key: str) -> tuple[str, int | None]:
    """The file a recorded stat key names, and its number of records (None
    for a file of one readout).

    Example:
        >>> source_path("fp|120|1700000000|in/feed.jsonl|records=3"), source_path("fp|9|17|a.txt")
        (('in/feed.jsonl', 3), ('a.txt', None))
    """
    parts = key.split("|", 3)
    if len(parts) < 4:
        return "", None
    path, sep, count = parts[3].rpartition("|records=")
    if sep and count.isdigit():
        return path, int(count)
    return parts[3], None


def plan_tasks(inputs: Iterable[Path | Stream], *, known: Mapping[str, str] | None = None,
               stats: Mapping[str, str] | None = None, fingerprint: str = "",
               max_bytes: int = DEFAULT_MAX_BYTES,
               on_records: Callable[[int], None] | None = None) -> Iterator[Task]:
    """The tasks of the inputs, in order: one per ``.txt``/``.html`` file and
    per :class:`~kg.ingest.Stream`, one per non-blank line of a ``.jsonl``
    file (a bad line is a task carrying its :class:`~kg.ingest.Failure`; so
    is a file that cannot be read).

    ``known`` maps graph IRIs to the content hashes the store holds,
    ``stats`` to the stat keys recorded with them (empty: read every file);
    ``fingerprint`` is the extractor's. A ``.jsonl`` file whose stat key is
    recorded with all its records is not read: its tasks are the stored
    readouts, skipped. ``on_records(n)`` is called when a ``.jsonl`` file
    turns out to hold ``n`` readouts.

    Example:
        >>> import tempfile, pathlib
        >>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "a.txt").write_text("x")
        >>> _ = (d / "feed.jsonl").write_text('{"id": "r1", "text": "Talks"}\\n{"text": 1}\\n')
        >>> [(t.path.rsplit("/", 1)[1], t.readout_id, t.failure is None)
        ...  for t in plan_tasks([d / "a.txt", d / "feed.jsonl"])]
        [('a.txt', '', True), ('feed.jsonl:1', 'r1', True), ('feed.jsonl:2', '', False)]
    """
    from kg.triples import graph_iri

    known = known or {}
    stats = stats or {}
    stored: dict[str, tuple[int, list[str]]] = {}  # a .jsonl file's stat key -> its readouts
    for giri, key in stats.items():
        _, count = source_path(key)
        if count is not None:
            stored.setdefault(key.rpartition("|records=")[0], (count, []))[1].append(giri)
    for item in inputs:
        if isinstance(item, Stream):
            yield _stream_task(item, known, max_bytes)
            continue
        key = stat_key(item, fingerprint) if fingerprint else ""
        if format_of(item) != "jsonl":
            giri = graph_iri(item.stem)
            yield Task(str(item), known.get(giri), None, key, stats.get(giri))
            continue
        count, graphs = stored.get(key, (0, [])) if key else (0, [])
        if graphs and len(graphs) == count:  # unchanged, and every record of it is stored
            if on_records is not None:
                on_records(count)
            recorded = records_key(key, count)
            for giri in graphs:
                yield Task(str(item), known.get(giri), None, recorded, recorded,
                           readout_id=giri.rsplit("/", 1)[1])
            continue
        yield from _record_tasks(item, key, known, max_bytes, on_records)


def _record_tasks(path: Path, key: str, known: Mapping[str, str], max_bytes: int,
                  on_records: Callable[[int], None] | None) -> Iterator[Task]:
    """One task per record of a ``.jsonl`` file (see :func:`plan_tasks`)."""
    from kg.triples import graph_iri

    try:
        count = count_records(path, max_bytes=max_bytes)
        if count == 0:
            raise InputError(str(path), "the file holds no records",
                             "write one JSON object per line, with the readout's text in \"text\"")
    except InputError as exc:
        yield Task(str(path), failure=Failure(exc.source, exc.reason, exc.hint))
        return
    if on_records is not None:
        on_records(count)
    recorded = records_key(key, count) if key else ""
    lines: dict[str, int] = {}  # graph IRI -> the line that gave it
    try:
        for item in read_records(path, max_bytes=max_bytes):
            if isinstance(item, Failure):
                yield Task(item.source, failure=item)
                continue
            giri = graph_iri(item.readout_id)
            if giri in lines:
                yield Task(item.name, failure=Failure(
                    item.name, f"same readout id {item.readout_id!r} as line {lines[giri]} of this "
                               f"file (both would be stored as {giri})",
                    "give each record its own \"id\""))
                continue
            lines[giri] = item.line
            yield Task(item.name, known.get(giri), stat=recorded, readout_id=item.readout_id,
                       record=item)
    except InputError as exc:  # the file vanished or became unreadable since it was counted
        yield Task(str(path), failure=Failure(exc.source, exc.reason, exc.hint))


def _stream_task(stream: Stream, known: Mapping[str, str], max_bytes: int) -> Task:
    """The task of a readout given as bytes: a JSON record is read here, other
    bytes are sent as they are (with their format and id)."""
    from kg.triples import graph_iri

    try:
        fmt = stream.format or sniff_format(stream.data, stream.name)
        if fmt == "json":
            record = stream_record(stream, max_bytes=max_bytes)
            return Task(stream.name, known.get(graph_iri(record.readout_id)),
                        readout_id=record.readout_id, record=record)
    except InputError as exc:
        return Task(stream.name, failure=Failure(exc.source, exc.reason, exc.hint))
    readout_id = stream_id(stream)
    return Task(stream.name, known.get(graph_iri(readout_id)), stream.data,
                readout_id=readout_id, format=fmt)


def _load(task: Task, options: ExtractOptions) -> Loaded:
    """The readout of a task: a record's (:func:`kg.ingest.load_record`), or
    that of the file's bytes (read here unless the task carries them), by
    :func:`kg.ingest.load_bytes`."""
    if task.record is not None:
        return load_record(task.record, max_chars=options.max_chars)
    raw = task.data if task.data is not None else read_bytes(Path(task.path),
                                                             max_bytes=options.max_bytes)
    return load_bytes(raw, task.path, task.readout_id or Path(task.path).stem,
                      max_bytes=options.max_bytes, max_chars=options.max_chars,
                      format=task.format or None)


def readout_digest(loaded: Loaded) -> str:
    """The content hash of a loaded readout: of its text, and of the date and
    URL its page or record gave (a plain text file's is its text's alone)."""
    from kg.pipeline import content_hash

    text = loaded.readout.text
    return content_hash(f"{text}\0{loaded.metadata}" if loaded.metadata else text)


def extract_batch(tasks: Sequence[Task], options: ExtractOptions | None = None) -> list[Extracted]:
    """Read, check, extract and render a batch of files; one result per task, in order.

    Never raises for a bad file: an unreadable one gives a result with its
    :class:`~kg.ingest.Failure`, and so does an extractor error (an internal
    error, reported with the file). Unchanged files (content hash equal to
    ``known_hash``) are read and hashed but not extracted; files unchanged by
    their stat key are not even read.
    """
    from kg.analysis import gc_paused
    from kg.triples import graph_iri

    options = options or ExtractOptions()
    results: list[Extracted | None] = [None] * len(tasks)
    pending: list[tuple[int, Loaded, str]] = []
    for index, task in enumerate(tasks):
        if task.failure is not None:
            results[index] = Extracted(task.path, failure=task.failure)
            continue
        if task.unchanged:
            # the readout id, as kg.ingest.load_file gives it, unless the task names it
            readout_id = task.readout_id or _stem(task.path)
            results[index] = Extracted(task.path, readout_id, graph_iri(readout_id),
                                       task.known_hash or "", source=task.stat)
            continue
        try:
            loaded = _load(task, options)
        except InputError as exc:
            failure = Failure(exc.source, exc.reason, exc.hint)
            results[index] = Extracted(task.path, failure=failure)
            continue
        readout = loaded.readout
        digest = readout_digest(loaded)
        if digest == task.known_hash:
            results[index] = Extracted(task.path, readout.id, graph_iri(readout.id), digest,
                                       warnings=loaded.warnings, source=task.stat)
        else:
            pending.append((index, loaded, digest))
    if pending:
        with gc_paused():
            # the collector, started every few hundred new objects, walked the
            # lexicon and pipeline again and again (about 5 % of the time): the
            # cycles a batch leaves (a Doc and the spans it keeps) are freed after it
            _extract_pending(tasks, pending, results, options)
        gc.collect(1)
    return [result for result in results if result is not None]


def _extract_pending(tasks: Sequence[Task], pending: list[tuple[int, Loaded, str]],
                     results: list[Extracted | None], options: ExtractOptions) -> None:
    """Extract and render the readouts of ``pending`` (index in ``tasks``, the
    loaded readout, its content hash) into ``results``."""
    from kg.extract import extract_doc
    from kg.graphfile import graph_part
    from kg.lexicon import load_lexicon
    from kg.nlp import make_nlp
    from kg.store import ox_ntriples
    from kg.triples import graph_iri, readout_ox_triples

    nlp = make_nlp()
    lexicon = load_lexicon()
    texts = [loaded.readout.text for _, loaded, _ in pending]
    docs: list[Any]  # a Doc each, or None each when the batch is redone one by one
    try:
        docs = list(nlp.pipe(texts, batch_size=options.batch_size))
    except Exception:  # noqa: BLE001 - one text broke the batch: redo them one by one
        docs = [None] * len(texts)
    for (index, loaded, digest), doc in zip(pending, docs):
        task, readout = tasks[index], loaded.readout
        giri = graph_iri(readout.id)
        try:
            facts = extract_doc(readout, doc if doc is not None else nlp(readout.text), lexicon)
            triples = readout_ox_triples(facts)
            text = ox_ntriples(triples)
            part = graph_part(triples) if options.parts else None
        except PartyrelError as exc:
            results[index] = Extracted(task.path, failure=Failure(
                task.path, f"cannot render the extracted facts ({exc})",
                "please report it with this file; the other readouts were built"))
            continue
        except Exception as exc:  # noqa: BLE001 - an extractor bug must not stop the batch
            results[index] = Extracted(task.path, failure=Failure(
                task.path, f"internal error while extracting ({type(exc).__name__}: {exc})",
                "please report it with this file; the other readouts were built"))
            continue
        forms = tuple((s.value, o.value) for s, p, o in triples if p.value == _ALT_LABEL)
        results[index] = Extracted(task.path, readout.id, giri, digest, text,
                                   loaded.warnings + tuple(facts.warnings),
                                   source=task.stat, forms=forms, part=part)


_ALT_LABEL = "http://www.w3.org/2004/02/skos/core#altLabel"


def chunked(items: Iterable[Task], size: int) -> Iterator[list[Task]]:
    """Consecutive batches of at most ``size`` items.

    Example:
        >>> [len(batch) for batch in chunked((Task(str(i)) for i in range(5)), 2)]
        [2, 2, 1]
    """
    if size < 1:
        raise ValueError(f"the batch size must be at least 1, got {size}")
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def work_batches(items: Iterable[Task], size: int, most: int = 64) -> Iterator[list[Task]]:
    """Consecutive batches holding at most ``size`` tasks to work on and at
    most ``most * size`` tasks in all: tasks that cost next to nothing (a file
    known unchanged by its stat key, a failure found while listing) ride
    along with the others instead of filling batches of their own (a rebuild
    that changed 1% of 100,000 readouts: 16 batches for the workers, not 1,563).

    Example:
        >>> tasks = [Task(str(i), known_hash="h", stat="s", known_stat="s" if i % 4 else "")
        ...          for i in range(12)]  # tasks 0, 4 and 8 are to be read
        >>> [len(batch) for batch in work_batches(tasks, 2)], [len(b) for b in work_batches(tasks, 2, most=2)]
        ([5, 7], [4, 4, 4])
    """
    if size < 1 or most < 1:
        raise ValueError(f"the batch size must be at least 1, got {size} (and {most} times as many)")
    batch: list[Task] = []
    work = 0
    for task in items:
        batch.append(task)
        work += not _cheap(task)
        if work == size or len(batch) == most * size:
            yield batch
            batch, work = [], 0
    if batch:
        yield batch


def _stem(path: str) -> str:
    """``Path(path).stem``, without making a Path (100,000 unchanged files: 0.5 s).

    Example:
        >>> [_stem(p) for p in ("a/b/r1.txt", "r.2.html", "noext", "dir/.hidden")]
        ['r1', 'r.2', 'noext', '.hidden']
    """
    name = os.path.basename(path)
    if name in ("", "."):  # a path Path normalizes first ("dir/", "dir/.")
        return Path(path).stem
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 else name


def _cheap(task: Task) -> bool:
    """Whether :func:`extract_batch` does next to nothing for this task (reads no file)."""
    return task.unchanged or task.failure is not None


def in_order(submit: Callable[[list[Task]], Callable[[], list[Extracted]]],
             batches: Iterable[list[Task]], window: int) -> Iterator[list[Extracted]]:
    """Submit batches, at most ``window`` in flight, and yield their results in
    submission order. ``submit`` starts a batch and returns a function that
    waits for its result.

    Example:
        >>> list(in_order(lambda batch: (lambda: [Extracted(t.path) for t in batch]),
        ...               [[Task("a")], [Task("b")]], window=1))[1][0].path
        'b'
    """
    waiting: deque[Callable[[], list[Extracted]]] = deque()
    for batch in batches:
        waiting.append(submit(batch))
        if len(waiting) >= window:
            yield waiting.popleft()()
    while waiting:
        yield waiting.popleft()()


def local_results(batches: Iterable[list[Task]], options: ExtractOptions
                  ) -> Generator[list[Extracted], None, None]:
    """Extract the batches one after the other in this process."""
    for batch in batches:
        yield extract_batch(batch, options)


#: Readouts to read that :func:`pool_results` extracts in this process before it
#: starts worker processes: a rebuild that changed a few readouts does not wait for
#: workers to start (each loads spaCy: about 2 s, the time to extract 500 readouts).
LOCAL_READOUTS = 256


def pool_results(batches: Iterable[list[Task]], options: ExtractOptions, jobs: int,
                 local_readouts: int | None = None) -> Generator[list[Extracted], None, None]:
    """Extract the batches in ``jobs`` worker processes; results in input order.

    The batches holding the first ``local_readouts`` readouts to read (not
    files known unchanged by their stat key; default :data:`LOCAL_READOUTS`)
    are extracted in this process; the worker processes start only when there
    are more (their server, half-way through those: :func:`start_worker_server`).

    Raises :class:`~kg.errors.PartyrelError` when a worker process dies (killed,
    out of memory): what was written so far stays, and the next build skips
    it and completes the rest.

    Example:
        >>> [[r.path for r in rs] for rs in pool_results([[Task("a", failure=Failure("a", "bad", ""))]],
        ...                                            ExtractOptions(), jobs=2)]
        [['a']]
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    limit = LOCAL_READOUTS if local_readouts is None else local_readouts
    iterator = iter(batches)
    local = 0
    for batch in iterator:
        work = sum(1 for task in batch if not task.unchanged)
        if work and local + work > limit:
            yield from _pool_results(chain([batch], iterator), options, jobs)
            return
        local += work
        if work and local > limit // 2:
            start_worker_server()  # it loads while the rest of the local readouts are read
        yield extract_batch(batch, options)


#: The module the worker server imports before forking workers (:mod:`kg._preload`).
PRELOAD = "kg._preload"


def worker_context() -> multiprocessing.context.BaseContext:
    """The context worker processes are started in: forked from the server
    that preloaded :data:`PRELOAD`, or spawned where there is no forkserver.
    A build's helper processes start there too: they read a snapshot of the
    store (:meth:`kg.store.GraphStore.snapshot`), never the store the build
    writes.

    Example:
        >>> worker_context().get_start_method() in ("forkserver", "spawn")
        True
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([PRELOAD])
    return context


def start_worker_server() -> None:
    """Start (when not running) the server worker processes are forked from,
    so that it loads spaCy and partyrel while the caller does other work (a
    first build checks its inputs meanwhile; :func:`pool_results` starts it
    half-way through the readouts it reads itself). It lives until this
    process ends; a pool starts it when it is not running.

    Example:
        >>> start_worker_server()  # returns at once: the server loads in the background
    """
    context = worker_context()
    if context.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


class HelperProcess:
    """``function(folder, *args)`` run in one process forked from the workers'
    server (:func:`worker_context`), started at once, where ``folder`` holds
    the store to read: a snapshot of it (:meth:`kg.store.GraphStore.snapshot`)
    when this process may write it meanwhile, else its own folder. A build's
    helpers (the map beside graph.ttl, the entities' parts) run this way.

    Example:
        >>> import tempfile
        >>> from kg.store import GraphStore
        >>> with GraphStore.open(tempfile.mkdtemp()) as store:
        ...     helper = HelperProcess(store, os.path.isdir)
        ...     done = helper.result()
        ...     helper.close()
        >>> done
        True
    """

    def __init__(self, store: GraphStore, function: Callable[..., Any], *args: Any) -> None:
        from kg.store import remove_snapshot

        if store.location is None:
            raise PartyrelError("a helper process reads a store on disk; open one with GraphStore.open")
        self._snapshot = None if store.read_only else store.snapshot()
        try:
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=worker_context())
            self._future = self._pool.submit(function, str(self._snapshot or store.location), *args)
        except BaseException:
            if self._snapshot is not None:
                remove_snapshot(self._snapshot)
            raise

    def result(self) -> Any:
        """Wait for the function's value (its error, or BrokenProcessPool if the process died)."""
        return self._future.result()

    def close(self, *, terminate: bool = False) -> None:
        """Shut the process down (``terminate``: stop it first, if it still runs)
        and remove the snapshot. Calling it twice is harmless."""
        from kg.store import remove_snapshot

        if terminate:
            for process in list(getattr(self._pool, "_processes", {}).values()):
                process.terminate()
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._snapshot is not None:
            remove_snapshot(self._snapshot)


def _pool_results(batches: Iterable[list[Task]], options: ExtractOptions, jobs: int
                  ) -> Generator[list[Extracted], None, None]:
    executor = ProcessPoolExecutor(max_workers=jobs, mp_context=worker_context(), initializer=warm_up)

    def submit(batch: list[Task]) -> Callable[[], list[Extracted]]:
        # the tasks that cost next to nothing are done here, not sent to a worker and back
        cheap = [_cheap(task) for task in batch]
        work = [task for task, here in zip(batch, cheap) if not here]
        local = extract_batch([task for task, here in zip(batch, cheap) if here], options)
        if not work:
            return lambda: local
        future: Future[list[Extracted]] = executor.submit(extract_batch, work, options)
        if not local:
            return future.result

        def merged() -> list[Extracted]:
            done, kept = iter(future.result()), iter(local)
            return [next(kept) if here else next(done) for here in cheap]

        return merged

    try:
        yield from in_order(submit, batches, window=2 * jobs + 1)
    except BrokenProcessPool as err:
        raise PartyrelError(f"a worker process of the build died ({err}); build again: the "
                            "readouts already stored are skipped (or use -j 1)") from err
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
