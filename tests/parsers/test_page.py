"""Page answers the parsers' selectors from its tables: the same elements, in the same order,
as the selector's plain XPath (cssselect, as parsel runs it) finds in the same tree."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Optional

import pytest
from cssselect import HTMLTranslator

from newscrawl.parsers import page as page_module
from newscrawl.parsers import parse_article
from newscrawl.parsers.base import ArticleParser
from newscrawl.parsers.current import CurrentArticleParser
from newscrawl.parsers.fallback import FallbackArticleParser
from newscrawl.parsers.legacy import LegacyArticleParser
from newscrawl.parsers.page import Css, Element, Page, _ClassIndex
from tests.parsers.cases import GOLDEN_ARTICLES, GOLDEN_IDS, GoldenPage
from tests.parsers.variants import VARIANTS, extra_classes, extra_wrappers

PARSERS = (ArticleParser, CurrentArticleParser, LegacyArticleParser, FallbackArticleParser)
DECLARED = sorted(
    {value.selector: value for parser in PARSERS for value in vars(parser).values() if isinstance(value, Css)}.values(),
    key=lambda css: css.selector,
)
# forms the parsers do not use today, and that the tables must still answer right
MORE = [Css(s) for s in (
    "div > h1", ".article__block > .article__text", "div.article__block.m-x", "[itemprop] [itemprop=name]",
    "li.tag > a[href]", ".b-article__text > p", "*[data-type=text]", "html > head > meta[name]",
)]
PAGES = [(p, "as served", p.html) for p in GOLDEN_ARTICLES] + [(p, "varied", extra_wrappers(extra_classes(p.html)))
                                                              for p in GOLDEN_ARTICLES]


def by_xpath(css: Css, root: Element) -> list[Element]:
    found: list[Element] = []
    for part in css.selector.split(","):
        xpath = HTMLTranslator().css_to_xpath(part.strip(), prefix="descendant-or-self::")
        found.extend(e for e in root.xpath(xpath) if e not in found)
    return found


def names(elements: list[Element]) -> list[str]:
    return [f"{e.tag}.{e.get('class')}@{e.sourceline}" for e in elements]


@pytest.mark.parametrize("page,kind,html", PAGES, ids=[f"{p.name}-{k}" for p, k, _ in PAGES])
def test_selectors_find_what_xpath_finds(page: GoldenPage, kind: str, html: str) -> None:
    doc = Page(html)
    for css in DECLARED + MORE:
        assert doc.select(css) == by_xpath(css, doc.root), (css, names(doc.select(css)), names(by_xpath(css, doc.root)))
        expected_first: Optional[Element] = next(iter(by_xpath(css, doc.root)), None)
        assert doc.first(css) is expected_first, css


@pytest.mark.parametrize("page", GOLDEN_ARTICLES, ids=GOLDEN_IDS)
def test_selectors_inside_an_element_find_what_xpath_finds(page: GoldenPage) -> None:
    doc = Page(page.html)
    scopes = doc.root.xpath("//*[@data-type] | //p | //div[contains(@class, 'article__')]")
    for scope in scopes:
        for css in DECLARED + MORE:
            assert doc.select(css, scope) == by_xpath(css, scope), css


def test_the_page_is_walked_once_into_tables() -> None:
    doc = Page(
        '<html lang="en"><head><meta name="Keywords" content=" a, b "><meta property="og:title" content="">'
        '<link rel="canonical alternate" href=" https://x/y "><script>var a = "<p>";</script></head>'
        '<body><div class="a  b" itemprop="x">one<br>two<!-- c --></div><style>p {}</style></body></html>'
    )
    assert doc.meta("keywords") == "a, b" and doc.meta("og:title") is None
    assert doc.link("canonical") == doc.link("alternate") == "https://x/y"
    (div,) = doc.by_class["a"]
    assert doc.by_class["b"] == [div] and doc.by_itemprop["x"] == [div]
    assert Page.text(div) == "one two" and doc.root.find(".//script") is None and doc.root.find(".//style") is None


@pytest.mark.parametrize("html", ["", "   ", "\x00", "<", "<!--", "</p>", "<html", "\ufeff<p>x"])
def test_any_text_makes_a_page(html: str) -> None:
    assert Page(html).root.tag == "html"


@pytest.mark.parametrize("selector", ["", "a >", "> a", "a ~ b", "a + b", "a:first-child", "a::text", "#id"])
def test_selectors_the_tables_cannot_answer_are_refused(selector: str) -> None:
    with pytest.raises(ValueError):
        Css(selector)


def parsers_own_index() -> _ClassIndex:
    """The class index of a crawl, where the parsers' selectors are the only ones (here MORE's
    classes, "tag" among them, leave no shared part: every class attribute is read)."""
    index = _ClassIndex()
    for css in DECLARED:
        for chain in css.chains:
            if chain.table_key is not None and chain.table_key[0] == "class":
                index.add(chain.table_key[1])
    return index


def test_a_crawl_indexes_only_the_classes_its_selectors_start_from(monkeypatch: pytest.MonkeyPatch) -> None:
    index = parsers_own_index()
    tokens, values = index.plan
    assert values.path == "//@class[contains(., 'article__')]"
    monkeypatch.setattr(page_module, "_CLASS_INDEX", index)
    for page, kind, html in PAGES:
        doc = Page(html)
        assert set(doc.by_class) <= tokens, (page.name, kind)
        for css in DECLARED + MORE:  # MORE's classes are looked up when first asked for
            assert doc.select(css) == by_xpath(css, doc.root), (page.name, kind, css)
            assert doc.first(css) is next(iter(by_xpath(css, doc.root)), None), (page.name, kind, css)


def test_a_selector_made_after_the_page_finds_its_class() -> None:
    doc = Page('<div class="x-late y"><p class="x-late">a</p></div><p class="y">b</p>')
    late = Css(".x-late")  # a token the page's table was not built for
    assert [e.tag for e in doc.select(late)] == ["div", "p"]
    assert doc.select(Css(".y")) == by_xpath(Css(".y"), doc.root)


def fields(html: str, url: str) -> tuple[Any, ...]:
    result = parse_article(html, url)
    assert result.article is not None
    return result.layout, result.missing, result.errors, asdict(result.article)


@pytest.mark.parametrize("page", GOLDEN_ARTICLES, ids=GOLDEN_IDS)
def test_the_parsers_index_alone_gives_every_field_alike(page: GoldenPage, monkeypatch: pytest.MonkeyPatch) -> None:
    pages = [page.html] + [variant.transform(page.html) for variant in VARIANTS]
    pages += [page.html[:cut] for cut in range(0, len(page.html), 997)]
    every_class = [fields(html, page.url) for html in pages]
    monkeypatch.setattr(page_module, "_CLASS_INDEX", parsers_own_index())
    assert [fields(html, page.url) for html in pages] == every_class
