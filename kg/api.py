"""The Python API for analysts: ``kg.build``, ``kg.open``, ``kg.score``.

A :class:`KnowledgeBase` is a built output folder opened for reading. Its
answers are pandas DataFrames (queries, scores), NetworkX graphs (the
projections of :mod:`kg.analysis`) and maps that draw inline in Jupyter::

    import kg
    kg.build("examples/readouts", "out")
    kb = kg.open("out")
    kb.query("engagements-by-year")                     # a named query
    kb.query("counterparts-by-year", org="Communist Party of China", year=2025)
    kb.query("SELECT ?p WHERE { ?p a pr:Person }")      # any SPARQL
    kb.graph("organizations", year=2025)                # a networkx.Graph
    kb.map(ego="Communist Party of China")              # renders in a notebook

Example:
    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "talks.txt").write_text(
    ...     "Talks in Kunming\\n ( 2024.03.12 )\\n\\nKunming, March 11th--Tang Wenbo, Vice-minister "
    ...     "of the IDCPC, held talks here today "
    ...     "with Ana Lima, President of the Workers' Party of Brazil.\\n")
    >>> build(folder / "talks.txt", folder / "out").engagements
    1
    >>> with open(folder / "out") as kb:
    ...     kb.query("engagements-by-year").to_dict("records")
    [{'year': 2024, 'type': 'Talks', 'engagements': 1}]
"""

from __future__ import annotations

import datetime as dt
import html
import inspect
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from kg.errors import QueryError
from kg.store import GraphStore

if TYPE_CHECKING:
    import networkx
    import pandas

    from kg.analysis import EngagementData, Filters
    from kg.evaluate import Report
    from kg.ingest import Failure
    from kg.mapviz import MapStats
    from kg.pipeline import BuildReport

__all__ = ["GRAPH_KINDS", "Evaluation", "KnowledgeBase", "MapView", "build", "make_filters", "open",
           "score"]

PathLike = str | Path

#: What :meth:`KnowledgeBase.graph` can project, and the :mod:`kg.analysis` function for each.
GRAPH_KINDS: Mapping[str, str] = {
    "organizations": "organization_graph",
    "countries": "country_graph",
    "affiliations": "affiliation_graph",
    "engagements": "engagement_graph",
    "network": "network_graph",
}

_FILTER_ALIASES: Mapping[str, str] = {"since": "date_from", "until": "date_to"}


def _paths(paths: PathLike | Iterable[PathLike]) -> list[Path]:
    if isinstance(paths, (str, Path)):
        return [Path(paths)]
    return [Path(path) for path in paths]


def build(paths: PathLike | Iterable[PathLike], out: PathLike, *, write_map: bool = True,
          max_bytes: int | None = None) -> BuildReport:
    """Build readouts (``.txt`` files, saved pages ``.html``/``.htm``, JSON Lines ``.jsonl``,
    or folders of them) into the output folder ``out``.

    The same as ``kg build PATH... -o OUT``: unchanged readouts are skipped, a
    bad readout is reported in ``failures`` and the others are still built.

    Parameters:
        paths: a file or folder, or several.
        out: the output folder (store, ``graph.ttl``, ``map.html``).
        write_map: also write ``out/map.html``.
        max_bytes: refuse input files larger than this (default 5,000,000).

    Returns:
        The :class:`~kg.pipeline.BuildReport`: counts, warnings and failures.

    Example: see the module docstring.
    """
    from kg.ingest import DEFAULT_MAX_BYTES
    from kg.pipeline import build as build_paths

    return build_paths(_paths(paths), Path(out), write_map=write_map,
                       max_bytes=max_bytes or DEFAULT_MAX_BYTES)


def open(out: PathLike) -> KnowledgeBase:
    """Open the knowledge graph built into ``out`` (read-only).

    Use it in a ``with`` block, or call :meth:`KnowledgeBase.close` when done
    (a build into the same folder needs it closed).

    Raises:
        StoreError: no store at ``out`` (build it first).

    Example: see the module docstring.
    """
    return KnowledgeBase(GraphStore.open(Path(out), read_only=True))


