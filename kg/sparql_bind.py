"""Binding query parameters in the text of a SPARQL query.

A value is always bound as an RDF term rendered (and escaped) by pyoxigraph,
never pasted as given: a hostile string stays one literal.

Two ways, for two engines:

- :func:`bind_laterally` (the embedded store, for the named queries): the
  values open the query's WHERE group as a ``VALUES`` row, and the rest of
  the group is joined to it ``LATERAL``, so pyoxigraph's optimizer plans the
  group with the values known and starts from them. pyoxigraph's own
  ``substitutions`` are applied after planning: on a store of 100,000
  readouts, the career of one person took 2.3 s that way and 0.7 ms this way.
- :func:`bind_by_values` (remote servers, which may not know ``LATERAL``):
  the ``VALUES`` row opens every WHERE group, sub-selects included.

Both rewrite a ``BIND (expr AS ?v)`` that computes a bound variable: the
expression is computed into ``?v__computed``, and only rows where it agrees
with the given value (or fails) are kept, which is what a substitution does.

Example:
    >>> print(bind_laterally("SELECT ?x ?y WHERE { ?x <http://e.org/p> ?y }", {"y": 2}))
    SELECT ?x ?y WHERE { VALUES (?y) { ("2"^^<http://www.w3.org/2001/XMLSchema#integer>) } LATERAL { ?x <http://e.org/p> ?y } }
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from kg.errors import QueryError
from kg.store import BindingValue, _binding_term

__all__ = ["bind_by_values", "bind_laterally", "term_text"]

_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
# what may hold a brace that is no group: a comment, a string, an IRI
_SKIP = re.compile(r"#[^\n]*|\"\"\"(?:[^\\]|\\.)*?\"\"\"|'''(?:[^\\]|\\.)*?'''"
                   r"|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|<[^\s<>\"{}|^`\\]*>", re.DOTALL)


def term_text(name: str, value: BindingValue) -> str:
    """A parameter value as SPARQL term text, rendered and escaped by pyoxigraph.

    Example:
        >>> term_text("type", 'Meeting" } #')
        '"Meeting\\\\" } #"'
    """
    return str(_binding_term(name, value))  # the store's own conversion, rdflib terms included


def _computed_binds(text: str, names: list[str]) -> str:
    """Rewrite each ``BIND (expr AS ?name)`` of a bound ``name`` to keep the rows that agree."""
    for name in names:
        pattern = re.compile(r"BIND\s*\((?P<expr>.+?)\s+AS\s+\?" + re.escape(name) + r"\s*\)",
                             re.IGNORECASE)
        computed = f"?{name}__computed"
        keep = f"FILTER (!BOUND({computed}) || {computed} = ?{name})"
        text = pattern.sub(lambda m: f"BIND ({m.group('expr')} AS {computed}) {keep}", text)
    return text


def _values_row(bindings: Mapping[str, BindingValue]) -> str:
    names = " ".join(f"?{name}" for name in bindings)
    values = " ".join(term_text(name, value) for name, value in bindings.items())
    return f"VALUES ({names}) {{ ({values}) }}"


def _group_end(text: str, opened: int) -> int:
    """The index of the ``}`` closing the group whose ``{`` is at ``opened``."""
    depth, at = 0, opened
    while at < len(text):
        skipped = _SKIP.match(text, at)
        if skipped is not None and skipped.end() > at:
            at = skipped.end()
            continue
        if text[at] == "{":
            depth += 1
        elif text[at] == "}":
            depth -= 1
            if depth == 0:
                return at
        at += 1
    raise QueryError("cannot bind parameters: the query's WHERE group is not closed")


def _wheres(text: str) -> list[re.Match[str]]:
    """Each ``WHERE {`` of the query, not those in a comment or a string."""
    skipped = [(m.start(), m.end()) for m in _SKIP.finditer(text)]
    return [m for m in _WHERE.finditer(text)
            if not any(start <= m.start() < end for start, end in skipped)]


def bind_laterally(text: str, bindings: Mapping[str, BindingValue]) -> str:
    """``text`` with ``bindings`` (variable name -> value) in a ``VALUES`` row
    joined ``LATERAL`` to its WHERE group (pyoxigraph).

    Raises QueryError for a query without a ``WHERE { ... }`` group or a value
    that cannot be bound.

    Example:
        >>> from rdflib import URIRef
        >>> print(bind_laterally("SELECT ?s WHERE { ?s ?p ?o }", {"s": URIRef("http://e.org/a")}))
        SELECT ?s WHERE { VALUES (?s) { (<http://e.org/a>) } LATERAL { ?s ?p ?o } }
    """
    if not bindings:
        return text
    text = _computed_binds(text, list(bindings))
    wheres = _wheres(text)
    if not wheres:
        raise QueryError("cannot bind parameters: the query has no WHERE { ... } group")
    opened = wheres[0].end() - 1
    closed = _group_end(text, opened)
    return (f"{text[:opened + 1]} {_values_row(bindings)} LATERAL {{"
            f"{text[opened + 1:closed]}}} {text[closed:]}")


def bind_by_values(text: str, bindings: Mapping[str, BindingValue]) -> str:
    """``text`` with ``bindings`` in a ``VALUES`` row opening every WHERE group
    (SPARQL 1.1, for any server).

    Raises QueryError for a query without a ``WHERE { ... }`` group.

    Example:
        >>> print(bind_by_values("SELECT ?s WHERE { ?s ?p ?o }", {"o": "x"}))
        SELECT ?s WHERE {
          VALUES (?o) { ("x") }
         ?s ?p ?o }
    """
    if not bindings:
        return text
    text = _computed_binds(text, list(bindings))
    wheres = _wheres(text)
    if not wheres:
        raise QueryError("cannot bind parameters for a remote endpoint: the query has no WHERE "
                         "{ ... } group; write the value into the query")
    block = _values_row(bindings)
    pieces, at = [], 0
    for where in wheres:
        pieces += [text[at:where.end()], "\n  " + block + "\n"]
        at = where.end()
    return "".join(pieces) + text[at:]
