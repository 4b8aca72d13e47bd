"""Dates from machine-readable data first (issue 15), on the real page of the same publishing
system and on small pages of the current layout that each leave one source to decide.

Expected times were read off the pages by hand: the ria.ru page's `analytics:p_ts` 1654928654
is 2022-06-11 06:24:14 UTC, shown there as "09:24 11.06.2022" (Moscow, UTC+3), and its updated
time "09:28 11.06.2022" (meta `20220611T0928`) is 06:28 UTC.
"""

from __future__ import annotations

from typing import Optional

import pytest

from newscrawl.parsers import parse_article
from tests.parsers.cases import REAL_PAGES

RIA_PAGE = REAL_PAGES / "ria-current-cms-article-1794720292.html"
URL = "https://sputnikglobe.com/20261118/a-slug-1140000001.html"


def page(head: str = "", shown: str = "", updated: str = "") -> str:
    """A current-layout page with these date sources and nothing else that names a time."""
    return (
        f'<html lang="en"><head><title>T</title>{head}<link rel="canonical" href="{URL}"></head><body>'
        '<div class="article"><div class="article__header"><h1 class="article__title">T</h1>'
        f'<div class="article__info"><div class="article__info-date">{shown}{updated}</div></div></div>'
        '<div class="article__body"><div class="article__block" data-type="text"><div class="article__text">'
        "SEOUL (Sputnik) - Words.</div></div></div></div></body></html>"
    )


def dates(html: str) -> tuple[Optional[str], Optional[str], dict[str, str]]:
    result = parse_article(html, URL)
    assert result.article is not None and result.layout == "current"
    return result.article.published_at, result.article.modified_at, result.dropped


@pytest.mark.skipif(not RIA_PAGE.is_file(), reason="the ria.ru real page is not beside this checkout (shared/real-pages)")
def test_the_real_ria_page_reads_its_zone_less_metas_in_moscow_time() -> None:
    """It gave published 09:24Z (the zone-less meta read as UTC) and so a modified_at before it."""
    result = parse_article(RIA_PAGE.read_bytes(), "https://ria.ru/20220611/ekonomika-1794720292.html")
    assert result.article is not None
    assert result.article.published_at == "2022-06-11T06:24:14Z"  # analytics:p_ts, to the second
    assert result.article.modified_at == "2022-06-11T06:28:00Z"
    assert result.dropped == {}


def test_the_updated_time_s_own_unix_time_beats_the_meta_s_zone() -> None:
    """The issue's page: article:published_time in +0800, the updated time shown in GMT with its
    own data-unixtime (1795025700 = 2026-11-18 18:15 UTC); it came out 8 hours off."""
    html = page(
        head='<meta property="article:published_time" content="20261118T2319+0800">',
        shown='<a href="/20261118/">15:19 18.11.2026</a>',
        updated='<span class="article__info-date-modified" data-unixtime="1795025700">(updated: 18:15 18.11.2026)</span>',
    )
    assert dates(html) == ("2026-11-18T15:19:00Z", "2026-11-18T18:15:00Z", {})


def test_a_visible_time_takes_its_zone_from_its_label_then_from_the_unix_time_beside_it() -> None:
    meta = '<meta property="article:published_time" content="20261118T2319+0800">'
    labelled = '<span class="article__info-date-modified">(updated: 18:15 GMT 18.11.2026)</span>'
    unlabelled = '<span class="article__info-date-modified">(updated: 23:45 18.11.2026)</span>'
    # the shown publication time and its unix time say the visible clock is GMT, whatever the meta says
    in_gmt = '<a href="/20261118/" data-unixtime="1795015140">15:19 18.11.2026</a>'
    assert dates(page(meta, in_gmt, unlabelled))[1] == "2026-11-18T23:45:00Z"
    # a label outranks the clock the page's other times show (here +0800)
    in_plus_8 = '<a href="/20261118/" data-unixtime="1795015140">23:19 18.11.2026</a>'
    assert dates(page(meta, in_plus_8, labelled))[1] == "2026-11-18T18:15:00Z"
    assert dates(page(meta, in_plus_8, unlabelled))[1] == "2026-11-18T15:45:00Z"
    # nothing else says anything: the meta's zone
    assert dates(page(meta, "", unlabelled))[1] == "2026-11-18T15:45:00Z"


def test_zone_less_metas_are_read_in_the_clock_the_unix_time_shows_never_as_utc() -> None:
    head = ('<meta property="article:published_time" content="20261118T1819"><meta property="article:modified_time" '
            'content="20261118T2045"><meta name="analytics:p_ts" content="1795015140">')
    assert dates(page(head)) == ("2026-11-18T15:19:00Z", "2026-11-18T17:45:00Z", {})
    # the same metas in another clock: +0800 this time, which only the unix time can tell
    head = head.replace("T1819", "T2319").replace("T2045", "T2345")
    assert dates(page(head)) == ("2026-11-18T15:19:00Z", "2026-11-18T15:45:00Z", {})


def test_a_modified_time_before_the_publication_is_dropped_and_said() -> None:
    head = ('<meta property="article:published_time" content="20261118T2319+0800">'
            '<meta property="article:modified_time" content="20261118T2019+0800">')
    published, modified, dropped = dates(page(head))
    assert (published, modified) == ("2026-11-18T15:19:00Z", None)
    assert dropped == {"modified_at": "modified 2026-11-18T12:19:00Z is before published 2026-11-18T15:19:00Z"}


def test_an_update_shown_to_the_minute_in_the_minute_of_publication_is_kept() -> None:
    """Published at 15:19:07 (unix), updated "15:19" (minutes only): not before it."""
    head = ('<meta property="article:published_time" content="20261118T1819"><meta property="article:modified_time" '
            'content="20261118T1819"><meta name="analytics:p_ts" content="1795015147">')
    assert dates(page(head)) == ("2026-11-18T15:19:07Z", "2026-11-18T15:19:00Z", {})
