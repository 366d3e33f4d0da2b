"""Tests for kg.evaluate: gold loading, name matching, alignment and scores.

All names are invented; graphs are built by hand with rdflib.
"""

from __future__ import annotations

import doctest
import json
import re
from pathlib import Path
from typing import Any

import pytest
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS

from kg import evaluate
from kg.evaluate import (
    FIELDS,
    Discrepancy,
    FieldScore,
    Gold,
    Report,
    load_gold,
    normalize_name,
    parse_gold,
    score,
)

PR = Namespace("https://w3id.org/partyrel/ontology#")
ORG = Namespace("http://www.w3.org/ns/org#")
ID = Namespace("https://w3id.org/partyrel/id/")
XSD_DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")

CPC = "Communist Party of Cathay"
ILD = "International Liaison Department of the Communist Party of Cathay"
ZWP = "Zeta Workers Party"


# --------------------------------------------------------------------------
# builders


def slug(label: str) -> str:
    return re.sub(r"\W+", "-", label.lower()).strip("-")


class KG:
    """A tiny graph builder speaking the core vocabulary."""

    def __init__(self, graph: Graph | None = None) -> None:
        self.g = graph if graph is not None else Graph()

    def ent(self, label: str, *alts: str, kind: str = "entity") -> URIRef:
        node = ID[f"{kind}/{slug(label)}"]
        self.g.add((node, RDFS.label, Literal(label, lang="en")))
        for alt in alts:
            self.g.add((node, SKOS.altLabel, Literal(alt)))
        return node

    def topic(self, label: str) -> URIRef:
        node = ID[f"topic/{slug(label)}"]
        self.g.add((node, RDF.type, PR.Topic))
        self.g.add((node, RDFS.label, Literal(label)))
        self.g.add((node, SKOS.prefLabel, Literal(label)))
        return node

    def readout(self, rid: str) -> URIRef:
        node = ID[f"readout/{rid}"]
        self.g.add((node, RDF.type, PR.Readout))
        self.g.add((node, DCTERMS.identifier, Literal(rid)))
        return node

    def eng(self, rid: str, n: int, etype: str, date: str | None = None,
            location: str | None = None, participants: tuple[str, ...] = (),
            orgs: tuple[str, ...] = (), present: tuple[str, ...] = (),
            topics: tuple[str, ...] = ()) -> URIRef:
        r = self.readout(rid)
        e = ID[f"engagement/{rid}/e{n}"]
        self.g.add((e, RDF.type, PR.Engagement))
        self.g.add((e, RDF.type, PR[etype]))
        self.g.add((e, PR.reportedIn, r))
        if date is not None:
            self.g.add((e, PR.date, Literal(date, datatype=XSD_DATE)))
        if location is not None:
            self.g.add((e, PR.location, self.ent(location, kind="place")))
        for p in participants:
            self.g.add((e, PR.participant, self.ent(p, kind="person")))
        for o in orgs:
            self.g.add((e, PR.involves, self.ent(o, kind="org")))
        for p in present:
            self.g.add((e, PR.attendee, self.ent(p, kind="person")))
        for t in topics:
            self.g.add((e, PR.topic, self.topic(t)))
        return e

    def post(self, rid: str, person: str, title: str, org: str) -> URIRef:
        node = ID[f"post/{slug(person)}/{slug(title)}/{slug(org)}"]
        self.g.add((self.ent(person, kind="person"), ORG.holds, node))
        self.g.add((node, RDF.type, ORG.Post))
        self.g.add((node, PR.title, Literal(title)))
        self.g.add((node, ORG.postIn, self.ent(org, kind="org")))
        self.g.add((node, PROV.wasDerivedFrom, self.readout(rid)))
        return node

    def presides(self, person: str, org: str) -> None:
        self.g.add((self.ent(person, kind="person"), PR.presides, self.ent(org, kind="org")))

    def dialogue(self, a: str, b: str) -> None:
        self.g.add((self.ent(a, kind="org"), PR.dialoguesWith, self.ent(b, kind="org")))

    def country(self, org: str, country: str) -> None:
        self.g.add((self.ent(org, kind="org"), PR.country, self.ent(country, kind="country")))


