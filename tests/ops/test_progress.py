"""The progress line: checked on crawls of a few seconds of the mirror with the interval set
low, in the log file (plain lines) and on a terminal (a pseudo-terminal: one line in place)."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Optional

import pytest

from newscrawl.mirror.server import MirrorServer
from tests.conftest import PROJECT_ROOT, run_crawl
from tests.ops.conftest import SLOW, crawl_env, expected_ids, query, start_crawl, stored_ids

pytestmark = pytest.mark.e2e

LINE = re.compile(
    r"Progress: (?P<pages>[\d,]+) pages? fetched \((?P<pages_rate>[\d,]+)/min\), "
    r"(?P<articles>[\d,]+) articles? committed \((?P<articles_rate>[\d,]+)/min\), "
    r"(?P<queued>[\d,]+) articles? queued, (?P<index>[\d,]+) index pages? walked, "
    r"(?P<failed>[\d,]+) pages? failed(?:, ETA (?P<eta>\d+s|\d+m\d\ds|\d+h\d\dm))?$"
)
INTERVAL = "0.3"


def figures(line: str) -> dict[str, Any]:
    found = LINE.search(line)
    assert found, f"not a progress line: {line!r}"
    values: dict[str, Any] = {k: int(v.replace(",", "")) for k, v in found.groupdict().items() if k != "eta" and v is not None}
    values["eta"] = found.group("eta")
    return values


def progress_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "[newscrawl.progress] INFO: Progress: " in line]


def crawl_stats(workdir: Path) -> dict[str, Any]:
    return json.loads(query(workdir / "news.sqlite", "SELECT stats FROM crawls ORDER BY id DESC")[0][0])


def test_progress_lines_say_how_the_crawl_goes_and_committed_means_committed(
    mirror: MirrorServer, manifest: dict[str, Any], tmp_path: Path
) -> None:
    """Each line read while the crawl runs: the archive holds at least the articles it calls
    committed (their rows are there when the line is read), the figures only grow, the ETA comes
    once the index is walked, and the last line agrees with the crawl's stats."""
    process = start_crawl(mirror.base_url, tmp_path, *SLOW, "-s", f"NEWSCRAWL_PROGRESS_INTERVAL={INTERVAL}")
    database = tmp_path / "news.sqlite"
    seen: list[tuple[dict[str, Any], int]] = []  # (the line's figures, rows in the archive when read)
    while True:
        finished = process.poll() is not None
        log_files = list((tmp_path / "data" / "logs").glob("asia-*.log"))
        lines = progress_lines(log_files[0].read_text(encoding="utf-8")) if log_files else []
        for line in lines[len(seen):]:
            seen.append((figures(line), len(stored_ids(database))))
        if finished:
            break
        time.sleep(0.05)
    assert process.returncode == 0, (tmp_path / "crawl.log").read_text()[-3000:]

    stats = crawl_stats(tmp_path)
    assert len(seen) >= 5, f"a crawl of {stats['elapsed_time_seconds']:.1f}s at {INTERVAL}s gave {len(seen)} lines"
    for line, rows in seen:
        # a first crawl: every committed article is a new row of the archive
        assert line["articles"] <= rows, f"{line['articles']} articles said committed, {rows} rows in the archive"
    for earlier, later in zip(seen, seen[1:]):
        for key in ("pages", "articles", "index", "failed"):
            assert earlier[0][key] <= later[0][key], key
    index_pages = manifest["counts"]["index_pages"]
    with_eta = [line for line, _rows in seen if line["eta"]]
    assert with_eta, "no ETA once the index was walked"
    assert all(line["index"] == index_pages for line in with_eta), "an ETA before the whole index was walked"
    assert any(line["index"] < index_pages and not line["eta"] for line, _rows in seen), "the walk of the index was never seen"
    assert any(line["queued"] > 0 for line, _rows in seen) and max(line["queued"] for line, _rows in seen) <= len(manifest["articles"])
    assert any(line["pages_rate"] > 0 and line["articles_rate"] > 0 for line, _rows in seen)

    last = seen[-1][0]
    assert last["pages"] <= stats["response_received_count"]
    assert last["articles"] <= stats["newscrawl/stored/new"] == len(expected_ids(manifest))
    assert last["failed"] <= stats["newscrawl/pages_failed"]
    assert stats["newscrawl/queued_articles"] == 0  # nothing left in the queue at the end


def test_no_progress_line_with_the_interval_at_0(mirror: MirrorServer, tmp_path: Path) -> None:
    run = run_crawl(mirror.base_url, tmp_path, "-s", "NEWSCRAWL_PROGRESS_INTERVAL=0", "-s", "NEWSCRAWL_READ_MORE_DEPTH=0")
    assert run.returncode == 0, run.log[-3000:]
    assert "Progress: " not in run.log and "Disabled newscrawl.progress" not in run.log


def read_terminal(master: int, process: subprocess.Popen[bytes], timeout: float = 120) -> bytes:
    """Everything the crawl wrote to its terminal, until it exits."""
    out = bytearray()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the terminal closed: the crawl and its children are gone
                break
            if not chunk:
                break
            out += chunk
        elif process.poll() is not None:
            break
    return bytes(out)


