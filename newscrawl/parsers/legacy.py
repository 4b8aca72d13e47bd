"""The sputniknews.com "b-article" layout, about 2015 to mid-2021 (confirmed by real pages).

The body is `div.b-article__text[itemprop=articleBody]`: paragraphs, sub-heads and
`blockquote.marker-quote1` in order; `p.b-disclaimer` closes opinion pieces and is not text.
Related articles are READ MORE links, none of their text in the body: "READ MORE: <a>"
paragraphs, and the inline cards `div.b-inject.m-inject-min` (a real 2020 page: a picture
link, a photo credit, then `div.b-inject__content a` with the title). Other `b-inject` kinds
(video embeds, audio) are media. Times are shown in UTC (the real page's "21:17 18.11.2019" is its pubdate meta
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
    # An inline related-article card and its links (the title's, else the picture's). Looked for
    # inside a block already met, by its class tokens: no page-wide selector (Css) of a class
    # outside the "article__" ones the page's class table is built for (page.py).
    INLINE_CARD_CLASSES: ClassVar[frozenset[str]] = frozenset({"b-inject", "m-inject-min"})
    CARD_LINK_HOLDERS: ClassVar[tuple[str, ...]] = ("b-inject__content", "b-inject__media")

    def visit_block(self, node: Element, parts: BodyParts) -> bool:
        classes = node.get("class")
        if not classes or self.SKIP_CLASSES.search(classes) is None:
            return False
        if self.INLINE_CARD_CLASSES.issubset(classes.split()):
            self.add_inline_card(node, parts)
        else:  # furniture; a card may still sit inside a wrapper of it
            for inner in node.iter("div"):
                inner_classes = inner.get("class")
                if inner is not node and inner_classes and self.INLINE_CARD_CLASSES.issubset(inner_classes.split()):
                    self.add_inline_card(inner, parts)
        return True

    def add_inline_card(self, card: Element, parts: BodyParts) -> None:
        """The card's link (its title's, else its picture's) and its title; none of its text in the body."""
        for holder_class in self.CARD_LINK_HOLDERS:
            for holder in card.iter():
                classes = holder.get("class")
                if not classes or holder_class not in classes.split():
                    continue
                anchor = next((a for a in holder.iter("a") if a.get("href")), None)
                if anchor is not None:
                    link = self.read_more_link(anchor.get("href"), Page.text(anchor) or anchor.get("title"))
                    if link:
                        parts.read_more.append(link)
                    return

    def section(self) -> Optional[str]:
        rubric = self.page.first(self.RUBRIC)
        if rubric is not None:
            slug = section_slug(rubric.get("href")) or section_slug(Page.text(rubric))
            if slug:
                return slug
        return super().section() or section_from_url(self.canonical or self.site_url)
