"""The archive's writer process: `Archive.write_batch` (near-duplicate search included) runs in
a child process, so the crawl's process goes on downloading and parsing while a batch is
written. Batches are written one at a time, in the order they were handed over.

The child ignores SIGINT and SIGTERM: Ctrl-C or `systemctl stop` reach the whole process
group, and the crawl's process shuts down gracefully, handing over its last batch and
waiting for it; only then is the child told to exit. A child that dies anyway fails its
batches with `ArchiveWriteError`, and the crawl stops (what is committed stays committed).

The child also ends when the crawl's process ends without telling it (SIGKILL, OOM killer,
a crash): orphaned under PID 1 it would hold the archive open forever, and with it
multiprocessing's resource tracker, which exits only once every holder of its pipe is gone.
On Linux the kernel kills it at once (prctl PR_SET_PDEATHSIG); everywhere, a thread of it
watches its parent and ends it within a second of the parent's end. An uncommitted batch
rolls back whole, as after any kill.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import resource
import signal
import sys
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from importlib.machinery import ModuleSpec
from typing import Iterator, Optional, Sequence

from newscrawl.db import Archive, WriteOutcome
from newscrawl.healing import PageFailure, RetryPolicy
from newscrawl.items import Article


class ArchiveWriteError(Exception):
    """A batch that was not stored: its transaction rolled back whole."""


_archive: Optional[Archive] = None  # the child's own connection pool


# <linux/prctl.h>: the signal the kernel sends this process when its parent ends
PR_SET_PDEATHSIG = 1
# how often the watchdog thread asks whether the parent is still there
PARENT_CHECK_SECONDS = 0.5


def _open_in_child(
    database_url: str, near_duplicate_threshold: float, retry_policy: RetryPolicy, parent_pid: int, from_main_thread: bool,
) -> None:
    global _archive
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _end_with_parent(parent_pid, from_main_thread)
    _archive = Archive(database_url, near_duplicate_threshold, retry_policy)


def _end_with_parent(parent_pid: int, from_main_thread: bool) -> None:
    """This process ends when `parent_pid` (the crawl's process) ends, however that ends."""
    # the kernel sends it when the *thread* that started this child ends: only the main
    # thread lives as long as the crawl's process
    if from_main_thread and sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # no libc prctl: the watchdog alone
            pass
    if os.getppid() != parent_pid:  # the parent ended before prctl: no signal would come
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="newscrawl-parent-watch", daemon=True).start()


def _watch_parent(parent_pid: int) -> None:
    """The portable fallback: an orphan is re-parented (to PID 1 or a subreaper)."""
    while os.getppid() == parent_pid:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)  # no clean-up: SQLite rolls back the open transaction


def _ready() -> bool:
    return _archive is not None


def peak_rss_mb() -> float:
    """This process's own peak RSS. Not ru_maxrss: Linux carries into it the peak of the image
    before exec, i.e. the crawl's RSS at the moment it forked this child."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux gives KiB


def _write_in_child(batch: Sequence[Article], crawl_id: Optional[int], failures: Sequence[PageFailure]) -> list[WriteOutcome]:
    assert _archive is not None
    try:
        return _archive.write_batch(batch, crawl_id, failures)
    except Exception as exc:  # noqa: BLE001 - re-raised as one plain, picklable error
        cause = str(exc).splitlines()[0] if str(exc) else ""
        raise ArchiveWriteError(f"{type(exc).__name__}: {cause}") from None


@contextmanager
def _main_script_left_out() -> Iterator[None]:
    """Starts a spawned child without running the parent's main script in it.

    spawn runs the parent's main module again in the child (as `__mp_main__`) unless it is
    named `__main__` or `<package>.__main__`. `scrapy crawl` starts from Scrapy's console
    script, which imports Scrapy and Twisted: about 30 MB the writer never uses. The child
    needs only what it unpickles, all of it in newscrawl's own modules.
    """
    main = sys.modules["__main__"]
    saved = getattr(main, "__spec__", None)
    main.__spec__ = ModuleSpec("__main__", None)
    try:
        yield
    finally:
        main.__spec__ = saved


class ArchiveWriter:
    """Hands batches to the writer process; each `submit` gives a future of the batch's outcomes."""

    def __init__(self, database_url: str, near_duplicate_threshold: float, retry_policy: RetryPolicy = RetryPolicy()) -> None:
        # spawn, not fork: the crawl's process has threads and open SQLite connections,
        # which must not be copied into the child
        self._pool = ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn"),
            initializer=_open_in_child,
            initargs=(database_url, near_duplicate_threshold, retry_policy, os.getpid(), threading.current_thread() is threading.main_thread()),
        )
        # starts the child now, so its start-up overlaps the first pages of the crawl
        with _main_script_left_out():
            self._started: Future[bool] = self._pool.submit(_ready)

    def submit(
        self, batch: Sequence[Article], crawl_id: Optional[int], failures: Sequence[PageFailure] = (),
    ) -> Future[list[WriteOutcome]]:
        try:
            return self._pool.submit(_write_in_child, list(batch), crawl_id, list(failures))
        except (BrokenProcessPool, RuntimeError) as exc:  # the child died earlier: this batch fails the same way
            failed: Future[list[WriteOutcome]] = Future()
            failed.set_exception(ArchiveWriteError(f"the archive writer process is gone ({type(exc).__name__})"))
            return failed

    def close(self) -> Optional[float]:
        """Wait for every batch handed over, then let the child exit; the child's peak RSS
        in MB (the crawl's memory is the two processes'), None if it died."""
        try:
            peak: Optional[float] = self._pool.submit(peak_rss_mb).result()
        except Exception:  # noqa: BLE001 - the child died: its batches said so already
            peak = None
        self._pool.shutdown(wait=True)
        return peak
