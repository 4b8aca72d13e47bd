"""The one item newscrawl produces: the same fields in the feed and in the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, TypedDict


class Image(TypedDict):
    url: str
    caption: Optional[str]
    credit: Optional[str]


class ReadMoreLink(TypedDict):
    url: str
    title: Optional[str]


@dataclass
class Article:
    article_id: str
    url: str
    title: str = ""
    lead: Optional[str] = None
    body: str = ""
    dateline: Optional[str] = None
    authors: list[str] = field(default_factory=list)
    section: Optional[str] = None
    tags: list[str] = field(default_factory=list)
    published_at: Optional[str] = None
    modified_at: Optional[str] = None
    image: Optional[Image] = None
    read_more: list[ReadMoreLink] = field(default_factory=list)
    language: str = "en"
    layout: str = "fallback"
    word_count: int = 0
    content_hash: str = ""
    fetched_url: str = ""
    fetched_at: str = ""
    # the id of an article with the same text, stored earlier (a re-published copy)
    duplicate_of: Optional[str] = None


ARTICLE_FIELDS: tuple[str, ...] = tuple(Article.__dataclass_fields__)
