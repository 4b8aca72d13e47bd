"""Full-text search of the archive, one API on SQLite and PostgreSQL (`scrapy search`).

The index (migration 0004) covers each article's current title, lead, body, tags and authors:

- SQLite: the FTS5 table `articles_fts` (columns title, lead, body, tags, authors; its rowid
  is the `articles` row's rowid), external content: FTS5 reads the text from `articles` through
  the view `articles_fts_source` (tags and authors as "a; b" text). Tokenizer: porter over
  unicode61, diacritics removed. Ranked by bm25 with column weights (SQLITE_WEIGHTS).
- PostgreSQL: the column `articles.fts_document` (tsvector, 'english' configuration; title A,
  lead B, tags and authors C, body D) under the GIN index `ix_articles_fts_document`. Ranked
  by ts_rank (normalized by the log of the document's length, as bm25 is by its length).

Triggers on `articles` keep both in step, in the transaction that writes the row, whatever
writes it. Other tools can use the index directly: on SQLite, `SELECT articles.* FROM
articles JOIN articles_fts ON articles_fts.rowid = articles.rowid WHERE articles_fts MATCH ?`.

Queries use one language on both engines (newscrawl.search_query). Filters: the published
window (dates, inclusive), section, tags and authors (exact, case folded; every one given
must be there).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Optional, Sequence

from sqlalchemy import Integer, bindparam, column, func, literal, literal_column, select, table
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql import Select
from sqlalchemy.sql.expression import ColumnElement

from newscrawl.db import ARTICLES, article_from_row
from newscrawl.items import ARTICLE_FIELDS
from newscrawl.search_query import Node, fts5_match, parse_query, postgres_tsquery

# the names other tools (Datasette, sqlite3, psql) use
SQLITE_FTS_TABLE = "articles_fts"
SQLITE_FTS_SOURCE = "articles_fts_source"
POSTGRES_FTS_COLUMN = "fts_document"
POSTGRES_FTS_CONFIG = "english"
# bm25 weights of articles_fts's columns, in their order: title, lead, body, tags, authors
SQLITE_WEIGHTS = (10.0, 5.0, 1.0, 5.0, 5.0)

ORDERS = ("rank", "newest", "oldest")
# how the engines mark a match in a snippet; the caller gets its own marks instead
_START, _END = "\x02", "\x03"
SNIPPET_WORDS = 24


@dataclass(frozen=True)
class SearchFilter:
    """What besides the query selects an article: published between since and until (ISO
    dates, both days included), its section, every tag and every author named (exact, case
    folded). `limit` 0: every match. `order`: rank (best first), newest or oldest published."""

    since: Optional[str] = None
    until: Optional[str] = None
    section: Optional[str] = None
    tags: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    limit: int = 20
    order: str = "rank"


@dataclass
class SearchHit:
    article: dict[str, Any]  # the feed's fields, as `scrapy export` gives them
    rank: float  # the engine's relevance (bm25 negated on SQLite, ts_rank on PostgreSQL): higher is better
    snippet: str  # the best passage, each match between the caller's marks


@dataclass
class SearchResults:
    total: int  # every article that matches (the limit aside)
    hits: list[SearchHit] = field(default_factory=list)


def search_archive(
    engine: Engine, query: str, selection: SearchFilter = SearchFilter(), marks: tuple[str, str] = ("**", "**"),
) -> SearchResults:
    """The articles matching `query` (newscrawl.search_query's language; a QueryError when it
    cannot be parsed) and `selection`, the best first (or by date), with a snippet each."""
    tree = parse_query(query)
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            results = _SqliteSearch(tree).run(conn, selection)
        else:
            results = _PostgresSearch(tree).run(conn, selection)
    for hit in results.hits:
        # one line; the words of a phrase marked as one match (ts_headline marks each)
        passage = " ".join(hit.snippet.split()).replace(f"{_END} {_START}", " ")
        hit.snippet = passage.replace(_START, marks[0]).replace(_END, marks[1])
    return results


def _filtered(query: Select[Any], selection: SearchFilter, list_items: Any) -> Select[Any]:
    if selection.since:
        query = query.where(ARTICLES.c.published_at >= selection.since)
    if selection.until:  # the whole last day
        query = query.where(ARTICLES.c.published_at < (date.fromisoformat(selection.until) + timedelta(days=1)).isoformat())
    if selection.section:
        query = query.where(ARTICLES.c.section == selection.section)
    for listed, wanted in ((ARTICLES.c.tags, selection.tags), (ARTICLES.c.authors, selection.authors)):
        for name in wanted:
            items = list_items(listed).table_valued("value")
            query = query.where(select(literal(1)).select_from(items).where(func.lower(items.c.value) == name.lower()).exists())
    return query


class _EngineSearch:
    """A search on one engine: the SQL of its match, relevance, list items and snippets."""

    def __init__(self, tree: Node) -> None:
        self.tree = tree

    def matching(self, columns: Sequence[ColumnElement[Any]]) -> Select[Any]:
        raise NotImplementedError

    def relevance(self) -> ColumnElement[Any]:
        """Higher is better."""
        raise NotImplementedError

    def list_items(self, column: Any) -> Any:
        """The items of a JSON array column, as a table-valued function with a `value` column."""
        raise NotImplementedError

    def snippets(self, conn: Connection, article_ids: list[str]) -> dict[str, str]:
        """The best passage of each of these articles (made for the hits alone: the engines
        make one from the article's text, which costs too much for every match)."""
        raise NotImplementedError

    def run(self, conn: Connection, selection: SearchFilter) -> SearchResults:
        total = conn.execute(_filtered(self.matching([func.count()]), selection, self.list_items)).scalar_one()
        if not total:
            return SearchResults(0)
        rank = self.relevance().label("rank")
        query = _filtered(self.matching([*(ARTICLES.c[name] for name in ARTICLE_FIELDS), rank]), selection, self.list_items)
        published = ARTICLES.c.published_at
        order = {"rank": [rank.desc(), published.desc()], "newest": [published.desc()], "oldest": [published.asc()]}
        query = query.order_by(*order[selection.order], ARTICLES.c.article_id)
        if selection.limit:
            query = query.limit(selection.limit)
        rows = [row._mapping for row in conn.execute(query)]
        snippets: dict[str, str] = {}
        for start in range(0, len(rows), _SNIPPETS_AT_ONCE):
            snippets.update(self.snippets(conn, [row["article_id"] for row in rows[start : start + _SNIPPETS_AT_ONCE]]))
        hits = [SearchHit(article_from_row(row), float(row["rank"]), snippets.get(row["article_id"], "")) for row in rows]
        return SearchResults(total, hits)


_SNIPPETS_AT_ONCE = 500


class _SqliteSearch(_EngineSearch):
    fts = table(SQLITE_FTS_TABLE, column("rowid", Integer))
    fts_table = literal_column(SQLITE_FTS_TABLE)  # the table's name as FTS5's functions take it
    article_rowid = literal_column("articles.rowid", Integer)

    def __init__(self, tree: Node) -> None:
        super().__init__(tree)
        self.match = self.fts_table.op("MATCH")(bindparam("match", fts5_match(tree)))

    def matching(self, columns: Sequence[ColumnElement[Any]]) -> Select[Any]:
        return select(*columns).select_from(self.fts.join(ARTICLES, self.fts.c.rowid == self.article_rowid)).where(self.match)

    def relevance(self) -> ColumnElement[Any]:
        return -func.bm25(self.fts_table, *SQLITE_WEIGHTS)

    def list_items(self, column: Any) -> Any:
        return func.json_each(column)

    def snippets(self, conn: Connection, article_ids: list[str]) -> dict[str, str]:
        snippet = func.snippet(self.fts_table, -1, _START, _END, "…", SNIPPET_WORDS)
        query = self.matching([ARTICLES.c.article_id, snippet]).where(ARTICLES.c.article_id.in_(article_ids))
        return {article_id: passage for article_id, passage in conn.execute(query)}


class _PostgresSearch(_EngineSearch):
    document = literal_column(f"articles.{POSTGRES_FTS_COLUMN}")
    config = literal_column(f"'{POSTGRES_FTS_CONFIG}'::regconfig")
    headline_options = (f"StartSel={_START}, StopSel={_END}, MaxWords={SNIPPET_WORDS}, MinWords={SNIPPET_WORDS // 2}, "
                        "MaxFragments=1, FragmentDelimiter=…")

    def __init__(self, tree: Node) -> None:
        super().__init__(tree)
        self.tsquery = postgres_tsquery(tree, POSTGRES_FTS_CONFIG)

    def matching(self, columns: Sequence[ColumnElement[Any]]) -> Select[Any]:
        return select(*columns).select_from(ARTICLES).where(self.document.op("@@")(self.tsquery))

    def relevance(self) -> ColumnElement[Any]:
        return func.ts_rank(self.document, self.tsquery, 1)

    def list_items(self, column: Any) -> Any:
        return func.json_array_elements_text(column)

    @staticmethod
    def listed(name: str) -> ColumnElement[Any]:
        """A list column's items as "a; b" text, as the index has them."""
        return literal_column(f"(SELECT string_agg(item, '; ') FROM json_array_elements_text(articles.{name}) AS item)")

    def snippets(self, conn: Connection, article_ids: list[str]) -> dict[str, str]:
        passage = func.concat_ws(" … ", ARTICLES.c.lead, ARTICLES.c.body, self.listed("tags"), self.listed("authors"))
        headline = func.ts_headline(self.config, passage, self.tsquery, self.headline_options)
        query = select(ARTICLES.c.article_id, headline).where(ARTICLES.c.article_id.in_(article_ids))
        return {article_id: passage for article_id, passage in conn.execute(query)}
