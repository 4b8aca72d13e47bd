"""`scrapy export`, on SQLite and on PostgreSQL: the archive as JSON Lines in the feed's
schema, its filters, gzip, and clear errors. Expected lines come from the mirror manifest."""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from newscrawl.db import ARTICLES, REVISIONS, Archive, ExportFilter
from newscrawl.items import ARTICLE_FIELDS, Article
from newscrawl.mirror.stored import content_hash, feed_lines, with_body
from newscrawl.cli import EXIT_BROKEN_PIPE
from tests.archive.conftest import FETCHED_AT, as_set, run_export
from tests.conftest import PROJECT_ROOT
from tests.item_schema import assert_lines_match_schema

LONG_AGO = "2020-01-01T00:00:00Z"


@dataclasses.dataclass
class Filled:
    """What the archive was given, as the mirror's feed lines (newscrawl.mirror.stored): the
    expected export lines, computed without the code that writes the archive."""

    database_url: str
    first: dict[str, dict[str, Any]]  # the first crawl's items (stored "long ago")
    edits: dict[str, dict[str, Any]]  # the later crawl's changed items


@pytest.fixture
def filled(database_url: str, manifest: dict[str, Any]) -> Filled:
    """An archive whose first crawl stored every mirror article long ago; a later crawl
    stored new versions of three of them."""
    first = feed_lines(manifest, FETCHED_AT)
    assert len(first) == len(manifest["articles"])
    archive = Archive(database_url)
    archive.write_batch([Article(**line) for line in first.values()], crawl_id=1)
    with archive.engine.begin() as conn:
        conn.execute(update(REVISIONS).values(seen_at=LONG_AGO))
        conn.execute(update(ARTICLES).values(changed_at=LONG_AGO, first_seen_at=LONG_AGO, last_seen_at=LONG_AGO))
    edits = {}
    for line in list(first.values())[:3]:
        body = line["body"] + " UPDATE: The ministry later said a final decision would be announced within days."
        edits[line["article_id"]] = with_body(line, body, "2026-11-28T00:00:00Z")
    archive.write_batch([Article(**line) for line in edits.values()], crawl_id=2)
    archive.close()
    return Filled(database_url, first, edits)


def exported(database_url: str, selection: ExportFilter) -> list[dict[str, Any]]:
    archive = Archive(database_url)
    try:
        return list(archive.export_lines(selection, batch=7))  # small batches: the stream crosses several
    finally:
        archive.close()


def current(filled: Filled) -> dict[str, dict[str, Any]]:
    return {i: filled.edits.get(i, line) for i, line in filled.first.items()}


def test_the_archive_exports_the_current_version_of_each_article(filled: Filled, manifest: dict[str, Any]) -> None:
    lines = exported(filled.database_url, ExportFilter())
    assert len(lines) == len(manifest["articles"])
    assert as_set(lines) == as_set(list(current(filled).values()))
    assert all(tuple(line) == ARTICLE_FIELDS for line in lines)
    published = [line["published_at"] or "" for line in lines]
    assert published == sorted(published)


def test_published_window_and_section(filled: Filled, manifest: dict[str, Any]) -> None:
    since, until = "2018-06-01", "2019-11-18"
    wanted = {i for i, a in manifest["articles"].items() if since <= (a["expected"]["published_at"] or "")[:10] <= until}
    assert wanted and "1077343476" in wanted  # the real page, published on the last day of the window
    lines = exported(filled.database_url, ExportFilter(since=since, until=until))
    assert {line["article_id"] for line in lines} == wanted
    world = {i for i, a in manifest["articles"].items() if a["section"] == "world"}
    assert world
    assert {line["article_id"] for line in exported(filled.database_url, ExportFilter(section="world"))} == world


def test_changed_since_gives_every_version_stored_since(filled: Filled) -> None:
    lines = exported(filled.database_url, ExportFilter(changed_since="2021-01-01T00:00:00Z"))
    assert as_set(lines) == as_set(list(filled.edits.values())) and len(lines) == len(filled.edits)
    everything = exported(filled.database_url, ExportFilter(changed_since="2000-01-01T00:00:00Z"))
    versions = list(filled.first.values()) + list(filled.edits.values())
    assert as_set(everything) == as_set(versions) and len(everything) == len(versions)
    # oldest first: the last line of an article is its current version
    last = {line["article_id"]: line for line in everything}
    assert as_set(list(last.values())) == as_set(list(current(filled).values()))
    section = next(iter(filled.edits.values()))["section"]
    filtered = exported(filled.database_url, ExportFilter(changed_since="2021-01-01T00:00:00Z", section=section))
    assert {line["article_id"] for line in filtered} == {i for i, a in filled.edits.items() if a["section"] == section}


