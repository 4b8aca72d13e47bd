"""Expected item values, computed from the corpus records (never from rendered HTML).

Field rules: docs/MIRROR-CONTRACT.md, "Expected item values".
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timezone
from typing import Any, Optional

from . import urls
from .corpus.real import real_expected
from .model import Article, Site
from .text import clean

BODY_KINDS = ("p", "h2", "h3", "h4", "quote", "time")  # read_more, media, widget and furniture are not article text
UNKNOWN_KIND = "kind:"  # Block.form of a block of a kind the parsers do not know


def body_texts(article: Article) -> list[str]:
    """The body's paragraphs as a reader sees them, in page order (a list: one per item)."""
    texts: list[str] = []
    for block in article.blocks:
        if block.kind in BODY_KINDS:
            texts.append(clean(block.text))
        elif block.kind == "list":
            texts.extend(clean(item) for item in block.items)
    return texts


def unknown_blocks(article: Article) -> dict[str, int]:
    """Blocks of kinds the parsers do not know (their text is body text): kind -> blocks."""
    found: dict[str, int] = {}
    for block in article.blocks:
        if block.form.startswith(UNKNOWN_KIND):
            kind = block.form[len(UNKNOWN_KIND):]
            found[kind] = found.get(kind, 0) + 1
    return found


def utc_z(when: Optional[datetime]) -> Optional[str]:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if when else None


def _modified(article: Article) -> Optional[str]:
    """Legacy pages always carry a lastmod meta; current ones only when updated. A page whose
    modified time is before its publication contradicts itself: no modified_at."""
    modified = article.modified or (article.published if article.layout == "legacy" else None)
    return utc_z(modified) if modified is not None and modified >= article.published else None


def expected_item(article: Article, articles: dict[str, Article]) -> dict[str, Any]:
    if article.layout == "real":
        return real_expected()
    read_more = []
    for block in article.read_more:
        target = articles.get(block.target) if block.target else None
        read_more.append({"url": urls.link_url(block.href, target.canonical) if target else block.href, "title": clean(block.text)})
    image = None
    if article.image:
        image = {"url": article.image.url, "caption": clean(article.image.caption), "credit": clean(article.image.credit)}
    return {
        "article_id": article.id,
        "url": article.canonical,
        "title": clean(article.title),
        "lead": clean(article.lead) if article.lead else None,
        "body": "\n\n".join(body_texts(article)),
        "dateline": article.dateline,
        "authors": [clean(a) for a in article.authors],
        "section": article.section,
        "tags": [clean(t) for t in article.tags],
        "published_at": utc_z(article.published),
        "modified_at": _modified(article),
        "image": image,
        "read_more": read_more,
        "language": "en",
    }


def hops(site: Site, start_ids: list[str]) -> dict[str, Optional[int]]:
    """Fewest READ MORE hops from any index article (breadth-first); None = unreachable."""
    dist: dict[str, Optional[int]] = {art_id: None for art_id in site.articles}
    queue: deque[str] = deque()
    for art_id in start_ids:
        if dist.get(art_id, 0) is None:
            dist[art_id] = 0
            queue.append(art_id)
    while queue:
        current = queue.popleft()
        for block in site.articles[current].read_more:
            if block.target in dist and dist[block.target] is None:
                dist[block.target] = dist[current] + 1  # type: ignore[operator]
                queue.append(block.target)
    return dist
