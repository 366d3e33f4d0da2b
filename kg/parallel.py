"""Extraction in batches: readout files -> rendered named graphs, in this
process, in a pool of worker processes (``kg build -j N``) or on a Dask
cluster (:mod:`kg.distributed`).

The unit of work is a batch of :class:`Task` (a file, and the content hash
the store holds for its readout). :func:`extract_batch` reads each file,
skips it when its content hash is unchanged, runs the spaCy pipeline over the
rest with ``nlp.pipe`` and returns one small :class:`Extracted` record per
file: the readout's graph already rendered as N-Triples text
(:func:`kg.store.render_ntriples`), so what travels back from a worker is a
string, never rdflib objects, and the writer (:mod:`kg.pipeline`) stores it
as is. Results come back in input order, a bounded number of batches in
flight, so memory stays flat however many files there are.

Worker processes are started with ``spawn`` (never ``fork``: the parent holds
an open RocksDB store with its own threads) and load the pipeline once each.

Example:
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "r1.txt").write_text("Talks\\n ( 2024.03.12 )\\n\\nKunming, March 11th--Tang Wenbo, "
    ...     "Vice-minister of the International Department of the CPC Central Committee, held talks "
    ...     "here today with Ana Lima, President of the Workers' Party of Brazil.")
    >>> [done] = extract_batch([Task(str(folder / "r1.txt"))])
    >>> done.readout_id, done.skipped, done.ntriples.count("\\n") > 10
    ('r1', False, True)
    >>> [again] = extract_batch([Task(str(folder / "r1.txt"), known_hash=done.digest)])
    >>> again.skipped, again.ntriples
    (True, None)
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from kg.errors import InputError, PartyrelError
from kg.ingest import (
    DEFAULT_MAX_BYTES,
    MAX_CHARS,
    Failure,
    Loaded,
    check_text,
    decode,
    load_file,
    parse_readout,
)

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "ExtractOptions",
    "Extracted",
    "Task",
    "chunked",
    "extract_batch",
    "in_order",
    "local_results",
    "pool_results",
    "stat_key",
    "warm_up",
]

#: Readouts per batch: one ``nlp.pipe`` call, one unit of work for a worker.
DEFAULT_BATCH_SIZE = 64


@dataclass(frozen=True, slots=True)
class Task:
    """One readout file to extract.

    ``known_hash`` is the content hash the store holds for the file's readout
    (None when it holds none): an equal hash means unchanged, skipped.
    ``data`` carries the file's bytes when the worker may not see the file
    (a Dask worker on another machine); otherwise the worker reads ``path``.
    ``stat`` is the file's stat key (:func:`stat_key`) when it was listed and
    ``known_stat`` the one recorded with ``known_hash``: equal keys mean the
    file is unchanged and it is not even read.
    """

    path: str
    known_hash: str | None = None
    data: bytes | None = None
    stat: str = ""
    known_stat: str | None = None


@dataclass(frozen=True, slots=True)
class ExtractOptions:
    """How workers read and batch: the input limits of :func:`kg.ingest.load_file`
    and the ``nlp.pipe`` batch size."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_chars: int = MAX_CHARS
    batch_size: int = DEFAULT_BATCH_SIZE


@dataclass(frozen=True, slots=True)
class Extracted:
    """What became of one file: its readout's graph rendered as N-Triples, or
    ``ntriples=None`` when unchanged (``skipped``) or failed (``failure``).

    ``labelled`` lists the entities that carry a ``skos:altLabel`` in the
    graph (what a label refresh must look at when this readout changes).
    """

    path: str
    readout_id: str = ""
    graph: str = ""
    digest: str = ""
    ntriples: str | None = None
    warnings: tuple[str, ...] = ()
    failure: Failure | None = None
    labelled: tuple[str, ...] = ()
    source: str = ""

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


