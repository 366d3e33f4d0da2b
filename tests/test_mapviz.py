"""Tests of kg.mapviz: the offline HTML network map (its content, as text; the
page in a real browser is tested by tests/test_browser.py)."""

from __future__ import annotations

import datetime as dt
import doctest
import json
import re
from pathlib import Path
from typing import Any

import pytest
from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, SKOS

from kg import mapviz
from kg.analysis import AnalysisError, EngagementData, Filters, load
from kg.mapviz import SIZE_BY, MapStats, render_map

PR = Namespace("https://w3id.org/partyrel/ontology#")
ID = Namespace("https://w3id.org/partyrel/id/")
ORG = Namespace("http://www.w3.org/ns/org#")
XSD_DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")

XSS_ORG = "<img src=x onerror=alert(1)> People's Party"
XSS_PERSON = "Li </script><script>alert(2)</script> href"
XSS_TITLE = "Tang meets <b>guests</b> & friends"
XSS_EVIDENCE = "They met.</script><script>alert(3)</script>"


def sample_graph() -> Graph:
    """Two parties, a party international, a party body, a ministry, two
    countries and two persons; four engagements from one readout:

    ====  =========  ==========  ====================  ==========
    n     type       date        sides                 persons
    ====  =========  ==========  ====================  ==========
    r1-0  Meeting    2024-01-02  ZWP, Eta (XSS)        Tang, Li
    r1-1  VideoCall  2024-02-03  ZWP, Eta              Tang
    r1-2  Talks      2024-03-04  ZWP, Etaland
    r1-3  Forum      2023-03-04  Intl, ZWP
    ====  =========  ==========  ====================  ==========

    Tang is Minister in the International Department (no engagement); the
    ministry is only in ``pr:dialoguesWith`` (drawn only with engagements).
    """
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
        g.add((e, PR.evidence, Literal(XSS_EVIDENCE if i == 0 else f"Evidence {i}.")))
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


def page_data(page: str) -> dict[str, Any]:
    """The JSON block the page's filters read."""
    found = re.search(r'<script type="application/json" id="pr-data">(.*?)</script>', page,
                      re.DOTALL)
    assert found
    value = json.loads(found.group(1))
    assert isinstance(value, dict)
    return value


def render(tmp_path: Path, graph: Graph | EngagementData | None = None,
           **options: Any) -> tuple[MapStats, str]:
    path = tmp_path / "map.html"
    stats = render_map(graph if graph is not None else sample_graph(), path, **options)
    return stats, path.read_text(encoding="utf-8")


@pytest.fixture
def rendered(tmp_path: Path) -> tuple[MapStats, str]:
    return render(tmp_path, title="Zeta <network> & co")


def by_id(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in items}


def edge_between(edges: list[dict[str, Any]], a: str, b: str) -> dict[str, Any]:
    found = [e for e in edges if {e["from"], e["to"]} == {str(ID[a]), str(ID[b])}]
    assert len(found) == 1, found
    return found[0]


def keys(page: str) -> set[str]:
    base = len(str(ID))
    return {node["id"][base:] for node in dataset(page, "nodes")}


# --------------------------------------------------------------------------- content

def test_counts(rendered: tuple[MapStats, str]) -> None:
    stats, page = rendered
    # nodes: 2 parties, international, party body (post), 1 side country (Zetania is
    # no side), 2 persons; the ministry has no engagement. Edges: 3 between sides,
    # 1 post, 4 took part
    assert stats == MapStats(nodes=7, edges=8, omitted_nodes=0)
    assert len(dataset(page, "nodes")) == 7
    assert len(dataset(page, "edges")) == 8
    assert keys(page) == {"org/zwp", "org/eta", "org/intl", "org/idd", "country/etaland",
                          "person/tang", "person/li"}


@pytest.mark.parametrize(("key", "shape", "color"), [
    ("org/zwp", "hexagon", "#d62728"),
    ("org/intl", "star", "#9467bd"),
    ("org/idd", "diamond", "#ff7f0e"),
    ("country/etaland", "triangle", "#2ca02c"),
    ("person/tang", "dot", "#7f7f7f"),
])
def test_node_class_styles(rendered: tuple[MapStats, str], key: str, shape: str,
                           color: str) -> None:
    node = by_id(dataset(rendered[1], "nodes"))[str(ID[key])]
    assert (node["shape"], node["color"]) == (shape, color)


