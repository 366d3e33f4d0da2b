"""kg push and kg query --endpoint, against real servers started on loopback
(tests/sparql_servers.py): the Oxigraph server and Virtuoso Open Source."""

from __future__ import annotations

import re
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kg.cli import main
from kg.named_queries import list_queries
from kg.pipeline import build
from kg.push import WRITE_ATTEMPTS, Endpoint, PushError, push, remote_query
from kg.query import format_result, run_query
from kg.store import GRAPH_BASE, GraphStore
from sparql_servers import oxigraph_server, silent_server, virtuoso_server

COUNTS = f"""SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
  FILTER (STRSTARTS(STR(?g), "{GRAPH_BASE}")) }} GROUP BY ?g"""


def _remote_counts(endpoint: Endpoint) -> dict[str, int]:
    result = remote_query(endpoint, COUNTS)
    return {str(g): int(str(n)) for g, n in result.rows}


def _local_counts(out: Path) -> dict[str, int]:
    with GraphStore.open(out, read_only=True) as store:
        return {g: len(store.graph_triples(g)) for g in store.graph_iris()}


def _example_params(text: str) -> dict[str, str]:
    """The --param values of a named query's documented example."""
    example = text.split("# Example:", 1)[1].splitlines()[1] if "# Example:" in text else ""
    return dict(re.findall(r'--param (\w+)="?([^"]+?)"? (?=--|$)', example + " "))


# --------------------------------------------------------------------------- no server needed

@pytest.mark.parametrize(("url", "update", "graph_store"), [
    ("http://127.0.0.1:7878/query", "http://127.0.0.1:7878/update", "http://127.0.0.1:7878/store"),
    ("http://h:8890/sparql", "http://h:8890/sparql", "http://h:8890/sparql-graph-crud"),
    ("https://h/ds/query/", "https://h/ds/update", "https://h/ds/store"),
    ("http://h/endpoint", "http://h/endpoint", "http://h/endpoint"),
])
def test_endpoint_urls_are_derived_from_the_query_url(url: str, update: str, graph_store: str):
    endpoint = Endpoint.from_url(url)
    assert (endpoint.query, endpoint.update, endpoint.graph_store) == (url, update, graph_store)


@pytest.mark.parametrize(("url", "timeout", "message"), [
    ("ftp://h/sparql", 30.0, "not an http\\(s\\) URL"),
    ("127.0.0.1:7878", 30.0, "not an http\\(s\\) URL"),
    ("http://h/sparql", 0.0, "timeout must be positive"),
])
def test_bad_endpoints_are_refused(url: str, timeout: float, message: str):
    with pytest.raises(PushError, match=message):
        Endpoint.from_url(url, timeout=timeout)


def test_a_server_that_is_not_there_is_named(built_sample: Path):
    from sparql_servers import free_port

    endpoint = Endpoint.from_url(f"http://127.0.0.1:{free_port()}/query", timeout=2)
    with pytest.raises(PushError, match="cannot reach http://127.0.0.1"):
        push(built_sample, endpoint)


@pytest.mark.parametrize("action", ["push", "query"])
def test_a_server_that_never_answers_times_out(built_sample: Path, action: str):
    with silent_server() as url:
        endpoint = Endpoint.from_url(url, timeout=0.5)
        started = time.monotonic()
        with pytest.raises(PushError, match="timeout 0.5 s"):
            if action == "push":
                push(built_sample, endpoint)
            else:
                remote_query(endpoint, "ASK { ?s ?p ?o }")
        assert time.monotonic() - started < 10


@contextmanager
def _deadlocking_server(failures: int) -> Iterator[tuple[str, list[str]]]:
    """A Graph Store that answers each graph's first ``failures`` PUTs as
    Virtuoso does under concurrent writes (HTTP 500, SR172 deadlock), then 201;
    yields its query URL and the graphs stored."""
    seen: dict[str, int] = {}
    stored: list[str] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:  # noqa: N802 - the http.server interface
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            graph = self.path.split("graph=", 1)[1]
            with lock:
                seen[graph] = seen.get(graph, 0) + 1
                failed = seen[graph] <= failures
                if not failed:
                    stored.append(graph)
            if failed:
                body = b"<h3>Error 40001</h3> <xmp>SR172: Transaction deadlocked</xmp>"
                self.send_response(500)
            else:
                body = b""
                self.send_response(201)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sparql", stored
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(("failures", "pushed"), [(0, True), (2, True), (WRITE_ATTEMPTS - 1, True),
                                                  (WRITE_ATTEMPTS, False)])
def test_a_write_the_server_deadlocked_is_sent_again(built_sample: Path, monkeypatch,
                                                     failures: int, pushed: bool):
    monkeypatch.setattr("kg.push.FIRST_WAIT", 0.001)
    with _deadlocking_server(failures) as (url, stored):
        endpoint = Endpoint.from_url(url, timeout=5)
        if pushed:
            report = push(built_sample, endpoint, method="gsp")
            assert report.graphs == len(stored) == len(_local_counts(built_sample))
        else:
            with pytest.raises(PushError, match=f"Transaction deadlocked.*sent {WRITE_ATTEMPTS} "
                                                "times; the server kept failing: push again later"):
                push(built_sample, endpoint, method="gsp")


