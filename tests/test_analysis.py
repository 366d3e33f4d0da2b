"""Tests of kg.analysis: projections, metrics, time series and exports on a
small hand-built graph whose every number can be counted by hand.

The world (every name invented):

====  ==============  ==========  =========================  ==========  ================
id    type            date        sides                      persons     topics
====  ==============  ==========  =========================  ==========  ================
e1    Meeting         2020-01-10  IDCPC, ZWP                 Tang, Ana   BRI
e2    VideoCall       2020-06-01  CPC, ZWP                   Ana         climate
e3    Talks           2021-03-05  CPC, Eta                   Bo
e4    Forum           2022-07-07  CPC, ZWP, Eta, SI                      BRI, climate
e5    Correspondence  (undated)   CPC, Eta
e6    Visit           2022-09-09  ZWP                        Ana
====  ==============  ==========  =========================  ==========  ================

IDCPC is a party body of the CPC (both in China); ZWP is in Zetania, Eta in
Etaland; SI is a party international (no country). Tang is Vice-minister of
IDCPC, Ana President of ZWP; Bo holds no post.
"""

from __future__ import annotations

import datetime as dt
import doctest
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, SKOS

from kg import analysis
from kg.analysis import (
    AnalysisError,
    Engagement,
    EngagementData,
    Entity,
    Filters,
    Post,
    affiliation_graph,
    analyze,
    centrality_table,
    communities,
    country_graph,
    edge_table,
    engagement_graph,
    export_graph,
    load,
    network_graph,
    node_metric,
    organization_graph,
    per_year,
    resolve,
    select,
    write_analysis,
)
from kg.store import GRAPH_BASE, GraphStore

PR = Namespace("https://w3id.org/partyrel/ontology#")
ID = Namespace("https://w3id.org/partyrel/id/")
ORG = Namespace("http://www.w3.org/ns/org#")
XSD_DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")

CPC, IDCPC, ZWP, ETA, SI = "org/cpc", "org/idcpc", "org/zwp", "org/eta", "org/si"
CHINA, ZETANIA, ETALAND = "country/china", "country/zetania", "country/etaland"
TANG, ANA, BO = "person/tang", "person/ana", "person/bo"
BRI, CLIMATE = "topic/bri", "topic/climate"

ENGAGEMENTS = [
    ("e1", PR.Meeting, "2020-01-10", [IDCPC, ZWP], [TANG, ANA], [BRI]),
    ("e2", PR.VideoCall, "2020-06-01", [CPC, ZWP], [ANA], [CLIMATE]),
    ("e3", PR.Talks, "2021-03-05", [CPC, ETA], [BO], []),
    ("e4", PR.Forum, "2022-07-07", [CPC, ZWP, ETA, SI], [], [BRI, CLIMATE]),
    ("e5", PR.Correspondence, None, [CPC, ETA], [], []),
    ("e6", PR.Visit, "2022-09-09", [ZWP], [ANA], []),
]


def iri(key: str) -> str:
    return str(ID[key])


def world() -> Graph:
    """The graph of the module docstring, as kg/triples.py would write it."""
    g = Graph()

    def entity(key: str, name: str, cls: URIRef, *aliases: str) -> None:
        g.add((ID[key], RDF.type, cls))
        g.add((ID[key], RDFS.label, Literal(name, lang="en")))
        for alias in (name, *aliases):
            g.add((ID[key], SKOS.altLabel, Literal(alias, lang="en")))

    entity(CPC, "Communist Party of China", PR.PoliticalParty, "CPC")
    entity(IDCPC, "International Department of the CPC Central Committee", PR.PartyBody, "IDCPC")
    entity(ZWP, "Zeta Workers Party", PR.PoliticalParty, "ZWP")
    entity(ETA, "Eta People's Party", PR.PoliticalParty)
    entity(SI, "Socialist International", PR.PartyInternational, "SI")
    for key, name in ((CHINA, "China"), (ZETANIA, "Zetania"), (ETALAND, "Etaland")):
        entity(key, name, PR.Country)
    for key, name in ((TANG, "Tang Wenbo"), (ANA, "Ana Lima"), (BO, "Bo Chen")):
        entity(key, name, PR.Person)
    g.add((ID[BRI], RDF.type, PR.Topic))
    g.add((ID[BRI], SKOS.prefLabel, Literal("Belt and Road Initiative", lang="en")))
    g.add((ID[BRI], RDFS.label, Literal("Belt and Road Initiative", lang="en")))
    g.add((ID[BRI], SKOS.altLabel, Literal("BRI", lang="en")))
    g.add((ID[CLIMATE], RDF.type, PR.Topic))
    g.add((ID[CLIMATE], RDFS.label, Literal("climate change", lang="en")))
    for org, country in ((CPC, CHINA), (IDCPC, CHINA), (ZWP, ZETANIA), (ETA, ETALAND)):
        g.add((ID[org], PR.country, ID[country]))
    g.add((ID[IDCPC], ORG.subOrganizationOf, ID[CPC]))
    for person, title, org in ((TANG, "Vice-minister", IDCPC), (ANA, "President", ZWP)):
        post = ID[f"post/{person}-{org}"]
        g.add((ID[person], ORG.holds, post))
        g.add((post, PR.title, Literal(title)))
        g.add((post, ORG.postIn, ID[org]))
    g.add((ID["readout/r1"], DCTERMS.title, Literal("Readout one")))
    for key, cls, day, sides, persons, topics in ENGAGEMENTS:
        e = ID[f"engagement/{key}"]
        g.add((e, RDF.type, PR.Engagement))
        g.add((e, RDF.type, cls))
        if day:
            g.add((e, PR.date, Literal(day, datatype=XSD_DATE)))
        g.add((e, PR.reportedIn, ID["readout/r1"]))
        g.add((e, PR.evidence, Literal(f"Sentence of {key}.")))
        for side in sides:
            g.add((e, PR.involves, ID[side]))
        for person in persons:
            g.add((e, PR.participant, ID[person]))
        for topic in topics:
            g.add((e, PR.topic, ID[topic]))
    return g


