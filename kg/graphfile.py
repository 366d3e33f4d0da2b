"""``graph.ttl``: the union of the readout graphs as one Turtle file, written
from parts that a rebuild mostly reuses.

The file is the concatenation of Turtle parts under one set of ``@prefix``
lines (Turtle allows a document to be cut between statements):

* one part per readout graph: the triples about its readout and engagements
  (subjects ``id/readout/...`` and ``id/engagement/...`` live in that graph
  only), sorted, in graph IRI order;
* one part per other subject (a person, an organization, a post, a topic):
  its triples in every named graph, each once, in subject order.

With a parts file (``kg build`` keeps ``OUT/.graph-parts.sqlite``), the
parts are kept between builds and only the changed ones are made again:

* a readout graph is changed when its content hash is not the one its part
  was made from (a new extractor changes every hash);
* a subject is changed when a changed, new or removed readout graph names it
  (before or after the change), or when its triples in the bookkeeping
  graphs (labels, topic scheme: graphs recorded with an empty hash) differ
  from those its part was made from (compared by a hash of them, read anew
  on every write).

So a rebuild that changed 1 % of the readouts serializes about 1 % of the
graph parts and the subjects those readouts name, then copies the rest.
A build makes the graphs' parts before this runs: its workers make each
from the triples they render (:func:`graph_part`, the same as from the
store), and its writer records them as the graphs are stored
(:class:`PartsRecorder`), noting the subjects they name (table ``pending``)
for the next write to make.
The parts file is only a cache: when it is missing, unreadable, of another
schema or made for another ``version``, it is made again from the store,
which gives the same ``graph.ttl``. When every part is made anew,
``helper=True`` lets a second process make the subjects' parts meanwhile
(:data:`HELPER_GRAPHS`); when the graphs' parts were recorded in passing
and every subject's is made anew, half of the subjects' (:data:`HELPER_SUBJECTS`).
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sqlite3
from collections import OrderedDict, defaultdict
from collections.abc import ItemsView, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import attrgetter
from pathlib import Path
from sys import intern
from typing import NamedTuple, Self

import pyoxigraph as ox

from kg.analysis import EngagementData, PropsScan, gc_paused, load_props, triple_props
from kg.errors import StoreError
from kg.store import ID_BASE, PREFIXES, GraphStore, fsync_dir

__all__ = ["GraphFileStats", "GraphPart", "PartsRecorder", "engagement_data", "graph_part", "parts_reusable",
           "update_parts", "write_graph_file"]

OxSubject = ox.NamedNode | ox.BlankNode
OxObject = ox.NamedNode | ox.BlankNode | ox.Literal

#: Subjects whose triples live in their readout's graph only.
LOCAL_SUBJECTS = (ID_BASE + "readout/", ID_BASE + "engagement/")
_SCHEMA = "3"
_BATCH = 500  # rows per INSERT batch
_SUBJECTS_TABLE = ("CREATE TABLE subjects (key TEXT PRIMARY KEY, turtle BLOB NOT NULL, "
                   "triples INTEGER NOT NULL, props BLOB NOT NULL, book TEXT NOT NULL)")
_SCAN_SHARE = 0.05  # above this share of changed graphs, one scan of the store beats a lookup per graph
#: With ``helper``, parts made from scratch for at least this many readout graphs
#: are made by two processes: the subjects' parts in a second one (forked from
#: the workers' server; set when it was spawned and took about 2 s to load
#: partyrel, not measured again since), the graphs' parts in this one.
HELPER_GRAPHS = 5_000
#: ... and when the graphs' parts were made in passing (:class:`PartsRecorder`)
#: and every subject's is made anew, for this many subjects or more, the second
#: process makes the second half of them (10,000 readouts name about 49,000).
HELPER_SUBJECTS = 20_000


@dataclass(frozen=True)
class GraphFileStats:
    """What :func:`write_graph_file` wrote and how much of it was made anew."""

    triples: int
    graphs_made: int
    graphs_reused: int
    subjects_made: int
    subjects_reused: int


def write_graph_file(store: GraphStore, path: Path | str, *, parts: Path | str | None = None,
                     version: str = "", state: str = "", helper: bool = False) -> GraphFileStats:
    """Write the union of the store's named graphs as Turtle at ``path``
    (atomically) and return what was written.

    Parameters:
        store: the store to read.
        path: the Turtle file to write.
        parts: the parts file kept between calls (see the module docstring);
            without it the parts are made in a temporary file next to ``path``.
        version: what the parts were made by (the build passes its extractor
            fingerprint); parts of another version are all made again.
        state: a key of the store's content, recorded with the parts (see
            :func:`engagement_data`).
        helper: when every part is made anew, for :data:`HELPER_GRAPHS` readout
            graphs or more, make the subjects' parts in a second process (it
            reads a snapshot of the store, :meth:`GraphStore.snapshot`, or
            the store itself when opened read-only) while this one makes the
            graphs' parts: the same file, in about 40 % less time on two cores. When the graphs' parts were
            recorded in passing (:class:`PartsRecorder`) and every subject's
            is made anew, for :data:`HELPER_SUBJECTS` or more, the second
            process makes the second half of the subjects' parts.

    Raises:
        StoreError: the file or the parts file cannot be written.

    Example:
        >>> import tempfile
        >>> from rdflib import Literal, URIRef
        >>> from kg.store import GRAPH_BASE
        >>> folder = Path(tempfile.mkdtemp())
        >>> party = URIRef(ID_BASE + "org/zeta-workers-party")
        >>> label = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
        >>> with GraphStore.memory() as store:
        ...     store.replace_graph(GRAPH_BASE + "r1", [(party, label, Literal("ZWP"))], "h1")
        ...     first = write_graph_file(store, folder / "graph.ttl", parts=folder / "parts.sqlite")
        ...     again = write_graph_file(store, folder / "graph.ttl", parts=folder / "parts.sqlite")
        >>> (first.triples, first.subjects_made, again.subjects_made, again.subjects_reused)
        (1, 1, 0, 1)
        >>> 'id:org\\\\/zeta-workers-party rdfs:label "ZWP"' in (folder / "graph.ttl").read_text()
        True
    """
    target = Path(path)
    temporary = parts is None
    cache = target.with_name(target.name + ".parts.tmp") if parts is None else Path(parts)
    if temporary:
        cache.unlink(missing_ok=True)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise StoreError(f"cannot write {target}: {err}; check that the folder is writable") from err
    try:
        connection, counts = _updated(store, cache, version, state, helper, f"the parts of {target}")
        try:
            triples = _concatenate(connection, target)
        except sqlite3.Error as err:
            raise StoreError(f"cannot read the parts of {target} at {cache}: {err}; delete that "
                             "file (it is only a cache) and build again") from err
        finally:
            connection.close()
    finally:
        if temporary:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{cache}{suffix}").unlink(missing_ok=True)
    return GraphFileStats(triples, *counts)


def update_parts(store: GraphStore, parts: Path | str, *, version: str = "", state: str = "",
                 helper: bool = False) -> GraphFileStats:
    """Bring the parts file up to date with the store, as :func:`write_graph_file`
    does before it writes ``graph.ttl``, without writing it: for the map and the
    analyses (:func:`engagement_data`) when the store changed since the parts
    were made (a build with ``--no-graph``). Only what changed is made again.
    Returns what was made and reused (``triples`` is the parts' total).

    Raises:
        StoreError: the parts file cannot be written.

    Example:
        >>> import tempfile
        >>> from rdflib import Literal, URIRef
        >>> from kg.store import GRAPH_BASE
        >>> folder = Path(tempfile.mkdtemp())
        >>> party = URIRef(ID_BASE + "org/zwp")
        >>> label = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
        >>> with GraphStore.memory() as store:
        ...     store.replace_graph(GRAPH_BASE + "r1", [(party, label, Literal("ZWP"))], "h1")
        ...     _ = write_graph_file(store, folder / "graph.ttl", parts=folder / "parts.sqlite")
        ...     store.replace_graph(GRAPH_BASE + "r2", [(party, label, Literal("Z"))], "h2")
        ...     update_parts(store, folder / "parts.sqlite", state="s2")
        GraphFileStats(triples=2, graphs_made=1, graphs_reused=1, subjects_made=1, subjects_reused=0)
    """
    cache = Path(parts)
    connection, counts = _updated(store, cache, version, state, helper, "the parts of graph.ttl")
    try:
        (triples,) = connection.execute(
            "SELECT (SELECT TOTAL(triples) FROM graphs) + (SELECT TOTAL(triples) FROM subjects)").fetchone()
        triples = int(triples)
    except sqlite3.Error as err:
        raise StoreError(f"cannot read the parts of graph.ttl at {cache}: {err}; delete that file "
                         "(it is only a cache)") from err
    finally:
        connection.close()
    return GraphFileStats(triples, *counts)


def parts_reusable(parts: Path | str, version: str = "") -> bool:
    """Whether the parts file at ``parts`` was made by this schema and ``version``
    (:func:`update_parts` then makes only what changed; otherwise it would make
    every part anew).

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> parts_reusable(folder / "parts.sqlite")
        False
        >>> with GraphStore.memory() as store:
        ...     _ = write_graph_file(store, folder / "graph.ttl", parts=folder / "parts.sqlite", version="v1")
        >>> parts_reusable(folder / "parts.sqlite", "v1"), parts_reusable(folder / "parts.sqlite", "v2")
        (True, False)
    """
    path = Path(parts)
    if not path.is_file():
        return False
    try:
        connection = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
        try:
            return _made_by(connection, version)
        finally:
            connection.close()
    except sqlite3.Error:
        return False


def _made_by(connection: sqlite3.Connection, version: str) -> bool:
    """Whether the open parts file was made by this schema and ``version``."""
    made_by = dict(connection.execute("SELECT key, value FROM meta WHERE key IN ('schema', 'version')"))
    return made_by == {"schema": _SCHEMA, "version": version}


def _updated(store: GraphStore, cache: Path, version: str, state: str, helper: bool,
             what: str) -> tuple[sqlite3.Connection, tuple[int, int, int, int]]:
    """The parts file at ``cache``, brought up to date with the store and marked
    with ``state``, open, and :func:`_update`'s counts."""
    try:
        connection = _connect(cache, version)
    except (OSError, sqlite3.Error) as err:
        raise StoreError(f"cannot write {what} at {cache}: {err}; check that the "
                         "folder is writable and the disk has space") from err
    try:
        with connection:
            connection.execute("DELETE FROM meta WHERE key = 'state'")
            counts = _update(connection, store, cache if helper else None)
            connection.execute("INSERT INTO meta VALUES ('state', ?)", (state,))
    except sqlite3.Error as err:
        connection.close()
        raise StoreError(f"cannot write {what} at {cache}: {err}; delete that file "
                         "(it is only a cache) and build again") from err
    except BaseException:
        connection.close()
        raise
    return connection, counts


def engagement_data(parts: Path | str, *, state: str | None = None) -> EngagementData:
    """What :func:`kg.analysis.load` reads of the store, from the parts file
    as :func:`write_graph_file` last left it: valid while the store has not
    changed since (a build draws its map right after writing ``graph.ttl``).

    Raises:
        StoreError: the parts file cannot be read, or (with ``state``) was
            not written for that state of the store.

    Example:
        >>> import tempfile
        >>> from rdflib import Literal, URIRef
        >>> from kg.analysis import load
        >>> from kg.store import GRAPH_BASE
        >>> folder = Path(tempfile.mkdtemp())
        >>> meeting, party = URIRef(ID_BASE + "engagement/r1-1"), URIRef(ID_BASE + "org/zwp")
        >>> involves = URIRef("https://w3id.org/partyrel/ontology#involves")
        >>> with GraphStore.memory() as store:
        ...     store.replace_graph(GRAPH_BASE + "r1", [(meeting, involves, party)], "h1")
        ...     _ = write_graph_file(store, folder / "graph.ttl", parts=folder / "parts.sqlite")
        ...     engagement_data(folder / "parts.sqlite") == load(store)
        True
    """
    try:
        connection = sqlite3.connect(Path(parts).resolve().as_uri() + "?mode=ro", uri=True)
        try:
            connection.execute("BEGIN")  # one snapshot of the file from the first read to the last
            made_for = connection.execute("SELECT value FROM meta WHERE key = 'state'").fetchone()
            if state is not None and (made_for is None or made_for[0] != state):
                raise StoreError(f"the parts of graph.ttl at {parts} were written for another "
                                 "state of the store; build again")
            scan = PropsScan()
            with gc_paused():
                return load_props(_PartsProps(connection, scan), scan)
        finally:
            connection.close()
    except (sqlite3.Error, ValueError, EOFError, TypeError) as err:
        raise StoreError(f"cannot read the parts of graph.ttl at {parts}: {err}; build again "
                         "(or draw the map from the store)") from err


_By = dict[str, tuple[list[str], list[str]]]


class _PartsProps(Mapping[str, _By]):
    """:data:`kg.analysis.Props` of every part, read from the parts file as
    they are asked for instead of all at once: only where each subject is
    stated (its rows) is held, and the last rows read (the props of 100,000
    readouts held at once made a 1.4 GiB peak). A subject stated in several
    parts gets their props merged, as the union of the graphs does. The one
    pass that finds the rows notes the subjects in ``scan``.
    ``items()`` reads the file in another pass."""

    #: rows kept decoded: the subjects asked for one after another are mostly in the
    #: same part (an engagement and its readout) or in the last parts read
    CACHED_ROWS = 256

    def __init__(self, connection: sqlite3.Connection, scan: PropsScan | None = None) -> None:
        self._db = connection
        self._rows: dict[str, int | list[int]] = {}  # subject -> its row, or rows in reading order
        self._cache: OrderedDict[int, dict[str, _By]] = OrderedDict()
        rows = self._rows
        note = scan.add if scan is not None else None
        for row, blob in self._scan():
            for subject, by in marshal.loads(blob).items():
                if note is not None:
                    note(subject, by)
                where = rows.get(subject)
                if where is None:
                    rows[intern(subject)] = row
                elif isinstance(where, int):
                    rows[subject] = [where, row]
                else:
                    where.append(row)

    def _scan(self) -> Iterator[tuple[int, bytes]]:
        """(row number, props blob) of every part: graphs, then other subjects."""
        for table, shift in _TABLES:
            for rowid, blob in self._db.execute(f"SELECT rowid, props FROM {table}"):
                yield rowid * 2 + shift, blob

    def _row(self, row: int) -> dict[str, _By]:
        found = self._cache.get(row)
        if found is not None:
            self._cache.move_to_end(row)
            return found
        table = _TABLES[row % 2][0]
        (blob,) = self._db.execute(f"SELECT props FROM {table} WHERE rowid = ?", (row // 2,)).fetchone()
        found = marshal.loads(blob)  # strings not interned: load_props interns the IRIs it keeps
        self._cache[row] = found
        if len(self._cache) > self.CACHED_ROWS:
            self._cache.popitem(last=False)
        return found

    def __getitem__(self, subject: str) -> _By:
        where = self._rows[subject]
        if isinstance(where, int):
            return self._row(where)[subject]
        merged: _By = {}
        for row in where:
            for predicate, (nodes, texts) in self._row(row)[subject].items():
                pair = merged.setdefault(predicate, ([], []))
                pair[0].extend(nodes)
                pair[1].extend(texts)
        return merged

    def get(self, subject: str, default: _By | None = None) -> _By | None:  # type: ignore[override]
        return self[subject] if subject in self._rows else default

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __contains__(self, subject: object) -> bool:
        return subject in self._rows

    def __len__(self) -> int:
        return len(self._rows)

    def items(self) -> ItemsView[str, _By]:
        return _ScannedItems(self)

    def scanned_items(self) -> Iterator[tuple[str, _By]]:
        """The items, read in one pass over the parts."""
        for row, blob in self._scan():
            for subject, by in marshal.loads(blob).items():
                where = self._rows[subject]
                if isinstance(where, int):
                    yield subject, by
                elif where[0] == row:  # stated in several parts: all of them, at the first
                    yield subject, self[subject]


class _ScannedItems(ItemsView[str, _By]):
    """The items of :class:`_PartsProps`, read in one pass over the parts."""

    _mapping: _PartsProps

    def __iter__(self) -> Iterator[tuple[str, _By]]:
        return self._mapping.scanned_items()


_TABLES = (("graphs", 0), ("subjects", 1))


# --------------------------------------------------------------------------- parts

def _connect(path: Path, version: str) -> sqlite3.Connection:
    """The parts file, emptied when it is unreadable or of another schema or version."""
    for attempt in (1, 2):
        # one thread at a time: a build's writer thread records parts, then it closes
        connection = sqlite3.connect(path, check_same_thread=False)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            if not _made_by(connection, version):
                with connection:
                    connection.execute("DROP TABLE IF EXISTS graphs")
                    connection.execute("DROP TABLE IF EXISTS subjects")
                    connection.execute("DROP TABLE IF EXISTS pending")
                    connection.execute("DELETE FROM meta")
                    connection.execute(
                        "CREATE TABLE graphs (iri TEXT PRIMARY KEY, digest TEXT, turtle BLOB NOT NULL, "
                        "triples INTEGER NOT NULL, props BLOB NOT NULL, shared TEXT NOT NULL)")
                    connection.execute(_SUBJECTS_TABLE)
                    # subjects named by graph parts recorded in passing (PartsRecorder):
                    # their parts are made by the next write_graph_file
                    connection.execute("CREATE TABLE pending (key TEXT PRIMARY KEY) WITHOUT ROWID")
                    connection.executemany("INSERT INTO meta VALUES (?, ?)",
                                           [("schema", _SCHEMA), ("version", version)])
            return connection
        except sqlite3.DatabaseError:
            connection.close()
            if attempt == 2:
                raise
            for suffix in ("", "-wal", "-shm", "-journal"):  # not a database: only a cache
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    raise AssertionError("unreachable")


def _update(connection: sqlite3.Connection, store: GraphStore, helper_beside: Path | None = None
            ) -> tuple[int, int, int, int]:
    """Make the parts of what changed since the parts file was last updated;
    return (graphs made, graphs reused, subjects made, subjects reused).
    ``helper_beside``: the parts file, when a helper process may make the
    subjects' parts (see :func:`write_graph_file`)."""
    hashes = store.content_hashes()
    names = store.graph_iris()
    readout_graphs = {g: hashes.get(g) for g in names if hashes.get(g) != ""}
    book = _book_hashes(store, [g for g in names if hashes.get(g) == ""])

    made_from = dict(connection.execute("SELECT iri, digest FROM graphs").fetchall())
    changed = [g for g, digest in readout_graphs.items() if digest is None or made_from.get(g) != digest]
    removed = [g for g in made_from if g not in readout_graphs]
    side: _SubjectsBeside | None = None
    if (helper_beside is not None and store.location is not None and not made_from
            and len(changed) >= HELPER_GRAPHS
            and connection.execute("SELECT 1 FROM subjects LIMIT 1").fetchone() is None):
        # every part is made anew: every subject the graphs name is touched, and
        # a second process can list them and make their parts meanwhile
        side = _SubjectsBeside(store, helper_beside, book)
    try:
        touched = _graph_rows(connection, store, readout_graphs, changed, removed)
        if side is not None:
            connection.execute("DELETE FROM pending")
            return (len(changed), len(readout_graphs) - len(changed), side.merge(connection), 0)
    finally:
        if side is not None:
            side.close()
    # the subjects named by graph parts recorded in passing (a build's workers made them)
    touched.update(key for (key,) in connection.execute("SELECT key FROM pending"))
    connection.execute("DELETE FROM pending")
    known = dict(connection.execute("SELECT key, book FROM subjects").fetchall())
    touched.update(key for key, value in book.items() if known.get(key) != value)
    touched.update(key for key, value in known.items() if value and key not in book)
    keys = sorted(touched)
    if (helper_beside is not None and store.location is not None and not known
            and len(keys) >= HELPER_SUBJECTS):
        # every subject's part is made anew, the graphs' were made in passing: a second
        # process makes the second half of them meanwhile
        half = len(keys) // 2
        side = _SubjectsBeside(store, helper_beside, book, keys[half:])
        try:
            made, _ = _subject_rows(connection, store, keys[:half], book)
            made += side.merge(connection)
        finally:
            side.close()
        return len(changed), len(readout_graphs) - len(changed), made, 0
    made, gone = _subject_rows(connection, store, keys, book, known)
    for chunk in _chunks(gone):
        connection.execute(f"DELETE FROM subjects WHERE key IN ({','.join('?' * len(chunk))})", chunk)
    return (len(changed), len(readout_graphs) - len(changed), made,
            sum(1 for key in known if key not in touched))


def _subject_rows(connection: sqlite3.Connection, store: GraphStore, keys: Iterable[str],
                  book: Mapping[str, str], known: Mapping[str, str] | None = None) -> tuple[int, list[str]]:
    """Make the parts of the subjects ``keys`` (in key order) into the subjects
    table; return how many were made, and those of ``known`` that have no
    triples any more (their rows are to be deleted)."""
    known = known or {}
    rows, gone, made = [], [], 0
    for subject, triples in store.subjects_triples(_term(key) for key in sorted(keys)):
        key = str(subject)
        if triples:
            rows.append((key, _turtle(triples), len(triples), _props(triples), book.get(key, "")))
            made += 1
        elif key in known:
            gone.append(key)
        if len(rows) >= _BATCH:
            connection.executemany("INSERT OR REPLACE INTO subjects VALUES (?, ?, ?, ?, ?)", rows)
            rows = []
    connection.executemany("INSERT OR REPLACE INTO subjects VALUES (?, ?, ?, ?, ?)", rows)
    return made, gone


def _graph_rows(connection: sqlite3.Connection, store: GraphStore, readout_graphs: Mapping[str, str | None],
                changed: list[str], removed: list[str]) -> set[str]:
    """Make the parts of the changed graphs, drop those of the removed ones;
    return the keys of the other subjects they name (before or after)."""
    touched = _shared_of(connection, [*changed, *removed])
    for chunk in _chunks(removed):
        connection.execute(f"DELETE FROM graphs WHERE iri IN ({','.join('?' * len(chunk))})", chunk)
    rows = []
    for graph, part in _graph_parts(store, changed, scan=len(changed) > _SCAN_SHARE * len(readout_graphs)):
        touched.update(part.shared.split("\n") if part.shared else ())
        rows.append((graph, readout_graphs[graph], *part))
        if len(rows) >= _BATCH:
            connection.executemany("INSERT OR REPLACE INTO graphs VALUES (?, ?, ?, ?, ?, ?)", rows)
            rows = []
    connection.executemany("INSERT OR REPLACE INTO graphs VALUES (?, ?, ?, ?, ?, ?)", rows)
    return touched


class PartsRecorder:
    """Records parts of readout graphs made elsewhere into a parts file (a
    build's writer thread records those its workers made from the triples
    they rendered, as they are stored), so that the next
    :func:`write_graph_file` of that ``version`` finds them made. The subjects
    they name, before and after, are noted for it to make; the parts file's
    state is cleared. One transaction per :meth:`add`, after the store wrote
    the graphs: a part is never newer than its graph.

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> e, zwp = ox.NamedNode(ID_BASE + "engagement/r1-1"), ox.NamedNode(ID_BASE + "org/zwp")
        >>> with PartsRecorder(folder / "parts.sqlite", "v1") as recorder:
        ...     recorder.add([("urn:g1", "h1", graph_part([(e, e, zwp), (zwp, e, ox.Literal("Z"))]))])
        >>> sqlite3.connect(folder / "parts.sqlite").execute("SELECT key FROM pending").fetchall()
        [('<https://w3id.org/partyrel/id/org/zwp>',)]
    """

    def __init__(self, parts: Path | str, version: str) -> None:
        self._path, self._version = Path(parts), version
        self._connection: sqlite3.Connection | None = None
        #: why the parts file could not be written, once it could not: no more parts are
        #: recorded then (they are only a cache; graph.ttl makes them from the store)
        self.error: str | None = None

    def add(self, rows: Sequence[tuple[str, str, GraphPart]]) -> None:
        """Record (graph IRI, content hash, part) rows, replacing those of the
        same graphs; a parts file that cannot be written sets :attr:`error`."""
        if not rows or self.error is not None:
            return
        try:
            self._add(rows)
        except (OSError, sqlite3.Error) as err:
            self.error = (f"cannot record the parts of graph.ttl at {self._path} ({err}); graph.ttl "
                          "makes them from the store")
            self.close()

    def _add(self, rows: Sequence[tuple[str, str, GraphPart]]) -> None:
        if self._connection is None:
            self._connection = _connect(self._path, self._version)
        with self._connection as connection:
            connection.execute("DELETE FROM meta WHERE key = 'state'")
            keys = _shared_of(connection, [iri for iri, _, _ in rows])
            for _, _, part in rows:
                keys.update(part.shared.split("\n") if part.shared else ())
            connection.executemany("INSERT OR REPLACE INTO graphs VALUES (?, ?, ?, ?, ?, ?)",
                                   [(iri, digest, *part) for iri, digest, part in rows])
            connection.executemany("INSERT OR IGNORE INTO pending VALUES (?)", [(key,) for key in sorted(keys)])

    def close(self) -> None:
        """Close the parts file (harmless twice)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _subject_parts(out: str, target: str, book: dict[str, str], keys: list[str] | None = None) -> int:
    """Make the part of every subject but the local ones (and of every subject
    of the bookkeeping graphs: the keys of ``book``), or of the subjects
    ``keys``, into a new SQLite file ``target``, in key order, from the store
    of the output folder ``out`` opened read-only; return how many were made.
    Run in a helper process: the subjects :func:`_update` would make when every
    part is made anew (or its share of them).

    Example:
        >>> import tempfile
        >>> from rdflib import Literal, URIRef
        >>> from kg.store import GRAPH_BASE
        >>> out = Path(tempfile.mkdtemp())
        >>> party = URIRef(ID_BASE + "org/zwp")
        >>> with GraphStore.open(out) as store:
        ...     store.replace_graph(GRAPH_BASE + "r1", [(party, URIRef(ID_BASE + "p"), Literal("Z"))], "h1")
        >>> _subject_parts(str(out), str(out / "subjects.sqlite"), {})
        1
    """
    Path(target).unlink(missing_ok=True)
    with GraphStore.open(out, read_only=True) as store:
        if keys is None:
            found = store.query("SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s ?p ?o } }")
            assert isinstance(found, ox.QuerySolutions)
            listed = {str(subject) for subject, in found
                      if not (isinstance(subject, ox.NamedNode) and subject.value.startswith(LOCAL_SUBJECTS))}
            keys = sorted(listed | set(book))
        connection = sqlite3.connect(target)
        try:
            connection.execute(_SUBJECTS_TABLE)
            made, _ = _subject_rows(connection, store, keys, book)
            connection.commit()
        finally:
            connection.close()
    return made


class _SubjectsBeside:
    """:func:`_subject_parts` in one helper process (:class:`kg.parallel.HelperProcess`:
    forked from the workers' server, reading a snapshot of the store), started
    at once; :meth:`merge` copies its rows into the parts file."""

    def __init__(self, store: GraphStore, parts: Path, book: dict[str, str],
                 keys: list[str] | None = None) -> None:
        from kg.parallel import HelperProcess

        self._file = Path(f"{parts}.subjects.tmp")
        self._helper = HelperProcess(store, _subject_parts, str(self._file), book, keys)

    def merge(self, connection: sqlite3.Connection) -> int:
        """Wait for the helper and copy its rows (after those there are: none,
        when every part is made anew); return how many. Raises StoreError when
        the helper failed or died."""
        from concurrent.futures.process import BrokenProcessPool

        try:
            made: int = self._helper.result()
        except BrokenProcessPool as err:
            raise StoreError(f"the process making the subjects' parts of graph.ttl died ({err}); "
                             "build again, or use -j 1") from err
        connection.execute("ATTACH DATABASE ? AS side", (self._file.resolve().as_uri() + "?mode=ro",))
        try:
            connection.execute("INSERT INTO subjects SELECT * FROM side.subjects ORDER BY rowid")
        finally:
            connection.commit()  # DETACH cannot run inside the transaction that read it
            connection.execute("DETACH DATABASE side")
        return made

    def close(self) -> None:
        """Stop the helper (if it still runs) and remove its file."""
        self._helper.close(terminate=True)
        self._file.unlink(missing_ok=True)


def _shared_of(connection: sqlite3.Connection, graphs: Sequence[str]) -> set[str]:
    """The keys of the other subjects the recorded parts of ``graphs`` name."""
    keys: set[str] = set()
    for chunk in _chunks(graphs):
        marks = ",".join("?" * len(chunk))
        for (shared,) in connection.execute(f"SELECT shared FROM graphs WHERE iri IN ({marks})", chunk):
            keys.update(shared.split("\n") if shared else ())
    return keys


def _graph_parts(store: GraphStore, graphs: Sequence[str], *, scan: bool
                 ) -> Iterable[tuple[str, GraphPart]]:
    """(graph, its part) for each of ``graphs``: read with one scan of the store
    when many are wanted, else graph by graph."""
    if not scan:
        for graph in graphs:
            yield graph, graph_part(quad.triple for quad in store.quads(graph))
        return
    wanted, seen = set(graphs), set()
    for name, quads in groupby(store.quads(), key=attrgetter("graph_name")):
        graph = name.value
        if graph in seen:  # the store keeps a graph's quads together (graph-first index)
            raise StoreError(f"the quads of {graph} were not read together; rebuild graph.ttl "
                             "with a newer partyrel")
        seen.add(graph)
        if graph in wanted:
            yield graph, graph_part(quad.triple for quad in quads)
    for graph in graphs:
        if graph not in seen:  # an empty graph has no quads to scan
            yield graph, graph_part(())


class GraphPart(NamedTuple):
    """One readout graph's part of ``graph.ttl`` (:func:`graph_part`)."""

    turtle: bytes  #: its local triples as Turtle, without the @prefix lines
    triples: int  #: how many local triples
    props: bytes  #: what the map reads of them, marshalled
    shared: str  #: the keys of its other subjects, sorted, one per line


def graph_part(triples: Iterable[ox.Triple | tuple[OxSubject, ox.NamedNode, OxObject]]) -> GraphPart:
    """The part of ``graph.ttl`` a readout graph with these triples gives: its
    local triples (about its readout and engagements), sorted, as Turtle, and
    the keys of its other subjects, whose triples go in their own parts. The
    same from the store (:func:`write_graph_file`) or from the triples a worker
    rendered (:class:`PartsRecorder`).

    Example:
        >>> e, p = ox.NamedNode(ID_BASE + "engagement/r1-1"), ox.NamedNode(ID_BASE + "p")
        >>> part = graph_part([(e, p, ox.Literal("b")), (e, p, ox.Literal("a")),
        ...                    (ox.NamedNode(ID_BASE + "org/zwp"), p, e)])
        >>> part.triples, part.shared, part.turtle.count(b"id:p")
        (2, '<https://w3id.org/partyrel/id/org/zwp>', 1)
    """
    local: list[tuple[str, str, str, ox.Triple]] = []
    shared: set[str] = set()
    for subject, predicate, obj in triples:
        if isinstance(subject, ox.NamedNode) and subject.value.startswith(LOCAL_SUBJECTS):
            local.append((subject.value, predicate.value, str(obj), ox.Triple(subject, predicate, obj)))
        else:
            shared.add(str(subject))
    local.sort(key=lambda row: row[:3])  # the store's order is its hashes': sorted, it is the same from anywhere
    ordered = [row[3] for row in local]
    return GraphPart(_turtle(ordered), len(ordered), _props(ordered), "\n".join(sorted(shared)))


def _book_hashes(store: GraphStore, graphs: Sequence[str]) -> dict[str, str]:
    """Subject key -> hash of its triples in the bookkeeping graphs."""
    lines: dict[str, list[str]] = defaultdict(list)
    for graph in graphs:
        for triple in store.graph_triples(graph):
            lines[str(triple.subject)].append(f"{graph} {triple.predicate} {triple.object}")
    return {key: hashlib.blake2b("\n".join(sorted(found)).encode(), digest_size=12).hexdigest()
            for key, found in lines.items()}


def _concatenate(connection: sqlite3.Connection, target: Path) -> int:
    """Write the parts in order to ``target`` (atomically); return the number of triples."""
    tmp = target.with_name(target.name + ".tmp")
    count = 0
    try:
        with open(tmp, "wb") as handle:
            handle.write(_PREAMBLE)
            for table, key in (("graphs", "iri"), ("subjects", "key")):
                for turtle, triples in connection.execute(
                        f"SELECT turtle, triples FROM {table} ORDER BY {key}"):
                    if triples:
                        handle.write(turtle)
                        count += triples
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
        fsync_dir(target.parent)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise StoreError(f"cannot write {target}: {err}; check that the folder is writable "
                         "and the disk has space") from err
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return count


# --------------------------------------------------------------------------- Turtle

def _preamble() -> bytes:
    """The ``@prefix`` lines pyoxigraph writes before any triple."""
    any_triple = ox.Triple(ox.NamedNode(ID_BASE + "x"), ox.NamedNode(ID_BASE + "y"), ox.Literal("z"))
    lines = (ox.serialize([any_triple], None, ox.RdfFormat.TURTLE, prefixes=dict(PREFIXES))
             or b"").splitlines(keepends=True)
    return b"".join(line for line in lines if line.startswith(b"@prefix "))


_PREAMBLE = _preamble()


def _turtle(triples: Iterable[ox.Triple]) -> bytes:
    """The triples as Turtle statements with the project's prefixes (the
    ``@prefix`` lines themselves are written once, at the top of the file)."""
    text = ox.serialize(triples, None, ox.RdfFormat.TURTLE, prefixes=dict(PREFIXES)) or b""
    return text.removeprefix(_PREAMBLE)


def _props(triples: Sequence[ox.Triple]) -> bytes:
    """What the map reads of these triples (:data:`kg.analysis.Props`), marshalled."""
    rows = []
    for triple in triples:
        subject, obj = triple.subject, triple.object
        # (no RDF-star: a subject or object is never a Triple in a partyrel store)
        rows.append((f"_:{subject.value}" if isinstance(subject, ox.BlankNode) else subject.value,  # type: ignore[union-attr]
                     triple.predicate.value,
                     f"_:{obj.value}" if isinstance(obj, ox.BlankNode) else obj.value,  # type: ignore[union-attr]
                     isinstance(obj, ox.Literal)))
    return marshal.dumps(triple_props(rows))


def _term(key: str) -> ox.NamedNode | ox.BlankNode:
    """The subject a part key (its N-Triples form) names."""
    return ox.BlankNode(key[2:]) if key.startswith("_:") else ox.NamedNode(key[1:-1])


def _chunks(items: Sequence[str], size: int = _BATCH) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start:start + size])
