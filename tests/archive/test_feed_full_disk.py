"""A feed whose disk fills mid-crawl (newscrawl/feeds.py): one ERROR line naming the feed, the
cause and `scrapy export --changed-since`, never a traceback per article; the stat
newscrawl/feed/write_failed; the archive stores every article all the same; nothing written
before the crawl is lost (an older feed, a file appended to with -o); the crawl stays
undelivered, `scrapy health` says so, and the next crawl with room carries its articles.
Expected articles come from the mirror's manifest."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from newscrawl.mirror.server import MirrorServer
from tests.archive.conftest import run_export
from tests.conftest import PROJECT_ROOT, CrawlRun, run_crawl
from tests.ops.conftest import expected_ids

pytestmark = pytest.mark.e2e

# the feed's disk: room for a few articles' lines only (the mirror's feed is over 100 kB)
FULL_SIZE = "48k"


def crawls(database_url: str) -> list[tuple[int, str, str | None, dict[str, Any]]]:
    connection = sqlite3.connect(database_url.removeprefix("sqlite:///"))
    try:
        rows = connection.execute("SELECT id, started_at, feed_delivered_at, stats FROM crawls ORDER BY id").fetchall()
    finally:
        connection.close()
    return [(crawl_id, started, delivered, json.loads(stats or "{}")) for crawl_id, started, delivered, stats in rows]


def archived_ids(database_url: str) -> set[str]:
    connection = sqlite3.connect(database_url.removeprefix("sqlite:///"))
    try:
        return {row[0] for row in connection.execute("SELECT article_id FROM articles")}
    finally:
        connection.close()


def error_lines(run: CrawlRun) -> list[str]:
    """ERROR lines but the mirror's own failing pages (its 404s and 500s)."""
    return [line for line in run.log.splitlines() if " ERROR: " in line and "] ERROR: Page failed: " not in line]


def health(database_url: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "health", "-s", f"NEWSCRAWL_DATABASE_URL={database_url}"],
        cwd=PROJECT_ROOT, env={**os.environ, "NEWSCRAWL_DATA_DIR": str(data_dir)}, capture_output=True, text=True,
        timeout=60,
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_full_feed_disk_costs_one_line_and_the_next_crawl_carries_the_feed(
    small_disk: Path, mirror_root: Path, manifest: dict[str, Any], tmp_path: Path
) -> None:
    # the archive, WARC files and logs have room; the feed folder is the small disk
    subprocess.run(["mount", "-o", f"remount,size={FULL_SIZE}", str(small_disk)], check=True)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "feeds").symlink_to(small_disk)
    older = small_disk / "asia-2026-01-01T00-00-00+00-00.jsonl"  # an earlier crawl's feed: never touched
    older.write_text("".join(json.dumps({"article_id": str(n), "title": "x" * 200}) + "\n" for n in range(40)), encoding="utf-8")
    kept = digest(older)
    database_url = f"sqlite:///{tmp_path / 'archive.sqlite'}"
    expected = expected_ids(manifest)
    assert len(expected) > 60

    with MirrorServer(mirror_root) as server:
        full = run_crawl(server.base_url, tmp_path, database_url=database_url, output=False)
        assert full.returncode == 0, full.log[-3000:]
        assert "Traceback" not in full.log and "Error storing" not in full.log, full.log[-5000:]
        [said] = error_lines(full)
        assert "Cannot write the feed " in said and "(No space left on device)" in said, said
        [(crawl_id, started, delivered, stats)] = crawls(database_url)
        assert f"`scrapy export --changed-since {started} -o FILE`" in said
        assert stats["newscrawl/feed/write_failed"] == 1 and delivered is None
        # the archive stored every article; nothing half written is left, the older feed is whole
        assert archived_ids(database_url) == expected
        assert sorted(p.name for p in small_disk.iterdir()) == [older.name] and digest(older) == kept
        feed_line = next(line for line in full.log.splitlines() if line.startswith("  Feed: "))
        assert feed_line.endswith(f"({len(expected)} articles): NOT written (No space left on device); `scrapy export "
                                  f"--changed-since {started}` writes its articles again, and the next crawl's feed carries them")

        # health names it; the export the line gives has every article
        looked = health(database_url, data_dir)
        assert looked.returncode == 1, looked.stdout + looked.stderr
        assert f"asia: crawl {crawl_id} ({started}): no feed of it was stored (its feed could not be written" in looked.stdout
        export = run_export(database_url, "--changed-since", started)
        assert export.returncode == 0 and {line["article_id"] for line in export.lines()} == expected

        # with room, the next crawl's feed carries the first crawl's articles
        subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
        again = run_crawl(server.base_url, tmp_path, database_url=database_url, output=False)
        assert again.returncode == 0, again.log[-3000:]
    assert not error_lines(again)
    [feed] = [p for p in small_disk.iterdir() if p != older]
    carried = [json.loads(line) for line in feed.read_text(encoding="utf-8").splitlines()]
    assert {line["article_id"] for line in carried} == expected and len(carried) == len(expected)
    assert all(delivered for _id, _started, delivered, _stats in crawls(database_url))
    assert "no feed of it was stored" not in health(database_url, data_dir).stdout


