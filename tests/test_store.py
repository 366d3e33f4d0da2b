"""Tests of kg.store: the embedded pyoxigraph store (named graph per readout,
content hashes, locking, safe parameters, Turtle dumps)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib import RDF, RDFS, BNode, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

from kg.errors import QueryError, StoreError
from kg.store import (
    CONTENT_HASH,
    GRAPH_BASE,
    META_GRAPH,
    SNAPSHOTS_DIR,
    GraphData,
    GraphStore,
    from_ox_term,
    remove_snapshot,
    render_ntriples,
    to_ox_term,
)

REPO = Path(__file__).resolve().parents[1]
XSD_DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")
XSD_INTEGER = URIRef("http://www.w3.org/2001/XMLSchema#integer")
PR = Namespace("https://w3id.org/partyrel/ontology#")
ID = Namespace("https://w3id.org/partyrel/id/")

G1 = GRAPH_BASE + "readout-1"
G2 = GRAPH_BASE + "readout-2"

Triple = tuple[rdflib.term.Node, rdflib.term.Node, rdflib.term.Node]


def readout_1() -> list[Triple]:
    zwp = ID["org/zeta-workers-party"]
    meeting = ID["engagement/readout-1-1"]
    note = BNode()
    return [
        (zwp, RDF.type, PR.PoliticalParty),
        (zwp, RDFS.label, Literal("Zeta Workers Party", lang="en")),
        (ID["person/tang-wenbo"], RDFS.label, Literal("Tang Wenbo", lang="en")),
        (meeting, RDF.type, PR.Meeting),
        (meeting, PR.involves, zwp),
        (meeting, PR.participant, ID["person/tang-wenbo"]),
        (meeting, PR.date, Literal("2024-05-01", datatype=XSD_DATE)),
        (meeting, PR.evidence, Literal('Tang said "welcome"\nand left.')),
        (meeting, RDFS.comment, note),
        (note, RDFS.label, Literal("a blank node")),
    ]


def readout_2() -> list[Triple]:
    zwp = ID["org/zeta-workers-party"]
    return [
        (zwp, RDFS.label, Literal("Zeta Workers Party", lang="en")),  # also in readout 1
        (zwp, PR.country, ID["country/zetania"]),
        (ID["engagement/readout-2-1"], PR.involves, zwp),
        (ID["engagement/readout-2-1"], PR.date, Literal("2024-06-02", datatype=XSD_DATE)),
    ]


def expected_union() -> rdflib.Graph:
    graph = rdflib.Graph()
    for triple in readout_1() + readout_2():
        graph.add(triple)
    return graph


StoreFactory = Callable[[], GraphStore]


@pytest.fixture(params=["memory", "disk"])
def new_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """A factory of empty stores, in memory and on disk (table-driven over both)."""
    opened: list[GraphStore] = []

    def make() -> GraphStore:
        store = GraphStore.memory() if request.param == "memory" else GraphStore.open(tmp_path / "out")
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


def filled(store: GraphStore) -> GraphStore:
    store.replace_graph(G1, readout_1(), "hash-1")
    store.replace_graph(G2, readout_2(), "hash-2")
    return store


# --------------------------------------------------------------------------- writing

def test_replace_twice_keeps_one_copy(new_store: StoreFactory) -> None:
    store = filled(new_store())
    size = len(store)
    assert size == len(readout_1()) + len(readout_2())
    store.replace_graph(G1, readout_1(), "hash-1")
    store.replace_graph(G1, readout_1(), "hash-1")
    assert len(store) == size
    assert isomorphic(store.union_graph(), expected_union())


def test_replace_swaps_content_and_hash(new_store: StoreFactory) -> None:
    store = filled(new_store())
    smaller = readout_1()[:2]
    store.replace_graph(G1, smaller, "hash-1b")
    assert len(store) == len(smaller) + len(readout_2())
    assert store.content_hashes() == {G1: "hash-1b", G2: "hash-2"}
    columns, rows = store.select_rows("SELECT ?d WHERE { ?e pr:date ?d }")
    assert columns == ["d"]
    assert rows == [[Literal("2024-06-02", datatype=XSD_DATE)]]


def test_replace_with_no_triples_keeps_empty_graph(new_store: StoreFactory) -> None:
    store = filled(new_store())
    store.replace_graph(G1, [], "empty")
    assert store.graph_iris() == [G1, G2]
    assert store.content_hashes()[G1] == "empty"
    assert len(store) == len(readout_2())


def test_remove_graph(new_store: StoreFactory) -> None:
    store = filled(new_store())
    store.remove_graph(G1)
    assert store.graph_iris() == [G2]
    assert store.content_hashes() == {G2: "hash-2"}
    assert len(store) == len(readout_2())
    store.remove_graph(G1)  # absent: no error
    store.remove_graph(G2)
    assert (len(store), store.graph_iris(), store.content_hashes()) == (0, [], {})


def test_content_hashes_round_trip(new_store: StoreFactory) -> None:
    store = new_store()
    hashes = {GRAPH_BASE + f"r{i}": f"sha256:{i:064x}" for i in range(5)}
    hashes[GRAPH_BASE + "quote"] = 'odd "hash" \\ with\nnewline'
    for iri, value in hashes.items():
        store.replace_graph(iri, [], value)
    assert store.content_hashes() == hashes
    assert store.graph_iris() == sorted(hashes)


def test_bookkeeping_does_not_leak_into_queries(new_store: StoreFactory) -> None:
    store = filled(new_store())
    result = store.query("ASK { ?g pr:contentHash ?h }")
    assert not bool(result)
    _, graphs = store.select_rows("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert sorted(str(row[0]) for row in graphs) == [G1, G2]
    assert META_GRAPH not in store.graph_iris()
    assert CONTENT_HASH not in {str(p) for _, p, _ in store.union_graph()}


@pytest.mark.parametrize("bad_iri", [META_GRAPH, "not an iri", "https://w3id.org/partyrel/id/graph/a b"])
def test_bad_graph_iris_are_refused(bad_iri: str) -> None:
    with GraphStore.memory() as store, pytest.raises(StoreError):
        store.replace_graph(bad_iri, [], "h")


@pytest.mark.parametrize("bad_triple", [
    (Literal("subject"), RDFS.label, Literal("x")),
    (ID["a"], Literal("predicate"), Literal("x")),
    (ID["a"], RDFS.label, URIRef("https://example.org/has space")),
    ("not", "a triple"),
])
def test_bad_triples_are_refused_and_leave_the_graph(bad_triple: object) -> None:
    with GraphStore.memory() as store:
        store.replace_graph(G1, readout_1(), "hash-1")
        with pytest.raises(StoreError):
            store.replace_graph(G1, [*readout_1()[:3], bad_triple], "hash-x")  # type: ignore[list-item]
        assert store.content_hashes() == {G1: "hash-1"}
        assert len(store) == len(readout_1())


def test_to_rdflib_keeps_graphs_apart(new_store: StoreFactory) -> None:
    store = filled(new_store())
    dataset = store.to_rdflib()
    assert isomorphic(dataset.graph(URIRef(G2)), rdflib.Graph().__iadd__(readout_2()))
    assert len(dataset.graph(URIRef(G1))) == len(readout_1())
    assert URIRef(META_GRAPH) not in {g.identifier for g in dataset.graphs()}


# --------------------------------------------------------------------------- disk

def test_reopen_sees_the_data(tmp_path: Path) -> None:
    with GraphStore.open(tmp_path) as store:
        filled(store)
    with GraphStore.open(tmp_path) as store:
        assert store.content_hashes() == {G1: "hash-1", G2: "hash-2"}
        assert isomorphic(store.union_graph(), expected_union())
    with GraphStore.open(tmp_path, read_only=True) as store:
        assert store.graph_iris() == [G1, G2]
        assert len(store) == len(readout_1()) + len(readout_2())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store", "store-meta", "store.lock"]


def test_read_only_open_of_missing_store_raises(tmp_path: Path) -> None:
    missing = tmp_path / "nothing-here"
    with pytest.raises(StoreError) as caught:
        GraphStore.open(missing, read_only=True)
    message = str(caught.value)
    assert f"no partyrel store at {missing}" in message
    assert "kg build" in message and f"-o {missing}" in message
    assert not missing.exists()


def test_read_only_store_refuses_writes(tmp_path: Path) -> None:
    with GraphStore.open(tmp_path) as store:
        filled(store)
    with GraphStore.open(tmp_path, read_only=True) as store:
        for write in (lambda: store.replace_graph(G1, [], "h"), lambda: store.remove_graph(G1)):
            with pytest.raises(StoreError, match="read-only"):
                write()
        assert store.content_hashes()[G1] == "hash-1"


def test_closed_store_raises() -> None:
    store = GraphStore.memory()
    store.close()
    with pytest.raises(StoreError, match="closed"):
        len(store)


def test_second_writer_in_the_same_process_is_refused(tmp_path: Path) -> None:
    with GraphStore.open(tmp_path), pytest.raises(StoreError) as caught:
        GraphStore.open(tmp_path)
    message = str(caught.value)
    pid = os.getpid()
    assert f"the store at {tmp_path} is being written by another kg process (pid {pid})" in message
    assert "use another -o" in message
    with GraphStore.open(tmp_path) as store:  # released on close
        assert len(store) == 0


def test_second_writer_in_another_process_is_refused(tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        import sys
        from kg.errors import StoreError
        from kg.store import GraphStore
        try:
            GraphStore.open({str(tmp_path)!r}).close()
        except StoreError as err:
            sys.stdout.write(str(err))
            sys.exit(3)
    """)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with GraphStore.open(tmp_path):
        done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                              text=True, timeout=60, check=False)
    assert done.returncode == 3, done.stderr
    assert f"being written by another kg process (pid {os.getpid()})" in done.stdout
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_writer_waits_for_the_lock(tmp_path: Path) -> None:
    first = GraphStore.open(tmp_path)
    filled(first)
    timer = threading.Timer(0.3, first.close)
    timer.start()
    try:
        with GraphStore.open(tmp_path, wait=10) as second:
            assert second.content_hashes() == {G1: "hash-1", G2: "hash-2"}
    finally:
        timer.join()


