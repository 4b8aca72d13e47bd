"""A crawl killed with SIGKILL leaves a consistent archive, and the next crawl completes the
rest: nothing lost, nothing twice (checked against the mirror's manifest)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text

from newscrawl.db import ARTICLES, LINKS, REVISIONS, CrawlRow
from newscrawl.mirror.server import MirrorServer
from tests.archive.conftest import PostgresCluster
from tests.conftest import PROJECT_ROOT, run_crawl

pytestmark = pytest.mark.e2e

DEPTH = 2


def start_crawl(base_url: str, database_url: str, workdir: Path) -> subprocess.Popen[bytes]:
    """A slow crawl (small batches, a delay per request), so the kill lands in its middle."""
    command = [
        sys.executable, "-m", "scrapy", "crawl", "asia", "-a", f"base_url={base_url}",
        "-s", f"NEWSCRAWL_DATABASE_URL={database_url}", "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "NEWSCRAWL_BATCH_SIZE=3", "-s", "DOWNLOAD_DELAY=0.04", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2",
    ]
    env = {**os.environ, "NEWSCRAWL_DATA_DIR": str(workdir / "data")}
    return subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def count(database_url: str, table: Any) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(table)).scalar_one())
    except Exception:  # the crawl has not made the schema yet
        return 0
    finally:
        engine.dispose()


def kill_when_stored(process: subprocess.Popen[bytes], database_url: str, rows: int) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        stored = count(database_url, ARTICLES)
        if stored >= rows:
            process.send_signal(signal.SIGKILL)
            process.wait()
            return stored
        time.sleep(0.02)
    process.kill()
    pytest.fail(f"the crawl ended (status {process.returncode}) before storing {rows} articles: cannot kill it midway")


def assert_consistent(database_url: str) -> None:
    """Each stored article whole: its row, its one revision with the same text, its links."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        articles = {r.article_id: r.content_hash for r in connection.execute(select(ARTICLES.c.article_id, ARTICLES.c.content_hash))}
        revisions = connection.execute(select(REVISIONS.c.article_id, REVISIONS.c.content_hash)).all()
        sources = set(connection.execute(select(LINKS.c.from_article_id)).scalars())
        with_links = {r.article_id for r in connection.execute(select(ARTICLES.c.article_id, ARTICLES.c.read_more)) if r.read_more}
    engine.dispose()
    assert sorted(revisions) == sorted(articles.items())
    assert sources == with_links


@pytest.mark.parametrize("backend,rows", [("sqlite", 3), ("sqlite", 30), ("postgresql", 12)])
def test_a_killed_crawl_is_completed_by_the_next(
    backend: str, rows: int, mirror_root: Path, manifest: dict[str, Any], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if backend == "sqlite":
        database_url = f"sqlite:///{tmp_path / 'archive.sqlite'}"
    else:
        cluster: PostgresCluster = request.getfixturevalue("postgres")
        database_url = cluster.new_database()
    within = {i for i, a in manifest["articles"].items() if a["hops"] is not None and a["hops"] <= DEPTH}
    with MirrorServer(mirror_root) as server:
        stored_before = kill_when_stored(start_crawl(server.base_url, database_url, tmp_path), database_url, rows)
        assert_consistent(database_url)
        kept = count(database_url, ARTICLES)
        assert stored_before <= kept < len(within), "the crawl was not killed midway"
        engine = create_engine(database_url)
        with engine.connect() as connection:
            archived = set(connection.execute(select(ARTICLES.c.article_id)).scalars())
            killed = connection.execute(select(CrawlRow.finished_at, CrawlRow.finish_reason)).one()
        engine.dispose()
        assert tuple(killed) == (None, None)  # a crawl row that never finished says so

        server.reset_requests()
        again = run_crawl(server.base_url, tmp_path / "again", database_url=database_url)
        assert again.returncode == 0, again.log[-3000:]
        requests = list(server.requests)
    assert_consistent(database_url)
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows_now = {r.article_id: r.body for r in connection.execute(select(ARTICLES.c.article_id, ARTICLES.c.body))}
    engine.dispose()
    assert set(rows_now) == within  # nothing lost
    assert count(database_url, REVISIONS) == len(within)  # nothing twice
    assert all(body == manifest["articles"][i]["expected"]["body"] for i, body in rows_now.items())
    # the killed crawl stored no feed (a feed is whole or absent); the next one carries its articles too
    assert not list((tmp_path / "data" / "feeds").glob("*.jsonl"))
    assert {item["article_id"] for item in again.feed_items()} == within
    path_of = {path: i for i, a in manifest["articles"].items() for path in a["paths"]}
    assert not {path_of[p] for p in requests if p in path_of} & archived  # what was stored is not fetched again


_REPARSE_WORKERS = """
import os, sys, time
from concurrent.futures import ProcessPoolExecutor
from scrapy.utils.project import get_project_settings
from newscrawl.reparse import StoreProcess, _start_reader, worker_context
store = StoreProcess(sys.argv[1], 0.7)
readers = ProcessPoolExecutor(2, mp_context=worker_context(), initializer=_start_reader,
                              initargs=(get_project_settings().copy_to_dict(), "asia", os.getpid(), False))
for busy in [readers.submit(time.sleep, 0.5) for _ in range(2)]:  # both readers started
    busy.result()
print(store.pool.submit(os.getpid).result(), *readers._processes, flush=True)
time.sleep(600)
"""


def test_a_killed_reparse_leaves_no_worker_behind(tmp_path: Path) -> None:
    """`scrapy reparse` killed with SIGKILL: its store process and its page readers (forked by a
    fork server, not by it) end too, rather than wait for work that will never come."""
    from newscrawl.reparse import _alive as running

    script = subprocess.Popen([sys.executable, "-c", _REPARSE_WORKERS, f"sqlite:///{tmp_path / 'archive.sqlite'}"],
                              cwd=PROJECT_ROOT, stdout=subprocess.PIPE)
    assert script.stdout is not None
    workers = {int(pid) for pid in script.stdout.readline().split()}
    assert len(workers) == 3 and all(running(pid) for pid in workers)  # the store process and two readers
    script.kill()
    script.wait()
    deadline = time.monotonic() + 10
    while any(running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if running(pid)]
