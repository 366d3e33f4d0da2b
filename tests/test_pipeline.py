"""kg build: batches survive bad inputs, runs repeat exactly, changed readouts replace old facts."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest
import rdflib
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from kg.errors import StoreError
from kg.graphfile import engagement_data
from kg.pipeline import GRAPH_PARTS, build, built_engagement_data
from kg.store import GraphStore

GOOD = ("Talks in Kunming\n ( 2024.03.12 )\n\nKunming, March 11th--Tang Wenbo, Vice-minister of the IDCPC"
        ", held talks here today with Ana Lima, President of the Workers' Party of Brazil.\n")


def _graph(out: Path) -> rdflib.Graph:
    return rdflib.Graph().parse(out / "graph.ttl")


def test_building_twice_gives_the_same_graph(tmp_path: Path, sample_dir: Path):
    first = build([sample_dir], tmp_path / "a", write_map=False)
    second = build([sample_dir], tmp_path / "b", write_map=False)
    g1, g2 = _graph(tmp_path / "a"), _graph(tmp_path / "b")
    if not isomorphic(g1, g2):
        _, only1, only2 = graph_diff(to_isomorphic(g1), to_isomorphic(g2))
        raise AssertionError(f"differs: {sorted(only1)[:5]} vs {sorted(only2)[:5]}")
    assert (first.engagements, first.triples) == (second.engagements, second.triples)


def test_rebuilding_the_same_store_skips_unchanged_readouts_and_keeps_the_graph(tmp_path: Path, sample_dir: Path):
    first = build([sample_dir], tmp_path, write_map=False)
    before = _graph(tmp_path)
    second = build([sample_dir], tmp_path, write_map=False)
    assert second.skipped == first.readouts and second.built == 0
    assert isomorphic(before, _graph(tmp_path))


def test_a_changed_readout_replaces_its_old_facts(tmp_path: Path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "r.txt").write_text(GOOD)
    build([src], tmp_path / "out", write_map=False)
    (src / "r.txt").write_text(GOOD.replace("Ana Lima", "Rosa Pires"))
    report = build([src], tmp_path / "out", write_map=False)
    labels = {str(o) for o in _graph(tmp_path / "out").objects(None, rdflib.RDFS.label)}
    assert "Rosa Pires" in labels and "Ana Lima" not in labels
    assert report.engagements == 1


def test_one_bad_file_does_not_stop_the_batch(tmp_path: Path, sample_dir: Path):
    src = tmp_path / "in"
    shutil.copytree(sample_dir, src)
    (src / "empty.txt").write_text("")
    (src / "binary.txt").write_bytes(b"\x00\x01\x02PNG")
    report = build([src, tmp_path / "missing"], tmp_path / "out", write_map=False)
    reasons = {Path(f.source).name: f.reason for f in report.failures}
    assert reasons == {
        "empty.txt": "the file is empty",
        "binary.txt": "the file is binary data, not text",
        "missing": "no such file or folder",
    }
    assert report.readouts == len(list(sample_dir.glob("*.txt")))
    with GraphStore.open(tmp_path / "out", read_only=True) as store:
        _, rows = store.select_rows("SELECT (COUNT(?r) AS ?n) WHERE { ?r a <https://w3id.org/partyrel/ontology#Readout> }")
    assert int(rows[0][0]) == report.readouts


def test_summary_counts_match_the_graph(built_sample: Path):
    g = _graph(built_sample)
    pr = rdflib.Namespace("https://w3id.org/partyrel/ontology#")
    assert len(set(g.subjects(rdflib.RDF.type, pr.Engagement))) > 0
    assert (built_sample / "map.html").is_file()


def test_every_entity_has_exactly_one_label(built_sample: Path):
    g = _graph(built_sample)
    pr = rdflib.Namespace("https://w3id.org/partyrel/ontology#")
    for cls in (pr.Person, pr.Organization, pr.Country, pr.Place, pr.Topic):
        for node in g.subjects(rdflib.RDF.type, cls):
            labels = list(g.objects(node, rdflib.RDFS.label))
            assert len(labels) == 1, (node, labels)


def _change_with_no_graph(src: Path, out: Path) -> None:
    (src / "extra.txt").write_text(GOOD, encoding="utf-8")
    build([src], out, write_graph=False, write_map=False)  # the parts now lag behind the store


def _made_by_another_version(src: Path, out: Path) -> None:
    _change_with_no_graph(src, out)
    with closing(sqlite3.connect(out / GRAPH_PARTS)) as db, db:
        db.execute("UPDATE meta SET value = 'an older partyrel' WHERE key = 'version'")


def _an_update_that_fails(store: GraphStore, parts: Path, **options: object) -> object:
    raise StoreError(f"cannot write the parts of graph.ttl at {parts}: read-only folder")


@pytest.mark.parametrize(("after_the_build", "update", "from_parts"), [
    (lambda src, out: None, None, True),                           # fresh parts are read
    (_change_with_no_graph, None, True),                           # stale parts: brought up to date
    (_change_with_no_graph, _an_update_that_fails, False),         # ... unless that fails: the store
    (_made_by_another_version, None, False),                       # another version's: the store
    (lambda src, out: (out / GRAPH_PARTS).write_bytes(b"not a database"), None, False),  # unreadable
    (lambda src, out: (out / GRAPH_PARTS).unlink(), None, False),  # missing: the store
])
def test_the_engagement_data_of_a_built_store_is_read_from_its_parts_brought_up_to_date(
        tmp_path: Path, sample_dir: Path, monkeypatch: pytest.MonkeyPatch,
        after_the_build: Callable[[Path, Path], object], update: Callable[..., object] | None,
        from_parts: bool):
    import kg.analysis
    import kg.pipeline

    src, out = tmp_path / "in", tmp_path / "out"
    shutil.copytree(sample_dir, src)
    build([src], out, write_map=False)
    after_the_build(src, out)
    if update is not None:
        monkeypatch.setattr(kg.pipeline, "update_parts", update)
    with GraphStore.open(out, read_only=True) as store:
        expected = kg.analysis.load(store)
        calls: list[object] = []
        real_load = kg.analysis.load
        monkeypatch.setattr(kg.analysis, "load", lambda source: calls.append(source) or real_load(source))
        data = built_engagement_data(store)
        state = kg.pipeline._outputs_key(store)
    assert data == expected and len(data.engagements) > 0
    assert (calls == []) == from_parts
    if from_parts:  # the parts now describe the store as it is
        assert engagement_data(out / GRAPH_PARTS, state=state) == expected
