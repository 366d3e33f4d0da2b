"""More sources: saved web pages (.html/.htm), JSON Lines records (.jsonl) and
standard input give readouts as .txt files do, with their metadata; bad
records are named by file and line; incremental builds and --prune stay
correct for files of many readouts.

The pages and records are in ``tests/data/sources`` (see its README); the
other texts are made up here (the people are fictional).
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sys
from datetime import date
from pathlib import Path

import pytest
import rdflib
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import DCTERMS

from kg.cli import main
from kg.errors import InputError
from kg.ingest import (
    Stream,
    iter_paths,
    load_file,
    load_html,
    load_record,
    read_records,
    sniff_format,
    stream_id,
)
from kg.pipeline import build
from kg.sources import Record, clean_url, page_article, parse_record
from kg.store import GraphStore

DATA = Path(__file__).parent / "data" / "sources"
READOUTS = ("idcpc-liu-brazil", "xinhua-zhou-laos", "party-tran-cuba")
URLS = {
    "idcpc-liu-brazil": "https://idcpc.example.org/english/news/202403/t20240312_16810.html",
    "xinhua-zhou-laos": "https://xinhua.example.com/20250605/8f2a61c0e6d94e0e9a0d3b1b7a2f9c11/c.html",
    "party-tran-cuba": "https://party-online.example.org/external-relations/2023/07/cuba-delegation/",
}
BODY = ("Kunming, March 11th--Tang Wenbo, Vice-minister of the IDCPC, "
        "held talks here today with Ana Lima, President of the Workers' Party of "
        "Brazil.\n\nBoth sides agreed to deepen exchanges on party building and green development.")
TITLE = "Tang Wenbo Holds Talks with Ana Lima"


def _graph(out: Path, drop_sources: bool = False) -> rdflib.Graph:
    graph = rdflib.Graph().parse(out / "graph.ttl")
    if drop_sources:
        graph.remove((None, DCTERMS.source, None))
    return graph


def _record_line(**fields: object) -> str:
    return json.dumps(fields, ensure_ascii=False)


# ------------------------------------------------------------ the same facts


@pytest.fixture(scope="module")
def three_ways(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The three readouts built from .txt files, from saved pages and from feed.jsonl."""
    root = tmp_path_factory.mktemp("three-ways")
    outs: dict[str, Path] = {}
    for kind, pattern in (("txt", "*.txt"), ("html", "*.html"), ("jsonl", "feed.jsonl")):
        folder = root / f"in-{kind}"
        folder.mkdir()
        for path in DATA.glob(pattern):
            shutil.copy(path, folder)
        outs[kind] = root / f"out-{kind}"
        report = build([folder], outs[kind], write_map=False)
        assert report.ok, report.failures
        assert (report.readouts, report.warnings) == (3, []), report.warnings
    return outs


@pytest.mark.parametrize("kind", ["html", "jsonl"])
def test_the_same_readout_as_txt_html_and_jsonl_gives_the_same_facts(three_ways, kind):
    txt, other = _graph(three_ways["txt"]), _graph(three_ways[kind], drop_sources=True)
    assert len(txt) > 100
    if not isomorphic(txt, other):
        _, only_txt, only_other = graph_diff(to_isomorphic(txt), to_isomorphic(other))
        raise AssertionError(f"only from .txt: {sorted(only_txt)[:5]}; only from .{kind}: "
                             f"{sorted(only_other)[:5]}")


@pytest.mark.parametrize("kind", ["html", "jsonl"])
def test_the_source_url_is_recorded_on_the_readout(three_ways, kind):
    graph = _graph(three_ways[kind])
    found = {str(graph.value(readout, DCTERMS.identifier)): str(url)
             for readout, url in graph.subject_objects(DCTERMS.source)}
    assert found == URLS
    assert not list(_graph(three_ways["txt"]).subject_objects(DCTERMS.source))


# ------------------------------------------------------------ saved pages

FURNITURE = ("cookie", "Share", "Copyright", "Related News", "Latest News", "Home", "function",
             "Print", "Leave a Reply", "Recent Posts", "Posted in", "Skip to content", "Editor",
             "window.", "Facebook", "Accept", "©")


