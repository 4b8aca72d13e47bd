"""Rendering end to end: real `scrapy crawl`s of mirrors on a free port, Debian's Chromium,
results checked against the mirror's manifest (the corpus), never against the code under test."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from newscrawl.mirror.build import build_mirror
from newscrawl.mirror.server import MirrorServer
from tests.conftest import CrawlRun, run_crawl
from tests.rendering.conftest import ProcessWatch, is_playwright, kill, stat

pytestmark = pytest.mark.e2e

DEPTH = 2
SCRAPY_HTTP = "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler"


def within_depth(manifest: dict[str, Any]) -> set[str]:
    return {i for i, a in manifest["articles"].items() if a["hops"] is not None and a["hops"] <= DEPTH}


def stored(run: CrawlRun) -> dict[str, dict[str, Any]]:
    return {item["article_id"]: item for item in run.feed_items()}


def duplicate_pairs(items: dict[str, dict[str, Any]]) -> set[frozenset[str]]:
    return {frozenset((i, item["duplicate_of"])) for i, item in items.items() if item["duplicate_of"]}


def assert_as_expected(item: dict[str, Any], manifest: dict[str, Any]) -> None:
    for field, value in manifest["articles"][item["article_id"]]["expected"].items():
        assert item[field] == value, (item["article_id"], field)


def test_script_built_pages_are_rendered_and_stored_like_static_ones(
    chromium: str, scripted_mirror: MirrorServer, scripted_manifest: dict[str, Any], tmp_path: Path
) -> None:
    scripted_mirror.reset_requests()
    run = run_crawl(scripted_mirror.base_url, tmp_path)
    assert run.returncode == 0, run.log[-3000:]
    items = stored(run)
    scripted = scripted_manifest["scripted"]
    assert set(items) == within_depth(scripted_manifest) and set(scripted) <= set(items)
    for item in items.values():  # the rendered pages with the same quality as the static ones
        assert_as_expected(item, scripted_manifest)
    assert stat(run.log, "newscrawl/render_requested") == stat(run.log, "newscrawl/rendered") == len(scripted)
    for key in ("newscrawl/render_failed", "newscrawl/render_empty", "newscrawl/render_unavailable",
                "newscrawl/not_stored/no_body"):
        assert stat(run.log, key) == 0, key
    # bounded, every page closed
    assert stat(run.log, "playwright/browser_count") == 1
    assert stat(run.log, "playwright/context_count/max_concurrent") == 1
    assert 1 <= stat(run.log, "playwright/page_count/max_concurrent") <= 4
    assert stat(run.log, "playwright/page_count") == stat(run.log, "playwright/page_count/closed") == len(scripted)
    # the browser loaded the pages and the live blogs' JSON from the mirror, nothing else
    feeds = [route for entry in scripted.values() for route in entry["data"]]
    assert set(feeds) <= set(scripted_mirror.requests)
    assert stat(run.log, "playwright/response_count/resource_type/document") == len(scripted)
    assert stat(run.log, "playwright/response_count/resource_type/fetch") == len(feeds)
    assert stat(run.log, "playwright/request_count") == (
        stat(run.log, "playwright/response_count") + stat(run.log, "playwright/request_count/aborted"))


def test_without_a_browser_the_crawl_goes_on_counts_the_pages_and_warns_once(
    scripted_mirror: MirrorServer, scripted_manifest: dict[str, Any], tmp_path: Path
) -> None:
    run = run_crawl(scripted_mirror.base_url, tmp_path, "-s", "NEWSCRAWL_CHROMIUM_PATH=/nonexistent/chromium")
    assert run.returncode == 0, run.log[-3000:]
    scripted = set(scripted_manifest["scripted"])
    # not rendered: counted, not stored; their READ MORE links are still followed (hops 1 and 2)
    assert stat(run.log, "newscrawl/render_unavailable") == len(scripted)
    assert stat(run.log, "newscrawl/not_stored/no_body") == len(scripted)
    items = stored(run)
    assert set(items) == within_depth(scripted_manifest) - scripted
    warnings = [line for line in run.log.splitlines() if "[newscrawl.rendering] WARNING" in line]
    assert len(warnings) == 1, warnings
    assert "apt-get install chromium" in warnings[0] and "NEWSCRAWL_CHROMIUM_PATH" in warnings[0]
    assert "playwright/" not in run.log and "scrapy-playwright" not in run.log


def test_a_crawl_that_needs_no_rendering_starts_no_browser_and_stores_the_same(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    manifest = build_mirror(root, n_asia=30)
    with MirrorServer(root) as server:
        with ProcessWatch() as watch:
            run = run_crawl(server.base_url, tmp_path / "ours")
        plain = run_crawl(server.base_url, tmp_path / "scrapy", "-s",
                          "DOWNLOAD_HANDLERS=" + json.dumps({"http": SCRAPY_HTTP, "https": SCRAPY_HTTP}))
    assert run.returncode == plain.returncode == 0, run.log[-3000:]
    assert watch.seen, "the crawl process was not seen"
    assert not [c for c in watch.seen.values() if is_playwright(c)], watch.seen
    assert "scrapy-playwright" not in run.log and "playwright/" not in run.log and "newscrawl/render" not in run.log
    ours, theirs = stored(run), stored(plain)
    assert set(ours) == within_depth(manifest)
    assert duplicate_pairs(ours) == duplicate_pairs(theirs)  # which of a pair comes first varies
    for items in (ours, theirs):
        for item in items.values():
            del item["fetched_at"], item["duplicate_of"]
    assert ours == theirs  # identical to Scrapy's own HTTP handler


def test_a_browser_killed_mid_crawl_is_restarted(
    chromium: str, scripted_mirror: MirrorServer, scripted_manifest: dict[str, Any], tmp_path: Path
) -> None:
    with ProcessWatch(on_page=kill) as watch:  # Chromium dies as soon as it renders its first page
        run = run_crawl(scripted_mirror.base_url, tmp_path)
    assert run.returncode == 0, run.log[-3000:]
    assert watch.browser_pid is not None, "no browser was seen"
    assert stat(run.log, "newscrawl/render_browser_died") >= 1  # killed under a page being rendered
    assert stat(run.log, "playwright/browser_count") >= 2
    items = stored(run)
    scripted = scripted_manifest["scripted"]
    # each script-built page is rendered (and stored as expected) or counted as failed
    assert stat(run.log, "newscrawl/rendered") + stat(run.log, "newscrawl/render_failed") == len(scripted)
    assert len(set(scripted) & set(items)) == stat(run.log, "newscrawl/rendered")
    for item in items.values():
        assert_as_expected(item, scripted_manifest)
    # the page two READ MORE hops off the index is requested only after the kill: the new browser renders it
    last = next(i for i in scripted if scripted_manifest["articles"][i]["hops"] == 2)
    assert last in items
    assert set(items) - set(scripted) == within_depth(scripted_manifest) - set(scripted)


def test_renderings_past_the_timeout_are_counted_as_failed_and_the_crawl_goes_on(
    chromium: str, scripted_mirror: MirrorServer, scripted_manifest: dict[str, Any], tmp_path: Path
) -> None:
    run = run_crawl(scripted_mirror.base_url, tmp_path, "-s", "NEWSCRAWL_RENDER_TIMEOUT=0.01")
    assert run.returncode == 0, run.log[-3000:]
    scripted = set(scripted_manifest["scripted"])
    assert stat(run.log, "newscrawl/render_failed") == len(scripted)
    assert stat(run.log, "newscrawl/rendered") == 0
    assert run.log.count("Rendering failed for") == len(scripted) and "NEWSCRAWL_RENDER_TIMEOUT" in run.log
    # the static parse goes on: not stored, its READ MORE links followed
    assert set(stored(run)) == within_depth(scripted_manifest) - scripted
    assert "Traceback" not in run.log
