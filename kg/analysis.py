"""Network analysis: projections of a partyrel graph to NetworkX, metrics as pandas tables.

Data flows one way: a graph (an rdflib ``Graph`` or a :class:`~kg.store.GraphStore`)
is read once by :func:`load` into plain records (:class:`EngagementData`);
:func:`select` narrows them (date range, engagement type, topic); the
projections turn them into NetworkX graphs; the metrics turn graphs into
DataFrames. Every function is pure: nothing is printed or written except by
:func:`export_graph`, and everything random takes a ``seed``.

Projections (node ids are IRIs; every node has ``label``, ``kind``, ``country``,
``engagements``, ``first`` and ``last``):

* :func:`organization_graph`: the sides of engagements (``pr:involves``); one
  edge per pair of sides of the same engagement, ``weight`` = number of
  engagements, with ``first``/``last`` date, ``types``, ``topics`` and the
  engagement IRIs (``engagement_ids``);
* :func:`affiliation_graph`: persons and the organizations (or countries) they
  hold posts in (``posts``) or took part in engagements of (``weight``);
* :func:`country_graph`: the organization graph with organizations grouped by
  ``pr:country`` (an organization without a country stands for itself);
* :func:`engagement_graph`: bipartite, engagements and the entities in them
  (``role``: side, participant, attendee);
* :func:`network_graph`: what the map draws, organizations and persons.

Each takes :class:`Filters`: a date range, a type, a topic, the ego network of
one entity. The ego network is the ego, its neighbours within ``radius`` and
the ties among them; when the ego is no node of a projection (a person in the
organization graph), the projection is drawn from the ego's engagements only.

Example:
    >>> from rdflib import Graph, Literal, Namespace, RDF, RDFS
    >>> PR = Namespace("https://w3id.org/partyrel/ontology#")
    >>> ID = Namespace("https://w3id.org/partyrel/id/")
    >>> g = Graph()
    >>> for key, name in (("org/cpc", "Communist Party of China"),
    ...                   ("org/zwp", "Zeta Workers Party")):
    ...     _ = g.add((ID[key], RDF.type, PR.PoliticalParty))
    ...     _ = g.add((ID[key], RDFS.label, Literal(name)))
    >>> for n in (1, 2):
    ...     e = ID[f"engagement/r{n}-1"]
    ...     _ = g.add((e, RDF.type, PR.Meeting)); _ = g.add((e, PR.involves, ID["org/cpc"]))
    ...     _ = g.add((e, PR.involves, ID["org/zwp"]))
    >>> graph = organization_graph(load(g))
    >>> graph.number_of_nodes(), graph.edges[str(ID["org/cpc"]), str(ID["org/zwp"])]["weight"]
    (2, 2)
    >>> centrality_table(graph)[["label", "weighted_degree"]].to_dict("records")[0]
    {'label': 'Communist Party of China', 'weighted_degree': 2}

References:
    Blondel et al., "Fast unfolding of communities in large networks" (2008), for
    Louvain; Brandes, "A faster algorithm for betweenness centrality" (2001).
"""

from __future__ import annotations

import datetime as dt
import difflib
import gc
import json
import os
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from sys import intern
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import networkx as nx
import pandas as pd
import rdflib
from rdflib.term import BNode, Node, URIRef

from kg.errors import PartyrelError

if TYPE_CHECKING:
    from kg.store import GraphStore

__all__ = [
    "ENGAGEMENT_TYPES",
    "EXPORT_FORMATS",
    "METRICS",
    "PER_YEAR_BY",
    "Analysis",
    "AnalysisError",
    "Engagement",
    "EngagementData",
    "Entity",
    "Filters",
    "Post",
    "affiliation_graph",
    "analyze",
    "centrality_table",
    "communities",
    "country_graph",
    "edge_table",
    "engagement_graph",
    "export_graph",
    "load",
    "network_graph",
    "node_metric",
    "organization_graph",
    "per_year",
    "resolve",
    "select",
    "strongest_network",
    "type_label",
    "write_analysis",
]

_PR = "https://w3id.org/partyrel/ontology#"
_ORG = "http://www.w3.org/ns/org#"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_DCTERMS = "http://purl.org/dc/terms/"
_PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
_FOAF_PERSON = "http://xmlns.com/foaf/0.1/Person"

#: The engagement types of the core vocabulary (local names of ``pr:`` classes).
ENGAGEMENT_TYPES: tuple[str, ...] = ("Meeting", "Talks", "VideoCall", "PhoneCall",
                                     "Correspondence", "Visit", "Forum")
#: Columns of :func:`centrality_table` that rank nodes (``kg map --size-by`` choices too).
METRICS: tuple[str, ...] = ("engagements", "degree", "weighted_degree", "pagerank",
                            "betweenness", "eigenvector")
#: What :func:`per_year` can count by.
PER_YEAR_BY: tuple[str, ...] = ("country", "party", "type", "topic")
#: File formats of :func:`export_graph`.
EXPORT_FORMATS: tuple[str, ...] = ("graphml", "gexf", "json")

#: Kind of an entity from its classes, first match wins.
_KIND_OF_CLASS: tuple[tuple[str, str], ...] = (
    (_PR + "PartyInternational", "international"),
    (_PR + "PoliticalParty", "party"),
    (_PR + "PartyBody", "party_body"),
    (_PR + "GovernmentBody", "government"),
    (_PR + "Country", "country"),
    (_PR + "Person", "person"),
    (_FOAF_PERSON, "person"),
    (_PR + "Topic", "topic"),
    (_PR + "Place", "place"),
    (_PR + "Organization", "other_org"),
    (_ORG + "Organization", "other_org"),
    (_ORG + "FormalOrganization", "other_org"),
    (_ORG + "OrganizationalUnit", "other_org"),
)
_ORGANIZATION_KINDS = frozenset({"party", "international", "party_body", "government",
                                 "other_org"})
_SIDE_KINDS = _ORGANIZATION_KINDS | {"country"}

#: Every predicate :func:`load` reads.
_PREDICATES: tuple[str, ...] = (
    _RDF_TYPE, _RDFS_LABEL, _SKOS + "prefLabel", _SKOS + "altLabel",
    _PR + "date", _PR + "involves", _PR + "participant", _PR + "attendee", _PR + "topic",
    _PR + "reportedIn", _PROV_DERIVED, _PR + "evidence", _PR + "location", _PR + "country",
    _PR + "title", _ORG + "holds", _ORG + "postIn", _ORG + "subOrganizationOf",
    _DCTERMS + "title", _DCTERMS + "identifier",
)

_MAX_EVIDENCE = 400


class AnalysisError(PartyrelError, ValueError):
    """A filter names an unknown entity, type or topic, or a metric or format is unknown."""


# --------------------------------------------------------------------------- records

class Post(NamedTuple):
    """A post a person holds: the bare office and where (organization or country IRI)."""

    title: str
    organization: str


class Entity(NamedTuple):
    """A person, organization, country, place or topic.

    ``kind`` is one of party, international, party_body, government, other_org,
    country, person, topic, place. ``country`` is the IRI of ``pr:country``;
    ``parent`` of ``org:subOrganizationOf``.
    """

    iri: str
    label: str
    kind: str
    country: str | None = None
    aliases: tuple[str, ...] = ()
    posts: tuple[Post, ...] = ()
    parent: str | None = None


class Engagement(NamedTuple):
    """One engagement: its type (a name of :data:`ENGAGEMENT_TYPES`, or
    ``"Engagement"``), date, source readout and evidence sentence, and the IRIs
    of its sides (organizations or countries), participants, attendees, topics."""

    iri: str
    type: str
    date: dt.date | None
    readout: str | None
    readout_title: str
    evidence: str
    sides: tuple[str, ...] = ()
    participants: tuple[str, ...] = ()
    attendees: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()

    @property
    def year(self) -> int | None:
        """The year of the engagement's date, None when undated."""
        return self.date.year if self.date else None

    @property
    def entities(self) -> frozenset[str]:
        """Everyone and everything taking part: sides, participants, attendees."""
        return frozenset(self.sides) | frozenset(self.participants) | frozenset(self.attendees)


@dataclass(frozen=True)
class EngagementData:
    """What the analysis reads from a graph: engagements (sorted by date, then
    IRI) and the entities they name, by IRI. Build it with :func:`load`."""

    engagements: tuple[Engagement, ...]
    entities: Mapping[str, Entity]

    def entity(self, iri: str) -> Entity:
        """The entity with this IRI; one named after its IRI when the graph says nothing of it.

        Example:
            >>> EngagementData((), {}).entity("https://w3id.org/partyrel/id/org/zeta-party").label
            'zeta-party'
        """
        found = self.entities.get(iri)
        if found is not None:
            return found
        return Entity(iri, _local_name(iri), "other_org")

    def label(self, iri: str) -> str:
        """The entity's label."""
        return self.entity(iri).label


