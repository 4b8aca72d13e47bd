"""The cleaning rules: what is article text and what is site furniture.

The parsers select the body's blocks by structure; these rules are the second line, for
furniture that a layout puts inside the body or that a fallback extraction keeps: the
boilerplate SPUTNIK-MARKUP.md lists ("Subscribe", "Newsfeed", a bare "0", the comment
widget's lines, "Chats", the Russian widget string, the section banner), READ MORE lines,
opinion disclaimers, photo credits and the lead photo's caption.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Optional

from newscrawl.items import Article
from newscrawl.text import join_paragraphs, normalize_text, optional_text, split_paragraphs

# One pattern, one named group per reason; each matches a whole paragraph's start.
FURNITURE = re.compile(
    r"(?P<boilerplate>(?:subscribe|newsfeed|0|chats|loader|log in or register|to participate in the discussion"
    r"|заголовок открываемого материала|sputnik international|all news|get short url"
    r"|find top stories and features from asia.*)$)"
    r"|(?P<read_more>read\s+(?:more|also)\s*:)"
    r"|(?P<disclaimer>the views (?:and opinions )?expressed (?:in|by) (?:this|the) .{0,60}"
    r"(?:do|does) not necessarily reflect .{0,60}sputnik.{0,20}$)"
    r"|(?P<credit>©\s)",
    re.IGNORECASE,
)
READ_MORE_LINE = re.compile(r"^\s*read\s+(?:more|also)\s*:", re.IGNORECASE)
CAPTION_SUFFIX = " - Sputnik International"


@dataclass
class CleaningReport:
    removed: dict[str, int] = field(default_factory=dict)

    def count(self, reason: str) -> None:
        self.removed[reason] = self.removed.get(reason, 0) + 1


def paragraph_verdict(paragraph: str, caption: Optional[str]) -> Optional[str]:
    """Why a paragraph is not article text, or None when it is."""
    match = FURNITURE.match(paragraph)
    if match:
        return match.lastgroup
    if caption and paragraph in (caption, caption + CAPTION_SUFFIX):
        return "caption"
    return None


def clean_body(body: str, caption: Optional[str], report: CleaningReport) -> str:
    kept: list[str] = []
    for raw in split_paragraphs(body):
        paragraph = normalize_text(raw)
        if not paragraph:
            continue
        verdict = paragraph_verdict(paragraph, caption)
        if verdict:
            report.count(verdict)
            continue
        kept.append(paragraph)
    return join_paragraphs(kept)


def clean_caption(caption: Optional[str]) -> Optional[str]:
    """A photo caption, without the " - Sputnik International" the lightbox repeats it with."""
    caption = optional_text(caption)
    if caption and caption.endswith(CAPTION_SUFFIX):
        caption = caption[: -len(CAPTION_SUFFIX)] or None
    return caption


def content_hash(title: str, body: str) -> str:
    """Identity of the text: the same words in the same order hash alike."""
    return hashlib.sha256(f"{title}\n{body}".encode("utf-8")).hexdigest()


def clean_article(article: Article, report: Optional[CleaningReport] = None) -> Article:
    """Normalise every text field in place and compute word_count and content_hash."""
    report = report or CleaningReport()
    article.title = normalize_text(article.title)
    article.lead = optional_text(article.lead)
    article.dateline = optional_text(article.dateline)
    article.authors = [a for a in dict.fromkeys(normalize_text(a) for a in article.authors) if a]
    article.tags = [t for t in dict.fromkeys(normalize_text(t) for t in article.tags) if t]
    if article.image:
        article.image = {
            "url": article.image["url"],
            "caption": clean_caption(article.image.get("caption")),
            "credit": optional_text(article.image.get("credit")),
        }
    caption = article.image["caption"] if article.image else None
    article.body = clean_body(article.body, caption, report)
    for link in article.read_more:
        link["title"] = optional_text(link.get("title"))
    article.word_count = len(article.body.split())
    article.content_hash = content_hash(article.title, article.body)
    return article
