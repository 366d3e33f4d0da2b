"""Running SPARQL for users: a query text, a ``.rq`` file or the name of a query
of the library (:mod:`kg.named_queries`) in, a plain result out, formatted as
an aligned table, CSV or SPARQL 1.1 Query Results JSON, or as a DataFrame.

Example:
    >>> from rdflib import Literal, URIRef
    >>> from kg.store import GRAPH_BASE, GraphStore
    >>> party = URIRef("https://w3id.org/partyrel/id/org/zeta-workers-party")
    >>> label = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
    >>> with GraphStore.memory() as store:
    ...     store.replace_graph(GRAPH_BASE + "r1", [(party, label, Literal("Zeta Workers Party"))],
    ...                         "h")
    ...     result = run_query(store, "SELECT ?org ?name WHERE { ?org rdfs:label ?name }")
    >>> print(format_result(result, "table"))
    org                        name
    -------------------------  ------------------
    id:org/zeta-workers-party  Zeta Workers Party
    (1 row)
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Literal as TypingLiteral

import pyoxigraph as ox
from rdflib.term import BNode, Literal, Node, URIRef

from kg.errors import QueryError, StoreError
from kg.store import ID_BASE, PR_NS, PREFIXES, BindingValue, GraphStore, from_ox_term

if TYPE_CHECKING:
    import pandas

    from kg.named_queries import NamedQuery

__all__ = ["QueryResult", "format_result", "plain_cell", "plain_rows", "run_query", "to_dataframe"]

ResultKind = TypingLiteral["select", "ask", "construct"]
Format = TypingLiteral["table", "csv", "json"]

_SHORT_PREFIXES: tuple[tuple[str, str], ...] = (("id:", ID_BASE), ("pr:", PR_NS))
_TRIPLE_COLUMNS: tuple[str, str, str] = ("subject", "predicate", "object")
_MAX_PATH_LENGTH = 4096


@dataclass
class QueryResult:
    """The outcome of :func:`run_query`.

    ``rows`` hold plain strings (full IRIs, literals' lexical forms, ``_:id``
    for blank nodes, None where unbound); ``terms`` holds the same cells as
    rdflib terms, for faithful JSON and typed DataFrames. A CONSTRUCT or
    DESCRIBE result has kind "construct", its triples as Turtle in ``triples``
    and, as rows, the columns subject/predicate/object. An ASK result has kind
    "ask" and its answer in ``boolean``.

    Example:
        >>> QueryResult(columns=["x"], rows=[("1",)]).kind
        'select'
    """

    columns: list[str] = field(default_factory=list)
    rows: list[tuple[str | None, ...]] = field(default_factory=list)
    kind: ResultKind = "select"
    boolean: bool | None = None
    triples: str | None = None
    terms: list[tuple[Node | None, ...]] = field(default_factory=list, repr=False, compare=False)


def plain_cell(term: Node | None) -> str | None:
    """A result cell as plain text: an IRI or a literal's lexical form, ``_:id``
    for a blank node, None when unbound.

    Example:
        >>> plain_cell(URIRef("https://w3id.org/partyrel/id/org/zwp")), plain_cell(BNode("b1")), plain_cell(None)
        ('https://w3id.org/partyrel/id/org/zwp', '_:b1', None)
    """
    if term is None:
        return None
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def plain_rows(terms: Sequence[tuple[Node | None, ...]]) -> list[tuple[str | None, ...]]:
    """:func:`plain_cell` of every cell of these rows (of equal length), made a
    column at a time: a whole-store answer has hundreds of thousands of cells.

    Example:
        >>> plain_rows([(URIRef("https://w3id.org/partyrel/id/org/zwp"), None), (Literal(3), BNode("b1"))])
        [('https://w3id.org/partyrel/id/org/zwp', None), ('3', '_:b1')]
        >>> plain_rows([(), ()])
        [(), ()]
    """
    if not terms or not terms[0]:
        return [() for _ in terms]
    columns: list[list[str | None]] = []
    for column in zip(*terms, strict=True):
        if any(issubclass(kind, BNode) for kind in {type(cell) for cell in column}):
            columns.append([plain_cell(cell) for cell in column])
        else:  # IRIs and literals are their text (a literal its lexical form)
            columns.append([None if cell is None else str(cell) for cell in column])
    return list(zip(*columns, strict=True))


def _load_query(query_or_file: str) -> tuple[str, str | None]:
    """Return (query text, file name or None)."""
    candidate = query_or_file.strip()
    looks_like_path = ("\n" not in candidate and "{" not in candidate
                       and 0 < len(candidate) < _MAX_PATH_LENGTH)
    if looks_like_path:
        path = Path(candidate)
        try:
            is_file = path.is_file()
        except OSError:
            is_file = False
        if is_file:
            try:
                return path.read_text(encoding="utf-8"), str(path)
            except (OSError, UnicodeDecodeError) as err:
                raise QueryError(f"cannot read the query file {path}: {err}; save it as UTF-8 "
                                 "text") from err
        if candidate.lower().endswith(".rq"):
            raise QueryError(f"query file {candidate} not found; check the path (it is read "
                             "relative to the current folder)")
    if not candidate:
        raise QueryError("the query is empty; pass SPARQL text or the path of a .rq file")
    return query_or_file, None


def _named_query(query_or_file: str) -> NamedQuery | None:
    """The named query ``query_or_file`` names, if it is a bare name and no such file exists."""
    from kg.named_queries import get_query, is_query_name

    if not is_query_name(query_or_file):
        return None
    try:
        if Path(query_or_file.strip()).is_file():
            return None
    except OSError:
        pass
    return get_query(query_or_file)


def _param_value(value: BindingValue) -> BindingValue:
    """A command-line parameter: ``<iri>`` is an IRI, any other string a plain literal."""
    if isinstance(value, str):
        text = value.strip()
        if len(text) > 2 and text.startswith("<") and text.endswith(">"):
            return URIRef(text[1:-1])
    return value


def run_query(store: GraphStore, query_or_file: str,
              params: Mapping[str, object] | None = None, *, cache: bool = True,
              summary: bool = True) -> QueryResult:
    """Run SPARQL text, the ``.rq`` file it names, or a named query of the
    library (``kg/queries/NAME.rq``, see :mod:`kg.named_queries`) over the
    store's readout graphs.

    ``params`` bind query variables safely (as RDF terms, never the raw
    value pasted into the text). For a named query each value is converted by the
    parameter's declared kind (``year="2022"`` binds the integer 2022, an
    ``iri`` parameter takes an IRI or an entity's name). For other queries a
    string written ``<https://...>`` is an IRI, any other string a plain
    literal (compare typed values with e.g. ``xsd:date(?since)``), and python
    ints, dates, ... typed literals. The variable must be returned by the
    query (in its SELECT clause, or ``SELECT *``). Errors raise QueryError
    saying what to fix.

    With ``cache`` (the default) the answer is kept with the store's content
    stamp and given again while the store is unchanged (see
    :mod:`kg.result_cache`); ``cache=False`` always runs the query. The
    aggregate named queries are answered from the store's engagement summary
    when the build left one that matches the store (:mod:`kg.summary`: the
    same answer, in milliseconds); ``summary=False`` runs their SPARQL.

    Example:
        >>> with GraphStore.memory() as store:
        ...     run_query(store, "ASK { ?s ?p ?o }").boolean
        False
    """
    named = _named_query(query_or_file)
    source: str | None
    if named is not None:
        from kg.named_queries import bind_parameters
        from kg.sparql_bind import bind_laterally

        text, source = named.local_text, f"named query {named.name}"
        bound = bind_parameters(store, named, params or {})
        # bound in the text, so pyoxigraph plans with the values known (it applies
        # substitutions after planning: one person's career on 100,000 readouts
        # took 2.3 s that way, 0.7 ms this way)
        text = bind_laterally(text, bound)
        bindings: dict[str, BindingValue] = {}
    else:
        text, source = _load_query(query_or_file)
        bindings = {name: _param_value(value)  # type: ignore[arg-type]
                    for name, value in (params or {}).items()}

    def compute() -> QueryResult:
        if named is not None and summary:
            from kg.summary import answer

            found = answer(store, named, bound)
            if found is not None:
                return found
        return _collect(store.query(text, bindings=bindings or None))

    try:
        if cache:
            from kg.result_cache import cached_result

            return cached_result(store, text, bindings or None, compute)
        return compute()
    except QueryError as err:
        if source is not None:
            raise QueryError(f"{source}: {err}") from err
        raise
    except (RuntimeError, ValueError) as err:
        where = f"{source}: " if source else ""
        raise QueryError(f"{where}the query failed while running: {err}; check the query") from err


def _collect(raw: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> QueryResult:
    try:
        if isinstance(raw, ox.QueryBoolean):
            return QueryResult(kind="ask", boolean=bool(raw))
        if isinstance(raw, ox.QuerySolutions):
            variables = list(raw.variables)
            # each distinct term converted once (a store-wide answer repeats
            # organizations, labels and dates thousands of times)
            shared: dict[ox.NamedNode | ox.BlankNode | ox.Literal, Node | None] = {}

            def term(value: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> Node | None:
                if value is None:
                    return None
                found = shared.get(value)
                if found is None:
                    found = shared[value] = from_ox_term(value)
                return found

            terms = [tuple(term(solution[variable]) for variable in variables)
                     for solution in raw]
            return QueryResult(columns=[variable.value for variable in variables],
                               rows=plain_rows(terms), kind="select", terms=terms)
        triples = list(raw)
    except OSError as err:
        raise StoreError(f"cannot read the store: {err}; rebuild it") from err
    turtle = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=dict(PREFIXES))
    terms = [(from_ox_term(t.subject), from_ox_term(t.predicate), from_ox_term(t.object))
             for t in triples]
    return QueryResult(columns=list(_TRIPLE_COLUMNS),
                       rows=plain_rows(terms), kind="construct", triples=(turtle or b"").decode("utf-8"), terms=terms)


# --------------------------------------------------------------------------- formats

def _short(term: Node | None) -> str:
    """A cell for the table: prefixed partyrel IRIs, one line."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        iri = str(term)
        for prefix, namespace in _SHORT_PREFIXES:
            if iri.startswith(namespace) and len(iri) > len(namespace):
                return prefix + iri[len(namespace):]
        return iri
    text = plain_cell(term) or ""
    return " ".join(text.split()) if any(c in text for c in "\n\r\t") else text


