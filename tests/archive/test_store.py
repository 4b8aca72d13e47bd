"""The archive's writes, on SQLite and on PostgreSQL: one row per article, every distinct text
kept as a revision, batches that are whole transactions and can be replayed, crawl rows."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from scrapy.utils.test import get_crawler
from sqlalchemy import select

from newscrawl.config import ConfigError, NewscrawlConfig
from newscrawl.db import ARTICLES, LINKS, REVISIONS, Archive, CrawlRow, ExportFilter
from newscrawl.items import Article
from newscrawl.mirror.stored import feed_lines, with_body
from tests.archive.conftest import FETCHED_AT, expected_articles


@pytest.fixture
def archive(database_url: str) -> Any:
    archive = Archive(database_url)
    yield archive
    archive.close()


def edited(article: Article, sentence: str) -> Article:
    """The article with a sentence added, its word count and hash as the mirror computes them."""
    return Article(**with_body(dataclasses.asdict(article), article.body + " " + sentence, article.fetched_at))


def revisions(archive: Archive, article_id: str) -> list[dict[str, Any]]:
    with archive.engine.connect() as conn:
        rows = conn.execute(select(REVISIONS).where(REVISIONS.c.article_id == article_id).order_by(REVISIONS.c.id))
        return [dict(row._mapping) for row in rows]


def row(archive: Archive, article_id: str) -> dict[str, Any]:
    with archive.engine.connect() as conn:
        return dict(conn.execute(select(ARTICLES).where(ARTICLES.c.article_id == article_id)).one()._mapping)


def test_new_unchanged_changed_and_no_revision_lost(archive: Archive, manifest: dict[str, Any]) -> None:
    articles = list(expected_articles(manifest).values())[:5]
    first = articles[0]
    outcomes = archive.write_batch(articles, crawl_id=None)
    assert [o.status for o in outcomes] == ["new"] * 5
    stored = row(archive, first.article_id)
    wanted = feed_lines(manifest, FETCHED_AT)[first.article_id]  # the mirror's line, every field
    assert {k: stored[k] for k in wanted} == wanted

    again = archive.write_batch([first], crawl_id=None)
    assert again[0].status == "unchanged"
    assert row(archive, first.article_id)["changed_at"] == stored["changed_at"]
    assert len(revisions(archive, first.article_id)) == 1

    second = edited(first, "UPDATE: Officials confirmed the talks would resume.")
    assert archive.write_batch([second], crawl_id=None)[0].status == "changed"
    now = row(archive, first.article_id)
    assert now["body"] == second.body and now["first_seen_at"] == stored["first_seen_at"]
    # the edit undone: the article is the first text again, and both texts stay revisions
    assert archive.write_batch([first], crawl_id=None)[0].status == "changed"
    texts = [r["body"] for r in revisions(archive, first.article_id)]
    assert texts == [first.body, second.body]
    assert row(archive, first.article_id)["body"] == first.body
    versions = [line for line in archive.export_lines(ExportFilter(changed_since="2000-01-01")) if line["article_id"] == first.article_id]
    assert versions == [wanted, dataclasses.asdict(second)]  # each version whole
    assert archive.counts()["articles"] == 5


def test_a_batch_written_twice_changes_nothing(archive: Archive, manifest: dict[str, Any]) -> None:
    batch = list(expected_articles(manifest).values())[:20]
    archive.write_batch(batch, crawl_id=1)
    counts = archive.counts()
    outcomes = archive.write_batch(batch, crawl_id=2)
    assert {o.status for o in outcomes} == {"unchanged"}
    assert archive.counts() == counts


def test_a_batch_longer_than_an_in_list_is_written_and_recognised_whole(
    archive: Archive, manifest: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import newscrawl.db

    monkeypatch.setattr(newscrawl.db, "_IN_CHUNK", 7)  # every IN list of a 20-article batch is cut
    batch = list(expected_articles(manifest).values())[:20]
    assert {o.status for o in archive.write_batch(batch, crawl_id=1)} == {"new"}
    outcomes = archive.write_batch(batch, crawl_id=2)
    assert [o.status for o in outcomes] == ["unchanged"] * 20
    assert archive.counts()["articles"] == 20
    with archive.engine.connect() as conn:
        linked = {r for (r,) in conn.execute(select(LINKS.c.from_article_id).distinct())}
    assert linked == {a.article_id for a in batch if a.read_more}


def test_read_more_links_follow_the_current_version(archive: Archive, manifest: dict[str, Any]) -> None:
    by_id = expected_articles(manifest)
    source = next(a for a in by_id.values() if len(a.read_more) >= 2)
    archive.write_batch([source], crawl_id=None)
    with archive.engine.connect() as conn:
        links = conn.execute(select(LINKS.c.to_url, LINKS.c.to_article_id).where(LINKS.c.from_article_id == source.article_id)).all()
    wanted = {r["url"] for r in source.read_more}
    assert {url for url, _ in links} == wanted
    by_url = {a.url: i for i, a in by_id.items()}
    assert {url: target for url, target in links if url in by_url} == {u: by_url[u] for u in wanted if u in by_url}
    fewer = edited(dataclasses.replace(source, read_more=source.read_more[:1]), "UPDATE: one link left.")
    archive.write_batch([fewer], crawl_id=None)
    with archive.engine.connect() as conn:
        left = conn.execute(select(LINKS.c.to_url).where(LINKS.c.from_article_id == source.article_id)).scalars().all()
    assert left == [source.read_more[0]["url"]]


def test_a_failed_batch_leaves_nothing_behind(archive: Archive, manifest: dict[str, Any]) -> None:
    good = list(expected_articles(manifest).values())[:3]
    broken = dataclasses.replace(good[2], title=None)  # type: ignore[arg-type]  # NOT NULL: the insert fails
    with pytest.raises(Exception):
        archive.write_batch([good[0], good[1], broken], crawl_id=None)
    assert archive.counts()["articles"] == 0 and archive.counts()["article_revisions"] == 0


def test_crawl_rows_say_how_the_archive_was_made(archive: Archive) -> None:
    crawl_id = archive.start_crawl("asia", {"base_url": "http://127.0.0.1:1", "refresh": "all"})
    with archive.engine.connect() as conn:
        running = conn.execute(select(CrawlRow.__table__).where(CrawlRow.id == crawl_id)).one()._mapping
    assert running["finished_at"] is None and running["spider"] == "asia"
    archive.finish_crawl(crawl_id, "finished", {"new": 3, "changed": 1, "unchanged": 7, "failed": 2},
                         {"item_scraped_count": 4, "start_time": object()})
    with archive.engine.connect() as conn:
        done = conn.execute(select(CrawlRow.__table__).where(CrawlRow.id == crawl_id)).one()._mapping
    assert done["arguments"] == {"base_url": "http://127.0.0.1:1", "refresh": "all"}
    assert (done["finish_reason"], done["articles_new"], done["articles_changed"], done["articles_unchanged"],
            done["pages_failed"]) == ("finished", 3, 1, 7, 2)
    assert done["stats"]["item_scraped_count"] == 4 and done["finished_at"] >= done["started_at"]


@pytest.mark.parametrize("url,message", [("mysql://u@127.0.0.1/news", "runs on SQLite or PostgreSQL, not 'mysql'"),
                                         ("news.sqlite", "is not a database URL")])
def test_a_database_url_it_cannot_use_names_the_setting(url: str, message: str) -> None:
    settings = get_crawler(settings_dict={"NEWSCRAWL_DATABASE_URL": url}).settings
    with pytest.raises(ConfigError, match=f"NEWSCRAWL_DATABASE_URL.*{re.escape(message)}"):
        NewscrawlConfig.from_settings(settings)
