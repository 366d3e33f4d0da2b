"""Bad input: every kind of bad file is named with its reason, the good
readouts beside them are built exactly as on their own, nothing hangs.

All texts are made up here (the people are fictional).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
import rdflib
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from kg import ingest
from kg.cli import main
from kg.errors import InputError
from kg.ingest import check_text, decode, iter_paths, load_file, read_bytes
from kg.pipeline import build
from kg.store import GRAPH_BASE, GraphStore

HEAD = "Talks in Kunming\n ( 2024.03.12 )\n\nKunming, March 11th--"
TALKS = (HEAD + "Tang Wenbo, Vice-minister of the IDCPC, "
         "held talks here today with {guest}, President of the Workers\u2019 Party of Brazil.\n\n"
         "Both sides agreed to deepen exchanges on party building and green development.\n")
SPANISH = ("Conversaciones\n\n12 de marzo de 2024\n\nEl vicejefe del departamento se reuni\u00f3 hoy con una "
           "delegaci\u00f3n del partido. Ambas partes acordaron profundizar los intercambios y la "
           "cooperaci\u00f3n en materia de gobernanza, desarrollo rural y formaci\u00f3n de cuadros "
           "j\u00f3venes durante los pr\u00f3ximos a\u00f1os, seg\u00fan un comunicado.\n")
HTML = ("<!DOCTYPE html>\n<html><head><title>Talks</title></head><body><div class=\"article\">"
        "<p>Tang Wenbo held talks with Ana Lima.</p></div></body></html>\n")

#: file name -> (bytes, the start of the reason it is refused with)
BAD: dict[str, tuple[bytes, str]] = {
    "empty.txt": (b"", "the file is empty"),
    "only-whitespace.txt": (b" \n\t\r\n   \n", "the file holds only whitespace"),
    "image-png.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)),
                      "the file is binary data (a PNG image), not text"),
    "document-pdf.txt": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
                         "the file is binary data (a PDF document), not text"),
    "document-docx.txt": (b"PK\x03\x04\x14\x00\x06\x00\x08\x00" + b"\x00" * 40,
                          "the file is binary data (a ZIP archive, or a .docx/.xlsx/.odt document), not text"),
    "random-bytes.txt": (bytes((i * 131 + 7) % 256 for i in range(4096)), "the file is binary data, not text"),
    "cyrillic-cp1251.txt": ("\u041f\u0435\u0440\u0435\u0433\u043e\u0432\u043e\u0440\u044b \u0432 "
                            "\u041a\u0443\u043d\u044c\u043c\u0438\u043d\u0435".encode("cp1251"),
                            "the file is not UTF-8 text (byte 0) and its encoding cannot be told reliably"),
    "damaged-utf8.txt": (TALKS.format(guest="Jos\u00e9 Pereira").replace("agreed", "agr\u00e9\u00e9d \u2014 \u201cyes\u201d").encode()
                         .replace(b"Brazil", b"Bra\xffzil"),
                         "the file is UTF-8 text with invalid bytes (the first at byte"),
    "saved-page-html.txt": (HTML.encode(), "the file is an HTML page (12 tags), not the readout's text"),
    "spanish.txt": (SPANISH.encode(), "the text does not look like English: 0% of its 43 words"),
    "long-sentence.txt": ((HEAD + "Tang Wenbo met " + ", ".join(["Ana Lima"] * 800) + ".\n").encode(),
                          "the text has a sentence of 2,4"),
    "punctuation-noise.txt": ((HEAD + "!?" * 300 + " ;;;,,, ((( ))) " * 50 + "\n").encode(),
                              "the text is 9"),
    "too-long.txt": ((HEAD + "The two sides held talks on many things. " * 1300).encode(),
                     "the text is 53,"),
}
#: file name -> text: readouts that are built, some with a warning
GOOD: dict[str, str] = {
    "talks.txt": TALKS.format(guest="Ana Lima"),
    "odd-punctuation.txt": TALKS.format(guest="Rosa Pires").replace(
        "Both sides", "!!! ?!?! \u2026 \u00ab\u00bb ((( nested ))) \u2014\u2014 \u201c\u201d Both sides"),
    "hostile.txt": TALKS.format(guest="Ivo Sandes") + (
        '\n<script>alert("x")</script> "} } ; DROP ALL ; INSERT DATA { <urn:a> <urn:b> <urn:c> } #\n'),
    "utf16-bom.txt": TALKS.format(guest="Lena Ortiz"),
}
#: file name -> (text, encoding, the start of the warning it is built with)
WARNED: dict[str, tuple[str, str, str]] = {
    "latin1.txt": (TALKS.format(guest="Jos\u00e9 Pereira").replace("\u2019", "'"), "latin-1",
                   "the file is not UTF-8: it was read as Windows-1252"),
    "windows1252.txt": (TALKS.format(guest="Jo\u00e3o Ara\u00fajo"), "cp1252",
                        "the file is not UTF-8: it was read as Windows-1252"),
    "no-date.txt": (TALKS.format(guest="Ana Lima").replace(" ( 2024.03.12 )\n", "").replace(
        "March 11th", "Tuesday"), "utf-8", "no publication date found"),
    "no-engagement.txt": (("Notes\n ( 2024.03.12 )\n\nThe committee discussed the harvest of the season "
                           "with friends from the village, and nothing else happened during the long "
                           "afternoon.\n"), "utf-8", "no engagement found"),
}


def _write_good(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in GOOD.items():
        data = text.encode("utf-16") if name.startswith("utf16") else text.encode()
        (folder / name).write_bytes(data)
    for name, (text, encoding, _) in WARNED.items():
        (folder / name).write_bytes(text.encode(encoding))


def _write_bad(folder: Path) -> dict[str, str]:
    """Write every bad kind into ``folder``; return file name -> expected reason start."""
    expected = {name: reason for name, (_, reason) in BAD.items()}
    for name, (data, _) in BAD.items():
        (folder / name).write_bytes(data)
    with open(folder / "huge-50mb.txt", "wb") as handle:  # sparse: 50 MB on stat, nothing on disk
        handle.truncate(50_000_000)
    expected["huge-50mb.txt"] = "the file is 50,000,000 bytes, over the 5,000,000-byte limit"
    os.mkfifo(folder / "fifo.txt")
    expected["fifo.txt"] = "the path is a FIFO (named pipe), not a regular file"
    (folder / "loop-a.txt").symlink_to(folder / "loop-b.txt")
    (folder / "loop-b.txt").symlink_to(folder / "loop-a.txt")
    expected["loop-a.txt"] = expected["loop-b.txt"] = "the path is a symbolic link loop"
    (folder / "broken-link.txt").symlink_to(folder / "nowhere" / "gone.txt")
    expected["broken-link.txt"] = "the path is a broken symbolic link"
    (folder / "sub").mkdir()
    (folder / "sub" / "up").symlink_to(folder, target_is_directory=True)  # a folder loop: not followed
    (folder / "sub" / "Talks.txt").write_text(GOOD["talks.txt"].replace("Ana Lima", "Ana Lima-Souza"))
    expected["Talks.txt"] = "same readout id 'Talks' as"
    if os.geteuid() != 0:  # root reads any file
        (folder / "unreadable.txt").write_text(GOOD["talks.txt"])
        (folder / "unreadable.txt").chmod(0)
        expected["unreadable.txt"] = "the file cannot be read: permission denied"
    return expected


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Good readouts alone, and the same next to one file of each bad kind."""
    root = tmp_path_factory.mktemp("robust")
    _write_good(root / "good")
    shutil.copytree(root / "good", root / "mixed")
    return {"good": root / "good", "mixed": root / "mixed", "root": root}


