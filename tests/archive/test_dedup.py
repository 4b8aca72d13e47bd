"""Dedup, tested in one place (rules: newscrawl/dedup.py): URL identity, request level,
item level (in a crawl and against the archive), near-duplicates; expected pairs and URL
spellings come from the mirror's manifest."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any, Iterator

import pytest
from scrapy import Request
from scrapy.utils.test import get_crawler

from newscrawl.config import ARCHIVE_CRAWL, ConfigError, NewscrawlConfig
from newscrawl.db import Archive
from newscrawl.dedup import TextPrint, shingles
from newscrawl.drops import DuplicateArticle
from newscrawl.middlewares import ArticleRequestFingerprinter
from newscrawl.items import Article
from newscrawl.mirror.build import build_mirror
from newscrawl.mirror.stored import NEAR_DUPLICATE_THRESHOLD, BoundaryPair, boundary_pairs, feed_line, similarity, with_body
from newscrawl.urls import article_id_from_url, canonical_url, identity_key, request_url, to_fetch_url
from pipelines.dedup import DedupPipeline
from tests.archive.conftest import expected_articles

HOSTS = ("https://sputnikglobe.com", "http://www.sputniknews.com", "https://www.sputnikglobe.com", "http://sputniknews.com")


def spellings(entry: dict[str, Any]) -> Iterator[str]:
    """Every way the mirror's contract says a link to this article may be written."""
    for path, host in itertools.product(entry["paths"], HOSTS):
        yield host + path
        yield host + path + "?utm_source=twitter&fbclid=abc#comments"
        if path.endswith("/"):
            yield host + path.rstrip("/")


