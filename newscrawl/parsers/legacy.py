"""The sputniknews.com "b-article" layout, about 2015 to mid-2021 (confirmed by real pages).

The body is `div.b-article__text[itemprop=articleBody]`: paragraphs and `blockquote.marker-quote1`
in order; "READ MORE: <a>" paragraphs are links, `p.b-disclaimer` closes opinion pieces and
is not text. Times are shown in UTC (the real page's "21:17 18.11.2019" is its pubdate meta
2019-11-18T21:17:27Z), the 2020 pages' "(updated 11:14 GMT 29.04.2020)" says so itself.
"""

from __future__ import annotations

import re
from typing import ClassVar, Optional

from newscrawl.parsers.base import ArticleParser, BodyParts, section_slug
from newscrawl.parsers.page import Css, Element, Page
from newscrawl.urls import section_from_url


class LegacyArticleParser(ArticleParser):
    layout = "legacy"
    SIGNATURE = Css("div.b-article__text, div.b-article__header-title")

    TITLE = Css(".b-article__header-title h1, h1[itemprop=name]")
    LEAD = Css(".b-article__lead")
    BODY = Css(".b-article__text, [itemprop=articleBody]")
    AUTHORS = Css(".b-article__refs-author a[rel=author]")
    RUBRIC = Css("a.b-article__refs-rubric, [itemprop=articleSection]")
    PUBLISHED_SHOWN = Css("time.b-article__refs-date")
    MODIFIED_SHOWN = Css(".b-article__refs-date-upd")
    IMAGE = Css(".b-article__header img")
    CREDIT = Css(".b-article__header-copy")
    TAGS = Css(".b-article__refs-tags a, .b-article__tags a")
    # children of the body that are not article text
    SKIP_CLASSES: ClassVar[re.Pattern[str]] = re.compile(
        r"b-disclaimer|b-inject|b-banner|b-article__inject|b-media|marker-embed|b-article__photo"
    )

    def visit_block(self, node: Element, parts: BodyParts) -> bool:
        classes = node.get("class")
        return bool(classes) and self.SKIP_CLASSES.search(classes) is not None

    def section(self) -> Optional[str]:
        rubric = self.page.first(self.RUBRIC)
        if rubric is not None:
            slug = section_slug(rubric.get("href")) or section_slug(Page.text(rubric))
            if slug:
                return slug
        return super().section() or section_from_url(self.canonical or self.site_url)
