"""`scrapy export`: the archive as JSON Lines, one article per line in the crawl feed's schema.

Streams in constant memory (rows fetched in batches; a server-side cursor on PostgreSQL),
to stdout or `-o FILE` (gzip when FILE ends in .gz). The lines come from Archive.export_json
as UTF-8 bytes, most of them made by the database, and go out as they are.

Without --changed-since: the current version of every article (one line per article).
With --changed-since TIME: every version first stored at or after TIME, oldest first (an
article new since then gives one line per version it had; one changed since then gives
its new version(s)). That is what the crawls since TIME wrote to their feeds, so a
consumer that keeps the last line per article_id stays in step with the archive.

The archive is opened read-only and never migrated (newscrawl.readers): an export works on a
read-only mount or as another user, and one it cannot read is one line, exit status 2.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Optional, cast

from newscrawl.cli import EXIT_BROKEN_PIPE, day_option, reader_may_leave, refused
from newscrawl.command import ProjectCommand
from newscrawl.config import ConfigError, NewscrawlConfig, nearest
from newscrawl.db import Archive, ExportFilter


def _day(option: str, value: Optional[str]) -> Optional[str]:
    return day_option("export", option, value)


def _instant(option: str, value: Optional[str]) -> Optional[str]:
    """An ISO date or time as the archive writes times: UTC, seconds, `Z` (naive means UTC)."""
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise refused("export", f"{option} takes an ISO date or time (2026-07-29 or 2026-07-29T13:00:00Z), not {value!r}") from None
    when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def open_output(name: Optional[str]) -> IO[bytes]:
    """stdout, a file, or a gzip file (by its .gz name), for UTF-8 bytes."""
    if name in (None, "-"):
        return sys.stdout.buffer
    path = Path(name)  # type: ignore[arg-type]
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".gz":
        return cast(IO[bytes], gzip.open(path, "wb"))
    return path.open("wb")


class Command(ProjectCommand):
    def syntax(self) -> str:
        return "[-o FILE] [--since DATE] [--until DATE] [--section SLUG] [--changed-since TIME] | --gaps"

    def short_desc(self) -> str:
        return "Export the archive as JSON Lines (the crawl feed's schema)"

    def long_desc(self) -> str:
        return (
            "Export the archive (NEWSCRAWL_DATABASE_URL) as JSON Lines, one article per line with the crawl feed's "
            "fields, streamed. Without --changed-since: the current version of each article. With --changed-since "
            "TIME: every version stored since TIME, oldest first (keep the last line per article_id)."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE (gzip if it ends in .gz); default stdout")
        parser.add_argument("--since", metavar="DATE", help="published on or after DATE (YYYY-MM-DD)")
        parser.add_argument("--until", metavar="DATE", help="published on or before DATE (YYYY-MM-DD)")
        parser.add_argument("--section", metavar="SLUG", help="only this section (e.g. asia; any case)")
        parser.add_argument("--changed-since", metavar="TIME", dest="changed_since",
                            help="every version stored at or after TIME (ISO date or time, UTC)")
        parser.add_argument("--gaps", action="store_true",
                            help="instead of articles, the pages still missing or damaged: the retry record, oldest first")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if args:
            raise refused("export", f"export takes no positional argument, got {' '.join(args)!r}")
        selection = ExportFilter(
            since=_day("--since", opts.since), until=_day("--until", opts.until), section=opts.section,
            changed_since=_instant("--changed-since", opts.changed_since),
        )
        if selection.since and selection.until and selection.until < selection.since:
            raise refused("export", f"--until {selection.until} is before --since {selection.since}")
        if opts.gaps and selection != ExportFilter():
            raise refused("export", "--gaps lists the whole retry record: it takes no --since, --until, --section or --changed-since")
        archive = self._open_archive()
        try:
            if selection.section:  # before -o FILE is made: a mistake writes nothing
                self._check_section(archive, selection.section)
        except BaseException:
            archive.close()
            raise
        count = 0
        out = open_output(opts.output)
        lines = (json.dumps(gap, ensure_ascii=False).encode() for gap in archive.gaps()) if opts.gaps else archive.export_json(selection)
        try:
            with reader_may_leave() as pipe:  # `scrapy export | head`: the reader may have had enough
                for line in lines:
                    out.write(line + b"\n")
                    count += 1
                out.flush()
        finally:
            archive.close()
            if out is not sys.stdout.buffer:
                out.close()
        if pipe.broken:
            self.exitcode = EXIT_BROKEN_PIPE
            return
        what = "gaps (pages on the retry record)" if opts.gaps else "versions" if selection.changed_since else "articles"
        print(f"Exported {count} {what} to {opts.output or 'stdout'}", file=sys.stderr)

    def _open_archive(self) -> Archive:
        assert self.settings is not None
        try:
            # read-only, unmigrated: an export works on a read-only mount and changes nothing
            return Archive(NewscrawlConfig.from_settings(self.settings).database_url, read_only=True)
        except ConfigError as exc:  # a bad setting, or no archive it can read (missing, not SQLite, older schema)
            raise refused("export", str(exc)) from None

    @staticmethod
    def _check_section(archive: Archive, wanted: str) -> None:
        """--section names a section the archive holds (in any case), or the command says which it holds."""
        held = archive.sections()
        if any(section.lower() == wanted.lower() for section in held):
            return
        if not held:
            raise refused("export", f"--section {wanted}: the archive holds no article of any section yet")
        raise refused("export", f"--section {wanted}: the archive holds no article of that section{nearest(wanted.lower(), held)}; "
                                f"its sections: {', '.join(held)}")
