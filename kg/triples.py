"""Triples: :class:`~kg.records.ReadoutFacts` -> RDF under the core vocabulary.

Every fact of one readout goes into that readout's named graph (see
:func:`graph_iri`), so re-ingesting a readout replaces its facts. Instance
IRIs are stable: ``id/person/<slug>``, ``id/org/<slug>``, ``id/country/<slug>``,
``id/place/<slug>``; engagements are ``id/engagement/<readout>-<n>`` and
posts ``id/post/<person>--<title>--<organization>``.

Entities carry a ``skos:altLabel`` for every form seen in the readout (the
canonical one included); the single ``rdfs:label`` of each entity is derived
from all readouts at the end of a build (:func:`label_triples`).

Example:
    >>> from kg.records import Readout, ReadoutFacts
    >>> facts = ReadoutFacts(Readout("r1", "r1.txt", "text", "A title", None))
    >>> len(readout_triples(facts))
    4
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV, RDF, RDFS, SKOS, XSD

from kg.errors import StoreError
from kg.namespaces import ID, PR
from kg.records import ORG_KINDS, ReadoutFacts, slugify

Triple = tuple[URIRef, URIRef, URIRef | Literal]
T = TypeVar("T")
_ID = str(ID)
_PR = str(PR)

CLASS_OF_KIND: dict[str, tuple[URIRef, ...]] = {
    "person": (PR.Person,),
    "party": (PR.PoliticalParty, PR.Organization),
    "international": (PR.PartyInternational, PR.Organization),
    "partybody": (PR.PartyBody, PR.Organization),
    "govbody": (PR.GovernmentBody, PR.Organization),
    "organization": (PR.Organization,),
    "country": (PR.Country,),
    "place": (PR.Place,),
}


def entity_iri(key: str) -> URIRef:
    """IRI of an entity key ("person/tang-wenbo")."""
    return ID[key]


def readout_iri(readout_id: str) -> URIRef:
    return ID[f"readout/{slugify(readout_id)}"]


def graph_iri(readout_id: str) -> str:
    """The named graph holding one readout's facts."""
    return str(ID[f"graph/{slugify(readout_id)}"])


def readout_triples(facts: ReadoutFacts) -> list[Triple]:
    """All triples of one readout (to go into its named graph), as rdflib terms.

    Example:
        >>> from kg.records import Readout
        >>> t = readout_triples(ReadoutFacts(Readout("r1", "r1.txt", "text", "Talks", None)))
        >>> t[0][0], t[1][2]
        (rdflib.term.URIRef('https://w3id.org/partyrel/id/readout/r1'), rdflib.term.Literal('r1'))
    """
    return _triples(facts, URIRef, _rdflib_literal, _RDFLIB_VOCABULARY, _RDFLIB_TERMS)


def readout_ox_triples(facts: ReadoutFacts) -> list[tuple[ox.NamedNode, ox.NamedNode, ox.NamedNode | ox.Literal]]:
    """The triples of :func:`readout_triples`, in the same order, made as
    pyoxigraph terms directly: about three times faster than rdflib terms and
    their conversion, and what a build's workers render
    (:func:`kg.store.render_ntriples` gives the same text for both).

    Raises:
        StoreError: a fact holds a value that is no valid IRI (a URL with a
            space) or language-tagged literal.

    Example:
        >>> from kg.records import Readout
        >>> t = readout_ox_triples(ReadoutFacts(Readout("r1", "r1.txt", "text", "Talks", None)))
        >>> str(t[3][2])
        '"Talks"@en'
    """
    try:
        return _triples(facts, ox.NamedNode, _ox_literal, _OX_VOCABULARY, _OX_TERMS)
    except ValueError as err:  # pyoxigraph checks every IRI and language tag it is given
        raise StoreError(f"a fact of readout {facts.readout.id!r} is not a valid RDF term: {err}; "
                         "fix the value that produced it (IRIs may not contain spaces or "
                         "<>\"{}|^`\\)") from err


def _rdflib_literal(text: str, lang: str | None = None, datatype: str | None = None) -> Literal:
    return Literal(text, lang=lang, datatype=URIRef(datatype) if datatype else None)


