"""A crawl's processes end with it: after a kill -9 of the crawl, its archive writer and
multiprocessing's resource tracker are gone within seconds (read from /proc)."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import pytest

from newscrawl.mirror.server import MirrorServer
from tests import procs
from tests.ops.conftest import SLOW, finish, log_of, start_crawl, stored_ids, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")]

# the writer's watchdog looks every 0.5 s; the kernel's parent-death signal is at once
GONE_WITHIN = 5


def test_a_killed_crawl_leaves_no_writer_and_no_resource_tracker(mirror: MirrorServer, tmp_path: Path) -> None:
    crawl = start_crawl(mirror.base_url, tmp_path, *SLOW, "-s", "NEWSCRAWL_BATCH_SIZE=3")
    try:
        wait_for(lambda: bool(stored_ids(tmp_path / "news.sqlite")), what="a batch written by the writer process")
        children = procs.descendants(crawl.pid)
        assert any(p.is_writer for p in children), children
        assert any(p.is_resource_tracker for p in children), children
        crawl.send_signal(signal.SIGKILL)  # the crawl's process alone, as the OOM killer does
        assert finish(crawl) == -signal.SIGKILL, log_of(tmp_path)[-3000:]
    finally:
        crawl.kill()
    pids = {p.pid for p in children}
    wait_for(lambda: not procs.alive(pids), timeout=GONE_WITHIN, what=f"the crawl's children {children} to end")
