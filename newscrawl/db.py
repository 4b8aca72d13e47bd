"""The archive's tables (SQLAlchemy 2 typed models) and the one place that writes them."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional
from urllib.parse import urlsplit

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint, create_engine, event, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from newscrawl.items import Article
from newscrawl.urls import article_id_from_url, is_site_host

logger = logging.getLogger(__name__)


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Base(DeclarativeBase):
    pass


class ArticleRow(Base):
    """The newest version of each article; dates are ISO strings in UTC, as in the feed."""

    __tablename__ = "articles"

    article_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    url: Mapped[str] = mapped_column(Text, index=True)
    title: Mapped[str] = mapped_column(Text)
    lead: Mapped[Optional[str]] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    dateline: Mapped[Optional[str]] = mapped_column(String(128))
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    section: Mapped[Optional[str]] = mapped_column(String(64), index=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    published_at: Mapped[Optional[str]] = mapped_column(String(20), index=True)
    modified_at: Mapped[Optional[str]] = mapped_column(String(20))
    image: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    read_more: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(16))
    layout: Mapped[str] = mapped_column(String(16))
    word_count: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    fetched_url: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[str] = mapped_column(String(20))
    # archive bookkeeping
    first_seen_at: Mapped[str] = mapped_column(String(20))
    last_seen_at: Mapped[str] = mapped_column(String(20))
    changed_at: Mapped[str] = mapped_column(String(20), index=True)
    duplicate_of: Mapped[Optional[str]] = mapped_column(String(32))


class RevisionRow(Base):
    """Every distinct content version of an article; never updated, never deleted."""

    __tablename__ = "article_revisions"
    __table_args__ = (UniqueConstraint("article_id", "content_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[str] = mapped_column(ForeignKey("articles.article_id"), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    lead: Mapped[Optional[str]] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    modified_at: Mapped[Optional[str]] = mapped_column(String(20))
    seen_at: Mapped[str] = mapped_column(String(20), index=True)
    crawl_id: Mapped[Optional[int]] = mapped_column(Integer)


class LinkRow(Base):
    """The READ MORE graph: which article names which URL."""

    __tablename__ = "read_more_links"

    from_article_id: Mapped[str] = mapped_column(ForeignKey("articles.article_id"), primary_key=True)
    to_url: Mapped[str] = mapped_column(Text, primary_key=True)
    to_article_id: Mapped[Optional[str]] = mapped_column(String(32), index=True)
    title: Mapped[Optional[str]] = mapped_column(Text)


class CrawlRow(Base):
    """One row per run, with its stats, so the archive says how it was made."""

    __tablename__ = "crawls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    spider: Mapped[str] = mapped_column(String(64))
    arguments: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_at: Mapped[str] = mapped_column(String(20))
    finished_at: Mapped[Optional[str]] = mapped_column(String(20))
    finish_reason: Mapped[Optional[str]] = mapped_column(String(64))
    articles_new: Mapped[int] = mapped_column(Integer, default=0)
    articles_changed: Mapped[int] = mapped_column(Integer, default=0)
    articles_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    pages_failed: Mapped[int] = mapped_column(Integer, default=0)
    stats: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)


Index("ix_revisions_article_seen", RevisionRow.article_id, RevisionRow.seen_at)


def make_engine(database_url: str) -> Engine:
    """An engine whose SQLite files run in WAL mode with a busy timeout."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def create_schema(engine: Engine) -> None:
    Base.metadata.create_all(engine)


@dataclass
class WriteOutcome:
    """What storing one article did: "new", "changed" or "unchanged"."""

    status: str
    article_id: str


