"""The engagement summary: a side index kept beside a store on disk so that the
aggregate named queries answer in milliseconds whatever the store's size.

pyoxigraph joins cost about 10 microseconds a row, and the aggregate queries
(counts per year, type, topic or counterpart) join every engagement they
count: "the CPC's counterparts in 2020" read 85,000 engagements and took
2.8 s at 100,000 readouts, every engagement by year and type 2.7 s. The
build therefore keeps, in ``OUT/.summary.sqlite``:

* one row per engagement (its date and year), with its types, sides and
  topics, written with the readouts it writes (read back from the same
  N-Triples text the store received) and removed with the readouts it prunes;
* five aggregate tables derived from those rows at the end of a build that
  changed them: the answers of ``engagements-by-year``, ``engagements-by-type``,
  ``topics-by-year``, ``counterparts-by-year`` and ``first-last-contact`` for
  every value of their parameters.

A query answered here gets its labels from the store (as the SPARQL does),
and its rows are ordered as the SPARQL orders them: the answer is the one
the query gives (the tests compare them for every parameter value). The
summary is used only when all of these hold, otherwise the SPARQL runs:

* the summary was sealed with the store's current content stamp (recorded by
  the build after it closed the store; any later write to the store, by any
  program, changes the stamp);
* every readout's engagements had the shapes the summary reads (one
  ``xsd:date`` each at most, sides and topics given as IRIs, an engagement in
  one readout graph only);
* the named query's text is the one its answer here was written for
  (:data:`QUERY_DIGESTS`): an edited ``.rq`` file runs as SPARQL.

Example:
    >>> import tempfile
    >>> from kg.store import GRAPH_BASE, GraphData
    >>> folder = Path(tempfile.mkdtemp())
    >>> e = "<https://w3id.org/partyrel/id/engagement/r1-1>"
    >>> text = (f"{e} <{RDF_TYPE}> <{PR_NS}Engagement> .\\n{e} <{RDF_TYPE}> <{PR_NS}Talks> .\\n"
    ...         f'{e} <{PR_NS}date> "2024-03-11"^^<{XSD_DATE}> .')
    >>> with Summary.open(folder) as summary:
    ...     summary.record([GraphData(GRAPH_BASE + "r1", text, "h1")])
    ...     summary.finish()
    ...     summary.rows("SELECT year, type, n FROM by_year_type")
    [(2024, 'Talks', 1)]
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import closing
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import pyoxigraph as ox
from rdflib.term import Node, URIRef

from kg.errors import StoreError
from kg.store import GRAPH_BASE, ID_BASE, PR_NS, BindingValue, GraphData, GraphStore, from_ox_term

if TYPE_CHECKING:
    from kg.named_queries import NamedQuery
    from kg.query import QueryResult

__all__ = ["DERIVED_GRAPHS", "QUERY_DIGESTS", "SUMMARY_FILE", "Summary", "answer", "query_digest"]

#: The summary's file in the output folder.
SUMMARY_FILE = ".summary.sqlite"
#: Changes whenever the tables or their meaning change (an older file is made again).
_VERSION = "partyrel-summary-2"

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"
_XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
_RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
#: The graphs a build derives from all readouts (labels, the topic scheme): no engagements.
DERIVED_GRAPHS = frozenset({GRAPH_BASE + "_labels", GRAPH_BASE + "_topics"})
_ENGAGEMENT_LINE = f"<{ID_BASE}engagement/"
_TYPE = f"<{RDF_TYPE}>"
_ENGAGEMENT_CLASS = f"<{PR_NS}Engagement>"
_DATE = f"<{PR_NS}date>"
_INVOLVES = f"<{PR_NS}involves>"
_TOPIC = f"<{PR_NS}topic>"
_TYPED_ENGAGEMENT = f" {_TYPE} {_ENGAGEMENT_CLASS} ."
_DATE_LITERAL = re.compile(r'"(\d{4})-\d{2}-\d{2}"\^\^<' + re.escape(XSD_DATE) + ">")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS readouts (
  rid INTEGER PRIMARY KEY, graph TEXT NOT NULL UNIQUE, digest TEXT NOT NULL,
  regular INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS terms (id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS eng (
  id INTEGER PRIMARY KEY, rid INTEGER NOT NULL, e TEXT NOT NULL, date TEXT, year INTEGER);
CREATE INDEX IF NOT EXISTS eng_rid ON eng (rid);
CREATE TABLE IF NOT EXISTS eng_type (eid INTEGER NOT NULL, type TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS eng_type_eid ON eng_type (eid);
CREATE TABLE IF NOT EXISTS inv (eid INTEGER NOT NULL, org INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS inv_eid ON inv (eid);
CREATE TABLE IF NOT EXISTS top (eid INTEGER NOT NULL, topic INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS top_eid ON top (eid);
CREATE TABLE IF NOT EXISTS by_year_type (year INTEGER, type TEXT NOT NULL, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS by_type (type TEXT NOT NULL, n INTEGER NOT NULL, first TEXT, last TEXT);
CREATE TABLE IF NOT EXISTS by_year_topic (year INTEGER, topic INTEGER NOT NULL, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS by_org_year (
  org INTEGER NOT NULL, year INTEGER, counterpart INTEGER NOT NULL, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS by_pair (
  org INTEGER NOT NULL, counterpart INTEGER NOT NULL, n INTEGER NOT NULL, first TEXT, last TEXT);
"""

