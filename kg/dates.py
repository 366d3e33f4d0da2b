"""Dates in readouts: publication dates in headers, and the day of an event
("today", "on Tuesday", "September 27th", "from July 31 to Aug. 2") resolved
against a reference date.

Pure functions over strings; no state.

Example:
    >>> from datetime import date
    >>> find_full_date("Xinhua) 12:21, April 17, 2021")
    datetime.date(2021, 4, 17)
    >>> [m.value for m in find_day_mentions("met here today", date(2022, 9, 27))]
    [datetime.date(2022, 9, 27)]
    >>> [m.value for m in find_day_mentions("on Tuesday met", date(2023, 4, 19))]
    [datetime.date(2023, 4, 18)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS: dict[str, int] = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3,
    "april": 4, "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7,
    "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9, "october": 10,
    "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
WEEKDAYS: dict[str, int] = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
    "saturday": 5, "sunday": 6,
}

_MONTH = r"(?P<{n}>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
_ORD = r"(?:st|nd|rd|th)?"

_FULL_PATTERNS: tuple[re.Pattern[str], ...] = (
    # 2022.09.29  /  2018-01-31  /  2022/09/29
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)[.\-/](?P<m>\d{1,2})[.\-/](?P<d>\d{1,2})(?!\d)"),
    # April 17, 2021   /  December 15 , 2017  / Sept. 6th, 2023
    re.compile(_MONTH.format(n="mon") + r"\s+(?P<d>\d{1,2})" + _ORD + r"\s*,\s*(?P<y>(?:19|20)\d\d)\b", re.I),
    # 17 April 2021  /  28-29 January 2019 (first day) / 12 and 13 March 2017
    re.compile(r"\b(?P<d>\d{1,2})" + _ORD + r"(?:\s*(?:-|–|and|to)\s*\d{1,2}" + _ORD + r")?\s+"
               + _MONTH.format(n="mon") + r",?\s+(?P<y>(?:19|20)\d\d)\b", re.I),
    # 14.05.2012  /  14/05/2012: day first, as European, African and Latin American sites write it
    re.compile(r"(?<![\d.])(?P<d>\d{1,2})[./](?P<m>\d{1,2})[./](?P<y>(?:19|20)\d\d)(?![\d])"),
)


def _make_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _month(name: str) -> int:
    return MONTHS[name.lower().rstrip(".")[:3] if name.lower().rstrip(".") not in MONTHS else name.lower().rstrip(".")]


def find_full_date(text: str) -> date | None:
    """Return the first date in ``text`` that states its year, or None.

    Example:
        >>> find_full_date(" ( 2022.09.29 )")
        datetime.date(2022, 9, 29)
        >>> find_full_date("14 March 2022") , find_full_date("no date")
        (datetime.date(2022, 3, 14), None)
        >>> find_full_date("Updated 14.05.2012")
        datetime.date(2012, 5, 14)
    """
    best: tuple[int, date] | None = None
    for pattern in _FULL_PATTERNS:
        for match in pattern.finditer(text):
            g = match.groupdict()
            month = int(g["m"]) if g.get("m") else _month(g["mon"])
            value = _make_date(int(g["y"]), month, int(g["d"]))
            if value is not None:
                if best is None or match.start() < best[0]:
                    best = (match.start(), value)
                break
    return best[1] if best else None


@dataclass(frozen=True, slots=True)
class DayMention:
    """A day named in text: character span, the resolved date, and its kind.

    ``kind`` is one of "relative" (today, yesterday, this morning), "same-day"
    ("on the same day": the caller may know a better day than the reference),
    "weekday", "calendar" (month and day) or "span" (the first day of a range).
    """

    start: int
    end: int
    value: date
    kind: str


_RELATIVE = re.compile(
    r"\b(?P<w>today|tonight|this (?:morning|afternoon|evening)|yesterday(?: (?:morning|afternoon|evening))?"
    r"|(?:on )?the same day|the previous day|the day before)\b",
    re.I,
)
_WEEKDAY = r"(?P<{n}>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_WEEKDAY_SPAN = re.compile(r"\bfrom\s+" + _WEEKDAY.format(n="a") + r"\s+(?:to|till|until|through)\s+" + _WEEKDAY.format(n="b") + r"\b")
_WEEKDAY_ONE = re.compile(r"\b(?:on\s+)?(?:last\s+)?" + _WEEKDAY.format(n="a") + r"(?:\s+(?:morning|afternoon|evening|night))?\b")
_MD = _MONTH.format(n="mon") + r"\s+(?P<d>\d{1,2})" + _ORD + r"(?!\d)(?:\s*,\s*(?P<y>(?:19|20)\d\d))?"
_DM = r"(?P<d2>\d{1,2})" + _ORD + r"\s+" + _MONTH.format(n="mon2") + r"(?:,?\s+(?P<y2>(?:19|20)\d\d))?"
_CALENDAR_SPAN = re.compile(
    r"\bfrom\s+(?:" + _MD + r"|" + _DM + r")\s*(?:to|till|until|through|-|–)\s*"
    r"(?:" + _MONTH.format(n="emon") + r"\s+)?\d{1,2}" + _ORD + r"\b(?:\s+" + _MONTH.format(n="emon2") + r")?",
    re.I,
)
_CALENDAR_RANGE = re.compile(r"\b" + _MD + r"\s*(?:-|–|to)\s*\d{1,2}" + _ORD + r"\b", re.I)
_DAY_RANGE = re.compile(r"\b(?P<d2>\d{1,2})" + _ORD + r"\s*(?:-|–|and|to)\s*\d{1,2}" + _ORD + r"\s+" + _MONTH.format(n="mon2")
                        + r"(?:,?\s+(?P<y2>(?:19|20)\d\d))?", re.I)
_CALENDAR = re.compile(r"\b(?:" + _MD + r"|" + _DM + r")\b", re.I)


_DIGIT = re.compile(r"\d")
# re.IGNORECASE also matches "İ" and "ı" as "i" and "ſ" as "s", which str.lower() keeps
_FOLD = {0x130: "i", 0x131: "i", 0x17F: "s"}


def folded(text: str) -> str:
    """``text`` lower-cased such that a lower-case ASCII keyword occurs in it
    wherever a case-insensitive (``re.IGNORECASE``) pattern would match that
    keyword: what a cheap ``in`` check before such a pattern must look in.

    Example:
        >>> "this" in folded("THIS MORNING"), "this" in folded("thiſ morning")
        (True, True)
    """
    return text.lower() if text.isascii() else text.translate(_FOLD).lower()


def _calendar(g: dict[str, str | None], ref: date | None) -> date | None:
    if g.get("mon"):
        month, day, year = _month(g["mon"] or ""), int(g["d"] or 0), g.get("y")
    else:
        month, day, year = _month(g["mon2"] or ""), int(g["d2"] or 0), g.get("y2")
    if year:
        return _make_date(int(year), month, day)
    if ref is None:  # no year to take
        return None
    value = _make_date(ref.year, month, day)
    if value is not None and value > ref + timedelta(days=45):
        value = _make_date(ref.year - 1, month, day)
    return value


def _weekday(name: str, ref: date) -> date:
    back = (ref.weekday() - WEEKDAYS[name.lower()]) % 7
    return ref - timedelta(days=back)


def find_day_mentions(text: str, ref: date | None) -> list[DayMention]:
    """Find every day mentioned in ``text`` and resolve it against ``ref``.

    Weekdays resolve to the latest such day on or before ``ref``; a month and
    day without a year take ``ref``'s year unless that lands well after
    ``ref`` (then the year before); spans give their first day. Without a
    reference date only calendar dates that state their year resolve.

    Example:
        >>> from datetime import date
        >>> ms = find_day_mentions("from July 31 to Aug. 2", date(2023, 8, 3))
        >>> [(m.value.isoformat(), m.kind) for m in ms]
        [('2023-07-31', 'span')]
    """
    found: list[DayMention] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, value: date | None, kind: str) -> None:
        if value is None or any(s < end and start < e for s, e in taken):
            return
        taken.append((start, end))
        found.append(DayMention(start, end, value, kind))

    # Every calendar pattern needs a digit, every weekday "day", every relative
    # word "day", "this" or "tonight" (case-insensitively, as the patterns match
    # them): texts without them are not scanned.
    digits = _DIGIT.search(text) is not None
    low = folded(text)
    relative = "day" in low or "this" in low or "tonight" in low
    for m in _CALENDAR_SPAN.finditer(text) if digits else ():
        add(m.start(), m.end(), _calendar(m.groupdict(), ref) if ref or m.group("y") or m.group("y2") else None, "span")
    for m in _CALENDAR_RANGE.finditer(text) if digits else ():
        add(m.start(), m.end(), _calendar(m.groupdict(), ref) if ref or m.group("y") else None, "span")
    for m in _DAY_RANGE.finditer(text) if digits else ():
        add(m.start(), m.end(), _calendar(m.groupdict(), ref) if ref or m.group("y2") else None, "span")
    for m in _CALENDAR.finditer(text) if digits else ():
        g = m.groupdict()
        if ref is None and not (g.get("y") or g.get("y2")):
            continue
        # "May" alone is too ambiguous; a calendar hit needs its day number.
        add(m.start(), m.end(), _calendar(g, ref or date(1, 1, 1)), "calendar")
    if ref is not None and relative:
        for m in _WEEKDAY_SPAN.finditer(text):
            first = _weekday(m.group("a"), ref)
            last = _weekday(m.group("b"), ref)
            if first > last:
                first -= timedelta(days=7)
            add(m.start(), m.end(), first, "span")
        for m in _WEEKDAY_ONE.finditer(text):
            add(m.start(), m.end(), _weekday(m.group("a"), ref), "weekday")
        for m in _RELATIVE.finditer(text):
            word = m.group("w").lower()
            back = word.startswith("yesterday") or word in ("the previous day", "the day before")
            value = ref - timedelta(days=1) if back else ref
            add(m.start(), m.end(), value, "same-day" if "same day" in word else "relative")
    found.sort(key=lambda d: d.start)
    return found
