"""Where the ontology and vocabulary files live.

In a source checkout they are the top-level ``ontology/`` folder; in an
installed wheel they are packaged as ``kg/_ontology``.

Example:
    >>> (ontology_dir() / "partyrel.ttl").is_file()
    True
"""

from __future__ import annotations

from pathlib import Path

from kg.errors import OntologyError


def ontology_dir() -> Path:
    """Return the folder holding ``partyrel.ttl``, ``topics.ttl`` and ``vocab/``."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_ontology", here.parent / "ontology"):
        if (candidate / "partyrel.ttl").is_file():
            return candidate
    raise OntologyError(
        f"cannot find the partyrel ontology next to {here}: expected {here.parent / 'ontology'} "
        "(source checkout) or kg/_ontology (installed wheel); reinstall partyrel"
    )
