"""Keeping what the site sent: real crawls of the bundled mirror write every response as WARC,
which warcio reads back whole, and `scrapy reparse` rebuilds the same archive from it alone.
Expected figures come from the mirror (its manifest, its server's own request log)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine
from scrapy.settings import Settings
from warcio.archiveiterator import ArchiveIterator

from newscrawl.db import REEXTRACTION
from newscrawl.history import ORIGIN_CRAWL, ORIGIN_REEXTRACTION, edit_log, read_history
from newscrawl.mirror.server import MirrorServer
from newscrawl.parsers.legacy import LegacyArticleParser
from newscrawl.reparse import Report, Reparser, Selection, StoredPages
from newscrawl.urls import article_id_from_url, to_site_url
from newscrawl.warc import warc_files
from tests.archive.conftest import as_set, run_export
from tests.conftest import PROJECT_ROOT, CrawlRun, backfill_keeps, run_crawl

pytestmark = pytest.mark.e2e

DEPTH = 2
MAX_BYTES = 100_000  # small files: the mirror's crawl fills several


def within_depth(manifest: dict[str, Any]) -> set[str]:
    return {i for i, a in manifest["articles"].items() if a["hops"] is not None and a["hops"] <= DEPTH}


def manifest_root(mirror: MirrorServer) -> Path:
    return mirror.root


def target(uri: str) -> str:
    parts = urlsplit(uri)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def read_all(paths: list[Path]) -> list[dict[str, Any]]:
    """Every record of these files as warcio reads it, every digest checked."""
    found = []
    for path in paths:
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream, check_digests=True):
                payload = record.content_stream().read()
                assert record.digest_checker.passed is not False, (path, record.digest_checker.problems)
                header = record.rec_headers.get_header
                found.append({
                    "file": path, "type": record.rec_type, "uri": header("WARC-Target-URI") or "", "id": header("WARC-Record-ID"),
                    "concurrent_to": header("WARC-Concurrent-To"), "refers_to": header("WARC-Refers-To"),
                    "truncated": header("WARC-Truncated"),
                    "status": int(record.http_headers.get_statuscode()) if record.rec_type in ("response", "revisit") else None,
                    "payload": payload,
                })
    return found


def run_reparse(data_dir: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "scrapy", "reparse", "-s", f"NEWSCRAWL_DATABASE_URL={database_url}", *args]
    env = {**os.environ, "NEWSCRAWL_DATA_DIR": str(data_dir)}
    return subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)


def exported(database_url: str) -> list[dict[str, Any]]:
    done = run_export(database_url)
    assert done.returncode == 0, done.stderr
    return done.lines()


@pytest.fixture(scope="module")
def first_crawl(mirror: MirrorServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[CrawlRun, list[str], list[Path]]]:
    """One crawl of the mirror with WARC files of at most MAX_BYTES; what the mirror was asked."""
    workdir = tmp_path_factory.mktemp("warc-crawl")
    mirror.reset_requests()
    run = run_crawl(mirror.base_url, workdir, "-s", f"NEWSCRAWL_WARC_MAX_BYTES={MAX_BYTES}")
    assert run.returncode == 0, run.log[-3000:]
    yield run, list(mirror.requests), warc_files(run.data_dir / "warc")


def test_every_response_of_the_crawl_is_in_its_warc_files(first_crawl: tuple[CrawlRun, list[str], list[Path]],
                                                          manifest: dict[str, Any]) -> None:
    run, served, files = first_crawl
    assert len(served) > len(within_depth(manifest))  # index pages, robots.txt, failures and redirects besides
    assert len(files) >= 2 and all(p.name.endswith(".warc.gz") for p in files)
    assert all(p.stat().st_size <= MAX_BYTES for p in files)
    records = read_all(files)
    answers = [r for r in records if r["type"] in ("response", "revisit")]
    # each answer the mirror gave is a record: pages, fragments, robots.txt, 404s, 500s and their retries, redirects
    assert Counter(target(r["uri"]) for r in answers) == Counter(served)
    requests = {r["concurrent_to"]: r for r in records if r["type"] == "request"}
    assert set(requests) == {r["id"] for r in answers}
    assert all(target(requests[r["id"]]["uri"]) == target(r["uri"]) for r in answers)
    status = {target(r["uri"]): r["status"] for r in answers}
    for redirect in set(manifest["redirects"]) & set(served):  # a redirect is kept as the 301 it was
        assert status[redirect] == 301, redirect
    for path in manifest["failing"]["404"]:
        assert status[target(path)] == 404
    for path in manifest["failing"]["500"]:
        assert status[target(path)] == 500
    # a retried 500 gave the same payload: written once, then as revisits of that record
    revisits = [r for r in answers if r["type"] == "revisit"]
    originals = {r["id"]: r for r in answers if r["type"] == "response"}
    assert revisits and all(originals[r["refers_to"]]["uri"] == r["uri"] for r in revisits)
    assert all(r["payload"] == b"" for r in revisits)
    assert sum(1 for r in records if r["type"] == "warcinfo") == len(files)


def test_reparse_into_a_fresh_archive_gives_the_same_articles(first_crawl: tuple[CrawlRun, list[str], list[Path]],
                                                              manifest: dict[str, Any], tmp_path: Path) -> None:
    run, _served, files = first_crawl
    crawled = exported(run.database_url)
    assert {line["article_id"] for line in crawled} == within_depth(manifest)
    fresh = f"sqlite:///{tmp_path / 'rebuilt.sqlite'}"
    dry = run_reparse(tmp_path / "data", fresh, str(files[0].parent), "--dry-run")
    assert dry.returncode == 0 and f"0 changed, {len(crawled)} new" in dry.stdout and "(would be stored)" in dry.stdout, dry.stderr
    assert exported(fresh) == []  # a dry run writes nothing
    done = run_reparse(tmp_path / "data", fresh, str(files[0].parent))
    assert done.returncode == 0, done.stderr
    assert f"Reparsed {len(crawled)} articles" in done.stdout and f"0 changed, {len(crawled)} new" in done.stdout
    rebuilt = exported(fresh)
    assert as_set(rebuilt) == as_set(crawled)  # every field, bodies byte for byte, fetched_at too
    # the same with the pages read by worker processes and the writes made by another (a large run's way)
    pooled = f"sqlite:///{tmp_path / 'pooled.sqlite'}"
    done = run_reparse(tmp_path / "data", pooled, str(files[0].parent), "--workers", "2")
    assert done.returncode == 0, done.stderr
    assert as_set(exported(pooled)) == as_set(crawled)
    # its prints made by the page readers: the same bands, signatures and near-duplicate pairs, in
    # the same order, as those the in-process run made; both archives with their band index
    queries = ("SELECT article_id, band, key FROM article_bands ORDER BY rowid", "SELECT * FROM article_signatures ORDER BY rowid",
               "SELECT article_id, similar_id, similarity FROM near_duplicates ORDER BY rowid")
    prints = {}
    for name in ("rebuilt", "pooled"):
        with sqlite3.connect(tmp_path / f"{name}.sqlite") as db:
            prints[name] = [db.execute(query).fetchall() for query in queries]
            assert db.execute("SELECT 1 FROM sqlite_master WHERE name = 'ix_article_bands_key'").fetchone() == (1,), name
    assert all(prints["rebuilt"]) and prints["pooled"] == prints["rebuilt"]
    # nothing the archive did not have: the same archive again is unchanged, and gets no revision
    archive_copy = tmp_path / "copy.sqlite"
    shutil.copy(Path(run.database_url.removeprefix("sqlite:///")), archive_copy)
    again = run_reparse(run.data_dir, f"sqlite:///{archive_copy}")
    assert again.returncode == 0, again.stderr
    assert f"0 changed, 0 new, {len(crawled)} unchanged" in again.stdout
    with sqlite3.connect(archive_copy) as db:
        assert db.execute("SELECT count(*) FROM article_revisions WHERE origin IS NOT NULL").fetchone() == (0,)


def test_a_recrawl_of_the_unchanged_mirror_writes_revisits(first_crawl: tuple[CrawlRun, list[str], list[Path]],
                                                          mirror: MirrorServer, tmp_path: Path) -> None:
    run, _served, first_files = first_crawl
    workdir = tmp_path / "again"
    shutil.copytree(run.data_dir, workdir / "data")
    database = workdir / "news.sqlite"
    shutil.copy(Path(run.database_url.removeprefix("sqlite:///")), database)
    mirror.reset_requests()
    again = run_crawl(mirror.base_url, workdir, database_url=f"sqlite:///{database}")
    assert again.returncode == 0, again.log[-3000:]
    served = list(mirror.requests)
    new_files = [p for p in warc_files(workdir / "data" / "warc") if p.name not in {f.name for f in first_files}]
    records = read_all(new_files)
    answers = [r for r in records if r["type"] in ("response", "revisit")]
    assert served and Counter(target(r["uri"]) for r in answers) == Counter(served)
    # the mirror did not change: every answer is the payload of an earlier record
    assert {r["type"] for r in answers} == {"revisit"}
    first_ids = {r["id"] for r in read_all(first_files)}
    assert all(r["refers_to"] in first_ids for r in answers)
    added = sum(p.stat().st_size for p in new_files)
    assert added < 0.05 * sum(p.stat().st_size for p in first_files)


def test_reparse_of_a_backfill_keeps_what_the_backfill_kept(mirror: MirrorServer, manifest: dict[str, Any], tmp_path: Path) -> None:
    """A backfill reads the site's sitemaps, which list every section's articles: it fetches
    pages of other sections and dates and keeps only its section's articles of its window and
    what their READ MORE links reach. A rebuild from its WARC files keeps just as much."""
    since, until = "2023-01-01", "2023-12-31"  # a year whose sitemaps list articles of other sections
    run = run_crawl(mirror.base_url, tmp_path, "-a", f"since={since}", "-a", f"until={until}")
    assert run.returncode == 0, run.log[-3000:]
    kept = backfill_keeps(manifest, since, until, DEPTH)
    crawled = exported(run.database_url)
    assert {line["article_id"] for line in crawled} == kept
    records = read_all(warc_files(run.data_dir / "warc"))
    fetched = {article_id_from_url(to_site_url(r["uri"], mirror.base_url)) for r in records if r["type"] in ("response", "revisit")
               and r["status"] == 200} - {None}
    passed_over = fetched - kept
    # the mirror's corpus has articles of other sections and dates in the sitemaps: fetched, not kept
    assert passed_over and {manifest["articles"][i]["section"] for i in passed_over} - {"asia"}
    fresh = f"sqlite:///{tmp_path / 'rebuilt.sqlite'}"
    done = run_reparse(run.data_dir, fresh)
    assert done.returncode == 0, done.stderr
    assert f"0 changed, {len(kept)} new" in done.stdout, done.stdout
    assert f"{len(passed_over)} pages a backfill passed over" in done.stdout, done.stdout
    assert as_set(exported(fresh)) == as_set(crawled)
    pooled = f"sqlite:///{tmp_path / 'pooled.sqlite'}"  # the pages read by worker processes
    assert run_reparse(run.data_dir, pooled, "--workers", "2").returncode == 0
    assert as_set(exported(pooled)) == as_set(crawled)
    # into the backfill's own archive: nothing new, nothing changed
    again = run_reparse(run.data_dir, run.database_url)
    assert again.returncode == 0, again.stderr
    assert f"0 changed, 0 new, {len(kept)} unchanged" in again.stdout, again.stdout


class SlowPageMirror(MirrorServer):
    """The mirror, one article's page answered late (a slow page, as the site has them)."""

    def __init__(self, root: Path, slow_id: str, seconds: float) -> None:
        super().__init__(root)
        self.slow_id, self.seconds = slow_id, seconds

    def _record(self, target: str, headers: Any = ()) -> None:
        super()._record(target, headers)
        if self.slow_id in target:
            time.sleep(self.seconds)


