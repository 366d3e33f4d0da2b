"""The network map: one self-contained, offline HTML page (pyvis / vis-network)
drawn from a partyrel graph through :func:`kg.analysis.network_graph`, cut to its
strongest nodes by :func:`kg.analysis.strongest_network`.

What is drawn (core vocabulary terms):

* nodes: organizations and countries that are sides of engagements
  (``pr:involves``), persons who are participants (``pr:participant``), and the
  organizations they hold posts in. Colour and shape follow the class:
  political party, party international, party body, government body, other
  organization, country, person (legend in the page). Size follows a chosen
  metric (``size_by``: weighted degree by default, or engagements, degree,
  PageRank, betweenness, eigenvector centrality).
* solid edges between sides co-involved in engagements; width grows with the
  number of engagements, the tooltip lists them (date, type, readout title,
  the evidence sentence);
* dashed edges person-organization for a post (``org:holds``/``org:postIn``),
  labelled with its ``pr:title``; dotted edges person-side for the sides of
  the engagements a person took part in.

The page has a search box (finds and focuses nodes by name) and filters by
engagement type and year range that hide what does not match and re-weigh the
edges; they are small inline scripts. The layout is seeded (vis-network
``randomSeed``) and physics stops once stabilized. A graph larger than
``max_nodes`` keeps its strongest part (most engagements, then weighted
degree) and the page says so.

Safety: the page embeds data only as JSON inside inline scripts, with ``<``,
``>``, ``&`` and ``'`` written as ``\\u003c``... escapes, so no data can close
a script or open a tag; vis-network draws labels on a canvas and shows string
tooltips as text (``innerText``), and the page's scripts write only
``textContent`` and form values, so a label ``<img src=x onerror=alert(1)>``
is shown as those characters. Node tooltips are attached after drawing (field
``tip``) because pyvis 0.3.2 switches to an ``innerHTML`` popup whenever a node
title contains "href". The page's own HTML (title, legend, notices) is built
with ``html.escape``. A Content-Security-Policy forbids any network access;
pyvis's CDN links (bootstrap) are removed.

Example:
    >>> import tempfile
    >>> from pathlib import Path
    >>> import rdflib
    >>> page = Path(tempfile.mkdtemp()) / "map.html"
    >>> render_map(rdflib.Graph(), page)
    MapStats(nodes=0, edges=0, omitted_nodes=0)
    >>> "no engagements yet" in page.read_text(encoding="utf-8")
    True
"""

from __future__ import annotations

import html
import json
import os
import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import rdflib

from kg.analysis import (
    ENGAGEMENT_TYPES,
    METRICS,
    AnalysisError,
    Engagement,
    EngagementData,
    Filters,
    gc_paused,
    load,
    node_metric,
    select,
    strongest_network,
    type_label,
)
from kg.errors import PartyrelError

if TYPE_CHECKING:
    import networkx as nx

    from kg.store import GraphStore

__all__ = ["SIZE_BY", "MapStats", "render_map"]

#: Node size choices of :func:`render_map` (``kg map --size-by``).
SIZE_BY: tuple[str, ...] = METRICS

_MAX_TOOLTIP_ENGAGEMENTS = 12
_MAX_EVIDENCE_CHARS = 280
_RANDOM_SEED = 42
_BETWEENNESS_SAMPLES = 300


@dataclass(frozen=True)
class MapStats:
    """What :func:`render_map` drew: node and edge counts, and how many nodes
    were left out to respect ``max_nodes`` (the weakest ones).

    Example:
        >>> MapStats(nodes=3, edges=2)
        MapStats(nodes=3, edges=2, omitted_nodes=0)
    """

    nodes: int
    edges: int
    omitted_nodes: int = 0


@dataclass(frozen=True)
class _Kind:
    key: str
    legend: str
    color: str
    shape: str
    glyph: str


