"""Parsers: one class per layout, chosen by what the page shows."""

from __future__ import annotations

from typing import Optional

from newscrawl.parsers.base import ArticleParser, ParseResult
from newscrawl.parsers.current import CurrentArticleParser
from newscrawl.parsers.fallback import FallbackArticleParser
from newscrawl.parsers.legacy import LegacyArticleParser
from newscrawl.parsers.listing import ListingPage, parse_listing
from newscrawl.parsers.page import Page

ARTICLE_PARSERS: tuple[type[ArticleParser], ...] = (CurrentArticleParser, LegacyArticleParser)


def choose_parser(page: Page) -> type[ArticleParser]:
    for parser_class in ARTICLE_PARSERS:
        if parser_class.matches(page):
            return parser_class
    return FallbackArticleParser


def parse_article(
    html: str | bytes, fetched_url: str, site_url: Optional[str] = None, encoding: Optional[str] = None,
) -> ParseResult:
    """Every field of the article on this page, from the parser of its layout.

    `html`: the page's text, or its body as fetched with its `encoding` (Scrapy's
    `response.body` and `response.encoding`: the same fields as from `response.text`,
    without decoding a UTF-8 page to parse it)."""
    page = Page(html, encoding)
    return choose_parser(page)(page, fetched_url, site_url).extract()


__all__ = ["ParseResult", "ListingPage", "Page", "parse_article", "parse_listing", "choose_parser"]