@pytest.mark.parametrize("name", READOUTS)
def test_a_saved_page_gives_its_article_without_the_page_furniture(name: str):
    loaded = load_file(DATA / f"{name}.html")
    txt = load_file(DATA / f"{name}.txt").readout
    readout = loaded.readout
    assert (readout.title, readout.published, readout.url) == (txt.title, txt.published, URLS[name])
    assert (readout.dateline_place, readout.dateline_date) == (txt.dateline_place, txt.dateline_date)
    body = readout.text[readout.body_start:]
    assert body == txt.text[txt.body_start:].strip()
    assert [word for word in FURNITURE if word in readout.text] == []
    assert loaded.warnings == ()


def _page(head: str = "", body_extra: str = "", comment: str = "") -> str:
    return (f"<!DOCTYPE html>{comment}<html><head><title>{TITLE} - Example</title>{head}</head><body>"
            "<div class=\"nav\"><a href=\"/\">Home</a> <a href=\"/news\">News</a></div>"
            f"<div class=\"article\"><h1>{TITLE}</h1>{body_extra}"
            + "".join(f"<p>{p}</p>" for p in BODY.split("\n\n"))
            + "</div><div class=\"footer\">Copyright Example. All rights reserved.</div></body></html>")


@pytest.mark.parametrize(("head", "comment", "url"), [
    ('<link rel="canonical" href="https://example.org/a.html"><meta property="og:url" content="https://example.org/b.html">',
     "", "https://example.org/a.html"),
    ('<link rel="canonical" href="/news/a.html"><meta property="og:url" content="https://example.org/b.html">',
     "", "https://example.org/b.html"),  # a relative canonical link is passed over
    ("", "<!-- saved from url=(0026)https://example.org/c.html -->", "https://example.org/c.html"),
    ('<meta property="og:url" content="https://example.org/has space.html">', "", None),
    ("", "", None),
])
def test_the_source_url_comes_from_the_page_when_it_states_it(head: str, comment: str, url: str | None):
    assert page_article(_page(head, comment=comment), "p.html").url == url


@pytest.mark.parametrize(("head", "body_extra", "published", "warned"), [
    ('<meta property="article:published_time" content="2024-03-12T08:00:00+08:00">', "",
     date(2024, 3, 12), False),
    ('<meta property="article:published_time" content="2024-03-12T08:00:00+08:00">',
     "<p>( 2024.03.12 )</p>", date(2024, 3, 12), False),
    ('<meta property="article:published_time" content="2024-03-12T08:00:00+08:00">',
     "<p>( 2024.03.14 )</p>", date(2024, 3, 12), True),  # the metadata wins, with a warning
    ("", "<p>( 2024.03.14 )</p>", date(2024, 3, 14), False),  # no metadata: the text's date
])
def test_the_page_date_wins_over_the_text_and_a_conflict_is_warned(
        head: str, body_extra: str, published: date, warned: bool):
    loaded = load_html(_page(head, body_extra).encode(), "talks.html", "talks")
    assert loaded.readout.published == published
    assert loaded.readout.dateline_date == date(published.year, 3, 11)
    assert bool(loaded.warnings) == warned
    if warned:
        assert loaded.warnings[0].startswith("the page gives the publication date 2024-03-12 but "
                                             "the text states 2024-03-14; 2024-03-12 is used")


def test_a_date_conflict_is_a_build_warning_naming_the_file(tmp_path: Path):
    (tmp_path / "talks.html").write_text(_page(
        '<meta property="article:published_time" content="2024-03-12">', "<p>( 2024.03.14 )</p>"))
    report = build([tmp_path], tmp_path / "out", write_map=False)
    assert [(Path(source).name, message.split(";")[0]) for source, message in report.warnings] == [
        ("talks.html", "the page gives the publication date 2024-03-12 but the text states 2024-03-14")]


