"""The map in a real browser: Debian's headless Chromium, driven by Playwright.

`make test` installs chromium (apt) when /usr/bin/chromium is missing; these
tests fail, never skip, when it is not there. Playwright never downloads a
browser here: it starts /usr/bin/chromium (``executable_path``) with the flags
this machine needs (no sandbox as root, no GPU, no background networking) and
a fresh profile.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from rdflib import RDF, RDFS, Graph, Literal, Namespace
from test_mapviz import XSS_PERSON, sample_graph

from kg.analysis import Filters
from kg.mapviz import render_map

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]
PR = Namespace("https://w3id.org/partyrel/ontology#")
ID = Namespace("https://w3id.org/partyrel/id/")
INJECTION = "<img src=x onerror=alert(1)>"
TIMEOUT_MS = 30_000

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One Chromium for the module, with a fresh profile (user data dir)."""
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: the browser tests need Debian's chromium. `make test` "
                    "installs it (as root: apt-get install -y chromium)", pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the playwright package is missing: pip install -e '.[test]'", pytrace=False)
    with sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM),
            headless=True, args=FLAGS, viewport={"width": 1280, "height": 1100})
        try:
            yield context
        finally:
            context.close()


@dataclass
class Visit:
    """A page opened on a map, with what it logged, requested and popped up."""

    page: Any
    url: str
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def hover_node(self, node_id: str) -> str:
        """Move the mouse onto a node; return the tooltip's text."""
        box = self.page.locator("#mynetwork canvas").bounding_box()
        spot = self.page.evaluate(
            "id => network.canvasToDOM(network.getPositions([id])[id])", node_id)
        self.page.mouse.move(box["x"] + spot["x"] + 1, box["y"] + spot["y"] + 1, steps=4)
        self.page.mouse.move(box["x"] + spot["x"], box["y"] + spot["y"], steps=2)
        tooltip = self.page.locator("div.vis-tooltip")
        tooltip.wait_for(state="visible", timeout=TIMEOUT_MS)
        return str(tooltip.inner_text())

    def shown(self) -> int:
        return int(self.page.get_attribute("#mynetwork", "data-shown"))


@pytest.fixture
def visit(browser: Any, tmp_path: Path) -> Iterator[Any]:
    pages: list[Any] = []

    def open_map(graph: Graph, **options: Any) -> Visit:
        path = tmp_path / f"map{len(pages)}.html"
        render_map(graph, path, **options)
        page = browser.new_page()
        pages.append(page)
        seen = Visit(page, path.as_uri())
        page.on("console",
                lambda m: seen.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda err: seen.console_errors.append(f"uncaught: {err}"))
        page.on("request", lambda r: seen.requests.append(r.url))
        def on_dialog(dialog: Any) -> None:
            seen.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.goto(seen.url)
        page.wait_for_selector('#mynetwork[data-physics="off"]', state="attached",
                               timeout=TIMEOUT_MS)
        return seen

    yield open_map
    for page in pages:
        page.close()