G3 = GRAPH_BASE + "readout-3"


def _refused(write: Callable[[], object]) -> None:
    with pytest.raises(StoreError):
        write()


# Each write after the bookkeeping (content hashes, stat keys) was read once: the store
# keeps what it read and updates it with its own writes, so it must answer as a fresh read.
BOOKKEEPING_WRITES: list[tuple[str, Callable[[GraphStore], object]]] = [
    ("replace_graph", lambda s: s.replace_graph(G1, readout_1()[:2], "h1b")),
    ("replace_graphs, existing and new",
     lambda s: s.replace_graphs([GraphData(G1, render_ntriples(readout_1()[:1]), "h1c", "stat-1c"),
                                 GraphData(G3, render_ntriples(readout_2()), "h3", "")])),
    ("replace_graphs with no text", lambda s: s.replace_graphs([GraphData(G2, "", "h2b", "stat-2b")])),
    ("remove_graph", lambda s: s.remove_graph(G1)),
    ("remove_graphs, one absent", lambda s: s.remove_graphs([G2, G3])),
    ("set_content_hash", lambda s: s.set_content_hash(G2, "h2c")),
    ("set_content_hash None", lambda s: s.set_content_hash(G1, None)),
    ("set_content_hash of a new graph", lambda s: s.set_content_hash(G3, "h3")),
    ("a write refused half-way (its hash deleted, its text bad)",
     lambda s: _refused(lambda: s.replace_graphs([GraphData(G1, "not N-Triples", "h1d", "s")]))),
]


