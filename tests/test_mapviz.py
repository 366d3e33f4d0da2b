"""Tests of kg.mapviz: the offline HTML network map."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, SKOS

from kg.mapviz import MapStats, render_map

PR = Namespace("https://w3id.org/partyrel/ontology#")
ID = Namespace("https://w3id.org/partyrel/id/")
ORG = Namespace("http://www.w3.org/ns/org#")
XSD_DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")

XSS_ORG = "<img src=x onerror=alert(1)> People's Party"
XSS_PERSON = "Li </script><script>alert(2)</script> href"
XSS_TITLE = "Tang meets <b>guests</b> & friends"


def sample_graph() -> Graph:
    """Two parties in dialogue, a party international, a party body, a ministry,
    two countries and two persons; four engagements from one readout."""
    g = Graph()

    def org(key: str, name: str, cls: URIRef, country: str | None = None) -> None:
        g.add((ID[key], RDF.type, cls))
        g.add((ID[key], RDFS.label, Literal(name, lang="en")))
        if country:
            g.add((ID[key], PR.country, ID[country]))

    org("org/zwp", "Zeta Workers Party", PR.PoliticalParty, "country/zetania")
    g.add((ID["org/zwp"], SKOS.altLabel, Literal("ZWP", lang="en")))
    org("org/eta", XSS_ORG, PR.PoliticalParty, "country/etaland")
    org("org/intl", "Progressive Alliance of Zeta", PR.PartyInternational)
    org("org/idd", "International Department", PR.PartyBody)
    org("org/mfa", "Ministry of Foreign Affairs", PR.GovernmentBody)
    org("country/zetania", "Zetania", PR.Country)
    org("country/etaland", "Etaland", PR.Country)
    for key, name in (("person/tang", "Tang Wenbo"), ("person/li", XSS_PERSON)):
        g.add((ID[key], RDF.type, PR.Person))
        g.add((ID[key], RDFS.label, Literal(name, lang="en")))
    g.add((ID["person/tang"], ORG.holds, ID["post/p1"]))
    g.add((ID["post/p1"], PR.title, Literal("Minister")))
    g.add((ID["post/p1"], ORG.postIn, ID["org/idd"]))
    g.add((ID["readout/r1"], DCTERMS.title, Literal(XSS_TITLE)))
    engagements = [
        (["org/zwp", "org/eta"], ["person/tang", "person/li"], PR.Meeting, "2024-01-02"),
        (["org/zwp", "org/eta"], ["person/tang"], PR.VideoCall, "2024-02-03"),
        (["org/zwp", "country/etaland"], [], PR.Talks, "2024-03-04"),
        (["org/intl", "org/zwp"], [], PR.Forum, "2023-03-04"),
    ]
    for i, (sides, people, cls, day) in enumerate(engagements):
        e = ID[f"engagement/r1-{i}"]
        g.add((e, RDF.type, cls))
        g.add((e, PR.date, Literal(day, datatype=XSD_DATE)))
        g.add((e, PR.reportedIn, ID["readout/r1"]))
        for side in sides:
            g.add((e, PR.involves, ID[side]))
        for person in people:
            g.add((e, PR.participant, ID[person]))
    g.add((ID["org/zwp"], PR.dialoguesWith, ID["org/eta"]))
    g.add((ID["org/eta"], PR.dialoguesWith, ID["org/zwp"]))
    g.add((ID["org/zwp"], PR.dialoguesWith, ID["org/mfa"]))
    return g


def dataset(page: str, name: str) -> list[dict[str, Any]]:
    """The JSON given to `new vis.DataSet(...)` for nodes or edges."""
    marker = f"{name} = new vis.DataSet("
    start = page.index(marker) + len(marker)
    value, _ = json.JSONDecoder().raw_decode(page, start)
    assert isinstance(value, list)
    return value


@pytest.fixture
def rendered(tmp_path: Path) -> tuple[MapStats, str]:
    path = tmp_path / "map.html"
    stats = render_map(sample_graph(), path, title="Zeta <network> & co")
    return stats, path.read_text(encoding="utf-8")


def by_id(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in items}


def edge_between(edges: list[dict[str, Any]], a: str, b: str) -> dict[str, Any]:
    found = [e for e in edges if {e["from"], e["to"]} == {str(ID[a]), str(ID[b])}]
    assert len(found) == 1, found
    return found[0]


# --------------------------------------------------------------------------- content

def test_counts(rendered: tuple[MapStats, str]) -> None:
    stats, page = rendered
    # nodes: 2 parties, international, party body (post), ministry (dialogue), 1 side
    # country (Zetania is no side), 2 persons; edges: 4 dialogue, 1 post, 4 took part
    assert stats == MapStats(nodes=8, edges=9, omitted_nodes=0)
    assert len(dataset(page, "nodes")) == 8
    assert len(dataset(page, "edges")) == 9
    assert str(ID["country/zetania"]) not in by_id(dataset(page, "nodes"))


@pytest.mark.parametrize(("key", "shape", "color"), [
    ("org/zwp", "hexagon", "#d62728"),
    ("org/intl", "star", "#9467bd"),
    ("org/idd", "diamond", "#ff7f0e"),
    ("org/mfa", "square", "#1f77b4"),
    ("country/etaland", "triangle", "#2ca02c"),
    ("person/tang", "dot", "#7f7f7f"),
])
def test_node_class_styles(rendered: tuple[MapStats, str], key: str, shape: str, color: str) -> None:
    node = by_id(dataset(rendered[1], "nodes"))[str(ID[key])]
    assert (node["shape"], node["color"]) == (shape, color)


def test_untyped_side_is_other_organization(tmp_path: Path) -> None:
    g = Graph()
    g.add((ID["engagement/x"], PR.involves, ID["org/unknown"]))
    g.add((ID["engagement/x"], PR.involves, ID["org/zwp"]))
    g.add((ID["org/zwp"], RDF.type, PR.PoliticalParty))
    stats = render_map(g, tmp_path / "m.html")
    nodes = by_id(dataset((tmp_path / "m.html").read_text(encoding="utf-8"), "nodes"))
    assert stats == MapStats(nodes=2, edges=1)
    assert nodes[str(ID["org/unknown"])]["shape"] == "triangleDown"
    assert nodes[str(ID["org/unknown"])]["label"] == "unknown"  # no label: the IRI's last part


def test_dialogue_edges_weighted_by_engagements(rendered: tuple[MapStats, str]) -> None:
    edges = dataset(rendered[1], "edges")
    pair = edge_between(edges, "org/zwp", "org/eta")
    assert pair["value"] == 2
    assert pair["title"].splitlines()[1:] == [
        "2 engagements:",
        f"2024-01-02 \u2014 Meeting \u2014 {XSS_TITLE}",
        f"2024-02-03 \u2014 Video call \u2014 {XSS_TITLE}",
    ]
    assert edge_between(edges, "org/zwp", "country/etaland")["value"] == 1
    asserted_only = edge_between(edges, "org/zwp", "org/mfa")
    assert asserted_only["value"] == 1 and "no engagement" in asserted_only["title"]


def test_person_edges(rendered: tuple[MapStats, str]) -> None:
    edges = dataset(rendered[1], "edges")
    post = edge_between(edges, "person/tang", "org/idd")
    assert post["label"] == "Minister" and post["dashes"] == [8, 5]
    took_part = edge_between(edges, "person/tang", "org/eta")
    assert took_part["dashes"] == [2, 4]
    assert "took part in 2 engagements" in took_part["title"]
    assert edge_between(edges, "person/li", "org/zwp")["dashes"] == [2, 4]


def test_node_tooltips(rendered: tuple[MapStats, str]) -> None:
    nodes = by_id(dataset(rendered[1], "nodes"))
    assert nodes[str(ID["org/zwp"])]["tip"].splitlines() == [
        "Zeta Workers Party", "political party", "also: ZWP", "country: Zetania", "4 engagements"]
    assert "posts: Minister, International Department" in nodes[str(ID["person/tang"])]["tip"]
    assert all("title" not in node for node in nodes.values())  # set as text by the page script


# --------------------------------------------------------------------------- safety

def test_data_is_escaped(rendered: tuple[MapStats, str]) -> None:
    _, page = rendered
    for raw in ("<img src=x onerror=alert(1)>", "</script><script>alert(2)", "<b>guests</b>",
                "<network>"):
        assert raw not in page
    assert "<title>Zeta &lt;network&gt; &amp; co</title>" in page
    assert "<h1>Zeta &lt;network&gt; &amp; co</h1>" in page
    labels = {node["label"] for node in dataset(page, "nodes")}
    assert {XSS_ORG, XSS_PERSON} <= labels  # shown as these characters, never as markup
    # a label containing "href" must not switch pyvis to its innerHTML popup
    assert "popup.innerHTML" not in page


def test_page_is_offline_and_self_contained(rendered: tuple[MapStats, str]) -> None:
    _, page = rendered
    assert not re.search(r"""\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.IGNORECASE)
    assert "<link" not in page
    assert "bootstrap" not in page
    assert "new vis.Network(" in page and "vis-network" in page
    assert len(page) > 300_000  # vis-network itself is inline
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_legend(rendered: tuple[MapStats, str]) -> None:
    page = rendered[1]
    for entry in ("political party", "party international", "party body", "government body",
                  "other organization", "country", "person", "dialogue between sides",
                  "holds a post in", "took part in an engagement"):
        assert entry in page
    assert "8 nodes, 9 edges." in page


