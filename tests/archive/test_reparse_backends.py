"""`scrapy reparse` writes either backend: the WARC files of a crawl of the mirror rebuild the
crawl's articles in a fresh archive on SQLite and on PostgreSQL, and a parser change that
moves no text (tags only) records re-extraction revisions beside the site's revisions of the
same text (the partial unique index of site revisions at work)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select

from collections import Counter

from scrapy.settings import Settings

from newscrawl.db import BANDS, NEAR, REEXTRACTION, REVISIONS, SIGNATURES
from newscrawl.parsers.current import CurrentArticleParser
from newscrawl.reparse import Report, Reparser, Selection, StoredPages
from newscrawl.warc import warc_files
from newscrawl.mirror.server import MirrorServer
from tests.archive.conftest import as_set, run_export
from tests.archive.test_search import hits, ids
from tests.conftest import PROJECT_ROOT, run_crawl

pytestmark = pytest.mark.e2e


def test_reparse_rebuilds_the_crawl_on_either_backend(mirror: MirrorServer, manifest: dict[str, Any], database_url: str,
                                                      tmp_path: Path) -> None:
    crawl = run_crawl(mirror.base_url, tmp_path / "crawl")
    assert crawl.returncode == 0, crawl.log[-3000:]
    crawled = run_export(crawl.database_url).lines()
    assert len(crawled) == sum(1 for a in manifest["articles"].values() if a["hops"] is not None and a["hops"] <= 2)
    command = [sys.executable, "-m", "scrapy", "reparse", "-s", f"NEWSCRAWL_DATABASE_URL={database_url}"]
    env = {**os.environ, "NEWSCRAWL_DATA_DIR": str(crawl.data_dir)}
    done = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert as_set(run_export(database_url).lines()) == as_set(crawled)
    # the rebuilt articles are in the full-text index, as the crawl's are
    for word in ("Pyongyang", "Seoul"):
        found = ids(hits(crawl.database_url, word))
        assert found and ids(hits(database_url, word)) == found, word
    # the same pages again, every article already there: unchanged, no revision added
    again = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and f"0 changed, 0 new, {len(crawled)} unchanged" in again.stdout, again.stdout + again.stderr
    engine = create_engine(database_url)
    with engine.connect() as connection:
        origins = dict(connection.execute(select(REVISIONS.c.origin, func.count()).group_by(REVISIONS.c.origin)).all())
    engine.dispose()
    assert origins == {REEXTRACTION: len(crawled)}  # rebuilt from stored pages, not fetched from the site


def near_duplicates_and_prints(database_url: str) -> tuple[set[Any], ...]:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        found = tuple(set(connection.execute(select(*table.c[:3])).all()) for table in (NEAR, BANDS, SIGNATURES))
    engine.dispose()
    assert found[1] and found[2]
    return found


def test_a_tags_only_parser_change_is_recorded_beside_the_sites_revisions(
    mirror: MirrorServer, manifest: dict[str, Any], database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    crawl = run_crawl(mirror.base_url, tmp_path / "crawl", database_url=database_url)
    assert crawl.returncode == 0, crawl.log[-3000:]
    stored = {a["article_id"] for a in run_export(database_url).lines()}
    # current pages with two tags or more: their order reversed changes the item, not its text
    affected = {i for i in stored if manifest["articles"][i]["layout"] == "current"
                and len(dict.fromkeys(manifest["articles"][i]["expected"]["tags"])) >= 2}
    assert 0 < len(affected) < len(stored)
    tags = CurrentArticleParser.tags
    monkeypatch.setattr(CurrentArticleParser, "tags", lambda self: list(reversed(tags(self))))
    settings = Settings()
    settings.setmodule("newscrawl.settings", priority="project")
    settings.set("NEWSCRAWL_DATABASE_URL", database_url)
    report = Report()
    prints_before = near_duplicates_and_prints(database_url)
    Reparser(settings, StoredPages(warc_files(crawl.data_dir / "warc"), report), Selection(), report, workers=1).run()
    assert report.outcomes == Counter({"changed": len(affected), "unchanged": len(stored) - len(affected)})
    # the texts are the same: their prints stand, and no near-duplicate pair is linked again
    assert near_duplicates_and_prints(database_url) == prints_before
    assert report.fields == Counter({"tags": len(affected)})
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(select(REVISIONS.c.article_id, REVISIONS.c.content_hash, REVISIONS.c.origin,
                                         REVISIONS.c.other_fields)).all()
    engine.dispose()
    site = {r.article_id: r.content_hash for r in rows if r.origin is None}
    again = [r for r in rows if r.origin == REEXTRACTION]
    assert set(site) == stored and {r.article_id for r in again} == affected and len(again) == len(affected)
    for row in again:  # the same text as the site's revision, the tags in today's order
        assert row.content_hash == site[row.article_id]
        assert row.other_fields["tags"] == list(reversed(list(dict.fromkeys(manifest["articles"][row.article_id]["expected"]["tags"]))))