def eng(etype: str, date: str | None = None, location: str | None = None,
        participants: list[str] | None = None, organizations: list[str] | None = None,
        present: list[str] | None = None, topics: list[str] | None = None) -> dict[str, Any]:
    return {"type": etype, "date": date, "location": location,
            "participants": participants or [], "organizations": organizations or [],
            "present": present or [], "topics": topics or []}


def record(rid: str, engagements: list[dict[str, Any]] | None = None,
           posts: list[dict[str, str]] | None = None, presides: list[list[str]] | None = None,
           dialogues: list[list[str]] | None = None, countries: list[list[str]] | None = None,
           aliases: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"id": rid, "source": {"publisher": "test", "url": "https://example.org/"},
            "published": "2023-05-05", "engagements": engagements or [],
            "posts": posts or [], "presides": presides or [], "dialogues": dialogues or [],
            "countries": countries or [], "aliases": aliases or {}}


def golds(*records: dict[str, Any]) -> dict[str, Gold]:
    return {r["id"]: parse_gold(r, f"{r['id']}.json") for r in records}


def counts(report: Report, name: str) -> tuple[int, int, int]:
    s = report.overall if name == "overall" else report.fields[name]
    return (s.tp, s.fp, s.fn)


def meeting_gold() -> dict[str, Any]:
    return record(
        "t-001",
        engagements=[eng("Meeting", "2023-05-04", "Port Royal", ["Tang Wenbo", "Maria Kovac"],
                         [CPC, ZWP], ["Ivo Petrak"], ["climate change", "youth"])],
        posts=[{"person": "Tang Wenbo", "title": "Minister", "organization": ILD},
               {"person": "Maria Kovac", "title": "Chairwoman", "organization": ZWP}],
        presides=[["Tang Wenbo", ILD], ["Maria Kovac", ZWP]],
        dialogues=[[CPC, ZWP]],
        countries=[[CPC, "Cathay"], [ZWP, "Zetaland"]],
        aliases={CPC: ["CPC"], ILD: ["ILD"], ZWP: ["ZWP"]},
    )


def meeting_graph() -> KG:
    kg = KG()
    kg.eng("t-001", 1, "Meeting", "2023-05-04", "Port Royal", ("Tang Wenbo", "Maria Kovac"),
           (CPC, ZWP), ("Ivo Petrak",), ("climate change", "youth"))
    kg.post("t-001", "Tang Wenbo", "Minister", ILD)
    kg.post("t-001", "Maria Kovac", "Chairwoman", ZWP)
    kg.presides("Tang Wenbo", ILD)
    kg.presides("Maria Kovac", ZWP)
    kg.dialogue(CPC, ZWP)
    kg.country(CPC, "Cathay")
    kg.country(ZWP, "Zetaland")
    return kg


# --------------------------------------------------------------------------
# names


@pytest.mark.parametrize(("raw", "expected"), [
    ("Tang Wenbo", "tang wenbo"),
    ("  The  Zeta Workers' Party ", "zeta workers party"),
    ("THE CPC", "cpc"),
    ("Vice-Minister", "vice minister"),
    ("Theodor Ruiz", "theodor ruiz"),
    ("the", "the"),
    ("Port-Royal (capital)", "port royal capital"),
])
def test_normalize_name(raw: str, expected: str) -> None:
    assert normalize_name(raw) == expected


# --------------------------------------------------------------------------
# whole-report behaviour


def test_perfect_match_scores_one_everywhere() -> None:
    report = score(meeting_graph().g, golds(meeting_gold()))
    expected = {
        "engagement": 1, "type": 1, "date": 1, "location": 1, "participants": 2,
        "organizations": 2, "present": 1, "topics": 2, "posts": 2, "presides": 2,
        "dialogues": 1, "countries": 2,
    }
    assert {name: counts(report, name) for name in FIELDS} == {
        name: (tp, 0, 0) for name, tp in expected.items()}
    assert counts(report, "overall") == (sum(expected.values()) - 1, 0, 0)
    for s in [*report.fields.values(), report.overall]:
        assert (s.precision, s.recall, s.f1) == (1.0, 1.0, 1.0)
    assert report.details == []
    assert report.missing_readouts == []
    assert report.details_text() == "no discrepancies"


