"""The compact per-crawl state (newscrawl/compact.py) and what keeps it: item-level dedup,
the spider's depth bookkeeping and the dupefilter. Each holds the same answers as the sets and
dicts of strings it replaced, in a few bytes an entry (measured with tracemalloc)."""

from __future__ import annotations

import random
import tracemalloc
from pathlib import Path
from typing import Callable

import numpy as np
import pytest
from scrapy import Request
from scrapy.dupefilters import RFPDupeFilter
from scrapy.utils.test import get_crawler

from newscrawl.compact import KeyMap, KeySet, id_key, is_decimal_key, text_key
from newscrawl.dedup import CrawlSeen
from newscrawl.middlewares import ArticleRequestFingerprinter, CompactDupeFilter
from spiders.asia import AsiaSpider

ARTICLE = "https://sputnikglobe.com/20260615/story-{}.html"


def bytes_per_entry(build: Callable[[int], object], count: int) -> float:
    """Memory newly held by what build(count) returns, per entry."""
    build(100)  # first calls fill caches (numpy's, the regexes'): not the entries' memory
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = build(count)
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert kept is not None
    return (after - before) / count


@pytest.mark.parametrize("recent", [4, 1024])
def test_key_set_and_map_answer_like_a_set_and_a_dict(monkeypatch: pytest.MonkeyPatch, recent: int) -> None:
    # a tiny buffer: thousands of merges into the sorted array, and lookups on both sides of it
    monkeypatch.setattr(KeySet, "MIN_RECENT", recent)
    monkeypatch.setattr(KeyMap, "MIN_RECENT", recent)
    rng = random.Random(7)
    keys, mapping = KeySet(), KeyMap(np.uint64)
    ref_set: set[int] = set()
    ref_map: dict[int, int] = {}
    for _ in range(20_000):
        key = rng.choice([rng.getrandbits(64), rng.randrange(3000), 0, 2**64 - 1])
        assert keys.add(key) == (key not in ref_set)
        ref_set.add(key)
        if rng.random() < 0.05:
            gone = rng.choice(sorted(ref_set)[:20])
            keys.discard(gone)
            ref_set.discard(gone)
        value = rng.getrandbits(64)
        mapping[key] = value
        ref_map[key] = value
        probe = rng.choice([key, rng.getrandbits(64), rng.randrange(3000)])
        assert (probe in keys) == (probe in ref_set)
        assert mapping.get(probe) == ref_map.get(probe)
        assert mapping.setdefault(probe, 5) == ref_map.setdefault(probe, 5)
    assert len(keys) == len(ref_set) and len(mapping) == len(ref_map)
    assert all(k in keys for k in ref_set) and all(mapping.get(k) == v for k, v in ref_map.items())


def test_a_key_set_takes_a_few_bytes_a_key() -> None:
    def one_by_one(count: int) -> KeySet:
        keys = KeySet()
        for i in range(count):
            keys.add(10**12 + i)
        return keys

    # a Python set of these ints takes about 100 bytes a key, of the strings about 160
    assert bytes_per_entry(lambda n: KeySet(range(10**12, 10**12 + n)), 50_000) < 12
    assert bytes_per_entry(one_by_one, 50_000) < 16


def test_ids_are_their_own_keys_and_other_strings_never_meet_them() -> None:
    assert id_key("1066021398") == 1066021398 and is_decimal_key(id_key("1066021398"))
    # another spelling of a number, an empty id, letters: hashed, top bit set, so apart from every decimal id
    for other in ("01066021398", "", "abc", "١٢٣", "9" * 19):
        assert not is_decimal_key(id_key(other))
        assert id_key(other) >= 2**63
    assert id_key("01066021398") != id_key("1066021398")
    assert text_key("https://sputnikglobe.com/a") != text_key("https://sputnikglobe.com/b")


