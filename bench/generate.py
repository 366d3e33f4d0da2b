#!/usr/bin/env python3
"""A seeded generator of synthetic readouts for the scale benchmarks.

usage: python bench/generate.py N OUT [--seed S] [--start K] [--per-folder M]

Writes ``N`` readouts as ``OUT/<shard>/syn-<number>.txt`` (``M`` files per
shard folder, 1,000 by default). Every readout has one of the header shapes
partyrel reads:

========== ======================================= ==========================================
publisher  date line                               dateline
========== ======================================= ==========================================
idcpc      ``( 2024.03.12 )``                      ``Beijing, March 11th—``
xinhua     ``Xinhua) 10:15, June 05, 2025``        ``BEIJING, June 4 (Xinhua) --``
vna        ``October 3, 2025``                     ``Hanoi (VNA) –`` (also ``Vientiane (KPL) –``)
acn        ``March 14, 2024``                      ``HAVANA, Cuba, Mar 14 (ACN)``
party      ``14 May 2025``                         none (a party's own release)
========== ======================================= ==========================================

What is real and what is invented: the parties, party bodies, countries and
cities are drawn from ``ontology/vocab/*.tsv``; the engagement cue phrases
from ``ontology/vocab/engagement_cues.tsv``; the topic phrases from the
labels of ``ontology/topics.ttl``. Every official is invented (a common
family name with a given name made of syllables, or a common first name with
a made-up surname), and so is every event. Nothing comes from the project's
held-back corpus.

Each readout depends only on ``(seed, number)``: the first 1,000 readouts of
a 10,000 corpus are the 1,000 corpus, and generating in parallel or in
pieces (``--start``) gives the same files.

Example:
    >>> text = readout_text(7, seed=1)
    >>> text == readout_text(7, seed=1), len(text.split()) > 150
    (True, True)
    >>> sorted({publisher_of(i, seed=1) for i in range(40)})
    ['acn', 'idcpc', 'party', 'vna', 'xinhua']
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from kg.lexicon import KnownOrg, Lexicon, load_lexicon

__all__ = ["PUBLISHERS", "Vocab", "mutate", "publisher_of", "readout_id", "readout_text",
           "vocab", "write_corpus"]

#: Publishers and how often each is drawn (the archive is mostly IDCPC and Xinhua).
PUBLISHERS: tuple[tuple[str, int], ...] = (
    ("idcpc", 40), ("xinhua", 25), ("vna", 15), ("acn", 10), ("party", 10),
)
FIRST_DATE = date(2012, 1, 1)
DAYS = 5_000  # until 2025-09

# Invented people: common family/first names are not persons by themselves; the
# syllables make the combinations made-up.
_CN_FAMILY = ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu", "Xu", "Sun",
              "Hu", "Zhu", "Gao", "Lin", "He", "Guo", "Ma", "Luo", "Liang", "Song", "Zheng", "Xie",
              "Han", "Tang", "Feng", "Yu", "Dong", "Xiao", "Cheng", "Cao", "Yuan", "Deng", "Fu", "Shen",
              "Zeng", "Peng", "Lu", "Su", "Pan", "Jiang", "Cai", "Jia", "Ding", "Wei", "Ye", "Du")
_CN_SYLLABLES = ("wen", "bo", "ming", "hui", "jian", "guo", "hong", "xin", "yu", "hai", "qing", "jun",
                 "lan", "ping", "tao", "feng", "yang", "zhi", "rong", "kai", "sheng", "li", "yi", "hua",
                 "dong", "an", "chao", "lei", "fang", "jie", "yuan", "ning", "song", "wei", "xiang")
_VN_FAMILY = ("Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu", "Vo", "Dang", "Bui", "Do", "Ho", "Ngo")
_VN_SYLLABLES = ("Van", "Thi", "Minh", "Duc", "Thanh", "Quang", "Hong", "Anh", "Tuan", "Hai", "Lan",
                 "Khanh", "Trung", "Phuong", "Long", "Hung", "Thu", "Binh", "Son", "Ha")
_GIVEN = ("Ana", "Maria", "Carlos", "Jose", "Luis", "Elena", "Pedro", "Sofia", "Juan", "Rosa",
          "Thomas", "Anna", "Peter", "Katrin", "Jonas", "Elin", "Lars", "Ingrid", "Marco", "Giulia",
          "Ahmed", "Fatima", "Omar", "Leila", "Samir", "Nadia", "Kwame", "Amina", "Thabo", "Zodwa",
          "Tendai", "Farai", "Kofi", "Abebe", "Sipho", "Grace", "Joseph", "Mary", "David", "Sarah",
          "Ivan", "Olga", "Dmitri", "Nina", "Boris", "Aigerim", "Nurlan", "Bat", "Saran", "Arjun",
          "Priya", "Ravi", "Kamal", "Nimal", "Somchai", "Malee", "Khamla", "Bounmy", "Siti", "Rahman")
_SURNAME_SYLLABLES = ("ka", "lo", "mi", "ren", "sa", "vo", "tel", "dun", "bra", "ni", "os", "ter", "ul",
                      "ja", "pe", "mar", "go", "ri", "ban", "de", "to", "ma", "su", "lin", "ve", "ko",
                      "da", "mbe", "rez", "na", "li", "sen", "ho", "var", "quez", "men")
_CN_PROVINCES = ("Yunnan", "Sichuan", "Shaanxi", "Guangdong", "Fujian", "Zhejiang", "Jiangsu", "Hunan",
                 "Hubei", "Henan", "Shandong", "Hebei", "Guangxi", "Guizhou", "Jilin", "Liaoning",
                 "Heilongjiang", "Gansu", "Qinghai", "Hainan", "Anhui", "Jiangxi", "Shanxi")
_GUEST_TITLES = ("President", "General Secretary", "Vice President", "Chairman", "Chairwoman",
                 "Deputy General Secretary", "Secretary for International Relations",
                 "Secretary for External Relations", "National Chairperson", "First Secretary",
                 "Member of the Political Bureau", "Member of the Central Committee",
                 "Head of the International Department", "Secretary-General")
_IDCPC_TITLES = ("Minister", "Vice-minister", "Assistant Minister")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_ABBR = ("Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.",
               "Nov.", "Dec.")
_ACN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Body sentences around the engagement; {A}/{B} are the two sides' surnames,
# {a}/{b} their organizations' short names, {t1}.. topic phrases.
_VIEWS = (
    ("{A} said that the {a} is ready to deepen exchanges with the {b} on {t1}, and to discuss "
     "{t2} with it, so that the friendship between the two parties can bring more benefits to "
     "the two peoples."),
    ("{A} noted that the relations between the two parties have stood the test of a changing "
     "international situation, and that the {a} supports the {b} in pursuing a development path "
     "suited to its national conditions."),
    ("{B} said that the {b} firmly abides by the one-China principle, attaches importance to {t1}, and "
     "hopes to learn from the {a}'s experience in party building and in lifting people out of "
     "poverty."),
    ("{B} thanked the hosts for the warm reception and said that the {b} values its long-standing "
     "ties with the {a}, which have grown stronger over the years through regular visits and "
     "training programmes for young cadres."),
    ("The two sides agreed to step up cooperation in {t1} and {t2}, to promote exchanges between "
     "think tanks, local organizations and young people, and to coordinate closely on international "
     "and regional issues of common concern."),
    ("Both sides expressed the wish to carry forward cooperation on {t1}, noting that practical "
     "projects in ports, railways, farming and vocational training have already improved the "
     "livelihoods of many families."),
    ("They also exchanged views on {t1}, on {t2} and on other questions of common concern, and "
     "agreed to keep in close contact through visits, seminars and video links."),
    ("{A} briefed the guests on the outcomes of recent plenary sessions and on the tasks set for "
     "the years ahead, saying that cooperation on {t1} opens new opportunities for all countries."),
    ("{B} said his party admires the way the {a} turns long-range plans into results that ordinary "
     "people can feel, and would like to send more delegations to study {t1}."),
)
_CLOSINGS = (
    "{P}, {PT} of the {po}, was present.",
    "{P}, {PT} of the {po}, attended the meeting.",
    ("During the visit, the delegation also toured a rural cooperative and an industrial park to "
     "learn about local practice in {t1}."),
    "The delegation is visiting {country} at the invitation of the {a}.",
)


@dataclass(frozen=True)
class Vocab:
    """The vocabulary the generator draws from, taken from ``ontology/``."""

    parties: tuple[KnownOrg, ...]  # foreign parties (with a country, not China)
    demonym: dict[str, str]  # country name -> demonym
    capital: dict[str, str]  # country name -> capital
    chinese_cities: tuple[str, ...]
    topics: tuple[str, ...]  # topic cue phrases (prefLabels and altLabels)
    cues: dict[str, tuple[str, ...]]  # engagement type -> past-tense cue phrases
    forum_nouns: tuple[str, ...]


def _past_cues(lexicon: Lexicon) -> dict[str, tuple[str, ...]]:
    """Cue phrases of ``engagement_cues.tsv`` usable as "X <cue> Y" in the past tense."""
    past = ("met", "held", "had", "received", "welcomed", "paid", "sent")
    out: dict[str, tuple[str, ...]] = {}
    for etype, cues in lexicon.cues.items():
        usable = []
        for cue, role in cues:
            words = cue.split()
            if etype in ("Meeting", "Talks", "VideoCall") and role == "verb" and words[0] in past \
                    and (words[-1] == "with" or len(words) == 1) and "separately" not in words \
                    and "respectively" not in words:
                usable.append(cue)
            elif etype == "PhoneCall" and role == "noun" and words[-1] in ("call", "conversation"):
                usable.append(f"held a {cue} with")
            elif etype == "Correspondence" and role == "verb" and words[0] == "sent" \
                    and words[1] in ("a", "congratulatory") and "video" not in words:
                usable.append(f"{cue} to")
            elif etype == "Visit" and role == "verb" and words[0] == "paid":
                usable.append(cue)
        out[etype] = tuple(usable)
    return out


@lru_cache(maxsize=1)
def vocab() -> Vocab:
    """Load the generator's vocabulary once (parties, countries, cues, topics)."""
    lexicon = load_lexicon()
    parties = tuple(o for o in sorted(lexicon.orgs.values(), key=lambda o: o.slug)
                    if o.kind == "party" and o.country and o.country != "China")
    countries = lexicon.countries
    demonym = {name: (c.demonyms[0] if c.demonyms else name) for name, c in countries.items()}
    capital = {name: c.capital or name for name, c in countries.items()}
    chinese = countries["China"]
    topics = tuple(sorted({cue for topic in lexicon.topics for cue in topic.cues
                           if len(cue) > 4 and not cue.isupper() and not cue.endswith("-related")}))
    forum_nouns = tuple(cue for cue, role in lexicon.cues.get("Forum", ())
                        if role == "noun" and cue in ("forum", "seminar", "symposium", "dialogue",
                                                      "webinar", "conference", "roundtable"))
    return Vocab(parties, demonym, capital, (chinese.capital, *chinese.cities[:20]), topics,
                 _past_cues(lexicon), forum_nouns)