def test_an_edit_undone_since_ends_on_the_current_version(filled: Filled) -> None:
    article_id, edit = next(iter(filled.edits.items()))
    archive = Archive(filled.database_url)
    archive.write_batch([Article(**filled.first[article_id])], crawl_id=3)  # back to the first text, stored long ago
    archive.close()
    lines = [line for line in exported(filled.database_url, ExportFilter(changed_since="2021-01-01")) if line["article_id"] == article_id]
    assert lines == [edit, filled.first[article_id]]


def test_the_command_writes_stdout_or_a_gzip_file(filled: Filled, tmp_path: Path) -> None:
    out = run_export(filled.database_url)
    assert out.returncode == 0, out.stderr
    assert as_set(out.lines()) == as_set(list(current(filled).values()))
    assert assert_lines_match_schema(out.lines()) == len(filled.first)
    assert f"Exported {len(filled.first)} articles to stdout" in out.stderr
    target = tmp_path / "feeds" / "asia.jsonl.gz"
    done = run_export(filled.database_url, "-o", str(target), "--changed-since", "2021-01-01")
    assert done.returncode == 0 and done.stdout == b"", done.stderr
    with gzip.open(target, "rt", encoding="utf-8") as fh:
        text = fh.read()
    versions = [json.loads(line) for line in text.splitlines()]
    assert as_set(versions) == as_set(list(filled.edits.values()))
    assert assert_lines_match_schema(versions) == len(filled.edits)  # revision lines, made in Python


@pytest.mark.parametrize(
    "args,message",
    [
        (("--since", "last week"), "--since takes a date as YYYY-MM-DD"),
        (("--changed-since", "yesterday"), "--changed-since takes an ISO date or time"),
        (("--since", "2020-02-01", "--until", "2020-01-01"), "--until 2020-01-01 is before --since 2020-02-01"),
    ],
)
def test_bad_options_say_what_is_wrong(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    archive = Archive(f"sqlite:///{tmp_path / 'a.sqlite'}")
    archive.close()
    done = run_export(f"sqlite:///{tmp_path / 'a.sqlite'}", *args)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "url,message",
    [("sqlite:////nonexistent/news.sqlite", "no archive at /nonexistent/news.sqlite"),
     ("mysql://user@127.0.0.1/news", "runs on SQLite or PostgreSQL")],
)
def test_a_database_it_cannot_read_is_named(url: str, message: str) -> None:
    done = run_export(url)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


# export_json: the bytes `scrapy export` writes (most lines made by the database) -------------

AWKWARD = "Quotes \" and \\ backslashes, a tab\there, a line\nbreak, \x01 control, \u2028 separator, é, “curly”, 😀 emoji"


def awkward_article(article_id: str) -> Article:
    """An item whose every kind of field holds what JSON must escape, or null."""
    body = f"TOKYO (Sputnik) - {AWKWARD}."
    return Article(
        article_id=article_id, url=f"https://sputniknews.com/asia/20260101{article_id}-awkward/", title=f"Title: {AWKWARD}",
        lead=None, body=body, dateline=None, authors=["Zoë O\"Brien", AWKWARD], section="asia", tags=[],
        published_at="2026-01-01T00:00:00Z", modified_at=None,
        image={"url": "https://cdn.example/i.jpg", "caption": AWKWARD, "credit": None},
        read_more=[{"url": "https://sputniknews.com/asia/x/", "title": None}, {"url": "https://example.com/é", "title": AWKWARD}],
        language="en", layout="current", word_count=len(body.split()), content_hash=content_hash(f"Title: {AWKWARD}", body),
        fetched_url="http://127.0.0.1/awkward/", fetched_at="2026-11-28T00:00:00Z", duplicate_of="1066021398",
    )


def as_json(database_url: str, selection: ExportFilter) -> list[dict[str, Any]]:
    archive = Archive(database_url)
    try:
        return [json.loads(line) for line in archive.export_json(selection, batch=7)]
    finally:
        archive.close()


@pytest.mark.parametrize(
    "selection",
    [ExportFilter(), ExportFilter(since="2018-06-01", until="2026-01-01", section="asia"),
     ExportFilter(changed_since="2021-01-01T00:00:00Z"), ExportFilter(changed_since="2000-01-01T00:00:00Z")],
    ids=["current", "window", "changed-since", "every-version"],
)
def test_json_lines_parse_to_the_export_lines(filled: Filled, selection: ExportFilter) -> None:
    archive = Archive(filled.database_url)
    archive.write_batch([awkward_article("9000000001")], crawl_id=3)
    article_id, _ = next(iter(filled.edits.items()))
    archive.write_batch([Article(**filled.first[article_id])], crawl_id=4)  # an edit undone: a line of the reverted query
    archive.close()
    lines = exported(filled.database_url, selection)
    assert "9000000001" in {line["article_id"] for line in lines}
    if selection.changed_since == "2021-01-01T00:00:00Z":  # the undone edit comes from the reverted query
        assert [line for line in lines if line["article_id"] == article_id][-1] == filled.first[article_id]
    parsed = as_json(filled.database_url, selection)
    assert parsed == lines  # the same dicts in the same order...
    assert [list(line) for line in parsed] == [list(line) for line in lines]  # ...their fields in the feed's order


