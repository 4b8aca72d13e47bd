"""One log file per crawl under <data dir>/logs/, the newest NEWSCRAWL_LOG_KEEP kept, and
progress lines with pages and articles per minute."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from newscrawl.mirror.server import MirrorServer
from tests.conftest import run_crawl
from tests.ops.conftest import SLOW, query

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

    run = run_crawl(mirror.base_url, tmp_path, *SLOW, "-s", "LOGSTATS_INTERVAL=0.5", "-s", "NEWSCRAWL_LOG_KEEP=3")
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

    progress = [line for line in text.splitlines() if "Progress: " in line]
    assert len(progress) >= 2, "no progress line during the crawl"
    pattern = re.compile(r"Progress: (\d+) pages \((\d+) pages/min\), (\d+) articles stored \((\d+) articles/min\)")
    figures = [tuple(map(int, m.groups())) for m in map(pattern.search, progress) if m]
    assert len(figures) == len(progress)
    assert any(pages_rate > 0 and articles_rate > 0 for _, pages_rate, _, articles_rate in figures)
    assert "scrapy.extensions.logstats" not in text  # ours replaces Scrapy's line
