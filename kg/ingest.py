"""Ingest: files and folders of readouts -> :class:`~kg.records.Readout`.

Reads ``.txt`` readouts as users save them from the page: a title line, the
header lines publishers put before the body (IDCPC "( 2022.09.29 )", the
Xinhua/People's Daily time line "10:00, April 19, 2023", "July 11, 2023",
"14 March 2022"), then the body, which may open with a dateline such as
"BEIJING, June 2 (Xinhua) --", "Beijing, September 27th—" or "Hanoi (VNA) –".

Also reads saved web pages (``.html``/``.htm``: the article's title, date,
URL and main text, see :func:`load_html`), JSON Lines files of scraped
records (``.jsonl``: one readout per line, see :func:`read_records` and
:func:`load_record`) and a readout given as bytes, such as standard input
(:class:`Stream`, see :func:`load_stream`). Every readout's text goes
through the same checks (:func:`check_text`) whatever it came in.

Bad input is refused with an :class:`~kg.errors.InputError` that names the
file and the problem (see :func:`load_file` for the checks and limits); a
batch build records it and goes on with the other files.

Example:
    >>> r = parse_readout("t1", "Talks Held\\n ( 2024.03.12 )\\n\\nKunming, March 11th--Tang Wenbo met here today with visitors from afar and friends.")
    >>> r.title, r.published.isoformat(), r.dateline_place, r.dateline_date.isoformat()
    ('Talks Held', '2024-03-12', 'Kunming', '2024-03-11')
"""

from __future__ import annotations

import errno
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO

from kg.dates import _MONTH, _ORD, _calendar, find_full_date
from kg.errors import InputError
from kg.records import Readout
from kg.sources import Record, page_article, parse_record, record_from_object

#: File name suffixes read as readouts: the format of each (see :func:`format_of`).
FORMATS: dict[str, str] = {".txt": "txt", ".html": "html", ".htm": "html", ".jsonl": "jsonl"}
#: File name suffixes read as readouts.
READABLE_SUFFIXES: frozenset[str] = frozenset(FORMATS)
#: Refuse files larger than this many bytes unless told otherwise (``kg build
#: --max-bytes``): checked on the file's size before reading, and again while
#: reading (never more than this many bytes plus one are read).
DEFAULT_MAX_BYTES: int = 5_000_000
#: Refuse a readout whose text is longer than this many characters: 15 times
#: the longest readout of the dev corpus (3,210 bytes). It bounds the time
#: one readout can take: nlp and extraction time grow faster than a text's
#: length (measured: 50,000 characters of repetitive but plausible prose take
#: up to 10 s, 25,000 up to 3.5 s); spaCy's own limit is 1,000,000.
MAX_CHARS: int = 50_000
#: Refuse a readout with a sentence of more tokens (words and marks) than
#: this: a real sentence has tens, a long list of delegates a few hundred;
#: text without full stops (a table, a dump) would make extraction slow.
MAX_SENTENCE_TOKENS: int = 1_000
#: Language: in a text of at least ``MIN_LANGUAGE_WORDS`` words, the share of
#: common English words (spaCy's English stop words) below ``MIN_ENGLISH_SHARE``
#: refuses it as another language, below ``WARN_ENGLISH_SHARE`` warns. Measured
#: on made-up paragraphs: the bundled English readouts 0.38-0.44, a list of
#: names and titles 0.33; Spanish, French, German, Italian, Vietnamese
#: 0.00-0.05; Portuguese 0.12 (warned, not refused).
MIN_LANGUAGE_WORDS: int = 30
MIN_ENGLISH_SHARE: float = 0.10
WARN_ENGLISH_SHARE: float = 0.20
#: A text of at least 200 non-space characters of which more than this share
#: are punctuation marks and symbols is refused as not prose (prose: 2-5%).
MAX_PUNCTUATION_SHARE: float = 0.5

# Signatures of the binary formats most often saved as .txt by mistake.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"RIFF", "a RIFF file: a WebP image, WAV audio or AVI video"),
    (b"PK\x03\x04", "a ZIP archive, or a .docx/.xlsx/.odt document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a Microsoft Office .doc/.xls/.ppt document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x7fELF", "a program"),
    (b"{\\rtf", "an RTF document"),
)
_SAVE_AS_TEXT = "save the readout as plain text (UTF-8) in a .txt file"
# Bytes below 0x20 other than tab, line feed, vertical tab, form feed, carriage
# return and escape, and DEL: binary data.
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")
_HTML_START = re.compile(r"\A\s*(?:<!doctype\s+html|<html[\s>]|<\?xml[^>]*>\s*<(?:!doctype\s+)?html)",
                         re.IGNORECASE)
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]{0,1000})?/?>")
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")
# Sentence ends as spaCy's sentencizer sees them (a full stop, question or
# exclamation mark before a space) and line breaks; tokens are words and marks.
_SENTENCE_END_CHARS = ".!?\u3002\uff01\uff1f"
_SENTENCE_TOKEN = re.compile(r"\n|[.!?\u3002\uff01\uff1f]+(?=\s|\Z)|\w+|[^\w\s]")
_SENTENCE_END = re.compile(r"\n|[.!?\u3002\uff01\uff1f]+(?=\s|\Z)")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_ASCII_LETTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ASCII_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")  # _WORD in lower-cased text with no letter beyond ASCII
_NOT_WORD_OR_SPACE = re.compile(r"[^\w\s]")

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
    # London, 13 May -  /  Pretoria, 13 May 2025 –
    re.compile(r"^\s*" + _PLACE + r"\s*,\s*(?P<d>\d{1,2})" + _ORD + r"\s+" + _MONTH.format(n="mon")
               + r"(?:\s+(?:19|20)\d\d)?\s*(?:\((?P<agency>[^)]{1,20})\))?\s*(?:--|—|–|-)\s*"),
    # Hanoi (VNA) –   /  VIENTIANE -   /  WINDHOEK –
    re.compile(r"^\s*" + _PLACE + r"(?:\s*,\s*(?P<country>[A-Z][\w'’\- ]+?))?\s*(?:\((?P<agency>[^)]{1,20})\))?\s*(?:--|—|–|\s-)\s+(?=[A-Z\"“])"),
    # On September 27th—
    re.compile(r"^\s*On\s+" + _MONTH.format(n="mon") + r"\s+(?P<d>\d{1,2})" + _ORD + r"\s*" + _DASH + r"\s*"),
)
#: A newspaper byline on a header line of its own: "Jane Moyo in HARARE, Zimbabwe",
#: "By Jane Moyo in Harare": the place the story was filed from.
_BYLINE = re.compile(r"^\s*(?:By\s+)?[A-Z][\w'’.\-]+(?:\s+[A-Z][\w'’.\-]+){0,3}\s+in\s+" + _PLACE
                     + r"(?:\s*,\s*(?P<country>[A-Z][\w'’\- ]+?))?\s*$")