def _dataset(out: Path) -> dict[str, rdflib.Graph]:
    with GraphStore.open(out, read_only=True) as store:
        ds = store.to_rdflib()
    graphs: dict[str, rdflib.Graph] = {}
    for g in ds.graphs():
        copy = rdflib.Graph()
        for triple in g:
            copy.add(triple)
        graphs[str(g.identifier)] = copy
    return graphs


def test_every_bad_file_is_named_with_its_reason_and_the_good_ones_are_built(mixed, capsys):
    expected = _write_bad(mixed["mixed"])
    missing = mixed["root"] / "not-there.txt"
    expected[missing.name] = "no such file or folder"

    started = time.monotonic()
    code = main(["build", str(mixed["mixed"]), str(missing), "-o", str(mixed["root"] / "out-mixed"),
                 "--no-map"])
    elapsed = time.monotonic() - started
    out, err = capsys.readouterr()

    assert code == 1
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    named = {}
    for line in errors:
        source, _, reason = line.removeprefix("error: ").partition(": ")
        named[Path(source).name] = reason
    assert set(named) == set(expected), (sorted(set(named) ^ set(expected)), err)
    for name, reason in expected.items():
        assert named[name].startswith(reason), (name, named[name])
    assert f"{len(expected)} input(s) failed; the others were built." in err
    for name, (_, _, warning) in WARNED.items():
        assert any(name in line and warning in line for line in out.splitlines()), (name, out)
    assert elapsed < 60


