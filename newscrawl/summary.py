"""A short account of one crawl, read back from the archive's crawls table."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newscrawl.db import Archive, ArticleRow, CrawlRow


def _stat(stats: dict[str, Any], key: str) -> int:
    return int(stats.get(key, 0) or 0)


def crawl_summary(archive: Archive, crawl_id: Optional[int] = None, feed: Optional[Path] = None) -> str:
    with Session(archive.engine) as session:
        query = select(CrawlRow).order_by(CrawlRow.id.desc())
        row = session.get(CrawlRow, crawl_id) if crawl_id else session.scalars(query.limit(1)).first()
        total = session.scalar(select(func.count()).select_from(ArticleRow)) or 0
        if row is None:
            return "No crawl recorded in this archive yet."
        stats = row.stats or {}
        duplicates = sum(_stat(stats, f"item_dropped_reasons_count/{name}") for name in ("DuplicateArticle",))
        lines = [
            f"Crawl {row.id} ({row.spider}) finished: {row.finish_reason or 'still running or killed'}",
            f"  articles stored:    {row.articles_new} new, {row.articles_changed} changed, {row.articles_unchanged} unchanged",
            f"  duplicates dropped: {duplicates} (equivalent URLs not fetched again: {_stat(stats, 'dupefilter/filtered')};"
            f" same text under another id, linked by duplicate_of: {_stat(stats, 'newscrawl/duplicates/same_text')};"
            f" near-duplicates linked: {_stat(stats, 'newscrawl/duplicates/near')})",
            f"  pages failed:       {row.pages_failed}"
            + (" (article pages go on the retry record, tried again by the next crawl: scrapy export --gaps)" if row.pages_failed else ""),
            f"  rendered (browser): {_stat(stats, 'newscrawl/rendered')}",
            f"  archive:            {total} articles in {archive.engine.url.render_as_string(hide_password=True)}",
        ]
        if feed:
            lines.append(f"  feed:               {feed}")
        return "\n".join(lines)
