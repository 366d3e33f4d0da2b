"""The network map: one self-contained, offline HTML page (pyvis / vis-network)
drawn from a partyrel graph.

What is drawn (core vocabulary terms):

* nodes: organizations that are sides of engagements (``pr:involves``), take
  part in ``pr:dialoguesWith``, or host a post of a participant; countries that
  are sides; persons who are participants (``pr:participant``). Colour and
  shape follow the class: political party, party international, party body,
  government body, other organization, country, person (legend in the page).
* solid edges between sides: every pair asserted by ``pr:dialoguesWith`` or
  co-involved in an engagement; width grows with the number of engagements
  involving both, the tooltip lists them ("date — type — readout title");
* dashed edges person–organization from ``org:holds``/``org:postIn``,
  labelled with the post's ``pr:title``;
* dotted edges person–side for the sides of the engagements a person took
  part in, unless a post already links them.

Safety: the page embeds data only as JSON inside the inline script, with ``<``,
``>``, ``&`` and ``'`` written as ``\\u003c``... escapes (Jinja's ``tojson``),
so no data can close the script or open a tag; vis-network draws labels on a
canvas and shows string tooltips as text (``innerText``), so a label
``<img src=x onerror=alert(1)>`` is shown as those characters. Node tooltips
are attached after drawing (field ``tip``) because pyvis 0.3.2 switches to an
``innerHTML`` popup whenever a node title contains "href". The page's own HTML
(title, legend) is built with ``html.escape``. A Content-Security-Policy
forbids any network access; pyvis's CDN links (bootstrap) are removed.

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
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from types import MappingProxyType
from typing import Any

import rdflib
from rdflib import RDF, RDFS
from rdflib.namespace import DCTERMS, FOAF, PROV, SKOS
from rdflib.term import BNode, Literal, Node, URIRef

from kg.errors import PartyrelError
from kg.namespaces import PR

__all__ = ["MapStats", "render_map"]

ORG = rdflib.Namespace("http://www.w3.org/ns/org#")

_ENGAGEMENT_TYPES: tuple[URIRef, ...] = tuple(
    PR[name] for name in ("Meeting", "Talks", "VideoCall", "PhoneCall", "Correspondence",
                          "Visit", "Forum"))
_MAX_TOOLTIP_LINES = 25
_RANDOM_SEED = 42


@dataclass(frozen=True)
class MapStats:
    """What :func:`render_map` drew: node and edge counts, and how many nodes
    were left out to respect ``max_nodes`` (the least connected ones).

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
    ("dialogue between sides (thicker: more engagements)", "", "#555555"),
    ("holds a post in (label: the post)", "8 5", "#8c8c8c"),
    ("took part in an engagement of that side", "2 4", "#b0b0b0"),
)

_EXTERNAL_LINK = re.compile(r"<link\b[^>]*?\bhref\s*=\s*[\"']?\s*(?:https?:)?//[^>]*>", re.IGNORECASE)
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
.pr-legend { list-style: none; padding: 0; margin: 0.2em 0; display: flex; flex-wrap: wrap;
             gap: 0.3em 1.2em; font-size: 0.85em; }