def crawl_on_a_terminal(base_url: str, workdir: Path, *args: str) -> tuple[int, str, Optional[str]]:
    """`scrapy crawl` with stderr (and stdout) on a pseudo-terminal, as a person runs it:
    (exit status, what the terminal got, the crawl's log file)."""
    master, slave = pty.openpty()
    command = [
        sys.executable, "-m", "scrapy", "crawl", "asia", "-a", f"base_url={base_url}",
        "-s", f"NEWSCRAWL_DATABASE_URL=sqlite:///{workdir / 'news.sqlite'}", "-s", "AUTOTHROTTLE_ENABLED=False", *args,
    ]
    try:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env={**crawl_env(workdir), "COLUMNS": "300"},
                                   stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    finally:
        os.close(slave)
    try:
        screen = read_terminal(master, process)
        status = process.wait(timeout=60)
    finally:
        os.close(master)
    logs = list((workdir / "data" / "logs").glob("asia-*.log"))
    return status, screen.decode("utf-8", "replace"), (logs[0].read_text(encoding="utf-8") if logs else None)


def test_on_a_terminal_the_progress_line_stays_in_place(mirror: MirrorServer, tmp_path: Path) -> None:
    status, screen, log = crawl_on_a_terminal(mirror.base_url, tmp_path, *SLOW, "-s", f"NEWSCRAWL_PROGRESS_INTERVAL={INTERVAL}")
    assert status == 0, screen[-3000:]
    assert log is not None
    # the log file: plain lines, each with its time
    assert len(progress_lines(log)) >= 5
    # the terminal: the line drawn in place (carriage return, erase to the end of the line),
    # without the log's prefix, and never written as a log line of its own
    drawn = re.findall(r"\r(Progress: [^\r\n\x1b]*)\x1b\[K", screen)
    assert len(drawn) >= len(progress_lines(log)), "the progress line is not drawn in place"
    for text in drawn:
        figures(text)
    assert "[newscrawl.progress] INFO: Progress:" not in screen
    # a log line written meanwhile clears the progress line first, then the line is drawn again
    # below it (the terminal turns \n into \r\n)
    assert re.search(r"\r\x1b\[K\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[[^\]]+\] (INFO|ERROR|WARNING): [^\r\n]*\r?\n\rProgress: ", screen)
    # once the spider is closed (its last batch committed) the line is gone: the summary follows, once
    closed = screen.index("[scrapy.statscollectors] INFO: Dumping Scrapy stats")
    assert "\rProgress: " not in screen[closed:]
    assert screen.count(" of asia: finished in ") == 1


def test_with_a_log_file_the_terminal_shows_the_progress_line_and_the_summary(mirror: MirrorServer, tmp_path: Path) -> None:
    """LOG_FILE (as the demo runs the crawl): the terminal gets the progress line and the summary,
    the file every log line."""
    log_file = tmp_path / "own.log"
    status, screen, _log = crawl_on_a_terminal(
        mirror.base_url, tmp_path, *SLOW, "-s", f"NEWSCRAWL_PROGRESS_INTERVAL={INTERVAL}", "-s", f"LOG_FILE={log_file}")
    assert status == 0, screen[-3000:]
    assert re.search(r"\rProgress: [^\r\n]* pages? fetched", screen)
    assert "[scrapy" not in screen and "INFO:" not in screen  # no log line on the terminal
    assert re.search(r"Crawl \d+ of asia: finished in ", screen)
    assert len(progress_lines(log_file.read_text(encoding="utf-8"))) >= 5


@pytest.mark.parametrize("value", [INTERVAL, "0"])
def test_scrapys_logstats_interval_is_honoured_and_named_once(mirror: MirrorServer, tmp_path: Path, value: str) -> None:
    """-s LOGSTATS_INTERVAL (Scrapy's LogStats is off: the progress line takes its place) sets the
    line's interval, and one line says so and names newscrawl's own setting."""
    run = run_crawl(mirror.base_url, tmp_path, *SLOW, "-s", f"LOGSTATS_INTERVAL={value}", "-s", "NEWSCRAWL_READ_MORE_DEPTH=0")
    assert run.returncode == 0, run.log[-3000:]
    [said] = [line for line in run.log.splitlines() if "as LOGSTATS_INTERVAL=" in line]
    assert said.endswith(f"[newscrawl.progress] INFO: {f'A progress line every {value}s' if value != '0' else 'No progress line'}, "
                         f"as LOGSTATS_INTERVAL={value} asks: the progress line takes the place of Scrapy's LogStats line "
                         "(newscrawl's own setting for it is NEWSCRAWL_PROGRESS_INTERVAL)")
    elapsed = crawl_stats(tmp_path)["elapsed_time_seconds"]
    lines = progress_lines(run.log)
    if value == "0":
        assert not lines
    else:
        assert elapsed > 3 and len(lines) >= elapsed / float(INTERVAL) / 2, (elapsed, len(lines))
        for line in lines:
            figures(line)
