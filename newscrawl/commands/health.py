"""`scrapy health`: the archive's recent crawls and what needs a look; exit status 1 when
something does, so cron and monitoring can act on it (newscrawl/health.py has the checks)."""

from __future__ import annotations

import argparse

from scrapy.spiderloader import get_spider_loader

from newscrawl.cli import EXIT_BROKEN_PIPE, reader_may_leave, refused
from newscrawl.command import ProjectCommand
from newscrawl.config import ConfigError
from newscrawl.health import HealthConfig, UnknownSpider, check_health


class Command(ProjectCommand):
    def syntax(self) -> str:
        return "[--last N] [--spider NAME] [--quiet]"

    def short_desc(self) -> str:
        return "Recent crawls and what needs a look (exit status 1 when something does)"

    def long_desc(self) -> str:
        return (
            "Lists the archive's recent crawls (NEWSCRAWL_DATABASE_URL) and flags what needs a look: the newest "
            "crawl failed, was killed, or found no article; NEWSCRAWL_HEALTH_NO_NEW_CRAWLS (6) crawls in a row "
            "without a new article; an error rate at or over NEWSCRAWL_HEALTH_ERROR_RATE (0.10) in a crawl of "
            "NEWSCRAWL_HEALTH_MIN_PAGES (20) pages or more; layout-change "
            "warnings (fallback parser, index without articles, missing fields); no feed stored (its articles wait for the "
            "next crawl's feed); with NEWSCRAWL_HEALTH_MAX_AGE_HOURS, "
            "no crawl for that long. Exit status 0: healthy, 1: something needs a look, 2: a bad setting, or no "
            "archive it can read (missing, unreadable, not SQLite, an older schema: run a crawl to upgrade it)."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--last", type=int, metavar="N", help="crawls shown and compared (NEWSCRAWL_HEALTH_CRAWLS, 10)")
        parser.add_argument("--spider", metavar="NAME", help="only this spider's crawls (any case)")
        parser.add_argument("-q", "--quiet", action="store_true", help="print nothing when nothing needs a look (for cron)")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        if opts.last is not None:
            if opts.last < 1:
                raise refused("health", "--last takes a number of crawls, 1 or more")
            self.settings.set("NEWSCRAWL_HEALTH_CRAWLS", opts.last, priority="cmdline")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if args:
            raise refused("health", f"health takes no positional argument, got {' '.join(args)!r}")
        try:
            config = HealthConfig.from_settings(self.settings)
        except ConfigError as exc:  # a bad setting: one line, exit status 2
            raise refused("health", str(exc)) from None
        try:
            report = check_health(config, opts.spider, get_spider_loader(self.settings).list())
        except UnknownSpider as exc:  # a misspelt --spider: one line, exit status 2
            raise refused("health", str(exc)) from None
        with reader_may_leave() as pipe:  # `scrapy health | head -1`
            if report.findings or not opts.quiet:
                print(report.text())
        # 2: no archive it can read (missing, unreadable, not SQLite, another schema), named in the report
        self.exitcode = EXIT_BROKEN_PIPE if pipe.broken else 2 if report.unreadable else 1 if report.findings else 0