def _ox_literal(text: str, lang: str | None = None, datatype: str | None = None) -> ox.Literal:
    if lang:
        return ox.Literal(text, language=lang)
    if datatype:
        return ox.Literal(text, datatype=ox.NamedNode(datatype))
    return ox.Literal(text)


class _Vocabulary:
    """The IRIs a readout's triples use, made once per kind of term."""

    def __init__(self, iri: Callable[[str], Any]) -> None:
        self.Engagement = iri(str(PR.Engagement))
        self.Post = iri(str(ORG.Post))
        self.Readout = iri(str(PR.Readout))
        self.alt_label = iri(str(SKOS.altLabel))
        self.attendee = iri(str(PR.attendee))
        self.country = iri(str(PR.country))
        self.date = iri(str(PR.date))
        self.dc_title = iri(str(DCTERMS.title))
        self.derived_from = iri(str(PROV.wasDerivedFrom))
        self.dialogues_with = iri(str(PR.dialoguesWith))
        self.evidence = iri(str(PR.evidence))
        self.holds = iri(str(ORG.holds))
        self.identifier = iri(str(DCTERMS.identifier))
        self.involves = iri(str(PR.involves))
        self.issued = iri(str(DCTERMS.issued))
        self.label = iri(str(RDFS.label))
        self.location = iri(str(PR.location))
        self.participant = iri(str(PR.participant))
        self.post_in = iri(str(ORG.postIn))
        self.presides = iri(str(PR.presides))
        self.reported_in = iri(str(PR.reportedIn))
        self.source = iri(str(DCTERMS.source))
        self.sub_organization_of = iri(str(ORG.subOrganizationOf))
        self.title = iri(str(PR.title))
        self.topic = iri(str(PR.topic))
        self.type = iri(str(RDF.type))
        self.classes = {kind: tuple(iri(str(c)) for c in classes) for kind, classes in CLASS_OF_KIND.items()}


# The vocabulary's IRIs, and the engagement types' and topics', made once per kind of term.
_RDFLIB_VOCABULARY = _Vocabulary(URIRef)
_OX_VOCABULARY = _Vocabulary(ox.NamedNode)
_RDFLIB_TERMS: dict[str, Any] = {}
_OX_TERMS: dict[str, Any] = {}
_XSD_DATE = str(XSD.date)


