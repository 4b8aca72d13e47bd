"""One parsed article page: its lxml tree and what the field methods look up, found in one pass.

An article page is parsed once (lxml, C, from the fetched bytes when they are UTF-8) and
walked once (`Page.__init__`): elements by the class tokens the selectors start from and by
itemprop, the metas and links. The parsers' selectors (`Css` class constants) are then answered
from those tables instead of a pass over the whole document each, which is what keeps a page to
a fraction of a millisecond.

Before the walk, script, style and template elements and comments are dropped (never text),
and every `<br>` becomes a line break in the text, so that `Page.text()` is simply the
element's text, normalised.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from cssselect import HTMLTranslator
from lxml import etree
from w3lib.encoding import html_to_unicode, http_content_type_encoding, read_bom, to_unicode

from newscrawl.text import normalize_text

Element = etree._Element

# What a <br> leaves in the text: a line separator, whitespace to normalize_text, so that
# the walkers can tell "<br><br>" (a paragraph break) from newlines in the page's source.
LINE_BREAK = "\u2028"
# every class and itemprop attribute of the page, in document order (each knows its element)
_VALUES = {name: etree.XPath(f"//@{name}") for name in ("class", "itemprop")}
_TRANSLATOR = HTMLTranslator()
_PARSERS = threading.local()
_NONE: list[Element] = []  # what a table lists for a token no element has (never changed)
# Scrapy's encoding for a body that neither declares one nor decodes as anything: it decodes
# it as ASCII, where "charset=ascii" would mean cp1252 (w3lib's resolve_encoding)
_SCRAPY_FALLBACK_ENCODING = "ascii"
_NOT_TEXT = ("script", "style", "template", etree.Comment, etree.ProcessingInstruction)
_COMPOUND = re.compile(
    r"(?P<tag>[a-zA-Z][\w-]*|\*)?(?P<rest>(?:\.[\w-]+|\[[\w:-]+(?:=(?:\"[^\"]*\"|'[^']*'|[^\]]*))?\])*)$"
)
_PART = re.compile(r"\.(?P<cls>[\w-]+)|\[(?P<attr>[\w:-]+)(?:=(?P<value>\"[^\"]*\"|'[^']*'|[^\]]*))?\]")


@dataclass(frozen=True)
class _Compound:
    """`tag.class[attr=value]`: one element's conditions."""

    tag: Optional[str]
    classes: tuple[str, ...]
    attrs: tuple[tuple[str, Optional[str]], ...]

    @classmethod
    def parse(cls, text: str) -> "_Compound":
        match = _COMPOUND.match(text)
        if not match or not text:
            raise ValueError(f"unsupported selector part {text!r}")
        classes: list[str] = []
        attrs: list[tuple[str, Optional[str]]] = []
        for part in _PART.finditer(match.group("rest")):
            if part.group("cls"):
                classes.append(part.group("cls"))
            else:
                value = part.group("value")
                attrs.append((part.group("attr"), value.strip("\"'") if value is not None else None))
        tag = match.group("tag")
        return cls(tag.lower() if tag and tag != "*" else None, tuple(classes), tuple(attrs))

    @property
    def table_key(self) -> Optional[tuple[str, str]]:
        """("class" or "itemprop", token): the page's table that lists the elements that may match."""
        if self.classes:
            return "class", self.classes[0]
        for name, value in self.attrs:
            if name == "itemprop" and value is not None:
                return "itemprop", value
        return None

    def rest(self) -> "_Compound":
        """What an element listed in its table (`table_key`) must still be checked for."""
        # the class table lists an element under each token of its class attribute: the first
        # class is matched; an itemprop must still equal the value, not merely hold the token
        return _Compound(self.tag, self.classes[1:], self.attrs) if self.classes else self

    @property
    def empty(self) -> bool:
        """Does every element match?"""
        return self.tag is None and not self.classes and not self.attrs

    def untagged(self) -> Optional["_Compound"]:
        """What an element of the right tag (`iter(tag)` yields only those) must still be checked for; None: nothing."""
        return _Compound(None, self.classes, self.attrs) if self.classes or self.attrs else None

    def matches(self, element: Element) -> bool:
        if self.tag is not None and element.tag != self.tag:
            return False
        if self.classes:
            value = element.get("class")
            if not value:
                return False
            for name in self.classes:
                # a substring test first: most elements fail it, and it costs no split
                if name not in value or name not in value.split():
                    return False
        for name, value in self.attrs:
            found = element.get(name)
            if found is None or (value is not None and found != value):
                return False
        return True


