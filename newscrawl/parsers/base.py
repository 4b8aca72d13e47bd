"""What every article parser shares: one small method per field, run safely.

A layout parser subclasses `ArticleParser`, declares its selectors as `Css` constants and
overrides the field methods it knows; what it does not know falls back to the head's
metadata here. `extract()` runs each method; one that raises keeps the field's default and
is reported in `ParseResult.errors` and `.missing`, as is an expected field found empty, so
the spider can count and log it while the article is still kept.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import timezone, tzinfo
from functools import cached_property, lru_cache
from typing import Any, Callable, ClassVar, Optional
from urllib.parse import urljoin, urlsplit

from newscrawl.cleaning import READ_MORE_LINE
from newscrawl.dates import parse_any, says_its_zone, zone_between, zone_of
from newscrawl.items import Article, Image, ReadMoreLink
from newscrawl.parsers.page import LINE_BREAK, Css, Element, Page, inner_text
from newscrawl.text import join_paragraphs, normalize_text, optional_text
from newscrawl.urls import article_id_from_url, canonical_url, is_site_host, request_url, strip_tracking

logger = logging.getLogger(__name__)

# Fields whose absence means the page is not what we expected of it.
EXPECTED_FIELDS: tuple[str, ...] = ("article_id", "title", "body", "published_at", "section")

# "SEOUL (Sputnik) - ", "NEW DELHI (Sputnik) – ", "MOSCOW, June 30 (Sputnik) - ": a short
# place (then, in older pages, a date after a comma), the agency, a dash. The same publishing
# system's RIA Novosti writes the agency after the dash: "МОСКВА, 11 июн - РИА Новости. ".
DATELINE = re.compile(
    r"^(?P<place>[^\W\d_][^()\n]{0,60}?)\s*(?:\((?:Sputnik|RIA Novosti|AFP|AP|Reuters)[^)]{0,20}\)\s*[-–—]\s"
    r"|[-–—]\s*(?:РИА Новости|RIA Novosti|Sputnik)\.\s)"
)
DATELINE_MAX_WORDS = 5

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
# Elements that start a new block of text; the rest (a, strong, em, span, br...) are inline.
BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "main", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li",
    "dl", "dt", "dd", "pre", "table", "figure", "figcaption", "aside", "nav", "header", "footer", "form", "hr",
    "iframe", "video", "audio", "picture", "noscript", "object", "embed", "button", "select", "svg",
})
# Blocks whose text is never article text: photos and their captions, embeds, forms, tables.
# Not <header>: inside an article body it heads a part of it (a live-blog entry's time and
# heading); the page's own header is never inside the body.
NOT_TEXT_TAGS = frozenset({
    "figure", "figcaption", "aside", "nav", "footer", "form", "hr", "iframe", "video", "audio",
    "picture", "noscript", "object", "embed", "button", "select", "svg", "table",
})
# Two <br> in a row end a paragraph (Page marks each <br> with LINE_BREAK).
_BR_PARAGRAPH = re.compile(LINE_BREAK + r"\s*" + LINE_BREAK)
_SLUG_JUNK = re.compile(r"[^a-z0-9_-]+")
_AUTHOR_SUFFIX = re.compile(r"\.?\s*Sputnik( International)?$")
# A text cut short by the site: an ellipsis, then at most a short tail (the agency, a date).
_CUT_SHORT = re.compile(r"(?:\.\.\.|…)(?:\s.{0,40})?$")
# A block kind as a stat key: newscrawl/body/unknown_block/<kind>
_KIND_JUNK = re.compile(r"[^a-z0-9_-]+")
MAX_KIND_LENGTH = 40


def section_slug(name: Optional[str]) -> Optional[str]:
    """"Asia & Pacific" -> "asia"; "/columnists/" -> "columnists"."""
    if not name:
        return None
    name = normalize_text(name).strip("/").lower()
    if "/" in name:
        name = name.rsplit("/", 1)[-1]
    # an unknown name: its first word, as the site's slugs are ("Russia & CIS" -> "russia")
    slug = SECTION_SLUGS.get(name) or _SLUG_JUNK.sub("", name.split(" ")[0])
    return slug or None


@lru_cache(maxsize=8192)
def site_canonical(url: str) -> str:
    """Site links normalised (`canonical_url`: the link's own URL, nothing guessed); other links
    as written (the same targets recur from page to page: READ MORE links, the section's own URLs)."""
    return canonical_url(url) if is_site_host(urlsplit(url).hostname) else url


def block_kind(value: str) -> str:
    """A body block's kind (its data-type) as a stat key: lower case, [a-z0-9_-], short."""
    return _KIND_JUNK.sub("_", value.strip().lower())[:MAX_KIND_LENGTH] or "empty"


@dataclass
class ParseResult:
    article: Optional[Article]
    layout: str
    missing: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    #: blocks of a kind the layout does not know that held text (kept in the body): kind -> blocks
    unknown_blocks: dict[str, int] = field(default_factory=dict)
    # fields read but not kept because they contradict the page (field -> why), e.g. a
    # modified_at before published_at: counted and logged by the spider
    dropped: dict[str, str] = field(default_factory=dict)


@dataclass
class BodyParts:
    """What one walk over the body finds: its paragraphs and its READ MORE links, in page order,
    and the blocks of unknown kinds whose text it kept."""

    paragraphs: list[str] = field(default_factory=list)
    read_more: list[ReadMoreLink] = field(default_factory=list)
    unknown_blocks: Counter[str] = field(default_factory=Counter)


class ArticleParser:
    """Generic field methods: a layout's own markup when it names it (the constants left None
    here), then schema.org microdata, then the head's metadata."""

    layout: ClassVar[str] = "fallback"
    #: what the page shows when it is this layout
    SIGNATURE: ClassVar[Optional[Css]] = None
    # the layout's own markup
    TITLE: ClassVar[Optional[Css]] = None
    BODY: ClassVar[Optional[Css]] = None
    AUTHORS: ClassVar[Optional[Css]] = None
    TAGS: ClassVar[Optional[Css]] = None
    IMAGE: ClassVar[Optional[Css]] = None
    CREDIT: ClassVar[Optional[Css]] = None
    # generic markup
    LEAD: ClassVar[Css] = Css("div[itemprop=description], p[itemprop=description]")
    PERSON_NAMES: ClassVar[Css] = Css("[itemprop=creator] [itemprop=name], [itemprop=author] [itemprop=name]")
    DATE_PUBLISHED: ClassVar[Css] = Css("[itemprop=datePublished], [itemprop=dateCreated]")
    DATE_MODIFIED: ClassVar[Css] = Css("[itemprop=dateModified]")
    # the layout's visible times; their element may carry the moment exactly (data-unixtime, datetime)
    PUBLISHED_SHOWN: ClassVar[Optional[Css]] = None
    MODIFIED_SHOWN: ClassVar[Optional[Css]] = None
    # the publication time in unix seconds (the same system's ria.ru page: analytics:p_ts; its
    # div.endless__item[data-pts] repeats it)
    PUBLISHED_UNIX_METAS: ClassVar[tuple[str, ...]] = ("analytics:p_ts",)
    #: the clock of times a page writes without a zone, when the page shows nothing better
    DEFAULT_ZONE: ClassVar[tzinfo] = timezone.utc
    IMAGE_MICRODATA: ClassVar[Css] = Css("img[itemprop=associatedMedia], img[itemprop=image], [itemprop=image] img")
    TITLE_TAG: ClassVar[Css] = Css("title")
    H1: ClassVar[Css] = Css("h1")
    ANCHOR: ClassVar[Css] = Css("a[href]")
    PUBLISHED_METAS: ClassVar[tuple[str, ...]] = ("pubdate", "datePublished", "dateCreated", "article:published_time")
    MODIFIED_METAS: ClassVar[tuple[str, ...]] = ("lastmod", "dateModified", "last-modified", "article:modified_time")
    TITLE_SUFFIX: ClassVar[re.Pattern[str]] = re.compile(r"\s*[-|–]\s*Sputnik( International| Globe)?\s*$")

    def __init__(self, page: Page, fetched_url: str, site_url: Optional[str] = None) -> None:
        self.page = page
        self.fetched_url = fetched_url
        # the URL on the real host, used to resolve relative links
        self.site_url = site_url or fetched_url

    @classmethod
    def matches(cls, page: Page) -> bool:
        return cls.SIGNATURE is not None and page.first(cls.SIGNATURE) is not None

    # helpers ---------------------------------------------------------------
    def text(self, css: Optional[Css], scope: Optional[Element] = None) -> Optional[str]:
        """The normalised text of the first element the selector finds, or None."""
        if css is None:
            return None
        return Page.text(self.page.first(css, scope)) or None

    def names(self, css: Optional[Css]) -> list[str]:
        """The texts of every element the selector finds, in page order, each once."""
        if css is None:
            return []
        return [name for name in dict.fromkeys(Page.text(node) for node in self.page.select(css)) if name]

    def absolute(self, href: str) -> str:
        """An absolute URL on the real host, without fragment or tracking parameters."""
        href = href.strip()
        joined = href if href.startswith(("https://", "http://")) else urljoin(self.site_url, href)
        base, _, _fragment = joined.partition("#")
        path, _, query = base.partition("?")
        query = strip_tracking(query) if query else ""
        return f"{path}?{query}" if query else path

    def read_more_link(self, href: Optional[str], title: Optional[str]) -> Optional[ReadMoreLink]:
        href = (href or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            return None
        return ReadMoreLink(url=site_canonical(self.absolute(href)), title=optional_text(title))

    def add_read_more(self, node: Element, parts: BodyParts) -> None:
        """The link of a "READ MORE: <a>Title</a>" paragraph."""
        anchor = self.page.first(self.ANCHOR, node)
        if anchor is not None:
            link = self.read_more_link(anchor.get("href"), Page.text(anchor))
            if link:
                parts.read_more.append(link)

    def image_of(self, img: Optional[Element], credit: Optional[str], caption: Optional[str] = None) -> Optional[Image]:
        """The lead photo: its URL, its caption (the one shown, else what alt/title carry), the credit shown beside it."""
        if img is None:
            return None
        src = (img.get("src") or "").strip()
        if not src or src.startswith("data:"):  # a lazy-loading placeholder: the photo is in data-src
            src = (img.get("data-src") or "").strip()
        if not src:
            return None
        caption = caption or optional_text(img.get("alt")) or optional_text(img.get("title"))
        return Image(url=self.absolute(src), caption=caption, credit=credit)

    def add_paragraph(self, raw: str, parts: BodyParts, node: Optional[Element] = None) -> None:
        """Text of one block: a paragraph (two <br> make two), or a READ MORE line whose link goes to read_more."""
        for piece in _BR_PARAGRAPH.split(raw) if LINE_BREAK in raw else (raw,):
            text = normalize_text(piece)
            if not text:
                continue
            # a normalised text starts with no space: only an "r" can start a READ MORE line
            if text[0] in "rR" and READ_MORE_LINE.match(text):
                if node is not None:
                    self.add_read_more(node, parts)
                continue
            parts.paragraphs.append(text)

    def visit_block(self, node: Element, parts: BodyParts) -> bool:
        """A layout's own blocks (READ MORE cards, widgets...): True when handled here."""
        return False

    def add_unknown_block(self, kind: str, node: Element, parts: BodyParts) -> None:
        """A block of a kind the layout does not know: its text is kept (a reader of the page
        sees it) and, when it holds some, the kind is counted for the spider to report."""
        before = len(parts.paragraphs)
        self.walk(node, parts)
        if len(parts.paragraphs) > before:
            parts.unknown_blocks[block_kind(kind)] += 1

    def walk(self, container: Element, parts: BodyParts) -> None:
        """The container's text in page order: each block a paragraph, wrappers walked into,
        runs of bare text and inline elements between blocks a paragraph of their own."""
        add_paragraph, visit_block = self.add_paragraph, self.visit_block  # once, not per node
        run = container.text or ""
        for node in container:
            tag = node.tag
            if tag not in BLOCK_TAGS:
                run += inner_text(node, with_tail=True)
                continue
            if run and not run.isspace():
                add_paragraph(run, parts)
            run = node.tail or ""
            if visit_block(node, parts) or tag in NOT_TEXT_TAGS:
                continue
            if len(node) and any(child.tag in BLOCK_TAGS for child in node):
                self.walk(node, parts)
            else:
                add_paragraph(inner_text(node), parts, node)
        if run and not run.isspace():
            add_paragraph(run, parts)

    @cached_property
    def body_parts(self) -> BodyParts:
        """The body walked once; layouts override `walk_body`."""
        return self.walk_body()

    def walk_body(self) -> BodyParts:
        parts = BodyParts()
        body = self.page.first(self.BODY) if self.BODY is not None else None
        if body is not None:
            self.walk(body, parts)
        return parts

    # fields ------------------------------------------------------------------
    @cached_property
    def canonical(self) -> Optional[str]:
        """The page's own URL as it names it (rel=canonical, else og:url): never rewritten into
        another form, so an article is stored under the URL the site gives it."""
        href = self.page.link("canonical") or self.page.meta("og:url")
        return request_url(self.absolute(href)) if href else None

    def url(self) -> Optional[str]:
        return self.canonical

    def article_id(self) -> Optional[str]:
        value = self.page.meta("analytics:article_id")
        if value and value.isdigit():
            return value
        for candidate in (self.canonical, self.site_url, self.fetched_url):
            found = article_id_from_url(candidate or "")
            if found:
                return found
        return None

    def title(self) -> Optional[str]:
        return (
            self.text(self.TITLE)
            or optional_text(self.page.meta("og:title", "twitter:title"))
            or optional_text(self.TITLE_SUFFIX.sub("", Page.text(self.page.first(self.TITLE_TAG))))
        )

    def lead(self) -> Optional[str]:
        """The layout's lead, or schema.org's visible description; never the description meta
        (without a lead it holds the start of the body), nor a description that is the body's
        start cut short ("...времени,... РИА Новости, 11.06.2022": the real ria.ru page's hidden
        microdata)."""
        found = self.text(self.LEAD)
        return None if found and _CUT_SHORT.search(found) else found

    def paragraphs(self) -> list[str]:
        return self.body_parts.paragraphs

    def body(self) -> Optional[str]:
        return join_paragraphs(self.paragraphs()) or None

    def dateline(self) -> Optional[str]:
        paragraphs = self.paragraphs()
        return self.dateline_of(paragraphs[0] if paragraphs else None)

    @staticmethod
    def dateline_of(paragraph: Optional[str]) -> Optional[str]:
        """The place of the dateline that starts the paragraph, or None."""
        match = DATELINE.match(paragraph) if paragraph else None
        if not match:
            return None
        place = match.group("place").split(",")[0].strip(" ,")
        return place if place and len(place.split()) <= DATELINE_MAX_WORDS else None

    def person_names(self) -> list[str]:
        """schema.org's creator and author names, but an Organization's: the publisher named as
        the author of an article without a byline (the real ria.ru page)."""
        found: list[str] = []
        for node in self.page.select(self.PERSON_NAMES):
            holder = node.getparent()
            while holder is not None and holder.get("itemprop") not in ("creator", "author"):
                holder = holder.getparent()
            if holder is not None and (holder.get("itemtype") or "").rstrip("/").endswith("Organization"):
                continue
            name = Page.text(node)
            if name and name not in found:
                found.append(name)
        return found

    def authors(self) -> list[str]:
        """The layout's bylines, else schema.org's person names (creator / author), else the author meta."""
        found = self.names(self.AUTHORS) or self.person_names()
        if found:
            return found
        name = _AUTHOR_SUFFIX.sub("", normalize_text(self.page.meta("analytics:author", "author"))).strip(" .,")
        return [name] if name else []

    def section(self) -> Optional[str]:
        """The rubric's slug; a rubric named in a language our slugs do not spell ("Экономика"):
        the slug of the page's own tag link of that name (/economy/)."""
        name = self.page.meta("analytics:rubric", "article:section")
        return section_slug(name) or self.slug_of_rubric(name) or self.slug_of_tag_named(name)

    def slug_of_rubric(self, name: Optional[str]) -> Optional[str]:
        """The rubric's slug from the analytics metas, which name the page's tags twice in the
        same order, as shown (analytics:tags "Экономика, Россия, ...") and as slugs
        (analytics:keyw "economy, location_rossiyskaya-federatsiya, ...")."""
        shown, slugs = self.page.meta("analytics:tags"), self.page.meta("analytics:keyw")
        if not name or not shown or not slugs:
            return None
        names = [normalize_text(tag).casefold() for tag in shown.split(",")]
        keys = [key.strip() for key in slugs.split(",")]
        wanted = normalize_text(name).casefold()
        if len(names) != len(keys) or wanted not in names:
            return None
        return section_slug(keys[names.index(wanted)])

    def slug_of_tag_named(self, name: Optional[str]) -> Optional[str]:
        """The slug of the page's own link named `name`: a tag link first, else any (the menu's)."""
        if not name:
            return None
        wanted = normalize_text(name).casefold()
        for css in (self.TAGS, self.ANCHOR):
            for node in self.page.select(css) if css is not None else ():
                href = node.get("href")
                if href and Page.text(node).casefold() == wanted:
                    slug = section_slug(urlsplit(href.strip()).path)
                    if slug:
                        return slug
        return None

    def tags(self) -> list[str]:
        """The layout's tag links, else the OpenGraph `article:tag` metas (the tags as shown),
        else the keywords meta (which the real ria.ru page writes in lower case)."""
        found = self.names(self.TAGS) or [t for t in dict.fromkeys(map(normalize_text, self.page.metas_named("article:tag"))) if t]
        if found:
            return found
        keywords = self.page.meta("keywords", "news_keywords") or ""
        return [tag for tag in dict.fromkeys(normalize_text(t) for t in keywords.split(",")) if tag]

    # dates ---------------------------------------------------------------------
    def shown(self, css: Optional[Css]) -> Optional[Element]:
        return self.page.first(css) if css is not None else None

    def written_dates(self, shown: Optional[Element], metas: tuple[str, ...], microdata: Css) -> list[str]:
        """The texts that name one date in machine-readable form: the shown element's datetime,
        the metas, the microdata (content, datetime or text), in that order."""
        texts = [shown.get("datetime") or ""] if shown is not None else []
        texts += [self.page.meta(name) or "" for name in metas]
        node = self.page.first(microdata)
        if node is not None:
            texts.append(node.get("content") or node.get("datetime") or Page.text(node))
        return [text for text in texts if text.strip()]

    def published_unix(self) -> Optional[str]:
        """The publication time in unix seconds, where the page gives it apart from its visible time."""
        return self.page.meta(*self.PUBLISHED_UNIX_METAS)

    @cached_property
    def clock(self) -> tzinfo:
        """The zone of the times this page writes without one: the difference between a moment it
        gives exactly (the shown time's data-unixtime, a meta with its zone, its unix publication
        time) and the same moment as it writes it; else the zone its metas say; else the layout's."""
        shown = self.shown(self.PUBLISHED_SHOWN)
        written = self.written_dates(shown, self.PUBLISHED_METAS, self.DATE_PUBLISHED)
        exact = [shown.get("data-unixtime") or ""] if shown is not None else []
        exact += [text for text in written if says_its_zone(text)] + [self.published_unix() or ""]
        naive = ([Page.text(shown)] if shown is not None else []) + [text for text in written if not says_its_zone(text)]
        for reference in exact:
            for text in naive:
                zone = zone_between(reference, text)
                if zone is not None:
                    return zone
        for name in self.PUBLISHED_METAS + self.MODIFIED_METAS:
            zone = zone_of(self.page.meta(name))
            if zone is not None:
                return zone
        return self.DEFAULT_ZONE

    def date(self, shown: Optional[Element], metas: tuple[str, ...], microdata: Css, unix: Optional[str] = None) -> Optional[str]:
        """One date, machine-readable sources first: the shown element's own data-unixtime; a
        datetime, meta or microdata that says its zone; the unix time given apart; then the
        zone-less ones in the page's clock; last the visible text (in the zone its label names,
        else in the page's clock)."""
        if shown is not None:
            found = parse_any(shown.get("data-unixtime"))
            if found:
                return found
        written = self.written_dates(shown, metas, microdata)
        for text in written:
            if says_its_zone(text):
                return parse_any(text)
        found = parse_any(unix)
        if found:
            return found
        for text in written:
            found = parse_any(text, self.clock)
            if found:
                return found
        return parse_any(Page.text(shown), self.clock) if shown is not None else None

    def published_at(self) -> Optional[str]:
        return self.date(self.shown(self.PUBLISHED_SHOWN), self.PUBLISHED_METAS, self.DATE_PUBLISHED, self.published_unix())

    def modified_at(self) -> Optional[str]:
        return self.date(self.shown(self.MODIFIED_SHOWN), self.MODIFIED_METAS, self.DATE_MODIFIED)

    def image(self) -> Optional[Image]:
        """The layout's lead photo and its credit, else the photo schema.org marks; never og:image
        (a share card, or the site's logo)."""
        if self.IMAGE is not None:
            return self.image_of(self.page.first(self.IMAGE), self.text(self.CREDIT))
        return self.image_of(self.page.first(self.IMAGE_MICRODATA), None)

    def read_more(self) -> list[ReadMoreLink]:
        return self.body_parts.read_more

    def language(self) -> Optional[str]:
        lang = self.page.root.get("lang") or self.page.meta("og:locale") or ""
        return lang.strip().replace("_", "-").split("-")[0].lower() or None

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
                logger.debug("Field %s raised on %s", name, self.site_url, exc_info=True)
                result.errors[name] = f"{type(exc).__name__}: {exc}"
                values[name] = None
        modified, published = values.get("modified_at"), values.get("published_at")
        # ISO UTC with "Z", compared as text to the minute: a time shown to the minute (":00")
        # in the minute of a publication known to the second is no contradiction
        if modified and published and modified[:16] < published[:16]:
            result.dropped["modified_at"] = f"modified {modified} is before published {published}"
            values["modified_at"] = None
        result.missing = [
            name for name in self.FIELD_METHODS
            if name in result.errors or (name in EXPECTED_FIELDS and not values[name])
        ]
        if "body" not in result.errors:
            result.unknown_blocks = dict(self.body_parts.unknown_blocks)
        article = Article(article_id="", url="")
        for name, value in values.items():
            if value is not None and value != []:
                setattr(article, name, value)
        article.layout = self.layout
        article.url = article.url or request_url(self.site_url)  # no canonical: where it was fetched (after redirects)
        article.fetched_url = self.fetched_url
        result.article = article
        return result