# The aggregates, as the SPARQL of each query defines them (COUNT(DISTINCT ?e)
# is COUNT(*): an engagement is one row of eng, in one readout graph; sides,
# topics and types are sets within a graph).
_AGGREGATES = (
    ("by_year_type", """INSERT INTO by_year_type
        SELECT e.year, t.type, COUNT(*) FROM eng e JOIN eng_type t ON t.eid = e.id
        GROUP BY e.year, t.type""", ("year", "type")),
    ("by_type", """INSERT INTO by_type
        SELECT t.type, COUNT(*), MIN(e.date), MAX(e.date) FROM eng e JOIN eng_type t ON t.eid = e.id
        GROUP BY t.type""", ("type",)),
    ("by_year_topic", """INSERT INTO by_year_topic
        SELECT e.year, p.topic, COUNT(*) FROM eng e JOIN top p ON p.eid = e.id
        GROUP BY e.year, p.topic""", ("year", "topic")),
    ("by_org_year", """INSERT INTO by_org_year
        SELECT a.org, e.year, b.org, COUNT(*) FROM eng e JOIN inv a ON a.eid = e.id
        JOIN inv b ON b.eid = e.id AND b.org != a.org GROUP BY a.org, e.year, b.org""",
     ("org, year", "year")),
    ("by_pair", """INSERT INTO by_pair
        SELECT a.org, b.org, COUNT(*), MIN(e.date), MAX(e.date) FROM eng e JOIN inv a ON a.eid = e.id
        JOIN inv b ON b.eid = e.id AND b.org != a.org GROUP BY a.org, b.org""", ("org",)),
)


def _local_name(iri: str) -> str | None:
    """``pr:Talks`` -> "Talks"; None for a class outside the ontology."""
    return iri[len(PR_NS):] if iri.startswith(PR_NS) and len(iri) > len(PR_NS) else None


