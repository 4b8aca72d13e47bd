"""Alembic's environment: migrate the connection newscrawl.migrations passes in, or
(command-line alembic) the database named by NEWSCRAWL_DATABASE_URL."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from newscrawl.db import Base
from newscrawl.migrations import include_object

config = context.config
target_metadata = Base.metadata


def run_on(connection: object) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,  # the full-text index is no model's
        # SQLite alters tables by copying them; batch mode does that for us
        render_as_batch=connection.dialect.name == "sqlite",  # type: ignore[attr-defined]
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_on(connection)
else:
    url = os.environ.get("NEWSCRAWL_DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("set NEWSCRAWL_DATABASE_URL to the archive to migrate")
    engine = create_engine(url)
    with engine.begin() as conn:
        run_on(conn)
    engine.dispose()
