"""A remote SPARQL store as target: ``kg push`` and ``kg query --endpoint``.

:func:`push` copies every named graph of a built store (one per readout,
plus the labels and topics graphs) to a SPARQL server with the SPARQL 1.1
Graph Store HTTP Protocol: one ``PUT`` per graph, which replaces the graph,
so pushing again (after a rebuild) replaces rather than duplicates. A server
without the Graph Store Protocol gets SPARQL 1.1 Update instead (``DROP
SILENT GRAPH g ; INSERT DATA { GRAPH g { ... } }``, one request per graph).
:func:`remote_query` runs SPARQL text, a ``.rq`` file or a named query on such
a server and returns the same :class:`~kg.query.QueryResult` as a local query.

Every request has a timeout (a server that stops answering must never hang
``kg``); errors are :class:`~kg.errors.PartyrelError` naming the URL, the
HTTP status and the start of the server's answer.

Endpoints: the URL given is the server's SPARQL query endpoint; the update
and Graph Store URLs are derived from it unless given:

=========================== ============================ =================================
server                      query URL (``--endpoint``)   update URL / Graph Store URL
=========================== ============================ =================================
Oxigraph server             ``http://host:7878/query``   ``/update`` / ``/store``
Virtuoso                    ``http://host:8890/sparql``  ``/sparql`` / ``/sparql-graph-crud``
other (SPARQL 1.1)          ``URL``                      ``URL`` / ``URL``
=========================== ============================ =================================

Queries run over the union of the server's graphs: Oxigraph is asked for it
with its ``union-default-graph`` parameter, Virtuoso's default graph is the
union already. The prefixes of :data:`kg.store.PREFIXES` are declared for
the query as they are locally.

Example (the Oxigraph server from PyPI: ``oxigraph serve --location DIR``)::

    from kg.push import Endpoint, push, remote_query
    endpoint = Endpoint.from_url("http://127.0.0.1:7878/query")
    report = push("out", endpoint)
    remote_query(endpoint, "engagements-by-type").rows
"""

from __future__ import annotations

import base64
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal as TypingLiteral

import pyoxigraph as ox
from rdflib.term import BNode, Literal, Node, URIRef

from kg.errors import PartyrelError, QueryError
from kg.query import QueryResult
from kg.sparql_bind import bind_by_values
from kg.store import PREFIXES, BindingValue, GraphStore, from_ox_term

__all__ = ["DEFAULT_TIMEOUT", "Endpoint", "PushError", "PushReport", "push", "remote_query"]

#: Seconds to wait for a server to connect and answer one request.
DEFAULT_TIMEOUT = 30.0
Method = TypingLiteral["auto", "gsp", "update"]
_GSP_UNSUPPORTED = frozenset({400, 404, 405, 406, 415, 501})
_RESULTS_JSON = "application/sparql-results+json"


