"""Storage: the archive through SQLAlchemy (SQLite by default, or PostgreSQL), in batched
transactions (newscrawl.db). Unchanged articles only get last_seen_at touched and are dropped
(ArticleUnchanged), so the crawl's feed holds only new or changed articles."""

from __future__ import annotations

import logging
from typing import Any, Optional

from itemadapter import ItemAdapter
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro
from sqlalchemy.exc import SQLAlchemyError

from newscrawl.config import NewscrawlConfig
from newscrawl.db import Archive
from newscrawl.drops import ArticleUnchanged
from newscrawl.items import Article

logger = logging.getLogger(__name__)


class ArchivePipeline:
    def __init__(self, crawler: Crawler, config: NewscrawlConfig) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.config = config
        self.archive: Optional[Archive] = None
        self.crawl_id: Optional[int] = None
        self.pending: list[Article] = []
        self.touched: list[Article] = []
        self.counts: dict[str, int] = {"new": 0, "changed": 0, "unchanged": 0}
        self.archived_ids: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ArchivePipeline":
        if not crawler.settings.getbool("NEWSCRAWL_STORE_ENABLED", True):
            raise NotConfigured("NEWSCRAWL_STORE_ENABLED is off")
        pipeline = cls(crawler, NewscrawlConfig.from_settings(crawler.settings))
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self, spider: Optional[Spider] = None) -> None:
        self.archive = Archive(self.config.database_url, self.config.near_duplicate_threshold)
        spider = spider or self.crawler.spider
        arguments = getattr(spider, "crawl_arguments", {})
        self.archived_ids = self.archive.archived_ids()
        self.crawl_id = self.archive.start_crawl(spider.name if spider else "?", arguments)
        self.stats.set_value("newscrawl/crawl_id", self.crawl_id)
        logger.info("Archive: %s (crawl %s)", self.archive.engine.url.render_as_string(hide_password=True), self.crawl_id)

    def process_item(self, item: Any) -> Any:
        article = ItemAdapter(item).item
        assert self.archive is not None
        known = None
        if article.article_id in self.archived_ids:  # an article new to the archive needs no query
            known = self.archive.known_hashes([article.article_id]).get(article.article_id)
        if known == article.content_hash:
            self.touched.append(article)
            self._flush_if_full()
            raise ArticleUnchanged(f"article {article.article_id} unchanged since the last crawl")
        self.pending.append(article)
        self._flush_if_full()
        return item

    def _flush_if_full(self) -> None:
        if len(self.pending) + len(self.touched) >= self.config.batch_size:
            self.flush()

    def flush(self) -> None:
        if not (self.pending or self.touched) or self.archive is None:
            return
        batch = self.touched + self.pending
        self.pending, self.touched = [], []
        try:
            outcomes = self.archive.write_batch(batch, self.crawl_id)
        except SQLAlchemyError as exc:
            # the batch's transaction rolled back whole: the next crawl fetches these again
            self.stats.inc_value("newscrawl/archive/write_failed", len(batch))
            cause = str(exc).splitlines()[0] if str(exc) else ""
            logger.error("Archive write failed, %d articles not stored: %s: %s", len(batch), type(exc).__name__, cause)
            self._stop_crawl()
            return
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
        self.flush()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.archive is None or self.crawl_id is None:
            return
        counts = {**self.counts, "failed": int(self.stats.get_value("newscrawl/pages_failed", 0))}
        self.archive.finish_crawl(self.crawl_id, reason, counts, self.stats.get_stats())
        self.archive.close()
