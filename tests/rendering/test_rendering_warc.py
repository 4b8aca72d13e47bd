"""Rendered pages in WARC: the browser's HTML is kept as a `conversion` record linked to the
static page's response record, and `scrapy reparse` rebuilds the rendered articles from it
without a browser. Real crawl, Debian's Chromium; expectations from the mirror's manifest."""

from __future__ import annotations

import os
from html import unescape
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from newscrawl.mirror.server import MirrorServer
from newscrawl.warc import warc_files
from tests.archive.conftest import as_set, run_export
from tests.conftest import PROJECT_ROOT, run_crawl

pytestmark = pytest.mark.e2e


def test_the_browsers_html_is_kept_and_reparse_rebuilds_rendered_articles_from_it(
    chromium: str, scripted_mirror: MirrorServer, scripted_manifest: dict[str, Any], tmp_path: Path
) -> None:
    run = run_crawl(scripted_mirror.base_url, tmp_path)
    assert run.returncode == 0, run.log[-3000:]
    scripted = scripted_manifest["scripted"]
    records = []
    for path in warc_files(run.data_dir / "warc"):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream, check_digests=True):
                header = record.rec_headers.get_header
                records.append((record.rec_type, header("WARC-Record-ID"), header("WARC-Refers-To"),
                                urlsplit(header("WARC-Target-URI") or "").path, record.content_stream().read()))
    conversions = [r for r in records if r[0] == "conversion"]
    responses = {r[1]: r for r in records if r[0] == "response"}
    # one per script-built page, each the rendering of that page's static response
    pages = {scripted_manifest["articles"][i]["paths"][0] for i in scripted}
    assert sorted(r[3] for r in conversions) == sorted(pages)
    for _kind, _id, refers_to, page, html in conversions:
        static = responses[refers_to]
        assert static[3] == page and html != static[4]
        # the article text the page's script writes into the page is in the browser's HTML alone
        article_id = next(i for i in scripted if scripted_manifest["articles"][i]["paths"][0] == page)
        first = scripted_manifest["articles"][article_id]["expected"]["body"].split("\n\n")[0][:40]
        assert first in unescape(html.decode("utf-8")) and b"</body>" in html
    # (without the browser's HTML, reparse would find no body on these pages and store none of them)

    rebuilt = f"sqlite:///{tmp_path / 'rebuilt.sqlite'}"
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", "reparse", "-s", f"NEWSCRAWL_DATABASE_URL={rebuilt}", "-s", "NEWSCRAWL_RENDERING_ENABLED=False"],
        cwd=PROJECT_ROOT, env={**os.environ, "NEWSCRAWL_DATA_DIR": str(run.data_dir)}, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    crawled = run_export(run.database_url).lines()
    assert set(scripted) <= {line["article_id"] for line in crawled}
    assert as_set(run_export(rebuilt).lines()) == as_set(crawled)
