"""`scrapy changes`: the edit log, the archived articles whose text the site changed after the
archive first stored them (newscrawl.history): for each, when it was first seen and when it
changed, how many versions of its text the archive holds, and the words added and removed.
A damaged copy of the page that the archive stored and later repaired is no edit by the site.
Read-only, SQLite and PostgreSQL.
"""

from __future__ import annotations

import argparse

from newscrawl.cli import EXIT_BROKEN_PIPE, reader_may_leave, refused
from newscrawl.command import ProjectCommand
from newscrawl.history import CHANGE_ORDERS, ArticleChanges, ChangeFilter, edit_log
from newscrawl.readout import Output, add_output_options, check_section, count, instant, note, open_archive


class Command(ProjectCommand):
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
        parser.add_argument("--section", metavar="SLUG", help="only articles of this section (e.g. asia; any case)")
        parser.add_argument("--limit", metavar="N", type=int, default=0, help="show N articles (default 0: every one)")
        parser.add_argument("--order", choices=CHANGE_ORDERS, default="largest",
                            help="largest: most words added and removed first (default); newest or oldest: by the last edit")
        add_output_options(parser)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if args:
            raise refused("changes", f"changes takes no positional argument, got {' '.join(args)!r}")
        selection = ChangeFilter(
            since=instant("changes", "--since", opts.since), until=instant("changes", "--until", opts.until, end_of_day=True),
            section=opts.section, order=opts.order,
        )
        limit = count("changes", "--limit", opts.limit)
        if selection.since and selection.until and selection.until < selection.since:
            raise refused("changes", f"--until {selection.until} is before --since {selection.since}")
        engine = open_archive(self.settings, "changes")
        try:
            check_section("changes", engine, selection.section)
            with engine.connect() as conn:
                log = edit_log(conn, selection)
        finally:
            engine.dispose()
        shown = log[:limit] if limit else log
        out = Output(opts.color)
        with reader_may_leave() as pipe:  # `scrapy changes | head`
            for number, changes in enumerate(shown):
                if opts.json:
                    out.json(changes.as_json())
                    continue
                if number:
                    out.line()
                _print(out, changes)
        if pipe.broken:
            self.exitcode = EXIT_BROKEN_PIPE
            return
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
