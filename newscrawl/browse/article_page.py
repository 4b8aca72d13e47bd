"""What the article page shows: the article as it is now (body as paragraphs, READ MORE links
resolved to the articles the archive holds), and its versions with a word diff of each edit.

The versions and diffs are newscrawl.history's (the same as `scrapy diff`); here they are only
cut into paragraphs for the page, the unchanged ones folded away. Every text stays plain text:
the template escapes it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Optional
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.engine import Connection

from newscrawl.db import ARTICLES, NEAR
from newscrawl.history import (
    PARAGRAPH, History, Piece, Version, VersionDiff, diff_versions, read_history, starts_paragraph, word_diff,
)
from newscrawl.urls import article_id_from_url, is_site_host


@dataclass(frozen=True)
class Segment:
    op: str  # "equal", "insert" or "delete"
    text: str


@dataclass
class DiffParagraph:
    segments: list[Segment]

    @property
    def changed(self) -> bool:
        return any(segment.op != "equal" for segment in self.segments)


@dataclass(frozen=True)
class Folded:
    """Unchanged paragraphs left out of a diff."""

    paragraphs: int


@dataclass
class FieldDiff:
    name: str  # "title", "lead", "body"
    parts: list[Any]  # DiffParagraph and Folded, in the text's order


@dataclass(frozen=True)
class FieldChange:
    """A metadata field an edit changed, as plain text: a list's items added and removed, or
    the value before and after."""

    name: str
    before: str
    after: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    @property
    def is_list(self) -> bool:
        return bool(self.added or self.removed)


@dataclass
class Edit:
    before: Version
    after: Version
    words_added: int
    words_removed: int
    texts: list[FieldDiff]
    fields: list[FieldChange]
    fields_recorded: bool


def web_url(url: Any) -> Optional[str]:
    """The URL when it is a web page's (http or https), else None: a crawled page's
    `javascript:` or `data:` link is never made a link here."""
    if not isinstance(url, str):
        return None
    return url if urlsplit(url.strip()).scheme.lower() in ("http", "https") else None


@dataclass(frozen=True)
class ReadMoreLink:
    title: str
    url: str
    article_id: Optional[str]  # the archived article it leads to; None when the archive does not hold it

    @property
    def web_url(self) -> Optional[str]:
        return web_url(self.url)


@dataclass(frozen=True)
class Similar:
    article_id: str
    title: str
    similarity: float


@dataclass
class ArticlePage:
    article: dict[str, Any]  # the feed's fields, as now
    first_seen_at: str
    changed_at: str
    paragraphs: list[str]
    read_more: list[ReadMoreLink]
    versions: list[Version]  # oldest first, damaged copies included
    edits: list[Edit] = field(default_factory=list)  # newest first
    similar: list[Similar] = field(default_factory=list)

    @property
    def source_url(self) -> Optional[str]:
        return web_url(self.article["url"])

    @property
    def image_url(self) -> Optional[str]:
        image = self.article["image"]
        return web_url(image.get("url")) if isinstance(image, dict) else None


def diff_paragraphs(pieces: list[Piece], context: int = 0) -> list[Any]:
    """A word diff cut into paragraphs (each word goes with the paragraph it starts or is in),
    runs of unchanged paragraphs folded, but `context` of them kept on each side of a change."""
    paragraphs: list[DiffParagraph] = [DiffParagraph([])]
    for piece in pieces:
        for token in piece.tokens:
            if starts_paragraph(token) and paragraphs[-1].segments:
                paragraphs.append(DiffParagraph([]))
                token = token.lstrip()
            segments = paragraphs[-1].segments
            if not segments:
                token = token.lstrip()
            if segments and segments[-1].op == piece.op:
                segments[-1] = Segment(piece.op, segments[-1].text + token)
            elif token:
                segments.append(Segment(piece.op, token))
    changed = [i for i, paragraph in enumerate(paragraphs) if paragraph.changed]
    kept = {i for c in changed for i in range(c - context, c + context + 1)}
    parts: list[Any] = []
    for index, paragraph in enumerate(paragraphs):
        if index in kept:
            parts.append(paragraph)
        elif parts and isinstance(parts[-1], Folded):
            parts[-1] = Folded(parts[-1].paragraphs + 1)
        else:
            parts.append(Folded(1))
    return parts


def side_by_side(left: Optional[str], right: Optional[str]) -> list[Any]:
    """Two texts to show side by side, as one word diff cut into paragraphs (those alike in both
    folded): the left side shows each paragraph's "equal" and "delete" segments, the right its
    "equal" and "insert" ones, so that the paragraphs that differ stand side by side."""
    return diff_paragraphs(word_diff(left, right))


def shown(value: Any) -> str:
    """A field's value as text: a READ MORE link or photo by its title or caption, a list by its items."""
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return str(value.get("title") or value.get("caption") or value.get("url") or json.dumps(value, ensure_ascii=False))
    if isinstance(value, list):
        return "; ".join(shown(item) for item in value) or "(none)"
    return json.dumps(value, ensure_ascii=False)


def _edit(diff: VersionDiff) -> Edit:
    texts = [FieldDiff(name, diff_paragraphs(pieces)) for name, pieces in diff.text.items()]
    fields = [
        FieldChange(name, shown(change["from"]), shown(change["to"]),
                    tuple(shown(item) for item in change.get("added", ())), tuple(shown(item) for item in change.get("removed", ())))
        for name, change in diff.fields.items()
    ]
    return Edit(diff.before, diff.after, diff.words_added, diff.words_removed, texts, fields, not diff.unknown_fields)


def _site_article_id(url: str) -> Optional[str]:
    return article_id_from_url(url) if is_site_host(urlsplit(url).hostname) else None


def read_article_page(conn: Connection, article_id: str) -> Optional[ArticlePage]:
    """The page of one article, or None when the archive does not hold it."""
    history: Optional[History] = read_history(conn, article_id)
    if history is None:
        return None
    article = history.article
    links = [(link.get("title") or link.get("url") or "", link.get("url") or "") for link in article["read_more"] or []
             if isinstance(link, dict)]
    targets = {url: _site_article_id(url) for _, url in links}
    wanted = {target for target in targets.values() if target}
    held = set(conn.execute(select(ARTICLES.c.article_id).where(ARTICLES.c.article_id.in_(wanted))).scalars()) if wanted else set()
    read_more = [ReadMoreLink(title, url, targets[url] if targets[url] in held else None) for title, url in links]
    similar_rows = conn.execute(
        select(ARTICLES.c.article_id, ARTICLES.c.title, NEAR.c.similarity)
        .select_from(NEAR.join(ARTICLES, ARTICLES.c.article_id == NEAR.c.similar_id))
        .where(NEAR.c.article_id == article_id)
        .union_all(
            select(ARTICLES.c.article_id, ARTICLES.c.title, NEAR.c.similarity)
            .select_from(NEAR.join(ARTICLES, ARTICLES.c.article_id == NEAR.c.article_id))
            .where(NEAR.c.similar_id == article_id)
        )
    )
    similar = sorted((Similar(*row) for row in similar_rows), key=lambda s: (-s.similarity, s.article_id))
    return ArticlePage(
        article=article, first_seen_at=history.first_seen_at, changed_at=history.changed_at,
        paragraphs=[p for p in (article["body"] or "").split(PARAGRAPH) if p.strip()],
        read_more=read_more, versions=history.versions,
        edits=[_edit(diff_versions(before, after)) for before, after in reversed(history.edits())],
        similar=similar,
    )
