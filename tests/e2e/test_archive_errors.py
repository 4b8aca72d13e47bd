"""A batch the database refuses: the crawl says so, stops with exit status 1, and loses
nothing the archive had committed. The refusal is SQLite's own (a trigger that aborts the
insert of any article once 20 are stored), raised in the archive's writer process."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from newscrawl.db import Archive
from newscrawl.mirror.server import MirrorServer
from tests.conftest import run_crawl

pytestmark = pytest.mark.e2e

REFUSAL = "refused by the test trigger"


def refuse_articles_beyond(database: Path, count: int) -> None:
    Archive(f"sqlite:///{database}").close()  # the archive's schema, as a crawl makes it
    connection = sqlite3.connect(database)
    with connection:
        connection.execute(
            f"CREATE TRIGGER refuse_more BEFORE INSERT ON articles WHEN (SELECT count(*) FROM articles) >= {count} "
            f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
        )
    connection.close()


def test_a_refused_batch_stops_the_crawl_and_keeps_the_committed_ones(
    mirror: MirrorServer, manifest: dict[str, Any], tmp_path: Path
) -> None:
    database = tmp_path / "news.sqlite"
    refuse_articles_beyond(database, 20)  # four batches of 5, then a refusal, mid-crawl

    run = run_crawl(mirror.base_url, tmp_path, "-s", "NEWSCRAWL_BATCH_SIZE=5", database_url=f"sqlite:///{database}")

    assert run.returncode == 1, run.log[-3000:]
    refused = re.search(r"Archive write failed, ([0-9]+) articles not stored", run.log)
    assert refused and 1 <= int(refused.group(1)) <= 5 and REFUSAL in run.log, run.log[-3000:]
    connection = sqlite3.connect(database)
    try:
        stored = {row[0] for row in connection.execute("SELECT article_id FROM articles")}
        revised = {row[0] for row in connection.execute("SELECT article_id FROM article_revisions")}
        reason, stats = connection.execute("SELECT finish_reason, stats FROM crawls").fetchone()
    finally:
        connection.close()
    # the batches committed before the refusal are whole: each article with its revision
    assert 15 < len(stored) <= 20 and stored == revised
    # and the feed holds exactly what was committed: the refused batch's articles are in none
    assert {item["article_id"] for item in run.feed_items()} == stored
    assert len(manifest["asia_ids"]) > 40  # the refusal came mid-crawl
    assert reason == "archive_error"
    assert json.loads(stats)["newscrawl/archive/write_failed"] >= 1


def test_a_slow_crawl_commits_a_batch_that_is_not_full_after_batch_seconds(
    mirror: MirrorServer, manifest: dict[str, Any], tmp_path: Path
) -> None:
    from tests.ops.conftest import SLOW, expected_ids, finish, start_crawl, stored_ids, wait_for

    database = tmp_path / "news.sqlite"
    expected = expected_ids(manifest)
    crawl = start_crawl(mirror.base_url, tmp_path, *SLOW, "-s", "NEWSCRAWL_BATCH_SIZE=1000", "-s", "NEWSCRAWL_BATCH_SECONDS=0.5")
    try:
        # a batch of 1000 is never full here: what the archive holds mid-crawl came by the clock
        wait_for(lambda: len(stored_ids(database)) >= 5, timeout=60, what="articles committed by the clock")
        assert crawl.poll() is None, "the crawl ended first: the test proves nothing"
        assert len(stored_ids(database)) < len(expected)
    finally:
        code = finish(crawl)
    assert code == 0
    assert stored_ids(database) == expected


def writer_pid(crawl_pid: int) -> int | None:
    """The crawl's archive writer: its child started by multiprocessing's spawn (not the resource tracker)."""
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
            command = (status.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(crawl_pid) and "spawn_main" in command and "resource_tracker" not in command:
            return int(status.parent.name)
    return None


def test_a_writer_process_that_dies_stops_the_crawl_and_the_next_crawl_completes_the_archive(
    mirror: MirrorServer, manifest: dict[str, Any], tmp_path: Path
) -> None:
    import os
    import signal

    from tests.ops.conftest import SLOW, crawl_rows, expected_ids, finish, log_of, start_crawl, stored_ids, wait_for

    database = tmp_path / "news.sqlite"
    expected = expected_ids(manifest)
    crawl = start_crawl(mirror.base_url, tmp_path, *SLOW, "-s", "NEWSCRAWL_BATCH_SIZE=5")
    try:
        wait_for(lambda: len(stored_ids(database)) >= 5, what="a first batch to be stored")
        pid = writer_pid(crawl.pid)
        assert pid is not None, "no writer process found"
        os.kill(pid, signal.SIGKILL)
    finally:
        code = finish(crawl)
    log = log_of(tmp_path)
    assert code == 1, log[-3000:]
    assert "Archive write failed" in log
    stored = stored_ids(database)
    assert 5 <= len(stored) < len(expected)
    assert crawl_rows(database)[0][1] == "archive_error"

    again = run_crawl(mirror.base_url, tmp_path, output=False)
    assert again.returncode == 0, again.log[-3000:]
    assert stored_ids(database) == expected
