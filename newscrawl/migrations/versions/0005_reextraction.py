"""Re-extraction: a revision rebuilt by `scrapy reparse` from a stored page is marked so.

`article_revisions.origin`: null for a text a crawl fetched from the site (an edit by the
site, or the first version), 'reextraction' for one today's parsers got from a page kept in
WARC. Site revisions stay one per text (article_id, content_hash); a re-extraction may repeat
a text whose other fields (dates, authors, tags) a parser now reads differently, so the
unique rule becomes a partial index on the site's revisions only.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: Union[str, None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# 0001's UniqueConstraint("article_id", "content_hash") had no name: on SQLite, batch mode
# names it by this convention to drop it; PostgreSQL gave it its default name
_NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
_SQLITE_UNIQUE = "uq_article_revisions_article_id"
_POSTGRES_UNIQUE = "article_revisions_article_id_content_hash_key"
_SITE_ONLY = sa.text("origin IS NULL")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("article_revisions", naming_convention=_NAMING) as batch:
        batch.add_column(sa.Column("origin", sa.String(16), nullable=True))
        batch.drop_constraint(_SQLITE_UNIQUE if sqlite else _POSTGRES_UNIQUE, type_="unique")
    op.create_index("uq_revisions_site_text", "article_revisions", ["article_id", "content_hash"], unique=True,
                    sqlite_where=_SITE_ONLY, postgresql_where=_SITE_ONLY)


def downgrade() -> None:
    op.execute("DELETE FROM article_revisions WHERE origin IS NOT NULL")
    op.drop_index("uq_revisions_site_text", "article_revisions")
    with op.batch_alter_table("article_revisions", naming_convention=_NAMING) as batch:
        batch.create_unique_constraint(_SQLITE_UNIQUE if op.get_bind().dialect.name == "sqlite" else _POSTGRES_UNIQUE,
                                       ["article_id", "content_hash"])
        batch.drop_column("origin")
