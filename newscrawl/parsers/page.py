"""One parsed article page: its lxml tree and what the field methods look up, found in one pass.

An article page is parsed once (lxml, C) and walked once (`Page.__init__`): elements by class
token and by `itemprop`, the head's metas and links. The parsers' selectors (`Css` class
constants) are then answered from those tables instead of a pass over the whole document
each, which is what keeps a page to a fraction of a millisecond.

Before the walk, script, style and template elements and comments are dropped (never text),
and every `<br>` becomes a line break in the text, so that `Page.text()` is simply the
element's text, normalised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from cssselect import HTMLTranslator
from lxml import etree

from newscrawl.text import normalize_text

Element = etree._Element

# What a <br> leaves in the text: a line separator, whitespace to normalize_text, so that
# the walkers can tell "<br><br>" (a paragraph break) from newlines in the page's source.
LINE_BREAK = "\u2028"
# every class and itemprop attribute of the page, in document order (each knows its element)
_CLASS_VALUES = etree.XPath("//@class")
_ITEMPROP_VALUES = etree.XPath("//@itemprop")
_TRANSLATOR = HTMLTranslator()
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
    def indexed(self) -> bool:
        """Can the page's tables list the elements that may match?"""
        return bool(self.classes) or any(name == "itemprop" and value is not None for name, value in self.attrs)

    def matches(self, element: Element) -> bool:
        if self.tag is not None and element.tag != self.tag:
            return False
        if self.classes:
            value = element.get("class")
            # a substring test first: most elements fail it, and it costs no split
            if not value or not all(name in value and name in value.split() for name in self.classes):
                return False
        for name, value in self.attrs:
            found = element.get(name)
            if found is None or (value is not None and found != value):
                return False
        return True


class _Chain:
    """Compounds joined by descendant (" ") or child (">") combinators, and how to find them.

    On the whole page the chain starts from its first compound that names a class or an
    itemprop, read off the page's tables (`Page.by_class`, `Page.by_itemprop`): usually a small
    container met once (".article__footer" in ".article__footer .tag__text"). The rest is
    looked for inside each such element by the chain's XPath (lxml, C), as is a chain inside
    a given element, or one that names no class or itemprop ("h1", "a[href]").
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
        indexed = [i for i, compound in enumerate(self.compounds) if compound.indexed]
        self.head: Optional[int] = indexed[0] if indexed else None
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

    def _ancestors_match(self, element: Element, index: int) -> bool:
        """Do the compounds before `index` match ancestors of `element`?"""
        if index == 0:
            return True
        wanted = self.compounds[index - 1]
        if self.child_of_previous[index - 1]:
            parent = element.getparent()
            return parent is not None and wanted.matches(parent) and self._ancestors_match(parent, index - 1)
        return any(wanted.matches(a) and self._ancestors_match(a, index - 1) for a in element.iterancestors())

    def find(self, page: "Page", scope: Optional[Element]) -> list[Element]:
        """The matching elements, in document order."""
        if scope is not None:
            if self.single is not None:  # a block's or a card's own few elements
                return [e for e in scope.iter(self.single.tag) if self.single.matches(e)]
            return self.xpath(scope)
        if self.head is None:
            return self.xpath(page.root)
        head = self.compounds[self.head]
        starts = [e for e in page.candidates(head) if head.matches(e) and self._ancestors_match(e, self.head)]
        if self.last_inside is not None:
            inside = self.last_inside
            found = []
            for start in starts:
                found.extend(e for e in start.iter(inside.tag) if e is not start and inside.matches(e) and e not in found)
            return found
        if self.tail is None:
            return starts
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


class Page:
    """The parsed page and its lookup tables."""

    def __init__(self, html: str) -> None:
        self.html = html
        self.root = _parse(html)
        self.by_class: dict[str, list[Element]] = {}
        self.by_itemprop: dict[str, list[Element]] = {}
        self.metas: dict[str, str] = {}
        self.links: dict[str, str] = {}
        self._index()

    def _index(self) -> None:
        root = self.root
        etree.strip_elements(root, *_NOT_TEXT, with_tail=False)
        by_class, by_itemprop = self.by_class, self.by_itemprop
        for table, values in ((by_class, _CLASS_VALUES(root)), (by_itemprop, _ITEMPROP_VALUES(root))):
            for value in values:
                element = value.getparent()
                for token in value.split():
                    found = table.get(token)
                    if found is None:
                        table[token] = [element]
                    else:
                        found.append(element)
        for br in root.iter("br"):
            br.tail = LINE_BREAK + (br.tail or "")
        for meta in root.iter("meta"):
            content = (meta.get("content") or "").strip()
            if content:
                for attr in ("name", "property", "itemprop", "http-equiv"):
                    key = meta.get(attr)
                    if key:
                        self.metas.setdefault(key.strip().lower(), content)
        for link in root.iter("link"):
            href = (link.get("href") or "").strip()
            if href:
                for rel in (link.get("rel") or "").lower().split():
                    self.links.setdefault(rel, href)

    def candidates(self, key: _Compound) -> list[Element]:
        """Elements of the page that may match `key`: from the tables when it names a class or itemprop."""
        if key.classes:
            return self.by_class.get(key.classes[0], [])
        for name, value in key.attrs:
            if name == "itemprop" and value is not None:
                return self.by_itemprop.get(value, [])
        return list(self.root.iter(key.tag))

    def select(self, css: Css, scope: Optional[Element] = None) -> list[Element]:
        if len(css.chains) == 1:
            return css.chains[0].find(self, scope)
        found: list[Element] = []
        for chain in css.chains:
            found.extend(element for element in chain.find(self, scope) if element not in found)
        return found

    def first(self, css: Css, scope: Optional[Element] = None) -> Optional[Element]:
        for chain in css.chains:
            found = chain.find(self, scope)
            if found:
                return found[0]
        return None

    def meta(self, *names: str) -> Optional[str]:
        """The content of the first meta (by name, property, itemprop or http-equiv) that has one."""
        for name in names:
            value = self.metas.get(name.lower())
            if value:
                return value
        return None

    def link(self, rel: str) -> Optional[str]:
        return self.links.get(rel)

    @staticmethod
    def text(element: Optional[Element]) -> str:
        """The element's text, normalised ("" for None)."""
        if element is None:
            return ""
        return normalize_text("".join(element.itertext()))


def _parse(html: str) -> Element:
    """lxml's forgiving HTML parser, as parsel runs it; an empty page is an empty <html>."""
    body = (html.replace("\x00", "") if "\x00" in html else html).encode("utf-8")
    root = None
    if body.strip():
        try:
            parser = etree.HTMLParser(recover=True, encoding="utf-8", collect_ids=False)
            root = etree.fromstring(body, parser=parser)
        except etree.LxmlError:  # nothing lxml can make a tree of
            root = None
    if root is None:
        root = etree.fromstring(b"<html/>")
    return root
