"""Dates: publication dates in header shapes, event days resolved against a reference."""

from datetime import date

import pytest

from kg.dates import find_day_mentions, find_full_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (" ( 2024.03.12 )", date(2024, 3, 12)),
        ("2019.09.23 / Source:", date(2019, 9, 23)),
        ("Xinhua) 10:15, June 05, 2025", date(2025, 6, 5)),
        ("(Xinhua) 09:57, April 20, 2021", date(2021, 4, 20)),
        ("March 3, 2024", date(2024, 3, 3)),
        ("December 15 , 2017", date(2017, 12, 15)),
        ("14 May 2025", date(2025, 5, 14)),
        ("2018-01-31", date(2018, 1, 31)),
        ("Daily News | Updated: 2024-02-13 09:15", date(2024, 2, 13)),
        ("Updated 14.05.2012", date(2012, 5, 14)),
        ("14/05/2012", date(2012, 5, 14)),
        ("28-29 January 2019", date(2019, 1, 28)),
        ("Council Meeting – Madrid, 14 March 2024", date(2024, 3, 14)),
        ("no date at all", None),
        ("2023.02.30 is not a day", None),
    ],
)
def test_full_date_is_read_from_header_shapes(text, expected):
    assert find_full_date(text) == expected


REF = date(2023, 4, 19)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "ref", "expected", "kind"),
    [
        ("met here today with", REF, date(2023, 4, 19), "relative"),
        ("met this morning with", REF, date(2023, 4, 19), "relative"),
        ("yesterday sent a message", REF, date(2023, 4, 18), "relative"),
        ("on Tuesday met in Beijing", REF, date(2023, 4, 18), "weekday"),
        ("on Wednesday met", REF, date(2023, 4, 19), "weekday"),
        ("on Friday met", REF, date(2023, 4, 14), "weekday"),
        ("Beijing, September 27th—", date(2022, 9, 29), date(2022, 9, 27), "calendar"),
        ("on Sept. 6 held talks", date(2023, 9, 8), date(2023, 9, 6), "calendar"),
        ("on 12 March sent", date(2024, 3, 14), date(2024, 3, 12), "calendar"),
        ("from July 31 to Aug. 2", date(2023, 8, 3), date(2023, 7, 31), "span"),
        ("from August 14th to 16th", date(2019, 8, 17), date(2019, 8, 14), "span"),
        ("from May 21-23", date(2023, 5, 22), date(2023, 5, 21), "span"),
        ("on 12 and 13 March", date(2017, 3, 13), date(2017, 3, 12), "span"),
        ("from Monday to Wednesday", date(2023, 9, 6), date(2023, 9, 4), "span"),
        ("on December 30 sent", date(2024, 1, 3), date(2023, 12, 30), "calendar"),
        ("on April 16, 2021", date(2021, 4, 20), date(2021, 4, 16), "calendar"),
        ("the previous day", date(2024, 3, 14), date(2024, 3, 13), "relative"),
        ("on the same day", date(2024, 3, 14), date(2024, 3, 14), "same-day"),
        ("on April 2-5", date(2024, 4, 6), date(2024, 4, 2), "span"),
        ("from 9 to 13 March", date(2024, 3, 14), date(2024, 3, 9), "span"),
        # the patterns ignore case as re does, which also reads "ı", "İ" as i and "ſ" as s
        ("MET HERE TONIGHT", REF, date(2023, 4, 19), "relative"),
        ("met thıs morning", REF, date(2023, 4, 19), "relative"),
        ("met thiſ afternoon", REF, date(2023, 4, 19), "relative"),
        ("met TODAY", REF, date(2023, 4, 19), "relative"),
        ("on ١٢ March sent", date(2024, 3, 14), date(2024, 3, 12), "calendar"),  # any Unicode digit
    ],
)
def test_day_mentions_resolve_against_reference(text, ref, expected, kind):
    found = find_day_mentions(text, ref)
    assert [(m.value, m.kind) for m in found][:1] == [(expected, kind)]


def test_without_reference_only_dates_with_year_resolve():
    assert find_day_mentions("met today and on March 3", None) == []
    assert [m.value for m in find_day_mentions("on March 3, 2024", None)] == [date(2024, 3, 3)]


def test_may_alone_is_not_a_date():
    assert find_day_mentions("the party may send a delegation", REF) == []