def test_the_good_readouts_facts_are_all_in_the_graph(mixed):
    report_good = build([mixed["good"]], mixed["root"] / "out-good", write_map=False)
    assert report_good.ok and report_good.readouts == len(GOOD) + len(WARNED)
    if not (mixed["root"] / "out-mixed").exists():
        _write_bad(mixed["mixed"])
        build([mixed["mixed"]], mixed["root"] / "out-mixed", write_map=False)
    alone, beside_bad = _dataset(mixed["root"] / "out-good"), _dataset(mixed["root"] / "out-mixed")
    readout_graphs = [iri for iri in alone if iri.startswith(GRAPH_BASE) and "/_" not in iri]
    assert len(readout_graphs) == len(GOOD) + len(WARNED)
    for iri in readout_graphs:
        a, b = alone[iri], beside_bad.get(iri)
        assert b is not None, f"{iri} is missing"
        if not isomorphic(a, b):
            _, only_alone, only_mixed = graph_diff(to_isomorphic(a), to_isomorphic(b))
            raise AssertionError(f"{iri}: {sorted(only_alone)[:3]} vs {sorted(only_mixed)[:3]}")
    labels = {str(o) for o in rdflib.Graph().parse(mixed["root"] / "out-mixed" / "graph.ttl")
              .objects(None, rdflib.RDFS.label)}
    assert {"Ana Lima", "Rosa Pires", "Ivo Sandes", "Lena Ortiz", "Jos\u00e9 Pereira",
            "Jo\u00e3o Ara\u00fajo"} <= labels


def test_hostile_text_stays_data_in_the_store_and_the_map(tmp_path: Path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "hostile.txt").write_text(GOOD["hostile.txt"].replace(
        "Ivo Sandes", 'Ivo <img src=x onerror=alert(1)> Sandes'))
    (src / "other.txt").write_text(GOOD["talks.txt"])
    report = build([src], tmp_path / "out")
    assert report.ok and report.readouts == 2
    page = (tmp_path / "out" / "map.html").read_text(encoding="utf-8")
    assert "<img src=x" not in page and '<script>alert("x")' not in page
    with GraphStore.open(tmp_path / "out", read_only=True) as store:
        assert len(store.graph_iris()) == 4  # two readouts, labels, topics: nothing dropped
        _, rows = store.select_rows("SELECT ?e WHERE { ?x <https://w3id.org/partyrel/ontology#evidence> ?e }")
    assert any("DROP ALL" in str(row[0]) or "Sandes" in str(row[0]) for row in rows)


# --------------------------------------------------------------------------- the rules, one by one

