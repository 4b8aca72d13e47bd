"""The parsers on pages they have never seen: every golden page varied (tests/parsers/variants.py)
must never raise and must still give every field that is still on the page."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pytest

from newscrawl.parsers.scoring import field_mismatches
from tests.parsers.cases import GOLDEN_ARTICLES, GoldenPage, parsed
from tests.parsers.variants import VARIANTS, Variant, cut_points, fields_still_whole, shows_a_layout

CASES = [(page, variant) for page in GOLDEN_ARTICLES for variant in VARIANTS]
CUTS = [(page, name, at) for page in GOLDEN_ARTICLES for name, at in cut_points(page.html).items()]


@pytest.mark.parametrize("page,variant", CASES, ids=[f"{p.name}-{v.name}" for p, v in CASES])
def test_variant_gives_every_field(page: GoldenPage, variant: Variant) -> None:
    html = variant.transform(page.html)
    result, article = parsed(html, page.url)
    assert result.layout == page.layout
    assert result.errors == {}
    assert field_mismatches(variant.expect(page), asdict(article), skip=()) == {}


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.name for v in VARIANTS])
def test_each_variant_changes_some_page(variant: Variant) -> None:
    """A transformation that changed nothing would test nothing."""
    assert any(variant.transform(page.html) != page.html for page in GOLDEN_ARTICLES)


def _prefix_except_last(got: list[Any], expected: list[Any]) -> bool:
    """What a cut list still holds: the expected items in order, the last one perhaps cut short."""
    return got[:-1] == expected[: max(len(got) - 1, 0)]


@pytest.mark.parametrize("page,name,at", CUTS, ids=[f"{p.name}-cut-{n}" for p, n, _ in CUTS])
def test_truncated_page_never_raises_and_keeps_what_is_whole(page: GoldenPage, name: str, at: int) -> None:
    html = page.html[:at]
    result, article = parsed(html, page.url)
    item = asdict(article)
    assert result.errors == {}
    assert result.layout == (page.layout if shows_a_layout(html) else "fallback")
    whole = fields_still_whole(page.html, html)
    assert field_mismatches({k: v for k, v in page.expected.items() if k in whole}, item, skip=()) == {}
    paragraphs = article.body.split("\n\n") if article.body else []
    if result.layout != "fallback":
        assert _prefix_except_last(paragraphs, page.paragraphs), "a cut body is the page's first paragraphs"
    if paragraphs[:1] == page.paragraphs[:1]:
        assert article.dateline == page.expected["dateline"]
    for field in ("read_more", "authors", "tags"):
        assert _prefix_except_last(item[field], page.expected[field]), field
