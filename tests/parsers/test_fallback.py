"""Pages neither layout recognises: the golden pages with their layout's class names changed.

They go to the generic parser (layout "fallback"), which still reads what generic markup
gives (head metas, schema.org microdata, the text), and the spider counts them."""

from __future__ import annotations

import logging
import re
from dataclasses import asdict
from urllib.parse import urlsplit

import pytest

from newscrawl.items import Article
from newscrawl.parsers.scoring import body_f1, field_mismatches
from spiders.asia import AsiaSpider
from tests.parsers.cases import GOLDEN_ARTICLES, GOLDEN_IDS, GoldenPage, article_response, parsed

# what a generic parser must still get right: head metadata, microdata, the text's dateline
GENERIC_FIELDS = (
    "article_id", "url", "title", "dateline", "authors", "section", "tags", "published_at", "modified_at", "language",
)


def unknown_layout(html: str) -> str:
    """The page in a layout nobody has seen: every "article__" / "b-article__" class renamed."""
    return re.sub(r"\b(b-)?article__", lambda m: f"{m.group(1) or ''}story__", html)


@pytest.mark.parametrize("page", GOLDEN_ARTICLES, ids=GOLDEN_IDS)
def test_unknown_layout_is_parsed_by_the_fallback(page: GoldenPage) -> None:
    result, article = parsed(unknown_layout(page.html), page.url)
    assert result.layout == "fallback" and result.errors == {} and result.missing == []
    expected = {name: page.expected[name] for name in GENERIC_FIELDS}
    if not re.search(r"article:modified_time|name=\"lastmod\"|itemprop=\"dateModified\"", page.html):
        expected["modified_at"] = None  # shown only in the layout's own markup (its updated time)
    assert field_mismatches(expected, asdict(article), skip=()) == {}
    assert body_f1(page.expected["body"], article.body) >= 0.9


def test_spider_counts_and_stores_a_fallback_page(spider: AsiaSpider, caplog: pytest.LogCaptureFixture) -> None:
    page = next(p for p in GOLDEN_ARTICLES if p.name == "current-rich-blocks")
    with caplog.at_level(logging.WARNING):
        out = list(spider.parse_article(article_response(unknown_layout(page.html), urlsplit(page.url).path)))
    items = [x for x in out if isinstance(x, Article)]
    assert len(items) == 1 and items[0].layout == "fallback" and items[0].title == page.expected["title"]
    assert spider.crawler.stats.get_value("newscrawl/layout/fallback") == 1
    assert [r.getMessage() for r in caplog.records if "No parser recognises" in r.getMessage()] == [
        f"No parser recognises {page.url}: parsed with the generic fallback; has the layout changed?"
    ]
