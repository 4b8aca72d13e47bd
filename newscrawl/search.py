"""Full-text search of the archive, one API on SQLite and PostgreSQL (`scrapy search`).

The index (migration 0004, newscrawl/fts.py) covers each article's current title, lead, body,
tags and authors: on SQLite the FTS5 table `articles_fts`, ranked by bm25 with column weights
(SQLITE_WEIGHTS); on PostgreSQL the tsvector `articles.fts_document`, ranked by ts_rank
(normalized by the log of the document's length, as bm25 is by its length). Other tools can
use it directly: on SQLite, `SELECT articles.* FROM articles JOIN articles_fts ON
articles_fts.rowid = articles.rowid WHERE articles_fts MATCH ? ORDER BY bm25(articles_fts)`.

Queries use one language on both engines (newscrawl.search_query). Filters: the published
window (dates, inclusive), section, tags and authors (exact, case folded; every one given
must be there). Snippets are made for the hits alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Optional

from sqlalchemy import Integer, bindparam, column, func, literal, literal_column, select, table
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql import Select
from sqlalchemy.sql.expression import ColumnElement

from newscrawl.db import ARTICLES, article_from_row
from newscrawl.fts import POSTGRES_FTS_COLUMN, POSTGRES_FTS_CONFIG, SQLITE_FTS_TABLE
from newscrawl.items import ARTICLE_FIELDS
from newscrawl.search_query import AnyOf, Node, Term, fts5_match, parse_query, postgres_tsquery

# bm25 weights of articles_fts's columns, in their order: title, lead, body, tags, authors
SQLITE_WEIGHTS = (10.0, 5.0, 1.0, 5.0, 5.0)

ORDERS = ("rank", "newest", "oldest")
# how the engines mark a match in a snippet; the caller gets its own marks instead
_START, _END = "\x02", "\x03"
SNIPPET_WORDS = 24


@dataclass(frozen=True)
class SearchFilter:
    """What besides the query selects an article: published between since and until (ISO
    dates, both days included), its section (in any case), every tag and every author named
    (exact, case folded). `limit` 0: every match. `order`: rank (best first), newest or oldest published."""

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


def _window(selection: SearchFilter) -> list[ColumnElement[bool]]:
    """The conditions an index of `articles` answers: the published window (published_at's
    index) and the section (the index on its folded case, migration 0006)."""
    conditions = []
    if selection.since:
        conditions.append(ARTICLES.c.published_at >= selection.since)
    if selection.until:  # the whole last day
        conditions.append(ARTICLES.c.published_at < (date.fromisoformat(selection.until) + timedelta(days=1)).isoformat())
    if selection.section:
        conditions.append(func.lower(ARTICLES.c.section) == selection.section.lower())  # in any case, as export
    return conditions


def _listed(query: Select[Any], selection: SearchFilter, list_items: Any) -> Select[Any]:
    """Every tag and author named is in the article's list (the whole name, in any case)."""
    for listed, wanted in ((ARTICLES.c.tags, selection.tags), (ARTICLES.c.authors, selection.authors)):
        for name in wanted:
            items = list_items(listed).table_valued("value")
            query = query.where(select(literal(1)).select_from(items).where(func.lower(items.c.value) == name.lower()).exists())
    return query


# (hit's key, rank or None) of the hits shown, in order
Ranked = list[tuple[Any, Optional[float]]]


