"""Ingest: files and folders of readouts -> :class:`~kg.records.Readout`.

Reads ``.txt`` readouts as users save them from the page: a title line, the
header lines publishers put before the body (IDCPC "( 2022.09.29 )", the
Xinhua/People's Daily time line "10:00, April 19, 2023", "July 11, 2023",
"14 March 2022"), then the body, which may open with a dateline such as
"BEIJING, June 2 (Xinhua) --", "Beijing, September 27th—" or "Hanoi (VNA) –".

Example:
    >>> r = parse_readout("t1", "Talks Held\\n ( 2024.03.12 )\\n\\nKunming, March 11th--Tang Wenbo met here today with visitors from afar and friends.")
    >>> r.title, r.published.isoformat(), r.dateline_place, r.dateline_date.isoformat()
    ('Talks Held', '2024-03-12', 'Kunming', '2024-03-11')
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from kg.dates import _MONTH, _ORD, _calendar, find_full_date
from kg.errors import InputError
from kg.records import Readout

#: File name suffixes read as readouts.
READABLE_SUFFIXES: frozenset[str] = frozenset({".txt"})
#: Refuse files larger than this many bytes unless told otherwise.
DEFAULT_MAX_BYTES: int = 5_000_000

_BODY_MIN_WORDS = 12
_NOT_PLACES = frozenset({"yesterday", "today", "on", "in", "at", "last", "this", "the", "monday", "tuesday",
                         "wednesday", "thursday", "friday", "saturday", "sunday"})
_DASH = r"(?:--|—|–|-)"
_PLACE = r"(?P<place>[A-ZÀ-Ý][\w'’.\-]*(?:\s+(?:[A-ZÀ-Ý][\w'’.\-]*|es|de|del|da|do|al|el|la))*)"
_DATELINES: tuple[re.Pattern[str], ...] = (
    # BEIJING, June 2 (Xinhua) --  /  Beijing, September 27th—  /  Havana, Cuba, Mar 14 (ACN)
    re.compile(r"^\s*" + _PLACE + r"(?:\s*,\s*(?P<country>[A-Z][\w'’\- ]+?))?\s*,\s*"
               + _MONTH.format(n="mon") + r"\s+(?P<d>\d{1,2})" + _ORD
               + r"\s*(?:\((?P<agency>[^)]{1,20})\))?\s*" + _DASH + r"?\s*"),
    # Hanoi (VNA) –   /  VIENTIANE -   /  WINDHOEK –
    re.compile(r"^\s*" + _PLACE + r"(?:\s*,\s*(?P<country>[A-Z][\w'’\- ]+?))?\s*(?:\((?P<agency>[^)]{1,20})\))?\s*(?:--|—|–|\s-)\s+(?=[A-Z\"“])"),
    # On September 27th—
    re.compile(r"^\s*On\s+" + _MONTH.format(n="mon") + r"\s+(?P<d>\d{1,2})" + _ORD + r"\s*" + _DASH + r"\s*"),
)


@dataclass(frozen=True, slots=True)
class Failure:
    """An input that could not be read: its name and why."""

    source: str
    reason: str


def normalize_text(text: str) -> str:
    """NFC-normalize, unify line ends, drop a BOM and zero-width characters.

    Example:
        >>> normalize_text("\\ufeffa\\r\\nb\\u200b")
        'a\\nb'
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    text = re.sub(r"[\u200b\u200c\u200d\u2060]", "", text)
    return unicodedata.normalize("NFC", text)


def _is_body_line(line: str) -> bool:
    """A paragraph of the body: long, and ending like a sentence (a long
    headline such as "X Meets with Deputy Leader of the Y and Z" does not)."""
    text = line.strip()
    return len(text.split()) >= _BODY_MIN_WORDS and (text[-1:] in '.!?"”’)' or text.count(". ") >= 1)


def _title_case_place(place: str) -> str:
    if place.isupper():
        return " ".join(w.capitalize() for w in place.split())
    return place