def _load(task: Task, options: ExtractOptions) -> Loaded:
    """The readout of a task: :func:`kg.ingest.load_file` on its path, or the
    same checks on the bytes it carries."""
    path = Path(task.path)
    if task.data is None:
        return load_file(path, max_bytes=options.max_bytes, max_chars=options.max_chars)
    raw = task.data
    if len(raw) > options.max_bytes:
        raise InputError(task.path, f"the file is larger than {options.max_bytes:,} bytes",
                         "split it, or raise the limit with --max-bytes")
    if not raw:
        raise InputError(task.path, "the file is empty", "save the readout's text into it")
    decoded = decode(raw, task.path)
    check_text(decoded.text, task.path, max_chars=options.max_chars)
    warnings: tuple[str, ...] = ()
    if decoded.guessed:
        warnings = ((f"the file is not UTF-8: it was read as {decoded.encoding}; check its accented "
                    "letters, and re-save it as UTF-8 to be sure"),)
    return Loaded(parse_readout(path.stem, decoded.text, task.path), warnings)


def extract_batch(tasks: Sequence[Task], options: ExtractOptions | None = None) -> list[Extracted]:
    """Read, check, extract and render a batch of files; one result per task, in order.

    Never raises for a bad file: an unreadable one gives a result with its
    :class:`~kg.ingest.Failure`, and so does an extractor error (an internal
    error, reported with the file). Unchanged files (content hash equal to
    ``known_hash``) are read and hashed but not extracted.
    """
    from kg.extract import extract_doc
    from kg.lexicon import load_lexicon
    from kg.nlp import make_nlp
    from kg.pipeline import content_hash
    from kg.store import render_ntriples
    from kg.triples import graph_iri, readout_triples

    options = options or ExtractOptions()
    results: list[Extracted | None] = [None] * len(tasks)
    pending: list[tuple[int, Loaded, str]] = []
    for index, task in enumerate(tasks):
        if task.stat and task.stat == task.known_stat and task.known_hash:
            stem = Path(task.path).stem  # the readout id, as kg.ingest.load_file gives it
            results[index] = Extracted(task.path, stem, graph_iri(stem), task.known_hash,
                                       source=task.stat)
            continue
        try:
            loaded = _load(task, options)
        except InputError as exc:
            failure = Failure(exc.source, exc.reason, exc.hint)
            results[index] = Extracted(task.path, failure=failure)
            continue
        readout = loaded.readout
        digest = content_hash(readout.text)
        if digest == task.known_hash:
            results[index] = Extracted(task.path, readout.id, graph_iri(readout.id), digest,
                                       warnings=loaded.warnings, source=task.stat)
        else:
            pending.append((index, loaded, digest))
    if pending:
        nlp = make_nlp()
        lexicon = load_lexicon()
        texts = [loaded.readout.text for _, loaded, _ in pending]
        try:
            docs = list(nlp.pipe(texts, batch_size=options.batch_size))
        except Exception:  # noqa: BLE001 - one text broke the batch: redo them one by one
            docs = [None] * len(texts)
        for (index, loaded, digest), doc in zip(pending, docs):
            task, readout = tasks[index], loaded.readout
            giri = graph_iri(readout.id)
            try:
                facts = extract_doc(readout, doc if doc is not None else nlp(readout.text), lexicon)
                triples = readout_triples(facts)
                text = render_ntriples(triples, giri)
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
            labelled = tuple(sorted({str(s) for s, p, _ in triples if str(p) == _ALT_LABEL}))
            results[index] = Extracted(task.path, readout.id, giri, digest, text,
                                       loaded.warnings + tuple(facts.warnings), labelled=labelled,
                                       source=task.stat)
    return [result for result in results if result is not None]


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
                  ) -> Iterator[list[Extracted]]:
    """Extract the batches one after the other in this process."""
    for batch in batches:
        yield extract_batch(batch, options)


def pool_results(batches: Iterable[list[Task]], options: ExtractOptions, jobs: int
                 ) -> Iterator[list[Extracted]]:
    """Extract the batches in ``jobs`` worker processes; results in input order.

    Raises :class:`~kg.errors.PartyrelError` when a worker process dies (killed,
    out of memory): what was written so far stays, and the next build skips
    it and completes the rest.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    context = multiprocessing.get_context("spawn")
    executor = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=warm_up)

    def submit(batch: list[Task]) -> Callable[[], list[Extracted]]:
        future: Future[list[Extracted]] = executor.submit(extract_batch, batch, options)
        return future.result

    try:
        yield from in_order(submit, batches, window=2 * jobs + 1)
    except BrokenProcessPool as err:
        raise PartyrelError(f"a worker process of the build died ({err}); build again: the "
                            "readouts already stored are skipped (or use -j 1)") from err
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