@pytest.mark.parametrize(
    ("data", "text", "encoding", "guessed"),
    [
        ("T\u00e9a".encode("utf-8"), "T\u00e9a", "UTF-8", False),
        (b"\xef\xbb\xbfT\xc3\xa9a", "T\u00e9a", "UTF-8", False),
        ("T\u00e9a and more".encode("utf-16"), "T\u00e9a and more", "UTF-16", False),
        ("T\u00e9a and more".encode("utf-16-be"), "T\u00e9a and more", "UTF-16 (no byte order mark)", False),
        ("T\u00e9a and more".encode("utf-16-le"), "T\u00e9a and more", "UTF-16 (no byte order mark)", False),
        ("T\u00e9a and more".encode("utf-32"), "T\u00e9a and more", "UTF-32", False),
        ("Caf\u00e9 \u201cr\u00e9union\u201d \u2013 \u20ac5".encode("cp1252"),
         "Caf\u00e9 \u201cr\u00e9union\u201d \u2013 \u20ac5", "Windows-1252 (Latin-1)", True),
    ],
)
def test_encodings_that_can_be_told_are_decoded(data, text, encoding, guessed):
    decoded = decode(data, "x.txt")
    assert (decoded.text.lstrip("\ufeff"), decoded.encoding, decoded.guessed) == (text, encoding, guessed)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        # UTF-8 read as Windows-1252 gives mojibake ("Ã©"): refused, not guessed
        ("Caf\u00e9".encode("utf-8").replace(b"f", b"f\xff"), "the file is not UTF-8 text (byte 3)"),
        # Polish in cp1250 would read as "£ódŸ": refused
        ("\u0141\u00f3d\u017a".encode("cp1250"), "the file is not UTF-8 text (byte 0)"),
        ("\u4e2d\u5171\u4e2d\u592e\u5bf9\u5916\u8054\u7edc\u90e8".encode("gb2312"), "the file is not UTF-8 text"),
        (b"\xff\xfe\x00\xd8", "the file starts with a UTF-16 byte order mark but does not decode"),
        (b"GIF89a\x01\x00", "the file is binary data (a GIF image), not text"),
        (b"\x7fELF\x02\x01", "the file is binary data (a program), not text"),
        (b"{\\rtf1\\ansi Talks}", "the file is binary data (an RTF document), not text"),
        (b"Talks\x00\x00\x00\x01 held", "the file is binary data, not text"),
    ],
)
def test_bytes_that_cannot_be_read_reliably_are_refused(data, reason):
    with pytest.raises(InputError) as info:
        decode(data, "x.txt")
    assert info.value.reason.startswith(reason) and info.value.hint


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("<html><body><p>Talks</p></body></html>", "the file is an HTML page"),
        ("<p>Talks held</p><p>by</p><div>two</div><span>parties</span><br/>", "the file is an HTML page"),
        (HEAD + "x" * 60_000, "the text is 60,"),
        (HEAD + "\u4e2d\u5171\u4e2d\u592e\u5bf9\u5916\u8054\u7edc\u90e8" * 20, "the text does not look like English: 86% of its letters"),
        (HEAD + ("a " * 1_200) + ".", "the text has a sentence of 1,2"),
        # Latin letters counted beside Cyrillic ones: 16 of every 70 letters are Latin
        ("The delegation met. " + "\u041f\u0430\u0440\u0442\u0438\u044f \u043f\u0440\u043e\u0432\u0435"
         "\u043b\u0430 \u0432\u0441\u0442\u0440\u0435\u0447\u0443 \u0441 \u0434\u0435\u043b\u0435"
         "\u0433\u0430\u0446\u0438\u0435\u0439 the party. " * 20,
         "the text does not look like English: 77% of its letters"),
        ("Talks. " + "Ana, Lima; " * 400 + "end.", "the text has a sentence of 1,60"),
    ],
)
def test_texts_that_are_not_readouts_are_refused(text, reason):
    with pytest.raises(InputError) as info:
        check_text(text, "x.txt")
    assert info.value.reason.startswith(reason), info.value.reason


@pytest.mark.parametrize(
    "text",
    [
        TALKS.format(guest="Ana Lima"),
        "If x < y and y > z, the two parties <agreed> to meet.",  # a few angle brackets are not HTML
        HEAD + "Tang Wenbo met " + ", ".join(["Ana Lima, President of the Workers' Party"] * 70) + ".",
        "Short note.",  # too short to judge its language
    ],
)
def test_readouts_that_merely_look_odd_pass(text):
    assert check_text(text, "x.txt") == []


def test_portuguese_is_built_with_a_warning_not_refused():
    text = ("O secret\u00e1rio-geral do partido reuniu-se hoje com uma delega\u00e7\u00e3o do Partido dos "
            "Trabalhadores do Brasil. As duas partes concordaram em aprofundar os interc\u00e2mbios e a "
            "coopera\u00e7\u00e3o nas \u00e1reas de governan\u00e7a, desenvolvimento rural e "
            "forma\u00e7\u00e3o de jovens quadros nos pr\u00f3ximos anos.")
    warnings = check_text(text, "pt.txt")
    assert len(warnings) == 1 and warnings[0].startswith("the text may not be English: 1")


