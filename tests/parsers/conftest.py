"""A section spider as Scrapy makes it, without an archive: its parse callbacks run on
HtmlResponse objects in milliseconds."""

from __future__ import annotations

import pytest
from scrapy.utils.test import get_crawler

from spiders.asia import AsiaSpider
from tests.parsers.cases import MIRROR


@pytest.fixture
def spider() -> AsiaSpider:
    crawler = get_crawler(AsiaSpider, {"NEWSCRAWL_STORE_ENABLED": False})
    crawler._apply_settings()
    spider = AsiaSpider.from_crawler(crawler, base_url=MIRROR)
    crawler.spider = spider
    assert crawler.stats is not None
    crawler.stats.open_spider()
    return spider