@pytest.mark.parametrize(("name", "write"), BOOKKEEPING_WRITES, ids=[n for n, _ in BOOKKEEPING_WRITES])
def test_bookkeeping_read_after_a_write_is_what_the_store_holds(
        tmp_path: Path, name: str, write: Callable[[GraphStore], object]) -> None:
    with GraphStore.open(tmp_path) as store:
        store.replace_graphs([GraphData(G1, render_ntriples(readout_1()), "h1", "stat-1"),
                              GraphData(G2, render_ntriples(readout_2()), "h2", "stat-2")])
        assert store.content_hashes() == {G1: "h1", G2: "h2"}  # read once: kept from now on
        assert store.source_stats() == {G1: "stat-1", G2: "stat-2"}
        write(store)
        store.content_hashes()[G1] = "changed by the caller"  # a copy: does not change the store's
        store.flush()
        with GraphStore.open(tmp_path, read_only=True) as fresh:
            assert store.content_hashes() == fresh.content_hashes(), name
            assert store.source_stats() == fresh.source_stats(), name


class _Spy:
    """Delegates to a pyoxigraph store and notes which of its loaders was called."""

    def __init__(self, store: ox.Store, calls: list[str]) -> None:
        self._store, self._calls = store, calls

    def __getattr__(self, name: str) -> object:
        if name in ("load", "bulk_load"):
            self._calls.append(name)
        return getattr(self._store, name)


