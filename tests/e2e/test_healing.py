"""An archive that heals itself: a crawl through a proxy that spoils a fifth of the article
answers (every fault class, a fixed seed), then a crawl without faults into the same archive,
must leave the archive equal to what one clean crawl stores, at the cost of the retries only."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from newscrawl.integrity import CUT_MARKUP, EMPTY
from newscrawl.mirror.faults import FAULTS, FaultProxy, mirror_article_targets
from newscrawl.mirror.server import MirrorServer
from tests.conftest import PROJECT_ROOT, run_crawl

pytestmark = pytest.mark.e2e

SEED = 13


def rows(database: Path, query: str) -> list[tuple[Any, ...]]:
    connection = sqlite3.connect(database)
    try:
        return connection.execute(query).fetchall()
    finally:
        connection.close()


def articles(database: Path) -> dict[str, tuple[str, str]]:
    return {i: (title, body) for i, title, body in rows(database, "SELECT article_id, title, body FROM articles")}


def scrapy(command: str, database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", command, "-s", f"NEWSCRAWL_DATABASE_URL=sqlite:///{database}", *args],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
    )


def test_a_crawl_through_faults_then_a_clean_one_equals_one_clean_crawl(mirror_root: Path, tmp_path: Path) -> None:
    healed, clean = tmp_path / "healed.sqlite", tmp_path / "clean.sqlite"
    with MirrorServer(mirror_root) as mirror:
        with FaultProxy(mirror.base_url, seed=SEED, rate=0.2, times=6, targets=mirror_article_targets(mirror_root)) as proxy:
            faulty = run_crawl(proxy.base_url, tmp_path / "faulty", database_url=f"sqlite:///{healed}")
            spoiled = dict(proxy.faults)
        assert faulty.returncode == 0, faulty.log[-3000:]
        assert set(spoiled.values()) == set(FAULTS)  # every class met
        failed = {i: problem for i, problem in rows(healed, "SELECT article_id, problem FROM page_failures")}
        # every class that spoils the page is on the record; a wrong charset header is read through
        problems = Counter(failed.values())
        assert problems[EMPTY] and problems[CUT_MARKUP] and problems["cut_transfer"] and problems["connection"]
        assert problems["http_500"] and problems["http_503"]
        stats = json.loads(rows(healed, "SELECT stats FROM crawls")[0][0])
        assert stats["newscrawl/charset_header_overruled"] >= 1
        # nothing damaged was stored: every stored text is the page's own (no revision to repair)
        assert not rows(healed, "SELECT 1 FROM article_revisions WHERE damaged IS NOT NULL")
        # and the feed holds exactly the committed articles
        assert {item["article_id"] for item in faulty.feed_items()} == set(articles(healed))

        health = scrapy("health", healed)
        assert f"{len(failed)} pages pending a retry" in health.stdout, health.stdout
        gaps = scrapy("export", healed, "--gaps")
        assert gaps.returncode == 0, gaps.stderr
        assert {json.loads(line)["article_id"] for line in gaps.stdout.splitlines()} == set(failed)
        due = len(failed)
        archived_before = set(articles(healed))

        mirror.reset_requests()
        healing = run_crawl(mirror.base_url, tmp_path / "healing", database_url=f"sqlite:///{healed}")
        healing_requests = list(mirror.requests)
        assert healing.returncode == 0, healing.log[-3000:]

        mirror.reset_requests()
        first = run_crawl(mirror.base_url, tmp_path / "clean", database_url=f"sqlite:///{clean}")
        assert first.returncode == 0, first.log[-3000:]
        mirror.reset_requests()
        incremental = run_crawl(mirror.base_url, tmp_path / "incremental", database_url=f"sqlite:///{clean}")
        incremental_requests = list(mirror.requests)
        assert incremental.returncode == 0, incremental.log[-3000:]

    assert articles(healed) == articles(clean)  # article for article, byte for byte
    assert rows(healed, "SELECT count(*) FROM article_revisions") == rows(clean, "SELECT count(*) FROM article_revisions")
    # the pages still on the record are the ones the mirror itself fails (its 404s and 500s)
    still = {i for (i,) in rows(healed, "SELECT article_id FROM page_failures")}
    assert still == {i for (i,) in rows(clean, "SELECT article_id FROM page_failures")}
    # the healing crawl: the retries, an incremental crawl, and the articles that only a page
    # which had failed links to (its READ MORE targets, never met before)
    revealed = set(articles(healed)) - set(failed) - archived_before
    assert len(healing_requests) <= due + len(incremental_requests) + len(revealed), "\n".join(
        ["healing:", *healing_requests, "incremental:", *incremental_requests])