@dataclass(frozen=True)
class Filters:
    """What to restrict a projection to. Empty fields restrict nothing.

    ``date_from``/``date_to`` are inclusive; with either set, undated
    engagements are left out. ``type`` is a name of :data:`ENGAGEMENT_TYPES`
    (any case, spaces allowed: "video call"); ``topic`` a topic's label or IRI;
    ``ego`` an entity's label, alias or IRI, with neighbours within ``radius``.

    Example:
        >>> Filters(date_from=dt.date(2020, 1, 1), type="VideoCall").describe()
        'from 2020-01-01, type Video call'
        >>> Filters().describe()
        ''
    """

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    type: str | None = None
    topic: str | None = None
    ego: str | None = None
    radius: int = 1

    def __post_init__(self) -> None:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise AnalysisError(f"the date range is empty: from {self.date_from} is after to "
                                f"{self.date_to}; swap them")
        if self.radius < 1:
            raise AnalysisError(f"the ego radius must be at least 1, got {self.radius}")

    @property
    def empty(self) -> bool:
        """Whether nothing is restricted."""
        return not (self.date_from or self.date_to or self.type or self.topic or self.ego)

    def describe(self) -> str:
        """The filters in words, for a page or a report ('' when there are none)."""
        parts = []
        if self.date_from:
            parts.append(f"from {self.date_from.isoformat()}")
        if self.date_to:
            parts.append(f"to {self.date_to.isoformat()}")
        if self.type:
            parts.append(f"type {type_label(_canonical_type(self.type))}")
        if self.topic:
            parts.append(f"topic {self.topic}")
        if self.ego:
            parts.append(f"ego network of {self.ego}"
                         + (f" (radius {self.radius})" if self.radius != 1 else ""))
        return ", ".join(parts)


_NO_FILTERS = Filters()


# --------------------------------------------------------------------------- helpers

@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the block, as it was after.

    Reading a store's or a build's engagements makes millions of lists,
    tuples and dicts and keeps them: the collector, started by every few
    hundred of them, walks the ones kept again and again (about a third of
    the time to draw the map of 100,000 readouts, measured), and finds no
    cycle to free: the analysis makes none.

    Example:
        >>> with gc_paused():
        ...     gc.isenabled()
        False
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _local_name(iri: str) -> str:
    tail = re.split(r"[/#]", iri.rstrip("/#"))[-1]
    return tail or iri


def type_label(type_name: str) -> str:
    """A type's local name in words.

    Example:
        >>> type_label("VideoCall"), type_label("Talks")
        ('Video call', 'Talks')
    """
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", type_name).split()
    if not words:
        return type_name
    return " ".join([words[0]] + [word.lower() for word in words[1:]])


def _fold(text: str) -> str:
    """Case-, accent-, punctuation- and space-insensitive form of a name."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    words = re.sub(r"[^\w]+", " ", text).split()
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words)


def _canonical_type(name: str) -> str:
    wanted = _fold(name).replace(" ", "")
    for known in (*ENGAGEMENT_TYPES, "Engagement"):
        if known.lower() == wanted:
            return known
    raise AnalysisError(f"unknown engagement type {name!r}; use one of "
                        f"{', '.join(ENGAGEMENT_TYPES)}")


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def _node_key(node: Node) -> str:
    return f"_:{node}" if isinstance(node, BNode) else str(node)


# --------------------------------------------------------------------------- loading

#: What :func:`load` reads of a graph: subject key -> predicate IRI -> (the
#: object IRIs and blank-node keys, the literals' lexical forms).
Props = dict[str, dict[str, tuple[list[str], list[str]]]]
#: What :func:`load_props` reads: :data:`Props`, or any mapping that gives the same.
PropsMapping = Mapping[str, dict[str, tuple[list[str], list[str]]]]


def _triples(source: rdflib.Graph | GraphStore) -> Iterator[tuple[str, str, str, bool]]:
    """(subject key, predicate IRI, object, object is a literal) for every
    predicate :func:`load` reads, each distinct triple once (or more: callers
    tolerate repeats); an object is a literal's lexical form or a node key.

    A store is read through its predicate index (``GraphStore.union_pairs``),
    and equal subjects and objects share one ``str``, interned (a store-wide
    read repeats organizations and classes millions of times)."""
    if isinstance(source, rdflib.Graph):
        for predicate in _PREDICATES:
            for s, o in source.subject_objects(URIRef(predicate)):
                literal = isinstance(o, rdflib.Literal)
                yield _node_key(s), predicate, str(o) if literal else _node_key(o), literal
        return
    import pyoxigraph as ox

    def key(term: object) -> tuple[str, bool]:
        if isinstance(term, ox.Literal):
            value = term.value
            return (intern(value) if len(value) < 200 else value), True  # evidence is rarely repeated
        if isinstance(term, ox.BlankNode):
            return intern(f"_:{term.value}"), False
        return intern(term.value), False  # type: ignore[attr-defined]

    for predicate in _PREDICATES:
        for subject, obj in source.union_pairs(predicate):
            value, literal = key(obj)
            yield key(subject)[0], predicate, value, literal


def triple_props(triples: Iterable[tuple[str, str, str, bool]]) -> Props:
    """Group (subject key, predicate, object, is literal) rows as :data:`Props`,
    keeping the predicates :func:`load` reads.

    Example:
        >>> triple_props([("s", "http://www.w3.org/2000/01/rdf-schema#label", "Zeta", True),
        ...               ("s", "http://example.org/unread", "x", True)])
        {'s': {'http://www.w3.org/2000/01/rdf-schema#label': ([], ['Zeta'])}}
    """
    props: Props = {}
    for subject, predicate, value, literal in triples:
        if predicate not in _READ:
            continue
        by = props.get(subject)
        if by is None:
            by = props[subject] = {}
        pair = by.get(predicate)
        if pair is None:
            pair = by[predicate] = ([], [])
        pair[literal].append(value)
    return props


_READ = frozenset(_PREDICATES)


def _any_class(by: Mapping[str, tuple[list[str], list[str]]], classes: frozenset[str]) -> bool:
    """Whether a subject (its :data:`Props` entry) is typed with one of ``classes``."""
    found = by.get(_RDF_TYPE)
    return found is not None and not (classes.isdisjoint(found[0]) and classes.isdisjoint(found[1]))


def _parse_date(values: Iterable[str]) -> dt.date | None:
    days = []
    for value in values:
        try:
            days.append(dt.date.fromisoformat(str(value)[:10]))
        except ValueError:
            continue
    return min(days) if days else None


def load(source: rdflib.Graph | GraphStore) -> EngagementData:
    """Read the engagements and entities of a graph or a store.

    An engagement is anything typed ``pr:Engagement`` or one of its types, or
    with a ``pr:involves``/``pr:participant``. A side without a class counts as
    an organization ("other_org"); an entity without a label is named after
    its IRI's last part.

    Parameters:
        source: an rdflib Graph (the union of the readout graphs) or a GraphStore.

    Returns:
        The engagements, sorted by date (undated last) and IRI, and the entities.

    Example:
        >>> from kg.store import GraphStore
        >>> with GraphStore.memory() as store:
        ...     load(store).engagements
        ()
    """
    with gc_paused():
        return load_props(triple_props(_triples(source)))


class PropsScan:
    """The subjects :func:`load_props` starts from, noted as (subject, props)
    pairs pass by: the engagements and the subjects typed with a kind of
    entity. A subject may pass in pieces (its props in several parts): each
    test is whether some piece has the predicate or class, so the pieces give
    what their union gives.

    Example:
        >>> scan = PropsScan()
        >>> scan.add("e1", {"https://w3id.org/partyrel/ontology#involves": (["o1"], [])})
        >>> scan.engagements, scan.typed
        ({'e1'}, set())
    """

    def __init__(self) -> None:
        self.engagements: set[str] = set()
        self.typed: set[str] = set()

    def add(self, subject: str, by: Mapping[str, tuple[list[str], list[str]]]) -> None:
        """Note one subject's props (or a piece of them)."""
        if _INVOLVES in by or _PARTICIPANT in by:
            self.engagements.add(subject)
            return
        if _RDF_TYPE in by:
            if _any_class(by, _ENGAGEMENT_CLASSES):
                self.engagements.add(subject)
            if _any_class(by, _KIND_CLASSES):
                self.typed.add(subject)

    def add_all(self, props: PropsMapping) -> None:
        """Note every subject of ``props``."""
        add = self.add
        for subject, by in props.items():
            add(subject, by)


