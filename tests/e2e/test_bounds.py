"""Bounded cost per page, end to end (issue 14): a mirror holding a 20 MB article and an
article of 50,000 READ MORE cards (newscrawl.mirror.hostile, from the mirror's own composer
and templates) is crawled as the same mirror without them is: it ends by itself, within the
memory and the requests of a normal crawl, and every other article is stored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from newscrawl.mirror.build import build_mirror
from newscrawl.mirror.hostile import add_hostile_pages
from newscrawl.mirror.server import MirrorServer
from tests.conftest import CrawlRun, run_crawl

pytestmark = pytest.mark.e2e

ARTICLES = 100  # enough articles that 20 READ MORE links of one page are a small share of a crawl
MAX_TOTAL_RSS_MB = 400
MAX_REQUEST_RATIO = 1.2


def crawled(root: Path, workdir: Path) -> tuple[CrawlRun, dict[str, Any], dict[str, dict[str, Any]]]:
    """A crawl of the mirror in root: the run, its stats row and the stored articles."""
    with MirrorServer(root) as server:
        run = run_crawl(server.base_url, workdir, timeout=120)
    assert run.returncode == 0, run.log[-3000:]
    engine = create_engine(run.database_url)
    with engine.connect() as connection:
        stats = connection.execute(text("SELECT stats FROM crawls")).scalar_one()
        articles = {row["article_id"]: dict(row) for row in connection.execute(text("SELECT * FROM articles")).mappings()}
    engine.dispose()
    return run, json.loads(stats) if isinstance(stats, str) else stats, articles


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> tuple[CrawlRun, dict[str, Any], dict[str, dict[str, Any]]]:
    root = tmp_path_factory.mktemp("plain-mirror")
    build_mirror(root, n_asia=ARTICLES)
    return crawled(root, tmp_path_factory.mktemp("plain-crawl"))


@pytest.fixture(scope="module")
def hostile_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile-mirror")
    build_mirror(root, n_asia=ARTICLES)
    add_hostile_pages(root, body_bytes=20_000_000, cards=50_000)
    return root


@pytest.fixture(scope="module")
def hostile(hostile_root: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[CrawlRun, dict[str, Any], dict[str, dict[str, Any]]]:
    return crawled(hostile_root, tmp_path_factory.mktemp("hostile-crawl"))


def test_the_hostile_pages_are_what_the_issue_describes(hostile_root: Path) -> None:
    manifest = json.loads((hostile_root / "manifest.json").read_text(encoding="utf-8"))
    routes = json.loads((hostile_root / "routes.json").read_text(encoding="utf-8"))
    files = {i: hostile_root / routes[manifest["articles"][i]["paths"][0]]["file"] for i in manifest["hostile"].values()}
    huge = files[manifest["hostile"]["huge_body"]].read_text(encoding="utf-8")
    assert huge.count('data-type="text"') > 20_000 and len(huge) > 20_000_000
    assert files[manifest["hostile"]["many_cards"]].read_text(encoding="utf-8").count('data-type="article"') >= 50_000


def test_a_crawl_with_hostile_pages_stays_within_memory_and_requests(plain: Any, hostile: Any) -> None:
    run, stats, _ = hostile
    _, plain_stats, _ = plain
    writer = stats["newscrawl/writer/peak_rss_mb"]
    # each process's own high-water mark (VmHWM): wait4's ru_maxrss of a child would carry
    # the RSS of the test process it was started from
    crawl = stats["newscrawl/peak_rss_mb"]
    assert crawl + writer < MAX_TOTAL_RSS_MB, (crawl, writer)
    assert stats["downloader/request_count"] <= MAX_REQUEST_RATIO * plain_stats["downloader/request_count"]
    # each bound said so: both pages cut, the cards' links not followed past the bound
    assert stats["newscrawl/bounds/page_cut"] == 2
    assert stats["newscrawl/bounds/body_cut"] == 1
    assert stats["newscrawl/bounds/read_more_not_followed"] > 1000
    assert run.log.count("NEWSCRAWL_MAX_PAGE_BYTES") == 2 and run.log.count("NEWSCRAWL_MAX_BODY_CHARS") == 1
    assert run.log.count("NEWSCRAWL_MAX_READ_MORE_LINKS") == 1


def test_every_article_is_stored_the_hostile_ones_bounded(plain: Any, hostile: Any, hostile_root: Path) -> None:
    manifest = json.loads((hostile_root / "manifest.json").read_text(encoding="utf-8"))
    _, _, plain_articles = plain
    _, _, stored = hostile
    assert set(plain_articles) <= set(stored)
    huge_id, cards_id = manifest["hostile"]["huge_body"], manifest["hostile"]["many_cards"]
    expected = manifest["articles"][huge_id]["expected"]["body"]
    body = stored[huge_id]["body"]
    # kept: its own text first, then whole paragraphs up to the bound
    assert body.startswith(expected) and 400_000 < len(body) <= 500_000
    assert len(json.loads(stored[cards_id]["read_more"])) == 20
    for article_id, row in plain_articles.items():
        if article_id not in (huge_id, cards_id):
            assert stored[article_id]["body"] == row["body"], article_id
