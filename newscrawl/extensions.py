"""Extensions for crawls that run unattended: job directories that resume after any
interruption, one log file per crawl; and the lock that keeps to one crawl
at a time per archive (taken by `scrapy crawl` itself, before its crawler is built).

Settings (read once in from_crawler):
- NEWSCRAWL_LOCK_WAIT: seconds a crawl waits for the one holding the archive's lock (0: exit at once)
- NEWSCRAWL_LOCK_ENABLED: False turns the lock off (default True)
- NEWSCRAWL_LOG_KEEP: crawl log files kept under <data dir>/logs/ (0: none written; default 50)
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings
from scrapy.utils.job import job_dir
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from newscrawl.config import ConfigError, NewscrawlConfig, number_setting
from newscrawl.db import utc_now
from newscrawl.locks import ArchiveLock, FileLock, archive_lock
from newscrawl.logs import CrawlLogHandler, log_file_failed

logger = logging.getLogger(__name__)

# sysexits.h EX_TEMPFAIL: "try again later", so a scheduler can tell "busy" from "failed"
EXIT_LOCKED = 75
# what a job directory holds for Scrapy (the scheduler's queue and dupefilter, SpiderState)
SCRAPY_JOB_STATE = ("requests.queue", "requests.seen", "spider.state")
RUN_MARKER = "newscrawl-run.json"
LOG_NAME_TIME = "%Y-%m-%dT%H-%M-%SZ"


class CrawlLocked(RuntimeError):
    """Another crawl holds the archive (or the job directory); `scrapy crawl` exits with EXIT_LOCKED."""


@dataclass(frozen=True)
class ServerConfig:
    lock_enabled: bool
    lock_wait: float
    log_keep: int
    data_dir: Path
    database_url: str

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> "ServerConfig":
        base = NewscrawlConfig.from_settings(settings)
        return cls(
            lock_enabled=settings.getbool("NEWSCRAWL_LOCK_ENABLED", True),
            lock_wait=number_setting(settings, "NEWSCRAWL_LOCK_WAIT", 0),
            log_keep=int(number_setting(settings, "NEWSCRAWL_LOG_KEEP", 50, whole=True)),
            data_dir=base.data_dir,
            database_url=base.database_url,
        )


def owner_line(spider: str) -> str:
    """How a lock holder describes itself to the crawl it turns away."""
    return f"crawl {spider!r}, pid {os.getpid()} on {socket.gethostname()}, since {utc_now()}"


class CrawlLock:
    """The archive's lock, taken by `scrapy crawl` (newscrawl/commands/crawl.py) before its
    crawler exists, so before anything opens, migrates or reads the archive: a crawl that
    waited for it reads the archive as the crawl before it left it. A second crawl gets
    CrawlLocked at once, or after waiting NEWSCRAWL_LOCK_WAIT seconds. Not an extension:
    extensions are built after the spider, and the debug commands (parse, shell, ...) take no lock."""

    def __init__(self, lock: ArchiveLock, wait: float, spider: str) -> None:
        self.lock = lock
        self.wait = wait
        self.spider = spider

    @classmethod
    def for_crawl(cls, settings: BaseSettings, spider: str) -> Optional["CrawlLock"]:
        """The lock this crawl takes; None when NEWSCRAWL_LOCK_ENABLED is off or the database has none."""
        config = ServerConfig.from_settings(settings)
        if not config.lock_enabled:
            return None
        lock = archive_lock(config.database_url)
        if lock is None:
            logger.warning("No crawl lock for %s: two crawls could write this archive at once", config.database_url)
            return None
        return cls(lock, config.lock_wait, spider)

    def acquire(self) -> None:
        deadline = time.monotonic() + self.wait
        waiting = False
        # nothing runs yet (the reactor starts after this), so sleeping here blocks nobody
        while not self.lock.acquire(owner_line(self.spider)):
            holder = self.lock.holder() or "another crawl"
            left = deadline - time.monotonic()
            if left <= 0:
                advice = "" if self.wait else "; NEWSCRAWL_LOCK_WAIT=SECONDS makes a crawl wait for it instead"
                raise CrawlLocked(
                    f"Another crawl is writing this archive ({holder}; {self.lock.where}): "
                    f"this crawl of {self.spider!r} exits without crawling{advice}"
                )
            if not waiting:
                logger.info("Waiting up to %.0f s for the crawl that holds the archive (%s)", self.wait, holder)
                waiting = True
            time.sleep(min(0.5, left))
        logger.info("Crawl lock taken: %s", self.lock.where)

    def release(self) -> None:
        self.lock.release()


class ResumableJobDir:
    """Makes a JOBDIR resume after any interruption and serve the next crawl once finished.

    Scrapy saves the job's queue and seen-requests when it stops cleanly (Ctrl-C, SIGTERM);
    after SIGKILL or a crash they are half written and would skip or repeat pages. A marker
    file, present while a crawl runs, tells the two apart: a marker left behind means the
    saved state cannot be trusted, so it is dropped and the crawl walks the site again, the
    archive keeping it from storing or fetching again what it already has (settled articles
    are not fetched; their READ MORE links come from the archive). A crawl that finishes
    empties the directory, so the next scheduled crawl starts afresh.
    """

    def __init__(self, crawler: Crawler, path: Path) -> None:
        self.crawler = crawler
        self.path = path
        self.lock = FileLock(path / "newscrawl.lock")
        self.marker = path / RUN_MARKER

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ResumableJobDir":
        directory = job_dir(crawler.settings)
        if not directory:
            raise NotConfigured  # no message: Scrapy would warn, and a crawl without JOBDIR is normal
        extension = cls(crawler, Path(directory).resolve())
        extension.open()
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def open(self) -> None:
        spider = self.crawler.spider.name if self.crawler.spider else "?"
        if not self.lock.acquire(owner_line(spider)):
            raise CrawlLocked(f"JOBDIR {self.path} is in use by another crawl ({self.lock.holder() or 'another process'})")
        stats = self.crawler.stats
        saved = [name for name in SCRAPY_JOB_STATE if (self.path / name).exists()]
        if self.marker.exists():
            left_by = self._read_marker()
            self.clear()
            stats.set_value("newscrawl/jobdir/unclean_resume", 1)
            logger.warning(
                "JOBDIR %s was left by a crawl that did not stop cleanly (%s): its saved queue cannot be "
                "trusted, so this crawl walks the site again; the archive keeps it from storing anything twice",
                self.path, left_by,
            )
        elif saved:
            stats.set_value("newscrawl/jobdir/resumed", 1)
            logger.info("Resuming the crawl saved in JOBDIR %s", self.path)
        record = {"pid": os.getpid(), "spider": spider, "started_at": utc_now()}
        with open(self.marker, "w", encoding="utf-8") as fh:
            json.dump(record, fh)
            fh.flush()
            os.fsync(fh.fileno())

    def _read_marker(self) -> str:
        try:
            record = json.loads(self.marker.read_text(encoding="utf-8"))
            return f"crawl {record.get('spider')!r}, pid {record.get('pid')}, started {record.get('started_at')}"
        except (OSError, ValueError):
            return "no record of it"

    def clear(self) -> None:
        for name in SCRAPY_JOB_STATE:
            target = self.path / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()

    def engine_stopped(self) -> None:
        # Scrapy has saved its state by now (the scheduler closes before the engine stops)
        from newscrawl.commands.crawl import FAILED_REASONS  # the crawl command imports this module

        reason = self.crawler.stats.get_value("finish_reason")
        if reason == "finished" or reason in FAILED_REASONS:
            self.clear()
            logger.info("JOBDIR %s emptied: the crawl is over (%s)", self.path, reason)
        else:
            logger.info("JOBDIR %s keeps the crawl (%s): the same command resumes it", self.path, reason)
        self.marker.unlink(missing_ok=True)
        self.lock.release()


class CrawlLogFile:
    """Every crawl's log in <data dir>/logs/<spider>-<UTC time>.log, besides wherever LOG_FILE
    or stderr sends it; the newest NEWSCRAWL_LOG_KEEP such files are kept. A file that cannot
    be made or written (a full or read-only disk) is one ERROR line, then the crawl goes on
    without it (newscrawl.logs.CrawlLogHandler)."""

    def __init__(self, crawler: Crawler, directory: Path, keep: int) -> None:
        self.crawler = crawler
        self.directory = directory
        self.keep = keep
        self.handler: Optional[logging.Handler] = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "CrawlLogFile":
        config = ServerConfig.from_settings(crawler.settings)
        if config.log_keep == 0 or not crawler.settings.getbool("LOG_ENABLED"):
            raise NotConfigured("NEWSCRAWL_LOG_KEEP is 0 or logging is off")
        extension = cls(crawler, config.data_dir / "logs", config.log_keep)
        extension.open(crawler.settings)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def open(self, settings: BaseSettings) -> None:
        spider = self.crawler.spider.name if self.crawler.spider else "crawl"
        stamp = datetime.now(timezone.utc).strftime(LOG_NAME_TIME)
        path = self.directory / f"{spider}-{stamp}.log"
        if path.exists():  # two crawls of one spider in one second: another archive
            path = self.directory / f"{spider}-{stamp}-{os.getpid()}.log"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            handler = CrawlLogHandler(path, settings.get("LOG_ENCODING") or "utf-8", self.write_failed)
        except OSError as exc:  # a read-only or full disk: the crawl goes on, its log on stderr
            self.write_failed(exc)
            log_file_failed(path, exc)
            return
        handler.setFormatter(logging.Formatter(settings.get("LOG_FORMAT"), settings.get("LOG_DATEFORMAT")))
        handler.setLevel(settings.get("LOG_LEVEL"))
        logging.getLogger().addHandler(handler)
        self.handler = handler
        self.crawler.stats.set_value("newscrawl/log_file", str(path))
        logger.info("This crawl's log: %s", path)
        self.prune(path)

    def write_failed(self, _error: OSError) -> None:
        self.crawler.stats.set_value("newscrawl/log_file_failed", 1)

    def prune(self, current: Path) -> None:
        logs = [p for p in self.directory.glob("*-????-??-??T??-??-??Z*.log") if p != current]
        logs.sort(key=lambda p: p.stat().st_mtime)
        for old in logs[: max(0, len(logs) - (self.keep - 1))]:
            old.unlink(missing_ok=True)

    def engine_stopped(self) -> None:
        if self.handler is not None:
            logging.getLogger().removeHandler(self.handler)
            self.handler.close()
            self.handler = None


def catch_refused_start(running: Any) -> list[CrawlLocked | ConfigError]:
    """The CrawlLocked (or the ConfigError of a component's setting) a crawl's start raised, caught
    from the Task (asyncio reactor) or Deferred that CrawlerProcess.crawl returned, so the crawl
    command reports it in one line."""
    caught: list[CrawlLocked | ConfigError] = []
    if isinstance(running, asyncio.Future):

        def done(task: asyncio.Future[Any]) -> None:
            error = None if task.cancelled() else task.exception()  # retrieved: asyncio logs it no more
            if isinstance(error, (CrawlLocked, ConfigError)):
                caught.append(error)
            elif error is not None:
                logger.error("The crawl failed to start", exc_info=error)

        running.add_done_callback(done)
    elif isinstance(running, Deferred):

        def failed(failure: Failure) -> Optional[Failure]:
            if failure.check(CrawlLocked, ConfigError):
                caught.append(failure.value)
                return None
            return failure

        running.addErrback(failed)
    return caught