def _shared_part(tokens: frozenset[str]) -> Optional[str]:
    """The longest text every token holds, of 3 characters at least, or None."""
    shortest = min(tokens, key=len)
    for size in range(len(shortest), 2, -1):
        for start in range(len(shortest) - size + 1):
            part = shortest[start:start + size]
            if all(part in token for token in tokens):
                return part
    return None


class _ClassIndex:
    """The class tokens the selectors look up in a page's table (each chain's first class),
    and the XPath that lists the class attributes that may hold one of them.

    Most of a page's classes are the site's furniture ("nav__link", "tag"), which no selector
    starts from: the table indexes the declared tokens only, and libxml2 leaves out the class
    attributes without their shared part ("article__"), so that neither the attribute nor its
    element is made a Python object. A token declared later is looked up when first asked
    for (`_Table.__missing__`).
    """

    def __init__(self) -> None:
        self.plan: tuple[frozenset[str], etree.XPath] = (frozenset(), _VALUES["class"])

    def add(self, token: str) -> None:
        tokens = self.plan[0]
        if token in tokens:
            return
        tokens = tokens | {token}
        part = _shared_part(tokens)
        # a token is [\w-]+ (_PART): nothing to escape in an XPath string
        values = etree.XPath(f"//@class[contains(., '{part}')]") if part else _VALUES["class"]
        self.plan = (tokens, values)  # one assignment: a page reads both or neither


@lru_cache(maxsize=16)
def _with_itemprops(classes: etree.XPath) -> etree.XPath:
    """The class attributes `classes` lists and every itemprop attribute, in one call: a call of
    libxml2's XPath costs more than the few itemprops it adds."""
    return etree.XPath(f"{classes.path} | //@itemprop")


_CLASS_INDEX = _ClassIndex()