def test_reparse_by_id_rebuilds_a_page_only_its_sitemap_record_names(mirror_root: Path, manifest: dict[str, Any], tmp_path: Path) -> None:
    """An article of another section, listed in the window's sitemap and named in READ MORE by an
    article the backfill keeps: its sitemap request was on its way when the READ MORE link came
    (a duplicate, dropped), so its one record is the sitemap's, and the backfill kept it.
    `scrapy reparse --id` of it alone into a fresh archive cannot see the article that names it:
    asked for by id, it is rebuilt all the same, and the summary names it, not as passed over."""
    since, until = "2018-01-01", "2018-12-31"
    kept = backfill_keeps(manifest, since, until, DEPTH)
    articles = manifest["articles"]
    [named] = [i for i in kept if articles[i]["section"] != "asia" and since <= articles[i]["expected"]["published_at"][:10] <= until]
    # its page answers after the article naming it is parsed: that READ MORE request is the duplicate
    with SlowPageMirror(mirror_root, named, 3.0) as server:
        run = run_crawl(server.base_url, tmp_path, "-a", f"since={since}", "-a", f"until={until}")
        base_url = server.base_url
    assert run.returncode == 0, run.log[-3000:]
    crawled = {line["article_id"]: line for line in exported(run.database_url)}
    assert named in crawled and set(crawled) == kept
    paths = warc_files(run.data_dir / "warc")
    found_by = [header for path in paths for header in found_by_headers(path, base_url, named)]
    assert found_by == [("0", "sitemap")], found_by  # the case: only the sitemap's record

    fresh = f"sqlite:///{tmp_path / 'one.sqlite'}"
    done = run_reparse(run.data_dir, fresh, "--id", named)
    assert done.returncode == 0, done.stderr
    assert "0 changed, 1 new, 0 unchanged" in done.stdout and "passed over" not in done.stdout, done.stdout
    assert done.stdout.splitlines()[-1].startswith("Rebuilt as asked (--id), though a backfill fetched them from a sitemap")
    assert done.stdout.splitlines()[-1].endswith(f"named it): {named}"), done.stdout
    assert exported(fresh) == [crawled[named]]
    # read with the article that names it, the rule alone keeps it: nothing to say
    whole = f"sqlite:///{tmp_path / 'whole.sqlite'}"
    everything = run_reparse(run.data_dir, whole)
    assert everything.returncode == 0 and "Rebuilt as asked" not in everything.stdout, everything.stdout
    assert as_set(exported(whole)) == as_set(list(crawled.values()))