@pytest.fixture(scope="module")
def data() -> EngagementData:
    return load(world())


def weights(graph: nx.Graph) -> dict[frozenset[str], int]:
    """{ {a, b} (keys, without the IRI base): weight }."""
    base = len(str(ID))
    return {frozenset((a[base:], b[base:])): w for a, b, w in graph.edges(data="weight")}


def pair(a: str, b: str) -> frozenset[str]:
    return frozenset((a, b))


# --------------------------------------------------------------------------- load

def test_load_reads_engagements_in_date_order_undated_last(data: EngagementData) -> None:
    order = [e.iri.rsplit("/", 1)[1] for e in data.engagements]
    assert order == ["e1", "e2", "e3", "e4", "e6", "e5"]
    e1 = data.engagements[0]
    assert (e1.type, e1.date, e1.readout_title, e1.evidence) == (
        "Meeting", dt.date(2020, 1, 10), "Readout one", "Sentence of e1.")
    assert e1.sides == (iri(IDCPC), iri(ZWP)) and e1.participants == (iri(ANA), iri(TANG))


@pytest.mark.parametrize(("key", "label", "kind", "country"), [
    (CPC, "Communist Party of China", "party", CHINA),
    (IDCPC, "International Department of the CPC Central Committee", "party_body", CHINA),
    (SI, "Socialist International", "international", None),
    (ETALAND, "Etaland", "country", None),
    (TANG, "Tang Wenbo", "person", None),
    (BRI, "Belt and Road Initiative", "topic", None),
])
def test_load_reads_entities(data: EngagementData, key: str, label: str, kind: str,
                             country: str | None) -> None:
    entity = data.entity(iri(key))
    assert (entity.label, entity.kind, entity.country) == (label, kind,
                                                           iri(country) if country else None)


def test_load_reads_posts_and_parents(data: EngagementData) -> None:
    assert data.entity(iri(TANG)).posts == (analysis.Post("Vice-minister", iri(IDCPC)),)
    assert data.entity(iri(IDCPC)).parent == iri(CPC)


def test_load_from_a_store_equals_load_from_a_graph(data: EngagementData) -> None:
    with GraphStore.memory() as store:
        store.replace_graph(GRAPH_BASE + "r1", list(world()), "h")
        assert load(store) == data


def test_load_names_untyped_sides_after_their_iri() -> None:
    g = Graph()
    g.add((ID["engagement/x"], PR.involves, ID["org/nameless-party"]))
    g.add((ID["engagement/x"], PR.involves, ID["org/other"]))
    found = load(g)
    assert [e.type for e in found.engagements] == ["Engagement"]
    assert found.entity(iri("org/nameless-party"))[1:3] == ("nameless-party", "other_org")


_TYPE = str(RDF.type)


@pytest.mark.parametrize(("pieces", "engagements", "entities"), [
    # an engagement is marked by a side, a participant or an engagement class
    ([{"e": {str(PR.involves): ([iri(ZWP)], [])}}], ["e"], [iri(ZWP)]),
    ([{"e": {str(PR.participant): ([iri(ANA)], [])}}], ["e"], [iri(ANA)]),
    ([{"e": {_TYPE: ([str(PR.Visit)], [])}}], ["e"], []),
    ([{"e": {_TYPE: ([str(PR.Engagement)], [])}}], ["e"], []),
    # an attendee alone does not make one; a class of entity makes an entity
    ([{"e": {str(PR.attendee): ([iri(BO)], [])}}], [], []),
    ([{"o": {_TYPE: ([str(PR.PoliticalParty)], [])}}], [], ["o"]),
    ([{"o": {_TYPE: ([str(PR.Person)], [])}}], [], ["o"]),
    ([{"o": {_TYPE: ([str(PR.Readout)], [])}}], [], []),
    # one subject in two pieces (two parts of graph.ttl) is found as their union
    ([{"e": {_TYPE: ([str(PR.Talks)], [])}}, {"e": {str(PR.topic): ([iri(BRI)], [])}}],
     ["e"], [iri(BRI)]),
    ([{"o": {RDFS.label.toPython(): ([], ["Zeta"])}}, {"o": {_TYPE: ([str(PR.Country)], [])}}],
     [], ["o"]),
])
def test_props_scan_finds_engagements_and_typed_entities_in_any_piece(
        pieces: list[analysis.Props], engagements: list[str], entities: list[str]) -> None:
    scan = analysis.PropsScan()
    for piece in pieces:
        for subject, by in piece.items():
            scan.add(subject, by)
    assert sorted(scan.engagements) == engagements
    merged: analysis.Props = {}
    for piece in pieces:
        for subject, by in piece.items():
            for predicate, (nodes, texts) in by.items():
                pair = merged.setdefault(subject, {}).setdefault(predicate, ([], []))
                pair[0].extend(nodes)
                pair[1].extend(texts)
    found = analysis.load_props(merged, scan)
    assert found == analysis.load_props(merged)  # the scan saves a pass, and changes nothing
    assert [e.iri for e in found.engagements] == engagements
    assert sorted(found.entities) == sorted(entities)


