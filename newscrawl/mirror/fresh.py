"""Re-dates a mirror around a given `now`, for incremental crawls.

A re-crawl fetches again only the archived articles younger than a few days, so a mirror
whose every article is months old would never show the edition-2 edits to a crawler.
With `now`, the articles that edition 2 changes or adds become the day's news (published
within the last day before `now`), while every other article must already be more than
3 days older than that day (else ValueError). Only the re-dated articles move: their
paths (which carry the date), the READ MORE links written to them, and their modified
times. Without `now` nothing here runs and the mirror keeps its fixed dates.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from typing import Iterable
from urllib.parse import urlsplit, urlunsplit

from .model import Article

FRESH_WINDOW = timedelta(days=1)  # re-dated articles are published within this before now
SETTLED_GAP = timedelta(days=3)  # every other article is more than this older than the window
_EARLIEST = timedelta(hours=23)  # the oldest fresh article, before now
_LATEST = timedelta(hours=2)  # the newest fresh article, before now (leaves room for its edits)
_FIRST_EDIT = timedelta(minutes=30)  # longest gap between publication and a first-edition update
_SECOND_EDIT = timedelta(hours=1)  # an edition-2 edit comes this long after the first edition's time


def as_utc(now: datetime) -> datetime:
    """An aware UTC time, minutes only (current pages show minutes); naive means UTC."""
    aware = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
    return aware.astimezone(timezone.utc).replace(second=0, microsecond=0)


def fresh_times(count: int, now: datetime) -> list[datetime]:
    """`count` publication times spread evenly over the fresh window, oldest first."""
    span = _EARLIEST - _LATEST
    step = span / max(1, count - 1) if count > 1 else timedelta(0)
    return [(now - _EARLIEST + i * step).replace(second=0, microsecond=0) for i in range(count)]


def _capped_modified(article: Article, published: datetime) -> datetime | None:
    if article.modified is None:
        return None
    return published + min(article.modified - article.published, _FIRST_EDIT)


def _moved_href(href: str, old: datetime, new: datetime) -> str:
    """The same link with the target's date moved: every article path spelling (main, AMP,
    print, legacy with or without slash, 2016 form) holds the date as its first 8 digits."""
    parts = urlsplit(href)
    path = parts.path.replace(f"{old:%Y%m%d}", f"{new:%Y%m%d}", 1)
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))


def _check_settled(others: Iterable[Article], fresh_from: datetime) -> None:
    newest = max((a.published for a in others), default=None)
    if newest is not None and newest >= fresh_from - SETTLED_GAP:
        earliest = newest + SETTLED_GAP + FRESH_WINDOW + timedelta(minutes=1)
        raise ValueError(f"now is too early: the newest unchanged article was published {newest:%Y-%m-%dT%H:%MZ}; "
                         f"now must be after {earliest:%Y-%m-%dT%H:%MZ}")


def make_fresh(articles: dict[str, Article], changed: dict[str, Article], new: list[Article], now: datetime) -> None:
    """Re-date, in place, the edition-2 plan (`changed`: edited copies keyed by id, `new`:
    added articles, newest first) and the edition-1 `articles` it changes, around `now`."""
    now = as_utc(now)
    times = fresh_times(len(changed) + len(new), now)
    # changed articles first (older), then the new ones, which top the index
    order = list(changed) + [a.id for a in reversed(new)]
    moved = {art_id: (articles[art_id].published if art_id in articles else None, when) for art_id, when in zip(order, times)}
    _check_settled((a for i, a in articles.items() if i not in moved), now - FRESH_WINDOW)
    for art_id in changed:
        first, second = articles[art_id], changed[art_id]
        when = moved[art_id][1]
        first.published, first.modified = when, _capped_modified(first, when)
        second.published, second.modified = when, (first.modified or when) + _SECOND_EDIT
    for article in new:
        when = moved[article.id][1]
        article.published, article.modified = when, _capped_modified(article, when)
    olds = {art_id: old for art_id, (old, _) in moved.items() if old is not None}
    for article in [*articles.values(), *changed.values(), *new]:
        article.blocks = [
            dataclasses.replace(b, href=_moved_href(b.href, olds[b.target], moved[b.target][1]))
            if b.kind == "read_more" and b.target in olds else b
            for b in article.blocks
        ]
