"""Text normalisation shared by the parsers and the cleaning pipeline."""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Optional

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = re.compile(r"[\s\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
PARAGRAPH_SEPARATOR = "\n\n"


def normalize_text(text: Optional[str]) -> str:
    """One line of clean text: entities decoded, NFC, odd spaces made plain, collapsed."""
    if not text:
        return ""
    if "&" in text:
        text = html.unescape(text)
    text = unicodedata.normalize("NFC", text).translate(_ZERO_WIDTH)
    return _SPACES.sub(" ", text).strip()


def optional_text(text: Optional[str]) -> Optional[str]:
    cleaned = normalize_text(text)
    return cleaned or None


def split_paragraphs(body: str) -> list[str]:
    return [p for p in body.split(PARAGRAPH_SEPARATOR) if p.strip()]


def join_paragraphs(paragraphs: list[str]) -> str:
    return PARAGRAPH_SEPARATOR.join(paragraphs)
