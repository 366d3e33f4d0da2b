"""Extract: a :class:`~kg.records.Readout` -> :class:`~kg.records.ReadoutFacts`.

Runs the spaCy pipeline (:mod:`kg.nlp`), reads mentions sentence by sentence
(:mod:`kg.mentions`), resolves them to readout-level entities (acronyms
defined in the text, surname-only forms, title-line forms) and builds the
engagement frames: a cue ("met with", "held a video call", "sent a message",
"on a visit to", "forum") with the principal before it and the counterparts
after it, then its date, place, persons present and topics.

Example:
    >>> from kg.ingest import parse_readout
    >>> r = parse_readout("x", "T\\n ( 2024.03.12 )\\n\\nKunming, March 11th--Tang Wenbo, Vice-minister of the IDCPC, met here today with Ana Lima, President of the Workers' Party of Brazil.")
    >>> facts = extract(r)
    >>> e = facts.engagements[0]
    >>> e.type, e.date.isoformat(), [facts.entities[p].name for p in e.participants]
    ('Meeting', '2024-03-11', ['Tang Wenbo', 'Ana Lima'])
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeVar

from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.dates import find_day_mentions, find_full_date, folded
from kg.lexicon import KnownOrg, Lexicon, Title, load_lexicon
from kg.mentions import ARTICLES, Mentions, OrgMention, _offsets, _view, find_mentions, load_heads
from kg.nlp import gazetteer_spans, make_nlp, spans_in
from kg.records import Engagement, Entity, Post, Readout, ReadoutFacts

HEAD_STATUS = "head"

class _Keyed:
    """A compiled pattern with keywords, one of which every match contains.

    ``search`` looks for the keywords first (``str`` containment is far cheaper
    than trying a case-insensitive alternation at every position) and runs the
    pattern only where one occurs: the same answer as ``pattern.search``.
    Keywords are lower-case and matched in the folded text (:func:`~kg.dates.folded`)
    when the pattern ignores case, as written otherwise.

    Example:
        >>> k = _Keyed(re.compile(r"\\bhosted by\\b", re.I), "hosted")
        >>> k.search("It was HOSTED BY the party.").group(), k.search("They met.")
        ('HOSTED BY', None)
    """

    __slots__ = ("fold", "keywords", "pattern")

    def __init__(self, pattern: re.Pattern[str], *keywords: str) -> None:
        self.pattern, self.keywords = pattern, keywords
        self.fold = bool(pattern.flags & re.IGNORECASE)

    def search(self, text: str, low: str | None = None) -> re.Match[str] | None:
        """``pattern.search(text)``; ``low`` is :func:`~kg.dates.folded` of ``text`` if known."""
        if self.fold:
            haystack = folded(text) if low is None else low
        else:
            haystack = text
        for keyword in self.keywords:
            if keyword in haystack:
                return self.pattern.search(text)
        return None

IN_PERSON = frozenset({"Meeting", "Talks", "Forum", "Visit"})
_PRESENT = _Keyed(re.compile(
    r"\b(?:was|were)\s+(?:also\s+)?present\b|\b(?:also\s+)?(?:present|in attendance)\s+(?:were|was)\b|"
    r"\b(?:attending|present at)\s+(?:the\s+)?(?:meeting|talks|event|ceremony|call|banquet|reception)\s+(?:were|was)\b|"
    r"\bjoined the (?:meeting|talks)\b|\battended\s+the\s+(?:meeting|talks|event|ceremony|call|video call)\b"
    r"|\b(?:was|were)\s+(?:also\s+)?(?:in attendance|on hand)\b|\baccompan(?:ied|ying)\b|\b(?:also\s+)?attended\b"
    r"|\btaking part\b|\btook part\b|\b(?:its|other) members (?:are|were|included)\b|\bmembers of the delegation\b"
    r"|\bdelegation (?:also )?(?:included|includes|comprised|comprises)\b",
    re.I,
), "present", "attend", "joined the", "on hand", "accompan", "taking part", "took part", "its members",
    "other members", "members of the delegation", "delegation also", "delegation includ", "delegation compris")
_SEPARATE = re.compile(r"\b(?:separately|respectively)\b", re.I)
_LIGHT_VERBS = frozenset({"held", "holds", "hold", "had", "has", "have", "having", "holding", "conducted",
                          "attended", "attend", "attends", "addressed", "hosted", "hosts", "host",
                          "participated", "took", "co-chaired", "chaired", "sent", "made", "was", "were",
                          "is", "opened", "joined"})
_INVITATION = _Keyed(re.compile(r"\bat the invitation of\b|\bhosted by\b", re.I), "invitation", "hosted")
_PARTAKE = frozenset({"opening", "addressing", "took", "included", "includes", "speaks", "spoke", "speaking", "attended", "attend", "attends", "attending", "participated", "addressed",
                      "hosted", "opened", "held", "convened", "organized", "organised", "co-chaired", "chaired"})
_PASSIVE_EVENT = re.compile(r"^[^.;]{0,40}?\b(?:was|were|is|are)\s+(?:held|convened|opened|launched|organi[sz]ed)\b"
                            r"|^\s*(?:opened|began|kicked off|closed|concluded|convened)\b"
                            r"|^[^.;]{0,150}?\b(?:opened|began|kicked off|concluded|closed)\s+"
                            r"(?:on|in|at|here|today|yesterday|last|this)\b"
                            r"|^[^.;]{0,40}?\btook place\b|^\W*(?:in|at)\b"
                            r"|^[^.;]{0,120}?\b(?:which|that)\s+(?:opened|closed|convened|began|was held|took place)\b", re.I)


@dataclass
class _Sentence:
    span: Span
    mentions: Mentions
    index: int
    readout: Readout
    text: str = ""  # the span's text, computed once (Span.text walks every token each time)
    low: str = ""  # the text folded for keyword checks (:func:`~kg.dates.folded`)

    def __post_init__(self) -> None:
        if not self.text:
            # the readout's text is the Doc's (Doc.text would rebuild it from every token)
            self.text = self.readout.text[self.span.start_char:self.span.end_char]
        self.low = folded(self.text)


@dataclass
class _Resolver:
    """Readout-level entity table: canonical entities and the forms that point to them."""

    lexicon: Lexicon
    text: str = ""
    entities: dict[str, Entity] = field(default_factory=dict)
    acronyms: dict[str, str] = field(default_factory=dict)  # acronym -> entity key (defined in text)
    surnames: dict[str, str] = field(default_factory=dict)  # one-word form -> person key
    _mention_counts: dict[str, int] = field(default_factory=dict)
    home_country: str | None = None  # the dateline's country (a name of the vocabulary)
    _gram_text: str | None = None
    _gram_words: tuple[list[str], dict[str, list[int]]] = field(default_factory=lambda: ([], {}))
    _low: str | None = None  # the text lower-cased (made once)
    # known()'s answers: its choice depends only on the text and the vocabulary,
    # and entities and their forms are only ever added, so a second call is a no-op
    _known: dict[tuple, str] = field(default_factory=dict)

    def add(self, entity: Entity, *forms: str) -> str:
        key = entity.key
        cur = self.entities.get(key)
        if cur is None:
            self.entities[key] = cur = entity
        for form in forms:
            form = form.strip()
            if form and form != cur.name:
                cur.aliases.add(form)
        return key

    def country(self, name: str, form: str | None = None) -> str:
        c = self.lexicon.countries[name]
        return self.add(Entity("country", c.name, slug=c.slug), *( [form] if form else []))

    def org(self, doc: Doc, o: OrgMention) -> str:
        """Entity key for an organization mention."""
        text = re.sub(r"^(?:the|The)\s+", "", o.text)
        clean = re.sub(r"\s*\(\s*[A-Z][A-Za-z&.]*\s*\)\s*", " ", text).strip()
        clean = re.sub(r"\s+", " ", clean)
        forms = [text, clean] + ([o.acronym] if o.acronym else [])
        owner, sep, owned = clean.partition("'s ")
        if sep and owned[:1].isupper():
            forms.append(f"{owned} of the {owner}")  # "CPV Central Committee's Organisation Commission"
        if o.known:
            # A text may define a known acronym as another organization.
            if text in self.acronyms:
                return self._alias_form(text)
            key = self.known(text, o.known, *forms)
        elif len(clean.split()) == 1 and clean in self.acronyms:
            return self._alias_form(clean)
        elif (ruling := self._ruling_party_named(clean)) is not None:
            return self.add(self.entities[ruling], *forms)
        elif clean.lower() in self.lexicon.org_by_form:
            # A vocabulary name written with its acronym in brackets:
            # "Communist Party of China (CPC) Central Committee".
            key = self.known(clean, self.lexicon.org_by_form[clean.lower()][0].slug, *forms)
        else:
            kind = {"body": "partybody", "gov": "govbody", "event": "organization", "org": "organization"}.get(o.kind, o.kind)
            parent = self._parent_of(doc, o)
            name = clean
            if parent is not None and kind == "party" and self.entities[parent].kind == "party":
                # "Workers' Party of Brazil": a known party written with its country.
                pc = self.entities[parent].country
                named = [self.lexicon.countries[c].slug for c in o.countries]
                low = clean.lower()
                starts = any(low.startswith(f.lower() + " ") for f in self._known_forms(self.entities[parent]))
                if starts and (not named or (pc and pc.split("/", 1)[1] in named)):
                    return self.add(self.entities[parent], *forms)
                parent = None  # "Democratic Socialist Party of Brazil" is a party of its own
            if parent is not None and kind in ("partybody", "organization", "party"):
                kind = "partybody" if self.entities[parent].kind in ("party", "partybody") else kind
                name = self._canonical_body(clean, parent)
                party_entity = self.entities[parent]
                vocab = self.lexicon.orgs.get(party_entity.slug) if party_entity.slug else None
                forms_of = sorted(party_entity.aliases | {party_entity.name} | set(vocab.aliases if vocab else ()), key=len)
                acronyms = [f for f in forms_of if f.isupper() and 2 <= len(f) <= 6]
                # the acronym fewest other parties share (the PCC for Cuba's party, not the CPC)
                short = min(acronyms, key=lambda f: (len(self.lexicon.org_by_form.get(f.lower(), ())), len(f), f),
                            default=None)
                if short and re.match(r"Party\b", clean):
                    name = f"{short}{clean[5:]}"  # "Party Central Committee's Secretariat" of the CPV
                elif short and re.search(r"\bthe Party Central Committee\b", clean):
                    name = clean.replace("the Party Central Committee", f"the {short} Central Committee")
                elif short and clean.lower() in _BARE_BODIES:
                    name = f"{short} {clean}"  # "Politburo" of the CPV
                elif name == clean and not any(f in clean for f in (party_entity.name, *party_entity.aliases) if len(f) > 1):
                    # "the General Council" of a party named elsewhere: named with its party, so
                    # that every party's General Council is an entity of its own
                    article = "the " if re.search(r"\b(?:Party|Congress|Front|Movement|Union|League)\b",
                                                  party_entity.name) else ""
                    name = f"{clean[:1].upper()}{clean[1:]} of {article}{party_entity.name}"
            if name != clean and name.lower() in self.lexicon.org_by_form:
                # "Politburo" of the CPV named "CPV Politburo": a body the vocabulary knows
                return self.known(name, self.lexicon.org_by_form[name.lower()][0].slug, *forms)
            country = None
            if o.countries and kind not in ("international",):
                country = self.country(o.countries[0])
            key = self.add(Entity(kind, name, parent=parent, country=country), *forms)
        if o.acronym:
            ent = self.entities[key]
            parent_entity = self.entities.get(ent.parent) if ent.parent else None
            owner = key
            if ent.parent and parent_entity is not None and o.acronym in self._known_forms(parent_entity):
                owner = ent.parent  # "Central Committee of the Communist Party of Cuba (PCC)": PCC is the party
            self.acronyms[o.acronym] = owner
            self.entities[owner].aliases.add(o.acronym)
        return key

    def _ruling_party(self, country: str) -> KnownOrg | None:
        """The one party of a country the vocabulary lists (else its one communist,
        workers' or revolutionary party): whom "the Party" means in its releases."""
        local = [org for org in self.lexicon.orgs.values() if org.kind == "party" and org.country == country]
        if len(local) > 1:
            local = [org for org in local if re.search(r"Communist|Workers'|Revolutionary", org.name)]
        return local[0] if len(local) == 1 else None

    def _ruling_party_named(self, text: str) -> str | None:
        """"Vietnamese Party chief To Van Lam": "the Vietnamese Party" is the party
        of that country (see :meth:`_ruling_party`)."""
        found = re.fullmatch(r"(?:the\s+)?([A-Z][\w'’-]+)\s+Party", text)
        if not found:
            return None
        country = self.lexicon.country_by_demonym.get(found.group(1).lower())
        org = self._ruling_party(country) if country else None
        return self.known(org.name, org.slug) if org is not None else None

    def _known_forms(self, ent: Entity) -> set[str]:
        known = self.lexicon.orgs.get(ent.slug or "")
        return {ent.name, *ent.aliases} | (set(known.aliases) if known else set())

    def known(self, form: str, slug: str, *forms: str, countries: tuple[str, ...] = ()) -> str:
        """Entity key of a vocabulary organization named by ``form``; where
        several share the form (CPC: China, Cuba, Canada), prefer the one of
        the country written beside it, then whose full name, then whose
        country the text mentions."""
        memo = (form, slug, forms, countries)
        found = self._known.get(memo)
        if found is not None:
            return found
        self._known[memo] = key = self._known_key(form, slug, *forms, countries=countries)
        return key

    def _known_key(self, form: str, slug: str, *forms: str, countries: tuple[str, ...] = ()) -> str:
        candidates = self.lexicon.org_by_form.get(form.lower()) or [self.lexicon.orgs[slug]]
        chosen = candidates[0]
        if countries:
            # "Workers' Party of Korea" written with its country's name
            local = [c for c in candidates if c.country in countries]
            if not local:
                low = form.lower()
                local = [o for o in self.lexicon.orgs.values() if o.country in countries
                         and any(low in f.lower() for f in (o.name, *o.aliases))]
            if local:
                candidates = local
                chosen = local[0]
        if len(candidates) > 1:
            # The candidate of the country the text speaks of most; with no such
            # context, a party international, then the better-documented entry
            # (more recorded forms). (A text that means another party by the
            # acronym defines it, which the acronym table already caught.)
            text_low = self._low
            if text_low is None:
                text_low = self._low = self.text.lower()
            chosen = max(candidates, key=lambda c: (
                self._country_mentions(c.country, text_low) if c.country else 0,
                c.kind == "international", len(c.aliases)))
        if chosen.parent:
            parent_org = self.lexicon.orgs[chosen.parent]
            parent = self.known(parent_org.name, parent_org.slug)
            return self.add(Entity("partybody", chosen.name, slug=chosen.slug, parent=parent), *forms)
        return self.add(Entity(chosen.kind, chosen.name, slug=chosen.slug,
                               country=self._country_key(chosen.country)), *forms)

    def _country_mentions(self, country: str, low: str) -> int:
        cached = self._mention_counts.get(country)
        if cached is not None:
            return cached
        self._mention_counts[country] = n = self._count_country(country, low)
        return n

    def _count_country(self, country: str, low: str) -> int:
        words, positions = self._words(low)
        total = 0
        for gram in _country_grams(self.lexicon, country):
            n = len(gram)
            total += sum(1 for i in positions.get(gram[0], ()) if words[i:i + n] == gram)
        return total

    def _words(self, low: str) -> tuple[list[str], dict[str, list[int]]]:
        """The words of ``low`` and where each occurs (indexed once per readout:
        country mentions are counted for many candidates)."""
        if self._gram_text != low:
            words = _WORD.findall(low)
            positions: dict[str, list[int]] = {}
            firsts = _first_words(self.lexicon)  # only where a country's form can start
            for i, w in enumerate(words):
                if w in firsts:
                    positions.setdefault(w, []).append(i)
            self._gram_text, self._gram_words = low, (words, positions)
        return self._gram_words

    def _country_named(self, country: str, low: str) -> bool:
        c = self.lexicon.countries[country]
        return any(re.search(r"\b" + re.escape(f.lower()) + r"\b", low)
                   for f in (c.name, *c.forms, *c.demonyms, c.capital, *c.cities) if len(f) > 3)

    def _alias_form(self, form: str) -> str:
        key = self.acronyms[form]
        self.entities[key].aliases.add(form)
        return key

    def _country_key(self, name: str | None) -> str | None:
        return self.country(name) if name else None

    def _parent_of(self, doc: Doc, o: OrgMention) -> str | None:
        """The party (or other organization) named inside a body's phrase."""
        best: tuple[int, str] | None = None
        for start, end, span in _org_spans(doc):
            if o.start <= start and end <= o.end and (start, end) != (o.start, o.end):
                if (span.start > o.start and doc[span.start - 1].text == "(" and span.end < o.end
                        and doc[span.end].text == ")" and span.text not in self.acronyms):
                    continue  # "Supreme People's Assembly (SPA) Standing Committee": SPA is defined here
                if span.text in self.acronyms:
                    key = self.acronyms[span.text]
                else:
                    key = self.known(span.text, span.id_, span.text, countries=o.countries)
                if best is None or len(span) > best[0]:
                    best = (len(span), key)
        if best is None and o.kind == "body":
            # "member of the Political Bureau, Secretariat of the Central Committee": a list
            # of bodies shares the party named at its end.
            sent_end = doc[o.start].sent.end
            for start, _, span in _org_spans(doc):
                if o.end <= start < min(sent_end, o.end + 12):
                    between = doc[o.end:span.start]
                    if all(t.text in (",", "and", "of", "the") or t.text[:1].isupper() for t in between):
                        key = self.acronyms.get(span.text) or self.known(span.text, span.id_, span.text)
                        if self.entities[key].kind == "party":
                            return key
                    break
        if best is None:
            for tok in _view(doc)[o.start:o.end]:
                text = tok.text[:-2] if tok.text.endswith(("'s", "’s")) else tok.text
                if text in self.acronyms:
                    return self.acronyms[text]
            # "CPVCC's Commission ...": a possessive acronym names the owner.
            for k in range(max(0, o.start - 2), o.start):
                if doc[k].text in self.acronyms and k + 1 < len(doc) and doc[k + 1].text in ("'s", "’s"):
                    return self.acronyms[doc[k].text]
        of_the_party = [t.lower_ for t in _view(doc)[o.end:o.end + 3]] == ["of", "the", "party"]
        if best is None and o.kind == "body" and (o.text[:1].islower() or of_the_party):
            # ("Deputy Secretary of the General Council of the party": the party just named)
            # "... general secretary of the LPRP Central Committee, and held talks with X, head of
            # the commission for external relations": the one party named before it in the sentence
            sent = doc[o.start].sent
            owners: list[str] = []
            orgs = sorted((span for start, end, span in _org_spans(doc)
                           if sent.start <= start and end <= o.start), key=lambda x: x.start)
            for span in orgs:
                if not any(x is not span and x.start <= span.start and span.end <= x.end for x in orgs):
                    key = self.acronyms.get(span.text) or self.known(span.text, span.id_, span.text)
                    top = key
                    while up := self.entities[top].parent:
                        top = up
                    if self.entities[top].kind == "party" and top not in owners:
                        owners.append(top)
            if len(owners) == 1 or (owners and of_the_party):
                return owners[-1]
        if best is None and o.kind == "body" and self.home_country and (
                re.match(r"(?:the\s+)?Party\b", o.text) or o.text.lower() in _BARE_BODIES
                or re.search(r"\bthe Party Central Committee\b", o.text)):
            # "the Party Central Committee's Commission for External Relations" in a Hanoi
            # release: "the Party" is the ruling party of the dateline's country
            ruling = self._ruling_party(self.home_country)
            if ruling is not None:
                return self.known(ruling.name, ruling.slug)
        return best[1] if best else None

    def _canonical_body(self, text: str, parent: str) -> str:
        """Write a party body with the party's acronym ("... of the CPC Central Committee")."""
        p = self.entities[parent]
        acronyms = sorted((a for a in p.aliases | {p.name} if a.isupper() and 2 <= len(a) <= 6), key=len)
        known = self.lexicon.orgs.get(p.slug) if p.slug else None
        if known is not None:
            acr = next((a for a in known.aliases if a.isupper()), None)
            if acr:
                acronyms = [acr] + acronyms
        if not acronyms:
            return text
        short = acronyms[0]
        forms = sorted({p.name, *p.aliases}, key=len, reverse=True)
        for form in forms:
            if form != short and f"{form} Central Committee" in text:
                return re.sub(r"\s+", " ", text.replace(form, short)).strip()
        return text

    def person(self, name: str) -> str:
        key = self.add(Entity("person", name), name)
        words = [w for w in re.split(r"\s+", name) if w]
        # "Ana María Ortiz-Vega Lima" is "Ortiz-Vega", "Pedro Ruiz Soto" "Ruiz" (a Spanish
        # name's first surname comes before the last word)
        for w in {words[0], words[-1], *(words[-2:-1] if len(words) >= 3 else [])}:
            if len(w) > 1 and w.lower() not in ("de", "van", "von"):
                self.surnames.setdefault(w, key)
        return key


_T = TypeVar("_T")


def _kept_for(cache: dict[int, tuple[object, Any]], owner: object, make: Callable[[], _T]) -> _T:
    """``make()``, made once per ``owner`` object (a vocabulary, a table of
    titles) and kept with it, so that an object reusing a freed one's id is
    never given the freed one's value."""
    entry = cache.get(id(owner))
    if entry is None or entry[0] is not owner:
        entry = cache[id(owner)] = (owner, make())
    return entry[1]


_GRAMS: dict[int, tuple[object, Any]] = {}
_FIRSTS: dict[int, tuple[object, Any]] = {}


def _country_grams(lexicon: Lexicon, country: str) -> list[list[str]]:
    """The words of each form of a country longer than three letters (its names,
    demonyms, capital and cities, lower-cased), of one to six words: what
    :meth:`_Resolver._count_country` looks for (made once per vocabulary)."""
    by_country: dict[str, list[list[str]]] = _kept_for(_GRAMS, lexicon, dict)
    grams = by_country.get(country)
    if grams is None:
        c = lexicon.countries[country]
        forms = {f.lower() for f in (c.name, *c.forms, *c.demonyms, c.capital, *c.cities) if len(f) > 3}
        grams = by_country[country] = [g for g in (_WORD.findall(f) for f in sorted(forms)) if 1 <= len(g) <= 6]
    return grams


def _first_words(lexicon: Lexicon) -> frozenset[str]:
    """The first word of every gram of :func:`_country_grams`, of every country."""
    return _kept_for(_FIRSTS, lexicon, lambda: frozenset(
        g[0] for c in lexicon.countries for g in _country_grams(lexicon, c)))


#: Party bodies a text names by their head noun alone ("Politburo member Le Van Hai").
_BARE_BODIES = frozenset({"politburo", "political bureau", "secretariat", "central committee", "presidium",
                          "standing committee", "central commission"})


def _org_spans(doc: Doc) -> list[tuple[int, int, Span]]:
    """The gazetteer's ORG spans with their token bounds, in the Doc's span order
    (made once per Doc: iterating ``doc.spans`` creates every Span anew)."""
    cached = doc.user_data.get("partyrel_org_spans")
    if cached is None:
        cached = doc.user_data["partyrel_org_spans"] = [
            (sp.start, sp.end, sp) for sp in gazetteer_spans(doc) if sp.label_ == "ORG"]
    return cached


def _stext(doc: Doc, start: int, end: int) -> str:
    """The text of ``doc[start:end]`` (as ``Span.text``), cut from the readout's
    text instead of rebuilt from the tokens."""
    toks = _view(doc)
    start, end = max(start, 0), min(end, len(toks))
    if end <= start:
        return ""
    offsets = _offsets(doc)
    return doc.user_data["partyrel_text"][offsets[start]:offsets[end - 1] + len(toks[end - 1].text)]


def _first(items):
    return items[0] if items else None


def extract(readout: Readout, nlp: Language | None = None, lexicon: Lexicon | None = None) -> ReadoutFacts:
    """Extract the facts of one readout (see the module docstring)."""
    nlp = nlp or make_nlp()
    lexicon = lexicon or load_lexicon()
    doc = nlp(readout.text)
    return extract_doc(readout, doc, lexicon)


def extract_doc(readout: Readout, doc: Doc, lexicon: Lexicon) -> ReadoutFacts:
    """Extract from an already-processed Doc (lets callers batch with ``nlp.pipe``)."""
    heads = load_heads()
    doc.user_data.setdefault("partyrel_text", readout.text)  # the Doc's text, without rebuilding it
    facts = ReadoutFacts(readout)
    res = _Resolver(lexicon, readout.text, home_country=_dateline_country(readout, lexicon))
    if readout.published is None:
        facts.warnings.append("no publication date found: dates cannot be resolved, engagements stay undated")

    sents = [s for s in doc.sents if s.end_char > readout.body_start and readout.text[s.start_char:s.end_char].strip()]

    # Pass 1: acronyms defined in the body ("Communist Party of Cuba (PCC)").
    # Only a sentence with "(" before an acronym (or its next token: an organization may
    # end the sentence) can define one, so only those are read before the acronyms are known.
    kinds: dict[str, str] = {}
    toks = _view(doc)
    last = len(toks) - 1
    first = {n: find_mentions(s, heads) for n, s in enumerate(sents)
             if any(toks[k].text == "(" and toks[k + 1].acronym for k in range(s.start, min(s.end + 1, last)))}
    for n in sorted(first):
        for o in first[n].orgs:
            if o.acronym:
                kinds[o.acronym] = o.kind
    analysed: list[_Sentence] = []
    for n, s in enumerate(sents):
        # With the acronyms known, read (again) the sentences that use one.
        if kinds and any(t.text in kinds for t in toks[s.start:s.end]):
            m = find_mentions(s, heads, kinds)
        else:
            m = first.get(n) or find_mentions(s, heads)
        analysed.append(_Sentence(s, m, n, readout))
    # Acronym definitions first, so "NPC" means what this text defines it as.
    for a in analysed:
        for o in a.mentions.orgs:
            if o.kind != "event" and o.acronym:
                res.org(doc, o)
    for a in analysed:
        for o in a.mentions.orgs:
            if o.kind != "event":
                res.org(doc, o)

    # Persons and posts.
    person_keys: dict[tuple[int, int], str] = {}
    affiliation: dict[str, list[str]] = {}
    # Full names first, so a surname-only mention resolves to its full name.
    multi = sorted({p.name for a in analysed for p in a.mentions.persons if " " in p.name},
                   key=lambda n: (-len(n.split()), n))
    canonical: dict[str, str] = {}
    for name in multi:
        words = name.split()
        # "Ortiz Vega" after "Ramon Ortiz Vega": a shorter form of a longer name.
        longer = next((c for c in canonical.values() if len(c.split()) > len(words)
                       and c.split()[-len(words):] == words), None)
        canonical[name] = longer or name
    for a in analysed:
        for p in a.mentions.persons:
            if " " in p.name:
                full = canonical.get(p.name, p.name)
                person_keys[(a.index, p.start)] = res.person(full)
                if full != p.name:
                    res.entities[person_keys[(a.index, p.start)]].aliases.add(p.name)
    for a in analysed:
        for p in a.mentions.persons:
            if " " not in p.name:
                # "Chiweshe-Banda" after "Rudo Chiweshe": a double-barrelled surname
                known = res.surnames.get(p.name) or (res.surnames.get(p.name.split("-")[0])
                                                     if "-" in p.name else None)
                person_keys[(a.index, p.start)] = known or res.person(p.name)
                if known:
                    res.entities[known].aliases.add(p.name)
    for a in analysed:
        m = a.mentions
        for post in m.posts:
            pkey = person_keys[(a.index, m.persons[post.person].start)]
            if post.org is not None:
                if m.orgs[post.org].kind == "event":
                    continue
                okey = res.org(doc, m.orgs[post.org])
            elif post.country is not None:
                okey = res.country(post.country)
            else:
                continue  # bare titles are resolved below, once the home party is known
            head = post.status == HEAD_STATUS and not okey.startswith("country/")
            fact = Post(pkey, post.title, okey, a.text.strip(), head)
            if fact not in facts.posts:
                facts.posts.append(fact)
            affiliation.setdefault(pkey, []).append(okey)

    # "Lindsay Smith of the Labour Party", "Stefan Berg of Sweden", "Alec Smith, a
    # Conservative Party politician": an affiliation, not a post.
    for a in analysed:
        m = a.mentions
        for p in m.persons:
            k = p.end
            if k < len(doc) and doc[k].lower_ == "of":
                k += 1
                while k < len(doc) and doc[k].lower_ == "the":
                    k += 1
            elif k + 2 < len(doc) and doc[k].text == "," and doc[k + 1].lower_ in ("a", "an"):
                k += 2
                # "Guan Yifan, a senior official of the CPC"
                x = k
                while x < len(doc) and x - k < 4 and doc[x].is_lower and doc[x].lower_ != "of":
                    x += 1
                if x > k and x + 1 < len(doc) and doc[x].lower_ == "of":
                    k = x + 1
                    while k < len(doc) and doc[k].lower_ == "the":
                        k += 1
            else:
                continue
            pkey = person_keys[(a.index, p.start)]
            org = next((o for o in m.orgs if o.start == k and o.kind != "event"), None)
            if affiliation.get(pkey) and (org is None or org.kind != "party"):
                continue  # a party named with the person still counts beside their posts
            named_country = next((c for c in m.countries if c[0] == k and c[2] in lexicon.countries), None)
            if org is not None:
                affiliation.setdefault(pkey, []).append(res.org(doc, org))
            elif named_country is not None and doc[k].text[:1].isupper():
                affiliation.setdefault(pkey, []).append(
                    res.country(named_country[2], doc[named_country[0]:named_country[1]].text))
    home = _provisional_home(analysed, person_keys, affiliation, res)
    # Titles written before a name with no organization count only where the genre
    # makes it unambiguous: a head-of-party title is held in the home party
    # ("General Secretary Xi Jinping"); a state title in the country of the
    # person's own party or organization ("President Xi Jinping").
    bare = [(a, post) for a in analysed for post in a.mentions.posts if post.bare]
    host = _visited_country(doc, analysed, lexicon) or _dateline_country(readout, lexicon)
    delegation = _delegation_org(doc, analysed, res)
    lead = next((a for a in analysed[:2] if a.mentions.persons), None)
    lead_side = (_side_of(person_keys[(lead.index, lead.mentions.persons[0].start)], affiliation, res)
                 if lead is not None else None)
    own = _own_country(lead_side, res, lexicon) or _own_country(home, res, lexicon)
    # A person named only by a state office ("Prime Minister Ana Lima") holds it in the
    # other country the readout is about, where the readout says which: the one visited
    # or the dateline's, unless it is the reporting side's own. Of two such persons in one
    # sentence ("the leaders, President A and Prime Minister B"), the first is the
    # reporting side's own (its releases name their own leader first).
    foreign = res.country(host) if own and host and host in lexicon.countries and res.country(host) != own else None
    paired: dict[str, str] = {}
    if own:
        for a in analysed:
            named = [a.mentions.persons[p.person] for p in a.mentions.posts if p.bare
                     and (t := lexicon.titles.get(p.title.lower())) is not None and t.kind == "state"]
            named = sorted({p.start: p for p in named}.values(), key=lambda p: p.start)
            if len(named) == 2:
                first_key, second_key = (person_keys[(a.index, p.start)] for p in named)
                paired.setdefault(first_key, own)
                if foreign is None:
                    others = [c for _c0, _c1, c in a.mentions.countries
                              if c in lexicon.countries and res.country(c) != own]
                    if len(set(others)) == 1:
                        paired.setdefault(second_key, res.country(others[0]))
                else:
                    paired.setdefault(second_key, foreign)
    for state_pass in (False, True):
        for a, post in bare:
            person = a.mentions.persons[post.person]
            pkey = person_keys[(a.index, person.start)]
            title = lexicon.titles.get(post.title.lower())
            if title is None and post.title.split()[0] in ("Secretary", "Deputy"):
                title = lexicon.titles.get(post.title.split(" for ")[0].lower())  # "Secretary for Youth Affairs"
            elif title is None and post.title.startswith("Minister "):
                title = Title("Minister", "other", "state")  # "Minister of Agriculture, Forestry and Fisheries"
            if title is None or (title.kind == "state") != state_pass:
                continue
            if not state_pass and delegation is not None and (
                    _LED_BY.search(_stext(doc, a.span.start, person.start)) or _PRESENT.search(a.text, a.low)):
                # "a delegation of X, led by national chairperson Ann Moyo", "accompanied by
                # Ben Dube (Secretary for Youth Affairs)": offices in the delegation's party.
                okey = delegation
                fact = Post(pkey, post.title, okey, a.text.strip(),
                            title.status == HEAD_STATUS and post.title == title.title)
                if fact not in facts.posts:
                    facts.posts.append(fact)
                    affiliation.setdefault(pkey, []).append(okey)
                continue
            if not state_pass:
                if title.status != HEAD_STATUS or home is None or any(p.person == pkey for p in facts.posts):
                    continue
                okey, head = home, True
            else:
                side = _side_of(pkey, affiliation, res)
                country = res.entities[side].country if side and side in res.entities else None
                if side and side.startswith("country/"):
                    country = side
                if country is None and not affiliation.get(pkey):
                    # A person named only by a state office ("Prime Minister Ana Lima") holds it in
                    # the other country the readout is about: the one visited or the dateline's
                    # unless it is the reporting side's own, else the foreign country named most.
                    country = paired.get(pkey, foreign)
                if country is None:
                    # No post without evidence, but a person named only by a state office acts
                    # for a country: the one visited, or the dateline's.
                    if host and host in lexicon.countries and not affiliation.get(pkey):
                        affiliation.setdefault(pkey, []).append(res.country(host))
                    continue
                okey, head = country, False
            fact = Post(pkey, post.title, okey, a.text.strip(), head)
            if fact not in facts.posts:
                facts.posts.append(fact)
                if not affiliation.get(pkey):
                    affiliation.setdefault(pkey, []).append(okey)
    _body_members(doc, analysed, res, person_keys, affiliation, delegation, home, facts)
    _plural_posts(doc, analysed, res, person_keys, affiliation, lexicon, facts)
    engagements = _engagements(readout, doc, analysed, res, person_keys, affiliation, lexicon, facts.posts)
    facts.engagements = engagements
    _short_forms(doc, readout, res)
    facts.entities = res.entities
    if not engagements:
        facts.warnings.append("no engagement found in the text")
    return facts


def _plural(word: str) -> str:
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "sh", "ch")):
        return word + "es"
    if word.endswith("man"):
        return word[:-3] + "men"
    return word + "s"


