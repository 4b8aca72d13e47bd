"""The live site's robots.txt forbids /services/, where the index's "load more" pages live, so
every crawl walks the first index page only. That is the site's normal state: one INFO line and
a line of the summary, no WARNING, on every crawl. It is worth a WARNING (and a finding of
`scrapy health`) only when it may have cost articles: the archive holds articles, yet the index
pages walked list none of them. The mirror is built with the live robots.txt rule; what is on
its first index page and when each article was published come from its manifest."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from newscrawl.mirror.build import build_mirror
from newscrawl.mirror.server import MirrorServer
from tests.conftest import PROJECT_ROOT, CrawlRun, run_crawl

pytestmark = pytest.mark.e2e

FLAT = ("-s", "NEWSCRAWL_READ_MORE_DEPTH=0")  # the index's articles only: what the rule decides


@pytest.fixture(scope="module")
def blocked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    root = tmp_path_factory.mktemp("robots") / "mirror"
    return root, build_mirror(root, n_asia=45, robots_blocks_services=True)


def first_page(manifest: dict[str, Any]) -> set[str]:
    return {i for i in manifest["index_ids"][: manifest["page_size"]] if i in manifest["articles"]}


def published(manifest: dict[str, Any], article_id: str) -> str:
    return str(manifest["articles"][article_id]["expected"]["published_at"])


def archived(run: CrawlRun) -> dict[str, str]:
    connection = sqlite3.connect(run.database_url.removeprefix("sqlite:///"))
    try:
        return dict(connection.execute("SELECT article_id, published_at FROM articles").fetchall())
    finally:
        connection.close()


def lines(run: CrawlRun, level: str) -> list[str]:
    return [line for line in run.log.splitlines() if f" {level}: " in line]


def summary_field(run: CrawlRun, label: str) -> list[str]:
    """A field of the summary as the crawl printed it on stdout (its first line and the ones under it)."""
    found: list[str] = []
    for line in run.log.split("Crawl ", 1)[1].splitlines():
        if line.startswith(f"  {label + ':':<12} "):
            found.append(line[15:])
        elif found and line.startswith(" " * 15):
            found.append(line[15:])
        elif found:
            break
    return found


def health(run: CrawlRun) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "health", "-s", f"NEWSCRAWL_DATABASE_URL={run.database_url}"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60,
    )


def test_an_ordinary_crawl_says_it_once_without_a_warning(blocked: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    root, manifest = blocked
    with MirrorServer(root) as server:
        first = run_crawl(server.base_url, tmp_path, *FLAT)
        again = run_crawl(server.base_url, tmp_path, *FLAT)  # the hourly crawl: the first page lists archived articles
    for run in (first, again):
        assert run.returncode == 0, run.log[-3000:]
        assert not [line for line in lines(run, "WARNING") if "robots" in line], run.log[-3000:]
        [said] = [line for line in lines(run, "INFO") if "robots.txt forbids" in line]
        assert 'Index paging stopped: robots.txt forbids the "load more" URL https://sputnikglobe.com/services/' in said
        assert "'newscrawl/index/paging_blocked_by_robots': 1" in run.log
        assert summary_field(run, "Index") == [
            '1 page walked: robots.txt forbids the "load more" pages, so older articles come through the sitemaps '
            "(-a since=YYYY-MM-DD)"
        ]
    assert set(archived(first)) == first_page(manifest) and len(first_page(manifest)) > manifest["page_size"] // 2
    assert "Healthy: nothing needs a look." in health(again).stdout


def test_a_walk_that_met_no_archived_article_warns_of_the_gap(blocked: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    """The archive holds older articles only (a backfill of the days before the first index
    page's): more was published since than the first page holds, so articles may be missing."""
    root, manifest = blocked
    page = first_page(manifest)
    oldest_on_page = min(date.fromisoformat(published(manifest, i)[:10]) for i in page)
    until = (oldest_on_page - timedelta(days=1)).isoformat()
    with MirrorServer(root) as server:
        backfill = run_crawl(server.base_url, tmp_path, "-a", "since=2000-01-01", "-a", f"until={until}", *FLAT)
        assert backfill.returncode == 0, backfill.log[-3000:]
        held = archived(backfill)
        assert held and not set(held) & page
        newest = max(held.values())

        gap = run_crawl(server.base_url, tmp_path, *FLAT)
        assert gap.returncode == 0, gap.log[-3000:]
        [warned] = [line for line in lines(gap, "WARNING") if "robots" in line]
        assert (f"articles published since {newest} (the newest archived) may be missing; "
                f"`scrapy crawl asia -a since={newest[:10]}` fetches them through the sitemaps") in warned
        assert summary_field(gap, "Index")[1] == (f"none of its articles was archived yet: articles published since {newest} "
                                                  f"may be missing (-a since={newest[:10]} fetches them)")
        looked = health(gap)
        assert looked.returncode == 1 and f"articles published since {newest} may be missing" in looked.stdout, looked.stdout

        # the backfill the line names closes the gap: every Asia article of those days is archived
        fill = run_crawl(server.base_url, tmp_path, "-a", f"since={newest[:10]}", *FLAT)
        assert fill.returncode == 0, fill.log[-3000:]
        since_then = {i for i in manifest["asia_ids"] if i in manifest["articles"] and published(manifest, i)[:10] >= newest[:10]}
        assert since_then and since_then <= set(archived(fill))
        closed = run_crawl(server.base_url, tmp_path, *FLAT)
    assert closed.returncode == 0 and not [line for line in lines(closed, "WARNING") if "robots" in line], closed.log[-3000:]
    assert "may be missing" not in health(closed).stdout
