"""`scrapy health` on crawl rows made by real crawls of good and broken mirrors."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from newscrawl.cli import EXIT_BROKEN_PIPE
from newscrawl.db import Archive, CrawlRow
from newscrawl.mirror.server import MirrorServer
from tests.conftest import PROJECT_ROOT, run_crawl
from tests.ops.conftest import copy_mirror, crawl_env, health

pytestmark = pytest.mark.e2e


def degrade(root: Path, manifest: dict[str, Any]) -> None:
    """Every third index article answers 500; three others come in a layout no parser knows."""
    routes: dict[str, Any] = json.loads((root / "routes.json").read_text(encoding="utf-8"))
    listed = [manifest["articles"][i] for i in manifest["asia_ids"] if manifest["articles"][i]["paths"][0] in routes]
    for article in listed[::3]:
        routes[article["paths"][0]] = {"file": None, "status": 500, "type": "text/html; charset=utf-8"}
    for article in listed[1:9:3]:
        page = root / routes[article["paths"][0]]["file"]
        html = page.read_text(encoding="utf-8")
        page.write_text(re.sub(r'class="([^"]*)"', lambda m: 'class="' + m.group(1).replace("article", "story") + '"', html))
    (root / "routes.json").write_text(json.dumps(routes), encoding="utf-8")


def test_a_history_of_good_quiet_and_degraded_crawls(mirror: MirrorServer, mirror_root: Path, manifest: dict[str, Any], tmp_path: Path) -> None:
    first = run_crawl(mirror.base_url, tmp_path, output=False)
    assert first.returncode == 0, first.log[-2000:]
    report = health(tmp_path)
    assert report.returncode == 0, report.stdout + report.stderr
    assert "Healthy: nothing needs a look." in report.stdout and "finished" in report.stdout
    assert health(tmp_path, "--quiet").stdout == ""

    for _ in range(2):  # nothing new on the site: the archive has it all
        assert run_crawl(mirror.base_url, tmp_path, output=False).returncode == 0
    assert health(tmp_path).returncode == 0  # 2 quiet crawls are fewer than NEWSCRAWL_HEALTH_NO_NEW_CRAWLS (6)
    quiet = health(tmp_path, "-s", "NEWSCRAWL_HEALTH_NO_NEW_CRAWLS=2")
    assert quiet.returncode == 1
    assert "asia: no new article in the last 2 crawls" in quiet.stdout

    root = copy_mirror(mirror_root, tmp_path / "degraded")
    degrade(root, manifest)
    with MirrorServer(root) as server:
        bad = run_crawl(server.base_url, tmp_path, "-a", "refresh=all", "-s", "RETRY_TIMES=0", output=False)
    assert bad.returncode == 0, bad.log[-2000:]
    report = health(tmp_path, "--quiet")
    assert report.returncode == 1
    findings = report.stdout.split("Needs a look:", 1)[1]
    assert re.search(r"asia: crawl 4 .*: \d+ of \d+ pages failed \(\d+\.\d%, threshold 10%, up from a median of \d+\.\d%", findings), findings
    assert re.search(r"crawl 4 .* has layout-change warnings \(layout/fallback 3\)", findings), findings
    assert "no new article" not in findings  # the degraded crawl stored the fallback-parsed articles as changed
    assert len(report.stdout.splitlines()) > 6  # --quiet prints the whole report when something needs a look


def test_an_empty_crawl_of_a_changed_index(mirror_root: Path, tmp_path: Path) -> None:
    root = copy_mirror(mirror_root, tmp_path / "broken")
    routes = json.loads((root / "routes.json").read_text(encoding="utf-8"))
    (root / routes["/asia/"]["file"]).write_text(
        '<html lang="en"><head><title>Asia &amp; Pacific</title></head><body><div class="layout">Coming soon</div></body></html>'
    )
    with MirrorServer(root) as server:
        run = run_crawl(server.base_url, tmp_path, output=False)
    assert run.returncode == 0, run.log[-2000:]
    report = health(tmp_path)
    assert report.returncode == 1
    assert re.search(r"crawl 1 .* is empty: no article found \(1 index pages, 0 article links\)", report.stdout), report.stdout
    assert "layout/index_without_articles 1" in report.stdout


def test_a_failed_crawl(tmp_path: Path) -> None:
    run = run_crawl("http://127.0.0.1:9", tmp_path, "-s", "RETRY_TIMES=0", output=False)
    assert run.returncode == 1
    report = health(tmp_path)
    assert report.returncode == 1
    assert re.search(r"crawl 1 .* failed: start_page_unreachable", report.stdout), report.stdout
    assert "is empty" not in report.stdout


def test_no_archive_needs_a_look(tmp_path: Path) -> None:
    report = health(tmp_path)
    assert report.returncode == 2 and f"no archive at {tmp_path / 'news.sqlite'}" in report.stdout


def recorded_history(workdir: Path, crawls: int) -> Path:
    """An archive whose crawls table holds `crawls` finished crawls of asia (each found one new article,
    and stored its feed)."""
    database = workdir / "news.sqlite"
    archive = Archive(f"sqlite:///{database}")
    rows = [
        {"spider": "asia", "arguments": {}, "started_at": f"2026-01-01T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}Z",
         "finished_at": "2026-01-02T00:00:00Z", "finish_reason": "finished", "articles_new": 1, "stats": {},
         "feed_delivered_at": "2026-01-02T00:00:00Z"}
        for n in range(crawls)
    ]
    with archive.engine.begin() as conn:
        conn.execute(CrawlRow.__table__.insert(), rows)
    archive.close()
    return database


def test_spider_is_matched_without_regard_to_case_and_an_unknown_one_is_named(tmp_path: Path) -> None:
    recorded_history(tmp_path, 3)
    report = health(tmp_path)
    assert report.returncode == 0 and report.stdout.count("  asia  ") == 3, report.stdout
    for spelling in ("asia", "ASIA", "Asia"):
        assert health(tmp_path, "--spider", spelling).stdout == report.stdout, spelling
    unknown = health(tmp_path, "--spider", "Aisa")
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert unknown.stderr.splitlines() == [
        "scrapy health: error: --spider Aisa: no crawl of that spider in the archive, and no such spider in the project "
        "(did you mean asia?); the archive's crawls are of: asia; the project's spiders: asia"]


BROKEN_PIPE_SIGNS = ("Traceback", "BrokenPipe", "Broken pipe", "Exception ignored")


def test_health_into_head_ends_quietly(tmp_path: Path) -> None:
    """A report longer than a pipe holds (2,000 crawls shown), read by `head -1`."""
    database = recorded_history(tmp_path, 2000)
    whole = health(tmp_path, "--last", "2000")
    assert whole.returncode == 0 and len(whole.stdout.encode()) > 2 * 65536
    command = (f"set -o pipefail; {shlex.quote(sys.executable)} -m scrapy health --last 2000 "
               f"-s NEWSCRAWL_DATABASE_URL=sqlite:///{shlex.quote(str(database))} | head -1")
    done = subprocess.run(["bash", "-c", command], cwd=PROJECT_ROOT, env=crawl_env(tmp_path), capture_output=True, text=True, timeout=60)
    assert done.stdout == f"Archive: sqlite:///{database}\n"
    assert not any(sign in done.stderr for sign in BROKEN_PIPE_SIGNS), done.stderr
    assert done.returncode == EXIT_BROKEN_PIPE == 141


def test_health_to_a_pipe_nobody_reads_ends_quietly(tmp_path: Path) -> None:
    recorded_history(tmp_path, 1)
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the report is printed
    try:
        done = subprocess.run([sys.executable, "-m", "scrapy", "health", "-s", f"NEWSCRAWL_DATABASE_URL=sqlite:///{tmp_path / 'news.sqlite'}"],
                              cwd=PROJECT_ROOT, env=crawl_env(tmp_path), stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write_end)
    assert done.returncode == EXIT_BROKEN_PIPE and not any(sign in done.stderr for sign in BROKEN_PIPE_SIGNS), done.stderr
