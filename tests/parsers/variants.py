"""Variations of a golden page, made by transformations written here (never by hand), and
what each one must still give.

A variant is (name, transform, expect): `transform(html)` is the varied page; `expect(page)`
is the item it still holds, derived from the golden expectation by the contract's rules
(MIRROR-CONTRACT.md): a block removed leaves its field's default, a date meta removed leaves
the next source the page shows. Truncated pages are checked field by field in
test_robustness.py: a field whose markup is still whole on the cut page must be exact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

import lxml.html

from tests.parsers.cases import GoldenPage

Expected = dict[str, Any]

# --- markup that is the same page written otherwise ------------------------------------------

_START_TAG = re.compile(r"<([a-zA-Z][\w:-]*)((?:\s+[^\s=/>\"']+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?)*)(\s*/?)>")
_ATTRIBUTE = re.compile(r"[^\s=/>\"']+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?")
_CLASS = re.compile(r"(\sclass\s*=\s*)([\"'])(.*?)\2", re.S)
_BLOCK_END = re.compile(r"(</(?:p|div|h[1-6]|blockquote|li|ul|section|head|header|footer)>|<meta [^>]*>|<link [^>]*>)")
_TEXT = re.compile(r">([^<]+)<")


def reorder_attributes(html: str) -> str:
    """Every start tag's attributes in reverse order."""
    def reverse(tag: re.Match[str]) -> str:
        attributes = _ATTRIBUTE.findall(tag.group(2))
        return f"<{tag.group(1)}{''.join(' ' + a for a in reversed(attributes))}{tag.group(3)}>"

    return _START_TAG.sub(reverse, html)


def extra_classes(html: str) -> str:
    """Every class attribute with a class before and one after its own."""
    return _CLASS.sub(lambda m: f"{m.group(1)}{m.group(2)}js-extra {m.group(3)} m-extra{m.group(2)}", html)


def nbsp_as_entity(html: str) -> str:
    return html.replace("\u00a0", "&nbsp;")


def nbsp_as_character(html: str) -> str:
    return html.replace("&nbsp;", "\u00a0").replace("&#160;", "\u00a0")


def apostrophe_as_entity(html: str) -> str:
    return html.replace("\u2019", "&#8217;")


def apostrophe_as_character(html: str) -> str:
    return html.replace("&#8217;", "\u2019").replace("&rsquo;", "\u2019")


def crlf(html: str) -> str:
    """Windows line ends, and one after every block's end."""
    return _BLOCK_END.sub(r"\1\n", html.replace("\r\n", "\n")).replace("\n", "\r\n")


def tabs_and_newlines(html: str) -> str:
    """Tabs and newlines between blocks, tabs beside the spaces inside text."""
    spaced = _TEXT.sub(lambda m: ">" + m.group(1).replace(" ", " \t") + "<", html)
    return _BLOCK_END.sub(lambda m: m.group(1) + "\n\t\t", spaced)


# --- markup with more structure -----------------------------------------------------------

