"""One crawl at a time per archive: OS locks that die with the process that holds them.

SQLite: fcntl.flock on `<database file>.lock` beside the database. PostgreSQL: a
session-level advisory lock on a connection the crawl keeps open. Either way a crawl that
is killed (SIGKILL, OOM, power) leaves nothing that blocks the next one: the kernel drops
the flock when the process dies, the server drops the advisory lock when its session ends.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
from pathlib import Path
from typing import Optional, Protocol

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.pool import NullPool

logger = logging.getLogger(__name__)

# one key for "the newscrawl crawl" in a database; advisory locks are per database already
PG_LOCK_KEY = int.from_bytes(hashlib.sha1(b"newscrawl crawl lock").digest()[:8], "big", signed=True)


class ArchiveLock(Protocol):
    where: str

    def acquire(self, owner: str) -> bool:
        """Take the lock without waiting; False when another process holds it."""

    def release(self) -> None: ...

    def holder(self) -> Optional[str]:
        """Who holds it (as the holder described itself), or None when it is free."""


class FileLock:
    """flock(2) on a file; the file stays, only the lock comes and goes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = f"lock file {path}"
        self._fd: Optional[int] = None

    def acquire(self, owner: str) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.pwrite(fd, owner.encode("utf-8"), 0)
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the last descriptor drops the flock
            self._fd = None

    def holder(self) -> Optional[str]:
        if not self.path.exists():
            return None
        if self._fd is None and not self._held_elsewhere():
            return None
        try:
            return self.path.read_text(encoding="utf-8").strip() or "another process"
        except OSError:
            return "another process"

    def _held_elsewhere(self) -> bool:
        """Whether some process holds the flock. /proc/locks answers without touching the lock;
        elsewhere a shared-lock probe does (it could make a crawl starting that instant wait)."""
        stat = self.path.stat()
        key = f"{os.major(stat.st_dev):02x}:{os.minor(stat.st_dev):02x}:{stat.st_ino}"
        try:
            with open("/proc/locks", encoding="ascii") as locks:
                return any(_proc_lock_matches(line, key) for line in locks)
        except OSError:
            pass
        fd = os.open(self.path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return False
        except BlockingIOError:
            return True
        finally:
            os.close(fd)


def _proc_lock_matches(line: str, key: str) -> bool:
    # "1: FLOCK  ADVISORY  WRITE 1234 00:2a:56789 0 EOF" (a waiter's line has "->" after the number)
    fields = [f for f in line.split() if f != "->"]
    return len(fields) > 5 and fields[1] == "FLOCK" and fields[5] == key


class PostgresLock:
    """pg_try_advisory_lock on a connection of its own, in autocommit (no idle transaction)."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.where = f"advisory lock {PG_LOCK_KEY} in {make_url(database_url).render_as_string(hide_password=True)}"
        self._connection: Optional[Connection] = None

    def acquire(self, owner: str) -> bool:
        # application_name tells pg_stat_activity (and holder()) who has it
        engine = create_engine(
            self.database_url, poolclass=NullPool, isolation_level="AUTOCOMMIT",
            connect_args={"application_name": owner[:63]},
        )
        connection = engine.connect()
        if connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": PG_LOCK_KEY}).scalar():
            self._connection = connection
            return True
        connection.close()
        engine.dispose()
        return False

    def release(self) -> None:
        if self._connection is not None:
            engine = self._connection.engine
            self._connection.close()  # the session ends, and its advisory locks with it
            engine.dispose()
            self._connection = None

    def holder(self) -> Optional[str]:
        classid, objid = (PG_LOCK_KEY >> 32) & 0xFFFFFFFF, PG_LOCK_KEY & 0xFFFFFFFF
        query = text(
            "SELECT a.application_name, a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :classid AND l.objid = :objid "
            "AND l.objsubid = 1 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        engine = create_engine(self.database_url, poolclass=NullPool)
        try:
            with engine.connect() as connection:
                row = connection.execute(query, {"classid": classid, "objid": objid}).first()
        finally:
            engine.dispose()
        if row is None:
            return None
        return row.application_name or f"PostgreSQL backend {row.pid}"


def archive_lock(database_url: str) -> Optional[ArchiveLock]:
    """The lock for this archive, or None for a database that has no place for one."""
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            return None
        path = Path(url.database).expanduser().resolve()
        return FileLock(path.with_name(path.name + ".lock"))
    if backend == "postgresql":
        return PostgresLock(database_url)
    return None
