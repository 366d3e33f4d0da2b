"""The ontology is the single source: generated names, used terms and vocabulary files agree."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib

from kg.lexicon import load_lexicon
from kg.namespaces import PR

ROOT = Path(__file__).resolve().parent.parent
CORE_TERMS = """Person Organization PoliticalParty PartyInternational PartyBody GovernmentBody Country Place
Engagement Meeting Talks VideoCall PhoneCall Correspondence Visit Forum Readout Topic participant attendee
involves date location topic reportedIn evidence dialoguesWith presides title country""".split()


def test_generated_namespace_is_up_to_date():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_namespace.py"), "--check"])
    assert result.returncode == 0, "run python tools/gen_namespace.py"


@pytest.mark.parametrize("term", CORE_TERMS)
def test_core_vocabulary_term_is_defined_with_label_and_comment(term: str):
    g = rdflib.Graph().parse(ROOT / "ontology" / "partyrel.ttl")
    iri = PR[term]
    assert g.value(iri, rdflib.RDFS.label) is not None
    assert g.value(iri, rdflib.RDFS.comment) is not None


def test_every_pr_term_the_code_uses_exists():
    used = set()
    for path in (ROOT / "kg").glob("*.py"):
        if path.name == "namespaces.py":  # generated; its docstring shows a misspelt term on purpose
            continue
        used.update(re.findall(r"\bPR\.([A-Za-z]+)", path.read_text()))
        used.update(re.findall(r"\bPR\[\"?e?\.?([A-Z][A-Za-z]+)\"?\]", path.read_text()))
    for term in used:
        assert getattr(PR, term)  # DefinedNamespace raises on unknown terms


def test_topic_scheme_has_the_25_topics_of_the_guide():
    lex = load_lexicon()
    assert len(lex.topics) == 25
    assert {"Belt and Road Initiative", "one-China principle", "youth"} <= {t.label for t in lex.topics}


@pytest.mark.parametrize(
    ("form", "country"),
    [("viet nam", "Vietnam"), ("dprk", "North Korea"), ("lao pdr", "Laos"), ("britain", "United Kingdom"),
     ("russian federation", "Russia"), ("republic of korea", "South Korea")],
)
def test_country_forms_resolve_to_short_names(form: str, country: str):
    assert load_lexicon().country_by_form[form] == country


@pytest.mark.parametrize(
    ("title", "status"),
    [("president", "head"), ("general secretary", "head"), ("vice-minister", "deputy"),
     ("secretary-general", "other"), ("member", "member"), ("first secretary", "head")],
)
def test_title_status_follows_the_presides_rule(title: str, status: str):
    assert load_lexicon().titles[title].status == status


def test_no_party_alias_is_a_bare_common_word():
    common = {"national", "labour", "labor", "democrats", "greens", "league", "republicans", "conservatives"}
    forms = set(load_lexicon().org_by_form)
    assert not (common & forms)


@pytest.mark.parametrize(
    ("form", "body"),
    [
        # the name written with {CC} gives both long forms of the party
        ("organization department of the communist party of china central committee",
         "Organization Department of the CPC Central Committee"),
        # so does an alias written with {CC}, and an alias of the "B of the ACR Central Committee" shape
        ("international liaison department of the central committee of the communist party of china",
         "International Department of the CPC Central Committee"),
        ("propaganda department of the communist party of china central committee",
         "Publicity Department of the CPC Central Committee"),
        ("politburo of the central committee of the communist party of vietnam",
         "Political Bureau of the CPV Central Committee"),
    ],
)
def test_party_body_long_forms_are_generated_from_the_short_ones(form: str, body: str):
    assert [o.name for o in load_lexicon().org_by_form[form]] == [body]
