"""The Asia crawl end to end: the bundled mirror on a free port, a real `scrapy crawl` into
a temporary SQLite file and JSON Lines feed, checked against the mirror's own manifest."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from newscrawl.items import ARTICLE_FIELDS
from newscrawl.mirror.server import MirrorServer
from newscrawl.mirror.stored import feed_line
from tests.conftest import SHARED, CrawlRun, backfill_keeps, run_crawl, within_depth
from tests.item_schema import assert_lines_match_schema

pytestmark = pytest.mark.e2e

DEPTH = 2


def boilerplate_strings() -> list[str]:
    """The boilerplate list of SPUTNIK-MARKUP.md, read from the document itself."""
    markup = (SHARED / "SPUTNIK-MARKUP.md").read_text(encoding="utf-8")
    section = markup.split("## Boilerplate seen in the text of a page", 1)[1]
    quoted = re.findall(r'"([^"]+)"', section)
    # the dateline is quoted there as what to keep, not as boilerplate
    return [q.rstrip(".") for q in quoted if "(Sputnik)" not in q and q.strip() not in {"0"}]


@pytest.fixture(scope="module")
def crawl(mirror: MirrorServer, tmp_path_factory: pytest.TempPathFactory) -> CrawlRun:
    run = run_crawl(mirror.base_url, tmp_path_factory.mktemp("crawl"))
    assert run.returncode == 0, run.log[-3000:]
    return run


def rows(run: CrawlRun) -> dict[str, dict[str, Any]]:
    engine = create_engine(run.database_url)
    with engine.connect() as connection:
        result = connection.execute(text("SELECT * FROM articles"))
        found = {row["article_id"]: dict(row) for row in result.mappings()}
    engine.dispose()
    return found


def test_every_asia_article_is_stored_exactly_once(crawl: CrawlRun, manifest: dict[str, Any]) -> None:
    items = crawl.feed_items()
    assert items, "the feed is empty"
    ids = [item["article_id"] for item in items]
    assert len(ids) == len(set(ids)), "an article appears twice in the feed"
    stored_asia = {i for i, row in rows(crawl).items() if row["section"] == "asia"}
    expected_asia = {i for i, a in manifest["articles"].items() if a["section"] == "asia" and a["hops"] is not None and a["hops"] <= DEPTH}
    assert set(manifest["asia_ids"]) <= stored_asia
    assert stored_asia == expected_asia


def test_read_more_targets_within_the_depth_are_stored_and_no_further(crawl: CrawlRun, manifest: dict[str, Any]) -> None:
    stored = set(rows(crawl))
    failing = set()
    for urls in manifest["failing"].values():
        failing.update(urls)
    within = {i for i, a in manifest["articles"].items() if a["hops"] is not None and a["hops"] <= DEPTH}
    beyond = {i for i, a in manifest["articles"].items() if a["hops"] is None or a["hops"] > DEPTH}
    assert within - stored == set()
    assert beyond & stored == set()
    assert any(a["hops"] == 2 for a in manifest["articles"].values()), "the mirror has no 2-hop article"


def items_of(crawl: CrawlRun, manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """The feed's items, first checked to be as many as the manifest says the crawl stores."""
    items = crawl.feed_items()
    assert len(items) == len(within_depth(manifest, DEPTH)) > 0
    return items


def test_no_boilerplate_in_any_body(crawl: CrawlRun, manifest: dict[str, Any]) -> None:
    strings = boilerplate_strings()
    assert "Subscribe" in strings and "Заголовок открываемого материала" in strings
    for item in items_of(crawl, manifest):
        for needle in strings:
            assert needle not in item["body"], (item["article_id"], needle)
        assert not re.search(r"^READ MORE", item["body"], re.MULTILINE)


def test_database_rows_and_feed_lines_agree(crawl: CrawlRun, manifest: dict[str, Any]) -> None:
    stored = rows(crawl)
    items = items_of(crawl, manifest)
    assert len(items) == len(stored)
    for item in items:
        row = stored[item["article_id"]]
        for field in ARTICLE_FIELDS:
            value = row[field]
            if isinstance(value, str) and field in {"authors", "tags", "image", "read_more"}:
                value = json.loads(value)
            assert value == item[field], (item["article_id"], field)


def test_every_feed_line_matches_the_item_schema(crawl: CrawlRun) -> None:
    """newscrawl/schema/article.schema.json, strictly: a renamed, new or mistyped field fails here."""
    items = crawl.feed_items()
    assert assert_lines_match_schema(items) == len(rows(crawl))
    # the nullable fields are met both ways, so the schema's nulls are put to the test
    for field in ("lead", "dateline", "image", "modified_at"):
        assert {item[field] is None for item in items} == {True, False}, field


def test_fields_equal_the_corpus(crawl: CrawlRun, manifest: dict[str, Any]) -> None:
    items = items_of(crawl, manifest)
    for item in items:
        entry = manifest["articles"][item["article_id"]]
        assert item["fetched_url"].startswith("http://127.0.0.1:")
        # every field as the mirror computes it (word count and content hash too), but which of
        # a re-published pair came first, which varies from crawl to crawl
        expected = feed_line(entry, item["fetched_at"], item["fetched_url"])
        for field, value in expected.items():
            if field != "duplicate_of":
                assert item[field] == value, (item["article_id"], field)
    # a re-published copy points at its original, or the original at the copy met first
    copies = {frozenset((item["article_id"], item["duplicate_of"])) for item in items if item["duplicate_of"]}
    assert copies == {frozenset(pair) for pair in manifest["duplicates"]["same_text"]}


