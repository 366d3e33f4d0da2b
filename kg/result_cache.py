"""Query result cache: the answer of a query kept with the store's content
stamp, so asking again costs a file read instead of a run over the whole store.

A result is keyed by the store's :meth:`~kg.store.GraphStore.content_stamp`
(which changes on any write to the instance data, by any program), the query
text and its bindings (as RDF terms), and this module's format version. The
same key always means the same store content and the same question, so a
cached answer is exactly the answer the query would give. Results live:

* in the store object's :meth:`~kg.store.GraphStore.memo` (this process), and
* for a store on disk, in ``OUT/query-cache/`` as JSON (never pickle: a file
  there cannot run code), one file per result, written atomically; files of
  an older content stamp are deleted when a new result is written, and at
  most :data:`MAX_FILES` are kept. A cache that cannot be read or written (a
  read-only folder, a damaged file) is ignored: the query simply runs.

Example:
    >>> from rdflib import Literal, URIRef
    >>> from kg.query import QueryResult
    >>> from kg.store import GRAPH_BASE, GraphStore
    >>> runs = []
    >>> def compute() -> QueryResult:
    ...     runs.append(1)
    ...     return QueryResult(columns=["n"], rows=[("1",)], terms=[(Literal(1),)])
    >>> with GraphStore.memory() as store:
    ...     first = cached_result(store, "SELECT ...", None, compute)
    ...     again = cached_result(store, "SELECT ...", None, compute)
    ...     store.replace_graph(GRAPH_BASE + "r1", [], "h")
    ...     after_a_write = cached_result(store, "SELECT ...", None, compute)
    >>> len(runs), again.rows == first.rows
    (2, True)
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib.term import BNode, Literal, Node, URIRef

from kg.store import BindingValue, GraphStore, binding_key

if TYPE_CHECKING:
    from kg.query import QueryResult

__all__ = ["CACHE_DIR", "MAX_FILES", "cached_result", "decode_result", "encode_result"]

#: The folder under the output folder holding cached results.
CACHE_DIR = "query-cache"
#: At most this many result files are kept (the oldest go first).
MAX_FILES = 256
#: Results kept in a store object's memo.
_MAX_MEMO = 64
#: Changes whenever the encoding or the meaning of a QueryResult changes.
_FORMAT = "partyrel-results-1"


# --------------------------------------------------------------------------- encoding

def _encode_term(term: Node) -> list[str]:
    if isinstance(term, URIRef):
        return ["u", str(term)]
    if isinstance(term, BNode):
        return ["b", str(term)]
    if isinstance(term, Literal):
        if term.language:
            return ["l", str(term), term.language]
        if term.datatype is not None:
            return ["t", str(term), str(term.datatype)]
        return ["s", str(term)]
    raise TypeError(f"cannot cache {term!r}")


def _decode_term(cell: list[str]) -> Node:
    tag = cell[0]
    if tag == "u":
        return URIRef(cell[1])
    if tag == "b":
        return BNode(cell[1])
    if tag == "l":
        return Literal(cell[1], lang=cell[2])
    if tag == "t":
        return Literal(cell[1], datatype=URIRef(cell[2]))
    if tag == "s":
        return Literal(cell[1])
    raise ValueError(f"unknown term tag {tag!r}")


def encode_result(result: QueryResult) -> dict[str, Any]:
    """A QueryResult as plain JSON data: every distinct term once, rows as
    indexes into that table (-1: unbound), plain cells too.

    Example:
        >>> from kg.query import QueryResult
        >>> data = encode_result(QueryResult(columns=["x"], rows=[("a",), ("a",)],
        ...                                  terms=[(Literal("a"),), (Literal("a"),)]))
        >>> data["table"], data["terms"]
        ([['s', 'a']], [[0], [0]])
    """
    index: dict[Node, int] = {}
    table: list[list[str]] = []

    def number(term: Node | None) -> int:
        if term is None:
            return -1
        found = index.get(term)
        if found is None:
            found = index[term] = len(table)
            table.append(_encode_term(term))
        return found

    has_terms = len(result.terms) == len(result.rows)
    return {"format": _FORMAT, "columns": list(result.columns), "kind": result.kind,
            "boolean": result.boolean, "triples": result.triples, "table": table,
            "terms": [[number(t) for t in row] for row in result.terms] if has_terms else None,
            "rows": None if has_terms else [list(row) for row in result.rows]}


def decode_result(data: Mapping[str, Any]) -> QueryResult:
    """The QueryResult that :func:`encode_result` encoded (equal rows and terms).

    Example:
        >>> from kg.query import QueryResult
        >>> original = QueryResult(columns=["x", "y"], rows=[("2022", None)],
        ...     terms=[(Literal("2022", datatype=URIRef("http://www.w3.org/2001/XMLSchema#integer")), None)])
        >>> again = decode_result(encode_result(original))
        >>> again == original, again.terms == original.terms
        (True, True)
    """
    from kg.query import QueryResult, plain_cell

    if data.get("format") != _FORMAT:
        raise ValueError("not a result of this partyrel version")
    table = [_decode_term(cell) for cell in data["table"]]
    plain = [plain_cell(term) for term in table]
    result = QueryResult(columns=list(data["columns"]), kind=data["kind"],
                         boolean=data["boolean"], triples=data["triples"])
    if data["terms"] is not None:
        result.terms = [tuple(None if i < 0 else table[i] for i in row) for row in data["terms"]]
        result.rows = [tuple(None if i < 0 else plain[i] for i in row) for row in data["terms"]]
    else:
        result.rows = [tuple(row) for row in data["rows"]]
    return result


def _copy(result: QueryResult) -> QueryResult:
    """A copy whose lists the caller may change without changing the cache."""
    from kg.query import QueryResult

    return QueryResult(columns=list(result.columns), rows=list(result.rows), kind=result.kind,
                       boolean=result.boolean, triples=result.triples, terms=list(result.terms))


# --------------------------------------------------------------------------- the cache

def _folder(store: GraphStore) -> Path | None:
    return None if store.location is None else store.location / CACHE_DIR


def _read(path: Path) -> QueryResult | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return decode_result(json.load(handle))
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None  # absent or damaged: run the query


def _write(folder: Path, path: Path, stamp: str, result: QueryResult) -> None:
    """Write one result atomically; drop files of other stamps and the oldest extra ones."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        folder.mkdir(exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(encode_result(result), handle, ensure_ascii=False, separators=(",", ":"))
        os.replace(tmp, path)
        entries = [entry for entry in os.scandir(folder) if entry.name.endswith(".json")]
        current = []
        for entry in entries:
            if entry.name.startswith(stamp):
                current.append(entry)
            else:
                os.unlink(entry.path)
        if len(current) > MAX_FILES:
            current.sort(key=lambda entry: entry.stat().st_mtime_ns)
            for entry in current[:len(current) - MAX_FILES]:
                os.unlink(entry.path)
    except (OSError, TypeError, ValueError):
        tmp.unlink(missing_ok=True)  # a cache that cannot be written is no cache


