"""The rules that keep a damaged copy of a page out of the archive (newscrawl.integrity)."""

from __future__ import annotations

import random

import pytest
from scrapy.http import HtmlResponse

from newscrawl.integrity import (
    CUT_MARKUP, DATA_LOSS, EMPTY, MISDECODED, damage_repaired, looks_damaged, looks_truncated, page_damage, page_encoding,
    text_damage,
)

NAME = "Phạm Minh Chính"
PAGE = f'<html><head><meta charset="utf-8"><title>{NAME}</title></head><body><p>{NAME} met the press.</p></body></html>'.encode()


def test_a_page_that_says_utf8_and_is_utf8_is_read_as_utf8_whatever_the_header_says() -> None:
    assert page_encoding(PAGE, "cp1252") == "utf-8"
    response = HtmlResponse("http://127.0.0.1/a", body=PAGE, headers={"Content-Type": "text/html; charset=windows-1252"})
    assert NAME not in response.text  # what Scrapy reads by the header: mojibake
    assert NAME in response.replace(encoding=page_encoding(PAGE, response.encoding)).text


def test_the_header_stands_when_the_page_is_not_valid_utf8_or_does_not_say_utf8() -> None:
    latin = '<html><head><meta charset="utf-8"></head><body>caf\xe9</body></html>'.encode("latin-1")
    assert page_encoding(latin, "latin-1") is None  # says UTF-8, is not: the header is right
    assert page_encoding(PAGE.replace(b'charset="utf-8"', b'charset="koi8-r"'), "cp1252") is None
    assert page_encoding(PAGE, "utf-8") is None  # nothing to change


@pytest.mark.parametrize("body,flags,problem", [
    (b"", (), EMPTY),
    (b"  \n\t ", (), EMPTY),
    (PAGE[: len(PAGE) // 2], (), CUT_MARKUP),
    (PAGE, ("dataloss",), DATA_LOSS),
    (PAGE, (), None),
    (PAGE.upper(), (), None),  # </HTML>
])
def test_page_damage(body: bytes, flags: tuple[str, ...], problem: str | None) -> None:
    assert page_damage(body, flags) == problem


def test_a_download_stopped_by_the_page_size_bound_needs_no_document_end() -> None:
    assert page_damage(PAGE[: len(PAGE) // 2], ("download_stopped",)) is None


def test_index_fragments_need_no_document_end() -> None:
    fragment = b'<div class="list__item"><a href="/asia/1/">x</a></div>'
    assert page_damage(fragment, article_page=False) is None
    assert page_damage(fragment, article_page=True) == CUT_MARKUP


@pytest.mark.parametrize("text", [
    "PhaÌ£m Minh ChiÌ\ufffdnh", NAME.encode().decode("cp1252", "replace"), "Sputnik â€“ news", "a \ufffd in it",
])
def test_misdecoded_text_is_damaged(text: str) -> None:
    assert text_damage("A fine title", text) == MISDECODED


@pytest.mark.parametrize("text", [
    NAME, "Thủ tướng nói: “Việt Nam” — 2026", "naïve façade résumé Ñandú", "Tokyo – 東京, Seoul – 서울", "",
])
def test_real_text_is_not_damaged(text: str) -> None:
    assert text_damage(text, None) is None


def test_truncated_bodies() -> None:
    whole = "First paragraph of the story, long enough to be an article. " * 5 + "\n\nIt ended here."
    assert not looks_truncated(whole)
    assert looks_truncated(whole[: len(whole) - 6])  # cut mid-sentence
    assert looks_truncated("Short.")
    assert looks_damaged("Title", whole) is None
    assert looks_damaged("Title", whole[:150]) == CUT_MARKUP
    assert looks_damaged("PhaÌ£m", whole) == MISDECODED


def test_damage_repaired_tells_a_repair_from_an_edit() -> None:
    whole = "One sentence here. Another one there.\n\nThe last paragraph, finished."
    cut = whole[:30]
    assert damage_repaired("T", cut, "T", whole) == CUT_MARKUP
    assert damage_repaired("PhaÌ£m", "ChiÌ\ufffdnh said.", NAME, f"{NAME} said.") == MISDECODED
    # the site's own edits: text added at the end of a whole body, a rewrite, a shortening
    assert damage_repaired("T", whole, "T", whole + "\n\nAn update.") is None
    assert damage_repaired("T", whole, "T", "A different story.") is None
    assert damage_repaired("T", whole, "T", whole[:30]) is None


def test_text_without_a_sign_of_mojibake_is_never_bad_to_ftfy() -> None:
    """text_damage skips ftfy for text holding none of _MOJIBAKE_SIGNS: that must never hide
    what ftfy would find. Random strings of every other character ftfy's categories name
    (curly quotes, dashes, NBSP, Greek and Cyrillic letters) and ASCII."""
    from ftfy.badness import MOJIBAKE_CATEGORIES, is_bad

    from newscrawl.integrity import _MOJIBAKE_SIGNS

    ordinary = [chr(c) for c in range(32, 127)] + list("".join(MOJIBAKE_CATEGORIES[k] for k in ("common", "start_punctuation", "end_punctuation")))
    ordinary += [chr(c) for c in [*range(0x391, 0x3AA), *range(0x3B1, 0x3CA), *range(0x401, 0x460), 0xDE]]
    ordinary = [c for c in ordinary if not _MOJIBAKE_SIGNS.search(c)]
    assert len(ordinary) > 250  # quotes, dashes and two alphabets among them
    rnd = random.Random(7)
    for _ in range(20_000):
        text = "".join(rnd.choice(ordinary) for _ in range(rnd.randint(1, 8)))
        assert not is_bad(text), repr(text)
