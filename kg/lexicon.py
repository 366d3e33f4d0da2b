"""Vocabularies as data: countries, party internationals, known parties,
office titles, engagement cues and the topic scheme, loaded from
``ontology/`` (the single source) into one immutable :class:`Lexicon`.

Example:
    >>> lex = load_lexicon()
    >>> lex.country_by_form["viet nam"]
    'Vietnam'
    >>> lex.titles["vice-minister"].status
    'deputy'
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from kg.errors import OntologyError
from kg.records import slugify
from kg.resources import ontology_dir

TOPIC_NS = "https://w3id.org/partyrel/id/topic/"


@dataclass(frozen=True, slots=True)
class Country:
    name: str
    slug: str
    forms: tuple[str, ...]
    demonyms: tuple[str, ...]
    capital: str
    cities: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class KnownOrg:
    """A party or party international from the vocabulary files."""

    name: str
    slug: str
    kind: str  # "party" | "international" | "organization" | "partybody"
    country: str | None
    aliases: tuple[str, ...]
    parent: str | None = None  # slug of the party a body belongs to


@dataclass(frozen=True, slots=True)
class Title:
    title: str
    status: str  # head | deputy | member | other
    kind: str  # party | state | any


@dataclass(frozen=True, slots=True)
class Topic:
    iri: str
    label: str
    cues: tuple[str, ...]


@dataclass(frozen=True)
class Lexicon:
    """Every vocabulary the extractor compiles its patterns from."""

    countries: dict[str, Country]
    country_by_form: dict[str, str]  # lower-cased name/form -> country name
    country_by_demonym: dict[str, str]
    city_country: dict[str, str]  # lower-cased city -> country name
    city_names: dict[str, str]  # lower-cased city form -> display form
    orgs: dict[str, KnownOrg]  # slug -> org
    org_by_form: dict[str, list[KnownOrg]]  # lower-cased name/alias -> orgs
    titles: dict[str, Title]  # lower-cased variant -> canonical title
    cues: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # type -> [(cue, role)]
    topics: tuple[Topic, ...] = ()


def _rows(path: Path) -> Iterator[dict[str, str]]:
    if not path.is_file():
        raise OntologyError(f"vocabulary file {path} is missing; restore it from the partyrel sources")
    with path.open(encoding="utf-8", newline="") as fh:
        lines = (line for line in fh if line.strip() and not line.startswith("#"))
        reader = csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
        for lineno, row in enumerate(reader, start=2):
            if None in row or any(v is None for v in row.values()):
                raise OntologyError(f"{path}: row {lineno} has the wrong number of tab-separated columns")
            yield {k: (v or "").strip() for k, v in row.items()}


def _acronym_of(party: KnownOrg) -> str:
    """The party's shortest all-capitals alias ("CPC"), else its name."""
    short = [a for a in party.aliases if a.isupper() and a.isalpha()]
    return min(short, key=len) if short else party.name


def _body_forms(name: str, party: KnownOrg) -> tuple[str, ...]:
    """The forms a central body of a party goes by, from its name "B of the
    ACR Central Committee": "B of the <party> Central Committee" and "B of the
    Central Committee of the <party>".

    Example:
        >>> wpz = KnownOrg("Workers' Party of Zembla", "workers-party-of-zembla", "party", None, ("WPZ",))
        >>> _body_forms("Secretariat of the WPZ Central Committee", wpz)
        ("Secretariat of the Workers' Party of Zembla Central Committee", "Secretariat of the Central Committee of the Workers' Party of Zembla")
    """
    found = re.fullmatch(r"(.+) of the \S+ Central Committee", name)
    if found is None:
        return ()
    body = found.group(1)
    return (f"{body} of the {party.name} Central Committee", f"{body} of the Central Committee of the {party.name}")


def _multi(cell: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in cell.split("|") if v.strip())


def _load_topics(path: Path) -> tuple[Topic, ...]:
    import rdflib
    from rdflib.namespace import RDF, SKOS

    graph = rdflib.Graph()
    try:
        graph.parse(path, format="turtle")
    except Exception as exc:  # rdflib raises many parser exception types
        raise OntologyError(f"{path} is not valid Turtle: {exc}") from exc
    topics = []
    for concept in graph.subjects(RDF.type, SKOS.Concept):
        label = graph.value(concept, SKOS.prefLabel)
        if label is None:
            raise OntologyError(f"{path}: topic {concept} has no skos:prefLabel")
        alts = sorted(str(a) for a in graph.objects(concept, SKOS.altLabel))
        topics.append(Topic(str(concept), str(label), (str(label), *alts)))
    return tuple(sorted(topics, key=lambda t: t.label.lower()))


