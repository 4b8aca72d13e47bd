"""The current layout (October 2021 on): selectors from SPUTNIK-MARKUP.md, no real page saved.

The body is `div.article__body`, a run of `div.article__block[data-type]`: text, quote and
vrez blocks are article text; article blocks are READ MORE cards; media, widget and any
other kind are not text. Sub-heads (`h2/h3.article__h2`) stand between the blocks.
Dates (ArticleParser.date): the shown time's own `data-unixtime` first, then metas and
microdata that say their zone, the unix publication time (`analytics:p_ts`), then zone-less
ones and the visible text in the page's clock: the zone a label names ("GMT"), else the
difference between a unix time and the same moment as shown, else the metas' zone, else the
site's own clock (Moscow: the same system's ria.ru page writes its zone-less metas in it).
"""

from __future__ import annotations

from datetime import timedelta, timezone, tzinfo
from typing import ClassVar

from newscrawl.parsers.base import ArticleParser, BodyParts
from newscrawl.parsers.page import Css, Element, Page

# The site's own clock (Moscow), for visible times on a page that shows no zone at all.
SITE_ZONE = timezone(timedelta(hours=3))


class CurrentArticleParser(ArticleParser):
    layout = "current"
    SIGNATURE = Css("div.article__body, h1.article__title")

    TITLE = Css("h1.article__title")
    LEAD = Css(".article__announce-text")
    BODY = Css(".article__body")
    PUBLISHED_SHOWN = Css(".article__info-date a")
    MODIFIED_SHOWN = Css(".article__info-date-modified")
    DEFAULT_ZONE: ClassVar[tzinfo] = SITE_ZONE
    TAGS = Css(".article__footer .tag__text")
    IMAGE = Css(
        ".article__announce .media__size img, .article__announce .media__size amp-img,"
        " .article__announce img, .article__announce amp-img"
    )
    CREDIT = Css(".article__announce .media__copyright-item, .article__announce .media__copyright")
    CARD_TITLE = Css(".article__article-title, .article__article-desc")
    # data-type of the blocks whose text is the article's; "article" blocks are READ MORE cards
    TEXT_BLOCKS: ClassVar[frozenset[str]] = frozenset({"text", "quote", "vrez"})
    CARD_BLOCK: ClassVar[str] = "article"

    def visit_block(self, node: Element, parts: BodyParts) -> bool:
        kind = node.get("data-type")
        if kind is None:
            return False
        if kind in self.TEXT_BLOCKS:  # .article__text, .article__quote-text, or <p>s: all of it is text
            self.walk(node, parts)
        elif kind == self.CARD_BLOCK:
            self.add_card(node, parts)
        return True  # media, widget and unknown kinds are not article text

    def add_card(self, node: Element, parts: BodyParts) -> None:
        """An inline related-article card: a link, its title in the card's description."""
        anchor = self.page.first(self.ANCHOR, node)
        if anchor is None:
            return
        title = self.text(self.CARD_TITLE, node) or anchor.get("title") or Page.text(anchor)
        link = self.read_more_link(anchor.get("href"), title)
        if link:
            parts.read_more.append(link)
