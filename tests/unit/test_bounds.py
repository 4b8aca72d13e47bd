"""Bounded cost per page (issue 14), each bound on its own: the page's bytes, the body's
characters, the READ MORE links of an article, the links of an index page, the work of a
near-duplicate print. Pages and texts come from the golden files and the mirror's composer."""

from __future__ import annotations

import logging
import random
from datetime import datetime, timezone
from pathlib import Path

import pytest
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest, StopDownload
from scrapy.http import Headers, HtmlResponse, Request, TextResponse
from scrapy.utils.test import get_crawler

from newscrawl.config import ConfigError, NewscrawlConfig
from newscrawl.dedup import PRINT_SHINGLES, TextPrint, jaccard, print_shingles, shingles
from newscrawl.items import Article
from newscrawl.middlewares import PageSizeBound
from newscrawl.parsers import parse_article
from newscrawl.mirror.compose import Composer
from newscrawl.mirror.hostile import paragraphs
from newscrawl.mirror.text import clean
from newscrawl.text import PARAGRAPH_SEPARATOR, cut_at_paragraph
from pipelines.bounds import BodyBoundPipeline
from spiders.asia import AsiaSpider
from tests.unit.test_spider import BASE, response, stat

WHEN = datetime(2024, 3, 1, tzinfo=timezone.utc)


def composed_body(size: int, seed: str = "bounds") -> str:
    """Article text of about `size` characters, from the mirror's composer."""
    return PARAGRAPH_SEPARATOR.join(clean(block.text) for block in paragraphs(Composer(random.Random(seed)), WHEN, size))


def crawler_with(tmp_path: Path, **settings: object):  # type: ignore[no-untyped-def]
    crawler = get_crawler(AsiaSpider, {"NEWSCRAWL_DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite'}", **settings})
    crawler._apply_settings()
    crawler.stats.open_spider()
    return crawler


def spider_with(tmp_path: Path, **settings: object) -> AsiaSpider:
    crawler = crawler_with(tmp_path, **settings)
    spider = AsiaSpider.from_crawler(crawler, base_url=BASE)
    crawler.spider = spider
    return spider


# -- page size --------------------------------------------------------------------------------