def load_lexicon_from(root: str | os.PathLike[str]) -> Lexicon:
    """Load every vocabulary under ``root`` (an ``ontology/`` folder)."""
    root = Path(root)
    vocab = root / "vocab"
    countries: dict[str, Country] = {}
    by_form: dict[str, str] = {}
    by_demonym: dict[str, str] = {}
    city_country: dict[str, str] = {}
    city_names: dict[str, str] = {}
    for row in _rows(vocab / "countries.tsv"):
        c = Country(row["name"], row["slug"], _multi(row["forms"]), _multi(row["demonyms"]),
                    row["capital"], _multi(row["cities"]))
        countries[c.name] = c
        for form in (c.name, *c.forms):
            by_form.setdefault(form.lower(), c.name)
        for dem in c.demonyms:
            by_demonym.setdefault(dem.lower(), c.name)
        for city in (c.capital, *c.cities):
            if city:
                city_country.setdefault(city.lower(), c.name)
                city_names.setdefault(city.lower(), city)
    orgs: dict[str, KnownOrg] = {}
    org_by_form: dict[str, list[KnownOrg]] = {}
    for row in _rows(vocab / "internationals.tsv"):
        kind = {"international": "international", "group": "organization"}.get(row["kind"])
        if kind is None:  # named meetings are events, not organizations
            continue
        o = KnownOrg(row["name"], row["slug"], kind, None, _multi(row["aliases"]))
        orgs[o.slug] = o
    for row in _rows(vocab / "parties.tsv"):
        country = row["country"] or None
        if country and country not in countries:
            raise OntologyError(f"parties.tsv: {row['name']} names unknown country {country!r}")
        o = KnownOrg(row["name"], row["slug"], "party", country, _multi(row["aliases"]))
        orgs.setdefault(o.slug, o)
    for row in _rows(vocab / "party_bodies.tsv"):
        parent = orgs.get(row["parent"])
        if parent is None:
            raise OntologyError(f"party_bodies.tsv: {row['name']} names unknown parent {row['parent']!r}")
        central = f"{_acronym_of(parent)} Central Committee"
        name = row["name"].replace("{CC}", central)
        slug = row["slug"] or slugify(name)
        forms = [form.replace("{CC}", central) for form in (name, *_multi(row["aliases"]))]
        aliases = tuple(dict.fromkeys(
            f for form in forms for f in (form, *_body_forms(form, parent)) if f != name))
        o = KnownOrg(name, slug, "partybody", parent.country, aliases, parent.slug)
        orgs.setdefault(o.slug, o)
    for o in orgs.values():
        for form in (o.name, *o.aliases):
            bucket = org_by_form.setdefault(form.lower(), [])
            if o not in bucket:
                bucket.append(o)
    titles: dict[str, Title] = {}
    for row in _rows(vocab / "titles.tsv"):
        t = Title(row["title"], row["status"], row["kind"])
        for form in (t.title, *_multi(row["variants"])):
            titles.setdefault(form.lower(), Title(form, t.status, t.kind))
    cues: dict[str, list[tuple[str, str]]] = {}
    for row in _rows(vocab / "engagement_cues.tsv"):
        cues.setdefault(row["type"], []).append((row["cue"], row["role"]))
    return Lexicon(countries, by_form, by_demonym, city_country, city_names, orgs, org_by_form,
                   titles, cues, _load_topics(root / "topics.ttl"))


@lru_cache(maxsize=4)
def load_lexicon(root: str | os.PathLike[str] | None = None) -> Lexicon:
    """Load (once per folder) the vocabularies shipped with partyrel, or those
    of another ``ontology/`` folder.

    Example:
        >>> from kg.resources import ontology_dir
        >>> load_lexicon(str(ontology_dir())).countries == load_lexicon().countries
        True
    """
    return load_lexicon_from(root or ontology_dir())