def cached_result(store: GraphStore, text: str, bindings: Mapping[str, BindingValue] | None,
                  compute: Callable[[], QueryResult]) -> QueryResult:
    """The result of the query ``text`` with ``bindings`` over ``store``: the
    cached one when the store's content is the same as when it was computed,
    else ``compute()`` (whose result is then kept). Errors are not cached.

    Example: see the module docstring.
    """
    stamp = store.content_stamp()[:16]
    key = hashlib.sha256("\0".join((_FORMAT, text, binding_key(bindings))).encode()).hexdigest()
    memo = store.memo()
    memo_key = f"result:{stamp}:{key}"
    found = memo.get(memo_key)
    if found is not None:
        return _copy(found)  # type: ignore[arg-type]
    folder = _folder(store)
    path = None if folder is None else folder / f"{stamp}-{key[:32]}.json"
    result = _read(path) if path is not None else None
    if result is None:
        result = compute()
        if folder is not None and path is not None:
            _write(folder, path, stamp, result)
    stale = [k for k in memo if k.startswith("result:") and not k.startswith(f"result:{stamp}:")]
    for old in stale:
        del memo[old]
    if sum(1 for k in memo if k.startswith("result:")) >= _MAX_MEMO:
        del memo[next(k for k in memo if k.startswith("result:"))]
    memo[memo_key] = result
    return _copy(result)
