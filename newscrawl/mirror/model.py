"""The mirror's data model: what the generator produces and both the templates
and the expected-value code read. Text fields hold HTML text fragments (see text.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Optional

from . import urls

Layout = Literal["current", "legacy", "real"]
# How a current-layout page writes its times (render_current.py; docs/MIRROR-CONTRACT.md):
# "standard" as the contract; the variants of issue 15: "modified-unixtime" (visible times in
# GMT, metas in the place's offset, the updated time with its own data-unixtime, no modified
# meta), "gmt-label" (the updated time shown in GMT with its label, no data-unixtime, no modified
# meta), "zoneless" (metas and microdata without a zone in the site's clock, the unix time in
# analytics:p_ts, no data-unixtime, as the same system's ria.ru page).
DateMarkup = Literal["standard", "modified-unixtime", "gmt-label", "zoneless"]
BlockKind = Literal["p", "h2", "h3", "h4", "quote", "list", "time", "read_more", "media", "widget", "furniture"]


@dataclass(frozen=True)
class Photo:
    url: str
    caption: str  # fragment; rendered as the img alt/title
    credit: str  # fragment, e.g. "© AP Photo / Ahn Young-joon"


@dataclass(frozen=True)
class Block:
    """One piece of an article body, in page order.

    p / h2 / h3 / h4 / quote: body text; list: its items, each body text; time: a live-blog
    entry's time as shown, body text. read_more: a READ MORE paragraph or inline card
    (legacy) or an inline related-article card (current). media / widget / furniture: body
    furniture that is not article text.

    `form` is how the page writes the block, when it has more than one way (the templates
    read it; the expected values never do):
    - h2 / h3 / h4: "" between the blocks, "block" in a block of its own
      (`div.article__block[data-type=h2]`); in a live blog "header" (the entry's <header>
      with its time) or "block"
    - p: "" a text block; "kind:<name>" a block of a kind the parsers do not know, whose
      text a reader sees (`data-type="<name>"`)
    - quote: "" a quote block, "vrez" a vrez block
    - read_more (legacy): "" a "READ MORE:" paragraph, "inject" an inline card
      (`div.b-inject.m-inject-min`), "inject-wrapped" the same inside `div.b-article__inject`
    - media (legacy): "videoembed" or "audio" (`b-inject` media, with a title and a link)
    - furniture (current): its kind, "banner", "photolenta", "tags" or "summary"
      (`div.article__summary`, a machine summary); its text is junk
    """

    kind: BlockKind
    text: str = ""  # body text, the READ MORE link title, or the widget junk
    href: str = ""  # read_more: the link exactly as written in the page
    target: Optional[str] = None  # read_more: article id in the mirror; None = external or missing
    photo: Optional[Photo] = None  # media
    form: str = ""
    items: tuple[str, ...] = ()  # list: its items (fragments)


@dataclass
class Article:
    id: str
    section: str  # slug: "asia", "us", "columnists"...
    layout: Layout
    slug: str
    published: datetime  # aware, UTC
    modified: Optional[datetime]
    title: str
    lead: Optional[str]
    dateline: Optional[str]  # the first "p" block starts with f"{dateline} (Sputnik) - "
    blocks: list[Block]
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    image: Optional[Photo] = None
    utc_offset: int = 180  # minutes; current layout shows local times (site's +0300 or the place's)
    disclaimer: Optional[str] = None  # legacy opinion pieces: closing p.b-disclaimer
    roles: set[str] = field(default_factory=set)  # why it exists: "seed", "opinion", "chain"...
    has_amp: bool = False
    has_print: bool = False
    old_2016_url: bool = False  # served at its 2016-form path (legacy layout), the legacy-form path a 404
    date_markup: DateMarkup = "standard"

    @property
    def path(self) -> str:
        if self.layout == "current":
            return urls.current_path(self.published, self.slug, self.id)
        if self.old_2016_url:
            return urls.old_2016_path(self.section, self.published, self.id, self.slug)
        return urls.legacy_path(self.section, self.published, self.id, self.slug)

    @property
    def canonical(self) -> str:
        return urls.canonical_for_path(self.path)

    @property
    def served_paths(self) -> list[str]:
        """Every path that answers 200 with this article (main first)."""
        paths = [self.path]
        if self.has_amp:
            paths.append(urls.amp_path(self.path))
        if self.has_print:
            paths.append(urls.print_path(self.path))
        return paths

    @property
    def read_more(self) -> list[Block]:
        return [b for b in self.blocks if b.kind == "read_more"]


@dataclass(frozen=True)
class IndexEntry:
    """One item of the /asia/ list as it is shown."""

    article_id: str
    href: str  # as written in the page: relative, absolute, with tracking params...
    title: str  # fragment
    published: datetime
    canonical: str  # the URL the link names, canonical spelling (urls.link_url: the 2016 form kept)


@dataclass(frozen=True)
class Failing:
    """An index item whose URL answers with an error."""

    article_id: str
    path: str
    status: int  # 404 or 500
    title: str
    published: datetime


@dataclass
class Site:
    """Everything one edition of the mirror holds."""

    n_asia: int
    edition: int
    seed: int
    articles: dict[str, Article]  # all served articles (incl. the real page)
    index: list[IndexEntry]  # newest first, as listed (one article twice)
    failing: list[Failing]
    redirects: dict[str, str]  # from path -> to path (301)
    same_text: list[tuple[str, str]]
    near: list[tuple[str, str]]
    changed: list[str]  # ids changed by edition 2 (the plan; same in every edition)
    new: list[str]  # ids added by edition 2
    missing_links: list[str] = field(default_factory=list)  # READ MORE targets that 404
