"""Item-level dedup (rules in newscrawl/dedup.py): one article per id and per canonical URL
in a crawl; the same text under another id, in this crawl or already in the archive, is
kept and marked `duplicate_of` the first. Near-duplicates are linked by the archive."""

from __future__ import annotations

import logging
from typing import Any, Optional

from itemadapter import ItemAdapter
from scrapy import Spider
from scrapy.crawler import Crawler

from newscrawl.compact import KeySet
from newscrawl.config import NewscrawlConfig, archive_enabled
from newscrawl.db import Archive, hash_prefix
from newscrawl.dedup import CrawlSeen
from newscrawl.drops import DuplicateArticle

logger = logging.getLogger(__name__)


class DedupPipeline:
    def __init__(self, crawler: Crawler, config: Optional[NewscrawlConfig]) -> None:
        self.stats = crawler.stats
        self.config = config  # None: no archive to compare with (storage off)
        self.seen = CrawlSeen()
        self.archive: Optional[Archive] = None
        # hash prefixes of the archive's texts (newscrawl.db.hash_prefix), 8 bytes each
        self.archived_texts = KeySet()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "DedupPipeline":
        stored = archive_enabled(crawler.settings)
        return cls(crawler, NewscrawlConfig.from_settings(crawler.settings) if stored else None)

    def open_spider(self, spider: Optional[Spider] = None) -> None:
        if self.config is not None:
            self.archive = Archive(self.config.database_url)
            self.archived_texts = KeySet(self.archive.text_prefixes())

    def close_spider(self, spider: Optional[Spider] = None) -> None:
        if self.archive is not None:
            self.archive.close()

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        article_id, url, digest = adapter["article_id"], adapter["url"], adapter["content_hash"]
        if self.seen.is_repeat(article_id, url):
            self.stats.inc_value("newscrawl/duplicates/same_article")
            raise DuplicateArticle(f"article {article_id} ({url}) already stored in this crawl")
        first = self.seen.same_text_as(digest, article_id)
        where = "this crawl"
        if first is None and self.archive is not None and hash_prefix(digest) in self.archived_texts:
            first, where = self.archive.first_with_text(digest, other_than=article_id), "the archive"
        if first is not None:
            # a re-published copy is its own article (its id and URL), linked to the first
            self.stats.inc_value("newscrawl/duplicates/same_text")
            adapter["duplicate_of"] = first
            logger.info("Article %s has the same text as %s (in %s): stored with duplicate_of", article_id, first, where)
        self.seen.keep(article_id, url, digest, first)
        return item
