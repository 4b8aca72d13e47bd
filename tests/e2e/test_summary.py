"""The summary every `scrapy crawl` ends with (and the demo's, which is the crawl's own), checked
field by field against the crawl's stats as the crawls table keeps them, and against what the
archive, the feed and the mirror's manifest hold."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from newscrawl.mirror.faults import FaultProxy, mirror_article_targets
from newscrawl.mirror.server import MirrorServer
from newscrawl.progress import duration
from newscrawl.summary import FAILED_PAGES_LISTED
from tests.conftest import PROJECT_ROOT
from tests.ops.conftest import DEPTH, expected_ids

pytestmark = pytest.mark.e2e

LABEL = re.compile(r"^  (?:(?P<label>[A-Z][a-z ]+):)?\s+(?P<text>\S.*)$")


@dataclass
class Crawl:
    returncode: int
    stdout: str
    stderr: str
    workdir: Path

    @property
    def database(self) -> Path:
        return self.workdir / "news.sqlite"

    def stats(self) -> dict[str, Any]:
        return json.loads(self.rows("SELECT stats FROM crawls ORDER BY id DESC")[0][0])

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        connection = sqlite3.connect(self.database)
        try:
            return connection.execute(sql).fetchall()
        finally:
            connection.close()


def crawl(base_url: str, workdir: Path, *args: str, stderr_into_stdout: bool = False) -> Crawl:
    """`scrapy crawl asia` with stdout and stderr apart (or together), as a user runs it."""
    workdir.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "scrapy", "crawl", "asia", "-a", f"base_url={base_url}",
        "-s", f"NEWSCRAWL_DATABASE_URL=sqlite:///{workdir / 'news.sqlite'}", "-s", "AUTOTHROTTLE_ENABLED=False", *args,
    ]
    done = subprocess.run(
        command, cwd=PROJECT_ROOT, env={**os.environ, "NEWSCRAWL_DATA_DIR": str(workdir / "data")}, text=True, timeout=300,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT if stderr_into_stdout else subprocess.PIPE,
    )
    return Crawl(done.returncode, done.stdout, done.stderr or "", workdir)


def fields(summary: str) -> tuple[str, dict[str, list[str]]]:
    """The summary's first line, and each field's lines by label."""
    head, *rest = summary.splitlines()
    found: dict[str, list[str]] = {}
    label = ""
    for line in rest:
        match = LABEL.match(line)
        assert match, f"not a line of the summary: {line!r}"
        label = match.group("label") or label
        found.setdefault(label, []).append(match.group("text"))
    return head, found


def number(text: str, after: str = "") -> int:
    found = re.search(rf"{after}([\d,]+)", text)
    assert found, (after, text)
    return int(found.group(1).replace(",", ""))


@pytest.fixture(scope="module")
def first(mirror: MirrorServer, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    run = crawl(mirror.base_url, tmp_path_factory.mktemp("summary"), "-O", "-:jsonlines")
    assert run.returncode == 0, run.stderr[-3000:]
    return run


def test_the_summary_agrees_with_the_crawls_stats_field_by_field(first: Crawl, manifest: dict[str, Any]) -> None:
    # -O -:jsonlines: the feed has stdout to itself; the summary is the log's last word on stderr,
    # where the log shows it already (so once)
    feed = [json.loads(line) for line in first.stdout.splitlines()]
    assert feed and "Crawl 1 of asia" not in first.stdout
    assert first.stderr.count("Crawl 1 of asia: ") == 1
    logged = re.search(r"\[newscrawl\.summary\] INFO: (Crawl 1 of asia: .*?)\n(?=\S|\Z)", first.stderr, re.S)
    assert logged and first.stderr.rstrip().endswith(logged.group(1))
    printed = logged.group(1)

    stats = first.stats()
    (crawl_id, reason, new, changed, unchanged, failed) = first.rows(
        "SELECT id, finish_reason, articles_new, articles_changed, articles_unchanged, pages_failed FROM crawls")[0]
    head, found = fields(printed)
    assert set(found) == {"Articles", "Duplicates", "Failed", "Rendered", "Archive", "Feed", "Log"}

    # how long, and how it ended
    assert head == (f"Crawl {crawl_id} of asia: {reason} in {duration(stats['elapsed_time_seconds'])} "
                    f"({stats['start_time'][:19]}Z to {stats['finish_time'][:19]}Z)")
    assert reason == "finished"

    # new, changed, unchanged: the stats, the crawls row, the archive's rows, the manifest
    articles = found["Articles"][0]
    assert (number(articles), number(articles, "new, "), number(articles, "changed, ")) == (new, changed, unchanged)
    assert (new, changed, unchanged) == (stats["newscrawl/stored/new"], stats.get("newscrawl/stored/changed", 0), 0)
    assert new == len(first.rows("SELECT 1 FROM articles")) == len(expected_ids(manifest, DEPTH)) == len(feed)

    # one line per kind of duplicate, with the count of each
    duplicates = found["Duplicates"]
    assert len(duplicates) == 4
    assert number(duplicates[0]) == stats["dupefilter/filtered"] > 0 and "already requested" in duplicates[0]
    assert number(duplicates[1]) == stats.get("newscrawl/duplicates/same_article", 0) and "another URL" in duplicates[1]
    assert number(duplicates[2]) == stats["newscrawl/duplicates/same_text"] == len(manifest["duplicates"]["same_text"])
    assert "same text" in duplicates[2]
    assert number(duplicates[3]) == stats["newscrawl/duplicates/near"] == len(manifest["duplicates"]["near"])
    assert "near_duplicates" in duplicates[3]
    same_text = first.rows("SELECT COUNT(*) FROM articles WHERE duplicate_of IS NOT NULL")[0][0]
    assert same_text == stats["newscrawl/duplicates/same_text"]

    # the failed pages, each with its URL and why: the mirror's failing pages
    failing = {url for urls in manifest["failing"].values() for url in urls} | set(manifest["missing_read_more"])
    failed_lines = found["Failed"]
    assert number(failed_lines[0]) == failed == stats["newscrawl/pages_failed"] == len(failing)
    listed = dict(line.split(": ", 1) for line in failed_lines[1:-1])
    assert set(listed) == failing
    for url, why in listed.items():
        status = next(code for code, urls in manifest["failing"].items() if url in urls) if url not in manifest["missing_read_more"] else "404"
        assert why == f"HTTP {status}"
    assert "scrapy export --gaps" in failed_lines[-1]

    assert found["Rendered"][0].startswith(f"{stats.get('newscrawl/rendered', 0)} pages through the browser")
    assert found["Archive"] == [f"{first.database} ({new} articles in all)"]
    # -O adds a feed to the project's own: both are named, with what each holds
    own = list((first.workdir / "data" / "feeds").glob("asia-*.jsonl"))
    assert len(own) == 1 and len(own[0].read_text(encoding="utf-8").splitlines()) == len(feed)
    assert sorted(found["Feed"]) == sorted([f"stdout ({len(feed)} articles)", f"{own[0]} ({len(feed)} articles)"])
    assert found["Log"] == [stats["newscrawl/log_file"]] and Path(stats["newscrawl/log_file"]).is_file()


def test_a_recrawl_says_unchanged_and_that_no_feed_was_written(first: Crawl, mirror: MirrorServer) -> None:
    again = crawl(mirror.base_url, first.workdir, "-a", "refresh=all")
    assert again.returncode == 0, again.stderr[-3000:]
    stats = again.stats()
    head, found = fields(again.stdout.strip())
    assert head.startswith(f"Crawl {stats['newscrawl/crawl_id']} of asia: finished in ")
    unchanged = stats["newscrawl/stored/unchanged"]
    assert unchanged == first.rows("SELECT articles_new FROM crawls WHERE id = 1")[0][0] > 0
    assert found["Articles"][0] == f"0 new, 0 changed, {unchanged} unchanged (seen again with the same text)"
    assert found["Feed"] == ["none written: no article was new or changed"]
    assert len(list((first.workdir / "data" / "feeds").glob("*.jsonl"))) == 1  # the first crawl's


def test_the_summary_is_shown_once_where_the_log_is_shown_too(mirror: MirrorServer, tmp_path: Path) -> None:
    """stdout and stderr in one pipe (cron, the journal): the log's copy is the one shown."""
    run = crawl(mirror.base_url, tmp_path, "-s", "NEWSCRAWL_READ_MORE_DEPTH=0", stderr_into_stdout=True)
    assert run.returncode == 0, run.stdout[-3000:]
    assert run.stdout.count("Crawl 1 of asia: finished in ") == 1
    assert "[newscrawl.summary] INFO: Crawl 1 of asia: finished in " in run.stdout


