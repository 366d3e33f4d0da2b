"""The seed readout yields every fact of its gold annotation, and nothing else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.evaluate import load_gold, score
from kg.pipeline import build
from kg.store import GraphStore

PR = "PREFIX pr: <https://w3id.org/partyrel/ontology#> PREFIX org: <http://www.w3.org/ns/org#> " \
     "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> " \
     "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> PREFIX dcterms: <http://purl.org/dc/terms/> " \
     "PREFIX prov: <http://www.w3.org/ns/prov#> "


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory, sample_dir: Path):
    out = tmp_path_factory.mktemp("seed")
    report = build([sample_dir / "seed-videocall.txt"], out, write_map=False)
    assert report.ok
    with GraphStore.open(out, read_only=True) as store:
        yield store


def ask(store: GraphStore, body: str) -> bool:
    return bool(store.query(PR + "ASK { " + body + " }"))


ENGAGEMENT = "?e a pr:VideoCall ; pr:reportedIn ?r . ?r dcterms:identifier 'seed-videocall' . "
FACTS = [
    ("type VideoCall", ENGAGEMENT),
    ("date 2022-09-27", ENGAGEMENT + "?e pr:date '2022-09-27'^^xsd:date ."),
    ("location Beijing", ENGAGEMENT + "?e pr:location ?l . ?l rdfs:label 'Beijing'@en ."),
    ("participant Liu Jianchao", ENGAGEMENT + "?e pr:participant ?p . ?p rdfs:label 'Liu Jianchao'@en ."),
    ("participant George Papandreou", ENGAGEMENT + "?e pr:participant ?p . ?p rdfs:label 'George Papandreou'@en ."),
    ("side CPC", ENGAGEMENT + "?e pr:involves ?o . ?o rdfs:label 'Communist Party of China'@en ."),
    ("side SI", ENGAGEMENT + "?e pr:involves ?o . ?o rdfs:label 'Socialist International'@en ."),
    ("present Guo Yezhou", ENGAGEMENT + "?e pr:attendee ?p . ?p rdfs:label 'Guo Yezhou'@en ."),
    ("evidence sentence", ENGAGEMENT + "?e pr:evidence ?s . FILTER(CONTAINS(?s, 'held a video call here today'))"),
    ("provenance", ENGAGEMENT + "?e prov:wasDerivedFrom ?r ."),
    ("post Liu Minister IDCPC", "?p rdfs:label 'Liu Jianchao'@en ; org:holds ?x . ?x pr:title 'Minister' ; org:postIn ?o . ?o rdfs:label 'International Department of the CPC Central Committee'@en ."),
    ("post Papandreou President SI", "?p rdfs:label 'George Papandreou'@en ; org:holds ?x . ?x pr:title 'President' ; org:postIn ?o . ?o rdfs:label 'Socialist International'@en ."),
    ("post Guo Vice-minister IDCPC", "?p rdfs:label 'Guo Yezhou'@en ; org:holds ?x . ?x pr:title 'Vice-minister' ; org:postIn ?o . ?o rdfs:label 'International Department of the CPC Central Committee'@en ."),
    ("post Xi General Secretary CPC", "?p rdfs:label 'Xi Jinping'@en ; org:holds ?x . ?x pr:title 'General Secretary' ; org:postIn ?o . ?o rdfs:label 'Communist Party of China'@en ."),
    ("Liu presides IDCPC", "?p rdfs:label 'Liu Jianchao'@en ; pr:presides ?o . ?o rdfs:label 'International Department of the CPC Central Committee'@en ."),
    ("Papandreou presides SI", "?p rdfs:label 'George Papandreou'@en ; pr:presides ?o . ?o rdfs:label 'Socialist International'@en ."),
    ("Xi presides CPC", "?p rdfs:label 'Xi Jinping'@en ; pr:presides ?o . ?o rdfs:label 'Communist Party of China'@en ."),
    ("CPC dialogues with SI", "?a rdfs:label 'Communist Party of China'@en ; pr:dialoguesWith ?b . ?b rdfs:label 'Socialist International'@en ."),
    ("CPC country China", "?a rdfs:label 'Communist Party of China'@en ; pr:country ?c . ?c rdfs:label 'China'@en ."),
    ("IDCPC part of CPC", "?a rdfs:label 'International Department of the CPC Central Committee'@en ; org:subOrganizationOf ?b . ?b rdfs:label 'Communist Party of China'@en ."),
    ("alias CPC", "?a rdfs:label 'Communist Party of China'@en ; skos:altLabel 'CPC'@en ."),
    ("alias Liu", "?a rdfs:label 'Liu Jianchao'@en ; skos:altLabel 'Liu'@en ."),
]


@pytest.mark.parametrize(("fact", "pattern"), FACTS, ids=[f[0] for f in FACTS])
def test_seed_fact_is_in_the_graph(seed_store: GraphStore, fact: str, pattern: str):
    assert ask(seed_store, pattern), fact


TOPICS = ["Belt and Road Initiative", "climate change", "poverty alleviation", "sustainable development",
          "Global Development Initiative", "Global Security Initiative",
          "community with a shared future for mankind", "multilateralism", "digital economy",
          "public health", "women", "youth", "CPC National Congress"]


def test_seed_topics_are_exactly_the_gold_topics(seed_store: GraphStore):
    _, rows = seed_store.select_rows(PR + "SELECT ?l WHERE { ?e a pr:Engagement ; pr:topic ?t . ?t skos:prefLabel ?l }")
    assert sorted(str(r[0]) for r in rows) == sorted(TOPICS)


@pytest.mark.parametrize(
    ("what", "query", "expected"),
    [
        ("one engagement", "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a pr:Engagement }", 1),
        ("four posts", "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a org:Post }", 4),
        ("three presides", "SELECT (COUNT(*) AS ?n) WHERE { ?a pr:presides ?b }", 3),
        ("one dialogue pair", "SELECT (COUNT(*) AS ?n) WHERE { ?a pr:dialoguesWith ?b FILTER(STR(?a) < STR(?b)) }", 1),
        ("one country fact", "SELECT (COUNT(*) AS ?n) WHERE { ?a pr:country ?b }", 1),
        ("four persons", "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a pr:Person }", 4),
    ],
)
def test_seed_has_nothing_beyond_the_gold(seed_store: GraphStore, what: str, query: str, expected: int):
    _, rows = seed_store.select_rows(PR + query)
    assert int(rows[0][0]) == expected, what


def test_seed_scores_perfectly_against_its_gold(seed_store: GraphStore, sample_gold: Path, tmp_path: Path):
    gold_dir = tmp_path / "gold"
    gold_dir.mkdir()
    data = json.loads((sample_gold / "seed-videocall.json").read_text())
    (gold_dir / "seed-videocall.json").write_text(json.dumps(data))
    report = score(seed_store.union_graph(), load_gold(gold_dir))
    for name, field in report.fields.items():
        assert (field.fp, field.fn) == (0, 0), (name, report.details_text())