@pytest.mark.parametrize(("aliases", "expected"), [
    ({CPC: ["CPC", "Cathay Communist Party"]}, (1, 0, 0)),
    ({}, (0, 1, 1)),
    ({"Some Other Party": ["CPC"]}, (0, 1, 1)),
])
def test_alias_match(aliases: dict[str, list[str]], expected: tuple[int, int, int]) -> None:
    kg = KG()
    kg.eng("t-001", 1, "Talks", "2023-05-04", participants=("Tang Wenbo",), orgs=("CPC",))
    gold = golds(record("t-001", [eng("Talks", "2023-05-04", participants=["Tang Wenbo"],
                                      organizations=[CPC])], aliases=aliases))
    report = score(kg.g, gold)
    assert counts(report, "organizations") == expected
    assert counts(report, "engagement") == (1, 0, 0)


def test_alias_from_alt_label_of_graph_entity() -> None:
    kg = KG()
    e = kg.eng("t-001", 1, "Talks", participants=("Tang Wenbo",))
    kg.g.add((e, PR.involves, kg.ent("Party of Cathay Communists", "CPC", kind="org")))
    gold = golds(record("t-001", [eng("Talks", participants=["Tang Wenbo"],
                                      organizations=[CPC])], aliases={CPC: ["CPC"]}))
    assert counts(score(kg.g, gold), "organizations") == (1, 0, 0)


@pytest.mark.parametrize(("graph_label", "gold_name", "field_name"), [
    ("the Zeta Workers' Party", ZWP, "organizations"),
    ("Zeta Workers Party.", "The Zeta Workers Party", "organizations"),
    ("MARIA  KOVAC", "Maria Kovac", "participants"),
    ("Port-Royal", "Port Royal", "location"),
])
def test_leading_the_case_punctuation_and_spaces_ignored(
        graph_label: str, gold_name: str, field_name: str) -> None:
    kg = KG()
    e = kg.eng("t-001", 1, "Meeting", "2023-05-04", participants=("Tang Wenbo",))
    prop = {"organizations": PR.involves, "participants": PR.participant,
            "location": PR.location}[field_name]
    kg.g.add((e, prop, kg.ent(graph_label, kind="x")))
    g_eng = eng("Meeting", "2023-05-04", participants=["Tang Wenbo"])
    if field_name == "location":
        g_eng["location"] = gold_name
    else:
        g_eng[field_name] = [*g_eng[field_name], gold_name]
    report = score(kg.g, golds(record("t-001", [g_eng])))
    tp = 2 if field_name == "participants" else 1
    assert counts(report, field_name) == (tp, 0, 0)


def test_missed_participant_and_extra_topic() -> None:
    kg = KG()
    kg.eng("t-001", 1, "Meeting", "2023-05-04", "Port Royal", ("Tang Wenbo",), (CPC, ZWP),
           topics=("climate change", "women"))
    gold = golds(record("t-001", [eng("Meeting", "2023-05-04", "Port Royal",
                                      ["Tang Wenbo", "Maria Kovac"], [CPC, ZWP],
                                      topics=["climate change"])]))
    report = score(kg.g, gold)
    assert counts(report, "participants") == (1, 0, 1)
    assert counts(report, "topics") == (1, 1, 0)
    assert counts(report, "engagement") == (1, 0, 0)
    # type 1 + date 1 + location 1 + participants 1 + organizations 2 + topics 1
    assert counts(report, "overall") == (7, 1, 1)
    assert report.fields["participants"].recall == 0.5
    assert report.fields["topics"].precision == 0.5
    assert [(d.readout, d.field, d.kind, d.value) for d in report.details] == [
        ("t-001", "participants", "miss", "Maria Kovac"),
        ("t-001", "topics", "extra", "women"),
    ]
    assert report.details[0].context == "engagement Meeting 2023-05-04 with Tang Wenbo, Maria Kovac"


def test_duplicate_gold_names_count_once() -> None:
    kg = KG()
    kg.eng("t-001", 1, "Meeting", participants=("Tang Wenbo",))
    gold = golds(record("t-001", [eng("Meeting", participants=["Tang Wenbo", "tang wenbo"])]))
    assert counts(score(kg.g, gold), "participants") == (1, 0, 0)