_INVOLVES, _PARTICIPANT = _PR + "involves", _PR + "participant"
_ENGAGEMENT_CLASSES = frozenset(_PR + t for t in (*ENGAGEMENT_TYPES, "Engagement"))
_KIND_CLASSES = frozenset(cls for cls, _ in _KIND_OF_CLASS)


def load_props(props: PropsMapping, scan: PropsScan | None = None) -> EngagementData:
    """:func:`load` from what it read (:data:`Props`): also how a build draws
    its map from the parts kept for ``graph.ttl`` (:mod:`kg.graphfile`).
    ``scan``, when given, noted every subject of ``props`` (it saves the
    pass over them that finds the engagements).

    Example:
        >>> load_props({}).engagements
        ()
    """
    nothing: tuple[list[str], list[str]] = ([], [])
    none: dict[str, tuple[list[str], list[str]]] = {}
    if scan is None:
        scan = PropsScan()
        scan.add_all(props)
    get = props.get

    def texts(by: Mapping[str, tuple[list[str], list[str]]], predicate: str) -> list[str]:
        found = by.get(predicate)
        if found is None or not found[1]:
            return []
        return sorted({_one_line(v) for v in found[1]} - {""})

    def iris(by: Mapping[str, tuple[list[str], list[str]]], predicate: str) -> tuple[str, ...]:
        found = by.get(predicate)
        if found is None or not found[0]:
            return ()
        # one str per IRI across the engagements and entities (the parts give copies)
        return tuple(sorted({intern(v) for v in found[0]}))

    def values(by: Mapping[str, tuple[list[str], list[str]]], predicate: str) -> list[str]:
        found = by.get(predicate, nothing)
        return found[0] + found[1]

    readout_titles: dict[str, str] = {}

    def readout_title(readout: str | None) -> str:
        if readout is None:
            return "no readout"
        if readout not in readout_titles:
            by = get(readout) or none
            found = texts(by, _DCTERMS + "title") or texts(by, _DCTERMS + "identifier")
            readout_titles[readout] = found[0] if found else "untitled readout"
        return readout_titles[readout]

    engagement_keys = sorted(scan.engagements)
    engagements = []
    for key in engagement_keys:
        by = get(key) or none
        classes = set(values(by, _RDF_TYPE))
        kind = next((t for t in ENGAGEMENT_TYPES if _PR + t in classes), "Engagement")
        readouts = sorted(set(iris(by, _PR + "reportedIn")) | set(iris(by, _PROV_DERIVED)))
        readout = readouts[0] if readouts else None
        evidence = texts(by, _PR + "evidence")
        engagements.append(Engagement(
            iri=intern(key), type=kind, date=_parse_date(values(by, _PR + "date")),
            readout=readout, readout_title=readout_title(readout),
            evidence=evidence[0] if evidence else "",
            sides=iris(by, _INVOLVES), participants=iris(by, _PARTICIPANT),
            attendees=iris(by, _PR + "attendee"), topics=iris(by, _PR + "topic")))
    engagements.sort(key=lambda e: (e.date is None, e.date or dt.date.min, e.iri))

    named: set[str] = set(scan.typed)
    topics: set[str] = set()
    persons: set[str] = set()
    for engagement in engagements:
        named.update(engagement.sides, engagement.participants, engagement.attendees, engagement.topics)
        topics.update(engagement.topics)
        persons.update(engagement.participants, engagement.attendees)

    entities: dict[str, Entity] = {}
    for key in sorted(named - scan.engagements):
        by = get(key) or none
        classes = set(values(by, _RDF_TYPE))
        kind = next((k for cls, k in _KIND_OF_CLASS if cls in classes),
                    "topic" if key in topics else "person" if key in persons else "other_org")
        labels = texts(by, _RDFS_LABEL) or texts(by, _SKOS + "prefLabel")
        label = labels[0] if labels else _local_name(key)
        aliases = tuple(sorted((set(texts(by, _SKOS + "altLabel"))
                                | set(texts(by, _SKOS + "prefLabel"))) - {label}))
        posts: list[Post] = []
        for post in iris(by, _ORG + "holds"):
            held = get(post) or none
            title = (texts(held, _PR + "title") or texts(held, _RDFS_LABEL) or ["post"])[0]
            posts.extend(Post(title, target) for target in iris(held, _ORG + "postIn"))
        countries = iris(by, _PR + "country")
        parents = iris(by, _ORG + "subOrganizationOf")
        key = intern(key)
        entities[key] = Entity(key, label, kind, countries[0] if countries else None, aliases,
                               tuple(sorted(set(posts))), parents[0] if parents else None)
    # post targets and countries that are named only as such
    for entity in list(entities.values()):
        for target in [p.organization for p in entity.posts] + [entity.country or ""]:
            if target and target not in entities:
                labels = texts(get(target) or none, _RDFS_LABEL)
                entities[target] = Entity(target, labels[0] if labels else _local_name(target),
                                          "country" if target == entity.country else "other_org")
    return EngagementData(tuple(engagements), MappingProxyType(dict(sorted(entities.items()))))


# --------------------------------------------------------------------------- filters

def resolve(data: EngagementData, name: str, *, kinds: Iterable[str] | None = None) -> str:
    """The IRI of the entity called ``name`` (IRI, label or alias; case,
    accents, punctuation and a leading "the" ignored).

    When several entities match, the one in most engagements wins.

    Raises:
        AnalysisError: no entity matches; the message suggests close names.

    Example:
        >>> data = EngagementData((), {"https://w3id.org/partyrel/id/org/si": Entity(
        ...     "https://w3id.org/partyrel/id/org/si", "Socialist International", "international",
        ...     aliases=("SI",))})
        >>> resolve(data, "the socialist  international"), resolve(data, "si")
        ('https://w3id.org/partyrel/id/org/si', 'https://w3id.org/partyrel/id/org/si')
    """
    allowed = set(kinds) if kinds is not None else None
    candidates = [e for e in data.entities.values() if allowed is None or e.kind in allowed]
    if any(e.iri == name for e in candidates):
        return name
    wanted = _fold(name)
    matches = [e for e in candidates
               if wanted and wanted in {_fold(n) for n in (e.label, *e.aliases)}]
    if not matches:
        names = sorted({e.label for e in candidates})
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else (
            "; check the spelling (labels and aliases are searched)")
        what = "topic" if allowed == {"topic"} else "entity"
        raise AnalysisError(f"no {what} called {name!r} in this graph{hint}")
    count = Counter(i for e in data.engagements for i in (*e.entities, *e.topics))
    return min(matches, key=lambda e: (-count[e.iri], e.label, e.iri)).iri


def select(data: EngagementData, filters: Filters | None = None) -> EngagementData:
    """The engagements within the filters' date range, type and topic (the ego
    is applied by the projections, since it depends on the graph).

    Example:
        >>> e = Engagement("e1", "VideoCall", dt.date(2021, 5, 1), None, "", "")
        >>> data = EngagementData((e,), {})
        >>> len(select(data, Filters(type="video call")).engagements)
        1
        >>> len(select(data, Filters(date_to=dt.date(2020, 12, 31))).engagements)
        0
    """
    filters = filters or _NO_FILTERS
    kept = list(data.engagements)
    if filters.date_from or filters.date_to:
        low, high = filters.date_from or dt.date.min, filters.date_to or dt.date.max
        kept = [e for e in kept if e.date is not None and low <= e.date <= high]
    if filters.type:
        wanted = _canonical_type(filters.type)
        kept = [e for e in kept if e.type == wanted]
    if filters.topic:
        topic = resolve(data, filters.topic, kinds={"topic"})
        kept = [e for e in kept if topic in e.topics]
    if len(kept) == len(data.engagements):
        return data
    return EngagementData(tuple(kept), data.entities)


def _project(data: EngagementData, filters: Filters | None,
             build: Callable[[EngagementData], nx.Graph]) -> nx.Graph:
    """Apply the filters around one projection ``build``."""
    filters = filters or _NO_FILTERS
    chosen = select(data, filters)
    if not filters.ego:
        return build(chosen)
    ego = resolve(data, filters.ego)
    graph = build(chosen)
    if ego in graph:
        return graph.subgraph(nx.ego_graph(graph, ego, radius=filters.radius)).copy()
    own = tuple(e for e in chosen.engagements if ego in e.entities)
    return build(EngagementData(own, chosen.entities))


def _node_attributes(data: EngagementData, iri: str, engagements: list[Engagement]
                     ) -> dict[str, Any]:
    entity = data.entity(iri)
    days = sorted(e.date for e in engagements if e.date)
    return {"label": entity.label, "kind": entity.kind,
            "country": data.label(entity.country) if entity.country else "",
            "engagements": _distinct(engagements),
            "first": _iso(days[0]) if days else "", "last": _iso(days[-1]) if days else ""}