def test_a_file_appended_to_is_cut_back_to_what_it_held(
    small_disk: Path, mirror_root: Path, manifest: dict[str, Any], tmp_path: Path
) -> None:
    """-o FILE on a disk that fills: FILE keeps exactly its earlier lines, with no cut line after
    them; the crawl's own feed (with room) holds every article, so nothing waits for the next crawl."""
    subprocess.run(["mount", "-o", f"remount,size={FULL_SIZE}", str(small_disk)], check=True)
    appended = small_disk / "all.jsonl"
    appended.write_text("".join(json.dumps({"article_id": str(n), "title": "y" * 200}) + "\n" for n in range(40)), encoding="utf-8")
    kept = digest(appended)
    database_url = f"sqlite:///{tmp_path / 'archive.sqlite'}"
    with MirrorServer(mirror_root) as server:
        run = run_crawl(server.base_url, tmp_path, "-o", str(appended), database_url=database_url, output=False)
    assert run.returncode == 0, run.log[-3000:]
    assert "Traceback" not in run.log
    [said] = error_lines(run)
    assert f"Cannot write the feed {appended} (No space left on device)" in said
    assert f"{appended} cut back to what it held before this crawl" in said
    assert digest(appended) == kept
    [own] = list((run.data_dir / "feeds").glob("asia-*.jsonl"))
    assert {json.loads(line)["article_id"] for line in own.read_text(encoding="utf-8").splitlines()} == expected_ids(manifest)
    [(_id, _started, delivered, stats)] = crawls(database_url)
    assert delivered is not None and stats["newscrawl/feed/write_failed"] == 1
    # the summary does not promise a carry that will not happen
    assert re.search(r"all\.jsonl \(\d+ articles\): NOT written \(No space left on device\); `scrapy export --changed-since \S+` "
                     r"writes its articles again$", run.log, re.M), run.log[-3000:]


def test_without_the_archive_a_feed_lost_fails_the_crawl(small_disk: Path, mirror_root: Path, tmp_path: Path) -> None:
    """NEWSCRAWL_STORE_ENABLED=False: the feed is the crawl's one output, so losing it is the crawl
    failing at its job (exit status 1), and the line does not send anyone to an archive."""
    subprocess.run(["mount", "-o", f"remount,size={FULL_SIZE}", str(small_disk)], check=True)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "feeds").symlink_to(small_disk)
    with MirrorServer(mirror_root) as server:
        run = run_crawl(server.base_url, tmp_path, "-s", "NEWSCRAWL_STORE_ENABLED=False", output=False)
    assert run.returncode == 1, run.log[-3000:]
    assert "Traceback" not in run.log
    [said] = error_lines(run)
    assert said.endswith("(No space left on device): this feed is dropped, its partial file removed, and the crawl goes on; "
                         "the articles it was to hold are in no archive (NEWSCRAWL_STORE_ENABLED is off)"), said
    assert not list(small_disk.iterdir())