# --------------------------------------------------------------------------- filters

@pytest.mark.parametrize(("name", "expected"), [
    ("CPC", CPC),
    ("the communist party of china", CPC),
    ("Communist  Party of China.", CPC),
    (iri(SI), SI),
    ("tang wenbo", TANG),
    ("BRI", BRI),
])
def test_resolve_finds_labels_aliases_and_iris(data: EngagementData, name: str,
                                               expected: str) -> None:
    assert resolve(data, name) == iri(expected)


def test_resolve_suggests_close_names(data: EngagementData) -> None:
    with pytest.raises(AnalysisError, match="did you mean 'Communist Party of China'"):
        resolve(data, "Communist Pary of China")


@pytest.mark.parametrize(("filters", "kept"), [
    (Filters(), ["e1", "e2", "e3", "e4", "e6", "e5"]),
    (Filters(date_from=dt.date(2020, 1, 1), date_to=dt.date(2020, 12, 31)), ["e1", "e2"]),
    (Filters(date_from=dt.date(2022, 1, 1)), ["e4", "e6"]),  # undated left out
    (Filters(type="Talks"), ["e3"]),
    (Filters(type="video call"), ["e2"]),
    (Filters(type="CORRESPONDENCE"), ["e5"]),
    (Filters(topic="Belt and Road Initiative"), ["e1", "e4"]),
    (Filters(topic="climate change", type="Forum"), ["e4"]),
    (Filters(ego="Bo Chen"), ["e1", "e2", "e3", "e4", "e6", "e5"]),  # ego: by the projections
])
def test_select(data: EngagementData, filters: Filters, kept: list[str]) -> None:
    assert [e.iri.rsplit("/", 1)[1] for e in select(data, filters).engagements] == kept


@pytest.mark.parametrize(("make", "message"), [
    (lambda: Filters(date_from=dt.date(2022, 1, 1), date_to=dt.date(2021, 1, 1)),
     "date range is empty"),
    (lambda: Filters(radius=0), "radius must be at least 1"),
])
def test_bad_filters_are_refused(make, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AnalysisError, match=message):
        make()


@pytest.mark.parametrize(("filters", "message"), [
    (Filters(type="Banquet"), "unknown engagement type 'Banquet'; use one of Meeting, Talks"),
    (Filters(topic="fisheries"), "no topic called 'fisheries'"),
    (Filters(ego="Nobody At All"), "no entity called 'Nobody At All'"),
])
def test_unknown_filter_values_are_clear_errors(data: EngagementData, filters: Filters,
                                                message: str) -> None:
    with pytest.raises(AnalysisError, match=message):
        organization_graph(data, filters)


# --------------------------------------------------------------------------- projections

ALL_PAIRS = {pair(IDCPC, ZWP): 1, pair(CPC, ZWP): 2, pair(CPC, ETA): 3, pair(CPC, SI): 1,
             pair(ZWP, ETA): 1, pair(ZWP, SI): 1, pair(ETA, SI): 1}


@pytest.mark.parametrize(("filters", "expected"), [
    (Filters(), ALL_PAIRS),
    (Filters(date_from=dt.date(2020, 1, 1), date_to=dt.date(2020, 12, 31)),
     {pair(IDCPC, ZWP): 1, pair(CPC, ZWP): 1}),
    (Filters(type="Talks"), {pair(CPC, ETA): 1}),
    (Filters(topic="BRI"), {pair(IDCPC, ZWP): 1, pair(CPC, ZWP): 1, pair(CPC, ETA): 1,
                            pair(CPC, SI): 1, pair(ZWP, ETA): 1, pair(ZWP, SI): 1,
                            pair(ETA, SI): 1}),
    # an ego in the graph: itself, its neighbours and the ties among them
    (Filters(ego="Socialist International"),
     {k: v for k, v in ALL_PAIRS.items() if IDCPC not in k}),
    (Filters(ego="IDCPC"), {pair(IDCPC, ZWP): 1}),
    (Filters(ego="IDCPC", radius=2), {k: v for k, v in ALL_PAIRS.items()}),
    # an ego that is no organization: the graph of its own engagements
    (Filters(ego="Bo Chen"), {pair(CPC, ETA): 1}),
])
def test_organization_graph_weights(data: EngagementData, filters: Filters,
                                    expected: dict[frozenset[str], int]) -> None:
    assert weights(organization_graph(data, filters)) == expected


