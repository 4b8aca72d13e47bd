"""`scrapy reparse`: the archive's articles rebuilt from the pages kept in WARC with today's
parsers, cleaning and dedup, without a single request (newscrawl/reparse.py does the work).

It writes the archive, so it takes the archive's lock as a crawl does (exit status 75 when a
crawl holds it). A bad argument or setting, or no WARC file to read: one line, exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional

from scrapy.utils.log import configure_logging

from newscrawl.cli import EXIT_BROKEN_PIPE, day_option, reader_may_leave, refused
from newscrawl.command import ProjectCommand
from newscrawl.config import ConfigError
from newscrawl.extensions import EXIT_LOCKED, CrawlLock, CrawlLocked
from newscrawl.recording import WarcConfig
from newscrawl.reparse import Report, Reparser, Selection, StoredPages, stored_files


def summary(report: Report, dry_run: bool) -> list[str]:
    """What the reparse did, in a few lines."""
    outcomes = report.outcomes
    verb = "would be" if dry_run else ""
    lines = [
        f"Reparsed {report.articles} articles from {report.pages} stored pages in {report.files} WARC files: "
        f"{outcomes['changed']} changed, {outcomes['new']} new, {outcomes['unchanged']} unchanged"
        + (f" ({verb} stored)" if dry_run and (outcomes['changed'] or outcomes['new']) else ""),
    ]
    if report.fields:
        lines.append("Changed fields: " + ", ".join(f"{name} {count}" for name, count in report.fields.most_common()))
    if outcomes["archive_newer"]:
        lines.append(f"Left alone: {outcomes['archive_newer']} articles the archive holds from a later page than the WARC files")
    if outcomes["filtered"]:
        lines.append(f"Not selected (--since/--until/--layout): {outcomes['filtered']} articles")
    if report.skipped:
        lines.append("No article from: " + ", ".join(f"{count} {why}" for why, count in report.skipped.most_common()))
    if report.asked_beyond_backfill:
        lines.append("Rebuilt as asked (--id), though a backfill fetched them from a sitemap outside its window and no "
                     "article of this run names them in READ MORE (the backfill kept such a page only if an article it kept "
                     "named it): " + ", ".join(report.asked_beyond_backfill))
    for torn in report.torn:
        lines.append(f"Torn record skipped: {torn}")
    return lines


class Command(ProjectCommand):
    def syntax(self) -> str:
        return "[WARC_FILE_OR_DIR ...] [--since DATE] [--until DATE] [--by published|fetched] [--id ID] [--layout NAME] [--dry-run] [--workers N]"

    def short_desc(self) -> str:
        return "Rebuild articles from the pages kept in WARC with today's parsers (no request made)"

    def long_desc(self) -> str:
        return (
            "Rebuilds the archive's articles (NEWSCRAWL_DATABASE_URL) from the pages kept in WARC: those in "
            "<data dir>/warc/, or the WARC files (or folders of them) named, made by newscrawl or another tool. Each "
            "article's latest whole page goes through today's parsers, cleaning and dedup; an article that comes out "
            "different is stored with a revision marked as a re-extraction (never as an edit by the site), one the "
            "archive lacks is added. Prints how many articles changed and which fields. Takes the archive's lock as a "
            "crawl does (exit status 75 while a crawl holds it)."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--since", metavar="DATE", help="only articles published (or, with --by fetched, fetched) on or after DATE (YYYY-MM-DD)")
        parser.add_argument("--until", metavar="DATE", help="only articles published (or fetched) on or before DATE (YYYY-MM-DD)")
        parser.add_argument("--by", choices=("published", "fetched"), default="published",
                            help="which date --since/--until read: the article's publication (default) or its page's fetch")
        parser.add_argument("--id", metavar="ID", action="append", default=[],
                            help="only this article id (repeat the option, or give several ids separated by commas)")
        parser.add_argument("--layout", metavar="NAME", choices=("current", "legacy", "fallback"),
                            help="only articles of this layout (current, legacy, fallback), as archived or as parsed today")
        parser.add_argument("--spider", metavar="NAME", help="the spider whose callbacks parse the pages (by default the one that "
                            "wrote the WARC files, else asia)")
        parser.add_argument("--dry-run", action="store_true", dest="dry_run", help="report what would change; write nothing")
        parser.add_argument("--workers", type=int, metavar="N", help="processes that read pages besides this one and the "
                            "archive's writer (by default one per core; with 0 or 1 all is done in this process)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        configure_logging(self.settings)  # the warnings (a torn record, a page's missing field) as a crawl logs them
        selection = Selection(
            since=day_option("reparse", "--since", opts.since), until=day_option("reparse", "--until", opts.until), by=opts.by,
            ids=frozenset(i.strip() for value in opts.id for i in value.split(",") if i.strip()), layout=opts.layout,
        )
        if selection.since and selection.until and selection.until < selection.since:
            raise refused("reparse", f"--until {selection.until} is before --since {selection.since}")
        if opts.workers is not None and opts.workers < 0:
            raise refused("reparse", "--workers takes a number of processes, 0 or more")
        if opts.id and not selection.ids:
            raise refused("reparse", "--id takes an article id, e.g. --id 1125526600")
        try:
            directory = WarcConfig.from_settings(self.settings).directory
        except ConfigError as exc:
            raise refused("reparse", str(exc)) from None
        files = self._files(args, directory)
        lock = None if opts.dry_run else self._lock()
        try:
            report = Report()
            pages = StoredPages(files, report)
            try:
                reparser = Reparser(self.settings, pages, selection, report, dry_run=opts.dry_run, spider_name=opts.spider,
                                    workers=opts.workers)
            except KeyError:
                raise refused("reparse", f"--spider {opts.spider}: no spider of that name") from None
            reparser.run()
        finally:
            if lock is not None:
                lock.release()
        with reader_may_leave() as pipe:  # `scrapy reparse | head -1`
            print("\n".join(summary(report, opts.dry_run)))
        if pipe.broken:
            self.exitcode = EXIT_BROKEN_PIPE

    def _files(self, args: list[str], directory: Path) -> list[Path]:
        for name in args:
            if not Path(name).exists():
                raise refused("reparse", f"no WARC file or folder {name}")
        files = stored_files([Path(a) for a in args] if args else [directory])
        if not files:
            where = ", ".join(args) if args else f"{directory} (the crawls' WARC files)"
            raise refused("reparse", f"no WARC file in {where}: nothing to reparse")
        return files

    def _lock(self) -> Optional[CrawlLock]:
        assert self.settings is not None
        try:
            lock = CrawlLock.for_crawl(self.settings, "reparse")
            if lock is not None:
                lock.acquire()
        except CrawlLocked as exc:
            print(str(exc).replace("this crawl of 'reparse' exits without crawling", "reparse exits without writing"), file=sys.stderr)
            self.exitcode = EXIT_LOCKED
            raise SystemExit(EXIT_LOCKED) from None
        except ConfigError as exc:
            raise refused("reparse", str(exc)) from None
        return lock
