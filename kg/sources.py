"""Sources: saved web pages and scraper records -> a readout's text and metadata.

Analysts rarely have clean text files. This module reads the two other
shapes readouts come in, and nothing else (the checks every readout goes
through, and the split into title, header and body, are :mod:`kg.ingest`'s):

* a page saved from the publisher's site (``.html``/``.htm``):
  :func:`page_article` keeps the article's title, publication date, source
  URL and main text, and drops navigation, footers, scripts, share buttons
  and cookie banners (with trafilatura, a maintained main-text extractor);
* one JSON object per line (``.jsonl``), as scrapers write them:
  :func:`parse_record` checks one line's fields (``id``, ``url``, ``title``,
  ``published``, ``text``; only ``text`` is required).

Both raise :class:`~kg.errors.InputError` naming the page or the line
(``feed.jsonl:17``), the problem and the fix.

Example:
    >>> r = parse_record('{"text": "Talks were held.", "published": "2024-03-12"}', "feed.jsonl", 3, "feed")
    >>> r.name, r.readout_id, r.published.isoformat(), r.url
    ('feed.jsonl:3', 'feed-3', '2024-03-12', None)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlsplit

from kg.errors import InputError

__all__ = ["Article", "Record", "RECORD_FIELDS", "clean_url", "page_article", "parse_date",
           "parse_record"]

#: The fields of a JSON Lines record partyrel reads (others are ignored).
RECORD_FIELDS: tuple[str, ...] = ("id", "url", "title", "published", "text")

_JSONL_HINT = ("write one JSON object per line (JSON Lines), with the readout's text in \"text\"; "
               "a line break inside a string is written \\n")
_DATE_HINT = "give it as YYYY-MM-DD, or as an ISO 8601 date-time such as 2024-03-12T09:30:00+08:00"
_URL = re.compile(r"https?://[^\s<>\"{}|\\^`]+", re.IGNORECASE)
_SAVED_FROM = re.compile(r"<!--\s*saved from url=\(\d+\)(\S+?)\s*-->", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Article:
    """The article of a saved page: its title, publication date and source
    URL when the page states them, and its main text (paragraphs separated
    by blank lines, the title line not repeated)."""

    title: str | None
    text: str
    published: date | None
    url: str | None


@dataclass(frozen=True, slots=True)
class Record:
    """One readout of a JSON Lines file (or of standard input), its fields checked.

    ``name`` names it in messages (``feed.jsonl:17``); ``line`` is its line
    number (1 for standard input).
    """

    name: str
    readout_id: str
    text: str
    title: str | None = None
    published: date | None = None
    url: str | None = None
    line: int = 1


def clean_url(value: str) -> str | None:
    """``value`` when it is an absolute http(s) URL that can be an IRI (no
    spaces, quotes or angle brackets), else None.

    Example:
        >>> clean_url(" https://example.org/a?b=1 "), clean_url("/news/1.html"), clean_url("http://x y")
        ('https://example.org/a?b=1', None, None)
    """
    value = value.strip()
    if not _URL.fullmatch(value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:  # a malformed port or IPv6 address
        return None
    return value if parts.netloc else None


def parse_date(value: str) -> date | None:
    """The date of an ISO 8601 date or date-time (its local date, as written),
    else None.

    Example:
        >>> parse_date("2024-03-12"), parse_date("2024-03-12T23:30:00+08:00"), parse_date("March 12")
        (datetime.date(2024, 3, 12), datetime.date(2024, 3, 12), None)
    """
    value = value.strip()
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value.replace("z", "Z")).date()
    except ValueError:
        return None


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _optional_str(obj: dict[str, object], key: str, name: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(name, f"\"{key}\" is {_kind(value)}, not a string",
                         f"give \"{key}\" as a string, or leave it out")
    return value.strip() or None


def record_from_object(obj: object, name: str, default_id: str, line: int = 1) -> Record:
    """Check a decoded JSON value as a readout record (see :func:`parse_record`).

    Example:
        >>> try: record_from_object({"text": 42}, "feed.jsonl:2", "feed-2")
        ... except InputError as e: print(e)
        feed.jsonl:2: "text" is a number, not a string (give the readout's text as a string)
    """
    if not isinstance(obj, dict):
        raise InputError(name, f"the line is {_kind(obj)}, not a JSON object", _JSONL_HINT)
    if "text" not in obj or obj["text"] is None:
        raise InputError(name, "the record has no \"text\"", "give the readout's text in \"text\"")
    text = obj["text"]
    if not isinstance(text, str):
        raise InputError(name, f"\"text\" is {_kind(text)}, not a string",
                         "give the readout's text as a string")
    if not text.strip():
        raise InputError(name, "\"text\" is empty", "give the readout's text in \"text\"")
    raw_id = obj.get("id")
    if raw_id is None:
        readout_id = default_id
    elif isinstance(raw_id, bool) or not isinstance(raw_id, (str, int)):
        raise InputError(name, f"\"id\" is {_kind(raw_id)}, not a string",
                         f"give \"id\" as a string, or leave it out (the id is then {default_id!r})")
    else:
        readout_id = str(raw_id).strip()
        if not readout_id:
            raise InputError(name, "\"id\" is empty",
                             f"give the record an id, or leave \"id\" out (it is then {default_id!r})")
    title = _optional_str(obj, "title", name)
    url_text = _optional_str(obj, "url", name)
    url = clean_url(url_text) if url_text else None
    if url_text and url is None:
        raise InputError(name, f"\"url\" is not an absolute http(s) URL: {url_text[:200]!r}",
                         "give the page's full address (https://...), without spaces, or leave it out")
    published_text = _optional_str(obj, "published", name)
    published = parse_date(published_text) if published_text else None
    if published_text and published is None:
        raise InputError(name, f"\"published\" is not a date: {published_text[:60]!r}", _DATE_HINT)
    return Record(name, readout_id, text, _SPACES.sub(" ", title) if title else None,
                  published, url, line)


def parse_record(line: str, path: str, number: int, stem: str) -> Record:
    """Read line ``number`` of the JSON Lines file ``path`` as one readout.

    A record is a JSON object with a required ``text`` (the readout's text,
    as a string) and optional ``id`` (string or integer; default
    ``<stem>-<number>``), ``url`` (an absolute http(s) URL, recorded as the
    readout's ``dcterms:source``), ``title`` (else the text's first line) and
    ``published`` (an ISO 8601 date or date-time; else the date the text
    states). ``null`` counts as absent; other fields are ignored. A bad line
    raises :class:`InputError` named ``path:number``.

    Example:
        >>> try: parse_record('{"text": "Talks", "published": "12/03/2024"}', "feed.jsonl", 17, "feed")
        ... except InputError as e: print(e.source, "|", e.reason)
        feed.jsonl:17 | "published" is not a date: '12/03/2024'
    """
    name = f"{path}:{number}"
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as err:
        raise InputError(name, f"the line is not valid JSON: {err.msg} (column {err.colno})",
                         _JSONL_HINT) from None
    except RecursionError:
        raise InputError(name, "the line is not valid JSON: it is nested too deeply",
                         _JSONL_HINT) from None
    return record_from_object(obj, name, f"{stem}-{number}", number)


def _same_line(a: str, b: str) -> bool:
    return _SPACES.sub(" ", a).strip().casefold() == _SPACES.sub(" ", b).strip().casefold()


def page_article(html: str, name: str) -> Article:
    """The article of a saved web page, or :class:`InputError` when it has none.

    The main text is trafilatura's (precision first: navigation, related
    links, footers, share bars, cookie banners, scripts and styles dropped;
    tables and comments left out). The title and publication date are read
    from the page's markup (``og:title``, ``<title>`` or ``<h1>``;
    ``article:published_time`` and other date meta tags, JSON-LD, ``<time>``
    and elements marked as dates, or a date in the URL, by htmldate without
    its free-text search). The source URL is the first absolute http(s) one
    of: the canonical link, ``og:url``, the ``saved from url`` comment a
    browser writes into a saved page. Nothing is fetched.

    Example:
        >>> page = ('<html><head><title>Talks Held - Example News</title>'
        ...         '<meta property="og:title" content="Talks Held">'
        ...         '<meta property="article:published_time" content="2024-03-12T10:00:00+08:00">'
        ...         '<link rel="canonical" href="https://example.org/news/1.html"></head><body>'
        ...         '<nav><a href="/">Home</a> <a href="/world">World</a></nav><article><h1>Talks Held</h1>'
        ...         '<p>Kunming, March 11th--Tang Wenbo met here today with a visiting delegation.</p>'
        ...         '<p>The two sides agreed to deepen exchanges between their parties.</p></article>'
        ...         '<footer>Copyright 2024 Example News. All rights reserved.</footer></body></html>')
        >>> a = page_article(page, "talks.html")
        >>> a.title, a.published.isoformat(), a.url
        ('Talks Held', '2024-03-12', 'https://example.org/news/1.html')
        >>> print(a.text)
        Kunming, March 11th--Tang Wenbo met here today with a visiting delegation.
        <BLANKLINE>
        The two sides agreed to deepen exchanges between their parties.
    """
    import trafilatura  # local: `import kg` stays light

    no_article = InputError(name, "no article text found in the page",
                            "save the article's own page, not a list of articles or a page that "
                            "loads its text with JavaScript; or copy its text into a .txt file")
    tree = trafilatura.load_html(html)
    if tree is None:
        raise no_article
    url = _page_url(tree, html)
    found = trafilatura.bare_extraction(
        tree, url=url, with_metadata=True, include_comments=False, include_tables=False,
        include_images=False, include_links=False, favor_precision=True, deduplicate=False,
        date_extraction_params={"extensive_search": False, "original_date": True,
                                "outputformat": "%Y-%m-%d"}, as_dict=False)
    if found is None or isinstance(found, dict) or not (found.text or "").strip():
        raise no_article  # (a dict only with as_dict=True)
    title = _SPACES.sub(" ", found.title).strip() if found.title else None
    paragraphs = [line.strip() for line in (found.text or "").split("\n") if line.strip()]
    if title and paragraphs and _same_line(paragraphs[0], title):
        paragraphs = paragraphs[1:]
    if not paragraphs:
        raise no_article
    published = parse_date(found.date) if found.date else None
    return Article(title or None, "\n\n".join(paragraphs), published, url)


def _page_url(tree: object, html: str) -> str | None:
    """The canonical link, ``og:url``, or the ``saved from url`` comment:
    the first that is an absolute http(s) URL."""
    candidates: list[str] = []
    for xpath in ('//link[@rel="canonical"]/@href', '//meta[@property="og:url"]/@content',
                  '//meta[@name="og:url"]/@content'):
        candidates += [str(value) for value in tree.xpath(xpath)]  # type: ignore[attr-defined]
    saved = _SAVED_FROM.search(html[:4096])
    if saved:
        candidates.append(saved.group(1))
    for candidate in candidates:
        url = clean_url(candidate)
        if url:
            return url
    return None
