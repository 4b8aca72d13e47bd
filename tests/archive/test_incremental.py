"""Done-when of the archive: two crawls of the mirror, the second after it switched to its
second edition (built around now, so the edited articles are the day's news), on SQLite
and on PostgreSQL. Expected values come from the two editions' manifests."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from newscrawl.db import ARTICLES, REVISIONS, CrawlRow
from newscrawl.items import ARTICLE_FIELDS
from newscrawl.mirror.server import MirrorServer
from tests.archive.conftest import BACKENDS, FreshMirror, PostgresCluster, as_set, run_export
from tests.conftest import CrawlRun, run_crawl, within_depth
from tests.item_schema import assert_lines_match_schema

pytestmark = pytest.mark.e2e

DEPTH = 2  # NEWSCRAWL_READ_MORE_DEPTH's default


@dataclass
class CrawlPair:
    database_url: str
    first: CrawlRun
    second: CrawlRun
    requests_first: list[str]
    requests_second: list[str]


@pytest.fixture(scope="module", params=BACKENDS)
def pair(request: pytest.FixtureRequest, fresh_mirror: FreshMirror, tmp_path_factory: pytest.TempPathFactory) -> CrawlPair:
    workdir = tmp_path_factory.mktemp(f"pair-{request.param}")
    if request.param == "sqlite":
        database_url = f"sqlite:///{workdir / 'archive.sqlite'}"
    else:
        cluster: PostgresCluster = request.getfixturevalue("postgres")
        database_url = cluster.new_database()
    with MirrorServer(fresh_mirror.edition1) as server:
        first = run_crawl(server.base_url, workdir / "first", database_url=database_url)
        assert first.returncode == 0, first.log[-3000:]
        requests_first = list(server.requests)
        server.root = fresh_mirror.edition2
        server.reset_requests()
        second = run_crawl(server.base_url, workdir / "second", database_url=database_url)
        assert second.returncode == 0, second.log[-3000:]
        requests_second = list(server.requests)
    return CrawlPair(database_url, first, second, requests_first, requests_second)


def versions_stored(fresh_mirror: FreshMirror) -> int:
    """Article versions the two crawls store, by the manifests: every article of edition 1
    within the depth, then each article edition 2 changed or added."""
    one, two = fresh_mirror.manifest1, fresh_mirror.manifest2
    return len(within_depth(one, DEPTH)) + len(one["changed_in_edition"]["2"]) + len(two["new_in_edition"]["2"])


def table(database_url: str, query: Any) -> list[dict[str, Any]]:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        found = [dict(row._mapping) for row in connection.execute(query)]
    engine.dispose()
    return found


def test_one_row_per_article_holding_its_newest_text(pair: CrawlPair, fresh_mirror: FreshMirror) -> None:
    one, two = fresh_mirror.manifest1, fresh_mirror.manifest2
    rows = table(pair.database_url, select(ARTICLES))
    ids = [row["article_id"] for row in rows]
    assert len(ids) == len(set(ids))
    assert set(ids) == within_depth(one) | within_depth(two)
    for row in rows:
        expected = two["articles"][row["article_id"]]["expected"]
        assert (row["title"], row["body"], row["modified_at"]) == (expected["title"], expected["body"], expected["modified_at"])


def test_one_revision_per_distinct_text(pair: CrawlPair, fresh_mirror: FreshMirror) -> None:
    one, two = fresh_mirror.manifest1, fresh_mirror.manifest2
    changed = set(one["changed_in_edition"]["2"])
    assert changed <= within_depth(one), "an edited article is out of the crawl's reach"
    revisions: dict[str, list[str]] = {}
    for row in table(pair.database_url, select(REVISIONS).order_by(REVISIONS.c.id)):
        revisions.setdefault(row["article_id"], []).append(row["body"])
    for article_id, bodies in revisions.items():
        if article_id in changed:
            assert bodies == [one["articles"][article_id]["expected"]["body"], two["articles"][article_id]["expected"]["body"]]
        else:
            assert bodies == [two["articles"][article_id]["expected"]["body"]]


def test_the_second_crawl_fetched_no_unchanged_article(pair: CrawlPair, fresh_mirror: FreshMirror) -> None:
    one, two = fresh_mirror.manifest1, fresh_mirror.manifest2
    fresh = set(one["changed_in_edition"]["2"]) | set(two["new_in_edition"]["2"])
    path_of = {path: i for i, a in two["articles"].items() for path in a["paths"]}
    fetched = {path_of[path] for path in pair.requests_second if path in path_of}
    assert fetched == fresh
    # and the first crawl fetched each article page once, never its AMP or print copy
    mains = [path for path in pair.requests_first if path in path_of]
    assert len(mains) == len(set(mains)) and all(two["articles"][path_of[p]]["paths"][0] == p for p in mains)


def test_the_second_feed_holds_exactly_the_changed_and_new_articles(pair: CrawlPair, fresh_mirror: FreshMirror) -> None:
    one, two = fresh_mirror.manifest1, fresh_mirror.manifest2
    items = pair.second.feed_items()
    assert {item["article_id"] for item in items} == set(one["changed_in_edition"]["2"]) | set(two["new_in_edition"]["2"])
    assert_lines_match_schema(items)  # changed versions too
    for item in items:
        assert item["body"] == two["articles"][item["article_id"]]["expected"]["body"]


def test_crawl_rows_count_what_each_crawl_did(pair: CrawlPair, fresh_mirror: FreshMirror) -> None:
    one, two = fresh_mirror.manifest1, fresh_mirror.manifest2
    crawls = table(pair.database_url, select(CrawlRow.__table__).order_by(CrawlRow.id))
    assert [(c["spider"], c["finish_reason"]) for c in crawls] == [("asia", "finished"), ("asia", "finished")]
    first, second = crawls
    assert first["articles_new"] == len(within_depth(one, DEPTH)) and first["articles_changed"] == 0
    assert (second["articles_new"], second["articles_changed"]) == (len(two["new_in_edition"]["2"]), len(one["changed_in_edition"]["2"]))
    assert second["articles_unchanged"] == 0  # no unchanged article was fetched, so none was compared
    assert second["arguments"]["base_url"].startswith("http://127.0.0.1:") and second["stats"]["newscrawl/crawl_id"] == second["id"]
    assert first["pages_failed"] >= 2 and first["finished_at"] <= second["started_at"]


def test_export_equals_what_the_crawls_stored(pair: CrawlPair, fresh_mirror: FreshMirror, tmp_path: Path) -> None:
    feeds = pair.first.feed_items() + pair.second.feed_items()
    assert len(feeds) == versions_stored(fresh_mirror)
    every_version = run_export(pair.database_url, "--changed-since", "2000-01-01")
    assert every_version.returncode == 0, every_version.stderr
    lines = every_version.lines()
    assert len(lines) == len(feeds) and as_set(lines) == as_set(feeds)
    current = run_export(pair.database_url, "-o", str(tmp_path / "archive.jsonl"))
    assert current.returncode == 0, current.stderr
    exported = [json.loads(line) for line in (tmp_path / "archive.jsonl").read_text(encoding="utf-8").splitlines()]
    newest = {item["article_id"]: item for item in feeds}  # the second crawl's version wins
    assert as_set(exported) == as_set(list(newest.values()))
    assert all(list(line) == list(ARTICLE_FIELDS) for line in exported)


def test_refresh_all_fetches_every_article_again_and_stores_nothing_new(
    pair: CrawlPair, fresh_mirror: FreshMirror, tmp_path: Path
) -> None:
    before = {r["article_id"]: r for r in table(pair.database_url, select(ARTICLES))}
    with MirrorServer(fresh_mirror.edition2) as server:
        run = run_crawl(server.base_url, tmp_path, "-a", "refresh=all", database_url=pair.database_url)
        requests = set(server.requests)
    assert run.returncode == 0, run.log[-3000:]
    assert run.feed_items() == []
    asia = fresh_mirror.manifest2["asia_ids"]
    assert {fresh_mirror.manifest2["articles"][i]["paths"][0] for i in asia if i in before} <= requests
    after = {r["article_id"]: r for r in table(pair.database_url, select(ARTICLES))}
    assert after.keys() == before.keys()
    assert all(after[i]["changed_at"] == before[i]["changed_at"] for i in after)
    last = table(pair.database_url, select(CrawlRow.__table__).order_by(CrawlRow.id.desc()).limit(1))[0]
    assert (last["articles_new"], last["articles_changed"], last["articles_unchanged"]) == (0, 0, len(before))
    assert last["arguments"]["refresh"] == "all"
    assert len(table(pair.database_url, select(REVISIONS))) == versions_stored(fresh_mirror)


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_o_appends_each_crawl_capital_o_keeps_only_the_last_and_export_has_everything(
    fresh_mirror: FreshMirror, tmp_path: Path
) -> None:
    """README "Output files": `-o FILE` appends each crawl's new and changed articles; `-O FILE`
    replaces FILE with them (none: an empty file) on every crawl; `scrapy export` is the archive."""
    one, two = fresh_mirror.manifest1, fresh_mirror.manifest2
    changed = set(one["changed_in_edition"]["2"]) | set(two["new_in_edition"]["2"])
    appended, overwritten = tmp_path / "appended.jsonl", tmp_path / "overwritten.jsonl"
    p_url, q_url = f"sqlite:///{tmp_path / 'p.sqlite'}", f"sqlite:///{tmp_path / 'q.sqlite'}"
    with MirrorServer(fresh_mirror.edition1) as server:
        first = run_crawl(server.base_url, tmp_path / "c1", "-o", str(appended), database_url=p_url, output=False)
        assert first.returncode == 0, first.log[-3000:]
        first_lines = jsonl(appended)
        assert {line["article_id"] for line in first_lines} == within_depth(one)
        # a second archive as the first crawl left it, whose user file (-O) holds that crawl's lines
        with sqlite3.connect(tmp_path / "p.sqlite") as source, sqlite3.connect(tmp_path / "q.sqlite") as copy:
            source.backup(copy)
        overwritten.write_bytes(appended.read_bytes())

        server.root = fresh_mirror.edition2
        second = run_crawl(server.base_url, tmp_path / "c2", "-o", str(appended), database_url=p_url, output=False)
        assert second.returncode == 0, second.log[-3000:]
        again = run_crawl(server.base_url, tmp_path / "c2q", "-O", str(overwritten), database_url=q_url, output=False)
        assert again.returncode == 0, again.log[-3000:]
        lines = jsonl(appended)
        assert lines[: len(first_lines)] == first_lines  # -o: the first crawl's lines stay, the second's follow
        assert {line["article_id"] for line in lines[len(first_lines):]} == changed
        assert {line["article_id"] for line in jsonl(overwritten)} == changed  # -O: the user's file is only the last crawl's

        nothing_new = run_crawl(server.base_url, tmp_path / "c3q", "-O", str(overwritten), database_url=q_url, output=False)
        assert nothing_new.returncode == 0, nothing_new.log[-3000:]
        assert overwritten.read_bytes() == b""  # a re-crawl that stores nothing empties it

    export = run_export(p_url)  # the whole archive, each article's current version, whatever crawl stored it
    newest = {line["article_id"]: line for line in lines}  # keep the last line per article_id
    assert export.returncode == 0 and as_set(export.lines()) == as_set(list(newest.values()))
