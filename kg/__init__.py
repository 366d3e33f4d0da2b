"""partyrel: a knowledge-graph builder for international party relations.

Readouts in, RDF under the partyrel ontology out, stored for SPARQL,
analysed with NetworkX and drawn as interactive maps.

Example:
    >>> import kg
    >>> kg.__version__
    '0.1.0'
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
