"""Feed and archive agree after any interruption (pipelines/store.py, newscrawl/feeds.py): a
crawl killed at its start, mid-crawl or during its final flush, or stopped by a full disk,
then crawled again into the same archive. Every feed line is a committed version, every
committed version is in some feed, nothing is lost and nothing stored twice; on SQLite and
PostgreSQL."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from sqlalchemy import create_engine, select, text

from newscrawl.db import ARTICLES, FAILURES, REVISIONS, Archive, CrawlRow
from newscrawl.mirror.server import MirrorServer
from tests.archive.conftest import PostgresCluster
from tests.conftest import PROJECT_ROOT, run_crawl

pytestmark = pytest.mark.e2e

DEPTH = 2
SLOW = ("-s", "NEWSCRAWL_BATCH_SIZE=3", "-s", "DOWNLOAD_DELAY=0.03", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2")


def start_crawl(base_url: str, database_url: str, data_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "scrapy", "crawl", "asia", "-a", f"base_url={base_url}",
        "-s", f"NEWSCRAWL_DATABASE_URL={database_url}", "-s", "AUTOTHROTTLE_ENABLED=False", *SLOW,
    ]
    env = {**os.environ, "NEWSCRAWL_DATA_DIR": str(data_dir)}
    with open(log, "wb") as out:
        # a session of its own: killed as a group, as systemd kills a service
        return subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def scalar(database_url: str, query: Any) -> Any:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(query).scalar()
    except Exception:  # noqa: BLE001 - the schema is not there yet
        return None
    finally:
        engine.dispose()


def kill_when(process: subprocess.Popen[bytes], ready: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and process.poll() is None:
        if ready():
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return
        time.sleep(0.01)
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    pytest.fail(f"the crawl ended (status {process.returncode}) before {what}: cannot kill it there")


def feed_lines(data_dir: Path) -> list[dict[str, Any]]:
    lines = []
    for feed in sorted((data_dir / "feeds").glob("*.jsonl")):
        lines += [json.loads(line) for line in feed.read_text(encoding="utf-8").splitlines()]  # a cut line fails here
    return lines


def assert_agree(database_url: str, data_dir: Path, within: set[str]) -> list[dict[str, Any]]:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        articles = set(connection.execute(select(ARTICLES.c.article_id)).scalars())
        versions = {(r.article_id, r.content_hash) for r in connection.execute(select(REVISIONS.c.article_id, REVISIONS.c.content_hash))}
        revision_count = connection.execute(select(text("count(*)")).select_from(REVISIONS)).scalar()
        failed = set(connection.execute(select(FAILURES.c.article_id)).scalars())
        undelivered = connection.execute(select(CrawlRow.id).where(CrawlRow.feed_delivered_at.is_(None))).all()
    engine.dispose()
    lines = feed_lines(data_dir)
    in_feeds = {(line["article_id"], line["content_hash"]) for line in lines}
    assert in_feeds <= versions, "a feed line for a version the archive never committed"
    assert versions <= in_feeds, f"committed versions in no feed: {sorted(versions - in_feeds)[:5]}"
    assert articles == within - failed and not (within & failed) - failed  # nothing lost (the mirror's own 404/500 aside)
    assert articles | failed >= within
    assert revision_count == len(articles)  # nothing stored twice
    assert not undelivered
    assert not list((data_dir / "feeds").glob("*.part"))
    return lines


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def database_for(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'archive.sqlite'}"
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    return cluster.new_database()


def within_depth(manifest: dict[str, Any]) -> set[str]:
    return {i for i, a in manifest["articles"].items() if a["hops"] is not None and a["hops"] <= DEPTH}


@pytest.mark.parametrize("point", ["start", "mid", "final_flush"])
def test_a_killed_crawl_and_the_next_leave_feed_and_archive_in_agreement(
    point: str, backend: str, mirror_root: Path, manifest: dict[str, Any], tmp_path: Path, request: pytest.FixtureRequest,
) -> None:
    database_url = database_for(backend, tmp_path, request)
    data_dir, log = tmp_path / "data", tmp_path / "killed.log"
    within = within_depth(manifest)
    stored = select(text("count(*)")).select_from(ARTICLES)
    ready: dict[str, Callable[[], bool]] = {
        "start": lambda: (scalar(database_url, select(text("count(*)")).select_from(CrawlRow.__table__)) or 0) >= 1,
        "mid": lambda: (scalar(database_url, stored) or 0) >= 12,
        # the engine is closing: the last batches are with the writer, the feed not yet stored
        "final_flush": lambda: b"Closing spider" in log.read_bytes(),
    }
    with MirrorServer(mirror_root) as server:
        kill_when(start_crawl(server.base_url, database_url, data_dir, log), ready[point], f"the {point} point")
        if point == "mid":
            assert (scalar(database_url, stored) or 0) < len(within), "the crawl was not killed midway"
        assert not list((data_dir / "feeds").glob("*.jsonl"))  # a killed crawl stores no feed
        again = run_crawl(server.base_url, tmp_path / "again", database_url=database_url, output=False)
        # the next crawl writes its feed where the killed one would have
        (data_dir / "feeds").mkdir(parents=True, exist_ok=True)
        for feed in (tmp_path / "again" / "data" / "feeds").glob("*.jsonl"):
            shutil.move(str(feed), data_dir / "feeds" / feed.name)
        assert again.returncode == 0, again.log[-3000:]
    for part in (data_dir / "feeds").glob("*.part"):  # the next crawl of that data dir removes it
        part.unlink()
    assert_agree(database_url, data_dir, within)


@pytest.fixture
def archive_on_small_disk(backend: str, small_disk: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """The archive's database on the small disk: SQLite's file there, or PostgreSQL's tables and
    indexes moved to a tablespace there (its write-ahead log stays on the cluster's own disk).
    The PostgreSQL database and tablespace are dropped before the disk goes: the shared cluster
    would otherwise try to write their buffers to a disk that is no longer there."""
    if backend == "sqlite":
        yield f"sqlite:///{small_disk / 'archive.sqlite'}"
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    space = small_disk / "pg"
    space.mkdir()
    if os.geteuid() == 0:
        shutil.chown(space, "postgres", "postgres")
    database_url = cluster.new_database()
    database = database_url.rsplit("/", 1)[1]
    Archive(database_url).close()  # the schema, on the cluster's disk; then moved to the small one
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE TABLESPACE "small_{database}" LOCATION \'{space}\''))
        connection.execute(text(f'ALTER TABLE ALL IN TABLESPACE pg_default SET TABLESPACE "small_{database}"'))
        connection.execute(text(f'ALTER INDEX ALL IN TABLESPACE pg_default SET TABLESPACE "small_{database}"'))
    engine.dispose()
    try:
        yield database_url
    finally:
        admin = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{cluster.port}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            connection.execute(text(f'DROP TABLESPACE IF EXISTS "small_{database}"'))
        admin.dispose()


def test_a_full_disk_then_a_crawl_with_room_leave_feed_and_archive_in_agreement(
    small_disk: Path, archive_on_small_disk: str, mirror_root: Path, manifest: dict[str, Any], tmp_path: Path,
) -> None:
    """The archive's disk fills mid-crawl; the next crawl has room."""
    data_dir = tmp_path / "feeds-of-both"
    database_url = archive_on_small_disk
    within = within_depth(manifest)
    with MirrorServer(mirror_root) as server:
        # its data directory (feeds, logs) on the full disk too, as the default layout has it
        full = run_crawl(server.base_url, small_disk / "full", database_url=database_url, output=False)
        assert full.returncode == 1, full.log[-3000:]
        assert "Archive write failed" in full.log
        subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
        again = run_crawl(server.base_url, tmp_path / "again", database_url=database_url, output=False)
        assert again.returncode == 0, again.log[-3000:]
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "feeds").mkdir(exist_ok=True)
    for run in (full, again):
        for feed in (run.data_dir / "feeds").glob("*.jsonl"):
            shutil.copy(feed, data_dir / "feeds" / f"{run.data_dir.parent.name}-{feed.name}")
    assert_agree(database_url, data_dir, within)