def _graphs(store: GraphStore) -> dict[str, rdflib.Graph]:
    dataset = store.to_rdflib()
    return {str(g.identifier): g for g in dataset.graphs() if len(g)}


# (bulk threshold in characters, the loader the graphs must go through)
@pytest.mark.parametrize(("threshold", "loader"), [(0, "bulk_load"), (10**9, "load")])
def test_graphs_written_by_the_bulk_loader_or_a_transaction_give_the_same_store(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threshold: int, loader: str) -> None:
    import kg.store

    monkeypatch.setattr(kg.store, "BULK_BYTES", threshold)
    calls: list[str] = []
    with GraphStore.open(tmp_path) as store:
        store._data = _Spy(store._data, calls)  # type: ignore[assignment]
        store.replace_graphs([GraphData(G1, render_ntriples(readout_1()), "h1", "stat-1"),
                              GraphData(G2, render_ntriples(readout_2()), "h2", "stat-2")])
        assert calls == [loader]
        # G1 exists and is replaced, G2 exists and is emptied, G3 is new
        store.replace_graphs([GraphData(G1, render_ntriples(readout_1()[:3]), "h1b", "stat-1b"),
                              GraphData(G2, "", "h2b", ""),
                              GraphData(G3, render_ntriples(readout_1()), "h3", "")])
        assert calls == [loader, loader]
        store.flush()
    with GraphStore.open(tmp_path, read_only=True) as reopened:
        graphs = _graphs(reopened)
        assert reopened.content_hashes() == {G1: "h1b", G2: "h2b", G3: "h3"}
        assert reopened.source_stats() == {G1: "stat-1b"}
        assert reopened.graph_iris() == [G1, G2, G3]  # the emptied graph is kept
    assert set(graphs) == {G1, G3}
    for iri, triples in ((G1, readout_1()[:3]), (G3, readout_1())):
        expected = rdflib.Graph()
        for triple in triples:
            expected.add(triple)
        assert isomorphic(graphs[iri], expected), iri


