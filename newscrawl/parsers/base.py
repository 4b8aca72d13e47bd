"""What every article parser shares: one small method per field, run safely.

A layout parser subclasses `ArticleParser`, declares its selectors as constants and
overrides the field methods it knows. `extract()` runs each method; one that raises or
finds nothing keeps the field's default and is reported in `ParseResult.missing`, so the
spider can count and log it while the article is still kept.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Optional
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from newscrawl.dates import parse_any
from newscrawl.items import Article, Image, ReadMoreLink
from newscrawl.text import join_paragraphs, normalize_text, optional_text
from newscrawl.urls import article_id_from_url, canonical_url, is_site_host, strip_tracking

logger = logging.getLogger(__name__)

# Fields whose absence means the page is not what we expected of it.
EXPECTED_FIELDS: tuple[str, ...] = ("article_id", "title", "body", "published_at", "section")

# "SEOUL (Sputnik) - ", "NEW DELHI (Sputnik) – ": a short place, the agency, a dash.
DATELINE = re.compile(r"^(?P<place>[^\W\d_][^()\n]{0,48}?)\s*\((?:Sputnik|AFP|AP|Reuters)[^)]*\)\s*[-–—]\s")
READ_MORE_PREFIX = re.compile(r"^\s*read\s+more\s*:", re.IGNORECASE)

# Display names whose slug is not the name itself, from the site's own navigation
# (real-pages/: "Asia & Pacific" -> /asia/, "Opinion" -> /analysis/, "Tech" -> /science/...).
SECTION_SLUGS: dict[str, str] = {
    "asia & pacific": "asia",
    "asia and pacific": "asia",
    "middle east": "middleeast",
    "latin america": "latam",
    "tech": "science",
    "science & tech": "science",
    "opinion": "analysis",
    "military & intelligence": "military",
    "military": "military",
    "columnists": "columnists",
}
# Text nodes that are never article text, wherever they stand.
VISIBLE_TEXT = ".//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::noscript)]"


def text_of(node: Optional[Selector]) -> str:
    if node is None:
        return ""
    return normalize_text("".join(node.xpath(VISIBLE_TEXT).getall()))


def section_slug(name: Optional[str]) -> Optional[str]:
    """"Asia & Pacific" -> "asia"; "/columnists/" -> "columnists"."""
    if not name:
        return None
    name = normalize_text(name).strip("/").lower()
    if "/" in name:
        name = name.rsplit("/", 1)[-1]
    # an unknown name: its first word, as the site's slugs are ("Russia & CIS" -> "russia")
    slug = SECTION_SLUGS.get(name) or re.sub(r"[^a-z0-9_-]+", "", name.split(" ")[0])
    return slug or None


@dataclass
class ParseResult:
    article: Optional[Article]
    layout: str
    missing: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


class ArticleParser:
    """Generic field methods from head metadata; layouts refine them."""

    layout: ClassVar[str] = "fallback"
    #: a CSS selector whose presence says the page is this layout
    SIGNATURE: ClassVar[str] = ""

    TITLE_SUFFIX = re.compile(r"\s*[-|–]\s*Sputnik( International| Globe)?\s*$")

    def __init__(self, selector: Selector, fetched_url: str, site_url: Optional[str] = None) -> None:
        self.sel = selector
        self.fetched_url = fetched_url
        # the URL on the real host, used to resolve relative links
        self.site_url = site_url or fetched_url

    @classmethod
    def matches(cls, selector: Selector) -> bool:
        return bool(cls.SIGNATURE) and selector.css(cls.SIGNATURE).get() is not None

    # helpers ---------------------------------------------------------------
    def meta(self, *names: str) -> Optional[str]:
        """The first non-empty content of meta[name=...] or meta[property=...] or [itemprop]."""
        for name in names:
            for attr in ("name", "property", "itemprop"):
                value = self.sel.xpath(f"//meta[@{attr}=$n]/@content", n=name).get()
                if value and value.strip():
                    return value.strip()
        return None

    def absolute(self, href: str) -> str:
        href = href.strip()
        joined = urljoin(self.site_url, href)
        base, _, _fragment = joined.partition("#")
        path, sep, query = base.partition("?")
        query = strip_tracking(query)
        return f"{path}?{query}" if query else path

    def read_more_link(self, href: Optional[str], title: Optional[str]) -> Optional[ReadMoreLink]:
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            return None
        return ReadMoreLink(url=self.site_canonical(self.absolute(href)), title=optional_text(title))

    @staticmethod
    def site_canonical(url: str) -> str:
        """Site links in their one canonical spelling; other links as written."""
        return canonical_url(url) if is_site_host(urlsplit(url).hostname) else url

    # fields ------------------------------------------------------------------
    def url(self) -> Optional[str]:
        href = self.sel.css("link[rel=canonical]::attr(href)").get() or self.meta("og:url")
        return self.site_canonical(self.absolute(href)) if href else None

    def article_id(self) -> Optional[str]:
        value = self.meta("analytics:article_id")
        if value and value.isdigit():
            return value
        for candidate in (self.url(), self.site_url, self.fetched_url):
            found = article_id_from_url(candidate or "")
            if found:
                return found
        return None

    def title(self) -> Optional[str]:
        title = self.meta("og:title", "twitter:title")
        if not title:
            title = self.TITLE_SUFFIX.sub("", text_of(self.sel.css("title")))
        return optional_text(title)

    def lead(self) -> Optional[str]:
        return None

    def paragraphs(self) -> list[str]:
        return []

    def body(self) -> Optional[str]:
        return join_paragraphs(self.paragraphs()) or None

    def dateline(self) -> Optional[str]:
        paragraphs = self.paragraphs()
        match = DATELINE.match(paragraphs[0]) if paragraphs else None
        if not match:
            return None
        place = match.group("place").strip(" ,")
        return place if len(place.split()) <= 5 else None

    def authors(self) -> list[str]:
        name = self.meta("analytics:author", "author")
        if not name:
            return []
        name = re.sub(r"\.?\s*Sputnik( International)?$", "", normalize_text(name)).strip(" .,")
        return [name] if name else []

    def section(self) -> Optional[str]:
        return section_slug(self.meta("analytics:rubric", "article:section"))

    def tags(self) -> list[str]:
        keywords = self.meta("keywords", "news_keywords")
        if not keywords:
            return []
        return [tag for tag in (normalize_text(t) for t in keywords.split(",")) if tag]

    def published_at(self) -> Optional[str]:
        return parse_any(self.meta("article:published_time", "datePublished", "pubdate"))

    def modified_at(self) -> Optional[str]:
        return parse_any(self.meta("article:modified_time", "dateModified", "lastmod"))

    def image(self) -> Optional[Image]:
        # og:image is a share card or the site logo, never the article's photo
        return None

    def read_more(self) -> list[ReadMoreLink]:
        return []

    def language(self) -> Optional[str]:
        lang = self.sel.xpath("/html/@lang").get() or self.meta("og:locale") or ""
        lang = re.split(r"[-_]", lang.strip())[0].lower()
        return lang or None

    # running ------------------------------------------------------------------
    FIELD_METHODS: ClassVar[tuple[str, ...]] = (
        "article_id", "url", "title", "lead", "body", "dateline", "authors", "section",
        "tags", "published_at", "modified_at", "image", "read_more", "language",
    )

    def extract(self) -> ParseResult:
        result = ParseResult(article=None, layout=self.layout)
        values: dict[str, Any] = {}
        for name in self.FIELD_METHODS:
            method: Callable[[], Any] = getattr(self, name)
            try:
                values[name] = method()
            except Exception as exc:  # one broken field never costs the article
                result.errors[name] = f"{type(exc).__name__}: {exc}"
                values[name] = None
        for name in EXPECTED_FIELDS:
            if not values.get(name):
                result.missing.append(name)
        defaults = Article(article_id="", url="")
        kept = {k: v for k, v in values.items() if v is not None and v != []}
        article = Article(**{**defaults.__dict__, **kept})
        article.layout = self.layout
        article.article_id = article.article_id or ""
        article.url = article.url or self.site_url
        article.fetched_url = self.fetched_url
        result.article = article
        return result
