"""The summary at the end of every crawl: what the archive got (new, changed, unchanged),
the duplicates of each kind in plain words, the pages that failed and why (the first ones;
`scrapy export --gaps` and the log have them all), the pages rendered, where the archive, the
feed and the log are, and how long the crawl took.

It is read from the crawl's stats alone (the same the crawls table keeps), and written at the
very end of the crawl: logged (the crawl's log file has it), and printed on stdout when the
log does not already show it there (LOG_FILE set, logs sent elsewhere, a quieter LOG_LEVEL).
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from typing import IO, Any, Mapping, Optional

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings
from sqlalchemy.engine import make_url

from newscrawl.config import ARCHIVE_CRAWL, NewscrawlConfig, archive_enabled
from newscrawl.feeds import FEED_SINCE, is_delivering_storage
from newscrawl.progress import duration, plural

logger = logging.getLogger(__name__)

# the first failed pages, [url, why] each, set by the spider (the log names every one)
FAILED_PAGES = "newscrawl/failed_pages"
FAILED_PAGES_LISTED = 10
# articles in the archive once the crawl's last batch is committed (pipelines/store.py)
ARCHIVE_ARTICLES = "newscrawl/archive/articles"
# robots.txt forbids the index's "load more" pages (as on the live site), and, when the index
# pages walked list no archived article, the newest archived publication time: articles
# published since may be missing (spiders/section.py)
PAGING_BLOCKED = "newscrawl/index/paging_blocked_by_robots"
INDEX_GAP_SINCE = "newscrawl/index/gap_since"
LABEL_WIDTH = 12


@dataclass(frozen=True)
class FeedFile:
    where: str
    articles: int
    stored: bool
    failure: Optional[str] = None  # why it could not be written (newscrawl.feeds)
    delivering: bool = False  # a file the archive counts as the feed of the crawl's articles (newscrawl.feeds)


def _stat(stats: Mapping[str, Any], key: str) -> int:
    return int(stats.get(key, 0) or 0)


def _time(value: Any) -> str:
    """start_time / finish_time (a datetime, or its str() once stored as JSON) as 2026-12-07 19:51:31Z."""
    return str(value)[:19].replace("T", " ") + "Z" if value else "?"


def summary_text(
    stats: Mapping[str, Any], spider: str, *, archive: Optional[str], feeds: list[FeedFile], logs: list[str],
    refresh_days: Optional[int] = None,
) -> str:
    """The summary of one crawl, from its stats (a crawls row's `stats` will do)."""
    crawl_id = stats.get("newscrawl/crawl_id")
    reason = stats.get("finish_reason") or "not finished"
    head = f"Crawl {crawl_id} of {spider}" if crawl_id else f"Crawl of {spider}"
    took = f" in {duration(float(stats['elapsed_time_seconds']))}" if stats.get("elapsed_time_seconds") is not None else ""
    lines = [f"{head}: {reason}{took} ({_time(stats.get('start_time'))} to {_time(stats.get('finish_time'))})"]

    def field(label: str, first: str, *more: str) -> None:
        lines.append(f"  {label + ':':<{LABEL_WIDTH}} {first}")
        lines.extend(f"  {'':<{LABEL_WIDTH}} {line}" for line in more)

    new, changed, unchanged = (_stat(stats, f"newscrawl/stored/{k}") for k in ("new", "changed", "unchanged"))
    articles = f"{new:,} new, {changed:,} changed, {unchanged:,} unchanged (seen again with the same text)"
    if archive is None:
        articles = f"{_stat(stats, 'item_scraped_count'):,} to the feed (the archive is off: NEWSCRAWL_STORE_ENABLED)"
    skipped = _stat(stats, "newscrawl/incremental/archived_not_fetched")
    field("Articles", articles, *([
        f"{plural(skipped, 'link')} to archived articles not fetched again (published over "
        f"{refresh_days if refresh_days is not None else 'NEWSCRAWL_REFRESH_DAYS'} days ago)"] if skipped else []))

    not_stored = [
        (_stat(stats, "newscrawl/archive/write_failed"), "lost with a batch the archive refused (see the ERROR line)"),
        (_stat(stats, "newscrawl/not_stored/no_title"), "without a title on their page"),
        (_stat(stats, "newscrawl/not_stored/no_body"), "without body text on their page"),
    ]
    shown = [f"{plural(count, 'article')} {why}" for count, why in not_stored if count]
    if shown:
        field("Not stored", *shown)

    field(
        "Duplicates",
        f"{plural(_stat(stats, 'dupefilter/filtered'), 'link')} to a page already requested in this crawl: fetched once",
        f"{plural(_stat(stats, 'newscrawl/duplicates/same_article'), 'article')} met again under another URL: stored once",
        f"{plural(_stat(stats, 'newscrawl/duplicates/same_text'), 'article')} with the same text as another: "
        "stored, duplicate_of names the first",
        f"{plural(_stat(stats, 'newscrawl/duplicates/near'), 'near-duplicate')} (the same story, edited): "
        "stored, linked in near_duplicates",
    )

    if _stat(stats, PAGING_BLOCKED):
        gap = stats.get(INDEX_GAP_SINCE)
        field("Index", f"{plural(_stat(stats, 'newscrawl/index/pages'), 'page')} walked: robots.txt forbids the "
                       "\"load more\" pages, so older articles come through the sitemaps (-a since=YYYY-MM-DD)",
              *([f"none of its articles was archived yet: articles published since {gap} may be missing "
                 f"(-a since={gap[:10]} fetches them)"] if gap else []))

    failed = _stat(stats, "newscrawl/pages_failed")
    listed = [f"{url}: {why}" for url, why in (stats.get(FAILED_PAGES) or [])]
    more = failed - len(listed)
    field(
        "Failed",
        plural(failed, "page") + (" (article pages are on the retry record: the next crawls try them again)" if failed else ""),
        *listed,
        *([f"and {more:,} more: `scrapy export --gaps` lists the failed article pages, the log every failed page"]
          if more > 0 else (["`scrapy export --gaps` lists the failed article pages"] if failed else [])),
    )

    rendering = [f"{plural(_stat(stats, 'newscrawl/rendered'), 'page')} through the browser (articles a script builds)"]
    for key, what in (("render_unavailable", "could not be rendered (no browser: see the WARNING line)"),
                      ("render_failed", "failed in the browser"), ("render_empty", "still without text once rendered")):
        if _stat(stats, f"newscrawl/{key}"):
            rendering.append(f"{plural(_stat(stats, f'newscrawl/{key}'), 'page')} {what}")
    field("Rendered", "; ".join(rendering))

    if archive is not None:
        total = stats.get(ARCHIVE_ARTICLES)
        field("Archive", archive + (f" ({plural(int(total), 'article')} in all)" if total is not None else ""))
    if feeds:
        # no feed stored whole: the crawl stays undelivered, the next crawl's feed carries its articles
        carried = not any(feed.stored and feed.delivering for feed in feeds)
        field("Feed", *(f"{feed.where} ({plural(feed.articles, 'article')})" + _not_stored(feed, stats.get(FEED_SINCE), carried)
                        for feed in feeds))
    else:
        field("Feed", "none written: no article was new or changed")
    field("Log", *(logs or ["stderr only"]))
    return "\n".join(lines)


def _not_stored(feed: FeedFile, since: Optional[str], carried: bool) -> str:
    if feed.stored:
        return ""
    if feed.failure is None:
        return ": NOT stored, see the log"
    if since is None:  # the archive is off
        return f": NOT written ({feed.failure})"
    return (f": NOT written ({feed.failure}); `scrapy export --changed-since {since}` writes its articles again"
            + (", and the next crawl's feed carries them" if carried else ""))


def readable_url(database_url: str) -> str:
    """The database URL with its password hidden; a SQLite archive as its file's path."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        return os.path.abspath(url.database)
    return url.render_as_string(hide_password=True)


def _same_file(one: IO[str], other: IO[str]) -> bool:
    try:
        return os.path.samestat(os.fstat(one.fileno()), os.fstat(other.fileno()))
    except (AttributeError, ValueError, OSError):
        return False


def shown_by_the_log(target: IO[str]) -> bool:
    """Whether an INFO line of this module reaches `target` through the log already (Scrapy's
    stderr handler writing to the same terminal, pipe or file)."""
    if not logger.isEnabledFor(logging.INFO):
        return False
    return any(
        isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler)
        and h.level <= logging.INFO and _same_file(h.stream, target)
        for h in logging.getLogger().handlers
    )


def feeds_to_stdout(settings: BaseSettings) -> bool:
    return any(str(uri).startswith("stdout:") for uri in settings.getdict("FEEDS"))


class CrawlSummary:
    """The extension that writes the summary once the crawl is over (engine_stopped: after
    Scrapy's stats, before the crawl's log file closes)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.feeds: list[FeedFile] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "CrawlSummary":
        if not crawler.settings.getbool(ARCHIVE_CRAWL):
            raise NotConfigured  # a debug command (scrapy parse, shell, fetch...): no crawl to sum up
        extension = cls(crawler)
        crawler.signals.connect(extension.feed_slot_closed, signal=signals.feed_slot_closed)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def feed_slot_closed(self, slot: Any) -> None:
        storage = slot.storage
        stored = storage.stored if is_delivering_storage(storage) else True
        uri = str(slot.uri)
        where = storage.where if is_delivering_storage(storage) else ("stdout" if uri.startswith("stdout:") else uri)
        self.feeds.append(FeedFile(where, int(slot.itemcount), bool(stored), getattr(storage, "failure", None),
                                   is_delivering_storage(storage)))

    def text(self) -> str:
        settings = self.crawler.settings
        assert self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        config = NewscrawlConfig.from_settings(settings) if archive_enabled(settings) else None
        logs = [str(path) for path in (stats.get("newscrawl/log_file"), settings.get("LOG_FILE")) if path]
        spider = self.crawler.spider.name if self.crawler.spider else "?"
        return summary_text(
            stats, spider, archive=readable_url(config.database_url) if config else None, feeds=self.feeds,
            logs=list(dict.fromkeys(logs)), refresh_days=config.refresh_days if config else None,
        )

    def engine_stopped(self) -> None:
        if self.crawler.spider is None:
            return
        text = self.text()
        logger.info("%s", text)
        target = sys.stderr if feeds_to_stdout(self.crawler.settings) else sys.stdout
        if not shown_by_the_log(target):
            print(text, file=target, flush=True)