@pytest.mark.parametrize("existing", [False, True], ids=["new graphs", "existing graphs"])
def test_a_bad_bulk_load_leaves_no_hash_and_the_next_write_repairs_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, existing: bool) -> None:
    import kg.store

    monkeypatch.setattr(kg.store, "BULK_BYTES", 0)
    good = render_ntriples(readout_2())
    with GraphStore.open(tmp_path) as store:
        if existing:
            store.replace_graphs([GraphData(G1, good, "h0", ""), GraphData(G2, good, "h0", "")])
        with pytest.raises(StoreError, match="render_ntriples"):
            store.replace_graphs([GraphData(G2, good, "h2", ""),
                                  GraphData(G1, good + "\nnot N-Triples", "h1", "")])
        assert store.content_hashes() == {}  # not known built...
        # ... and nothing of the batch written: one bulk load is all or nothing (the
        # existing graphs were dropped before it)
        assert len(store) == 0
        store.replace_graphs([GraphData(G1, render_ntriples(readout_1()), "h1", ""),
                              GraphData(G2, good, "h2", "")])
        assert store.content_hashes() == {G1: "h1", G2: "h2"}
        graphs = _graphs(store)
    assert len(graphs[G1]) == len(readout_1()) and len(graphs[G2]) == len(readout_2())


def test_read_only_open_takes_no_lock(tmp_path: Path) -> None:
    with GraphStore.open(tmp_path) as store:
        filled(store)
    with GraphStore.open(tmp_path, read_only=True) as reader:
        with GraphStore.open(tmp_path) as writer:  # not blocked by the reader
            assert writer.graph_iris() == [G1, G2]
        assert reader.graph_iris() == [G1, G2]


def _many_graphs(store: GraphStore, first: int, count: int) -> None:
    # enough bulk loads that RocksDB has files to merge away
    for start in range(first, first + count, 50):
        store.replace_graphs([GraphData(f"{GRAPH_BASE}bulk-{n}", render_ntriples(readout_1()), f"b{n}")
                              for n in range(start, start + 50)])
        store.flush()


@pytest.mark.parametrize("later", [
    pytest.param(lambda store: store.replace_graph(G1, readout_2(), "hash-x"), id="replaced"),
    pytest.param(lambda store: store.remove_graphs([G1, G2]), id="removed"),
    pytest.param(lambda store: (_many_graphs(store, 0, 400), store._stores()[0].optimize()),
                 id="merged-away"),
])
def test_a_snapshot_reads_the_store_as_it_was_whatever_the_writer_does_after(
        tmp_path: Path, later: Callable[[GraphStore], object]) -> None:
    with GraphStore.open(tmp_path) as store:
        filled(store)
        expected = _graphs(store)
        copy = store.snapshot()
        later(store)  # the files the snapshot was made of may be merged and deleted meanwhile
        assert store.content_hashes() != {G1: "hash-1", G2: "hash-2"}
        with GraphStore.open(copy, read_only=True) as seen:
            assert seen.content_hashes() == {G1: "hash-1", G2: "hash-2"}
            got = _graphs(seen)
    assert got.keys() == expected.keys()
    assert all(isomorphic(got[iri], expected[iri]) for iri in expected)
    assert copy.parent == tmp_path / SNAPSHOTS_DIR
    remove_snapshot(copy)
    assert not copy.exists()


@pytest.mark.parametrize(("opened", "message"), [
    (lambda folder: GraphStore.memory(), "in memory"),
    (lambda folder: GraphStore.open(folder, read_only=True), "read-only"),
])
def test_a_snapshot_needs_a_store_on_disk_open_for_writing(
        tmp_path: Path, opened: Callable[[Path], GraphStore], message: str) -> None:
    with GraphStore.open(tmp_path) as store:
        filled(store)
    with opened(tmp_path) as store, pytest.raises(StoreError, match=message):
        store.snapshot()
    assert not (tmp_path / SNAPSHOTS_DIR).exists()


@pytest.mark.parametrize(("reopen", "left"), [(False, True), (True, False)])
def test_snapshots_left_by_a_killed_build_go_at_the_next_writers_open(
        tmp_path: Path, reopen: bool, left: bool) -> None:
    with GraphStore.open(tmp_path) as store:
        filled(store)
        copy = store.snapshot()  # never removed, as when the build is killed
    with GraphStore.open(tmp_path, read_only=not reopen) as store:
        assert store.graph_iris() == [G1, G2]
    assert copy.exists() is left


