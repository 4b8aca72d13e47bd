"""The section spider: walks a section's index, its articles and their READ MORE links.

It only schedules: which page to fetch next, how deep, and what to count. Every field of
a page comes from newscrawl.parsers.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, timezone
from typing import Any, AsyncIterator, ClassVar, Iterable, Iterator, Optional
from urllib.parse import urlsplit

import numpy as np
import scrapy
from scrapy import Selector
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, IgnoreRequest
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from newscrawl.compact import KeyMap, KeySet, id_key
from newscrawl.config import RUNNER_ARGUMENTS, ConfigError, NewscrawlConfig, archive_enabled, unknown_argument
from newscrawl.db import INDEX_WALK_COMPLETE, Archive, utc_now
from newscrawl.failures import classify
from newscrawl.healing import PageFailure, page_failed
from newscrawl.integrity import text_damage
from newscrawl.items import Article
from newscrawl.logs import install_download_error_filter
from newscrawl.middlewares import DamagedPage
from newscrawl.parsers import ListingPage, ParseResult, parse_article, parse_listing
from newscrawl.parsers.sitemap import overlaps, read_sitemap, window_of
from newscrawl.progress import LISTING_DONE
from newscrawl.recording import FETCHED_AT
from newscrawl.rendering import PageRenderer
from newscrawl.summary import FAILED_PAGES, FAILED_PAGES_LISTED, INDEX_GAP_SINCE, PAGING_BLOCKED
from newscrawl.urls import LIVE_BASE_URL, article_id_from_url, is_site_host, request_url, to_fetch_url, to_site_url

logger = logging.getLogger(__name__)

START_FAILED = "start_page_unreachable"
# Unknown body block kinds named in stats and warned about, at most, per crawl (a page cannot
# make thousands of stats keys); the rest are counted together as "other".
MAX_UNKNOWN_BLOCK_KINDS = 50


def _parse_day(name: str, value: Optional[str]) -> Optional[date]:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"-a {name}= takes a date as YYYY-MM-DD, not {value!r}") from None


class SectionSpider(scrapy.Spider):
    """Subclasses name their section: `section` (its slug) and `section_title`."""

    section: ClassVar[str] = ""
    section_title: ClassVar[str] = ""

    def __init__(
        self,
        base_url: Optional[str] = None,
        since: Optional[str] = None,
        until: Optional[str] = None,
        refresh: Optional[str] = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.base_url, self.since, self.until, self.refresh_all = self.check_arguments(base_url, since, until, refresh, **kwargs)
        self.refresh = refresh or "recent"
        self.crawl_arguments = {k: v for k, v in {"base_url": base_url, "since": since, "until": until, "refresh": refresh, **kwargs}.items() if v}
        self.max_hops = 2
        # bounds per page (README: Bounds); set by from_crawler (settings)
        self.max_index_links = NewscrawlConfig.max_index_links
        self.max_read_more_links = NewscrawlConfig.max_read_more_links
        # Per-article state is keyed by id_key (newscrawl.compact: 8 bytes an article, not a
        # string), so that a crawl's memory does not grow with the site's size.
        # archived articles published before settled_before: pages not to fetch again (incremental crawls)
        self.settled_before = ""
        self.settled = KeySet()
        self.archived_count = 0
        # the other archived articles (published since settled_before: fetched again, but known),
        # and the newest publication time of all: whether a walk of the index reached the archive
        self.recent_archived = KeySet()
        self.newest_archived: Optional[str] = None
        self.index_met_archived = False  # an index page walked lists an article the archive holds
        # settled article -> its archived READ MORE links, followed instead of fetching it
        self.archived_links: dict[int, tuple[str, ...]] = {}
        self._expanded = KeyMap(np.uint32)  # settled article -> fewest hops its links were followed at
        # fetched or requested articles: fewest READ MORE hops they were met at
        self.fewest_hops = KeyMap(np.uint32)
        # fetched articles not (yet) met on the index: their links, followed again should one be met nearer
        self.links_of: dict[int, tuple[str, ...]] = {}
        self._paging_stopped_logged = False
        self.unknown_block_kinds: set[str] = set()  # warned about in this crawl
        # (article_id, url, hops) of the pages fetched again first thing: due retries from the
        # retry record, and with -a refresh=damaged the archived articles that look damaged
        self.retries: list[tuple[str, str, int]] = []
        self.retried = KeySet()  # their id_key
        # incremental crawls stop walking the index where it lists nothing new (see index_holds_nothing_new)
        self.index_stop_after = 0
        self.earlier_walk_complete = False
        self.known_pages_in_a_row = 0
        # backfill: sitemaps requested and not yet read (the progress line's ETA waits for 0)
        self.sitemaps_pending = 0
        # backfill articles of other sections, fetched and passed over: fetched again if
        # a kept article names them in READ MORE
        self.passed_over = KeySet()
        # backfill: READ MORE targets named so far, with their depth
        self.named_by_read_more = KeyMap(np.uint32)
        # pages whose article a script builds go through the browser; set by from_crawler (settings)
        self.renderer: Optional[PageRenderer] = None
        # One bound method for every article request: Scrapy checks each callback's source
        # (warn_on_generator_with_return_value), caching the answer by weak reference, so a
        # fresh bound method per request missed that cache and re-parsed the source each time.
        self.article_callback = self.parse_article
        self.index_callback = self.parse_index
        self.sitemap_callback = self.parse_sitemap

    @staticmethod
    def check_arguments(
        base_url: Optional[str] = None, since: Optional[str] = None, until: Optional[str] = None,
        refresh: Optional[str] = None, **other: Any,
    ) -> tuple[Optional[str], Optional[date], Optional[date], bool]:
        """The spider's -a arguments, read; a ConfigError says which one is wrong and why."""
        for name in other:
            if name not in RUNNER_ARGUMENTS:  # a typo would otherwise be taken silently
                raise unknown_argument(name, ("base_url", "since", "until", "refresh"))
        if base_url:
            try:
                parts = urlsplit(base_url)
                parts.port  # raises ValueError for a port out of range or not a number
            except ValueError as exc:
                raise ConfigError(f"-a base_url={base_url} is not a usable URL: {exc}") from None
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ConfigError(f"-a base_url= must be an http(s) URL with a host, not {base_url!r}")
        if until and not since:
            raise ConfigError(f"-a until={until} needs -a since=: the two give a backfill's window (a crawl without since walks the index)")
        first = _parse_day("since", since)
        last = _parse_day("until", until) or (date.today() if first else None)
        if first and last and last < first:
            raise ConfigError(f"-a until={last} is before -a since={first}")
        if refresh not in (None, "", "all", "recent", "damaged", "failed"):
            raise ConfigError(
                f"-a refresh= takes 'recent' (the default), 'all' (fetch every article again), 'damaged' (fetch again the "
                f"archived articles that look damaged) or 'failed' (try every page on the retry record now), not {refresh!r}"
            )
        return (base_url.rstrip("/") if base_url else None), first, last, refresh == "all"

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> "SectionSpider":
        spider = super().from_crawler(crawler, *args, **kwargs)
        config = NewscrawlConfig.from_settings(crawler.settings)
        spider.max_hops = config.read_more_depth
        spider.max_index_links = config.max_index_links
        spider.max_read_more_links = config.max_read_more_links
        spider.index_stop_after = config.index_stop_after
        spider.renderer = PageRenderer.from_crawler(crawler, spider.count)
        install_download_error_filter()
        if not spider.refresh_all and archive_enabled(crawler.settings):
            spider.load_archived(config)
        return spider

    def load_archived(self, config: NewscrawlConfig) -> None:
        """Which articles the archive holds, so a re-crawl does not fetch them again."""
        cutoff = datetime.now(timezone.utc) - timedelta(days=config.refresh_days)
        self.settled_before = cutoff.strftime("%Y-%m-%dT%H:%M:%SZ")
        archive = Archive(config.database_url)
        try:
            recent: list[int] = []
            self.settled = KeySet(self._settled_keys(archive.archived_since(), recent))
            self.recent_archived = KeySet(recent)
            links: dict[int, list[str]] = {}
            for source, target in archive.archived_links():
                key = id_key(source)
                if key in self.settled:  # the others are fetched again, their links read from the page
                    links.setdefault(key, []).append(target)
            self.archived_links = {key: tuple(targets) for key, targets in links.items()}
            archive_walk_complete = archive.last_walk_complete(self.name)
            self.load_retries(archive)
        finally:
            archive.close()
        self.earlier_walk_complete = archive_walk_complete
        logger.info("Incremental crawl: %d archived articles; those published before %s are not fetched again", self.archived_count, self.settled_before)

    def load_retries(self, archive: Archive) -> None:
        """The pages this crawl fetches again whatever its walk of the index does."""
        self.retries = archive.due_retries(every=self.refresh == "failed")
        if self.retries:
            logger.info("Retry record: %d failed pages are due for another try", len(self.retries))
        if self.refresh == "damaged":
            suspects = [(article_id, url, 0) for article_id, url, _why in archive.damaged_suspects()]
            logger.info("Repair: %d archived articles look damaged (mis-decoded or cut short) and are fetched again", len(suspects))
            self.retries += suspects
        self.retried = KeySet(id_key(article_id) for article_id, _url, _hops in self.retries)

    def _settled_keys(self, archived: Iterable[tuple[str, Optional[str]]], recent: list[int]) -> Iterator[int]:
        """id_key of the archived articles published before settled_before (the others go to
        recent); counts them all, and notes the newest publication time."""
        for article_id, published in archived:
            self.archived_count += 1
            if published is not None and (self.newest_archived is None or published > self.newest_archived):
                self.newest_archived = published
            if published is None or published < self.settled_before:
                yield id_key(article_id)
            else:
                recent.append(id_key(article_id))

    def is_settled(self, article_id: str) -> bool:
        """Archived and old enough not to change any more."""
        return id_key(article_id) in self.settled

    def is_archived(self, article_id: str) -> bool:
        """In the archive when the crawl started (settled or not)."""
        return self.is_settled(article_id) or id_key(article_id) in self.recent_archived

    # where things are -------------------------------------------------------
    @property
    def section_url(self) -> str:
        return f"{LIVE_BASE_URL}/{self.section}/"

    def site_url(self, url: str) -> str:
        """A fetched or linked URL, back on the real host."""
        return to_site_url(url, self.base_url)

    def fetch_url(self, url: str) -> str:
        """Where a site URL is fetched from: itself, or the mirror standing in for the site.
        Requests are made for it directly, as a live crawl makes them for the site: a site URL
        left to SiteMirrorMiddleware would go through the scheduler and the downloader twice."""
        return to_fetch_url(url, self.base_url)

    def count(self, key: str, value: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"newscrawl/{key}", value)

    # start --------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Any]:
        # first thing, whatever the walk of the index does: the retry record's due pages
        for article_id, url, hops in self.retries:
            self.count("retries/requested")
            for request in self.shorter_path(article_id, hops):  # records the depth it is met at (yields none)
                yield request
            yield scrapy.Request(
                self.fetch_url(request_url(url)), callback=self.article_callback, errback=self.page_failed,
                meta={"newscrawl_hops": hops, "newscrawl_backfill": False, "newscrawl_retry": True},
            )
        if self.since:
            logger.info("Backfill of %s from %s to %s through the article sitemaps", self.section, self.since, self.until)
            self.sitemaps_pending = 1
            yield scrapy.Request(
                self.fetch_url(f"{LIVE_BASE_URL}/sitemap_article_index.xml"), callback=self.sitemap_callback,
                errback=self.start_failed, meta={"newscrawl_start": True},
            )
            return
        yield scrapy.Request(
            self.fetch_url(self.section_url), callback=self.index_callback, errback=self.start_failed,
            meta={"newscrawl_start": True},
        )

    def start_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        cause = failure.getErrorMessage() or failure.type.__name__
        if failure.check(IgnoreRequest) and "robots" in cause.lower():
            cause = "robots.txt forbids it"
        where = f" (fetched from {request.url})" if self.base_url else ""
        logger.error("Cannot reach the start page %s%s: %s: %s", self.site_url(request.url), where, failure.type.__name__, cause)
        self.count("start_failed")
        raise CloseSpider(START_FAILED)

    # the index ----------------------------------------------------------------
    def parse_index(self, response: Response) -> Iterator[scrapy.Request]:
        page = parse_listing(Selector(response=response), self.site_url(response.url))
        self.count("index/pages")
        if not page.links:
            # an index with no article is the first sign that the layout changed
            logger.warning("Index page %s yields no article (layout %s): has the site's markup changed?", response.url, page.layout)
            self.count("layout/index_without_articles")
        if len(page.links) > self.max_index_links:
            self.count("bounds/index_links_not_taken", len(page.links) - self.max_index_links)
            logger.warning("Index page %s lists %d links: the first %d are taken (NEWSCRAWL_MAX_INDEX_LINKS)",
                           response.url, len(page.links), self.max_index_links)
        for link in page.links[: self.max_index_links]:
            self.count("index/links")
            if not self.index_met_archived and (article_id := article_id_from_url(link.url)) is not None:
                self.index_met_archived = self.is_archived(article_id)
            yield from self.article_requests(link.url, hops=0)
        if not page.next_url:
            self.crawler.stats.set_value(INDEX_WALK_COMPLETE, 1)
            self.listing_done()
        elif self.index_holds_nothing_new(page):
            self.crawler.stats.set_value(INDEX_WALK_COMPLETE, 1)
            self.listing_done()
            self.count("index/paging_stopped_at_archived")
            logger.info(
                "Index paging stopped at %s: %d pages in a row list only archived articles, and the last crawl "
                "walked the index to the end (NEWSCRAWL_INDEX_STOP_AFTER=0 or -a refresh=all walks it all)",
                response.url, self.known_pages_in_a_row,
            )
        else:
            yield scrapy.Request(
                self.fetch_url(self.site_url(page.next_url)), callback=self.index_callback, errback=self.paging_failed,
                meta={"newscrawl_page": True},
            )

    def index_holds_nothing_new(self, page: ListingPage) -> bool:
        """True once enough index pages in a row list only settled archived articles. The
        index is newest first, so what lies beyond was archived by an earlier complete walk."""
        if not self.index_stop_after or not self.earlier_walk_complete:
            return False
        ids = [article_id_from_url(link.url) for link in page.links]
        # a page on the retry record is requested first thing: known too
        known = bool(ids) and all(i is not None and (self.is_settled(i) or id_key(i) in self.retried) for i in ids)
        self.known_pages_in_a_row = self.known_pages_in_a_row + 1 if known else 0
        return self.known_pages_in_a_row >= self.index_stop_after

    def listing_done(self) -> None:
        """No index page (nor sitemap) is left to request: the queue is all the work known."""
        self.crawler.stats.set_value(LISTING_DONE, 1)

    def paging_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        self.listing_done()
        if failure.check(IgnoreRequest) and "robots" in str(failure.value).lower():
            self.count(PAGING_BLOCKED.removeprefix("newscrawl/"))
            if not self._paging_stopped_logged:
                self._paging_stopped_logged = True
                self.paging_blocked(self.site_url(request.url))
            return
        self.page_failed(failure)

    def paging_blocked(self, url: str) -> None:
        """The live site's robots.txt forbids /services/, where "load more" lives: every crawl
        walks the first index page only. That is worth a warning only when it may have cost
        articles: the archive holds articles, yet none of those the walk listed (more were
        published since the last crawl than the first page holds). Otherwise one INFO line, and
        the summary says it (CrawlSummary)."""
        if self.archived_count and not self.index_met_archived and self.newest_archived:
            assert self.crawler.stats is not None
            self.crawler.stats.set_value(INDEX_GAP_SINCE, self.newest_archived)
            logger.warning(
                "Index paging stopped: robots.txt forbids the \"load more\" URL %s, and no article the index pages "
                "walked list is in the archive yet: articles published since %s (the newest archived) may be missing; "
                "`scrapy crawl %s -a since=%s` fetches them through the sitemaps", url, self.newest_archived, self.name,
                self.newest_archived[:10],
            )
            return
        logger.info(
            "Index paging stopped: robots.txt forbids the \"load more\" URL %s (as on the live site); the crawl takes "
            "the articles of the index pages walked (older ones through the sitemaps: -a since=YYYY-MM-DD)", url,
        )

    # sitemaps (backfill) --------------------------------------------------------
    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        kind, entries = read_sitemap(response.body)
        assert self.since and self.until
        self.count("backfill/sitemaps")
        if kind == "sitemapindex":
            sitemaps = [
                scrapy.Request(self.fetch_url(self.site_url(entry.url)), callback=self.sitemap_callback, errback=self.sitemap_failed)
                for entry in entries if overlaps(window_of(entry.url), self.since, self.until)
            ]
            self.sitemaps_pending += len(sitemaps)
            self.sitemap_read()
            yield from sitemaps
            return
        # a sitemap that names its window lists that window's articles; lastmod is when an
        # article last changed, not when it was published, so it only filters the others
        dated = window_of(response.url)[0] is not None
        for entry in entries:
            day = entry.lastmod[:10] if entry.lastmod else None
            if not dated and day and not (self.since.isoformat() <= day <= self.until.isoformat()):
                continue
            self.count("backfill/sitemap_entries")
            yield from self.article_requests(entry.url, hops=0, backfill=True)
        self.sitemap_read()  # its articles are queued now

    def sitemap_read(self) -> None:
        self.sitemaps_pending -= 1
        if self.sitemaps_pending <= 0:
            self.listing_done()

    def sitemap_failed(self, failure: Failure) -> None:
        self.page_failed(failure)
        self.sitemap_read()

    def in_backfill_window(self, article: Article) -> bool:
        """The article's own section and date decide whether a backfill keeps it."""
        if article.section != self.section:
            self.count("backfill/other_section")
            self.passed_over.add(id_key(article.article_id))
            return False
        day = (article.published_at or "")[:10]
        if day and self.since and self.until and not (self.since.isoformat() <= day <= self.until.isoformat()):
            self.count("backfill/outside_window")
            return False
        return True

    # articles -------------------------------------------------------------------
    def article_request(self, url: str, hops: int, backfill: bool = False) -> Optional[scrapy.Request]:
        url = self.site_url(url)
        if not is_site_host(urlsplit(url).hostname):
            self.count("links/offsite")
            return None
        article_id = article_id_from_url(url)
        if article_id is None:
            self.count("links/not_article")
            return None
        if self.is_settled(article_id):
            self.count("incremental/archived_not_fetched")
            return None
        key = id_key(article_id)
        if self.since and not backfill:
            # its sitemap copy may be on its way already, and the dupefilter drops this request
            self.named_by_read_more[key] = min(hops, self.named_by_read_more.get(key, hops))
        fetch_again = not backfill and key in self.passed_over
        if fetch_again:
            self.passed_over.discard(key)
        return scrapy.Request(
            self.fetch_url(request_url(url)), callback=self.article_callback, errback=self.page_failed,
            meta={"newscrawl_hops": hops, "newscrawl_backfill": backfill}, dont_filter=fetch_again,
        )

    def article_requests(self, url: str, hops: int, backfill: bool = False) -> Iterator[scrapy.Request]:
        """The article's request; for an archived, settled article (not fetched again) the
        requests of the READ MORE links the archive holds for it, so that a crawl still reaches
        their targets (those a killed crawl never fetched, too)."""
        article_id = article_id_from_url(self.site_url(url))
        if article_id is not None and not backfill:
            yield from self.shorter_path(article_id, hops)
        request = self.article_request(url, hops, backfill)
        if request is not None:
            yield request
            return
        if article_id is None or hops >= self.max_hops or not self.is_settled(article_id):
            return
        key = id_key(article_id)
        if self._expanded.get(key, self.max_hops) <= hops:
            return  # its links were followed already, from as near to the index
        self._expanded[key] = hops
        for target in self.archived_links.get(key, ()):
            self.count("incremental/links_from_archive")
            yield from self.article_requests(target, hops + 1)

    def shorter_path(self, article_id: str, hops: int) -> Iterator[scrapy.Request]:
        """An article met again nearer the index than before: its request is a duplicate the
        dupefilter drops, so its READ MORE links are followed again from the nearer depth
        (or, not fetched yet, it will follow them from there when it is)."""
        key = id_key(article_id)
        best = self.fewest_hops.get(key)
        self.fewest_hops[key] = hops if best is None else min(best, hops)
        if best is None or hops >= best or hops >= self.max_hops:
            return
        # met on the index now: nothing can be nearer, so its links are needed no more
        links = self.links_of.pop(key, ()) if hops == 0 else self.links_of.get(key, ())
        for target in links:
            self.count("read_more/followed_again_nearer")
            yield from self.article_requests(target, hops + 1)

    def parse_article(self, response: Response) -> Iterator[Any]:
        site_url = self.site_url(response.url)
        if not isinstance(response, TextResponse):  # not hasattr(response, "text"), which decodes the whole page
            logger.warning("Not an HTML page, skipped: %s", response.url)
            self.count("pages_not_html")
            return
        result = parse_article(response.body, response.url, site_url, encoding=response.encoding)
        if self.renderer is not None:
            # a script builds this article: the same page again, through the browser
            rendering = self.renderer.follow_up(response, result, self.article_callback, self.render_failed)
            if rendering is not None:
                yield rendering
                return
        yield from self.article_found(result, response.meta, site_url)

    def render_failed(self, failure: Failure) -> Iterator[Any]:
        """The browser failed: go on with the static parse (no body: counted, not stored; its links followed)."""
        assert self.renderer is not None
        static = self.renderer.failed(failure)
        if static is not None:
            request = failure.request  # type: ignore[attr-defined]
            yield from self.article_found(static, request.meta, self.site_url(request.url))

    def article_found(self, result: ParseResult, meta: dict[str, Any], site_url: str) -> Iterator[Any]:
        """Counts what the parse found, yields the article and its READ MORE requests."""
        hops: int = meta.get("newscrawl_hops", 0)
        self.count(f"layout/{result.layout}")
        if result.layout == "fallback":
            logger.warning("No parser recognises %s: parsed with the generic fallback; has the layout changed?", site_url)
        for name in result.errors:
            self.count(f"field_error/{name}")
        for name in result.missing:  # failed fields are missing too: one line per page names them all
            self.count(f"field_missing/{name}")
        if result.missing:
            described = (f"{name} ({result.errors[name]})" if name in result.errors else name for name in result.missing)
            logger.warning("Fields missing on %s: %s", site_url, ", ".join(described))
        for kind, blocks in result.unknown_blocks.items():
            self.unknown_block_found(kind, blocks, site_url)
        for name, why in result.dropped.items():  # read, but the page contradicts it
            self.count(f"field_dropped/{name}")
            logger.warning("Field %s dropped on %s: %s", name, site_url, why)
        article = result.article
        assert article is not None
        self.bound_read_more(article, site_url)
        article.article_id = article.article_id or article_id_from_url(site_url) or ""
        damage = text_damage(article.title, article.lead, article.body)
        if damage is not None:
            # a damaged copy of the page is never stored as the page: failed, tried again later
            self.record_failure(site_url, damage, "text looks mis-decoded (mojibake)", article_id=article.article_id, hops=hops)
            return
        # the page's capture time, as its WARC record has it (newscrawl.recording)
        article.fetched_at = meta.get(FETCHED_AT) or utc_now()
        # met nearer the index while this page was on its way: follow its links from there
        key = id_key(article.article_id)
        fewest = self.fewest_hops.get(key)
        hops = hops if fewest is None else min(hops, fewest)
        if fewest != 0:  # met on the index, it can be met no nearer (shorter_path): most articles
            self.links_of[key] = tuple(link["url"] for link in article.read_more)
        if meta.get("newscrawl_backfill") and not self.in_backfill_window(article):
            named = self.named_by_read_more.get(key)
            if named is None:
                return
            # a kept article names it in READ MORE: kept all the same, at that depth
            hops = named
        yield article
        if hops >= self.max_hops:
            return
        for link in article.read_more:
            for request in self.article_requests(link["url"], hops=hops + 1):
                self.count("read_more/followed")
                yield request

    def unknown_block_found(self, kind: str, blocks: int, site_url: str) -> None:
        """A body block of a kind the parser does not know held text (kept in the body): counted,
        and warned about the first time the crawl meets the kind (a layout change shows the day it happens)."""
        if kind not in self.unknown_block_kinds:
            if len(self.unknown_block_kinds) >= MAX_UNKNOWN_BLOCK_KINDS:
                kind = "other"
            else:
                self.unknown_block_kinds.add(kind)
                logger.warning("Body block of unknown kind %r holds text on %s: its text is kept in the body; "
                               "has the layout changed? (counted in newscrawl/body/unknown_block/%s, warned once)",
                               kind, site_url, kind)
        self.count(f"body/unknown_block/{kind}", blocks)

    def bound_read_more(self, article: Article, site_url: str) -> None:
        """At most NEWSCRAWL_MAX_READ_MORE_LINKS READ MORE links, the first, kept and followed:
        a page of thousands of related-article cards names no article's READ MORE."""
        extra = len(article.read_more) - self.max_read_more_links
        if extra > 0:
            self.count("bounds/read_more_not_followed", extra)
            logger.warning("Article %s names %d READ MORE links: the first %d are kept and followed (NEWSCRAWL_MAX_READ_MORE_LINKS)",
                           site_url, len(article.read_more), self.max_read_more_links)
            article.read_more = article.read_more[: self.max_read_more_links]

    def page_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        response = getattr(failure.value, "response", None)
        if failure.check(IgnoreRequest) and response is None and not failure.check(DamagedPage):
            self.count("pages_ignored")
            logger.info("Not fetched: %s (%s)", request.url, failure.getErrorMessage())
            return
        problem, status, error = classify(failure)
        site_url = self.site_url(request.url)
        # an index page or a sitemap has no article id: the next crawl walks them again anyway
        article_id = article_id_from_url(site_url) if "newscrawl_hops" in request.meta else None
        hops: int = request.meta.get("newscrawl_hops", 0)
        if article_id is not None:
            # met nearer the index while this request was on its way (a duplicate the dupefilter
            # dropped): the retry follows its READ MORE links from there
            hops = min(hops, self.fewest_hops.get(id_key(article_id), hops))
        self.record_failure(site_url, problem, error, status, article_id, hops)

    def record_failure(
        self, site_url: str, problem: str, error: str, status: Optional[int] = None, article_id: Optional[str] = None, hops: int = 0,
    ) -> None:
        """A page that failed: counted and logged in one line; an article page also goes on the
        archive's retry record (newscrawl.healing), so a later crawl tries it again."""
        self.count("pages_failed")
        self.count(f"pages_failed/{problem}")
        logger.error("Page failed: %s (%s)", site_url, error)
        assert self.crawler.stats is not None
        listed = self.crawler.stats.get_value(FAILED_PAGES) or []
        if len(listed) < FAILED_PAGES_LISTED:  # the first ones, for the summary; the log has every one
            self.crawler.stats.set_value(FAILED_PAGES, [*listed, [site_url, error]])
        if article_id is not None:
            failure = PageFailure(article_id=article_id, url=site_url, hops=hops, problem=problem, error=error, status=status)
            self.crawler.signals.send_catch_log(signal=page_failed, failure=failure)
