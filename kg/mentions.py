"""Mentions in one sentence: organizations, persons, office titles, and the
posts that tie them together ("X, Minister of the Y," / "Y President X").

Works on the tokens of a spaCy ``Span`` and the gazetteer spans of its Doc;
returns small records with token offsets. Rules come from the genre's
grammar; the words they use (titles, countries, organization head nouns)
come from the vocabulary files.

Example:
    >>> from kg.nlp import make_nlp
    >>> doc = make_nlp()("Tang Wenbo, Vice-minister of the IDCPC, met Ana Lima.")
    >>> m = find_mentions(next(doc.sents), load_heads())
    >>> [p.name for p in m.persons], [(p.title, m.orgs[p.org].text) for p in m.posts]
    (['Tang Wenbo', 'Ana Lima'], [('Vice-minister', 'IDCPC')])
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from spacy.tokens import Span

from kg.lexicon import _rows
from kg.nlp import spans_in
from kg.resources import ontology_dir

CONNECTORS = frozenset({"of", "the", "for", "and", "on", "de", "del", "da", "do", "dos", "das",
                        "des", "du", "la", "le", "&", "-", "'s", "’s", "'", "’", "y"})
NAME_PARTICLES = frozenset({"de", "da", "do", "dos", "das", "del", "della", "di", "van", "von",
                            "der", "den", "bin", "binti", "al", "el", "la", "le", "du", "ter", "y"})
ARTICLES = frozenset({"a", "an", "the"})
_NO_LABELS: dict = {}  # what labels.get() gives for an unlabelled token (never written to)
#: Capitalized words that never start or belong to a person's name.
#: Capitalized words that open the name of a plan or operation ("Operation Restore Legacy").
_NAMED_PLANS = frozenset({"operation", "project", "programme", "program", "plan"})
NOT_NAME = frozenset("""
operation project programme program plan
accompanying attending welcoming receiving addressing speaking meeting noting expressing stressing
recalling referring commenting according following representing including joining congratulating
hosting chairing visiting leading heading
the a an in on at by of for to from with and or but as during while according after before
both also this that these those he she his her it its they their we our you i mr mrs ms dr
comrade cde h.e. his excellency sir madam mister mme meanwhile however moreover furthermore
then there here today yesterday when where what which who whose why how all each every
monday tuesday wednesday thursday friday saturday sunday january february march april june july
august september october november december
party parties communist socialist democratic people people's peoples national central committee
government state republic kingdom federation federal union international world global new era
chinese xinhua vna acn photo enditem source web editor read more related news home
belt road initiative thought socialism characteristics congress delegation delegations
america americas europe european asia asian africa african latin eastern western northern southern
middle east west north south pacific caribbean arab hall palace street square avenue building
meets meet holds hold receives visits congratulates attends sends hails calls pledges says urges
event events meeting forum dialogue summit conference seminar symposium webinar
province prefecture county district region municipality autonomous city nations
""".split())
HONORIFICS = frozenset({"comrade", "comrades", "cde", "cdes", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "dr", "dr.",
                        "h.e.", "sir", "army", "general", "madam", "mme", "professor", "prof."})


@dataclass(frozen=True, slots=True)
class OrgMention:
    start: int
    end: int
    text: str  # as written, without a leading "the", parenthesised acronyms kept
    kind: str  # party | international | body | gov | org | event
    known: str | None = None  # slug of a vocabulary org the phrase names (one of several, if ambiguous)
    acronym: str | None = None  # "(CPC)" defined right after it
    parent: int | None = None  # index (in Mentions.orgs) of the org it belongs to
    countries: tuple[str, ...] = ()  # countries named in the phrase


@dataclass(frozen=True, slots=True)
class PersonMention:
    start: int
    end: int
    name: str


@dataclass(frozen=True, slots=True)
class TitleMention:
    start: int
    end: int
    title: str
    status: str
    kind: str


@dataclass(frozen=True, slots=True)
class PostMention:
    person: int  # index in Mentions.persons
    title: str
    status: str
    org: int | None = None  # index in Mentions.orgs
    country: str | None = None  # a state office held in a country
    bare: bool = False  # title with no organization ("General Secretary Xi Jinping")


@dataclass
class Mentions:
    orgs: list[OrgMention] = field(default_factory=list)
    persons: list[PersonMention] = field(default_factory=list)
    titles: list[TitleMention] = field(default_factory=list)
    posts: list[PostMention] = field(default_factory=list)
    countries: list[tuple[int, int, str]] = field(default_factory=list)  # COUNTRY and DEMONYM spans
    cities: list[tuple[int, int, str]] = field(default_factory=list)

    def org_at(self, i: int) -> int | None:
        for n, o in enumerate(self.orgs):
            if o.start <= i < o.end:
                return n
        return None

    def person_at(self, i: int) -> int | None:
        for n, p in enumerate(self.persons):
            if p.start <= i < p.end:
                return n
        return None


@lru_cache(maxsize=4)
def load_heads(root: Path | None = None) -> dict[str, str]:
    """Organization head nouns (lower-cased) and their kind, from ``org_heads.tsv``."""
    return {row["head"].lower(): row["kind"] for row in _rows((root or ontology_dir()) / "vocab" / "org_heads.tsv")}


class _Tok:
    """A word form's surface features as plain attributes (spaCy ``Token`` objects
    are costly to create, and the rules below read tokens hundreds of times).

    One object per (word form, trailing space): tokens of the same form share it,
    so it carries no position (use the index into :func:`_view`; character
    offsets are in :func:`_offsets`). ``cap`` (capitalized, or a short number)
    and ``acronym`` are :func:`_cap` and :func:`_acronym` of the text. Never modified.
    """

    __slots__ = ("text", "lower_", "whitespace_", "is_alpha", "is_lower", "like_num", "is_title", "cap", "acronym")

    def __init__(self, lex, space: bool) -> None:
        t = lex.orth_
        self.text, self.lower_, self.whitespace_ = t, lex.lower_, " " if space else ""
        self.is_alpha, self.is_lower, self.like_num, self.is_title = lex.is_alpha, lex.is_lower, lex.like_num, lex.is_title
        self.cap, self.acronym = _cap(t), _acronym(t)

    def __len__(self) -> int:
        return len(self.text)


# The shared _Tok of each (spaCy ORTH hash, trailing space): forms are few, tokens many.
_FORMS: dict[tuple[int, int], _Tok] = {}


class _Toks(list):
    """The tokens of a Doc as :class:`_Tok` objects (a plain list: slices are lists;
    use :func:`_text` for a slice's text)."""


def _text(toks, start: int, end: int) -> str:
    """The text of tokens ``[start, end)``, as written."""
    return "".join(t.text + t.whitespace_ for t in toks[start:end]).rstrip()


def _view(doc) -> _Toks:
    """The Doc's tokens as shared :class:`_Tok` objects (made once per Doc)."""
    cached = doc.user_data.get("partyrel_toks")
    if cached is None:
        from spacy.attrs import IDX, ORTH, SPACY

        vocab = doc.vocab
        columns = doc.to_array([ORTH, SPACY, IDX]).T.tolist() if len(doc) else [[], [], []]
        forms = _FORMS
        keys = list(zip(columns[0], columns[1]))
        toks = _Toks(map(forms.get, keys))
        if None in toks:  # word forms not seen before
            for k, key in enumerate(keys):
                if toks[k] is None:
                    tok = forms.get(key)
                    if tok is None:
                        tok = forms[key] = _Tok(vocab[key[0]], bool(key[1]))
                    toks[k] = tok
        doc.user_data["partyrel_offsets"] = columns[2]
        doc.user_data["partyrel_caps"] = [k for k, t in enumerate(toks) if t.cap]
        doc.user_data["partyrel_quotes"] = [k for k, t in enumerate(toks) if t.text in _QUOTES]
        cached = doc.user_data["partyrel_toks"] = toks
    return cached


_QUOTES = ('"', "“", "”")


def _offsets(doc) -> list[int]:
    """The character offset of each token of the Doc (``Token.idx``)."""
    _view(doc)
    return doc.user_data["partyrel_offsets"]


def _cap(t: str) -> bool:
    return bool(t) and (t[0].isupper() or (t[0].isdigit() and len(t) <= 4)) and any(c.isalnum() for c in t)


def _acronym(t: str) -> bool:
    t = t.replace("&", "").replace(".", "")
    return len(t) >= 2 and t.isupper() and t.isalpha()


def _cap_text(text: str) -> str:
    """Title as written, with a lower-case title capitalised ("deputy head" -> "Deputy Head")."""
    if text.islower():
        return re.sub(r"(^|[\s])(\w)", lambda m: m.group(1) + m.group(2).upper(), text)
    return text


def find_mentions(sent: Span, heads: dict[str, str], known_acronyms: dict[str, str] | None = None) -> Mentions:
    """Find organizations, persons, titles and posts in one sentence.

    ``known_acronyms`` maps acronyms defined elsewhere in the readout to an
    organization kind, so "the PCC" is read as an organization.
    """
    real = sent.doc
    doc = _view(real)
    s, e = sent.start, sent.end
    known_acronyms = known_acronyms or {}
    labels: dict[int, dict[str, Span]] = {}
    span: Span | None
    for span in spans_in(real, s, e):
        label, a, b = span.label_, span.start, span.end
        for i in range(a, b):
            on = labels.get(i)
            if on is None:
                labels[i] = {label: span}
                continue
            cur = on.get(label)
            if cur is None or b - a > len(cur):
                on[label] = span
    m = Mentions()
    positions = sorted(labels)  # the labelled tokens, in order (all inside the sentence)
    caps = real.user_data["partyrel_caps"]

    def next_cap(i: int) -> int:
        """The first capitalized token after ``i`` (``e`` if none in the sentence)."""
        k = bisect_right(caps, i)
        return caps[k] if k < len(caps) and caps[k] < e else e

    # Titles: longest gazetteer TITLE spans, left to right.
    i = s
    for first in positions:
        span = labels[first].get("TITLE")
        if first < i or span is None or span.start != first:
            continue
        end = span.end
        # "Secretary for External Affairs", "Minister for Arts and Culture"
        if end + 1 < e and doc[end].lower_ == "for" and doc[end + 1].cap and "ORG" not in labels.get(end + 1, _NO_LABELS):
            k = end + 1
            while k < e and (doc[k].cap or (doc[k].lower_ in ("and", "'s", "’s") and k + 1 < e and doc[k + 1].cap)):
                k += 1
            if doc[k - 1].lower_ not in heads:  # "Secretary for the Youth League" stays an org
                end = k
        # "Minister of Agriculture, Forestry and Fisheries": a portfolio, not an organization
        if (end + 1 < e and doc[end - 1].lower_ == "minister" and doc[end].lower_ == "of"
                and doc[end + 1].cap and "ORG" not in labels.get(end + 1, _NO_LABELS)
                and not any(k in labels.get(end + 1, _NO_LABELS) for k in ("COUNTRY", "DEMONYM", "CITY"))):
            k = end + 1
            while k < e and (doc[k].cap or (doc[k].lower_ in ("and", ",") and k + 1 < e and doc[k + 1].cap)):
                if labels.get(k, _NO_LABELS).keys() & {"ORG", "COUNTRY", "DEMONYM"} or doc[k].lower_ in heads:
                    break
                k += 1
            else:
                if k < e and doc[k].text in (",", ";", ".", ")") and doc[k - 1].text != ",":
                    end = k
        text = _text(doc, span.start, end)
        if text.lower().startswith("state president"):
            text = text[6:]  # "General Secretary ... and State President": the President
        status, kind = _title_info(span)
        if end > span.end and doc[span.end - 1].lower_ == "minister" and doc[span.start].lower_ != "shadow":
            status, kind = "other", "state"  # "Minister for Arts and Culture": a government office
        m.titles.append(TitleMention(span.start, end, _cap_text(text), status, kind))
        i = end
    title_tok = {i for t in m.titles for i in range(t.start, t.end)}

    # Organizations: capitalized runs with connectors, containing a head noun or a known org.
    org_labelled = [k for k in positions if "ORG" in labels[k]]
    i = s
    while i < e:
        tok = doc[i]
        if i in title_tok or not (tok.cap or "ORG" in labels.get(i, _NO_LABELS)):
            # on to the next capitalized or organization token
            nxt = bisect_right(org_labelled, i)
            i = min(next_cap(i), org_labelled[nxt] if nxt < len(org_labelled) else e)
            continue
        if tok.like_num and not (i + 1 < e and doc[i + 1].text[:1].isupper() and doc[i + 1].is_alpha):
            i += 1  # "May 13 (ACN) The ...": a number starts a name only as in "48 Group Club"
            continue
        j = i
        last = i
        while j < e:
            t = doc[j]
            if j in title_tok and "ORG" not in labels.get(j, _NO_LABELS):
                break
            close = _acronym_paren(doc, j, e)
            if close is not None:
                j = close + 1
                last = close
                continue
            if t.lower_.rstrip(".") in _MONTHS:
                break  # "... Le Van Hung on September 5"
            if t.cap or "ORG" in labels.get(j, _NO_LABELS):
                last = j
                j += 1
                continue
            if t.text in ("-", "–", "—") and (t.whitespace_ or doc[j - 1].whitespace_):
                break  # "Johannesburg - The ...": a spaced dash ends a name (a dateline's, a clause's)
            if t.lower_ in CONNECTORS and j + 1 < e and not t.whitespace_ == "" or t.lower_ in CONNECTORS:
                j += 1
                continue
            break
        run_end = last + 1
        for org in _split_run(doc, i, run_end, heads, labels, known_acronyms):
            m.orgs.append(org)
        i = max(run_end, i + 1)
    # "UNAMOS President Ana Lima": an acronym the vocabulary does not know, written
    # before an office and a name, is the organization the office is held in
    taken = {i for o in m.orgs for i in range(o.start, o.end)}
    for t in m.titles:
        k = t.start - 1
        if (k >= s and k not in taken and doc[k].is_alpha and doc[k].text.isupper() and len(doc[k].text) >= 3
                and not labels.get(k) and t.end < e and doc[t.end].cap and doc[t.end].lower_ not in NOT_NAME):
            m.orgs.append(OrgMention(k, k + 1, doc[k].text, "org", None, None, None, ()))
    m.orgs.sort(key=lambda o: o.start)
    _link_parents(m)
    org_tok = {i for o in m.orgs for i in range(o.start, o.end)}

    for i in positions:
        lab = labels[i]
        for key in ("COUNTRY", "DEMONYM"):
            span = lab.get(key)
            if span is not None and span.start == i:
                m.countries.append((span.start, span.end, span.id_))
        span = lab.get("CITY")
        if span is not None and span.start == i:
            m.cities.append((span.start, span.end, span.text))

    # Persons: capitalized runs outside organizations, titles, place names and quotations
    # (a theme "Modernization Paths and Shared Prosperity" names nobody).
    blocked = org_tok | title_tok
    quoting = False
    quotes = real.user_data["partyrel_quotes"]
    for i in range(s, e) if quotes and bisect_left(quotes, s) < bisect_left(quotes, e) else ():
        if doc[i].text in _QUOTES:
            quoting = doc[i].text != "”" and not quoting
            continue
        if quoting:
            blocked.add(i)
    city_only: set[int] = set()  # a city word may be part of a name ("Ana Lima")
    for i, lab in labels.items():
        if "COUNTRY" in lab or "DEMONYM" in lab or "TOPIC" in lab:
            blocked.add(i)
        elif "CITY" in lab:
            city_only.add(i)
    i = s
    while i < e:
        if not doc[i].cap:
            i = next_cap(i)  # only a capitalized token starts a name
            continue
        vietnamese_to = (doc[i].text == "To" and i > s and i + 2 < e and doc[i + 1].cap and doc[i + 2].cap
                         and doc[i + 1].is_alpha and i + 1 not in blocked)  # "To Van Lam" (Tô)
        if i in blocked or not doc[i].cap or (doc[i].lower_ in NOT_NAME and not vietnamese_to) or doc[i].text[0].isdigit():
            i += 1
            continue
        j = i + 1
        while j < e and j not in blocked:
            t = doc[j]
            if t.cap and not t.text[0].isdigit() and t.lower_ not in NOT_NAME:
                j += 1
            elif t.text in ("-", "'", "’") and doc[j - 1].whitespace_ == "" and t.whitespace_ == "" and j + 1 < e and (
                    doc[j + 1].cap or (t.text == "-" and doc[j + 1].is_alpha and doc[j + 1].is_lower and len(doc[j + 1]) <= 4)):
                j += 1
                if doc[j].is_lower:
                    j += 1
            elif t.lower_ in NAME_PARTICLES and j + 1 < e and doc[j + 1].cap and doc[j + 1].lower_ not in NOT_NAME:
                j += 1
            elif (t.text == "The" and j - i >= 2 and j + 1 < e and not doc[j + 1].cap
                  and doc[j + 1].text not in ("(", "'s", "’s") and not any(
                      k in labels.get(j + 1, _NO_LABELS) for k in ("COUNTRY", "DEMONYM"))):
                j += 1  # "Le Van The, said ...": a Vietnamese given name, not the article
                break
            else:
                break
        if i > s and doc[i - 1].lower_ in _NAMED_PLANS and doc[i - 1].cap:
            i = max(j, i + 1)  # "Operation Restore Legacy": the name of an operation, not a person
            continue
        # Strip honorifics and ranks ("Cde", "Army General").
        while i < j and doc[i].lower_ in HONORIFICS:
            i += 1
        words = [t for t in doc[i:j] if t.text not in ("-", "'", "’")]
        if city_only and (all(k in city_only for k in range(i, j)) or i in city_only or
                          any(c in city_only and "CITY" in labels.get(c, _NO_LABELS) and labels[c]["CITY"].start == c and labels[c]["CITY"].end > j for c in range(i, j))):
            # "Santo Domingo", "Hanoi Party Committee": the run is (or starts with) a place.
            i = max(j, i + 1)
            continue
        if len(words) == 1 and not words[0].acronym and _appositive_title(doc, j, e, title_tok):
            m.persons.append(PersonMention(i, j, _text(doc, i, j)))
        elif len(words) >= 2 and not all(t.acronym for t in words):
            m.persons.append(PersonMention(i, j, _text(doc, i, j)))
        i = max(j, i + 1)

    _find_posts(doc, s, e, m, heads)
    return m


def _appositive_title(doc, j: int, e: int, title_tok: set[int]) -> bool:
    """A lone capitalized word followed by ", [a|the] TITLE of" (or "is [also]
    [the] TITLE of") is a surname-only person."""
    after: tuple[str, ...]
    if j + 1 < e and doc[j].lower_ == "is":
        k, skip, after = j + 1, ("also", "currently"), ("of",)
    elif j + 1 < e and doc[j].text == ",":
        k, skip, after = j + 1, ("also", "now"), ("of", "at")
        if k + 1 < e and doc[k].lower_ == "who" and doc[k + 1].lower_ in ("is", "was"):
            k += 2  # "Tang, who is also a member of ..."
    else:
        return False
    while k < e and (doc[k].lower_ in ARTICLES or doc[k].lower_ in skip):
        k += 1
    if k not in title_tok:
        return False
    while k < e and k in title_tok:
        k += 1
    return k < e and doc[k].lower_ in after


def _acronym_paren(doc, j: int, e: int) -> int | None:
    """Index of the ")" closing an acronym definition that opens at ``j``:
    "(CPC)" or "(PCC by its Spanish acronym)"."""
    if j + 2 >= e or doc[j].text != "(" or not doc[j + 1].acronym:
        return None
    if doc[j + 2].text == ")":
        return j + 2
    if doc[j + 2].lower_ in ("by", "in", "for"):
        for k in range(j + 3, min(e, j + 9)):
            if doc[k].text == ")":
                return k
            if doc[k].text in ("(", ".", ";"):
                return None
    return None


def _title_info(span: Span) -> tuple[str, str]:
    from kg.lexicon import load_lexicon

    t = load_lexicon().titles.get(span.text.lower())
    return (t.status, t.kind) if t else ("other", "any")


def _head_kind(doc, start: int, end: int, heads: dict[str, str]) -> str | None:
    """Kind of the phrase's final noun when it is a head ("... of Vietnam Central
    Committee"), else of the last head noun before the first "of"/"for"."""
    last = doc[end - 1]
    if last.text[:1].isupper() and heads.get(last.lower_) in ("body", "gov") and end - start > 1:
        return heads[last.lower_]
    kind = None
    for t in doc[start:end]:
        if t.lower_ in ("of", "for", "on") and kind is not None:
            break
        k = heads.get(t.lower_) if t.text[:1].isupper() else None
        if k:
            kind = k
    return kind


def _split_run(doc, i: int, j: int, heads, labels, known_acronyms) -> list[OrgMention]:
    """Turn one capitalized run into zero or more organization mentions."""
    # Drop leading articles and connectors.
    while i < j and (doc[i].lower_ in CONNECTORS or doc[i].lower_ in ARTICLES):
        i += 1
    while j > i and doc[j - 1].lower_ in CONNECTORS:
        j -= 1
    if i >= j:
        return []
    # "... Central Committee Le Van Hung": capitalized words straight after the
    # last head noun, with no connector, are a name, not part of the organization.
    last_head = max((k for k in range(i, j) if (doc[k].text[:1].isupper() and doc[k].lower_ in heads)
                     or "ORG" in labels.get(k, _NO_LABELS) or doc[k].text == ")"
                     or ("COUNTRY" in labels.get(k, _NO_LABELS) and k > i)), default=None)
    if last_head is not None and last_head + 2 < j:
        t = doc[last_head + 1]
        if (t.cap and (t.lower_ not in CONNECTORS or t.text[:1].isupper())  # "Le Minh Khoa"
                and "ORG" not in labels.get(last_head + 1, _NO_LABELS) and t.text != "("
                and not any(x in labels.get(last_head + 1, _NO_LABELS) for x in ("COUNTRY", "DEMONYM", "CITY"))
                and doc[last_head + 2].cap):
            j = last_head + 1
    # Split at " and " between two organizations, unless a known org spans it;
    # cut a trailing " and Chinese" that is no organization.
    for k in range(i + 1, j):
        if doc[k].lower_ == "and" and "ORG" not in labels.get(k, _NO_LABELS):
            left = _qualifies(doc, i, k, heads, labels, known_acronyms)
            right = _qualifies(doc, k + 1, j, heads, labels, known_acronyms)
            if left and right:
                return _split_run(doc, i, k, heads, labels, known_acronyms) + _split_run(doc, k + 1, j, heads, labels, known_acronyms)
            if left and not right:
                return _split_run(doc, i, k, heads, labels, known_acronyms)
    # "Lindsay Smith of the Labor Party": the part before "of" is no organization.
    for k in range(i + 1, j - 1):
        if doc[k].lower_ == "of":
            if not _qualifies(doc, i, k, heads, labels, known_acronyms):
                if _qualifies(doc, k + 1, j, heads, labels, known_acronyms):
                    return _split_run(doc, k + 1, j, heads, labels, known_acronyms)
            break
    org = _make_org(doc, i, j, heads, labels, known_acronyms)
    return [org] if org else []


def _qualifies(doc, i, j, heads, labels, known_acronyms) -> bool:
    while i < j and (doc[i].lower_ in ARTICLES):
        i += 1
    if i >= j:
        return False
    if any("ORG" in labels.get(k, _NO_LABELS) for k in range(i, j)):
        return True
    if any(doc[k].text[:1].isupper() and doc[k].lower_ in heads for k in range(i, j)):
        return True
    return any(doc[k].text in known_acronyms for k in range(i, j))


def _make_org(doc, i, j, heads, labels, known_acronyms) -> OrgMention | None:
    if not _qualifies(doc, i, j, heads, labels, known_acronyms):
        return None
    if (j - i == 1 and doc[i].lower_ in heads and heads[doc[i].lower_] != "gov" and "ORG" not in labels.get(i, _NO_LABELS)
            and not (i > 0 and doc[i - 1].lower_ == "the")):
        return None  # a bare head noun ("Party General Secretary") names no organization; "the Senate" does
    acronym = None
    if _acronym_paren(doc, j, len(doc)) is not None:
        acronym = doc[j + 1].text
    else:
        opened = next((k for k in range(j - 1, max(i, j - 8) - 1, -1) if doc[k].text == "("), None)
        if opened is not None and doc[j - 1].text == ")" and _acronym_paren(doc, opened, j) == j - 1:
            acronym = doc[opened + 1].text
            j = opened
    owner_country: tuple[str, ...] = ()
    if (j - i > 2 and doc[i + 1].text in ("'s", "’s") and (lab := labels.get(i + 2, _NO_LABELS).get("ORG")) is not None
            and lab.start == i + 2 and lab.end == j
            and (cspan := labels.get(i, _NO_LABELS).get("COUNTRY") or labels.get(i, _NO_LABELS).get("DEMONYM")) is not None):
        owner_country = (cspan.id_,)
        i += 2  # "Zimbabwe's Zanu PF": the party, of Zimbabwe
    text = _text(doc, i, j)
    known = None
    whole = [labels.get(k, _NO_LABELS).get("ORG") for k in range(i, j)]
    if whole and whole[0] is not None and whole[0].start == i and whole[0].end == j:
        known = whole[0].id_
    if acronym is None:
        # "the ruling United Russia (UR) Party": the acronym defined inside the name
        opened = next((k for k in range(i + 1, j) if doc[k].text == "("), None)
        close = _acronym_paren(doc, opened, j) if opened is not None else None
        if (close is not None and opened is not None and 0 < j - close - 1 <= 2
                and all(t.lower_ in heads for t in doc[close + 1:j])):
            acronym = doc[opened + 1].text
            text = _text(doc, i, opened) + " " + _text(doc, close + 1, j)
            if whole and whole[0] is not None and whole[0].start == i and whole[0].end == opened:
                known = whole[0].id_
    kind = _head_kind(doc, i, j, heads)
    if known is not None:
        from kg.lexicon import load_lexicon

        kind = load_lexicon().orgs[known].kind
    elif kind is None:
        if j - i == 1 and doc[i].text in known_acronyms:
            kind = known_acronyms[doc[i].text]
        elif (j - i >= 2 and (first := labels.get(i, _NO_LABELS).get("ORG")) is not None and first.start == i
              and (cspan := labels.get(first.end, _NO_LABELS).get("COUNTRY")) is not None
              and cspan.start == first.end and cspan.end == j):
            # "PS Belgium", "PS Switzerland": a party's short name and its country name the party
            from kg.lexicon import load_lexicon

            kind = load_lexicon().orgs[first.id_].kind
        elif (x := next((k for k in range(i + 1, j - 1) if doc[k].text in ("'s", "’s")
                         and (lab := labels.get(k - 1, _NO_LABELS).get("ORG")) is not None and lab.start == i
                         and lab.end == k), None)) is not None and not any(
                "ORG" in labels.get(k, _NO_LABELS) for k in range(x + 1, j)) and doc[j - 1].lower_ not in heads:
            # "Swapo's Maria Nandi": the organization is only what comes before the possessive
            return _make_org(doc, i, x, heads, labels, known_acronyms)
        elif any("ORG" in labels.get(k, _NO_LABELS) for k in range(i, j)):
            kind = "body"
        else:
            return None
    # "19th CPC National Congress", "the PCC's Eighth Congress": an ordinal makes it an event.
    if kind != "international" and any(_ORDINAL.match(t.text) for t in doc[i:j]) and any(
            t.lower_ in ("congress", "conference", "plenum", "session", "summit", "forum") for t in doc[i:j]):
        kind = "event"
    if (kind in ("gov", "body", "org") and known is None and j - i > 3 and doc[i + 1].text in ("'s", "’s")
            and any(k in labels.get(i, _NO_LABELS) for k in ("COUNTRY", "DEMONYM"))):
        # "China's Ministry of War Veterans": the Ministry of War Veterans, of China
        text = _text(doc, i + 2, j)
    countries = tuple(dict.fromkeys(
        span.id_ for k in range(i, j) for lab in [labels.get(k, _NO_LABELS)]
        for key in ("COUNTRY", "DEMONYM") if (span := lab.get(key)) is not None and span.start == k
    ))
    return OrgMention(i, j, text, kind, known, acronym, None, countries or owner_country)


def _link_parents(m: Mentions) -> None:
    """A body's parent is the organization named inside its phrase."""
    # Nested mentions are not produced by the run splitter; parents are found
    # later, by the resolver, from the body's own text.
    return None


_OF = frozenset({"of", "at", "in", "for"})
_PAST = frozenset({"former", "late", "then", "ex", "ex-", "retired", "deceased", "outgoing"})
_ORDINAL = re.compile(r"^(?:\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|"
                      r"eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|"
                      r"nineteenth|twentieth)$", re.I)
_MONTHS = frozenset("""january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec
monday tuesday wednesday thursday friday saturday sunday""".split())  # days end organization runs too


def _find_posts(doc, s: int, e: int, m: Mentions, heads: dict[str, str]) -> None:
    """Posts from appositives and pre-nominal titles."""
    by_start_org = {o.start: n for n, o in enumerate(m.orgs)}
    by_start_title = {t.start: t for t in m.titles}
    title_ends = {t.end for t in m.titles}
    country_at = {c[0]: c for c in m.countries}

    def org_after(k: int) -> tuple[int | None, str | None, int]:
        """An organization or country right after a title ("of the X")."""
        if k < e and doc[k].lower_ in _OF:
            k += 1
            while k < e and doc[k].lower_ in ARTICLES:
                k += 1
            if k in by_start_org:
                o = m.orgs[by_start_org[k]]
                return by_start_org[k], None, o.end + (3 if o.acronym and _text(doc, o.end, o.end + 1) == "(" else 0)
            if doc[k].text == "party" and (k + 1 == e or not doc[k + 1].is_alpha):
                # "led by Ram Thapa, Vice President of the party": the party just named
                last = max((n for n, o in enumerate(m.orgs) if o.end <= k and o.kind == "party"),
                           key=lambda n: m.orgs[n].end, default=None)
                if last is not None:
                    return last, None, k + 1
            if k in country_at:
                c_end = country_at[k][1]
                if c_end < e and doc[c_end].text in ("'s", "’s"):
                    # "vice president of Ethiopia's ruling Prosperity Party"
                    x = c_end + 1
                    while x < e and doc[x].is_lower and x - c_end <= 3:
                        x += 1
                    if x in by_start_org:
                        o = m.orgs[by_start_org[x]]
                        return by_start_org[x], None, o.end
                return None, country_at[k][2], c_end
            # "a relations department of the Central Committee of ACRONYM"
            x = k
            while x < e and x - k < 5 and doc[x].is_lower and doc[x].is_alpha and doc[x].lower_ not in _OF:
                x += 1
            if x > k and doc[x - 1].lower_ in heads and heads[doc[x - 1].lower_] in ("body", "gov", "org"):
                end = x
                y = x
                # "the commission for external relations"
                if y + 1 < e and doc[y].lower_ in ("for", "on") and doc[y + 1].is_lower:
                    z = y + 1
                    while z < e and z - y <= 4 and doc[z].is_lower and doc[z].is_alpha and doc[z].lower_ not in _OF:
                        z += 1
                    if z < e and doc[z].text in (",", ".", ";") or z == e:
                        org = OrgMention(k, z, _text(doc, k, z), "body", None, None, None, ())
                        m.orgs.append(org)
                        by_start_org[k] = len(m.orgs) - 1
                        return len(m.orgs) - 1, None, z
                if y < e and doc[y].lower_ == "of":
                    y += 1
                    while y < e and doc[y].lower_ in ARTICLES:
                        y += 1
                    if y in by_start_org:
                        end = m.orgs[by_start_org[y]].end
                if end == x:
                    return None, None, k  # "head of the commission": no organization named
                org = OrgMention(k, end, _text(doc, k, end), "body", None, None, None, ())
                m.orgs.append(org)
                by_start_org[k] = len(m.orgs) - 1
                return len(m.orgs) - 1, None, end
        return None, None, k

    def titles_from(k: int, person: int) -> None:
        """Read "TITLE of ORG [and TITLE of ORG]*" starting at token k."""
        last_org: int | None = None
        while k < e:
            while k < e and (doc[k].lower_ in ARTICLES or doc[k].lower_ in ("also", "now", "currently")):
                k += 1
            if k < e and doc[k].lower_ in _PAST:
                return  # "A, former Prime Minister of X": offices called former are not posts
            # "a member of the Standing Committee ...": title may follow "a".
            t = by_start_title.get(k)
            if t is None:
                # "China's ambassador to Cuba"
                if (k in country_at and country_at[k][1] + 1 < e and doc[country_at[k][1]].text in ("'s", "’s")
                        and country_at[k][1] + 1 in by_start_title):
                    t = by_start_title[country_at[k][1] + 1]
                    m.posts.append(PostMention(person, t.title, t.status, None, country_at[k][2]))
                    k = t.end
                # "Bahamian prime minister", "Cuban President"
                elif k in country_at and country_at[k][1] in by_start_title:
                    t = by_start_title[country_at[k][1]]
                    m.posts.append(PostMention(person, t.title, t.status, None, country_at[k][2]))
                    k = t.end
                # "Politburo member and head of ...": a party body named by its head noun
                elif (doc[k].cap and doc[k].lower_ in heads and heads[doc[k].lower_] == "body"
                      and (k + 1) in by_start_title and k not in by_start_org):
                    m.orgs.append(OrgMention(k, k + 1, doc[k].text, "body", None, None, None, ()))
                    by_start_org[k] = len(m.orgs) - 1
                    t = by_start_title[k + 1]
                    m.posts.append(PostMention(person, t.title, t.status, len(m.orgs) - 1))
                    k = t.end
                # "the SPD's chairman"
                elif (k in by_start_org and m.orgs[by_start_org[k]].end + 1 < e
                      and doc[m.orgs[by_start_org[k]].end].text in ("'s", "’s")
                      and m.orgs[by_start_org[k]].end + 1 in by_start_title):
                    o = by_start_org[k]
                    t = by_start_title[m.orgs[o].end + 1]
                    m.posts.append(PostMention(person, t.title, t.status, o))
                    k = t.end
                # "IDCPC Minister", "PES President"
                elif k in by_start_org and m.orgs[by_start_org[k]].end in by_start_title:
                    o = by_start_org[k]
                    t = by_start_title[m.orgs[o].end]
                    m.posts.append(PostMention(person, t.title, t.status, o))
                    k = t.end
                else:
                    return
            else:
                # "deputy head and coordinator of the X": both titles share the organization.
                shared = [t]
                while (t.end + 1 < e and doc[t.end].lower_ == "and" and (t.end + 1) in by_start_title
                       and t.kind != "state"):
                    t = by_start_title[t.end + 1]
                    shared.append(t)
                org, country, k2 = org_after(t.end)
                ends = t.end == e or doc[t.end].text in (",", ";", ".", ")") or doc[t.end].lower_ == "and"
                if org is None and country is None and t.kind == "state" and len(shared) == 1 and ends:
                    # "Deputy Prime Minister and Chairman of the Football Association of Kenya":
                    # the country the next office names; else (bare) the person's side's
                    nxt = t.end + 1 if t.end < e and doc[t.end].lower_ == "and" else None
                    while nxt is not None and nxt < e and doc[nxt].lower_ in ARTICLES:
                        nxt += 1
                    later = by_start_title.get(nxt) if nxt is not None else None
                    o2, c2, _ = org_after(later.end) if later is not None else (None, None, 0)
                    c2 = c2 or (m.orgs[o2].countries[0] if o2 is not None and len(m.orgs[o2].countries) == 1
                                else None)
                    if c2 is not None:
                        m.posts.append(PostMention(person, t.title, t.status, None, c2))
                    else:
                        m.posts.append(PostMention(person, t.title, t.status, bare=True))
                elif org is None and country is None and last_org is not None and ends and t.kind != "state":
                    # "Deputy Leader of the Labour Party and the Shadow Minister for Health"
                    for st in shared:
                        m.posts.append(PostMention(person, st.title, st.status, last_org))
                if org is not None:
                    last_org = org
                if org is not None or country is not None:
                    for st in shared:
                        m.posts.append(PostMention(person, st.title, st.status, org, country))
                    # "member of the Political Bureau and of the Secretariat (of BODY)"
                    while k2 + 1 < e and doc[k2].lower_ == "and" and doc[k2 + 1].lower_ == "of":
                        org2, country2, k3 = org_after(k2 + 1)
                        if org2 is None and country2 is None:
                            break
                        for st in shared:
                            m.posts.append(PostMention(person, st.title, st.status, org2, country2))
                        k2 = k3
                k = k2 if k2 > t.end else t.end
            # "leader of the X in the Bahamas and Bahamian prime minister"
            if k < e and doc[k].lower_ == "in":
                kk = k + 1
                while kk < e and doc[kk].lower_ in ARTICLES:
                    kk += 1
                if kk in country_at:
                    k = country_at[kk][1]
            # "T1 of O1, T2 of O2, and T3 of O3" / "T1 of O1 and T2 of O2"
            if k < e and doc[k].text == "," and k + 1 < e:
                nxt = k + 1
                if doc[nxt].lower_ == "and":
                    nxt += 1
                while nxt < e and doc[nxt].lower_ in ARTICLES:
                    nxt += 1
                if nxt in by_start_title:
                    k = nxt
                    continue
            if k < e and doc[k].lower_ == "and":
                k += 1
                continue
            return

    for n, p in enumerate(m.persons):
        # Appositive: "PERSON, TITLE of ORG" (also "PERSON (R), TITLE ..." in captions)
        after = p.end
        if after + 2 < e and doc[after].text == "(" and doc[after + 2].text == ")" and doc[after + 1].lower_ in (
                "r", "l", "c", "left", "right", "centre", "center", "front", "second"):
            after += 3
        # "PERSON of the Labour Party, deputy speaker of the House of Commons"
        if after + 1 < e and doc[after].lower_ == "of":
            k = after + 1
            while k < e and doc[k].lower_ in ARTICLES:
                k += 1
            if k in by_start_org:
                after = m.orgs[by_start_org[k]].end
        if after < e and doc[after].text == ",":
            # "A, CCM chairman and Tanzanian President B, ...": the titles are B's, not A's
            next_person = next((q for q in m.persons if q.start > after), None)
            stop = next((k for k in range(after + 1, e) if doc[k].text in (",", ";", ":")), e)
            if not (next_person is not None and next_person.start < stop and next_person.start in title_ends
                    and not any(doc[k].lower_ in _OF for k in range(after + 1, next_person.start))):
                titles_from(after + 1, n)
        elif after + 1 < e and doc[after].text == "(" and (after + 1) in by_start_title:
            # "Cdes Ann Moyo (National Political Commissar), Ben Dube (Secretary for Youth Affairs)"
            bracketed = by_start_title[after + 1]
            if bracketed.end < e and doc[bracketed.end].text == ")":
                m.posts.append(PostMention(n, bracketed.title, bracketed.status, bare=True))
            else:
                titles_from(after + 1, n)
        # "PERSON, who is also a member of ORG"
        if (p.end + 3 < e and doc[p.end].text == "," and doc[p.end + 1].lower_ == "who"
                and doc[p.end + 2].lower_ in ("is", "was")):
            titles_from(p.end + 3, n)
        # "PERSON, who is paying a visit to COUNTRY as head of ORG"
        if p.end < e and doc[p.end].text == "," and p.end + 1 < e and doc[p.end + 1].lower_ == "who":
            nxt = min([q.start for q in m.persons if q.start > p.end] + [e, p.end + 16])
            for k in range(p.end + 2, nxt):
                if doc[k].text in (",", ";"):
                    break
                if doc[k].lower_ == "as":
                    titles_from(k + 1, n)
                    break
        # "PERSON was (once again) (re-)elected TITLE of ORG"
        k = p.end
        while k < e and doc[k].lower_ in ("was", "is", "has", "been", "once", "again", "unanimously", "re", "-"):
            k += 1
        if k > p.end and k < e and doc[k].lower_ in ("elected", "reelected", "re-elected", "appointed", "named"):
            k += 1
            if k < e and doc[k].lower_ == "as":
                k += 1
            titles_from(k, n)
        # "PERSON is (also) Chairman of ORG", "PERSON serves as ..."
        k = p.end
        if k + 1 < e and doc[k].lower_ in ("is", "serves"):
            k += 1
            while k < e and doc[k].lower_ in ("also", "currently", "now", "as"):
                k += 1
            titles_from(k, n)
        # "... PERSON congratulating him on his election as TITLE of ORG"
        nxt_start = min([q.start for q in m.persons if q.start > p.end] + [e])
        for k in range(p.end, min(nxt_start, p.end + 8)):
            if doc[k].lower_ in ("him", "her") and k + 4 < e and doc[k + 1].lower_ == "on" and doc[k + 2].lower_ in ("his", "her"):
                j = k + 3
                if doc[j].lower_ == "re" and j + 1 < e and doc[j + 1].text == "-":
                    j += 2
                if doc[j].lower_ in ("election", "reelection", "re-election") and j + 1 < e and doc[j + 1].lower_ == "as":
                    titles_from(j + 2, n)
                break
        # "congratulating PERSON on his election as TITLE of ORG"
        k = p.end
        words = [t.lower_ for t in doc[k:k + 5]]
        if words[:1] == ["on"] and len(words) >= 4 and words[1] in ("his", "her") and words[2] in ("election", "re-election", "reelection") and words[3] == "as":
            titles_from(k + 4, n)
        elif words[:1] == ["on"] and len(words) >= 5 and words[1] in ("his", "her") and words[2] == "re" and words[3] == "-":
            if doc[k + 4].lower_ == "election" and k + 5 < e and doc[k + 5].lower_ == "as":
                titles_from(k + 6, n)
        # Pre-nominal: "[ORG|DEMONYM] TITLE [of ORG] PERSON"
        k = p.start - 1
        title_ends = {t.end for t in m.titles}
        while k >= s and doc[k].lower_ in HONORIFICS and k + 1 not in title_ends:
            k -= 1
        # "Chinese Ambassador to Japan Zhou Lin": skip the posting country.
        c_before = next((c for c in m.countries if c[1] == k + 1), None)
        if c_before is not None and c_before[0] - 1 >= s and doc[c_before[0] - 1].lower_ == "to":
            k = c_before[0] - 2
        comma = False
        if k > s and doc[k].text == "," and n == 0 or (k > s and doc[k].text == "," and not any(
                q.end == k for q in m.persons)):
            # "The Secretary-General of the ANC, Comrade Sipho Mathebula,"
            comma = True
            k -= 1
        if comma:
            # "led by its Secretary-General, Comrade Ana Lima,": the party just named
            t_its = next((t for t in m.titles if t.end == k + 1), None)
            if t_its is not None and t_its.start - 1 >= s and doc[t_its.start - 1].lower_ in ("its", "their"):
                o = max((x for x, org in enumerate(m.orgs) if org.end <= t_its.start and org.kind != "event"),
                        key=lambda x: m.orgs[x].end, default=None)
                if o is not None:
                    m.posts.append(PostMention(n, t_its.title, t_its.status, o))
        t = None if comma else next((t for t in m.titles if t.end == k + 1), None)
        if t is not None and any(doc[x].lower_ in _PAST for x in range(max(s, t.start - 3), t.start)):
            t = None  # "former party leader A", "the late President B": no current post
        if t is not None:
            o = next((x for x, org in enumerate(m.orgs) if org.end == t.start
                      or (org.acronym and org.end + 3 == t.start)), None)  # "The ANC (ANC) Secretary General X"
            c = next((c for c in m.countries if c[1] == t.start), None)
            its = t.start - 1 >= s and doc[t.start - 1].lower_ in ("its", "their")
            if o is None and its:
                # "a Spanish Communist Party delegation, headed by its General Secretary X"
                o = max((x for x, org in enumerate(m.orgs) if org.end <= t.start and org.kind != "event"),
                        key=lambda x: m.orgs[x].end, default=None)
            if o is not None:
                m.posts.append(PostMention(n, t.title, t.status, o))
            elif c is not None:
                m.posts.append(PostMention(n, t.title, t.status, None, c[2]))
                x = c[0] - 1
                if x - 1 >= s and doc[x].lower_ == "and":
                    # "ANC and South Africa President A": President of both;
                    # "CCM chairman and Tanzanian President B": Chairman of the CCM
                    first = next((y for y, org in enumerate(m.orgs) if org.end == x and org.kind != "event"), None)
                    t1 = next((t1 for t1 in m.titles if t1.end == x), None)
                    if first is not None:
                        m.posts.append(PostMention(n, t.title, t.status, first))
                    elif t1 is not None:
                        o1 = next((y for y, org in enumerate(m.orgs) if org.end == t1.start), None)
                        if o1 is not None:
                            m.posts.append(PostMention(n, t1.title, t1.status, o1))
            else:
                m.posts.append(PostMention(n, t.title, t.status, bare=True))
        else:
            # "General Secretary of the CPV Central Committee Nguyen Van A"
            # and "T1 of O1 and T2 of O2 Ivan Sokolov", walking back over the chain.
            end = k + 1
            while True:
                o = next((x for x, org in enumerate(m.orgs) if org.end == end or (org.acronym and org.end + 3 == end)), None)
                c = next((c for c in m.countries if c[1] == end), None) if o is None else None
                if o is not None:
                    start = m.orgs[o].start
                elif c is not None:
                    start = c[0]
                else:
                    break
                if o is None and start - 1 >= s and doc[start - 1].lower_ == "to":
                    end = start - 1  # "Ambassador of China to South Africa": skip the posting
                    continue
                kk = start - 1
                while kk >= s and doc[kk].lower_ in ARTICLES:
                    kk -= 1
                if not (kk >= s and doc[kk].lower_ in _OF):
                    break
                t = next((t for t in m.titles if t.end == kk), None)
                if t is None:
                    break
                if comma and not (t.start - 1 >= s and doc[t.start - 1].lower_ == "the"):
                    break  # "A, President of X, B, ..." is a list, not "The President of X, B"
                m.posts.append(PostMention(n, t.title, t.status, o, c[2] if o is None and c is not None else None))
                end = t.start - 1
                if end < s or doc[end].lower_ != "and":
                    break
                # "Cuban President and First Secretary of the X Party Pedro Ruiz"
                t0 = next((t0 for t0 in m.titles if t0.end == end), None)
                c0 = next((c0 for c0 in m.countries if t0 is not None and c0[1] == t0.start), None)
                if t0 is not None and c0 is not None:
                    m.posts.append(PostMention(n, t0.title, t0.status, None, c0[2]))
                    break