class _Chain:
    """Compounds joined by descendant (" ") or child (">") combinators, and how to find them.

    On the whole page the chain starts from its first compound that names a class or an
    itemprop, read off the page's tables (`Page.by_class`, `Page.by_itemprop`): usually a small
    container met once (".article__footer" in ".article__footer .tag__text"). The last compound
    is looked for among the few elements inside each such element, and a longer rest by the
    chain's XPath (lxml, C), as is a chain inside a given element other than a single compound,
    or one that names no class or itemprop ("h1").
    """

    def __init__(self, text: str) -> None:
        tokens = re.sub(r"\s*>\s*", " > ", text.strip()).split()
        if not tokens or tokens[0] == ">" or tokens[-1] == ">":
            raise ValueError(f"unsupported selector {text!r}")
        self.text = " ".join(tokens)
        self.compounds: list[_Compound] = []
        self.child_of_previous: list[bool] = []  # per compound after the first: ">" before it
        starts: list[int] = []  # token index of each compound
        for position, token in enumerate(tokens):
            if token == ">":
                continue
            if self.compounds:
                self.child_of_previous.append(tokens[position - 1] == ">")
            self.compounds.append(_Compound.parse(token))
            starts.append(position)
        # descendant-or-self, as parsel's css() on an element
        self.xpath = etree.XPath(_TRANSLATOR.css_to_xpath(self.text, prefix="descendant-or-self::"))
        indexed = [i for i, compound in enumerate(self.compounds) if compound.table_key is not None]
        self.head: Optional[int] = indexed[0] if indexed else None
        self.table_key: Optional[tuple[str, str]] = None
        self.head_rest: Optional[_Compound] = None
        if self.head is not None:
            self.table_key = self.compounds[self.head].table_key
            rest = self.compounds[self.head].rest()
            self.head_rest = None if rest.empty else rest
            if self.table_key is not None and self.table_key[0] == "class":
                _CLASS_INDEX.add(self.table_key[1])
        self.tail: Optional[etree.XPath] = None
        # "container x": x inside the container, found by a walk of its few elements
        self.last_inside: Optional[_Compound] = None
        last = len(self.compounds) - 1
        if self.head is not None and self.head < last:
            if self.head == last - 1 and not self.child_of_previous[-1]:
                self.last_inside = self.compounds[last]
            else:
                tail = " ".join(tokens[starts[self.head]:])
                self.tail = etree.XPath(_TRANSLATOR.css_to_xpath(tail, prefix="self::"))
        self.single = self.compounds[0] if len(self.compounds) == 1 else None
        # what iter(tag) leaves to check, for the last compound and a single one
        self.inside_rest = self.last_inside.untagged() if self.last_inside is not None else None
        self.single_rest = self.single.untagged() if self.single is not None else None

    def _ancestors_match(self, element: Element, index: int) -> bool:
        """Do the compounds before `index` match ancestors of `element`?"""
        if index == 0:
            return True
        wanted = self.compounds[index - 1]
        if self.child_of_previous[index - 1]:
            parent = element.getparent()
            return parent is not None and wanted.matches(parent) and self._ancestors_match(parent, index - 1)
        return any(wanted.matches(a) and self._ancestors_match(a, index - 1) for a in element.iterancestors())

    def first(self, page: "Page", scope: Optional[Element]) -> Optional[Element]:
        """The first matching element in document order (`find(...)[0]`), without listing the rest when it can."""
        if scope is not None and self.single is not None:
            rest = self.single_rest
            for element in scope.iter(self.single.tag):
                if rest is None or rest.matches(element):
                    return element
            return None
        if scope is None and self.table_key is not None and self.head == 0 and self.last_inside is None and self.tail is None:
            rest = self.head_rest
            for element in page.listed(*self.table_key):
                if rest is None or rest.matches(element):
                    return element
            return None
        found = self.find(page, scope)
        return found[0] if found else None

    def find(self, page: "Page", scope: Optional[Element]) -> list[Element]:
        """The matching elements, in document order."""
        if scope is not None:
            if self.single is not None:  # a block's or a card's own few elements
                rest = self.single_rest
                found = scope.iter(self.single.tag)
                return list(found) if rest is None else [e for e in found if rest.matches(e)]
            return self.xpath(scope)
        if self.table_key is None:
            return self.xpath(page.root)
        starts = page.listed(*self.table_key)  # the table's own list: copied before it is returned
        if self.head_rest is not None:
            rest = self.head_rest
            starts = [e for e in starts if rest.matches(e)]
        if self.head:
            starts = [e for e in starts if self._ancestors_match(e, self.head)]
        if self.last_inside is not None:
            tag, rest = self.last_inside.tag, self.inside_rest
            if len(starts) == 1:  # most often: no repeats to look for
                (start,) = starts
                return [e for e in start.iter(tag) if e is not start and (rest is None or rest.matches(e))]
            found: list[Element] = []
            for start in starts:
                found.extend(e for e in start.iter(tag) if e is not start and (rest is None or rest.matches(e)) and e not in found)
            return found
        if self.tail is None:
            return list(starts)
        found = []
        for start in starts:
            found.extend(e for e in self.tail(start) if e not in found)
        return found


