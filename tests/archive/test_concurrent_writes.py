"""Two writers on one SQLite archive (the crawl lock off, or a crawl and `scrapy health`):
write transactions begin IMMEDIATE, so the second waits for the first (up to the busy
timeout) instead of failing with "database is locked" once the first commits."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from newscrawl.db import Archive, WriteOutcome
from tests.archive.conftest import expected_articles

# how long the first writer holds its transaction: far below the 30 s busy timeout
HOLD_SECONDS = 2.0


def test_a_second_writer_waits_for_the_first_instead_of_failing(tmp_path: Path, manifest: dict[str, Any]) -> None:
    path = tmp_path / "news.sqlite"
    url = f"sqlite:///{path}"
    articles = list(expected_articles(manifest).values())
    archive = Archive(url)
    archive.write_batch(articles[:5], crawl_id=None)  # so the batch below reads rows before it writes
    # another process's writer, mid-transaction (sqlite3 directly: not the code under test)
    first = sqlite3.connect(path, isolation_level=None, timeout=30)
    first.execute("BEGIN IMMEDIATE")
    first.execute(
        "INSERT INTO crawls (spider, arguments, started_at, articles_new, articles_changed, articles_unchanged, pages_failed) "
        "VALUES ('other', '{}', '2026-01-01T00:00:00Z', 0, 0, 0, 0)")
    outcome: dict[str, Any] = {}

    def second_writer() -> None:
        started = time.monotonic()
        try:
            outcome["written"] = archive.write_batch(articles[:10], crawl_id=None)
        except Exception as exc:  # noqa: BLE001 - the failure this test is about
            outcome["error"] = exc
        outcome["seconds"] = time.monotonic() - started

    writer = threading.Thread(target=second_writer)
    writer.start()
    time.sleep(HOLD_SECONDS)
    assert writer.is_alive(), f"the second writer did not wait for the first: {outcome}"
    first.execute("COMMIT")
    first.close()
    writer.join(30)
    archive.close()
    assert "error" not in outcome, outcome
    written: list[WriteOutcome] = outcome["written"]
    assert [o.status for o in written] == ["unchanged"] * 5 + ["new"] * 5
    assert outcome["seconds"] >= HOLD_SECONDS * 0.9
    check = sqlite3.connect(path)
    assert check.execute("SELECT count(*) FROM articles").fetchone() == (10,)
    assert check.execute("SELECT spider FROM crawls").fetchall() == [("other",)]
    check.close()
