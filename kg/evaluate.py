"""Scoring for `kg eval`: compare a built graph with gold annotations.

The gold format is the one of the annotation guide (``gold/<id>.json``); the
graph uses the core vocabulary (``pr:``, ``org:``, ``skos:``, ``prov:``,
``dcterms:``). This module is a pure library: it reads gold files, scores an
``rdflib`` graph against them and renders the result; it never prints or
exits.

Name matching (persons, organizations, countries, places): a gold name
matches a graph entity when any ``rdfs:label``, ``skos:prefLabel`` or
``skos:altLabel`` of the entity equals, after :func:`normalize_name`, the gold
name or one of the aliases the gold ``aliases`` map lists under that name.
Aliases are per readout for the per-engagement fields and the union over all
scored gold files for the graph-wide fields (posts, presides, dialogues,
countries). Topics match by ``rdfs:label`` / ``skos:prefLabel`` (normalized,
no aliases), titles by :func:`normalize_name`, dates by the exact ISO string.
Within a set (participants, topics, ...) matching is one-to-one (a maximum
bipartite matching), so one graph entity never counts for two gold names.

Fields and counts: see :func:`score`. Precision, recall and F1 are 1.0 when
their denominator is 0 (nothing expected and nothing predicted is perfect).

Example:
    >>> from rdflib import Graph
    >>> g = Graph().parse(format="turtle", data='''
    ... @prefix pr: <https://w3id.org/partyrel/ontology#> .
    ... @prefix dcterms: <http://purl.org/dc/terms/> .
    ... @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    ... @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
    ... <urn:r> a pr:Readout ; dcterms:identifier "t-1" .
    ... <urn:e> a pr:Engagement, pr:Meeting ; pr:reportedIn <urn:r> ;
    ...     pr:date "2023-05-04"^^xsd:date ; pr:participant <urn:p> .
    ... <urn:p> rdfs:label "Tang Wenbo" .
    ... ''')
    >>> gold = {"t-1": parse_gold({"id": "t-1", "engagements": [{"type": "Meeting",
    ...     "date": "2023-05-04", "participants": ["Tang Wenbo", "Maria Kovac"],
    ...     "organizations": []}], "posts": [], "presides": [], "dialogues": [],
    ...     "countries": []}, "t-1.json")}
    >>> report = score(g, gold)
    >>> report.fields["participants"].tp, report.fields["participants"].fn
    (1, 1)
    >>> [(d.field, d.kind, d.value) for d in report.details]
    [('participants', 'miss', 'Maria Kovac')]
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date as _date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar
from typing import Literal as _Lit

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.graph import ConjunctiveGraph
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS
from rdflib.term import Node

from kg.errors import GoldError

if TYPE_CHECKING:
    from kg.pipeline import BuildReport

__all__ = [
    "ENGAGEMENT_TYPES",
    "FIELDS",
    "Discrepancy",
    "FieldScore",
    "Gold",
    "GoldEngagement",
    "GoldPost",
    "Report",
    "load_gold",
    "normalize_name",
    "parse_gold",
    "score",
]

PR = Namespace("https://w3id.org/partyrel/ontology#")
ORG = Namespace("http://www.w3.org/ns/org#")

#: The engagement types of the annotation guide (local names in ``pr:``).
ENGAGEMENT_TYPES: tuple[str, ...] = (
    "Meeting", "Talks", "VideoCall", "PhoneCall", "Correspondence", "Visit", "Forum",
)

#: Every scored field, in report order; ``overall`` (micro-average of all but
#: ``engagement``) comes after them.
FIELDS: tuple[str, ...] = (
    "engagement", "type", "date", "location", "participants", "organizations",
    "present", "topics", "posts", "presides", "dialogues", "countries",
)

_ENGAGEMENT_FIELDS: tuple[str, ...] = (
    "type", "date", "location", "participants", "organizations", "present", "topics",
)

#: Keys a gold file must have (``source``, ``published`` and ``aliases`` are
#: optional; unknown keys are ignored).
REQUIRED_KEYS: tuple[str, ...] = ("id", "engagements", "posts", "presides", "dialogues", "countries")
#: Keys each gold engagement must have (``date`` and ``location`` default to
#: null, ``present`` and ``topics`` to empty lists).
REQUIRED_ENGAGEMENT_KEYS: tuple[str, ...] = ("type", "participants", "organizations")

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NON_WORD = re.compile(r"[^\w\s]")


# --------------------------------------------------------------------------
# names


def normalize_name(s: str) -> str:
    """Normalize a name for matching.

    Casefolds, replaces every character that is neither a word character nor
    whitespace with a space, collapses runs of whitespace, trims, and strips
    a leading ``"the "``.

    Example:
        >>> normalize_name("  The Communist Party of  China ")
        'communist party of china'
        >>> normalize_name("Vice-Minister")
        'vice minister'
        >>> normalize_name("Theodor Ruiz")
        'theodor ruiz'
    """
    s = _NON_WORD.sub(" ", s.casefold())
    s = " ".join(s.split())
    s = s.removeprefix("the ")
    return s


class _Aliases:
    """Normalized alias map: normalized name -> normalized names it may appear as."""

    def __init__(self, maps: Iterable[Mapping[str, Sequence[str]]] = ()) -> None:
        self._map: dict[str, set[str]] = {}
        for m in maps:
            for name, aliases in m.items():
                self._map.setdefault(normalize_name(name), set()).update(
                    normalize_name(a) for a in aliases
                )

    def keys(self, name: str) -> frozenset[str]:
        """The normalized forms under which ``name`` matches."""
        n = normalize_name(name)
        return frozenset({n} | self._map.get(n, set()))

    def canonical(self, name: str) -> str:
        """One representative for all names linked by alias lists ("United Russia"
        and its alias "United Russia Party" give the same), so that readouts naming
        one entity differently count one graph-wide fact."""
        if not hasattr(self, "_rep"):
            parent: dict[str, str] = {}

            def find(x: str) -> str:
                while parent.setdefault(x, x) != x:
                    parent[x] = parent[parent[x]]
                    x = parent[x]
                return x

            for n, aliases in self._map.items():
                for a in aliases:
                    ra, rb = find(n), find(a)
                    if ra != rb:
                        parent[max(ra, rb)] = min(ra, rb)
            self._rep = {x: find(x) for x in list(parent)}
        n = normalize_name(name)
        return self._rep.get(n, n)


# --------------------------------------------------------------------------
# gold


@dataclass(frozen=True)
class GoldEngagement:
    """One engagement of a gold file."""

    type: str
    date: str | None
    location: str | None
    participants: tuple[str, ...]
    organizations: tuple[str, ...]
    present: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()

    def describe(self) -> str:
        """A one-line description, e.g. ``Meeting 2023-05-04 with Tang Wenbo``."""
        who = ", ".join(self.participants) or ", ".join(self.organizations) or "nobody named"
        return f"{self.type} {self.date or 'undated'} with {who}"


@dataclass(frozen=True)
class GoldPost:
    """A post of a gold file: ``person`` holds ``title`` in ``organization``."""

    person: str
    title: str
    organization: str


@dataclass(frozen=True)
class Gold:
    """The gold annotation of one readout (see the annotation guide)."""

    id: str
    engagements: tuple[GoldEngagement, ...]
    posts: tuple[GoldPost, ...] = ()
    presides: tuple[tuple[str, str], ...] = ()
    dialogues: tuple[tuple[str, str], ...] = ()
    countries: tuple[tuple[str, str], ...] = ()
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def _fail(source: str | Path, problem: str) -> NoReturn:
    """The one place a malformed gold input is reported."""
    raise GoldError(f"{source}: {problem}")


def _get_str(source: str, where: str, value: object, nullable: bool = False) -> str | None:
    if value is None and nullable:
        return None
    if not isinstance(value, str) or not value.strip():
        expected = "a non-empty string or null" if nullable else "a non-empty string"
        _fail(source, f"{where} must be {expected}, got {json.dumps(value)}")
    return value


def _get_list(source: str, where: str, value: object) -> list[Any]:
    if not isinstance(value, list):
        _fail(source, f"{where} must be a list, got {json.dumps(value)}")
    return value


def _get_names(source: str, where: str, value: object) -> tuple[str, ...]:
    items = _get_list(source, where, value)
    return tuple(str(_get_str(source, f"{where}[{i}]", v)) for i, v in enumerate(items))


def _get_pairs(source: str, key: str, value: object) -> tuple[tuple[str, str], ...]:
    out = []
    for i, pair in enumerate(_get_list(source, key, value)):
        if not isinstance(pair, list) or len(pair) != 2:
            _fail(source, f"{key}[{i}] must be a list of two names, got {json.dumps(pair)}")
        a = str(_get_str(source, f"{key}[{i}][0]", pair[0]))
        b = str(_get_str(source, f"{key}[{i}][1]", pair[1]))
        out.append((a, b))
    return tuple(out)


def _parse_engagement(source: str, i: int, raw: object) -> GoldEngagement:
    where = f"engagements[{i}]"
    if not isinstance(raw, dict):
        _fail(source, f"{where} must be an object, got {json.dumps(raw)}")
    missing = [k for k in REQUIRED_ENGAGEMENT_KEYS if k not in raw]
    if missing:
        _fail(source, f"{where} lacks required key(s): {', '.join(missing)}")
    etype = raw["type"]
    if etype not in ENGAGEMENT_TYPES:
        _fail(source, f"{where}.type {json.dumps(etype)} is not one of {', '.join(ENGAGEMENT_TYPES)}")
    day = _get_str(source, f"{where}.date", raw.get("date"), nullable=True)
    if day is not None:
        try:
            if not _ISO_DATE.fullmatch(day):
                raise ValueError(day)
            _date.fromisoformat(day)
        except ValueError:
            _fail(source, f"{where}.date {json.dumps(day)} is not an ISO date (YYYY-MM-DD)")
    return GoldEngagement(
        type=etype,
        date=day,
        location=_get_str(source, f"{where}.location", raw.get("location"), nullable=True),
        participants=_get_names(source, f"{where}.participants", raw["participants"]),
        organizations=_get_names(source, f"{where}.organizations", raw["organizations"]),
        present=_get_names(source, f"{where}.present", raw.get("present", [])),
        topics=_get_names(source, f"{where}.topics", raw.get("topics", [])),
    )


def parse_gold(data: object, source: str = "<gold>") -> Gold:
    """Validate one gold record (the parsed JSON of a gold file).

    ``source`` names the record in error messages. Raises ``ValueError``
    ("<source>: <problem>") when a required key (:data:`REQUIRED_KEYS`,
    :data:`REQUIRED_ENGAGEMENT_KEYS`) is missing or a value has the wrong shape.

    Example:
        >>> g = parse_gold({"id": "x-1", "engagements": [], "posts": [],
        ...     "presides": [], "dialogues": [], "countries": [],
        ...     "aliases": {"Zeta Workers Party": ["ZWP"]}})
        >>> g.id, g.aliases
        ('x-1', {'Zeta Workers Party': ('ZWP',)})
        >>> parse_gold({"id": "x-1"}, "x-1.json")
        Traceback (most recent call last):
        ...
        kg.errors.GoldError: x-1.json: lacks required key(s): engagements, posts, presides, dialogues, countries
    """
    if not isinstance(data, dict):
        _fail(source, "the top level must be a JSON object")
    missing = [k for k in REQUIRED_KEYS if k not in data]
    if missing:
        _fail(source, f"lacks required key(s): {', '.join(missing)}")
    gid = str(_get_str(source, "id", data["id"]))
    engagements = tuple(
        _parse_engagement(source, i, e)
        for i, e in enumerate(_get_list(source, "engagements", data["engagements"]))
    )
    posts = []
    for i, p in enumerate(_get_list(source, "posts", data["posts"])):
        if not isinstance(p, dict):
            _fail(source, f"posts[{i}] must be an object, got {json.dumps(p)}")
        lacking = [k for k in ("person", "title", "organization") if k not in p]
        if lacking:
            _fail(source, f"posts[{i}] lacks required key(s): {', '.join(lacking)}")
        posts.append(GoldPost(
            person=str(_get_str(source, f"posts[{i}].person", p["person"])),
            title=str(_get_str(source, f"posts[{i}].title", p["title"])),
            organization=str(_get_str(source, f"posts[{i}].organization", p["organization"])),
        ))
    raw_aliases = data.get("aliases", {})
    if not isinstance(raw_aliases, dict):
        _fail(source, f"aliases must be an object, got {json.dumps(raw_aliases)}")
    aliases = {
        str(name): _get_names(source, f"aliases[{json.dumps(name)}]", forms)
        for name, forms in raw_aliases.items()
    }
    return Gold(
        id=gid,
        engagements=engagements,
        posts=tuple(posts),
        presides=_get_pairs(source, "presides", data["presides"]),
        dialogues=_get_pairs(source, "dialogues", data["dialogues"]),
        countries=_get_pairs(source, "countries", data["countries"]),
        aliases=aliases,
    )


def load_gold(gold_dir: Path) -> dict[str, Gold]:
    """Read every ``*.json`` gold file of ``gold_dir``, keyed by its ``id``.

    Raises ``ValueError`` naming the file (or directory) and the problem when
    the directory is missing or holds no ``*.json``, a file is not UTF-8 JSON,
    lacks a required key, has a value of the wrong shape, or repeats the
    ``id`` of another file.

    Example:
        >>> import json, tempfile
        >>> d = Path(tempfile.mkdtemp())
        >>> _ = (d / "x-1.json").write_text(json.dumps({"id": "x-1", "engagements": [],
        ...     "posts": [], "presides": [], "dialogues": [], "countries": []}))
        >>> list(load_gold(d))
        ['x-1']
    """
    gold_dir = Path(gold_dir)
    if not gold_dir.is_dir():
        _fail(gold_dir, "is not a directory of gold *.json files")
    files = sorted(gold_dir.glob("*.json"))
    if not files:
        _fail(gold_dir, "holds no gold *.json files")
    out: dict[str, Gold] = {}
    seen: dict[str, Path] = {}
    for path in files:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            _fail(path, f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
        except UnicodeDecodeError:
            _fail(path, "not UTF-8 text")
        except OSError as exc:
            _fail(path, f"cannot be read: {exc.strerror or exc}")
        gold = parse_gold(data, str(path))
        if gold.id in seen:
            _fail(path, f"id {json.dumps(gold.id)} is also the id of {seen[gold.id]}")
        seen[gold.id] = path
        out[gold.id] = gold
    return out


# --------------------------------------------------------------------------
# scores


@dataclass(frozen=True)
class FieldScore:
    """True positives, false positives and false negatives of one field.

    ``precision``, ``recall`` and ``f1`` are 1.0 when their denominator is 0.

    Example:
        >>> s = FieldScore(3, 1, 2)
        >>> round(s.precision, 3), round(s.recall, 3), round(s.f1, 3)
        (0.75, 0.6, 0.667)
        >>> FieldScore().f1
        1.0
    """

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        """tp / (tp + fp), or 1.0 when nothing was predicted."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """tp / (tp + fn), or 1.0 when nothing was expected."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        """2tp / (2tp + fp + fn) (the harmonic mean of P and R), or 1.0 when all are 0."""
        denom = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denom if denom else 1.0

    def __add__(self, other: FieldScore) -> FieldScore:
        return FieldScore(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    def to_dict(self) -> dict[str, float | int]:
        """Counts and rates, for JSON."""
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": self.precision,
                "recall": self.recall, "f1": self.f1}


@dataclass(frozen=True)
class Discrepancy:
    """One miss (gold item not found) or extra (graph item not in gold).

    ``readout`` is the gold id the item belongs to; for graph-wide facts it is
    the ids of the gold files (misses) or of the readouts the post was derived
    from (extras), comma-separated, and ``""`` for a graph-wide extra that no
    readout is attached to. ``context`` names the engagement for
    per-engagement fields (empty otherwise).
    """

    readout: str
    field: str
    kind: _Lit["miss", "extra"]
    value: str
    context: str = ""

    def to_dict(self) -> dict[str, str]:
        """For JSON."""
        return {"readout": self.readout, "field": self.field, "kind": self.kind,
                "value": self.value, "context": self.context}


@dataclass
class Report:
    """The result of :func:`score`.

    ``fields`` holds one :class:`FieldScore` per name of :data:`FIELDS`;
    ``overall`` is their micro-average without ``engagement``; ``details``
    lists every miss and extra; ``readouts`` the gold ids scored and
    ``missing_readouts`` those that have no readout in the graph.
    """

    fields: dict[str, FieldScore]
    overall: FieldScore
    details: list[Discrepancy]
    readouts: list[str] = field(default_factory=list)
    missing_readouts: list[str] = field(default_factory=list)

    def to_table(self) -> str:
        """A fixed-width table: a header, one row per field, ``overall`` last.

        Example:
            >>> r = Report({"type": FieldScore(2, 0, 1)}, FieldScore(2, 0, 1), [])
            >>> print(r.to_table())  # doctest: +NORMALIZE_WHITESPACE
            field             tp     fp     fn       P       R      F1
            type               2      0      1   1.000   0.667   0.800
            overall            2      0      1   1.000   0.667   0.800
        """
        def row(name: str, s: FieldScore) -> str:
            return (f"{name:<14}{s.tp:>7}{s.fp:>7}{s.fn:>7}"
                    f"{s.precision:>8.3f}{s.recall:>8.3f}{s.f1:>8.3f}")

        lines = [f"{'field':<14}{'tp':>7}{'fp':>7}{'fn':>7}{'P':>8}{'R':>8}{'F1':>8}"]
        lines += [row(name, self.fields[name]) for name in FIELDS if name in self.fields]
        lines.append(row("overall", self.overall))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ``fields``, ``overall``, ``details``, ``readouts``, ``missing_readouts``."""
        return {
            "fields": {name: s.to_dict() for name, s in self.fields.items()},
            "overall": self.overall.to_dict(),
            "details": [d.to_dict() for d in self.details],
            "readouts": list(self.readouts),
            "missing_readouts": list(self.missing_readouts),
        }

    def details_text(self) -> str:
        """Every miss and extra, grouped per readout (graph-wide extras last).

        Example:
            >>> r = Report({}, FieldScore(), [Discrepancy("x-1", "topics", "extra", "women")])
            >>> print(r.details_text())
            x-1
              extra  topics         women
        """
        if not self.details:
            return "no discrepancies"
        groups: dict[str, list[Discrepancy]] = {}
        for d in self.details:
            groups.setdefault(d.readout, []).append(d)
        lines: list[str] = []
        for rid in sorted(groups, key=lambda k: (k == "", k)):
            if lines:
                lines.append("")
            header = rid or "graph-wide (no readout)"
            if rid in self.missing_readouts:
                header += " (not in the graph)"
            lines.append(header)
            for d in groups[rid]:
                line = f"  {d.kind:<6} {d.field:<14} {d.value}"
                if d.context:
                    line += f"  [{d.context}]"
                lines.append(line)
        return "\n".join(lines)


