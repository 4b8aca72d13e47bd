"""A page parsed from its body and the encoding it was served in (Scrapy's `response.body` and
`response.encoding`, as the spider passes them) gives exactly what `response.text` gives:
the header's encoding first (then a BOM, then the page's meta), invalid bytes replaced, the
page's own declaration ignored once the response has one. A UTF-8 body is parsed from its
bytes; any other goes through the same text."""

from __future__ import annotations

import threading
from dataclasses import asdict
from typing import Any, Optional

import pytest
from scrapy.http import HtmlResponse

from newscrawl.parsers import ParseResult, parse_article
from newscrawl.parsers.page import Page
from tests.parsers.cases import GOLDEN_ARTICLES, GoldenPage

PAGE = next(p for p in GOLDEN_ARTICLES if p.name == "legacy-plain")
CURRENT = next(p for p in GOLDEN_ARTICLES if p.name == "current-no-lead")
# Cyrillic (in windows-1251), typographic quotes, and Chinese (not in it: an entity there)
RUSSIAN = "Путин и Си Цзиньпин «обсудили» сотрудничество — 习近平"
TURKISH = "Erdoğan ve Şi Cinping işbirliğini görüştü"


def localised(page: GoldenPage, title: str, charset: Optional[str]) -> str:
    """The page with `title` for its title (head and h1), its meta charset `charset` (None: none)."""
    html = page.html.replace(page.expected["title"], title)
    assert title in html and '<meta charset="utf-8">' in page.html
    return html.replace('<meta charset="utf-8">', f'<meta charset="{charset}">' if charset else "")


def response(body: bytes, content_type: str = "text/html", encoding: Optional[str] = None) -> HtmlResponse:
    return HtmlResponse(PAGE.url, body=body, headers={"Content-Type": content_type}, encoding=encoding)


def cp1251(html: str) -> bytes:
    return html.encode("cp1251", errors="xmlcharrefreplace")


RUSSIAN_1251 = localised(PAGE, RUSSIAN, "windows-1251")
RUSSIAN_UTF8 = localised(PAGE, RUSSIAN, "utf-8")
CASES: dict[str, HtmlResponse] = {
    "utf-8": response(RUSSIAN_UTF8.encode(), "text/html; charset=utf-8"),
    "utf-8, the current layout": response(localised(CURRENT, RUSSIAN, "utf-8").encode(), "text/html; charset=UTF-8"),
    "windows-1251 by the header": response(cp1251(RUSSIAN_1251), "text/html; charset=windows-1251"),
    "windows-1251 by the meta only": response(cp1251(RUSSIAN_1251)),
    "windows-1251 by the header, the meta says utf-8": response(cp1251(RUSSIAN_UTF8), "text/html; charset=windows-1251"),
    "utf-8 by the header, the meta says windows-1251": response(RUSSIAN_1251.encode(), "text/html; charset=utf-8"),
    "windows-1251 bytes served as utf-8": response(cp1251(RUSSIAN_UTF8), "text/html; charset=utf-8"),
    "utf-8 with a BOM, served as latin-1": response(b"\xef\xbb\xbf" + RUSSIAN_UTF8.encode(), "text/html; charset=iso-8859-1"),
    "utf-8 with a BOM, served as utf-8": response(b"\xef\xbb\xbf" + RUSSIAN_UTF8.encode(), "text/html; charset=utf-8"),
    "utf-16 with a BOM": response(b"\xff\xfe" + localised(PAGE, RUSSIAN, None).encode("utf-16-le")),
    "utf-8 with a broken byte": response(RUSSIAN_UTF8.replace("Путин", "П\udcffутин").encode("utf-8", "surrogateescape"),
                                         "text/html; charset=utf-8"),
    "utf-8 with NUL bytes": response(RUSSIAN_UTF8.replace("Путин", "Пу\x00тин").encode(), "text/html; charset=utf-8"),
    "latin5 (read as windows-1254)": response(localised(PAGE, TURKISH, None).encode("cp1254", errors="xmlcharrefreplace"), "text/html; charset=latin5"),
    "no charset anywhere": response(cp1251(localised(PAGE, RUSSIAN, None))),
    "given by the caller": response(cp1251(localised(PAGE, RUSSIAN, None)), encoding="cp1251"),
    "nothing Scrapy can name": response(bytes(range(128, 256)) * 4 + b"<h1>x</h1>"),
}


def fields(result: ParseResult) -> tuple[Any, ...]:
    assert result.article is not None
    return result.layout, result.missing, result.errors, asdict(result.article)


@pytest.mark.parametrize("name", list(CASES))
def test_body_and_encoding_give_what_the_text_gives(name: str) -> None:
    served = CASES[name]
    assert Page(served.body, served.encoding).html == served.text
    from_body = parse_article(served.body, PAGE.url, PAGE.url, encoding=served.encoding)
    assert fields(from_body) == fields(parse_article(served.text, PAGE.url, PAGE.url))


@pytest.mark.parametrize("name", ["utf-8", "windows-1251 by the header", "windows-1251 by the meta only",
                                  "windows-1251 by the header, the meta says utf-8", "utf-8 with a BOM, served as latin-1",
                                  "utf-16 with a BOM", "given by the caller"])
def test_a_page_in_another_encoding_keeps_its_text(name: str) -> None:
    """The cases above compare two paths; here the text itself is the one the page was written in."""
    served = CASES[name]
    result = parse_article(served.body, PAGE.url, PAGE.url, encoding=served.encoding)
    assert result.article is not None and result.article.title == RUSSIAN
    assert result.article.body == PAGE.expected["body"]


def test_bytes_without_an_encoding_are_utf8() -> None:
    body = RUSSIAN_UTF8.encode()
    assert fields(parse_article(body, PAGE.url)) == fields(parse_article(RUSSIAN_UTF8, PAGE.url))


def test_threads_parse_alike() -> None:
    """Each thread parses with its own lxml parser: pages parsed at once give what they give alone."""
    pages = [(p.html.encode(), p.url) for p in GOLDEN_ARTICLES]
    assert len(pages) >= 5, "the golden pages are gone"
    alone = [fields(parse_article(body, url)) for body, url in pages]
    found: dict[int, list[tuple[Any, ...]]] = {}
    failed: dict[int, BaseException] = {}

    def work(number: int) -> None:
        try:
            found[number] = [fields(parse_article(body, url)) for _ in range(5) for body, url in pages]
        except BaseException as exc:  # a thread's exception is only printed: keep it for the assertion
            failed[number] = exc

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failed == {}
    assert sorted(found) == [0, 1, 2, 3]
    for results in found.values():
        assert results == alone * 5