def test_one_graph_entity_matches_one_gold_name_only() -> None:
    kg = KG()
    e = kg.eng("t-001", 1, "Meeting")
    kg.g.add((e, PR.involves, kg.ent("Zeta Party", "ZWP", "ZLP", kind="org")))
    gold = golds(record("t-001", [eng("Meeting", organizations=[ZWP, "Zeta Labour Party"])],
                        aliases={ZWP: ["ZWP"], "Zeta Labour Party": ["ZLP"]}))
    assert counts(score(kg.g, gold), "organizations") == (1, 0, 1)


# --------------------------------------------------------------------------
# alignment


def test_two_engagements_aligned_in_other_order() -> None:
    kg = KG()
    kg.eng("t-001", 1, "PhoneCall", "2023-05-03", participants=("Tang Wenbo", "Omar Haddad"))
    kg.eng("t-001", 2, "Meeting", "2023-05-04", "Port Royal", ("Tang Wenbo", "Maria Kovac"))
    gold = golds(record("t-001", [
        eng("Meeting", "2023-05-04", "Port Royal", ["Tang Wenbo", "Maria Kovac"]),
        eng("PhoneCall", "2023-05-03", participants=["Tang Wenbo", "Omar Haddad"]),
    ]))
    report = score(kg.g, gold)
    for name, expected in [("engagement", (2, 0, 0)), ("type", (2, 0, 0)), ("date", (2, 0, 0)),
                           ("location", (1, 0, 0)), ("participants", (4, 0, 0))]:
        assert counts(report, name) == expected, name
    assert report.details == []


@pytest.mark.parametrize(("pred_types", "expected_type"), [
    (("Meeting", "Talks"), (2, 0, 0)),
    (("Talks", "Meeting"), (2, 0, 0)),
])
def test_tie_on_participants_broken_by_type(
        pred_types: tuple[str, str], expected_type: tuple[int, int, int]) -> None:
    kg = KG()
    for n, t in enumerate(pred_types, start=1):
        kg.eng("t-001", n, t, participants=("Tang Wenbo", "Maria Kovac"))
    gold = golds(record("t-001", [
        eng("Talks", participants=["Tang Wenbo", "Maria Kovac"]),
        eng("Meeting", participants=["Tang Wenbo", "Maria Kovac"]),
    ]))
    report = score(kg.g, gold)
    assert counts(report, "engagement") == (2, 0, 0)
    assert counts(report, "type") == expected_type


def test_tie_on_participants_and_type_broken_by_date() -> None:
    kg = KG()
    kg.eng("t-001", 1, "Meeting", "2023-05-06", participants=("Tang Wenbo",))
    kg.eng("t-001", 2, "Meeting", "2023-05-04", participants=("Tang Wenbo",))
    gold = golds(record("t-001", [
        eng("Meeting", "2023-05-04", participants=["Tang Wenbo"]),
        eng("Meeting", "2023-05-06", participants=["Tang Wenbo"]),
    ]))
    report = score(kg.g, gold)
    assert counts(report, "engagement") == (2, 0, 0)
    assert counts(report, "date") == (2, 0, 0)


def test_topics_match_by_label_ignoring_case_not_by_alt_label() -> None:
    kg = KG()
    e = kg.eng("t-001", 1, "Meeting", participants=("Tang Wenbo",))
    kg.g.add((e, PR.topic, kg.ent("Climate Change", kind="topic")))
    kg.g.add((e, PR.topic, kg.ent("youth", "women", kind="topic")))
    gold = golds(record("t-001", [eng("Meeting", participants=["Tang Wenbo"],
                                      topics=["Climate change", "women"])]))
    assert counts(score(kg.g, gold), "topics") == (1, 1, 1)


def test_more_shared_participants_beats_same_type() -> None:
    kg = KG()
    kg.eng("t-001", 1, "Meeting", participants=("Tang Wenbo", "Maria Kovac"))
    kg.eng("t-001", 2, "Talks", participants=("Tang Wenbo", "Omar Haddad"))
    gold = golds(record("t-001", [
        eng("Talks", participants=["Tang Wenbo", "Maria Kovac"]),
        eng("Meeting", participants=["Tang Wenbo", "Omar Haddad"]),
    ]))
    report = score(kg.g, gold)
    assert counts(report, "engagement") == (2, 0, 0)
    assert counts(report, "participants") == (4, 0, 0)
    assert counts(report, "type") == (0, 2, 2)