_KINDS: tuple[_Kind, ...] = (
    _Kind("party", "political party", "#d62728", "hexagon", "\u2b22"),
    _Kind("international", "party international", "#9467bd", "star", "\u2605"),
    _Kind("party_body", "party body", "#ff7f0e", "diamond", "\u25c6"),
    _Kind("government", "government body", "#1f77b4", "square", "\u25a0"),
    _Kind("other_org", "other organization", "#17becf", "triangleDown", "\u25bc"),
    _Kind("country", "country", "#2ca02c", "triangle", "\u25b2"),
    _Kind("person", "person", "#7f7f7f", "dot", "\u25cf"),
)
_KIND_BY_KEY: Mapping[str, _Kind] = MappingProxyType({kind.key: kind for kind in _KINDS})
_KIND_ORDER: Mapping[str, int] = MappingProxyType({kind.key: i for i, kind in enumerate(_KINDS)})

_EDGE_STYLES: tuple[tuple[str, str, str], ...] = (
    # (legend, svg stroke-dasharray, colour)
    ("engagements between sides (thicker: more)", "", "#555555"),
    ("holds a post in (label: the post)", "8 5", "#8c8c8c"),
    ("took part in an engagement of that side", "2 4", "#b0b0b0"),
)

_METRIC_WORDS: Mapping[str, str] = MappingProxyType({
    "engagements": "number of engagements", "degree": "degree",
    "weighted_degree": "weighted degree (engagements with others)", "pagerank": "PageRank",
    "betweenness": "betweenness centrality", "eigenvector": "eigenvector centrality"})

_EXTERNAL_LINK = re.compile(r"<link\b[^>]*?\bhref\s*=\s*[\"']?\s*(?:https?:)?//[^>]*>",
                            re.IGNORECASE)
_EXTERNAL_SCRIPT = re.compile(
    r"<script\b[^>]*?\bsrc\s*=\s*[\"']?\s*(?:https?:)?//[^>]*>\s*</script\s*>", re.IGNORECASE)
_EMPTY_HEADING = re.compile(r"<center>\s*<h1>\s*</h1>\s*</center>", re.IGNORECASE)
# pyvis's template keeps a commented-out link to ../node_modules: dead markup
_DEAD_COMMENT = re.compile(r"<!--(?:(?!-->).)*?node_modules(?:(?!-->).)*?-->", re.DOTALL)

_CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
        "img-src data: blob:; font-src data:")