@dataclass(frozen=True, slots=True)
class Failure:
    """An input that could not be read: its name, why, and how to fix it.

    Example:
        >>> Failure("a.txt", "the file is empty", "save the readout's text into it").message
        "the file is empty (save the readout's text into it)"
    """

    source: str
    reason: str
    hint: str = ""

    @property
    def message(self) -> str:
        """The reason, followed by the hint in parentheses when there is one."""
        return f"{self.reason} ({self.hint})" if self.hint else self.reason


@dataclass(frozen=True, slots=True)
class Loaded:
    """A readout read from a file, with what the reader should know about it
    (e.g. that it was decoded from a legacy encoding).

    ``metadata`` is what the source said about the readout besides its text
    (a page's or record's date and URL), "" for a plain text file: it is part
    of the readout's content hash, so a changed date or URL rebuilds it.
    """

    readout: Readout
    warnings: tuple[str, ...] = ()
    metadata: str = ""


@dataclass(frozen=True, slots=True)
class Stream:
    """A readout given as bytes rather than as a file: ``kg build -`` reads
    standard input into one. ``format`` is ``"txt"``, ``"html"`` or ``"json"``
    (one record, the fields of a ``.jsonl`` line), or None to tell it from the
    bytes (:func:`sniff_format`); ``readout_id`` None takes the record's
    ``id``, else ``stdin-`` and the start of the bytes' SHA-256 (see
    :func:`stream_id`)."""

    data: bytes
    name: str = "<stdin>"
    readout_id: str | None = None
    format: str | None = None


def format_of(path: str | Path) -> str:
    """The format a file is read in, by its suffix: ``txt``, ``html`` or
    ``jsonl`` (``txt`` for any other).

    Example:
        >>> format_of("a/Talks.HTM"), format_of("feed.jsonl"), format_of("notes.txt")
        ('html', 'jsonl', 'txt')
    """
    return FORMATS.get(Path(path).suffix.lower(), "txt")


@dataclass(frozen=True, slots=True)
class Decoded:
    """Text decoded from bytes, the encoding it was read in, and whether that
    encoding was a guess worth a warning."""

    text: str
    encoding: str
    guessed: bool = False


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


def parse_readout(readout_id: str, text: str, source: str = "<text>", *, url: str | None = None,
                  published: date | None = None) -> Readout:
    """Split a readout's text into title, header and body, and read its dates.

    The publication date is ``published`` when given (a page's or record's
    metadata); else the first full date (with a year) in the header lines
    before the body; failing that, a guess from the body (the latest year the
    text names, with the body's first month and day).
    """
    return _parse(readout_id, text, source, url, published)[0]


def _parse(readout_id: str, text: str, source: str, url: str | None,
           given: date | None) -> tuple[Readout, date | None]:
    """:func:`parse_readout`, and the date the text's header lines state (if any)."""
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
    stated = find_full_date(header)
    published = given or stated or _guess_published(text[offsets[body_index] if offsets else 0:], text)
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
    if place is None:
        for i in nonblank[1:]:
            if i >= body_index:
                break
            m = _BYLINE.match(lines[i])
            if m and m.group("place").split()[0].lower() not in _NOT_PLACES:
                place = _title_case_place(m.group("place").strip())
                break
    return Readout(
        id=readout_id, source=source, text=text, title=title, published=published,
        body_start=body_start, dateline_place=place, dateline_date=dl_date,
        dateline_end=dl_end, url=url,
    ), stated


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


def read_file(path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES,
              max_chars: int = MAX_CHARS) -> Readout:
    """Read one readout file (``.txt``, ``.html``); raise :class:`InputError` naming the problem.

    The same as :func:`load_file` without its warnings.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "empty.txt"; _ = p.write_text("")
        >>> try: read_file(p)
        ... except InputError as e: print(e.reason)
        the file is empty
    """
    return load_file(path, max_bytes=max_bytes, max_chars=max_chars).readout


