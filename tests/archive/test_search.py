"""Full-text search (`scrapy search`, newscrawl/search.py) on SQLite and on PostgreSQL, over an
archive holding the mirror's articles. The expected hits come from the corpus text (the
manifest's expected items, matched here with regular expressions), never from the index."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
from alembic import command
from sqlalchemy import inspect, text

from newscrawl.cleaning import content_hash
from newscrawl.cli import EXIT_BROKEN_PIPE
from newscrawl.db import Archive
from newscrawl.items import Article
from newscrawl.locks import archive_lock
from newscrawl.migrations import alembic_config
from newscrawl.readers import open_reader
from newscrawl import search as search_module
from newscrawl.search import SearchFilter, search_archive
from newscrawl.search_query import QueryError
from tests.archive.commands import error_lines, run_scrapy, searchable_text
from tests.archive.conftest import BACKENDS, PostgresCluster, expected_articles
from tests.conftest import PROJECT_ROOT
from tests.ops.test_readers import make_read_only, unprivileged


@pytest.fixture(scope="module", params=BACKENDS)
def archive_url(request: pytest.FixtureRequest, manifest: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> str:
    """An archive holding every article of the mirror, as a crawl stores them."""
    if request.param == "sqlite":
        database_url = f"sqlite:///{tmp_path_factory.mktemp('search') / 'archive.sqlite'}"
    else:
        cluster: PostgresCluster = request.getfixturevalue("postgres")
        database_url = cluster.new_database()
    archive = Archive(database_url)
    archive.write_batch(list(expected_articles(manifest).values()), crawl_id=1)
    archive.close()
    return database_url


def corpus_hits(manifest: dict[str, Any], pattern: str, **wanted: Any) -> set[str]:
    """The articles whose searchable text matches the pattern (any case), and whose expected
    fields have the wanted values."""
    found = set()
    for article_id, entry in manifest["articles"].items():
        expected = entry["expected"]
        if re.search(pattern, searchable_text(expected), re.IGNORECASE) and all(expected[k] == v for k, v in wanted.items()):
            found.add(article_id)
    return found


def hits(database_url: str, query: str, **selection: Any) -> list[dict[str, Any]]:
    engine = open_reader(database_url, "search")
    try:
        results = search_archive(engine, query, SearchFilter(limit=0, **selection))
    finally:
        engine.dispose()
    assert results.total == len(results.hits)
    return [{**hit.article, "rank": hit.rank, "snippet": hit.snippet} for hit in results.hits]


def ids(found: list[dict[str, Any]]) -> set[str]:
    return {hit["article_id"] for hit in found}


@pytest.mark.parametrize("word", ["Pyongyang", "Singapore", "monsoon", "Pompeo"])
def test_a_word_finds_exactly_the_articles_whose_text_holds_it(archive_url: str, manifest: dict[str, Any], word: str) -> None:
    expected = corpus_hits(manifest, rf"\b{word}\b")
    assert 0 < len(expected) < len(manifest["articles"]) / 2
    found = hits(archive_url, word.lower())
    assert ids(found) == expected
    # the passage marks the word wherever the lead or body holds it
    for hit in found:
        if re.search(rf"\b{word}\b", f"{hit['lead']} {hit['body']}", re.IGNORECASE):
            assert re.search(rf"\*\*{word}\*\*", hit["snippet"], re.IGNORECASE), hit["snippet"]
    ranks = [hit["rank"] for hit in found]
    assert ranks == sorted(ranks, reverse=True)


def test_a_phrase_is_its_words_in_order(archive_url: str, manifest: dict[str, Any]) -> None:
    phrase = corpus_hits(manifest, r"\bForeign\s+Ministers?\b")
    words = corpus_hits(manifest, r"\bForeign\b") & corpus_hits(manifest, r"\bMinisters?\b")
    assert phrase and words > phrase  # some article holds the words apart: the phrase is not their AND
    assert ids(hits(archive_url, '"foreign minister"')) == phrase
    assert ids(hits(archive_url, "foreign minister")) == words
    assert ids(hits(archive_url, '"kim jong un"')) == corpus_hits(manifest, r"\bKim\s+Jong\s+Un\b")
    assert ids(hits(archive_url, '"minister foreign"')) == corpus_hits(manifest, r"\bMinisters?\s+Foreign\b") == set()


def test_a_prefix_finds_every_word_it_starts(archive_url: str, manifest: dict[str, Any]) -> None:
    expected = corpus_hits(manifest, r"\bsemicond\w*")
    assert expected
    assert ids(hits(archive_url, "semicond*")) == expected
    assert ids(hits(archive_url, "semicond")) == set()  # without the star, a word of its own
    assert ids(hits(archive_url, "pyong*")) == corpus_hits(manifest, r"\bPyong\w*")


def test_english_stems_match(archive_url: str, manifest: dict[str, Any]) -> None:
    expected = corpus_hits(manifest, r"\bsanction(s|ed|ing)?\b")
    assert expected and corpus_hits(manifest, r"\bsanctions\b") != corpus_hits(manifest, r"\bsanction\b")
    assert ids(hits(archive_url, "sanctions")) == expected
    assert ids(hits(archive_url, "sanction")) == expected


def test_boolean_operators(archive_url: str, manifest: dict[str, Any]) -> None:
    pyongyang, singapore = corpus_hits(manifest, r"\bPyongyang\b"), corpus_hits(manifest, r"\bSingapore\b")
    assert pyongyang & singapore and pyongyang - singapore and singapore - pyongyang
    assert ids(hits(archive_url, "Pyongyang OR Singapore")) == pyongyang | singapore
    assert ids(hits(archive_url, "Pyongyang AND Singapore")) == pyongyang & singapore
    assert ids(hits(archive_url, "Pyongyang Singapore")) == pyongyang & singapore
    assert ids(hits(archive_url, "Pyongyang -Singapore")) == pyongyang - singapore
    assert ids(hits(archive_url, "Pyongyang NOT Singapore")) == pyongyang - singapore
    monsoon = corpus_hits(manifest, r"\bmonsoon\b")
    assert ids(hits(archive_url, "(Pyongyang OR monsoon) -Singapore")) == (pyongyang | monsoon) - singapore


def test_filters_select_by_date_section_tag_and_author(archive_url: str, manifest: dict[str, Any]) -> None:
    korea = corpus_hits(manifest, r"\bKorea\b")
    in_asia = corpus_hits(manifest, r"\bKorea\b", section="asia")
    assert in_asia and in_asia != korea
    assert ids(hits(archive_url, "korea", section="asia")) == in_asia == ids(hits(archive_url, "korea", section="ASIA"))
    window = {i for i in korea if "2018-06-01" <= (manifest["articles"][i]["expected"]["published_at"] or "")[:10] <= "2022-12-31"}
    assert window and window != korea
    assert ids(hits(archive_url, "korea", since="2018-06-01", until="2022-12-31")) == window
    tagged = {i for i in korea if "South Korea" in manifest["articles"][i]["expected"]["tags"]}
    assert tagged and tagged != korea
    assert ids(hits(archive_url, "korea", tags=("south korea",))) == tagged  # exact tag, any case
    assert ids(hits(archive_url, "korea", tags=("South",))) == set()  # a tag is matched whole
    author = "Maria Lopez"
    by_author = {i for i, a in manifest["articles"].items() if author in a["expected"]["authors"]}
    anything = corpus_hits(manifest, r"\bsaid\b")
    assert by_author and ids(hits(archive_url, "said", authors=(author,))) == by_author & anything != by_author


@pytest.mark.parametrize("selection", [{}, {"section": "asia"}, {"since": "2018-06-01", "until": "2022-12-31"},
                                       {"tags": ("South Korea",)}, {"order": "newest"}])
def test_a_limited_search_counts_every_match_and_shows_the_first(archive_url: str, selection: dict[str, Any]) -> None:
    # each kind of filter takes its own way through the engine (the index alone, a window
    # looked up in the articles' indexes, the articles read): the count and order agree
    engine = open_reader(archive_url, "search")
    try:
        every = search_archive(engine, "korea", SearchFilter(limit=0, **selection))
        first = search_archive(engine, "korea", SearchFilter(limit=3, **selection))
    finally:
        engine.dispose()
    assert len(every.hits) > 3
    assert first.total == every.total == len(every.hits)
    assert [h.article["article_id"] for h in first.hits] == [h.article["article_id"] for h in every.hits[:3]]
    if selection.get("order") == "newest":
        dates = [h.article["published_at"] or "" for h in every.hits]
        assert dates == sorted(dates, reverse=True)
    else:
        ranks = [h.rank for h in every.hits]
        assert ranks == sorted(ranks, reverse=True) and ranks[0] > 0


@pytest.mark.parametrize("per_match", [0, 10**9], ids=["each-match-checked", "window-gathered"])
def test_a_window_is_kept_either_way_round(archive_url: str, manifest: dict[str, Any], per_match: int,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # SQLite keeps the matches in a window by checking each match's row or by gathering the
    # window's articles, whichever is cheaper: both give the corpus's hits
    monkeypatch.setattr(search_module, "_WINDOW_PER_MATCH", per_match)
    korea = corpus_hits(manifest, r"\bKorea\b")
    in_asia = corpus_hits(manifest, r"\bKorea\b", section="asia")
    window = {i for i in in_asia if "2018-06-01" <= (manifest["articles"][i]["expected"]["published_at"] or "")[:10] <= "2022-12-31"}
    assert window and window != in_asia != korea
    assert ids(hits(archive_url, "korea", section="Asia")) == in_asia
    assert ids(hits(archive_url, "korea", section="asia", since="2018-06-01", until="2022-12-31", order="newest")) == window


def test_an_author_or_tag_of_any_script_is_searchable(archive_url: str, manifest: dict[str, Any]) -> None:
    # the archive stores lists as JSON with non-ASCII escaped: the index holds their text
    expected = corpus_hits(manifest, "佐藤")
    assert expected
    found = hits(archive_url, "佐藤")
    assert ids(found) == expected
    author = next(a for i in expected for a in manifest["articles"][i]["expected"]["authors"] if "佐藤" in a)
    assert ids(hits(archive_url, "Sato", authors=(author,))) == expected


def test_a_query_without_a_hit(archive_url: str, manifest: dict[str, Any]) -> None:
    assert corpus_hits(manifest, r"\bzanzibar\b") == set()
    assert hits(archive_url, "zanzibar") == []
    run = run_scrapy("search", archive_url, "zanzibar")
    assert (run.returncode, run.stdout) == (0, b"")
    assert "No article matches 'zanzibar'" in run.stderr


@pytest.mark.parametrize("query", ['"kim jong', "korea AND", "(korea", "-korea", "korea)", "OR"])
def test_a_query_that_cannot_be_parsed_is_one_line_and_exit_2(archive_url: str, query: str) -> None:
    run = run_scrapy("search", archive_url, query)
    assert run.returncode == 2 and run.stdout == b""
    assert len(error_lines(run.stderr)) == 1 and "Traceback" not in run.stderr
    assert f"cannot search for {query!r}" in run.stderr
    with pytest.raises(QueryError):
        hits(archive_url, query)


def test_the_command_prints_hits_and_json_lines(archive_url: str, manifest: dict[str, Any]) -> None:
    expected = corpus_hits(manifest, r"\bPyongyang\b")
    run = run_scrapy("search", archive_url, "--json", "--limit", "0", "Pyongyang")
    assert run.returncode == 0, run.stderr
    lines = run.lines()
    assert {line["article_id"] for line in lines} == expected
    for line in lines:
        entry = manifest["articles"][line["article_id"]]["expected"]
        assert {k: line[k] for k in entry} == entry  # the feed's fields, as the corpus has them
        assert set(line) >= {"rank", "snippet", "content_hash", "fetched_at"}
    assert f"{len(expected)} articles match" in run.stderr
    two = run_scrapy("search", archive_url, "--limit", "2", "--color", "never", "Pyongyang")
    text_lines = two.stdout.decode().splitlines()
    best = lines[:2]
    assert [l for l in text_lines if l and not l.startswith(" ")] == [
        f"{(b['published_at'] or '')[:10]}  {b['title']}" for b in best
    ]
    assert [l.strip() for l in text_lines if l.strip().startswith("http")] == [b["url"] for b in best]
    assert f"{len(expected)} articles match; 2 shown" in two.stderr
    newest = run_scrapy("search", archive_url, "--json", "--order", "newest", "--limit", "0", "Pyongyang").lines()
    dates = [line["published_at"] for line in newest]
    assert dates == sorted(dates, reverse=True) and len(dates) == len(expected)


def test_bad_options_are_one_line_and_exit_2(archive_url: str) -> None:
    for args, message in (
        (["--since", "2019-13-01", "korea"], "--since takes a date as YYYY-MM-DD"),
        (["--limit", "-2", "korea"], "--limit takes a number"),
        (["--since", "2020-01-02", "--until", "2020-01-01", "korea"], "--until 2020-01-01 is before --since 2020-01-02"),
        (["--section", "aisa", "korea"], "--section aisa: the archive holds no article of that section (did you mean asia?); its sections: "),
        ([], "search takes a query"),
    ):
        run = run_scrapy("search", archive_url, *args)
        assert run.returncode == 2 and run.stdout == b"" and "Traceback" not in run.stderr, (args, run.stderr)
        assert error_lines(run.stderr) == [line for line in run.stderr.splitlines() if line.startswith("scrapy search: error: ")]
        assert len(error_lines(run.stderr)) == 1 and message in run.stderr, (args, run.stderr)


@pytest.fixture
def filled(database_url: str, manifest: dict[str, Any]) -> Iterator[Archive]:
    archive = Archive(database_url)
    archive.write_batch(list(expected_articles(manifest).values()), crawl_id=1)
    yield archive
    archive.close()


def a_monsoon_article(manifest: dict[str, Any]) -> Article:
    """An article holding the word "monsoon" in its text (not in its tags or authors)."""
    return next(a for a in expected_articles(manifest).values()
                if re.search(r"\bmonsoon\b", f"{a.title} {a.lead} {a.body}", re.IGNORECASE)
                and not re.search(r"\bmonsoon\b", " ".join([*a.tags, *a.authors]), re.IGNORECASE))


def with_word_replaced(article: Article, word: str, by: str) -> Article:
    def swap(value: str | None) -> str | None:
        return re.sub(rf"\b{word}\b", by, value, flags=re.IGNORECASE) if value else value

    title, lead, body = swap(article.title) or "", swap(article.lead), swap(article.body) or ""
    return dataclasses.replace(article, title=title, lead=lead, body=body, content_hash=content_hash(title, body))


def test_the_index_follows_every_write_of_an_article(filled: Archive, manifest: dict[str, Any]) -> None:
    target = a_monsoon_article(manifest)
    edited = dataclasses.replace(with_word_replaced(target, "monsoon", "zanzibarian"), tags=["Typhoid Zanzibar"])
    filled.write_batch([edited], crawl_id=2)
    url = filled.database_url
    assert ids(hits(url, "zanzibarian")) == {target.article_id}
    assert ids(hits(url, "monsoon")) == corpus_hits(manifest, r"\bmonsoon\b") - {target.article_id}
    assert ids(hits(url, "typhoid", tags=("typhoid zanzibar",))) == {target.article_id}
    filled.write_batch([edited], crawl_id=3)  # met again unchanged: only last_seen_at is written
    assert ids(hits(url, "zanzibarian")) == {target.article_id}
    filled.write_batch([target], crawl_id=4)  # the edit undone
    assert ids(hits(url, "zanzibarian")) == set() and ids(hits(url, "monsoon")) == corpus_hits(manifest, r"\bmonsoon\b")
    with filled.engine.begin() as conn:  # any other writer: a fix by hand, a re-extraction, a migration
        conn.execute(text("UPDATE articles SET title = 'Quetzalcoatl Returns', tags = '[\"Aztec Myths\"]' WHERE article_id = :id"),
                     {"id": target.article_id})
    assert ids(hits(url, "quetzalcoatl", tags=("aztec myths",))) == {target.article_id}
    assert ids(hits(url, "monsoon")) == corpus_hits(manifest, r"\bmonsoon\b")  # its body did not change
    if filled.engine.dialect.name == "sqlite":  # FTS5's own check of the index against its content
        with filled.engine.begin() as conn:
            conn.execute(text("INSERT INTO articles_fts (articles_fts, rank) VALUES ('integrity-check', 1)"))


def test_the_migration_indexes_an_existing_archive(filled: Archive, manifest: dict[str, Any]) -> None:
    with filled.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0003")  # as an archive made before the index was
    with filled.engine.connect() as conn:
        names = set(inspect(conn).get_table_names())
        assert "articles_fts" not in names and "fts_document" not in {c["name"] for c in inspect(conn).get_columns("articles")}
    filled.close()
    reopened = Archive(filled.database_url)  # a crawl's start: upgraded to the head
    reopened.close()
    assert ids(hits(filled.database_url, "pyongyang")) == corpus_hits(manifest, r"\bPyongyang\b")
    assert ids(hits(filled.database_url, "佐藤")) == corpus_hits(manifest, "佐藤")


def test_search_reads_beside_a_crawl_that_holds_the_archive(filled: Archive, manifest: dict[str, Any]) -> None:
    # what a running crawl holds: the archive's lock, and a write transaction not yet committed
    lock = archive_lock(filled.database_url)
    assert lock is not None and lock.acquire("a crawl")
    target = a_monsoon_article(manifest)
    try:
        with filled.engine.begin() as conn:
            conn.execute(text("UPDATE articles SET body = 'zanzibarian' WHERE article_id = :id"), {"id": target.article_id})
            run = run_scrapy("search", filled.database_url, "--json", "--limit", "0", "monsoon")
            unseen = run_scrapy("search", filled.database_url, "zanzibarian")
            conn.rollback()
    finally:
        lock.release()
    assert run.returncode == 0, run.stderr
    assert {line["article_id"] for line in run.lines()} == corpus_hits(manifest, r"\bmonsoon\b")
    assert unseen.returncode == 0 and unseen.stdout == b""


@pytest.mark.parametrize("command,options", [
    ("search", ("--since", "--until", "--section", "--tag", "--author", "--limit", "--order", "--json", "--color")),
    ("diff", ("--list", "--full", "--json", "--color")),
    ("changes", ("--since", "--until", "--section", "--limit", "--order", "--json", "--color")),
])
def test_every_option_of_the_reading_commands_has_help(command: str, options: tuple[str, ...]) -> None:
    run = run_scrapy(command, "sqlite:///unused.sqlite", "--help")
    assert run.returncode == 0
    out = run.stdout.decode()
    for option in options:
        # the option, then its help on the same line or the next
        assert re.search(rf"^\s+{option}\b[^\n]*(\s\s\S|\n\s{{10,}}\S)", out, re.MULTILINE), (command, option)


def test_a_reader_that_stops_reading_ends_the_search_quietly(archive_url: str, manifest: dict[str, Any]) -> None:
    # `scrapy search ... | head`: more than a pipe's buffer of lines, of which the reader takes a few
    assert len(corpus_hits(manifest, r"\bsaid\b")) * 1000 > 65536
    command = [sys.executable, "-m", "scrapy", "search", "-s", f"NEWSCRAWL_DATABASE_URL={archive_url}", "--json", "--limit", "0", "said"]
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == EXIT_BROKEN_PIPE, stderr  # as the coreutils a closed pipe ends (newscrawl.cli)
    assert json.loads(first)["article_id"] and "Traceback" not in stderr and "Error" not in stderr


def test_the_commands_read_an_archive_they_may_not_write(manifest: dict[str, Any], tmp_path: Path) -> None:
    # a file and a folder without write permission (a read-only mount, another user's archive)
    folder = tmp_path / "ro"
    folder.mkdir()
    archive = Archive(f"sqlite:///{folder / 'news.sqlite'}")
    articles = expected_articles(manifest)
    archive.write_batch(list(articles.values()), crawl_id=1)
    target = a_monsoon_article(manifest)
    archive.write_batch([with_word_replaced(target, "monsoon", "zanzibarian")], crawl_id=2)
    archive.close()
    prefix = unprivileged(tmp_path)
    make_read_only(folder)
    url = f"sqlite:///{folder / 'news.sqlite'}"
    try:
        found = run_scrapy("search", url, "--json", "--limit", "0", "pyongyang", prefix=prefix)
        changes = run_scrapy("changes", url, "--json", prefix=prefix)
        diff = run_scrapy("diff", url, target.article_id, "--json", prefix=prefix)
    finally:
        folder.chmod(0o755)
    assert found.returncode == changes.returncode == diff.returncode == 0, found.stderr + changes.stderr + diff.stderr
    assert {line["article_id"] for line in found.lines()} == corpus_hits(manifest, r"\bPyongyang\b")
    assert [line["article_id"] for line in changes.lines()] == [target.article_id]
    assert diff.lines()[0]["words_removed"] == len(re.findall(r"\bmonsoon\b", f"{target.title} {target.lead} {target.body}", re.I))
    assert sorted(p.name for p in folder.iterdir()) == ["news.sqlite"]  # nothing made beside it
