"""A small hand-built partyrel graph for query tests: three readouts, five
engagements, four organizations and a country as sides, three people.

Every name is invented. The triples follow kg/triples.py: each readout's
facts in its own named graph, one rdfs:label per entity in a separate labels
graph, topics in a topics graph. What it holds:

====  ==============  ==========  ========================  ====================  =================
id    type            date        sides                     participants          topics
====  ==============  ==========  ========================  ====================  =================
r1-1  Meeting         2022-03-01  Alpha Party, Beta Union   Ana Lima, Bo Chen     climate change
                                                            (present: Cy Dahl)
r1-2  VideoCall       2022-03-02  Alpha Party, Gamma Intl.  Ana Lima              youth, climate
r2-1  PhoneCall       2023-05-10  Alpha Party, Beta Union   Bo Chen, Ana Lima
r2-2  Meeting         (undated)   Alpha Party, Beta Union   Ana Lima
r3-1  Talks           2023-08-30  Beta Union, Borduria      Bo Chen               youth
====  ==============  ==========  ========================  ====================  =================

Readouts r1, r2, r3 were published 2022-03-02, 2023-05-11, 2023-09-01. Posts:
Ana Lima, President of Alpha Party (r1, r2; presides); Bo Chen, General
Secretary of Beta Union (r1; presides) and Vice President of Beta Union (r3);
Cy Dahl, Head of the Alpha Party International Department (r1; presides).
Dialogues: Alpha-Beta (r1, r2), Alpha-Gamma (r1), Beta-Borduria (r3). "AP" is
an alias of both Alpha Party and Gamma International.
"""

from __future__ import annotations

from rdflib import Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV, RDF, RDFS, SKOS, XSD

from kg.store import GRAPH_BASE, GraphStore

PR = Namespace("https://w3id.org/partyrel/ontology#")
ID = Namespace("https://w3id.org/partyrel/id/")

ALPHA, BETA, GAMMA = ID["org/alpha-party"], ID["org/beta-union"], ID["org/gamma-international"]
ALPHA_ID = ID["org/alpha-party-international-department"]
ALAND, BORDURIA = ID["country/aland"], ID["country/borduria"]
ANA, BO, CY = ID["person/ana-lima"], ID["person/bo-chen"], ID["person/cy-dahl"]
CLIMATE, YOUTH = ID["topic/climate-change"], ID["topic/youth"]

LABELS = {
    ALPHA: "Alpha Party", BETA: "Beta Union", GAMMA: "Gamma International",
    ALPHA_ID: "Alpha Party International Department", ALAND: "Aland", BORDURIA: "Borduria",
    ANA: "Ana Lima", BO: "Bo Chen", CY: "Cy Dahl",
}
CLASSES = {
    ALPHA: (PR.PoliticalParty, PR.Organization), BETA: (PR.PoliticalParty, PR.Organization),
    GAMMA: (PR.PartyInternational, PR.Organization), ALPHA_ID: (PR.PartyBody, PR.Organization),
    ALAND: (PR.Country,), BORDURIA: (PR.Country,),
    ANA: (PR.Person,), BO: (PR.Person,), CY: (PR.Person,),
}
ALIASES = {ALPHA: ("Alpha Party", "AP"), BETA: ("Beta Union", "BU"),
           GAMMA: ("Gamma International", "AP"), ALPHA_ID: ("Alpha Party International Department",),
           ALAND: ("Aland",), BORDURIA: ("Borduria",),
           ANA: ("Ana Lima",), BO: ("Bo Chen", "Chen"), CY: ("Cy Dahl",)}
COUNTRY = {ALPHA: ALAND, BETA: BORDURIA}

Triple = tuple[URIRef, URIRef, URIRef | Literal]


def _day(text: str) -> Literal:
    return Literal(text, datatype=XSD.date)


def _entities(*nodes: URIRef) -> list[Triple]:
    out: list[Triple] = []
    for node in nodes:
        out += [(node, RDF.type, cls) for cls in CLASSES[node]]
        out += [(node, SKOS.altLabel, Literal(form, lang="en")) for form in ALIASES[node]]
        if node in COUNTRY:
            out.append((node, PR.country, COUNTRY[node]))
    return out


def _readout(rid: str, published: str, title: str) -> list[Triple]:
    node = ID[f"readout/{rid}"]
    return [(node, RDF.type, PR.Readout), (node, DCTERMS.identifier, Literal(rid)),
            (node, DCTERMS.title, Literal(title)), (node, RDFS.label, Literal(title, lang="en")),
            (node, DCTERMS.issued, _day(published))]


