"""`scrapy search QUERY`: the archive's articles that match a full-text query, best first.

The index and the query language: newscrawl/search.py and newscrawl/search_query.py. Read-only
(newscrawl.readers): it works beside a running crawl, on a read-only mount, on SQLite and on
PostgreSQL. A query that cannot be parsed, a bad option or an archive it cannot read: one
line, exit status 2.
"""

from __future__ import annotations

import argparse

from newscrawl.cli import EXIT_BROKEN_PIPE, day_option, reader_may_leave, refused
from newscrawl.command import ProjectCommand
from newscrawl.readout import Output, add_output_options, check_section, count, note, open_archive
from newscrawl.search import ORDERS, SearchFilter, SearchResults, search_archive
from newscrawl.search_query import QueryError

_INDENT = " " * 12


class Command(ProjectCommand):
    def syntax(self) -> str:
        return "[options] QUERY"

    def short_desc(self) -> str:
        return "Search the archive's articles (full text: title, lead, body, tags, authors)"

    def long_desc(self) -> str:
        return (
            'Search the archive (NEWSCRAWL_DATABASE_URL). QUERY: words (all of them), "a phrase", prefix* , '
            "OR, AND, NOT or -word, (parentheses); AND, OR and NOT in capitals. Words match as the index holds "
            "them: case and accents folded, English stems (sanctions finds sanction). Each hit: the date it was "
            "published, title, URL and a passage with the matches marked; --json gives the feed's fields plus "
            "rank and snippet, one article per line. The count of matches goes to stderr."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--since", metavar="DATE", help="published on or after DATE (YYYY-MM-DD)")
        parser.add_argument("--until", metavar="DATE", help="published on or before DATE (YYYY-MM-DD)")
        parser.add_argument("--section", metavar="SLUG", help="only this section (e.g. asia; any case)")
        parser.add_argument("--tag", metavar="TAG", action="append", default=[],
                            help="only articles with this tag (exact, any case; repeat for several, all required)")
        parser.add_argument("--author", metavar="NAME", action="append", default=[],
                            help="only articles by this author (exact, any case; repeat for several, all required)")
        parser.add_argument("--limit", metavar="N", type=int, default=20, help="show N articles (default 20; 0: every match)")
        parser.add_argument("--order", choices=ORDERS, default="rank",
                            help="rank: best match first (default); newest or oldest: by date published")
        add_output_options(parser)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        query = " ".join(args).strip()
        if not query:
            raise refused("search", "search takes a query: scrapy search WORDS (scrapy search -h says how to write one)")
        selection = SearchFilter(
            since=day_option("search", "--since", opts.since), until=day_option("search", "--until", opts.until), section=opts.section,
            tags=tuple(opts.tag), authors=tuple(opts.author), limit=count("search", "--limit", opts.limit), order=opts.order,
        )
        if selection.since and selection.until and selection.until < selection.since:
            raise refused("search", f"--until {selection.until} is before --since {selection.since}")
        engine = open_archive(self.settings, "search")
        out = Output(opts.color)
        try:
            check_section("search", engine, selection.section)
            results = search_archive(engine, query, selection, out.marks("**", "bold", "yellow"))
        except QueryError as exc:
            raise refused("search", f"cannot search for {query!r}: {exc}") from None
        finally:
            engine.dispose()
        with reader_may_leave() as pipe:  # `scrapy search ... | head`
            if opts.json:
                for hit in results.hits:
                    out.json({**hit.article, "rank": round(hit.rank, 6), "snippet": hit.snippet})
            else:
                self._print(out, results)
        if pipe.broken:
            self.exitcode = EXIT_BROKEN_PIPE
            return
        note(_summary(results, query, selection))

    @staticmethod
    def _print(out: Output, results: SearchResults) -> None:
        for number, hit in enumerate(results.hits):
            if number:
                out.line()
            published = (hit.article["published_at"] or "")[:10] or "(no date)"
            out.line(f"{out.paint(published.ljust(10), 'cyan')}  {out.paint(hit.article['title'], 'bold')}")
            out.line(f"{_INDENT}{hit.article['url']}")
            if hit.snippet:
                out.line(f"{_INDENT}{hit.snippet}")


def _summary(results: SearchResults, query: str, selection: SearchFilter) -> str:
    if not results.total:
        return f"No article matches {query!r}"
    shown = len(results.hits)
    matches = f"{results.total} articles match" if results.total != 1 else "1 article matches"
    if shown < results.total:
        return f"{matches}; {shown} shown (--limit {selection.limit}; 0 shows every one)"
    return matches