def test_untyped_side_is_other_organization(tmp_path: Path) -> None:
    g = Graph()
    g.add((ID["engagement/x"], PR.involves, ID["org/unknown"]))
    g.add((ID["engagement/x"], PR.involves, ID["org/zwp"]))
    g.add((ID["org/zwp"], RDF.type, PR.PoliticalParty))
    stats, page = render(tmp_path, g)
    nodes = by_id(dataset(page, "nodes"))
    assert stats == MapStats(nodes=2, edges=1)
    assert nodes[str(ID["org/unknown"])]["shape"] == "triangleDown"
    assert nodes[str(ID["org/unknown"])]["label"] == "unknown"  # no label: the IRI's last part


def test_edges_between_sides_weighted_and_listing_engagements(
        rendered: tuple[MapStats, str]) -> None:
    edges = dataset(rendered[1], "edges")
    pair = edge_between(edges, "org/zwp", "org/eta")
    assert pair["value"] == 2
    assert pair["title"].splitlines()[1:] == [
        "2 engagements (2024-01-02 to 2024-02-03):",
        f"2024-01-02 \u2014 Meeting \u2014 {XSS_TITLE}",
        f"    \u201c{XSS_EVIDENCE}\u201d",
        f"2024-02-03 \u2014 Video call \u2014 {XSS_TITLE}",
        "    \u201cEvidence 1.\u201d",
    ]
    assert edge_between(edges, "org/zwp", "country/etaland")["value"] == 1


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
        "Zeta Workers Party", "political party", "also: ZWP", "country: Zetania",
        "4 engagements (2023-03-04 to 2024-03-04)",
        "weighted degree (engagements with others): 7"]
    assert "posts: Minister, International Department" in nodes[str(ID["person/tang"])]["tip"]
    assert all("title" not in node for node in nodes.values())  # set as text by the page script


def test_long_tooltips_are_capped(tmp_path: Path) -> None:
    g = Graph()
    for i in range(30):
        e = ID[f"engagement/r-{i}"]
        g.add((e, RDF.type, PR.Meeting))
        g.add((e, PR.date, Literal(f"2020-01-{i + 1:02d}", datatype=XSD_DATE)))
        g.add((e, PR.evidence, Literal("word " * 200)))
        for side in ("org/a", "org/b"):
            g.add((e, PR.involves, ID[side]))
    _, page = render(tmp_path, g)
    lines = dataset(page, "edges")[0]["title"].splitlines()
    assert lines[-1] == "\u2026 and 18 more"
    assert len(lines) == 2 + 12 * 2 + 1
    assert max(len(line) for line in lines) < 300


@pytest.mark.parametrize(("size_by", "key", "value"), [
    ("engagements", "org/zwp", 4),
    ("degree", "org/zwp", 5),
    ("weighted_degree", "org/zwp", 7),
    ("weighted_degree", "person/tang", 4),
    ("betweenness", "org/idd", 0),
])
def test_node_size_follows_the_chosen_metric(tmp_path: Path, size_by: str, key: str,
                                             value: float) -> None:
    _, page = render(tmp_path, size_by=size_by)
    assert by_id(dataset(page, "nodes"))[str(ID[key])]["value"] == value
    assert f"node size: {mapviz._METRIC_WORDS[size_by]}" in page


@pytest.mark.parametrize("size_by", SIZE_BY)
def test_every_size_metric_draws(tmp_path: Path, size_by: str) -> None:
    stats, page = render(tmp_path, size_by=size_by)
    assert stats.nodes == 7
    assert all(isinstance(n["value"], (int, float)) for n in dataset(page, "nodes"))


def test_unknown_size_metric_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AnalysisError, match="cannot size nodes by 'fame'"):
        render_map(sample_graph(), tmp_path / "m.html", size_by="fame")


# --------------------------------------------------------------------------- filters

@pytest.mark.parametrize(("filters", "expected"), [
    (Filters(type="Forum"), {"org/intl", "org/zwp"}),
    (Filters(type="VideoCall"), {"org/zwp", "org/eta", "person/tang", "org/idd"}),
    (Filters(date_from=dt.date(2024, 2, 1)),
     {"org/zwp", "org/eta", "country/etaland", "person/tang", "org/idd"}),
    (Filters(date_to=dt.date(2023, 12, 31)), {"org/intl", "org/zwp"}),
    (Filters(ego="Progressive Alliance of Zeta"), {"org/intl", "org/zwp"}),
    (Filters(ego="Tang Wenbo"), {"person/tang", "org/zwp", "org/eta", "org/idd"}),
])
def test_filters_choose_what_is_drawn(tmp_path: Path, filters: Filters, expected: set[str]) -> None:
    _, page = render(tmp_path, filters=filters)
    assert keys(page) == expected
    assert f"Filters: {filters.describe()}." in page