# --------------------------------------------------------------------------- names

def _chinese_name(rng: random.Random) -> str:
    given = "".join(rng.choice(_CN_SYLLABLES) for _ in range(rng.choice((1, 2, 2))))
    return f"{rng.choice(_CN_FAMILY)} {given.capitalize()}"


def _vietnamese_name(rng: random.Random) -> str:
    return f"{rng.choice(_VN_FAMILY)} {rng.choice(_VN_SYLLABLES)} {rng.choice(_VN_SYLLABLES)}"


def _foreign_name(rng: random.Random) -> str:
    surname = "".join(rng.choice(_SURNAME_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    return f"{rng.choice(_GIVEN)} {surname}"


def _surname(name: str, chinese: bool = False) -> str:
    parts = name.split()
    return parts[0] if chinese else parts[-1]


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _acronym(party: KnownOrg) -> str | None:
    for alias in party.aliases:
        if alias.isupper() and alias.isalpha() and 2 <= len(alias) <= 6:
            return alias
    return None


# --------------------------------------------------------------------------- readouts

@dataclass
class _Scene:
    """What one readout reports, before it is written in a publisher's style."""

    etype: str
    cue: str
    held: date
    published: date
    host: str
    host_title: str
    host_org: str
    host_short: str
    guest: str
    guest_title: str
    party: KnownOrg
    party_short: str
    topics: list[str]
    city: str


def publisher_of(number: int, *, seed: int = 0) -> str:
    """The publisher (header shape) of readout ``number``.

    Example:
        >>> publisher_of(0, seed=3) == publisher_of(0, seed=3)
        True
    """
    return _draw_publisher(_rng(number, seed))


def _draw_publisher(rng: random.Random) -> str:
    return rng.choices([p for p, _ in PUBLISHERS], [w for _, w in PUBLISHERS])[0]


def readout_id(number: int) -> str:
    """The file stem (readout id) of readout ``number``: ``syn-000042``."""
    return f"syn-{number:06d}"


def _rng(number: int, seed: int) -> random.Random:
    return random.Random(f"partyrel-bench:{seed}:{number}")


def _paragraphs(rng: random.Random, scene: _Scene, v: Vocab, host_surname: str,
                guest_surname: str) -> list[str]:
    fill = {"A": host_surname, "B": guest_surname, "a": scene.host_short, "b": scene.party_short}
    chosen = rng.sample(_VIEWS, rng.randint(5, 8))
    sentences = []
    for i, template in enumerate(chosen):
        t1, t2 = rng.sample(v.topics, 2) if i > 0 or not scene.topics else scene.topics[:2]
        sentences.append(template.format(t1=t1, t2=t2, **fill))
    paragraphs = []
    while sentences:
        take = rng.randint(1, 2)
        paragraphs.append(" ".join(sentences[:take]))
        sentences = sentences[take:]
    return paragraphs


def _scene(rng: random.Random, v: Vocab, publisher: str) -> _Scene:
    etype = rng.choices(("Meeting", "Talks", "VideoCall", "PhoneCall", "Correspondence", "Visit",
                         "Forum"), (40, 20, 10, 6, 10, 8, 6))[0]
    cue = rng.choice(v.cues.get(etype) or ("met with",))
    held = FIRST_DATE + timedelta(days=rng.randrange(DAYS))
    published = held + timedelta(days=rng.choice((0, 1, 1, 1, 2)))
    party = rng.choice(v.parties)
    short = _acronym(party) or party.name
    if publisher == "vna":
        host = _vietnamese_name(rng)
        title, org, host_short = rng.choice((
            ("Head", "Commission for External Relations of the CPV Central Committee", "CPV"),
            ("Deputy Head", "Commission for External Relations of the CPV Central Committee", "CPV"),
            ("Standing Member", "Secretariat of the CPV Central Committee", "CPV"),
        ))
        city = "Hanoi"
    elif publisher == "acn":
        host = _foreign_name(rng)
        title, org, host_short = rng.choice((
            ("Head", ("International Relations Department of the Communist Party of Cuba Central "
             "Committee"), "PCC"),
            ("Member of the Secretariat", "Central Committee of the Communist Party of Cuba", "PCC"),
        ))
        city = "Havana"
    elif publisher == "party":
        home = rng.choice(v.parties)
        host = _foreign_name(rng)
        title = rng.choice(("Secretary-General", "National Chairperson", "Deputy Secretary-General",
                            "Head of International Relations"))
        org, host_short = home.name, _acronym(home) or home.name
        city = v.capital.get(home.country or "", "the capital")
    elif publisher == "xinhua":
        host = _chinese_name(rng)
        title = rng.choice(("head", "vice minister", "assistant minister"))
        org, host_short = "CPC Central Committee's International Department", "CPC"
        city = "Beijing" if rng.random() < 0.8 else rng.choice(v.chinese_cities)
    else:
        host = _chinese_name(rng)
        if rng.random() < 0.75:
            title = rng.choice(_IDCPC_TITLES)
            org, host_short = "International Department of the CPC Central Committee", "CPC"
            city = "Beijing" if rng.random() < 0.8 else rng.choice(v.chinese_cities)
        else:
            province = rng.choice(_CN_PROVINCES)
            title, org, host_short = "Secretary", f"CPC {province} Provincial Committee", "CPC"
            city = rng.choice(v.chinese_cities)
    topics = rng.sample(v.topics, 2)
    return _Scene(etype, cue, held, published, host, title, org, host_short, _foreign_name(rng),
                  rng.choice(_GUEST_TITLES), party, short, topics, city)


def _with_place(cue: str, where: str, when: str, counterpart: str) -> str:
    """The cue with its counterpart, and the place and time where the genre puts
    them: "met here today with X", "held talks here today with X", otherwise
    "held a working session with X here today"."""
    if cue in ("met with", "held talks with"):
        verb, prep = cue.rsplit(" ", 1)
        return f"{verb} {where}{when} {prep} {counterpart}"
    if cue == "met":
        return f"met {where}{when} with {counterpart}"
    return f"{cue} {counterpart} {where}{when}"


def _core_sentence(scene: _Scene, v: Vocab, where: str, when: str) -> str:
    """The sentence that reports the engagement: principal, cue, counterpart."""
    host = f"{scene.host}, {scene.host_title} of the {scene.host_org}"
    party = scene.party.name + (f" ({scene.party_short})" if scene.party_short != scene.party.name
                                else "")
    guest = f"{scene.guest}, {scene.guest_title} of the {party}"
    country = scene.party.country or "China"
    if scene.etype in ("Meeting", "Talks", "VideoCall", "PhoneCall"):
        counterpart = (f"a delegation of the {party} led by {scene.guest}, {scene.guest_title} of "
                       f"the {scene.party_short}") if scene.etype in ("Meeting", "Talks") else guest
        return f"{host}, {_with_place(scene.cue, where, when, counterpart)}."
    if scene.etype == "Correspondence":
        return (f"{host}, {when} {scene.cue} {guest}, on the anniversary of the founding of the "
                f"{scene.party_short}.")
    if scene.etype == "Visit":
        visited = {"CPC": "China", "CPV": "Vietnam", "PCC": "Cuba"}.get(scene.host_short, country)
        start = scene.held - timedelta(days=3)
        return (f"At the invitation of the {scene.host_short}, a delegation of the {party} led by "
                f"{scene.guest}, {scene.guest_title} of the {scene.party_short}, {scene.cue} "
                f"{visited} from {start:%B} {start.day} to {scene.held.day}. {host}, met with the "
                f"delegation {where}{when}.")
    noun = v.forum_nouns[scene.held.toordinal() % len(v.forum_nouns)] if v.forum_nouns else "forum"
    theme = scene.topics[0][0].upper() + scene.topics[0][1:]
    return (f"The {scene.host_short}-{scene.party_short} Theoretical {noun.capitalize()} on {theme} "
            f"was held {where}{when}. {host}, and {guest}, attended the {noun} and delivered "
            f"speeches.")


#: Headline verb phrases per engagement type: (title case, lower case).
_HEADLINES: dict[str, tuple[str, str]] = {
    "Meeting": ("Meets with", "meets"), "Talks": ("Holds Talks with", "holds talks with"),
    "VideoCall": ("Holds Video Call with", "holds video call with"),
    "PhoneCall": ("Holds Phone Call with", "holds phone talks with"),
    "Correspondence": ("Sends Message to", "congratulates"), "Visit": ("Meets with", "meets"),
    "Forum": ("Attends Forum with", "attends forum with"),
}


def readout_text(number: int, *, seed: int = 0) -> str:
    """The text of readout ``number`` of the corpus of ``seed`` (title, header lines, body).

    Example:
        >>> text = readout_text(0, seed=0)
        >>> text.count("\\n\\n") >= 3
        True
    """
    rng = _rng(number, seed)
    publisher = _draw_publisher(rng)
    v = vocab()
    scene = _scene(rng, v, publisher)
    chinese_host = publisher in ("idcpc", "xinhua")
    host_surname = _surname(scene.host, chinese_host) if publisher != "vna" else scene.host.split()[-1]
    guest_surname = _surname(scene.guest)
    weekday = _WEEKDAYS[scene.held.weekday()]
    same_day = scene.held == scene.published
    headline, verb = _HEADLINES[scene.etype]
    body = _paragraphs(rng, scene, v, host_surname, guest_surname)
    closing = rng.choice(_CLOSINGS).format(
        P=_chinese_name(rng) if chinese_host else _foreign_name(rng),
        PT=rng.choice(("Assistant Minister", "Deputy Head", "Member")),
        po=scene.host_org, t1=rng.choice(v.topics),
        country={"CPC": "China", "CPV": "Vietnam", "PCC": "Cuba"}.get(scene.host_short, scene.city),
        a=scene.host_short)
    if publisher == "idcpc":
        lead = _core_sentence(scene, v, "here ", "today")
        lead = f"{scene.city}, {scene.held:%B} {_ordinal(scene.held.day)}\u2014{lead}"
        title = f"{scene.host} {headline} {scene.guest}"
        header = f"{title}\n ( {scene.published:%Y.%m.%d} )"
        tail = ""
    elif publisher == "xinhua":
        when = f"on {weekday}" if not same_day else "today"
        lead = _core_sentence(scene, v, f"in {scene.city} ", when)
        lead = (f"{scene.city.upper()}, {_MONTH_ABBR[scene.held.month - 1]} {scene.held.day} "
                f"(Xinhua) -- {lead}")
        demonym = v.demonym.get(scene.party.country or "", "foreign")
        title = (f"Senior CPC official {verb} {demonym} party "
                 f"{'delegation' if scene.etype in ('Meeting', 'Talks') else 'leader'}")
        stamp = f"{rng.randint(7, 22):02d}:{rng.randrange(60):02d}"
        header = f"{title}\n\nXinhua) {stamp}, {scene.published:%B %d, %Y}"
        tail = f"\n\n(Web editor: {_chinese_name(rng)}, {_chinese_name(rng)})"
    elif publisher == "vna":
        agency, city = ("VNA", "Hanoi") if rng.random() < 0.85 else ("KPL", "Vientiane")
        when = f"on {scene.held:%B} {scene.held.day}"
        lead = _core_sentence(scene, v, f"in {city} ", when)
        lead = f"{city} ({agency}) \u2013 {lead}"
        title = f"{scene.host_short} official {verb} {scene.party_short} leader"
        header = f"{title}\n\n{scene.published:%B} {scene.published.day}, {scene.published.year}"
        tail = "/." if rng.random() < 0.7 else ""
    elif publisher == "acn":
        when = f"on {weekday}" if not same_day else "today"
        lead = _core_sentence(scene, v, "in Havana ", when)
        lead = (f"HAVANA, Cuba, {_ACN_MONTHS[scene.published.month - 1]} {scene.published.day} "
                f"(ACN) {lead}")
        title = f"Cuban party official {verb} {scene.party_short} representative"
        header = f"{title}\n\n{scene.published:%B} {scene.published.day}, {scene.published.year}"
        tail = ""
    else:  # a party's own release: plain date line, no dateline
        lead = (f"The {scene.host_title} of the {scene.host_org}, Comrade {scene.host}, today "
                f"received {scene.guest}, {scene.guest_title} of the {scene.party.name}, at the "
                f"party's headquarters in {scene.city}.")
        title = f"{scene.host_short} {scene.host_title} receives {scene.party_short} delegation"
        header = f"{title}\n\n{scene.published.day} {scene.published:%B %Y}"
        tail = (f"\n\nIssued by the {scene.host_org}\n{_foreign_name(rng)}, National Spokesperson")
    paragraphs = [lead, *body, closing]
    return header + "\n\n" + "\n\n".join(paragraphs) + tail + "\n"


def write_corpus(out: Path, n: int, *, seed: int = 0, start: int = 0, per_folder: int = 1000,
                 on_file: Callable[[int], None] | None = None) -> list[Path]:
    """Write readouts ``start`` .. ``start + n - 1`` under ``out``; return the folders written.

    Example:
        >>> import tempfile
        >>> out = Path(tempfile.mkdtemp())
        >>> [p.name for p in write_corpus(out, 3, per_folder=2)]
        ['000', '001']
        >>> sorted(p.name for p in out.rglob("*.txt"))
        ['syn-000000.txt', 'syn-000001.txt', 'syn-000002.txt']
    """
    folders: dict[Path, None] = {}
    for number in range(start, start + n):
        folder = out / f"{number // per_folder:03d}"
        if folder not in folders:
            folder.mkdir(parents=True, exist_ok=True)
            folders[folder] = None
        (folder / f"{readout_id(number)}.txt").write_text(readout_text(number, seed=seed),
                                                          encoding="utf-8")
        if on_file is not None:
            on_file(number)
    return list(folders)


def corpus_files(out: Path) -> Iterator[Path]:
    """The readout files of a corpus written by :func:`write_corpus`, sorted."""
    return iter(sorted(out.rglob("syn-*.txt")))


def mutate(out: Path, fraction: float, *, seed: int = 0) -> list[Path]:
    """Change ``fraction`` of the corpus's readouts in place (a new closing
    sentence naming another invented official); return the files changed.

    Example:
        >>> import tempfile
        >>> out = Path(tempfile.mkdtemp()); _ = write_corpus(out, 10)
        >>> [p.name for p in mutate(out, 0.2, seed=1)]
        ['syn-000003.txt', 'syn-000005.txt']
    """
    files = list(corpus_files(out))
    rng = random.Random(f"partyrel-bench-mutate:{seed}")
    chosen = sorted(rng.sample(files, max(1, round(len(files) * fraction)))) if files else []
    for path in chosen:
        text = path.read_text(encoding="utf-8").rstrip("\n")
        path.write_text(f"{text}\n\n{_foreign_name(rng)}, Deputy Head of the International "
                        "Department, was also present.\n", encoding="utf-8")
    return chosen


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("n", type=int, help="number of readouts")
    p.add_argument("out", type=Path, help="folder to write them into")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--start", type=int, default=0, help="number of the first readout")
    p.add_argument("--per-folder", type=int, default=1000, help="files per shard folder")
    args = p.parse_args(argv)
    write_corpus(args.out, args.n, seed=args.seed, start=args.start, per_folder=args.per_folder)
    print(f"wrote {args.n} readouts to {args.out} (seed {args.seed})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