def test_kg_query_takes_a_store_or_an_endpoint_not_both(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as exit_info:
        main(["query", "presides", "--store", "out", "--endpoint", "http://127.0.0.1:1/query"])
    assert exit_info.value.code == 2
    assert "--store OUT or --endpoint URL" in capsys.readouterr().err


# --------------------------------------------------------------------------- Oxigraph server

@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as url:
        yield url


@pytest.mark.slow
def test_push_copies_every_graph_and_pushing_again_replaces(oxigraph: str, built_sample: Path):
    endpoint = Endpoint.from_url(oxigraph)
    first = push(built_sample, endpoint)
    second = push(built_sample, endpoint)
    local = _local_counts(built_sample)
    assert first.method == second.method == "gsp"
    assert first.graphs == len(local) and first.triples == sum(local.values())
    assert _remote_counts(endpoint) == local  # no duplicates after the second push


@pytest.mark.slow
def test_a_changed_readout_replaces_its_facts_on_the_server(oxigraph: str, tmp_path: Path,
                                                            sample_dir: Path):
    src = tmp_path / "in"
    shutil.copytree(sample_dir, src)
    build([src], tmp_path / "out", write_map=False)
    endpoint = Endpoint.from_url(oxigraph)
    push(tmp_path / "out", endpoint)
    readout = src / "idcpc-talks-kunming.txt"
    readout.write_text(readout.read_text().replace("Khamphet Sisouvong", "Bounmy Vongsa"))
    build([src], tmp_path / "out", write_map=False)
    push(tmp_path / "out", endpoint)
    names = {row[0] for row in remote_query(
        endpoint, "SELECT ?n WHERE { ?p a pr:Person ; rdfs:label ?n }").rows}
    assert "Bounmy Vongsa" in names and "Khamphet Sisouvong" not in names
    assert _remote_counts(endpoint) == _local_counts(tmp_path / "out")


@pytest.mark.slow
@pytest.mark.parametrize(("method", "graph_store", "used"), [
    ("update", None, "update"),
    ("auto", "/no-such-service", "update"),  # the server answers 404: fall back to SPARQL Update
    ("auto", None, "gsp"),
])
def test_push_falls_back_to_sparql_update(oxigraph: str, built_sample: Path, method: str,
                                          graph_store: str | None, used: str):
    base = oxigraph.rsplit("/", 1)[0]
    endpoint = Endpoint.from_url(oxigraph, graph_store=base + graph_store if graph_store else None)
    report = push(built_sample, endpoint, method=method)  # type: ignore[arg-type]
    assert report.method == used
    assert _remote_counts(endpoint) == _local_counts(built_sample)


@pytest.mark.slow
def test_gsp_only_is_refused_by_a_server_without_it(oxigraph: str, built_sample: Path):
    endpoint = Endpoint.from_url(oxigraph, graph_store=oxigraph.rsplit("/", 1)[0] + "/nothing")
    with pytest.raises(PushError, match="does not accept Graph Store Protocol PUTs"):
        push(built_sample, endpoint, method="gsp")


@pytest.mark.slow
@pytest.mark.parametrize("name", [q.name for q in list_queries()])
@pytest.mark.parametrize("with_params", [False, True])
def test_named_queries_answer_the_same_on_the_server(oxigraph: str, built_sample: Path, name: str,
                                                     with_params: bool):
    endpoint = Endpoint.from_url(oxigraph)
    push(built_sample, endpoint)
    query = next(q for q in list_queries() if q.name == name)
    params = _example_params(query.text) if with_params else {}
    with GraphStore.open(built_sample, read_only=True) as store:
        local = run_query(store, name, params)
    remote = remote_query(endpoint, name, params)
    assert remote.columns == local.columns
    assert sorted(map(str, remote.rows)) == sorted(map(str, local.rows))


@pytest.mark.slow
def test_cli_push_then_query_the_endpoint(oxigraph: str, built_sample: Path,
                                          capsys: pytest.CaptureFixture[str]):
    assert main(["push", "--store", str(built_sample), "--endpoint", oxigraph]) == 0
    assert "Graph Store Protocol PUT" in capsys.readouterr().out
    assert main(["query", "engagements-by-type", "--endpoint", oxigraph, "--format", "csv"]) == 0
    remote = capsys.readouterr().out
    with GraphStore.open(built_sample, read_only=True) as store:
        local = format_result(run_query(store, "engagements-by-type"), "csv")
    assert remote.strip() == local.strip()


# --------------------------------------------------------------------------- Virtuoso

@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with virtuoso_server(tmp_path_factory.mktemp("virtuoso")) as url:
        yield url


@pytest.mark.slow
@pytest.mark.parametrize("method", ["gsp", "update"])
def test_push_to_virtuoso_replaces_rather_than_duplicates(virtuoso: str, built_sample: Path,
                                                          method: str):
    endpoint = Endpoint.from_url(virtuoso)
    push(built_sample, endpoint, method=method)  # type: ignore[arg-type]
    report = push(built_sample, endpoint, method=method)  # type: ignore[arg-type]
    assert report.method == method
    assert _remote_counts(endpoint) == _local_counts(built_sample)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["engagements-by-type", "presides", "first-last-contact",
                                  "organizations-by-country", "career-timeline"])
def test_virtuoso_answers_named_queries_like_the_local_store(virtuoso: str, built_sample: Path,
                                                             name: str):
    endpoint = Endpoint.from_url(virtuoso)
    push(built_sample, endpoint)
    with GraphStore.open(built_sample, read_only=True) as store:
        local = run_query(store, name)
    assert sorted(map(str, remote_query(endpoint, name).rows)) == sorted(map(str, local.rows))
