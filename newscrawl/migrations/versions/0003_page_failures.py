"""Self-healing: the record of pages that gave no good article, damaged revisions marked, feed delivery.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: Union[str, None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "page_failures",
        sa.Column("article_id", sa.String(32), primary_key=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("hops", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("problem", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("gone_answers", sa.Integer(), nullable=False),
        sa.Column("first_failed_at", sa.String(20), nullable=False),
        sa.Column("last_tried_at", sa.String(20), nullable=False),
        sa.Column("next_try_at", sa.String(20), nullable=True),
        sa.Column("crawl_id", sa.Integer(), nullable=True),
    )
    op.create_index("ix_page_failures_next_try_at", "page_failures", ["next_try_at"])
    # a revision later found to be a damaged copy of the page (mojibake, a body cut short):
    # the only column of a revision ever set after it was stored
    with op.batch_alter_table("article_revisions") as batch:
        batch.add_column(sa.Column("damaged", sa.String(64), nullable=True))
    # when this crawl's feed was stored whole; a crawl without it (killed) has its articles
    # written to the next crawl's feed
    with op.batch_alter_table("crawls") as batch:
        batch.add_column(sa.Column("feed_delivered_at", sa.String(20), nullable=True))
    # archives made before this have had their feeds already
    op.execute("UPDATE crawls SET feed_delivered_at = coalesce(finished_at, started_at)")


def downgrade() -> None:
    with op.batch_alter_table("crawls") as batch:
        batch.drop_column("feed_delivered_at")
    with op.batch_alter_table("article_revisions") as batch:
        batch.drop_column("damaged")
    op.drop_index("ix_page_failures_next_try_at", "page_failures")
    op.drop_table("page_failures")