def colours(png: bytes) -> int:
    """How many distinct colours a screenshot has (a blank canvas has one)."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        found = image.convert("RGB").getcolors(maxcolors=1 << 20)
    return len(found or [])


def xss_graph() -> Graph:
    """A party named by an injection, in dialogue with a plain one."""
    g = Graph()
    for key, name in (("org/bad", INJECTION), ("org/good", "Plain Party")):
        g.add((ID[key], RDF.type, PR.PoliticalParty))
        g.add((ID[key], RDFS.label, Literal(name, lang="en")))
        g.add((ID["engagement/x-1"], PR.involves, ID[key]))
    g.add((ID["engagement/x-1"], RDF.type, PR.Meeting))
    g.add((ID["engagement/x-1"], PR.evidence, Literal(f"{INJECTION} met the Plain Party.")))
    return g


def test_map_loads_offline_without_errors_and_draws(visit: Any, tmp_path: Path) -> None:
    seen = visit(sample_graph())
    assert seen.console_errors == []
    assert seen.requests == [seen.url]  # the page itself, nothing else
    assert seen.page.evaluate("nodes.length") == 7
    png = seen.page.locator("#mynetwork").screenshot()
    (tmp_path / "map.png").write_bytes(png)
    assert colours(png) > 20  # nodes, edges and labels drawn, not a blank canvas


@pytest.mark.parametrize(("key", "first_lines"), [
    ("org/zwp", ["Zeta Workers Party", "political party", "also: ZWP", "country: Zetania"]),
    ("person/li", [XSS_PERSON, "person"]),
])
def test_hovering_a_node_shows_its_tooltip(visit: Any, key: str, first_lines: list[str]) -> None:
    seen = visit(sample_graph())
    text = seen.hover_node(str(ID[key]))
    assert text.splitlines()[:len(first_lines)] == first_lines


def test_injected_markup_shows_as_text_and_never_runs(visit: Any) -> None:
    seen = visit(xss_graph(), filters=Filters(ego=INJECTION), title=f"Map of {INJECTION}")
    assert seen.hover_node(str(ID["org/bad"])).splitlines()[0] == INJECTION
    page = seen.page
    assert page.locator("img").count() == 0  # no element was made from the text
    assert page.title() == f"Map of {INJECTION}"
    assert INJECTION in page.locator("h1").inner_text()
    assert INJECTION in page.locator("#pr-filters").inner_text()
    page.fill("#pr-search", "<img src=x")
    page.press("#pr-search", "Enter")
    assert page.locator("#pr-status").inner_text() == f"found: {INJECTION}"
    page.fill("#pr-search", "<b>nothing</b>")
    page.press("#pr-search", "Enter")
    assert page.locator("#pr-status").inner_text() == "no match for \u201c<b>nothing</b>\u201d"
    assert page.locator("b").count() == 0
    assert seen.dialogs == [] and seen.console_errors == []
    assert seen.requests == [seen.url]  # "src=x" was never fetched


@pytest.mark.parametrize(("actions", "shown"), [
    # sample: Forum 2023 (Intl, ZWP); Meeting, Video call, Talks 2024
    ({"#pr-type": "3"}, 2),                       # Forum: Intl and ZWP
    ({"#pr-type": "1"}, 2),                       # Talks: ZWP, Etaland
    ({"#pr-from": "2024"}, 6),                    # all but Intl; the department by its post
    ({"#pr-to": "2023"}, 2),
])
def test_in_page_filters_hide_what_does_not_match(visit: Any, actions: dict[str, str],
                                                  shown: int) -> None:
    seen = visit(sample_graph())
    page = seen.page
    for selector, value in actions.items():
        if selector == "#pr-type":
            page.select_option(selector, value)
        else:
            page.fill(selector, value)
            page.dispatch_event(selector, "change")
    assert seen.shown() == shown
    hidden = page.evaluate("nodes.get({filter: n => n.hidden}).length")
    assert hidden == 7 - shown
    page.click("#pr-reset")
    assert seen.shown() == 7 and page.locator("#pr-status").inner_text() == ""


def test_search_finds_and_selects_a_node(visit: Any) -> None:
    seen = visit(sample_graph())
    page = seen.page
    page.fill("#pr-search", "zeta")
    page.press("#pr-search", "Enter")
    assert sorted(page.evaluate("network.getSelectedNodes()")) == [str(ID["org/intl"]),
                                                                   str(ID["org/zwp"])]
    assert page.locator("#pr-status").inner_text().startswith("2 matches")
    page.fill("#pr-search", "Zeta Workers Party")
    page.press("#pr-search", "Enter")
    assert page.evaluate("network.getSelectedNodes()") == [str(ID["org/zwp"])]
    assert page.locator("#pr-status").inner_text() == "found: Zeta Workers Party"
    assert page.locator("#pr-names option").count() == 7


def test_the_size_cap_is_said_on_the_page(visit: Any) -> None:
    seen = visit(sample_graph(), max_nodes=3)
    notice = seen.page.locator("#pr-cap").inner_text()
    assert notice.startswith("Large graph: showing the 3 strongest of 7 nodes")
    assert seen.console_errors == []