# --------------------------------------------------------------------------- the map

@dataclass(frozen=True)
class MapView:
    """A drawn map: the self-contained HTML page and what it shows.

    In Jupyter it renders inline (an ``<iframe>`` holding the page); ``save``
    writes the page to a file to open in a browser.

    Example:
        >>> view = MapView("<html><body>map</body></html>", height=300)
        >>> print(view._repr_html_())  # doctest: +NORMALIZE_WHITESPACE
        <iframe srcdoc="&lt;html&gt;&lt;body&gt;map&lt;/body&gt;&lt;/html&gt;"
        style="width: 100%; height: 300px; border: 0;" sandbox="allow-scripts"
        title="partyrel map"></iframe>
    """

    html: str
    stats: MapStats | None = None
    height: int = 640

    def _repr_html_(self) -> str:
        """The page in a sandboxed iframe (scripts run; nothing reaches the notebook)."""
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
                f'style="width: 100%; height: {int(self.height)}px; border: 0;" '
                'sandbox="allow-scripts" title="partyrel map"></iframe>')

    def save(self, path: PathLike) -> Path:
        """Write the page to ``path``; return the path."""
        target = Path(path)
        target.write_text(self.html, encoding="utf-8")
        return target

    def __repr__(self) -> str:
        if self.stats is None:
            return f"<MapView {len(self.html)} characters>"
        return (f"<MapView {self.stats.nodes} nodes, {self.stats.edges} edges"
                + (f", {self.stats.omitted_nodes} left out" if self.stats.omitted_nodes else "")
                + ">")


# --------------------------------------------------------------------------- knowledge base