def _edge_attributes(data: EngagementData, engagements: list[Engagement]) -> dict[str, Any]:
    if len(engagements) == 1:  # most edges of a whole archive (its persons' edges)
        only = engagements[0]
        day = _iso(only.date) if only.date else ""
        return {"weight": 1, "first": day, "last": day, "types": [only.type],
                "topics": sorted({data.label(t) for t in only.topics}), "engagement_ids": [only.iri]}
    unique = sorted({e.iri: e for e in engagements}.values(),
                    key=lambda e: (e.date is None, e.date or dt.date.min, e.iri))
    days = [e.date for e in unique if e.date]
    return {"weight": len(unique), "first": _iso(min(days)) if days else "",
            "last": _iso(max(days)) if days else "",
            "types": sorted({e.type for e in unique}),
            "topics": sorted({data.label(t) for t in {t for e in unique for t in e.topics}}),
            "engagement_ids": [e.iri for e in unique]}


def _sides(data: EngagementData, engagement: Engagement) -> list[str]:
    return sorted(s for s in set(engagement.sides) if data.entity(s).kind in _SIDE_KINDS)


def _distinct(engagements: list[Engagement]) -> int:
    """How many engagements (by IRI) the list holds."""
    return len(engagements) if len(engagements) < 2 else len({e.iri for e in engagements})


# --------------------------------------------------------------------------- projections

class _Links(NamedTuple):
    """The engagements behind each node and each pair of a projection (before
    their attributes are computed); ``persons`` and ``posts`` for affiliations."""

    of_node: dict[str, list[Engagement]]
    of_pair: dict[tuple[str, str], list[Engagement]]
    persons: set[str]
    posts: dict[tuple[str, str], list[str]]


def _all_sides(data: EngagementData) -> list[list[str]]:
    """The sides (:func:`_sides`) of each engagement, in order."""
    return [_sides(data, engagement) for engagement in data.engagements]


def _organization_links(data: EngagementData, all_sides: list[list[str]] | None = None) -> _Links:
    of_node: dict[str, list[Engagement]] = defaultdict(list)
    of_pair: dict[tuple[str, str], list[Engagement]] = defaultdict(list)
    for engagement, sides in zip(data.engagements, all_sides or _all_sides(data), strict=True):
        for side in sides:
            of_node[side].append(engagement)
        for pair in combinations(sides, 2):
            of_pair[pair].append(engagement)
    return _Links(of_node, of_pair, set(), {})


def _organizations(data: EngagementData, links: _Links | None = None,
                   keep: set[str] | None = None) -> nx.Graph:
    """The organization graph; with ``keep``, only its nodes and the edges between them
    (added in the same order as to the whole graph)."""
    of_node, of_pair, _, _ = links if links is not None else _organization_links(data)
    graph = nx.Graph()
    for node in sorted(of_node if keep is None else keep.intersection(of_node)):
        graph.add_node(node, **_node_attributes(data, node, of_node[node]))
    pairs = of_pair.keys() if keep is None else [p for p in of_pair if p[0] in keep and p[1] in keep]
    for a, b in sorted(pairs):
        graph.add_edge(a, b, **_edge_attributes(data, of_pair[(a, b)]))
    return graph


def organization_graph(data: EngagementData, filters: Filters | None = None) -> nx.Graph:
    """The organization interaction graph: the sides of engagements, an edge
    for each pair of sides of one engagement.

    Edge attributes: ``weight`` (number of engagements), ``first``/``last``
    (ISO dates, '' if all undated), ``types``, ``topics`` (labels) and
    ``engagement_ids``. An engagement with k sides adds 1 to the weight of
    each of its k(k-1)/2 pairs, so with bilateral engagements the weights sum
    to the number of engagements. Sides that are countries are kept (kind
    "country").

    Parameters:
        data: from :func:`load`.
        filters: date range, type, topic, ego (see :class:`Filters`).

    Returns:
        An undirected ``networkx.Graph`` keyed by IRI.

    Example:
        >>> a, b, c = "id/a", "id/b", "id/c"
        >>> data = EngagementData(
        ...     (Engagement("e1", "Meeting", dt.date(2020, 1, 2), None, "", "", (a, b)),
        ...      Engagement("e2", "Talks", dt.date(2021, 3, 4), None, "", "", (a, b)),
        ...      Engagement("e3", "Forum", None, None, "", "", (a, b, c))),
        ...     {k: Entity(k, k[-1].upper(), "party") for k in (a, b, c)})
        >>> g = organization_graph(data)
        >>> g.edges[a, b]["weight"], g.edges[a, b]["types"], g.edges[a, b]["last"]
        (3, ['Forum', 'Meeting', 'Talks'], '2021-03-04')
        >>> sorted(organization_graph(data, Filters(type="Talks")).nodes)
        ['id/a', 'id/b']
    """
    return _project(data, filters, _organizations)


def _affiliation_links(data: EngagementData, *, all_posts: bool,
                       all_sides: list[list[str]] | None = None) -> _Links:
    of_node: dict[str, list[Engagement]] = defaultdict(list)
    took_part: dict[tuple[str, str], list[Engagement]] = defaultdict(list)
    persons: set[str] = set()
    for engagement, sides in zip(data.engagements, all_sides or _all_sides(data), strict=True):
        for person in engagement.participants:
            persons.add(person)
            of_node[person].append(engagement)
            for side in sides:
                of_node[side].append(engagement)
                took_part[(person, side)].append(engagement)
    if all_posts:
        persons |= {e.iri for e in data.entities.values() if e.kind == "person" and e.posts}
    posts: dict[tuple[str, str], list[str]] = defaultdict(list)
    for person in persons:
        for post in data.entity(person).posts:
            if post.title not in posts[(person, post.organization)]:
                posts[(person, post.organization)].append(post.title)
    return _Links(of_node, took_part, persons, posts)


def _affiliation_nodes(links: _Links) -> set[str]:
    return {p for pair in (*links.of_pair, *links.posts) for p in pair} | links.persons


def _affiliations(data: EngagementData, *, all_posts: bool, links: _Links | None = None,
                  keep: set[str] | None = None) -> nx.Graph:
    """The person-organization graph; with ``keep``, only its nodes and the edges
    between them (added in the same order as to the whole graph)."""
    links = links if links is not None else _affiliation_links(data, all_posts=all_posts)
    of_node, took_part, persons, posts = links
    graph = nx.Graph()
    nodes = _affiliation_nodes(links)
    for node in sorted(nodes if keep is None else nodes & keep):
        graph.add_node(node, bipartite=0 if node in persons else 1,
                       **_node_attributes(data, node, of_node.get(node, [])))
    pairs = set(took_part) | set(posts)
    for pair in sorted(pairs if keep is None else {p for p in pairs if p[0] in keep and p[1] in keep}):
        attributes = _edge_attributes(data, took_part.get(pair, []))
        graph.add_edge(*pair, posts=sorted(posts.get(pair, [])), **attributes)
    return graph


def affiliation_graph(data: EngagementData, filters: Filters | None = None) -> nx.Graph:
    """The person-organization graph (bipartite: persons ``bipartite=0``).

    A person is linked to each organization or country they hold a post in
    (``posts``: the titles) and to each side of the engagements they were a
    participant of (``weight``: how many; 0 for a post alone). Without
    filters every post holder is included; with filters, the participants of
    the selected engagements.

    Example:
        >>> p, o = "id/person/tang", "id/org/idcpc"
        >>> data = EngagementData(
        ...     (Engagement("e1", "Meeting", None, None, "", "", (o,), (p,)),),
        ...     {p: Entity(p, "Tang", "person", posts=(Post("Vice-minister", o),)),
        ...      o: Entity(o, "IDCPC", "party_body")})
        >>> g = affiliation_graph(data)
        >>> g.edges[p, o]["posts"], g.edges[p, o]["weight"], g.nodes[p]["bipartite"]
        (['Vice-minister'], 1, 0)
    """
    filters = filters or _NO_FILTERS
    all_posts = not (filters.date_from or filters.date_to or filters.type or filters.topic)
    return _project(data, filters, lambda chosen: _affiliations(chosen, all_posts=all_posts))


