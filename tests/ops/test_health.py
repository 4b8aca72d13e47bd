"""`scrapy health` on crawl rows made by real crawls of good and broken mirrors."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from newscrawl.mirror.server import MirrorServer
from tests.conftest import run_crawl
from tests.ops.conftest import copy_mirror, health

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