def test_unaligned_predicted_engagement_is_extra_everywhere() -> None:
    kg = KG()
    kg.eng("t-001", 1, "Meeting", "2023-05-04", participants=("Tang Wenbo", "Maria Kovac"))
    kg.eng("t-001", 2, "Forum", "2023-05-06", "Port Royal", ("Omar Haddad",), (ZWP,),
           ("Ivo Petrak",), ("women",))
    gold = golds(record("t-001", [eng("Meeting", "2023-05-04",
                                      participants=["Tang Wenbo", "Maria Kovac"])]))
    report = score(kg.g, gold)
    expected = {"engagement": (1, 1, 0), "type": (1, 1, 0), "date": (1, 1, 0),
                "location": (0, 1, 0), "participants": (2, 1, 0), "organizations": (0, 1, 0),
                "present": (0, 1, 0), "topics": (0, 1, 0)}
    assert {k: counts(report, k) for k in expected} == expected
    assert counts(report, "overall") == (4, 7, 0)
    extras = [(d.field, d.value) for d in report.details if d.kind == "extra"]
    assert ("engagement", "Forum 2023-05-06 with Omar Haddad") in extras
    assert ("present", "Ivo Petrak") in extras
    assert all(d.kind == "extra" for d in report.details)


def test_unaligned_gold_engagement_is_miss_everywhere() -> None:
    kg = KG()
    kg.readout("t-001")
    gold = golds(record("t-001", [eng("Visit", "2023-05-01", "Zetaland", ["Tang Wenbo"],
                                      [CPC, ZWP], topics=["youth"])]))
    report = score(kg.g, gold)
    expected = {"engagement": (0, 0, 1), "type": (0, 0, 1), "date": (0, 0, 1),
                "location": (0, 0, 1), "participants": (0, 0, 1), "organizations": (0, 0, 2),
                "present": (0, 0, 0), "topics": (0, 0, 1)}
    assert {k: counts(report, k) for k in expected} == expected
    assert report.missing_readouts == []
    assert report.fields["present"].f1 == 1.0


def test_date_conflict_blocks_alignment_without_shared_participant() -> None:
    kg = KG()
    kg.eng("t-001", 1, "Meeting", "2023-05-09", participants=("Omar Haddad",))
    gold = golds(record("t-001", [eng("Meeting", "2023-05-04", participants=["Tang Wenbo"])]))
    assert counts(score(kg.g, gold), "engagement") == (0, 1, 1)


def test_same_type_without_dates_aligns_without_shared_participant() -> None:
    kg = KG()
    kg.eng("t-001", 1, "Meeting", participants=("Omar Haddad",))
    gold = golds(record("t-001", [eng("Meeting", "2023-05-04", participants=["Tang Wenbo"])]))
    report = score(kg.g, gold)
    assert counts(report, "engagement") == (1, 0, 0)
    assert counts(report, "participants") == (0, 1, 1)
    assert counts(report, "date") == (0, 0, 1)


def test_letter_without_participants_aligns_by_organizations() -> None:
    kg = KG()
    kg.eng("t-001", 1, "Correspondence", "2023-05-04", orgs=(CPC, ZWP))
    kg.eng("t-001", 2, "Correspondence", "2023-05-04", orgs=(CPC, "Omega Party"))
    gold = golds(record("t-001", [
        eng("Correspondence", "2023-05-04", organizations=[CPC, "Omega Party"]),
        eng("Correspondence", "2023-05-04", organizations=[CPC, ZWP]),
    ]))
    report = score(kg.g, gold)
    assert counts(report, "engagement") == (2, 0, 0)
    assert counts(report, "organizations") == (4, 0, 0)


def test_letter_without_participants_aligns_by_organizations_despite_wrong_type() -> None:
    kg = KG()
    kg.eng("t-001", 1, "Meeting", "2023-05-05", orgs=(ZWP, CPC))
    gold = golds(record("t-001", [eng("Correspondence", "2023-05-04",
                                      organizations=[CPC, ZWP])]))
    report = score(kg.g, gold)
    assert counts(report, "engagement") == (1, 0, 0)
    assert counts(report, "type") == (0, 1, 1)
    assert counts(report, "organizations") == (2, 0, 0)


