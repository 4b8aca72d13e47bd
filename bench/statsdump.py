"""A Scrapy extension that writes the crawl's stats as JSON when the spider closes.

Enabled from the command line, e.g.
    scrapy crawl asia -s 'EXTENSIONS={"bench.statsdump.StatsDump": 1000}' -s BENCH_STATS_OUT=stats.json
(order 1000: loaded after CoreStats, so its spider_closed handler runs after the one that
sets elapsed_time_seconds).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured


class StatsDump:
    def __init__(self, crawler: Crawler, path: Path) -> None:
        self.crawler = crawler
        self.path = path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "StatsDump":
        path = crawler.settings.get("BENCH_STATS_OUT")
        if not path:
            raise NotConfigured("BENCH_STATS_OUT is not set")
        extension = cls(crawler, Path(path))
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider: Spider, reason: str) -> None:
        assert self.crawler.stats is not None
        stats: dict[str, Any] = self.crawler.stats.get_stats()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(stats, default=str, indent=1, sort_keys=True), encoding="utf-8")
