"""Binding parameters in the query text (kg.sparql_bind): the named queries,
portable and tuned, bound laterally or by VALUES, answer as pyoxigraph's
substitutions do, for every parameter; values are escaped terms; comments
and strings are left alone."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator

import pytest
from rdflib import URIRef
from tiny_world import ALAND, ALPHA, ANA, BETA, BO, BORDURIA, CLIMATE, CY, GAMMA, YOUTH, fill

from kg.errors import QueryError
from kg.named_queries import TUNED_FOLDER, bind_parameters, list_queries, queries_dir
from kg.sparql_bind import bind_by_values, bind_laterally
from kg.store import BindingValue, GraphStore

#: values to try for each parameter of the library: some match, some do not
VALUES: dict[str, list[BindingValue]] = {
    "org": [ALPHA, BETA, GAMMA, URIRef("https://w3id.org/partyrel/id/org/nobody")],
    "person": [ANA, BO, CY],
    "country": [ALAND, BORDURIA],
    "topic": [CLIMATE, YOUTH],
    "year": [2022, 2023, 1999],
    "since": [dt.date(2022, 3, 2), dt.date(2023, 1, 1)],
    "until": [dt.date(2022, 3, 1), dt.date(2023, 12, 31)],
    "type": ["Meeting", "Talks", "Nothing"],
    "name": ["ap", "Chen", "zzz"],
}


def _cases() -> list[tuple[str, dict[str, BindingValue]]]:
    """Each named query with each value of each parameter alone, and with the
    first values of all its parameters together."""
    cases = []
    for query in list_queries():
        names = [p.name for p in query.parameters]
        for name in names:
            cases += [(query.name, {name: value}) for value in VALUES[name]]
        if len(names) > 1:
            for combination in itertools.product(*(VALUES[name][:2] for name in names)):
                cases.append((query.name, dict(zip(names, combination, strict=True))))
    return cases


@pytest.fixture(scope="module")
def world() -> Iterator[GraphStore]:
    with GraphStore.memory() as store:
        yield fill(store)


def _rows(store: GraphStore, text: str, bindings: dict[str, BindingValue] | None = None
          ) -> list[tuple[str, ...]]:
    return sorted(tuple(str(cell) for cell in row) for row in store.query(text, bindings=bindings))


CASES = _cases()


def test_every_parameter_of_the_library_has_values_to_try() -> None:
    declared = {p.name for q in list_queries() for p in q.parameters}
    assert declared <= set(VALUES)


@pytest.mark.parametrize(("name", "params"), CASES,
                         ids=[f"{n}-{'-'.join(str(v).rsplit('/', 1)[-1] for v in p.values())}"
                              for n, p in CASES])
def test_a_named_query_bound_laterally_answers_as_substitutions_do(
        world: GraphStore, name: str, params: dict[str, BindingValue]) -> None:
    query = next(q for q in list_queries() if q.name == name)
    bindings = bind_parameters(world, query, params)
    substituted = _rows(world, query.text, bindings)
    assert _rows(world, bind_laterally(query.text, bindings)) == substituted
    assert _rows(world, bind_by_values(query.text, bindings)) == substituted
    assert _rows(world, bind_laterally(query.local_text, bindings)) == substituted


@pytest.mark.parametrize("name", [q.name for q in list_queries() if q.tuned is not None])
def test_a_tuned_query_answers_as_the_portable_one_without_parameters(world: GraphStore,
                                                                      name: str) -> None:
    query = next(q for q in list_queries() if q.name == name)
    assert _rows(world, query.local_text) == _rows(world, query.text) != []


def test_every_tuned_query_is_the_tuning_of_a_portable_one() -> None:
    tuned = {path.stem for path in (queries_dir() / TUNED_FOLDER).glob("*.rq")}
    assert tuned and tuned <= {q.name for q in list_queries() if q.tuned is not None}


def test_some_tried_values_match_rows_so_the_comparison_is_not_of_empty_answers(
        world: GraphStore) -> None:
    answered = {name for name, params in CASES
                if _rows(world, bind_laterally(next(q for q in list_queries() if q.name == name).text,
                                               params))}
    assert answered == {q.name for q in list_queries()}


@pytest.mark.parametrize(("text", "expected"), [
    # a brace in a comment, a string or an IRI is no group
    ('SELECT ?o WHERE { ?s ?p ?o # } not the end\n FILTER (?o != "}") }',
     'SELECT ?o WHERE { VALUES (?o) { ("x") } LATERAL { ?s ?p ?o # } not the end\n'
     ' FILTER (?o != "}") } }'),
    # a WHERE in a comment is not the group
    ("# WHERE { in a comment\nSELECT ?o WHERE { ?s ?p ?o }",
     '# WHERE { in a comment\nSELECT ?o WHERE { VALUES (?o) { ("x") } LATERAL { ?s ?p ?o } }'),
    # only the outer group: a sub-select is reached by the lateral join
    ("SELECT ?o WHERE { { SELECT ?o WHERE { ?s ?p ?o } } } ORDER BY ?o",
     'SELECT ?o WHERE { VALUES (?o) { ("x") } LATERAL { { SELECT ?o WHERE { ?s ?p ?o } } } } '
     "ORDER BY ?o"),
    # a BIND computing the bound variable keeps the rows that agree
    ("SELECT ?o WHERE { BIND (STR(?s) AS ?o) }",
     'SELECT ?o WHERE { VALUES (?o) { ("x") } LATERAL { BIND (STR(?s) AS ?o__computed) '
     'FILTER (!BOUND(?o__computed) || ?o__computed = ?o) } }'),
])
def test_the_values_open_the_where_group_outside_comments_and_strings(text: str,
                                                                      expected: str) -> None:
    assert bind_laterally(text, {"o": "x"}) == expected


@pytest.mark.parametrize("hostile", ['x" } } DROP ALL #', "x' } #", '\\" }', "x\n}"])
@pytest.mark.parametrize("bind", [bind_laterally, bind_by_values])
def test_a_hostile_value_stays_one_escaped_literal(world: GraphStore, hostile: str, bind) -> None:
    assert _rows(world, bind("SELECT ?o WHERE { ?s ?p ?o }", {"o": hostile})) == []
    echoed = world.query(bind("SELECT ?o WHERE { }", {"o": hostile}))
    assert [solution["o"].value for solution in echoed] == [hostile]


@pytest.mark.parametrize(("text", "message"), [
    ("ASK { ?s ?p ?o }", "no WHERE"),
    ("SELECT ?o WHERE { ?s ?p ?o", "not closed"),
])
def test_a_query_that_cannot_be_bound_in_text_is_refused(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        bind_laterally(text, {"o": "x"})