# --------------------------------------------------------------------------
# graph-wide fields


@pytest.mark.parametrize("gold_pair", [[CPC, ZWP], [ZWP, CPC]])
@pytest.mark.parametrize("direction", ["forward", "backward", "both"])
def test_dialogues_match_in_either_direction(direction: str, gold_pair: list[str]) -> None:
    kg = KG()
    kg.readout("t-001")
    if direction in ("forward", "both"):
        kg.dialogue(CPC, ZWP)
    if direction in ("backward", "both"):
        kg.dialogue(ZWP, CPC)
    report = score(kg.g, golds(record("t-001", dialogues=[gold_pair])))
    assert counts(report, "dialogues") == (1, 0, 0)


def test_dialogue_with_wrong_partner() -> None:
    kg = KG()
    kg.readout("t-001")
    kg.dialogue(CPC, "Omega Party")
    report = score(kg.g, golds(record("t-001", dialogues=[[CPC, ZWP]])))
    assert counts(report, "dialogues") == (0, 1, 1)
    assert [(d.readout, d.kind, d.value) for d in report.details] == [
        ("t-001", "miss", f"{CPC} -- {ZWP}"),
        ("", "extra", f"{CPC} -- Omega Party"),
    ]


def test_posts_use_aliases_from_another_gold_file() -> None:
    kg = KG()
    # the graph names the department only by its acronym, which only t-002 gives
    kg.eng("t-001", 1, "Meeting", participants=("Tang Wenbo",), orgs=("ILD",))
    kg.post("t-001", "Tang", "minister", "ILD")
    kg.readout("t-002")
    gold = golds(
        record("t-001", [eng("Meeting", participants=["Tang Wenbo"], organizations=[ILD])],
               posts=[{"person": "Tang Wenbo", "title": "Minister", "organization": ILD}],
               aliases={"Tang Wenbo": ["Tang"]}),
        record("t-002", aliases={ILD: ["ILD"]}),
    )
    report = score(kg.g, gold)
    assert counts(report, "posts") == (1, 0, 0)
    # per-engagement fields use only the readout's own aliases
    assert counts(report, "organizations") == (0, 1, 1)


def test_posts_from_unscored_readouts_are_ignored_and_wrong_titles_count() -> None:
    kg = KG()
    kg.readout("t-001")
    kg.post("t-001", "Maria Kovac", "Vice-Chairwoman", ZWP)
    kg.post("t-999", "Omar Haddad", "Leader", "Omega Party")
    gold = golds(record("t-001", posts=[
        {"person": "Maria Kovac", "title": "Chairwoman", "organization": ZWP}]))
    report = score(kg.g, gold)
    assert counts(report, "posts") == (0, 1, 1)
    assert [(d.readout, d.kind, d.value) for d in report.details] == [
        ("t-001", "miss", f"Maria Kovac: Chairwoman of {ZWP}"),
        ("t-001", "extra", f"Maria Kovac: Vice-Chairwoman of {ZWP}"),
    ]


def test_graph_wide_gold_facts_are_counted_once_across_files() -> None:
    kg = KG()
    kg.readout("t-001")
    kg.readout("t-002")
    kg.presides("Maria Kovac", ZWP)
    kg.country(ZWP, "Zetaland")
    kg.country(CPC, "Zetaland")
    gold = golds(
        record("t-001", presides=[["Maria Kovac", ZWP]], countries=[[ZWP, "Zetaland"]],
               dialogues=[[CPC, ZWP]]),
        record("t-002", presides=[["Maria Kovac", "the Zeta Workers Party"]],
               countries=[[ZWP, "Zetaland"], [CPC, "Cathay"]], dialogues=[[ZWP, CPC]]),
    )
    report = score(kg.g, gold)
    assert counts(report, "presides") == (1, 0, 0)
    assert counts(report, "countries") == (1, 1, 1)
    assert counts(report, "dialogues") == (0, 0, 1)
    misses = [d for d in report.details if d.kind == "miss"]
    assert [(d.readout, d.field, d.value) for d in misses] == [
        ("t-001, t-002", "dialogues", f"{CPC} -- {ZWP}"),
        ("t-002", "countries", f"{CPC} (Cathay)"),
    ]


