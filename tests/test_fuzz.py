"""Property-based tests (hypothesis): any bytes or text through ingest and
extraction never raise anything but the documented errors
(:class:`~kg.errors.PartyrelError` and its subclasses), and every graph
produced conforms to the SHACL shapes.

Texts are put together from readout-shaped fragments (titles, date lines,
datelines, made-up names, real party names, titles, engagement cues, topics)
mixed with arbitrary text and punctuation, so that extraction really runs.

Bounded: ``max_examples`` 200 per property, no deadline, derandomized (the
same examples each run, so ``make test`` is stable). To explore new examples,
run ``HYPOTHESIS_PROFILE=explore .venv/bin/python -m pytest tests/test_fuzz.py``.
"""

from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kg.errors import InputError, PartyrelError
from kg.ingest import check_text, decode, load_bytes, load_record, parse_readout
from kg.pipeline import add_readout, refresh_labels
from kg.sources import RECORD_FIELDS, parse_record
from kg.store import GraphStore
from kg.validate import validate_graph

settings.register_profile("ci", max_examples=200, deadline=None, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("explore", max_examples=2000, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

FRAGMENTS = (
    # headers and datelines
    "Talks Held in Kunming\n", " ( 2024.03.12 )\n", "\n\n", "\n", "Xinhua) 10:00, April 19, 2023\n",
    "14 March 2022\n", "July 11, 2023\n", "Beijing, September 27th\u2014", "BEIJING, June 2 (Xinhua) -- ",
    "Hanoi (VNA) \u2013 ", "HAVANA, Cuba, Mar 14 (ACN) ", "On September 27th\u2014", "Kunming, March 11th--",
    # people (made up), titles, organizations
    "Tang Wenbo", "Ana Lima", "Rosa Pires", "Kalo Vodun", "Zhao", "Lima", "he", "She",
    ", Vice-minister of the IDCPC,",
    ", President of the Workers' Party of Brazil", ", General Secretary of the Communist Party of Vietnam",
    "Secretary General", "Chairman", "Minister", "Ambassador to China", "the Socialist International",
    "the Social Democratic Party of Germany (SPD)", "the CPC", "ZANU-PF", "the ANC", "the party",
    "a delegation of", "Central Committee", "Politburo member",
    # cues and events
    "met with", "met here today with", "held talks with", "held a video call with", "held a phone call with",
    "sent a congratulatory message to", "visited", "paid a visit to", "attended", "addressed",
    "A symposium on green development was held", "the forum", "the 5th World Political Parties Forum",
    "on Tuesday", "today", "on March 3", "from July 31 to Aug. 2", "last month", "in 2019",
    # topics and filler
    "on climate change", "poverty reduction", "the Belt and Road Initiative", "exchanges of experience",
    "and", "with", "of the", "in", "who", "said", "that", "was present", "were present.",
    # punctuation
    ".", ",", ";", ":", "'s", "\u2019s", "(", ")", "\"", "\u201c", "\u201d", "\u2014", "--", "!", "?", "...",
)

HEADERS = ("Talks Held\n ( 2024.03.12 )\n\n", "Leaders Meet\n\n(Xinhua) 10:00, April 19, 2023\n\n",
           "Phone Talks\n\nFebruary 18, 2025\n\n", "Talks\n\n", "")
DATELINES = ("Kunming, March 11th--", "BEIJING, June 2 (Xinhua) -- ", "Vientiane (KPL) \u2013 ",
             "On September 27th\u2014", "")
PEOPLE = ("Tang Wenbo", "Ana Lima", "Rosa Pires", "Kalo Vodun", "Ivo Sandes", "Lena Ortiz", "He", "the guest")
TITLES_OF = ("", ", Vice-minister of the IDCPC,",
             ", President of the Workers' Party of Brazil,", ", General Secretary of the Communist Party of Vietnam,",
             ", Chairman of the Social Democratic Party of Germany (SPD),", ", Secretary General of the Socialist International,",
             ", head of a delegation of the African National Congress,", ", Ambassador of Cuba to China,")
CUES = ("met with", "met here today with", "held talks here today with", "held a video call with",
        "held a phone call on Monday with", "sent a message to", "visited China at the invitation of",
        "attended a symposium hosted by", "received")

fragment = st.one_of(st.sampled_from(FRAGMENTS), st.sampled_from(FRAGMENTS),
                     st.text(max_size=12), st.sampled_from(" \t\n.,;()'\"\u2014\u00a0"))
noise = st.lists(fragment, max_size=6).map(" ".join)
clause = st.builds(lambda a, ta, cue, b, tb, extra: f"{a}{ta} {cue} {b}{tb} {extra}",
                   st.sampled_from(PEOPLE), st.sampled_from(TITLES_OF), st.sampled_from(CUES),
                   st.sampled_from(PEOPLE), st.sampled_from(TITLES_OF), noise)
body = st.lists(st.tuples(clause, st.sampled_from((". ", ".\n\n", "; ", " and ", "\n"))),
                min_size=1, max_size=4).map(lambda parts: "".join(c + end for c, end in parts))
structured = st.builds(lambda h, d, b: h + d + b, st.sampled_from(HEADERS), st.sampled_from(DATELINES), body)
readout_text = st.one_of(structured, structured, st.lists(fragment, max_size=60).map(" ".join))
bytes_like = st.one_of(st.binary(max_size=300), readout_text.map(lambda t: t.encode("utf-8")),
                       readout_text.map(lambda t: t.encode("utf-16")),
                       readout_text.map(lambda t: t.encode("cp1252", "replace")))


@PROFILE
@given(bytes_like)
def test_any_bytes_load_or_are_refused_with_an_input_error(raw: bytes):
    try:
        loaded = load_bytes(raw, "fuzz.txt", "fuzz")
    except InputError as err:
        assert err.source == "fuzz.txt" and err.reason
        return
    assert loaded.readout.id == "fuzz"
    assert isinstance(decode(raw, "fuzz.txt").text, str)


@PROFILE
@given(readout_text)
def test_any_text_extracts_into_a_graph_that_conforms(text: str):
    try:
        check_text(text, "fuzz.txt")
    except InputError:
        pass  # refused in a build; extraction must still cope with it below
    readout = parse_readout("fuzz", text, "fuzz.txt")
    with GraphStore.memory() as store:
        try:
            facts = add_readout(store, readout)
            refresh_labels(store)
        except PartyrelError:
            return  # documented
        graph = store.union_graph()
    event(f"engagements: {min(len(facts.engagements), 2)}{'+' * (len(facts.engagements) >= 2)}, "
          f"posts: {min(len(facts.posts), 2)}{'+' * (len(facts.posts) >= 2)}")
    report = validate_graph(graph)
    left = list(report.violations)
    assert not left, "\n".join(v.line() for v in left)


tag = st.sampled_from(("p", "div", "h1", "span", "article", "nav", "footer", "script", "style", "a",
                       "time", "meta", "br", "table", "td", "!--", "![CDATA["))
markup = st.lists(st.one_of(readout_text, tag.map(lambda t: f"<{t}>"), tag.map(lambda t: f"</{t}>"),
                            st.text(max_size=20)), max_size=30).map("".join)
page_bytes = st.one_of(st.binary(max_size=300), markup.map(lambda t: t.encode("utf-8")),
                       markup.map(lambda t: f"<!DOCTYPE html><html><body>{t}</body></html>".encode()))


@PROFILE
@given(page_bytes)
def test_any_page_loads_or_is_refused_with_an_input_error(raw: bytes):
    try:
        loaded = load_bytes(raw, "fuzz.html", "fuzz")
    except InputError as err:
        assert err.source == "fuzz.html" and err.reason
        return
    assert loaded.readout.id == "fuzz" and loaded.readout.text.strip()


json_value = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                                    st.text(max_size=30), readout_text),
                          lambda children: st.one_of(st.lists(children, max_size=3),
                                                     st.dictionaries(st.sampled_from(RECORD_FIELDS),
                                                                     children, max_size=5)),
                          max_leaves=8)
record_line = st.one_of(json_value.map(json.dumps), st.text(max_size=80),
                        st.dictionaries(st.sampled_from(RECORD_FIELDS), json_value).map(json.dumps))


@PROFILE
@given(record_line)
def test_any_line_is_a_record_or_is_refused_naming_its_line(line: str):
    try:
        record = parse_record(line, "fuzz.jsonl", 7, "fuzz")
    except InputError as err:
        assert err.source == "fuzz.jsonl:7" and err.reason and err.hint
        return
    assert record.text.strip() and record.readout_id
    try:
        load_record(record)
    except InputError as err:
        assert err.source == "fuzz.jsonl:7"