_WORD = re.compile(r"\w+")
_PLURAL_CACHE: dict[int, tuple[re.Pattern[str], dict[str, Title]]] = {}
_PLURAL_NOUNS: dict[int, tuple[str, ...]] = {}


def _plural_titles(lexicon: Lexicon) -> tuple[re.Pattern[str], dict[str, Title]]:
    """A pattern for titles in the plural ("secretaries general", "prime
    ministers", "party chairmen") and the singular title of each plural form."""
    cached = _PLURAL_CACHE.get(id(lexicon.titles))
    if cached is not None:
        return cached
    plural: dict[str, Title] = {}
    for form, title in lexicon.titles.items():
        words = form.split()
        if not words or not words[-1].isalpha():
            continue
        plural[" ".join(words[:-1] + [_plural(words[-1])])] = title
        if len(words) == 2 and words[1] == "general":
            plural[f"{_plural(words[0])} general"] = title  # "secretaries general"
    alternatives = "|".join(re.escape(p) for p in sorted(plural, key=len, reverse=True))
    _PLURAL_CACHE[id(lexicon.titles)] = result = (re.compile(rf"\b({alternatives})\b", re.I), plural)
    return result


def _plural_words(plural: dict[str, Title]) -> list[tuple[str, frozenset[str]]]:
    """The plural forms, longest first, each with its set of words."""
    key = id(plural)
    cached = _PLURAL_WORDS.get(key)
    if cached is None:
        cached = _PLURAL_WORDS[key] = [(f, frozenset(_WORD.findall(f))) for f in sorted(plural, key=len, reverse=True)]
    return cached


