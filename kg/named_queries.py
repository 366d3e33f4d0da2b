"""Named queries: the library of documented SPARQL queries in ``kg/queries/``.

Each ``kg/queries/NAME.rq`` file is one analyst question, run by name
(``kg query NAME --store OUT``, ``kb.query("NAME")``). Its comment header
says what it answers, which parameters it takes and how to call it::

    # Counterparts by year: the other sides of an organization's engagements,
    # per year.
    #
    # Parameters:
    #   org (iri): the organization, an IRI or a name
    #   year (integer): only this year, e.g. 2025
    #
    # Example:
    #   kg query counterparts-by-year --param org="Communist Party of China" --store out

The first line is ``Title: summary``; a parameter is ``name (kind): text``
(indented, continued on more indented lines); kinds are ``iri``,
``integer``, ``date`` and ``string``; ``# Parameters: none.`` says there are
none.

Every parameter is optional and binds the query variable of the same name
as an RDF term (rendered and escaped by pyoxigraph, never the raw value
pasted into the text; see :mod:`kg.sparql_bind`): a value given narrows the
answer, no value leaves the question open (all organizations, all years).
The embedded store gets the values in a ``VALUES`` row joined ``LATERAL``
to the query, so its planner starts from them; a query may also have a
text tuned for pyoxigraph in ``kg/queries/pyoxigraph/`` (see
:class:`NamedQuery`).
Values are converted by kind, so ``--param year=2022`` and ``year=2022`` from
Python both bind ``"2022"^^xsd:integer``; an ``iri`` parameter takes an IRI
(``<https://...>``, ``https://...``, ``id:org/...``) or the name of an
entity in the store (its label or any alias, ignoring case), which is looked
up first.

Writing a parameterized query for pyoxigraph (checked by the tests):

- a parameter is bound only if the query returns its variable, so every
  parameter is a column of the result (in its SELECT clause, and in GROUP BY
  when the query aggregates), echoing the value given;
- a parameter restricts the rows where its variable is used in a pattern,
  a ``BIND`` or a comparison; ``BOUND(?param)`` is not reliable (the query
  optimizer decides it before the value is bound): test for a missing value
  with ``COALESCE(STR(?param), "") = ""``;
- a ``BIND (... AS ?param)`` whose expression fails keeps the bound value, so
  guard it (``FILTER (BOUND(?date) || !BOUND(?year))`` after
  ``BIND (YEAR(?date) AS ?year)``);
- ``MIN``/``MAX`` over a group with an unbound value give no value: take
  first/last dates from a sub-select over dated engagements only.

Example:
    >>> query = get_query("engagements-by-year")
    >>> query.title, [p.name for p in query.parameters]
    ('Engagements by year and type', ['year', 'type'])
    >>> [q.name for q in list_queries()][:3]
    ['calls-in-period', 'career-timeline', 'counterparts-by-year']
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from rdflib.term import Literal as RdfLiteral
from rdflib.term import URIRef

from kg.errors import QueryError
from kg.store import PREFIXES, BindingValue, GraphStore

if TYPE_CHECKING:
    from kg.query import QueryResult

__all__ = [
    "PARAMETER_KINDS",
    "NamedQuery",
    "Parameter",
    "bind_parameters",
    "catalog_text",
    "get_query",
    "is_query_name",
    "list_queries",
    "parse_query",
    "queries_dir",
    "resolve_entity",
    "run_named",
]

ParameterKind = Literal["iri", "integer", "date", "string"]
#: The kinds a parameter may be declared with, and what each binds.
PARAMETER_KINDS: Mapping[str, str] = {
    "iri": "an IRI (<https://...>, https://..., id:org/...) or an entity's name",
    "integer": "an integer (bound as xsd:integer)",
    "date": "a date YYYY-MM-DD (bound as xsd:date)",
    "string": "a text (bound as a plain literal)",
}

#: The folder of ``kg/queries`` holding the library's queries tuned for pyoxigraph.
TUNED_FOLDER = "pyoxigraph"

_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
_PARAMETER_LINE = re.compile(r"^\s{2,}([A-Za-z_][A-Za-z0-9_]*)\s+\((\w+)\):\s*(.*)$")
_TITLE_LINE = re.compile(r"^([^:]+):\s*(.*)$")
_ABSOLUTE_IRI = re.compile(r"^(https?|urn|file):\S+$", re.IGNORECASE)
_PREFIXED_NAME = re.compile(r"^([A-Za-z][\w-]*):(\S+)$")


@dataclass(frozen=True)
class Parameter:
    """One declared parameter of a named query.

    Example:
        >>> Parameter("year", "integer", "only this year").kind
        'integer'
    """

    name: str
    kind: ParameterKind
    description: str


@dataclass(frozen=True)
class NamedQuery:
    """A query of the library, parsed from its file.

    ``text`` is portable SPARQL 1.1 (what ``kg query --show`` prints and a
    remote server runs). ``tuned`` is the same question written for the
    embedded store's planner (``kg/queries/pyoxigraph/NAME.rq``: ``LATERAL``
    joins that start from a given parameter), when the library has one; the
    tests check that both give the same rows for every parameter.

    Example:
        >>> query = get_query("presides")
        >>> query.parameter("org").kind, query.path.name
        ('iri', 'presides.rq')
    """

    name: str
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    example: str
    text: str
    path: Path
    tuned: str | None = None

    @property
    def local_text(self) -> str:
        """The text the embedded store runs: ``tuned`` if there is one, else ``text``."""
        return self.tuned if self.tuned is not None else self.text

    def parameter(self, name: str) -> Parameter:
        """The parameter called ``name`` (a leading ``?`` or ``$`` is ignored).

        Raises QueryError naming the parameters the query has.
        """
        bare = name[1:] if name[:1] in ("?", "$") else name
        for parameter in self.parameters:
            if parameter.name == bare:
                return parameter
        known = ", ".join(p.name for p in self.parameters) or "none"
        raise QueryError(f"the named query {self.name} has no parameter {bare!r}; its parameters "
                         f"are: {known} (`kg query --show {self.name}` documents them)")

    @property
    def summary(self) -> str:
        """The title and the description's first sentence, on one line."""
        first = self.description.split(". ")[0].rstrip(".")
        return f"{self.title}: {first}" if first else self.title