class PushError(PartyrelError):
    """A remote SPARQL server could not be reached, or refused a request."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """The URLs of one SPARQL server: query, update and Graph Store Protocol.

    Example:
        >>> Endpoint.from_url("http://127.0.0.1:7878/query").graph_store
        'http://127.0.0.1:7878/store'
        >>> Endpoint.from_url("http://127.0.0.1:8890/sparql").graph_store
        'http://127.0.0.1:8890/sparql-graph-crud'
    """

    query: str
    update: str
    graph_store: str
    timeout: float = DEFAULT_TIMEOUT
    user: str | None = None
    password: str | None = field(default=None, repr=False)

    @classmethod
    def from_url(cls, url: str, *, update: str | None = None, graph_store: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT, user: str | None = None,
                 password: str | None = None) -> Endpoint:
        """The endpoint whose query URL is ``url``; the others derived (see the module)."""
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise PushError(f"{url!r} is not an http(s) URL; give the server's SPARQL endpoint, "
                            "e.g. http://127.0.0.1:7878/query")
        path = parts.path.rstrip("/")

        def sibling(name: str) -> str:
            return urllib.parse.urlunsplit((parts.scheme, parts.netloc,
                                            path.rsplit("/", 1)[0] + "/" + name, "", ""))

        if path.endswith("/query"):  # Oxigraph server
            derived_update, derived_store = sibling("update"), sibling("store")
        elif path.endswith("/sparql"):  # Virtuoso (and many others)
            derived_update, derived_store = url, url + "-graph-crud"
        else:
            derived_update, derived_store = url, url
        if timeout <= 0:
            raise PushError(f"the timeout must be positive, got {timeout}")
        return cls(url, update or derived_update, graph_store or derived_store, timeout,
                   user, password)

    # ---------------------------------------------------------------- HTTP

    def request(self, method: str, url: str, body: bytes | None = None,
                headers: Mapping[str, str] | None = None) -> tuple[int, str, bytes]:
        """One HTTP request with this endpoint's timeout; return (status, content
        type, body). HTTP error statuses are returned, not raised; a server that
        cannot be reached or does not answer in time raises PushError."""
        all_headers = dict(headers or {})
        if self.user is not None:
            token = base64.b64encode(f"{self.user}:{self.password or ''}".encode()).decode()
            all_headers["Authorization"] = f"Basic {token}"
        request = urllib.request.Request(url, data=body, method=method, headers=all_headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, response.headers.get("Content-Type", ""), response.read()
        except urllib.error.HTTPError as err:
            payload = err.read() if err.fp is not None else b""
            return err.code, err.headers.get("Content-Type", "") if err.headers else "", payload
        except (urllib.error.URLError, TimeoutError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise PushError(f"cannot reach {url}: {reason}; check that the SPARQL server is "
                            f"running and the URL (timeout {self.timeout:g} s)") from err


def _refused(what: str, url: str, status: int, body: bytes) -> PushError:
    text = " ".join(body.decode("utf-8", "replace").split())[:300]
    again = (f" (sent {WRITE_ATTEMPTS} times; the server kept failing: push again later)"
             if _transient(status, body) else "")
    return PushError(f"{what} refused by {url}: HTTP {status}{': ' + text if text else ''}{again}")


# --------------------------------------------------------------------------- push

@dataclass
class PushReport:
    """What :func:`push` did."""

    graphs: int = 0
    triples: int = 0
    method: str = ""
    seconds: float = 0.0


def _graph_text(store: GraphStore, graph: str) -> tuple[str, int]:
    """One named graph of the store as N-Triples text, and its number of triples."""
    triples = store.graph_triples(graph)
    text = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    return text.decode("utf-8"), len(triples)


#: How often a write the server could not serialize (a deadlock between two
#: concurrent writes, HTTP 503) is sent again, and the first wait in seconds
#: (doubled each time): Virtuoso answers concurrent graph PUTs now and then
#: with "SR172: Transaction deadlocked" (SQLSTATE 40001), which asks the
#: client to try again.
WRITE_ATTEMPTS = 6
FIRST_WAIT = 0.1
_TRANSIENT = re.compile(rb"deadlock|\b40001\b|serializ", re.IGNORECASE)


def _transient(status: int, body: bytes) -> bool:
    """Whether a failed write is worth sending again (the server said so)."""
    return status == 503 or (status == 500 and _TRANSIENT.search(body) is not None)


def _write(endpoint: Endpoint, method: str, url: str, data: bytes,
           headers: Mapping[str, str]) -> tuple[int, bytes]:
    """One write request, sent again (up to :data:`WRITE_ATTEMPTS` times, waiting
    longer each time) while the server answers with a transient failure."""
    wait = FIRST_WAIT
    status, _, body = endpoint.request(method, url, data, headers)
    for _ in range(WRITE_ATTEMPTS - 1):
        if not _transient(status, body):
            break
        time.sleep(wait)
        wait *= 2
        status, _, body = endpoint.request(method, url, data, headers)
    return status, body


def _put(endpoint: Endpoint, graph: str, text: str) -> int:
    url = endpoint.graph_store + "?" + urllib.parse.urlencode({"graph": graph})
    status, body = _write(endpoint, "PUT", url, text.encode("utf-8"),
                          {"Content-Type": "text/turtle; charset=utf-8"})
    if status not in (200, 201, 204) and status not in _GSP_UNSUPPORTED:
        raise _refused(f"PUT of graph {graph}", url, status, body)
    return status


def _update(endpoint: Endpoint, graph: str, text: str) -> None:
    node = str(ox.NamedNode(graph))
    update = f"DROP SILENT GRAPH {node} ;\nINSERT DATA {{ GRAPH {node} {{\n{text}\n}} }}"
    status, body = _write(
        endpoint, "POST", endpoint.update, urllib.parse.urlencode({"update": update}).encode(),
        {"Content-Type": "application/x-www-form-urlencoded"})
    if status not in (200, 204):
        raise _refused(f"SPARQL Update of graph {graph}", endpoint.update, status, body)


def push(store_dir: Path | str, endpoint: Endpoint, *, method: Method = "auto",
         workers: int = 4, progress: Callable[[int, int], None] | None = None) -> PushReport:
    """Copy every named graph of the store built in ``store_dir`` to ``endpoint``.

    ``method``: ``gsp`` (Graph Store Protocol PUT, replaces each graph),
    ``update`` (SPARQL Update: drop then insert each graph), or ``auto``: the
    Graph Store Protocol unless the server refuses the first PUT as
    unsupported, then SPARQL Update. ``workers`` requests run at a time;
    ``progress`` is called with (graphs done, graphs in all). Graphs on the
    server that the store does not hold are left as they are.
    """
    started = time.perf_counter()
    report = PushReport()
    with GraphStore.open(store_dir, read_only=True) as store:
        graphs = store.graph_iris()
        total = len(graphs)
        if not graphs:
            raise PushError(f"the store at {store_dir} holds no graphs; build it first")
        chosen: str = method
        first_text, first_count = _graph_text(store, graphs[0])
        if method in ("auto", "gsp"):
            status = _put(endpoint, graphs[0], first_text)
            if status in _GSP_UNSUPPORTED:
                if method == "gsp":
                    raise PushError(f"{endpoint.graph_store} does not accept Graph Store "
                                    f"Protocol PUTs (HTTP {status}); use --method update or "
                                    "give its Graph Store URL with --graph-store")
                chosen = "update"
                _update(endpoint, graphs[0], first_text)
            else:
                chosen = "gsp"
        else:
            _update(endpoint, graphs[0], first_text)
        report.method = chosen
        report.graphs, report.triples = 1, first_count
        if progress is not None:
            progress(1, total)

        def send(graph: str) -> int:
            text, count = _graph_text(store, graph)
            if chosen == "gsp":
                status = _put(endpoint, graph, text)
                if status not in (200, 201, 204):
                    raise _refused(f"PUT of graph {graph}", endpoint.graph_store, status, b"")
            else:
                _update(endpoint, graph, text)
            return count

        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            for count in pool.map(send, graphs[1:]):
                report.graphs += 1
                report.triples += count
                if progress is not None:
                    progress(report.graphs, total)
    report.seconds = time.perf_counter() - started
    return report


# --------------------------------------------------------------------------- query

def _with_prefixes(text: str) -> str:
    """The query with partyrel's prefixes declared first (its own declarations
    come later and take precedence)."""
    declared = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())
    return declared + text


def _from_json(cell: Mapping[str, str]) -> Node:
    kind, value = cell.get("type"), cell.get("value", "")
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if "xml:lang" in cell:
        return Literal(value, lang=cell["xml:lang"])
    if cell.get("datatype") and cell["datatype"] != "http://www.w3.org/2001/XMLSchema#string":
        return Literal(value, datatype=URIRef(cell["datatype"]))
    return Literal(value)


def remote_query(endpoint: Endpoint, query_or_file: str,
                 params: Mapping[str, object] | None = None) -> QueryResult:
    """Run SPARQL text, a ``.rq`` file or a named query on the server; return a
    :class:`~kg.query.QueryResult` like :func:`kg.query.run_query`.

    Parameters are converted as for a local query (a named query's ``iri``
    parameter given as a name is looked up on the server) and bound as RDF
    terms, rendered and escaped by pyoxigraph, in a ``VALUES`` block (see
    :func:`kg.sparql_bind.bind_by_values`).
    """
    from kg.query import _load_query, _named_query, _param_value

    named = _named_query(query_or_file)
    bindings: dict[str, BindingValue]
    if named is not None:
        from kg.named_queries import bind_parameters

        text = named.text
        bindings = dict(bind_parameters(_RemoteRows(endpoint), named,  # type: ignore[arg-type]
                                        params or {}))
    else:
        text = _load_query(query_or_file)[0]
        bindings = {name: _param_value(value)  # type: ignore[arg-type]
                    for name, value in (params or {}).items()}
    return _run(endpoint, bind_by_values(text, bindings))


class _RemoteRows:
    """The part of :class:`~kg.store.GraphStore` that looking up a name needs,
    answered by the server."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint

    def select_rows(self, sparql: str, bindings: Mapping[str, BindingValue] | None = None
                    ) -> tuple[list[str], list[list[Node | None]]]:
        result = _run(self.endpoint, bind_by_values(sparql, bindings or {}))
        return result.columns, [list(row) for row in result.terms]