_PLURAL_INDEX: dict[int, tuple[object, Any]] = {}


def _plural_index(plural: dict[str, Title]) -> dict[str, list[tuple[int, str, frozenset[str]]]]:
    """Each plural form (numbered in :func:`_plural_words` order, with its words)
    filed under its longest word; a form without words, which any sentence may
    hold, under ""."""
    index: dict[str, list[tuple[int, str, frozenset[str]]]] = {}
    for n, (form, fw) in enumerate(_plural_words(plural)):
        index.setdefault(max(sorted(fw), key=len) if fw else "", []).append((n, form, fw))
    return index


def _plural_forms_in(plural: dict[str, Title], words: set[str]) -> tuple[str, ...]:
    """The plural forms (in :func:`_plural_words` order) whose every word is in
    ``words``, found through an index of each form under its longest word."""
    index = _kept_for(_PLURAL_INDEX, plural, lambda: _plural_index(plural))
    found = sorted(item for w in (words | {""}) & index.keys() for item in index[w] if item[2] <= words)
    return tuple(form for _, form, _ in found)


@lru_cache(maxsize=512)
def _plural_pattern(forms: tuple[str, ...]) -> re.Pattern[str]:
    """The plural-title pattern restricted to ``forms`` (longest first, as in :func:`_plural_titles`)."""
    return re.compile(r"\b(" + "|".join(re.escape(f) for f in forms) + r")\b", re.I) if forms else re.compile(r"(?!)")


_PLURAL_WORDS: dict[int, list[tuple[str, frozenset[str]]]] = {}