def _language_verdict_by_hand(text: str) -> str:
    """What the language check must say, counted one character and one word at a time."""
    import re

    from spacy.lang.en.stop_words import STOP_WORDS

    letters = [c for c in text if c.isalpha()]
    latin = [c for c in letters if c < "\u0250" or "\u1e00" <= c <= "\u1eff"]
    if len(letters) >= 100 and len(latin) < 0.5 * len(letters):
        return "script"
    words = [w.lower().replace("\u2019", "'") for w in re.findall(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*", text)]
    if len(words) < ingest.MIN_LANGUAGE_WORDS:
        return "ok"
    common = sum(1 for w in words if w in STOP_WORDS)
    if common < ingest.MIN_ENGLISH_SHARE * len(words):
        return f"words {common}/{len(words)}"
    return f"warn {common}/{len(words)}" if common < ingest.WARN_ENGLISH_SHARE * len(words) else "ok"


_COMMON = ["the", "and", "of", "we're", "It's", "don\u2019t", "\u201cthe\u201d", "with\u2014and"]
_LATIN = ["party", "Talks", "delegation", "x_y", "2024", "co\u2011operation", "partido", "da"]
_ACCENTED = ["S\u00e3o", "\u00c9ire", "na\u00efve", "\u0130stanbul", "\u212a", "x\u00b2", "\u0663"]
_OTHER_SCRIPTS = ["\u041f\u0430\u0440\u0442\u0438\u044f", "\u4e2d\u5171\u4e2d\u592e",
                  "\u0394\u03b7\u03bc\u03bf\u03c2", "\u0627\u0644\u062d\u0632\u0628"]


@pytest.mark.parametrize(
    ("common", "latin", "accented", "other"),
    [
        (5, 5, 0, 0),  # ASCII words, curly quotes and dashes only: English
        (1, 6, 0, 0),  # ... with few common words: a warning
        (0, 8, 0, 0),  # ... with none: refused
        (4, 4, 2, 0),  # letters beyond ASCII, all Latin
        (0, 4, 4, 0),
        (3, 3, 1, 3),  # other scripts, beside more Latin letters
        (1, 1, 1, 8),  # ... most letters in other scripts: refused
        (0, 0, 0, 1),
    ],
)
def test_the_language_check_counts_as_a_character_by_character_count_would(common, latin, accented, other):
    import random

    rng = random.Random(common * 1000 + latin * 100 + accented * 10 + other)
    pieces = _COMMON * common + _LATIN * latin + _ACCENTED * accented + _OTHER_SCRIPTS * other
    for size in (5, 40, 200, 600):
        words = [rng.choice(pieces) for _ in range(size)]
        text = ". ".join(" ".join(words[k:k + 15]) for k in range(0, size, 15)) + "."
        expected = _language_verdict_by_hand(text)
        try:
            warnings = check_text(text, "x.txt")
        except InputError as err:
            got = "script" if "non-Latin script" in err.reason else "words " + err.reason
        else:
            got = "warn" if warnings else "ok"
        if expected.startswith("words "):
            common_words, total = map(int, expected.split()[1].split("/"))
            assert got.startswith("words ") and f"of its {total:,} words" in got and got.split(": ")[1].startswith(
                f"{100 * common_words // total}%"), (text, got)
        else:
            assert got == expected.split()[0], (text, got, expected)


def test_a_file_growing_past_the_limit_is_refused_while_read(tmp_path: Path, monkeypatch):
    path = tmp_path / "grows.txt"
    path.write_bytes(b"x" * 5_000)
    real_stat = os.stat

    def small_stat(p, *args, **kwargs):  # the size said when opened: 10 bytes
        result = real_stat(p, *args, **kwargs)
        if str(p) == str(path):
            return os.stat_result((result.st_mode, result.st_ino, result.st_dev, result.st_nlink,
                                   result.st_uid, result.st_gid, 10, result.st_atime,
                                   result.st_mtime, result.st_ctime))
        return result

    monkeypatch.setattr(ingest.os, "stat", small_stat)
    with pytest.raises(InputError, match="larger than its size said"):
        read_bytes(path, max_bytes=1_000)


def test_a_file_reached_twice_is_read_once_and_a_folder_loop_ends(tmp_path: Path):
    (tmp_path / "a.txt").write_text(GOOD["talks.txt"])
    (tmp_path / "same.txt").symlink_to(tmp_path / "a.txt")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "loop").symlink_to(tmp_path, target_is_directory=True)
    found = list(iter_paths([tmp_path, tmp_path / "a.txt", tmp_path]))
    assert found == [tmp_path / "a.txt"]


def test_a_folder_given_again_through_a_link_is_read_once(tmp_path: Path):
    real = tmp_path / "real"
    (real / "sub").mkdir(parents=True)
    (real / "a.txt").write_text(GOOD["talks.txt"])
    (real / "sub" / "b.txt").write_text(GOOD["talks.txt"])
    (real / "sub" / "c.txt").symlink_to(real / "a.txt")  # a link to a file seen before
    (tmp_path / "alias").symlink_to(real, target_is_directory=True)
    found = list(iter_paths([real, tmp_path / "alias", tmp_path / "alias" / "sub" / "b.txt"]))
    assert found == [real / "a.txt", real / "sub" / "b.txt"]


def test_load_file_reports_a_guessed_encoding_as_a_warning(tmp_path: Path):
    path = tmp_path / "r.txt"
    path.write_bytes(WARNED["latin1.txt"][0].encode("latin-1"))
    loaded = load_file(path)
    assert "Jos\u00e9 Pereira" in loaded.readout.text
    assert loaded.warnings[0].startswith("the file is not UTF-8: it was read as Windows-1252")