.pr-legend li { white-space: nowrap; }
.pr-glyph { font-size: 1.2em; vertical-align: -0.1em; }
.pr-empty { font-size: 1.1em; color: #555; margin-top: 2em; }
.vis-tooltip { white-space: pre-wrap; max-width: 40em; font-size: 0.85em; }
"""

# Runs after pyvis's drawGraph(): attaches node tooltips as plain text and
# freezes the layout once stabilized (seeded, so the same graph gives the same map).
_AFTER_SCRIPT = """
<script type="text/javascript">
(function () {
  if (typeof network === "undefined" || typeof nodes === "undefined") { return; }
  nodes.update(nodes.get().map(function (n) { return {id: n.id, title: n.tip}; }));
  var frozen = false;
  function freeze() {
    if (frozen) { return; }
    frozen = true;
    network.setOptions({physics: {enabled: false}});
    document.getElementById("mynetwork").setAttribute("data-physics", "off");
  }
  network.once("stabilizationIterationsDone", freeze);
  network.once("stabilized", freeze);
})();
</script>
"""


@dataclass(frozen=True)
class _Engagement:
    node: Node
    date: str
    type_label: str
    title: str
    sides: tuple[Node, ...]
    participants: tuple[Node, ...]

    @property
    def line(self) -> str:
        return f"{self.date} \u2014 {self.type_label} \u2014 {self.title}"

    @property
    def sort_key(self) -> tuple[str, str, str]:
        return (self.date, self.title, str(self.node))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _local_name(node: Node) -> str:
    if isinstance(node, URIRef):
        iri = str(node).rstrip("/#")
        tail = re.split(r"[/#]", iri)[-1]
        return tail or str(node)
    return "(unnamed)"


def _node_id(node: Node) -> str:
    return f"_:{node}" if isinstance(node, BNode) else str(node)


def _humanize(local: str) -> str:
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", local).split()
    if not words:
        return local
    return " ".join([words[0]] + [word.lower() for word in words[1:]])


class _Reader:
    """Cached look-ups over one rdflib graph (labels, kinds)."""

    def __init__(self, graph: rdflib.Graph) -> None:
        self.graph = graph
        self._labels: dict[Node, str] = {}
        self._kinds: dict[Node, str | None] = {}

    def literals(self, node: Node, prop: URIRef) -> list[Literal]:
        return [o for o in self.graph.objects(node, prop) if isinstance(o, Literal)]

    def first_text(self, node: Node, prop: URIRef) -> str | None:
        values = sorted(_one_line(str(v)) for v in self.literals(node, prop))
        values = [v for v in values if v]
        return values[0] if values else None

    def label(self, node: Node) -> str:
        cached = self._labels.get(node)
        if cached is not None:
            return cached
        text = None
        for prop in (RDFS.label, SKOS.prefLabel):
            values = self.literals(node, prop)
            english = sorted(_one_line(str(v)) for v in values
                             if (v.language or "").lower().startswith("en"))
            others = sorted(_one_line(str(v)) for v in values)
            chosen = [v for v in english + others if v]
            if chosen:
                text = chosen[0]
                break
        result = text or _local_name(node)
        self._labels[node] = result
        return result

    def kind(self, node: Node) -> str | None:
        if node in self._kinds:
            return self._kinds[node]
        types = set(self.graph.objects(node, RDF.type))
        result: str | None = None
        if PR.PartyInternational in types:
            result = "international"
        elif PR.PoliticalParty in types:
            result = "party"
        elif PR.PartyBody in types:
            result = "party_body"
        elif PR.GovernmentBody in types:
            result = "government"
        elif PR.Country in types:
            result = "country"
        elif PR.Person in types or FOAF.Person in types:
            result = "person"
        elif types & {PR.Organization, ORG.Organization, ORG.FormalOrganization,
                      ORG.OrganizationalUnit}:
            result = "other_org"
        self._kinds[node] = result
        return result

    def engagement_type(self, node: Node) -> str:
        types = set(self.graph.objects(node, RDF.type))
        for cls in _ENGAGEMENT_TYPES:
            if cls in types:
                return self.first_text(cls, RDFS.label) or _humanize(_local_name(cls))
        return "Engagement"

    def readout_title(self, node: Node) -> str:
        readouts = sorted(set(self.graph.objects(node, PR.reportedIn))
                          | set(self.graph.objects(node, PROV.wasDerivedFrom)), key=str)
        if not readouts:
            return "no readout"
        readout = readouts[0]
        return (self.first_text(readout, DCTERMS.title)
                or self.first_text(readout, DCTERMS.identifier)
                or "untitled readout")

    def engagement(self, node: Node) -> _Engagement:
        dates = sorted(str(v) for v in self.literals(node, PR.date))
        sides = tuple(sorted(set(self.graph.objects(node, PR.involves)), key=str))
        people = tuple(sorted(set(self.graph.objects(node, PR.participant)), key=str))
        return _Engagement(node=node, date=dates[0] if dates else "undated",
                           type_label=self.engagement_type(node),
                           title=self.readout_title(node), sides=sides, participants=people)

    def posts(self, person: Node) -> list[tuple[str, list[Node]]]:
        """(post title, organizations or countries it is in) for each post held."""
        found = []
        for post in sorted(set(self.graph.objects(person, ORG.holds)), key=str):
            title = (self.first_text(post, PR.title) or self.first_text(post, RDFS.label)
                     or "post")
            targets = sorted(set(self.graph.objects(post, ORG.postIn)), key=str)
            found.append((title, targets))
        return found


def _engagement_lines(engagements: Iterable[_Engagement]) -> list[str]:
    ordered = sorted(set(engagements), key=lambda e: e.sort_key)
    lines = [e.line for e in ordered[:_MAX_TOOLTIP_LINES]]
    if len(ordered) > _MAX_TOOLTIP_LINES:
        lines.append(f"\u2026 and {len(ordered) - _MAX_TOOLTIP_LINES} more")
    return lines


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@dataclass
class _Network:
    nodes: dict[Node, str]
    engagements_of: dict[Node, list[_Engagement]]
    dialogue: dict[tuple[Node, Node], list[_Engagement]]
    posts: dict[tuple[Node, Node], list[str]]
    took_part: dict[tuple[Node, Node], list[_Engagement]]


def _build(reader: _Reader) -> _Network:
    graph = reader.graph
    engagement_nodes: set[Node] = set(graph.subjects(PR.involves, None))
    engagement_nodes |= set(graph.subjects(PR.participant, None))
    for cls in (PR.Engagement, *_ENGAGEMENT_TYPES):
        engagement_nodes |= set(graph.subjects(RDF.type, cls))
    engagements = sorted((reader.engagement(node) for node in engagement_nodes),
                         key=lambda e: e.sort_key)

    nodes: dict[Node, str] = {}
    engagements_of: dict[Node, list[_Engagement]] = defaultdict(list)
    dialogue: dict[tuple[Node, Node], list[_Engagement]] = {}
    for engagement in engagements:
        sides = []
        for side in engagement.sides:
            kind = reader.kind(side) or "other_org"
            if kind == "person" or isinstance(side, Literal):
                continue
            nodes[side] = kind
            engagements_of[side].append(engagement)
            sides.append(side)
        for a, b in combinations(sorted(set(sides), key=str), 2):
            dialogue.setdefault((a, b), []).append(engagement)
        for person in engagement.participants:
            if isinstance(person, Literal):
                continue
            nodes[person] = "person"
            engagements_of[person].append(engagement)

    for a, b in graph.subject_objects(PR.dialoguesWith):
        if a == b or isinstance(b, Literal):
            continue
        kinds = (reader.kind(a) or "other_org", reader.kind(b) or "other_org")
        if "person" in kinds:
            continue
        nodes.setdefault(a, kinds[0])
        nodes.setdefault(b, kinds[1])
        key = (a, b) if str(a) <= str(b) else (b, a)
        dialogue.setdefault(key, [])

    posts: dict[tuple[Node, Node], list[str]] = {}
    persons = sorted((n for n, k in nodes.items() if k == "person"), key=str)
    for person in persons:
        for title, targets in reader.posts(person):
            for target in targets:
                if isinstance(target, Literal):
                    continue
                kind = reader.kind(target) or "other_org"
                if kind == "person" or (kind == "country" and target not in nodes):
                    continue
                nodes.setdefault(target, kind)
                titles = posts.setdefault((person, target), [])
                if title not in titles:
                    titles.append(title)

    took_part: dict[tuple[Node, Node], list[_Engagement]] = {}
    for person in persons:
        for engagement in engagements_of[person]:
            for side in engagement.sides:
                if side in nodes and nodes[side] != "person" and (person, side) not in posts:
                    took_part.setdefault((person, side), []).append(engagement)
    return _Network(nodes, engagements_of, dialogue, posts, took_part)


def _keep(network: _Network, reader: _Reader, max_nodes: int) -> set[Node]:
    if len(network.nodes) <= max_nodes:
        return set(network.nodes)
    degree: dict[Node, int] = defaultdict(int)
    for edges in (network.dialogue, network.posts, network.took_part):
        for a, b in edges:
            degree[a] += 1
            degree[b] += 1
    ranked = sorted(network.nodes, key=lambda n: (-len(set(network.engagements_of.get(n, []))),
                                                  -degree[n], reader.label(n).lower(), str(n)))
    return set(ranked[:max_nodes])


def _node_tooltip(node: Node, kind: _Kind, reader: _Reader, network: _Network) -> str:
    label = reader.label(node)
    lines = [label, kind.legend]
    aliases = sorted({_one_line(str(v)) for v in reader.literals(node, SKOS.altLabel)} - {label})
    if aliases:
        lines.append("also: " + "; ".join(a for a in aliases if a))
    countries = sorted({reader.label(c) for c in reader.graph.objects(node, PR.country)})
    if countries:
        lines.append("country: " + "; ".join(countries))
    posts = []
    for title, targets in reader.posts(node):
        where = ", ".join(reader.label(t) for t in targets)
        posts.append(f"{title}, {where}" if where else title)
    if posts:
        lines.append("posts: " + "; ".join(posts))
    count = len(set(network.engagements_of.get(node, [])))
    if count:
        lines.append(_plural(count, "engagement"))
    return "\n".join(lines)


def _options(node_count: int) -> dict[str, Any]:
    return {
        "layout": {"randomSeed": _RANDOM_SEED, "improvedLayout": node_count <= 300},
        "physics": {
            "enabled": True,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {"gravitationalConstant": -60, "centralGravity": 0.01,
                                 "springLength": 110, "springConstant": 0.06,
                                 "damping": 0.5, "avoidOverlap": 0.2},
            "stabilization": {"enabled": True, "iterations": 400, "updateInterval": 25,
                              "fit": True},
            "minVelocity": 0.75,
        },
        "interaction": {"hover": True, "tooltipDelay": 150, "hideEdgesOnDrag": node_count > 500},
        "nodes": {"font": {"size": 14}, "borderWidth": 1,
                  "scaling": {"min": 10, "max": 40, "label": {"enabled": False}}},
        "edges": {"smooth": False, "color": {"inherit": False},
                  "scaling": {"min": 1, "max": 10},
                  "font": {"size": 10, "align": "middle", "color": "#555555"}},
    }


def _legend_html() -> str:
    items = "".join(
        f'<li><span class="pr-glyph" style="color:{kind.color}">{kind.glyph}</span> '
        f"{html.escape(kind.legend)}</li>" for kind in _KINDS)
    edges = "".join(
        '<li><svg width="34" height="10" aria-hidden="true"><line x1="1" y1="5" x2="33" y2="5" '
        f'stroke="{color}" stroke-width="2"'
        + (f' stroke-dasharray="{dash}"' if dash else "")
        + f"/></svg> {html.escape(text)}</li>" for text, dash, color in _EDGE_STYLES)
    return (f'<ul class="pr-legend" aria-label="node classes">{items}</ul>\n'
            f'<ul class="pr-legend" aria-label="edge kinds">{edges}</ul>')


def _head_extra(title: str) -> str:
    return (f'\n<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
            f'\n<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"\n<title>{html.escape(title)}</title>"
            f"\n<style>{_PAGE_STYLE}</style>\n")


def _empty_page(title: str) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"
            + _head_extra(title)
            + "</head>\n<body>\n"
            f'<header class="pr-header"><h1>{html.escape(title)}</h1></header>\n'
            '<p class="pr-empty">no engagements yet: this graph has no engagement with '
            "organizations, countries or persons. Build it from some readouts "
            "(<code>kg build READOUTS -o OUT</code>) and draw the map again.</p>\n"
            "</body>\n</html>\n")


def _replace_once(text: str, old: str, new: str) -> str:
    if old not in text:
        raise PartyrelError(f"the pyvis page template changed ({old!r} is missing); "
                            "install pyvis 0.3.2, the version partyrel supports")
    return text.replace(old, new, 1)


def _finish_page(generated: str, title: str, summary: str) -> str:
    page = _EXTERNAL_SCRIPT.sub("", generated)
    page = _EXTERNAL_LINK.sub("", page)
    page = _EMPTY_HEADING.sub("", page)
    page = _DEAD_COMMENT.sub("", page)
    page = _replace_once(page, '<meta charset="utf-8">', '<meta charset="utf-8">'
                         + _head_extra(title))
    header = (f'<header class="pr-header"><h1>{html.escape(title)}</h1>\n'
              f'<p class="pr-summary">{html.escape(summary)}</p>\n{_legend_html()}\n</header>\n')
    page = _replace_once(page, "<body>", "<body>\n" + header)
    tail = page.rfind("</body>")
    if tail < 0:
        raise PartyrelError("the pyvis page has no </body>; install pyvis 0.3.2, the version "
                            "partyrel supports")
    page = page[:tail] + _AFTER_SCRIPT + page[tail:]
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


def _html_document(reader: _Reader, network: _Network, keep: set[Node], title: str,
                   omitted: int) -> tuple[str, int]:
    from pyvis.network import Network  # heavy import (jinja2), only when drawing

    ordered = sorted(keep, key=lambda n: (_KIND_ORDER[network.nodes[n]], reader.label(n).lower(),
                                          str(n)))
    net = Network(height="780px", width="100%", directed=False, cdn_resources="in_line",
                  heading="")
    for node in ordered:
        kind = _KIND_BY_KEY[network.nodes[node]]
        count = len(set(network.engagements_of.get(node, [])))
        net.add_node(_node_id(node), label=reader.label(node), shape=kind.shape,
                     color=kind.color, value=1 + count,
                     tip=_node_tooltip(node, kind, reader, network))

    edges: list[dict[str, Any]] = []
    dialogue_color, post_color, part_color = (style[2] for style in _EDGE_STYLES)
    for (a, b), found in sorted(network.dialogue.items(), key=lambda item: (str(item[0][0]),
                                                                            str(item[0][1]))):
        if a not in keep or b not in keep:
            continue
        unique = set(found)
        head = f"{reader.label(a)} \u2014 {reader.label(b)}"
        if unique:
            tip = "\n".join([head, _plural(len(unique), "engagement") + ":",
                             *_engagement_lines(unique)])
        else:
            tip = f"{head}\nin dialogue (pr:dialoguesWith); no engagement in this graph"
        edges.append({"from": _node_id(a), "to": _node_id(b), "value": max(1, len(unique)),
                      "title": tip, "color": dialogue_color})
    for (person, target), titles in sorted(network.posts.items(),
                                           key=lambda item: (str(item[0][0]), str(item[0][1]))):
        if person not in keep or target not in keep:
            continue
        label = ", ".join(titles)
        edges.append({"from": _node_id(person), "to": _node_id(target), "label": label,
                      "title": f"{reader.label(person)}: {label}, {reader.label(target)}",
                      "dashes": [8, 5], "width": 1, "color": post_color})
    for (person, side), found in sorted(network.took_part.items(),
                                        key=lambda item: (str(item[0][0]), str(item[0][1]))):
        if person not in keep or side not in keep:
            continue
        unique = set(found)
        head = (f"{reader.label(person)} took part in "
                f"{_plural(len(unique), 'engagement')} of {reader.label(side)}:")
        tip = "\n".join([head, *_engagement_lines(unique)])
        edges.append({"from": _node_id(person), "to": _node_id(side), "title": tip,
                      "dashes": [2, 4], "width": 1, "color": part_color})
    # appended directly: pyvis's add_edge scans every node and edge for each call (quadratic)
    net.edges = edges
    net.options = _options(len(ordered))

    summary = f"{_plural(len(ordered), 'node')}, {_plural(len(edges), 'edge')}"
    if omitted:
        summary += (f" (the {len(ordered)} most connected of {len(ordered) + omitted} nodes; "
                    "raise max_nodes to see all)")
    summary += ". Drag to move, scroll to zoom, hover for details."
    return _finish_page(net.generate_html(), title, summary), len(edges)


def render_map(graph: rdflib.Graph, path: Path | str, *, title: str = "partyrel network",
               max_nodes: int = 2000) -> MapStats:
    """Draw the graph's network of organizations, countries and persons as one
    offline HTML page at ``path`` (written atomically) and return what was drawn.

    At most ``max_nodes`` nodes are drawn, the most connected ones (by number of
    engagements, then edges). The layout is seeded and frozen once stable, so
    the same graph gives the same page and the same map. A graph without
    engagements gives a page saying "no engagements yet".

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from rdflib import Graph, Literal, Namespace, RDF, RDFS
        >>> PR, ID = Namespace("https://w3id.org/partyrel/ontology#"), Namespace("https://w3id.org/partyrel/id/")
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
    target = Path(path)
    reader = _Reader(graph)
    network = _build(reader)
    if not network.nodes:
        _write_atomically(target, _empty_page(title))
        return MapStats(nodes=0, edges=0)
    keep = _keep(network, reader, max_nodes)
    omitted = len(network.nodes) - len(keep)
    page, edge_count = _html_document(reader, network, keep, title, omitted)
    _write_atomically(target, page)
    return MapStats(nodes=len(keep), edges=edge_count, omitted_nodes=omitted)