def engagement_rows(ntriples: str) -> tuple[list[tuple[str, str | None, int | None]],
                                            list[tuple[str, str]], list[tuple[str, str]],
                                            list[tuple[str, str]]] | None:
    """The summary rows of one readout graph's N-Triples text (as
    :func:`kg.store.render_ntriples` writes it): engagements (IRI, date,
    year), their types, sides and topics. None when the text has a shape the
    summary does not read (two dates for an engagement, a date that is not an
    ``xsd:date``, a side or topic that is not an IRI, an engagement outside
    ``id/engagement/``): the queries then run as SPARQL.

    Example:
        >>> e = "<https://w3id.org/partyrel/id/engagement/r1-1>"
        >>> engagement_rows(f"{e} <{RDF_TYPE}> <{PR_NS}Engagement> .\\n"
        ...                 f"{e} <{PR_NS}involves> <https://w3id.org/partyrel/id/org/zwp> .")
        ([('https://w3id.org/partyrel/id/engagement/r1-1', None, None)], [], [('https://w3id.org/partyrel/id/engagement/r1-1', 'https://w3id.org/partyrel/id/org/zwp')], [])
    """
    engaged: set[str] = set()
    dates: dict[str, tuple[str, int]] = {}
    types: list[tuple[str, str]] = []
    sides: list[tuple[str, str]] = []
    topics: list[tuple[str, str]] = []
    for line in ntriples.split("\n"):
        if not line.startswith(_ENGAGEMENT_LINE):
            continue
        subject, predicate, rest = line.split(" ", 2)
        if not rest.endswith(" ."):
            return None
        obj = rest[:-2]
        e = subject[1:-1]
        if predicate == _TYPE:
            if obj == _ENGAGEMENT_CLASS:
                engaged.add(e)
            elif obj.startswith("<"):
                name = _local_name(obj[1:-1])
                if name is not None:
                    types.append((e, name))
        elif predicate == _DATE:
            found = _DATE_LITERAL.fullmatch(obj)
            if found is None or e in dates:
                return None
            dates[e] = (obj[1:11], int(found.group(1)))
        elif predicate in (_INVOLVES, _TOPIC):
            if not obj.startswith("<"):
                return None
            (sides if predicate == _INVOLVES else topics).append((e, obj[1:-1]))
    if ntriples.count(_TYPED_ENGAGEMENT) != len(engaged):
        return None  # something else is typed pr:Engagement: read by the SPARQL only
    engagements = [(e, *dates.get(e, (None, None))) for e in sorted(engaged)]
    return (engagements, [t for t in types if t[0] in engaged],
            [s for s in sides if s[0] in engaged], [t for t in topics if t[0] in engaged])


