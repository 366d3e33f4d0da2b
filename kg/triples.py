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
from collections.abc import Iterable

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV, RDF, RDFS, SKOS, XSD

from kg.namespaces import ID, PR
from kg.records import ORG_KINDS, ReadoutFacts, slugify

Triple = tuple[URIRef, URIRef, URIRef | Literal]

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
    """All triples of one readout (to go into its named graph)."""
    r = facts.readout
    rd = readout_iri(r.id)
    out: list[Triple] = [
        (rd, RDF.type, PR.Readout),
        (rd, DCTERMS.identifier, Literal(r.id)),
        (rd, DCTERMS.title, Literal(r.title)),
        (rd, RDFS.label, Literal(r.title or r.id, lang="en")),
    ]
    if r.published is not None:
        out.append((rd, DCTERMS.issued, Literal(r.published.isoformat(), datatype=XSD.date)))
    if r.url:
        out.append((rd, DCTERMS.source, URIRef(r.url)))

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

    sides: set[str] = set()
    for e in facts.engagements:
        ev = ID[f"engagement/{slugify(r.id)}-{e.index + 1}"]
        out += [
            (ev, RDF.type, PR.Engagement),
            (ev, RDF.type, PR[e.type]),
            (ev, PR.reportedIn, rd),
            (ev, PROV.wasDerivedFrom, rd),
            (ev, PR.evidence, Literal(e.evidence)),
        ]
        if e.date is not None:
            out.append((ev, PR.date, Literal(e.date.isoformat(), datatype=XSD.date)))
        if e.location:
            out.append((ev, PR.location, entity_iri(e.location)))
        out += [(ev, PR.participant, entity_iri(k)) for k in e.participants]
        out += [(ev, PR.attendee, entity_iri(k)) for k in e.present]
        out += [(ev, PR.involves, entity_iri(k)) for k in e.organizations]
        out += [(ev, PR.topic, URIRef(t)) for t in e.topics]
        sides.update(e.organizations)

    for key in sorted(used):
        ent = facts.entities.get(key)
        if ent is None:
            continue
        node = entity_iri(key)
        out += [(node, RDF.type, cls) for cls in CLASS_OF_KIND[ent.kind]]
        out += [(node, SKOS.altLabel, Literal(form, lang="en")) for form in sorted({ent.name, *ent.aliases})]
        if ent.parent:
            out.append((node, ORG.subOrganizationOf, entity_iri(ent.parent)))
        if ent.country and key in sides and ent.kind in ORG_KINDS and ent.kind != "international":
            out.append((node, PR.country, entity_iri(ent.country)))

    for p in facts.posts:
        post = ID[f"post/{p.person.split('/', 1)[1]}--{slugify(p.title)}--{p.organization.split('/', 1)[1]}"]
        out += [
            (entity_iri(p.person), ORG.holds, post),
            (post, RDF.type, ORG.Post),
            (post, PR.title, Literal(p.title)),
            (post, ORG.postIn, entity_iri(p.organization)),
            (post, PR.evidence, Literal(p.evidence)),
            (post, PROV.wasDerivedFrom, rd),
        ]
        if p.head:
            out.append((entity_iri(p.person), PR.presides, entity_iri(p.organization)))

    for a, b in sorted(facts.dialogues()):
        out.append((entity_iri(a), PR.dialoguesWith, entity_iri(b)))
        out.append((entity_iri(b), PR.dialoguesWith, entity_iri(a)))
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