class _EngineSearch:
    """A search on one engine. The hits are found, counted and ordered on small columns (a
    key for each article, its rank), then only the hits shown are read whole and given a
    passage: a common word matches most of the archive, whose text a sort would otherwise
    carry. The rank of a hit shown in date order is computed with its passage."""

    key: ColumnElement[Any]  # what names a hit: the articles row's rowid (SQLite), article_id (PostgreSQL)

    def __init__(self, tree: Node) -> None:
        self.tree = tree

    def ranking(self, conn: Connection, selection: SearchFilter) -> tuple[int, Ranked]:
        """Every match counted; the hits shown, in order."""
        raise NotImplementedError

    def list_items(self, column: Any) -> Any:
        """The items of a JSON array column, as a table-valued function with a `value` column."""
        raise NotImplementedError

    def passages(self, conn: Connection, keys: list[Any], with_rank: bool) -> dict[Any, tuple[float, str]]:
        """(rank, or 0.0 when not `with_rank`; best passage) of each of these hits (the rank of a
        hit costs a pass over every match of the query, done only when the order had no use of it)."""
        raise NotImplementedError

    def counted(self, hit: ColumnElement[Any], rank: Optional[ColumnElement[Any]]) -> Select[Any]:
        """(hit, rank or null, every match counted) of the matches, to filter and order."""
        return select(hit, rank if rank is not None else literal(None), func.count().over().label("total"))

    def ordered(self, conn: Connection, query: Select[Any], rank: Optional[ColumnElement[Any]],
                selection: SearchFilter) -> tuple[int, Ranked]:
        """The matches (already in the published window and section) with every tag and author
        named, counted and ordered in one pass; the hits shown."""
        query = _listed(query, selection, self.list_items)
        published = ARTICLES.c.published_at
        order = {"rank": [rank.desc() if rank is not None else published.desc(), published.desc()],
                 "newest": [published.desc()], "oldest": [published.asc()]}
        return self.shown(conn, query.order_by(*order[selection.order], ARTICLES.c.article_id), selection)

    @staticmethod
    def shown(conn: Connection, counted: Select[Any], selection: SearchFilter) -> tuple[int, Ranked]:
        """Every match counted; the hits shown, in order (`counted`: rows of self.counted, ordered)."""
        rows = conn.execute(counted.limit(selection.limit) if selection.limit else counted).all()
        return (rows[0][2] if rows else 0), [(key, rank_value) for key, rank_value, _ in rows]

    def run(self, conn: Connection, selection: SearchFilter) -> SearchResults:
        total, ranked = self.ranking(conn, selection)
        hits = []
        for start in range(0, len(ranked), _READ_AT_ONCE):
            chunk = ranked[start : start + _READ_AT_ONCE]
            keys = [key for key, _ in chunk]
            query = select(self.key.label("hit_key"), *(ARTICLES.c[name] for name in ARTICLE_FIELDS)).where(self.key.in_(keys))
            rows = {row.hit_key: row._mapping for row in conn.execute(query)}
            passages = self.passages(conn, keys, with_rank=any(rank is None for _, rank in chunk))
            for key, rank in chunk:
                passage_rank, passage = passages.get(key, (0.0, ""))
                hits.append(SearchHit(article_from_row(rows[key]), float(rank if rank is not None else passage_rank), passage))
        return SearchResults(total, hits)


_READ_AT_ONCE = 500
# gathering a window's article into a set costs about a sixth of reading a match's row to check it
_WINDOW_PER_MATCH = 6
# articles_fts's columns a passage is taken from, by preference: body, lead, the best one
_SNIPPET_COLUMNS = (2, 1, -1)


