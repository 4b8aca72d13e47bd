"""What a re-crawl asks for, with a real archive: archived articles older than the refresh
window are not fetched again, but the READ MORE links the archive holds for them are
followed (within the depth), so nothing a killed or shallower crawl missed stays missing."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from scrapy.utils.test import get_crawler

from newscrawl.config import ARCHIVE_CRAWL
from newscrawl.db import Archive
from newscrawl.urls import article_id_from_url
from spiders.asia import AsiaSpider
from tests.archive.conftest import expected_articles

BASE = "http://127.0.0.1:8123"


def spider_over(database_url: str, **arguments: Any) -> AsiaSpider:
    # as `scrapy crawl` runs it: reading the archive
    crawler = get_crawler(AsiaSpider, {"NEWSCRAWL_DATABASE_URL": database_url, "NEWSCRAWL_READ_MORE_DEPTH": 2, ARCHIVE_CRAWL: True})
    crawler._apply_settings()
    spider = AsiaSpider.from_crawler(crawler, base_url=BASE, **arguments)
    crawler.spider = spider
    crawler.stats.open_spider()  # type: ignore[union-attr]
    return spider


def chain(manifest: dict[str, Any]) -> list[str]:
    """Three articles A -> B -> C by READ MORE, from the manifest's link graph."""
    by_url = {a["url"]: i for i, a in manifest["articles"].items()}
    targets = {i: [by_url[r["url"]] for r in a["expected"]["read_more"] if r["url"] in by_url] for i, a in manifest["articles"].items()}
    for a, bs in targets.items():
        for b in bs:
            for c in targets.get(b, []):
                if len({a, b, c}) == 3:
                    return [a, b, c]
    raise AssertionError("the mirror has no READ MORE chain of three")


def test_settled_articles_are_not_fetched_but_their_links_are_followed(tmp_path: Path, manifest: dict[str, Any]) -> None:
    a, b, c = chain(manifest)
    database_url = f"sqlite:///{tmp_path / 'archive.sqlite'}"
    articles = expected_articles(manifest)
    archive = Archive(database_url)
    archive.write_batch([articles[a], articles[b]], crawl_id=None)  # C was never stored (the crawl was killed)
    archive.close()
    spider = spider_over(database_url)
    url_of = {i: manifest["articles"][i]["url"] for i in (a, b, c)}
    asked = [(article_id_from_url(r.url), r.meta["newscrawl_hops"]) for r in spider.article_requests(url_of[a], hops=0)]
    assert (c, 2) in asked
    assert not {a, b} & {article_id for article_id, _ in asked}
    assert spider.crawler.stats.get_value("newscrawl/incremental/archived_not_fetched") == 2  # type: ignore[union-attr]
    # from one hop further, C is past the depth
    assert c not in {article_id_from_url(r.url) for r in spider_over(database_url).article_requests(url_of[a], hops=1)}
    # and with refresh=all every article is fetched again
    again = list(spider_over(database_url, refresh="all").article_requests(url_of[a], hops=0))
    assert len(again) == 1 and again[0].meta["newscrawl_hops"] == 0


def test_a_cycle_of_settled_articles_ends(tmp_path: Path, manifest: dict[str, Any]) -> None:
    articles = expected_articles(manifest)
    a, b = list(articles)[:2]
    first = dataclasses.replace(articles[a], read_more=[{"url": articles[b].url, "title": "B"}])
    second = dataclasses.replace(articles[b], read_more=[{"url": articles[a].url, "title": "A"}])
    database_url = f"sqlite:///{tmp_path / 'archive.sqlite'}"
    archive = Archive(database_url)
    archive.write_batch([first, second], crawl_id=None)
    archive.close()
    spider = spider_over(database_url)
    assert list(spider.article_requests(articles[a].url, hops=0)) == []
    assert spider.crawler.stats.get_value("newscrawl/incremental/links_from_archive") == 2  # type: ignore[union-attr]
