"""One log file per crawl under <data dir>/logs/, the newest NEWSCRAWL_LOG_KEEP kept, with
the progress lines and the summary in it."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import subprocess
from pathlib import Path
from typing import Any, Iterator

import pytest

from newscrawl.logs import CrawlLogHandler
from newscrawl.mirror.server import MirrorServer
from tests.conftest import run_crawl
from tests.ops.conftest import SLOW, expected_ids, query, stored_ids

pytestmark = pytest.mark.e2e

LOG_NAME = re.compile(r"^asia-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.log$")


def test_each_crawl_has_its_log_file_and_old_ones_go(mirror: MirrorServer, tmp_path: Path) -> None:
    logs = tmp_path / "data" / "logs"
    logs.mkdir(parents=True)
    for n in range(5):  # five earlier crawls' logs, oldest first
        old = logs / f"asia-2026-01-0{n + 1}T00-00-00Z.log"
        old.write_text(f"crawl {n}\n")
        os.utime(old, (1_700_000_000 + n, 1_700_000_000 + n))
    (logs / "demo-crawl.log").write_text("not a crawl log of ours\n")

    run = run_crawl(mirror.base_url, tmp_path, *SLOW, "-s", "NEWSCRAWL_PROGRESS_INTERVAL=0.5", "-s", "NEWSCRAWL_LOG_KEEP=3")
    assert run.returncode == 0, run.log[-3000:]

    stats = json.loads(query(tmp_path / "news.sqlite", "SELECT stats FROM crawls")[0][0])
    log_file = Path(stats["newscrawl/log_file"])
    assert log_file.parent == logs and LOG_NAME.match(log_file.name)
    text = log_file.read_text(encoding="utf-8")
    # the whole crawl is in it, from the settings to the last line
    assert "Overridden settings" in text and "Dumping Scrapy stats" in text and "Spider closed (finished)" in text
    assert "Page failed" in text
    kept = sorted(p.name for p in logs.iterdir())
    assert kept == sorted(["asia-2026-01-04T00-00-00Z.log", "asia-2026-01-05T00-00-00Z.log", log_file.name, "demo-crawl.log"])

    # the progress lines and the summary are in it too (tests/ops/test_progress.py reads them)
    assert len([line for line in text.splitlines() if "[newscrawl.progress] INFO: Progress: " in line]) >= 2
    assert "scrapy.extensions.logstats" not in text  # ours replaces Scrapy's line
    assert f"[newscrawl.summary] INFO: Crawl {stats['newscrawl/crawl_id']} of asia: finished" in text
    assert text.rstrip().endswith(f"Log:{' ' * 9}{log_file}")  # the summary is the log's last word


FAILED_LOG_FILE = "Cannot write the crawl's log file"


def test_a_log_file_that_cannot_be_written_says_so_once_and_logging_goes_on(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    """/dev/full: every write fails with ENOSPC, as on a full disk."""
    failures: list[OSError] = []
    handler = CrawlLogHandler(Path("/dev/full"), on_failure=failures.append)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with caplog.at_level(logging.INFO):
            for n in range(200):
                logging.getLogger("newscrawl.test").info("record %d", n)
    finally:
        root.removeHandler(handler)
        handler.close()
    said = [r.getMessage() for r in caplog.records if FAILED_LOG_FILE in r.getMessage()]
    assert said == [f"{FAILED_LOG_FILE} /dev/full (No space left on device): the crawl goes on, logging to stderr only"]
    assert [r.getMessage() for r in caplog.records if r.name == "newscrawl.test"] == [f"record {n}" for n in range(200)]
    assert len(failures) == 1 and handler.failed
    stderr = capsys.readouterr().err
    assert "Logging error" not in stderr and "Traceback" not in stderr


@contextlib.contextmanager
def small_tmpfs(target: Path, size: str) -> Iterator[Path]:
    target.mkdir(parents=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs (a disk that fills up) needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(target)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"mount -t tmpfs is not permitted here: {done.stderr.strip()}")
    try:
        yield target
    finally:
        subprocess.run(["umount", str(target)], check=True)


def test_a_full_log_disk_gives_one_line_and_the_crawl_goes_on(mirror: MirrorServer, manifest: dict[str, Any], tmp_path: Path) -> None:
    with small_tmpfs(tmp_path / "data" / "logs", "4k") as logs:  # one page: room for the start of the log
        run = run_crawl(mirror.base_url, tmp_path)
        written = [p.read_text(encoding="utf-8", errors="replace") for p in logs.iterdir()]
    assert run.returncode == 0, run.log[-3000:]
    said = [line for line in run.log.splitlines() if FAILED_LOG_FILE in line]
    assert len(said) == 1 and "No space left on device" in said[0], said
    assert "Logging error" not in run.log and "Traceback" not in run.log, run.log[-3000:]
    # the file has the crawl's start, up to the disk's end
    assert len(written) == 1 and "Overridden settings" in written[0] and "Dumping Scrapy stats" not in written[0]
    # the crawl's outcome is the one of a crawl with room for its log
    assert stored_ids(tmp_path / "news.sqlite") == expected_ids(manifest)
    stats = json.loads(query(tmp_path / "news.sqlite", "SELECT stats FROM crawls")[0][0])
    assert stats["newscrawl/log_file_failed"] == 1 and stats["finish_reason"] == "finished"
    assert "Dumping Scrapy stats" in run.log  # stderr logging went on to the end


def test_a_log_directory_that_cannot_be_made_gives_one_line(mirror: MirrorServer, manifest: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "logs").write_text("a file where the log directory should be\n")
    run = run_crawl(mirror.base_url, tmp_path)
    assert run.returncode == 0, run.log[-3000:]
    said = [line for line in run.log.splitlines() if FAILED_LOG_FILE in line]
    assert len(said) == 1 and "File exists" in said[0], said
    assert "Traceback" not in run.log, run.log[-3000:]
    assert stored_ids(tmp_path / "news.sqlite") == expected_ids(manifest)