def _countries(data: EngagementData) -> nx.Graph:
    def group(side: str) -> str:
        entity = data.entity(side)
        return entity.country if entity.country and entity.kind != "country" else side

    graph = nx.Graph()
    of_node: dict[str, list[Engagement]] = defaultdict(list)
    of_pair: dict[tuple[str, str], list[Engagement]] = defaultdict(list)
    members: dict[str, set[str]] = defaultdict(set)
    for engagement in data.engagements:
        groups = set()
        for side in _sides(data, engagement):
            groups.add(group(side))
            members[group(side)].add(side)
        for node in groups:
            of_node[node].append(engagement)
        for pair in combinations(sorted(groups), 2):
            of_pair[pair].append(engagement)
    for node in sorted(of_node):
        graph.add_node(node, members=sorted(data.label(m) for m in members[node] if m != node),
                       **_node_attributes(data, node, of_node[node]))
    for (a, b), found in sorted(of_pair.items()):
        graph.add_edge(a, b, **_edge_attributes(data, found))
    return graph


def country_graph(data: EngagementData, filters: Filters | None = None) -> nx.Graph:
    """The organization graph with organizations grouped by ``pr:country``.

    A node is a country (``members``: the labels of its organizations) or an
    organization without a country (a party international); an edge counts
    the engagements between the two groups (``weight``), each once. Two
    organizations of one country make no edge (no self-loops).

    Example:
        >>> cpc, zwp, zeta, china = "id/org/cpc", "id/org/zwp", "id/country/zeta", "id/country/cn"
        >>> data = EngagementData(
        ...     (Engagement("e1", "Meeting", None, None, "", "", (cpc, zwp)),),
        ...     {cpc: Entity(cpc, "CPC", "party", china), zwp: Entity(zwp, "ZWP", "party", zeta),
        ...      zeta: Entity(zeta, "Zeta", "country"), china: Entity(china, "China", "country")})
        >>> g = country_graph(data)
        >>> sorted(g.nodes), g.nodes[china]["members"], g.edges[china, zeta]["weight"]
        (['id/country/cn', 'id/country/zeta'], ['CPC'], 1)
    """
    return _project(data, filters, _countries)


def _engagements_bipartite(data: EngagementData) -> nx.Graph:
    graph = nx.Graph()
    roles: dict[tuple[str, str], str] = {}
    of_node: dict[str, list[Engagement]] = defaultdict(list)
    for engagement in data.engagements:
        for role, members in (("attendee", engagement.attendees),
                              ("participant", engagement.participants),
                              ("side", engagement.sides)):
            for member in members:
                roles[(engagement.iri, member)] = role
                of_node[member].append(engagement)
    for engagement in data.engagements:
        graph.add_node(engagement.iri, bipartite=0, kind="engagement",
                       label=f"{type_label(engagement.type)} {_iso(engagement.date)}".strip(),
                       type=engagement.type, date=_iso(engagement.date),
                       readout=engagement.readout or "", readout_title=engagement.readout_title,
                       evidence=engagement.evidence,
                       topics=sorted(data.label(t) for t in engagement.topics))
    for node in sorted(of_node):
        graph.add_node(node, bipartite=1, **_node_attributes(data, node, of_node[node]))
    for (engagement_iri, member), role in sorted(roles.items()):
        graph.add_edge(engagement_iri, member, role=role)
    return graph


def engagement_graph(data: EngagementData, filters: Filters | None = None) -> nx.Graph:
    """The bipartite engagement graph: engagements (``bipartite=0``, with type,
    date, readout title, evidence, topics) linked to their sides, participants
    and attendees (``bipartite=1``; edge ``role``).

    Example:
        >>> e = Engagement("e1", "PhoneCall", dt.date(2022, 1, 1), None, "r", "They spoke.",
        ...                ("id/a", "id/b"), ("id/p",))
        >>> g = engagement_graph(EngagementData((e,), {}))
        >>> sorted(g["e1"].items())[-1], g.nodes["e1"]["label"]
        (('id/p', {'role': 'participant'}), 'Phone call 2022-01-01')
    """
    return _project(data, filters, _engagements_bipartite)


def _network(data: EngagementData, *, all_posts: bool, links: tuple[_Links, _Links] | None = None,
             keep: set[str] | None = None) -> nx.Graph:
    """The map's network; with ``keep`` (and the links it was chosen from),
    only its nodes and the edges between them, added in the same order as to
    the whole network."""
    organizations, affiliations = links if links is not None else (None, None)
    graph = _organizations(data, organizations, keep)
    for _, _, attributes in graph.edges(data=True):
        attributes["relation"] = "dialogue"
    people = _affiliations(data, all_posts=all_posts, links=affiliations, keep=keep)
    for node, attributes in people.nodes(data=True):
        if node not in graph:
            graph.add_node(node, **{k: v for k, v in attributes.items() if k != "bipartite"})
    for a, b, attributes in people.edges(data=True):
        graph.add_edge(a, b, relation="affiliation", **attributes)
    return graph


def network_graph(data: EngagementData, filters: Filters | None = None) -> nx.Graph:
    """What the map draws: the organization graph (edges ``relation="dialogue"``)
    and the person-organization affiliations (``relation="affiliation"``,
    with ``posts``); like :func:`affiliation_graph`, every post holder is
    included when there is no date, type or topic filter.

    Example:
        >>> p, a, b = "id/person/tang", "id/org/a", "id/org/b"
        >>> data = EngagementData((Engagement("e1", "Meeting", None, None, "", "", (a, b), (p,)),),
        ...                       {p: Entity(p, "Tang", "person")})
        >>> for u, v, r in sorted(network_graph(data).edges(data="relation")):
        ...     print(u, v, r)
        id/org/a id/org/b dialogue
        id/org/a id/person/tang affiliation
        id/org/b id/person/tang affiliation
    """
    filters = filters or _NO_FILTERS
    all_posts = not (filters.date_from or filters.date_to or filters.type or filters.topic)
    return _project(data, filters, lambda chosen: _network(chosen, all_posts=all_posts))


def strongest_network(data: EngagementData, filters: Filters | None = None, *,
                      max_nodes: int) -> tuple[nx.Graph, int]:
    """:func:`network_graph` cut to its ``max_nodes`` strongest nodes (most
    engagements, then weighted degree, then label and IRI) and the edges
    between them, with how many nodes were left out: the network the map
    draws. Only the kept nodes' and edges' attributes are computed (100k
    readouts: 168k nodes and 475k edges otherwise).

    Example:
        >>> p, a, b = "id/person/tang", "id/org/a", "id/org/b"
        >>> data = EngagementData((Engagement("e1", "Meeting", None, None, "", "", (a, b), (p,)),
        ...                        Engagement("e2", "Talks", None, None, "", "", (a,), (p,))),
        ...                       {p: Entity(p, "Tang", "person")})
        >>> graph, left_out = strongest_network(data, max_nodes=2)
        >>> sorted(graph.nodes), left_out
        (['id/org/a', 'id/person/tang'], 1)
    """
    filters = filters or _NO_FILTERS
    if filters.ego:  # the ego network is cut from the whole one
        whole = network_graph(data, filters)
        keep = set(_ranked(whole.nodes(data=True), dict(whole.degree(weight="weight")))[:max_nodes])
        # as .subgraph(keep).copy(), but in the whole network's order (a subgraph view of
        # a few nodes goes in the order of the set it was given: the hash seed's)
        cut = nx.Graph()
        cut.add_nodes_from((n, dict(d)) for n, d in whole.nodes(data=True) if n in keep)
        cut.add_edges_from((u, v, dict(d)) for u, near in whole.adjacency() if u in keep
                           for v, d in near.items() if v in keep)
        return cut, whole.number_of_nodes() - len(keep)
    all_posts = not (filters.date_from or filters.date_to or filters.type or filters.topic)
    chosen = select(data, filters)
    all_sides = _all_sides(chosen)
    links = (_organization_links(chosen, all_sides),
             _affiliation_links(chosen, all_posts=all_posts, all_sides=all_sides))
    nodes = _network_nodes(chosen, links)
    if len(nodes) <= max_nodes:
        return _network(chosen, all_posts=all_posts, links=links), 0
    strength: dict[str, int] = dict.fromkeys(nodes, 0)
    weights = {frozenset(pair): _distinct(found) for pair, found in links[0].of_pair.items()}
    for pair in set(links[1].of_pair) | set(links[1].posts):  # an affiliation replaces a dialogue
        weights[frozenset(pair)] = _distinct(links[1].of_pair.get(pair, []))
    for ends, weight in weights.items():
        for node in ends:
            strength[node] += weight if len(ends) == 2 else 2 * weight  # a loop counts twice
    strongest = _ranked(nodes.items(), strength)[:max_nodes]
    return (_network(chosen, all_posts=all_posts, links=links, keep=set(strongest)).copy(),
            len(nodes) - len(strongest))


