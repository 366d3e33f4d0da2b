"""``kg serve``: a local, read-only SPARQL endpoint over a built store.

It speaks the query part of the SPARQL 1.1 Protocol, so analysts' own tools
(YASGUI, SPARQLWrapper, rdflib's SPARQLStore, R, Excel...) can query the
graph:

- ``GET /sparql?query=...``, ``POST /sparql`` with a form (``query=...``) or
  with the query as the body (``Content-Type: application/sparql-query``);
  ``/`` answers too, and ``GET`` without a query gives a short help page;
- SELECT and ASK answer as SPARQL Results JSON (the default), XML, CSV or
  TSV, CONSTRUCT and DESCRIBE as Turtle (the default), N-Triples, RDF/XML
  or JSON-LD, chosen by the ``Accept`` header or by a ``format`` parameter
  (``json``, ``xml``, ``csv``, ``tsv``, ``turtle``, ``ntriples``, ``rdfxml``,
  ``jsonld``), which wins;
- the graph is the union of the readouts' graphs (the default graph of
  ``kg query``), with partyrel's prefixes predeclared;
- read-only: the store is opened read-only and updates (``update=``,
  ``application/sparql-update``, or an update sent as a query) are refused
  with 403 Forbidden; a malformed query gets 400 with the parser's message.

It listens on 127.0.0.1 (this machine only) unless given another address.
Built on the standard library's ThreadingHTTPServer: for one analyst or a
small team on a trusted network, not for the open internet (there is no
authentication and no query time limit; request bodies are limited to
:data:`MAX_REQUEST_BYTES`).

Example:
    >>> import json, urllib.parse, urllib.request
    >>> from kg.store import GraphStore
    >>> with GraphStore.memory() as store, running(store, port=0) as server:
    ...     url = server.url + "?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    ...     with urllib.request.urlopen(url, timeout=10) as response:
    ...         response.headers["Content-Type"], json.load(response)["boolean"]
    ('application/sparql-results+json; charset=utf-8', False)
"""

from __future__ import annotations

import html
import re
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox

from kg import __version__
from kg.errors import QueryError, StoreError
from kg.store import PREFIXES, GraphStore

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "MAX_REQUEST_BYTES",
    "SparqlServer",
    "make_server",
    "running",
    "serve",
]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878
ENDPOINT_PATHS = ("/sparql", "/")
#: The largest request body accepted (a query, form-encoded or not).
MAX_REQUEST_BYTES = 1_000_000

_LOOPBACK = re.compile(r"^(127\.\d+\.\d+\.\d+|::1|localhost)$", re.IGNORECASE)
_PROLOGUE = re.compile(r"""\A(?:\s+|\#[^\n]*\n?|(?:PREFIX|BASE)\b[^<]*<[^>]*>)*""",
                       re.IGNORECASE)
_UPDATE_START = re.compile(r"(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b",
                           re.IGNORECASE)


@dataclass(frozen=True)
class _Format:
    """One way to write a result: a name for ``format=``, its media type and pyoxigraph's format."""

    name: str
    media_type: str
    aliases: tuple[str, ...]
    writer: ox.QueryResultsFormat | ox.RdfFormat


_RESULT_FORMATS: tuple[_Format, ...] = (
    _Format("json", "application/sparql-results+json", ("application/json",),
            ox.QueryResultsFormat.JSON),
    _Format("xml", "application/sparql-results+xml", ("application/xml", "text/xml"),
            ox.QueryResultsFormat.XML),
    _Format("csv", "text/csv", (), ox.QueryResultsFormat.CSV),
    _Format("tsv", "text/tab-separated-values", (), ox.QueryResultsFormat.TSV),
)
_GRAPH_FORMATS: tuple[_Format, ...] = (
    _Format("turtle", "text/turtle", ("application/x-turtle",), ox.RdfFormat.TURTLE),
    _Format("ntriples", "application/n-triples", ("text/plain",), ox.RdfFormat.N_TRIPLES),
    _Format("rdfxml", "application/rdf+xml", ("application/xml", "text/xml"),
            ox.RdfFormat.RDF_XML),
    _Format("jsonld", "application/ld+json", ("application/json",), ox.RdfFormat.JSON_LD),
)


