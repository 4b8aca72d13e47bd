"""The archive opened to be read, never changed: `scrapy export` and `scrapy health`.

A reader runs no migration and sets no pragma that writes (no `journal_mode=WAL`): SQLite is
opened with a `mode=ro` URI, PostgreSQL in read-only transactions. So a reader works on a
read-only mount, as another user than the crawl's, and beside a running crawl.

SQLite in WAL mode (every archive a crawl made) reads through a `-shm` file beside the
database. While a crawl runs, or after one was killed, `-wal` and `-shm` are there and a
read-only connection uses them (SQLite 3.22+, in memory when it may not write `-shm`). After a
clean close both are gone, and a reader that may not write the file or its directory could
not make them: it opens the file with `immutable=1` instead (no locks, no `-shm`), which is
exact as long as nobody writes the file meanwhile (always so on a read-only mount; a crawl of
the file's owner that starts during a long export could be read half-way).

An archive at an older schema is not upgraded by a reader: it says so in one line ("run a
crawl to upgrade it"), as it does for a missing, unreadable or non-SQLite file (ArchiveUnreadable,
a ConfigError: the commands give it as one line and exit status 2).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional
from urllib.parse import quote

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from newscrawl.config import ConfigError, check_database_url
from newscrawl.migrations import HEAD_REVISION, current_revision

try:
    # pysqlite3-binary: Python's sqlite3 module built with a current SQLite (3.51). Its FTS5
    # ranks a search's matches a fifth to a third faster than the SQLite of Debian 12 (3.40),
    # and ranking is most of a search's time when a word is in a large share of the archive
    # (bench/search.py; sqlean.py's 3.50 gained half as much). Datasette (`scrapy browse`)
    # picks it up too. The crawl's writer keeps Python's own module, whose transactions its
    # tests prove; both read and write the same file format.
    from pysqlite3 import dbapi2 as sqlite3
except ImportError:  # no wheel for this platform: Python's own, slower at ranking
    import sqlite3  # type: ignore[no-redef]

# the first 16 bytes of every SQLite 3 database file
SQLITE_HEADER = b"SQLite format 3\x00"


class ArchiveUnreadable(ConfigError):
    """NEWSCRAWL_DATABASE_URL names no archive this command can read; the message names it and says why."""


def sqlite_path(database_url: str) -> Optional[Path]:
    """The file of an SQLite URL (None for PostgreSQL or an in-memory database)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).expanduser()


def sqlite_file_problem(path: Path, missing_ok: bool = False) -> Optional[str]:
    """What keeps this file from being an SQLite database this process can read, or None."""
    try:
        with path.open("rb") as file:
            header = file.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return None if missing_ok else f"no archive at {path} (set NEWSCRAWL_DATABASE_URL or NEWSCRAWL_DATA_DIR)"
    except OSError as exc:
        return f"cannot read the archive {path}: {exc.strerror or exc}"
    if header and header != SQLITE_HEADER:  # an empty file is an empty database to SQLite
        return f"{path} is not an SQLite database, so no archive (NEWSCRAWL_DATABASE_URL names the wrong file?)"
    return None


def check_archive_file(database_url: str) -> None:
    """For a crawl, before it starts: the SQLite file it would write, when there is one, is a
    database it can read (a missing one the crawl makes)."""
    path = sqlite_path(database_url)
    problem = sqlite_file_problem(path, missing_ok=True) if path is not None else None
    if problem:
        raise ArchiveUnreadable(problem)


def open_reader(database_url: str, command: str = "a reader") -> Engine:
    """An engine that only reads the archive, checked to be one at this newscrawl's schema."""
    url = make_url(check_database_url(database_url))
    if url.get_backend_name() == "sqlite":
        path = sqlite_path(database_url)
        if path is None:
            raise ArchiveUnreadable(f"NEWSCRAWL_DATABASE_URL={database_url} is an in-memory database, which holds no archive")
        problem = sqlite_file_problem(path)
        if problem:
            raise ArchiveUnreadable(problem)
        engine = sqlite_reader(path)
        where = str(path)
    else:
        engine = create_engine(url, poolclass=NullPool, connect_args={"options": "-c default_transaction_read_only=on"})
        where = url.render_as_string(hide_password=True)
    try:
        _check_schema(engine, where, command)
    except BaseException:
        engine.dispose()
        raise
    return engine


def sqlite_read_uri(path: Path) -> str:
    """The URI a reader opens the SQLite file with: `mode=ro`, and `immutable=1` as well when
    this process may not write beside the file and no crawl left a -wal or -shm there."""
    wal, shm = (path.with_name(path.name + suffix) for suffix in ("-wal", "-shm"))
    may_write = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
    # no -wal: everything is in the file. One that may not write there gets it whole without
    # a -shm (immutable), and leaves no -wal or -shm of its own for the owner's next crawl
    immutable = not may_write and not wal.exists() and not shm.exists()
    return f"file:{quote(str(path.resolve()))}?mode=ro{'&immutable=1' if immutable else ''}"


def sqlite_reader(path: Path) -> Engine:
    """An engine reading this SQLite file through sqlite_read_uri (no schema check)."""
    uri = sqlite_read_uri(path)

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)

    # a connection per use (NullPool): nothing held open between a reader's queries
    # module: SQLAlchemy must know the driver to recognise its errors as database errors
    return create_engine(URL.create("sqlite"), creator=connect, poolclass=NullPool, module=sqlite3)


def _check_schema(engine: Engine, where: str, command: str) -> None:
    try:
        with engine.connect() as connection:
            revision = current_revision(connection)
            has_articles = revision is not None or inspect(connection).has_table("articles")
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
        raise ArchiveUnreadable(f"cannot read the archive {where}: {reason}") from None
    if revision == HEAD_REVISION:
        return
    if not has_articles:
        raise ArchiveUnreadable(f"{where} holds no newscrawl archive (none of its tables; a crawl makes them)")
    if revision is None or revision < HEAD_REVISION:
        raise ArchiveUnreadable(
            f"the archive {where} is at schema revision {revision or 'from before migrations'}, older than this "
            f"newscrawl's {HEAD_REVISION}: run a crawl to upgrade it ({command} never changes the archive)"
        )
    raise ArchiveUnreadable(
        f"the archive {where} is at schema revision {revision}, newer than this newscrawl's {HEAD_REVISION}: "
        "it was written by a newer newscrawl; update this one to read it"
    )
