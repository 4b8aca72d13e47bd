"""Fixtures of the browse tests: an archive crawled from the bundled mirror (edition 1, then
edition 2 with its edits; both with the article whose text quotes markup), `scrapy browse`
serving it as a user starts it, and Chromium (Debian's, through Playwright).

Screenshots go to <pytest's base temporary folder>/screenshots (`--basetemp DIR` puts them
in DIR/screenshots)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest

from newscrawl.mirror.build import build_mirror
from newscrawl.mirror.hostile import add_markup_article
from newscrawl.mirror.server import MirrorServer
from newscrawl.rendering import find_chromium
from tests.conftest import PROJECT_ROOT, run_crawl

BROWSE_ARTICLES = 60
DEPTH = 2  # NEWSCRAWL_READ_MORE_DEPTH's default: what a crawl stores


def within_depth(manifest: dict[str, Any]) -> set[str]:
    return {i for i, a in manifest["articles"].items() if a["hops"] is not None and a["hops"] <= DEPTH}


@dataclass
class BrowsedArchive:
    """The archive and what the mirror's two editions say it holds."""

    path: Path
    manifest1: dict[str, Any]
    manifest2: dict[str, Any]
    second_crawl_days: set[str]  # the UTC day(s) the edition-2 crawl ran on
    stored: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> the expected item now (edition 2)

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.path}"

    @property
    def changed(self) -> list[str]:
        return list(self.manifest1["changed_in_edition"]["2"])

    @property
    def markup_id(self) -> str:
        return str(self.manifest2["hostile"]["markup_text"])

    def file_state(self) -> str:
        """The archive's bytes (the database and its write-ahead log, if one is there)."""
        digest = hashlib.sha256()
        for path in (self.path, self.path.with_name(self.path.name + "-wal")):
            if path.exists():
                digest.update(path.read_bytes())
        return digest.hexdigest()


@pytest.fixture(scope="session")
def browsed_archive(tmp_path_factory: pytest.TempPathFactory) -> BrowsedArchive:
    base = tmp_path_factory.mktemp("browse")
    now = datetime.now(timezone.utc)
    manifests = []
    for edition in (1, 2):
        root = base / f"edition{edition}"
        build_mirror(root, n_asia=BROWSE_ARTICLES, edition=edition, now=now)
        add_markup_article(root)
        manifests.append(json.loads((root / "manifest.json").read_text(encoding="utf-8")))
    one, two = manifests
    assert one["hostile"]["markup_text"] == two["hostile"]["markup_text"]
    database = base / "archive.sqlite"
    url = f"sqlite:///{database}"
    with MirrorServer(base / "edition1") as server:
        first = run_crawl(server.base_url, base / "first", database_url=url)
        assert first.returncode == 0, first.log[-3000:]
        server.root = base / "edition2"
        server.reset_requests()
        days = {datetime.now(timezone.utc).date().isoformat()}
        second = run_crawl(server.base_url, base / "second", database_url=url)
        days.add(datetime.now(timezone.utc).date().isoformat())
        assert second.returncode == 0, second.log[-3000:]
    stored_ids = within_depth(one) | within_depth(two)
    archive = BrowsedArchive(database, one, two, days, {i: two["articles"][i]["expected"] for i in sorted(stored_ids)})
    assert set(one["changed_in_edition"]["2"]) <= stored_ids
    return archive


# -- scrapy browse -------------------------------------------------------------------------
@dataclass
class BrowseServer:
    process: subprocess.Popen[str]
    url: str  # http://127.0.0.1:PORT (no trailing slash)
    first_line: str

    def stop(self) -> tuple[int, str]:
        """SIGTERM, as systemd stops it; (exit status, stderr)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        assert self.process.stderr is not None
        return self.process.returncode, self.process.stderr.read()


def browse_command(database_url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "scrapy", "browse", "-s", f"NEWSCRAWL_DATABASE_URL={database_url}", *args]


def start_browse(database_url: str, *args: str, timeout: float = 60, env: dict[str, str] | None = None) -> BrowseServer:
    """`scrapy browse --port 0 ...` as a user starts it (`env`: more environment); the URL from its first line."""
    process = subprocess.Popen(browse_command(database_url, "--port", "0", *args), cwd=PROJECT_ROOT, env={**os.environ, **(env or {})},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        ready, _, _ = select.select([process.stdout], [], [], 0.2)
        if ready:
            line = process.stdout.readline()
            found = re.search(r"at (http://127\.0\.0\.1:\d+)/ ", line)
            assert found, line
            return BrowseServer(process, found.group(1), line.strip())
    server = BrowseServer(process, "", "")
    code, stderr = server.stop()
    raise AssertionError(f"scrapy browse did not start (exit {code}): {stderr[-3000:]}")


@pytest.fixture(scope="session")
def archive_state(browsed_archive: BrowsedArchive) -> str:
    """The archive's bytes before any browsing (every test compares at its end)."""
    return browsed_archive.file_state()


@pytest.fixture(scope="package")  # stopped after tests/browse: the rendering tests watch for browsers
def browse(browsed_archive: BrowsedArchive, archive_state: str) -> Iterator[BrowseServer]:
    server = start_browse(browsed_archive.database_url)
    try:
        yield server
    finally:
        code, stderr = server.stop()
        assert code == 0 and "Traceback" not in stderr, stderr[-3000:]


# -- Chromium ------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.getbasetemp() / "screenshots"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="package")  # stopped after tests/browse: the rendering tests watch for browsers
def browser() -> Iterator[Any]:
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no Chromium: apt-get install chromium (scripts/system-deps.sh does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=["--disable-background-networking", "--no-first-run"])
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Watched:
    """A browser tab, and everything it complained of: console errors, uncaught script errors,
    dialogs (an alert() would be a script that ran), requests that left 127.0.0.1."""

    page: Any
    folder: Path
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)

    def screenshot(self, name: str) -> Path:
        path = self.folder / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def assert_quiet(self) -> None:
        assert not self.console_errors, self.console_errors
        assert not self.page_errors, self.page_errors
        assert not self.dialogs, self.dialogs
        assert not self.outside_requests, self.outside_requests


@pytest.fixture()
def tab(browser: Any, screenshots: Path) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watched = Watched(page, screenshots)
    page.on("console", lambda message: watched.console_errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: watched.page_errors.append(str(error)))

    def on_dialog(dialog: Any) -> None:
        watched.dialogs.append(dialog.message)
        dialog.dismiss()
    page.on("dialog", on_dialog)

    def route(request_route: Any) -> None:  # nothing leaves this machine: a page needs nothing from outside
        url = request_route.request.url
        if url.startswith("http://127.0.0.1:") or url.startswith("data:"):
            request_route.continue_()
        else:
            watched.outside_requests.append(url)
            request_route.abort()
    page.route("**/*", route)
    try:
        yield watched
    finally:
        context.close()