class _HttpError(Exception):
    """An answer other than 200: its status and a plain-text message for the client."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def looks_like_update(text: str) -> bool:
    """Whether SPARQL text is an update (its first keyword after the prologue).

    Example:
        >>> looks_like_update("PREFIX pr: <https://w3id.org/partyrel/ontology#> INSERT DATA { }")
        True
        >>> looks_like_update("# a comment\\nSELECT * WHERE { ?s ?p ?o }")
        False
    """
    rest = text[_PROLOGUE.match(text).end():]  # type: ignore[union-attr]
    return bool(_UPDATE_START.match(rest))


def _accepted(accept: str) -> list[tuple[str, float]]:
    """Media ranges of an Accept header, best first (stable for equal q)."""
    ranges: list[tuple[str, float, int]] = []
    for index, part in enumerate(accept.split(",")):
        fields = [field.strip() for field in part.split(";")]
        if not fields[0]:
            continue
        quality = 1.0
        for field in fields[1:]:
            key, _, value = field.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranges.append((fields[0].lower(), quality, index))
    ranges.sort(key=lambda item: (-item[1], item[2]))
    return [(media, quality) for media, quality, _ in ranges if quality > 0]


def choose_format(formats: tuple[_Format, ...], accept: str | None, requested: str | None
                  ) -> _Format:
    """Pick the result format: ``format=`` if given, else the best Accept match,
    else the first (the default).

    Example:
        >>> choose_format(_RESULT_FORMATS, "text/csv;q=0.5, application/sparql-results+xml", None).name
        'xml'
        >>> choose_format(_RESULT_FORMATS, "*/*", None).name
        'json'
    """
    if requested:
        wanted = requested.strip().lower()
        for fmt in formats:
            if wanted in (fmt.name, fmt.media_type, *fmt.aliases):
                return fmt
        names = ", ".join(fmt.name for fmt in formats)
        raise _HttpError(HTTPStatus.BAD_REQUEST,
                         f"format={requested!r} is not offered for this query; use one of {names}")
    if not accept:
        return formats[0]
    for media, _ in _accepted(accept):
        if media in ("*/*", "*"):
            return formats[0]
        for fmt in formats:
            if media in (fmt.media_type, *fmt.aliases):
                return fmt
        if media.endswith("/*"):
            top = media[:-1]
            for fmt in formats:
                if fmt.media_type.startswith(top):
                    return fmt
    offered = ", ".join(fmt.media_type for fmt in formats)
    raise _HttpError(HTTPStatus.NOT_ACCEPTABLE,
                     f"none of the accepted types ({accept}) is offered for this query; "
                     f"offered: {offered}")


def _help_page(url: str) -> bytes:
    example = urllib.parse.urlencode(
        {"query": "SELECT ?type (COUNT(?e) AS ?n) WHERE { ?e a pr:Engagement, ?type } GROUP BY ?type"})
    prefixes = "\n".join(f"PREFIX {p}: &lt;{html.escape(ns)}&gt;" for p, ns in PREFIXES.items())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>partyrel SPARQL endpoint</title></head>
<body>
<h1>partyrel SPARQL endpoint (read-only)</h1>
<p>SPARQL 1.1 Protocol at <code>{html.escape(url)}</code>: <code>GET ?query=...</code>,
or <code>POST</code> a form (<code>query=...</code>) or the query itself
(<code>Content-Type: application/sparql-query</code>). Results as SPARQL JSON, XML, CSV
or TSV by the <code>Accept</code> header or <code>format=json|xml|csv|tsv</code>;
CONSTRUCT and DESCRIBE as Turtle (<code>format=turtle|ntriples|rdfxml|jsonld</code>).
Updates are refused.</p>
<p>Try: <a href="?{html.escape(example)}">engagements by type</a>.</p>
<p>Predeclared prefixes:</p>
<pre>{prefixes}</pre>
</body></html>
""".encode()


class SparqlServer(ThreadingHTTPServer):
    """A threading HTTP server answering SPARQL queries from one store.

    Make it with :func:`make_server` or :func:`running`.
    """

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], store: GraphStore, *, quiet: bool = False
                 ) -> None:
        """Bind ``address`` and answer from ``store`` (opened read-only by :func:`serve`)."""
        super().__init__(address, _Handler)
        self.store = store
        self.quiet = quiet

    @property
    def url(self) -> str:
        """The endpoint's URL, e.g. ``http://127.0.0.1:7878/sparql``."""
        host, port = self.server_address[:2]
        name = host.decode("ascii") if isinstance(host, bytes) else str(host)
        shown = f"[{name}]" if ":" in name else name
        return f"http://{shown}:{port}/sparql"