@pytest.mark.parametrize(("page", "reason"), [
    ("<html><body><div class='nav'><a href='/'>Home</a></div><div id='app'></div>"
     "<script>load()</script></body></html>", "no article text found in the page"),
    ("<html><body><p>Se reuni\u00f3 hoy con una delegaci\u00f3n del partido y ambas partes acordaron "
     "profundizar los intercambios y la cooperaci\u00f3n en materia de gobernanza y desarrollo rural "
     "durante los pr\u00f3ximos a\u00f1os, seg\u00fan un comunicado del partido.</p></body></html>",
     "the text does not look like English"),
    ("Talks Held\n\n14 March 2024\n\nTang Wenbo met Ana Lima.",
     "the file holds no HTML markup: it is plain text, not a saved page"),
])
def test_an_html_file_without_an_english_article_is_refused(tmp_path: Path, page: str, reason: str):
    (tmp_path / "page.html").write_text(page)
    with pytest.raises(InputError) as info:
        load_file(tmp_path / "page.html")
    assert info.value.reason.startswith(reason)
    assert str(tmp_path / "page.html") in str(info.value)


def test_a_page_in_its_declared_charset_is_decoded(tmp_path: Path):
    page = _page('<meta http-equiv="Content-Type" content="text/html; charset=gb2312">',
                 "<p class='lang'>\u4e2d\u6587 | English</p>")
    (tmp_path / "gbk.htm").write_bytes(page.encode("gb2312"))  # not UTF-8, nor Windows-1252
    loaded = load_file(tmp_path / "gbk.htm")
    assert loaded.readout.title == TITLE and "Ana Lima" in loaded.readout.text


def test_an_html_page_saved_as_txt_is_refused_with_a_hint_to_name_it_html(tmp_path: Path):
    shutil.copy(DATA / "xinhua-zhou-laos.html", tmp_path / "page.txt")
    with pytest.raises(InputError) as info:
        load_file(tmp_path / "page.txt")
    assert info.value.reason.startswith("the file is an HTML page")
    assert "name the file .html" in info.value.hint


def test_the_folder_a_browser_saves_beside_a_page_is_not_walked(tmp_path: Path):
    shutil.copy(DATA / "party-tran-cuba.html", tmp_path / "cuba-delegation.html")
    (tmp_path / "cuba-delegation_files").mkdir()
    (tmp_path / "cuba-delegation_files" / "saved_resource.html").write_text("<html>ad</html>")
    (tmp_path / "notes_files").mkdir()
    (tmp_path / "notes_files" / "a.txt").write_text("x")
    assert [p.relative_to(tmp_path).as_posix() for p in iter_paths([tmp_path])] == [
        "cuba-delegation.html", "notes_files/a.txt"]


# ------------------------------------------------------------ JSON Lines

#: a line -> the start of the reason it is refused with
BAD_LINES: list[tuple[str, str]] = [
    ('{"text": "Talks were held", ', "the line is not valid JSON: Expecting property name"),
    ("[1, 2]", "the line is an array, not a JSON object"),
    ('"just a string"', "the line is a string, not a JSON object"),
    ('{"title": "No text"}', 'the record has no "text"'),
    ('{"text": null}', 'the record has no "text"'),
    ('{"text": "   "}', '"text" is empty'),
    ('{"text": ["a", "b"]}', '"text" is an array, not a string'),
    ('{"text": "Talks", "title": 7}', '"title" is a number, not a string'),
    ('{"text": "Talks", "id": true}', '"id" is true, not a string'),
    ('{"text": "Talks", "id": ""}', '"id" is empty'),
    ('{"text": "Talks", "published": "12/03/2024"}', "\"published\" is not a date: '12/03/2024'"),
    ('{"text": "Talks", "published": "2024-02-30"}', "\"published\" is not a date"),
    ('{"text": "Talks", "published": 20240312}', '"published" is a number, not a string'),
    ('{"text": "Talks", "url": "/news/1.html"}', '"url" is not an absolute http(s) URL'),
]


@pytest.mark.parametrize(("line", "reason"), BAD_LINES)
def test_a_bad_record_is_refused_with_its_line_and_a_hint(line: str, reason: str):
    with pytest.raises(InputError) as info:
        parse_record(line, "in/feed.jsonl", 17, "feed")
    assert info.value.source == "in/feed.jsonl:17"
    assert info.value.reason.startswith(reason)
    assert info.value.hint


