"""The spaCy pipeline and the token view the rules read: fast paths that must
give exactly what the plain spaCy objects give."""

from __future__ import annotations

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from kg.extract import _stext
from kg.mentions import _offsets, _view
from kg.nlp import make_nlp

TEXTS = [
    "",
    "\n",
    "One word",
    "Talks held.\nTang Wenbo met Ana Lima. They agreed!",
    "Title line\n ( 2024.03.12 )\n\nKunming, March 11th--Tang Wenbo held talks here today.",
    "Oh!!! Yes?! \n next line. And “a quote.” Then more",
    "Dots ... and an abbreviation like U.S. inside. Next sentence?",
    "Ends with a break.\n",
    ".\n\n.",
    "Line one\r\nLine two. Three\n\n\nFour",
    "Le Van Hung, head of the CPV Central Committee’s Commission, met Ana Lima (C) in Hà Nội.",
]


@Language.component("test_line_breaks")
def line_breaks(doc: Doc) -> Doc:
    """A sentence starts after every token holding a line break (the plain way)."""
    for token in doc[:-1]:
        if "\n" in token.text or "\n" in token.whitespace_:
            doc[token.i + 1].is_sent_start = True
    return doc


@pytest.fixture(scope="module")
def plain() -> Language:
    """Line breaks, then spaCy's own sentencizer: what partyrel_sentences replaces."""
    nlp = spacy.blank("en")
    nlp.add_pipe("test_line_breaks")
    nlp.add_pipe("sentencizer")
    return nlp


@pytest.mark.parametrize("text", TEXTS)
def test_sentence_boundaries_equal_paragraphs_then_sentencizer(text: str, plain) -> None:
    expected = [t.is_sent_start for t in plain(text)]
    assert [t.is_sent_start for t in make_nlp()(text)] == expected


@pytest.mark.parametrize("text", TEXTS)
def test_token_view_matches_spacy_tokens(text: str) -> None:
    doc = make_nlp()(text)
    view, offsets = _view(doc), _offsets(doc)
    assert len(view) == len(doc) == len(offsets)
    for tok, real, idx in zip(view, doc, offsets):
        assert (tok.text, tok.lower_, tok.whitespace_, tok.is_alpha, tok.is_lower, tok.like_num, tok.is_title) == (
            real.text, real.lower_, real.whitespace_, real.is_alpha, real.is_lower, real.like_num, real.is_title)
        assert idx == real.idx


@pytest.mark.parametrize("text", TEXTS)
def test_span_text_cut_from_the_text_equals_span_text(text: str) -> None:
    doc = make_nlp()(text)
    doc.user_data["partyrel_text"] = text
    n = len(doc)
    for start in range(0, n + 1):
        for end in range(start, min(n, start + 6) + 1):
            assert _stext(doc, start, end) == doc[start:end].text
    assert _stext(doc, -3, n + 5) == doc[0:n].text
