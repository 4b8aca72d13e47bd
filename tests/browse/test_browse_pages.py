"""`scrapy browse` in real Chromium, over an archive crawled from the bundled mirror (edition 1,
then edition 2 with its edits): the home page, a search for a word of the corpus, the article
page (body, lead, photo, READ MORE), an edited article's diff, a tag facet, the canned
queries, the charts, markup in archived text shown as text, and no way to write.

Expected values come from the mirror's manifests (the corpus), never from the code under
test. Each test saves a screenshot (conftest: where)."""

from __future__ import annotations

import re
import sqlite3
import urllib.parse
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest

from newscrawl.mirror.hostile import MARKUP_PAYLOADS
from tests.browse.conftest import BrowseServer, BrowsedArchive, Watched

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

WORD = re.compile(r"[A-Za-z]+")


def article_url(server: BrowseServer, article_id: str) -> str:
    return f"{server.url}/archive/articles/{article_id}"


def paragraphs(body: str) -> list[str]:
    return [p for p in body.split("\n\n") if p.strip()]


def searchable_text(item: dict[str, Any]) -> str:
    return " ".join([item["title"], item["lead"] or "", item["body"], *item["tags"], *item["authors"]])


def word_of_one_article(archive: BrowsedArchive) -> tuple[str, str]:
    """(article id, word): a word of that article's body that no other archived article holds
    anything like (no word of theirs shares its first five letters: stems aside, the index
    can find it in that article alone)."""
    prefixes: dict[str, set[str]] = {}
    for article_id, item in archive.stored.items():
        for word in WORD.findall(searchable_text(item)):
            prefixes.setdefault(word[:5].lower(), set()).add(article_id)
    for article_id, item in archive.stored.items():
        for word in WORD.findall(item["body"]):
            if len(word) >= 8 and prefixes[word[:5].lower()] == {article_id}:
                return article_id, word
    raise AssertionError("the corpus has no word of one article alone")


def test_the_home_page_shows_the_archive(browse: BrowseServer, browsed_archive: BrowsedArchive, tab: Watched) -> None:
    page = tab.page
    response = page.goto(browse.url + "/")
    assert response.status == 200
    assert page.locator("h1").inner_text() == "newscrawl archive"
    figures = page.locator("ul.figures").inner_text()
    assert f"{len(browsed_archive.stored)} articles" in figures
    assert f"{len(browsed_archive.changed)} edited after the archive stored them" in figures
    assert "2 crawls" in figures
    assert page.locator("#home-search").is_visible()
    tab.screenshot("home")
    tab.assert_quiet()


def test_a_word_of_the_corpus_finds_its_article_and_its_body_reads_whole(
    browse: BrowseServer, browsed_archive: BrowsedArchive, tab: Watched,
) -> None:
    article_id, word = word_of_one_article(browsed_archive)
    expected = browsed_archive.stored[article_id]
    page = tab.page
    page.goto(browse.url + "/")
    page.fill("#home-search", word)
    page.press("#home-search", "Enter")
    page.wait_for_load_state()
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)["_search"] == [word]
    rows = page.locator("table.article-list tbody tr")
    assert rows.count() == 1
    assert rows.first.locator("a.article-title").inner_text() == expected["title"]
    tab.screenshot("search")

    rows.first.locator("a.article-title").click()
    page.wait_for_load_state()
    assert page.url == article_url(browse, article_id)
    assert page.locator("h1.article-headline").inner_text() == expected["title"]
    assert page.locator(".article-body p").all_inner_texts() == paragraphs(expected["body"])
    assert word in page.locator(".article-body").inner_text()
    tab.screenshot("search-result-article")
    tab.assert_quiet()