def test_many_failed_pages_are_listed_up_to_the_bound_with_a_pointer_to_the_rest(mirror_root: Path, tmp_path: Path) -> None:
    """Every article page of the mirror answers HTTP 500 (the fault proxy, each time it is asked)."""
    with MirrorServer(mirror_root) as mirror:
        with FaultProxy(mirror.base_url, rate=1.0, times=10, faults=("http_500",), targets=mirror_article_targets(mirror_root)) as proxy:
            run = crawl(proxy.base_url, tmp_path, "-s", "RETRY_TIMES=0")
    assert run.returncode == 0, run.stderr[-3000:]
    stats = run.stats()
    _head, found = fields(run.stdout.strip())
    failed_lines = found["Failed"]
    on_record = dict(run.rows("SELECT url, error FROM page_failures"))
    assert number(failed_lines[0]) == stats["newscrawl/pages_failed"] == len(on_record) > FAILED_PAGES_LISTED
    listed = [line.split(": ", 1) for line in failed_lines[1:-1]]
    assert len(listed) == FAILED_PAGES_LISTED
    assert all(on_record[url] == why for url, why in listed), listed  # HTTP 500 (or the mirror's own 404s)
    assert sum(why == "HTTP 500" for _url, why in listed) >= FAILED_PAGES_LISTED - 3
    assert failed_lines[-1] == (f"and {len(on_record) - FAILED_PAGES_LISTED} more: `scrapy export --gaps` lists the failed "
                                "article pages, the log every failed page")
    assert found["Articles"][0].startswith("0 new, 0 changed, 0 unchanged")


