"""Resume: a crawl interrupted by SIGINT (Ctrl-C), SIGTERM or SIGKILL mid-crawl and started
again with the same JOBDIR finishes with nothing lost and nothing twice. The signal goes to
the crawl's process, or to its whole process group (its archive writer too), as Ctrl-C in a
terminal and `systemctl stop` send it."""

from __future__ import annotations

import collections
import json
import os
import signal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from newscrawl.mirror.server import MirrorServer
from newscrawl.urls import article_id_from_url
from tests.conftest import run_crawl
from tests.ops.conftest import (
    SLOW, article_paths, crawl_rows, expected_ids, finish, health, log_of, query, start_crawl, stored_ids, wait_for,
)

pytestmark = pytest.mark.e2e


def crawl_stats(database: Path) -> list[dict[str, Any]]:
    """The stats of each crawl, oldest first ({} for one killed before it could record them)."""
    return [json.loads(row[0]) if row[0] else {} for row in query(database, "SELECT stats FROM crawls ORDER BY id")]


def feed_ids(data_dir: Path) -> list[str]:
    return [
        json.loads(line)["article_id"]
        for feed in sorted((data_dir / "feeds").glob("*.jsonl"))
        for line in feed.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


@pytest.mark.parametrize(
    ("how", "to_group"),
    [(signal.SIGINT, False), (signal.SIGTERM, False), (signal.SIGKILL, False), (signal.SIGINT, True), (signal.SIGTERM, True)],
    ids=["SIGINT", "SIGTERM", "SIGKILL", "SIGINT-group", "SIGTERM-group"],
)
def test_an_interrupted_crawl_resumes_with_nothing_lost_and_nothing_twice(
    how: signal.Signals, to_group: bool, mirror_root: Path, manifest: dict[str, Any], tmp_path: Path,
) -> None:
    database, jobdir = tmp_path / "news.sqlite", tmp_path / "job"
    expected = expected_ids(manifest)
    pages = article_paths(manifest)
    job = ("-s", f"JOBDIR={jobdir}", "-s", "NEWSCRAWL_BATCH_SIZE=5")
    with MirrorServer(mirror_root) as server:  # a server of its own: its request log is this test's
        first = start_crawl(server.base_url, tmp_path, *SLOW, *job)
        # mid-crawl: a few batches are in the archive, most of the site is not
        wait_for(lambda: len(stored_ids(database)) >= 10, what="a few batches to be stored")
        if to_group:
            os.killpg(first.pid, how)
        else:
            first.send_signal(how)
        code = finish(first)
        stored_before = stored_ids(database)
        fetched_before = len(server.requests)
        assert stored_before < expected, "the crawl ended before the signal: the test proves nothing"
        if how == signal.SIGKILL:
            assert code == -signal.SIGKILL
            killed = health(tmp_path)
            assert killed.returncode == 1 and "did not finish" in killed.stdout, killed.stdout
        else:
            assert code == 0, log_of(tmp_path)[-3000:]
            assert "keeps the crawl (shutdown)" in log_of(tmp_path)

        again = run_crawl(server.base_url, tmp_path, *job, output=False)
        assert again.returncode == 0, again.log[-3000:]
        requests = list(server.requests)
    before, after = requests[:fetched_before], requests[fetched_before:]
    assert before and after, "one of the two crawls fetched nothing: the test proves nothing"

    # nothing lost: the archive is what one uninterrupted crawl stores
    assert stored_ids(database) == expected
    revisions = collections.Counter(r[0] for r in query(database, "SELECT article_id FROM article_revisions"))
    assert set(revisions.values()) == {1}, "an article was stored twice as a new revision"
    assert [r[1] for r in crawl_rows(database)] == [None if how == signal.SIGKILL else "shutdown", "finished"]
    # nothing twice: no article the first crawl had stored was fetched again
    fetched_again = {pages[p] for p in after if p in pages}
    assert not fetched_again & stored_before
    first_stats, second_stats = crawl_stats(database)
    if how == signal.SIGKILL:
        # the half-written queue is dropped: the crawl walks the site again, the archive keeping
        # it from fetching a stored article
        assert "did not stop cleanly" in again.log
        assert second_stats.get("newscrawl/jobdir/unclean_resume") == 1 and "newscrawl/jobdir/resumed" not in second_stats
    else:
        assert "Resuming the crawl saved in JOBDIR" in again.log
        assert second_stats.get("newscrawl/jobdir/resumed") == 1 and "newscrawl/jobdir/unclean_resume" not in second_stats
        # the saved queue and seen-requests carry on the work: no page the first crawl fetched
        # (the index pages included, which the archive cannot vouch for) is fetched again,
        # only robots.txt, which every crawl reads, and the failing pages' retries
        failing_paths = {urlsplit(u).path for urls in manifest["failing"].values() for u in urls}
        repeated = (set(before) & set(after)) - {"/robots.txt"} - failing_paths
        assert repeated == set(), f"fetched before the stop and again after it: {sorted(repeated)}"
        assert set(manifest["index_pages"]) & set(before), "the first crawl read no index page"
        # a clean stop loses no work: every article page was fetched once in all
        article_fetches = collections.Counter(pages[p] for p in requests if p in pages)
        failing = {article_id_from_url(u) for urls in manifest["failing"].values() for u in urls}  # retried
        assert {i for i, n in article_fetches.items() if n > 1} <= failing
        ids = feed_ids(tmp_path / "data")
        assert len(ids) == len(set(ids)) and set(ids) == expected
    assert "newscrawl/jobdir/resumed" not in first_stats and "newscrawl/jobdir/unclean_resume" not in first_stats
    # the job is over: the directory is ready for the next scheduled crawl
    assert sorted(p.name for p in jobdir.iterdir()) == ["newscrawl.lock"]