_PAGE_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       margin: 0.8em; color: #222; }
.pr-header h1 { font-size: 1.4em; margin: 0 0 0.2em 0; }
.pr-summary { margin: 0 0 0.4em 0; color: #555; font-size: 0.9em; }
.pr-notice { margin: 0.2em 0 0.4em 0; padding: 0.3em 0.6em; background: #fff4d6;
             border-left: 4px solid #e0a800; font-size: 0.9em; }
.pr-legend { list-style: none; padding: 0; margin: 0.2em 0; display: flex; flex-wrap: wrap;
             gap: 0.3em 1.2em; font-size: 0.85em; }
.pr-legend li { white-space: nowrap; }
.pr-glyph { font-size: 1.2em; vertical-align: -0.1em; }
.pr-controls { display: flex; flex-wrap: wrap; align-items: center; gap: 0.4em 1.2em;
               margin: 0.4em 0; font-size: 0.9em; }
.pr-controls input[type=number] { width: 5.5em; }
.pr-controls input[type=search] { width: 16em; }
.pr-status { color: #555; }
.pr-empty { font-size: 1.1em; color: #555; margin-top: 2em; }
#mynetwork div.vis-tooltip { white-space: pre-wrap; overflow-wrap: anywhere; max-width: 46em;
                            font-size: 0.85em; }
#loadingBar { display: none !important; }
"""

# Runs after pyvis's drawGraph(): node tooltips as plain text, physics frozen
# once stabilized, then the search box and the type / year filters. Writes only
# textContent, form values and DataSet fields: nothing from the data is parsed
# as HTML.
_AFTER_SCRIPT = """
<script type="text/javascript">
(function () {
  if (typeof network === "undefined" || typeof nodes === "undefined") { return; }
  var box = document.getElementById("mynetwork");
  var data = JSON.parse(document.getElementById("pr-data").textContent);
  var all = nodes.get();
  nodes.update(all.map(function (n) { return {id: n.id, title: n.tip}; }));
  var frozen = false;
  function freeze() {
    if (frozen) { return; }
    frozen = true;
    network.setOptions({physics: {enabled: false}});
    box.setAttribute("data-physics", "off");
    box.setAttribute("data-settled-ms", String(Math.round(performance.now())));
  }
  var status = document.getElementById("pr-status");
  function say(text) { status.textContent = text; }
  network.on("stabilizationProgress", function (p) {
    if (!frozen) { say("laying out: " + Math.round(100 * p.iterations / p.total) + "%"); }
  });
  network.once("stabilizationIterationsDone", function () { freeze(); say(""); });
  network.once("stabilized", freeze);

  // search: exact name first, else every name containing the text
  var search = document.getElementById("pr-search");
  var names = document.getElementById("pr-names");
  var labels = all.map(function (n) { return n.label; }).sort();
  labels.forEach(function (label) {
    var option = document.createElement("option");
    option.value = label;
    names.appendChild(option);
  });
  function find() {
    var wanted = search.value.trim().toLowerCase();
    if (!wanted) { network.unselectAll(); say(""); return; }
    var shown = nodes.get({filter: function (n) { return !n.hidden; }});
    var hits = shown.filter(function (n) { return n.label.toLowerCase() === wanted; });
    if (!hits.length) {
      hits = shown.filter(function (n) { return n.label.toLowerCase().indexOf(wanted) >= 0; });
    }
    if (!hits.length) {
      network.unselectAll();
      say("no match for \\u201c" + search.value + "\\u201d");
      return;
    }
    network.selectNodes(hits.map(function (n) { return n.id; }));
    network.focus(hits[0].id, {scale: 1.2, animation: false});
    say(hits.length === 1 ? "found: " + hits[0].label
        : hits.length + " matches, showing " + hits[0].label);
  }
  search.addEventListener("change", find);
  search.addEventListener("keydown", function (event) { if (event.key === "Enter") { find(); } });

  // filters: type and year range over the engagements behind each node and edge
  var typeBox = document.getElementById("pr-type");
  var fromBox = document.getElementById("pr-from");
  var toBox = document.getElementById("pr-to");
  var undatedBox = document.getElementById("pr-undated");
  var firstYear = data.years[0], lastYear = data.years[1];
  var baseEdges = edges.get();
  function apply() {
    var type = typeBox.value === "" ? -1 : Number(typeBox.value);
    var from = fromBox.value === "" ? firstYear : Number(fromBox.value);
    var to = toBox.value === "" ? lastYear : Number(toBox.value);
    var undated = undatedBox.checked;
    var everything = type < 0 && undated
                     && (firstYear === null || (from <= firstYear && to >= lastYear));
    var pass = data.engagements.map(function (e) {
      if (type >= 0 && e[1] !== type) { return false; }
      if (e[0] === null) { return undated; }
      return e[0] >= from && e[0] <= to;
    });
    function count(list) {
      var n = 0;
      for (var i = 0; i < list.length; i++) { if (pass[list[i]]) { n++; } }
      return n;
    }
    // a node shows when one of its engagements passes; a node without any (an
    // organization named only by a post) shows while a post holder shows
    var visible = {}, dependent = {};
    all.forEach(function (n) {
      if (n.eng.length) { visible[n.id] = everything || count(n.eng) > 0; }
      else { dependent[n.id] = true; visible[n.id] = everything; }
    });
    var edgeUpdates = baseEdges.map(function (e) {
      if (everything) { return {id: e.id, hidden: false, value: e.value}; }
      if (e.eng.length) {
        var n = count(e.eng);
        var update = {id: e.id, hidden: n === 0};
        if (e.value !== undefined) { update.value = Math.max(1, n); }
        return update;
      }
      var show = (visible[e.from] && (visible[e.to] || dependent[e.to]))
                 || (visible[e.to] && dependent[e.from]);
      return {id: e.id, hidden: !show};
    });
    edgeUpdates.forEach(function (u, i) {
      if (!u.hidden) { visible[baseEdges[i].from] = true; visible[baseEdges[i].to] = true; }
    });
    nodes.update(all.map(function (n) { return {id: n.id, hidden: !visible[n.id]}; }));
    edges.update(edgeUpdates);
    var shownIds = all.filter(function (n) { return visible[n.id]; })
                      .map(function (n) { return n.id; });
    var shown = shownIds.length;
    if (shown) { network.fit({nodes: shownIds, animation: false}); }
    say(everything ? "" : shown + " of " + all.length + " nodes match the filters");
    box.setAttribute("data-shown", String(shown));
  }
  [typeBox, fromBox, toBox, undatedBox].forEach(function (control) {
    control.addEventListener("change", apply);
  });
  document.getElementById("pr-reset").addEventListener("click", function () {
    typeBox.value = "";
    fromBox.value = firstYear === null ? "" : String(firstYear);
    toBox.value = lastYear === null ? "" : String(lastYear);
    undatedBox.checked = true;
    search.value = "";
    network.unselectAll();
    apply();
  });
  box.setAttribute("data-ready", "yes");
  box.setAttribute("data-ready-ms", String(Math.round(performance.now())));
})();
</script>
"""


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _json_for_script(value: Any) -> str:
    """JSON that cannot end a script or open a tag (as Jinja's ``tojson``)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("'", "\\u0027").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _short(text: str, limit: int = _MAX_EVIDENCE_CHARS) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "\u2026"


def _engagement_lines(engagements: list[Engagement]) -> list[str]:
    """One line "date - type - readout title" and the evidence sentence per engagement."""
    lines = []
    for engagement in engagements[:_MAX_TOOLTIP_ENGAGEMENTS]:
        day = engagement.date.isoformat() if engagement.date else "undated"
        lines.append(f"{day} \u2014 {type_label(engagement.type)} \u2014 "
                     f"{engagement.readout_title}")
        if engagement.evidence:
            lines.append(f"    \u201c{_short(engagement.evidence)}\u201d")
    if len(engagements) > _MAX_TOOLTIP_ENGAGEMENTS:
        lines.append(f"\u2026 and {len(engagements) - _MAX_TOOLTIP_ENGAGEMENTS} more")
    return lines


def _span(attributes: Mapping[str, Any]) -> str:
    first, last = attributes.get("first", ""), attributes.get("last", "")
    if not first:
        return ""
    return f" ({first})" if first == last else f" ({first} to {last})"


def _format_metric(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:.4f}"


def _node_tooltip(data: EngagementData, node: str, attributes: Mapping[str, Any], kind: _Kind,
                  size_by: str, size: float) -> str:
    entity = data.entity(node)
    lines = [entity.label, kind.legend]
    aliases = [a for a in entity.aliases if a != entity.label]
    if aliases:
        lines.append("also: " + "; ".join(aliases))
    if entity.country:
        lines.append("country: " + data.label(entity.country))
    posts = [f"{post.title}, {data.label(post.organization)}" for post in entity.posts]
    if posts:
        lines.append("posts: " + "; ".join(posts))
    count = attributes.get("engagements", 0)
    if count:
        lines.append(_plural(count, "engagement") + _span(attributes))
    if size_by != "engagements":
        lines.append(f"{_METRIC_WORDS[size_by]}: {_format_metric(size)}")
    return "\n".join(lines)


def _options(node_count: int) -> dict[str, Any]:
    """vis-network options: seeded layout; fewer, coarser physics iterations
    for large graphs (2,000 nodes settle in about 3 s in headless Chromium)."""
    large = node_count > 500
    iterations = 400 if node_count <= 500 else 200 if node_count <= 1000 else 100
    solver: dict[str, Any] = {"gravitationalConstant": -60, "centralGravity": 0.01,
                              "springLength": 110, "springConstant": 0.06,
                              "damping": 0.7 if large else 0.5,
                              "avoidOverlap": 0 if large else 0.2}
    if large:
        solver["theta"] = 0.9
    return {
        "layout": {"randomSeed": _RANDOM_SEED, "improvedLayout": node_count <= 300},
        "physics": {
            "enabled": True,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": solver,
            "stabilization": {"enabled": True, "iterations": iterations, "updateInterval": 25,
                              "fit": True},
            "minVelocity": 2.0 if large else 0.75,
        },
        "interaction": {"hover": True, "tooltipDelay": 150, "hideEdgesOnDrag": large},
        "nodes": {"font": {"size": 14}, "borderWidth": 1,
                  "scaling": {"min": 10, "max": 40, "label": {"enabled": False}}},
        "edges": {"smooth": False, "color": {"inherit": False},
                  "scaling": {"min": 1, "max": 10},
                  "font": {"size": 10, "align": "middle", "color": "#555555"}},
    }


def _legend_html(size_by: str) -> str:
    items = "".join(
        f'<li><span class="pr-glyph" style="color:{kind.color}">{kind.glyph}</span> '
        f"{html.escape(kind.legend)}</li>" for kind in _KINDS)
    edges = "".join(
        '<li><svg width="34" height="10" aria-hidden="true"><line x1="1" y1="5" x2="33" y2="5" '
        f'stroke="{color}" stroke-width="2"'
        + (f' stroke-dasharray="{dash}"' if dash else "")
        + f"/></svg> {html.escape(text)}</li>" for text, dash, color in _EDGE_STYLES)
    size = f"<li>node size: {html.escape(_METRIC_WORDS[size_by])}</li>"
    return (f'<ul class="pr-legend" aria-label="node classes">{items}</ul>\n'
            f'<ul class="pr-legend" aria-label="edge kinds">{edges}{size}</ul>')


def _controls_html(type_names: list[str], years: tuple[int | None, int | None]) -> str:
    options = "".join(f'<option value="{i}">{html.escape(type_label(name))}</option>'
                      for i, name in enumerate(type_names))
    first, last = years
    if first is None:
        year_inputs = ('<input id="pr-from" type="number" disabled aria-label="from year"> '
                       '\u2013 <input id="pr-to" type="number" disabled aria-label="to year">')
    else:
        year_inputs = (f'<input id="pr-from" type="number" min="{first}" max="{last}" '
                       f'value="{first}" aria-label="from year"> \u2013 '
                       f'<input id="pr-to" type="number" min="{first}" max="{last}" '
                       f'value="{last}" aria-label="to year">')
    return ('<div class="pr-controls">\n'
            '<label>Find <input id="pr-search" type="search" list="pr-names" '
            'placeholder="a name, then Enter" autocomplete="off"></label>'
            '<datalist id="pr-names"></datalist>\n'
            f'<label>Type <select id="pr-type"><option value="">all types</option>{options}'
            "</select></label>\n"
            f"<label>Years {year_inputs}</label>\n"
            '<label><input id="pr-undated" type="checkbox" checked> undated</label>\n'
            '<button id="pr-reset" type="button">Reset</button>\n'
            '<span id="pr-status" class="pr-status" aria-live="polite"></span>\n'
            "</div>")


def _head_extra(title: str) -> str:
    return (f'\n<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
            f'\n<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"\n<title>{html.escape(title)}</title>"
            f"\n<style>{_PAGE_STYLE}</style>\n")


def _empty_page(title: str, filters: Filters) -> str:
    if filters.empty:
        message = ("no engagements yet: this graph has no engagement with organizations, "
                   "countries or persons. Build it from some readouts "
                   "(<code>kg build READOUTS -o OUT</code>) and draw the map again.")
    else:
        message = (f"no engagement matches the filters ({html.escape(filters.describe())}); "
                   "widen them and draw the map again.")
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"
            + _head_extra(title)
            + "</head>\n<body>\n"
            f'<header class="pr-header"><h1>{html.escape(title)}</h1></header>\n'
            f'<p class="pr-empty">{message}</p>\n'
            "</body>\n</html>\n")


def _replace_once(text: str, old: str, new: str) -> str:
    if old not in text:
        raise PartyrelError(f"the pyvis page template changed ({old!r} is missing); "
                            "install pyvis 0.3.2, the version partyrel supports")
    return text.replace(old, new, 1)


def _finish_page(generated: str, title: str, header_body: str, page_data: dict[str, Any]) -> str:
    page = _EXTERNAL_SCRIPT.sub("", generated)
    page = _EXTERNAL_LINK.sub("", page)
    page = _EMPTY_HEADING.sub("", page)
    page = _DEAD_COMMENT.sub("", page)
    page = _replace_once(page, '<meta charset="utf-8">', '<meta charset="utf-8">'
                         + _head_extra(title))
    header = f'<header class="pr-header"><h1>{html.escape(title)}</h1>\n{header_body}\n</header>\n'
    page = _replace_once(page, "<body>", "<body>\n" + header)
    tail = page.rfind("</body>")
    if tail < 0:
        raise PartyrelError("the pyvis page has no </body>; install pyvis 0.3.2, the version "
                            "partyrel supports")
    data_block = (f'<script type="application/json" id="pr-data">{_json_for_script(page_data)}'
                  "</script>\n")
    page = page[:tail] + data_block + _AFTER_SCRIPT + page[tail:]
    page = page.replace("<html>", '<html lang="en">', 1)
    return "<!DOCTYPE html>\n" + page


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise PartyrelError(f"cannot write the map to {path}: {err.strerror or err}; choose a "
                            "writable folder") from err
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _html_document(data: EngagementData, graph: nx.Graph, title: str, size_by: str,
                   filters: Filters, omitted: int) -> tuple[str, int]:
    from pyvis.network import Network  # heavy import (jinja2), only when drawing

    # the engagements behind nodes and edges, indexed for the page's filters
    by_iri = {e.iri: e for e in data.engagements}
    nodes = set(graph.nodes)
    used = sorted({i for _, _, ids in graph.edges(data="engagement_ids") for i in ids or ()}
                  | {e.iri for e in data.engagements if not nodes.isdisjoint(e.entities)},
                  key=lambda i: (by_iri[i].date is None, by_iri[i].date or by_iri[i].iri, i))
    index_of = {iri: i for i, iri in enumerate(used)}
    type_names = [t for t in (*ENGAGEMENT_TYPES, "Engagement")
                  if any(by_iri[i].type == t for i in used)]
    type_index = {name: i for i, name in enumerate(type_names)}
    years = [year for year in (by_iri[i].year for i in used) if year is not None]
    span: tuple[int | None, int | None] = (min(years), max(years)) if years else (None, None)
    of_node: dict[str, list[int]] = defaultdict(list)
    for iri in used:
        for member in by_iri[iri].entities:
            if member in graph:
                of_node[member].append(index_of[iri])

    sizes = node_metric(graph, size_by, seed=_RANDOM_SEED,
                        betweenness_samples=_BETWEENNESS_SAMPLES)
    ordered = sorted(graph.nodes, key=lambda n: (
        _KIND_ORDER.get(graph.nodes[n].get("kind", ""), _KIND_ORDER["other_org"]),
        str(graph.nodes[n].get("label", n)).casefold(), str(n)))
    net = Network(height="760px", width="100%", directed=False, cdn_resources="in_line",
                  heading="")
    for node in ordered:
        attributes = graph.nodes[node]
        kind = _KIND_BY_KEY.get(attributes.get("kind", ""), _KIND_BY_KEY["other_org"])
        net.add_node(node, label=str(attributes.get("label", node)), shape=kind.shape,
                     color=kind.color, value=sizes[node],
                     tip=_node_tooltip(data, node, attributes, kind, size_by, sizes[node]),
                     eng=sorted(of_node.get(node, [])))

    dialogue_color, post_color, part_color = (style[2] for style in _EDGE_STYLES)
    edges: list[dict[str, Any]] = []
    for a, b, attributes in sorted(graph.edges(data=True),
                                   key=lambda item: tuple(sorted((str(item[0]), str(item[1]))))):
        a, b = sorted((a, b), key=str)
        found = [by_iri[i] for i in attributes.get("engagement_ids", [])]
        eng = [index_of[e.iri] for e in found]
        label_a, label_b = data.label(a), data.label(b)
        if attributes.get("relation") == "affiliation":
            person, side = (a, b) if graph.nodes[a].get("kind") == "person" else (b, a)
            posts = attributes.get("posts", [])
            lines = []
            if posts:
                lines.append(f"{data.label(person)}: {', '.join(posts)}, {data.label(side)}")
            if found:
                lines.append(f"{data.label(person)} took part in "
                             f"{_plural(len(found), 'engagement')} of {data.label(side)}"
                             f"{_span(attributes)}:")
                lines.extend(_engagement_lines(found))
            edge: dict[str, Any] = {"from": person, "to": side, "title": "\n".join(lines),
                                    "width": 1, "eng": eng}
            if posts:
                edge.update(label=", ".join(posts), dashes=[8, 5], color=post_color)
            else:
                edge.update(dashes=[2, 4], color=part_color)
        else:
            lines = [f"{label_a} \u2014 {label_b}",
                     f"{_plural(len(found), 'engagement')}{_span(attributes)}:",
                     *_engagement_lines(found)]
            edge = {"from": a, "to": b, "value": max(1, len(found)), "title": "\n".join(lines),
                    "color": dialogue_color, "eng": eng}
        edge["id"] = f"e{len(edges)}"
        edges.append(edge)
    # appended directly: pyvis's add_edge scans every node and edge for each call (quadratic)
    net.edges = edges
    net.options = _options(len(ordered))

    summary = f"{_plural(len(ordered), 'node')}, {_plural(len(edges), 'edge')}."
    summary += " Drag to move, scroll to zoom, hover for details."
    notices = []
    if filters.describe():
        notices.append(f"Filters: {filters.describe()}.")
    if omitted:
        notices.append(
            f"Large graph: showing the {len(ordered):,} strongest of {len(ordered) + omitted:,} "
            "nodes (most engagements, then weighted degree); raise max_nodes "
            "(kg map --max-nodes) to see all.")
    header = (f'<p class="pr-summary">{html.escape(summary)}</p>\n'
              + "".join(f'<p class="pr-notice" id="pr-{"cap" if "Large" in n else "filters"}">'
                        f"{html.escape(n)}</p>\n" for n in notices)
              + _controls_html(type_names, span) + "\n" + _legend_html(size_by))
    page_data = {"engagements": [[by_iri[i].year, type_index[by_iri[i].type]] for i in used],
                 "types": [type_label(t) for t in type_names], "years": list(span)}
    return _finish_page(net.generate_html(), title, header, page_data), len(edges)


def render_map(source: rdflib.Graph | GraphStore | EngagementData, path: Path | str, *,
               title: str = "partyrel network", max_nodes: int = 2000,
               filters: Filters | None = None, size_by: str = "weighted_degree",
               progress: Callable[[str], None] | None = None) -> MapStats:
    """Draw the network of organizations, countries and persons as one offline
    HTML page at ``path`` (written atomically) and return what was drawn.

    Parameters:
        source: an rdflib Graph, a GraphStore, or data from :func:`kg.analysis.load`.
        path: the HTML file to write.
        title: the page's title and heading.
        max_nodes: at most this many nodes are drawn, the strongest (most
            engagements, then weighted degree); the page says how many were left out.
        filters: date range, type, topic, ego (:class:`kg.analysis.Filters`).
        size_by: the node size, one of :data:`SIZE_BY`.
        progress: called with each step before it runs ("ranking the nodes").

    Returns:
        The counts drawn. The layout is seeded and frozen once stable, so the
        same graph gives the same page and the same map. A graph without
        engagements gives a page saying "no engagements yet".

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from rdflib import Graph, Literal, Namespace, RDF, RDFS
        >>> PR = Namespace("https://w3id.org/partyrel/ontology#")
        >>> ID = Namespace("https://w3id.org/partyrel/id/")
        >>> g = Graph()
        >>> for party, name in ((ID["org/zwp"], "Zeta Workers Party"), (ID["org/eta"], "Eta")):
        ...     _ = g.add((party, RDF.type, PR.PoliticalParty))
        ...     _ = g.add((party, RDFS.label, Literal(name)))
        ...     _ = g.add((ID["engagement/r1-1"], PR.involves, party))
        >>> render_map(g, Path(tempfile.mkdtemp()) / "map.html")
        MapStats(nodes=2, edges=1, omitted_nodes=0)
    """
    if max_nodes < 1:
        raise ValueError(f"max_nodes must be at least 1, got {max_nodes}")
    if size_by not in SIZE_BY:
        raise AnalysisError(f"cannot size nodes by {size_by!r}; use one of {', '.join(SIZE_BY)}")
    filters = filters or Filters()
    target = Path(path)
    tell = progress or (lambda step: None)
    with gc_paused():  # the network's lists and dicts hold no cycles (see gc_paused)
        if not isinstance(source, EngagementData):
            tell("reading the engagements")
        data = source if isinstance(source, EngagementData) else load(source)
        tell("ranking the nodes")
        graph, omitted = strongest_network(data, filters, max_nodes=max_nodes)
        if graph.number_of_nodes() == 0:
            _write_atomically(target, _empty_page(title, filters))
            return MapStats(nodes=0, edges=0)
        tell(f"drawing {graph.number_of_nodes():,} nodes")
        page, edge_count = _html_document(select(data, filters), graph, title, size_by, filters,
                                          omitted)
    _write_atomically(target, page)
    return MapStats(nodes=graph.number_of_nodes(), edges=edge_count, omitted_nodes=omitted)
