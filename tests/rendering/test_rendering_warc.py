"""Rendered pages in WARC: the browser's HTML is kept as a `conversion` record linked to the
static page's response record, what the browser fetched itself (the page again, the live
blogs' JSON) as request and response records, and `scrapy reparse` rebuilds the rendered
articles from them without a browser. Real crawls, Debian's Chromium; expectations from the
mirror's manifest, its files and its server's own request log."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from html import unescape
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from newscrawl.mirror.server import MirrorServer
from newscrawl.warc import warc_files
from tests.archive.conftest import as_set, run_export
from tests.conftest import PROJECT_ROOT, CrawlRun, run_crawl
from tests.rendering.conftest import stat

pytestmark = pytest.mark.e2e

Served = list[tuple[str, dict[str, str]]]


def target(uri: str) -> str:
    parts = urlsplit(uri)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def served_to_the_browser(served: Served) -> list[str]:
    """What the mirror served to Chromium: Chromium's requests carry Sec-Fetch-* headers, Scrapy's none."""
    return [path for path, headers in served if "sec-fetch-dest" in headers]


def read_all(paths: list[Path]) -> list[dict[str, Any]]:
    """Every record of these files as warcio reads it, every digest checked."""
    found = []
    for path in paths:
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream, check_digests=True):
                payload = record.content_stream().read()
                assert record.digest_checker.passed is not False, (path, record.digest_checker.problems)
                header = record.rec_headers.get_header
                http = record.http_headers if record.rec_type in ("request", "response", "revisit") else None
                found.append({
                    "type": record.rec_type, "id": header("WARC-Record-ID"), "path": target(header("WARC-Target-URI") or ""),
                    "refers_to": header("WARC-Refers-To"), "concurrent_to": header("WARC-Concurrent-To"),
                    "page": header("WARC-Page-ID"), "resource": header("WARC-Resource-Type"),
                    "status": int(http.get_statuscode()) if http is not None and record.rec_type != "request" else None,
                    "headers": {name.lower(): value for name, value in http.headers} if http is not None else {}, "payload": payload,
                })
    return found


def mirror_file(root: Path, path: str) -> bytes:
    routes = json.loads((root / "routes.json").read_text(encoding="utf-8"))
    return (root / routes[path]["file"]).read_bytes()


@pytest.fixture(scope="module")
def module_mirror(scripted_root: Path) -> Iterator[MirrorServer]:
    """One server for the module: a re-crawl asks the same URLs as the first crawl."""
    with MirrorServer(scripted_root) as server:
        yield server


@pytest.fixture(scope="module")
def rendered_crawl(chromium: str, module_mirror: MirrorServer, tmp_path_factory: pytest.TempPathFactory) -> tuple[CrawlRun, Served]:
    """A crawl of the mirror with its script-built pages, and what the mirror served to whom."""
    module_mirror.reset_requests()
    run = run_crawl(module_mirror.base_url, tmp_path_factory.mktemp("rendered"))
    assert run.returncode == 0, run.log[-3000:]
    return run, list(module_mirror.requests_with_headers)


def test_the_browsers_html_is_kept_and_reparse_rebuilds_rendered_articles_from_it(
    rendered_crawl: tuple[CrawlRun, Served], scripted_manifest: dict[str, Any], tmp_path: Path
) -> None:
    run, _served = rendered_crawl
    scripted = scripted_manifest["scripted"]
    records = read_all(warc_files(run.data_dir / "warc"))
    conversions = [r for r in records if r["type"] == "conversion"]
    responses = {r["id"]: r for r in records if r["type"] == "response"}
    # one per script-built page, each the rendering of that page's static response
    pages = {scripted_manifest["articles"][i]["paths"][0] for i in scripted}
    assert sorted(r["path"] for r in conversions) == sorted(pages)
    for conversion in conversions:
        static = responses[conversion["refers_to"]]
        html = conversion["payload"]
        assert static["path"] == conversion["path"] and html != static["payload"] and static["page"] is None
        # the article text the page's script writes into the page is in the browser's HTML alone
        article_id = next(i for i in scripted if scripted_manifest["articles"][i]["paths"][0] == conversion["path"])
        first = scripted_manifest["articles"][article_id]["expected"]["body"].split("\n\n")[0][:40]
        assert first in unescape(html.decode("utf-8")) and b"</body>" in html
    # (without the browser's HTML, reparse would find no body on these pages and store none of them;
    # had it taken the browser's own fetch of a page for the page, it would find none either)

    rebuilt = f"sqlite:///{tmp_path / 'rebuilt.sqlite'}"
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", "reparse", "-s", f"NEWSCRAWL_DATABASE_URL={rebuilt}", "-s", "NEWSCRAWL_RENDERING_ENABLED=False"],
        cwd=PROJECT_ROOT, env={**os.environ, "NEWSCRAWL_DATA_DIR": str(run.data_dir)}, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    crawled = run_export(run.database_url).lines()
    assert set(scripted) <= {line["article_id"] for line in crawled}
    assert as_set(run_export(rebuilt).lines()) == as_set(crawled)
    # the browser's fetches are not pages: as many pages read as articles rebuilt
    assert f"Reparsed {len(crawled)} articles from {len(crawled)} stored pages" in done.stdout, done.stdout


def test_what_the_browser_fetched_itself_is_kept_with_its_requests(
    rendered_crawl: tuple[CrawlRun, Served], scripted_manifest: dict[str, Any], scripted_root: Path
) -> None:
    run, served = rendered_crawl
    scripted = scripted_manifest["scripted"]
    pages = {scripted_manifest["articles"][i]["paths"][0]: i for i in scripted}
    feeds = [path for i in scripted for path in scripted_manifest["scripted"][i]["data"]]
    to_browser = served_to_the_browser(served)
    # the mirror served Chromium each script-built page and each live blog's JSON, nothing else
    assert Counter(to_browser) == Counter([*pages, *feeds]) and len(feeds) == 2
    records = read_all(warc_files(run.data_dir / "warc"))
    answers = [r for r in records if r["type"] in ("response", "revisit") and r["page"]]
    # each answer Chromium got is a record, named with its rendering's page id
    assert Counter(r["path"] for r in answers) == Counter(to_browser)
    requests = {r["concurrent_to"]: r for r in records if r["type"] == "request"}
    conversion_of = {r["path"]: r for r in records if r["type"] == "conversion"}
    for answer in answers:
        request = requests[answer["id"]]  # the request Chromium sent, concurrent to its answer
        assert request["path"] == answer["path"] and request["page"] == answer["page"]
        assert answer["status"] == 200
    # each request with the very header lines the mirror received (Chromium's own among them)
    sent = Counter((path, frozenset(headers.items())) for path, headers in served if "sec-fetch-dest" in headers)
    assert Counter((requests[a["id"]]["path"], frozenset(requests[a["id"]]["headers"].items())) for a in answers) == sent
    for path in feeds:  # the live blog's JSON, byte for byte as the mirror's file, in its page's rendering
        feed = next(r for r in answers if r["path"] == path)
        assert feed["type"] == "response" and feed["resource"] == "fetch"
        assert feed["payload"] == mirror_file(scripted_root, path)
        assert int(feed["headers"]["content-length"]) == len(feed["payload"])
        page = next(p for p, i in pages.items() if path in scripted_manifest["scripted"][i]["data"])
        assert feed["page"] == conversion_of[page]["page"]
    originals = {r["id"]: r for r in records if r["type"] == "response"}
    for path in pages:  # Chromium fetched the page again: the same payload, a revisit of the static response
        again = next(r for r in answers if r["path"] == path)
        assert again["type"] == "revisit" and again["resource"] == "document" and again["page"] == conversion_of[path]["page"]
        assert originals[again["refers_to"]]["path"] == path and originals[again["refers_to"]]["page"] is None
    # the requests the rendering aborted (the pages' photos: images, and on another host) left no record
    photos = {src for path in pages for src in re.findall(rb'<img[^>]*\ssrc="([^"]+)"', mirror_file(scripted_root, path))}
    assert photos and stat(run.log, "playwright/request_count/aborted") >= len(photos)
    assert not {r["path"] for r in records} & {target(src.decode()) for src in photos}
    assert stat(run.log, "newscrawl/warc/browser_responses") == len(to_browser)
    assert stat(run.log, "newscrawl/warc/browser_not_kept") == stat(run.log, "newscrawl/warc/browser_unfinished") == 0


def test_a_recrawl_keeps_the_browsers_unchanged_answers_as_revisits(
    rendered_crawl: tuple[CrawlRun, Served], module_mirror: MirrorServer, tmp_path: Path
) -> None:
    run, _served = rendered_crawl
    workdir = tmp_path / "again"
    shutil.copytree(run.data_dir, workdir / "data")
    first_files = warc_files(workdir / "data" / "warc")
    module_mirror.reset_requests()
    again = run_crawl(module_mirror.base_url, workdir, "-a", "refresh=all")  # every page fetched and rendered again
    assert again.returncode == 0, again.log[-3000:]
    to_browser = served_to_the_browser(list(module_mirror.requests_with_headers))
    assert to_browser
    new_files = [p for p in warc_files(workdir / "data" / "warc") if p not in first_files]
    answers = [r for r in read_all(new_files) if r["type"] in ("response", "revisit") and r["page"]]
    assert Counter(r["path"] for r in answers) == Counter(to_browser)
    # the mirror did not change: each is a revisit of a record the first crawl wrote
    first_ids = {r["id"] for r in read_all(first_files)}
    assert {r["type"] for r in answers} == {"revisit"} and all(r["refers_to"] in first_ids for r in answers)
    assert all(r["payload"] == b"" for r in answers)


@pytest.mark.parametrize("setting,kept_per_rendering", [
    ("NEWSCRAWL_WARC_BROWSER_MAX_RESPONSES=1", 1),
    ("NEWSCRAWL_WARC_BROWSER_MAX_BYTES=1000", 0),  # less than any page, and than any live blog's JSON
])
def test_what_the_browser_fetches_is_kept_within_a_cap_per_rendering(
    chromium: str, module_mirror: MirrorServer, scripted_manifest: dict[str, Any], scripted_root: Path, tmp_path: Path,
    setting: str, kept_per_rendering: int,
) -> None:
    scripted = scripted_manifest["scripted"]
    feeds = [path for i in scripted for path in scripted_manifest["scripted"][i]["data"]]
    assert all(len(mirror_file(scripted_root, path)) > 1000 for path in feeds)
    module_mirror.reset_requests()
    run = run_crawl(module_mirror.base_url, tmp_path, "-s", setting)
    assert run.returncode == 0, run.log[-3000:]
    to_browser = served_to_the_browser(list(module_mirror.requests_with_headers))
    assert len(to_browser) == len(scripted) + len(feeds)  # the cap keeps records, not the rendering, short
    records = read_all(warc_files(run.data_dir / "warc"))
    answers = [r for r in records if r["type"] in ("response", "revisit") and r["page"]]
    assert Counter(r["page"] for r in answers) == Counter({r["page"]: kept_per_rendering for r in records if r["type"] == "conversion"}
                                                          if kept_per_rendering else {})
    not_kept = len(to_browser) - len(answers)
    assert not_kept > 0 and stat(run.log, "newscrawl/warc/browser_not_kept") == not_kept
    assert run.log.count("answers past that are not kept in WARC") == 1  # warned once
    # the rendered articles are stored all the same
    stored = {item["article_id"] for item in run.feed_items()}
    assert set(scripted) <= stored