class Archive:
    """Reads and writes of the archive; the storage pipeline and the commands use it."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.engine = make_engine(database_url)
        create_schema(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    # crawls ---------------------------------------------------------------
    def start_crawl(self, spider: str, arguments: dict[str, Any]) -> int:
        with Session(self.engine) as session, session.begin():
            row = CrawlRow(spider=spider, arguments=arguments, started_at=utc_now())
            session.add(row)
            session.flush()
            return row.id

    def finish_crawl(self, crawl_id: int, reason: str, counts: dict[str, int], stats: dict[str, Any]) -> None:
        with Session(self.engine) as session, session.begin():
            row = session.get(CrawlRow, crawl_id)
            if row is None:
                return
            row.finished_at = utc_now()
            row.finish_reason = reason
            row.articles_new = counts.get("new", 0)
            row.articles_changed = counts.get("changed", 0)
            row.articles_unchanged = counts.get("unchanged", 0)
            row.pages_failed = counts.get("failed", 0)
            row.stats = json.loads(json.dumps(stats, default=str))

    # articles -------------------------------------------------------------
    def known_hashes(self, article_ids: Iterable[str]) -> dict[str, str]:
        ids = list(article_ids)
        if not ids:
            return {}
        with Session(self.engine) as session:
            rows = session.execute(select(ArticleRow.article_id, ArticleRow.content_hash).where(ArticleRow.article_id.in_(ids)))
            return {article_id: digest for article_id, digest in rows}

    def archived_since(self) -> Iterator[tuple[str, Optional[str]]]:
        """(article_id, published_at) of every archived article, streamed."""
        with Session(self.engine) as session:
            yield from session.execute(select(ArticleRow.article_id, ArticleRow.published_at)).yield_per(5000)

    def write_batch(self, articles: list[Article], crawl_id: Optional[int]) -> list[WriteOutcome]:
        """Store a batch in one transaction: new rows, new revisions, or a touch of last_seen_at."""
        outcomes: list[WriteOutcome] = []
        now = utc_now()
        with Session(self.engine) as session, session.begin():
            existing = {
                row.article_id: row
                for row in session.scalars(select(ArticleRow).where(ArticleRow.article_id.in_([a.article_id for a in articles])))
            }
            for article in articles:
                row = existing.get(article.article_id)
                if row is not None and row.content_hash == article.content_hash:
                    row.last_seen_at = now
                    outcomes.append(WriteOutcome("unchanged", article.article_id))
                    continue
                status = "new" if row is None else "changed"
                if row is None:
                    row = ArticleRow(article_id=article.article_id, first_seen_at=now)
                    session.add(row)
                    existing[article.article_id] = row
                self._fill(row, article, now)
                session.flush()
                self._add_revision(session, article, now, crawl_id)
                self._replace_links(session, article)
                outcomes.append(WriteOutcome(status, article.article_id))
        return outcomes

    @staticmethod
    def _fill(row: ArticleRow, article: Article, now: str) -> None:
        for name, value in article.__dict__.items():
            setattr(row, name, value)
        row.last_seen_at = now
        row.changed_at = now

    @staticmethod
    def _add_revision(session: Session, article: Article, now: str, crawl_id: Optional[int]) -> None:
        seen = session.scalar(
            select(RevisionRow.id).where(RevisionRow.article_id == article.article_id, RevisionRow.content_hash == article.content_hash)
        )
        if seen is None:  # a text seen before (an edit undone) keeps its first revision
            session.add(
                RevisionRow(
                    article_id=article.article_id, content_hash=article.content_hash, title=article.title,
                    lead=article.lead, body=article.body, modified_at=article.modified_at, seen_at=now, crawl_id=crawl_id,
                )
            )

    @staticmethod
    def _replace_links(session: Session, article: Article) -> None:
        session.query(LinkRow).filter(LinkRow.from_article_id == article.article_id).delete()
        seen: set[str] = set()
        for link in article.read_more:
            if link["url"] in seen:
                continue
            seen.add(link["url"])
            target = article_id_from_url(link["url"]) if is_site_host(urlsplit(link["url"]).hostname) else None
            session.add(LinkRow(from_article_id=article.article_id, to_url=link["url"], to_article_id=target, title=link.get("title")))
