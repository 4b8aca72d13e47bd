"""Dedup and export: near-duplicate links, LSH bands and signatures, and the rest of each revision's item.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: Union[str, None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # the rest of each version's feed line, so an export gives back every version whole;
    # revisions stored before this keep null (the export takes the article's current fields)
    with op.batch_alter_table("article_revisions") as batch:
        batch.add_column(sa.Column("other_fields", sa.JSON(), nullable=True))

    op.create_table(
        "article_bands",
        sa.Column("article_id", sa.String(32), sa.ForeignKey("articles.article_id"), primary_key=True),
        sa.Column("band", sa.SmallInteger(), primary_key=True),
        sa.Column("key", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_article_bands_key", "article_bands", ["key"])

    op.create_table(
        "article_signatures",
        sa.Column("article_id", sa.String(32), sa.ForeignKey("articles.article_id"), primary_key=True),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
    )

    op.create_table(
        "near_duplicates",
        sa.Column("article_id", sa.String(32), sa.ForeignKey("articles.article_id"), primary_key=True),
        sa.Column("similar_id", sa.String(32), sa.ForeignKey("articles.article_id"), primary_key=True),
        sa.Column("similarity", sa.Float(), nullable=False),
        sa.Column("found_at", sa.String(20), nullable=False),
        sa.Column("crawl_id", sa.Integer(), nullable=True),
    )
    op.create_index("ix_near_duplicates_similar_id", "near_duplicates", ["similar_id"])


def downgrade() -> None:
    for table in ("near_duplicates", "article_signatures", "article_bands"):
        op.drop_table(table)
    with op.batch_alter_table("article_revisions") as batch:
        batch.drop_column("other_fields")
