"""Storage: the archive through SQLAlchemy (SQLite by default, or PostgreSQL), in batched
transactions (newscrawl.db) written by a child process (newscrawl.writer), so that writing a
batch does not hold up the crawl. Unchanged articles only get last_seen_at touched and are
dropped (ArticleUnchanged), so the crawl's feed holds only new or changed articles."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from concurrent.futures import Future
from typing import Any, Optional

from itemadapter import ItemAdapter
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

from newscrawl.compact import KeySet, id_key
from newscrawl.config import ARCHIVE_CRAWL, NewscrawlConfig, archive_enabled
from newscrawl.db import Archive, WriteOutcome
from newscrawl.drops import ArticleUnchanged
from newscrawl.items import Article
from newscrawl.writer import ArchiveWriter

logger = logging.getLogger(__name__)

# batches handed to the writer and not yet stored: beyond this, items wait, so a crawl
# that outpaces its database holds a bounded number of articles in memory
MAX_BATCHES_IN_FLIGHT = 2


class ArchivePipeline:
    def __init__(self, crawler: Crawler, config: NewscrawlConfig) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.config = config
        self.archive: Optional[Archive] = None  # this process's reads and the crawl's row
        self.writer: Optional[ArchiveWriter] = None
        self.in_flight: deque[tuple[Future[list[WriteOutcome]], int]] = deque()
        self.batch_started: Optional[float] = None  # when the oldest article of the batch came
        self.timer: Optional[task.LoopingCall] = None
        self.crawl_id: Optional[int] = None
        self.pending: list[Article] = []
        self.touched: list[Article] = []
        self.counts: dict[str, int] = {"new": 0, "changed": 0, "unchanged": 0}
        self.archived_ids = KeySet()  # id_key of every archived article (newscrawl.compact)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ArchivePipeline":
        if not archive_enabled(crawler.settings):
            # said (Scrapy logs a reason) for a crawl only: the debug commands never store
            raise NotConfigured(*(["NEWSCRAWL_STORE_ENABLED is off"] if crawler.settings.getbool(ARCHIVE_CRAWL) else []))
        pipeline = cls(crawler, NewscrawlConfig.from_settings(crawler.settings))
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self, spider: Optional[Spider] = None) -> None:
        self.archive = Archive(self.config.database_url, self.config.near_duplicate_threshold)
        spider = spider or self.crawler.spider
        arguments = getattr(spider, "crawl_arguments", {})
        self.archived_ids = KeySet(id_key(article_id) for article_id in self.archive.archived_ids())
        self.writer = ArchiveWriter(self.config.database_url, self.config.near_duplicate_threshold)
        if self.config.batch_seconds > 0:
            # a slow crawl (a live site, politely) still commits its articles every few seconds
            self.timer = task.LoopingCall(self._flush_if_due)
            self.timer.start(max(self.config.batch_seconds / 4, 0.1), now=False)
        self.crawl_id = self.archive.start_crawl(spider.name if spider else "?", arguments)
        self.stats.set_value("newscrawl/crawl_id", self.crawl_id)
        logger.info("Archive: %s (crawl %s)", self.archive.engine.url.render_as_string(hide_password=True), self.crawl_id)

    async def process_item(self, item: Any) -> Any:
        article = ItemAdapter(item).item
        assert self.archive is not None
        known = None
        if id_key(article.article_id) in self.archived_ids:  # an article new to the archive needs no query
            known = self.archive.known_hashes([article.article_id]).get(article.article_id)
        if self.batch_started is None:
            self.batch_started = time.monotonic()
        if known == article.content_hash:
            self.touched.append(article)
            await self._flush_if_full()
            raise ArticleUnchanged(f"article {article.article_id} unchanged since the last crawl")
        self.pending.append(article)
        await self._flush_if_full()
        return item

    def _flush_if_due(self) -> None:
        """Full, or older than NEWSCRAWL_BATCH_SECONDS: hand the batch to the writer."""
        self._collect()
        full = len(self.pending) + len(self.touched) >= self.config.batch_size
        due = (self.batch_started is not None and self.config.batch_seconds > 0
               and time.monotonic() - self.batch_started >= self.config.batch_seconds)
        if full or due:
            self.flush()

    async def _flush_if_full(self) -> None:
        self._flush_if_due()
        while len(self.in_flight) > MAX_BATCHES_IN_FLIGHT:
            await asyncio.wrap_future(self.in_flight[0][0])
            self._collect()

    def flush(self) -> None:
        """Hand the batch so far to the writer."""
        if not (self.pending or self.touched) or self.writer is None:
            return
        batch = self.touched + self.pending
        self.pending, self.touched, self.batch_started = [], [], None
        self.in_flight.append((self.writer.submit(batch, self.crawl_id), len(batch)))

    def _collect(self, wait: bool = False) -> None:
        """Count the batches the writer has finished, oldest first (all of them, waiting, with wait)."""
        while self.in_flight and (wait or self.in_flight[0][0].done()):
            future, size = self.in_flight.popleft()
            try:
                outcomes = future.result()
            except Exception as exc:  # noqa: BLE001 - ArchiveWriteError, or the writer process died
                # the batch's transaction rolled back whole: the next crawl fetches these again
                self.stats.inc_value("newscrawl/archive/write_failed", size)
                logger.error("Archive write failed, %d articles not stored: %s", size, exc or type(exc).__name__)
                self._stop_crawl()
                continue
            self._count(outcomes)

    def _count(self, outcomes: list[WriteOutcome]) -> None:
        for outcome in outcomes:
            self.counts[outcome.status] += 1
            self.stats.inc_value(f"newscrawl/stored/{outcome.status}")
            if outcome.near_duplicates:
                self.stats.inc_value("newscrawl/duplicates/near", len(outcome.near_duplicates))
                logger.info("Article %s is a near-duplicate of %s: linked", outcome.article_id, ", ".join(outcome.near_duplicates))

    def _stop_crawl(self) -> None:
        """End the crawl with a reason `scrapy crawl` turns into exit status 1."""
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            deferred_from_coro(engine.close_spider_async(reason="archive_error"))

    def close_spider(self, spider: Optional[Spider] = None) -> None:
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        self.flush()
        self._collect(wait=True)
        if self.writer is not None:
            peak = self.writer.close()
            if peak is not None:
                self.stats.set_value("newscrawl/writer/peak_rss_mb", round(peak, 1))

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.archive is None or self.crawl_id is None:
            return
        counts = {**self.counts, "failed": int(self.stats.get_value("newscrawl/pages_failed", 0))}
        self.archive.finish_crawl(self.crawl_id, reason, counts, self.stats.get_stats())
        self.archive.close()
