"""Cleaning: normalise every text field, keep site furniture out of the body."""

from __future__ import annotations

import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from newscrawl.cleaning import CleaningReport, clean_article
from newscrawl.drops import EmptyBody, MissingTitle
from newscrawl.items import Article

logger = logging.getLogger(__name__)


class CleaningPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "CleaningPipeline":
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        article = ItemAdapter(item).item
        if not isinstance(article, Article):
            return item
        report = CleaningReport()
        clean_article(article, report)
        for reason, count in report.removed.items():
            self.stats.inc_value(f"newscrawl/cleaning/removed/{reason}", count)
        if not article.title:
            self.stats.inc_value("newscrawl/not_stored/no_title")
            raise MissingTitle(f"no title on {article.fetched_url}")
        if not article.body:
            self.stats.inc_value("newscrawl/not_stored/no_body")
            raise EmptyBody(f"no body text on {article.fetched_url}")
        return item