# --------------------------------------------------------------------------- the library

def queries_dir() -> Path:
    """The folder holding the named queries (``kg/queries``, shipped in the wheel).

    Example:
        >>> (queries_dir() / "presides.rq").is_file()
        True
    """
    return Path(__file__).resolve().parent / "queries"


def parse_query(text: str, name: str, path: Path | None = None) -> NamedQuery:
    """Parse a named query's header (see the module docstring).

    Raises QueryError when the header lacks its title, its Parameters section
    or its Example, or declares a parameter of an unknown kind.

    Example:
        >>> q = parse_query('''# Things: every thing.
        ... #
        ... # Parameters:
        ... #   kind (string): only things of
        ... #     this kind
        ... #
        ... # Example:
        ... #   kg query things --store out
        ... SELECT ?kind ?thing WHERE { ?thing a ?kind }''', "things")
        >>> q.title, q.description, q.parameters[0].description, q.example
        ('Things', 'every thing.', 'only things of this kind', 'kg query things --store out')
    """
    where = str(path) if path is not None else name
    header: list[str] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        header.append(line[1:])
    if not header:
        raise QueryError(f"{where}: the named query has no comment header; start it with "
                         "'# Title: what it answers' (see kg/named_queries.py)")
    title_match = _TITLE_LINE.match(header[0].strip())
    if not title_match:
        raise QueryError(f"{where}: the first line must read '# Title: what it answers', got "
                         f"{header[0].strip()!r}")
    title = title_match.group(1).strip()
    description_lines = [title_match.group(2).strip()]
    section = "description"
    parameters: list[list[str]] = []
    example_lines: list[str] = []
    saw_parameters = False
    for raw in header[1:]:
        stripped = raw.strip()
        if stripped.lower().startswith("parameters:"):
            section, saw_parameters = "parameters", True
            rest = stripped[len("parameters:"):].strip().rstrip(".").lower()
            if rest and rest != "none":
                raise QueryError(f"{where}: write 'Parameters: none.' or list them on the "
                                 f"following lines, got {stripped!r}")
            continue
        if stripped.lower().startswith("example:"):
            section = "example"
            continue
        if section == "description":
            if stripped:
                description_lines.append(stripped)
        elif section == "parameters":
            found = _PARAMETER_LINE.match(raw)
            if found:
                parameters.append([found.group(1), found.group(2), found.group(3).strip()])
            elif stripped and parameters and raw.startswith("   "):
                parameters[-1][2] = f"{parameters[-1][2]} {stripped}".strip()
            elif stripped and not (stripped.startswith("(") and stripped.endswith(")")):
                raise QueryError(f"{where}: cannot read the parameter line {stripped!r}; write "
                                 "'#   name (kind): what it does'")
        elif section == "example" and stripped:
            example_lines.append(stripped)
    if not saw_parameters:
        raise QueryError(f"{where}: the header has no 'Parameters:' section (write "
                         "'# Parameters: none.' when there are none)")
    if not example_lines:
        raise QueryError(f"{where}: the header has no 'Example:' section with a command line")
    declared: list[Parameter] = []
    for pname, kind, description in parameters:
        if kind not in PARAMETER_KINDS:
            raise QueryError(f"{where}: parameter {pname} has the unknown kind {kind!r}; use one "
                             f"of {', '.join(PARAMETER_KINDS)}")
        declared.append(Parameter(pname, kind, description))  # type: ignore[arg-type]
    return NamedQuery(name=name, title=title, description=" ".join(description_lines).strip(),
                      parameters=tuple(declared), example="\n".join(example_lines), text=text,
                      path=path if path is not None else Path(f"{name}.rq"))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise QueryError(f"cannot read the named query {path}: {err}; reinstall partyrel") from err