def test_the_article_page_shows_lead_dateline_photo_tags_and_read_more_to_held_articles(
    browse: BrowseServer, browsed_archive: BrowsedArchive, tab: Watched,
) -> None:
    stored = browsed_archive.stored
    urls = {item["url"]: article_id for article_id, item in stored.items()}
    # an article with every part: lead, dateline, photo, tags, READ MORE links to articles the archive holds
    article_id = next(i for i, item in stored.items() if item["lead"] and item["dateline"] and item["image"] and item["tags"]
                      and any(link["url"] in urls for link in item["read_more"]))
    item = stored[article_id]
    page = tab.page
    assert page.goto(article_url(browse, article_id)).status == 200
    assert page.locator("h1.article-headline").inner_text() == item["title"]
    assert page.locator(".article-lead").inner_text() == item["lead"]
    assert page.locator(".article-dateline .dateline").inner_text() == item["dateline"]
    assert page.locator(".article-body p").all_inner_texts() == paragraphs(item["body"])
    assert page.locator(".image-caption").inner_text() == item["image"]["caption"]
    assert page.locator(".image-credit").inner_text() == item["image"]["credit"]
    assert page.locator(".article-tags a.tag").all_inner_texts() == item["tags"]
    tab.screenshot("article")
    # READ MORE: a link to an article the archive holds opens our copy; one to a page it does
    # not hold says so (the article chosen: one with both kinds)
    def both(entry: dict[str, Any]) -> bool:
        held = [link["url"] in urls for link in entry["read_more"]]
        return any(held) and not all(held)
    linking_id = next((i for i, entry in stored.items() if both(entry)), article_id)
    linking = stored[linking_id]
    assert page.goto(article_url(browse, linking_id)).status == 200
    entries = page.locator(".read-more li")
    assert entries.count() == len(linking["read_more"])
    for index, link in enumerate(linking["read_more"]):
        entry = entries.nth(index)
        assert link["title"] in entry.inner_text()
        if link["url"] in urls:
            assert entry.locator("a.held").get_attribute("href") == f"/archive/articles/{urls[link['url']]}"
        else:
            assert entry.locator("a.held").count() == 0 and "not in the archive" in entry.inner_text()
    assert any(link["url"] not in urls for entry in stored.values() for link in entry["read_more"])
    tab.screenshot("read-more")
    target = urls[next(link["url"] for link in linking["read_more"] if link["url"] in urls)]
    page.locator(".read-more a.held").first.click()
    page.wait_for_load_state()
    assert page.locator("h1.article-headline").inner_text() == stored[target]["title"]
    tab.assert_quiet()


def test_an_edited_article_shows_its_two_versions_and_the_edition_2_edit_in_its_diff(
    browse: BrowseServer, browsed_archive: BrowsedArchive, tab: Watched,
) -> None:
    page = tab.page
    assert browsed_archive.changed
    for number, article_id in enumerate(browsed_archive.changed):
        old = paragraphs(browsed_archive.manifest1["articles"][article_id]["expected"]["body"])
        new = paragraphs(browsed_archive.manifest2["articles"][article_id]["expected"]["body"])
        assert len(old) == len(new)
        edited = [(before, after) for before, after in zip(old, new) if before != after]
        assert len(edited) == 1  # the mirror edits one paragraph of each article
        before, after = edited[0]

        assert page.goto(article_url(browse, article_id)).status == 200
        assert page.locator(".article-body p").all_inner_texts() == new  # the page shows the newest text
        assert page.locator("table.versions tbody tr").count() == 2
        assert "see what changed" in page.locator(".edited-notice").inner_text()
        assert page.locator(".edit").count() == 1
        changed = page.locator(".edit .diff-body p:not(.folded)")
        assert changed.count() == 1
        shown = changed.first
        # the paragraph as it was (without what came) and as it is (without what went)
        as_before = shown.evaluate("p => Array.from(p.childNodes).filter(n => n.nodeName !== 'INS').map(n => n.textContent).join('')")
        as_after = shown.evaluate("p => Array.from(p.childNodes).filter(n => n.nodeName !== 'DEL').map(n => n.textContent).join('')")
        assert (as_before, as_after) == (before, after)
        inserted = " ".join(shown.locator("ins").all_inner_texts())
        assert inserted.strip() and after.split()[-1] in inserted  # the added sentence ends the paragraph
        folded = page.locator(".edit .diff-body p.folded").all_inner_texts()
        assert sum(int(re.search(r"\d+", text).group()) for text in folded) == len(new) - 1
        tab.screenshot(f"edited-article-{number + 1}")
    tab.assert_quiet()


