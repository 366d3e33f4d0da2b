"""The engagement summary (kg.summary): the aggregate named queries answered
from it give exactly the SPARQL's answer (rows, order and terms) for every
parameter value, on a hand-built store and on built ones; the summary follows
rebuilds and prunes, and is left unused when it does not match the store."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD
from readout_gen import write as write_readouts
from test_sparql_bind import VALUES
from tiny_world import ALAND, ALPHA, ANA, BETA, BO, CY, ID, ORG, PR, fill

import kg.summary
from kg.named_queries import get_query
from kg.pipeline import build
from kg.query import QueryResult, run_query
from kg.store import GRAPH_BASE, GraphData, GraphStore
from kg.summary import QUERY_DIGESTS, SUMMARY_FILE, Summary, answer, query_digest, readout_rows

SUMMARIZED = sorted(QUERY_DIGESTS)
UNLABELLED = ID["org/unlabelled-front"]
POST = ID["post/ana-lima--president--alpha-party"]
READOUT = ID["readout/r1"]
QUIET = ID["org/quiet-league"]
NARROW = ID["org/narrow-bureau"]
UNTYPED = ID["org/untyped-front"]
DO = ID["person/do-van-anh"]
#: names searched with the entities query beyond the library's: case and
#: accents (Greek final sigma, Vietnamese), quotes, the empty text
ENTITY_NAMES = ["ΣΟΚ", "ΑΣ", "ÁNH", '"the"', "", "beta", "BETA FRONT"]


def _cases() -> list[tuple[str, dict[str, object]]]:
    """Each summarized query whole, with each tried value of each parameter,
    and with its parameters together."""
    cases: list[tuple[str, dict[str, object]]] = []
    for name in SUMMARIZED:
        names = [p.name for p in get_query(name).parameters]
        cases.append((name, {}))
        cases += [(name, {p: value}) for p in names for value in VALUES[p]]
        if name == "entities":
            cases += [(name, {"name": value}) for value in ENTITY_NAMES]
        if len(names) == 2:
            cases += [(name, {names[0]: a, names[1]: b})
                      for a in VALUES[names[0]][:2] for b in VALUES[names[1]][:2]]
    return cases


CASES = _cases()


def _seal(out: Path) -> None:
    """Make the summary of a store written without a build, as a build does."""
    with Summary.open(out) as summary:
        with GraphStore.open(out) as store:
            summary.sync(store)
            summary.finish()
        with GraphStore.open(out, read_only=True) as store:
            summary.seal(store.content_stamp())


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphStore]:
    """The tiny world on disk, plus a readout whose side has no label and that
    labels Beta Union twice more (once with the label it has): the union gives
    a label as often as graphs state it."""
    out = tmp_path_factory.mktemp("summary-world")
    with GraphStore.open(out) as store:
        fill(store)
        e = ID["engagement/r4-1"]
        store.replace_graph(GRAPH_BASE + "r4", [
            (e, RDF.type, PR.Engagement), (e, RDF.type, PR.Meeting),
            (e, PR.date, Literal("2023-05-10", datatype=XSD.date)),
            (e, PR.involves, BETA), (e, PR.involves, UNLABELLED), (e, PR.topic, ID["topic/youth"]),
            (BETA, RDFS.label, Literal("Beta Union", lang="en")),
            (BETA, RDFS.label, Literal("BU")),
            # an organization of no more specific kind, in a country, in no engagement
            (QUIET, RDF.type, PR.Organization), (QUIET, PR.country, ALAND),
            # the entities query: forms of every case and script, an organization of a
            # narrower kind, a form of an entity of no listed kind, a second readout
            # naming Beta Union (by a new form and an old one)
            (ID["readout/r4"], RDF.type, PR.Readout), (ID["readout/r4"], DCTERMS.identifier, Literal("r4")),
            (NARROW, RDF.type, PR.Organization), (NARROW, RDF.type, PR.PartyBody),
            (NARROW, SKOS.altLabel, Literal("ΠΑΣΟΚ Bureau", lang="en")),
            (NARROW, SKOS.altLabel, Literal("Bureau of the ΠΑΣ", lang="en")),
            # labels of every shape: quotes and a backslash, a region, a datatype
            (NARROW, RDFS.label, Literal('The "Narrow" Bureau \\ ΠΑΣΟΚ', lang="en-GB")),
            (NARROW, RDFS.label, Literal("7", datatype=XSD.integer)),
            (DO, RDF.type, PR.Person), (DO, SKOS.altLabel, Literal("Đỗ Văn Ánh", lang="vi")),
            (DO, SKOS.altLabel, Literal('Anh "the" Do')), (DO, RDFS.label, Literal("Đỗ Văn Ánh")),
            (UNTYPED, SKOS.altLabel, Literal("Beta Front watchers")),
            (BETA, SKOS.altLabel, Literal("Beta Front", lang="en")),
            (BETA, SKOS.altLabel, Literal("Beta Union", lang="en")),
            # the person queries: an attendee, a participant of something not an
            # engagement, a post of two titles, a head without a post in the graph;
            # r4 has a title here and a publication date in r5 only
            (e, PR.attendee, DO), (ID["event/r4-x"], PR.participant, CY),
            (DO, ORG.holds, ID["post/do"]), (ID["post/do"], ORG.postIn, NARROW),
            (ID["post/do"], PR.title, Literal("Chair")), (ID["post/do"], PR.title, Literal("Convenor")),
            (DO, PR.presides, NARROW), (BO, PR.presides, BETA),
            (ID["readout/r4"], DCTERMS.title, Literal("Fourth")),
        ], "r4")
        # a readout naming Beta Union by none of the forms that contain "beta"
        store.replace_graph(GRAPH_BASE + "r5", [
            (ID["readout/r5"], RDF.type, PR.Readout), (BETA, RDF.type, PR.PoliticalParty),
            (BETA, SKOS.altLabel, Literal("the Union", lang="en")),
            # a readout without an identifier or a publication date that says Ana
            # Lima presides Alpha Party as its President (as r1 and r2, published,
            # do: the latest of the three is unbound), and r4's publication date
            (ANA, PR.presides, ALPHA), (ANA, ORG.holds, ID["post/ana-r5"]),
            (ID["post/ana-r5"], ORG.postIn, ALPHA), (ID["post/ana-r5"], PR.title, Literal("President")),
            (ID["readout/r4"], DCTERMS.issued, Literal("2023-05-12", datatype=XSD.date))], "r5")
    _seal(out)
    with GraphStore.open(out, read_only=True) as store:
        yield store


def _same(summarized: QueryResult, sparql: QueryResult) -> None:
    assert summarized.columns == sparql.columns
    assert summarized.rows == sparql.rows
    assert [tuple(map(repr, row)) for row in summarized.terms] == \
        [tuple(map(repr, row)) for row in sparql.terms]


@pytest.mark.parametrize(("name", "params"), CASES,
                         ids=[f"{n}-{'-'.join(str(v).rsplit('/', 1)[-1] for v in p.values())}"
                              for n, p in CASES])
def test_the_summary_answers_as_the_sparql_does_for_every_parameter(
        world: GraphStore, name: str, params: dict[str, object]) -> None:
    from kg.named_queries import bind_parameters

    query = get_query(name)
    assert answer(world, query, bind_parameters(world, query, params)) is not None
    _same(run_query(world, name, params, cache=False),
          run_query(world, name, params, cache=False, summary=False))


@pytest.mark.parametrize("enabled", [True, False])
def test_a_summary_answer_leaves_the_garbage_collector_as_it_found_it(world: GraphStore,
                                                                      enabled: bool) -> None:
    import gc

    seen: list[bool] = []
    real = kg.summary._ANSWERS["engagements-by-year"]

    def spy(*args: object) -> object:
        seen.append(gc.isenabled())
        return real(*args)

    (gc.enable if enabled else gc.disable)()
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setitem(kg.summary._ANSWERS, "engagements-by-year", spy)
            assert answer(world, get_query("engagements-by-year"), {}) is not None
        assert gc.isenabled() is enabled and seen == [False]  # paused while it answered
    finally:
        gc.enable()


def test_some_summarized_answers_have_rows_so_the_comparison_is_not_of_empty_answers(
        world: GraphStore) -> None:
    answered = {name for name, params in CASES
                if run_query(world, name, params, cache=False).rows}
    assert answered == set(SUMMARIZED)


def test_each_label_a_graph_states_counts_as_the_union_gives_it(world: GraphStore) -> None:
    rows = run_query(world, "first-last-contact", {"org": BETA}, cache=False).rows
    names = [row[1] for row in rows if row[2] == str(UNLABELLED)]
    # the labels graph's "Beta Union", r4's copy of it, and r4's "BU"
    assert sorted(names, key=str) == ["BU", "Beta Union", "Beta Union"]
    grouped = run_query(world, "counterparts-by-year", {"org": BETA, "year": 2023}, cache=False)
    quiet = [row for row in run_query(world, "organizations-by-country", {"country": ALAND},
                                      cache=False).rows if row[2] == str(QUIET)]
    assert [row[4:] for row in quiet] == [("Organization", "0")]
    assert sorted(row[1] for row in grouped.rows if row[3] == str(UNLABELLED)) == ["BU", "Beta Union"]


@pytest.mark.parametrize(("name", "expected"), [
    # a narrower kind hides Organization; Greek matched in any case
    ("ΣΟΚ", [("PartyBody", str(NARROW), "1")]),
    # the final sigma of "ΑΣ" is lowered as a final sigma, and "ΠΑΣ" ends a form
    ("ΑΣ", [("PartyBody", str(NARROW), "1")]),
    ("ánh", [("Person", str(DO), "1")]),
    ('"the"', [("Person", str(DO), "1")]),
    # the readouts that name Beta Union by any matching form, once each; a form
    # of an entity of no listed kind is not listed
    ("beta", [("PoliticalParty", str(BETA), "4")]),  # three tiny-world readouts and r4
    ("union", [("PoliticalParty", str(BETA), "5")]),  # and r5
    ("BETA FRONT", [("PoliticalParty", str(BETA), "1")]),
])
def test_entities_are_found_by_any_form_in_any_case_with_their_most_specific_kind(
        world: GraphStore, name: str, expected: list[tuple[str, str, str]]) -> None:
    from kg.named_queries import bind_parameters

    query = get_query("entities")
    assert answer(world, query, bind_parameters(world, query, {"name": name})) is not None
    rows = run_query(world, "entities", {"name": name}, cache=False).rows
    assert sorted({(kind, entity, n) for _, entity, _, kind, n in rows}) == expected


def test_every_summarized_query_is_the_text_its_answer_was_written_for() -> None:
    # change a query and its answer in kg/summary.py together, then its digest here
    assert {name: query_digest(get_query(name).text) for name in SUMMARIZED} == QUERY_DIGESTS


def test_an_edited_query_runs_as_sparql(world: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(kg.summary.QUERY_DIGESTS, "engagements-by-year", "0" * 16)
    assert answer(world, get_query("engagements-by-year"), {}) is None


def test_a_store_without_a_summary_or_in_memory_runs_the_sparql(tmp_path: Path) -> None:
    with GraphStore.open(tmp_path) as store:
        fill(store)
        assert answer(store, get_query("engagements-by-type"), {}) is None
        assert run_query(store, "engagements-by-type", cache=False).rows
    with GraphStore.memory() as store:
        fill(store)
        assert answer(store, get_query("engagements-by-type"), {}) is None


def test_a_write_after_the_seal_makes_the_summary_unused(tmp_path: Path) -> None:
    with GraphStore.open(tmp_path) as store:
        fill(store)
    _seal(tmp_path)
    query = get_query("engagements-by-type")
    with GraphStore.open(tmp_path) as store:
        assert answer(store, query, {}) is None  # opening for writing changes the stamp
        store.remove_graph(GRAPH_BASE + "r3")
        result = run_query(store, "engagements-by-type", cache=False)
        assert "Talks" not in {row[0] for row in result.rows}


def test_rows_written_without_finishing_are_not_used(tmp_path: Path) -> None:
    with GraphStore.open(tmp_path) as store:
        fill(store)
    _seal(tmp_path)
    with Summary.open(tmp_path) as summary:
        summary.record([])  # nothing: the seal stays
        with GraphStore.open(tmp_path, read_only=True) as store:
            assert answer(store, get_query("engagements-by-type"), {}) is not None
        with GraphStore.open(tmp_path, read_only=True) as store:
            triples = store.graph_triples(GRAPH_BASE + "r1")
        from kg.store import GraphData

        summary.record([GraphData(GRAPH_BASE + "r1", "\n".join(f"{t} ." for t in triples), "r1")])
        with GraphStore.open(tmp_path, read_only=True) as store:
            assert answer(store, get_query("engagements-by-type"), {}) is None


E = "<https://w3id.org/partyrel/id/engagement/r9-1>"
TYPED = f"{E} <{RDF.type}> <{PR.Engagement}> ."
DATE = f'{E} <{PR.date}> "2024-03-11"^^<{XSD.date}> .'


@pytest.mark.parametrize(("text", "why"), [
    (f"{TYPED}\n{DATE}\n{E} <{PR.date}> \"2024-03-12\"^^<{XSD.date}> .", "two dates"),
    (f"{TYPED}\n{E} <{PR.date}> \"2024-03\"^^<{XSD.gYearMonth}> .", "a date that is not xsd:date"),
    (f"{TYPED}\n{E} <{PR.date}> \"2024-03-11\" .", "a date as plain text"),
    (f"{TYPED}\n{E} <{PR.involves}> \"Alpha Party\" .", "a side given as text"),
    (f"{TYPED}\n{E} <{PR.topic}> \"youth\" .", "a topic given as text"),
    (f"{TYPED}\n<https://w3id.org/partyrel/id/other/x> <{RDF.type}> <{PR.Engagement}> .",
     "an engagement outside id/engagement/"),
    (f"{TYPED}\n{E} <{RDF.type}> <{PR.Readout}> .", "an engagement typed a readout"),
    (f"{TYPED}\n{E} <{ORG.holds}> <{POST}> .", "an engagement holding a post"),
    (f"{TYPED}\n{E} <{PR.presides}> <{ALPHA}> .", "an engagement presiding an organization"),
    (f"{TYPED}\n{E} <{PR.attendee}> \"Ana\" .", "an attendee given as text"),
    (f"<{POST}> <{PR.title}> <{ALPHA}> .", "a post title that is an IRI"),
    (f"<{POST}> <{ORG.postIn}> \"Alpha Party\" .", "a post's organization given as text"),
    (f"_:p <{ORG.holds}> <{POST}> .", "a post holder that is a blank node"),
    (f"<{ANA}> <{PR.presides}> \"Alpha Party\" .", "a presided organization given as text"),
    (f"<{READOUT}> <{DCTERMS.issued}> \"2024-03-11\" .", "a publication date as plain text"),
    (f"<{READOUT}> <{DCTERMS.identifier}> _:id .", "an identifier that is a blank node"),
])
def test_a_readout_of_a_shape_the_summary_does_not_read_gives_no_rows(text: str, why: str) -> None:
    assert readout_rows(text) is None, why


@pytest.mark.parametrize(("text", "expected"), [
    # an engagement's date, year, types (only the ontology's, not pr:Engagement), sides, topics
    ((f"{TYPED}\n{DATE}\n{E} <{RDF.type}> <{PR.Talks}> .\n{E} <{RDF.type}> <http://example.org/X> .\n"
      f"{E} <{PR.involves}> <{ALPHA}> .\n{E} <{PR.topic}> <{ID['topic/youth']}> ."),
     ([(E[1:-1], "2024-03-11", 2024)], [(E[1:-1], "Talks")], [(E[1:-1], str(ALPHA))],
      [(E[1:-1], str(ID["topic/youth"]))])),
    # facts of a subject not typed pr:Engagement are not engagements
    (f"{DATE}\n{E} <{PR.involves}> <{ALPHA}> .", ([], [], [], [])),
    # an undated engagement
    (TYPED, ([(E[1:-1], None, None)], [], [], [])),
])
def test_the_rows_of_a_readout_are_its_engagements_facts(text: str, expected: object) -> None:
    assert readout_rows(text)[:4] == expected


@pytest.mark.parametrize(("text", "expected"), [
    # a post: its holder, organization and each title (a post of two organizations:
    # both); presiding; the holder's role
    ((f"<{ANA}> <{ORG.holds}> <{POST}> .\n<{POST}> <{ORG.postIn}> <{ALPHA}> .\n"
      f"<{POST}> <{ORG.postIn}> <{BETA}> .\n<{POST}> <{PR.title}> \"President\" .\n"
      f"<{ANA}> <{PR.presides}> <{ALPHA}> ."),
     ([(str(ANA), str(ALPHA), '"President"'), (str(ANA), str(BETA), '"President"')],
      [(str(ANA), str(ALPHA))], [(str(ANA), "post")], [])),
    # a post without a title or organization is no post of the career; its holder
    # still has the role (as the SPARQL's org:holds alone gives it)
    (f"<{ANA}> <{ORG.holds}> <{POST}> .\n<{POST}> <{ORG.postIn}> <{ALPHA}> .",
     ([], [], [(str(ANA), "post")], [])),
    # participants and attendees of engagements and of anything else, once each
    ((f"{TYPED}\n{E} <{PR.participant}> <{ANA}> .\n{E} <{PR.attendee}> <{BO}> .\n"
      f"<{ID['event/x']}> <{PR.participant}> <{CY}> .\n_:b <{PR.attendee}> <{BO}> ."),
     ([], [], [(str(ANA), "participant"), (str(BO), "present"), (str(CY), "participant")], [])),
    # what a readout says of itself, in the order stated
    ((f"<{READOUT}> <{DCTERMS.identifier}> \"r1\" .\n<{READOUT}> <{DCTERMS.title}> \"T\"@en .\n"
      f"<{READOUT}> <{DCTERMS.issued}> \"2024-03-11\"^^<{XSD.date}> ."),
     ([], [], [], [(str(READOUT), "identifier", '"r1"'), (str(READOUT), "title", '"T"@en'),
                   (str(READOUT), "issued", f'"2024-03-11"^^<{XSD.date}>')])),
])
def test_the_rows_of_a_readout_are_its_posts_heads_roles_and_metadata(text: str, expected: object) -> None:
    assert readout_rows(text)[-4:] == expected


def test_a_store_with_an_irregular_readout_runs_the_sparql(tmp_path: Path) -> None:
    e = ID["engagement/r9-1"]
    with GraphStore.open(tmp_path) as store:
        fill(store)
        store.replace_graph(GRAPH_BASE + "r9", [
            (e, RDF.type, PR.Engagement), (e, RDF.type, PR.Meeting),
            (e, PR.date, Literal("2024-03", datatype=XSD.gYearMonth))], "r9")
    _seal(tmp_path)
    with GraphStore.open(tmp_path, read_only=True) as store:
        assert answer(store, get_query("engagements-by-year"), {}) is None
        assert run_query(store, "engagements-by-year", cache=False).rows


def _compare_all(out: Path) -> None:
    with GraphStore.open(out, read_only=True) as store:
        for name, params in CASES:
            query = get_query(name)
            from kg.named_queries import bind_parameters

            assert answer(store, query, bind_parameters(store, query, params)) is not None, name
            _same(run_query(store, name, params, cache=False),
                  run_query(store, name, params, cache=False, summary=False))


def _typical(out: Path) -> dict[str, object]:
    with GraphStore.open(out, read_only=True) as store:
        result = run_query(store, "first-last-contact", cache=False, summary=False)
    return {"org": URIRef(max(result.rows, key=lambda row: int(row[-1] or 0))[0])}


@pytest.mark.parametrize(("jobs", "whole_share"), [(1, 0.25), (2, 0.25), (1, 1e9), (1, 0.0)],
                         ids=["j1", "j2", "j1-entities-by-changed", "j1-entities-whole"])
def test_a_build_keeps_the_summary_through_changes_and_prunes(
        tmp_path: Path, jobs: int, whole_share: float, workers_from_the_start: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # whole_share: the entities' aggregates are derived for the changed ones only
    # (1e9) or whole (0.0) on a rebuild
    monkeypatch.setattr(kg.summary, "_WHOLE_SHARE", whole_share)
    corpus, out = tmp_path / "in", tmp_path / "out"
    files = write_readouts(corpus, 40, seed=7)
    report = build([corpus], out, jobs=jobs, write_map=False, write_graph=False)
    assert report.ok and (out / SUMMARY_FILE).is_file()
    _compare_all(out)
    org = _typical(out)
    with GraphStore.open(out, read_only=True) as store:
        before = run_query(store, "first-last-contact", org, cache=False).rows
    # one readout changed, one gone, one new: the answers follow
    files[0].write_text(files[1].read_text(encoding="utf-8").replace("today", "yesterday"),
                        encoding="utf-8")
    files[2].unlink()
    shutil.copy(files[3], corpus / "copy-of-three.txt")
    report = build([corpus], out, jobs=jobs, prune=True, write_map=False, write_graph=False)
    assert report.ok and report.removed == 1 and report.built == 2
    _compare_all(out)
    with GraphStore.open(out, read_only=True) as store:
        after = run_query(store, "first-last-contact", org, cache=False).rows
        engagements = len(store.select_rows("SELECT ?e WHERE { ?e a pr:Engagement }")[1])
    assert after != before
    with Summary.open(out) as summary:
        assert summary.rows("SELECT COUNT(*) FROM eng") == [(engagements,)]


@pytest.mark.parametrize("written_between", [False, True])
def test_a_rebuild_copies_only_the_labels_it_derived_unless_the_store_was_written_since(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, written_between: bool) -> None:
    from kg.pipeline import LABELS_GRAPH

    corpus, out = tmp_path / "in", tmp_path / "out"
    files = write_readouts(corpus, 20, seed=19)
    assert build([corpus], out, write_map=False, write_graph=False).ok
    with GraphStore.open(out, read_only=True) as store:
        rows = run_query(store, "first-last-contact", cache=False, summary=False).rows
    first = files[0].read_text(encoding="utf-8")
    # a party the changed readout does not name: the rebuild does not derive its label
    org = URIRef(next(row[0] for row in rows if row[1] and row[1] not in first))
    if written_between:  # another program relabels it
        with GraphStore.open(out) as store:
            store.replace_subjects(LABELS_GRAPH, [str(org)], [
                (org, RDFS.label, Literal("Relabelled by hand", lang="en"))])
    copies: list[list[str] | None] = []
    real = Summary._copy_derived_labels

    def spy(summary: Summary, store: GraphStore, entities: list[str] | None,
            present: frozenset[str]) -> None:
        copies.append(entities)
        real(summary, store, entities, present)

    monkeypatch.setattr(Summary, "_copy_derived_labels", spy)
    files[0].write_text(first + "\nAlso present was Ona Vilde.\n", encoding="utf-8")
    report = build([corpus], out, write_map=False, write_graph=False)
    assert report.ok and report.built == 1
    assert len(copies) == 1 and (copies[0] is None) == written_between
    assert copies[0] is None or str(org) not in copies[0]
    _compare_all(out)
    with GraphStore.open(out, read_only=True) as store:
        names = {row[1] for row in run_query(store, "first-last-contact", {"org": org},
                                             cache=False).rows}
    assert ("Relabelled by hand" in names) == written_between


def test_readouts_named_in_two_graphs_are_counted_once_through_additions_and_removals(
        tmp_path: Path) -> None:
    # the counts per entity are kept by adding and taking away each graph's share;
    # a readout typed in two graphs is counted once: they are then counted whole
    corpus, out = tmp_path / "in", tmp_path / "out"
    write_readouts(corpus, 10, seed=23)
    assert build([corpus], out, write_map=False, write_graph=False).ok
    with GraphStore.open(out, read_only=True) as store:
        readout = URIRef(store.select_rows("SELECT ?r WHERE { ?r a pr:Readout } LIMIT 1")[1][0][0])
    extra = [(readout, RDF.type, PR.Readout), (BETA, RDF.type, PR.PoliticalParty),
             (BETA, SKOS.altLabel, Literal("Beta Union", lang="en"))]
    for step in ("add", "remove"):
        with GraphStore.open(out) as store:
            if step == "add":
                store.replace_graph(GRAPH_BASE + "_by-hand", extra, "by-hand")
                store.replace_graph(GRAPH_BASE + "_by-hand-2", extra, "by-hand-2")
            else:
                store.remove_graphs([GRAPH_BASE + "_by-hand"])
        assert build([corpus], out, write_map=False, write_graph=False).ok
        _compare_all(out)
        with GraphStore.open(out, read_only=True) as store:
            rows = run_query(store, "entities", {"name": "beta union"}, cache=False).rows
        assert [row[-1] for row in rows] == ["1"], step


def test_a_summary_made_after_the_store_is_made_from_the_store(tmp_path: Path) -> None:
    corpus, out = tmp_path / "in", tmp_path / "out"
    write_readouts(corpus, 20, seed=3)
    assert build([corpus], out, write_map=False, write_graph=False).ok
    (out / SUMMARY_FILE).unlink()  # a store built before summaries existed
    report = build([corpus], out, write_map=False, write_graph=False)
    assert report.ok and report.built == 0
    _compare_all(out)


def test_a_summary_that_cannot_be_written_is_a_warning_and_the_queries_still_answer(
        tmp_path: Path) -> None:
    corpus, out = tmp_path / "in", tmp_path / "out"
    write_readouts(corpus, 10, seed=5)
    (out / SUMMARY_FILE).mkdir(parents=True)  # a folder where the file should be
    report = build([corpus], out, write_map=False, write_graph=False)
    assert report.ok
    assert any(SUMMARY_FILE in where and "cannot open the summary" in why
               for where, why in report.warnings)
    with GraphStore.open(out, read_only=True) as store:
        assert run_query(store, "engagements-by-type", cache=False).rows


@pytest.mark.parametrize("spoil", [
    lambda path: path.write_bytes(b"not a database"),
    lambda path: Summary.open(path.parent).rows("UPDATE meta SET value = 'old' WHERE key = 'version'"),
], ids=["not-a-database", "another-version"])
def test_a_summary_file_the_build_cannot_use_is_made_again(tmp_path: Path, spoil: object) -> None:
    corpus, out = tmp_path / "in", tmp_path / "out"
    write_readouts(corpus, 10, seed=11)
    assert build([corpus], out, write_map=False, write_graph=False).ok
    spoil(out / SUMMARY_FILE)  # type: ignore[operator]
    report = build([corpus], out, write_map=False, write_graph=False)
    assert report.ok and not report.warnings
    _compare_all(out)


def test_the_graphs_left_out_of_the_summary_are_those_a_build_derives() -> None:
    from kg.pipeline import LABELS_GRAPH, TOPICS_GRAPH
    from kg.summary import DERIVED_GRAPHS

    assert {LABELS_GRAPH, TOPICS_GRAPH} == DERIVED_GRAPHS


def test_the_derived_graphs_hold_nothing_the_summarized_queries_read(tmp_path: Path) -> None:
    # they are left out of the summary, so they must add no readout, engagement,
    # entity class or link the queries count (their labels are read from the store)
    corpus, out = tmp_path / "in", tmp_path / "out"
    write_readouts(corpus, 5, seed=17)
    assert build([corpus], out, write_map=False, write_graph=False).ok
    read = {PR[name] for name in ("Readout", "Engagement", "Organization", "PoliticalParty",
                                  "PartyInternational", "PartyBody", "GovernmentBody", "Person",
                                  "Country", "Place")}
    links = {PR[name] for name in ("involves", "topic", "participant", "reportedIn", "date",
                                   "dialoguesWith", "country")}
    with GraphStore.open(out, read_only=True) as store:
        for graph in sorted(kg.summary.DERIVED_GRAPHS):
            triples = store.graph_triples(graph)
            assert triples, graph
            assert not [t for t in triples if t.predicate.value == str(RDF.type)
                        and URIRef(t.object.value) in read]
            assert not [t for t in triples if URIRef(t.predicate.value) in links]


def test_a_graph_written_by_hand_is_summarized_when_the_next_build_seals(tmp_path: Path) -> None:
    corpus, out = tmp_path / "in", tmp_path / "out"
    write_readouts(corpus, 10, seed=13)
    assert build([corpus], out, write_map=False, write_graph=False).ok
    e = ID["engagement/by-hand-1"]
    with GraphStore.open(out) as store:  # an analyst's own graph, beside the readouts
        store.replace_graph(GRAPH_BASE + "_by-hand", [
            (e, RDF.type, PR.Engagement), (e, RDF.type, PR.Forum),
            (e, PR.date, Literal("2031-01-02", datatype=XSD.date)), (e, PR.involves, ALPHA),
            (e, PR.involves, BETA)], "by-hand")
    assert build([corpus], out, write_map=False, write_graph=False).ok
    _compare_all(out)
    with GraphStore.open(out, read_only=True) as store:
        assert run_query(store, "engagements-by-year", {"year": 2031}, cache=False).rows == [
            ("2031", "Forum", "1")]


def test_a_sealed_summary_is_one_file_that_readers_need_not_write_beside(tmp_path: Path) -> None:
    corpus, out = tmp_path / "in", tmp_path / "out"
    write_readouts(corpus, 10, seed=17)
    assert build([corpus], out, write_map=False, write_graph=False).ok
    assert sorted(p.name for p in out.glob(SUMMARY_FILE + "*")) == [SUMMARY_FILE]
    with GraphStore.open(out, read_only=True) as store:
        assert answer(store, get_query("engagements-by-type"), {}) is not None
    assert sorted(p.name for p in out.glob(SUMMARY_FILE + "*")) == [SUMMARY_FILE]


def _dump(summary: Summary) -> dict[str, list[tuple[object, ...]]]:
    tables = [name for (name,) in summary.rows(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'meta' ORDER BY name")]
    return {table: sorted(summary.rows(f"SELECT * FROM {table}"), key=repr) for table in tables}


def _indexes(summary: Summary) -> set[str]:
    return {name for (name,) in summary.rows("SELECT name FROM sqlite_master WHERE type = 'index'")}


@pytest.mark.parametrize(("steps", "indexed_after"), [
    (["first"], False),                      # rows into an empty summary: no index kept up to date
    (["first", "second"], False),
    (["first", "first"], True),              # a row to remove must be found: indexed from then on
    (["first", "second", "first"], True),
])
def test_rows_written_before_their_indexes_are_those_written_with_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, steps: list[str], indexed_after: bool) -> None:
    with GraphStore.open(tmp_path / "world") as store:
        fill(store)
        hashes = store.content_hashes()  # as recorded: the sync reads none of them again
        graphs = [GraphData(iri, "\n".join(f"{t} ." for t in store.graph_triples(iri)), hashes[iri])
                  for iri in sorted(store.graph_iris()) if iri not in kg.summary.DERIVED_GRAPHS]
        half = {"first": graphs[: len(graphs) // 2], "second": graphs[len(graphs) // 2:]}
        dumps = []
        row_indexes = {name for name, _ in kg.summary._ROW_INDEXES}
        for deferred in (True, False):
            if not deferred:  # the reference: every index kept up to date from the first row
                monkeypatch.setattr(kg.summary, "_ROW_INDEXES", ())
            with Summary.open(tmp_path / f"summary-{deferred}") as summary:
                for step in steps:
                    summary.record(half[step])
                assert row_indexes.isdisjoint(_indexes(summary)) is (deferred and not indexed_after)
                recorded = {item.iri for step in steps for item in half[step]}
                assert summary.sync(store) == len(graphs) - len(recorded)  # those not recorded
                summary.finish()
                dumps.append(_dump(summary))
                assert row_indexes <= _indexes(summary)
    assert dumps[0]["eng"] and dumps[0]["forms"]
    assert dumps[0] == dumps[1]


def test_a_first_build_makes_the_summary_indexes_beside_the_labels(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    calls: list[tuple[str, bool]] = []
    original = Summary._indexed

    def noted(self: Summary) -> None:
        calls.append((threading.current_thread().name, self._unindexed))
        original(self)

    monkeypatch.setattr(Summary, "_indexed", noted)
    corpus, out = tmp_path / "in", tmp_path / "out"
    write_readouts(corpus, 12, seed=11)
    assert build([corpus], out, write_map=False, write_graph=False).ok
    # made once, by the thread beside the labels; later calls find nothing to do
    assert [name for name, due in calls if due] == ["summary-indexes"]
    with Summary.open(out) as summary:
        assert {name for name, _ in kg.summary._ROW_INDEXES} <= _indexes(summary)
    _compare_all(out)


def test_summary_indexes_that_cannot_be_made_are_a_warning_and_the_queries_still_answer(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kg.errors import StoreError

    def full(self: Summary) -> None:
        raise StoreError("cannot write the summary: database or disk is full; check the disk")

    monkeypatch.setattr(Summary, "index", full)
    corpus, out = tmp_path / "in", tmp_path / "out"
    write_readouts(corpus, 8, seed=13)
    report = build([corpus], out, write_map=False, write_graph=False)
    assert report.ok and report.built == 8
    assert [why for where, why in report.warnings if where.endswith(SUMMARY_FILE)] == [
        ("cannot write the summary: database or disk is full; check the disk "
         "(queries run without it, slower)")]
    with GraphStore.open(out, read_only=True) as store:
        assert run_query(store, "engagements-by-type", cache=False).rows


_AGGREGATE_TABLES = sorted({table for table, _, _ in kg.summary._AGGREGATES})


def _aggregates(summary: Summary) -> dict[str, list[tuple[object, ...]]]:
    """The aggregate tables with terms as IRIs (two summaries number terms apart)."""
    terms = dict(summary.rows("SELECT id, iri FROM terms"))
    numbered = {"by_year_topic": (1,), "by_org_year": (0, 2), "pair_day": (0, 1), "pair_n": (0, 1),
                "by_pair": (0, 1), "pairs": (0, 1), "by_pair_day": (0, 1), "by_country": (0, 1)}
    return {table: sorted((tuple(terms[v] if i in numbered.get(table, ()) else v
                                 for i, v in enumerate(row))
                           for row in summary.rows(f"SELECT * FROM {table}")), key=repr)
            for table in _AGGREGATE_TABLES}


# each rebuild: (files edited, files removed, files copied as new ones)
@pytest.mark.parametrize("rebuilds", [
    [((0,), (), ())],                                  # one readout edited
    [((), (2, 5), ())],                                # two removed (pruned)
    [((), (), (3,))],                                  # a copy of one added: its engagements twice
    [((0, 7), (2,), (3,)), ((5, 9), (4, 11), (7,))],   # all three, twice in a row
])
def test_aggregates_kept_by_changes_equal_those_derived_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        rebuilds: list[tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]]) -> None:
    corpus, out = tmp_path / "in", tmp_path / "out"
    files = write_readouts(corpus, 40, seed=29)
    assert build([corpus], out, write_map=False, write_graph=False).ok
    whole: list[Path] = []  # the summaries whose aggregates were derived whole
    real = Summary._derive_whole

    def spy(summary: Summary) -> None:
        whole.append(summary._path.parent)
        real(summary)

    monkeypatch.setattr(Summary, "_derive_whole", spy)
    for number, (edited, removed, copied) in enumerate(rebuilds):
        with Summary.open(out) as summary:
            before = _aggregates(summary)
        for k in edited:  # another readout's text, a day earlier
            files[k].write_text(files[k + 1].read_text(encoding="utf-8").replace("today", "yesterday"),
                                encoding="utf-8")
        for k in removed:
            files[k].unlink()
        for k in copied:
            shutil.copy(files[k], corpus / f"copy-{number}-{k}.txt")
        report = build([corpus], out, prune=True, write_map=False, write_graph=False)
        assert report.ok and report.built == len(edited) + len(copied)
        assert report.removed == len(removed)
        files = [f for f in files if f.exists()] + sorted(corpus.glob(f"copy-{number}-*"))
        with Summary.open(out) as summary:
            kept = _aggregates(summary)
            assert all(not summary.rows(f"SELECT * FROM d_{t}") for t in kg.summary._COUNTED)
            assert summary.rows("SELECT * FROM d_org") == []
        with GraphStore.open(out, read_only=True) as store, Summary.open(tmp_path / f"whole-{number}") as fresh:
            fresh.sync(store)
            fresh.finish()
            derived = _aggregates(fresh)
        assert kept == derived
        assert kept != before
        _compare_all(out)
    assert out not in whole  # the rebuilds added the changes: nothing derived whole
    assert all(derived[table] for table in _AGGREGATE_TABLES)


def test_each_graph_removed_and_written_again_keeps_the_aggregates_those_derived_whole(
        tmp_path: Path, world: GraphStore) -> None:
    # the world's graphs hold every shape of fact: an organization in a country
    # but in no engagement, dialogues, undated engagements, labels only
    hashes = world.content_hashes()
    graphs = {iri: GraphData(iri, "\n".join(f"{t} ." for t in world.graph_triples(iri)), hashes[iri])
              for iri in sorted(world.graph_iris()) if iri not in kg.summary.DERIVED_GRAPHS}

    def whole(present: list[str], name: str) -> dict[str, list[tuple[object, ...]]]:
        with Summary.open(tmp_path / name) as fresh:
            fresh.record([graphs[iri] for iri in present])
            fresh.finish()
            return _aggregates(fresh)

    # and a graph that only puts two organizations in dialogue, who engage elsewhere
    first = whole(list(graphs), "first")
    source, target = next(pair for pair in (row[:2] for row in first["pair_day"])
                          if pair[0] < pair[1] and pair not in first["pairs"])
    iri = GRAPH_BASE + "dialogue-only"
    graphs[iri] = GraphData(iri, f"<{source}> <{PR.dialoguesWith}> <{target}> .", "d")
    changed = 0
    with Summary.open(tmp_path / "kept") as summary:
        summary.record(list(graphs.values()))
        summary.finish()
        everything = _aggregates(summary)
        assert (source, target) in everything["pairs"]
        for number, iri in enumerate(graphs):
            summary.record([GraphData(iri, "", "")])
            summary.finish()
            without = _aggregates(summary)
            assert without == whole([other for other in graphs if other != iri], f"without-{number}"), iri
            changed += without != everything
            summary.record([graphs[iri]])
            summary.finish()
            assert _aggregates(summary) == everything, iri
    assert changed >= len(graphs) - 2  # graphs of labels only change no aggregate


def _sorted_by_passes(rows: list[tuple], keys: list[tuple[int, bool]]) -> list[tuple]:
    """ORDER BY as a stable sort per key, last key first (the definition)."""
    ordered = list(rows)
    for column, descending in reversed(keys):
        ordered.sort(key=lambda row: kg.summary._sort_value(row[column]), reverse=descending)
    return ordered


@pytest.mark.parametrize("seed, keys", [
    (1, [(0, False)]),
    (2, [(0, True)]),
    (3, [(1, False), (0, True)]),
    (4, [(2, True), (1, False), (0, False)]),
    (5, [(2, False), (2, True)]),
    (6, [(3, True), (0, False), (1, True), (2, False)]),
])
def test_summary_rows_are_sorted_as_by_one_stable_sort_per_key(seed: int, keys: list[tuple[int, bool]]) -> None:
    import random

    chooser = random.Random(seed)
    cells = [None, kg.summary._integer(2), kg.summary._integer(10), kg.summary._integer(-1),
             kg.summary._string("Beta"), kg.summary._string("Beta Union"), kg.summary._string("alpha"),
             kg.summary._date("2021-03-04"), kg.summary._date("2019-12-31"),
             kg.summary._iri(str(ID["org/a"])), kg.summary._iri(str(ID["org/b"])),
             Literal("Beta"), Literal(2)]  # equal in value to cells above, other objects
    # a column mixes kinds only as an answer's does: unbound beside one kind
    kinds = [cells[1:4] + cells[12:], cells[4:7] + cells[11:12], cells[7:9], cells[9:11]]
    rows = [tuple(chooser.choice([None, *kinds[column]]) for column in range(4)) + (index,)
            for index in range(300)]
    assert kg.summary._sorted(rows, keys) == _sorted_by_passes(rows, keys)
