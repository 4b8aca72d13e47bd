"""The ceiling: a bare Scrapy spider that walks what `scrapy crawl asia` walks and nothing else.

The /asia/ index and its "load more" fragments, every article listed, and the READ MORE
links of articles (legacy "READ MORE:" paragraphs, current related-article cards) up to
NEWSCRAWL_READ_MORE_DEPTH hops, with plain CSS selectors: no item, no pipeline, no
parser, no middleware of ours. One article id is fetched once (ours does the same with its
request fingerprinter). Concurrency, robots.txt, retries and timeouts come from
newscrawl.settings, so the two crawls are held to the same politeness; AutoThrottle is off
for both.

    python -m bench.bare_spider --base-url http://127.0.0.1:8000 [--stats-out stats.json]

With --items, the same crawl also yields one item a page (ItemsSpider): Scrapy's item path
alone, what any spider that stores its pages pays before doing any work of its own.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any, Iterator, Optional
from urllib.parse import urljoin, urlsplit, urlunsplit

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response

from newscrawl import settings as ours
from newscrawl.items import Article

SITE_HOSTS = frozenset({"sputniknews.com", "www.sputniknews.com", "sputnikglobe.com", "www.sputnikglobe.com"})
# the article id in the current, legacy and 2016 URL forms (AMP and print copies included)
ARTICLE_ID = re.compile(r"-(\d{8,})(?:-print)?\.html$|/\d{8}(\d{10})-[^/]*/?$|/\d{8}/(\d{10})/[^/]*\.html$")


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, base_url: str, max_hops: int = ours.NEWSCRAWL_READ_MORE_DEPTH, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")
        self.max_hops = int(max_hops)
        self.seen_ids: set[str] = set()

    async def start(self) -> Any:
        yield scrapy.Request(f"{self.base_url}/asia/", callback=self.parse_index)

    def article(self, href: str, page_url: str, hops: int) -> Optional[scrapy.Request]:
        """A request for an article link, fetched from the mirror (as SiteMirrorMiddleware
        does) without its query (only tracking parameters: ours drops them too)."""
        parts = urlsplit(urljoin(page_url, href.strip()))
        base = urlsplit(self.base_url)
        if parts.hostname not in SITE_HOSTS and parts.netloc != base.netloc:
            return None
        match = ARTICLE_ID.search(parts.path)
        if match is None:
            return None
        article_id = next(group for group in match.groups() if group)
        if article_id in self.seen_ids:
            return None
        self.seen_ids.add(article_id)
        url = urlunsplit((base.scheme, base.netloc, parts.path, "", ""))
        return scrapy.Request(url, callback=self.parse_article, cb_kwargs={"hops": hops})

    def parse_index(self, response: Response) -> Iterator[scrapy.Request]:
        for href in response.css("div.list__item a.list__title::attr(href)").getall():
            request = self.article(href, response.url, 0)
            if request is not None:
                yield request
        next_url = response.css("div.list__more::attr(data-url)").get() or response.css("div.list-items-loaded::attr(data-next-url)").get()
        if next_url:
            yield scrapy.Request(urljoin(response.url, next_url), callback=self.parse_index)

    def parse_article(self, response: Response, hops: int) -> Iterator[scrapy.Request]:
        if hops >= self.max_hops:
            return
        hrefs = response.css("div.article__block[data-type=article] a.article__article-link::attr(href)").getall()
        hrefs += response.xpath("//div[contains(@class, 'b-article__text')]//p[starts-with(normalize-space(.), 'READ MORE:')]//a/@href").getall()
        for href in hrefs:
            request = self.article(href, response.url, hops + 1)
            if request is not None:
                yield request


class PassThrough:
    """An item pipeline that does nothing: what Scrapy spends calling one."""

    def process_item(self, item: Any) -> Any:
        return item


class ItemsSpider(BareSpider):
    """The bare crawl, plus an Article a page made of slices of the page's text (no parsing),
    about the size of ours' feed lines, through as many pass-through pipelines as ours has and
    into the same kind of JSON Lines feed."""

    name = "bare_items"

    def parse_article(self, response: Response, hops: int) -> Iterator[Any]:
        text = response.text
        yield Article(
            article_id=response.url.rsplit("-", 1)[-1], url=response.url, title=text[:60], lead=text[60:165],
            body=text[165:1050], authors=["stand-in"], section="asia", tags=["a", "b"],
            published_at="2020-01-01T00:00:00+00:00", layout="stand-in", word_count=150, content_hash="0" * 40,
            fetched_url=response.url, fetched_at="2026-01-01T00:00:00+00:00",
        )
        yield from super().parse_article(response, hops)


# ours has three pipelines (newscrawl.settings.ITEM_PIPELINES); Scrapy wants a class path each
class PassThrough1(PassThrough):
    pass


class PassThrough2(PassThrough):
    pass


class PassThrough3(PassThrough):
    pass


PASS_THROUGH_PIPELINES = {f"bench.bare_spider.{cls.__name__}": 100 * n
                          for n, cls in enumerate((PassThrough1, PassThrough2, PassThrough3), start=1)}


def bare_settings(stats_out: Optional[Path] = None) -> dict[str, Any]:
    """Scrapy's defaults plus the politeness settings of newscrawl.settings, AutoThrottle off."""
    settings: dict[str, Any] = {
        "USER_AGENT": ours.USER_AGENT,
        "ROBOTSTXT_OBEY": ours.ROBOTSTXT_OBEY,
        "CONCURRENT_REQUESTS_PER_DOMAIN": ours.CONCURRENT_REQUESTS_PER_DOMAIN,
        "DOWNLOAD_TIMEOUT": ours.DOWNLOAD_TIMEOUT,
        "RETRY_TIMES": ours.RETRY_TIMES,
        "AUTOTHROTTLE_ENABLED": False,
        "LOG_LEVEL": ours.LOG_LEVEL,
        "TELNETCONSOLE_ENABLED": False,
    }
    for name in ("CONCURRENT_REQUESTS", "CONCURRENT_ITEMS", "DOWNLOAD_DELAY", "TWISTED_REACTOR", "REMOTE_CONTROL_ENABLED"):
        if hasattr(ours, name):
            settings[name] = getattr(ours, name)
    if stats_out is not None:
        settings["EXTENSIONS"] = {"bench.statsdump.StatsDump": 1000}
        settings["BENCH_STATS_OUT"] = str(stats_out)
    return settings


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="the bare-Scrapy ceiling crawl")
    parser.add_argument("--base-url", required=True, help="the served mirror to crawl, e.g. http://127.0.0.1:8000")
    parser.add_argument("--stats-out", type=Path, default=None, help="write the crawl's stats here as JSON")
    parser.add_argument("--log-file", type=Path, default=None, help="Scrapy's log here (default stderr)")
    parser.add_argument("--items", type=Path, default=None, metavar="FEED",
                        help="yield an item a page (ItemsSpider) into this JSON Lines feed")
    args = parser.parse_args(argv)
    settings = bare_settings(args.stats_out)
    if args.log_file:
        settings["LOG_FILE"] = str(args.log_file)
    if args.items:
        settings["ITEM_PIPELINES"] = PASS_THROUGH_PIPELINES
        settings["FEEDS"] = {str(args.items): {"format": "jsonlines", "encoding": "utf8", "overwrite": True}}
    process = CrawlerProcess(settings)
    process.crawl(ItemsSpider if args.items else BareSpider, base_url=args.base_url)
    process.start()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
