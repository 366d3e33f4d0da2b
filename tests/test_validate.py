"""kg validate: a deliberately broken graph shows every kind of violation; the
bundled sample conforms.

The broken graph is made up here: one node per fault, named after it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, ORG, RDF, RDFS, SKOS, XSD

from kg.cli import main
from kg.store import GRAPH_BASE, GraphStore
from kg.validate import validate_graph, validate_store

PR = Namespace("https://w3id.org/partyrel/ontology#")
ID = Namespace("https://w3id.org/partyrel/id/")

READOUT = ID["readout/r1"]
PARTY = ID["org/zeta-workers-party"]


def _good_engagement(g: Graph, node: URIRef, *types: URIRef) -> None:
    for t in types or (PR.Meeting,):
        g.add((node, RDF.type, t))
    g.add((node, RDF.type, PR.Engagement))
    g.add((node, PR.reportedIn, READOUT))
    g.add((node, PR.involves, PARTY))
    g.add((node, PR.evidence, Literal("They met.")))


def broken_graph() -> Graph:
    """A small graph that breaks every constraint of ontology/shapes.ttl once."""
    g = Graph()
    g.add((READOUT, RDF.type, PR.Readout))
    g.add((READOUT, DCTERMS.identifier, Literal("r1")))
    g.add((PARTY, RDF.type, PR.PoliticalParty))
    g.add((PARTY, RDFS.label, Literal("Zeta Workers Party", lang="en")))
    e = lambda name: ID[f"engagement/{name}"]

    _good_engagement(g, e("ok"))
    _good_engagement(g, e("two-types"), PR.Meeting, PR.Talks)
    _good_engagement(g, e("no-subtype"), PR.Engagement)
    g.remove((e("no-subtype"), RDF.type, PR.Meeting))
    _good_engagement(g, e("no-readout"))
    g.remove((e("no-readout"), PR.reportedIn, READOUT))
    _good_engagement(g, e("two-readouts"))
    g.add((e("two-readouts"), PR.reportedIn, ID["readout/r2"]))
    g.add((ID["readout/r2"], RDF.type, PR.Readout))
    g.add((ID["readout/r2"], DCTERMS.identifier, Literal("r2")))
    _good_engagement(g, e("reported-in-a-person"))
    g.remove((e("reported-in-a-person"), PR.reportedIn, READOUT))
    g.add((e("reported-in-a-person"), PR.reportedIn, ID["person/ana-lima"]))
    _good_engagement(g, e("no-side"))
    g.remove((e("no-side"), PR.involves, PARTY))
    _good_engagement(g, e("two-dates"))
    g.add((e("two-dates"), PR.date, Literal("2024-03-11", datatype=XSD.date)))
    g.add((e("two-dates"), PR.date, Literal("2024-03-12", datatype=XSD.date)))
    _good_engagement(g, e("date-as-text"))
    g.add((e("date-as-text"), PR.date, Literal("March 11th")))
    _good_engagement(g, e("no-evidence"))
    g.remove((e("no-evidence"), PR.evidence, None))
    _good_engagement(g, e("evidence-with-language"))
    g.remove((e("evidence-with-language"), PR.evidence, None))
    g.add((e("evidence-with-language"), PR.evidence, Literal("They met.", lang="en")))

    post = lambda name: ID[f"post/{name}"]
    for name in ("ok", "no-title", "two-titles", "title-with-language", "no-organization", "two-organizations"):
        g.add((post(name), RDF.type, ORG.Post))
        if name not in ("no-title", "title-with-language"):
            g.add((post(name), PR.title, Literal("President")))
        if name != "no-organization":
            g.add((post(name), ORG.postIn, PARTY))
    g.add((post("two-titles"), PR.title, Literal("Chair")))
    g.add((post("title-with-language"), PR.title, Literal("President", lang="en")))
    g.add((post("two-organizations"), ORG.postIn, ID["org/other"]))

    person = lambda name: ID[f"person/{name}"]
    g.add((person("no-label"), RDF.type, PR.Person))
    g.add((person("two-labels"), RDF.type, PR.Person))
    g.add((person("two-labels"), RDFS.label, Literal("Ana Lima", lang="en")))
    g.add((person("two-labels"), RDFS.label, Literal("A. Lima", lang="en")))
    g.add((person("french-label"), RDF.type, PR.Person))
    g.add((person("french-label"), RDFS.label, Literal("Ana Lima", lang="fr")))
    g.add((ID["topic/no-pref-label"], RDF.type, PR.Topic))
    g.add((ID["topic/no-pref-label"], RDFS.label, Literal("youth", lang="en")))

    readout = lambda name: ID[f"readout/{name}"]
    g.add((readout("no-identifier"), RDF.type, PR.Readout))
    g.add((readout("two-identifiers"), RDF.type, PR.Readout))
    g.add((readout("two-identifiers"), DCTERMS.identifier, Literal("a")))
    g.add((readout("two-identifiers"), DCTERMS.identifier, Literal("b")))
    g.add((readout("number-identifier"), RDF.type, PR.Readout))
    g.add((readout("number-identifier"), DCTERMS.identifier, Literal(7)))
    g.add((readout("issued-as-text"), RDF.type, PR.Readout))
    g.add((readout("issued-as-text"), DCTERMS.identifier, Literal("x")))
    g.add((readout("issued-as-text"), DCTERMS.issued, Literal("2024-03-12")))
    g.add((readout("issued-twice"), RDF.type, PR.Readout))
    g.add((readout("issued-twice"), DCTERMS.identifier, Literal("y")))
    g.add((readout("issued-twice"), DCTERMS.issued, Literal("2024-03-12", datatype=XSD.date)))
    g.add((readout("issued-twice"), DCTERMS.issued, Literal("2024-03-13", datatype=XSD.date)))
    return g


#: (shape, constraint, focus node): every violation the broken graph must show, and no other
EXPECTED = {
    ("prsh:EngagementTypeShape", "xone", "id:engagement/two-types"),
    ("prsh:EngagementTypeShape", "xone", "id:engagement/no-subtype"),
    ("prsh:EngagementReportedIn", "minCount", "id:engagement/no-readout"),
    ("prsh:EngagementReportedIn", "maxCount", "id:engagement/two-readouts"),
    ("prsh:EngagementReportedIn", "class", "id:engagement/reported-in-a-person"),
    ("prsh:EngagementInvolves", "minCount", "id:engagement/no-side"),
    ("prsh:EngagementDate", "maxCount", "id:engagement/two-dates"),
    ("prsh:EngagementDate", "datatype", "id:engagement/date-as-text"),
    ("prsh:EngagementEvidence", "minCount", "id:engagement/no-evidence"),
    ("prsh:EngagementEvidence", "datatype", "id:engagement/evidence-with-language"),
    ("prsh:PostTitle", "minCount", "id:post/no-title"),
    ("prsh:PostTitle", "maxCount", "id:post/two-titles"),
    ("prsh:PostTitle", "datatype", "id:post/title-with-language"),
    ("prsh:PostIn", "minCount", "id:post/no-organization"),
    ("prsh:PostIn", "maxCount", "id:post/two-organizations"),
    ("prsh:OneEnglishLabel", "minCount", "id:person/no-label"),
    ("prsh:OneEnglishLabel", "maxCount", "id:person/two-labels"),
    ("prsh:OneEnglishLabel", "languageIn", "id:person/french-label"),
    ("prsh:TopicPrefLabel", "minCount", "id:topic/no-pref-label"),
    ("prsh:ReadoutIdentifier", "minCount", "id:readout/no-identifier"),
    ("prsh:ReadoutIdentifier", "maxCount", "id:readout/two-identifiers"),
    ("prsh:ReadoutIdentifier", "datatype", "id:readout/number-identifier"),
    ("prsh:ReadoutIssued", "datatype", "id:readout/issued-as-text"),
    ("prsh:ReadoutIssued", "maxCount", "id:readout/issued-twice"),
}


def test_a_broken_graph_shows_every_kind_of_violation():
    report = validate_graph(broken_graph())
    found = {(v.shape, v.constraint, v.focus) for v in report.violations}
    assert found == EXPECTED, (sorted(found - EXPECTED), sorted(EXPECTED - found))
    assert not report.conforms
    assert report.by_shape()["prsh:EngagementReportedIn"] == 3


def test_the_report_reads_well():
    report = validate_graph(broken_graph(), source="broken")
    text = report.to_text(limit=3)
    lines = text.splitlines()
    assert lines[0] == f"{len(EXPECTED)} violations of the partyrel shapes in broken ({report.triples} triples):"
    assert ("       3  prsh:EngagementReportedIn: An engagement must be reported in exactly one readout "
            "(pr:reportedIn, a pr:Readout).") in lines
    assert "The first 3 of 24 result(s) (shape [constraint] node path = value):" in lines
    assert "  prsh:EngagementDate [datatype] id:engagement/date-as-text pr:date = 'March 11th'" in lines
    assert "  ... (kg validate --limit 0 lists them all)" in lines
    date_line = next(v.line() for v in report.violations if v.focus == "id:engagement/date-as-text")
    assert date_line == ("prsh:EngagementDate [datatype] id:engagement/date-as-text pr:date = 'March 11th': "
                         "An engagement has at most one date (pr:date), and it must be an xsd:date.")
    assert len(report.to_text(limit=0).splitlines()) > len(EXPECTED)


def test_a_subclass_satisfies_sh_class_through_the_ontology():
    g = Graph()
    _good_engagement(g, ID["engagement/e1"])
    g.add((READOUT, RDF.type, PR.Readout))
    g.add((READOUT, DCTERMS.identifier, Literal("r1")))
    g.add((PARTY, RDF.type, PR.PoliticalParty))
    g.add((PARTY, RDFS.label, Literal("Zeta Workers Party", lang="en")))
    g.add((ID["topic/youth"], RDF.type, PR.Topic))
    g.add((ID["topic/youth"], RDFS.label, Literal("youth", lang="en")))
    g.add((ID["topic/youth"], SKOS.prefLabel, Literal("youth", lang="en")))
    assert validate_graph(g).conforms


def test_the_bundled_sample_has_no_violation(built_sample: Path):
    report = validate_store(built_sample)
    assert report.violations == (), report.to_text()
    assert report.triples > 500


def test_kg_validate_exits_0_on_the_sample_and_1_on_a_broken_store(built_sample: Path, tmp_path: Path,
                                                                     capsys):
    assert main(["validate", "--store", str(built_sample)]) == 0
    assert capsys.readouterr().out.startswith("0 violations: ")
    with GraphStore.open(tmp_path) as store:
        store.replace_graph(GRAPH_BASE + "broken", list(broken_graph()), "h")
    assert main(["validate", "--store", str(tmp_path), "--limit", "0"]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"{len(EXPECTED)} violations of the partyrel shapes in {tmp_path}")
    assert "id:post/two-organizations org:postIn" in out


def test_kg_validate_on_a_missing_store_says_how_to_make_one(tmp_path: Path, capsys):
    assert main(["validate", "--store", str(tmp_path / "none")]) == 1
    assert "run `kg build" in capsys.readouterr().err


@pytest.mark.parametrize(("body", "engagements"), [
    ("A symposium on green development was held here today.", 0),  # a forum with no host or party
    ("Tang Wenbo met with Ana Lima here today.", 0),  # people with no party named
    ("Tang Wenbo, Minister of the IDCPC, met with Ana Lima, "
     "President of the Workers' Party of Brazil, here today.", 1),
])
def test_only_engagements_with_a_side_are_reported_so_the_graph_conforms(body: str, engagements: int):
    from kg.ingest import parse_readout
    from kg.pipeline import add_readout, refresh_labels

    text = f"Talks\n ( 2024.03.12 )\n\nKunming, March 11th--{body}"
    with GraphStore.memory() as store:
        facts = add_readout(store, parse_readout("r", text))
        refresh_labels(store)
        report = validate_graph(store.union_graph())
    assert len(facts.engagements) == engagements
    assert report.conforms, report.to_text()
