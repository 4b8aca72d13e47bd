"""Storage: the archive through SQLAlchemy (SQLite by default, or PostgreSQL), in batched
transactions (newscrawl.db) written by a child process (newscrawl.writer), so that writing a
batch does not hold up the crawl's downloads.

Feed and archive agree after any interruption:
- an article goes on to the feeds only once the archive has committed it: each new or
  changed article waits for its batch's transaction (group commit: a batch goes to the writer
  as soon as the writer is free, or full), and an article whose batch was refused is dropped
  (ArticleNotStored), never written to a feed;
- every committed article reaches a feed: a crawl whose feed was not stored whole (killed,
  a full disk) has its articles written to the next crawl's feed (`crawls.feed_delivered_at`).
Unchanged articles only get last_seen_at touched and are dropped at once (ArticleUnchanged).
Failed pages (newscrawl.healing.page_failed, sent by the spider) go on the retry record in
the same batches.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Optional

from itemadapter import ItemAdapter
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

from newscrawl.compact import KeySet, id_key
from newscrawl.config import ARCHIVE_CRAWL, NewscrawlConfig, archive_enabled
from newscrawl.db import Archive, ExportFilter, WriteOutcome, as_article
from newscrawl.drops import ArticleNotStored, ArticleUnchanged
from newscrawl.feeds import FEED_SINCE, FEED_WRITE_FAILED, is_delivering_storage, prune_crawl_feeds, remove_partial_feeds
from newscrawl.healing import PageFailure, page_failed
from newscrawl.items import Article
from newscrawl.summary import ARCHIVE_ARTICLES
from newscrawl.writer import ArchiveWriter, peak_rss_mb

logger = logging.getLogger(__name__)

# batches handed to the writer and not yet stored: beyond this, items wait, so a crawl
# that outpaces its database holds a bounded number of articles in memory
MAX_BATCHES_IN_FLIGHT = 2


@dataclass
class Batch:
    """What goes to the archive in one transaction, and the news of its commit."""

    articles: list[Article] = field(default_factory=list)  # new or changed: they wait for the commit
    touched: list[Article] = field(default_factory=list)  # unchanged: only last_seen_at
    failures: list[PageFailure] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    # the outcomes by article id once committed, or the error that rolled it back
    committed: Optional[asyncio.Future[dict[str, WriteOutcome]]] = None
    done: bool = False

    def __len__(self) -> int:
        return len(self.articles) + len(self.touched) + len(self.failures)

    def outcome(self) -> asyncio.Future[dict[str, WriteOutcome]]:
        if self.committed is None:
            self.committed = asyncio.get_running_loop().create_future()
        return self.committed


class ArchivePipeline:
    def __init__(self, crawler: Crawler, config: NewscrawlConfig) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.config = config
        self.archive: Optional[Archive] = None  # this process's reads and the crawl's row
        self.writer: Optional[ArchiveWriter] = None
        self.batch = Batch()  # being filled
        self.queued: list[Batch] = []  # full, waiting for the writer
        self.in_flight: list[tuple[Batch, Future[list[WriteOutcome]]]] = []
        self.timer: Optional[task.LoopingCall] = None
        self.crawl_id: Optional[int] = None
        self.counts: dict[str, int] = {"new": 0, "changed": 0, "unchanged": 0}
        self.archived_ids = KeySet()  # id_key of every archived article (newscrawl.compact)
        # feed delivery: earlier crawls whose articles this crawl's feed carries, lines handed
        # to the feeds, and whether a feed was stored whole
        self.covered_crawls: list[int] = []
        self.feed_lines = 0
        self.feed_stored = False
        self.feeds_pruned = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ArchivePipeline":
        if not archive_enabled(crawler.settings):
            # said (Scrapy logs a reason) for a crawl only: the debug commands never store
            raise NotConfigured(*(["NEWSCRAWL_STORE_ENABLED is off"] if crawler.settings.getbool(ARCHIVE_CRAWL) else []))
        pipeline = cls(crawler, NewscrawlConfig.from_settings(crawler.settings))
        crawler.signals.connect(pipeline.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(pipeline.feed_slot_closed, signal=signals.feed_slot_closed)
        crawler.signals.connect(pipeline.engine_stopped, signal=signals.engine_stopped)
        crawler.signals.connect(pipeline.page_failed, signal=page_failed)
        return pipeline

    def open_spider(self, spider: Optional[Spider] = None) -> None:
        self.archive = Archive(self.config.database_url, self.config.near_duplicate_threshold, self.config.retry_policy)
        spider = spider or self.crawler.spider
        arguments = getattr(spider, "crawl_arguments", {})
        self.archived_ids = KeySet(id_key(article_id) for article_id in self.archive.archived_ids())
        self.writer = ArchiveWriter(self.config.database_url, self.config.near_duplicate_threshold, self.config.retry_policy)
        if self.config.batch_seconds > 0:
            # a batch that waits for a busy writer is still handed over after batch_seconds
            self.timer = task.LoopingCall(self._flush_if_due)
            self.timer.start(max(self.config.batch_seconds / 4, 0.1), now=False)
        for part in remove_partial_feeds(self.config.feed_dir):
            logger.info("Removed %s, the partial feed of a crawl that was killed: its articles go to this crawl's feed", part)
        self.crawl_id = self.archive.start_crawl(spider.name if spider else "?", arguments)
        self.stats.set_value("newscrawl/crawl_id", self.crawl_id)
        logger.info("Archive: %s (crawl %s)", self.archive.engine.url.render_as_string(hide_password=True), self.crawl_id)

    def spider_opened(self, spider: Spider) -> None:
        """The articles committed by crawls whose feed was never stored whole (killed) go to
        this crawl's feed first (the feeds are open by now: FeedExporter's handler came first)."""
        assert self.archive is not None
        undelivered = self.archive.undelivered_crawls(other_than=None)  # this crawl among them
        # where `scrapy export --changed-since` finds every line this crawl's feed is to hold
        self.stats.set_value(FEED_SINCE, min((started for _crawl_id, started in undelivered), default=None))
        undelivered = [(crawl_id, started) for crawl_id, started in undelivered if crawl_id != self.crawl_id]
        if not undelivered:
            return
        self.covered_crawls = [crawl_id for crawl_id, _started in undelivered]
        since = min(started for _crawl_id, started in undelivered)
        lines = 0
        for line in self.archive.export_lines(ExportFilter(changed_since=since)):
            self.crawler.signals.send_catch_log(signal=signals.item_scraped, item=as_article(line), response=None, spider=spider)
            lines += 1
        self.feed_lines += lines
        self.stats.set_value("newscrawl/feed/carried_over", lines)
        logger.info(
            "Crawl(s) %s ended before their feed was stored: the %d article versions stored since %s go to this crawl's feed",
            ", ".join(map(str, self.covered_crawls)), lines, since,
        )

    # items ----------------------------------------------------------------------
    async def process_item(self, item: Any) -> Any:
        article = ItemAdapter(item).item
        assert self.archive is not None
        known = None
        if id_key(article.article_id) in self.archived_ids:  # an article new to the archive needs no query
            known = self.archive.known_hashes([article.article_id]).get(article.article_id)
        if known == article.content_hash:
            self._open_batch().touched.append(article)
            self._flush_if_due()
            raise ArticleUnchanged(f"article {article.article_id} unchanged since the last crawl")
        batch = self._open_batch()
        batch.articles.append(article)
        committed = batch.outcome()
        self._flush_if_due()
        try:
            await asyncio.shield(committed)
        except Exception as exc:  # noqa: BLE001 - the batch rolled back whole: logged once by _finish
            raise ArticleNotStored(f"article {article.article_id} not stored: {exc or type(exc).__name__}") from None
        self.feed_lines += 1  # committed: on to the feeds
        return item

    def page_failed(self, failure: PageFailure) -> None:
        self._open_batch().failures.append(failure)
        self._flush_if_due()

    # batches ----------------------------------------------------------------------
    def _open_batch(self) -> Batch:
        """The batch being filled; a full one waits in line for the writer."""
        if len(self.batch) >= self.config.batch_size:
            self.queued.append(self.batch)
            self.batch = Batch()
        if not len(self.batch):
            self.batch.started = time.monotonic()
        return self.batch

    def _flush_if_due(self) -> None:
        """Hand batches to the writer: full ones in order, up to MAX_BATCHES_IN_FLIGHT; the one
        being filled when the writer is free (group commit: what came while it wrote the last),
        or when it waited NEWSCRAWL_BATCH_SECONDS."""
        while self.queued and len(self.in_flight) < MAX_BATCHES_IN_FLIGHT:
            self._submit(self.queued.pop(0))
        if not len(self.batch) or self.queued:
            return
        waited = self.config.batch_seconds > 0 and time.monotonic() - self.batch.started >= self.config.batch_seconds
        if not self.in_flight or (waited and len(self.in_flight) < MAX_BATCHES_IN_FLIGHT):
            self.flush()

    def flush(self) -> None:
        """Hand every batch so far to the writer."""
        while self.queued:
            self._submit(self.queued.pop(0))
        if len(self.batch):
            batch, self.batch = self.batch, Batch()
            self._submit(batch)

    def _submit(self, batch: Batch) -> None:
        if self.writer is None:
            return
        future = self.writer.submit(batch.touched + batch.articles, self.crawl_id, batch.failures)
        self.in_flight.append((batch, future))
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # closing: close_spider waits for it
            return

        def written(done: asyncio.Future[list[WriteOutcome]]) -> None:
            done.exception()  # retrieved (asyncio would log it): _finish reads the writer's own future
            self._finish(batch, future)

        asyncio.wrap_future(future, loop=loop).add_done_callback(written)

    def _finish(self, batch: Batch, future: Future[list[WriteOutcome]]) -> None:
        """Count a batch the writer is done with and wake its articles (once), then hand over
        the next one."""
        if batch.done:
            return
        batch.done = True
        self.in_flight = [(b, f) for b, f in self.in_flight if b is not batch]
        try:
            outcomes = future.result()
        except Exception as exc:  # noqa: BLE001 - ArchiveWriteError, or the writer process died
            # the batch's transaction rolled back whole: the next crawl fetches these again
            self.stats.inc_value("newscrawl/archive/write_failed", len(batch.articles) + len(batch.touched))
            logger.error("Archive write failed, %d articles not stored: %s", len(batch.articles) + len(batch.touched), exc or type(exc).__name__)
            if batch.committed is not None and not batch.committed.done():
                batch.committed.set_exception(exc)
            self._stop_crawl()
            return
        self._count(outcomes)
        if batch.committed is not None and not batch.committed.done():
            batch.committed.set_result({outcome.article_id: outcome for outcome in outcomes})
        self._flush_if_due()

    def _count(self, outcomes: list[WriteOutcome]) -> None:
        for outcome in outcomes:
            self.counts[outcome.status] += 1
            self.stats.inc_value(f"newscrawl/stored/{outcome.status}")
            if outcome.near_duplicates:
                self.stats.inc_value("newscrawl/duplicates/near", len(outcome.near_duplicates))
                logger.info("Article %s is a near-duplicate of %s: linked", outcome.article_id, ", ".join(outcome.near_duplicates))
            if outcome.repaired:
                self.stats.inc_value(f"newscrawl/stored/repaired/{outcome.repaired}")
                logger.info("Article %s repaired: the text stored before was a damaged copy (%s), marked so", outcome.article_id, outcome.repaired)

    def _stop_crawl(self) -> None:
        """End the crawl with a reason `scrapy crawl` turns into exit status 1."""
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            deferred_from_coro(engine.close_spider_async(reason="archive_error"))

    def close_spider(self, spider: Optional[Spider] = None) -> None:
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        self.flush()
        for batch, future in list(self.in_flight):  # in order; the event loop is not turning now
            future.exception()  # waits
            self._finish(batch, future)
        if self.writer is not None:
            peak = self.writer.close()
            if peak is not None:
                self.stats.set_value("newscrawl/writer/peak_rss_mb", round(peak, 1))
        # the crawl's memory is the two processes': this one's own peak too (Scrapy's
        # memusage/max is sampled once a minute and misses a short crawl's)
        self.stats.set_value("newscrawl/peak_rss_mb", round(peak_rss_mb(), 1))

    # the end --------------------------------------------------------------------
    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.archive is None or self.crawl_id is None:
            return
        counts = {**self.counts, "failed": int(self.stats.get_value("newscrawl/pages_failed", 0))}
        self.stats.set_value(ARCHIVE_ARTICLES, self.archive.article_count())  # for the summary
        self.archive.finish_crawl(self.crawl_id, reason, counts, self.stats.get_stats())

    def feed_slot_closed(self, slot: Any) -> None:
        if is_delivering_storage(slot.storage) and slot.storage.stored:
            self.feed_stored = True
            if slot.storage.writes_into(self.config.feed_dir):  # a new feed in the folder
                self.prune_feeds()

    def prune_feeds(self) -> None:
        """NEWSCRAWL_FEED_KEEP, once this crawl's feed is stored whole (engine_stopped will mark
        it and the crawls it carried delivered): the spider's oldest feeds go (newscrawl.feeds)."""
        if self.feeds_pruned or not self.config.feed_keep or self.archive is None or self.crawl_id is None:
            return
        self.feeds_pruned = True
        spider = self.crawler.spider.name if self.crawler.spider else "?"
        removed, spared = prune_crawl_feeds(self.archive, self.config.feed_dir, spider, self.config.feed_keep,
                                            [*self.covered_crawls, self.crawl_id])
        if removed:
            self.stats.set_value("newscrawl/feed/removed_old", len(removed))
            logger.info("Removed %d old feed(s) of %s beyond NEWSCRAWL_FEED_KEEP=%d: %s", len(removed), spider,
                        self.config.feed_keep, ", ".join(p.name for p in removed))
        if spared:
            self.stats.set_value("newscrawl/feed/kept_undelivered", len(spared))
            logger.info("Kept %d feed(s) beyond NEWSCRAWL_FEED_KEEP=%d: a crawl whose articles have not all reached a "
                        "feed may have written them (%s)", len(spared), self.config.feed_keep, ", ".join(p.name for p in spared))

    def engine_stopped(self) -> None:
        """Every feed is stored by now: the crawls whose articles it carries are delivered,
        unless no feed was stored whole (the next crawl then carries them)."""
        if self.archive is None or self.crawl_id is None:
            return
        delivered = self.feed_stored or self.feed_lines == 0 or not self.crawler.settings.getdict("FEEDS")
        if delivered:
            self.archive.mark_feeds_delivered([*self.covered_crawls, self.crawl_id])
        else:  # said once already when a feed could not be written (newscrawl.feeds)
            logger.log(logging.INFO if self.stats.get_value(FEED_WRITE_FAILED) else logging.WARNING,
                       "No feed of this crawl was stored whole: the next crawl's feed carries its %d articles", self.feed_lines)
        self.archive.close()
