"""The processes a test run starts, read from /proc: a crawl's children (the archive writer,
multiprocessing's resource tracker, Playwright's driver and Chromium), and whatever the run
leaves behind. Linux only; elsewhere every list is empty."""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

PROC = Path("/proc")
# every process the test run starts inherits it (tests/conftest.py sets it at import)
SESSION_VARIABLE = "NEWSCRAWLTESTS_SESSION"  # no NEWSCRAWL_ prefix: the crawl refuses unknown ones


@dataclass(frozen=True)
class Process:
    pid: int
    ppid: int
    state: str  # "Z": a zombie, dead already
    command: str

    @property
    def is_writer(self) -> bool:
        return "multiprocessing.spawn" in self.command and "spawn_main" in self.command

    @property
    def is_resource_tracker(self) -> bool:
        return "multiprocessing.resource_tracker" in self.command


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:  # gone meanwhile, or another user's
        return b""


def processes() -> Iterator[Process]:
    if not PROC.is_dir():
        return
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        stat = _read(entry / "stat").decode(errors="replace")
        if not stat:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses
        state, ppid = stat[stat.rindex(")") + 2 :].split()[:2]
        command = _read(entry / "cmdline").replace(b"\0", b" ").decode(errors="replace").strip()
        yield Process(int(entry.name), int(ppid), state, command)


def descendants(pid: int) -> list[Process]:
    """Every living process started by `pid`, its children's children too."""
    table = [p for p in processes() if p.state != "Z"]
    found: list[Process] = []
    parents = {pid}
    while True:
        more = [p for p in table if p.ppid in parents and p not in found]
        if not more:
            return found
        found += more
        parents = {p.pid for p in more}


def alive(pids: set[int]) -> list[Process]:
    return [p for p in processes() if p.pid in pids and p.state != "Z"]


def of_session(marker: str) -> list[Process]:
    """Living processes (this one aside) whose environment carries this run's marker."""
    needle = f"{SESSION_VARIABLE}={marker}".encode()
    return [
        p for p in processes()
        if p.pid != os.getpid() and p.state != "Z" and needle in _read(PROC / str(p.pid) / "environ").split(b"\0")
    ]


def kill_all(found: list[Process]) -> None:
    for process in found:
        try:
            os.kill(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
