"""Re-crawls of an unchanged mirror cost only the first index pages: the index is newest
first, so once pages in a row list only archived articles, and the last crawl walked the
index to the end, what lies beyond is archived already."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit
from typing import Any

import pytest

from newscrawl.mirror.server import MirrorServer
from tests.conftest import run_crawl

pytestmark = pytest.mark.e2e


def index_requests(paths: list[str]) -> list[str]:
    return [p for p in paths if p == "/asia/" or p.startswith("/services/asia/more.html")]


def article_requests(paths: list[str], manifest: dict[str, Any]) -> list[str]:
    served = {path for a in manifest["articles"].values() for path in a["paths"]}
    return [p for p in paths if p.split("?")[0] in served]


def test_an_unchanged_section_costs_two_index_fragments_past_the_first_page(
    mirror: MirrorServer, manifest: dict[str, Any], tmp_path: Path
) -> None:
    first = run_crawl(mirror.base_url, tmp_path)
    assert first.returncode == 0, first.log[-2000:]
    mirror.reset_requests()
    second = run_crawl(mirror.base_url, tmp_path)
    assert second.returncode == 0, second.log[-2000:]
    requested = list(mirror.requests)
    # the first page and a fragment list only archived articles, or pages on the retry record
    # (the mirror's 404 and 500), which are requested first thing: two in a row (NEWSCRAWL_INDEX_STOP_AFTER=2)
    assert index_requests(requested) == manifest["index_pages"][:2]
    assert len(manifest["index_pages"]) > 2
    assert article_requests(requested, manifest) == []
    retried = {urlsplit(url).path for url in [*manifest["failing"]["404"], *manifest["failing"]["500"], *manifest["missing_read_more"]]}
    assert retried <= set(requested)
    assert "Index paging stopped at" in second.log
    assert second.feed_items() == []

    mirror.reset_requests()
    whole = run_crawl(mirror.base_url, tmp_path, "-s", "NEWSCRAWL_INDEX_STOP_AFTER=0")
    assert whole.returncode == 0, whole.log[-2000:]
    assert len(index_requests(list(mirror.requests))) == len(manifest["index_pages"])


def test_after_an_unfinished_crawl_the_next_one_walks_the_whole_index(
    mirror: MirrorServer, manifest: dict[str, Any], tmp_path: Path
) -> None:
    cut_short = run_crawl(mirror.base_url, tmp_path, "-s", "CLOSESPIDER_ITEMCOUNT=5")
    assert "closespider_itemcount" in cut_short.log
    mirror.reset_requests()
    again = run_crawl(mirror.base_url, tmp_path)
    assert again.returncode == 0, again.log[-2000:]
    assert len(index_requests(list(mirror.requests))) == len(manifest["index_pages"])
    assert "Index paging stopped at" not in again.log