def _table(result: QueryResult) -> str:
    if result.kind == "ask":
        return "true" if result.boolean else "false"
    if result.kind == "construct":
        count = len(result.rows)
        body = (result.triples or "").rstrip("\n")
        footer = f"({count} triple{'' if count == 1 else 's'})"
        return f"{body}\n{footer}" if body else footer
    cells = [[_short(term) for term in row] for row in _terms_or_rows(result)]
    widths = [len(name) for name in result.columns]
    for row in cells:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], len(cell))
    def line(values: list[str]) -> str:
        padded = (value.ljust(width) for value, width in zip(values, widths, strict=True))
        return "  ".join(padded).rstrip()

    lines = [line(result.columns), line(["-" * width for width in widths])]
    lines += [line(row) for row in cells]
    count = len(cells)
    lines.append(f"({count} row{'' if count == 1 else 's'})")
    return "\n".join(lines)


def _terms_or_rows(result: QueryResult) -> list[tuple[Node | None, ...]]:
    """The rdflib terms; rebuilt from the strings if a caller made the result by hand."""
    if len(result.terms) == len(result.rows):
        return result.terms
    rebuilt: list[tuple[Node | None, ...]] = []
    for row in result.rows:
        rebuilt.append(tuple(None if cell is None else Literal(cell) for cell in row))
    return rebuilt