def test_layout_is_seeded_and_frozen(rendered: tuple[MapStats, str]) -> None:
    page = rendered[1]
    options = json.JSONDecoder().raw_decode(page, page.index("var options = ") + len("var options = "))[0]
    assert options["layout"]["randomSeed"] == 42
    assert options["physics"]["stabilization"]["enabled"] is True
    assert options["physics"]["stabilization"]["iterations"] > 0
    assert 'network.once("stabilizationIterationsDone", freeze)' in page
    assert "physics: {enabled: false}" in page


def test_same_graph_same_page(tmp_path: Path) -> None:
    render_map(sample_graph(), tmp_path / "a.html")
    render_map(sample_graph(), tmp_path / "b.html")
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()


def test_max_nodes_keeps_the_most_connected(tmp_path: Path) -> None:
    stats = render_map(sample_graph(), tmp_path / "m.html", max_nodes=3)
    page = (tmp_path / "m.html").read_text(encoding="utf-8")
    kept = set(by_id(dataset(page, "nodes")))
    assert stats.nodes == 3 and stats.omitted_nodes == 5
    assert kept == {str(ID["org/zwp"]), str(ID["org/eta"]), str(ID["person/tang"])}
    edges = dataset(page, "edges")
    assert stats.edges == len(edges) == 3
    assert all(e["from"] in kept and e["to"] in kept for e in edges)
    assert "the 3 most connected of 8 nodes" in page