def _triples(facts: ReadoutFacts, iri: Callable[[str], T], literal: Callable[..., T],
             v: _Vocabulary, known: dict[str, T]) -> list[tuple[T, T, T]]:
    """The triples of one readout, with IRIs made by ``iri`` and literals by
    ``literal`` (text, language, datatype); ``v`` holds the vocabulary's IRIs
    made by ``iri``, and ``known`` keeps the engagement types' and topics'."""

    def term(value: str) -> T:
        made = known.get(value)
        if made is None:
            made = known[value] = iri(value)
        return made

    r = facts.readout
    rd = iri(str(readout_iri(r.id)))
    out: list[tuple[T, T, T]] = [
        (rd, v.type, v.Readout),
        (rd, v.identifier, literal(r.id)),
        (rd, v.dc_title, literal(r.title)),
        (rd, v.label, literal(r.title or r.id, "en")),
    ]
    if r.published is not None:
        out.append((rd, v.issued, literal(r.published.isoformat(), None, _XSD_DATE)))
    if r.url:
        out.append((rd, v.source, iri(r.url)))

    used: set[str] = set()
    for e in facts.engagements:
        used.update(e.participants, e.present, e.organizations)
        if e.location:
            used.add(e.location)
    for p in facts.posts:
        used.update((p.person, p.organization))
    for key in list(used):
        ent = facts.entities.get(key)
        while ent is not None and ent.parent and ent.parent not in used:
            used.add(ent.parent)
            ent = facts.entities.get(ent.parent)

    for e in facts.engagements:
        for k in e.organizations:
            ent = facts.entities.get(k)
            if ent is not None and ent.country:
                used.add(ent.country)

    entities: dict[str, T] = {}

    def entity(key: str) -> T:
        made = entities.get(key)
        if made is None:
            made = entities[key] = iri(_ID + key)
        return made

    readout_slug = slugify(r.id)
    sides: set[str] = set()
    for e in facts.engagements:
        ev = iri(f"{_ID}engagement/{readout_slug}-{e.index + 1}")
        out += [
            (ev, v.type, v.Engagement),
            (ev, v.type, term(_PR + e.type)),
            (ev, v.reported_in, rd),
            (ev, v.derived_from, rd),
            (ev, v.evidence, literal(e.evidence)),
        ]
        if e.date is not None:
            out.append((ev, v.date, literal(e.date.isoformat(), None, _XSD_DATE)))
        if e.location:
            out.append((ev, v.location, entity(e.location)))
        out += [(ev, v.participant, entity(k)) for k in e.participants]
        out += [(ev, v.attendee, entity(k)) for k in e.present]
        out += [(ev, v.involves, entity(k)) for k in e.organizations]
        out += [(ev, v.topic, term(t)) for t in e.topics]
        sides.update(e.organizations)

    for key in sorted(used):
        ent = facts.entities.get(key)
        if ent is None:
            continue
        node = entity(key)
        out += [(node, v.type, cls) for cls in v.classes[ent.kind]]
        out += [(node, v.alt_label, literal(form, "en")) for form in sorted({ent.name, *ent.aliases})]
        if ent.parent:
            out.append((node, v.sub_organization_of, entity(ent.parent)))
        if ent.country and key in sides and ent.kind in ORG_KINDS and ent.kind != "international":
            out.append((node, v.country, entity(ent.country)))

    for p in facts.posts:
        post = iri(f"{_ID}post/{p.person.split('/', 1)[1]}--{slugify(p.title)}--{p.organization.split('/', 1)[1]}")
        out += [
            (entity(p.person), v.holds, post),
            (post, v.type, v.Post),
            (post, v.title, literal(p.title)),
            (post, v.post_in, entity(p.organization)),
            (post, v.evidence, literal(p.evidence)),
            (post, v.derived_from, rd),
        ]
        if p.head:
            out.append((entity(p.person), v.presides, entity(p.organization)))

    for a, b in sorted(facts.dialogues()):
        out.append((entity(a), v.dialogues_with, entity(b)))
        out.append((entity(b), v.dialogues_with, entity(a)))
    return list(dict.fromkeys(out))


def label_triples(alt_labels: Iterable[tuple[str, str]], fixed: dict[str, str] | None = None) -> list[Triple]:
    """One ``rdfs:label`` per entity, chosen from the forms seen in every readout.

    ``alt_labels`` yields (entity IRI, form) once per readout that saw the
    form. The label is the vocabulary name when ``fixed`` has one; otherwise
    the form whose slug gave the IRI, the most frequent first, then the
    alphabetically first; failing that, the longest form.

    Example:
        >>> t = label_triples([("https://w3id.org/partyrel/id/person/ana-lima", "Ana Lima"),
        ...                    ("https://w3id.org/partyrel/id/person/ana-lima", "Lima")])
        >>> str(t[0][2])
        'Ana Lima'
    """
    return counted_label_triples(((iri, form, 1) for iri, form in alt_labels), fixed)


def counted_label_triples(alt_labels: Iterable[tuple[str, str, int]],
                          fixed: dict[str, str] | None = None) -> list[Triple]:
    """:func:`label_triples` from (entity IRI, form, number of readouts that saw it).

    Example:
        >>> t = counted_label_triples([("https://w3id.org/partyrel/id/person/ana-lima", "Ana  Lima", 1),
        ...                            ("https://w3id.org/partyrel/id/person/ana-lima", "Ana Lima", 3)])
        >>> str(t[0][2])
        'Ana Lima'
    """
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    for iri, form, n in alt_labels:
        forms[iri][form] += n
    fixed = fixed or {}
    out: list[Triple] = []
    for iri in sorted(forms):
        if iri in fixed:
            label = fixed[iri]
        else:
            slug = iri.rsplit("/", 1)[1]
            matching = [f for f in forms[iri] if slugify(f) == slug]
            if matching:
                label = sorted(matching, key=lambda f: (-forms[iri][f], f))[0]
            else:
                label = sorted(forms[iri], key=lambda f: (-len(f), f))[0]
        out.append((URIRef(iri), RDFS.label, Literal(label, lang="en")))
    return out
