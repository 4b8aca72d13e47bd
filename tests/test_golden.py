"""Golden files: each stored page beside the JSON the mirror's corpus says it holds.

The expected JSON comes from newscrawl/mirror (corpus and templates) and, for the real
page, from the human ground truth: never from the parsers under test.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from parsel import Selector

from newscrawl.cleaning import clean_article
from newscrawl.parsers import parse_article, parse_listing

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(GOLDEN.glob("*.json"))


def load(case: Path) -> tuple[str, dict[str, Any]]:
    html = case.with_suffix(".html").read_bytes().decode("utf-8")
    return html, json.loads(case.read_text(encoding="utf-8"))


def test_there_are_golden_files_of_every_kind() -> None:
    kinds = {json.loads(c.read_text(encoding="utf-8"))["kind"] for c in CASES}
    assert kinds == {"article", "index"}
    assert len(CASES) >= 10


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_golden_page(case: Path) -> None:
    html, golden = load(case)
    expected = golden["expected"]
    if golden["kind"] == "index":
        page = parse_listing(Selector(text=html), golden["url"])
        assert [link.url for link in page.links] == expected["links"]
        next_path = None
        if page.next_url:
            parts = urlsplit(page.next_url)
            next_path = parts.path + (f"?{parts.query}" if parts.query else "")
        assert next_path == expected["next_url"]
        return
    result = parse_article(html, golden["url"], golden["url"])
    assert result.article is not None and result.layout in {"current", "legacy"}
    article = clean_article(result.article)
    for field, value in expected.items():
        assert getattr(article, field) == value, field
    assert article.word_count == len(expected["body"].split())
