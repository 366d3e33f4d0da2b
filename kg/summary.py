"""The engagement summary: a side index kept beside a store on disk so that the
aggregate named queries answer in milliseconds whatever the store's size.

pyoxigraph joins cost about 10 microseconds a row, and the aggregate queries
(counts per year, type, topic or counterpart) join every engagement they
count: "the CPC's counterparts in 2020" read 85,000 engagements and took
2.8 s at 100,000 readouts, every engagement by year and type 2.7 s. The
build therefore keeps, in ``OUT/.summary.sqlite``:

* one row per engagement (its date and year), with its types, sides,
  topics, participants and source readout, the pairs each readout puts in
  dialogue, and the classes and name forms of its entities, written with
  the readouts the build writes (read from the same N-Triples text the
  store received) and removed with those it prunes;
* aggregate tables derived from those rows on a first build and kept up
  to date after it: each rebuild's rows written and removed add to or take
  away from the counts, and the pairs and organizations they name are
  derived again (see :meth:`Summary.finish`); the answers of
  ``engagements-by-year``, ``engagements-by-type``, ``topics-by-year``,
  ``counterparts-by-year`` and ``first-last-contact`` for every value of
  their parameters, and the engagements of each pair in dialogue per day
  (``dialogue-edges`` for any period), each organization's countries,
  kinds and engagements (``organizations-by-country``,
  from the organizations' classes and ``pr:country`` each readout states),
  and each entity's kinds and the number of readouts that name it
  (``entities`` without a name). ``calls-in-period`` reads the engagement
  rows; ``entities`` with a name reads each entity's forms (its
  ``skos:altLabel`` texts in lower case, as ``LCASE(STR(?form))`` gives
  them) per readout: the distinct forms that contain the text, then the
  readouts that use them;
* per readout graph, the posts it states (holder, organization, title), who
  it says presides what, the persons it names as participant, present or
  post holder, and what each subject says of itself as a readout
  (identifier, title, publication date): ``career-timeline``, ``presides``
  and ``readouts-mentioning`` read these rows as their SPARQL reads the
  graphs (within one graph; a readout's metadata from any graph for
  ``readouts-mentioning``), with no aggregate kept.

A query answered here gets its labels from the summary's copy of every
``rdfs:label`` statement (those of each readout graph, kept with its rows,
and those of the derived graphs, copied again at each :meth:`Summary.sync`),
once per graph that states one, as the SPARQL's union gives them; its rows
are ordered as the SPARQL orders them: the answer is the one the query
gives (the tests compare them for every parameter value). The
summary is used only when all of these hold, otherwise the SPARQL runs:

* the summary was sealed with the store's current content stamp (recorded by
  the build after it closed the store; any later write to the store, by any
  program, changes the stamp);
* every readout's engagements had the shapes the summary reads (one
  ``xsd:date`` each at most; sides, topics, participants and sources given
  as IRIs; an engagement in one readout graph only, typed ``pr:Engagement``),
  and its posts and readouts too (holders, organizations and heads as IRIs,
  titles as literals, publication dates as ``xsd:date``; see
  :func:`readout_rows`);
* the named query's text is the one its answer here was written for
  (:data:`QUERY_DIGESTS`): an edited ``.rq`` file runs as SPARQL.

Example:
    >>> import tempfile
    >>> from kg.store import GRAPH_BASE, GraphData
    >>> folder = Path(tempfile.mkdtemp())
    >>> e = "<https://w3id.org/partyrel/id/engagement/r1-1>"
    >>> text = (f"{e} <{RDF_TYPE}> <{PR_NS}Engagement> .\\n{e} <{RDF_TYPE}> <{PR_NS}Talks> .\\n"
    ...         f'{e} <{PR_NS}date> "2024-03-11"^^<{XSD_DATE}> .')
    >>> with Summary.open(folder) as summary:
    ...     summary.record([GraphData(GRAPH_BASE + "r1", text, "h1")])
    ...     summary.finish()
    ...     summary.rows("SELECT year, type, n FROM by_year_type")
    [(2024, 'Talks', 1)]
"""

from __future__ import annotations

import gc
import hashlib
import re
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import closing
from datetime import date, datetime
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, NamedTuple, Self, TypeVar

import numpy
import pyoxigraph as ox
from rdflib.term import Node, URIRef

from kg.errors import StoreError
from kg.store import GRAPH_BASE, ID_BASE, PR_NS, BindingValue, GraphData, GraphStore, from_ox_term

_T = TypeVar("_T")

if TYPE_CHECKING:
    from kg.named_queries import NamedQuery
    from kg.query import QueryResult

__all__ = ["DERIVED_GRAPHS", "QUERY_DIGESTS", "SUMMARY_FILE", "Summary", "answer", "query_digest"]

#: The summary's file in the output folder.
SUMMARY_FILE = ".summary.sqlite"
#: Changes whenever the tables or their meaning change (an older file is made again).
_VERSION = "partyrel-summary-13"

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"
_XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
_RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
#: The graphs a build derives from all readouts (labels, the topic scheme): no engagements.
DERIVED_GRAPHS = frozenset({GRAPH_BASE + "_labels", GRAPH_BASE + "_topics"})
#: The readout number each derived graph's labels are kept under.
_DERIVED_RIDS = {GRAPH_BASE + "_labels": 0, GRAPH_BASE + "_topics": -1}
_ENGAGEMENT_LINE = f"<{ID_BASE}engagement/"
_TYPE = f"<{RDF_TYPE}>"
_ENGAGEMENT_CLASS = f"<{PR_NS}Engagement>"
_DATE = f"<{PR_NS}date>"
_INVOLVES = f"<{PR_NS}involves>"
_TOPIC = f"<{PR_NS}topic>"
_PARTICIPANT = f"<{PR_NS}participant>"
_REPORTED_IN = f"<{PR_NS}reportedIn>"
_DIALOGUE = f"<{PR_NS}dialoguesWith>"
_IDENTIFIER = "<http://purl.org/dc/terms/identifier>"
_READOUT_LINE = f"<{ID_BASE}readout/"
_COUNTRY = f"<{PR_NS}country>"
_ALT_LABEL = "<http://www.w3.org/2004/02/skos/core#altLabel>"
_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
_READOUT_CLASS = f"<{PR_NS}Readout>"
_ORG_NS = "http://www.w3.org/ns/org#"
_HOLDS = f"<{_ORG_NS}holds>"
_POST_IN = f"<{_ORG_NS}postIn>"
_POST_TITLE = f"<{PR_NS}title>"
_PRESIDES = f"<{PR_NS}presides>"
_ATTENDEE = f"<{PR_NS}attendee>"
_DC_TITLE = "<http://purl.org/dc/terms/title>"
_ISSUED = "<http://purl.org/dc/terms/issued>"
#: what a readout says of itself, as the meta table names it
_META = {_IDENTIFIER: "identifier", _DC_TITLE: "title", _ISSUED: "issued"}
#: the predicates read from the lines of subjects other than engagements
_READ = frozenset({_DIALOGUE, _COUNTRY, _TYPE, _ALT_LABEL, _LABEL, _HOLDS, _POST_IN, _POST_TITLE,
                   _PRESIDES, _ATTENDEE, _PARTICIPANT, *_META})
