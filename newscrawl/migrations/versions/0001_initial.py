"""The first archive: articles, their revisions, the READ MORE links, the crawls.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("article_id", sa.String(32), primary_key=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("lead", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("dateline", sa.String(128), nullable=True),
        sa.Column("authors", sa.JSON(), nullable=False),
        sa.Column("section", sa.String(64), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("published_at", sa.String(20), nullable=True),
        sa.Column("modified_at", sa.String(20), nullable=True),
        sa.Column("image", sa.JSON(), nullable=True),
        sa.Column("read_more", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("layout", sa.String(16), nullable=False),
        sa.Column("word_count", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("fetched_url", sa.Text(), nullable=False),
        sa.Column("fetched_at", sa.String(20), nullable=False),
        sa.Column("first_seen_at", sa.String(20), nullable=False),
        sa.Column("last_seen_at", sa.String(20), nullable=False),
        sa.Column("changed_at", sa.String(20), nullable=False),
        sa.Column("duplicate_of", sa.String(32), nullable=True),
    )
    for column in ("url", "section", "published_at", "content_hash", "changed_at"):
        op.create_index(f"ix_articles_{column}", "articles", [column])

    op.create_table(
        "article_revisions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("article_id", sa.String(32), sa.ForeignKey("articles.article_id"), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("lead", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("modified_at", sa.String(20), nullable=True),
        sa.Column("seen_at", sa.String(20), nullable=False),
        sa.Column("crawl_id", sa.Integer(), nullable=True),
        sa.UniqueConstraint("article_id", "content_hash"),
    )
    op.create_index("ix_article_revisions_article_id", "article_revisions", ["article_id"])
    op.create_index("ix_article_revisions_seen_at", "article_revisions", ["seen_at"])
    op.create_index("ix_revisions_article_seen", "article_revisions", ["article_id", "seen_at"])

    op.create_table(
        "read_more_links",
        sa.Column("from_article_id", sa.String(32), sa.ForeignKey("articles.article_id"), primary_key=True),
        sa.Column("to_url", sa.Text(), primary_key=True),
        sa.Column("to_article_id", sa.String(32), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
    )
    op.create_index("ix_read_more_links_to_article_id", "read_more_links", ["to_article_id"])

    op.create_table(
        "crawls",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("spider", sa.String(64), nullable=False),
        sa.Column("arguments", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.String(20), nullable=False),
        sa.Column("finished_at", sa.String(20), nullable=True),
        sa.Column("finish_reason", sa.String(64), nullable=True),
        sa.Column("articles_new", sa.Integer(), nullable=False),
        sa.Column("articles_changed", sa.Integer(), nullable=False),
        sa.Column("articles_unchanged", sa.Integer(), nullable=False),
        sa.Column("pages_failed", sa.Integer(), nullable=False),
        sa.Column("stats", sa.JSON(), nullable=True),
    )


def downgrade() -> None:
    for table in ("crawls", "read_more_links", "article_revisions", "articles"):
        op.drop_table(table)
