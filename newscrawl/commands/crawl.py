"""`scrapy crawl`, with clear errors for bad settings or arguments and an exit status that
says whether the crawl could do its job."""

from __future__ import annotations

import argparse
import logging

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from newscrawl.config import ARCHIVE_CRAWL, ConfigError, NewscrawlConfig
from newscrawl.extensions import EXIT_LOCKED, CrawlLock, CrawlLocked, catch_crawl_locked

logger = logging.getLogger(__name__)

# finish reasons after which the crawl did not do its job
FAILED_REASONS = frozenset({"start_page_unreachable", "archive_error"})


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("name one spider, e.g. scrapy crawl asia")
        assert self.crawler_process and self.settings is not None
        try:
            # checked before the crawl starts, so a mistake costs nothing and says what it is
            NewscrawlConfig.from_settings(self.settings)
            spider_class = self.crawler_process.spider_loader.load(args[0])
            check = getattr(spider_class, "check_arguments", None)
            if check is not None:
                check(**opts.spargs)
        except ConfigError as exc:
            raise UsageError(str(exc), print_help=False) from None
        crawler = self._create_crawler(args[0])
        crawler.settings.set(ARCHIVE_CRAWL, True, priority="cmdline")  # this run, alone, uses the archive
        # before the crawler builds the spider, which reads the archive
        lock = CrawlLock.for_crawl(crawler.settings, args[0])
        try:
            if lock is not None:
                lock.acquire()
            locked = catch_crawl_locked(self.crawler_process.crawl(crawler, **opts.spargs))  # JOBDIR's lock
            self.crawler_process.start()
        except CrawlLocked as exc:
            locked = [exc]
        finally:
            if lock is not None:
                lock.release()
        if locked:  # another crawl has the archive: this one touched nothing
            logger.error("%s", locked[0])
            self.exitcode = EXIT_LOCKED
            return
        try:
            reason = crawler.stats.get_value("finish_reason")
            # a batch lost while the crawl was closing anyway still fails it
            lost = crawler.stats.get_value("newscrawl/archive/write_failed", 0)
        except RuntimeError:  # the crawl never started
            reason, lost = None, 0
        if self.crawler_process.bootstrap_failed or reason is None or reason in FAILED_REASONS or lost:
            self.exitcode = 1