def _csv(result: QueryResult) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if result.kind == "ask":
        writer.writerow(["boolean"])
        writer.writerow(["true" if result.boolean else "false"])
    else:
        writer.writerow(result.columns)
        for row in result.rows:
            writer.writerow(["" if cell is None else cell for cell in row])
    return buffer.getvalue()


def _json_term(term: Node) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    if isinstance(term, Literal):
        cell = {"type": "literal", "value": str(term)}
        if term.language:
            cell["xml:lang"] = term.language
        elif term.datatype is not None:
            cell["datatype"] = str(term.datatype)
        return cell
    return {"type": "literal", "value": str(term)}


def _json(result: QueryResult) -> str:
    document: dict[str, object]
    if result.kind == "ask":
        document = {"head": {}, "boolean": bool(result.boolean)}
    else:
        bindings = [{name: _json_term(term) for name, term in zip(result.columns, row, strict=True)
                     if term is not None}
                    for row in _terms_or_rows(result)]
        document = {"head": {"vars": list(result.columns)}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False, indent=2)


def format_result(result: QueryResult, fmt: Format = "table") -> str:
    """Render a result as ``table`` (aligned columns, ``id:``/``pr:`` IRIs
    shortened, "(N rows)" last), ``csv`` (full IRIs, header row) or ``json``
    (SPARQL 1.1 Query Results JSON). ASK gives true/false; CONSTRUCT gives
    Turtle as its table and subject/predicate/object rows in csv and json.

    Example:
        >>> format_result(QueryResult(columns=["n"], rows=[("3",)]), "csv").splitlines()
        ['n', '3']
    """
    if fmt == "table":
        return _table(result)
    if fmt == "csv":
        return _csv(result)
    if fmt == "json":
        return _json(result)
    raise QueryError(f"unknown output format {fmt!r}; use table, csv or json")


