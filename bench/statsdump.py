"""A Scrapy extension that writes the crawl's stats as JSON when the spider closes.

Enabled from the command line, e.g.
    scrapy crawl asia -s 'EXTENSIONS={"bench.statsdump.StatsDump": 1000}' -s BENCH_STATS_OUT=stats.json
(order 1000: loaded after CoreStats, so its spider_closed handler runs after the one that
sets elapsed_time_seconds).

It adds the crawl process's own resource use, read when the spider closes (`bench/...` keys,
in the file only): its own peak RSS, exact, where Scrapy's `memusage/max` is sampled only every
MEMUSAGE_CHECK_INTERVAL_SECONDS (60 s) and so misses the peak of a short crawl; and its own CPU
time beside that of its reaped children (the archive's writer process, joined by then).
"""

from __future__ import annotations

import json
import resource
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
        stats: dict[str, Any] = dict(self.crawler.stats.get_stats())
        stats.update(own_usage())
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(stats, default=str, indent=1, sort_keys=True), encoding="utf-8")


def own_usage() -> dict[str, float]:
    """This process's peak RSS (MB) and CPU seconds, and its reaped children's CPU seconds.
    ru_maxrss of RUSAGE_SELF is this process alone (Linux: KiB); the children's maxrss is
    left out, the writer reports its own peak (newscrawl/writer/peak_rss_mb)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"bench/main_peak_rss_mb": round(own.ru_maxrss / 1024, 1),
            "bench/main_cpu_seconds": round(own.ru_utime + own.ru_stime, 3),
            "bench/children_cpu_seconds": round(children.ru_utime + children.ru_stime, 3)}