def _engagement(eid: str, kind: str, date: str | None, sides: tuple[URIRef, ...],
                participants: tuple[URIRef, ...], attendees: tuple[URIRef, ...] = (),
                topics: tuple[URIRef, ...] = ()) -> list[Triple]:
    node = ID[f"engagement/{eid}"]
    readout = ID[f"readout/{eid.split('-')[0]}"]
    out: list[Triple] = [(node, RDF.type, PR.Engagement), (node, RDF.type, PR[kind]),
                         (node, PR.reportedIn, readout), (node, PROV.wasDerivedFrom, readout),
                         (node, PR.evidence, Literal(f"Evidence of {eid}."))]
    if date:
        out.append((node, PR.date, _day(date)))
    out += [(node, PR.involves, side) for side in sides]
    out += [(node, PR.participant, person) for person in participants]
    out += [(node, PR.attendee, person) for person in attendees]
    out += [(node, PR.topic, topic) for topic in topics]
    return out


def _post(person: URIRef, title: str, org: URIRef, rid: str, *, head: bool) -> list[Triple]:
    slug = title.lower().replace(" ", "-")
    post = ID[f"post/{person.rsplit('/', 1)[1]}--{slug}--{org.rsplit('/', 1)[1]}"]
    out: list[Triple] = [(person, ORG.holds, post), (post, RDF.type, ORG.Post),
                         (post, PR.title, Literal(title)), (post, ORG.postIn, org),
                         (post, PROV.wasDerivedFrom, ID[f"readout/{rid}"])]
    if head:
        out.append((person, PR.presides, org))
    return out


def _dialogue(a: URIRef, b: URIRef) -> list[Triple]:
    return [(a, PR.dialoguesWith, b), (b, PR.dialoguesWith, a)]


def readout_graphs() -> dict[str, list[Triple]]:
    """The triples of each readout graph, by readout id."""
    return {
        "r1": [
            *_readout("r1", "2022-03-02", "Alpha Party meets Beta Union"),
            *_engagement("r1-1", "Meeting", "2022-03-01", (ALPHA, BETA), (ANA, BO), (CY,),
                         (CLIMATE,)),
            *_engagement("r1-2", "VideoCall", "2022-03-02", (ALPHA, GAMMA), (ANA,), (),
                         (YOUTH, CLIMATE)),
            *_entities(ALPHA, BETA, GAMMA, ALPHA_ID, ALAND, BORDURIA, ANA, BO, CY),
            (ALPHA_ID, ORG.subOrganizationOf, ALPHA),
            *_post(ANA, "President", ALPHA, "r1", head=True),
            *_post(BO, "General Secretary", BETA, "r1", head=True),
            *_post(CY, "Head", ALPHA_ID, "r1", head=True),
            *_dialogue(ALPHA, BETA), *_dialogue(ALPHA, GAMMA),
        ],
        "r2": [
            *_readout("r2", "2023-05-11", "Phone call between Alpha and Beta leaders"),
            *_engagement("r2-1", "PhoneCall", "2023-05-10", (ALPHA, BETA), (BO, ANA)),
            *_engagement("r2-2", "Meeting", None, (ALPHA, BETA), (ANA,)),
            *_entities(ALPHA, BETA, ALAND, BORDURIA, ANA, BO),
            *_post(ANA, "President", ALPHA, "r2", head=True),
            *_dialogue(ALPHA, BETA),
        ],
        "r3": [
            *_readout("r3", "2023-09-01", "Beta Union holds talks in Borduria"),
            *_engagement("r3-1", "Talks", "2023-08-30", (BETA, BORDURIA), (BO,), (), (YOUTH,)),
            *_entities(BETA, BORDURIA, BO),
            *_post(BO, "Vice President", BETA, "r3", head=False),
            *_dialogue(BETA, BORDURIA),
        ],
    }


def shared_graphs() -> dict[str, list[Triple]]:
    """The graphs a build derives from all readouts: labels and topics."""
    labels: list[Triple] = [(node, RDFS.label, Literal(name, lang="en"))
                            for node, name in LABELS.items()]
    topics: list[Triple] = []
    for topic, name in ((CLIMATE, "climate change"), (YOUTH, "youth")):
        topics += [(topic, RDF.type, PR.Topic), (topic, RDF.type, SKOS.Concept),
                   (topic, RDFS.label, Literal(name, lang="en")),
                   (topic, SKOS.prefLabel, Literal(name, lang="en"))]
    return {"_labels": labels, "_topics": topics}


def fill(store: GraphStore) -> GraphStore:
    """Write the tiny world into ``store`` (one named graph per readout); return it."""
    for name, triples in {**readout_graphs(), **shared_graphs()}.items():
        store.replace_graph(GRAPH_BASE + name, triples, name)
    return store


def short(cell: str | None) -> str | None:
    """A result cell with the instance namespace written ``id:``."""
    if cell is not None and cell.startswith(str(ID)):
        return "id:" + cell[len(str(ID)):]
    return cell