class _Handler(BaseHTTPRequestHandler):
    server: SparqlServer
    server_version = f"partyrel/{__version__}"
    protocol_version = "HTTP/1.1"

    # ------------------------------------------------------------ dispatch

    def do_GET(self) -> None:
        self._answer(lambda: self._from_get())

    def do_POST(self) -> None:
        self._answer(lambda: self._from_post())

    def do_PUT(self) -> None:
        self._answer(self._refuse_write)

    do_DELETE = do_PUT
    do_PATCH = do_PUT

    def _refuse_write(self) -> tuple[str, dict[str, list[str]]]:
        self._drain()
        raise _HttpError(HTTPStatus.FORBIDDEN,
                         "this endpoint is read-only: it answers SPARQL queries, never changes "
                         "the graph; rebuild the store with `kg build` to change it")

    def _path(self) -> tuple[str, dict[str, list[str]]]:
        parts = urllib.parse.urlsplit(self.path)
        if parts.path not in ENDPOINT_PATHS:
            raise _HttpError(HTTPStatus.NOT_FOUND,
                             f"no such resource {parts.path!r}; the SPARQL endpoint is /sparql")
        return parts.path, urllib.parse.parse_qs(parts.query, keep_blank_values=True)

    def _from_get(self) -> tuple[str, dict[str, list[str]]]:
        _, params = self._path()
        if "update" in params:
            raise _HttpError(HTTPStatus.FORBIDDEN, "updates are refused: this endpoint is "
                             "read-only (and SPARQL updates are never sent with GET)")
        if "query" not in params:
            raise _ShowHelp()
        return self._one(params, "query"), params

    def _from_post(self) -> tuple[str, dict[str, list[str]]]:
        _, params = self._path()
        body = self._body()
        media = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if media == "application/sparql-update":
            raise _HttpError(HTTPStatus.FORBIDDEN, "updates are refused: this endpoint is "
                             "read-only; rebuild the store with `kg build` to change the graph")
        if media == "application/x-www-form-urlencoded":
            try:
                form = urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True)
            except UnicodeDecodeError as err:
                raise _HttpError(HTTPStatus.BAD_REQUEST, f"the form is not UTF-8: {err}") from err
            if "update" in form:
                raise _HttpError(HTTPStatus.FORBIDDEN, "updates are refused: this endpoint is "
                                 "read-only; rebuild the store with `kg build` to change the graph")
            merged = {**params, **form}
            if "query" not in merged:
                raise _HttpError(HTTPStatus.BAD_REQUEST,
                                 "the form has no 'query' field; send query=<SPARQL>")
            return self._one(merged, "query"), merged
        if media == "application/sparql-query":
            try:
                return body.decode("utf-8"), params
            except UnicodeDecodeError as err:
                raise _HttpError(HTTPStatus.BAD_REQUEST,
                                 f"the query is not UTF-8: {err}") from err
        raise _HttpError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                         f"cannot read a POST body of type {media or '(none)'!r}; send "
                         "application/sparql-query or application/x-www-form-urlencoded")

    @staticmethod
    def _one(params: dict[str, list[str]], name: str) -> str:
        values = params.get(name, [])
        if len(values) != 1:
            raise _HttpError(HTTPStatus.BAD_REQUEST,
                             f"give exactly one {name!r} parameter, got {len(values)}")
        return values[0]

    def _body(self) -> bytes:
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            raise _HttpError(HTTPStatus.LENGTH_REQUIRED, "send a Content-Length header")
        try:
            length = int(length_text)
        except ValueError as err:
            raise _HttpError(HTTPStatus.BAD_REQUEST, "Content-Length is not a number") from err
        if length < 0 or length > MAX_REQUEST_BYTES:
            self.close_connection = True
            self._discard(length)
            raise _HttpError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                             f"the request body is {length} bytes; the limit is "
                             f"{MAX_REQUEST_BYTES}")
        return self.rfile.read(length)

    def _discard(self, length: int) -> None:
        """Read a body too large to use, so the client sees the answer rather than a reset
        (up to 16 times the limit; beyond that the connection is just closed)."""
        remaining = length if 0 < length <= 16 * MAX_REQUEST_BYTES else 0
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 65536))
            if not chunk:
                break
            remaining -= len(chunk)

    def _drain(self) -> None:
        """Read (and drop) a body so the connection stays usable."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if length > MAX_REQUEST_BYTES:
            self.close_connection = True
        self._discard(length)

    # ------------------------------------------------------------ answering

    def _answer(self, read_request: Callable[[], tuple[str, dict[str, list[str]]]]) -> None:
        try:
            query, params = read_request()
            status, media, body = self._run(query, params)
        except _ShowHelp:
            status, media, body = HTTPStatus.OK, "text/html", _help_page(self.server.url)
        except _HttpError as err:
            status, media, body = err.status, "text/plain", (err.message + "\n").encode("utf-8")
        self._send(status, media, body)

    def _run(self, query: str, params: dict[str, list[str]]) -> tuple[HTTPStatus, str, bytes]:
        if params.get("default-graph-uri") or params.get("named-graph-uri"):
            raise _HttpError(HTTPStatus.BAD_REQUEST,
                             "default-graph-uri and named-graph-uri are not supported: the "
                             "default graph is the union of all readouts; use GRAPH in the query")
        if looks_like_update(query):
            raise _HttpError(HTTPStatus.FORBIDDEN,
                             "updates are refused: this endpoint is read-only; rebuild the "
                             "store with `kg build` to change the graph")
        requested = params.get("format", [None])[0]
        accept = self.headers.get("Accept")
        try:
            result = self.server.store.query(query)
            if isinstance(result, ox.QueryTriples):
                fmt = choose_format(_GRAPH_FORMATS, accept, requested)
                triples = list(result)
                prefixes = dict(PREFIXES) if fmt.name == "turtle" else None
                assert isinstance(fmt.writer, ox.RdfFormat)
                body = ox.serialize(triples, format=fmt.writer, prefixes=prefixes) or b""
            else:
                fmt = choose_format(_RESULT_FORMATS, accept, requested)
                assert isinstance(fmt.writer, ox.QueryResultsFormat)
                body = result.serialize(format=fmt.writer) or b""
        except QueryError as err:
            raise _HttpError(HTTPStatus.BAD_REQUEST, str(err)) from err
        except (StoreError, OSError) as err:
            raise _HttpError(HTTPStatus.INTERNAL_SERVER_ERROR, str(err)) from err
        except (RuntimeError, ValueError) as err:
            raise _HttpError(HTTPStatus.BAD_REQUEST,
                             f"the query failed while running: {err}") from err
        return HTTPStatus.OK, fmt.media_type, body

    def _send(self, status: HTTPStatus, media: str, body: bytes) -> None:
        charset = "" if media in ("application/n-triples",) else "; charset=utf-8"
        if status != HTTPStatus.OK:
            self.close_connection = True  # a refused request's body may be unread
        self.send_response(status)
        self.send_header("Content-Type", media + charset)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept")
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        if not self.server.quiet:
            super().log_message(format, *args)


class _ShowHelp(Exception):
    """A GET without a query: answer with the help page."""


# --------------------------------------------------------------------------- running

def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only.

    Example:
        >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("0.0.0.0")
        (True, True, False)
    """
    return bool(_LOOPBACK.match(host.strip("[]")))


