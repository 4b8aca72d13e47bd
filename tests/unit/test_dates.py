from __future__ import annotations

import pytest

from newscrawl.dates import parse_any


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2019-11-18T21:17:27Z", "2019-11-18T21:17:27Z"),
        ("20260729T1319+0800", "2026-07-29T05:19:00Z"),
        ("20241205T094323", "2024-12-05T09:43:23Z"),
        ("20260729T1319+0300", "2026-07-29T10:19:00Z"),
        ("2026-07-29T13:19:00+03:00", "2026-07-29T10:19:00Z"),
        ("2019-11-18T21:17", "2019-11-18T21:17:00Z"),
        ("21:17 18.11.2019", "2019-11-18T21:17:00Z"),
        ("(updated: 14:02 29.07.2026)", "2026-07-29T14:02:00Z"),
        ("1785302340", "2026-07-29T05:19:00Z"),
        ("1785302340000", "2026-07-29T05:19:00Z"),
    ],
)
def test_every_form_becomes_utc_with_z(text: str, expected: str) -> None:
    assert parse_any(text) == expected


@pytest.mark.parametrize("text", ["", None, "yesterday", "99:99 45.13.2019", "2019-13-45"])
def test_unreadable_dates_are_none(text: str | None) -> None:
    assert parse_any(text) is None
