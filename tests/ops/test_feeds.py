"""Feed retention, NEWSCRAWL_FEED_KEEP: a crawl that stores its feed removes its spider's oldest
feeds in <data dir>/feeds/ beyond the newest N, never a feed a crawl not yet delivered may have
written, and nothing else in the folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from newscrawl.db import Archive, CrawlRow
from newscrawl.feeds import PART_SUFFIX, feed_time, prune_crawl_feeds, prune_feeds
from newscrawl.mirror.server import MirrorServer
from tests.conftest import run_crawl


def feed_name(spider: str, day: int, second: int = 0) -> str:
    """A feed's name as the default FEEDS gives it (Scrapy's %(time)s, UTC)."""
    return f"{spider}-2026-01-{day:02d}T00-00-{second:02d}+00-00.jsonl"


def lay_out(folder: Path, names: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text('{"article_id": "1"}\n')


# the rule, on files ----------------------------------------------------------------------------

OTHERS = [feed_name("world", 1), feed_name("asia-pacific", 1), "asia-export.jsonl", "out.jsonl",
          feed_name("asia", 9) + PART_SUFFIX]


def test_the_newest_feeds_of_the_spider_are_kept_and_nothing_else_is_touched(tmp_path: Path) -> None:
    asia = [feed_name("asia", day) for day in range(1, 6)]
    lay_out(tmp_path, asia + OTHERS)
    assert feed_time(asia[0], "asia") == "2026-01-01T00:00:00Z" and feed_time(OTHERS[1], "asia") is None
    removed, spared = prune_feeds(tmp_path, "asia", 2, None)
    assert [p.name for p in removed] == asia[:3] and spared == []
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(asia[3:] + OTHERS)
    assert prune_feeds(tmp_path, "asia", 2, None) == ([], [])  # already within the bound


def test_a_feed_a_waiting_crawl_may_have_written_is_spared(tmp_path: Path) -> None:
    asia = [feed_name("asia", day) for day in range(1, 6)]
    lay_out(tmp_path, asia)
    removed, spared = prune_feeds(tmp_path, "asia", 1, "2026-01-03T00:00:00Z")
    assert [p.name for p in removed] == asia[:2]  # written before the oldest waiting crawl started
    assert [p.name for p in spared] == asia[2:4]  # beyond the bound, but maybe the one copy of their lines
    assert sorted(p.name for p in tmp_path.iterdir()) == asia[2:]


def test_a_killed_crawls_feed_stays_until_a_crawl_carried_its_articles(tmp_path: Path) -> None:
    """Crawl 2 stored its feed and was killed before recording it delivered (feed_delivered_at
    null): its feed is spared by a crawl that did not carry its articles, removed by one that did."""
    archive = Archive(f"sqlite:///{tmp_path / 'news.sqlite'}")
    try:
        ids = [archive.start_crawl("asia", {}) for _ in range(3)]
        with archive.engine.begin() as conn:
            for crawl_id, day in zip(ids, (1, 2, 3)):
                conn.execute(update(CrawlRow).where(CrawlRow.id == crawl_id).values(started_at=f"2026-01-{day:02d}T00:00:00Z"))
        archive.mark_feeds_delivered([ids[0]])
        feeds = tmp_path / "feeds"
        lay_out(feeds, [feed_name("asia", 1, 5), feed_name("asia", 2, 5), feed_name("asia", 3, 5)])

        removed, spared = prune_crawl_feeds(archive, feeds, "asia", 1, delivered=[ids[2]])
        assert [p.name for p in removed] == [feed_name("asia", 1, 5)]
        assert [p.name for p in spared] == [feed_name("asia", 2, 5)]  # crawl 2's: still waiting

        removed, spared = prune_crawl_feeds(archive, feeds, "asia", 1, delivered=[ids[1], ids[2]])
        assert [p.name for p in removed] == [feed_name("asia", 2, 5)] and spared == []
        assert [p.name for p in feeds.iterdir()] == [feed_name("asia", 3, 5)]
    finally:
        archive.close()


# a crawl -----------------------------------------------------------------------------------------

@pytest.mark.e2e
def test_a_crawl_keeps_the_newest_feeds(mirror: MirrorServer, manifest: dict[str, Any], tmp_path: Path) -> None:
    feeds = tmp_path / "data" / "feeds"
    old = [feed_name("asia", day) for day in range(1, 5)]  # four earlier crawls' feeds, oldest first
    others = [name for name in OTHERS if not name.endswith(PART_SUFFIX)]  # a .part goes anyway: a killed crawl's
    lay_out(feeds, old + others)
    run = run_crawl(mirror.base_url, tmp_path, "-s", "NEWSCRAWL_READ_MORE_DEPTH=0", "-s", "NEWSCRAWL_FEED_KEEP=3", output=False)
    assert run.returncode == 0, run.log[-3000:]
    new = [p for p in feeds.glob("asia-*.jsonl") if p.name not in old and feed_time(p.name, "asia")]
    assert len(new) == 1
    lines = [json.loads(line) for line in new[0].read_text(encoding="utf-8").splitlines()]
    assert {line["article_id"] for line in lines} == set(manifest["asia_ids"])
    assert sorted(p.name for p in feeds.iterdir()) == sorted(old[2:] + [new[0].name] + others)
    assert f"Removed 2 old feed(s) of asia beyond NEWSCRAWL_FEED_KEEP=3: {old[0]}, {old[1]}" in run.log
    assert "'newscrawl/feed/removed_old': 2" in run.log

    again = run_crawl(mirror.base_url, tmp_path, "-s", "NEWSCRAWL_READ_MORE_DEPTH=0", "-s", "NEWSCRAWL_FEED_KEEP=1", output=False)
    assert again.returncode == 0, again.log[-3000:]
    assert "Removed" not in again.log  # nothing new stored, so no feed written: nothing removed
    assert len([p for p in feeds.iterdir() if feed_time(p.name, "asia")]) == 3


@pytest.mark.e2e
def test_without_the_setting_every_feed_is_kept(mirror: MirrorServer, tmp_path: Path) -> None:
    feeds = tmp_path / "data" / "feeds"
    old = [feed_name("asia", day) for day in range(1, 5)]
    lay_out(feeds, old)
    run = run_crawl(mirror.base_url, tmp_path, "-s", "NEWSCRAWL_READ_MORE_DEPTH=0", output=False)
    assert run.returncode == 0, run.log[-3000:]
    assert set(old) < {p.name for p in feeds.iterdir()} and len(list(feeds.iterdir())) == 5


@pytest.mark.e2e
@pytest.mark.parametrize("value,message", [
    ("-1", "NEWSCRAWL_FEED_KEEP must be 0 or more, not -1"),
    ("ten", "NEWSCRAWL_FEED_KEEP must be a whole number, not 'ten'"),
])
def test_a_bad_value_is_one_line_and_exit_2(mirror: MirrorServer, tmp_path: Path, value: str, message: str) -> None:
    run = run_crawl(mirror.base_url, tmp_path, "-s", f"NEWSCRAWL_FEED_KEEP={value}", output=False)
    assert run.returncode == 2
    assert run.log.strip().splitlines() == [run.log.strip()] and run.log.strip().endswith(f"ERROR: {message}")
    assert not (tmp_path / "news.sqlite").exists()