class Summary:
    """The summary file of one output folder, open for the build to update.

    ``record`` replaces the rows of the readout graphs just written,
    ``sync`` makes the rows match the store (graphs written or removed by a
    build that stopped half-way, or before the summary existed), ``finish``
    derives the aggregate tables again where rows changed, and ``seal``
    records the store's content stamp once the store is closed. Answers are
    given by :func:`answer`.

    Example:
        >>> import tempfile
        >>> with Summary.open(Path(tempfile.mkdtemp())) as summary:
        ...     summary.digests()
        {}
    """

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self._path = path
        self._terms: dict[str, int] | None = None

    @classmethod
    def open(cls, out: Path | str) -> Summary:
        """Open (or create) the summary of the output folder ``out``.

        Raises StoreError when the file cannot be opened or created.
        """
        path = Path(out) / SUMMARY_FILE
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.is_file() and _version_of(path) != _VERSION:
                for suffix in ("", "-wal", "-shm"):  # made by another version: made again
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
            connection = sqlite3.connect(path, isolation_level=None)
            try:
                connection.execute("PRAGMA journal_mode = WAL")
                connection.execute("PRAGMA synchronous = NORMAL")
                connection.executescript(_SCHEMA)
                connection.execute("INSERT OR IGNORE INTO meta VALUES ('version', ?)", (_VERSION,))
            except BaseException:
                connection.close()
                raise
        except (sqlite3.Error, OSError) as err:
            raise StoreError(f"cannot open the summary {path}: {err}; delete the file (the next "
                             "build makes it again)") from err
        return cls(connection, path)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Close the file."""
        self._db.close()

    def rows(self, sql: str, args: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """The rows of an SQL query on the summary (for tests and inspection)."""
        return self._db.execute(sql, args).fetchall()

    def _set(self, key: str, value: str | None) -> None:
        if value is None:
            self._db.execute("DELETE FROM meta WHERE key = ?", (key,))
        else:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def digests(self) -> dict[str, str]:
        """The content hash each readout graph had when its rows were written."""
        return dict(self._db.execute("SELECT graph, digest FROM readouts"))

    def record(self, graphs: Sequence[GraphData]) -> None:
        """Replace the rows of these readout graphs by those of their new text
        (an empty text removes them); one transaction. Call it after the
        store has written them."""
        if not graphs:
            return
        with self._writing():
            self._remove([item.iri for item in graphs])
            for item in graphs:
                if item.ntriples:
                    self._insert(item.iri, item.content_hash, item.ntriples)

    def _writing(self, *, changes_rows: bool = True) -> _Transaction:
        return _Transaction(self, changes_rows)

    def _remove(self, graph_iris: Iterable[str]) -> None:
        for chunk in _chunks(list(graph_iris), 500):
            marks = ",".join("?" * len(chunk))
            rids = [rid for (rid,) in self._db.execute(
                f"SELECT rid FROM readouts WHERE graph IN ({marks})", chunk)]
            if not rids:
                continue
            rid_marks = ",".join("?" * len(rids))
            engagements = f"SELECT id FROM eng WHERE rid IN ({rid_marks})"
            for table in ("eng_type", "inv", "top"):
                self._db.execute(f"DELETE FROM {table} WHERE eid IN ({engagements})", rids)
            for table in ("eng", "readouts"):
                self._db.execute(f"DELETE FROM {table} WHERE rid IN ({rid_marks})", rids)

    def _term(self, iri: str) -> int:
        """The number of an IRI in the terms table (added when new)."""
        if self._terms is None:
            self._terms = {found: number for number, found in self._db.execute(
                "SELECT id, iri FROM terms")}
        number = self._terms.get(iri)
        if number is None:
            cursor = self._db.execute("INSERT INTO terms (iri) VALUES (?)", (iri,))
            number = self._terms[iri] = int(cursor.lastrowid or 0)
        return number

    def _insert(self, graph_iri: str, digest: str, ntriples: str) -> None:
        found = engagement_rows(ntriples)
        cursor = self._db.execute("INSERT INTO readouts (graph, digest, regular) VALUES (?, ?, ?)",
                                  (graph_iri, digest, int(found is not None)))
        if found is None:
            return
        rid = cursor.lastrowid
        engagements, types, sides, topics = found
        ids: dict[str, int] = {}
        for e, day, year in engagements:
            ids[e] = int(self._db.execute("INSERT INTO eng (rid, e, date, year) VALUES (?, ?, ?, ?)",
                                          (rid, e, day, year)).lastrowid or 0)
        self._db.executemany("INSERT INTO eng_type VALUES (?, ?)",
                             [(ids[e], kind) for e, kind in types])
        self._db.executemany("INSERT INTO inv VALUES (?, ?)",
                             [(ids[e], self._term(org)) for e, org in sides])
        self._db.executemany("INSERT INTO top VALUES (?, ?)",
                             [(ids[e], self._term(topic)) for e, topic in topics])

    def sync(self, store: GraphStore, hashes: Mapping[str, str] | None = None,
             on_graph: Callable[[int, int], None] | None = None) -> int:
        """Make the rows match the store's graphs (all but the labels and topics
        a build derives, :data:`DERIVED_GRAPHS`): remove those of graphs the
        store no longer has, and read again from the store those whose content
        hash differs from the one recorded, or that have none (``hashes``: the
        store's, when the caller has them). Return how many graphs were read.
        """
        hashes = store.content_hashes() if hashes is None else hashes
        known = self.digests()
        present = {iri: hashes.get(iri) for iri in store.graph_iris() if iri not in DERIVED_GRAPHS}
        gone = [iri for iri in known if iri not in present]
        stale = [iri for iri, digest in present.items() if digest is None or known.get(iri) != digest]
        if gone:
            with self._writing():
                self._remove(gone)
        for number, chunk in enumerate(_chunks(stale, 256)):
            graphs = [GraphData(iri, "\n".join(f"{triple} ." for triple in store.graph_triples(iri)),
                                present[iri] or "") for iri in chunk]
            self.record(graphs)
            if on_graph is not None:
                on_graph(min((number + 1) * 256, len(stale)), len(stale))
        return len(stale)

    def finish(self) -> None:
        """Derive the aggregate tables again if rows changed since they were;
        check that every engagement is in one readout graph (the summary is not
        used otherwise)."""
        if self._get("aggregates") == "fresh":
            return
        with self._writing():
            for table, insert, indexed in _AGGREGATES:
                self._db.execute(f"DROP INDEX IF EXISTS {table}_key")
                for number, _ in enumerate(indexed):
                    self._db.execute(f"DROP INDEX IF EXISTS {table}_key{number}")
                self._db.execute(f"DELETE FROM {table}")
                self._db.execute(insert)
                for number, columns in enumerate(indexed):
                    self._db.execute(f"CREATE INDEX {table}_key{number} ON {table} ({columns})")
            irregular = self._db.execute("SELECT 1 FROM readouts WHERE regular = 0 LIMIT 1").fetchone()
            shared = self._db.execute(
                "SELECT 1 FROM eng GROUP BY e HAVING COUNT(*) > 1 LIMIT 1").fetchone()
            self._set("usable", "no" if irregular or shared else "yes")
            self._set("aggregates", "fresh")

    def seal(self, stamp: str) -> None:
        """Record the content stamp of the store the rows were made from
        (read after the build closed it: closing changes it)."""
        with self._writing(changes_rows=False):
            self._set("stamp", stamp)

    def _get(self, key: str) -> str | None:
        found = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if found is None else str(found[0])


def _version_of(path: Path) -> str | None:
    """The version recorded in a summary file; None when it has none (or is no database)."""
    try:
        with closing(sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)) as db:
            found = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
    except sqlite3.Error:
        return None
    return None if found is None else str(found[0])


class _Transaction:
    """One SQLite transaction; one that changes rows first marks the seal and
    the aggregates stale (a crash before they are made again leaves them so)."""

    def __init__(self, summary: Summary, changes_rows: bool) -> None:
        self._summary = summary
        self._changes_rows = changes_rows

    def __enter__(self) -> None:
        db = self._summary._db
        db.execute("BEGIN IMMEDIATE")
        if self._changes_rows:
            db.execute("DELETE FROM meta WHERE key IN ('stamp', 'aggregates')")

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        db = self._summary._db
        try:
            db.execute("COMMIT" if exc_type is None else "ROLLBACK")
            if exc_type is not None:
                self._summary._terms = None  # numbers given in the rolled back transaction
        except sqlite3.Error as err:
            if exc_type is None:
                raise StoreError(f"cannot write the summary {self._summary._path}: {err}; "
                                 "check the disk") from err


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


# ------------------------------------------------------------------ answers

def query_digest(text: str) -> str:
    """A short hash of a named query's text (what :data:`QUERY_DIGESTS` holds).

    Example:
        >>> len(query_digest("SELECT * WHERE { ?s ?p ?o }"))
        16
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


#: The text (``kg/queries/NAME.rq``) each answer here was written and tested
#: for. Change a query and its answer here, then its digest, together.
QUERY_DIGESTS: dict[str, str] = {
    "engagements-by-year": "ff35da63094205f3",
    "engagements-by-type": "79462a090890c7b9",
    "topics-by-year": "0f13fd9604ebe97d",
    "counterparts-by-year": "1567541315953dfd",
    "first-last-contact": "b348832e8ea36e2a",
}

_Row = tuple[Node | None, ...]


def _iri(value: str) -> Node | None:
    return from_ox_term(ox.NamedNode(value))


def _integer(value: int | None) -> Node | None:
    return None if value is None else from_ox_term(ox.Literal(str(value), datatype=ox.NamedNode(_XSD_INTEGER)))


def _string(value: str) -> Node | None:
    return from_ox_term(ox.Literal(value))


def _date(value: str | None) -> Node | None:
    return None if value is None else from_ox_term(ox.Literal(value, datatype=ox.NamedNode(XSD_DATE)))


def _labels(store: GraphStore, iris: Iterable[str]) -> dict[str, list[Node]]:
    """Every rdfs:label of these IRIs in the store's union (a label stated in
    two graphs comes twice, as the union gives it)."""
    found: dict[str, list[Node]] = {}
    unique = sorted(set(iris))
    for chunk in _chunks(unique, 2000):
        values = " ".join(f"<{iri}>" for iri in chunk)
        for solution in store.query(f"SELECT ?x ?l WHERE {{ VALUES ?x {{ {values} }} "
                                    f"?x <{_RDFS_LABEL}> ?l }}"):
            label = from_ox_term(solution["l"])
            if label is not None:
                found.setdefault(solution["x"].value, []).append(label)
    return found


def _names(labels: dict[str, list[Node]], iri: str, *, distinct: bool) -> list[Node | None]:
    """The label cells of one entity: one row per label (unbound without one)."""
    names = labels.get(iri)
    if not names:
        return [None]
    return list(dict.fromkeys(names)) if distinct else list(names)


def _sorted(rows: list[_Row], keys: Sequence[tuple[int, bool]]) -> list[_Row]:
    """Rows in SPARQL's ORDER BY order: unbound first (last when descending),
    numbers by value, text and IRIs by code point. ``keys``: (column, descending)."""
    def key(column: int) -> Callable[[_Row], tuple[int, Any]]:
        def of(row: _Row) -> tuple[int, Any]:
            cell = row[column]
            if cell is None:
                return (0, 0)
            value = cell.toPython() if hasattr(cell, "toPython") else str(cell)
            if isinstance(value, bool) or not isinstance(value, (int, date)):
                value = str(cell)
            if isinstance(value, date):
                value = value.isoformat()
            return (1, value) if isinstance(value, int) else (2, value)
        return of

    ordered = list(rows)
    for column, descending in reversed(keys):
        ordered.sort(key=key(column), reverse=descending)
    return ordered


def _where(conditions: Mapping[str, object]) -> tuple[str, list[object]]:
    given = [(column, value) for column, value in conditions.items() if value is not None]
    if not given:
        return "", []
    return " WHERE " + " AND ".join(f"{column} = ?" for column, _ in given), [v for _, v in given]


class _Unanswerable(Exception):
    """A bound value of another kind than the summary's column: the SPARQL decides."""


def _param(bindings: Mapping[str, BindingValue], name: str, kind: type) -> object:
    value = bindings.get(name)
    if value is None:
        return None
    if kind is int and isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if kind is URIRef and isinstance(value, URIRef):
        return str(value)
    if kind is str and isinstance(value, str) and not isinstance(value, URIRef):
        return str(value)
    raise _Unanswerable(name)


def _term_number(db: sqlite3.Connection, iri: object) -> object:
    """The number of an IRI in the terms table; -1 (no row) for an unknown one."""
    if iri is None:
        return None
    found = db.execute("SELECT id FROM terms WHERE iri = ?", (iri,)).fetchone()
    return -1 if found is None else found[0]


def _engagements_by_year(db: sqlite3.Connection, store: GraphStore,
                         bindings: Mapping[str, BindingValue]) -> tuple[list[str], list[_Row]]:
    where, args = _where({"year": _param(bindings, "year", int),
                          "type": _param(bindings, "type", str)})
    rows: list[_Row] = [(_integer(year), _string(kind), _integer(n)) for year, kind, n in
                        db.execute(f"SELECT year, type, n FROM by_year_type{where}", args)]
    return ["year", "type", "engagements"], _sorted(rows, [(0, False), (2, True), (1, False)])


def _engagements_by_type(db: sqlite3.Connection, store: GraphStore,
                         bindings: Mapping[str, BindingValue]) -> tuple[list[str], list[_Row]]:
    where, args = _where({"type": _param(bindings, "type", str)})
    rows: list[_Row] = [(_string(kind), _integer(n), _date(first), _date(last))
                        for kind, n, first, last in
                        db.execute(f"SELECT type, n, first, last FROM by_type{where}", args)]
    return ["type", "engagements", "first", "last"], _sorted(rows, [(1, True), (0, False)])


def _topics_by_year(db: sqlite3.Connection, store: GraphStore,
                    bindings: Mapping[str, BindingValue]) -> tuple[list[str], list[_Row]]:
    where, args = _where({"year": _param(bindings, "year", int),
                          "t.iri": _param(bindings, "topic", URIRef)})
    found = db.execute("SELECT year, t.iri, n FROM by_year_topic JOIN terms t ON t.id = topic"
                       f"{where}", args).fetchall()
    labels = _labels(store, (topic for _, topic, _ in found))
    rows: list[_Row] = [(_integer(year), _iri(topic), name, _integer(n))
                        for year, topic, n in found
                        for name in _names(labels, topic, distinct=True)]
    return (["year", "topic", "topic_label", "engagements"],
            _sorted(rows, [(0, False), (3, True), (2, False), (1, False)]))


def _counterparts_by_year(db: sqlite3.Connection, store: GraphStore,
                          bindings: Mapping[str, BindingValue]) -> tuple[list[str], list[_Row]]:
    where, args = _where({"org": _term_number(db, _param(bindings, "org", URIRef)),
                          "year": _param(bindings, "year", int)})
    found = db.execute("SELECT a.iri, year, b.iri, n FROM by_org_year JOIN terms a ON a.id = org "
                       f"JOIN terms b ON b.id = counterpart{where}", args).fetchall()
    labels = _labels(store, [org for org, *_ in found] + [other for _, _, other, _ in found])
    rows: list[_Row] = [(_iri(org), org_name, _integer(year), _iri(other), other_name, _integer(n))
                        for org, year, other, n in found
                        for org_name in _names(labels, org, distinct=True)
                        for other_name in _names(labels, other, distinct=True)]
    columns = ["org", "org_name", "year", "counterpart", "counterpart_name", "engagements"]
    return columns, _sorted(rows, [(1, False), (0, False), (2, False), (5, True), (4, False),
                                   (3, False)])


def _first_last_contact(db: sqlite3.Connection, store: GraphStore,
                        bindings: Mapping[str, BindingValue]) -> tuple[list[str], list[_Row]]:
    where, args = _where({"org": _term_number(db, _param(bindings, "org", URIRef))})
    found = db.execute("SELECT a.iri, b.iri, n, first, last FROM by_pair JOIN terms a ON a.id = org "
                       f"JOIN terms b ON b.id = counterpart{where}", args).fetchall()
    labels = _labels(store, [org for org, *_ in found] + [other for _, other, *_ in found])
    rows: list[_Row] = [(_iri(org), org_name, _iri(other), other_name, _date(first), _date(last),
                         _integer(n))
                        for org, other, n, first, last in found
                        for org_name in _names(labels, org, distinct=False)
                        for other_name in _names(labels, other, distinct=False)]
    columns = ["org", "org_name", "counterpart", "counterpart_name", "first", "last", "engagements"]
    return columns, _sorted(rows, [(1, False), (0, False), (5, True), (3, False), (2, False)])


_ANSWERS: dict[str, Callable[[sqlite3.Connection, GraphStore, Mapping[str, BindingValue]],
                             tuple[list[str], list[_Row]]]] = {
    "engagements-by-year": _engagements_by_year,
    "engagements-by-type": _engagements_by_type,
    "topics-by-year": _topics_by_year,
    "counterparts-by-year": _counterparts_by_year,
    "first-last-contact": _first_last_contact,
}


def answer(store: GraphStore, query: NamedQuery, bindings: Mapping[str, BindingValue]
           ) -> QueryResult | None:
    """The answer of the named ``query`` with these bound parameters (as
    :func:`kg.named_queries.bind_parameters` gives them) from the store's
    summary; None when the summary cannot give it (see the module's
    description): the caller runs the SPARQL.

    Example:
        >>> from kg.named_queries import get_query
        >>> with GraphStore.memory() as store:
        ...     answer(store, get_query("engagements-by-year"), {}) is None
        True
    """
    compute = _ANSWERS.get(query.name)
    location = store.location
    if compute is None or location is None or QUERY_DIGESTS.get(query.name) != query_digest(query.text):
        return None
    path = location / SUMMARY_FILE
    if not path.is_file():
        return None
    try:
        connection = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    with closing(connection):
        try:
            meta = dict(connection.execute("SELECT key, value FROM meta"))
            if (meta.get("version") != _VERSION or meta.get("usable") != "yes"
                    or meta.get("aggregates") != "fresh" or meta.get("stamp") != store.content_stamp()):
                return None
            columns, rows = compute(connection, store, bindings)
        except (sqlite3.Error, _Unanswerable):
            return None
    from kg.query import QueryResult, plain_cell

    return QueryResult(columns=columns, rows=[tuple(plain_cell(cell) for cell in row) for row in rows],
                       kind="select", terms=rows)