# --------------------------------------------------------------------------
# readouts


def test_readout_absent_from_graph_is_all_miss() -> None:
    report = score(Graph(), golds(meeting_gold()))
    assert report.missing_readouts == ["t-001"]
    assert counts(report, "engagement") == (0, 0, 1)
    assert counts(report, "overall") == (0, 0, 17)
    assert report.overall.precision == 1.0
    assert report.overall.recall == 0.0
    assert report.overall.f1 == 0.0
    assert report.details_text().splitlines()[0] == "t-001 (not in the graph)"


def test_readouts_not_in_gold_are_ignored() -> None:
    kg = meeting_graph()
    kg.eng("t-777", 1, "Forum", "2023-01-01", participants=("Omar Haddad",))
    report = score(kg.g, golds(meeting_gold()))
    assert counts(report, "engagement") == (1, 0, 0)
    assert report.overall.f1 == 1.0


def test_dataset_is_scored_as_union() -> None:
    ds = Dataset()
    source = meeting_graph().g
    named = ds.graph(URIRef("urn:x-test:t-001"))
    for triple in source:
        named.add(triple)
    report = score(ds, golds(meeting_gold()))
    assert counts(report, "engagement") == (1, 0, 0)
    assert report.overall.f1 == 1.0


# --------------------------------------------------------------------------
# scores and rendering


@pytest.mark.parametrize(("tp", "fp", "fn", "p", "r", "f1"), [
    (0, 0, 0, 1.0, 1.0, 1.0),
    (2, 0, 0, 1.0, 1.0, 1.0),
    (0, 3, 0, 0.0, 1.0, 0.0),
    (0, 0, 3, 1.0, 0.0, 0.0),
    (3, 1, 2, 0.75, 0.6, 2 / 3),
])
def test_field_score_rates(tp: int, fp: int, fn: int, p: float, r: float, f1: float) -> None:
    s = FieldScore(tp, fp, fn)
    assert (s.precision, s.recall) == (p, r)
    assert s.f1 == pytest.approx(f1)


def test_table_layout() -> None:
    kg = meeting_graph()
    kg.eng("t-001", 2, "Forum", participants=("Omar Haddad",))
    table = score(kg.g, golds(meeting_gold())).to_table()
    lines = table.splitlines()
    assert lines[-1].startswith("overall")
    assert lines[0].split() == ["field", "tp", "fp", "fn", "P", "R", "F1"]
    assert [line.split()[0] for line in lines[1:]] == [*FIELDS, "overall"]
    assert lines[1].split() == ["engagement", "1", "1", "0", "0.500", "1.000", "0.667"]
    assert len({len(line) for line in lines}) == 1


def test_to_dict_is_json_ready() -> None:
    kg = meeting_graph()
    kg.eng("t-001", 2, "Forum", participants=("Omar Haddad",))
    data = json.loads(json.dumps(score(kg.g, golds(meeting_gold())).to_dict()))
    assert set(data) >= {"fields", "overall", "details"}
    assert list(data["fields"]) == list(FIELDS)
    assert data["fields"]["engagement"]["fp"] == 1
    assert data["overall"]["tp"] == 17
    assert data["overall"]["fp"] == 2
    assert {"readout": "t-001", "field": "engagement", "kind": "extra",
            "value": "Forum undated with Omar Haddad", "context": ""} in data["details"]


def test_details_text_groups_per_readout() -> None:
    report = Report({}, FieldScore(), [
        Discrepancy("t-002", "topics", "extra", "women"),
        Discrepancy("", "dialogues", "extra", "A -- B"),
        Discrepancy("t-001", "participants", "miss", "Maria Kovac", "engagement Meeting"),
    ])
    assert report.details_text().splitlines() == [
        "t-001",
        "  miss   participants   Maria Kovac  [engagement Meeting]",
        "",
        "t-002",
        "  extra  topics         women",
        "",
        "graph-wide (no readout)",
        "  extra  dialogues      A -- B",
    ]


# --------------------------------------------------------------------------
# gold files