def make_server(store: GraphStore, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *,
                quiet: bool = False) -> SparqlServer:
    """A server bound to ``host:port`` (port 0: a free one), not yet serving.

    Call ``serve_forever()`` (in a thread, for tests), then ``shutdown()`` and
    ``server_close()``; or use :func:`running`.

    Raises StoreError when the address cannot be bound.
    """
    try:
        return SparqlServer((host, port), store, quiet=quiet)
    except OSError as err:
        raise StoreError(f"cannot listen on {host}:{port}: {err.strerror or err}; choose another "
                         "--port (0 picks a free one) or stop the program using it") from err


@contextmanager
def running(store: GraphStore, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *,
            quiet: bool = True) -> Iterator[SparqlServer]:
    """Serve ``store`` in a background thread for the duration of a ``with`` block.

    See the module docstring for an example.
    """
    server = make_server(store, host, port, quiet=quiet)
    thread = threading.Thread(target=server.serve_forever, name="kg-serve", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def serve(out: Path | str, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          announce: Callable[[str], None] = print) -> None:
    """Serve the store built into ``out`` until interrupted (Ctrl-C).

    ``announce`` receives the lines to show the user (the URL, a warning when
    the address is reachable from other machines).
    """
    with GraphStore.open(out, read_only=True) as store:
        server = make_server(store, host, port)
        try:
            announce(f"serving {out} read-only at {server.url} (SPARQL 1.1 Protocol); "
                     "Ctrl-C stops")
            if not is_loopback(host):
                announce(f"warning: {host} is reachable from other machines: anyone who can "
                         "reach this port can read the whole graph")
            server.serve_forever()
        except KeyboardInterrupt:
            announce("stopped")
        finally:
            server.server_close()
