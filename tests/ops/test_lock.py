"""One crawl at a time per archive: real crawl processes racing for one SQLite archive, a
killed crawl's lock, and PostgreSQL's advisory lock held by a process that is then killed."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from newscrawl.extensions import EXIT_LOCKED
from newscrawl.locks import FileLock, PostgresLock
from newscrawl.mirror.server import MirrorServer
from tests.archive.conftest import PostgresCluster, postgres  # noqa: F401 - the session's cluster fixture
from tests.conftest import run_crawl
from tests.ops.conftest import (
    SLOW, article_paths, crawl_rows, expected_ids, finish, health, log_of, start_crawl, stored_ids, wait_for,
)

pytestmark = pytest.mark.e2e


def crawl_started(workdir: Path) -> bool:
    return bool(crawl_rows(workdir / "news.sqlite"))


# slow enough that the second crawl's start-up (seconds on a loaded machine) ends well before it
SLOWER = ("-s", "DOWNLOAD_DELAY=0.25", "-s", "CONCURRENT_REQUESTS=1", "-s", "RANDOMIZE_DOWNLOAD_DELAY=False")


def test_a_second_crawl_exits_at_once_with_a_clear_message(mirror: MirrorServer, manifest: dict[str, Any], tmp_path: Path) -> None:
    first = start_crawl(mirror.base_url, tmp_path, *SLOWER)
    try:
        wait_for(lambda: crawl_started(tmp_path), what="the first crawl to start")
        during = health(tmp_path)
        second = run_crawl(mirror.base_url, tmp_path, timeout=60)
        assert first.poll() is None, "the first crawl ended before the second one gave up: the test proves nothing"
    finally:
        assert finish(first) == 0, log_of(tmp_path)[-3000:]
    assert second.returncode == EXIT_LOCKED, second.log[-3000:]
    errors = [line for line in second.log.splitlines() if " ERROR: " in line]
    assert len(errors) == 1, errors
    assert "Another crawl is writing this archive" in errors[0] and f"pid {first.pid}" in errors[0]
    assert "news.sqlite.lock" in errors[0] and "NEWSCRAWL_LOCK_WAIT" in errors[0]
    assert "Traceback" not in second.log
    # the refused crawl touched nothing: one crawl row, the archive exactly the first crawl's
    assert [(r[0], r[1]) for r in crawl_rows(tmp_path / "news.sqlite")] == [(1, "finished")]
    assert stored_ids(tmp_path / "news.sqlite") == expected_ids(manifest)
    assert during.returncode == 0 and "running" in during.stdout, during.stdout + during.stderr


def test_with_lock_wait_the_second_crawl_runs_after_the_first(mirror: MirrorServer, tmp_path: Path) -> None:
    first = start_crawl(mirror.base_url, tmp_path, *SLOW)
    wait_for(lambda: crawl_started(tmp_path), what="the first crawl to start")
    second = start_crawl(mirror.base_url, tmp_path, "-s", "NEWSCRAWL_LOCK_WAIT=120", log_name="second.log")
    assert finish(first) == 0, log_of(tmp_path)[-3000:]
    assert finish(second) == 0, log_of(tmp_path, "second.log")[-3000:]
    assert "Waiting up to 120 s for the crawl that holds the archive" in log_of(tmp_path, "second.log")
    rows = crawl_rows(tmp_path / "news.sqlite")
    assert [r[1] for r in rows] == ["finished", "finished"]
    assert rows[1][2] >= rows[0][3]  # the second started once the first had finished


def test_the_lock_of_a_killed_crawl_does_not_block_the_next(mirror: MirrorServer, manifest: dict[str, Any], tmp_path: Path) -> None:
    first = start_crawl(mirror.base_url, tmp_path, *SLOW)
    wait_for(lambda: crawl_started(tmp_path), what="the first crawl to start")
    first.send_signal(signal.SIGKILL)
    assert finish(first) == -signal.SIGKILL
    assert (tmp_path / "news.sqlite.lock").exists()  # the file stays; its lock died with the process
    started = time.monotonic()
    second = run_crawl(mirror.base_url, tmp_path)
    assert second.returncode == 0, second.log[-3000:]
    assert time.monotonic() - started < 60
    assert stored_ids(tmp_path / "news.sqlite") == expected_ids(manifest)
    after = health(tmp_path)
    assert after.returncode == 0, after.stdout  # the newest crawl is fine; the killed one is listed
    assert "killed" in after.stdout


def test_file_lock_holder_and_release(tmp_path: Path) -> None:
    path = tmp_path / "archive.sqlite.lock"
    one, two = FileLock(path), FileLock(path)
    assert one.acquire("crawl one") and two.holder() == "crawl one"
    assert not two.acquire("crawl two")
    one.release()
    assert two.holder() is None and two.acquire("crawl two")
    two.release()


HOLD_PG_LOCK = """
import sys, time
from newscrawl.locks import PostgresLock
assert PostgresLock(sys.argv[1]).acquire("crawl held by a child process")
print("held", flush=True)
time.sleep(120)
"""


@pytest.mark.postgres
def test_postgres_advisory_lock_dies_with_its_process(postgres: PostgresCluster) -> None:  # noqa: F811
    url = postgres.new_database()
    child = subprocess.Popen([sys.executable, "-c", HOLD_PG_LOCK, url], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        mine = PostgresLock(url)
        assert not mine.acquire("a second crawl")
        assert mine.holder() == "crawl held by a child process"
        child.kill()
        child.wait(10)
        wait_for(lambda: mine.acquire("a second crawl"), timeout=30, what="the server to drop the killed session's lock")
        assert PostgresLock(url).holder() == "a second crawl"
        mine.release()
        assert PostgresLock(url).holder() is None
    finally:
        child.kill()
        child.wait()


STARTS = 6


def test_of_crawls_started_together_on_a_new_archive_one_runs_and_the_others_exit_75(mirror: MirrorServer, tmp_path: Path) -> None:
    small_batches = ("-s", "NEWSCRAWL_BATCH_SIZE=3")
    crawls = [start_crawl(mirror.base_url, tmp_path, *SLOWER, *small_batches, log_name=f"crawl-{n}.log") for n in range(STARTS)]
    try:
        wait_for(lambda: sum(c.poll() is not None for c in crawls) >= STARTS - 1, timeout=120, what="all but one crawl to give up")
        running = [c for c in crawls if c.poll() is None]
        assert len(running) == 1, [c.returncode for c in crawls]  # the one that got the lock is still crawling
        # its crawl is not what this test is about: once it is under way, stop it cleanly
        wait_for(lambda: bool(stored_ids(tmp_path / "news.sqlite")), what="the running crawl to store a batch")
        running[0].send_signal(signal.SIGTERM)
        assert finish(running[0]) == 0, log_of(tmp_path, f"crawl-{crawls.index(running[0])}.log")[-3000:]
    finally:
        for crawl in crawls:
            crawl.kill()
            crawl.wait()
    losers = [(n, c) for n, c in enumerate(crawls) if c is not running[0]]
    for n, crawl in losers:
        log = log_of(tmp_path, f"crawl-{n}.log")
        assert crawl.returncode == EXIT_LOCKED, log[-3000:]
        errors = [line for line in log.splitlines() if " ERROR: " in line]
        assert len(errors) == 1 and "Another crawl is writing this archive" in errors[0], log[-3000:]
        assert "Traceback" not in log
    assert [r[1] for r in crawl_rows(tmp_path / "news.sqlite")] == ["shutdown"]


def test_a_crawl_that_waited_reads_the_archive_the_first_left(mirror_root: Path, manifest: dict[str, Any], tmp_path: Path) -> None:
    pages = article_paths(manifest)
    with MirrorServer(mirror_root) as server:  # its request log is this test's
        first = start_crawl(server.base_url, tmp_path, *SLOW)
        wait_for(lambda: crawl_started(tmp_path), what="the first crawl to start")
        second = start_crawl(server.base_url, tmp_path, "-s", "NEWSCRAWL_LOCK_WAIT=120", log_name="second.log")
        assert finish(first) == 0, log_of(tmp_path)[-3000:]
        fetched_by_first = len(server.requests)
        assert finish(second) == 0, log_of(tmp_path, "second.log")[-3000:]
        requests = list(server.requests)
    assert "Waiting up to 120 s for the crawl that holds the archive" in log_of(tmp_path, "second.log")
    stored = stored_ids(tmp_path / "news.sqlite")
    assert stored == expected_ids(manifest)
    fetched_again = {pages[p] for p in requests[fetched_by_first:] if p in pages}
    assert not fetched_again & stored, f"the waiting crawl fetched {len(fetched_again & stored)} stored articles again"
    assert [r[1] for r in crawl_rows(tmp_path / "news.sqlite")] == ["finished", "finished"]
