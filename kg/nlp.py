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

import numpy
import spacy
from spacy.attrs import ORTH, SENT_START
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc, Span

from kg.lexicon import Lexicon, load_lexicon

GAZETTEER = "gazetteer"


_NOT_START = 2**64 - 1  # -1 (not a sentence start) as Doc.from_array reads it
_PUNCT_CHARS = frozenset(Sentencizer.default_punct_chars)
# Per word form (ORTH hash): (holds a line break, in the sentence-end characters, is punctuation).
_SENT_FORMS: dict[int, tuple[bool, bool, bool]] = {}


@Language.component("partyrel_sentences", assigns=["token.is_sent_start"])
def sentences(doc: Doc) -> Doc:
    """Sentence boundaries: a sentence starts after every line break (so titles,
    header lines and paragraphs never run into each other) and, as spaCy's
    ``sentencizer`` decides them, at the first non-punctuation token after a
    ".", "!" or "?". The same boundaries as setting a start after each line
    break and then running ``sentencizer`` (tested), computed over the token
    array instead of Token objects.

    Example:
        >>> nlp = make_nlp()
        >>> [s.text for s in nlp("Talks held.\\nTang met Lima. They agreed!").sents]
        ['Talks held.', '\\n', 'Tang met Lima.', 'They agreed!']
    """
    n = len(doc)
    if n == 0:
        return doc
    vocab = doc.vocab
    forms = _SENT_FORMS
    starts = [_NOT_START] * n
    starts[0] = 1
    seen_period = False
    for i, orth in enumerate(doc.to_array([ORTH]).tolist()):
        f = forms.get(orth)
        if f is None:
            lex = vocab[orth]
            f = forms[orth] = ("\n" in lex.orth_, lex.orth_ in _PUNCT_CHARS, lex.is_punct)
        newline, ends, punct = f
        if seen_period and not punct and not ends:
            starts[i] = 1
            seen_period = False
        elif ends:
            seen_period = True
        if newline and i + 1 < n:
            starts[i + 1] = 1
    # one attribute: a 1-D array, which spaCy takes (its stubs say 2-D)
    doc.from_array([SENT_START], numpy.array(starts, dtype=numpy.uint64))  # type: ignore[arg-type]
    return doc


class Gazetteer:
    """Marks every vocabulary phrase in a Doc as a span in ``doc.spans["gazetteer"]``.

    Labels: COUNTRY, DEMONYM, CITY, ORG (known parties and internationals),
    TITLE, TOPIC, HEAD (organization head nouns) and CUE; the span's ``id_``
    carries the entry (country name, org slug, title, topic IRI, or
    ``Type|role`` for cues).
    """

    def __init__(self, nlp: Language, lexicon: Lexicon) -> None:
        self._names: dict[int, tuple[str, str]] = {}  # match id -> (label, key)
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
        names = self._names
        for matcher in (self.matcher, self.cased):
            for match_id, start, end in matcher(doc):
                name = names.get(match_id)
                if name is None:
                    label, key = doc.vocab.strings[match_id].split("\t", 1)
                    name = names[match_id] = (label, key)
                spans.append(Span(doc, start, end, label=name[0], span_id=name[1]))
        doc.spans[GAZETTEER] = spans
        # kept as made: reading doc.spans back makes every Span object anew (gazetteer_spans)
        doc.user_data["partyrel_gazetteer"] = spans
        return doc


@Language.factory("partyrel_gazetteer", assigns=["doc.spans"], requires=["token.is_sent_start"])
def make_gazetteer(nlp: Language, name: str) -> Gazetteer:
    return Gazetteer(nlp, load_lexicon())


@lru_cache(maxsize=2)
def make_nlp() -> Language:
    """Build (once per process) the default pipeline: blank English,
    sentence boundaries (line breaks and sentence-end punctuation), gazetteer."""
    nlp = spacy.blank("en")
    nlp.add_pipe("partyrel_sentences")
    nlp.add_pipe("partyrel_gazetteer")
    return nlp


def gazetteer_spans(doc: Doc) -> list[Span]:
    """The gazetteer's spans in the Doc's order, as the gazetteer made them, or
    made once per Doc from ``doc.spans`` (iterating it makes every Span object anew).

    Example:
        >>> [s.label_ for s in gazetteer_spans(make_nlp()("Talks in Brussels"))]
        ['CITY']
    """
    spans = doc.user_data.get("partyrel_gazetteer")
    if spans is None:
        spans = doc.user_data["partyrel_gazetteer"] = list(doc.spans[GAZETTEER])
    return spans


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
        ordered = sorted(gazetteer_spans(doc), key=lambda sp: (sp.start, sp.end))
        cache = ([sp.start for sp in ordered], ordered)
        doc.user_data["partyrel_spans"] = cache
    starts, ordered = cache
    lo, hi = bisect_left(starts, start), bisect_left(starts, end)
    return [sp for sp in ordered[lo:hi] if sp.end <= end and (label is None or sp.label_ == label)]