# --------------------------------------------------------------------------
# the graph side


def _union_graph(graph: Graph) -> Graph:
    """A Dataset / ConjunctiveGraph as one graph of all its triples."""
    if isinstance(graph, ConjunctiveGraph):
        union = Graph()
        for s, p, o, _ in graph.quads((None, None, None, None)):
            union.add((s, p, o))
        return union
    return graph


def _natural_key(node: Node) -> tuple[tuple[int, int | str], ...]:
    """Sort key putting ``.../e2`` before ``.../e10``."""
    return tuple((0, int(part)) if part.isdigit() else (1, part)
                 for part in re.split(r"(\d+)", str(node)))


class _GraphView:
    """Cached label look-ups on the scored graph."""

    def __init__(self, graph: Graph) -> None:
        self.g = graph
        self._labels: dict[Node, frozenset[str]] = {}
        self._topic_labels: dict[Node, frozenset[str]] = {}
        self._by_id: dict[str, set[Node]] | None = None

    def labels(self, node: Node) -> frozenset[str]:
        """Normalized rdfs:label, skos:prefLabel and skos:altLabel of ``node``."""
        if node not in self._labels:
            if isinstance(node, Literal):
                found = {normalize_name(str(node))}
            else:
                found = {normalize_name(str(o)) for p in (RDFS.label, SKOS.prefLabel, SKOS.altLabel)
                         for o in self.g.objects(node, p)}
            self._labels[node] = frozenset(found)
        return self._labels[node]

    def topic_labels(self, node: Node) -> frozenset[str]:
        """Normalized rdfs:label and skos:prefLabel of a topic."""
        if node not in self._topic_labels:
            if isinstance(node, Literal):
                found = {normalize_name(str(node))}
            else:
                found = {normalize_name(str(o)) for p in (RDFS.label, SKOS.prefLabel)
                         for o in self.g.objects(node, p)}
            self._topic_labels[node] = frozenset(found)
        return self._topic_labels[node]

    def display(self, node: Node | None) -> str:
        """A readable name: the rdfs:label (else prefLabel, altLabel, the IRI)."""
        if node is None:
            return "?"
        if isinstance(node, Literal):
            return str(node)
        for p in (RDFS.label, SKOS.prefLabel, SKOS.altLabel):
            values = sorted(str(o) for o in self.g.objects(node, p))
            if values:
                return values[0]
        return str(node)

    def sorted_objects(self, s: Node, p: URIRef) -> tuple[Node, ...]:
        return tuple(sorted(set(self.g.objects(s, p)), key=_natural_key))

    def readouts(self, readout_id: str) -> set[Node]:
        """The nodes whose dcterms:identifier is ``readout_id``."""
        if self._by_id is None:
            self._by_id = {}
            for r, o in self.g.subject_objects(DCTERMS.identifier):
                self._by_id.setdefault(str(o), set()).add(r)
        return self._by_id.get(readout_id, set())

    def identifiers(self, node: Node) -> set[str]:
        return {str(o) for o in self.g.objects(node, DCTERMS.identifier)}