def test_the_demo_prints_the_crawls_summary(tmp_path: Path) -> None:
    data = tmp_path / "data"
    done = subprocess.run(
        [sys.executable, "-m", "newscrawl.demo", "--articles", "45"], cwd=PROJECT_ROOT, text=True, capture_output=True,
        env={**os.environ, "NEWSCRAWL_DATA_DIR": str(data)}, timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    manifest = json.loads((data / "mirror" / "manifest.json").read_text(encoding="utf-8"))
    summary = done.stdout[done.stdout.index("Crawl 1 of asia: finished in "):].strip()
    _head, found = fields(summary)
    connection = sqlite3.connect(data / "news.sqlite")
    try:
        stored = connection.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    finally:
        connection.close()
    assert stored == len(expected_ids(manifest, DEPTH))
    assert found["Articles"][0].startswith(f"{stored} new, 0 changed, 0 unchanged")
    # the mirror's pages a script builds, rendered through the browser the set-up installed, and stored whole
    scripted = set(manifest["scripted"]) & expected_ids(manifest, DEPTH)
    assert len(scripted) == 4
    assert found["Rendered"] == [f"{len(scripted)} pages through the browser (articles a script builds)"]
    connection = sqlite3.connect(data / "news.sqlite")
    try:
        bodies = dict(connection.execute(f"SELECT article_id, body FROM articles WHERE article_id IN ({','.join('?' * len(scripted))})",
                                         sorted(scripted)).fetchall())
    finally:
        connection.close()
    assert bodies == {i: manifest["articles"][i]["expected"]["body"] for i in scripted}
    assert found["Archive"] == [f"{data / 'news.sqlite'} ({stored} articles in all)"]
    feed = Path(found["Feed"][0].split(" (", 1)[0])
    assert feed.parent == data / "feeds" and len(feed.read_text(encoding="utf-8").splitlines()) == stored
    assert str(data / "logs" / "demo-crawl.log") in found["Log"]
    assert "Crawl 1 of asia" in (data / "logs" / "demo-crawl.log").read_text(encoding="utf-8")