def parse_readout(readout_id: str, text: str, source: str = "<text>", *, url: str | None = None) -> Readout:
    """Split a readout's text into title, header and body, and read its dates.

    The publication date is the first full date (with a year) in the header
    lines before the body; failing that, the first one anywhere in the text.
    """
    text = normalize_text(text)
    lines = text.split("\n")
    offsets: list[int] = []
    pos = 0
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    title = lines[nonblank[0]].strip() if nonblank else ""
    body_index = next((i for i in nonblank[1:] if _is_body_line(lines[i])), None)
    if body_index is None:
        body_index = nonblank[1] if len(nonblank) > 1 else (nonblank[0] if nonblank else 0)
    header = "\n".join(lines[: body_index])
    published = find_full_date(header) or _guess_published(text[offsets[body_index] if offsets else 0:], text)
    body_start = offsets[body_index] if offsets else 0

    place = None
    dl_date: date | None = None
    dl_end = body_start
    # The dateline may sit on the first body line or on a short line of its own.
    for i in [body_index] + [j for j in nonblank if j > body_index][:2]:
        line = lines[i]
        for pattern in _DATELINES:
            m = pattern.match(line)
            if not m:
                continue
            g = m.groupdict()
            if g.get("place") and g["place"].split()[0].lower() in _NOT_PLACES:
                continue  # "Yesterday, January 24, ..." is no dateline place
            if g.get("place"):
                place = _title_case_place(g["place"].strip())
            if g.get("mon") and published is not None:
                dl_date = _calendar({"mon": g["mon"], "d": g["d"], "y": None}, published)
            dl_end = offsets[i] + m.end()
            break
        if place or dl_date:
            break
    return Readout(
        id=readout_id, source=source, text=text, title=title, published=published,
        body_start=body_start, dateline_place=place, dateline_date=dl_date,
        dateline_end=dl_end, url=url,
    )


def _guess_published(body: str, text: str) -> date | None:
    """No date in the header: take the latest year the text names and the
    first month-and-day of the body in that year (a readout reports recent
    events; older years are anniversaries and background)."""
    years = [int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d\d)(?!\d)", text)]
    if not years:
        return None
    ref = date(max(years), 12, 31)
    from kg.dates import find_day_mentions  # local: avoids a cycle in doctest runs

    for mention in find_day_mentions(body, ref):
        if mention.kind in ("calendar", "span"):
            return mention.value.replace(year=max(years)) if mention.value.month != 2 or mention.value.day != 29 else mention.value
    return find_full_date(text)


def read_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Readout:
    """Read one ``.txt`` readout; raise :class:`InputError` naming the problem.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "empty.txt"; _ = p.write_text("")
        >>> try: read_file(p)
        ... except InputError as e: print(e.reason)
        the file is empty
    """
    name = str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(name, "no such file or folder", "check the path") from None
    except OSError as exc:
        raise InputError(name, f"cannot be read: {exc.strerror}") from None
    if size > max_bytes:
        raise InputError(name, f"the file is {size:,} bytes, over the {max_bytes:,}-byte limit",
                         "split it, or raise the limit with --max-bytes")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(name, f"cannot be read: {exc.strerror}") from None
    if not raw:
        raise InputError(name, "the file is empty")
    text = decode(raw, name)
    if not text.strip():
        raise InputError(name, "the file holds only whitespace")
    return parse_readout(path.stem, text, name)


def decode(raw: bytes, name: str) -> str:
    """Decode bytes as UTF-8 (with or without BOM) or UTF-16 with a BOM;
    refuse binary data and undecodable text by name."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(name, "the file claims UTF-16 but does not decode") from None
    if b"\x00" in raw[:4096]:
        raise InputError(name, "the file is binary data, not text", "save the readout as plain text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(name, f"the file is not UTF-8 text (byte {exc.start})",
                         "re-save it as UTF-8") from None


def iter_paths(paths: Iterable[Path]) -> Iterator[Path | Failure]:
    """Expand files and folders (recursively, in sorted order) into readout
    files; yield a :class:`Failure` for a path that does not exist.

    Symbolic links to folders are not followed, so a link loop cannot hang
    the walk.
    """
    for path in paths:
        if path.is_dir():
            for root, dirs, files in os.walk(path, followlinks=False):
                dirs.sort()
                for fname in sorted(files):
                    p = Path(root) / fname
                    if p.suffix.lower() in READABLE_SUFFIXES:
                        yield p
        elif path.exists():
            yield path
        else:
            yield Failure(str(path), "no such file or folder")
