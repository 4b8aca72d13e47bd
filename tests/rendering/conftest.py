"""Fixtures for the rendering tests: a mirror with script-built pages, the browser, and a
watch on the processes a crawl starts (Chromium, Playwright's driver)."""

from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import pytest

from newscrawl.mirror.build import build_mirror
from newscrawl.mirror.server import MirrorServer
from newscrawl.rendering import find_chromium

# The smallest mirror the generator makes: every trap, plus the four script-built pages.
SCRIPTED_ARTICLES = 30


@pytest.fixture(scope="session")
def chromium() -> str:
    found = find_chromium()
    if found is None:
        pytest.skip("no Chromium: apt-get install chromium (bash scripts/setup.sh does)")
    return found


@pytest.fixture(scope="session")
def scripted_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("scripted") / "mirror"
    build_mirror(root, n_asia=SCRIPTED_ARTICLES, scripted=True)
    return root


@pytest.fixture(scope="session")
def scripted_manifest(scripted_root: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((scripted_root / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["scripted"]) == 4, "the mirror's four script-built pages are missing"  # tests loop over them
    return manifest


@pytest.fixture()
def scripted_mirror(scripted_root: Path) -> Iterator[MirrorServer]:
    with MirrorServer(scripted_root) as server:
        yield server


def stat(log: str, key: str) -> int:
    """A counter from the stats Scrapy dumps at the end of a crawl log (0 when absent)."""
    found = re.search(rf"'{re.escape(key)}': (\d+)", log)
    return int(found.group(1)) if found else 0


# -- processes --------------------------------------------------------------------------

def _parent_and_cmdline(pid: int) -> Optional[tuple[int, str]]:
    try:
        stat_line = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None  # gone meanwhile
    # the command name is in parentheses and may hold spaces: the parent pid follows the last ")"
    return int(stat_line.rsplit(")", 1)[1].split()[1]), cmdline


def descendants(root_pid: int) -> dict[int, str]:
    """pid -> command line of every process below root_pid."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            found = _parent_and_cmdline(int(entry))
            if found:
                table[int(entry)] = found
    below: dict[int, str] = {}
    frontier = {root_pid}
    while frontier:
        frontier = {pid for pid, (parent, _) in table.items() if parent in frontier and pid not in below}
        below.update({pid: table[pid][1] for pid in frontier})
    return below


def is_browser(cmdline: str) -> bool:
    """Chromium's main process (its helpers carry --type=...)."""
    program = cmdline.split(" ", 1)[0]
    return ("chrom" in os.path.basename(program)) and "--type=" not in cmdline


def is_playwright(cmdline: str) -> bool:
    return "chrom" in cmdline or "run-driver" in cmdline


class ProcessWatch:
    """Polls the processes below this test process while a crawl runs (in a thread).

    `seen` keeps every command line met; `on_page`, if given, is called once with the pid of
    Chromium's main process as soon as it renders a page (it has a renderer process).
    Processes already running when the watch starts (another test's server or browser, kept
    for its whole package) are not the crawl's: they are left out."""

    def __init__(self, on_page: Optional[Callable[[int], None]] = None, interval: float = 0.01) -> None:
        self.on_page = on_page
        self.interval = interval
        self.seen: dict[int, str] = {}
        self.browser_pid: Optional[int] = None
        self._earlier: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            below = {pid: cmdline for pid, cmdline in descendants(me).items() if pid not in self._earlier}
            for pid, cmdline in below.items():
                self.seen.setdefault(pid, cmdline)
            browser = next((pid for pid, cmdline in below.items() if is_browser(cmdline)), None)
            if self.browser_pid is None and browser and any("--type=renderer" in c for c in below.values()):
                self.browser_pid = browser
                if self.on_page:
                    self.on_page(browser)
            time.sleep(self.interval)

    def __enter__(self) -> "ProcessWatch":
        self._earlier = set(descendants(os.getpid()))  # before the crawl starts
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def kill(pid: int) -> None:
    """SIGKILL one process this test's crawl started (by its id only)."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