@lru_cache(maxsize=1)
def _library(folder: Path) -> tuple[NamedQuery, ...]:
    queries = []
    for path in sorted(folder.glob("*.rq")):
        query = parse_query(_read(path), path.stem, path)
        tuned = folder / TUNED_FOLDER / path.name
        if tuned.is_file():
            query = replace(query, tuned=_read(tuned))
        queries.append(query)
    return tuple(queries)


def list_queries() -> list[NamedQuery]:
    """Every named query, sorted by name.

    Example:
        >>> len(list_queries()) >= 10
        True
    """
    return list(_library(queries_dir()))


def is_query_name(text: str) -> bool:
    """Whether ``text`` has the shape of a query name (lowercase words joined by ``-``).

    Example:
        >>> is_query_name("presides"), is_query_name("SELECT * WHERE { ?s ?p ?o }")
        (True, False)
    """
    return bool(_NAME.fullmatch(text.strip()))


def get_query(name: str) -> NamedQuery:
    """The named query called ``name``.

    Raises QueryError suggesting close names when there is none.

    Example:
        >>> get_query("presides").title
        'Who presides what'
        >>> get_query("preside")
        Traceback (most recent call last):
        ...
        kg.errors.QueryError: no named query 'preside'; did you mean presides? (`kg query --list` lists them)
    """
    wanted = name.strip()
    library = {query.name: query for query in list_queries()}
    if wanted in library:
        return library[wanted]
    close = difflib.get_close_matches(wanted, sorted(library), n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    raise QueryError(f"no named query {wanted!r}{hint} (`kg query --list` lists them)")


def catalog_text() -> str:
    """The library as an aligned listing: name, parameters, title (``kg query --list``).

    Example:
        >>> print(catalog_text().splitlines()[0])
        name                      parameters    answers
    """
    queries = list_queries()
    rows = [(q.name, ", ".join(p.name for p in q.parameters) or "-", q.title) for q in queries]
    header = ("name", "parameters", "answers")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(2)]
    lines = [f"{header[0]:<{widths[0]}}  {header[1]:<{widths[1]}}  {header[2]}"]
    lines += [f"{n:<{widths[0]}}  {p:<{widths[1]}}  {t}" for n, p, t in rows]
    lines.append(f"({len(rows)} named queries; `kg query NAME --store OUT [--param NAME=VALUE]` "
                 "runs one, `kg query --show NAME` prints it)")
    return "\n".join(lines)


# --------------------------------------------------------------------------- parameters

_ENTITY_LOOKUP = """
PREFIX pr: <https://w3id.org/partyrel/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?name ?entity ?preferred WHERE {
  { ?entity rdfs:label ?form . BIND (true AS ?preferred) }
  UNION { ?entity skos:prefLabel ?form . BIND (true AS ?preferred) }
  UNION { ?entity skos:altLabel ?form . BIND (false AS ?preferred) }
  FILTER (LCASE(STR(?form)) = LCASE(STR(?name)))
  FILTER NOT EXISTS { ?entity a pr:Readout }
}
"""


def _short(iri: str) -> str:
    for prefix, namespace in (("id:", PREFIXES["id"]), ("pr:", PREFIXES["pr"])):
        if iri.startswith(namespace):
            return prefix + iri[len(namespace):]
    return iri


