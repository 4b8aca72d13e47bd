"""Full-text search: the articles' title, lead, body, tags and authors indexed (newscrawl.search).

SQLite: `articles_fts`, an FTS5 table whose content is `articles` (external content: the text
is not stored twice), read through the view `articles_fts_source`, which gives the JSON arrays
`tags` and `authors` as plain text (the writer stores them with non-ASCII characters escaped,
`\\u4f50`, which would index as nonsense). PostgreSQL: `articles.fts_document`, a weighted
`tsvector`, under a GIN index.

Kept in step in the transaction that writes the row (newscrawl/fts.py says why so): on
PostgreSQL by a trigger on every insert and update; on SQLite by triggers on every update and
deletion, whoever makes them, and by the archive's writer for the rows it adds (one FTS5
insert per batch: a trigger's per row costs three times as much). The update triggers fire
only when an indexed column is written, so the crawl's touch of `last_seen_at` costs nothing.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-09
"""

from __future__ import annotations

from typing import Sequence, Union

from alembic import op

revision: str = "0004"
down_revision: Union[str, None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _sqlite_list(column: str) -> str:
    """A JSON array column as text, its items joined by '; ' (NULL for anything but an array).

    Scalar JSON functions only: FTS5 reads its content (for 'rebuild' and its integrity check)
    with statements that may not use a virtual table, so json_each would fail there."""
    return (
        f"(CASE WHEN json_valid({column}) THEN (WITH RECURSIVE item(n, text) AS (SELECT 0, NULL UNION ALL "
        f"SELECT n + 1, coalesce(text || '; ', '') || json_extract({column}, '$[' || n || ']') FROM item "
        f"WHERE n < json_array_length({column})) SELECT text FROM item ORDER BY n DESC LIMIT 1) END)"
    )


def _sqlite_values(row: str) -> str:
    """The indexed values of a row (`new` or `old` in a trigger), as the view gives them: the
    'delete' of an external-content FTS5 table must be given exactly what was indexed."""
    return f"{row}.title, {row}.lead, {row}.body, {_sqlite_list(row + '.tags')}, {_sqlite_list(row + '.authors')}"


_SQLITE = [
    # the content FTS5 reads (snippets, 'rebuild'): articles' rows, lists as text
    "CREATE VIEW articles_fts_source AS SELECT rowid AS article_rowid, title, lead, body, "
    f"{_sqlite_list('tags')} AS tags, {_sqlite_list('authors')} AS authors FROM articles",
    # porter: English stems ("sanctions" finds "sanction"); diacritics folded ("Seoul" finds "Séoul")
    "CREATE VIRTUAL TABLE articles_fts USING fts5(title, lead, body, tags, authors, content='articles_fts_source', "
    "content_rowid='article_rowid', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN "
    "INSERT INTO articles_fts (articles_fts, rowid, title, lead, body, tags, authors) "
    f"VALUES ('delete', old.rowid, {_sqlite_values('old')}); END",
    "CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, lead, body, tags, authors ON articles BEGIN "
    "INSERT INTO articles_fts (articles_fts, rowid, title, lead, body, tags, authors) "
    f"VALUES ('delete', old.rowid, {_sqlite_values('old')}); "
    f"INSERT INTO articles_fts (rowid, title, lead, body, tags, authors) VALUES (new.rowid, {_sqlite_values('new')}); END",
    "INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')",  # an archive's existing articles, from the view
]


def _postgres_list(column: str) -> str:
    return (f"coalesce(CASE WHEN json_typeof({column}) = 'array' THEN "
            f"(SELECT string_agg(item, '; ') FROM json_array_elements_text({column}) AS item) END, '')")


# A tsvector holds at most 1 MB of lexemes: a body is indexed up to its first 200,000
# characters (some 30,000 words), so that no article, however long, fails its batch
_POSTGRES_BODY_INDEXED = 200_000

_POSTGRES = [
    "ALTER TABLE articles ADD COLUMN fts_document tsvector",
    # weights: title A, lead B, tags and authors C, body D (ts_rank ranks them in that order)
    "CREATE FUNCTION articles_fts_document() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "NEW.fts_document := "
    "setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(NEW.lead, '')), 'B') || "
    f"setweight(to_tsvector('english', {_postgres_list('NEW.tags')}), 'C') || "
    f"setweight(to_tsvector('english', {_postgres_list('NEW.authors')}), 'C') || "
    f"setweight(to_tsvector('english', left(coalesce(NEW.body, ''), {_POSTGRES_BODY_INDEXED})), 'D'); "
    "RETURN NEW; END $$",
    "CREATE TRIGGER articles_fts_document BEFORE INSERT OR UPDATE OF title, lead, body, tags, authors ON articles "
    "FOR EACH ROW EXECUTE FUNCTION articles_fts_document()",
    "UPDATE articles SET title = title",  # an archive's existing articles, through the trigger
    "CREATE INDEX ix_articles_fts_document ON articles USING gin (fts_document)",
]


def upgrade() -> None:
    for statement in _SQLITE if op.get_bind().dialect.name == "sqlite" else _POSTGRES:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("articles_fts_delete", "articles_fts_update"):
            op.execute(f"DROP TRIGGER {trigger}")
        op.execute("DROP TABLE articles_fts")
        op.execute("DROP VIEW articles_fts_source")
        return
    op.execute("DROP TRIGGER articles_fts_document ON articles")
    op.execute("DROP FUNCTION articles_fts_document()")
    op.execute("DROP INDEX ix_articles_fts_document")
    op.execute("ALTER TABLE articles DROP COLUMN fts_document")