def test_a_filter_matching_nothing_says_so(tmp_path: Path) -> None:
    stats, page = render(tmp_path, filters=Filters(type="Correspondence"))
    assert stats == MapStats(nodes=0, edges=0)
    assert "no engagement matches the filters (type Correspondence)" in page


def test_render_accepts_loaded_data(tmp_path: Path, rendered: tuple[MapStats, str]) -> None:
    stats, page = render(tmp_path, load(sample_graph()), title="Zeta <network> & co")
    assert (stats, page) == rendered


def test_page_data_indexes_the_engagements_behind_nodes_and_edges(
        rendered: tuple[MapStats, str]) -> None:
    page = rendered[1]
    data = page_data(page)
    assert data["types"] == ["Meeting", "Talks", "Video call", "Forum"]
    assert data["years"] == [2023, 2024]
    # in date order: Forum 2023, Meeting, Video call, Talks 2024
    assert data["engagements"] == [[2023, 3], [2024, 0], [2024, 2], [2024, 1]]
    nodes = by_id(dataset(page, "nodes"))
    assert nodes[str(ID["org/zwp"])]["eng"] == [0, 1, 2, 3]
    assert nodes[str(ID["org/idd"])]["eng"] == []  # a post, no engagement
    edges = dataset(page, "edges")
    assert edge_between(edges, "org/zwp", "org/eta")["eng"] == [1, 2]
    assert edge_between(edges, "person/tang", "org/idd")["eng"] == []
    assert len({e["id"] for e in edges}) == len(edges)


@pytest.mark.parametrize("control", [
    '<input id="pr-search" type="search"', '<datalist id="pr-names">',
    '<select id="pr-type"><option value="">all types</option><option value="0">Meeting</option>',
    '<input id="pr-from" type="number" min="2023" max="2024" value="2023"',
    '<input id="pr-to" type="number" min="2023" max="2024" value="2024"',
    '<input id="pr-undated" type="checkbox" checked>', '<button id="pr-reset"',
    '<span id="pr-status"',
])
def test_search_box_and_filters_are_in_the_page(rendered: tuple[MapStats, str],
                                                control: str) -> None:
    assert control in rendered[1]


# --------------------------------------------------------------------------- safety

def test_data_is_escaped(rendered: tuple[MapStats, str]) -> None:
    _, page = rendered
    for raw in ("<img src=x onerror=alert(1)>", "</script><script>alert(2)", "<b>guests</b>",
                "<network>", "alert(3)</script>"):
        assert raw not in page
    assert "<title>Zeta &lt;network&gt; &amp; co</title>" in page
    assert "<h1>Zeta &lt;network&gt; &amp; co</h1>" in page
    labels = {node["label"] for node in dataset(page, "nodes")}
    assert {XSS_ORG, XSS_PERSON} <= labels  # shown as these characters, never as markup
    # a label containing "href" must not switch pyvis to its innerHTML popup
    assert "popup.innerHTML" not in page
    assert ".innerHTML" not in page.split("drawGraph();", 1)[1]  # our scripts write text only


def test_filter_notice_is_escaped(tmp_path: Path) -> None:
    _, page = render(tmp_path, filters=Filters(ego=XSS_ORG))
    assert "Filters: ego network of &lt;img src=x onerror=alert(1)&gt; People&#x27;s Party." in page


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
                  "other organization", "country", "person", "engagements between sides",
                  "holds a post in", "took part in an engagement", "node size: weighted degree"):
        assert entry in page
    assert "7 nodes, 8 edges." in page


@pytest.mark.parametrize(("nodes", "iterations", "theta"), [(10, 400, None), (800, 200, 0.9),
                                                             (2000, 100, 0.9)])
def test_layout_is_seeded_and_frozen(rendered: tuple[MapStats, str], nodes: int, iterations: int,
                                     theta: float | None) -> None:
    page = rendered[1]
    start = page.index("var options = ") + len("var options = ")
    options = json.JSONDecoder().raw_decode(page, start)[0]
    assert options == mapviz._options(7)
    options = mapviz._options(nodes)
    assert options["layout"]["randomSeed"] == 42
    assert options["physics"]["stabilization"]["enabled"] is True
    assert options["physics"]["stabilization"]["iterations"] == iterations
    assert options["physics"]["forceAtlas2Based"].get("theta") == theta
    assert 'network.once("stabilizationIterationsDone"' in page
    assert "physics: {enabled: false}" in page