def _plural_posts(doc: Doc, analysed, res: _Resolver, person_keys, affiliation, lexicon: Lexicon,
                  facts: ReadoutFacts) -> None:
    """Offices given to a list of persons by a title in the plural: "the
    secretaries general of MPLA, Ana Lima; Frelimo, Rui Costa; and the ANC, Ben
    Dube" and "prime ministers Ana Lima of Sweden, Rui Costa of Portugal"."""
    _, plural = _plural_titles(lexicon)
    nouns = _PLURAL_NOUNS.get(id(lexicon.titles))
    if nouns is None:
        # each form's noun in the plural ("ministers" of "prime ministers", "secretaries"
        # of "secretaries general"): a form can match only where its noun occurs
        nouns = _PLURAL_NOUNS[id(lexicon.titles)] = tuple(sorted(
            {words[0] if words[-1] == "general" else words[-1] for words in map(str.split, plural)}))
    toks = _view(doc)
    for a in analysed:
        low = a.low
        if not any(noun in low for noun in nouns):
            continue  # no title in the plural: the pattern cannot match
        words = set(_WORD.findall(a.text.lower()))
        # Only the plural forms whose every word is in the sentence can match: search
        # with a pattern of those (one alternation of all 178 forms is slow to scan).
        found = _plural_pattern(_plural_forms_in(plural, words)).search(a.text)
        if not found:
            continue
        title = plural[found.group(1).lower()]
        start = a.span.start_char + found.end()
        m = a.mentions
        persons = [p for p in m.persons if doc[p.start].idx >= start]
        if not persons:
            continue
        of_list = a.text[found.end():found.end() + 5].lower().startswith(" of")
        t_start = next((t.i for t in a.span if t.idx == a.span.start_char + found.start()), None)
        # "the PA regional coordinators Ana Lima (The Americas), Rui Costa (Africa) and ..."
        owner = next((o for o in m.orgs if o.end == t_start and o.kind != "event"), None) if t_start else None
        for n, p in enumerate(persons):
            pkey = person_keys[(a.index, p.start)]
            okey = None
            if owner is not None and not of_list:
                if n and not re.fullmatch(r"\s*(?:\([^()]*\)\s*)?(?:,|and|, and)\s*",
                                          doc[persons[n - 1].end:p.start].text):
                    break  # the list has ended
                okey = res.org(doc, owner)
            elif of_list:
                # "ORG, PERSON;" - the organization right before the person
                org = next((o for o in m.orgs if o.end <= p.start and p.start - o.end <= 2
                            and o.kind != "event" and toks[o.end].text == ","), None)
                if org is not None:
                    okey = res.org(doc, org)
            elif p.end + 1 < a.span.end and toks[p.end].lower_ == "of":
                k = p.end + 1
                while k < a.span.end and toks[k].lower_ in ARTICLES:
                    k += 1
                country = next((c for c in m.countries if c[0] == k and c[2] in lexicon.countries), None)
                if country is not None:
                    okey = res.country(country[2])
            if okey is None:
                continue
            head = title.status == HEAD_STATUS and not okey.startswith("country/")
            fact = Post(pkey, title.title, okey, a.text.strip(), head)
            if fact not in facts.posts:
                facts.posts.append(fact)
                affiliation.setdefault(pkey, []).append(okey)


_BODY_MEMBERS = _Keyed(re.compile(r"\b(politburo|political bureau|central committee|presidium|secretariat|"
                           r"national executive committee|central executive committee)\s+members\b", re.I), "members")


def _body_members(doc: Doc, analysed, res: _Resolver, person_keys, affiliation, delegation: str | None,
                  home: str | None, facts: ReadoutFacts) -> None:
    """"accompanied by politburo members Ann Moyo, Ben Dube and ...": each is a
    Member of that body of their party (the delegation's, else the reporting side's)."""
    for a in analysed:
        found = _BODY_MEMBERS.search(a.text, a.low)
        if not found:
            continue
        start = a.span.start_char + found.end()
        persons = [p for p in a.mentions.persons if doc[p.start].idx >= start]
        if not persons:
            continue
        keys = [person_keys[(a.index, p.start)] for p in persons]
        party = delegation or next((_top_org(o, res) for k in keys for o in affiliation.get(k, [])), None) or home
        if party is None or party not in res.entities or res.entities[party].kind != "party":
            continue
        body_name = found.group(1)
        owner = res.entities[party]
        short = min((f for f in owner.aliases | {owner.name} if f.replace("-", " ").isupper() or " " not in f),
                    key=len, default=owner.name)
        body = res.add(Entity("partybody", f"{short} {body_name.title()}", parent=party), body_name)
        for p, key in zip(persons, keys):
            between = doc[persons[0].start:p.start].text
            if ";" in between:
                break
            fact = Post(key, "Member", body, a.text.strip(), False)
            if fact not in facts.posts:
                facts.posts.append(fact)
                affiliation.setdefault(key, []).append(body)


_GUEST_VISIT = _Keyed(re.compile(r"\bvisiting delegation\b|\b(?:their|his|her|the) visit (?:would|will|is|was)\b"
                          r"|\bpleased to (?:visit|be visiting)\b|\bdelegation(?:'s|’s)? (?:visit|stay|tour)\b"
                          r"|\b(?:welcom\w+) the (?:[A-Z]\w+ )?(?:delegates|delegation|guests?) to\b", re.I),
                      "visiting delegation", "visit would", "visit will", "visit is", "visit was", "pleased to",
                      "delegation visit", "delegation stay", "delegation tour", "delegation's", "delegation’s",
                      "welcom")


def _guest_visit(readout: Readout, analysed, out: list[Engagement], res: _Resolver, affiliation,
                 lexicon: Lexicon) -> None:
    """A delegation received at home ("received a delegation of the X headed by
    Y" ... "the visiting delegation", "their visit", "welcoming the Chinese
    delegates to Vietnam") is on a visit to the host country, when the text
    reports no visit of its own: Y's visit, undated."""
    if not out or any(e.type == "Visit" for e in out):
        return
    host = _dateline_country(readout, lexicon)
    said = next((a for a in analysed if _GUEST_VISIT.search(a.text, a.low)), None)
    if host is None or said is None:
        return
    home = res.country(host)
    for e in out:
        if e.type not in ("Meeting", "Talks"):
            continue
        for guest in e.participants[1:]:
            side = _side_of(guest, affiliation, res)
            country = (res.entities[side].country if side and side in res.entities else None)
            if side and country and country != home:
                out.append(Engagement(len(out), "Visit", said.text.strip(), None, home, [guest], [side],
                                      [], [], side))
                return


def _party_committees(readout: Readout, out: list[Engagement], res: _Resolver, lexicon: Lexicon) -> None:
    """"A delegation of the Party Committee of the Provincial Agencies" ... "the
    Vietnamese delegation": a party committee the text does not tie to a party
    belongs to the one party of the country its delegation is called after."""
    orphans = [k for e in out for k in e.organizations if k in res.entities and res.entities[k].parent is None
               and res.entities[k].kind != "party" and "Party Committee" in res.entities[k].name]
    if not orphans:
        return
    countries = {res.country(name) for word in re.findall(r"\b([A-Z][a-z]+) delegation\b", readout.text)
                 if (name := lexicon.country_by_demonym.get(word.lower()))}
    parties = {k for k, ent in res.entities.items() if ent.kind == "party" and ent.country in countries}
    if len(countries) != 1 or len(parties) != 1:
        return
    party = parties.pop()
    for key in orphans:
        res.entities[key].parent = party
    for e in out:
        e.organizations = list(dict.fromkeys(party if k in orphans else k for k in e.organizations))
        if e.reporter in orphans:
            e.reporter = party


def _hosts_country(out: list[Engagement], res: _Resolver, lexicon: Lexicon) -> None:
    """The hosts a delegation meets on a visit to a country belong to that country
    (the parties and assemblies it meets there), when nothing else gives theirs."""
    visits = [e for e in out if e.type == "Visit" and e.location and e.location.startswith("country/")]
    if len(visits) != 1:
        return
    visit = visits[0]
    country = visit.location or ""  # a visit to a country (above)
    cities = {c.lower() for c in (lexicon.countries[res.entities[country].name].cities
                                  if res.entities[country].name in lexicon.countries else ())}
    for e in out:
        if e is visit or e.type not in IN_PERSON or not e.location:
            continue
        place = res.entities[e.location].name.lower() if e.location in res.entities else ""
        if e.location != country and place not in cities and place != (
                lexicon.countries[res.entities[country].name].capital.lower()
                if res.entities[country].name in lexicon.countries else ""):
            continue
        for org in e.organizations:
            ent = res.entities.get(org)
            if (ent is not None and org not in visit.organizations and ent.country is None
                    and ent.parent is None and ent.kind in ("party", "govbody")):
                ent.country = country


def _own_country(home: str | None, res: _Resolver, lexicon: Lexicon) -> str | None:
    """The country of the reporting side: its organization's, or the one its name
    names ("National Committee of the Chinese People's ...")."""
    if not home or home not in res.entities:
        return None
    ent = res.entities[home]
    if ent.country:
        return ent.country
    if home.startswith("country/"):
        return home
    for word in re.findall(r"[A-Z][\w'’-]+", ent.name):
        name = lexicon.country_by_demonym.get(word.lower()) or lexicon.country_by_form.get(word.lower())
        if name:
            return res.country(name)
    return None


_LED_BY = re.compile(r"\bdelegation\b.*\b(?:led|headed)\s+by(?:\s+[\w'’-]+){1,5}\s*$", re.I)


def _delegation_org(doc: Doc, analysed, res: _Resolver) -> str | None:
    """The organization of the delegation a readout tells of: the first
    "delegation of/from [the] ... ORG" (within a few words), top level."""
    for a in analysed:
        toks = _view(doc)
        for k in range(a.span.start, a.span.end - 2):
            if toks[k].lower_ == "delegation" and toks[k + 1].lower_ in ("of", "from"):
                org = next((o for o in a.mentions.orgs if k + 1 < o.start <= k + 9
                            and o.kind in ("party", "international", "org", "gov")), None)
                if org is not None:
                    return _top_org(res.org(doc, org), res)
        for o in a.mentions.orgs:
            # "An African National Congress (ANC) delegation"
            end = o.end + (3 if o.acronym and toks[o.end].text == "(" else 0)
            if (end < a.span.end and toks[end].lower_ == "delegation"
                    and o.kind in ("party", "international", "org", "gov")):
                return _top_org(res.org(doc, o), res)
    return None


def _provisional_home(analysed, person_keys, affiliation, res: _Resolver, use_lead: bool = True) -> str | None:
    """The party the readout reports from: the side of the first titled person
    of the lead, else the first party named in the body."""
    lead = next((a for a in analysed[:2] if a.mentions.persons), None) if use_lead else None
    if lead is not None:
        side = _side_of(person_keys[(lead.index, lead.mentions.persons[0].start)], affiliation, res)
        if side and res.entities[side].kind == "party":
            return side
    parties = [key for key, ent in res.entities.items() if ent.kind == "party"]
    # A party of the dateline's country ("Hanoi (VNA)" -> the Vietnamese party).
    home_country = _dateline_country(analysed[0].readout, res.lexicon) if analysed else None
    if home_country:
        ckey = f"country/{res.lexicon.countries[home_country].slug}"
        local = [k for k in parties if res.entities[k].country == ckey]
        if local:
            return local[0]
    # Else the party of the country the text speaks of most ("Vietnam", "Vietnamese").
    if parties and analysed:
        low = analysed[0].readout.text.lower()

        def mentions(key: str) -> int:
            c = res.entities[key].country
            if not c:
                return 0
            country = res.entities[c].name
            forms = {f.lower() for f in (country, *res.lexicon.countries[country].forms,
                                         *res.lexicon.countries[country].demonyms) if len(f) > 3}
            return sum(len(re.findall(r"\b" + re.escape(f) + r"\b", low)) for f in forms)

        return max(parties, key=lambda k: (mentions(k), -parties.index(k)))
    return None


def _visited_country(doc: Doc, analysed, lexicon: Lexicon) -> str | None:
    for a in analysed:
        for c in _triggers(doc, a.span):
            if c[2] == "Visit":
                for start, _end, name in a.mentions.countries:
                    if start >= c[1] and doc[start].text[:1].isupper() and name in lexicon.countries:
                        return name
    return None


def _dateline_country(readout: Readout, lexicon: Lexicon) -> str | None:
    if not readout.dateline_place:
        return None
    low = readout.dateline_place.lower()
    return lexicon.city_country.get(low) or lexicon.country_by_form.get(low)


def _short_forms(doc: Doc, readout: Readout, res: _Resolver) -> None:
    """Surname-only and title-line forms ("Liu said", "Xi congratulates
    Thongloun") become aliases of the full name they stand for."""
    starts = {s.start for s in doc.sents}
    toks = _view(doc)
    for i, tok in enumerate(toks):
        if tok.is_title and tok.text in res.surnames:
            prev = toks[i - 1] if i > 0 else None
            nxt = toks[i + 1] if i + 1 < len(toks) else None
            if (prev is not None and prev.is_title and prev.whitespace_ and prev.text not in res.surnames
                    and i - 1 not in starts) or (nxt is not None and nxt.is_title and tok.whitespace_ and nxt.text in res.surnames):
                continue  # part of a longer name
            res.entities[res.surnames[tok.text]].aliases.add(tok.text)


