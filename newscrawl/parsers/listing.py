"""Section index pages and their "load more" fragments."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Optional
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from newscrawl.dates import parse_any
from newscrawl.text import normalize_text, optional_text
from newscrawl.urls import canonical_url, is_site_host


@dataclass
class ListingLink:
    url: str
    title: Optional[str] = None
    published_at: Optional[str] = None


@dataclass
class ListingPage:
    layout: str
    links: list[ListingLink] = field(default_factory=list)
    next_url: Optional[str] = None


def text_of(node: Optional[Selector]) -> str:
    """The visible text of a listing node, normalised."""
    if node is None:
        return ""
    return normalize_text("".join(node.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]").getall()))


def link_url(page_url: str, href: str) -> str:
    """An index link, absolute, and canonical when it is the site's."""
    url = urljoin(page_url, href.strip())
    return canonical_url(url) if is_site_host(urlsplit(url).hostname) else url


class ListingParser:
    layout: ClassVar[str] = "none"
    SIGNATURE: ClassVar[str] = ""

    def __init__(self, selector: Selector, page_url: str) -> None:
        self.sel = selector
        self.page_url = page_url

    @classmethod
    def matches(cls, selector: Selector) -> bool:
        return bool(cls.SIGNATURE) and selector.css(cls.SIGNATURE).get() is not None

    def links(self) -> list[ListingLink]:
        return []

    def next_url(self) -> Optional[str]:
        return None

    def extract(self) -> ListingPage:
        return ListingPage(layout=self.layout, links=self.links(), next_url=self.next_url())


class CurrentListingParser(ListingParser):
    """`/asia/` and `/services/asia/more.html?...` fragments alike."""

    layout = "current"
    SIGNATURE = "div.list__item, div.list__more, div.list-items-loaded"
    ITEM = "div.list__item"
    LINK = "a.list__title"
    DATE = ".list__date::attr(data-unixtime)"
    NEXT = ("div.list__more::attr(data-url)", "div.list-items-loaded::attr(data-next-url)")

    def links(self) -> list[ListingLink]:
        found: list[ListingLink] = []
        for item in self.sel.css(self.ITEM):
            anchor = item.css(self.LINK)
            href = anchor.attrib.get("href") if anchor else None
            if not href:
                continue
            title = anchor.attrib.get("title") or text_of(anchor[0])
            found.append(ListingLink(link_url(self.page_url, href), optional_text(title), parse_any(item.css(self.DATE).get())))
        return found

    def next_url(self) -> Optional[str]:
        for query in self.NEXT:
            value = (self.sel.css(query).get() or "").strip()
            if value:
                return urljoin(self.page_url, value)
        return None


class LegacyListingParser(ListingParser):
    """The sputniknews.com "b-stories" list (legacy section pages and home page)."""

    layout = "legacy"
    SIGNATURE = "li.b-stories__item"
    ITEM = "li.b-stories__item"
    LINK = "div.b-stories__title h2 a"
    DATE = "span.b-stories__date"

    def links(self) -> list[ListingLink]:
        found: list[ListingLink] = []
        for item in self.sel.css(self.ITEM):
            anchor = item.css(self.LINK) or item.css("a.b-stories__img")
            href = anchor.attrib.get("href") if anchor else None
            if href:
                found.append(ListingLink(link_url(self.page_url, href), optional_text(text_of(anchor[0])), parse_any(text_of(item.css(self.DATE)))))
        return found


LISTING_PARSERS: tuple[type[ListingParser], ...] = (CurrentListingParser, LegacyListingParser)


def parse_listing(selector: Selector, page_url: str) -> ListingPage:
    """The links and the next page of an index page; layout "none" when nothing matched."""
    for parser_class in LISTING_PARSERS:
        if parser_class.matches(selector):
            return parser_class(selector, page_url).extract()
    return ListingPage(layout="none")
