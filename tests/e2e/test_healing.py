"""An archive that heals itself: a crawl through a proxy that spoils a fifth of the article
answers (every fault class, a fixed seed), then a crawl without faults into the same archive,
must leave the archive equal to what one clean crawl stores, at the cost of the retries only."""

from __future__ import annotations

import dataclasses
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


def articles_of(database: Path) -> dict[str, tuple[str, str]]:
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
        assert {item["article_id"] for item in faulty.feed_items()} == set(articles_of(healed))

        health = scrapy("health", healed)
        assert f"{len(failed)} pages pending a retry" in health.stdout, health.stdout
        gaps = scrapy("export", healed, "--gaps")
        assert gaps.returncode == 0, gaps.stderr
        assert {json.loads(line)["article_id"] for line in gaps.stdout.splitlines()} == set(failed)
        due = len(failed)
        archived_before = set(articles_of(healed))

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

    assert articles_of(healed) == articles_of(clean)  # article for article, byte for byte
    assert rows(healed, "SELECT count(*) FROM article_revisions") == rows(clean, "SELECT count(*) FROM article_revisions")
    # the pages still on the record are the ones the mirror itself fails (its 404s and 500s)
    still = {i for (i,) in rows(healed, "SELECT article_id FROM page_failures")}
    assert still == {i for (i,) in rows(clean, "SELECT article_id FROM page_failures")}
    # the healing crawl: the retries, an incremental crawl, and the articles that only a page
    # which had failed links to (its READ MORE targets, never met before)
    revealed = set(articles_of(healed)) - set(failed) - archived_before
    assert len(healing_requests) <= due + len(incremental_requests) + len(revealed), "\n".join(
        ["healing:", *healing_requests, "incremental:", *incremental_requests])


def test_refresh_damaged_repairs_what_an_older_newscrawl_stored_damaged(mirror_root: Path, manifest: dict[str, Any], tmp_path: Path) -> None:
    """Two articles stored damaged (a body cut short, a mis-decoded one), as a newscrawl without
    the integrity checks stored them: a plain crawl leaves them (archived, settled); a crawl with
    -a refresh=damaged fetches them again, stores the page's text and marks the damaged revisions."""
    from newscrawl.mirror.stored import content_hash  # the mirror's, not the code under test
    from newscrawl.db import Archive
    from newscrawl.integrity import MISDECODED
    from tests.archive.conftest import expected_articles

    database = tmp_path / "archive.sqlite"
    articles = expected_articles(manifest)
    settled = sorted(i for i, a in articles.items() if a.published_at and a.published_at < "2026" and len(a.body) > 400)
    cut, garbled = articles[settled[0]], articles[settled[1]]
    cut_body = cut.body[: len(cut.body) // 2].rstrip(".!?\"”’) ")
    garbled_body = garbled.body.encode("utf-8").decode("cp1252", "replace")
    damaged = [dataclasses.replace(cut, body=cut_body), dataclasses.replace(garbled, body=garbled_body + " Phạm".encode().decode("cp1252"))]
    for article in damaged:
        article.content_hash = content_hash(article.title, article.body)
    archive = Archive(f"sqlite:///{database}")
    archive.write_batch(damaged, crawl_id=None)
    archive.close()

    with MirrorServer(mirror_root) as mirror:
        plain = run_crawl(mirror.base_url, tmp_path / "plain", database_url=f"sqlite:///{database}")
        assert plain.returncode == 0, plain.log[-3000:]
        assert articles_of(database)[cut.article_id][1] == cut_body  # a plain crawl leaves it
        mirror.reset_requests()
        repair = run_crawl(mirror.base_url, tmp_path / "repair", "-a", "refresh=damaged", database_url=f"sqlite:///{database}")
        requested = set(mirror.requests)
    assert repair.returncode == 0, repair.log[-3000:]
    assert {path for i in (cut.article_id, garbled.article_id) for path in manifest["articles"][i]["paths"]} & requested
    now = articles_of(database)
    assert now[cut.article_id] == (cut.title, cut.body) and now[garbled.article_id] == (garbled.title, garbled.body)
    marks = dict(rows(database, "SELECT content_hash, damaged FROM article_revisions WHERE damaged IS NOT NULL"))
    assert marks == {damaged[0].content_hash: CUT_MARKUP, damaged[1].content_hash: MISDECODED}
    assert {item["article_id"] for item in repair.feed_items()} >= {cut.article_id, garbled.article_id}
