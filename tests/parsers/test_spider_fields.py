"""A field that fails keeps its default, is logged once with the URL and counted
(`newscrawl/field_missing/<field>`, and `newscrawl/field_error/<field>` when it raised);
the article is still yielded for the pipelines to store."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import pytest

from newscrawl.items import Article
from newscrawl.parsers.current import CurrentArticleParser
from spiders.asia import AsiaSpider
from tests.parsers.cases import GOLDEN_ARTICLES, article_response
from tests.parsers.variants import DATE_METAS, removing

PAGE = next(p for p in GOLDEN_ARTICLES if p.name == "current-plain")
# every date the page shows, and its section
NO_DATE_NOR_SECTION = removing(f"{DATE_METAS}, .article__meta, .article__info, meta[property='article:section']")


def parse(spider: AsiaSpider, html: str, caplog: pytest.LogCaptureFixture) -> tuple[list[Article], list[str]]:
    with caplog.at_level(logging.INFO):
        out = list(spider.parse_article(article_response(html, urlsplit(PAGE.url).path)))
    lines = [r.getMessage() for r in caplog.records if PAGE.url in r.getMessage() and "Field" in r.getMessage()]
    return [x for x in out if isinstance(x, Article)], lines


def stats(spider: AsiaSpider, prefix: str) -> dict[str, int]:
    values = spider.crawler.stats.get_stats()
    return {k[len(prefix):]: v for k, v in values.items() if k.startswith(prefix)}


def test_missing_fields_are_counted_and_logged_once_and_the_article_kept(
    spider: AsiaSpider, caplog: pytest.LogCaptureFixture
) -> None:
    items, lines = parse(spider, NO_DATE_NOR_SECTION(PAGE.html), caplog)
    assert stats(spider, "newscrawl/field_missing/") == {"section": 1, "published_at": 1}
    assert stats(spider, "newscrawl/field_error/") == {}
    assert lines == [f"Fields missing on {PAGE.url}: section, published_at"]
    (article,) = items
    assert article.published_at is None and article.section is None and article.modified_at is None
    assert article.title == PAGE.expected["title"] and article.body == PAGE.expected["body"]


def test_a_field_that_raises_keeps_its_default_and_is_logged_once(
    spider: AsiaSpider, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: CurrentArticleParser) -> list[str]:
        raise ValueError("no tags here")

    monkeypatch.setattr(CurrentArticleParser, "tags", broken)
    items, lines = parse(spider, PAGE.html, caplog)
    assert stats(spider, "newscrawl/field_error/") == {"tags": 1}
    assert stats(spider, "newscrawl/field_missing/") == {"tags": 1}
    assert lines == [f"Fields missing on {PAGE.url}: tags (ValueError: no tags here)"]
    (article,) = items
    assert article.tags == [] and article.title == PAGE.expected["title"] and article.lead == PAGE.expected["lead"]


def test_a_complete_page_logs_nothing(spider: AsiaSpider, caplog: pytest.LogCaptureFixture) -> None:
    items, lines = parse(spider, PAGE.html, caplog)
    assert len(items) == 1 and lines == []
    assert stats(spider, "newscrawl/field_missing/") == {} and stats(spider, "newscrawl/layout/") == {"current": 1}


def test_a_modified_time_before_the_publication_is_dropped_counted_and_logged(
    spider: AsiaSpider, caplog: pytest.LogCaptureFixture
) -> None:
    page = next(p for p in GOLDEN_ARTICLES if p.name == "current-dates-modified-before-published")
    assert 'property="article:modified_time"' in page.html and page.expected["modified_at"] is None
    with caplog.at_level(logging.INFO):
        out = list(spider.parse_article(article_response(page.html, urlsplit(page.url).path)))
    (article,) = [x for x in out if isinstance(x, Article)]
    assert article.modified_at is None and article.published_at == page.expected["published_at"]
    assert stats(spider, "newscrawl/field_dropped/") == {"modified_at": 1}
    assert stats(spider, "newscrawl/field_missing/") == {}
    (line,) = [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()]
    assert line.startswith(f"Field modified_at dropped on {page.url}: modified ") and "before published" in line
