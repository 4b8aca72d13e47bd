"""The rules that keep a damaged copy of a page out of the archive (newscrawl.integrity)."""

from __future__ import annotations

import random
import warnings
from typing import Optional

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


def test_every_sequence_ftfy_calls_bad_is_short_and_holds_a_sign() -> None:
    """looks_misdecoded searches only BADNESS_WIDTH characters either side of each sign: that is
    ftfy's is_bad only while each alternative of its pattern is that short and has a place that
    only signs fill. Read off the installed ftfy's own pattern, so an ftfy that changes it fails here."""
    from ftfy.badness import BADNESS_RE

    with warnings.catch_warnings():  # re's own parser, the only one to read a pattern with
        warnings.simplefilter("ignore", DeprecationWarning)
        import sre_constants
        import sre_parse

    from newscrawl.integrity import _MOJIBAKE_SIGNS, BADNESS_WIDTH

    def chars(item: tuple[object, object]) -> Optional[set[int]]:
        op, arg = item
        if op == sre_constants.LITERAL:
            return {arg}  # type: ignore[arg-type]
        if op != sre_constants.IN:
            return None
        found: set[int] = set()
        for kind, value in arg:  # type: ignore[union-attr]
            if kind == sre_constants.LITERAL:
                found.add(value)
            elif kind == sre_constants.RANGE:
                found.update(range(value[0], value[1] + 1))
            else:  # a negated set, a category: not only signs
                return None
        return found

    (branch,) = sre_parse.parse(BADNESS_RE.pattern, BADNESS_RE.flags).data
    assert branch[0] == sre_constants.BRANCH
    alternatives = branch[1][1]
    assert len(alternatives) > 30
    for alternative in alternatives:
        assert alternative.getwidth()[1] <= BADNESS_WIDTH, alternative
        assert any((found := chars(item)) and all(_MOJIBAKE_SIGNS.match(chr(c)) for c in found) for item in alternative.data), alternative


@pytest.mark.parametrize("text", [
    "Ã about", "1Ã  x", "xÃ  x", "Nguyễn Phú Trọng, " * 20 + "PhaÌ£m", "PhaÌ£m" + " said" * 50, "a" * 300 + "â€“",
    "Сергей Лавров сказал, что Россия " * 10, "x ГўВЂВ.A y", "ØŠØŠ", "Ð¡ÐµÑ€Ð³ÐµÐ¹" * 3, "Î¿Î¹ Ï„Î¿Ï…", "Ã", "café ô ú í â " * 30 + "Ã©",
])
def test_misdecoded_is_ftfys_verdict(text: str) -> None:
    from ftfy.badness import is_bad

    from newscrawl.integrity import looks_misdecoded

    assert looks_misdecoded(text) == is_bad(text)
    for start in range(0, len(text), max(1, len(text) // 25)):  # the same near each end of the text
        assert looks_misdecoded(text[start:]) == is_bad(text[start:]), repr(text[start:])
        assert looks_misdecoded(text[:start]) == is_bad(text[:start]), repr(text[:start])


def test_misdecoded_is_ftfys_verdict_on_random_text() -> None:
    """Random texts of signs, the characters ftfy's sequences pair them with, and plain ones."""
    from ftfy.badness import MOJIBAKE_CATEGORIES, is_bad

    from newscrawl.integrity import looks_misdecoded

    alphabet = list("".join(MOJIBAKE_CATEGORIES.values()).replace("-", "")) + list("ÃÂÎÐØÙà√≈‚вЂВГРСβΒΓΞΟā€Œœ×²° \n") + list("aZ1.,")
    rnd = random.Random(11)
    bad = 0
    for _ in range(20_000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 40)))
        verdict = is_bad(text)
        bad += verdict
        assert looks_misdecoded(text) == verdict, repr(text)
    assert 1_000 < bad < 19_000  # both verdicts met
