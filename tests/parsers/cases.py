"""The pages the parser tests read, with what they hold.

Golden pages come from the mirror (`python -m newscrawl.mirror golden --out tests/golden`):
each page beside the item its corpus says it holds. The real legacy page's body comes from the
benchmark's human ground truth (../shared/real-pages/); the real ria.ru page's fields were read
off the page by hand (newscrawl/mirror/corpus/real.py). Never from the parsers under test.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.http import HtmlResponse, Request

from newscrawl.cleaning import clean_article
from newscrawl.items import Article
from newscrawl.parsers import ParseResult, parse_article
from tests.conftest import SHARED

TESTS = Path(__file__).resolve().parents[1]
GOLDEN = TESTS / "golden"
REAL_PAGES = SHARED / "real-pages"
REAL_PAGE = REAL_PAGES / "sputnik-legacy-article-1077343476.html"
REAL_TRUTH = REAL_PAGES / "sputnik-legacy-article-1077343476.expected-body.json"
REAL_URL = "https://sputniknews.com/columnists/201911181077343476-royal-self-indicting-arrogance/"
MIRROR = "http://127.0.0.1:8123"  # where the spider tests say the page came from


@dataclass(frozen=True)
class GoldenPage:
    name: str
    url: str
    html: str
    expected: dict[str, Any]
    unknown_blocks: dict[str, int] = field(default_factory=dict)  # blocks of kinds the parsers do not know

    @property
    def layout(self) -> str:
        """The layout the mirror rendered it in (golden files are named after it)."""
        return "current" if "current" in self.name else "legacy"

    @property
    def paragraphs(self) -> list[str]:
        return self.expected["body"].split("\n\n")


def golden_pages(kind: str = "article") -> list[GoldenPage]:
    pages = []
    for path in sorted(GOLDEN.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc["kind"] == kind:
            html = path.with_suffix(".html").read_bytes().decode("utf-8")
            pages.append(GoldenPage(path.stem, doc["url"], html, doc["expected"], doc.get("unknown_blocks", {})))
    return pages


GOLDEN_ARTICLES = golden_pages()
GOLDEN_IDS = [page.name for page in GOLDEN_ARTICLES]


def parsed(html: str, url: str) -> tuple[ParseResult, Article]:
    """The parse of a page and its cleaned article, as the crawler makes them."""
    result = parse_article(html, url, url)
    assert result.article is not None
    return result, clean_article(result.article)


def article_response(html: str, path: str) -> HtmlResponse:
    """The page as a mirror at MIRROR serves it, as the spider receives it."""
    url = MIRROR + path
    return HtmlResponse(url=url, body=html.encode("utf-8"), encoding="utf-8", request=Request(url, meta={"newscrawl_hops": 0}))
