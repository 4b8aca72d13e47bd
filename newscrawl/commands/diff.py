"""`scrapy diff ARTICLE [REV_A [REV_B]]`: what changed in an article between two of its
versions (newscrawl.history), word by word with its paragraphs kept, and in its metadata.

Default: the site's last edit (the last two versions of the site's text; a damaged copy of
the page the archive stored and later repaired is no version of the site's). REV_A alone:
from REV_A to the newest version. On a terminal, deleted words in red and inserted words in
green; piped, [-deleted-] and {+inserted+} (git's --word-diff markers); --json for programs.
Read-only, SQLite and PostgreSQL.
"""

from __future__ import annotations

import argparse
from typing import Any, Optional, Sequence

from newscrawl.cli import EXIT_BROKEN_PIPE, reader_may_leave, refused
from newscrawl.command import ProjectCommand

from newscrawl.history import TEXT_FIELDS, History, Piece, Version, VersionDiff, diff_versions, read_history, starts_paragraph
from newscrawl.readout import Output, add_output_options, note, open_archive
from newscrawl.urls import article_id_from_url


def article_id_argument(value: str) -> str:
    """An article id, or the id in an article's URL (as `scrapy search` shows them)."""
    if "/" not in value:
        return value
    found = article_id_from_url(value)
    if found is None:
        raise refused("diff", f"{value} is no article URL of the site: give an article id or an article's URL")
    return found


