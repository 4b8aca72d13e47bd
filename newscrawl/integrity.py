"""Is this page, or this text, what the site published? The rules that keep damaged copies of
a page (a wrong charset header, an empty answer, a transfer cut short) out of the archive.

- A page that calls itself UTF-8 and decodes as valid UTF-8 is read as UTF-8, whatever the
  HTTP header says (`page_encoding`): the header is the server's guess, the page its author's.
- An empty body is a failed page; an article page whose document was cut off (no `</html>`,
  Scrapy's `dataloss` flag) is damaged (`page_damage`).
- Text that still looks mis-decoded after that (mojibake, U+FFFD) is damaged (`text_damage`):
  ftfy's badness measure, made for exactly this, decides.
- For text already archived: `looks_damaged` says which stored articles a repair crawl
  fetches again (`-a refresh=damaged`), and `damage_repaired` which stored revision a new
  text shows to have been a damaged copy.
"""

from __future__ import annotations

import codecs
import re
from typing import Iterable, Optional

from ftfy.badness import BADNESS_RE, MOJIBAKE_CATEGORIES, is_bad

# what a page says of its own encoding, near its start: <meta charset> or http-equiv
_DECLARED_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_-]+)""", re.IGNORECASE)
_UTF8_NAMES = frozenset({b"utf-8", b"utf8"})
_HEAD_BYTES = 4096
_CHECK_BLOCK = 64 * 1024
# the end of an HTML document; a page cut in half lacks it
_DOCUMENT_END = re.compile(rb"</html\s*>", re.IGNORECASE)
_TAIL_BYTES = 64 * 1024  # scripts and comments may follow </html>
REPLACEMENT_CHARACTER = "\ufffd"
# Every sequence ftfy's badness measure matches holds one of these characters: its categories
# but the ones ordinary text is full of (curly quotes, dashes, NBSP, Greek and Cyrillic letters),
# plus the letters its Cyrillic and Greek sequences start with. A text without any is not bad,
# and most English articles have none, so they cost one scan instead of ftfy's (12 times less).
_MOJIBAKE_SIGNS = re.compile("[{}°ЂВГРСΒΓΞΟ]".format("".join(
    MOJIBAKE_CATEGORIES[name] for name in
    ("c1", "bad", "law", "currency", "numeric", "kaomoji", "upper_accented", "lower_accented", "box")
)))
# The longest sequence ftfy's badness measure matches (tests/unit/test_integrity.py checks it):
# a sequence holds a sign, so it lies within this many characters either side of one.
BADNESS_WIDTH = 7
# past this many signs in a text (Cyrillic, Vietnamese), ftfy reads the whole text
_MAX_SIGNS_LOOKED_AT = 16
# a paragraph that ends a finished article: terminal punctuation, maybe inside quotes or brackets
_FINISHED = re.compile(r"""[.!?…:;)\]"'»”’*]\s*$""")
# bodies shorter than this are fetched again by a repair crawl (a page cut short early)
SHORT_BODY_CHARS = 200

# problems a page can have (the retry record's `problem` column)
EMPTY = "empty"
CUT_MARKUP = "markup_cut_off"
DATA_LOSS = "shorter_than_declared"
MISDECODED = "misdecoded_text"
# the problems that mean "a damaged copy of the page" (as opposed to no page at all)
DAMAGE_PROBLEMS = (CUT_MARKUP, DATA_LOSS, MISDECODED)


def declares_utf8(body: bytes) -> bool:
    """The page says it is UTF-8 (a BOM, or its <meta charset> near the start)."""
    if body.startswith(b"\xef\xbb\xbf"):
        return True
    match = _DECLARED_CHARSET.search(body[:_HEAD_BYTES])
    return bool(match and match.group(1).lower() in _UTF8_NAMES)


def page_encoding(body: bytes, header_encoding: Optional[str]) -> Optional[str]:
    """"utf-8" when the page declares UTF-8, is valid UTF-8, and the header says otherwise;
    else None (the response's own encoding stands)."""
    if header_encoding and header_encoding.replace("_", "-").lower() in ("utf-8", "utf8"):
        return None
    if not declares_utf8(body):
        return None
    # checked a block at a time: a page of many megabytes is never decoded whole here
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(body), _CHECK_BLOCK):
            decoder.decode(body[start : start + _CHECK_BLOCK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    return "utf-8"


def page_damage(body: bytes, flags: Iterable[str] = (), article_page: bool = True) -> Optional[str]:
    """Why this response body is not a whole page, or None."""
    if not body or body.isspace():  # isspace: no copy of a large body
        return EMPTY
    if "dataloss" in flags:
        return DATA_LOSS
    # a download stopped on purpose (the page-size bound, newscrawl.middlewares.PageSizeBound)
    # lacks its end by design: its first part is the page's own
    if article_page and "download_stopped" not in flags:
        tail = max(0, len(body) - _TAIL_BYTES)
        # the usual "</html>" first: a search from the end, where it is, without the regex's scan
        if body.rfind(b"</html>", tail) < 0 and not _DOCUMENT_END.search(body, tail):
            return CUT_MARKUP
    return None


def text_damage(*texts: Optional[str]) -> Optional[str]:
    """MISDECODED when any text looks mis-decoded (mojibake, replacement characters), else None."""
    for text in texts:
        if text and (REPLACEMENT_CHARACTER in text or looks_misdecoded(text)):
            return MISDECODED
    return None


def looks_misdecoded(text: str) -> bool:
    """ftfy's `is_bad(text)`, searched only around the signs of mojibake the text holds: every
    sequence it matches holds one, so a text with a few accented names costs a few short
    searches instead of the whole text's (some 20 times less)."""
    for count, sign in enumerate(_MOJIBAKE_SIGNS.finditer(text)):
        if count == _MAX_SIGNS_LOOKED_AT:
            return is_bad(text)
        at = sign.start()
        # pos: "^" still matches only at the text's start, as in is_bad's search
        if BADNESS_RE.search(text, max(0, at - BADNESS_WIDTH + 1), at + BADNESS_WIDTH):
            return True
    return False


def unfinished(body: str) -> bool:
    """The body's last paragraph stops mid-sentence."""
    return not _FINISHED.search(body.strip().rsplit("\n\n", 1)[-1])


def looks_truncated(body: str) -> bool:
    """A stored body that may be a page cut short: very short, or its last paragraph unfinished."""
    return len(body.strip()) < SHORT_BODY_CHARS or unfinished(body)


def looks_damaged(title: Optional[str], body: Optional[str]) -> Optional[str]:
    """Why an archived article is worth fetching again (`-a refresh=damaged`), or None."""
    damage = text_damage(title, body)
    if damage:
        return damage
    if looks_truncated(body or ""):
        return CUT_MARKUP
    return None


def damage_repaired(old_title: str, old_body: str, new_title: str, new_body: str) -> Optional[str]:
    """Why the stored text (old) was a damaged copy of the page the new text comes from, or None
    when the change is the site's own edit: the old text was mis-decoded and the new one is
    not, or the old body is the new one cut short."""
    if text_damage(old_title, old_body) and not text_damage(new_title, new_body):
        return MISDECODED
    old, new = old_body.strip(), new_body.strip()
    # a whole body the site added to later is an edit: only an unfinished one was cut short
    if len(old) < len(new) and unfinished(old):
        # cut mid-paragraph: the old body is the new one up to a point, its last words partial
        cut = old.rsplit(" ", 1)[0] if " " in old else old
        if new.startswith(cut):
            return CUT_MARKUP
    return None