def load_file(path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES,
              max_chars: int = MAX_CHARS) -> Loaded:
    """Read one readout file (``.txt``, or a saved page ``.html``/``.htm``) and
    the warnings about it; raise :class:`InputError` (file name, reason, how
    to fix it) for bad input. A ``.jsonl`` file holds many readouts: read it
    with :func:`read_records`.

    Refused, in this order: a path that does not exist, is a broken symbolic
    link or a link loop, is not a regular file (a FIFO or device: reading it
    could block) or cannot be opened; a file over ``max_bytes`` (checked on
    its size before reading, and while reading, so at most ``max_bytes + 1``
    bytes are ever read); an empty file; binary data (a PDF, an image, an
    office document, or control bytes); text that is not UTF-8 and whose
    encoding cannot be told reliably (see :func:`decode`); a text of only
    whitespace; an HTML page saved as ``.txt``; a text over ``max_chars``
    characters; a text that is mostly punctuation, or has a sentence over
    :data:`MAX_SENTENCE_TOKENS` tokens; a text in another language than
    English (see :func:`check_text`). A page's checks are those of
    :func:`load_html`.

    Warned about: a text decoded from Windows-1252 / Latin-1 (a guess). A
    readout with no date or no engagement is the extractor's to warn about.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "r.txt"
        >>> _ = p.write_bytes("Talks\\n14 March 2022\\n\\nS\\u00e3o Paulo met Jos\\u00e9.".encode("cp1252"))
        >>> loaded = load_file(p)
        >>> loaded.readout.text.split("\\n")[-1], loaded.warnings[0].split(";")[0]
        ('São Paulo met José.', 'the file is not UTF-8: it was read as Windows-1252 (Latin-1)')
    """
    path = Path(path)
    if format_of(path) == "jsonl":
        raise InputError(str(path), "the file holds JSON Lines records, not one readout",
                         "build it with kg build, or read it with kg.ingest.read_records")
    raw = read_bytes(path, max_bytes=max_bytes)
    return load_bytes(raw, str(path), path.stem, max_bytes=max_bytes, max_chars=max_chars)


def load_bytes(raw: bytes, name: str, readout_id: str, *, max_bytes: int = DEFAULT_MAX_BYTES,
               max_chars: int = MAX_CHARS, format: str | None = None) -> Loaded:
    """The checks of :func:`load_file` on bytes already read (e.g. sent to a
    worker): ``name`` names them in errors, ``readout_id`` is the readout's id,
    ``format`` is ``"txt"`` or ``"html"`` (None: by the suffix of ``name``).

    Example:
        >>> load_bytes(b"Talks held today.", "r1.txt", "r1").readout.title
        'Talks held today.'
        >>> try: load_bytes(b"", "r1.txt", "r1")
        ... except InputError as e: print(e)
        r1.txt: the file is empty (save the readout's text into it)
    """
    if len(raw) > max_bytes:
        raise _too_big(name, f"{len(raw):,} bytes", max_bytes)
    if not raw:
        raise InputError(name, "the file is empty", "save the readout's text into it")
    fmt = format or format_of(name)
    if fmt == "html":
        return load_html(raw, name, readout_id, max_chars=max_chars)
    if fmt != "txt":
        raise ValueError(f"load_bytes reads txt or html, not {fmt!r}")
    decoded = decode(raw, name)
    warnings = check_text(decoded.text, name, max_chars=max_chars)
    if decoded.guessed:
        warnings.insert(0, _guessed_warning(decoded))
    return Loaded(parse_readout(readout_id, decoded.text, name), tuple(warnings))


def _guessed_warning(decoded: Decoded) -> str:
    return (f"the file is not UTF-8: it was read as {decoded.encoding}; check its accented "
            "letters, and re-save it as UTF-8 to be sure")


_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.IGNORECASE)


def _decode_page(raw: bytes, name: str) -> Decoded:
    """A page's text: as :func:`decode` reads text files, except that a page
    that is not UTF-8 and declares its charset (``<meta charset>``) is read
    in that charset."""
    try:
        return decode(raw, name)
    except InputError:
        declared = _CHARSET.search(raw[:8192])
        if declared is None:
            raise
        charset = declared.group(1).decode("ascii")
        try:
            return _text_only(Decoded(raw.decode(charset), charset), name)
        except (LookupError, UnicodeDecodeError):
            raise InputError(name, f"the page declares the charset {charset!r} but does not decode "
                                   "in it, and is not UTF-8", "save the page again from the browser") from None


def _compose(title: str | None, body: str) -> str:
    """A readout's text from a title and a body: the title line, a blank line,
    the body (the title is not repeated when the body opens with it)."""
    body = normalize_text(body).strip("\n")
    if not title:
        return body
    first = next((line for line in body.split("\n") if line.strip()), "")
    if " ".join(first.split()).casefold() == " ".join(title.split()).casefold():
        return body
    return f"{title}\n\n{body}"


def _with_metadata(readout_id: str, text: str, name: str, published: date | None, url: str | None,
                   origin: str, warnings: list[str]) -> Loaded:
    """Parse a text whose date and URL come from metadata; warn when the date
    the text states in its header differs from the metadata's."""
    readout, stated = _parse(readout_id, text, name, url, published)
    if published is not None and stated is not None and stated != published:
        warnings.append(f"{origin} gives the publication date {published.isoformat()} but the text "
                        f"states {stated.isoformat()}; {published.isoformat()} is used (check which "
                        "is right)")
    metadata = f"published={published.isoformat() if published else ''}\nurl={url or ''}"
    return Loaded(readout, tuple(warnings), metadata)


