"""The archive's schema migrations (Alembic), shipped inside the package (scrapyd eggs too).

`upgrade_to_head(engine)` runs whenever newscrawl.db.Archive opens a database: a new
database gets the whole schema, an older archive is upgraded in place, one made before
migrations existed (tables but no `alembic_version`) is first stamped as revision 0001,
the schema it has. New revision: `alembic -c newscrawl/migrations/alembic.ini revision -m "..."`
with NEWSCRAWL_DATABASE_URL set (see env.py), then edit versions/NNNN_*.py by hand, and set
HEAD_REVISION below to its id (a test checks it against Alembic's head).

Alembic (with Mako and Pygments: about 0.07 s and 8 MB of `scrapy export`'s start-up) is
imported only when a database is not at HEAD_REVISION; an up-to-date archive costs one SELECT.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

from newscrawl.eggs import package_dir

if TYPE_CHECKING:
    from alembic.config import Config

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent
FIRST_REVISION = "0001"
# the newest revision in versions/: test_migrations checks it equals Alembic's head_revision()
HEAD_REVISION = "0006"

# what migration 0004 made beside the models, for full-text search (newscrawl.search): the
# SQLite FTS5 table and its shadow tables, PostgreSQL's tsvector column and its index. Left
# out when models and database are compared (autogenerate, tests/archive/test_migrations.py)
FULL_TEXT_PREFIXES = ("articles_fts", "fts_document", "ix_articles_fts_document")


def include_object(_object: object, name: str | None, _type: str, _reflected: bool, _compare_to: object) -> bool:
    """Alembic's include_object hook: everything but the full-text index's own objects."""
    return not (name or "").startswith(FULL_TEXT_PREFIXES)


def alembic_config(connection: Connection | None = None) -> Config:
    """A Config without an ini file; env.py uses the connection passed in attributes."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(package_dir(__name__)))  # MIGRATIONS_DIR, or its copy out of an egg
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def head_revision() -> str:
    """Alembic's head, read from versions/ (imports Alembic)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "newscrawl/migrations/versions holds no revision"
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision a database is at, read without Alembic's context (which logs at INFO)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade_to_head(engine: Engine, revision: str = "head") -> None:
    """Bring the database to `revision` (default: the newest); a no-op when it is there."""
    with engine.begin() as connection:
        current = current_revision(connection)
        target = HEAD_REVISION if revision == "head" else revision
        if current == target:
            return  # the common case, without importing Alembic
        with alembic_quiet():  # importing Alembic logs too (its plugins)
            from alembic import command

            config = alembic_config(connection)
            if current is None and inspect(connection).has_table("articles"):
                logger.info("Archive made before migrations: stamped as revision %s", FIRST_REVISION)
                command.stamp(config, FIRST_REVISION)
            if current is None and not inspect(connection).has_table("articles"):
                logger.info("New archive: schema made at revision %s", target)
            else:
                logger.info("Archive schema: upgrading from %s to %s", current or FIRST_REVISION, target)
            command.upgrade(config, target)


@contextmanager
def alembic_quiet() -> Iterator[None]:
    """Alembic's own INFO lines (its plugins set up, its context, each revision run: some ten
    lines on a first crawl) say nothing an operator needs: ours says what happens in one line.
    Its warnings and errors still come through."""
    alembic_logger = logging.getLogger("alembic")
    level = alembic_logger.level
    alembic_logger.setLevel(max(logging.WARNING, level))
    try:
        yield
    finally:
        alembic_logger.setLevel(level)