@dataclass(frozen=True)
class _PredEngagement:
    node: Node
    types: tuple[str, ...]
    dates: tuple[str, ...]
    locations: tuple[Node, ...]
    participants: tuple[Node, ...]
    organizations: tuple[Node, ...]
    present: tuple[Node, ...]
    topics: tuple[Node, ...]


def _engagement_types(view: _GraphView, node: Node) -> tuple[str, ...]:
    prefix = str(PR)
    return tuple(sorted(
        str(t)[len(prefix):] for t in view.g.objects(node, RDF.type)
        if isinstance(t, URIRef) and str(t).startswith(prefix) and t != PR.Engagement
    ))


def _predicted_engagements(view: _GraphView, readout_id: str) -> list[_PredEngagement] | None:
    """The engagements reported in the readout(s) with this identifier, or None if no readout."""
    readouts = view.readouts(readout_id)
    if not readouts:
        return None
    engagement_classes = {PR.Engagement, *(PR[t] for t in ENGAGEMENT_TYPES)}
    nodes: set[Node] = set()
    for r in readouts:
        for e in view.g.subjects(PR.reportedIn, r):
            if engagement_classes & set(view.g.objects(e, RDF.type)):
                nodes.add(e)
    out = []
    for e in sorted(nodes, key=_natural_key):
        out.append(_PredEngagement(
            node=e,
            types=_engagement_types(view, e),
            dates=tuple(sorted({str(d) for d in view.g.objects(e, PR.date)})),
            locations=view.sorted_objects(e, PR.location),
            participants=view.sorted_objects(e, PR.participant),
            organizations=view.sorted_objects(e, PR.involves),
            present=view.sorted_objects(e, PR.attendee),
            topics=view.sorted_objects(e, PR.topic),
        ))
    return out