def _run(endpoint: Endpoint, text: str) -> QueryResult:
    from kg.query import plain_cell as _plain

    sparql = _with_prefixes(text)
    url = endpoint.query
    if urllib.parse.urlsplit(url).path.rstrip("/").endswith("/query"):
        url += ("&" if "?" in url else "?") + "union-default-graph"
    status, content_type, body = endpoint.request(
        "POST", url, urllib.parse.urlencode({"query": sparql}).encode(),
        {"Content-Type": "application/x-www-form-urlencoded",
         "Accept": f"{_RESULTS_JSON}, application/n-triples;q=0.9, text/turtle;q=0.8"})
    if status != 200:
        raise QueryError(str(_refused("the query", endpoint.query, status, body)))
    if "json" in content_type:
        try:
            document = json.loads(body.decode("utf-8"))
        except ValueError as err:
            raise QueryError(f"{endpoint.query} answered with malformed JSON: {err}") from err
        if "boolean" in document:
            return QueryResult(kind="ask", boolean=bool(document["boolean"]))
        columns = list(document.get("head", {}).get("vars", []))
        terms = [tuple(_from_json(row[c]) if c in row else None for c in columns)
                 for row in document.get("results", {}).get("bindings", [])]
        return QueryResult(columns=columns, rows=[tuple(_plain(t) for t in row) for row in terms],
                           kind="select", terms=terms)
    fmt = ox.RdfFormat.N_TRIPLES if "n-triples" in content_type else ox.RdfFormat.TURTLE
    try:
        parsed = [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(body, format=fmt)]
    except SyntaxError as err:
        raise QueryError(f"{endpoint.query} answered with malformed RDF: {err}") from err
    terms = [(from_ox_term(t.subject), from_ox_term(t.predicate), from_ox_term(t.object))
             for t in parsed]
    turtle = ox.serialize(parsed, format=ox.RdfFormat.TURTLE, prefixes=dict(PREFIXES)) or b""
    return QueryResult(columns=["subject", "predicate", "object"],
                       rows=[tuple(_plain(t) for t in row) for row in terms], kind="construct",
                       triples=turtle.decode("utf-8"), terms=terms)
