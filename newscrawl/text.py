"""Text normalisation shared by the parsers and the cleaning pipeline.

One rule for every text value (MIRROR-CONTRACT.md, "Text normalisation"): entities decoded,
NFC, non-breaking and other odd spaces made plain, zero-width characters (and soft hyphens)
removed, runs of whitespace collapsed to one space, trimmed.
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Optional

# U+200B-U+200D zero-width (non-)joiners and space, U+2060 word joiner, U+FEFF BOM, U+00AD soft hyphen
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]+")
# an entity left in text that was escaped twice ("&amp;#8217;" in the page is "&#8217;" in its text)
_ENTITY = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]{1,31});")
PARAGRAPH_SEPARATOR = "\n\n"


def normalize_text(text: Optional[str]) -> str:
    """One line of clean text: entities decoded, NFC, odd spaces made plain, collapsed."""
    if not text:
        return ""
    if "&" in text and _ENTITY.search(text):
        text = html.unescape(text)
    elif type(text) is str and text.isprintable():
        # Every whitespace but " " and every invisible character above is unprintable, so
        # there is nothing to remove here: most texts (all of them when cleaning what a
        # parser made) come back as they are, without a copy (a str subclass, such as an
        # lxml result that holds its tree, is copied below).
        if not text.isascii():
            normalized = unicodedata.normalize("NFC", text)  # the same object when already NFC
            if normalized is not text:
                return " ".join(normalized.split())
        if "  " in text or text[0] == " " or text[-1] == " ":
            return " ".join(text.split())
        return text
    if not text.isascii():
        text = unicodedata.normalize("NFC", _INVISIBLE.sub("", text))
    # str.split() splits on every Unicode whitespace: NBSP, thin and ideographic spaces too
    return " ".join(text.split())


def optional_text(text: Optional[str]) -> Optional[str]:
    cleaned = normalize_text(text)
    return cleaned or None


def split_paragraphs(body: str) -> list[str]:
    return [p for p in body.split(PARAGRAPH_SEPARATOR) if p and not p.isspace()]  # p.strip(), without a copy


def join_paragraphs(paragraphs: list[str]) -> str:
    return PARAGRAPH_SEPARATOR.join(paragraphs)


def cut_at_paragraph(body: str, max_chars: int) -> str:
    """The body's first whole paragraphs that fit in max_chars; a first paragraph longer than
    that alone is cut at its last space before the limit (a body is never cut to nothing)."""
    if len(body) <= max_chars:
        return body
    end = body.rfind(PARAGRAPH_SEPARATOR, 0, max_chars + 1)
    if end <= 0:
        end = body.rfind(" ", 0, max_chars + 1)
    return body[: end if end > 0 else max_chars].rstrip()