def _describe_pred(view: _GraphView, e: _PredEngagement) -> str:
    who = [view.display(p) for p in e.participants] or [view.display(o) for o in e.organizations]
    return (f"{'/'.join(e.types) or 'untyped'} {'/'.join(e.dates) or 'undated'} "
            f"with {', '.join(who) or 'nobody named'}")


# --------------------------------------------------------------------------
# matching

G = TypeVar("G")
P = TypeVar("P")


def _max_matching(gold: Sequence[G], pred: Sequence[P],
                  compatible: Callable[[G, P], bool]) -> dict[int, int]:
    """A maximum one-to-one matching gold index -> pred index (augmenting paths).

    Deterministic: gold items are tried in order, each against pred items in order.
    """
    adj = [[j for j, p in enumerate(pred) if compatible(g, p)] for g in gold]
    pred_to_gold: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j in adj[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in pred_to_gold or augment(pred_to_gold[j], seen):
                pred_to_gold[j] = i
                return True
        return False

    for i in range(len(gold)):
        augment(i, set())
    return {i: j for j, i in pred_to_gold.items()}


def _dedupe(names: Iterable[str], key: Callable[[str], str] = normalize_name) -> list[str]:
    seen: set[str] = set()
    out = []
    for n in names:
        k = key(n)
        if k not in seen:
            seen.add(k)
            out.append(n)
    return out


@dataclass
class _Outcome:
    """Counts and unmatched items of one comparison."""

    score: FieldScore
    missed: list[str]
    extra: list[str]


def _compare(gold: Sequence[G], pred: Sequence[P], compatible: Callable[[G, P], bool],
             show_gold: Callable[[G], str], show_pred: Callable[[P], str]) -> _Outcome:
    m = _max_matching(gold, pred, compatible)
    matched_pred = set(m.values())
    return _Outcome(
        FieldScore(len(m), len(pred) - len(m), len(gold) - len(m)),
        [show_gold(g) for i, g in enumerate(gold) if i not in m],
        [show_pred(p) for j, p in enumerate(pred) if j not in matched_pred],
    )


class _Scorer:
    """Accumulates counts and discrepancies."""

    def __init__(self, view: _GraphView) -> None:
        self.view = view
        self.fields: dict[str, FieldScore] = {name: FieldScore() for name in FIELDS}
        self.details: list[Discrepancy] = []

    def record(self, readout: str, name: str, outcome: _Outcome, context: str = "") -> None:
        self.fields[name] = self.fields[name] + outcome.score
        self.details += [Discrepancy(readout, name, "miss", v, context) for v in outcome.missed]
        self.details += [Discrepancy(readout, name, "extra", v, context) for v in outcome.extra]

    # ---- names

    def name_match(self, aliases: _Aliases) -> Callable[[str, Node], bool]:
        return lambda name, node: bool(aliases.keys(name) & self.view.labels(node))

    def topic_match(self, name: str, node: Node) -> bool:
        return normalize_name(name) in self.view.topic_labels(node)

    def shared(self, gold: Sequence[str], pred: Sequence[Node], aliases: _Aliases) -> int:
        return len(_max_matching(_dedupe(gold), pred, self.name_match(aliases)))

    # ---- engagements

    def align(self, gold: Sequence[GoldEngagement], pred: Sequence[_PredEngagement],
              aliases: _Aliases) -> list[tuple[int, int]]:
        """Greedy one-to-one alignment; see :func:`score` for the ranking."""
        candidates = []
        for i, g in enumerate(gold):
            for j, p in enumerate(pred):
                orgs = self.shared(g.organizations, p.organizations, aliases)
                primary = self.shared(g.participants, p.participants, aliases) \
                    if g.participants else orgs
                same_type = int(g.type in p.types)
                same_date = int(g.date is not None and g.date in p.dates)
                date_conflict = g.date is not None and bool(p.dates) and not same_date
                if primary > 0 or (same_type and not date_conflict):
                    candidates.append((-primary, -same_type, -same_date, -orgs, i, j))
        candidates.sort()
        used_gold: set[int] = set()
        used_pred: set[int] = set()
        pairs = []
        for *_, i, j in candidates:
            if i not in used_gold and j not in used_pred:
                used_gold.add(i)
                used_pred.add(j)
                pairs.append((i, j))
        return sorted(pairs)

    def engagement_fields(self, rid: str, g: GoldEngagement | None, p: _PredEngagement | None,
                          aliases: _Aliases, context: str) -> None:
        view = self.view
        names = self.name_match(aliases)
        ident: Callable[[str], str] = lambda s: s

        def nodes(attr: str) -> tuple[Node, ...]:
            return getattr(p, attr) if p is not None else ()

        gold_type = [g.type] if g is not None else []
        self.record(rid, "type", _compare(gold_type, list(p.types) if p else [],
                                          lambda a, b: a == b, ident, ident), context)
        gold_date = [g.date] if g is not None and g.date is not None else []
        self.record(rid, "date", _compare(gold_date, list(p.dates) if p else [],
                                          lambda a, b: a == b, ident, ident), context)
        gold_loc = [g.location] if g is not None and g.location is not None else []
        self.record(rid, "location", _compare(gold_loc, nodes("locations"), names, ident,
                                              view.display), context)
        for name, attr in (("participants", "participants"), ("organizations", "organizations"),
                           ("present", "present")):
            gold_names = _dedupe(getattr(g, attr)) if g is not None else []
            self.record(rid, name, _compare(gold_names, nodes(attr), names, ident,
                                            view.display), context)
        gold_topics = _dedupe(g.topics) if g is not None else []
        self.record(rid, "topics", _compare(gold_topics, nodes("topics"), self.topic_match,
                                            ident, view.display), context)

    def readout(self, rid: str, gold: Gold) -> bool:
        """Score one readout's engagements; False when the graph lacks the readout."""
        aliases = _Aliases([gold.aliases])
        found = _predicted_engagements(self.view, rid)
        pred = found or []
        pairs = self.align(gold.engagements, pred, aliases)
        gold_done = {i for i, _ in pairs}
        pred_done = {j for _, j in pairs}
        self.record(rid, "engagement", _Outcome(
            FieldScore(len(pairs), len(pred) - len(pairs), len(gold.engagements) - len(pairs)),
            [g.describe() for i, g in enumerate(gold.engagements) if i not in gold_done],
            [_describe_pred(self.view, p) for j, p in enumerate(pred) if j not in pred_done],
        ))
        for i, j in pairs:
            self.engagement_fields(rid, gold.engagements[i], pred[j], aliases,
                                   f"engagement {gold.engagements[i].describe()}")
        for i, g in enumerate(gold.engagements):
            if i not in gold_done:
                self.engagement_fields(rid, g, None, aliases, f"missed engagement {g.describe()}")
        for j, p in enumerate(pred):
            if j not in pred_done:
                self.engagement_fields(rid, None, p, aliases,
                                       f"extra engagement {_describe_pred(self.view, p)}")
        return found is not None

    # ---- graph-wide

    def graph_wide(self, gold: Mapping[str, Gold]) -> None:
        view = self.view
        g = view.g
        aliases = _Aliases(x.aliases for x in gold.values())
        names = self.name_match(aliases)
        ids = set(gold)

        # gold facts, deduplicated by normalized names, with the ids listing them
        def collect(items: Iterable[tuple[str, tuple[str, ...], Any]]) -> list[tuple[Any, str]]:
            seen: dict[tuple[str, ...], tuple[Any, list[str]]] = {}
            for rid, key, fact in items:
                entry = seen.setdefault(key, (fact, []))
                if rid not in entry[1]:
                    entry[1].append(rid)
            return [(fact, ", ".join(rids)) for fact, rids in seen.values()]

        order = sorted(gold)
        c = aliases.canonical
        gold_posts = collect(
            (rid, (c(p.person), normalize_name(p.title), c(p.organization)), p)
            for rid in order for p in gold[rid].posts)
        gold_presides = collect(
            (rid, (c(a), c(b)), (a, b))
            for rid in order for a, b in gold[rid].presides)
        gold_dialogues = collect(
            (rid, tuple(sorted((c(a), c(b)))), (a, b))
            for rid in order for a, b in gold[rid].dialogues)
        gold_countries = collect(
            (rid, (c(a), c(b)), (a, b))
            for rid in order for a, b in gold[rid].countries)

        # graph facts
        posts: dict[tuple[Node, str, Node | None], tuple[str, set[str]]] = {}
        for person, post in g.subject_objects(ORG.holds):
            sources = {i for r in g.objects(post, PROV.wasDerivedFrom)
                       for i in view.identifiers(r)} & ids
            if not sources:
                continue
            titles = [str(t) for t in g.objects(post, PR.title)] or [""]
            orgs: list[Node | None] = list(g.objects(post, ORG.postIn)) or [None]
            for title in titles:
                for o in orgs:
                    key = (person, normalize_name(title), o)
                    shown = f"{view.display(person)}: {title or '?'} of {view.display(o)}"
                    entry = posts.setdefault(key, (shown, set()))
                    entry[1].update(sources)
        pred_posts = sorted(((k, v[0], ", ".join(sorted(v[1]))) for k, v in posts.items()),
                            key=lambda x: (x[1], x[2]))

        def pairs(prop: URIRef, unordered: bool, fmt: str) -> list[tuple[Any, str, str]]:
            found = {tuple(sorted((a, b), key=_natural_key)) if unordered else (a, b)
                     for a, b in g.subject_objects(prop)}
            ranked = sorted(found, key=lambda x: (_natural_key(x[0]), _natural_key(x[1])))
            return [(x, fmt.format(view.display(x[0]), view.display(x[1])), "") for x in ranked]

        def post_ok(fact: GoldPost, key: tuple[Node, str, Node | None]) -> bool:
            person, title, org = key
            return (normalize_name(fact.title) == title and names(fact.person, person)
                    and org is not None and names(fact.organization, org))

        def pair_ok(fact: tuple[str, str], key: tuple[Node, Node]) -> bool:
            return names(fact[0], key[0]) and names(fact[1], key[1])

        def unordered_ok(fact: tuple[str, str], key: tuple[Node, Node]) -> bool:
            return pair_ok(fact, key) or pair_ok(fact, (key[1], key[0]))

        self._record_wide("posts", gold_posts, pred_posts, post_ok,
                          lambda f: f"{f.person}: {f.title} of {f.organization}")
        self._record_wide("presides", gold_presides, pairs(PR.presides, False, "{} presides {}"),
                          pair_ok, lambda f: f"{f[0]} presides {f[1]}")
        self._record_wide("dialogues", gold_dialogues, pairs(PR.dialoguesWith, True, "{} -- {}"),
                          unordered_ok, lambda f: f"{f[0]} -- {f[1]}")
        self._record_wide("countries", gold_countries, pairs(PR.country, False, "{} ({})"),
                          pair_ok, lambda f: f"{f[0]} ({f[1]})")

    def _record_wide(self, name: str, gold: list[tuple[Any, str]],
                     pred: list[tuple[Any, str, str]], compatible: Callable[[Any, Any], bool],
                     show: Callable[[Any], str]) -> None:
        """Record a graph-wide field.

        ``gold`` holds (fact, gold ids), ``pred`` (key, display, readout ids).
        """
        m = _max_matching(gold, pred, lambda gp, pp: compatible(gp[0], pp[0]))
        matched_pred = set(m.values())
        self.fields[name] = self.fields[name] + FieldScore(
            len(m), len(pred) - len(m), len(gold) - len(m))
        self.details += [Discrepancy(rids, name, "miss", show(fact))
                         for i, (fact, rids) in enumerate(gold) if i not in m]
        self.details += [Discrepancy(rids, name, "extra", shown)
                         for j, (_, shown, rids) in enumerate(pred) if j not in matched_pred]


def score(graph: Graph, gold: Mapping[str, Gold]) -> Report:
    """Score ``graph`` against the gold readouts ``gold`` (id -> :class:`Gold`).

    A Dataset or ConjunctiveGraph is scored as the union of its graphs.

    Per readout (matched to the graph by ``dcterms:identifier`` of the node
    the engagements point to with ``pr:reportedIn``; an engagement is a node
    typed ``pr:Engagement`` or one of the seven types) the gold and graph
    engagements are aligned one-to-one, greedily:

    1. every (gold, graph) pair is a candidate when they share at least one
       participant, or when the graph engagement has the gold type and the
       dates do not conflict (a conflict: both have a date and they differ).
       For a gold engagement without participants, shared organizations
       take the place of shared participants.
    2. candidates are ranked by, in order: shared participants (or shared
       organizations, as above; more first), same type, same date, shared
       organizations, then the gold engagement's position in its file and
       the graph engagement's position by IRI (natural order: ``e2`` before
       ``e10``); earlier first.
    3. walking that ranking, a pair is taken when neither side is taken yet.

    Fields: ``engagement`` counts aligned pairs as TP, unaligned graph
    engagements as FP and unaligned gold ones as FN. ``type``, ``date``,
    ``location``, ``participants``, ``organizations`` (``pr:involves``),
    ``present`` (``pr:attendee``) and ``topics`` compare the items of each
    aligned pair (a null gold date or location is no item); every item of an
    unaligned engagement is an FP or FN of its field. Gold names are
    deduplicated (after :func:`normalize_name`) within a list.

    Graph-wide fields compare the whole graph with the union of the gold
    files (facts deduplicated by normalized names, aliases merged across
    files): ``posts`` (person, title, organization) from posts whose
    ``prov:wasDerivedFrom`` is a scored readout, and every ``pr:presides``,
    ``pr:dialoguesWith`` (unordered; either or both directions are one pair)
    and ``pr:country`` statement of the graph. A post without a title or
    ``org:postIn`` cannot match and counts as an FP.

    ``overall`` is the micro-average (summed counts) of every field except
    ``engagement``. Gold readouts absent from the graph count as all-miss and
    are listed in ``Report.missing_readouts``; engagements of readouts that
    are not in ``gold`` are ignored (graph-wide facts are not filtered by
    readout except posts, so pass a graph of just the scored readouts).

    Example:
        >>> empty = {"id": "x-1", "engagements": [], "posts": [], "presides": [],
        ...          "dialogues": [], "countries": []}
        >>> r = score(Graph(), {"x-1": parse_gold(empty)})
        >>> r.overall.f1, r.missing_readouts
        (1.0, ['x-1'])
    """
    view = _GraphView(_union_graph(graph))
    scorer = _Scorer(view)
    missing = []
    for rid in sorted(gold):
        if not scorer.readout(rid, gold[rid]):
            missing.append(rid)
    scorer.graph_wide(gold)
    overall = FieldScore()
    for name in FIELDS:
        if name != "engagement":
            overall = overall + scorer.fields[name]
    return Report(fields=dict(scorer.fields), overall=overall, details=scorer.details,
                  readouts=sorted(gold), missing_readouts=missing)


def evaluate_folder(docs: Path, gold_dir: Path, workdir: Path) -> tuple[Report, "BuildReport"]:
    """Build the readouts in ``docs`` into a fresh store under ``workdir`` and
    score them against the gold files in ``gold_dir``.

    Returns the score report and the build report (whose failures name the
    readouts that could not be read).
    """
    from kg.pipeline import build

    gold = load_gold(gold_dir)
    build_report = build([docs], workdir, write_map=False)
    from kg.store import GraphStore

    with GraphStore.open(workdir, read_only=True) as store:
        graph = store.union_graph()
    return score(graph, gold), build_report
