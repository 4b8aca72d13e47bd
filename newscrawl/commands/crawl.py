"""`scrapy crawl`, with an exit status that says whether the crawl could do its job."""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from newscrawl.config import ConfigError

# finish reasons after which the crawl did not do its job
FAILED_REASONS = frozenset({"start_page_unreachable", "archive_error"})


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("name one spider: scrapy crawl asia")
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        try:
            self.crawler_process.crawl(crawler, **opts.spargs)
        except ConfigError as exc:
            raise UsageError(str(exc), print_help=False) from None
        self.crawler_process.start()
        reason = crawler.stats.get_value("finish_reason") if crawler.stats else None
        if self.crawler_process.bootstrap_failed or reason in FAILED_REASONS:
            self.exitcode = 1
