"""The query result cache (kg/result_cache.py): a cached answer is exactly the
answer the query gives, and any write to the store makes the query run again."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from tiny_world import fill

from kg.named_queries import list_queries
from kg.query import run_query
from kg.result_cache import CACHE_DIR, decode_result, encode_result
from kg.store import GRAPH_BASE, GraphStore

LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
ZETA = URIRef("https://w3id.org/partyrel/id/org/zeta-party")
NAMES = "SELECT ?name WHERE { ?x rdfs:label ?name } ORDER BY ?name"


def names(store: GraphStore, *, cache: bool = True) -> list[str | None]:
    return [row[0] for row in run_query(store, NAMES, cache=cache).rows]


def test_every_named_query_answers_the_same_from_the_cache() -> None:
    with GraphStore.memory() as store:
        fill(store)
        for query in list_queries():
            fresh = run_query(store, query.name, cache=False)
            first, again = run_query(store, query.name), run_query(store, query.name)
            assert first == fresh and again == fresh, query.name
            assert again.terms == fresh.terms, query.name


def test_a_write_makes_the_query_run_again_in_memory() -> None:
    with GraphStore.memory() as store:
        store.replace_graph(GRAPH_BASE + "r1", [(ZETA, LABEL, Literal("Zeta"))], "h1")
        assert names(store) == ["Zeta"]
        store.replace_graph(GRAPH_BASE + "r2", [(ZETA, LABEL, Literal("Zeta Party"))], "h2")
        assert names(store) == ["Zeta", "Zeta Party"]
        store.remove_graphs([GRAPH_BASE + "r1"])
        assert names(store) == ["Zeta Party"]


def test_a_cached_answer_survives_the_process_and_a_later_write_replaces_it(
        tmp_path: Path) -> None:
    with GraphStore.open(tmp_path) as store:
        store.replace_graph(GRAPH_BASE + "r1", [(ZETA, LABEL, Literal("Zeta"))], "h1")
    with GraphStore.open(tmp_path, read_only=True) as store:
        assert names(store) == ["Zeta"]
    assert len(list((tmp_path / CACHE_DIR).glob("*.json"))) == 1
    with GraphStore.open(tmp_path, read_only=True) as store:
        stamp = store.content_stamp()
        assert names(store) == ["Zeta"]  # from the file
    with GraphStore.open(tmp_path) as store:  # another writer changes the data
        store.replace_graph(GRAPH_BASE + "r1", [(ZETA, LABEL, Literal("Zeta Party"))], "h2")
    with GraphStore.open(tmp_path, read_only=True) as store:
        assert store.content_stamp() != stamp
        assert names(store) == ["Zeta Party"]
    assert len(list((tmp_path / CACHE_DIR).glob("*.json"))) == 1  # the stale one is gone


def test_a_damaged_cache_file_is_ignored(tmp_path: Path) -> None:
    with GraphStore.open(tmp_path) as store:
        store.replace_graph(GRAPH_BASE + "r1", [(ZETA, LABEL, Literal("Zeta"))], "h1")
    with GraphStore.open(tmp_path, read_only=True) as store:
        names(store)
    for path in (tmp_path / CACHE_DIR).glob("*.json"):
        path.write_text("{not json", encoding="utf-8")
    with GraphStore.open(tmp_path, read_only=True) as store:
        assert names(store) == ["Zeta"]


def test_reading_a_store_leaves_its_content_stamp_unchanged(tmp_path: Path) -> None:
    with GraphStore.open(tmp_path) as store:
        store.replace_graph(GRAPH_BASE + "r1", [(ZETA, LABEL, Literal("Zeta"))], "h1")
    with GraphStore.open(tmp_path, read_only=True) as store:
        before = store.content_stamp()
        names(store, cache=False)
    with GraphStore.open(tmp_path, read_only=True) as store:
        assert store.content_stamp() == before


def test_a_file_removed_while_the_stamp_is_taken_is_listed_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a compaction (of this process or another) may remove a file between the
    # listing of the folder and its stat; the stamp is then taken again
    with GraphStore.open(tmp_path) as store:
        store.replace_graph(GRAPH_BASE + "r1", [(ZETA, LABEL, Literal("Zeta"))], "h1")
    with GraphStore.open(tmp_path, read_only=True) as store:
        expected = store.content_stamp()
        real_scandir = os.scandir
        calls = []

        class Vanished:
            name = "000099.sst"

            def stat(self) -> os.stat_result:
                raise FileNotFoundError(2, "No such file or directory", self.name)

        def scandir(path: object) -> list[object]:
            calls.append(path)
            entries: list[object] = list(real_scandir(path))  # type: ignore[call-overload]
            return entries + [Vanished()] if len(calls) == 1 else entries

        monkeypatch.setattr(os, "scandir", scandir)
        assert store.content_stamp() == expected
        assert len(calls) == 2


def test_encoding_keeps_terms_languages_datatypes_and_unbound_cells() -> None:
    with GraphStore.memory() as store:
        fill(store)
        for query in list_queries():
            result = run_query(store, query.name, cache=False)
            again = decode_result(encode_result(result))
            assert again == result and again.terms == result.terms
            assert [[getattr(t, "language", None) for t in row] for row in again.terms] == \
                   [[getattr(t, "language", None) for t in row] for row in result.terms]