class Command(ProjectCommand):
    def syntax(self) -> str:
        return "[options] ARTICLE [REV_A [REV_B]]"

    def short_desc(self) -> str:
        return "Show what changed in an archived article between two of its versions"

    def long_desc(self) -> str:
        return (
            "Show what changed in an article (its id, or its URL) between two versions the archive stored: the "
            "title, lead and body word by word, paragraphs kept (unchanged ones left out unless --full), and each "
            "metadata field that changed (authors, tags, dates, image...). Versions are numbered from 1 in the order "
            "they were stored (--list shows them). Default: the site's last edit; REV_A alone: from REV_A to the "
            "newest. A damaged copy of the page, stored and later repaired, is marked and is never taken for an "
            "edit by the site."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--list", action="store_true", help="list the article's versions instead of a diff")
        parser.add_argument("--full", action="store_true", help="show every paragraph, not only the changed ones")
        add_output_options(parser)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if not 1 <= len(args) <= 3:
            raise refused("diff", "diff takes an article id (or URL) and up to two revision numbers")
        article_id = article_id_argument(args[0])
        numbers = [_revision_number(value) for value in args[1:]]
        engine = open_archive(self.settings, "diff")
        try:
            with engine.connect() as conn:
                history = read_history(conn, article_id)
        finally:
            engine.dispose()
        if history is None:
            raise refused("diff", f"the archive holds no article {article_id}")
        out = Output(opts.color)
        pair = None if opts.list else _chosen(history, numbers)
        with reader_may_leave() as pipe:  # `scrapy diff ... | head`
            if opts.list:
                _list_versions(out, history, opts.json)
            elif pair is None:
                _one_version(out, history, opts.json)
            else:
                change = diff_versions(*pair)
                if opts.json:
                    out.json({**change.as_json(article_id), "url": history.article["url"], "title": history.article["title"]})
                else:
                    _print_diff(out, history, change, opts.full)
        if pipe.broken:
            self.exitcode = EXIT_BROKEN_PIPE


def _revision_number(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise refused("diff", f"{value!r} is no revision number: revisions are numbered 1, 2, ... (scrapy diff ARTICLE --list)")
    return int(value)


def _chosen(history: History, numbers: Sequence[int]) -> Optional[tuple[Version, Version]]:
    """The two versions to compare, or None when the article has one version of the site's text."""
    if not numbers:
        edits = history.edits()
        return edits[-1] if edits else None
    versions = [history.version(n) for n in numbers]
    for number, version in zip(numbers, versions):
        if version is None:
            count = len(history.versions)
            known = "revision 1" if count == 1 else f"revisions 1 to {count}"
            raise refused("diff", f"article {history.article['article_id']} has {known}; there is no revision {number}")
    if len(versions) == 1:
        versions.append(history.versions[-1])
    return versions[0], versions[1]  # type: ignore[return-value]


def _describe(version: Version) -> str:
    text = f"revision {version.number}, stored {version.seen_at}"
    if version.crawl_id is not None:
        text += f" (crawl {version.crawl_id})"
    if version.same_as is not None:
        text += f", back to the text of revision {version.same_as} (an edit undone)"
    if version.damaged:
        text += f", a damaged copy of the page ({version.damaged}), not the site's text"
    return text


def _one_version(out: Output, history: History, as_json: bool) -> None:
    article_id = history.article["article_id"]
    site = history.site_versions
    damaged = [v for v in history.versions if v.damaged]
    message = f"Article {article_id} has one version of its text, stored {site[0].seen_at if site else history.first_seen_at}: nothing to compare"
    if damaged:
        numbers = ", ".join(str(v.number) for v in damaged)
        message += (f" (revision {numbers}: a damaged copy of the page, later repaired; scrapy diff {article_id} "
                    f"{damaged[-1].number} {damaged[-1].number + 1} shows the repair)")
    if as_json:
        out.json({"article_id": article_id, "url": history.article["url"], "title": history.article["title"], "from": None,
                  "to": history.versions[-1].summary(), "versions": len(history.versions), "note": message})
    note(message)


def _list_versions(out: Output, history: History, as_json: bool) -> None:
    if as_json:
        for version in history.versions:
            out.json({"article_id": history.article["article_id"], **version.summary(), "title": version.title,
                      "modified_at": version.modified_at, "site_text": version.is_site_text})
        return
    out.line(f"{history.article['article_id']}  {out.paint(history.article['title'], 'bold')}")
    out.line(history.article["url"])
    for version in history.versions:
        out.line(f"  {version.number:>3}  {_describe(version).split(', ', 1)[1]}")


def _print_diff(out: Output, history: History, change: VersionDiff, full: bool) -> None:
    out.line(f"{history.article['article_id']}  {out.paint(history.article['title'], 'bold')}")
    out.line(history.article["url"])
    out.line(f"from {_describe(change.before)}")
    out.line(f"to   {_describe(change.after)}")
    out.line(f"{out.paint(f'+{change.words_added}', 'green')} words, {out.paint(f'-{change.words_removed}', 'red')} words")
    if not change.text and not change.fields:
        out.line("the same text and fields")
    for name in TEXT_FIELDS:
        if name in change.text:
            out.line()
            out.line(out.paint(f"{name}:", "bold"))
            for paragraph in render_pieces(out, change.text[name], full):
                out.line(f"  {paragraph}")
    if change.fields:
        out.line()
        for name, field in change.fields.items():
            out.line(f"{out.paint(name + ':', 'bold')} {_field_text(out, field)}")
    if change.unknown_fields:
        out.line()
        out.line(out.paint("(a revision stored before newscrawl kept the other fields: only the text and modified_at compared)", "dim"))


def render_pieces(out: Output, pieces: Sequence[Piece], full: bool) -> list[str]:
    """The diff as paragraphs of marked words; runs of unchanged paragraphs left out (full: none)."""
    paragraphs: list[list[tuple[str, list[str]]]] = [[]]  # each: runs of (op, words)

    def add(op: str, word: str) -> None:
        runs = paragraphs[-1]
        if runs and runs[-1][0] == op:
            runs[-1][1].append(word)
        else:
            runs.append((op, [word]))

    for piece in pieces:
        for token in piece.tokens:
            if starts_paragraph(token):
                if piece.op != "equal":  # a paragraph break added or removed
                    add(piece.op, "¶")
                paragraphs.append([])
            if not token.isspace():
                add(piece.op, token.strip())
    lines: list[str] = []
    skipped = 0
    for runs in paragraphs:
        if all(op == "equal" for op, _ in runs) and not full:
            skipped += 1
            continue
        if skipped:
            lines.append(_skipped(out, skipped))
            skipped = 0
        lines.append(" ".join(_marked(out, op, " ".join(words)) for op, words in runs))
    if skipped:
        lines.append(_skipped(out, skipped))
    return lines


def _marked(out: Output, op: str, text: str) -> str:
    if op == "equal":
        return text
    if out.colour:
        return out.paint(text, "red", "strike") if op == "delete" else out.paint(text, "green")
    return f"[-{text}-]" if op == "delete" else f"{{+{text}+}}"


def _skipped(out: Output, count: int) -> str:
    return out.paint(f"… {count} unchanged paragraph{'s' if count > 1 else ''}", "dim")


def _field_text(out: Output, field: dict[str, Any]) -> str:
    if "added" in field:
        parts = [_marked(out, "insert", _item(i)) for i in field["added"]] + [_marked(out, "delete", _item(i)) for i in field["removed"]]
        return ", ".join(parts) if parts else f"{_value(field['from'])} → {_value(field['to'])}"  # the same items, reordered
    if isinstance(field["from"], dict) and isinstance(field["to"], dict):  # the image: its url, caption, credit
        keys = [k for k in {**field["from"], **field["to"]} if field["from"].get(k) != field["to"].get(k)]
        return "; ".join(f"{k} {_marked(out, 'delete', _value(field['from'].get(k)))} → {_marked(out, 'insert', _value(field['to'].get(k)))}"
                         for k in keys)
    return f"{_marked(out, 'delete', _value(field['from']))} → {_marked(out, 'insert', _value(field['to']))}"


def _item(item: Any) -> str:
    return item.get("url", str(item)) if isinstance(item, dict) else str(item)


def _value(value: Any) -> str:
    if value is None:
        return "(none)"
    return value if isinstance(value, str) else str(value)