def test_stored_url_is_canonical_on_the_real_host(crawl: CrawlRun, manifest: dict[str, Any]) -> None:
    for item in items_of(crawl, manifest):
        assert item["url"] == manifest["articles"][item["article_id"]]["url"]
        assert re.match(r"https://(www\.)?sputnik(news|globe)\.com/", item["url"])


def test_failures_are_counted_not_fatal(crawl: CrawlRun, manifest: dict[str, Any]) -> None:
    assert "Page failed" in crawl.log and "HTTP 500" in crawl.log and "HTTP 404" in crawl.log
    assert "'newscrawl/pages_failed/http_500'" in crawl.log


def test_without_o_the_feed_goes_to_data_feeds(mirror: MirrorServer, manifest: dict[str, Any], tmp_path: Path) -> None:
    run = run_crawl(mirror.base_url, tmp_path, "-s", "NEWSCRAWL_READ_MORE_DEPTH=0", output=False)
    assert run.returncode == 0, run.log[-2000:]
    feeds = list((run.data_dir / "feeds").glob("asia-*.jsonl"))
    assert len(feeds) == 1
    lines = [json.loads(line) for line in feeds[0].read_text(encoding="utf-8").splitlines()]
    assert {line["article_id"] for line in lines} == set(manifest["asia_ids"])
    assert_lines_match_schema(lines)


@pytest.mark.parametrize(
    "args,message",
    [
        (("-s", "NEWSCRAWL_BATCH_SIZE=0"), "NEWSCRAWL_BATCH_SIZE must be at least 1"),
        (("-a", "since=last week"), "-a since= takes a date as YYYY-MM-DD"),
    ],
)
def test_a_bad_setting_or_argument_stops_before_crawling_with_a_clear_message(
    mirror: MirrorServer, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    run = run_crawl(mirror.base_url, tmp_path, *args)
    assert run.returncode == 2
    assert message in run.log and "Traceback" not in run.log
    assert not (tmp_path / "news.sqlite").exists()


def test_unreachable_start_page_exits_non_zero_with_one_error_line(tmp_path: Path) -> None:
    run = run_crawl("http://127.0.0.1:9", tmp_path, "-s", "RETRY_TIMES=0")
    assert run.returncode == 1
    errors = [line for line in run.log.splitlines() if " ERROR: " in line]
    assert len(errors) == 1, errors
    assert "https://sputnikglobe.com/asia/" in errors[0] and "Connection" in errors[0] and "refused" in errors[0].lower()


def test_robots_blocking_load_more_is_logged_once_and_counted(tmp_path: Path) -> None:
    from newscrawl.mirror.build import build_mirror

    root = tmp_path / "blocked"
    manifest = build_mirror(root, n_asia=45, robots_blocks_services=True)
    with MirrorServer(root) as server:
        run = run_crawl(server.base_url, tmp_path / "crawl", "-s", "NEWSCRAWL_READ_MORE_DEPTH=0")
    assert run.returncode == 0, run.log[-2000:]
    assert run.log.count("Index paging stopped: robots.txt forbids") == 1
    assert "'newscrawl/index/paging_blocked_by_robots': 1" in run.log
    stored = {item["article_id"] for item in run.feed_items()}
    assert stored and stored < set(manifest["asia_ids"])


def test_backfill_keeps_the_sections_articles_of_the_window_and_their_read_more(
    mirror: MirrorServer, manifest: dict[str, Any], tmp_path: Path
) -> None:
    since, until = "2018-06-01", "2018-06-30"
    run = run_crawl(mirror.base_url, tmp_path, "-a", f"since={since}", "-a", f"until={until}")
    assert run.returncode == 0, run.log[-2000:]
    stored = {item["article_id"] for item in run.feed_items()}
    assert stored == backfill_keeps(manifest, since, until, DEPTH)
    assert "'newscrawl/backfill/other_section'" in run.log


def test_an_ordinary_crawl_warns_of_nothing_normal(crawl: CrawlRun, manifest: dict[str, Any]) -> None:
    """A first crawl without JOBDIR: a new archive and no job directory are normal, so no warning
    and none of Alembic's own lines; the only warnings are Scrapy's word on the pages that failed
    (each of which has its own ERROR line), and the mirror's one page whose modified time is
    before its publication (a page contradicting itself is not normal)."""
    assert "Disabled newscrawl.extensions.ResumableJobDir" not in crawl.log
    assert not [line for line in crawl.log.splitlines() if "[alembic" in line]
    assert crawl.log.count("[newscrawl.migrations] INFO: New archive: schema made at revision") == 1
    failed = {urlsplit(url).path for url in re.findall(r"ERROR: Page failed: (\S+)", crawl.log)}
    assert len(failed) == 3  # the mirror's failing pages (tests/e2e/test_summary.py names them)
    contradicting = {
        urlsplit(entry["url"]).path
        for entry in manifest["articles"].values()
        if "dates-modified-before-published" in entry["roles"]
    }
    assert len(contradicting) == 1
    warnings = [line for line in crawl.log.splitlines() if " WARNING: " in line]
    dropped = {line: found for line in warnings if (found := re.search(r"WARNING: Field modified_at dropped on (\S+): ", line))}
    assert {urlsplit(found.group(1)).path for found in dropped.values()} == contradicting
    for line in warnings:
        if line in dropped:
            continue
        gave_up = re.search(r"WARNING: Gave up retrying <GET (\S+)>", line)
        assert gave_up and urlsplit(gave_up.group(1)).path in failed, line
