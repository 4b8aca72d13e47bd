"""What the archive should hold for mirror articles, computed by the mirror's own code from
its corpus: whole feed lines (the expected values plus the fields a crawl fills in), and the
near-duplicate similarity of two bodies, with pairs built to sit on either side of the
threshold.

Written apart from newscrawl's cleaning, dedup and archive code on purpose, from the rules
the README states (the item's fields; `content_hash` of title and body; bodies compared as
sets of 4-word shingles, Jaccard, linked from the 0.7 threshold up): the tests compare what
the archive stored with these values, so a fault in that code cannot hide by changing both
sides of the comparison.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterable, Iterator, Optional

# The item's fields, in the feed's order (README, "The item").
FEED_FIELDS = (
    "article_id", "url", "title", "lead", "body", "dateline", "authors", "section", "tags", "published_at",
    "modified_at", "image", "read_more", "language", "layout", "word_count", "content_hash", "fetched_url",
    "fetched_at", "duplicate_of",
)
SHINGLE_WORDS = 4
NEAR_DUPLICATE_THRESHOLD = Fraction(7, 10)  # NEWSCRAWL_NEAR_DUPLICATE_THRESHOLD's default
# "just" under or over the threshold: the nearest similarity a pair can be built with, within this
JUST = Fraction(1, 100)

_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?][\"”’']?(?=\s)")


def word_count(body: str) -> int:
    return len(body.split())


def content_hash(title: str, body: str) -> str:
    """The text's identity: SHA-256 of the title, a newline and the body, in hex."""
    return hashlib.sha256((title + "\n" + body).encode("utf-8")).hexdigest()


def feed_line(entry: dict[str, Any], fetched_at: str, fetched_url: Optional[str] = None) -> dict[str, Any]:
    """The whole item a crawl stores for a manifest entry (its expected values) fetched at
    `fetched_at` from `fetched_url` (the mirror's main path on 127.0.0.1 when not given)."""
    line = dict(entry["expected"])
    line["layout"] = "legacy" if entry["layout"] == "real" else entry["layout"]  # the real page is a legacy one
    line["word_count"] = word_count(line["body"])
    line["content_hash"] = content_hash(line["title"], line["body"])
    line["fetched_url"] = fetched_url or "http://127.0.0.1" + entry["paths"][0]
    line["fetched_at"] = fetched_at
    line.setdefault("duplicate_of", None)
    return {name: line[name] for name in FEED_FIELDS}


def feed_lines(manifest: dict[str, Any], fetched_at: str) -> dict[str, dict[str, Any]]:
    """Article id -> feed line, for every article of the mirror."""
    return {article_id: feed_line(entry, fetched_at) for article_id, entry in manifest["articles"].items()}


def with_body(line: dict[str, Any], body: str, fetched_at: str) -> dict[str, Any]:
    """The same article with another body, fetched later: a new version of it."""
    edited = {**line, "body": body, "fetched_at": fetched_at}
    edited["word_count"] = word_count(body)
    edited["content_hash"] = content_hash(edited["title"], body)
    return edited


# -- near-duplicates ----------------------------------------------------------------------------

def words(text: str) -> list[str]:
    """The words shingles are made of: runs of letters and digits, lower case."""
    return _WORD.findall(text.lower())


def shingle_set(text: str, size: int = SHINGLE_WORDS) -> set[tuple[str, ...]]:
    """Every run of `size` consecutive words; a shorter text is one shingle, an empty one none."""
    found = words(text)
    if len(found) <= size:
        return {tuple(found)} if found else set()
    return {tuple(found[start : start + size]) for start in range(len(found) - size + 1)}


def similarity(a: str, b: str) -> Fraction:
    """Jaccard similarity of two bodies' shingle sets, exact."""
    first, second = shingle_set(a), shingle_set(b)
    if not first and not second:
        return Fraction(1)
    return Fraction(len(first & second), len(first | second))


@dataclass(frozen=True)
class BoundaryPair:
    """Two bodies of one story, the second with a passage inserted, and their similarity."""

    name: str  # "at", "under" or "over" the threshold
    first: str
    second: str
    similarity: Fraction


def _sentence_cuts(text: str) -> list[int]:
    """Where the text may end: after each sentence, longest first."""
    return sorted({m.end() for m in _SENTENCE_END.finditer(text)} | {len(text)}, reverse=True)


def _variants(body: str, passage: list[str], floor: Fraction) -> Iterator[tuple[str, str, Fraction]]:
    """The body cut after one of its sentences, against the same with the first n words of
    `passage` inserted as a paragraph of its own in its middle (n growing until the two are
    less similar than `floor`)."""
    for cut in _sentence_cuts(body):
        base = body[:cut].rstrip()
        paragraphs = base.split("\n\n")
        if len(paragraphs) < 2:
            continue
        middle = len(paragraphs) // 2
        for n in range(1, len(passage) + 1):
            inserted = " ".join(passage[:n])
            second = "\n\n".join(paragraphs[:middle] + [inserted] + paragraphs[middle:])
            value = similarity(base, second)
            yield base, second, value
            if value < floor:
                break


def boundary_pair(name: str, body: str, passage_text: str, threshold: Fraction = NEAR_DUPLICATE_THRESHOLD) -> BoundaryPair:
    """A pair built from `body` and words of `passage_text`: at exactly the threshold ("at"),
    or the nearest below ("under") or above ("over") it, no further than JUST away."""
    passage = passage_text.split()
    best: Optional[tuple[str, str, Fraction]] = None
    for first, second, value in _variants(body, passage, threshold - JUST):
        if name == "at" and value == threshold:
            return BoundaryPair(name, first, second, value)
        if name == "under" and threshold - JUST <= value < threshold and (best is None or value > best[2]):
            best = (first, second, value)
        if name == "over" and threshold < value <= threshold + JUST and (best is None or value < best[2]):
            best = (first, second, value)
    if best is None:
        raise ValueError(f"no pair {name} the threshold {threshold} can be built from this body")
    return BoundaryPair(name, *best)


def boundary_pairs(bodies: Iterable[str], threshold: Fraction = NEAR_DUPLICATE_THRESHOLD) -> list[BoundaryPair]:
    """Three pairs, each from a story of its own (so that the pairs are unrelated to each
    other): at the threshold, just under it and just over it. Each second body has a passage
    of the next story inserted, as a re-published story with an added paragraph has."""
    usable = [b for b in bodies if b.count("\n\n") >= 3 and word_count(b) >= 120]
    if len(usable) < 6:
        raise ValueError("the corpus has too few long bodies for boundary pairs")
    # the passages come from three other stories, so that no pair shares text with another
    return [boundary_pair(name, usable[i], usable[i + 3], threshold) for i, name in enumerate(("at", "under", "over"))]
