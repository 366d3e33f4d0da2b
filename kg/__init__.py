"""partyrel: a knowledge-graph builder for international party relations.

Readouts in, RDF under the partyrel ontology out, stored for SPARQL,
analysed with NetworkX and drawn as interactive maps.

The public API (imported on first use, so ``import kg`` stays fast):

- :func:`kg.build` (paths, out): build readouts into an output folder;
- :func:`kg.open` (out) -> :class:`kg.KnowledgeBase`: ``.query(name_or_sparql,
  **params)`` -> pandas DataFrame, ``.graph(kind, **filters)`` -> networkx
  graph, ``.map(**filters)`` -> a map that renders inline in Jupyter;
- :func:`kg.score` (docs, gold) -> :class:`kg.Evaluation`: ``kg eval``'s scores
  against gold annotations, with the misses and extras as DataFrames;
- :func:`kg.list_queries`: the named queries, as a DataFrame;
- ``kg.PartyrelError`` (every error partyrel raises on purpose), ``kg.QueryError``,
  ``kg.StoreError``.

The names are chosen not to clash with kg's modules (``kg.evaluate``,
``kg.named_queries``, ``kg.queries/``): importing a module sets the package
attribute of its name.

Example:
    >>> import kg
    >>> kg.__version__
    '0.1.0'
    >>> "engagements-by-year" in set(kg.list_queries().name)
    True
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["Evaluation", "KnowledgeBase", "MapView", "PartyrelError", "QueryError", "StoreError",
           "__version__", "build", "list_queries", "open", "score"]

if TYPE_CHECKING:
    from kg.api import Evaluation, KnowledgeBase, MapView, build, open, score
    from kg.errors import PartyrelError, QueryError, StoreError

_LAZY = {"Evaluation": "kg.api", "KnowledgeBase": "kg.api", "MapView": "kg.api",
         "build": "kg.api", "open": "kg.api", "score": "kg.api",
         "PartyrelError": "kg.errors", "QueryError": "kg.errors", "StoreError": "kg.errors"}


def list_queries() -> Any:
    """The named queries (name, title, parameters, description) as a pandas DataFrame."""
    from kg.api import KnowledgeBase as _KnowledgeBase

    return _KnowledgeBase.queries()


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'kg' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
