"""The retry record in the archive (newscrawl.db, newscrawl.healing), on SQLite and PostgreSQL:
failed tries counted and scheduled, a good article clears its record, a damaged revision
repaired is marked, not taken for the site's edit."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import select

from newscrawl.db import FAILURES, REVISIONS, Archive
from newscrawl.healing import GONE, PENDING, PageFailure, RetryPolicy
from newscrawl.integrity import CUT_MARKUP, MISDECODED
from newscrawl.items import Article
from newscrawl.mirror.stored import content_hash
from tests.archive.conftest import expected_articles


def failure_of(article: Article, status: int | None = 503, problem: str | None = None) -> PageFailure:
    return PageFailure(article.article_id, article.url, 1, problem or f"http_{status}", f"HTTP {status}", status)


def record(archive: Archive) -> dict[str, dict[str, Any]]:
    with archive.engine.connect() as conn:
        return {row.article_id: dict(row._mapping) for row in conn.execute(select(FAILURES))}


def two_articles(manifest: dict[str, Any]) -> list[Article]:
    articles = expected_articles(manifest)
    return [articles[i] for i in sorted(articles)[:2]]


def test_failures_are_recorded_counted_and_cleared_by_a_good_article(database_url: str, manifest: dict[str, Any]) -> None:
    archive = Archive(database_url, retry_policy=RetryPolicy(gone_after=2))
    try:
        first, second = two_articles(manifest)
        assert archive.write_batch([], 1, [failure_of(first), failure_of(second, 404)]) == []
        archive.write_batch([], 2, [failure_of(first, 500), failure_of(second, 404)])
        rows = record(archive)
        assert rows[first.article_id]["attempts"] == 2 and rows[first.article_id]["problem"] == "http_500"
        assert rows[first.article_id]["state"] == PENDING and rows[first.article_id]["crawl_id"] == 2
        assert rows[first.article_id]["first_failed_at"] <= rows[first.article_id]["last_tried_at"]
        assert rows[second.article_id]["state"] == GONE and rows[second.article_id]["next_try_at"] is None
        # the first retry is due at once; after the second failure, an hour later
        assert archive.due_retries(now="2000-01-01T00:00:00Z") == []
        assert [r[0] for r in archive.due_retries(now="2100-01-01T00:00:00Z")] == [first.article_id]  # gone: not retried
        assert {r[0] for r in archive.due_retries(every=True)} == {first.article_id, second.article_id}
        assert {gap["article_id"] for gap in archive.gaps()} == {first.article_id, second.article_id}

        # met nearer the index by a later try: the record keeps the nearest depth, whatever came after
        archive.write_batch([], 3, [dataclasses.replace(failure_of(first), hops=0)])
        archive.write_batch([], 4, [dataclasses.replace(failure_of(first), hops=2)])
        assert record(archive)[first.article_id]["hops"] == 0

        outcomes = archive.write_batch([first], 5)
        assert [o.status for o in outcomes] == ["new"]
        assert set(record(archive)) == {second.article_id}  # a good article clears the record
    finally:
        archive.close()


def test_a_failure_and_a_good_article_in_one_batch_leave_no_record(database_url: str, manifest: dict[str, Any]) -> None:
    archive = Archive(database_url)
    try:
        first, _second = two_articles(manifest)
        archive.write_batch([first], 1, [failure_of(first)])
        assert record(archive) == {}
    finally:
        archive.close()


def damaged_copy(article: Article, body: str) -> Article:
    copy = dataclasses.replace(article, body=body)
    copy.content_hash = content_hash(copy.title, copy.body)
    return copy


def test_a_repaired_text_marks_the_damaged_revision_and_an_edit_does_not(database_url: str, manifest: dict[str, Any]) -> None:
    archive = Archive(database_url)
    try:
        first, second = two_articles(manifest)
        cut = damaged_copy(first, first.body[: len(first.body) // 2])
        cut.body = cut.body.rstrip(".!?\"”’) ")  # cut mid-sentence, as a half page gives it
        cut.content_hash = content_hash(cut.title, cut.body)
        misdecoded = damaged_copy(second, second.body.encode("utf-8").decode("cp1252", "replace") + " PhaÌ£m")
        archive.write_batch([cut, misdecoded], 1)
        outcomes = archive.write_batch([first, second], 2)
        assert {o.article_id: o.repaired for o in outcomes} == {first.article_id: CUT_MARKUP, second.article_id: MISDECODED}
        edited = damaged_copy(first, first.body + "\n\nAn update from the site.")
        assert archive.write_batch([edited], 3)[0].repaired is None
        with archive.engine.connect() as conn:
            marks = {(r.article_id, r.content_hash): r.damaged for r in conn.execute(select(REVISIONS))}
        assert marks == {
            (first.article_id, cut.content_hash): CUT_MARKUP, (first.article_id, first.content_hash): None,
            (first.article_id, edited.content_hash): None,
            (second.article_id, misdecoded.content_hash): MISDECODED, (second.article_id, second.content_hash): None,
        }
        # what a repair crawl fetches again: nothing now, the damaged copies before
        assert list(archive.damaged_suspects()) == []
    finally:
        archive.close()


def test_damaged_suspects_finds_mojibake_and_cut_bodies(database_url: str, manifest: dict[str, Any]) -> None:
    archive = Archive(database_url)
    try:
        first, second = two_articles(manifest)
        cut = damaged_copy(first, first.body[:120])
        misdecoded = damaged_copy(second, second.body + " PhaÌ£m Minh ChiÌ\ufffdnh.")
        archive.write_batch([cut, misdecoded], 1)
        assert {(i, why) for i, _url, why in archive.damaged_suspects()} == {
            (first.article_id, CUT_MARKUP), (second.article_id, MISDECODED),
        }
    finally:
        archive.close()