def test_crawl_seen_keeps_its_answers_for_any_id() -> None:
    seen = CrawlSeen()
    seen.keep("", "https://sputnikglobe.com/20260615/a-1.html", "h1")  # an article whose id was not found
    seen.keep("x-7", "https://sputnikglobe.com/20260615/b-2.html", "h2")
    seen.keep("1066021398", "https://sputniknews.com/asia/201806301066021398-x/", "h3", duplicate_of="0042")
    assert seen.is_repeat("", "https://elsewhere.example/")
    assert seen.is_repeat("9", "http://www.sputnikglobe.com/20260615/b-2.html?utm_source=x")  # same canonical URL
    assert not seen.is_repeat("9", "https://sputnikglobe.com/20260615/c-3.html")
    assert seen.same_text_as("h2", "5") == "x-7"
    assert seen.same_text_as("h2", "x-7") is None
    assert seen.same_text_as("h3", "5") == "0042"  # the original's own spelling, leading zero kept
    assert seen.same_text_as("h1", "5") == ""
    assert seen.same_text_as("h4", "5") is None


def test_crawl_seen_takes_a_few_dozen_bytes_an_article() -> None:
    def keep_all(count: int) -> CrawlSeen:
        seen = CrawlSeen()
        for i in range(count):
            article_id = str(1_100_000_000 + i)
            seen.keep(article_id, ARTICLE.format(article_id), f"{i:064x}")
        return seen

    # sets and dicts of the id, canonical URL and hash strings took about 400 bytes an article
    assert bytes_per_entry(keep_all, 20_000) < 80


def test_the_spider_keeps_a_few_dozen_bytes_an_article(tmp_path: Path) -> None:
    crawler = get_crawler(AsiaSpider, {"NEWSCRAWL_DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite'}"})
    crawler._apply_settings()
    spider = AsiaSpider.from_crawler(crawler, base_url="http://127.0.0.1:8123")
    crawler.spider = spider
    crawler.stats.open_spider()

    def meet_all(count: int) -> AsiaSpider:
        for i in range(count):  # every article of an index, its request made and sent away
            for _request in spider.article_requests(ARTICLE.format(1_100_000_000 + i), hops=0):
                pass
        return spider

    # a dict from id strings to depths took about 120 bytes an article
    assert bytes_per_entry(meet_all, 12_000) < 48
    assert spider.fewest_hops.get(id_key("1100000007")) == 0


def dupefilter(path: Path, kind: type[RFPDupeFilter] = CompactDupeFilter) -> RFPDupeFilter:
    return kind(str(path), fingerprinter=ArticleRequestFingerprinter())


def test_the_dupefilter_resumes_from_its_jobdir_and_scrapys(tmp_path: Path) -> None:
    first = dupefilter(tmp_path)
    assert not first.request_seen(Request(ARTICLE.format(1100000001)))
    assert first.request_seen(Request("http://www.sputnikglobe.com/20260615/other-slug-1100000001.html?utm_source=x"))
    assert not first.request_seen(Request(ARTICLE.format(1100000002)))
    first.close("shutdown")
    # requests.seen as Scrapy writes it: Scrapy's own filter and ours read it back alike
    scrapys = dupefilter(tmp_path, RFPDupeFilter)
    assert scrapys.request_seen(Request(ARTICLE.format(1100000002)))
    assert not scrapys.request_seen(Request(ARTICLE.format(1100000003)))
    scrapys.close("shutdown")
    again = dupefilter(tmp_path)
    for i in (1, 2, 3):
        assert again.request_seen(Request(ARTICLE.format(1100000000 + i)))
    assert not again.request_seen(Request(ARTICLE.format(1100000004)))
    again.close("finished")


def test_the_dupefilter_takes_a_few_bytes_a_request() -> None:
    def see_all(count: int) -> RFPDupeFilter:
        seen = CompactDupeFilter(fingerprinter=ArticleRequestFingerprinter())
        for i in range(count):
            assert not seen.request_seen(Request(ARTICLE.format(1_100_000_000 + i)))
        return seen

    # Scrapy's set of 20-byte fingerprints takes about 100 bytes a request
    assert bytes_per_entry(see_all, 12_000) < 40
