"""Text helpers shared by the page templates and the expected values.

Corpus strings are *HTML text fragments*: text that may hold entities (`&amp;`,
`&#8217;`, `&nbsp;`, `&quot;`), raw NBSP / zero-width characters, decomposed
(NFD) letters and, rarely, inline tags such as `<a href="...">` or `<em>`.
Templates insert a fragment as it is into element content, or through `attr()`
into an attribute. Expected item values always go through `clean()`.
"""

from __future__ import annotations

import html
import re
import unicodedata

# Characters a reader cannot see; the expected values never contain them.
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_ZERO_WIDTH_TABLE = dict.fromkeys(map(ord, ZERO_WIDTH))
_TAG_RE = re.compile(r"<[^>]*>")
_SLUG_RE = re.compile(r"[^a-z0-9]+")


def strip_tags(fragment: str) -> str:
    """Drop inline tags from a fragment, keeping their text."""
    return _TAG_RE.sub("", fragment)


def clean(fragment: str) -> str:
    """The expected text of a fragment: the normalisation of MIRROR-CONTRACT.md.

    Tags dropped, entities decoded, NFC, NBSP -> space, zero-width removed,
    whitespace runs collapsed to one space, trimmed.
    """
    text = html.unescape(strip_tags(fragment))
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\u00a0", " ").translate(_ZERO_WIDTH_TABLE)
    return " ".join(text.split())


def attr(fragment: str) -> str:
    """A fragment made safe for a double-quoted attribute (or <title>).

    Entities are decoded then re-escaped, so `&#8217;` becomes a plain `’`
    and `"` becomes `&quot;`; NBSP and zero-width characters are kept.
    """
    return html.escape(html.unescape(strip_tags(fragment)), quote=True)


def esc(value: str) -> str:
    """Escape plain text (a URL, a name) for element content or an attribute."""
    return html.escape(value, quote=True)


def slugify(fragment: str, max_words: int = 8) -> str:
    """URL slug in the site's style: lower-case ASCII words joined by '-'."""
    ascii_text = unicodedata.normalize("NFKD", clean(fragment)).encode("ascii", "ignore").decode()
    words = [w for w in _SLUG_RE.split(ascii_text.lower()) if w]
    return "-".join(words[:max_words]) or "article"
