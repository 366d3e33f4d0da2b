"""Ingest: header shapes, datelines, bad files named with their reason."""

from datetime import date
from pathlib import Path

import pytest

from kg import ingest
from kg.errors import InputError
from kg.ingest import Failure, iter_paths, parse_readout, read_file

BODY = "Tang Wenbo met with a visiting delegation of the Workers' Party of Brazil and they talked at length."


@pytest.mark.parametrize(
    ("text", "published", "place", "dateline_date"),
    [
        (f"T\n ( 2024.03.12 )\n\nKunming, March 11th--{BODY}", date(2024, 3, 12), "Kunming", date(2024, 3, 11)),
        (f"T\n ( 2024.03.12 )\n\nBeijing, March 12th—{BODY}", date(2024, 3, 12), "Beijing", date(2024, 3, 12)),
        (f"T\n\nXinhua) 10:15, June 05, 2025\n\nBEIJING, June 4 (Xinhua) -- {BODY}", date(2025, 6, 5), "Beijing", date(2025, 6, 4)),
        (f"T\n\nMarch 3, 2024\n\nHanoi (VNA) – {BODY}", date(2024, 3, 3), "Hanoi", None),
        (f"T\n\n14 May 2025\n\nHAVANA, Cuba, May 13 (ACN) {BODY}", date(2025, 5, 14), "Havana", date(2025, 5, 13)),
        (f"T\n\n2018-01-31\n\nVIENTIANE - {BODY}", date(2018, 1, 31), "Vientiane", None),
        (f"T\n ( 2017.09.27 )\n\nOn September 27th—{BODY}", date(2017, 9, 27), None, date(2017, 9, 27)),
        (f"T\n\n14 May 2025\n\n{BODY}", date(2025, 5, 14), None, None),
        (f"T\n7 May 2019\n\nTendai Moyo in HARARE, Zimbabwe\n\n{BODY}", date(2019, 5, 7), "Harare", None),
        (f"T\n7 May 2019\n\nBy Tendai Moyo in Lusaka\n\n{BODY}", date(2019, 5, 7), "Lusaka", None),
        ("T\n\nOn March 22, the party sent a message to its friends on the 68th anniversary (March 22, 1955 - 2023) of their founding.", date(2023, 3, 22), None, None),
    ],
)
def test_header_shapes_give_publication_date_and_dateline(text, published, place, dateline_date):
    r = parse_readout("x", text)
    assert (r.published, r.dateline_place, r.dateline_date) == (published, place, dateline_date)
    assert r.title == "T"


def test_caption_with_hyphenated_name_is_not_a_dateline():
    text = ("T\n\n(Xinhua) 09:57, April 20, 2021\n\nVisiting leader Ana Lima-Souza addresses the congress of her party in the capital city today. (Photo)\n\n"
            f"BEIJING, April 20 (Xinhua) -- {BODY}")
    r = parse_readout("x", text)
    assert r.dateline_place == "Beijing"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "the file is empty"),
        (b"  \n\t \n", "the file holds only whitespace"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "the file is binary data (a PNG image), not text"),
        (b"\x00\x01\x02\x03 some bytes", "the file is binary data, not text"),
        ("\u041f\u0440\u0438\u0432\u0435\u0442 \u043c\u0438\u0440".encode("cp1251"),
         "the file is not UTF-8 text (byte 0) and its encoding cannot be told reliably"),
    ],
)
def test_bad_files_are_refused_with_their_reason(tmp_path: Path, content: bytes, reason: str):
    p = tmp_path / "bad.txt"
    p.write_bytes(content)
    with pytest.raises(InputError) as info:
        read_file(p)
    assert info.value.reason == reason
    assert str(p) in str(info.value)


def test_utf16_with_bom_is_decoded(tmp_path: Path):
    p = tmp_path / "u16.txt"
    p.write_bytes(f"T\n\n14 May 2025\n\n{BODY}".encode("utf-16"))
    assert read_file(p).published == date(2025, 5, 14)


