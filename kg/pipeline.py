"""Build: readout files -> extracted facts -> the store, ``graph.ttl`` and ``map.html``.

One bad readout never stops a batch: its :class:`~kg.ingest.Failure` is
collected and the rest are built. Unchanged readouts (same content hash,
same extractor and vocabularies) are skipped.

Example:
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> src = out / "in"; src.mkdir(); _ = (src / "a.txt").write_text(
    ...     "Talks\\n ( 2024.03.12 )\\n\\nKunming, March 11th--Tang Wenbo, Vice-minister of the International "
    ...     "Department of the CPC Central Committee, held talks here today with Ana Lima, President of the Workers' Party of Brazil.")
    >>> report = build([src], out / "kg", write_map=False)
    >>> report.readouts, report.engagements, report.failures
    (1, 1, [])
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rdflib import Graph

from kg.errors import InputError
from kg.extract import extract_doc
from kg.ingest import DEFAULT_MAX_BYTES, Failure, iter_paths, read_file
from kg.lexicon import load_lexicon
from kg.namespaces import ID
from kg.nlp import make_nlp
from kg.resources import ontology_dir
from kg.store import GraphStore
from kg.triples import graph_iri, label_triples, readout_triples

EXTRACTOR_VERSION = "0.1.0"
LABELS_GRAPH = str(ID["graph/_labels"])
TOPICS_GRAPH = str(ID["graph/_topics"])


@dataclass
class BuildReport:
    """What a build did: counts, warnings and failures, per input."""

    readouts: int = 0
    built: int = 0
    skipped: int = 0
    engagements: int = 0
    people: int = 0
    organizations: int = 0
    triples: int = 0
    warnings: list[tuple[str, str]] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    graph_path: Path | None = None
    map_path: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.failures


@lru_cache(maxsize=1)
def extractor_fingerprint() -> str:
    """Hash of the extractor version and every vocabulary file: a change to
    either makes every readout count as changed."""
    h = hashlib.sha256(EXTRACTOR_VERSION.encode())
    root = ontology_dir()
    for path in sorted([*root.glob("*.ttl"), *(root / "vocab").glob("*.tsv")]):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def content_hash(text: str) -> str:
    return hashlib.sha256((extractor_fingerprint() + "\0" + text).encode()).hexdigest()


def build(
    paths: Iterable[Path],
    out: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    write_map: bool = True,
    progress: Callable[[int, str], None] | None = None,
) -> BuildReport:
    """Build readouts from files and folders into the store under ``out``.

    Writes ``out/graph.ttl`` and (unless ``write_map`` is false)
    ``out/map.html``; returns a :class:`BuildReport`.
    """
    out.mkdir(parents=True, exist_ok=True)
    report = BuildReport()
    nlp = make_nlp()
    lexicon = load_lexicon()
    with GraphStore.open(out) as store:
        known = store.content_hashes()
        seen: dict[str, str] = {}
        for n, item in enumerate(iter_paths(paths), start=1):
            if isinstance(item, Failure):
                report.failures.append(item)
                continue
            try:
                readout = read_file(item, max_bytes=max_bytes)
            except InputError as exc:
                report.failures.append(Failure(exc.source, exc.reason))
                continue
            if readout.id in seen:
                report.failures.append(Failure(str(item), f"same readout id {readout.id!r} as {seen[readout.id]}; rename one of the files"))
                continue
            seen[readout.id] = str(item)
            report.readouts += 1
            if progress is not None:
                progress(n, str(item))
            giri = graph_iri(readout.id)
            digest = content_hash(readout.text)
            if known.get(giri) == digest:
                report.skipped += 1
                continue
            facts = extract_doc(readout, nlp(readout.text), lexicon)
            report.warnings += [(str(item), w) for w in facts.warnings]
            store.replace_graph(giri, readout_triples(facts), digest)
            report.built += 1
        _refresh_labels(store)
        _count(store, report)
        report.graph_path = out / "graph.ttl"
        report.triples = store.dump_turtle(report.graph_path)
        if write_map:
            from kg.mapviz import render_map

            report.map_path = out / "map.html"
            render_map(store.union_graph(), report.map_path)
    return report


def _refresh_labels(store: GraphStore) -> None:
    """Derive the one rdfs:label of every entity from the forms seen in all readouts."""
    lexicon = load_lexicon()
    fixed = {str(ID[f"country/{c.slug}"]): c.name for c in lexicon.countries.values()}
    fixed.update({str(ID[f"org/{o.slug}"]): o.name for o in lexicon.orgs.values()})
    rows = store.select_rows(
        "SELECT ?e ?form ?g WHERE { GRAPH ?g { ?e <http://www.w3.org/2004/02/skos/core#altLabel> ?form } }",
    )[1]
    pairs = [(str(e), str(form)) for e, form, g in rows
             if str(g) != TOPICS_GRAPH and not str(e).startswith(str(ID["topic/"]))]
    store.replace_graph(LABELS_GRAPH, label_triples(pairs, fixed), "")
    topics = Graph().parse(ontology_dir() / "topics.ttl")
    store.replace_graph(TOPICS_GRAPH, list(topics), "")


def _count(store: GraphStore, report: BuildReport) -> None:
    q = """PREFIX pr: <https://w3id.org/partyrel/ontology#>
    SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a pr:%s }"""
    def count(cls: str) -> int:
        rows = store.select_rows(q % cls)[1]
        return int(rows[0][0]) if rows else 0
    report.engagements = count("Engagement")
    report.people = count("Person")
    report.organizations = count("Organization")
