"""`scrapy diff` and `scrapy changes` (newscrawl/history.py) on SQLite and on PostgreSQL.

After two crawls of the mirror, the second after it switched to edition 2, they show exactly
the mirror's edits (the manifests' `changed_in_edition`, each article's two expected items),
and nothing else. Damaged copies, undone edits and revisions stored before the item's other
fields were kept are written through the archive's own writer."""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Iterator

import pytest
from sqlalchemy import select, update

from newscrawl.db import ARTICLES, REVISIONS, Archive
from newscrawl.history import PARAGRAPH
from newscrawl.integrity import CUT_MARKUP
from newscrawl.items import Article
from tests.archive.commands import error_lines, run_scrapy
from tests.archive.conftest import FreshMirror, expected_articles
from tests.archive import test_incremental
from tests.archive.test_incremental import CrawlPair, table

# the crawl of edition 1 then of edition 2 into one archive, on each backend (a module-scoped fixture)
pair = test_incremental.pair

pytestmark = pytest.mark.e2e


def expected_edit(fresh_mirror: FreshMirror, article_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    return fresh_mirror.manifest1["articles"][article_id]["expected"], fresh_mirror.manifest2["articles"][article_id]["expected"]


def rebuilt(pieces: list[dict[str, Any]], leave_out: str) -> str:
    """A text back from a diff's pieces: all but the inserted ones (the old text) or the deleted ones (the new)."""
    return "".join(piece["text"] for piece in pieces if piece["op"] != leave_out)


def test_changes_lists_exactly_the_mirrors_edits(pair: CrawlPair, fresh_mirror: FreshMirror) -> None:
    edited = fresh_mirror.manifest1["changed_in_edition"]["2"]
    assert edited
    run = run_scrapy("changes", pair.database_url, "--json")
    assert run.returncode == 0, run.stderr
    lines = run.lines()
    assert sorted(line["article_id"] for line in lines) == sorted(edited)  # not the new articles, nor any other
    crawls = table(pair.database_url, select(ARTICLES.c.article_id, ARTICLES.c.first_seen_at, ARTICLES.c.changed_at))
    seen = {row["article_id"]: row for row in crawls}
    sizes = []
    for line in lines:
        before, after = expected_edit(fresh_mirror, line["article_id"])
        assert (line["title"], line["url"], line["modified_at"]) == (after["title"], after["url"], after["modified_at"])
        assert (line["revisions"], line["edits"], line["damaged_copies"]) == (2, 1, 0)
        assert line["first_seen_at"] == seen[line["article_id"]]["first_seen_at"] < line["changed_at"]
        assert line["edited_at"] == [line["changed_at"]] == [seen[line["article_id"]]["changed_at"]]
        changed_fields = sorted(k for k in before if before[k] != after[k])
        assert line["fields_changed"] == changed_fields == ["body", "modified_at"]
        # whatever the alignment, the words added less those removed is the body's growth
        assert line["words_added"] - line["words_removed"] == len(after["body"].split()) - len(before["body"].split())
        assert line["words_added"] > 0
        sizes.append(line["words_added"] + line["words_removed"])
    assert sizes == sorted(sizes, reverse=True)  # largest change first
    assert f"{len(edited)} articles changed ({len(edited)} edits)" in run.stderr


def test_changes_selects_by_the_time_of_the_edit_and_the_section(pair: CrawlPair, fresh_mirror: FreshMirror) -> None:
    edited = set(fresh_mirror.manifest1["changed_in_edition"]["2"])
    changed_at = {line["article_id"]: line["changed_at"] for line in run_scrapy("changes", pair.database_url, "--json").lines()}
    last = max(changed_at.values())
    assert {l["article_id"] for l in run_scrapy("changes", pair.database_url, "--json", "--since", last).lines()} == {
        i for i, t in changed_at.items() if t >= last}
    later = run_scrapy("changes", pair.database_url, "--since", "2999-01-01")
    assert (later.returncode, later.stdout) == (0, b"") and "No article changed" in later.stderr
    assert run_scrapy("changes", pair.database_url, "--json", "--until", "2000-01-01").lines() == []
    assert {l["article_id"] for l in run_scrapy("changes", pair.database_url, "--json", "--section", "asia").lines()} == edited
    assert run_scrapy("changes", pair.database_url, "--json", "--section", "world").lines() == []
    one = run_scrapy("changes", pair.database_url, "--json", "--limit", "1", "--order", "oldest").lines()
    assert [l["changed_at"] for l in one] == [min(changed_at.values())]
    text = run_scrapy("changes", pair.database_url, "--color", "never").stdout.decode()
    for article_id in edited:
        assert re.search(rf"^{article_id}  \+\d+ -\d+ words, 1 edit, 2 versions of its text$", text, re.MULTILINE)
    assert {l["article_id"] for l in run_scrapy("changes", pair.database_url, "--json", "--section", "Asia").lines()} == edited
    for args in (["--since", "yesterday"], ["--limit", "-1"], ["--since", "2026-02-02", "--until", "2026-02-01"], ["extra"],
                 ["--section", "nosuch"]):
        bad = run_scrapy("changes", pair.database_url, *args)
        assert bad.returncode == 2 and len(error_lines(bad.stderr)) == 1 and "Traceback" not in bad.stderr, args


def test_diff_shows_exactly_each_edit(pair: CrawlPair, fresh_mirror: FreshMirror) -> None:
    for article_id in fresh_mirror.manifest1["changed_in_edition"]["2"]:
        before, after = expected_edit(fresh_mirror, article_id)
        run = run_scrapy("diff", pair.database_url, article_id, "--json")
        assert run.returncode == 0, run.stderr
        [diff] = run.lines()
        assert (diff["from"]["number"], diff["to"]["number"]) == (1, 2)
        assert list(diff["text"]) == ["body"]  # the title and lead did not change
        pieces = diff["text"]["body"]
        assert rebuilt(pieces, "insert") == before["body"] and rebuilt(pieces, "delete") == after["body"]
        # every change lies in the one paragraph the mirror edited
        old_paragraphs, new_paragraphs = before["body"].split(PARAGRAPH), after["body"].split(PARAGRAPH)
        assert len(old_paragraphs) == len(new_paragraphs)
        [edited] = [n for n, (a, b) in enumerate(zip(old_paragraphs, new_paragraphs)) if a != b]
        deleted = " ".join(p["text"].strip() for p in pieces if p["op"] == "delete")
        inserted = " ".join(p["text"].strip() for p in pieces if p["op"] == "insert")
        assert inserted and inserted in new_paragraphs[edited] and deleted in old_paragraphs[edited]
        assert "\n" not in inserted + deleted
        assert diff["words_added"] == len(inserted.split()) and diff["words_removed"] == len(deleted.split())
        assert diff["fields"] == {"modified_at": {"from": before["modified_at"], "to": after["modified_at"]}}
        assert diff["fields_recorded"] is True
        # piped: git's word-diff markers, unchanged paragraphs left out
        plain = run_scrapy("diff", pair.database_url, article_id)
        out = plain.stdout.decode()
        assert "\x1b[" not in out and f"{{+{inserted}+}}" in out
        assert (f"[-{deleted}-]" in out) == bool(deleted)
        skipped = [int(n) for n in re.findall(r"… (\d+) unchanged paragraphs?", out)]
        assert sum(skipped) == len(new_paragraphs) - 1
        coloured = run_scrapy("diff", pair.database_url, article_id, "--color", "always").stdout.decode()
        assert f"\x1b[32m{inserted}\x1b[0m" in coloured


def test_an_article_never_edited_has_one_version(pair: CrawlPair, fresh_mirror: FreshMirror) -> None:
    edited = set(fresh_mirror.manifest1["changed_in_edition"]["2"])
    new = fresh_mirror.manifest2["new_in_edition"]["2"][0]
    unchanged = next(i for i in fresh_mirror.manifest1["asia_ids"] if i not in edited)
    for article_id in (new, unchanged):
        run = run_scrapy("diff", pair.database_url, article_id)
        assert run.returncode == 0 and run.stdout == b""
        assert f"Article {article_id} has one version of its text" in run.stderr
    url = fresh_mirror.manifest2["articles"][sorted(edited)[0]]["url"]
    by_url = run_scrapy("diff", pair.database_url, url, "--json").lines()
    assert by_url[0]["article_id"] == sorted(edited)[0]


def test_diff_refuses_what_it_cannot_show_in_one_line(pair: CrawlPair, fresh_mirror: FreshMirror) -> None:
    edited = fresh_mirror.manifest1["changed_in_edition"]["2"][0]
    for args, message in (
        (["999999999"], "the archive holds no article 999999999"),
        ([edited, "3"], f"article {edited} has revisions 1 to 2; there is no revision 3"),
        ([edited, "0"], "'0' is no revision number"),
        ([edited, "1", "2", "3"], "diff takes an article id"),
        ([], "diff takes an article id"),
        (["https://example.com/page"], "is no article URL of the site"),
    ):
        run = run_scrapy("diff", pair.database_url, *args)
        assert run.returncode == 2 and run.stdout == b"" and "Traceback" not in run.stderr, args
        assert len(error_lines(run.stderr)) == 1 and message in run.stderr, (args, run.stderr)


# -- histories written through the archive's writer ------------------------------------------
@pytest.fixture
def archive(database_url: str) -> Iterator[Archive]:
    archive = Archive(database_url)
    yield archive
    archive.close()


def an_article(manifest: dict[str, Any]) -> Article:
    """A mirror article whose body has several paragraphs, the last a full sentence."""
    return next(a for a in expected_articles(manifest).values() if a.body.count(PARAGRAPH) >= 2 and a.body.endswith("."))


def with_body(article: Article, body: str, **others: Any) -> Article:
    from newscrawl.cleaning import content_hash

    return dataclasses.replace(article, body=body, content_hash=content_hash(article.title, body), **others)


def cut_short(body: str) -> str:
    """The body as a page cut off in transfer gives it: stopped mid-sentence in its last paragraph."""
    last = body.rfind(PARAGRAPH) + len(PARAGRAPH)
    return body[: last + (len(body) - last) // 2].rstrip()


def test_a_damaged_copy_is_no_edit_by_the_site(archive: Archive, manifest: dict[str, Any]) -> None:
    article = an_article(manifest)
    outcomes = [archive.write_batch([version], crawl_id=n)[0] for n, version in enumerate(
        [with_body(article, cut_short(article.body)), article], start=1)]
    assert outcomes[1].repaired == CUT_MARKUP  # the writer marked revision 1 damaged
    assert run_scrapy("changes", archive.database_url, "--json").lines() == []
    run = run_scrapy("diff", archive.database_url, article.article_id)
    assert run.returncode == 0 and run.stdout == b""
    assert "has one version of its text" in run.stderr and "revision 1: a damaged copy of the page" in run.stderr
    repair = run_scrapy("diff", archive.database_url, article.article_id, "1", "2")
    assert "from revision 1, stored" in repair.stdout.decode() and "a damaged copy of the page (markup_cut_off)" in repair.stdout.decode()
    # the site's edit after the repair is measured from the repaired text, not from the damaged copy
    edit = with_body(article, article.body + PARAGRAPH + "UPDATE: The ministry later confirmed the plan.")
    archive.write_batch([edit], crawl_id=3)
    [line] = run_scrapy("changes", archive.database_url, "--json").lines()
    assert (line["revisions"], line["edits"], line["damaged_copies"], line["words_added"], line["words_removed"]) == (2, 1, 1, 7, 0)
    [diff] = run_scrapy("diff", archive.database_url, article.article_id, "--json").lines()
    assert (diff["from"]["number"], diff["to"]["number"], diff["from"]["damaged"]) == (2, 3, None)
    listed = run_scrapy("diff", archive.database_url, article.article_id, "--list", "--json").lines()
    assert [(v["number"], v["damaged"], v["site_text"]) for v in listed] == [(1, CUT_MARKUP, False), (2, None, True), (3, None, True)]


def test_an_edit_undone_is_a_version_of_its_own(archive: Archive, manifest: dict[str, Any]) -> None:
    article = an_article(manifest)
    edit = with_body(article, article.body.replace(PARAGRAPH, " Officials said so." + PARAGRAPH, 1), tags=[*article.tags, "Corrections"])
    for n, version in enumerate([article, edit, article], start=1):
        archive.write_batch([version], crawl_id=n)
    assert len(table(archive.database_url, select(REVISIONS))) == 2  # the archive stores no text twice
    [line] = run_scrapy("changes", archive.database_url, "--json").lines()
    assert (line["revisions"], line["edits"], line["words_added"], line["words_removed"]) == (3, 2, 3, 3)
    [diff] = run_scrapy("diff", archive.database_url, article.article_id, "--json").lines()
    assert (diff["from"]["number"], diff["to"]["number"], diff["to"]["origin"], diff["to"]["same_as"]) == (2, 3, "returned", 1)
    assert diff["fields"]["tags"]["removed"] == ["Corrections"] and diff["fields"]["tags"]["added"] == []
    out = run_scrapy("diff", archive.database_url, article.article_id).stdout.decode()
    assert "back to the text of revision 1 (an edit undone)" in out and "[-Officials said so.-]" in out


def test_a_revision_stored_before_other_fields_were_kept(archive: Archive, manifest: dict[str, Any]) -> None:
    article = an_article(manifest)
    edit = with_body(article, article.body + " More.", tags=["Other"], modified_at="2030-01-01T00:00:00Z")
    archive.write_batch([article], crawl_id=1)
    archive.write_batch([edit], crawl_id=2)
    with archive.engine.begin() as conn:
        conn.execute(update(REVISIONS).where(REVISIONS.c.content_hash == article.content_hash).values(other_fields=None))
    [diff] = run_scrapy("diff", archive.database_url, article.article_id, "--json").lines()
    assert diff["fields_recorded"] is False and set(diff["fields"]) == {"modified_at"}  # the tags are not known for revision 1
    assert diff["words_added"] == 1