def test_file_over_the_size_limit_is_refused(tmp_path: Path):
    p = tmp_path / "big.txt"
    p.write_text("x" * 2000)
    with pytest.raises(InputError, match="over the 1,000-byte limit"):
        read_file(p, max_bytes=1000)


def test_folders_are_walked_recursively_in_order_and_missing_paths_reported(tmp_path: Path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.txt").write_text("x")
    (tmp_path / "1.txt").write_text("x")
    (tmp_path / "skip.json").write_text("{}")
    (tmp_path / "b" / "loop").symlink_to(tmp_path, target_is_directory=True)
    found = list(iter_paths([tmp_path, tmp_path / "nope.txt"]))
    assert found[:2] == [tmp_path / "1.txt", tmp_path / "b" / "2.txt"]
    assert found[2] == Failure(str(tmp_path / "nope.txt"), "no such file or folder", "check the path")
    assert len(found) == 3


@pytest.mark.parametrize(
    ("layout", "unlistable", "expected"),
    [
        # files in sorted order, a folder's files before its sub-folders'
        ({"b/2.txt": "", "a.txt": "", "b/1.html": "", "c/d/3.jsonl": "", "n.json": ""}, None,
         ["a.txt", "b/1.html", "b/2.txt", "c/d/3.jsonl"]),
        # a sub-folder that cannot be listed is a failure; the rest is walked
        ({"a.txt": "", "b/2.txt": "", "c/3.txt": ""}, "b",
         ["a.txt", "failure:b", "c/3.txt"]),
        # a browser page's companion folder is not walked; the page is read
        ({"p.html": "", "p_files/frame.html": "", "q_files/r.txt": ""}, None,
         ["p.html", "q_files/r.txt"]),
        # a link to a file is yielded once, under the name reached first
        ({"a.txt": "", "z/b.txt": "link:a.txt", "m.txt": "link:gone.txt"}, None,
         ["a.txt", "m.txt"]),
        # a link to a folder is not walked
        ({"real/x.txt": "", "alias": "link:real"}, None, ["real/x.txt"]),
    ],
)
def test_a_folder_walk_gives_readable_files_in_order_and_names_unlistable_folders(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout, unlistable, expected):
    import os

    from kg import ingest

    for name, content in layout.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if content.startswith("link:"):
            path.symlink_to(tmp_path / content[5:])
        else:
            path.write_text("x")
    real_scandir = os.scandir

    def scandir(folder):
        if unlistable is not None and os.path.basename(folder) == unlistable:
            raise PermissionError(13, "Permission denied", folder)
        return real_scandir(folder)

    monkeypatch.setattr(ingest.os, "scandir", scandir)
    found = [f"failure:{Path(item.source).relative_to(tmp_path).as_posix()}" if isinstance(item, Failure)
             else item.relative_to(tmp_path).as_posix() for item in iter_paths([tmp_path])]
    assert found == expected
    failures = [item for item in iter_paths([tmp_path]) if isinstance(item, Failure)]
    assert all(f.reason == "the folder cannot be listed: Permission denied" for f in failures)


@pytest.mark.parametrize("read, name, content", [
    (lambda p: ingest.read_file(p).text.splitlines()[-1], "r.txt", "Talks\n14 March 2022\n\nAna Lima met Rui Costa."),
    (lambda p: ingest.load_file(p).readout.text.splitlines()[-1], "r.txt", "Talks\n14 March 2022\n\nAna Lima met Rui Costa."),
    (lambda p: ingest.read_bytes(p).decode().splitlines()[-1], "r.txt", "x\nAna Lima met Rui Costa."),
    (lambda p: str(ingest.count_records(p)), "f.jsonl", '{"text": "a"}\n\n{"text": "b"}\n'),
    (lambda p: next(iter(ingest.read_records(p))).readout_id, "f.jsonl", '{"id": "a1", "text": "Ana Lima met Rui Costa."}\n'),
])
def test_readers_take_a_path_given_as_text_like_one_given_as_a_path(tmp_path: Path, read, name: str, content: str):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert read(str(path)) == read(path)
