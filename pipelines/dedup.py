"""Dedup within a crawl: one article per id and per canonical URL; the same text under
another id is kept and marked `duplicate_of` the first."""

from __future__ import annotations

import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from newscrawl.drops import DuplicateArticle
from newscrawl.urls import canonical_url

logger = logging.getLogger(__name__)


class DedupPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.seen_ids: set[str] = set()
        self.seen_urls: set[str] = set()
        self.seen_hashes: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "DedupPipeline":
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        article_id = adapter["article_id"]
        url = canonical_url(adapter["url"])
        if article_id in self.seen_ids or url in self.seen_urls:
            self.stats.inc_value("newscrawl/duplicates/same_article")
            raise DuplicateArticle(f"article {article_id} ({url}) already stored in this crawl")
        first = self.seen_hashes.get(adapter["content_hash"])
        if first is not None:
            # a re-published copy is its own article (its id and URL), linked to the first
            self.stats.inc_value("newscrawl/duplicates/same_text")
            adapter["duplicate_of"] = first
            logger.info("Article %s has the same text as %s: stored with duplicate_of", article_id, first)
        self.seen_ids.add(article_id)
        self.seen_urls.add(url)
        self.seen_hashes.setdefault(adapter["content_hash"], article_id)
        return item