def test_organization_graph_weights_sum_to_the_engagement_pairs(data: EngagementData) -> None:
    graph = organization_graph(data)
    pairs = sum(len(e.sides) * (len(e.sides) - 1) // 2 for e in data.engagements)
    assert sum(w for _, _, w in graph.edges(data="weight")) == pairs == 10
    for _, _, attributes in graph.edges(data=True):
        assert attributes["weight"] == len(attributes["engagement_ids"])


def test_bilateral_weights_sum_to_the_engagement_count(data: EngagementData) -> None:
    bilateral = EngagementData(tuple(e for e in data.engagements if len(e.sides) == 2),
                               data.entities)
    graph = organization_graph(bilateral)
    assert sum(w for _, _, w in graph.edges(data="weight")) == len(bilateral.engagements) == 4


def test_organization_graph_edge_and_node_attributes(data: EngagementData) -> None:
    graph = organization_graph(data)
    edge = graph.edges[iri(CPC), iri(ETA)]
    assert (edge["first"], edge["last"], edge["types"], edge["topics"]) == (
        "2021-03-05", "2022-07-07", ["Correspondence", "Forum", "Talks"],
        ["Belt and Road Initiative", "climate change"])
    assert graph.nodes[iri(ZWP)] == {"label": "Zeta Workers Party", "kind": "party",
                                     "country": "Zetania", "engagements": 4,
                                     "first": "2020-01-10", "last": "2022-09-09"}
    assert graph.nodes[iri(SI)]["country"] == ""


def test_country_graph_groups_organizations_by_country(data: EngagementData) -> None:
    graph = country_graph(data)
    assert weights(graph) == {pair(CHINA, ZETANIA): 3, pair(CHINA, ETALAND): 3,
                              pair(CHINA, SI): 1, pair(ZETANIA, ETALAND): 1,
                              pair(ZETANIA, SI): 1, pair(ETALAND, SI): 1}
    assert graph.nodes[iri(CHINA)]["members"] == [
        "Communist Party of China", "International Department of the CPC Central Committee"]
    assert graph.nodes[iri(SI)]["kind"] == "international"
    assert nx.number_of_selfloops(graph) == 0


@pytest.mark.parametrize(("filters", "expected"), [
    (Filters(), {pair(TANG, IDCPC): (1, ["Vice-minister"]), pair(TANG, ZWP): (1, []),
                 pair(ANA, IDCPC): (1, []), pair(ANA, ZWP): (3, ["President"]),
                 pair(ANA, CPC): (1, []), pair(BO, CPC): (1, []), pair(BO, ETA): (1, [])}),
    (Filters(type="Visit"), {pair(ANA, ZWP): (1, ["President"])}),
    (Filters(ego="Tang Wenbo"), {pair(TANG, IDCPC): (1, ["Vice-minister"]),
                                 pair(TANG, ZWP): (1, [])}),
])
def test_affiliation_graph(data: EngagementData, filters: Filters,
                           expected: dict[frozenset[str], tuple[int, list[str]]]) -> None:
    graph = affiliation_graph(data, filters)
    base = len(str(ID))
    found = {frozenset((a[base:], b[base:])): (d["weight"], d["posts"])
             for a, b, d in graph.edges(data=True)}
    assert found == expected
    persons = {n for n, d in graph.nodes(data=True) if d["bipartite"] == 0}
    assert persons == {n for n, d in graph.nodes(data=True) if d["kind"] == "person"}
    assert nx.is_bipartite(graph) and all((a in persons) != (b in persons) for a, b in graph.edges)


def test_engagement_graph_is_bipartite_with_roles(data: EngagementData) -> None:
    graph = engagement_graph(data)
    engagements = {n for n, d in graph.nodes(data=True) if d["bipartite"] == 0}
    assert len(engagements) == 6 and graph.number_of_nodes() == 6 + 8
    assert graph.number_of_edges() == sum(len(e.sides) + len(e.participants)
                                          for e in data.engagements) == 18
    assert all((a in engagements) != (b in engagements) for a, b in graph.edges)
    e1 = iri("engagement/e1")
    assert graph.edges[e1, iri(TANG)]["role"] == "participant"
    assert graph.edges[e1, iri(ZWP)]["role"] == "side"
    assert graph.nodes[e1]["topics"] == ["Belt and Road Initiative"]


def test_network_graph_joins_organizations_and_persons(data: EngagementData) -> None:
    graph = network_graph(data)
    relations = {frozenset((a, b)): r for a, b, r in graph.edges(data="relation")}
    assert relations[frozenset((iri(CPC), iri(ETA)))] == "dialogue"
    assert relations[frozenset((iri(ANA), iri(ZWP)))] == "affiliation"
    assert graph.number_of_edges() == len(ALL_PAIRS) + 7


# --------------------------------------------------------------------------- metrics

def test_centrality_table_exact(data: EngagementData) -> None:
    table = centrality_table(organization_graph(data)).set_index("node")
    rows = {key: table.loc[iri(key)] for key in (CPC, IDCPC, ZWP, ETA, SI)}
    assert [table.loc[n, "label"] for n in table.index][:2] == [
        "Communist Party of China", "Eta People's Party"]  # 6, then 5 (ties by label)
    assert {k: (r["degree"], r["weighted_degree"], r["core"]) for k, r in rows.items()} == {
        CPC: (3, 6, 3), IDCPC: (1, 1, 1), ZWP: (4, 5, 3), ETA: (3, 5, 3), SI: (3, 3, 3)}
    # ZWP lies on the shortest paths from IDCPC to CPC, Eta and SI: 3 of 6 pairs
    assert {k: r["betweenness"] for k, r in rows.items()} == {
        CPC: 0.0, IDCPC: 0.0, ZWP: 0.5, ETA: 0.0, SI: 0.0}
    assert table["pagerank"].sum() == pytest.approx(1.0)
    assert {k: r["pagerank"] for k, r in rows.items()} == pytest.approx(PAGERANK, abs=1e-5)
    assert {k: r["eigenvector"] for k, r in rows.items()} == pytest.approx(EIGENVECTOR, abs=1e-5)


# checked independently with numpy: power iteration of 0.15/n + 0.85 r P on the weight
# matrix, and the leading eigenvector of the weight matrix (unit length)
PAGERANK = {CPC: 0.280974, IDCPC: 0.073473, ZWP: 0.255725, ETA: 0.236368, SI: 0.15346}
EIGENVECTOR = {CPC: 0.606025, IDCPC: 0.096007, ZWP: 0.458787, ETA: 0.547045, SI: 0.337301}


def test_communities_are_a_seeded_partition(data: EngagementData) -> None:
    graph = organization_graph(data)
    for seed in range(5):
        found = communities(graph, seed=seed)
        assert sorted(n for c in found for n in c) == sorted(graph.nodes)  # each node once
        assert found == communities(graph, seed=seed)


def test_communities_exact_on_two_cliques_and_a_bridge() -> None:
    graph = nx.Graph()
    graph.add_edges_from([("a", "b"), ("b", "c"), ("a", "c"), ("x", "y"), ("y", "z"), ("x", "z")],
                         weight=3)
    graph.add_edge("c", "x", weight=1)
    assert communities(graph, seed=0) == [{"a", "b", "c"}, {"x", "y", "z"}]
    table = centrality_table(graph, seed=0).set_index("node")
    assert table["community"].to_dict() == {"a": 0, "b": 0, "c": 0, "x": 1, "y": 1, "z": 1}


@pytest.mark.parametrize("metric", analysis.METRICS)
def test_every_metric_covers_every_node(data: EngagementData, metric: str) -> None:
    graph = organization_graph(data)
    assert set(node_metric(graph, metric)) == set(graph.nodes)


def test_betweenness_sampling_is_seeded() -> None:
    graph = nx.barabasi_albert_graph(60, 2, seed=3)
    one = node_metric(graph, "betweenness", seed=4, betweenness_samples=10)
    assert one == node_metric(graph, "betweenness", seed=4, betweenness_samples=10)
    assert one != node_metric(graph, "betweenness")


@pytest.mark.parametrize("graph", [nx.Graph(), nx.empty_graph(3)])
def test_metrics_on_graphs_without_edges(graph: nx.Graph) -> None:
    table = centrality_table(graph)
    assert len(table) == graph.number_of_nodes()
    assert (table["eigenvector"] == 0).all() and (table["weighted_degree"] == 0).all()


def test_edge_table_heaviest_first(data: EngagementData) -> None:
    table = edge_table(organization_graph(data))
    assert table.loc[0, ["source_label", "target_label", "weight", "types"]].tolist() == [
        "Communist Party of China", "Eta People's Party", 3, "Correspondence; Forum; Talks"]
    assert table["weight"].sum() == 10


# --------------------------------------------------------------------------- time series

@pytest.mark.parametrize(("by", "focus", "expected"), [
    ("type", None, {2020: {"Forum": 0, "Meeting": 1, "Talks": 0, "Video call": 1, "Visit": 0},
                    2021: {"Forum": 0, "Meeting": 0, "Talks": 1, "Video call": 0, "Visit": 0},
                    2022: {"Forum": 1, "Meeting": 0, "Talks": 0, "Video call": 0, "Visit": 1}}),
    ("country", "CPC", {2020: {"Zetania": 2, "Etaland": 0}, 2021: {"Zetania": 0, "Etaland": 1},
                        2022: {"Zetania": 2, "Etaland": 1}}),
    ("country", None, {2020: {"China": 2, "Zetania": 2, "Etaland": 0},
                       2021: {"China": 1, "Zetania": 0, "Etaland": 1},
                       2022: {"China": 1, "Zetania": 2, "Etaland": 1}}),
    ("party", "CPC", {2020: {"Zeta Workers Party": 2, "Eta People's Party": 0,
                             "Socialist International": 0},
                      2021: {"Zeta Workers Party": 0, "Eta People's Party": 1,
                             "Socialist International": 0},
                      2022: {"Zeta Workers Party": 2, "Eta People's Party": 1,
                             "Socialist International": 1}}),
    ("topic", None, {2020: {"Belt and Road Initiative": 1, "climate change": 1},
                     2021: {"Belt and Road Initiative": 0, "climate change": 0},
                     2022: {"Belt and Road Initiative": 1, "climate change": 1}}),
])
def test_per_year(data: EngagementData, by: str, focus: str | None,
                  expected: dict[int, dict[str, int]]) -> None:
    table = per_year(data, by, focus=focus)  # type: ignore[arg-type]
    assert table.to_dict("index") == expected
    assert list(table.columns) == list(next(iter(expected.values())))  # largest total first
    assert table.index.name == "year" and table.columns.name == by


def test_per_year_with_filters_and_nothing_left(data: EngagementData) -> None:
    assert per_year(data, "type", Filters(ego="Bo Chen")).to_dict("index") == {2021: {"Talks": 1}}
    assert per_year(data, "type", Filters(type="Correspondence")).empty  # undated only


def test_per_year_refuses_an_unknown_grouping(data: EngagementData) -> None:
    with pytest.raises(AnalysisError, match="use one of country, party, type, topic"):
        per_year(data, "region")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- exports

@pytest.mark.parametrize(("fmt", "read"), [
    ("graphml", nx.read_graphml),
    ("gexf", nx.read_gexf),
    ("json", lambda p: nx.node_link_graph(json.loads(Path(p).read_text(encoding="utf-8")),
                                          edges="links")),
])
def test_exports_round_trip(data: EngagementData, tmp_path: Path, fmt: str,
                            read: Callable[[Path], nx.Graph]) -> None:
    graph = organization_graph(data)
    path = export_graph(graph, tmp_path / f"g.{fmt}", fmt)  # type: ignore[arg-type]
    back = read(path)
    assert back.number_of_nodes() == 5 and back.number_of_edges() == 7
    edge = back.edges[iri(CPC), iri(ETA)]
    assert int(edge["weight"]) == 3
    types = edge["types"]
    assert types == (["Correspondence", "Forum", "Talks"] if fmt == "json"
                     else "Correspondence; Forum; Talks")
    assert back.nodes[iri(ETA)]["label"] == "Eta People's Party"
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"g.{fmt}"]  # no .tmp left