def _top_org(key: str, res: _Resolver) -> str:
    seen = set()
    while key in res.entities and res.entities[key].parent and key not in seen:
        seen.add(key)
        parent = res.entities[key].parent
        if parent is None:
            break
        key = parent
    return key


def _side_of(person: str, affiliation: dict[str, list[str]], res: _Resolver) -> str | None:
    orgs = affiliation.get(person, [])
    ranked = sorted(
        ({_top_org(o, res) for o in orgs}),
        key=lambda k: ({"party": 0, "international": 1, "partybody": 2, "govbody": 3, "organization": 4, "country": 5}
                       .get(res.entities[k].kind, 6), k),
    )
    return ranked[0] if ranked else None


def _cues(doc: Doc, sent: Span) -> list[tuple[int, int, str, str]]:
    found = []
    for span in spans_in(doc, sent.start, sent.end, "CUE"):
        if True:
            etype, role = span.id_.split("|")
            found.append((span.start, span.end, etype, role))
    # Longest match per start; drop cues inside longer cues.
    found.sort(key=lambda c: (c[0], -(c[1] - c[0])))
    kept: list[tuple[int, int, str, str]] = []
    for c in found:
        if kept and c[0] < kept[-1][1]:
            continue
        kept.append(c)
    return kept


def _triggers(doc: Doc, s: Span, lead: bool = False, mentions: Mentions | None = None) -> list[tuple[int, int, str, str]]:
    """The cues in a sentence that report an engagement, in order: verb cues,
    and noun cues after a light verb ("held a video call", "attended the forum").
    A cue word inside an organization's name ("... Consultative Conference") is none."""
    cues = _cues(doc, s)
    if mentions is not None:
        inside = [(o.start, o.end) for o in mentions.orgs if o.kind != "event"]
        cues = [c for c in cues if not any(a <= c[0] and c[1] <= b for a, b in inside)]
        # A named congress ("the 20th CPC National Congress") is an event the readout
        # reports only when someone takes part in it.
        events = [(o.start, o.end) for o in mentions.orgs if o.kind == "event"]
        def reported(c) -> bool:
            start, end = next((a, b) for a, b in events if a <= c[0] and c[1] <= b)
            if _BACKDROP.search(_stext(doc, max(s.start, start - 4), start)):
                return False  # "since the 20th CPC National Congress"
            return (_partakes(doc, s, c[0])
                    or bool(_PASSIVE_EVENT.match(_stext(doc, end, min(s.end, end + 20)))))

        cues = [c for c in cues if not any(a <= c[0] and c[1] <= b for a, b in events) or reported(c)]
    mode = next((c for c in cues if c[3] == "mode"), None)
    toks = _view(doc)
    out = []
    for c in cues:
        if c[3] == "verb" or (c[3] == "lead" and lead):
            out.append(c)
        elif (c[3] == "noun" and c[2] != "Forum" and c[0] - (o := _opening(doc, s)) <= 3
              and doc[o].lower_ in ("in", "during")):
            out.append(c)  # "In a phone conversation with X on Tuesday, Y said ..."
        elif c[3] == "noun" and any(t.lower_ in _LIGHT_VERBS
                                    for t in toks[max(s.start, c[0] - (6 if c[2] == "Correspondence" else 4)):c[0] + 1]):
            out.append(c)
        elif c[2] == "Forum" and c[3] == "noun" and (
                _partakes(doc, s, c[0])
                or (c[0] - 2 >= s.start and doc[c[0] - 2].lower_ == "today" and doc[c[0] - 1].lower_ in ("'s", "’s"))
                or _PASSIVE_EVENT.match(_stext(doc, c[1], min(s.end, c[1] + 20)))):
            # "took part in the ... board meeting", "the roundtable was held here today"
            out.append(c)
    # A forum noun names an event only as "the/a ... forum" or as part of a name
    # ("close dialogue" is no event); one sentence reports one forum.
    kept: list[tuple[int, int, str, str]] = []
    for c in out:
        if c[2] == "Forum" and c[3] == "noun":
            named = doc[c[0]].text[:1].isupper()
            before = list(_clause_before(doc, s, c[0], 9))
            arts = [n for n, t in enumerate(before) if t.lower_ in ("the", "a", "an")]
            article = (bool(arts) and all(_EVENT_MODIFIER(t) for t in before[arts[-1] + 1:])) or (
                len(before) >= 2 and before[-2].lower_ == "today" and before[-1].lower_ in ("'s", "’s"))
            if not (named or article) or any(k[2] == "Forum" for k in kept):
                continue
        kept.append(c)
    out = kept
    # A call noun anywhere in the sentence ("held talks via video link") sets the manner.
    typed = []
    for c in out:
        etype = c[2]
        if etype in ("Meeting", "Talks") and mode is not None:
            etype = mode[2]
        typed.append((c[0], c[1], etype, c[3]))
    return typed


def _in_org(cue: tuple[int, int, str, str], m: Mentions) -> bool:
    """A cue word inside a party's or other organization's name ("African National
    Congress"); a body's name ("the SI Council") may name the event itself."""
    return any(o.start <= cue[0] and cue[1] <= o.end for o in m.orgs if o.kind not in ("event", "body"))


def _opening(doc: Doc, s: Span) -> int:
    """The first token of a sentence's own words: after a dateline ("BEIJING,
    June 4 (Xinhua) --") when the sentence starts with one."""
    for k in range(s.start, min(s.end, s.start + 14)):
        if doc[k].text in ("--", "—", "–") or (doc[k].text == "-" and doc[k].whitespace_):
            return k + 1 if k + 1 < s.end else s.start
    return s.start


def _EVENT_MODIFIER(t) -> bool:  # noqa: N802 - reads as a predicate on tokens
    """Words that may stand between "the" and a forum noun: names, numbers, event adjectives."""
    return (t.text[:1].isupper() or t.like_num or t.text in ("-", "(", ")", "'s", "’s")
            or t.lower_ in {"first", "second", "third", "fourth", "fifth", "annual", "high", "level", "online",
                            "virtual", "international", "party", "parties", "political", "opening", "closing",
                            "thematic", "special", "joint", "board", "plenary", "inaugural", "regional",
                            "global", "world", "bilateral", "multilateral", "roundtable", "ministerial", "theoretical",
                            "research", "communist", "workers", "leaders", "cadre", "training", "study"})


def _asides(doc: Doc, s: Span) -> list[tuple[int, int]]:
    """Token ranges of "on behalf of ..." phrases and ", who ..." clauses (to the next comma)."""
    out = []
    view = _view(doc)
    for k in range(s.start, s.end):
        t = view[k]
        start = None
        if t.lower_ == "behalf" and k + 1 < s.end and view[k + 1].lower_ == "of":
            start = k
        elif t.lower_ == "who" and k > s.start and view[k - 1].text == ",":
            start = k
        if start is not None:
            end = start + 1
            while end < s.end and view[end].text not in (",", ";", "."):
                end += 1
            out.append((start, end))
    return out


def _merge_twin(eng: Engagement, out: list[Engagement], captioned: list[Engagement], caption: bool,
                visit: Engagement | None) -> tuple[bool, Engagement | None]:
    """Whether ``eng`` repeats an engagement already in ``out`` (then it is not
    added). A body retelling what a photo caption said first replaces the
    caption's account. Returns (handled, the current visit)."""
    twin = next((o for o in out if _same(eng, o)), None)
    if twin is None:
        return False, visit
    if twin in captioned and not caption:
        out[out.index(twin)] = eng
        captioned.remove(twin)
        eng.index = twin.index
        return True, (eng if twin is visit else visit)
    return True, visit


def _is_reference(doc: Doc, trigger, s: Span) -> bool:
    """"his meeting with", "the talks with": a noun phrase pointing back at an engagement."""
    first = doc[trigger[0]].lower_
    return (first in ("meeting", "meetings", "talks") and trigger[0] > s.start
            and doc[trigger[0] - 1].lower_ in ("his", "her", "their", "its", "the", "this", "that", "these"))


def _partakes(doc: Doc, s: Span, pos: int) -> bool:
    """A verb of taking part before ``pos`` in its clause ("attended the ...",
    "spoke at the ..."; a bare "speaking highly of" is not)."""
    for t in _clause_before(doc, s, pos, 16):
        if t.lower_ in _PARTAKE:
            if t.lower_ in ("speaks", "spoke", "speaking") and not (t.i + 1 < len(doc) and doc[t.i + 1].lower_ == "at"):
                continue
            return True
    return False


def _clause_before(doc: Doc, s: Span, pos: int, width: int):
    """Up to ``width`` tokens before ``pos`` in the same clause (stops at , ; :)."""
    k = pos - 1
    while k >= max(s.start, pos - width) and doc[k].text not in (",", ";", ":"):
        k -= 1
    return doc[k + 1:pos]


def _delegation_side(doc: Doc, start: int, stop: int, m: Mentions, res: _Resolver, lexicon: Lexicon) -> str | None:
    for k in range(start, min(stop, start + 6)):
        if doc[k].lower_ in ("delegation", "delegations", "guests", "visitors"):
            for c0, c1, country in m.countries:
                if start <= c0 < k and country in lexicon.countries:
                    ckey = f"country/{lexicon.countries[country].slug}"
                    parties = [key for key, ent in res.entities.items() if ent.kind == "party" and ent.country == ckey]
                    if parties:
                        return parties[0]
    return None


def _head_of(org: str, posts_by_org: dict[str, list[tuple[str, bool]]], res: _Resolver,
             heads_only: bool = False) -> str | None:
    """The highest-ranking person the readout gives a post in ``org`` (or a body
    of it); with ``heads_only``, only one holding its top office (a message to a
    party goes to its leader, not to whoever the text names in it)."""
    holders = [(not head, person) for o, lst in posts_by_org.items() if _top_org(o, res) == org
               for person, head in lst if head or not heads_only]
    return sorted(holders)[0][1] if holders else None


