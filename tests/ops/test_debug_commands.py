"""Scrapy's debug commands run the project's spiders and settings, and leave the archive as
it was: no crawl lock taken (they run while a crawl holds it), no crawl recorded, no file
of the archive touched or made."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from newscrawl.db import Archive
from newscrawl.locks import FileLock
from newscrawl.mirror.server import MirrorServer
from tests.archive.conftest import expected_articles
from tests.conftest import PROJECT_ROOT
from tests.ops.conftest import crawl_env, path_of

pytestmark = pytest.mark.e2e


def archive_files(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir()) if p.is_file()}


@pytest.fixture
def archived(tmp_path: Path, manifest: dict[str, Any]) -> Path:
    """An archive of a few articles and one finished crawl, closed (its WAL folded in)."""
    directory = tmp_path / "archive"
    archive = Archive(f"sqlite:///{directory / 'news.sqlite'}")
    crawl_id = archive.start_crawl("asia", {})
    archive.write_batch(list(expected_articles(manifest).values())[:5], crawl_id)
    archive.finish_crawl(crawl_id, "finished", {"new": 5}, {})
    archive.close()
    return directory


@pytest.mark.parametrize("command", ["parse", "fetch", "shell", "check"])
def test_a_debug_command_takes_no_lock_and_leaves_the_archive_as_it_was(
    command: str, archived: Path, mirror: MirrorServer, manifest: dict[str, Any], tmp_path: Path
) -> None:
    article_id = next(iter(manifest["articles"]))
    url = mirror.base_url + path_of(manifest, article_id)
    arguments = {
        "parse": ["parse", "--spider=asia", "-a", f"base_url={mirror.base_url}", "-c", "parse_article", url],
        "fetch": ["fetch", "--spider=asia", "--nolog", url],
        # no URL: `scrapy shell URL -c ...` gets no response here, with or without the archive (Scrapy 2.19)
        "shell": ["shell", "-c", "6 * 7"],
        "check": ["check", "asia"],
    }[command]
    database = archived / "news.sqlite"
    lock = FileLock(archived / "news.sqlite.lock")
    assert lock.acquire("a crawl running meanwhile")
    before = archive_files(archived)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "scrapy", *arguments, "-s", f"NEWSCRAWL_DATABASE_URL=sqlite:///{database}"],
            cwd=PROJECT_ROOT, env=crawl_env(tmp_path), capture_output=True, text=True, timeout=120,
        )
    finally:
        lock.release()
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert "Another crawl is writing this archive" not in output
    assert archive_files(archived) == before  # no crawl row, no write, not even a -wal file
    # no crawl to sum up, and no progress line (it would be drawn over the shell's prompt)
    assert "[newscrawl.summary]" not in output and "Progress: " not in output and "newscrawl.progress.ProgressLog" not in output
    if command == "parse":
        assert f"'article_id': '{article_id}'" in output  # it did parse the page
    if command == "shell":
        assert "42" in done.stdout
