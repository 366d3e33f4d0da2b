"""partyrel: a knowledge-graph builder for international party relations.

Readouts in, RDF under the partyrel ontology out, stored for SPARQL,
analysed with NetworkX and drawn as interactive maps.

The public API (imported on first use, so ``import kg`` stays fast):

- :func:`kg.build` (paths, out): build readouts into an output folder;
- :func:`kg.open` (out) -> :class:`kg.KnowledgeBase`: ``.query(name_or_sparql,
  **params)`` -> pandas DataFrame, ``.graph(kind, **filters)`` -> networkx
  graph, ``.map(**filters)`` -> a map that renders inline in Jupyter;
- :func:`kg.evaluate` (docs, gold): scores against gold annotations;
- :func:`kg.queries`: the named queries, as a DataFrame.

Example:
    >>> import kg
    >>> kg.__version__
    '0.1.0'
    >>> "engagements-by-year" in set(kg.queries().name)
    True
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["Evaluation", "KnowledgeBase", "MapView", "__version__", "build", "evaluate", "open",
           "queries"]

if TYPE_CHECKING:
    from kg.api import Evaluation, KnowledgeBase, MapView, build, evaluate, open

_LAZY = {"Evaluation": "kg.api", "KnowledgeBase": "kg.api", "MapView": "kg.api",
         "build": "kg.api", "evaluate": "kg.api", "open": "kg.api"}


def queries() -> Any:
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
