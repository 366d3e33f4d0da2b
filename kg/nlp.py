"""The spaCy pipeline: a blank English tokenizer, paragraph-aware sentence
boundaries, and one gazetteer component whose phrase patterns are compiled
from the vocabulary files (no statistical model needed).

Example:
    >>> nlp = make_nlp()
    >>> doc = nlp("Tang Wenbo, Vice-minister of the International Department, met with the SPD.")
    >>> sorted({s.label_ for s in doc.spans["gazetteer"]} & {"TITLE", "ORG", "CUE"})
    ['CUE', 'ORG', 'TITLE']
"""

from __future__ import annotations

from bisect import bisect_left
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from kg.lexicon import Lexicon, load_lexicon

GAZETTEER = "gazetteer"


@Language.component("partyrel_paragraphs", assigns=["token.is_sent_start"])
def paragraphs(doc: Doc) -> Doc:
    """Start a sentence after every line break, so titles, header lines and
    paragraphs never run into each other."""
    for token in doc[:-1]:
        if "\n" in token.text or "\n" in token.whitespace_:
            doc[token.i + 1].is_sent_start = True
    return doc


class Gazetteer:
    """Marks every vocabulary phrase in a Doc as a span in ``doc.spans["gazetteer"]``.

    Labels: COUNTRY, DEMONYM, CITY, ORG (known parties and internationals),
    TITLE, TOPIC, HEAD (organization head nouns) and CUE; the span's ``id_``
    carries the entry (country name, org slug, title, topic IRI, or
    ``Type|role`` for cues).
    """

    def __init__(self, nlp: Language, lexicon: Lexicon) -> None:
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.cased = PhraseMatcher(nlp.vocab, attr="ORTH")
        make = nlp.make_doc
        entries: dict[tuple[str, str], set[str]] = {}

        def add(label: str, key: str, phrase: str) -> None:
            entries.setdefault((label, key), set()).add(phrase)

        for c in lexicon.countries.values():
            for form in (c.name, *c.forms):
                add("COUNTRY", c.name, form)
            for dem in c.demonyms:
                add("DEMONYM", c.name, dem)
            for city in (c.capital, *c.cities):
                if city:
                    add("CITY", c.name, city)
        for o in lexicon.orgs.values():
            for form in (o.name, *o.aliases):
                add("ORG", o.slug, form)
        for form, title in lexicon.titles.items():
            add("TITLE", title.title, form)
        for topic in lexicon.topics:
            for cue in topic.cues:
                add("TOPIC", topic.iri, cue)
        for etype, cues in lexicon.cues.items():
            for cue, role in cues:
                add("CUE", f"{etype}|{role}", cue)
        for (label, key), phrases in entries.items():
            match_id = f"{label}\t{key}"
            # Acronyms and short all-caps forms must match case-sensitively
            # ("US" the country, not "us"; "PA" not "pa").
            # Long acronyms are also written as words ("Swapo", "Frelimo").
            phrases = phrases | {p.capitalize() for p in phrases if label == "ORG" and p.isupper() and p.isalpha() and len(p) >= 4}
            upper = [p for p in phrases if p.isupper() or len(p) <= 3 or (p.istitle() and p.upper() in phrases)]
            lower = [p for p in phrases if p not in upper]
            if lower:
                self.matcher.add(match_id, [make(p) for p in lower])
            if upper:
                self.cased.add(match_id, [make(p) for p in upper])

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        for matcher in (self.matcher, self.cased):
            for match_id, start, end in matcher(doc):
                label, key = doc.vocab.strings[match_id].split("\t", 1)
                spans.append(Span(doc, start, end, label=label, span_id=key))
        doc.spans[GAZETTEER] = spans
        return doc


@Language.factory("partyrel_gazetteer", assigns=["doc.spans"], requires=["token.is_sent_start"])
def make_gazetteer(nlp: Language, name: str) -> Gazetteer:
    return Gazetteer(nlp, load_lexicon())


@lru_cache(maxsize=2)
def make_nlp() -> Language:
    """Build (once per process) the default pipeline: blank English,
    paragraph boundaries, sentencizer, gazetteer."""
    nlp = spacy.blank("en")
    nlp.add_pipe("partyrel_paragraphs")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("partyrel_gazetteer")
    return nlp


def spans_in(doc: Doc, start: int, end: int, label: str | None = None) -> list[Span]:
    """Gazetteer spans lying inside tokens ``[start, end)`` (optionally of one label).

    The spans are sorted once per Doc and looked up by bisection, so asking
    sentence by sentence costs O(log n) plus the answer, not a scan of the Doc.

    Example:
        >>> doc = make_nlp()("Tang Wenbo met the Socialist International in Brussels.")
        >>> sorted({s.text for s in spans_in(doc, 0, len(doc))})
        ['Brussels', 'Socialist International', 'met']
    """
    cache = doc.user_data.get("partyrel_spans")
    if cache is None:
        ordered = sorted(doc.spans[GAZETTEER], key=lambda sp: (sp.start, sp.end))
        cache = ([sp.start for sp in ordered], ordered)
        doc.user_data["partyrel_spans"] = cache
    starts, ordered = cache
    lo, hi = bisect_left(starts, start), bisect_left(starts, end)
    return [sp for sp in ordered[lo:hi] if sp.end <= end and (label is None or sp.label_ == label)]