# --------------------------------------------------------------------------- queries

INJECTION = '"} ; DROP ALL ; {'


@pytest.mark.parametrize(("bindings", "expected"), [
    ({"name": Literal("Tang Wenbo", lang="en")}, [str(ID["person/tang-wenbo"])]),
    ({"?name": Literal("Tang Wenbo", lang="en")}, [str(ID["person/tang-wenbo"])]),
    ({"name": "Tang Wenbo"}, []),  # a plain string is not the @en literal
    ({"name": INJECTION}, []),
    ({"name": Literal(INJECTION, lang="en")}, []),
])
def test_bindings_are_bound_not_pasted(bindings: dict[str, object], expected: list[str]) -> None:
    with GraphStore.memory() as store:
        filled(store)
        before = len(store)
        _, rows = store.select_rows(
            "SELECT ?who ?name WHERE { ?who rdfs:label ?name }", bindings)  # type: ignore[arg-type]
        assert [str(row[0]) for row in rows] == expected
        assert len(store) == before


@pytest.mark.parametrize(("value", "rows"), [
    (date(2024, 5, 1), 1),
    (Literal("2024-05-01", datatype=XSD_DATE), 1),
    ("2024-05-01", 0),
    (2024, 0),
    (True, 0),
    (1.5, 0),
])
def test_python_values_become_typed_literals(value: object, rows: int) -> None:
    with GraphStore.memory() as store:
        filled(store)
        _, found = store.select_rows("SELECT ?e ?d WHERE { ?e pr:date ?d }", {"d": value})  # type: ignore[dict-item]
        assert len(found) == rows


@pytest.mark.parametrize("bindings", [
    {"not a name": "x"},
    {"name": object()},
    {"unused": "x"},  # not returned by the query: pyoxigraph cannot bind it
])
def test_bad_bindings_raise_query_error(bindings: dict[str, object]) -> None:
    with GraphStore.memory() as store, pytest.raises(QueryError):
        store.select_rows("SELECT ?who ?name WHERE { ?who rdfs:label ?name }", bindings)  # type: ignore[arg-type]


def test_syntax_error_raises_query_error() -> None:
    with GraphStore.memory() as store, pytest.raises(QueryError) as caught:
        store.query("SELECT ?x\nWHERE { ?x ?y }")
    message = str(caught.value)
    assert "SPARQL syntax error" in message and "SELECT ?x" in message


def test_updates_are_not_queries() -> None:
    with GraphStore.memory() as store:
        filled(store)
        with pytest.raises(QueryError):
            store.query("DROP ALL")
        assert len(store) == len(readout_1()) + len(readout_2())


def test_select_rows_needs_select() -> None:
    with GraphStore.memory() as store, pytest.raises(QueryError, match="SELECT"):
        store.select_rows("ASK { ?s ?p ?o }")


# --------------------------------------------------------------------------- dumps

def test_dump_turtle_round_trips(new_store: StoreFactory, tmp_path: Path) -> None:
    store = filled(new_store())
    target = tmp_path / "dump" / "graph.ttl"
    target.parent.mkdir()
    target.write_text("old content", encoding="utf-8")
    count = store.dump_turtle(target)
    union = store.union_graph()
    assert count == len(union) == len(expected_union())  # the shared label once
    parsed = rdflib.Graph().parse(target, format="turtle")
    assert isomorphic(parsed, union)
    assert isomorphic(parsed, expected_union())
    text = target.read_text(encoding="utf-8")
    for prefix in ("pr", "org", "skos", "prov", "dcterms", "foaf", "xsd", "rdfs", "id"):
        assert f"@prefix {prefix}: " in text
    assert "@prefix id: <https://w3id.org/partyrel/id/> ." in text
    assert "contentHash" not in text
    assert sorted(p.name for p in target.parent.iterdir()) == ["graph.ttl"]


