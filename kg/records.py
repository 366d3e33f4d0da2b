"""Small typed records passed between pipeline steps.

Data flows one way: :class:`Readout` (ingest) -> spaCy ``Doc`` (nlp) ->
:class:`ReadoutFacts` (extract) -> triples (triples) -> store.

Example:
    >>> from kg.records import Entity
    >>> Entity("person", "Tang Wenbo").key
    'person/tang-wenbo'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

#: The engagement types of the annotation guide, in a fixed order.
ENGAGEMENT_TYPES: tuple[str, ...] = (
    "Meeting", "Talks", "VideoCall", "PhoneCall", "Correspondence", "Visit", "Forum",
)

#: Entity kinds and the IRI path segment each lives under.
KINDS: dict[str, str] = {
    "person": "person",
    "party": "org",
    "international": "org",
    "partybody": "org",
    "govbody": "org",
    "organization": "org",
    "country": "country",
    "place": "place",
}
ORG_KINDS = frozenset({"party", "international", "partybody", "govbody", "organization"})


def slugify(text: str) -> str:
    """Lower-case ASCII slug of ``text`` (accents stripped, words joined by '-').

    Example:
        >>> slugify("Partido dos Trabalhadores (PT)")
        'partido-dos-trabalhadores-pt'
        >>> slugify("São Paulo Forum")
        'sao-paulo-forum'
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "x"


@dataclass(frozen=True, slots=True)
class Readout:
    """One source document after ingest.

    ``text`` is the whole text as read (NFC-normalized); ``body_start`` is the
    offset where the article body begins (after the title and date lines);
    ``dateline_place``/``dateline_date`` come from a dateline such as
    "BEIJING, June 2 (Xinhua) --" when there is one.
    """

    id: str
    source: str
    text: str
    title: str
    published: date | None
    body_start: int = 0
    dateline_place: str | None = None
    dateline_date: date | None = None
    dateline_end: int = 0
    url: str | None = None
    publisher: str | None = None

    @property
    def reference_date(self) -> date | None:
        """The date "today" refers to: the dateline's day, else publication."""
        return self.dateline_date or self.published


@dataclass(slots=True)
class Entity:
    """A person, organization, country or place named in a readout.

    ``name`` is the canonical label; ``aliases`` every other form seen.
    ``parent`` is the key of the organization a party body belongs to;
    ``country`` the key of the country an organization belongs to.
    """

    kind: str
    name: str
    aliases: set[str] = field(default_factory=set)
    slug: str | None = None
    parent: str | None = None
    country: str | None = None

    @property
    def key(self) -> str:
        """Stable key, also the IRI path under ``https://w3id.org/partyrel/id/``."""
        return f"{KINDS[self.kind]}/{self.slug or slugify(self.name)}"


@dataclass(frozen=True, slots=True)
class Post:
    """``person`` holds office ``title`` in ``organization`` (entity keys)."""

    person: str
    title: str
    organization: str
    evidence: str
    head: bool = False


@dataclass(slots=True)
class Engagement:
    """One interaction reported by a readout, with entity keys for its slots."""

    index: int
    type: str
    evidence: str
    date: date | None = None
    location: str | None = None
    participants: list[str] = field(default_factory=list)
    organizations: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    reporter: str | None = None


@dataclass(slots=True)
class ReadoutFacts:
    """Everything extracted from one readout, ready to become triples."""

    readout: Readout
    entities: dict[str, Entity] = field(default_factory=dict)
    posts: list[Post] = field(default_factory=list)
    engagements: list[Engagement] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def dialogues(self) -> set[tuple[str, str]]:
        """Unordered organization pairs: each engagement's reporting side with
        every other side (never an organization with itself)."""
        pairs: set[tuple[str, str]] = set()
        for e in self.engagements:
            if not e.organizations:
                continue
            reporter = e.reporter if e.reporter in e.organizations else e.organizations[0]
            for other in e.organizations:
                if other != reporter:
                    a, b = sorted((reporter, other))
                    pairs.add((a, b))
        return pairs
