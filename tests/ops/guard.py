"""A safety net for the security tests: the last downloader middleware before the network
lets only the mirror's own host:port through; anything else is counted (stat
`test/escaped`) and refused, so a broken refusal fails the test without a packet leaving."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

logger = logging.getLogger(__name__)


class LoopbackOnly:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "LoopbackOnly":
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        base = getattr(self.crawler.spider, "base_url", None) or ""
        if urlsplit(request.url).netloc != urlsplit(base).netloc:
            self.crawler.stats.inc_value("test/escaped")
            logger.error("ESCAPED past the site's middleware: %s", request.url)
            raise IgnoreRequest(f"test guard: {request.url}")