def test_export_refuses_an_unknown_format(data: EngagementData, tmp_path: Path) -> None:
    with pytest.raises(AnalysisError, match="use one of graphml, gexf, json"):
        export_graph(organization_graph(data), tmp_path / "g.dot", "dot")  # type: ignore[arg-type]


def test_analyze_and_write_are_silent_and_complete(data: EngagementData, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    result = analyze(data, Filters(date_from=dt.date(2020, 1, 1)))
    assert result.engagements == 5
    written = write_analysis(result, tmp_path, ["graphml", "json"])
    names = sorted(p.name for p in written)
    assert names == sorted(p.name for p in tmp_path.iterdir())
    assert {"organizations.csv", "organization_edges.csv", "countries.csv", "persons.csv",
            "per_year_country.csv", "per_year_party.csv", "per_year_type.csv",
            "per_year_topic.csv", "organizations.graphml", "engagements.json"} <= set(names)
    assert len(names) == 8 + 4 * 2
    organizations = pd.read_csv(tmp_path / "organizations.csv")
    assert organizations.loc[0, "label"] == "Communist Party of China"
    assert list(pd.read_csv(tmp_path / "persons.csv")["kind"].unique()) == ["person"]
    assert capsys.readouterr() == ("", "")


def test_docstring_examples_run() -> None:
    result = doctest.testmod(analysis, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 20


# --------------------------------------------------------------------------- kg analyze

def test_cli_choices_match_the_library() -> None:
    from kg import cli

    assert cli._EXPORT_FORMATS == analysis.EXPORT_FORMATS


def test_kg_analyze_prints_the_top_entities_and_writes_the_tables(
        built_sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kg.cli import main

    out = tmp_path / "tables"
    assert main(["analyze", "--store", str(built_sample), "-o", str(out),
                 "--format", "graphml", "gexf", "--format", "json"]) == 0
    printed = capsys.readouterr().out
    for heading in ("top organizations by weighted degree", "top organizations by PageRank",
                    "top organizations by betweenness", "top organizations by eigenvector",
                    "communities (Louvain, seed 0)", "-core (the densest)",
                    "top persons by weighted degree", "engagements per year by type"):
        assert heading in printed
    assert "   1. Communist Party of China" in printed
    names = {p.name for p in out.iterdir()}
    assert len(names) == 8 + 4 * 3 and {"organizations.csv", "countries.gexf",
                                        "engagements.json", "affiliations.graphml"} <= names
    table = pd.read_csv(out / "organizations.csv")
    assert table.loc[0, "label"] == "Communist Party of China"


@pytest.mark.parametrize(("argv", "printed"), [
    (["--type", "Talks"], "(type Talks)"),
    (["--from", "2022-01-01", "--to", "2022-12-31"], "(from 2022-01-01, to 2022-12-31)"),
    (["--ego", "communist party of china"], "(ego network of communist party of china)"),
    (["--type", "Forum", "--from", "1990-01-01", "--to", "1990-12-31"],
     "no organization matches; widen the filters"),
])
def test_kg_analyze_filters(built_sample: Path, capsys: pytest.CaptureFixture[str],
                            argv: list[str], printed: str) -> None:
    from kg.cli import main

    assert main(["analyze", "--store", str(built_sample), *argv]) == 0
    assert printed in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "code", "message"), [
    (["--format", "json"], 2, "--format needs -o DIR"),
    (["--from", "2022-13-01"], 2, "not a date: '2022-13-01'"),
    (["--format", "dot", "-o", "x"], 2, "invalid choice: 'dot'"),
    (["--from", "2023-01-01", "--to", "2022-01-01"], 1, "the date range is empty"),
    (["--ego", "Nobody At All"], 1, "no entity called 'Nobody At All'"),
    (["--type", "Banquet"], 1, "unknown engagement type 'Banquet'"),
])
def test_kg_analyze_errors(built_sample: Path, capsys: pytest.CaptureFixture[str],
                           argv: list[str], code: int, message: str) -> None:
    from kg.cli import main

    try:
        result = main(["analyze", "--store", str(built_sample), *argv])
    except SystemExit as exit_:
        result = exit_.code  # type: ignore[assignment]
    assert result == code
    assert message in capsys.readouterr().err


# --------------------------------------------------------------------------- the map's network

def _ranked_by_hand(graph: nx.Graph, max_nodes: int) -> list[str]:
    """The documented ranking, read off the whole network: most engagements, then
    weighted degree, then label (case-folded) and IRI."""
    strength = dict(graph.degree(weight="weight"))
    return sorted(graph.nodes, key=lambda n: (-graph.nodes[n]["engagements"], -strength[n],
                                              graph.nodes[n]["label"].casefold(), n))[:max_nodes]


def _canonical(graph: nx.Graph) -> tuple[list, list]:
    return (sorted(graph.nodes(data=True)),
            sorted((tuple(sorted((u, v))), d) for u, v, d in graph.edges(data=True)))


def _crowd() -> EngagementData:
    """Ties in every ranking key, a person also named as a side (a loop), a pair both in
    dialogue and affiliated, post holders without engagements, undated engagements."""
    org = [f"id/org/{c}" for c in "abcdef"]
    person = [f"id/person/{c}" for c in "pqrs"]
    entities = {o: Entity(o, o[-1].upper(), "party") for o in org}
    entities[org[5]] = Entity(org[5], "a", "party")  # the same label as org a, but for the case
    entities.update({p: Entity(p, p[-1], "person", posts=(Post("Chair", org[i % 3]),))
                     for i, p in enumerate(person)})
    entities["id/org/x"] = Entity("id/org/x", "X", "person")  # a "person" kind under an org IRI
    day = dt.date(2020, 1, 1)
    engagements = [
        Engagement("e1", "Meeting", day, None, "", "", (org[0], org[1]), (person[0],)),
        Engagement("e2", "Talks", day, None, "", "", (org[0], org[1], org[2]), (person[1], person[0])),
        Engagement("e3", "Talks", None, None, "", "", (org[2], org[3]), (org[3],)),   # a side takes part
        Engagement("e4", "Meeting", day, None, "", "", (org[4], org[5]), (person[2],), topics=("t",)),
        Engagement("e5", "Talks", day, None, "", "", (org[1],), ("id/org/x",)),
        Engagement("e6", "Meeting", None, None, "", "", (org[5], org[0]), ()),
    ]
    return EngagementData(tuple(engagements), entities)


@pytest.mark.parametrize("filters", [Filters(), Filters(type="Talks"), Filters(ego="id/org/a")],
                         ids=["all", "type", "ego"])
@pytest.mark.parametrize("max_nodes", [1, 2, 3, 5, 8, 100])
def test_the_strongest_network_is_the_whole_network_cut_to_its_strongest_nodes(
        filters: Filters, max_nodes: int) -> None:
    data = _crowd()
    whole = network_graph(data, filters)
    keep = _ranked_by_hand(whole, max_nodes)
    graph, left_out = analysis.strongest_network(data, filters, max_nodes=max_nodes)
    assert _canonical(graph) == _canonical(whole.subgraph(keep))
    assert left_out == whole.number_of_nodes() - len(keep)
    assert list(graph.nodes) == [n for n in whole.nodes if n in keep]  # the whole network's order


def _weighted(graph: nx.Graph, seed: int) -> nx.Graph:
    import random

    chooser = random.Random(seed)
    for a, b in graph.edges:
        graph.edges[a, b]["weight"] = chooser.choice([0, 1, 1, 2, 5])
    if graph.number_of_edges() and graph.size(weight="weight") == 0:
        graph.edges[next(iter(graph.edges))]["weight"] = 1
    return graph


#: graphs of the shapes the projections give: hubs (parties with many members),
#: bipartite graphs, several components, a path, a star, isolated nodes
NETWORKS = {
    "scale-free": lambda: nx.barabasi_albert_graph(400, 2, seed=1),
    "hubs": lambda: nx.disjoint_union(nx.star_graph(40), nx.barabasi_albert_graph(60, 3, seed=2)),
    "bipartite": lambda: nx.complete_bipartite_graph(4, 9),
    "random bipartite": lambda: nx.bipartite.random_graph(120, 30, 0.05, seed=3),
    "components": lambda: nx.disjoint_union_all([nx.cycle_graph(6), nx.path_graph(5), nx.empty_graph(2)]),
    "path": lambda: nx.path_graph(9),
    "dense": lambda: nx.gnp_random_graph(700, 0.02, seed=4),
    "two nodes": lambda: nx.path_graph(2),
}


@pytest.mark.parametrize("shape", NETWORKS)
@pytest.mark.parametrize("samples", [None, 1, 7, 50])
def test_betweenness_is_networkx_betweenness_with_the_same_sampled_sources(shape: str, samples: int | None) -> None:
    graph = NETWORKS[shape]()
    k = samples if samples is not None and samples < len(graph) else None
    expected = nx.betweenness_centrality(graph, k=k, seed=5 if k else None)
    found = node_metric(graph, "betweenness", seed=5, betweenness_samples=samples)
    assert found.keys() == expected.keys()
    for node, value in expected.items():
        if value != value:  # networkx's NaN for the source of a single sample
            assert found[node] != found[node]
        else:
            assert found[node] == pytest.approx(value, rel=1e-9, abs=1e-12), node


@pytest.mark.parametrize("shape", NETWORKS)
def test_eigenvector_centrality_is_the_limit_of_networkx_power_iteration(shape: str) -> None:
    graph = _weighted(NETWORKS[shape](), seed=6)
    expected = nx.eigenvector_centrality(graph, weight="weight", max_iter=100_000, tol=1e-12)
    found = node_metric(graph, "eigenvector")
    assert found == pytest.approx(expected, abs=1e-7)


@pytest.mark.parametrize("shape", NETWORKS)
def test_core_numbers_are_networkx_core_numbers(shape: str) -> None:
    graph = NETWORKS[shape]()
    assert analysis._core_number(graph) == nx.core_number(graph)


@pytest.mark.parametrize("graph, expected", [
    (nx.disjoint_union(nx.cycle_graph(3), nx.cycle_graph(3)), [6 ** -0.5] * 6),  # one eigenvalue twice
    (nx.disjoint_union(nx.path_graph(2), nx.path_graph(2)), [0.5] * 4),
    (nx.disjoint_union(nx.path_graph(2), nx.cycle_graph(3)), [0.0, 0.0] + [3 ** -0.5] * 3),
])
def test_eigenvector_centrality_shares_a_shared_leading_eigenvalue_as_the_iteration_does(
        graph: nx.Graph, expected: list[float]) -> None:
    nx.set_edge_attributes(graph, 1, "weight")
    assert list(node_metric(graph, "eigenvector").values()) == pytest.approx(expected, abs=1e-9)
    assert list(nx.eigenvector_centrality(graph, weight="weight", tol=1e-12).values()) == pytest.approx(
        expected, abs=1e-6)


def test_analyze_reports_each_step_before_it_runs_and_gives_the_same_analysis(data: EngagementData) -> None:
    steps: list[str] = []
    told = analyze(data, progress=steps.append)
    nodes = f"{told.graphs['affiliations'].number_of_nodes():,} nodes"
    assert steps[:4] == ["organizations: projecting", "affiliations: projecting",
                         "countries: projecting", "engagements: projecting"]
    assert steps[4:9] == [f"affiliations: {metric} ({nodes})" for metric in
                          ("pagerank", "betweenness", "eigenvector", "communities", "cores")]
    assert "organizations: communities (" in " ".join(steps) and steps[-1].startswith("engagements per year by ")
    quiet = analyze(data)
    for name, table in quiet.tables.items():
        pd.testing.assert_frame_equal(told.tables[name], table)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("argv, doing, shown", [
    (["analyze"], "analyzing", ["reading the engagements ...", "affiliations: communities ("]),
    (["map", "-o", "{tmp}/map.html"], "mapping", ["reading the engagements ...", "ranking the nodes ...",
                                                  "drawing "]),
    (["query", "presides"], "querying", ["presides ...", "formatting "]),
    (["query", "SELECT ?s WHERE {{\n  ?s a <https://w3id.org/partyrel/ontology#Readout> .\n}} LIMIT 2"],
     "querying", ["SELECT ?s WHERE { ?s a <https://w3id.org/partyrel/ontolog... ...",
                  "formatting 2 rows ..."]),
])
def test_long_commands_show_their_steps_on_a_terminal_and_nothing_elsewhere(
        built_sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], argv: list[str], doing: str, shown: list[str]) -> None:
    from kg.cli import main

    argv = [arg.format(tmp=tmp_path) for arg in argv] + ["--store", str(built_sample)]
    assert main(argv) == 0
    assert capsys.readouterr().err == ""  # not a terminal: no steps
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert main(argv) == 0
    written = terminal.getvalue()
    lines = written.split("\r")
    for step in shown:
        assert any(re.match(rf"{doing} \[\d+s\] {re.escape(step)}", line) for line in lines), (step, lines)
    assert written.endswith("\r" + " " * 100 + "\r")  # the line is cleared at the end