def test_load_gold_reads_every_file(tmp_path: Path) -> None:
    for rec in (meeting_gold(), record("t-002", aliases={ZWP: ["ZWP"]})):
        (tmp_path / f"{rec['id']}.json").write_text(json.dumps(rec), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not gold", encoding="utf-8")
    gold = load_gold(tmp_path)
    assert sorted(gold) == ["t-001", "t-002"]
    first = gold["t-001"].engagements[0]
    assert (first.type, first.date, first.location) == ("Meeting", "2023-05-04", "Port Royal")
    assert first.participants == ("Tang Wenbo", "Maria Kovac")
    assert gold["t-002"].aliases == {ZWP: ("ZWP",)}
    assert score(meeting_graph().g, gold).overall.f1 == 1.0


def test_optional_engagement_keys_default(tmp_path: Path) -> None:
    rec = record("t-001")
    rec["engagements"] = [{"type": "Meeting", "participants": ["Tang Wenbo"],
                           "organizations": []}]
    del rec["aliases"]
    (tmp_path / "t-001.json").write_text(json.dumps(rec), encoding="utf-8")
    e = load_gold(tmp_path)["t-001"].engagements[0]
    assert (e.date, e.location, e.present, e.topics) == (None, None, (), ())


def _drop(key: str) -> dict[str, Any]:
    rec = meeting_gold()
    del rec[key]
    return rec


def _edit_engagement(**changes: Any) -> dict[str, Any]:
    rec = meeting_gold()
    rec["engagements"][0].update(changes)
    return rec


@pytest.mark.parametrize(("content", "problem"), [
    ("{not json", "not valid JSON"),
    ("", "not valid JSON"),
    (json.dumps([1, 2]), "top level must be a JSON object"),
    (json.dumps(_drop("engagements")), "lacks required key(s): engagements"),
    (json.dumps(_drop("dialogues")), "lacks required key(s): dialogues"),
    (json.dumps({"id": "t-001"}), "lacks required key(s): engagements, posts"),
    (json.dumps(_edit_engagement(type="Meet")), 'engagements[0].type "Meet" is not one of'),
    (json.dumps(_edit_engagement(date="04/05/2023")), 'engagements[0].date "04/05/2023"'),
    (json.dumps(_edit_engagement(date="2023-02-30")), "is not an ISO date"),
    (json.dumps(_edit_engagement(participants="Tang Wenbo")),
     "engagements[0].participants must be a list"),
    (json.dumps({**meeting_gold(), "dialogues": [[CPC]]}), "dialogues[0] must be a list of two"),
    (json.dumps({**meeting_gold(), "posts": [{"person": "Tang Wenbo"}]}),
     "posts[0] lacks required key(s): title, organization"),
    (json.dumps({**meeting_gold(), "aliases": {CPC: "CPC"}}), "must be a list"),
])
def test_malformed_gold_file_raises_value_error_naming_file(
        tmp_path: Path, content: str, problem: str) -> None:
    (tmp_path / "a-good.json").write_text(json.dumps(record("t-000")), encoding="utf-8")
    bad = tmp_path / "broken-gold.json"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError) as info:
        load_gold(tmp_path)
    message = str(info.value)
    assert message.startswith(f"{bad}: ")
    assert problem in message


def test_duplicate_ids_and_empty_dirs_raise(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="holds no gold"):
        load_gold(tmp_path)
    with pytest.raises(ValueError, match="is not a directory"):
        load_gold(tmp_path / "nowhere")
    (tmp_path / "a.json").write_text(json.dumps(record("t-001")), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps(record("t-001")), encoding="utf-8")
    with pytest.raises(ValueError, match=r"b\.json: id \"t-001\" is also the id of .*a\.json"):
        load_gold(tmp_path)


def test_docstring_examples_run() -> None:
    result = doctest.testmod(evaluate, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_one_fact_named_two_ways_in_two_readouts_counts_once() -> None:
    """Two gold files naming one party differently, linked by an alias list,
    describe one graph-wide fact; the graph's single triple scores it fully."""
    k = KG()
    k.readout("t-001")
    k.readout("t-002")
    k.country("Zeta Workers Party", "Zetaland")
    report = score(k.g, golds(
        record("t-001", countries=[["Zeta Workers Party", "Zetaland"]],
               aliases={"Zeta Workers Party": ["Zeta Workers"]}),
        record("t-002", countries=[["Zeta Workers", "Zetaland"]]),
    ))
    assert counts(report, "countries") == (1, 0, 0)
