"""Map at scale: a synthetic graph of 2,000 organizations and 5,000 engagement
pairs, drawn by ``render_map`` and loaded in headless Chromium.

Prints how long each step takes: reading the graph, writing the page, the
browser's load until the graph is drawn, and until physics has settled and
stopped; then one in-page filter. Needs Debian's chromium at /usr/bin/chromium
and the ``playwright`` package (``pip install -e '.[test]'``).

    .venv/bin/python bench/map_bench.py [--nodes 2000] [--edges 5000] [--keep FILE]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS

from kg.analysis import ENGAGEMENT_TYPES, load
from kg.mapviz import render_map

PR = Namespace("https://w3id.org/partyrel/ontology#")
ID = Namespace("https://w3id.org/partyrel/id/")
XSD_DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")
CLASSES = (PR.PoliticalParty, PR.PoliticalParty, PR.PoliticalParty, PR.PartyBody,
           PR.GovernmentBody, PR.PartyInternational)
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]


def synthetic(nodes: int, edges: int, seed: int = 7) -> Graph:
    """``nodes`` organizations, ``edges`` distinct pairs, each with one bilateral
    engagement (a few hubs get most, as in real readouts)."""
    rng = random.Random(seed)
    g = Graph()
    orgs = [ID[f"org/o{i}"] for i in range(nodes)]
    for i, org in enumerate(orgs):
        g.add((org, RDF.type, CLASSES[i % len(CLASSES)]))
        g.add((org, RDFS.label, Literal(f"Organization {i}", lang="en")))
    weights = [1.0 / (i + 1) ** 0.6 for i in range(nodes)]
    pairs: set[tuple[int, int]] = set()
    for i in range(1, nodes):  # connected: every node tied to an earlier one
        pairs.add((rng.choices(range(i), weights[:i])[0], i))
    while len(pairs) < edges:
        a, b = rng.choices(range(nodes), weights, k=2)
        if a != b:
            pairs.add((min(a, b), max(a, b)))
    for n, (a, b) in enumerate(sorted(pairs)):
        e = ID[f"engagement/synthetic-{n}"]
        g.add((e, RDF.type, PR.Engagement))
        g.add((e, RDF.type, PR[ENGAGEMENT_TYPES[n % len(ENGAGEMENT_TYPES)]]))
        g.add((e, PR.date, Literal(f"{2015 + n % 9}-0{1 + n % 9}-1{n % 10}", datatype=XSD_DATE)))
        g.add((e, PR.involves, orgs[a]))
        g.add((e, PR.involves, orgs[b]))
        g.add((e, PR.reportedIn, ID[f"readout/r{n}"]))
        g.add((ID[f"readout/r{n}"], DCTERMS.title, Literal(f"Readout {n}")))
        g.add((e, PR.evidence, Literal(f"Organization {a} met Organization {b} to discuss "
                                       "cooperation between the two parties.")))
    return g


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=2000)
    parser.add_argument("--edges", type=int, default=5000)
    parser.add_argument("--keep", type=Path, help="also copy the page and a screenshot here")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    graph = synthetic(args.nodes, args.edges)
    with tempfile.TemporaryDirectory(prefix="map-bench-") as tmp:
        page_path = Path(tmp) / "map.html"
        start = time.perf_counter()
        data = load(graph)
        loaded = time.perf_counter()
        stats = render_map(data, page_path, max_nodes=args.nodes)
        written = time.perf_counter()
        print(f"graph        {len(graph):,} triples -> {stats.nodes:,} nodes, "
              f"{stats.edges:,} edges")
        print(f"load         {loaded - start:6.2f} s")
        size = page_path.stat().st_size / 1e6
        print(f"render_map   {written - loaded:6.2f} s, page {size:.1f} MB")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            errors: list[str] = []
            page.on("pageerror", lambda err: errors.append(str(err)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            t0 = time.perf_counter()
            page.goto(page_path.as_uri())
            page.wait_for_selector('#mynetwork[data-ready="yes"]', timeout=120_000)
            ready = time.perf_counter()
            page.wait_for_selector('#mynetwork[data-physics="off"]', timeout=120_000)
            settled = time.perf_counter()
            marks = page.evaluate("""() => {
                const box = document.getElementById("mynetwork");
                return [Number(box.getAttribute("data-ready-ms")),
                        Number(box.getAttribute("data-settled-ms"))]; }""")
            print(f"browser      network drawn {marks[0] / 1000:5.2f} s, physics settled and "
                  f"stopped {marks[1] / 1000:5.2f} s after navigation (in-page clock)")
            print(f"             wall clock seen by the driver: {ready - t0:5.2f} s, "
                  f"{settled - t0:5.2f} s")
            t1 = time.perf_counter()
            page.select_option("#pr-type", "0")
            page.wait_for_selector('#mynetwork[data-shown]', timeout=60_000)
            shown = page.get_attribute("#mynetwork", "data-shown")
            print(f"filter       type=Meeting: {time.perf_counter() - t1:5.2f} s, "
                  f"{shown} nodes shown")
            if args.keep:
                args.keep.mkdir(parents=True, exist_ok=True)
                page.select_option("#pr-type", "")
                page.screenshot(path=str(args.keep / "map_bench.png"))
                (args.keep / "map_bench.html").write_bytes(page_path.read_bytes())
            browser.close()
        print(f"errors       {len(errors)}" + (f": {errors[:3]}" if errors else ""))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
