"""Tests of kg.graphfile: graph.ttl written from parts that a rebuild reuses."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import rdflib
from rdflib import RDF, RDFS, Literal, Namespace

from kg.errors import StoreError
from kg.graphfile import GraphFileStats, write_graph_file
from kg.store import GRAPH_BASE, SNAPSHOTS_DIR, GraphStore

PR = Namespace("https://w3id.org/partyrel/ontology#")
ID = Namespace("https://w3id.org/partyrel/id/")
LABELS = GRAPH_BASE + "_labels"  # a bookkeeping graph: recorded with an empty hash


def readout(n: int, party: str, day: int = 1) -> list[tuple[rdflib.term.Node, ...]]:
    """A readout graph: its readout and one engagement (local), one party and one person (shared)."""
    meeting, org, person = ID[f"engagement/r{n}-1"], ID[f"org/{party}"], ID["person/tang-wenbo"]
    return [
        (ID[f"readout/r{n}"], RDF.type, PR.Readout),
        (meeting, RDF.type, PR.Meeting),
        (meeting, PR.involves, org),
        (meeting, PR.participant, person),
        (meeting, PR.date, Literal(f"2024-05-{day:02d}")),
        (org, RDF.type, PR.PoliticalParty),
        (org, RDFS.label, Literal(party.replace("-", " ").title())),
        (person, RDF.type, PR.Person),
    ]


def filled(store: GraphStore) -> None:
    for n, party in enumerate(["zeta-workers-party", "eta-party", "theta-union"], start=1):
        store.replace_graph(GRAPH_BASE + f"r{n}", readout(n, party), f"h{n}")
    store.replace_graph(LABELS, [(ID["org/eta-party"], RDFS.label, Literal("Eta"))], "")


def change_one(store: GraphStore) -> None:
    store.replace_graph(GRAPH_BASE + "r2", readout(2, "eta-party", day=9), "h2-new")


def remove_one(store: GraphStore) -> None:
    store.remove_graphs([GRAPH_BASE + "r3"])


def empty_one(store: GraphStore) -> None:
    store.replace_graph(GRAPH_BASE + "r2", [], "h2-empty")


def add_one(store: GraphStore) -> None:
    store.replace_graph(GRAPH_BASE + "r4", readout(4, "iota-league"), "h4")


def relabel(store: GraphStore) -> None:
    store.replace_subjects(LABELS, [str(ID["org/eta-party"])],
                           [(ID["org/eta-party"], RDFS.label, Literal("Eta Party"))])


def forget_a_hash(store: GraphStore) -> None:
    store.set_content_hash(GRAPH_BASE + "r1", None)


@pytest.fixture(params=["one scan", "graph by graph"])
def reading(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways of reading the changed graphs (one scan of the store, or a lookup per graph)."""
    monkeypatch.setattr("kg.graphfile._SCAN_SHARE", 0.0 if request.param == "one scan" else 1.0)
    return str(request.param)


@pytest.mark.parametrize(("change", "graphs_made", "subjects_made"), [
    (lambda store: None, 0, 0),
    (change_one, 1, 2),     # its graph, its party and the person it names
    (remove_one, 0, 1),     # the person (still named by others); its party is gone
    (empty_one, 1, 2),      # its graph (now empty), the person, its party (still labelled)
    (add_one, 1, 2),        # the new graph, its new party and the person
    (relabel, 0, 1),        # a label in the bookkeeping graph
    (forget_a_hash, 1, 2),  # a graph without a recorded hash is made again
])
def test_a_rewrite_makes_only_the_changed_parts_and_gives_the_file_a_fresh_write_gives(
        tmp_path: Path, reading: str, change: Callable[[GraphStore], None], graphs_made: int,
        subjects_made: int):
    parts = tmp_path / "parts.sqlite"
    with GraphStore.open(tmp_path / "store") as store:
        filled(store)
        write_graph_file(store, tmp_path / "graph.ttl", parts=parts)
        change(store)
        stats = write_graph_file(store, tmp_path / "graph.ttl", parts=parts)
        fresh = write_graph_file(store, tmp_path / "fresh.ttl")
        union = store.union_graph()
    assert (stats.graphs_made, stats.subjects_made) == (graphs_made, subjects_made)
    assert stats.triples == fresh.triples == len(union)
    assert (tmp_path / "graph.ttl").read_bytes() == (tmp_path / "fresh.ttl").read_bytes()
    parsed = rdflib.Graph().parse(tmp_path / "graph.ttl", format="turtle")
    assert set(parsed) == set(union)
    assert not (tmp_path / "fresh.ttl.parts.tmp").exists()


@pytest.mark.parametrize(("spoil", "version"), [
    (lambda parts: parts.write_bytes(b"not a database"), "v1"),  # unreadable: made again
    (lambda parts: None, "v2"),                                  # made by another version
])
def test_parts_that_cannot_be_used_are_all_made_again(tmp_path: Path, spoil: Callable[[Path], object],
                                                      version: str):
    parts = tmp_path / "parts.sqlite"
    with GraphStore.open(tmp_path / "store") as store:
        filled(store)
        first = write_graph_file(store, tmp_path / "graph.ttl", parts=parts, version="v1")
        before = (tmp_path / "graph.ttl").read_bytes()
        spoil(parts)
        again = write_graph_file(store, tmp_path / "graph.ttl", parts=parts, version=version)
    assert again == GraphFileStats(first.triples, 3, 0, first.subjects_made, 0)
    assert (tmp_path / "graph.ttl").read_bytes() == before


