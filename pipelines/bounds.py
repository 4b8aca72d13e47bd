"""Bounds: an article's body is kept to NEWSCRAWL_MAX_BODY_CHARS, cut at a paragraph boundary.

It runs first, so that cleaning, dedup, the feed and the archive's writer (its near-duplicate
print, its transaction, the pipe to its process) never see more. The article is kept:
its first paragraphs are the archive's copy, counted (`newscrawl/bounds/body_cut`) and named
in one warning, so that an archivist can fetch the page again with a higher bound.
"""

from __future__ import annotations

import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from newscrawl.config import NewscrawlConfig
from newscrawl.items import Article
from newscrawl.text import cut_at_paragraph

logger = logging.getLogger(__name__)


class BodyBoundPipeline:
    def __init__(self, crawler: Crawler, max_chars: int) -> None:
        self.stats = crawler.stats
        self.max_chars = max_chars

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "BodyBoundPipeline":
        return cls(crawler, NewscrawlConfig.from_settings(crawler.settings).max_body_chars)

    def process_item(self, item: Any) -> Any:
        article = ItemAdapter(item).item
        if not isinstance(article, Article) or len(article.body) <= self.max_chars:
            return item
        size = len(article.body)
        article.body = cut_at_paragraph(article.body, self.max_chars)
        self.stats.inc_value("newscrawl/bounds/body_cut")
        logger.warning(
            "Body of %s is %d characters: its first %d are kept, cut at a paragraph's end (NEWSCRAWL_MAX_BODY_CHARS=%d)",
            article.url or article.fetched_url, size, len(article.body), self.max_chars,
        )
        return item
