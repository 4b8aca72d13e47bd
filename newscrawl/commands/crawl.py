"""`scrapy crawl`, with clear errors for bad settings or arguments and an exit status that
says whether the crawl could do its job."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any, NoReturn

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings, default_settings
from scrapy.spiderloader import get_spider_loader

from newscrawl.command import check_settings
from newscrawl.config import ARCHIVE_CRAWL, ConfigError, NewscrawlConfig, archive_enabled, nearest
from newscrawl.db import Archive
from newscrawl.extensions import EXIT_LOCKED, CrawlLock, CrawlLocked, catch_refused_start
from newscrawl.feeds import FEED_WRITE_FAILED
from newscrawl.readers import check_archive_file, sqlite_path

logger = logging.getLogger(__name__)

# a bad argument or setting (as for a command-line mistake: Scrapy's UsageError)
EXIT_BAD_INPUT = 2
# finish reasons of a crawls row for a crawl refused before it started (recorded for `scrapy health`)
BAD_ARGUMENT, BAD_SETTING = "bad_argument", "bad_setting"
# the stat of such a row that holds the line the crawl printed
START_ERROR = "newscrawl/start_error"
# finish reasons after which the crawl did not do its job
FAILED_REASONS = frozenset({"start_page_unreachable", "archive_error", BAD_ARGUMENT, BAD_SETTING})


def check_crawl_settings(settings: BaseSettings) -> None:
    """Every setting the crawl reads, read as the crawl will read it (newscrawl.command), and a
    database file that is no database: a wrong setting for a crawl, which would write into it."""
    check_settings(settings)
    check_archive_file(NewscrawlConfig.from_settings(settings).database_url)


def error_line(settings: BaseSettings, message: str) -> None:
    """The one line of a refused start: on stderr, and in LOG_FILE when there is one (a scrapyd
    job's own log), formatted as Scrapy's log lines (Scrapy's logging is not set up yet)."""
    record = logging.LogRecord(__name__, logging.ERROR, __file__, 0, message, None, None)
    line = logging.Formatter(default_settings.LOG_FORMAT, default_settings.LOG_DATEFORMAT).format(record) + "\n"
    sys.stderr.write(line)
    log_file = settings.get("LOG_FILE")
    if log_file:
        try:
            with open(log_file, "a", encoding="utf-8") as fh:
                fh.write(line)
        except OSError:
            pass  # it is on stderr all the same


def record_refused_start(settings: BaseSettings, spider: str, arguments: dict[str, Any], reason: str, message: str) -> None:
    """The refused start as a finished crawls row, so that `scrapy health` shows it (nobody reads
    a scheduled crawl's output). Only in an archive that exists: a mistake does not make one."""
    try:
        if not settings.getbool("NEWSCRAWL_STORE_ENABLED", True):
            return
        database_url = NewscrawlConfig.from_settings(settings).database_url
    except (ConfigError, ValueError):
        return  # the database's own setting is the mistake
    path = sqlite_path(database_url)
    if path is not None and not path.is_file():
        return
    try:
        archive = Archive(database_url)
        try:
            archive.record_refused_start(spider, arguments, reason, {START_ERROR: message})
        finally:
            archive.close()
    except Exception:  # noqa: BLE001 - a record on the side: the error line is out, the exit status says it
        return


class Command(ScrapyCrawlCommand):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        if len(args) == 1:  # run() says what is wrong otherwise
            self.check_start(args[0], opts.spargs)

    def check_start(self, spider: str, arguments: dict[str, Any]) -> None:
        """Settings and arguments, checked before Scrapy logs a word or the crawl starts, so a
        mistake costs nothing and says what it is in one line."""
        assert self.settings is not None
        try:
            check_crawl_settings(self.settings)
        except ConfigError as exc:
            self.refuse(spider, arguments, BAD_SETTING, str(exc))
        loader = get_spider_loader(self.settings)
        try:
            spider_class = loader.load(spider)
        except KeyError:
            names = loader.list()
            self.refuse(spider, arguments, "", f"no spider named {spider!r}{nearest(spider, names)}; the project's spiders: {', '.join(names)}")
        check = getattr(spider_class, "check_arguments", None)
        try:
            if check is not None:
                check(**arguments)
        except ConfigError as exc:
            self.refuse(spider, arguments, BAD_ARGUMENT, str(exc))

    def refuse(self, spider: str, arguments: dict[str, Any], reason: str, message: str) -> NoReturn:
        assert self.settings is not None
        error_line(self.settings, message)
        if reason:
            record_refused_start(self.settings, spider, arguments, reason, message)
        raise UsageError("", print_help=False)  # exit status 2; the line is out already

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("name one spider, e.g. scrapy crawl asia")
        assert self.crawler_process and self.settings is not None
        crawler = self._create_crawler(args[0])
        crawler.settings.set(ARCHIVE_CRAWL, True, priority="cmdline")  # this run, alone, uses the archive
        # before the crawler builds the spider, which reads the archive
        lock = CrawlLock.for_crawl(crawler.settings, args[0])
        try:
            if lock is not None:
                lock.acquire()
            refused = catch_refused_start(self.crawler_process.crawl(crawler, **opts.spargs))  # JOBDIR's lock too
            self.crawler_process.start()
        except CrawlLocked as exc:
            refused = [exc]
        finally:
            if lock is not None:
                lock.release()
        if refused:  # another crawl has the archive, or a component found a bad setting: nothing touched
            logger.error("%s", refused[0])
            self.exitcode = EXIT_LOCKED if isinstance(refused[0], CrawlLocked) else EXIT_BAD_INPUT
            return
        try:
            reason = crawler.stats.get_value("finish_reason")
            # a batch lost while the crawl was closing anyway still fails it; so does a feed
            # not written when there is no archive to write it again from
            lost = crawler.stats.get_value("newscrawl/archive/write_failed", 0) or (
                crawler.stats.get_value(FEED_WRITE_FAILED, 0) and not archive_enabled(crawler.settings))
        except RuntimeError:  # the crawl never started
            reason, lost = None, 0
        if self.crawler_process.bootstrap_failed or reason is None or reason in FAILED_REASONS or lost:
            self.exitcode = 1
