"""A field that fails keeps its default, is logged once with the URL and counted
(`newscrawl/field_missing/<field>`, and `newscrawl/field_error/<field>` when it raised);
the article is still yielded for the pipelines to store. A body block of a kind the parser
does not know is kept, counted (`newscrawl/body/unknown_block/<kind>`) and warned about once
per kind and crawl."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import pytest

from newscrawl.items import Article
from newscrawl.mirror.render_current import unknown_kind_block
from newscrawl.parsers.current import CurrentArticleParser
from spiders.asia import AsiaSpider
from spiders.section import MAX_UNKNOWN_BLOCK_KINDS
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


FORMS = next(p for p in GOLDEN_ARTICLES if p.name == "current-block-forms")


def unknown_block_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "Body block of unknown kind" in r.getMessage()]


def test_unknown_block_kinds_are_kept_counted_and_warned_about_once_per_kind(
    spider: AsiaSpider, caplog: pytest.LogCaptureFixture
) -> None:
    assert FORMS.unknown_blocks == {"infobox": 2, "timeline": 1}  # the corpus's, in the golden file
    path = urlsplit(FORMS.url).path
    with caplog.at_level(logging.WARNING):
        first = [x for x in spider.parse_article(article_response(FORMS.html, path)) if isinstance(x, Article)]
        again = [x for x in spider.parse_article(article_response(FORMS.html, path)) if isinstance(x, Article)]
    assert stats(spider, "newscrawl/body/unknown_block/") == {"infobox": 4, "timeline": 2}
    warnings = unknown_block_warnings(caplog)
    assert len(warnings) == 2 and all(FORMS.url in line and "kept" in line for line in warnings)
    assert {"'infobox'", "'timeline'"} == {line.split()[5] for line in warnings}
    for article in first + again:  # the text of those blocks is in the body, where the page shows it
        assert article.body == FORMS.expected["body"]


def test_unknown_block_kinds_named_in_stats_are_bounded(spider: AsiaSpider, caplog: pytest.LogCaptureFixture) -> None:
    """A page of a thousand made-up kinds cannot make a thousand stats keys."""
    blocks = "".join(unknown_kind_block(f"made-up-{i}", f"Text of block {i}.") for i in range(MAX_UNKNOWN_BLOCK_KINDS + 7))
    html = PAGE.html.replace('<div class="article__body">', '<div class="article__body">' + blocks, 1)
    with caplog.at_level(logging.WARNING):
        list(spider.parse_article(article_response(html, urlsplit(PAGE.url).path)))
    counted = stats(spider, "newscrawl/body/unknown_block/")
    assert len(counted) == MAX_UNKNOWN_BLOCK_KINDS + 1 and counted["other"] == 7
    assert len(unknown_block_warnings(caplog)) == MAX_UNKNOWN_BLOCK_KINDS
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