def _engagements(readout, doc, analysed, res, person_keys, affiliation, lexicon, posts=()) -> list[Engagement]:
    posts_by_org: dict[str, list[tuple[str, bool]]] = {}
    for p in posts:
        posts_by_org.setdefault(p.organization, []).append((p.person, p.head))
    out: list[Engagement] = []
    visit: Engagement | None = None
    invited_by: str | None = None
    forums: dict[str, Engagement] = {}
    captioned: list[Engagement] = []
    for a in analysed:
        s, m = a.span, a.mentions
        text = a.text
        inv = _INVITATION.search(text, a.low)
        if inv:
            after = [o for o in m.orgs if doc[o.start].idx - s.start_char >= inv.end() and o.kind != "event"]
            if after:
                invited_by = res.org(doc, after[0])
        if (visit is not None and re.search(r"\bdelegation\b", text)
                and (led := re.search(r"\b(?:headed|led) by\b", text))):
            # "The delegation, headed by X, began the visit on Saturday."
            lead_by = led.end()
            leader = next((p for p in m.persons if doc[p.start].idx - s.start_char >= lead_by), None)
            if leader is not None and not visit.participants:
                visit.participants.append(person_keys[(a.index, leader.start)])
        if (out and re.search(r"\bdelegation\b", text) and re.search(r"\b(?:is|was) (?:headed|led) by\b", text)
                and (led := re.search(r"\b(?:headed|led) by\b", text))):
            # "The Chinese delegation is led by X": X is the counterpart the meeting lacked.
            lead_by = led.end()
            leader = next((p for p in m.persons if doc[p.start].idx - s.start_char >= lead_by), None)
            last = out[-1]
            if leader is not None and len(last.participants) < len(last.organizations):
                key = person_keys[(a.index, leader.start)]
                if key not in last.participants:
                    last.participants.append(key)
        if visit is not None and visit.date is None and re.search(r"\b(?:began|started|begun|arrived)\b", text):
            visit.date = _date_of(readout, s, a.index)
        triggers = _triggers(doc, s, lead=a.index == 0 or (not out and a.index <= 2), mentions=m)
        told = _TOLD.search(text, a.low)
        if told:
            # "After the war, she recalled, the president visited China": what a speaker
            # tells of the past is background, not an engagement of this readout.
            triggers = [t for t in triggers if doc[t[0]].idx - s.start_char < told.start()]
        caption = bool(_CAPTION.search(_paragraph(doc, s)))
        if not triggers:
            continue
        first = triggers[0][0]
        # Persons named "on behalf of" someone, or in a relative clause ("who conveyed
        # greetings from ..."), are not the principals of this sentence.
        aside = _asides(doc, s)
        m_persons = [p for p in m.persons if not any(a0 <= p.start < a1 for a0, a1 in aside)]
        subj_persons = [p for p in m_persons if p.end <= first]
        subj_orgs = [o for o in m.orgs if o.end <= first and o.kind != "event"]
        subject = None
        if subj_persons:
            subject = person_keys[(a.index, subj_persons[0].start)]
        else:
            # Surname-only subject ("Liu met with ..."), or a pronoun for the last principal.
            for tok in doc[s.start:first]:
                if tok.text in res.surnames:
                    subject = res.surnames[tok.text]
                    break
                if tok.lower_ in ("he", "she") and out and out[-1].participants and not subj_orgs:
                    subject = out[-1].participants[0]
                    break
                # "the delegation met respectively with ...": the visiting delegation's leader.
                if tok.lower_ in ("delegation", "delegations") and visit is not None and visit.participants:
                    subject = visit.participants[0]
                    break
                if (tok.lower_ == "delegation" or (tok.lower_ == "it" and tok.i == s.start)) and visit is None:
                    # "The delegation arrived in Hanoi on Monday", "It was received today by ...":
                    # its leader, met or named before
                    guests = _delegation_org(doc, analysed, res)
                    subject = next((p for e in out for p in e.participants
                                    if guests and _side_of(p, affiliation, res) == guests), None)
                    if subject is None and guests:
                        subject = next((key for (i, _), key in sorted(person_keys.items())
                                        if i < a.index and _side_of(key, affiliation, res) == guests), None)
                    if subject is not None:
                        break
            if (subject is None and not subj_orgs and visit is not None and visit.participants
                    and triggers[0][2] in ("Meeting", "Talks") and doc[s.start].lower_ in ("at", "during", "in")):
                # "At the session with X, ...": the visiting delegation's leader met X.
                subject = visit.participants[0]
        sides: list[str] = []
        if subject:
            side = _side_of(subject, affiliation, res)
            if side is None and subj_persons and (party := next(
                    (o for o in subj_orgs if o.end <= subj_persons[0].start and o.kind in ("party", "international")),
                    None)) is not None:
                # "a delegation of the X Party, led by Ann Moyo, met ...": she acts for it
                side = _top_org(res.org(doc, party), res)
                affiliation.setdefault(subject, []).append(side)
            if side:
                sides.append(side)
        elif subj_orgs:
            sides.append(_top_org(res.org(doc, subj_orgs[0]), res))
            for prev, nxt in zip(subj_orgs, subj_orgs[1:]):
                # "Kenya's ruling UDA and the CPC held a seminar": both are sides
                if all(t.lower_ in ("and", ",", "the", "(", ")") or t.text == prev.acronym
                       for t in doc[prev.end:nxt.start]):
                    side = _top_org(res.org(doc, nxt), res)
                    if side not in sides:
                        sides.append(side)
                else:
                    break
        reporter = sides[0] if sides else None
        date = _date_of(readout, s, a.index, next((e.date for e in reversed(out) if e.date and e.type != "Visit"), None))
        for n, trigger in enumerate(triggers):
            stop = triggers[n + 1][0] if n + 1 < len(triggers) else s.end
            etype = trigger[2]
            principals: list[str] = [subject] if subject else []
            if etype == "Forum" and any(t[2] == "Correspondence" for t in triggers[:n]):
                principals = []  # "sent a message to the seminar": the sender is not at the forum
            obj_persons = [p for p in m_persons if trigger[1] <= p.start < stop
                           and not _MOURNED.search(doc[trigger[1]:p.start].text)]
            if (etype == "Meeting" and subject is None and subj_orgs and not subj_persons
                    and re.match(r"(?:the\s+)?(?:Council|Congress|Conference|General Assembly)\b", subj_orgs[0].text)):
                etype = "Forum"  # "The Council of the Socialist International met in Madrid": a forum
            obj_orgs = [o for o in m.orgs if trigger[1] <= o.start < stop and o.kind != "event"]
            if (n == 0 and not principals and etype in ("Meeting", "Talks", "PhoneCall", "VideoCall")
                    and trigger[0] - _opening(doc, s) <= 3
                    and doc[_opening(doc, s)].lower_ in _PARTICIPLES):
                # "Addressing a meeting with officials of X, Ann Moyo said ...": the participle's
                # subject is the first person after the clause; the counterparts are inside it.
                comma = next((t.i for t in doc[trigger[1]:stop] if t.text == ","), None)
                after = [p for p in obj_persons if comma is not None and p.start > comma]
                named = next((t for t in doc[comma + 1:min(stop, comma + 4)] if t.text in res.surnames),
                             None) if comma is not None else None
                if not after and named is not None:
                    principals = [res.surnames[named.text]]  # "..., Nkosi said"
                    side = _side_of(principals[0], affiliation, res)
                    sides = [side] if side else []
                    obj_persons = [p for p in obj_persons if p.start < comma]
                    obj_orgs = [o for o in obj_orgs if o.start < comma]
                elif after and comma is not None and not any(
                        doc[k].lower_ in ("and", "with") for k in range(comma + 1, after[0].start)):
                    principals = [person_keys[(a.index, after[0].start)]]
                    side = _side_of(principals[0], affiliation, res)
                    sides = [side] if side else []
                    obj_persons = [p for p in obj_persons if p.start < comma]
                    obj_orgs = [o for o in obj_orgs if o.start < comma]
            ours = (etype == "Visit" and trigger[0] - 2 >= s.start and doc[trigger[0] - 1].lower_ in ("'s", "’s")
                    and doc[trigger[0] - 2].lower_ == "delegation")  # "the delegation's visit to Peru"
            during = trigger[0] - 2 >= s.start and doc[trigger[0] - 2].lower_ in ("during", "on") and doc[
                trigger[0] - 1].lower_ in ("its", "their")  # "held talks during its working trip to Russia"
            if etype == "Visit" and not ours and not during and (
                    any(t.lower_ in _BACKGROUND_VISIT for t in doc[max(s.start, trigger[0] - 3):trigger[0]])
                    or re.match(r"\s*(?:\w+\s+){0,4}(?:last|earlier this)\s+(?:week|month|year)", doc[trigger[1]:stop].text)):
                continue  # "his visit", "the leader's recent visit", "a visit ... last month": background
            if etype == "Visit":
                # "received Tang Wenbo, who is paying a visit to Peru": the visitor is
                # the person the relative clause hangs on.
                who = [t.i for t in doc[max(s.start, trigger[0] - 8):trigger[0]] if t.lower_ == "who"]
                which = [t.i for t in doc[max(s.start, trigger[0] - 8):trigger[0]] if t.lower_ == "which"
                         and t.i - 2 >= s.start and doc[t.i - 1].text == "," and doc[t.i - 2].lower_ == "delegation"]
                v_date = date
                if which and not who:
                    # "Vinh welcomed the delegation, which is paying a working visit to Vietnam": its leader
                    guests = _delegation_org(doc, analysed, res)
                    leader = next((p for e in out for p in e.participants
                                   if guests and _side_of(p, affiliation, res) == guests), None)
                    if leader is not None and guests:
                        clause = find_day_mentions(doc[trigger[1]:stop].text, readout.reference_date)
                        v_date = clause[0].value if clause else None
                        principals = [leader]
                        sides = [guests]
                if who:
                    before = [p for p in m.persons if p.end <= who[-1]]
                    visitor = person_keys[(a.index, before[-1].start)] if before else None
                    if visitor is None and who[-1] - 2 >= s.start and doc[who[-1] - 1].text == ",":
                        # "Tang welcomed Lima, who heads a party delegation touring China"
                        visitor = res.surnames.get(doc[who[-1] - 2].text)
                    if visitor is None:
                        # "The Mexican guest, who is visiting Laos ...": the principal named
                        # earlier whose side belongs to that country.
                        demonyms = [c[2] for c in m.countries if c[1] <= who[-1]]
                        for e in out:
                            for p in e.participants:
                                side = _side_of(p, affiliation, res)
                                c = res.entities[side].country if side and side in res.entities else None
                                if visitor is None and c and res.entities[c].name in demonyms:
                                    visitor = p
                    if visitor is not None:
                        clause = find_day_mentions(doc[trigger[1]:stop].text, readout.reference_date)
                        v_date = clause[0].value if clause else None  # the sentence's day is the host's
                        principals = [visitor]
                        side = _side_of(visitor, affiliation, res)
                        sides_v = [side] if side else []
                    else:
                        sides_v = list(sides)
                else:
                    sides_v = list(sides)
                if ours or (n > 0 and doc[trigger[0]].lower_ not in ("visited", "visits")):
                    # "held talks on May 3 ... during its working trip to Peru": the day is the talks'
                    clause = find_day_mentions(doc[trigger[1]:stop].text, readout.reference_date)
                    v_date = clause[0].value if clause else None
                    speaker = [p for p in m_persons if p.end <= trigger[0]]
                    if not principals and speaker:
                        # "Addressing a meeting, Ann Moyo said the delegation's visit to Peru ..."
                        principals = [person_keys[(a.index, speaker[-1].start)]]
                        side = _side_of(principals[0], affiliation, res)
                        sides_v = [side] if side else []
                dest = next((c for c in m.countries if trigger[1] <= c[0] < stop and c[2] in lexicon.countries
                             and doc[c[0]].text[:1].isupper() and c[2] == lexicon.country_by_form.get(doc[c[0]:c[1]].text.lower(), "")), None)
                if dest is None and trigger[1] < stop:
                    # "arrived in Pyongyang on Monday": the country of the city; "arrived here": the dateline's
                    city = next((c for c in m.cities if trigger[1] <= c[0] <= trigger[1] + 1), None)
                    name = (lexicon.city_country.get(city[2].lower()) if city is not None else
                            _dateline_country(readout, lexicon) if doc[trigger[1] - 1].lower_ == "here" else None)
                    if name:
                        dest = (trigger[1], trigger[1], name)
                if dest is None:
                    continue
                v_sides = sides_v
                if not principals and obj_persons:
                    principals.append(person_keys[(a.index, obj_persons[0].start)])
                    side = _side_of(principals[0], affiliation, res)
                    if side and side not in v_sides:
                        v_sides.append(side)
                if invited_by and _top_org(invited_by, res) not in v_sides:
                    v_sides.append(_top_org(invited_by, res))
                if not v_sides:
                    continue
                eng = Engagement(len(out), "Visit", text.strip(), v_date,
                                 res.country(dest[2], doc[dest[0]:dest[1]].text if dest[1] > dest[0] else None),
                                 principals, v_sides, [], [], reporter)
                same_trip = next((o for o in out if o.type == "Visit" and o.location == eng.location), None)
                if same_trip is not None:
                    # "said during a visit to Peru" ... "Tang paid an official visit to Peru from
                    # Saturday to Monday": one visit, told twice; the fuller account wins.
                    if len(eng.participants) > len(same_trip.participants):
                        eng.index = same_trip.index
                        eng.organizations += [o for o in same_trip.organizations if o not in eng.organizations]
                        out[out.index(same_trip)] = eng
                        if visit is same_trip:
                            visit = eng
                    continue
                handled, visit = _merge_twin(eng, out, captioned, caption, visit)
                if handled:
                    continue
                visit = eng
                out.append(eng)
                if caption:
                    captioned.append(eng)
                continue
            counter = [person_keys[(a.index, p.start)] for p in obj_persons]
            if not counter and n == 0 and len(subj_persons) > 1 and doc[trigger[0]].lower_ in ("held", "hold", "holds", "had", "exchanged"):
                # "X, ..., and Y, ..., held talks": a coordinated subject holds the engagement together.
                counter = [person_keys[(a.index, p.start)] for p in subj_persons[1:]
                           if _view(doc)[p.start - 1].lower_ == "and" or _view(doc)[p.start - 2].text == ","]
            counter = [c for c in dict.fromkeys(counter) if c not in principals]
            if (not principals and counter and visit is not None and visit.participants
                    and visit.participants[0] not in counter and re.match(
                        r"\s*(?:the|this)\s+(?:[A-Z]\w+\s+)?delegation\b", doc[trigger[1]:stop].text)):
                # "Receiving the Vietnamese delegation, X said": X met the visiting delegation's leader
                principals = [visit.participants[0]]
                sides = [o for o in visit.organizations[:1]]
            distinct = len({_side_of(c, affiliation, res) for c in counter}) == len(counter)
            region = doc[trigger[1]:stop].text
            per_org: list[OrgMention] = []
            if not counter and re.search(r"s$", doc[trigger[1] - 1].lower_) and doc[trigger[1] - 1].lower_ != "talks":
                # "held working sessions with leaders of the KPRF and the UR": one with each party
                per_org = [o for o in obj_orgs if o.kind in ("party", "international")]
            if len(counter) > 1 and (_SEPARATE.search(text) or ";" in region or (visit is not None and distinct)):
                groups = [[c] for c in counter]
            else:
                groups = [counter]
            if len(per_org) > 1:
                groups = [[] for _ in per_org]
            group_org: list[OrgMention | None] = [per_org[g] if len(per_org) > 1 else None
                                                  for g in range(len(groups))]
            if counter and _SEPARATE.search(text) and len(per_org) <= 1:
                # "met separately with a delegation of X led by A, and a delegation of Y": Y too
                covered = {_side_of(c, affiliation, res) for c in counter}
                for o in obj_orgs:
                    if o.kind == "party" and _top_org(res.org(doc, o), res) not in covered and not any(
                            p.start > o.end and p.start - o.end <= 4 for p in obj_persons):
                        groups = [g for g in groups] if len(groups) > 1 else [[c] for c in counter]
                        group_org = [None] * len(groups)
                        groups.append([])
                        group_org.append(o)
                        covered.add(_top_org(res.org(doc, o), res))
            all_obj_orgs = obj_orgs
            for g_index, group in enumerate(groups):
                obj_orgs = [group_org[g_index]] if group_org[g_index] is not None else all_obj_orgs
                e_sides = list(sides)
                for c in group:
                    side = _side_of(c, affiliation, res)
                    if side is None:
                        # "a delegation of X headed by Y": Y acts for X.
                        start = next(p.start for p in obj_persons if person_keys[(a.index, p.start)] == c)
                        prior = [o for o in obj_orgs if o.end <= start]
                        if prior:
                            side = _top_org(res.org(doc, prior[-1]), res)
                            affiliation.setdefault(c, []).append(side)
                    if side and side not in e_sides:
                        e_sides.append(side)
                if not group:
                    for o in obj_orgs[:3]:
                        side = _top_org(res.org(doc, o), res)
                        if side not in e_sides:
                            e_sides.append(side)
                    # "held talks with the delegation" during a visit: the visitors.
                    if len(e_sides) < 2 and visit is not None and re.search(
                            r"\b(?:the|this)\s+(?:[A-Z]\w+\s+)?delegation\b", doc[trigger[1]:min(stop, trigger[1] + 5)].text):
                        e_sides += [o for o in visit.organizations[:1] if o not in e_sides]
                        group = group + [p for p in visit.participants[:1] if p not in principals]
                    # "received the Spanish delegation": the party of that country named in the text.
                    if len(e_sides) < 2:
                        side = _delegation_side(doc, trigger[1], stop, m, res, lexicon)
                        if side and side not in e_sides:
                            e_sides.append(side)
                    # ... and the delegation's head, where the text names one (not for a named event).
                    event = any(c[2] == "Forum" and trigger[1] <= c[0] < stop and not _in_org(c, m)
                                for c in _cues(doc, s))
                    for side in ([] if event else e_sides[1:]):
                        head = _head_of(side, posts_by_org, res, heads_only=etype == "Correspondence")
                        if head and head not in principals and head not in group:
                            group = group + [head]
                if etype == "Correspondence" and not group and len(e_sides) < 2 and forums:
                    # "sent a video message to the forum": the message goes to the forum's host.
                    host = next(iter(forums.values())).organizations[:1]
                    e_sides += [h for h in host if h not in e_sides]
                to_forum = etype == "Correspondence" and any(c[2] == "Forum" and trigger[1] <= c[0] < trigger[1] + 12
                                                             for c in _cues(doc, s))
                if not group and len(e_sides) < 2 and etype != "Forum" and not (to_forum and e_sides):
                    continue
                if etype == "Forum" and not principals and any(t[2] == "Correspondence" for t in triggers[:n]):
                    e_sides = []
                if not principals and not group and not e_sides and etype != "Forum":
                    continue
                forum_host = None
                if etype == "Forum" and invited_by:
                    forum_host = _top_org(invited_by, res)
                    if forum_host in e_sides:
                        e_sides.remove(forum_host)
                    e_sides.insert(0, forum_host)
                # "met ... for the SI Council": a meeting held as a named event is a forum.
                if etype in ("Meeting", "Talks") and any(c[2] == "Forum" and trigger[1] <= c[0] < stop
                                                         and not _in_org(c, m) for c in _cues(doc, s)):
                    if not group or len(group) > 1:
                        etype = "Forum"
                loc = _location_of(readout, s, m, etype, res, visit, trigger[0])
                e_date = date
                if (trigger[0] - 2 >= s.start and doc[trigger[0] - 2].lower_ == "today"
                        and doc[trigger[0] - 1].lower_ in ("'s", "’s")):
                    e_date = readout.reference_date  # "before today's meeting of the party leaders"
                eng = Engagement(len(out), etype, text.strip(), e_date, loc,
                                 principals + [g for g in group if g not in principals], e_sides, [], [],
                                 reporter if principals else (forum_host or reporter))
                if _is_reference(doc, trigger, s) and group and all(
                        any(g in o.participants for o in out) for g in group):
                    continue  # "In his meeting with X, ...": the meeting reported already
                handled, visit = _merge_twin(eng, out, captioned, caption, visit)
                if handled:
                    continue
                if etype == "Forum":
                    key = doc[trigger[0]:trigger[1]].lemma_.lower() or doc[trigger[0]:trigger[1]].text.lower()
                    same = forums.get(key)
                    if same is not None and (same.date is None or eng.date is None or same.date == eng.date):
                        for p in eng.participants:
                            if p not in same.participants:
                                same.participants.append(p)
                        for o in eng.organizations:
                            if o not in same.organizations:
                                same.organizations.append(o)
                        same.date = same.date or eng.date
                        same.location = same.location or eng.location
                        continue
                    forums[key] = eng
                out.append(eng)
                if caption:
                    captioned.append(eng)
    # A photo caption repeats the story: its engagements count only where the body
    # reports no engagement with the same people.
    kept = []
    for e in out:
        if e in captioned and e.type != "Forum" and any(
                o is not e and o not in captioned and o.type != "Visit" and set(e.participants) <= set(o.participants)
                for o in out):
            continue
        kept.append(e)
    out[:] = kept
    if out and not any(e.type == "Visit" for e in out):
        # Without a visit, later engagements with no day of their own share the lead's.
        lead_date = out[0].date or (_date_of(readout, analysed[0].span, 0) if analysed else None)
        for e in out:
            if e.date is None and e.type == out[0].type:
                e.date = lead_date
    titled = find_full_date(readout.title) if readout.title else None
    forum_day = None
    for e in out:
        if e.type == "Forum" and e.date is None and titled is not None:
            e.date = titled  # "Council Meeting – Madrid, 14 March 2024"
        if e.type == "Forum" and forum_day is None:
            forum_day = e.date
    for e in out:
        if e.type == "Correspondence" and e.date is None and forum_day and re.search(
                r"\bvideo (?:message|address)\b", e.evidence, re.I):
            e.date = forum_day  # a video message is played at the forum
    visits = [e for e in out if e.type == "Visit" and e.location]
    if len(visits) == 1:
        # a meeting reported before the visit it belongs to ("held talks ... during a
        # working trip to Peru") takes the country visited, like the meetings after it
        for e in out:
            if e.location is None and e.type in IN_PERSON and e.type != "Visit" and e.index < visits[0].index:
                e.location = visits[0].location
    # "A senior CPC official received a SWAPO delegation, a day after he sat down with the
    # Jubilee Party": a lead that names no one on the reporting side, whose counterparts each
    # have their own engagement further on, summarizes them.
    talks = ("Meeting", "Talks")
    for e in list(out):
        others = [o for o in out if o is not e and o.type in talks]
        if (e.type in talks and len(e.participants) >= 2 and e.organizations
                and not any(_side_of(p, affiliation, res) == e.organizations[0] for p in e.participants)
                and all(any(p in o.participants for o in others) for p in e.participants)):
            out.remove(e)
    _guest_visit(readout, analysed, out, res, affiliation, lexicon)
    _alliance_members(doc, analysed, out, res)
    _roundup(readout, doc, analysed, out, res, person_keys, affiliation)
    _forum_speakers(analysed, out, res, person_keys, affiliation)
    # Every engagement has at least one side (the SHACL contract): one with no
    # organization or country on any side is not reported as an engagement.
    out[:] = [e for e in out if e.organizations]
    for n, e in enumerate(out):
        e.index = n
    _attach_present(analysed, out, person_keys, res.surnames)
    _party_committees(readout, out, res, lexicon)
    _hosts_country(out, res, lexicon)
    _attach_topics(doc, analysed, out, person_keys, res.surnames)
    return out


