"""Fixtures of the archive tests: a private PostgreSQL cluster for the session, and
`database_url`, which runs a test once on SQLite and once on PostgreSQL."""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest

from newscrawl.items import Article
from newscrawl.mirror.build import build_mirror
from newscrawl.mirror.stored import feed_lines
from tests.conftest import PROJECT_ROOT

BACKENDS = ("sqlite", "postgresql")


@dataclass(frozen=True)
class PostgresCluster:
    port: int
    socket_dir: Path

    @property
    def admin_dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"

    def new_database(self) -> str:
        """A fresh, empty database; its SQLAlchemy URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.admin_dsn, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"


def _postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        pytest.fail("PostgreSQL is not installed (Debian's postgresql): run bash scripts/system-deps.sh tests")
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """A private cluster on a free port of 127.0.0.1: trust auth, its socket under /tmp,
    run as the `postgres` user when the tests run as root (initdb refuses root)."""
    bindir = _postgres_bin()
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    # not under pytest's tmp folder: that one is private to root, and the socket path must stay short
    base = Path(tempfile.mkdtemp(prefix="newscrawl-pg-", dir="/tmp"))
    data, sockets, log = base / "data", base / "sock", base / "server.log"
    sockets.mkdir()
    if as_postgres:
        for path in (base, sockets):
            shutil.chown(path, "postgres", "postgres")

    def run(*command: str) -> None:
        subprocess.run([*as_postgres, *command], check=True, capture_output=True, text=True)

    port = _free_port()
    try:
        run(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync")
        options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        run(str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "-t", "60", "start")
    except subprocess.CalledProcessError as exc:
        server_log = log.read_text() if log.exists() else ""
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"could not start PostgreSQL: {exc.stderr or exc.stdout}\n{server_log}")
    try:
        yield PostgresCluster(port, sockets)
    finally:
        subprocess.run([*as_postgres, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty archive location on each backend (the cluster starts only when needed)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'archive.sqlite'}"
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    return cluster.new_database()


FETCHED_AT = "2026-11-27T00:00:00Z"


def expected_articles(manifest: dict[str, Any], fetched_at: str = FETCHED_AT) -> dict[str, Article]:
    """The mirror's expected items as Article objects, filled as a crawl would fill them: the
    feed lines the mirror computes (newscrawl.mirror.stored), never newscrawl's own code."""
    return {article_id: Article(**line) for article_id, line in feed_lines(manifest, fetched_at).items()}


@dataclass(frozen=True)
class FreshMirror:
    """Editions 1 and 2 of one mirror, built around now: the edition-2 changes are the day's news."""

    edition1: Path
    edition2: Path
    manifest1: dict[str, Any]
    manifest2: dict[str, Any]


@pytest.fixture(scope="session")
def fresh_mirror(tmp_path_factory: pytest.TempPathFactory) -> FreshMirror:
    base = tmp_path_factory.mktemp("fresh-mirror")
    now = datetime.now(timezone.utc)
    manifests = [build_mirror(base / f"edition{e}", n_asia=60, edition=e, now=now) for e in (1, 2)]
    return FreshMirror(base / "edition1", base / "edition2", *manifests)


@dataclass
class ExportRun:
    returncode: int
    stdout: bytes
    stderr: str

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stdout.decode("utf-8").splitlines() if line.strip()]


def run_export(database_url: str, *args: str, cwd: Path = PROJECT_ROOT) -> ExportRun:
    """`scrapy export` in a subprocess, as a user runs it."""
    command = [sys.executable, "-m", "scrapy", "export", "-s", f"NEWSCRAWL_DATABASE_URL={database_url}", *args]
    done = subprocess.run(command, cwd=cwd, capture_output=True, timeout=120)
    return ExportRun(done.returncode, done.stdout, done.stderr.decode("utf-8", "replace"))


def as_set(lines: list[dict[str, Any]]) -> set[str]:
    """Feed or export lines as a set of canonical JSON texts (key order and spacing aside)."""
    return {json.dumps(line, sort_keys=True, ensure_ascii=False) for line in lines}
