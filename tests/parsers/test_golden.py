"""Golden files: each stored page beside the item the mirror's corpus says it holds.

The expected JSON comes from newscrawl/mirror (corpus and templates) and, for the real pages,
from the human ground truth and a reading of the page by hand: never from the parsers under test. Every field exact, the body
too (body F1 1.0 over 4-word shingles, the benchmark's measure, says the same in its terms).
"""

from __future__ import annotations

from dataclasses import asdict
from urllib.parse import urlsplit

import pytest
from parsel import Selector

from newscrawl.parsers import parse_listing
from newscrawl.parsers.scoring import body_f1, field_mismatches
from tests.parsers.cases import GOLDEN, GOLDEN_ARTICLES, GOLDEN_IDS, GoldenPage, golden_pages, parsed

INDEX_PAGES = golden_pages("index")


def test_there_are_golden_files_of_every_kind() -> None:
    assert len(GOLDEN_ARTICLES) >= 9 and len(INDEX_PAGES) >= 3
    assert {page.layout for page in GOLDEN_ARTICLES} == {"current", "legacy"}
    assert len(list(GOLDEN.glob("*.json"))) == len(GOLDEN_ARTICLES) + len(INDEX_PAGES)


@pytest.mark.parametrize("page", GOLDEN_ARTICLES, ids=GOLDEN_IDS)
def test_every_field_is_exact(page: GoldenPage) -> None:
    result, article = parsed(page.html, page.url)
    assert result.layout == page.layout
    assert result.errors == {} and result.missing == []
    assert result.unknown_blocks == page.unknown_blocks  # kept in the body, and reported
    assert field_mismatches(page.expected, asdict(article), skip=()) == {}


@pytest.mark.parametrize("page", GOLDEN_ARTICLES, ids=GOLDEN_IDS)
def test_body_is_exact(page: GoldenPage) -> None:
    """The body alone (the fields test stops at the first field that differs)."""
    _, article = parsed(page.html, page.url)
    assert article.body == page.expected["body"]
    assert body_f1(page.expected["body"], article.body) == 1.0
    assert article.word_count == len(page.expected["body"].split())


@pytest.mark.parametrize("page", INDEX_PAGES, ids=[p.name for p in INDEX_PAGES])
def test_index_page_links_and_next_page(page: GoldenPage) -> None:
    listing = parse_listing(Selector(text=page.html), page.url)
    assert [link.url for link in listing.links] == page.expected["links"]
    next_path = None
    if listing.next_url:
        parts = urlsplit(listing.next_url)
        next_path = parts.path + (f"?{parts.query}" if parts.query else "")
    assert next_path == page.expected["next_url"]