def test_parts_that_cannot_be_written_are_a_store_error_naming_the_file(tmp_path: Path):
    (tmp_path / "parts.sqlite").mkdir()  # a folder where the parts file should be
    with GraphStore.memory() as store, pytest.raises(StoreError, match=r"parts\.sqlite"):
        write_graph_file(store, tmp_path / "graph.ttl", parts=tmp_path / "parts.sqlite")
    assert not (tmp_path / "graph.ttl").exists()


def restate_an_engagement(store: GraphStore) -> None:
    """A second readout graph states an engagement of the first (with another side and date)."""
    meeting = ID["engagement/r1-1"]
    store.replace_graph(GRAPH_BASE + "r5", [(meeting, PR.involves, ID["org/iota-league"]),
                                            (meeting, PR.date, Literal("2024-05-07")),
                                            (ID["org/iota-league"], RDFS.label, Literal("Iota"))], "h5")


@pytest.mark.parametrize("cached_rows", [1, 2, 256])
@pytest.mark.parametrize("change", [lambda store: None, restate_an_engagement, relabel, add_one])
def test_the_engagement_data_of_the_parts_is_what_the_store_gives(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cached_rows: int,
        change: Callable[[GraphStore], object]):
    from kg.analysis import load
    from kg.graphfile import _PartsProps, engagement_data

    monkeypatch.setattr(_PartsProps, "CACHED_ROWS", cached_rows)  # parts read again when evicted
    parts = tmp_path / "parts.sqlite"
    with GraphStore.open(tmp_path / "store") as store:
        filled(store)
        change(store)
        write_graph_file(store, tmp_path / "graph.ttl", parts=parts, state="now")
        expected = load(store)
    assert len(expected.engagements) >= 3 and len(expected.entities) >= 3
    assert engagement_data(parts, state="now") == expected
    with pytest.raises(StoreError, match="another state"):
        engagement_data(parts, state="later")


def with_a_blank_node(store: GraphStore) -> None:
    """A readout graph with a blank-node subject (made by its own lookup, not a query)."""
    note = rdflib.BNode("note1")
    store.replace_graph(GRAPH_BASE + "r6", [(note, RDFS.label, Literal("a note")),
                                            (ID["org/eta-party"], RDFS.comment, note)], "h6")


def _parts_rows(parts: Path) -> dict[str, list[tuple[object, ...]]]:
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(parts)) as db:
        return {table: db.execute(f"SELECT rowid, * FROM {table} ORDER BY rowid").fetchall()
                for table in ("graphs", "subjects")}


@pytest.mark.slow
@pytest.mark.parametrize("change", [lambda store: None, restate_an_engagement, with_a_blank_node])
def test_parts_made_anew_with_a_helper_process_are_those_one_process_makes(
        tmp_path: Path, helper_starts: list[Path], change: Callable[[GraphStore], None]):
    started = helper_starts
    with GraphStore.open(tmp_path / "store") as store:
        filled(store)
        change(store)
        alone = write_graph_file(store, tmp_path / "alone.ttl", parts=tmp_path / "alone.sqlite")
        helped = write_graph_file(store, tmp_path / "helped.ttl", parts=tmp_path / "helped.sqlite",
                                  helper=True)
        assert started == [tmp_path / "helped.sqlite"]
        assert (tmp_path / "helped.ttl").read_bytes() == (tmp_path / "alone.ttl").read_bytes()
        # a rewrite that reuses parts makes the few it needs in this process
        change_one(store)
        again = write_graph_file(store, tmp_path / "helped.ttl", parts=tmp_path / "helped.sqlite",
                                 helper=True)
        write_graph_file(store, tmp_path / "fresh.ttl")
    assert helped == alone and alone.subjects_made > 0
    assert started == [tmp_path / "helped.sqlite"] and again.graphs_made == 1
    assert (tmp_path / "helped.ttl").read_bytes() == (tmp_path / "fresh.ttl").read_bytes()
    assert not list(tmp_path.glob("*.subjects.tmp"))
    # the helper read a snapshot of the store (not the store this process wrote), removed after
    snapshots = tmp_path / "store" / SNAPSHOTS_DIR
    assert snapshots.is_dir() and not any(snapshots.iterdir())


@pytest.mark.slow
def test_parts_made_by_a_helper_process_equal_those_of_one_process_row_for_row(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import kg.graphfile

    monkeypatch.setattr(kg.graphfile, "HELPER_GRAPHS", 0)
    with GraphStore.open(tmp_path / "store") as store:
        filled(store)
        with_a_blank_node(store)
        restate_an_engagement(store)
        write_graph_file(store, tmp_path / "alone.ttl", parts=tmp_path / "alone.sqlite")
        write_graph_file(store, tmp_path / "helped.ttl", parts=tmp_path / "helped.sqlite", helper=True)
    assert _parts_rows(tmp_path / "helped.sqlite") == _parts_rows(tmp_path / "alone.sqlite")
    assert (tmp_path / "helped.ttl").read_bytes() == (tmp_path / "alone.ttl").read_bytes()


@pytest.mark.slow
def test_a_helper_process_that_fails_is_a_store_error_and_the_old_file_stays(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import kg.graphfile

    monkeypatch.setattr(kg.graphfile, "HELPER_GRAPHS", 0)
    # the helper opens a folder with no store
    monkeypatch.setattr(GraphStore, "snapshot", lambda self: tmp_path / "no-store-here")
    (tmp_path / "graph.ttl").write_text("old")
    with GraphStore.open(tmp_path / "store") as store:
        filled(store)
        with pytest.raises(StoreError):
            write_graph_file(store, tmp_path / "graph.ttl", parts=tmp_path / "parts.sqlite", helper=True)
    assert (tmp_path / "graph.ttl").read_text() == "old"
    assert not list(tmp_path.glob("*.subjects.tmp")) and not list(tmp_path.glob("*.tmp"))
