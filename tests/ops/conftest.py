"""Helpers for the server tests: crawls started as processes (to signal, race or kill them),
`scrapy health`, and what the archive holds compared with the mirror's manifest."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Optional

from tests.conftest import PROJECT_ROOT

# READ MORE hops the crawl follows by default (NEWSCRAWL_READ_MORE_DEPTH)
DEPTH = 2
# slow enough that a signal or a second crawl lands mid-crawl (about 80 requests of the 60-article mirror)
SLOW = ("-s", "DOWNLOAD_DELAY=0.06", "-s", "CONCURRENT_REQUESTS=1", "-s", "RANDOMIZE_DOWNLOAD_DELAY=False")


def crawl_env(workdir: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "NEWSCRAWL_DATA_DIR": str(workdir / "data"), **extra}


def crawl_command(base_url: str, workdir: Path, *args: str) -> list[str]:
    """`scrapy crawl asia` laid out as tests.conftest.run_crawl lays it out (database
    workdir/news.sqlite; with crawl_env, data dir workdir/data)."""
    return [
        sys.executable, "-m", "scrapy", "crawl", "asia", "-a", f"base_url={base_url}",
        "-s", f"NEWSCRAWL_DATABASE_URL=sqlite:///{workdir / 'news.sqlite'}", "-s", "AUTOTHROTTLE_ENABLED=False", *args,
    ]


def start_crawl(base_url: str, workdir: Path, *args: str, log_name: str = "crawl.log") -> subprocess.Popen[bytes]:
    """`scrapy crawl asia` as a process (crawl_command), its output in workdir/<log_name>."""
    workdir.mkdir(parents=True, exist_ok=True)
    command = crawl_command(base_url, workdir, *args)
    log = open(workdir / log_name, "wb")
    try:
        # a process group of its own, as a shell gives a job: a test can signal the whole group
        return subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=crawl_env(workdir), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    finally:
        log.close()  # the child has its own copy


def health(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable, "-m", "scrapy", "health",
        "-s", f"NEWSCRAWL_DATABASE_URL=sqlite:///{workdir / 'news.sqlite'}", *args,
    ]
    return subprocess.run(command, cwd=PROJECT_ROOT, env=crawl_env(workdir), capture_output=True, text=True, timeout=60)


def wait_for(condition: Callable[[], bool], timeout: float = 60, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def expected_ids(manifest: dict[str, Any], depth: int = DEPTH) -> set[str]:
    """Every article an uninterrupted crawl of the mirror stores."""
    return {i for i, a in manifest["articles"].items() if a["hops"] is not None and a["hops"] <= depth}


def query(database: Path, sql: str) -> list[tuple[Any, ...]]:
    if not database.exists():
        return []
    connection = sqlite3.connect(database, timeout=30)
    try:
        return connection.execute(sql).fetchall()
    except sqlite3.OperationalError:  # no such table yet
        return []
    finally:
        connection.close()


def stored_ids(database: Path) -> set[str]:
    return {row[0] for row in query(database, "SELECT article_id FROM articles")}


def copy_mirror(mirror_root: Path, to: Path) -> Path:
    """A private copy of the built mirror, for a test to break."""
    shutil.copytree(mirror_root, to)
    return to


def path_of(manifest: dict[str, Any], article_id: str) -> str:
    return manifest["articles"][article_id]["paths"][0]


def article_paths(manifest: dict[str, Any]) -> dict[str, str]:
    """Mirror path -> article id, for every page of every article."""
    return {path: i for i, a in manifest["articles"].items() for path in a["paths"]}


def log_of(workdir: Path, name: str = "crawl.log") -> str:
    path = workdir / name
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def finish(process: subprocess.Popen[bytes], timeout: float = 120) -> int:
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise


def crawl_rows(database: Path) -> list[tuple[Optional[str], ...]]:
    """(id, finish_reason, started_at, finished_at) of every crawl, oldest first."""
    return query(database, "SELECT id, finish_reason, started_at, finished_at FROM crawls ORDER BY id")