def test_a_tag_facet_narrows_the_list_to_the_articles_with_that_tag(
    browse: BrowseServer, browsed_archive: BrowsedArchive, tab: Watched,
) -> None:
    counts = Counter(tag for item in browsed_archive.stored.values() for tag in item["tags"])
    tag, count = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))[0]
    expected = sorted(item["title"] for item in browsed_archive.stored.values() if tag in item["tags"])
    page = tab.page
    assert page.goto(browse.url + "/archive/articles").status == 200
    for facet in ("section", "tags", "authors", "published_at"):
        assert page.locator(f".facet-info[data-column='{facet}']").count() == 1, facet
    facet_link = page.locator(".facet-info[data-column='tags'] li a", has_text=re.compile(rf"^{re.escape(tag)}$"))
    facet_link.first.click()
    page.wait_for_load_state()
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)["tags__arraycontains"] == [tag]
    titles = page.locator("table.article-list tbody a.article-title").all_inner_texts()
    assert sorted(titles) == expected and len(titles) == count
    # newest first
    published = page.locator("table.article-list tbody td.col-published_at time").evaluate_all("ts => ts.map(t => t.dateTime)")
    assert published == sorted(published, reverse=True)
    tab.screenshot("tag-facet")
    tab.assert_quiet()


def test_the_canned_queries_answer_from_the_archive(browse: BrowseServer, browsed_archive: BrowsedArchive, tab: Watched) -> None:
    one, two = browsed_archive.manifest1, browsed_archive.manifest2
    page = tab.page

    def column(name: str) -> list[str]:
        return page.locator(f"table.rows-and-columns tbody td.col-{name}").all_inner_texts()

    assert page.goto(browse.url + "/archive/most_edited").status == 200
    assert sorted(column("article_id")) == sorted(browsed_archive.changed)
    assert column("edits") == ["1"] * len(browsed_archive.changed)
    tab.screenshot("query-most-edited")

    assert page.goto(browse.url + "/archive/crawl_history").status == 200
    assert column("crawl") == ["2", "1"]
    assert column("articles_changed") == [str(len(browsed_archive.changed)), "0"]
    assert column("articles_new")[0] == str(len(two["new_in_edition"]["2"]))
    assert all(re.fullmatch(r"\d+:\d\d:\d\d", text) for text in column("duration"))
    tab.screenshot("query-crawl-history")

    assert page.goto(browse.url + "/archive/pages_missing").status == 200
    failing = {*two["failing"]["404"], *two["failing"]["500"], *two["missing_read_more"]}
    assert set(column("url")) == failing
    tab.screenshot("query-pages-missing")

    assert page.goto(browse.url + "/archive/near_duplicate_pairs").status == 200
    pairs = page.locator("table.side-by-side tbody tr")
    shown = {frozenset(re.findall(r"/archive/articles/(\d+)", pairs.nth(i).inner_html())) for i in range(pairs.count())}
    assert shown == {frozenset(pair) for pair in one["duplicates"]["near"]}
    # the words one side has and the other lacks are marked, the paragraphs alike folded
    assert pairs.first.locator("mark").count() >= 1 and pairs.first.locator("p.folded").count() >= 1
    tab.screenshot("query-near-duplicates")

    assert page.goto(browse.url + "/archive/latest_articles").status == 200
    assert len(column("article_id")) == min(200, len(browsed_archive.stored))
    tab.screenshot("query-latest")
    tab.assert_quiet()


def test_the_charts_draw_articles_and_edits_per_day_and_the_crawls_without_a_console_error(
    browse: BrowseServer, browsed_archive: BrowsedArchive, tab: Watched,
) -> None:
    until = max(browsed_archive.second_crawl_days)
    start = (date.fromisoformat(until) - timedelta(days=29)).isoformat()
    in_window = [i for i in browsed_archive.stored.values() if i["published_at"] and start <= i["published_at"][:10] <= until]
    page = tab.page
    assert page.goto(f"{browse.url}/charts?until={until}&days=30").status == 200

    def bars(chart: str) -> list[tuple[str, float]]:
        return page.locator(f"#chart-{chart} rect.bar").evaluate_all(
            "rs => rs.map(r => [r.dataset.label, Number(r.dataset.value)])")

    per_day = bars("articles-per-day")
    assert len(per_day) == 30 and per_day[-1][0] == until
    assert sum(value for _, value in per_day) == len(in_window) > 0
    edits = bars("edits-per-day")
    assert sum(value for _, value in edits) == len(browsed_archive.changed)
    assert {label for label, value in edits if value} <= browsed_archive.second_crawl_days
    dated = [i for i in browsed_archive.stored.values() if i["published_at"]]
    assert sum(value for _, value in bars("articles-per-month")) == len(dated)
    assert len(bars("crawl-duration")) == 2 and all(value > 0 for _, value in bars("crawl-duration"))
    assert len(bars("crawl-pages-per-minute")) == 2 and all(value > 0 for _, value in bars("crawl-pages-per-minute"))
    # every bar has its figure as a tooltip; a day's article bar opens that day's articles
    assert page.locator("#chart-articles-per-day rect.bar title").count() == 30
    busiest = max(per_day, key=lambda pair: pair[1])[0]
    page.locator(f"#chart-articles-per-day rect.bar[data-label='{busiest}']").click()
    page.wait_for_load_state()
    titles = page.locator("table.article-list tbody a.article-title").all_inner_texts()
    assert sorted(titles) == sorted(i["title"] for i in in_window if i["published_at"][:10] == busiest)
    page.go_back()
    tab.screenshot("charts")
    tab.assert_quiet()


