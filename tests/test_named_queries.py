"""The named-query library (kg/queries/*.rq): each query's exact answer on a
small hand-built graph, the header format, parameter binding and the CLI."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import URIRef
from tiny_world import ALPHA, ANA, fill, short

from kg.cli import main
from kg.errors import QueryError
from kg.named_queries import (
    bind_parameters,
    get_query,
    list_queries,
    parse_query,
    resolve_entity,
)
from kg.query import run_query
from kg.store import GraphStore

REQUIRED_BY_THE_ISSUE = {
    "engagements-by-year", "counterparts-by-year", "presides", "career-timeline",
    "first-last-contact", "topics-by-year", "calls-in-period", "organizations-by-country",
    "dialogue-edges", "readouts-mentioning",
}


@pytest.fixture(scope="module")
def world() -> Iterator[GraphStore]:
    with GraphStore.memory() as store:
        yield fill(store)


def answer(store: GraphStore, name: str, params: dict[str, object]) -> list[tuple[str | None, ...]]:
    return [tuple(short(cell) for cell in row) for row in run_query(store, name, params).rows]


# --------------------------------------------------------------------------- exact answers

ANSWERS: list[tuple[str, dict[str, object], list[tuple[str | None, ...]]]] = [
    ("engagements-by-type", {}, [
        ("Meeting", "2", "2022-03-01", "2022-03-01"),
        ("PhoneCall", "1", "2023-05-10", "2023-05-10"),
        ("Talks", "1", "2023-08-30", "2023-08-30"),
        ("VideoCall", "1", "2022-03-02", "2022-03-02"),
    ]),
    ("engagements-by-type", {"type": "Meeting"}, [("Meeting", "2", "2022-03-01", "2022-03-01")]),
    ("engagements-by-year", {}, [
        (None, "Meeting", "1"),
        ("2022", "Meeting", "1"),
        ("2022", "VideoCall", "1"),
        ("2023", "PhoneCall", "1"),
        ("2023", "Talks", "1"),
    ]),
    ("engagements-by-year", {"year": 2023}, [("2023", "PhoneCall", "1"), ("2023", "Talks", "1")]),
    ("engagements-by-year", {"year": "2022", "type": "VideoCall"}, [("2022", "VideoCall", "1")]),
    ("counterparts-by-year", {"org": "Alpha Party"}, [
        ("id:org/alpha-party", "Alpha Party", None, "id:org/beta-union", "Beta Union", "1"),
        ("id:org/alpha-party", "Alpha Party", "2022", "id:org/beta-union", "Beta Union", "1"),
        ("id:org/alpha-party", "Alpha Party", "2022", "id:org/gamma-international",
         "Gamma International", "1"),
        ("id:org/alpha-party", "Alpha Party", "2023", "id:org/beta-union", "Beta Union", "1"),
    ]),
    ("counterparts-by-year", {"org": "id:org/beta-union", "year": 2023}, [
        ("id:org/beta-union", "Beta Union", "2023", "id:org/alpha-party", "Alpha Party", "1"),
        ("id:org/beta-union", "Beta Union", "2023", "id:country/borduria", "Borduria", "1"),
    ]),
    ("presides", {}, [
        ("id:org/alpha-party", "Alpha Party", "id:person/ana-lima", "Ana Lima", "President", "2",
         "2023-05-11"),
        ("id:org/alpha-party-international-department", "Alpha Party International Department",
         "id:person/cy-dahl", "Cy Dahl", "Head", "1", "2022-03-02"),
        ("id:org/beta-union", "Beta Union", "id:person/bo-chen", "Bo Chen", "General Secretary",
         "1", "2022-03-02"),
    ]),
    ("presides", {"person": "ana lima"}, [
        ("id:org/alpha-party", "Alpha Party", "id:person/ana-lima", "Ana Lima", "President", "2",
         "2023-05-11"),
    ]),
    ("career-timeline", {"person": "Bo Chen"}, [
        ("id:person/bo-chen", "Bo Chen", "2022-03-02", "General Secretary", "id:org/beta-union",
         "Beta Union", "r1"),
        ("id:person/bo-chen", "Bo Chen", "2023-09-01", "Vice President", "id:org/beta-union",
         "Beta Union", "r3"),
    ]),
    ("first-last-contact", {"org": "Alpha Party"}, [
        ("id:org/alpha-party", "Alpha Party", "id:org/beta-union", "Beta Union", "2022-03-01",
         "2023-05-10", "3"),
        ("id:org/alpha-party", "Alpha Party", "id:org/gamma-international", "Gamma International",
         "2022-03-02", "2022-03-02", "1"),
    ]),
    ("first-last-contact", {"org": "Beta Union"}, [
        ("id:org/beta-union", "Beta Union", "id:country/borduria", "Borduria", "2023-08-30",
         "2023-08-30", "1"),
        ("id:org/beta-union", "Beta Union", "id:org/alpha-party", "Alpha Party", "2022-03-01",
         "2023-05-10", "3"),
    ]),
    ("topics-by-year", {}, [
        ("2022", "id:topic/climate-change", "climate change", "2"),
        ("2022", "id:topic/youth", "youth", "1"),
        ("2023", "id:topic/youth", "youth", "1"),
    ]),
    ("topics-by-year", {"topic": "youth"}, [
        ("2022", "id:topic/youth", "youth", "1"),
        ("2023", "id:topic/youth", "youth", "1"),
    ]),
    ("calls-in-period", {}, [
        (None, None, "2023-05-10", "PhoneCall", "id:engagement/r2-1", "Alpha Party; Beta Union",
         "Ana Lima; Bo Chen", "r2"),
        (None, None, "2022-03-02", "VideoCall", "id:engagement/r1-2",
         "Alpha Party; Gamma International", "Ana Lima", "r1"),
    ]),
    ("calls-in-period", {"since": "2023-01-01"}, [
        ("2023-01-01", None, "2023-05-10", "PhoneCall", "id:engagement/r2-1",
         "Alpha Party; Beta Union", "Ana Lima; Bo Chen", "r2"),
    ]),
    ("calls-in-period", {"until": dt.date(2022, 12, 31)}, [
        (None, "2022-12-31", "2022-03-02", "VideoCall", "id:engagement/r1-2",
         "Alpha Party; Gamma International", "Ana Lima", "r1"),
    ]),
    ("organizations-by-country", {}, [
        ("id:country/aland", "Aland", "id:org/alpha-party", "Alpha Party", "PoliticalParty", "4"),
        ("id:country/borduria", "Borduria", "id:org/beta-union", "Beta Union", "PoliticalParty",
         "4"),
    ]),
    ("organizations-by-country", {"country": "Borduria"}, [
        ("id:country/borduria", "Borduria", "id:org/beta-union", "Beta Union", "PoliticalParty",
         "4"),
    ]),
    ("dialogue-edges", {}, [
        (None, None, "id:org/alpha-party", "Alpha Party", "id:org/beta-union", "Beta Union", "3",
         "2022-03-01", "2023-05-10"),
        (None, None, "id:org/alpha-party", "Alpha Party", "id:org/gamma-international",
         "Gamma International", "1", "2022-03-02", "2022-03-02"),
        (None, None, "id:country/borduria", "Borduria", "id:org/beta-union", "Beta Union", "1",
         "2023-08-30", "2023-08-30"),
    ]),
    ("dialogue-edges", {"since": "2023-01-01", "until": "2023-06-30"}, [
        ("2023-01-01", "2023-06-30", "id:org/alpha-party", "Alpha Party", "id:org/beta-union",
         "Beta Union", "1", "2023-05-10", "2023-05-10"),
    ]),
    ("readouts-mentioning", {"person": "Ana Lima"}, [
        ("id:person/ana-lima", "Ana Lima", "2023-05-11", "r2",
         "Phone call between Alpha and Beta leaders", "participant, post"),
        ("id:person/ana-lima", "Ana Lima", "2022-03-02", "r1", "Alpha Party meets Beta Union",
         "participant, post"),
    ]),
    ("readouts-mentioning", {"person": "id:person/cy-dahl"}, [
        ("id:person/cy-dahl", "Cy Dahl", "2022-03-02", "r1", "Alpha Party meets Beta Union",
         "post, present"),
    ]),
    ("entities", {"name": "ap"}, [
        ("ap", "id:org/gamma-international", "Gamma International", "PartyInternational", "1"),
        ("ap", "id:org/alpha-party", "Alpha Party", "PoliticalParty", "2"),
    ]),
    ("entities", {"name": "CHEN"}, [("CHEN", "id:person/bo-chen", "Bo Chen", "Person", "3")]),
]


@pytest.mark.parametrize(("name", "params", "expected"), ANSWERS,
                         ids=[f"{n}-{'-'.join(map(str, p.values())) or 'all'}" for n, p, _ in ANSWERS])
def test_named_query_gives_its_exact_rows(world: GraphStore, name: str,
                                          params: dict[str, object],
                                          expected: list[tuple[str | None, ...]]) -> None:
    assert answer(world, name, params) == expected


def test_every_named_query_has_an_exact_answer_test() -> None:
    tested = {name for name, _, _ in ANSWERS}
    assert tested == {query.name for query in list_queries()}


def test_the_library_holds_the_questions_the_issue_asks_for() -> None:
    names = {query.name for query in list_queries()}
    assert REQUIRED_BY_THE_ISSUE <= names
    assert len(names) >= 10


# --------------------------------------------------------------------------- headers

@pytest.mark.parametrize("query", list_queries(), ids=lambda q: q.name)
def test_every_header_documents_title_description_and_a_runnable_example(query) -> None:
    assert query.title and query.description.endswith(".")
    assert query.example.startswith(f"kg query {query.name} ") and "--store out" in query.example
    assert all(parameter.description for parameter in query.parameters)
    for name in re.findall(r"--param (\w+)=", query.example):
        query.parameter(name)


SAMPLE_VALUES = {"iri": "id:org/alpha-party", "integer": 2022, "date": "2022-03-01",
                 "string": "Meeting"}


@pytest.mark.parametrize("query", list_queries(), ids=lambda q: q.name)
def test_every_declared_parameter_is_returned_so_that_it_can_be_bound(world: GraphStore,
                                                                       query) -> None:
    columns = run_query(world, query.name).columns
    for parameter in query.parameters:
        assert parameter.name in columns
        run_query(world, query.name, {parameter.name: SAMPLE_VALUES[parameter.kind]})


@pytest.mark.parametrize("query", list_queries(), ids=lambda q: q.name)
def test_every_query_without_parameters_answers_on_the_small_graph(world: GraphStore,
                                                                    query) -> None:
    assert run_query(world, query.name).rows


@pytest.mark.parametrize("query", list_queries(), ids=lambda q: q.name)
def test_every_query_declares_its_prefixes_so_other_tools_can_run_it(query) -> None:
    body = re.sub(r"<[^>]*>", "", re.sub(r"(?m)^\s*#.*$", "", query.text))
    used = set(re.findall(r"\b([a-z]+):", body))
    declared = set(re.findall(r"^PREFIX ([a-z]+):", query.text, flags=re.MULTILINE))
    assert used - {"http", "https"} <= declared


BAD_HEADERS = [
    ("SELECT * WHERE { ?s ?p ?o }", "has no comment header"),
    ("# no title here\n# Parameters: none.\n# Example:\n#   kg query x\nSELECT * {}",
     "first line must read"),
    ("# T: text.\n# Example:\n#   kg query x\nSELECT * {}", "no 'Parameters:' section"),
    ("# T: text.\n# Parameters: none.\nSELECT * {}", "no 'Example:' section"),
    ("# T: text.\n# Parameters:\n#   year (number): a year\n# Example:\n#   kg query x\nSELECT * {}",
     "unknown kind 'number'"),
    ("# T: text.\n# Parameters:\n# year: a year\n# Example:\n#   kg query x\nSELECT * {}",
     "cannot read the parameter line"),
]


@pytest.mark.parametrize(("text", "message"), BAD_HEADERS)
def test_a_malformed_header_is_refused_with_what_to_write(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=re.escape(message)):
        parse_query(text, "x")


def test_a_header_without_parameters_says_none() -> None:
    query = parse_query("# T: text.\n# Parameters: none.\n# Example:\n#   kg query x\nSELECT * {}",
                        "x")
    assert query.parameters == () and query.summary == "T: text"


# --------------------------------------------------------------------------- parameters

CONVERSIONS = [
    ("engagements-by-year", {"year": "2022"}, {"year": 2022}),
    ("engagements-by-year", {"year": 2022, "type": "Talks"}, {"year": 2022, "type": "Talks"}),
    ("engagements-by-year", {"year": None}, {}),
    ("calls-in-period", {"since": "2022-01-31"}, {"since": dt.date(2022, 1, 31)}),
    ("calls-in-period", {"until": dt.datetime(2022, 1, 31, 10)}, {"until": dt.date(2022, 1, 31)}),
    ("presides", {"org": "<https://w3id.org/partyrel/id/org/alpha-party>"}, {"org": ALPHA}),
    ("presides", {"org": "https://w3id.org/partyrel/id/org/alpha-party"}, {"org": ALPHA}),
    ("presides", {"org": "id:org/alpha-party"}, {"org": ALPHA}),
    ("presides", {"org": ALPHA, "?person": "Ana Lima"}, {"org": ALPHA, "person": ANA}),
    ("presides", {"org": "  alpha   PARTY "}, {"org": ALPHA}),
]


@pytest.mark.parametrize(("name", "given", "bound"), CONVERSIONS)
def test_parameters_are_converted_by_their_declared_kind(world: GraphStore, name: str,
                                                         given: dict[str, object],
                                                         bound: dict[str, object]) -> None:
    assert bind_parameters(world, get_query(name), given) == bound


REFUSED = [
    ("engagements-by-year", {"yr": 2022}, "has no parameter 'yr'; its parameters are: year, type"),
    ("engagements-by-year", {"year": "last year"}, ("parameter year of engagements-by-year takes "
                                                   "an integer")),
    ("engagements-by-year", {"year": True}, "takes an integer"),
    ("calls-in-period", {"since": "01/02/2022"}, "takes a date YYYY-MM-DD"),
    ("presides", {"org": 42}, "takes an IRI"),
    ("presides", {"org": "AP"}, ("'AP' names 2 entities: id:org/alpha-party, "
                                "id:org/gamma-international; pass the IRI")),
    ("presides", {"org": "Omega Front"}, "no entity is called 'Omega Front' in this store"),
]


@pytest.mark.parametrize(("name", "given", "message"), REFUSED)
def test_a_wrong_parameter_is_refused_with_what_to_fix(world: GraphStore, name: str,
                                                       given: dict[str, object],
                                                       message: str) -> None:
    with pytest.raises(QueryError, match=re.escape(message)):
        run_query(world, name, given)


def test_a_label_is_preferred_to_an_alias_when_resolving_a_name(world: GraphStore) -> None:
    assert resolve_entity(world, "Alpha Party") == ALPHA
    assert resolve_entity(world, "chen") == URIRef("https://w3id.org/partyrel/id/person/bo-chen")


@pytest.mark.parametrize("hostile", [
    'Meeting" ) } UNION { ?s ?p ?o } #',
    "Meeting' || true || '",
    "}} ; DROP ALL ; SELECT * {",
])
def test_a_hostile_value_is_bound_as_a_literal_never_pasted(world: GraphStore,
                                                           hostile: str) -> None:
    assert run_query(world, "engagements-by-type", {"type": hostile}).rows == []
    assert len(world.graph_iris()) == 5


def test_an_unknown_query_name_suggests_close_ones(world: GraphStore) -> None:
    with pytest.raises(QueryError, match=re.escape("no named query 'preside'; did you mean "
                                                   "presides?")):
        run_query(world, "preside")


def test_a_file_in_the_current_folder_wins_over_a_query_name(world: GraphStore, tmp_path: Path,
                                                            monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "presides").write_text("SELECT ?answer WHERE { BIND (42 AS ?answer) }")
    assert run_query(world, "presides").rows == [("42",)]


# --------------------------------------------------------------------------- command line

@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tiny-world")
    with GraphStore.open(out) as store:
        fill(store)
    return out


def test_kg_query_list_shows_every_named_query(capsys) -> None:
    assert main(["query", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["name", "parameters", "answers"]
    listed = {line.split()[0] for line in lines[1:-1]}
    assert listed == {query.name for query in list_queries()}
    assert "counterparts-by-year      org, year" in "\n".join(lines)


def test_kg_query_show_prints_the_documented_query(capsys) -> None:
    assert main(["query", "--show", "dialogue-edges"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Dialogue edges with weights:") and "SELECT ?since ?until" in out


def test_kg_query_runs_a_named_query_with_parameters(built: Path, capsys) -> None:
    argv = ["query", "counterparts-by-year", "--store", str(built), "--param", "org=Beta Union",
            "--param", "year=2023", "--format", "csv"]
    assert main(argv) == 0
    assert capsys.readouterr().out.splitlines() == [
        "org,org_name,year,counterpart,counterpart_name,engagements",
        ("https://w3id.org/partyrel/id/org/beta-union,Beta Union,2023,"
        "https://w3id.org/partyrel/id/org/alpha-party,Alpha Party,1"),
        ("https://w3id.org/partyrel/id/org/beta-union,Beta Union,2023,"
        "https://w3id.org/partyrel/id/country/borduria,Borduria,1"),
    ]


@pytest.mark.parametrize(("argv", "code", "message"), [
    (["query", "presides", "--param", "yr=1"], 1, "has no parameter 'yr'"),
    (["query", "nonsense-query"], 1, "no named query 'nonsense-query'"),
    (["query", "--show", "nonsense-query"], 1, "no named query 'nonsense-query'"),
])
def test_kg_query_names_a_wrong_query_or_parameter(built: Path, capsys, argv: list[str],
                                                   code: int, message: str) -> None:
    assert main([*argv, "--store", str(built)]) == code
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["query"], ["query", "presides"], ["query", "--store", "out"]])
def test_kg_query_without_a_query_or_a_store_is_a_usage_error(argv: list[str], capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert "--list to see the named queries" in capsys.readouterr().err