def _network_nodes(data: EngagementData, links: tuple[_Links, _Links]) -> dict[str, dict[str, Any]]:
    """The nodes of :func:`_network` with the attributes the ranking reads
    (``engagements``, ``label``): an organization's as a side, else as an affiliation."""
    organizations, affiliations = links
    nodes = {node: {"engagements": _distinct(found), "label": data.entity(node).label}
             for node, found in organizations.of_node.items()}
    for node in _affiliation_nodes(affiliations):
        if node not in nodes:
            found = affiliations.of_node.get(node, [])
            nodes[node] = {"engagements": _distinct(found), "label": data.entity(node).label}
    return nodes


def _ranked(nodes: Iterable[tuple[str, Mapping[str, Any]]], strength: Mapping[str, float]) -> list[str]:
    """Nodes strongest first: most engagements, then weighted degree, then label and IRI."""
    return [node for node, _ in sorted(nodes, key=lambda item: (
        -item[1].get("engagements", 0), -strength[item[0]],
        str(item[1].get("label", item[0])).casefold(), str(item[0])))]


# --------------------------------------------------------------------------- metrics

def communities(graph: nx.Graph, *, seed: int = 0, resolution: float = 1.0) -> list[set[str]]:
    """Louvain communities on edge weights, largest first (ties: smallest node id).

    Parameters:
        graph: any projection.
        seed: the random seed; the same seed gives the same partition.
        resolution: above 1 favours smaller communities.

    Returns:
        A partition of the nodes: every node in exactly one set.

    Example:
        >>> g = nx.Graph([(1, 2), (2, 3), (1, 3), (4, 5), (5, 6), (4, 6), (3, 4)])
        >>> communities(g, seed=1)
        [{1, 2, 3}, {4, 5, 6}]

    References:
        ``networkx.community.louvain_communities``.
    """
    if graph.number_of_nodes() == 0:
        return []
    found = nx.community.louvain_communities(graph, weight="weight", resolution=resolution,
                                             seed=seed)
    return sorted((set(c) for c in found), key=lambda c: (-len(c), min(map(str, c))))


#: Up to this many nodes, eigenvector centrality is found with a dense eigensolver.
_DENSE_EIGEN_NODES = 500
#: Sources of the betweenness searches done together (arrays of nodes x this many).
_BETWEENNESS_BATCH = 16


def _eigenvector(graph: nx.Graph) -> dict[Any, float]:
    """Eigenvector centrality on the weights: the leading eigenvector of the
    weight matrix (unit length, positive), as the limit that
    ``networkx.eigenvector_centrality``'s power iteration from equal scores
    approaches, found by an eigensolver instead: that iteration took 7 s on a
    664-organization graph and did not finish in 90 s on the 161,000-node
    affiliation graph of 100,000 readouts (0.01 s and 2.6 s here).

    Where the leading eigenvalue is shared (two equal components), the
    iteration's limit is the projection of equal scores on its eigenvectors:
    so it is here.

    Example:
        >>> scores = _eigenvector(nx.path_graph(3))
        >>> [round(scores[n], 6) for n in range(3)]
        [0.5, 0.707107, 0.5]
    """
    if graph.number_of_edges() == 0:
        return {node: 0.0 for node in graph}
    import numpy as np
    from scipy.sparse.linalg import ArpackNoConvergence, eigsh

    nodes = list(graph)
    matrix = nx.to_scipy_sparse_array(graph, nodelist=nodes, weight="weight", dtype=float,
                                      format="csr")
    if len(nodes) <= _DENSE_EIGEN_NODES:
        values, vectors = np.linalg.eigh(matrix.toarray())
        leading = vectors[:, values >= values[-1] - 1e-9 * max(1.0, abs(values[-1]))]
        vector = leading @ (leading.T @ np.ones(len(nodes)))
    else:
        try:
            _, vectors = eigsh(matrix, k=1, which="LA", v0=np.ones(len(nodes)), tol=0)
        except ArpackNoConvergence:  # pragma: no cover - not seen; as networkx's failure was
            return {node: float("nan") for node in graph}
        vector = vectors[:, 0]
    if vector.sum() < 0:
        vector = -vector
    vector = vector / np.linalg.norm(vector)
    return dict(zip(nodes, vector.tolist(), strict=True))


def _betweenness(graph: nx.Graph, samples: int | None, seed: int) -> dict[Any, float]:
    """Betweenness centrality on hops, normalized, as ``networkx.betweenness_centrality``
    gives it (the same sampled sources for the same ``seed``: ``k=samples``),
    computed for many sources at once with sparse matrix products: Brandes'
    breadth-first search a level at a time (the shortest paths' counts), then
    the dependencies accumulated back a level at a time. 100,000 readouts'
    affiliation graph (161,000 nodes): about 60 ms a source, against 1.1 s.

    Example:
        >>> scores = _betweenness(nx.path_graph(4), None, 0)
        >>> [round(scores[n], 6) for n in range(4)]
        [0.0, 0.666667, 0.666667, 0.0]
    """
    import random

    import numpy as np
    import scipy.sparse as sparse

    nodes = list(graph)
    n = len(nodes)
    if samples is not None and samples >= n:
        samples = None
    chosen = nodes if samples is None else random.Random(seed).sample(nodes, samples)
    if n == 0:
        return {}
    number = {node: i for i, node in enumerate(nodes)}
    ends = np.array([(number[a], number[b]) for a, b in graph.edges() if a != b],
                    dtype=np.int64).reshape(-1, 2)
    rows, columns = np.concatenate([ends[:, 0], ends[:, 1]]), np.concatenate([ends[:, 1], ends[:, 0]])
    adjacency = sparse.csr_array((np.ones(len(rows)), (rows, columns)), shape=(n, n))
    sources = np.array([number[node] for node in chosen], dtype=np.int64)
    total = np.zeros(n)
    for start in range(0, len(sources), _BETWEENNESS_BATCH):
        batch = sources[start:start + _BETWEENNESS_BATCH]
        each = np.arange(len(batch))
        distance = np.full((n, len(batch)), -1, dtype=np.int32)
        paths = np.zeros((n, len(batch)))  # sigma: the shortest paths from the source
        distance[batch, each] = 0
        paths[batch, each] = 1.0
        frontier, depth = paths.copy(), 0
        while True:
            reached = adjacency @ frontier
            new = (reached > 0) & (distance < 0)
            if not new.any():
                break
            depth += 1
            distance[new] = depth
            paths[new] = reached[new]
            frontier = np.where(new, paths, 0.0)
        dependency = np.zeros((n, len(batch)))  # delta
        for level in range(depth, 0, -1):
            at = distance == level
            share = np.where(at, (1.0 + dependency) / np.where(at, paths, 1.0), 0.0)
            dependency = np.where(distance == level - 1, dependency + paths * (adjacency @ share),
                                  dependency)
        dependency[batch, each] = 0.0  # a source is not between
        total += dependency.sum(axis=1)
    # networkx's _rescale, normalized, without endpoints
    pairs = n - 1
    if pairs < 2:
        return dict(zip(nodes, total.tolist(), strict=True))
    if samples is None:
        scale = np.full(n, 1 / (pairs * (pairs - 1)))
    else:
        scale = np.full(n, 1 / (samples * (pairs - 1)))
        scale[sources] = 1 / ((samples - 1) * (pairs - 1)) if samples > 1 else float("nan")
    return dict(zip(nodes, (total * scale).tolist(), strict=True))


def _core_number(graph: nx.Graph) -> dict[Any, int]:
    """The k-core number of each node, as ``networkx.core_number`` gives it, by
    Batagelj and Zaversnik's bin sort without removing the processed nodes from
    neighbour lists (networkx's list removals are quadratic in a hub's degree:
    30 s on 100,000 readouts' affiliation graph, whose parties have thousands
    of members; about a second here).

    Example:
        >>> _core_number(nx.Graph([(1, 2), (2, 3), (3, 1), (3, 4)]))
        {1: 2, 2: 2, 3: 2, 4: 1}
    """
    if nx.number_of_selfloops(graph) > 0:
        return nx.core_number(graph)  # raises: not defined with self-loops
    degree = dict(graph.degree())
    if not degree:
        return {}
    most = max(degree.values())
    counts = [0] * (most + 1)
    for d in degree.values():
        counts[d] += 1
    start, first = [0] * (most + 1), 0
    for d in range(most + 1):
        start[d], first = first, first + counts[d]
    order: list[Any] = [None] * len(degree)
    position: dict[Any, int] = {}
    filled = start.copy()
    for node, d in degree.items():
        position[node] = filled[d]
        order[filled[d]] = node
        filled[d] += 1
    adjacency = graph.adj
    for node in order:
        mine = degree[node]
        for other in adjacency[node]:
            theirs = degree[other]
            if theirs > mine:
                here, swap = position[other], start[theirs]
                moved = order[swap]
                if moved is not other:
                    order[here], order[swap] = moved, other
                    position[other], position[moved] = swap, here
                start[theirs] += 1
                degree[other] = theirs - 1
    return degree