def test_dump_turtle_is_stable(tmp_path: Path) -> None:
    """The same data (no blank nodes) gives the same bytes, whatever the write order."""
    graphs = {GRAPH_BASE + f"r{i}": [(ID[f"org/o{i}-{j}"], RDFS.label, Literal(f"Org {i}.{j}"))
                                     for j in range(5)] for i in range(8)}
    dumps = []
    for order in (sorted(graphs), sorted(graphs, reverse=True)):
        with GraphStore.open(tmp_path / f"out-{len(dumps)}") as store:
            for iri in order:
                store.replace_graph(iri, graphs[iri], "h")
            store.dump_turtle(tmp_path / f"dump-{len(dumps)}.ttl")
        dumps.append((tmp_path / f"dump-{len(dumps)}.ttl").read_bytes())
    assert dumps[0] == dumps[1]


def test_dump_turtle_of_empty_store(tmp_path: Path) -> None:
    with GraphStore.memory() as store:
        assert store.dump_turtle(tmp_path / "empty.ttl") == 0
    assert len(rdflib.Graph().parse(tmp_path / "empty.ttl", format="turtle")) == 0
    assert not (tmp_path / "empty.ttl.tmp").exists()


def test_dump_turtle_failure_leaves_no_tmp(tmp_path: Path) -> None:
    target = tmp_path / "is-a-folder"
    target.mkdir()
    (target / "child").write_text("x", encoding="utf-8")
    with GraphStore.memory() as store:
        filled(store)
        with pytest.raises(StoreError, match="cannot write"):
            store.dump_turtle(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["is-a-folder"]


# --------------------------------------------------------------------------- terms

@pytest.mark.parametrize("term", [
    URIRef("https://w3id.org/partyrel/id/org/zeta-workers-party"),
    Literal("Zeta Workers Party"),
    Literal("Zeta", lang="en"),
    Literal("Zêta « Partei »", lang="de"),
    Literal("2024-05-01", datatype=XSD_DATE),
    Literal("42", datatype=XSD_INTEGER),
    Literal('multi\nline "quoted"'),
    Literal("custom", datatype=URIRef("https://example.org/dt")),
])
def test_term_conversion_round_trips(term: rdflib.term.Node) -> None:
    assert from_ox_term(to_ox_term(term)) == term


def test_blank_nodes_map_consistently() -> None:
    mapping: dict[BNode, ox.BlankNode] = {}
    first, second = BNode(), BNode()
    assert to_ox_term(first, mapping) == to_ox_term(first, mapping)
    assert to_ox_term(first, mapping) != to_ox_term(second, mapping)
    assert isinstance(from_ox_term(to_ox_term(first, mapping)), BNode)


def test_non_terms_are_refused() -> None:
    with pytest.raises(StoreError):
        to_ox_term("plain string")  # type: ignore[arg-type]


@pytest.mark.parametrize("batch", [1, 2, 500])
def test_subjects_triples_asked_in_batches_give_what_each_subject_gives_alone(batch: int) -> None:
    person, party, nobody = (ox.NamedNode(str(ID[n])) for n in ("person/tang-wenbo", "org/zeta-workers-party",
                                                                      "x"))
    blank = BNode()
    with GraphStore.memory() as store:
        filled(store)
        store.replace_graph(G3, [(blank, RDFS.label, Literal("anon")), (blank, RDFS.comment, Literal("c")),
                                 (ID["person/tang-wenbo"], RDFS.label, Literal("Tang"))], "h3")
        subjects: list[ox.NamedNode | ox.BlankNode] = [person, nobody, party]
        subjects.insert(1, next(q.subject for q in store.quads(G3) if isinstance(q.subject, ox.BlankNode)))
        got = list(store.subjects_triples(subjects, batch=batch))
        assert [subject for subject, _ in got] == subjects
        assert got == [(subject, store.subject_triples(subject)) for subject in subjects]
        assert [len(found) for _, found in got] == [len(store.subject_triples(person)), 2, 0,
                                                    len(store.subject_triples(party))]
        assert len(got[0][1]) > 1 and got[3][1]
