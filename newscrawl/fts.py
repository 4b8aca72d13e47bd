"""The archive's full-text index: its names, and how new articles enter it on SQLite.

Made by migration 0004 (which says what each object is); read by newscrawl.search.

- SQLite: the FTS5 table `articles_fts` (columns title, lead, body, tags, authors; rowid: the
  `articles` row's rowid), external content read through the view `articles_fts_source`
  (tags and authors as "a; b" text). Tokenizer: porter over unicode61, diacritics removed.
- PostgreSQL: the tsvector column `articles.fts_document` ('english'; title A, lead B, tags and
  authors C, body D) under the GIN index `ix_articles_fts_document`.

Kept in step, in the transaction that writes the article:
- PostgreSQL: a trigger computes `fts_document` whenever a row is inserted or an indexed
  column updated, whoever writes it.
- SQLite: triggers on `articles` keep every update and deletion in step, whoever makes them
  (a crawl's changed article, a re-extraction, a migration, a fix by hand in sqlite3). New
  rows are indexed by the archive's writer (index_added_articles, called by
  Archive.write_batch), in one statement per batch: an FTS5 insert made by a trigger costs
  three times as much (FTS5 writes its pending terms to disk at every savepoint, and each
  row's trigger opens one: a segment per article, where a batch makes one), which was 10 to
  15% of the writer's CPU per article; this way it is 3 to 4%. A tool that adds rows to
  `articles` other than through Archive.write_batch calls index_added_articles too, or
  rebuilds the index: INSERT INTO articles_fts (articles_fts) VALUES ('rebuild').
"""

from __future__ import annotations

from typing import Sequence

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

SQLITE_FTS_TABLE = "articles_fts"
SQLITE_FTS_SOURCE = "articles_fts_source"
SQLITE_FTS_COLUMNS = ("title", "lead", "body", "tags", "authors")
POSTGRES_FTS_COLUMN = "fts_document"
POSTGRES_FTS_INDEX = "ix_articles_fts_document"
POSTGRES_FTS_CONFIG = "english"

_COLUMNS = ", ".join(SQLITE_FTS_COLUMNS)
# the rows' values as the view gives them: what the update trigger's 'delete' will give back
_INDEX_ADDED = text(
    f"INSERT INTO {SQLITE_FTS_TABLE} (rowid, {_COLUMNS}) SELECT article_rowid, {_COLUMNS} FROM {SQLITE_FTS_SOURCE} "
    "WHERE article_rowid IN (SELECT rowid FROM articles WHERE article_id IN :article_ids)"
).bindparams(bindparam("article_ids", expanding=True))

# article ids per statement: far below SQLite's limit of bound parameters
_CHUNK = 900


def index_added_articles(conn: Connection, article_ids: Sequence[str]) -> None:
    """Index these articles, just inserted into `articles` (SQLite; PostgreSQL's trigger does it)."""
    if conn.dialect.name != "sqlite":
        return
    for start in range(0, len(article_ids), _CHUNK):
        conn.execute(_INDEX_ADDED, {"article_ids": list(article_ids[start : start + _CHUNK])})