_SPEECH = re.compile(r"\b(?:said|says|addressed|spoke|stressed|noted|underlined|emphasi[sz]ed|welcomed|presented|"
                     r"introduced|reported|delivered|recalled|called|urged|highlighted|praised|thanked|argued|pointed|"
                     r"restated|reaffirmed|expressed|widened|explained|outlined|proposed|shared|opened|closed|chaired|"
                     r"congratulated|hailed|commended|appreciated|affirmed|believed|hoped|agreed|briefed|presided)\b")


def _forum_speakers(analysed, out: list[Engagement], res, person_keys, affiliation) -> None:
    """At a forum the principals are the named speakers: every titled person
    who speaks in the forum's part of the text joins it, with their side."""
    forums = [e for e in out if e.type == "Forum"]
    if not forums:
        return
    others = [e for e in out if e.type != "Forum"]
    busy = {p for e in others for p in e.participants}
    titled = {person_keys[(a.index, a.mentions.persons[p.person].start)] for a in analysed for p in a.mentions.posts}
    current = None
    listing = False
    acting = {id(e): bool(e.participants) for e in forums}
    for a in analysed:
        text = a.text.strip()
        here = [e for e in out if e.evidence == text]
        if here and not (current is not None and current.type == "Forum" and all(e.type == "Correspondence" for e in here)):
            current = here[0]  # a message sent to a forum does not end the forum's part of the text
        elif here:
            continue
        if current is None or current.type != "Forum":
            continue
        doc = a.span.doc

        def join(key: str) -> None:
            if key not in busy and key not in current.participants:
                current.participants.append(key)
                side = _side_of(key, affiliation, res)
                if side and side not in current.organizations:
                    current.organizations.append(side)

        # "hosted by the X", "at the invitation of the X": the host is a side.
        host = _INVITATION.search(a.text, a.low)
        if host:
            after = [o for o in a.mentions.orgs if doc[o.start].idx - a.span.start_char >= host.end() and o.kind != "event"]
            if after:
                side = _top_org(res.org(doc, after[0]), res)
                if side in current.organizations:
                    current.organizations.remove(side)
                current.organizations.insert(0, side)
                if not acting.get(id(current)):
                    current.reporter = side  # a forum nobody is said to attend is reported from its host
        # "co-chaired by A, ..., and B, ...": the chairs are principals.
        chair = _CHAIRED.search(a.text)
        if chair:
            for p in a.mentions.persons:
                if doc[p.start].idx - a.span.start_char >= chair.end():
                    join(person_keys[(a.index, p.start)])
        # "Representatives of A, B and C took the floor": the parties are sides.
        if _DELEGATES.match(a.text):
            for o in a.mentions.orgs:
                if o.kind != "event":
                    side = _top_org(res.org(doc, o), res)
                    if side not in current.organizations:
                        current.organizations.append(side)
        if listing and a.text.lstrip()[:1] in "-•*–" and a.mentions.persons:
            join(person_keys[(a.index, a.mentions.persons[0].start)])  # "- Ana Lima, PES president"
            for p in a.mentions.persons[1:]:
                if doc[p.start - 1].text in (",", "and") and doc[p.start - 2].text not in ("of",):
                    join(person_keys[(a.index, p.start)])
            continue
        if _JOINING.search(a.text):
            # "... were all expected in Windhoek to join ...", "Seated at the high table were ...":
            # the titled persons named are at the forum
            for p in a.mentions.persons:
                join(person_keys[(a.index, p.start)])
            continue
        listing = bool(_LISTING.search(a.text))
        verb = _SPEECH.search(a.text)
        if not verb:
            continue
        for p in a.mentions.persons:
            key = person_keys[(a.index, p.start)]
            before_verb = a.span.doc[p.end - 1].idx - a.span.start_char < verb.start()
            if (key in titled or before_verb) and before_verb and key not in busy and key not in current.participants:
                current.participants.append(key)
                own_side = _side_of(key, affiliation, res)
                if own_side and own_side not in current.organizations:
                    current.organizations.append(own_side)


_JOINING = re.compile(r"\b(?:were|was)\s+(?:all\s+)?expected\s+(?:in|at|to)\b|\bseated\b.*\b(?:high|head) table\b|\b(?:high|head) table\b.*\bseated\b"
                      r"|\b(?:high|head) table\b.*\bwere\b", re.I)