@pytest.mark.parametrize(("fields", "readout_id", "published", "url"), [
    ({"text": BODY}, "feed-4", None, None),
    ({"text": BODY, "id": 1234}, "1234", None, None),
    ({"text": BODY, "id": "xh-2024-0312", "published": "2024-03-12T23:30:00+08:00",
      "url": "https://example.org/a", "title": None, "section": "world"},
     "xh-2024-0312", date(2024, 3, 12), "https://example.org/a"),
])
def test_a_record_gives_its_fields_and_a_default_id_from_file_and_line(fields, readout_id, published, url):
    record = parse_record(json.dumps(fields), "in/feed.jsonl", 4, "feed")
    assert (record.readout_id, record.published, record.url) == (readout_id, published, url)


def test_a_record_title_comes_first_and_is_not_repeated():
    with_title = load_record(Record("f:1", "a", BODY, title=TITLE)).readout
    repeated = load_record(Record("f:1", "a", f"{TITLE}\n\n{BODY}", title=TITLE)).readout
    untitled = load_record(Record("f:1", "a", f"{TITLE}\n\n{BODY}")).readout
    assert with_title.text == repeated.text == untitled.text
    assert with_title.title == TITLE


def test_a_record_date_wins_over_the_text_and_a_conflict_is_warned():
    text = f"{TITLE}\n\nMarch 14, 2024\n\n{BODY}"
    loaded = load_record(Record("feed.jsonl:3", "a", text, published=date(2024, 3, 12)))
    assert loaded.readout.published == date(2024, 3, 12)
    assert loaded.warnings == ('the record\'s "published" gives the publication date 2024-03-12 but '
                               "the text states 2024-03-14; 2024-03-12 is used (check which is right)",)


def test_a_record_text_goes_through_the_same_checks_as_a_file():
    with pytest.raises(InputError) as info:
        load_record(Record("feed.jsonl:2", "a", "<html><body><p>Talks</p></body></html>"))
    assert str(info.value).startswith("feed.jsonl:2: the record's text is an HTML page")
    with pytest.raises(InputError, match="over the 100-character limit"):
        load_record(Record("feed.jsonl:2", "a", BODY), max_chars=100)


def test_a_line_break_inside_a_json_string_does_not_split_the_record(tmp_path: Path):
    text = BODY.replace("\n\n", "\u2028") + "\u0085 More."
    (tmp_path / "feed.jsonl").write_text(_record_line(text=text) + "\n", encoding="utf-8")
    [record] = list(read_records(tmp_path / "feed.jsonl"))
    assert isinstance(record, Record) and record.text == text


def test_a_jsonl_file_is_read_a_line_at_a_time_and_a_long_line_is_refused(tmp_path: Path):
    lines = [_record_line(id=f"r{i}", text=BODY) for i in range(5)]
    lines[2] = _record_line(id="long", text=BODY * 10)
    (tmp_path / "feed.jsonl").write_text("\n".join(lines) + "\n")
    items = list(read_records(tmp_path / "feed.jsonl", max_bytes=1000))  # the file is larger
    assert [item.readout_id if isinstance(item, Record) else item.source.rsplit("/", 1)[1]
            for item in items] == ["r0", "r1", "feed.jsonl:3", "r3", "r4"]
    assert items[2].reason == "the line is over the 1,000-byte limit for one record"


@pytest.mark.parametrize(("data", "reason"), [
    (b"%PDF-1.7\n", "the file is binary data (a PDF document), not JSON Lines"),
    ('{"text": "Talks"}\n'.encode("utf-16"), "the file is UTF-16 or UTF-32 text, not UTF-8"),
    (b"\n\n  \n", "the file holds no records"),
])
def test_a_jsonl_file_that_is_not_json_lines_is_refused_whole(tmp_path: Path, data: bytes, reason: str):
    (tmp_path / "feed.jsonl").write_bytes(data)
    report = build([tmp_path], tmp_path / "out", write_map=False)
    assert [(Path(f.source).name, f.reason) for f in report.failures] == [("feed.jsonl", reason)]


def _feed(folder: Path, lines: list[str], name: str = "feed.jsonl") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("\n".join(lines) + "\n")
    return path


def _talks(guest: str) -> str:
    return BODY.replace("Ana Lima", guest)


GUESTS = ["Ana Lima", "Rosa Pires", "Ivo Sandes", "Lena Ortiz"]