def test_max_nodes_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        render_map(sample_graph(), tmp_path / "m.html", max_nodes=0)


# --------------------------------------------------------------------------- files

@pytest.mark.parametrize("graph", [
    Graph(),
    Graph().add((ID["org/zwp"], RDF.type, PR.PoliticalParty)),  # organizations, no engagement
])
def test_empty_page(tmp_path: Path, graph: Graph) -> None:
    path = tmp_path / "map.html"
    assert render_map(graph, path, title="Empty <map>") == MapStats(nodes=0, edges=0)
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "no engagements yet" in page
    assert "<title>Empty &lt;map&gt;</title>" in page
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.html"]


def test_write_is_atomic_and_silent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "out" / "map.html"
    path.parent.mkdir()
    path.write_text("old", encoding="utf-8")
    render_map(sample_graph(), path)
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in path.parent.iterdir()) == ["map.html"]
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs chromium (apt-get install chromium)")
def test_page_draws_offline_in_a_browser(tmp_path: Path) -> None:
    path = tmp_path / "map.html"
    render_map(sample_graph(), path)
    done = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--no-first-run",
         f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=20000", "--dump-dom",
         path.as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    # the page script ran: vis-network loaded inline, stabilized, physics switched off
    assert 'data-physics="off"' in done.stdout, done.stderr[-2000:]