_NAMED_BY_TOPIC = re.compile(r"^\s*(?:'s|’s)?\s*(?:wing|league|section|branch|federation|union|"
                             r"organi[sz]ation|association|council|commission|committee|department|ministry)\b",
                             re.I)
_CHAIRED = re.compile(r"\b(?:co-)?(?:chaired|hosted|moderated|presided over|addressed|opened)\s+by\b", re.I)
_LISTING = re.compile(r"\b(?:attended by|participants (?:were|included)|speakers (?:were|included)|among them)\s*:\s*$", re.I)
_DELEGATES = re.compile(r"^\W*(?:the\s+)?(?:representatives|delegates|delegations|leaders|members)\s+(?:of|from)\b", re.I)
_CAPTION = _Keyed(re.compile(r"\((?:Photo|Xinhua/|[A-Z][\w ]*/[^)]*Xinhua)|\bPhotos?\b|\(R\)|\(L\)"), "(", "Photo")


def _paragraph(doc: Doc, s: Span) -> str:
    """The text of the paragraph (line) holding sentence ``s``."""
    text = doc.user_data.get("partyrel_text")
    if text is None:
        text = doc.user_data["partyrel_text"] = doc.text
    start = text.rfind("\n", 0, s.start_char) + 1
    end = text.find("\n", s.end_char - 1)
    return text[start:end if end >= 0 else len(text)]


_MOURNED = re.compile(r"\b(?:death|passing|demise|funeral|loss|memory)\s+of\b", re.I)
_PARTICIPLES = frozenset({"addressing", "meeting", "receiving", "holding", "attending", "at", "during", "in"})
_TOLD = _Keyed(re.compile(r",\s+(?:he|she|they|it)\s+(?:explained|recalled|said|added|noted|recounted)\s*,", re.I), "explained", "recalled", "said", "added", "noted", "recounted")
_BACKGROUND_VISIT = frozenset({"his", "her", "their", "its", "'s", "’s", "recent", "last", "previous",
                               "earlier", "past", "former"})
_TOUR = re.compile(r"\b(?:visit|tour|trip|stay|lecture)\b", re.I)
_MEETINGS = re.compile(r"\b(?:meetings?|talks|sessions?|met)\b", re.I)
_BACKDROP = re.compile(r"\b(?:since|owing to|due to|because of|in the wake of|amid|despite)\b(?:\s+\w+){0,4}\s*$", re.I)
_PLURAL_SUBJECT = re.compile(r"^\W*(?:[A-Z][\w-]*\s+){0,3}?(?:leaders|heads|parties|officials|politicians|representatives|dignitaries)\b", re.I)


_MEMBERS = _Keyed(re.compile(r"\b(?:brings together|bringing together|comprises|comprising|consists of|is made up of|"
                      r"is composed of|groups together|unites)\b", re.I), "together", "compris", "consists", "made", "composed", "unites")


def _alliance_members(doc: Doc, analysed, out: list[Engagement], res) -> None:
    """"The Tripartite Alliance brings together the ANC, COSATU and the SACP":
    each member the text names is a side, in the alliance's place."""
    for a in analysed:
        verb = _MEMBERS.search(a.text, a.low)
        if not verb:
            continue
        pos = a.span.start_char + verb.start()
        before = [o for o in a.mentions.orgs if doc[o.end - 1].idx < pos and o.kind != "event"]
        after = [o for o in a.mentions.orgs if doc[o.start].idx > pos and o.kind != "event"]
        if len(after) < 2:
            continue
        if before:
            alliance: str | None = _top_org(res.org(doc, before[-1]), res)
        else:
            # "The alliance unites ...": the side named by that head noun
            head = re.match(r"\s*the\s+(alliance|coalition|bloc|front)\b", a.text, re.I)
            alliance = next((o for e in out for o in e.organizations if head and o in res.entities
                             and head.group(1).lower() in res.entities[o].name.lower()), None)
            if alliance is None:
                continue
        members = [_top_org(res.org(doc, o), res) for o in after]
        for e in out:
            if alliance in e.organizations:
                i = e.organizations.index(alliance)
                e.organizations[i:i + 1] = [m for m in members if m not in e.organizations]
                if e.reporter == alliance:
                    e.reporter = e.organizations[0] if e.organizations else None


def _roundup(readout, doc, analysed, out: list[Engagement], res, person_keys, affiliation) -> None:
    """A round-up ("Leaders of parties ... have sent messages congratulating X"):
    every later paragraph led by a named, titled person is one engagement of
    the same type between that person and X."""
    if not analysed:
        return
    lead = analysed[0]
    text = lead.text[max(0, readout.dateline_end - lead.span.start_char):]
    # The lead, or the headline ("Heads of parties congratulate X"), speaks of many senders.
    if not (_PLURAL_SUBJECT.match(text) or _PLURAL_SUBJECT.match(readout.title)):
        return
    triggers = _triggers(doc, lead.span, lead=True)
    if not triggers:
        return
    etype = triggers[0][2]
    target = next((person_keys[(lead.index, p.start)] for p in lead.mentions.persons if p.start >= triggers[0][1]), None)
    if target is None:
        return
    target_side = _side_of(target, affiliation, res) or _provisional_home(analysed, person_keys, affiliation, res,
                                                                          use_lead=False)
    out[:] = [e for e in out if not (e.evidence == lead.text.strip() and e.participants == [target])]
    seen = {target}
    for a in analysed[1:]:
        starts_paragraph = a.span.start == 0 or "\n" in doc[a.span.start - 1].text + doc[a.span.start - 1].whitespace_
        if not starts_paragraph or not a.mentions.persons:
            continue
        first = a.mentions.persons[0]
        if first.start - a.span.start > 5:  # "In his message, X, ..." still leads the paragraph
            continue
        key = person_keys[(a.index, first.start)]
        if key in seen or not any(p.person == key for p in _posts_of(a, person_keys)):
            continue
        seen.add(key)
        sides = [s for s in (target_side, _side_of(key, affiliation, res)) if s]
        out.append(Engagement(len(out), etype, a.text.strip(), None, None, [target, key],
                              list(dict.fromkeys(sides)), [], [], target_side))
    for n, e in enumerate(out):
        e.index = n


def _posts_of(a, person_keys):
    m = a.mentions
    return [type("P", (), {"person": person_keys[(a.index, m.persons[p.person].start)]}) for p in m.posts]


def _same(a: Engagement, b: Engagement) -> bool:
    """Two frames report the same engagement: same type and participants
    (or, with no persons named, the same sides)."""
    if a.type != b.type:
        return False
    if a.participants or b.participants:
        if set(a.participants) != set(b.participants):
            return False
        # one principal meeting two different counterparts, none named: two meetings
        others_a, others_b = set(a.organizations[1:]), set(b.organizations[1:])
        return len(a.participants) > 1 or not (others_a and others_b) or bool(others_a & others_b)
    return set(a.organizations) == set(b.organizations)


def _date_of(readout: Readout, s: Span, index: int, previous=None):
    ref = readout.reference_date
    # The dateline's own day is not the event's.
    skip = readout.dateline_end - s.start_char if s.start_char < readout.dateline_end <= s.end_char else 0
    text = _stext(s.doc, s.start, s.end)[skip:]
    # Days inside ", who is on a visit from May 21-23" belong to that clause.
    who = re.search(r",\s+who\b[^,;]*", text)
    if who:
        text = text[:who.start()] + " " * (who.end() - who.start()) + text[who.end():]
    mentions = find_day_mentions(text, ref)
    if ref is not None:
        # "on its 96th founding anniversary (February 3, 1930)": a date long before the
        # readout is history, not the day of an engagement it reports
        mentions = [d for d in mentions if (ref - d.value).days <= 400]
    if mentions:
        if mentions[0].kind == "same-day" and previous is not None:
            return previous  # "on the same day": the day of the engagement reported before
        return mentions[0].value
    if index == 0 and readout.dateline_date is not None:
        return readout.dateline_date
    return None


def _location_of(readout: Readout, s: Span, m: Mentions, etype: str, res: _Resolver, visit,
                 trigger_start: int | None = None) -> str | None:
    text = _stext(s.doc, s.start, s.end)
    for start, end, city in m.cities:
        if etype in ("Correspondence", "PhoneCall", "VideoCall") and trigger_start is not None and start > trigger_start:
            continue  # "a message to a seminar ... in Fuzhou": the place is the seminar's
        tok = s.doc[start - 1] if start > 0 else None
        if tok is not None and tok.lower_ in ("in", "at"):
            display = res.lexicon.city_names.get(city.lower(), city)
            return res.add(Entity("place", display), city)
    if re.search(r"\bhere\b", text) and readout.dateline_place:
        return _place(readout.dateline_place, res)
    if etype in IN_PERSON and etype != "Visit":
        if readout.dateline_place:
            return _place(readout.dateline_place, res)
        if visit is not None:
            return visit.location
    return None


def _place(name: str, res: _Resolver) -> str:
    low = name.lower()
    if low in res.lexicon.country_by_form:
        return res.country(res.lexicon.country_by_form[low])
    display = res.lexicon.city_names.get(low, name)
    return res.add(Entity("place", display), name)


def _attach_present(analysed, out: list[Engagement], person_keys, surnames=None) -> None:
    """Persons "present", "attending" or "accompanying" join the latest
    engagement reported before their sentence (the first one otherwise)."""
    if not out:
        return
    principals = {p for e in out for p in e.participants}
    current = next((e for e in out if e.type != "Visit"), out[0])
    for a in analysed:
        text = a.text.strip()
        here = [e for e in out if e.evidence == text and (e.type != "Visit" or len(out) == 1)]
        if here:
            current = here[0]
        match = _PRESENT.search(a.text, a.low)
        if not match:
            continue
        # The members of a delegation are present at everything the delegation does.
        targets = out if re.search(r"\bmembers\b", match.group(0)) else [current]
        if match.group(0).lower().startswith("accompan"):
            # "Ann Moyo is accompanied by ...": they go wherever she goes in this readout.
            before = [person_keys[(a.index, p.start)] for p in a.mentions.persons
                      if a.span.doc[p.start].idx < a.span.start_char + match.start()]
            if not before and surnames:
                # "Nkosi is accompanied by ..."
                before = [surnames[t.text] for t in a.span if t.text in surnames
                          and t.idx < a.span.start_char + match.start()][:1]
            lead = next((k for k in before if k in principals), None)
            if lead is not None and len(before) == 1:
                targets = [e for e in out if lead in e.participants] or targets
        for p in a.mentions.persons:
            key = person_keys[(a.index, p.start)]
            for target in targets:
                if key not in principals and key not in target.present:
                    target.present.append(key)


def _attach_topics(doc: Doc, analysed, out: list[Engagement], person_keys, surnames=None) -> None:
    if not out:
        return
    # Each body sentence belongs to the latest engagement whose trigger sentence
    # precedes it, unless it names the counterpart of one engagement only
    # ("At his meeting with Bounnhang, ...").
    surnames = surnames or {}
    current: list[Engagement] = [out[0]]
    visit = next((e for e in out if e.type == "Visit"), None)
    for a in analysed:
        text = a.text.strip()
        here = [e for e in out if e.evidence == text]
        target = None
        if here and any(e.type == "Forum" for e in current) and all(e.type == "Correspondence" for e in here):
            target = here  # the message's own sentence; the forum's part goes on after it
        elif here and all(e.type == "Visit" for e in here) and any(
                e.type in ("Meeting", "Talks") and set(e.participants) & set(here[0].participants) for e in current):
            target = here  # "Tang paid a visit to Peru from Friday to Sunday." between the meeting and its remarks
        elif here:
            current = here
        named = {person_keys[(a.index, p.start)] for p in a.mentions.persons}
        if surnames:
            named |= {surnames[t.text] for t in _view(doc)[a.span.start:a.span.end] if t.text in surnames and t.is_title}
        own = [e for e in out if named & set(e.participants[1:])]
        if target is None:
            if len(own) == 1 and not here:
                target = own
                current = own  # what follows goes on about that meeting
            elif (not here and visit is not None and _TOUR.search(text) and not _MEETINGS.search(text)
                  and all(e.index > visit.index and e.type != "Visit" for e in current)):
                target = [visit]  # "Over the course of the tour, ...": the visit as a whole
            else:
                target = current
        for span in spans_in(doc, a.span.start, a.span.end, "TOPIC"):
            if True:
                if _BACKDROP.search(_stext(doc, max(a.span.start, span.start - 5), span.start)):
                    continue  # "since the 18th CPC National Congress", "owing to COVID-19": backdrop
                if any(t.start <= span.start < t.end for t in a.mentions.titles) or _NAMED_BY_TOPIC.match(
                        _stext(doc, span.end, min(a.span.end, span.end + 3))):
                    continue  # "Secretary for Youth Affairs", "women's wing leaders": a name, not a topic
                for e in target:
                    if span.id_ not in e.topics:
                        e.topics.append(span.id_)