def load_html(raw: bytes, name: str, readout_id: str, *, max_chars: int = MAX_CHARS) -> Loaded:
    """A readout from a saved web page: its article's title, publication date,
    source URL and main text (see :func:`kg.sources.page_article`), the text
    checked as a ``.txt`` readout's is (:func:`check_text`).

    The page's date wins over the date its text states; when both are given
    and differ, the readout is built with the page's and a warning. Refused:
    the byte-level problems of :func:`load_file` (binary data, an encoding
    that cannot be told: a page that declares its charset is read in it),
    plain text without markup, a page without article text, and whatever
    :func:`check_text` refuses.

    Example:
        >>> page = (b'<html><head><title>Talks Held</title><meta name="date" content="2024-03-12">'
        ...         b'</head><body><div class="nav"><a href="/">Home</a></div><div class="article">'
        ...         b'<h1>Talks Held</h1><p>( 2024.03.13 )</p><p>Kunming, March 11th--Tang Wenbo '
        ...         b'held talks here today with a visiting delegation of the Workers&#8217; Party.</p>'
        ...         b'</div></body></html>')
        >>> loaded = load_html(page, "talks.html", "talks")
        >>> loaded.readout.title, loaded.readout.published.isoformat()
        ('Talks Held', '2024-03-12')
        >>> print(loaded.warnings[0])
        the page gives the publication date 2024-03-12 but the text states 2024-03-13; 2024-03-12 is used (check which is right)
    """
    decoded = _decode_page(raw, name)
    if not _HTML_TAG.search(decoded.text, 0, 100_000):
        raise InputError(name, "the file holds no HTML markup: it is plain text, not a saved page",
                         "name it .txt")
    article = page_article(decoded.text, name)
    text = _compose(article.title, article.text)
    warnings = check_text(text, name, max_chars=max_chars, subject="the page's text")
    if decoded.guessed:
        warnings.insert(0, _guessed_warning(decoded))
    return _with_metadata(readout_id, text, name, article.published, article.url, "the page",
                          warnings)


def load_record(record: Record, *, max_chars: int = MAX_CHARS) -> Loaded:
    """A readout from a JSON Lines record (see :func:`read_records`): its text
    (after its title, when the record gives one the text does not open with)
    checked as a ``.txt`` readout's is (:func:`check_text`).

    The record's ``published`` wins over the date the text states; when both
    are given and differ, the readout is built with the record's and a warning.

    Example:
        >>> from kg.sources import Record
        >>> r = Record("feed.jsonl:3", "feed-3", "Kunming, March 11th--Tang Wenbo met a delegation.",
        ...            title="Talks Held", url="https://example.org/news/1.html")
        >>> loaded = load_record(r)
        >>> loaded.readout.title, loaded.readout.url, loaded.readout.source
        ('Talks Held', 'https://example.org/news/1.html', 'feed.jsonl:3')
    """
    text = _compose(record.title, record.text)
    warnings = check_text(text, record.name, max_chars=max_chars, subject="the record's text")
    return _with_metadata(record.readout_id, text, record.name, record.published, record.url,
                          'the record\'s "published"', warnings)


def count_records(path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES) -> int:
    """The number of records (non-blank lines) of a ``.jsonl`` file, read a
    line at a time; :class:`InputError` when the file cannot be read or is
    not a text file.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "feed.jsonl"
        >>> _ = p.write_text('{"text": "a"}\\n\\n{"text": "b"}\\n')
        >>> count_records(p)
        2
    """
    path = Path(path)
    return sum(1 for _, line in _jsonl_lines(path, max_bytes) if line is None or line.strip())


def read_records(path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES
                 ) -> Iterator[Record | Failure]:
    """The readouts of a JSON Lines file, one per non-blank line, in order: a
    :class:`~kg.sources.Record` per good line (see
    :func:`kg.sources.parse_record` for the fields), a :class:`Failure` named
    ``FILE:LINE`` for a bad one (not JSON, not UTF-8, no ``text``, a field of
    the wrong type, a date that is not ISO 8601, a line over ``max_bytes``).

    The file is read a line at a time (it may be larger than ``max_bytes``;
    each line may not). Raises :class:`InputError` when the file itself
    cannot be read or is binary data; check each record's text with
    :func:`load_record`.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "feed.jsonl"
        >>> _ = p.write_text('{"id": "a1", "text": "Talks were held."}\\n{"text": 3}\\n')
        >>> [(type(r).__name__, r.readout_id if isinstance(r, Record) else r.reason)
        ...  for r in read_records(p)]
        [('Record', 'a1'), ('Failure', '"text" is a number, not a string')]
    """
    path = Path(path)
    for number, line in _jsonl_lines(path, max_bytes):
        name = f"{path}:{number}"
        if line is None:
            yield Failure(name, f"the line is over the {max_bytes:,}-byte limit for one record",
                          "split the record, or raise the limit with --max-bytes")
            continue
        if not line.strip():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield Failure(name, f"the line is not UTF-8 (byte {exc.start})",
                          "save the file as UTF-8: JSON Lines files are UTF-8")
            continue
        if number == 1:
            text = text.lstrip("\ufeff")
        try:
            yield parse_record(text, str(path), number, path.stem)
        except InputError as exc:
            yield Failure(exc.source, exc.reason, exc.hint)


def _jsonl_lines(path: Path, max_bytes: int) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) per line of a file, split at line feeds only (a
    JSON string may hold U+2028 and other Unicode line breaks); None for a
    line longer than ``max_bytes`` (skipped without being held in memory)."""
    name = str(path)
    with _open_regular(path) as handle:
        head = handle.read(8192)
        _check_not_binary(head, name)
        handle.seek(0)
        number = 0
        while True:
            try:
                line = handle.readline(max_bytes + 1)
            except OSError as exc:
                raise InputError(name, f"the file cannot be read: {exc.strerror or exc}",
                                 "check the disk and the file's permissions") from None
            if not line:
                return
            number += 1
            if len(line) > max_bytes and not line.endswith(b"\n"):
                while (rest := handle.readline(1 << 20)) and not rest.endswith(b"\n"):
                    pass
                yield number, None
                continue
            yield number, line


def _check_not_binary(head: bytes, name: str) -> None:
    """Refuse a JSON Lines file whose first bytes are binary data or UTF-16/32."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            raise InputError(name, f"the file is binary data ({kind}), not JSON Lines",
                             "give the scraper's .jsonl output (UTF-8 text)")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or _utf16_without_bom(head[: len(head) & ~1]):
        raise InputError(name, "the file is UTF-16 or UTF-32 text, not UTF-8",
                         "save the file as UTF-8: JSON Lines files are UTF-8")
    if _CONTROL_BYTES.search(head):
        raise InputError(name, "the file is binary data, not JSON Lines",
                         "give the scraper's .jsonl output (UTF-8 text)")