def test_a_page_over_the_bound_is_cut_before_a_tag_and_still_parsed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    crawler = crawler_with(tmp_path, NEWSCRAWL_MAX_PAGE_BYTES=3_000)
    bound = PageSizeBound.from_crawler(crawler)
    body = (Path(__file__).resolve().parents[1] / "golden" / "current-plain.html").read_bytes()
    page = HtmlResponse(url=f"{BASE}/a.html", body=body, encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        cut = bound.process_response(Request(page.url), page)
    assert len(body) > 3_000 >= len(cut.body) and body.startswith(cut.body) and body[len(cut.body):].startswith(b"<")
    assert "newscrawl_cut" in cut.flags and crawler.stats.get_value("newscrawl/bounds/page_cut") == 1
    assert len(caplog.records) == 1 and "NEWSCRAWL_MAX_PAGE_BYTES" in caplog.text
    assert parse_article(cut.body, cut.url, encoding=cut.encoding).article.title  # what the first part holds
    # a page within the bound, and a page that is not HTML (a sitemap), go on as they are
    small = HtmlResponse(url=f"{BASE}/b.html", body=body[:2_500], encoding="utf-8")
    xml = TextResponse(url=f"{BASE}/sitemap.xml", body=b"<urlset>" + b" " * 5_000 + b"</urlset>", encoding="utf-8")
    assert bound.process_response(Request(small.url), small) is small
    assert bound.process_response(Request(xml.url), xml) is xml


def test_an_html_download_stops_once_it_brought_the_bound_and_a_sitemap_does_not(tmp_path: Path) -> None:
    crawler = crawler_with(tmp_path, NEWSCRAWL_MAX_PAGE_BYTES=3_000)
    bound = PageSizeBound.from_crawler(crawler)
    page, sitemap = Request(f"{BASE}/a.html"), Request(f"{BASE}/sitemap.xml")
    bound.headers_received(Headers({"Content-Type": "text/html; charset=utf-8"}), 0, page, None)
    bound.headers_received(Headers({"Content-Type": "application/xml"}), 0, sitemap, None)
    bound.bytes_received(b"x" * 2_000, page, None)
    with pytest.raises(StopDownload) as stopped:
        bound.bytes_received(b"x" * 2_000, page, None)
    assert stopped.value.fail is False  # the response goes on with what came
    for _ in range(5):
        bound.bytes_received(b"x" * 2_000, sitemap, None)  # read whole


def test_a_page_over_download_maxsize_is_counted_and_ignored(tmp_path: Path) -> None:
    crawler = crawler_with(tmp_path)
    bound = PageSizeBound.from_crawler(crawler)
    request = Request(f"{BASE}/big.html")
    too_big = DownloadCancelledError(f"Expected to receive 99999999 bytes which is larger than download max size (67108864) in request {request}.")
    with pytest.raises(IgnoreRequest, match="DOWNLOAD_MAXSIZE"):
        bound.process_exception(request, too_big)
    assert crawler.stats.get_value("newscrawl/bounds/page_over_download_maxsize") == 1
    assert bound.process_exception(request, DownloadCancelledError("shutting down")) is None


# -- body ---------------------------------------------------------------------------------------

def test_cut_at_paragraph_keeps_whole_paragraphs() -> None:
    body = composed_body(50_000)
    kept = cut_at_paragraph(body, 20_000)
    assert len(kept) <= 20_000 and body.startswith(kept + PARAGRAPH_SEPARATOR)
    assert len(kept) > 20_000 - max(len(p) for p in body.split(PARAGRAPH_SEPARATOR)) - 2
    assert cut_at_paragraph(body, len(body)) == body
    one_paragraph = " ".join(["word"] * 1000)  # never cut to nothing: at a space
    assert cut_at_paragraph(one_paragraph, 102) == " ".join(["word"] * 20)


def test_an_over_long_body_is_kept_cut_counted_and_warned(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    crawler = crawler_with(tmp_path, NEWSCRAWL_MAX_BODY_CHARS=10_000)
    pipeline = BodyBoundPipeline.from_crawler(crawler)
    body = composed_body(40_000)
    long_one, short_one = Article("1", "https://sputnikglobe.com/a-1.html", body=body), Article("2", "u", body=body[:5_000])
    with caplog.at_level(logging.WARNING):
        assert pipeline.process_item(long_one) is long_one
        assert pipeline.process_item(short_one).body == body[:5_000]
    assert len(long_one.body) <= 10_000 and body.startswith(long_one.body + PARAGRAPH_SEPARATOR)
    assert crawler.stats.get_value("newscrawl/bounds/body_cut") == 1
    assert len(caplog.records) == 1 and "NEWSCRAWL_MAX_BODY_CHARS" in caplog.text and "a-1.html" in caplog.text


# -- links --------------------------------------------------------------------------------------

def test_read_more_links_are_kept_and_followed_up_to_the_bound(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    spider = spider_with(tmp_path, NEWSCRAWL_MAX_READ_MORE_LINKS=1)
    url = f"{BASE}/asia/201806301066021398-us-south-korea-pressure/"
    with caplog.at_level(logging.WARNING):
        item, *follow = list(spider.parse_article(response("seed-legacy-1066021398", url, {"newscrawl_hops": 0})))
    assert len(follow) == 1 and len(item.read_more) == 1  # of 3 on the page
    assert stat(spider, "bounds/read_more_not_followed") == 2
    assert caplog.text.count("NEWSCRAWL_MAX_READ_MORE_LINKS") == 1


def test_an_index_page_gives_at_most_its_bound_of_links(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    spider = spider_with(tmp_path, NEWSCRAWL_MAX_INDEX_LINKS=5)
    with caplog.at_level(logging.WARNING):
        out = list(spider.parse_index(response("index-asia", f"{BASE}/asia/")))
    assert len([r for r in out if r.callback == spider.parse_article]) == 5
    assert len([r for r in out if r.callback == spider.parse_index]) == 1  # paging goes on
    assert stat(spider, "bounds/index_links_not_taken") == 15 and stat(spider, "index/links") == 5
    assert caplog.text.count("NEWSCRAWL_MAX_INDEX_LINKS") == 1


@pytest.mark.parametrize("name,value,message", [
    ("NEWSCRAWL_MAX_PAGE_BYTES", "0", "at least 1"), ("NEWSCRAWL_MAX_BODY_CHARS", "lots", "a whole number"),
    ("NEWSCRAWL_MAX_READ_MORE_LINKS", "-1", "0 or more"), ("NEWSCRAWL_MAX_INDEX_LINKS", "0", "at least 1"),
])
def test_a_bad_bound_names_the_setting(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=f"{name} must be {message}"):
        NewscrawlConfig.from_settings(get_crawler(settings_dict={name: value}).settings)


# -- near-duplicate print ----------------------------------------------------------------------

def test_the_print_of_a_huge_body_reads_a_bounded_sample() -> None:
    huge = composed_body(1_200_000)
    assert len(shingles(huge)) > 2 * PRINT_SHINGLES  # a full print would hash them all
    sample = print_shingles(huge)
    assert len(sample) == PRINT_SHINGLES and sample <= shingles(huge)
    assert TextPrint.of(huge) == TextPrint.of(huge + " and a last few words at the end")  # past PRINT_CHARS
    normal = composed_body(20_000)
    assert print_shingles(normal) == shingles(normal)  # articles of normal length: whole, as before


def test_huge_near_duplicates_still_meet_and_compare_alike() -> None:
    huge = composed_body(600_000)
    paras = huge.split(PARAGRAPH_SEPARATOR)
    edited = PARAGRAPH_SEPARATOR.join(paras[: len(paras) // 2] + ["The figures were later revised."] + paras[len(paras) // 2 :])
    other = composed_body(600_000, seed="another story")
    first, second, third = TextPrint.of(huge), TextPrint.of(edited), TextPrint.of(other)
    assert set(first.bands) & set(second.bands) and not set(first.bands) & set(third.bands)
    assert jaccard(print_shingles(huge), print_shingles(edited)) > 0.95
    assert jaccard(print_shingles(huge), print_shingles(other)) < 0.5