@pytest.fixture(scope="module")
def multi_url(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {i: a for i, a in manifest["articles"].items() if len(a["paths"]) > 1}
    assert {a["layout"] for a in found.values()} >= {"current", "legacy"}, "the mirror lost its AMP/print copies"
    return found


# -- URL identity ---------------------------------------------------------------------------

def test_every_spelling_of_every_article_is_its_canonical_url_and_id(manifest: dict[str, Any]) -> None:
    for article_id, entry in manifest["articles"].items():
        for url in spellings(entry):
            assert canonical_url(url) == entry["url"], url
            assert article_id_from_url(url) == article_id, url
            assert identity_key(url) == f"article:{article_id}", url


def test_the_old_2016_url_is_the_article_it_redirects_to_and_keeps_its_own_form(manifest: dict[str, Any]) -> None:
    """One identity (fetched once), but the link is not rewritten into the legacy form: that
    path is a guess the site never showed (issue 15); the redirect leads to the article."""
    by_path = {a["paths"][0]: i for i, a in manifest["articles"].items()}
    assert manifest["redirects"]
    for old, new in manifest["redirects"].items():
        assert identity_key("https://sputniknews.com" + old) == f"article:{by_path[new]}"
        assert canonical_url("http://www.sputniknews.com" + old + "?utm_source=x") == "https://sputniknews.com" + old
        assert request_url("https://sputniknews.com" + old) == "https://sputniknews.com" + old


def test_other_pages_keep_their_own_identity() -> None:
    assert identity_key("https://sputnikglobe.com/asia/?utm_source=x") == "https://sputnikglobe.com/asia/"
    assert identity_key("https://www.reuters.com/world/asia/1115350000.html") != identity_key(
        "https://sputnikglobe.com/20260728/x-1115350000.html")


# -- request level ----------------------------------------------------------------------------

def test_equivalent_requests_share_one_fingerprint(manifest: dict[str, Any], multi_url: dict[str, dict[str, Any]]) -> None:
    fingerprinter = ArticleRequestFingerprinter()
    prints: dict[str, set[bytes]] = {}
    for article_id, entry in manifest["articles"].items():
        prints[article_id] = {fingerprinter.fingerprint(Request(request_url(url))) for url in spellings(entry)}
    assert all(len(found) == 1 for found in prints.values())
    assert len({next(iter(p)) for p in prints.values()}) == len(prints), "two articles share a fingerprint"
    # a redirect hop is the same visit going on, not a second request for the page
    entry = next(iter(multi_url.values()))
    first = Request("https://sputnikglobe.com" + entry["paths"][0])
    hop = first.replace(meta={"redirect_times": 1})
    assert fingerprinter.fingerprint(hop) != fingerprinter.fingerprint(first)


def test_mirror_requests_share_the_fingerprint_of_the_site_page(multi_url: dict[str, dict[str, Any]]) -> None:
    """The spider requests the mirror's URLs directly: each still fingerprints as its site page."""
    base = "http://127.0.0.1:8123"
    crawler = get_crawler()
    crawler.spider = type("MirrorSpider", (), {"base_url": base})()  # type: ignore[assignment]
    with_mirror = ArticleRequestFingerprinter(crawler)
    live = ArticleRequestFingerprinter()
    for entry in multi_url.values():
        site = {live.fingerprint(Request(request_url(url))) for url in spellings(entry)}
        mirror = {with_mirror.fingerprint(Request(to_fetch_url(request_url(url), base))) for url in spellings(entry)}
        assert len(site) == 1 and mirror == site
    # another server on 127.0.0.1 is not the mirror: its URLs are not the site's
    other = Request("http://127.0.0.1:9999" + next(iter(multi_url.values()))["paths"][0])
    assert with_mirror.fingerprint(other) not in site


# -- item level -------------------------------------------------------------------------------

def pipeline(database_url: str, tmp_path: Path) -> DedupPipeline:
    crawler = get_crawler(settings_dict={"NEWSCRAWL_DATABASE_URL": database_url, "NEWSCRAWL_DATA_DIR": str(tmp_path), ARCHIVE_CRAWL: True})
    crawler.stats.open_spider()  # type: ignore[union-attr]
    dedup = DedupPipeline.from_crawler(crawler)
    dedup.open_spider()
    return dedup


def test_same_article_twice_in_a_crawl_is_dropped(
    database_url: str, tmp_path: Path, manifest: dict[str, Any], multi_url: dict[str, dict[str, Any]]
) -> None:
    articles = expected_articles(manifest)
    article_id, entry = next(iter(multi_url.items()))
    dedup = pipeline(database_url, tmp_path)
    dedup.process_item(articles[article_id])
    with pytest.raises(DuplicateArticle):
        dedup.process_item(articles[article_id])
    other_spelling = expected_articles(manifest)[article_id]
    other_spelling.article_id, other_spelling.url = "", "http://www.sputniknews.com" + entry["paths"][-1] + "?utm_source=x"
    with pytest.raises(DuplicateArticle):
        dedup.process_item(other_spelling)
    dedup.close_spider()


def test_same_text_under_two_ids_is_kept_once_as_the_first(database_url: str, tmp_path: Path, manifest: dict[str, Any]) -> None:
    articles = expected_articles(manifest)
    pairs = manifest["duplicates"]["same_text"]
    assert pairs
    dedup = pipeline(database_url, tmp_path)
    for first, second in pairs:
        assert dedup.process_item(articles[first]).duplicate_of is None
        assert dedup.process_item(articles[second]).duplicate_of == first
    dedup.close_spider()


def test_same_text_across_crawls_points_at_the_archived_first(database_url: str, tmp_path: Path, manifest: dict[str, Any]) -> None:
    articles = expected_articles(manifest)
    first, second = manifest["duplicates"]["same_text"][0]
    archive = Archive(database_url)
    archive.write_batch([articles[first]], crawl_id=None)  # an earlier crawl stored the original
    archive.close()
    dedup = pipeline(database_url, tmp_path)
    assert dedup.process_item(articles[second]).duplicate_of == first
    # the original met again in this crawl, after its copy: still nobody's copy
    assert dedup.process_item(expected_articles(manifest)[first]).duplicate_of is None
    dedup.close_spider()


# -- near-duplicates --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bigger_manifest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Enough articles for several re-published pairs (one per 200 on the index)."""
    return build_mirror(tmp_path_factory.mktemp("dedup-mirror"), n_asia=400)


def stored_similarity(found: list[tuple[str, str, float]]) -> dict[frozenset[str], float]:
    return {frozenset((a, b)): value for a, b, value in found}


def test_near_duplicates_are_linked_and_nothing_else(database_url: str, bigger_manifest: dict[str, Any]) -> None:
    bodies = {i: a["expected"]["body"] for i, a in bigger_manifest["articles"].items()}
    # each pair's similarity, computed by the mirror from the two texts
    expected = {frozenset(pair): similarity(bodies[pair[0]], bodies[pair[1]]) for pair in bigger_manifest["duplicates"]["near"]}
    assert len(expected) >= 2
    articles = list(expected_articles(bigger_manifest).values())
    archive = Archive(database_url)
    for start in range(0, len(articles), 100):  # as a crawl writes: batch after batch
        archive.write_batch(articles[start : start + 100], crawl_id=None)
    found = stored_similarity(archive.near_duplicate_pairs())
    archive.close()
    assert found.keys() == expected.keys()
    for pair, value in expected.items():
        assert found[pair] == pytest.approx(float(value), abs=5e-5), sorted(pair)


def test_near_duplicates_of_archived_articles_are_found_in_a_later_crawl(database_url: str, manifest: dict[str, Any]) -> None:
    articles = expected_articles(manifest)
    first, second = manifest["duplicates"]["near"][0]
    archive = Archive(database_url)
    archive.write_batch([articles[first]], crawl_id=1)
    outcome = archive.write_batch([articles[second]], crawl_id=2)
    pairs = archive.near_duplicate_pairs()
    archive.close()
    assert outcome[0].near_duplicates == [first]
    assert [(a, b) for a, b, _ in pairs] == [(second, first)]


@pytest.fixture(scope="module")
def boundary(manifest: dict[str, Any]) -> dict[str, BoundaryPair]:
    """Pairs of the mirror's stories at exactly the threshold, just under and just over it."""
    pairs = {p.name: p for p in boundary_pairs(a["expected"]["body"] for a in manifest["articles"].values())}
    assert pairs["at"].similarity == NEAR_DUPLICATE_THRESHOLD
    assert pairs["under"].similarity < NEAR_DUPLICATE_THRESHOLD < pairs["over"].similarity
    return pairs


def boundary_articles(manifest: dict[str, Any], pairs: dict[str, BoundaryPair]) -> dict[str, tuple[Article, Article]]:
    """Each pair as two articles of the mirror (ids, titles, dates) holding the pair's bodies."""
    shells = iter(manifest["articles"].values())
    made = {}
    for name, pair in pairs.items():
        first, second = (Article(**with_body(feed_line(next(shells), "2026-11-27T00:00:00Z"), body, "2026-11-27T00:00:00Z"))
                         for body in (pair.first, pair.second))
        made[name] = (first, second)
    return made


def test_bodies_at_the_threshold_are_linked_and_just_under_it_are_not(
    database_url: str, manifest: dict[str, Any], boundary: dict[str, BoundaryPair]
) -> None:
    articles = boundary_articles(manifest, boundary)
    archive = Archive(database_url)  # the default threshold
    archive.write_batch([a for pair in articles.values() for a in pair], crawl_id=None)
    found = stored_similarity(archive.near_duplicate_pairs())
    archive.close()
    ids = {name: frozenset(a.article_id for a in pair) for name, pair in articles.items()}
    assert found.keys() == {ids["at"], ids["over"]}
    # the stored similarity is the pair's, to the 4 decimals kept
    assert found[ids["at"]] == pytest.approx(0.7, abs=5e-5)
    assert found[ids["over"]] == pytest.approx(float(boundary["over"].similarity), abs=5e-5)


def test_the_threshold_setting_decides(tmp_path: Path, manifest: dict[str, Any], boundary: dict[str, BoundaryPair]) -> None:
    articles = boundary_articles(manifest, boundary)
    everything = [a for pair in articles.values() for a in pair]
    # a threshold set to the most similar pair's similarity: that pair, and no other
    over = float(boundary["over"].similarity)
    archive = Archive(f"sqlite:///{tmp_path / 'over.sqlite'}", near_duplicate_threshold=over)
    archive.write_batch(everything, crawl_id=None)
    found = stored_similarity(archive.near_duplicate_pairs())
    archive.close()
    assert found == {frozenset(a.article_id for a in articles["over"]): pytest.approx(over, abs=5e-5)}
    # a sentence apart is not the same text
    archive = Archive(f"sqlite:///{tmp_path / 'strict.sqlite'}", near_duplicate_threshold=1.0)
    archive.write_batch(everything, crawl_id=None)
    assert archive.near_duplicate_pairs() == []
    archive.close()


@pytest.mark.parametrize("value,message", [("0.3", "must be between 0.6 and 1.0"), ("high", "must be a number")])
def test_a_bad_threshold_names_the_setting(value: str, message: str) -> None:
    settings = get_crawler(settings_dict={"NEWSCRAWL_NEAR_DUPLICATE_THRESHOLD": value}).settings
    with pytest.raises(ConfigError, match=f"NEWSCRAWL_NEAR_DUPLICATE_THRESHOLD {message}"):
        NewscrawlConfig.from_settings(settings)


def test_lsh_bands_meet_for_near_pairs_only(bigger_manifest: dict[str, Any]) -> None:
    bodies = {i: a["expected"]["body"] for i, a in bigger_manifest["articles"].items()}
    prints = {i: TextPrint.of(body) for i, body in bodies.items()}
    near = {frozenset(p) for p in bigger_manifest["duplicates"]["near"] + bigger_manifest["duplicates"]["same_text"]}
    meeting = {frozenset((a, b)) for a, b in itertools.combinations(prints, 2) if set(prints[a].bands) & set(prints[b].bands)}
    assert near <= meeting
    # few other pairs meet (each is then checked exactly), though the mirror's stories share stock phrases
    assert len(meeting - near) < 0.01 * len(bodies) * (len(bodies) - 1) / 2
    assert len(shingles("one two three four five")) == 2 and shingles("") == frozenset()


def test_signature_prefilter_keeps_the_candidates_that_agree_enough() -> None:
    from newscrawl.dedup import NUM_HASHES, TextPrint, likely_similar

    base = " ".join(f"word{i}" for i in range(200))
    near = base.replace("word100 ", "changed ")
    other = " ".join(f"other{i}" for i in range(200))
    mine = TextPrint.of(base)
    candidates = [("near", TextPrint.of(near).signature), ("other", TextPrint.of(other).signature), ("same", mine.signature)]
    assert likely_similar(mine.signature, candidates, 0.55) == ["near", "same"]
    assert likely_similar(mine.signature, candidates, 1.0) == ["same"]
    assert likely_similar(mine.signature, [], 0.5) == []
    assert len(mine.signature) == 4 * NUM_HASHES


def test_prints_are_the_minhash_of_the_documented_formula(bigger_manifest: dict[str, Any]) -> None:
    """TextPrint.of against the formula it implements, written plainly (Python integers, one
    shingle at a time): h_i(x) = (a_i * crc32(x) + b_i) mod p, the minimum over the shingles;
    band keys BLAKE2b of each band's number and values."""
    import hashlib
    import struct
    import zlib

    from newscrawl.dedup import _A, _B, _PRIME, BANDS, NUM_HASHES, ROWS_PER_BAND

    bodies = [a["expected"]["body"] for a in list(bigger_manifest["articles"].values())[:20]]
    bodies += ["", "one two three", " ".join(f"word{i % 7000}" for i in range(9000))]  # none, one shingle, > 4096 rows
    for body in bodies:
        words = [w for w in "".join(c if c.isalnum() or c == "_" else " " for c in body.lower()).split()]
        grams = {" ".join(words[i : i + 4]) for i in range(len(words) - 3)} if len(words) > 4 else ({" ".join(words)} if words else set())
        crcs = [zlib.crc32(g.encode("utf-8")) for g in grams]
        signature = [min(((int(a) * x + int(b)) % int(_PRIME) for x in crcs), default=0) for a, b in zip(_A, _B)]
        keys = tuple(int.from_bytes(hashlib.blake2b(struct.pack(f"<B{ROWS_PER_BAND}Q", n, *signature[n * ROWS_PER_BAND : (n + 1) * ROWS_PER_BAND]),
                                                    digest_size=8).digest(), "big") >> 1 for n in range(BANDS))
        assert TextPrint.of(body) == TextPrint(keys, struct.pack(f"<{NUM_HASHES}I", *signature)), body[:60]


def test_a_rebuild_finds_near_duplicates_in_memory_as_the_archive_would(
    tmp_path: Path, bigger_manifest: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """scrapy reparse into a fresh archive asks its own prints (newscrawl.dedup.PrintIndex) instead
    of the archive's band index: the same holders, in the same order, and the same links; past
    its bound (here 150 articles), the band index again."""
    from sqlalchemy import literal_column, select

    from newscrawl import reparse
    from newscrawl.db import BANDS, NEAR
    from newscrawl.reparse import ReextractionArchive

    articles = list(expected_articles(bigger_manifest).values())
    links = {}
    for where in ("memory", "archive", "past the bound"):
        monkeypatch.setattr(reparse, "MAX_INDEXED_PRINTS", 150 if where == "past the bound" else 100_000)
        archive = ReextractionArchive(f"sqlite:///{tmp_path / where}.sqlite", NEAR_DUPLICATE_THRESHOLD)
        assert archive.written is not None  # an archive without prints: its own are kept
        if where == "archive":
            archive.written = None  # as into an archive that held prints: the band index is asked
        for start in range(0, len(articles), 100):  # batch after batch, as a reparse stores
            with archive.engine.begin() as conn:
                archive.store(conn, articles[start : start + 100], [])
        with archive.engine.connect() as conn:
            links[where] = conn.execute(select(NEAR.c.article_id, NEAR.c.similar_id, NEAR.c.similarity)
                                        .order_by(literal_column("rowid"))).all()
            if where == "memory":
                assert archive.written is not None and len(archive.written) == len(articles)
                keys = set(conn.execute(select(BANDS.c.key)).scalars())
                assert archive.written.holders(keys) == ReextractionArchive._sharing_bands(conn, keys)
            if where == "past the bound":
                assert archive.written is None
        archive.close()
    assert {frozenset(link[:2]) for link in links["memory"]} == {frozenset(p) for p in bigger_manifest["duplicates"]["near"]}
    assert links["memory"] == links["archive"] == links["past the bound"]


def test_a_reextraction_that_keeps_the_text_keeps_its_print_and_links(tmp_path: Path, bigger_manifest: dict[str, Any]) -> None:
    """A re-extraction that changes an article but not its text (tags here) searches no
    near-duplicate again: its bands and signature stand, and its pairs stay one row each (a
    second search would have linked it to its later near-duplicate again, the other way round)."""
    import dataclasses

    from sqlalchemy import select

    from newscrawl.db import BANDS, NEAR, SIGNATURES
    from newscrawl.reparse import ReextractionArchive

    articles = expected_articles(bigger_manifest)
    first, second = bigger_manifest["duplicates"]["near"][0]  # second: stored after first
    order = [articles[first], articles[second]] + [a for i, a in articles.items() if i not in (first, second)]
    retagged = dataclasses.replace(articles[first], tags=[*articles[first].tags, "a tag added today"])

    def stored(archive: ReextractionArchive) -> tuple[set[Any], ...]:
        with archive.engine.connect() as conn:
            return tuple(set(conn.execute(select(*table.c[:3])).all()) for table in (NEAR, BANDS, SIGNATURES))

    tables = {}
    for same_text in (frozenset({first}), frozenset()):
        archive = ReextractionArchive(f"sqlite:///{tmp_path / str(len(same_text))}.sqlite", NEAR_DUPLICATE_THRESHOLD)
        with archive.engine.begin() as conn:
            archive.store(conn, order, [])
        before = stored(archive)
        assert (second, first) in {row[:2] for row in before[0]}
        with archive.engine.begin() as conn:
            archive.store(conn, [], [retagged], same_text)
        tables[same_text] = before, stored(archive)
        archive.close()
    before, after = tables[frozenset({first})]
    assert after == before
    # searched again (as for a changed text), the pair gets its second row
    before, after = tables[frozenset()]
    assert after[0] - before[0] and {row[:2] for row in after[0] - before[0]} == {(first, second)}


def band_index_present(database: Path) -> bool:
    import sqlite3

    from newscrawl.db import BAND_KEY_INDEX

    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", (BAND_KEY_INDEX,)).fetchone() is not None


_KILLED_REBUILD = """
import os, pickle, signal, sys
from newscrawl.reparse import ReextractionArchive
articles = pickle.load(sys.stdin.buffer)
archive = ReextractionArchive(sys.argv[1], float(sys.argv[2]))
with archive.engine.begin() as conn:
    archive.store(conn, articles, [])
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_rebuild_makes_the_band_index_at_its_end_and_the_next_open_after_a_kill(tmp_path: Path, bigger_manifest: dict[str, Any]) -> None:
    """A rebuild into a fresh SQLite archive writes its bands without the index on their key
    and makes it once at its end (ReextractionArchive.finish). Killed (SIGKILL) after a batch
    is stored, it leaves the archive without the index: the next writer's open makes it again,
    and a crawl's near-duplicate search through it finds the pairs across the kill."""
    import pickle
    import subprocess
    import sys

    from newscrawl.reparse import ReextractionArchive
    from tests.conftest import PROJECT_ROOT

    articles = list(expected_articles(bigger_manifest).values())
    order = [a.article_id for a in articles]
    earlier, later = bigger_manifest["duplicates"]["near"][0]
    half = order.index(later)  # the kill comes between the two articles of a near pair
    assert order.index(earlier) < half
    first_ids = {a.article_id for a in articles[:half]}
    across = {(later, earlier) for earlier, later in bigger_manifest["duplicates"]["near"]
              if earlier in first_ids and later not in first_ids}
    assert across  # near pairs with one article on each side of the kill

    finished = tmp_path / "finished.sqlite"
    archive = ReextractionArchive(f"sqlite:///{finished}", NEAR_DUPLICATE_THRESHOLD)
    with archive.engine.begin() as conn:
        archive.store(conn, articles[:half], [])
    assert not band_index_present(finished)  # written without it
    archive.finish()
    archive.close()
    assert band_index_present(finished)

    killed = tmp_path / "killed.sqlite"
    done = subprocess.run([sys.executable, "-c", _KILLED_REBUILD, f"sqlite:///{killed}", str(float(NEAR_DUPLICATE_THRESHOLD))],
                          input=pickle.dumps(articles[:half]), cwd=PROJECT_ROOT, capture_output=True, timeout=120)
    assert done.returncode == -9, done.stderr.decode()
    assert not band_index_present(killed)
    archive = Archive(f"sqlite:///{killed}", NEAR_DUPLICATE_THRESHOLD)  # a crawl's writer opens it
    assert band_index_present(killed)
    outcomes = archive.write_batch(articles[half:], None)
    archive.close()
    found = {(outcome.article_id, other) for outcome in outcomes for other in outcome.near_duplicates}
    assert across <= found


def test_a_rebuild_stores_the_prints_its_page_readers_made_of_the_same_text(tmp_path: Path, bigger_manifest: dict[str, Any]) -> None:
    """The prints a rebuild's page readers made (with the content hash of the text they were made
    of) are the ones stored; a print made of another text than the article's is made again."""
    from sqlalchemy import select

    from newscrawl.db import BANDS
    from newscrawl.reparse import ReextractionArchive

    first, second, third = list(expected_articles(bigger_manifest).values())[:3]
    made = TextPrint(tuple(range(1, 33)), bytes(512))  # no body prints so: the store would make another
    archive = ReextractionArchive(f"sqlite:///{tmp_path / 'made.sqlite'}", NEAR_DUPLICATE_THRESHOLD)
    with archive.engine.begin() as conn:
        archive.store(conn, [first, second, third], [], made={
            first.article_id: (first.content_hash, made), second.article_id: ("another text", made),
        })
    with archive.engine.connect() as conn:
        bands = {i: tuple(conn.execute(select(BANDS.c.key).where(BANDS.c.article_id == i).order_by(BANDS.c.band)).scalars())
                 for i in (first.article_id, second.article_id, third.article_id)}
    archive.finish()
    archive.close()
    assert bands == {first.article_id: made.bands, second.article_id: TextPrint.of(second.body).bands,
                     third.article_id: TextPrint.of(third.body).bands}