def test_the_command_writes_the_json_lines_to_a_file(filled: Filled, tmp_path: Path) -> None:
    archive = Archive(filled.database_url)
    archive.write_batch([awkward_article("9000000001")], crawl_id=3)
    archive.close()
    target = tmp_path / "all.jsonl"
    done = run_export(filled.database_url, "-o", str(target))
    assert done.returncode == 0, done.stderr
    raw = target.read_bytes()
    assert raw.endswith(b"\n") and raw.count(b"\n") == len(filled.first) + 1
    # split on newlines only: a line may hold U+2028, raw as json.dumps(ensure_ascii=False) leaves it
    lines = [json.loads(line) for line in raw.split(b"\n")[:-1]]
    assert lines == exported(filled.database_url, ExportFilter())
    # the lines the database writes (json_object / json_build_object), awkward values and nulls included
    assert assert_lines_match_schema(lines) == len(filled.first) + 1


# --section: any case; a section the archive does not hold is named, with those it holds -----

def test_a_section_is_matched_without_regard_to_case(filled: Filled, manifest: dict[str, Any]) -> None:
    asia = {i for i, a in manifest["articles"].items() if a["section"] == "asia"}
    assert asia
    for spelling in ("asia", "Asia", "ASIA"):
        done = run_export(filled.database_url, "--section", spelling)
        assert done.returncode == 0, done.stderr
        assert {line["article_id"] for line in done.lines()} == asia, spelling
    changed = run_export(filled.database_url, "--section", "AsIa", "--changed-since", "2021-01-01")
    assert {line["article_id"] for line in changed.lines()} == {i for i in filled.edits if i in asia}


def test_an_unknown_section_is_one_line_naming_the_sections_held(filled: Filled, manifest: dict[str, Any], tmp_path: Path) -> None:
    held = sorted({a["section"] for a in manifest["articles"].values() if a["section"]})
    assert len(held) > 1
    target = tmp_path / "out.jsonl"
    done = run_export(filled.database_url, "--section", "nosuch", "-o", str(target))
    assert done.returncode == 2 and done.stdout == b""
    assert done.stderr.splitlines() == [
        f"scrapy export: error: --section nosuch: the archive holds no article of that section; its sections: {', '.join(held)}"]
    assert not target.exists()  # nothing written
    typo = run_export(filled.database_url, "--section", "Aisa")
    assert typo.returncode == 2 and "(did you mean asia?)" in typo.stderr and len(typo.stderr.splitlines()) == 1


def test_a_section_of_an_empty_archive(tmp_path: Path) -> None:
    Archive(f"sqlite:///{tmp_path / 'a.sqlite'}").close()
    done = run_export(f"sqlite:///{tmp_path / 'a.sqlite'}", "--section", "asia")
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["scrapy export: error: --section asia: the archive holds no article of any section yet"]


# a reader that stops early: `scrapy export | head -1` ends quietly -----------------------------

BROKEN_PIPE_SIGNS = ("Traceback", "BrokenPipe", "Broken pipe", "Exception ignored")


def test_export_into_head_ends_quietly(filled: Filled) -> None:
    whole = run_export(filled.database_url)
    assert whole.returncode == 0 and len(whole.stdout) > 2 * 65536  # more than a pipe holds: head leaves it mid-way
    command = f"set -o pipefail; {shlex.quote(sys.executable)} -m scrapy export -s NEWSCRAWL_DATABASE_URL={shlex.quote(filled.database_url)} | head -1"
    done = subprocess.run(["bash", "-c", command], cwd=PROJECT_ROOT, capture_output=True, timeout=120)
    assert done.stdout == whole.stdout.split(b"\n", 1)[0] + b"\n"
    stderr = done.stderr.decode()
    assert not any(sign in stderr for sign in BROKEN_PIPE_SIGNS), stderr
    assert "Exported" not in stderr  # the export did not finish, and says nothing that claims it did
    assert done.returncode == EXIT_BROKEN_PIPE == 141  # as `yes | head -1` under pipefail: a cut output, quietly


def test_export_to_a_pipe_nobody_reads_ends_quietly(filled: Filled) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line
    try:
        done = subprocess.run([sys.executable, "-m", "scrapy", "export", "-s", f"NEWSCRAWL_DATABASE_URL={filled.database_url}"],
                              cwd=PROJECT_ROOT, stdout=write_end, stderr=subprocess.PIPE, timeout=120)
    finally:
        os.close(write_end)
    stderr = done.stderr.decode()
    assert done.returncode == EXIT_BROKEN_PIPE and not any(sign in stderr for sign in BROKEN_PIPE_SIGNS), stderr
