"""kg serve: the SPARQL 1.1 Protocol over HTTP, tested with real clients
(urllib, rdflib's SPARQLStore, the kg command) against servers on free
loopback ports, stopped at the end of each test."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import RDF, Graph
from rdflib.compare import isomorphic
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from tiny_world import ALPHA, BETA, GAMMA, PR, fill

from kg.server import SparqlServer, choose_format, is_loopback, looks_like_update, running
from kg.store import GraphStore

TIMEOUT = 10
PARTIES = """SELECT DISTINCT ?party ?name WHERE { ?party a pr:PoliticalParty ; rdfs:label ?name }
ORDER BY ?name"""
PARTY_ROWS = [(str(ALPHA), "Alpha Party"), (str(BETA), "Beta Union")]
SRX = "{http://www.w3.org/2005/sparql-results#}"


@pytest.fixture(scope="module")
def server() -> Iterator[SparqlServer]:
    with GraphStore.memory() as store, running(fill(store), port=0) as live:
        yield live


def request(url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None,
            method: str | None = None) -> tuple[int, str, bytes]:
    """(status, content type, body) of one HTTP request; error statuses included."""
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.headers["Content-Type"], err.read()


def get(server: SparqlServer, query: str, headers: dict[str, str] | None = None,
        **params: str) -> tuple[int, str, bytes]:
    return request(server.url + "?" + urllib.parse.urlencode({"query": query, **params}),
                   headers=headers)


def json_rows(body: bytes) -> list[tuple[str, ...]]:
    document = json.loads(body)
    names = document["head"]["vars"]
    return [tuple(binding[name]["value"] for name in names)
            for binding in document["results"]["bindings"]]


def xml_rows(body: bytes) -> list[tuple[str, ...]]:
    root = ET.fromstring(body)
    rows = []
    for result in root.iter(SRX + "result"):
        rows.append(tuple(binding[0].text or "" for binding in result.iter(SRX + "binding")))
    return rows


def csv_rows(body: bytes, delimiter: str = ",") -> list[tuple[str, ...]]:
    return [tuple(row) for row in csv.reader(io.StringIO(body.decode("utf-8")),
                                               delimiter=delimiter)][1:]


def tsv_rows(body: bytes) -> list[tuple[str, ...]]:
    rows = csv_rows(body, "\t")
    return [tuple(cell.strip("<>").removesuffix("@en").strip('"') for cell in row) for row in rows]


# --------------------------------------------------------------------------- queries

@pytest.mark.parametrize(("headers", "params", "media", "read"), [
    ({}, {}, "application/sparql-results+json", json_rows),
    ({"Accept": "application/sparql-results+json"}, {}, "application/sparql-results+json",
     json_rows),
    ({"Accept": "application/sparql-results+xml"}, {}, "application/sparql-results+xml", xml_rows),
    ({"Accept": "text/csv"}, {}, "text/csv", csv_rows),
    ({"Accept": "text/tab-separated-values"}, {}, "text/tab-separated-values", tsv_rows),
    ({"Accept": "text/html;q=0.9, text/csv;q=0.5, */*;q=0.1"}, {}, "text/csv", csv_rows),
    ({"Accept": "text/csv"}, {"format": "xml"}, "application/sparql-results+xml", xml_rows),
    ({}, {"format": "csv"}, "text/csv", csv_rows),
])
def test_select_answers_in_the_format_asked_for(server: SparqlServer, headers, params, media,
                                                read) -> None:
    status, content_type, body = get(server, PARTIES, headers, **params)
    assert status == 200
    assert content_type == media + "; charset=utf-8"
    assert read(body) == PARTY_ROWS


def test_select_by_post_form(server: SparqlServer) -> None:
    form = urllib.parse.urlencode({"query": PARTIES}).encode()
    status, _, body = request(server.url, data=form,
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and json_rows(body) == PARTY_ROWS


def test_select_by_post_of_the_query_itself(server: SparqlServer) -> None:
    status, _, body = request(server.url, data=PARTIES.encode(),
                              headers={"Content-Type": "application/sparql-query",
                                       "Accept": "application/sparql-results+xml"})
    assert status == 200 and xml_rows(body) == PARTY_ROWS


@pytest.mark.parametrize(("query", "expected"), [
    ("ASK { ?p a pr:PoliticalParty }", True),
    ("ASK { ?p a pr:Forum }", False),
])
def test_ask_answers_a_boolean(server: SparqlServer, query: str, expected: bool) -> None:
    status, _, body = get(server, query)
    assert status == 200 and json.loads(body) == {"head": {}, "boolean": expected}
    status, _, body = get(server, query, format="xml")
    assert ET.fromstring(body).find(SRX + "boolean").text == str(expected).lower()


CONSTRUCT = "CONSTRUCT { ?org a pr:PoliticalParty } WHERE { ?org a pr:PoliticalParty }"


@pytest.mark.parametrize(("headers", "params", "media", "rdf_format"), [
    ({}, {}, "text/turtle", "turtle"),
    ({"Accept": "text/turtle"}, {}, "text/turtle", "turtle"),
    ({"Accept": "application/n-triples"}, {}, "application/n-triples", "nt"),
    ({}, {"format": "rdfxml"}, "application/rdf+xml", "xml"),
    ({"Accept": "application/ld+json"}, {}, "application/ld+json", "json-ld"),
])
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
def test_construct_answers_rdf(server: SparqlServer, headers, params, media, rdf_format) -> None:
    status, content_type, body = get(server, CONSTRUCT, headers, **params)
    assert status == 200 and content_type.split(";")[0] == media
    expected = Graph()
    for party in (ALPHA, BETA):
        expected.add((party, RDF.type, PR.PoliticalParty))
    assert isomorphic(Graph().parse(data=body, format=rdf_format), expected)


def test_concurrent_queries_are_answered_alike(server: SparqlServer) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: get(server, PARTIES), range(24)))
    assert {status for status, _, _ in answers} == {200}
    assert all(json_rows(body) == PARTY_ROWS for _, _, body in answers)


def test_rdflib_sparqlstore_reads_the_endpoint(server: SparqlServer) -> None:
    remote = Graph(store=SPARQLStore(server.url, returnFormat="json", method="POST"))
    rows = remote.query("""PREFIX pr: <https://w3id.org/partyrel/ontology#>
        SELECT ?org WHERE { ?org a pr:PartyInternational }""")
    assert [row[0] for row in rows] == [GAMMA]
    assert remote.query("ASK { ?s ?p ?o }").askAnswer is True


# --------------------------------------------------------------------------- refusals

def _form(field: str, text: str) -> tuple[bytes, dict[str, str]]:
    return (urllib.parse.urlencode({field: text}).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"})


UPDATE = "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }"


@pytest.mark.parametrize(("how", "method", "path", "data", "headers"), [
    ("update form", "POST", "", *_form("update", UPDATE)),
    ("sparql-update body", "POST", "", UPDATE.encode(),
     {"Content-Type": "application/sparql-update"}),
    ("update in the URL", "GET", "?" + urllib.parse.urlencode({"update": UPDATE}), None, {}),
    ("update sent as a query", "POST", "", *_form("query", "PREFIX x: <urn:x:>\n" + UPDATE)),
    ("DROP sent as a query", "GET", "?" + urllib.parse.urlencode({"query": "DROP ALL"}), None, {}),
    ("graph store PUT", "PUT", "", b"<urn:x:a> <urn:x:b> <urn:x:c> .",
     {"Content-Type": "application/n-triples"}),
    ("graph store DELETE", "DELETE", "", None, {}),
])
def test_updates_are_refused_with_403_and_the_graph_is_unchanged(
        server: SparqlServer, how: str, method: str, path: str, data: bytes | None,
        headers: dict[str, str]) -> None:
    before = len(server.store)
    status, content_type, body = request(server.url + path, data=data, headers=headers,
                                         method=method)
    assert status == 403, how
    assert content_type.startswith("text/plain") and b"read-only" in body
    assert len(server.store) == before
    assert json.loads(get(server, "ASK { <urn:x:a> ?p ?o }")[2])["boolean"] is False


@pytest.mark.parametrize(("how", "url_tail", "data", "headers", "status", "message"), [
    ("syntax error", "?" + urllib.parse.urlencode({"query": "SELEC ?x"}), None, {}, 400,
     b"SPARQL syntax error"),
    ("two queries", "?query=ASK%7B%7D&query=ASK%7B%7D", None, {}, 400, b"exactly one 'query'"),
    ("dataset in the request", "?" + urllib.parse.urlencode(
        {"query": "ASK {}", "default-graph-uri": "urn:g"}), None, {}, 400,
     b"default-graph-uri and named-graph-uri are not supported"),
    ("unknown format", "?" + urllib.parse.urlencode({"query": "ASK {}", "format": "yaml"}),
     None, {}, 400, b"format='yaml' is not offered"),
    ("unacceptable type", "?" + urllib.parse.urlencode({"query": "ASK {}"}), None,
     {"Accept": "image/png"}, 406, b"offered: application/sparql-results+json"),
    ("wrong path", "/../../etc", None, {}, 404, b"the SPARQL endpoint is /sparql"),
    ("unknown body type", "", b"query=ASK{}", {"Content-Type": "text/plain"}, 415,
     b"application/sparql-query"),
    ("form without a query", "", b"q=1", {"Content-Type": "application/x-www-form-urlencoded"},
     400, b"no 'query' field"),
])
def test_a_bad_request_gets_a_clear_status(server: SparqlServer, how: str, url_tail: str,
                                           data: bytes | None, headers: dict[str, str],
                                           status: int, message: bytes) -> None:
    got, _, body = request(server.url + url_tail, data=data, headers=headers)
    assert got == status, how
    assert message in body


def test_a_request_body_over_the_limit_is_refused(server: SparqlServer) -> None:
    status, _, body = request(server.url, data=b"#" * 1_000_001,
                              headers={"Content-Type": "application/sparql-query"})
    assert status == 413 and b"the limit is 1000000" in body


def test_a_get_without_a_query_shows_a_help_page(server: SparqlServer) -> None:
    status, content_type, body = request(server.url)
    assert status == 200 and content_type.startswith("text/html")
    assert b"partyrel SPARQL endpoint (read-only)" in body


# --------------------------------------------------------------------------- helpers

def test_the_server_listens_on_loopback_by_default(server: SparqlServer) -> None:
    assert server.server_address[0] == "127.0.0.1"
    assert server.url.startswith("http://127.0.0.1:")


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.1.2.3", True), ("::1", True), ("[::1]", True),
    ("localhost", True), ("0.0.0.0", False), ("::", False), ("192.0.2.7", False),
])
def test_loopback_addresses_are_recognized(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize(("text", "update"), [
    ("SELECT * WHERE { ?s ?p ?o }", False),
    ("# INSERT in a comment\nASK {}", False),
    ("PREFIX ex: <urn:x#DELETE>\nSELECT * {}", False),
    ("  insert data { <urn:a> <urn:b> <urn:c> }", True),
    ("BASE <urn:x>\nPREFIX a: <urn:a>\n# note\nDELETE WHERE { ?s ?p ?o }", True),
    ("WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", True),
    ("CLEAR ALL", True),
])
def test_updates_are_recognized_after_the_prologue(text: str, update: bool) -> None:
    assert looks_like_update(text) is update


def test_format_negotiation_prefers_higher_quality_then_order() -> None:
    from kg.server import _RESULT_FORMATS

    assert choose_format(_RESULT_FORMATS, "text/csv;q=0.2, application/xml", None).name == "xml"
    assert choose_format(_RESULT_FORMATS, "text/*", None).name == "csv"
    assert choose_format(_RESULT_FORMATS, None, "TSV").name == "tsv"


# --------------------------------------------------------------------------- the command

def test_kg_serve_answers_over_http_and_stops(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with GraphStore.open(out) as store:
        fill(store)
    kg = Path(sys.executable).parent / "kg"
    process = subprocess.Popen([str(kg), "serve", "--store", str(out), "--port", "0"],
                               stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        assert process.stderr is not None
        announced = process.stderr.readline()
        assert "read-only at http://127.0.0.1:" in announced, announced
        url = announced.split(" at ", 1)[1].split()[0]
        status, _, body = request(url + "?" + urllib.parse.urlencode({"query": PARTIES}))
        assert status == 200 and json_rows(body) == PARTY_ROWS
        status, _, _ = request(url, data=UPDATE.encode(),
                               headers={"Content-Type": "application/sparql-update"})
        assert status == 403
    finally:
        process.terminate()
        process.wait(timeout=TIMEOUT)
        if process.stderr is not None:
            process.stderr.close()
