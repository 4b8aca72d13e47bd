"""The current layout (October 2021 on): selectors from SPUTNIK-MARKUP.md and the real ria.ru
page of the same publishing system (real-pages/).

The body is `div.article__body`, a run of `div.article__block[data-type]`, read in page order:
- text, quote, vrez and list blocks, and blocks whose kind is a heading (`data-type="h2"`),
  are article text; so are sub-heads (`h2`-`h4`, `.article__h2`) in any wrapper or between
  the blocks, and a live blog's entries (their time and heading, then their text);
- article blocks are inline related-article cards: READ MORE links, none of their text;
- banner, media, photolenta, tags and widget blocks, and the machine summary
  (`div.article__summary`), are furniture: not text;
- a block of any other kind is kept when it holds text (a reader of the page sees its words,
  and an archive that drops them loses them for good), and its kind is reported
  (`ParseResult.unknown_blocks`): the spider counts it (`newscrawl/body/unknown_block/<kind>`)
  and warns once per kind, so that a new kind is seen the day it appears.
Dates (ArticleParser.date): the shown time's own `data-unixtime` first, then metas and
microdata that say their zone, the unix publication time (`analytics:p_ts`), then zone-less
ones and the visible text in the page's clock: the zone a label names ("GMT"), else the
difference between a unix time and the same moment as shown, else the metas' zone, else the
site's own clock (Moscow: the same system's ria.ru page writes its zone-less metas in it).
"""

from __future__ import annotations

import re
from datetime import timedelta, timezone, tzinfo
from typing import ClassVar, Optional

from newscrawl.items import Image
from newscrawl.parsers.base import ArticleParser, BodyParts
from newscrawl.parsers.page import Css, Element, Page
from newscrawl.text import optional_text

# The site's own clock (Moscow), for visible times on a page that shows no zone at all.
SITE_ZONE = timezone(timedelta(hours=3))


class CurrentArticleParser(ArticleParser):
    layout = "current"
    SIGNATURE = Css("div.article__body, h1.article__title")

    # Sputnik's h1.article__title; the same system's ria.ru shows the title in div.article__title
    # (its h1.article__second-title is a second, longer headline)
    TITLE = Css("h1.article__title, div.article__title")
    LEAD = Css(".article__announce-text")
    BODY = Css(".article__body")
    PUBLISHED_SHOWN = Css(".article__info-date a")
    MODIFIED_SHOWN = Css(".article__info-date-modified")
    DEFAULT_ZONE: ClassVar[tzinfo] = SITE_ZONE
    TAGS = Css(".article__footer .tag__text, a.article__tags-item")
    IMAGE = Css(
        ".article__announce .media__size img, .article__announce .media__size amp-img,"
        " .article__announce img, .article__announce amp-img"
    )
    CREDIT = Css(".article__announce .media__copyright-item, .article__announce .media__copyright")
    # the caption shown under the lead photo (ria.ru: "Склад магазина. Архивное фото")
    CAPTION = Css(".article__announce .media__description, .article__announce .media__title")
    CARD_TITLE = Css(".article__article-title, .article__article-desc")
    # data-type of the blocks whose text is the article's; "article" blocks are READ MORE cards
    TEXT_BLOCKS: ClassVar[frozenset[str]] = frozenset({"text", "quote", "vrez", "list"})
    HEADING_BLOCK: ClassVar[re.Pattern[str]] = re.compile(r"h[1-6]$")
    CARD_BLOCK: ClassVar[str] = "article"
    FURNITURE_BLOCKS: ClassVar[frozenset[str]] = frozenset({"banner", "media", "photolenta", "tags", "widget", "widgets"})
    # children of the body without a data-type that are not article text
    FURNITURE_CLASSES: ClassVar[frozenset[str]] = frozenset({"article__summary"})

    def visit_block(self, node: Element, parts: BodyParts) -> bool:
        kind = node.get("data-type")
        if kind is None:
            classes = node.get("class")
            return bool(classes) and not self.FURNITURE_CLASSES.isdisjoint(classes.split())
        kind = kind.strip().lower()
        if kind in self.TEXT_BLOCKS or self.HEADING_BLOCK.match(kind):
            self.walk(node, parts)  # .article__text, .article__quote-text, <p>s, <li>s, a heading: all of it is text
        elif kind == self.CARD_BLOCK:
            self.add_card(node, parts)
        elif kind not in self.FURNITURE_BLOCKS:
            self.add_unknown_block(kind, node, parts)
        return True

    def add_card(self, node: Element, parts: BodyParts) -> None:
        """An inline related-article card: a link, its title in the card's description."""
        anchor = self.page.first(self.ANCHOR, node)
        if anchor is None:
            return
        title = self.text(self.CARD_TITLE, node) or anchor.get("title") or Page.text(anchor)
        link = self.read_more_link(anchor.get("href"), title)
        if link:
            parts.read_more.append(link)

    def image(self) -> Optional[Image]:
        """The lead photo, its caption as shown under it, else its title (the system's alt adds
        the site's name, a width and a date: "Склад магазина - РИА Новости, 1920, 11.06.2022")."""
        img = self.page.first(self.IMAGE)
        caption = self.text(self.CAPTION) or (optional_text(img.get("title")) if img is not None else None)
        return self.image_of(img, self.text(self.CREDIT), caption)
