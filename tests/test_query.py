"""Tests of kg.query: running SPARQL text or .rq files and formatting the results."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from rdflib import RDF, RDFS, BNode, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

from kg.errors import QueryError
from kg.query import QueryResult, format_result, plain_cell, plain_rows, run_query, to_dataframe
from kg.store import GRAPH_BASE, GraphStore

PR = Namespace("https://w3id.org/partyrel/ontology#")
ID = Namespace("https://w3id.org/partyrel/id/")
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"

ORGS_QUERY = """
SELECT ?org ?name ?country WHERE {
  ?org rdfs:label ?name .
  OPTIONAL { ?org pr:country ?country }
} ORDER BY STR(?name)
"""


@pytest.fixture
def store() -> Iterator[GraphStore]:
    with GraphStore.memory() as memory:
        memory.replace_graph(GRAPH_BASE + "r1", [
            (ID["org/zeta-workers-party"], RDF.type, PR.PoliticalParty),
            (ID["org/zeta-workers-party"], RDFS.label, Literal("Zeta Workers Party", lang="en")),
            (ID["org/zeta-workers-party"], PR.country, ID["country/zetania"]),
            (ID["org/eta-union"], RDF.type, PR.PoliticalParty),
            (ID["org/eta-union"], RDFS.label, Literal("Eta Union")),
        ], "h1")
        yield memory


@pytest.mark.parametrize("terms", [
    [],
    [(), ()],
    [(URIRef("https://w3id.org/partyrel/id/org/a"), Literal("Eta", lang="en"), None)],
    [(Literal(3), Literal("2024-03-11", datatype=rdflib.XSD.date)), (None, Literal(True))],
    [(BNode("b1"), URIRef("https://w3id.org/partyrel/id/org/a")), (None, None)],  # a blank node's column
    [(URIRef("urn:x"),), (BNode("b2"),), (Literal("plain"),)],  # blank nodes among other terms
])
def test_plain_rows_are_the_plain_cells_of_each_row(terms: list[tuple[object, ...]]) -> None:
    assert plain_rows(terms) == [tuple(plain_cell(cell) for cell in row) for row in terms]


# --------------------------------------------------------------------------- formats

def test_select_result(store: GraphStore) -> None:
    result = run_query(store, ORGS_QUERY)
    assert result.kind == "select"
    assert result.columns == ["org", "name", "country"]
    assert result.rows == [
        ("https://w3id.org/partyrel/id/org/eta-union", "Eta Union", None),
        ("https://w3id.org/partyrel/id/org/zeta-workers-party", "Zeta Workers Party",
         "https://w3id.org/partyrel/id/country/zetania"),
    ]
    assert result.terms[1][1] == Literal("Zeta Workers Party", lang="en")


def test_table_format_exact(store: GraphStore) -> None:
    assert format_result(run_query(store, ORGS_QUERY), "table") == (
        "org                        name                country\n"
        "-------------------------  ------------------  ------------------\n"
        "id:org/eta-union           Eta Union\n"
        "id:org/zeta-workers-party  Zeta Workers Party  id:country/zetania\n"
        "(2 rows)"
    )


def test_csv_format_exact(store: GraphStore) -> None:
    assert format_result(run_query(store, ORGS_QUERY), "csv") == (
        "org,name,country\r\n"
        "https://w3id.org/partyrel/id/org/eta-union,Eta Union,\r\n"
        "https://w3id.org/partyrel/id/org/zeta-workers-party,Zeta Workers Party,"
        "https://w3id.org/partyrel/id/country/zetania\r\n"
    )


def test_json_format_exact(store: GraphStore) -> None:
    expected = {
        "head": {"vars": ["org", "name", "country"]},
        "results": {"bindings": [
            {"org": {"type": "uri", "value": "https://w3id.org/partyrel/id/org/eta-union"},
             "name": {"type": "literal", "value": "Eta Union"}},
            {"org": {"type": "uri", "value": "https://w3id.org/partyrel/id/org/zeta-workers-party"},
             "name": {"type": "literal", "value": "Zeta Workers Party", "xml:lang": "en"},
             "country": {"type": "uri", "value": "https://w3id.org/partyrel/id/country/zetania"}},
        ]},
    }
    text = format_result(run_query(store, ORGS_QUERY), "json")
    assert json.loads(text) == expected
    assert text == json.dumps(expected, indent=2, ensure_ascii=False)


def test_json_typed_literals_and_blank_nodes(store: GraphStore) -> None:
    result = run_query(store, "SELECT (COUNT(*) AS ?n) (BNODE('x') AS ?b) WHERE { ?o a pr:PoliticalParty }")
    binding = json.loads(format_result(result, "json"))["results"]["bindings"][0]
    assert binding["n"] == {"type": "literal", "value": "2", "datatype": XSD_INTEGER}
    assert binding["b"]["type"] == "bnode"
    assert result.rows[0][1] is not None and result.rows[0][1].startswith("_:")


@pytest.mark.parametrize(("fmt", "expected"), [
    ("table", "n\n-\n(0 rows)"),
    ("csv", "n\r\n"),
    ("json", '{\n  "head": {\n    "vars": [\n      "n"\n    ]\n  },\n  "results": {\n    "bindings": []\n  }\n}'),
])
def test_empty_result_formats(store: GraphStore, fmt: str, expected: str) -> None:
    result = run_query(store, "SELECT ?n WHERE { ?n pr:nothing ?x }")
    assert format_result(result, fmt) == expected  # type: ignore[arg-type]


def test_one_row_says_row(store: GraphStore) -> None:
    text = format_result(run_query(store, "SELECT ?n WHERE { ?o pr:country ?n }"), "table")
    assert text.splitlines()[-1] == "(1 row)"


def test_table_keeps_values_on_one_line() -> None:
    result = QueryResult(columns=["evidence"], rows=[("He said\n\"welcome\",\tthen left",)],
                         terms=[(Literal("He said\n\"welcome\",\tthen left"),)])
    assert format_result(result, "table").splitlines()[2] == 'He said "welcome", then left'
    assert format_result(result, "csv") == 'evidence\r\n"He said\n""welcome"",\tthen left"\r\n'


@pytest.mark.parametrize(("query", "fmt", "expected"), [
    ("ASK { ?o a pr:PoliticalParty }", "table", "true"),
    ("ASK { ?o a pr:Country }", "table", "false"),
    ("ASK { ?o a pr:PoliticalParty }", "csv", "boolean\r\ntrue\r\n"),
    ("ASK { ?o a pr:Country }", "json", '{\n  "head": {},\n  "boolean": false\n}'),
])
def test_ask_formats(store: GraphStore, query: str, fmt: str, expected: str) -> None:
    result = run_query(store, query)
    assert result.kind == "ask"
    assert format_result(result, fmt) == expected  # type: ignore[arg-type]


def test_construct_result(store: GraphStore) -> None:
    result = run_query(store, "CONSTRUCT { ?o rdfs:label ?n } WHERE { ?o a pr:PoliticalParty ; rdfs:label ?n }")
    assert result.kind == "construct"
    assert result.columns == ["subject", "predicate", "object"]
    assert len(result.rows) == 2
    assert result.triples is not None and "@prefix id: <https://w3id.org/partyrel/id/>" in result.triples
    expected = rdflib.Graph()
    expected.add((ID["org/zeta-workers-party"], RDFS.label, Literal("Zeta Workers Party", lang="en")))
    expected.add((ID["org/eta-union"], RDFS.label, Literal("Eta Union")))
    assert isomorphic(rdflib.Graph().parse(data=result.triples, format="turtle"), expected)
    assert format_result(result, "table").endswith("(2 triples)")
    assert format_result(result, "csv").startswith("subject,predicate,object\r\n")
    assert json.loads(format_result(result, "json"))["head"]["vars"] == ["subject", "predicate", "object"]


def test_describe_is_a_graph(store: GraphStore) -> None:
    result = run_query(store, "DESCRIBE <https://w3id.org/partyrel/id/org/eta-union>")
    assert result.kind == "construct"
    assert len(result.rows) == 2


def test_unknown_format_raises(store: GraphStore) -> None:
    with pytest.raises(QueryError, match="table, csv or json"):
        format_result(run_query(store, ORGS_QUERY), "xml")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- inputs

def test_query_from_rq_file(store: GraphStore, tmp_path: Path) -> None:
    path = tmp_path / "orgs.rq"
    path.write_text(ORGS_QUERY, encoding="utf-8")
    assert run_query(store, str(path)).rows == run_query(store, ORGS_QUERY).rows


def test_missing_rq_file_is_named(store: GraphStore, tmp_path: Path) -> None:
    missing = tmp_path / "nope.rq"
    with pytest.raises(QueryError, match=f"query file {missing} not found"):
        run_query(store, str(missing))


@pytest.mark.parametrize(("query", "first_line"), [
    ("SELEC ?x WHERE { ?x ?p ?o }", "SELEC ?x WHERE { ?x ?p ?o }"),
    ("\n# organizations\nSELECT ?x WHERE {\n  ?x ?p\n}", "# organizations"),
    ("SELECT ?x WHERE { ?x ?p ?o ", "SELECT ?x WHERE { ?x ?p ?o"),
])
def test_syntax_errors(store: GraphStore, query: str, first_line: str) -> None:
    with pytest.raises(QueryError) as caught:
        run_query(store, query)
    message = str(caught.value)
    assert message.startswith("SPARQL syntax error: error at ")
    assert f"the query starts: {first_line!r}" in message


def test_syntax_error_in_file_names_the_file(store: GraphStore, tmp_path: Path) -> None:
    path = tmp_path / "broken.rq"
    path.write_text("PREFIX ex: <http://example.org/>\nSELEC ?x WHERE { ?x ?p ?o }\n",
                    encoding="utf-8")
    with pytest.raises(QueryError) as caught:
        run_query(store, str(path))
    message = str(caught.value)
    assert message.startswith(f"{path}: SPARQL syntax error: error at 2:")
    assert "the query starts: 'PREFIX ex: <http://example.org/>'" in message
    assert "line 2 reads: 'SELEC ?x WHERE { ?x ?p ?o }'" in message


def test_empty_query_raises(store: GraphStore) -> None:
    with pytest.raises(QueryError, match="empty"):
        run_query(store, "   ")


@pytest.mark.parametrize(("params", "names"), [
    ({"name": "Eta Union"}, ["Eta Union"]),
    ({"org": "<https://w3id.org/partyrel/id/org/zeta-workers-party>"}, ["Zeta Workers Party"]),
    ({"name": '"} ; DROP ALL ; {'}, []),
    ({"org": "https://w3id.org/partyrel/id/org/eta-union"}, []),  # a string, not an IRI
])
def test_params_are_bound(store: GraphStore, params: dict[str, str], names: list[str]) -> None:
    result = run_query(store, "SELECT ?org ?name WHERE { ?org rdfs:label ?name }", params)
    assert [row[1] for row in result.rows] == names
    assert len(store) == 5


def test_param_not_in_select_explains(store: GraphStore) -> None:
    with pytest.raises(QueryError, match="add it to the SELECT clause"):
        run_query(store, "SELECT ?org WHERE { ?org rdfs:label ?name }", {"name": "Eta Union"})


# --------------------------------------------------------------------------- pandas

def test_to_dataframe(store: GraphStore) -> None:
    frame = to_dataframe(run_query(store, ORGS_QUERY))
    assert list(frame.columns) == ["org", "name", "country"]
    assert frame["name"].tolist() == ["Eta Union", "Zeta Workers Party"]
    assert frame["country"].isna().tolist() == [True, False]
    counts = to_dataframe(run_query(store, "SELECT (COUNT(*) AS ?n) WHERE { ?o a pr:PoliticalParty }"))
    assert counts["n"].tolist() == [2]
    assert counts["n"].dtype.kind == "i"


def test_to_dataframe_ask_and_empty(store: GraphStore) -> None:
    assert to_dataframe(run_query(store, "ASK { ?s ?p ?o }"))["boolean"].tolist() == [True]
    empty = to_dataframe(run_query(store, "SELECT ?a ?b WHERE { ?a pr:nothing ?b }"))
    assert list(empty.columns) == ["a", "b"] and len(empty) == 0


def test_blank_node_rows_are_prefixed() -> None:
    result = QueryResult(columns=["b"], rows=[("_:x1",)], terms=[(BNode("x1"),)])
    assert format_result(result, "csv") == "b\r\n_:x1\r\n"
    assert json.loads(format_result(result, "json"))["results"]["bindings"][0]["b"] == {
        "type": "bnode", "value": "x1"}
    assert URIRef("x") != BNode("x")