def test_bad_lines_are_reported_by_file_and_line_and_the_rest_are_built(tmp_path: Path, capsys):
    lines = [_record_line(id=f"talks-{i}", title=TITLE, text=_talks(g)) for i, g in enumerate(GUESTS)]
    lines[1:1] = ["{not json", ""]  # a bad line, and a blank one (skipped, still counted)
    lines.append(_record_line(text=_talks("Kalo Vodun"), published="last week"))
    feed = _feed(tmp_path / "in", lines)
    code = main(["build", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--no-map"])
    captured = capsys.readouterr()
    assert code == 1
    assert "readouts       4 (4 built" in captured.out
    errors = [line for line in captured.err.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: {feed}:2: the line is not valid JSON: Expecting property name enclosed in double "
        "quotes (column 2) (write one JSON object per line (JSON Lines), with the readout's text in "
        "\"text\"; a line break inside a string is written \\n)",
        f"error: {feed}:7: \"published\" is not a date: 'last week' (give it as YYYY-MM-DD, or as "
        "an ISO 8601 date-time such as 2024-03-12T09:30:00+08:00)",
    ]


def test_same_ids_within_a_file_and_across_files_are_reported_clearly(tmp_path: Path):
    _feed(tmp_path / "in", [_record_line(id="talks", text=_talks("Ana Lima")),
                            _record_line(id="Talks", text=_talks("Rosa Pires")),
                            _record_line(text=_talks("Ivo Sandes"))])
    (tmp_path / "in" / "feed-3.txt").write_text(f"{TITLE}\n\n14 March 2024\n\n{_talks('Lena Ortiz')}")
    report = build([tmp_path / "in"], tmp_path / "out", write_map=False)
    assert report.readouts == 2  # talks (line 1) and feed-3.txt
    messages = sorted(f"{Path(f.source).name}: {f.message}" for f in report.failures)
    assert messages == [
        "feed.jsonl:2: same readout id 'Talks' as line 1 of this file (both would be stored as "
        "https://w3id.org/partyrel/id/graph/talks) (give each record its own \"id\")",
        f"feed.jsonl:3: same readout id 'feed-3' as {tmp_path / 'in' / 'feed-3.txt'} (both would be "
        "stored as https://w3id.org/partyrel/id/graph/feed-3) (rename the file, or give the record "
        "another \"id\"; for standard input, use --id)",
    ]


# ------------------------------------------------------------ incremental builds


def _four(folder: Path) -> Path:
    return _feed(folder, [_record_line(id=f"t{i}", title=TITLE, published="2024-03-12",
                                       text=_talks(g)) for i, g in enumerate(GUESTS)])


def test_an_unchanged_jsonl_file_is_not_even_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import kg.parallel

    _four(tmp_path / "in")
    first = build([tmp_path / "in"], tmp_path / "out", write_map=False)
    opened: list[str] = []
    real = kg.parallel.count_records
    monkeypatch.setattr(kg.parallel, "count_records",
                        lambda path, **kw: (opened.append(str(path)), real(path, **kw))[1])
    again = build([tmp_path / "in"], tmp_path / "out", write_map=False)
    assert (first.built, again.readouts, again.skipped, opened) == (4, 4, 4, [])
    reread = build([tmp_path / "in"], tmp_path / "out", write_map=False, reread=True)
    assert (reread.skipped, len(opened)) == (4, 1)


def test_a_changed_record_is_built_again_alone(tmp_path: Path):
    feed = _four(tmp_path / "in")
    build([tmp_path / "in"], tmp_path / "out", write_map=False)
    lines = feed.read_text().splitlines()
    lines[2] = lines[2].replace("2024-03-12", "2024-03-13")  # only its metadata changed
    feed.write_text("\n".join(lines) + "\n")
    report = build([tmp_path / "in"], tmp_path / "out", write_map=False)
    assert (report.built, report.skipped) == (1, 3)
    build([tmp_path / "in"], tmp_path / "fresh", write_map=False)
    assert isomorphic(_graph(tmp_path / "out"), _graph(tmp_path / "fresh"))


def test_a_jsonl_file_whose_readouts_are_not_all_stored_is_read_again(tmp_path: Path):
    from kg.triples import graph_iri

    _four(tmp_path / "in")
    build([tmp_path / "in"], tmp_path / "out", write_map=False)
    with GraphStore.open(tmp_path / "out") as store:  # as if a build died half-way through the file
        store.remove_graphs([graph_iri("t3")])
    report = build([tmp_path / "in"], tmp_path / "out", write_map=False)
    assert (report.built, report.skipped) == (1, 3)


def test_a_jsonl_file_with_a_bad_line_is_read_and_reported_again(tmp_path: Path):
    feed = _four(tmp_path / "in")
    feed.write_text(feed.read_text() + "{oops\n")
    first = build([tmp_path / "in"], tmp_path / "out", write_map=False)
    again = build([tmp_path / "in"], tmp_path / "out", write_map=False)
    assert [f.source for f in first.failures] == [f.source for f in again.failures] == [f"{feed}:5"]
    assert (again.built, again.skipped) == (0, 4)


def test_prune_keeps_the_records_of_a_listed_jsonl_file_and_drops_those_gone(tmp_path: Path):
    feed = _four(tmp_path / "in")
    (tmp_path / "in" / "other.txt").write_text(f"{TITLE}\n\n14 March 2024\n\n{_talks('Kalo Vodun')}")
    build([tmp_path / "in"], tmp_path / "out", write_map=False)

    def stored() -> list[str]:
        with GraphStore.open(tmp_path / "out", read_only=True) as store:
            return sorted(iri.rsplit("/", 1)[1] for iri in store.content_hashes() if "/_" not in iri)

    pruned = build([tmp_path / "in"], tmp_path / "out", write_map=False, prune=True)
    assert (pruned.removed, stored()) == (0, ["other", "t0", "t1", "t2", "t3"])
    lines = feed.read_text().splitlines()
    feed.write_text("\n".join(lines[:1] + ["{a bad line"] + lines[2:]) + "\n")  # t1 unreadable now
    kept = build([tmp_path / "in"], tmp_path / "out", write_map=False, prune=True)
    assert (kept.removed, stored()) == (0, ["other", "t0", "t1", "t2", "t3"])
    feed.write_text("\n".join(lines[:1] + lines[2:]) + "\n")  # t1 deleted from the file
    gone = build([tmp_path / "in"], tmp_path / "out", write_map=False, prune=True)
    assert (gone.removed, stored()) == (1, ["other", "t0", "t2", "t3"])


def test_progress_counts_the_records_of_a_jsonl_file(tmp_path: Path):
    _four(tmp_path / "in")
    (tmp_path / "in" / "other.txt").write_text(f"{TITLE}\n\n14 March 2024\n\n{_talks('Kalo Vodun')}")
    seen = []
    build([tmp_path / "in"], tmp_path / "out", write_map=False, batch_size=2, on_progress=seen.append)
    reads = [(p.done, p.total) for p in seen if p.phase == "read"]
    assert reads[-1] == (5, 5) and all(done <= total for done, total in reads)


def test_worker_processes_build_pages_and_records_like_one_process(tmp_path: Path,
                                                                   workers_from_the_start: None):
    folder = tmp_path / "in"
    shutil.copytree(DATA, folder, ignore=shutil.ignore_patterns("*.txt", "*.jsonl"))
    records = [json.loads(line) for line in (DATA / "feed.jsonl").read_text().splitlines()]
    _feed(folder, [_record_line(**{k: v for k, v in r.items() if k != "id"}) for r in records])
    one = build([folder], tmp_path / "one", write_map=False)
    two = build([folder], tmp_path / "two", write_map=False, jobs=2, batch_size=1)
    assert one.readouts == two.readouts == 6 and one.failures == two.failures == []
    assert isomorphic(_graph(tmp_path / "one"), _graph(tmp_path / "two"))


# ------------------------------------------------------------ standard input


@pytest.mark.parametrize(("data", "kind"), [
    (b'  {"text": "Talks"}', "json"),
    ((DATA / "xinhua-zhou-laos.html").read_bytes(), "html"),
    (b"<p>Talks</p><p>held</p><br><br><b>x</b>", "html"),
    ((DATA / "xinhua-zhou-laos.txt").read_bytes(), "txt"),
])
def test_standard_input_is_sniffed_as_json_html_or_text(data: bytes, kind: str):
    assert sniff_format(data) == kind


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def _ids(out: Path) -> list[str]:
    graph = _graph(out)
    return sorted(str(v) for v in graph.objects(None, DCTERMS.identifier))


@pytest.mark.parametrize(("data", "argv", "readout_id", "url"), [
    ((DATA / "party-tran-cuba.txt").read_bytes(), ["--id", "cuba-2023"], "cuba-2023", None),
    ((DATA / "party-tran-cuba.html").read_bytes(), [], "stdin-", URLS["party-tran-cuba"]),
    ((DATA / "feed.jsonl").read_text().splitlines()[2].encode(), [], "party-tran-cuba",
     URLS["party-tran-cuba"]),
    ((DATA / "feed.jsonl").read_text().splitlines()[2].encode(), ["--id", "mine"], "mine",
     URLS["party-tran-cuba"]),
])
def test_kg_build_dash_reads_one_readout_from_standard_input(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, data: bytes, argv: list[str],
        readout_id: str, url: str | None):
    _stdin(monkeypatch, data)
    assert main(["build", "-", "-o", str(tmp_path / "out"), "--no-map", *argv]) == 0
    assert "readouts       1 (1 built" in capsys.readouterr().out
    [found] = _ids(tmp_path / "out")
    assert found.startswith(readout_id)
    sources = [str(o) for o in _graph(tmp_path / "out").objects(None, DCTERMS.source)]
    assert sources == ([url] if url else [])


def test_the_same_standard_input_gets_the_same_id_and_is_skipped(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch, capsys):
    data = (DATA / "idcpc-liu-brazil.txt").read_bytes()
    for _ in range(2):
        _stdin(monkeypatch, data)
        assert main(["build", "-", "-o", str(tmp_path / "out"), "--no-map"]) == 0
    assert "readouts       1 (0 built, 1 unchanged)" in capsys.readouterr().out
    assert _ids(tmp_path / "out") == [stream_id(Stream(data))] == [
        "stdin-" + hashlib.sha256(data).hexdigest()[:12]]


@pytest.mark.parametrize(("data", "argv", "message"), [
    (b"x", ["-", "-"], "- (standard input) can be given once"),
    (b"x", ["--id", "a"], "--id names the readout read from standard input"),
])
def test_bad_uses_of_standard_input_are_usage_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys, data: bytes, argv: list[str], message: str):
    _stdin(monkeypatch, data)
    paths = [a for a in argv if a == "-"] or [str(DATA / "party-tran-cuba.txt")]
    options = [a for a in argv if a != "-"]
    with pytest.raises(SystemExit) as info:
        main(["build", *paths, "-o", str(tmp_path / "out"), *options])
    assert info.value.code == 2 and message in capsys.readouterr().err


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "<stdin>: the input is empty"),
    (b'{"text": "a"}\n{"text": "b"}\n', "<stdin>: the input holds more than one JSON record"),
    (b'{"text": 3}', '<stdin>: "text" is a number, not a string'),
    (b"%PDF-1.4 binary", "<stdin>: the file is binary data (a PDF document)"),
])
def test_bad_standard_input_is_named_with_its_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys, data: bytes, reason: str):
    _stdin(monkeypatch, data)
    assert main(["build", "-", "-o", str(tmp_path / "out"), "--no-map"]) == 1
    assert f"error: {reason}" in capsys.readouterr().err


def test_a_stream_can_be_built_from_python(tmp_path: Path):
    report = build([Stream((DATA / "xinhua-zhou-laos.html").read_bytes(), "page", "xh-1")],
                   tmp_path / "out", write_map=False)
    assert (report.readouts, report.engagements) == (1, 1)
    assert _ids(tmp_path / "out") == ["xh-1"]


def test_clean_url_refuses_what_cannot_be_an_iri():
    assert [clean_url(u) for u in ("https://a.example/x?y=1#z", "ftp://a.example/x",
                                   "https://a.example/<x>", "https://", "javascript:alert(1)")] == [
        "https://a.example/x?y=1#z", None, None, None, None]


def test_the_bundled_page_and_records_example_builds_cleanly(tmp_path: Path):
    folder = Path(__file__).resolve().parent.parent / "examples" / "more-sources"
    report = build([folder], tmp_path / "out", write_map=False)
    assert (report.readouts, report.engagements, report.failures, report.warnings) == (3, 3, [], [])
    assert len(set(_graph(tmp_path / "out").objects(None, DCTERMS.source))) == 3