def node_metric(graph: nx.Graph, metric: str, *, seed: int = 0,
                betweenness_samples: int | None = None) -> dict[Any, float]:
    """One metric of :data:`METRICS` for every node (``engagements`` reads the
    node attribute). See :func:`centrality_table` for what each means.

    Example:
        >>> node_metric(nx.star_graph(2), "degree")
        {0: 2.0, 1: 1.0, 2: 1.0}
    """
    if metric not in METRICS:
        raise AnalysisError(f"unknown metric {metric!r}; use one of {', '.join(METRICS)}")
    if graph.number_of_nodes() == 0:
        return {}
    if metric == "engagements":
        return {n: float(a.get("engagements", 0)) for n, a in graph.nodes(data=True)}
    if metric == "degree":
        return {n: float(d) for n, d in graph.degree()}
    if metric == "weighted_degree":
        return {n: float(d) for n, d in graph.degree(weight="weight")}
    if metric == "pagerank":
        return {n: float(v) for n, v in nx.pagerank(graph, weight="weight").items()}
    if metric == "eigenvector":
        return {n: float(v) for n, v in _eigenvector(graph).items()}
    k = betweenness_samples if betweenness_samples and betweenness_samples < len(graph) else None
    return _betweenness(graph, k, seed)


def centrality_table(graph: nx.Graph, *, seed: int = 0, resolution: float = 1.0,
                     betweenness_samples: int | None = None,
                     progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """One row per node: its metrics, sorted by weighted degree (then label).

    Columns: ``node`` (IRI), ``label``, ``kind``, ``country``, ``engagements``,
    ``degree``, ``weighted_degree`` (sum of edge weights), ``pagerank`` (on
    weights), ``betweenness`` (normalized, on hops, unweighted),
    ``eigenvector`` (on weights; 0 for an edgeless graph), ``community``
    (index into :func:`communities`, 0 = largest) and ``core`` (k-core number).

    Parameters:
        graph: any projection (nodes may lack label/kind/country/engagements).
        seed: seeds Louvain and betweenness sampling.
        resolution: Louvain resolution.
        betweenness_samples: estimate betweenness from this many sampled
            sources (None: exact, O(nodes x edges)).
        progress: called with the name of each metric before it is computed
            (a whole archive's affiliation graph takes about a minute).

    Example:
        >>> g = nx.path_graph(["a", "b", "c"])
        >>> nx.set_edge_attributes(g, 2, "weight")
        >>> t = centrality_table(g)
        >>> t[["node", "degree", "weighted_degree", "betweenness", "core"]].values.tolist()
        [['b', 2, 4, 1.0, 1], ['a', 1, 2, 0.0, 1], ['c', 1, 2, 0.0, 1]]
    """
    columns = ["node", "label", "kind", "country", "engagements", "degree", "weighted_degree",
               "pagerank", "betweenness", "eigenvector", "community", "core"]
    if graph.number_of_nodes() == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    tell = progress or (lambda step: None)
    degree = dict(graph.degree())
    strength = dict(graph.degree(weight="weight"))
    tell("pagerank")
    pagerank = node_metric(graph, "pagerank")
    tell("betweenness")
    betweenness = node_metric(graph, "betweenness", seed=seed,
                              betweenness_samples=betweenness_samples)
    tell("eigenvector")
    eigenvector = node_metric(graph, "eigenvector")
    tell("communities")
    community_of = {node: i for i, members in
                    enumerate(communities(graph, seed=seed, resolution=resolution))
                    for node in members}
    tell("cores")
    core = _core_number(graph)
    rows = []
    for node, attributes in graph.nodes(data=True):
        rows.append({
            "node": node, "label": attributes.get("label", str(node)),
            "kind": attributes.get("kind", ""), "country": attributes.get("country", ""),
            "engagements": int(attributes.get("engagements", 0)),
            "degree": int(degree[node]), "weighted_degree": int(strength[node])
            if float(strength[node]).is_integer() else float(strength[node]),
            "pagerank": float(pagerank[node]), "betweenness": float(betweenness[node]),
            "eigenvector": float(eigenvector[node]), "community": community_of[node],
            "core": int(core[node])})
    table = pd.DataFrame(rows, columns=columns)
    table = table.sort_values(["weighted_degree", "label", "node"], ascending=[False, True, True],
                              key=lambda s: s.str.casefold() if s.dtype == object else s,
                              kind="stable")
    return table.reset_index(drop=True)


def edge_table(graph: nx.Graph) -> pd.DataFrame:
    """One row per edge, heaviest first: ``source``, ``target`` (IRIs),
    ``source_label``, ``target_label``, ``weight``, ``first``, ``last``,
    ``types`` and ``topics`` ("; "-joined).

    Example:
        >>> g = nx.Graph()
        >>> g.add_edge("a", "b", weight=3, types=["Meeting", "Talks"])
        >>> edge_table(g)[["source", "target", "weight", "types"]].values.tolist()
        [['a', 'b', 3, 'Meeting; Talks']]
    """
    rows = []
    for a, b, attributes in graph.edges(data=True):
        a, b = sorted((a, b), key=str)
        rows.append({
            "source": a, "target": b,
            "source_label": graph.nodes[a].get("label", str(a)),
            "target_label": graph.nodes[b].get("label", str(b)),
            "weight": attributes.get("weight", 1), "first": attributes.get("first", ""),
            "last": attributes.get("last", ""),
            "types": "; ".join(attributes.get("types", [])),
            "topics": "; ".join(attributes.get("topics", []))})
    columns = ["source", "target", "source_label", "target_label", "weight", "first", "last",
               "types", "topics"]
    table = pd.DataFrame(rows, columns=columns)
    if rows:
        table = table.sort_values(["weight", "source_label", "target_label"],
                                  ascending=[False, True, True], kind="stable")
    return table.reset_index(drop=True)


def _part_of(data: EngagementData, side: str, focus: str) -> bool:
    seen = set()
    while side and side not in seen:
        if side == focus:
            return True
        seen.add(side)
        side = data.entity(side).parent or ""
    return False


def per_year(data: EngagementData, by: Literal["country", "party", "type", "topic"],
             filters: Filters | None = None, *, focus: str | None = None) -> pd.DataFrame:
    """Engagements per year, one column per counterpart country, party, type or topic.

    Counterparts are the sides of an engagement other than ``focus`` and its
    party bodies (``org:subOrganizationOf``); without a focus, every side.
    ``country`` counts each engagement once per counterpart country (a side's
    ``pr:country``, or the side itself when it is a country); ``party``, once
    per counterpart party or party international; ``type``, once; ``topic``,
    once per topic. Undated engagements are left out. Rows are every year from
    the first to the last (0 where none); columns are labels, the largest
    total first.

    Parameters:
        data: from :func:`load`.
        by: one of :data:`PER_YEAR_BY`.
        filters: applied first; an ego keeps the engagements it took part in.
        focus: the IRI, label or alias of the entity whose counterparts are counted.

    Example:
        >>> cpc, zwp, yp = "id/org/cpc", "id/org/zwp", "id/org/yp"
        >>> data = EngagementData(
        ...     (Engagement("e1", "Meeting", dt.date(2020, 1, 2), None, "", "", (cpc, zwp)),
        ...      Engagement("e2", "Talks", dt.date(2022, 3, 4), None, "", "", (cpc, yp)),
        ...      Engagement("e3", "Talks", dt.date(2022, 5, 6), None, "", "", (cpc, yp))),
        ...     {cpc: Entity(cpc, "CPC", "party"), zwp: Entity(zwp, "ZWP", "party"),
        ...      yp: Entity(yp, "YP", "party")})
        >>> per_year(data, "party", focus="CPC").to_dict("index")
        {2020: {'YP': 0, 'ZWP': 1}, 2021: {'YP': 0, 'ZWP': 0}, 2022: {'YP': 2, 'ZWP': 0}}
    """
    if by not in PER_YEAR_BY:
        raise AnalysisError(f"cannot count per year by {by!r}; use one of {', '.join(PER_YEAR_BY)}")
    filters = filters or _NO_FILTERS
    chosen = select(data, filters)
    engagements = chosen.engagements
    if filters.ego:
        ego = resolve(data, filters.ego)
        engagements = tuple(e for e in engagements if ego in e.entities)
    focus_iri = resolve(data, focus) if focus else None
    counts: Counter[tuple[int, str]] = Counter()
    for engagement in engagements:
        if engagement.year is None:
            continue
        sides = [s for s in _sides(chosen, engagement)
                 if not (focus_iri and _part_of(chosen, s, focus_iri))]
        if by == "type":
            keys = {type_label(engagement.type)}
        elif by == "topic":
            keys = {chosen.label(t) for t in engagement.topics}
        elif by == "party":
            keys = {chosen.label(s) for s in sides
                    if chosen.entity(s).kind in {"party", "international"}}
        else:
            keys = set()
            for side in sides:
                entity = chosen.entity(side)
                country = side if entity.kind == "country" else entity.country
                if country:
                    keys.add(chosen.label(country))
        for key in keys:
            counts[(engagement.year, key)] += 1
    if not counts:
        empty = pd.DataFrame(index=pd.Index([], name="year", dtype="int64"))
        empty.columns.name = by
        return empty
    years = [year for year, _ in counts]
    totals: Counter[str] = Counter()
    for (_, key), n in counts.items():
        totals[key] += n
    columns = sorted(totals, key=lambda k: (-totals[k], k.casefold(), k))
    index = pd.Index(range(min(years), max(years) + 1), name="year")
    table = pd.DataFrame({key: [counts.get((year, key), 0) for year in index] for key in columns},
                         index=index, dtype="int64")
    table.columns.name = by
    return table


# --------------------------------------------------------------------------- export

def _flat(value: Any) -> Any:
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return "; ".join(str(v) for v in items)
    if value is None:
        return ""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (str, bool, int, float)):
        return value
    return str(value)