def found_by_headers(path: Path, base_url: str, article_id: str) -> list[tuple[str, str]]:
    """(Newscrawl-Hops, Newscrawl-Backfill) of each capture of the article in the file."""
    found = []
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            header = record.rec_headers.get_header
            if record.rec_type in ("response", "revisit") and article_id_from_url(to_site_url(header("WARC-Target-URI") or "", base_url)) == article_id:
                found.append((header("Newscrawl-Hops") or "", header("Newscrawl-Backfill") or ""))
    return found


def reparse_in_process(data_dir: Path, database: Path, selection: Selection = Selection()) -> Report:
    settings = Settings()
    settings.setmodule("newscrawl.settings", priority="project")
    settings.set("NEWSCRAWL_DATABASE_URL", f"sqlite:///{database}")
    settings.set("NEWSCRAWL_DATA_DIR", str(data_dir))
    report = Report()
    pages = StoredPages(warc_files(data_dir / "warc"), report)
    return Reparser(settings, pages, selection, report).run()


def legacy_copies(manifest: dict[str, Any], legacy: set[str], database: Path) -> tuple[list[list[str]], set[str]]:
    """The mirror's pairs of one text under a legacy and another layout, and of those the
    non-legacy articles the crawl stored as the copy (which of a pair came first is the crawl's
    order): such a copy is a copy no more once the legacy text changes."""
    pairs = [pair for pair in manifest["duplicates"]["same_text"] if (pair[0] in legacy) != (pair[1] in legacy)]
    with sqlite3.connect(database) as db:
        copy_of = dict(db.execute("SELECT article_id, duplicate_of FROM articles WHERE duplicate_of IS NOT NULL").fetchall())
    copies = {i for pair in pairs for i in pair if i not in legacy and copy_of.get(i) in pair}
    return pairs, copies