class Css:
    """A CSS selector of the simple forms the parsers use, answered from a Page's tables.

    Alternatives separated by ","; each a chain of compounds (`tag.class[attr=value]`, `*`)
    joined by descendant or child (">") combinators. Matches come alternative by alternative,
    each in document order, without repeats: list the preferred source first.
    """

    def __init__(self, selector: str) -> None:
        self.selector = selector
        self.chains = tuple(_Chain(part) for part in selector.split(","))

    def __repr__(self) -> str:
        return f"Css({self.selector!r})"


class _Table(dict[str, list[Element]]):
    """The page's elements by the tokens of one attribute (class, itemprop), in page order.

    Filled (`Page._index`) for the tokens of `indexed` (None: every token); a token outside
    them is looked for in the page when first asked for.
    """

    def __init__(self, root: Element, name: str, indexed: Optional[frozenset[str]] = None) -> None:
        super().__init__()
        self.root = root
        self.name = name
        self.indexed = indexed

    def __missing__(self, token: str) -> list[Element]:
        if self.indexed is None or token in self.indexed:
            return _NONE
        # a token no selector named when the page was read (a Css made since)
        found = self[token] = [value.getparent() for value in _VALUES[self.name](self.root) if token in value.split()]
        return found


class Page:
    """The parsed page and its lookup tables."""

    def __init__(self, html: str | bytes, encoding: Optional[str] = None) -> None:
        """`html`: the page's text, or its body as fetched with the encoding it was served in
        (Scrapy's `response.body` and `response.encoding`; UTF-8 when not given)."""
        self._html: Optional[str] = html if isinstance(html, str) else None
        self._body: Optional[bytes] = None if isinstance(html, str) else html
        self._encoding = encoding or "utf-8"
        self.root = _parse(html) if self._body is None else self._parse_body(self._body)
        self.by_class: _Table
        self.by_itemprop: _Table
        self.metas: dict[str, str] = {}
        # (property, name, content) of each meta with a content, in page order (metas_named)
        self._named_metas: list[tuple[str, str, str]] = []
        self.links: dict[str, str] = {}
        self._index()

    @property
    def html(self) -> str:
        """The page's text, as Scrapy's `response.text` decodes the body (trafilatura's input)."""
        if self._html is None:
            assert self._body is not None
            self._html = _decode(self._body, self._encoding)
        return self._html

    def _parse_body(self, body: bytes) -> Element:
        """The body's tree, from the bytes themselves when they are the UTF-8 that `_parse`
        would make of the text: the same bytes, hence the same tree, without decoding and
        encoding the page again. Any other body goes through its text, as `response.text`."""
        if _decodes_as_utf8(self._encoding) and read_bom(body)[0] is None:
            try:
                # strict: the text has invalid bytes replaced, so such a body is not its UTF-8
                self._html = body.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                return _parse_utf8(body.replace(b"\x00", b"") if b"\x00" in body else body)
        return _parse(self.html)

    def _index(self) -> None:
        root = self.root
        etree.strip_elements(root, *_NOT_TEXT, with_tail=False)
        tokens, values = _CLASS_INDEX.plan
        self.by_class = by_class = _Table(root, "class", tokens)
        self.by_itemprop = by_itemprop = _Table(root, "itemprop")
        for value in _with_itemprops(values)(root):
            table, indexed = (by_class, tokens) if value.attrname == "class" else (by_itemprop, None)
            for token in value.split():
                if indexed is None or token in indexed:
                    found = table.get(token)
                    if found is None:
                        table[token] = [value.getparent()]
                    else:
                        found.append(value.getparent())
        for br in root.iter("br"):
            br.tail = LINE_BREAK + (br.tail or "")
        metas, named = self.metas, self._named_metas
        for meta in root.iter("meta"):
            content = (meta.get("content") or "").strip()
            if content:
                name, prop = meta.get("name"), meta.get("property")
                for key in (name, prop, meta.get("itemprop"), meta.get("http-equiv")):
                    if key:
                        metas.setdefault(key.strip().lower(), content)
                named.append(((prop or "").strip().lower(), (name or "").strip().lower(), content))
        for link in root.iter("link"):
            href = (link.get("href") or "").strip()
            if href:
                for rel in (link.get("rel") or "").lower().split():
                    self.links.setdefault(rel, href)

    def listed(self, table: str, token: str) -> list[Element]:
        """The elements with this class token ("class") or itemprop token ("itemprop"), in page order."""
        tokens = self.by_class if table == "class" else self.by_itemprop
        found = tokens.get(token)  # no __missing__ call for the tokens the page has
        return tokens[token] if found is None else found

    def select(self, css: Css, scope: Optional[Element] = None) -> list[Element]:
        if len(css.chains) == 1:
            return css.chains[0].find(self, scope)
        found: list[Element] = []
        for chain in css.chains:
            found.extend(element for element in chain.find(self, scope) if element not in found)
        return found

    def first(self, css: Css, scope: Optional[Element] = None) -> Optional[Element]:
        for chain in css.chains:
            found = chain.first(self, scope)
            if found is not None:
                return found
        return None

    def meta(self, *names: str) -> Optional[str]:
        """The content of the first meta (by name, property, itemprop or http-equiv) that has one."""
        for name in names:
            value = self.metas.get(name.lower())
            if value:
                return value
        return None

    def metas_named(self, name: str) -> list[str]:
        """The contents of every meta of this name or property, in page order (`article:tag`
        is repeated; `meta()` keeps the first of each)."""
        name = name.lower()
        return [content for prop, meta_name, content in self._named_metas if name in (prop, meta_name)]

    def link(self, rel: str) -> Optional[str]:
        return self.links.get(rel)

    @staticmethod
    def text(element: Optional[Element]) -> str:
        """The element's text, normalised ("" for None)."""
        if element is None:
            return ""
        return normalize_text(inner_text(element))