def _as_date(name: str, value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise QueryError(f"filter {name} takes a date (datetime.date or 'YYYY-MM-DD'), got {value!r}")


def make_filters(**filters: Any) -> Filters:
    """:class:`kg.analysis.Filters` from keyword filters.

    Accepted: ``year`` (a whole year), ``since``/``date_from`` and
    ``until``/``date_to`` (dates or ISO strings, inclusive), and the other
    fields of Filters (``type``, ``topic``, ``ego``, ``radius``). None values
    are ignored.

    Example:
        >>> make_filters(year=2022, type="VideoCall").describe()
        'from 2022-01-01, to 2022-12-31, type Video call'
    """
    from kg.analysis import Filters

    known = set(inspect.signature(Filters).parameters)
    values: dict[str, Any] = {}
    for name, value in filters.items():
        if value is None:
            continue
        if name == "year":
            try:
                year = int(value)
            except (TypeError, ValueError) as err:
                raise QueryError(f"filter year takes a year such as 2022, got {value!r}") from err
            values["date_from"], values["date_to"] = dt.date(year, 1, 1), dt.date(year, 12, 31)
            continue
        target = _FILTER_ALIASES.get(name, name)
        if target not in known:
            accepted = ", ".join(["year", "since", "until", *sorted(known)])
            raise QueryError(f"unknown filter {name!r}; use {accepted}")
        values[target] = _as_date(name, value) if target in ("date_from", "date_to") else value
    return Filters(**values)


class KnowledgeBase:
    """A knowledge graph built by ``kg build``, opened for reading by :func:`open`.

    Example: see the module docstring.
    """

    def __init__(self, store: GraphStore) -> None:
        """Wrap an open store; prefer :func:`open`."""
        self._store = store
        self._data: EngagementData | None = None

    @property
    def store(self) -> GraphStore:
        """The underlying :class:`~kg.store.GraphStore` (for SPARQL with pyoxigraph terms)."""
        return self._store

    @property
    def location(self) -> Path | None:
        """The output folder the graph was opened from."""
        return self._store.location

    # ---------------------------------------------------------------- queries

    def query(self, sparql_or_name: str, /, **params: Any) -> pandas.DataFrame:
        """Run a named query, SPARQL text or a ``.rq`` file; return a DataFrame.

        ``params`` bind query variables safely (see :func:`kg.query.run_query`):
        a named query converts each by its parameter's kind (an organization
        by IRI or name, a year, a date); for other SPARQL, python values bind
        as typed literals and ``"<https://...>"`` as an IRI. Cells are python
        values: IRIs as strings, integers, dates; an unbound cell is None.
        An ASK query gives one column ``boolean``, a CONSTRUCT the columns
        subject/predicate/object.

        Raises:
            QueryError: a syntax error, an unknown named query or parameter,
                a name that matches no entity; the message says what to fix.
        """
        from kg.query import run_query, to_dataframe

        return to_dataframe(run_query(self._store, sparql_or_name, params))

    @staticmethod
    def queries() -> pandas.DataFrame:
        """The named queries: name, title, parameters (name:kind) and description.

        Example:
            >>> table = KnowledgeBase.queries()
            >>> table.loc[table.name == "calls-in-period", "parameters"].item()
            'since:date, until:date'
        """
        import pandas as pd

        from kg.named_queries import list_queries

        return pd.DataFrame(
            [(q.name, q.title, ", ".join(f"{p.name}:{p.kind}" for p in q.parameters),
              q.description) for q in list_queries()],
            columns=["name", "title", "parameters", "description"])

    # ---------------------------------------------------------------- networks

    def _engagement_data(self) -> EngagementData:
        if self._data is None:
            from kg.pipeline import built_engagement_data

            self._data = built_engagement_data(self._store)
        return self._data

    def graph(self, kind: str = "organizations", **filters: Any) -> networkx.Graph:
        """A NetworkX projection of the graph (see :mod:`kg.analysis`).

        Parameters:
            kind: ``organizations`` (sides of engagements; edge ``weight`` =
                engagements together), ``countries``, ``affiliations``
                (persons and their organizations), ``engagements`` (bipartite)
                or ``network`` (what the map draws).
            filters: ``year=2025``, ``since=``/``until=`` (dates or
                ``YYYY-MM-DD``), ``type="VideoCall"``, ``topic=``, ``ego=``
                (a name or IRI: its neighbourhood) and ``radius=``.

        Returns:
            A ``networkx.Graph`` whose node ids are IRIs, with ``label`` and
            ``kind`` on every node.
        """
        from kg import analysis

        if kind not in GRAPH_KINDS:
            raise QueryError(f"unknown graph kind {kind!r}; use one of {', '.join(GRAPH_KINDS)}")
        project = getattr(analysis, GRAPH_KINDS[kind])
        return project(self._engagement_data(), make_filters(**filters))

    def map(self, *, title: str | None = None, max_nodes: int = 2000, height: int = 640,
            size_by: str | None = None, **filters: Any) -> MapView:
        """Draw the network as an offline HTML map, shown inline in Jupyter.

        Takes the filters of :meth:`graph` (``year``, ``ego``, ...); ``title``
        defaults to one naming them, ``max_nodes`` keeps the strongest nodes,
        ``size_by`` chooses the node size (see :func:`kg.mapviz.render_map`).
        """
        from kg.mapviz import render_map

        chosen = make_filters(**filters)
        described = chosen.describe()
        options: dict[str, Any] = {"title": title or (f"partyrel network: {described}" if described
                                                      else "partyrel network"),
                                   "max_nodes": max_nodes}
        accepted = inspect.signature(render_map).parameters
        if "filters" in accepted:
            options["filters"] = chosen
        elif described:
            raise QueryError("this version of kg.mapviz cannot filter a map; draw it unfiltered")
        if size_by is not None:
            options["size_by"] = size_by
        with tempfile.TemporaryDirectory(prefix="kg-map-") as folder:
            page = Path(folder) / "map.html"
            stats = render_map(self._engagement_data(), page, **options)
            text = page.read_text(encoding="utf-8")
        return MapView(text, stats, height)

    # ---------------------------------------------------------------- lifetime

    def close(self) -> None:
        """Close the store (harmless twice)."""
        self._store.close()
        self._data = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __len__(self) -> int:
        """The number of instance quads (a triple stated by two readouts counts twice)."""
        return len(self._store)

    def __repr__(self) -> str:
        return f"<KnowledgeBase {self.location or 'in memory'}>"


# --------------------------------------------------------------------------- evaluation

@dataclass
class Evaluation:
    """What :func:`score` found: the score :class:`~kg.evaluate.Report`
    and the readouts that could not be built.

    Example:
        >>> from kg.evaluate import Discrepancy, FieldScore, Report
        >>> result = Evaluation(Report({"type": FieldScore(2, 0, 1)}, FieldScore(2, 0, 1),
        ...                             [Discrepancy("r-1", "type", "miss", "Talks")]))
        >>> result.scores()[["field", "f1"]].round(3).to_dict("records")
        [{'field': 'type', 'f1': 0.8}, {'field': 'overall', 'f1': 0.8}]
        >>> result.misses()[["readout", "value"]].to_dict("records")
        [{'readout': 'r-1', 'value': 'Talks'}]
    """

    report: Report
    failures: list[Failure] = field(default_factory=list)

    @property
    def overall(self) -> float:
        """The micro-averaged F1 over all fields."""
        return self.report.overall.f1

    def table(self) -> str:
        """The score table of ``kg eval``."""
        return self.report.to_table()

    def scores(self) -> pandas.DataFrame:
        """One row per field, ``overall`` last: tp, fp, fn, precision, recall, f1."""
        import pandas as pd

        rows = [{"field": name, **score.to_dict()} for name, score in self.report.fields.items()]
        rows.append({"field": "overall", **self.report.overall.to_dict()})
        return pd.DataFrame(rows, columns=["field", "tp", "fp", "fn", "precision", "recall", "f1"])

    def discrepancies(self, kind: str | None = None) -> pandas.DataFrame:
        """Every miss and extra (``kind="miss"`` or ``"extra"`` for one of them):
        readout, field, kind, value, context."""
        import pandas as pd

        if kind not in (None, "miss", "extra"):
            raise ValueError(f"kind must be 'miss', 'extra' or None, got {kind!r}")
        rows = [d.to_dict() for d in self.report.details if kind is None or d.kind == kind]
        return pd.DataFrame(rows, columns=["readout", "field", "kind", "value", "context"])

    def misses(self) -> pandas.DataFrame:
        """The gold items the graph lacks (see :meth:`discrepancies`)."""
        return self.discrepancies("miss")

    def extras(self) -> pandas.DataFrame:
        """The graph's items that the gold lacks (see :meth:`discrepancies`)."""
        return self.discrepancies("extra")

    def __repr__(self) -> str:
        o = self.report.overall
        return (f"<Evaluation of {len(self.report.readouts)} readouts: overall P {o.precision:.3f} "
                f"R {o.recall:.3f} F1 {o.f1:.3f}>")


def score(docs: PathLike, gold: PathLike) -> Evaluation:
    """Score the extraction of the readouts in ``docs`` against the gold files
    in ``gold`` (what ``kg eval DOCS GOLD`` prints). (Named ``score`` because
    ``kg.evaluate`` is the scoring module.)

    The readouts are built into a temporary store, scored, and the store is removed.

    Raises:
        GoldError: a gold file is malformed.
    """
    from kg.evaluate import evaluate_folder

    with tempfile.TemporaryDirectory(prefix="kg-eval-") as workdir:
        report, build_report = evaluate_folder(Path(docs), Path(gold), Path(workdir))
    return Evaluation(report, list(build_report.failures))
