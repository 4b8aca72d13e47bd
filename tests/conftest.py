"""Shared fixtures: a bundled mirror served on a free port, and a real crawl of it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

import pytest

from newscrawl.mirror.build import build_mirror
from newscrawl.mirror.server import MirrorServer
from tests import procs

pytest_plugins = ["tests.ci_skips"]  # in CI a skipped test fails

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# the shared folder beside the checkout (as CI lays it), else the copy kept in docs/shared
SHARED = PROJECT_ROOT.parent / "shared" if (PROJECT_ROOT.parent / "shared").is_dir() else PROJECT_ROOT / "docs" / "shared"
# Every process this run starts inherits the marker, so the run can find them at its end.
SESSION_MARKER = os.environ.setdefault(procs.SESSION_VARIABLE, uuid.uuid4().hex)
# what a process of the run may take to end once the fixture that started it is torn down
LEFTOVER_GRACE_SECONDS = 10

# Small enough for CI, large enough to hold every trap of the corpus.
E2E_ARTICLES = 60
# READ MORE hops a crawl follows by default (NEWSCRAWL_READ_MORE_DEPTH)
DEFAULT_DEPTH = 2


def within_depth(manifest: dict[str, Any], depth: int = DEFAULT_DEPTH) -> set[str]:
    """The ids of every article a crawl of the mirror stores: those at most `depth` READ MORE
    hops from the index, by the manifest."""
    return {i for i, a in manifest["articles"].items() if a["hops"] is not None and a["hops"] <= depth}


def backfill_keeps(manifest: dict[str, Any], since: str, until: str, depth: int = DEFAULT_DEPTH) -> set[str]:
    """The ids of every article a backfill of [since, until] stores, by the manifest: the Asia
    articles published in the window, and those their READ MORE links reach within `depth` hops."""
    articles = manifest["articles"]
    by_url = {a["url"]: i for i, a in articles.items()}
    # a link may name an article by its old URL, which the site redirects to the article's own
    by_path = {urlsplit(url).path: i for url, i in by_url.items()}
    for links in manifest["read_more"].values():
        for url in links:
            target = manifest["redirects"].get(urlsplit(url).path)
            if target in by_path:
                by_url[url] = by_path[target]
    seeds = {i for i, a in articles.items() if a["section"] == "asia" and since <= (a["expected"]["published_at"] or "")[:10] <= until}
    assert seeds, "the mirror has no Asia article in the window"
    expected, frontier = set(seeds), set(seeds)
    for _hop in range(depth):
        frontier = {by_url[u] for i in frontier for u in manifest["read_more"].get(i, []) if u in by_url} - expected
        expected |= frontier
    return expected


@dataclass
class CrawlRun:
    returncode: int
    log: str
    database_url: str
    feed: Path
    data_dir: Path

    def feed_items(self) -> list[dict[str, Any]]:
        if not self.feed.exists():
            return []
        return [json.loads(line) for line in self.feed.read_text(encoding="utf-8").splitlines() if line.strip()]


def run_crawl(
    base_url: str, workdir: Path, *args: str, database_url: str | None = None, spider: str = "asia", timeout: float = 300,
    output: bool = True,
) -> CrawlRun:
    """`scrapy crawl` in a subprocess, as a user runs it, into files under workdir
    (the feed into workdir/out.jsonl with -O, or the default FEEDS when output is False)."""
    workdir.mkdir(parents=True, exist_ok=True)
    database_url = database_url or f"sqlite:///{workdir / 'news.sqlite'}"
    feed = workdir / "out.jsonl"
    command = [
        sys.executable, "-m", "scrapy", "crawl", spider, "-a", f"base_url={base_url}", *(["-O", str(feed)] if output else []),
        "-s", f"NEWSCRAWL_DATABASE_URL={database_url}", "-s", "AUTOTHROTTLE_ENABLED=False", *args,
    ]
    env = {**os.environ, "NEWSCRAWL_DATA_DIR": str(workdir / "data")}
    done = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    return CrawlRun(done.returncode, done.stdout + done.stderr, database_url, feed, workdir / "data")


@pytest.fixture(scope="session", autouse=True)
def no_process_left_behind() -> Iterator[None]:
    """The run leaves no process of its own running: a crawl's writer, resource tracker or
    browser outliving it (say after a kill -9) is killed here, and fails the run."""
    yield  # set up first, so torn down last: after every fixture that runs a server
    deadline = time.monotonic() + LEFTOVER_GRACE_SECONDS
    left = procs.of_session(SESSION_MARKER)
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = procs.of_session(SESSION_MARKER)
    procs.kill_all(left)
    assert not left, "processes of this test run still running (killed now):\n" + "\n".join(
        f"  pid {p.pid} (parent {p.ppid}): {p.command[:200]}" for p in left
    )


@pytest.fixture(scope="session")
def mirror_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("mirror") / "edition1"
    build_mirror(root, n_asia=E2E_ARTICLES)
    return root


@pytest.fixture(scope="session")
def manifest(mirror_root: Path) -> dict[str, Any]:
    return json.loads((mirror_root / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def mirror(mirror_root: Path) -> Iterator[MirrorServer]:
    with MirrorServer(mirror_root) as server:
        yield server
