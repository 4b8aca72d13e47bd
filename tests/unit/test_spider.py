"""The section spider's scheduling, on HtmlResponse objects made from golden pages."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
import scrapy
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.utils.test import get_crawler

from newscrawl.config import ConfigError
from newscrawl.items import Article
from spiders.asia import AsiaSpider

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
BASE = "http://127.0.0.1:8123"


@pytest.fixture
def spider(tmp_path: Path) -> AsiaSpider:
    crawler = get_crawler(AsiaSpider, {"NEWSCRAWL_DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite'}", "NEWSCRAWL_READ_MORE_DEPTH": 2})
    crawler._apply_settings()
    spider = AsiaSpider.from_crawler(crawler, base_url=BASE)
    crawler.spider = spider
    crawler.stats.open_spider()
    return spider


def response(name: str, url: str, meta: dict[str, Any] | None = None) -> HtmlResponse:
    body = (GOLDEN / f"{name}.html").read_bytes()
    request = Request(url, meta=meta or {})
    return HtmlResponse(url=url, body=body, encoding="utf-8", request=request)


def stat(spider: AsiaSpider, key: str) -> Any:
    return spider.crawler.stats.get_value(f"newscrawl/{key}")


def test_index_page_schedules_its_articles_and_the_next_fragment(spider: AsiaSpider) -> None:
    out = list(spider.parse_index(response("index-asia", f"{BASE}/asia/")))
    articles = [r for r in out if r.callback == spider.parse_article]
    pages = [r for r in out if r.callback == spider.parse_index]
    assert len(articles) == 20 and len(pages) == 1
    # requested from the mirror directly (not rescheduled by SiteMirrorMiddleware), named on the site
    assert all(r.url.startswith(f"{BASE}/") for r in out)
    assert all(spider.site_url(r.url).startswith("https://sputnikglobe.com/") for r in out)
    assert spider.site_url(pages[0].url).startswith("https://sputnikglobe.com/services/asia/more.html?id=")
    assert all(r.meta["newscrawl_hops"] == 0 for r in articles)


def test_without_a_mirror_requests_name_the_live_site(tmp_path: Path) -> None:
    crawler = get_crawler(AsiaSpider, {"NEWSCRAWL_DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite'}"})
    crawler._apply_settings()
    live = AsiaSpider.from_crawler(crawler)
    crawler.spider = live
    crawler.stats.open_spider()
    out = list(live.parse_index(response("index-asia", "https://sputnikglobe.com/asia/")))
    assert len(out) == 21
    assert all(r.url.startswith("https://sputnikglobe.com/") for r in out)


def test_index_without_articles_warns_of_a_layout_change(spider: AsiaSpider, caplog: pytest.LogCaptureFixture) -> None:
    page = HtmlResponse(url=f"{BASE}/asia/", body=b"<html><body><div class='news'>nothing</div></body></html>", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert list(spider.parse_index(page)) == []
    assert "yields no article" in caplog.text
    assert stat(spider, "layout/index_without_articles") == 1


def test_article_yields_the_item_then_its_read_more_within_the_depth(spider: AsiaSpider) -> None:
    url = f"{BASE}/asia/201806301066021398-us-south-korea-pressure/"
    out = list(spider.parse_article(response("seed-legacy-1066021398", url, {"newscrawl_hops": 1})))
    item, *follow = out
    assert isinstance(item, Article) and item.article_id == "1066021398" and item.fetched_url == url
    assert [r.meta["newscrawl_hops"] for r in follow] == [2, 2, 2]
    last_hop = list(spider.parse_article(response("seed-legacy-1066021398", url, {"newscrawl_hops": 2})))
    assert len(last_hop) == 1, "no READ MORE request past NEWSCRAWL_READ_MORE_DEPTH"


def test_links_off_the_site_are_never_requested(spider: AsiaSpider) -> None:
    for url in ("https://www.reuters.com/world/x", "http://10.0.0.1/asia/", "http://169.254.169.254/latest/"):
        assert spider.article_request(url, hops=0) is None
    assert stat(spider, "links/offsite") == 3


def test_unknown_page_is_parsed_by_the_fallback_and_counted(spider: AsiaSpider, caplog: pytest.LogCaptureFixture) -> None:
    body = b"<html><head><title>Odd page</title></head><body><main><h1>Odd page</h1>" + b"<p>Some long text about Seoul and Tokyo that goes on for a while here.</p>" * 8 + b"</main></body></html>"
    page = HtmlResponse(url=f"{BASE}/20240101/odd-1234567890.html", body=body, encoding="utf-8", request=Request(f"{BASE}/x", meta={"newscrawl_hops": 0}))
    with caplog.at_level(logging.WARNING):
        items = [x for x in spider.parse_article(page) if isinstance(x, Article)]
    assert items and items[0].layout == "fallback" and items[0].article_id == "1234567890"
    assert stat(spider, "layout/fallback") == 1
    assert "No parser recognises" in caplog.text


def test_a_page_that_is_not_html_gives_no_article_and_is_counted(spider: AsiaSpider, caplog: pytest.LogCaptureFixture) -> None:
    url = f"{BASE}/20240101/report-1234567890.html"
    pdf = Response(url=url, body=b"%PDF-1.7 " + b"x" * 500, headers={"Content-Type": "application/pdf"},
                   request=Request(url, meta={"newscrawl_hops": 0}))
    with caplog.at_level(logging.WARNING):
        assert list(spider.parse_article(pdf)) == []
    assert stat(spider, "pages_not_html") == 1 and "Not an HTML page" in caplog.text
    # the same bytes as a page of text go on to the parsers (the fallback's), not counted as not HTML
    list(spider.parse_article(TextResponse(url=url, body=pdf.body, encoding="utf-8", request=pdf.request)))
    assert stat(spider, "pages_not_html") == 1 and stat(spider, "layout/fallback") == 1


@pytest.mark.parametrize(
    "arguments,message",
    [
        ({"since": "June 2018"}, "YYYY-MM-DD"),
        ({"since": "2018-06-30", "until": "2018-06-01"}, "before"),
        ({"base_url": "ftp://127.0.0.1"}, "http"),
        ({"refresh": "sometimes"}, "refresh"),
    ],
)
def test_bad_arguments_say_what_is_wrong(arguments: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        AsiaSpider(**arguments)


def test_bad_setting_names_the_setting(tmp_path: Path) -> None:
    crawler = get_crawler(AsiaSpider, {"NEWSCRAWL_READ_MORE_DEPTH": "deep", "NEWSCRAWL_DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite'}"})
    with pytest.raises(ConfigError, match="NEWSCRAWL_READ_MORE_DEPTH"):
        AsiaSpider.from_crawler(crawler)


def test_an_article_met_again_nearer_the_index_follows_its_links_from_there(spider: AsiaSpider) -> None:
    url = f"{BASE}/asia/201806301066021398-us-south-korea-pressure/"
    site = "https://sputniknews.com/asia/201806301066021398-us-south-korea-pressure/"
    # first met at the last hop: fetched, its READ MORE links not followed
    assert [r.meta["newscrawl_hops"] for r in spider.article_requests(site, hops=2)] == [2]
    assert len(list(spider.parse_article(response("seed-legacy-1066021398", url, {"newscrawl_hops": 2})))) == 1
    # then named by an article on the index: the dupefilter drops its request, so its links go out now
    again = [r for r in spider.article_requests(site, hops=1) if r.meta["newscrawl_hops"] == 2]
    assert len(again) == 3 and all("1066021398" not in r.url for r in again)
    assert stat(spider, "read_more/followed_again_nearer") == 3


def test_an_article_met_nearer_while_in_flight_follows_its_links_from_the_nearer_depth(spider: AsiaSpider) -> None:
    url = f"{BASE}/asia/201806301066021398-us-south-korea-pressure/"
    site = "https://sputniknews.com/asia/201806301066021398-us-south-korea-pressure/"
    list(spider.article_requests(site, hops=2))
    list(spider.article_requests(site, hops=1))  # before the first request's page came back
    out = list(spider.parse_article(response("seed-legacy-1066021398", url, {"newscrawl_hops": 2})))
    assert [r.meta["newscrawl_hops"] for r in out[1:]] == [2, 2, 2]


def test_article_requests_share_one_callback_that_scrapy_checks_once(spider: AsiaSpider) -> None:
    from scrapy.utils.misc import _generator_callbacks_cache, warn_on_generator_with_return_value

    articles = [r for r in spider.parse_index(response("index-asia", f"{BASE}/asia/")) if r.callback == spider.parse_article]
    assert len(articles) == 20
    # the same object on every request: Scrapy's weakly keyed cache of its source check holds it
    assert all(r.callback is articles[0].callback for r in articles)
    warn_on_generator_with_return_value(spider, articles[0].callback)
    assert articles[-1].callback in _generator_callbacks_cache


def test_only_articles_off_the_index_keep_their_links_and_only_until_met_on_it(spider: AsiaSpider) -> None:
    import numpy as np

    from newscrawl.compact import KeyMap, id_key

    url = f"{BASE}/asia/201806301066021398-us-south-korea-pressure/"
    site = "https://sputniknews.com/asia/201806301066021398-us-south-korea-pressure/"
    key = id_key("1066021398")
    # met on the index first: it can be met no nearer, so its links are not kept
    list(spider.article_requests(site, hops=0))
    list(spider.parse_article(response("seed-legacy-1066021398", url, {"newscrawl_hops": 0})))
    assert key not in spider.links_of
    # as if in another crawl: first met at the last hop, its links kept for a nearer meeting...
    spider.fewest_hops, spider.links_of = KeyMap(np.uint32), {}
    list(spider.article_requests(site, hops=2))
    list(spider.parse_article(response("seed-legacy-1066021398", url, {"newscrawl_hops": 2})))
    assert len(spider.links_of[key]) == 3
    # ...which follows them once more, and then drops them: none can be nearer than the index
    again = [r for r in spider.article_requests(site, hops=0) if r.meta["newscrawl_hops"] == 1]
    assert len(again) == 3 and key not in spider.links_of


def test_a_failed_article_goes_on_the_retry_record_at_the_nearest_depth_it_was_met(spider: AsiaSpider) -> None:
    """Requested at 2 hops, then met on the index (a duplicate request the dupefilter drops)
    while the first failed: the retry follows its READ MORE links from the index's depth."""
    from scrapy.http import Response
    from scrapy.spidermiddlewares.httperror import HttpError
    from twisted.python.failure import Failure

    from newscrawl.healing import PageFailure, page_failed

    url = "https://sputnikglobe.com/20241105/north-korea-and-australia-agree-to-resume-talks-1122773157.html"
    deep = spider.article_request(url, hops=2)
    assert deep is not None
    list(spider.article_requests(url, hops=0))  # met on the index meanwhile
    recorded: list[PageFailure] = []
    spider.crawler.signals.connect(lambda failure: recorded.append(failure), signal=page_failed, weak=False)
    failure = Failure(HttpError(Response(deep.url, status=503, request=deep), "Ignoring non-200 response"))
    failure.request = deep  # type: ignore[attr-defined]
    spider.page_failed(failure)
    assert [(f.article_id, f.hops, f.problem, f.status) for f in recorded] == [("1122773157", 0, "http_503", 503)]
    assert stat(spider, "pages_failed/http_503") == 1