def test_markup_in_archived_text_is_shown_as_text_and_never_runs(
    browse: BrowseServer, browsed_archive: BrowsedArchive, tab: Watched,
) -> None:
    article_id = browsed_archive.markup_id
    item = browsed_archive.stored[article_id]
    assert MARKUP_PAYLOADS["title"] in item["title"] and MARKUP_PAYLOADS["body"] in item["body"]  # stored as the site showed it
    page = tab.page

    def nothing_ran() -> None:
        assert page.evaluate("typeof window.__newscrawl_xss") == "undefined"
        assert page.locator("img[src='x']").count() == 0
        assert page.evaluate("Array.from(document.scripts).filter(s => s.text.includes('__newscrawl_xss')).length") == 0

    assert page.goto(article_url(browse, article_id)).status == 200
    assert page.locator("h1.article-headline").inner_text() == item["title"]
    assert page.locator(".article-lead").inner_text() == item["lead"]
    assert MARKUP_PAYLOADS["body"] in page.locator(".article-body").inner_text()
    assert page.locator(".image-caption").inner_text() == item["image"]["caption"]
    assert MARKUP_PAYLOADS["tag"] in page.locator(".article-tags a.tag").all_inner_texts()
    assert page.title() == item["title"]
    nothing_ran()
    tab.screenshot("markup-article")

    # the list: its title cell, and its tag in the facet and in the cells
    assert page.goto(browse.url + "/archive/articles?" + urllib.parse.urlencode({"_search": "Forum Posts Hid"})).status == 200
    assert page.locator("table.article-list tbody a.article-title").all_inner_texts() == [item["title"]]
    assert MARKUP_PAYLOADS["tag"] in page.locator("table.article-list tbody td.col-tags").inner_text()
    assert MARKUP_PAYLOADS["tag"] in page.locator(".facet-info[data-column='tags']").inner_text()
    nothing_ran()
    # Datasette's own grid and the row's JSON
    assert page.goto(browse.url + "/archive/articles?_col=title&_col=lead&_col=tags&_search=Forum+Posts+Hid").status == 200
    assert item["lead"] in page.locator("table.rows-and-columns").inner_text()
    nothing_ran()
    tab.screenshot("markup-list")
    tab.assert_quiet()


def test_nothing_writes_to_the_archive(browse: BrowseServer, browsed_archive: BrowsedArchive, archive_state: str, tab: Watched) -> None:
    def count() -> int:
        with sqlite3.connect(f"file:{browsed_archive.path}?mode=ro", uri=True) as conn:
            return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
    before = count()
    page = tab.page
    for statement in ("DELETE FROM articles", "UPDATE articles SET title = 'x'", "PRAGMA query_only = 0",
                      "ATTACH DATABASE '/tmp/x.sqlite' AS x", "CREATE TABLE x (y)", "SELECT load_extension('x')",
                      "WITH x AS (DELETE FROM articles RETURNING 1) SELECT * FROM x",
                      "SELECT 1; DELETE FROM articles"):
        response = page.goto(f"{browse.url}/archive?" + urllib.parse.urlencode({"sql": statement}))
        assert response.status == 400, statement
        refused = page.locator("h1", has_text="Invalid SQL").count() + page.locator(".message-error").count()
        assert refused == 1, statement
    tab.screenshot("write-refused")
    # a POST, PUT or DELETE to the archive's pages (inserts and writable queries in Datasette's
    # API) is refused before Datasette sees it
    for method in ("post", "put", "delete"):
        for path in ("/archive/articles", "/archive/most_edited", "/archive/articles/-/insert", "/archive"):
            answer = getattr(page.request, method)(browse.url + path, data={"title": "x"})
            assert answer.status == 405 and "read-only" in answer.text(), (method, path)
    assert count() == before == len(browsed_archive.stored)
    assert browsed_archive.file_state() == archive_state  # not a byte changed by all the browsing