def test_same_graph_same_page(tmp_path: Path) -> None:
    render_map(sample_graph(), tmp_path / "a.html")
    render_map(sample_graph(), tmp_path / "b.html")
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()


def test_max_nodes_keeps_the_strongest_and_says_so(tmp_path: Path) -> None:
    stats, page = render(tmp_path, max_nodes=3)
    kept = set(by_id(dataset(page, "nodes")))
    assert stats.nodes == 3 and stats.omitted_nodes == 4
    assert kept == {str(ID["org/zwp"]), str(ID["org/eta"]), str(ID["person/tang"])}
    edges = dataset(page, "edges")
    assert stats.edges == len(edges) == 3
    assert all(e["from"] in kept and e["to"] in kept for e in edges)
    assert ('id="pr-cap">Large graph: showing the 3 strongest of 7 nodes (most engagements, '
            "then weighted degree); raise max_nodes (kg map --max-nodes) to see all.") in page


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


def test_docstring_examples_run() -> None:
    result = doctest.testmod(mapviz, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 5


# --------------------------------------------------------------------------- kg map

def test_cli_choices_match_the_library() -> None:
    from kg import cli

    assert cli._SIZE_BY == SIZE_BY


def test_kg_map_writes_the_page(built_sample: Path, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    from kg.cli import main

    path = tmp_path / "map.html"
    assert main(["map", "--store", str(built_sample), "-o", str(path), "--size-by", "pagerank",
                 "--max-nodes", "5", "--from", "2000-01-01"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == f"map            {path}"
    assert printed[1].startswith("nodes          5 (the strongest; ")
    assert printed[-1] == "filters        from 2000-01-01"
    page = path.read_text(encoding="utf-8")
    assert len(dataset(page, "nodes")) == 5
    assert 'id="pr-cap">Large graph: showing the 5 strongest of ' in page
    assert "node size: PageRank" in page and "Filters: from 2000-01-01." in page


@pytest.mark.parametrize(("argv", "code", "message"), [
    (["--max-nodes", "0"], 2, "--max-nodes must be at least 1"),
    (["--size-by", "fame"], 2, "invalid choice: 'fame'"),
    (["--topic", "deep-sea fishing"], 1, "no topic called 'deep-sea fishing'"),
])
def test_kg_map_errors(built_sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                       argv: list[str], code: int, message: str) -> None:
    from kg.cli import main

    try:
        result = main(["map", "--store", str(built_sample), "-o", str(tmp_path / "m.html"), *argv])
    except SystemExit as exit_:
        result = exit_.code  # type: ignore[assignment]
    assert result == code
    assert message in capsys.readouterr().err
    assert not (tmp_path / "m.html").exists()


_RENDER_IN_ANOTHER_PROCESS = '''
import datetime as dt, hashlib, random, sys, tempfile
from pathlib import Path
from kg.analysis import Engagement, EngagementData, Entity
from kg.mapviz import render_map
rng = random.Random(7)
orgs = [f"id/org/o{i}" for i in range(30)]
persons = [f"id/person/p{i}" for i in range(30)]
entities = {o: Entity(o, o, "party") for o in orgs} | {p: Entity(p, p, "person") for p in persons}
engagements = tuple(Engagement(f"e{i}", "Meeting", dt.date(2020, 1, 1 + i % 28), None, "", "",
                               tuple(rng.sample(orgs, rng.randint(1, 3))), tuple(rng.sample(persons, 2)))
                    for i in range(80))
digests = []
for size_by in sys.argv[1:]:
    path = Path(tempfile.mkdtemp()) / "map.html"
    render_map(EngagementData(engagements, entities), path, size_by=size_by, max_nodes=12)
    digests.append(hashlib.sha256(path.read_bytes()).hexdigest())
print(" ".join(digests))
'''


def test_a_cut_map_is_the_same_page_whatever_the_hash_seed(tmp_path: Path) -> None:
    """The nodes kept of a big network are drawn in the network's order, not in a
    set's (whose order changes with PYTHONHASHSEED, and with it PageRank's and
    eigenvector centrality's last digits)."""
    import os
    import subprocess
    import sys

    pages = set()
    for seed in ("0", "1", "2", "3"):
        done = subprocess.run([sys.executable, "-c", _RENDER_IN_ANOTHER_PROCESS, "pagerank", "eigenvector"],
                              capture_output=True, text=True, check=True, timeout=120,
                              env=dict(os.environ, PYTHONHASHSEED=seed))
        pages.add(done.stdout.strip())
    assert len(pages) == 1, pages