def resolve_entity(store: GraphStore, name: str) -> URIRef:
    """The IRI of the entity whose label (or, failing that, alias) is ``name``,
    ignoring case and surrounding spaces.

    Raises QueryError when no entity or several entities have that name.

    Example:
        >>> from rdflib import Literal, URIRef
        >>> from kg.store import GRAPH_BASE
        >>> party = URIRef("https://w3id.org/partyrel/id/org/zeta-workers-party")
        >>> label = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
        >>> with GraphStore.memory() as store:
        ...     store.replace_graph(GRAPH_BASE + "r1", [(party, label, Literal("Zeta Workers Party"))], "h")
        ...     resolve_entity(store, "zeta workers party ")
        rdflib.term.URIRef('https://w3id.org/partyrel/id/org/zeta-workers-party')
    """
    from kg.query import QueryResult, plain_cell
    from kg.result_cache import cached_result

    wanted = " ".join(name.split())

    def lookup() -> QueryResult:
        columns, found = store.select_rows(_ENTITY_LOOKUP, {"name": wanted})
        return QueryResult(columns=columns, terms=[tuple(row) for row in found],
                           rows=[tuple(plain_cell(cell) for cell in row) for row in found])

    # cached on a store (a server answering for one is asked every time)
    rows = (cached_result(store, _ENTITY_LOOKUP, {"name": wanted}, lookup).terms
            if isinstance(store, GraphStore) else lookup().terms)
    preferred = sorted({str(row[1]) for row in rows if str(row[2]) == "true"})
    other = sorted({str(row[1]) for row in rows})
    found = preferred or other
    if len(found) == 1:
        return URIRef(found[0])
    if not found:
        raise QueryError(f"no entity is called {wanted!r} in this store; pass its IRI (<https://"
                         f"...> or id:org/...) or find it with `kg query entities --param "
                         f"name={wanted.split()[0] if wanted else 'NAME'}`")
    raise QueryError(f"{wanted!r} names {len(found)} entities: "
                     f"{', '.join(_short(iri) for iri in found)}; pass the IRI of the one you mean")


def _as_iri(store: GraphStore, value: object) -> URIRef:
    if isinstance(value, URIRef):
        return value
    if not isinstance(value, str):
        raise TypeError("an IRI or a name")
    text = value.strip()
    if len(text) > 2 and text.startswith("<") and text.endswith(">"):
        return URIRef(text[1:-1])
    if _ABSOLUTE_IRI.match(text):
        return URIRef(text)
    prefixed = _PREFIXED_NAME.match(text)
    if prefixed and prefixed.group(1) in PREFIXES:
        return URIRef(PREFIXES[prefixed.group(1)] + prefixed.group(2))
    return resolve_entity(store, text)


def _as_integer(value: object) -> int:
    if isinstance(value, bool):
        raise TypeError("an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return int(value.strip())
    raise TypeError("an integer")


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value.strip())
    raise TypeError("a date")


def _as_string(value: object) -> str:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, RdfLiteral):
        return str(value)
    raise TypeError("a string")


_EXAMPLES: Mapping[str, str] = {"iri": "id:org/communist-party-of-china or a name",
                                "integer": "2022", "date": "2022-01-31", "string": "Meeting"}


def bind_parameters(store: GraphStore, query: NamedQuery, params: Mapping[str, object]
                    ) -> dict[str, BindingValue]:
    """Convert the parameters given to a named query to the values to bind, by
    their declared kind; ``None`` leaves a parameter unbound.

    Raises QueryError for an undeclared parameter or a value of the wrong shape.

    Example:
        >>> with GraphStore.memory() as store:
        ...     bind_parameters(store, get_query("engagements-by-year"), {"year": "2022"})
        {'year': 2022}
    """
    bindings: dict[str, BindingValue] = {}
    for raw_name, value in params.items():
        parameter = query.parameter(raw_name)
        if value is None:
            continue
        try:
            if parameter.kind == "iri":
                bindings[parameter.name] = _as_iri(store, value)
            elif parameter.kind == "integer":
                bindings[parameter.name] = _as_integer(value)
            elif parameter.kind == "date":
                bindings[parameter.name] = _as_date(value)
            else:
                bindings[parameter.name] = _as_string(value)
        except (TypeError, ValueError) as err:
            raise QueryError(f"parameter {parameter.name} of {query.name} takes "
                             f"{PARAMETER_KINDS[parameter.kind]}, got {value!r}; e.g. "
                             f"{parameter.name}={_EXAMPLES[parameter.kind]}") from err
    return bindings


def run_named(store: GraphStore, name: str, params: Mapping[str, object] | None = None
              ) -> QueryResult:
    """Run the named query ``name`` with its parameters bound.

    Example:
        >>> with GraphStore.memory() as store:
        ...     run_named(store, "engagements-by-year", {"year": 2022}).rows
        []
    """
    from kg.query import run_query

    return run_query(store, get_query(name).name, params)