class _SqliteSearch(_EngineSearch):
    fts = table(SQLITE_FTS_TABLE, column("rowid", Integer))
    fts_table = literal_column(SQLITE_FTS_TABLE)  # the table's name as FTS5's functions take it
    key = literal_column("articles.rowid", Integer)

    def __init__(self, tree: Node) -> None:
        super().__init__(tree)
        self.query = fts5_match(tree)
        self.rank = (-func.bm25(self.fts_table, *SQLITE_WEIGHTS)).label("rank")

    def matching(self, expression: str) -> ColumnElement[Any]:
        return self.fts_table.op("MATCH")(bindparam("match", expression))

    def ranking(self, conn: Connection, selection: SearchFilter) -> tuple[int, Ranked]:
        # a tag or author is sought in its index column first (its text as a phrase, which FTS5
        # splits as it split the column's): the exact match on the JSON list is then made on
        # those articles alone, not on every match
        expression = self.query
        for column_name, names in (("tags", selection.tags), ("authors", selection.authors)):
            for name in names:
                if Term(name).words:
                    expression = f'{expression} AND {{{column_name}}} : "{name.replace(chr(34), chr(34) * 2)}"'
        found = [self.matching(expression)]
        window = _window(selection)
        if window:
            found.append(self.in_window(conn, found[0], window))
        by_rank, listed = selection.order == "rank", bool(selection.tags or selection.authors)
        if by_rank and not (window or listed):
            # the index alone finds, counts and ranks the hits: SQLite keeps the best `limit`
            # of them as it goes, and no article is read
            total = conn.execute(select(func.count()).select_from(self.fts).where(*found)).scalar_one()
            query = select(self.fts.c.rowid, self.rank).where(*found).order_by(self.rank.desc(), self.fts.c.rowid)
            rows = conn.execute(query.limit(selection.limit) if selection.limit else query).all() if total else []
            return total, [(rowid, rank) for rowid, rank in rows]
        # every match (with its rank when it orders them) in one pass, counted and ordered
        # after: SQLite would otherwise walk an index of `articles` and ask FTS5 row by row
        hits = (select(self.fts.c.rowid.label("hit"), *([self.rank] if by_rank else [])).where(*found)
                .cte("hits").prefix_with("MATERIALIZED"))
        rank = hits.c.rank if by_rank else None
        if by_rank and not listed:  # no article to read
            return self.shown(conn, self.counted(hits.c.hit, rank).order_by(hits.c.rank.desc(), hits.c.hit), selection)
        query = self.counted(hits.c.hit, rank).select_from(hits.join(ARTICLES, self.key == hits.c.hit))
        return self.ordered(conn, query, rank, selection)

    def in_window(self, conn: Connection, match: ColumnElement[Any], window: list[ColumnElement[bool]]) -> ColumnElement[bool]:
        """The condition that keeps the matches inside the window, checked before any is ranked,
        the cheaper way round: the window's articles gathered from its indexes (published_at,
        folded section) into a set each match is looked up in, or, when the window holds many
        times more articles than the query matches (a section that is most of the archive), each
        match's own row checked."""
        matches = conn.execute(select(func.count()).select_from(self.fts).where(match)).scalar_one()
        enough = _WINDOW_PER_MATCH * matches + 1
        in_window = select(literal(1)).select_from(ARTICLES).where(*window)
        counted = conn.execute(select(func.count()).select_from(in_window.limit(enough).subquery())).scalar_one()
        if counted >= enough:
            return in_window.where(self.key == self.fts.c.rowid).exists()
        # `rowid + 0`: a plain `rowid IN` would be handed to FTS5, which runs the match again per value
        return (self.fts.c.rowid + 0).in_(select(self.key).select_from(ARTICLES).where(*window))

    def list_items(self, column: Any) -> Any:
        return func.json_each(column)

    def passages(self, conn: Connection, keys: list[Any], with_rank: bool) -> dict[Any, tuple[float, str]]:
        # the body's passage, else the lead's, else the best column's (the title is shown anyway)
        snippets = [func.snippet(self.fts_table, number, _START, _END, "…", SNIPPET_WORDS) for number in _SNIPPET_COLUMNS]
        rank = self.rank if with_rank else literal(0.0)
        # FTS5 finds each hit by its rowid, running the match again for each: cheap for words
        # and phrases, but a prefix merges the lists of every word it starts afresh each time;
        # then one pass over the matches (`rowid + 0`: not handed to FTS5) costs less
        hit = self.fts.c.rowid + 0 if _has_prefix(self.tree) else self.fts.c.rowid
        query = select(self.fts.c.rowid, rank, *snippets).where(self.matching(self.query), hit.in_(keys))
        found = {}
        for rowid, rank, *passages in conn.execute(query):
            found[rowid] = (rank, next((p for p in passages if p and _START in p), passages[-1] or ""))
        return found


def _has_prefix(node: Node) -> bool:
    if isinstance(node, Term):
        return node.prefix
    return any(_has_prefix(child) for child in (node.options if isinstance(node, AnyOf) else (*node.include, *node.exclude)))


class _PostgresSearch(_EngineSearch):
    key = ARTICLES.c.article_id
    document = literal_column(f"articles.{POSTGRES_FTS_COLUMN}")
    config = literal_column(f"'{POSTGRES_FTS_CONFIG}'::regconfig")
    headline_options = (f"StartSel={_START}, StopSel={_END}, MaxWords={SNIPPET_WORDS}, MinWords={SNIPPET_WORDS // 2}, "
                        "MaxFragments=1, FragmentDelimiter=…")

    def __init__(self, tree: Node) -> None:
        super().__init__(tree)
        self.tsquery = postgres_tsquery(tree, POSTGRES_FTS_CONFIG)
        self.match = self.document.op("@@")(self.tsquery)
        self.rank = func.ts_rank(self.document, self.tsquery, 1).label("rank")

    def ranking(self, conn: Connection, selection: SearchFilter) -> tuple[int, Ranked]:
        rank = self.rank if selection.order == "rank" else None
        return self.ordered(conn, self.counted(self.key, rank).where(self.match, *_window(selection)), rank, selection)

    def list_items(self, column: Any) -> Any:
        return func.json_array_elements_text(column)

    @staticmethod
    def listed(name: str) -> ColumnElement[Any]:
        """A list column's items as "a; b" text, as the index has them."""
        return literal_column(f"(SELECT string_agg(item, '; ') FROM json_array_elements_text(articles.{name}) AS item)")

    def passages(self, conn: Connection, keys: list[Any], with_rank: bool) -> dict[Any, tuple[float, str]]:
        passage = func.concat_ws(" … ", ARTICLES.c.lead, ARTICLES.c.body, self.listed("tags"), self.listed("authors"))
        headline = func.ts_headline(self.config, passage, self.tsquery, self.headline_options)
        query = select(self.key, self.rank if with_rank else literal(0.0), headline).where(self.key.in_(keys))
        return {key: (rank, text) for key, rank, text in conn.execute(query)}
