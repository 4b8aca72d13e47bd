"""The archive's tables (SQLAlchemy 2 typed models) and the one place that reads and writes them.

SQLite (the default, WAL mode with a busy timeout) and PostgreSQL (`postgresql+psycopg://`).
The schema is made and upgraded by the Alembic migrations in newscrawl/migrations, run
whenever an Archive opens a database. Every write of a batch is one transaction of
dialect upserts (`INSERT ... ON CONFLICT`), so a crawl killed at any point leaves whole
batches or nothing, and writing the same batch again changes nothing. Near-duplicate
search (newscrawl.dedup) runs in the same transaction, through the `article_bands` index.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Optional, Sequence
from urllib.parse import urlsplit

from sqlalchemy import (
    JSON, BigInteger, Float, ForeignKey, Index, Integer, LargeBinary, SmallInteger, String, Text, create_engine, delete, event,
    func, select, update,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql import Select
from sqlalchemy.sql.expression import ColumnElement, cast, literal_column

from newscrawl.config import check_database_url
from newscrawl.dedup import DEFAULT_THRESHOLD, ESTIMATE_MARGIN, TextPrint, jaccard, likely_similar, print_shingles
from newscrawl.fts import index_added_articles
from newscrawl.healing import PENDING, PageFailure, RetryPolicy
from newscrawl.integrity import damage_repaired, looks_damaged
from newscrawl.items import ARTICLE_FIELDS, Article
from newscrawl.migrations import upgrade_to_head
from newscrawl.readers import open_reader
from newscrawl.urls import article_id_from_url, is_site_host

logger = logging.getLogger(__name__)


def hash_prefix(content_hash: str) -> int:
    return int(content_hash[:16], 16)


# bound parameters per IN list: far below every backend's limit (SQLite's was 999 before 3.32)
_IN_CHUNK = 900


# an article's band rows from its id and its keys as a JSON array (in order: json_each's key is the index)
_INSERT_BANDS_SQLITE = 'INSERT INTO article_bands (article_id, band, "key") SELECT ?1, band.key, band.value FROM json_each(?2) AS band'

# articles whose near-duplicate candidates are looked up together
_SEARCH_GROUP = 100


def _chunks(values: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# the stat a crawl sets when its walk of the index reached the end
INDEX_WALK_COMPLETE = "newscrawl/index/walk_complete"


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
    # one site revision per text; re-extractions (origin set) may repeat one (migration 0004)
    __table_args__ = (
        Index("uq_revisions_site_text", "article_id", "content_hash", unique=True,
              sqlite_where=sql_text("origin IS NULL"), postgresql_where=sql_text("origin IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[str] = mapped_column(ForeignKey("articles.article_id"), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    lead: Mapped[Optional[str]] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    modified_at: Mapped[Optional[str]] = mapped_column(String(20))
    seen_at: Mapped[str] = mapped_column(String(20), index=True)
    crawl_id: Mapped[Optional[int]] = mapped_column(Integer)
    # set when a later text showed this one to be a damaged copy of the page (migration 0003):
    # the only column of a revision ever written after it was stored
    damaged: Mapped[Optional[str]] = mapped_column(String(64))
    # the rest of the item as the crawl's feed had it (all but the columns above), so that
    # every version can be exported whole (migration 0002; null in older revisions)
    other_fields: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    # null: a text a crawl fetched from the site; REEXTRACTION: rebuilt by `scrapy reparse`
    # from a stored page with later parsers, never an edit by the site (migration 0004)
    origin: Mapped[Optional[str]] = mapped_column(String(16))


class LinkRow(Base):
    """The READ MORE graph: which article names which URL."""

    __tablename__ = "read_more_links"

    from_article_id: Mapped[str] = mapped_column(ForeignKey("articles.article_id"), primary_key=True)
    to_url: Mapped[str] = mapped_column(Text, primary_key=True)
    to_article_id: Mapped[Optional[str]] = mapped_column(String(32), index=True)
    title: Mapped[Optional[str]] = mapped_column(Text)


class CrawlRow(Base):
    """One row per run, with its stats, so the archive says how it was made.
    A row without finished_at is a crawl still running or one that was killed."""

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
    # when a feed holding every article this crawl committed was stored (its own, or a later
    # crawl's for a crawl that was killed); null: its articles still have to reach a feed
    feed_delivered_at: Mapped[Optional[str]] = mapped_column(String(20))


class FailureRow(Base):
    """The retry record (newscrawl.healing): an article page that gave no good article yet."""

    __tablename__ = "page_failures"

    article_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    hops: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))  # pending, gone, given_up
    problem: Mapped[str] = mapped_column(String(64))  # what went wrong the last time
    status: Mapped[Optional[int]] = mapped_column(Integer)
    error: Mapped[Optional[str]] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer)
    gone_answers: Mapped[int] = mapped_column(Integer)  # 404/410 answers in a row
    first_failed_at: Mapped[str] = mapped_column(String(20))
    last_tried_at: Mapped[str] = mapped_column(String(20))
    next_try_at: Mapped[Optional[str]] = mapped_column(String(20), index=True)
    crawl_id: Mapped[Optional[int]] = mapped_column(Integer)


class BandRow(Base):
    """The LSH bands of each article's current body (newscrawl.dedup): near-duplicate candidates
    are the articles sharing a band key, found through the index on `key`."""

    __tablename__ = "article_bands"

    article_id: Mapped[str] = mapped_column(ForeignKey("articles.article_id"), primary_key=True)
    band: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    key: Mapped[int] = mapped_column(BigInteger, index=True)


class SignatureRow(Base):
    """Each article's MinHash signature (newscrawl.dedup), to estimate a candidate's similarity."""

    __tablename__ = "article_signatures"

    article_id: Mapped[str] = mapped_column(ForeignKey("articles.article_id"), primary_key=True)
    signature: Mapped[bytes] = mapped_column(LargeBinary)


class NearDuplicateRow(Base):
    """Two articles whose bodies are near-duplicates (one row per pair, the later-stored first)."""

    __tablename__ = "near_duplicates"

    article_id: Mapped[str] = mapped_column(ForeignKey("articles.article_id"), primary_key=True)
    similar_id: Mapped[str] = mapped_column(ForeignKey("articles.article_id"), primary_key=True, index=True)
    similarity: Mapped[float] = mapped_column(Float)
    found_at: Mapped[str] = mapped_column(String(20))
    crawl_id: Mapped[Optional[int]] = mapped_column(Integer)


Index("ix_revisions_article_seen", RevisionRow.article_id, RevisionRow.seen_at)
# `--section` compares folded case (search, export), often with a published window; migration 0006
Index("ix_articles_section_folded", func.lower(ArticleRow.section), ArticleRow.published_at)

ARTICLES = ArticleRow.__table__
REVISIONS = RevisionRow.__table__
LINKS = LinkRow.__table__
BANDS = BandRow.__table__
SIGNATURES = SignatureRow.__table__
NEAR = NearDuplicateRow.__table__
FAILURES = FailureRow.__table__
# what `scrapy export --gaps` writes of each record, in this order
GAP_FIELDS = ("article_id", "url", "state", "problem", "status", "error", "attempts", "hops",
              "first_failed_at", "last_tried_at", "next_try_at")
# what an article upsert may overwrite: the item's fields and the bookkeeping, never first_seen_at
_UPDATED_ON_CHANGE = (*ARTICLE_FIELDS, "last_seen_at", "changed_at")
# article_revisions.origin of a revision `scrapy reparse` rebuilt from a stored page
REEXTRACTION = "reextraction"
# the item's fields a revision keeps in columns; the others go to its other_fields
_REVISION_TEXT = ("title", "lead", "body", "modified_at", "content_hash")


# the index on article_bands.key, which a rebuild into a fresh SQLite archive makes once at its
# end rather than row by row (newscrawl.reparse); a writer's open makes it again when missing
BAND_KEY_INDEX = "ix_article_bands_key"
CREATE_BAND_KEY_INDEX = f'CREATE INDEX IF NOT EXISTS {BAND_KEY_INDEX} ON article_bands ("key")'


# execution option of the connections engine.begin() gives: their transactions write
_WRITE_OPTION = "newscrawl_write"


def make_engine(database_url: str) -> Engine:
    """An engine whose SQLite files run in WAL mode with a busy timeout, and whose every
    transaction (schema changes included) is a real SQLite transaction; those of
    engine.begin() (the writes) begin IMMEDIATE."""
    url = make_url(check_database_url(database_url))
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        # sqlite3 keeps 128 prepared statements a connection by default; each IN list length
        # is a statement of its own, and that cache grew the writer's memory with the archive
        engine = create_engine(url, connect_args={"timeout": 30, "cached_statements": 16})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()
            # pysqlite would begin only before DML, so a migration killed midway could leave
            # half a schema: SQLAlchemy's recipe, we emit BEGIN ourselves
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Connection) -> None:
            write = connection.get_execution_options().get(_WRITE_OPTION, False)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        # engine.begin() is how the archive writes (migrations too): IMMEDIATE takes the write
        # lock at once, waiting for another writer up to the busy timeout. A deferred transaction
        # that read first cannot wait: SQLite fails it with "database is locked" at its first write.
        # Reads (engine.connect()) stay deferred, and never wait for a writer (WAL).
        engine.begin = engine.execution_options(**{_WRITE_OPTION: True}).begin  # type: ignore[method-assign]
        return engine
    return create_engine(url, pool_pre_ping=True)


def article_values(article: Article) -> dict[str, Any]:
    """The item as one feed line has it (same fields, same order)."""
    return {name: getattr(article, name) for name in ARTICLE_FIELDS}


def article_from_row(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """A feed line from an `articles` row's columns."""
    return {name: mapping[name] for name in ARTICLE_FIELDS}


