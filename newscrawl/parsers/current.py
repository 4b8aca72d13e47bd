"""The current layout (October 2021 on): selectors from SPUTNIK-MARKUP.md, no real page saved."""

from __future__ import annotations

from typing import Iterator, Optional

from parsel import Selector

from newscrawl.dates import parse_any
from newscrawl.items import Image, ReadMoreLink
from newscrawl.parsers.base import READ_MORE_PREFIX, ArticleParser, text_of
from newscrawl.text import optional_text


class CurrentArticleParser(ArticleParser):
    layout = "current"
    SIGNATURE = "div.article__body, h1.article__title"

    TITLE = "h1.article__title"
    LEAD = "div.article__announce-text"
    BODY = "div.article__body"
    AUTHORS = "[itemprop=creator] [itemprop=name]"
    DATE_PUBLISHED = "div.article__meta [itemprop=datePublished]"
    DATE_UNIX = "div.article__info-date a[data-unixtime]"
    DATE_MODIFIED = "span.article__info-date-modified"
    TAGS = "div.article__footer li.tag"
    IMAGE = "div.article__announce img, div.article__announce amp-img"
    CREDIT = "div.article__announce .media__copyright"
    CARD_TITLES = (".article__article-title", ".article__article-desc")
    # blocks whose text is the article's; "article" blocks are READ MORE cards
    TEXT_BLOCKS = frozenset({"text", "quote", "vrez"})
    HEADING_TAGS = frozenset({"h2", "h3", "h4"})

    def title(self) -> Optional[str]:
        return optional_text(text_of(self.sel.css(self.TITLE))) or super().title()

    def lead(self) -> Optional[str]:
        node = self.sel.css(self.LEAD)
        return optional_text(text_of(node)) if node else None

    def _blocks(self) -> Iterator[tuple[str, Selector]]:
        """(kind, node) for each child of the body: a block's data-type, or "heading"."""
        body = self.sel.css(self.BODY)
        if not body:
            return
        stack = list(reversed(body[0].xpath("./*")))
        while stack:
            node = stack.pop()
            tag = node.xpath("name()").get()
            kind = node.attrib.get("data-type")
            if kind:
                yield kind, node
            elif tag in self.HEADING_TAGS:
                yield "heading", node
            elif tag == "p":
                yield "text", node
            elif tag in {"div", "section"} and "article__block" not in node.attrib.get("class", ""):
                stack.extend(reversed(node.xpath("./*")))  # a plain wrapper

    @staticmethod
    def _block_paragraphs(node: Selector) -> list[str]:
        """A text block may hold one run of text or several <p>."""
        inner = node.css(".article__text, .article__quote-text") or [node]
        paragraphs: list[str] = []
        for part in inner:
            children = part.xpath("./p | ./blockquote | ./h2 | ./h3")
            texts = [text_of(c) for c in children] if children else [text_of(part)]
            paragraphs.extend(t for t in texts if t)
        return paragraphs

    def paragraphs(self) -> list[str]:
        if not hasattr(self, "_paragraphs"):
            found: list[str] = []
            for kind, node in self._blocks():
                if kind == "heading":
                    found.append(text_of(node))
                elif kind in self.TEXT_BLOCKS:
                    found.extend(self._block_paragraphs(node))
            self._paragraphs = [p for p in found if p and not READ_MORE_PREFIX.match(p)]
        return self._paragraphs

    def read_more(self) -> list[ReadMoreLink]:
        links: list[ReadMoreLink] = []
        for kind, node in self._blocks():
            if kind != "article":
                continue
            anchor = node.css("a[href]")
            if not anchor:
                continue
            title = next((text_of(node.css(q)) for q in self.CARD_TITLES if node.css(q)), "")
            title = title or anchor[0].attrib.get("title") or text_of(anchor[0])
            link = self.read_more_link(anchor[0].attrib["href"], title)
            if link:
                links.append(link)
        return links

    def authors(self) -> list[str]:
        names = [text_of(n) for n in self.sel.css(self.AUTHORS)]
        return [n for n in dict.fromkeys(names) if n]

    def tags(self) -> list[str]:
        names = [text_of(t) for t in self.sel.css(self.TAGS)]
        return [n for n in names if n] or super().tags()

    def published_at(self) -> Optional[str]:
        found = super().published_at()
        if found:
            return found
        node = self.sel.css(self.DATE_PUBLISHED)
        if node:
            found = parse_any(node[0].attrib.get("content") or text_of(node[0]))
            if found:
                return found
        unix = self.sel.css(self.DATE_UNIX)
        if unix:
            return parse_any(unix[0].attrib.get("data-unixtime")) or parse_any(text_of(unix[0]))
        return None

    def modified_at(self) -> Optional[str]:
        return super().modified_at() or parse_any(text_of(self.sel.css(self.DATE_MODIFIED)))

    def image(self) -> Optional[Image]:
        img = self.sel.css(self.IMAGE)
        if not img:
            return None
        src = img[0].attrib.get("src") or img[0].attrib.get("data-src")
        if not src:
            return None
        caption = img[0].attrib.get("alt") or img[0].attrib.get("title")
        credit = self.sel.css(self.CREDIT)
        return Image(url=self.absolute(src), caption=optional_text(caption), credit=optional_text(text_of(credit)))
