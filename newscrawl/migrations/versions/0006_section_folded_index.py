"""An index on the section folded to lower case, then the publication time.

`scrapy search --section` and `scrapy export --section` compare `lower(section)`, which the
plain index on `section` cannot answer: SQLite scanned every entry of it to fold each one.
With this index a search narrowed to a section (and a published window) finds those articles
from the index alone, and ranks only the matches among them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: Union[str, None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index("ix_articles_section_folded", "articles", [sa.text("lower(section)"), "published_at"])


def downgrade() -> None:
    op.drop_index("ix_articles_section_folded", "articles")