def _python_value(term: Node | None) -> object:
    if term is None:
        return None
    if isinstance(term, Literal):
        if term.language or term.datatype is None:
            return str(term)
        value = term.toPython()
        return str(term) if isinstance(value, Literal) else value
    return plain_cell(term)


def to_dataframe(result: QueryResult) -> pandas.DataFrame:
    """The result as a pandas DataFrame: IRIs as strings, typed literals as
    python values (xsd:integer -> int, xsd:date -> date), unbound as None.
    An integer column with unbound cells is pandas' nullable ``Int64`` (2022
    stays 2022, not 2022.0). An ASK result gives one column ``boolean``.

    Example:
        >>> frame = to_dataframe(QueryResult(columns=["n"], rows=[("3",)]))
        >>> list(frame.columns), len(frame)
        (['n'], 1)
        >>> from rdflib import XSD
        >>> year = Literal("2022", datatype=XSD.integer)
        >>> frame = to_dataframe(QueryResult(columns=["year"], rows=[("2022",), (None,)],
        ...                                  terms=[(year,), (None,)]))
        >>> str(frame.year.dtype), frame.year.tolist()
        ('Int64', [2022, <NA>])
    """
    try:
        import pandas as pd
    except ImportError as err:  # pragma: no cover - pandas is a dependency
        raise QueryError("to_dataframe needs pandas; install it with `pip install pandas`") from err
    if result.kind == "ask":
        return pd.DataFrame({"boolean": [bool(result.boolean)]})
    records = [[_python_value(term) for term in row] for row in _terms_or_rows(result)]
    if not records:
        return pd.DataFrame(columns=list(result.columns))
    frame = pd.DataFrame(records, columns=list(result.columns))
    for index, name in enumerate(result.columns):
        values = [row[index] for row in records]
        present = [value for value in values if value is not None]
        if present and len(present) < len(values) and all(
                isinstance(value, int) and not isinstance(value, bool) for value in present):
            frame[name] = pd.array(values, dtype="Int64")
    return frame
