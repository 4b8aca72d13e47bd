"""Every date form SPUTNIK-MARKUP.md lists, stored as ISO 8601 UTC with "Z"."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Optional

import pytest

from newscrawl.dates import format_utc, parse_any, says_its_zone, zone_between, zone_of

PLUS_8 = timezone(timedelta(hours=8))


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2019-11-18T21:17:27Z", "2019-11-18T21:17:27Z"),  # meta[name=pubdate]
        ("2019-11-18T21:17:27.250Z", "2019-11-18T21:17:27Z"),
        ("20260729T1319+0800", "2026-07-29T05:19:00Z"),  # article:published_time, the place's offset
        ("20260729T1319+0300", "2026-07-29T10:19:00Z"),  # the site's own
        ("20260729T0030+0530", "2026-07-28T19:00:00Z"),  # a half-hour zone, across midnight
        ("20260729T1319-0400", "2026-07-29T17:19:00Z"),
        ("20241205T094323", "2024-12-05T09:43:23Z"),  # the "load more" URL's date, UTC
        ("2026-07-29T13:19:00+03:00", "2026-07-29T10:19:00Z"),
        ("2026-07-29T13:19:00+0300", "2026-07-29T10:19:00Z"),
        ("2019-11-18T21:17", "2019-11-18T21:17:00Z"),  # time[datetime] of legacy pages, UTC
        ("21:17 18.11.2019", "2019-11-18T21:17:00Z"),  # the visible legacy date, UTC
        ("(updated: 14:02 29.07.2026)", "2026-07-29T14:02:00Z"),
        ("  1785302340 ", "2026-07-29T05:19:00Z"),  # data-unixtime
        ("1785302340000", "2026-07-29T05:19:00Z"),  # in milliseconds
    ],
)
def test_every_form_becomes_utc_with_z(text: str, expected: str) -> None:
    assert parse_any(text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("13:19 29.07.2026", "2026-07-29T05:19:00Z"),
        ("(updated: 14:02 29.07.2026)", "2026-07-29T06:02:00Z"),
        ("(updated: 07:30 30.07.2026)", "2026-07-29T23:30:00Z"),
        ("20260729T1319", "2026-07-29T05:19:00Z"),
        ("2026-07-29T13:19:00Z", "2026-07-29T13:19:00Z"),  # a text that says its zone keeps it
        ("1785302340", "2026-07-29T05:19:00Z"),
    ],
)
def test_times_without_a_zone_are_read_in_the_page_s_clock(text: str, expected: str) -> None:
    assert parse_any(text, PLUS_8) == expected


def test_the_page_s_clock_from_the_meta_or_from_a_shown_time() -> None:
    assert zone_of("20260729T1319+0800") == PLUS_8
    assert zone_of("2019-11-18T21:17:27Z") == timezone.utc
    assert zone_of("20260729T1319") is None and zone_of(None) is None and zone_of("13:19 29.07.2026") is None
    assert zone_between("1785302340", "13:19 29.07.2026") == PLUS_8  # 05:19 UTC shown as 13:19
    assert zone_between("1785302340", "10:49 29.07.2026") == timezone(timedelta(hours=5, minutes=30))
    assert zone_between("1785302399", "13:19 29.07.2026") == PLUS_8  # seconds the page does not show
    assert zone_between("1785302340", "13:19 31.07.2026") is None  # no zone is two days off
    assert zone_between(None, "13:19 29.07.2026") is None and zone_between("1785302340", "") is None


@pytest.mark.parametrize(
    "text", ["", None, "   ", "yesterday", "99:99 45.13.2019", "2019-13-45", "20261345T9999+0800", "12", "1e400", "T1319"]
)
def test_unreadable_dates_are_none(text: Optional[str]) -> None:
    assert parse_any(text) is None


@pytest.mark.parametrize(
    "text,expected",
    [
        ("(updated 11:14 GMT 29.04.2020)", "2020-04-29T11:14:00Z"),  # the 2020 legacy pages' form
        ("(updated: 18:15 GMT 18.11.2026)", "2026-11-18T18:15:00Z"),
        ("(updated: 18:15 18.11.2026 GMT)", "2026-11-18T18:15:00Z"),
        ("(updated: 18:15 18.11.2026 UTC)", "2026-11-18T18:15:00Z"),
        ("18:15 GMT+3 18.11.2026", "2026-11-18T15:15:00Z"),
        ("18:15 GMT +3 18.11.2026", "2026-11-18T15:15:00Z"),
        ("18:15 UTC-04:30 18.11.2026", "2026-11-18T22:45:00Z"),
    ],
)
def test_a_visible_time_takes_the_zone_its_label_names_over_the_page_s_clock(text: str, expected: str) -> None:
    """Issue 15: a visible "(updated: ...)" in GMT was read in the +0800 of the page's meta."""
    assert parse_any(text, PLUS_8) == expected
    assert says_its_zone(text)


def test_only_texts_that_name_their_moment_say_their_zone() -> None:
    for exact in ("1654928654", "2019-11-18T21:17:27Z", "20260729T1319+0800", "2026-07-29T13:19:00+03:00"):
        assert says_its_zone(exact), exact
    for written in ("20220611T0924", "2022-06-11T09:24", "09:24 11.06.2022", "(updated: 09:28 11.06.2022)", "", None, "soon"):
        assert not says_its_zone(written), written


def test_the_page_s_clock_from_a_unix_time_and_a_zone_less_meta() -> None:
    """The real ria.ru page: analytics:p_ts 1654928654 (06:24:14 UTC) and article:published_time
    `20220611T0924`, microdata `2022-06-11T09:24`, visible "09:24 11.06.2022": Moscow time."""
    moscow = timezone(timedelta(hours=3))
    for written in ("20220611T0924", "2022-06-11T09:24", "09:24 11.06.2022"):
        assert zone_between("1654928654", written) == moscow, written
    assert parse_any("20220611T0928", zone_between("1654928654", "20220611T0924")) == "2022-06-11T06:28:00Z"
    # any text that names its moment is a reference; one that does not is none
    assert zone_between("2026-07-29T05:19:00Z", "13:19 29.07.2026") == PLUS_8
    assert zone_between("20260729T1319+0800", "05:19 29.07.2026") == timezone.utc
    assert zone_between("20220611T0924", "09:24 11.06.2022") is None


@pytest.mark.parametrize("moment", [
    datetime(2019, 11, 18, 21, 17, 27, 250_000, tzinfo=timezone.utc), datetime(2026, 7, 29, 13, 19, tzinfo=PLUS_8),
    datetime(2020, 1, 1, 2, 30), datetime(5, 1, 2, 3, 4, 5, tzinfo=timezone.utc), datetime(9999, 12, 31, 23, 59, 59, 999_999),
])
def test_format_utc_writes_what_strftime_wrote(moment: datetime) -> None:
    """format_utc writes the fields out itself (strftime costs twice as much): the same text."""
    utc = (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
    assert format_utc(moment) == utc.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
