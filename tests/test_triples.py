"""A readout's triples: made as rdflib terms (the API) or as pyoxigraph terms
(what a build's workers render), the same N-Triples either way."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

import kg.extract
from kg.errors import StoreError
from kg.parallel import extract_batch, plan_tasks
from kg.records import Engagement, Entity, Post, Readout, ReadoutFacts
from kg.store import ox_ntriples, render_ntriples
from kg.triples import readout_ox_triples, readout_triples

TOPIC = "https://w3id.org/partyrel/id/topic/party-building"


def _readout(**changes: object) -> Readout:
    base = Readout("r-1", "r-1.txt", "text", "Talks held", date(2031, 4, 2))
    return dataclasses.replace(base, **changes)


def _rich() -> ReadoutFacts:
    """Every kind of fact: posts (one presiding), a parent body, a country, a
    place, topics, two organizations in dialogue, literals to escape."""
    entities = {
        "person/ana-lima": Entity("person", "Ana Lima", {"Lima", "Ána Lima"}),
        "person/bo-tran": Entity("person", "Bo Tran"),
        "org/zeta-workers-party": Entity("party", "Zeta Workers' Party", {"ZWP"}, country="country/zeta"),
        "org/zwp-central-committee": Entity("partybody", "Central Committee", parent="org/zeta-workers-party"),
        "org/eta-union": Entity("party", "Eta Union", country="country/eta"),
        "country/zeta": Entity("country", "Zeta"),
        "country/eta": Entity("country", "Eta"),
        "place/port-iris": Entity("place", "Port Iris"),
    }
    engagements = [
        Engagement(0, "Talks", 'Ana Lima said "unity" \\ trust\nheld talks\twith Bo Tran.',
                   date(2031, 4, 1), "place/port-iris", ["person/ana-lima", "person/bo-tran"],
                   ["org/zwp-central-committee", "org/eta-union"], ["person/bo-tran"], [TOPIC]),
        Engagement(1, "Meeting", "They met again.", None, None, ["person/ana-lima"], [], [], []),
    ]
    posts = [Post("person/ana-lima", "President", "org/zeta-workers-party", "Ana Lima, President", head=True),
             Post("person/bo-tran", "Member", "org/eta-union", "Bo Tran, member")]
    return ReadoutFacts(_readout(url="https://example.org/news/1?id=2&x=%C3%A9"), entities, posts, engagements)


@pytest.mark.parametrize(
    "facts",
    [
        ReadoutFacts(_readout()),
        ReadoutFacts(_readout(title="", published=None)),  # the label falls back on the id
        ReadoutFacts(_readout(id="Readout 7 (final)", title='A "quoted" title\\')),
        _rich(),
    ],
    ids=["readout only", "no title or date", "id and title to escape", "every kind of fact"],
)
def test_ox_triples_give_the_text_of_the_rdflib_triples(facts: ReadoutFacts):
    expected = render_ntriples(readout_triples(facts))
    assert ox_ntriples(readout_ox_triples(facts)) == expected
    assert render_ntriples(readout_ox_triples(facts)) == expected


def test_the_rich_readout_has_every_kind_of_fact():
    text = ox_ntriples(readout_ox_triples(_rich()))
    for predicate in ("presides", "dialoguesWith", "country", "topic", "location", "attendee"):
        assert f"<https://w3id.org/partyrel/ontology#{predicate}>" in text, predicate
    assert "<http://www.w3.org/ns/org#subOrganizationOf>" in text
    assert '\\"unity\\" \\\\ trust\\nheld' in text


@pytest.mark.parametrize("url", ["https://example.org/a b", "https://example.org/<x>"])
def test_a_url_that_is_no_iri_is_a_store_error_naming_the_readout(url: str):
    with pytest.raises(StoreError, match="readout 'r-1' is not a valid RDF term"):
        readout_ox_triples(ReadoutFacts(_readout(url=url)))


def test_a_readout_whose_facts_cannot_be_rendered_fails_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    text = ("Talks\n\nTang Wenbo held talks here today with Ana Lima, President of the Workers' Party "
            "of Brazil. The two sides exchanged views on party building and on cooperation.")
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.txt").write_text(text)
    real = kg.extract.extract_doc

    def bad_url_for_b(readout, doc, lexicon):
        facts = real(readout, doc, lexicon)
        if readout.id == "b":
            facts.readout = dataclasses.replace(facts.readout, url="https://example.org/a b")
        return facts

    monkeypatch.setattr(kg.extract, "extract_doc", bad_url_for_b)
    results = extract_batch(list(plan_tasks(sorted(tmp_path.glob("*.txt")))))
    assert [r.failure is None for r in results] == [True, False, True]
    assert results[1].failure.reason.startswith("cannot render the extracted facts (a fact of readout 'b'")
    assert results[0].ntriples and results[0].labelled == results[2].labelled != ()


@pytest.mark.parametrize(
    ("enabled", "interrupt"),
    [(True, False), (False, False), (True, True)],
)
def test_a_batch_leaves_the_garbage_collector_as_it_found_it_and_no_cycles(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, enabled: bool, interrupt: bool):
    # the collector is paused while a batch is extracted, and the cycles the
    # batch made (a Doc and the spans it keeps) are freed at its end
    import gc

    text = ("Talks\n\nTang Wenbo held talks here today with Ana Lima, President of the Workers' Party "
            "of Brazil. The two sides exchanged views on party building and on cooperation.")
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.txt").write_text(text)
    tasks = list(plan_tasks(sorted(tmp_path.glob("*.txt"))))
    extract_batch(tasks[:1])  # the pipeline and lexicon made once, outside the count
    if interrupt:
        def stopped(readout, doc, lexicon):
            raise KeyboardInterrupt
        monkeypatch.setattr(kg.extract, "extract_doc", stopped)
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        gc.collect()
        if interrupt:
            with pytest.raises(KeyboardInterrupt):
                extract_batch(tasks)
        else:
            assert all(r.failure is None for r in extract_batch(tasks))
            assert gc.collect() == 0  # nothing left for a full collection to free
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