def sniff_format(raw: bytes, name: str = "<stdin>") -> str:
    """What bytes given without a file name hold: ``"json"`` (one JSON
    object), ``"html"`` (a web page, by the tests :func:`check_text` uses to
    refuse a page saved as text) or ``"txt"``. :class:`InputError` for bytes
    that are not text (see :func:`decode`).

    Example:
        >>> sniff_format(b'{"text": "Talks"}'), sniff_format(b"<!DOCTYPE html><html></html>"), sniff_format(b"Talks")
        ('json', 'html', 'txt')
    """
    if not raw:
        raise InputError(name, "the input is empty", "give the readout's text")
    text = _decode_page(raw, name).text.lstrip("\ufeff \t\r\n")
    if text.startswith("{"):
        return "json"
    tags = _HTML_TAG.findall(text[:100_000])
    if _HTML_START.match(text) or (len(tags) >= 5 and sum(map(len, tags)) > 0.05 * min(len(text), 100_000)):
        return "html"
    return "txt"


def stream_record(stream: Stream, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Record:
    """The one JSON record a :class:`Stream` holds (the fields of a ``.jsonl``
    line; it may span several lines), its id :func:`stream_id`.

    Example:
        >>> stream_record(Stream(b'{"id": "r7",\\n "text": "Talks were held."}')).readout_id
        'r7'
    """
    import json

    if len(stream.data) > max_bytes:
        raise _too_big(stream.name, f"{len(stream.data):,} bytes", max_bytes)
    text = _decode_page(stream.data, stream.name).text.lstrip("\ufeff")
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as err:
        if err.msg == "Extra data":
            raise InputError(stream.name, "the input holds more than one JSON record",
                             "give one readout; save several as a .jsonl file and build that") from None
        raise InputError(stream.name, f"the input is not valid JSON: {err.msg} (line {err.lineno}, "
                                      f"column {err.colno})", "give one JSON object") from None
    except RecursionError:
        raise InputError(stream.name, "the input is not valid JSON: it is nested too deeply",
                         "give one JSON object") from None
    record = record_from_object(obj, stream.name, _hash_id(stream.data))
    return Record(record.name, stream.readout_id or record.readout_id, record.text, record.title,
                  record.published, record.url)


def stream_id(stream: Stream) -> str:
    """The readout id of a :class:`Stream` that is not a JSON record: the
    one it was given, else ``stdin-`` and the first 12 hex digits of the
    SHA-256 of its bytes (the same text gives the same id).

    Example:
        >>> stream_id(Stream(b"Talks")), stream_id(Stream(b"Talks", readout_id="talks-1"))
        ('stdin-b50d48e81a9e', 'talks-1')
    """
    return stream.readout_id or _hash_id(stream.data)


def _hash_id(data: bytes) -> str:
    import hashlib

    return "stdin-" + hashlib.sha256(data).hexdigest()[:12]


def read_bytes(path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bytes of a regular file of at most ``max_bytes`` bytes, else :class:`InputError`.

    Never blocks on a FIFO and never reads more than ``max_bytes + 1`` bytes,
    even when the file grows (or its size is misreported) while it is read.

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "big.txt"; _ = p.write_text("x" * 50)
        >>> try: read_bytes(p, max_bytes=10)
        ... except InputError as e: print(e.reason)
        the file is 50 bytes, over the 10-byte limit
    """
    path = Path(path)
    name = str(path)
    try:
        info = os.stat(path)
    except OSError as exc:
        raise _open_error(path, exc) from None
    _check_kind(name, info.st_mode)
    if info.st_size > max_bytes:
        raise _too_big(name, f"{info.st_size:,} bytes", max_bytes)
    with _open_regular(path) as handle:
        try:
            raw = handle.read(max_bytes + 1)
        except OSError as exc:
            raise InputError(name, f"the file cannot be read: {exc.strerror or exc}",
                             "check the disk and the file's permissions") from None
    if len(raw) > max_bytes:
        raise _too_big(name, "larger than its size said when it was opened (it is growing?)",
                       max_bytes)
    return raw


def _open_regular(path: Path) -> BinaryIO:
    """Open a regular file for reading without blocking on a FIFO, or raise
    :class:`InputError` naming the problem."""
    name = str(path)
    try:
        # O_NONBLOCK: a FIFO swapped in after a stat must not block the open
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise _open_error(path, exc) from None
    handle = os.fdopen(fd, "rb")
    try:
        _check_kind(name, os.fstat(handle.fileno()).st_mode)
    except BaseException:
        handle.close()
        raise
    return handle


def _too_big(name: str, size: str, max_bytes: int) -> InputError:
    return InputError(name, f"the file is {size}, over the {max_bytes:,}-byte limit",
                      "split it, or raise the limit with --max-bytes")


def _check_kind(name: str, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise InputError(name, "is a folder, not a file", "give the folder itself to read its .txt files")
    kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")
    raise InputError(name, f"the path is {kind}, not a regular file", "give the readout's .txt file")


def _open_error(path: Path, exc: OSError) -> InputError:
    name = str(path)
    if exc.errno == errno.ELOOP:
        return InputError(name, "the path is a symbolic link loop (it leads back to itself)",
                          "fix or remove the link")
    if exc.errno == errno.ENOENT:
        if os.path.islink(path):
            return InputError(name, f"the path is a broken symbolic link (to {os.readlink(path)})",
                              "fix or remove the link")
        return InputError(name, "no such file or folder", "check the path")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return InputError(name, "the file cannot be read: permission denied",
                          "check its permissions (chmod a+r)")
    return InputError(name, f"the file cannot be read: {exc.strerror or exc}",
                      "check the path and the disk")


def decode(raw: bytes, name: str) -> Decoded:
    """Decode a readout's bytes, or refuse them by name with the reason.

    The rules, in order (strict, so that a readout is never silently garbled):

    1. a byte order mark: UTF-8, UTF-32 or UTF-16 (LE/BE) as it says;
    2. a known binary signature (PDF, PNG, JPEG, GIF, TIFF, ZIP/.docx, .doc,
       gzip, 7-Zip, ELF, RTF): refused, naming the format;
    3. UTF-16 without a BOM, recognized by a zero byte in every other position
       (English text in UTF-16 is mostly ASCII);
    4. other zero or control bytes: refused as binary data;
    5. UTF-8;
    6. Windows-1252 (which reads Latin-1 text the same way, bytes 0x80-0x9F
       aside), when the result is plausible English-with-accents: few non-ASCII
       characters, no accented capital inside a lower-case word, no symbol
       glued to a letter ("Ã©" is UTF-8 read wrongly). Reported as a guess.

    Anything else is refused. ``charset-normalizer`` was measured and not
    used: on short English readouts with accented names it answered cp1250
    for Windows-1252 and Latin-1 text ("São" read as "Săo").

    Example:
        >>> decode("Caf\\u00e9 r\\u00e9union".encode("latin-1"), "x").text
        'Café réunion'
        >>> decode("Caf\\u00e9".encode("utf-16"), "x").encoding
        'UTF-16'
        >>> try: decode(b"%PDF-1.7 ...", "x.txt")
        ... except InputError as e: print(e.reason)
        the file is binary data (a PDF document), not text
    """
    for bom, codec, label in ((b"\xef\xbb\xbf", "utf-8-sig", "UTF-8"),
                              (b"\xff\xfe\x00\x00", "utf-32", "UTF-32"),
                              (b"\x00\x00\xfe\xff", "utf-32", "UTF-32"),
                              (b"\xff\xfe", "utf-16", "UTF-16"), (b"\xfe\xff", "utf-16", "UTF-16")):
        if raw.startswith(bom):
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError as exc:
                raise InputError(name, f"the file starts with a {label} byte order mark but does not "
                                       f"decode as {label} (byte {exc.start})",
                                 "re-save it as UTF-8") from None
            return _text_only(Decoded(text, label), name)
    for magic, kind in _MAGIC:
        if raw.startswith(magic):
            raise InputError(name, f"the file is binary data ({kind}), not text", _SAVE_AS_TEXT)
    head = raw[:8192]
    utf16 = _utf16_without_bom(raw)
    if utf16 is not None:
        return _text_only(utf16, name)
    if _CONTROL_BYTES.search(head):
        raise InputError(name, "the file is binary data, not text", _SAVE_AS_TEXT)
    try:
        return _text_only(Decoded(raw.decode("utf-8"), "UTF-8"), name)
    except UnicodeDecodeError as exc:
        bad = exc.start
    # Well-formed UTF-8 characters outnumbering the bad bytes: damaged UTF-8
    # (in Windows-1252 text, byte pairs that happen to form UTF-8 are rare).
    lenient = raw.decode("utf-8", "replace")
    invalid = lenient.count("\ufffd")
    valid = sum(1 for c in lenient if c > "\x7f") - invalid
    if valid >= max(2, invalid):
        raise InputError(name, f"the file is UTF-8 text with invalid bytes (the first at byte {bad})",
                         "the file is damaged: save the readout again from its source")
    try:
        legacy: str | None = raw.decode("cp1252")
    except UnicodeDecodeError:  # bytes 0x81, 0x8D, 0x8F, 0x90, 0x9D: not Windows-1252
        legacy = None
    if legacy is not None and _plausible_legacy(legacy):
        return _text_only(Decoded(legacy, "Windows-1252 (Latin-1)", guessed=True), name)
    raise InputError(name, f"the file is not UTF-8 text (byte {bad}) and its encoding cannot be "
                           "told reliably", "re-save it as UTF-8")


def _text_only(decoded: Decoded, name: str) -> Decoded:
    """Refuse decoded text that still holds control characters (binary data)."""
    if _CONTROL_CHARS.search(decoded.text[:8192]):
        raise InputError(name, "the file is binary data, not text", _SAVE_AS_TEXT)
    return decoded


def _utf16_without_bom(raw: bytes) -> Decoded | None:
    """UTF-16 text without a byte order mark, recognized by its zero bytes."""
    sample = raw[:8192]
    if len(raw) % 2 or len(sample) < 16 or b"\x00" not in sample:
        return None
    units = len(sample) // 2
    for codec, zeros in (("utf-16-le", sample[1::2]), ("utf-16-be", sample[0::2])):
        if zeros.count(0) >= 0.9 * units:
            try:
                return Decoded(raw.decode(codec), "UTF-16 (no byte order mark)")
            except UnicodeDecodeError:
                return None
    return None


def _plausible_legacy(text: str) -> bool:
    """Whether Windows-1252 text looks like English with a few accented
    letters and typographic marks (rather than another encoding read wrongly)."""
    letters = sum(1 for c in text if c.isalpha())
    extra = [(i, c) for i, c in enumerate(text) if ord(c) > 0x7F]
    if not extra or len(extra) > max(10, 0.1 * letters):
        return False
    for word in re.findall(r"[^\W\d_]{2,}", text):
        if not word.isascii() and not re.search(r"[A-Za-z]", word):
            return False  # "Ïðèâåò": a word of accented letters only (Cyrillic read wrongly)
    for i, c in extra:
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        category = unicodedata.category(c)
        if category == "Lu" and before.isalpha() and before.islower():
            return False  # "dŸ": a capital inside a lower-case word
        if category[0] == "S" and (before.isalpha() or after.isalpha()) and c not in "€£$":
            return False  # "Ã©", "â€™": UTF-8 read as Windows-1252
        if c in "€£" and after.isalpha():
            return False
        if category[0] == "C":
            return False
    return True


def check_text(text: str, name: str, *, max_chars: int = MAX_CHARS, subject: str = "the file") -> list[str]:
    """Refuse a decoded text that is not a readout's prose (raise
    :class:`InputError`), else return warnings about it; the checks are
    linear in the text's length.

    Refused: only whitespace; an HTML page (a ``<!DOCTYPE html>``/``<html>``
    start, or tags making up over 5% of the text); more than ``max_chars``
    characters; more than :data:`MAX_PUNCTUATION_SHARE` punctuation marks and
    symbols; a sentence of more than :data:`MAX_SENTENCE_TOKENS` tokens; a
    text mostly in a non-Latin script, or whose share of common English words
    is below :data:`MIN_ENGLISH_SHARE` (another language: the extractor reads
    English only, and would report nothing or nonsense). Warned: a share
    below :data:`WARN_ENGLISH_SHARE`. ``subject`` is what the whitespace and
    HTML messages call the text ("the file", "the record's text").

    Example:
        >>> try: check_text("El partido se reuni\\u00f3 hoy con una delegaci\\u00f3n. " * 5, "es.txt")
        ... except InputError as e: print(e.reason)
        the text does not look like English: 0% of its 40 words are common English words (English readouts have about 40%)
    """
    if not text.strip():
        raise InputError(name, f"{subject} holds only whitespace", "save the readout's text into it")
    tags = _HTML_TAG.findall(text)
    if _HTML_START.match(text) or (len(tags) >= 5 and sum(map(len, tags)) > 0.05 * len(text)):
        hint = ("name the file .html to have the article read from the page, or copy the "
                "article's text into a .txt file" if subject == "the file" else
                "give the article's plain text, not its HTML (or save the page as an .html file)")
        raise InputError(name, f"{subject} is an HTML page ({len(tags):,} tags), not the readout's text",
                         hint)
    if len(text) > max_chars:
        raise InputError(name, f"the text is {len(text):,} characters long, over the {max_chars:,}-"
                               "character limit for one readout",
                         "split it into its readouts, one file each")
    solid = len("".join(text.split()))  # str.split and the regex \s agree on what is a space
    marks = _count(_NOT_WORD_OR_SPACE, text)
    if solid >= 200 and marks > MAX_PUNCTUATION_SHARE * solid:
        raise InputError(name, f"the text is {100 * marks // solid}% punctuation marks and symbols, "
                               "not prose", "check that this is the readout's text")
    # a sentence has no more tokens than characters: count them only in a long one
    if (max(map(len, _SENTENCE_END.split(text))) > MAX_SENTENCE_TOKENS
            and (longest := _longest_sentence(text)) > MAX_SENTENCE_TOKENS):
        raise InputError(name, f"the text has a sentence of {longest:,} words and marks, over the "
                               f"{MAX_SENTENCE_TOKENS:,} limit (text without full stops, such as a "
                               "table or a list, is not a readout's prose)",
                         "split it into sentences, or remove the table")
    return _check_language(text, name)


def _count(pattern: re.Pattern[str], text: str) -> int:
    """How many times ``pattern`` matches in ``text`` (counted in C, not in a loop).

    Example:
        >>> _count(re.compile(r"\\s"), "a b\\tc\\n")
        3
    """
    return pattern.subn("", text)[1]


def _longest_sentence(text: str) -> int:
    """The number of tokens (words and marks) of the text's longest sentence.

    Example:
        >>> _longest_sentence("The delegation met. It left.\\nThen U.S. envoys came")
        4
    """
    longest = count = 0
    for m in _SENTENCE_TOKEN.finditer(text):
        token = m.group()
        if token == "\n" or (token[0] in _SENTENCE_END_CHARS
                              and (m.end() == len(text) or text[m.end()].isspace())):
            longest, count = max(longest, count), 0
        else:
            count += 1
    return max(longest, count)


def _check_language(text: str, name: str) -> list[str]:
    from spacy.lang.en.stop_words import STOP_WORDS  # local: a plain word list, no model

    # ASCII letters are Latin: only the other characters are looked at one by one
    others = [c for c in _NON_ASCII.findall(text) if c.isalnum()]
    non_latin = sum(1 for c in others if c.isalpha() and not (c < "\u0250" or "\u1e00" <= c <= "\u1eff"))
    if non_latin:  # else every letter is Latin
        raw = text.encode("utf-8")  # the ASCII letters counted in C (other characters are bytes >= 0x80)
        letters = len(raw) - len(raw.translate(None, _ASCII_LETTERS)) + sum(1 for c in others if c.isalpha())
        if letters >= 100 and non_latin > letters - non_latin:
            raise InputError(name, f"the text does not look like English: {100 * non_latin // letters}% "
                                   "of its letters are in a non-Latin script",
                             "partyrel reads English readouts only: give it an English version")
    if not others:
        # no letter or digit outside ASCII (quotes, dashes): the same words as _WORD finds
        # in the text, lower-cased, with an ASCII pattern (about 2x faster)
        words = _ASCII_WORD.findall(text.lower().replace("\u2019", "'"))
    else:
        words = [w.lower().replace("\u2019", "'") for w in _WORD.findall(text)]
    if len(words) < MIN_LANGUAGE_WORDS:
        return []
    common = sum(1 for w in words if w in STOP_WORDS)
    share = (f"{100 * common // len(words)}% of its {len(words):,} words are common English words "
             "(English readouts have about 40%)")
    if common < MIN_ENGLISH_SHARE * len(words):
        raise InputError(name, f"the text does not look like English: {share}",
                         "partyrel reads English readouts only: give it an English version")
    if common < WARN_ENGLISH_SHARE * len(words):
        return [f"the text may not be English: {share}; check the facts read from it"]
    return []


def iter_paths(paths: Iterable[Path | Stream]) -> Iterator[Path | Stream | Failure]:
    """Expand files and folders (recursively, in sorted order) into readout
    files (those with a suffix of :data:`READABLE_SUFFIXES`); yield a
    :class:`Failure` for a path that does not exist and for a folder that
    cannot be listed. A :class:`Stream` is passed on as it is.

    Symbolic links to folders are not followed, so a link loop cannot hang
    the walk; a link to a file is yielded (reading it names a broken link or
    a loop). A file reached twice (a folder given twice, a link to a file
    already seen) is yielded once. The folder a browser saves beside a page
    (``Talks_files/`` beside ``Talks.html``: its images, scripts and
    embedded frames) is not walked.

    Example:
        >>> import tempfile, pathlib
        >>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "a.txt").write_text("x")
        >>> [p.name for p in iter_paths([d, d / "a.txt"])]
        ['a.txt']
    """
    seen: set[str] = set()

    def first_time(p: Path, real_folder: str | None = None) -> bool:
        # a file that is not a link, in a folder whose real path is known, is that
        # folder's real path and its name: no os.path.realpath walk over every
        # component (2.2 s for 100,000 files)
        real = os.path.join(real_folder, p.name) if real_folder is not None else os.path.realpath(p)
        if real in seen:
            return False
        seen.add(real)
        return True

    for path in paths:
        if isinstance(path, Stream):
            yield path
        elif path.is_dir():
            for root, links, files in _walk(str(path)):
                if isinstance(root, OSError):
                    yield _walk_failure(root)
                    continue
                real_root = os.path.realpath(root)
                for fname in files:
                    p = Path(root, fname)
                    if p.suffix.lower() in READABLE_SUFFIXES and first_time(
                            p, None if fname in links else real_root):
                        yield p
        elif path.exists() or path.is_symlink():
            if first_time(path):
                yield path
        else:
            yield Failure(str(path), "no such file or folder", "check the path")


def _walk(top: str) -> Iterator[tuple[str | OSError, set[str], list[str]]]:
    """Walk a folder top-down, in sorted order, as :func:`os.walk` does
    without following links to folders (``top`` itself is walked even when it
    is a link); yield (folder, its files that are links, its file names
    sorted), or (the error, empty, empty) for a folder that cannot be listed.
    A browser page's companion folder (:func:`_page_companion`) is not
    walked. Links are told from the folder listing (``d_type``), not by an
    ``lstat`` per file (100,000 files: 0.44 s to list, against 0.80 s).

    Example:
        >>> import tempfile, pathlib
        >>> d = pathlib.Path(tempfile.mkdtemp()); (d / "b").mkdir()
        >>> _ = (d / "b" / "x.txt").write_text("x"); _ = (d / "a.txt").write_text("x")
        >>> [(pathlib.Path(root).name == d.name, files) for root, _, files in _walk(str(d))]
        [(True, ['a.txt']), (False, ['x.txt'])]
    """
    stack: list[str] = [top]
    while stack:
        root = stack.pop()
        try:
            with os.scandir(root) as listing:
                entries = list(listing)
        except OSError as err:
            yield err, set(), []
            continue
        dirs: list[str] = []  # the folders to walk: not links
        files: list[str] = []
        links: set[str] = set()
        for entry in entries:
            if _entry_is(entry.is_dir):
                if not _entry_is(entry.is_symlink):
                    dirs.append(entry.name)
            else:
                files.append(entry.name)
                if _entry_is(entry.is_symlink):
                    links.add(entry.name)
        files.sort()
        yield root, links, files
        names = set(files)
        stack.extend(os.path.join(root, d) for d in sorted(dirs, reverse=True)
                     if not _page_companion(d, names))


def _entry_is(test: Callable[[], bool]) -> bool:
    """A :class:`os.DirEntry` test, false when the entry cannot be examined."""
    try:
        return test()
    except OSError:
        return False


def _page_companion(folder: str, files: set[str]) -> bool:
    """Whether ``folder`` is the one a browser saved beside a page (``X_files``
    next to ``X.html`` or ``X.htm``).

    Example:
        >>> _page_companion("Talks_files", {"Talks.html"}), _page_companion("notes_files", {"a.txt"})
        (True, False)
    """
    if not folder.endswith("_files"):
        return False
    stem = folder[: -len("_files")]
    return any(f"{stem}{suffix}" in files for suffix in (".html", ".htm", ".HTML", ".HTM"))


def _walk_failure(err: OSError) -> Failure:
    where = err.filename if err.filename is not None else "?"
    return Failure(str(where), f"the folder cannot be listed: {err.strerror or err}",
                   "check its permissions (chmod a+rx)")
