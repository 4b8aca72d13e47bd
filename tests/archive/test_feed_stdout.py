"""A feed to stdout whose reader goes away (`scrapy crawl asia -o -:jsonlines | head -c 100`:
EPIPE), handled as a feed file whose disk fills (test_feed_full_disk, newscrawl/feeds.py): one
ERROR line naming stdout, the cause and `scrapy export --changed-since`, never a traceback per
article; the stat newscrawl/feed/write_failed; the crawl goes on, the archive and the other
feeds get every article; with no other feed stored, the crawl stays undelivered and the next
crawl's feed carries its articles. Expected articles come from the mirror's manifest."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from newscrawl.mirror.server import MirrorServer
from tests.archive.conftest import run_export
from tests.archive.test_feed_full_disk import archived_ids, crawls, error_lines, health
from tests.conftest import PROJECT_ROOT, CrawlRun
from tests.ops.conftest import crawl_command, crawl_env, expected_ids

pytestmark = pytest.mark.e2e

# what the reader takes before it goes: less than one line (the mirror's feed is over 100 kB,
# more than a pipe holds, so the crawl is still writing when the reader goes)
READ_BYTES = 100
# the crawl's one feed: stdout (FEEDS given on the command line replaces the default feed)
STDOUT_ONLY = ("-s", "FEEDS=" + json.dumps({"stdout:": {"format": "jsonlines", "encoding": "utf8"}}))


def crawl_to_reader(base_url: str, workdir: Path, *args: str, read: int | None = READ_BYTES) -> tuple[CrawlRun, bytes]:
    """The crawl with its stdout into a pipe whose reader takes `read` bytes and closes it (None:
    it reads to the end); the log (stderr) in workdir/crawl.log."""
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "crawl.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(crawl_command(base_url, workdir, *args), cwd=PROJECT_ROOT, env=crawl_env(workdir),
                                   stdout=subprocess.PIPE, stderr=log)
        assert process.stdout is not None
        try:
            got = process.stdout.read() if read is None else process.stdout.read(read)
        finally:
            process.stdout.close()  # the reader goes
            returncode = process.wait(timeout=300)
    run = CrawlRun(returncode, log_path.read_text(encoding="utf-8"), f"sqlite:///{workdir / 'news.sqlite'}",
                   workdir / "out.jsonl", workdir / "data")
    return run, got


def feed_ids(path: Path) -> list[str]:
    return [json.loads(line)["article_id"] for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_reader_gone_costs_one_line_and_the_other_feeds_get_every_article(
    mirror_root: Path, manifest: dict[str, Any], tmp_path: Path
) -> None:
    expected = expected_ids(manifest)
    assert len(expected) > 60
    with MirrorServer(mirror_root) as server:
        run, got = crawl_to_reader(server.base_url, tmp_path, "-o", "-:jsonlines")
    assert run.returncode == 0, run.log[-3000:]
    assert got.startswith(b'{"') and len(got) == READ_BYTES  # the feed's start reached the reader
    for noise in ("Traceback", "Error storing", "Exception ignored", "BrokenPipeError"):
        assert noise not in run.log, run.log[-5000:]
    [said] = error_lines(run)
    [(_crawl_id, started, delivered, stats)] = crawls(run.database_url)
    assert said.endswith(f"[newscrawl.feeds] ERROR: Cannot write the feed stdout (Broken pipe): this feed is dropped, "
                         f"what it wrote before stays with its reader (its last line may be cut), and the crawl goes on; "
                         f"every article stays in the archive: `scrapy export --changed-since {started} -o FILE` writes "
                         f"them again, and if no feed of this crawl is stored, the next crawl's feed carries them"), said
    assert stats["newscrawl/feed/write_failed"] == 1
    # the crawl went on: every article archived, and the default feed, after stdout in FEEDS, has each once
    assert archived_ids(run.database_url) == expected
    [feed] = (run.data_dir / "feeds").glob("asia-*.jsonl")
    assert sorted(feed_ids(feed)) == sorted(expected) and feed.stat().st_size > 70_000
    assert delivered is not None  # that feed is stored whole: nothing waits for the next crawl
    feed_line = next(line for line in run.log.splitlines() if line.startswith("  Feed: "))
    assert feed_line.endswith(f"stdout ({len(expected)} articles): NOT written (Broken pipe); "
                              f"`scrapy export --changed-since {started}` writes its articles again"), feed_line


def test_stdout_alone_lost_leaves_the_crawl_undelivered_and_the_next_feed_carries_it(
    mirror_root: Path, manifest: dict[str, Any], tmp_path: Path
) -> None:
    expected = expected_ids(manifest)
    data_dir = tmp_path / "data"
    with MirrorServer(mirror_root) as server:
        run, _got = crawl_to_reader(server.base_url, tmp_path, *STDOUT_ONLY)
        assert run.returncode == 0, run.log[-3000:]
        assert "Traceback" not in run.log and "Exception ignored" not in run.log, run.log[-5000:]
        [said] = error_lines(run)
        assert "ERROR: Cannot write the feed stdout (Broken pipe)" in said
        [(crawl_id, started, delivered, stats)] = crawls(run.database_url)
        assert delivered is None and stats["newscrawl/feed/write_failed"] == 1
        assert not (data_dir / "feeds").exists() or not list((data_dir / "feeds").iterdir())
        assert archived_ids(run.database_url) == expected
        assert f"`scrapy export --changed-since {started}` writes its articles again, and the next crawl's feed carries them" in run.log
        looked = health(run.database_url, data_dir)
        assert looked.returncode == 1, looked.stdout + looked.stderr
        assert f"asia: crawl {crawl_id} ({started}): no feed of it was stored (its feed could not be written" in looked.stdout
        export = run_export(run.database_url, "--changed-since", started)
        assert export.returncode == 0 and {line["article_id"] for line in export.lines()} == expected

        # the next crawl, read to the end: its stdout carries the first crawl's articles (it finds
        # nothing new itself), and a feed to stdout written whole delivers both crawls
        again, out = crawl_to_reader(server.base_url, tmp_path, *STDOUT_ONLY, read=None)
    assert again.returncode == 0, again.log[-3000:]
    assert not error_lines(again)
    carried = [json.loads(line)["article_id"] for line in out.decode("utf-8").splitlines()]
    assert sorted(carried) == sorted(expected)
    assert all(delivered for _id, _started, delivered, _stats in crawls(run.database_url))
    assert "no feed of it was stored" not in health(run.database_url, data_dir).stdout


def test_without_the_archive_a_reader_gone_fails_the_crawl(mirror_root: Path, tmp_path: Path) -> None:
    """NEWSCRAWL_STORE_ENABLED=False: as for a feed file lost, exit status 1, and the line sends
    nobody to an archive."""
    with MirrorServer(mirror_root) as server:
        run, _got = crawl_to_reader(server.base_url, tmp_path, "-o", "-:jsonlines", "-s", "NEWSCRAWL_STORE_ENABLED=False")
    assert run.returncode == 1, run.log[-3000:]
    assert "Traceback" not in run.log
    [said] = error_lines(run)
    assert said.endswith("Cannot write the feed stdout (Broken pipe): this feed is dropped, what it wrote before stays with "
                         "its reader (its last line may be cut), and the crawl goes on; the articles it was to hold are in "
                         "no archive (NEWSCRAWL_STORE_ENABLED is off)"), said
