"""The article sitemaps: `/sitemap_article_index.xml` and its per-window files."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Optional
from urllib.parse import parse_qs, urlsplit

from scrapy.utils.sitemap import Sitemap

from newscrawl.dates import parse_any


@dataclass
class SitemapEntry:
    url: str
    lastmod: Optional[str] = None


def read_sitemap(body: bytes) -> tuple[str, list[SitemapEntry]]:
    """("sitemapindex" | "urlset", entries)."""
    sitemap = Sitemap(body)
    entries = [SitemapEntry(e["loc"].strip(), parse_any(e.get("lastmod"))) for e in sitemap if e.get("loc")]
    return sitemap.type or "", entries


def _day(value: str) -> Optional[date]:
    match = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", value)
    return date(int(match[1]), int(match[2]), int(match[3])) if match else None


def window_of(sitemap_url: str) -> tuple[Optional[date], Optional[date]]:
    """The date_start/date_end a sitemap URL covers, when it says."""
    query = parse_qs(urlsplit(sitemap_url).query)
    start = _day(query.get("date_start", [""])[0])
    end = _day(query.get("date_end", [""])[0])
    return start, end or start


def overlaps(window: tuple[Optional[date], Optional[date]], since: date, until: date) -> bool:
    start, end = window
    if start is None:
        return True  # a sitemap that does not say its window must be read
    return start <= until and (end or start) >= since