#: the predicates that make an engagement a person, a post or an organization's head
_NOT_OF_ENGAGEMENTS = frozenset({_DIALOGUE, _COUNTRY, _HOLDS, _POST_IN, _POST_TITLE, _PRESIDES})
#: The classes organizations-by-country reads (the first one is required).
_ORG_NAMES = ("Organization", "PoliticalParty", "PartyInternational", "PartyBody", "GovernmentBody")
#: The kinds of entity the entities query lists (the organizations' and these).
_ENTITY_CLASSES = {f"<{PR_NS}{name}>": name for name in (*_ORG_NAMES, "Person", "Country", "Place")}
_TYPED_ENGAGEMENT = f" {_TYPE} {_ENGAGEMENT_CLASS} ."
_DATE_LITERAL = re.compile(r'"(\d{4})-\d{2}-\d{2}"\^\^<' + re.escape(XSD_DATE) + ">")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS readouts (
  rid INTEGER PRIMARY KEY, graph TEXT NOT NULL UNIQUE, digest TEXT NOT NULL,
  regular INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS terms (id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS eng (
  id INTEGER PRIMARY KEY, rid INTEGER NOT NULL, e TEXT NOT NULL, date TEXT, year INTEGER);
CREATE INDEX IF NOT EXISTS eng_rid ON eng (rid);
CREATE TABLE IF NOT EXISTS eng_type (eid INTEGER NOT NULL, type TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS eng_type_eid ON eng_type (eid);
CREATE TABLE IF NOT EXISTS inv (eid INTEGER NOT NULL, org INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS inv_eid_org ON inv (eid, org);
CREATE TABLE IF NOT EXISTS top (eid INTEGER NOT NULL, topic INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS top_eid ON top (eid);
CREATE TABLE IF NOT EXISTS part (eid INTEGER NOT NULL, person INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS part_eid_person ON part (eid, person);
CREATE TABLE IF NOT EXISTS report (eid INTEGER NOT NULL, readout TEXT NOT NULL,
  identifier TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS report_eid ON report (eid);
CREATE TABLE IF NOT EXISTS dia (rid INTEGER NOT NULL, source INTEGER NOT NULL,
  target INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS dia_rid ON dia (rid);
CREATE INDEX IF NOT EXISTS eng_type_type ON eng_type (type, eid);
CREATE TABLE IF NOT EXISTS orgc (rid INTEGER NOT NULL, org INTEGER NOT NULL,
  country INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS orgc_rid ON orgc (rid);
CREATE TABLE IF NOT EXISTS orgk (rid INTEGER NOT NULL, org INTEGER NOT NULL, class TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS orgk_rid ON orgk (rid);
CREATE INDEX IF NOT EXISTS orgk_org ON orgk (org, class);
CREATE TABLE IF NOT EXISTS post (rid INTEGER NOT NULL, person INTEGER NOT NULL, org INTEGER NOT NULL,
  title TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS post_rid ON post (rid, person, org);
CREATE INDEX IF NOT EXISTS post_person ON post (person);
CREATE TABLE IF NOT EXISTS pres (rid INTEGER NOT NULL, person INTEGER NOT NULL, org INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS pres_rid ON pres (rid);
CREATE INDEX IF NOT EXISTS pres_person ON pres (person);
CREATE INDEX IF NOT EXISTS pres_org ON pres (org);
CREATE TABLE IF NOT EXISTS role (rid INTEGER NOT NULL, person INTEGER NOT NULL, role TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS role_rid ON role (rid);
CREATE INDEX IF NOT EXISTS role_person ON role (person);
CREATE TABLE IF NOT EXISTS rmeta (rid INTEGER NOT NULL, readout INTEGER NOT NULL, kind TEXT NOT NULL,
  value TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS rmeta_rid ON rmeta (rid, readout, kind);
CREATE INDEX IF NOT EXISTS rmeta_readout ON rmeta (readout);
CREATE TABLE IF NOT EXISTS dirty (entity INTEGER PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lforms (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS forms (rid INTEGER NOT NULL, entity INTEGER NOT NULL,
  lid INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS forms_rid ON forms (rid);
CREATE INDEX IF NOT EXISTS forms_entity ON forms (entity, lid, rid);
CREATE TABLE IF NOT EXISTS rdo (rid INTEGER NOT NULL, readout INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS rdo_rid ON rdo (rid, readout);
CREATE INDEX IF NOT EXISTS rdo_readout ON rdo (readout, rid);
CREATE TABLE IF NOT EXISTS delta_form (entity INTEGER NOT NULL, lid INTEGER NOT NULL,
  d INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS delta_entity (entity INTEGER NOT NULL, d INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS labels (rid INTEGER NOT NULL, entity INTEGER NOT NULL,
  label TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS labels_rid ON labels (rid);
CREATE INDEX IF NOT EXISTS labels_entity_label ON labels (entity, label);
CREATE TABLE IF NOT EXISTS kinds (entity INTEGER NOT NULL, kind TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS kinds_entity ON kinds (entity);
CREATE TABLE IF NOT EXISTS by_entity (entity INTEGER PRIMARY KEY, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS by_form (entity INTEGER NOT NULL, lid INTEGER NOT NULL,
  n INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS by_form_lid ON by_form (lid);
CREATE UNIQUE INDEX IF NOT EXISTS by_form_key ON by_form (entity, lid);
CREATE TABLE IF NOT EXISTS by_country (country INTEGER NOT NULL, org INTEGER NOT NULL,
  kind TEXT NOT NULL, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS pairs (source INTEGER NOT NULL, target INTEGER NOT NULL,
  PRIMARY KEY (source, target)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS by_pair_day (
  source INTEGER NOT NULL, target INTEGER NOT NULL, date TEXT, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS by_year_type (year INTEGER, type TEXT NOT NULL, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS by_type (type TEXT NOT NULL, n INTEGER NOT NULL, first TEXT, last TEXT);
CREATE TABLE IF NOT EXISTS by_year_topic (year INTEGER, topic INTEGER NOT NULL, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS by_org_year (
  org INTEGER NOT NULL, year INTEGER, counterpart INTEGER NOT NULL, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS by_pair (
  org INTEGER NOT NULL, counterpart INTEGER NOT NULL, n INTEGER NOT NULL, first TEXT, last TEXT);
CREATE TABLE IF NOT EXISTS pair_day (
  org INTEGER NOT NULL, counterpart INTEGER NOT NULL, date TEXT, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS pair_n (source INTEGER NOT NULL, target INTEGER NOT NULL, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS d_by_year_type (year INTEGER, type TEXT NOT NULL, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS d_by_year_topic (year INTEGER, topic INTEGER NOT NULL, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS d_by_org_year (
  org INTEGER NOT NULL, year INTEGER, counterpart INTEGER NOT NULL, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS d_pair_day (
  org INTEGER NOT NULL, counterpart INTEGER NOT NULL, date TEXT, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS d_pair_n (source INTEGER NOT NULL, target INTEGER NOT NULL, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS d_org (org INTEGER PRIMARY KEY) WITHOUT ROWID;
"""

#: The indexes of the tables :meth:`Summary.record` writes rows to. Into a
#: summary holding no readout, rows are written without them and they are made
#: once, before a row is looked up again (100,000 readouts: the rows took 32 s
#: with them kept up to date, 22 s without and 3 s to make them afterwards).
_ROW_INDEXES: tuple[tuple[str, str], ...] = tuple(
    (name, statement) for statement, name in re.findall(
        r"(CREATE INDEX IF NOT EXISTS (\w+) ON (?:eng|eng_type|inv|top|part|report|dia|orgc|orgk|forms"
        r"|rdo|labels|post|pres|role|rmeta) \([^)]*\));", _SCHEMA))

# The aggregates, as the SPARQL of each query defines them (COUNT(DISTINCT ?e)
# is COUNT(*): an engagement is one row of eng, in one readout graph; sides,
# topics and types are sets within a graph).
_AGGREGATES = (
    ("by_year_type", """INSERT INTO by_year_type
        SELECT e.year, t.type, COUNT(*) FROM eng e JOIN eng_type t ON t.eid = e.id
        WHERE {0} GROUP BY e.year, t.type""", ("year", "type")),
    ("by_type", """INSERT INTO by_type
        SELECT t.type, COUNT(*), MIN(e.date), MAX(e.date) FROM eng e JOIN eng_type t ON t.eid = e.id
        GROUP BY t.type""", ("type",)),
    ("by_year_topic", """INSERT INTO by_year_topic
        SELECT e.year, p.topic, COUNT(*) FROM eng e JOIN top p ON p.eid = e.id
        WHERE {0} GROUP BY e.year, p.topic""", ("year", "topic")),
    ("by_org_year", """INSERT INTO by_org_year
        SELECT a.org, e.year, b.org, COUNT(*) FROM eng e JOIN inv a ON a.eid = e.id
        JOIN inv b ON b.eid = e.id AND b.org != a.org WHERE {0} GROUP BY a.org, e.year, b.org""",
     ("org, year", "year")),
    # the engagements of each two organizations (as sides) per day ...
    ("pair_day", """INSERT INTO pair_day
        SELECT a.org, b.org, e.date, COUNT(*) FROM eng e JOIN inv a ON a.eid = e.id
        JOIN inv b ON b.eid = e.id AND b.org != a.org WHERE {0} GROUP BY a.org, b.org, e.date""",
     ("org, counterpart, date",)),
    # ... and the dialogue statements of each pair (the IRI that sorts first as source)
    ("pair_n", """INSERT INTO pair_n
        SELECT d.source, d.target, COUNT(*) FROM dia d JOIN terms s ON s.id = d.source
        JOIN terms t ON t.id = d.target WHERE s.iri < t.iri AND {0} GROUP BY d.source, d.target""",
     ("source, target",)),
    ("by_pair", """INSERT INTO by_pair
        SELECT org, counterpart, SUM(n), MIN(date), MAX(date) FROM pair_day
        WHERE {1} GROUP BY org, counterpart""", ("org",)),
    # dialogue-edges: the pairs in dialogue, once ...
    ("pairs", """INSERT INTO pairs SELECT source, target FROM pair_n WHERE {2}""", ()),
    # ... and their engagements per day, for a period
    ("by_pair_day", """INSERT INTO by_pair_day
        SELECT p.org, p.counterpart, p.date, p.n FROM pair_day p
        JOIN pairs d ON d.source = p.org AND d.target = p.counterpart WHERE {3}""", ("date",)),
    # organizations-by-country: each organization with a country, per kind (its
    # specific classes, or Organization), with its engagements as a side
    ("by_country", """INSERT INTO by_country
        WITH specific AS (SELECT DISTINCT org, class FROM orgk
                          WHERE class IN ('PoliticalParty', 'PartyInternational', 'PartyBody',
                                          'GovernmentBody') AND {4}),
        kinds AS (SELECT org, class AS kind FROM specific
                  UNION SELECT DISTINCT org, 'Organization' FROM orgk
                  WHERE class = 'Organization' AND org NOT IN (SELECT org FROM specific) AND {4}),
        counts AS (SELECT org, COUNT(*) AS n FROM inv WHERE {4} GROUP BY org)
        SELECT oc.country, oc.org, k.kind, COALESCE(c.n, 0)
        FROM (SELECT DISTINCT org, country FROM orgc WHERE {4}) oc
        JOIN (SELECT DISTINCT org FROM orgk WHERE class = 'Organization' AND {4}) o ON o.org = oc.org
        JOIN kinds k ON k.org = oc.org LEFT JOIN counts c ON c.org = oc.org""", ("country",)),
)
#: The aggregates kept by adding what each readout graph written adds and
#: taking away what each graph replaced or removed added (plain counts, each
#: its table's last column, summed by the other columns): ``d_TABLE`` holds
#: the changes not yet added. The others are derived from them again, for the
#: pairs and organizations the changes name (by_type whole: seven rows).
_COUNTED = ("by_year_type", "by_year_topic", "by_org_year", "pair_day", "pair_n")
#: The columns each counted aggregate counts by.
_COUNT_KEYS = {"by_year_type": ("year", "type"), "by_year_topic": ("year", "topic"),
               "by_org_year": ("org", "year", "counterpart"), "pair_day": ("org", "counterpart", "date"),
               "pair_n": ("source", "target")}
#: The pairs and organizations changed since the aggregates were derived: the
#: derived aggregates are made again for them (conditions {1} to {4} of their INSERT).
_PAIRS_CHANGED = "SELECT DISTINCT org, counterpart FROM d_pair_day"
_DIALOGUES_CHANGED = "SELECT DISTINCT source, target FROM d_pair_n"
_EITHER_CHANGED = f"{_PAIRS_CHANGED} UNION {_DIALOGUES_CHANGED}"
_CHANGED = ("1", f"(org, counterpart) IN ({_PAIRS_CHANGED})", f"(source, target) IN ({_DIALOGUES_CHANGED})",
            f"(p.org, p.counterpart) IN ({_EITHER_CHANGED})", "org IN (SELECT org FROM d_org)")
_WHOLE = ("1",) * 5
#: The rows of each derived aggregate made again for the changes (by_type: all).
_DERIVED_AGAIN = {"by_pair": _CHANGED[1], "pairs": _CHANGED[2], "by_country": _CHANGED[4],
                  "by_pair_day": f"(source, target) IN ({_EITHER_CHANGED})"}
#: The rows each counted aggregate counts: the SELECT of its INSERT limited
#: to some readouts ({0}: a condition on ``rid`` of eng or dia) and signed.
_SIGNED = {table: insert.split("\n", 1)[1].replace("COUNT(*)", "{sign} * COUNT(*)").replace(
    "{0}", ("d" if table == "pair_n" else "e") + ".rid {rids}")
    for table, insert, _ in _AGGREGATES if table in _COUNTED}


# The entities' aggregates, derived again for the entities whose rows changed
# (the table dirty; every entity on a summary's first build): each entity's
# kinds (an Organization of a more specific kind is listed as that kind only),
# the readouts that name it by any form, and by each form. {0} limits them to
# some entities.
_ENTITY_AGGREGATES = (
    ("kinds", "entity", """INSERT INTO kinds
        WITH typed AS (SELECT DISTINCT org, class FROM orgk WHERE {0})
        SELECT org, class FROM typed t WHERE class != 'Organization' OR NOT EXISTS (
          SELECT 1 FROM typed n WHERE n.org = t.org AND n.class IN ('PoliticalParty',
            'PartyInternational', 'PartyBody', 'GovernmentBody'))"""),
    ("by_entity", "entity", """INSERT INTO by_entity
        SELECT f.entity, COUNT(DISTINCT r.readout) FROM forms f JOIN rdo r ON r.rid = f.rid
        WHERE {0} GROUP BY f.entity"""),
    ("by_form", "entity", """INSERT INTO by_form
        SELECT f.entity, f.lid, COUNT(DISTINCT r.readout) FROM forms f JOIN rdo r ON r.rid = f.rid
        WHERE {0} GROUP BY f.entity, f.lid"""),
)
#: The counts of readouts per entity and per form, kept by adding what each
#: readout graph written or removed adds or takes away (meta entity_counts =
#: "delta"): exact while every readout graph types at most one readout and no
#: readout is in two graphs (otherwise they are counted again whole).
_COUNTS = ("by_entity", "by_form")


#: Above this share of changed entities, their aggregates are derived whole.
_WHOLE_SHARE = 0.25


def _local_name(iri: str) -> str | None:
    """``pr:Talks`` -> "Talks"; None for a class outside the ontology."""
    return iri[len(PR_NS):] if iri.startswith(PR_NS) and len(iri) > len(PR_NS) else None


class Rows(NamedTuple):
    """What the summary keeps of one readout graph (IRIs without brackets)."""

    engagements: list[tuple[str, str | None, int | None]]  # IRI, date, year
    types: list[tuple[str, str]]  # engagement, class name ("Talks")
    sides: list[tuple[str, str]]  # engagement, organization or country
    topics: list[tuple[str, str]]  # engagement, topic
    participants: list[tuple[str, str]]  # engagement, person
    reports: list[tuple[str, str, str]]  # engagement, readout, its identifier (N-Triples)
    dialogues: list[tuple[str, str]]  # pr:dialoguesWith: subject, object
    countries: list[tuple[str, str]]  # pr:country: organization, country
    classes: list[tuple[str, str]]  # an entity class: subject, class name ("Person")
    forms: list[tuple[str, str]]  # skos:altLabel: entity, its form in lower case (LCASE(STR(.)))
    readouts: list[str]  # the subjects typed pr:Readout
    labels: list[tuple[str, str]]  # rdfs:label: subject IRI, its label (N-Triples)
    posts: list[tuple[str, str, str]]  # person, organization, title (N-Triples) of a post held
    presides: list[tuple[str, str]]  # pr:presides: person, organization
    roles: list[tuple[str, str]]  # person, "participant" / "present" / "post" (of anything)
    meta: list[tuple[str, str, str]]  # subject, "identifier" / "title" / "issued", value (N-Triples)


def readout_rows(ntriples: str) -> Rows | None:
    """The summary rows of one readout graph's N-Triples text (as
    :func:`kg.store.render_ntriples` writes it). None when the text has a
    shape the summary does not read (two dates for an engagement, a date or
    publication date that is not an ``xsd:date``, a side, topic, participant,
    attendee, source, dialogue partner, post holder, post's organization or
    presided organization that is not an IRI, a post title that is not a
    literal, an engagement outside ``id/engagement/``, one typed without
    ``pr:Engagement``, or one said to be a readout, to hold a post or to be
    one): the queries then run as SPARQL.

    Example:
        >>> e = "<https://w3id.org/partyrel/id/engagement/r1-1>"
        >>> rows = readout_rows(f"{e} <{RDF_TYPE}> <{PR_NS}Engagement> .\\n"
        ...                     f"{e} <{PR_NS}involves> <https://w3id.org/partyrel/id/org/zwp> .")
        >>> rows.engagements, rows.sides
        ([('https://w3id.org/partyrel/id/engagement/r1-1', None, None)], [('https://w3id.org/partyrel/id/engagement/r1-1', 'https://w3id.org/partyrel/id/org/zwp')])
    """
    engaged: set[str] = set()
    dates: dict[str, tuple[str, int]] = {}
    types: list[tuple[str, str]] = []
    links: dict[str, list[tuple[str, str]]] = {_INVOLVES: [], _TOPIC: [], _PARTICIPANT: [],
                                               _REPORTED_IN: []}
    identifiers: dict[str, list[str]] = {}
    dialogues: list[tuple[str, str]] = []
    countries: list[tuple[str, str]] = []
    classes: list[tuple[str, str]] = []
    forms: set[tuple[str, str]] = set()
    readouts: list[str] = []
    labels: list[tuple[str, str]] = []
    holds: list[tuple[str, str]] = []
    posted: dict[str, list[str]] = defaultdict(list)  # a post's organizations
    titled: dict[str, list[str]] = defaultdict(list)  # a post's titles
    presides: list[tuple[str, str]] = []
    roles: set[tuple[str, str]] = set()
    meta: list[tuple[str, str, str]] = []
    for line in ntriples.split("\n"):
        if line.startswith(_ENGAGEMENT_LINE):
            subject, predicate, rest = line.split(" ", 2)
            if not rest.endswith(" ."):
                return None
            obj = rest[:-2]
            e = subject[1:-1]
            if predicate == _TYPE:
                if obj == _ENGAGEMENT_CLASS:
                    engaged.add(e)
                elif obj in _ENTITY_CLASSES or obj == _READOUT_CLASS:
                    return None  # an engagement typed an entity or a readout: read by the SPARQL only
                elif obj.startswith("<"):
                    name = _local_name(obj[1:-1])
                    if name is not None:
                        types.append((e, name))
            elif predicate == _DATE:
                found = _DATE_LITERAL.fullmatch(obj)
                if found is None or e in dates:
                    return None
                dates[e] = (obj[1:11], int(found.group(1)))
            elif predicate in links:
                if not obj.startswith("<"):
                    return None
                links[predicate].append((e, obj[1:-1]))
            elif predicate == _ATTENDEE:
                if not obj.startswith("<"):
                    return None
                roles.add((obj[1:-1], "present"))
            elif predicate in _NOT_OF_ENGAGEMENTS:
                return None  # an engagement in dialogue, in a country or with a post: not a shape a build writes
            elif predicate == _LABEL:
                labels.append((e, obj))
            continue
        parts = line.split(" ", 2)
        if len(parts) < 3 or parts[1] not in _READ:
            continue
        subject, predicate, rest = parts
        obj = rest[:-2]
        iri_subject = subject.startswith("<")
        if predicate == _TYPE:
            name = _ENTITY_CLASSES.get(obj)
            if name is not None or obj == _READOUT_CLASS:
                if not iri_subject:
                    return None
                if name is None:
                    readouts.append(subject[1:-1])
                else:
                    classes.append((subject[1:-1], name))
        elif predicate == _ALT_LABEL:
            if not iri_subject:
                return None
            if not obj.startswith("_:"):  # STR of a blank node: no form
                forms.add((subject[1:-1], _lexical(obj).lower()))
        elif predicate == _LABEL:
            if iri_subject:  # a blank node's label is never asked for
                labels.append((subject[1:-1], obj))
        elif predicate in _META:
            if obj.startswith("_:") or (predicate == _ISSUED and _DATE_LITERAL.fullmatch(obj) is None):
                return None
            if iri_subject:  # a blank node typed pr:Readout gives no rows (above)
                meta.append((subject[1:-1], _META[predicate], obj))
                if predicate == _IDENTIFIER:
                    identifiers.setdefault(subject[1:-1], []).append(obj)
        elif predicate == _POST_TITLE:
            if not obj.startswith('"'):
                return None
            titled[subject].append(obj)
        else:  # links between IRIs
            if not (iri_subject or predicate in (_POST_IN, _PARTICIPANT, _ATTENDEE)) or (
                    not obj.startswith("<") and predicate != _HOLDS):
                return None
            if predicate in (_DIALOGUE, _COUNTRY):
                (dialogues if predicate == _DIALOGUE else countries).append((subject[1:-1], obj[1:-1]))
            elif predicate == _HOLDS:
                holds.append((subject[1:-1], obj))
                roles.add((subject[1:-1], "post"))
            elif predicate == _POST_IN:
                posted[subject].append(obj[1:-1])
            elif predicate == _PRESIDES:
                presides.append((subject[1:-1], obj[1:-1]))
            else:  # a participant or attendee of something else than an engagement
                roles.add((obj[1:-1], "participant" if predicate == _PARTICIPANT else "present"))
    if ntriples.count(_TYPED_ENGAGEMENT) != len(engaged):
        return None  # something else is typed pr:Engagement: read by the SPARQL only
    if any(e not in engaged for e, _ in types):
        return None  # a call or meeting not typed pr:Engagement: read by the SPARQL only
    reports = []
    for e, readout in links[_REPORTED_IN]:
        if not readout.startswith(ID_BASE + "readout/"):
            return None  # its identifier may be in another graph
        reports += [(e, readout, identifier) for identifier in identifiers.get(readout, [])]
    roles.update((person, "participant") for _, person in links[_PARTICIPANT])
    posts = list(dict.fromkeys((person, org, title) for person, post in holds
                               for org in posted.get(post, ()) for title in titled.get(post, ())))

    def of_engagements(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [pair for pair in pairs if pair[0] in engaged]

    return Rows([(e, *dates.get(e, (None, None))) for e in sorted(engaged)], types,
                of_engagements(links[_INVOLVES]), of_engagements(links[_TOPIC]),
                of_engagements(links[_PARTICIPANT]), [r for r in reports if r[0] in engaged],
                dialogues, countries, classes, sorted(forms), sorted(set(readouts)), labels,
                posts, sorted(set(presides)), sorted(roles), meta)


def _lexical(term: str) -> str:
    """STR() of an N-Triples IRI or literal: its text, escapes undone.

    Example:
        >>> _lexical(r'"Bo \\"Chen\\""@en'), _lexical("<urn:x>")
        ('Bo "Chen"', 'urn:x')
    """
    if term.startswith("<"):
        text = term[1:-1]
    else:
        text = term[1:term.rindex('"')]
    if "\\" not in text:
        return text
    return str(_ntriples_term(term).value)


class Summary:
    """The summary file of one output folder, open for the build to update.

    ``record`` replaces the rows of the readout graphs just written,
    ``sync`` makes the rows match the store (graphs written or removed by a
    build that stopped half-way, or before the summary existed), ``finish``
    derives the aggregate tables again where rows changed, and ``seal``
    records the store's content stamp once the store is closed. Answers are
    given by :func:`answer`.

    Example:
        >>> import tempfile
        >>> with Summary.open(Path(tempfile.mkdtemp())) as summary:
        ...     summary.digests()
        {}
    """

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self._path = path
        self._terms: dict[str, int] | None = None
        self._forms: dict[str, int] | None = None
        self._deltas = False  # the counts are kept by adding and taking away
        self._unindexed = False  # rows written without _ROW_INDEXES, made before they are read
        self._recorded = False

    @classmethod
    def open(cls, out: Path | str) -> Summary:
        """Open (or create) the summary of the output folder ``out``.

        Raises StoreError when the file cannot be opened or created.
        """
        path = Path(out) / SUMMARY_FILE
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.is_file() and _version_of(path) != _VERSION:
                for suffix in ("", "-wal", "-shm"):  # made by another version: made again
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
            # written by the build's writer thread (kg.pipeline), one thread at a time
            connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            try:
                connection.execute("PRAGMA journal_mode = WAL")
                connection.execute("PRAGMA synchronous = NORMAL")
                connection.executescript(_SCHEMA)
                connection.execute("INSERT OR IGNORE INTO meta VALUES ('version', ?)", (_VERSION,))
            except BaseException:
                connection.close()
                raise
        except (sqlite3.Error, OSError) as err:
            raise StoreError(f"cannot open the summary {path}: {err}; delete the file (the next "
                             "build makes it again)") from err
        return cls(connection, path)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Close the file."""
        self._db.close()

    def rows(self, sql: str, args: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """The rows of an SQL query on the summary (for tests and inspection)."""
        return self._db.execute(sql, args).fetchall()

    def _set(self, key: str, value: str | None) -> None:
        if value is None:
            self._db.execute("DELETE FROM meta WHERE key = ?", (key,))
        else:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def digests(self) -> dict[str, str]:
        """The content hash each readout graph had when its rows were written."""
        return dict(self._db.execute("SELECT graph, digest FROM readouts"))

    def record(self, graphs: Sequence[GraphData]) -> None:
        """Replace the rows of these readout graphs by those of their new text
        (an empty text removes them); one transaction. A build calls it while
        the store writes them (:class:`kg.pipeline._Writer`): rows ahead of or
        behind the store are matched to it by :meth:`sync`, by content hash."""
        if not graphs:
            return
        with self._writing():
            if not self._recorded:
                self._recorded = True
                if self._db.execute("SELECT 1 FROM readouts LIMIT 1").fetchone() is None:
                    for name, _ in _ROW_INDEXES:  # made again by _indexed()
                        self._db.execute(f"DROP INDEX IF EXISTS {name}")
                    self._unindexed = True
                    self._set("aggregates_by", None)  # all rows new: derived whole, faster
            self._remove([item.iri for item in graphs])
            self._insert([item for item in graphs if item.ntriples])

    def index(self) -> None:
        """Make now the row indexes the rows were written without (into an
        empty summary, :meth:`record` writes them without). A build calls it
        in a thread beside the labels: SQLite makes them without Python's
        lock. Nothing to do otherwise.

        Raises StoreError when the file cannot be written.
        """
        try:
            self._indexed()
        except sqlite3.Error as err:
            raise StoreError(f"cannot write the summary {self._path}: {err}; check the disk") from err

    def _indexed(self) -> None:
        """Make the row indexes the rows were written without (see :data:`_ROW_INDEXES`)."""
        if not self._unindexed:
            return
        if self._db.in_transaction:
            self._make_indexes()
        else:
            with self._writing(changes_rows=False):
                self._make_indexes()

    def _make_indexes(self) -> None:
        for _, statement in _ROW_INDEXES:
            self._db.execute(statement)
        self._unindexed = False

    def _writing(self, *, changes_rows: bool = True) -> _Transaction:
        return _Transaction(self, changes_rows)

    def _remove(self, graph_iris: Iterable[str]) -> None:
        # whether the entity counts are kept by deltas, here and in the _insert that
        # follows in record (sync calls _remove alone for pruned graphs)
        self._deltas = self._get("entity_counts") == "delta"
        for chunk in _chunks(list(graph_iris), 500):
            marks = ",".join("?" * len(chunk))
            rids = [rid for (rid,) in self._db.execute(
                f"SELECT rid FROM readouts WHERE graph IN ({marks})", chunk)]
            if not rids:
                continue
            self._indexed()
            rid_marks = ",".join("?" * len(rids))
            if self._deltas:
                self._take_away(rids, rid_marks)
            if self._get("aggregates_by") == "changes":
                self._change_aggregates(f"IN ({rid_marks})", rids, -1)
            for table, column in (("forms", "entity"), ("orgk", "org")):
                self._db.execute(f"INSERT OR IGNORE INTO dirty SELECT DISTINCT {column} FROM "
                                 f"{table} WHERE rid IN ({rid_marks})", rids)
            engagements = f"SELECT id FROM eng WHERE rid IN ({rid_marks})"
            for table in ("eng_type", "inv", "top", "part", "report"):
                self._db.execute(f"DELETE FROM {table} WHERE eid IN ({engagements})", rids)
            for table in ("eng", "dia", "orgc", "orgk", "forms", "rdo", "labels", "post", "pres", "role",
                          "rmeta", "readouts"):
                self._db.execute(f"DELETE FROM {table} WHERE rid IN ({rid_marks})", rids)

    def _take_away(self, rids: list[int], rid_marks: str) -> None:
        """The counts these readout graphs' rows add, taken away (or the counts
        marked for counting whole, when a graph holds two readouts or shares
        its readout with another)."""
        db = self._db
        shared = db.execute(
            f"SELECT 1 FROM rdo a JOIN rdo b ON b.readout = a.readout AND b.rid != a.rid "
            f"WHERE a.rid IN ({rid_marks}) UNION ALL SELECT 1 FROM rdo WHERE rid IN ({rid_marks}) "
            "GROUP BY rid HAVING COUNT(*) > 1 LIMIT 1", [*rids, *rids]).fetchone()
        if shared:
            self._count_whole()
            return
        counted = [rid for (rid,) in db.execute(
            f"SELECT DISTINCT rid FROM rdo WHERE rid IN ({rid_marks})", rids)]  # with a readout
        if not counted:
            return
        marks = ",".join("?" * len(counted))
        db.execute(f"INSERT INTO delta_form SELECT entity, lid, -1 FROM forms WHERE rid IN ({marks})",
                   counted)
        db.execute(f"INSERT INTO delta_entity SELECT entity, -COUNT(DISTINCT rid) FROM forms WHERE rid IN "
                   f"({marks}) GROUP BY entity", counted)

    def _count_whole(self) -> None:
        self._set("entity_counts", None)
        self._deltas = False
        self._db.execute("DELETE FROM delta_form")
        self._db.execute("DELETE FROM delta_entity")

    def _term(self, iri: str) -> int:
        """The number of an IRI in the terms table (added when new)."""
        if self._terms is None:
            self._terms = self._numbers("terms", "iri")
        return self._number(self._terms, "terms", "iri", iri)

    def _form(self, text: str) -> int:
        """The number of a lower-case form in the lforms table (added when new)."""
        if self._forms is None:
            self._forms = self._numbers("lforms", "text")
        return self._number(self._forms, "lforms", "text", text)

    def _numbers(self, table: str, column: str) -> dict[str, int]:
        return {found: number for number, found in self._db.execute(f"SELECT id, {column} FROM {table}")}

    def _number(self, known: dict[str, int], table: str, column: str, value: str) -> int:
        number = known.get(value)
        if number is None:
            cursor = self._db.execute(f"INSERT INTO {table} ({column}) VALUES (?)", (value,))
            number = known[value] = int(cursor.lastrowid or 0)
        return number

    def _insert(self, graphs: Sequence[GraphData]) -> None:
        """Add the rows of these readout graphs (none has rows now): their
        numbers are given here, and each table takes all its rows in one
        statement (one statement per table and readout took twice as long)."""
        db = self._db
        term, form = self._term, self._form
        rid = first = self._next("readouts", "rid")
        eid = self._next("eng", "id")
        readouts: list[tuple[int, str, str, int]] = []
        tables: dict[str, list[tuple[object, ...]]] = defaultdict(list)
        dirty: set[int] = set()
        counted: list[tuple[list[int], list[tuple[int, int]], set[int]]] = []
        for item in graphs:
            rid += 1
            found = readout_rows(item.ntriples)
            readouts.append((rid, item.iri, item.content_hash, int(found is not None)))
            if found is None:
                continue
            ids: dict[str, int] = {}
            for e, day, year in found.engagements:
                eid += 1
                ids[e] = eid
                tables["eng"].append((eid, rid, e, day, year))
            tables["eng_type"] += [(ids[e], kind) for e, kind in found.types]
            for table, pairs in (("inv", found.sides), ("top", found.topics),
                                 ("part", found.participants)):
                tables[table] += [(ids[e], term(iri)) for e, iri in pairs]
            tables["report"] += [(ids[e], readout, identifier) for e, readout, identifier in found.reports]
            tables["dia"] += [(rid, term(a), term(b)) for a, b in found.dialogues]
            tables["orgc"] += [(rid, term(org), term(country)) for org, country in found.countries]
            tables["orgk"] += [(rid, term(org), kind) for org, kind in found.classes]
            forms = [(term(entity), form(text)) for entity, text in found.forms]
            tables["forms"] += [(rid, entity, lid) for entity, lid in forms]
            dirty.update(term(entity) for entity in {entity for entity, _ in found.forms}
                         | {entity for entity, _ in found.classes})
            numbers = [term(readout) for readout in found.readouts]
            if numbers:
                counted.append((numbers, forms, {entity for entity, _ in forms}))
            tables["rdo"] += [(rid, number) for number in numbers]
            tables["labels"] += [(rid, term(iri), label) for iri, label in found.labels]
            tables["post"] += [(rid, term(person), term(org), title) for person, org, title in found.posts]
            tables["pres"] += [(rid, term(person), term(org)) for person, org in found.presides]
            tables["role"] += [(rid, term(person), role) for person, role in found.roles]
            tables["rmeta"] += [(rid, term(subject), kind, value) for subject, kind, value in found.meta]
        db.executemany("INSERT INTO readouts (rid, graph, digest, regular) VALUES (?, ?, ?, ?)", readouts)
        if self._deltas and counted:
            self._add_counts(counted)
        for table, rows in tables.items():
            if rows:
                db.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(rows[0]))})", rows)
        db.executemany("INSERT OR IGNORE INTO dirty VALUES (?)", [(entity,) for entity in sorted(dirty)])
        if self._get("aggregates_by") == "changes":
            self._change_aggregates("> ?", [first], 1)

    def _change_aggregates(self, rids: str, args: list[int], sign: int) -> None:
        """Note what the rows of some readout graphs (``rid`` + ``rids``, with
        ``args``) add to the counted aggregates (``sign`` 1, just written) or
        take away from them (-1, about to be deleted), and the organizations
        they name, for :meth:`finish` (see :data:`_COUNTED`)."""
        db = self._db
        for table in _COUNTED:
            db.execute(f"INSERT INTO d_{table} {_SIGNED[table].format(sign=sign, rids=rids)}", args)
        db.execute(f"INSERT OR IGNORE INTO d_org SELECT org FROM inv WHERE eid IN (SELECT id FROM eng "
                   f"WHERE rid {rids}) UNION SELECT org FROM orgk WHERE rid {rids} "
                   f"UNION SELECT org FROM orgc WHERE rid {rids}", args * 3)

    def _next(self, table: str, column: str) -> int:
        """The highest number in use in ``table`` (0 when empty): the next row is this plus one."""
        return int(self._db.execute(f"SELECT COALESCE(MAX({column}), 0) FROM {table}").fetchone()[0])

    def _add_counts(self, counted: list[tuple[list[int], list[tuple[int, int]], set[int]]]) -> None:
        """Add what new readout graphs add to the counts per entity and form
        (each: its readouts' numbers, its forms, its entities), unless a graph
        types two readouts or a readout is typed in two graphs (this batch's,
        or one already written): the counts are then made whole."""
        self._indexed()
        numbers = [number for found, _, _ in counted for number in found]
        shared = len(set(numbers)) < len(numbers)
        for chunk in _chunks(sorted(set(numbers)), 500):
            if shared:
                break
            shared = self._db.execute(f"SELECT 1 FROM rdo WHERE readout IN ({','.join('?' * len(chunk))}) "
                                      "LIMIT 1", chunk).fetchone() is not None
        if shared or any(len(found) > 1 for found, _, _ in counted):
            self._count_whole()
            return
        self._db.executemany("INSERT INTO delta_form VALUES (?, ?, 1)",
                             [pair for _, forms, _ in counted for pair in forms])
        self._db.executemany("INSERT INTO delta_entity VALUES (?, 1)",
                             [(entity,) for _, _, entities in counted for entity in entities])

    def sync(self, store: GraphStore, hashes: Mapping[str, str] | None = None,
             on_graph: Callable[[int, int], None] | None = None,
             relabelled: Iterable[str] | None = None) -> int:
        """Make the rows match the store's graphs (all but the labels and topics
        a build derives, :data:`DERIVED_GRAPHS`): remove those of graphs the
        store no longer has, and read again from the store those whose content
        hash differs from the one recorded, or that have none (``hashes``: the
        store's, when the caller has them). Return how many graphs were read.

        The derived graphs' labels are copied again: all of them, or, with
        ``relabelled``, only those of these entities (a build that derived
        only theirs again, on a store nobody else wrote since the summary was
        sealed: see :meth:`sealed_with`).
        """
        self._indexed()
        hashes = store.content_hashes() if hashes is None else hashes
        known = self.digests()
        listed = store.graph_iris()
        present = {iri: hashes.get(iri) for iri in listed if iri not in DERIVED_GRAPHS}
        gone = [iri for iri in known if iri not in present]
        stale = [iri for iri, digest in present.items() if digest is None or known.get(iri) != digest]
        if gone:
            with self._writing():
                self._remove(gone)
        for number, chunk in enumerate(_chunks(stale, 256)):
            graphs = [GraphData(iri, "\n".join(f"{triple} ." for triple in store.graph_triples(iri)),
                                present[iri] or "") for iri in chunk]
            self.record(graphs)
            if on_graph is not None:
                on_graph(min((number + 1) * 256, len(stale)), len(stale))
        self._copy_derived_labels(store, None if relabelled is None else sorted(set(relabelled)),
                                  DERIVED_GRAPHS.intersection(listed))
        return len(stale)

    def sealed_with(self) -> str | None:
        """The store content stamp the summary was sealed with (None if it is not sealed)."""
        return self._get("stamp")

    def _copy_derived_labels(self, store: GraphStore, entities: list[str] | None,
                             present: frozenset[str]) -> None:
        """Copy the rdfs:label statements of the derived graphs (rewritten by
        every build, with no content hash to compare): the topics' always, the
        entities' all (about 2.3 s at 100,000 readouts) or only those of
        ``entities``. They change no aggregate."""
        label = ox.NamedNode(_RDFS_LABEL)
        with self._writing(changes_rows=False):
            self._set("stamp", None)
            for graph, rid in sorted(_DERIVED_RIDS.items()):
                if entities is not None and rid == 0:
                    for chunk in _chunks(entities, 500):
                        numbers = [self._term(iri) for iri in chunk]
                        self._db.execute(f"DELETE FROM labels WHERE rid = 0 AND entity IN "
                                         f"({','.join('?' * len(numbers))})", numbers)
                        if graph in present:
                            self._db.executemany("INSERT INTO labels VALUES (0, ?, ?)", [
                                (number, str(term)) for iri, number in zip(chunk, numbers, strict=True)
                                for term in store.union_objects(iri, _RDFS_LABEL, graph)])
                    continue
                self._db.execute("DELETE FROM labels WHERE rid = ?", (rid,))
                if graph in present:
                    self._db.executemany("INSERT INTO labels VALUES (?, ?, ?)", [
                        (rid, self._term(quad.subject.value), str(quad.object))
                        for quad in store.quads(graph)
                        if quad.predicate == label and isinstance(quad.subject, ox.NamedNode)])

    def finish(self) -> None:
        """Derive the aggregate tables again if rows changed since they were
        (by adding the changes noted when only some did); check that every
        engagement is in one readout graph (the summary is not used otherwise)."""
        self._indexed()
        if self._get("aggregates") == "fresh":
            return
        with self._writing():
            if self._get("aggregates_by") == "changes":
                self._add_changes()
            else:
                self._derive_whole()
            self._entity_aggregates()
            irregular = self._db.execute("SELECT 1 FROM readouts WHERE regular = 0 LIMIT 1").fetchone()
            shared = self._db.execute(
                "SELECT 1 FROM eng GROUP BY e HAVING COUNT(*) > 1 LIMIT 1").fetchone()
            self._set("usable", "no" if irregular or shared else "yes")
            self._set("aggregates", "fresh")
            self._set("aggregates_by", "changes")  # from now on, rows changed are noted

    def _derive_whole(self) -> None:
        """Derive every aggregate from all rows (its indexes made after)."""
        for table, insert, indexed in _AGGREGATES:
            self._db.execute(f"DROP INDEX IF EXISTS {table}_key")
            for number, _ in enumerate(indexed):
                self._db.execute(f"DROP INDEX IF EXISTS {table}_key{number}")
            self._db.execute(f"DELETE FROM {table}")
            self._db.execute(insert.format(*_WHOLE))
            for number, columns in enumerate(indexed):
                self._db.execute(f"CREATE INDEX {table}_key{number} ON {table} ({columns})")
        self._forget_changes()

    def _add_changes(self) -> None:
        """Add the changes noted since the aggregates were derived to the
        counted ones; derive the others again for the pairs and organizations
        changed (at 100,000 readouts, 1% changed: about 0.6 s, against
        2.4 s whole)."""
        db = self._db
        for table, insert, _ in _AGGREGATES:
            if table in _COUNTED:
                keys = ", ".join(_COUNT_KEYS[table])
                same = " AND ".join(f"a.{key} IS s.{key}" for key in _COUNT_KEYS[table])
                db.execute("DROP TABLE IF EXISTS temp.changes")
                db.execute(f"CREATE TEMP TABLE changes AS SELECT {keys}, SUM(n) AS n FROM d_{table} "
                           f"GROUP BY {keys} HAVING SUM(n) != 0")
                db.execute(f"UPDATE {table} AS a SET n = a.n + s.n FROM temp.changes AS s WHERE {same}")
                db.execute(f"INSERT INTO {table} SELECT {keys}, n FROM temp.changes AS s "
                           f"WHERE NOT EXISTS (SELECT 1 FROM {table} AS a WHERE {same})")
                db.execute(f"DELETE FROM {table} WHERE n <= 0")
                continue
            again = _DERIVED_AGAIN.get(table)
            db.execute(f"DELETE FROM {table}" + (f" WHERE {again}" if again else ""))
            db.execute(insert.format(*_CHANGED))
        db.execute("DROP TABLE IF EXISTS temp.changes")
        self._forget_changes()

    def _forget_changes(self) -> None:
        for table in _COUNTED:
            self._db.execute(f"DELETE FROM d_{table}")
        self._db.execute("DELETE FROM d_org")

    def _entity_aggregates(self) -> None:
        """Derive the entities' aggregates again for the entities whose rows
        changed (all of them when most did: one pass is then faster)."""
        db = self._db
        dirty = db.execute("SELECT COUNT(*) FROM dirty").fetchone()[0]
        if not dirty:
            return
        known = db.execute("SELECT COUNT(*) FROM by_entity").fetchone()[0]
        by_delta = self._get("entity_counts") == "delta"
        for table, column, insert in _ENTITY_AGGREGATES:
            if table in _COUNTS and by_delta:
                continue
            if dirty > known * _WHOLE_SHARE or table in _COUNTS:
                db.execute(f"DELETE FROM {table}")
                db.execute(insert.format("1"))
            else:
                db.execute(f"DELETE FROM {table} WHERE {column} IN (SELECT entity FROM dirty)")
                limit = "org" if table == "kinds" else "f.entity"
                db.execute(insert.format(f"{limit} IN (SELECT entity FROM dirty)"))
        if by_delta:
            db.execute("INSERT INTO by_entity SELECT entity, SUM(d) FROM delta_entity WHERE 1 "
                       "GROUP BY entity ON CONFLICT (entity) DO UPDATE SET n = n + excluded.n")
            db.execute("INSERT INTO by_form SELECT entity, lid, SUM(d) FROM delta_form WHERE 1 "
                       "GROUP BY entity, lid ON CONFLICT (entity, lid) DO UPDATE SET n = n + excluded.n")
            for table in _COUNTS:
                db.execute(f"DELETE FROM {table} WHERE n <= 0")
        db.execute("DELETE FROM delta_form")
        db.execute("DELETE FROM delta_entity")
        db.execute("DELETE FROM dirty")
        self._set("entity_counts", "delta")

    def seal(self, stamp: str) -> None:
        """Record the content stamp of the store the rows were made from
        (read after the build closed it: closing changes it)."""
        with self._writing(changes_rows=False):
            self._set("stamp", stamp)
        try:  # one self-contained file: readers need not write a WAL index (a read-only folder)
            self._db.execute("PRAGMA journal_mode = DELETE")
        except sqlite3.Error:
            pass  # another connection has it open: it stays in WAL mode, readable all the same

    def _get(self, key: str) -> str | None:
        found = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if found is None else str(found[0])


def _version_of(path: Path) -> str | None:
    """The version recorded in a summary file; None when it has none (or is no database)."""
    try:
        with closing(sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)) as db:
            found = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
    except sqlite3.Error:
        return None
    return None if found is None else str(found[0])


class _Transaction:
    """One SQLite transaction; one that changes rows first marks the seal and
    the aggregates stale (a crash before they are made again leaves them so)."""

    def __init__(self, summary: Summary, changes_rows: bool) -> None:
        self._summary = summary
        self._changes_rows = changes_rows

    def __enter__(self) -> None:
        db = self._summary._db
        db.execute("BEGIN IMMEDIATE")
        if self._changes_rows:
            db.execute("DELETE FROM meta WHERE key IN ('stamp', 'aggregates')")

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        db = self._summary._db
        try:
            db.execute("COMMIT" if exc_type is None else "ROLLBACK")
            if exc_type is not None:
                self._summary._terms = None  # numbers given in the rolled back transaction
                self._summary._forms = None
                self._summary._unindexed = True  # an index made in it is undone (made again if so)
        except sqlite3.Error as err:
            if exc_type is None:
                raise StoreError(f"cannot write the summary {self._summary._path}: {err}; "
                                 "check the disk") from err


def _chunks(items: list[_T], size: int) -> Iterable[list[_T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


# ------------------------------------------------------------------ answers

def query_digest(text: str) -> str:
    """A short hash of a named query's text (what :data:`QUERY_DIGESTS` holds).

    Example:
        >>> len(query_digest("SELECT * WHERE { ?s ?p ?o }"))
        16
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


#: The text (``kg/queries/NAME.rq``) each answer here was written and tested
#: for. Change a query and its answer here, then its digest, together.
QUERY_DIGESTS: dict[str, str] = {
    "engagements-by-year": "ff35da63094205f3",
    "engagements-by-type": "79462a090890c7b9",
    "topics-by-year": "0f13fd9604ebe97d",
    "counterparts-by-year": "1567541315953dfd",
    "first-last-contact": "b348832e8ea36e2a",
    "dialogue-edges": "f78c6b5991c84aa4",
    "calls-in-period": "5ebd8b1cb265f4dd",
    "organizations-by-country": "090de574c2d6b9fa",
    "entities": "4abf452c4de938a1",
    "career-timeline": "51468e435e8c0b75",
    "presides": "eb2c6e4669a71a36",
    "readouts-mentioning": "e9079972a21b5ba9",
}

_Row = tuple[Node | None, ...]


@lru_cache(maxsize=1 << 16)
def _iri(value: str) -> Node | None:
    return from_ox_term(ox.NamedNode(value))


@lru_cache(maxsize=1 << 14)
def _integer(value: int | None) -> Node | None:
    return None if value is None else from_ox_term(ox.Literal(str(value), datatype=ox.NamedNode(_XSD_INTEGER)))


@lru_cache(maxsize=1 << 14)
def _string(value: str) -> Node | None:
    return from_ox_term(ox.Literal(value))


@lru_cache(maxsize=1 << 14)
def _date(value: str | None) -> Node | None:
    return None if value is None else from_ox_term(ox.Literal(value, datatype=ox.NamedNode(XSD_DATE)))


def _labels(db: sqlite3.Connection, iris: Iterable[str]) -> dict[str, list[Any]]:
    """Every rdfs:label of these IRIs in the store's union (a label stated in
    two graphs comes twice, as the union gives it), as pyoxigraph terms."""
    found: dict[str, list[Any]] = {}
    wanted = set(iris)
    if len(wanted) > _LABELS_SCANNED:  # a whole-store answer: every label, read in one pass
        for iri, text in db.execute("SELECT t.iri, l.label FROM labels l JOIN terms t ON t.id = l.entity"):
            if iri in wanted:
                found.setdefault(iri, []).append(_ntriples_term(text))
        return found
    for chunk in _chunks(list(wanted), 500):
        for iri, text in db.execute("SELECT t.iri, l.label FROM terms t JOIN labels l ON "
                                    f"l.entity = t.id WHERE t.iri IN ({','.join('?' * len(chunk))})",
                                    chunk):
            found.setdefault(iri, []).append(_ntriples_term(text))
    return found


#: Above this many entities, :func:`_labels` reads every label rather than
#: looking each entity up (10,000 readouts: the labels of 22,000 entities
#: in 0.25-0.36 s looked up, in 0.16 s read whole).
_LABELS_SCANNED = 5000


_LANGUAGE_TAGGED = re.compile(r'"([^"\\]*)"@([A-Za-z0-9-]+)')


@lru_cache(maxsize=1 << 16)
def _ntriples_term(text: str) -> Any:
    """A term written in N-Triples (an object), as a pyoxigraph term.

    Example:
        >>> _ntriples_term('"Beta Union"@en'), _ntriples_term('"BU"')
        (<Literal value=Beta Union language=en>, <Literal value=BU datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#string>>)
    """
    tagged = _LANGUAGE_TAGGED.fullmatch(text)
    if tagged is not None:
        return ox.Literal(tagged.group(1), language=tagged.group(2))
    if text.endswith('"') and "\\" not in text and text.count('"') == 2:
        return ox.Literal(text[1:-1])
    quad = next(iter(ox.parse(f"<urn:s> <urn:p> {text} .".encode(), format=ox.RdfFormat.N_TRIPLES)))
    return quad.object


@lru_cache(maxsize=1 << 16)
def _term(term: ox.Literal) -> Node | None:
    """A pyoxigraph term as the rdflib term a SPARQL answer gives."""
    return from_ox_term(term)


def _names(labels: dict[str, list[ox.Literal]], iri: str, *, distinct: bool) -> list[Node | None]:
    """The label cells of one entity: one row per label (unbound without one)."""
    names = labels.get(iri)
    if not names:
        return [None]
    return [_term(name) for name in (dict.fromkeys(names) if distinct else names)]


def _named(labels: dict[str, list[ox.Literal]], iris: Iterable[str], *, distinct: bool
           ) -> dict[str, tuple[Node | None, list[Node | None]]]:
    """Each IRI's cell and label cells (:func:`_names`), made once per entity:
    an answer names the same few thousand entities in tens of thousands of rows.

    Example:
        >>> named = _named({"urn:x:a": [ox.Literal("A", language="en")]}, ["urn:x:a", "urn:x:b"], distinct=True)
        >>> [(str(iri), [name and str(name) for name in names]) for iri, names in named.values()]
        [('urn:x:a', ['A']), ('urn:x:b', [None])]
    """
    return {iri: (_iri(iri), _names(labels, iri, distinct=distinct)) for iri in dict.fromkeys(iris)}


def _sort_value(cell: Node | None) -> tuple[int, Any]:
    if cell is None:
        return (0, 0)
    value = cell.toPython() if hasattr(cell, "toPython") else str(cell)
    if isinstance(value, int) and not isinstance(value, bool):
        return (1, value)
    return (2, str(cell))  # an xsd:date's lexical form sorts as its value


def _sorted(rows: list[_Row], keys: Sequence[tuple[int, bool]]) -> list[_Row]:
    """Rows in SPARQL's ORDER BY order: unbound first (last when descending),
    numbers by value, text, days and IRIs by code point; rows equal on every
    key keep their order. ``keys``: (column, descending).

    Each key column's cells are ranked by their sort value (counted from the
    end when descending), then numpy sorts the rows by their ranks at once. A
    rank is looked up by cell object: the answers' cells are mostly the same
    few objects (see :func:`_iri`, :func:`_integer`, ...), and an rdflib term
    hashes slowly.

    Example:
        >>> a, b = _iri("https://w3id.org/partyrel/id/org/a"), _iri("https://w3id.org/partyrel/id/org/b")
        >>> rows = [(b, _integer(1)), (a, _integer(1)), (a, None), (b, _integer(10))]
        >>> [(row[0][-1], row[1] and int(row[1])) for row in _sorted(rows, [(1, True), (0, False)])]
        [('b', 10), ('a', 1), ('b', 1), ('a', None)]
    """
    if len(rows) < 2 or not keys:
        return list(rows)
    ranks = []
    for column, descending in reversed(keys):  # numpy's lexsort: the last key is the first
        ids = numpy.fromiter(map(id, map(itemgetter(column), rows)), dtype=numpy.int64, count=len(rows))
        distinct, first, where = numpy.unique(ids, return_index=True, return_inverse=True)
        values = [_sort_value(rows[index][column]) for index in first.tolist()]
        rank = {value: place for place, value in enumerate(sorted(set(values), reverse=descending))}
        ranks.append(numpy.array([rank[value] for value in values], dtype=numpy.int64)[where])
    order = numpy.lexsort(ranks).tolist()  # stable
    return [rows[index] for index in order]


def _where(conditions: Mapping[str, object]) -> tuple[str, list[object]]:
    given = [(column, value) for column, value in conditions.items() if value is not None]
    if not given:
        return "", []
    return " WHERE " + " AND ".join(f"{column} = ?" for column, _ in given), [v for _, v in given]


class _Unanswerable(Exception):
    """A bound value of another kind than the summary's column: the SPARQL decides."""


def _param(bindings: Mapping[str, BindingValue], name: str, kind: type) -> object:
    value = bindings.get(name)
    if value is None:
        return None
    if kind is int and isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if kind is URIRef and isinstance(value, URIRef):
        return str(value)
    if kind is str and isinstance(value, str) and not isinstance(value, URIRef):
        return str(value)
    raise _Unanswerable(name)


def _term_number(db: sqlite3.Connection, iri: object) -> object:
    """The number of an IRI in the terms table; -1 (no row) for an unknown one."""
    if iri is None:
        return None
    found = db.execute("SELECT id FROM terms WHERE iri = ?", (iri,)).fetchone()
    return -1 if found is None else found[0]


def _engagements_by_year(db: sqlite3.Connection, store: GraphStore,
                         bindings: Mapping[str, BindingValue]) -> tuple[list[str], list[_Row]]:
    where, args = _where({"year": _param(bindings, "year", int),
                          "type": _param(bindings, "type", str)})
    rows: list[_Row] = [(_integer(year), _string(kind), _integer(n)) for year, kind, n in
                        db.execute(f"SELECT year, type, n FROM by_year_type{where}", args)]
    return ["year", "type", "engagements"], _sorted(rows, [(0, False), (2, True), (1, False)])


def _engagements_by_type(db: sqlite3.Connection, store: GraphStore,
                         bindings: Mapping[str, BindingValue]) -> tuple[list[str], list[_Row]]:
    where, args = _where({"type": _param(bindings, "type", str)})
    rows: list[_Row] = [(_string(kind), _integer(n), _date(first), _date(last))
                        for kind, n, first, last in
                        db.execute(f"SELECT type, n, first, last FROM by_type{where}", args)]
    return ["type", "engagements", "first", "last"], _sorted(rows, [(1, True), (0, False)])


def _topics_by_year(db: sqlite3.Connection, store: GraphStore,
                    bindings: Mapping[str, BindingValue]) -> tuple[list[str], list[_Row]]:
    where, args = _where({"year": _param(bindings, "year", int),
                          "t.iri": _param(bindings, "topic", URIRef)})
    found = db.execute("SELECT year, t.iri, n FROM by_year_topic JOIN terms t ON t.id = topic"
                       f"{where}", args).fetchall()
    labels = _labels(db, (topic for _, topic, _ in found))
    rows: list[_Row] = [(_integer(year), _iri(topic), name, _integer(n))
                        for year, topic, n in found
                        for name in _names(labels, topic, distinct=True)]
    return (["year", "topic", "topic_label", "engagements"],
            _sorted(rows, [(0, False), (3, True), (2, False), (1, False)]))


def _counterparts_by_year(db: sqlite3.Connection, store: GraphStore,
                          bindings: Mapping[str, BindingValue]) -> tuple[list[str], list[_Row]]:
    where, args = _where({"org": _term_number(db, _param(bindings, "org", URIRef)),
                          "year": _param(bindings, "year", int)})
    found = db.execute("SELECT a.iri, year, b.iri, n FROM by_org_year JOIN terms a ON a.id = org "
                       f"JOIN terms b ON b.id = counterpart{where}", args).fetchall()
    entities = [org for org, *_ in found] + [other for _, _, other, _ in found]
    named = _named(_labels(db, entities), entities, distinct=True)
    rows: list[_Row] = [(org_iri, org_name, _integer(year), other_iri, other_name, _integer(n))
                        for org, year, other, n in found
                        for org_iri, org_names in [named[org]]
                        for other_iri, other_names in [named[other]]
                        for org_name in org_names for other_name in other_names]
    columns = ["org", "org_name", "year", "counterpart", "counterpart_name", "engagements"]
    return columns, _sorted(rows, [(1, False), (0, False), (2, False), (5, True), (4, False),
                                   (3, False)])


def _first_last_contact(db: sqlite3.Connection, store: GraphStore,
                        bindings: Mapping[str, BindingValue]) -> tuple[list[str], list[_Row]]:
    where, args = _where({"org": _term_number(db, _param(bindings, "org", URIRef))})
    found = db.execute("SELECT a.iri, b.iri, n, first, last FROM by_pair JOIN terms a ON a.id = org "
                       f"JOIN terms b ON b.id = counterpart{where}", args).fetchall()
    entities = [org for org, *_ in found] + [other for _, other, *_ in found]
    named = _named(_labels(db, entities), entities, distinct=False)
    rows: list[_Row] = [(org_iri, org_name, other_iri, other_name, _date(first), _date(last),
                         _integer(n))
                        for org, other, n, first, last in found
                        for org_iri, org_names in [named[org]]
                        for other_iri, other_names in [named[other]]
                        for org_name in org_names for other_name in other_names]
    columns = ["org", "org_name", "counterpart", "counterpart_name", "first", "last", "engagements"]
    return columns, _sorted(rows, [(1, False), (0, False), (5, True), (3, False), (2, False)])


def _period(bindings: Mapping[str, BindingValue]) -> tuple[str | None, str | None]:
    """The since/until parameters as ISO days (None when not given)."""
    days: list[str | None] = []
    for name in ("since", "until"):
        value = bindings.get(name)
        if value is not None and (not isinstance(value, date) or isinstance(value, datetime)):
            raise _Unanswerable(name)
        days.append(None if value is None else value.isoformat())
    return days[0], days[1]


def _period_sql(column: str, since: str | None, until: str | None) -> tuple[str, list[object]]:
    conditions = [f"{column} >= ?" for day in (since,) if day is not None]
    conditions += [f"{column} <= ?" for day in (until,) if day is not None]
    return " AND ".join(conditions), [day for day in (since, until) if day is not None]


def _dialogue_edges(db: sqlite3.Connection, store: GraphStore,
                    bindings: Mapping[str, BindingValue]) -> tuple[list[str], list[_Row]]:
    since, until = _period(bindings)
    condition, args = _period_sql("date", since, until)
    if condition:
        found = db.execute(
            "SELECT a.iri, b.iri, n, first, last FROM (SELECT source, target, SUM(n) AS n, "
            "MIN(date) AS first, MAX(date) AS last FROM by_pair_day "
            f"WHERE {condition} GROUP BY source, target) JOIN terms a ON a.id = source "
            "JOIN terms b ON b.id = target", args).fetchall()
    else:
        found = db.execute(
            "SELECT a.iri, b.iri, p.n, p.first, p.last FROM pairs d JOIN by_pair p "
            "ON p.org = d.source AND p.counterpart = d.target JOIN terms a ON a.id = d.source "
            "JOIN terms b ON b.id = d.target").fetchall()
    entities = [a for a, *_ in found] + [b for _, b, *_ in found]
    named = _named(_labels(db, entities), entities, distinct=False)
    given = (_date(since), _date(until))
    rows: list[_Row] = [(*given, source_iri, source_name, target_iri, target_name,
                         _integer(n), _date(first), _date(last))
                        for source, target, n, first, last in found
                        for source_iri, source_names in [named[source]]
                        for target_iri, target_names in [named[target]]
                        for source_name in source_names for target_name in target_names]
    columns = ["since", "until", "source", "source_name", "target", "target_name", "weight",
               "first", "last"]
    return columns, _sorted(rows, [(6, True), (3, False), (2, False), (5, False), (4, False)])


@lru_cache(maxsize=1 << 14)
def _identifier(ntriples_object: str) -> Node | None:
    """A literal written in N-Triples, as a term."""
    return from_ox_term(_ntriples_term(ntriples_object))


def _calls_in_period(db: sqlite3.Connection, store: GraphStore,
                     bindings: Mapping[str, BindingValue]) -> tuple[list[str], list[_Row]]:
    since, until = _period(bindings)
    condition, args = _period_sql("e.date", since, until)
    calls = ("FROM eng_type t JOIN eng e ON e.id = t.eid JOIN report r ON r.eid = e.id "
             "WHERE t.type IN ('VideoCall', 'PhoneCall')" + (f" AND {condition}" if condition else ""))
    found = db.execute(f"SELECT e.id, e.e, e.date, t.type, r.identifier {calls}", args).fetchall()
    # the labels of each call's sides and participants, read by the calls' numbers (not
    # every label of the store looked through: 14,000 calls at 100,000 readouts)
    labelled: dict[str, dict[int, set[str]]] = {"inv": {}, "part": {}}
    for table, column in (("inv", "org"), ("part", "person")):
        by_call = labelled[table]
        for number, text in db.execute(f"SELECT x.eid, l.label FROM {table} x JOIN labels l ON "
                                       f"l.entity = x.{column} WHERE x.eid IN (SELECT e.id {calls})",
                                       args):
            by_call.setdefault(number, set()).add(text)

    made: dict[frozenset[str], Node | None] = {}  # the same sides recur in many calls
    nobody: set[str] = set()

    def names(table: str, number: int) -> Node | None:
        """GROUP_CONCAT(DISTINCT ...) of the labels, in order; pyoxigraph keeps
        a language tag all of them share."""
        texts = frozenset(labelled[table].get(number, nobody))
        if texts in made:
            return made[texts]
        found = [_ntriples_term(text) for text in texts]  # distinct terms: distinct N-Triples
        joined = "; ".join(sorted(label.value for label in found))
        languages = {label.language for label in found}
        language = languages.pop() if len(languages) == 1 else None
        made[texts] = (_string(joined) if language is None
                       else from_ox_term(ox.Literal(joined, language=language)))
        return made[texts]

    given = (_date(since), _date(until))
    rows: list[_Row] = [(*given, _date(day), _string(kind), _iri(e), names("inv", number),
                         names("part", number), _identifier(identifier))
                        for number, e, day, kind, identifier in found]
    columns = ["since", "until", "date", "type", "engagement", "sides", "participants", "readout"]
    return columns, _sorted(rows, [(2, True), (4, False)])


def _organizations_by_country(db: sqlite3.Connection, store: GraphStore,
                              bindings: Mapping[str, BindingValue]) -> tuple[list[str], list[_Row]]:
    where, args = _where({"country": _term_number(db, _param(bindings, "country", URIRef))})
    found = db.execute("SELECT c.iri, o.iri, kind, n FROM by_country JOIN terms c ON c.id = country "
                       f"JOIN terms o ON o.id = org{where}", args).fetchall()
    labels = _labels(db, [country for country, *_ in found] + [org for _, org, *_ in found])
    rows: list[_Row] = [(_iri(country), country_name, _iri(org), org_name, _string(kind),
                         _integer(n))
                        for country, org, kind, n in found
                        for country_name in _names(labels, country, distinct=True)
                        for org_name in _names(labels, org, distinct=True)]
    columns = ["country", "country_name", "org", "org_name", "kind", "engagements"]
    return columns, _sorted(rows, [(1, False), (0, False), (5, True), (3, False), (2, False)])


def _form_counts(db: sqlite3.Connection, needle: str) -> dict[int, int]:
    """The entities with a form that contains ``needle`` (lower case), with the
    number of readouts that use one of those forms."""
    hits = [lid for (lid,) in db.execute("SELECT id FROM lforms WHERE instr(text, ?) > 0", (needle,))]
    matched: dict[int, list[tuple[int, int]]] = {}
    for chunk in _chunks(hits, 500):
        for entity, lid, n in db.execute(f"SELECT entity, lid, n FROM by_form WHERE lid IN "
                                         f"({','.join('?' * len(chunk))})", chunk):
            matched.setdefault(entity, []).append((lid, n))
    several = [entity for entity, found in matched.items() if len(found) > 1]
    forms: dict[int, int] = {}
    totals: dict[int, int] = {}
    for chunk in _chunks(several, 500):
        marks = ",".join("?" * len(chunk))
        forms.update(db.execute(f"SELECT entity, COUNT(*) FROM by_form WHERE entity IN ({marks}) "
                                "GROUP BY entity", chunk))
        totals.update(db.execute(f"SELECT entity, n FROM by_entity WHERE entity IN ({marks})", chunk))
    counts: dict[int, int] = {}
    for entity, found in matched.items():
        if len(found) == 1:  # one form: its readouts
            counts[entity] = found[0][1]
        elif len(found) == forms[entity]:  # every form: all the entity's readouts
            counts[entity] = totals[entity]
        else:  # some of its forms: the readouts that use any of them, once
            lids = [lid for lid, _ in found]
            counts[entity] = db.execute(
                "SELECT COUNT(DISTINCT r.readout) FROM forms f JOIN rdo r ON r.rid = f.rid WHERE "
                f"f.lid IN ({','.join('?' * len(lids))}) AND f.entity = ?", [*lids, entity]
            ).fetchone()[0]
    return counts


def _kinds(db: sqlite3.Connection, entities: list[int]) -> list[tuple[int, str, str]]:
    """(number, IRI, kind) of these entities, one row per kind."""
    found: list[tuple[int, str, str]] = []
    for chunk in _chunks(entities, 500):
        found += db.execute(f"SELECT k.entity, t.iri, k.kind FROM kinds k JOIN terms t ON "
                            f"t.id = k.entity WHERE k.entity IN ({','.join('?' * len(chunk))})",
                            chunk).fetchall()
    return found


def _entities(db: sqlite3.Connection, store: GraphStore,
              bindings: Mapping[str, BindingValue]) -> tuple[list[str], list[_Row]]:
    name = _param(bindings, "name", str)
    needle = "" if name is None else str(name).lower()  # LCASE(COALESCE(STR(?name), ""))
    if needle:
        counts = _form_counts(db, needle)
        found = [(iri, kind, counts[entity]) for entity, iri, kind in _kinds(db, list(counts))]
    else:
        found = db.execute("SELECT t.iri, k.kind, b.n FROM by_entity b JOIN kinds k ON "
                           "k.entity = b.entity JOIN terms t ON t.id = b.entity").fetchall()
    labels = _labels(db, {entity for entity, *_ in found})
    given = None if name is None else _string(str(name))
    rows: list[_Row] = [(given, _iri(entity), label, _string(kind), _integer(n))
                        for entity, kind, n in found
                        for label in _names(labels, entity, distinct=True)]
    return (["name", "entity", "label", "kind", "readouts"],
            _sorted(rows, [(3, False), (2, False), (1, False)]))


def _career_timeline(db: sqlite3.Connection, store: GraphStore,
                     bindings: Mapping[str, BindingValue]) -> tuple[list[str], list[_Row]]:
    # each post a graph states with each readout it types (and its identifier
    # and publication dates there), once (SELECT DISTINCT)
    where, args = _where({"p.person": _term_number(db, _param(bindings, "person", URIRef))})
    found = db.execute(  # made distinct here: SQLite's DISTINCT took twice as long
        "SELECT a.iri, s.value, p.title, o.iri, i.value FROM post p "
        "JOIN rdo r ON r.rid = p.rid "
        "JOIN rmeta i ON i.rid = p.rid AND i.readout = r.readout AND i.kind = 'identifier' "
        "LEFT JOIN rmeta s ON s.rid = p.rid AND s.readout = r.readout AND s.kind = 'issued' "
        f"JOIN terms a ON a.id = p.person JOIN terms o ON o.id = p.org{where}", args).fetchall()
    found = list(dict.fromkeys(found))
    entities = [person for person, *_ in found] + [org for *_, org, _ in found]
    named = _named(_labels(db, entities), entities, distinct=True)
    rows: list[_Row] = [(person_iri, person_name, _optional_term(published), _identifier(title),
                         org_iri, org_name, _identifier(identifier))
                        for person, published, title, org, identifier in found
                        for person_iri, person_names in [named[person]]
                        for org_iri, org_names in [named[org]]
                        for person_name in person_names for org_name in org_names]
    columns = ["person", "person_name", "published", "title", "org", "org_name", "readout"]
    return columns, _sorted(rows, [(1, False), (0, False), (2, False), (6, False), (3, False),
                                   (5, False)])


def _optional_term(ntriples_object: str | None) -> Node | None:
    """An optional term written in N-Triples (a literal or an IRI), as a term."""
    return None if ntriples_object is None else _identifier(ntriples_object)


def _presides(db: sqlite3.Connection, store: GraphStore,
              bindings: Mapping[str, BindingValue]) -> tuple[list[str], list[_Row]]:
    # per person, organization and title of a post the person holds in it in the
    # same graph (or none): the readouts of the graphs that say the person
    # presides it, and their latest publication date (unbound when one of them
    # has none: pyoxigraph's MAX of a group with an unbound value)
    where, args = _where({"pr.org": _term_number(db, _param(bindings, "org", URIRef)),
                          "pr.person": _term_number(db, _param(bindings, "person", URIRef))})
    found = db.execute(
        "SELECT o.iri, a.iri, title, n, latest FROM (SELECT pr.org AS org, pr.person AS person, "
        "t.title AS title, COUNT(DISTINCT r.readout) AS n, "
        "CASE WHEN COUNT(*) = COUNT(s.value) THEN MAX(s.value) END AS latest FROM pres pr "
        "JOIN rdo r ON r.rid = pr.rid "
        "LEFT JOIN rmeta s ON s.rid = pr.rid AND s.readout = r.readout AND s.kind = 'issued' "
        "LEFT JOIN post t ON t.rid = pr.rid AND t.person = pr.person AND t.org = pr.org"
        f"{where} GROUP BY pr.org, pr.person, t.title) JOIN terms o ON o.id = org "
        "JOIN terms a ON a.id = person", args).fetchall()
    entities = [org for org, *_ in found] + [person for _, person, *_ in found]
    named = _named(_labels(db, entities), entities, distinct=True)
    rows: list[_Row] = [(org_iri, org_name, person_iri, person_name, _optional_term(title), _integer(n),
                         _optional_term(latest))
                        for org, person, title, n, latest in found
                        for org_iri, org_names in [named[org]]
                        for person_iri, person_names in [named[person]]
                        for org_name in org_names for person_name in person_names]
    columns = ["org", "org_name", "person", "person_name", "title", "readouts", "latest"]
    return columns, _sorted(rows, [(1, False), (0, False), (3, False), (2, False), (4, False)])


def _readouts_mentioning(db: sqlite3.Connection, store: GraphStore,
                         bindings: Mapping[str, BindingValue]) -> tuple[list[str], list[_Row]]:
    # the roles each graph gives a person beside each readout it types; the
    # readout's identifiers, titles and publication dates from any graph
    where, args = _where({"ro.person": _term_number(db, _param(bindings, "person", URIRef))})
    mentions = db.execute("SELECT t.iri, r.readout, ro.role FROM role ro JOIN rdo r "
                          f"ON r.rid = ro.rid JOIN terms t ON t.id = ro.person{where}", args).fetchall()
    said: dict[int, dict[str, list[str]]] = {}
    readouts = sorted({readout for _, readout, _ in mentions})
    if len(readouts) > 5000:  # most of them: all at once
        stated: Iterable[tuple[int, str, str]] = db.execute("SELECT readout, kind, value FROM rmeta")
    else:
        stated = (row for chunk in _chunks(readouts, 500) for row in db.execute(
            f"SELECT readout, kind, value FROM rmeta WHERE readout IN ({','.join('?' * len(chunk))})", chunk))
    for readout, kind, value in stated:
        said.setdefault(readout, {}).setdefault(kind, []).append(value)
    # each readout's (published, identifier, title) combinations, as the OPTIONALs give them
    combined = {readout: [(published, identifier, title)
                          for identifier in dict.fromkeys(facts.get("identifier", ()))
                          for title in dict.fromkeys(facts.get("title", [None]))
                          for published in dict.fromkeys(facts.get("issued", [None]))]
                for readout, facts in said.items()}
    roles: dict[tuple[str, str | None, str, str | None], set[str]] = defaultdict(set)
    for person, readout, role in mentions:
        for combination in combined.get(readout, ()):
            roles[(person, *combination)].add(role)
    named = _named(_labels(db, [person for person, *_ in roles]), [person for person, *_ in roles],
                   distinct=True)
    joined: dict[frozenset[str], Node | None] = {}
    rows: list[_Row] = []
    for (person, published, identifier, title), kinds in roles.items():
        key = frozenset(kinds)
        if key not in joined:
            joined[key] = _string(", ".join(sorted(kinds)))
        person_iri, person_names = named[person]
        rows += [(person_iri, person_name, _optional_term(published), _identifier(identifier),
                  _optional_term(title), joined[key]) for person_name in person_names]
    columns = ["person", "person_name", "published", "readout", "title", "roles"]
    return columns, _sorted(rows, [(1, False), (0, False), (2, True), (3, False)])


_ANSWERS: dict[str, Callable[[sqlite3.Connection, GraphStore, Mapping[str, BindingValue]],
                             tuple[list[str], list[_Row]]]] = {
    "engagements-by-year": _engagements_by_year,
    "engagements-by-type": _engagements_by_type,
    "topics-by-year": _topics_by_year,
    "counterparts-by-year": _counterparts_by_year,
    "first-last-contact": _first_last_contact,
    "dialogue-edges": _dialogue_edges,
    "calls-in-period": _calls_in_period,
    "organizations-by-country": _organizations_by_country,
    "entities": _entities,
    "career-timeline": _career_timeline,
    "presides": _presides,
    "readouts-mentioning": _readouts_mentioning,
}


def answer(store: GraphStore, query: NamedQuery, bindings: Mapping[str, BindingValue]
           ) -> QueryResult | None:
    """The answer of the named ``query`` with these bound parameters (as
    :func:`kg.named_queries.bind_parameters` gives them) from the store's
    summary; None when the summary cannot give it (see the module's
    description): the caller runs the SPARQL.

    Example:
        >>> from kg.named_queries import get_query
        >>> with GraphStore.memory() as store:
        ...     answer(store, get_query("engagements-by-year"), {}) is None
        True
    """
    compute = _ANSWERS.get(query.name)
    location = store.location
    if compute is None or location is None or QUERY_DIGESTS.get(query.name) != query_digest(query.text):
        return None
    path = location / SUMMARY_FILE
    if not path.is_file():
        return None
    try:
        connection = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    with closing(connection):
        try:
            meta = dict(connection.execute("SELECT key, value FROM meta"))
            if (meta.get("version") != _VERSION or meta.get("usable") != "yes"
                    or meta.get("aggregates") != "fresh" or meta.get("stamp") != store.content_stamp()):
                return None
            # a whole-store answer makes hundreds of thousands of tuples and keeps them:
            # the cyclic collector would walk them again and again (a fifth to a third
            # of the time at 100,000 readouts, measured), and they hold no cycle
            enabled = gc.isenabled()
            gc.disable()
            try:
                columns, rows = compute(connection, store, bindings)
                from kg.query import QueryResult, plain_rows

                return QueryResult(columns=columns, rows=plain_rows(rows), kind="select", terms=rows)
            finally:
                if enabled:
                    gc.enable()
        except (sqlite3.Error, _Unanswerable):
            return None
