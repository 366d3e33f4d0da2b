"""The exceptions partyrel raises: one small hierarchy, every message says what
failed and how to fix it.

Library code raises these; only the command line turns them into messages and
exit codes.

Example:
    >>> from kg.errors import InputError, PartyrelError
    >>> err = InputError("notes/a.txt", "the file is empty", "save the readout's text into it")
    >>> print(err)
    notes/a.txt: the file is empty (save the readout's text into it)
    >>> isinstance(err, PartyrelError)
    True
"""

from __future__ import annotations


class PartyrelError(Exception):
    """Base class of every error partyrel raises on purpose."""


class InputError(PartyrelError):
    """A readout (file, record or stream) could not be read.

    Carries the source name and the reason separately so that batch builds can
    report each bad input and carry on with the rest.
    """

    def __init__(self, source: str, reason: str, hint: str = "") -> None:
        self.source = source
        self.reason = reason
        self.hint = hint
        message = f"{source}: {reason}"
        if hint:
            message += f" ({hint})"
        super().__init__(message)


class OntologyError(PartyrelError):
    """An ontology or vocabulary data file is missing or malformed."""


class StoreError(PartyrelError):
    """The embedded store cannot be opened, locked, read or written."""


class QueryError(PartyrelError):
    """A SPARQL query is malformed, missing, or its parameters are wrong."""


class GoldError(PartyrelError, ValueError):
    """A gold annotation file for `kg eval` is malformed (also a ValueError)."""
