"""The public Python API: import kg; kg.build, kg.open -> KnowledgeBase, kg.score."""

from __future__ import annotations

import datetime as dt
import html
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from tiny_world import fill

import kg
from kg.api import KnowledgeBase, MapView, make_filters
from kg.errors import QueryError, StoreError
from kg.store import GraphStore

HEAVY = ("pandas", "pyoxigraph", "spacy", "rdflib", "networkx", "pyvis")


@pytest.fixture(scope="module")
def kb() -> Iterator[KnowledgeBase]:
    with KnowledgeBase(fill(GraphStore.memory())) as opened:
        yield opened


# --------------------------------------------------------------------------- the package

def test_import_kg_stays_fast_by_importing_nothing_heavy() -> None:
    code = f"import kg, sys; print([m for m in {HEAVY!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("name", kg.__all__)
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(kg, name) is not None


def test_no_public_name_is_also_a_module_name() -> None:
    modules = {info.name for info in pkgutil.iter_modules(kg.__path__)} | {"queries"}
    assert not modules & set(kg.__all__)


def test_an_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        kg.nothing  # noqa: B018


def test_list_queries_is_a_table_of_the_library() -> None:
    table = kg.list_queries()
    assert list(table.columns) == ["name", "title", "parameters", "description"]
    assert table.loc[table.name == "counterparts-by-year", "parameters"].item() == \
        "org:iri, year:integer"


# --------------------------------------------------------------------------- queries

def test_query_returns_typed_values(kb: KnowledgeBase) -> None:
    frame = kb.query("first-last-contact", org="Alpha Party")
    assert list(frame.columns) == ["org", "org_name", "counterpart", "counterpart_name", "first",
                                   "last", "engagements"]
    assert frame.to_dict("records")[0] == {
        "org": "https://w3id.org/partyrel/id/org/alpha-party", "org_name": "Alpha Party",
        "counterpart": "https://w3id.org/partyrel/id/org/beta-union",
        "counterpart_name": "Beta Union", "first": dt.date(2022, 3, 1),
        "last": dt.date(2023, 5, 10), "engagements": 3}


def test_query_runs_sparql_with_bound_python_values(kb: KnowledgeBase) -> None:
    frame = kb.query("SELECT ?e ?day WHERE { ?e pr:date ?day } ORDER BY ?e",
                     day=dt.date(2023, 5, 10))
    assert frame.to_dict("records") == [
        {"e": "https://w3id.org/partyrel/id/engagement/r2-1", "day": dt.date(2023, 5, 10)}]


def test_query_gives_an_empty_table_with_the_columns(kb: KnowledgeBase) -> None:
    frame = kb.query("engagements-by-year", year=1999)
    assert frame.empty and list(frame.columns) == ["year", "type", "engagements"]


def test_query_errors_say_what_to_fix(kb: KnowledgeBase) -> None:
    with pytest.raises(QueryError, match="has no parameter 'when'"):
        kb.query("engagements-by-year", when=2022)


# --------------------------------------------------------------------------- graphs

def test_graph_projects_the_organizations_with_weights(kb: KnowledgeBase) -> None:
    graph = kb.graph()
    assert isinstance(graph, nx.Graph)
    alpha = "https://w3id.org/partyrel/id/org/alpha-party"
    beta = "https://w3id.org/partyrel/id/org/beta-union"
    assert graph.nodes[alpha]["label"] == "Alpha Party"
    assert graph.edges[alpha, beta]["weight"] == 3


@pytest.mark.parametrize(("filters", "edges"), [
    ({}, 3),
    ({"year": 2022}, 2),
    ({"since": "2023-01-01"}, 2),
    ({"since": "2023-01-01", "until": dt.date(2023, 6, 30)}, 1),
    ({"type": "VideoCall"}, 1),
    ({"ego": "Gamma International"}, 1),
])
def test_graph_filters_narrow_the_projection(kb: KnowledgeBase, filters: dict[str, object],
                                             edges: int) -> None:
    assert kb.graph("organizations", **filters).number_of_edges() == edges


@pytest.mark.parametrize(("call", "message"), [
    (lambda kb: kb.graph("parties"), "unknown graph kind 'parties'; use one of organizations"),
    (lambda kb: kb.graph(colour="red"), "unknown filter 'colour'"),
    (lambda kb: kb.graph(year="last"), "filter year takes a year"),
    (lambda kb: kb.graph(since="March"), "filter since takes a date"),
])
def test_graph_refuses_a_wrong_kind_or_filter(kb: KnowledgeBase, call, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        call(kb)


@pytest.mark.parametrize("kind", ["organizations", "countries", "affiliations", "engagements",
                                  "network"])
def test_every_graph_kind_projects(kb: KnowledgeBase, kind: str) -> None:
    assert kb.graph(kind).number_of_nodes() > 0


def test_make_filters_turns_a_year_into_its_dates() -> None:
    chosen = make_filters(year=2024, since=None)
    assert (chosen.date_from, chosen.date_to) == (dt.date(2024, 1, 1), dt.date(2024, 12, 31))


# --------------------------------------------------------------------------- maps

def test_map_renders_inline_as_an_iframe_of_the_whole_page(kb: KnowledgeBase,
                                                           tmp_path: Path) -> None:
    view = kb.map(year=2022, height=400)
    assert isinstance(view, MapView) and view.stats is not None and view.stats.nodes > 0
    shown = view._repr_html_()
    assert shown.startswith('<iframe srcdoc="') and "height: 400px" in shown
    assert html.unescape(shown.split('srcdoc="', 1)[1].split('" style=', 1)[0]) == view.html
    assert "<html" in view.html and "Alpha Party" in view.html
    assert view.save(tmp_path / "map.html").read_text(encoding="utf-8") == view.html


# --------------------------------------------------------------------------- build and open

def test_build_then_open_answers_queries(tmp_path: Path, sample_dir: Path) -> None:
    readout = min(sample_dir.glob("seed-*.txt"))
    report = kg.build(str(readout), tmp_path / "out", write_map=False)
    assert report.ok and report.engagements == 1
    with kg.open(tmp_path / "out") as opened:
        assert opened.location == tmp_path / "out"
        frame = opened.query("calls-in-period")
        assert frame[["date", "type", "readout"]].to_dict("records") == [
            {"date": dt.date(2022, 9, 27), "type": "VideoCall", "readout": "seed-videocall"}]
        assert len(opened) > 0 and "KnowledgeBase" in repr(opened)


def test_open_without_a_build_says_to_build(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="run `kg build"):
        kg.open(tmp_path)


# --------------------------------------------------------------------------- evaluation

def test_score_gives_kg_evals_numbers_as_tables(sample_dir: Path, sample_gold: Path) -> None:
    result = kg.score(sample_dir, sample_gold)
    scores = result.scores()
    assert list(scores.columns) == ["field", "tp", "fp", "fn", "precision", "recall", "f1"]
    assert scores.field.iloc[-1] == "overall" and scores.f1.iloc[-1] == result.overall
    assert 0.5 < result.overall <= 1.0
    misses, extras = result.misses(), result.extras()
    assert isinstance(misses, pd.DataFrame) and set(misses.kind) <= {"miss"}
    assert set(extras.kind) <= {"extra"}
    assert len(misses) + len(extras) == len(result.discrepancies())
    assert result.table().splitlines()[-1].startswith("overall")
    assert result.failures == []