def _tree(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(html)


def _html(tree: lxml.html.HtmlElement) -> str:
    return lxml.html.tostring(tree, encoding="unicode")


def reserialized(html: str) -> str:
    """The page as lxml writes it back (the base of the structural variants below)."""
    return _html(_tree(html))


WRAPPED = (
    ".article__body > *, .b-article__text > *, .article__text, .article__quote-text, h1, .article__announce-text, "
    ".b-article__lead, .article__announce img, .b-article__header img, [itemprop=creator], .article__body, "
    ".b-article__text, .article__footer .tag"
)


def extra_wrappers(html: str) -> str:
    """A plain <div> around each block of the body, around the body, the title, the lead, the photo."""
    tree = _tree(html)
    for element in tree.cssselect(WRAPPED):
        wrapper = lxml.html.Element("div", {"class": "x-wrapper"})
        element.addprevious(wrapper)
        wrapper.append(element)  # its tail moves with it: the text keeps its order
    return _html(tree)


def removing(css: str) -> Callable[[str], str]:
    def remove(html: str) -> str:
        tree = _tree(html)
        for element in tree.cssselect(css):
            element.drop_tree()  # keeps the tail text
        return _html(tree)

    return remove


LEAD = ".article__announce-text, .b-article__lead"
IMAGE = ".article__announce, .b-article__header img, .b-article__header-copy"
AUTHORS = "[itemprop=creator], .b-article__refs-author, meta[name='analytics:author'], meta[name=author]"
DATE_METAS = (
    "meta[property='article:published_time'], meta[property='article:modified_time'], meta[name=pubdate], "
    "meta[name=lastmod], meta[itemprop=datePublished], meta[itemprop=dateModified], meta[itemprop=dateCreated], "
    "meta[http-equiv=last-modified], meta[name='analytics:p_ts']"
)
TAGS = ".article__footer .tags, .article__tags, meta[name=keywords], meta[property='article:tag']"


def same(page: GoldenPage) -> Expected:
    return dict(page.expected)


def without(**defaults: Any) -> Callable[[GoldenPage], Expected]:
    def expect(page: GoldenPage) -> Expected:
        return {**page.expected, **defaults}

    return expect


def without_date_metas(page: GoldenPage) -> Expected:
    """Current pages still show both times (microdata, data-unixtime, "(updated: ...)" in the
    page's own clock); legacy ones only `time[datetime]`, to the minute, and no modified time.
    A current page without data-unixtime (the ria.ru page) had its seconds from analytics:p_ts
    only: the visible time left gives the minute."""
    if page.layout == "current":
        if "data-unixtime" in page.html or not page.expected["published_at"]:
            return dict(page.expected)
        return {**page.expected, "published_at": page.expected["published_at"][:16] + ":00Z"}
    return {**page.expected, "published_at": page.expected["published_at"][:16] + ":00Z", "modified_at": None}


def without_any_optional_block(page: GoldenPage) -> Expected:
    return {**without_date_metas(page), "lead": None, "image": None, "authors": [], "tags": []}


@dataclass(frozen=True)
class Variant:
    name: str
    transform: Callable[[str], str]
    expect: Callable[[GoldenPage], Expected]


VARIANTS: tuple[Variant, ...] = (
    Variant("attributes-reordered", reorder_attributes, same),
    Variant("extra-classes", extra_classes, same),
    Variant("reserialized", reserialized, same),
    Variant("extra-wrappers", extra_wrappers, same),
    Variant("nbsp-as-entity", nbsp_as_entity, same),
    Variant("nbsp-as-character", nbsp_as_character, same),
    Variant("apostrophe-as-entity", apostrophe_as_entity, same),
    Variant("apostrophe-as-character", apostrophe_as_character, same),
    Variant("crlf", crlf, same),
    Variant("tabs-and-newlines", tabs_and_newlines, same),
    Variant("no-lead", removing(LEAD), without(lead=None)),
    Variant("no-image", removing(IMAGE), without(image=None)),
    Variant("no-authors", removing(AUTHORS), without(authors=[])),
    Variant("no-date-metas", removing(DATE_METAS), without_date_metas),
    Variant("no-tags", removing(TAGS), without(tags=[])),
    Variant("no-optional-block", removing(", ".join((LEAD, IMAGE, AUTHORS, DATE_METAS, TAGS))), without_any_optional_block),
)


# --- truncated pages -------------------------------------------------------------------------

CUT_FRACTIONS = (0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 0.9, 0.97)

# Where each field is read, in the order the parsers prefer (MIRROR-CONTRACT.md, "Fields").
SOURCES: dict[str, tuple[str, ...]] = {
    "url": ("link[rel=canonical]", "meta[property='og:url']"),
    "title": ("h1.article__title", "div.article__title", ".b-article__header-title h1", "meta[property='og:title']"),
    "lead": (".article__announce-text", ".b-article__lead"),
    "body": (".article__body", ".b-article__text"),
    "read_more": (".article__body", ".b-article__text"),
    "authors": ("[itemprop=creator]", ".b-article__refs-author"),
    "section": ("a.b-article__refs-rubric", "meta[property='article:section']", "meta[name='analytics:rubric']"),
    "tags": (".article__footer", ".article__tags", "meta[property='article:tag']", "meta[name=keywords]"),
    "published_at": (".article__info-date", "meta[property='article:published_time']", "meta[name=pubdate]"),
    "modified_at": (".article__info-date-modified", "meta[property='article:modified_time']", "meta[name=lastmod]"),
    "image": (".article__announce", ".b-article__header"),
    "language": ("html[lang]",),
}
SIGNATURES = "div.article__body, h1.article__title, div.b-article__text, div.b-article__header-title"


def cut_points(html: str) -> dict[str, int]:
    """Where to cut a page: at fractions of its length, and at a few telling places."""
    points = {f"{fraction:.0%}": int(len(html) * fraction) for fraction in CUT_FRACTIONS}
    body = max(html.find('"article__body"'), html.find('"b-article__text"'))
    landmarks = {
        "after-head": html.find("</head>") + len("</head>"),
        "inside-h1-tag": html.find("<h1") + 4,
        "inside-first-paragraph": body + 120 if body > 0 else -1,
        "inside-body": body + (html.find("</body>") - body) // 3 if body > 0 else -1,
        "before-footer": html.find("article__footer") if "article__footer" in html else html.find("b-disclaimer"),
    }
    points.update({name: at for name, at in landmarks.items() if at > 0})
    return points


def _signature(tree: lxml.html.HtmlElement, css: str) -> list[tuple[Any, ...]]:
    """What a source is on a page: each element's tag, attributes and (but for head tags) text."""
    return [
        (e.tag, sorted(e.attrib.items()), "" if e.tag in ("meta", "link", "html") else e.text_content())
        for e in tree.cssselect(css)
    ]


def fields_still_whole(original: str, cut: str) -> set[str]:
    """The fields whose source the parsers read first is whole on the cut page (or that the
    page never had any source for: their value is the default on both)."""
    whole = {"article_id"}  # the page's own URL gives it
    before, after = _tree(original), _tree(cut) if cut.strip() else _tree("<html></html>")
    for field, sources in SOURCES.items():
        for css in sources:
            now = _signature(after, css)
            if now:  # the parser reads this source: exact when it is whole
                if now == _signature(before, css):
                    whole.add(field)
                break
        else:
            if not any(_signature(before, css) for css in sources):
                whole.add(field)
    return whole


def shows_a_layout(html: str) -> bool:
    return bool(html.strip()) and bool(_tree(html).cssselect(SIGNATURES))
