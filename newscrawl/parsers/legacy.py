"""The sputniknews.com "b-article" layout, about 2015 to mid-2021 (confirmed by real pages)."""

from __future__ import annotations

import re
from typing import Iterator, Optional

from parsel import Selector

from newscrawl.dates import parse_any
from newscrawl.items import Image, ReadMoreLink
from newscrawl.parsers.base import READ_MORE_PREFIX, ArticleParser, section_slug, text_of
from newscrawl.text import optional_text


class LegacyArticleParser(ArticleParser):
    layout = "legacy"
    SIGNATURE = "div.b-article__text, div.b-article__header-title"

    TITLE = "div.b-article__header-title h1"
    LEAD = "div.b-article__lead"
    BODY = "div.b-article__text"
    AUTHORS = "div.b-article__refs-author a[rel=author]"
    RUBRIC = "a.b-article__refs-rubric"
    DATE = "time.b-article__refs-date"
    IMAGE = "div.b-article__header img"
    CREDIT = "div.b-article__header-copy"
    TAGS = "ul.b-article__refs-tags a, div.b-article__tags a"
    # children of the body that are not article text
    SKIP_CLASSES = re.compile(r"b-disclaimer|b-inject|b-banner|b-article__inject|b-media|marker-embed")
    BLOCK_TAGS = frozenset({"p", "blockquote", "h2", "h3", "h4", "li"})

    def title(self) -> Optional[str]:
        return optional_text(text_of(self.sel.css(self.TITLE))) or super().title()

    def lead(self) -> Optional[str]:
        node = self.sel.css(self.LEAD)
        return optional_text(text_of(node)) if node else None

    def _blocks(self) -> Iterator[Selector]:
        """The body's text blocks in order, descending into plain wrappers."""
        body = self.sel.css(self.BODY)
        if not body:
            return
        stack = list(reversed(body[0].xpath("./*")))
        while stack:
            node = stack.pop()
            if self.SKIP_CLASSES.search(node.attrib.get("class", "")):
                continue
            tag = node.xpath("name()").get()
            if tag in self.BLOCK_TAGS:
                yield node
            elif tag in {"div", "section", "ul", "ol"}:
                stack.extend(reversed(node.xpath("./*")))

    def paragraphs(self) -> list[str]:
        if not hasattr(self, "_paragraphs"):
            texts = (text_of(block) for block in self._blocks())
            self._paragraphs = [t for t in texts if t and not READ_MORE_PREFIX.match(t)]
        return self._paragraphs

    def read_more(self) -> list[ReadMoreLink]:
        links: list[ReadMoreLink] = []
        for block in self._blocks():
            if READ_MORE_PREFIX.match(text_of(block)):
                anchor = block.css("a[href]")
                if anchor:
                    link = self.read_more_link(anchor[0].attrib["href"], text_of(anchor[0]))
                    if link:
                        links.append(link)
        return links

    def authors(self) -> list[str]:
        names = [text_of(a) for a in self.sel.css(self.AUTHORS)]
        return [n for n in names if n] or super().authors()

    def section(self) -> Optional[str]:
        rubric = self.sel.css(self.RUBRIC)
        if rubric:
            slug = section_slug(rubric[0].attrib.get("href")) or section_slug(text_of(rubric[0]))
            if slug:
                return slug
        return super().section()

    def tags(self) -> list[str]:
        names = [text_of(a) for a in self.sel.css(self.TAGS)]
        return [n for n in names if n] or super().tags()

    def published_at(self) -> Optional[str]:
        found = super().published_at()
        if found:
            return found
        date = self.sel.css(self.DATE)
        if not date:
            return None
        return parse_any(date[0].attrib.get("datetime")) or parse_any(text_of(date[0]))

    def image(self) -> Optional[Image]:
        img = self.sel.css(self.IMAGE)
        if not img:
            return None
        src = img[0].attrib.get("src") or img[0].attrib.get("data-src")
        if not src:
            return None
        caption = img[0].attrib.get("alt") or img[0].attrib.get("title")
        return Image(
            url=self.absolute(src),
            caption=optional_text(caption),
            credit=optional_text(text_of(self.sel.css(self.CREDIT))),
        )