@dataclass
class WriteOutcome:
    """What storing one article did: "new", "changed" or "unchanged", and the archived
    articles it was found to be a near-duplicate of."""

    status: str
    article_id: str
    near_duplicates: list[str] = dataclasses.field(default_factory=list)
    # the stored text this one replaced was a damaged copy of the page (newscrawl.integrity)
    repaired: Optional[str] = None


@dataclass(frozen=True)
class ExportFilter:
    """What `scrapy export` selects: published window (dates, inclusive), section (matched
    without regard to case), and `changed_since` (an ISO time: every revision first seen
    since then, instead of the current version of every article)."""

    since: Optional[str] = None
    until: Optional[str] = None
    section: Optional[str] = None
    changed_since: Optional[str] = None


class Archive:
    """Reads and writes of the archive; the pipelines, the spider and the commands use it."""

    def __init__(
        self, database_url: str, near_duplicate_threshold: float = DEFAULT_THRESHOLD, retry_policy: RetryPolicy = RetryPolicy(),
        read_only: bool = False,
    ) -> None:
        self.database_url = database_url
        self.near_duplicate_threshold = near_duplicate_threshold
        self.retry_policy = retry_policy
        if read_only:  # a reader (export): opened read-only, never migrated (newscrawl.readers)
            self.engine = open_reader(database_url, "export")
            return
        self.engine = make_engine(database_url)
        upgrade_to_head(self.engine)
        self._restore_band_index()

    def close(self) -> None:
        self.engine.dispose()

    def _restore_band_index(self) -> None:
        """Make the index on article_bands.key again if a rebuild was killed before its end
        (it drops the index while it writes, newscrawl.reparse): near-duplicate search needs it."""
        if self.engine.dialect.name != "sqlite":
            return  # a rebuild keeps PostgreSQL's index
        query = "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?"
        with self.engine.connect() as conn:
            if conn.exec_driver_sql(query, (BAND_KEY_INDEX,)).first() is not None:
                return
        logger.warning("Archive %s lacked its index of near-duplicate bands (a rebuild stopped before its end): made again",
                       self.engine.url.database)
        with self.engine.begin() as conn:
            conn.exec_driver_sql(CREATE_BAND_KEY_INDEX)

    def _insert(self, table: Any) -> Any:
        """INSERT with ON CONFLICT support, in this database's dialect."""
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        return dialect.insert(table)

    # crawls ---------------------------------------------------------------
    def start_crawl(self, spider: str, arguments: dict[str, Any]) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(
                CrawlRow.__table__.insert().values(spider=spider, arguments=arguments, started_at=utc_now()).returning(CrawlRow.id)
            )
            return int(result.scalar_one())

    def finish_crawl(self, crawl_id: int, reason: str, counts: dict[str, int], stats: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(CrawlRow).where(CrawlRow.id == crawl_id).values(
                    finished_at=utc_now(), finish_reason=reason,
                    articles_new=counts.get("new", 0), articles_changed=counts.get("changed", 0),
                    articles_unchanged=counts.get("unchanged", 0), pages_failed=counts.get("failed", 0),
                    stats=json.loads(json.dumps(stats, default=str)),
                )
            )

    def record_refused_start(self, spider: str, arguments: dict[str, Any], reason: str, stats: dict[str, Any]) -> None:
        """A crawl refused before it started (a bad argument or setting): a finished row, for health."""
        now = utc_now()
        with self.engine.begin() as conn:
            conn.execute(CrawlRow.__table__.insert().values(
                spider=spider, arguments=arguments, started_at=now, finished_at=now, finish_reason=reason, stats=stats,
            ))

    # reads for the crawl --------------------------------------------------------
    def known_hashes(self, article_ids: Iterable[str]) -> dict[str, str]:
        ids = list(article_ids)
        if not ids:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(select(ArticleRow.article_id, ArticleRow.content_hash).where(ArticleRow.article_id.in_(ids)))
            return {article_id: digest for article_id, digest in rows}

    def archived_ids(self) -> Iterator[str]:
        """Every archived article id, streamed: a crawl asks the database about these only."""
        with self.engine.connect() as conn:
            yield from conn.execution_options(yield_per=5000).execute(select(ArticleRow.article_id)).scalars()

    def text_prefixes(self) -> Iterator[int]:
        """The first 64 bits of every archived original's content hash, streamed: a text whose
        prefix is not among them is new to the archive, and needs no query."""
        query = select(ArticleRow.content_hash).where(ArticleRow.duplicate_of.is_(None))
        with self.engine.connect() as conn:
            for digest in conn.execution_options(yield_per=5000).execute(query).scalars():
                yield hash_prefix(digest)

    def first_with_text(self, content_hash: str, other_than: str) -> Optional[str]:
        """The earliest-stored other article with this text that is no copy itself."""
        query = (
            select(ArticleRow.article_id)
            .where(ArticleRow.content_hash == content_hash, ArticleRow.article_id != other_than, ArticleRow.duplicate_of.is_(None))
            .order_by(ArticleRow.first_seen_at, ArticleRow.article_id)
            .limit(1)
        )
        with self.engine.connect() as conn:
            return conn.execute(query).scalar()

    def archived_since(self) -> Iterator[tuple[str, Optional[str]]]:
        """(article_id, published_at) of every archived article, streamed."""
        with self.engine.connect() as conn:
            for article_id, published in conn.execution_options(yield_per=5000).execute(
                select(ArticleRow.article_id, ArticleRow.published_at)
            ):
                yield article_id, published

    def last_walk_complete(self, spider: str) -> bool:
        """Whether the newest finished crawl of this spider walked its index to the end (or to
        pages it already held), so that the archive holds every article the index lists."""
        query = (
            select(CrawlRow.stats)
            .where(CrawlRow.spider == spider, CrawlRow.finish_reason == "finished")
            .order_by(CrawlRow.id.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            stats = conn.execute(query).scalar()
        return bool(stats and stats.get(INDEX_WALK_COMPLETE))

    def due_retries(self, now: Optional[str] = None, every: bool = False) -> list[tuple[str, str, int]]:
        """(article_id, url, hops) of the pages on the retry record due for a try now (every
        one, gone and given up included, with every=True), oldest failure first."""
        query = select(FailureRow.article_id, FailureRow.url, FailureRow.hops).order_by(FailureRow.first_failed_at, FailureRow.article_id)
        if not every:
            query = query.where(FailureRow.state == PENDING, FailureRow.next_try_at <= (now or utc_now()))
        with self.engine.connect() as conn:
            return [(article_id, url, hops) for article_id, url, hops in conn.execute(query)]

    def damaged_suspects(self) -> Iterator[tuple[str, str, str]]:
        """(article_id, url, why) of the archived articles whose current text may be a damaged
        copy of the page (newscrawl.integrity.looks_damaged): what `-a refresh=damaged` fetches again."""
        query = select(ArticleRow.article_id, ArticleRow.url, ArticleRow.title, ArticleRow.body)
        with self.engine.connect() as conn:
            for article_id, url, title, body in conn.execution_options(yield_per=1000).execute(query):
                why = looks_damaged(title, body)
                if why:
                    yield article_id, url, why

    def gaps(self) -> Iterator[dict[str, Any]]:
        """The retry record, oldest failure first: what `scrapy export --gaps` lists."""
        query = select(*(FAILURES.c[name] for name in GAP_FIELDS)).order_by(FAILURES.c.first_failed_at, FAILURES.c.article_id)
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                yield dict(row._mapping)

    # feeds ---------------------------------------------------------------------------
    def undelivered_crawls(self, other_than: Optional[int]) -> list[tuple[int, str]]:
        """(id, started_at) of the crawls whose committed articles have not all reached a feed
        (killed before their feed was stored), oldest first."""
        query = select(CrawlRow.id, CrawlRow.started_at).where(CrawlRow.feed_delivered_at.is_(None)).order_by(CrawlRow.id)
        if other_than is not None:
            query = query.where(CrawlRow.id != other_than)
        with self.engine.connect() as conn:
            return [(crawl_id, started) for crawl_id, started in conn.execute(query)]

    def mark_feeds_delivered(self, crawl_ids: Sequence[int]) -> None:
        with self.engine.begin() as conn:
            for chunk in _chunks(list(crawl_ids)):
                conn.execute(update(CrawlRow).where(CrawlRow.id.in_(chunk)).values(feed_delivered_at=utc_now()))

    def archived_links(self) -> Iterator[tuple[str, str]]:
        """(archived article, URL) of every READ MORE link to a site article, streamed: what a
        re-crawl follows from an article it does not fetch again."""
        query = select(LinkRow.from_article_id, LinkRow.to_url).where(LinkRow.to_article_id.is_not(None))
        with self.engine.connect() as conn:
            for source, target in conn.execution_options(yield_per=5000).execute(query):
                yield source, target

    # writes ---------------------------------------------------------------------
    def write_batch(
        self, articles: Sequence[Article], crawl_id: Optional[int], failures: Sequence[PageFailure] = (),
    ) -> list[WriteOutcome]:
        """Store a batch in one transaction: new rows, new revisions, or a touch of last_seen_at;
        and the batch's failed pages on the retry record, which a good article clears."""
        if not articles and not failures:
            return []
        now = utc_now()
        latest = {article.article_id: article for article in articles}  # an id twice: the last one is current
        near: dict[str, list[str]] = {}
        repaired: dict[str, str] = {}
        with self.engine.begin() as conn:
            known: dict[str, str] = dict(self._rows_by_id(conn, ARTICLES.c.article_id, [ARTICLES.c.content_hash], latest))
            unchanged = [i for i, a in latest.items() if known.get(i) == a.content_hash]
            stored = [a for i, a in latest.items() if known.get(i) != a.content_hash]
            if unchanged:
                for chunk in _chunks(unchanged):
                    conn.execute(update(ArticleRow).where(ArticleRow.article_id.in_(chunk)).values(last_seen_at=now))
            if stored:
                repaired = self._mark_damaged_revisions(conn, [a for a in stored if a.article_id in known], known)
                self._upsert_articles(conn, stored, now)
                # full-text index: the new rows here, in one statement (changed ones: a trigger; newscrawl/fts.py)
                index_added_articles(conn, [a.article_id for a in stored if a.article_id not in known])
                self._add_revisions(conn, [a for a in articles if known.get(a.article_id) != a.content_hash], now, crawl_id)
                self._replace_links(conn, stored)
                near = self._link_near_duplicates(conn, stored, now, crawl_id)
            for chunk in _chunks(list(latest)):  # a good article clears its record
                conn.execute(delete(FailureRow).where(FailureRow.article_id.in_(chunk)))
            self._record_failures(conn, [f for f in failures if f.article_id not in latest], now, crawl_id)
        outcomes = {i: "unchanged" for i in unchanged}
        outcomes.update({a.article_id: "changed" if a.article_id in known else "new" for a in stored})
        return [WriteOutcome(outcomes[i], i, near.get(i, []), repaired.get(i)) for i in latest]

    def _mark_damaged_revisions(self, conn: Connection, changed: list[Article], known: dict[str, str]) -> dict[str, str]:
        """Marks the revisions these new texts show to have been damaged copies of the page
        (newscrawl.integrity.damage_repaired), so no one takes them for the site's own edits."""
        rows = self._rows_by_id(conn, ARTICLES.c.article_id, [ARTICLES.c.title, ARTICLES.c.body], [a.article_id for a in changed])
        old = {article_id: (title, body) for article_id, title, body in rows}
        repaired: dict[str, str] = {}
        for article in changed:
            title, body = old[article.article_id]
            reason = damage_repaired(title, body, article.title, article.body)
            if reason is None:
                continue
            repaired[article.article_id] = reason
            conn.execute(
                update(RevisionRow)
                .where(RevisionRow.article_id == article.article_id, RevisionRow.content_hash == known[article.article_id])
                .values(damaged=reason)
            )
        return repaired

    def _record_failures(self, conn: Connection, failures: list[PageFailure], now: str, crawl_id: Optional[int]) -> None:
        """Each failed try on the retry record: attempts counted, the next try scheduled."""
        if not failures:
            return
        by_id = {failure.article_id: failure for failure in failures}  # tried twice in a batch: the last one counts
        columns = [FAILURES.c.attempts, FAILURES.c.gone_answers, FAILURES.c.first_failed_at, FAILURES.c.hops]
        earlier = {row[0]: row[1:] for row in self._rows_by_id(conn, FAILURES.c.article_id, columns, by_id)}
        rows = []
        for article_id, failure in by_id.items():
            attempts, gone_answers, first, hops = earlier.get(article_id, (0, 0, now, failure.hops))
            rows.append({
                # the nearest the index it was ever met: a crawl that stopped paging early may
                # have met it only through a longer path
                "article_id": article_id, "url": failure.url, "hops": min(hops, failure.hops), "problem": failure.problem,
                "status": failure.status, "error": failure.error[:1000], "attempts": attempts + 1,
                "first_failed_at": first, "last_tried_at": now, "crawl_id": crawl_id,
                **self.retry_policy.after(failure, attempts + 1, gone_answers, now),
            })
        insert = self._insert(FAILURES)
        updated = [name for name in rows[0] if name not in ("article_id", "first_failed_at")]
        conn.execute(
            insert.on_conflict_do_update(index_elements=[FAILURES.c.article_id], set_={name: insert.excluded[name] for name in updated}),
            rows,
        )

    def _upsert_articles(self, conn: Connection, articles: list[Article], now: str) -> None:
        rows = [{**article_values(a), "first_seen_at": now, "last_seen_at": now, "changed_at": now} for a in articles]
        insert = self._insert(ARTICLES)
        conn.execute(
            insert.on_conflict_do_update(
                index_elements=[ARTICLES.c.article_id], set_={name: insert.excluded[name] for name in _UPDATED_ON_CHANGE}
            ),
            rows,
        )

    def _add_revisions(
        self, conn: Connection, articles: list[Article], now: str, crawl_id: Optional[int], origin: Optional[str] = None,
    ) -> None:
        # a text seen before (an edit undone) keeps its first revision: nothing is ever overwritten
        rows = []
        for article in articles:
            values = article_values(article)
            texts = {name: values.pop(name) for name in _REVISION_TEXT}
            del values["article_id"]
            rows.append({"article_id": article.article_id, **texts, "seen_at": now, "crawl_id": crawl_id, "other_fields": values,
                         "origin": origin})
        if origin is not None:  # a re-extraction: the caller wrote only those that differ
            conn.execute(REVISIONS.insert(), rows)
            return
        conn.execute(self._insert(REVISIONS).on_conflict_do_nothing(
            index_elements=["article_id", "content_hash"], index_where=REVISIONS.c.origin.is_(None)), rows)

    def _replace_links(self, conn: Connection, articles: list[Article]) -> None:
        for chunk in _chunks([a.article_id for a in articles]):
            conn.execute(delete(LinkRow).where(LinkRow.from_article_id.in_(chunk)))
        rows = []
        for article in articles:
            seen: set[str] = set()
            for link in article.read_more:
                if link["url"] in seen:
                    continue
                seen.add(link["url"])
                target = article_id_from_url(link["url"]) if is_site_host(urlsplit(link["url"]).hostname) else None
                rows.append({"from_article_id": article.article_id, "to_url": link["url"], "to_article_id": target, "title": link.get("title")})
        if rows:
            conn.execute(self._insert(LINKS).on_conflict_do_nothing(index_elements=["from_article_id", "to_url"]), rows)

    def _link_near_duplicates(
        self, conn: Connection, articles: list[Article], now: str, crawl_id: Optional[int],
        prints: Optional[dict[str, TextPrint]] = None,
    ) -> dict[str, list[str]]:
        """Replace each article's bands, then link it to the archived articles (and the ones
        earlier in this batch) whose bodies share a band and are at least as similar as the
        threshold (exact Jaccard decides). The archive is asked per group of articles, not per
        article. `prints`: the articles' prints when the caller made them already."""
        if prints is None:
            prints = {a.article_id: TextPrint.of(a.body) for a in articles}
        for table in (BANDS, SIGNATURES):
            for chunk in _chunks(list(prints)):
                conn.execute(delete(table).where(table.c.article_id.in_(chunk)))
        floor = self.near_duplicate_threshold - ESTIMATE_MARGIN
        in_batch = {a.article_id: a for a in articles}
        batch_by_key: dict[int, list[str]] = {}
        links: list[dict[str, Any]] = []
        # a group of articles at a time: a whole batch's candidates can be much of a large
        # archive (stock phrases share bands), and their signatures would all be in memory
        for first in range(0, len(articles), _SEARCH_GROUP):
            group = articles[first : first + _SEARCH_GROUP]
            archived_by_key, signatures = self._archived_prints(conn, {key for a in group for key in prints[a.article_id].bands})
            likely: dict[str, list[str]] = {}
            for article in group:
                text = prints[article.article_id]
                candidates: dict[str, bytes] = {}
                for key in text.bands:
                    for other in archived_by_key.get(key, ()):
                        if other in signatures:  # both are written together; a missing one is no candidate
                            candidates[other] = signatures[other]
                    for other in batch_by_key.get(key, ()):
                        candidates[other] = prints[other].signature
                    batch_by_key.setdefault(key, []).append(article.article_id)
                candidates.pop(article.article_id, None)
                likely[article.article_id] = likely_similar(text.signature, list(candidates.items()), floor)
            del archived_by_key, signatures
            bodies = self._bodies(conn, {other for ids in likely.values() for other in ids if other not in in_batch})
            for article in group:
                mine: Optional[frozenset[str]] = None
                for other_id in likely[article.article_id]:
                    other = in_batch.get(other_id)
                    other_hash, other_body = (other.content_hash, other.body) if other is not None else bodies[other_id]
                    if other_hash == article.content_hash:
                        continue  # the same text: linked by duplicate_of, not as a near-duplicate
                    mine = mine if mine is not None else print_shingles(article.body)
                    similarity = jaccard(mine, print_shingles(other_body))
                    if similarity >= self.near_duplicate_threshold:
                        links.append({"article_id": article.article_id, "similar_id": other_id, "similarity": round(similarity, 4),
                                      "found_at": now, "crawl_id": crawl_id})
        self._insert_bands(conn, prints)
        conn.execute(SIGNATURES.insert(), [{"article_id": i, "signature": t.signature} for i, t in prints.items()])
        if links:
            conn.execute(self._insert(NEAR).on_conflict_do_nothing(index_elements=["article_id", "similar_id"]), links)
        found: dict[str, list[str]] = {}
        for link in links:
            found.setdefault(link["article_id"], []).append(link["similar_id"])
        return found

    def _insert_bands(self, conn: Connection, prints: dict[str, TextPrint]) -> None:
        """Each article's band rows (its id, the band's number, its key), in band order. SQLite
        gets one row of parameters an article, its keys as a JSON array that json_each spreads
        into the 32 rows: the driver's handling of 32 rows of parameters an article cost more
        than the inserts."""
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(_INSERT_BANDS_SQLITE, [(i, f"[{','.join(map(str, t.bands))}]") for i, t in prints.items()])
            return
        for chunk in _chunks(list(prints)):  # a bounded list of parameters at a time
            self._insert_rows(conn, BANDS, [(i, n, k) for i in chunk for n, k in enumerate(prints[i].bands)])

    @staticmethod
    def _insert_rows(conn: Connection, table: Any, rows: list[tuple[Any, ...]]) -> None:
        """INSERT of rows of plain values (the table's columns, in order) through the driver's
        executemany: for the 32 band rows of each article, SQLAlchemy's handling of each row's
        parameters cost a third again of the database's own insert."""
        compiled = table.insert().compile(dialect=conn.dialect)
        if not compiled.positional:  # named parameters (psycopg's)
            names = [column.key for column in table.columns]
            conn.exec_driver_sql(str(compiled), [dict(zip(names, row)) for row in rows])
            return
        conn.exec_driver_sql(str(compiled), rows)

    def _archived_prints(self, conn: Connection, keys: set[int]) -> tuple[dict[int, list[str]], Mapping[str, bytes]]:
        """The archived articles holding each of these band keys, and their signatures."""
        holders = self._sharing_bands(conn, keys)
        return holders, self._signatures(conn, {other for ids in holders.values() for other in ids})

    @staticmethod
    def _sharing_bands(conn: Connection, keys: set[int]) -> dict[int, list[str]]:
        """The archived articles holding each of these band keys."""
        holders: dict[int, list[str]] = {}
        same: dict[str, str] = {}  # one string per id, however many bands it holds
        for chunk in _chunks(list(keys)):
            result = conn.execute(select(BANDS.c.article_id, BANDS.c.key).where(BANDS.c.key.in_(chunk)))
            # fetched in blocks: row by row costs several times more on hot bands, all at once holds them all
            for rows in result.partitions(2000):
                for article_id, key in rows:
                    holders.setdefault(key, []).append(same.setdefault(article_id, article_id))
        return holders

    @staticmethod
    def _rows_by_id(conn: Connection, id_column: Any, columns: list[Any], article_ids: Iterable[str]) -> Iterator[Any]:
        """(id, *columns) of these articles, asked in IN lists of a bounded length."""
        for chunk in _chunks(sorted(article_ids)):
            yield from conn.execute(select(id_column, *columns).where(id_column.in_(chunk))).all()

    def _signatures(self, conn: Connection, article_ids: set[str]) -> dict[str, bytes]:
        return dict(self._rows_by_id(conn, SIGNATURES.c.article_id, [SIGNATURES.c.signature], article_ids))

    def _bodies(self, conn: Connection, article_ids: set[str]) -> dict[str, tuple[str, str]]:
        """(content hash, body) of these archived articles."""
        rows = self._rows_by_id(conn, ARTICLES.c.article_id, [ARTICLES.c.content_hash, ARTICLES.c.body], article_ids)
        return {article_id: (digest, body) for article_id, digest, body in rows}

    # reads for people ---------------------------------------------------------------
    def near_duplicate_pairs(self) -> list[tuple[str, str, float]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(NEAR.c.article_id, NEAR.c.similar_id, NEAR.c.similarity).order_by(NEAR.c.article_id))
            return [(a, b, s) for a, b, s in rows]

    def article_count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(ArticleRow)).scalar_one())

    def counts(self) -> dict[str, int]:
        """Rows per table, for summaries and tests."""
        with self.engine.connect() as conn:
            return {
                table.name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
                for table in (ARTICLES, REVISIONS, LINKS, CrawlRow.__table__, NEAR, FAILURES)
            }

    def sections(self) -> list[str]:
        """The sections the archive's articles are in, sorted (the index on section answers)."""
        query = select(ArticleRow.section).where(ArticleRow.section.is_not(None)).distinct().order_by(ArticleRow.section)
        with self.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def export_lines(self, selection: ExportFilter, batch: int = 1000) -> Iterator[dict[str, Any]]:
        """Feed lines of the archive, streamed (a server-side cursor on PostgreSQL).

        With changed_since: the revisions first seen since then, in the order they were
        stored; then the articles changed since then back to a text first seen before (an
        edit undone has no new revision), as they are now, so the last line of each
        article is its current version."""
        if not selection.changed_since:
            yield from self._stream(self._current_query(selection), article_from_row, batch)
            return
        yield from self._stream(self._revision_query(selection), self._revision_line, batch)
        yield from self._stream(self._reverted_query(selection), article_from_row, batch)

    def export_json(self, selection: ExportFilter, batch: int = 1000) -> Iterator[bytes]:
        """export_lines' lines as `scrapy export` writes them: each one's JSON text in UTF-8
        (no newline), which parses to the same dict, its fields in the same order.

        The line of an `articles` row is made by the database (_article_json): a row costs
        Python one bytes object, where decoding its JSON columns and encoding the whole line
        again took most of the export's time. A revision's line (changed_since) merges the
        stored item with the article's columns, so it is made here from _revision_line."""
        if not selection.changed_since:
            yield from self._stream_json(self._current_query(selection, [self._article_json()]), batch)
            return
        encode = json.JSONEncoder(ensure_ascii=False).encode  # what json.dumps(line, ensure_ascii=False) does
        for line in self._stream(self._revision_query(selection), self._revision_line, batch):
            yield encode(line).encode()
        yield from self._stream_json(self._reverted_query(selection, [self._article_json()]), batch)

    def _stream(self, query: Select[Any], line: Callable[[Mapping[str, Any]], dict[str, Any]], batch: int) -> Iterator[dict[str, Any]]:
        with self.engine.connect() as conn:
            for row in conn.execution_options(yield_per=batch).execute(query):
                yield line(row._mapping)

    def _stream_json(self, query: Select[Any], batch: int) -> Iterator[bytes]:
        with self.engine.connect() as conn:
            for text in conn.execution_options(yield_per=batch).execute(query).scalars():
                yield text if isinstance(text, bytes) else text.encode()

    def _article_json(self) -> ColumnElement[Any]:
        """An `articles` row's feed line as JSON, built by the database: article_from_row's
        fields in order, the JSON columns embedded as values (SQLite keeps them as text, which
        json() marks as JSON; PostgreSQL's json type is embedded as it is). SQLite's line comes
        as UTF-8 bytes (CAST AS BLOB), sparing a decoding to str and an encoding back."""
        sqlite_db = self.engine.dialect.name == "sqlite"
        pairs: list[ColumnElement[Any]] = []
        for name in ARTICLE_FIELDS:  # identifiers: safe as SQL string literals
            column = ARTICLES.c[name]
            pairs += [literal_column(f"'{name}'"), func.json(column) if sqlite_db and isinstance(column.type, JSON) else column]
        if sqlite_db:
            return cast(func.json_object(*pairs), LargeBinary)
        return cast(func.json_build_object(*pairs), Text)  # as text: psycopg would parse json into a dict

    @staticmethod
    def _windowed(query: Select[Any], selection: ExportFilter) -> Select[Any]:
        if selection.since:
            query = query.where(ArticleRow.published_at >= selection.since)
        if selection.until:  # the whole last day
            query = query.where(ArticleRow.published_at < (date.fromisoformat(selection.until) + timedelta(days=1)).isoformat())
        if selection.section:  # without regard to case
            query = query.where(func.lower(ArticleRow.section) == selection.section.lower())
        return query

    @staticmethod
    def _article_columns() -> list[ColumnElement[Any]]:
        return [ARTICLES.c[name] for name in ARTICLE_FIELDS]

    def _current_query(self, selection: ExportFilter, columns: Optional[Sequence[ColumnElement[Any]]] = None) -> Select[Any]:
        """Every article's current version (`columns` of it: by default the feed's fields)."""
        query = select(*(columns or self._article_columns()))
        return self._windowed(query, selection).order_by(ArticleRow.published_at, ArticleRow.article_id)

    def _reverted_query(self, selection: ExportFilter, columns: Optional[Sequence[ColumnElement[Any]]] = None) -> Select[Any]:
        revision_since = (
            select(REVISIONS.c.id)
            .where(REVISIONS.c.article_id == ARTICLES.c.article_id, REVISIONS.c.content_hash == ARTICLES.c.content_hash,
                   REVISIONS.c.seen_at >= selection.changed_since)
            .exists()
        )
        query = select(*(columns or self._article_columns())).where(
            ARTICLES.c.changed_at >= selection.changed_since, ~revision_since
        )
        return self._windowed(query, selection).order_by(ARTICLES.c.changed_at, ARTICLES.c.article_id)

    def _revision_query(self, selection: ExportFilter) -> Select[Any]:
        current = [ARTICLES.c[name].label(f"current_{name}") for name in ARTICLE_FIELDS]
        query = (
            select(REVISIONS.c.other_fields, *(REVISIONS.c[name] for name in _REVISION_TEXT), *current)
            .join(ARTICLES, ARTICLES.c.article_id == REVISIONS.c.article_id)
            .where(REVISIONS.c.seen_at >= selection.changed_since)
        )
        return self._windowed(query, selection).order_by(REVISIONS.c.id)

    @staticmethod
    def _revision_line(mapping: Mapping[str, Any]) -> dict[str, Any]:
        # the revision's own text; the other fields as that crawl stored them, or (a revision
        # stored before other_fields were kept) as the article has them now
        others = mapping["other_fields"] or {}
        line = {}
        for name in ARTICLE_FIELDS:
            if name in _REVISION_TEXT:
                line[name] = mapping[name]
            else:
                line[name] = others[name] if name in others else mapping[f"current_{name}"]
        return line


def as_article(line: dict[str, Any]) -> Article:
    """A feed line (or manifest expected item) as the item class, unknown keys ignored."""
    fields = {f.name for f in dataclasses.fields(Article)}
    return Article(**{k: v for k, v in line.items() if k in fields})
