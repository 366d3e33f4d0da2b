"""Validate: a built graph against the SHACL shapes of ``ontology/shapes.ttl``
(pySHACL) -> a :class:`ValidationReport` that reads well.

The data graph is the union of a store's readout graphs (what ``graph.ttl``
holds); the ontology (``ontology/partyrel.ttl``) is mixed in as pySHACL's
``ont_graph``, so ``sh:class`` checks follow ``rdfs:subClassOf`` (a
``pr:PoliticalParty`` is a ``pr:Organization``). No inference is run.

Only results of severity ``sh:Violation`` make a graph fail; warnings and
infos are listed but do not.

Example:
    >>> from rdflib import Graph, Literal, Namespace, RDF
    >>> PR, ID = Namespace("https://w3id.org/partyrel/ontology#"), Namespace("https://w3id.org/partyrel/id/")
    >>> g = Graph()
    >>> _ = g.add((ID["engagement/r1-1"], RDF.type, PR.Meeting))
    >>> report = validate_graph(g)
    >>> report.conforms, sorted(report.by_shape())
    (False, ['prsh:EngagementEvidence', 'prsh:EngagementInvolves', 'prsh:EngagementReportedIn'])
    >>> validate_graph(Graph()).conforms
    True
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import rdflib
from rdflib.namespace import RDF, SH
from rdflib.term import Literal, Node, URIRef

from kg.errors import OntologyError
from kg.resources import ontology_dir
from kg.store import PREFIXES, GraphStore

__all__ = ["ValidationReport", "Violation", "load_ontology", "load_shapes", "validate_graph",
           "validate_store"]

SHAPES_NS = "https://w3id.org/partyrel/shapes#"
_PREFIXES: dict[str, str] = {**PREFIXES, "prsh": SHAPES_NS, "sh": str(SH)}
_MAX_VALUE_CHARS = 60


@dataclass(frozen=True, slots=True)
class Violation:
    """One SHACL validation result, in prefixed names (``id:engagement/r1-1``).

    ``constraint`` is the SHACL constraint that failed, e.g. ``minCount``,
    ``datatype``, ``class``, ``xone``; ``path`` and ``value`` are empty when
    the result has none.
    """

    shape: str
    constraint: str
    focus: str
    path: str
    value: str
    message: str
    severity: str = "Violation"

    def line(self, *, message: bool = True) -> str:
        """One readable line: shape, constraint, focus node, path and value,
        then (unless ``message`` is false) the shape's message.

        Example:
            >>> Violation("prsh:PostIn", "minCount", "id:post/x", "org:postIn", "", "A post ...").line()
            'prsh:PostIn [minCount] id:post/x org:postIn: A post ...'
        """
        where = self.focus + (f" {self.path}" if self.path else "")
        value = f" = {self.value}" if self.value else ""
        text = f"{self.shape} [{self.constraint}] {where}{value}"
        return f"{text}: {self.message}" if message else text


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """What :func:`validate_graph` found: every result, and the size of the data."""

    results: tuple[Violation, ...]
    triples: int
    source: str = "the graph"

    @property
    def violations(self) -> tuple[Violation, ...]:
        """The results of severity Violation (warnings and infos left out)."""
        return tuple(r for r in self.results if r.severity == "Violation")

    @property
    def conforms(self) -> bool:
        """True when there is no result of severity Violation."""
        return not self.violations

    def by_shape(self) -> Counter[str]:
        """Number of violations per shape (prefixed name).

        Example:
            >>> ValidationReport((Violation("prsh:PostIn", "minCount", "id:post/x", "org:postIn", "", "m"),), 1).by_shape()
            Counter({'prsh:PostIn': 1})
        """
        return Counter(v.shape for v in self.violations)

    def to_text(self, limit: int = 20) -> str:
        """A readable report: the verdict, the count per shape with the shape's
        message, then the first ``limit`` results one per line (0: all).

        Example:
            >>> print(ValidationReport((), 12, "out").to_text())
            0 violations: out (12 triples) conforms to the partyrel shapes.
        """
        violations = self.violations
        lines: list[str] = []
        if not violations:
            lines.append(f"0 violations: {self.source} ({self.triples:,} triples) conforms to the "
                         "partyrel shapes.")
        else:
            lines.append(f"{len(violations):,} violation{'s' if len(violations) != 1 else ''} of the "
                         f"partyrel shapes in {self.source} ({self.triples:,} triples):")
            messages: dict[str, str] = {}
            for v in violations:
                messages.setdefault(v.shape, v.message)
            for shape, count in sorted(self.by_shape().items(), key=lambda kv: (-kv[1], kv[0])):
                lines.append(f"  {count:>6,}  {shape}: {messages[shape]}")
        others = [r for r in self.results if r.severity != "Violation"]
        if others:
            lines.append(f"{len(others):,} warning(s) and info(s), which do not fail the check.")
        shown = list(violations) + others
        if shown:
            listed = shown if limit <= 0 else shown[:limit]
            lines.append("")
            lines.append(f"{'All' if len(listed) == len(shown) else f'The first {len(listed)} of'} "
                         f"{len(shown):,} result(s) (shape [constraint] node path = value):")
            lines.extend(f"  {r.line(message=False)}" if r.severity == "Violation"
                         else f"  {r.severity}: {r.line()}" for r in listed)
            if len(listed) < len(shown):
                lines.append("  ... (kg validate --limit 0 lists them all)")
        return "\n".join(lines)


@lru_cache(maxsize=1)
def load_shapes() -> rdflib.Graph:
    """``ontology/shapes.ttl``, parsed once per process (do not modify it)."""
    return _parse(ontology_dir() / "shapes.ttl")


@lru_cache(maxsize=1)
def load_ontology() -> rdflib.Graph:
    """``ontology/partyrel.ttl``, parsed once per process (do not modify it)."""
    return _parse(ontology_dir() / "partyrel.ttl")


def _parse(path: Path) -> rdflib.Graph:
    try:
        return rdflib.Graph().parse(path, format="turtle")
    except (OSError, SyntaxError, ValueError) as err:
        raise OntologyError(f"cannot read {path}: {err}; restore it from the partyrel "
                            "repository") from err


def validate_graph(data: rdflib.Graph, *, shapes: rdflib.Graph | None = None,
                   ontology: rdflib.Graph | None = None, source: str = "the graph") -> ValidationReport:
    """Validate ``data`` against the partyrel shapes (or ``shapes``), with the
    ontology (or ``ontology``) mixed in; ``data`` itself is not changed."""
    import pyshacl  # heavy import (owlrl), only when validating

    shapes = shapes if shapes is not None else load_shapes()
    ontology = ontology if ontology is not None else load_ontology()
    try:
        _, results, _ = pyshacl.validate(
            data, shacl_graph=shapes, ont_graph=ontology, inference="none",
            abort_on_first=False, allow_warnings=True, allow_infos=True, advanced=False,
        )
    except pyshacl.errors.ShapeLoadError as err:
        raise OntologyError(f"the SHACL shapes cannot be loaded: {err}; fix ontology/shapes.ttl") from err
    except pyshacl.errors.ReportableRuntimeError as err:
        raise OntologyError(f"SHACL validation failed to run: {err}; check ontology/shapes.ttl "
                            "and ontology/partyrel.ttl") from err
    found = [_violation(results, node) for node in results.subjects(RDF.type, SH.ValidationResult)]
    found.sort(key=lambda v: (v.severity != "Violation", v.shape, v.focus, v.path, v.value))
    return ValidationReport(tuple(found), len(data), source)


def validate_store(out: Path | str) -> ValidationReport:
    """Validate the union of the readout graphs of the store built into ``out``
    (``kg build ... -o OUT``), opened read-only.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> out = Path(tempfile.mkdtemp())
        >>> with GraphStore.open(out) as store:
        ...     pass
        >>> validate_store(out).conforms
        True
    """
    with GraphStore.open(out, read_only=True) as store:
        data = store.union_graph()
    return validate_graph(data, source=str(out))


def _name(node: Node | None) -> str:
    if node is None:
        return ""
    if isinstance(node, URIRef):
        text = str(node)
        for prefix, namespace in sorted(_PREFIXES.items(), key=lambda kv: -len(kv[1])):
            if text.startswith(namespace) and len(text) > len(namespace):
                return f"{prefix}:{text[len(namespace):]}"
        return f"<{text}>"
    if isinstance(node, Literal):
        text = str(node)
        if len(text) > _MAX_VALUE_CHARS:
            text = text[:_MAX_VALUE_CHARS - 3] + "..."
        shown = repr(text)
        if node.language:
            return f"{shown}@{node.language}"
        if node.datatype is not None:
            return f"{shown}^^{_name(node.datatype)}"
        return shown
    return f"_:{node}"


def _violation(results: rdflib.Graph, node: Node) -> Violation:
    component = _name(results.value(node, SH.sourceConstraintComponent))
    constraint = component.removeprefix("sh:").removesuffix("ConstraintComponent")
    constraint = constraint[:1].lower() + constraint[1:]
    severity = _name(results.value(node, SH.resultSeverity)).removeprefix("sh:") or "Violation"
    messages = sorted(str(m) for m in results.objects(node, SH.resultMessage))
    path = results.value(node, SH.resultPath)
    return Violation(
        shape=_name(results.value(node, SH.sourceShape)),
        constraint=constraint,
        focus=_name(results.value(node, SH.focusNode)),
        path=_name(path) if isinstance(path, URIRef) else ("(a path)" if path is not None else ""),
        value=_name(results.value(node, SH.value)),
        message=messages[0] if messages else "(no message)",
        severity=severity,
    )