def _flattened(graph: nx.Graph) -> nx.Graph:
    """A copy whose attribute values are scalars (GraphML and GEXF need them)."""
    flat = graph.__class__()
    flat.graph.update({k: _flat(v) for k, v in graph.graph.items()})
    flat.add_nodes_from((str(n), {k: _flat(v) for k, v in a.items()})
                        for n, a in graph.nodes(data=True))
    flat.add_edges_from((str(a), str(b), {k: _flat(v) for k, v in d.items()})
                        for a, b, d in graph.edges(data=True))
    return flat


def export_graph(graph: nx.Graph, path: Path | str,
                 fmt: Literal["graphml", "gexf", "json"]) -> Path:
    """Write a projection for other tools: GraphML, GEXF (Gephi) or node-link JSON.

    GraphML and GEXF hold scalar attributes only, so lists (types, topics,
    posts) are written "; "-joined; JSON keeps them as lists. Written
    atomically (a ``.tmp`` file renamed over ``path``).

    Example:
        >>> import tempfile
        >>> g = nx.Graph()
        >>> g.add_edge("a", "b", weight=2, types=["Meeting", "Talks"])
        >>> out = export_graph(g, Path(tempfile.mkdtemp()) / "g.graphml", "graphml")
        >>> nx.read_graphml(out).edges["a", "b"]["types"]
        'Meeting; Talks'
    """
    if fmt not in EXPORT_FORMATS:
        raise AnalysisError(f"unknown export format {fmt!r}; use one of "
                            f"{', '.join(EXPORT_FORMATS)}")
    target = Path(path)
    tmp = target.with_name(target.name + ".tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "graphml":
            nx.write_graphml(_flattened(graph), tmp, encoding="utf-8")
        elif fmt == "gexf":
            nx.write_gexf(_flattened(graph), tmp, encoding="utf-8")
        else:
            document = nx.node_link_data(graph, edges="links")
            with open(tmp, "w", encoding="utf-8") as handle:
                json.dump(document, handle, ensure_ascii=False, indent=1, default=_flat)
                handle.write("\n")
        os.replace(tmp, target)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise AnalysisError(f"cannot write {target}: {err.strerror or err}; choose a writable "
                            "folder") from err
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target



# --------------------------------------------------------------------------- the whole analysis

@dataclass(frozen=True)
class Analysis:
    """Everything ``kg analyze`` reports: the projections and their tables.

    ``graphs``: organizations, affiliations, countries, engagements.
    ``tables``: organizations, organization_edges, countries, persons
    (centrality tables and the edge list) and per_year_country, per_year_party,
    per_year_type, per_year_topic.
    """

    filters: Filters
    engagements: int
    graphs: Mapping[str, nx.Graph]
    tables: Mapping[str, pd.DataFrame]


def analyze(data: EngagementData, filters: Filters | None = None, *, seed: int = 0,
            betweenness_samples: int | None = 500,
            progress: Callable[[str], None] | None = None) -> Analysis:
    """Project, measure and count: the graphs and tables of :class:`Analysis`.

    The time series count the counterparts of the ego when there is one, of
    every side otherwise. Persons are ranked in the affiliation graph.
    ``progress`` is called with each step before it runs ("affiliations:
    betweenness (161,198 nodes)"): about two minutes for 100,000 readouts.

    Example:
        >>> e = Engagement("e1", "Meeting", dt.date(2022, 1, 1), None, "", "", ("id/a", "id/b"))
        >>> result = analyze(EngagementData((e,), {}))
        >>> result.engagements, sorted(result.tables)[:2], result.tables["per_year_type"].to_dict()
        (1, ['countries', 'organization_edges'], {'Meeting': {2022: 1}})
    """
    with gc_paused():  # a whole archive's projections: millions of objects kept, no cycle made
        return _analyze(data, filters or _NO_FILTERS, seed, betweenness_samples,
                        progress or (lambda step: None))


def _analyze(data: EngagementData, filters: Filters, seed: int, betweenness_samples: int | None,
             tell: Callable[[str], None]) -> Analysis:
    chosen = select(data, filters)
    engagements = chosen.engagements
    if filters.ego:
        ego = resolve(data, filters.ego)
        engagements = tuple(e for e in engagements if ego in e.entities)
    graphs: dict[str, nx.Graph] = {}
    for name, project in (("organizations", organization_graph), ("affiliations", affiliation_graph),
                          ("countries", country_graph), ("engagements", engagement_graph)):
        tell(f"{name}: projecting")
        graphs[name] = project(data, filters)

    def measured(name: str) -> pd.DataFrame:
        size = f"{graphs[name].number_of_nodes():,} nodes"
        return centrality_table(graphs[name], seed=seed, betweenness_samples=betweenness_samples,
                                progress=lambda metric: tell(f"{name}: {metric} ({size})"))

    people = measured("affiliations")
    tables: dict[str, pd.DataFrame] = {"organizations": measured("organizations")}
    tables["organization_edges"] = edge_table(graphs["organizations"])
    tables["countries"] = measured("countries")
    tables["persons"] = people[people["kind"] == "person"].reset_index(drop=True)
    for by in PER_YEAR_BY:
        tell(f"engagements per year by {by}")
        tables[f"per_year_{by}"] = per_year(data, by, filters,  # type: ignore[arg-type]
                                            focus=filters.ego)
    return Analysis(filters, len(engagements), MappingProxyType(graphs),
                    MappingProxyType(tables))


def write_analysis(analysis: Analysis, folder: Path | str,
                   formats: Iterable[str] = ()) -> list[Path]:
    """Write every table as ``<name>.csv`` and every graph as ``<name>.<format>``
    for each of ``formats`` (graphml, gexf, json) into ``folder``; return the paths.

    Example:
        >>> import tempfile
        >>> e = Engagement("e1", "Meeting", dt.date(2022, 1, 1), None, "", "", ("id/a", "id/b"))
        >>> paths = write_analysis(analyze(EngagementData((e,), {})), tempfile.mkdtemp(), ["gexf"])
        >>> sorted(p.name for p in paths)[:3]
        ['affiliations.gexf', 'countries.csv', 'countries.gexf']
    """
    formats = list(dict.fromkeys(formats))
    for fmt in formats:
        if fmt not in EXPORT_FORMATS:
            raise AnalysisError(f"unknown export format {fmt!r}; use one of "
                                f"{', '.join(EXPORT_FORMATS)}")
    target = Path(folder)
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise AnalysisError(f"cannot create {target}: {err.strerror or err}; choose a writable "
                            "folder") from err
    written = []
    for name, table in analysis.tables.items():
        path = target / f"{name}.csv"
        index = name.startswith("per_year_")
        try:
            table.to_csv(path, index=index, lineterminator="\n")
        except OSError as err:
            raise AnalysisError(f"cannot write {path}: {err.strerror or err}; choose a writable "
                                "folder") from err
        written.append(path)
    for name, graph in analysis.graphs.items():
        for fmt in formats:
            path = target / f"{name}.{fmt}"
            written.append(export_graph(graph, path, fmt))  # type: ignore[arg-type]
    return written
