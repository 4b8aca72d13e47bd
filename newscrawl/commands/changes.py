"""`scrapy changes`: the edit log, the archived articles whose text the site changed after the
archive first stored them (newscrawl.history): for each, when it was first seen and when it
changed, how many versions of its text the archive holds, and the words added and removed.
A damaged copy of the page that the archive stored and later repaired is no edit by the site.
Read-only, SQLite and PostgreSQL.
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any, ClassVar, Optional

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from newscrawl.commands.export import _instant
from newscrawl.history import CHANGE_ORDERS, ArticleChanges, ChangeFilter, edit_log
from newscrawl.readout import Output, add_output_options, note, open_archive, positive_count


def _end_of(option: str, value: Optional[str]) -> Optional[str]:
    """--until: a time, or a date meaning the whole of that day."""
    if value is not None and len(value) == 10:
        try:
            return date.fromisoformat(value).isoformat() + "T23:59:59Z"
        except ValueError:
            pass  # _instant says what is wrong
    return _instant(option, value)


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_LEVEL": "WARNING"}

    def syntax(self) -> str:
        return "[--since TIME] [--until TIME] [--section SLUG] [--limit N] [--order ORDER] [--json]"

    def short_desc(self) -> str:
        return "The edit log: articles whose text changed after they were first archived"

    def long_desc(self) -> str:
        return (
            "List the archived articles (NEWSCRAWL_DATABASE_URL) whose text the site changed after the archive first "
            "stored them, largest change first: when each was first seen and when it changed, how many versions "
            "of its text the archive holds, words added and removed, and which fields changed. --since and --until "
            "select the edits by the time the archive stored them. scrapy diff ARTICLE shows an edit."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--since", metavar="TIME", help="edits stored at or after TIME (ISO date or time, UTC)")
        parser.add_argument("--until", metavar="TIME", help="edits stored at or before TIME (a date: the whole day)")
        parser.add_argument("--section", metavar="SLUG", help="only articles of this section (e.g. asia)")
        parser.add_argument("--limit", metavar="N", type=int, default=0, help="show N articles (default 0: every one)")
        parser.add_argument("--order", choices=CHANGE_ORDERS, default="largest",
                            help="largest: most words added and removed first (default); newest or oldest: by the last edit")
        add_output_options(parser)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if args:
            raise UsageError(f"changes takes no positional argument, got {' '.join(args)!r}", print_help=False)
        selection = ChangeFilter(
            since=_instant("--since", opts.since), until=_end_of("--until", opts.until), section=opts.section, order=opts.order,
        )
        limit = positive_count("--limit", opts.limit)
        if selection.since and selection.until and selection.until < selection.since:
            raise UsageError(f"--until {selection.until} is before --since {selection.since}", print_help=False)
        engine = open_archive(self.settings, "changes")
        try:
            with engine.connect() as conn:
                log = edit_log(conn, selection)
        finally:
            engine.dispose()
        shown = log[:limit] if limit else log
        with Output(opts.color) as out:
            for number, changes in enumerate(shown):
                if opts.json:
                    out.json(changes.as_json())
                    continue
                if number:
                    out.line()
                _print(out, changes)
            out.stream.flush()
        note(_summary(log, len(shown), bool(opts.since or opts.until)))


def _summary(log: list[ArticleChanges], shown: int, window: bool) -> str:
    if not log:
        return "No article changed after it was first archived" + (" in that window" if window else "")
    edits = sum(len(c.edits) for c in log)
    text = f"{len(log)} article{'s' if len(log) != 1 else ''} changed ({edits} edit{'s' if edits != 1 else ''})"
    return text + (f"; {shown} shown (--limit)" if shown < len(log) else "")


def _print(out: Output, changes: ArticleChanges) -> None:
    article = changes.article
    size = f"{out.paint(f'+{changes.words_added}', 'green')} {out.paint(f'-{changes.words_removed}', 'red')} words"
    edits = f"{len(changes.edits)} edit{'s' if len(changes.edits) != 1 else ''}"
    out.line(f"{out.paint(article['article_id'], 'cyan')}  {size}, {edits}, {changes.revisions} versions of its text"
             + (f" (and {changes.damaged_copies} damaged cop{'ies' if changes.damaged_copies > 1 else 'y'})" if changes.damaged_copies else ""))
    out.line(f"    {out.paint(article['title'], 'bold')}")
    out.line(f"    {article['url']}")
    out.line(f"    first seen {changes.first_seen_at}, changed {', '.join(e.after.seen_at for e in changes.edits)}"
             f"; fields: {', '.join(changes.fields_changed)}")