def test_after_a_parser_change_reparse_records_reextractions_for_exactly_the_affected_articles(
    first_crawl: tuple[CrawlRun, list[str], list[Path]], manifest: dict[str, Any], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run, _served, _files = first_crawl
    database = tmp_path / "archive.sqlite"
    shutil.copy(Path(run.database_url.removeprefix("sqlite:///")), database)
    stored = within_depth(manifest)
    # the layout each page has, from the mirror's corpus ("real" is a saved legacy page)
    legacy = {i for i in stored if manifest["articles"][i]["layout"] in ("legacy", "real")}
    pairs, copies = legacy_copies(manifest, legacy, database)
    affected = legacy | copies
    assert 0 < len(legacy) < len(stored) and pairs
    title = LegacyArticleParser.title
    monkeypatch.setattr(LegacyArticleParser, "title", lambda self: title(self).upper())  # a parser rule changed
    report = reparse_in_process(run.data_dir, database)
    assert report.outcomes == Counter({"changed": len(affected), "unchanged": len(stored) - len(affected)})
    assert report.fields == Counter({"title": len(legacy), "content_hash": len(legacy), "duplicate_of": len(pairs)})
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT article_id, title, origin, crawl_id FROM article_revisions WHERE origin IS NOT NULL").fetchall()
        assert {r[0] for r in rows} == affected and len(rows) == len(affected)
        assert all(r[2] == REEXTRACTION and (r[1] == r[1].upper()) == (r[0] in legacy) and r[3] is None for r in rows)
        # the site's revisions are as they were: one per article, none marked
        assert db.execute("SELECT count(*), count(DISTINCT article_id) FROM article_revisions WHERE origin IS NULL").fetchone() \
            == (len(stored), len(stored))
        titles = dict(db.execute("SELECT article_id, title FROM articles").fetchall())
    assert {i for i, t in titles.items() if t == t.upper()} == legacy
    # scrapy diff / changes tell a re-extraction from an edit by the site: the edit log is empty
    with create_engine(f"sqlite:///{database}").connect() as conn:
        assert edit_log(conn) == []
        history = read_history(conn, sorted(legacy)[0])
        assert history is not None and [v.origin for v in history.versions] == [ORIGIN_CRAWL, ORIGIN_REEXTRACTION]
        assert [v.is_site_text for v in history.versions] == [True, False] and history.edits() == []
    # reparsed again with the same parsers: nothing more to record
    again = reparse_in_process(run.data_dir, database)
    assert again.outcomes == Counter({"unchanged": len(stored)}), again.fields


def test_reparse_filters_by_id_layout_and_dates(first_crawl: tuple[CrawlRun, list[str], list[Path]], manifest: dict[str, Any],
                                                tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run, _served, _files = first_crawl
    stored = within_depth(manifest)
    legacy = sorted(i for i in stored if manifest["articles"][i]["layout"] in ("legacy", "real"))
    _pairs, copies = legacy_copies(manifest, set(legacy), Path(run.database_url.removeprefix("sqlite:///")))
    title = LegacyArticleParser.title
    monkeypatch.setattr(LegacyArticleParser, "title", lambda self: title(self).upper())

    def changed(selection: Selection) -> int:
        database = tmp_path / "archive.sqlite"
        shutil.copy(Path(run.database_url.removeprefix("sqlite:///")), database)
        return reparse_in_process(run.data_dir, database, selection).outcomes["changed"]

    assert changed(Selection(ids=frozenset(legacy[:2]))) == 2
    # the legacy pages not rebuilt, their archived texts stand: a current copy of one is still a copy
    assert changed(Selection(layout="current")) == 0
    assert changed(Selection(layout="legacy")) == len(legacy)
    days = sorted(manifest["articles"][i]["expected"]["published_at"][:10] for i in legacy)
    in_window = [d for d in days if days[0] <= d <= days[len(days) // 2]]
    assert changed(Selection(since=days[0], until=days[len(days) // 2])) == len(in_window)
    assert changed(Selection(since="2000-01-01", until="2000-01-02", by="fetched")) == 0
    assert changed(Selection(since="2000-01-01", by="fetched")) == len(legacy) + len(copies)


@pytest.mark.parametrize("args,message", [
    (["--since", "2025-13-01"], "--since takes a date as YYYY-MM-DD"),
    (["--since", "2025-02-01", "--until", "2025-01-01"], "is before --since"),
    (["--layout", "amp"], "invalid choice"),
    (["no/such/file.warc.gz"], "no WARC file or folder no/such/file.warc.gz"),
    (["-s", "NEWSCRAWL_WARC_KEPP=3"], "unknown setting NEWSCRAWL_WARC_KEPP (did you mean NEWSCRAWL_WARC_KEEP?)"),
])
def test_a_bad_argument_is_one_line_and_exit_status_2(tmp_path: Path, args: list[str], message: str) -> None:
    done = run_reparse(tmp_path / "data", f"sqlite:///{tmp_path / 'a.sqlite'}", *args)
    assert done.returncode == 2 and message in done.stderr, done.stderr
    # one line says what is wrong (Scrapy prints the command's usage above it, as for `scrapy export`)
    assert "Traceback" not in done.stderr and sum("error:" in line for line in done.stderr.splitlines()) == 1


def test_nothing_to_reparse_says_so(tmp_path: Path) -> None:
    done = run_reparse(tmp_path / "data", f"sqlite:///{tmp_path / 'a.sqlite'}")
    assert done.returncode == 2 and "no WARC file in" in done.stderr and "Traceback" not in done.stderr


def test_reparse_waits_for_no_crawl_it_exits_75_while_one_holds_the_archive(
    first_crawl: tuple[CrawlRun, list[str], list[Path]], tmp_path: Path,
) -> None:
    from newscrawl.locks import archive_lock

    run, _served, _files = first_crawl
    database = tmp_path / "archive.sqlite"
    shutil.copy(Path(run.database_url.removeprefix("sqlite:///")), database)
    lock = archive_lock(f"sqlite:///{database}")
    assert lock is not None and lock.acquire("crawl 'asia', pid 1 on test")
    try:
        done = run_reparse(run.data_dir, f"sqlite:///{database}")
    finally:
        lock.release()
    assert done.returncode == 75 and "Another crawl is writing this archive" in done.stderr, done.stderr
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM article_revisions WHERE origin IS NOT NULL").fetchone() == (0,)


def test_reparse_reads_a_warc_file_another_tool_made(mirror: MirrorServer, manifest: dict[str, Any], tmp_path: Path) -> None:
    """Pages captured by warcio's own HTTP recorder (requests, WARC/1.0, its own gzip), no
    newscrawl warcinfo and no .idx: reparse scans the file and rebuilds their articles."""
    articles = {i: a for i, a in manifest["articles"].items() if a["hops"] == 0 and a["layout"] in ("current", "legacy")}
    chosen = sorted(articles)[:6]
    assert len(chosen) == 6
    warc = tmp_path / "other-tool.warc.gz"
    # warcio patches http.client for requests imported after it: a process of its own
    capture = ("import sys\nfrom warcio.capture_http import capture_http\nimport requests\n"
               "with capture_http(sys.argv[1]):\n    for url in sys.argv[2:]:\n        requests.get(url, timeout=30).raise_for_status()\n")
    urls = [mirror.base_url + articles[article_id]["paths"][0] for article_id in chosen]
    subprocess.run([sys.executable, "-c", capture, str(warc), *urls], check=True, timeout=120)
    database_url = f"sqlite:///{tmp_path / 'from-other-tool.sqlite'}"
    done = run_reparse(tmp_path / "data", database_url, str(warc))
    assert done.returncode == 0, done.stderr
    assert "Reparsed 6 articles from 6 stored pages in 1 WARC files: 0 changed, 6 new" in done.stdout, done.stdout + done.stderr
    lines = {line["article_id"]: line for line in exported(database_url)}
    assert set(lines) == set(chosen)
    for article_id, line in lines.items():
        for name in ("title", "body", "published_at", "authors", "lead"):
            assert line[name] == manifest["articles"][article_id]["expected"][name], (article_id, name)


def test_a_page_cut_by_the_size_bound_is_marked_truncated_and_rebuilt_alike(
    mirror: MirrorServer, manifest: dict[str, Any], tmp_path: Path,
) -> None:
    bound = 20_000
    run = run_crawl(mirror.base_url, tmp_path, "-s", f"NEWSCRAWL_MAX_PAGE_BYTES={bound}")
    assert run.returncode == 0, run.log[-3000:]
    # the mirror's pages over the bound (the saved real page among them), from the mirror's own files
    routes = json.loads((Path(manifest_root(mirror)) / "routes.json").read_text(encoding="utf-8"))
    big = {path for path, route in routes.items() if route.get("file") and "html" in route.get("type", "")
           and (Path(manifest_root(mirror)) / route["file"]).stat().st_size > bound}
    records = read_all(warc_files(run.data_dir / "warc"))
    truncated = {target(r["uri"]) for r in records if r["type"] == "response" and r["truncated"]}
    fetched_big = {target(r["uri"]) for r in records if r["type"] == "response"} & big
    assert fetched_big and truncated == fetched_big
    assert all(r["truncated"] == "length" for r in records if r["truncated"])
    fresh = f"sqlite:///{tmp_path / 'rebuilt.sqlite'}"
    done = run_reparse(tmp_path / "data", fresh, "-s", f"NEWSCRAWL_MAX_PAGE_BYTES={bound}")
    assert done.returncode == 0, done.stderr
    assert as_set(exported(fresh)) == as_set(exported(run.database_url))