def inner_text(element: Element, with_tail: bool = False) -> str:
    """The text inside the element, in page order: `"".join(element.itertext())` (plus its
    tail), made by libxml2 in one call instead of a Python iteration over the nodes; an element
    without children is its own text (most paragraphs: the serializer costs four times more)."""
    if not with_tail and not len(element):
        return element.text or ""
    return etree.tostring(element, method="text", encoding="unicode", with_tail=with_tail)


def _decode(body: bytes, encoding: str) -> str:
    """`response.text` of a response with this body and this `response.encoding`."""
    if encoding == _SCRAPY_FALLBACK_ENCODING:
        return to_unicode(body, encoding)
    # a BOM first, else the encoding, invalid bytes replaced: TextResponse.text's own call
    return html_to_unicode(f"charset={encoding}", body)[1]


@lru_cache(maxsize=64)
def _decodes_as_utf8(encoding: str) -> bool:
    """Does `response.text` decode a body of this encoding (without a BOM) as UTF-8?"""
    return http_content_type_encoding(f"charset={encoding}") == "utf-8"


def _html_parser() -> etree.HTMLParser:
    """This thread's parser: made once (a parser per page costs some 3 µs of the 60 µs of a
    parse), and one per thread, as lxml parsers are not to be shared between threads."""
    parser: Optional[etree.HTMLParser] = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = etree.HTMLParser(recover=True, encoding="utf-8", collect_ids=False)
    return parser


def _parse(html: str) -> Element:
    """lxml's forgiving HTML parser, as parsel runs it; an empty page is an empty <html>."""
    return _parse_utf8((html.replace("\x00", "") if "\x00" in html else html).encode("utf-8"))


def _parse_utf8(body: bytes) -> Element:
    """The tree of a page's UTF-8 bytes (without NUL); an empty page is an empty <html>."""
    root = None
    if body and not body.isspace():  # body.strip(), without copying the page
        try:
            root = etree.fromstring(body, parser=_html_parser())
        except etree.LxmlError:  # nothing lxml can make a tree of
            root = None
    if root is None:
        root = etree.fromstring(b"<html/>")
    return root
